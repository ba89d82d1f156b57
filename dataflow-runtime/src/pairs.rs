//! The records a join or cross hands on when no join function is given: the matched pair,
//! cloned out of the inputs, with `Option` on an outer side.

/// A matched record, as the join saw it: `&T`, or `Option<&T>` on an outer side.
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
