//! The one hash function of the runtime: fixed-seeded, so that partitioning (and therefore the
//! order of keyed results) does not change from run to run.

use std::hash::{BuildHasher, Hash, Hasher};

/// The hasher builder used for partitioning and hash tables.
pub type FixedState = foldhash::fast::FixedState;

/// A fixed-seed hasher builder.
#[inline]
pub fn fixed_state() -> FixedState {
    foldhash::fast::FixedState::with_seed(0x5eed_da7a_f10e_0001)
}

/// Hashes one key with the runtime's fixed hasher.
///
/// Written out rather than calling `BuildHasher::hash_one`, which rustc leaves out of line:
/// hashing a short key is a few instructions, and a call per record showed in the profile.
#[inline(always)]
#[allow(clippy::manual_hash_one)]
pub fn hash_one<K: Hash + ?Sized>(key: &K) -> u64 {
    let mut hasher = fixed_state().build_hasher();
    key.hash(&mut hasher);
    hasher.finish()
}

/// The partition (of `partitions`, a power of two) a hash belongs to: its top bits, so that the
/// low bits stay independent for the hash table inside the partition.
#[inline]
pub fn partition_of(hash: u64, partitions: usize) -> usize {
    debug_assert!(partitions.is_power_of_two());
    if partitions == 1 {
        0
    } else {
        (hash >> (64 - partitions.trailing_zeros())) as usize
    }
}

/// Number of partitions of every hash exchange (join and co_group inputs, keyed aggregation,
/// `partition_by_hash`): a power of two, fixed so that results do not depend on parallelism.
pub const HASH_PARTITIONS: usize = 256;
