//! `count_distinct(f)`: the number of distinct values of `f(record)`.

use super::{Accumulate, Aggregate};
use crate::hash::FixedState;
use hashbrown::HashSet;
use std::hash::Hash;
use std::marker::PhantomData;

/// `count_distinct(f)`: how many distinct values `f(record)` takes, as `u64` (0 for an empty
/// global input). Each task keeps a set of the values it saw; the sets are merged (the smaller
/// into the larger). Floats are not `Hash`: count `x.to_bits()` for bit-wise distinct floats.
///
/// ```
/// use dataflow_runtime::aggregate::{Accumulate, Aggregate, CountDistinct};
/// let distinct = CountDistinct::new();
/// let mut acc = distinct.create("a");
/// for x in ["b", "a", "c", "b"] {
///     distinct.update(&mut acc, x);
/// }
/// assert_eq!(distinct.finish(acc), 3);
/// ```
pub struct CountDistinct<V>(PhantomData<fn(V) -> V>);

impl<V> CountDistinct<V> {
    /// The aggregation; its value type is inferred from use.
    pub const fn new() -> Self {
        CountDistinct(PhantomData)
    }
}

impl<V> Default for CountDistinct<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V: Hash + Eq + Send> Accumulate for CountDistinct<V> {
    type Acc = HashSet<V, FixedState>;
    type Out = u64;
    type GlobalOut = u64;
    fn merge(&self, acc: &mut Self::Acc, mut later: Self::Acc) {
        if later.len() > acc.len() {
            std::mem::swap(acc, &mut later);
        }
        acc.extend(later);
    }
    fn finish(&self, acc: Self::Acc) -> u64 {
        acc.len() as u64
    }
    fn finish_global(&self, acc: Option<Self::Acc>) -> u64 {
        acc.map_or(0, |acc| acc.len() as u64)
    }
}

impl<V: Hash + Eq + Send> Aggregate<V> for CountDistinct<V> {
    #[inline]
    fn create(&self, value: V) -> Self::Acc {
        let mut set = HashSet::with_hasher(crate::hash::fixed_state());
        set.insert(value);
        set
    }
    #[inline]
    fn update(&self, acc: &mut Self::Acc, value: V) {
        acc.insert(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_sets_count_each_value_once() {
        let d = CountDistinct::new();
        let mut a = d.create(1u32);
        (0..100).for_each(|x| d.update(&mut a, x % 7));
        let mut b = d.create(50);
        (0..1000).for_each(|x| d.update(&mut b, x % 11));
        Accumulate::merge(&d, &mut a, b);
        // {0..7} ∪ {0..11} ∪ {50}
        assert_eq!(d.finish(a), 12);
        assert_eq!(d.finish_global(None), 0);
    }
}
