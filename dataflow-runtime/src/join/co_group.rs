//! `co_group`: for every key of either input, the records of both inputs with that key, as two
//! contiguous slices.
//!
//! The slices are borrowed from the inputs themselves, so each partition is first reordered in
//! place, stably, so that the records of a key are contiguous. The reorder cannot call the key
//! closures: they take `&'a T` for the whole lifetime `'a` of the input (keys may borrow from
//! records), and nothing may move once a record has been lent for `'a`. So records are grouped
//! by the hash of their key (kept since the exchange), and afterwards each group is checked to
//! hold one key only. Two different keys of one input with the same 64-bit hash (possible only
//! with a `Hash` impl that leaves out part of what `Eq` compares) are reported as an error,
//! never merged.

use super::input::{JoinInput, Part};
use super::{check_partition_sizes, drive_partition_pairs, table_hash};
use crate::error::{Error, Result};
use crate::guard::OpInfo;
use crate::job::Context;
use hashbrown::hash_table::{Entry, HashTable};
use rayon::prelude::*;
use std::hash::Hash;

/// Calls `body(state, key, lefts, rights)` once for every key that occurs in either input, with
/// the left and the right records of that key (one of the slices may be empty).
///
/// Order: one state per partition, in partition order. Within a partition, first the keys of
/// the left input in order of first appearance, then the keys only the right input has, in
/// order of first appearance; the records of a slice keep input order.
///
/// Takes the inputs by `&mut`: each partition is reordered in place (stably) so that the
/// records of a key are contiguous, and then lent to `body` for `'a`.
///
/// Fails (with [`Error::Internal`]) if two different keys of one input have the same 64-bit
/// hash, which only a `Hash` impl that ignores part of what `Eq` compares makes happen.
#[allow(clippy::too_many_arguments)]
pub fn co_group<'a, L, R, K, S>(
    ctx: &Context,
    op: &'static OpInfo,
    left: &'a mut JoinInput<L>,
    right: &'a mut JoinInput<R>,
    left_key: impl Fn(&'a L) -> K + Sync,
    right_key: impl Fn(&'a R) -> K + Sync,
    init: impl Fn() -> S + Sync + Send,
    body: impl Fn(&mut S, &K, &'a [L], &'a [R]) + Sync + Send,
) -> Result<Vec<S>>
where
    L: Send + Sync,
    R: Send + Sync,
    K: Hash + Eq,
    S: Send,
{
    check_partition_sizes(op, left, right)?;
    let (left_groups, right_groups) = rayon::join(|| group_parts(left), || group_parts(right));
    // From here on the records are only lent.
    let (left, right): (&'a JoinInput<L>, &'a JoinInput<R>) = (left, right);
    drive_partition_pairs(ctx, left.parts.len(), init, |state, p| {
        let (lp, rp) = (&left.parts[p], &right.parts[p]);
        let (lg, rg) = (&left_groups[p], &right_groups[p]);
        let right_count = rg.len().saturating_sub(1);
        // The right groups by hash (distinct: each group is one hash).
        let group_hash = |g: u32| rp.hashes[rg[g as usize] as usize];
        let mut right_index: HashTable<u32> = HashTable::with_capacity(right_count);
        for g in 0..right_count as u32 {
            right_index.insert_unique(table_hash(group_hash(g)), g, |&g| table_hash(group_hash(g)));
        }
        let mut matched = vec![false; right_count];
        for g in 0..lg.len().saturating_sub(1) {
            if ctx.is_cancelled() {
                return Ok(());
            }
            let lefts = &lp.records[lg[g] as usize..lg[g + 1] as usize];
            let key = one_key(op, lefts, &left_key)?;
            let hash = lp.hashes[lg[g] as usize];
            let mut rights: &'a [R] = &[];
            if let Some(&r) = right_index.find(table_hash(hash), |&r| group_hash(r) == hash) {
                let candidates = group(rp, rg, r as usize);
                // Equal hashes, different keys: the right group is a key of its own.
                if one_key(op, candidates, &right_key)? == key {
                    matched[r as usize] = true;
                    rights = candidates;
                }
            }
            body(state, &key, lefts, rights);
        }
        for r in (0..right_count).filter(|&r| !matched[r]) {
            if ctx.is_cancelled() {
                return Ok(());
            }
            let rights = group(rp, rg, r);
            body(state, &one_key(op, rights, &right_key)?, &[], rights);
        }
        Ok(())
    })
}

/// Group `g` of a grouped partition.
fn group<'a, T>(part: &'a Part<T>, offsets: &[u32], g: usize) -> &'a [T] {
    &part.records[offsets[g] as usize..offsets[g + 1] as usize]
}

/// The key of a group's records, checked to be the same for all of them.
fn one_key<'a, T, K: Eq>(
    op: &'static OpInfo,
    records: &'a [T],
    key: &impl Fn(&'a T) -> K,
) -> Result<K> {
    let first = key(&records[0]);
    if records[1..].iter().any(|r| key(r) != first) {
        return Err(Error::Internal(format!(
            "operator `{}` at {}:{}:{}: two different keys of one input have the same 64-bit \
             hash; co_group needs a key type whose `Hash` covers everything its `Eq` compares",
            op.name, op.file, op.line, op.column
        )));
    }
    Ok(first)
}

/// Groups every partition of `input` by key hash; returns each partition's group offsets.
fn group_parts<T: Send>(input: &mut JoinInput<T>) -> Vec<Vec<u32>> {
    input.parts.par_iter_mut().map(group_by_hash).collect()
}

/// Reorders one partition, stably, so that records with equal hashes are contiguous, groups in
/// order of first appearance. Returns the group offsets: group `g` is `offsets[g]..offsets[g+1]`.
fn group_by_hash<T>(part: &mut Part<T>) -> Vec<u32> {
    let n = part.records.len();
    let mut table: HashTable<(u64, u32)> = HashTable::new();
    let mut group_of = Vec::with_capacity(n);
    let mut sizes: Vec<u32> = Vec::new();
    for &hash in &part.hashes {
        let entry = table.entry(
            table_hash(hash),
            |&(h, _)| h == hash,
            |&(h, _)| table_hash(h),
        );
        let g = match entry {
            Entry::Occupied(slot) => slot.get().1,
            Entry::Vacant(slot) => {
                sizes.push(0);
                slot.insert((hash, sizes.len() as u32 - 1)).get().1
            }
        };
        sizes[g as usize] += 1;
        group_of.push(g);
    }
    let mut offsets = Vec::with_capacity(sizes.len() + 1);
    offsets.push(0u32);
    for size in &sizes {
        offsets.push(offsets[offsets.len() - 1] + size);
    }
    if sizes.len() == n {
        // Every record is a group of its own: already in place.
        return offsets;
    }
    // Where each record goes: the next free place of its group.
    let mut next_free = offsets[..sizes.len()].to_vec();
    let mut destination: Vec<u32> = group_of
        .into_iter()
        .map(|g| {
            let d = next_free[g as usize];
            next_free[g as usize] += 1;
            d
        })
        .collect();
    // Follow the permutation's cycles with swaps: each swap puts one record in its place.
    for i in 0..n {
        while destination[i] as usize != i {
            let d = destination[i] as usize;
            part.records.swap(i, d);
            part.hashes.swap(i, d);
            destination.swap(i, d);
        }
    }
    offsets
}
