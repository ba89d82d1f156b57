//! Reading a byte stream in blocks into a reused buffer and handing it out in runs of lines.

use memchr::{memchr, memrchr};
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;

/// Bytes read per call past a morsel's end, where only the rest of its last line is wanted.
const TAIL_BYTES: usize = 64 << 10;

/// Reads a file from `pos` with positioned reads, up to `end` in full blocks and then in small
/// ones: past its end a morsel only needs the rest of its last line.
pub(super) struct RangeReader<'f> {
    file: &'f File,
    pos: u64,
    end: u64,
    /// Whether the file ended before `end`: it was truncated after the job listed it.
    ended_short: bool,
}

impl<'f> RangeReader<'f> {
    /// Reads `file` from `pos`, in full blocks up to `end`.
    pub(super) fn new(file: &'f File, pos: u64, end: u64) -> Self {
        RangeReader {
            file,
            pos,
            end,
            ended_short: false,
        }
    }

    /// Whether a read found the end of the file before `end`.
    pub(super) fn ended_short(&self) -> bool {
        self.ended_short
    }
}

impl Read for RangeReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = if self.pos < self.end {
            (self.end - self.pos).min(buf.len() as u64) as usize
        } else {
            buf.len().min(TAIL_BYTES)
        };
        let n = self.file.read_at(&mut buf[..want], self.pos)?;
        if n == 0 && want > 0 && self.pos < self.end {
            self.ended_short = true;
        }
        self.pos += n as u64;
        Ok(n)
    }
}

/// Reads a byte stream in blocks into a caller's buffer and hands it out in runs of whole lines.
///
/// `buf[lo..hi]` holds data not yet handed out; `buf[lo..scan]` is known to hold no `\n`, so a
/// long line is searched once, not once per block.
pub(super) struct LineReader<'b, R> {
    reader: R,
    buf: &'b mut Vec<u8>,
    lo: usize,
    scan: usize,
    hi: usize,
    /// Stream offset of `buf[lo]`: where the next line starts.
    offset: u64,
    eof: bool,
}

impl<'b, R: Read> LineReader<'b, R> {
    /// `buf` must not be empty; `offset` is the stream offset of the reader's first byte.
    pub(super) fn new(reader: R, buf: &'b mut Vec<u8>, offset: u64) -> Self {
        debug_assert!(!buf.is_empty());
        LineReader {
            reader,
            buf,
            lo: 0,
            scan: 0,
            hi: 0,
            offset,
            eof: false,
        }
    }

    /// The reader it reads from.
    pub(super) fn reader(&self) -> &R {
        &self.reader
    }

    /// Stream offset of the next line's first byte.
    pub(super) fn offset(&self) -> u64 {
        self.offset
    }

    /// The complete lines now in the buffer, with their stream offset: everything up to the
    /// last `\n`, reading more (and growing the buffer) until there is one. At the end of the
    /// stream, the rest: a last line without `\n`. `None` once all is handed out.
    pub(super) fn next_chunk(&mut self) -> io::Result<Option<(u64, &[u8])>> {
        loop {
            let last_newline = memrchr(b'\n', &self.buf[self.scan..self.hi]);
            let stop = match last_newline {
                Some(i) => self.scan + i + 1,
                None if self.eof && self.lo < self.hi => self.hi,
                None if self.eof => return Ok(None),
                None => {
                    self.scan = self.hi;
                    self.fill()?;
                    continue;
                }
            };
            let (start, offset) = (self.lo, self.offset);
            self.lo = stop;
            self.scan = stop;
            self.offset += (stop - start) as u64;
            return Ok(Some((offset, &self.buf[start..stop])));
        }
    }

    /// Consumes everything up to and including the first `\n` that lies before stream offset
    /// `limit`; returns whether there was one. Skipped bytes are dropped as they are scanned,
    /// so skipping the tail of a huge line does not grow the buffer.
    pub(super) fn skip_line(&mut self, limit: u64) -> io::Result<bool> {
        loop {
            let window = ((self.hi - self.lo) as u64).min(limit.saturating_sub(self.offset));
            let window = &self.buf[self.lo..self.lo + window as usize];
            if let Some(i) = memchr(b'\n', window) {
                self.lo += i + 1;
                self.scan = self.lo;
                self.offset += (i + 1) as u64;
                return Ok(true);
            }
            let n = window.len();
            self.lo += n;
            self.scan = self.lo;
            self.offset += n as u64;
            if self.offset >= limit || self.eof {
                return Ok(false);
            }
            self.fill()?;
        }
    }

    /// Reads more of the stream: moves the unfinished line to the front of the buffer, and
    /// doubles the buffer when that line fills it.
    fn fill(&mut self) -> io::Result<()> {
        if self.lo > 0 {
            self.buf.copy_within(self.lo..self.hi, 0);
            self.hi -= self.lo;
            self.scan -= self.lo;
            self.lo = 0;
        }
        if self.hi == self.buf.len() {
            let len = self.buf.len() * 2;
            self.buf.resize(len, 0);
        }
        let n = loop {
            match self.reader.read(&mut self.buf[self.hi..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        self.hi += n;
        self.eof = n == 0;
        Ok(())
    }
}
