//! Bulk and delta iterations (`iterate`, `iterate_delta`) against plain sequential loops, at
//! parallelism 1, 2 and 7.

use dataflow::prelude::*;

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
