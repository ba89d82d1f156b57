//! Repartitioned hash joins: inner, outer (left, right, full) and semi / anti.
//!
//! Each partition pair is joined by one task: it builds a [`Chains`] table over the smaller
//! side of the partition (the right side when both are as large) and probes it with the other,
//! in input order. Which side is built depends only on the partition's sizes, never on the
//! parallelism, so the output order is fixed by the data.

use super::indexed::{group, Groups};
use super::input::{JoinInput, Part};
use super::table::{Chains, KeySet};
use super::{
    check_partition_sizes, drive_partition_pairs, for_each_block, for_each_record, table_hash, NONE,
};
use crate::error::Result;
use crate::guard::OpInfo;
use crate::hash::hash_one;
use crate::job::Context;
use std::hash::Hash;

/// Inner equi-join: `body(state, l, r)` for every pair of a left and a right record with equal
/// keys (duplicate keys on both sides give every pair).
///
/// Returns one state per partition, in partition order. Within a partition, when the right
/// side has no more records than the left, the pairs come in left input order, and the
/// matches of one left record in right input order; otherwise in right input order, and the
/// matches of one right record in left input order. A side indexed once for the rounds of a loop
/// ([`super::index`]) is always the one looked up: the pairs then come in the other side's input
/// order, and the matches of one record in the indexed side's input order.
#[allow(clippy::too_many_arguments)]
pub fn inner<'a, L, R, K, S>(
    ctx: &Context,
    op: &'static OpInfo,
    left: &'a JoinInput<L>,
    right: &'a JoinInput<R>,
    left_key: impl Fn(&'a L) -> K + Sync,
    right_key: impl Fn(&'a R) -> K + Sync,
    init: impl Fn() -> S + Sync + Send,
    body: impl Fn(&mut S, &'a L, &'a R) + Sync + Send,
) -> Result<Vec<S>>
where
    L: Sync,
    R: Sync,
    K: Hash + Eq,
    S: Send,
{
    check_partition_sizes(op, left, right)?;
    if let Some(groups) = &right.index {
        return drive_partition_pairs(ctx, left.parts.len(), init, |state, p| {
            let (probe, build) = (&left.parts[p], &right.parts[p]);
            probe_index(
                ctx, state, probe, build, &groups[p], &left_key, &right_key, &body,
            );
            Ok(())
        });
    }
    if let Some(groups) = &left.index {
        return drive_partition_pairs(ctx, left.parts.len(), init, |state, p| {
            let (probe, build) = (&right.parts[p], &left.parts[p]);
            let body = |s: &mut S, r: &'a R, l: &'a L| body(s, l, r);
            probe_index(
                ctx, state, probe, build, &groups[p], &right_key, &left_key, &body,
            );
            Ok(())
        });
    }
    drive_partition_pairs(ctx, left.parts.len(), init, |state, p| {
        let sides = Sides {
            left: &left.parts[p],
            right: &right.parts[p],
            left_key: &left_key,
            right_key: &right_key,
        };
        sides.join(ctx, state, false, false, &body, &|_, _| {}, &|_, _| {});
        Ok(())
    })
}

/// One partition pair whose build side was indexed once ([`super::index`]): each probe record,
/// in input order, with the records of its key in the indexed side's input order.
#[allow(clippy::too_many_arguments)]
#[inline]
fn probe_index<'a, P, B, K: Hash + Eq, S>(
    ctx: &Context,
    state: &mut S,
    probe: &'a Part<P>,
    build: &'a Part<B>,
    groups: &Groups,
    probe_key: &impl Fn(&'a P) -> K,
    build_key: &impl Fn(&'a B) -> K,
    pair: &impl Fn(&mut S, &'a P, &'a B),
) {
    if build.len == 0 {
        return;
    }
    for_each_record(ctx, probe, |record| {
        let k = probe_key(record);
        for b in group(build, groups, hash_one(&k)) {
            if build_key(b) == k {
                pair(state, record, b);
            }
        }
    });
}

/// Outer equi-join: the pairs of [`inner`] as `body(state, Some(l), Some(r))`, and, when
/// `keep_left_only`, every left record without a match as `body(state, Some(l), None)`; when
/// `keep_right_only`, every right record without a match as `body(state, None, Some(r))`.
/// Left outer join is `(true, false)`, right outer `(false, true)`, full outer `(true, true)`.
///
/// Order: one state per partition, in partition order. Within a partition, the side that
/// [`inner`] probes with comes in input order, each record followed by its matches (or alone,
/// unmatched); then the unmatched records of the other side, in input order.
#[allow(clippy::too_many_arguments)]
pub fn outer<'a, L, R, K, S>(
    ctx: &Context,
    op: &'static OpInfo,
    left: &'a JoinInput<L>,
    right: &'a JoinInput<R>,
    left_key: impl Fn(&'a L) -> K + Sync,
    right_key: impl Fn(&'a R) -> K + Sync,
    keep_left_only: bool,
    keep_right_only: bool,
    init: impl Fn() -> S + Sync + Send,
    body: impl Fn(&mut S, Option<&'a L>, Option<&'a R>) + Sync + Send,
) -> Result<Vec<S>>
where
    L: Sync,
    R: Sync,
    K: Hash + Eq,
    S: Send,
{
    check_partition_sizes(op, left, right)?;
    drive_partition_pairs(ctx, left.parts.len(), init, |state, p| {
        let sides = Sides {
            left: &left.parts[p],
            right: &right.parts[p],
            left_key: &left_key,
            right_key: &right_key,
        };
        sides.join(
            ctx,
            state,
            keep_left_only,
            keep_right_only,
            &|s, l, r| body(s, Some(l), Some(r)),
            &|s, l| body(s, Some(l), None),
            &|s, r| body(s, None, Some(r)),
        );
        Ok(())
    })
}

/// Semi-join (`anti == false`): `body(state, l)` for every left record whose key occurs on the
/// right, once however many right records match. Anti-join (`anti == true`): for every left
/// record whose key does not occur on the right.
///
/// Order: one state per partition, in partition order; left input order within a partition.
/// The table holds the right side's distinct keys.
#[allow(clippy::too_many_arguments)]
pub fn semi<'a, L, R, K, S>(
    ctx: &Context,
    op: &'static OpInfo,
    left: &'a JoinInput<L>,
    right: &'a JoinInput<R>,
    left_key: impl Fn(&'a L) -> K + Sync,
    right_key: impl Fn(&'a R) -> K + Sync,
    anti: bool,
    init: impl Fn() -> S + Sync + Send,
    body: impl Fn(&mut S, &'a L) + Sync + Send,
) -> Result<Vec<S>>
where
    L: Sync,
    R: Sync,
    K: Hash + Eq,
    S: Send,
{
    check_partition_sizes(op, left, right)?;
    drive_partition_pairs(ctx, left.parts.len(), init, |state, p| {
        let (l, r) = (&left.parts[p], &right.parts[p]);
        if r.len == 0 {
            // Nothing to look up: every left record is absent from the right.
            if anti {
                for_each_record(ctx, l, |x| body(state, x));
            }
            return Ok(());
        }
        if l.len == 0 {
            return Ok(());
        }
        let keys = KeySet::build(
            r.len,
            r.records().map(|x| {
                let k = right_key(x);
                let hash = table_hash(hash_one(&k));
                (k, hash)
            }),
            |k| table_hash(hash_one(k)),
        );
        for_each_record(ctx, l, |x| {
            let k = left_key(x);
            if keys.contains(table_hash(hash_one(&k)), &k) != anti {
                body(state, x);
            }
        });
        Ok(())
    })
}

/// One partition pair and the key closures.
struct Sides<'a, 'f, L, R, LK, RK> {
    left: &'a Part<L>,
    right: &'a Part<R>,
    left_key: &'f LK,
    right_key: &'f RK,
}

impl<'a, L, R, K, LK, RK> Sides<'a, '_, L, R, LK, RK>
where
    K: Hash + Eq,
    LK: Fn(&'a L) -> K,
    RK: Fn(&'a R) -> K,
{
    /// Joins the pair, building on the smaller side: `pair` for each match, and the unmatched
    /// records of each kept side to `left_only` / `right_only`.
    #[allow(clippy::too_many_arguments)]
    fn join<S>(
        &self,
        ctx: &Context,
        state: &mut S,
        keep_left: bool,
        keep_right: bool,
        pair: &impl Fn(&mut S, &'a L, &'a R),
        left_only: &impl Fn(&mut S, &'a L),
        right_only: &impl Fn(&mut S, &'a R),
    ) {
        if self.right.len <= self.left.len {
            let probe = Probe {
                build: self.right,
                build_key: self.right_key,
                probe: self.left,
                probe_key: self.left_key,
            };
            probe.run(
                ctx, state, keep_left, keep_right, pair, left_only, right_only,
            );
        } else {
            let probe = Probe {
                build: self.left,
                build_key: self.left_key,
                probe: self.right,
                probe_key: self.right_key,
            };
            let pair = |s: &mut S, r: &'a R, l: &'a L| pair(s, l, r);
            probe.run(
                ctx, state, keep_right, keep_left, &pair, right_only, left_only,
            );
        }
    }
}

/// A partition pair seen as the side a table is built on and the side that probes it.
struct Probe<'a, 'f, B, P, BK, PK> {
    build: &'a Part<B>,
    build_key: &'f BK,
    probe: &'a Part<P>,
    probe_key: &'f PK,
}

impl<'a, B, P, K, BK, PK> Probe<'a, '_, B, P, BK, PK>
where
    K: Hash + Eq,
    BK: Fn(&'a B) -> K,
    PK: Fn(&'a P) -> K,
{
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn run<S>(
        &self,
        ctx: &Context,
        state: &mut S,
        keep_probe: bool,
        keep_build: bool,
        pair: &impl Fn(&mut S, &'a P, &'a B),
        probe_only: &impl Fn(&mut S, &'a P),
        build_only: &impl Fn(&mut S, &'a B),
    ) {
        let (build, probe) = (self.build, self.probe);
        if build.len == 0 || probe.len == 0 {
            // No pair: the kept sides' records are all unmatched, and no key is needed.
            if keep_probe {
                for_each_record(ctx, probe, |x| probe_only(state, x));
            }
            if keep_build {
                for_each_record(ctx, build, |x| build_only(state, x));
            }
            return;
        }
        let chains = Chains::build(
            build.len,
            build.iter_rev_indexed().map(|(i, x)| {
                let k = (self.build_key)(x);
                let hash = table_hash(hash_one(&k));
                (i, k, hash)
            }),
            |k| table_hash(hash_one(k)),
        );
        // The build side's records by index (its chunks are not contiguous).
        let build: Vec<&'a B> = build.records().collect();
        let mut matched = vec![false; if keep_build { build.len() } else { 0 }];
        for_each_record(ctx, probe, |record| {
            let k = (self.probe_key)(record);
            let mut j = chains.head(table_hash(hash_one(&k)), &k);
            if j == NONE && keep_probe {
                probe_only(state, record);
            }
            while j != NONE {
                if keep_build {
                    matched[j as usize] = true;
                }
                pair(state, record, build[j as usize]);
                j = chains.next(j);
            }
        });
        if keep_build {
            for_each_block(ctx, build.len(), |block| {
                for j in block {
                    if !matched[j] {
                        build_only(state, build[j]);
                    }
                }
            });
        }
    }
}
