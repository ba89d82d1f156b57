//! The partitioned merge: every task's runs for one partition are aggregated in one table
//! holding that partition's keys only, partitions in parallel (see the [module docs](super)).

use super::run::Run;
use super::{KeyedCombiner, Slot, PARTITIONS};
use crate::aggregate::Accumulate;
use crate::Partitions;
use hashbrown::hash_table::Entry;
use hashbrown::HashTable;
use rayon::prelude::*;
use std::hash::Hash;

/// The hash a per-partition table (compaction, merge) files an entry under. The keys of a
/// partition share the top bits of their hashes, which hashbrown takes for its 7-bit tag; the
/// rotation brings varying bits there, and keeps varying bits at the bottom (the bucket index).
#[inline(always)]
fn partition_table_hash(hash: u64) -> u64 {
    hash.rotate_left(32)
}

/// Merges one entry into a per-partition table; `slot` is later than what `table` holds.
#[inline]
pub(super) fn merge_into<K: Eq, A: Accumulate>(
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
