//! Bulk and delta iterations (`iterate`, `iterate_delta`) against plain sequential loops, at
//! parallelism 1, 2 and 7.

#[path = "../examples/common/graph.rs"]
mod graph;

use dataflow::prelude::*;
use proptest::prelude::*;

const PARALLELISM: [usize; 3] = [1, 2, 7];

#[test]
fn a_bulk_loop_applies_its_step_max_times() {
    let data: Vec<u64> = (0..100).collect();
    for p in PARALLELISM {
        let out: Vec<u64> = pipeline! {
            from_collection(data.clone())
                -> iterate(max = 5, |xs| { xs -> map(|x| x * 2 + 1) })
                -> collect()
        }
        .parallelism(p)
        .run()
        .unwrap();
        let expected: Vec<u64> = data
            .iter()
            .map(|&x| (0..5).fold(x, |x, _| x * 2 + 1))
            .collect();
        assert_eq!(out, expected, "parallelism {p}");
    }
}

/// PageRank-like: a join with data bound outside the loop, an aggregation, a broadcast
/// variable read inside the step, and the round number in a closure.
#[test]
fn a_loop_with_a_join_an_aggregation_a_broadcast_read_and_the_round() {
    let n = 50u32;
    let edges: Vec<(u32, u32)> = (0..n)
        .flat_map(|v| [(v, (v * 7 + 1) % n), (v, (v * 3 + 2) % n)])
        .collect();
    for p in PARALLELISM {
        let out: Vec<(u32, f64)> = pipeline! {
            let links = from_collection(edges.clone());
            let damping = range(0..1) -> map(|_| 0.85f64) -> broadcast();
            range(0..n) -> map(|v| (v, 1.0f64))
                -> iterate(max = 4, |ranks, round| {
                    ranks -> join(links, |r| r.0, |l| l.0, |r, l| (l.1, r.1 / 2.0))
                          -> key_by(|c| c.0)
                          -> sum(|c| c.1)
                          -> map(|(v, s)| (v, (1.0 - damping[0]) + damping[0] * s + round as f64))
                })
                -> collect()
        }
        .parallelism(p)
        .run()
        .unwrap();
        let mut ranks: Vec<f64> = vec![1.0; n as usize];
        for round in 0..4 {
            let mut sums: Vec<Option<f64>> = vec![None; n as usize];
            for &(a, b) in &edges {
                *sums[b as usize].get_or_insert(0.0) += ranks[a as usize] / 2.0;
            }
            let mut next = ranks.clone();
            for v in 0..n as usize {
                next[v] = match sums[v] {
                    Some(s) => 0.15 + 0.85 * s + round as f64,
                    None => f64::NAN,
                };
            }
            ranks = next;
        }
        let mut out = out;
        out.sort_by_key(|r| r.0);
        let expected: Vec<(u32, f64)> = (0..n)
            .filter(|v| !ranks[*v as usize].is_nan())
            .map(|v| (v, ranks[v as usize]))
            .collect();
        assert_eq!(out.len(), expected.len(), "parallelism {p}");
        for (a, b) in out.iter().zip(&expected) {
            assert_eq!(a.0, b.0);
            assert!((a.1 - b.1).abs() < 1e-9, "{a:?} {b:?}");
        }
    }
}

/// A join inside a loop whose other input is bound outside it (indexed once, probed every
/// round): duplicate keys on both sides and a key borrowed from a `String` give the records a
/// plain loop gives, in the same order at every parallelism.
#[test]
fn a_loop_joins_an_invariant_input_with_duplicate_and_borrowed_keys() {
    let names: Vec<String> = (0..12).map(|i| format!("n{i}")).collect();
    // Each name leads to one or (every third) two others, with a weight.
    let table: Vec<(String, String, u64)> = (0..12)
        .flat_map(|i| {
            let mut next = vec![(names[i].clone(), names[(i * 5 + 1) % 12].clone(), i as u64)];
            if i % 3 == 0 {
                next.push((names[i].clone(), names[(i + 7) % 12].clone(), 100));
            }
            next
        })
        .collect();
    let start: Vec<(String, u64)> = vec![("n0".into(), 1), ("n4".into(), 2), ("n0".into(), 3)];
    let mut expected = start.clone();
    for _ in 0..4 {
        expected = expected
            .iter()
            .flat_map(|(k, v)| {
                let table = &table;
                table
                    .iter()
                    .filter(move |t| &t.0 == k)
                    .map(move |t| (t.1.clone(), (v + t.2) % 1000))
            })
            .collect();
    }
    expected.sort();
    let mut first: Option<Vec<(String, u64)>> = None;
    for p in PARALLELISM {
        let out: Vec<(String, u64)> = pipeline! {
            let table = from_collection(table.clone());
            from_collection(start.clone())
                -> iterate(max = 4, |xs| {
                    xs -> join(table, |x| x.0.as_str(), |t| t.0.as_str(), |x, t| (t.1.clone(), (x.1 + t.2) % 1000))
                })
                -> collect()
        }
        .parallelism(p)
        .run()
        .unwrap();
        match &first {
            None => first = Some(out.clone()),
            Some(f) => assert_eq!(&out, f, "parallelism {p}"),
        }
        let mut sorted = out;
        sorted.sort();
        assert_eq!(sorted, expected, "parallelism {p}");
    }
}

/// `xs >> rounds` with a termination criterion: the loop stops after the first round whose
/// input held no nonzero value (Flink's: the criterion is computed in the round).
fn halve_until_zero(data: &[u64], max: usize, p: usize) -> (Vec<u64>, usize) {
    let rounds = std::sync::atomic::AtomicUsize::new(0);
    let out = pipeline! {
        from_collection(data.to_vec())
            -> iterate(max = max, |xs, round| {
                let changed = xs -> filter(|x| *x > 0);
                xs -> map(|x| x / 2) -> inspect(|_| { rounds.fetch_max(round + 1, std::sync::atomic::Ordering::Relaxed); })
            }, until = changed)
            -> collect()
    }
    .parallelism(p)
    .run()
    .unwrap();
    (out, rounds.into_inner())
}

/// The sequential reference: rounds run, and the result.
fn halve_reference(data: &[u64], max: usize) -> (Vec<u64>, usize) {
    let mut xs = data.to_vec();
    let mut rounds = 0;
    while rounds < max {
        let changed = xs.iter().filter(|x| **x > 0).count();
        xs = xs.iter().map(|x| x / 2).collect();
        rounds += 1;
        if changed == 0 {
            break;
        }
    }
    (xs, rounds)
}

#[test]
fn a_bulk_loop_stops_early_never_or_exactly_at_its_maximum() {
    let data: Vec<u64> = (0..5000).map(|i| (i * 2654435761u64) % 1000).collect();
    // 1000 needs 10 halvings; the 11th round sees only zeros and stops the loop.
    for (max, rounds) in [(100, 11), (4, 4), (11, 11), (10, 10), (0, 0)] {
        let expected = halve_reference(&data, max);
        assert_eq!(expected.1, rounds, "the reference, max {max}");
        for p in PARALLELISM {
            assert_eq!(
                halve_until_zero(&data, max, p),
                expected,
                "max {max}, parallelism {p}"
            );
        }
    }
}

#[test]
fn loops_over_empty_inputs() {
    for p in PARALLELISM {
        assert_eq!(halve_until_zero(&[], 5, p), (Vec::new(), 0));
        let none: Vec<(u32, u32)> = Vec::new();
        assert_eq!(components(&none, &[], p), Vec::new());
        assert_eq!(components(&none, &[3, 1], p), vec![(1, 1), (3, 3)]);
    }
}

#[test]
fn a_loop_nested_in_a_loop_reads_both_rounds() {
    let data: Vec<u64> = (0..300).collect();
    for p in PARALLELISM {
        let out: Vec<u64> = pipeline! {
            let offsets = from_collection(vec![1u64, 2]);
            from_collection(data.clone())
                -> iterate(max = 3, |xs, outer| {
                    xs -> iterate(max = 2, |ys, inner| {
                            ys -> cross(offsets, |y, o| y + o * (outer as u64 + 1) + inner as u64)
                               -> filter(|y| y % 3 != 0)
                        })
                       -> map(|x| x % 1000)
                })
                -> collect()
        }
        .parallelism(p)
        .run()
        .unwrap();
        let mut xs = data.clone();
        for outer in 0..3u64 {
            for inner in 0..2u64 {
                xs = xs
                    .iter()
                    .flat_map(|y| [1u64, 2].map(|o| y + o * (outer + 1) + inner))
                    .filter(|y| y % 3 != 0)
                    .collect();
            }
            xs = xs.iter().map(|x| x % 1000).collect();
        }
        assert_eq!(out, xs, "parallelism {p}");
    }
}

/// Connected components by delta iteration (Flink's example): each vertex's label is the
/// smallest vertex id of its component. The work set holds the vertices whose label changed.
fn components(edges: &[(u32, u32)], vertices: &[u32], p: usize) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = pipeline! {
        let edges = from_collection(edges.to_vec()) -> flat_map(|(a, b)| [(a, b), (b, a)]);
        let initial = from_collection(vertices.to_vec()) -> map(|v| (v, v));
        initial
            -> iterate_delta(workset = initial, key = |s| s.0, max = 1000, |solution, workset| {
                let candidates = workset
                    -> join(edges, |w| w.0, |e| e.0, |w, e| (e.1, w.1))
                    -> key_by(|c| c.0)
                    -> min(|c| c.1);
                let delta = candidates
                    -> join(solution, |c| c.0, |s| s.0, |c, s| (c.0, c.1, s.1))
                    -> filter(|t| t.1 < t.2)
                    -> map(|t| (t.0, t.1));
                (delta, delta)
            })
            -> collect()
    }
    .parallelism(p)
    .run()
    .unwrap();
    out.sort();
    out
}

/// Union-find, the reference: the smallest vertex of each component.
fn components_reference(edges: &[(u32, u32)], vertices: &[u32]) -> Vec<(u32, u32)> {
    let n = vertices.iter().copied().max().map_or(0, |m| m as usize + 1);
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], x: usize) -> usize {
        let mut r = x;
        while parent[r] != r {
            r = parent[r];
        }
        parent[x] = r;
        r
    }
    for &(a, b) in edges {
        let (ra, rb) = (find(&mut parent, a as usize), find(&mut parent, b as usize));
        parent[ra.max(rb)] = ra.min(rb);
    }
    let mut out: Vec<(u32, u32)> = vertices
        .iter()
        .map(|&v| (v, find(&mut parent, v as usize) as u32))
        .collect();
    out.sort();
    out.dedup();
    out
}

#[test]
fn connected_components_by_delta_iteration_match_union_find() {
    let vertices: Vec<u32> = (0..600).collect();
    let mut state = 7u64;
    let edges: Vec<(u32, u32)> = (0..450)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (((state >> 33) % 600) as u32, ((state >> 13) % 600) as u32)
        })
        .collect();
    let expected = components_reference(&edges, &vertices);
    for p in PARALLELISM {
        assert_eq!(
            components(&edges, &vertices, p),
            expected,
            "parallelism {p}"
        );
    }
}

/// Single-source shortest paths from vertex 0 by delta iteration: the work set holds the
/// vertices whose distance dropped; unreachable vertices keep `u64::MAX`.
fn shortest_paths(edges: &[(u32, u32, u64)], n: u32, p: usize) -> Vec<(u32, u64)> {
    let mut out: Vec<(u32, u64)> = pipeline! {
        let edges = from_collection(edges.to_vec());
        let initial = range(0..n) -> map(|v| (v, if v == 0 { 0 } else { u64::MAX }));
        let start = range(0..n.min(1)) -> map(|v| (v, 0u64));
        initial
            -> iterate_delta(workset = start, key = |s| s.0, max = 10_000, |solution, workset| {
                let delta = workset
                    -> join(edges, |w| w.0, |e| e.0, |w, e| (e.1, w.1 + e.2))
                    -> key_by(|c| c.0)
                    -> min(|c| c.1)
                    -> join(solution, |c| c.0, |s| s.0, |c, s| (c.0, c.1, s.1))
                    -> filter(|t| t.1 < t.2)
                    -> map(|t| (t.0, t.1));
                (delta, delta)
            })
            -> collect()
    }
    .parallelism(p)
    .run()
    .unwrap();
    out.sort();
    out
}

/// Bellman-Ford, the reference.
fn shortest_paths_reference(edges: &[(u32, u32, u64)], n: u32) -> Vec<(u32, u64)> {
    let mut dist = vec![u64::MAX; n as usize];
    if n > 0 {
        dist[0] = 0;
    }
    for _ in 0..n {
        for &(a, b, w) in edges {
            if dist[a as usize] != u64::MAX && dist[a as usize] + w < dist[b as usize] {
                dist[b as usize] = dist[a as usize] + w;
            }
        }
    }
    (0..n).map(|v| (v, dist[v as usize])).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn connected_components_of_random_graphs(
        n in 0u32..60,
        pairs in prop::collection::vec((0u32..60, 0u32..60), 0..80),
    ) {
        let vertices: Vec<u32> = (0..n).collect();
        let edges: Vec<(u32, u32)> = pairs.into_iter().filter(|&(a, b)| a < n && b < n).collect();
        let expected = components_reference(&edges, &vertices);
        for p in PARALLELISM {
            prop_assert_eq!(components(&edges, &vertices, p), expected.clone());
        }
    }

    #[test]
    fn shortest_paths_of_random_weighted_graphs(
        n in 0u32..40,
        edges in prop::collection::vec((0u32..40, 0u32..40, 1u64..20), 0..100),
    ) {
        let edges: Vec<(u32, u32, u64)> = edges.into_iter().filter(|&(a, b, _)| a < n && b < n).collect();
        let expected = shortest_paths_reference(&edges, n);
        for p in PARALLELISM {
            prop_assert_eq!(shortest_paths(&edges, n, p), expected.clone());
        }
    }

    #[test]
    fn bulk_loops_with_a_termination_criterion(
        data in prop::collection::vec(0u64..5000, 0..300),
        max in 0usize..16,
    ) {
        let expected = halve_reference(&data, max);
        for p in PARALLELISM {
            prop_assert_eq!(halve_until_zero(&data, max, p), expected.clone());
        }
    }
}

/// The pipeline of `examples/pagerank.rs` (a termination criterion made of a join of the next
/// ranks with this round's) against the plain loop: the same rounds, ranks equal to 1e-12.
#[test]
fn the_pagerank_example_matches_a_plain_loop() {
    let edges = graph::generate(300, 2000, 3);
    let n = graph::vertex_count(&edges);
    for (rounds, epsilon) in [(50, 1e-6), (7, 0.0)] {
        let (expected, expected_rounds) = graph::pagerank_reference(&edges, n, rounds, epsilon);
        for p in PARALLELISM {
            let (mut ranks, _, ran) = graph::pagerank(&edges, n, rounds, epsilon, p).unwrap();
            ranks.sort_by_key(|r| r.0);
            assert_eq!(ran, expected_rounds, "parallelism {p}");
            assert_eq!(ranks.len(), n as usize);
            for (v, r) in ranks {
                assert!(
                    (r - expected[v as usize]).abs() < 1e-12,
                    "vertex {v}: {r} against {}",
                    expected[v as usize]
                );
            }
        }
    }
}

#[test]
fn the_connected_components_example_matches_union_find() {
    let edges = graph::generate(500, 600, 5);
    let n = graph::vertex_count(&edges);
    let vertices: Vec<u32> = (0..n).collect();
    let expected = components_reference(&edges, &vertices);
    for p in PARALLELISM {
        let (labels, _, ran) = graph::components(&edges, n, 1000, p).unwrap();
        assert_eq!(labels, expected, "parallelism {p}");
        assert!(ran > 1);
    }
}
