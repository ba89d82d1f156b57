//! Sinks: where a pipeline's records end up.
//!
//! In-memory sinks (`collect`, [`print`](mod@print)) keep one buffer per task and join them in
//! input order. File sinks ([`text`], [`csv`], [`json`]) write one part file per task under a temporary
//! name, join the parts when their stage is done, and rename the result into place only when the
//! whole job has succeeded, every output of the job together ([`file`](mod@file) holds that
//! shared commit protocol), so a failed job leaves no output that looks done and replaces none.

pub mod csv;
pub mod file;
pub mod json;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod print;
pub mod text;

use crate::error::Result;
use crate::job::Context;

/// What every file sink is to the generated code: a part per task, written record by record in
/// the stage's loop, then committed with the job ([`file`](mod@file)'s protocol). One trait, so
/// that the sinks' generator has one path for all of them.
pub trait FileSink {
    /// One task's output.
    type Part: Send;
    /// A fresh part for a task.
    fn part(&self) -> Self::Part;
    /// Joins the parts in input order and stages the output for the job's commit; returns the
    /// number of records written.
    fn commit(&self, ctx: &Context, parts: Vec<Self::Part>) -> Result<u64>;
}

impl FileSink for text::TextSink {
    type Part = text::TextPart;
    fn part(&self) -> text::TextPart {
        text::TextSink::part(self)
    }
    fn commit(&self, ctx: &Context, parts: Vec<text::TextPart>) -> Result<u64> {
        text::commit_text(ctx, self, parts)
    }
}

impl FileSink for csv::CsvSink {
    type Part = csv::CsvPart;
    fn part(&self) -> csv::CsvPart {
        csv::CsvSink::part(self)
    }
    fn commit(&self, ctx: &Context, parts: Vec<csv::CsvPart>) -> Result<u64> {
        csv::commit_csv(ctx, self, parts)
    }
}

impl FileSink for json::JsonSink {
    type Part = json::JsonPart;
    fn part(&self) -> json::JsonPart {
        json::JsonSink::part(self)
    }
    fn commit(&self, ctx: &Context, parts: Vec<json::JsonPart>) -> Result<u64> {
        json::commit_json(ctx, self, parts)
    }
}

#[cfg(feature = "parquet")]
impl<T: serde::Serialize + Send> FileSink for parquet::ParquetSink<T> {
    type Part = parquet::ParquetPart<T>;
    fn part(&self) -> parquet::ParquetPart<T> {
        parquet::ParquetSink::part(self)
    }
    fn commit(&self, ctx: &Context, parts: Vec<parquet::ParquetPart<T>>) -> Result<u64> {
        parquet::commit_parquet(ctx, self, parts)
    }
}

/// `collect()`: joins the tasks' vectors in input order.
pub fn concat<T>(tasks: Vec<Vec<T>>) -> Vec<T> {
    let total = tasks.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(total);
    for mut task in tasks {
        out.append(&mut task);
    }
    out
}

/// The one record of a data set that holds exactly one (a global aggregation's value read as a
/// broadcast variable).
pub fn only_value<T>(mut all: Vec<T>) -> T {
    debug_assert_eq!(all.len(), 1, "a global aggregation yields one record");
    all.pop().expect("a global aggregation yields one record")
}

/// Helpers shared by the sinks' tests.
#[cfg(test)]
pub(crate) mod test_support {
    use std::path::Path;

    /// The names of the entries of `dir`, sorted: what a sink left behind.
    pub fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}
