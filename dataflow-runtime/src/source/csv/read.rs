//! Reading one morsel's records.
//!
//! A morsel is read in chunks of whole lines. A chunk without a quote (and without a lone
//! `\r`, which the `csv` crate also takes for a record end) is split like text: lines with
//! `memchr`, fields eight bytes at a time ([`fields`](super::fields)), into a reused list of
//! the ranges of the fields the record type reads, which [`de`] reads the record from. This is
//! the path of a `.tbl` or a plain CSV file. From the first chunk holding a quote on, the rest
//! of the morsel goes through the `csv` crate's reader, which knows quoting and escapes; [`de`]
//! reads its records the same way.

use super::de::{self, ColumnCache, DeError, Record};
use super::fields::split_fields;
use super::CsvRecord;
use super::{CsvSource, FilePlan};
use crate::error::{shorten, BadRecordPolicy, Error, Result};
use crate::job::Context;
use crate::progress::{MorselMeter, SourceMeter};
use crate::source::{files, Counted};
use csv::ByteRecord;
use memchr::{memchr, memchr_iter, memrchr};
use std::cell::Cell;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;

/// Bytes read per call into a task's buffer (as the text source, for the same L2 reason).
const BLOCK_BYTES: usize = 128 << 10;

/// How much of a bad record an error or a skipped-record sample shows.
const SHOWN_BYTES: usize = 200;

/// Records read through the `csv` reader between two looks at whether the job has failed.
const CANCEL_CHECK_RECORDS: u64 = 4096;

/// Skipped records described per morsel: the job keeps only the first few samples anyway, and
/// describing one may count the lines before it.
const SAMPLES_PER_MORSEL: u64 = 10;

/// What a task keeps from morsel to morsel, so that reading allocates nothing per record.
#[derive(Default)]
pub(super) struct TaskBuffers {
    block: Vec<u8>,
    scratch: Vec<u8>,
    fields: Vec<(u32, u32)>,
    record: ByteRecord,
    columns: ColumnCache,
}

/// What every morsel of a source reads with: the job, the source and where its counts go.
pub(super) struct Reading<'a> {
    pub ctx: &'a Context,
    /// The source in metrics.
    pub label: &'a str,
    /// Where tasks report their progress, once per chunk.
    pub meter: &'a SourceMeter,
    pub src: &'a CsvSource,
}

impl Reading<'_> {
    /// Reads morsel `index` of `plan` into `emit` and reports it to the job's metrics.
    pub(super) fn morsel<R: CsvRecord, F: for<'de> FnMut(R::Record<'de>)>(
        &self,
        plan: &FilePlan,
        index: usize,
        bufs: &mut TaskBuffers,
        emit: &mut F,
    ) -> Result<()> {
        if plan.stream {
            return read_stream::<R, F>(self, plan, bufs, emit);
        }
        read_range::<R, F>(self, plan, index, bufs, emit)
    }
}

/// Reads morsel `index` of a regular, uncompressed file: its byte range.
fn read_range<R: CsvRecord, F: for<'de> FnMut(R::Record<'de>)>(
    reading: &Reading<'_>,
    plan: &FilePlan,
    index: usize,
    bufs: &mut TaskBuffers,
    emit: &mut F,
) -> Result<()> {
    let Reading {
        ctx,
        label,
        meter,
        src,
    } = *reading;
    let path = &plan.path;
    let file = File::open(path).map_err(|e| plan.io_error("cannot open", e))?;
    let range = plan
        .morsel_range(&file, index, src, &mut bufs.scratch)
        .map_err(|e| plan.io_error("cannot read", e))?;
    let TaskBuffers {
        block,
        fields,
        record,
        columns,
        ..
    } = bufs;
    let mut morsel = Morsel {
        ctx,
        src,
        plan,
        file: &file,
        label,
        columns,
        header: plan.header.as_deref(),
        expected_fields: plan.expected_fields,
        stream_line: None,
        stream_bytes: 0,
        records: 0,
        skipped: 0,
        range_start: range.start,
        read_bytes: None,
        meter: meter.morsel(),
    };
    if block.len() < BLOCK_BYTES {
        *block = vec![0; BLOCK_BYTES];
    }
    let mut chunks = Chunks {
        file: &file,
        pos: range.start,
        end: range.end,
        buf: block,
        lo: 0,
        hi: 0,
    };
    let plain_delimiter = src.delimiter.is_ascii();
    loop {
        let (offset, chunk) = match chunks.next() {
            Ok(Some(next)) => next,
            Ok(None) => break,
            Err(e) => return Err(plan.io_error("cannot read", e)),
        };
        if ctx.is_cancelled() {
            break;
        }
        if !plain_delimiter || needs_csv_reader(chunk, src) {
            let rest = RangeReader {
                file: &file,
                pos: offset,
                end: range.end,
            };
            morsel.read_quoted::<_, R, F>(src.reader(rest), Some(offset), fields, record, emit)?;
            break;
        }
        let chunk_end = offset + chunk.len() as u64;
        morsel.read_plain::<R, F>(chunk, offset, fields, emit)?;
        morsel.report(chunk_end);
    }
    if !ctx.is_cancelled() {
        if let Some(stamp) = &plan.stamp {
            stamp.check_unchanged(path, &file)?;
        }
    }
    let header_bytes = if index == 0 { plan.data_start } else { 0 };
    let bytes = range.end - range.start + header_bytes;
    morsel.meter.update(morsel.records, bytes);
    ctx.record_source(label, morsel.records, morsel.skipped, bytes);
    Ok(())
}

/// Reads a file that is not a regular file (a FIFO, `/dev/stdin`, `-`), or a compressed file,
/// as one stream through the `csv` reader: it can be neither cut nor read twice. Its header
/// comes from the stream.
#[cold]
fn read_stream<R: CsvRecord, F: for<'de> FnMut(R::Record<'de>)>(
    reading: &Reading<'_>,
    plan: &FilePlan,
    bufs: &mut TaskBuffers,
    emit: &mut F,
) -> Result<()> {
    let Reading {
        ctx,
        label,
        meter,
        src,
    } = *reading;
    let file = files::open(&plan.path).map_err(|e| plan.io_error("cannot open", e))?;
    // Bytes read from the file so far: for a compressed file, how far the decompressor is.
    let read_bytes = Cell::new(0);
    // Several gzip members (zstd frames) in a row are one stream, as `gzip -d` (`zstd -d`) and
    // our sinks' parts make them.
    let input = plan
        .compression
        .decoder(Counted::new(&file, &read_bytes))
        .map_err(|e| plan.io_error("cannot read", e))?;
    let mut reader = src.reader(input);
    // The header lives only as long as this call: a later one may get its address.
    bufs.columns = ColumnCache::default();
    let first = &mut bufs.record;
    let read_error = |e: csv::Error| plan.io_error("cannot read", csv_io_error(e));
    let header: Option<Vec<String>> = match reader.read_byte_record(first).map_err(read_error)? {
        true if src.header => Some(
            first
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect(),
        ),
        _ => None,
    };
    let mut morsel = Morsel {
        ctx,
        src,
        plan,
        file: &file,
        label,
        columns: &mut bufs.columns,
        header: header.as_deref(),
        expected_fields: (!first.is_empty()).then_some(first.len()),
        stream_line: None,
        stream_bytes: 0,
        records: 0,
        skipped: 0,
        range_start: 0,
        read_bytes: Some(&read_bytes),
        meter: meter.morsel(),
    };
    if header.is_none() && !first.is_empty() {
        // Without a header the first record is data.
        let first = first.clone();
        morsel.deliver_csv_record::<R, F>(&first, None, &mut bufs.fields, emit)?;
    }
    morsel.read_quoted::<_, R, F>(reader, None, &mut bufs.fields, &mut bufs.record, emit)?;
    if !ctx.is_cancelled() {
        if let Some(stamp) = &plan.stamp {
            stamp.check_unchanged(&plan.path, &file)?;
        }
    }
    let (records, skipped) = (morsel.records, morsel.skipped);
    // Of a compressed file, its (compressed) length; of a stream, what it held.
    let bytes = match plan.stamp {
        Some(stamp) => stamp.len,
        None => morsel.stream_bytes,
    };
    morsel.meter.update(records, read_bytes.get());
    ctx.record_source(label, records, skipped, bytes);
    Ok(())
}

/// A `csv` reading error as an I/O error: with byte records and flexible lengths, reading can
/// only fail in I/O.
fn csv_io_error(error: csv::Error) -> io::Error {
    match error.into_kind() {
        csv::ErrorKind::Io(source) => source,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// Whether a chunk needs the `csv` reader: it holds a quote, or a `\r` that does not end a
/// line (the `csv` crate ends a record there).
fn needs_csv_reader(chunk: &[u8], src: &CsvSource) -> bool {
    (src.quoting && memchr(src.quote, chunk).is_some())
        || memchr_iter(b'\r', chunk).any(|i| chunk.get(i + 1) != Some(&b'\n'))
}

/// One morsel's reading: where its records go and what it counted.
struct Morsel<'a> {
    ctx: &'a Context,
    src: &'a CsvSource,
    plan: &'a FilePlan,
    file: &'a File,
    label: &'a str,
    columns: &'a mut ColumnCache,
    /// The file's header, when it has one.
    header: Option<&'a [String]>,
    /// The field count of the file's first record, which every record must have.
    expected_fields: Option<usize>,
    /// For a stream, which cannot be re-read to count lines: the line of the current record.
    stream_line: Option<u64>,
    /// Bytes a stream has been read up to.
    stream_bytes: u64,
    records: u64,
    skipped: u64,
    /// File offset of the morsel's first byte.
    range_start: u64,
    /// For a stream, the bytes read from its file so far (compressed bytes of a compressed
    /// file); a range counts the bytes it has passed.
    read_bytes: Option<&'a Cell<u64>>,
    /// Where the morsel's progress goes.
    meter: MorselMeter<'a>,
}

impl Morsel<'_> {
    /// Reports the records so far and the bytes read up to file offset `position` (of a
    /// stream, the bytes its reader counted) to the progress meter.
    #[inline]
    fn report(&mut self, position: u64) {
        let bytes = match self.read_bytes {
            Some(read) => read.get(),
            None => position.saturating_sub(self.range_start),
        };
        self.meter.update(self.records, bytes);
    }

    /// The records of a chunk of whole lines without quotes, at file offset `offset`.
    #[inline]
    fn read_plain<R: CsvRecord, F: for<'de> FnMut(R::Record<'de>)>(
        &mut self,
        chunk: &[u8],
        offset: u64,
        fields: &mut Vec<(u32, u32)>,
        emit: &mut F,
    ) -> Result<()> {
        // One check for the chunk; its lines, cut next to ASCII bytes, are then valid too.
        let text = std::str::from_utf8(chunk).ok();
        let delimiter = self.src.delimiter;
        let mut pos = 0;
        while pos < chunk.len() {
            let (stop, next) = line_end(chunk, pos);
            // The `csv` reader skips empty lines.
            if stop > pos {
                let line = &chunk[pos..stop];
                // Only the fields the record type reads are cut out (all of them until a
                // first record has told which); the others are counted.
                let leading = self.columns.leading().unwrap_or(usize::MAX);
                let count = split_fields(line, delimiter, fields, leading);
                let record = Record {
                    bytes: line,
                    text: text.and_then(|t| t.get(pos..stop)),
                    fields,
                    count,
                    delimiter,
                };
                self.deliver::<R, F>(record, offset + pos as u64, emit)?;
            }
            pos = next;
        }
        Ok(())
    }

    /// The records `reader` reads, through the `csv` crate, which handles quotes. `base` is the
    /// file offset the reader starts at, or `None` for a stream.
    #[cold]
    fn read_quoted<Rd: Read, R: CsvRecord, F: for<'de> FnMut(R::Record<'de>)>(
        &mut self,
        mut reader: csv::Reader<Rd>,
        base: Option<u64>,
        fields: &mut Vec<(u32, u32)>,
        record: &mut ByteRecord,
        emit: &mut F,
    ) -> Result<()> {
        for n in 0u64.. {
            if n % CANCEL_CHECK_RECORDS == 0 {
                if self.ctx.is_cancelled() {
                    break;
                }
                self.report(base.unwrap_or(0) + reader.position().byte());
            }
            let read = reader.read_byte_record(record);
            if !read.map_err(|e| self.plan.io_error("cannot read", csv_io_error(e)))? {
                break;
            }
            self.deliver_csv_record::<R, F>(record, base, fields, emit)?;
        }
        self.stream_bytes = reader.position().byte();
        Ok(())
    }

    /// Passes on a record the `csv` reader read (see [`Self::read_quoted`] for `base`).
    fn deliver_csv_record<R: CsvRecord, F: for<'de> FnMut(R::Record<'de>)>(
        &mut self,
        record: &ByteRecord,
        base: Option<u64>,
        fields: &mut Vec<(u32, u32)>,
        emit: &mut F,
    ) -> Result<()> {
        fields.clear();
        fields.extend((0..record.len()).map(|i| {
            let r = record.range(i).expect("a field of the record");
            (r.start as u32, r.end as u32)
        }));
        let position = record.position();
        let at = match base {
            Some(base) => base + position.map_or(0, |p| p.byte()),
            None => {
                self.stream_line = position.map(|p| p.line());
                0
            }
        };
        let bytes = record.as_slice();
        let parsed = Record {
            bytes,
            text: std::str::from_utf8(bytes).ok(),
            count: fields.len(),
            fields,
            delimiter: self.src.delimiter,
        };
        self.deliver::<R, F>(parsed, at, emit)
    }

    /// Deserializes a record read from file offset `at` and passes it on, or handles it as bad.
    #[inline]
    fn deliver<'r, R: CsvRecord, F: for<'de> FnMut(R::Record<'de>)>(
        &mut self,
        record: Record<'r>,
        at: u64,
        emit: &mut F,
    ) -> Result<()> {
        let len = record.count;
        let result = match self.expected_fields {
            Some(expected) if len != expected => Err(DeError {
                field: None,
                message: format!("found {len} fields, but the first record has {expected}"),
            }),
            _ => de::from_record::<R::Record<'r>>(record, self.header, self.columns),
        };
        match result {
            Ok(value) => {
                emit(value);
                self.records += 1;
                Ok(())
            }
            Err(error) => self.bad_record(record, at, error),
        }
    }

    /// Fails under [`BadRecordPolicy::Fail`]; under `Skip`, counts the record and keeps a
    /// sample naming its line.
    #[cold]
    fn bad_record(&mut self, record: Record<'_>, at: u64, error: DeError) -> Result<()> {
        let error = self.describe(record, at, error)?;
        if self.src.policy == BadRecordPolicy::Fail {
            return Err(error);
        }
        self.skipped += 1;
        if self.skipped <= SAMPLES_PER_MORSEL {
            self.ctx
                .record_skipped_sample(self.label, error.to_string());
        }
        Ok(())
    }

    /// The [`Error::BadRecord`] for a record read from offset `at`.
    #[cold]
    fn describe(&self, record: Record<'_>, at: u64, error: DeError) -> Result<Error> {
        let plan = self.plan;
        let io = |e| plan.io_error("cannot read", e);
        let line = match self.stream_line {
            Some(line) => line,
            None => plan
                .line_at(self.file, record_start(self.file, at).map_err(io)?)
                .map_err(io)?,
        };
        Ok(Error::BadRecord {
            path: plan.path.clone(),
            line,
            field: error.field.map(|i| field_name(self.header, i)),
            message: error.message,
            text: raw_text(record, self.src.delimiter),
        })
    }
}

/// The header's name for the 0-based field `index`, or else its 1-based number.
fn field_name(header: Option<&[String]>, index: usize) -> String {
    match header.and_then(|h| h.get(index)) {
        Some(name) if !name.is_empty() => name.clone(),
        _ => (index + 1).to_string(),
    }
}

/// Where the record read from `at` starts: the `csv` reader reports the position where it began
/// reading, which lies before the blank lines it skipped and, after a CRLF, before the `\n`.
#[cold]
fn record_start(file: &File, at: u64) -> io::Result<u64> {
    let mut buf = [0; 4096];
    let mut offset = at;
    loop {
        let n = file.read_at(&mut buf, offset)?;
        let run = buf[..n].iter().take_while(|&&b| b == b'\r' || b == b'\n');
        let run = run.count();
        offset += run as u64;
        if run < n || n == 0 {
            return Ok(offset);
        }
    }
}

/// The record's fields joined by the delimiter (quotes already removed), shortened for display.
fn raw_text(record: Record<'_>, delimiter: u8) -> String {
    let mut all = Vec::new();
    let fields = if record.fields.len() < record.count {
        // Only the leading fields were cut out: cut them all.
        split_fields(record.bytes, record.delimiter, &mut all, usize::MAX);
        &all
    } else {
        record.fields
    };
    let mut raw = Vec::with_capacity(record.bytes.len() + fields.len());
    for (i, &(start, end)) in fields.iter().enumerate() {
        if i > 0 {
            raw.push(delimiter);
        }
        raw.extend_from_slice(&record.bytes[start as usize..end as usize]);
    }
    shorten(&String::from_utf8_lossy(&raw), SHOWN_BYTES)
}

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

/// Reads the byte range `pos..end` of a file with positioned reads.
struct RangeReader<'f> {
    file: &'f File,
    pos: u64,
    end: u64,
}

impl Read for RangeReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = (self.end - self.pos).min(buf.len() as u64) as usize;
        let n = self.file.read_at(&mut buf[..want], self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// Reads the byte range `pos..end` of a file in blocks into a task's buffer and hands it out in
/// runs of whole lines; `buf[lo..hi]` holds what is not handed out yet.
struct Chunks<'a> {
    file: &'a File,
    /// File offset of `buf[hi]`.
    pos: u64,
    end: u64,
    buf: &'a mut Vec<u8>,
    lo: usize,
    hi: usize,
}

impl Chunks<'_> {
    /// The complete lines now in the buffer and their file offset, reading more (and growing
    /// the buffer for a long line) until there is one; at the range's end, the rest.
    fn next(&mut self) -> io::Result<Option<(u64, &[u8])>> {
        let mut scanned = self.lo;
        loop {
            let stop = match memrchr(b'\n', &self.buf[scanned..self.hi]) {
                Some(i) => scanned + i + 1,
                None if self.pos == self.end && self.lo < self.hi => self.hi,
                None if self.pos == self.end => return Ok(None),
                None => {
                    let filled = self.hi;
                    scanned = filled - self.fill()?;
                    continue;
                }
            };
            let start = self.lo;
            self.lo = stop;
            let offset = self.pos - (self.hi - start) as u64;
            return Ok(Some((offset, &self.buf[start..stop])));
        }
    }

    /// Reads the next block: moves the unfinished line to the front of the buffer first, and
    /// doubles the buffer when that line fills it. Returns by how much the data moved.
    fn fill(&mut self) -> io::Result<usize> {
        let shift = self.lo;
        if shift > 0 {
            self.buf.copy_within(self.lo..self.hi, 0);
            self.hi -= shift;
            self.lo = 0;
        }
        if self.hi == self.buf.len() {
            let len = self.buf.len() * 2;
            self.buf.resize(len, 0);
        }
        let want = ((self.end - self.pos) as usize).min(self.buf.len() - self.hi);
        let n = loop {
            match self
                .file
                .read_at(&mut self.buf[self.hi..self.hi + want], self.pos)
            {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        if n == 0 {
            // The file is shorter than when the job planned it.
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file changed while the job read it (it ended before the length the job listed); the result would be partial",
            ));
        }
        self.hi += n;
        self.pos += n as u64;
        Ok(shift)
    }
}
