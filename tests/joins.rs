//! Joins, semi and anti joins, co_group, cross, union and broadcast variables: every kind and
//! strategy against nested-loop references, with random keys and many duplicates, at
//! parallelism 1, 2 and 7. Results are identical at every parallelism, in order; against the
//! reference they are compared as multisets (a join's output order is by key partition).

use dataflow::prelude::*;
use proptest::prelude::*;
use std::collections::BTreeMap;

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
            (
                (state % keys as u64) as u8,
                ((state >> 24) % 2001) as i32 - 1000,
            )
        })
        .collect()
}

/// Small inputs with few keys (many duplicates), or inputs above one task's share.
fn side() -> impl Strategy<Value = Vec<Rec>> {
    prop_oneof![
        3 => prop::collection::vec((0u8..6, -50i32..50), 0..20),
        1 => (any::<u64>(), 4_100usize..5_000, 40u8..=200).prop_map(|(s, n, k)| generate(s, n, k)),
    ]
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

/// Runs `job` at every parallelism; the results must be identical; returns one.
fn same_at_every_parallelism<T: PartialEq + std::fmt::Debug>(job: impl Fn(usize) -> T) -> T {
    let first = job(PARALLELISM[0]);
    for &p in &PARALLELISM[1..] {
        assert_eq!(job(p), first, "parallelism {p} differs from 1");
    }
    first
}

fn inner_reference(l: &[Rec], r: &[Rec]) -> Vec<(Rec, Rec)> {
    let mut out = Vec::new();
    for a in l {
        for b in r {
            if a.0 == b.0 {
                out.push((*a, *b));
            }
        }
    }
    sorted(out)
}

fn left_outer_reference(l: &[Rec], r: &[Rec]) -> Vec<(Rec, Option<Rec>)> {
    let mut out = Vec::new();
    for a in l {
        let matches: Vec<&Rec> = r.iter().filter(|b| b.0 == a.0).collect();
        if matches.is_empty() {
            out.push((*a, None));
        }
        out.extend(matches.into_iter().map(|b| (*a, Some(*b))));
    }
    sorted(out)
}

fn full_outer_reference(l: &[Rec], r: &[Rec]) -> Vec<(Option<Rec>, Option<Rec>)> {
    let mut out: Vec<(Option<Rec>, Option<Rec>)> = left_outer_reference(l, r)
        .into_iter()
        .map(|(a, b)| (Some(a), b))
        .collect();
    for b in r {
        if !l.iter().any(|a| a.0 == b.0) {
            out.push((None, Some(*b)));
        }
    }
    sorted(out)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 24,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    /// Inner joins, every strategy: every pair of equal keys, duplicates on both sides.
    #[test]
    fn inner_join_every_strategy(l in side(), r in side()) {
        let want = inner_reference(&l, &r);
        let hash = same_at_every_parallelism(|p| pipeline! {
            let ls = from_collection(l.clone());
            let rs = from_collection(r.clone());
            ls -> join(rs, |a: &Rec| a.0, |b: &Rec| b.0) -> collect();
        }.parallelism(p).run().unwrap());
        prop_assert_eq!(sorted(hash), want.clone());
        let merge = same_at_every_parallelism(|p| pipeline! {
            let ls = from_collection(l.clone());
            let rs = from_collection(r.clone());
            ls -> join(rs, |a: &Rec| a.0, |b: &Rec| b.0, strategy = sort_merge) -> collect();
        }.parallelism(p).run().unwrap());
        prop_assert_eq!(sorted(merge), want.clone());
        let right = same_at_every_parallelism(|p| pipeline! {
            let ls = from_collection(l.clone());
            let rs = from_collection(r.clone());
            ls -> join(rs, |a: &Rec| a.0, |b: &Rec| b.0, strategy = broadcast_right) -> collect();
        }.parallelism(p).run().unwrap());
        prop_assert_eq!(sorted(right), want.clone());
        let left = same_at_every_parallelism(|p| pipeline! {
            let ls = from_collection(l.clone());
            let rs = from_collection(r.clone());
            ls -> join(rs, |a: &Rec| a.0, |b: &Rec| b.0, strategy = broadcast_left) -> collect();
        }.parallelism(p).run().unwrap());
        prop_assert_eq!(sorted(left), want);
    }

    /// A join function sees both records of each pair, by reference.
    #[test]
    fn join_function(l in side(), r in side()) {
        let want = sorted(inner_reference(&l, &r).into_iter().map(|(a, b)| a.1 as i64 * 10_000 + b.1 as i64).collect());
        let got = same_at_every_parallelism(|p| pipeline! {
            let ls = from_collection(l.clone());
            let rs = from_collection(r.clone());
            ls -> join(rs, |a: &Rec| a.0, |b: &Rec| b.0, |a: &Rec, b: &Rec| a.1 as i64 * 10_000 + b.1 as i64)
               -> collect();
        }.parallelism(p).run().unwrap());
        prop_assert_eq!(sorted(got), want);
    }

    /// Outer joins: the unmatched records of the kept side(s) once, with `None`.
    #[test]
    fn outer_joins(l in side(), r in side()) {
        let (left, right, full, left_bc, right_bc, full_merge) = same_at_every_parallelism(|p| pipeline! {
            let ls = from_collection(l.clone());
            let rs = from_collection(r.clone());
            ls -> left_outer_join(rs, |a: &Rec| a.0, |b: &Rec| b.0) -> collect();
            ls -> right_outer_join(rs, |a: &Rec| a.0, |b: &Rec| b.0) -> collect();
            ls -> full_outer_join(rs, |a: &Rec| a.0, |b: &Rec| b.0) -> collect();
            ls -> left_outer_join(rs, |a: &Rec| a.0, |b: &Rec| b.0, strategy = broadcast_right) -> collect();
            ls -> right_outer_join(rs, |a: &Rec| a.0, |b: &Rec| b.0, strategy = broadcast_left) -> collect();
            ls -> full_outer_join(rs, |a: &Rec| a.0, |b: &Rec| b.0, strategy = sort_merge) -> collect();
        }.parallelism(p).run().unwrap());
        let want_left = left_outer_reference(&l, &r);
        let want_right: Vec<(Option<Rec>, Rec)> = sorted(left_outer_reference(&r, &l).into_iter().map(|(b, a)| (a, b)).collect());
        prop_assert_eq!(sorted(left), want_left.clone());
        prop_assert_eq!(sorted(left_bc), want_left);
        prop_assert_eq!(sorted(right), want_right.clone());
        prop_assert_eq!(sorted(right_bc), want_right);
        prop_assert_eq!(sorted(full), full_outer_reference(&l, &r));
        prop_assert_eq!(sorted(full_merge), full_outer_reference(&l, &r));
    }

    /// Semi and anti joins keep each left record once, by whether its key is on the right.
    #[test]
    fn semi_and_anti_joins(l in side(), r in side()) {
        let (semi, anti, semi_bc, anti_bc) = same_at_every_parallelism(|p| pipeline! {
            let ls = from_collection(l.clone());
            let rs = from_collection(r.clone());
            ls -> semi_join(rs, |a: &Rec| a.0, |b: &Rec| b.0) -> collect();
            ls -> anti_join(rs, |a: &Rec| a.0, |b: &Rec| b.0) -> collect();
            ls -> semi_join(rs, |a: &Rec| a.0, |b: &Rec| b.0, strategy = broadcast_right) -> collect();
            ls -> anti_join(rs, |a: &Rec| a.0, |b: &Rec| b.0, strategy = broadcast_right) -> collect();
        }.parallelism(p).run().unwrap());
        let present = |a: &Rec| r.iter().any(|b| b.0 == a.0);
        let want_semi: Vec<Rec> = l.iter().copied().filter(present).collect();
        let want_anti: Vec<Rec> = l.iter().copied().filter(|a| !present(a)).collect();
        prop_assert_eq!(sorted(semi), sorted(want_semi.clone()));
        prop_assert_eq!(sorted(anti), sorted(want_anti.clone()));
        // Streamed past a broadcast table, the left side keeps its input order.
        prop_assert_eq!(semi_bc, want_semi);
        prop_assert_eq!(anti_bc, want_anti);
    }

    /// co_group: each key once, with both groups (one possibly empty) in input order.
    #[test]
    fn co_group_sees_both_groups(l in side(), r in side()) {
        let got = same_at_every_parallelism(|p| pipeline! {
            let ls = from_collection(l.clone());
            let rs = from_collection(r.clone());
            ls -> co_group(rs, |a: &Rec| a.0, |b: &Rec| b.0,
                    |k: &u8, a: &[Rec], b: &[Rec]| Some((*k, a.iter().map(|x| x.1).collect::<Vec<_>>(), b.iter().map(|x| x.1).collect::<Vec<_>>())))
               -> collect();
        }.parallelism(p).run().unwrap());
        let mut want: BTreeMap<u8, (Vec<i32>, Vec<i32>)> = BTreeMap::new();
        for a in &l { want.entry(a.0).or_default().0.push(a.1); }
        for b in &r { want.entry(b.0).or_default().1.push(b.1); }
        let want: Vec<(u8, Vec<i32>, Vec<i32>)> = want.into_iter().map(|(k, (a, b))| (k, a, b)).collect();
        prop_assert_eq!(sorted(got), want);
    }

    /// cross: every pair, the streamed side in input order.
    #[test]
    fn cross_pairs_everything(l in prop::collection::vec((0u8..6, -50i32..50), 0..30), r in prop::collection::vec((0u8..6, -50i32..50), 0..12)) {
        let (right, left) = same_at_every_parallelism(|p| pipeline! {
            let ls = from_collection(l.clone());
            let rs = from_collection(r.clone());
            ls -> cross(rs) -> collect();
            ls -> cross(rs, |a: &Rec, b: &Rec| (a.1, b.1), strategy = broadcast_left) -> collect();
        }.parallelism(p).run().unwrap());
        let want: Vec<(Rec, Rec)> = l.iter().flat_map(|a| r.iter().map(move |b| (*a, *b))).collect();
        prop_assert_eq!(right, want.clone());
        prop_assert_eq!(sorted(left), sorted(want.into_iter().map(|(a, b)| (a.1, b.1)).collect()));
    }

    /// union: the inputs one after the other, each in order.
    #[test]
    fn union_concatenates_in_order(a in side(), b in side(), c in side()) {
        let got = same_at_every_parallelism(|p| pipeline! {
            let xs = from_collection(a.clone());
            let ys = from_collection(b.clone()) -> filter(|r: &Rec| r.1 >= 0);
            let zs = from_collection(c.clone());
            xs -> union(ys, zs) -> map(|r: Rec| r.1) -> collect();
        }.parallelism(p).run().unwrap());
        let want: Vec<i32> = a.iter().chain(b.iter().filter(|r| r.1 >= 0)).chain(c.iter()).map(|r| r.1).collect();
        prop_assert_eq!(got, want);
    }
}

#[test]
fn edge_cases_empty_sides_equal_keys_and_skew() {
    let big: Vec<Rec> = generate(7, 20_000, 50);
    let tiny: Vec<Rec> = vec![(3, 1), (3, 2), (49, 5)];
    let empty: Vec<Rec> = Vec::new();
    let same: Vec<Rec> = (0..300).map(|i| (1u8, i)).collect();
    for (l, r) in [
        (&big, &tiny),
        (&tiny, &big),
        (&big, &empty),
        (&empty, &big),
        (&same, &same),
    ] {
        let (inner, full) = same_at_every_parallelism(|p| {
            pipeline! {
                let ls = from_collection(l.clone());
                let rs = from_collection(r.clone());
                ls -> join(rs, |a: &Rec| a.0, |b: &Rec| b.0) -> collect();
                ls -> full_outer_join(rs, |a: &Rec| a.0, |b: &Rec| b.0) -> collect();
            }
            .parallelism(p)
            .run()
            .unwrap()
        });
        assert_eq!(sorted(inner), inner_reference(l, r));
        assert_eq!(sorted(full), full_outer_reference(l, r));
    }
    // Keys present on one side only.
    let odd: Vec<Rec> = (0..100).map(|i| (2 * i as u8 + 1, i)).collect();
    let even: Vec<Rec> = (0..100).map(|i| (2 * i as u8, i)).collect();
    let (inner, anti) = pipeline! {
        let ls = from_collection(odd.clone());
        let rs = from_collection(even.clone());
        ls -> join(rs, |a: &Rec| a.0, |b: &Rec| b.0) -> count();
        ls -> anti_join(rs, |a: &Rec| a.0, |b: &Rec| b.0) -> count();
    }
    .run()
    .unwrap();
    assert_eq!((inner, anti), (0, 100));
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Customer {
    id: u32,
    name: String,
    nation: String,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Order {
    id: u32,
    customer: String,
    nation: String,
    total: i64,
}

/// Keys borrowed from the records (`&str`), and tuple keys of several fields.
#[test]
fn borrowed_and_tuple_keys() {
    let customers: Vec<Customer> = (0..50)
        .map(|i| Customer {
            id: i,
            name: format!("c{}", i % 40),
            nation: format!("n{}", i % 3),
        })
        .collect();
    let orders: Vec<Order> = (0..3000)
        .map(|i| Order {
            id: i,
            customer: format!("c{}", i % 45),
            nation: format!("n{}", i % 4),
            total: i as i64,
        })
        .collect();
    let (by_name, by_both) = same_at_every_parallelism(|p| {
        pipeline! {
            let os = from_collection(orders.clone());
            let cs = from_collection(customers.clone());
            os -> join(cs, |o: &Order| o.customer.as_str(), |c: &Customer| c.name.as_str(), |o: &Order, c: &Customer| (o.id, c.id))
               -> collect();
            os -> join(cs, |o: &Order| (o.customer.as_str(), &o.nation), |c: &Customer| (c.name.as_str(), &c.nation))
               -> map(|(o, c): (Order, Customer)| (o.id, c.id))
               -> collect();
        }
        .parallelism(p)
        .run()
        .unwrap()
    });
    let mut want_name = Vec::new();
    let mut want_both = Vec::new();
    for o in &orders {
        for c in &customers {
            if o.customer == c.name {
                want_name.push((o.id, c.id));
                if o.nation == c.nation {
                    want_both.push((o.id, c.id));
                }
            }
        }
    }
    assert_eq!(sorted(by_name), sorted(want_name));
    assert_eq!(sorted(by_both), sorted(want_both));
}

/// A broadcast variable: a data set, or a global aggregation's value, read by closures.
#[test]
fn broadcast_variables() {
    let data: Vec<i64> = (0..10_000).collect();
    let (scaled, above) = same_at_every_parallelism(|p| {
        pipeline! {
            let xs = from_collection(data.clone());
            let factors = from_collection(vec![2i64, 3]) -> broadcast();
            let total = xs -> sum() -> broadcast();
            xs -> map(|x: i64| x * factors.iter().product::<i64>()) -> sum();
            xs -> filter(|x: &i64| *x * 10_000 > *total) -> count();
        }
        .parallelism(p)
        .run()
        .unwrap()
    });
    assert_eq!(scaled, data.iter().sum::<i64>() * 6);
    let total: i64 = data.iter().sum();
    assert_eq!(
        above,
        data.iter().filter(|x| **x * 10_000 > total).count() as u64
    );
}

/// A join's output flows into keyed aggregation and later joins, as any data set does.
#[test]
fn joins_compose_with_aggregation_and_further_joins() {
    let l = generate(3, 5000, 30);
    let r = generate(4, 200, 30);
    let names: Vec<(u8, String)> = (0..30).map(|k| (k, format!("k{k}"))).collect();
    let job = |p: usize| {
        pipeline! {
            let ls = from_collection(l.clone());
            let rs = from_collection(r.clone());
            let ns = from_collection(names.clone());
            let pairs = ls -> join(rs, |a: &Rec| a.0, |b: &Rec| b.0, |a: &Rec, b: &Rec| (a.0, a.1 as i64 * b.1 as i64));
            let sums = pairs -> key_by(|x: &(u8, i64)| x.0) -> sum(|x: &(u8, i64)| x.1);
            sums -> join(ns, |s: &(u8, i64)| s.0, |n: &(u8, String)| n.0, |s: &(u8, i64), n: &(u8, String)| (n.1.clone(), s.1))
                 -> collect();
        }
        .parallelism(p)
    };
    // The sums are partitioned by their key already: the second join reads them in place.
    assert!(
        job(1).explain().contains("exchange skipped"),
        "{}",
        job(1).explain()
    );
    let got = same_at_every_parallelism(|p| job(p).run().unwrap());
    let mut want: BTreeMap<u8, i64> = BTreeMap::new();
    for a in &l {
        for b in &r {
            if a.0 == b.0 {
                *want.entry(a.0).or_default() += a.1 as i64 * b.1 as i64;
            }
        }
    }
    let want: Vec<(String, i64)> = want
        .into_iter()
        .map(|(k, v)| (format!("k{k}"), v))
        .collect();
    assert_eq!(sorted(got), sorted(want));
}

/// A self-join reads one data set on both sides; the records are cloned for one side.
#[test]
fn self_join_and_lines_from_files() {
    let dir = std::env::temp_dir().join(format!("dataflow-joins-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("words.txt");
    std::fs::write(&path, "a 1\nb 2\na 3\nc 4\n").unwrap();
    let p = path.to_str().unwrap();
    let got = pipeline! {
        let lines = read_text(p);
        lines -> join(lines, |l: &String| l.split(' ').next().unwrap(), |l: &String| l.split(' ').next().unwrap())
              -> map(|(a, b): (String, String)| format!("{a}|{b}"))
              -> collect();
    }
    .run()
    .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        sorted(got),
        sorted(vec![
            "a 1|a 1".to_string(),
            "a 1|a 3".into(),
            "a 3|a 1".into(),
            "a 3|a 3".into(),
            "b 2|b 2".into(),
            "c 4|c 4".into()
        ])
    );
}

/// An input already hash-partitioned by the join key is exchanged once (the join's exchange
/// replaces `partition_by_hash`'s), with the same result.
#[test]
fn partition_by_hash_before_a_join_on_the_same_key() {
    let l = generate(11, 6000, 60);
    let r = generate(12, 300, 60);
    let job = |p: usize| {
        pipeline! {
            let ls = from_collection(l.clone()) -> partition_by_hash(|a: &Rec| a.0);
            let rs = from_collection(r.clone());
            ls -> join(rs, |a: &Rec| a.0, |b: &Rec| b.0) -> collect();
        }
        .parallelism(p)
    };
    assert!(
        job(1).explain().contains("its own exchange is skipped"),
        "{}",
        job(1).explain()
    );
    let got = same_at_every_parallelism(|p| job(p).run().unwrap());
    assert_eq!(sorted(got), inner_reference(&l, &r));
}
