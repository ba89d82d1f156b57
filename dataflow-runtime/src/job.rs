//! The job value `pipeline!` returns: its plan, its options, and the thread pool it runs on.

use crate::error::{Error, Result};
use crate::progress::{self, Board, Decision, Reporter, SourceMeter};
use crate::sink::file::StagedOutput;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A compiled pipeline, ready to [`run`](Job::run). Built by the `pipeline!` macro.
///
/// `F` is the generated body: the whole pipeline as one function of the [`Context`].
#[must_use = "a job does nothing until you call `.run()`"]
pub struct Job<F> {
    plan: &'static str,
    /// The plan as Mermaid and Graphviz dot text.
    pictures: (&'static str, &'static str),
    parallelism: Option<usize>,
    progress: bool,
    body: F,
}

impl<T: Send, F: FnOnce(&Context) -> Result<T> + Send> Job<F> {
    /// Called by the generated code; `plan` is the text of [`explain`](Job::explain).
    #[doc(hidden)]
    pub fn new(plan: &'static str, parallelism: Option<usize>, body: F) -> Self {
        Job {
            plan,
            pictures: ("", ""),
            parallelism: parallelism.map(|p| p.max(1)),
            progress: true,
            body,
        }
    }

    /// Called by the generated code: the plan as Mermaid and Graphviz dot text.
    #[doc(hidden)]
    pub fn pictures(mut self, mermaid: &'static str, dot: &'static str) -> Self {
        self.pictures = (mermaid, dot);
        self
    }

    /// The plan as a Mermaid flowchart: one box per operator (`name@line:column`), stages as
    /// subgraphs, edges labelled where they cross an exchange or are collected, dotted edges
    /// from broadcast variables to their readers. Paste it into a Markdown file that renders
    /// Mermaid, or the Mermaid live editor; [`Metrics::annotate`] adds a run's figures.
    pub fn explain_mermaid(&self) -> String {
        self.pictures.0.to_string()
    }

    /// The same picture as Graphviz dot text (`dot -Tsvg plan.dot > plan.svg`).
    pub fn explain_dot(&self) -> String {
        self.pictures.1.to_string()
    }

    /// Whether the job may show a live progress line on standard error (on by default): the
    /// running stage and, per source, bytes and records read, the share done, records per
    /// second and an ETA. It appears only when standard error is a terminal and the job has
    /// run for about a second, and it is cleared when the job ends. `progress(false)` turns it
    /// off; the environment variable `DATAFLOW_PROGRESS` (`never`, `always`) overrides the
    /// terminal rule for every job of a process (see [`crate::progress`]).
    ///
    /// ```
    /// use dataflow_runtime::{Context, Job};
    ///
    /// let job = Job::new("example", Some(1), |_: &Context| Ok(42)).progress(false);
    /// assert_eq!(job.run()?, 42);
    /// # Ok::<(), dataflow_runtime::Error>(())
    /// ```
    pub fn progress(mut self, enabled: bool) -> Self {
        self.progress = enabled;
        self
    }

    /// Sets the number of worker threads, overriding `#![parallelism = N]`.
    /// The job's results do not depend on it.
    pub fn parallelism(mut self, threads: usize) -> Self {
        self.parallelism = Some(threads.max(1));
        self
    }

    /// The parallelism the job will run at: the option, or the number of CPUs.
    pub fn effective_parallelism(&self) -> usize {
        self.parallelism.unwrap_or_else(default_parallelism)
    }

    /// The job's plan: stages, the operators fused into each, exchanges and combiners.
    pub fn explain(&self) -> String {
        format!(
            "Job (parallelism {})\n{}",
            self.effective_parallelism(),
            self.plan
        )
    }

    /// Runs the job to completion on its own thread pool and returns the value of its sink(s).
    pub fn run(self) -> Result<T> {
        self.run_with_metrics().map(|(output, _)| output)
    }

    /// Runs the job and also returns its [`Metrics`]: records read and skipped per source, time.
    pub fn run_with_metrics(self) -> Result<(T, Metrics)> {
        crate::guard::install_panic_hook();
        let threads = self.effective_parallelism();
        let pool = thread_pool(threads)?;
        let mut ctx = Context::new(threads);
        // Dropped once the stages are done (or this function returns early): the thread
        // stops and the line is cleared.
        let reporter = match progress::decide_here(self.progress) {
            Decision::Off => None,
            Decision::On { delay } => {
                let board = Arc::new(Board::new());
                ctx.progress = Some(board.clone());
                Some(Reporter::start(board, delay))
            }
        };
        let started = Instant::now();
        let body = self.body;
        // Enter the pool once for the whole job: every stage runs inside this one `install`.
        let output = pool.install(|| crate::guard::catch_task(|| body(&ctx)));
        ctx.end_stage();
        // Gone before the outputs are committed, which may write to the terminal (`-`).
        drop(reporter);
        let output = output??;
        // Only now, with every stage done, do the file sinks' outputs replace anything. On the
        // error paths above, `ctx` goes out of scope and deletes them instead.
        ctx.commit_outputs()?;
        let mut metrics = ctx.metrics.into_inner().unwrap_or_else(|p| p.into_inner());
        metrics.elapsed = started.elapsed();
        metrics.parallelism = threads;
        Ok((output, metrics))
    }
}

/// The number of CPUs, the default parallelism.
pub fn default_parallelism() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Thread pools are kept per size: building one costs far more than a small job.
fn thread_pool(threads: usize) -> Result<Arc<rayon::ThreadPool>> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<rayon::ThreadPool>>>> = OnceLock::new();
    let mut pools = POOLS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(pool) = pools.get(&threads) {
        return Ok(pool.clone());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("dataflow-worker-{i}"))
        .start_handler(|_| crate::guard::mark_worker_thread())
        .build()
        .map_err(|e| Error::ThreadPool {
            threads,
            message: e.to_string(),
        })?;
    let pool = Arc::new(pool);
    pools.insert(threads, pool.clone());
    Ok(pool)
}

/// What the generated code and the drivers share while a job runs.
pub struct Context {
    parallelism: usize,
    cancelled: AtomicBool,
    metrics: Mutex<Metrics>,
    /// When the open stage (the last of `metrics.stages`) began; `None` when none is open.
    /// Locked after `metrics`, never before.
    stage_began: Mutex<Option<Instant>>,
    /// The file sinks' outputs, staged, until the job has succeeded.
    staged: Mutex<Vec<StagedOutput>>,
    /// The counters of the progress line, when the job shows one.
    progress: Option<Arc<Board>>,
}

impl Context {
    /// A context for running stage functions outside a [`Job`] (tests, benchmarks).
    pub fn new(parallelism: usize) -> Self {
        Context {
            parallelism,
            cancelled: AtomicBool::new(false),
            metrics: Mutex::new(Metrics::default()),
            stage_began: Mutex::new(None),
            staged: Mutex::new(Vec::new()),
            progress: None,
        }
    }

    /// Counts this context's progress on `board` (as a job that shows a progress line does),
    /// so that tests and tools can read what the sources report.
    pub fn with_progress(mut self, board: Arc<Board>) -> Self {
        self.progress = Some(board);
        self
    }

    /// A copy of the metrics gathered so far (a [`Job`] returns them from
    /// [`run_with_metrics`](Job::run_with_metrics)).
    pub fn metrics(&self) -> Metrics {
        self.metrics
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Marks the start of stage `index` (the stages of [`Job::explain`], from 0), described by
    /// `label`, and the end of the stage before it: called by the generated code before each
    /// stage. The job's [`Metrics::stages`] get one entry per stage, with its time and the
    /// records that went in (read by its source) and out (received by its sinks, or reported
    /// with [`record_stage_output`](Self::record_stage_output)); the progress line shows the
    /// running stage. Cheap: two short locks, once per stage.
    ///
    /// ```
    /// use dataflow_runtime::Context;
    ///
    /// let ctx = Context::new(1);
    /// ctx.begin_stage(0, "range -> map -> collect");
    /// ctx.record_source("range@1:1", 10, 0, 0);
    /// ctx.record_sink("collect@1:20", 10);
    /// ctx.begin_stage(1, "print");
    /// let stages = ctx.metrics().stages;
    /// assert_eq!((stages[0].records_in, stages[0].records_out), (10, 10));
    /// assert_eq!(stages[1].label, "print");
    /// ```
    pub fn begin_stage(&self, index: usize, label: &str) {
        let now = Instant::now();
        {
            let mut m = self.metrics.lock().unwrap_or_else(|p| p.into_inner());
            let mut began = self.stage_began.lock().unwrap_or_else(|p| p.into_inner());
            if let (Some(open), Some(since)) = (m.stages.last_mut(), began.take()) {
                open.elapsed = now.saturating_duration_since(since);
            }
            m.stages.push(StageMetrics {
                index,
                label: label.to_string(),
                ..StageMetrics::default()
            });
            *began = Some(now);
        }
        if let Some(board) = &self.progress {
            board.set_stage(index, label);
        }
    }

    /// Ends the open stage, if any (the job calls it when its last stage is done).
    pub fn end_stage(&self) {
        let mut m = self.metrics.lock().unwrap_or_else(|p| p.into_inner());
        let mut began = self.stage_began.lock().unwrap_or_else(|p| p.into_inner());
        if let (Some(open), Some(since)) = (m.stages.last_mut(), began.take()) {
            open.elapsed = since.elapsed();
        }
    }

    /// Adds `records` to what the open stage read: for a stage whose input is the output of
    /// another stage (sources report theirs with [`record_source`](Self::record_source)).
    pub fn record_stage_input(&self, records: u64) {
        let mut m = self.metrics.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(open) = m.stages.last_mut() {
            open.records_in += records;
        }
    }

    /// Adds `records` to what the open stage passed on to a later stage (an exchange, an
    /// aggregation's result); what sinks receive is counted by
    /// [`record_sink`](Self::record_sink).
    pub fn record_stage_output(&self, records: u64) {
        let mut m = self.metrics.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(open) = m.stages.last_mut() {
            open.records_out += records;
        }
    }

    /// The meter a source's tasks count their progress into: once per source, before reading,
    /// with the input's size when known. Counts nothing unless the job shows a progress line.
    pub fn source_meter(&self, label: &str, total_bytes: Option<u64>) -> SourceMeter {
        match &self.progress {
            Some(board) => board.source(label, total_bytes),
            None => SourceMeter::off(),
        }
    }

    /// The job's number of worker threads.
    pub fn parallelism(&self) -> usize {
        self.parallelism
    }

    /// Whether a task has failed, so that the others stop taking new morsels.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// Marks the job as failed.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// Adds a source's counts to the job's metrics (called once per morsel, not per record).
    pub fn record_source(&self, source: &str, records: u64, skipped: u64, bytes: u64) {
        let mut m = self.metrics.lock().unwrap_or_else(|p| p.into_inner());
        let entry = match m.sources.iter_mut().find(|s| s.source == source) {
            Some(entry) => entry,
            None => {
                m.sources.push(SourceMetrics {
                    source: source.to_string(),
                    ..SourceMetrics::default()
                });
                m.sources.last_mut().expect("just pushed")
            }
        };
        entry.records += records;
        entry.skipped += skipped;
        entry.bytes += bytes;
        if let Some(open) = m.stages.last_mut() {
            open.records_in += records;
        }
    }

    /// Keeps the first few messages of skipped bad records, so that the user can see why.
    pub fn record_skipped_sample(&self, source: &str, message: String) {
        let mut m = self.metrics.lock().unwrap_or_else(|p| p.into_inner());
        if m.skipped_samples.len() < Metrics::MAX_SAMPLES {
            m.skipped_samples.push(format!("{source}: {message}"));
        }
    }

    /// Keeps a file sink's staged output until [`commit_outputs`](Self::commit_outputs).
    pub(crate) fn stage_output(&self, output: StagedOutput) {
        self.staged
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(output);
    }

    /// Commits the outputs the file sinks staged, all or nothing as far as the filesystem allows
    /// (see [`sink::file`](crate::sink::file)). [`Job::run`] calls it once the job has succeeded;
    /// code that runs stage functions on a context of its own calls it at the end. Outputs
    /// staged on a context dropped without it are deleted, and their destinations untouched.
    pub fn commit_outputs(&self) -> Result<()> {
        let staged = std::mem::take(&mut *self.staged.lock().unwrap_or_else(|p| p.into_inner()));
        crate::sink::file::commit_all(staged)
    }

    /// Whether [`record_skipped_sample`](Self::record_skipped_sample) would still keep a
    /// sample (it keeps the first few), so that a source works out what a sample says (a line
    /// number, on the error path) only when it will be kept.
    pub fn wants_skipped_sample(&self) -> bool {
        let m = self.metrics.lock().unwrap_or_else(|p| p.into_inner());
        m.skipped_samples.len() < Metrics::MAX_SAMPLES
    }

    /// Records how many records a sink received.
    pub fn record_sink(&self, sink: &str, records: u64) {
        let mut m = self.metrics.lock().unwrap_or_else(|p| p.into_inner());
        m.sinks.push((sink.to_string(), records));
        if let Some(open) = m.stages.last_mut() {
            open.records_out += records;
        }
    }
}

/// What a job did: per source, records read and bad records skipped; per sink, records received.
#[derive(Clone, Debug, Default)]
pub struct Metrics {
    /// One entry per source, in the order they first reported.
    pub sources: Vec<SourceMetrics>,
    /// (sink, records received), in the order the sinks finished.
    pub sinks: Vec<(String, u64)>,
    /// The first few bad records that were skipped, with the reason.
    pub skipped_samples: Vec<String>,
    /// One entry per stage the job began ([`Context::begin_stage`]), in the order they ran.
    pub stages: Vec<StageMetrics>,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// The parallelism it ran at.
    pub parallelism: usize,
}

impl Metrics {
    const MAX_SAMPLES: usize = 10;

    /// A picture of the plan ([`Job::explain_mermaid`] or [`Job::explain_dot`]) with each
    /// stage's figures from this run in its title: records in and out, and time.
    ///
    /// ```
    /// use dataflow_runtime::{Metrics, StageMetrics};
    /// let mut metrics = Metrics::default();
    /// metrics.stages.push(StageMetrics { index: 0, records_in: 1000, records_out: 500, ..Default::default() });
    /// let picture = "flowchart LR\n  subgraph s1[\"Stage 1\"]\n  end\n";
    /// assert!(metrics.annotate(picture).contains("[\"Stage 1: 1000 in, 500 out, 0.0 ms\"]"));
    /// ```
    pub fn annotate(&self, picture: &str) -> String {
        let mut out = picture.to_string();
        // Last stage first, so that "Stage 1" does not match inside "Stage 12".
        for stage in self.stages.iter().rev() {
            let title = format!("\"Stage {}\"", stage.index + 1);
            let figures = format!(
                "\"Stage {}: {} in, {} out, {:.1} ms\"",
                stage.index + 1,
                stage.records_in,
                stage.records_out,
                stage.elapsed.as_secs_f64() * 1e3
            );
            out = out.replace(&title, &figures);
        }
        out
    }

    /// Bad records skipped by all sources together.
    pub fn skipped(&self) -> u64 {
        self.sources.iter().map(|s| s.skipped).sum()
    }

    /// Records read by all sources together.
    pub fn records_read(&self) -> u64 {
        self.sources.iter().map(|s| s.records).sum()
    }
}

/// Counts for one source.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceMetrics {
    /// The source, as `operator@line:column`.
    pub source: String,
    /// Records handed to the pipeline.
    pub records: u64,
    /// Bad records skipped under [`BadRecordPolicy::Skip`](crate::BadRecordPolicy::Skip).
    pub skipped: u64,
    /// Bytes read from files.
    pub bytes: u64,
}

/// What one stage did: the records it read and passed on, and its wall time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StageMetrics {
    /// The stage's number in the plan, from 0.
    pub index: usize,
    /// What the stage runs, as the plan describes it.
    pub label: String,
    /// Records the stage read: from its sources, or from the stage before it.
    pub records_in: u64,
    /// Records the stage's sinks received, and those it passed on to a later stage.
    pub records_out: u64,
    /// Wall time from the stage's start to the next stage's (or the job's end).
    pub elapsed: Duration,
}

impl fmt::Display for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "elapsed {:.3} s at parallelism {}",
            self.elapsed.as_secs_f64(),
            self.parallelism
        )?;
        for s in &self.sources {
            write!(f, "source {}: {} records", s.source, s.records)?;
            if s.bytes > 0 {
                write!(f, ", {} bytes", s.bytes)?;
            }
            writeln!(f, ", {} bad records skipped", s.skipped)?;
        }
        for (sink, n) in &self.sinks {
            writeln!(f, "sink {sink}: {n} records")?;
        }
        for s in &self.stages {
            writeln!(
                f,
                "stage {} ({}): {} records in, {} out, {:.3} s",
                s.index,
                s.label,
                s.records_in,
                s.records_out,
                s.elapsed.as_secs_f64()
            )?;
        }
        for sample in &self.skipped_samples {
            writeln!(f, "skipped: {sample}")?;
        }
        Ok(())
    }
}
