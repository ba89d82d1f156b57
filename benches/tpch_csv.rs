//! TPC-H Q1 and Q6 over `lineitem.tbl` (SF1 by default, about 760 MB): typed `read_csv` against
//! the same queries over `read_text` with a hand split, on the same thread count.
//!
//! * `read_csv` (`csv`): `read_csv::<Lineitem>(path, delimiter = b'|', header = false)` into a
//!   struct of every column, typed as a user would first write it: numbers as `u64`/`f64`,
//!   flags as `char`, dates and text as `String`.
//! * `read_csv` borrowed (`csv-borrowed`): `read_csv::<LineitemRef<'_>>`, every column as in
//!   `csv`, but dates and text as `&str` borrowed from the read buffer, so a record allocates
//!   nothing; the closures are not annotated.
//! * `read_csv` lean (`csv-lean`): the columns the two queries read, and `IgnoredAny` for the
//!   others; the ship date is a small user-written `Date` (YYYYMMDD as a `u32`), so a record
//!   allocates nothing.
//! * the same with `quoting = false` (`csv-lean-unquoted`): no quote pre-scan, so the
//!   difference to `csv-lean` is what the pre-scan costs.
//! * `read_text` + split (`text`): each line split at `|` by hand, only the needed fields parsed,
//!   dates compared as borrowed `&str`.
//!
//! Every system gives the same answers (checked; at SF1 also against TPC-H's: Q6 revenue
//! 123141078.23, Q1 (A,F) count 1478493 and sum_qty 37734107).
//!
//! Modes:
//! * `cargo bench --bench tpch_csv`: `REPS` rounds (default 5), each running every system once
//!   per query in turn, in one process; median wall and CPU time per system and the median of
//!   the per-round ratios to `text`.
//! * `cargo bench --bench tpch_csv -- --only SYSTEM QUERY FILE` (SYSTEM one of `SYSTEMS`, QUERY
//!   `q1` or `q6`): one run; its answer, then `time WALL_S CPU_S`, on standard output.
//!   `scripts/tpch_peers.sh` runs it beside DuckDB and Polars.
//!
//! Env: `LINEITEM` (default `bench-data/tpch-sf1/lineitem.tbl`, made by
//! `scripts/tpch_peers.sh`), `REPS`, `THREADS` (default 2). Without `--bench` (`cargo test
//! --benches`) it is a smoke test on a small generated file: every system once, answers
//! compared.

#[path = "common/mod.rs"]
mod common;

use common::{cpu_time, env_number, interleaved, ms};
use dataflow::prelude::*;
use serde::de::{self, IgnoredAny};
use serde::Deserialize;
use std::path::Path;
use std::time::Instant;

/// `lineitem` with every column, as a user writes it first.
#[derive(Deserialize)]
#[allow(dead_code)]
struct Lineitem {
    orderkey: u64,
    partkey: u64,
    suppkey: u64,
    linenumber: u32,
    quantity: f64,
    extendedprice: f64,
    discount: f64,
    tax: f64,
    returnflag: char,
    linestatus: char,
    shipdate: String,
    commitdate: String,
    receiptdate: String,
    shipinstruct: String,
    shipmode: String,
    comment: String,
}

/// `lineitem` with every column, its dates and text borrowed.
#[derive(Deserialize)]
#[allow(dead_code)]
struct LineitemRef<'a> {
    orderkey: u64,
    partkey: u64,
    suppkey: u64,
    linenumber: u32,
    quantity: f64,
    extendedprice: f64,
    discount: f64,
    tax: f64,
    returnflag: char,
    linestatus: char,
    shipdate: &'a str,
    commitdate: &'a str,
    receiptdate: &'a str,
    shipinstruct: &'a str,
    shipmode: &'a str,
    comment: &'a str,
}

/// The columns Q1 and Q6 read; the others are skipped unparsed.
#[derive(Deserialize)]
struct LineitemLean {
    _orderkey: IgnoredAny,
    _partkey: IgnoredAny,
    _suppkey: IgnoredAny,
    _linenumber: IgnoredAny,
    quantity: f64,
    extendedprice: f64,
    discount: f64,
    tax: f64,
    returnflag: char,
    linestatus: char,
    shipdate: Date,
    _commitdate: IgnoredAny,
    _receiptdate: IgnoredAny,
    _shipinstruct: IgnoredAny,
    _shipmode: IgnoredAny,
    _comment: IgnoredAny,
}

/// A `YYYY-MM-DD` date as the number YYYYMMDD, which orders like the date.
#[derive(Clone, Copy, PartialEq, PartialOrd)]
struct Date(u32);

impl Date {
    fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let mut n = 0u32;
        for &c in b.iter().filter(|&&c| c != b'-') {
            n = n * 10 + u32::from(c.checked_sub(b'0').filter(|d| *d <= 9)?);
        }
        Some(Date(n))
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Date;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a date YYYY-MM-DD")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Date, E> {
                Date::parse(s).ok_or_else(|| E::invalid_value(de::Unexpected::Str(s), &self))
            }
        }
        d.deserialize_str(V)
    }
}

/// Q1's per-group sums: count, quantity, price, discounted price, charge, discount.
type Q1Sums = (u64, f64, f64, f64, f64, f64);
type Q1 = Vec<((char, char), Q1Sums)>;

/// The fields of a `.tbl` line that Q1 and Q6 read, from a hand split.
struct Fields<'a> {
    quantity: f64,
    price: f64,
    discount: f64,
    tax: f64,
    flag: char,
    status: char,
    shipdate: &'a str,
}

fn split_line(line: &str) -> Option<Fields<'_>> {
    let mut f = line.split('|').skip(4);
    let quantity = f.next()?.parse().ok()?;
    let price = f.next()?.parse().ok()?;
    let discount = f.next()?.parse().ok()?;
    let tax = f.next()?.parse().ok()?;
    let flag = f.next()?.chars().next()?;
    let status = f.next()?.chars().next()?;
    let shipdate = f.next()?;
    Some(Fields {
        quantity,
        price,
        discount,
        tax,
        flag,
        status,
        shipdate,
    })
}

fn q6_csv(path: &str, threads: usize) -> f64 {
    pipeline! {
        read_csv::<Lineitem>(path, delimiter = b'|', header = false)
            -> filter(|l: &Lineitem| {
                l.shipdate.as_str() >= "1994-01-01" && l.shipdate.as_str() < "1995-01-01"
                    && (0.05..=0.07).contains(&l.discount) && l.quantity < 24.0
            })
            -> sum(|l: &Lineitem| l.extendedprice * l.discount)
    }
    .parallelism(threads)
    .run()
    .unwrap()
}

fn q6_borrowed(path: &str, threads: usize) -> f64 {
    pipeline! {
        read_csv::<LineitemRef<'_>>(path, delimiter = b'|', header = false)
            -> filter(|l| {
                l.shipdate >= "1994-01-01" && l.shipdate < "1995-01-01"
                    && (0.05..=0.07).contains(&l.discount) && l.quantity < 24.0
            })
            -> sum(|l| l.extendedprice * l.discount)
    }
    .parallelism(threads)
    .run()
    .unwrap()
}

/// `quoting = false` skips the quote pre-scan, whose cost is then the difference.
fn q6_lean(path: &str, threads: usize, quoting: bool) -> f64 {
    let (from, to) = (Date(19940101), Date(19950101));
    pipeline! {
        read_csv::<LineitemLean>(path, delimiter = b'|', header = false, quoting = quoting)
            -> filter(|l: &LineitemLean| {
                l.shipdate >= from && l.shipdate < to
                    && (0.05..=0.07).contains(&l.discount) && l.quantity < 24.0
            })
            -> sum(|l: &LineitemLean| l.extendedprice * l.discount)
    }
    .parallelism(threads)
    .run()
    .unwrap()
}

fn q6_text(path: &str, threads: usize) -> f64 {
    pipeline! {
        read_text(path)
            -> filter_map(|line: &str| {
                let l = split_line(line)?;
                let keep = l.shipdate >= "1994-01-01" && l.shipdate < "1995-01-01"
                    && (0.05..=0.07).contains(&l.discount) && l.quantity < 24.0;
                keep.then_some(l.price * l.discount)
            })
            -> sum()
    }
    .parallelism(threads)
    .run()
    .unwrap()
}

fn q1_csv(path: &str, threads: usize) -> Q1 {
    pipeline! {
        read_csv::<Lineitem>(path, delimiter = b'|', header = false)
            -> filter(|l: &Lineitem| l.shipdate.as_str() <= "1998-09-02")
            -> key_by(|l: &Lineitem| (l.returnflag, l.linestatus))
            -> aggregate(
                count(),
                sum(|l: &Lineitem| l.quantity),
                sum(|l: &Lineitem| l.extendedprice),
                sum(|l: &Lineitem| l.extendedprice * (1.0 - l.discount)),
                sum(|l: &Lineitem| l.extendedprice * (1.0 - l.discount) * (1.0 + l.tax)),
                sum(|l: &Lineitem| l.discount)
            )
            -> collect()
    }
    .parallelism(threads)
    .run()
    .unwrap()
}

fn q1_borrowed(path: &str, threads: usize) -> Q1 {
    pipeline! {
        read_csv::<LineitemRef<'_>>(path, delimiter = b'|', header = false)
            -> filter(|l| l.shipdate <= "1998-09-02")
            -> key_by(|l| (l.returnflag, l.linestatus))
            -> aggregate(
                count(),
                sum(|l| l.quantity),
                sum(|l| l.extendedprice),
                sum(|l| l.extendedprice * (1.0 - l.discount)),
                sum(|l| l.extendedprice * (1.0 - l.discount) * (1.0 + l.tax)),
                sum(|l| l.discount)
            )
            -> collect()
    }
    .parallelism(threads)
    .run()
    .unwrap()
}

fn q1_lean(path: &str, threads: usize, quoting: bool) -> Q1 {
    let last = Date(19980902);
    pipeline! {
        read_csv::<LineitemLean>(path, delimiter = b'|', header = false, quoting = quoting)
            -> filter(|l: &LineitemLean| l.shipdate <= last)
            -> key_by(|l: &LineitemLean| (l.returnflag, l.linestatus))
            -> aggregate(
                count(),
                sum(|l: &LineitemLean| l.quantity),
                sum(|l: &LineitemLean| l.extendedprice),
                sum(|l: &LineitemLean| l.extendedprice * (1.0 - l.discount)),
                sum(|l: &LineitemLean| l.extendedprice * (1.0 - l.discount) * (1.0 + l.tax)),
                sum(|l: &LineitemLean| l.discount)
            )
            -> collect()
    }
    .parallelism(threads)
    .run()
    .unwrap()
}

/// Q1's fields of a line, owned, so that they can leave the closure.
struct Q1Fields {
    quantity: f64,
    price: f64,
    discount: f64,
    tax: f64,
    flag: char,
    status: char,
}

fn q1_text(path: &str, threads: usize) -> Q1 {
    pipeline! {
        read_text(path)
            -> filter_map(|line: &str| {
                let l = split_line(line)?;
                (l.shipdate <= "1998-09-02").then_some(Q1Fields {
                    quantity: l.quantity,
                    price: l.price,
                    discount: l.discount,
                    tax: l.tax,
                    flag: l.flag,
                    status: l.status,
                })
            })
            -> key_by(|l: &Q1Fields| (l.flag, l.status))
            -> aggregate(
                count(),
                sum(|l: &Q1Fields| l.quantity),
                sum(|l: &Q1Fields| l.price),
                sum(|l: &Q1Fields| l.price * (1.0 - l.discount)),
                sum(|l: &Q1Fields| l.price * (1.0 - l.discount) * (1.0 + l.tax)),
                sum(|l: &Q1Fields| l.discount)
            )
            -> collect()
    }
    .parallelism(threads)
    .run()
    .unwrap()
}

/// Q1's result as TPC-H prints it (sorted by flag and status, sums rounded to cents), so that
/// systems whose float sums differ in the last bits compare equal.
fn show_q1(mut groups: Q1) -> String {
    groups.sort_by_key(|g| g.0);
    let mut out = String::new();
    for ((flag, status), (n, qty, price, disc_price, charge, disc)) in groups {
        let c = n as f64;
        out.push_str(&format!(
            "{flag}|{status}|{qty:.2}|{price:.2}|{disc_price:.2}|{charge:.2}|{:.2}|{:.2}|{:.2}|{n}\n",
            qty / c,
            price / c,
            disc / c
        ));
    }
    out
}

fn show_q6(revenue: f64) -> String {
    format!("{revenue:.2}\n")
}

const SYSTEMS: [&str; 5] = [
    "csv",
    "csv-borrowed",
    "csv-lean",
    "csv-lean-unquoted",
    "text",
];

/// Runs one system on one query; the answer as text.
fn run(system: &str, query: &str, path: &str, threads: usize) -> String {
    match (system, query) {
        ("csv", "q1") => show_q1(q1_csv(path, threads)),
        ("csv-borrowed", "q1") => show_q1(q1_borrowed(path, threads)),
        ("csv-lean", "q1") => show_q1(q1_lean(path, threads, true)),
        ("csv-lean-unquoted", "q1") => show_q1(q1_lean(path, threads, false)),
        ("text", "q1") => show_q1(q1_text(path, threads)),
        ("csv", "q6") => show_q6(q6_csv(path, threads)),
        ("csv-borrowed", "q6") => show_q6(q6_borrowed(path, threads)),
        ("csv-lean", "q6") => show_q6(q6_lean(path, threads, true)),
        ("csv-lean-unquoted", "q6") => show_q6(q6_lean(path, threads, false)),
        ("text", "q6") => show_q6(q6_text(path, threads)),
        _ => panic!("unknown system {system} or query {query}: see the header of tpch_csv.rs"),
    }
}

/// A small `.tbl` in lineitem's shape, for the smoke test.
fn generate(path: &Path, rows: u64) {
    let mut out = String::new();
    let mut seed = 1u64;
    for i in 0..rows {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let r = seed >> 33;
        let qty = 1 + r % 50;
        let price = qty * (900 + r % 100_000) / 10;
        let (flag, status) = [('A', 'F'), ('N', 'O'), ('R', 'F'), ('N', 'F')][(r % 4) as usize];
        let date = format!("199{}-{:02}-{:02}", 2 + r % 7, 1 + r % 12, 1 + r % 28);
        out.push_str(&format!(
            "{i}|{}|{}|{}|{qty}|{}.{:02}|0.0{}|0.0{}|{flag}|{status}|{date}|{date}|{date}|NONE|AIR|note {i}|\n",
            r % 1000,
            r % 100,
            1 + r % 7,
            price,
            r % 100,
            r % 11 % 10,
            r % 9
        ));
    }
    std::fs::write(path, out).unwrap();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let threads = env_number("THREADS", 2.0) as usize;
    if let Some(i) = args.iter().position(|a| a == "--only") {
        let (system, query, path) = (&args[i + 1], &args[i + 2], &args[i + 3]);
        let (start, cpu) = (Instant::now(), cpu_time());
        let answer = run(system, query, path, threads);
        let (wall, cpu) = (start.elapsed(), cpu_time().saturating_sub(cpu));
        print!("{answer}");
        println!("time {:.3} {:.3}", wall.as_secs_f64(), cpu.as_secs_f64());
        return;
    }
    if !args.iter().any(|a| a == "--bench") {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lineitem.tbl");
        generate(&path, 20_000);
        let path = path.to_str().unwrap();
        for query in ["q1", "q6"] {
            let answers: Vec<String> = SYSTEMS.iter().map(|s| run(s, query, path, 2)).collect();
            assert!(
                answers.iter().all(|a| *a == answers[0]),
                "{query}: {answers:?}"
            );
        }
        println!("tpch_csv smoke test: all systems agree on Q1 and Q6");
        return;
    }

    let path =
        std::env::var("LINEITEM").unwrap_or_else(|_| "bench-data/tpch-sf1/lineitem.tbl".to_owned());
    if !Path::new(&path).exists() {
        eprintln!(
            "{path} is missing: run scripts/tpch_peers.sh (it generates it), or set LINEITEM"
        );
        std::process::exit(1);
    }
    let reps = env_number("REPS", 5.0) as usize;
    let bytes = std::fs::metadata(&path).unwrap().len();
    println!(
        "TPC-H over {path} ({:.0} MB), {threads} threads, {reps} rounds alternating systems",
        bytes as f64 / 1e6
    );
    println!("ms: median wall time; cpu: median CPU time of all threads; ratio: median per-round ratio to text");
    println!();
    println!(
        "{:>5} {:>9} {:>9} {:>9} {:>10} {:>10}",
        "query", "system", "ms", "cpu ms", "ratio", "cpu ratio"
    );
    let path = path.as_str();
    for query in ["q6", "q1"] {
        let systems: Vec<Box<dyn Fn() -> String>> = SYSTEMS
            .iter()
            .map(|s| Box::new(move || run(s, query, path, threads)) as Box<dyn Fn() -> String>)
            .collect();
        let refs: Vec<&dyn Fn() -> String> = systems.iter().map(|s| s.as_ref()).collect();
        let mut first: Option<String> = None;
        let runs = interleaved(reps, &refs, |i, answer| {
            let want = first.get_or_insert_with(|| answer.clone());
            assert_eq!(&answer, want, "{query}: {} disagrees", SYSTEMS[i]);
        });
        let answer = first.unwrap();
        if bytes == 759_863_287 {
            // SF1, as tpchgen-cli writes it: TPC-H's published answers.
            match query {
                "q6" => assert_eq!(answer, "123141078.23\n"),
                _ => assert!(answer.starts_with("A|F|37734107.00|"), "{answer}"),
            }
            if query == "q1" {
                assert!(answer.lines().next().unwrap().ends_with("|1478493"));
            }
        }
        let text = runs.last().expect("text runs last");
        for (system, r) in SYSTEMS.iter().zip(&runs) {
            println!(
                "{:>5} {:>9} {:>9.0} {:>9.0} {:>10.2} {:>10.2}",
                query,
                system,
                ms(r.wall()),
                ms(r.cpu()),
                r.ratio(text),
                r.cpu_ratio(text)
            );
        }
    }
}
