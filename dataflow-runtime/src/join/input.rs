//! The exchange in front of a join: each upstream task buckets its records by the hash
//! partition of their key ([`JoinSide`]); [`finish_side`] concatenates the tasks' buckets into
//! one [`JoinInput`], partition by partition.
//!
//! Each record travels with the hash of its key, computed once when it is pushed: the join
//! kernels file records in their tables under it instead of hashing every key again, and
//! co_group groups records by it.

use crate::hash::{hash_one, partition_of, HASH_PARTITIONS};
use rayon::prelude::*;
use std::hash::Hash;

/// One task's share of one join input, in the upstream stage's fused loop: records bucketed by
/// the hash partition of their key ([`HASH_PARTITIONS`] partitions, the partition function of
/// every hash exchange, [`crate::hash::partition_of`] of [`crate::hash::hash_one`]).
pub struct JoinSide<T> {
    /// Per partition: (hash of the key, record), in push order.
    buckets: Vec<Vec<(u64, T)>>,
}

impl<T> Default for JoinSide<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> JoinSide<T> {
    /// Empty buckets (nothing is allocated before the first record of a partition).
    pub fn new() -> Self {
        JoinSide {
            buckets: (0..HASH_PARTITIONS).map(|_| Vec::new()).collect(),
        }
    }

    /// Routes `record` by the hash of `key`. `key` must hash like the key the join's key
    /// closure returns for `record` (the same value, or a reference to it, or a `String` for a
    /// `&str`), as the kernels reuse the hash.
    #[inline]
    pub fn push<K: Hash + ?Sized>(&mut self, key: &K, record: T) {
        self.push_hashed(hash_one(key), record);
    }

    /// Routes `record` by `hash`, the [`hash_one`] of its key, for callers that cannot hold
    /// the key and the record at once (a key borrowed from the record moved in here): compute
    /// `hash_one(&key(&record))` first, then move the record.
    #[inline]
    pub fn push_hashed(&mut self, hash: u64, record: T) {
        self.buckets[partition_of(hash, HASH_PARTITIONS)].push((hash, record));
    }
}

/// One partition of a join input: records and the hashes of their keys, side by side.
pub(crate) struct Part<T> {
    pub(crate) records: Vec<T>,
    pub(crate) hashes: Vec<u64>,
}

/// A whole join input, partitioned by key hash: partition `p` holds every record whose key
/// falls in `p`, in input order (task order, then record order within a task).
pub struct JoinInput<T> {
    pub(crate) parts: Vec<Part<T>>,
}

impl<T> JoinInput<T> {
    /// The number of records.
    pub fn len(&self) -> usize {
        self.parts.iter().map(|p| p.records.len()).sum()
    }

    /// Whether there is no record.
    pub fn is_empty(&self) -> bool {
        self.parts.iter().all(|p| p.records.is_empty())
    }

    /// The number of partitions ([`HASH_PARTITIONS`]).
    pub fn partitions(&self) -> usize {
        self.parts.len()
    }

    /// The records of partition `p`, in input order.
    pub fn partition(&self, p: usize) -> &[T] {
        &self.parts[p].records
    }
}

/// Builds the join input from every upstream task's side, in task order. Partitions are
/// concatenated in parallel (each partition's buckets are copied once).
pub fn finish_side<T: Send>(tasks: Vec<JoinSide<T>>) -> JoinInput<T> {
    // Transpose: partition -> the tasks' buckets for it, in task order (moves Vec headers only).
    let mut by_part: Vec<Vec<Vec<(u64, T)>>> = (0..HASH_PARTITIONS)
        .map(|_| Vec::with_capacity(tasks.len()))
        .collect();
    for task in tasks {
        for (p, bucket) in task.buckets.into_iter().enumerate() {
            by_part[p].push(bucket);
        }
    }
    let parts = by_part
        .into_par_iter()
        .map(|buckets| {
            let total = buckets.iter().map(Vec::len).sum();
            let mut part = Part {
                records: Vec::with_capacity(total),
                hashes: Vec::with_capacity(total),
            };
            for bucket in buckets {
                for (hash, record) in bucket {
                    part.hashes.push(hash);
                    part.records.push(record);
                }
            }
            part
        })
        .collect();
    JoinInput { parts }
}

/// Every record of `input`, partition after partition (partition order, then input order
/// within a partition): to broadcast an input that arrived partitioned.
pub fn concat<T>(input: JoinInput<T>) -> Vec<T> {
    let mut out = Vec::with_capacity(input.len());
    for part in input.parts {
        out.extend(part.records);
    }
    out
}
