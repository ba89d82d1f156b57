//! Text files, line by line.
//!
//! Every file is cut into byte ranges (morsels) of [`MORSEL_BYTES`], which the job's workers take
//! in parallel. A morsel owns the lines whose first byte lies in its range: it skips the tail of
//! the line it starts in (the previous morsel finishes that line) and reads past its end to
//! finish its own last line. So no line is lost or read twice, wherever the cuts fall.
//!
//! A task reads its morsels in blocks into one buffer that it keeps from morsel to morsel; lines
//! are found with `memchr` and reach the user's closure as `&str`s borrowed from that buffer, so
//! reading allocates nothing per line. Gzip files cannot be cut, so each is a single morsel,
//! decompressed as it streams through the same buffer.

use crate::driver::source_label;
use crate::error::{shorten, BadRecordPolicy, Error, Result};
use crate::guard::{JobScope, OpInfo};
use crate::job::Context;
use crate::source::files;
use memchr::{memchr, memrchr};
use rayon::prelude::*;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Bytes of a file in one morsel: enough to amortize a task, few enough that one big file
/// spreads over every worker.
pub const MORSEL_BYTES: u64 = 8 << 20;

/// Bytes read per call into a task's buffer. The buffer only grows for a longer line.
///
/// Small enough that the buffer stays in the core's L2 cache beside the task's hash table:
/// word count ran about 9% faster with 128 KiB than with 1 MiB (`benches/wordcount.rs`), and
/// a read call per 128 KiB costs nothing measurable.
pub const BLOCK_BYTES: usize = 128 << 10;

/// Bytes read per call past a morsel's end, where only the rest of its last line is wanted.
const TAIL_BYTES: usize = 64 << 10;

/// How much of a bad line an error or a skipped-record sample shows.
const SHOWN_BYTES: usize = 200;

/// A text input: one record per line, without its `\n` or `\r\n`.
#[derive(Clone, Debug)]
pub struct TextSource {
    pattern: String,
    policy: BadRecordPolicy,
    morsel_bytes: u64,
    block_bytes: usize,
}

impl TextSource {
    /// Reads the file, the files of the directory, or the files matching the glob `pattern`
    /// (see [`files::expand`]), in that order. Files ending in `.gz` are decompressed.
    pub fn new(pattern: impl AsRef<std::path::Path>) -> Self {
        TextSource {
            pattern: pattern.as_ref().to_string_lossy().into_owned(),
            policy: BadRecordPolicy::Fail,
            morsel_bytes: MORSEL_BYTES,
            block_bytes: BLOCK_BYTES,
        }
    }

    /// What to do with a line that is not valid UTF-8: fail the job (the default) or skip it.
    pub fn bad_records(mut self, policy: BadRecordPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Sets the morsel size in bytes, so that tests can cut small files into many morsels.
    #[doc(hidden)]
    pub fn morsel_bytes(mut self, bytes: u64) -> Self {
        self.morsel_bytes = bytes.max(1);
        self
    }

    /// Sets the read block size in bytes, so that tests can make lines cross blocks.
    #[doc(hidden)]
    pub fn block_bytes(mut self, bytes: usize) -> Self {
        self.block_bytes = bytes.max(1);
        self
    }
}

/// A byte range of one file; for a gzip file, the whole file.
struct Morsel<'a> {
    path: &'a Path,
    start: u64,
    end: u64,
    gzip: bool,
}

/// Runs `body` over every line of `src`, giving each task a state from `init`; returns the
/// states in input order (file order, then byte order within a file).
pub fn drive_lines<L, I, B>(
    ctx: &Context,
    op: &'static OpInfo,
    src: &TextSource,
    init: I,
    body: B,
) -> Result<Vec<L>>
where
    L: Send,
    I: Fn() -> L + Sync + Send,
    B: Fn(&mut L, &str) + Sync + Send,
{
    let paths = files::expand(&src.pattern)?;
    let morsels = plan_morsels(&paths, src.morsel_bytes)?;
    let label = source_label(op);
    let (scope, _reenter) = JobScope::fan_out();
    let states = morsels
        .into_par_iter()
        .fold(
            || {
                scope.enter();
                (init(), Vec::new())
            },
            |(mut state, mut buf), morsel| {
                // Once a task has failed the job is lost: leave the remaining morsels unread.
                if !ctx.is_cancelled() {
                    let emit = |line: &str| body(&mut state, line);
                    if let Err(error) = read_morsel(ctx, &label, src, &morsel, &mut buf, emit) {
                        ctx.cancel();
                        crate::guard::fail(error);
                    }
                }
                (state, buf)
            },
        )
        .map(|(state, _buf)| state)
        .collect();
    Ok(states)
}

/// Cuts every file into morsels, in file order then byte order. Empty files have none.
fn plan_morsels(paths: &[PathBuf], morsel_bytes: u64) -> Result<Vec<Morsel<'_>>> {
    let mut morsels = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| io_error("cannot open", path, e))?;
        let len = meta.len();
        let gzip = path.extension().is_some_and(|e| e == "gz");
        let step = if gzip { len } else { morsel_bytes };
        let mut start = 0;
        while start < len {
            let end = start.saturating_add(step).min(len);
            morsels.push(Morsel {
                path,
                start,
                end,
                gzip,
            });
            start = end;
        }
    }
    Ok(morsels)
}

/// Reads one morsel's lines into `emit` and reports them to the job's metrics.
fn read_morsel<F: FnMut(&str)>(
    ctx: &Context,
    label: &str,
    src: &TextSource,
    morsel: &Morsel<'_>,
    buf: &mut Vec<u8>,
    emit: F,
) -> Result<()> {
    // Each morsel opens its file rather than sharing one handle per file: a directory of
    // thousands of files would otherwise hold thousands of descriptors open at once.
    let path = morsel.path;
    let file = File::open(path).map_err(|e| io_error("cannot open", path, e))?;
    if buf.len() < src.block_bytes {
        // Zeroed allocation, not `resize`: the pages are only touched as reads fill them.
        *buf = vec![0; src.block_bytes];
    }
    let mut scan = Scan {
        ctx,
        label,
        policy: src.policy,
        path,
        end: morsel.end,
        // Line numbers are only known for free when the morsel starts the file.
        lines_before: (morsel.start == 0).then_some(0),
        lines: 0,
        skipped: 0,
    };
    if morsel.gzip {
        scan.end = u64::MAX;
        let decoder = flate2::read::MultiGzDecoder::new(file);
        scan.run(&mut LineReader::new(decoder, buf, 0), emit)?;
    } else {
        // Start one byte early: the morsel's first line starts after the first `\n` from there.
        let from = morsel.start.saturating_sub(1);
        let end = morsel.end;
        let reader = RangeReader {
            file: &file,
            pos: from,
            end,
        };
        let mut lines = LineReader::new(reader, buf, from);
        // A line owned here must start before `end`, so its `\n` must lie before `end - 1`.
        let owns_a_line = morsel.start == 0
            || (lines.skip_line(end - 1)).map_err(|e| io_error("cannot read", path, e))?;
        if owns_a_line {
            scan.run(&mut lines, emit)?;
        }
    }
    let bytes = morsel.end - morsel.start;
    ctx.record_source(label, scan.lines, scan.skipped, bytes);
    Ok(())
}

/// Passes the lines of `text` that start before byte `owned` to `emit`; returns how many.
///
/// The per-line loop of every text job: kept to a `memchr`, a check for `\r` and the call.
#[inline]
fn emit_lines<F: FnMut(&str)>(text: &str, owned: usize, emit: &mut F) -> u64 {
    let bytes = text.as_bytes();
    let mut lines = 0;
    let mut pos = 0;
    while pos < owned {
        let (stop, next) = line_end(bytes, pos);
        emit(&text[pos..stop]);
        lines += 1;
        pos = next;
    }
    lines
}

/// Where the line starting at `pos` ends (before its `\n` or `\r\n`) and where the next one
/// starts; a last line without `\n` ends the chunk.
#[inline(always)]
fn line_end(chunk: &[u8], pos: usize) -> (usize, usize) {
    match memchr(b'\n', &chunk[pos..]) {
        Some(i) if i > 0 && chunk[pos + i - 1] == b'\r' => (pos + i - 1, pos + i + 1),
        Some(i) => (pos + i, pos + i + 1),
        None => (chunk.len(), chunk.len()),
    }
}

/// One morsel's pass over its lines: where it stops, what it does with bad ones, what it saw.
struct Scan<'a> {
    ctx: &'a Context,
    label: &'a str,
    policy: BadRecordPolicy,
    path: &'a Path,
    /// Lines starting at or after this stream offset belong to the next morsel.
    end: u64,
    /// Lines in the file before the morsel's first one, when known.
    lines_before: Option<u64>,
    /// Lines passed on.
    lines: u64,
    /// Lines skipped as bad.
    skipped: u64,
}

impl Scan<'_> {
    /// Passes the lines that start before `self.end` to `emit`.
    fn run<R: Read, F: FnMut(&str)>(
        &mut self,
        lines: &mut LineReader<'_, R>,
        mut emit: F,
    ) -> Result<()> {
        while lines.offset() < self.end {
            let (chunk_offset, chunk) = match lines.next_chunk() {
                Ok(Some(next)) => next,
                Ok(None) => break,
                Err(e) => return Err(io_error("cannot read", self.path, e)),
            };
            // Lines that start at or after `self.end` belong to the next morsel.
            let owned = usize::try_from(self.end.saturating_sub(chunk_offset))
                .map_or(chunk.len(), |n| n.min(chunk.len()));
            // Validating a whole chunk costs far less than validating line by line. Its lines
            // are then slices of a valid `str` cut next to `\n`s, which are char boundaries.
            // A chunk with a bad byte falls back to checking each of its lines.
            match std::str::from_utf8(chunk) {
                Ok(text) => self.lines += emit_lines(text, owned, &mut emit),
                Err(_) => self.run_checked(chunk, chunk_offset, owned, &mut emit)?,
            }
            if owned < chunk.len() {
                return Ok(());
            }
        }
        Ok(())
    }

    /// The lines of a chunk that is not valid UTF-8 and starts at stream offset `chunk_offset`,
    /// each checked on its own; the bad ones go to [`Self::bad_line`].
    #[cold]
    fn run_checked<F: FnMut(&str)>(
        &mut self,
        chunk: &[u8],
        chunk_offset: u64,
        owned: usize,
        emit: &mut F,
    ) -> Result<()> {
        let mut pos = 0;
        while pos < owned {
            let (stop, next) = line_end(chunk, pos);
            match std::str::from_utf8(&chunk[pos..stop]) {
                Ok(line) => {
                    emit(line);
                    self.lines += 1;
                }
                Err(e) => {
                    let offset = chunk_offset + pos as u64;
                    self.bad_line(&chunk[pos..stop], offset, e.valid_up_to())?;
                }
            }
            pos = next;
        }
        Ok(())
    }

    /// Fails under [`BadRecordPolicy::Fail`]; under `Skip`, counts the line and keeps a sample.
    #[cold]
    fn bad_line(&mut self, bytes: &[u8], offset: u64, valid_up_to: usize) -> Result<()> {
        let path = self.path;
        let text = shorten(&String::from_utf8_lossy(bytes), SHOWN_BYTES);
        let column = valid_up_to as u64 + 1;
        let line_no = self.lines_before.map(|n| n + self.lines + self.skipped + 1);
        match self.policy {
            BadRecordPolicy::Fail => {
                let line = match line_no {
                    Some(n) => n,
                    None => line_number(path, offset)?,
                };
                let path = path.to_path_buf();
                Err(Error::InvalidUtf8 {
                    path,
                    line,
                    column,
                    text,
                })
            }
            BadRecordPolicy::Skip => {
                self.skipped += 1;
                // Counting the lines before each skipped one would re-read the file every
                // time: where the number is not known, a sample names the byte offset.
                let at = match line_no {
                    Some(n) => format!("{}:{n}:{column}", path.display()),
                    None => format!("{} (byte {offset}, column {column})", path.display()),
                };
                let sample = format!("{at}: invalid UTF-8: {text}");
                self.ctx.record_skipped_sample(self.label, sample);
                Ok(())
            }
        }
    }
}

/// The 1-based number of the line starting at byte `offset`: one more than the `\n`s before it.
/// Only called on the error path, so it simply re-reads the file.
#[cold]
fn line_number(path: &Path, offset: u64) -> Result<u64> {
    let file = File::open(path).map_err(|source| io_error("cannot open", path, source))?;
    let mut buf = vec![0; BLOCK_BYTES];
    let (mut pos, mut newlines) = (0, 0);
    while pos < offset {
        let want = (offset - pos).min(BLOCK_BYTES as u64) as usize;
        let n = match file.read_at(&mut buf[..want], pos) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(source) => return Err(io_error("cannot read", path, source)),
        };
        newlines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
        pos += n as u64;
    }
    Ok(newlines + 1)
}

fn io_error(action: &'static str, path: &Path, source: io::Error) -> Error {
    Error::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Reads a file from `pos` with positioned reads, up to `end` in full blocks and then in small
/// ones: past its end a morsel only needs the rest of its last line.
struct RangeReader<'f> {
    file: &'f File,
    pos: u64,
    end: u64,
}

impl Read for RangeReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = if self.pos < self.end {
            (self.end - self.pos).min(buf.len() as u64) as usize
        } else {
            buf.len().min(TAIL_BYTES)
        };
        let n = self.file.read_at(&mut buf[..want], self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// Reads a byte stream in blocks into a caller's buffer and hands it out in runs of whole lines.
///
/// `buf[lo..hi]` holds data not yet handed out; `buf[lo..scan]` is known to hold no `\n`, so a
/// long line is searched once, not once per block.
struct LineReader<'b, R> {
    reader: R,
    buf: &'b mut Vec<u8>,
    lo: usize,
    scan: usize,
    hi: usize,
    /// Stream offset of `buf[lo]`: where the next line starts.
    offset: u64,
    eof: bool,
}

impl<'b, R: Read> LineReader<'b, R> {
    /// `buf` must not be empty; `offset` is the stream offset of the reader's first byte.
    fn new(reader: R, buf: &'b mut Vec<u8>, offset: u64) -> Self {
        debug_assert!(!buf.is_empty());
        LineReader {
            reader,
            buf,
            lo: 0,
            scan: 0,
            hi: 0,
            offset,
            eof: false,
        }
    }

    /// Stream offset of the next line's first byte.
    fn offset(&self) -> u64 {
        self.offset
    }

    /// The complete lines now in the buffer, with their stream offset: everything up to the
    /// last `\n`, reading more (and growing the buffer) until there is one. At the end of the
    /// stream, the rest: a last line without `\n`. `None` once all is handed out.
    fn next_chunk(&mut self) -> io::Result<Option<(u64, &[u8])>> {
        loop {
            let last_newline = memrchr(b'\n', &self.buf[self.scan..self.hi]);
            let stop = match last_newline {
                Some(i) => self.scan + i + 1,
                None if self.eof && self.lo < self.hi => self.hi,
                None if self.eof => return Ok(None),
                None => {
                    self.scan = self.hi;
                    self.fill()?;
                    continue;
                }
            };
            let (start, offset) = (self.lo, self.offset);
            self.lo = stop;
            self.scan = stop;
            self.offset += (stop - start) as u64;
            return Ok(Some((offset, &self.buf[start..stop])));
        }
    }

    /// Consumes everything up to and including the first `\n` that lies before stream offset
    /// `limit`; returns whether there was one. Skipped bytes are dropped as they are scanned,
    /// so skipping the tail of a huge line does not grow the buffer.
    fn skip_line(&mut self, limit: u64) -> io::Result<bool> {
        loop {
            let window = ((self.hi - self.lo) as u64).min(limit.saturating_sub(self.offset));
            let window = &self.buf[self.lo..self.lo + window as usize];
            if let Some(i) = memchr(b'\n', window) {
                self.lo += i + 1;
                self.scan = self.lo;
                self.offset += (i + 1) as u64;
                return Ok(true);
            }
            let n = window.len();
            self.lo += n;
            self.scan = self.lo;
            self.offset += n as u64;
            if self.offset >= limit || self.eof {
                return Ok(false);
            }
            self.fill()?;
        }
    }

    /// Reads more of the stream: moves the unfinished line to the front of the buffer, and
    /// doubles the buffer when that line fills it.
    fn fill(&mut self) -> io::Result<()> {
        if self.lo > 0 {
            self.buf.copy_within(self.lo..self.hi, 0);
            self.hi -= self.lo;
            self.scan -= self.lo;
            self.lo = 0;
        }
        if self.hi == self.buf.len() {
            let len = self.buf.len() * 2;
            self.buf.resize(len, 0);
        }
        let n = loop {
            match self.reader.read(&mut self.buf[self.hi..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        self.hi += n;
        self.eof = n == 0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Job, Metrics};
    use std::fs;
    use std::io::Write;

    static OP: OpInfo = OpInfo {
        name: "read_text",
        file: "src/main.rs",
        line: 4,
        column: 9,
    };

    /// Runs a one-stage job that collects the lines; returns them, the job's metrics and the
    /// number of task states.
    fn run(src: &TextSource) -> Result<(Vec<String>, Metrics, usize)> {
        let src = src.clone();
        let job = Job::new("test", Some(2), move |ctx: &Context| {
            drive_lines(ctx, &OP, &src, Vec::new, |v: &mut Vec<String>, l: &str| {
                v.push(l.to_owned())
            })
        });
        let (states, metrics) = job.run_with_metrics()?;
        let tasks = states.len();
        Ok((states.concat(), metrics, tasks))
    }

    fn lines(src: &TextSource) -> Vec<String> {
        run(src).unwrap().0
    }

    fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> String {
        let path = dir.join(name);
        fs::write(&path, content).unwrap();
        path.to_str().unwrap().to_owned()
    }

    fn expected(text: &str) -> Vec<String> {
        text.lines().map(str::to_owned).collect()
    }

    #[test]
    fn an_empty_file_has_no_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "empty.txt", "");
        let (lines, metrics, _) = run(&TextSource::new(path)).unwrap();
        assert!(lines.is_empty());
        assert_eq!(metrics.records_read(), 0);
    }

    #[test]
    fn a_last_line_without_newline_is_a_line() {
        let dir = tempfile::tempdir().unwrap();
        for (content, want) in [
            ("a\nb", vec!["a", "b"]),
            ("a\nb\n", vec!["a", "b"]),
            ("\n", vec![""]),
            ("\n\nx", vec!["", "", "x"]),
            ("only", vec!["only"]),
        ] {
            let path = write(dir.path(), "t.txt", content);
            assert_eq!(lines(&TextSource::new(path)), want, "{content:?}");
        }
    }

    #[test]
    fn crlf_line_ends_are_stripped() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "crlf.txt", "a\r\nb\rc\r\n\r\nd\r");
        assert_eq!(lines(&TextSource::new(path)), ["a", "b\rc", "", "d\r"]);
    }

    #[test]
    fn a_line_of_several_megabytes_grows_the_buffer() {
        let dir = tempfile::tempdir().unwrap();
        let long = "x".repeat(3 * BLOCK_BYTES + 17);
        let content = format!("first\n{long}\nlast\n");
        let path = write(dir.path(), "long.txt", &content);
        assert_eq!(lines(&TextSource::new(&path)), expected(&content));
        // The long line also crosses morsels, which must skip its tail without keeping it.
        let src = TextSource::new(&path).morsel_bytes(1 << 20);
        assert_eq!(lines(&src), expected(&content));
    }

    #[test]
    fn many_small_files_keep_file_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut want = Vec::new();
        for f in 0..300 {
            let content: String = (0..f % 4).map(|l| format!("file {f} line {l}\n")).collect();
            want.extend(expected(&content));
            write(dir.path(), &format!("part-{f:04}.txt"), content);
        }
        write(dir.path(), ".hidden", "not me\n");
        let (got, metrics, _) = run(&TextSource::new(dir.path().to_str().unwrap())).unwrap();
        assert_eq!(got, want);
        assert_eq!(metrics.records_read(), want.len() as u64);
        // Files 0 to 99 hold 0 + 1 + 2 + 3 lines per four files: 150 lines.
        let glob = format!("{}/part-00*.txt", dir.path().display());
        assert_eq!(lines(&TextSource::new(glob)), want[..150]);
    }

    #[test]
    fn a_file_larger_than_one_morsel_is_split_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let content: String = (0..1_000_000).map(|i| format!("line {i}\n")).collect();
        assert!(content.len() as u64 > MORSEL_BYTES);
        let path = write(dir.path(), "big.txt", &content);
        let (got, metrics, _) = run(&TextSource::new(&path)).unwrap();
        assert_eq!(got, expected(&content));
        assert_eq!(metrics.sources[0].bytes, content.len() as u64);
        assert_eq!(metrics.sources[0].records, 1_000_000);

        let small = TextSource::new(&path)
            .morsel_bytes(100_003)
            .block_bytes(4096);
        let (got, _, tasks) = run(&small).unwrap();
        assert_eq!(got, expected(&content));
        assert!(tasks > 1, "one task read every morsel");
    }

    #[test]
    fn lines_at_morsel_boundaries_are_read_once() {
        let dir = tempfile::tempdir().unwrap();
        for content in [
            "ab\ncd\n\nefg\nh\n\n\nijklmnop\nq",
            "\n\na\r\nbc\r\n\r\nd\n",
            "x\ny\nz\n",
            "h\u{e9}llo\n\u{65e5}\u{672c}\r\n\n\u{1f600}x\u{1f600}",
        ] {
            let path = write(dir.path(), "b.txt", content);
            for morsel in 1..=20 {
                for block in [1, 2, 3, 7, 64] {
                    let src = TextSource::new(&path)
                        .morsel_bytes(morsel)
                        .block_bytes(block);
                    assert_eq!(
                        lines(&src),
                        expected(content),
                        "{content:?} morsel {morsel} block {block}"
                    );
                }
            }
        }
    }

    fn invalid_utf8_file(dir: &Path) -> String {
        let mut content = Vec::new();
        for i in 0..50 {
            writeln!(content, "good line {i}").unwrap();
        }
        content.extend_from_slice(b"bad \xff\xfe line\n");
        content.extend_from_slice("after \u{e9}\n".as_bytes());
        write(dir, "bad.txt", content)
    }

    #[test]
    fn invalid_utf8_fails_with_its_line_number() {
        let dir = tempfile::tempdir().unwrap();
        let path = invalid_utf8_file(dir.path());
        // The first morsel knows its line numbers; later ones count them on error.
        for morsel in [MORSEL_BYTES, 64, 7] {
            let err = run(&TextSource::new(&path).morsel_bytes(morsel)).unwrap_err();
            match &err {
                Error::InvalidUtf8 {
                    path: p,
                    line,
                    column,
                    text,
                } => {
                    assert_eq!(p, Path::new(&path));
                    assert_eq!((*line, *column), (51, 5), "morsel {morsel}");
                    assert_eq!(text, "bad \u{fffd}\u{fffd} line");
                }
                other => panic!("unexpected error {other}"),
            }
        }
    }

    #[test]
    fn invalid_utf8_is_skipped_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let path = invalid_utf8_file(dir.path());
        for morsel in [MORSEL_BYTES, 64] {
            let src = TextSource::new(&path)
                .morsel_bytes(morsel)
                .bad_records(BadRecordPolicy::Skip);
            let (got, metrics, _) = run(&src).unwrap();
            assert_eq!(got.len(), 51);
            assert_eq!(got.last().unwrap(), "after \u{e9}");
            assert_eq!(metrics.skipped(), 1);
            assert_eq!(metrics.records_read(), 51);
            assert_eq!(metrics.skipped_samples.len(), 1);
            assert!(metrics.skipped_samples[0].starts_with("read_text@4:9: "));
            assert!(metrics.skipped_samples[0].contains("invalid UTF-8"));
        }
    }

    #[test]
    fn a_failure_reaches_catch_task_in_a_plain_pool() {
        let dir = tempfile::tempdir().unwrap();
        let src = TextSource::new(invalid_utf8_file(dir.path())).morsel_bytes(16);
        let ctx = Context::new(2);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let result = pool.install(|| {
            crate::guard::catch_task(|| {
                drive_lines(&ctx, &OP, &src, Vec::new, |v: &mut Vec<String>, l: &str| {
                    v.push(l.to_owned())
                })
            })
        });
        let err = result.and_then(|r| r).unwrap_err();
        assert!(
            matches!(err, Error::InvalidUtf8 { line: 51, .. }),
            "{err:?}"
        );
        assert!(ctx.is_cancelled());
    }

    fn gzip(content: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(content).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn gzip_files_are_decompressed_as_they_stream() {
        let dir = tempfile::tempdir().unwrap();
        let first: String = (0..20_000).map(|i| format!("gz line {i}\n")).collect();
        let second = "member two\nno newline";
        // Two gzip members in one file, as `cat a.gz b.gz` makes.
        let mut bytes = gzip(first.as_bytes());
        bytes.extend(gzip(second.as_bytes()));
        let path = write(dir.path(), "a.txt.gz", &bytes);
        let want = expected(&format!("{first}{second}"));
        assert_eq!(lines(&TextSource::new(&path).block_bytes(1000)), want);
        let (got, metrics, _) = run(&TextSource::new(&path)).unwrap();
        assert_eq!(got, want);
        assert_eq!(metrics.sources[0].bytes, bytes.len() as u64);

        write(dir.path(), "b.txt.gz", gzip(b"ok\nbad \xc3(\n"));
        let err = run(&TextSource::new(
            dir.path().join("b.txt.gz").to_str().unwrap(),
        ));
        assert!(
            matches!(
                err,
                Err(Error::InvalidUtf8 {
                    line: 2,
                    column: 5,
                    ..
                })
            ),
            "{err:?}"
        );
    }

    #[test]
    fn a_missing_file_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope.txt");
        let err = run(&TextSource::new(path.to_str().unwrap())).unwrap_err();
        assert!(
            matches!(&err, Error::Io { action: "cannot open", path: p, .. } if *p == path),
            "{err:?}"
        );
        assert!(err.to_string().contains("nope.txt"), "{err}");
    }
}
