//! Sort-merge joins (`strategy = sort_merge`): each partition's two sides are sorted by key
//! (stably, so equal keys keep input order) and merged. Slower than the hash join for most
//! inputs; its output comes in key order within each partition.

use super::input::{JoinInput, Part};
use super::{check_partition_sizes, drive_partition_pairs};
use crate::error::Result;
use crate::guard::OpInfo;
use crate::job::Context;
use std::cmp::Ordering;

/// Inner equi-join by sorting: `body(state, l, r)` for every pair with equal keys.
///
/// Order: one state per partition, in partition order; within a partition, by key ascending,
/// then left input order, then right input order.
#[allow(clippy::too_many_arguments)]
pub fn sort_merge_inner<'a, L, R, K, S>(
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
    K: Ord,
    S: Send,
{
    check_partition_sizes(op, left, right)?;
    drive_partition_pairs(ctx, left.parts.len(), init, |state, p| {
        if left.parts[p].records.is_empty() || right.parts[p].records.is_empty() {
            return Ok(());
        }
        let l = sorted(&left.parts[p], &left_key);
        let r = sorted(&right.parts[p], &right_key);
        merge(ctx, &l, &r, state, &body, &|_, _| {}, &|_, _| {});
        Ok(())
    })
}

/// Outer equi-join by sorting; arguments and records as for [`super::outer`].
///
/// Order: one state per partition, in partition order; within a partition, by key ascending;
/// within a key, the pairs (left input order, then right input order), or the unmatched
/// records of the one side that has the key, in input order.
#[allow(clippy::too_many_arguments)]
pub fn sort_merge_outer<'a, L, R, K, S>(
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
    K: Ord,
    S: Send,
{
    check_partition_sizes(op, left, right)?;
    drive_partition_pairs(ctx, left.parts.len(), init, |state, p| {
        // A side without records sorts to nothing; its key closure is never called.
        let l = sorted(&left.parts[p], &left_key);
        let r = sorted(&right.parts[p], &right_key);
        let left_only = |s: &mut S, x: &'a L| {
            if keep_left_only {
                body(s, Some(x), None)
            }
        };
        let right_only = |s: &mut S, x: &'a R| {
            if keep_right_only {
                body(s, None, Some(x))
            }
        };
        let pair = |s: &mut S, x: &'a L, y: &'a R| body(s, Some(x), Some(y));
        merge(ctx, &l, &r, state, &pair, &left_only, &right_only);
        Ok(())
    })
}

/// The records of one partition with their keys, sorted by key, stably.
fn sorted<'a, T, K: Ord>(part: &'a Part<T>, key: &impl Fn(&'a T) -> K) -> Vec<(K, &'a T)> {
    let mut keyed: Vec<(K, &'a T)> = part.records.iter().map(|r| (key(r), r)).collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed
}

/// Merges two sorted sides: every pair of a key's records, and each record of a key that only
/// one side has to that side's callback. Checks for cancellation once per run of a key.
#[allow(clippy::too_many_arguments)]
fn merge<'a, L, R, K: Ord, S>(
    ctx: &Context,
    left: &[(K, &'a L)],
    right: &[(K, &'a R)],
    state: &mut S,
    pair: &impl Fn(&mut S, &'a L, &'a R),
    left_only: &impl Fn(&mut S, &'a L),
    right_only: &impl Fn(&mut S, &'a R),
) {
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        match left[i].0.cmp(&right[j].0) {
            Ordering::Less => {
                left_only(state, left[i].1);
                i += 1;
            }
            Ordering::Greater => {
                right_only(state, right[j].1);
                j += 1;
            }
            Ordering::Equal => {
                if ctx.is_cancelled() {
                    return;
                }
                let key = &left[i].0;
                let i_end = i + left[i..].iter().take_while(|(k, _)| k == key).count();
                let j_end = j + right[j..].iter().take_while(|(k, _)| k == key).count();
                for (_, l) in &left[i..i_end] {
                    for (_, r) in &right[j..j_end] {
                        pair(state, l, r);
                    }
                }
                (i, j) = (i_end, j_end);
            }
        }
    }
    left[i..].iter().for_each(|(_, l)| left_only(state, l));
    right[j..].iter().for_each(|(_, r)| right_only(state, r));
}
