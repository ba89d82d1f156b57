//! # dataflow
//!
//! Apache Flink's batch processing as a Rust library: write a job inline with [`pipeline!`];
//! the macro checks the whole chain at compile time, plans stages and expands them into fused,
//! monomorphized Rust that runs on a rayon thread pool.
//!
//! ```
//! use dataflow::prelude::*;
//!
//! let threshold = 2;
//! let lines = vec!["a b a", "b a c"];
//! let job = pipeline! {
//!     from_collection(lines)
//!         -> flat_map(|line: &str| line.split_whitespace().map(str::to_string).collect::<Vec<_>>())
//!         -> key_by(|word: &String| word.clone())
//!         -> count()
//!         -> filter(|(_, n): &(String, u64)| *n >= threshold)
//!         -> collect()
//! };
//! println!("{}", job.explain());
//! let mut counts = job.run()?;
//! counts.sort();
//! assert_eq!(counts, vec![("a".to_string(), 3), ("b".to_string(), 2)]);
//! # Ok::<(), dataflow::Error>(())
//! ```
//!
//! See the README for the operator table, error handling and the architecture.

pub use dataflow_macros::pipeline;
pub use dataflow_runtime::aggregate::{Statistics, Summable};
pub use dataflow_runtime::sort::TotalOrder;
pub use dataflow_runtime::symbol::Symbol;
pub use dataflow_runtime::{
    BadRecordPolicy, Error, Job, Metrics, Result, SourceMetrics, StageMetrics,
};

pub mod guide;

/// Arrow's `RecordBatch` and the arrow-rs crates dataflow is built with, for
/// `from_record_batches` and `collect_record_batches` (feature `parquet`).
///
/// ```
/// use dataflow::arrow::arrow_array::{Int64Array, RecordBatch, StringArray};
/// use dataflow::prelude::*;
/// use std::sync::Arc;
///
/// #[derive(serde::Deserialize)]
/// struct Sale { region: String, amount: i64 }
///
/// #[derive(serde::Serialize)]
/// struct Total { region: String, amount: i64 }
///
/// let sales = RecordBatch::try_from_iter([
///     ("region", Arc::new(StringArray::from(vec!["north", "south", "north"])) as _),
///     ("amount", Arc::new(Int64Array::from(vec![10, 32, 5])) as _),
/// ])?;
/// let totals: Vec<RecordBatch> = pipeline! {
///     from_record_batches::<Sale>(vec![sales])
///         -> key_by(|s: &Sale| s.region.clone())
///         -> sum(|s: &Sale| s.amount)
///         -> map(|(region, amount): (String, i64)| Total { region, amount })
///         -> collect_record_batches()
/// }
/// .run()?;
/// assert_eq!(totals.iter().map(|b| b.num_rows()).sum::<usize>(), 2);
/// assert_eq!(totals[0].schema().field(1).name(), "amount");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Parquet files are read and written by the operators `read_parquet::<T>(path)` and
/// `write_parquet(path)`:
///
/// ```
/// use dataflow::prelude::*;
///
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Reading { station: String, tenths: i64 }
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("readings.parquet");
/// let rows = vec![
///     Reading { station: "Oslo".into(), tenths: 31 },
///     Reading { station: "Rome".into(), tenths: 187 },
/// ];
/// let written = pipeline! { from_collection(rows) -> write_parquet(&path) }.run()?;
/// assert_eq!(written, 2);
/// let warmest = pipeline! {
///     read_parquet::<Reading>(&path) -> max_by(|r: &Reading| r.tenths)
/// }
/// .run()?;
/// assert_eq!(warmest.map(|r| r.station), Some("Rome".to_string()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "parquet")]
pub mod arrow {
    pub use dataflow_runtime::arrow::RecordBatch;
    #[doc(no_inline)]
    pub use dataflow_runtime::arrow::{arrow_array, arrow_schema};
}

/// What a job needs in scope: the macro, the error type, the result types of aggregations and
/// [`Symbol`].
pub mod prelude {
    pub use crate::{pipeline, Error, Metrics, Statistics, Symbol};
}

#[doc(hidden)]
pub mod __private {
    pub use dataflow_runtime as rt;
}
