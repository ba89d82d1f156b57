use super::*;
use crate::{Job, Metrics};
use std::fs;
use std::io::Write;

static OP: OpInfo = OpInfo {
    name: "read_text",
    file: "src/main.rs",
    line: 4,
    column: 9,
};

/// Runs a one-stage job that collects the lines; returns them, the job's metrics and the
/// number of task states.
fn run(src: &TextSource) -> Result<(Vec<String>, Metrics, usize)> {
    let src = src.clone();
    let job = Job::new("test", Some(2), move |ctx: &Context| {
        drive_lines(ctx, &OP, &src, Vec::new, |v: &mut Vec<String>, l: &str| {
            v.push(l.to_owned())
        })
    });
    let (states, metrics) = job.run_with_metrics()?;
    let tasks = states.len();
    Ok((states.concat(), metrics, tasks))
}

fn lines(src: &TextSource) -> Vec<String> {
    run(src).unwrap().0
}

fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> String {
    let path = dir.join(name);
    fs::write(&path, content).unwrap();
    path.to_str().unwrap().to_owned()
}

fn expected(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

#[test]
fn an_empty_file_has_no_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "empty.txt", "");
    let (lines, metrics, _) = run(&TextSource::new(path)).unwrap();
    assert!(lines.is_empty());
    assert_eq!(metrics.records_read(), 0);
}

#[test]
fn a_last_line_without_newline_is_a_line() {
    let dir = tempfile::tempdir().unwrap();
    for (content, want) in [
        ("a\nb", vec!["a", "b"]),
        ("a\nb\n", vec!["a", "b"]),
        ("\n", vec![""]),
        ("\n\nx", vec!["", "", "x"]),
        ("only", vec!["only"]),
    ] {
        let path = write(dir.path(), "t.txt", content);
        assert_eq!(lines(&TextSource::new(path)), want, "{content:?}");
    }
}

#[test]
fn crlf_line_ends_are_stripped() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "crlf.txt", "a\r\nb\rc\r\n\r\nd\r");
    assert_eq!(lines(&TextSource::new(path)), ["a", "b\rc", "", "d\r"]);
}

#[test]
fn a_line_of_several_megabytes_grows_the_buffer() {
    let dir = tempfile::tempdir().unwrap();
    let long = "x".repeat(3 * BLOCK_BYTES + 17);
    let content = format!("first\n{long}\nlast\n");
    let path = write(dir.path(), "long.txt", &content);
    assert_eq!(lines(&TextSource::new(&path)), expected(&content));
    // The long line also crosses morsels, which must skip its tail without keeping it.
    let src = TextSource::new(&path).morsel_bytes(1 << 20);
    assert_eq!(lines(&src), expected(&content));
}

#[test]
fn many_small_files_keep_file_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut want = Vec::new();
    for f in 0..300 {
        let content: String = (0..f % 4).map(|l| format!("file {f} line {l}\n")).collect();
        want.extend(expected(&content));
        write(dir.path(), &format!("part-{f:04}.txt"), content);
    }
    write(dir.path(), ".hidden", "not me\n");
    let (got, metrics, _) = run(&TextSource::new(dir.path().to_str().unwrap())).unwrap();
    assert_eq!(got, want);
    assert_eq!(metrics.records_read(), want.len() as u64);
    // Files 0 to 99 hold 0 + 1 + 2 + 3 lines per four files: 150 lines.
    let glob = format!("{}/part-00*.txt", dir.path().display());
    assert_eq!(lines(&TextSource::new(glob)), want[..150]);
}

#[test]
fn a_file_larger_than_one_morsel_is_split_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let content: String = (0..1_000_000).map(|i| format!("line {i}\n")).collect();
    assert!(content.len() as u64 > MORSEL_BYTES);
    let path = write(dir.path(), "big.txt", &content);
    let (got, metrics, _) = run(&TextSource::new(&path)).unwrap();
    assert_eq!(got, expected(&content));
    assert_eq!(metrics.sources[0].bytes, content.len() as u64);
    assert_eq!(metrics.sources[0].records, 1_000_000);

    let small = TextSource::new(&path)
        .morsel_bytes(100_003)
        .block_bytes(4096);
    let (got, _, tasks) = run(&small).unwrap();
    assert_eq!(got, expected(&content));
    assert!(tasks > 1, "one task read every morsel");
}

#[test]
fn lines_at_morsel_boundaries_are_read_once() {
    let dir = tempfile::tempdir().unwrap();
    for content in [
        "ab\ncd\n\nefg\nh\n\n\nijklmnop\nq",
        "\n\na\r\nbc\r\n\r\nd\n",
        "x\ny\nz\n",
        "h\u{e9}llo\n\u{65e5}\u{672c}\r\n\n\u{1f600}x\u{1f600}",
    ] {
        let path = write(dir.path(), "b.txt", content);
        for morsel in 1..=20 {
            for block in [1, 2, 3, 7, 64] {
                let src = TextSource::new(&path)
                    .morsel_bytes(morsel)
                    .block_bytes(block);
                assert_eq!(
                    lines(&src),
                    expected(content),
                    "{content:?} morsel {morsel} block {block}"
                );
            }
        }
    }
}

fn invalid_utf8_file(dir: &Path) -> String {
    let mut content = Vec::new();
    for i in 0..50 {
        writeln!(content, "good line {i}").unwrap();
    }
    content.extend_from_slice(b"bad \xff\xfe line\n");
    content.extend_from_slice("after \u{e9}\n".as_bytes());
    write(dir, "bad.txt", content)
}

#[test]
fn invalid_utf8_fails_with_its_line_number() {
    let dir = tempfile::tempdir().unwrap();
    let path = invalid_utf8_file(dir.path());
    // The first morsel knows its line numbers; later ones count them on error.
    for morsel in [MORSEL_BYTES, 64, 7] {
        let err = run(&TextSource::new(&path).morsel_bytes(morsel)).unwrap_err();
        match &err {
            Error::InvalidUtf8 {
                path: p,
                line,
                column,
                text,
            } => {
                assert_eq!(p, Path::new(&path));
                assert_eq!((*line, *column), (51, 5), "morsel {morsel}");
                assert_eq!(text, "bad \u{fffd}\u{fffd} line");
            }
            other => panic!("unexpected error {other}"),
        }
    }
}

#[test]
fn invalid_utf8_is_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = invalid_utf8_file(dir.path());
    for morsel in [MORSEL_BYTES, 64] {
        let src = TextSource::new(&path)
            .morsel_bytes(morsel)
            .bad_records(BadRecordPolicy::Skip);
        let (got, metrics, _) = run(&src).unwrap();
        assert_eq!(got.len(), 51);
        assert_eq!(got.last().unwrap(), "after \u{e9}");
        assert_eq!(metrics.skipped(), 1);
        assert_eq!(metrics.records_read(), 51);
        assert_eq!(metrics.skipped_samples.len(), 1);
        assert!(metrics.skipped_samples[0].starts_with("read_text@4:9: "));
        assert!(metrics.skipped_samples[0].contains("invalid UTF-8"));
    }
}

#[test]
fn a_failure_reaches_catch_task_in_a_plain_pool() {
    let dir = tempfile::tempdir().unwrap();
    let src = TextSource::new(invalid_utf8_file(dir.path())).morsel_bytes(16);
    let ctx = Context::new(2);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let result = pool.install(|| {
        crate::guard::catch_task(|| {
            drive_lines(&ctx, &OP, &src, Vec::new, |v: &mut Vec<String>, l: &str| {
                v.push(l.to_owned())
            })
        })
    });
    let err = result.and_then(|r| r).unwrap_err();
    assert!(
        matches!(err, Error::InvalidUtf8 { line: 51, .. }),
        "{err:?}"
    );
    assert!(ctx.is_cancelled());
}

fn gzip(content: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(content).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn gzip_files_are_decompressed_as_they_stream() {
    let dir = tempfile::tempdir().unwrap();
    let first: String = (0..20_000).map(|i| format!("gz line {i}\n")).collect();
    let second = "member two\nno newline";
    // Two gzip members in one file, as `cat a.gz b.gz` makes.
    let mut bytes = gzip(first.as_bytes());
    bytes.extend(gzip(second.as_bytes()));
    let path = write(dir.path(), "a.txt.gz", &bytes);
    let want = expected(&format!("{first}{second}"));
    assert_eq!(lines(&TextSource::new(&path).block_bytes(1000)), want);
    let (got, metrics, _) = run(&TextSource::new(&path)).unwrap();
    assert_eq!(got, want);
    assert_eq!(metrics.sources[0].bytes, bytes.len() as u64);

    write(dir.path(), "b.txt.gz", gzip(b"ok\nbad \xc3(\n"));
    let err = run(&TextSource::new(
        dir.path().join("b.txt.gz").to_str().unwrap(),
    ));
    assert!(
        matches!(
            err,
            Err(Error::InvalidUtf8 {
                line: 2,
                column: 5,
                ..
            })
        ),
        "{err:?}"
    );
}

#[test]
fn a_missing_file_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.txt");
    let err = run(&TextSource::new(path.to_str().unwrap())).unwrap_err();
    assert!(
        matches!(&err, Error::Io { action: "cannot open", path: p, .. } if *p == path),
        "{err:?}"
    );
    assert!(err.to_string().contains("nope.txt"), "{err}");
}
