//! CSV file sink: records serialized with serde through the `csv` crate's writer.
//!
//! Each task writes its rows to a part file; [`commit_csv`] joins them in input order and stages
//! the result, which the job renames onto the destination once it has succeeded (the protocol is
//! in [`file`](super::file)). A path ending in `.gz` (`.zst`), in any
//! case, is written gzip- (zstd-) compressed; `-` is standard output.
//!
//! The header row must come once, at the top, although every task writes rows independently. So
//! the csv writer writes no headers, and each part works out the header line from its first
//! record: that record serialized by a writer with headers on, minus the same record serialized
//! without. Records without field names (tuples, primitives) give an empty difference: no header.
//! Every part starts with the header; when the parts are joined, only the first part's is kept.

use super::file::{Destination, PartFile};
use crate::error::{Error, Result};
use crate::guard::{self, OpInfo};
use crate::job::Context;
use serde::Serialize;
use std::cell::Cell;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// A CSV file to write, created once before the stage and shared by its tasks.
#[derive(Clone, Debug)]
pub struct CsvSink {
    destination: Destination,
    header: bool,
    delimiter: u8,
}

impl CsvSink {
    /// A sink writing comma-separated rows with a header to `path`, which is replaced (or
    /// created) only when the job succeeds.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        CsvSink {
            destination: Destination::new(path),
            header: true,
            delimiter: b',',
        }
    }

    /// Whether to write a header row of field names (the default), for records that have them.
    pub fn header(mut self, yes: bool) -> Self {
        self.header = yes;
        self
    }

    /// The sink's operator, named by its errors (set by `pipeline!`).
    #[doc(hidden)]
    pub fn operator(mut self, op: &'static OpInfo) -> Self {
        self.destination = self.destination.with_operator(op);
        self
    }

    /// Whether to flush the output and its directory to disk (`fsync`) before the job reports
    /// success; off by default. The `sync = true` option of `write_csv`.
    pub fn sync(mut self, yes: bool) -> Self {
        self.destination = self.destination.with_sync(yes);
        self
    }

    /// The field delimiter, `,` by default.
    pub fn delimiter(mut self, d: u8) -> Self {
        self.delimiter = d;
        self
    }

    /// The file the sink writes.
    pub fn path(&self) -> &Path {
        self.destination.path()
    }

    /// A new part, for one task.
    pub fn part(&self) -> CsvPart {
        CsvPart {
            part: self.destination.part(),
            encoder: writer(self.delimiter, false, RowBuffer::default()),
            header_pending: self.header,
            delimiter: self.delimiter,
        }
    }
}

fn writer<W: std::io::Write>(delimiter: u8, headers: bool, into: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .delimiter(delimiter)
        .has_headers(headers)
        .from_writer(into)
}

/// Where a part's csv writer puts a row. The csv writer owns it and lends it out only by shared
/// reference (`get_ref`), hence the `Cell`: the part takes the bytes out through it.
#[derive(Default)]
struct RowBuffer(Cell<Vec<u8>>);

impl std::fmt::Debug for RowBuffer {
    // `Cell` shows its contents only when they are `Copy`; between records there are none.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RowBuffer")
    }
}

impl std::io::Write for RowBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.get_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One task's rows, in a part file of their own until [`commit_csv`].
#[derive(Debug)]
pub struct CsvPart {
    part: PartFile,
    /// Serializes one record at a time into a [`RowBuffer`], which then goes to the part file:
    /// the csv writer must own what it writes to, and the part file is the protocol's.
    encoder: csv::Writer<RowBuffer>,
    /// Whether the header row is still to be worked out, from the first record.
    header_pending: bool,
    delimiter: u8,
}

impl CsvPart {
    /// Serializes `record` as one row. A record that cannot be serialized stops the task with
    /// [`Error::CsvWrite`], a write error with [`Error::Io`], both naming the destination (see
    /// [`crate::guard::fail`]).
    #[inline]
    pub fn write<T: Serialize>(&mut self, record: &T) {
        if self.header_pending {
            self.write_header(record);
        }
        if let Err(e) = self.encoder.serialize(record) {
            self.fail(e);
        }
        // Moves the row from the csv writer's own buffer into the row buffer; cannot fail.
        if let Err(e) = self.encoder.flush() {
            self.part.fail(e);
        }
        let mut row = self.encoder.get_ref().0.take();
        self.part.write_record(|w| w.write_all(&row));
        row.clear();
        // Given back, so that its allocation serves the next record.
        self.encoder.get_ref().0.set(row);
    }

    /// The number of records written so far.
    pub fn records(&self) -> u64 {
        self.part.records()
    }

    #[cold]
    #[inline(never)]
    fn write_header<T: Serialize>(&mut self, record: &T) {
        self.header_pending = false;
        let mut with = writer(self.delimiter, true, Vec::new());
        let mut without = writer(self.delimiter, false, Vec::new());
        let both = with.serialize(record).and_then(|()| {
            without.serialize(record)?;
            Ok((with.into_inner(), without.into_inner()))
        });
        let (with, without) = match both {
            Ok((Ok(with), Ok(without))) => (with, without),
            Ok(_) => unreachable!("flushing into a Vec cannot fail"),
            Err(e) => self.fail(e),
        };
        debug_assert!(with.ends_with(&without), "the header is not a prefix");
        let header_len = with.len().saturating_sub(without.len());
        if header_len > 0 {
            self.part.write_header(&with[..header_len]);
        }
    }

    #[cold]
    fn fail(&self, e: csv::Error) -> ! {
        let destination = self.part.destination();
        let message = match destination.operator() {
            Some(op) => format!(
                "operator `{}` at {}:{}:{}: {e}",
                op.name, op.file, op.line, op.column
            ),
            None => e.to_string(),
        };
        guard::fail(Error::CsvWrite {
            path: destination.path().to_path_buf(),
            message,
        })
    }
}

/// Joins the tasks' parts, in input order, under one header row into the sink's staged output
/// and returns the number of records written. Call it only once the whole stage has succeeded;
/// dropping the parts instead discards them. The destination is replaced when the job commits
/// ([`Context::commit_outputs`]), after every stage has succeeded.
pub fn commit_csv(ctx: &Context, sink: &CsvSink, parts: Vec<CsvPart>) -> Result<u64> {
    let label = format!("CSV file {}", sink.path().display());
    let parts = parts.into_iter().map(|p| p.part).collect();
    sink.destination.stage(ctx, &label, parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::catch_task;
    use crate::sink::test_support::names_in;
    use serde::{Deserialize, Serialize};
    use std::fs;

    /// Stages `parts` on a fresh context and commits it, as a job of one sink does.
    fn stage_and_commit(sink: &CsvSink, parts: Vec<CsvPart>) -> Result<u64> {
        let ctx = Context::new(2);
        let n = commit_csv(&ctx, sink, parts)?;
        ctx.commit_outputs()?;
        Ok(n)
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Row {
        name: String,
        count: u32,
    }

    fn row(name: &str, count: u32) -> Row {
        Row {
            name: name.to_string(),
            count,
        }
    }

    fn read_rows(path: &Path) -> Vec<Row> {
        csv::Reader::from_path(path)
            .unwrap()
            .deserialize()
            .map(|r| r.unwrap())
            .collect()
    }

    #[test]
    fn one_header_and_parts_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let sink = CsvSink::new(dir.path().join("out.csv"));
        let mut parts: Vec<CsvPart> = (0..4).map(|_| sink.part()).collect();
        // The first part is empty; the others write out of order, as parallel tasks would.
        parts[3].write(&row("d", 4));
        parts[1].write(&row("a", 1));
        parts[2].write(&row("c", 3));
        parts[1].write(&row("b", 2));
        let n = stage_and_commit(&sink, parts).unwrap();
        assert_eq!(n, 4);
        assert_eq!(
            fs::read_to_string(sink.path()).unwrap(),
            "name,count\na,1\nb,2\nc,3\nd,4\n"
        );
        assert_eq!(names_in(dir.path()), ["out.csv"]);
    }

    #[test]
    fn tuples_have_no_header_and_options_apply() {
        let dir = tempfile::tempdir().unwrap();
        let sink = CsvSink::new(dir.path().join("t.csv")).delimiter(b';');
        let mut parts = vec![sink.part(), sink.part()];
        parts[0].write(&("a", 1));
        parts[1].write(&("b", 2));
        stage_and_commit(&sink, parts).unwrap();
        assert_eq!(fs::read_to_string(sink.path()).unwrap(), "a;1\nb;2\n");

        let sink = CsvSink::new(dir.path().join("s.csv")).header(false);
        let mut part = sink.part();
        part.write(&row("a", 1));
        stage_and_commit(&sink, vec![part]).unwrap();
        assert_eq!(fs::read_to_string(sink.path()).unwrap(), "a,1\n");
    }

    #[test]
    fn awkward_fields_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let sink = CsvSink::new(dir.path().join("q.csv"));
        let rows = [
            row("comma, \"quote\"\nand newline", 1),
            row("", 2),
            row("plain", 3),
        ];
        let mut parts = vec![sink.part(), sink.part()];
        parts[0].write(&rows[0]);
        parts[1].write(&rows[1]);
        parts[1].write(&rows[2]);
        assert_eq!(stage_and_commit(&sink, parts).unwrap(), 3);
        assert_eq!(read_rows(sink.path()), rows);
    }

    #[test]
    fn no_records_give_an_empty_file_without_header() {
        let dir = tempfile::tempdir().unwrap();
        let sink = CsvSink::new(dir.path().join("empty.csv"));
        let parts = vec![sink.part(), sink.part()];
        assert_eq!(stage_and_commit(&sink, parts).unwrap(), 0);
        assert_eq!(fs::read_to_string(sink.path()).unwrap(), "");
        assert_eq!(names_in(dir.path()), ["empty.csv"]);
    }

    #[test]
    fn dropped_parts_leave_no_file_behind() {
        let dir = tempfile::tempdir().unwrap();
        let sink = CsvSink::new(dir.path().join("out.csv"));
        let mut parts = vec![sink.part(), sink.part(), sink.part()];
        parts[0].write(&row("a", 1));
        parts[2].write(&row("b", 2));
        assert_eq!(
            names_in(dir.path()).len(),
            2,
            "one file per part with records"
        );
        drop(parts);
        assert_eq!(names_in(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn an_existing_file_is_replaced_only_at_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        fs::write(&path, "old\n").unwrap();
        let sink = CsvSink::new(&path);
        let mut part = sink.part();
        part.write(&row("new", 1));
        assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");
        stage_and_commit(&sink, vec![part]).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "name,count\nnew,1\n");
        assert_eq!(names_in(dir.path()), ["out.csv"]);
    }

    #[test]
    fn a_write_error_names_the_destination() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("out.csv");
        let sink = CsvSink::new(&path);
        let err = catch_task(|| sink.part().write(&row("a", 1))).unwrap_err();
        assert!(
            matches!(err, Error::Io { path: ref p, .. } if p == &path),
            "{err}"
        );
        assert!(err.to_string().contains("out.csv"), "{err}");
    }

    #[test]
    fn a_record_that_cannot_be_serialized_is_a_csv_error() {
        #[derive(Serialize)]
        struct Nested {
            inner: Row,
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let sink = CsvSink::new(&path);
        let mut part = sink.part();
        let err = catch_task(|| part.write(&Nested { inner: row("a", 1) })).unwrap_err();
        assert!(
            matches!(err, Error::CsvWrite { path: ref p, .. } if p == &path),
            "{err}"
        );
        drop(part);
        assert_eq!(names_in(dir.path()), Vec::<String>::new());
    }
}
