//! The built-in aggregations. User closures (the value of `sum(|o| o.total)`, the key of
//! `key_by`) are applied by the generated code before a value reaches an aggregation, except where
//! the aggregation must call them while merging (`reduce`, `fold` with a merge, `min_by`,
//! `max_by`); those receive closures already wrapped in a guard.
//!
//! Aggregations whose accumulator type is the value type carry it as a `PhantomData`
//! parameter, so that the merge phase can name it without seeing a value.

use super::in_place::replace_or_refill;
use super::{Accumulate, Aggregate, Statistics};
use std::marker::PhantomData;
use std::num::Wrapping;
use std::ops::AddAssign;

/// `count()`: the number of records.
#[derive(Clone, Copy, Debug, Default)]
pub struct Count;

impl Accumulate for Count {
    type Acc = u64;
    type Out = u64;
    type GlobalOut = u64;
    fn merge(&self, acc: &mut u64, later: u64) {
        *acc += later;
    }
    fn finish(&self, acc: u64) -> u64 {
        acc
    }
    fn finish_global(&self, acc: Option<u64>) -> u64 {
        acc.unwrap_or(0)
    }
}

impl Aggregate<()> for Count {
    #[inline]
    fn create(&self, _: ()) -> u64 {
        1
    }
    #[inline]
    fn update(&self, acc: &mut u64, _: ()) {
        *acc += 1;
    }
}

/// Declares a unit-like aggregation generic over its value type.
macro_rules! value_typed {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name<V>(PhantomData<fn(V) -> V>);

        impl<V> $name<V> {
            /// The aggregation; its value type is inferred from use.
            pub const fn new() -> Self {
                $name(PhantomData)
            }
        }

        impl<V> Default for $name<V> {
            fn default() -> Self {
                Self::new()
            }
        }
    };
}

value_typed!(
    /// `sum(f)`: the sum of `f(record)`; zero (`Default`) for an empty global input. Integer
    /// overflow is an error in every build profile (see [`Summable`]).
    Sum
);

/// Values that `sum` adds.
///
/// Integers are added with overflow checks in every build profile, release included: an
/// overflow panics with `sum overflowed i32 (2147483000 + 1000) ...`, which the operator's guard
/// turns into [`Error::UserPanic`](crate::Error::UserPanic) naming the `sum` operator. A wrapped
/// total would be a wrong answer that looks right. To sum small integers, widen them in the
/// closure (`sum(|x| u64::from(x.byte))`); to wrap on purpose, sum [`Wrapping`] values.
/// Floating-point numbers add as usual (they overflow to infinity, which is visible).
///
/// Implement it for a type of your own to `sum` it:
///
/// ```
/// use dataflow_runtime::aggregate::Summable;
/// #[derive(Clone, Copy, Debug, Default, PartialEq)]
/// struct Cents(u64);
/// impl Summable for Cents {
///     fn add(&mut self, later: Self) {
///         self.0 = self.0.checked_add(later.0).expect("sum of cents overflowed u64");
///     }
/// }
/// let mut total = Cents(5);
/// total.add(Cents(7));
/// assert_eq!(total, Cents(12));
/// ```
#[diagnostic::on_unimplemented(
    message = "`sum` cannot add `{Self}` values",
    label = "`{Self}` is not a number `sum` adds",
    note = "`sum` adds integers (overflow-checked), floats, `Wrapping` and `Duration`; return one from the closure, or implement `dataflow::Summable` for your type"
)]
pub trait Summable: Default + Send {
    /// Adds a later value to this running total.
    fn add(&mut self, later: Self);
}

/// Reports an integer `sum` that left its type's range (out of line: it never happens in a
/// correct job, and keeps the add's fast path small).
#[cold]
#[inline(never)]
fn sum_overflowed<T: std::fmt::Display>(total: T, later: T) -> ! {
    panic!(
        "sum overflowed {} ({total} + {later}): sum a wider type, e.g. `sum(|x| i64::from(...))` or `i128`",
        std::any::type_name::<T>()
    )
}

macro_rules! summable_int {
    ($($t:ty),*) => {$(
        impl Summable for $t {
            #[inline(always)]
            fn add(&mut self, later: Self) {
                match self.checked_add(later) {
                    Some(total) => *self = total,
                    None => sum_overflowed(*self, later),
                }
            }
        }
    )*};
}
summable_int!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize);

macro_rules! summable_plain {
    ($($t:ty),*) => {$(
        impl Summable for $t {
            #[inline(always)]
            fn add(&mut self, later: Self) {
                *self += later;
            }
        }
    )*};
}
// Floats overflow to infinity; `Wrapping` wraps because it was asked to; `Duration` panics on
// overflow by itself.
summable_plain!(f32, f64, std::time::Duration);

impl<T> Summable for Wrapping<T>
where
    Wrapping<T>: AddAssign + Default + Send,
{
    #[inline(always)]
    fn add(&mut self, later: Self) {
        *self += later;
    }
}

impl<S: Summable> Accumulate for Sum<S> {
    type Acc = S;
    type Out = S;
    type GlobalOut = S;
    fn merge(&self, acc: &mut S, later: S) {
        acc.add(later);
    }
    fn finish(&self, acc: S) -> S {
        acc
    }
    fn finish_global(&self, acc: Option<S>) -> S {
        acc.unwrap_or_default()
    }
}

impl<S: Summable> Aggregate<S> for Sum<S> {
    #[inline]
    fn create(&self, value: S) -> S {
        value
    }
    #[inline]
    fn update(&self, acc: &mut S, value: S) {
        acc.add(value);
    }
}

value_typed!(
    /// `min(f)`: the smallest `f(record)`; `None` for an empty global input.
    Min
);
value_typed!(
    /// `max(f)`: the largest `f(record)`; `None` for an empty global input.
    Max
);

macro_rules! extreme {
    ($name:ident, $better:tt) => {
        impl<V: PartialOrd + Send> Accumulate for $name<V> {
            type Acc = V;
            type Out = V;
            type GlobalOut = Option<V>;
            fn merge(&self, acc: &mut V, later: V) {
                if later $better *acc {
                    *acc = later;
                }
            }
            fn finish(&self, acc: V) -> V {
                acc
            }
            fn finish_global(&self, acc: Option<V>) -> Option<V> {
                acc
            }
        }

        impl<V: PartialOrd + Send> Aggregate<V> for $name<V> {
            #[inline]
            fn create(&self, value: V) -> V {
                value
            }
            #[inline]
            fn update(&self, acc: &mut V, value: V) {
                if value $better *acc {
                    *acc = value;
                }
            }
        }
    };
}
extreme!(Min, <);
extreme!(Max, >);

/// Numbers that `avg`, `statistics`, `median`, `quantile`, `variance`, `stddev` and `corr`
/// accept.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a number this aggregation can take",
    label = "`{Self}` is not a number",
    note = "`avg`, `statistics`, `median`, `quantile`, `variance`, `stddev` and `corr` take integers or floats: return one from the closure (e.g. `|r| r.price`)"
)]
pub trait AsF64: Copy + Send {
    /// The value as `f64` (rounded for 64-bit integers beyond 2^53).
    fn as_f64(self) -> f64;
}

macro_rules! as_f64 {
    ($($t:ty),*) => {$(
        impl AsF64 for $t {
            #[inline]
            fn as_f64(self) -> f64 {
                self as f64
            }
        }
    )*};
}
as_f64!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64);

/// `avg(f)`: the arithmetic mean of `f(record)` as `f64`; `None` for an empty global input.
#[derive(Clone, Copy, Debug, Default)]
pub struct Avg;

impl Accumulate for Avg {
    type Acc = (f64, u64);
    type Out = f64;
    type GlobalOut = Option<f64>;
    fn merge(&self, acc: &mut (f64, u64), later: (f64, u64)) {
        acc.0 += later.0;
        acc.1 += later.1;
    }
    fn finish(&self, acc: (f64, u64)) -> f64 {
        acc.0 / acc.1 as f64
    }
    fn finish_global(&self, acc: Option<(f64, u64)>) -> Option<f64> {
        acc.map(|acc| self.finish(acc))
    }
}

impl<V: AsF64> Aggregate<V> for Avg {
    #[inline]
    fn create(&self, value: V) -> (f64, u64) {
        (value.as_f64(), 1)
    }
    #[inline]
    fn update(&self, acc: &mut (f64, u64), value: V) {
        acc.0 += value.as_f64();
        acc.1 += 1;
    }
}

/// `statistics(f)`: count, mean, standard deviation, min and max of `f(record)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats;

impl Accumulate for Stats {
    type Acc = Statistics;
    type Out = Statistics;
    type GlobalOut = Statistics;
    fn merge(&self, acc: &mut Statistics, later: Statistics) {
        acc.merge(&later);
    }
    fn finish(&self, acc: Statistics) -> Statistics {
        acc
    }
    fn finish_global(&self, acc: Option<Statistics>) -> Statistics {
        acc.unwrap_or_default()
    }
}

impl<V: AsF64> Aggregate<V> for Stats {
    #[inline]
    fn create(&self, value: V) -> Statistics {
        Statistics::of(value.as_f64())
    }
    #[inline]
    fn update(&self, acc: &mut Statistics, value: V) {
        acc.add(value.as_f64());
    }
}

/// `reduce(f)`: combines records pairwise with `f`, which must be associative.
pub struct Reduce<T, F> {
    f: F,
    _value: PhantomData<fn(T) -> T>,
}

impl<T, F: Fn(T, T) -> T> Reduce<T, F> {
    /// Reduces with `f`.
    pub fn new(f: F) -> Self {
        Reduce {
            f,
            _value: PhantomData,
        }
    }

    /// Reduces with `f`, typed by a sample value: the generated code builds aggregations where a
    /// value is at hand, so that rustc knows `f`'s parameter types before checking its body.
    pub fn for_value(_sample: &T, f: F) -> Self {
        Self::new(f)
    }
}

impl<T: Send, F: Fn(T, T) -> T + Sync> Accumulate for Reduce<T, F> {
    // `Option` so that a panicking `f` leaves the slot empty instead of moved-out (see
    // `replace_with`).
    type Acc = Option<T>;
    type Out = T;
    type GlobalOut = Option<T>;
    fn merge(&self, acc: &mut Option<T>, later: Option<T>) {
        if let Some(later) = later {
            replace_with(acc, |a| (self.f)(a, later));
        }
    }
    fn finish(&self, acc: Option<T>) -> T {
        acc.expect("a reduce accumulator is only empty while its closure unwinds")
    }
    fn finish_global(&self, acc: Option<Option<T>>) -> Option<T> {
        acc.flatten()
    }
}

impl<T: Send, F: Fn(T, T) -> T + Sync> Aggregate<T> for Reduce<T, F> {
    #[inline]
    fn create(&self, value: T) -> Option<T> {
        Some(value)
    }
    #[inline]
    fn update(&self, acc: &mut Option<T>, value: T) {
        replace_with(acc, |a| (self.f)(a, value));
    }
}

/// `fold(init, step, merge, identity = e)`: the combinable fold.
///
/// **Contract.** Each task folds its records of a group with `step`, starting from `identity`
/// (not from `init`); the partial results are merged with `merge` in input order, and `init` is
/// merged once in front: the result for a group is
/// `merge(init, merge(merge(p1, p2), ...))`, and `init` for an empty global input. This equals
/// the sequential `records.fold(init, step)` at every parallelism whenever `merge` is
/// associative and `step` distributes over it from `identity`:
/// `step(a, x) == merge(a, step(identity, x))` for every accumulator `a` and record `x`.
/// (Then a partial is `merge` of `step(identity, x)` over its records, and regrouping the merges
/// gives the sequential fold.) Starting every partial from `init` instead would count `init`
/// once per partial, which is why the identity is a required, separate value.
pub struct Fold<T, A, S, M> {
    init: A,
    identity: A,
    step: S,
    merge: M,
    _value: PhantomData<fn(T)>,
}

impl<T, A: Clone, S: Fn(A, T) -> A, M: Fn(A, A) -> A> Fold<T, A, S, M> {
    /// Folds from `init` with `step`; partial folds start from `identity` and are merged with
    /// `merge` (see the type's contract).
    pub fn new(init: A, identity: A, step: S, merge: M) -> Self {
        Fold {
            init,
            identity,
            step,
            merge,
            _value: PhantomData,
        }
    }

    /// As [`new`](Fold::new), typed by a sample value (see [`Reduce::for_value`]).
    pub fn for_value(_sample: &T, init: A, identity: A, step: S, merge: M) -> Self {
        Self::new(init, identity, step, merge)
    }
}

impl<T, A, S, M> Accumulate for Fold<T, A, S, M>
where
    A: Clone + Send + Sync,
    S: Fn(A, T) -> A + Sync,
    M: Fn(A, A) -> A + Sync,
{
    // The accumulator itself, not an `Option` taken and put back per record (as `reduce`'s
    // is): see `in_place`. If a step panics, the slot is refilled with the identity.
    type Acc = A;
    type Out = A;
    type GlobalOut = A;
    fn merge(&self, acc: &mut A, later: A) {
        replace_or_refill(acc, || self.identity.clone(), |a| (self.merge)(a, later));
    }
    fn finish(&self, acc: A) -> A {
        // `init` counts once, in front of everything.
        (self.merge)(self.init.clone(), acc)
    }
    fn finish_global(&self, acc: Option<A>) -> A {
        match acc {
            Some(acc) => self.finish(acc),
            None => self.init.clone(),
        }
    }
}

impl<T, A, S, M> Aggregate<T> for Fold<T, A, S, M>
where
    A: Clone + Send + Sync,
    S: Fn(A, T) -> A + Sync,
    M: Fn(A, A) -> A + Sync,
{
    #[inline]
    fn create(&self, value: T) -> A {
        (self.step)(self.identity.clone(), value)
    }
    #[inline]
    fn update(&self, acc: &mut A, value: T) {
        replace_or_refill(acc, || self.identity.clone(), |a| (self.step)(a, value));
    }
}

/// `min_by(f)` / `max_by(f)`: the record with the smallest (largest) `f(record)`; on ties, the
/// first in input order.
pub struct ExtremeBy<T, F> {
    by: F,
    max: bool,
    _value: PhantomData<fn(T) -> T>,
}

impl<T, O: PartialOrd, F: Fn(&T) -> O> ExtremeBy<T, F> {
    /// `min_by(by)`.
    pub fn min(by: F) -> Self {
        ExtremeBy {
            by,
            max: false,
            _value: PhantomData,
        }
    }
    /// `max_by(by)`.
    pub fn max(by: F) -> Self {
        ExtremeBy {
            by,
            max: true,
            _value: PhantomData,
        }
    }

    /// `min_by(by)`, typed by a sample value (see [`Reduce::for_value`]).
    pub fn min_for(_sample: &T, by: F) -> Self {
        Self::min(by)
    }

    /// `max_by(by)`, typed by a sample value (see [`Reduce::for_value`]).
    pub fn max_for(_sample: &T, by: F) -> Self {
        Self::max(by)
    }
}

impl<T: Send, O: PartialOrd, F: Fn(&T) -> O + Sync> Accumulate for ExtremeBy<T, F> {
    type Acc = T;
    type Out = T;
    type GlobalOut = Option<T>;
    fn merge(&self, acc: &mut T, later: T) {
        let (candidate, current) = ((self.by)(&later), (self.by)(acc));
        let better = if self.max {
            candidate > current
        } else {
            candidate < current
        };
        if better {
            *acc = later;
        }
    }
    fn finish(&self, acc: T) -> T {
        acc
    }
    fn finish_global(&self, acc: Option<T>) -> Option<T> {
        acc
    }
}

impl<T: Send, O: PartialOrd, F: Fn(&T) -> O + Sync> Aggregate<T> for ExtremeBy<T, F> {
    #[inline]
    fn create(&self, value: T) -> T {
        value
    }
    #[inline]
    fn update(&self, acc: &mut T, value: T) {
        self.merge(acc, value);
    }
}

/// `first(n)`: the first `n` records in input order.
pub struct First<T> {
    n: usize,
    _value: PhantomData<fn(T) -> T>,
}

impl<T> First<T> {
    /// Keeps the first `n` records.
    pub fn new(n: usize) -> Self {
        First {
            n,
            _value: PhantomData,
        }
    }
}

impl<T: Send> Accumulate for First<T> {
    type Acc = Vec<T>;
    type Out = Vec<T>;
    type GlobalOut = Vec<T>;
    fn merge(&self, acc: &mut Vec<T>, later: Vec<T>) {
        let room = self.n.saturating_sub(acc.len());
        acc.extend(later.into_iter().take(room));
    }
    fn finish(&self, acc: Vec<T>) -> Vec<T> {
        acc
    }
    fn finish_global(&self, acc: Option<Vec<T>>) -> Vec<T> {
        acc.unwrap_or_default()
    }
}

impl<T: Send> Aggregate<T> for First<T> {
    #[inline]
    fn create(&self, value: T) -> Vec<T> {
        let mut v = Vec::with_capacity(self.n.min(16));
        self.update(&mut v, value);
        v
    }
    #[inline]
    fn update(&self, acc: &mut Vec<T>, value: T) {
        if acc.len() < self.n {
            acc.push(value);
        }
    }
}

value_typed!(
    /// All records of a group, in input order: for operators that need the whole group
    /// (`reduce_group`, `fold` without a merge function). There is nothing to pre-aggregate, so
    /// the records themselves cross the exchange.
    Group
);

impl<T: Send> Accumulate for Group<T> {
    type Acc = Vec<T>;
    type Out = Vec<T>;
    type GlobalOut = Vec<T>;
    fn merge(&self, acc: &mut Vec<T>, mut later: Vec<T>) {
        acc.append(&mut later);
    }
    fn finish(&self, acc: Vec<T>) -> Vec<T> {
        acc
    }
    fn finish_global(&self, acc: Option<Vec<T>>) -> Vec<T> {
        acc.unwrap_or_default()
    }
}

impl<T: Send> Aggregate<T> for Group<T> {
    #[inline]
    fn create(&self, value: T) -> Vec<T> {
        vec![value]
    }
    #[inline]
    fn update(&self, acc: &mut Vec<T>, value: T) {
        acc.push(value);
    }
}

value_typed!(
    /// Keeps the first record of each group (`distinct`).
    KeepFirst
);

impl<T: Send> Accumulate for KeepFirst<T> {
    type Acc = T;
    type Out = T;
    type GlobalOut = Option<T>;
    fn merge(&self, _: &mut T, _: T) {}
    fn finish(&self, acc: T) -> T {
        acc
    }
    fn finish_global(&self, acc: Option<T>) -> Option<T> {
        acc
    }
}

impl<T: Send> Aggregate<T> for KeepFirst<T> {
    #[inline]
    fn create(&self, value: T) -> T {
        value
    }
    #[inline]
    fn update(&self, _: &mut T, _: T) {}
}

macro_rules! tuple_aggregate {
    ($($a:ident $v:ident $i:tt),+) => {
        impl<$($a: Accumulate),+> Accumulate for ($($a,)+) {
            type Acc = ($($a::Acc,)+);
            type Out = ($($a::Out,)+);
            type GlobalOut = ($($a::GlobalOut,)+);
            fn merge(&self, acc: &mut Self::Acc, later: Self::Acc) {
                $(self.$i.merge(&mut acc.$i, later.$i);)+
            }
            fn finish(&self, acc: Self::Acc) -> Self::Out {
                ($(self.$i.finish(acc.$i),)+)
            }
            fn finish_global(&self, acc: Option<Self::Acc>) -> Self::GlobalOut {
                match acc {
                    Some(acc) => ($(self.$i.finish_global(Some(acc.$i)),)+),
                    None => ($(self.$i.finish_global(None),)+),
                }
            }
        }

        /// `aggregate(...)`: several aggregations in one pass, one value for each.
        impl<$($a, $v),+> Aggregate<($($v,)+)> for ($($a,)+)
        where
            $($a: Aggregate<$v>),+
        {
            #[inline]
            fn create(&self, value: ($($v,)+)) -> Self::Acc {
                ($(self.$i.create(value.$i),)+)
            }
            #[inline]
            fn update(&self, acc: &mut Self::Acc, value: ($($v,)+)) {
                $(self.$i.update(&mut acc.$i, value.$i);)+
            }
        }
    };
}
// Up to 16 components (TPC-H Q1 has eight). Beyond 12, Rust's tuples have no `Debug` or
// `PartialEq`, but their fields can still be read.
tuple_aggregate!(A0 V0 0);
tuple_aggregate!(A0 V0 0, A1 V1 1);
tuple_aggregate!(A0 V0 0, A1 V1 1, A2 V2 2);
tuple_aggregate!(A0 V0 0, A1 V1 1, A2 V2 2, A3 V3 3);
tuple_aggregate!(A0 V0 0, A1 V1 1, A2 V2 2, A3 V3 3, A4 V4 4);
tuple_aggregate!(A0 V0 0, A1 V1 1, A2 V2 2, A3 V3 3, A4 V4 4, A5 V5 5);
tuple_aggregate!(A0 V0 0, A1 V1 1, A2 V2 2, A3 V3 3, A4 V4 4, A5 V5 5, A6 V6 6);
tuple_aggregate!(A0 V0 0, A1 V1 1, A2 V2 2, A3 V3 3, A4 V4 4, A5 V5 5, A6 V6 6, A7 V7 7);
tuple_aggregate!(A0 V0 0, A1 V1 1, A2 V2 2, A3 V3 3, A4 V4 4, A5 V5 5, A6 V6 6, A7 V7 7, A8 V8 8);
tuple_aggregate!(A0 V0 0, A1 V1 1, A2 V2 2, A3 V3 3, A4 V4 4, A5 V5 5, A6 V6 6, A7 V7 7, A8 V8 8, A9 V9 9);
tuple_aggregate!(A0 V0 0, A1 V1 1, A2 V2 2, A3 V3 3, A4 V4 4, A5 V5 5, A6 V6 6, A7 V7 7, A8 V8 8, A9 V9 9, A10 V10 10);
tuple_aggregate!(A0 V0 0, A1 V1 1, A2 V2 2, A3 V3 3, A4 V4 4, A5 V5 5, A6 V6 6, A7 V7 7, A8 V8 8, A9 V9 9, A10 V10 10, A11 V11 11);
tuple_aggregate!(A0 V0 0, A1 V1 1, A2 V2 2, A3 V3 3, A4 V4 4, A5 V5 5, A6 V6 6, A7 V7 7, A8 V8 8, A9 V9 9, A10 V10 10, A11 V11 11, A12 V12 12);
tuple_aggregate!(A0 V0 0, A1 V1 1, A2 V2 2, A3 V3 3, A4 V4 4, A5 V5 5, A6 V6 6, A7 V7 7, A8 V8 8, A9 V9 9, A10 V10 10, A11 V11 11, A12 V12 12, A13 V13 13);
tuple_aggregate!(A0 V0 0, A1 V1 1, A2 V2 2, A3 V3 3, A4 V4 4, A5 V5 5, A6 V6 6, A7 V7 7, A8 V8 8, A9 V9 9, A10 V10 10, A11 V11 11, A12 V12 12, A13 V13 13, A14 V14 14);
tuple_aggregate!(A0 V0 0, A1 V1 1, A2 V2 2, A3 V3 3, A4 V4 4, A5 V5 5, A6 V6 6, A7 V7 7, A8 V8 8, A9 V9 9, A10 V10 10, A11 V11 11, A12 V12 12, A13 V13 13, A14 V14 14, A15 V15 15);

/// Replaces the value in `slot` with `f(old)`. The accumulators of `reduce` and `fold` are
/// `Option`s for this: if `f` (a user closure) panics, the slot is left `None` and is dropped
/// normally while the job unwinds, with no unsafe code and no double drop.
#[inline]
fn replace_with<T>(slot: &mut Option<T>, f: impl FnOnce(T) -> T) {
    if let Some(old) = slot.take() {
        *slot = Some(f(old));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Overflow is checked when a task adds a value and when partial sums are merged, whatever
    /// the build profile (the message, not a debug-build "attempt to add", is asserted).
    #[test]
    fn integer_sum_overflow_panics_with_its_type_in_update_and_merge() {
        let sum = Sum::<i32>::new();
        let message = |f: &dyn Fn()| {
            let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_err();
            payload
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_default()
        };
        let update = message(&|| {
            let mut acc = sum.create(i32::MAX - 1);
            sum.update(&mut acc, 2);
        });
        assert!(
            update.starts_with("sum overflowed i32 (2147483646 + 2)"),
            "{update}"
        );
        let merge = message(&|| {
            let mut acc = i32::MIN;
            Accumulate::merge(&sum, &mut acc, -1);
        });
        assert!(
            merge.starts_with("sum overflowed i32 (-2147483648 + -1)"),
            "{merge}"
        );
        let mut wrapping = Wrapping(u8::MAX);
        Summable::add(&mut wrapping, Wrapping(2));
        assert_eq!(wrapping, Wrapping(1));
    }

    /// The combinable fold starts partials from the identity and merges `init` once, in front.
    #[test]
    fn fold_counts_init_once_in_front_of_the_partials() {
        let fold = Fold::new(
            "init".to_string(),
            String::new(),
            |a: String, x: char| a + &x.to_string(),
            |a: String, b: String| a + "|" + &b,
        );
        let mut first = fold.create('a');
        fold.update(&mut first, 'b');
        let second = fold.create('c');
        Accumulate::merge(&fold, &mut first, second);
        assert_eq!(fold.finish(first), "init|ab|c");
        assert_eq!(fold.finish_global(None), "init");
    }
}
