//! What every TPC-H query of `examples/tpch.rs` shares: where the tables are, and TPC-H's dates.

use serde::de;
use std::path::PathBuf;

/// A directory of TPC-H tables as `tpchgen-cli tbl` writes them: `lineitem.tbl`,
/// `orders.tbl`, ... (`|`-separated, a `|` after the last field, no header). A table may also be
/// gzipped (`lineitem.tbl.gz`), as the test data is.
pub struct Tables {
    dir: PathBuf,
}

impl Tables {
    pub fn new(dir: impl Into<PathBuf>) -> Tables {
        Tables { dir: dir.into() }
    }

    /// The file of table `name`: `name.tbl`, or else `name.tbl.gz` if only that exists (if
    /// neither does, `name.tbl`, so that the job's error names the file it looked for).
    pub fn path(&self, name: &str) -> PathBuf {
        let plain = self.dir.join(format!("{name}.tbl"));
        let gzipped = self.dir.join(format!("{name}.tbl.gz"));
        if !plain.exists() && gzipped.exists() {
            gzipped
        } else {
            plain
        }
    }
}

/// A `YYYY-MM-DD` date as the number YYYYMMDD, which orders as the date does. Parsed once when
/// a record is read; comparing two of them is one integer compare, and a record holding one
/// stays `Copy` and owns no text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(u32);

impl Date {
    pub const fn ymd(year: u32, month: u32, day: u32) -> Date {
        Date(year * 10_000 + month * 100 + day)
    }

    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let mut n = 0u32;
        for &c in b.iter().filter(|&&c| c != b'-') {
            n = n * 10 + u32::from(c.checked_sub(b'0').filter(|d| *d <= 9)?);
        }
        Some(Date(n))
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let n = self.0;
        write!(f, "{:04}-{:02}-{:02}", n / 10_000, n / 100 % 100, n % 100)
    }
}

impl<'de> de::Deserialize<'de> for Date {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = Date;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a date YYYY-MM-DD")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Date, E> {
                Date::parse(s).ok_or_else(|| E::invalid_value(de::Unexpected::Str(s), &self))
            }
        }
        d.deserialize_str(Visitor)
    }
}
