//! `print()`: formats records into one buffer per task, then writes all buffers to stdout, in
//! input order, under one lock: no `println!` (and no lock) per record.

use crate::error::{Error, Result};
use std::fmt::{Debug, Write as _};
use std::io::Write as _;

/// One task's formatted records.
#[derive(Default)]
pub struct PrintBuffer {
    text: String,
    records: u64,
}

impl PrintBuffer {
    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Formats one record with `{:?}` on a line of its own.
    #[inline]
    pub fn write<T: Debug + ?Sized>(&mut self, record: &T) {
        let _ = writeln!(self.text, "{record:?}");
        self.records += 1;
    }
}

/// Writes every task's buffer to stdout in order; returns the number of records printed. A
/// progress line on the terminal is cleared first (see [`crate::progress`]).
pub fn print_all(tasks: Vec<PrintBuffer>) -> Result<u64> {
    crate::progress::with_line_cleared(|| write_all(tasks))
}

fn write_all(tasks: Vec<PrintBuffer>) -> Result<u64> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut records = 0;
    for task in tasks {
        out.write_all(task.text.as_bytes())
            .map_err(|source| Error::Io {
                action: "cannot write to",
                path: "<stdout>".into(),
                source,
            })?;
        records += task.records;
    }
    out.flush().map_err(|source| Error::Io {
        action: "cannot write to",
        path: "<stdout>".into(),
        source,
    })?;
    Ok(records)
}
