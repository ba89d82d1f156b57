//! Typed guards: the generated code calls every user closure through one of these. Passing the
//! input *before* the closure lets rustc deduce the closure's parameter types from the value
//! (closures need no annotations), and the bound on `f` makes a wrong return type an error on the
//! user's closure rather than inside generated code.

use super::{guard, OpInfo};

/// `map`, `reduce_group` and friends: `f(value)`.
#[inline(always)]
pub fn map<T, R>(op: &'static OpInfo, value: T, f: impl FnOnce(T) -> R) -> R {
    guard(op, move || f(value))
}

/// `filter`: `f(&value)` must be a `bool`.
#[inline(always)]
pub fn filter<T: ?Sized>(op: &'static OpInfo, value: &T, f: impl FnOnce(&T) -> bool) -> bool {
    guard(op, move || f(value))
}

/// `flat_map`: `f(value)` must be iterable; it is iterated inside the same guard (lazy
/// iterators run user code while iterating), feeding each item to `each`.
#[inline(always)]
pub fn flat_map<T, I: IntoIterator>(
    op: &'static OpInfo,
    value: T,
    f: impl FnOnce(T) -> I,
    each: impl FnMut(I::Item),
) {
    guard(op, move || f(value).into_iter().for_each(each))
}

/// `filter_map`: `f(value)` must be an `Option`.
#[inline(always)]
pub fn filter_map<T, R>(
    op: &'static OpInfo,
    value: T,
    f: impl FnOnce(T) -> Option<R>,
) -> Option<R> {
    guard(op, move || f(value))
}

/// `inspect`, `for_each`: `f(&value)` for its effect.
#[inline(always)]
pub fn inspect<T: ?Sized>(op: &'static OpInfo, value: &T, f: impl FnOnce(&T)) {
    guard(op, move || f(value))
}

/// `key_by`, `partition_by_hash`: `f(&value)` must be a key (`Hash + Eq`), so that a key
/// that is not is reported on the user's closure.
#[inline(always)]
pub fn key<T: ?Sized, K: std::hash::Hash + Eq>(
    op: &'static OpInfo,
    value: &T,
    f: impl FnOnce(&T) -> K,
) -> K {
    guard(op, move || f(value))
}

/// The value closures of aggregations: `f(&value)`.
#[inline(always)]
pub fn extract<T: ?Sized, R>(op: &'static OpInfo, value: &T, f: impl FnOnce(&T) -> R) -> R {
    guard(op, move || f(value))
}

/// `reduce_group`: `f(&key, values)` must be iterable; each output goes to `each`.
#[inline(always)]
pub fn group<K, T, I: IntoIterator>(
    op: &'static OpInfo,
    key: K,
    values: Vec<T>,
    f: impl FnOnce(&K, Vec<T>) -> I,
    each: impl FnMut(I::Item),
) {
    guard(op, move || f(&key, values).into_iter().for_each(each))
}

/// Two-argument closures (`reduce`, `fold`): `f(a, b)`.
#[inline(always)]
pub fn combine<A, B, R>(op: &'static OpInfo, a: A, b: B, f: impl FnOnce(A, B) -> R) -> R {
    guard(op, move || f(a, b))
}
