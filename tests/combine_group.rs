//! `combine_group` against a sequential reference at parallelism 1, 2 and 7: it sees each
//! task's records grouped by key (every record in exactly one local group, each group in input
//! order, possibly partial), and a full reduction after it gives the sequential result.

use dataflow::prelude::*;
use proptest::prelude::*;
use std::collections::BTreeMap;

type Rec = (u8, u32, usize);

fn records() -> impl Strategy<Value = Vec<Rec>> {
    prop_oneof![
        prop::collection::vec((0u8..4, 0u32..100), 0..50),
        (1u8..60, 10_000usize..30_000).prop_map(|(keys, n)| {
            (0..n)
                .map(|i| ((i * 7919 % keys as usize) as u8, (i % 1000) as u32))
                .collect()
        }),
    ]
    .prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (k, x))| (k, x, i))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn partial_groups_then_a_full_reduction(data in records()) {
        let mut want: BTreeMap<u8, (u64, usize)> = BTreeMap::new();
        for r in &data {
            let e = want.entry(r.0).or_default();
            e.0 += r.1 as u64;
            e.1 += 1;
        }
        for p in [1, 2, 7] {
            let (sums, groups) = pipeline! {
                let xs = from_collection(data.clone());
                // Partial sums per task, then the full sum per key.
                xs -> key_by(|r: &Rec| r.0)
                    -> combine_group(|k: &u8, rs: Vec<Rec>| std::iter::once((*k, rs.iter().map(|r| r.1 as u64).sum::<u64>(), rs.len())))
                    -> key_by(|t: &(u8, u64, usize)| t.0)
                    -> reduce(|a, b| (a.0, a.1 + b.1, a.2 + b.2))
                    -> collect::<BTreeMap<_, _>>();
                // What each call saw: its key, whether all its records have that key and come
                // in input order, and their positions.
                xs -> key_by(|r: &Rec| r.0)
                    -> combine_group(|k: &u8, rs: Vec<Rec>| {
                        let ordered = rs.windows(2).all(|w| w[0].2 < w[1].2) && rs.iter().all(|r| r.0 == *k);
                        std::iter::once((ordered, rs.iter().map(|r| r.2).collect::<Vec<_>>()))
                    })
                    -> collect();
            }
            .parallelism(p)
            .run()
            .unwrap();
            let got: BTreeMap<u8, (u64, usize)> = sums.into_iter().map(|(k, (_, s, n))| (k, (s, n))).collect();
            prop_assert_eq!(&got, &want, "parallelism {}", p);
            prop_assert!(groups.iter().all(|g| g.0), "a group out of order or mixed");
            let mut seen: Vec<usize> = groups.into_iter().flat_map(|g| g.1).collect();
            seen.sort_unstable();
            prop_assert_eq!(seen, (0..data.len()).collect::<Vec<_>>(), "every record once");
        }
    }
}

/// A small input is one task at parallelism 1: its groups are then whole. Borrowed keys work.
#[test]
fn one_task_sees_whole_groups_and_borrowed_keys() {
    let words: Vec<String> = "b a b c a b".split(' ').map(String::from).collect();
    let job = pipeline! {
        from_collection(words)
            -> key_by(|w: &String| w.as_str())
            -> combine_group(|w: &String, ws: Vec<String>| vec![(w.clone(), ws.len())])
            -> collect()
    };
    assert!(
        job.explain()
            .contains("[groups of each task, not merged across tasks]"),
        "{}",
        job.explain()
    );
    let mut counts = job.parallelism(1).run().unwrap();
    counts.sort();
    assert_eq!(
        counts,
        [
            ("a".to_string(), 2),
            ("b".to_string(), 3),
            ("c".to_string(), 1)
        ]
    );
}
