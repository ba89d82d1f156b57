//! Global sort: `ROWS` pseudo-random u64 (default 1e8) sorted through `pipeline!`'s `sort_by`
//! (a stable sample sort), `sort_by(.., stable = false)`, and rayon's `par_sort_unstable` on a `Vec`, each starting from
//! the same unsorted collection and ending with the sorted `Vec`, in one process, alternating.
//! Run: `cargo bench --bench sort` (env: ROWS, REPS, THREADS).

#[path = "common/mod.rs"]
mod common;

use common::{env_number, interleaved, report};
use dataflow::prelude::*;
use rayon::prelude::*;

fn data(rows: usize) -> Vec<u64> {
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    (0..rows)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        })
        .collect()
}

fn main() {
    let rows = env_number("ROWS", 1e8) as usize;
    let reps = env_number("REPS", 5.0) as usize;
    let threads = env_number("THREADS", 2.0) as usize;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let input = data(rows);
    let hand = || {
        let mut v = input.clone();
        pool.install(|| v.par_sort_unstable());
        v
    };
    let ours = || {
        pipeline! { from_collection(input.clone()) -> sort_by(|x: &u64| *x) -> collect() }
            .parallelism(threads)
            .run()
            .expect("job runs")
    };
    let unstable = || {
        pipeline! { from_collection(input.clone()) -> sort_by(|x: &u64| *x, stable = false) -> collect() }
            .parallelism(threads)
            .run()
            .expect("job runs")
    };
    let mut first: Option<Vec<u64>> = None;
    let runs = interleaved(reps, &[&hand, &ours, &unstable], |_, sorted| match &first {
        None => first = Some(sorted),
        Some(f) => assert!(*f == sorted, "the two sorts disagree"),
    });
    report(
        &format!("sort: {rows} u64, {threads} threads, {reps} interleaved rounds (each clones the input first)"),
        &["rayon par_sort_unstable", "pipeline! sort_by", "pipeline! stable = false"],
        &runs,
        0,
    );
}
