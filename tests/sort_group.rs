//! Sorted groups (Flink's `groupBy(..).sortGroup(..)`): `reduce_group`, `combine_group` and
//! `first(n)` with `sort_by = |x| key` see each group's records in that order (stable: equal
//! keys in input order), at parallelism 1, 2 and 7, against a sequential reference.

use dataflow::prelude::*;
use proptest::prelude::*;
use std::cmp::Reverse;
use std::collections::BTreeMap;

type Rec = (u8, i16, usize);

fn records() -> impl Strategy<Value = Vec<Rec>> {
    prop_oneof![
        prop::collection::vec((0u8..4, -3i16..3), 0..60),
        (1u8..40, 10_000usize..20_000).prop_map(|(keys, n)| {
            (0..n)
                .map(|i| ((i * 7919 % keys as usize) as u8, (i * 31 % 97) as i16 - 48))
                .collect()
        }),
    ]
    .prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (k, x))| (k, x, i))
            .collect()
    })
}

/// Each key's records, stably sorted by `x` (descending when asked).
fn sorted_groups(data: &[Rec], descending: bool) -> BTreeMap<u8, Vec<Rec>> {
    let mut groups: BTreeMap<u8, Vec<Rec>> = BTreeMap::new();
    for r in data {
        groups.entry(r.0).or_default().push(*r);
    }
    for g in groups.values_mut() {
        if descending {
            g.sort_by_key(|r| Reverse(r.1));
        } else {
            g.sort_by_key(|r| r.1);
        }
    }
    groups
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn groups_arrive_sorted_at_every_parallelism(data in records()) {
        let ascending = sorted_groups(&data, false);
        let descending = sorted_groups(&data, true);
        let firsts: BTreeMap<u8, Vec<Rec>> = descending
            .iter()
            .map(|(k, g)| (*k, g[..g.len().min(2)].to_vec()))
            .collect();
        let mut global = data.clone();
        global.sort_by_key(|r| r.1);
        global.truncate(3);
        for p in [1, 2, 7] {
            let (up, down, first2, head, partial_sorted) = pipeline! {
                let xs = from_collection(data.clone());
                xs -> key_by(|r: &Rec| r.0)
                    -> reduce_group(|k: &u8, rs: Vec<Rec>| std::iter::once((*k, rs)), sort_by = |r: &Rec| r.1)
                    -> collect::<BTreeMap<_, _>>();
                xs -> key_by(|r: &Rec| r.0)
                    -> reduce_group(|k: &u8, rs: Vec<Rec>| std::iter::once((*k, rs)), sort_by = |r: &Rec| r.1, descending = true)
                    -> collect::<BTreeMap<_, _>>();
                xs -> key_by(|r: &Rec| r.0) -> first(2, sort_by = |r: &Rec| r.1, descending = true) -> collect();
                xs -> first(3, sort_by = |r: &Rec| r.1);
                xs -> key_by(|r: &Rec| r.0)
                    -> combine_group(|_k: &u8, rs: Vec<Rec>| std::iter::once(rs.windows(2).all(|w| w[0].1 < w[1].1 || (w[0].1 == w[1].1 && w[0].2 < w[1].2))), sort_by = |r: &Rec| r.1)
                    -> collect();
            }
            .parallelism(p)
            .run()
            .unwrap();
            prop_assert_eq!(&up, &ascending, "ascending, parallelism {}", p);
            prop_assert_eq!(&down, &descending, "descending, parallelism {}", p);
            let mut by_key: BTreeMap<u8, Vec<Rec>> = BTreeMap::new();
            for r in first2 {
                by_key.entry(r.0).or_default().push(r);
            }
            prop_assert_eq!(&by_key, &firsts, "first(2) per key, parallelism {}", p);
            prop_assert_eq!(&head, &global, "first(3) globally, parallelism {}", p);
            prop_assert!(partial_sorted.iter().all(|&ok| ok));
        }
    }
}

/// Float sort keys order by `total_cmp`.
#[test]
fn float_sort_keys() {
    let xs = vec![("a", 2.5f64), ("a", f64::NAN), ("a", -1.0), ("b", 0.0)];
    let mut out = pipeline! {
        from_collection(xs)
            -> key_by(|r: &(&str, f64)| r.0)
            -> reduce_group(|k: &String, rs: Vec<(&str, f64)>| std::iter::once((k.to_string(), rs.iter().map(|r| r.1.to_string()).collect::<Vec<_>>().join(" "))), sort_by = |r: &(&str, f64)| r.1)
            -> collect()
    }
    .run()
    .unwrap();
    out.sort();
    assert_eq!(
        out,
        [
            ("a".to_string(), "-1 2.5 NaN".to_string()),
            ("b".to_string(), "0".to_string())
        ]
    );
}
