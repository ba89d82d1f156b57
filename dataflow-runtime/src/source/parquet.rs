//! Parquet files: row groups read in parallel, only the columns the record type names, each row
//! deserialized into any `T: serde::Deserialize` through Arrow ([`crate::arrow`]).
//!
//! The input is a file, a directory or a glob, as for every file source
//! ([`files::expand`]). Every file's footer is read first (in parallel), then each row group of
//! each file is one morsel: tasks take them in parallel and hand their records on in file
//! order, then row-group order, then row order, so a `collect()` is the same at every
//! parallelism. A row group is decoded in Arrow batches of [`BATCH_ROWS`] rows, and only the
//! top-level columns that the fields of `T` name are read from disk (projection pushdown). A
//! record type that is not a struct (a tuple, a map) reads every column.
//!
//! Nested (struct) columns become nested structs, nullable columns `Option`s, and the types
//! convert as serde does: an integer column into any integer type its values fit, `DATE` into
//! `chrono::NaiveDate` (or the number of days as an `i32`), `TIMESTAMP` into
//! `chrono::NaiveDateTime` (UTC-adjusted ones into `chrono::DateTime<Utc>`), or the raw count
//! of its unit as an `i64`. A column that does not convert, or a field without a column, fails
//! the job with [`Error::Schema`] naming the file, the column and the field of `T`.

use crate::arrow::records::{field_names, for_each_record};
use crate::driver::{drive_morsels, source_label};
use crate::error::{Error, Result};
use crate::guard::OpInfo;
use crate::job::Context;
use crate::source::files;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::ProjectionMask;
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use std::fs::File;
use std::path::{Path, PathBuf};

/// Rows per Arrow batch decoded from a row group: large enough that per-batch costs vanish,
/// small enough that a batch of a wide record stays in the CPU's caches.
pub const BATCH_ROWS: usize = 8192;

/// A Parquet input: a file, the files of a directory, or the files a glob matches.
///
/// ```
/// use dataflow_runtime::guard::OpInfo;
/// use dataflow_runtime::sink::parquet::{commit_parquet, ParquetSink};
/// use dataflow_runtime::source::parquet::{drive_parquet, ParquetSource};
/// use dataflow_runtime::{Context, Job};
///
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Visit {
///     page: String,
///     ms: u32,
/// }
///
/// static OP: OpInfo = OpInfo { name: "read_parquet", file: "example.rs", line: 1, column: 1 };
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("visits.parquet");
/// // Write a file: one part per task, committed with the job.
/// let sink = ParquetSink::new(&path);
/// let mut part = sink.part();
/// part.write(Visit { page: "/".into(), ms: 12 });
/// part.write(Visit { page: "/about".into(), ms: 30 });
/// let ctx = Context::new(1);
/// commit_parquet(&ctx, &sink, vec![part])?;
/// ctx.commit_outputs()?;
///
/// let src = ParquetSource::new(&path);
/// let job = Job::new("example", Some(2), move |ctx: &Context| {
///     drive_parquet(ctx, &OP, &src, || 0u32, |total: &mut u32, v: Visit| *total += v.ms)
/// });
/// let totals: Vec<u32> = job.run()?;
/// assert_eq!(totals.iter().sum::<u32>(), 42);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct ParquetSource {
    pattern: String,
    batch_rows: usize,
}

impl ParquetSource {
    /// Reads the file, the files of the directory, or the files matching the glob `pattern`
    /// (see [`files::expand`]), in that order. Standard input (`-`) cannot be read: a Parquet
    /// file is read from its end.
    pub fn new(pattern: impl AsRef<Path>) -> Self {
        ParquetSource {
            pattern: pattern.as_ref().to_string_lossy().into_owned(),
            batch_rows: BATCH_ROWS,
        }
    }

    /// Sets the rows per decoded batch, so that tests can cut small row groups into several.
    #[doc(hidden)]
    pub fn batch_rows(mut self, rows: usize) -> Self {
        self.batch_rows = rows.max(1);
        self
    }
}

/// One file: its footer, decoded once and shared by the tasks reading its row groups.
struct FilePlan {
    path: PathBuf,
    metadata: ArrowReaderMetadata,
    projection: ProjectionMask,
}

/// Runs `body` over every record of `src`, each row deserialized as `T`, giving each task a
/// state from `init`; returns the states in input order (file, row group, row). See
/// [`ParquetSource`] for an example.
pub fn drive_parquet<T, L, I, B>(
    ctx: &Context,
    op: &'static OpInfo,
    src: &ParquetSource,
    init: I,
    body: B,
) -> Result<Vec<L>>
where
    T: DeserializeOwned,
    L: Send,
    I: Fn() -> L + Sync + Send,
    B: Fn(&mut L, T) + Sync + Send,
{
    let paths = files::expand(&src.pattern)?;
    let wanted = field_names::<T>();
    let plans = paths
        .into_par_iter()
        .map(|path| plan_file(path, wanted))
        .collect::<Result<Vec<_>>>()?;
    let morsels: Vec<(&FilePlan, usize)> = plans
        .iter()
        .flat_map(|plan| (0..plan.metadata.metadata().num_row_groups()).map(move |rg| (plan, rg)))
        .collect();
    let total_bytes = morsels.iter().map(|&(plan, rg)| read_bytes(plan, rg)).sum();
    let label = source_label(op);
    let meter = ctx.source_meter(&label, Some(total_bytes));
    Ok(drive_morsels(
        ctx,
        morsels,
        init,
        |state, _: &mut (), (plan, rg)| {
            let mut progress = meter.morsel();
            let reader = open(&plan.path)?;
            let batches =
                ParquetRecordBatchReaderBuilder::new_with_metadata(reader, plan.metadata.clone())
                    .with_projection(plan.projection.clone())
                    .with_row_groups(vec![rg])
                    .with_batch_size(src.batch_rows)
                    .build()
                    .map_err(|e| parquet_error(&plan.path, e))?;
            let mut records = 0;
            for batch in batches {
                if ctx.is_cancelled() {
                    return Ok(());
                }
                let batch = batch.map_err(|e| parquet_error(&plan.path, e.into()))?;
                records += for_each_record(&batch, &plan.path, |record: T| body(state, record))?;
                progress.update(records, 0);
            }
            let bytes = read_bytes(plan, rg);
            progress.update(records, bytes);
            ctx.record_source(&label, records, 0, bytes);
            Ok(())
        },
    ))
}

/// Reads the footer of `path` and picks the top-level columns named by `wanted` (all when
/// `None`). A name without a column is left to the deserializer, which fails on it only when
/// the field is required (not an `Option`, not `#[serde(default)]`).
fn plan_file(path: PathBuf, wanted: Option<&[&str]>) -> Result<FilePlan> {
    if files::is_stdin(&path) {
        return Err(Error::Io {
            action: "cannot read",
            path,
            source: std::io::Error::other(
                "a Parquet file is read from its end: standard input cannot be read as Parquet",
            ),
        });
    }
    let file = open(&path)?;
    let metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
        .map_err(|e| parquet_error(&path, e))?;
    let projection = match wanted {
        Some(names) => {
            let schema = metadata.schema();
            let roots = schema
                .fields()
                .iter()
                .enumerate()
                .filter(|(_, f)| names.contains(&f.name().as_str()))
                .map(|(i, _)| i);
            ProjectionMask::roots(metadata.parquet_schema(), roots)
        }
        None => ProjectionMask::all(),
    };
    Ok(FilePlan {
        path,
        metadata,
        projection,
    })
}

/// The bytes of row group `rg` that the projection reads: its selected column chunks.
fn read_bytes(plan: &FilePlan, rg: usize) -> u64 {
    let group = plan.metadata.metadata().row_group(rg);
    (0..group.num_columns())
        .filter(|&i| plan.projection.leaf_included(i))
        .map(|i| group.column(i).compressed_size().max(0) as u64)
        .sum()
}

fn open(path: &Path) -> Result<File> {
    File::open(path).map_err(|source| Error::Io {
        action: "cannot open",
        path: path.to_path_buf(),
        source,
    })
}

/// A file that is not valid Parquet, or that the reader cannot decode (an unsupported codec).
#[cold]
fn parquet_error(path: &Path, e: parquet::errors::ParquetError) -> Error {
    Error::Io {
        action: "cannot read",
        path: path.to_path_buf(),
        source: std::io::Error::other(format!("not valid Parquet: {e}")),
    }
}
