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
