//! CSV files, deserialized record by record into any `T: serde::Deserialize`.
//!
//! A quoted field may hold a line break, so a CSV file cannot be cut at line ends without
//! parsing it from the start: each file is one morsel. Files are read in parallel and their
//! tasks' states come back in file order. A file streams through the `csv` crate's reader into
//! one reused record, so memory stays bounded whatever the file's size.

use crate::driver::source_label;
use crate::error::{shorten, BadRecordPolicy, Error, Result};
use crate::guard::{JobScope, OpInfo};
use crate::job::Context;
use crate::source::files;
use csv::{ByteRecord, ErrorKind};
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// How many records a task reads between two looks at whether the job has failed.
const CANCEL_CHECK_RECORDS: u64 = 4096;

/// How much of a bad record an error or a skipped-record sample shows.
const SHOWN_BYTES: usize = 200;

/// The `csv` reader's buffer: large enough that reads are not the bottleneck.
const READ_BUFFER_BYTES: usize = 256 << 10;

/// Skipped records described per file: the job keeps only the first few samples anyway, and
/// describing one may re-read the file.
const SAMPLES_PER_FILE: u64 = 10;

/// A CSV input and how to parse it.
#[derive(Clone, Debug)]
pub struct CsvSource {
    pattern: String,
    header: bool,
    delimiter: u8,
    quote: u8,
    quoting: bool,
    policy: BadRecordPolicy,
}

impl CsvSource {
    /// Reads the file, the files of the directory, or the files matching the glob `pattern`
    /// (see [`files::expand`]), in that order. Defaults: a header row, `,` between fields,
    /// `"` around quoted fields, fields not trimmed, and a bad record fails the job.
    pub fn new(pattern: impl AsRef<std::path::Path>) -> Self {
        CsvSource {
            pattern: pattern.as_ref().to_string_lossy().into_owned(),
            header: true,
            delimiter: b',',
            quote: b'"',
            quoting: true,
            policy: BadRecordPolicy::Fail,
        }
    }

    /// Whether each file starts with a header row. Its names are matched to the fields of
    /// the record type; without a header, fields are taken in order.
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

    fn reader(&self, file: File) -> csv::Reader<File> {
        csv::ReaderBuilder::new()
            .has_headers(self.header)
            .delimiter(self.delimiter)
            .quote(self.quote)
            .quoting(self.quoting)
            .flexible(false)
            .trim(csv::Trim::None)
            .buffer_capacity(READ_BUFFER_BYTES)
            .from_reader(file)
    }
}

/// Runs `body` over every record of `src`, deserialized as `T`, giving each task a state from
/// `init`; returns the states in file order.
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
    let paths = files::expand(&src.pattern)?;
    let label = source_label(op);
    let (scope, _reenter) = JobScope::fan_out();
    let task_init = || {
        scope.enter();
        init()
    };
    let states = paths
        .into_par_iter()
        .fold(task_init, |mut state, path| {
            // Once a task has failed the job is lost: leave the remaining files unread.
            if !ctx.is_cancelled() {
                let emit = |record: T| body(&mut state, record);
                if let Err(error) = read_file(ctx, &label, src, &path, emit) {
                    ctx.cancel();
                    crate::guard::fail(error);
                }
            }
            state
        })
        .collect();
    Ok(states)
}

/// Reads one file's records into `emit` and reports them to the job's metrics.
fn read_file<T: DeserializeOwned, F: FnMut(T)>(
    ctx: &Context,
    label: &str,
    src: &CsvSource,
    path: &Path,
    mut emit: F,
) -> Result<()> {
    let file = File::open(path).map_err(|source| Error::Io {
        action: "cannot open",
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = src.reader(file);
    let headers = if src.header {
        match reader.byte_headers() {
            Ok(headers) => Some(headers.clone()),
            Err(e) => return Err(record_error(path, src, &ByteRecord::new(), None, e)),
        }
    } else {
        None
    };
    let mut record = ByteRecord::new();
    let (mut records, mut skipped) = (0u64, 0u64);
    loop {
        if (records + skipped) % CANCEL_CHECK_RECORDS == 0 && ctx.is_cancelled() {
            break;
        }
        let error = match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => match record.deserialize::<T>(headers.as_ref()) {
                Ok(value) => {
                    emit(value);
                    records += 1;
                    continue;
                }
                Err(e) => e,
            },
            Err(e) => e,
        };
        // A read error leaves the reader nowhere to go on from: it fails under either policy.
        if src.policy == BadRecordPolicy::Fail || error.is_io_error() {
            return Err(record_error(path, src, &record, headers.as_ref(), error));
        }
        skipped += 1;
        if skipped <= SAMPLES_PER_FILE {
            let error = record_error(path, src, &record, headers.as_ref(), error);
            ctx.record_skipped_sample(label, error.to_string());
        }
    }
    ctx.record_source(label, records, skipped, reader.position().byte());
    Ok(())
}

/// Turns a `csv` error about `record` into [`Error::BadRecord`], or [`Error::Io`] for a failed
/// read.
#[cold]
fn record_error(
    path: &Path,
    src: &CsvSource,
    record: &ByteRecord,
    headers: Option<&ByteRecord>,
    error: csv::Error,
) -> Error {
    let line = record.position().map_or(0, |p| start_line(path, p));
    let path = path.to_path_buf();
    let (field, message) = match error.kind() {
        ErrorKind::Io(_) => {
            let ErrorKind::Io(source) = error.into_kind() else {
                unreachable!("matched as an I/O error")
            };
            return Error::Io {
                action: "cannot read",
                path,
                source,
            };
        }
        ErrorKind::Deserialize { err, .. } => {
            let field = err.field().map(|i| field_name(headers, i));
            (field, err.kind().to_string())
        }
        ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => (
            None,
            format!("found {len} fields, but the first record has {expected_len}"),
        ),
        ErrorKind::Utf8 { err, .. } => (
            Some(field_name(headers, err.field() as u64)),
            format!("invalid UTF-8: {err}"),
        ),
        _ => (None, error.to_string()),
    };
    Error::BadRecord {
        path,
        line,
        field,
        message,
        text: raw_text(record, src.delimiter),
    }
}

/// The line on which the record read from position `pos` starts. The `csv` reader gives the
/// position where it began reading, which lies before the blank lines it skipped and, after a
/// CRLF, before the `\n`: count the `\n`s in the run of line ends from there. Error path only.
#[cold]
fn start_line(path: &Path, pos: &csv::Position) -> u64 {
    let Ok(file) = File::open(path) else {
        return pos.line();
    };
    let mut buf = [0; 4096];
    let (mut offset, mut line) = (pos.byte(), pos.line());
    while let Ok(n @ 1..) = file.read_at(&mut buf, offset) {
        let ends = buf[..n].iter().take_while(|&&b| b == b'\r' || b == b'\n');
        let (run, newlines) = ends.fold((0, 0), |(r, l), &b| (r + 1, l + u64::from(b == b'\n')));
        line += newlines;
        if run < n {
            break;
        }
        offset += n as u64;
    }
    line
}

/// The header's name for the 0-based field `index`, or else its 1-based number.
fn field_name(headers: Option<&ByteRecord>, index: u64) -> String {
    match headers.and_then(|h| h.get(index as usize)) {
        Some(name) if !name.is_empty() => String::from_utf8_lossy(name).into_owned(),
        _ => (index + 1).to_string(),
    }
}

/// The record's fields joined by the delimiter (quotes already removed), shortened for display.
fn raw_text(record: &ByteRecord, delimiter: u8) -> String {
    let mut raw = Vec::with_capacity(record.as_slice().len() + record.len());
    for (i, field) in record.iter().enumerate() {
        if i > 0 {
            raw.push(delimiter);
        }
        raw.extend_from_slice(field);
    }
    shorten(&String::from_utf8_lossy(&raw), SHOWN_BYTES)
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
