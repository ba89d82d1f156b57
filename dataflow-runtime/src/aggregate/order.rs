//! Order statistics: exact `median` and `quantile`, and `top(n)`. They keep values rather than
//! a fixed-size summary (the whole group for quantiles, `n` values for `top`), and order them
//! with a total order so that floats work: [`TotalOrder`] (`f64::total_cmp` for floats, which
//! sorts `-0.0` below `0.0` and NaN above infinity).

use super::{Accumulate, Aggregate, AsF64};
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::marker::PhantomData;

/// Values with a total order, which `median`, `quantile` and `top` sort by: `Ord` for
/// integers, `bool`, `char` and strings, `total_cmp` for floats.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no total order for `median`, `quantile` or `top`",
    label = "`{Self}` cannot be ordered here",
    note = "`median` and `quantile` take numbers; `top` takes numbers, `bool`, `char`, `String` or `&str`: return one from the closure"
)]
pub trait TotalOrder: Send {
    /// Compares two values in the total order.
    fn total_cmp(&self, other: &Self) -> Ordering;
}

macro_rules! total_by_ord {
    ($($t:ty),*) => {$(
        impl TotalOrder for $t {
            #[inline]
            fn total_cmp(&self, other: &Self) -> Ordering {
                Ord::cmp(self, other)
            }
        }
    )*};
}
total_by_ord!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, bool, char, String);

impl TotalOrder for &str {
    #[inline]
    fn total_cmp(&self, other: &Self) -> Ordering {
        Ord::cmp(self, other)
    }
}

impl TotalOrder for f64 {
    #[inline]
    fn total_cmp(&self, other: &Self) -> Ordering {
        f64::total_cmp(self, other)
    }
}

impl TotalOrder for f32 {
    #[inline]
    fn total_cmp(&self, other: &Self) -> Ordering {
        f32::total_cmp(self, other)
    }
}

/// `median(f)` and `quantile(q, f)`: the exact `q`-quantile of `f(record)` as `f64`.
///
/// **Interpolation**: linear between the two nearest ranks, the definition of numpy's
/// default, R's type 7, DuckDB's `quantile_cont` and Polars' `"linear"`: over the `n` values
/// sorted ascending, `x[0..n)`, with `h = q * (n - 1)`, the result is
/// `x[⌊h⌋] + (h - ⌊h⌋) * (x[⌊h⌋ + 1] - x[⌊h⌋])`. The median is `q = 0.5`: the middle value, or
/// the mean of the two middle values. Each group's values are kept (as the type `f` returns)
/// and the one or two needed ranks are selected in linear time (`select_nth_unstable_by`).
///
/// ```
/// use dataflow_runtime::aggregate::{Accumulate, Aggregate, Quantile};
/// let median = Quantile::median();
/// let mut acc = median.create(4);
/// for x in [1, 3, 2] {
///     median.update(&mut acc, x);
/// }
/// assert_eq!(median.finish(acc), 2.5);
/// ```
pub struct Quantile<V> {
    q: f64,
    _value: PhantomData<fn(V) -> V>,
}

impl<V> Quantile<V> {
    /// The `q`-quantile; `q` must lie in `[0, 1]` (a literal outside it is a compile error in
    /// `pipeline!`; a computed one panics here, which the operator's guard reports).
    pub fn new(q: f64) -> Self {
        assert!(
            (0.0..=1.0).contains(&q),
            "quantile {q} is outside [0, 1]: write e.g. `quantile(0.9, |x| ...)` for the 90th percentile"
        );
        Quantile {
            q,
            _value: PhantomData,
        }
    }

    /// The median (`q = 0.5`).
    pub fn median() -> Self {
        Self::new(0.5)
    }
}

/// The `q`-quantile of `values` (reordered), interpolated linearly; `values` is not empty.
pub fn quantile_of<V: TotalOrder + AsF64>(values: &mut [V], q: f64) -> f64 {
    assert!(!values.is_empty(), "a group has at least one value");
    let h = q * (values.len() - 1) as f64;
    let rank = h.floor() as usize;
    let fraction = h - rank as f64;
    let (_, low, above) = values.select_nth_unstable_by(rank, V::total_cmp);
    let low = *low;
    if fraction == 0.0 {
        return low.as_f64();
    }
    // The next rank is the smallest value above the selected one.
    let high = *above
        .iter()
        .min_by(|a, b| a.total_cmp(b))
        .expect("a fractional rank has a value above it");
    if low.total_cmp(&high) == Ordering::Equal {
        return low.as_f64();
    }
    let (low, high) = (low.as_f64(), high.as_f64());
    low + fraction * (high - low)
}

impl<V: TotalOrder + AsF64> Accumulate for Quantile<V> {
    type Acc = Vec<V>;
    type Out = f64;
    type GlobalOut = Option<f64>;
    fn merge(&self, acc: &mut Vec<V>, mut later: Vec<V>) {
        // Order does not matter to a quantile: append the shorter one.
        if later.len() > acc.len() {
            std::mem::swap(acc, &mut later);
        }
        acc.append(&mut later);
    }
    fn finish(&self, mut acc: Vec<V>) -> f64 {
        quantile_of(&mut acc, self.q)
    }
    fn finish_global(&self, acc: Option<Vec<V>>) -> Option<f64> {
        acc.map(|acc| self.finish(acc))
    }
}

impl<V: TotalOrder + AsF64> Aggregate<V> for Quantile<V> {
    #[inline]
    fn create(&self, value: V) -> Vec<V> {
        vec![value]
    }
    #[inline]
    fn update(&self, acc: &mut Vec<V>, value: V) {
        acc.push(value);
    }
}

/// A value ordered by [`TotalOrder`], for the heap of [`Top`].
pub struct Ranked<V>(V);

impl<V: TotalOrder> PartialEq for Ranked<V> {
    fn eq(&self, other: &Self) -> bool {
        self.0.total_cmp(&other.0) == Ordering::Equal
    }
}
impl<V: TotalOrder> Eq for Ranked<V> {}
impl<V: TotalOrder> PartialOrd for Ranked<V> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<V: TotalOrder> Ord for Ranked<V> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// `top(n, f)`: the `n` largest values of `f(record)`, largest first (fewer if the group has
/// fewer). Each task keeps at most `n` values in a min-heap; the heaps are merged. Values
/// equal in the total order are identical, so which of them is kept does not show.
///
/// ```
/// use dataflow_runtime::aggregate::{Accumulate, Aggregate, Top};
/// let top = Top::new(2);
/// let mut acc = top.create(1.5);
/// for x in [9.0, -3.0, 4.0] {
///     top.update(&mut acc, x);
/// }
/// assert_eq!(top.finish(acc), vec![9.0, 4.0]);
/// ```
pub struct Top<V> {
    n: usize,
    _value: PhantomData<fn(V) -> V>,
}

impl<V> Top<V> {
    /// Keeps the `n` largest values.
    pub fn new(n: usize) -> Self {
        Top {
            n,
            _value: PhantomData,
        }
    }
}

impl<V: TotalOrder> Top<V> {
    /// Offers one value to a heap of at most `n` values (its smallest on top).
    #[inline]
    fn offer(&self, heap: &mut BinaryHeap<Reverse<Ranked<V>>>, value: V) {
        if heap.len() < self.n {
            heap.push(Reverse(Ranked(value)));
        } else if let Some(mut smallest) = heap.peek_mut() {
            // Strictly larger only: on a tie the value already kept stays.
            if value.total_cmp(&smallest.0 .0) == Ordering::Greater {
                smallest.0 = Ranked(value);
            }
        }
    }
}

impl<V: TotalOrder> Accumulate for Top<V> {
    type Acc = BinaryHeap<Reverse<Ranked<V>>>;
    type Out = Vec<V>;
    type GlobalOut = Vec<V>;
    fn merge(&self, acc: &mut Self::Acc, later: Self::Acc) {
        for Reverse(Ranked(value)) in later {
            self.offer(acc, value);
        }
    }
    fn finish(&self, acc: Self::Acc) -> Vec<V> {
        // Ascending in `Reverse` order is descending in value.
        acc.into_sorted_vec()
            .into_iter()
            .map(|Reverse(Ranked(v))| v)
            .collect()
    }
    fn finish_global(&self, acc: Option<Self::Acc>) -> Vec<V> {
        acc.map(|acc| self.finish(acc)).unwrap_or_default()
    }
}

impl<V: TotalOrder> Aggregate<V> for Top<V> {
    #[inline]
    fn create(&self, value: V) -> Self::Acc {
        let mut heap = BinaryHeap::with_capacity(self.n.min(64));
        self.offer(&mut heap, value);
        heap
    }
    #[inline]
    fn update(&self, acc: &mut Self::Acc, value: V) {
        self.offer(acc, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference: sort, then interpolate between the two nearest ranks.
    fn sorted_quantile(values: &[f64], q: f64) -> f64 {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let h = q * (v.len() - 1) as f64;
        let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
        v[lo] + (h - lo as f64) * (v[hi] - v[lo])
    }

    #[test]
    fn quantiles_interpolate_between_the_nearest_ranks() {
        let values: Vec<f64> = (0..1001)
            .map(|i| ((i * 7919) % 1013) as f64 / 7.0)
            .collect();
        for q in [0.0, 0.1, 0.25, 0.5, 0.5005, 0.9, 0.999, 1.0] {
            for len in [1, 2, 3, 10, 1001] {
                let mut part = values[..len].to_vec();
                let got = quantile_of(&mut part, q);
                let want = sorted_quantile(&values[..len], q);
                assert!(
                    (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                    "q={q} len={len}: {got} vs {want}"
                );
            }
        }
        assert_eq!(quantile_of(&mut [1, 2, 3, 4], 0.5), 2.5);
        assert_eq!(quantile_of(&mut [7, 1, 3], 0.5), 3.0);
        assert_eq!(quantile_of(&mut [5u8], 0.9), 5.0);
    }

    #[test]
    fn merged_parts_give_the_quantile_of_the_whole() {
        let q = Quantile::new(0.75);
        let mut a = q.create(10i64);
        q.update(&mut a, -4);
        let mut b = q.create(3);
        q.update(&mut b, 8);
        q.update(&mut b, 8);
        Accumulate::merge(&q, &mut a, b);
        assert_eq!(
            q.finish(a),
            sorted_quantile(&[10.0, -4.0, 3.0, 8.0, 8.0], 0.75)
        );
        assert_eq!(q.finish_global(None), None);
    }

    #[test]
    fn floats_sort_nan_above_infinity() {
        assert_eq!(
            quantile_of(&mut [f64::NAN, 1.0, f64::INFINITY], 0.5),
            f64::INFINITY
        );
        assert_eq!(
            quantile_of(&mut [f64::NEG_INFINITY, -1.0, f64::NAN], 0.0),
            f64::NEG_INFINITY
        );
        assert_eq!(
            quantile_of(&mut [f64::INFINITY, f64::INFINITY], 0.5),
            f64::INFINITY
        );
    }

    #[test]
    #[should_panic(expected = "quantile 1.5 is outside [0, 1]")]
    fn a_quantile_outside_the_unit_interval_panics() {
        let _ = Quantile::<f64>::new(1.5);
    }

    #[test]
    fn top_keeps_the_largest_values_across_merges() {
        let top = Top::new(3);
        let mut a = top.create(5);
        for x in [1, 9, 9, 2] {
            top.update(&mut a, x);
        }
        let mut b = top.create(7);
        top.update(&mut b, 0);
        Accumulate::merge(&top, &mut a, b);
        assert_eq!(top.finish(a), vec![9, 9, 7]);
        let none = Top::<u8>::new(0);
        let acc = none.create(3);
        assert_eq!(none.finish(acc), Vec::<u8>::new());
        let words = Top::new(2);
        let mut w = words.create("pear");
        words.update(&mut w, "apple");
        words.update(&mut w, "zucchini");
        assert_eq!(words.finish(w), vec!["zucchini", "pear"]);
        assert_eq!(Top::<f64>::new(2).finish_global(None), Vec::<f64>::new());
    }
}
