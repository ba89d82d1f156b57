//! The commit protocol shared by the file sinks ([`text`](super::text), [`csv`](super::csv)).
//!
//! 1. **Parts.** Every task writes its records to a part file of its own, so that tasks never
//!    contend for one file. Part files are hidden, uniquely named files
//!    (`.NAME.dataflow-tmp-PID-N`) beside the destination: the final rename then stays on one
//!    filesystem, and a reader listing the directory sees no half-written output under the real
//!    name. A `.gz` (`.zst`) destination gets gzip (zstd) parts: each task compresses its own.
//! 2. **Staging.** When the sink's stage has succeeded, [`Destination::stage`] joins the parts,
//!    in input order, into the first part: the others are appended to it one by one, each deleted
//!    as soon as it is appended, so the join never holds two copies of the output; a single part
//!    is the staged output as it is. The staged output is registered with the job's [`Context`].
//! 3. **Commit.** Only when the whole job has succeeded (every stage, every sink) does
//!    [`Context::commit_outputs`] commit them, all or nothing as far as the filesystem allows:
//!    first it checks every destination (none may be a directory or have changed kind), then it
//!    renames each staged output onto its destination, which replaces an existing file in one
//!    step. A failure before the first rename leaves every old output as it was; a failure
//!    after it is [`Error::PartialCommit`], which lists the outputs replaced and those not.
//!
//! A job that fails never commits: its parts and staged outputs are dropped, and dropping them
//! deletes their files, so a failed job leaves neither output nor temporary files, and existing
//! destinations keep their old contents. Temporary files of a killed process are deleted by the
//! next job that commits the same destination, once their process id no longer runs.
//!
//! A destination that exists and is not a regular file (a FIFO, `/dev/null`, `/dev/stdout`) is
//! written through instead, at commit, and never renamed onto (the rules are in `target.rs`);
//! so is `-`, the process's standard output.
//! With `sync`, the staged output is flushed to disk (`fsync`) before the rename, and the
//! directory after it, so that a crash cannot leave the destination empty or half-written.

mod commit;
mod part;
pub(crate) mod target;

pub(crate) use commit::{commit_all, StagedOutput};
pub use part::{PartEncoder, PartFile, PART_BUFFER_BYTES};

use crate::compression::Compression;
use crate::error::{Error, Result};
use crate::guard::OpInfo;
use crate::job::Context;
use part::TempPath;
use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use target::Placement;

/// The action reported for every failure to produce the output; the path is the destination's,
/// the one the user knows, rather than that of a temporary file.
const CANNOT_WRITE: &str = "cannot write";

/// The file a sink writes, and where its temporary files go. Cheap to clone: tasks share it.
#[derive(Clone, Debug)]
pub struct Destination {
    spec: Arc<Spec>,
}

#[derive(Clone, Debug)]
struct Spec {
    /// The destination as the user gave it.
    path: PathBuf,
    placement: Placement,
    /// A `.gz` or `.zst` destination is written compressed.
    compression: Compression,
    /// Flush to disk before reporting success.
    sync: bool,
    /// The sink in the user's pipeline, named by errors; none outside `pipeline!`.
    operator: Option<&'static OpInfo>,
}

impl Destination {
    /// The destination `path`. Nothing is created until a record is written or the sink is
    /// staged; a path ending in `.gz` (`.zst`), in any case, is written gzip- (zstd-)
    /// compressed. `-` is standard output, written through when the job succeeds.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let compression = Compression::of(&path);
        Destination {
            spec: Arc::new(Spec {
                placement: Placement::of(&path),
                path,
                compression,
                sync: false,
                operator: None,
            }),
        }
    }

    /// Names `op` in the errors of this destination (set by `pipeline!`, before any part).
    pub fn with_operator(mut self, op: &'static OpInfo) -> Self {
        Arc::make_mut(&mut self.spec).operator = Some(op);
        self
    }

    /// Whether to flush the output and its directory to disk before the job reports success.
    pub fn with_sync(mut self, sync: bool) -> Self {
        Arc::make_mut(&mut self.spec).sync = sync;
        self
    }

    /// The destination path.
    pub fn path(&self) -> &Path {
        &self.spec.path
    }

    /// The sink's operator, if [set](Self::with_operator).
    pub fn operator(&self) -> Option<&'static OpInfo> {
        self.spec.operator
    }

    /// A new, empty part for one task. Its file is created when the first record is written.
    pub fn part(&self) -> PartFile {
        PartFile::new(self.clone())
    }

    fn spec(&self) -> &Spec {
        &self.spec
    }

    /// Joins `parts`, in order, into the staged output and registers it with `ctx`, which commits
    /// it when the whole job has succeeded ([`Context::commit_outputs`]); records the count
    /// under `label` in the job's metrics and returns it.
    ///
    /// A part that begins with a header ([`PartFile::write_header`]) keeps it only if it is the
    /// first part with a file; with no records at all the output is an empty file. On failure
    /// every temporary file is removed.
    pub fn stage(&self, ctx: &Context, label: &str, parts: Vec<PartFile>) -> Result<u64> {
        let records = parts.iter().map(PartFile::records).sum();
        let staged = self.join(parts).map_err(|e| self.error(CANNOT_WRITE, e))?;
        ctx.stage_output(StagedOutput::new(self.clone(), staged));
        ctx.record_sink(label, records);
        Ok(records)
    }

    /// Stages an output written whole rather than joined from parts (a Parquet file, whose
    /// footer indexes all of it): `write` fills a new temporary file beside the destination,
    /// which is then staged and committed like joined parts. `records` is what it holds. Not
    /// compressed by extension: such a format compresses inside.
    #[cfg(feature = "parquet")]
    pub(crate) fn stage_whole(
        &self,
        ctx: &Context,
        label: &str,
        records: u64,
        write: impl FnOnce(&mut File) -> io::Result<()>,
    ) -> Result<u64> {
        let staged = (|| {
            let (mut file, path) = self.create_temp()?;
            write(&mut file)?;
            if self.spec.sync {
                file.sync_all()?;
            }
            Ok(path)
        })()
        .map_err(|e| self.error(CANNOT_WRITE, e))?;
        ctx.stage_output(StagedOutput::new(self.clone(), staged));
        ctx.record_sink(label, records);
        Ok(records)
    }

    /// Appends the parts after the first to it, deleting each once appended; returns the result.
    fn join(&self, parts: Vec<PartFile>) -> io::Result<TempPath> {
        let mut finished = Vec::with_capacity(parts.len());
        for part in parts {
            debug_assert!(
                Arc::ptr_eq(&part.destination().spec, &self.spec),
                "a part of another destination"
            );
            // On failure, the parts not yet finished and those finished are dropped: deleted.
            finished.extend(part.finish()?);
        }
        let mut finished = finished.into_iter();
        let (mut out, path) = match finished.next() {
            Some(first) => (first.file, first.path),
            None => self.empty_output()?,
        };
        for mut part in finished {
            part.file.seek(SeekFrom::Start(part.header_len))?;
            // File to file, so that the kernel moves the bytes (`copy_file_range` on Linux).
            io::copy(&mut part.file, &mut out)?;
            // Its bytes are in the output now: deleted at once, so no two copies are ever kept.
            drop(part);
        }
        if self.spec.sync {
            out.sync_all()?;
        }
        // Closed before the rename, which some platforms refuse on an open file.
        drop(out);
        Ok(path)
    }

    /// The output of a sink without records: an empty file (for `.gz` and `.zst`, an empty
    /// member or frame, which decompresses to nothing).
    fn empty_output(&self) -> io::Result<(File, TempPath)> {
        let (file, path) = self.create_temp()?;
        let file = self.spec.compression.encoder(file)?.finish()?;
        Ok((file, path))
    }

    /// Creates a new hidden file for this destination, readable too (parts are read back through
    /// the same handle when joined).
    fn create_temp(&self) -> io::Result<(File, TempPath)> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let pid = std::process::id();
        let placement = &self.spec.placement;
        loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path = placement
                .temp_dir
                .join(target::temp_name(&placement.name, pid, n));
            match OpenOptions::new()
                .read(true)
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

    /// The error for `action` failing on this destination: it names the destination, and the
    /// sink's operator when there is one.
    fn error(&self, action: &'static str, source: io::Error) -> Error {
        let path = self.path().to_path_buf();
        match self.spec.operator {
            Some(op) => Error::Write {
                operator: op.name,
                file: op.file,
                line: op.line,
                column: op.column,
                action,
                path,
                source,
            },
            None => Error::Io {
                action,
                path,
                source,
            },
        }
    }
}

#[cfg(test)]
mod tests;
