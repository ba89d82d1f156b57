//! Broadcast joins (`strategy = broadcast_left | broadcast_right`): one hash table over the
//! whole small side, built once and read by every task of the large side's stage, so the
//! large side is joined where it is read, without an exchange.

use super::table::Chains;
use super::NONE;
use crate::hash::hash_one;
use std::hash::Hash;

/// A hash table over every record of a (small) input, keyed by `key`: built once, then shared
/// (`&BroadcastTable` is `Sync` when `K` and `T` are) by all tasks that probe it.
///
/// ```
/// use dataflow_runtime::join::BroadcastTable;
///
/// let rates = vec![("EUR", 1.1), ("GBP", 1.3), ("EUR", 1.05)];
/// let table = BroadcastTable::build(&rates, |r: &(&str, f64)| r.0);
/// let eur: Vec<f64> = table.get(&"EUR").map(|r| r.1).collect();
/// assert_eq!(eur, [1.1, 1.05]); // input order
/// assert!(table.contains(&"GBP") && !table.contains(&"JPY"));
/// ```
pub struct BroadcastTable<'a, K, T> {
    records: &'a [T],
    chains: Chains<K>,
}

impl<'a, K: Hash + Eq, T> BroadcastTable<'a, K, T> {
    /// Builds the table over `records` (calls `key` once per record).
    pub fn build(records: &'a [T], key: impl Fn(&'a T) -> K) -> Self {
        assert!(
            records.len() < NONE as usize,
            "a broadcast input of {} records is too large to index",
            records.len()
        );
        let chains = Chains::build(records, &key, |_, k| hash_one(k), hash_one);
        BroadcastTable { records, chains }
    }

    /// The records whose key equals `key`, in input order.
    #[inline]
    pub fn get(&self, key: &K) -> Matches<'_, 'a, K, T> {
        Matches {
            table: self,
            at: self.chains.head(hash_one(key), key),
        }
    }

    /// Whether some record has key `key`.
    #[inline]
    pub fn contains(&self, key: &K) -> bool {
        self.chains.head(hash_one(key), key) != NONE
    }

    /// The number of records (not keys) in the table.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether the table holds no record.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

/// The records of one key in a [`BroadcastTable`], in input order.
pub struct Matches<'t, 'a, K, T> {
    table: &'t BroadcastTable<'a, K, T>,
    at: u32,
}

impl<'a, K: Hash + Eq, T> Iterator for Matches<'_, 'a, K, T> {
    type Item = &'a T;

    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        if self.at == NONE {
            return None;
        }
        let record = &self.table.records[self.at as usize];
        self.at = self.table.chains.next(self.at);
        Some(record)
    }
}
