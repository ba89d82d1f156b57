//! Looking keys up without owning them first.
//!
//! A combiner stores owned keys, but most records hit a key that is already there. When
//! `key_by` returns a `&str` borrowed from the record (a word of a line, a station name), the
//! combiner can look it up by the borrowed text and allocate a `String` only when the key is
//! new. The same holds for a key borrowed from the record itself: `key_by(|s: &Sale|
//! s.region.as_str())` or `key_by(|s: &Sale| &s.region)` (a `&String`) cost a hash probe per
//! record, where `s.region.clone()` costs an allocation and a copy as well. Downstream, all
//! three keys are the same `String`.
//!
//! The generated code picks the lookup with [`KeyProbe`]: `&str` and `&String` keys become
//! [`BorrowedStr`], every other key [`Owned`], decided at compile time by method resolution
//! (impls on `KeyProbe<&str>` and `KeyProbe<&String>` take precedence over the blanket one that
//! needs one more auto-reference).

use crate::guard::{guard, OpInfo};
use crate::hash::hash_one;
use std::hash::Hash;

/// Calls `key_by`'s closure `f` on the record (the typed guard of a keyed aggregation's key).
///
/// Unlike a plain `FnOnce(&T) -> K` bound, the key may borrow the record itself
/// (`|s: &Sale| s.region.as_str()`, or `&s.region`): the record's lifetime `'a` is named, so
/// the returned key can hold it. A key that is not `Hash + Eq` is reported on the closure.
#[inline(always)]
pub fn key_by<'a, T: ?Sized, K: Hash + Eq>(
    op: &'static OpInfo,
    record: &'a T,
    f: impl FnOnce(&'a T) -> K,
) -> K {
    guard(op, move || f(record))
}

/// How a key is found in, and added to, a table of owned keys `K`.
pub trait KeyLookup<K> {
    /// The key's hash (equal to the hash of the owned key it stands for).
    fn hash(&self) -> u64;
    /// Whether it equals a stored key.
    fn matches(&self, stored: &K) -> bool;
    /// The owned key, made only when the key is new.
    fn into_key(self) -> K;
}

/// An owned key, used as it is.
pub struct Owned<K>(pub K);

impl<K: Hash + Eq> KeyLookup<K> for Owned<K> {
    #[inline]
    fn hash(&self) -> u64 {
        hash_one(&self.0)
    }
    #[inline]
    fn matches(&self, stored: &K) -> bool {
        self.0 == *stored
    }
    #[inline]
    fn into_key(self) -> K {
        self.0
    }
}

/// A borrowed `&str` key, stored as a `String` only when new.
pub struct BorrowedStr<'a>(pub &'a str);

impl KeyLookup<String> for BorrowedStr<'_> {
    #[inline]
    fn hash(&self) -> u64 {
        // `String` hashes as its `str`, so both forms of a key share one hash.
        hash_one(self.0)
    }
    #[inline]
    fn matches(&self, stored: &String) -> bool {
        self.0 == stored.as_str()
    }
    #[inline]
    fn into_key(self) -> String {
        self.0.to_owned()
    }
}

/// Wraps the key `key_by` returned, for the generated code to choose its lookup:
/// `(&KeyProbe(key)).lookup_kind().wrap(key)`.
pub struct KeyProbe<K>(pub K);

/// Chosen for `&str` and `&String` keys.
pub struct BorrowedStrKind;
/// Chosen for every other key.
pub struct OwnedKind;

/// The borrowed-text case: implemented on `KeyProbe<&str>` and `KeyProbe<&String>`, so
/// `(&probe).lookup_kind()` finds it without an extra auto-reference.
pub trait BorrowedStrProbe {
    /// Selects [`BorrowedStr`].
    #[inline]
    fn lookup_kind(&self) -> BorrowedStrKind {
        BorrowedStrKind
    }
}
impl BorrowedStrProbe for KeyProbe<&str> {}
impl BorrowedStrProbe for KeyProbe<&String> {}

/// The general case: implemented on `&KeyProbe<K>`, found one auto-reference later.
pub trait OwnedProbe {
    /// Selects [`Owned`].
    #[inline]
    fn lookup_kind(&self) -> OwnedKind {
        OwnedKind
    }
}
impl<K> OwnedProbe for &KeyProbe<K> {}

impl BorrowedStrKind {
    /// The lookup for a borrowed string key (`&str` or `&String`); the stored key is a
    /// `String` either way.
    #[inline]
    pub fn wrap<S: AsRef<str> + ?Sized>(self, probe: KeyProbe<&S>) -> BorrowedStr<'_> {
        BorrowedStr(probe.0.as_ref())
    }
}

impl OwnedKind {
    /// The lookup for an owned key.
    #[inline]
    pub fn wrap<K>(self, probe: KeyProbe<K>) -> Owned<K> {
        Owned(probe.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Written as the generated code writes it: the `&` is what lets other keys fall through
    // to `OwnedProbe`, even where (as for `&str`) the lookup would be found without it.
    #[test]
    #[allow(clippy::needless_borrow)]
    fn str_keys_are_looked_up_borrowed_and_others_owned() {
        let text = String::from("word");
        let probe = KeyProbe(text.as_str());
        let lookup = (&probe).lookup_kind().wrap(probe);
        assert!(lookup.matches(&"word".to_string()));
        assert_eq!(lookup.hash(), hash_one(&"word".to_string()));
        let owned: String = lookup.into_key();
        assert_eq!(owned, "word");

        // A `&String` (`key_by(|s| &s.region)`) takes the same path and is stored as `String`.
        let probe = KeyProbe(&text);
        let lookup = (&probe).lookup_kind().wrap(probe);
        assert!(lookup.matches(&"word".to_string()));
        assert_eq!(lookup.hash(), hash_one(&"word".to_string()));
        let owned: String = lookup.into_key();
        assert_eq!(owned, "word");

        let probe = KeyProbe(7u32);
        let lookup = (&probe).lookup_kind().wrap(probe);
        assert!(lookup.matches(&7));
        assert_eq!(lookup.into_key(), 7);
    }
}
