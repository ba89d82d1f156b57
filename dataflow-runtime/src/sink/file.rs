//! The commit protocol shared by the file sinks ([`text`](super::text), [`csv`](super::csv)).
//!
//! Every task writes its records to a part file of its own, so that tasks never contend for one
//! file. Part files are hidden, uniquely named files in the destination's directory: the final
//! rename then stays on one filesystem, and a reader listing the directory sees no half-written
//! output under the real name. Only when the whole stage has succeeded does [`Destination::commit`]
//! join the parts, in input order, into one more temporary file and rename that onto the
//! destination, which replaces an existing file in one step.
//!
//! A job that fails never commits: its parts are dropped, and dropping a [`PartFile`] deletes its
//! file, so a failed job leaves neither output nor temporary files, and an existing destination
//! keeps its old contents.

use crate::error::{Error, Result};
use crate::guard;
use crate::job::Context;
use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Buffer size of a part file: large writes, few system calls.
pub const PART_BUFFER_BYTES: usize = 256 * 1024;

/// The action reported for every failure to produce the output; the path is the destination's,
/// the one the user knows, rather than that of a temporary file.
const CANNOT_WRITE: &str = "cannot write";

/// The file a sink writes, and where its temporary files go. Cheap to clone: tasks share it.
#[derive(Clone, Debug)]
pub struct Destination {
    inner: Arc<Paths>,
}

#[derive(Debug)]
struct Paths {
    /// The destination as the user gave it.
    path: PathBuf,
    /// Its directory, where the temporary files go.
    dir: PathBuf,
    /// Its file name, part of every temporary name so that a stray one says where it came from.
    name: OsString,
}

impl Destination {
    /// The destination `path`. Nothing is created until a record is written or the sink commits.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        // A path without a file name (`/`, `out/..`) cannot be renamed onto; the rename at commit
        // reports that, so any name will do for the temporary files until then.
        let name = path
            .file_name()
            .map(OsString::from)
            .unwrap_or_else(|| OsString::from("output"));
        Destination {
            inner: Arc::new(Paths { path, dir, name }),
        }
    }

    /// The destination path.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// A new, empty part for one task. Its file is created when the first record is written.
    pub fn part(&self) -> PartFile {
        PartFile {
            destination: self.clone(),
            open: None,
            records: 0,
        }
    }

    /// Joins `parts`, in order, after `header`, into the destination, replacing any file there;
    /// records the count under `label` in the job's metrics and returns it.
    ///
    /// With no records at all the destination becomes an empty file (the header is the caller's
    /// to leave out). On failure the destination is left as it was and every temporary file is
    /// removed.
    pub fn commit(
        &self,
        ctx: &Context,
        label: &str,
        header: Option<&[u8]>,
        parts: Vec<PartFile>,
    ) -> Result<u64> {
        let (mut out, out_path) = self.create_temp(false).map_err(|e| self.error(e))?;
        if let Some(header) = header {
            out.write_all(header).map_err(|e| self.error(e))?;
        }
        let mut records = 0;
        for mut part in parts {
            debug_assert!(
                Arc::ptr_eq(&part.destination.inner, &self.inner),
                "a part of another destination"
            );
            records += part.records;
            if let Some(OpenPart { writer, path }) = part.open.take() {
                self.append(&mut out, writer).map_err(|e| self.error(e))?;
                // The part's bytes are in the output now; `path` goes out of scope and deletes it.
                drop(path);
            }
        }
        // Closed before the rename, which some platforms refuse on an open file.
        drop(out);
        fs::rename(&out_path.path, self.path()).map_err(|source| Error::Io {
            action: "cannot replace",
            path: self.path().to_path_buf(),
            source,
        })?;
        out_path.keep();
        ctx.record_sink(label, records);
        Ok(records)
    }

    /// Copies a part's contents to the end of `out`. File to file, so that `io::copy` can let the
    /// kernel move the bytes (`copy_file_range` on Linux).
    fn append(&self, out: &mut File, writer: BufWriter<File>) -> io::Result<()> {
        let mut part = writer
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        part.seek(SeekFrom::Start(0))?;
        io::copy(&mut part, out)?;
        Ok(())
    }

    /// Creates a new hidden file next to the destination, readable too when `read` (parts are read
    /// back through the same handle at commit).
    fn create_temp(&self, read: bool) -> io::Result<(File, TempPath)> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let pid = std::process::id();
        loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let mut name = OsString::from(".");
            name.push(&self.inner.name);
            name.push(format!(".dataflow-tmp-{pid}-{n}"));
            let path = self.inner.dir.join(name);
            match OpenOptions::new()
                .read(read)
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(file) => return Ok((file, TempPath::new(path))),
                // Left behind by a crashed process that had the same id: take the next number.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    fn error(&self, source: io::Error) -> Error {
        Error::Io {
            action: CANNOT_WRITE,
            path: self.path().to_path_buf(),
            source,
        }
    }
}

/// One task's share of a file sink's output: a temporary file, created on the first record and
/// deleted when the part is dropped without being committed.
#[derive(Debug)]
pub struct PartFile {
    destination: Destination,
    open: Option<OpenPart>,
    records: u64,
}

#[derive(Debug)]
struct OpenPart {
    writer: BufWriter<File>,
    path: TempPath,
}

impl PartFile {
    /// Writes one record with `write`, which gets the part's buffered file, and counts it.
    ///
    /// Runs inside a stage's loop, which has no `Result` to return: a failure (the file cannot be
    /// created or written) stops the task through [`guard::fail`] with an [`Error::Io`] naming
    /// the destination.
    #[inline]
    pub fn write_record(&mut self, write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>) {
        let writer = match &mut self.open {
            Some(open) => &mut open.writer,
            None => self.open(),
        };
        if let Err(e) = write(writer) {
            self.fail(e);
        }
        self.records += 1;
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
        guard::fail(self.destination.error(source))
    }

    #[cold]
    #[inline(never)]
    fn open(&mut self) -> &mut BufWriter<File> {
        let (file, path) = match self.destination.create_temp(true) {
            Ok(created) => created,
            Err(e) => self.fail(e),
        };
        let writer = BufWriter::with_capacity(PART_BUFFER_BYTES, file);
        &mut self.open.insert(OpenPart { writer, path }).writer
    }
}

impl Drop for PartFile {
    /// An uncommitted part: its buffered bytes are thrown away unwritten, its file deleted.
    fn drop(&mut self) {
        if let Some(OpenPart { writer, path }) = self.open.take() {
            // `into_parts` rather than a plain drop, which would flush bytes nobody will read.
            let (file, _unwritten) = writer.into_parts();
            // Closed before the removal, which some platforms refuse on an open file.
            drop(file);
            drop(path);
        }
    }
}

/// A temporary file's path; dropping it deletes the file unless it has been [kept](Self::keep).
#[derive(Debug)]
struct TempPath {
    path: PathBuf,
    delete: bool,
}

impl TempPath {
    fn new(path: PathBuf) -> Self {
        TempPath { path, delete: true }
    }

    /// The file has been renamed into place: nothing is left to delete.
    fn keep(mut self) {
        self.delete = false;
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if self.delete {
            // Nothing to do about a failure: the job has already failed, or its output is in place.
            let _ = fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::test_support::names_in;

    fn write(part: &mut PartFile, text: &str) {
        part.write_record(|w| w.write_all(text.as_bytes()));
    }

    #[test]
    fn parts_are_joined_in_order_after_the_header() {
        let dir = tempfile::tempdir().unwrap();
        let dest = Destination::new(dir.path().join("out"));
        let mut parts: Vec<PartFile> = (0..4).map(|_| dest.part()).collect();
        // Written out of order, as parallel tasks would.
        write(&mut parts[3], "d\n");
        write(&mut parts[0], "a\n");
        write(&mut parts[2], "c\n");
        write(&mut parts[0], "b\n");
        let ctx = Context::new(2);
        let n = dest.commit(&ctx, "test", Some(b"h\n"), parts).unwrap();
        assert_eq!(n, 4);
        assert_eq!(fs::read_to_string(dest.path()).unwrap(), "h\na\nb\nc\nd\n");
        assert_eq!(names_in(dir.path()), ["out"]);
    }

    #[test]
    fn parts_are_created_on_the_first_record_and_deleted_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let dest = Destination::new(dir.path().join("out"));
        let mut part = dest.part();
        assert!(names_in(dir.path()).is_empty());
        write(&mut part, "x\n");
        let names = names_in(dir.path());
        assert_eq!(names.len(), 1);
        assert!(names[0].starts_with(".out.dataflow-tmp-"), "{names:?}");
        drop(part);
        assert!(names_in(dir.path()).is_empty());
    }

    #[test]
    fn a_relative_destination_has_its_temporary_files_in_the_current_directory() {
        let dest = Destination::new("out.txt");
        assert_eq!(dest.inner.dir, Path::new("."));
        assert_eq!(dest.inner.name, "out.txt");
    }
}
