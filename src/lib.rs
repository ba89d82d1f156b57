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
pub use dataflow_runtime::{
    BadRecordPolicy, Error, Job, Metrics, Result, SourceMetrics, StageMetrics,
};

pub mod guide;

/// Arrow's `RecordBatch` and the arrow-rs crates dataflow is built with, for
/// `from_record_batches` and `collect_record_batches` (feature `parquet`).
#[cfg(feature = "parquet")]
pub mod arrow {
    pub use dataflow_runtime::arrow::RecordBatch;
    #[doc(no_inline)]
    pub use dataflow_runtime::arrow::{arrow_array, arrow_schema};
}

/// What a job needs in scope: the macro, the error type and the result types of aggregations.
pub mod prelude {
    pub use crate::{pipeline, Error, Metrics, Statistics};
}

#[doc(hidden)]
pub mod __private {
    pub use dataflow_runtime as rt;
}
