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

/// Lines 51, 53 and 2000 are bad, the rest good; the file spans many small morsels.
fn several_bad_lines_file(dir: &Path) -> String {
    let mut content = Vec::new();
    for i in 1..=2000 {
        match i {
            51 | 53 | 2000 => content.extend_from_slice(b"bad \xff line\n"),
            _ => writeln!(content, "good line {i}").unwrap(),
        }
    }
    write(dir, "several.txt", content)
}

#[test]
fn skipped_lines_are_named_by_line_number_in_every_morsel() {
    let dir = tempfile::tempdir().unwrap();
    let path = several_bad_lines_file(dir.path());
    // One morsel, morsels of a few lines, and morsels holding two bad lines each.
    for morsel in [MORSEL_BYTES, 64, 1000] {
        let src = TextSource::new(&path)
            .morsel_bytes(morsel)
            .bad_records(BadRecordPolicy::Skip);
        let (got, metrics, _) = run(&src).unwrap();
        assert_eq!(got.len(), 1997);
        assert_eq!(metrics.skipped(), 3);
        let mut samples = metrics.skipped_samples.clone();
        samples.sort();
        let want: Vec<String> = [2000, 51, 53]
            .iter()
            .map(|n| format!("read_text@4:9: {path}:{n}:5: invalid UTF-8: bad \u{fffd} line"))
            .collect();
        assert_eq!(samples, want, "morsel {morsel}");
    }
}

#[test]
fn samples_past_the_kept_few_are_counted_without_a_line_number() {
    let dir = tempfile::tempdir().unwrap();
    let content: Vec<u8> = (0..100).flat_map(|_| *b"ok\nbad \xff\n").collect();
    let path = write(dir.path(), "many.txt", content);
    let src = TextSource::new(&path)
        .morsel_bytes(50)
        .bad_records(BadRecordPolicy::Skip);
    let (got, metrics, _) = run(&src).unwrap();
    assert_eq!(got.len(), 100);
    assert_eq!(metrics.skipped(), 100);
    // The job keeps the first 10 samples.
    assert_eq!(metrics.skipped_samples.len(), 10);
    for sample in &metrics.skipped_samples {
        // Bad lines are the even-numbered ones.
        let line: u64 = sample.split(':').nth(3).unwrap().parse().unwrap();
        assert_eq!(line % 2, 0, "{sample}");
    }
}

/// Runs a job at parallelism 2 over `path` cut into small morsels, whose body calls `change`
/// on the first line it sees, and collects the lines.
fn run_changing(path: &str, change: impl Fn() + Sync + Send) -> Result<Vec<String>> {
    let src = TextSource::new(path).morsel_bytes(4096).block_bytes(1024);
    let once = std::sync::Once::new();
    let job = Job::new("test", Some(2), |ctx: &Context| {
        drive_lines(ctx, &OP, &src, Vec::new, |v: &mut Vec<String>, l: &str| {
            once.call_once(&change);
            v.push(l.to_owned())
        })
    });
    Ok(job.run()?.concat())
}

fn assert_changed_while_read(result: Result<Vec<String>>, path: &str) {
    match result {
        Err(err @ Error::Io { .. }) => {
            let text = err.to_string();
            assert!(text.starts_with(&format!("cannot read {path}: ")), "{text}");
            assert!(text.contains("changed while the job read it"), "{text}");
        }
        Err(other) => panic!("unexpected error {other}"),
        Ok(lines) => panic!("no error, {} lines", lines.len()),
    }
}

#[test]
fn a_file_truncated_while_it_is_read_fails_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let content: String = (0..20_000).map(|i| format!("line {i}\n")).collect();
    let path = write(dir.path(), "shrinks.txt", &content);
    let result = run_changing(&path, || {
        let file = fs::OpenOptions::new().write(true).open(&path).unwrap();
        file.set_len(content.len() as u64 / 3).unwrap();
    });
    assert_changed_while_read(result, &path);
}

#[test]
fn a_file_grown_or_rewritten_while_it_is_read_fails_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let content: String = (0..20_000).map(|i| format!("line {i}\n")).collect();
    let path = write(dir.path(), "grows.txt", &content);
    let result = run_changing(&path, || {
        let mut file = fs::OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"appended\n").unwrap();
    });
    assert_changed_while_read(result, &path);

    // Same length, other bytes: only the modification time tells. The pause puts the change
    // past the file system's timestamp granularity.
    let path = write(dir.path(), "rewritten.txt", &content);
    let result = run_changing(&path, || {
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(&path, content.replace("line", "LINE")).unwrap();
    });
    assert_changed_while_read(result, &path);
}
