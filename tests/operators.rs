//! Every operator of the DSL through `pipeline!`, keyed and global forms, each checked against
//! a plain sequential computation over the same input.
//!
//! Inputs are larger than one morsel of an in-memory source (4096 items), so that at
//! parallelism 4 the work really is split across tasks and the merge paths run.

use dataflow::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicUsize, Ordering};
use std::sync::Mutex;

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
struct Rec {
    idx: usize,
    key: u32,
    value: i64,
}

/// Deterministic pseudo-random records: 37 keys, values in -500..500 (so many ties).
fn records(n: usize) -> Vec<Rec> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    (0..n)
        .map(|idx| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            Rec {
                idx,
                key: (state % 37) as u32,
                value: ((state >> 20) % 1000) as i64 - 500,
            }
        })
        .collect()
}

const N: usize = 20_000;

fn group<'a, T>(data: &'a [Rec], f: impl Fn(&'a Rec) -> T) -> BTreeMap<u32, Vec<T>> {
    let mut m: BTreeMap<u32, Vec<T>> = BTreeMap::new();
    for r in data {
        m.entry(r.key).or_default().push(f(r));
    }
    m
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
}

fn mean(v: &[i64]) -> f64 {
    v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64
}

fn pop_std_dev(v: &[i64]) -> f64 {
    let m = mean(v);
    (v.iter().map(|&x| (x as f64 - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
}

fn sample_std_dev(v: &[i64]) -> f64 {
    let m = mean(v);
    (v.iter().map(|&x| (x as f64 - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

// ---------------------------------------------------------------------------------------------
// Element-wise operators
// ---------------------------------------------------------------------------------------------

#[test]
fn map_keeps_input_order() {
    let data = records(N);
    let factor = 3i64;
    let out = pipeline! {
        from_collection(data.clone()) -> map(|r: Rec| r.value * factor + r.key as i64) -> collect()
    }
    .parallelism(4)
    .run()
    .unwrap();
    let expected: Vec<i64> = data
        .iter()
        .map(|r| r.value * factor + r.key as i64)
        .collect();
    assert_eq!(out, expected);
}

#[test]
fn flat_map_emits_every_item_in_order() {
    let data = records(N);
    let out = pipeline! {
        from_collection(data.clone())
            -> flat_map(|r: Rec| (0..(r.key % 4) as i64).map(move |i| r.value + i))
            -> collect()
    }
    .parallelism(4)
    .run()
    .unwrap();
    let expected: Vec<i64> = data
        .iter()
        .flat_map(|r| (0..(r.key % 4) as i64).map(move |i| r.value + i))
        .collect();
    assert_eq!(out, expected);
}

#[test]
fn flat_map_with_a_vec_and_an_option() {
    let words = vec!["a b", "", "c d e", "f"];
    let (split, opts) = pipeline! {
        let lines = from_collection(words.clone());
        lines -> flat_map(|l: &str| l.split_whitespace().map(str::to_string).collect::<Vec<_>>()) -> collect();
        lines -> flat_map(|l: &str| l.chars().next()) -> collect();
    }
    .parallelism(4)
    .run()
    .unwrap();
    let expected: Vec<String> = words
        .iter()
        .flat_map(|l| l.split_whitespace().map(str::to_string))
        .collect();
    assert_eq!(split, expected);
    let expected: Vec<char> = words.iter().filter_map(|l| l.chars().next()).collect();
    assert_eq!(opts, expected);
}

#[test]
fn filter_keeps_matching_records_in_order() {
    let data = records(N);
    let threshold = 100;
    let out = pipeline! {
        from_collection(data.clone()) -> filter(|r: &Rec| r.value > threshold) -> collect()
    }
    .parallelism(4)
    .run()
    .unwrap();
    let expected: Vec<Rec> = data
        .iter()
        .filter(|r| r.value > threshold)
        .cloned()
        .collect();
    assert!(!expected.is_empty() && expected.len() < data.len());
    assert_eq!(out, expected);
}

#[test]
fn filter_map_in_order() {
    let data = records(N);
    let out = pipeline! {
        from_collection(data.clone())
            -> filter_map(|r: Rec| if r.key.is_multiple_of(3) { Some((r.idx, r.value * 2)) } else { None })
            -> collect()
    }
    .parallelism(4)
    .run()
    .unwrap();
    let expected: Vec<(usize, i64)> = data
        .iter()
        .filter(|r| r.key % 3 == 0)
        .map(|r| (r.idx, r.value * 2))
        .collect();
    assert_eq!(out, expected);
}

#[test]
fn inspect_sees_every_record_and_passes_it_on() {
    let data = records(N);
    let seen = AtomicUsize::new(0);
    let total = AtomicI64::new(0);
    let after_filter = AtomicUsize::new(0);
    let out = pipeline! {
        from_collection(data.clone())
            -> inspect(|r: &Rec| { seen.fetch_add(1, Ordering::Relaxed); total.fetch_add(r.value, Ordering::Relaxed); })
            -> filter(|r: &Rec| r.key < 10)
            -> inspect(|_r: &Rec| { after_filter.fetch_add(1, Ordering::Relaxed); })
            -> collect()
    }
    .parallelism(4)
    .run()
    .unwrap();
    assert_eq!(seen.load(Ordering::Relaxed), data.len());
    assert_eq!(
        total.load(Ordering::Relaxed),
        data.iter().map(|r| r.value).sum::<i64>()
    );
    let expected: Vec<Rec> = data.iter().filter(|r| r.key < 10).cloned().collect();
    assert_eq!(after_filter.load(Ordering::Relaxed), expected.len());
    assert_eq!(out, expected);
}

#[test]
fn long_fused_chain() {
    let data = records(N);
    let m = 7i64;
    let out = pipeline! {
        from_collection(data.clone())
            -> map(|r: Rec| (r.key, r.value))
            -> filter(|(k, _): &(u32, i64)| k % 2 == 1)
            -> flat_map(|(k, v): (u32, i64)| vec![v, v + k as i64])
            -> filter_map(|v: i64| v.checked_mul(m))
            -> map(|v: i64| v.to_string())
            -> filter(|s: &String| !s.ends_with('3'))
            -> collect()
    }
    .parallelism(4)
    .run()
    .unwrap();
    let expected: Vec<String> = data
        .iter()
        .map(|r| (r.key, r.value))
        .filter(|(k, _)| k % 2 == 1)
        .flat_map(|(k, v)| vec![v, v + k as i64])
        .filter_map(|v| v.checked_mul(m))
        .map(|v| v.to_string())
        .filter(|s| !s.ends_with('3'))
        .collect();
    assert_eq!(out, expected);
}

#[test]
fn closures_capture_locals_by_reference() {
    let data = records(N);
    let allowed: HashSet<u32> = [1, 5, 9, 13].into_iter().collect();
    let prefix = String::from("k");
    let offsets = [10i64, 20, 30];
    let out = pipeline! {
        from_collection(data.clone())
            -> filter(|r: &Rec| allowed.contains(&r.key))
            -> map(|r: Rec| (format!("{prefix}{}", r.key), r.value + offsets[r.idx % offsets.len()]))
            -> collect()
    }
    .parallelism(4)
    .run()
    .unwrap();
    // The captured locals are still usable: they were borrowed, not moved.
    assert_eq!(prefix, "k");
    let expected: Vec<(String, i64)> = data
        .iter()
        .filter(|r| allowed.contains(&r.key))
        .map(|r| {
            (
                format!("{prefix}{}", r.key),
                r.value + offsets[r.idx % offsets.len()],
            )
        })
        .collect();
    assert_eq!(out, expected);
}

// ---------------------------------------------------------------------------------------------
// Keyed aggregations
// ---------------------------------------------------------------------------------------------

#[test]
fn keyed_count_sum_min_max() {
    let data = records(N);
    let (count, sum, min, max, sum_self, min_self) = pipeline! {
        #![parallelism = 4]
        let rs = from_collection(data.clone());
        rs -> key_by(|r: &Rec| r.key) -> count() -> collect();
        rs -> key_by(|r: &Rec| r.key) -> sum(|r: &Rec| r.value) -> collect();
        rs -> key_by(|r: &Rec| r.key) -> min(|r: &Rec| r.value) -> collect();
        rs -> key_by(|r: &Rec| r.key) -> max(|r: &Rec| r.value) -> collect();
        rs -> map(|r: Rec| r.value) -> key_by(|v: &i64| v.rem_euclid(5)) -> sum() -> collect();
        rs -> map(|r: Rec| r.value) -> key_by(|v: &i64| v.rem_euclid(5)) -> min() -> collect();
    }
    .run()
    .unwrap();
    let groups = group(&data, |r| r.value);
    let exp_count: Vec<(u32, u64)> = groups.iter().map(|(k, v)| (*k, v.len() as u64)).collect();
    let exp_sum: Vec<(u32, i64)> = groups.iter().map(|(k, v)| (*k, v.iter().sum())).collect();
    let exp_min: Vec<(u32, i64)> = groups
        .iter()
        .map(|(k, v)| (*k, *v.iter().min().unwrap()))
        .collect();
    let exp_max: Vec<(u32, i64)> = groups
        .iter()
        .map(|(k, v)| (*k, *v.iter().max().unwrap()))
        .collect();
    assert_eq!(exp_count.len(), 37);
    assert_eq!(sorted(count), exp_count);
    assert_eq!(sorted(sum), exp_sum);
    assert_eq!(sorted(min), exp_min);
    assert_eq!(sorted(max), exp_max);

    let mut by_rem: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for r in &data {
        by_rem
            .entry(r.value.rem_euclid(5))
            .or_default()
            .push(r.value);
    }
    let exp: Vec<(i64, i64)> = by_rem.iter().map(|(k, v)| (*k, v.iter().sum())).collect();
    assert_eq!(sorted(sum_self), exp);
    let exp: Vec<(i64, i64)> = by_rem
        .iter()
        .map(|(k, v)| (*k, *v.iter().min().unwrap()))
        .collect();
    assert_eq!(sorted(min_self), exp);
}

#[test]
fn keyed_avg_and_statistics() {
    let data = records(N);
    let (avg, stats) = pipeline! {
        let rs = from_collection(data.clone());
        rs -> key_by(|r: &Rec| r.key) -> avg(|r: &Rec| r.value) -> collect();
        rs -> key_by(|r: &Rec| r.key) -> statistics(|r: &Rec| r.value) -> collect();
    }
    .parallelism(4)
    .run()
    .unwrap();
    let groups = group(&data, |r| r.value);
    let mut avg = avg;
    avg.sort_by_key(|p| p.0);
    assert_eq!(avg.len(), groups.len());
    for ((k, a), (ek, vs)) in avg.iter().zip(&groups) {
        assert_eq!(k, ek);
        assert!(close(*a, mean(vs)), "key {k}: {a} vs {}", mean(vs));
    }
    let mut stats = stats;
    stats.sort_by_key(|p| p.0);
    assert_eq!(stats.len(), groups.len());
    for ((k, s), (ek, vs)) in stats.iter().zip(&groups) {
        assert_eq!(k, ek);
        assert_eq!(s.count, vs.len() as u64);
        assert!(close(s.mean, mean(vs)));
        assert_eq!(s.min, *vs.iter().min().unwrap() as f64);
        assert_eq!(s.max, *vs.iter().max().unwrap() as f64);
        assert!(close(s.std_dev(), pop_std_dev(vs)), "key {k}");
        assert!(close(s.sample_std_dev(), sample_std_dev(vs)), "key {k}");
    }
}

#[test]
fn keyed_reduce() {
    let data = records(N);
    let out = pipeline! {
        from_collection(data.clone())
            -> map(|r: Rec| (r.key, r.value, 1u32))
            -> key_by(|t: &(u32, i64, u32)| t.0)
            -> reduce(|a: (u32, i64, u32), b: (u32, i64, u32)| (a.0, a.1 + b.1, a.2 + b.2))
            -> collect()
    }
    .parallelism(4)
    .run()
    .unwrap();
    let groups = group(&data, |r| r.value);
    let expected: Vec<(u32, (u32, i64, u32))> = groups
        .iter()
        .map(|(k, v)| (*k, (*k, v.iter().sum(), v.len() as u32)))
        .collect();
    assert_eq!(sorted(out), expected);
}

/// `reduce` need only be associative: it is applied in input order, so string concatenation
/// (associative, not commutative) gives the values of each key in input order.
#[test]
fn keyed_reduce_is_applied_in_input_order() {
    let data = records(N);
    let out = pipeline! {
        from_collection(data.clone())
            -> map(|r: Rec| (r.key, format!("{},", r.idx)))
            -> key_by(|t: &(u32, String)| t.0)
            -> reduce(|a: (u32, String), b: (u32, String)| (a.0, a.1 + &b.1))
            -> map(|(k, (_, s)): (u32, (u32, String))| (k, s))
            -> collect()
    }
    .parallelism(4)
    .run()
    .unwrap();
    let expected: Vec<(u32, String)> = group(&data, |r| format!("{},", r.idx))
        .into_iter()
        .map(|(k, v)| (k, v.concat()))
        .collect();
    assert_eq!(sorted(out), expected);
}

#[test]
fn keyed_fold_with_two_and_three_arguments() {
    let data = records(N);
    let (fold2, fold3) = pipeline! {
        let rs = from_collection(data.clone());
        // Without a merge function the fold runs over each whole group, in input order.
        rs -> key_by(|r: &Rec| r.key) -> fold(String::new(), |acc: String, r: Rec| acc + &r.idx.to_string() + ",") -> collect();
        rs -> key_by(|r: &Rec| r.key) -> fold((0i64, 0u64), |acc: (i64, u64), r: Rec| (acc.0 + r.value, acc.1 + 1), |a: (i64, u64), b: (i64, u64)| (a.0 + b.0, a.1 + b.1), identity = (0, 0)) -> collect();
    }
    .parallelism(4)
    .run()
    .unwrap();
    let exp2: Vec<(u32, String)> = group(&data, |r| format!("{},", r.idx))
        .into_iter()
        .map(|(k, v)| (k, v.concat()))
        .collect();
    assert_eq!(sorted(fold2), exp2);
    let exp3: Vec<(u32, (i64, u64))> = group(&data, |r| r.value)
        .into_iter()
        .map(|(k, v)| (k, (v.iter().sum(), v.len() as u64)))
        .collect();
    assert_eq!(sorted(fold3), exp3);
}

#[test]
fn keyed_aggregate_of_several_aggregations() {
    let data = records(N);
    let (a, b) = pipeline! {
        let rs = from_collection(data.clone());
        rs -> key_by(|r: &Rec| r.key) -> aggregate(count(), sum(|r: &Rec| r.value), min(|r: &Rec| r.value), max(|r: &Rec| r.value), avg(|r: &Rec| r.value)) -> collect();
        rs -> key_by(|r: &Rec| r.key) -> aggregate(statistics(|r: &Rec| r.value), reduce(|x: Rec, y: Rec| if y.value > x.value { y } else { x }), min_by(|r: &Rec| r.value), max_by(|r: &Rec| r.value)) -> collect();
    }
    .parallelism(4)
    .run()
    .unwrap();
    let groups = group(&data, |r| r.clone());
    let mut a = a;
    a.sort_by_key(|p| p.0);
    let mut b = b;
    b.sort_by_key(|p| p.0);
    assert_eq!(a.len(), groups.len());
    assert_eq!(b.len(), groups.len());
    for (((k, (n, s, lo, hi, av)), (kb, (st, red, mn, mx))), (ek, rs)) in
        a.iter().zip(&b).zip(&groups)
    {
        assert_eq!(k, ek);
        assert_eq!(kb, ek);
        let vs: Vec<i64> = rs.iter().map(|r| r.value).collect();
        assert_eq!(*n, vs.len() as u64);
        assert_eq!(*s, vs.iter().sum::<i64>());
        assert_eq!(*lo, *vs.iter().min().unwrap());
        assert_eq!(*hi, *vs.iter().max().unwrap());
        assert!(close(*av, mean(&vs)));
        assert_eq!(st.count, vs.len() as u64);
        assert!(close(st.mean, mean(&vs)));
        // reduce keeps the earlier record on ties: the first record with the maximum.
        let first_max = rs.iter().fold(None::<&Rec>, |acc, r| match acc {
            Some(a) if r.value <= a.value => Some(a),
            _ => Some(r),
        });
        assert_eq!(red, first_max.unwrap());
        let min_v = *vs.iter().min().unwrap();
        let max_v = *vs.iter().max().unwrap();
        assert_eq!(mn, rs.iter().find(|r| r.value == min_v).unwrap());
        assert_eq!(mx, rs.iter().find(|r| r.value == max_v).unwrap());
    }
}

#[test]
fn keyed_min_by_max_by_take_the_first_of_ties() {
    let data = records(N);
    // Only 5 distinct values per key: lots of ties, resolved by input order.
    let (mins, maxs) = pipeline! {
        let rs = from_collection(data.clone());
        rs -> key_by(|r: &Rec| r.key) -> min_by(|r: &Rec| r.value.rem_euclid(5)) -> collect();
        rs -> key_by(|r: &Rec| r.key) -> max_by(|r: &Rec| r.value.rem_euclid(5)) -> collect();
    }
    .parallelism(4)
    .run()
    .unwrap();
    let groups = group(&data, |r| r.clone());
    let exp_min: Vec<usize> = groups
        .values()
        .map(|rs| {
            let m = rs.iter().map(|r| r.value.rem_euclid(5)).min().unwrap();
            rs.iter().find(|r| r.value.rem_euclid(5) == m).unwrap().idx
        })
        .collect();
    let exp_max: Vec<usize> = groups
        .values()
        .map(|rs| {
            let m = rs.iter().map(|r| r.value.rem_euclid(5)).max().unwrap();
            rs.iter().find(|r| r.value.rem_euclid(5) == m).unwrap().idx
        })
        .collect();
    let mut mins = mins;
    mins.sort_by_key(|r| r.key);
    let mut maxs = maxs;
    maxs.sort_by_key(|r| r.key);
    assert_eq!(mins.iter().map(|r| r.idx).collect::<Vec<_>>(), exp_min);
    assert_eq!(maxs.iter().map(|r| r.idx).collect::<Vec<_>>(), exp_max);
    for r in mins.iter().chain(&maxs) {
        assert_eq!(r, &data[r.idx]);
    }
}

#[test]
fn keyed_first_n_in_input_order() {
    let data = records(N);
    let n = 5;
    let (firsts, big) = pipeline! {
        let rs = from_collection(data.clone());
        rs -> key_by(|r: &Rec| r.key) -> first(n) -> collect();
        rs -> key_by(|r: &Rec| r.key % 2) -> first(100_000) -> collect();
    }
    .parallelism(4)
    .run()
    .unwrap();
    let mut got: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for r in &firsts {
        got.entry(r.key).or_default().push(r.idx);
    }
    let expected: BTreeMap<u32, Vec<usize>> = group(&data, |r| r.idx)
        .into_iter()
        .map(|(k, v)| (k, v.into_iter().take(n).collect()))
        .collect();
    assert_eq!(got, expected);
    // n larger than every group: the whole group, in input order.
    let mut got: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for r in &big {
        got.entry(r.key % 2).or_default().push(r.idx);
    }
    let mut expected: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for r in &data {
        expected.entry(r.key % 2).or_default().push(r.idx);
    }
    assert_eq!(got, expected);
}

#[test]
fn keyed_reduce_group_sees_whole_groups_in_input_order() {
    let data = records(N);
    let out = pipeline! {
        from_collection(data.clone())
            -> key_by(|r: &Rec| r.key)
            -> reduce_group(|k: &u32, rs: Vec<Rec>| vec![(*k, rs.len()), (*k + 1000, rs.iter().map(|r| r.idx).sum::<usize>())])
            -> collect()
    }
    .parallelism(4)
    .run()
    .unwrap();
    let groups = group(&data, |r| r.idx);
    let mut expected: Vec<(u32, usize)> = Vec::new();
    for (k, v) in &groups {
        expected.push((*k, v.len()));
        expected.push((*k + 1000, v.iter().sum()));
    }
    assert_eq!(sorted(out), sorted(expected));

    let order = pipeline! {
        from_collection(data.clone())
            -> key_by(|r: &Rec| r.key)
            -> reduce_group(|k: &u32, rs: Vec<Rec>| std::iter::once((*k, rs.into_iter().map(|r| r.idx).collect::<Vec<_>>())))
            -> collect()
    }
    .parallelism(4)
    .run()
    .unwrap();
    let expected: Vec<(u32, Vec<usize>)> = groups.into_iter().collect();
    assert_eq!(sorted(order), expected);
}

#[test]
fn keyed_distinct_keeps_the_first_record_per_key() {
    let data = records(N);
    let out = pipeline! {
        from_collection(data.clone()) -> key_by(|r: &Rec| r.key) -> distinct() -> collect()
    }
    .parallelism(4)
    .run()
    .unwrap();
    let mut expected: BTreeMap<u32, Rec> = BTreeMap::new();
    for r in &data {
        expected.entry(r.key).or_insert_with(|| r.clone());
    }
    let mut out = out;
    out.sort_by_key(|r| r.key);
    assert_eq!(out, expected.into_values().collect::<Vec<_>>());
}

/// More distinct keys than a combiner's local table holds, so that combiners spill, pass records
/// through and compact: results, and the input order that order-sensitive operators see, stay
/// the same.
#[test]
fn keyed_aggregations_over_many_distinct_keys() {
    // 65,000 keys (a combiner's local table holds 57,344), each of two records far apart.
    const RECORDS: u64 = 130_000;
    const KEYS: u64 = 65_000;
    let key = |i: u64| (i * 7919) % KEYS;
    let mut groups: HashMap<u64, Vec<u64>> = HashMap::new();
    for i in 0..RECORDS {
        groups.entry(key(i)).or_default().push(i);
    }
    assert_eq!(groups.len() as u64, KEYS);
    let exp_firsts: Vec<u64> = sorted(
        groups
            .values()
            .flat_map(|v| v.iter().take(1).copied())
            .collect(),
    );
    // (first, last) of each key: associative, not commutative, so only right in input order.
    let exp_ends: Vec<(u64, (u64, u64))> = sorted(
        groups
            .iter()
            .map(|(k, v)| (*k, (v[0], *v.last().unwrap())))
            .collect(),
    );
    // At parallelism 1 one combiner sees every key, more than its table holds.
    for p in [1, 3] {
        let (counts, firsts, mins, ends) = pipeline! {
            let xs = range(0..RECORDS);
            xs -> key_by(|i: &u64| key(*i)) -> count() -> collect::<HashMap<_, _>>();
            xs -> key_by(|i: &u64| key(*i)) -> first(1) -> collect();
            // Every record of a key has the same parity: all tie, the first wins.
            xs -> key_by(|i: &u64| key(*i)) -> min_by(|i: &u64| i % 2) -> collect();
            xs -> map(|i: u64| (i, i)) -> key_by(|p: &(u64, u64)| key(p.0)) -> reduce(|a: (u64, u64), b: (u64, u64)| (a.0, b.1)) -> collect();
        }
        .parallelism(p)
        .run()
        .unwrap();
        assert_eq!(counts.len() as u64, KEYS, "parallelism {p}");
        for (k, v) in &groups {
            assert_eq!(
                counts[k],
                v.len() as u64,
                "count of key {k}, parallelism {p}"
            );
        }
        assert!(sorted(firsts) == exp_firsts, "first(1) at parallelism {p}");
        assert!(sorted(mins) == exp_firsts, "min_by at parallelism {p}");
        assert!(sorted(ends) == exp_ends, "reduce at parallelism {p}");
    }
}

#[test]
fn keyed_aggregation_then_more_operators_then_another_aggregation() {
    let data = records(N);
    let min_count = 500u64;
    let out = pipeline! {
        from_collection(data.clone())
            -> key_by(|r: &Rec| r.key)
            -> count()
            -> filter(|(_, n): &(u32, u64)| *n >= min_count)
            -> key_by(|(k, _): &(u32, u64)| k % 3)
            -> sum(|(_, n): &(u32, u64)| *n)
            -> collect()
    }
    .parallelism(4)
    .run()
    .unwrap();
    let counts = group(&data, |_| ());
    let mut expected: BTreeMap<u32, u64> = BTreeMap::new();
    for (k, v) in counts {
        if v.len() as u64 >= min_count {
            *expected.entry(k % 3).or_default() += v.len() as u64;
        }
    }
    assert_eq!(sorted(out), expected.into_iter().collect::<Vec<_>>());
}

#[test]
fn keyed_by_a_string_key() {
    let data = records(N);
    let out = pipeline! {
        from_collection(data.clone())
            -> key_by(|r: &Rec| format!("key-{}", r.key % 8))
            -> sum(|r: &Rec| r.value)
            -> collect::<HashMap<_, _>>()
    }
    .parallelism(4)
    .run()
    .unwrap();
    let mut expected: HashMap<String, i64> = HashMap::new();
    for r in &data {
        *expected.entry(format!("key-{}", r.key % 8)).or_default() += r.value;
    }
    assert_eq!(out, expected);
}

// ---------------------------------------------------------------------------------------------
// Global aggregations
// ---------------------------------------------------------------------------------------------

#[test]
fn global_aggregations_as_sinks() {
    let data = records(N);
    let (count, sum, min, max, avg, stats, reduce, fold2, fold3, min_by, max_by, first) = pipeline! {
        let rs = from_collection(data.clone());
        rs -> count();
        rs -> sum(|r: &Rec| r.value);
        rs -> min(|r: &Rec| r.value);
        rs -> max(|r: &Rec| r.value);
        rs -> avg(|r: &Rec| r.value);
        rs -> statistics(|r: &Rec| r.value);
        rs -> map(|r: Rec| r.value) -> reduce(|a: i64, b: i64| a + b);
        rs -> fold(String::new(), |acc: String, r: Rec| if r.idx < 50 { acc + &r.idx.to_string() + "," } else { acc });
        rs -> fold(0i64, |acc: i64, r: Rec| acc + r.value, |a: i64, b: i64| a + b, identity = 0);
        rs -> min_by(|r: &Rec| r.value);
        rs -> max_by(|r: &Rec| r.value);
        rs -> first(7);
    }
    .parallelism(4)
    .run()
    .unwrap();
    let vs: Vec<i64> = data.iter().map(|r| r.value).collect();
    assert_eq!(count, data.len() as u64);
    assert_eq!(sum, vs.iter().sum::<i64>());
    assert_eq!(min, vs.iter().min().copied());
    assert_eq!(max, vs.iter().max().copied());
    assert!(close(avg.unwrap(), mean(&vs)));
    assert_eq!(stats.count, vs.len() as u64);
    assert!(close(stats.mean, mean(&vs)));
    assert!(close(stats.std_dev(), pop_std_dev(&vs)));
    assert_eq!(stats.min, *vs.iter().min().unwrap() as f64);
    assert_eq!(stats.max, *vs.iter().max().unwrap() as f64);
    assert_eq!(reduce, Some(vs.iter().sum::<i64>()));
    let exp_fold: String = (0..50).map(|i| format!("{i},")).collect();
    assert_eq!(fold2, exp_fold);
    assert_eq!(fold3, vs.iter().sum::<i64>());
    let lo = *vs.iter().min().unwrap();
    let hi = *vs.iter().max().unwrap();
    assert_eq!(min_by.as_ref(), data.iter().find(|r| r.value == lo));
    assert_eq!(max_by.as_ref(), data.iter().find(|r| r.value == hi));
    assert_eq!(first, data[..7].to_vec());
}

#[test]
fn global_aggregations_of_the_record_itself() {
    let (sum, min, max, avg, stats) = pipeline! {
        let xs = range(1u64..=1000);
        xs -> sum();
        xs -> min();
        xs -> max();
        xs -> avg();
        xs -> statistics();
    }
    .parallelism(4)
    .run()
    .unwrap();
    assert_eq!(sum, (1..=1000u64).sum::<u64>());
    assert_eq!(min, Some(1));
    assert_eq!(max, Some(1000));
    assert!(close(avg.unwrap(), 500.5));
    assert_eq!(stats.count, 1000);
    assert_eq!((stats.min, stats.max), (1.0, 1000.0));
}

#[test]
fn global_aggregate_sink() {
    let data = records(N);
    let (n, s, lo, hi, first_max) = pipeline! {
        from_collection(data.clone())
            -> aggregate(count(), sum(|r: &Rec| r.value), min(|r: &Rec| r.value), max(|r: &Rec| r.value), max_by(|r: &Rec| r.value))
    }
    .parallelism(4)
    .run()
    .unwrap();
    let vs: Vec<i64> = data.iter().map(|r| r.value).collect();
    assert_eq!(n, data.len() as u64);
    assert_eq!(s, vs.iter().sum::<i64>());
    assert_eq!(lo, vs.iter().min().copied());
    assert_eq!(hi, vs.iter().max().copied());
    let m = *vs.iter().max().unwrap();
    assert_eq!(first_max.as_ref(), data.iter().find(|r| r.value == m));
}

#[test]
fn global_aggregations_on_empty_input() {
    let empty: Vec<i64> = Vec::new();
    let (count, sum, min, max, avg, stats, reduce, fold2, fold3, min_by, first) = pipeline! {
        let xs = from_collection(empty.clone());
        xs -> count();
        xs -> sum();
        xs -> min();
        xs -> max(|x: &i64| *x * 2);
        xs -> avg();
        xs -> statistics();
        xs -> reduce(|a: i64, b: i64| a + b);
        xs -> fold(41i64, |a: i64, x: i64| a + x);
        xs -> fold(42i64, |a: i64, x: i64| a + x, |a: i64, b: i64| a + b, identity = 0);
        xs -> min_by(|x: &i64| *x);
        xs -> first(3);
    }
    .parallelism(4)
    .run()
    .unwrap();
    assert_eq!(count, 0);
    assert_eq!(sum, 0);
    assert_eq!(min, None);
    assert_eq!(max, None);
    assert_eq!(avg, None);
    assert_eq!(stats.count, 0);
    assert_eq!(reduce, None);
    assert_eq!(fold2, 41);
    assert_eq!(fold3, 42);
    assert_eq!(min_by, None);
    assert!(first.is_empty());
}

#[test]
fn global_aggregations_mid_chain() {
    let data = records(N);
    let (doubled, max_plus, stats_n, firsts, none, agg) = pipeline! {
        let rs = from_collection(data.clone());
        rs -> count() -> map(|n: u64| n * 2) -> collect();
        rs -> max(|r: &Rec| r.value) -> map(|m: i64| m + 1) -> collect();
        rs -> statistics(|r: &Rec| r.value) -> map(|s: Statistics| s.count) -> collect();
        rs -> first(3) -> map(|r: Rec| r.idx) -> collect();
        rs -> filter(|r: &Rec| r.value > 10_000) -> min(|r: &Rec| r.value) -> collect();
        rs -> aggregate(count(), sum(|r: &Rec| r.value)) -> map(|(n, s): (u64, i64)| s - n as i64) -> collect();
    }
    .parallelism(4)
    .run()
    .unwrap();
    assert_eq!(doubled, vec![data.len() as u64 * 2]);
    assert_eq!(
        max_plus,
        vec![data.iter().map(|r| r.value).max().unwrap() + 1]
    );
    assert_eq!(stats_n, vec![data.len() as u64]);
    assert_eq!(firsts, vec![0, 1, 2]);
    assert!(none.is_empty(), "{none:?}");
    assert_eq!(
        agg,
        vec![data.iter().map(|r| r.value).sum::<i64>() - data.len() as i64]
    );
}

#[test]
fn global_count_mid_chain_on_empty_input_yields_zero() {
    let out = pipeline! {
        range(0u32..0) -> count() -> map(|n: u64| n + 100) -> collect()
    }
    .run()
    .unwrap();
    assert_eq!(out, vec![100]);
}

#[test]
fn global_distinct() {
    let data = records(N);
    let (values, pairs) = pipeline! {
        let rs = from_collection(data.clone());
        rs -> map(|r: Rec| r.value) -> distinct() -> collect();
        rs -> map(|r: Rec| (r.key, r.value.rem_euclid(3))) -> distinct() -> collect();
    }
    .parallelism(4)
    .run()
    .unwrap();
    let exp: BTreeSet<i64> = data.iter().map(|r| r.value).collect();
    assert_eq!(sorted(values), exp.into_iter().collect::<Vec<_>>());
    let exp: BTreeSet<(u32, i64)> = data
        .iter()
        .map(|r| (r.key, r.value.rem_euclid(3)))
        .collect();
    assert_eq!(sorted(pairs), exp.into_iter().collect::<Vec<_>>());
}

// ---------------------------------------------------------------------------------------------
// Exchanges
// ---------------------------------------------------------------------------------------------

#[test]
fn rebalance_splits_evenly_and_keeps_order() {
    let data = records(N);
    let (sizes, all, mapped) = pipeline! {
        #![parallelism = 3]
        let kept = from_collection(data.clone()) -> filter(|r: &Rec| r.key < 20);
        kept -> rebalance() -> map_partition(|it: std::vec::IntoIter<Rec>| std::iter::once(it.count())) -> collect();
        kept -> rebalance() -> collect();
        kept -> rebalance() -> map(|r: Rec| r.idx) -> collect();
    }
    .run()
    .unwrap();
    let expected: Vec<Rec> = data.iter().filter(|r| r.key < 20).cloned().collect();
    let n = expected.len();
    assert_eq!(sizes.len(), 3);
    assert_eq!(sizes.iter().sum::<usize>(), n);
    let (base, extra) = (n / 3, n % 3);
    let exp_sizes: Vec<usize> = (0..3).map(|p| base + usize::from(p < extra)).collect();
    assert_eq!(sizes, exp_sizes);
    assert_eq!(all, expected);
    assert_eq!(mapped, expected.iter().map(|r| r.idx).collect::<Vec<_>>());
}

#[test]
fn partition_by_hash_then_map_partition_sees_whole_keys() {
    let data = records(N);
    let parts = pipeline! {
        from_collection(data.clone())
            -> partition_by_hash(|r: &Rec| r.key)
            -> map_partition(|it: std::vec::IntoIter<Rec>| std::iter::once(it.collect::<Vec<Rec>>()))
            -> collect()
    }
    .parallelism(4)
    .run()
    .unwrap();
    assert_eq!(parts.len(), 4, "one partition per worker");
    // Every key lives in exactly one partition.
    let mut owner: HashMap<u32, usize> = HashMap::new();
    for (p, part) in parts.iter().enumerate() {
        for r in part {
            let o = *owner.entry(r.key).or_insert(p);
            assert_eq!(o, p, "key {} in partitions {o} and {p}", r.key);
        }
        // Input order is kept within a partition.
        assert!(part.windows(2).all(|w| w[0].idx < w[1].idx));
    }
    assert_eq!(owner.len(), 37);
    let mut all: Vec<usize> = parts.iter().flatten().map(|r| r.idx).collect();
    all.sort();
    assert_eq!(all, (0..data.len()).collect::<Vec<_>>());
}

#[test]
fn map_partition_counts_per_key_locally() {
    // A per-partition aggregation after partition_by_hash equals the global keyed count.
    let data = records(N);
    let out = pipeline! {
        from_collection(data.clone())
            -> partition_by_hash(|r: &Rec| r.key % 10)
            -> map_partition(|it: std::vec::IntoIter<Rec>| {
                let mut m: BTreeMap<u32, u64> = BTreeMap::new();
                for r in it { *m.entry(r.key % 10).or_default() += 1; }
                m
            })
            -> collect()
    }
    .parallelism(4)
    .run()
    .unwrap();
    let mut expected: BTreeMap<u32, u64> = BTreeMap::new();
    for r in &data {
        *expected.entry(r.key % 10).or_default() += 1;
    }
    assert_eq!(sorted(out), expected.into_iter().collect::<Vec<_>>());
}

#[test]
fn map_partition_without_a_preceding_exchange() {
    let data = records(N);
    let out = pipeline! {
        from_collection(data.clone())
            -> map_partition(|it: std::vec::IntoIter<Rec>| it.map(|r| r.value).filter(|v| *v > 0))
            -> collect()
    }
    .parallelism(4)
    .run()
    .unwrap();
    let expected: Vec<i64> = data.iter().map(|r| r.value).filter(|v| *v > 0).collect();
    assert_eq!(out, expected);
}

#[test]
fn partition_by_hash_then_collect_and_keyed_aggregation() {
    let data = records(N);
    let (all, sums) = pipeline! {
        let parts = from_collection(data.clone()) -> partition_by_hash(|r: &Rec| r.key);
        parts -> map(|r: Rec| r.idx) -> collect();
        parts -> key_by(|r: &Rec| r.key) -> sum(|r: &Rec| r.value) -> collect();
    }
    .parallelism(4)
    .run()
    .unwrap();
    assert_eq!(sorted(all), (0..data.len()).collect::<Vec<_>>());
    let expected: Vec<(u32, i64)> = group(&data, |r| r.value)
        .into_iter()
        .map(|(k, v)| (k, v.iter().sum()))
        .collect();
    assert_eq!(sorted(sums), expected);
}

// ---------------------------------------------------------------------------------------------
// Sinks
// ---------------------------------------------------------------------------------------------

#[test]
fn collect_preserves_order_at_parallelism_4() {
    let data: Vec<u64> = (0..100_000).collect();
    let out = pipeline! {
        from_collection(data.clone())
            -> map(|x: u64| x * 3)
            -> filter(|x: &u64| !x.is_multiple_of(7))
            -> collect()
    }
    .parallelism(4)
    .run()
    .unwrap();
    let expected: Vec<u64> = data.iter().map(|x| x * 3).filter(|x| x % 7 != 0).collect();
    assert_eq!(out, expected);
}

#[test]
fn collect_into_maps_and_sets() {
    let data = records(N);
    let (hash, btree, set) = pipeline! {
        let counts = from_collection(data.clone()) -> key_by(|r: &Rec| r.key) -> count();
        counts -> collect::<HashMap<_, _>>();
        counts -> collect::<BTreeMap<u32, u64>>();
        counts -> map(|(k, _): (u32, u64)| k) -> collect::<BTreeSet<_>>();
    }
    .parallelism(4)
    .run()
    .unwrap();
    let expected: BTreeMap<u32, u64> = group(&data, |_| ())
        .into_iter()
        .map(|(k, v)| (k, v.len() as u64))
        .collect();
    assert_eq!(btree, expected);
    assert_eq!(
        hash,
        expected.clone().into_iter().collect::<HashMap<_, _>>()
    );
    assert_eq!(set, expected.keys().copied().collect::<BTreeSet<_>>());
}

#[test]
fn print_runs() {
    let data = vec![(1, "one"), (2, "two")];
    let ((), n, ()) = pipeline! {
        let xs = from_collection(data.clone());
        xs -> print();
        xs -> count();
        xs -> key_by(|p: &(i32, &str)| p.0) -> count() -> print();
    }
    .run()
    .unwrap();
    assert_eq!(n, 2);
}

#[test]
fn for_each_sees_every_record() {
    let data = records(N);
    let seen = Mutex::new(Vec::new());
    let total = AtomicI64::new(0);
    let () = pipeline! {
        from_collection(data.clone())
            -> for_each(|r: Rec| { total.fetch_add(r.value, Ordering::Relaxed); seen.lock().unwrap().push(r.idx); })
    }
    .parallelism(4)
    .run()
    .unwrap();
    assert_eq!(
        total.load(Ordering::Relaxed),
        data.iter().map(|r| r.value).sum::<i64>()
    );
    assert_eq!(
        sorted(seen.into_inner().unwrap()),
        (0..data.len()).collect::<Vec<_>>()
    );
}

#[test]
fn write_text_writes_lines_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.txt");
    let path_str = path.to_str().unwrap().to_string();
    let data = records(N);
    let written = pipeline! {
        from_collection(data.clone())
            -> filter(|r: &Rec| r.key != 3)
            -> map(|r: Rec| format!("{}\t{}", r.idx, r.value))
            -> write_text(&path_str)
    }
    .parallelism(4)
    .run()
    .unwrap();
    let expected: String = data
        .iter()
        .filter(|r| r.key != 3)
        .map(|r| format!("{}\t{}\n", r.idx, r.value))
        .collect();
    assert_eq!(written, expected.lines().count() as u64);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
    // Only the output is left in the directory: no temporary part files.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("out.txt")]);
}

#[test]
fn write_text_of_keyed_results_and_of_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let counts_path = dir.path().join("counts.txt");
    let empty_path = dir.path().join("empty.txt");
    let data = records(N);
    let (n, zero) = pipeline! {
        let rs = from_collection(data.clone());
        rs -> key_by(|r: &Rec| r.key) -> count() -> map(|(k, n): (u32, u64)| format!("{k}={n}")) -> write_text(&counts_path);
        rs -> filter(|_r: &Rec| false) -> map(|r: Rec| r.idx) -> write_text(&empty_path);
    }
    .parallelism(4)
    .run()
    .unwrap();
    let mut lines: Vec<String> = std::fs::read_to_string(&counts_path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    lines.sort();
    let mut expected: Vec<String> = group(&data, |_| ())
        .into_iter()
        .map(|(k, v)| format!("{k}={}", v.len()))
        .collect();
    expected.sort();
    assert_eq!(n, 37);
    assert_eq!(lines, expected);
    assert_eq!(zero, 0);
    assert_eq!(std::fs::read_to_string(&empty_path).unwrap(), "");
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
struct Row {
    id: usize,
    name: String,
    score: f64,
    note: Option<String>,
}

#[test]
fn write_csv_has_one_header_and_rows_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.csv");
    let data = records(N);
    let written = pipeline! {
        from_collection(data.clone())
            -> map(|r: Rec| Row { id: r.idx, name: format!("n,{}", r.key), score: r.value as f64 / 4.0, note: if r.key.is_multiple_of(2) { Some("even".to_string()) } else { None } })
            -> write_csv(&path)
    }
    .parallelism(4)
    .run()
    .unwrap();
    assert_eq!(written, data.len() as u64);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut expected = String::from("id,name,score,note\n");
    for r in &data {
        let score = r.value as f64 / 4.0;
        let note = if r.key % 2 == 0 { "even" } else { "" };
        expected.push_str(&format!("{},\"n,{}\",{score:?},{note}\n", r.idx, r.key));
    }
    assert_eq!(text.matches("id,name,score,note").count(), 1);
    assert_eq!(text, expected);
}

#[test]
fn write_csv_without_header_and_with_a_delimiter() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.csv");
    let data = records(N);
    let written = pipeline! {
        from_collection(data.clone()) -> write_csv(&path, header = false, delimiter = b';')
    }
    .parallelism(4)
    .run()
    .unwrap();
    assert_eq!(written, data.len() as u64);
    let text = std::fs::read_to_string(&path).unwrap();
    let expected: String = data
        .iter()
        .map(|r| format!("{};{};{}\n", r.idx, r.key, r.value))
        .collect();
    assert_eq!(text, expected);
}

#[test]
fn write_csv_of_tuples_has_no_header() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pairs.csv");
    let written = pipeline! {
        range(0u32..10_000) -> map(|x: u32| (x, x * 2)) -> write_csv(&path)
    }
    .parallelism(4)
    .run()
    .unwrap();
    assert_eq!(written, 10_000);
    let expected: String = (0..10_000u32).map(|x| format!("{x},{}\n", x * 2)).collect();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
}

#[test]
fn count_sink() {
    let data = records(N);
    let n = pipeline! {
        from_collection(data.clone()) -> filter(|r: &Rec| r.value < 0) -> count()
    }
    .parallelism(4)
    .run()
    .unwrap();
    assert_eq!(n, data.iter().filter(|r| r.value < 0).count() as u64);
}

#[test]
fn several_sinks_return_a_tuple_in_statement_order() {
    let data = records(N);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("values.txt");
    let (a, b, c, d, e) = pipeline! {
        let rs = from_collection(data.clone());
        rs -> map(|r: Rec| r.idx) -> collect();
        rs -> count();
        rs -> map(|r: Rec| r.value.to_string()) -> collect();
        rs -> map(|r: Rec| r.value) -> write_text(&path);
        rs -> key_by(|r: &Rec| r.key) -> count() -> count();
    }
    .parallelism(4)
    .run()
    .unwrap();
    assert_eq!(a, (0..data.len()).collect::<Vec<_>>());
    assert_eq!(b, data.len() as u64);
    assert_eq!(
        c,
        data.iter().map(|r| r.value.to_string()).collect::<Vec<_>>()
    );
    assert_eq!(d, data.len() as u64);
    assert_eq!(e, 37);
}

#[test]
fn a_named_data_set_feeds_three_chains() {
    let data = records(N);
    let (evens, sums, total) = pipeline! {
        let rs = from_collection(data.clone()) -> map(|r: Rec| (r.key, r.value)) -> filter(|p: &(u32, i64)| p.1 != 0);
        rs -> filter(|p: &(u32, i64)| p.1 % 2 == 0) -> collect();
        rs -> key_by(|p: &(u32, i64)| p.0) -> sum(|p: &(u32, i64)| p.1) -> collect();
        rs -> map(|p: (u32, i64)| p.1.abs()) -> sum();
    }
    .parallelism(4)
    .run()
    .unwrap();
    let base: Vec<(u32, i64)> = data
        .iter()
        .map(|r| (r.key, r.value))
        .filter(|p| p.1 != 0)
        .collect();
    assert_eq!(
        evens,
        base.iter()
            .filter(|p| p.1 % 2 == 0)
            .copied()
            .collect::<Vec<_>>()
    );
    let mut exp: BTreeMap<u32, i64> = BTreeMap::new();
    for (k, v) in &base {
        *exp.entry(*k).or_default() += v;
    }
    assert_eq!(sorted(sums), exp.into_iter().collect::<Vec<_>>());
    assert_eq!(total, base.iter().map(|p| p.1.abs()).sum::<i64>());
}

#[test]
fn named_data_sets_chained() {
    let data = records(N);
    let (a, b) = pipeline! {
        let rs = from_collection(data.clone());
        let positive = rs -> filter(|r: &Rec| r.value > 0);
        let counts = positive -> key_by(|r: &Rec| r.key) -> count();
        counts -> collect();
        positive -> count();
    }
    .parallelism(4)
    .run()
    .unwrap();
    let positive: Vec<Rec> = data.iter().filter(|r| r.value > 0).cloned().collect();
    let exp: Vec<(u32, u64)> = group(&positive, |_| ())
        .into_iter()
        .map(|(k, v)| (k, v.len() as u64))
        .collect();
    assert_eq!(sorted(a), exp);
    assert_eq!(b, positive.len() as u64);
}

// ---------------------------------------------------------------------------------------------
// The job: explain, metrics, parallelism
// ---------------------------------------------------------------------------------------------

#[test]
fn explain_mentions_stages_fusion_combiners_and_exchanges() {
    let data = records(100);
    // Each closure records the line it is written on, which is the line of its operator.
    let lines: [AtomicU32; 3] = Default::default();
    let at = |i: usize, line: u32| lines[i].store(line, Ordering::Relaxed);
    let job = pipeline! {
        from_collection(data.clone()) -> map(|r: Rec| { at(0, line!()); r })
            -> filter(|r: &Rec| { at(1, line!()); r.value > 0 })
            -> key_by(|r: &Rec| { at(2, line!()); r.key }) -> count() -> collect()
    };
    let text = job.explain();
    let out = job.run().unwrap();
    let [l_src, l_filter, l_key] = lines.map(|l| l.into_inner());
    let (l_map, l_count) = (l_src, l_key);
    assert!(text.contains("Stage 1"), "{text}");
    assert!(text.contains("Stage 2"), "{text}");
    assert!(text.contains("fused"), "{text}");
    assert!(text.contains("combiner"), "{text}");
    assert!(text.contains("exchange"), "{text}");
    for (name, line) in [
        ("from_collection", l_src),
        ("map", l_map),
        ("filter", l_filter),
        ("key_by", l_key),
        ("count", l_count),
    ] {
        assert!(
            text.contains(&format!("{name}@{line}:")),
            "{name}@{line} missing:\n{text}"
        );
    }
    assert!(text.contains("collect"), "{text}");
    assert_eq!(
        sorted(out),
        group(&data, |r| r.value)
            .into_iter()
            .map(|(k, v)| (k, v.iter().filter(|&&x| x > 0).count() as u64))
            .filter(|p| p.1 > 0)
            .collect::<Vec<_>>()
    );
}

#[test]
fn explain_shows_forks_and_repartitions() {
    let job = pipeline! {
        let xs = range(0..100) -> map(|x: i32| x + 1);
        xs -> rebalance() -> collect();
        xs -> partition_by_hash(|x: &i32| *x) -> collect();
        xs -> key_by(|x: &i32| x % 2) -> reduce_group(|_k: &i32, v: Vec<i32>| v) -> collect();
    };
    let text = job.explain();
    for word in [
        "fork",
        "rebalance",
        "partition_by_hash",
        "reduce_group",
        "Stage 4",
    ] {
        assert!(text.contains(word), "{word} missing:\n{text}");
    }
    assert!(
        text.contains("no combiner"),
        "reduce_group has no combiner:\n{text}"
    );
}

#[test]
fn run_with_metrics_counts_records_per_source() {
    let data = records(N);
    let small = [1, 2, 3];
    let ((a, b), metrics) = pipeline! {
        from_collection(data.clone()) -> filter(|r: &Rec| r.key == 1) -> count();
        range(0u64..12_345) -> map(|x: u64| x + small.len() as u64) -> count();
    }
    .parallelism(4)
    .run_with_metrics()
    .unwrap();
    assert_eq!(a, data.iter().filter(|r| r.key == 1).count() as u64);
    assert_eq!(b, 12_345);
    assert_eq!(metrics.sources.len(), 2, "{metrics:?}");
    let by_name: HashMap<String, u64> = metrics
        .sources
        .iter()
        .map(|s| (s.source.split('@').next().unwrap().to_string(), s.records))
        .collect();
    assert_eq!(by_name["from_collection"], data.len() as u64);
    assert_eq!(by_name["range"], 12_345);
    assert_eq!(metrics.records_read(), data.len() as u64 + 12_345);
    assert_eq!(metrics.skipped(), 0);
    assert_eq!(metrics.parallelism, 4);
}

#[test]
fn parallelism_option_is_honoured() {
    let threads = Mutex::new(BTreeSet::new());
    let job = pipeline! {
        #![parallelism = 3]
        range(0u32..50_000) -> inspect(|_x: &u32| { threads.lock().unwrap().insert(rayon::current_num_threads()); }) -> count()
    };
    assert_eq!(job.effective_parallelism(), 3);
    assert!(job.explain().contains("parallelism 3"), "{}", job.explain());
    let (n, metrics) = job.run_with_metrics().unwrap();
    assert_eq!(n, 50_000);
    assert_eq!(metrics.parallelism, 3);
    assert_eq!(
        threads.into_inner().unwrap(),
        BTreeSet::from([3]),
        "the job runs on a pool of 3 threads"
    );

    // `.parallelism(n)` overrides the option.
    let job = pipeline! {
        #![parallelism = 3]
        range(0u32..10) -> count()
    }
    .parallelism(5);
    assert_eq!(job.effective_parallelism(), 5);
    assert_eq!(job.run().unwrap(), 10);

    // A parallelism given by an expression.
    let p = 2;
    let job = pipeline! {
        #![parallelism = p * 3]
        range(0u32..10) -> count()
    };
    assert_eq!(job.effective_parallelism(), 6);
}

#[test]
fn parallelism_zero_is_clamped_to_one() {
    let job = pipeline! { range(0u32..10) -> rebalance() -> collect() }.parallelism(0);
    assert_eq!(job.effective_parallelism(), 1);
    let (out, metrics) = job.run_with_metrics().unwrap();
    assert_eq!(out, (0..10).collect::<Vec<_>>());
    assert_eq!(metrics.parallelism, 1);
}

#[test]
fn parallelism_option_zero_is_clamped_to_one() {
    let job = pipeline! {
        #![parallelism = 0]
        range(0u32..10) -> count()
    };
    assert_eq!(job.effective_parallelism(), 1);
    let (n, metrics) = job.run_with_metrics().unwrap();
    assert_eq!(n, 10);
    assert_eq!(metrics.parallelism, 1);
}

#[test]
fn results_do_not_depend_on_parallelism() {
    let data = records(N);
    let run = |p: usize| {
        let (ordered, mut keyed, stats) = pipeline! {
            let rs = from_collection(data.clone());
            rs -> flat_map(|r: Rec| vec![r.value; (r.key % 3) as usize]) -> collect();
            rs -> key_by(|r: &Rec| r.key) -> aggregate(count(), sum(|r: &Rec| r.value), min_by(|r: &Rec| r.value)) -> collect();
            rs -> statistics(|r: &Rec| r.value);
        }
        .parallelism(p)
        .run()
        .unwrap();
        keyed.sort_by_key(|p| p.0);
        (ordered, keyed, stats.count, stats.min, stats.max)
    };
    let one = run(1);
    for p in [2, 3, 8] {
        assert_eq!(run(p), one, "parallelism {p}");
    }
}
