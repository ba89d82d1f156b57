//! Connected components of a generated graph (`examples/common/graph.rs`: 1e6 vertices and
//! 1e7 edges by default, taken both ways).
//!
//! Compares, in one process, taking turns round by round:
//! * (a) the hand-written answer: a union-find (path halving, union by smaller root) over the
//!   edges, one pass, on one thread, then each vertex's root (the smallest vertex of its
//!   component);
//! * (c) `pipeline!`: `iterate_delta` (the pipeline of `examples/connected_components.rs`):
//!   the solution set holds each vertex's label, the work set the vertices whose label dropped;
//!   each round joins the work set with the edges (partitioned once, before the first round),
//!   takes the smallest offer per vertex, keeps those below the vertex's label, and applies them
//!   to the solution set in place.
//!
//! The labels are checked equal.
//!
//! Environment: `VERTICES` (default 1e6), `EDGES` (default 1e7), `REPS` (default 3), `THREADS`
//! (default: the number of CPUs). Without `--bench` a smoke test on 1e4 vertices, 1e5 edges.
//!
//! Run: `cargo bench --bench connected_components`.

mod common;
#[path = "../examples/common/graph.rs"]
mod graph;

use common::{env_number, interleaved, report};

/// (a): union-find, the smallest vertex of each component as its root.
fn hand_components(edges: &[(u32, u32)], vertices: u32) -> Vec<u32> {
    let mut parent: Vec<u32> = (0..vertices).collect();
    fn find(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            let up = parent[parent[x as usize] as usize];
            parent[x as usize] = up;
            x = up;
        }
        x
    }
    for &(a, b) in edges {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        if ra != rb {
            parent[ra.max(rb) as usize] = ra.min(rb);
        }
    }
    (0..vertices).map(|v| find(&mut parent, v)).collect()
}

fn pipeline_components(edges: &[(u32, u32)], vertices: u32, threads: usize) -> Vec<u32> {
    let (labels, _, _) = graph::components(edges, vertices, 10_000, threads).expect("components");
    labels.into_iter().map(|(_, label)| label).collect()
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let vertices = env_number("VERTICES", if full { 1e6 } else { 1e4 }) as u32;
    let edges = env_number("EDGES", if full { 1e7 } else { 1e5 }) as usize;
    let reps = env_number("REPS", if full { 3.0 } else { 1.0 }) as usize;
    let threads = match env_number("THREADS", 0.0) as usize {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let links = graph::generate(vertices, edges, 42);
    let (_, _, rounds) = graph::components(&links, vertices, 10_000, threads).expect("components");
    println!("connected components, {vertices} vertices, {} edges, {rounds} rounds of the delta iteration, {threads} threads, {reps} rounds of each system, medians", links.len());
    let names = ["(a) union-find", "(c) pipeline!"];
    let systems: [&dyn Fn() -> Vec<u32>; 2] = [&|| hand_components(&links, vertices), &|| {
        pipeline_components(&links, vertices, threads)
    }];
    let mut expected: Option<Vec<u32>> = None;
    let runs = interleaved(reps, &systems, |i, labels| {
        assert_eq!(
            expected.get_or_insert_with(|| labels.clone()),
            &labels,
            "system {i} differs"
        );
    });
    report("connected components", &names, &runs, 0);
}
