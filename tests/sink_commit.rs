//! File sinks commit a job's outputs all or nothing, after the whole job has succeeded; `.gz`
//! outputs are gzip; special files are written through, never replaced; errors name the sink.

use dataflow::prelude::*;
use std::fs;
use std::io::Read;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;

const N: i64 = 100_000;

/// Every entry of `dir`, hidden ones included, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn lines(n: i64) -> String {
    (0..n).map(|i| format!("{i}\n")).collect()
}

#[test]
fn a_later_stage_that_fails_leaves_an_earlier_stages_output_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.txt");
    fs::write(&path, "previous contents\n").unwrap();
    let err = pipeline! {
        let xs = range(0..N);
        // Stage 1 writes the file; the keyed count ends stage 1, and stage 2 fails.
        xs -> write_text(&path);
        xs -> key_by(|x: &i64| x % 10) -> count()
            -> map(|(k, n): (i64, u64)| if k == 3 { panic!("stage 2 fails") } else { n })
            -> collect();
    }
    .parallelism(4)
    .run()
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::UserPanic {
                operator: "map",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), "previous contents\n");
    assert_eq!(listing(dir.path()), ["out.txt"]);
}

#[test]
fn a_destination_that_is_a_directory_leaves_every_other_output_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a.txt"),
        dir.path().join("b.csv"),
        dir.path().join("c.txt"),
    );
    fs::write(&a, "old a\n").unwrap();
    fs::create_dir(&b).unwrap();
    fs::write(&c, "old c\n").unwrap();
    let err = pipeline! {
        let xs = range(0..N);
        xs -> write_text(&a);
        xs -> map(|x: i64| (x, x)) -> write_csv(&b);
        xs -> write_text(&c);
    }
    .parallelism(4)
    .run()
    .unwrap_err();
    assert!(
        matches!(&err, Error::Write { operator: "write_csv", path, .. } if path == &b),
        "{err:?}"
    );
    assert!(err.to_string().contains(b.to_str().unwrap()), "{err}");
    assert_eq!(fs::read_to_string(&a).unwrap(), "old a\n");
    assert_eq!(fs::read_to_string(&c).unwrap(), "old c\n");
    assert_eq!(listing(dir.path()), ["a.txt", "b.csv", "c.txt"]);
    assert_eq!(listing(&b), Vec::<String>::new());

    // The same job with the directory out of the way writes all three.
    fs::remove_dir(&b).unwrap();
    let (na, nb, nc) = pipeline! {
        let xs = range(0..N);
        xs -> write_text(&a);
        xs -> map(|x: i64| (x, x)) -> write_csv(&b);
        xs -> write_text(&c);
    }
    .parallelism(4)
    .run()
    .unwrap();
    assert_eq!((na, nb, nc), (N as u64, N as u64, N as u64));
    assert_eq!(fs::read_to_string(&a).unwrap(), lines(N));
    assert_eq!(fs::read_to_string(&c).unwrap(), lines(N));
    assert_eq!(listing(dir.path()), ["a.txt", "b.csv", "c.txt"]);
}

#[test]
fn a_gz_output_is_gzip_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.txt.gz");
    let path_str = path.to_str().unwrap().to_string();
    let n = pipeline! { range(0..N) -> write_text(&path) }
        .parallelism(4)
        .run()
        .unwrap();
    assert_eq!(n, N as u64);
    let bytes = fs::read(&path).unwrap();
    assert_eq!(bytes[..2], [0x1f, 0x8b], "gzip magic");
    assert!(bytes.len() < lines(N).len() / 2, "compressed");
    let back =
        pipeline! { read_text(&path_str) -> map(|l: &str| l.parse::<i64>().unwrap()) -> collect() }
            .run()
            .unwrap();
    assert_eq!(back, (0..N).collect::<Vec<_>>());

    #[derive(serde::Serialize)]
    struct Row {
        id: i64,
        name: String,
    }
    let csv = dir.path().join("out.csv.gz");
    let csv_str = csv.to_str().unwrap().to_string();
    pipeline! { range(0..N) -> map(|id: i64| Row { id, name: format!("n{id}") }) -> write_csv(&csv) }
        .parallelism(4)
        .run()
        .unwrap();
    let mut magic = [0u8; 2];
    fs::File::open(&csv)
        .unwrap()
        .read_exact(&mut magic)
        .unwrap();
    assert_eq!(magic, [0x1f, 0x8b]);
    let back = pipeline! { read_text(&csv_str) -> map(|l: &str| l.to_string()) -> collect() }
        .run()
        .unwrap();
    let expected: Vec<String> = std::iter::once("id,name".to_string())
        .chain((0..N).map(|i| format!("{i},n{i}")))
        .collect();
    assert_eq!(back, expected, "one header, rows in order");
}

#[test]
fn dev_null_is_written_through_not_replaced() {
    let n = pipeline! { range(0..N) -> write_text("/dev/null") }
        .parallelism(4)
        .run()
        .unwrap();
    assert_eq!(n, N as u64);
    let meta = fs::metadata("/dev/null").unwrap();
    assert!(meta.file_type().is_char_device(), "{meta:?}");
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
    let (tx, rx) = std::sync::mpsc::channel();
    {
        let fifo = fifo.clone();
        std::thread::spawn(move || tx.send(fs::read_to_string(fifo).unwrap()));
    }
    let n = pipeline! { range(0..N) -> write_text(&fifo) }
        .parallelism(4)
        .run()
        .unwrap();
    assert_eq!(n, N as u64);
    // A FIFO replaced by a file would leave the reader waiting for a writer forever.
    assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());
    let read = rx.recv_timeout(std::time::Duration::from_secs(60));
    assert_eq!(read.expect("the reader got nothing"), lines(N));
    assert_eq!(listing(dir.path()), ["pipe.txt"]);
}

#[test]
fn write_errors_name_the_sink_and_the_destination() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-dir").join("out.txt");
    let line = line!() + 1;
    let err = pipeline! { range(0..10) -> write_text(&path) }
        .run()
        .unwrap_err();
    match &err {
        Error::Write {
            operator,
            file,
            line: l,
            path: p,
            ..
        } => {
            assert_eq!(*operator, "write_text");
            assert_eq!(*file, file!());
            assert_eq!(*l, line);
            assert_eq!(p, &path);
        }
        other => panic!("unexpected error: {other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains("`write_text` at"), "{text}");
    assert!(text.contains(path.to_str().unwrap()), "{text}");
}

#[test]
fn a_killed_jobs_temporary_files_are_removed_by_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.txt");
    // As a job killed while writing leaves them: a part and a staged output, under the id of a
    // process that is gone (ids above the kernel's maximum, 2^22, never run).
    fs::write(dir.path().join(".out.txt.dataflow-tmp-999999999-0"), "part").unwrap();
    fs::write(dir.path().join(".out.txt.dataflow-tmp-999999999-3"), "x").unwrap();
    // Another destination's are not this job's to remove.
    fs::write(dir.path().join(".b.txt.dataflow-tmp-999999999-0"), "b").unwrap();
    pipeline! { range(0..10) -> write_text(&path) }
        .run()
        .unwrap();
    assert_eq!(
        listing(dir.path()),
        [".b.txt.dataflow-tmp-999999999-0", "out.txt"]
    );
}

#[test]
fn the_sync_option_writes_the_same_output() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("out.txt");
    let csv = dir.path().join("out.csv");
    let (a, b) = pipeline! {
        let xs = range(0..N);
        xs -> write_text(&text, sync = true);
        xs -> map(|x: i64| (x, -x)) -> write_csv(&csv, header = false, sync = true);
    }
    .parallelism(4)
    .run()
    .unwrap();
    assert_eq!((a, b), (N as u64, N as u64));
    assert_eq!(fs::read_to_string(&text).unwrap(), lines(N));
    let expected: String = (0..N).map(|i| format!("{i},{}\n", -i)).collect();
    assert_eq!(fs::read_to_string(&csv).unwrap(), expected);
    assert_eq!(listing(dir.path()), ["out.csv", "out.txt"]);
}

#[test]
fn a_record_that_cannot_be_written_as_csv_names_the_sink() {
    #[derive(serde::Serialize)]
    struct Inner {
        x: i64,
    }
    #[derive(serde::Serialize)]
    struct Nested {
        inner: Inner,
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.csv");
    let err = pipeline! { range(0..10) -> map(|x: i64| Nested { inner: Inner { x } }) -> write_csv(&path) }
        .run()
        .unwrap_err();
    assert!(
        matches!(&err, Error::CsvWrite { path: p, .. } if p == &path),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains(&format!("`write_csv` at {}", file!())),
        "{text}"
    );
    assert_eq!(listing(dir.path()), Vec::<String>::new());
}

/// `/dev/full` fails every write with "no space left": a destination that fills up while it is
/// written through. Special files are committed first, so the job's other outputs stay as they were.
#[test]
fn a_full_device_fails_the_job_and_replaces_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.txt");
    fs::write(&path, "old\n").unwrap();
    let err = pipeline! {
        let xs = range(0..N);
        xs -> write_text(&path);
        xs -> write_text("/dev/full");
    }
    .parallelism(4)
    .run()
    .unwrap_err();
    match &err {
        Error::Write {
            path: p, source, ..
        } => {
            assert_eq!(p, Path::new("/dev/full"));
            assert_eq!(source.kind(), std::io::ErrorKind::StorageFull, "{err}");
        }
        other => panic!("unexpected error: {other:?}"),
    }
    assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");
    assert_eq!(listing(dir.path()), ["out.txt"]);
    assert!(fs::metadata("/dev/full")
        .unwrap()
        .file_type()
        .is_char_device());
}
