//! Compression by extension on every file source and sink: `.gz` and `.zst`, in any case.
//! Files made by the `gzip` and `zstd` tools read back value for value (small committed
//! fixtures, and a larger generated input where the tools are installed); our own outputs
//! round-trip and decompress with the tools; a damaged or truncated file fails naming it.

use dataflow::prelude::*;
use serde::{Deserialize, Serialize};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Row {
    id: u32,
    name: String,
    score: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Small {
    name: String,
    n: i64,
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/compression")
        .join(name)
}

fn read_lines(path: &Path, parallelism: usize) -> Vec<String> {
    pipeline! { read_text(path) -> map(|l: &str| l.to_string()) -> collect() }
        .parallelism(parallelism)
        .run()
        .unwrap()
}

fn read_rows(path: &Path, parallelism: usize) -> Vec<Row> {
    pipeline! { read_csv::<Row>(path) -> collect() }
        .parallelism(parallelism)
        .run()
        .unwrap()
}

fn read_smalls(path: &Path, parallelism: usize) -> Vec<Small> {
    pipeline! { read_json::<Small>(path) -> collect() }
        .parallelism(parallelism)
        .run()
        .unwrap()
}

fn row(id: u32, name: &str, score: f64) -> Row {
    Row {
        id,
        name: name.to_string(),
        score,
    }
}

fn small(name: &str, n: i64) -> Small {
    Small {
        name: name.to_string(),
        n,
    }
}

/// Runs a compression tool; `None` when it is not installed.
fn tool(program: &str, args: &[&str], input: &Path, output: &Path) -> Option<()> {
    let out = fs::File::create(output).unwrap();
    match Command::new(program)
        .args(args)
        .arg(input)
        .stdout(out)
        .status()
    {
        Ok(status) => {
            assert!(status.success(), "{program} failed");
            Some(())
        }
        Err(_) => {
            eprintln!("no {program} tool here: checked on the committed fixtures only");
            None
        }
    }
}

/// Decompresses `path` with a tool (`gzip -dc`, `zstd -dcq`); `None` when it is not installed.
fn tool_decompress(program: &str, path: &Path) -> Option<Vec<u8>> {
    let args: &[&str] = if program == "zstd" {
        &["-dcq"]
    } else {
        &["-dc"]
    };
    match Command::new(program).args(args).arg(path).output() {
        Ok(out) => {
            assert!(
                out.status.success(),
                "{program} -d failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some(out.stdout)
        }
        Err(_) => {
            eprintln!("no {program} tool here: not checked with it");
            None
        }
    }
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

#[test]
fn text_made_by_the_tools_reads_back() {
    let want = [
        "Zürich 8000",
        "København 1050",
        "東京 100-0001",
        "",
        "last line without newline",
    ];
    for name in ["lines.TXT.GZ", "lines.txt.zst"] {
        for threads in [1, 2, 7] {
            assert_eq!(read_lines(&fixture(name), threads), want, "{name}");
        }
    }
}

#[test]
fn csv_made_by_the_tools_reads_back() {
    let want = vec![
        row(1, "two\nlines", 0.5),
        row(2, "plain", 1.5),
        row(3, "quoted, comma", -2.25),
    ];
    for name in ["rows.csv.gz", "rows.CSV.ZST"] {
        for threads in [1, 2, 7] {
            assert_eq!(read_rows(&fixture(name), threads), want, "{name}");
        }
    }
    // Two frames end to end are one stream; the second frame has no header of its own.
    let mut four = want.clone();
    four.push(row(4, "fourth", 4.5));
    assert_eq!(read_rows(&fixture("rows-two-frames.csv.zst"), 2), four);
}

#[test]
fn json_lines_made_by_the_tools_read_back() {
    let want = [small("zst", 1), small("ünï", -2), small("x", 3)];
    for name in ["events.jsonl.Gz", "events.jsonl.zst"] {
        for threads in [1, 2, 7] {
            assert_eq!(read_smalls(&fixture(name), threads), want, "{name}");
        }
    }
}

/// A larger input, of many read blocks, compressed by the installed tools, in a glob with a
/// plain file: every line, in file order, at every parallelism.
#[test]
fn a_large_input_compressed_by_the_tools_reads_back_in_a_glob() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..40_000)
        .map(|i| format!("line {i} {}\n", i * 7))
        .collect();
    let plain = dir.path().join("source"); // not matched by the glob below
    fs::write(&plain, &text).unwrap();
    let made_gz = tool("gzip", &["-c"], &plain, &dir.path().join("a.txt.gz"));
    let made_zst = tool("zstd", &["-q", "-c"], &plain, &dir.path().join("b.txt.ZST"));
    if made_gz.is_none() || made_zst.is_none() {
        return;
    }
    fs::copy(&plain, dir.path().join("c.txt")).unwrap();
    let pattern = dir.path().join("*.*");
    let mut want: Vec<String> = Vec::new();
    for _ in 0..3 {
        want.extend(text.lines().map(str::to_string));
    }
    for threads in [1, 2, 7] {
        let got = read_lines(&pattern, threads);
        assert!(got == want, "parallelism {threads}: {} lines", got.len());
    }
}

/// Every sink writes `.zst` (and `.ZST`) as zstd, one frame per part, and the sources and the
/// `zstd` tool read it back whole, at every parallelism.
#[test]
fn own_zstd_outputs_round_trip_through_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<Row> = (0..10_000)
        .map(|i| row(i, &format!("name, \"{i}\""), f64::from(i) / 8.0))
        .collect();
    let lines: Vec<String> = rows
        .iter()
        .map(|r| format!("{} {}", r.id, r.name))
        .collect();
    for threads in [1, 2, 7] {
        let text = dir.path().join(format!("out{threads}.txt.zst"));
        let csv = dir.path().join(format!("out{threads}.csv.ZST"));
        let json = dir.path().join(format!("out{threads}.jsonl.Zst"));
        let (t, c, j) = pipeline! {
            let rows = from_collection(rows.clone());
            rows -> map(|r: Row| format!("{} {}", r.id, r.name)) -> write_text(&text);
            rows -> write_csv(&csv);
            rows -> write_json(&json);
        }
        .parallelism(threads)
        .run()
        .unwrap();
        assert_eq!((t, c, j), (10_000, 10_000, 10_000));
        for path in [&text, &csv, &json] {
            assert_eq!(fs::read(path).unwrap()[..4], ZSTD_MAGIC, "{path:?}");
        }
        assert_eq!(read_lines(&text, 2), lines, "parallelism {threads}");
        assert_eq!(read_rows(&csv, 3), rows, "parallelism {threads}");
        let back: Vec<Row> = pipeline! { read_json::<Row>(&json) -> collect() }
            .run()
            .unwrap();
        assert_eq!(back, rows, "parallelism {threads}");
        if let Some(bytes) = tool_decompress("zstd", &csv) {
            let text = String::from_utf8(bytes).unwrap();
            // One header, at the top, whatever the number of parts.
            assert_eq!(text.matches("id,name,score").count(), 1);
            assert!(text.starts_with("id,name,score\n0,"), "{}", &text[..40]);
            assert_eq!(text.lines().count(), 10_001);
        }
    }
}

/// `.GZ` is gzip too, and an output without records is a valid empty file of its format.
#[test]
fn upper_case_gzip_and_empty_compressed_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("OUT.TXT.GZ");
    let n = pipeline! { range(0u32..5000) -> write_text(&gz) }
        .parallelism(3)
        .run()
        .unwrap();
    assert_eq!(n, 5000);
    assert_eq!(fs::read(&gz).unwrap()[..2], GZIP_MAGIC);
    let want: Vec<String> = (0..5000).map(|i| i.to_string()).collect();
    assert_eq!(read_lines(&gz, 2), want);
    if let Some(bytes) = tool_decompress("gzip", &gz) {
        assert_eq!(String::from_utf8(bytes).unwrap().lines().count(), 5000);
    }
    for name in ["empty.txt.zst", "empty.txt.gz"] {
        let path = dir.path().join(name);
        let n = pipeline! { range(0u32..100) -> filter(|x: &u32| *x > 1000) -> write_text(&path) }
            .run()
            .unwrap();
        assert_eq!(n, 0);
        assert!(
            !fs::read(&path).unwrap().is_empty(),
            "{name}: a valid empty stream"
        );
        assert!(read_lines(&path, 2).is_empty());
        let program = if name.ends_with("zst") {
            "zstd"
        } else {
            "gzip"
        };
        if let Some(bytes) = tool_decompress(program, &path) {
            assert!(bytes.is_empty());
        }
    }
}

/// A damaged, truncated or mislabelled compressed file fails the job with an error naming the
/// file and the format, through every source.
#[test]
fn a_corrupt_compressed_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let csv: String = std::iter::once("id,name,score\n".to_string())
        .chain((0..20_000).map(|i| format!("{i},n{i},{i}.5\n")))
        .collect();
    for (ext, format) in [("gz", "gzip"), ("zst", "zstd")] {
        let good = dir.path().join(format!("good.csv.{ext}"));
        pipeline! { read_text(fixture_plain(&dir, &csv)) -> write_text(&good) }
            .run()
            .unwrap();
        let bytes = fs::read(&good).unwrap();
        let truncated = bytes[..bytes.len() * 2 / 3].to_vec();
        let mut damaged = bytes.clone();
        let middle = damaged.len() / 2;
        for b in &mut damaged[middle..middle + 8] {
            *b ^= 0xa5;
        }
        let cases = [
            ("truncated", truncated),
            ("damaged", damaged),
            ("not-compressed", csv.as_bytes().to_vec()),
        ];
        for (what, content) in cases {
            let name = format!("{what}.csv.{ext}");
            let path = dir.path().join(&name);
            fs::write(&path, content).unwrap();
            let errors = [
                pipeline! { read_text(&path) -> count() }.run().unwrap_err(),
                pipeline! { read_csv::<Row>(&path) -> count() }
                    .run()
                    .unwrap_err(),
                pipeline! { read_json::<Row>(&path, bad_records = skip) -> count() }
                    .run()
                    .unwrap_err(),
            ];
            for err in errors {
                let err = err.to_string();
                assert!(err.contains(&name), "{name}: {err}");
                // Damaged data may first decode to a bad line, which is named as such.
                if what != "damaged" {
                    let says = format!("not valid {format} data");
                    assert!(err.contains(&says), "{name}: {err}");
                }
            }
        }
    }
}

/// Writes `text` to a plain file in `dir` and returns its path.
fn fixture_plain(dir: &tempfile::TempDir, text: &str) -> PathBuf {
    let path = dir.path().join("plain.csv");
    fs::write(&path, text).unwrap();
    path
}
