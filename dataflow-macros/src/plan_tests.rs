//! Snapshot tests of plans: DSL text through `validate` and `plan`, checked by its `explain()`
//! text, without a running proc macro.

use crate::plan::{explain, plan};
use crate::validate::validate;

/// The plan of a `pipeline!` body, or the compile error's message.
fn plan_of(dsl: &str) -> String {
    let pipeline: crate::ast::Pipeline = syn::parse_str(dsl).expect("parses");
    let graph = match validate(pipeline) {
        Ok(g) => g,
        Err(e) => return format!("error: {e}"),
    };
    match plan(&graph) {
        Ok(stages) => explain(&graph, &stages),
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn a_straight_chain_is_one_fused_stage() {
    assert_eq!(
        plan_of("range(0..10) -> map(|x| x + 1) -> filter(|x| *x > 3) -> collect()"),
        "Stage 1: reads source range@1:1\n  fused: map@1:17 -> filter@1:35 -> collect@1:57 => job result\n"
    );
}

#[test]
fn a_hash_join_exchanges_both_inputs_and_runs_its_own_stage() {
    let text = plan_of(
        "let a = range(0..10);
         let b = range(0..5);
         a -> join(b, |x| *x, |y| *y) -> map(|p| p.0) -> collect();",
    );
    assert_eq!(
        text,
        "Stage 1: reads source range@1:9\n  fused: join@3:15 input 1 => exchange: hash(key) into 256 partitions\n\
         Stage 2: reads source range@2:18\n  fused: join@3:15 input 2 => exchange: hash(key) into 256 partitions\n\
         Stage 3: reads join@3:15 [hash join, partition by partition, in parallel]\n  fused: map@3:42 -> collect@3:58 => job result\n"
    );
}

#[test]
fn a_broadcast_join_is_fused_into_the_streamed_side_after_the_small_side() {
    // The big side is declared first, but its stage runs after the small side's.
    let text = plan_of(
        "let big = range(0..100);
         let small = range(0..5) -> map(|x| x * 2);
         big -> join(small, |x| *x, |y| *y, strategy = broadcast_right) -> count();",
    );
    assert_eq!(
        text,
        "Stage 1: reads source range@2:22\n  fused: map@2:37 -> join@3:17 input 2 => collected whole, in input order\n\
         Stage 2: reads source range@1:11\n  fused: join@3:17 [broadcast hash join: probes one table built over the broadcast side] -> count@3:76 [per-task accumulators, merged in input order] => job result\n"
    );
}

#[test]
fn a_closure_reading_a_variable_of_its_own_loop_waits_for_it_in_a_later_stage() {
    let text = plan_of(
        "let xs = range(0..100);
         let total = xs -> sum() -> broadcast();
         xs -> filter(|x| *x > *total) -> count();",
    );
    assert!(
        text.contains("filter@3:16 input 1 => kept in partitions for a later stage"),
        "{text}"
    );
    let stages: Vec<&str> = text.lines().filter(|l| l.starts_with("Stage")).collect();
    assert_eq!(stages.len(), 3, "{text}");
    assert!(
        stages[2].contains("the records kept for filter@3:16"),
        "{text}"
    );
}

#[test]
fn two_broadcast_joins_streaming_past_each_other_are_cut_apart() {
    let text = plan_of(
        "let a = range(0..10);
         let b = range(0..10);
         a -> join(b, |x| *x, |y| *y, strategy = broadcast_right) -> collect();
         b -> join(a, |x| *x, |y| *y, strategy = broadcast_right) -> collect();",
    );
    assert!(
        text.contains("kept in partitions for a later stage"),
        "{text}"
    );
}

#[test]
fn a_source_reading_a_variable_computed_from_itself_is_an_error() {
    let text = plan_of(
        "let xs = from_collection(vec![n.len()]);
         let n = xs -> collect_all() ;",
    );
    assert!(text.starts_with("error"), "{text}");
}

#[test]
fn union_and_co_group_and_cross() {
    let text = plan_of(
        "let a = range(0..10);
         let b = range(0..10);
         let c = range(0..10);
         a -> union(b, c) -> collect();
         a -> co_group(b, |x| *x, |y| *y, |k, l, r| Some(*k)) -> collect();
         c -> cross(b) -> count();",
    );
    assert!(
        text.contains("union@4:15 [union: the inputs one after the other, in order]"),
        "{text}"
    );
    assert!(
        text.contains("co_group@5:15 [co-group, partition by partition, in parallel]"),
        "{text}"
    );
    assert!(text.contains("cross@6:15 [cross: each record paired with every record of the collected side] -> count"), "{text}");
}
