//! Fusion overhead: 20 chained `map`s over `ROWS` u64 (default 1e8), summed, through
//! `pipeline!` and through a hand-written rayon loop with the same closures, in one process.
//! Run: `cargo bench --bench fusion` (env: ROWS, REPS, THREADS).

#[path = "common/mod.rs"]
mod common;

use common::{env_number, interleaved, median, ms, report};
use dataflow::prelude::*;
use rayon::prelude::*;

macro_rules! stages {
    ($m:ident) => {
        $m!(
            |x: u64| x.wrapping_mul(3),
            |x: u64| x ^ (x >> 7),
            |x: u64| x.wrapping_add(11),
            |x: u64| x.rotate_left(5),
            |x: u64| x.wrapping_mul(0x9E37_79B9),
            |x: u64| x ^ 0x5555,
            |x: u64| x.wrapping_sub(7),
            |x: u64| x.wrapping_shl(1) ^ (x >> 3),
            |x: u64| x.wrapping_mul(5),
            |x: u64| x ^ (x >> 13),
            |x: u64| x.wrapping_add(0xABCD),
            |x: u64| x.rotate_right(9),
            |x: u64| x.wrapping_mul(7),
            |x: u64| x ^ (x << 3),
            |x: u64| x.wrapping_add(1),
            |x: u64| x.wrapping_mul(0x2545_F491),
            |x: u64| x ^ (x >> 29),
            |x: u64| x.wrapping_sub(0x77),
            |x: u64| x.rotate_left(17),
            |x: u64| x & 0xFFFF
        )
    };
}

fn pipeline_sum(rows: u64, threads: usize) -> u64 {
    macro_rules! job {
        ($($f:expr),*) => {
            pipeline! { range(0..rows) $(-> map($f))* -> sum() }
        };
    }
    stages!(job).parallelism(threads).run().expect("job runs")
}

fn hand_written_sum(pool: &rayon::ThreadPool, rows: u64) -> u64 {
    macro_rules! chain {
        ($($f:expr),*) => {
            pool.install(|| (0..rows).into_par_iter()$(.map($f))*.sum::<u64>())
        };
    }
    stages!(chain)
}

fn sequential_sum(rows: u64) -> u64 {
    macro_rules! chain {
        ($($f:expr),*) => {
            (0..rows)$(.map($f))*.sum::<u64>()
        };
    }
    stages!(chain)
}

fn main() {
    let rows = env_number("ROWS", 1e8) as u64;
    let reps = env_number("REPS", 9.0) as usize;
    let threads = env_number("THREADS", 2.0) as usize;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let expected = sequential_sum(rows.min(1_000_000));
    assert_eq!(pipeline_sum(rows.min(1_000_000), threads), expected);
    assert_eq!(hand_written_sum(&pool, rows.min(1_000_000)), expected);
    // Rounds alternate the two systems, so that load from elsewhere hits both alike; the
    // ratio is the median of the per-round ratios.
    let hand = || hand_written_sum(&pool, rows);
    let ours = || pipeline_sum(rows, threads);
    let mut results = Vec::new();
    let runs = interleaved(reps, &[&hand, &ours], |_, sum| results.push(sum));
    assert!(
        results.windows(2).all(|w| w[0] == w[1]),
        "pipeline and hand-written loop disagree"
    );
    let (seq, _) = median(3, || sequential_sum(rows));
    let title = format!(
        "fusion: 20 maps + sum over {rows} u64, {threads} threads, {reps} interleaved rounds"
    );
    report(&title, &["hand-written rayon", "pipeline!"], &runs, 0);
    println!(
        "sequential loop (1 thread, for reference): {:.1} ms (median of 3)",
        ms(seq)
    );
}
