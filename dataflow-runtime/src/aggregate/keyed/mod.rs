//! Keyed aggregation: a thread-local combiner per task, then a partitioned, parallel merge.
//!
//! Each task pre-aggregates into its own [`KeyedCombiner`] (Flink's combiner), and
//! [`merge_keyed`] merges the [`PARTITIONS`] partitions of the key space (split by the top bits
//! of the key's hash) in parallel. A combiner adapts to the cardinality it sees:
//!
//! * **Local table.** Records go to a hash table of bounded size. Low-cardinality input never
//!   leaves it: one probe per record, as in a hand-written loop. The table starts small enough
//!   to stay in cache and doubles (up to a bound) while a larger table looks likely to pay.
//! * **Spill.** When the table is full, its entries are drained into per-partition *runs*
//!   (radix partitioning by the top bits of the hash) and the table, allocation kept, starts
//!   over. Keys that may be slow to hash keep their hash in the run; small plain keys are hashed
//!   again when needed, which is cheaper than moving 8 more bytes per entry.
//! * **Passthrough.** A full table that holds nearly one entry per record it took means the
//!   keys hardly repeat within its reach. The combiner then radix-partitions the next records
//!   straight into the runs, skipping the probe, and tries the table again later.
//! * **Compaction.** A run that fills its capacity is aggregated in place through a scratch
//!   table that holds one partition's keys (so it stays in cache), then gets room for as many
//!   new entries as survived. A combiner's memory therefore stays within about twice its
//!   distinct keys, however many records it takes.
//!
//! The merge takes each partition, in parallel, with every combiner's run for it, and
//! aggregates them in one table that holds that partition's keys only.
//!
//! **Order.** Within a combiner, entries reach a run in record order (the local table is empty
//! during passthrough, and is drained before it takes later records), and compaction merges
//! them in that order. Combiners are merged in input order (the drivers return task states in
//! order). So accumulators are always merged earlier-first, and an aggregation that is
//! associative gives the same result at every parallelism.
//!
//! The code follows that path, one concern per file:
//!
//! * `combiner.rs`: a task's [`KeyedCombiner`]: the local table, its growth, drains and
//!   passthrough, and the two-step update ([`Target`]) for values that move the record;
//! * `run.rs`: the spilled runs a combiner keeps per partition, their compaction, and how they
//!   keep (or recompute) their keys' hashes;
//! * `merge.rs`: [`merge_keyed`], the parallel per-partition merge of every task's runs.

mod combiner;
mod merge;
mod run;
#[cfg(test)]
mod tests;

pub use combiner::{KeyedCombiner, NewKey, Target};
pub use merge::merge_keyed;

/// Number of partitions of a keyed aggregation's output (a power of two). Fixed, not derived
/// from the parallelism, so that the partitioning of the result does not depend on it.
pub const PARTITIONS: usize = crate::hash::HASH_PARTITIONS;

const _: () = assert!(PARTITIONS.is_power_of_two());

/// The thresholds that shape a combiner (crate-private, so that tests can make them tiny).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tuning {
    /// Most entries the local table holds before it is drained, at first.
    pub(crate) local_cap: usize,
    /// Most entries the local table grows to while a larger table looks likely to pay.
    pub(crate) local_max: usize,
    /// Fewest entries a run holds before it is compacted.
    pub(crate) compact_min: usize,
    /// Records routed straight to the runs after the local table was found not to pay.
    pub(crate) passthrough_rows: usize,
}

impl Tuning {
    /// The production thresholds, measured with `benches/groupby.rs`.
    const DEFAULT: Tuning = Tuning {
        // 2^16 buckets at hashbrown's 7/8 load: 1.6 MiB for (u64, u64) entries, about L2.
        local_cap: (1 << 16) / 8 * 7,
        // 2^20 buckets: 25 MiB for (u64, u64) entries, about the last-level cache.
        local_max: (1 << 20) / 8 * 7,
        // With 256 partitions: 4 MiB of (u64, u64) entries before anything is compacted.
        compact_min: 1 << 10,
        // Where keys do not repeat, a trial of the local table takes `local_cap` records:
        // about 1% of this.
        passthrough_rows: 1 << 22,
    };
}

/// One entry of a run or a per-partition table: the key's hash, the key and its accumulator.
type Slot<K, Acc> = (u64, K, Acc);
