//! The statistical built-ins (`median`, `quantile`, `variance`, `stddev`, `corr`,
//! `count_distinct`, `top`) against sequential references computed here, at parallelism 1, 2
//! and 7, keyed and global, top-level and inside `aggregate(...)`.
//!
//! Floating-point results are compared with a relative tolerance of 1e-9: the partial results of
//! `variance`, `stddev` and `corr` are merged in a different grouping at each parallelism, and
//! the references use the two-pass formulas. `median` and `quantile` select exact values, so they
//! differ from the reference only in the interpolation's rounding.
//!
//! Inputs are larger than what an in-memory source hands to one task (4096 records), so that
//! parallel runs really merge several partials.

use dataflow::prelude::*;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

const PARALLELISM: [usize; 3] = [1, 2, 7];

/// `(key, integer value, float value)`.
type Rec = (u8, i32, f64);

fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn close_opt(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => close(a, b),
        (a, b) => a.is_none() && b.is_none(),
    }
}

/// Linear interpolation between the two nearest ranks of the sorted values.
fn quantile(values: &[f64], q: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let h = q * (v.len() - 1) as f64;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    if lo == hi {
        v[lo]
    } else {
        v[lo] + (h - lo as f64) * (v[hi] - v[lo])
    }
}

fn variance(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return f64::NAN;
    }
    let mean = xs.iter().sum::<f64>() / xs.len() as f64;
    xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (xs.len() - 1) as f64
}

fn corr(xs: &[f64], ys: &[f64]) -> f64 {
    if xs.len() < 2 {
        return f64::NAN;
    }
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let sxy: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    let syy: f64 = ys.iter().map(|y| (y - my).powi(2)).sum();
    sxy / (sxx * syy).sqrt()
}

fn top(values: &[f64], n: usize) -> Vec<f64> {
    let mut v = values.to_vec();
    v.sort_by(|a, b| b.total_cmp(a));
    v.truncate(n);
    v
}

/// Per key: the integer values as f64, and the float values.
fn groups(data: &[Rec]) -> BTreeMap<u8, (Vec<f64>, Vec<f64>)> {
    let mut g: BTreeMap<u8, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for &(k, x, y) in data {
        let e = g.entry(k).or_default();
        e.0.push(x as f64);
        e.1.push(y);
    }
    g
}

fn sorted<V>(mut pairs: Vec<(u8, V)>) -> Vec<(u8, V)> {
    pairs.sort_by_key(|p| p.0);
    pairs
}

fn records(len: std::ops::Range<usize>) -> impl Strategy<Value = Vec<Rec>> {
    (1u8..40).prop_flat_map(move |keys| {
        prop::collection::vec(
            (
                0..keys,
                -1000i32..1000,
                (-1e6f64..1e6).prop_map(|y| (y * 8.0).round() / 8.0),
            ),
            len.clone(),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    /// Every new aggregation after `key_by`, top-level and as components, against the groups.
    #[test]
    fn keyed_results_equal_the_sequential_reference(data in records(4000..10_000), q in 0.0f64..=1.0, n in 0usize..5) {
        let g = groups(&data);
        for par in PARALLELISM {
            let (med, quant, var, sd, cor, distinct, tops, parts) = pipeline! {
                let xs = from_collection(data.clone());
                xs -> key_by(|r: &Rec| r.0) -> median(|r: &Rec| r.1) -> collect();
                xs -> key_by(|r: &Rec| r.0) -> quantile(q, |r: &Rec| r.2) -> collect();
                xs -> key_by(|r: &Rec| r.0) -> variance(|r: &Rec| r.2) -> collect();
                xs -> key_by(|r: &Rec| r.0) -> stddev(|r: &Rec| r.1) -> collect();
                xs -> key_by(|r: &Rec| r.0) -> corr(|r: &Rec| r.1, |r: &Rec| r.2) -> collect();
                xs -> key_by(|r: &Rec| r.0) -> count_distinct(|r: &Rec| r.1 / 10) -> collect();
                xs -> key_by(|r: &Rec| r.0) -> top(n, |r: &Rec| r.2) -> collect();
                xs -> key_by(|r: &Rec| r.0)
                   -> aggregate(count(), median(|r: &Rec| r.2), quantile(0.25, |r: &Rec| r.1), corr(|r: &Rec| r.2, |r: &Rec| r.1), top(2, |r: &Rec| r.1), count_distinct(|r: &Rec| r.1 % 7))
                   -> collect();
            }
            .parallelism(par)
            .run()
            .unwrap();
            let (med, quant, var, sd, cor) = (sorted(med), sorted(quant), sorted(var), sorted(sd), sorted(cor));
            let (distinct, tops, parts) = (sorted(distinct), sorted(tops), sorted(parts));
            prop_assert_eq!(med.len(), g.len());
            for (i, (k, (xs, ys))) in g.iter().enumerate() {
                prop_assert_eq!(med[i].0, *k);
                prop_assert!(close(med[i].1, quantile(xs, 0.5)), "median of key {} at parallelism {}: {} vs {}", k, par, med[i].1, quantile(xs, 0.5));
                prop_assert!(close(quant[i].1, quantile(ys, q)), "quantile {} at parallelism {}", q, par);
                prop_assert!(close(var[i].1, variance(ys)), "variance at parallelism {}: {} vs {}", par, var[i].1, variance(ys));
                prop_assert!(close(sd[i].1, variance(xs).sqrt()), "stddev at parallelism {}", par);
                prop_assert!(close(cor[i].1, corr(xs, ys)), "corr at parallelism {}: {} vs {}", par, cor[i].1, corr(xs, ys));
                let tens: BTreeSet<i64> = xs.iter().map(|x| *x as i64 / 10).collect();
                prop_assert_eq!(distinct[i].1, tens.len() as u64, "count_distinct at parallelism {}", par);
                prop_assert_eq!(&tops[i].1, &top(ys, n), "top({}) at parallelism {}", n, par);
                let (count, median, q25, c, top2, sevens) = &parts[i].1;
                prop_assert_eq!(*count, xs.len() as u64);
                prop_assert!(close(*median, quantile(ys, 0.5)));
                prop_assert!(close(*q25, quantile(xs, 0.25)));
                prop_assert!(close(*c, corr(ys, xs)));
                let top2_ref: Vec<i32> = top(xs, 2).into_iter().map(|x| x as i32).collect();
                prop_assert_eq!(top2, &top2_ref);
                let mods: BTreeSet<i64> = xs.iter().map(|x| *x as i64 % 7).collect();
                prop_assert_eq!(*sevens, mods.len() as u64);
            }
        }
    }

    /// The same aggregations over the whole data set, which the filter may leave empty.
    #[test]
    fn global_results_equal_the_sequential_reference(data in records(0..9000), keep_below in 0u8..45, q in 0.0f64..=1.0) {
        let kept: Vec<Rec> = data.iter().copied().filter(|r| r.0 < keep_below).collect();
        let xs: Vec<f64> = kept.iter().map(|r| r.1 as f64).collect();
        let ys: Vec<f64> = kept.iter().map(|r| r.2).collect();
        let some = |f: &dyn Fn() -> f64| (!kept.is_empty()).then(f);
        for par in PARALLELISM {
            let (med, quant, var, sd, cor, distinct, tops, parts) = pipeline! {
                let xs = from_collection(data.clone()) -> filter(|r: &Rec| r.0 < keep_below);
                xs -> median(|r: &Rec| r.2);
                xs -> quantile(q, |r: &Rec| r.1);
                xs -> variance(|r: &Rec| r.1);
                xs -> stddev(|r: &Rec| r.2);
                xs -> corr(|r: &Rec| r.1, |r: &Rec| r.2);
                xs -> count_distinct(|r: &Rec| r.1);
                xs -> top(3, |r: &Rec| r.2);
                xs -> aggregate(variance(|r: &Rec| r.2), stddev(|r: &Rec| r.1), top(1, |r: &Rec| r.1), median(|r: &Rec| r.1));
            }
            .parallelism(par)
            .run()
            .unwrap();
            prop_assert!(close_opt(med, some(&|| quantile(&ys, 0.5))), "median at parallelism {}", par);
            prop_assert!(close_opt(quant, some(&|| quantile(&xs, q))), "quantile at parallelism {}", par);
            prop_assert!(close_opt(var, some(&|| variance(&xs))), "variance at parallelism {}", par);
            prop_assert!(close_opt(sd, some(&|| variance(&ys).sqrt())), "stddev at parallelism {}", par);
            prop_assert!(close_opt(cor, some(&|| corr(&xs, &ys))), "corr at parallelism {}", par);
            let distinct_ref: BTreeSet<i32> = kept.iter().map(|r| r.1).collect();
            prop_assert_eq!(distinct, distinct_ref.len() as u64);
            prop_assert_eq!(tops, top(&ys, 3));
            let (v, s, t, m) = parts;
            prop_assert!(close_opt(v, some(&|| variance(&ys))));
            prop_assert!(close_opt(s, some(&|| variance(&xs).sqrt())));
            let t_ref: Vec<i32> = top(&xs, 1).into_iter().map(|x| x as i32).collect();
            prop_assert_eq!(t, t_ref);
            prop_assert!(close_opt(m, some(&|| quantile(&xs, 0.5))));
        }
    }
}

/// Small fixed cases whose answers are known by hand.
#[test]
fn small_cases_known_by_hand() {
    let (med, q90, var, sd, cor, distinct, top2) = pipeline! {
        let xs = from_collection(vec![4i64, 1, 3, 2]);
        xs -> median();
        xs -> quantile(0.9);
        xs -> variance();
        xs -> stddev();
        xs -> corr(|x: &i64| *x, |x: &i64| -2 * *x);
        xs -> count_distinct(|x: &i64| x % 2);
        xs -> top(2);
    }
    .run()
    .unwrap();
    assert_eq!(med, Some(2.5));
    // h = 0.9 * 3 = 2.7: 3 + 0.7 * (4 - 3).
    assert!((q90.unwrap() - 3.7).abs() < 1e-12);
    assert!((var.unwrap() - 5.0 / 3.0).abs() < 1e-12);
    assert!((sd.unwrap() - (5.0f64 / 3.0).sqrt()).abs() < 1e-12);
    assert!((cor.unwrap() + 1.0).abs() < 1e-12);
    assert_eq!(distinct, 2);
    assert_eq!(top2, vec![4, 3]);
}

/// A global `top` in the middle of a chain hands on its values, largest first; the others
/// hand on their value when there is one.
#[test]
fn global_results_mid_chain() {
    for par in PARALLELISM {
        let (tops, medians, distinct) = pipeline! {
            let xs = range(0..10_000u32);
            xs -> top(3) -> map(|x: u32| x * 2) -> collect();
            xs -> median() -> map(|m: f64| m + 1.0) -> collect();
            xs -> count_distinct(|x: &u32| x % 10) -> map(|n: u64| n * 2) -> collect();
        }
        .parallelism(par)
        .run()
        .unwrap();
        assert_eq!(tops, vec![19_998, 19_996, 19_994]);
        assert_eq!(medians, vec![5_000.5]);
        assert_eq!(distinct, vec![20]);
    }
}

/// `aggregate(...)` with sixteen components (TPC-H Q1 has eight), each read back.
#[test]
fn aggregate_takes_sixteen_components() {
    for par in PARALLELISM {
        let r = pipeline! {
            range(1..10_001u64)
                -> aggregate(
                    count(), sum(), min(), max(), avg(), median(), quantile(0.25), variance(),
                    stddev(), count_distinct(|x: &u64| x % 100), top(2), sum(|x: &u64| x * 2),
                    min(|x: &u64| x % 7), max(|x: &u64| x % 7), corr(|x: &u64| *x, |x: &u64| *x), count()
                );
        }
        .parallelism(par)
        .run()
        .unwrap();
        assert_eq!(
            (r.0, r.1, r.2, r.3),
            (10_000, 50_005_000, Some(1), Some(10_000))
        );
        assert_eq!(
            (r.4, r.5, r.6),
            (Some(5_000.5), Some(5_000.5), Some(2_500.75))
        );
        let var: f64 = 10_000.0 * 10_001.0 / 12.0;
        assert!((r.7.unwrap() - var).abs() < 1e-6 * var);
        assert!((r.8.unwrap() - var.sqrt()).abs() < 1e-6 * var.sqrt());
        assert_eq!((r.9, r.10, r.11), (100, vec![10_000, 9_999], 100_010_000));
        assert_eq!((r.12, r.13), (Some(0), Some(6)));
        assert!((r.14.unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(r.15, 10_000);
    }
}

/// A computed `q` outside [0, 1] is an error naming the operator (a literal one does not compile).
#[test]
fn a_computed_quantile_outside_the_unit_interval_is_an_error() {
    let q = 1.5;
    let result = pipeline! {
        range(0..100u32) -> key_by(|x: &u32| x % 3) -> quantile(q, |x: &u32| *x) -> collect();
    }
    .run();
    let message = match result {
        Err(e) => e.to_string(),
        Ok(v) => panic!("expected an error, got {v:?}"),
    };
    assert!(
        message.contains("quantile 1.5 is outside [0, 1]"),
        "{message}"
    );
}

/// Values borrowed from `read_text`'s lines are owned where they are kept (a set, a heap).
#[test]
fn borrowed_values_from_lines_are_kept_owned() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("words.txt");
    std::fs::write(
        &path,
        "apple 3\napricot 9\nbanana 1\nblueberry 4\ncherry 7\n",
    )
    .unwrap();
    let p = path.to_str().unwrap();
    for par in PARALLELISM {
        let (prefixes, largest, by_letter) = pipeline! {
            let lines = read_text(p);
            lines -> count_distinct(|l: &&str| &l[..2]);
            lines -> top(2, |l: &&str| l.split(' ').next().unwrap());
            lines -> key_by(|l: &&str| &l[..1]) -> median(|l: &&str| l[l.len() - 1..].parse::<u32>().unwrap()) -> collect();
        }
        .parallelism(par)
        .run()
        .unwrap();
        assert_eq!(prefixes, 4);
        assert_eq!(largest, vec!["cherry".to_string(), "blueberry".to_string()]);
        let mut by_letter = by_letter;
        by_letter.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            by_letter,
            vec![
                ("a".to_string(), 6.0),
                ("b".to_string(), 2.5),
                ("c".to_string(), 7.0)
            ]
        );
    }
}

/// What `aggregate(Summary { ... })` fills: one field per result, named by the user.
#[derive(Debug, PartialEq)]
struct Summary {
    n: u64,
    total: i64,
    top: Vec<i32>,
}

/// `aggregate(Name { field: component, ... })` puts its results in the user's struct instead
/// of a tuple: keyed (the key beside it), global at the end of a chain, and global in the
/// middle of one, at every parallelism.
#[test]
fn aggregate_names_its_results_in_a_struct_of_the_users() {
    let data: Vec<Rec> = (0..10_000).map(|i| ((i % 3) as u8, i, i as f64)).collect();
    let expected = |key: Option<u8>| {
        let values: Vec<i32> = data
            .iter()
            .filter(|r| key.is_none_or(|k| r.0 == k))
            .map(|r| r.1)
            .collect();
        Summary {
            n: values.len() as u64,
            total: values.iter().map(|&v| v as i64).sum(),
            top: top(&values.iter().map(|&v| v as f64).collect::<Vec<_>>(), 2)
                .into_iter()
                .map(|v| v as i32)
                .collect(),
        }
    };
    for par in PARALLELISM {
        let (keyed, global, doubled) = pipeline! {
            let recs = from_collection(data.clone());
            recs -> key_by(|r| r.0)
                 -> aggregate(Summary { n: count(), total: sum(|r| r.1 as i64), top: top(2, |r| r.1) })
                 -> collect();
            recs -> aggregate(Summary { n: count(), total: sum(|r| r.1 as i64), top: top(2, |r| r.1) });
            recs -> aggregate(Summary { n: count(), total: sum(|r| r.1 as i64), top: top(2, |r| r.1) })
                 -> map(|s: Summary| s.total * 2)
                 -> collect();
        }
        .parallelism(par)
        .run()
        .unwrap();
        let keyed: BTreeMap<u8, Summary> = keyed.into_iter().collect();
        assert_eq!(keyed.len(), 3);
        for (k, s) in keyed {
            assert_eq!(s, expected(Some(k)), "key {k} at parallelism {par}");
        }
        assert_eq!(global, expected(None), "parallelism {par}");
        assert_eq!(doubled, vec![2 * expected(None).total]);
    }
}
