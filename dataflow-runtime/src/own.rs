//! Owning a record where an operator keeps it.
//!
//! `read_text` hands each line to the fused loop as a `&str` borrowed from a reused block buffer.
//! Element-wise operators and keys use it borrowed, which is what makes the text path fast. But
//! an operator that keeps records beyond the loop (`collect`, `first`, `min_by`, `reduce`,
//! `reduce_group`, `rebalance`, ...) cannot keep a borrow of that buffer. The generated code
//! passes such a record through [`KeepProbe`] first: a `&str` becomes a `String`, a tuple of
//! strings and plain values becomes the same tuple with `String`s (likewise `Vec<&str>` and
//! `Option<&str>`), and every other type passes through unchanged (a move, nothing else). The choice is made at compile time by method
//! resolution, like the key lookup in [`crate::aggregate::key`]:
//!
//! ```
//! use dataflow_runtime::own::{KeepProbe, OwnStrProbe as _, OwnPartsProbe as _, PassProbe as _};
//!
//! let line = String::from("a line");
//! let probe = KeepProbe(line.as_str());
//! let kept: String = (&&&probe).keep_kind().keep(probe);
//! assert_eq!(kept, "a line");
//!
//! let probe = KeepProbe((line.as_str(), 3u32));
//! let kept: (String, u32) = (&&&probe).keep_kind().keep(probe);
//! assert_eq!(kept, ("a line".to_string(), 3));
//!
//! let probe = KeepProbe(vec![1, 2]);
//! let kept: Vec<i32> = (&&&probe).keep_kind().keep(probe);
//! assert_eq!(kept, vec![1, 2]);
//! ```
//!
//! Method resolution on `&&&probe` tries the receiver, then one dereference less, and so on, so
//! the most specific impl sits on the most references: `OwnStrProbe` on `&&KeepProbe<&str>`,
//! `OwnPartsProbe` on `&KeepProbe<T>` for [`OwnParts`], `PassProbe` on `KeepProbe<T>`.
//!
//! Also here: [`ForkRecord`], the bound a record meets when a `let` data set feeds several
//! chains and the loop copies it for each.

/// Wraps a record that an operator is about to keep: `(&&&probe).keep_kind().keep(probe)`.
pub struct KeepProbe<T>(pub T);

/// Chosen for `&str`: keeps a `String`.
pub struct OwnStr;
/// Chosen for tuples of strings and plain values, and for `Vec<&str>` and `Option<&str>`: keeps
/// each `&str` part as a `String`.
pub struct OwnPartsKind;
/// Chosen for every other record: keeps it as it is.
pub struct Pass;

/// The `&str` case, found first.
pub trait OwnStrProbe {
    /// Selects [`OwnStr`].
    #[inline(always)]
    fn keep_kind(&self) -> OwnStr {
        OwnStr
    }
}
impl OwnStrProbe for &&KeepProbe<&str> {}

/// The case of records made of parts (see [`OwnParts`]), found after one dereference.
pub trait OwnPartsProbe {
    /// Selects [`OwnPartsKind`].
    #[inline(always)]
    fn keep_kind(&self) -> OwnPartsKind {
        OwnPartsKind
    }
}
impl<T: OwnParts> OwnPartsProbe for &KeepProbe<T> {}

/// The general case, found after two dereferences.
pub trait PassProbe {
    /// Selects [`Pass`].
    #[inline(always)]
    fn keep_kind(&self) -> Pass {
        Pass
    }
}
impl<T> PassProbe for KeepProbe<T> {}

impl OwnStr {
    /// The line, as a `String`.
    #[inline(always)]
    pub fn keep(self, probe: KeepProbe<&str>) -> String {
        probe.0.to_owned()
    }
}

impl OwnPartsKind {
    /// The record with each `&str` part as a `String`.
    #[inline(always)]
    pub fn keep<T: OwnParts>(self, probe: KeepProbe<T>) -> T::Owned {
        probe.0.own_parts()
    }
}

impl Pass {
    /// The record, unchanged.
    #[inline(always)]
    pub fn keep<T>(self, probe: KeepProbe<T>) -> T {
        probe.0
    }
}

/// A tuple field that can be kept: a `&str` (kept as a `String`) or an owned plain value.
pub trait OwnField {
    /// What is kept.
    type Owned;
    /// Owns the field.
    fn own_field(self) -> Self::Owned;
}

impl OwnField for &str {
    type Owned = String;
    #[inline(always)]
    fn own_field(self) -> String {
        self.to_owned()
    }
}

macro_rules! owned_fields {
    ($($t:ty),*) => {$(
        impl OwnField for $t {
            type Owned = $t;
            #[inline(always)]
            fn own_field(self) -> $t {
                self
            }
        }
    )*};
}
owned_fields!(
    String,
    bool,
    char,
    (),
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
    f32,
    f64
);

/// A record made of [`OwnField`]s: a tuple, or a `Vec` or `Option` of `&str`. Kept part by
/// part. (A `Vec` of owned values is not one: it is kept as it is, without a pass over it.)
pub trait OwnParts {
    /// The record with owned parts.
    type Owned;
    /// Owns every part.
    fn own_parts(self) -> Self::Owned;
}

impl OwnParts for Vec<&str> {
    type Owned = Vec<String>;
    fn own_parts(self) -> Vec<String> {
        self.into_iter().map(str::to_owned).collect()
    }
}

impl OwnParts for Option<&str> {
    type Owned = Option<String>;
    #[inline(always)]
    fn own_parts(self) -> Option<String> {
        self.map(str::to_owned)
    }
}

macro_rules! own_tuple {
    ($($name:ident),+) => {
        impl<$($name: OwnField),+> OwnParts for ($($name,)+) {
            type Owned = ($($name::Owned,)+);
            #[inline(always)]
            #[allow(non_snake_case)]
            fn own_parts(self) -> Self::Owned {
                let ($($name,)+) = self;
                ($($name.own_field(),)+)
            }
        }
    };
}
own_tuple!(A);
own_tuple!(A, B);
own_tuple!(A, B, C);
own_tuple!(A, B, C, D);
own_tuple!(A, B, C, D, E);
own_tuple!(A, B, C, D, E, F);

/// Wraps the record of a data set bound by `let` that feeds several chains: the stage's loop
/// reads the input once and gives each chain but the last its own copy of the record, with
/// `(&&ForkProbe(&record)).fork_kind().copy(&record)`. A `Clone` record is cloned; for any other,
/// the copy demands [`ForkRecord`], which no type implements, so that the error says what to do.
pub struct ForkProbe<'a, T>(pub &'a T);

/// Chosen for `Clone` records.
pub struct CloneKind;
/// Chosen for the others: an error.
pub struct NotCloneKind;

/// The `Clone` case, found first.
pub trait CloneProbe {
    /// Selects [`CloneKind`].
    #[inline(always)]
    fn fork_kind(&self) -> CloneKind {
        CloneKind
    }
}
impl<T: Clone> CloneProbe for &ForkProbe<'_, T> {}

/// The other case.
pub trait NotCloneProbe {
    /// Selects [`NotCloneKind`].
    #[inline(always)]
    fn fork_kind(&self) -> NotCloneKind {
        NotCloneKind
    }
}
impl<T> NotCloneProbe for ForkProbe<'_, T> {}

impl CloneKind {
    /// A clone of the record.
    #[inline(always)]
    pub fn copy<T: Clone>(self, record: &T) -> T {
        record.clone()
    }
}

impl NotCloneKind {
    /// Never compiles: see [`ForkRecord`].
    pub fn copy<T: ForkRecord>(self, record: &T) -> T {
        record.fork_copy()
    }
}

/// What a record that is not `Clone` lacks to feed several chains.
#[diagnostic::on_unimplemented(
    message = "this data set feeds several chains, so its records must be `Clone`, and `{Self}` is not",
    label = "each chain starting from this data set gets its own copy of every `{Self}` record",
    note = "derive or implement `Clone` for `{Self}`, or `map` the records to a type that is `Clone` before binding them with `let`"
)]
pub trait ForkRecord: Sized {
    /// A copy of the record for one more chain.
    fn fork_copy(&self) -> Self;
}

#[cfg(test)]
// The probes are called as the generated code calls them, through `&&&`, whatever clippy
// sees of the concrete type in a test.
#[allow(clippy::needless_borrow)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_string_tuples_are_owned_and_others_pass() {
        let line = String::from("x;1");
        let probe = KeepProbe(&line[..1]);
        let kept: String = (&&&probe).keep_kind().keep(probe);
        assert_eq!(kept, "x");

        let probe = KeepProbe((&line[..1], 1u8, &line[2..]));
        let kept: (String, u8, String) = (&&&probe).keep_kind().keep(probe);
        assert_eq!(kept, ("x".to_string(), 1, "1".to_string()));

        // A tuple with a field that is not a plain value passes unchanged.
        let probe = KeepProbe((vec![1u8], &line[..1]));
        let kept: (Vec<u8>, &str) = (&&&probe).keep_kind().keep(probe);
        assert_eq!(kept, (vec![1], "x"));

        let probe = KeepProbe(Some(7));
        assert_eq!((&&&probe).keep_kind().keep(probe), Some(7));

        let probe = KeepProbe(line.split(';').collect::<Vec<_>>());
        let kept: Vec<String> = (&&&probe).keep_kind().keep(probe);
        assert_eq!(kept, ["x", "1"]);

        let probe = KeepProbe(line.split(';').next());
        let kept: Option<String> = (&&&probe).keep_kind().keep(probe);
        assert_eq!(kept.as_deref(), Some("x"));
    }

    #[test]
    fn a_forked_record_is_cloned() {
        let s = String::from("a");
        let copy: String = (&&ForkProbe(&s)).fork_kind().copy(&s);
        assert_eq!(copy, s);
    }
}
