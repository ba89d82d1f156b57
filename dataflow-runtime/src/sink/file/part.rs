//! One task's share of a file sink's output: a hidden temporary file of its own.

use super::Destination;
use crate::compression::Encoder;
use crate::guard;
use std::fs::File;
use std::io::{self, BufWriter, Seek, Write};
use std::path::PathBuf;

/// Buffer size of a part file: large writes, few system calls.
pub const PART_BUFFER_BYTES: usize = 256 * 1024;

/// One task's share of a file sink's output: a temporary file, created on the first record (or
/// the header) and deleted when the part is dropped without being staged.
#[derive(Debug)]
pub struct PartFile {
    destination: Destination,
    open: Option<OpenPart>,
    records: u64,
}

#[derive(Debug)]
struct OpenPart {
    writer: BufWriter<PartEncoder>,
    path: TempPath,
    /// Bytes at the start of the file that only the first part keeps when the parts are joined:
    /// a CSV header (for a compressed output, a gzip member or zstd frame of its own).
    header_len: u64,
}

/// What a part's buffer writes to: the file, or a gzip or zstd encoder in front of it. Every
/// part of a compressed output is one or two complete gzip members or zstd frames, and members
/// (frames) joined end to end are a gzip (zstd) file, so parts compress in parallel and are
/// joined as they are (see [`crate::compression`]).
pub type PartEncoder = Encoder<File>;

/// A finished part: its file, complete, with the position at its end.
#[derive(Debug)]
pub(super) struct FinishedPart {
    pub file: File,
    pub path: TempPath,
    pub header_len: u64,
}

impl PartFile {
    pub(super) fn new(destination: Destination) -> Self {
        PartFile {
            destination,
            open: None,
            records: 0,
        }
    }

    /// Writes one record with `write`, which gets the part's buffered file, and counts it.
    ///
    /// Runs inside a stage's loop, which has no `Result` to return: a failure (the file cannot be
    /// created or written) stops the task through [`guard::fail`] with an error naming the
    /// destination and the sink's operator.
    #[inline]
    pub fn write_record(
        &mut self,
        write: impl FnOnce(&mut BufWriter<PartEncoder>) -> io::Result<()>,
    ) {
        let writer = match &mut self.open {
            Some(open) => &mut open.writer,
            None => self.open(),
        };
        if let Err(e) = write(writer) {
            self.fail(e);
        }
        self.records += 1;
    }

    /// Writes `header` at the start of the part, before any record: when the parts are joined,
    /// the first part's header heads the output and the others' are skipped.
    pub fn write_header(&mut self, header: &[u8]) {
        assert!(
            self.open.is_none(),
            "a part's header comes before its records"
        );
        self.open();
        if let Err(e) = self.end_header(header) {
            self.fail(e);
        }
    }

    fn end_header(&mut self, header: &[u8]) -> io::Result<()> {
        let open = self.open.as_mut().expect("just opened");
        open.writer.write_all(header)?;
        if !self.destination.spec().compression.is_compressed() {
            open.header_len = header.len() as u64;
            return Ok(());
        }
        // The header is a member (frame) of its own, so that the other parts' can be skipped whole.
        // (On failure the part's file goes with `path`, and the task fails.)
        let OpenPart { writer, path, .. } = self.open.take().expect("just opened");
        let mut file = writer
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?
            .finish()?;
        let header_len = file.stream_position()?;
        let encoder = self.destination.spec().compression.encoder(file)?;
        let writer = BufWriter::with_capacity(PART_BUFFER_BYTES, encoder);
        self.open = Some(OpenPart {
            writer,
            path,
            header_len,
        });
        Ok(())
    }

    /// The number of records written so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The destination this part belongs to.
    pub fn destination(&self) -> &Destination {
        &self.destination
    }

    /// Stops the task with `source` as a write error on the destination (see [`guard::fail`]).
    #[cold]
    pub fn fail(&self, source: io::Error) -> ! {
        guard::fail(self.destination.error(super::CANNOT_WRITE, source))
    }

    /// Flushes the part and ends its compression: `None` for a part that never opened a file.
    pub(super) fn finish(mut self) -> io::Result<Option<FinishedPart>> {
        let Some(OpenPart {
            writer,
            path,
            header_len,
        }) = self.open.take()
        else {
            return Ok(None);
        };
        let file = writer
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?
            .finish()?;
        Ok(Some(FinishedPart {
            file,
            path,
            header_len,
        }))
    }

    #[cold]
    #[inline(never)]
    fn open(&mut self) -> &mut BufWriter<PartEncoder> {
        let (file, path) = match self.destination.create_temp() {
            Ok(created) => created,
            Err(e) => self.fail(e),
        };
        let encoder = match self.destination.spec().compression.encoder(file) {
            Ok(encoder) => encoder,
            Err(e) => self.fail(e),
        };
        let writer = BufWriter::with_capacity(PART_BUFFER_BYTES, encoder);
        &mut self
            .open
            .insert(OpenPart {
                writer,
                path,
                header_len: 0,
            })
            .writer
    }
}

impl Drop for PartFile {
    /// An unstaged part: its buffered bytes are thrown away unwritten, its file deleted.
    fn drop(&mut self) {
        if let Some(OpenPart { writer, path, .. }) = self.open.take() {
            // `into_parts` rather than a plain drop, which would flush bytes nobody will read.
            let (encoder, _unwritten) = writer.into_parts();
            // Closed before the removal, which some platforms refuse on an open file.
            drop(encoder);
            drop(path);
        }
    }
}

/// A temporary file's path; dropping it deletes the file unless it has been [kept](Self::keep).
#[derive(Debug)]
pub(super) struct TempPath {
    path: PathBuf,
    delete: bool,
}

impl TempPath {
    pub fn new(path: PathBuf) -> Self {
        TempPath { path, delete: true }
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// The file has been renamed into place: nothing is left to delete.
    pub fn keep(mut self) {
        self.delete = false;
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if self.delete {
            // Nothing to do about a failure: the job has already failed, or its output is in place.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
