//! Top-n: the 10 rows with the largest key among `ROWS` (default 1e8) generated rows, through
//! `pipeline!`'s `top_by` (a bounded heap per task, merged; ties by input order) and through a
//! hand-written rayon fold over a bounded `BinaryHeap` with the same tie rule, both over the
//! same range of row numbers (no input in memory), alternating round by round.
//! Run: `cargo bench --bench top` (env: ROWS, REPS, THREADS, N).

#[path = "common/mod.rs"]
mod common;

use common::{env_number, interleaved, report};
use dataflow::prelude::*;
use rayon::prelude::*;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A row: a pseudo-random key and its row number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Row {
    key: u64,
    id: u64,
}

/// SplitMix64 of the row number: a key that is cheap and looks random.
#[inline]
fn row(id: u64) -> Row {
    let mut z = id.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    Row {
        key: (z ^ (z >> 31)) >> 20,
        id,
    }
}

/// The hand-written heap: its largest element is the worst row kept (smallest key, then
/// latest row).
type Heap = BinaryHeap<(Reverse<u64>, u64)>;

fn offer(heap: &mut Heap, n: usize, r: Row) {
    let entry = (Reverse(r.key), r.id);
    if heap.len() < n {
        heap.push(entry);
    } else if let Some(mut worst) = heap.peek_mut() {
        if entry < *worst {
            *worst = entry;
        }
    }
}

fn main() {
    let rows = env_number("ROWS", 1e8) as u64;
    let reps = env_number("REPS", 5.0) as usize;
    let threads = env_number("THREADS", 2.0) as usize;
    let n = env_number("N", 10.0) as usize;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let hand = || {
        let heap = pool.install(|| {
            (0..rows)
                .into_par_iter()
                .fold(Heap::new, |mut heap, id| {
                    offer(&mut heap, n, row(id));
                    heap
                })
                .reduce(Heap::new, |mut a, b| {
                    for (Reverse(key), id) in b {
                        offer(&mut a, n, Row { key, id });
                    }
                    a
                })
        });
        heap.into_sorted_vec()
            .into_iter()
            .map(|(Reverse(key), id)| Row { key, id })
            .collect::<Vec<_>>()
    };
    let ours = || {
        pipeline! { range(0..rows) -> map(row) -> top_by(n, |r: &Row| r.key) }
            .parallelism(threads)
            .run()
            .expect("job runs")
    };
    let mut first: Option<Vec<Row>> = None;
    let runs = interleaved(reps, &[&hand, &ours], |_, top| match &first {
        None => first = Some(top),
        Some(f) => assert!(*f == top, "the two top-n disagree"),
    });
    let title = format!("top-{n}: {rows} rows, {threads} threads, {reps} interleaved rounds");
    report(
        &title,
        &["hand-written rayon + BinaryHeap", "pipeline! top_by"],
        &runs,
        0,
    );
}
