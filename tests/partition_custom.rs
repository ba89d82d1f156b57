//! `partition_custom(partitioner, key)` against a sequential reference at parallelism 1, 2 and
//! 7: `map_partition` after it sees exactly the partitions the partitioner chose, each in input
//! order; a partition out of range is an error naming the operator.

use dataflow::prelude::*;
use proptest::prelude::*;

type Rec = (u32, String);

/// The reference: each record, in input order, into the partition the partitioner names.
fn reference(data: &[Rec], parts: usize, f: impl Fn(&u32, usize) -> usize) -> Vec<Vec<Rec>> {
    let mut out = vec![Vec::new(); parts];
    for r in data {
        out[f(&r.0, parts)].push(r.clone());
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn map_partition_sees_the_partitions_the_partitioner_chose(
        keys in prop::collection::vec(0u32..1000, 0..300),
    ) {
        let data: Vec<Rec> = keys.iter().enumerate().map(|(i, k)| (*k, i.to_string())).collect();
        // Small keys all go to partition 0, the others by their last digit.
        let route = |k: &u32, n: usize| if *k < 100 { 0 } else { (*k as usize % 10) % n };
        for p in [1, 2, 7] {
            let (parts, sizes) = pipeline! {
                let xs = from_collection(data.clone());
                xs -> partition_custom(route, |r: &Rec| r.0)
                    -> map_partition(|part| std::iter::once(part.collect::<Vec<Rec>>()))
                    -> collect();
                xs -> partition_custom(|k, n| k.len() % n, |r: &Rec| r.1.as_str())
                    -> map_partition(|part| std::iter::once(part.count()))
                    -> collect();
            }
            .parallelism(p)
            .run()
            .unwrap();
            prop_assert_eq!(&parts, &reference(&data, p, route), "parallelism {}", p);
            let by_len = reference(&data, p, |_, _| 0);
            let want: Vec<usize> = (0..p)
                .map(|i| by_len[0].iter().filter(|r| r.1.len() % p == i).count())
                .collect();
            prop_assert_eq!(sizes, want, "borrowed key, parallelism {}", p);
        }
    }
}

/// Element-wise operators after it read the partitions in order: partition 0 first.
#[test]
fn partitions_in_order_then_empty_input() {
    let (odd_first, none) = pipeline! {
        range(0u32..10) -> partition_custom(|k: &u32, n| if k % 2 == 1 { 0 } else { n - 1 }, |x: &u32| *x)
            -> map(|x: u32| x * 10) -> collect();
        from_collection(Vec::<u32>::new()) -> partition_custom(|_: &u32, _| 0, |x: &u32| *x) -> collect();
    }
    .parallelism(3)
    .run()
    .unwrap();
    assert_eq!(odd_first, [10, 30, 50, 70, 90, 0, 20, 40, 60, 80]);
    assert!(none.is_empty());
}

/// A partition outside `0..num_partitions` fails the job, naming the operator and its place.
#[test]
fn partition_out_of_range_is_an_error_naming_the_operator() {
    let err = pipeline! {
        range(0u32..100) -> partition_custom(|k: &u32, _n| *k as usize, |x: &u32| *x) -> collect()
    }
    .parallelism(4)
    .run()
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("operator `partition_custom` at tests/partition_custom.rs:"),
        "{err}"
    );
    assert!(
        err.contains("the partitioner returned partition 4, but there are 4 partitions"),
        "{err}"
    );
}
