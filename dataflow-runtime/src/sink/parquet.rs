//! Parquet file sink: records of any `T: serde::Serialize` as one Parquet file.
//!
//! Each task turns its records into Arrow batches ([`BatchBuilder`]); when the stage is done,
//! [`commit_parquet`] brings the tasks' batches, in input order, to one schema and encodes them
//! into a staged file, which the job renames onto the destination once it has succeeded (the
//! protocol of every file sink, in [`file`](super::file)): a failed job leaves no output and
//! replaces none. The output is held as Arrow columns until the stage ends (about the size of
//! the data, uncompressed), then written with snappy compression in row groups of
//! [`ROW_GROUP_ROWS`] rows, so that readers can split it.

use super::file::Destination;
use crate::arrow::builder::{records_error, unify, BatchBuilder};
use crate::error::Result;
use crate::guard::{self, OpInfo};
use crate::job::Context;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use serde::Serialize;
use std::io;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

/// Rows per row group written: DuckDB's choice (122,880) rounded up, enough that a row group's
/// pages compress well, few enough that a file of a few million rows splits across threads.
pub const ROW_GROUP_ROWS: usize = 128 * 1024;

/// A Parquet file to write, created once before the stage and shared by its tasks.
///
/// ```
/// use dataflow_runtime::sink::parquet::{commit_parquet, ParquetSink};
/// use dataflow_runtime::Context;
///
/// #[derive(serde::Serialize)]
/// struct Visit {
///     page: String,
///     ms: Option<u32>,
/// }
///
/// let dir = tempfile::tempdir()?;
/// let sink = ParquetSink::new(dir.path().join("visits.parquet"));
/// // One part per task, joined in input order.
/// let mut parts = vec![sink.part(), sink.part()];
/// parts[1].write(Visit { page: "/about".into(), ms: None });
/// parts[0].write(Visit { page: "/".into(), ms: Some(12) });
///
/// let ctx = Context::new(2);
/// assert_eq!(commit_parquet(&ctx, &sink, parts)?, 2);
/// ctx.commit_outputs()?; // what a job does once all of it has succeeded
/// assert!(std::fs::read(sink.path())?.starts_with(b"PAR1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ParquetSink<T> {
    destination: Destination,
    records: PhantomData<fn(T)>,
}

impl<T> Clone for ParquetSink<T> {
    fn clone(&self) -> Self {
        ParquetSink {
            destination: self.destination.clone(),
            records: PhantomData,
        }
    }
}

impl<T: Serialize> ParquetSink<T> {
    /// A sink writing to `path`, which is replaced (or created) only when the job succeeds.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        ParquetSink {
            destination: Destination::new(path),
            records: PhantomData,
        }
    }

    /// The sink's operator, named by its errors (set by `pipeline!`).
    #[doc(hidden)]
    pub fn operator(mut self, op: &'static OpInfo) -> Self {
        self.destination = self.destination.with_operator(op);
        self
    }

    /// Whether to flush the output and its directory to disk (`fsync`) before the job reports
    /// success; off by default. The `sync = true` option of `write_parquet`.
    pub fn sync(mut self, yes: bool) -> Self {
        self.destination = self.destination.with_sync(yes);
        self
    }

    /// The file the sink writes.
    pub fn path(&self) -> &Path {
        self.destination.path()
    }

    /// A new part, for one task.
    pub fn part(&self) -> ParquetPart<T> {
        ParquetPart {
            destination: self.destination.clone(),
            batches: BatchBuilder::default(),
        }
    }
}

/// One task's records, as Arrow batches until [`commit_parquet`].
#[derive(Debug)]
pub struct ParquetPart<T> {
    destination: Destination,
    batches: BatchBuilder<T>,
}

impl<T: Serialize> ParquetPart<T> {
    /// Adds `record`. A record that cannot be made into Arrow columns (a map with non-string
    /// keys, an enum with data) stops the task with an error naming the operator and the
    /// destination (see [`crate::guard::fail`]).
    #[inline]
    pub fn write(&mut self, record: T) {
        if let Err(e) = self.batches.push(record) {
            guard::fail(records_error::<T>(self.destination.path(), &e));
        }
    }

    /// The number of records written so far.
    pub fn records(&self) -> u64 {
        self.batches.records()
    }
}

/// Encodes the tasks' parts, in input order, into the sink's staged output and returns the
/// number of records written. Call it only once the whole stage has succeeded; dropping the
/// parts instead discards them. The destination is replaced when the job commits
/// ([`Context::commit_outputs`]). See [`ParquetSink`] for an example.
pub fn commit_parquet<T: Serialize>(
    ctx: &Context,
    sink: &ParquetSink<T>,
    parts: Vec<ParquetPart<T>>,
) -> Result<u64> {
    let label = format!("Parquet file {}", sink.path().display());
    let mut batches = Vec::new();
    let mut records = 0;
    for part in parts {
        records += part.batches.records();
        let part = part.batches.finish();
        batches.extend(part.map_err(|e| records_error::<T>(sink.path(), &e))?);
    }
    let (schema, batches) = unify(batches, sink.path())?;
    // No records, no schema: a file of no columns and no rows, which every reader opens.
    let schema = schema.unwrap_or_else(|| std::sync::Arc::new(arrow_schema::Schema::empty()));
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .build();
    sink.destination.stage_whole(ctx, &label, records, |file| {
        let mut writer =
            ArrowWriter::try_new(file, schema, Some(properties)).map_err(io::Error::other)?;
        for batch in &batches {
            writer.write(batch).map_err(io::Error::other)?;
        }
        writer.close().map_err(io::Error::other)?;
        Ok(())
    })
}
