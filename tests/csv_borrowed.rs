//! `read_csv` records with borrowed `&str` fields: the same answers as owned `String` fields,
//! whatever the morsels and the parallelism; with a header; quoted fields, escaped quotes
//! included (they borrow the `csv` reader's unescaped record); through `pipeline!` with
//! `read_csv::<Item<'_>>`.

use dataflow::__private::rt;
use dataflow::prelude::*;
use dataflow::{Error, Job};
use rt::source::csv::{drive_csv, drive_csv_records, CsvRecord, CsvSource};
use std::borrow::Cow;
use std::collections::BTreeMap;
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

/// A `.tbl` row, its text columns borrowed.
#[derive(Debug, serde::Deserialize)]
struct Item<'a> {
    key: u64,
    flag: &'a str,
    quantity: f64,
    shipdate: &'a str,
    comment: &'a str,
}

struct ItemRecord;
impl CsvRecord for ItemRecord {
    type Record<'de> = Item<'de>;
}

/// The same row, owned.
#[derive(Debug, serde::Deserialize)]
struct OwnedItem {
    key: u64,
    flag: String,
    quantity: f64,
    shipdate: String,
    comment: String,
}

/// Per flag: rows, sum of keys, sum of quantities, total comment length, of the rows shipped
/// by 1998-09-02.
type Groups = BTreeMap<String, (u64, u64, f64, usize)>;

fn add(groups: &mut Groups, flag: &str, key: u64, quantity: f64, shipdate: &str, comment: &str) {
    if shipdate <= "1998-09-02" {
        let g = groups.entry(flag.to_owned()).or_default();
        *g = (g.0 + 1, g.1 + key, g.2 + quantity, g.3 + comment.len());
    }
}

fn merge(states: Vec<Groups>) -> Groups {
    let mut all = Groups::new();
    for state in states {
        for (flag, (n, k, q, c)) in state {
            let g = all.entry(flag).or_default();
            *g = (g.0 + n, g.1 + k, g.2 + q, g.3 + c);
        }
    }
    all
}

fn borrowed_groups(src: &CsvSource, parallelism: usize) -> Result<(Groups, usize), Error> {
    let src = src.clone();
    let job = Job::new("borrowed", Some(parallelism), move |ctx: &rt::Context| {
        drive_csv_records::<ItemRecord, _, _, _>(
            ctx,
            &OP,
            &src,
            Groups::new,
            |g: &mut Groups, l: Item<'_>| add(g, l.flag, l.key, l.quantity, l.shipdate, l.comment),
        )
    });
    let states = job.run()?;
    let tasks = states.len();
    Ok((merge(states), tasks))
}

fn owned_groups(src: &CsvSource) -> Groups {
    let src = src.clone().morsel_bytes(u64::MAX);
    let job = Job::new("owned", Some(1), move |ctx: &rt::Context| {
        drive_csv(
            ctx,
            &OP,
            &src,
            Groups::new,
            |g: &mut Groups, l: OwnedItem| {
                add(g, &l.flag, l.key, l.quantity, &l.shipdate, &l.comment)
            },
        )
    });
    merge(job.run().unwrap())
}

/// A `.tbl`-like file: every line ends with `|`; quantities with cents, so sums are exact.
fn tbl(rows: u64) -> String {
    let mut out = String::new();
    let mut seed = 11u64;
    for key in 0..rows {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let r = seed >> 33;
        let flag = ["A", "N", "R"][(r % 3) as usize];
        let date = format!("199{}-{:02}-{:02}", 2 + r % 7, 1 + r % 12, 1 + r % 28);
        let comment = "x".repeat((r % 17) as usize);
        out.push_str(&format!(
            "{key}|{flag}|{}.{:02}|{date}|note {key} {comment}|\n",
            r % 50,
            r % 4 * 25
        ));
    }
    out
}

/// Every morsel size and parallelism 1, 2 and 7 give the owned struct's answer, and small
/// morsels are really read by several tasks.
fn assert_borrowed_agrees(src: &CsvSource) {
    let want = owned_groups(src);
    assert!(!want.is_empty());
    for morsel in [7, 100, 1000, u64::MAX] {
        for parallelism in [1, 2, 7] {
            let (got, tasks) = borrowed_groups(&src.clone().morsel_bytes(morsel), parallelism)
                .unwrap_or_else(|e| panic!("morsel {morsel}, parallelism {parallelism}: {e}"));
            assert_eq!(got, want, "morsel {morsel}, parallelism {parallelism}");
            if morsel == 7 && parallelism > 1 {
                assert!(tasks > 1, "{tasks} task at parallelism {parallelism}");
            }
        }
    }
}

#[test]
fn borrowed_fields_give_the_owned_answer_over_a_tbl_file_in_many_morsels() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "lineitem.tbl", &tbl(600));
    let src = CsvSource::new(&path).delimiter(b'|').header(false);
    assert_borrowed_agrees(&src);
}

#[test]
fn borrowed_fields_with_a_header_in_another_column_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut content = String::from("comment,shipdate,unused,key,quantity,flag\n");
    for line in tbl(300).lines() {
        let f: Vec<&str> = line.split('|').collect();
        content.push_str(&format!("{},{},u,{},{},{}\n", f[4], f[3], f[0], f[2], f[1]));
    }
    let path = write(dir.path(), "items.csv", &content);
    assert_borrowed_agrees(&CsvSource::new(&path));
}

#[test]
fn quoted_fields_with_delimiters_newlines_and_escaped_quotes_borrow_too() {
    let dir = tempfile::tempdir().unwrap();
    let mut content = String::new();
    for (i, line) in tbl(300).lines().enumerate() {
        let f: Vec<&str> = line.split('|').collect();
        let comment = match i % 4 {
            0 => format!("\"{}|with a bar\"", f[4]),
            1 => format!("\"{} said \"\"hi\"\"\nover two lines\"", f[4]),
            2 => format!("\"{}\"", f[4]),
            _ => f[4].to_owned(),
        };
        content.push_str(&format!("{}|{}|{}|{}|{comment}|\n", f[0], f[1], f[2], f[3]));
    }
    let path = write(dir.path(), "quoted.tbl", &content);
    let src = CsvSource::new(&path).delimiter(b'|').header(false);
    assert_borrowed_agrees(&src);

    // The unescaped text is what a `&str` field sees.
    let (got, _) = {
        let src = src.clone();
        let job = Job::new("quoted", Some(2), move |ctx: &rt::Context| {
            drive_csv_records::<ItemRecord, _, _, _>(
                ctx,
                &OP,
                &src,
                Vec::new,
                |v: &mut Vec<String>, l: Item<'_>| {
                    if l.key == 1 {
                        v.push(l.comment.to_owned())
                    }
                },
            )
        });
        let states = job.run().unwrap();
        (states.concat(), ())
    };
    assert_eq!(got.len(), 1);
    assert!(
        got[0].starts_with("note 1 ") && got[0].ends_with(" said \"hi\"\nover two lines"),
        "{got:?}"
    );
}

/// A borrowed field cannot hold text that is not UTF-8: that is a bad record naming its line
/// (as for a `String` field), and `&[u8]` reads the column.
#[test]
fn a_borrowed_field_that_is_not_utf8_is_a_bad_record_naming_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.tbl");
    fs::write(
        &path,
        b"1|A|1.00|1995-01-01|fine|\n2|A|1.00|1995-01-01|bad \xff|\n",
    )
    .unwrap();
    let src = CsvSource::new(&path).delimiter(b'|').header(false);
    let err = borrowed_groups(&src, 2).unwrap_err();
    assert!(matches!(err, Error::BadRecord { line: 2, .. }), "{err:?}");

    #[derive(serde::Deserialize)]
    struct Lossless<'a> {
        key: u64,
        #[serde(borrow)]
        flag: Cow<'a, str>,
        _quantity: serde::de::IgnoredAny,
        _shipdate: serde::de::IgnoredAny,
        comment: &'a [u8],
    }
    struct LosslessRecord;
    impl CsvRecord for LosslessRecord {
        type Record<'de> = Lossless<'de>;
    }
    let job = Job::new("bytes", Some(2), move |ctx: &rt::Context| {
        drive_csv_records::<LosslessRecord, _, _, _>(
            ctx,
            &OP,
            &src,
            Vec::new,
            |v: &mut Vec<(u64, String, Vec<u8>)>, l: Lossless<'_>| {
                v.push((l.key, l.flag.into_owned(), l.comment.to_vec()))
            },
        )
    });
    let rows = job.run().unwrap().concat();
    assert_eq!(rows[1], (2, "A".to_owned(), b"bad \xff".to_vec()));
}

/// `pipeline!` with `read_csv::<Item<'_>>`: closures without annotations, a borrowed key, and
/// the answer of the owned struct.
#[test]
fn pipeline_reads_borrowed_records() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "lineitem.tbl", &tbl(500));
    let src = CsvSource::new(&path).delimiter(b'|').header(false);
    let want: BTreeMap<String, (u64, f64)> = owned_groups(&src)
        .into_iter()
        .map(|(flag, (n, _, q, _))| (flag, (n, q)))
        .collect();
    for parallelism in [1, 2, 7] {
        let got = pipeline! {
            read_csv::<Item<'_>>(&path, delimiter = b'|', header = false)
                -> filter(|l| l.shipdate <= "1998-09-02")
                -> key_by(|l| l.flag)
                -> aggregate(count(), sum(|l| l.quantity))
                -> collect()
        }
        .parallelism(parallelism)
        .run()
        .unwrap();
        let got: BTreeMap<String, (u64, f64)> = got
            .into_iter()
            .map(|(flag, (n, q))| (flag.to_string(), (n, q)))
            .collect();
        assert_eq!(got, want, "parallelism {parallelism}");
    }
}
