//! PageRank by bulk iteration (`iterate`).
//!
//! ```text
//! cargo run --release --example pagerank                        # a generated graph: 1e6 vertices, 1e7 edges
//! cargo run --release --example pagerank -- --vertices 100000 --edges 1000000 --rounds 20
//! cargo run --release --example pagerank -- EDGES.txt           # one `source target` pair per line
//! ```
//!
//! Each round joins the ranks with the links (partitioned and indexed once, before the first
//! round: they do not change), sums the contributions per vertex and damps them; the loop stops after
//! `--rounds` rounds or once no rank moves by more than `--epsilon`. Prints the ten highest
//! ranks, the rounds run, the time, the plan and the metrics.

#[path = "common/graph.rs"]
mod graph;

use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: pagerank [--vertices N] [--edges N] [--rounds N] [--epsilon X] [--parallelism N] [EDGES.txt]";

fn main() -> ExitCode {
    let (mut vertices, mut edges, mut rounds, mut epsilon) =
        (1_000_000u32, 10_000_000usize, 20usize, 0.0f64);
    let mut parallelism = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut file = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_default();
        let ok = match arg.as_str() {
            "--vertices" => value().parse().map(|v| vertices = v).is_ok(),
            "--edges" => value().parse().map(|e| edges = e).is_ok(),
            "--rounds" => value().parse().map(|r| rounds = r).is_ok(),
            "--epsilon" => value().parse().map(|x| epsilon = x).is_ok(),
            "--parallelism" | "-p" => value().parse().map(|p| parallelism = p).is_ok(),
            _ if !arg.starts_with('-') => {
                file = Some(arg.clone());
                true
            }
            _ => false,
        };
        if !ok {
            eprintln!("{USAGE}");
            return ExitCode::FAILURE;
        }
    }
    let links = match graph::load(file.as_deref(), vertices, edges) {
        Ok(links) => links,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let vertices = graph::vertex_count(&links);
    let started = Instant::now();
    let (ranks, metrics, ran) =
        match graph::pagerank(&links, vertices, rounds, epsilon, parallelism) {
            Ok(result) => result,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
    let elapsed = started.elapsed();
    let mut top = ranks;
    top.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    println!("top ranks:");
    for (vertex, rank) in top.iter().take(10) {
        println!("  {vertex:>10}  {rank:.6e}");
    }
    println!("rounds: {ran} (at most {rounds}), time: {elapsed:.2?}, parallelism {parallelism}");
    println!("sum of ranks: {:.6}", top.iter().map(|r| r.1).sum::<f64>());
    println!("{metrics}");
    ExitCode::SUCCESS
}
