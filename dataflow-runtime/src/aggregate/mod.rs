//! Aggregations: what an aggregate computes ([`Aggregate`] and the built-ins in [`builtin`]),
//! and how it runs: thread-local combiners with a partitioned parallel merge for keyed
//! aggregations ([`keyed`]), one accumulator per task for global ones ([`global`]).

pub mod builtin;
pub mod global;
pub mod keyed;
pub mod stats;

pub use builtin::*;
pub use global::GlobalCombiner;
pub use keyed::KeyedCombiner;
pub use stats::Statistics;

/// The part of an aggregation that does not depend on its input: merging accumulators of
/// different tasks and producing the result. Kept apart from [`Aggregate`] so that the merge
/// phase can be typed from the accumulator alone.
///
/// `merge` is called with accumulators in input order (the earlier one is `acc`), so an
/// aggregation only needs to be associative to give the same result at every parallelism.
pub trait Accumulate: Sync {
    /// The running state for one group.
    type Acc: Send;
    /// The result for one key of a keyed aggregation.
    type Out: Send;
    /// The result of a global aggregation, given the accumulator of all input (`None`: empty).
    type GlobalOut: Send;
    /// Merges a later accumulator into an earlier one.
    fn merge(&self, acc: &mut Self::Acc, later: Self::Acc);
    /// The keyed result.
    fn finish(&self, acc: Self::Acc) -> Self::Out;
    /// The global result.
    fn finish_global(&self, acc: Option<Self::Acc>) -> Self::GlobalOut;
}

/// An aggregation over values of type `V`, computed incrementally.
pub trait Aggregate<V>: Accumulate {
    /// The state after the first value.
    fn create(&self, value: V) -> Self::Acc;
    /// Adds one more value.
    fn update(&self, acc: &mut Self::Acc, value: V);
}
