//! The error type every job returns, and the bad-record policy of sources.

use std::path::PathBuf;

/// Result of running a job or one of its steps.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can make a job fail. Each variant says what failed and where.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be opened, read, written or renamed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done: "cannot open", "cannot read", "cannot write", ...
        action: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A path, glob or directory given to a source matched no file.
    #[error("no input files match `{pattern}`")]
    NoInput {
        /// The pattern as the user wrote it.
        pattern: String,
    },
    /// A glob pattern was malformed.
    #[error("bad glob pattern `{pattern}`: {message}")]
    BadPattern {
        /// The pattern as the user wrote it.
        pattern: String,
        /// What is wrong with it.
        message: String,
    },
    /// A line of a text file is not valid UTF-8.
    #[error("{path}:{line}:{column}: invalid UTF-8 in text input: {text}")]
    InvalidUtf8 {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// 1-based byte column of the first invalid byte.
        column: u64,
        /// The line, lossily decoded, shortened if long.
        text: String,
    },
    /// A CSV record could not be parsed or deserialized.
    #[error("{path}:{line}: bad CSV record{}: {message}\n  record: {text}", field_suffix(.field))]
    BadRecord {
        /// The file.
        path: PathBuf,
        /// 1-based line on which the record starts.
        line: u64,
        /// 1-based field number, or the field name, when known.
        field: Option<String>,
        /// What is wrong.
        message: String,
        /// The raw record, shortened if long.
        text: String,
    },
    /// A line of a line-based format (JSON lines) is not a valid record.
    #[error("{path}:{line}:{column}: bad {format} record: {message}: {text}")]
    BadLine {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// 1-based byte column in the line where the problem was found.
        column: u64,
        /// The format, e.g. `JSON`.
        format: &'static str,
        /// What is wrong.
        message: String,
        /// The line, lossily decoded, shortened if long.
        text: String,
    },
    /// A Parquet file or an Arrow batch does not fit the record type: a column the type names is
    /// missing, or its values do not convert to the field's type.
    #[error("{path}: column `{column}` cannot be read into {rust}: {message}")]
    Schema {
        /// The file (for Arrow batches, `record batch N`).
        path: PathBuf,
        /// The column, as the file names it.
        column: String,
        /// The Rust side: "field `x` of `Type`", or the record type.
        rust: String,
        /// What does not fit.
        message: String,
    },
    /// A user closure panicked.
    #[error("operator `{operator}` at {file}:{line}:{column} panicked: {message}{}", at_suffix(.panic_location))]
    UserPanic {
        /// The operator's name, e.g. `map`.
        operator: &'static str,
        /// The source file of the `pipeline!` invocation.
        file: &'static str,
        /// 1-based line of the operator in the user's source.
        line: u32,
        /// 1-based column of the operator in the user's source.
        column: u32,
        /// The panic message.
        message: String,
        /// Where the panic was raised (file:line:column), when known.
        panic_location: Option<String>,
    },
    /// A CSV record could not be written.
    #[error("cannot write CSV to {path}: {message}")]
    CsvWrite {
        /// The output file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A file sink could not write, join or commit its output. Like [`Error::Io`], naming the
    /// sink's operator as well as the destination.
    #[error("operator `{operator}` at {file}:{line}:{column}: {action} {path}: {source}")]
    Write {
        /// The sink, e.g. `write_text`.
        operator: &'static str,
        /// The source file of the `pipeline!` invocation.
        file: &'static str,
        /// 1-based line of the sink in the user's source.
        line: u32,
        /// 1-based column of the sink in the user's source.
        column: u32,
        /// What was being done: "cannot write", "cannot replace", ...
        action: &'static str,
        /// The destination, as the sink was given it.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// Committing a job's file outputs failed after some of them had been replaced: `committed`
    /// hold the new outputs, `uncommitted` their old contents (or nothing), and `source` says
    /// what went wrong. A failure before the first output is replaced is reported as itself.
    #[error(
        "{source}; outputs already replaced: {}; outputs left as they were: {}",
        path_list(.committed),
        path_list(.uncommitted)
    )]
    PartialCommit {
        /// The destinations that hold the job's output, in the order they were committed.
        committed: Vec<PathBuf>,
        /// The destinations left as they were, the one that failed first.
        uncommitted: Vec<PathBuf>,
        /// The failure.
        #[source]
        source: Box<Error>,
    },
    /// The job's thread pool could not be built.
    #[error("cannot start {threads} worker threads: {message}")]
    ThreadPool {
        /// The requested parallelism.
        threads: usize,
        /// The reason.
        message: String,
    },
    /// A bug in dataflow itself: a panic outside user code.
    #[error("internal error in dataflow (please report): {0}")]
    Internal(String),
}

fn field_suffix(field: &Option<String>) -> String {
    field
        .as_ref()
        .map(|f| format!(" (field {f})"))
        .unwrap_or_default()
}

fn path_list(paths: &[PathBuf]) -> String {
    if paths.is_empty() {
        return "none".to_string();
    }
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    names.join(", ")
}

fn at_suffix(location: &Option<String>) -> String {
    location
        .as_ref()
        .map(|l| format!(" (at {l})"))
        .unwrap_or_default()
}

/// What a source does with a record it cannot read (bad UTF-8, a malformed CSV row).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BadRecordPolicy {
    /// Stop the job with an [`Error`] naming the file, line and text (the default).
    #[default]
    Fail,
    /// Skip the record and count it in the job's [`Metrics`](crate::Metrics).
    Skip,
}

/// Shortens `text` to at most `max` bytes (at a char boundary), marking the cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &text[..end], text.len())
}
