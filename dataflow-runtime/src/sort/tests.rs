use super::*;

fn pseudo_random(n: usize, keys: u64) -> Vec<(u64, usize)> {
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    (0..n)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s % keys, i)
        })
        .collect()
}

fn by_first(a: &(u64, usize), b: &(u64, usize)) -> Ordering {
    a.0.cmp(&b.0)
}

#[test]
fn sorts_stably_into_ordered_ranges_at_every_parallelism() {
    for keys in [1, 3, 1000, u64::MAX] {
        let data = pseudo_random(50_000, keys);
        let mut want = data.clone();
        want.sort_by_key(|r| r.0);
        for p in [1, 2, 7] {
            let tasks = || data.chunks(7000).map(<[_]>::to_vec).collect::<Vec<_>>();
            let parts = sort(p, tasks(), by_first);
            assert_eq!(parts.concat(), want, "keys {keys}, parallelism {p}");
            let whole = global_whole(p, tasks(), true, by_first);
            assert_eq!(whole, want, "whole, keys {keys}, parallelism {p}");
        }
    }
}

/// Ties are cut by input position, so one key shared by every record still gives ranges of
/// about equal size (sorted by several threads), in input order.
#[test]
fn equal_keys_spread_over_ranges_in_input_order() {
    for keys in [1, 2] {
        let data = pseudo_random(60_000, keys);
        let tasks: Vec<Vec<_>> = data.chunks(6000).map(<[_]>::to_vec).collect();
        let parts = global(4, tasks, true, by_first);
        let sizes: Vec<usize> = parts.iter().map(Vec::len).collect();
        assert_eq!(sizes.len(), 16);
        assert!(sizes.iter().all(|&n| n > 60_000 / 16 / 2), "{sizes:?}");
        let mut want = data.clone();
        want.sort_by_key(|r| r.0);
        assert_eq!(parts.concat(), want);
    }
}

#[test]
fn empty_and_tiny_inputs() {
    for p in [1, 2, 7] {
        let none: Vec<Vec<(u64, usize)>> = Vec::new();
        assert_eq!(global_whole(p, none.clone(), true, by_first), []);
        assert_eq!(sort(p, none, by_first).concat(), []);
        let one = vec![vec![], vec![(5, 0)], vec![]];
        assert_eq!(global_whole(p, one, true, by_first), [(5, 0)]);
    }
}

#[test]
fn ranges_hold_whole_keys_in_input_order() {
    let data = pseudo_random(40_000, 50);
    let tasks: Vec<Vec<_>> = data.chunks(5000).map(<[_]>::to_vec).collect();
    let ranges = partition_by_range(4, tasks, by_first);
    assert!(ranges.len() > 1);
    for w in ranges.windows(2) {
        let max = w[0].iter().map(|r| r.0).max();
        let min = w[1].iter().map(|r| r.0).min();
        if let (Some(max), Some(min)) = (max, min) {
            assert!(max < min, "ranges overlap");
        }
    }
    for r in &ranges {
        assert!(r.windows(2).all(|w| w[0].0 != w[1].0 || w[0].1 < w[1].1));
    }
    assert_eq!(ranges.iter().map(Vec::len).sum::<usize>(), 40_000);
}

/// Records that own memory are moved, never copied or dropped twice: by the unstable sort
/// that is kept (distinct keys), and by the one given up for the stable sort (ties the sample
/// missed: a few equal keys among many distinct ones).
#[test]
fn owned_records_survive_the_optimistic_sort() {
    for few_ties in [false, true] {
        let data: Vec<(u64, String)> = pseudo_random(30_000, u64::MAX)
            .into_iter()
            .map(|(k, i)| (if few_ties && i % 5000 == 7 { 1 } else { k }, i.to_string()))
            .collect();
        let mut want = data.clone();
        want.sort_by_key(|r| r.0);
        for p in [1, 2, 7] {
            let tasks: Vec<Vec<_>> = data.chunks(4000).map(<[_]>::to_vec).collect();
            let got = global_whole(p, tasks, true, |a, b| a.0.cmp(&b.0));
            assert_eq!(got, want, "parallelism {p}");
        }
    }
}

#[test]
#[allow(clippy::needless_borrow)]
fn floats_order_totally_and_ord_keys_by_ord() {
    let (a, b) = (f64::NAN, 1.0f64);
    assert_eq!(
        (&OrderProbe(&a)).order_kind().compare(&a, &b),
        Ordering::Greater
    );
    let (x, y) = ("b", "a");
    assert_eq!(
        (&OrderProbe(&x)).order_kind().compare(&x, &y),
        Ordering::Greater
    );
    let mut v = [
        TotalOrder(2.0),
        TotalOrder(f64::NAN),
        TotalOrder(-0.0),
        TotalOrder(0.0),
    ];
    v.sort();
    assert_eq!(
        v.iter().map(|t| t.0.to_string()).collect::<Vec<_>>(),
        ["-0", "0", "2", "NaN"]
    );
}
