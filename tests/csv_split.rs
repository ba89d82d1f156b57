//! `read_csv` cuts a file into morsels: quoted fields holding line breaks across the cuts, a
//! header, CRLF, files whose quotes forbid cuts, `.tbl` files, and errors that still name the
//! right line. Every case is read with morsels from one byte up and at parallelism 1, 2 and 7,
//! and must give the records of a single-morsel read, in the same order.

use dataflow::__private::rt;
use dataflow::{BadRecordPolicy, Error, Job, Metrics};
use rt::source::csv::{drive_csv, CsvSource};
use serde::de::{DeserializeOwned, IgnoredAny};
use std::fs;
use std::path::Path;

static OP: rt::guard::OpInfo = rt::guard::OpInfo {
    name: "read_csv",
    file: file!(),
    line: line!(),
    column: 1,
};

fn write(dir: &Path, name: &str, content: &str) -> String {
    let path = dir.join(name);
    fs::write(&path, content).unwrap();
    path.to_str().unwrap().to_owned()
}

/// Reads `src` at `parallelism`; returns the records, the number of task states and metrics.
fn read<T: DeserializeOwned + Send + 'static>(
    src: &CsvSource,
    parallelism: usize,
) -> Result<(Vec<T>, usize, Metrics), Error> {
    let src = src.clone();
    let job = Job::new("csv_split", Some(parallelism), move |ctx: &rt::Context| {
        drive_csv(ctx, &OP, &src, Vec::new, |v: &mut Vec<T>, r: T| v.push(r))
    });
    let (states, metrics) = job.run_with_metrics()?;
    let tasks = states.len();
    Ok((states.into_iter().flatten().collect(), tasks, metrics))
}

#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
struct Note {
    id: u32,
    name: String,
    text: Option<String>,
}

/// A CSV file (with a header) whose fields hold commas, escaped quotes, `\n` and `\r\n`, with
/// blank lines between some records; and the records it holds.
fn tricky_csv(records: u32, crlf: bool) -> (String, Vec<Note>) {
    let eol = if crlf { "\r\n" } else { "\n" };
    let mut content = format!("id,name,text{eol}");
    let mut want = Vec::new();
    let mut seed = 7u32;
    for id in 0..records {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let name = match seed >> 28 {
            0..=5 => format!("plain{id}"),
            6..=8 => format!("two\nlines {id}"),
            9..=10 => format!("say \"hi\", {id}"),
            11 => format!("crlf\r\ninside{id}"),
            _ => format!("{id}\n\n\"\n"),
        };
        let text = match (seed >> 24) % 5 {
            0 => None,
            1 => Some("a,b".to_owned()),
            2 => Some(format!("{}\n", "x".repeat((seed % 23) as usize))),
            _ => Some(format!("t{id}")),
        };
        let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        let shown_name = if name.starts_with("plain") {
            name.clone()
        } else {
            quote(&name)
        };
        let shown_text = text.as_deref().map(quote).unwrap_or_default();
        content.push_str(&format!("{id},{shown_name},{shown_text}{eol}"));
        if seed.is_multiple_of(7) {
            content.push_str(eol);
        }
        want.push(Note { id, name, text });
    }
    (content, want)
}

/// Checks that every morsel size in `morsels` and parallelism 1, 2 and 7 read `want` from
/// `src`, and that small morsels really were read by several tasks.
fn assert_every_split_reads<T>(src: &CsvSource, morsels: impl Iterator<Item = u64>, want: &[T])
where
    T: DeserializeOwned + Send + PartialEq + std::fmt::Debug + 'static,
{
    let (whole, tasks, _) = read::<T>(&src.clone().morsel_bytes(u64::MAX), 2).unwrap();
    assert_eq!(whole, want, "single morsel");
    assert_eq!(tasks, 1);
    for morsel in morsels {
        for parallelism in [1, 2, 7] {
            let src = src.clone().morsel_bytes(morsel);
            let (got, tasks, metrics) = read::<T>(&src, parallelism).unwrap();
            assert_eq!(got, want, "morsel {morsel}, parallelism {parallelism}");
            assert_eq!(metrics.records_read(), want.len() as u64);
            // Enough morsels that rayon surely hands them to several tasks.
            if parallelism == 7 && morsel * 16 < metrics.sources[0].bytes {
                assert!(tasks > 1, "morsel {morsel}: one task read the whole file");
            }
        }
    }
}

#[test]
fn quoted_line_breaks_across_morsel_boundaries() {
    let dir = tempfile::tempdir().unwrap();
    let (content, want) = tricky_csv(40, false);
    let path = write(dir.path(), "notes.csv", &content);
    let src = CsvSource::new(&path);
    assert_every_split_reads(&src, (1..=48).chain([61, 97, 256, 1000]), &want);
    let metrics = read::<Note>(&src.morsel_bytes(13), 2).unwrap().2;
    assert_eq!(metrics.sources[0].bytes, content.len() as u64);
}

#[test]
fn quoted_line_breaks_in_a_crlf_file() {
    let dir = tempfile::tempdir().unwrap();
    let (content, want) = tricky_csv(30, true);
    let path = write(dir.path(), "notes.csv", &content);
    assert_every_split_reads(&CsvSource::new(&path), (1..=32).chain([45, 60]), &want);
}

#[test]
fn a_large_file_is_read_by_several_tasks_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (content, want) = tricky_csv(5_000, false);
    let path = write(dir.path(), "big.csv", &content);
    let sizes = [4093, 65_537].into_iter();
    assert_every_split_reads(&CsvSource::new(&path), sizes, &want);
}

#[test]
fn a_header_holding_a_line_break_and_a_quote() {
    let dir = tempfile::tempdir().unwrap();
    let content = "\"i\nd\",\"na\"\"me\"\n1,\"a\nb\"\n2,c\n3,\"\"\n";
    let path = write(dir.path(), "h.csv", content);
    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Row {
        #[serde(rename = "i\nd")]
        id: u8,
        #[serde(rename = "na\"me")]
        name: String,
    }
    let row = |id, name: &str| Row {
        id,
        name: name.to_owned(),
    };
    let want = [row(1, "a\nb"), row(2, "c"), row(3, "")];
    assert_every_split_reads(&CsvSource::new(&path), 1..=content.len() as u64 + 1, &want);
}

/// `5" disk` is a literal quote for the `csv` reader, which parity would take for an opening
/// one: such a file is read as one morsel, and reads as it did.
#[test]
fn a_quote_inside_an_unquoted_field_keeps_the_file_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut content = String::from("id,name,text\n");
    let mut want = Vec::new();
    for id in 0..30 {
        content.push_str(&format!("{id},5\" disk,\"x\ny\"\n"));
        want.push(Note {
            id,
            name: "5\" disk".to_owned(),
            text: Some("x\ny".to_owned()),
        });
    }
    let path = write(dir.path(), "inch.csv", &content);
    for morsel in [1, 7, 50, 333] {
        let src = CsvSource::new(&path).morsel_bytes(morsel);
        let (got, tasks, _) = read::<Note>(&src, 7).unwrap();
        assert_eq!(got, want, "morsel {morsel}");
        assert_eq!(tasks, 1, "morsel {morsel}");
    }
}

#[test]
fn without_quoting_every_line_end_is_a_cut() {
    let dir = tempfile::tempdir().unwrap();
    let content: String = (0..50).map(|i| format!("\"{i},x\"\n")).collect();
    let path = write(dir.path(), "raw.csv", &content);
    let want: Vec<(String, String)> = (0..50)
        .map(|i| (format!("\"{i}"), "x\"".to_owned()))
        .collect();
    let src = CsvSource::new(&path).header(false).quoting(false);
    assert_every_split_reads(&src, 1..=40, &want);
}

/// TPC-H's `.tbl`: `|` between fields, no header, and a `|` ending every line, whose empty
/// last field the struct does not name. Unused columns can be skipped with `IgnoredAny`.
#[test]
fn a_tbl_file_into_a_struct_of_its_real_columns() {
    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Line {
        key: u64,
        quantity: f64,
        flag: char,
        comment: IgnoredAny,
        date: String,
    }
    let dir = tempfile::tempdir().unwrap();
    let mut content = String::new();
    let mut want = Vec::new();
    for i in 0..200u64 {
        let flag = ['A', 'N', 'R'][i as usize % 3];
        let date = format!("199{}-0{}-1{}", i % 9, i % 9 + 1, i % 10);
        content.push_str(&format!(
            "{i}|{}.{:02}|{flag}|note {i}|{date}|\n",
            i * 3,
            i % 100
        ));
        let quantity = format!("{}.{:02}", i * 3, i % 100).parse().unwrap();
        want.push((i, quantity, flag, date));
    }
    let path = write(dir.path(), "lineitem.tbl", &content);
    let src = CsvSource::new(&path).header(false).delimiter(b'|');
    let (whole, _, _) = read::<Line>(&src, 2).unwrap();
    let whole: Vec<_> = whole
        .into_iter()
        .map(|l| (l.key, l.quantity, l.flag, l.date))
        .collect();
    assert_eq!(whole, want);
    let tuples = || {
        want.iter()
            .map(|(k, q, f, d)| (*k, *q, *f, d.clone()))
            .collect::<Vec<_>>()
    };
    // The same through tuples, every morsel size: a tuple also ignores the empty last field.
    type Tuple = (u64, f64, char, IgnoredAny, String);
    let sizes = (1..=50).chain([4096]);
    for morsel in sizes {
        let src = src.clone().morsel_bytes(morsel);
        let (got, _, _) = read::<Tuple>(&src, 7).unwrap();
        let got: Vec<_> = got
            .into_iter()
            .map(|(k, q, f, _, d)| (k, q, f, d))
            .collect();
        assert_eq!(got, tuples(), "morsel {morsel}");
    }
}

/// A file with quoted line breaks and a bad record near its end, for line numbers.
fn bad_late_file(dir: &Path) -> (String, String) {
    let mut content = String::from("id,name,text\n");
    for id in 0..100 {
        content.push_str(&format!("{id},\"multi\nline\",t\n"));
    }
    // Line 2 + 100 records of 2 lines: the bad record starts on line 202.
    content.push_str("oops,name,t\n100,x,y\n");
    let path = write(dir, "bad.csv", &content);
    (path, content)
}

#[test]
fn a_bad_record_in_a_later_morsel_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = bad_late_file(dir.path());
    for morsel in [1, 10, 64, 500, u64::MAX] {
        for parallelism in [1, 7] {
            let src = CsvSource::new(&path).morsel_bytes(morsel);
            let err = read::<Note>(&src, parallelism).unwrap_err();
            match &err {
                Error::BadRecord {
                    line, field, text, ..
                } => {
                    assert_eq!(*line, 202, "morsel {morsel}");
                    assert_eq!(field.as_deref(), Some("id"));
                    assert_eq!(text, "oops,name,t");
                }
                other => panic!("unexpected error {other}"),
            }
            assert!(err
                .to_string()
                .contains("bad.csv:202: bad CSV record (field id)"));
        }
    }
}

#[test]
fn a_skipped_record_in_a_later_morsel_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = bad_late_file(dir.path());
    for morsel in [1, 64, u64::MAX] {
        let src = CsvSource::new(&path)
            .morsel_bytes(morsel)
            .bad_records(BadRecordPolicy::Skip);
        let (got, _, metrics) = read::<Note>(&src, 7).unwrap();
        assert_eq!(got.len(), 101);
        assert_eq!(metrics.skipped(), 1);
        let sample = &metrics.skipped_samples[0];
        assert!(sample.contains("bad.csv:202: bad CSV record"), "{sample}");
    }
}

#[test]
fn a_record_with_too_many_fields_in_a_later_morsel() {
    let dir = tempfile::tempdir().unwrap();
    let mut content = String::new();
    for i in 0..100 {
        content.push_str(&format!("{i}|x|\n"));
    }
    content.push_str("100|x|extra|\n");
    let path = write(dir.path(), "t.tbl", &content);
    for morsel in [7, u64::MAX] {
        let src = CsvSource::new(&path)
            .header(false)
            .delimiter(b'|')
            .morsel_bytes(morsel);
        let err = read::<(u32, String)>(&src, 2).unwrap_err();
        assert!(
            matches!(&err, Error::BadRecord { line: 101, message, .. }
                if message == "found 4 fields, but the first record has 3"),
            "{err:?}"
        );
    }
}

/// A FIFO has no length and cannot be read twice: it is read as one stream, header included.
#[test]
fn a_fifo_is_read_as_one_stream() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("notes.fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    let (content, want) = tricky_csv(500, false);
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::write(fifo, content).unwrap())
    };
    let src = CsvSource::new(&fifo).morsel_bytes(64);
    let (got, _, metrics) = read::<Note>(&src, 2).unwrap();
    // Checked before joining: a reader that never opened the FIFO leaves the writer blocked.
    assert_eq!(got, want);
    assert_eq!(metrics.records_read(), 500);
    writer.join().unwrap();

    // A bad record in a stream still names its line.
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            fs::write(fifo, "id,name,text\n1,\"a\nb\",x\nbad,c,d\n").unwrap()
        })
    };
    let err = read::<Note>(&CsvSource::new(&fifo), 2).unwrap_err();
    assert!(
        matches!(&err, Error::BadRecord { line: 4, field: Some(f), .. } if f == "id"),
        "{err:?}"
    );
    writer.join().unwrap();
}

/// A UTF-8 byte order mark is not part of the first field, with or without a header.
#[test]
fn a_byte_order_mark_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bom.csv", "\u{feff}1,a,x\n2,b,\n");
    let want = vec![
        (1u32, "a".to_owned(), "x".to_owned()),
        (2, "b".to_owned(), String::new()),
    ];
    let src = CsvSource::new(&path).header(false);
    assert_every_split_reads(&src, 1..=12, &want);
    let path = write(dir.path(), "bom-h.csv", "\u{feff}id,name,text\n1,a,x\n");
    let (got, _, _) = read::<Note>(&CsvSource::new(&path), 2).unwrap();
    assert_eq!(got[0].id, 1);
}

/// Random small files over an alphabet of delimiters, quotes, line ends and letters, read with
/// every morsel size: the records (or the failure) must be those of the `csv` crate reading the
/// whole file in one go, as `read_csv` did before it split files.
#[test]
fn random_files_read_as_the_csv_crate_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let alphabet = [
        ",", ",", "\"", "\"\"", "\n", "\r\n", "\r", "a", "bc", " ", "\u{e9}",
    ];
    let mut seed = 42u64;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize % n
    };
    for case in 0..200 {
        let len = 1 + next(40);
        let content: String = (0..len).map(|_| alphabet[next(alphabet.len())]).collect();
        let path = write(dir.path(), "r.csv", &content);
        let mut reference = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(content.as_bytes());
        let want: Result<Vec<Vec<String>>, _> = reference
            .records()
            .map(|r| r.map(|r| r.iter().map(str::to_owned).collect()))
            .collect();
        for morsel in [1, 2, 3, 5, 8, 13, 1000] {
            let src = CsvSource::new(&path).header(false).morsel_bytes(morsel);
            let got = read::<Vec<String>>(&src, 3).map(|(records, _, _)| records);
            match (&want, &got) {
                (Ok(want), Ok(got)) => {
                    assert_eq!(got, want, "case {case} {content:?} morsel {morsel}")
                }
                (Err(_), Err(_)) => {}
                _ => panic!("case {case} {content:?} morsel {morsel}: {want:?} but {got:?}"),
            }
        }
    }
}

/// Each file of a directory has its own header: the same struct reads columns in whatever
/// order each file has them, with a task reading several files.
#[test]
fn files_with_their_columns_in_different_orders() {
    let dir = tempfile::tempdir().unwrap();
    let mut want = Vec::new();
    for f in 0..6u32 {
        let (header, row): (&str, fn(u32) -> String) = if f % 2 == 0 {
            ("id,name,text", |i| format!("{i},n{i},t{i}"))
        } else {
            ("text,id,name", |i| format!("t{i},{i},n{i}"))
        };
        let mut content = format!("{header}\n");
        for i in f * 10..f * 10 + 10 {
            content.push_str(&(row(i) + "\n"));
            let (name, text) = (format!("n{i}"), Some(format!("t{i}")));
            want.push(Note { id: i, name, text });
        }
        write(dir.path(), &format!("part-{f}.csv"), &content);
    }
    let src = CsvSource::new(dir.path());
    for parallelism in [1, 2] {
        assert_eq!(read::<Note>(&src, parallelism).unwrap().0, want);
    }
}
