//! The hash tables the join kernels build: [`Chains`], every record of one side reachable from
//! its key, and [`KeySet`], the distinct keys of one side.

use super::NONE;
use hashbrown::hash_table::{Entry, HashTable};
use std::hash::Hash;

/// A chained hash table over a slice of records: one entry per distinct key (the key and the
/// index of its first record), and for every record the index of the next record with the same
/// key. Records of a key are reached in input order. Building calls the key closure once per
/// record; the table stores keys, so a probe calls it only on the probing record.
pub(crate) struct Chains<K> {
    table: HashTable<(K, u32)>,
    next: Vec<u32>,
}

impl<K: Hash + Eq> Chains<K> {
    /// Files `records[i]` under `hash_of(i, &key)`. `rehash(&key)` must give the same hash from
    /// the key alone (hashbrown asks for it only when it grows, which the capacity reserved
    /// here avoids).
    pub(crate) fn build<'a, T>(
        records: &'a [T],
        key: &impl Fn(&'a T) -> K,
        hash_of: impl Fn(usize, &K) -> u64,
        rehash: impl Fn(&K) -> u64,
    ) -> Self {
        let mut table: HashTable<(K, u32)> = HashTable::with_capacity(records.len());
        let mut next = vec![NONE; records.len()];
        // Backwards, each record pushed at the front of its chain: chains end up in input order.
        for (i, record) in records.iter().enumerate().rev() {
            let k = key(record);
            let hash = hash_of(i, &k);
            match table.entry(
                hash,
                |(stored, _)| *stored == k,
                |(stored, _)| rehash(stored),
            ) {
                Entry::Occupied(mut slot) => {
                    let head = &mut slot.get_mut().1;
                    next[i] = *head;
                    *head = i as u32;
                }
                Entry::Vacant(slot) => {
                    slot.insert((k, i as u32));
                }
            }
        }
        Chains { table, next }
    }

    /// The first record of `key` (filed under `hash`), or [`NONE`].
    #[inline]
    pub(crate) fn head(&self, hash: u64, key: &K) -> u32 {
        self.table
            .find(hash, |(stored, _)| stored == key)
            .map_or(NONE, |&(_, first)| first)
    }

    /// The record after `i` with the same key, or [`NONE`].
    #[inline]
    pub(crate) fn next(&self, i: u32) -> u32 {
        self.next[i as usize]
    }
}

/// The distinct keys of one side.
pub(crate) struct KeySet<K> {
    table: HashTable<K>,
}

impl<K: Hash + Eq> KeySet<K> {
    /// The keys of `records`, `records[i]`'s filed under `hash_of(i)`; `rehash` as for
    /// [`Chains::build`].
    pub(crate) fn build<'a, T>(
        records: &'a [T],
        key: &impl Fn(&'a T) -> K,
        hash_of: impl Fn(usize) -> u64,
        rehash: impl Fn(&K) -> u64,
    ) -> Self {
        let mut table: HashTable<K> = HashTable::with_capacity(records.len());
        for (i, record) in records.iter().enumerate() {
            let k = key(record);
            if let Entry::Vacant(slot) = table.entry(hash_of(i), |stored| *stored == k, &rehash) {
                slot.insert(k);
            }
        }
        KeySet { table }
    }

    /// Whether `key` (filed under `hash`) is in the set.
    #[inline]
    pub(crate) fn contains(&self, hash: u64, key: &K) -> bool {
        self.table.find(hash, |stored| stored == key).is_some()
    }
}
