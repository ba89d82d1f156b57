//! The job's last step: every file output it staged, committed all or nothing.

use super::part::TempPath;
use super::target::{self, Target};
use super::{Destination, CANNOT_WRITE};
use crate::error::{Error, Result};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::PathBuf;

/// A sink's whole output, joined into one temporary file, waiting for the job to succeed.
/// Dropped uncommitted (the job failed), it deletes the file.
#[derive(Debug)]
pub(crate) struct StagedOutput {
    destination: Destination,
    staged: TempPath,
}

impl StagedOutput {
    pub(super) fn new(destination: Destination, staged: TempPath) -> Self {
        StagedOutput {
            destination,
            staged,
        }
    }

    /// What the destination is now. Staged beside a regular file, the output cannot be written
    /// through, and the other way round: a destination that changed kind while the job ran fails.
    fn check(&self) -> Result<Target> {
        let dest = &self.destination;
        let now = target::check(dest.path()).map_err(|e| dest.error(CANNOT_WRITE, e))?;
        if now != dest.spec.placement.target {
            return Err(dest.error(
                CANNOT_WRITE,
                io::Error::other(
                    "it was replaced by another kind of file (regular or special) while the job ran",
                ),
            ));
        }
        Ok(now)
    }

    /// Puts the output in place: renamed onto the destination, or written through it.
    fn commit(self, target: Target) -> Result<()> {
        let dest = &self.destination;
        let placement = &dest.spec.placement;
        match target {
            Target::Replace => {
                fs::rename(self.staged.path(), &placement.final_path)
                    .map_err(|e| dest.error("cannot replace", e))?;
                self.staged.keep();
            }
            Target::WriteThrough => {
                // Appending: a regular file behind `/dev/stdout` keeps what came before. FIFOs
                // and devices ignore it.
                let copy = || -> io::Result<()> {
                    let mut staged = File::open(self.staged.path())?;
                    if target::is_stdout(dest.path()) {
                        // Through the process's own handle, whatever descriptor 1 is (a pipe, a
                        // terminal, a file, a socket), under its lock, so that no other thread's
                        // output lands inside it.
                        return crate::progress::with_line_cleared(|| {
                            let mut out = io::stdout().lock();
                            io::copy(&mut staged, &mut out)?;
                            out.flush()
                        });
                    }
                    let mut out = OpenOptions::new().append(true).open(dest.path())?;
                    io::copy(&mut staged, &mut out)?;
                    Ok(())
                };
                copy().map_err(|e| dest.error(CANNOT_WRITE, e))?;
                // `self.staged` goes out of scope here and deletes the staged copy.
            }
        }
        target::remove_stale_temporaries(&placement.temp_dir, &placement.name);
        Ok(())
    }
}

/// Commits `outputs`, in order: checks every destination, then writes through those that are
/// special files (nothing can undo that, and a reader may fail it halfway, so they go first),
/// then renames the others onto theirs. A failure before the first output is committed leaves
/// every destination as it was (except that a special file that failed while written through may
/// have received part of its output) and is returned as it is; a later one is
/// [`Error::PartialCommit`], naming the outputs committed and those not.
pub(crate) fn commit_all(outputs: Vec<StagedOutput>) -> Result<()> {
    let targets = outputs
        .iter()
        .map(StagedOutput::check)
        .collect::<Result<Vec<Target>>>()?;
    check_no_file_written_twice(&outputs, &targets)?;
    let mut order: Vec<(StagedOutput, Target)> = outputs.into_iter().zip(targets).collect();
    // A stable sort: written-through outputs first, each group in the order the sinks finished.
    order.sort_by_key(|(_, target)| *target == Target::Replace);
    let paths: Vec<PathBuf> = order
        .iter()
        .map(|(out, _)| out.destination.path().to_path_buf())
        .collect();
    let partial = |done: usize, source: Error| Error::PartialCommit {
        committed: paths[..done].to_vec(),
        uncommitted: paths[done..].to_vec(),
        source: Box::new(source),
    };
    let mut committed = Vec::new();
    for (done, (out, target)) in order.into_iter().enumerate() {
        let destination = out.destination.clone();
        match out.commit(target) {
            Ok(()) => committed.push((destination, target)),
            Err(e) if done == 0 => return Err(e),
            Err(e) => return Err(partial(done, e)),
        }
    }
    // Every output is in place; flushing the directories makes that durable.
    for (destination, target) in &committed {
        sync_directory(destination, *target).map_err(|e| partial(paths.len(), e))?;
    }
    Ok(())
}

/// Two sinks of one job renaming onto the same file would leave only the last one's output.
fn check_no_file_written_twice(outputs: &[StagedOutput], targets: &[Target]) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for (out, target) in outputs.iter().zip(targets) {
        let dest = &out.destination;
        if *target == Target::Replace && !seen.insert(&dest.spec.placement.final_path) {
            return Err(dest.error(
                CANNOT_WRITE,
                io::Error::other("another sink of the same job writes this file too"),
            ));
        }
    }
    Ok(())
}

/// With `sync`, makes a rename durable: the directory entry is flushed too.
fn sync_directory(dest: &Destination, target: Target) -> Result<()> {
    if !dest.spec.sync || target != Target::Replace {
        return Ok(());
    }
    let dir = target::parent_of(&dest.spec.placement.final_path);
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| dest.error("cannot sync the directory of", e))
}
