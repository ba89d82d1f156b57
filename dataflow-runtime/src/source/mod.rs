//! Sources: how input is found, split into morsels and fed to a stage's fused loop.
//!
//! * In-memory collections, ranges and iterators are driven by [`crate::driver`].
//! * `-` names standard input, read as one stream; `.gz` and `.zst` files are decompressed as
//!   one stream each ([`crate::compression`]).
//! * [`files`] expands a path, a directory or a glob into a sorted list of files (an existing
//!   path is taken literally first), and tells whether a listed file changed while it was read.
//! * [`text`] reads lines in blocks into a reused buffer; a file is split into byte ranges
//!   aligned to line ends, and each line reaches the user's closure as a borrowed `&str`.
//! * [`csv`] deserializes records into any `T: serde::Deserialize`.
//! * `parquet` (feature `parquet`) reads row groups of Parquet files in parallel into any
//!   `T: serde::Deserialize`, fetching only the columns `T` names.
//! * [`json`] reads JSON lines through the text source, one value per line, into any
//!   `T: serde::Deserialize`.

use std::cell::Cell;
use std::io::{self, Read};

pub mod csv;
pub mod files;
pub mod json;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod text;

/// A reader that counts the bytes it passes on into `bytes`: the size of a stream, known only
/// once read, and how far a decompressor has got through its file. (A `Cell` outside the
/// reader, which a decompressor owns, so that the scan can read it as it goes.)
pub(crate) struct Counted<'c, R> {
    inner: R,
    bytes: &'c Cell<u64>,
}

impl<'c, R: Read> Counted<'c, R> {
    pub(crate) fn new(inner: R, bytes: &'c Cell<u64>) -> Self {
        Counted { inner, bytes }
    }
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.set(self.bytes.get() + n as u64);
        Ok(n)
    }
}
