//! `read_parquet` and `write_parquet`: files written by pyarrow and DuckDB
//! (tests/data/parquet/, made by make.py there), every value checked; our own files round-trip;
//! schema mismatches name the file, the column and the field; results do not depend on the
//! parallelism.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use dataflow::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

const PARALLELISMS: [usize; 3] = [1, 2, 7];

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/parquet")
        .join(name)
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Reading {
    station: String,
    temperature: f64,
    day: u32,
}

fn readings(n: u32) -> Vec<Reading> {
    (0..n)
        .map(|i| Reading {
            station: format!("station-{}", i % 13),
            temperature: f64::from(i % 97) / 4.0 - 10.0,
            day: i,
        })
        .collect()
}

#[test]
fn own_files_round_trip_at_every_parallelism() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("readings.parquet");
    let input = readings(20_000);
    for p in PARALLELISMS {
        let source = input.clone();
        let written = pipeline! { from_collection(source) -> write_parquet(&path) }
            .parallelism(p)
            .run()
            .unwrap();
        assert_eq!(written, 20_000);
        for q in PARALLELISMS {
            let back: Vec<Reading> = pipeline! { read_parquet::<Reading>(&path) -> collect() }
                .parallelism(q)
                .run()
                .unwrap();
            assert_eq!(back, input, "written at {p}, read at {q}");
        }
    }
}

#[derive(Debug, PartialEq, Deserialize)]
struct Address {
    city: String,
    zip: i32,
}

/// Every column of `make.py`'s table but `ignored`, which is therefore never read.
#[derive(Debug, PartialEq, Deserialize)]
struct Person {
    id: i64,
    name: Option<String>,
    small: i8,
    count: u32,
    score: Option<f64>,
    ratio: f32,
    active: bool,
    born: NaiveDate,
    seen: NaiveDateTime,
    seen_utc: Option<DateTime<Utc>>,
    address: Option<Address>,
}

/// Row `k` as make.py computes it.
fn person(k: i64) -> Person {
    let epoch = NaiveDate::from_ymd_opt(2024, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    Person {
        id: k,
        name: (k % 7 != 0).then(|| format!("name-{k}")),
        small: (k % 100 - 50) as i8,
        count: (k * 3) as u32,
        score: (k % 5 != 0).then_some(k as f64 / 8.0),
        ratio: k as f32 / 4.0,
        active: k % 3 == 0,
        born: NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + chrono::Days::new(k as u64),
        seen: epoch + chrono::Duration::seconds(k * 61) + chrono::Duration::microseconds(k),
        seen_utc: (k % 11 != 0).then(|| (epoch + chrono::Duration::minutes(k)).and_utc()),
        address: (k % 13 != 0).then(|| Address {
            city: format!("city-{}", k % 10),
            zip: 10000 + k as i32,
        }),
    }
}

fn people(path: &Path, parallelism: usize) -> Result<(Vec<Person>, Metrics), Error> {
    pipeline! { read_parquet::<Person>(path) -> collect() }
        .parallelism(parallelism)
        .run_with_metrics()
}

#[test]
fn pyarrow_files_every_value_every_codec_every_parallelism() {
    let want: Vec<Person> = (0..1000).map(person).collect();
    for file in ["people_snappy.parquet", "people_zstd.parquet"] {
        for p in PARALLELISMS {
            let (got, metrics) = people(&data(file), p).unwrap();
            assert_eq!(got.len(), want.len(), "{file} at {p}");
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g, w, "{file} at {p}");
            }
            assert_eq!(metrics.records_read(), 1000);
        }
    }
}

#[test]
fn a_directory_and_a_glob_read_their_files_in_name_order() {
    let want: Vec<Person> = (0..1000).map(person).collect();
    let glob = data("parts").join("part-*.parquet");
    for path in [data("parts"), glob] {
        for p in PARALLELISMS {
            assert_eq!(people(&path, p).unwrap().0, want, "{path:?} at {p}");
        }
    }
}

#[test]
fn duckdb_file_every_value() {
    #[derive(Debug, PartialEq, Deserialize)]
    struct Reading {
        id: i64,
        station: String,
        temperature: f64,
        day: NaiveDate,
    }
    let want: Vec<Reading> = (0..3000)
        .map(|i: i64| Reading {
            id: i,
            station: format!("station-{}", i % 17),
            temperature: ((i % 199) - 99) as f64 / 10.0,
            day: NaiveDate::from_ymd_opt(2020, 2, 29).unwrap() + chrono::Days::new(i as u64),
        })
        .collect();
    let path = data("duckdb_readings.parquet");
    for p in PARALLELISMS {
        let got = pipeline! { read_parquet::<Reading>(&path) -> collect() }
            .parallelism(p)
            .run()
            .unwrap();
        assert_eq!(got, want, "at {p}");
    }
}

#[test]
fn dates_and_timestamps_as_plain_numbers() {
    #[derive(Debug, PartialEq, Deserialize)]
    struct Raw {
        born: i32,
        seen: i64,
    }
    let got = pipeline! { read_parquet::<Raw>(data("people_zstd.parquet")) -> collect() }
        .run()
        .unwrap();
    for (k, raw) in got.iter().enumerate() {
        let k = k as i64;
        // Days since 1970-01-01; microseconds since 1970-01-01T00:00:00.
        assert_eq!(i64::from(raw.born), 10957 + k);
        assert_eq!(raw.seen, 1_704_067_200_000_000 + k * 61_000_000 + k);
    }
}

#[test]
fn only_the_named_columns_are_read() {
    #[derive(Deserialize)]
    struct IdOnly {
        id: i64,
    }
    let path = data("people_snappy.parquet");
    let (ids, narrow) = pipeline! { read_parquet::<IdOnly>(&path) -> map(|r| r.id) -> collect() }
        .run_with_metrics()
        .unwrap();
    assert_eq!(ids, (0..1000).collect::<Vec<i64>>());
    let (_, wide) = people(&path, 2).unwrap();
    let (narrow, wide) = (narrow.sources[0].bytes, wide.sources[0].bytes);
    // The id column is a small share of the file, and `ignored` is never read even by Person.
    let file = std::fs::metadata(&path).unwrap().len();
    assert!(narrow * 5 < wide, "id only {narrow} bytes, Person {wide}");
    assert!(wide < file, "Person {wide} bytes of {file}");
}

/// The schema error's parts, or a panic naming what came instead.
fn schema_error(err: Error) -> (PathBuf, String, String, String) {
    match err {
        Error::Schema {
            path,
            column,
            rust,
            message,
        } => (path, column, rust, message),
        other => panic!("expected a schema error, got {other}"),
    }
}

#[test]
fn a_missing_column_names_the_file_the_column_and_the_field() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Tall {
        id: i64,
        height: f64,
    }
    let path = data("people_snappy.parquet");
    for p in PARALLELISMS {
        let err = pipeline! { read_parquet::<Tall>(&path) -> count() }
            .parallelism(p)
            .run()
            .unwrap_err();
        let shown = err.to_string();
        let (file, column, rust, message) = schema_error(err);
        assert_eq!(file, path);
        assert_eq!(column, "height", "{shown}");
        assert_eq!(rust, "field `height` of `Tall`");
        assert!(message.contains("no such column"), "{message}");
        assert!(
            shown.starts_with(&format!("{}: column `height`", path.display())),
            "{shown}"
        );
    }
}

#[test]
fn a_missing_optional_column_is_none() {
    #[derive(Debug, PartialEq, Deserialize)]
    struct Tall {
        id: i64,
        height: Option<f64>,
        #[serde(default)]
        weight: u32,
    }
    let got = pipeline! { read_parquet::<Tall>(data("people_zstd.parquet")) -> collect() }
        .run()
        .unwrap();
    assert_eq!(got.len(), 1000);
    assert!(got
        .iter()
        .enumerate()
        .all(|(k, t)| t.id == k as i64 && t.height.is_none() && t.weight == 0));
}

#[test]
fn a_column_that_does_not_convert_names_the_column_and_the_field() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct NameAsNumber {
        name: i64,
    }
    let path = data("people_zstd.parquet");
    let err = pipeline! { read_parquet::<NameAsNumber>(&path) -> count() }
        .run()
        .unwrap_err();
    let (file, column, rust, message) = schema_error(err);
    assert_eq!((file, column.as_str()), (path.clone(), "name"));
    assert_eq!(rust, "field `name` of `NameAsNumber`");
    assert!(message.contains("Utf8"), "{message}");

    // A value out of the field's range: `count` reaches 2997, beyond a u8.
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Narrow {
        count: u8,
    }
    let err = pipeline! { read_parquet::<Narrow>(&path) -> count() }
        .run()
        .unwrap_err();
    let (_, column, rust, message) = schema_error(err);
    assert_eq!(column, "count");
    assert_eq!(rust, "field `count` of `Narrow`");
    assert!(message.contains("out of range"), "{message}");

    // Inside a nested struct: the column's path.
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Zip {
        city: u16,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Nested {
        address: Option<Zip>,
    }
    let err = pipeline! { read_parquet::<Nested>(&path) -> count() }
        .run()
        .unwrap_err();
    let (_, column, rust, _) = schema_error(err);
    assert_eq!(column, "address.city");
    assert_eq!(rust, "field `address` of `Nested`");
}

#[test]
fn a_file_that_is_not_parquet_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not.parquet");
    std::fs::write(&path, "id,name\n1,a\n").unwrap();
    let err = pipeline! { read_parquet::<Reading>(&path) -> count() }
        .run()
        .unwrap_err();
    let shown = err.to_string();
    assert!(
        shown.starts_with(&format!(
            "cannot read {}: not valid Parquet",
            path.display()
        )),
        "{shown}"
    );
}

#[test]
fn nested_and_nullable_records_round_trip() {
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    struct Inner {
        label: String,
        weight: Option<f32>,
    }
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    struct Outer {
        id: u64,
        flag: bool,
        small: i16,
        inner: Option<Inner>,
        note: Option<String>,
    }
    // The first 10,000 records have no `note` and no `inner`: their batch traces those columns
    // as nulls, which the later batches' types replace.
    let input: Vec<Outer> = (0..20_000u64)
        .map(|i| Outer {
            id: i,
            flag: i % 2 == 0,
            small: (i % 300) as i16 - 150,
            inner: (i >= 10_000 && i % 3 != 0).then(|| Inner {
                label: format!("l{i}"),
                weight: (i % 4 != 0).then_some(i as f32 / 2.0),
            }),
            note: (i >= 10_000 && i % 5 == 0).then(|| "x".repeat((i % 7) as usize)),
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested.parquet");
    for p in PARALLELISMS {
        let source = input.clone();
        pipeline! { from_collection(source) -> write_parquet(&path) }
            .parallelism(p)
            .run()
            .unwrap();
        let back = pipeline! { read_parquet::<Outer>(&path) -> collect() }
            .parallelism(p)
            .run()
            .unwrap();
        assert_eq!(back, input, "at {p}");
    }
}

#[test]
fn a_failed_job_leaves_the_old_file_and_no_temporaries() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.parquet");
    std::fs::write(&path, "old contents").unwrap();
    let input = readings(20_000);
    let err = pipeline! {
        from_collection(input)
            -> map(|r: Reading| { assert!(r.day != 15_000, "bad day"); r })
            -> write_parquet(&path)
    }
    .run()
    .unwrap_err();
    assert!(err.to_string().contains("bad day"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "old contents");
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn no_records_write_a_file_that_reads_as_none() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.parquet");
    let none: Vec<Reading> = Vec::new();
    let written = pipeline! { from_collection(none) -> write_parquet(&path) }
        .run()
        .unwrap();
    assert_eq!(written, 0);
    let back = pipeline! { read_parquet::<Reading>(&path) -> count() }
        .run()
        .unwrap();
    assert_eq!(back, 0);
}

#[test]
fn text_to_parquet_and_a_query_over_it() {
    // Borrowed lines are owned on their way into the sink.
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("words.txt");
    std::fs::write(&text, "b a\nc a b\na\n").unwrap();
    let words = dir.path().join("words.parquet");
    #[derive(Serialize, Deserialize)]
    struct Line {
        text: String,
    }
    pipeline! { read_text(&text) -> map(|l: &str| Line { text: l.to_owned() }) -> write_parquet(&words) }
        .run()
        .unwrap();
    let mut counts = pipeline! {
        read_parquet::<Line>(&words)
            -> flat_map(|l: Line| l.text.split(' ').map(str::to_owned).collect::<Vec<_>>())
            -> key_by(|w: &String| w.clone())
            -> count()
            -> collect()
    }
    .run()
    .unwrap();
    counts.sort();
    assert_eq!(
        counts,
        [
            ("a".to_string(), 3),
            ("b".to_string(), 2),
            ("c".to_string(), 1)
        ]
    );
}
