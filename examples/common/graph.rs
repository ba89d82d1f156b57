#![allow(dead_code)]
// Graphs for the iteration examples (`pagerank`, `connected_components`), their tests and
// benchmarks: a deterministic generator, an edge-list reader, and the two pipelines.

mod rng {
    include!("rng.rs");
}

use dataflow::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// A directed graph of `vertices` vertices and `edges` edges (at least one per vertex): vertex
/// `v` links to a random vertex, then the other edges join random sources to targets skewed
/// towards small ids (the product of two uniform draws), so that ranks differ. Deterministic.
pub fn generate(vertices: u32, edges: usize, seed: u64) -> Vec<(u32, u32)> {
    let n = vertices as u64;
    if n == 0 {
        return Vec::new();
    }
    let mut rng = rng::SplitMix64::new(seed);
    let mut out = Vec::with_capacity(edges.max(vertices as usize));
    for v in 0..vertices {
        out.push((v, rng.below(n) as u32));
    }
    while out.len() < edges {
        let src = rng.below(n) as u32;
        let dst = (rng.below(n) * rng.below(n) / n) as u32;
        out.push((src, dst));
    }
    out
}

/// An edge list: one `source target` pair of vertex ids per line (separated by blanks, a tab
/// or a comma); blank lines and lines starting with `#` or `%` are passed over.
pub fn read_edges(path: &str) -> Result<Vec<(u32, u32)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let mut edges = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('%') {
            continue;
        }
        let mut ids = line
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|s| !s.is_empty());
        let mut id = || -> Result<u32, String> {
            let s = ids
                .next()
                .ok_or(format!("{path}:{}: expected two vertex ids", i + 1))?;
            s.parse()
                .map_err(|_| format!("{path}:{}: not a vertex id: {s}", i + 1))
        };
        edges.push((id()?, id()?));
    }
    Ok(edges)
}

/// The examples' graph: the edge list in `file`, or a generated one of `vertices` and `edges`
/// (seed 42); prints its size and load time.
pub fn load(file: Option<&str>, vertices: u32, edges: usize) -> Result<Vec<(u32, u32)>, String> {
    let started = Instant::now();
    let links = match file {
        Some(path) => read_edges(path)?,
        None => generate(vertices, edges, 42),
    };
    println!(
        "graph: {} vertices, {} edges ({:.2?} to load)",
        vertex_count(&links),
        links.len(),
        started.elapsed()
    );
    Ok(links)
}

/// The number of vertices: one more than the largest id.
pub fn vertex_count(edges: &[(u32, u32)]) -> u32 {
    edges.iter().map(|&(a, b)| a.max(b) + 1).max().unwrap_or(0)
}

pub const DAMPING: f64 = 0.85;

/// What a loop example returns: its records, the job's metrics and the rounds it ran.
pub type Run<T> = Result<(Vec<T>, Metrics, usize), dataflow::Error>;

/// PageRank by bulk iteration, `rounds` rounds (or fewer: it stops once no rank moves by more
/// than `epsilon`): `(vertex, rank)` for every vertex, and the job's metrics and rounds run.
///
/// Each round joins the ranks with the links `(source, target, 1 / out-degree)` (computed once,
/// before the loop; every vertex also links to itself with weight 0, so that a vertex no one
/// links to keeps its place), sums the contributions per target, and damps them.
pub fn pagerank(
    edges: &[(u32, u32)],
    vertices: u32,
    rounds: usize,
    epsilon: f64,
    parallelism: usize,
) -> Run<(u32, f64)> {
    let n = vertices as f64;
    let ran = AtomicUsize::new(0);
    let ran_ref = &ran;
    let (ranks, metrics) = pipeline! {
        let edges = from_collection(edges);
        let degrees = edges -> key_by(|e| e.0) -> count();
        let weighted = edges -> join(degrees, |e| e.0, |d| d.0, |e, d| (e.0, e.1, 1.0 / d.1 as f64));
        let itself = range(0..vertices) -> map(|v| (v, v, 0.0f64));
        let links = weighted -> union(itself);
        range(0..vertices) -> map(|v| (v, 1.0 / n))
            -> iterate(max = rounds, |ranks, round| {
                let next = ranks
                    -> join(links, |r| r.0, |l| l.0, |r, l| (l.1, r.1 * l.2))
                    -> key_by(|c| c.0)
                    -> sum(|c| c.1)
                    -> map(|(v, s)| (v, (1.0 - DAMPING) / n + DAMPING * s))
                    -> inspect(|_| {
                        if ran_ref.load(Ordering::Relaxed) <= round {
                            ran_ref.fetch_max(round + 1, Ordering::Relaxed);
                        }
                    });
                let moved = next
                    -> join(ranks, |a| a.0, |b| b.0, |a, b| (a.1 - b.1).abs())
                    -> filter(|d| *d > epsilon);
                next
            }, until = moved)
            -> collect()
    }
    .parallelism(parallelism)
    .run_with_metrics()?;
    Ok((ranks, metrics, ran.into_inner()))
}

/// Connected components by delta iteration (Flink's example): every vertex's label is the
/// smallest vertex id of its component (edges taken both ways). The solution set holds each
/// vertex's label; the work set, the vertices whose label dropped in the last round, which
/// offer it to their neighbours. Returns `(vertex, label)` sorted by vertex, the metrics, and
/// the rounds run.
pub fn components(
    edges: &[(u32, u32)],
    vertices: u32,
    max: usize,
    parallelism: usize,
) -> Run<(u32, u32)> {
    let ran = AtomicUsize::new(0);
    let ran_ref = &ran;
    let (mut labels, metrics) = pipeline! {
        let both_ways = from_collection(edges) -> flat_map(|&(a, b)| [(a, b), (b, a)]);
        let initial = range(0..vertices) -> map(|v| (v, v));
        initial
            -> iterate_delta(workset = initial, key = |s| s.0, max = max, |solution, workset, round| {
                let delta = workset
                    -> inspect(|_| {
                        if ran_ref.load(Ordering::Relaxed) <= round {
                            ran_ref.fetch_max(round + 1, Ordering::Relaxed);
                        }
                    })
                    -> join(both_ways, |w| w.0, |e| e.0, |w, e| (e.1, w.1))
                    -> key_by(|c| c.0)
                    -> min(|c| c.1)
                    -> join(solution, |c| c.0, |s| s.0, |c, s| (c.0, c.1, s.1))
                    -> filter(|t| t.1 < t.2)
                    -> map(|t| (t.0, t.1));
                (delta, delta)
            })
            -> collect()
    }
    .parallelism(parallelism)
    .run_with_metrics()?;
    labels.sort_unstable();
    Ok((labels, metrics, ran.into_inner()))
}

/// PageRank computed plainly, one vertex after another (for tests): the same formula and
/// stopping rule as [`pagerank`]. Returns the ranks by vertex and the rounds run.
#[allow(dead_code)]
pub fn pagerank_reference(
    edges: &[(u32, u32)],
    vertices: u32,
    rounds: usize,
    epsilon: f64,
) -> (Vec<f64>, usize) {
    let n = vertices as usize;
    let mut degree = vec![0u64; n];
    for &(a, _) in edges {
        degree[a as usize] += 1;
    }
    let mut ranks = vec![1.0 / n as f64; n];
    let mut ran = 0;
    while ran < rounds {
        let mut sums = vec![0.0; n];
        for &(a, b) in edges {
            sums[b as usize] += ranks[a as usize] / degree[a as usize] as f64;
        }
        let next: Vec<f64> = sums
            .iter()
            .map(|s| (1.0 - DAMPING) / n as f64 + DAMPING * s)
            .collect();
        let moved = next
            .iter()
            .zip(&ranks)
            .any(|(a, b)| (a - b).abs() > epsilon);
        ranks = next;
        ran += 1;
        if !moved {
            break;
        }
    }
    (ranks, ran)
}
