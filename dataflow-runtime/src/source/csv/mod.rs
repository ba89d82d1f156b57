//! CSV files, deserialized record by record into any `T: serde::Deserialize`.
//!
//! Like text, a file is cut into morsels of about [`MORSEL_BYTES`] that the job's workers read
//! in parallel, and the tasks' states come back in file order, then byte order. A cut must not
//! fall inside a quoted field that holds a line break: `split.rs` finds where records start
//! from the parity of the quotes before each cut, checked by a parallel pre-scan, and reads a
//! file whose quotes do not allow that (a quote inside an unquoted field) as one morsel. With
//! `quoting(false)` every line end is a record end and no pre-scan is needed. A file that is not
//! a regular file (a FIFO, `/dev/stdin`, `-` for standard input) is read once, as one stream,
//! and so is a compressed file (`.gz`, `.zst`), decompressed as it is read.
//!
//! Each morsel is read in blocks into a buffer its task keeps; `read.rs` splits the lines and
//! fields of quote-free blocks itself and hands quoted ones to the `csv` crate's reader; `de.rs`
//! deserializes the split fields without intermediate allocations. Memory stays bounded
//! whatever the file's size.

mod de;
mod fields;
mod read;
mod split;

use crate::compression::Compression;
use crate::driver::{drive_morsels, source_label};
use crate::error::{BadRecordPolicy, Error, Result};
use crate::guard::OpInfo;
use crate::job::Context;
use crate::source::files;
use rayon::prelude::*;
use read::TaskBuffers;
use serde::de::DeserializeOwned;
use split::{Syntax, SCAN_BYTES};
use std::fs::File;
use std::io;
use std::marker::PhantomData;
use std::ops::Range;
use std::os::unix::fs::FileExt;
#[cfg(test)]
use std::path::Path;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Bytes of a file in one morsel, as for text files.
pub const MORSEL_BYTES: u64 = crate::source::text::MORSEL_BYTES;

/// A CSV input and how to parse it.
#[derive(Clone, Debug)]
pub struct CsvSource {
    pattern: String,
    header: bool,
    delimiter: u8,
    quote: u8,
    quoting: bool,
    policy: BadRecordPolicy,
    morsel_bytes: u64,
}

impl CsvSource {
    /// Reads the file, the files of the directory, or the files matching the glob `pattern`
    /// (see [`files::expand`]), in that order; `-` reads standard input, and files ending in
    /// `.gz` or `.zst` (in any case) are decompressed. Defaults: a header row, `,` between fields,
    /// `"` around quoted fields, fields not trimmed, and a bad record fails the job.
    pub fn new(pattern: impl AsRef<std::path::Path>) -> Self {
        CsvSource {
            pattern: pattern.as_ref().to_string_lossy().into_owned(),
            header: true,
            delimiter: b',',
            quote: b'"',
            quoting: true,
            policy: BadRecordPolicy::Fail,
            morsel_bytes: MORSEL_BYTES,
        }
    }

    /// Whether each file starts with a header row. Its names are matched to the fields of
    /// the record type, and columns the type does not name are skipped unread; without a
    /// header, fields are taken in order and extra fields at the end of a record are ignored
    /// (so a `.tbl` line's empty last field needs no struct field).
    pub fn header(mut self, yes: bool) -> Self {
        self.header = yes;
        self
    }

    /// The byte between fields, `,` by default.
    pub fn delimiter(mut self, d: u8) -> Self {
        self.delimiter = d;
        self
    }

    /// The byte around quoted fields, `"` by default.
    pub fn quote(mut self, q: u8) -> Self {
        self.quote = q;
        self
    }

    /// Whether quotes are special; when off, a quote is an ordinary character.
    pub fn quoting(mut self, yes: bool) -> Self {
        self.quoting = yes;
        self
    }

    /// What to do with a record that cannot be parsed or deserialized: fail the job (the
    /// default) or skip it.
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

    fn syntax(&self) -> Syntax {
        Syntax {
            delimiter: self.delimiter,
            quote: self.quoting.then_some(self.quote),
        }
    }

    /// A `csv` reader over `input` with this source's syntax, for records only: headers and
    /// field counts are handled by the caller, which may start reading mid-file.
    fn reader<R: io::Read>(&self, input: R) -> csv::Reader<R> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(self.delimiter)
            .quote(self.quote)
            .quoting(self.quoting)
            .flexible(true)
            .buffer_capacity(SCAN_BYTES)
            .from_reader(input)
    }
}

/// A record type, as a family over the lifetime of the buffer its fields may borrow: for a
/// struct with `&'a str` fields, `Record<'de>` is that struct at `'a = 'de`, so each record can
/// borrow the morsel buffer (or the `csv` reader's record) for the one call of the body that
/// gets it. `pipeline!` implements it for a marker type when `read_csv`'s type argument has a
/// lifetime (`read_csv::<Lineitem<'_>>`); an owned `T` reads through [`Owned<T>`].
///
/// ```
/// use dataflow_runtime::source::csv::CsvRecord;
/// #[derive(serde::Deserialize)]
/// struct Row<'a> { name: &'a str, age: u32 }
/// struct RowFamily;
/// impl CsvRecord for RowFamily {
///     type Record<'de> = Row<'de>;
/// }
/// ```
pub trait CsvRecord {
    /// The record whose borrowed fields live for `'de`.
    type Record<'de>: serde::Deserialize<'de>;
}

/// The [`CsvRecord`] family of an owned `T`, which borrows nothing.
pub struct Owned<T>(PhantomData<fn() -> T>);

impl<T: DeserializeOwned> CsvRecord for Owned<T> {
    type Record<'de> = T;
}

/// Runs `body` over every record of `src`, deserialized as `T`, giving each task a state from
/// `init`; returns the states in input order (file order, then byte order within a file).
pub fn drive_csv<T, L, I, B>(
    ctx: &Context,
    op: &'static OpInfo,
    src: &CsvSource,
    init: I,
    body: B,
) -> Result<Vec<L>>
where
    T: DeserializeOwned + Send,
    L: Send,
    I: Fn() -> L + Sync + Send,
    B: Fn(&mut L, T) + Sync + Send,
{
    drive_csv_records::<Owned<T>, L, I, _>(ctx, op, src, init, |state: &mut L, record: T| {
        body(state, record)
    })
}

/// [`drive_csv`] for records that may borrow their fields: `body` gets each record with
/// `&str` (and `&[u8]`) fields borrowed from the task's buffer, valid during that call only.
/// A field borrows the file's bytes where the record has no quotes, and the `csv` reader's
/// unescaped copy of the record where it has: so a quoted field, with `""` inside or not,
/// reads as `&str` too.
pub fn drive_csv_records<R, L, I, B>(
    ctx: &Context,
    op: &'static OpInfo,
    src: &CsvSource,
    init: I,
    body: B,
) -> Result<Vec<L>>
where
    R: CsvRecord,
    L: Send,
    I: Fn() -> L + Sync + Send,
    B: for<'de> Fn(&mut L, R::Record<'de>) + Sync + Send,
{
    let paths = files::expand(&src.pattern)?;
    let plans = plan_files(ctx, src, paths)?;
    let morsels: Vec<(&FilePlan, usize)> = plans
        .iter()
        .flat_map(|plan| (0..plan.starts.len()).map(move |i| (plan, i)))
        .collect();
    let label = source_label(op);
    // The input's size is known unless it holds a stream.
    let total_bytes = plans
        .iter()
        .try_fold(0, |total, plan| plan.stamp.map(|stamp| total + stamp.len));
    let meter = ctx.source_meter(&label, total_bytes);
    let read = read::Reading {
        ctx,
        label: &label,
        meter: &meter,
        src,
    };
    Ok(drive_morsels(
        ctx,
        morsels,
        init,
        |state, bufs: &mut TaskBuffers, (plan, index)| {
            let mut emit = emitter::<R, _>(|record| body(state, record));
            read.morsel::<R, _>(plan, index, bufs, &mut emit)
        },
    ))
}

/// `emit`, its signature deduced from the higher-ranked bound (a closure alone would take one
/// lifetime for every record).
fn emitter<R: CsvRecord, F: for<'de> FnMut(R::Record<'de>)>(emit: F) -> F {
    emit
}

/// One file and where its morsels start.
struct FilePlan {
    path: PathBuf,
    /// Not a regular file (a FIFO, `/dev/stdin`, `-`), or a compressed one: read once, as one
    /// stream, never cut.
    stream: bool,
    /// A `.gz` or `.zst` file: the stream is decompressed.
    compression: Compression,
    /// The file's length and modification time when the job listed it (a regular file): a
    /// morsel checks them once it is read, so that a file changed under the job fails it.
    stamp: Option<files::FileStamp>,
    len: u64,
    /// Where the first record after the header starts (0 without a header).
    data_start: u64,
    /// The header's names, when the file has one.
    header: Option<Vec<String>>,
    /// The number of fields of the file's first record (the header, if any): every record
    /// must have as many, as with the `csv` crate's non-flexible reader.
    expected_fields: Option<usize>,
    /// Where each morsel's planned range starts; a morsel then starts at the first record
    /// start at or after that.
    starts: Vec<u64>,
    /// Whether each planned start lies inside quotes.
    inside: Vec<bool>,
    /// `\n`s before `data_start` and in each planned range, counted on the error path only.
    header_newlines: OnceLock<u64>,
    newlines: Vec<OnceLock<u64>>,
}

/// Plans every file in parallel, pre-scanning the quotes of those that span several morsels.
fn plan_files(ctx: &Context, src: &CsvSource, paths: Vec<PathBuf>) -> Result<Vec<FilePlan>> {
    let mut plans: Vec<FilePlan> = paths
        .into_par_iter()
        .map(|path| plan_file(src, path))
        .collect::<Result<_>>()?;
    if src.quoting {
        let ranges: Vec<(usize, usize)> = plans
            .iter()
            .enumerate()
            .filter(|(_, plan)| plan.starts.len() > 1)
            .flat_map(|(f, plan)| (0..plan.starts.len()).map(move |i| (f, i)))
            .collect();
        let scans: Vec<split::QuoteScan> = ranges
            .par_iter()
            .map_init(Vec::new, |buf, &(f, i)| {
                let plan = &plans[f];
                if ctx.is_cancelled() {
                    // The job has failed: a scan that allows no cut costs nothing to act on.
                    return Ok(split::QuoteScan {
                        quotes: 0,
                        well_placed: [false, false],
                    });
                }
                let file = File::open(&plan.path).map_err(|e| plan.io_error("cannot open", e))?;
                split::scan_range(
                    &file,
                    plan.range(i),
                    plan.data_start,
                    plan.len,
                    src.syntax(),
                    buf,
                )
                .map_err(|e| plan.io_error("cannot read", e))
            })
            .collect::<Result<_>>()?;
        for (&(f, i), scan) in ranges.iter().zip(scans) {
            plans[f].chain_parity(i, scan);
        }
    }
    Ok(plans)
}

/// Reads a file's header (or first record) and cuts it into planned ranges.
fn plan_file(src: &CsvSource, path: PathBuf) -> Result<FilePlan> {
    let mut plan = FilePlan {
        compression: Compression::of(&path),
        path,
        stream: false,
        stamp: None,
        len: 0,
        data_start: 0,
        header: None,
        expected_fields: None,
        starts: Vec::new(),
        inside: Vec::new(),
        header_newlines: OnceLock::new(),
        newlines: Vec::new(),
    };
    plan.stamp = files::stat_input(&plan.path)?;
    let Some(stamp) = plan.stamp.filter(|_| !plan.compression.is_compressed()) else {
        // Opening a FIFO here would block, and what is read here would be lost to the morsel.
        // A compressed file cannot be cut at byte offsets: it is one stream too.
        plan.stream = true;
        plan.starts.push(0);
        plan.inside.push(false);
        plan.newlines.push(OnceLock::new());
        return Ok(plan);
    };
    let file = File::open(&plan.path).map_err(|e| plan.io_error("cannot open", e))?;
    plan.len = stamp.len;
    let mut reader = src.reader(&file);
    let mut first = csv::ByteRecord::new();
    let has_record = reader
        .read_byte_record(&mut first)
        .map_err(|e| match e.into_kind() {
            csv::ErrorKind::Io(source) => plan.io_error("cannot read", source),
            other => plan.io_error("cannot read", io::Error::other(format!("{other:?}"))),
        })?;
    if has_record {
        plan.expected_fields = Some(first.len());
        if src.header {
            plan.header = Some(
                first
                    .iter()
                    .map(|name| String::from_utf8_lossy(name).into_owned())
                    .collect(),
            );
            plan.data_start = reader.position().byte();
        } else {
            // The `csv` reader drops a UTF-8 byte order mark at the start of the file: so must
            // the first morsel, which reads the first record itself.
            let mut bom = [0; 3];
            if file.read_exact_at(&mut bom, 0).is_ok() && bom == [0xef, 0xbb, 0xbf] {
                plan.data_start = 3;
            }
        }
    }
    let mut start = plan.data_start;
    while start < plan.len {
        plan.starts.push(start);
        plan.inside.push(false);
        plan.newlines.push(OnceLock::new());
        start = start.saturating_add(src.morsel_bytes);
    }
    Ok(plan)
}

impl FilePlan {
    /// The planned byte range `i`.
    fn range(&self, i: usize) -> Range<u64> {
        let end = self.starts.get(i + 1).copied().unwrap_or(self.len);
        self.starts[i]..end
    }

    /// Takes in the pre-scan of range `i` (called in order): sets whether range `i + 1` starts
    /// inside quotes, or makes the file one morsel when its quotes do not allow cuts.
    fn chain_parity(&mut self, i: usize, scan: split::QuoteScan) {
        if i >= self.starts.len() {
            return; // Already one morsel.
        }
        let inside = self.inside[i];
        if !scan.well_placed[usize::from(inside)] {
            self.starts.truncate(1);
            self.inside.truncate(1);
            self.newlines.truncate(1);
            return;
        }
        if let Some(next) = self.inside.get_mut(i + 1) {
            *next = inside ^ (scan.quotes % 2 == 1);
        }
    }

    /// The bytes of morsel `i`: from the first record start at or after its planned start to
    /// the first one at or after the next morsel's.
    fn morsel_range(
        &self,
        file: &File,
        i: usize,
        src: &CsvSource,
        buf: &mut Vec<u8>,
    ) -> io::Result<Range<u64>> {
        let cut = |j: usize, buf: &mut Vec<u8>| match self.starts.get(j) {
            None => Ok(self.len),
            Some(&at) => {
                let (inside, data_start) = (self.inside[j], self.data_start);
                split::find_cut(file, at, inside, data_start, self.len, src.syntax(), buf)
            }
        };
        let start = cut(i, buf)?;
        // Cuts only move forward as planned starts do; `max` keeps a file that changed since
        // its pre-scan from making a negative range.
        Ok(start..cut(i + 1, buf)?.max(start))
    }

    /// The 1-based line on which byte `offset` lies. Error path only: counts the `\n`s before
    /// it, each planned range's at most once per job.
    #[cold]
    fn line_at(&self, file: &File, offset: u64) -> io::Result<u64> {
        let cached = |cell: &OnceLock<u64>, range: Range<u64>| -> io::Result<u64> {
            if let Some(&n) = cell.get() {
                return Ok(n);
            }
            let n = split::count_newlines(file, range)?;
            Ok(*cell.get_or_init(|| n))
        };
        if offset <= self.data_start {
            return Ok(split::count_newlines(file, 0..offset)? + 1);
        }
        let mut newlines = cached(&self.header_newlines, 0..self.data_start)?;
        let i = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        for r in 0..i {
            newlines += cached(&self.newlines[r], self.range(r))?;
        }
        let from = self.starts.get(i).copied().unwrap_or(self.data_start);
        newlines += split::count_newlines(file, from..offset)?;
        Ok(newlines + 1)
    }

    fn io_error(&self, action: &'static str, source: io::Error) -> Error {
        Error::Io {
            action,
            path: self.path.clone(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Job, Metrics};
    use std::fs;

    static OP: OpInfo = OpInfo {
        name: "read_csv",
        file: "src/main.rs",
        line: 7,
        column: 5,
    };

    #[derive(Clone, Debug, PartialEq, serde::Deserialize)]
    struct Row {
        name: String,
        age: u32,
    }

    fn row(name: &str, age: u32) -> Row {
        Row {
            name: name.to_owned(),
            age,
        }
    }

    /// Runs a one-stage job that collects the rows; returns each task's rows and the metrics.
    fn run(src: &CsvSource) -> Result<(Vec<Vec<Row>>, Metrics)> {
        let src = src.clone();
        Job::new("test", Some(2), move |ctx: &Context| {
            drive_csv(ctx, &OP, &src, Vec::new, |v: &mut Vec<Row>, r: Row| {
                v.push(r)
            })
        })
        .run_with_metrics()
    }

    fn rows(src: &CsvSource) -> Vec<Row> {
        run(src).unwrap().0.concat()
    }

    fn write(dir: &Path, name: &str, content: &str) -> String {
        let path = dir.join(name);
        fs::write(&path, content).unwrap();
        path.to_str().unwrap().to_owned()
    }

    #[test]
    fn a_header_names_the_fields() {
        let dir = tempfile::tempdir().unwrap();
        // Columns in another order than the struct's fields, and one it does not have.
        let path = write(
            dir.path(),
            "h.csv",
            "age,city,name\n31,Oslo,ann\n42,Rome,bob\n",
        );
        assert_eq!(
            rows(&CsvSource::new(path)),
            [row("ann", 31), row("bob", 42)]
        );
    }

    #[test]
    fn without_a_header_fields_are_taken_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "n.csv", "ann,31\nbob,42");
        let src = CsvSource::new(path).header(false);
        assert_eq!(rows(&src), [row("ann", 31), row("bob", 42)]);
    }

    #[test]
    fn a_semicolon_delimiter() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "s.csv", "name;age\r\nann, jr;31\r\n");
        let src = CsvSource::new(path).delimiter(b';');
        assert_eq!(rows(&src), [row("ann, jr", 31)]);
    }

    #[test]
    fn a_quoted_field_holds_a_comma_and_a_newline() {
        let dir = tempfile::tempdir().unwrap();
        let content = "name,age\n\"smith, ann\nsecond line\",31\n'x',5\n";
        let path = write(dir.path(), "q.csv", content);
        assert_eq!(
            rows(&CsvSource::new(&path)),
            [row("smith, ann\nsecond line", 31), row("'x'", 5)]
        );
        // Another quote character; with quoting off, quotes are kept as data.
        let path = write(dir.path(), "q2.csv", "name,age\n'a,b',1\n\"c\",2\n");
        let src = CsvSource::new(&path).quote(b'\'');
        assert_eq!(rows(&src), [row("a,b", 1), row("\"c\"", 2)]);
        let path = write(dir.path(), "q3.csv", "name,age\n\"c\",2\n");
        let src = CsvSource::new(&path).quoting(false);
        assert_eq!(rows(&src), [row("\"c\"", 2)]);
    }

    /// Past its first record a task cuts out only the fields its type reads (`Row`: the first
    /// two of four); every record must still have the first record's field count, and a bad one
    /// is shown whole.
    #[test]
    fn fields_past_those_read_are_still_counted_and_shown() {
        let dir = tempfile::tempdir().unwrap();
        let mut content: String = (0..300).map(|i| format!("n{i},{i},x,y\n")).collect();
        content.push_str("bob,40,x\n");
        let path = write(dir.path(), "t.csv", &content);
        for (parallelism, morsel) in [(1, u64::MAX), (2, 512), (7, 64)] {
            let src = CsvSource::new(&path).header(false).morsel_bytes(morsel);
            let err = Job::new("test", Some(parallelism), move |ctx: &Context| {
                drive_csv(ctx, &OP, &src, Vec::new, |v: &mut Vec<Row>, r: Row| {
                    v.push(r)
                })
            })
            .run()
            .unwrap_err();
            assert!(
                matches!(&err, Error::BadRecord { line: 301, text, message, .. }
                    if text == "bob,40,x" && message == "found 3 fields, but the first record has 4"),
                "{err:?}"
            );
        }
        let rows = rows(
            &CsvSource::new(&path)
                .header(false)
                .bad_records(BadRecordPolicy::Skip),
        );
        assert_eq!(rows.len(), 300);
        assert_eq!(rows[299], row("n299", 299));
    }

    #[test]
    fn a_bad_number_names_line_field_and_record() {
        let dir = tempfile::tempdir().unwrap();
        let content = "name,age\nann,31\n\"multi\nline\",1\nbob,forty\ncat,3\n";
        let path = write(dir.path(), "bad.csv", content);
        let err = run(&CsvSource::new(&path)).unwrap_err();
        match &err {
            Error::BadRecord {
                path: p,
                line,
                field,
                text,
                message,
            } => {
                assert_eq!(p, Path::new(&path));
                assert_eq!(*line, 5);
                assert_eq!(field.as_deref(), Some("age"));
                assert_eq!(text, "bob,forty");
                assert!(message.contains("invalid digit"), "{message}");
            }
            other => panic!("unexpected error {other}"),
        }
        let shown = err.to_string();
        assert!(
            shown.contains("bad.csv:5: bad CSV record (field age)"),
            "{shown}"
        );

        // CRLF line ends and blank lines do not throw the line number off.
        let path = write(
            dir.path(),
            "crlf.csv",
            "name,age\r\n\r\nann,31\r\nbob,x\r\n",
        );
        let err = run(&CsvSource::new(&path)).unwrap_err();
        assert!(matches!(err, Error::BadRecord { line: 4, .. }), "{err:?}");

        // Without a header, the field is known by its number.
        let path = write(dir.path(), "bad2.csv", "ann,31\nbob,x\n");
        let err = run(&CsvSource::new(&path).header(false)).unwrap_err();
        assert!(
            matches!(&err, Error::BadRecord { line: 2, field: Some(f), .. } if f == "2"),
            "{err:?}"
        );
    }

    #[test]
    fn bad_records_are_skipped_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let content = "name,age\nann,31\nbob,x\ntoo,many,fields\nshort\ncat,3\n";
        let path = write(dir.path(), "skip.csv", content);
        let err = run(&CsvSource::new(&path)).unwrap_err();
        assert!(matches!(err, Error::BadRecord { line: 3, .. }), "{err:?}");

        let src = CsvSource::new(&path).bad_records(BadRecordPolicy::Skip);
        let (states, metrics) = run(&src).unwrap();
        assert_eq!(states.concat(), [row("ann", 31), row("cat", 3)]);
        assert_eq!(metrics.skipped(), 3);
        assert_eq!(metrics.records_read(), 2);
        assert_eq!(metrics.sources[0].source, "read_csv@7:5");
        assert_eq!(metrics.sources[0].bytes, content.len() as u64);
        assert_eq!(metrics.skipped_samples.len(), 3);
        assert!(metrics.skipped_samples[1].contains(":4: bad CSV record"));
        assert!(metrics.skipped_samples[1].contains("too,many,fields"));
    }

    #[test]
    fn a_directory_of_files_keeps_file_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut want = Vec::new();
        for f in 0..40u32 {
            let mut content = String::from("name,age\n");
            for r in 0..f % 3 {
                content.push_str(&format!("f{f}r{r},{}\n", f * 10 + r));
                want.push(row(&format!("f{f}r{r}"), f * 10 + r));
            }
            write(dir.path(), &format!("part-{f:03}.csv"), &content);
        }
        let (states, metrics) = run(&CsvSource::new(dir.path().to_str().unwrap())).unwrap();
        assert_eq!(states.concat(), want);
        assert_eq!(metrics.records_read(), want.len() as u64);
    }

    #[test]
    fn an_empty_file_has_no_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "empty.csv", "");
        assert!(rows(&CsvSource::new(&path)).is_empty());
        assert!(rows(&CsvSource::new(&path).header(false)).is_empty());
        let path = write(dir.path(), "header-only.csv", "name,age\n");
        assert!(rows(&CsvSource::new(&path)).is_empty());
    }

    #[test]
    fn a_missing_file_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope.csv");
        let err = run(&CsvSource::new(path.to_str().unwrap())).unwrap_err();
        assert!(err.to_string().contains("nope.csv"), "{err}");
    }
}
