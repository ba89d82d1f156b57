//! A [`Symbol`] is written as its text and read from a text, interned as it is read.

use super::Symbol;
use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::{Serialize, Serializer};
use std::fmt;

impl Serialize for Symbol {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Interns whatever text the format hands over: borrowed from the input, from a scratch
/// buffer, or owned. A value already interned costs a lookup and no allocation.
struct SymbolVisitor;

impl<'de> Visitor<'de> for SymbolVisitor {
    type Value = Symbol;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Symbol, E> {
        Ok(Symbol::new(text))
    }

    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Symbol, E> {
        std::str::from_utf8(bytes)
            .map(Symbol::new)
            .map_err(|_| E::invalid_value(de::Unexpected::Bytes(bytes), &self))
    }
}

impl<'de> Deserialize<'de> for Symbol {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Symbol, D::Error> {
        deserializer.deserialize_str(SymbolVisitor)
    }
}
