use super::*;
use std::collections::HashMap as StdMap;

fn partitions(records: &[(u32, u64)], pieces: usize) -> Partitions<(u32, u64)> {
    let size = records.len().div_ceil(pieces.max(1)).max(1);
    records.chunks(size).map(<[_]>::to_vec).collect()
}

/// The solution set against a map applying the same records in order, at 1, 2 and 7 tasks and
/// partitions: the same records, in the same order.
#[test]
fn solution_set_applies_deltas_per_key_like_a_sequential_map() {
    let initial: Vec<(u32, u64)> = (0..1000).map(|i| (i % 300, i as u64)).collect();
    let delta: Vec<(u32, u64)> = (0..500)
        .map(|i| ((i * 7) % 450, 10_000 + i as u64))
        .collect();
    let mut reference: StdMap<u32, u64> = StdMap::new();
    for &(k, v) in initial.iter().chain(&delta) {
        reference.insert(k, v);
    }
    let mut orders = Vec::new();
    for n in [1, 2, 7] {
        let ctx = Context::new(n);
        let mut set = SolutionSet::build(&ctx, partitions(&initial, n), |r| r.0);
        assert_eq!(set.len(), 300);
        let changed = set.apply(&ctx, partitions(&delta, n), |r| r.0);
        assert_eq!(changed, 500);
        assert_eq!(
            set.get(&449),
            Some(&reference.get(&449).map(|&v| (449, v)).unwrap())
        );
        let cloned: Vec<(u32, u64)> = set
            .drive(&ctx, Vec::new, |l, r| l.push(r))
            .unwrap()
            .into_iter()
            .flatten()
            .collect();
        let all: Vec<(u32, u64)> = set.into_partitions().into_iter().flatten().collect();
        assert_eq!(cloned, all);
        let as_map: StdMap<u32, u64> = all.iter().copied().collect();
        assert_eq!(as_map, reference);
        assert_eq!(all.len(), reference.len());
        orders.push(all);
    }
    assert_eq!(orders[0], orders[1]);
    assert_eq!(orders[0], orders[2]);
}

#[test]
fn drive_cloned_leaves_its_input_and_keeps_partition_order() {
    let data: Partitions<u32> = vec![vec![1, 2], vec![], vec![3]];
    let ctx = Context::new(2);
    let states = drive_cloned(&ctx, &data, Vec::new, |l, x| l.push(x * 10)).unwrap();
    assert_eq!(states, vec![vec![10, 20], vec![], vec![30]]);
    assert_eq!(records(&data), 3);
}
