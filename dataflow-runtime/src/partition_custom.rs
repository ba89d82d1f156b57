//! `partition_custom(partitioner, key)`: Flink's `partitionCustom`. The user's partitioner maps
//! each record's key and the number of partitions (the job's parallelism, as for
//! `partition_by_hash`) to a partition. Records keep their input order within a partition, so
//! `map_partition` after it sees exactly the records the partitioner sent to each partition, in
//! input order (which partition holds what depends on the parallelism only as the partitioner
//! makes it).
//!
//! A partition outside `0..num_partitions` fails the job with an error naming the operator
//! and where it is written (the check runs under the operator's guard), never an index out of
//! bounds somewhere inside the generated code.

use crate::guard::{guard, OpInfo};
use crate::Partitions;

/// One task's share of a custom exchange: its records, bucketed by destination partition.
pub struct CustomExchange<T> {
    buckets: Vec<Vec<T>>,
}

impl<T> CustomExchange<T> {
    /// Buckets for `partitions` destinations (at least one).
    pub fn new(partitions: usize) -> Self {
        CustomExchange {
            buckets: (0..partitions.max(1)).map(|_| Vec::new()).collect(),
        }
    }

    /// The number of partitions, which the partitioner is given.
    #[inline]
    pub fn partitions(&self) -> usize {
        self.buckets.len()
    }

    /// Sends `record` to `partition`, which [`partition_of`] has checked.
    #[inline]
    pub fn push(&mut self, partition: usize, record: T) {
        self.buckets[partition].push(record);
    }
}

/// Calls the partitioner `f(&key, partitions)` under the operator's guard and checks its
/// answer: a partition outside `0..partitions` fails the job, naming the operator.
#[inline(always)]
pub fn partition_of<K: ?Sized>(
    op: &'static OpInfo,
    key: &K,
    partitions: usize,
    f: impl FnOnce(&K, usize) -> usize,
) -> usize {
    guard(op, move || {
        let p = f(key, partitions);
        if p >= partitions {
            out_of_range(p, partitions);
        }
        p
    })
}

#[cold]
#[inline(never)]
fn out_of_range(p: usize, partitions: usize) -> ! {
    panic!(
        "the partitioner returned partition {p}, but there are {partitions} partitions: return a \
         value in 0..num_partitions, e.g. `|k, n| (k % n as u64) as usize`"
    )
}

/// Concatenates every task's bucket `p` (in task order) into partition `p`.
pub fn finish_custom_exchange<T>(
    tasks: Vec<CustomExchange<T>>,
    partitions: usize,
) -> Partitions<T> {
    let mut out: Partitions<T> = (0..partitions.max(1)).map(|_| Vec::new()).collect();
    for task in tasks {
        for (p, mut bucket) in task.buckets.into_iter().enumerate() {
            out[p].append(&mut bucket);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    static OP: OpInfo = OpInfo {
        name: "partition_custom",
        file: "test.rs",
        line: 1,
        column: 1,
    };

    #[test]
    fn records_go_where_the_partitioner_says_in_input_order() {
        let mut a = CustomExchange::new(3);
        let mut b = CustomExchange::new(3);
        for i in 0..10u32 {
            let p = partition_of(&OP, &i, a.partitions(), |k, n| (*k as usize * 2) % n);
            a.push(p, i);
            b.push(partition_of(&OP, &i, 3, |_, _| 2), i + 100);
        }
        let parts = finish_custom_exchange(vec![a, b], 3);
        assert_eq!(parts[0], [0, 3, 6, 9]);
        assert_eq!(parts[1], [2, 5, 8]);
        let mut last = vec![1, 4, 7];
        last.extend(100..110);
        assert_eq!(parts[2], last);
    }

    #[test]
    #[should_panic(expected = "the partitioner returned partition 3, but there are 3 partitions")]
    fn a_partition_out_of_range_panics_under_the_guard() {
        partition_of(&OP, &1u8, 3, |_, n| n);
    }
}
