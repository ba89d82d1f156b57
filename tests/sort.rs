//! Global sort, range partitioning and per-partition sort against a sequential stable sort, at
//! parallelism 1, 2 and 7: identical, stable (ties keep input order), any key type.

use dataflow::prelude::*;
use proptest::prelude::*;
use std::cmp::Reverse;

type Rec = (u16, i32, usize);

fn records() -> impl Strategy<Value = Vec<Rec>> {
    prop_oneof![
        prop::collection::vec((0u16..5, -50i32..50), 0..40),
        prop::collection::vec((any::<u16>(), any::<i32>()), 0..40),
        (1u16..200, 20_000usize..40_000).prop_map(|(keys, n)| {
            let mut s = 0x2545_f491_4f6c_dd1du64;
            (0..n)
                .map(|_| {
                    s ^= s << 13;
                    s ^= s >> 7;
                    s ^= s << 17;
                    ((s % keys as u64) as u16, (s >> 40) as i32 % 1000)
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn sort_by_is_a_stable_sort_at_every_parallelism(data in records()) {
        let mut by_key = data.clone();
        by_key.sort_by_key(|r| r.0);
        let mut desc = data.clone();
        desc.sort_by_key(|r| Reverse(r.0));
        let mut composite = data.clone();
        composite.sort_by_key(|r| (r.0, Reverse(r.1)));
        for p in [1, 2, 7] {
            let (a, b, c, top, unstable) = pipeline! {
                let xs = from_collection(data.clone());
                xs -> sort_by(|r: &Rec| r.0) -> collect();
                xs -> sort_by(|r: &Rec| r.0, descending = true) -> collect();
                xs -> sort_by(|r: &Rec| (r.0, Reverse(r.1))) -> collect();
                xs -> sort_by(|r: &Rec| r.0) -> first(3) -> collect();
                xs -> sort_by(|r: &Rec| r.0, stable = false) -> collect();
            }
            .parallelism(p)
            .run()
            .unwrap();
            prop_assert_eq!(&a, &by_key, "parallelism {}", p);
            prop_assert_eq!(&b, &desc, "descending, parallelism {}", p);
            prop_assert_eq!(&c, &composite, "composite, parallelism {}", p);
            prop_assert_eq!(&top[..], &by_key[..by_key.len().min(3)]);
            // Without stability: sorted by key, the same records, ties in any order.
            prop_assert!(unstable.windows(2).all(|w| w[0].0 <= w[1].0));
            let (mut u, mut d) = (unstable.clone(), data.clone());
            u.sort();
            d.sort();
            prop_assert_eq!(u, d, "stable = false, parallelism {}", p);
        }
    }

    /// Against a sequential stable sort, with keys from domains of every size (ties
    /// distinguishable by the payload), sizes around the threshold for several ranges.
    #[test]
    fn sort_then_collect_is_a_sequential_stable_sort(
        keys in 1u8..=255,
        n in prop_oneof![0usize..100, 16_000usize..40_000],
        descending in any::<bool>(),
    ) {
        let data = tagged(n, keys);
        let mut want = data.clone();
        if descending {
            want.sort_by_key(|r| Reverse(r.0));
        } else {
            want.sort_by_key(|r| r.0);
        }
        for p in [1, 2, 7] {
            let got = pipeline! {
                from_collection(data.clone()) -> sort_by(|r: &Tagged| r.0, descending = descending) -> collect()
            }
            .parallelism(p)
            .run()
            .unwrap();
            prop_assert_eq!(&got, &want, "parallelism {}", p);
        }
    }

    /// `first(n)` after a sort takes the first `n` in sorted order, globally (with `n` spanning
    /// several ranges) and per key, at every parallelism.
    #[test]
    fn first_after_sort_by_follows_the_sorted_order(data in records(), n in 0usize..30_000) {
        let mut desc = data.clone();
        desc.sort_by_key(|r| Reverse(r.1));
        let mut per_key: Vec<Rec> = Vec::new();
        for r in &desc {
            if per_key.iter().filter(|p| p.0 == r.0).count() < 2 {
                per_key.push(*r);
            }
        }
        per_key.sort();
        for p in [1, 2, 7] {
            let (head, mut heads) = pipeline! {
                let sorted = from_collection(data.clone()) -> sort_by(|r: &Rec| r.1, descending = true);
                sorted -> first(n) -> collect();
                sorted -> key_by(|r: &Rec| r.0) -> first(2) -> collect();
            }
            .parallelism(p)
            .run()
            .unwrap();
            prop_assert_eq!(&head[..], &desc[..desc.len().min(n)], "parallelism {}", p);
            heads.sort();
            prop_assert_eq!(&heads, &per_key, "per key, parallelism {}", p);
        }
    }

    #[test]
    fn range_partitions_and_sorted_partitions(data in records()) {
        for p in [1, 2, 7] {
            let (ranges, sorted_parts) = pipeline! {
                let xs = from_collection(data.clone());
                xs -> partition_by_range(|r: &Rec| r.0) -> map_partition(|part| {
                    let v: Vec<Rec> = part.collect();
                    let lo = v.iter().map(|r| r.0).min();
                    let hi = v.iter().map(|r| r.0).max();
                    std::iter::once((lo, hi, v.len()))
                }) -> collect();
                xs -> rebalance() -> sort_partition(|r: &Rec| r.1) -> map_partition(|part| {
                    let v: Vec<Rec> = part.collect();
                    std::iter::once(v.windows(2).all(|w| w[0].1 < w[1].1 || (w[0].1 == w[1].1 && w[0].2 < w[1].2)))
                }) -> collect();
            }
            .parallelism(p)
            .run()
            .unwrap();
            // Ranges in order, not overlapping, every record once.
            let bounds: Vec<(u16, u16)> = ranges.iter().filter_map(|r| Some((r.0?, r.1?))).collect();
            prop_assert!(bounds.windows(2).all(|w| w[0].1 < w[1].0), "{:?}", bounds);
            prop_assert_eq!(ranges.iter().map(|r| r.2).sum::<usize>(), data.len());
            prop_assert!(sorted_parts.iter().all(|&ok| ok));
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
struct Item {
    name: String,
    price: f64,
}

/// Borrowed text keys and float keys (ordered by `total_cmp`, NaN last, never a panic).
#[test]
fn borrowed_and_float_keys() {
    let items: Vec<Item> = ["pear", "apple", "fig", "apple"]
        .iter()
        .zip([2.5, f64::NAN, -1.0, 0.5])
        .map(|(n, p)| Item {
            name: n.to_string(),
            price: p,
        })
        .collect();
    let (by_name, by_price) = pipeline! {
        let xs = from_collection(items.clone());
        xs -> sort_by(|i: &Item| i.name.as_str()) -> map(|i: Item| i.price.to_string()) -> collect();
        xs -> sort_by(|i: &Item| i.price) -> map(|i: Item| i.name) -> collect();
    }
    .run()
    .unwrap();
    assert_eq!(by_name, ["NaN", "0.5", "-1", "2.5"]);
    assert_eq!(by_price, ["fig", "apple", "pear", "apple"]);
}

/// Lines of a file, sorted: owned where the sort keeps them.
#[test]
fn lines_of_a_file_sorted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("words.txt");
    std::fs::write(&path, "pear\napple\nfig\n").unwrap();
    let p = path.to_str().unwrap();
    let sorted: Vec<String> =
        pipeline! { read_text(p) -> sort_by(|l: &String| l.len()) -> collect() }
            .run()
            .unwrap();
    assert_eq!(sorted, ["fig", "pear", "apple"]);
}

/// Floats inside a composite key are wrapped in `TotalOrder`.
#[test]
fn floats_in_composite_keys() {
    let points = vec![(1.0f64, 2.0f64), (0.5, 9.0), (1.0, -3.0)];
    let sorted = pipeline! {
        from_collection(points) -> sort_by(|p: &(f64, f64)| (dataflow::TotalOrder(p.0), dataflow::TotalOrder(p.1))) -> collect()
    }
    .run()
    .unwrap();
    assert_eq!(sorted, vec![(0.5, 9.0), (1.0, -3.0), (1.0, 2.0)]);
}

/// Records whose keys tie but whose payloads differ: a stable sort keeps their input order.
type Tagged = (u8, u32);

fn tagged(n: usize, keys: u8) -> Vec<Tagged> {
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    (0..n as u32)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s % keys as u64) as u8, i)
        })
        .collect()
}

/// `sort_by -> collect()` takes the sorted ranges as one `Vec` (no stage runs between): the
/// same result as a sequential stable sort, for inputs of every shape, at every parallelism,
/// and as a collection named by a turbofish.
#[test]
fn sort_then_collect_of_every_shape() {
    let shapes: Vec<(&str, Vec<Tagged>)> = vec![
        ("empty", vec![]),
        ("one record", vec![(3, 0)]),
        ("all keys equal", tagged(50_000, 1)),
        ("two keys", tagged(50_000, 2)),
        ("many duplicates", tagged(60_000, 7)),
        (
            "all different",
            (0..40_000u32).rev().map(|i| ((i % 251) as u8, i)).collect(),
        ),
        (
            "already sorted",
            (0..40_000u32).map(|i| ((i / 200) as u8, i)).collect(),
        ),
    ];
    for (shape, data) in shapes {
        let mut asc = data.clone();
        asc.sort_by_key(|r| r.0);
        let mut desc = data.clone();
        desc.sort_by_key(|r| Reverse(r.0));
        let mut pair = data.clone();
        pair.sort_by_key(|r| (r.0 % 3, Reverse(r.0)));
        for p in [1, 2, 7] {
            let (a, d, t, q) = pipeline! {
                let xs = from_collection(data.clone());
                xs -> sort_by(|r: &Tagged| r.0) -> collect();
                xs -> sort_by(|r: &Tagged| r.0, descending = true) -> collect();
                xs -> sort_by(|r: &Tagged| (r.0 % 3, Reverse(r.0))) -> collect();
                xs -> sort_by(|r: &Tagged| r.0) -> collect::<std::collections::VecDeque<_>>();
            }
            .parallelism(p)
            .run()
            .unwrap();
            assert_eq!(a, asc, "{shape}, parallelism {p}");
            assert_eq!(d, desc, "{shape}, descending, parallelism {p}");
            assert_eq!(t, pair, "{shape}, tuple key, parallelism {p}");
            assert_eq!(Vec::from(q), asc, "{shape}, VecDeque, parallelism {p}");
        }
    }
}

/// The stable sort first sorts each range unstably and keeps that only where no two keys are
/// equal: a few ties hidden among distinct keys (which the sample misses) must still come out
/// in input order, at every parallelism; the same with a map after the sort (ranges handed to
/// another stage, not to `collect`).
#[test]
fn ties_the_sample_misses_keep_input_order() {
    let data: Vec<(u64, u32)> = (0..60_000u32)
        .map(|i| {
            let k = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            (if i % 9_999 == 5 { 42 } else { k }, i)
        })
        .collect();
    let mut want = data.clone();
    want.sort_by_key(|r| r.0);
    for p in [1, 2, 7] {
        let (direct, mapped) = pipeline! {
            let xs = from_collection(data.clone());
            xs -> sort_by(|r: &(u64, u32)| r.0) -> collect();
            xs -> sort_by(|r: &(u64, u32)| r.0) -> map(|r: (u64, u32)| r.1) -> collect();
        }
        .parallelism(p)
        .run()
        .unwrap();
        assert_eq!(direct, want, "parallelism {p}");
        assert_eq!(mapped, want.iter().map(|r| r.1).collect::<Vec<_>>());
    }
}

/// `explain()` says the sorted `Vec` goes to `collect` as it is, and a panic in the key
/// closure names `sort_by`.
#[test]
fn sort_to_collect_is_explained_and_a_panicking_key_names_sort_by() {
    let job = pipeline! { from_collection(vec![3u32, 1, 2]) -> sort_by(|x: &u32| *x) -> collect() };
    assert!(
        job.explain().contains("handed to collect as it is"),
        "{}",
        job.explain()
    );
    assert_eq!(job.run().unwrap(), [1, 2, 3]);
    let err = pipeline! {
        from_collection((0..50_000u32).collect::<Vec<_>>())
            -> sort_by(|x: &u32| if *x == 40_000 { panic!("bad key") } else { *x })
            -> collect()
    }
    .parallelism(2)
    .run()
    .unwrap_err();
    match err {
        dataflow::Error::UserPanic { operator, .. } => assert_eq!(operator, "sort_by"),
        other => panic!("expected a panic in sort_by, got {other}"),
    }
}
