//! The combiner really takes each of its paths (spill, passthrough, compaction, growth of
//! the local table, hashes kept in runs), and stays exact through them.

use super::*;
use crate::aggregate::keyed::run::keeps_hash;

/// With the production thresholds, enough distinct keys to spill, pass through, compact and
/// grow the local table.
#[test]
fn production_thresholds_spill_exactly() {
    let mut rng = Rng(5);
    for keys in [80_000, 200_000, 1 << 40] {
        let records: Vec<(u64, u64)> = (0..300_000)
            .map(|_| (rng.below(keys), rng.below(1000)))
            .collect();
        let mut sums = BTreeMap::new();
        for &(k, v) in &records {
            *sums.entry(k).or_insert(0) += v;
        }
        let combiners = combine(&Sum::new(), Tuning::DEFAULT, &records, 2);
        for c in &combiners {
            if keys == 80_000 {
                assert!(c.local.spill.is_none() && c.local.cap > Tuning::DEFAULT.local_cap);
            } else {
                assert!(c.local.spill.is_some());
            }
        }
        let parts = merge_keyed(&Sum::new(), combiners);
        check_partitioning(&parts);
        assert_eq!(sorted(parts), sums.into_iter().collect::<Vec<_>>());
    }
}
/// The tiny thresholds really take the spill, passthrough and compaction paths, and the
/// local table takes records again after a passthrough.
#[test]
fn tiny_thresholds_reach_every_path() {
    let agg = Sum::new();
    let mut c: KeyedCombiner<u64, u64> = KeyedCombiner::with_tuning(TINY);
    // Distinct keys: the first drain finds no reduction and starts passthrough.
    for k in 0..9 {
        c.update(&agg, k, 1);
    }
    assert!(c.local.spill.is_some());
    assert!(c.local.passthrough > 0);
    assert!(c.local.table.is_empty());
    // The passthrough period ends, and one key repeats: the table takes it again.
    for _ in 0..TINY.passthrough_rows + 10 {
        c.update(&agg, 0, 1);
    }
    assert_eq!(c.local.passthrough, 0);
    assert_eq!(c.local.table.len(), 1);
    // Compaction kept the partition of key 0 small.
    let p = partition_of(hash_one(&0u64), PARTITIONS);
    assert!(c.local.spill.as_ref().unwrap().runs[p].len() <= 2 * TINY.compact_min + 2);
    let total: u64 = merge_keyed(&agg, vec![c])
        .into_iter()
        .flatten()
        .map(|e| e.1)
        .sum();
    assert_eq!(total, 9 + TINY.passthrough_rows as u64 + 10);
}
/// The local table doubles while it reduces somewhat, up to its bound, and then drains.
#[test]
fn local_table_grows_while_it_pays() {
    let tuning = Tuning {
        local_max: 64,
        ..TINY
    };
    // Two records for every other key: 1.5 records per entry.
    let keys = |n: u64| (0..n).flat_map(|k| if k % 2 == 0 { vec![k, k] } else { vec![k] });
    let mut c = KeyedCombiner::with_tuning(tuning);
    for k in keys(40) {
        c.update(&Count, k, ());
    }
    assert!(c.local.spill.is_none());
    assert_eq!((c.local.cap, c.local.table.len()), (64, 40));
    for k in keys(100).skip(60) {
        c.update(&Count, k, ());
    }
    assert!(c.local.spill.is_some() && c.local.passthrough == 0);
    let expected: Vec<(u64, u64)> = (0..100).map(|k| (k, 2 - k % 2)).collect();
    assert_eq!(sorted(merge_keyed(&Count, vec![c])), expected);
}

/// Keys that keep their hashes in the runs (strings), through spills and compaction.
#[test]
fn string_keys_through_spills() {
    assert!(!keeps_hash::<u64>() && !keeps_hash::<(u64, u64)>());
    assert!(keeps_hash::<String>() && keeps_hash::<[u64; 3]>());
    let mut rng = Rng(11);
    let records: Vec<(String, u32)> = (0..4000u32)
        .map(|i| (format!("key-{}", rng.below(300)), i))
        .collect();
    let mut expected: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for (k, i) in &records {
        expected.entry(k.clone()).or_default().push(*i);
    }
    for tasks in [1, 4] {
        let per_task = records.len() / tasks;
        let combiners: Vec<_> = records
            .chunks(per_task)
            .map(|chunk| {
                let mut c = KeyedCombiner::with_tuning(TINY);
                for (k, i) in chunk {
                    c.update(&Group::new(), k.clone(), *i);
                }
                c
            })
            .collect();
        let parts = merge_keyed(&Group::new(), combiners);
        check_partitioning(&parts);
        assert_eq!(
            sorted(parts),
            expected.clone().into_iter().collect::<Vec<_>>()
        );
    }
}
#[test]
fn len_counts_entries_held() {
    let mut c = KeyedCombiner::new();
    for i in 0..100u64 {
        c.update(&Count, i % 10, ());
    }
    assert_eq!(c.len(), 10);
    assert!(!c.is_empty());
    let mut c = KeyedCombiner::with_tuning(TINY);
    for i in 0..100u64 {
        c.update(&Count, i, ());
    }
    assert_eq!(c.len(), 100);
}
