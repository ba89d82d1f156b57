//! JSON-lines file sink: one record per line, serialized with serde through `serde_json`.
//!
//! Each task writes its lines to a part file; [`commit_json`] joins them in input order and
//! stages the result, which the job renames onto the destination once it has succeeded (the
//! protocol is in [`file`](super::file)). A path ending in `.gz` (`.zst`), in any
//! case, is written gzip- (zstd-) compressed; `-` is standard output.

use super::file::{Destination, PartFile};
use crate::error::Result;
use crate::guard::OpInfo;
use crate::job::Context;
use serde::Serialize;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// A JSON-lines file to write, created once before the stage and shared by its tasks.
///
/// ```
/// use dataflow_runtime::sink::json::{commit_json, JsonSink};
/// use dataflow_runtime::Context;
///
/// #[derive(serde::Serialize)]
/// struct Visit<'a> {
///     page: &'a str,
///     ms: Option<u32>,
/// }
///
/// let dir = tempfile::tempdir()?;
/// let sink = JsonSink::new(dir.path().join("visits.jsonl"));
/// // One part per task, joined in input order.
/// let mut parts = vec![sink.part(), sink.part()];
/// parts[1].write(&Visit { page: "/about", ms: None });
/// parts[0].write(&Visit { page: "/", ms: Some(12) });
///
/// let ctx = Context::new(2);
/// assert_eq!(commit_json(&ctx, &sink, parts)?, 2);
/// ctx.commit_outputs()?; // what a job does once all of it has succeeded
/// assert_eq!(
///     std::fs::read_to_string(sink.path())?,
///     "{\"page\":\"/\",\"ms\":12}\n{\"page\":\"/about\",\"ms\":null}\n"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct JsonSink {
    destination: Destination,
}

impl JsonSink {
    /// A sink writing to `path`, which is replaced (or created) only when the job succeeds;
    /// gzip- (zstd-) compressed if `path` ends in `.gz` (`.zst`), in any case; `-` writes to
    /// standard output once the job has succeeded.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        JsonSink {
            destination: Destination::new(path),
        }
    }

    /// The sink's operator, named by its errors (set by `pipeline!`).
    #[doc(hidden)]
    pub fn operator(mut self, op: &'static OpInfo) -> Self {
        self.destination = self.destination.with_operator(op);
        self
    }

    /// Whether to flush the output and its directory to disk (`fsync`) before the job reports
    /// success; off by default. The `sync = true` option of `write_json`.
    pub fn sync(mut self, yes: bool) -> Self {
        self.destination = self.destination.with_sync(yes);
        self
    }

    /// The file the sink writes.
    pub fn path(&self) -> &Path {
        self.destination.path()
    }

    /// A new part, for one task.
    pub fn part(&self) -> JsonPart {
        JsonPart {
            part: self.destination.part(),
        }
    }
}

/// One task's lines, in a part file of their own until [`commit_json`].
#[derive(Debug)]
pub struct JsonPart {
    part: PartFile,
}

impl JsonPart {
    /// Writes `record` as compact JSON on one line (strings escape their line breaks). A record
    /// that cannot be serialized (a map with non-string keys, a failing `Serialize` impl) or a
    /// failed write stops the task with an error naming the operator and the destination (see
    /// [`crate::guard::fail`]).
    #[inline]
    pub fn write<T: Serialize + ?Sized>(&mut self, record: &T) {
        self.part.write_record(|w| {
            serde_json::to_writer(&mut *w, record).map_err(io::Error::from)?;
            w.write_all(b"\n")
        });
    }

    /// The number of records written so far.
    pub fn records(&self) -> u64 {
        self.part.records()
    }
}

/// Joins the tasks' parts, in input order, into the sink's staged output and returns the number
/// of records written. Call it only once the whole stage has succeeded; dropping the parts
/// instead discards them. The destination is replaced when the job commits
/// ([`Context::commit_outputs`]), after every stage has succeeded. See [`JsonSink`] for an
/// example.
pub fn commit_json(ctx: &Context, sink: &JsonSink, parts: Vec<JsonPart>) -> Result<u64> {
    let label = format!("JSON file {}", sink.path().display());
    let parts = parts.into_iter().map(|p| p.part).collect();
    sink.destination.stage(ctx, &label, parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::catch_task;
    use crate::sink::test_support::names_in;
    use crate::Error;
    use std::collections::HashMap;
    use std::fs;

    fn stage_and_commit(sink: &JsonSink, parts: Vec<JsonPart>) -> Result<u64> {
        let ctx = Context::new(2);
        let n = commit_json(&ctx, sink, parts)?;
        ctx.commit_outputs()?;
        Ok(n)
    }

    #[test]
    fn one_line_per_record_in_input_order() {
        let dir = tempfile::tempdir().unwrap();
        let sink = JsonSink::new(dir.path().join("out.jsonl"));
        let mut parts: Vec<JsonPart> = (0..3).map(|_| sink.part()).collect();
        parts[2].write(&("c\nd", 3));
        parts[0].write(&[1.5, -0.0]);
        parts[0].write("a \"quote\"");
        assert_eq!(stage_and_commit(&sink, parts).unwrap(), 3);
        assert_eq!(
            fs::read_to_string(sink.path()).unwrap(),
            "[1.5,-0.0]\n\"a \\\"quote\\\"\"\n[\"c\\nd\",3]\n"
        );
        assert_eq!(names_in(dir.path()), ["out.jsonl"]);
    }

    #[test]
    fn a_record_that_cannot_be_serialized_names_operator_and_destination() {
        static OP: OpInfo = OpInfo {
            name: "write_json",
            file: "src/main.rs",
            line: 9,
            column: 40,
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        let sink = JsonSink::new(&path).operator(&OP);
        let mut part = sink.part();
        let bad: HashMap<(u8, u8), u8> = HashMap::from([((1, 2), 3)]);
        let err = catch_task(|| part.write(&bad)).unwrap_err();
        assert!(
            matches!(&err, Error::Write { path: p, .. } if p == &path),
            "{err}"
        );
        let shown = err.to_string();
        assert!(
            shown.starts_with("operator `write_json` at src/main.rs:9:40: cannot write ")
                && shown.contains("out.jsonl: key must be a string"),
            "{shown}"
        );
        drop(part);
        assert_eq!(names_in(dir.path()), Vec::<String>::new());
    }
}
