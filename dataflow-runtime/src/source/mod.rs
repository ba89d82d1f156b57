//! Sources: how input is found, split into morsels and fed to a stage's fused loop.
//!
//! * In-memory collections, ranges and iterators are driven by [`crate::driver`].
//! * [`files`] expands a path, a directory or a glob into a sorted list of files (an existing
//!   path is taken literally first), and tells whether a listed file changed while it was read.
//! * [`text`] reads lines in blocks into a reused buffer; a file is split into byte ranges
//!   aligned to line ends, and each line reaches the user's closure as a borrowed `&str`.
//! * [`csv`] deserializes records into any `T: serde::Deserialize`.
//! * [`json`] reads JSON lines through the text source, one value per line, into any
//!   `T: serde::Deserialize`.

pub mod csv;
pub mod files;
pub mod json;
pub mod text;
