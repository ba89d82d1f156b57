//! Global aggregation: one accumulator per task, merged in input order.

use super::{Accumulate, Aggregate};

/// One task's accumulator of a global aggregation.
pub struct GlobalCombiner<Acc> {
    acc: Option<Acc>,
}

impl<Acc> Default for GlobalCombiner<Acc> {
    fn default() -> Self {
        Self::new()
    }
}

impl<Acc> GlobalCombiner<Acc> {
    /// An empty accumulator.
    pub fn new() -> Self {
        GlobalCombiner { acc: None }
    }

    /// Adds one record's value.
    #[inline]
    pub fn update<V, A: Aggregate<V, Acc = Acc>>(&mut self, agg: &A, value: V) {
        match &mut self.acc {
            Some(acc) => agg.update(acc, value),
            None => self.acc = Some(agg.create(value)),
        }
    }
}

/// Merges the tasks' accumulators in input order and finishes the aggregation.
pub fn merge_global<A: Accumulate>(
    agg: &A,
    combiners: Vec<GlobalCombiner<A::Acc>>,
) -> A::GlobalOut {
    let mut total: Option<A::Acc> = None;
    for acc in combiners.into_iter().filter_map(|c| c.acc) {
        match &mut total {
            Some(t) => agg.merge(t, acc),
            None => total = Some(acc),
        }
    }
    agg.finish_global(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::{Avg, Count, Max};

    #[test]
    fn empty_and_full() {
        let empty: Vec<GlobalCombiner<u64>> = vec![GlobalCombiner::new()];
        assert_eq!(merge_global(&Count, empty), 0);
        let mut a = GlobalCombiner::new();
        let mut b = GlobalCombiner::new();
        a.update(&Max::new(), 3);
        b.update(&Max::new(), 9);
        assert_eq!(merge_global(&Max::new(), vec![a, b]), Some(9));
        let mut c = GlobalCombiner::new();
        c.update(&Avg, 1u8);
        c.update(&Avg, 2u8);
        assert_eq!(merge_global(&Avg, vec![c]), Some(1.5));
    }
}
