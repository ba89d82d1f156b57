//! Text files, line by line.
//!
//! Every file is cut into byte ranges (morsels) of [`MORSEL_BYTES`], which the job's workers take
//! in parallel. A morsel owns the lines whose first byte lies in its range: it skips the tail of
//! the line it starts in (the previous morsel finishes that line) and reads past its end to
//! finish its own last line. So no line is lost or read twice, wherever the cuts fall.
//!
//! A task reads its morsels in blocks into one buffer that it keeps from morsel to morsel; lines
//! are found with `memchr` and reach the user's closure as `&str`s borrowed from that buffer, so
//! reading allocates nothing per line. Compressed files (`.gz`, `.zst`, see
//! [`crate::compression`]) cannot be cut, so each is a single morsel, decompressed as it streams
//! through the same buffer. Anything but a regular file (a FIFO, `/dev/stdin`, `-` for standard
//! input) has no length to cut by: it is one morsel too, opened once and read to its end.
//!
//! Each task reports its progress ([`crate::progress`]) once per block: the lines passed on and
//! the bytes read (of a compressed file, compressed bytes, so that the share of the input done
//! is a share of the files' sizes).
//!
//! A regular file is planned from its length when the job lists it. After reading a morsel the
//! task checks the open file's length and modification time against the listing (one `fstat`
//! per morsel), and fails naming the file if it changed or ended early: a file truncated or
//! rewritten under a running job would otherwise give a partial result.
//!
//! The job stops reading when it is cancelled (another task failed): a task checks between
//! morsels and between blocks.

use super::Counted;
use crate::compression::Compression;
use crate::driver::{drive_morsels, source_label};
use crate::error::{BadRecordPolicy, Error, Result};
use crate::guard::OpInfo;
use crate::job::Context;
use crate::progress::SourceMeter;
use crate::source::files;
use files::FileStamp;
use reader::{LineReader, RangeReader};
use scan::Scan;
use std::cell::Cell;
use std::io;
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
    /// (see [`files::expand`]), in that order; `-` reads standard input. Files ending in `.gz`
    /// or `.zst` (in any case) are decompressed.
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

/// A byte range of one file; for a compressed file or a stream, the whole of it.
struct Morsel<'a> {
    path: &'a Path,
    start: u64,
    end: u64,
    compression: Compression,
    /// The file as the job listed it, to check after reading that it did not change; `None`
    /// for a stream (a FIFO, `/dev/stdin`), which is opened once and read to its end.
    stamp: Option<FileStamp>,
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
    let body = |state: &mut L, line: &str| {
        body(state, line);
        Line::Record
    };
    drive_line_records(ctx, op, src, "text", init, body)
}

/// What a line-based format's parser made of one line (see [`drive_line_records`]).
#[derive(Debug)]
pub enum Line {
    /// The line was a record, passed on.
    Record,
    /// The line holds no record and is not an error (a blank line of JSON lines).
    Ignored,
    /// The line is a bad record: the source's [`BadRecordPolicy`] decides. (Boxed, so that a
    /// `Line` is returned in registers: the per-line call of a text job stays as cheap as it
    /// was without this enum.)
    Rejected(Box<Rejected>),
}

/// Why a parser rejected a line.
#[derive(Debug)]
pub struct Rejected {
    /// 1-based byte column in the line where the problem was found.
    pub column: u64,
    /// What is wrong, without a position (the error adds the file, line and column).
    pub message: String,
}

/// Like [`drive_lines`], for a format of one record per line (JSON lines): `body` parses each
/// line and says what it was ([`Line`]). A rejected line is handled like a line of invalid
/// UTF-8: under [`BadRecordPolicy::Fail`] the job fails with [`Error::BadLine`] naming the file,
/// line, column and text (`format` names the format in it: "bad JSON record"); under `Skip` it
/// is counted as skipped in the job's metrics, with a sample naming `path:line:column`.
/// Ignored lines are neither records nor skipped, but count as lines for the numbering.
///
/// ```
/// use dataflow_runtime::guard::OpInfo;
/// use dataflow_runtime::source::text::{drive_line_records, Line, Rejected, TextSource};
/// use dataflow_runtime::{Context, Error, Job};
///
/// static OP: OpInfo = OpInfo { name: "read_numbers", file: "example.rs", line: 1, column: 1 };
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("numbers.txt");
/// std::fs::write(&path, "1\n\n2\nthree\n")?;
///
/// let src = TextSource::new(&path);
/// let job = Job::new("example", Some(1), move |ctx: &Context| {
///     drive_line_records(ctx, &OP, &src, "number", || 0, |sum: &mut i64, line: &str| {
///         if line.is_empty() {
///             return Line::Ignored;
///         }
///         match line.parse::<i64>() {
///             Ok(n) => {
///                 *sum += n;
///                 Line::Record
///             }
///             Err(e) => Line::Rejected(Box::new(Rejected { column: 1, message: e.to_string() })),
///         }
///     })
/// });
/// let err = job.run().unwrap_err();
/// assert!(matches!(err, Error::BadLine { line: 4, column: 1, .. }));
/// assert!(err.to_string().ends_with(":4:1: bad number record: invalid digit found in string: three"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn drive_line_records<L, I, B>(
    ctx: &Context,
    op: &'static OpInfo,
    src: &TextSource,
    format: &'static str,
    init: I,
    body: B,
) -> Result<Vec<L>>
where
    L: Send,
    I: Fn() -> L + Sync + Send,
    B: Fn(&mut L, &str) -> Line + Sync + Send,
{
    let paths = files::expand(&src.pattern)?;
    let morsels = plan_morsels(&paths, src.morsel_bytes)?;
    let label = source_label(op);
    // The input's size is known unless it holds a stream.
    let total_bytes = morsels.iter().try_fold(0, |total, m| {
        m.stamp
            .map(|stamp| total + if m.start == 0 { stamp.len } else { 0 })
    });
    let meter = ctx.source_meter(&label, total_bytes);
    Ok(drive_morsels(
        ctx,
        morsels,
        init,
        |state, buf: &mut Vec<u8>, morsel| {
            let emit = |line: &str| body(state, line);
            read_morsel(ctx, &label, &meter, src, format, &morsel, buf, emit)
        },
    ))
}

/// Cuts every file into morsels, in file order then byte order. A stream (anything but a
/// regular file, or a regular file of length 0) is one morsel, whatever its length says.
fn plan_morsels(paths: &[PathBuf], morsel_bytes: u64) -> Result<Vec<Morsel<'_>>> {
    let mut morsels = Vec::new();
    for path in paths {
        let compression = Compression::of(path);
        let compressed = compression.is_compressed();
        let stamp = files::stat_input(path)?;
        // A regular file that reports no length may still have content (the files of `/proc`
        // and `/sys` do): it is read as a stream too, so that an empty file simply has no lines.
        let stamp = stamp.filter(|stamp| stamp.len > 0 || compressed);
        let Some(stamp) = stamp else {
            morsels.push(Morsel {
                path,
                start: 0,
                end: u64::MAX,
                compression,
                stamp: None,
            });
            continue;
        };
        let len = stamp.len;
        let step = if compressed { len } else { morsel_bytes };
        let mut start = 0;
        while start < len {
            let end = start.saturating_add(step).min(len);
            morsels.push(Morsel {
                path,
                start,
                end,
                compression,
                stamp: Some(stamp),
            });
            start = end;
        }
    }
    Ok(morsels)
}

/// Reads one morsel's lines into `emit` and reports them to the job's metrics and to `meter`.
#[allow(clippy::too_many_arguments)]
fn read_morsel<F: FnMut(&str) -> Line>(
    ctx: &Context,
    label: &str,
    meter: &SourceMeter,
    src: &TextSource,
    format: &'static str,
    morsel: &Morsel<'_>,
    buf: &mut Vec<u8>,
    emit: F,
) -> Result<()> {
    // Each morsel opens its file rather than sharing one handle per file: a directory of
    // thousands of files would otherwise hold thousands of descriptors open at once.
    let path = morsel.path;
    let file = files::open(path).map_err(|e| io_error("cannot open", path, e))?;
    // Bytes read from a stream or compressed file so far (counted as they are read).
    let read_bytes = Cell::new(0);
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
        ignored: 0,
        format,
        skipped: 0,
        start: morsel.start,
        read_bytes: None,
        meter: meter.morsel(),
    };
    let stream = morsel.stamp.is_none();
    let mut bytes = morsel.end - morsel.start;
    let mut ended_short = false;
    if morsel.compression.is_compressed() || stream {
        // Read sequentially to the end: a compressed file cannot be cut, a stream cannot be
        // re-read.
        scan.end = u64::MAX;
        scan.read_bytes = Some(&read_bytes);
        let counted = Counted::new(&file, &read_bytes);
        let input = morsel
            .compression
            .decoder(counted)
            .map_err(|e| io_error("cannot read", path, e))?;
        scan.run(&mut LineReader::new(input, buf, 0), emit)?;
        if stream {
            bytes = read_bytes.get();
        }
    } else {
        // Start one byte early: the morsel's first line starts after the first `\n` from there.
        let from = morsel.start.saturating_sub(1);
        let end = morsel.end;
        let reader = RangeReader::new(&file, from, end);
        let mut lines = LineReader::new(reader, buf, from);
        // A line owned here must start before `end`, so its `\n` must lie before `end - 1`.
        let owns_a_line = morsel.start == 0
            || (lines.skip_line(end - 1)).map_err(|e| io_error("cannot read", path, e))?;
        if owns_a_line {
            scan.run(&mut lines, emit)?;
        }
        ended_short = lines.reader().ended_short();
    }
    if let Some(stamp) = &morsel.stamp {
        // The lines are passed on already, but the job fails: its result would be partial.
        stamp.check_unchanged(path, &file)?;
        if ended_short {
            let what = "it ended before the length it had when listed";
            return Err(files::changed_while_read(path, what));
        }
    }
    scan.meter.update(scan.lines, bytes);
    ctx.record_source(label, scan.lines, scan.skipped, bytes);
    Ok(())
}

fn io_error(action: &'static str, path: &Path, source: io::Error) -> Error {
    Error::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

mod reader;
mod scan;

#[cfg(test)]
mod tests;
