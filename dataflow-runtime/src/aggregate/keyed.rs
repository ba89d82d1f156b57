//! Keyed aggregation: a thread-local combiner per task, then a partitioned, parallel merge.
//!
//! Each task pre-aggregates into its own [`KeyedCombiner`] (Flink's combiner), so that at most
//! one accumulator per key and task period crosses the exchange, and [`merge_keyed`] merges
//! each of [`PARTITIONS`] partitions (split by the top bits of the key's hash) in parallel.
//!
//! A combiner adapts to the cardinality it sees:
//!
//! * **Local table.** Records first go to a hash table capped at a size that stays in cache.
//!   Low-cardinality input never leaves it: one probe per record, as in a hand-written loop.
//! * **Spill.** When the table is full, its entries (with their hashes, which are never computed
//!   again) are drained into per-partition vectors and the table, allocation kept, starts over.
//! * **Passthrough.** A drain that finds the table reduced its rows by less than half means
//!   the keys hardly repeat within the table's reach. The combiner then radix-partitions the
//!   next records straight into the partition vectors, skipping the probe, and tries the table
//!   again later.
//! * **Compaction.** A partition vector that has doubled since it was last compacted is
//!   aggregated in place through a scratch table that holds one partition only (and so stays in
//!   cache). Memory therefore follows the number of distinct keys, not the number of records.
//!
//! The merge takes partition by partition, in parallel, every combiner's entries for that
//! partition and aggregates them in one table that holds one partition's keys.
//!
//! **Order.** Within a combiner, entries reach a partition vector in record order (the local
//! table is empty during passthrough, and is drained before it takes later records), and
//! compaction merges them in that order. Combiners are merged in input order (the drivers
//! return task states in order). So accumulators are always merged earlier-first and an
//! associative aggregation gives the same result at every parallelism.

use super::{Accumulate, Aggregate};
use crate::hash::{hash_one, partition_of};
use crate::Partitions;
use hashbrown::hash_table::Entry;
use hashbrown::HashTable;
use rayon::prelude::*;
use std::hash::Hash;

/// Number of partitions of a keyed aggregation's output (a power of two). Fixed, not derived
/// from the parallelism, so that the partitioning of the result does not depend on it.
pub const PARTITIONS: usize = 256;

/// `log2(PARTITIONS)`.
const PARTITION_BITS: u32 = PARTITIONS.trailing_zeros();

/// One entry: the key's hash, the key and its accumulator.
type Slot<K, Acc> = (u64, K, Acc);

/// The hash a per-partition table uses. Every key of a partition shares the top bits of its
/// hash, which hashbrown would otherwise take for its 7-bit tag (defeating it); rotating brings
/// varying bits to the top while the low bits (the bucket index) stay varied.
#[inline(always)]
fn partition_table_hash(hash: u64) -> u64 {
    hash.rotate_left(32)
}

/// The thresholds that shape a combiner (crate-private, so that tests can make them tiny).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tuning {
    /// Most entries the local table holds before it is drained into the partitions.
    pub(crate) local_cap: usize,
    /// Entries a partition vector reaches before its first compaction.
    pub(crate) compact_min: usize,
    /// Records routed straight to the partitions after a drain that found little reduction.
    pub(crate) passthrough_rows: usize,
}

impl Tuning {
    /// The production thresholds, measured with `benches/groupby.rs`.
    const DEFAULT: Tuning = Tuning {
        // 2^16 buckets at hashbrown's 7/8 load: 1.6 MiB for (u64, u64) entries.
        local_cap: (1 << 16) / 8 * 7,
        compact_min: 1 << 12,
        passthrough_rows: 1 << 20,
    };
}

/// A combiner's spilled entries, by partition.
struct Spill<K, Acc> {
    parts: Vec<Part<K, Acc>>,
    /// Reused by every compaction; holds one partition's keys at most.
    scratch: HashTable<Slot<K, Acc>>,
}

/// One partition's spilled entries, in record order (a key may appear more than once).
struct Part<K, Acc> {
    entries: Vec<Slot<K, Acc>>,
    /// Length at which the entries are next compacted.
    compact_at: usize,
}

/// One task's pre-aggregated state: key -> accumulator, with each key's hash kept for the merge.
pub struct KeyedCombiner<K, Acc> {
    /// The local table (see the module documentation).
    table: HashTable<Slot<K, Acc>>,
    /// Records the local table took since it was last drained.
    rows: usize,
    /// Records still to route straight to the partitions (passthrough mode when non-zero; the
    /// local table is empty then).
    passthrough: usize,
    /// Allocated on the first drain.
    spill: Option<Box<Spill<K, Acc>>>,
    tuning: Tuning,
}

impl<K, Acc> Default for KeyedCombiner<K, Acc> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, Acc> KeyedCombiner<K, Acc> {
    /// An empty combiner. It allocates nothing until it sees a record.
    pub fn new() -> Self {
        Self::with_tuning(Tuning::DEFAULT)
    }

    pub(crate) fn with_tuning(tuning: Tuning) -> Self {
        KeyedCombiner {
            table: HashTable::new(),
            rows: 0,
            passthrough: 0,
            spill: None,
            tuning,
        }
    }

    /// Number of entries held: the distinct keys, as long as the combiner has not spilled;
    /// after that a key may be counted once per spilled period.
    pub fn len(&self) -> usize {
        self.table.len()
            + self
                .spill
                .as_ref()
                .map_or(0, |s| s.parts.iter().map(|p| p.entries.len()).sum())
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
        let hash = hash_one(&key);
        if self.passthrough > 0 {
            self.passthrough -= 1;
            let acc = agg.create(value);
            self.spill_mut()
                .push(agg, hash, key, acc, self.tuning.compact_min);
            return;
        }
        self.rows += 1;
        let full = self.table.len() >= self.tuning.local_cap;
        match self
            .table
            .entry(hash, |(h, k, _)| *h == hash && *k == key, |(h, _, _)| *h)
        {
            Entry::Occupied(mut e) => agg.update(&mut e.get_mut().2, value),
            Entry::Vacant(e) if !full => {
                e.insert((hash, key, agg.create(value)));
            }
            Entry::Vacant(_) => self.insert_when_full(agg, hash, key, value),
        }
    }

    /// A new key reached a full local table: drain it, then take the record.
    #[cold]
    #[inline(never)]
    fn insert_when_full<V, A: Aggregate<V, Acc = Acc>>(
        &mut self,
        agg: &A,
        hash: u64,
        key: K,
        value: V,
    ) {
        let rows = std::mem::take(&mut self.rows);
        let drained = self.table.len();
        self.drain_local(agg);
        // Fewer than two records per drained entry: the table is not worth its probe.
        if rows < 2 * drained {
            self.passthrough = self.tuning.passthrough_rows;
        }
        let acc = agg.create(value);
        if self.passthrough > 0 {
            // The local table must stay empty in passthrough mode (see `Order` above).
            self.spill_mut()
                .push(agg, hash, key, acc, self.tuning.compact_min);
        } else {
            self.rows = 1;
            self.table
                .insert_unique(hash, (hash, key, acc), |(h, _, _)| *h);
        }
    }

    fn spill_mut(&mut self) -> &mut Spill<K, Acc> {
        self.spill.get_or_insert_with(Spill::new)
    }

    /// Moves the local table's entries to the partitions, keeping the table's allocation.
    fn drain_local<A: Accumulate<Acc = Acc>>(&mut self, agg: &A) {
        if self.table.is_empty() {
            return;
        }
        let compact_min = self.tuning.compact_min;
        let spill = self.spill.get_or_insert_with(Spill::new);
        for (hash, key, acc) in self.table.drain() {
            spill.push(agg, hash, key, acc, compact_min);
        }
    }

    /// The combiner's entries by partition, each partition's in record order.
    fn into_parts<A: Accumulate<Acc = Acc>>(mut self, agg: &A) -> Vec<Vec<Slot<K, Acc>>> {
        self.drain_local(agg);
        match self.spill {
            Some(spill) => spill.parts.into_iter().map(|p| p.entries).collect(),
            None => Vec::new(),
        }
    }
}

impl<K, Acc> Spill<K, Acc> {
    fn new() -> Box<Self> {
        Box::new(Spill {
            parts: (0..PARTITIONS)
                .map(|_| Part {
                    entries: Vec::new(),
                    compact_at: 0,
                })
                .collect(),
            scratch: HashTable::new(),
        })
    }
}

impl<K: Hash + Eq, Acc> Spill<K, Acc> {
    #[inline]
    fn push<A: Accumulate<Acc = Acc>>(
        &mut self,
        agg: &A,
        hash: u64,
        key: K,
        acc: Acc,
        compact_min: usize,
    ) {
        let part = &mut self.parts[partition_of(hash, PARTITIONS)];
        if part.entries.len() >= part.compact_at.max(compact_min) {
            compact(agg, &mut part.entries, &mut self.scratch);
            part.compact_at = 2 * part.entries.len();
        }
        part.entries.push((hash, key, acc));
    }
}

/// Aggregates `entries` (one partition's, in record order) in place: one entry per key.
#[cold]
#[inline(never)]
fn compact<K: Eq, A: Accumulate>(
    agg: &A,
    entries: &mut Vec<Slot<K, A::Acc>>,
    scratch: &mut HashTable<Slot<K, A::Acc>>,
) {
    debug_assert!(scratch.is_empty());
    for entry in entries.drain(..) {
        merge_into(agg, scratch, entry);
    }
    entries.extend(scratch.drain());
}

/// Merges one entry into a per-partition table; `entry` is later than what `table` holds.
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
    let per_task: Vec<Vec<Vec<Slot<K, A::Acc>>>> = combiners
        .into_par_iter()
        .map(|c| c.into_parts(agg))
        .collect();
    // Transpose: partition -> the entries every task produced for it, in task order.
    let mut by_partition: Vec<Vec<Vec<Slot<K, A::Acc>>>> =
        (0..PARTITIONS).map(|_| Vec::new()).collect();
    for parts in per_task {
        for (p, entries) in parts.into_iter().enumerate() {
            if !entries.is_empty() {
                by_partition[p].push(entries);
            }
        }
    }
    by_partition
        .into_par_iter()
        .with_max_len(1)
        .map(|tasks| {
            // At least the largest task's number of keys (its entries are mostly distinct).
            let hint = tasks.iter().map(Vec::len).max().unwrap_or(0);
            let mut table: HashTable<Slot<K, A::Acc>> = HashTable::with_capacity(hint);
            for entries in tasks {
                for entry in entries {
                    merge_into(agg, &mut table, entry);
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
    use crate::aggregate::{Count, Sum};

    #[test]
    fn combiners_merge_to_exact_counts() {
        let mut a = KeyedCombiner::new();
        let mut b = KeyedCombiner::new();
        for i in 0..1000u64 {
            a.update(&Count, i % 7, ());
            b.update(&Count, i % 11, ());
        }
        let parts = merge_keyed(&Count, vec![a, b]);
        assert_eq!(parts.len(), PARTITIONS);
        let mut all: Vec<(u64, u64)> = parts.into_iter().flatten().collect();
        all.sort();
        let mut expected = std::collections::BTreeMap::new();
        for i in 0..1000u64 {
            *expected.entry(i % 7).or_insert(0) += 1;
            *expected.entry(i % 11).or_insert(0) += 1;
        }
        assert_eq!(all, expected.into_iter().collect::<Vec<_>>());
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
}
