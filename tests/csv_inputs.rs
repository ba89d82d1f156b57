//! `read_csv` over inputs that are not plain files read once: compressed files, files changed
//! while the job reads them, and jobs that fail early and must stop reading.

use dataflow::prelude::*;
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Row {
    id: u64,
    name: String,
    score: f64,
}

fn rows(n: u64) -> Vec<Row> {
    (0..n)
        .map(|id| Row {
            id,
            name: format!("name \"{id}\", with a comma"),
            score: id as f64 / 4.0,
        })
        .collect()
}

/// `write_csv("x.csv.gz")` writes gzip (one member per part); `read_csv` reads it back, at every
/// parallelism, in order.
#[test]
fn a_gz_csv_written_by_write_csv_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rows.csv.gz");
    let path = path.to_str().unwrap();
    let input = rows(20_000);
    let written = pipeline! { from_collection(input.clone()) -> write_csv(path) }
        .parallelism(3)
        .run()
        .unwrap();
    assert_eq!(written, 20_000);
    assert_eq!(&fs::read(path).unwrap()[..2], &[0x1f, 0x8b]);
    for threads in [1, 2, 7] {
        let back: Vec<Row> = pipeline! { read_csv::<Row>(path) -> collect() }
            .parallelism(threads)
            .run()
            .unwrap();
        assert_eq!(back, input, "parallelism {threads}");
    }
}

/// A `.csv.gz` made by the `gzip` tool, with a header, a quoted line break and a bad record
/// whose line is named.
#[test]
fn a_csv_compressed_by_the_gzip_tool_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("tool.csv");
    fs::write(
        &plain,
        "id,name,score\n1,\"two\nlines\",0.5\n2,plain,1.5\n3,three,x\n",
    )
    .unwrap();
    let status = std::process::Command::new("gzip")
        .arg("-k")
        .arg(&plain)
        .status();
    let Ok(status) = status else {
        eprintln!("no gzip tool here: skipped");
        return;
    };
    assert!(status.success());
    let path = dir.path().join("tool.csv.gz");
    let path = path.to_str().unwrap();
    let (good, metrics) = pipeline! { read_csv::<Row>(path, bad_records = skip) -> collect() }
        .run_with_metrics()
        .unwrap();
    assert_eq!(
        good,
        vec![
            Row {
                id: 1,
                name: "two\nlines".into(),
                score: 0.5
            },
            Row {
                id: 2,
                name: "plain".into(),
                score: 1.5
            },
        ]
    );
    assert_eq!(metrics.skipped(), 1);
    let err = pipeline! { read_csv::<Row>(path) -> count() }
        .run()
        .unwrap_err()
        .to_string();
    assert!(err.contains("tool.csv.gz:5"), "{err}");
}

/// A CSV file truncated while the job reads it fails the job, naming the file, instead of
/// giving a partial result.
#[test]
fn a_csv_file_truncated_while_read_fails() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shrinks.csv");
    let mut file = fs::File::create(&path).unwrap();
    writeln!(file, "id,name,score").unwrap();
    for id in 0..400_000u64 {
        writeln!(file, "{id},n{id},1.0").unwrap();
    }
    drop(file);
    let path = path.to_str().unwrap();
    let result = pipeline! {
        read_csv::<Row>(path)
            -> map(|r: Row| {
                if r.id == 0 {
                    let file = fs::OpenOptions::new().write(true).open(path).unwrap();
                    file.set_len(1000).unwrap();
                }
                r.id
            })
            -> count()
    }
    .parallelism(2)
    .run();
    let text = result.expect_err("a partial result").to_string();
    assert!(text.starts_with(&format!("cannot read {path}: ")), "{text}");
    assert!(text.contains("changed while the job read it"), "{text}");
}

/// A panic in a closure early in a large CSV input stops the other morsels: far fewer records
/// than the file holds reach the closure.
#[test]
fn a_panic_early_in_a_csv_file_stops_the_other_morsels() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    let mut file = std::io::BufWriter::new(fs::File::create(&path).unwrap());
    // About 40 MiB: five morsels of 8 MiB.
    let total = 1_600_000u64;
    for id in 0..total {
        writeln!(file, "{id},{:>16},2.5", "name").unwrap();
    }
    drop(file);
    let path = path.to_str().unwrap();
    let handed = AtomicU64::new(0);
    let result = pipeline! {
        read_csv::<Row>(path, header = false)
            -> map(|r: Row| {
                if handed.fetch_add(1, Ordering::Relaxed) == 10 {
                    panic!("bad record 10")
                }
                r.id
            })
            -> sum()
    }
    .parallelism(2)
    .run();
    let text = result.expect_err("the panic").to_string();
    assert!(text.contains("bad record 10"), "{text}");
    let handed = handed.load(Ordering::Relaxed);
    assert!(
        handed < total / 10,
        "{handed} of {total} records were still read"
    );
}

/// A CSV file that grows while the job reads it fails the job too: the records appended would
/// be read by no morsel, or by some and not others.
#[test]
fn a_csv_file_grown_while_read_fails() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("grows.csv");
    let mut file = fs::File::create(&path).unwrap();
    for id in 0..1000u64 {
        writeln!(file, "{id},n{id},1.0").unwrap();
    }
    drop(file);
    let path = path.to_str().unwrap();
    let result = pipeline! {
        read_csv::<Row>(path, header = false)
            -> inspect(|r: &Row| {
                if r.id == 0 {
                    let mut file = fs::OpenOptions::new().append(true).open(path).unwrap();
                    writeln!(file, "1000,late,1.0").unwrap();
                }
            })
            -> count()
    }
    .run();
    let text = result
        .expect_err("a result without the appended record")
        .to_string();
    assert!(text.starts_with(&format!("cannot read {path}: ")), "{text}");
    assert!(text.contains("changed while the job read it"), "{text}");
}
