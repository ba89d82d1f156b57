//! JSON lines: one JSON value per line, deserialized into any `T: serde::Deserialize`.
//!
//! A JSON-lines file is a text file whose lines are records, so it is read by the text source's
//! machinery ([`text::drive_line_records`]): files, directories, globs and `-` (standard input),
//! byte-range morsels cut at line ends and read in parallel, `.gz` and `.zst` files
//! decompressed, the file checked for changes while it is read. Each line is parsed by
//! `serde_json` straight from the text source's reused buffer. A line that does not parse is a
//! bad record under the source's [`BadRecordPolicy`], named by file, line and column wherever it
//! lies in the file.
//!
//! Blank lines (empty or only whitespace) hold no record and are passed over, as JSON-lines
//! readers do (`jq`, pandas, DuckDB); they still count for the line numbers of errors.

use crate::error::{BadRecordPolicy, Result};
use crate::guard::OpInfo;
use crate::job::Context;
use crate::source::text::{self, Line, Rejected, TextSource};
use serde::de::DeserializeOwned;

/// A JSON-lines input: one JSON value per line.
///
/// ```
/// use dataflow_runtime::guard::OpInfo;
/// use dataflow_runtime::source::json::{drive_json, JsonSource};
/// use dataflow_runtime::{Context, Job};
///
/// #[derive(serde::Deserialize)]
/// struct Visit {
///     page: String,
///     ms: u32,
/// }
///
/// static OP: OpInfo = OpInfo { name: "read_json", file: "example.rs", line: 1, column: 1 };
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("visits.jsonl");
/// std::fs::write(&path, "{\"page\": \"/\", \"ms\": 12}\n\n{\"page\": \"/about\", \"ms\": 30}\n")?;
///
/// let src = JsonSource::new(&path);
/// let job = Job::new("example", Some(2), move |ctx: &Context| {
///     drive_json(ctx, &OP, &src, || 0u32, |total: &mut u32, v: Visit| *total += v.ms)
/// });
/// let totals: Vec<u32> = job.run()?;
/// assert_eq!(totals.iter().sum::<u32>(), 42);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct JsonSource {
    lines: TextSource,
}

impl JsonSource {
    /// Reads the file, the files of the directory, or the files matching the glob `pattern`
    /// (see [`files::expand`](crate::source::files::expand)), in that order; `-` reads standard
    /// input. Files ending in `.gz` or `.zst` (in any case) are decompressed. A bad record fails
    /// the job unless
    /// [`bad_records`](Self::bad_records) says to skip it.
    pub fn new(pattern: impl AsRef<std::path::Path>) -> Self {
        JsonSource {
            lines: TextSource::new(pattern),
        }
    }

    /// What to do with a line that is not valid UTF-8 or not a valid `T`: fail the job (the
    /// default) or skip it, counted in the job's metrics with a sample naming the line.
    pub fn bad_records(mut self, policy: BadRecordPolicy) -> Self {
        self.lines = self.lines.bad_records(policy);
        self
    }

    /// Sets the morsel size in bytes, so that tests can cut small files into many morsels.
    #[doc(hidden)]
    pub fn morsel_bytes(mut self, bytes: u64) -> Self {
        self.lines = self.lines.morsel_bytes(bytes);
        self
    }
}

/// Runs `body` over every record of `src`, each line deserialized as `T`, giving each task a
/// state from `init`; returns the states in input order (file order, then line order). See
/// [`JsonSource`] for an example.
pub fn drive_json<T, L, I, B>(
    ctx: &Context,
    op: &'static OpInfo,
    src: &JsonSource,
    init: I,
    body: B,
) -> Result<Vec<L>>
where
    T: DeserializeOwned,
    L: Send,
    I: Fn() -> L + Sync + Send,
    B: Fn(&mut L, T) + Sync + Send,
{
    let parse = |state: &mut L, line: &str| {
        // A byte-order mark (some Windows tools write one) is not part of the first value.
        let line = line.strip_prefix('\u{feff}').unwrap_or(line);
        if line.trim_ascii().is_empty() {
            return Line::Ignored;
        }
        match serde_json::from_str::<T>(line) {
            Ok(record) => {
                body(state, record);
                Line::Record
            }
            Err(e) => Line::Rejected(rejected(&e)),
        }
    };
    text::drive_line_records(ctx, op, &src.lines, "JSON", init, parse)
}

/// `serde_json`'s error as a column and a message without its position: the text source adds
/// the file, line and column (the line of the file, where serde_json only sees line 1).
#[cold]
fn rejected(e: &serde_json::Error) -> Box<Rejected> {
    let message = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    let message = message
        .strip_suffix(&position)
        .map_or(message.clone(), str::to_owned);
    Box::new(Rejected {
        column: e.column().max(1) as u64,
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::{Job, Metrics};
    use std::fs;
    use std::path::Path;

    static OP: OpInfo = OpInfo {
        name: "read_json",
        file: "src/main.rs",
        line: 3,
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

    /// Runs a one-stage job that collects the rows; returns them and the metrics.
    fn run(src: &JsonSource) -> Result<(Vec<Row>, Metrics)> {
        let src = src.clone();
        let job = Job::new("test", Some(2), move |ctx: &Context| {
            drive_json(ctx, &OP, &src, Vec::new, |v: &mut Vec<Row>, r: Row| {
                v.push(r)
            })
        });
        let (states, metrics) = job.run_with_metrics()?;
        Ok((states.concat(), metrics))
    }

    fn write(dir: &Path, name: &str, content: &str) -> String {
        let path = dir.join(name);
        fs::write(&path, content).unwrap();
        path.to_str().unwrap().to_owned()
    }

    #[test]
    fn blank_lines_are_passed_over_but_numbered() {
        let dir = tempfile::tempdir().unwrap();
        let content = "\u{feff}{\"name\":\"ann\",\"age\":31}\r\n\n   \n{\"age\":42,\"name\":\"bob\"}\n\t\n{\"name\":\"cat\",\"age\":-1}\n";
        let path = write(dir.path(), "b.jsonl", content);
        let err = run(&JsonSource::new(&path)).unwrap_err();
        // Line 6, whatever the blank lines and the CRLF before it.
        let shown = err.to_string();
        assert!(shown.starts_with(&format!("{path}:6:")), "{shown}");

        let src = JsonSource::new(&path).bad_records(BadRecordPolicy::Skip);
        let (rows, metrics) = run(&src).unwrap();
        assert_eq!(rows, [row("ann", 31), row("bob", 42)]);
        // Blank lines are neither records nor skipped.
        assert_eq!(metrics.records_read(), 2);
        assert_eq!(metrics.skipped(), 1);
        assert_eq!(metrics.sources[0].bytes, content.len() as u64);
    }

    #[test]
    fn a_bad_record_names_file_line_column_and_text() {
        let dir = tempfile::tempdir().unwrap();
        let content = "{\"name\":\"ann\",\"age\":31}\n{\"name\":\"bob\",\"age\":x}\n";
        let path = write(dir.path(), "bad.jsonl", content);
        let err = run(&JsonSource::new(&path)).unwrap_err();
        match &err {
            Error::BadLine {
                path: p,
                line,
                column,
                format,
                message,
                text,
            } => {
                assert_eq!(p, Path::new(&path));
                assert_eq!((*line, *column), (2, 21));
                assert_eq!(*format, "JSON");
                assert_eq!(message, "expected value");
                assert_eq!(text, "{\"name\":\"bob\",\"age\":x}");
            }
            other => panic!("unexpected error {other}"),
        }
        assert_eq!(
            err.to_string(),
            format!("{path}:2:21: bad JSON record: expected value: {{\"name\":\"bob\",\"age\":x}}")
        );
    }

    #[test]
    fn a_missing_field_and_a_wrong_type_are_bad_records() {
        let dir = tempfile::tempdir().unwrap();
        let content = "{\"name\":\"ann\"}\n{\"name\":\"bob\",\"age\":\"42\"}\n[1,2]\n";
        let path = write(dir.path(), "types.jsonl", content);
        let src = JsonSource::new(&path).bad_records(BadRecordPolicy::Skip);
        let (rows, metrics) = run(&src).unwrap();
        assert!(rows.is_empty());
        assert_eq!(metrics.skipped(), 3);
        let samples = &metrics.skipped_samples;
        assert!(samples[0].contains(":1:") && samples[0].contains("missing field `age`"));
        assert!(samples[1].contains(":2:") && samples[1].contains("invalid type: string"));
        assert!(samples[2].contains(":3:"), "{samples:?}");
    }

    #[test]
    fn invalid_utf8_is_a_bad_record_too() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("u.jsonl");
        fs::write(
            &path,
            b"{\"name\":\"a\xff\",\"age\":1}\n{\"name\":\"b\",\"age\":2}\n",
        )
        .unwrap();
        let err = run(&JsonSource::new(&path)).unwrap_err();
        assert!(matches!(err, Error::InvalidUtf8 { line: 1, .. }), "{err}");
        let src = JsonSource::new(&path).bad_records(BadRecordPolicy::Skip);
        assert_eq!(run(&src).unwrap().0, [row("b", 2)]);
    }
    #[test]
    fn bad_records_in_later_morsels_are_numbered_by_their_line_in_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut content = String::new();
        let mut want = Vec::new();
        for i in 1..=200u32 {
            if i % 37 == 0 {
                content.push_str(&format!("{{\"name\":\"r{i}\",\"age\":null}}\n"));
            } else {
                content.push_str(&format!("{{\"name\":\"r{i}\",\"age\":{i}}}\n"));
                want.push(row(&format!("r{i}"), i));
            }
        }
        let path = write(dir.path(), "many.jsonl", &content);
        // Morsels of 100 bytes: about four lines each.
        let src = JsonSource::new(&path).morsel_bytes(100);
        let err = run(&src).unwrap_err();
        let Error::BadLine { line, .. } = err else {
            panic!("unexpected error {err}")
        };
        assert_eq!(line % 37, 0, "line {line} is not a bad one");

        let (rows, metrics) = run(&src.bad_records(BadRecordPolicy::Skip)).unwrap();
        assert_eq!(rows, want);
        assert_eq!(metrics.skipped(), 5);
        let mut lines: Vec<String> = metrics
            .skipped_samples
            .iter()
            // "read_json@3:5: PATH:LINE:COLUMN: ..."
            .map(|s| s.split(':').nth(3).unwrap().to_owned())
            .collect();
        lines.sort_by_key(|l| l.parse::<u32>().unwrap());
        assert_eq!(lines, ["37", "74", "111", "148", "185"]);
    }
}
