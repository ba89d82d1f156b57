//! The runs a combiner hands to the merge: its spilled entries, one run per partition in
//! record order, compacted in place when one fills (see the [module docs](super)).

use super::merge::merge_into;
use super::{Slot, PARTITIONS};
use crate::aggregate::Accumulate;
use crate::hash::{hash_one, partition_of};
use hashbrown::HashTable;
use std::hash::Hash;

/// A combiner's spilled entries: one run per partition.
pub(super) struct Spill<K, Acc> {
    pub(super) runs: Vec<Run<K, Acc>>,
    /// See [`Tuning::compact_min`](super::Tuning::compact_min).
    compact_min: usize,
    /// Reused by every compaction; holds one partition's keys at most.
    scratch: HashTable<Slot<K, Acc>>,
}

impl<K: Hash + Eq, Acc> Spill<K, Acc> {
    pub(super) fn new(compact_min: usize) -> Box<Self> {
        Box::new(Spill {
            runs: (0..PARTITIONS).map(|_| Run::with_capacity(0)).collect(),
            compact_min,
            scratch: HashTable::new(),
        })
    }

    #[inline]
    pub(super) fn push<A: Accumulate<Acc = Acc>>(&mut self, agg: &A, slot: Slot<K, Acc>) {
        let run = &mut self.runs[partition_of(slot.0, PARTITIONS)];
        if run.is_full() {
            make_room(agg, run, &mut self.scratch, self.compact_min);
        }
        run.push(slot);
    }
}

/// Makes room in a full run: compacts it, then sizes it for as many new entries as survived,
/// so that memory stays within twice the distinct keys and each compaction takes at least as
/// many new entries as old ones.
#[cold]
#[inline(never)]
fn make_room<K: Hash + Eq, A: Accumulate>(
    agg: &A,
    run: &mut Run<K, A::Acc>,
    scratch: &mut HashTable<Slot<K, A::Acc>>,
    compact_min: usize,
) {
    if !run.is_empty() {
        debug_assert!(scratch.is_empty());
        for slot in run.drain() {
            merge_into(agg, scratch, slot);
        }
        for slot in scratch.drain() {
            run.push(slot);
        }
    }
    let survivors = run.len();
    let target = (2 * survivors).max(compact_min).max(1);
    run.set_capacity(target);
}

/// Whether runs keep their keys' hashes. Keys that own memory or are large may be slow to
/// hash, and keep them; small plain keys (integers, tuples of them) are hashed again instead.
pub(super) const fn keeps_hash<K>() -> bool {
    std::mem::needs_drop::<K>() || std::mem::size_of::<K>() > 16
}

/// One partition's entries in record order (a key may appear more than once).
pub(super) struct Run<K, Acc> {
    pub(super) entries: Vec<(K, Acc)>,
    /// The entries' hashes, when [`keeps_hash`]; empty otherwise.
    hashes: Vec<u64>,
}

impl<K: Hash, Acc> Run<K, Acc> {
    pub(super) fn with_capacity(capacity: usize) -> Self {
        Run {
            entries: Vec::with_capacity(capacity),
            hashes: Vec::with_capacity(if keeps_hash::<K>() { capacity } else { 0 }),
        }
    }

    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether the next push would reallocate.
    #[inline]
    fn is_full(&self) -> bool {
        self.entries.len() == self.entries.capacity()
    }

    #[inline]
    pub(super) fn push(&mut self, (hash, key, acc): Slot<K, Acc>) {
        self.entries.push((key, acc));
        if keeps_hash::<K>() {
            self.hashes.push(hash);
        }
    }

    /// Sets the capacity to about `target` (at least the length).
    fn set_capacity(&mut self, target: usize) {
        let target = target.max(self.len());
        if self.entries.capacity() > 2 * target {
            self.entries.shrink_to(target);
            self.hashes.shrink_to(target);
        }
        self.entries.reserve_exact(target - self.len());
        if keeps_hash::<K>() {
            self.hashes.reserve_exact(target - self.len());
        }
    }

    /// Takes the entries out, in order, with their hashes.
    fn drain(&mut self) -> impl Iterator<Item = Slot<K, Acc>> + '_ {
        let mut hashes = self.hashes.drain(..);
        self.entries
            .drain(..)
            .map(move |(key, acc)| (hash_of(&mut hashes, &key), key, acc))
    }

    /// The entries, in order, with their hashes.
    pub(super) fn into_slots(self) -> impl Iterator<Item = Slot<K, Acc>> {
        let mut hashes = self.hashes.into_iter();
        self.entries
            .into_iter()
            .map(move |(key, acc)| (hash_of(&mut hashes, &key), key, acc))
    }
}

/// `key`'s hash: the next kept one, or computed again.
#[inline(always)]
fn hash_of<K: Hash>(kept: &mut impl Iterator<Item = u64>, key: &K) -> u64 {
    if keeps_hash::<K>() {
        if let Some(hash) = kept.next() {
            return hash;
        }
    }
    hash_one(key)
}
