//! `top_by` and `bottom_by`, globally and per key, against a sequential stable sort at
//! parallelism 1, 2 and 7: the same records in the same order (ties in input order).

use dataflow::prelude::*;
use proptest::prelude::*;
use std::collections::BTreeMap;

type Rec = (u16, i32, usize);

fn records() -> impl Strategy<Value = Vec<Rec>> {
    prop_oneof![
        prop::collection::vec((0u16..5, -5i32..5), 0..60),
        prop::collection::vec((any::<u16>(), any::<i32>()), 0..60),
        (1u16..50, 20_000usize..40_000).prop_map(|(keys, n)| {
            let mut s = 0x9e37_79b9_7f4a_7c15u64;
            (0..n)
                .map(|_| {
                    s ^= s << 13;
                    s ^= s >> 7;
                    s ^= s << 17;
                    ((s % keys as u64) as u16, (s >> 40) as i32 % 100)
                })
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

/// The reference: a stable sort by `x` (descending or ascending), first `n`.
fn reference(data: &[Rec], n: usize, largest: bool) -> Vec<Rec> {
    let mut v = data.to_vec();
    if largest {
        v.sort_by_key(|r| std::cmp::Reverse(r.1));
    } else {
        v.sort_by_key(|r| r.1);
    }
    v.truncate(n);
    v
}

/// Records grouped by their key, each group in the order it came.
fn by_key(records: &[Rec]) -> BTreeMap<u16, Vec<Rec>> {
    let mut groups: BTreeMap<u16, Vec<Rec>> = BTreeMap::new();
    for r in records {
        groups.entry(r.0).or_default().push(*r);
    }
    groups
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn top_and_bottom_equal_a_stable_sort_at_every_parallelism(data in records(), n in 0usize..12) {
        let want_top = reference(&data, n, true);
        let want_bottom = reference(&data, n, false);
        let want_groups: BTreeMap<u16, Vec<Rec>> = by_key(&data)
            .into_iter()
            .map(|(k, g)| (k, reference(&g, 2, true)))
            .collect();
        for p in [1, 2, 7] {
            let (top, bottom, groups, mapped) = pipeline! {
                let xs = from_collection(data.clone());
                xs -> top_by(n, |r: &Rec| r.1) -> collect();
                xs -> bottom_by(n, |r: &Rec| r.1) -> collect();
                xs -> key_by(|r: &Rec| r.0) -> top_by(2, |r: &Rec| r.1) -> collect();
                xs -> top_by(n, |r: &Rec| r.1) -> map(|r: Rec| r.2) -> collect();
            }
            .parallelism(p)
            .run()
            .unwrap();
            prop_assert_eq!(&top, &want_top, "top_by, parallelism {}", p);
            prop_assert_eq!(&bottom, &want_bottom, "bottom_by, parallelism {}", p);
            prop_assert_eq!(by_key(&groups), want_groups.clone(), "per key, parallelism {}", p);
            prop_assert_eq!(mapped, want_top.iter().map(|r| r.2).collect::<Vec<_>>());
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
struct Sale {
    region: String,
    amount: f64,
}

/// Float keys order by `total_cmp` (NaN above infinity), borrowed text keys work, and the
/// "largest two per group" query keeps each group's order.
#[test]
fn float_and_borrowed_keys() {
    let sales: Vec<Sale> = [
        ("north", 3.0),
        ("south", f64::NAN),
        ("north", 9.5),
        ("south", -1.0),
        ("north", 9.5),
        ("east", 0.0),
    ]
    .iter()
    .map(|(r, a)| Sale {
        region: r.to_string(),
        amount: *a,
    })
    .collect();
    for p in [1, 2, 7] {
        let (top, names, mut per_region) = pipeline! {
            let s = from_collection(sales.clone());
            s -> top_by(3, |s: &Sale| s.amount) -> map(|s: Sale| s.amount.to_string()) -> collect();
            s -> bottom_by(2, |s: &Sale| s.region.as_str()) -> map(|s: Sale| s.amount) -> collect();
            s -> key_by(|s: &Sale| s.region.as_str()) -> top_by(2, |s: &Sale| s.amount) -> map(|s: Sale| (s.region, s.amount)) -> collect();
        }
        .parallelism(p)
        .run()
        .unwrap();
        assert_eq!(top, ["NaN", "9.5", "9.5"]);
        assert_eq!(names, [0.0, 3.0]);
        per_region.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(per_region.len(), 5);
        assert_eq!(per_region[0], ("east".to_string(), 0.0));
        assert_eq!(
            per_region[1..3],
            [("north".to_string(), 9.5), ("north".to_string(), 9.5)]
        );
        assert!(per_region[3].1.is_nan());
        assert_eq!(per_region[4], ("south".to_string(), -1.0));
    }
}

/// At the end of a chain a global `top_by` is a sink returning a `Vec`; empty input gives an
/// empty one.
#[test]
fn empty_input_and_sink_form() {
    let none: Vec<u32> = Vec::new();
    let (empty, three) = pipeline! {
        from_collection(none) -> top_by(5, |x: &u32| *x);
        range(0u32..1000) -> bottom_by(3, |x: &u32| x % 7);
    }
    .run()
    .unwrap();
    assert_eq!(empty, Vec::<u32>::new());
    assert_eq!(three, [0, 7, 14]);
}

/// A panic in the key closure is an error naming `top_by` and where it is.
#[test]
fn a_panicking_key_names_the_operator() {
    let err = pipeline! {
        range(0u32..100) -> top_by(3, |x: &u32| if *x == 57 { panic!("bad row") } else { *x })
    }
    .parallelism(2)
    .run()
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("operator `top_by` at tests/top.rs:"),
        "{err}"
    );
    assert!(err.contains("bad row"), "{err}");
}
