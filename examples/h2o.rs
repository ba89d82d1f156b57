//! The h2o db-benchmark (duckdblabs/db-benchmark): its ten group-by questions over the table G1
//! and its five join questions, as ordinary `pipeline!` jobs over tables held in memory (loaded
//! with `read_csv::<T>(..) -> collect()`, load time excluded as the benchmark does), and the
//! same questions written by hand with rayon + hashbrown for comparison.
//!
//! ```text
//! cargo run --release --example h2o -- generate groupby 1e7 G1_1e7.csv   # the G1 table, K = 100
//! cargo run --release --example h2o -- groupby G1_1e7.csv --threads 2    # q1..q10
//! cargo run --release --example h2o -- generate join 1e7 join-1e7        # x, small, medium, big
//! cargo run --release --example h2o -- join join-1e7 --questions 1,5     # j1 and j5
//! ```
//!
//! Each question prints one line, `q3 ROWS CHK.. | WALL CPU`: the number of result rows, the
//! sum of each result column (db-benchmark's check; `bench/run.sh` compares it with DuckDB's)
//! and the query's wall and CPU seconds. `--system hand` runs the hand-written versions.
//! The jobs are in `examples/h2o/groupby.rs` and `examples/h2o/join.rs`.

#[path = "h2o/answer.rs"]
mod answer;
#[path = "h2o/data.rs"]
mod data;
#[path = "h2o/groupby.rs"]
mod groupby;
#[path = "h2o/hand.rs"]
mod hand;
#[path = "h2o/join.rs"]
mod join;

use dataflow::prelude::*;
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: h2o generate groupby|join ROWS PATH
       h2o groupby FILE [--threads N] [--system dataflow|hand] [--questions 1,2,..]
       h2o join DIR [--threads N] [--system dataflow|hand] [--questions 1,2,..]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn number(s: &str) -> Result<u64, String> {
    s.parse::<f64>()
        .map(|n| n as u64)
        .map_err(|_| format!("not a number: {s}\n{USAGE}"))
}

fn run(args: &[String]) -> Result<(), String> {
    let word = |i: usize| args.get(i).map(String::as_str).ok_or(USAGE.to_string());
    if word(0)? == "generate" {
        let (rows, path) = (number(word(2)?)?, word(3)?);
        let started = Instant::now();
        match word(1)? {
            "groupby" => data::write_groupby(path, &data::generate_groupby(rows, 100, 1)),
            "join" => data::write_join(path, &data::generate_join(rows, 2)),
            _ => return Err(USAGE.to_string()),
        }
        .map_err(|e| format!("{path}: {e}"))?;
        eprintln!("wrote {path} in {:.1} s", started.elapsed().as_secs_f64());
        return Ok(());
    }
    let (task, path) = (word(0)?, word(1)?);
    let (mut threads, mut hand, mut questions) = (2, false, None);
    let mut it = args[2..].iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(USAGE.to_string())?;
        match flag.as_str() {
            "--threads" => threads = number(value)? as usize,
            "--system" => hand = value == "hand",
            "--questions" => {
                questions = Some(
                    value
                        .split(',')
                        .map(|q| number(q).map(|q| q as usize))
                        .collect::<Result<Vec<_>, _>>()?,
                )
            }
            _ => return Err(USAGE.to_string()),
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let fail = |e: Error| e.to_string();
    match task {
        "groupby" => {
            let rows: Vec<data::Row> = pipeline! { read_csv::<data::Row>(path) -> collect() }
                .parallelism(threads)
                .run()
                .map_err(fail)?;
            eprintln!(
                "loaded {} rows in {:.1} s",
                rows.len(),
                started.elapsed().as_secs_f64()
            );
            for q in questions.unwrap_or((1..=10).collect()) {
                let (t, a) = if hand {
                    pool.install(|| hand::run(q, &rows, false))
                } else {
                    groupby::run(q, &rows, threads, false).map_err(fail)?
                };
                print_answer(&format!("q{q}"), groupby::QUESTIONS[q - 1], &t, &a);
            }
        }
        "join" => {
            let file = |name: &str| format!("{path}/{name}.csv");
            let tables = pipeline! {
                read_csv::<data::X>(file("x")) -> collect();
                read_csv::<data::Small>(file("small")) -> collect();
                read_csv::<data::Medium>(file("medium")) -> collect();
                read_csv::<data::Big>(file("big")) -> collect();
            }
            .parallelism(threads)
            .run()
            .map_err(fail)?;
            let tables = data::JoinTables {
                x: tables.0,
                small: tables.1,
                medium: tables.2,
                big: tables.3,
            };
            eprintln!(
                "loaded {} rows of x in {:.1} s",
                tables.x.len(),
                started.elapsed().as_secs_f64()
            );
            for j in questions.unwrap_or((1..=5).collect()) {
                let (t, a) = pool
                    .install(|| join::run(j, &tables, threads, hand, false))
                    .map_err(fail)?;
                print_answer(&format!("j{j}"), join::QUESTIONS[j - 1], &t, &a);
            }
        }
        _ => return Err(USAGE.to_string()),
    }
    Ok(())
}

/// One line per question on stdout (what `bench/run.sh` reads), its wording on stderr.
fn print_answer(name: &str, question: &str, t: &answer::Timing, a: &answer::Answer) {
    eprintln!("{name}: {question}");
    let chk: Vec<String> = a.chk.iter().map(|c| format!("{c:?}")).collect();
    println!(
        "{name} {} {} | {:.4} {:.4}",
        a.rows,
        chk.join(" "),
        t.wall.as_secs_f64(),
        t.cpu.as_secs_f64()
    );
}
