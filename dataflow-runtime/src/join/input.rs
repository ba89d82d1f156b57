//! The exchange in front of a join: each upstream task buckets its records by the hash
//! partition of their key ([`JoinSide`]); [`finish_side`] concatenates the tasks' buckets into
//! one [`JoinInput`], partition by partition.
//!
//! The tasks' buckets are not copied together: a partition is the list of its buckets, and a
//! kernel reads them where they are (a hand-written join probes its buckets in place, too).
//!
//! The hash of each record's key is computed to route it, and dropped: the kernels hash keys
//! again, which costs less than carrying 8 more bytes per record through memory (measured: a
//! `(hash, record)` bucket of 16-byte records took 1.8 times the CPU time of a record bucket).
//! Only co_group keeps the hashes: it must group its inputs before it may call the key
//! closures (see `co_group.rs`). Which is chosen by a type parameter, [`Hashes`]: the join
//! kernels take a `JoinInput<T>` ([`NoHashes`]), co_group a `JoinInput<T, KeptHashes>`, so a
//! side built with `JoinSide::new()` gets the right one from the kernel it feeds, by inference.

use crate::hash::{hash_one, partition_of, HASH_PARTITIONS};
use std::hash::Hash;
use std::marker::PhantomData;

/// Whether a join input keeps the hash of every record's key: [`NoHashes`] (joins) or
/// [`KeptHashes`] (co_group).
pub trait Hashes: Send + Sized + sealed::Sealed {
    /// Whether the input keeps the hashes of its records' keys.
    #[doc(hidden)]
    const KEEPS: bool;
    #[doc(hidden)]
    fn new() -> Self;
    #[doc(hidden)]
    fn push(&mut self, partition: usize, hash: u64);
    #[doc(hidden)]
    fn into_partitions(self) -> Option<Vec<Vec<u64>>>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::NoHashes {}
    impl Sealed for super::KeptHashes {}
}

/// A join input that keeps no hashes (the input of a join).
pub struct NoHashes;

/// A join input that keeps the hash of every record's key (the input of a co_group).
pub struct KeptHashes(Vec<Vec<u64>>);

impl Hashes for NoHashes {
    const KEEPS: bool = false;
    #[inline]
    fn new() -> Self {
        NoHashes
    }
    #[inline(always)]
    fn push(&mut self, _: usize, _: u64) {}
    fn into_partitions(self) -> Option<Vec<Vec<u64>>> {
        None
    }
}

impl Hashes for KeptHashes {
    const KEEPS: bool = true;
    fn new() -> Self {
        KeptHashes((0..HASH_PARTITIONS).map(|_| Vec::new()).collect())
    }
    #[inline]
    fn push(&mut self, partition: usize, hash: u64) {
        self.0[partition].push(hash);
    }
    fn into_partitions(self) -> Option<Vec<Vec<u64>>> {
        Some(self.0)
    }
}

/// One task's share of one join input, in the upstream stage's fused loop: records bucketed by
/// the hash partition of their key ([`HASH_PARTITIONS`] partitions, the partition function of
/// every hash exchange, [`crate::hash::partition_of`] of [`crate::hash::hash_one`]).
pub struct JoinSide<T, H: Hashes = NoHashes> {
    /// Per partition: the records, in push order.
    records: Vec<Vec<T>>,
    /// Per partition: the hashes of their keys, for co_group only.
    hashes: H,
}

impl<T, H: Hashes> Default for JoinSide<T, H> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, H: Hashes> JoinSide<T, H> {
    /// Empty buckets (nothing is allocated before the first record of a partition).
    pub fn new() -> Self {
        JoinSide {
            records: (0..HASH_PARTITIONS).map(|_| Vec::new()).collect(),
            hashes: H::new(),
        }
    }

    /// Routes `record` by the hash of `key`, which must be the key the kernel's key closure
    /// returns for `record`, or one that hashes alike (a reference to it, a `String` for a
    /// `&str`).
    #[inline]
    pub fn push<K: Hash + ?Sized>(&mut self, key: &K, record: T) {
        self.push_hashed(hash_one(key), record);
    }

    /// Routes `record` by `hash`, the [`hash_one`] of its key, for callers that cannot hold
    /// the key and the record at once (a key borrowed from the record moved in here): compute
    /// `hash_one(&key(&record))` first, then move the record.
    #[inline]
    pub fn push_hashed(&mut self, hash: u64, record: T) {
        let p = partition_of(hash, HASH_PARTITIONS);
        self.records[p].push(record);
        self.hashes.push(p, hash);
    }
}

/// One partition of a join input: the upstream tasks' buckets for it (chunks, in task order),
/// not copied together, and the hashes of the records' keys if the sides kept them.
pub(crate) struct Part<T> {
    pub(crate) chunks: Vec<Vec<T>>,
    /// Chunk for chunk when the input keeps hashes ([`KeptHashes`]); else empty.
    pub(crate) hashes: Vec<Vec<u64>>,
    pub(crate) len: usize,
}

impl<T> Part<T> {
    /// The records, in input order.
    pub(crate) fn records(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flatten()
    }

    /// `(index, record)` from the last record to the first.
    pub(crate) fn iter_rev_indexed(&self) -> impl Iterator<Item = (usize, &T)> {
        let mut end = self.len;
        self.chunks.iter().rev().flat_map(move |chunk| {
            end -= chunk.len();
            let start = end;
            chunk
                .iter()
                .enumerate()
                .rev()
                .map(move |(i, r)| (start + i, r))
        })
    }

    /// Moves the chunks into one (for co_group, which lends contiguous slices).
    pub(crate) fn make_contiguous(&mut self) {
        if self.chunks.len() > 1 {
            let mut records = Vec::with_capacity(self.len);
            for chunk in std::mem::take(&mut self.chunks) {
                records.extend(chunk);
            }
            self.chunks = vec![records];
            self.hashes = vec![std::mem::take(&mut self.hashes).concat()];
        }
    }
}

/// A whole join input, partitioned by key hash: partition `p` holds every record whose key
/// falls in `p`, in input order (task order, then record order within a task).
pub struct JoinInput<T, H: Hashes = NoHashes> {
    pub(crate) parts: Vec<Part<T>>,
    /// Per partition, the groups of an input indexed once for the rounds of a loop
    /// ([`super::index`]); `None` for an input joined once.
    pub(crate) index: Option<Vec<super::indexed::Groups>>,
    kept: PhantomData<H>,
}

impl<T, H: Hashes> JoinInput<T, H> {
    /// An input made of partitions already by key hash (see `prepartitioned`).
    pub(crate) fn from_parts(parts: Vec<Part<T>>) -> Self {
        JoinInput {
            parts,
            index: None,
            kept: PhantomData,
        }
    }

    /// The number of records.
    pub fn len(&self) -> usize {
        self.parts.iter().map(|p| p.len).sum()
    }

    /// Whether there is no record.
    pub fn is_empty(&self) -> bool {
        self.parts.iter().all(|p| p.len == 0)
    }

    /// The number of partitions ([`HASH_PARTITIONS`]).
    pub fn partitions(&self) -> usize {
        self.parts.len()
    }

    /// The records of partition `p`, in input order.
    pub fn partition(&self, p: usize) -> impl Iterator<Item = &T> {
        self.parts[p].records()
    }
}

/// Builds the join input from every upstream task's side, in task order. Moves the tasks'
/// buckets; copies no record.
pub fn finish_side<T, H: Hashes>(tasks: Vec<JoinSide<T, H>>) -> JoinInput<T, H> {
    let mut parts: Vec<Part<T>> = (0..HASH_PARTITIONS)
        .map(|_| Part {
            chunks: Vec::new(),
            hashes: Vec::new(),
            len: 0,
        })
        .collect();
    for task in tasks {
        let mut hashes = task.hashes.into_partitions().map(Vec::into_iter);
        for (part, records) in parts.iter_mut().zip(task.records) {
            let hashes = hashes.as_mut().and_then(Iterator::next);
            if !records.is_empty() {
                part.len += records.len();
                part.chunks.push(records);
                part.hashes.extend(hashes);
            }
        }
    }
    JoinInput {
        parts,
        index: None,
        kept: PhantomData,
    }
}

/// Every record of `input`, partition after partition (partition order, then input order
/// within a partition): to broadcast an input that arrived partitioned.
pub fn concat<T, H: Hashes>(input: JoinInput<T, H>) -> Vec<T> {
    let mut out = Vec::with_capacity(input.len());
    for part in input.parts {
        for chunk in part.chunks {
            out.extend(chunk);
        }
    }
    out
}
