//! Aggregations: what an aggregate computes ([`Aggregate`] and the built-ins in [`builtin`]),
//! and how it runs: thread-local combiners with a partitioned parallel merge for keyed
//! aggregations ([`keyed`]), one accumulator per task for global ones ([`global`]).

pub mod builtin;
pub mod distinct;
pub mod global;
pub mod in_place;
pub mod key;
pub mod keyed;
pub mod moments;
pub mod order;
pub mod stats;
pub mod top_by;

pub use builtin::*;
pub use distinct::CountDistinct;
pub use global::GlobalCombiner;
pub use keyed::KeyedCombiner;
pub use moments::{CoMoments, Corr, Moments, Stddev, Variance};
pub use order::{Quantile, Top, TotalOrder};
pub use stats::Statistics;
pub use top_by::TopBy;

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

/// The state a stage keeps for one keyed aggregation: the combiner, and the aggregation object
/// itself. The generated code builds the aggregation on a task's first record (typed by that
/// record, so that user closures need no annotations) and keeps it here for the merge.
pub type KeyedState<K, A> = (KeyedCombiner<K, <A as Accumulate>::Acc>, Option<A>);

/// The state a stage keeps for one global aggregation (see [`KeyedState`]).
pub type GlobalState<A> = (GlobalCombiner<<A as Accumulate>::Acc>, Option<A>);

/// Merges the tasks' keyed states (in input order) into the result partitions.
pub fn finish_keyed<K, A>(states: Vec<KeyedState<K, A>>) -> crate::Partitions<(K, A::Out)>
where
    K: std::hash::Hash + Eq + Send,
    A: Accumulate,
{
    let (agg, combiners) = split_states(states);
    match agg {
        Some(agg) => keyed::merge_keyed(&agg, combiners),
        // No task saw a record.
        None => Vec::new(),
    }
}

/// `combine_group`: each task's own groups (its records grouped by key, each group in input
/// order), not merged across tasks: one partition per task, in task order. A key seen by
/// several tasks has one group in each, so the groups may be partial.
pub fn finish_local_groups<K, A>(states: Vec<KeyedState<K, A>>) -> crate::Partitions<(K, A::Out)>
where
    K: std::hash::Hash + Eq + Send,
    A: Accumulate,
{
    let (agg, combiners) = split_states(states);
    let Some(agg) = agg else {
        return Vec::new();
    };
    combiners
        .into_iter()
        .map(|combiner| {
            keyed::merge_keyed(&agg, vec![combiner])
                .into_iter()
                .flatten()
                .collect()
        })
        .collect()
}

/// Merges the tasks' global states in input order; `None` when no task saw a record (the
/// generated code then supplies the aggregation's empty value).
pub fn finish_global<A: Accumulate>(states: Vec<GlobalState<A>>) -> Option<A::GlobalOut> {
    let (agg, combiners) = split_states(states);
    agg.map(|agg| global::merge_global(&agg, combiners))
}

/// The tasks' combiners, in order, and the aggregation object of the first task that built one.
fn split_states<C, A>(states: Vec<(C, Option<A>)>) -> (Option<A>, Vec<C>) {
    let mut agg = None;
    let mut combiners = Vec::with_capacity(states.len());
    for (combiner, a) in states {
        if agg.is_none() {
            agg = a;
        }
        combiners.push(combiner);
    }
    (agg, combiners)
}
