//! PageRank, 20 rounds, over a generated graph (`examples/common/graph.rs`: 1e6 vertices and
//! 1e7 edges by default).
//!
//! Compares, in one process, taking turns round by round:
//! * (a) the hand-written PageRank a strong engineer writes with rayon: the edges sorted into
//!   compressed rows by target (the in-links of each vertex), each round a parallel pass over
//!   the vertices that pulls `rank[source] / degree[source]` over its in-links: no hashing, no
//!   shuffle, one sequential sweep of the edges per round;
//! * (b) the same algorithm as (c) written by hand with rayon and hashbrown: the links
//!   hash-partitioned by source once, then each round a hash table over each partition's ranks
//!   probed by its links, the contributions bucketed by target partition and summed in a hash
//!   table per partition; the ranks stay partitioned by vertex from round to round. (c)/(b) is
//!   the framework's overhead, (b)/(a) the cost of the hash-based algorithm;
//! * (c) `pipeline!`: `iterate(max = 20)` whose step joins the ranks with the links
//!   `(source, target, 1 / degree)` (partitioned and indexed once, before the first round:
//!   loop-invariant),
//!   sums the contributions per target and damps them (the pipeline of `examples/pagerank.rs`
//!   without its termination criterion).
//!
//! All three include their preparation (degrees, the compressed rows or the weighted links) in the
//! timing. The ranks are checked equal to 1e-9 (relative).
//!
//! Environment: `VERTICES` (default 1e6), `EDGES` (default 1e7), `ROUNDS` (iterations, default
//! 20), `REPS` (default 3), `THREADS` (default: the number of CPUs), `ONLY` (`a`, `b` or `c`:
//! run that system once and nothing else, for a profiler). Without `--bench` (`cargo
//! test --benches`) a smoke test on 1e4 vertices and 1e5 edges.
//!
//! Run: `cargo bench --bench pagerank`, or e.g. `VERTICES=1e5 EDGES=1e6 cargo bench --bench pagerank`.

mod common;
#[path = "../examples/common/graph.rs"]
mod graph;

use common::{env_number, interleaved, report};
use dataflow::prelude::*;
use rayon::prelude::*;

/// (a): compressed in-links, pulled per vertex, in parallel.
fn hand_pagerank(edges: &[(u32, u32)], vertices: u32, rounds: usize) -> Vec<f64> {
    let n = vertices as usize;
    let mut degree = vec![0u32; n];
    let mut offsets = vec![0usize; n + 1];
    for &(a, b) in edges {
        degree[a as usize] += 1;
        offsets[b as usize + 1] += 1;
    }
    for v in 0..n {
        offsets[v + 1] += offsets[v];
    }
    let mut fill = offsets.clone();
    let mut sources = vec![0u32; edges.len()];
    for &(a, b) in edges {
        sources[fill[b as usize]] = a;
        fill[b as usize] += 1;
    }
    let inverse: Vec<f64> = degree
        .iter()
        .map(|&d| if d == 0 { 0.0 } else { 1.0 / d as f64 })
        .collect();
    let mut ranks = vec![1.0 / n as f64; n];
    let mut share = vec![0.0; n];
    let base = (1.0 - graph::DAMPING) / n as f64;
    for _ in 0..rounds {
        share
            .par_iter_mut()
            .zip(&ranks)
            .zip(&inverse)
            .for_each(|((s, r), i)| *s = r * i);
        ranks.par_iter_mut().enumerate().for_each(|(v, r)| {
            let sum: f64 = sources[offsets[v]..offsets[v + 1]]
                .iter()
                .map(|&u| share[u as usize])
                .sum();
            *r = base + graph::DAMPING * sum;
        });
    }
    ranks
}

/// Partitions of (b), as the runtime's hash exchanges.
const HAND_PARTITIONS: usize = 256;

/// The partition of a vertex in (b): the top bits of its foldhash.
fn hand_partition(v: u32) -> usize {
    use std::hash::BuildHasher;
    (foldhash::fast::FixedState::with_seed(7).hash_one(v) >> 56) as usize
}

/// (b): the pipeline's algorithm written by hand with rayon and hashbrown. The links `(source,
/// target, 1 / degree)` are hash-partitioned by source once; each round, per partition, a hash
/// table over the partition's ranks is probed with its links, the contributions are bucketed
/// by the partition of their target, and each target partition sums its buckets in a hash
/// table and damps the sums. The ranks stay partitioned by vertex from round to round.
fn hand_hash_pagerank(edges: &[(u32, u32)], vertices: u32, rounds: usize) -> Vec<f64> {
    type Map<V> = hashbrown::HashMap<u32, V>;
    let n = vertices as f64;
    // The edges and the vertices, by partition of the source.
    let mut by_source: Vec<Vec<(u32, u32)>> = vec![Vec::new(); HAND_PARTITIONS];
    for &(a, b) in edges {
        by_source[hand_partition(a)].push((a, b));
    }
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); HAND_PARTITIONS];
    for v in 0..vertices {
        members[hand_partition(v)].push(v);
    }
    let links: Vec<Vec<(u32, u32, f64)>> = by_source
        .into_par_iter()
        .zip(&members)
        .map(|(part, members)| {
            let mut degree: Map<u32> = Map::default();
            for &(a, _) in &part {
                *degree.entry(a).or_insert(0) += 1;
            }
            let mut out: Vec<(u32, u32, f64)> = part
                .iter()
                .map(|&(a, b)| (a, b, 1.0 / degree[&a] as f64))
                .collect();
            // Every vertex links to itself with weight 0, as in the pipeline.
            out.extend(members.iter().map(|&v| (v, v, 0.0)));
            out
        })
        .collect();
    let mut ranks: Vec<Vec<(u32, f64)>> = members
        .par_iter()
        .map(|m| m.iter().map(|&v| (v, 1.0 / n)).collect())
        .collect();
    for _ in 0..rounds {
        // Join and bucket by target partition.
        let sent: Vec<Vec<Vec<(u32, f64)>>> = ranks
            .par_iter()
            .zip(&links)
            .map(|(ranks, links)| {
                let table: Map<f64> = ranks.iter().copied().collect();
                let mut out = vec![Vec::new(); HAND_PARTITIONS];
                for &(a, b, w) in links {
                    if let Some(r) = table.get(&a) {
                        out[hand_partition(b)].push((b, r * w));
                    }
                }
                out
            })
            .collect();
        // Sum per target, damp.
        ranks = (0..HAND_PARTITIONS)
            .into_par_iter()
            .map(|q| {
                let mut sums: Map<f64> = Map::default();
                for from in &sent {
                    for &(b, c) in &from[q] {
                        *sums.entry(b).or_insert(0.0) += c;
                    }
                }
                sums.into_iter()
                    .map(|(v, s)| (v, (1.0 - graph::DAMPING) / n + graph::DAMPING * s))
                    .collect()
            })
            .collect();
    }
    let mut out = vec![0.0; vertices as usize];
    for (v, r) in ranks.into_iter().flatten() {
        out[v as usize] = r;
    }
    out
}

/// (c): the pipeline of `examples/pagerank.rs`, a fixed number of rounds.
fn pipeline_pagerank(
    edges: &[(u32, u32)],
    vertices: u32,
    rounds: usize,
    threads: usize,
) -> Vec<f64> {
    let n = vertices as f64;
    let ranks: Vec<(u32, f64)> = pipeline! {
        let edges = from_collection(edges);
        let degrees = edges -> key_by(|e| e.0) -> count();
        let weighted = edges -> join(degrees, |e| e.0, |d| d.0, |e, d| (e.0, e.1, 1.0 / d.1 as f64));
        let itself = range(0..vertices) -> map(|v| (v, v, 0.0f64));
        let links = weighted -> union(itself);
        range(0..vertices) -> map(|v| (v, 1.0 / n))
            -> iterate(max = rounds, |ranks| {
                ranks
                    -> join(links, |r| r.0, |l| l.0, |r, l| (l.1, r.1 * l.2))
                    -> key_by(|c| c.0)
                    -> sum(|c| c.1)
                    -> map(|(v, s)| (v, (1.0 - graph::DAMPING) / n + graph::DAMPING * s))
            })
            -> collect()
    }
    .parallelism(threads)
    .run()
    .expect("pagerank");
    let mut out = vec![0.0; vertices as usize];
    for (v, r) in ranks {
        out[v as usize] = r;
    }
    out
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let vertices = env_number("VERTICES", if full { 1e6 } else { 1e4 }) as u32;
    let edges = env_number("EDGES", if full { 1e7 } else { 1e5 }) as usize;
    let rounds = env_number("ROUNDS", 20.0) as usize;
    let reps = env_number("REPS", if full { 3.0 } else { 1.0 }) as usize;
    let threads = match env_number("THREADS", 0.0) as usize {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    let links = graph::generate(vertices, edges, 42);
    if let Ok(only) = std::env::var("ONLY") {
        // One system alone, for a profiler: `ONLY=c perf record ...`.
        let ranks = match only.as_str() {
            "a" => pool.install(|| hand_pagerank(&links, vertices, rounds)),
            "b" => pool.install(|| hand_hash_pagerank(&links, vertices, rounds)),
            _ => pipeline_pagerank(&links, vertices, rounds, threads),
        };
        println!("{only}: {} ranks", ranks.len());
        return;
    }
    println!("PageRank, {rounds} rounds, {vertices} vertices, {} edges, {threads} threads, {reps} rounds of each system, medians", links.len());
    let names = [
        "(a) hand-written CSR",
        "(b) hand-written hash",
        "(c) pipeline!",
    ];
    let systems: [&dyn Fn() -> Vec<f64>; 3] = [
        &|| pool.install(|| hand_pagerank(&links, vertices, rounds)),
        &|| pool.install(|| hand_hash_pagerank(&links, vertices, rounds)),
        &|| pipeline_pagerank(&links, vertices, rounds, threads),
    ];
    let mut expected: Option<Vec<f64>> = None;
    let runs = interleaved(reps, &systems, |i, ranks| {
        let expected = expected.get_or_insert_with(|| ranks.clone());
        for (v, (a, b)) in ranks.iter().zip(expected.iter()).enumerate() {
            assert!(
                (a - b).abs() <= 1e-9 * b.abs().max(1e-12),
                "system {i}, vertex {v}: {a} != {b}"
            );
        }
    });
    // Two tables: (c)/(a) is the target's ratio, (c)/(b) the framework's cost over the same
    // hash-based algorithm written by hand.
    report("PageRank, against (a)", &names, &runs, 0);
    report("PageRank, against (b)", &names, &runs, 1);
}
