//! Fusion overhead: 20 chained `map`s over `ROWS` u64 (default 1e8), summed, through
//! `pipeline!` and through a hand-written rayon loop with the same closures, in one process.
//! Run: `cargo bench --bench fusion` (env: ROWS, REPS, THREADS).

#[path = "common/mod.rs"]
mod common;

use common::{env_number, median, ms};
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
            |x: u64| x >> 1 | x << 63,
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
    let reps = env_number("REPS", 7.0) as usize;
    let threads = env_number("THREADS", 2.0) as usize;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    // Warm up both (thread pools, page faults), then alternate measurements.
    let _ = pipeline_sum(rows / 10, threads);
    let _ = hand_written_sum(&pool, rows / 10);
    let (hand, expected) = median(reps, || hand_written_sum(&pool, rows));
    let (ours, got) = median(reps, || pipeline_sum(rows, threads));
    let (seq, seq_sum) = median(reps.min(3), || sequential_sum(rows));
    assert_eq!(got, expected, "pipeline and hand-written loop disagree");
    assert_eq!(seq_sum, expected);
    println!("fusion: 20 maps + sum over {rows} u64, {threads} threads, median of {reps}");
    println!("  hand-written rayon  {:>9.1} ms", ms(hand));
    println!("  pipeline!           {:>9.1} ms", ms(ours));
    println!(
        "  sequential loop     {:>9.1} ms (1 thread, for reference)",
        ms(seq)
    );
    println!(
        "  ratio pipeline / hand-written = {:.3}",
        ours.as_secs_f64() / hand.as_secs_f64()
    );
}
