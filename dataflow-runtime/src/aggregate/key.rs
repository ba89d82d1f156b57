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
use crate::symbol::Symbol;
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

/// One part of a composite key that may be borrowed: a `&str` or `&String` stored as a
/// `String`, a `&Symbol` stored as the `Symbol`, or an owned part stored as it is. A tuple of
/// such parts is looked up borrowed and stored owned ([`BorrowedParts`]): `key_by(|l|
/// (l.region, l.city))` with `&str` fields costs no allocation for a key already seen.
pub trait KeyPart {
    /// How the part is stored.
    type Owned: Hash + Eq;
    /// Whether it equals a stored part.
    fn matches(&self, stored: &Self::Owned) -> bool;
    /// The stored part, made only when the key is new.
    fn into_owned(self) -> Self::Owned;
}

impl KeyPart for &str {
    type Owned = String;
    #[inline]
    fn matches(&self, stored: &String) -> bool {
        *self == stored.as_str()
    }
    #[inline]
    fn into_owned(self) -> String {
        self.to_owned()
    }
}

impl KeyPart for &String {
    type Owned = String;
    #[inline]
    fn matches(&self, stored: &String) -> bool {
        *self == stored
    }
    #[inline]
    fn into_owned(self) -> String {
        self.clone()
    }
}

/// A `&Symbol` (`key_by(|r| (&r.city, ..))`) is stored as the `Symbol`, which is `Copy`.
impl KeyPart for &Symbol {
    type Owned = Symbol;
    #[inline]
    fn matches(&self, stored: &Symbol) -> bool {
        **self == *stored
    }
    #[inline]
    fn into_owned(self) -> Symbol {
        *self
    }
}

/// Owned parts: stored as they are.
macro_rules! owned_key_parts {
    ($($t:ty),*) => {$(
        impl KeyPart for $t {
            type Owned = $t;
            #[inline]
            fn matches(&self, stored: &$t) -> bool {
                self == stored
            }
            #[inline]
            fn into_owned(self) -> $t {
                self
            }
        }
    )*};
}
owned_key_parts!(
    String,
    Symbol,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    char,
    bool,
    ()
);

/// A composite key of borrowed and owned parts, stored with its parts owned. A tuple hashes
/// as its parts in order, and a borrowed text hashes as the `String` it stands for, so the
/// borrowed key and the stored one share one hash.
pub struct BorrowedParts<T>(pub T);

macro_rules! borrowed_tuples {
    ($(($($p:ident $i:tt),+)),*) => {$(
        impl<$($p: KeyPart + Hash),+> KeyLookup<($($p::Owned,)+)> for BorrowedParts<($($p,)+)> {
            #[inline]
            fn hash(&self) -> u64 {
                hash_one(&self.0)
            }
            #[inline]
            fn matches(&self, stored: &($($p::Owned,)+)) -> bool {
                $(self.0.$i.matches(&stored.$i))&&+
            }
            #[inline]
            fn into_key(self) -> ($($p::Owned,)+) {
                ($(self.0.$i.into_owned(),)+)
            }
        }

        impl<$($p: KeyPart + Hash),+> BorrowedPartsProbe for KeyProbe<($($p,)+)> {}
    )*};
}
borrowed_tuples!((A 0, B 1), (A 0, B 1, C 2), (A 0, B 1, C 2, D 3), (A 0, B 1, C 2, D 3, E 4), (A 0, B 1, C 2, D 3, E 4, F 5));

/// Chosen for tuples of [`KeyPart`]s.
pub struct BorrowedPartsKind;

/// The composite-key case: implemented on `KeyProbe<(A, B, ..)>` for parts that are
/// [`KeyPart`]s, so `(&probe).lookup_kind()` finds it without an extra auto-reference; other
/// tuples fall through to [`OwnedProbe`].
pub trait BorrowedPartsProbe {
    /// Selects [`BorrowedParts`].
    #[inline]
    fn lookup_kind(&self) -> BorrowedPartsKind {
        BorrowedPartsKind
    }
}

impl BorrowedPartsKind {
    /// The lookup for a composite key.
    #[inline]
    pub fn wrap<T>(self, probe: KeyProbe<T>) -> BorrowedParts<T> {
        BorrowedParts(probe.0)
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

    #[test]
    #[allow(clippy::needless_borrow)]
    fn tuples_of_borrowed_parts_are_looked_up_borrowed_and_stored_owned() {
        let (region, city) = (String::from("north"), String::from("oslo"));
        let probe = KeyProbe((region.as_str(), &city, 7u32));
        let lookup = (&probe).lookup_kind().wrap(probe);
        let stored = ("north".to_string(), "oslo".to_string(), 7u32);
        assert!(lookup.matches(&stored));
        assert!(!lookup.matches(&("north".to_string(), "oslo".to_string(), 8u32)));
        assert_eq!(lookup.hash(), hash_one(&stored));
        assert_eq!(lookup.into_key(), stored);
        // A tuple with a part that is not a `KeyPart` is stored as it is.
        #[derive(Hash, PartialEq, Eq, Debug)]
        struct Day(u8);
        let probe = KeyProbe((Day(1), 2u8));
        let lookup = (&probe).lookup_kind().wrap(probe);
        assert_eq!(lookup.into_key(), (Day(1), 2u8));
    }

    #[test]
    #[allow(clippy::needless_borrow)]
    fn symbol_parts_are_stored_as_symbols_beside_borrowed_text() {
        let (city, region) = (Symbol::new("oslo"), String::from("north"));
        let probe = KeyProbe((&city, region.as_str(), city));
        let lookup = (&probe).lookup_kind().wrap(probe);
        let stored = (
            Symbol::new("oslo"),
            "north".to_string(),
            Symbol::new("oslo"),
        );
        assert!(lookup.matches(&stored));
        assert!(!lookup.matches(&(Symbol::new("rome"), "north".to_string(), city)));
        assert_eq!(lookup.hash(), hash_one(&stored));
        assert_eq!(lookup.into_key(), stored);
    }
}
