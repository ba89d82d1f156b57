//! Where a CSV file can be cut into morsels, and line numbers found after the fact.
//!
//! A quoted field may hold a line break, so a line end is a record end only outside quotes.
//! Whether a byte lies inside quotes follows from the parity of the quote bytes before it,
//! provided every quote is where RFC 4180 puts one: an opening quote starts a field (after a
//! delimiter, a line end or the escaping quote of a `""` pair) and a closing quote ends one
//! (before a delimiter, a line end, the other quote of a `""` pair, or the end of the file).
//! The `csv` reader also accepts a quote inside an unquoted field (`5" disk`) as a literal
//! character, which parity would take for an opening quote; a file holding one is read as a
//! single morsel, so a cut never depends on a guess.
//!
//! The pre-scan ([`scan_range`]) reads each planned range in parallel and, since the parity at
//! its start is not known yet, checks its quotes under both hypotheses. The caller then chains
//! the ranges' parities from the first one. A morsel finally starts at the first line start
//! outside quotes at or after its planned start ([`find_cut`]): the previous morsel reads up to
//! exactly there, so no record is lost or read twice.

use memchr::{memchr, memchr2, memchr_iter};
use std::fs::File;
use std::io;
use std::ops::Range;
use std::os::unix::fs::FileExt;

/// Bytes read per call by the scans of this module.
pub(super) const SCAN_BYTES: usize = 128 << 10;

/// The bytes that decide where records end.
#[derive(Clone, Copy, Debug)]
pub(super) struct Syntax {
    pub delimiter: u8,
    /// The quote byte, or `None` when quoting is off.
    pub quote: Option<u8>,
}

impl Syntax {
    /// Whether `b` may stand next to a quote that opens or closes a field.
    fn is_field_edge(self, b: u8) -> bool {
        b == self.delimiter || b == b'\n' || b == b'\r' || Some(b) == self.quote
    }
}

/// What the pre-scan learned about one range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct QuoteScan {
    /// Quote bytes in the range.
    pub quotes: u64,
    /// Whether every quote is well placed if the range starts outside quotes (`[0]`) or inside
    /// them (`[1]`).
    pub well_placed: [bool; 2],
}

/// Counts the quotes of `range` in a file of `len` bytes whose records start at `data_start`,
/// and checks that each stands where an opening or closing quote may. `buf` is scratch space.
pub(super) fn scan_range(
    file: &File,
    range: Range<u64>,
    data_start: u64,
    len: u64,
    syntax: Syntax,
    buf: &mut Vec<u8>,
) -> io::Result<QuoteScan> {
    let mut scan = QuoteScan {
        quotes: 0,
        well_placed: [true, true],
    };
    let Some(quote) = syntax.quote else {
        return Ok(scan);
    };
    let mut pos = range.start;
    while pos < range.end {
        let block_end = (pos + SCAN_BYTES as u64).min(range.end);
        // One byte of context on each side, for the quotes at the block's edges.
        let lo = pos.saturating_sub(1).max(data_start);
        let hi = (block_end + 1).min(len);
        let bytes = read_exact_at(file, buf, lo..hi)?;
        let first = (pos - lo) as usize;
        let last = first + (block_end - pos) as usize;
        for i in memchr_iter(quote, &bytes[first..last]).map(|i| i + first) {
            // No byte before: the first record's start. No byte after: the end of the file.
            let opens_well = i == 0 || syntax.is_field_edge(bytes[i - 1]);
            let closes_well = bytes.get(i + 1).is_none_or(|&b| syntax.is_field_edge(b));
            for (hypothesis, ok) in scan.well_placed.iter_mut().enumerate() {
                let inside_before = (hypothesis as u64 + scan.quotes) % 2 == 1;
                *ok &= if inside_before {
                    closes_well
                } else {
                    opens_well
                };
            }
            scan.quotes += 1;
        }
        pos = block_end;
    }
    Ok(scan)
}

/// The first record start at or after `at`: the byte after the first `\n` outside quotes at or
/// after `at - 1`, or `len` if there is none. `inside` says whether `at` lies inside quotes.
pub(super) fn find_cut(
    file: &File,
    at: u64,
    inside: bool,
    data_start: u64,
    len: u64,
    syntax: Syntax,
    buf: &mut Vec<u8>,
) -> io::Result<u64> {
    if at <= data_start {
        return Ok(data_start);
    }
    let mut pos = at - 1;
    let Some(quote) = syntax.quote else {
        // Without quoting, every `\n` ends a record.
        while pos < len {
            let hi = (pos + SCAN_BYTES as u64).min(len);
            let bytes = read_exact_at(file, buf, pos..hi)?;
            if let Some(i) = memchr(b'\n', bytes) {
                return Ok(pos + i as u64 + 1);
            }
            pos = hi;
        }
        return Ok(len);
    };
    let mut inside = inside;
    let mut first_block = true;
    while pos < len {
        let hi = (pos + SCAN_BYTES as u64).min(len);
        let bytes = read_exact_at(file, buf, pos..hi)?;
        if first_block && bytes[0] == quote {
            // The parity given is the one after this quote: step back over it.
            inside = !inside;
        }
        first_block = false;
        let mut i = 0;
        while let Some(j) = memchr2(b'\n', quote, &bytes[i..]) {
            let at = i + j;
            if bytes[at] == b'\n' {
                if !inside {
                    return Ok(pos + at as u64 + 1);
                }
            } else {
                inside = !inside;
            }
            i = at + 1;
        }
        pos = hi;
    }
    Ok(len)
}

/// Reads exactly the bytes of `range` into `buf`, growing it as needed.
pub(super) fn read_exact_at<'b>(
    file: &File,
    buf: &'b mut Vec<u8>,
    range: Range<u64>,
) -> io::Result<&'b [u8]> {
    let n = (range.end - range.start) as usize;
    if buf.len() < n {
        buf.resize(n, 0);
    }
    file.read_exact_at(&mut buf[..n], range.start)?;
    Ok(&buf[..n])
}

/// `\n` bytes in `range` of the file. Error path only.
#[cold]
pub(super) fn count_newlines(file: &File, range: Range<u64>) -> io::Result<u64> {
    let mut buf = vec![0; SCAN_BYTES];
    let (mut pos, mut newlines) = (range.start, 0);
    while pos < range.end {
        let hi = (pos + SCAN_BYTES as u64).min(range.end);
        let bytes = read_exact_at(file, &mut buf, pos..hi)?;
        newlines += memchr_iter(b'\n', bytes).count() as u64;
        pos = hi;
    }
    Ok(newlines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const CSV: Syntax = Syntax {
        delimiter: b',',
        quote: Some(b'"'),
    };

    fn file(content: &[u8]) -> File {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(content).unwrap();
        f
    }

    fn scan(content: &[u8], range: Range<u64>) -> QuoteScan {
        let len = content.len() as u64;
        scan_range(&file(content), range, 0, len, CSV, &mut Vec::new()).unwrap()
    }

    #[test]
    fn well_placed_quotes_pass_under_the_right_parity() {
        let text = b"a,\"b\nc\",\"say \"\"hi\"\"\"\n\"\",x\n";
        let whole = scan(text, 0..text.len() as u64);
        assert_eq!(whole.quotes, 10);
        assert!(whole.well_placed[0]);
        // From inside the first quoted field (after `"b`), `c"` must close it.
        let from_inside = scan(text, 4..text.len() as u64);
        assert!(from_inside.well_placed[1]);
        assert!(!from_inside.well_placed[0]);
    }

    #[test]
    fn a_quote_inside_an_unquoted_field_is_not_well_placed() {
        for text in [&b"a,5\" disk\n"[..], b"a,\"b\"c\n", b"ab\"\"\n"] {
            let s = scan(text, 0..text.len() as u64);
            assert!(!s.well_placed[0], "{:?}", String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn a_cut_skips_line_ends_inside_quotes() {
        let text = b"h\n\"x\ny\",1\nz,2\n";
        let f = file(text);
        let len = text.len() as u64;
        let cut = |at, inside| find_cut(&f, at, inside, 0, len, CSV, &mut Vec::new()).unwrap();
        // At byte 2 (a record's start), outside quotes: that is a cut already.
        assert_eq!(cut(2, false), 2);
        // Byte 3 (`x`) is inside the quoted field: the next record starts at `z`.
        assert_eq!(cut(3, true), 10);
        assert_eq!(cut(11, false), len);
    }
}
