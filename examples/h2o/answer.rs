//! What a question returns: the benchmark's check (the number of result rows and the sum of
//! each measure column, as db-benchmark's `chk`), the whole table for tests, and the time of
//! the query alone.

use std::time::{Duration, Instant};

/// A result row: the key written with `{:?}` and the measures as `f64`.
pub type Table = Vec<(String, Vec<f64>)>;

/// A question's answer.
#[derive(Clone, Debug, Default)]
pub struct Answer {
    /// Result rows (q8: one per value, as SQL returns them).
    pub rows: usize,
    /// The sum of each measure column (NaN-free measures: a NaN is skipped, as SQL's sum skips
    /// NULL).
    pub chk: Vec<f64>,
    /// Every row, sorted by key, when asked for (tests); empty otherwise.
    pub table: Table,
}

/// Wall and CPU time of a query.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    started: Instant,
    cpu_started: Duration,
    pub wall: Duration,
    pub cpu: Duration,
}

impl Timing {
    /// Starts the clocks.
    pub fn start() -> Timing {
        Timing {
            started: Instant::now(),
            cpu_started: cpu_time(),
            wall: Duration::ZERO,
            cpu: Duration::ZERO,
        }
    }

    /// Stops them (a second call keeps the first figures).
    pub fn stop(mut self) -> Timing {
        if self.wall.is_zero() {
            self.wall = self.started.elapsed();
            self.cpu = cpu_time().saturating_sub(self.cpu_started);
        }
        self
    }
}

/// CPU time (user + system, all threads) of this process, from `/proc/self/stat` (10 ms ticks;
/// zero where there is no such file).
pub fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks: u64 = fields
        .get(11..13)
        .map_or(0, |f| f.iter().filter_map(|t| t.parse::<u64>().ok()).sum());
    Duration::from_millis(ticks * 10)
}

/// Stops `timing`, then turns a typed result into an [`Answer`].
pub fn answer<K: std::fmt::Debug, V>(
    timing: Timing,
    rows: impl IntoIterator<Item = (K, V)>,
    full: bool,
    measures: impl Fn(V) -> Vec<f64>,
) -> (Timing, Answer) {
    let timing = timing.stop();
    let mut a = Answer::default();
    for (k, v) in rows {
        let values = measures(v);
        if a.chk.len() < values.len() {
            a.chk.resize(values.len(), 0.0);
        }
        for (sum, x) in a.chk.iter_mut().zip(&values) {
            if !x.is_nan() {
                *sum += x;
            }
        }
        a.rows += 1;
        if full {
            a.table.push((format!("{k:?}"), values));
        }
    }
    sort_table(&mut a.table);
    (timing, a)
}

/// Sorts a table by key, then by its measures (floats by `total_cmp`, so the order is total).
pub fn sort_table(table: &mut Table) {
    table.sort_by(|x, y| {
        let measures = x.1.iter().zip(&y.1).map(|(p, q)| p.total_cmp(q));
        x.0.cmp(&y.0)
            .then(measures.fold(std::cmp::Ordering::Equal, std::cmp::Ordering::then))
    });
}

#[allow(dead_code)] // used by tests/h2o.rs
/// Whether two answers agree: the same rows, each measure within a relative `tolerance` (sums
/// of floats differ in their last bits with the order of addition).
pub fn same(a: &Answer, b: &Answer, tolerance: f64) -> bool {
    let close = |x: &f64, y: &f64| {
        (x.is_nan() && y.is_nan()) || (x - y).abs() <= tolerance * x.abs().max(y.abs()).max(1.0)
    };
    a.rows == b.rows
        && a.chk.len() == b.chk.len()
        && a.chk.iter().zip(&b.chk).all(|(x, y)| close(x, y))
        && a.table.len() == b.table.len()
        && a.table.iter().zip(&b.table).all(|(x, y)| {
            x.0 == y.0 && x.1.len() == y.1.len() && x.1.iter().zip(&y.1).all(|(p, q)| close(p, q))
        })
}
