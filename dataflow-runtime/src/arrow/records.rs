//! Records to and from Arrow columns, through serde (`serde_arrow`), with errors that name the
//! column and the Rust type.

use crate::error::{Error, Result};
use arrow_array::RecordBatch;
use serde::de::{self, DeserializeOwned, Visitor};
use std::cell::Cell;
use std::path::Path;

/// The fields a record type reads, by their serde names (`#[serde(rename)]` applied), so that a
/// reader fetches only those columns; `None` when the type is not a struct with named fields (a
/// tuple, a map, `#[serde(flatten)]`): then every column is read.
pub fn field_names<T: DeserializeOwned>() -> Option<&'static [&'static str]> {
    let found = Cell::new(None);
    // The probe stops at the first `deserialize_struct` (through newtypes and `Option`s):
    // whatever the type does next never runs, so this costs nothing and needs no sample.
    let _ = T::deserialize(FieldProbe(&found));
    found.get()
}

struct FieldProbe<'a>(&'a Cell<Option<&'static [&'static str]>>);

impl<'de> de::Deserializer<'de> for FieldProbe<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.set(Some(fields));
        Err(de::Error::custom("probed"))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_some(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

/// Deserializes every row of `batch` as a `T` and hands it to `each`, in row order; `source`
/// names the input in errors (a file, or `record batch N`). Returns the number of rows.
pub fn for_each_record<T: DeserializeOwned>(
    batch: &RecordBatch,
    source: &Path,
    mut each: impl FnMut(T),
) -> Result<u64> {
    let rows = serde_arrow::Deserializer::from_record_batch(batch)
        .map_err(|e| schema_error::<T>(source, batch, &e))?;
    for row in &rows {
        let record = T::deserialize(row).map_err(|e| schema_error::<T>(source, batch, &e))?;
        each(record);
    }
    Ok(batch.num_rows() as u64)
}

/// A conversion error as [`Error::Schema`]: the column (from the error's field path, or the
/// missing field), the Rust side (the field of `T`, or `T`), and what does not fit.
#[cold]
pub fn schema_error<T>(source: &Path, batch: &RecordBatch, e: &serde_arrow::Error) -> Error {
    let type_name = short_type_name::<T>();
    let shown = e.to_string();
    let message = e.message().to_owned();
    // serde's derive reports a missing field through `de::Error::missing_field`, which
    // serde_arrow keeps as a message.
    let missing = match e.kind() {
        serde_arrow::ErrorKind::MissingField { field } => Some(field.clone()),
        _ => message
            .split_once("missing field `")
            .and_then(|(_, rest)| rest.split('`').next())
            .map(str::to_owned),
    };
    let (column, message) = match missing {
        Some(field) => {
            let columns: Vec<String> = batch
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect();
            (
                field,
                format!(
                    "there is no such column (the columns read: {}); make the field an `Option` or `#[serde(default)]` to read files without it",
                    columns.join(", ")
                ),
            )
        }
        _ => match annotation(&shown, "field") {
            Some(path) => {
                let column = path.trim_start_matches("$.").to_owned();
                let data_type = annotation(&shown, "data_type").unwrap_or_default();
                let message = if data_type.is_empty() {
                    message
                } else {
                    format!("{message} (the column is {data_type})")
                };
                (column, message)
            }
            None => (String::from("?"), message),
        },
    };
    let top = column.split('.').next().unwrap_or(&column).to_owned();
    Error::Schema {
        path: source.to_path_buf(),
        rust: format!("field `{top}` of `{type_name}`"),
        column,
        message,
    }
}

/// The value of `key: "value"` in serde_arrow's error text (its annotations are not public).
pub(crate) fn annotation(shown: &str, key: &str) -> Option<String> {
    let start = shown.find(&format!("{key}: \""))? + key.len() + 3;
    let end = shown[start..].find('"')? + start;
    Some(shown[start..end].to_owned())
}

/// `T`'s name without its module path (`Vec<my::Row>` as `Vec<Row>`).
pub fn short_type_name<T: ?Sized>() -> String {
    let full = std::any::type_name::<T>();
    let mut out = String::with_capacity(full.len());
    for piece in full.split_inclusive(['<', '>', ',', ' ', '(', ')', '[', ']', ';', '&']) {
        let (name, sep) = match piece.char_indices().last() {
            Some((i, c)) if "<>, ()[];&".contains(c) => (&piece[..i], &piece[i..]),
            _ => (piece, ""),
        };
        out.push_str(name.rsplit("::").next().unwrap_or(name));
        out.push_str(sep);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Row {
        #[serde(rename = "Name")]
        name: String,
        age: Option<u32>,
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Wrapped(Row);

    #[test]
    fn field_names_follow_serde() {
        assert_eq!(field_names::<Row>(), Some(&["Name", "age"][..]));
        assert_eq!(field_names::<Wrapped>(), Some(&["Name", "age"][..]));
        assert_eq!(field_names::<Option<Row>>(), Some(&["Name", "age"][..]));
        assert_eq!(field_names::<(String, u32)>(), None);
        assert_eq!(field_names::<u64>(), None);
    }

    #[test]
    fn type_names_lose_their_paths() {
        assert_eq!(short_type_name::<Row>(), "Row");
        assert_eq!(
            short_type_name::<Vec<(Row, std::string::String)>>(),
            "Vec<(Row, String)>"
        );
    }
}
