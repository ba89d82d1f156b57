//! Tests of the join kernels against nested-loop references that produce the documented order,
//! run at parallelism 1, 2 and 7.

mod edges;
mod props;

use super::*;
use crate::driver::drive_indexed;
use crate::guard::OpInfo;
use crate::hash::{hash_one, partition_of, HASH_PARTITIONS};
use crate::job::Context;
use std::collections::BTreeSet;
use std::hash::Hash;
use std::sync::OnceLock;

static OP: OpInfo = OpInfo {
    name: "join",
    file: file!(),
    line: line!(),
    column: 1,
};

/// A record: a key and an id (its position in its input).
pub(super) type Rec<K> = (K, u32);
/// One output row: the ids of the left and the right record.
pub(super) type Row = (Option<u32>, Option<u32>);

/// Pools of 1, 2 and 7 threads, built once.
fn pools() -> &'static [(usize, rayon::ThreadPool)] {
    static POOLS: OnceLock<Vec<(usize, rayon::ThreadPool)>> = OnceLock::new();
    POOLS.get_or_init(|| {
        [1, 2, 7]
            .into_iter()
            .map(|n| {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(n).build();
                (n, pool.unwrap())
            })
            .collect()
    })
}

/// Runs `f` at every parallelism, checks that all results are equal, and returns it.
pub(super) fn at_every_parallelism<T: PartialEq + std::fmt::Debug + Send>(
    f: impl Fn(&Context) -> T + Sync,
) -> T {
    let mut results: Vec<T> = pools()
        .iter()
        .map(|(n, pool)| pool.install(|| f(&Context::new(*n))))
        .collect();
    let first = results.remove(0);
    for (other, (n, _)) in results.into_iter().zip(&pools()[1..]) {
        assert_eq!(other, first, "parallelism {n} differs from parallelism 1");
    }
    first
}

/// The join input of `records`, pushed by the driver's tasks (in input order) as a stage does.
pub(super) fn input<K: Hash + Clone + Send + Sync>(
    ctx: &Context,
    records: &[Rec<K>],
) -> JoinInput<Rec<K>> {
    let sides = drive_indexed(ctx, &OP, records, JoinSide::new, |side, r: &Rec<K>| {
        side.push(&r.0, r.clone())
    });
    finish_side(sides.unwrap())
}

/// `records` split by partition, in input order: what a [`JoinInput`] holds.
pub(super) fn by_partition<K: Hash>(records: &[Rec<K>]) -> Vec<Vec<&Rec<K>>> {
    let mut parts: Vec<Vec<&Rec<K>>> = vec![Vec::new(); HASH_PARTITIONS];
    for r in records {
        parts[partition_of(hash_one(&r.0), HASH_PARTITIONS)].push(r);
    }
    parts
}

/// Hash join (inner and outer) by nested loops, in the documented order.
pub(super) fn hash_join_reference<K: Hash + Eq>(
    left: &[Rec<K>],
    right: &[Rec<K>],
    keep_left: bool,
    keep_right: bool,
) -> Vec<Row> {
    let mut out = Vec::new();
    for (lp, rp) in by_partition(left).into_iter().zip(by_partition(right)) {
        let build_right = rp.len() <= lp.len();
        let (probe, build) = if build_right { (&lp, &rp) } else { (&rp, &lp) };
        let (keep_probe, keep_build) = if build_right {
            (keep_left, keep_right)
        } else {
            (keep_right, keep_left)
        };
        // Rows as (probe id, build id), turned into (left, right) at the end.
        let mut rows: Vec<(Option<u32>, Option<u32>)> = Vec::new();
        let mut matched = vec![false; build.len()];
        for p in probe.iter() {
            let mut any = false;
            for (j, b) in build.iter().enumerate() {
                if p.0 == b.0 {
                    rows.push((Some(p.1), Some(b.1)));
                    matched[j] = true;
                    any = true;
                }
            }
            if !any && keep_probe {
                rows.push((Some(p.1), None));
            }
        }
        for (j, b) in build.iter().enumerate() {
            if !matched[j] && keep_build {
                rows.push((None, Some(b.1)));
            }
        }
        out.extend(
            rows.into_iter()
                .map(|(p, b)| if build_right { (p, b) } else { (b, p) }),
        );
    }
    out
}

/// Semi / anti join by nested loops: left ids in partition order, then input order.
pub(super) fn semi_reference<K: Hash + Eq>(
    left: &[Rec<K>],
    right: &[Rec<K>],
    anti: bool,
) -> Vec<u32> {
    let present: Vec<&K> = right.iter().map(|r| &r.0).collect();
    by_partition(left)
        .into_iter()
        .flatten()
        .filter(|l| present.contains(&&l.0) != anti)
        .map(|l| l.1)
        .collect()
}

/// Sort-merge join (inner and outer), in the documented order: key order within a partition.
pub(super) fn sort_merge_reference<K: Hash + Ord>(
    left: &[Rec<K>],
    right: &[Rec<K>],
    keep_left: bool,
    keep_right: bool,
) -> Vec<Row> {
    let mut out = Vec::new();
    for (lp, rp) in by_partition(left).into_iter().zip(by_partition(right)) {
        let keys: BTreeSet<&K> = lp.iter().chain(&rp).map(|r| &r.0).collect();
        for k in keys {
            let ls: Vec<u32> = lp.iter().filter(|r| &r.0 == k).map(|r| r.1).collect();
            let rs: Vec<u32> = rp.iter().filter(|r| &r.0 == k).map(|r| r.1).collect();
            for &l in &ls {
                out.extend(rs.iter().map(|&r| (Some(l), Some(r))));
            }
            if rs.is_empty() && keep_left {
                out.extend(ls.iter().map(|&l| (Some(l), None)));
            }
            if ls.is_empty() && keep_right {
                out.extend(rs.iter().map(|&r| (None, Some(r))));
            }
        }
    }
    out
}

/// One co_group call: the key and the ids of its left and right records.
pub(super) type Group<K> = (K, Vec<u32>, Vec<u32>);

/// co_group by nested loops, in the documented order.
pub(super) fn co_group_reference<K: Hash + Eq + Clone>(
    left: &[Rec<K>],
    right: &[Rec<K>],
) -> Vec<Group<K>> {
    let mut out = Vec::new();
    for (lp, rp) in by_partition(left).into_iter().zip(by_partition(right)) {
        let mut keys: Vec<&K> = Vec::new();
        for r in lp.iter().chain(&rp) {
            if !keys.contains(&&r.0) {
                keys.push(&r.0);
            }
        }
        for k in keys {
            let ids = |side: &[&Rec<K>]| side.iter().filter(|r| &r.0 == k).map(|r| r.1).collect();
            out.push((k.clone(), ids(&lp), ids(&rp)));
        }
    }
    out
}

/// The kernels, run as generated code runs them, with their output flattened into rows.
pub(super) mod run {
    use super::*;

    fn flat<T>(states: crate::Result<Vec<Vec<T>>>) -> Vec<T> {
        states.unwrap().into_iter().flatten().collect()
    }

    pub fn hash_join<K: Hash + Eq + Clone + Send + Sync>(
        ctx: &Context,
        left: &[Rec<K>],
        right: &[Rec<K>],
        keep: Option<(bool, bool)>,
    ) -> Vec<Row> {
        let (l, r) = (input(ctx, left), input(ctx, right));
        let key = |x: &Rec<K>| x.0.clone();
        match keep {
            None => flat(inner(ctx, &OP, &l, &r, key, key, Vec::new, |s, x, y| {
                s.push((Some(x.1), Some(y.1)))
            })),
            Some((kl, kr)) => flat(outer(
                ctx,
                &OP,
                &l,
                &r,
                key,
                key,
                kl,
                kr,
                Vec::new,
                |s, x, y| s.push((x.map(|x| x.1), y.map(|y| y.1))),
            )),
        }
    }

    pub fn semi_join<K: Hash + Eq + Clone + Send + Sync>(
        ctx: &Context,
        left: &[Rec<K>],
        right: &[Rec<K>],
        anti: bool,
    ) -> Vec<u32> {
        let (l, r) = (input(ctx, left), input(ctx, right));
        let key = |x: &Rec<K>| x.0.clone();
        flat(semi(ctx, &OP, &l, &r, key, key, anti, Vec::new, |s, x| {
            s.push(x.1)
        }))
    }

    pub fn sort_merge<K: Hash + Ord + Clone + Send + Sync>(
        ctx: &Context,
        left: &[Rec<K>],
        right: &[Rec<K>],
        keep: Option<(bool, bool)>,
    ) -> Vec<Row> {
        let (l, r) = (input(ctx, left), input(ctx, right));
        let key = |x: &Rec<K>| x.0.clone();
        match keep {
            None => flat(sort_merge_inner(
                ctx,
                &OP,
                &l,
                &r,
                key,
                key,
                Vec::new,
                |s, x, y| s.push((Some(x.1), Some(y.1))),
            )),
            Some((kl, kr)) => flat(sort_merge_outer(
                ctx,
                &OP,
                &l,
                &r,
                key,
                key,
                kl,
                kr,
                Vec::new,
                |s, x, y| s.push((x.map(|x| x.1), y.map(|y| y.1))),
            )),
        }
    }

    pub fn co_grouped<K: Hash + Eq + Clone + Send + Sync>(
        ctx: &Context,
        left: &[Rec<K>],
        right: &[Rec<K>],
    ) -> Vec<Group<K>> {
        let (mut l, mut r) = (input(ctx, left), input(ctx, right));
        let key = |x: &Rec<K>| x.0.clone();
        let ids = |xs: &[Rec<K>]| xs.iter().map(|x| x.1).collect();
        flat(co_group(
            ctx,
            &OP,
            &mut l,
            &mut r,
            key,
            key,
            Vec::new,
            |s, k, xs, ys| s.push((k.clone(), ids(xs), ids(ys))),
        ))
    }
}
