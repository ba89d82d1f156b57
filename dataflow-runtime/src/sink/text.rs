//! Text file sink: one record per line, formatted with `Display`.
//!
//! Each task writes its lines to a part file; [`commit_text`] joins them in input order and
//! stages the result, which the job renames onto the destination once it has succeeded (the
//! protocol is in [`file`](super::file)). A path ending in `.gz` (`.zst`), in any
//! case, is written gzip- (zstd-) compressed; `-` is standard output.

use super::file::{Destination, PartFile};
use crate::error::Result;
use crate::guard::OpInfo;
use crate::job::Context;
use std::fmt::Display;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// A text file to write, created once before the stage and shared by its tasks.
#[derive(Clone, Debug)]
pub struct TextSink {
    destination: Destination,
}

impl TextSink {
    /// A sink writing to `path`, which is replaced (or created) only when the job succeeds;
    /// gzip- (zstd-) compressed if `path` ends in `.gz` (`.zst`), in any case; `-` writes to
    /// standard output once the job has succeeded.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        TextSink {
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
    /// success; off by default. The `sync = true` option of `write_text`.
    pub fn sync(mut self, yes: bool) -> Self {
        self.destination = self.destination.with_sync(yes);
        self
    }

    /// The file the sink writes.
    pub fn path(&self) -> &Path {
        self.destination.path()
    }

    /// A new part, for one task.
    pub fn part(&self) -> TextPart {
        TextPart {
            part: self.destination.part(),
        }
    }
}

/// One task's lines, in a part file of their own until [`commit_text`].
#[derive(Debug)]
pub struct TextPart {
    part: PartFile,
}

impl TextPart {
    /// Writes `record` with `{}`, then a newline. A write error stops the task with an
    /// [`Error::Io`](crate::Error::Io) naming the destination (see [`crate::guard::fail`]).
    #[inline]
    pub fn write<T: Display + ?Sized>(&mut self, record: &T) {
        self.part.write_record(|w| writeln!(w, "{record}"));
    }

    /// The number of records written so far.
    pub fn records(&self) -> u64 {
        self.part.records()
    }
}

/// Joins the tasks' parts, in input order, into the sink's staged output and returns the number
/// of lines written. Call it only once the whole stage has succeeded; dropping the parts instead
/// discards them. The destination is replaced when the job commits
/// ([`Context::commit_outputs`]), after every stage has succeeded.
pub fn commit_text(ctx: &Context, sink: &TextSink, parts: Vec<TextPart>) -> Result<u64> {
    let label = format!("text file {}", sink.path().display());
    let parts = parts.into_iter().map(|p| p.part).collect();
    sink.destination.stage(ctx, &label, parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::catch_task;
    use crate::sink::test_support::names_in;
    use crate::Error;
    use std::fs;

    /// Stages `parts` on a fresh context and commits it, as a job of one sink does.
    fn stage_and_commit(sink: &TextSink, parts: Vec<TextPart>) -> Result<u64> {
        let ctx = Context::new(2);
        let n = commit_text(&ctx, sink, parts)?;
        ctx.commit_outputs()?;
        Ok(n)
    }

    #[test]
    fn parts_are_written_in_input_order() {
        let dir = tempfile::tempdir().unwrap();
        let sink = TextSink::new(dir.path().join("out.txt"));
        let mut parts: Vec<TextPart> = (0..3).map(|_| sink.part()).collect();
        // The middle task has no records; the others write in reverse order, as if in parallel.
        parts[2].write(&5);
        parts[2].write("six");
        parts[0].write(&1);
        parts[0].write(&format_args!("{}-{}", 2, 3));
        assert_eq!(
            parts.iter().map(TextPart::records).collect::<Vec<_>>(),
            [2, 0, 2]
        );
        assert_eq!(stage_and_commit(&sink, parts).unwrap(), 4);
        assert_eq!(fs::read_to_string(sink.path()).unwrap(), "1\n2-3\n5\nsix\n");
        assert_eq!(names_in(dir.path()), ["out.txt"]);
    }

    #[test]
    fn large_parts_are_joined_whole() {
        let dir = tempfile::tempdir().unwrap();
        let sink = TextSink::new(dir.path().join("big.txt"));
        let mut parts: Vec<TextPart> = (0..3).map(|_| sink.part()).collect();
        // Several times the part buffer, so that the parts are flushed while written.
        for (i, part) in parts.iter_mut().enumerate() {
            for j in 0..100_000 {
                part.write(&(i * 100_000 + j));
            }
        }
        let n = stage_and_commit(&sink, parts).unwrap();
        assert_eq!(n, 300_000);
        let text = fs::read_to_string(sink.path()).unwrap();
        assert!(text
            .lines()
            .map(|l| l.parse::<usize>().unwrap())
            .eq(0..300_000));
    }

    #[test]
    fn no_records_give_an_empty_file() {
        let dir = tempfile::tempdir().unwrap();
        let sink = TextSink::new(dir.path().join("empty.txt"));
        let parts = vec![sink.part(), sink.part()];
        assert_eq!(names_in(dir.path()), Vec::<String>::new());
        assert_eq!(stage_and_commit(&sink, parts).unwrap(), 0);
        assert_eq!(fs::read_to_string(sink.path()).unwrap(), "");
        assert_eq!(names_in(dir.path()), ["empty.txt"]);
    }

    #[test]
    fn dropped_parts_leave_no_file_behind() {
        let dir = tempfile::tempdir().unwrap();
        let sink = TextSink::new(dir.path().join("out.txt"));
        let mut parts = vec![sink.part(), sink.part()];
        parts[0].write("a");
        parts[1].write("b");
        assert_eq!(names_in(dir.path()).len(), 2, "one file per part");
        drop(parts);
        assert_eq!(names_in(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn an_existing_file_is_replaced_only_at_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        fs::write(&path, "old\n").unwrap();
        let sink = TextSink::new(&path);

        // A failed job: parts written, then dropped.
        let mut part = sink.part();
        part.write("new");
        drop(part);
        assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");

        let mut part = sink.part();
        part.write("new");
        assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");
        stage_and_commit(&sink, vec![part]).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
        assert_eq!(names_in(dir.path()), ["out.txt"]);
    }

    #[test]
    fn a_write_error_names_the_destination() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("out.txt");
        let sink = TextSink::new(&path);
        let err = catch_task(|| sink.part().write("x")).unwrap_err();
        match &err {
            Error::Io { path: p, .. } => assert_eq!(p, &path),
            other => panic!("unexpected error: {other}"),
        }
        assert!(err.to_string().contains("out.txt"), "{err}");

        // With no records, the failure comes at commit.
        let err = stage_and_commit(&sink, vec![sink.part()]).unwrap_err();
        assert!(
            matches!(err, Error::Io { path: ref p, .. } if p == &path),
            "{err}"
        );
    }

    static SOURCE: crate::guard::OpInfo = crate::guard::OpInfo {
        name: "range",
        file: "src/main.rs",
        line: 1,
        column: 1,
    };

    /// Runs a stage writing `0..n` to `sink` on 4 threads; `fail_at` makes one record fail it.
    fn run_stage(sink: &TextSink, n: u32, fail_at: Option<u32>) -> Result<u64> {
        let ctx = Context::new(4);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        pool.install(|| {
            let parts = catch_task(|| {
                crate::driver::drive_indexed(
                    &ctx,
                    &SOURCE,
                    0..n,
                    || sink.part(),
                    |part, i| {
                        if Some(i) == fail_at {
                            crate::guard::fail(Error::Internal("failed on purpose".into()));
                        }
                        part.write(&i);
                    },
                )
            })??;
            commit_text(&ctx, sink, parts)
        })
        .and_then(|n| ctx.commit_outputs().map(|()| n))
    }

    #[test]
    fn a_parallel_stage_keeps_input_order() {
        let dir = tempfile::tempdir().unwrap();
        let sink = TextSink::new(dir.path().join("out.txt"));
        assert_eq!(run_stage(&sink, 50_000, None).unwrap(), 50_000);
        let text = fs::read_to_string(sink.path()).unwrap();
        assert!(text
            .lines()
            .map(|l| l.parse::<u32>().unwrap())
            .eq(0..50_000));
        assert_eq!(names_in(dir.path()), ["out.txt"]);
    }

    #[test]
    fn a_failed_stage_leaves_the_directory_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        fs::write(&path, "old\n").unwrap();
        let sink = TextSink::new(&path);
        let err = run_stage(&sink, 50_000, Some(30_000)).unwrap_err();
        assert!(matches!(err, Error::Internal(_)), "{err}");
        assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");
        assert_eq!(names_in(dir.path()), ["out.txt"]);
    }
}
