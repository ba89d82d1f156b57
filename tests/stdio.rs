//! `-` as a source reads standard input as one stream (`read_text`, `read_csv`, `read_json`),
//! and as a sink writes standard output once the job has succeeded (`write_text`, `write_csv`,
//! `write_json`), so that a job fits in a shell pipe. Checked in child processes: this test
//! binary, running one of the ignored tests below with a pipe as its standard input or output.

use dataflow::prelude::*;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::process::{Command, Stdio};

/// Set in the child's environment: what the child does, so that an ignored test run by hand
/// (`cargo test -- --ignored`) does nothing rather than wait for a terminal's input.
const CHILD_VAR: &str = "DATAFLOW_TEST_STDIO_CHILD";

/// Marks the child's own output on standard output, around what a job wrote there (the test
/// harness prints its lines too).
const BEGIN: &str = "<<<begin>>>\n";
const END: &str = "<<<end>>>\n";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Row {
    id: u32,
    name: String,
}

const LINES: u32 = 30_000;

fn rows() -> Vec<Row> {
    (0..LINES)
        .map(|id| Row {
            id,
            name: format!("name {id}, \"quoted\""),
        })
        .collect()
}

/// What the parent pipes into the child for `format`.
fn input(format: &str) -> Vec<u8> {
    let mut out = Vec::new();
    match format {
        "text" => (0..LINES).for_each(|i| writeln!(out, "stdin line {i}").unwrap()),
        "csv" => {
            let mut w = csv::Writer::from_writer(&mut out);
            rows().iter().for_each(|r| w.serialize(r).unwrap());
            w.flush().unwrap();
        }
        "json" => rows()
            .iter()
            .for_each(|r| writeln!(out, "{}", serde_json_line(r)).unwrap()),
        other => panic!("no format {other}"),
    }
    out
}

fn serde_json_line(r: &Row) -> String {
    // The JSON-lines form `write_json` gives a `Row` (compact, fields in order).
    let name = r.name.replace('"', "\\\"");
    format!("{{\"id\":{},\"name\":\"{name}\"}}", r.id)
}

/// Runs the ignored test `test` in a child with `CHILD_VAR=what`, `stdin` piped in; returns
/// its standard output, after checking that it passed.
fn run_child(test: &str, what: &str, stdin: Option<Vec<u8>>) -> String {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
            test,
        ])
        .env(CHILD_VAR, what)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the child");
    let writer = stdin.map(|bytes| {
        let mut pipe = child.stdin.take().unwrap();
        // Until done or until the child stops reading (a failed child closes the pipe).
        std::thread::spawn(move || pipe.write_all(&bytes))
    });
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "child {test} {what} failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    if let Some(writer) = writer {
        writer.join().unwrap().unwrap();
    }
    stdout
}

/// The blocks a child wrote between [`BEGIN`] and [`END`], in order.
fn blocks(stdout: &str) -> Vec<&str> {
    stdout
        .split(BEGIN)
        .skip(1)
        .map(|rest| rest.split(END).next().expect("an end marker"))
        .collect()
}

#[test]
fn read_text_csv_and_json_of_dash_read_standard_input() {
    for format in ["text", "csv", "json"] {
        run_child("child_reads_standard_input", format, Some(input(format)));
    }
}

#[test]
#[ignore = "run by read_text_csv_and_json_of_dash_read_standard_input, with a pipe as stdin"]
fn child_reads_standard_input() {
    let Ok(format) = std::env::var(CHILD_VAR) else {
        return;
    };
    let (got, metrics) = match format.as_str() {
        "text" => {
            let (lines, metrics) =
                pipeline! { read_text("-") -> map(|l: &str| l.to_string()) -> collect() }
                    .parallelism(2)
                    .run_with_metrics()
                    .unwrap();
            let want: Vec<String> = (0..LINES).map(|i| format!("stdin line {i}")).collect();
            assert_eq!(lines, want);
            (lines.len(), metrics)
        }
        "csv" => {
            let (got, metrics) = pipeline! { read_csv::<Row>("-") -> collect() }
                .parallelism(7)
                .run_with_metrics()
                .unwrap();
            assert_eq!(got, rows());
            (got.len(), metrics)
        }
        _ => {
            let (got, metrics) = pipeline! { read_json::<Row>("-") -> collect() }
                .parallelism(2)
                .run_with_metrics()
                .unwrap();
            assert_eq!(got, rows());
            (got.len(), metrics)
        }
    };
    assert_eq!(got as u64, metrics.records_read());
    // The stream's size is what was read from it.
    assert_eq!(metrics.sources[0].bytes, input(&format).len() as u64);
}

#[test]
fn write_text_csv_and_json_of_dash_write_standard_output() {
    let stdout = run_child("child_writes_standard_output", "write", None);
    let blocks = blocks(&stdout);
    assert_eq!(blocks.len(), 4, "{stdout}");
    let text: String = rows().iter().map(|r| format!("{}\n", r.id)).collect();
    assert_eq!(blocks[0], text);
    // The CSV header once, whatever the number of parts.
    let csv = String::from_utf8(input("csv")).unwrap();
    assert_eq!(blocks[1], csv);
    let json = String::from_utf8(input("json")).unwrap();
    assert_eq!(blocks[2], json);
    // A failed job writes nothing.
    assert_eq!(blocks[3], "");
}

#[test]
#[ignore = "run by write_text_csv_and_json_of_dash_write_standard_output, with a pipe as stdout"]
fn child_writes_standard_output() {
    if std::env::var(CHILD_VAR).is_err() {
        return;
    }
    let rows = rows();
    let marked = |job: &dyn Fn()| {
        // Through the same handle the sinks write with, so that the order holds.
        print!("{BEGIN}");
        job();
        print!("{END}");
    };
    marked(&|| {
        let n =
            pipeline! { from_collection(rows.clone()) -> map(|r: Row| r.id) -> write_text("-") }
                .parallelism(7)
                .run()
                .unwrap();
        assert_eq!(n, u64::from(LINES));
    });
    marked(&|| {
        let n = pipeline! { from_collection(rows.clone()) -> write_csv("-") }
            .parallelism(3)
            .run()
            .unwrap();
        assert_eq!(n, u64::from(LINES));
    });
    marked(&|| {
        let n = pipeline! { from_collection(rows.clone()) -> write_json("-") }
            .parallelism(2)
            .run()
            .unwrap();
        assert_eq!(n, u64::from(LINES));
    });
    marked(&|| {
        let result = pipeline! {
            from_collection(rows.clone())
                -> map(|r: Row| if r.id == 20_000 { panic!("record {}", r.id) } else { r.id })
                -> write_text("-")
        }
        .parallelism(2)
        .run();
        assert!(result.is_err());
    });
}
