//! TPC-H queries 1, 3, 5 and 6 as ordinary `pipeline!` jobs over the `.tbl` files of a
//! directory, each result printed as TPC-H's answer set shows it, with the query's time.
//!
//! ```text
//! pip install tpchgen-cli && tpchgen-cli tbl -s 1 --output-dir tpch-sf1   # about 1 GB, seconds
//! cargo run --release --example tpch -- tpch-sf1                          # Q1, Q3, Q5, Q6
//! cargo run --release --example tpch -- tpch-sf1 --query 5 --threads 2    # one query, 2 threads
//! ```
//!
//! One module per query (`examples/tpch/q1.rs`, ...), each reading typed records with
//! `read_csv::<T>` and returning an [`answer::Answer`]; `tests/tpch.rs` runs the same modules on
//! a small data set and compares them with DuckDB's answers.

#[path = "tpch/answer.rs"]
mod answer;
#[path = "tpch/q1.rs"]
mod q1;
#[path = "tpch/q3.rs"]
mod q3;
#[path = "tpch/q5.rs"]
mod q5;
#[path = "tpch/q6.rs"]
mod q6;
#[path = "tpch/tables.rs"]
mod tables;

use std::process::ExitCode;
use std::time::Instant;
use tables::Tables;

type Query = fn(&Tables, usize) -> Result<answer::Answer, dataflow::Error>;

const QUERIES: [(u32, Query); 4] = [(1, q1::run), (3, q3::run), (5, q5::run), (6, q6::run)];

const USAGE: &str = "usage: tpch DIR [--query N] [--threads N]

DIR holds TPC-H tables as .tbl files (lineitem, orders, customer, supplier, nation, region).
Generate them with tpchgen-cli (scale factor 1 is about 1 GB and takes seconds):

    pip install tpchgen-cli
    tpchgen-cli tbl -s 1 --output-dir tpch-sf1
    cargo run --release --example tpch -- tpch-sf1

--query N   run only query N (1, 3, 5 or 6)
--threads N run on N threads (default: every CPU)";

struct Args {
    dir: String,
    queries: Vec<u32>,
    threads: usize,
}

/// The arguments, or `None` for `--help`.
fn parse_args() -> Result<Option<Args>, String> {
    let mut args = std::env::args().skip(1);
    let (mut dir, mut threads) = (None, None);
    let mut queries: Vec<u32> = QUERIES.iter().map(|(n, _)| *n).collect();
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<usize, String> {
            let value = args.next().ok_or(format!("{name} needs a number"))?;
            value
                .parse()
                .map_err(|_| format!("{name} needs a number, not `{value}`"))
        };
        match arg.as_str() {
            "--query" => {
                let n = number("--query")? as u32;
                if !QUERIES.iter().any(|(q, _)| *q == n) {
                    let known: Vec<String> = QUERIES.iter().map(|(q, _)| q.to_string()).collect();
                    return Err(format!(
                        "there is no query {n}: it is one of {}",
                        known.join(", ")
                    ));
                }
                queries = vec![n];
            }
            "--threads" => threads = Some(number("--threads")?.max(1)),
            "-h" | "--help" => return Ok(None),
            _ if arg.starts_with('-') => return Err(format!("unknown option `{arg}`")),
            _ if dir.is_none() => dir = Some(arg),
            _ => return Err(format!("one directory only, not also `{arg}`")),
        }
    }
    let dir = dir.ok_or("no directory of .tbl files given")?;
    let threads =
        threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    Ok(Some(Args {
        dir,
        queries,
        threads,
    }))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("error: {error}\n\n{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    if !std::path::Path::new(&args.dir).is_dir() {
        eprintln!("error: {} is not a directory\n\n{USAGE}", args.dir);
        return ExitCode::FAILURE;
    }
    let tables = Tables::new(&args.dir);
    println!("TPC-H over {} on {} threads", args.dir, args.threads);
    for (n, query) in QUERIES.iter().filter(|(n, _)| args.queries.contains(n)) {
        let start = Instant::now();
        match query(&tables, args.threads) {
            Ok(answer) => {
                print!("\nQ{n} ({:.3} s)\n{answer}", start.elapsed().as_secs_f64());
            }
            Err(error) => {
                eprintln!("error: Q{n}: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
