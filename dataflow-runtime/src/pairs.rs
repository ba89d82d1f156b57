//! What the generated code of joins and `co_group` calls around the user's functions: the
//! matched pair a join hands on when no join function is given (cloned out of the inputs, with
//! `Option` on an outer side), and the typed call of a `co_group` function.

/// A matched record, as the join saw it: `&T`, or `Option<&T>` on an outer side.
#[diagnostic::on_unimplemented(
    message = "a join without a join function hands on its records cloned, and `{Self}` is not a clone-able record",
    label = "the records of this join must be `Clone`",
    note = "derive `Clone`, or give the join a function that builds its output from references (`join(other, lk, rk, |l, r| ...)`); a record that borrows its input's buffer (`read_csv::<T<'_>>`) cannot be kept by a hash join: map it to an owned type first, or stream it past the other side with `strategy = broadcast_right`"
)]
pub trait Matched {
    /// The record owned: `T`, or `Option<T>`.
    type Owned;
    fn owned(self) -> Self::Owned;
}

impl<T: Clone> Matched for &T {
    type Owned = T;
    #[inline]
    fn owned(self) -> T {
        self.clone()
    }
}

impl<T: Clone> Matched for Option<&T> {
    type Owned = Option<T>;
    #[inline]
    fn owned(self) -> Option<T> {
        self.cloned()
    }
}

/// `m`, owned: the pair of a join is `(cloned(l), cloned(r))`.
#[inline(always)]
pub fn cloned<M: Matched>(m: M) -> M::Owned {
    m.owned()
}

/// The side an outer join keeps: always present, whatever the other side.
#[inline(always)]
pub fn present<T>(m: Option<&T>) -> &T {
    m.expect("the kept side of an outer join is always present")
}

/// Calls `co_group`'s function on one key's groups. Passing the groups before the function
/// lets rustc type the closure's parameters from them (no annotations needed), and a result
/// that is not iterable is reported on the closure.
#[inline(always)]
pub fn co_group_call<'a, K, L, R, I: IntoIterator>(
    key: &K,
    left: &'a [L],
    right: &'a [R],
    f: impl FnOnce(&K, &'a [L], &'a [R]) -> I,
) -> I {
    f(key, left, right)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_own_their_records() {
        let (a, b) = (String::from("a"), 7u32);
        let pair: (String, Option<u32>) = (cloned(&a), cloned(Some(&b)));
        assert_eq!(pair, ("a".to_string(), Some(7)));
        let none: Option<u32> = cloned(None::<&u32>);
        assert_eq!(none, None);
        assert_eq!(present(Some(&b)), &7);
    }
}
