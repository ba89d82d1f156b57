//! A task's combiner: the local table that takes every record, grows while a larger table
//! looks likely to pay, drains into per-partition runs when full, and passes records straight
//! to the runs while the table does not pay (see the [module docs](super)).

use super::run::{Run, Spill};
use super::{Tuning, PARTITIONS};
use crate::aggregate::key::{KeyLookup, Owned};
use crate::aggregate::{Accumulate, Aggregate};
use crate::hash::{hash_one, partition_of};
use hashbrown::HashTable;
use std::hash::Hash;

/// One entry of the local table: the key and its accumulator. The hash is not kept: the table
/// is probed once per record, and a slot as small as a hand-written map's (32 bytes for a
/// `String` key and a `u64` count, against 40 with the hash) takes fewer cache lines. The hash
/// is computed again when the table grows or drains, which is rare.
type LocalSlot<K, Acc> = (K, Acc);

/// One task's pre-aggregated state: key -> accumulator, by partition of the key's hash.
///
/// A single pointer, so that the drivers' folds move it around for free.
pub struct KeyedCombiner<K, Acc> {
    pub(super) local: Box<Local<K, Acc>>,
}

impl<K, Acc> Default for KeyedCombiner<K, Acc> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, Acc> KeyedCombiner<K, Acc> {
    /// An empty combiner: a small header; its tables are allocated when it sees records.
    pub fn new() -> Self {
        Self::with_tuning(Tuning::DEFAULT)
    }

    pub(crate) fn with_tuning(tuning: Tuning) -> Self {
        KeyedCombiner {
            local: Box::new(Local {
                table: HashTable::new(),
                rows: 0,
                cap: tuning.local_cap,
                passthrough: 0,
                spill: None,
                tuning,
            }),
        }
    }

    /// Number of entries held: the distinct keys seen, until the combiner spills; after that,
    /// a key may be held more than once until compaction and the merge combine its entries.
    pub fn len(&self) -> usize {
        let spilled = self
            .local
            .spill
            .as_ref()
            .map_or(0, |s| s.runs.iter().map(|r| r.entries.len()).sum::<usize>());
        self.local.table.len() + spilled
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<K: Hash + Eq, Acc> KeyedCombiner<K, Acc> {
    /// Adds one record's value under `key`.
    #[inline]
    pub fn update<V, A: Aggregate<V, Acc = Acc>>(&mut self, agg: &A, key: K, value: V) {
        self.local.update(agg, Owned(key), value);
    }

    /// Adds one record's value under a key that may be borrowed (see
    /// [`crate::aggregate::key`]): the owned key is made only when the key is new to the local
    /// table.
    #[inline(always)]
    pub fn update_lookup<Q: KeyLookup<K>, V, A: Aggregate<V, Acc = Acc>>(
        &mut self,
        agg: &A,
        key: Q,
        value: V,
    ) {
        self.local.update(agg, key, value);
    }

    /// The first half of an update, for a key that may borrow the record whose value is then
    /// moved into the aggregation (`key_by(|s| s.region.as_str()) -> min_by(...)`): looks the
    /// key up and, if it is new, makes the owned key, so that the record is no longer borrowed
    /// when the value is computed. [`Target::Held`] is then updated with
    /// [`Aggregate::update`], [`Target::New`] with [`Self::insert`]. Together they do exactly what
    /// [`Self::update_lookup`] does.
    #[inline(always)]
    pub fn target<Q: KeyLookup<K>>(&mut self, key: Q) -> Target<'_, K, Acc> {
        let local = &mut *self.local;
        let hash = key.hash();
        match local.table.find_mut(hash, |(k, _)| key.matches(k)) {
            Some((_, acc)) => {
                local.rows += 1;
                Target::Held(acc)
            }
            None => Target::New(NewKey {
                hash,
                key: key.into_key(),
            }),
        }
    }

    /// The second half of an update for a key the local table did not hold (see
    /// [`Self::target`]).
    #[inline]
    pub fn insert<V, A: Aggregate<V, Acc = Acc>>(&mut self, agg: &A, new: NewKey<K>, value: V) {
        self.local.miss(agg, new.hash, Owned(new.key), value);
    }

    /// The combiner's entries: one run per partition (or none when it holds nothing), each in
    /// record order.
    pub(super) fn into_runs<A: Accumulate<Acc = Acc>>(self, agg: &A) -> Vec<Run<K, Acc>> {
        let mut local = *self.local;
        match local.spill {
            Some(_) => {
                local.drain_table(agg);
                local.spill.map_or_else(Vec::new, |spill| spill.runs)
            }
            None if local.table.is_empty() => Vec::new(),
            None => {
                // Never spilled: scatter the table into runs of the exact sizes.
                let hashes: Vec<u64> = local.table.iter().map(|(k, _)| hash_one(k)).collect();
                let mut sizes = vec![0usize; PARTITIONS];
                for &hash in &hashes {
                    sizes[partition_of(hash, PARTITIONS)] += 1;
                }
                let mut runs: Vec<Run<K, Acc>> =
                    sizes.into_iter().map(Run::with_capacity).collect();
                for (hash, (key, acc)) in hashes.into_iter().zip(local.table) {
                    runs[partition_of(hash, PARTITIONS)].push((hash, key, acc));
                }
                runs
            }
        }
    }
}

/// Where a record's value goes, found by [`KeyedCombiner::target`] before the value exists.
pub enum Target<'c, K, Acc> {
    /// The accumulator of a key the local table holds.
    Held(&'c mut Acc),
    /// A key the local table does not hold, already owned.
    New(NewKey<K>),
}

/// A key for [`KeyedCombiner::insert`]: owned, with its hash.
pub struct NewKey<K> {
    hash: u64,
    key: K,
}

/// A combiner's state.
pub(super) struct Local<K, Acc> {
    /// The local table.
    pub(super) table: HashTable<LocalSlot<K, Acc>>,
    /// Records the local table took since it was last drained.
    pub(super) rows: usize,
    /// Most entries the local table holds now.
    pub(super) cap: usize,
    /// Records still to route straight to the runs: passthrough mode when non-zero, and the
    /// local table is empty then.
    pub(super) passthrough: usize,
    /// The runs, allocated on the first drain.
    pub(super) spill: Option<Box<Spill<K, Acc>>>,
    pub(super) tuning: Tuning,
}

impl<K: Hash + Eq, Acc> Local<K, Acc> {
    /// The per-record path. A key the local table holds is found and updated here, with the
    /// fewest instructions; everything else (a new key, a full table, passthrough, during which
    /// the table is empty so that every lookup misses) takes the out-of-line [`Self::miss`].
    #[inline(always)]
    fn update<Q: KeyLookup<K>, V, A: Aggregate<V, Acc = Acc>>(
        &mut self,
        agg: &A,
        key: Q,
        value: V,
    ) {
        let hash = key.hash();
        if let Some((_, acc)) = self.table.find_mut(hash, |(k, _)| key.matches(k)) {
            self.rows += 1;
            agg.update(acc, value);
        } else {
            self.miss(agg, hash, key, value);
        }
    }

    /// A key the local table does not hold: route it to the runs during passthrough; otherwise
    /// insert it, growing or draining a full table first.
    #[inline(never)]
    fn miss<Q: KeyLookup<K>, V, A: Aggregate<V, Acc = Acc>>(
        &mut self,
        agg: &A,
        hash: u64,
        key: Q,
        value: V,
    ) {
        let key = key.into_key();
        if self.passthrough > 0 {
            self.passthrough -= 1;
            let acc = agg.create(value);
            self.spill_mut().push(agg, (hash, key, acc));
            return;
        }
        self.rows += 1;
        if self.table.len() < self.cap {
            self.table
                .insert_unique(hash, (key, agg.create(value)), |(k, _)| hash_one(k));
        } else {
            self.insert_when_full(agg, hash, key, value);
        }
    }

    /// A new key reached the full local table: grow the table, or drain it (and maybe pass
    /// the next records through), then take the record.
    #[cold]
    #[inline(never)]
    fn insert_when_full<V, A: Aggregate<V, Acc = Acc>>(
        &mut self,
        agg: &A,
        hash: u64,
        key: K,
        value: V,
    ) {
        let (rows, held) = (self.rows, self.table.len());
        if 4 * rows < 5 * held {
            // Fewer than 1.25 records per entry: the table is not worth its probe.
            self.drain_table(agg);
            self.rows = 0;
            self.passthrough = self.tuning.passthrough_rows;
            // Not into the table, which must stay empty during passthrough.
            let acc = agg.create(value);
            self.spill_mut().push(agg, (hash, key, acc));
            return;
        }
        if rows < 2 * held && self.cap < self.tuning.local_max {
            // Some reduction: a larger table may hold all the keys.
            self.cap = (2 * self.cap).min(self.tuning.local_max);
        } else {
            self.drain_table(agg);
            self.rows = 1;
        }
        self.table
            .insert_unique(hash, (key, agg.create(value)), |(k, _)| hash_one(k));
    }

    fn spill_mut(&mut self) -> &mut Spill<K, Acc> {
        let compact_min = self.tuning.compact_min;
        self.spill.get_or_insert_with(|| Spill::new(compact_min))
    }

    /// Moves the local table's entries to the runs, keeping the table's allocation.
    fn drain_table<A: Accumulate<Acc = Acc>>(&mut self, agg: &A) {
        if self.table.is_empty() {
            return;
        }
        let compact_min = self.tuning.compact_min;
        let spill = self.spill.get_or_insert_with(|| Spill::new(compact_min));
        for (key, acc) in self.table.drain() {
            spill.push(agg, (hash_one(&key), key, acc));
        }
    }
}
