use dataflow::prelude::*;

#[derive(Clone, Debug, PartialEq)]
struct Sale {
    region: String,
    amount: i64,
}

fn sales() -> Vec<Sale> {
    (0..1000)
        .map(|i| Sale {
            region: format!("r{}", i % 7),
            amount: i,
        })
        .collect()
}

#[test]
fn keyed_and_global_aggregations() {
    let data = sales();
    let (mut sums, total, max, stats, mut firsts, mut best) = pipeline! {
        let s = from_collection(data) -> filter(|s: &Sale| s.amount % 2 == 0);
        s -> key_by(|s: &Sale| s.region.clone()) -> sum(|s: &Sale| s.amount) -> collect();
        s -> count();
        s -> max(|s: &Sale| s.amount);
        s -> statistics(|s: &Sale| s.amount);
        s -> key_by(|s: &Sale| s.region.clone()) -> first(2) -> map(|s: Sale| s.amount) -> collect();
        s -> key_by(|s| s.region.clone()) -> max_by(|s| s.amount) -> map(|s| (s.region, s.amount)) -> collect();
    }
    .parallelism(3)
    .run()
    .unwrap();
    sums.sort();
    assert_eq!(sums.len(), 7);
    assert_eq!(
        sums.iter().map(|(_, v)| v).sum::<i64>(),
        (0..1000).filter(|i| i % 2 == 0).sum::<i64>()
    );
    assert_eq!(total, 500);
    assert_eq!(max, Some(998));
    assert_eq!(stats.count, 500);
    firsts.sort();
    assert_eq!(firsts.len(), 14);
    best.sort();
    assert_eq!(best.len(), 7);
}

#[test]
fn reduce_fold_aggregate_distinct_group() {
    let (mut r, mut f, mut a, mut d, mut g, global_fold) = pipeline! {
        let xs = range(0u64..100);
        xs -> key_by(|x| x % 3) -> reduce(|a, b| a + b) -> collect();
        xs -> key_by(|x| x % 3) -> fold(0u64, |acc, x| acc + x) -> collect();
        xs -> key_by(|x| x % 2) -> aggregate(count(), sum(|x: &u64| *x), min(|x: &u64| *x), avg(|x: &u64| *x)) -> collect();
        xs -> map(|x| x % 5) -> distinct() -> collect();
        xs -> key_by(|x| x % 2) -> reduce_group(|k: &u64, vs: Vec<u64>| vec![(*k, vs.len())]) -> collect();
        xs -> fold(0u64, |a, x| a + x, |a, b| a + b, identity = 0);
    }
    .run()
    .unwrap();
    r.sort();
    f.sort();
    a.sort_by_key(|p| p.0);
    d.sort();
    g.sort();
    assert_eq!(r, f);
    assert_eq!(r.iter().map(|p| p.1).sum::<u64>(), 4950);
    assert_eq!(a[0].1 .0, 50);
    assert_eq!(a[0].1 .2, 0);
    assert_eq!(d, vec![0, 1, 2, 3, 4]);
    assert_eq!(g, vec![(0, 50), (1, 50)]);
    assert_eq!(global_fold, 4950);
}

#[test]
fn exchanges_and_sinks() {
    let (parts, reb, n) = pipeline! {
        let xs = range(0u32..1000) -> filter_map(|x| if x % 3 == 0 { Some(x * 2) } else { None });
        xs -> partition_by_hash(|x| *x % 10) -> map_partition(|it| std::iter::once(it.count())) -> collect();
        xs -> rebalance() -> map(|x| x + 1) -> inspect(|_x| {}) -> collect();
        xs -> count();
    }
    .parallelism(4)
    .run()
    .unwrap();
    assert_eq!(parts.iter().sum::<usize>(), 334);
    assert_eq!(reb.len(), 334);
    assert_eq!(reb[0], 1);
    assert_eq!(n, 334);
}

#[test]
fn panics_become_errors() {
    let err = pipeline! {
        range(0..10) -> map(|x: i32| if x == 7 { panic!("seven") } else { x }) -> collect()
    }
    .run()
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("operator `map`") && text.contains("seven"),
        "{text}"
    );
}

#[test]
fn borrowed_str_keys_are_counted_without_owning_them_first() {
    let lines = vec!["a b a".to_string(), "b a c".to_string()];
    let mut counts = pipeline! {
        from_collection(&lines)
            -> flat_map(|line: &String| line.split(' '))
            -> key_by(|w: &&str| *w)
            -> count()
            -> collect()
    }
    .run()
    .unwrap();
    counts.sort();
    let expected: Vec<(String, u64)> = vec![("a".into(), 3), ("b".into(), 2), ("c".into(), 1)];
    assert_eq!(counts, expected);
}
