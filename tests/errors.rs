//! Failures: missing inputs, bad records under both policies, panics in user closures (which
//! must name the operator and its line, and must not hang the job), and file sinks that must
//! leave nothing behind when the job fails.

use dataflow::prelude::*;
use std::fs;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> String {
    let path = dir.join(name);
    fs::write(&path, content).unwrap();
    path.to_str().unwrap().to_string()
}

/// Every entry of `dir`, hidden ones included, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Panics with a message naming the caller's line; `#[track_caller]` makes the panic's
/// location that line too. Called as `boom(line!())` on the operator's own line.
#[track_caller]
fn boom(line: u32) -> ! {
    panic!("boom at line {line}")
}

/// Runs `job` on another thread and fails the test if it does not finish within a minute.
fn within_a_minute<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(job());
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the job hung (or its thread panicked)")
}

/// Checks that `err` is the panic raised by `boom` in operator `op`: the operator's name, the
/// file and the line (the one `boom` was given), in the variant and in its Display.
fn assert_user_panic(err: Error, op: &str) {
    let text = err.to_string();
    match err {
        Error::UserPanic {
            operator,
            file,
            line,
            column,
            message,
            panic_location,
        } => {
            assert_eq!(operator, op, "{text}");
            assert_eq!(file, file!(), "{text}");
            let expected: u32 = message
                .strip_prefix("boom at line ")
                .unwrap_or_else(|| panic!("unexpected message: {text}"))
                .parse()
                .unwrap();
            assert_eq!(line, expected, "{text}");
            // The column points at the operator's name in this file.
            let source_line = SOURCE.lines().nth(line as usize - 1).unwrap_or_default();
            let from_column: String = source_line.chars().skip(column as usize - 1).collect();
            assert!(
                from_column.starts_with(&format!("{op}(")),
                "column {column} of line {line} is not `{op}`: {source_line}"
            );
            let at = panic_location.unwrap_or_else(|| panic!("no panic location: {text}"));
            assert!(
                at.starts_with(&format!("{}:{expected}:", file!())),
                "{at} / {text}"
            );
            let head = format!(
                "operator `{op}` at {}:{expected}:{column} panicked: boom at line {expected}",
                file!()
            );
            assert!(text.starts_with(&head), "{text}\nexpected: {head}");
        }
        other => panic!("expected Error::UserPanic from `{op}`, got {other:?}: {other}"),
    }
}

/// This file, to check the columns that errors report.
const SOURCE: &str = include_str!("errors.rs");

const N: i64 = 100_000;
const BAD: i64 = 77_777;

// ---------------------------------------------------------------------------------------------
// Missing and unmatched inputs
// ---------------------------------------------------------------------------------------------

#[test]
fn a_missing_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-file.txt");
    let missing_str = missing.to_str().unwrap();
    let err = pipeline! { read_text(missing_str) -> count() }
        .run()
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains(missing_str), "{text}");
    match err {
        Error::Io { path, source, .. } => {
            assert_eq!(path, missing);
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("expected Error::Io, got {other:?}"),
    }

    let missing_csv = dir.path().join("nope.csv");
    let missing_csv_str = missing_csv.to_str().unwrap();
    let err = pipeline! { read_csv::<(String, u32)>(missing_csv_str) -> count() }
        .run()
        .unwrap_err();
    assert!(err.to_string().contains(missing_csv_str), "{err}");
    assert!(matches!(err, Error::Io { ref path, .. } if *path == missing_csv));
}

#[test]
fn a_glob_or_directory_without_files_is_no_input() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", "a\n");
    let pattern = format!("{}/*.nothing", dir.path().display());
    let err = pipeline! { read_text(&pattern) -> count() }
        .run()
        .unwrap_err();
    assert!(err.to_string().contains(&pattern), "{err}");
    assert!(
        matches!(err, Error::NoInput { pattern: ref p } if *p == pattern),
        "{err:?}"
    );

    let empty = tempfile::tempdir().unwrap();
    let empty_str = empty.path().to_str().unwrap();
    let err = pipeline! { read_csv::<(u8,)>(empty_str) -> count() }
        .run()
        .unwrap_err();
    assert!(
        matches!(err, Error::NoInput { pattern: ref p } if p == empty_str),
        "{err:?}"
    );
}

#[test]
fn a_malformed_glob_is_reported() {
    let pattern = "data/[unclosed*.txt";
    let err = pipeline! { read_text(pattern) -> count() }
        .run()
        .unwrap_err();
    assert!(err.to_string().contains(pattern), "{err}");
    assert!(matches!(err, Error::BadPattern { .. }), "{err:?}");
}

// ---------------------------------------------------------------------------------------------
// Invalid UTF-8 in text input
// ---------------------------------------------------------------------------------------------

#[test]
fn invalid_utf8_fails_with_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bad.txt", b"ok1\nok2\nab\xffcd\nok4\n");
    let err = pipeline! { read_text(&path) -> map(|l: &str| l.len()) -> collect() }
        .run()
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains(&format!("{path}:3")), "{text}");
    match err {
        Error::InvalidUtf8 {
            path: p,
            line,
            column,
            text,
        } => {
            assert_eq!(p, Path::new(&path));
            assert_eq!(line, 3);
            assert_eq!(column, 3);
            assert!(text.starts_with("ab"), "{text}");
        }
        other => panic!("expected Error::InvalidUtf8, got {other:?}"),
    }
}

#[test]
fn invalid_utf8_in_a_gzip_file_and_in_a_later_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "1.txt", "fine\nfine\n");
    let bad = write(dir.path(), "2.txt", b"x\ny\nz\n\xc3\x28\n");
    let pattern = format!("{}/*.txt", dir.path().display());
    let err = pipeline! { read_text(&pattern) -> count() }
        .parallelism(4)
        .run()
        .unwrap_err();
    assert!(err.to_string().contains(&format!("{bad}:4:1")), "{err}");
    assert!(
        matches!(
            err,
            Error::InvalidUtf8 {
                line: 4,
                column: 1,
                ..
            }
        ),
        "{err:?}"
    );
}

/// A bad line in the second morsel (8 MiB on) of a file: its line number is still exact.
#[test]
fn invalid_utf8_beyond_the_first_morsel_has_its_line_number() {
    let dir = tempfile::tempdir().unwrap();
    let mut text: Vec<u8> = Vec::with_capacity(9 << 20);
    let mut lines = 0u64;
    while text.len() < (8 << 20) + 1000 {
        text.extend_from_slice(format!("{lines:0>60}\n").as_bytes());
        lines += 1;
    }
    text.extend_from_slice(b"abc\xfe\n");
    text.extend_from_slice(b"after\n");
    let path = write(dir.path(), "big.txt", &text);
    let err = pipeline! { read_text(&path) -> count() }
        .parallelism(4)
        .run()
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidUtf8 { line, column: 4, .. } if line == lines + 1),
        "{err:?}, expected line {}",
        lines + 1
    );

    let (n, metrics) = pipeline! { read_text(&path, bad_records = skip) -> count() }
        .parallelism(4)
        .run_with_metrics()
        .unwrap();
    assert_eq!(n, lines + 1);
    assert_eq!(metrics.skipped(), 1);
}

#[test]
fn invalid_utf8_is_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let mut expected = Vec::new();
    let mut bad = 0u64;
    for f in 0..20 {
        let mut content: Vec<u8> = Vec::new();
        for l in 0..50 {
            if (f * 50 + l) % 7 == 3 {
                content.extend_from_slice(format!("bad{f}-{l}").as_bytes());
                content.extend_from_slice(b"\x80\xff\n");
                bad += 1;
            } else {
                let line = format!("good{f}-{l}");
                content.extend_from_slice(line.as_bytes());
                content.push(b'\n');
                expected.push(line);
            }
        }
        write(dir.path(), &format!("f{f:02}.txt"), content);
    }
    let dir_str = dir.path().to_str().unwrap();
    let (lines, metrics) = pipeline! {
        read_text(dir_str, bad_records = skip) -> map(|l: &str| l.to_string()) -> collect()
    }
    .parallelism(4)
    .run_with_metrics()
    .unwrap();
    assert_eq!(lines, expected);
    assert_eq!(metrics.skipped(), bad);
    assert_eq!(metrics.records_read(), expected.len() as u64);
    assert!(!metrics.skipped_samples.is_empty());
    assert!(
        metrics.skipped_samples[0].contains("invalid UTF-8"),
        "{:?}",
        metrics.skipped_samples
    );
}

// ---------------------------------------------------------------------------------------------
// Bad CSV records
// ---------------------------------------------------------------------------------------------

#[derive(Debug, PartialEq, serde::Deserialize)]
struct Person {
    name: String,
    age: u32,
    city: Option<String>,
}

#[test]
fn a_bad_csv_record_names_file_line_field_and_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "people.csv",
        "name,age,city\nann,30,\n\"multi\nline\",4,x\nbob,xx,paris\ncid,7,\n",
    );
    let err = pipeline! { read_csv::<Person>(&path) -> count() }
        .run()
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains(&format!("{path}:5")), "{text}");
    assert!(text.contains("age"), "{text}");
    assert!(text.contains("bob,xx,paris"), "{text}");
    match err {
        Error::BadRecord {
            path: p,
            line,
            field,
            text,
            ..
        } => {
            assert_eq!(p, Path::new(&path));
            assert_eq!(line, 5);
            assert_eq!(field.as_deref(), Some("age"));
            assert!(text.contains("bob,xx,paris"), "{text}");
        }
        other => panic!("expected Error::BadRecord, got {other:?}"),
    }
}

#[test]
fn a_csv_record_with_a_wrong_number_of_fields() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "short.csv", "name,age,city\nann,30,\ndan,5\n");
    let err = pipeline! { read_csv::<Person>(&path) -> count() }
        .run()
        .unwrap_err();
    assert!(
        matches!(err, Error::BadRecord { line: 3, ref text, .. } if text.contains("dan")),
        "{err:?}"
    );
    assert!(err.to_string().contains(&format!("{path}:3")), "{err}");
}

#[test]
fn a_bad_csv_record_without_a_header_names_the_field_number() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "rows.csv", "ann,30\nbob,-4\n");
    let err = pipeline! { read_csv::<(String, u32)>(&path, header = false) -> count() }
        .run()
        .unwrap_err();
    assert!(
        matches!(err, Error::BadRecord { line: 2, ref field, .. } if field.as_deref() == Some("2")),
        "{err:?}"
    );
}

#[test]
fn bad_csv_records_are_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("name,age,city\n");
    let mut expected = Vec::new();
    let mut bad = 0;
    for i in 0..1000u32 {
        match i % 10 {
            3 => {
                text.push_str(&format!("p{i},not-a-number,x\n"));
                bad += 1;
            }
            7 => {
                text.push_str(&format!("p{i},{i}\n"));
                bad += 1;
            }
            _ => {
                text.push_str(&format!("p{i},{i},\n"));
                expected.push(Person {
                    name: format!("p{i}"),
                    age: i,
                    city: None,
                });
            }
        }
    }
    let path = write(dir.path(), "mixed.csv", &text);
    let (people, metrics) = pipeline! {
        read_csv::<Person>(&path, bad_records = skip) -> collect()
    }
    .run_with_metrics()
    .unwrap();
    assert_eq!(people, expected);
    assert_eq!(metrics.skipped(), bad);
    assert_eq!(metrics.records_read(), expected.len() as u64);
    assert!(
        metrics.skipped_samples.iter().any(|s| s.contains("p3")),
        "{:?}",
        metrics.skipped_samples
    );
}

// ---------------------------------------------------------------------------------------------
// Panics in user closures
// ---------------------------------------------------------------------------------------------

#[test]
fn a_panic_in_map() {
    let err = within_a_minute(|| {
        pipeline! {
            range(0..N) -> map(|x: i64| if x == BAD { boom(line!()) } else { x * 2 }) -> collect()
        }
        .parallelism(4)
        .run()
        .unwrap_err()
    });
    assert_user_panic(err, "map");
}

#[test]
fn a_panic_in_filter() {
    let err = within_a_minute(|| {
        pipeline! {
            range(0..N) -> filter(|x: &i64| if *x == BAD { boom(line!()) } else { x % 2 == 0 }) -> count()
        }
        .parallelism(4)
        .run()
        .unwrap_err()
    });
    assert_user_panic(err, "filter");
}

#[test]
fn a_panic_in_key_by() {
    let err = within_a_minute(|| {
        pipeline! {
            range(0..N)
                -> key_by(|x: &i64| if *x == BAD { boom(line!()) } else { x % 10 })
                -> count()
                -> collect()
        }
        .parallelism(4)
        .run()
        .unwrap_err()
    });
    assert_user_panic(err, "key_by");
}

#[test]
fn a_panic_in_reduce() {
    // Only the record -1 is negative, and sums of the others never are.
    let err = within_a_minute(|| {
        pipeline! {
            range(0..N)
                -> map(|x: i64| if x == BAD { -1 } else { x })
                -> key_by(|x: &i64| x.rem_euclid(10))
                -> reduce(|a: i64, b: i64| if a < 0 || b < 0 { boom(line!()) } else { a + b })
                -> collect()
        }
        .parallelism(4)
        .run()
        .unwrap_err()
    });
    assert_user_panic(err, "reduce");
}

#[test]
fn a_panic_in_the_iterator_of_flat_map() {
    let err = within_a_minute(|| {
        pipeline! {
            range(0..N)
                -> flat_map(|x: i64| (0..3).map(move |i| if x == BAD && i == 2 { boom(line!()) } else { x + i }))
                -> count()
        }
        .parallelism(4)
        .run()
        .unwrap_err()
    });
    assert_user_panic(err, "flat_map");
}

#[test]
fn a_panic_in_for_each() {
    let err = within_a_minute(|| {
        pipeline! {
            range(0..N) -> for_each(|x: i64| if x == BAD { boom(line!()) })
        }
        .parallelism(4)
        .run()
        .unwrap_err()
    });
    assert_user_panic(err, "for_each");
}

#[test]
fn a_panic_in_the_closure_of_an_aggregation_sink() {
    let err = within_a_minute(|| {
        pipeline! {
            range(0..N) -> sum(|x: &i64| if *x == BAD { boom(line!()) } else { *x })
        }
        .parallelism(4)
        .run()
        .unwrap_err()
    });
    assert_user_panic(err, "sum");

    let err = within_a_minute(|| {
        pipeline! {
            range(0..N) -> max_by(|x: &i64| if *x == BAD { boom(line!()) } else { -x })
        }
        .parallelism(4)
        .run()
        .unwrap_err()
    });
    assert_user_panic(err, "max_by");
}

#[test]
fn a_panic_in_other_element_wise_operators() {
    let err = within_a_minute(|| {
        pipeline! {
            range(0..N) -> filter_map(|x: i64| if x == BAD { boom(line!()) } else { Some(x) }) -> count()
        }
        .parallelism(4)
        .run()
        .unwrap_err()
    });
    assert_user_panic(err, "filter_map");

    let err = within_a_minute(|| {
        pipeline! {
            range(0..N) -> inspect(|x: &i64| if *x == BAD { boom(line!()) }) -> count()
        }
        .parallelism(4)
        .run()
        .unwrap_err()
    });
    assert_user_panic(err, "inspect");
}

#[test]
fn a_panic_in_keyed_aggregation_closures() {
    let err = within_a_minute(|| {
        pipeline! {
            range(0..N)
                -> key_by(|x: &i64| x % 10)
                -> min_by(|x: &i64| if *x == BAD { boom(line!()) } else { *x })
                -> collect()
        }
        .parallelism(4)
        .run()
        .unwrap_err()
    });
    assert_user_panic(err, "min_by");

    let err = within_a_minute(|| {
        pipeline! {
            range(0..N)
                -> key_by(|x: &i64| x % 10)
                -> fold(0i64, |a: i64, x: i64| if x == BAD { boom(line!()) } else { a + x }, |a: i64, b: i64| a + b, identity = 0)
                -> collect()
        }
        .parallelism(4)
        .run()
        .unwrap_err()
    });
    assert_user_panic(err, "fold");

    // A fold without a merge function runs in the stage after the exchange.
    let err = within_a_minute(|| {
        pipeline! {
            range(0..N)
                -> key_by(|x: &i64| x % 10)
                -> fold(0i64, |a: i64, x: i64| if x == BAD { boom(line!()) } else { a + x })
                -> collect()
        }
        .parallelism(4)
        .run()
        .unwrap_err()
    });
    assert_user_panic(err, "fold");

    let err = within_a_minute(|| {
        pipeline! {
            range(0..N)
                -> key_by(|x: &i64| x % 10)
                -> reduce_group(|k: &i64, xs: Vec<i64>| if *k == BAD % 10 { boom(line!()) } else { xs })
                -> count()
        }
        .parallelism(4)
        .run()
        .unwrap_err()
    });
    assert_user_panic(err, "reduce_group");

    let err = within_a_minute(|| {
        pipeline! {
            range(0..N)
                -> key_by(|x: &i64| x % 10)
                -> aggregate(count(), sum(|x: &i64| if *x == BAD { boom(line!()) } else { *x }))
                -> collect()
        }
        .parallelism(4)
        .run()
        .unwrap_err()
    });
    assert_user_panic(err, "aggregate");
}

#[test]
fn a_panic_in_exchanges_and_later_stages() {
    let err = within_a_minute(|| {
        pipeline! {
            range(0..N)
                -> partition_by_hash(|x: &i64| if *x == BAD { boom(line!()) } else { *x })
                -> collect()
        }
        .parallelism(4)
        .run()
        .unwrap_err()
    });
    assert_user_panic(err, "partition_by_hash");

    let err = within_a_minute(|| {
        pipeline! {
            range(0..N)
                -> rebalance()
                -> map_partition(|it: std::vec::IntoIter<i64>| it.map(|x| if x == BAD { boom(line!()) } else { x }).collect::<Vec<_>>())
                -> collect()
        }
        .parallelism(4)
        .run()
        .unwrap_err()
    });
    assert_user_panic(err, "map_partition");

    let err = within_a_minute(|| {
        pipeline! {
            range(0..N)
                -> key_by(|x: &i64| x % 1000)
                -> count()
                -> map(|(k, n): (i64, u64)| if k == BAD % 1000 { boom(line!()) } else { n })
                -> sum()
        }
        .parallelism(4)
        .run()
        .unwrap_err()
    });
    assert_user_panic(err, "map");
}

#[test]
fn a_panic_in_a_closure_reading_files() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..50_000).map(|i| format!("{i}\n")).collect();
    let path = write(dir.path(), "n.txt", &text);
    let err = within_a_minute(move || {
        pipeline! {
            read_text(&path) -> map(|l: &str| if l == "40000" { boom(line!()) } else { l.len() }) -> sum()
        }
        .parallelism(4)
        .run()
        .unwrap_err()
    });
    assert_user_panic(err, "map");

    let csv: String = (0..5_000).map(|i| format!("{i},x\n")).collect();
    let path = write(dir.path(), "n.csv", &csv);
    let err = within_a_minute(move || {
        pipeline! {
            read_csv::<(u32, String)>(&path, header = false) -> filter(|r: &(u32, String)| if r.0 == 4321 { boom(line!()) } else { true }) -> count()
        }
        .parallelism(4)
        .run()
        .unwrap_err()
    });
    assert_user_panic(err, "filter");
}

#[test]
fn every_task_panicking_at_once_is_one_error_and_no_hang() {
    let err = within_a_minute(|| {
        pipeline! {
            range(0..N) -> map(|x: i64| if x >= 0 { boom(line!()) } else { x }) -> collect()
        }
        .parallelism(4)
        .run()
        .unwrap_err()
    });
    assert_user_panic(err, "map");
}

#[test]
fn a_panic_with_a_non_string_payload() {
    let err = within_a_minute(|| {
        pipeline! {
            range(0..N) -> map(|x: i64| if x == BAD { std::panic::panic_any(42u8) } else { x }) -> count()
        }
        .parallelism(4)
        .run()
        .unwrap_err()
    });
    assert!(
        matches!(
            err,
            Error::UserPanic {
                operator: "map",
                ..
            }
        ),
        "{err:?}"
    );
}

/// Panics on `BAD` when formatted.
struct Touchy(i64);

impl std::fmt::Display for Touchy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0 == BAD {
            panic!("cannot format {}", self.0);
        }
        write!(f, "{}", self.0)
    }
}

#[test]
fn a_panic_in_user_code_called_by_a_sink() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.txt");
    let err = within_a_minute(move || {
        pipeline! {
            range(0..N) -> map(Touchy) -> write_text(&path)
        }
        .parallelism(4)
        .run()
        .unwrap_err()
    });
    let text = err.to_string();
    assert!(
        matches!(
            err,
            Error::UserPanic {
                operator: "write_text",
                ..
            }
        ),
        "{text}"
    );
    assert!(text.contains("cannot format 77777"), "{text}");
    assert_eq!(listing(dir.path()), Vec::<String>::new());
}

/// Overflow checks only exist in debug builds.
#[cfg(debug_assertions)]
#[test]
fn an_overflowing_sum_names_the_operator() {
    let err = pipeline! { from_collection(vec![200u8, 100]) -> sum() }
        .run()
        .unwrap_err();
    assert!(!matches!(err, Error::Internal(_)), "{err}");
    assert!(err.to_string().contains("`sum`"), "{err}");
}

#[test]
fn jobs_run_normally_after_a_panic() {
    for _ in 0..3 {
        let err = pipeline! {
            range(0..N) -> map(|x: i64| if x == BAD { boom(line!()) } else { x }) -> count()
        }
        .parallelism(4)
        .run()
        .unwrap_err();
        assert_user_panic(err, "map");
        let sum = pipeline! { range(0..N) -> map(|x: i64| x * 2) -> sum() }
            .parallelism(4)
            .run()
            .unwrap();
        assert_eq!(sum, (0..N).map(|x| x * 2).sum::<i64>());
    }
}

// ---------------------------------------------------------------------------------------------
// File sinks of failed jobs
// ---------------------------------------------------------------------------------------------

#[test]
fn a_failed_job_leaves_no_output_and_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.txt");
    let csv = dir.path().join("out.csv");
    // The panic comes late, so that every task has written part of its output by then.
    let err = pipeline! {
        range(0..N) -> map(|x: i64| if x == N - 10 { boom(line!()) } else { x }) -> write_text(&path)
    }
    .parallelism(4)
    .run()
    .unwrap_err();
    assert_user_panic(err, "map");
    assert_eq!(listing(dir.path()), Vec::<String>::new());

    let err = pipeline! {
        range(0..N) -> map(|x: i64| if x == N - 10 { boom(line!()) } else { (x, x) }) -> write_csv(&csv)
    }
    .parallelism(4)
    .run()
    .unwrap_err();
    assert_user_panic(err, "map");
    assert_eq!(listing(dir.path()), Vec::<String>::new());
}

#[test]
fn a_failed_sibling_branch_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.txt");
    let err = pipeline! {
        let xs = range(0..N);
        xs -> write_text(&path);
        xs -> filter(|x: &i64| if *x == BAD { boom(line!()) } else { true }) -> count();
    }
    .parallelism(4)
    .run()
    .unwrap_err();
    assert_user_panic(err, "filter");
    assert_eq!(listing(dir.path()), Vec::<String>::new());
}

#[test]
fn a_failed_job_does_not_clobber_an_existing_output() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.txt");
    let csv = dir.path().join("out.csv");
    fs::write(&path, "previous contents\n").unwrap();
    fs::write(&csv, "a,b\n1,2\n").unwrap();
    let err = pipeline! {
        let xs = range(0..N);
        xs -> write_csv(&csv);
        xs -> map(|x: i64| if x == N - 1 { boom(line!()) } else { x }) -> write_text(&path);
    }
    .parallelism(4)
    .run()
    .unwrap_err();
    assert_user_panic(err, "map");
    assert_eq!(fs::read_to_string(&path).unwrap(), "previous contents\n");
    assert_eq!(fs::read_to_string(&csv).unwrap(), "a,b\n1,2\n");
    assert_eq!(listing(dir.path()), vec!["out.csv", "out.txt"]);

    // A job that fails on its input, before any record is written, leaves it too.
    let missing = dir.path().join("missing.txt");
    let err = pipeline! { read_text(missing.to_str().unwrap()) -> write_text(&path) }
        .run()
        .unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert_eq!(fs::read_to_string(&path).unwrap(), "previous contents\n");
    assert_eq!(listing(dir.path()), vec!["out.csv", "out.txt"]);

    // And a job that succeeds replaces it.
    let n = pipeline! { range(0..3) -> write_text(&path) }
        .run()
        .unwrap();
    assert_eq!(n, 3);
    assert_eq!(fs::read_to_string(&path).unwrap(), "0\n1\n2\n");
    assert_eq!(listing(dir.path()), vec!["out.csv", "out.txt"]);
}

#[test]
fn an_output_in_a_missing_directory_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-dir").join("out.txt");
    let err = pipeline! { range(0..10) -> write_text(&path) }
        .run()
        .unwrap_err();
    assert!(
        err.to_string().contains(path.to_str().unwrap()),
        "the destination is named: {err}"
    );
    assert!(
        matches!(
            err,
            Error::Write {
                operator: "write_text",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(listing(dir.path()), Vec::<String>::new());
}

/// A pipeline run inside another pipeline's closure: the inner job's panic is the inner job's
/// error (the outer job goes on), and a later panic of the outer job names the outer operator,
/// whichever pool threads the two jobs share.
#[test]
fn a_job_inside_a_closure_keeps_its_own_panics() {
    let outcome = within_a_minute(|| {
        pipeline! {
            range(0..64i64)
                -> map(|x: i64| {
                    let inner = pipeline! {
                        range(0..1000i64)
                            -> filter(|y: &i64| if *y == 999 { boom(line!()) } else { true })
                            -> count()
                    }
                    .parallelism(2)
                    .run();
                    match inner {
                        Err(Error::UserPanic { operator: "filter", .. }) => x,
                        other => panic!("unexpected inner result: {other:?}"),
                    }
                })
                -> inspect(|x: &i64| if *x == 63 { boom(line!()) })
                -> count()
        }
        .parallelism(2)
        .run()
        .unwrap_err()
    });
    assert_user_panic(outcome, "inspect");
}
