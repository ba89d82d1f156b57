//! Global sort: `ROWS` pseudo-random u64 (default 1e8) sorted through `pipeline!`'s `sort_by`
//! (a stable sample sort), `sort_by(.., stable = false)`, and rayon's `par_sort_unstable` on a `Vec`, each starting from
//! the same unsorted collection and ending with the sorted `Vec`, in one process, alternating.
//! Run: `cargo bench --bench sort` (env: ROWS, REPS, THREADS).

#[path = "common/mod.rs"]
mod common;

use common::{env_number, interleaved, ms};
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
    println!("sort: {rows} u64, {threads} threads, {reps} interleaved rounds (each clones the input first)");
    println!(
        "  rayon par_sort_unstable  {:>9.1} ms (median)",
        ms(runs[0].wall())
    );
    println!(
        "  pipeline! sort_by        {:>9.1} ms (median)",
        ms(runs[1].wall())
    );
    println!(
        "  pipeline! stable = false  {:>9.1} ms (median)",
        ms(runs[2].wall())
    );
    println!(
        "  ratio pipeline / hand-written = {:.3} (median of per-round ratios; CPU time ratio {:.3})",
        runs[1].ratio(&runs[0]),
        runs[1].cpu_ratio(&runs[0])
    );
    println!(
        "  ratio stable = false / hand-written = {:.3} (CPU time ratio {:.3})",
        runs[2].ratio(&runs[0]),
        runs[2].cpu_ratio(&runs[0])
    );
}
