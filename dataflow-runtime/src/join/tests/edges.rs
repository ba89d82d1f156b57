//! Edge cases: empty sides, one key, lopsided sizes, disjoint keys, borrowed and tuple keys,
//! cancellation, hash collisions in co_group, and inputs large enough to split into many tasks.

use super::{run, *};
use std::collections::HashMap;

fn keyed(keys: impl IntoIterator<Item = u16>) -> Vec<Rec<u16>> {
    keys.into_iter().zip(0..).collect()
}

/// Runs every kernel on `left` and `right` at every parallelism, against the references.
fn check_all(left: &[Rec<u16>], right: &[Rec<u16>]) {
    for keep in [
        None,
        Some((true, false)),
        Some((false, true)),
        Some((true, true)),
    ] {
        let (kl, kr) = keep.unwrap_or((false, false));
        let got = at_every_parallelism(|ctx| run::hash_join(ctx, left, right, keep));
        assert_eq!(
            got,
            hash_join_reference(left, right, kl, kr),
            "hash {keep:?}"
        );
        let got = at_every_parallelism(|ctx| run::sort_merge(ctx, left, right, keep));
        assert_eq!(
            got,
            sort_merge_reference(left, right, kl, kr),
            "merge {keep:?}"
        );
    }
    for anti in [false, true] {
        let got = at_every_parallelism(|ctx| run::semi_join(ctx, left, right, anti));
        assert_eq!(got, semi_reference(left, right, anti), "anti {anti}");
    }
    let got = at_every_parallelism(|ctx| run::co_grouped(ctx, left, right));
    assert_eq!(got, co_group_reference(left, right));
}

#[test]
fn an_empty_side_gives_the_other_sides_unmatched_records() {
    let some = keyed((0..50).map(|i| i % 7));
    check_all(&[], &some);
    check_all(&some, &[]);
    check_all(&[], &[]);
    let full = at_every_parallelism(|ctx| run::hash_join(ctx, &some, &[], Some((true, true))));
    assert_eq!(full.len(), 50);
}

#[test]
fn all_keys_equal_gives_every_pair() {
    let (left, right) = (keyed([3; 120]), keyed([3; 90]));
    check_all(&left, &right);
    let pairs = at_every_parallelism(|ctx| run::hash_join(ctx, &left, &right, None));
    assert_eq!(pairs.len(), 120 * 90);
}

#[test]
fn one_side_a_thousand_times_larger() {
    let small = keyed(0..12);
    let large = keyed((0..12_000).map(|i| (i * 7 % 15) as u16));
    check_all(&small, &large);
    check_all(&large, &small);
}

#[test]
fn keys_on_one_side_only() {
    let (left, right) = (keyed(0..100), keyed(100..250));
    check_all(&left, &right);
    let full = at_every_parallelism(|ctx| run::hash_join(ctx, &left, &right, Some((true, true))));
    assert_eq!(full.len(), 250);
    assert!(at_every_parallelism(|ctx| run::hash_join(ctx, &left, &right, None)).is_empty());
}

fn name_key(x: &Rec<String>) -> &str {
    x.0.as_str()
}

fn tuple_key(x: &Rec<(u16, String)>) -> (u16, &str) {
    (x.0 .0, x.0 .1.as_str())
}

/// Records keyed by a borrowed `&str` (pushed under the owned `String`, which hashes alike),
/// and by a tuple holding one.
#[test]
fn borrowed_str_and_tuple_keys() {
    let names = ["ann", "bob", "cy", "dee", "ed"];
    let string_recs = |n: usize, step: usize| -> Vec<Rec<String>> {
        (0..n)
            .map(|i| (names[i * step % names.len()].to_string(), i as u32))
            .collect()
    };
    let (left, right) = (string_recs(40, 3), string_recs(25, 2));
    let expected = hash_join_reference(&left, &right, false, false);
    let got = at_every_parallelism(|ctx| {
        let (l, r) = (input(ctx, &left), input(ctx, &right));
        let key = name_key;
        let states = inner(ctx, &OP, &l, &r, key, key, Vec::new, |s, x, y| {
            s.push((Some(x.1), Some(y.1)))
        });
        states.unwrap().concat()
    });
    assert_eq!(got, expected);

    let expected = co_group_reference(&left, &right);
    let got = at_every_parallelism(|ctx| {
        let (mut l, mut r) = (input(ctx, &left), input(ctx, &right));
        let key = name_key;
        let ids = |xs: &[Rec<String>]| xs.iter().map(|x| x.1).collect::<Vec<u32>>();
        let states = co_group(
            ctx,
            &OP,
            &mut l,
            &mut r,
            key,
            key,
            Vec::new,
            |s, k, xs, ys| s.push((k.to_string(), ids(xs), ids(ys))),
        );
        states.unwrap().concat()
    });
    assert_eq!(got, expected);

    // Tuple keys (u16, &str), pushed under (u16, String).
    let tuple = |recs: &[Rec<String>]| -> Vec<Rec<(u16, String)>> {
        recs.iter()
            .map(|(s, i)| (((*i % 2) as u16, s.clone()), *i))
            .collect()
    };
    let (left, right) = (tuple(&left), tuple(&right));
    let expected = hash_join_reference(&left, &right, true, true);
    let got = at_every_parallelism(|ctx| {
        let (l, r) = (input(ctx, &left), input(ctx, &right));
        let key = tuple_key;
        let states = outer(
            ctx,
            &OP,
            &l,
            &r,
            key,
            key,
            true,
            true,
            Vec::new,
            |s, x, y| s.push((x.map(|x| x.1), y.map(|y| y.1))),
        );
        states.unwrap().concat()
    });
    assert_eq!(got, expected);

    let table = BroadcastTable::build(&right, |x: &Rec<(u16, String)>| (x.0 .0, x.0 .1.as_str()));
    let found: Vec<u32> = table.get(&(0, "bob")).map(|x| x.1).collect();
    let expected: Vec<u32> = right
        .iter()
        .filter(|x| x.0 == (0, "bob".to_string()))
        .map(|x| x.1)
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(found, expected);
}

/// A job that has failed elsewhere makes every kernel stop before calling `body`.
#[test]
fn a_cancelled_job_calls_no_body() {
    let recs = keyed((0..5000).map(|i| i % 100));
    let ctx = Context::new(2);
    let (l, mut r) = (input(&ctx, &recs), input(&ctx, &recs));
    let mut l2 = input(&ctx, &recs);
    ctx.cancel();
    let key = |x: &Rec<u16>| x.0;
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let count = || {
        calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    };
    inner(&ctx, &OP, &l, &r, key, key, || (), |_, _, _| count()).unwrap();
    outer(
        &ctx,
        &OP,
        &l,
        &r,
        key,
        key,
        true,
        true,
        || (),
        |_, _, _| count(),
    )
    .unwrap();
    semi(&ctx, &OP, &l, &r, key, key, true, || (), |_, _| count()).unwrap();
    sort_merge_inner(&ctx, &OP, &l, &r, key, key, || (), |_, _, _| count()).unwrap();
    co_group(
        &ctx,
        &OP,
        &mut l2,
        &mut r,
        key,
        key,
        || (),
        |_, _, _, _| count(),
    )
    .unwrap();
    assert_eq!(calls.into_inner(), 0);
}

/// A key type whose `Hash` leaves out a field that `Eq` compares.
#[derive(Clone, Debug, PartialEq, Eq)]
struct HalfHashed(u8, u8);

impl Hash for HalfHashed {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state)
    }
}

#[test]
fn co_group_separates_colliding_keys_across_sides_and_reports_them_within_one() {
    let recs = |keys: &[(u8, u8)]| -> Vec<Rec<HalfHashed>> {
        keys.iter()
            .map(|&(a, b)| HalfHashed(a, b))
            .zip(0..)
            .collect()
    };
    // Across sides: (1, 1) on the left, (1, 2) on the right: two keys, two calls.
    let (left, right) = (recs(&[(1, 1), (1, 1), (2, 0)]), recs(&[(1, 2), (2, 0)]));
    let got = at_every_parallelism(|ctx| run::co_grouped(ctx, &left, &right));
    assert_eq!(got.len(), 3);
    let mut sorted = got.clone();
    sorted.sort_by_key(|g| (g.0 .0, g.0 .1));
    let mut expected = co_group_reference(&left, &right);
    expected.sort_by_key(|g| (g.0 .0, g.0 .1));
    assert_eq!(sorted, expected);
    // Within one side: an error naming the operator, never a merged group.
    let left = recs(&[(1, 1), (1, 2)]);
    let ctx = Context::new(2);
    let (mut l, mut r) = (input(&ctx, &left), input(&ctx, &right));
    let key = |x: &Rec<HalfHashed>| x.0.clone();
    let err = co_group(&ctx, &OP, &mut l, &mut r, key, key, || (), |_, _, _, _| ()).unwrap_err();
    assert!(err.to_string().contains("operator `join`"), "{err}");
    assert!(err.to_string().contains("same 64-bit hash"), "{err}");
}

/// Inputs split into several tasks per side: the result does not depend on the split, and
/// the number of pairs is the sum over keys of the product of both sides' counts.
#[test]
fn large_inputs_split_into_tasks_give_the_same_result() {
    let mut state = 7u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as u16 % 3000
    };
    let left = keyed((0..40_000).map(|_| next()));
    let right = keyed((0..30_000).map(|_| next()));
    let count = |recs: &[Rec<u16>]| {
        let mut m: HashMap<u16, usize> = HashMap::new();
        recs.iter().for_each(|r| *m.entry(r.0).or_default() += 1);
        m
    };
    let (lc, rc) = (count(&left), count(&right));
    let expected: usize = lc.iter().map(|(k, n)| n * rc.get(k).unwrap_or(&0)).sum();
    let pairs = at_every_parallelism(|ctx| run::hash_join(ctx, &left, &right, None));
    assert_eq!(pairs.len(), expected);
    let merged = at_every_parallelism(|ctx| run::sort_merge(ctx, &left, &right, None));
    assert_eq!(merged.len(), expected);
    let groups = at_every_parallelism(|ctx| run::co_grouped(ctx, &left, &right));
    assert_eq!(
        groups.len(),
        lc.keys()
            .chain(rc.keys())
            .collect::<std::collections::HashSet<_>>()
            .len()
    );
}
