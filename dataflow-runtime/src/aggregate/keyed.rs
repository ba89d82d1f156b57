//! Keyed aggregation: a thread-local combiner per task, then a partitioned, parallel merge.
//!
//! Each task pre-aggregates into its own [`KeyedCombiner`] (Flink's combiner), and
//! [`merge_keyed`] merges the [`PARTITIONS`] partitions of the key space (split by the top bits
//! of the key's hash) in parallel. A combiner adapts to the cardinality it sees:
//!
//! * **Local table.** Records go to a hash table of bounded size. Low-cardinality input never
//!   leaves it: one probe per record, as in a hand-written loop. The table starts small enough
//!   to stay in cache and doubles (up to a bound) while a larger table looks likely to pay.
//! * **Spill.** When the table is full, its entries are drained into per-partition *runs*
//!   (radix partitioning by the top bits of the hash) and the table, allocation kept, starts
//!   over. Keys that may be slow to hash keep their hash in the run; small plain keys are hashed
//!   again when needed, which is cheaper than moving 8 more bytes per entry.
//! * **Passthrough.** A full table that holds nearly one entry per record it took means the
//!   keys hardly repeat within its reach. The combiner then radix-partitions the next records
//!   straight into the runs, skipping the probe, and tries the table again later.
//! * **Compaction.** A run that fills its capacity is aggregated in place through a scratch
//!   table that holds one partition's keys (so it stays in cache), then gets room for as many
//!   new entries as survived. A combiner's memory therefore stays within about twice its
//!   distinct keys, however many records it takes.
//!
//! The merge takes each partition, in parallel, with every combiner's run for it, and
//! aggregates them in one table that holds that partition's keys only.
//!
//! **Order.** Within a combiner, entries reach a run in record order (the local table is empty
//! during passthrough, and is drained before it takes later records), and compaction merges
//! them in that order. Combiners are merged in input order (the drivers return task states in
//! order). So accumulators are always merged earlier-first, and an aggregation that is
//! associative gives the same result at every parallelism.

use super::key::{KeyLookup, Owned};
use super::{Accumulate, Aggregate};
use crate::hash::{hash_one, partition_of};
use crate::Partitions;
use hashbrown::hash_table::Entry;
use hashbrown::HashTable;
use rayon::prelude::*;
use std::hash::Hash;

/// Number of partitions of a keyed aggregation's output (a power of two). Fixed, not derived
/// from the parallelism, so that the partitioning of the result does not depend on it.
pub const PARTITIONS: usize = crate::hash::HASH_PARTITIONS;

const _: () = assert!(PARTITIONS.is_power_of_two());

/// The thresholds that shape a combiner (crate-private, so that tests can make them tiny).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tuning {
    /// Most entries the local table holds before it is drained, at first.
    pub(crate) local_cap: usize,
    /// Most entries the local table grows to while a larger table looks likely to pay.
    pub(crate) local_max: usize,
    /// Fewest entries a run holds before it is compacted.
    pub(crate) compact_min: usize,
    /// Records routed straight to the runs after the local table was found not to pay.
    pub(crate) passthrough_rows: usize,
}

impl Tuning {
    /// The production thresholds, measured with `benches/groupby.rs`.
    const DEFAULT: Tuning = Tuning {
        // 2^16 buckets at hashbrown's 7/8 load: 1.6 MiB for (u64, u64) entries, about L2.
        local_cap: (1 << 16) / 8 * 7,
        // 2^20 buckets: 25 MiB for (u64, u64) entries, about the last-level cache.
        local_max: (1 << 20) / 8 * 7,
        // With 256 partitions: 4 MiB of (u64, u64) entries before anything is compacted.
        compact_min: 1 << 10,
        // Where keys do not repeat, a trial of the local table takes `local_cap` records:
        // about 1% of this.
        passthrough_rows: 1 << 22,
    };
}

/// One entry of a run or a per-partition table: the key's hash, the key and its accumulator.
type Slot<K, Acc> = (u64, K, Acc);

/// One entry of the local table: the key and its accumulator. The hash is not kept: the table
/// is probed once per record, and a slot as small as a hand-written map's (32 bytes for a
/// `String` key and a `u64` count, against 40 with the hash) takes fewer cache lines. The hash
/// is computed again when the table grows or drains, which is rare.
type LocalSlot<K, Acc> = (K, Acc);

/// One task's pre-aggregated state: key -> accumulator, by partition of the key's hash.
///
/// A single pointer, so that the drivers' folds move it around for free.
pub struct KeyedCombiner<K, Acc> {
    local: Box<Local<K, Acc>>,
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

    /// Adds one record's value under a key that may be borrowed (see [`super::key`]): the
    /// owned key is made only when the key is new to the local table.
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
    fn into_runs<A: Accumulate<Acc = Acc>>(self, agg: &A) -> Vec<Run<K, Acc>> {
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
struct Local<K, Acc> {
    /// The local table.
    table: HashTable<LocalSlot<K, Acc>>,
    /// Records the local table took since it was last drained.
    rows: usize,
    /// Most entries the local table holds now.
    cap: usize,
    /// Records still to route straight to the runs: passthrough mode when non-zero, and the
    /// local table is empty then.
    passthrough: usize,
    /// The runs, allocated on the first drain.
    spill: Option<Box<Spill<K, Acc>>>,
    tuning: Tuning,
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

/// A combiner's spilled entries: one run per partition.
struct Spill<K, Acc> {
    runs: Vec<Run<K, Acc>>,
    /// See [`Tuning::compact_min`].
    compact_min: usize,
    /// Reused by every compaction; holds one partition's keys at most.
    scratch: HashTable<Slot<K, Acc>>,
}

impl<K: Hash + Eq, Acc> Spill<K, Acc> {
    fn new(compact_min: usize) -> Box<Self> {
        Box::new(Spill {
            runs: (0..PARTITIONS).map(|_| Run::with_capacity(0)).collect(),
            compact_min,
            scratch: HashTable::new(),
        })
    }

    #[inline]
    fn push<A: Accumulate<Acc = Acc>>(&mut self, agg: &A, slot: Slot<K, Acc>) {
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
const fn keeps_hash<K>() -> bool {
    std::mem::needs_drop::<K>() || std::mem::size_of::<K>() > 16
}

/// One partition's entries in record order (a key may appear more than once).
struct Run<K, Acc> {
    entries: Vec<(K, Acc)>,
    /// The entries' hashes, when [`keeps_hash`]; empty otherwise.
    hashes: Vec<u64>,
}

impl<K: Hash, Acc> Run<K, Acc> {
    fn with_capacity(capacity: usize) -> Self {
        Run {
            entries: Vec::with_capacity(capacity),
            hashes: Vec::with_capacity(if keeps_hash::<K>() { capacity } else { 0 }),
        }
    }

    fn len(&self) -> usize {
        self.entries.len()
    }

    fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether the next push would reallocate.
    #[inline]
    fn is_full(&self) -> bool {
        self.entries.len() == self.entries.capacity()
    }

    #[inline]
    fn push(&mut self, (hash, key, acc): Slot<K, Acc>) {
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
    fn into_slots(self) -> impl Iterator<Item = Slot<K, Acc>> {
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

/// The hash a per-partition table (compaction, merge) files an entry under. The keys of a
/// partition share the top bits of their hashes, which hashbrown takes for its 7-bit tag; the
/// rotation brings varying bits there, and keeps varying bits at the bottom (the bucket index).
#[inline(always)]
fn partition_table_hash(hash: u64) -> u64 {
    hash.rotate_left(32)
}

/// Merges one entry into a per-partition table; `slot` is later than what `table` holds.
#[inline]
fn merge_into<K: Eq, A: Accumulate>(
    agg: &A,
    table: &mut HashTable<Slot<K, A::Acc>>,
    (hash, key, acc): Slot<K, A::Acc>,
) {
    match table.entry(
        partition_table_hash(hash),
        |(h, k, _)| *h == hash && *k == key,
        |(h, _, _)| partition_table_hash(*h),
    ) {
        Entry::Occupied(mut e) => agg.merge(&mut e.get_mut().2, acc),
        Entry::Vacant(e) => {
            e.insert((hash, key, acc));
        }
    }
}

/// Merges the combiners of all tasks (in input order) into the aggregation's result, partitioned
/// by key hash; partitions are merged in parallel.
pub fn merge_keyed<K, A>(
    agg: &A,
    combiners: Vec<KeyedCombiner<K, A::Acc>>,
) -> Partitions<(K, A::Out)>
where
    K: Hash + Eq + Send,
    A: Accumulate,
{
    // Compaction and merging call the aggregation's closures, on any of the pool's threads.
    let (scope, _reenter) = crate::guard::JobScope::fan_out();
    let per_task: Vec<Vec<Run<K, A::Acc>>> = combiners
        .into_par_iter()
        .map(|c| {
            scope.enter();
            c.into_runs(agg)
        })
        .collect();
    // Transpose: partition -> every task's run for it, in task order.
    let mut by_partition: Vec<Vec<Run<K, A::Acc>>> = (0..PARTITIONS).map(|_| Vec::new()).collect();
    for runs in per_task {
        for (p, run) in runs.into_iter().enumerate() {
            if !run.is_empty() {
                by_partition[p].push(run);
            }
        }
    }
    by_partition
        .into_par_iter()
        .with_max_len(1)
        .map(|runs| {
            scope.enter();
            // A run is mostly distinct keys, so the partition has at least the largest's.
            let hint = runs.iter().map(Run::len).max().unwrap_or(0);
            let mut table: HashTable<Slot<K, A::Acc>> = HashTable::with_capacity(hint);
            for run in runs {
                for slot in run.into_slots() {
                    merge_into(agg, &mut table, slot);
                }
            }
            table
                .into_iter()
                .map(|(_, key, acc)| (key, agg.finish(acc)))
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::{Count, Group, Sum};
    use std::collections::BTreeMap;

    /// Thresholds small enough that a few hundred records spill, pass through and compact.
    const TINY: Tuning = Tuning {
        local_cap: 8,
        local_max: 32,
        compact_min: 2,
        passthrough_rows: 16,
    };

    /// xorshift64*: deterministic test input without a dependency.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// Splits `records` into `tasks` contiguous runs, one combiner each, like a driver.
    fn combine<V: Copy, A: Aggregate<V>>(
        agg: &A,
        tuning: Tuning,
        records: &[(u64, V)],
        tasks: usize,
    ) -> Vec<KeyedCombiner<u64, A::Acc>> {
        let per_task = records.len().div_ceil(tasks.max(1)).max(1);
        let mut combiners: Vec<_> = records
            .chunks(per_task)
            .map(|chunk| {
                let mut c = KeyedCombiner::with_tuning(tuning);
                for &(k, v) in chunk {
                    c.update(agg, k, v);
                }
                c
            })
            .collect();
        combiners.resize_with(tasks, || KeyedCombiner::with_tuning(tuning));
        combiners
    }

    fn sorted<T: Ord>(parts: Partitions<T>) -> Vec<T> {
        assert_eq!(parts.len(), PARTITIONS);
        let mut all: Vec<T> = parts.into_iter().flatten().collect();
        all.sort();
        all
    }

    /// Every key lands in the partition of its hash.
    fn check_partitioning<K: Hash, V>(parts: &Partitions<(K, V)>) {
        for (p, part) in parts.iter().enumerate() {
            for (k, _) in part {
                assert_eq!(partition_of(hash_one(k), PARTITIONS), p);
            }
        }
    }

    #[test]
    fn combiners_merge_to_exact_counts() {
        let mut a = KeyedCombiner::new();
        let mut b = KeyedCombiner::new();
        for i in 0..1000u64 {
            a.update(&Count, i % 7, ());
            b.update(&Count, i % 11, ());
        }
        let parts = merge_keyed(&Count, vec![a, b]);
        check_partitioning(&parts);
        let mut expected = BTreeMap::new();
        for i in 0..1000u64 {
            *expected.entry(i % 7).or_insert(0) += 1;
            *expected.entry(i % 11).or_insert(0) += 1;
        }
        assert_eq!(sorted(parts), expected.into_iter().collect::<Vec<_>>());
    }

    #[test]
    fn sums_by_string_key() {
        let mut a = KeyedCombiner::new();
        a.update(&Sum::new(), "x".to_string(), 2i64);
        a.update(&Sum::new(), "x".to_string(), 3i64);
        let all: Vec<(String, i64)> = merge_keyed(&Sum::new(), vec![a])
            .into_iter()
            .flatten()
            .collect();
        assert_eq!(all, vec![("x".to_string(), 5)]);
    }

    /// Sums and counts against a `BTreeMap`, from one key to every record its own key, with the
    /// production thresholds and with tiny ones (spills, passthrough, compaction).
    #[test]
    fn exact_sums_at_every_cardinality() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for tuning in [Tuning::DEFAULT, TINY] {
            for (rows, keys) in [(1, 1), (5000, 1), (5000, 13), (5000, 1000), (5000, 1 << 40)] {
                let records: Vec<(u64, u64)> = (0..rows)
                    .map(|_| (rng.below(keys), rng.below(1000)))
                    .collect();
                let mut sums = BTreeMap::new();
                let mut counts = BTreeMap::new();
                for &(k, v) in &records {
                    *sums.entry(k).or_insert(0) += v;
                    *counts.entry(k).or_insert(0u64) += 1;
                }
                for tasks in [1, 3, 8] {
                    let combiners = combine(&Sum::new(), tuning, &records, tasks);
                    let parts = merge_keyed(&Sum::new(), combiners);
                    check_partitioning(&parts);
                    assert_eq!(
                        sorted(parts),
                        sums.clone().into_iter().collect::<Vec<_>>(),
                        "{rows} rows, {keys} keys, {tasks} tasks, {tuning:?}"
                    );

                    let unit: Vec<(u64, ())> = records.iter().map(|&(k, _)| (k, ())).collect();
                    let combiners = combine(&Count, tuning, &unit, tasks);
                    assert_eq!(
                        sorted(merge_keyed(&Count, combiners)),
                        counts.clone().into_iter().collect::<Vec<_>>()
                    );
                }
            }
        }
    }

    /// With the production thresholds, enough distinct keys to spill, pass through, compact and
    /// grow the local table.
    #[test]
    fn production_thresholds_spill_exactly() {
        let mut rng = Rng(5);
        for keys in [80_000, 200_000, 1 << 40] {
            let records: Vec<(u64, u64)> = (0..300_000)
                .map(|_| (rng.below(keys), rng.below(1000)))
                .collect();
            let mut sums = BTreeMap::new();
            for &(k, v) in &records {
                *sums.entry(k).or_insert(0) += v;
            }
            let combiners = combine(&Sum::new(), Tuning::DEFAULT, &records, 2);
            for c in &combiners {
                if keys == 80_000 {
                    assert!(c.local.spill.is_none() && c.local.cap > Tuning::DEFAULT.local_cap);
                } else {
                    assert!(c.local.spill.is_some());
                }
            }
            let parts = merge_keyed(&Sum::new(), combiners);
            check_partitioning(&parts);
            assert_eq!(sorted(parts), sums.into_iter().collect::<Vec<_>>());
        }
    }

    /// The tiny thresholds really take the spill, passthrough and compaction paths, and the
    /// local table takes records again after a passthrough.
    #[test]
    fn tiny_thresholds_reach_every_path() {
        let agg = Sum::new();
        let mut c: KeyedCombiner<u64, u64> = KeyedCombiner::with_tuning(TINY);
        // Distinct keys: the first drain finds no reduction and starts passthrough.
        for k in 0..9 {
            c.update(&agg, k, 1);
        }
        assert!(c.local.spill.is_some());
        assert!(c.local.passthrough > 0);
        assert!(c.local.table.is_empty());
        // The passthrough period ends, and one key repeats: the table takes it again.
        for _ in 0..TINY.passthrough_rows + 10 {
            c.update(&agg, 0, 1);
        }
        assert_eq!(c.local.passthrough, 0);
        assert_eq!(c.local.table.len(), 1);
        // Compaction kept the partition of key 0 small.
        let p = partition_of(hash_one(&0u64), PARTITIONS);
        assert!(c.local.spill.as_ref().unwrap().runs[p].len() <= 2 * TINY.compact_min + 2);
        let total: u64 = merge_keyed(&agg, vec![c])
            .into_iter()
            .flatten()
            .map(|e| e.1)
            .sum();
        assert_eq!(total, 9 + TINY.passthrough_rows as u64 + 10);
    }

    /// Records of each key come out in input order, across tasks, spills, passthrough and
    /// compaction: accumulators are merged earlier-first.
    #[test]
    fn merges_keep_input_order() {
        let mut rng = Rng(42);
        for tuning in [Tuning::DEFAULT, TINY] {
            for keys in [1, 3, 40, 1000, 1 << 40] {
                // Phases of few and of many keys, so that the combiner switches modes.
                let records: Vec<(u64, u32)> = (0..3000u32)
                    .map(|i| {
                        let keys = if (i / 500) % 2 == 0 {
                            keys.min(4)
                        } else {
                            keys
                        };
                        (rng.below(keys), i)
                    })
                    .collect();
                let mut expected: BTreeMap<u64, Vec<u32>> = BTreeMap::new();
                for &(k, i) in &records {
                    expected.entry(k).or_default().push(i);
                }
                for tasks in [1, 2, 7] {
                    let combiners = combine(&Group::new(), tuning, &records, tasks);
                    let parts = merge_keyed(&Group::new(), combiners);
                    check_partitioning(&parts);
                    assert_eq!(
                        sorted(parts),
                        expected.clone().into_iter().collect::<Vec<_>>(),
                        "{keys} keys, {tasks} tasks, {tuning:?}"
                    );
                }
            }
        }
    }

    /// Random thresholds, splits and key ranges, against a reference, in input order.
    #[test]
    fn random_thresholds_keep_order() {
        let mut rng = Rng(7);
        for _ in 0..200 {
            let local_cap = 1 + rng.below(20) as usize;
            let tuning = Tuning {
                local_cap,
                local_max: local_cap * (1 + rng.below(4) as usize),
                compact_min: 1 + rng.below(10) as usize,
                passthrough_rows: 1 + rng.below(50) as usize,
            };
            let keys = 1 + rng.below(300);
            let rows = rng.below(800) as u32;
            let records: Vec<(u64, u32)> = (0..rows).map(|i| (rng.below(keys), i)).collect();
            let mut expected: BTreeMap<u64, Vec<u32>> = BTreeMap::new();
            for &(k, i) in &records {
                expected.entry(k).or_default().push(i);
            }
            let tasks = 1 + rng.below(6) as usize;
            let combiners = combine(&Group::new(), tuning, &records, tasks);
            assert_eq!(
                sorted(merge_keyed(&Group::new(), combiners)),
                expected.into_iter().collect::<Vec<_>>(),
                "{tuning:?}, {keys} keys, {rows} rows, {tasks} tasks"
            );
        }
    }

    /// The local table doubles while it reduces somewhat, up to its bound, and then drains.
    #[test]
    fn local_table_grows_while_it_pays() {
        let tuning = Tuning {
            local_max: 64,
            ..TINY
        };
        // Two records for every other key: 1.5 records per entry.
        let keys = |n: u64| (0..n).flat_map(|k| if k % 2 == 0 { vec![k, k] } else { vec![k] });
        let mut c = KeyedCombiner::with_tuning(tuning);
        for k in keys(40) {
            c.update(&Count, k, ());
        }
        assert!(c.local.spill.is_none());
        assert_eq!((c.local.cap, c.local.table.len()), (64, 40));
        for k in keys(100).skip(60) {
            c.update(&Count, k, ());
        }
        assert!(c.local.spill.is_some() && c.local.passthrough == 0);
        let expected: Vec<(u64, u64)> = (0..100).map(|k| (k, 2 - k % 2)).collect();
        assert_eq!(sorted(merge_keyed(&Count, vec![c])), expected);
    }

    /// Keys that keep their hashes in the runs (strings), through spills and compaction.
    #[test]
    fn string_keys_through_spills() {
        assert!(!keeps_hash::<u64>() && !keeps_hash::<(u64, u64)>());
        assert!(keeps_hash::<String>() && keeps_hash::<[u64; 3]>());
        let mut rng = Rng(11);
        let records: Vec<(String, u32)> = (0..4000u32)
            .map(|i| (format!("key-{}", rng.below(300)), i))
            .collect();
        let mut expected: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for (k, i) in &records {
            expected.entry(k.clone()).or_default().push(*i);
        }
        for tasks in [1, 4] {
            let per_task = records.len() / tasks;
            let combiners: Vec<_> = records
                .chunks(per_task)
                .map(|chunk| {
                    let mut c = KeyedCombiner::with_tuning(TINY);
                    for (k, i) in chunk {
                        c.update(&Group::new(), k.clone(), *i);
                    }
                    c
                })
                .collect();
            let parts = merge_keyed(&Group::new(), combiners);
            check_partitioning(&parts);
            assert_eq!(
                sorted(parts),
                expected.clone().into_iter().collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn empty_input() {
        let parts = merge_keyed(&Sum::<u64>::new(), Vec::<KeyedCombiner<u64, u64>>::new());
        assert_eq!(parts.len(), PARTITIONS);
        assert!(parts.iter().all(Vec::is_empty));

        let combiners: Vec<KeyedCombiner<u64, u64>> =
            vec![KeyedCombiner::new(), KeyedCombiner::default()];
        assert!(combiners.iter().all(|c| c.is_empty()));
        assert_eq!(combiners.iter().map(KeyedCombiner::len).sum::<usize>(), 0);
        let parts = merge_keyed(&Sum::<u64>::new(), combiners);
        assert_eq!(parts.len(), PARTITIONS);
        assert!(parts.iter().all(Vec::is_empty));
    }

    #[test]
    fn len_counts_entries_held() {
        let mut c = KeyedCombiner::new();
        for i in 0..100u64 {
            c.update(&Count, i % 10, ());
        }
        assert_eq!(c.len(), 10);
        assert!(!c.is_empty());
        let mut c = KeyedCombiner::with_tuning(TINY);
        for i in 0..100u64 {
            c.update(&Count, i, ());
        }
        assert_eq!(c.len(), 100);
    }

    /// Driven by the real driver on a pool, at a parallelism that changes the task split.
    #[test]
    fn driven_result_does_not_depend_on_parallelism() {
        use crate::guard::OpInfo;
        static OP: OpInfo = OpInfo {
            name: "from",
            file: file!(),
            line: line!(),
            column: 1,
        };
        let mut rng = Rng(3);
        let records: Vec<(u64, u32)> = (0..200_000u32).map(|i| (rng.below(5000), i)).collect();
        let mut results = Vec::new();
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let ctx = crate::Context::new(threads);
            let parts = pool.install(|| {
                let states = crate::driver::drive_indexed(
                    &ctx,
                    &OP,
                    &records[..],
                    || KeyedCombiner::with_tuning(TINY),
                    |c, &(k, i)| c.update(&Group::new(), k, i),
                )
                .unwrap();
                merge_keyed(&Group::new(), states)
            });
            check_partitioning(&parts);
            results.push(sorted(parts));
        }
        let mut expected: BTreeMap<u64, Vec<u32>> = BTreeMap::new();
        for &(k, i) in &records {
            expected.entry(k).or_default().push(i);
        }
        let expected: Vec<_> = expected.into_iter().collect();
        for r in results {
            assert_eq!(r, expected);
        }
    }
}
