//! Connected components by delta iteration (`iterate_delta`).
//!
//! ```text
//! cargo run --release --example connected_components                   # a generated graph: 1e6 vertices, 1e7 edges
//! cargo run --release --example connected_components -- --vertices 100000 --edges 1000000
//! cargo run --release --example connected_components -- EDGES.txt      # one `source target` pair per line
//! ```
//!
//! Every vertex starts labelled with its own id; each round, the vertices whose label dropped
//! (the work set) offer it to their neighbours, and a neighbour takes the smallest offer below
//! its own label (the delta, applied to the solution set in place). The loop stops when no
//! label drops. Prints the ten largest components, the rounds run, the time, the plan and the
//! metrics.

#[path = "common/graph.rs"]
mod graph;

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: connected_components [--vertices N] [--edges N] [--max N] [--parallelism N] [EDGES.txt]";

fn main() -> ExitCode {
    let (mut vertices, mut edges, mut max) = (1_000_000u32, 10_000_000usize, 1000usize);
    let mut parallelism = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut file = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_default();
        let ok = match arg.as_str() {
            "--vertices" => value().parse().map(|v| vertices = v).is_ok(),
            "--edges" => value().parse().map(|e| edges = e).is_ok(),
            "--max" => value().parse().map(|m| max = m).is_ok(),
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
    let (labels, metrics, ran) = match graph::components(&links, vertices, max, parallelism) {
        Ok(result) => result,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let elapsed = started.elapsed();
    let mut sizes: HashMap<u32, u64> = HashMap::new();
    for &(_, label) in &labels {
        *sizes.entry(label).or_default() += 1;
    }
    let mut largest: Vec<(u32, u64)> = sizes.into_iter().collect();
    largest.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    println!(
        "{} components; the largest (smallest vertex: size):",
        largest.len()
    );
    for (label, size) in largest.iter().take(10) {
        println!("  {label:>10}: {size}");
    }
    println!("rounds: {ran} (at most {max}), time: {elapsed:.2?}, parallelism {parallelism}");
    println!("{metrics}");
    ExitCode::SUCCESS
}
