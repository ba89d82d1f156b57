//! JSON lines: `read_json::<T>` and `write_json` round-trip nested, optional, string, integer,
//! float and boolean fields at any parallelism; files written by `jq` and Python read back value
//! for value; bad records fail or are skipped with their file, line and column; `.gz` works both
//! ways; a failed job leaves no output.

use dataflow::prelude::*;
use serde::{Deserialize, Serialize};
use std::fs;
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Location {
    lat: f64,
    lon: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct User {
    name: String,
    location: Option<Location>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Event {
    id: u64,
    user: User,
    tags: Vec<String>,
    score: f64,
    delta: i32,
    active: bool,
    note: Option<String>,
    parent: Option<u64>,
}

/// Events with awkward values: escapes, line breaks and non-ASCII text in strings, floats whose
/// shortest decimal form is long, extreme integers, absent options.
fn events(n: u64) -> Vec<Event> {
    let names = [
        "ann",
        "Zoë \"Z\" O'Brien",
        "日本語 😀",
        "tab\there",
        "",
        "back\\slash\nnewline",
    ];
    (0..n)
        .map(|i| Event {
            id: if i == 1 { u64::MAX } else { i },
            user: User {
                name: names[i as usize % names.len()].to_string(),
                location: (i % 3 != 0).then(|| Location {
                    // Floats from bit patterns: every digit of their shortest form matters.
                    lat: f64::from_bits(
                        0x4040_0000_0000_0000 ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 12,
                    ),
                    lon: -(i as f64) / 7.0,
                }),
            },
            tags: (0..i % 4).map(|t| format!("t{t}\u{0001}")).collect(),
            score: if i == 2 { -0.0 } else { i as f64 * 1e-7 },
            delta: if i == 3 { i32::MIN } else { i as i32 - 500 },
            active: i % 2 == 0,
            note: (i % 5 == 0).then(|| format!("note {i}: \u{2028} ok")),
            parent: i.checked_sub(1).filter(|p| p % 4 != 0),
        })
        .collect()
}

fn write_events(path: &Path, events: &[Event], parallelism: usize) -> u64 {
    pipeline! {
        from_collection(events.to_vec()) -> write_json(path)
    }
    .parallelism(parallelism)
    .run()
    .unwrap()
}

fn read_events(path: &Path, parallelism: usize) -> Vec<Event> {
    pipeline! {
        read_json::<Event>(path) -> collect()
    }
    .parallelism(parallelism)
    .run()
    .unwrap()
}

#[test]
fn a_nested_struct_round_trips_identically_at_every_parallelism() {
    let dir = tempfile::tempdir().unwrap();
    let want = events(3000);
    let mut first: Option<Vec<u8>> = None;
    for parallelism in [1, 2, 7] {
        let path = dir.path().join(format!("events-{parallelism}.jsonl"));
        assert_eq!(write_events(&path, &want, parallelism), want.len() as u64);
        let bytes = fs::read(&path).unwrap();
        assert_eq!(bytes.iter().filter(|&&b| b == b'\n').count(), want.len());
        match &first {
            None => first = Some(bytes),
            Some(first) => assert!(
                first == &bytes,
                "output differs at parallelism {parallelism}"
            ),
        }
        for read_parallelism in [1, 2, 7] {
            let got = read_events(&path, read_parallelism);
            assert!(got == want, "read at {read_parallelism} differs");
        }
    }
    // Negative zero keeps its sign through the round trip.
    assert!(read_events(&dir.path().join("events-1.jsonl"), 2)[2]
        .score
        .is_sign_negative());
}

/// Two lines printed by `jq -c .` (jq 1.6: UTF-8 as is, `1e-07`, `-0`), a blank line, then the
/// same records by Python 3.11's `json.dumps` (spaces after `:` and `,`, non-ASCII escaped as
/// `\u00e9` and a surrogate pair, `-0.0`), the second with a `u64::MAX` id (which jq would have
/// turned into a float). Made from one source file with `jq -c . src.json` and
/// `python3 -c 'import json; [print(json.dumps(json.loads(l))) for l in open("src.json")]'`.
const OTHER_TOOLS: &str = r#"{"id":1,"user":{"name":"Zoë \"Z\" O'Brien","location":{"lat":59.9139,"lon":10.7522}},"tags":["a\tb","line1\nline2","back\\slash"],"score":1e-07,"delta":-42,"active":true,"note":"日本語 😀","parent":null}
{"id":2,"user":{"name":"","location":null},"tags":[],"score":-0,"delta":2147483647,"active":false,"note":null,"parent":7}

{"id": 1, "user": {"name": "Zo\u00eb \"Z\" O'Brien", "location": {"lat": 59.9139, "lon": 10.7522}}, "tags": ["a\tb", "line1\nline2", "back\\slash"], "score": 1e-07, "delta": -42, "active": true, "note": "\u65e5\u672c\u8a9e \ud83d\ude00", "parent": null}
{"id": 18446744073709551615, "user": {"name": "", "location": null}, "tags": [], "score": -0.0, "delta": 2147483647, "active": false, "note": null, "parent": 7}
"#;

#[test]
fn files_written_by_jq_and_python_are_read_value_for_value() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.jsonl");
    fs::write(&path, OTHER_TOOLS).unwrap();
    let (got, metrics) = pipeline! { read_json::<Event>(&path) -> collect() }
        .run_with_metrics()
        .unwrap();
    let first = Event {
        id: 1,
        user: User {
            name: "Zoë \"Z\" O'Brien".to_string(),
            location: Some(Location {
                lat: 59.9139,
                lon: 10.7522,
            }),
        },
        tags: vec![
            "a\tb".to_string(),
            "line1\nline2".to_string(),
            "back\\slash".to_string(),
        ],
        score: 1e-7,
        delta: -42,
        active: true,
        note: Some("日本語 😀".to_string()),
        parent: None,
    };
    let second = |id| Event {
        id,
        user: User {
            name: String::new(),
            location: None,
        },
        tags: vec![],
        score: -0.0,
        delta: i32::MAX,
        active: false,
        note: None,
        parent: Some(7),
    };
    assert_eq!(got, [first.clone(), second(2), first, second(u64::MAX)]);
    // `-0` and `-0.0` both keep the sign.
    assert!(got[1].score.is_sign_negative() && got[3].score.is_sign_negative());
    // The blank line is neither a record nor a bad one.
    assert_eq!((metrics.records_read(), metrics.skipped()), (4, 0));
}

/// Lines 1, 2 and 4 are good; 3 has a bad literal (found at its end, column 20, as serde_json
/// reports it); 5 misses a field (found at the closing brace).
const WITH_BAD: &str = "{\"name\":\"a\",\"n\":1}\n{\"name\":\"b\",\"n\":2}\n{\"name\":\"c\",\"n\":tru}\n{\"name\":\"d\",\"n\":4}\n{\"name\":\"e\"}\n";

#[derive(Debug, PartialEq, Deserialize)]
struct Small {
    name: String,
    n: i64,
}

#[test]
fn a_bad_record_fails_naming_file_line_column_and_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.jsonl");
    fs::write(&path, WITH_BAD).unwrap();
    let err = pipeline! { read_json::<Small>(&path) -> collect() }
        .parallelism(1)
        .run()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}:3:20: bad JSON record: expected ident: {{\"name\":\"c\",\"n\":tru}}",
            path.display()
        )
    );
    assert!(
        matches!(
            &err,
            Error::BadLine {
                line: 3,
                column: 20,
                format: "JSON",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn bad_records_are_skipped_counted_and_sampled_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.jsonl");
    fs::write(&path, WITH_BAD).unwrap();
    let (got, metrics) = pipeline! {
        read_json::<Small>(&path, bad_records = skip) -> map(|s: Small| s.n) -> collect()
    }
    .run_with_metrics()
    .unwrap();
    assert_eq!(got, [1, 2, 4]);
    assert_eq!((metrics.records_read(), metrics.skipped()), (3, 2));
    let shown = path.display().to_string();
    let samples = &metrics.skipped_samples;
    assert_eq!(samples.len(), 2, "{samples:?}");
    assert!(
        samples[0].contains(&format!("{shown}:3:20: bad JSON record: expected ident")),
        "{samples:?}"
    );
    assert!(
        samples[1].contains(&format!("{shown}:5:")) && samples[1].contains("missing field `n`"),
        "{samples:?}"
    );
}

#[test]
fn gzip_round_trips_and_mixes_with_plain_files_in_a_glob() {
    let dir = tempfile::tempdir().unwrap();
    let want = events(500);
    let gz = dir.path().join("a.jsonl.gz");
    let plain = dir.path().join("b.jsonl");
    write_events(&gz, &want[..300], 3);
    write_events(&plain, &want[300..], 3);
    let bytes = fs::read(&gz).unwrap();
    assert_eq!(&bytes[..2], [0x1f, 0x8b], "not gzip");
    assert_eq!(read_events(&gz, 2), &want[..300]);
    let pattern = dir.path().join("*.jsonl*");
    assert_eq!(read_events(&pattern, 3), want);
}

/// `{"name":"gz","n":1}` and `{"name":"ünï","n":-2}`, one a line, compressed by the command-line
/// tool: `gzip -9n -c cli.jsonl` (gzip 1.12), bytes from `xxd -i`.
const GZIP_CLI: [u8; 54] = [
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xab, 0x56, 0xca, 0x4b, 0xcc, 0x4d,
    0x55, 0xb2, 0x52, 0x4a, 0xaf, 0x52, 0xd2, 0x51, 0xca, 0x53, 0xb2, 0x32, 0xac, 0xe5, 0xaa, 0x86,
    0x89, 0x1d, 0xde, 0x93, 0x77, 0x78, 0x3d, 0x44, 0x58, 0xd7, 0xa8, 0x96, 0x0b, 0x00, 0xcf, 0xc9,
    0x98, 0x28, 0x2c, 0x00, 0x00, 0x00,
];

#[test]
fn a_file_compressed_by_the_gzip_tool_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cli.jsonl.gz");
    fs::write(&path, GZIP_CLI).unwrap();
    let got = pipeline! { read_json::<Small>(&path) -> collect() }
        .run()
        .unwrap();
    let small = |name: &str, n| Small {
        name: name.to_string(),
        n,
    };
    assert_eq!(got, [small("gz", 1), small("ünï", -2)]);
}

#[test]
fn a_failed_job_leaves_no_output_and_the_old_file_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let out = dir.path().join("out.jsonl");
    let fresh = dir.path().join("fresh.jsonl.gz");
    write_events(&input, &events(2000), 2);
    fs::write(&out, "old\n").unwrap();
    let err = pipeline! {
        let events = read_json::<Event>(&input)
            -> map(|e: Event| if e.id == 1500 { panic!("event 1500") } else { e });
        events -> write_json(&out);
        events -> write_json(&fresh);
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
    assert_eq!(fs::read_to_string(&out).unwrap(), "old\n");
    let mut names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["in.jsonl", "out.jsonl"]);
}

#[test]
fn a_record_that_is_not_json_serializable_names_the_sink() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    let err = pipeline! {
        range(0..10u32)
            -> map(|i: u32| std::collections::BTreeMap::from([((i, i), i)]))
            -> write_json(&out)
    }
    .run()
    .unwrap_err();
    let shown = err.to_string();
    assert!(
        shown.starts_with("operator `write_json` at ") && shown.contains("key must be a string"),
        "{shown}"
    );
    assert!(!out.exists());
}
