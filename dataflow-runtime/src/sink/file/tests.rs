use super::*;
use crate::sink::test_support::names_in;
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt};

fn write(part: &mut PartFile, text: &str) {
    part.write_record(|w| w.write_all(text.as_bytes()));
}

/// Stages `parts` on a fresh context and commits it, as a job of one sink does.
fn stage_and_commit(dest: &Destination, parts: Vec<PartFile>) -> Result<u64> {
    let ctx = Context::new(2);
    let n = dest.stage(&ctx, "test", parts)?;
    ctx.commit_outputs()?;
    Ok(n)
}

/// The temporary files in `dir`.
fn temporaries(dir: &Path) -> Vec<String> {
    names_in(dir)
        .into_iter()
        .filter(|n| n.contains(".dataflow-tmp-"))
        .collect()
}

#[test]
fn parts_are_joined_in_order_under_the_first_header() {
    let dir = tempfile::tempdir().unwrap();
    let dest = Destination::new(dir.path().join("out"));
    let mut parts: Vec<PartFile> = (0..4).map(|_| dest.part()).collect();
    // Written out of order, as parallel tasks would; every part with records has the header.
    parts[3].write_header(b"h\n");
    write(&mut parts[3], "d\n");
    parts[0].write_header(b"h\n");
    write(&mut parts[0], "a\n");
    write(&mut parts[0], "b\n");
    parts[2].write_header(b"h\n");
    write(&mut parts[2], "c\n");
    assert_eq!(stage_and_commit(&dest, parts).unwrap(), 4);
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
    assert_eq!(dest.spec.placement.temp_dir, Path::new("."));
    assert_eq!(dest.spec.placement.name, "out.txt");
}

#[test]
fn a_single_part_is_renamed_into_place_not_copied() {
    let dir = tempfile::tempdir().unwrap();
    let dest = Destination::new(dir.path().join("out"));
    let mut part = dest.part();
    write(&mut part, "only\n");
    let temp = dir.path().join(&temporaries(dir.path())[0]);
    let inode = fs::metadata(&temp).unwrap().ino();
    stage_and_commit(&dest, vec![part]).unwrap();
    assert_eq!(fs::metadata(dest.path()).unwrap().ino(), inode);
    assert_eq!(fs::read_to_string(dest.path()).unwrap(), "only\n");
}

#[test]
fn several_parts_are_appended_to_the_first_and_deleted_as_they_go() {
    let dir = tempfile::tempdir().unwrap();
    let dest = Destination::new(dir.path().join("out"));
    let mut parts: Vec<PartFile> = (0..3).map(|_| dest.part()).collect();
    write(&mut parts[0], "a\n");
    let first = dir.path().join(&temporaries(dir.path())[0]);
    let inode = fs::metadata(&first).unwrap().ino();
    write(&mut parts[1], "b\n");
    write(&mut parts[2], "c\n");
    let ctx = Context::new(2);
    dest.stage(&ctx, "test", parts).unwrap();
    // Staged: one file, the first part's, holding everything.
    assert_eq!(temporaries(dir.path()).len(), 1);
    assert_eq!(fs::read_to_string(&first).unwrap(), "a\nb\nc\n");
    ctx.commit_outputs().unwrap();
    assert_eq!(fs::metadata(dest.path()).unwrap().ino(), inode);
    assert_eq!(names_in(dir.path()), ["out"]);
}

#[test]
fn a_staged_output_replaces_nothing_until_the_job_commits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out");
    fs::write(&path, "old\n").unwrap();
    let dest = Destination::new(&path);
    let mut part = dest.part();
    write(&mut part, "new\n");

    // Staged, then the job fails: the context goes without committing.
    let ctx = Context::new(2);
    assert_eq!(dest.stage(&ctx, "test", vec![part]).unwrap(), 1);
    assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");
    drop(ctx);
    assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");
    assert_eq!(names_in(dir.path()), ["out"]);

    let mut part = dest.part();
    write(&mut part, "new\n");
    stage_and_commit(&dest, vec![part]).unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
}

#[test]
fn a_destination_that_is_a_directory_fails_before_any_output_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.txt");
    let b = dir.path().join("b");
    let c = dir.path().join("c.txt");
    fs::write(&a, "old a\n").unwrap();
    fs::create_dir(&b).unwrap();
    fs::write(&c, "old c\n").unwrap();
    let ctx = Context::new(2);
    for path in [&a, &b, &c] {
        let dest = Destination::new(path);
        let mut part = dest.part();
        write(&mut part, "new\n");
        dest.stage(&ctx, "test", vec![part]).unwrap();
    }
    let err = ctx.commit_outputs().unwrap_err();
    assert!(
        matches!(&err, Error::Io { path, source, .. }
            if path == &b && source.kind() == io::ErrorKind::IsADirectory),
        "{err:?}"
    );
    assert!(err.to_string().contains(b.to_str().unwrap()), "{err}");
    assert_eq!(fs::read_to_string(&a).unwrap(), "old a\n");
    assert_eq!(fs::read_to_string(&c).unwrap(), "old c\n");
    assert!(b.is_dir());
    drop(ctx);
    assert_eq!(names_in(dir.path()), ["a.txt", "b", "c.txt"]);
}

#[test]
fn a_failure_between_renames_names_the_outputs_replaced_and_not() {
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<PathBuf> = ["a", "b", "c"].iter().map(|n| dir.path().join(n)).collect();
    for p in &paths {
        fs::write(p, "old\n").unwrap();
    }
    let ctx = Context::new(2);
    for path in &paths {
        let dest = Destination::new(path);
        let mut part = dest.part();
        write(&mut part, "new\n");
        dest.stage(&ctx, "test", vec![part]).unwrap();
    }
    // The staged output of `b` disappears under the job (a fault the checks cannot see).
    for name in temporaries(dir.path()) {
        if name.starts_with(".b.") {
            fs::remove_file(dir.path().join(name)).unwrap();
        }
    }
    let err = ctx.commit_outputs().unwrap_err();
    match &err {
        Error::PartialCommit {
            committed,
            uncommitted,
            source,
        } => {
            assert_eq!(committed, &paths[..1]);
            assert_eq!(uncommitted, &paths[1..]);
            assert!(
                matches!(&**source, Error::Io { path, .. } if path == &paths[1]),
                "{source:?}"
            );
        }
        other => panic!("unexpected error: {other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains("already replaced"), "{text}");
    assert_eq!(fs::read_to_string(&paths[0]).unwrap(), "new\n");
    assert_eq!(fs::read_to_string(&paths[2]).unwrap(), "old\n");
    drop(ctx);
    assert_eq!(names_in(dir.path()), ["a", "b", "c"]);
}

#[test]
fn a_link_to_a_file_stays_a_link_to_the_new_output() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.txt");
    let link = dir.path().join("link.txt");
    fs::write(&real, "old\n").unwrap();
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let dest = Destination::new(&link);
    let mut part = dest.part();
    write(&mut part, "new\n");
    stage_and_commit(&dest, vec![part]).unwrap();
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(fs::read_to_string(&real).unwrap(), "new\n");
    assert_eq!(names_in(dir.path()), ["link.txt", "real.txt"]);
}

#[test]
fn two_sinks_of_one_job_cannot_write_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out");
    fs::write(&path, "old\n").unwrap();
    let ctx = Context::new(2);
    for text in ["one\n", "two\n"] {
        let dest = Destination::new(&path);
        let mut part = dest.part();
        write(&mut part, text);
        dest.stage(&ctx, "test", vec![part]).unwrap();
    }
    let err = ctx.commit_outputs().unwrap_err();
    assert!(err.to_string().contains("another sink"), "{err}");
    assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");
    drop(ctx);
    assert_eq!(names_in(dir.path()), ["out"]);
}

#[test]
fn dev_null_is_written_through_and_stays_a_device() {
    let dest = Destination::new("/dev/null");
    let mut parts = vec![dest.part(), dest.part()];
    write(&mut parts[0], "a\n");
    write(&mut parts[1], "b\n");
    // Parts of a written-through destination go to the temporary directory, not to /dev.
    assert_eq!(dest.spec.placement.temp_dir, std::env::temp_dir());
    assert_eq!(stage_and_commit(&dest, parts).unwrap(), 2);
    assert!(fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
}

#[test]
fn a_fifo_is_written_through_to_its_reader() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.txt");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut text = String::new();
            fs::File::open(fifo)
                .unwrap()
                .read_to_string(&mut text)
                .unwrap();
            text
        })
    };
    let dest = Destination::new(&fifo);
    let mut parts = vec![dest.part(), dest.part()];
    write(&mut parts[1], "b\n");
    write(&mut parts[0], "a\n");
    stage_and_commit(&dest, parts).unwrap();
    assert_eq!(reader.join().unwrap(), "a\nb\n");
    assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(names_in(dir.path()), ["pipe.txt"]);
}

fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[test]
fn a_gz_destination_is_gzip_with_one_header() {
    let dir = tempfile::tempdir().unwrap();
    let dest = Destination::new(dir.path().join("out.csv.gz"));
    let mut parts: Vec<PartFile> = (0..3).map(|_| dest.part()).collect();
    for (i, part) in parts.iter_mut().enumerate().rev() {
        part.write_header(b"h\n");
        for j in 0..1000 {
            write(part, &format!("{}\n", i * 1000 + j));
        }
    }
    stage_and_commit(&dest, parts).unwrap();
    let bytes = fs::read(dest.path()).unwrap();
    assert_eq!(bytes[..2], [0x1f, 0x8b]);
    let expected: String = std::iter::once("h\n".to_string())
        .chain((0..3000).map(|i| format!("{i}\n")))
        .collect();
    assert_eq!(gunzip(&bytes), expected);

    // No records: an empty gzip stream, still readable.
    stage_and_commit(&dest, vec![dest.part()]).unwrap();
    let bytes = fs::read(dest.path()).unwrap();
    assert_eq!(bytes[..2], [0x1f, 0x8b]);
    assert_eq!(gunzip(&bytes), "");
    assert_eq!(names_in(dir.path()), ["out.csv.gz"]);
}

#[test]
fn temporaries_of_a_dead_process_are_removed_by_the_next_commit() {
    let dir = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::new("out.txt");
    // Process ids above the kernel's maximum (2^22) are never alive.
    let stale = dir.path().join(target::temp_name(name, 999_999_999, 7));
    fs::write(&stale, "left by a killed job").unwrap();
    let dest = Destination::new(dir.path().join("out.txt"));
    let mut part = dest.part();
    write(&mut part, "x\n");
    stage_and_commit(&dest, vec![part]).unwrap();
    assert_eq!(names_in(dir.path()), ["out.txt"]);
}

static SINK: OpInfo = OpInfo {
    name: "write_text",
    file: "src/main.rs",
    line: 4,
    column: 9,
};

#[test]
fn errors_name_the_operator_and_the_destination() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing").join("out.txt");
    let dest = Destination::new(&path).with_operator(&SINK);
    let err = crate::guard::catch_task(|| write(&mut dest.part(), "x")).unwrap_err();
    assert!(
        matches!(&err, Error::Write { operator: "write_text", path: p, .. } if p == &path),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("`write_text` at src/main.rs:4:9"), "{text}");
    assert!(text.contains(path.to_str().unwrap()), "{text}");

    // At commit too: a directory in the way.
    let dest = Destination::new(dir.path()).with_operator(&SINK);
    let err = stage_and_commit(&dest, vec![dest.part()]).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Write {
                operator: "write_text",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn sync_commits_the_same_output() {
    let dir = tempfile::tempdir().unwrap();
    let dest = Destination::new(dir.path().join("out")).with_sync(true);
    let mut parts = vec![dest.part(), dest.part()];
    write(&mut parts[0], "a\n");
    write(&mut parts[1], "b\n");
    stage_and_commit(&dest, parts).unwrap();
    assert_eq!(fs::read_to_string(dest.path()).unwrap(), "a\nb\n");
    assert_eq!(names_in(dir.path()), ["out"]);
}
