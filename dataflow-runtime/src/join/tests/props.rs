//! Every kernel against its nested-loop reference, on random inputs with many duplicate keys.

use super::{run, *};
use proptest::prelude::*;

/// Records with keys drawn from `0..keys`, ids in input order.
fn records(keys: u16, max_len: usize) -> impl Strategy<Value = Vec<Rec<u16>>> {
    prop::collection::vec(0..keys, 0..max_len).prop_map(|ks| ks.into_iter().zip(0..).collect())
}

/// Both sides, with few keys (many duplicates) or many (few matches).
fn sides() -> impl Strategy<Value = (Vec<Rec<u16>>, Vec<Rec<u16>>)> {
    prop_oneof![Just(4u16), Just(40), Just(1000)]
        .prop_flat_map(|keys| (records(keys, 80), records(keys, 80)))
}

fn keep() -> impl Strategy<Value = (bool, bool)> {
    (any::<bool>(), any::<bool>())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn inner_join_matches_nested_loops((left, right) in sides()) {
        let got = at_every_parallelism(|ctx| run::hash_join(ctx, &left, &right, None));
        prop_assert_eq!(got, hash_join_reference(&left, &right, false, false));
    }

    #[test]
    fn outer_join_matches_nested_loops((left, right) in sides(), (kl, kr) in keep()) {
        let got = at_every_parallelism(|ctx| run::hash_join(ctx, &left, &right, Some((kl, kr))));
        prop_assert_eq!(got, hash_join_reference(&left, &right, kl, kr));
    }

    #[test]
    fn semi_and_anti_join_match_nested_loops((left, right) in sides(), anti in any::<bool>()) {
        let got = at_every_parallelism(|ctx| run::semi_join(ctx, &left, &right, anti));
        prop_assert_eq!(got, semi_reference(&left, &right, anti));
    }

    #[test]
    fn sort_merge_inner_matches_nested_loops((left, right) in sides()) {
        let got = at_every_parallelism(|ctx| run::sort_merge(ctx, &left, &right, None));
        prop_assert_eq!(got, sort_merge_reference(&left, &right, false, false));
    }

    #[test]
    fn sort_merge_outer_matches_nested_loops((left, right) in sides(), (kl, kr) in keep()) {
        let got = at_every_parallelism(|ctx| run::sort_merge(ctx, &left, &right, Some((kl, kr))));
        prop_assert_eq!(got, sort_merge_reference(&left, &right, kl, kr));
    }

    #[test]
    fn co_group_matches_nested_loops((left, right) in sides()) {
        let got = at_every_parallelism(|ctx| run::co_grouped(ctx, &left, &right));
        prop_assert_eq!(got, co_group_reference(&left, &right));
    }

    #[test]
    fn broadcast_table_finds_matches_in_input_order(
        (left, right) in sides()
    ) {
        let table = BroadcastTable::build(&right, |r: &Rec<u16>| r.0);
        for l in &left {
            let got: Vec<u32> = table.get(&l.0).map(|r| r.1).collect();
            let expected: Vec<u32> = right.iter().filter(|r| r.0 == l.0).map(|r| r.1).collect();
            prop_assert_eq!(table.contains(&l.0), !expected.is_empty());
            prop_assert_eq!(got, expected);
        }
    }
}
