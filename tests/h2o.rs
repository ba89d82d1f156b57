//! The h2o example's questions (examples/h2o/) against a plain sequential reference on a small
//! generated table, at parallelism 1, 2 and 7: the `pipeline!` jobs and the hand-written
//! versions must give the reference's rows, to a relative 1e-9 for float measures.

#[path = "../examples/h2o/answer.rs"]
mod answer;
#[path = "../examples/h2o/data.rs"]
#[allow(dead_code)] // the example's generators and CLI tables
mod data;
#[path = "../examples/h2o/groupby.rs"]
#[allow(dead_code)] // the example's generators and CLI tables
mod groupby;
#[path = "../examples/h2o/hand.rs"]
mod hand;
#[path = "../examples/h2o/join.rs"]
#[allow(dead_code)] // the example's generators and CLI tables
mod join;

use answer::{answer, same, Answer, Timing};
use data::Row;
use std::collections::BTreeMap;

/// Groups sequentially: every row's key and value, then `finish` per group.
fn reference<K: Ord + std::fmt::Debug, V>(
    rows: &[Row],
    key: impl Fn(&Row) -> K,
    value: impl Fn(&Row) -> V,
    finish: impl Fn(Vec<V>) -> Vec<f64>,
) -> Answer {
    let mut groups: BTreeMap<K, Vec<V>> = BTreeMap::new();
    for r in rows {
        groups.entry(key(r)).or_default().push(value(r));
    }
    answer(Timing::start(), groups, true, finish).1
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn sd(v: &[f64]) -> f64 {
    let m = mean(v);
    (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() as f64 - 1.0)).sqrt()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn expected(q: usize, rows: &[Row]) -> Answer {
    let s = |r: &Row| r.id1;
    let sum_i = |v: Vec<i32>| vec![v.iter().map(|&x| x as f64).sum()];
    match q {
        1 => reference(rows, s, |r| r.v1, sum_i),
        2 => reference(rows, |r| (r.id1, r.id2), |r| r.v1, sum_i),
        3 => reference(
            rows,
            |r| r.id3,
            |r| (r.v1 as f64, r.v3),
            |v| {
                let (a, b): (Vec<f64>, Vec<f64>) = v.into_iter().unzip();
                vec![a.iter().sum(), mean(&b)]
            },
        ),
        4 => reference(
            rows,
            |r| r.id4,
            |r| [r.v1 as f64, r.v2 as f64, r.v3],
            |v| {
                (0..3)
                    .map(|i| mean(&v.iter().map(|x| x[i]).collect::<Vec<_>>()))
                    .collect()
            },
        ),
        5 => reference(
            rows,
            |r| r.id6,
            |r| [r.v1 as f64, r.v2 as f64, r.v3],
            |v| (0..3).map(|i| v.iter().map(|x| x[i]).sum()).collect(),
        ),
        6 => reference(
            rows,
            |r| (r.id4, r.id5),
            |r| r.v3,
            |v| vec![median(v.clone()), sd(&v)],
        ),
        7 => reference(
            rows,
            |r| r.id3,
            |r| (r.v1, r.v2),
            |v| {
                let max = v.iter().map(|x| x.0).max().unwrap();
                vec![(max - v.iter().map(|x| x.1).min().unwrap()) as f64]
            },
        ),
        8 => {
            let mut groups: BTreeMap<i32, Vec<f64>> = BTreeMap::new();
            for r in rows {
                groups.entry(r.id6).or_default().push(r.v3);
            }
            let top = groups.into_iter().flat_map(|(k, mut v)| {
                v.sort_by(|a, b| b.total_cmp(a));
                v.truncate(2);
                v.into_iter().map(move |x| (k, x))
            });
            answer(Timing::start(), top.collect::<Vec<_>>(), true, |x| vec![x]).1
        }
        9 => reference(
            rows,
            |r| (r.id2, r.id4),
            |r| (r.v1 as f64, r.v2 as f64),
            |v| {
                let (x, y): (Vec<f64>, Vec<f64>) = v.into_iter().unzip();
                let (mx, my) = (mean(&x), mean(&y));
                let sxy: f64 = x.iter().zip(&y).map(|(a, b)| (a - mx) * (b - my)).sum();
                let sxx: f64 = x.iter().map(|a| (a - mx) * (a - mx)).sum();
                let syy: f64 = y.iter().map(|b| (b - my) * (b - my)).sum();
                vec![sxy * sxy / (sxx * syy)]
            },
        ),
        10 => reference(
            rows,
            |r| (r.id1, r.id2, r.id3, r.id4, r.id5, r.id6),
            |r| r.v3,
            |v| vec![v.iter().sum(), v.len() as f64],
        ),
        _ => unreachable!(),
    }
}

#[test]
fn groupby_questions_match_a_sequential_reference_at_every_parallelism() {
    // 3000 rows, 10 groups per low-cardinality column: some id3/id6 groups of one row (q6's sd
    // and q9's correlation are then NaN in every system), most of several.
    let rows = data::generate_groupby(3000, 10, 7);
    for q in 1..=10 {
        let want = expected(q, &rows);
        assert!(want.rows > 0, "q{q}: an empty reference");
        for threads in [1, 2, 7] {
            let (_, got) = groupby::run(q, &rows, threads, true).expect("the job runs");
            assert!(
                same(&got, &want, 1e-9),
                "q{q} at parallelism {threads}:\n{got:?}\nwant\n{want:?}"
            );
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let (_, by_hand) = pool.install(|| hand::run(q, &rows, true));
            assert!(
                same(&by_hand, &want, 1e-9),
                "hand-written q{q} at {threads} threads"
            );
        }
    }
}

#[test]
fn join_questions_match_a_sequential_reference_at_every_parallelism() {
    // X of 3000 rows; SMALL of 3 rows, MEDIUM of 60, BIG of 3000 (10% of each unmatched).
    let tables = data::generate_join_sized(3000, [3, 60, 3000], 3);
    let t = &tables;
    let pairs = |j: usize| -> Vec<(f64, Option<f64>)> {
        let mut out = Vec::new();
        for x in &t.x {
            let matches: Vec<f64> = match j {
                1 => t
                    .small
                    .iter()
                    .filter(|s| s.id1 == x.id1)
                    .map(|s| s.v2)
                    .collect(),
                2 | 3 => t
                    .medium
                    .iter()
                    .filter(|m| m.id2 == x.id2)
                    .map(|m| m.v2)
                    .collect(),
                4 => t
                    .medium
                    .iter()
                    .filter(|m| m.id5 == x.id5)
                    .map(|m| m.v2)
                    .collect(),
                _ => t
                    .big
                    .iter()
                    .filter(|b| b.id3 == x.id3)
                    .map(|b| b.v2)
                    .collect(),
            };
            if matches.is_empty() && j == 3 {
                out.push((x.v1, None));
            }
            out.extend(matches.into_iter().map(|v2| (x.v1, Some(v2))));
        }
        out
    };
    for j in 1..=5 {
        let want = pairs(j);
        assert!(
            want.iter().any(|p| p.1.is_some()),
            "j{j}: no match in the reference"
        );
        for threads in [1, 2, 7] {
            for hand in [false, true] {
                let (_, got) = join::run(j, t, threads, hand, true).expect("the job runs");
                let sum2: f64 = want.iter().filter_map(|p| p.1).sum();
                assert_eq!(got.rows, want.len(), "j{j} hand={hand} at {threads}");
                assert!(
                    (got.chk[1] - sum2).abs() < 1e-6 * sum2.max(1.0),
                    "j{j} hand={hand} at {threads}"
                );
                let mut got_pairs: Vec<(u64, u64)> = got
                    .table
                    .iter()
                    .map(|(_, v)| (v[0].to_bits(), v[1].to_bits()))
                    .collect();
                let mut want_pairs: Vec<(u64, u64)> = want
                    .iter()
                    .map(|(a, b)| (a.to_bits(), b.unwrap_or(f64::NAN).to_bits()))
                    .collect();
                got_pairs.sort_unstable();
                want_pairs.sort_unstable();
                assert_eq!(got_pairs, want_pairs, "j{j} hand={hand} at {threads}");
            }
        }
    }
}
