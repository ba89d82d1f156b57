//! The per-line loop of a morsel: finding lines, checking UTF-8, and what to do with bad ones.

use super::reader::LineReader;
use super::{io_error, Line, Rejected, BLOCK_BYTES, SHOWN_BYTES};
use crate::error::{shorten, BadRecordPolicy, Error, Result};
use crate::job::Context;
use crate::progress::MorselMeter;
use memchr::memchr;
use std::cell::Cell;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use std::path::Path;

/// Where the line starting at `pos` ends (before its `\n` or `\r\n`) and where the next one
/// starts; a last line without `\n` ends the chunk.
#[inline(always)]
fn line_end(chunk: &[u8], pos: usize) -> (usize, usize) {
    match memchr(b'\n', &chunk[pos..]) {
        Some(i) if i > 0 && chunk[pos + i - 1] == b'\r' => (pos + i - 1, pos + i + 1),
        Some(i) => (pos + i, pos + i + 1),
        None => (chunk.len(), chunk.len()),
    }
}

/// One morsel's pass over its lines: where it stops, what it does with bad ones, what it saw.
pub(super) struct Scan<'a> {
    pub(super) ctx: &'a Context,
    pub(super) label: &'a str,
    pub(super) policy: BadRecordPolicy,
    pub(super) path: &'a Path,
    /// Lines starting at or after this stream offset belong to the next morsel.
    pub(super) end: u64,
    /// Lines in the file before the morsel's first one, when known.
    pub(super) lines_before: Option<u64>,
    /// Lines passed on as records.
    pub(super) lines: u64,
    /// Lines passed on that the body ignored ([`Line::Ignored`]): no record, but a line.
    pub(super) ignored: u64,
    /// What the lines hold, for errors about a rejected line: `JSON` gives "bad JSON record".
    pub(super) format: &'static str,
    /// Lines skipped as bad.
    pub(super) skipped: u64,
    /// Stream offset of the morsel's first byte.
    pub(super) start: u64,
    /// For a stream or a compressed file, the bytes read from it so far; otherwise the scan
    /// counts the bytes of the range it has passed.
    pub(super) read_bytes: Option<&'a Cell<u64>>,
    /// Where the morsel's progress goes, once per chunk.
    pub(super) meter: MorselMeter<'a>,
}

impl Scan<'_> {
    /// Passes the lines of `text` (at stream offset `chunk_offset`) that start before byte
    /// `owned` to `emit`.
    ///
    /// The per-line loop of every text job: kept to a `memchr`, a check for `\r` and the call.
    /// (`drive_lines`' body always answers [`Line::Record`], so the other arms compile away.)
    #[inline]
    fn emit_lines<F: FnMut(&str) -> Line>(
        &mut self,
        text: &str,
        chunk_offset: u64,
        owned: usize,
        emit: &mut F,
    ) -> Result<()> {
        let bytes = text.as_bytes();
        let (mut lines, mut ignored) = (0, 0);
        let mut pos = 0;
        while pos < owned {
            let (stop, next) = line_end(bytes, pos);
            match emit(&text[pos..stop]) {
                Line::Record => lines += 1,
                Line::Ignored => ignored += 1,
                Line::Rejected(why) => {
                    // The counts must be current for the line number.
                    self.lines += std::mem::take(&mut lines);
                    self.ignored += std::mem::take(&mut ignored);
                    self.rejected_line(&bytes[pos..stop], chunk_offset + pos as u64, *why)?;
                }
            }
            pos = next;
        }
        self.lines += lines;
        self.ignored += ignored;
        Ok(())
    }

    /// Passes the lines that start before `self.end` to `emit`.
    pub(super) fn run<R: Read, F: FnMut(&str) -> Line>(
        &mut self,
        lines: &mut LineReader<'_, R>,
        mut emit: F,
    ) -> Result<()> {
        // A failed job stops reading at the next block (see `crate::driver`).
        while lines.offset() < self.end && !self.ctx.is_cancelled() {
            let (chunk_offset, chunk) = match lines.next_chunk() {
                Ok(Some(next)) => next,
                Ok(None) => break,
                Err(e) => return Err(io_error("cannot read", self.path, e)),
            };
            // Lines that start at or after `self.end` belong to the next morsel.
            let owned = usize::try_from(self.end.saturating_sub(chunk_offset))
                .map_or(chunk.len(), |n| n.min(chunk.len()));
            // Validating a whole chunk costs far less than validating line by line. Its lines
            // are then slices of a valid `str` cut next to `\n`s, which are char boundaries.
            // A chunk with a bad byte falls back to checking each of its lines.
            match std::str::from_utf8(chunk) {
                Ok(text) => self.emit_lines(text, chunk_offset, owned, &mut emit)?,
                Err(_) => self.run_checked(chunk, chunk_offset, owned, &mut emit)?,
            }
            let done = match self.read_bytes {
                Some(read) => read.get(),
                None => (chunk_offset + owned as u64)
                    .min(self.end)
                    .saturating_sub(self.start),
            };
            self.meter.update(self.lines, done);
            if owned < chunk.len() {
                return Ok(());
            }
        }
        Ok(())
    }

    /// The lines of a chunk that is not valid UTF-8 and starts at stream offset `chunk_offset`,
    /// each checked on its own; the bad ones go to [`Self::bad_line`].
    #[cold]
    fn run_checked<F: FnMut(&str) -> Line>(
        &mut self,
        chunk: &[u8],
        chunk_offset: u64,
        owned: usize,
        emit: &mut F,
    ) -> Result<()> {
        let mut pos = 0;
        while pos < owned {
            let (stop, next) = line_end(chunk, pos);
            match std::str::from_utf8(&chunk[pos..stop]) {
                Ok(line) => match emit(line) {
                    Line::Record => self.lines += 1,
                    Line::Ignored => self.ignored += 1,
                    Line::Rejected(why) => {
                        let offset = chunk_offset + pos as u64;
                        self.rejected_line(&chunk[pos..stop], offset, *why)?;
                    }
                },
                Err(e) => {
                    let offset = chunk_offset + pos as u64;
                    self.bad_line(&chunk[pos..stop], offset, e.valid_up_to())?;
                }
            }
            pos = next;
        }
        Ok(())
    }

    /// Fails under [`BadRecordPolicy::Fail`]; under `Skip`, counts the line and keeps a sample.
    /// Either way the line is named `path:line:column`.
    #[cold]
    fn bad_line(&mut self, bytes: &[u8], offset: u64, valid_up_to: usize) -> Result<()> {
        let column = valid_up_to as u64 + 1;
        if self.policy == BadRecordPolicy::Skip {
            self.skipped += 1;
            // Only the first few samples are kept: past them, the line number is not needed.
            if !self.ctx.wants_skipped_sample() {
                return Ok(());
            }
        }
        let line = self.line_number(offset)?;
        let path = self.path;
        let text = shorten(&String::from_utf8_lossy(bytes), SHOWN_BYTES);
        match self.policy {
            BadRecordPolicy::Fail => Err(Error::InvalidUtf8 {
                path: path.to_path_buf(),
                line,
                column,
                text,
            }),
            BadRecordPolicy::Skip => {
                let sample = format!("{}:{line}:{column}: invalid UTF-8: {text}", path.display());
                self.ctx.record_skipped_sample(self.label, sample);
                Ok(())
            }
        }
    }

    /// Like [`Self::bad_line`], for a line the body rejected ([`Line::Rejected`]): fails with
    /// [`Error::BadLine`], or counts the line and keeps a sample, named `path:line:column`.
    #[cold]
    fn rejected_line(&mut self, bytes: &[u8], offset: u64, why: Rejected) -> Result<()> {
        if self.policy == BadRecordPolicy::Skip {
            self.skipped += 1;
            if !self.ctx.wants_skipped_sample() {
                return Ok(());
            }
        }
        let error = Error::BadLine {
            path: self.path.to_path_buf(),
            line: self.line_number(offset)?,
            column: why.column,
            format: self.format,
            message: why.message,
            text: shorten(&String::from_utf8_lossy(bytes), SHOWN_BYTES),
        };
        match self.policy {
            BadRecordPolicy::Fail => Err(error),
            BadRecordPolicy::Skip => {
                self.ctx
                    .record_skipped_sample(self.label, error.to_string());
                Ok(())
            }
        }
    }

    /// The 1-based number of the line that starts at stream offset `offset`, the next one this
    /// scan has not counted yet. A morsel that does not start its file learns how many lines
    /// precede it by counting the `\n`s before `offset` (re-reading that part of the file) the
    /// first time it needs a number, on the error path only; the number is then kept in
    /// `lines_before`, so later bad lines of the morsel cost nothing more.
    #[cold]
    fn line_number(&mut self, offset: u64) -> Result<u64> {
        let counted = self.lines + self.ignored + self.skipped;
        // (Under `Skip`, `skipped` already counts this line.)
        let this = u64::from(self.policy == BadRecordPolicy::Fail);
        match self.lines_before {
            Some(before) => Ok(before + counted + this),
            None => {
                let line = count_lines_before(self.path, offset)?;
                self.lines_before = Some(line - counted - this);
                Ok(line)
            }
        }
    }
}

/// The 1-based number of the line starting at byte `offset`: one more than the `\n`s before it.
/// Only called on the error path, so it simply re-reads the file up to `offset`.
#[cold]
fn count_lines_before(path: &Path, offset: u64) -> Result<u64> {
    let file = File::open(path).map_err(|source| io_error("cannot open", path, source))?;
    let mut buf = vec![0; BLOCK_BYTES];
    let (mut pos, mut newlines) = (0, 0);
    while pos < offset {
        let want = (offset - pos).min(BLOCK_BYTES as u64) as usize;
        let n = match file.read_at(&mut buf[..want], pos) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(source) => return Err(io_error("cannot read", path, source)),
        };
        newlines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
        pos += n as u64;
    }
    Ok(newlines + 1)
}
