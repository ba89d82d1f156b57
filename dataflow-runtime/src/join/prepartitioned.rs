//! A join input that is already hash-partitioned by its key: the output of a keyed aggregation
//! (256 partitions by the hash of the key, with the partition function of every hash exchange)
//! read by a join whose key is that aggregation's key. Its records stay where they are; only the
//! hashes of their keys are computed, in parallel, partition by partition, to check that each
//! record is where the join looks for it.

use super::input::{Hashes, JoinInput, JoinSide, Part};
use crate::hash::{partition_of, HASH_PARTITIONS};
use crate::Partitions;
use rayon::prelude::*;

/// The join input made of `parts` as they are, `hash_of(record)` being the hash of the join
/// key. Partitions that do not match the join's partitioning (another count, or a record whose
/// key hashes into another partition) are exchanged after all, so the result is always right.
pub fn from_partitions<T: Send, H: Hashes>(
    parts: Partitions<T>,
    hash_of: impl Fn(&T) -> u64 + Sync,
) -> JoinInput<T, H> {
    if parts.len() == HASH_PARTITIONS {
        let hashed: Vec<(Vec<T>, Vec<u64>)> = parts
            .into_par_iter()
            .map(|records| {
                let hashes = records.iter().map(&hash_of).collect();
                (records, hashes)
            })
            .collect();
        let in_place = hashed.iter().enumerate().all(|(p, (_, hashes))| {
            hashes
                .iter()
                .all(|&h| partition_of(h, HASH_PARTITIONS) == p)
        });
        if in_place {
            let parts = hashed
                .into_iter()
                .map(|(records, hashes)| Part {
                    len: records.len(),
                    hashes: if H::KEEPS { vec![hashes] } else { Vec::new() },
                    chunks: vec![records],
                })
                .collect();
            return JoinInput::from_parts(parts);
        }
        return exchange(hashed.into_iter().map(|(r, _)| r).collect(), &hash_of);
    }
    exchange(parts, &hash_of)
}

/// The general case: every record moved to the partition of its key.
fn exchange<T, H: Hashes>(
    parts: Partitions<T>,
    hash_of: &(impl Fn(&T) -> u64 + Sync),
) -> JoinInput<T, H> {
    let mut side = JoinSide::<T, H>::new();
    for record in parts.into_iter().flatten() {
        let hash = hash_of(&record);
        side.push_hashed(hash, record);
    }
    super::finish_side(vec![side])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::hash_one;
    use crate::join::NoHashes;

    #[test]
    fn partitions_by_the_key_stay_in_place_and_others_are_exchanged() {
        let mut parts: Partitions<(u32, u64)> = (0..HASH_PARTITIONS).map(|_| Vec::new()).collect();
        for k in 0..1000u32 {
            parts[partition_of(hash_one(&k), HASH_PARTITIONS)].push((k, k as u64 * 2));
        }
        let input: JoinInput<_, NoHashes> = from_partitions(parts.clone(), |r| hash_one(&r.0));
        for (p, part) in parts.iter().enumerate() {
            assert!(input.partition(p).eq(part.iter()));
        }
        // Keyed by the other field: moved to where that key belongs, nothing lost.
        let moved: JoinInput<_, NoHashes> = from_partitions(parts, |r| hash_one(&r.1));
        assert_eq!(moved.len(), 1000);
        for p in 0..HASH_PARTITIONS {
            assert!(moved
                .partition(p)
                .all(|r| partition_of(hash_one(&r.1), HASH_PARTITIONS) == p));
        }
        // Another partition count: exchanged.
        let few: JoinInput<_, NoHashes> =
            from_partitions(vec![vec![(1u32, 1u64)], vec![(2, 2)]], |r| hash_one(&r.0));
        assert_eq!(few.partitions(), HASH_PARTITIONS);
        assert_eq!(few.len(), 2);
    }
}
