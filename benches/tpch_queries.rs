//! TPC-H Q1, Q3, Q5 and Q6 end to end from the `.tbl` files of a directory: the `pipeline!` jobs
//! of `examples/tpch/` (the very modules the example runs) against the same queries written by
//! hand with rayon + hashbrown (`tpch_queries/hand.rs`), on the same thread count.
//!
//! Modes:
//! * `cargo bench --bench tpch_queries`: `REPS` rounds (default 5), each running both systems
//!   once per query in turn, in one process; median wall and CPU time per system and the
//!   median of the per-round ratios dataflow / hand.
//! * `cargo bench --bench tpch_queries -- --only SYSTEM QUERY DIR` (SYSTEM `dataflow` or
//!   `hand`, QUERY `q1`, `q3`, `q5` or `q6`): one run; its answer rows, then `time WALL_S
//!   CPU_S`, on standard output. `scripts/tpch_peers.sh` runs it beside DuckDB and Polars.
//!
//! Env: `TPCH_DIR` (default `bench-data/tpch-sf1`, made by `scripts/tpch_peers.sh`), `REPS`,
//! `THREADS` (default 2), `QUERIES` (default `q1,q3,q5,q6`). Both systems must give the same
//! rows (checked in every run); at SF1 also TPC-H's (Q6 revenue 123141078.23; Q1 (A,F) count
//! 1478493, sum_qty 37734107; Q3's first row 2456423, 406181.0111, 1995-03-05, 0; Q5 INDONESIA
//! 55502041.1697 first of five). Without `--bench` (`cargo test --benches`) it is a smoke test
//! on the test data (`tests/data/tpch`, unzipped into a temporary directory): every query once
//! per system, answers compared.

#[path = "../examples/tpch/answer.rs"]
mod answer;
#[path = "common/mod.rs"]
mod common;
#[path = "tpch_queries/hand.rs"]
mod hand;
#[path = "../examples/tpch/q1.rs"]
mod q1;
#[path = "../examples/tpch/q3.rs"]
mod q3;
#[path = "../examples/tpch/q5.rs"]
mod q5;
#[path = "../examples/tpch/q6.rs"]
mod q6;
#[path = "../examples/tpch/tables.rs"]
mod tables;

use common::{cpu_time, env_number, interleaved, ms};
use dataflow::prelude::*;
use std::path::Path;
use std::time::Instant;
use tables::Tables;

const SYSTEMS: [&str; 2] = ["dataflow", "hand"];

/// The answer rows, `|`-separated, one per line (no header).
fn show(rows: &[Vec<String>]) -> String {
    rows.iter().map(|r| r.join("|") + "\n").collect()
}

/// Runs one system on one query; its answer rows as text.
fn run(system: &str, query: &str, dir: &Path, threads: usize) -> String {
    match system {
        "dataflow" => {
            let tables = Tables::new(dir);
            let answer = match query {
                "q1" => q1::run(&tables, threads),
                "q3" => q3::run(&tables, threads),
                "q5" => q5::run(&tables, threads),
                "q6" => q6::run(&tables, threads),
                _ => panic!("unknown query {query}: q1, q3, q5 or q6"),
            }
            .unwrap();
            let rows: Vec<Vec<String>> = answer
                .rows
                .iter()
                .map(|r| r.iter().map(ToString::to_string).collect())
                .collect();
            show(&rows)
        }
        "hand" => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let query: fn(&Path) -> hand::Rows = match query {
                "q1" => hand::q1,
                "q3" => hand::q3,
                "q5" => hand::q5,
                "q6" => hand::q6,
                _ => panic!("unknown query {query}: q1, q3, q5 or q6"),
            };
            show(&pool.install(|| query(dir)))
        }
        _ => panic!("unknown system {system}: dataflow or hand"),
    }
}

/// Checks an answer at SF1 against TPC-H's published one.
fn check_sf1(query: &str, answer: &str) {
    let first = answer.lines().next().unwrap_or_default();
    let ok = match query {
        "q1" => first.starts_with("A|F|37734107.00|") && first.ends_with("|1478493"),
        "q3" => first == "2456423|406181.0111|1995-03-05|0",
        "q5" => {
            let names: Vec<&str> = answer.lines().map(|l| &l[..l.find('|').unwrap()]).collect();
            first == "INDONESIA|55502041.1697"
                && names == ["INDONESIA", "VIETNAM", "CHINA", "INDIA", "JAPAN"]
        }
        _ => answer == "123141078.23\n",
    };
    assert!(ok, "{query} at SF1 is not TPC-H's answer:\n{answer}");
}

/// Unzips the test data set into `dir` with a pipeline (the hand-written queries read plain
/// `.tbl` files only).
fn unzip_test_data(dir: &Path) {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/tpch");
    for table in [
        "lineitem", "orders", "customer", "supplier", "nation", "region",
    ] {
        let (from, to) = (
            format!("{data}/{table}.tbl.gz"),
            dir.join(format!("{table}.tbl")),
        );
        pipeline! { read_text(from) -> write_text(to) }
            .parallelism(1)
            .run()
            .unwrap();
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let threads = env_number("THREADS", 2.0) as usize;
    if let Some(i) = args.iter().position(|a| a == "--only") {
        let (system, query, dir) = (&args[i + 1], &args[i + 2], Path::new(&args[i + 3]));
        let (start, cpu) = (Instant::now(), cpu_time());
        let answer = run(system, query, dir, threads);
        let (wall, cpu) = (start.elapsed(), cpu_time().saturating_sub(cpu));
        print!("{answer}");
        println!("time {:.3} {:.3}", wall.as_secs_f64(), cpu.as_secs_f64());
        return;
    }
    let queries = std::env::var("QUERIES").unwrap_or_else(|_| "q1,q3,q5,q6".to_owned());
    let queries: Vec<&str> = queries.split(',').collect();
    if !args.iter().any(|a| a == "--bench") {
        let dir = tempfile::tempdir().unwrap();
        unzip_test_data(dir.path());
        for query in &queries {
            let hand = run("hand", query, dir.path(), 2);
            assert!(!hand.is_empty(), "{query}: no rows");
            let dataflow = run("dataflow", query, dir.path(), 2);
            assert_eq!(dataflow, hand, "{query}: dataflow, then hand");
        }
        println!("tpch_queries smoke test: dataflow and hand agree on {queries:?}");
        return;
    }

    let dir = std::env::var("TPCH_DIR").unwrap_or_else(|_| "bench-data/tpch-sf1".to_owned());
    let dir = Path::new(&dir);
    let lineitem = dir.join("lineitem.tbl");
    if !lineitem.exists() {
        eprintln!(
            "{} is missing: run scripts/tpch_peers.sh (it generates it), or set TPCH_DIR",
            lineitem.display()
        );
        std::process::exit(1);
    }
    let sf1 = std::fs::metadata(&lineitem).unwrap().len() == 759_863_287;
    let reps = env_number("REPS", 5.0) as usize;
    println!(
        "TPC-H over {}, {threads} threads, {reps} rounds alternating systems",
        dir.display()
    );
    println!("ms: median wall time; cpu: median CPU time of all threads; ratio: median per-round ratio dataflow / hand");
    println!();
    println!(
        "{:>5} {:>9} {:>9} {:>9} {:>10} {:>10}",
        "query", "system", "ms", "cpu ms", "ratio", "cpu ratio"
    );
    for query in queries {
        let systems: Vec<Box<dyn Fn() -> String>> = SYSTEMS
            .iter()
            .map(|s| Box::new(move || run(s, query, dir, threads)) as Box<dyn Fn() -> String>)
            .collect();
        let refs: Vec<&dyn Fn() -> String> = systems.iter().map(|s| s.as_ref()).collect();
        let mut first: Option<String> = None;
        let runs = interleaved(reps, &refs, |i, answer| {
            let want = first.get_or_insert_with(|| answer.clone());
            assert_eq!(&answer, want, "{query}: {} disagrees", SYSTEMS[i]);
        });
        if sf1 {
            check_sf1(query, first.as_deref().unwrap());
        }
        let hand = runs.last().expect("hand runs last");
        for (system, r) in SYSTEMS.iter().zip(&runs) {
            println!(
                "{:>5} {:>9} {:>9.0} {:>9.0} {:>10.2} {:>10.2}",
                query,
                system,
                ms(r.wall()),
                ms(r.cpu()),
                r.ratio(hand),
                r.cpu_ratio(hand)
            );
        }
    }
}
