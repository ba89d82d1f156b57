//! [`Symbol`]: an interned string, a 4-byte `Copy` handle for repeated text.

mod interner;
mod serde_impls;

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

/// An interned string: a 4-byte `Copy` handle to text stored once for the whole process.
///
/// Choose `Symbol` over `String` for a field or key whose values repeat: ids, categories,
/// country codes, station names, the string columns a DataFrame engine would load as a
/// dictionary (DuckDB's `ENUM`, Polars' `Categorical`). A record then holds 4 bytes per such
/// field instead of a 24-byte `String` and its heap allocation, a key is copied rather than
/// cloned, and a hash table compares two integers rather than two strings. In the h2o group-by
/// benchmark (BENCHMARKS.md, "Symbol") it cuts the table's memory and the time of the questions
/// grouping by strings several times over.
///
/// **The cost**: every distinct value is kept, once, for the life of the process; nothing is
/// ever freed. That is right for low and medium cardinality (up to some millions of distinct
/// values); for text that is mostly unique (names of people, free text, URLs) or a process that
/// runs forever over unbounded new values, keep `String`.
///
/// It is named after the interned strings of compilers and Lisp (rustc's `Symbol`, Ruby's
/// `:symbol`): a value that stands for its text and is compared by identity.
///
/// # Semantics
///
/// A `Symbol` behaves as its text, whatever order the threads interned in:
/// - `==` is equality of the text (one code per distinct text, so it compares two integers);
/// - `Ord` is the order of the text (`sort_by`, `top_by`, `min`/`max` agree with `String`);
/// - `Hash` hashes the text's hash, stored when the text was interned, so partitioning, and
///   hence the order of keyed results, does not depend on interning order or parallelism;
/// - `Display`, `Debug`, `Serialize` write the text (`Debug` with quotes, as `String` does);
///   `Deserialize` interns the text it reads, without allocating for a value already seen.
///
/// Interning (`Symbol::new`, `From<&str>`, deserializing) hashes the text and looks it up in
/// one of 64 locked shards; reading the text back (`as_str`, `Deref`) takes no lock.
///
/// ```
/// use dataflow_runtime::Symbol;
///
/// let mut cities: Vec<Symbol> = ["Rome", "Oslo", "Rome"].into_iter().map(Symbol::from).collect();
/// assert_eq!(cities[0], cities[2]); // one code per text
/// assert_eq!(cities[0], "Rome");
/// cities.sort(); // by the text
/// assert_eq!(cities, ["Oslo", "Rome", "Rome"]);
/// assert_eq!(cities[0].to_uppercase(), "OSLO"); // a `str` through `Deref`
/// assert_eq!(serde_json::to_string(&cities[0]).unwrap(), "\"Oslo\"");
/// let back: Symbol = serde_json::from_str("\"Oslo\"").unwrap();
/// assert_eq!(back, cities[0]);
/// ```
///
/// In a job (the facade's prelude exports it), a `Symbol` field is read by `read_csv` and
/// used as a key like any other:
///
/// ```ignore
/// #[derive(serde::Deserialize)]
/// struct Sale { region: Symbol, amount: i64 }
///
/// let totals: Vec<(Symbol, i64)> = pipeline! {
///     read_csv::<Sale>("sales.csv") -> key_by(|s| s.region) -> sum(|s| s.amount) -> collect()
/// }
/// .run()?;
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Symbol(u32);

impl Symbol {
    /// The symbol of `text`, interning it if it is new.
    #[inline]
    pub fn new(text: &str) -> Symbol {
        Symbol(interner::intern(text))
    }

    /// The symbol of `text` if some thread has interned it, without interning it: a filter
    /// for a value that may never occur costs no memory.
    pub fn get(text: &str) -> Option<Symbol> {
        interner::lookup(text).map(Symbol)
    }

    /// The text.
    #[inline]
    pub fn as_str(self) -> &'static str {
        interner::entry(self.0).text
    }

    /// The symbol's code: dense, from 0, in the order the process first interned each text.
    /// That order depends on thread timing, so let no result depend on it (use it as an index
    /// into a table built in the same process, not as an order or an output).
    #[inline]
    pub fn code(self) -> u32 {
        self.0
    }

    /// How many distinct texts the process has interned (each kept until it exits).
    pub fn interned() -> usize {
        interner::len()
    }
}

impl Hash for Symbol {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(interner::entry(self.0).hash);
    }
}

impl Ord for Symbol {
    #[inline]
    fn cmp(&self, other: &Symbol) -> Ordering {
        if self.0 == other.0 {
            Ordering::Equal
        } else {
            self.as_str().cmp(other.as_str())
        }
    }
}

impl PartialOrd for Symbol {
    #[inline]
    fn partial_cmp(&self, other: &Symbol) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Deref for Symbol {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Symbol {
    #[inline]
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Default for Symbol {
    /// The empty string's symbol.
    fn default() -> Symbol {
        Symbol::new("")
    }
}

impl From<&str> for Symbol {
    #[inline]
    fn from(text: &str) -> Symbol {
        Symbol::new(text)
    }
}

impl From<&String> for Symbol {
    #[inline]
    fn from(text: &String) -> Symbol {
        Symbol::new(text)
    }
}

impl From<String> for Symbol {
    #[inline]
    fn from(text: String) -> Symbol {
        Symbol::new(&text)
    }
}

impl From<Symbol> for String {
    fn from(symbol: Symbol) -> String {
        symbol.as_str().to_owned()
    }
}

impl PartialEq<str> for Symbol {
    #[inline]
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Symbol {
    #[inline]
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Symbol {
    #[inline]
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Symbol> for str {
    #[inline]
    fn eq(&self, other: &Symbol) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Symbol> for &str {
    #[inline]
    fn eq(&self, other: &Symbol) -> bool {
        *self == other.as_str()
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl fmt::Debug for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::hash_one;

    #[test]
    fn a_symbol_is_its_text() {
        let a = Symbol::new("symbol-unit-a");
        assert_eq!(a, Symbol::from("symbol-unit-a"));
        assert_eq!(a, *"symbol-unit-a");
        assert_eq!(a.as_str(), "symbol-unit-a");
        assert_ne!(a, Symbol::new("symbol-unit-b"));
        assert!(Symbol::new("symbol-unit-b") > a);
        assert_eq!(format!("{a} {a:?}"), "symbol-unit-a \"symbol-unit-a\"");
        assert_eq!(Symbol::get("symbol-unit-a"), Some(a));
        assert_eq!(Symbol::get("symbol-unit-never-interned"), None);
    }

    #[test]
    fn hash_depends_on_the_text_alone() {
        let s = Symbol::new("symbol-unit-hash");
        assert_eq!(interner::entry(s.code()).hash, hash_one("symbol-unit-hash"));
        assert_eq!(hash_one(&s), hash_one(&Symbol::new("symbol-unit-hash")));
    }
}
