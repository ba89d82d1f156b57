//! A delta iteration's solution set: every record of the solution, hash-partitioned by its key
//! (the partition function of every exchange), with an index from key to position in each
//! partition. A round's delta replaces the record of each key it holds (or adds it), partition
//! by partition, in parallel: the set is never rebuilt, and a round costs what its delta holds.

use super::drive_slices;
use crate::error::Result;
use crate::guard::JobScope;
use crate::hash::{hash_one, partition_of, FixedState, HASH_PARTITIONS};
use crate::job::Context;
use crate::Partitions;
use hashbrown::HashMap;
use rayon::prelude::*;
use std::hash::Hash;

/// The solution set of a delta iteration, keyed by `K`.
///
/// Order: partition by partition (by the hash of the key), and within a partition in the order
/// keys first arrived (the initial solution's order, then new keys in the order of the deltas);
/// a record that replaces another takes its place. None of it depends on the parallelism.
pub struct SolutionSet<K, T> {
    parts: Vec<SolutionPart<K, T>>,
}

struct SolutionPart<K, T> {
    records: Vec<T>,
    index: HashMap<K, usize, FixedState>,
}

impl<K, T> SolutionSet<K, T>
where
    K: Hash + Eq + Send + Sync,
    T: Send + Sync,
{
    /// The solution set holding `initial`, keyed by `key`; of several records with one key, the
    /// last (in input order) is kept, as if each were a delta applied in turn.
    pub fn build(ctx: &Context, initial: Partitions<T>, key: impl Fn(&T) -> K + Sync) -> Self {
        let mut set = SolutionSet {
            parts: (0..HASH_PARTITIONS)
                .map(|_| SolutionPart {
                    records: Vec::new(),
                    index: HashMap::with_hasher(Default::default()),
                })
                .collect(),
        };
        set.apply(ctx, initial, key);
        set
    }

    /// Applies a round's delta: each record replaces the record of its key, or joins the set.
    /// Returns how many records were replaced or added.
    pub fn apply(
        &mut self,
        _ctx: &Context,
        delta: Partitions<T>,
        key: impl Fn(&T) -> K + Sync,
    ) -> usize {
        let (scope, _reenter) = JobScope::fan_out();
        // Each delta partition routes its records to their keys' partitions (in parallel,
        // keeping input order), then each solution partition takes its share from every delta
        // partition in order: the last record of a key in input order wins.
        let routed: Vec<Vec<Vec<(K, T)>>> = delta
            .into_par_iter()
            .map(|records| {
                scope.enter();
                let mut out: Vec<Vec<(K, T)>> = (0..HASH_PARTITIONS).map(|_| Vec::new()).collect();
                for record in records {
                    let k = key(&record);
                    out[partition_of(hash_one(&k), HASH_PARTITIONS)].push((k, record));
                }
                out
            })
            .collect();
        let mut by_part: Vec<Vec<Vec<(K, T)>>> = (0..HASH_PARTITIONS).map(|_| Vec::new()).collect();
        for source in routed {
            for (p, updates) in source.into_iter().enumerate() {
                if !updates.is_empty() {
                    by_part[p].push(updates);
                }
            }
        }
        self.parts
            .par_iter_mut()
            .zip(by_part)
            .map(|(part, sources)| {
                scope.enter();
                let mut n = 0;
                for (k, record) in sources.into_iter().flatten() {
                    n += 1;
                    match part.index.get(&k) {
                        Some(&at) => part.records[at] = record,
                        None => {
                            part.index.insert(k, part.records.len());
                            part.records.push(record);
                        }
                    }
                }
                n
            })
            .sum()
    }

    /// The witness of the set's record type (see [`super::Witness`]).
    pub fn witness(&self) -> super::Witness<T> {
        super::Witness(std::marker::PhantomData)
    }

    /// The number of records.
    pub fn len(&self) -> usize {
        self.parts.iter().map(|p| p.records.len()).sum()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The record of `key`, if any.
    pub fn get(&self, key: &K) -> Option<&T> {
        let part = &self.parts[partition_of(hash_one(key), HASH_PARTITIONS)];
        part.index.get(key).map(|&at| &part.records[at])
    }

    /// Runs a stage over a clone of every record (the step reading the solution set).
    pub fn drive<L, I, B>(&self, ctx: &Context, init: I, body: B) -> Result<Vec<L>>
    where
        T: Clone,
        L: Send,
        I: Fn() -> L + Sync + Send,
        B: Fn(&mut L, T) + Sync + Send,
    {
        drive_slices(
            ctx,
            self.parts.iter().map(|p| p.records.as_slice()).collect(),
            init,
            body,
        )
    }

    /// The records, one `Vec` per partition, in the set's order: the loop's result.
    pub fn into_partitions(self) -> Partitions<T> {
        self.parts.into_iter().map(|p| p.records).collect()
    }
}
