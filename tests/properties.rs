//! Property tests: random records and random parameters (captured locals) through several
//! pipeline shapes, each compared with a plain sequential implementation, and each run at
//! parallelism 1, 2 and 7 with identical results (element-wise results in identical order,
//! keyed results compared sorted).
//!
//! Inputs are either small (edge cases: empty, one record, few keys) or just above the size
//! an in-memory source hands to one task (4096 records), so that the parallel runs really
//! split the input and merge partial results.

use dataflow::prelude::*;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

type Rec = (u8, i32);

const PARALLELISM: [usize; 3] = [1, 2, 7];

/// Deterministic pseudo-random records, `n` of them, with keys below `keys`.
fn generate(seed: u64, n: usize, keys: u8) -> Vec<Rec> {
    let mut state = seed | 1;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let key = (state % keys as u64) as u8;
            let value = ((state >> 24) % 2001) as i32 - 1000;
            (key, value)
        })
        .collect()
}

fn records() -> impl Strategy<Value = Vec<Rec>> {
    prop_oneof![
        2 => prop::collection::vec((0u8..8, -50i32..50), 0..24),
        1 => prop::collection::vec(any::<Rec>(), 0..24),
        1 => (any::<u64>(), 4_000usize..14_000, 1u8..=255).prop_map(|(s, n, k)| generate(s, n, k)),
    ]
}

/// The locals the pipelines capture.
#[derive(Clone, Copy, Debug)]
struct Params {
    multiplier: i64,
    modulus: i64,
    threshold: i64,
    op: u8,
    n: usize,
}

fn params() -> impl Strategy<Value = Params> {
    (-4i64..=4, 1i64..=9, -1200i64..=1200, 0u8..4, 0usize..5).prop_map(
        |(multiplier, modulus, threshold, op, n)| Params {
            multiplier,
            modulus,
            threshold,
            op,
            n,
        },
    )
}

/// The binary operation the `op` selector picks (associative, as `reduce` requires).
fn combine(op: u8, a: i64, b: i64) -> i64 {
    match op {
        0 => a.wrapping_add(b),
        1 => a.max(b),
        2 => a.min(b),
        _ => a ^ b,
    }
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 64,
        // Keep failing inputs in the report, not in files beside the tests.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

fn group_by<K: Ord, V>(items: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, Vec<V>> {
    let mut m: BTreeMap<K, Vec<V>> = BTreeMap::new();
    for (k, v) in items {
        m.entry(k).or_default().push(v);
    }
    m
}

proptest! {
    #![proptest_config(config())]

    /// map -> filter -> flat_map -> filter_map: the same records in the same order.
    #[test]
    fn element_wise_chains(data in records(), p in params()) {
        let Params { multiplier, modulus, threshold, op, .. } = p;
        let expected: Vec<i64> = data
            .iter()
            .map(|&(k, v)| (k, combine(op, v as i64, multiplier)))
            .filter(|(_, v)| *v > threshold)
            .flat_map(|(k, v)| (0..(k % 3) as i64).map(move |i| v * multiplier + i))
            .filter_map(|v| if v.rem_euclid(modulus) == 0 { None } else { Some(v * 2) })
            .collect();
        for par in PARALLELISM {
            let out = pipeline! {
                from_collection(data.clone())
                    -> map(|(k, v): Rec| (k, combine(op, v as i64, multiplier)))
                    -> filter(|(_, v): &(u8, i64)| *v > threshold)
                    -> flat_map(|(k, v): (u8, i64)| (0..(k % 3) as i64).map(move |i| v * multiplier + i))
                    -> filter_map(|v: i64| if v.rem_euclid(modulus) == 0 { None } else { Some(v * 2) })
                    -> collect()
            }
            .parallelism(par)
            .run()
            .unwrap();
            prop_assert_eq!(&out, &expected, "parallelism {}", par);
        }
    }

    /// The same chain over a borrowed collection, with inspect counting what passes.
    #[test]
    fn element_wise_over_references(data in records(), p in params()) {
        let Params { threshold, modulus, .. } = p;
        let expected: Vec<(u8, i32)> = data
            .iter()
            .filter(|r| (r.1 as i64) < threshold)
            .map(|r| (r.0, r.1 / modulus as i32))
            .collect();
        for par in PARALLELISM {
            let seen = std::sync::atomic::AtomicUsize::new(0);
            let out = pipeline! {
                from_collection(&data)
                    -> filter(|r: &&Rec| (r.1 as i64) < threshold)
                    -> inspect(|_r: &&Rec| { seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed); })
                    -> map(|r: &Rec| (r.0, r.1 / modulus as i32))
                    -> collect()
            }
            .parallelism(par)
            .run()
            .unwrap();
            prop_assert_eq!(&out, &expected, "parallelism {}", par);
            prop_assert_eq!(seen.into_inner(), expected.len());
        }
    }

    /// Keyed count, sum, min, max, reduce and fold (with a merge function).
    #[test]
    fn keyed_aggregations(data in records(), p in params()) {
        let Params { multiplier, modulus, op, .. } = p;
        let key = |k: u8| k as i64 % modulus;
        let groups = group_by(data.iter().map(|&(k, v)| (key(k), v as i64 * multiplier)));
        let exp_count: Vec<(i64, u64)> = groups.iter().map(|(k, v)| (*k, v.len() as u64)).collect();
        let exp_sum: Vec<(i64, i64)> = groups.iter().map(|(k, v)| (*k, v.iter().sum())).collect();
        let exp_min: Vec<(i64, i64)> = groups.iter().map(|(k, v)| (*k, *v.iter().min().unwrap())).collect();
        let exp_max: Vec<(i64, i64)> = groups.iter().map(|(k, v)| (*k, *v.iter().max().unwrap())).collect();
        let exp_reduce: Vec<(i64, i64)> = groups
            .iter()
            .map(|(k, v)| (*k, v.iter().copied().reduce(|a, b| combine(op, a, b)).unwrap()))
            .collect();
        let exp_fold: Vec<(i64, (i64, u64))> = groups
            .iter()
            .map(|(k, v)| (*k, (v.iter().map(|x| x.abs()).sum(), v.len() as u64)))
            .collect();
        for par in PARALLELISM {
            let (count, sum, min, max, reduce, fold) = pipeline! {
                let xs = from_collection(data.clone()) -> map(|(k, v): Rec| (k as i64 % modulus, v as i64 * multiplier));
                xs -> key_by(|r: &(i64, i64)| r.0) -> count() -> collect();
                xs -> key_by(|r: &(i64, i64)| r.0) -> sum(|r: &(i64, i64)| r.1) -> collect();
                xs -> key_by(|r: &(i64, i64)| r.0) -> min(|r: &(i64, i64)| r.1) -> collect();
                xs -> key_by(|r: &(i64, i64)| r.0) -> max(|r: &(i64, i64)| r.1) -> collect();
                xs -> map(|r: (i64, i64)| r) -> key_by(|r: &(i64, i64)| r.0) -> reduce(|a: (i64, i64), b: (i64, i64)| (a.0, combine(op, a.1, b.1))) -> map(|(k, r): (i64, (i64, i64))| (k, r.1)) -> collect();
                xs -> key_by(|r: &(i64, i64)| r.0) -> fold((0i64, 0u64), |acc: (i64, u64), r: (i64, i64)| (acc.0 + r.1.abs(), acc.1 + 1), |a: (i64, u64), b: (i64, u64)| (a.0 + b.0, a.1 + b.1), identity = (0, 0)) -> collect();
            }
            .parallelism(par)
            .run()
            .unwrap();
            prop_assert_eq!(sorted(count), exp_count.clone(), "count at parallelism {}", par);
            prop_assert_eq!(sorted(sum), exp_sum.clone(), "sum at parallelism {}", par);
            prop_assert_eq!(sorted(min), exp_min.clone(), "min at parallelism {}", par);
            prop_assert_eq!(sorted(max), exp_max.clone(), "max at parallelism {}", par);
            prop_assert_eq!(sorted(reduce), exp_reduce.clone(), "reduce at parallelism {}", par);
            prop_assert_eq!(sorted(fold), exp_fold.clone(), "fold at parallelism {}", par);
        }
    }

    /// Order-sensitive keyed operators: first(n), distinct, min_by/max_by (ties: first), fold
    /// without a merge function and reduce_group all see each key's records in input order.
    #[test]
    fn keyed_order_sensitive_operators(data in records(), p in params()) {
        let Params { modulus, n, .. } = p;
        let indexed: Vec<(usize, u8, i32)> = data.iter().enumerate().map(|(i, &(k, v))| (i, k, v)).collect();
        let key = |r: &(usize, u8, i32)| r.1 as i64 % modulus;
        let groups = group_by(indexed.iter().map(|r| (key(r), *r)));
        let exp_first: Vec<usize> = sorted(groups.values().flat_map(|rs| rs.iter().take(n).map(|r| r.0)).collect());
        let exp_distinct: Vec<usize> = sorted(groups.values().map(|rs| rs[0].0).collect());
        let exp_min_by: Vec<usize> = sorted(groups.values().map(|rs| {
            let m = rs.iter().map(|r| r.2 % 7).min().unwrap();
            rs.iter().find(|r| r.2 % 7 == m).unwrap().0
        }).collect());
        let exp_max_by: Vec<usize> = sorted(groups.values().map(|rs| {
            let m = rs.iter().map(|r| r.2 % 7).max().unwrap();
            rs.iter().find(|r| r.2 % 7 == m).unwrap().0
        }).collect());
        let exp_fold: Vec<(i64, Vec<usize>)> = groups.iter().map(|(k, rs)| (*k, rs.iter().map(|r| r.0).collect())).collect();
        for par in PARALLELISM {
            let (first, distinct, min_by, max_by, fold, group) = pipeline! {
                let xs = from_collection(indexed.clone());
                xs -> key_by(|r: &(usize, u8, i32)| r.1 as i64 % modulus) -> first(n) -> map(|r: (usize, u8, i32)| r.0) -> collect();
                xs -> key_by(|r: &(usize, u8, i32)| r.1 as i64 % modulus) -> distinct() -> map(|r: (usize, u8, i32)| r.0) -> collect();
                xs -> key_by(|r: &(usize, u8, i32)| r.1 as i64 % modulus) -> min_by(|r: &(usize, u8, i32)| r.2 % 7) -> map(|r: (usize, u8, i32)| r.0) -> collect();
                xs -> key_by(|r: &(usize, u8, i32)| r.1 as i64 % modulus) -> max_by(|r: &(usize, u8, i32)| r.2 % 7) -> map(|r: (usize, u8, i32)| r.0) -> collect();
                xs -> key_by(|r: &(usize, u8, i32)| r.1 as i64 % modulus) -> fold(Vec::new(), |mut acc: Vec<usize>, r: (usize, u8, i32)| { acc.push(r.0); acc }) -> collect();
                xs -> key_by(|r: &(usize, u8, i32)| r.1 as i64 % modulus) -> reduce_group(|k: &i64, rs: Vec<(usize, u8, i32)>| std::iter::once((*k, rs.into_iter().map(|r| r.0).collect::<Vec<_>>()))) -> collect();
            }
            .parallelism(par)
            .run()
            .unwrap();
            prop_assert_eq!(sorted(first), exp_first.clone(), "first({}) at parallelism {}", n, par);
            prop_assert_eq!(sorted(distinct), exp_distinct.clone(), "distinct at parallelism {}", par);
            prop_assert_eq!(sorted(min_by), exp_min_by.clone(), "min_by at parallelism {}", par);
            prop_assert_eq!(sorted(max_by), exp_max_by.clone(), "max_by at parallelism {}", par);
            prop_assert_eq!(sorted(fold), exp_fold.clone(), "fold at parallelism {}", par);
            prop_assert_eq!(sorted(group), exp_fold.clone(), "reduce_group at parallelism {}", par);
        }
    }

    /// Global aggregations as sinks, over a filtered input that may be empty.
    #[test]
    fn global_aggregations(data in records(), p in params()) {
        let Params { threshold, op, n, .. } = p;
        let kept: Vec<(usize, i64)> = data
            .iter()
            .enumerate()
            .map(|(i, r)| (i, r.1 as i64))
            .filter(|r| r.1 >= threshold)
            .collect();
        let vs: Vec<i64> = kept.iter().map(|r| r.1).collect();
        let exp_reduce = vs.iter().copied().reduce(|a, b| combine(op, a, b));
        let exp_fold = (vs.iter().map(|v| v * 3).sum::<i64>(), vs.len() as u64);
        let exp_first: Vec<usize> = kept.iter().take(n).map(|r| r.0).collect();
        // Ties go to the first record in input order.
        let first_with = |m: Option<i64>| m.and_then(|m| kept.iter().find(|r| r.1.rem_euclid(5) == m).map(|r| r.0));
        let exp_min_by = first_with(vs.iter().map(|v| v.rem_euclid(5)).min());
        let exp_max_by = first_with(vs.iter().map(|v| v.rem_euclid(5)).max());
        let exp_distinct: Vec<i64> = vs.iter().copied().collect::<BTreeSet<_>>().into_iter().collect();
        let exp_avg = (!vs.is_empty()).then(|| vs.iter().sum::<i64>() as f64 / vs.len() as f64);
        for par in PARALLELISM {
            let (count, sum, min, max, reduce, fold, first, min_by, max_by, distinct, avg, stats) = pipeline! {
                let xs = from_collection(data.clone())
                    -> map(|r: Rec| r.1 as i64)
                    -> map(|v: i64| v)
                    -> filter(|v: &i64| *v >= threshold);
                let indexed = from_collection(kept.clone());
                xs -> count();
                xs -> sum();
                xs -> min();
                xs -> max(|v: &i64| *v);
                xs -> reduce(|a: i64, b: i64| combine(op, a, b));
                xs -> fold((0i64, 0u64), |acc: (i64, u64), v: i64| (acc.0 + v * 3, acc.1 + 1), |a: (i64, u64), b: (i64, u64)| (a.0 + b.0, a.1 + b.1), identity = (0, 0));
                indexed -> first(n) -> map(|r: (usize, i64)| r.0) -> collect();
                indexed -> min_by(|r: &(usize, i64)| r.1.rem_euclid(5)) -> map(|r: (usize, i64)| r.0) -> collect();
                indexed -> max_by(|r: &(usize, i64)| r.1.rem_euclid(5)) -> map(|r: (usize, i64)| r.0) -> collect();
                xs -> distinct() -> collect();
                xs -> avg();
                xs -> statistics();
            }
            .parallelism(par)
            .run()
            .unwrap();
            prop_assert_eq!(count, vs.len() as u64, "count at parallelism {}", par);
            prop_assert_eq!(sum, vs.iter().sum::<i64>(), "sum at parallelism {}", par);
            prop_assert_eq!(min, vs.iter().min().copied(), "min at parallelism {}", par);
            prop_assert_eq!(max, vs.iter().max().copied(), "max at parallelism {}", par);
            prop_assert_eq!(reduce, exp_reduce, "reduce at parallelism {}", par);
            prop_assert_eq!(fold, exp_fold, "fold at parallelism {}", par);
            prop_assert_eq!(&first, &exp_first, "first({}) at parallelism {}", n, par);
            prop_assert_eq!(min_by, exp_min_by.into_iter().collect::<Vec<_>>(), "min_by at parallelism {}", par);
            prop_assert_eq!(max_by, exp_max_by.into_iter().collect::<Vec<_>>(), "max_by at parallelism {}", par);
            prop_assert_eq!(sorted(distinct), exp_distinct.clone(), "distinct at parallelism {}", par);
            match (avg, exp_avg) {
                (Some(a), Some(e)) => prop_assert!((a - e).abs() <= 1e-9 * (1.0 + e.abs()), "avg {} vs {}", a, e),
                (a, e) => prop_assert_eq!(a, e),
            }
            prop_assert_eq!(stats.count, vs.len() as u64);
            if let (Some(lo), Some(hi)) = (vs.iter().min(), vs.iter().max()) {
                prop_assert_eq!((stats.min, stats.max), (*lo as f64, *hi as f64));
            }
        }
    }

    /// Global aggregations in the middle of a chain yield a data set of zero or one record.
    #[test]
    fn global_aggregations_mid_chain(data in records(), p in params()) {
        let Params { threshold, multiplier, .. } = p;
        let vs: Vec<i64> = data.iter().map(|r| r.1 as i64).filter(|v| *v < threshold).collect();
        for par in PARALLELISM {
            let (count, max, sum) = pipeline! {
                let xs = from_collection(data.clone()) -> map(|r: Rec| r.1 as i64) -> filter(|v: &i64| *v < threshold);
                xs -> count() -> map(|c: u64| c as i64 * multiplier) -> collect();
                xs -> max() -> map(|m: i64| m - multiplier) -> collect();
                xs -> sum() -> filter(|s: &i64| *s != 0) -> collect();
            }
            .parallelism(par)
            .run()
            .unwrap();
            prop_assert_eq!(count, vec![vs.len() as i64 * multiplier]);
            prop_assert_eq!(max, vs.iter().max().map(|m| m - multiplier).into_iter().collect::<Vec<_>>());
            let s: i64 = vs.iter().sum();
            prop_assert_eq!(sum, if s != 0 { vec![s] } else { vec![] });
        }
    }

    /// One data set forked into an element-wise sink and a keyed one.
    #[test]
    fn fork_into_two_sinks(data in records(), p in params()) {
        let Params { multiplier, modulus, threshold, .. } = p;
        let base: Vec<(u8, i64)> = data.iter().map(|&(k, v)| (k, v as i64 * multiplier)).collect();
        let exp_list: Vec<i64> = base.iter().filter(|r| r.1 > threshold).map(|r| r.1).collect();
        let exp_sums: Vec<(i64, i64)> = group_by(base.iter().map(|r| (r.0 as i64 % modulus, r.1)))
            .into_iter()
            .map(|(k, v)| (k, v.iter().sum()))
            .collect();
        for par in PARALLELISM {
            let (list, sums) = pipeline! {
                let xs = from_collection(data.clone()) -> map(|(k, v): Rec| (k, v as i64 * multiplier));
                xs -> filter(|r: &(u8, i64)| r.1 > threshold) -> map(|r: (u8, i64)| r.1) -> collect();
                xs -> key_by(|r: &(u8, i64)| r.0 as i64 % modulus) -> sum(|r: &(u8, i64)| r.1) -> collect();
            }
            .parallelism(par)
            .run()
            .unwrap();
            prop_assert_eq!(&list, &exp_list, "parallelism {}", par);
            prop_assert_eq!(sorted(sums), exp_sums.clone(), "parallelism {}", par);
        }
    }

    /// Repartitioning before a keyed aggregation changes nothing in its result; map_partition
    /// after partition_by_hash sees whole keys, so a per-partition count is the global one.
    #[test]
    fn repartition_then_aggregate(data in records(), p in params()) {
        let Params { modulus, .. } = p;
        let groups = group_by(data.iter().map(|&(k, v)| (k as i64 % modulus, v as i64)));
        let exp_count: Vec<(i64, u64)> = groups.iter().map(|(k, v)| (*k, v.len() as u64)).collect();
        let exp_sum: Vec<(i64, i64)> = groups.iter().map(|(k, v)| (*k, v.iter().sum())).collect();
        for par in PARALLELISM {
            let (rebalanced, hashed, local, sizes, order) = pipeline! {
                let xs = from_collection(data.clone());
                xs -> rebalance() -> key_by(|r: &Rec| r.0 as i64 % modulus) -> count() -> collect();
                xs -> partition_by_hash(|r: &Rec| r.0) -> key_by(|r: &Rec| r.0 as i64 % modulus) -> sum(|r: &Rec| r.1 as i64) -> collect();
                xs -> partition_by_hash(|r: &Rec| r.0 as i64 % modulus)
                    -> map_partition(|it: std::vec::IntoIter<Rec>| {
                        let mut m: BTreeMap<i64, u64> = BTreeMap::new();
                        for r in it { *m.entry(r.0 as i64 % modulus).or_default() += 1; }
                        m
                    })
                    -> collect();
                xs -> rebalance() -> map_partition(|it: std::vec::IntoIter<Rec>| std::iter::once(it.len())) -> collect();
                xs -> rebalance() -> map(|r: Rec| r) -> collect();
            }
            .parallelism(par)
            .run()
            .unwrap();
            prop_assert_eq!(sorted(rebalanced), exp_count.clone(), "rebalance at parallelism {}", par);
            prop_assert_eq!(sorted(hashed), exp_sum.clone(), "partition_by_hash at parallelism {}", par);
            prop_assert_eq!(sorted(local), exp_count.clone(), "map_partition at parallelism {}", par);
            // rebalance: `par` partitions of sizes that differ by at most one, in input order.
            prop_assert_eq!(sizes.len(), par);
            prop_assert_eq!(sizes.iter().sum::<usize>(), data.len());
            prop_assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1, "{:?}", sizes);
            prop_assert_eq!(&order, &data);
        }
    }
}
