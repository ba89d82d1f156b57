//! Arrow: the columnar form between Parquet files, Arrow-based tools and typed records.
//!
//! * [`records`] reads rows of Arrow batches as any `T: serde::Deserialize` (serde_arrow),
//!   with errors naming the column and the Rust field.
//! * [`builder`] turns records of any `T: serde::Serialize` into batches, task by task, and
//!   brings the tasks' batches to one schema.
//! * [`batches`] drives a stage over `RecordBatch`es (`from_record_batches`) and collects a
//!   stage's records as batches (`collect_record_batches`).

pub mod batches;
pub mod builder;
pub mod records;

pub use arrow_array::RecordBatch;
/// The arrow-rs crates of [`RecordBatch`], re-exported so that a user builds batches with the
/// same version.
pub use {arrow_array, arrow_schema};
