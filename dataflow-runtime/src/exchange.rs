//! Repartitioning between stages: by key hash (`partition_by_hash`) and evenly (`rebalance`).
//! Both keep input order within each partition.

use crate::hash::hash_one;
use crate::Partitions;
use std::hash::Hash;

/// One task's share of a hash exchange: its records, bucketed by destination partition.
pub struct HashExchange<T> {
    buckets: Vec<Vec<T>>,
}

impl<T> HashExchange<T> {
    /// Buckets for `partitions` destinations.
    pub fn new(partitions: usize) -> Self {
        HashExchange {
            buckets: (0..partitions.max(1)).map(|_| Vec::new()).collect(),
        }
    }

    /// Routes `record` by the hash of `key`.
    #[inline]
    pub fn push<K: Hash + ?Sized>(&mut self, key: &K, record: T) {
        let n = self.buckets.len() as u64;
        // Multiply-shift maps the hash onto 0..n without a division and without bias.
        let p = ((hash_one(key) as u128 * n as u128) >> 64) as usize;
        self.buckets[p].push(record);
    }
}

/// Concatenates every task's bucket `p` (in task order) into partition `p`.
pub fn finish_hash_exchange<T>(tasks: Vec<HashExchange<T>>, partitions: usize) -> Partitions<T> {
    let mut out: Partitions<T> = (0..partitions.max(1)).map(|_| Vec::new()).collect();
    for task in tasks {
        for (p, mut bucket) in task.buckets.into_iter().enumerate() {
            out[p].append(&mut bucket);
        }
    }
    out
}

/// Splits records collected in input order into `partitions` contiguous, equally sized parts.
pub fn rebalance<T>(tasks: Vec<Vec<T>>, partitions: usize) -> Partitions<T> {
    let all: Vec<T> = tasks.into_iter().flatten().collect();
    let partitions = partitions.max(1);
    let (base, extra) = (all.len() / partitions, all.len() % partitions);
    let mut out = Vec::with_capacity(partitions);
    let mut rest = all.into_iter();
    for p in 0..partitions {
        let size = base + usize::from(p < extra);
        out.push(rest.by_ref().take(size).collect());
    }
    out
}

/// `union`: the partitions of every input, the first input's first (each input's records keep
/// their order, and the inputs theirs).
pub fn union<T>(inputs: Vec<Partitions<T>>) -> Partitions<T> {
    inputs.into_iter().flatten().collect()
}

/// Compiles only if two inputs of a `union` hold records of one type: the generated code calls
/// it on each input, spanned on its name, so that a mismatch is reported on that input.
#[inline(always)]
pub fn same_records<T>(_first: &Partitions<T>, _other: &Partitions<T>) {}

/// `map_partition`: applies `f` to each partition (in parallel), whole, as an iterator.
pub fn map_partitions<T, I, F>(parts: Partitions<T>, f: F) -> Partitions<I::Item>
where
    T: Send,
    I: IntoIterator,
    I::Item: Send,
    F: Fn(std::vec::IntoIter<T>) -> I + Sync + Send,
{
    use rayon::prelude::*;
    let (scope, _reenter) = crate::guard::JobScope::fan_out();
    parts
        .into_par_iter()
        .map(|part| {
            scope.enter();
            f(part.into_iter()).into_iter().collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_keeps_inputs_in_order() {
        let u = union(vec![vec![vec![1], vec![2, 3]], vec![], vec![vec![4]]]);
        assert_eq!(u.concat(), vec![1, 2, 3, 4]);
    }

    #[test]
    fn rebalance_is_even_and_ordered() {
        let parts = rebalance(vec![vec![1, 2, 3], vec![4, 5, 6, 7]], 3);
        assert_eq!(parts, vec![vec![1, 2, 3], vec![4, 5], vec![6, 7]]);
    }

    #[test]
    fn equal_keys_meet_in_one_partition() {
        let mut a = HashExchange::new(4);
        let mut b = HashExchange::new(4);
        for i in 0..100u32 {
            a.push(&(i % 10), i);
            b.push(&(i % 10), i + 1000);
        }
        let parts = finish_hash_exchange(vec![a, b], 4);
        for k in 0..10u32 {
            let holders: Vec<usize> = (0..4)
                .filter(|&p| parts[p].iter().any(|&x| x % 10 == k && x < 1000))
                .collect();
            assert_eq!(holders.len(), 1);
        }
        assert_eq!(parts.iter().map(Vec::len).sum::<usize>(), 200);
    }
}
