//! Keyed aggregation: a thread-local combiner per task, then a partitioned, parallel merge.
//!
//! Each task pre-aggregates into its own [`KeyedCombiner`] (Flink's combiner), so that only one
//! accumulator per key and task crosses the exchange. [`merge_keyed`] then splits every
//! combiner's entries by the top bits of the key's hash into [`PARTITIONS`] partitions and merges
//! each partition in parallel: no single-threaded merge of whole tables, and each partition's
//! table is small enough to stay in cache at ten million keys.
//!
//! Combiners are merged in input order (the drivers return task states in order), so an
//! aggregation that is associative gives the same result at every parallelism.

use super::{Accumulate, Aggregate};
use crate::hash::{hash_one, partition_of};
use crate::Partitions;
use hashbrown::HashTable;
use rayon::prelude::*;
use std::hash::Hash;

/// Number of partitions of a keyed aggregation's output. Fixed, not derived from the
/// parallelism, so that the partitioning of the result does not depend on it.
pub const PARTITIONS: usize = 128;

/// One task's pre-aggregated state: key -> accumulator, with each key's hash kept for the merge.
pub struct KeyedCombiner<K, Acc> {
    table: HashTable<(u64, K, Acc)>,
}

impl<K, Acc> Default for KeyedCombiner<K, Acc> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, Acc> KeyedCombiner<K, Acc> {
    /// An empty combiner.
    pub fn new() -> Self {
        KeyedCombiner {
            table: HashTable::new(),
        }
    }

    /// Number of distinct keys held.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

impl<K: Hash + Eq, Acc> KeyedCombiner<K, Acc> {
    /// Adds one record's value under `key`.
    #[inline]
    pub fn update<V, A: Aggregate<V, Acc = Acc>>(&mut self, agg: &A, key: K, value: V) {
        let hash = hash_one(&key);
        match self
            .table
            .entry(hash, |(h, k, _)| *h == hash && *k == key, |(h, _, _)| *h)
        {
            hashbrown::hash_table::Entry::Occupied(mut e) => agg.update(&mut e.get_mut().2, value),
            hashbrown::hash_table::Entry::Vacant(e) => {
                e.insert((hash, key, agg.create(value)));
            }
        }
    }

    fn into_partitions(self) -> Vec<Vec<(u64, K, Acc)>> {
        let mut parts: Vec<Vec<(u64, K, Acc)>> = (0..PARTITIONS).map(|_| Vec::new()).collect();
        for entry in self.table {
            parts[partition_of(entry.0, PARTITIONS)].push(entry);
        }
        parts
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
    let scattered: Vec<Vec<Vec<(u64, K, A::Acc)>>> = combiners
        .into_par_iter()
        .map(KeyedCombiner::into_partitions)
        .collect();
    // Transpose: partition -> the entries every task produced for it, in task order.
    let mut by_partition: Vec<Vec<Vec<(u64, K, A::Acc)>>> =
        (0..PARTITIONS).map(|_| Vec::new()).collect();
    for task in scattered {
        for (p, entries) in task.into_iter().enumerate() {
            if !entries.is_empty() {
                by_partition[p].push(entries);
            }
        }
    }
    by_partition
        .into_par_iter()
        .map(|tasks| {
            let mut table: HashTable<(u64, K, A::Acc)> = HashTable::new();
            for entries in tasks {
                for (hash, key, acc) in entries {
                    match table.entry(hash, |(h, k, _)| *h == hash && *k == key, |(h, _, _)| *h) {
                        hashbrown::hash_table::Entry::Occupied(mut e) => {
                            agg.merge(&mut e.get_mut().2, acc)
                        }
                        hashbrown::hash_table::Entry::Vacant(e) => {
                            e.insert((hash, key, acc));
                        }
                    }
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
