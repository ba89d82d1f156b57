//! How sort keys compare, chosen at compile time by the generated code from the key's type:
//! `Ord` keys by `Ord`, floats by their total order (`total_cmp`).

use std::cmp::Ordering;

/// How sort keys compare: `Ord` keys by `Ord`, floats by their total order. Chosen at compile
/// time by the generated code with [`OrderProbe`], like the key lookups of keyed aggregations.
pub struct SortOrder;

/// Wraps a sort key for the generated code to choose its comparison:
/// `(&OrderProbe(&a)).order_kind().compare(&a, &b)`.
pub struct OrderProbe<'k, K: ?Sized>(pub &'k K);

/// Chosen for `f64` and `f32` keys.
pub struct FloatOrder;
/// Chosen for `Ord` keys.
pub struct OrdOrder;

/// The float case, found without an extra auto-reference.
pub trait FloatProbe {
    #[inline]
    fn order_kind(&self) -> FloatOrder {
        FloatOrder
    }
}
impl FloatProbe for OrderProbe<'_, f64> {}
impl FloatProbe for OrderProbe<'_, f32> {}

/// The general case: any `Ord` key, one auto-reference later. A key that is neither `Ord`
/// nor a float is reported on the key closure (a float inside a tuple is wrapped in
/// [`TotalOrder`]).
pub trait OrdProbe {
    #[inline]
    fn order_kind(&self) -> OrdOrder {
        OrdOrder
    }
}
impl<K: ?Sized> OrdProbe for &OrderProbe<'_, K> {}

impl FloatOrder {
    #[inline]
    pub fn compare<F: TotalFloat>(self, a: &F, b: &F) -> Ordering {
        a.total(b)
    }
}

impl OrdOrder {
    #[inline]
    pub fn compare<K: Ord + ?Sized>(self, a: &K, b: &K) -> Ordering {
        a.cmp(b)
    }
}

/// The floats, ordered by `total_cmp`.
pub trait TotalFloat {
    fn total(&self, other: &Self) -> Ordering;
}
impl TotalFloat for f64 {
    #[inline]
    fn total(&self, other: &f64) -> Ordering {
        self.total_cmp(other)
    }
}
impl TotalFloat for f32 {
    #[inline]
    fn total(&self, other: &f32) -> Ordering {
        self.total_cmp(other)
    }
}

/// A float ordered by `total_cmp`, for use inside a composite sort key:
/// `sort_by(|r| (r.day, TotalOrder(r.price)))`.
#[derive(Clone, Copy, Debug, Default)]
pub struct TotalOrder<F>(pub F);

impl<F: TotalFloat> PartialEq for TotalOrder<F> {
    fn eq(&self, other: &Self) -> bool {
        self.0.total(&other.0) == Ordering::Equal
    }
}
impl<F: TotalFloat> Eq for TotalOrder<F> {}
impl<F: TotalFloat> PartialOrd for TotalOrder<F> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<F: TotalFloat> Ord for TotalOrder<F> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total(&other.0)
    }
}
