//! What a destination path is on disk, and what the sink does with it.
//!
//! A destination that does not exist, or is a regular file, is *replaced*: the output is staged
//! in a hidden file beside it and renamed onto it. A symbolic link to a regular file replaces the
//! file it points to, so the link stays. A destination that exists and is not a regular file (a
//! FIFO, a device such as `/dev/null`, a socket), and a link under `/dev` or any path under
//! `/proc` (so that `/dev/stdout` is written through even when the shell redirected it to a
//! file), is *written through*: opened for appending and written in place, never renamed onto.
//! So is `-`, the process's standard output, written to its descriptor. A directory is an error.

use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// How the output reaches a destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// Staged beside the file and renamed onto it.
    Replace,
    /// Written in place: the path stays what it is.
    WriteThrough,
}

/// Where the sink's files go: decided once, before any part is written.
#[derive(Clone, Debug)]
pub(crate) struct Placement {
    /// Replace or write through, as the path was when the sink was created.
    pub target: Target,
    /// The file renamed onto: the destination, or the file a symbolic link points to.
    pub final_path: PathBuf,
    /// Where part files and the staged output go: beside `final_path` (the rename stays on one
    /// filesystem), or the system's temporary directory for a written-through destination.
    pub temp_dir: PathBuf,
    /// The file name in every temporary name, so that a stray one says where it came from.
    pub name: OsString,
}

impl Placement {
    /// Looks at `path` without failing: a problem (a directory, no permission) is reported by
    /// [`check`] at commit, when the job knows which operator to name.
    pub fn of(path: &Path) -> Placement {
        let target = match check(path) {
            Ok(target) => target,
            Err(_) => Target::Replace,
        };
        let final_path = match target {
            Target::Replace => resolve_link(path),
            Target::WriteThrough => path.to_path_buf(),
        };
        let temp_dir = match target {
            Target::Replace => parent_of(&final_path),
            Target::WriteThrough => std::env::temp_dir(),
        };
        // A path without a file name (`/`, `out/..`) cannot be renamed onto; the rename reports
        // that, so any name will do for the temporary files until then.
        let name = match final_path.file_name() {
            _ if is_stdout(path) => OsString::from("stdout"),
            Some(name) => OsString::from(name),
            None => OsString::from("output"),
        };
        Placement {
            target,
            final_path,
            temp_dir,
            name,
        }
    }
}

/// Whether `path` is `-`, which names the process's standard output (it is written through).
pub(crate) fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// What `path` is now: the check made before any output is committed. A directory, or a path
/// that cannot be examined, is an error.
pub(crate) fn check(path: &Path) -> io::Result<Target> {
    if is_stdout(path) {
        return Ok(Target::WriteThrough);
    }
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        // Nothing there (or a dangling link, which the rename replaces): created.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Target::Replace),
        Err(e) => return Err(e),
    };
    if meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "it is a directory, and a file sink writes one file",
        ));
    }
    if !meta.is_file() || is_special_tree(path) {
        return Ok(Target::WriteThrough);
    }
    Ok(Target::Replace)
}

/// `/dev/stdout`, `/dev/fd/1`, `/proc/self/fd/1`: links to whatever the process has open, which
/// must be written, not replaced (renaming onto them would replace the link or the file the
/// shell opened, leaving the process's own descriptor on the old one). Under `/dev` only links
/// count: a regular file there, such as `/dev/shm/out.txt` on a tmpfs, is replaced like any other
/// (written through, it would be appended to on every run).
fn is_special_tree(path: &Path) -> bool {
    path.starts_with("/proc")
        || (path.starts_with("/dev")
            && fs::symlink_metadata(path).is_ok_and(|meta| meta.file_type().is_symlink()))
}

/// The file a symbolic link points to (so that the rename replaces it and keeps the link), or
/// `path` itself.
fn resolve_link(path: &Path) -> PathBuf {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

/// The directory of `path`, `.` for a bare file name.
pub(crate) fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The temporary name `n` of this process for a destination called `name`:
/// `.NAME.dataflow-tmp-PID-N`.
pub(crate) fn temp_name(name: &std::ffi::OsStr, pid: u32, n: u64) -> OsString {
    let mut temp = OsString::from(".");
    temp.push(name);
    temp.push(format!(".dataflow-tmp-{pid}-{n}"));
    temp
}

/// Deletes the temporary files for `name` in `dir` that a process no longer running left behind
/// (killed while it wrote). Files of live processes, this one included, are left alone; so is
/// everything when it cannot be told whether a process runs (no `/proc`). Best effort: a failure
/// changes nothing for the job.
pub(crate) fn remove_stale_temporaries(dir: &Path, name: &std::ffi::OsStr) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut prefix = OsString::from(".");
    prefix.push(name);
    prefix.push(".dataflow-tmp-");
    let Some(prefix) = prefix.to_str() else {
        return;
    };
    let own = std::process::id();
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(prefix))
            .and_then(pid_of_suffix)
        else {
            continue;
        };
        if pid != own && !Path::new("/proc").join(pid.to_string()).exists() {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// `PID-N` -> `PID`, for well-formed suffixes only.
fn pid_of_suffix(suffix: &str) -> Option<u32> {
    let (pid, n) = suffix.split_once('-')?;
    n.parse::<u64>().ok()?;
    pid.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_of_destination() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f.txt");
        assert_eq!(check(&file).unwrap(), Target::Replace);
        fs::write(&file, "x").unwrap();
        assert_eq!(check(&file).unwrap(), Target::Replace);
        let err = check(dir.path()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::IsADirectory);
        assert_eq!(check(Path::new("/dev/null")).unwrap(), Target::WriteThrough);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_to_a_file_replaces_the_file_and_keeps_the_link() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("real.txt");
        fs::write(&file, "x").unwrap();
        let link = dir.path().join("link.txt");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        let placement = Placement::of(&link);
        assert_eq!(placement.target, Target::Replace);
        assert_eq!(placement.final_path, fs::canonicalize(&file).unwrap());
    }

    #[test]
    fn stale_temporaries_of_dead_processes_only_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let name = std::ffi::OsStr::new("out.txt");
        // Process ids above the kernel's maximum (4194304) are never alive.
        let dead = dir.path().join(temp_name(name, 999_999_999, 3));
        let own = dir.path().join(temp_name(name, std::process::id(), 0));
        let other = dir
            .path()
            .join(temp_name(std::ffi::OsStr::new("b.txt"), 999_999_999, 0));
        let odd = dir.path().join(".out.txt.dataflow-tmp-x");
        for p in [&dead, &own, &other, &odd] {
            fs::write(p, "x").unwrap();
        }
        remove_stale_temporaries(dir.path(), name);
        assert!(!dead.exists());
        assert!(own.exists() && other.exists() && odd.exists());
    }
}
