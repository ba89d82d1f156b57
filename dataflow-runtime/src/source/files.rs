//! Turns what the user names as input (a file, a directory or a glob) into a sorted file list.
//!
//! The list is sorted so that a job reads its files, and hands out their records, in the same
//! order on every run and at every parallelism.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// Expands `pattern` into the files to read, in order.
///
/// * a path to a file: that file;
/// * a directory: the regular files directly in it, hidden (dot) files left out, sorted by name;
/// * a pattern containing `*`, `?` or `[`: the files it matches, sorted. As in a shell, a
///   wildcard does not match a leading `.` of a name, so hidden files need an explicit `.`.
///
/// Fails with [`Error::NoInput`] when nothing matches, [`Error::BadPattern`] for a malformed
/// glob and [`Error::Io`] ("cannot open") for a path that does not exist.
pub fn expand(pattern: &str) -> Result<Vec<PathBuf>> {
    let files = if pattern.contains(['*', '?', '[']) {
        glob_files(pattern)?
    } else {
        let path = Path::new(pattern);
        let meta = std::fs::metadata(path).map_err(|source| Error::Io {
            action: "cannot open",
            path: path.to_path_buf(),
            source,
        })?;
        if meta.is_dir() {
            dir_files(path)?
        } else {
            vec![path.to_path_buf()]
        }
    };
    if files.is_empty() {
        return Err(Error::NoInput {
            pattern: pattern.to_string(),
        });
    }
    Ok(files)
}

fn glob_files(pattern: &str) -> Result<Vec<PathBuf>> {
    // Hidden files are skipped as a shell does, unless the pattern names them with a leading
    // dot. The glob crate's own `require_literal_leading_dot` drops dot-files even then, so the
    // rule is applied here, per path component.
    let options = glob::MatchOptions::new();
    let explicit_dots: Vec<bool> = Path::new(pattern)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().starts_with('.'))
        .collect();
    let paths = glob::glob_with(pattern, options).map_err(|e| Error::BadPattern {
        pattern: pattern.to_string(),
        message: e.to_string(),
    })?;
    let mut files = Vec::new();
    for entry in paths {
        // An unreadable directory met while matching is an error, not a silent gap in the input.
        let path = entry.map_err(|e| Error::Io {
            action: "cannot read",
            path: e.path().to_path_buf(),
            source: e.into(),
        })?;
        if path.is_file() && !hidden_without_asking(&path, &explicit_dots) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Whether `path` has a hidden component (`.name`) where the pattern's component did not start
/// with a dot. Components are compared from the end, where the pattern's wildcards are.
fn hidden_without_asking(path: &Path, explicit_dots: &[bool]) -> bool {
    let names: Vec<bool> = path
        .components()
        .map(|c| {
            let name = c.as_os_str().to_string_lossy();
            name.starts_with('.') && name != "." && name != ".."
        })
        .collect();
    names
        .iter()
        .rev()
        .zip(explicit_dots.iter().rev())
        .any(|(&hidden, &asked)| hidden && !asked)
}

fn dir_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let read_error = |source| Error::Io {
        action: "cannot read",
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_error)? {
        let entry = entry.map_err(read_error)?;
        if entry.file_name().as_encoded_bytes().starts_with(b".") {
            continue;
        }
        let path = entry.path();
        // `is_file` follows symbolic links, so a link to a file counts as a file.
        if path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn names(files: &[PathBuf]) -> Vec<String> {
        files
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    }

    fn sample_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.txt", "a.txt", "c.csv", ".hidden.txt"] {
            fs::write(dir.path().join(name), "x\n").unwrap();
        }
        fs::create_dir(dir.path().join("sub.txt")).unwrap();
        fs::write(dir.path().join("sub.txt").join("inner.txt"), "y\n").unwrap();
        dir
    }

    #[test]
    fn a_file_expands_to_itself() {
        let dir = sample_dir();
        let path = dir.path().join("b.txt");
        assert_eq!(expand(path.to_str().unwrap()).unwrap(), vec![path]);
    }

    #[test]
    fn a_directory_lists_its_visible_files_sorted() {
        let dir = sample_dir();
        let files = expand(dir.path().to_str().unwrap()).unwrap();
        assert_eq!(names(&files), ["a.txt", "b.txt", "c.csv"]);
    }

    #[test]
    fn a_glob_matches_files_only_sorted() {
        let dir = sample_dir();
        let pattern = format!("{}/*.txt", dir.path().display());
        assert_eq!(names(&expand(&pattern).unwrap()), ["a.txt", "b.txt"]);
        let pattern = format!("{}/[ab].t?t", dir.path().display());
        assert_eq!(names(&expand(&pattern).unwrap()), ["a.txt", "b.txt"]);
        let pattern = format!("{}/*/*.txt", dir.path().display());
        assert_eq!(names(&expand(&pattern).unwrap()), ["inner.txt"]);
    }

    #[test]
    fn no_match_is_no_input() {
        let dir = sample_dir();
        let pattern = format!("{}/*.json", dir.path().display());
        let err = expand(&pattern).unwrap_err();
        assert!(
            matches!(&err, Error::NoInput { pattern: p } if *p == pattern),
            "{err}"
        );

        let empty = tempfile::tempdir().unwrap();
        let err = expand(empty.path().to_str().unwrap()).unwrap_err();
        assert!(matches!(err, Error::NoInput { .. }), "{err}");
    }

    #[test]
    fn a_malformed_glob_is_a_bad_pattern() {
        let err = expand("data/[a-").unwrap_err();
        assert!(matches!(err, Error::BadPattern { .. }), "{err}");
    }

    #[test]
    fn a_missing_path_cannot_be_opened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing.txt");
        let err = expand(path.to_str().unwrap()).unwrap_err();
        match &err {
            Error::Io {
                action,
                path: p,
                source,
            } => {
                assert_eq!(*action, "cannot open");
                assert_eq!(*p, path);
                assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            }
            other => panic!("unexpected error {other}"),
        }
        assert!(err.to_string().contains("missing.txt"), "{err}");
    }
}
