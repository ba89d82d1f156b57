//! A serde `Deserializer` over one record's fields, already split: `(start, end)` byte ranges
//! into the record's bytes.
//!
//! It is what makes typed CSV cheap: numbers are parsed from the field's bytes without an
//! intermediate string (`i64` digits in one pass; decimals such as `1234.56` exactly, as
//! mantissa / power of ten, which is correctly rounded like `str::parse`), a `String` field
//! allocates once for its exact length, a `char` or an `IgnoredAny` field allocates nothing, and
//! with a header only the columns the struct names are visited at all. Anything the fast paths
//! do not take (a `+` sign, an exponent, more than 15 digits, a bad number) goes through
//! `str::parse`, so values and error messages are the standard library's.

use serde::de::{
    self,
    value::{BorrowedStrDeserializer, StrDeserializer},
    DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use std::fmt::{self, Display};
use std::str::FromStr;

/// One record: its bytes, the byte ranges of its leading fields in them, and the bytes as
/// `str` when they are known to be valid UTF-8 (a field is then a slice of it, checked no
/// further).
#[derive(Clone, Copy)]
pub(super) struct Record<'r> {
    pub bytes: &'r [u8],
    pub text: Option<&'r str>,
    /// The ranges of the first fields: all of them, or as many as the record type reads
    /// ([`ColumnCache::leading`]); a field past them is found when asked for.
    pub fields: &'r [(u32, u32)],
    /// How many fields the record has.
    pub count: usize,
    /// What separates the fields in `bytes` (when they were cut from a line).
    pub delimiter: u8,
}

impl<'r> Record<'r> {
    #[inline]
    fn field(&self, i: usize) -> Field<'r> {
        let (start, end) = match self.fields.get(i) {
            Some(&range) => range,
            None => self.range_past_leading(i),
        };
        let range = start as usize..end as usize;
        Field {
            bytes: &self.bytes[range.clone()],
            // `get`, not indexing: a range that is not on char boundaries (possible only in a
            // record with invalid UTF-8 between fields) is checked on its own instead.
            text: self.text.and_then(|t| t.get(range)),
        }
    }
}

impl Record<'_> {
    /// The range of field `i` (`< count`) past the leading fields cut out: a record type that
    /// reads more fields than its first record did (a custom `Deserialize`) is read right,
    /// only slower.
    #[cold]
    fn range_past_leading(&self, i: usize) -> (u32, u32) {
        let next = |from: usize| {
            memchr::memchr(self.delimiter, &self.bytes[from..])
                .map_or(self.bytes.len(), |j| from + j)
        };
        let mut start = self.fields.last().map_or(0, |&(_, end)| end as usize + 1);
        for _ in self.fields.len()..i {
            start = next(start) + 1;
        }
        (start as u32, next(start) as u32)
    }
}

/// Why a record could not be deserialized, and in which 0-based field when known.
#[derive(Debug)]
pub(super) struct DeError {
    pub field: Option<usize>,
    pub message: String,
}

impl Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    #[cold]
    fn custom<T: Display>(msg: T) -> Self {
        DeError {
            field: None,
            message: msg.to_string(),
        }
    }
}

/// A task's memory of which columns a struct reads, so that the header's names are matched to
/// the struct's fields once rather than per record, and the fields of a line past the last one
/// the record type reads are never cut out.
#[derive(Default)]
pub(super) struct ColumnCache {
    /// Identifies the header (each file has its own) and the `fields` list serde passed (a
    /// `'static` slice per struct type).
    key: Option<(usize, usize, usize)>,
    /// `(column, field name)` for each header column that names a field of the struct.
    columns: Vec<(usize, &'static str)>,
    /// One past the last column of `columns`.
    columns_end: usize,
    /// How many leading fields the last record deserialized read at most (`usize::MAX`: all).
    leading: Option<usize>,
}

impl ColumnCache {
    /// How many leading fields a record of this task's type reads, once one has been read: a
    /// struct read by position its field count, by header one past its last column, a tuple
    /// its length, a single value 1, a sequence or a map all.
    pub(super) fn leading(&self) -> Option<usize> {
        self.leading
    }

    fn columns(&mut self, header: &[String], fields: &'static [&'static str]) -> &[(usize, &str)] {
        let key = (
            header.as_ptr() as usize,
            fields.as_ptr() as usize,
            fields.len(),
        );
        if self.key != Some(key) {
            self.columns.clear();
            for (column, name) in header.iter().enumerate() {
                if let Some(field) = fields.iter().find(|f| **f == name) {
                    self.columns.push((column, field));
                }
            }
            self.columns_end = self.columns.last().map_or(0, |&(column, _)| column + 1);
            self.key = Some(key);
        }
        &self.columns
    }
}

/// Deserializes one record into `T`: by header name when `header` is given and `T` is a struct
/// or map, else by position.
pub(super) fn from_record<'r, T: de::Deserialize<'r>>(
    record: Record<'r>,
    header: Option<&[String]>,
    cache: &mut ColumnCache,
) -> Result<T, DeError> {
    T::deserialize(RecordDe {
        record,
        header,
        cache,
    })
}

/// `'h`, the header's lifetime, is apart from the record's `'r`: only values borrow, names
/// are passed as transient `&str`s.
struct RecordDe<'c, 'h, 'r> {
    record: Record<'r>,
    header: Option<&'h [String]>,
    cache: &'c mut ColumnCache,
}

impl<'r> RecordDe<'_, '_, 'r> {
    fn seq(&self) -> FieldSeq<'r> {
        FieldSeq {
            record: self.record,
            next: 0,
        }
    }

    /// Notes that the record type reads the first `n` fields (see [`ColumnCache::leading`]).
    #[inline]
    fn reads(&mut self, n: usize) {
        self.cache.leading = Some(n);
    }

    /// A single value as a record: its first field.
    fn first_field(&mut self) -> Result<Field<'r>, DeError> {
        self.reads(1);
        if self.record.count == 0 {
            return Err(de::Error::custom("the record has no field"));
        }
        Ok(self.record.field(0))
    }
}

macro_rules! first_field {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'r>>(mut self, visitor: V) -> Result<V::Value, DeError> {
            self.first_field()?.$method(visitor).map_err(|e| in_field(e, 0))
        }
    )*};
}

impl<'r> de::Deserializer<'r> for RecordDe<'_, '_, 'r> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'r>>(mut self, visitor: V) -> Result<V::Value, DeError> {
        match self.header {
            Some(_) => self.deserialize_map(visitor),
            None => {
                self.reads(usize::MAX);
                visitor.visit_seq(self.seq())
            }
        }
    }

    fn deserialize_struct<V: Visitor<'r>>(
        mut self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.header {
            Some(header) => {
                self.cache.columns(header, fields);
                self.cache.leading = Some(self.cache.columns_end);
                let columns = &self.cache.columns;
                visitor.visit_map(FieldMap {
                    record: self.record,
                    columns: columns.iter().map(|&(c, name)| (c, name)),
                    value: 0,
                })
            }
            None => {
                self.reads(fields.len());
                visitor.visit_seq(self.seq())
            }
        }
    }

    fn deserialize_map<V: Visitor<'r>>(mut self, visitor: V) -> Result<V::Value, DeError> {
        self.reads(usize::MAX);
        let Some(header) = self.header else {
            return Err(de::Error::custom(
                "a map needs a header row to name its keys",
            ));
        };
        let n = self.record.count;
        visitor.visit_map(FieldMap {
            record: self.record,
            columns: header.iter().take(n).map(String::as_str).enumerate(),
            value: 0,
        })
    }

    fn deserialize_seq<V: Visitor<'r>>(mut self, visitor: V) -> Result<V::Value, DeError> {
        self.reads(usize::MAX);
        visitor.visit_seq(self.seq())
    }

    fn deserialize_tuple<V: Visitor<'r>>(
        mut self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.reads(len);
        visitor.visit_seq(self.seq())
    }

    fn deserialize_tuple_struct<V: Visitor<'r>>(
        mut self,
        _: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.reads(len);
        visitor.visit_seq(self.seq())
    }

    fn deserialize_newtype_struct<V: Visitor<'r>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_option<V: Visitor<'r>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_some(self)
    }

    fn deserialize_ignored_any<V: Visitor<'r>>(mut self, visitor: V) -> Result<V::Value, DeError> {
        self.reads(0);
        visitor.visit_unit()
    }

    fn deserialize_enum<V: Visitor<'r>>(
        mut self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.first_field()?
            .deserialize_enum(name, variants, visitor)
            .map_err(|e| in_field(e, 0))
    }

    fn deserialize_unit_struct<V: Visitor<'r>>(
        mut self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.reads(0);
        visitor.visit_unit()
    }

    first_field! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_bytes deserialize_byte_buf deserialize_unit
        deserialize_identifier
    }
}

/// Marks an error as being about the 0-based field `i`, unless an inner one said already.
fn in_field(mut error: DeError, i: usize) -> DeError {
    error.field.get_or_insert(i);
    error
}

/// The fields of a record in order.
struct FieldSeq<'r> {
    record: Record<'r>,
    next: usize,
}

impl<'r> SeqAccess<'r> for FieldSeq<'r> {
    type Error = DeError;

    #[inline]
    fn next_element_seed<S: DeserializeSeed<'r>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, DeError> {
        let i = self.next;
        if i >= self.record.count {
            return Ok(None);
        }
        self.next += 1;
        seed.deserialize(self.record.field(i))
            .map(Some)
            .map_err(|e| in_field(e, i))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.record.count - self.next)
    }
}

/// The named columns of a record, as map entries whose keys are the names.
struct FieldMap<'r, C> {
    record: Record<'r>,
    columns: C,
    /// The column whose value comes next.
    value: usize,
}

impl<'r, 'n, C: Iterator<Item = (usize, &'n str)>> MapAccess<'r> for FieldMap<'r, C> {
    type Error = DeError;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'r>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((column, name)) = self.columns.next() else {
            return Ok(None);
        };
        self.value = column;
        let key: StrDeserializer<'_, DeError> = name.into_deserializer();
        seed.deserialize(key)
            .map(Some)
            .map_err(|e| in_field(e, column))
    }

    #[inline]
    fn next_value_seed<S: DeserializeSeed<'r>>(&mut self, seed: S) -> Result<S::Value, DeError> {
        let column = self.value;
        seed.deserialize(self.record.field(column))
            .map_err(|e| in_field(e, column))
    }
}

/// One field's bytes, and the same as `str` when already known to be valid UTF-8.
#[derive(Clone, Copy)]
struct Field<'r> {
    bytes: &'r [u8],
    text: Option<&'r str>,
}

impl<'r> Field<'r> {
    #[inline]
    fn str(self) -> Result<&'r str, DeError> {
        match self.text {
            Some(text) => Ok(text),
            None => std::str::from_utf8(self.bytes)
                .map_err(|e| de::Error::custom(format_args!("invalid UTF-8: {e}"))),
        }
    }

    /// `str::parse`, for what the fast paths leave.
    #[cold]
    fn parse<T: FromStr>(self) -> Result<T, DeError>
    where
        T::Err: Display,
    {
        self.str()?.parse().map_err(de::Error::custom)
    }

    #[inline]
    fn int<T: FromStr + TryFrom<i64>>(self) -> Result<T, DeError>
    where
        <T as FromStr>::Err: Display,
    {
        match fast_i64(self.bytes).map(T::try_from) {
            Some(Ok(n)) => Ok(n),
            _ => self.parse(),
        }
    }
}

/// `-?[0-9]{1,18}` as an `i64` (18 digits cannot overflow); `None` for anything else, and for
/// `-0`, which unsigned types must reject as `str::parse` does.
#[inline]
fn fast_i64(bytes: &[u8]) -> Option<i64> {
    let (negative, digits) = match bytes {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, bytes),
    };
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    let mut n: i64 = 0;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n * 10 + i64::from(d);
    }
    match negative {
        true if n == 0 => None,
        true => Some(-n),
        false => Some(n),
    }
}

/// Exact powers of ten as `f64`.
const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// `-?[0-9]*.?[0-9]*` with 1 to 15 digits, as an `f64`: the digits as an integer divided by a
/// power of ten. Both are exact in an `f64` and IEEE division rounds correctly, so the result
/// is the one `str::parse` gives (Clinger's fast path). `None` for anything else.
#[inline]
fn fast_f64(bytes: &[u8]) -> Option<f64> {
    let (negative, rest) = match bytes {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, bytes),
    };
    let (mut mantissa, mut digits, mut decimals, mut dot) = (0u64, 0usize, 0usize, false);
    for &b in rest {
        let d = b.wrapping_sub(b'0');
        if d <= 9 {
            mantissa = mantissa * 10 + u64::from(d);
            digits += 1;
            decimals += usize::from(dot);
        } else if b == b'.' && !dot {
            dot = true;
        } else {
            return None;
        }
        if digits > 15 {
            return None;
        }
    }
    if digits == 0 {
        return None;
    }
    let value = mantissa as f64 / POW10[decimals];
    Some(if negative { -value } else { value })
}

macro_rules! int_fields {
    ($($method:ident $visit:ident $ty:ty,)*) => {$(
        #[inline]
        fn $method<V: Visitor<'r>>(self, visitor: V) -> Result<V::Value, DeError> {
            visitor.$visit(self.int::<$ty>()?)
        }
    )*};
}

impl<'r> de::Deserializer<'r> for Field<'r> {
    type Error = DeError;

    /// Infers the type as the `csv` crate does: a boolean, an integer, a float, else a string.
    fn deserialize_any<V: Visitor<'r>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.bytes {
            b"true" => return visitor.visit_bool(true),
            b"false" => return visitor.visit_bool(false),
            _ => {}
        }
        let text = self.str()?;
        if let Ok(n) = text.parse::<u64>() {
            visitor.visit_u64(n)
        } else if let Ok(n) = text.parse::<i64>() {
            visitor.visit_i64(n)
        } else if let Ok(x) = text.parse::<f64>() {
            visitor.visit_f64(x)
        } else {
            visitor.visit_borrowed_str(text)
        }
    }

    int_fields! {
        deserialize_i8 visit_i8 i8,
        deserialize_i16 visit_i16 i16,
        deserialize_i32 visit_i32 i32,
        deserialize_i64 visit_i64 i64,
        deserialize_u8 visit_u8 u8,
        deserialize_u16 visit_u16 u16,
        deserialize_u32 visit_u32 u32,
        deserialize_u64 visit_u64 u64,
    }

    fn deserialize_i128<V: Visitor<'r>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_i128(self.parse()?)
    }

    fn deserialize_u128<V: Visitor<'r>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_u128(self.parse()?)
    }

    #[inline]
    fn deserialize_f64<V: Visitor<'r>>(self, visitor: V) -> Result<V::Value, DeError> {
        match fast_f64(self.bytes) {
            Some(x) => visitor.visit_f64(x),
            None => visitor.visit_f64(self.parse()?),
        }
    }

    fn deserialize_f32<V: Visitor<'r>>(self, visitor: V) -> Result<V::Value, DeError> {
        // Through `f64` would round twice.
        visitor.visit_f32(self.parse()?)
    }

    fn deserialize_bool<V: Visitor<'r>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_bool(self.parse()?)
    }

    #[inline]
    fn deserialize_char<V: Visitor<'r>>(self, visitor: V) -> Result<V::Value, DeError> {
        match *self.bytes {
            [b] if b.is_ascii() => visitor.visit_char(char::from(b)),
            _ => visitor.visit_char(self.parse()?),
        }
    }

    #[inline]
    fn deserialize_str<V: Visitor<'r>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_borrowed_str(self.str()?)
    }

    #[inline]
    fn deserialize_string<V: Visitor<'r>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_borrowed_str(self.str()?)
    }

    fn deserialize_bytes<V: Visitor<'r>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_borrowed_bytes(self.bytes)
    }

    fn deserialize_byte_buf<V: Visitor<'r>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_borrowed_bytes(self.bytes)
    }

    /// An empty field is `None`.
    #[inline]
    fn deserialize_option<V: Visitor<'r>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.bytes.is_empty() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'r>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.bytes.is_empty() {
            visitor.visit_unit()
        } else {
            Err(de::Error::custom("expected an empty field"))
        }
    }

    fn deserialize_unit_struct<V: Visitor<'r>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'r>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    /// A unit variant, named by the field.
    fn deserialize_enum<V: Visitor<'r>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_enum(BorrowedStrDeserializer::<DeError>::new(self.str()?))
    }

    fn deserialize_identifier<V: Visitor<'r>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    /// Nothing to parse: an unread column costs nothing.
    #[inline]
    fn deserialize_ignored_any<V: Visitor<'r>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    fn deserialize_seq<V: Visitor<'r>>(self, _: V) -> Result<V::Value, DeError> {
        Err(nested("a sequence"))
    }

    fn deserialize_tuple<V: Visitor<'r>>(self, _: usize, _: V) -> Result<V::Value, DeError> {
        Err(nested("a tuple"))
    }

    fn deserialize_tuple_struct<V: Visitor<'r>>(
        self,
        _: &'static str,
        _: usize,
        _: V,
    ) -> Result<V::Value, DeError> {
        Err(nested("a tuple struct"))
    }

    fn deserialize_map<V: Visitor<'r>>(self, _: V) -> Result<V::Value, DeError> {
        Err(nested("a map"))
    }

    fn deserialize_struct<V: Visitor<'r>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, DeError> {
        Err(nested("a struct"))
    }
}

#[cold]
fn nested(what: &str) -> DeError {
    de::Error::custom(format_args!(
        "{what} cannot be read from one CSV field; give each of its values a column"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::IgnoredAny;

    /// Splits `line` at commas and deserializes it.
    fn de<T: de::DeserializeOwned>(line: &str, header: Option<&[String]>) -> Result<T, DeError> {
        let mut fields = Vec::new();
        let mut start = 0;
        for (i, b) in line.bytes().enumerate() {
            if b == b',' {
                fields.push((start as u32, i as u32));
                start = i + 1;
            }
        }
        fields.push((start as u32, line.len() as u32));
        let record = Record {
            bytes: line.as_bytes(),
            text: Some(line),
            count: fields.len(),
            fields: &fields,
            delimiter: b',',
        };
        from_record(record, header, &mut ColumnCache::default())
    }

    /// Deserializes `line` with only its first `cut` fields cut out, as the reader does once it
    /// knows how many the type reads; returns the value and how many the type said it reads.
    fn de_leading<T: de::DeserializeOwned>(
        line: &str,
        cut: usize,
        header: Option<&[String]>,
    ) -> (Result<T, DeError>, Option<usize>) {
        let mut fields = Vec::new();
        let count = super::super::fields::split_fields(line.as_bytes(), b',', &mut fields, cut);
        let record = Record {
            bytes: line.as_bytes(),
            text: Some(line),
            fields: &fields,
            count,
            delimiter: b',',
        };
        let mut cache = ColumnCache::default();
        let value = from_record(record, header, &mut cache);
        (value, cache.leading())
    }

    #[test]
    fn each_kind_of_record_says_how_many_leading_fields_it_reads() {
        #[derive(Debug, PartialEq, serde::Deserialize)]
        struct Two {
            a: u32,
            b: String,
        }
        let line = "1,x,3.5,tail";
        let all = usize::MAX;
        let (two, n) = de_leading::<Two>(line, all, None);
        assert_eq!(
            (two.unwrap(), n),
            (
                Two {
                    a: 1,
                    b: "x".into()
                },
                Some(2)
            )
        );
        let (triple, n) = de_leading::<(u8, String, f64)>(line, all, None);
        assert_eq!((triple.unwrap(), n), ((1, "x".into(), 3.5), Some(3)));
        let (first, n) = de_leading::<u64>(line, all, None);
        assert_eq!((first.unwrap(), n), (1, Some(1)));
        let (every, n) = de_leading::<Vec<String>>(line, all, None);
        assert_eq!((every.unwrap().len(), n), (4, Some(all)));
        // By header: one past the last column the struct names.
        let header: Vec<String> = ["b", "a", "c", "d"].map(String::from).into();
        let (two, n) = de_leading::<Two>("x,1,3.5,tail", all, Some(&header));
        assert_eq!(
            (two.unwrap(), n),
            (
                Two {
                    a: 1,
                    b: "x".into()
                },
                Some(2)
            )
        );
        let header: Vec<String> = ["z", "b", "c", "a"].map(String::from).into();
        let (two, n) = de_leading::<Two>("0,x,3.5,1", all, Some(&header));
        assert_eq!(
            (two.unwrap(), n),
            (
                Two {
                    a: 1,
                    b: "x".into()
                },
                Some(4)
            )
        );
    }

    #[test]
    fn a_field_past_the_leading_ones_cut_out_is_still_read() {
        let line = "1,x,,3.5,tail";
        let want = (
            1u8,
            "x".to_owned(),
            String::new(),
            3.5f64,
            "tail".to_owned(),
        );
        for cut in 0..=6 {
            let (got, _) = de_leading::<(u8, String, String, f64, String)>(line, cut, None);
            assert_eq!(got.unwrap(), want, "{cut} fields cut out");
            let (got, _) = de_leading::<Vec<String>>(line, cut, None);
            assert_eq!(
                got.unwrap(),
                ["1", "x", "", "3.5", "tail"],
                "{cut} fields cut out"
            );
        }
        // A missing field is still an error naming the tuple's length.
        let (got, _) = de_leading::<(u8, String, String, f64, String, u8)>(line, 2, None);
        assert!(got.unwrap_err().message.contains("invalid length 5"));
    }

    #[test]
    fn fast_numbers_agree_with_str_parse() {
        for s in [
            "0",
            "7",
            "-7",
            "123456789012345678",
            "-0",
            "00012",
            "1a",
            "",
            "-",
            "+5",
            "1234567890123456789",
        ] {
            let want = s.parse::<i64>().ok();
            let got = fast_i64(s.as_bytes()).or_else(|| s.parse().ok());
            assert_eq!(got, want, "{s:?}");
        }
        for s in [
            "0.1",
            "1.",
            ".5",
            "-0.0",
            "123141078.23",
            "0.07",
            "99999.999999999",
            "1e5",
            "1.2.3",
            "",
            ".",
            "-",
            "12345678901234567",
            "0.3",
            "2.675",
            "-1234.5678",
        ] {
            let want = s.parse::<f64>().ok().map(f64::to_bits);
            let got = fast_f64(s.as_bytes()).or_else(|| s.parse().ok());
            assert_eq!(got.map(f64::to_bits), want, "{s:?}");
        }
    }

    #[test]
    fn positional_fields_numbers_chars_and_ignored_columns() {
        type Row = (
            u32,
            i8,
            f64,
            char,
            IgnoredAny,
            String,
            Option<u8>,
            Option<u8>,
        );
        let row: Row = de("7,-3,0.25,R,whatever,text,,9", None).unwrap();
        assert_eq!(
            (row.0, row.1, row.2, row.3, row.5, row.6, row.7),
            (7, -3, 0.25, 'R', "text".to_owned(), None, Some(9))
        );
    }

    #[test]
    fn a_char_is_one_character_ascii_or_not() {
        assert_eq!(
            de::<(char, char)>("A,\u{e9}", None).unwrap(),
            ('A', '\u{e9}')
        );
        let err = de::<(char,)>("AB", None).unwrap_err();
        assert_eq!(err.message, "too many characters in string");
        assert!(de::<(char,)>("", None).is_err());
    }

    #[test]
    fn a_bad_field_is_named_by_its_index_with_the_std_message() {
        let err = de::<(u32, u32)>("1,x", None).unwrap_err();
        assert_eq!(err.field, Some(1));
        assert_eq!(err.message, "invalid digit found in string");
        let err = de::<(u8,)>("300", None).unwrap_err();
        assert_eq!(err.message, "number too large to fit in target type");
        let err = de::<(u8,)>("-0", None).unwrap_err();
        assert_eq!(err.field, Some(0));
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Named {
        b: String,
        a: u64,
        missing: Option<u32>,
    }

    #[test]
    fn a_header_maps_columns_to_fields_and_skips_the_others() {
        let header: Vec<String> = ["x", "a", "b"].map(String::from).into();
        let got: Named = de("ignored,5,bee", Some(&header)).unwrap();
        let want = Named {
            b: "bee".into(),
            a: 5,
            missing: None,
        };
        assert_eq!(got, want);
        let err = de::<Named>("i,nope,b", Some(&header)).unwrap_err();
        assert_eq!(err.field, Some(1));
    }
}
