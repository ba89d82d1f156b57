//! Contracts of the aggregations that a parallel run could break silently: each result must
//! equal the sequential computation at parallelism 1, 2 and 7, keyed and global.
//!
//! * `fold(init, step, merge, identity = e)`: `init` counts once (partials start from the
//!   identity), and the result equals `iter.fold(init, step)` when `step` distributes over
//!   `merge`; the two-argument `fold` folds in input order; a global fold of nothing is `init`.
//! * Integer `sum` overflow is an error naming the operator in every build profile.
//! * Keys borrowed from the record (`s.region.as_str()`, `&s.region`) work with every keyed
//!   aggregation and come out as `String`.
//!
//! Inputs are larger than what an in-memory source hands to one task (4096 records), so that
//! parallel runs really fold several partials and merge them.

use dataflow::prelude::*;
use proptest::prelude::*;
use std::collections::BTreeMap;

const PARALLELISM: [usize; 3] = [1, 2, 7];

fn sorted<K: Ord, V>(mut pairs: Vec<(K, V)>) -> Vec<(K, V)> {
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    pairs
}

/// The sequential fold of each key's records, in input order.
fn fold_by_key<T: Copy, A: Clone>(
    records: &[T],
    key: impl Fn(&T) -> u32,
    init: A,
    step: impl Fn(A, T) -> A,
) -> Vec<(u32, A)> {
    let mut groups: BTreeMap<u32, A> = BTreeMap::new();
    for &r in records {
        let acc = groups.remove(&key(&r)).unwrap_or_else(|| init.clone());
        groups.insert(key(&r), step(acc, r));
    }
    groups.into_iter().collect()
}

// ---------------------------------------------------------------------------------------------
// fold
// ---------------------------------------------------------------------------------------------

/// The case: counting from 100 over 100,000 records must give 100,100 at every
/// parallelism (it gave 100,200 / 100,400 / 100,800 when every partial started from `init`).
#[test]
fn combinable_fold_counts_init_once() {
    for par in PARALLELISM {
        let (keyed, global) = pipeline! {
            let xs = range(0..100_000u32);
            xs -> key_by(|x: &u32| x % 3) -> fold(100u64, |a, _| a + 1, |a, b| a + b, identity = 0) -> collect();
            xs -> fold(100u64, |a, _| a + 1, |a, b| a + b, identity = 0);
        }
        .parallelism(par)
        .run()
        .unwrap();
        assert_eq!(global, 100_100, "global fold at parallelism {par}");
        assert_eq!(
            sorted(keyed),
            vec![(0, 33_434), (1, 33_433), (2, 33_433)],
            "keyed fold at parallelism {par}"
        );
    }
}

/// A fold that is neither commutative nor started from a neutral value: a string built from
/// a prefix and every record in order. `step(a, x) == merge(a, step(identity, x))` holds, so the
/// result must be exactly the sequential fold.
#[test]
fn combinable_fold_equals_the_sequential_fold_in_order() {
    let records: Vec<u32> = (0..20_000).map(|i| (i * 7919) % 1000).collect();
    let step = |acc: String, x: u32| acc + &x.to_string() + ",";
    let global_expected = records.iter().copied().fold("start:".to_string(), step);
    let keyed_expected = fold_by_key(&records, |x| x % 5, "k:".to_string(), step);
    for par in PARALLELISM {
        let (keyed, global) = pipeline! {
            let xs = from_collection(records.clone());
            xs -> key_by(|x: &u32| x % 5) -> fold("k:".to_string(), step, |a: String, b: String| a + &b, identity = String::new()) -> collect();
            xs -> fold("start:".to_string(), step, |a: String, b: String| a + &b, identity = String::new());
        }
        .parallelism(par)
        .run()
        .unwrap();
        assert!(
            global == global_expected,
            "global fold at parallelism {par}"
        );
        assert!(
            sorted(keyed) == keyed_expected,
            "keyed fold at parallelism {par}"
        );
    }
}

/// The two-argument fold ships the records and folds them in input order, from `init`, with
/// any `step` (here one that no merge function could combine: a polynomial hash).
#[test]
fn fold_without_merge_folds_in_input_order_from_init() {
    let records: Vec<u32> = (0..20_000).map(|i| (i * 104_729) % 10_007).collect();
    let step = |acc: u64, x: u32| acc.wrapping_mul(31).wrapping_add(u64::from(x));
    let global_expected = records.iter().copied().fold(17, step);
    let keyed_expected = fold_by_key(&records, |x| x % 7, 17, step);
    for par in PARALLELISM {
        let (keyed, global) = pipeline! {
            let xs = from_collection(records.clone());
            xs -> key_by(|x: &u32| x % 7) -> fold(17u64, step) -> collect();
            xs -> fold(17u64, step);
        }
        .parallelism(par)
        .run()
        .unwrap();
        assert_eq!(global, global_expected, "global fold at parallelism {par}");
        assert_eq!(
            sorted(keyed),
            keyed_expected,
            "keyed fold at parallelism {par}"
        );
    }
}

#[test]
fn global_fold_of_nothing_is_init() {
    let empty: Vec<u32> = Vec::new();
    for par in PARALLELISM {
        let (combinable, ordered, mid_chain) = pipeline! {
            let xs = from_collection(empty.clone());
            xs -> fold(100u64, |a, _| a + 1, |a, b| a + b, identity = 0);
            xs -> fold(100u64, |a, _| a + 1);
            xs -> fold(5u64, |a, _| a + 1, |a, b| a + b, identity = 0) -> map(|n: u64| n * 2) -> collect();
        }
        .parallelism(par)
        .run()
        .unwrap();
        assert_eq!(
            (combinable, ordered, mid_chain),
            (100, 100, vec![10]),
            "at parallelism {par}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Random records, a random non-neutral `init`: a sum with a count, keyed and global,
    /// equals the sequential fold at every parallelism.
    #[test]
    fn combinable_fold_matches_sequential(
        records in prop::collection::vec(-1000i64..1000, 0..12_000),
        init in (-5000i64..5000, 0u64..50),
        keys in 1u32..20,
    ) {
        let step = |a: (i64, u64), x: i64| (a.0 + x, a.1 + 1);
        let merge = |a: (i64, u64), b: (i64, u64)| (a.0 + b.0, a.1 + b.1);
        let global_expected = records.iter().copied().fold(init, step);
        let keyed_expected = fold_by_key(&records, |x| x.rem_euclid(i64::from(keys)) as u32, init, step);
        for par in PARALLELISM {
            let (keyed, global) = pipeline! {
                let xs = from_collection(records.clone());
                xs -> key_by(|x: &i64| x.rem_euclid(i64::from(keys)) as u32) -> fold(init, step, merge, identity = (0, 0)) -> collect();
                xs -> fold(init, step, merge, identity = (0, 0));
            }
            .parallelism(par)
            .run()
            .unwrap();
            prop_assert_eq!(global, global_expected, "global fold at parallelism {}", par);
            prop_assert_eq!(sorted(keyed), keyed_expected.clone(), "keyed fold at parallelism {}", par);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// sum overflow
// ---------------------------------------------------------------------------------------------

/// The error an overflowing integer `sum` must give in every build profile: a `UserPanic` of
/// the `sum` operator (or the `aggregate` holding it) whose message says it overflowed. (A release
/// build used to wrap and return `Ok`; a debug build's "attempt to add with overflow" does not
/// match either.)
fn assert_sum_overflow<T: std::fmt::Debug>(result: Result<T, Error>, ty: &str, what: &str) {
    assert_overflow_of("sum", result, ty, what)
}

fn assert_overflow_of<T: std::fmt::Debug>(
    op: &str,
    result: Result<T, Error>,
    ty: &str,
    what: &str,
) {
    match result {
        Err(Error::UserPanic {
            operator, message, ..
        }) => {
            assert_eq!(operator, op, "{what}: {message}");
            assert!(
                message.starts_with(&format!("sum overflowed {ty} (")),
                "{what}: {message}"
            );
        }
        other => panic!("{what}: expected a sum overflow error, got {other:?}"),
    }
}

/// 8192 values of 300,000 overflow an `i32` (2.46e9), but one in-memory morsel's 4096 of them do
/// not: at parallelism 1 the overflow happens while a task adds records, above that mostly
/// while partial sums of different tasks are merged. Both must be errors, keyed and global, and
/// inside `aggregate(...)`.
#[test]
fn integer_sum_overflow_is_an_error_naming_the_operator() {
    let records: Vec<i32> = vec![300_000; 8192];
    for par in PARALLELISM {
        let global = pipeline! { from_collection(records.clone()) -> sum() }
            .parallelism(par)
            .run();
        assert_sum_overflow(global, "i32", &format!("global sum at parallelism {par}"));

        let keyed = pipeline! {
            from_collection(records.clone()) -> key_by(|_x: &i32| 1u8) -> sum(|x: &i32| *x) -> collect()
        }
        .parallelism(par)
        .run();
        assert_sum_overflow(keyed, "i32", &format!("keyed sum at parallelism {par}"));

        let combined = pipeline! {
            from_collection(records.clone()) -> key_by(|x: &i32| x % 2) -> aggregate(count(), sum(|x: &i32| *x)) -> collect()
        }
        .parallelism(par)
        .run();
        let what = format!("sum in aggregate at parallelism {par}");
        assert_overflow_of("aggregate", combined, "i32", &what);

        let negative = pipeline! { range(0..10_000i64) -> sum(|x: &i64| if *x == 5000 { i64::MIN } else { -1 }) }
            .parallelism(par)
            .run();
        assert_sum_overflow(
            negative,
            "i64",
            &format!("negative i64 sum at parallelism {par}"),
        );

        let unsigned = pipeline! { range(0..1000u32) -> sum(|_x: &u32| 200u8) }
            .parallelism(par)
            .run();
        assert_sum_overflow(unsigned, "u8", &format!("u8 sum at parallelism {par}"));
    }
}

/// Sums that stay in range are exact, and wrapping remains available when asked for.
#[test]
fn sums_in_range_are_exact_and_wrapping_is_explicit() {
    use std::num::Wrapping;
    for par in PARALLELISM {
        let (exact, at_max, wrapped, widened) = pipeline! {
            let xs = from_collection(vec![300_000i32; 7000]);
            xs -> sum();
            xs -> sum(|x: &i32| if *x == 300_000 { 0 } else { 1 }) -> map(|z: i32| z + i32::MAX) -> collect();
            xs -> sum(|x: &i32| Wrapping(*x));
            xs -> sum(|x: &i32| i64::from(*x) * 1000);
        }
        .parallelism(par)
        .run()
        .unwrap();
        assert_eq!(exact, 2_100_000_000, "at parallelism {par}");
        assert_eq!(at_max, vec![i32::MAX]);
        assert_eq!(
            wrapped,
            Wrapping(300_000i32.wrapping_mul(7000)),
            "at parallelism {par}"
        );
        assert_eq!(widened, 2_100_000_000_000, "at parallelism {par}");
    }
}

// ---------------------------------------------------------------------------------------------
// borrowed keys
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
struct Sale {
    region: String,
    amount: i64,
    id: usize,
}

fn sales(n: usize) -> Vec<Sale> {
    (0..n)
        .map(|id| Sale {
            region: format!("region-{}", (id * 7919) % 13),
            amount: ((id * 104_729) % 1000) as i64 - 500,
            id,
        })
        .collect()
}

/// What the pipelines of the borrowed-key test return: aggregate, reduce, min_by, first,
/// reduce_group, distinct, fold.
type KeyedResults = (
    Vec<(String, (u64, i64))>,
    Vec<(String, Sale)>,
    Vec<usize>,
    Vec<usize>,
    Vec<(String, usize)>,
    Vec<usize>,
    Vec<(String, i64)>,
);

/// A key borrowed from the record (`s.region.as_str()` or `&s.region`) gives the same result,
/// with the same `String` key type, as the cloned key, for every keyed aggregation, including
/// those that move the record itself into the aggregation.
#[test]
fn keys_borrowed_from_the_record_work_with_every_keyed_aggregation() {
    let data = sales(10_000);
    for par in PARALLELISM {
        let cloned = pipeline! {
            let s = from_collection(data.clone());
            s -> key_by(|s: &Sale| s.region.clone()) -> aggregate(count(), sum(|s: &Sale| s.amount)) -> collect();
            s -> key_by(|s: &Sale| s.region.clone()) -> reduce(|a: Sale, b: Sale| if b.amount > a.amount { b } else { a }) -> collect();
            s -> key_by(|s: &Sale| s.region.clone()) -> min_by(|s: &Sale| s.amount) -> map(|s: Sale| s.id) -> collect();
            s -> key_by(|s: &Sale| s.region.clone()) -> first(3) -> map(|s: Sale| s.id) -> collect();
            s -> key_by(|s: &Sale| s.region.clone()) -> reduce_group(|k: &String, v: Vec<Sale>| [(k.clone(), v.len())]) -> collect();
            s -> key_by(|s: &Sale| s.region.clone()) -> distinct() -> map(|s: Sale| s.id) -> collect();
            s -> key_by(|s: &Sale| s.region.clone()) -> fold(0i64, |a: i64, s: Sale| a + s.amount, |a: i64, b: i64| a + b, identity = 0) -> collect();
        }
        .parallelism(par)
        .run()
        .unwrap();
        let as_str = pipeline! {
            let s = from_collection(data.clone());
            s -> key_by(|s: &Sale| s.region.as_str()) -> aggregate(count(), sum(|s: &Sale| s.amount)) -> collect();
            s -> key_by(|s: &Sale| s.region.as_str()) -> reduce(|a: Sale, b: Sale| if b.amount > a.amount { b } else { a }) -> collect();
            s -> key_by(|s: &Sale| s.region.as_str()) -> min_by(|s: &Sale| s.amount) -> map(|s: Sale| s.id) -> collect();
            s -> key_by(|s: &Sale| s.region.as_str()) -> first(3) -> map(|s: Sale| s.id) -> collect();
            s -> key_by(|s: &Sale| s.region.as_str()) -> reduce_group(|k: &String, v: Vec<Sale>| [(k.clone(), v.len())]) -> collect();
            s -> key_by(|s: &Sale| s.region.as_str()) -> distinct() -> map(|s: Sale| s.id) -> collect();
            s -> key_by(|s: &Sale| s.region.as_str()) -> fold(0i64, |a: i64, s: Sale| a + s.amount, |a: i64, b: i64| a + b, identity = 0) -> collect();
        }
        .parallelism(par)
        .run()
        .unwrap();
        let as_string_ref = pipeline! {
            let s = from_collection(data.clone());
            s -> key_by(|s: &Sale| &s.region) -> aggregate(count(), sum(|s: &Sale| s.amount)) -> collect();
            s -> key_by(|s: &Sale| &s.region) -> reduce(|a: Sale, b: Sale| if b.amount > a.amount { b } else { a }) -> collect();
            s -> key_by(|s: &Sale| &s.region) -> min_by(|s: &Sale| s.amount) -> map(|s: Sale| s.id) -> collect();
            s -> key_by(|s: &Sale| &s.region) -> first(3) -> map(|s: Sale| s.id) -> collect();
            s -> key_by(|s: &Sale| &s.region) -> reduce_group(|k: &String, v: Vec<Sale>| [(k.clone(), v.len())]) -> collect();
            s -> key_by(|s: &Sale| &s.region) -> distinct() -> map(|s: Sale| s.id) -> collect();
            s -> key_by(|s: &Sale| &s.region) -> fold(0i64, |a: i64, s: Sale| a + s.amount, |a: i64, b: i64| a + b, identity = 0) -> collect();
        }
        .parallelism(par)
        .run()
        .unwrap();

        // The key type downstream is `String` in all three forms.
        let totals: &Vec<(String, (u64, i64))> = &as_str.0;
        let _: &Vec<(String, (u64, i64))> = &as_string_ref.0;
        assert_eq!(totals.len(), 13);
        assert_eq!(totals.iter().map(|t| t.1 .0).sum::<u64>(), 10_000);

        let normalize = |r: KeyedResults| {
            let mut r = r;
            r.0.sort_by(|a, b| a.0.cmp(&b.0));
            r.1.sort_by(|a, b| a.0.cmp(&b.0));
            r.2.sort();
            r.3.sort();
            r.4.sort();
            r.5.sort();
            r.6.sort();
            r
        };
        let cloned = normalize(cloned);
        assert!(
            normalize(as_str) == cloned,
            "`as_str` key at parallelism {par}"
        );
        assert!(
            normalize(as_string_ref) == cloned,
            "`&String` key at parallelism {par}"
        );
    }
}

/// Borrowed keys with aggregations of the record itself (`max()` with no argument moves the
/// record) and inside `aggregate(...)` (which clones it for `max_by`).
#[test]
fn keys_borrowed_from_the_record_with_whole_record_values() {
    let words: Vec<String> = (0..10_000)
        .map(|i| {
            format!(
                "{}{}",
                ["apple", "berry", "cherry"][i % 3],
                (i * 7919) % 1000
            )
        })
        .collect();
    let mut expected: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for w in &words {
        let e = expected
            .entry(w[..1].to_string())
            .or_insert((0, String::new()));
        e.0 += 1;
        if *w > e.1 {
            e.1 = w.clone();
        }
    }
    let expected_max: Vec<(String, String)> = expected
        .iter()
        .map(|(k, v)| (k.clone(), v.1.clone()))
        .collect();
    for par in PARALLELISM {
        let (max, both) = pipeline! {
            let ws = from_collection(words.clone());
            ws -> key_by(|w: &String| &w[..1]) -> max() -> collect();
            ws -> key_by(|w: &String| &w[..1]) -> aggregate(count(), max_by(|w: &String| w.clone())) -> collect();
        }
        .parallelism(par)
        .run()
        .unwrap();
        assert_eq!(sorted(max), expected_max, "max at parallelism {par}");
        let both: Vec<(String, (u64, String))> = sorted(both);
        let expected_both: Vec<(String, (u64, String))> = expected.clone().into_iter().collect();
        assert_eq!(both, expected_both, "aggregate at parallelism {par}");
    }
}
