//! Arrow `RecordBatch`es as a source and as a sink, so that a job can sit between Arrow-based
//! tools (DataFusion, Polars, DuckDB, Arrow Flight) and pass their data through its typed
//! operators: each row is deserialized once into the record type on the way in, and each record
//! serialized once into columns on the way out, with no other copy.

use super::builder::{records_error, unify, BatchBuilder};
use super::records::for_each_record;
use crate::driver::{drive_morsels, source_label};
use crate::error::Result;
use crate::guard::{self, OpInfo};
use crate::job::Context;
use arrow_array::RecordBatch;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Rows of a batch one task takes at most: a larger batch is cut into slices of this many rows
/// (slicing copies nothing), so that one big batch still spreads over the threads.
pub const SLICE_ROWS: usize = 64 * 1024;

/// Runs `body` over every row of `batches`, deserialized as `T`, giving each task a state from
/// `init`; returns the states in input order (batch, then row). A column that does not convert
/// fails the job with [`crate::Error::Schema`] naming `record batch N` and the column.
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::{Int64Array, RecordBatch, StringArray};
/// use dataflow_runtime::arrow::batches::drive_record_batches;
/// use dataflow_runtime::guard::OpInfo;
/// use dataflow_runtime::{Context, Job};
///
/// #[derive(serde::Deserialize)]
/// struct Sale { region: String, amount: i64 }
///
/// static OP: OpInfo = OpInfo { name: "from_record_batches", file: "example.rs", line: 1, column: 1 };
/// let batch = RecordBatch::try_from_iter([
///     ("region", Arc::new(StringArray::from(vec!["north", "south"])) as _),
///     ("amount", Arc::new(Int64Array::from(vec![10, 32])) as _),
/// ])?;
/// let job = Job::new("example", Some(2), move |ctx: &Context| {
///     drive_record_batches(ctx, &OP, vec![batch], || 0i64, |total: &mut i64, s: Sale| *total += s.amount)
/// });
/// assert_eq!(job.run()?.iter().sum::<i64>(), 42);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn drive_record_batches<T, It, L, I, B>(
    ctx: &Context,
    op: &'static OpInfo,
    batches: It,
    init: I,
    body: B,
) -> Result<Vec<L>>
where
    T: DeserializeOwned,
    It: IntoIterator<Item = RecordBatch>,
    L: Send,
    I: Fn() -> L + Sync + Send,
    B: Fn(&mut L, T) + Sync + Send,
{
    let mut slices = Vec::new();
    for (index, batch) in batches.into_iter().enumerate() {
        let mut offset = 0;
        while offset < batch.num_rows() {
            let rows = SLICE_ROWS.min(batch.num_rows() - offset);
            slices.push((index, batch.slice(offset, rows)));
            offset += rows;
        }
    }
    let label = source_label(op);
    let meter = ctx.source_meter(&label, None);
    Ok(drive_morsels(
        ctx,
        slices,
        init,
        |state, _: &mut (), (index, batch)| {
            let name = PathBuf::from(format!("record batch {index}"));
            let records = for_each_record(&batch, &name, |record: T| body(state, record))?;
            meter.add(records, 0);
            ctx.record_source(&label, records, 0, 0);
            Ok(())
        },
    ))
}

/// One task's records for `collect_record_batches`, as Arrow batches.
#[derive(Debug)]
pub struct BatchPart<T> {
    batches: BatchBuilder<T>,
}

impl<T> Default for BatchPart<T> {
    fn default() -> Self {
        BatchPart {
            batches: BatchBuilder::default(),
        }
    }
}

impl<T: Serialize> BatchPart<T> {
    /// A fresh part, for one task.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `record`; a record that cannot be made into Arrow columns stops the task with an
    /// error naming the sink.
    #[inline]
    pub fn write(&mut self, record: T) {
        if let Err(e) = self.batches.push(record) {
            guard::fail(records_error::<T>(Path::new(SINK), &e));
        }
    }
}

const SINK: &str = "collect_record_batches";

/// The tasks' records, in input order, as batches of one schema traced from the records (see
/// [`super::builder`]); records the count under `label`. No records: no batches.
///
/// ```
/// use dataflow_runtime::arrow::batches::{finish_record_batches, BatchPart};
/// use dataflow_runtime::Context;
///
/// #[derive(serde::Serialize)]
/// struct Total { region: &'static str, amount: i64 }
///
/// let mut parts = vec![BatchPart::new(), BatchPart::new()];
/// parts[1].write(Total { region: "south", amount: 32 });
/// parts[0].write(Total { region: "north", amount: 10 });
/// let batches = finish_record_batches(&Context::new(2), "collect_record_batches", parts)?;
/// assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 2);
/// assert_eq!(batches[0].schema().field(0).name(), "region");
/// # Ok::<(), dataflow_runtime::Error>(())
/// ```
pub fn finish_record_batches<T: Serialize>(
    ctx: &Context,
    label: &str,
    parts: Vec<BatchPart<T>>,
) -> Result<Vec<RecordBatch>> {
    let mut batches = Vec::new();
    let mut records = 0;
    for part in parts {
        records += part.batches.records();
        let part = part.batches.finish();
        batches.extend(part.map_err(|e| records_error::<T>(Path::new(SINK), &e))?);
    }
    let (_, batches) = unify(batches, Path::new(SINK))?;
    ctx.record_sink(label, records);
    Ok(batches)
}
