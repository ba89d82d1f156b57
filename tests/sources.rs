//! Sources through `pipeline!`: text files (edge cases of line ends, sizes, directories, globs,
//! gzip), CSV files, iterators, ranges and borrowed collections.

use dataflow::prelude::*;
use std::fs;
use std::path::Path;

fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> String {
    let path = dir.join(name);
    fs::write(&path, content).unwrap();
    path.to_str().unwrap().to_string()
}

/// The lines of `text` as `str::lines` splits them (`\n` or `\r\n`, last one optional).
fn lines_of(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

fn read_lines(pattern: &str, parallelism: usize) -> Vec<String> {
    pipeline! {
        read_text(pattern) -> map(|l: &str| l.to_string()) -> collect()
    }
    .parallelism(parallelism)
    .run()
    .unwrap()
}

// ---------------------------------------------------------------------------------------------
// A minimal gzip writer (stored deflate blocks), so that the tests need no compression crate.
// ---------------------------------------------------------------------------------------------

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let mut chunks: Vec<&[u8]> = data.chunks(65_535).collect();
    if chunks.is_empty() {
        chunks.push(&[]);
    }
    let last = chunks.len() - 1;
    for (i, chunk) in chunks.iter().enumerate() {
        out.push(u8::from(i == last));
        let len = chunk.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

#[test]
fn the_gzip_helper_is_right() {
    // The CRC-32 check value of the standard test vector.
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
}

// ---------------------------------------------------------------------------------------------
// read_text
// ---------------------------------------------------------------------------------------------

#[test]
fn read_text_of_an_empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "empty.txt", "");
    let (lines, n) = pipeline! {
        let ls = read_text(&path);
        ls -> map(|l: &str| l.to_string()) -> collect();
        ls -> count();
    }
    .run()
    .unwrap();
    assert!(lines.is_empty());
    assert_eq!(n, 0);
}

#[test]
fn read_text_without_a_trailing_newline() {
    let dir = tempfile::tempdir().unwrap();
    for text in ["a\nb\nc", "only", "a\n\nb", "\n", "\n\nx", "x\n\n"] {
        let path = write(dir.path(), "t.txt", text);
        assert_eq!(read_lines(&path, 2), lines_of(text), "{text:?}");
    }
}

#[test]
fn read_text_strips_crlf() {
    let dir = tempfile::tempdir().unwrap();
    let text = "a\r\nb\r\n\r\nc\rd\r\ne";
    let path = write(dir.path(), "crlf.txt", text);
    let lines = read_lines(&path, 2);
    assert_eq!(lines, vec!["a", "b", "", "c\rd", "e"]);
    assert_eq!(lines, lines_of(text));
}

#[test]
fn read_text_yields_borrowed_lines_to_every_operator() {
    let dir = tempfile::tempdir().unwrap();
    let text = "the quick brown fox\njumps over\nthe lazy dog\n";
    let path = write(dir.path(), "words.txt", text);
    let (mut counts, longest, chars) = pipeline! {
        let ls = read_text(&path);
        ls -> flat_map(|l: &str| l.split(' ').map(str::to_string).collect::<Vec<_>>()) -> key_by(|w: &String| w.clone()) -> count() -> collect();
        ls -> map(|l: &str| l.to_string()) -> max_by(|l: &String| l.len()) -> collect();
        ls -> map(|l: &str| l.len()) -> sum();
    }
    .run()
    .unwrap();
    counts.sort();
    let mut expected: Vec<(String, u64)> = Vec::new();
    for w in text.split_whitespace() {
        match expected.iter_mut().find(|(k, _)| k == w) {
            Some((_, n)) => *n += 1,
            None => expected.push((w.to_string(), 1)),
        }
    }
    expected.sort();
    assert_eq!(counts, expected);
    assert_eq!(longest, vec!["the quick brown fox".to_string()]);
    assert_eq!(chars, text.lines().map(str::len).sum::<usize>());
}

#[test]
fn read_text_with_a_line_of_5_mb() {
    let dir = tempfile::tempdir().unwrap();
    let long: String = (0..5 << 20)
        .map(|i| (b'a' + (i % 26) as u8) as char)
        .collect();
    let text = format!("first\n{long}\nlast\n");
    let path = write(dir.path(), "long.txt", &text);
    let (lens, (last, metrics)) = (
        pipeline! { read_text(&path) -> map(|l: &str| l.len()) -> collect() }
            .parallelism(2)
            .run()
            .unwrap(),
        pipeline! { read_text(&path) -> filter(|l: &&str| l.len() > 100) -> map(|l: &str| l == long) -> collect() }
            .parallelism(2)
            .run_with_metrics()
            .unwrap(),
    );
    assert_eq!(lens, vec![5, long.len(), 4]);
    assert_eq!(last, vec![true]);
    assert_eq!(metrics.records_read(), 3);
    assert_eq!(metrics.sources[0].bytes, text.len() as u64);
}

#[test]
fn read_text_of_a_directory_of_200_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut expected = Vec::new();
    for i in 0..200 {
        // Some files are empty, some lack a final newline.
        let lines: Vec<String> = (0..i % 5).map(|j| format!("f{i}-l{j}")).collect();
        let mut text = lines.join("\n");
        if i % 3 == 0 && !text.is_empty() {
            text.push('\n');
        }
        write(dir.path(), &format!("part-{i:03}.txt"), text);
        expected.extend(lines);
    }
    // Hidden files and subdirectories are not read.
    write(dir.path(), ".hidden", "secret\n");
    fs::create_dir(dir.path().join("sub")).unwrap();
    write(&dir.path().join("sub"), "inner.txt", "inner\n");
    let dir_str = dir.path().to_str().unwrap();
    for p in [1, 4] {
        assert_eq!(read_lines(dir_str, p), expected, "parallelism {p}");
    }
    let (n, metrics) = pipeline! { read_text(dir_str) -> count() }
        .parallelism(4)
        .run_with_metrics()
        .unwrap();
    assert_eq!(n, expected.len() as u64);
    assert_eq!(metrics.records_read(), expected.len() as u64);
}

#[test]
fn read_text_of_a_glob() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "b.txt", "b1\nb2\n");
    write(dir.path(), "a.txt", "a1\n");
    write(dir.path(), "c.log", "c1\n");
    write(dir.path(), "ab.txt", "ab1\n");
    write(dir.path(), ".h.txt", "hidden\n");
    fs::create_dir(dir.path().join("sub")).unwrap();
    write(&dir.path().join("sub"), "d.txt", "d1\n");
    let base = dir.path().to_str().unwrap();
    assert_eq!(
        read_lines(&format!("{base}/*.txt"), 2),
        vec!["a1", "ab1", "b1", "b2"]
    );
    assert_eq!(
        read_lines(&format!("{base}/?.txt"), 2),
        vec!["a1", "b1", "b2"]
    );
    assert_eq!(
        read_lines(&format!("{base}/[bc].*"), 2),
        vec!["b1", "b2", "c1"]
    );
    assert_eq!(read_lines(&format!("{base}/*/*.txt"), 2), vec!["d1"]);
}

/// A FIFO has no length to split by: it is opened and read as one stream, to its end.
#[test]
fn read_text_of_a_fifo_reads_what_the_writer_writes() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("lines.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("run mkfifo");
    assert!(made.success());
    let text: String = (0..50_000).map(|i| format!("fifo line {i}\n")).collect();
    let writer = {
        let (fifo, text) = (fifo.clone(), text.clone());
        // Opening a FIFO for writing blocks until a reader opens it.
        std::thread::spawn(move || fs::write(fifo, text).unwrap())
    };
    let got = read_lines(fifo.to_str().unwrap(), 2);
    // Checked before joining: had the job not opened the FIFO, the writer would never return.
    assert_eq!(got, lines_of(&text));
    writer.join().unwrap();
}

const STDIN_CHILD_VAR: &str = "DATAFLOW_TEST_STDIN_LINES";

/// `/dev/stdin` is read as a stream: checked in a child process (this test binary, running
/// only the ignored test below) whose standard input is a pipe.
#[test]
fn read_text_of_dev_stdin_reads_a_piped_input() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let lines = 20_000;
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "--ignored",
            "--nocapture",
            "stdin_child_reads_dev_stdin",
        ])
        .env(STDIN_CHILD_VAR, lines.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the child");
    let mut stdin = child.stdin.take().unwrap();
    // Writes until done or until the child stops reading (a failed child closes the pipe).
    let writer = std::thread::spawn(move || -> std::io::Result<()> {
        for i in 0..lines {
            writeln!(stdin, "stdin line {i}")?;
        }
        Ok(())
    });
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    writer.join().unwrap().unwrap();
}

#[test]
#[ignore = "run by read_text_of_dev_stdin_reads_a_piped_input with a pipe as its stdin"]
fn stdin_child_reads_dev_stdin() {
    let lines: usize = std::env::var(STDIN_CHILD_VAR).unwrap().parse().unwrap();
    let want: Vec<String> = (0..lines).map(|i| format!("stdin line {i}")).collect();
    assert_eq!(read_lines("/dev/stdin", 2), want);
}

/// A file truncated after the job listed it fails the job, naming the file, instead of giving
/// the lines that happened to be left.
#[test]
fn read_text_of_a_file_truncated_while_read_fails() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..100_000).map(|i| format!("line {i}\n")).collect();
    let path = write(dir.path(), "shrinks.txt", &text);
    let path = path.as_str();
    let result = pipeline! {
        read_text(path)
            -> map(|l: &str| {
                if l == "line 0" {
                    let file = fs::OpenOptions::new().write(true).open(path).unwrap();
                    file.set_len(1000).unwrap();
                }
                l.len()
            })
            -> count()
    }
    .parallelism(2)
    .run();
    let err = result.expect_err("a partial result");
    let text = err.to_string();
    assert!(text.starts_with(&format!("cannot read {path}: ")), "{text}");
    assert!(text.contains("changed while the job read it"), "{text}");
}

/// Past the first morsel (8 MiB) too, a skipped line is named `path:line:column`.
#[test]
fn read_text_names_skipped_lines_by_line_number_past_the_first_morsel() {
    let dir = tempfile::tempdir().unwrap();
    let mut content = Vec::new();
    let mut line = 0;
    while content.len() < 9 << 20 {
        line += 1;
        content.extend_from_slice(
            format!("good line {line} of a file larger than a morsel\n").as_bytes(),
        );
    }
    content.extend_from_slice(b"bad \xff\n");
    let bad_line = line + 1;
    let path = write(dir.path(), "big.txt", content);
    let path = path.as_str();
    let (n, metrics) = pipeline! {
        read_text(path, bad_records = skip) -> count()
    }
    .parallelism(2)
    .run_with_metrics()
    .unwrap();
    assert_eq!(n, line as u64);
    assert_eq!(metrics.skipped(), 1);
    let want = format!("{path}:{bad_line}:5: invalid UTF-8");
    assert!(
        metrics.skipped_samples[0].contains(&want),
        "{:?} lacks {want}",
        metrics.skipped_samples
    );
}

/// An existing path is read as it is, even with glob characters in its name.
#[test]
fn read_text_of_an_existing_path_with_glob_characters() {
    let dir = tempfile::tempdir().unwrap();
    let literal = write(dir.path(), "report[2024].txt", "from the literal name\n");
    // What the name matches as a glob: not read.
    write(dir.path(), "report2.txt", "from a glob match\n");
    assert_eq!(read_lines(&literal, 2), vec!["from the literal name"]);
    let base = dir.path().to_str().unwrap();
    assert_eq!(
        read_lines(&format!("{base}/report[0-9].txt"), 2),
        vec!["from a glob match"]
    );
}

/// files.rs documents that "hidden files need an explicit `.`" in a glob.
#[test]
fn read_text_of_a_glob_naming_hidden_files() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".h.txt", "hidden\n");
    write(dir.path(), "a.txt", "visible\n");
    let base = dir.path().to_str().unwrap();
    assert_eq!(read_lines(&format!("{base}/.h*"), 2), vec!["hidden"]);
    assert_eq!(read_lines(&format!("{base}/.*.txt"), 2), vec!["hidden"]);
}

#[test]
fn read_text_of_a_gzip_file() {
    let dir = tempfile::tempdir().unwrap();
    // More than one read block (1 MiB) of decompressed text, in many deflate blocks.
    let text: String = (0..120_000).map(|i| format!("line {i}\n")).collect();
    assert!(text.len() > 1 << 20);
    let path = write(dir.path(), "big.txt.gz", gzip(text.as_bytes()));
    assert_eq!(read_lines(&path, 2), lines_of(&text));

    // An empty gzip file, and one without a final newline.
    let empty = write(dir.path(), "empty.gz", gzip(b""));
    assert!(read_lines(&empty, 2).is_empty());
    let short = write(dir.path(), "short.gz", gzip(b"x\r\ny"));
    assert_eq!(read_lines(&short, 2), vec!["x", "y"]);

    // Concatenated gzip members are one stream.
    let mut two = gzip(b"m1\nm2\n");
    two.extend(gzip(b"m3\n"));
    let multi = write(dir.path(), "multi.gz", two);
    assert_eq!(read_lines(&multi, 2), vec!["m1", "m2", "m3"]);
}

#[test]
fn read_text_of_a_glob_mixing_gzip_and_plain_files() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "1.txt", "one\n");
    write(dir.path(), "2.txt.gz", gzip(b"two\nthree\n"));
    write(dir.path(), "3.txt", "four");
    let base = dir.path().to_str().unwrap();
    assert_eq!(
        read_lines(&format!("{base}/*"), 3),
        vec!["one", "two", "three", "four"]
    );
}

/// One file larger than a morsel (8 MiB) through `pipeline!`: split across tasks, every line
/// read once and in order.
#[test]
fn read_text_of_a_file_larger_than_one_morsel() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::with_capacity(9 << 20);
    let mut i = 0u64;
    while text.len() < (8 << 20) + (300 << 10) {
        // Lines of varying length, so that the morsel cut falls inside a line.
        let pad = "x".repeat((i * 7919 % 150) as usize);
        text.push_str(&format!("{i}:{pad}\n"));
        i += 1;
    }
    let path = write(dir.path(), "big.txt", &text);
    let (ids, metrics) = pipeline! {
        read_text(&path) -> map(|l: &str| (l[..l.find(':').unwrap()].parse::<u64>().unwrap(), l.len())) -> collect()
    }
    .parallelism(4)
    .run_with_metrics()
    .unwrap();
    let expected: Vec<(u64, usize)> = text
        .lines()
        .map(|l| (l[..l.find(':').unwrap()].parse().unwrap(), l.len()))
        .collect();
    assert_eq!(ids.len(), i as usize);
    assert_eq!(ids, expected);
    assert_eq!(metrics.records_read(), i);
    assert_eq!(metrics.sources[0].bytes, text.len() as u64);
}

/// The text source with tiny morsels and read blocks (the runtime's test hooks), so that morsel
/// boundaries fall at every position of small files: before, on and after `\n`, inside `\r\n`,
/// inside multi-byte characters and inside lines longer than a block.
#[test]
fn read_text_with_tiny_morsels_reads_every_line_once() {
    use dataflow::__private::rt;
    static OP: rt::guard::OpInfo = rt::guard::OpInfo {
        name: "read_text",
        file: file!(),
        line: line!(),
        column: 1,
    };
    let dir = tempfile::tempdir().unwrap();
    let texts = [
        "",
        "\n",
        "a",
        "a\n",
        "ab\ncd\nef",
        "\n\n\n",
        "x\r\ny\r\n\r\nz",
        "héllo wörld\nçà\n€uro\n",
        "a long line that is longer than any block\nshort\n\nanother long line, still longer than a block",
        "1\n22\n333\n4444\n55555\n666666\n7777777\n",
    ];
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap();
    for (t, text) in texts.iter().enumerate() {
        let path = write(dir.path(), &format!("t{t}.txt"), text);
        for morsel in 1..=text.len().max(1) as u64 + 1 {
            for block in [1, 2, 3, 7, 64] {
                let src = rt::source::text::TextSource::new(path.as_str())
                    .morsel_bytes(morsel)
                    .block_bytes(block);
                let ctx = rt::Context::new(4);
                let states = pool
                    .install(|| {
                        rt::guard::catch_task(|| {
                            rt::source::text::drive_lines(
                                &ctx,
                                &OP,
                                &src,
                                Vec::new,
                                |v: &mut Vec<String>, l: &str| v.push(l.to_string()),
                            )
                        })
                    })
                    .unwrap()
                    .unwrap();
                let lines: Vec<String> = states.into_iter().flatten().collect();
                assert_eq!(
                    lines,
                    lines_of(text),
                    "text {text:?}, morsel {morsel}, block {block}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// read_csv
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, PartialOrd, serde::Deserialize)]
struct Person {
    name: String,
    age: u32,
    city: Option<String>,
}

fn person(name: &str, age: u32, city: Option<&str>) -> Person {
    Person {
        name: name.to_string(),
        age,
        city: city.map(str::to_string),
    }
}

#[test]
fn read_csv_with_a_header_into_a_struct_with_an_option() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "people.csv",
        "name,age,city\nann,30,\nbob,41,paris\ncid,7,rome\n",
    );
    let (people, metrics) = pipeline! {
        read_csv::<Person>(&path) -> collect()
    }
    .parallelism(2)
    .run_with_metrics()
    .unwrap();
    assert_eq!(
        people,
        vec![
            person("ann", 30, None),
            person("bob", 41, Some("paris")),
            person("cid", 7, Some("rome")),
        ]
    );
    assert_eq!(metrics.records_read(), 3);
    assert_eq!(metrics.skipped(), 0);
}

#[test]
fn read_csv_matches_header_names_not_positions() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "people.csv",
        "city,age,name\n,30,ann\nparis,41,bob\n",
    );
    let people = pipeline! { read_csv::<Person>(&path) -> collect() }
        .run()
        .unwrap();
    assert_eq!(
        people,
        vec![person("ann", 30, None), person("bob", 41, Some("paris"))]
    );
}

#[test]
fn read_csv_without_a_header() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "rows.csv", "ann,30,\nbob,41,paris\n");
    let (tuples, people) = pipeline! {
        read_csv::<(String, u32, String)>(&path, header = false) -> collect();
        read_csv::<Person>(&path, header = false) -> collect();
    }
    .run()
    .unwrap();
    assert_eq!(
        tuples,
        vec![
            ("ann".to_string(), 30, String::new()),
            ("bob".to_string(), 41, "paris".to_string())
        ]
    );
    assert_eq!(
        people,
        vec![person("ann", 30, None), person("bob", 41, Some("paris"))]
    );
}

#[test]
fn read_csv_with_a_delimiter() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "semi.csv",
        "name;age;city\nsmith, john;52;oslo\n",
    );
    let people = pipeline! { read_csv::<Person>(&path, delimiter = b';') -> collect() }
        .run()
        .unwrap();
    assert_eq!(people, vec![person("smith, john", 52, Some("oslo"))]);
    let tabs = write(dir.path(), "tabs.tsv", "a\t1\t\nb\t2\tx\n");
    let rows = pipeline! {
        read_csv::<(String, u8, Option<String>)>(&tabs, header = false, delimiter = b'\t') -> collect()
    }
    .run()
    .unwrap();
    assert_eq!(
        rows,
        vec![
            ("a".to_string(), 1, None),
            ("b".to_string(), 2, Some("x".to_string()))
        ]
    );
}

#[test]
fn read_csv_with_quoted_fields_holding_commas_and_newlines() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "quoted.csv",
        "name,age,city\n\"smith, john\",5,\"new\nyork\"\n\"say \"\"hi\"\"\",6,\"a,b\r\nc\"\nplain,7,x\n",
    );
    let people = pipeline! { read_csv::<Person>(&path) -> collect() }
        .run()
        .unwrap();
    assert_eq!(
        people,
        vec![
            person("smith, john", 5, Some("new\nyork")),
            person("say \"hi\"", 6, Some("a,b\r\nc")),
            person("plain", 7, Some("x")),
        ]
    );
}

#[test]
fn read_csv_with_another_quote_or_no_quoting() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "q.csv", "name,age,city\n'a,b',1,\"c\"\n");
    let raw = write(dir.path(), "raw.csv", "'a,b',1,\"c\"\n");
    let (single, none) = pipeline! {
        read_csv::<Person>(&path, quote = b'\'') -> collect();
        read_csv::<(String, String, String, String)>(&raw, quoting = false, header = false) -> collect();
    }
    .run()
    .unwrap();
    assert_eq!(single, vec![person("a,b", 1, Some("\"c\""))]);
    assert_eq!(
        none,
        vec![(
            "'a".to_string(),
            "b'".to_string(),
            "1".to_string(),
            "\"c\"".to_string()
        )]
    );
}

#[test]
fn read_csv_with_crlf_and_no_final_newline() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "crlf.csv",
        "name,age,city\r\nann,30,x\r\nbob,41,",
    );
    let people = pipeline! { read_csv::<Person>(&path) -> collect() }
        .run()
        .unwrap();
    assert_eq!(
        people,
        vec![person("ann", 30, Some("x")), person("bob", 41, None)]
    );
}

#[test]
fn read_csv_of_a_directory_in_file_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut expected = Vec::new();
    for f in 0..30 {
        let mut text = String::from("name,age,city\n");
        for r in 0..(f % 4) {
            text.push_str(&format!("p{f}-{r},{},\n", f * 10 + r));
            expected.push(person(&format!("p{f}-{r}"), f * 10 + r, None));
        }
        write(dir.path(), &format!("f{f:02}.csv"), text);
    }
    let dir_str = dir.path().to_str().unwrap();
    let (people, metrics) = pipeline! {
        read_csv::<Person>(dir_str) -> collect()
    }
    .parallelism(4)
    .run_with_metrics()
    .unwrap();
    assert_eq!(people, expected);
    assert_eq!(metrics.records_read(), expected.len() as u64);
}

#[test]
fn read_csv_feeds_keyed_aggregations() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("name,age,city\n");
    let cities = ["oslo", "rome", "lima"];
    for i in 0..5000u32 {
        text.push_str(&format!("p{i},{},{}\n", i % 90, cities[(i % 3) as usize]));
    }
    let path = write(dir.path(), "many.csv", &text);
    let mut out = pipeline! {
        read_csv::<Person>(&path) -> key_by(|p: &Person| p.city.clone()) -> sum(|p: &Person| p.age as u64) -> collect()
    }
    .parallelism(4)
    .run()
    .unwrap();
    out.sort();
    let mut expected: Vec<(Option<String>, u64)> = cities
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let sum = (0..5000u32)
                .filter(|i| (i % 3) as usize == c)
                .map(|i| (i % 90) as u64)
                .sum();
            (Some(name.to_string()), sum)
        })
        .collect();
    expected.sort();
    assert_eq!(out, expected);
}

// ---------------------------------------------------------------------------------------------
// from_iter, range, from_collection
// ---------------------------------------------------------------------------------------------

#[test]
fn from_iter_keeps_order() {
    let squares = pipeline! {
        from_iter((0u64..20_000).map(|x| x * x)) -> filter(|x: &u64| x % 3 != 1) -> collect()
    }
    .parallelism(4)
    .run()
    .unwrap();
    let expected: Vec<u64> = (0u64..20_000)
        .map(|x| x * x)
        .filter(|x| x % 3 != 1)
        .collect();
    assert_eq!(squares, expected);
}

#[test]
fn from_iter_of_other_iterators() {
    let word = String::from("dataflow");
    let set: std::collections::BTreeSet<i32> = (0..100).map(|x| x * 3 % 17).collect();
    let (chars, sum, empty) = pipeline! {
        from_iter(word.chars()) -> map(|c: char| c.to_ascii_uppercase()) -> collect();
        from_iter(set.iter().copied()) -> sum();
        from_iter(std::iter::empty::<u8>()) -> count();
    }
    .run()
    .unwrap();
    assert_eq!(chars.into_iter().collect::<String>(), "DATAFLOW");
    assert_eq!(sum, set.iter().sum::<i32>());
    assert_eq!(empty, 0);
}

#[test]
fn range_exclusive_and_inclusive() {
    let (excl, incl, neg, sum) = pipeline! {
        range(0..10) -> collect();
        range(1..=10) -> collect();
        range(-5i64..=5) -> collect();
        range(1u64..=1_000_000) -> sum();
    }
    .parallelism(4)
    .run()
    .unwrap();
    assert_eq!(excl, (0..10).collect::<Vec<_>>());
    assert_eq!(incl, (1..=10).collect::<Vec<_>>());
    assert_eq!(neg, (-5i64..=5).collect::<Vec<_>>());
    assert_eq!(sum, (1u64..=1_000_000).sum::<u64>());
}

#[test]
fn range_edges_of_integer_types() {
    let (all_u8, top_u64, bottom_i64, all_i8, usizes) = pipeline! {
        range(0u8..=255) -> collect();
        range(u64::MAX - 3..=u64::MAX) -> collect();
        range(i64::MIN..i64::MIN + 3) -> collect();
        range(i8::MIN..=i8::MAX) -> count();
        range(10usize..20) -> map(|x: usize| x * 2) -> collect();
    }
    .run()
    .unwrap();
    assert_eq!(all_u8, (0u8..=255).collect::<Vec<_>>());
    assert_eq!(top_u64, (u64::MAX - 3..=u64::MAX).collect::<Vec<_>>());
    assert_eq!(bottom_i64, (i64::MIN..i64::MIN + 3).collect::<Vec<_>>());
    assert_eq!(all_i8, 256);
    assert_eq!(usizes, (10usize..20).map(|x| x * 2).collect::<Vec<_>>());
}

#[test]
#[allow(clippy::reversed_empty_ranges)]
fn empty_ranges() {
    let (a, b, c) = pipeline! {
        range(5..5) -> count();
        range(5..=4) -> count();
        range(10i32..0) -> collect();
    }
    .run()
    .unwrap();
    assert_eq!((a, b), (0, 0));
    assert!(c.is_empty());
}

#[test]
fn range_bounds_from_locals() {
    let (lo, hi) = (3u32, 40_000u32);
    let out = pipeline! { range(lo..=hi) -> filter(|x: &u32| x.is_multiple_of(1000)) -> collect() }
        .parallelism(4)
        .run()
        .unwrap();
    assert_eq!(out, (lo..=hi).filter(|x| x % 1000 == 0).collect::<Vec<_>>());
}

#[test]
fn from_collection_over_a_borrowed_vec_yields_references() {
    let names: Vec<String> = (0..10_000).map(|i| format!("name-{i}")).collect();
    let (lens, refs, mut by_len, slice) = pipeline! {
        let ns = from_collection(&names);
        ns -> map(|s: &String| s.len()) -> collect();
        ns -> filter(|s: &&String| s.ends_with('7')) -> collect();
        ns -> key_by(|s: &&String| s.len()) -> count() -> collect();
        from_collection(&names[9_990..]) -> map(|s: &String| s.clone()) -> collect();
    }
    .parallelism(4)
    .run()
    .unwrap();
    // The collection is still there: it was only borrowed.
    assert_eq!(names.len(), 10_000);
    assert_eq!(lens, names.iter().map(String::len).collect::<Vec<_>>());
    let expected: Vec<&String> = names.iter().filter(|s| s.ends_with('7')).collect();
    assert_eq!(refs, expected);
    // The references point into `names`, not at copies.
    assert!(refs
        .iter()
        .all(|r| names.iter().any(|n| std::ptr::eq(n, *r))));
    by_len.sort();
    let mut expected: Vec<(usize, u64)> = Vec::new();
    for n in &names {
        match expected.iter_mut().find(|(l, _)| *l == n.len()) {
            Some((_, c)) => *c += 1,
            None => expected.push((n.len(), 1)),
        }
    }
    expected.sort();
    assert_eq!(by_len, expected);
    assert_eq!(slice, names[9_990..].to_vec());
}

#[test]
fn from_collection_of_an_empty_vec() {
    let empty: Vec<String> = Vec::new();
    let (a, b) = pipeline! {
        let xs = from_collection(empty.clone());
        xs -> collect();
        xs -> key_by(|s: &String| s.len()) -> count() -> collect();
    }
    .parallelism(4)
    .run()
    .unwrap();
    assert!(a.is_empty());
    assert!(b.is_empty());
}
