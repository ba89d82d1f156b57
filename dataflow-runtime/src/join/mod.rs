//! Joins, co_group and broadcast tables: the kernels behind `join`, `left_outer_join`,
//! `right_outer_join`, `full_outer_join`, `semi_join`, `anti_join`, `co_group` and `broadcast`.
//!
//! A repartitioned join runs in two steps. The stages that produce its two inputs push every
//! record into a [`JoinSide`] (bucketed by the hash partition of its key, the partition
//! function of every hash exchange), and [`finish_side`] gathers the tasks' buckets into a
//! [`JoinInput`]. Then a kernel ([`inner`], [`outer`], [`semi`], [`sort_merge_inner`],
//! [`sort_merge_outer`], [`co_group`]) runs the [`HASH_PARTITIONS`] partition pairs in
//! parallel, one rayon task per partition, each with its own state from `init`, fed by `body`
//! (the downstream fused loop). The states come back in partition order, so the output order
//! depends on the data only, never on the parallelism. Each kernel's rustdoc says the order.
//!
//! A broadcast join instead builds one [`BroadcastTable`] over the small side, which every
//! task of the large side's stage reads.
//!
//! Keys are any `Hash + Eq` (`Ord` too for sort-merge), and may borrow from the record: the
//! key closures take `&'a T` for the lifetime `'a` of the input, as `key_by` does
//! ([`crate::aggregate::key::key_by`]).
//!
//! [`HASH_PARTITIONS`]: crate::hash::HASH_PARTITIONS

mod broadcast;
mod co_group;
mod hash_join;
mod indexed;
mod input;
mod prepartitioned;
mod sort_merge;
mod table;
#[cfg(test)]
mod tests;

pub use broadcast::{BroadcastTable, Matches};
pub use co_group::co_group;
pub use hash_join::{inner, outer, semi};
pub use indexed::index;
pub use input::{concat, finish_side, Hashes, JoinInput, JoinSide, KeptHashes, NoHashes};
pub use prepartitioned::from_partitions;
pub use sort_merge::{sort_merge_inner, sort_merge_outer};

use crate::driver::CANCEL_CHECK_ITEMS;
use crate::error::{Error, Result};
use crate::guard::{CancelOnFailure, JobScope, OpInfo};
use crate::job::Context;
use rayon::prelude::*;
use std::ops::Range;

/// "No record": the end of a chain of records with equal keys. Indexes within a partition are
/// `u32` (half the memory of `usize` for the chains); a partition may hold `u32::MAX - 1`
/// records at most.
pub(crate) const NONE: u32 = u32::MAX;

/// The hash a per-partition table files a key under (`hash` is its [`crate::hash::hash_one`]). The keys of a partition share the top
/// bits of their hashes, which hashbrown takes for its 7-bit tag; the rotation brings varying
/// bits there and keeps varying bits at the bottom (the bucket index).
#[inline(always)]
pub(crate) fn table_hash(hash: u64) -> u64 {
    hash.rotate_left(32)
}

/// Runs `work(state, p)` for every partition `p` of `0..partitions`, one rayon task each, with
/// a fresh state from `init`, and returns the states in partition order. Tasks enter the job's
/// scope (a panic in a closure names its operator) and cancel the job when they fail; a task
/// that starts after a failure skips its partition.
pub(crate) fn drive_partition_pairs<S, I, W>(
    ctx: &Context,
    partitions: usize,
    init: I,
    work: W,
) -> Result<Vec<S>>
where
    S: Send,
    I: Fn() -> S + Sync + Send,
    W: Fn(&mut S, usize) -> Result<()> + Sync + Send,
{
    let (scope, _reenter) = JobScope::fan_out();
    (0..partitions)
        .into_par_iter()
        .map(|p| {
            scope.enter();
            let _cancel_on_failure = CancelOnFailure(ctx);
            let mut state = init();
            if !ctx.is_cancelled() {
                if let Err(e) = work(&mut state, p) {
                    ctx.cancel();
                    return Err(e);
                }
            }
            Ok(state)
        })
        .collect()
}

/// Runs `f` over `0..n` in blocks of [`CANCEL_CHECK_ITEMS`], and stops between blocks once the
/// job is cancelled.
#[inline]
pub(crate) fn for_each_block(ctx: &Context, n: usize, mut f: impl FnMut(Range<usize>)) {
    let mut start = 0;
    while start < n && !ctx.is_cancelled() {
        let end = n.min(start + CANCEL_CHECK_ITEMS);
        f(start..end);
        start = end;
    }
}

/// Runs `f(record)` over a partition's records in input order, checking for cancellation
/// between blocks.
#[inline]
pub(crate) fn for_each_record<'a, T>(
    ctx: &Context,
    part: &'a input::Part<T>,
    mut f: impl FnMut(&'a T),
) {
    for chunk in &part.chunks {
        for_each_block(ctx, chunk.len(), |block| {
            chunk[block].iter().for_each(&mut f)
        });
    }
}

/// Fails when a partition holds too many records for `u32` indexes.
pub(crate) fn check_partition_sizes<L, R, H: Hashes>(
    op: &'static OpInfo,
    left: &JoinInput<L, H>,
    right: &JoinInput<R, H>,
) -> Result<()> {
    let largest = left
        .parts
        .iter()
        .map(|p| p.len)
        .chain(right.parts.iter().map(|p| p.len))
        .max()
        .unwrap_or(0);
    if largest >= NONE as usize {
        return Err(Error::Internal(format!(
            "operator `{}` at {}:{}:{}: one partition of a join input holds {largest} records, \
             more than a join partition can index ({}); one key is far too frequent",
            op.name,
            op.file,
            op.line,
            op.column,
            NONE - 1
        )));
    }
    Ok(())
}
