//! The live progress line: one line on standard error, redrawn a few times a second while a job
//! runs, and cleared when it ends.
//!
//! * **When.** A job shows it when standard error is a terminal and the job has run for
//!   [`DELAY`] (a short job never shows it), unless [`Job::progress(false)`] turned it off. The
//!   environment variable [`ENV_VAR`] overrides the terminal rule for every job of the process:
//!   `never` turns the line off, `always` draws it from the start even when standard error is
//!   not a terminal (benchmarks use it to measure what the line costs). See [`decide`].
//! * **What.** The stage that is running ([`Context::begin_stage`]) and, per source of that
//!   stage, bytes and records read, the share of the input done and an ETA when its size is
//!   known (files), and records per second ([`line::render`], a pure function of the counters).
//! * **Cost.** Sources count into [`SourceMeter`]s once per block of input (128 KiB of text, a
//!   chunk of CSV), never per record; a background thread reads the counters and draws.
//!   Without a line, a meter is `None` and counting is one branch per block.
//!
//! [`Job::progress(false)`]: crate::Job::progress
//! [`Context::begin_stage`]: crate::Context::begin_stage

pub mod line;

pub use line::{render, SourceView, View};

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a job runs before its progress line appears.
pub const DELAY: Duration = Duration::from_secs(1);

/// How often the line is redrawn: about seven times a second.
pub const TICK: Duration = Duration::from_millis(150);

/// The environment variable that overrides when progress is shown: `never` (or `off`, `0`) and
/// `always` (or `force`, `1`). Anything else, or nothing, leaves the rule: when standard error
/// is a terminal.
pub const ENV_VAR: &str = "DATAFLOW_PROGRESS";

/// Whether, and after how long, a job draws its progress line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// No line, and no counting.
    Off,
    /// A line, drawn once the job has run for `delay`.
    On {
        /// How long the job runs before the first draw.
        delay: Duration,
    },
}

/// Decides whether a job shows progress: `enabled` is [`Job::progress`](crate::Job::progress)
/// (on unless turned off), `env` the value of [`ENV_VAR`], `stderr_is_terminal` whether
/// standard error is a terminal.
///
/// ```
/// use dataflow_runtime::progress::{decide, Decision, DELAY};
/// use std::time::Duration;
///
/// assert_eq!(decide(true, None, true), Decision::On { delay: DELAY });
/// assert_eq!(decide(true, None, false), Decision::Off); // piped or redirected
/// assert_eq!(decide(false, Some("always"), true), Decision::Off); // the job said no
/// assert_eq!(decide(true, Some("never"), true), Decision::Off);
/// assert_eq!(decide(true, Some("always"), false), Decision::On { delay: Duration::ZERO });
/// ```
pub fn decide(enabled: bool, env: Option<&str>, stderr_is_terminal: bool) -> Decision {
    let env = env.map(|v| v.trim().to_ascii_lowercase());
    match env.as_deref() {
        _ if !enabled => Decision::Off,
        Some("never" | "off" | "0" | "false" | "no") => Decision::Off,
        Some("always" | "force" | "1" | "true" | "yes") => Decision::On {
            delay: Duration::ZERO,
        },
        _ if stderr_is_terminal => Decision::On { delay: DELAY },
        _ => Decision::Off,
    }
}

/// [`decide`] for this process: its environment and its standard error.
pub(crate) fn decide_here(enabled: bool) -> Decision {
    if !enabled {
        return Decision::Off;
    }
    let env = std::env::var(ENV_VAR).ok();
    decide(enabled, env.as_deref(), std::io::stderr().is_terminal())
}

/// A running job's counters, shared by its sources (which count) and the thread that draws.
#[derive(Debug)]
pub struct Board {
    started: Instant,
    stage: Mutex<Option<(usize, String)>>,
    sources: Mutex<Vec<Arc<SourceCounters>>>,
}

/// One source's counters.
#[derive(Debug)]
pub struct SourceCounters {
    label: String,
    /// The stage that was running when the source started.
    stage: Option<usize>,
    total_bytes: Option<u64>,
    started: Instant,
    records: AtomicU64,
    bytes: AtomicU64,
}

impl Board {
    /// The counters of a job starting now.
    pub fn new() -> Board {
        Board {
            started: Instant::now(),
            stage: Mutex::new(None),
            sources: Mutex::new(Vec::new()),
        }
    }

    /// Notes the stage that is running now.
    pub fn set_stage(&self, index: usize, label: &str) {
        let mut stage = self.stage.lock().unwrap_or_else(|p| p.into_inner());
        *stage = Some((index, label.to_string()));
    }

    /// Adds a source that starts reading now, of `total_bytes` when known; returns the meter
    /// its tasks count into.
    pub fn source(&self, label: &str, total_bytes: Option<u64>) -> SourceMeter {
        let stage = self.stage.lock().unwrap_or_else(|p| p.into_inner());
        let counters = Arc::new(SourceCounters {
            label: label.to_string(),
            stage: stage.as_ref().map(|(index, _)| *index),
            total_bytes,
            started: Instant::now(),
            records: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        });
        drop(stage);
        self.sources
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(counters.clone());
        SourceMeter(Some(counters))
    }

    /// The counters now: the running stage and its sources (every source, when the job names
    /// no stage).
    pub fn view(&self) -> View {
        let stage = self.stage.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let index = stage.as_ref().map(|(index, _)| *index);
        let sources = self.sources.lock().unwrap_or_else(|p| p.into_inner());
        let sources = sources
            .iter()
            .filter(|s| index.is_none() || s.stage == index)
            .map(|s| SourceView {
                label: s.label.clone(),
                records: s.records.load(Ordering::Relaxed),
                bytes: s.bytes.load(Ordering::Relaxed),
                total_bytes: s.total_bytes,
                running: s.started.elapsed(),
            })
            .collect();
        View {
            elapsed: self.started.elapsed(),
            stage,
            sources,
        }
    }
}

impl Default for Board {
    fn default() -> Self {
        Board::new()
    }
}

/// Where a source's tasks count what they read; without a progress line, nothing (`None`).
#[derive(Clone, Debug, Default)]
pub struct SourceMeter(Option<Arc<SourceCounters>>);

impl SourceMeter {
    /// A meter that counts nothing.
    pub fn off() -> SourceMeter {
        SourceMeter(None)
    }

    /// Whether the counts go anywhere.
    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    /// Adds `records` and `bytes` read.
    #[inline]
    pub fn add(&self, records: u64, bytes: u64) {
        if let Some(counters) = &self.0 {
            counters.records.fetch_add(records, Ordering::Relaxed);
            counters.bytes.fetch_add(bytes, Ordering::Relaxed);
        }
    }

    /// A cursor for one morsel (or stream), which reports running totals.
    pub fn morsel(&self) -> MorselMeter<'_> {
        MorselMeter {
            meter: self,
            records: 0,
            bytes: 0,
        }
    }
}

/// A task's progress through one morsel, reported as running totals ([`Self::update`]): the
/// meter gets what is new since the last report, so that reporting often, and once more at the
/// end of the morsel with its exact size, never counts a byte twice.
#[derive(Debug)]
pub struct MorselMeter<'m> {
    meter: &'m SourceMeter,
    records: u64,
    bytes: u64,
}

impl MorselMeter<'_> {
    /// The morsel has passed on `records` records and read `bytes` bytes so far.
    #[inline]
    pub fn update(&mut self, records: u64, bytes: u64) {
        if self.meter.is_on() {
            let new_records = records.saturating_sub(self.records);
            let new_bytes = bytes.saturating_sub(self.bytes);
            self.records = self.records.max(records);
            self.bytes = self.bytes.max(bytes);
            self.meter.add(new_records, new_bytes);
        }
    }
}

/// The thread that draws a job's progress line; dropping it stops the thread and clears the
/// line.
pub(crate) struct Reporter {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Reporter {
    /// Starts drawing `board` on standard error once the job has run for `delay`. Without a
    /// thread (the system refused one) the job runs without a line.
    pub(crate) fn start(board: Arc<Board>, delay: Duration) -> Reporter {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("dataflow-progress".to_string())
            .spawn(move || draw_until_stopped(&board, delay, &stopped))
            .ok();
        Reporter {
            stop: Some(stop),
            thread,
        }
    }
}

impl Drop for Reporter {
    fn drop(&mut self) {
        // The thread wakes as soon as the sender is gone.
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Whether a progress line is on the terminal now. Held while the line is drawn or cleared,
/// and while a job writes its own output to the terminal ([`with_line_cleared`]), so that the
/// two never interleave.
static LINE_SHOWN: Mutex<bool> = Mutex::new(false);

/// Runs `write`, which writes to standard output or error (a `print()` sink, an output to
/// `-`), with the progress line cleared first, so that the output starts at the beginning of a
/// line rather than after the progress text. The line is drawn again, below the output, at the
/// next tick. Costs one uncontended lock when no line is shown.
pub fn with_line_cleared<R>(write: impl FnOnce() -> R) -> R {
    let mut shown = LINE_SHOWN.lock().unwrap_or_else(|p| p.into_inner());
    if *shown {
        clear(&mut shown);
    }
    write()
}

fn clear(shown: &mut bool) {
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\r\x1b[K");
    let _ = err.flush();
    *shown = false;
}

fn draw_until_stopped(board: &Board, delay: Duration, stopped: &mpsc::Receiver<()>) {
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(TICK) {
        if board.started.elapsed() < delay {
            continue;
        }
        // One column short of the width: a line that fills the last column wraps on some
        // terminals.
        let line = render(&board.view(), terminal_width().saturating_sub(1));
        let mut shown = LINE_SHOWN.lock().unwrap_or_else(|p| p.into_inner());
        // Carriage return, the line, then clear what a longer earlier line left to its right.
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{line}\x1b[K");
        let _ = err.flush();
        *shown = true;
    }
    let mut shown = LINE_SHOWN.lock().unwrap_or_else(|p| p.into_inner());
    if *shown {
        clear(&mut shown);
    }
}

/// The width of the terminal standard error is on, or 80 when it cannot be told.
fn terminal_width() -> usize {
    // SAFETY: `ioctl(TIOCGWINSZ)` only writes the `winsize` it is given.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDERR_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    if ok && size.ws_col > 0 {
        usize::from(size.ws_col)
    } else {
        80
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rules_for_showing_the_line() {
        // Off when the job says so, whatever else says.
        for env in [None, Some("always"), Some("never"), Some("")] {
            for terminal in [false, true] {
                assert_eq!(decide(false, env, terminal), Decision::Off);
            }
        }
        // By default: on a terminal only, after the delay.
        assert_eq!(decide(true, None, true), Decision::On { delay: DELAY });
        assert_eq!(decide(true, None, false), Decision::Off);
        assert_eq!(
            decide(true, Some("auto"), true),
            Decision::On { delay: DELAY }
        );
        // The environment turns it off, or forces it from the start.
        for off in ["never", "OFF", "0", " false "] {
            assert_eq!(decide(true, Some(off), true), Decision::Off, "{off}");
        }
        for on in ["always", "Force", "1"] {
            for terminal in [false, true] {
                let got = decide(true, Some(on), terminal);
                assert_eq!(
                    got,
                    Decision::On {
                        delay: Duration::ZERO
                    },
                    "{on}"
                );
            }
        }
    }

    #[test]
    fn morsel_meters_count_each_byte_once() {
        let board = Board::new();
        let meter = board.source("read_text@1:1", Some(300));
        let mut first = meter.morsel();
        first.update(10, 100);
        first.update(10, 100);
        first.update(25, 150);
        // Reported totals never go back.
        first.update(20, 120);
        let mut second = meter.morsel();
        second.update(5, 150);
        let view = board.view();
        assert_eq!(view.sources.len(), 1);
        assert_eq!((view.sources[0].records, view.sources[0].bytes), (30, 300));
        assert_eq!(view.sources[0].total_bytes, Some(300));
        // A meter that is off counts nothing, at no cost but a branch.
        let off = SourceMeter::off();
        off.morsel().update(1, 1);
        assert!(!off.is_on());
    }

    #[test]
    fn the_view_shows_the_running_stage_and_its_sources() {
        let board = Board::new();
        let early = board.source("read_text@1:1", None);
        early.add(1, 1);
        assert_eq!(
            board.view().sources.len(),
            1,
            "no stage named: every source"
        );
        board.set_stage(0, "first");
        let a = board.source("read_csv@2:1", Some(10));
        board.set_stage(1, "second");
        let b = board.source("read_json@3:1", Some(20));
        a.add(1, 2);
        b.add(3, 4);
        let view = board.view();
        assert_eq!(view.stage, Some((1, "second".to_string())));
        let labels: Vec<&str> = view.sources.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["read_json@3:1"]);
        assert_eq!((view.sources[0].records, view.sources[0].bytes), (3, 4));
    }
}
