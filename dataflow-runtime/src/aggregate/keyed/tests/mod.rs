//! Tests of the keyed combiner and merge: exact results against a `BTreeMap` at every
//! cardinality and task split, in input order. The combiner's modes (spill, passthrough,
//! compaction, growth) are tested in [`paths`].

mod paths;

use super::*;
use crate::aggregate::{Aggregate, Count, Group, Sum};
use crate::hash::{hash_one, partition_of};
use crate::Partitions;
use std::collections::BTreeMap;
use std::hash::Hash;

/// Thresholds small enough that a few hundred records spill, pass through and compact.
const TINY: Tuning = Tuning {
    local_cap: 8,
    local_max: 32,
    compact_min: 2,
    passthrough_rows: 16,
};

/// xorshift64*: deterministic test input without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Splits `records` into `tasks` contiguous runs, one combiner each, like a driver.
fn combine<V: Copy, A: Aggregate<V>>(
    agg: &A,
    tuning: Tuning,
    records: &[(u64, V)],
    tasks: usize,
) -> Vec<KeyedCombiner<u64, A::Acc>> {
    let per_task = records.len().div_ceil(tasks.max(1)).max(1);
    let mut combiners: Vec<_> = records
        .chunks(per_task)
        .map(|chunk| {
            let mut c = KeyedCombiner::with_tuning(tuning);
            for &(k, v) in chunk {
                c.update(agg, k, v);
            }
            c
        })
        .collect();
    combiners.resize_with(tasks, || KeyedCombiner::with_tuning(tuning));
    combiners
}

fn sorted<T: Ord>(parts: Partitions<T>) -> Vec<T> {
    assert_eq!(parts.len(), PARTITIONS);
    let mut all: Vec<T> = parts.into_iter().flatten().collect();
    all.sort();
    all
}

/// Every key lands in the partition of its hash.
fn check_partitioning<K: Hash, V>(parts: &Partitions<(K, V)>) {
    for (p, part) in parts.iter().enumerate() {
        for (k, _) in part {
            assert_eq!(partition_of(hash_one(k), PARTITIONS), p);
        }
    }
}

#[test]
fn combiners_merge_to_exact_counts() {
    let mut a = KeyedCombiner::new();
    let mut b = KeyedCombiner::new();
    for i in 0..1000u64 {
        a.update(&Count, i % 7, ());
        b.update(&Count, i % 11, ());
    }
    let parts = merge_keyed(&Count, vec![a, b]);
    check_partitioning(&parts);
    let mut expected = BTreeMap::new();
    for i in 0..1000u64 {
        *expected.entry(i % 7).or_insert(0) += 1;
        *expected.entry(i % 11).or_insert(0) += 1;
    }
    assert_eq!(sorted(parts), expected.into_iter().collect::<Vec<_>>());
}

#[test]
fn sums_by_string_key() {
    let mut a = KeyedCombiner::new();
    a.update(&Sum::new(), "x".to_string(), 2i64);
    a.update(&Sum::new(), "x".to_string(), 3i64);
    let all: Vec<(String, i64)> = merge_keyed(&Sum::new(), vec![a])
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(all, vec![("x".to_string(), 5)]);
}

/// Sums and counts against a `BTreeMap`, from one key to every record its own key, with the
/// production thresholds and with tiny ones (spills, passthrough, compaction).
#[test]
fn exact_sums_at_every_cardinality() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for tuning in [Tuning::DEFAULT, TINY] {
        for (rows, keys) in [(1, 1), (5000, 1), (5000, 13), (5000, 1000), (5000, 1 << 40)] {
            let records: Vec<(u64, u64)> = (0..rows)
                .map(|_| (rng.below(keys), rng.below(1000)))
                .collect();
            let mut sums = BTreeMap::new();
            let mut counts = BTreeMap::new();
            for &(k, v) in &records {
                *sums.entry(k).or_insert(0) += v;
                *counts.entry(k).or_insert(0u64) += 1;
            }
            for tasks in [1, 3, 8] {
                let combiners = combine(&Sum::new(), tuning, &records, tasks);
                let parts = merge_keyed(&Sum::new(), combiners);
                check_partitioning(&parts);
                assert_eq!(
                    sorted(parts),
                    sums.clone().into_iter().collect::<Vec<_>>(),
                    "{rows} rows, {keys} keys, {tasks} tasks, {tuning:?}"
                );

                let unit: Vec<(u64, ())> = records.iter().map(|&(k, _)| (k, ())).collect();
                let combiners = combine(&Count, tuning, &unit, tasks);
                assert_eq!(
                    sorted(merge_keyed(&Count, combiners)),
                    counts.clone().into_iter().collect::<Vec<_>>()
                );
            }
        }
    }
}
/// Records of each key come out in input order, across tasks, spills, passthrough and
/// compaction: accumulators are merged earlier-first.
#[test]
fn merges_keep_input_order() {
    let mut rng = Rng(42);
    for tuning in [Tuning::DEFAULT, TINY] {
        for keys in [1, 3, 40, 1000, 1 << 40] {
            // Phases of few and of many keys, so that the combiner switches modes.
            let records: Vec<(u64, u32)> = (0..3000u32)
                .map(|i| {
                    let keys = if (i / 500) % 2 == 0 {
                        keys.min(4)
                    } else {
                        keys
                    };
                    (rng.below(keys), i)
                })
                .collect();
            let mut expected: BTreeMap<u64, Vec<u32>> = BTreeMap::new();
            for &(k, i) in &records {
                expected.entry(k).or_default().push(i);
            }
            for tasks in [1, 2, 7] {
                let combiners = combine(&Group::new(), tuning, &records, tasks);
                let parts = merge_keyed(&Group::new(), combiners);
                check_partitioning(&parts);
                assert_eq!(
                    sorted(parts),
                    expected.clone().into_iter().collect::<Vec<_>>(),
                    "{keys} keys, {tasks} tasks, {tuning:?}"
                );
            }
        }
    }
}

/// Random thresholds, splits and key ranges, against a reference, in input order.
#[test]
fn random_thresholds_keep_order() {
    let mut rng = Rng(7);
    for _ in 0..200 {
        let local_cap = 1 + rng.below(20) as usize;
        let tuning = Tuning {
            local_cap,
            local_max: local_cap * (1 + rng.below(4) as usize),
            compact_min: 1 + rng.below(10) as usize,
            passthrough_rows: 1 + rng.below(50) as usize,
        };
        let keys = 1 + rng.below(300);
        let rows = rng.below(800) as u32;
        let records: Vec<(u64, u32)> = (0..rows).map(|i| (rng.below(keys), i)).collect();
        let mut expected: BTreeMap<u64, Vec<u32>> = BTreeMap::new();
        for &(k, i) in &records {
            expected.entry(k).or_default().push(i);
        }
        let tasks = 1 + rng.below(6) as usize;
        let combiners = combine(&Group::new(), tuning, &records, tasks);
        assert_eq!(
            sorted(merge_keyed(&Group::new(), combiners)),
            expected.into_iter().collect::<Vec<_>>(),
            "{tuning:?}, {keys} keys, {rows} rows, {tasks} tasks"
        );
    }
}
#[test]
fn empty_input() {
    let parts = merge_keyed(&Sum::<u64>::new(), Vec::<KeyedCombiner<u64, u64>>::new());
    assert_eq!(parts.len(), PARTITIONS);
    assert!(parts.iter().all(Vec::is_empty));

    let combiners: Vec<KeyedCombiner<u64, u64>> =
        vec![KeyedCombiner::new(), KeyedCombiner::default()];
    assert!(combiners.iter().all(|c| c.is_empty()));
    assert_eq!(combiners.iter().map(KeyedCombiner::len).sum::<usize>(), 0);
    let parts = merge_keyed(&Sum::<u64>::new(), combiners);
    assert_eq!(parts.len(), PARTITIONS);
    assert!(parts.iter().all(Vec::is_empty));
}
/// Driven by the real driver on a pool, at a parallelism that changes the task split.
#[test]
fn driven_result_does_not_depend_on_parallelism() {
    use crate::guard::OpInfo;
    static OP: OpInfo = OpInfo {
        name: "from",
        file: file!(),
        line: line!(),
        column: 1,
    };
    let mut rng = Rng(3);
    let records: Vec<(u64, u32)> = (0..200_000u32).map(|i| (rng.below(5000), i)).collect();
    let mut results = Vec::new();
    for threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let ctx = crate::Context::new(threads);
        let parts = pool.install(|| {
            let states = crate::driver::drive_indexed(
                &ctx,
                &OP,
                &records[..],
                || KeyedCombiner::with_tuning(TINY),
                |c, &(k, i)| c.update(&Group::new(), k, i),
            )
            .unwrap();
            merge_keyed(&Group::new(), states)
        });
        check_partitioning(&parts);
        results.push(sorted(parts));
    }
    let mut expected: BTreeMap<u64, Vec<u32>> = BTreeMap::new();
    for &(k, i) in &records {
        expected.entry(k).or_default().push(i);
    }
    let expected: Vec<_> = expected.into_iter().collect();
    for r in results {
        assert_eq!(r, expected);
    }
}
