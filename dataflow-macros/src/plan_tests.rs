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
        "let xs = range(0..*n);
         let n = xs -> count() -> broadcast();
         xs -> collect();",
    );
    assert!(
        text.starts_with("error: `range` reads a broadcast variable computed from its own input"),
        "{text}"
    );
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

#[test]
fn an_input_already_partitioned_by_the_join_key_is_not_shuffled_twice() {
    let text = plan_of(
        "let a = range(0..10) -> partition_by_hash(|x: &i32| *x);
         let b = range(0..5);
         a -> join(b, |x: &i32| *x, |y: &i32| *y) -> collect();",
    );
    assert!(
        text.contains("partition_by_hash@1:25 => exchange: hash(key) into 256 partitions, as join@3:15 input 1 (partitioned by the same key: its own exchange is skipped)"),
        "{text}"
    );
    // Three stages: both sources, then the join; no stage reads the partition_by_hash output.
    assert_eq!(
        text.lines().filter(|l| l.starts_with("Stage")).count(),
        3,
        "{text}"
    );
    // A different key is partitioned again.
    let text = plan_of(
        "let a = range(0..10) -> partition_by_hash(|x: &i32| *x % 3);
         let b = range(0..5);
         a -> join(b, |x: &i32| *x, |y: &i32| *y) -> collect();",
    );
    assert!(
        text.contains("reads the partitions of partition_by_hash"),
        "{text}"
    );
}

#[test]
fn a_join_keyed_by_an_aggregation_key_reads_its_partitions_as_they_are() {
    let text = plan_of(
        "let a = range(0..10) -> key_by(|x: &i32| *x % 3) -> count();
         let b = range(0..5);
         a -> join(b, |p: &(i32, u64)| p.0, |y: &i32| *y) -> collect();",
    );
    assert!(
        text.contains("then: the partitions of count@1:53 are join@3:15 input 1 as they are"),
        "{text}"
    );
    assert_eq!(
        text.lines().filter(|l| l.starts_with("Stage")).count(),
        3,
        "{text}"
    );
}

#[test]
fn first_field_keys_are_recognized() {
    for yes in [
        "|x| x.0",
        "|x: &(u32, u64)| x.0",
        "|x| &x.0",
        "|(k, _)| *k",
        "|&(k, _)| k",
        "|x| x.0.clone()",
        "|x: &(String, u64)| x.0.as_str()",
        "|(k, _): &(String, u64)| k.as_str()",
    ] {
        assert!(
            crate::plan::takes_first_field(&syn::parse_str(yes).unwrap()),
            "{yes}"
        );
    }
    for no in [
        "|x| x.1",
        "|x| x.0 + 1",
        "|(_, v)| *v",
        "|x| y.0",
        "|x, y| x.0",
        "|x| x.0.len()",
    ] {
        assert!(
            !crate::plan::takes_first_field(&syn::parse_str(no).unwrap()),
            "{no}"
        );
    }
}

/// The plan as Mermaid and dot text, for a join: both inputs exchanged into the join's stage.
#[test]
fn pictures_of_a_join() {
    let dsl = "let a = range(0..10);
         let b = range(0..5) -> map(|x| x * 2);
         a -> join(b, |x| *x, |y| *y) -> count();";
    let pipeline: crate::ast::Pipeline = syn::parse_str(dsl).unwrap();
    let graph = validate(pipeline).unwrap();
    let stages = plan(&graph).unwrap();
    let mermaid = crate::pictures::mermaid(&graph, &stages);
    assert_eq!(
        mermaid,
        "flowchart LR\n  subgraph s1[\"Stage 1\"]\n    n0[\"range@1:9\"]\n  end\n  subgraph s2[\"Stage 2\"]\n    n1[\"range@2:18\"]\n    n2[\"map@2:33\"]\n  end\n  subgraph s3[\"Stage 3\"]\n    n3[\"join@3:15\"]\n    n4[\"count@3:42\"]\n  end\n  n1 --> n2\n  n0 -- \"hash exchange\" --> n3\n  n2 -- \"hash exchange\" --> n3\n  n3 --> n4\n"
    );
    let dot = crate::pictures::dot(&graph, &stages);
    assert!(dot.starts_with("digraph plan {"), "{dot}");
    assert!(dot.contains("n2 -> n3 [label=\"hash exchange\"];"), "{dot}");
}

/// The README's picture is the plan of the tour's word count, as the macro draws it.
#[test]
fn the_readme_picture_is_what_the_macro_draws() {
    let dsl = "read_text(\"corpus/*.txt\")
    -> flat_map(|line: &str| line.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>())
    -> key_by(|word: &String| word.clone())
    -> count()
    -> filter(|(_, n): &(String, u64)| *n >= threshold)
    -> collect()";
    let pipeline: crate::ast::Pipeline = syn::parse_str(dsl).unwrap();
    let graph = validate(pipeline).unwrap();
    let stages = plan(&graph).unwrap();
    let mermaid = crate::pictures::mermaid(&graph, &stages);
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md at the workspace root");
    let block = readme
        .split("```mermaid\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a mermaid block in the README");
    assert_eq!(block, mermaid);
}

#[test]
fn a_loop_runs_its_invariant_join_side_once_and_the_rest_every_round() {
    let text = plan_of(
        "let links = range(0u32..10) -> map(|x| (x, (x + 1) % 10));
         let ranks = range(0u32..10) -> map(|x| (x, 1.0f64));
         ranks -> iterate(max = 20, |ranks, round| {
             let contribs = ranks -> join(links, |r| r.0, |l| l.0, |r, l| (l.1, r.1));
             contribs -> key_by(|c| c.0) -> sum(|c| c.1)
         }) -> collect();",
    );
    assert_eq!(
        text,
        "Stage 1: reads source range@1:13\n  fused: map@1:32 -> iterate@3:19 input 2 => collected whole, in input order\n\
         Stage 2: reads source range@2:22\n  fused: map@2:41 -> iterate@3:19 input 1 => collected whole, in input order\n\
         Stage 3: reads iterate@3:19 [bulk iteration: at most 20 rounds; the step's stages:]\n\
         \x20   Stage 3.1: reads `ranks`, the partial solution of the round [every round]\n\
         \x20     fused: join@4:38 input 1 => exchange: hash(key) into 256 partitions\n\
         \x20   Stage 3.2: reads `links`, bound outside the loop (its records cloned) [loop-invariant: once, before the first round]\n\
         \x20     fused: join@4:38 input 2 => exchange: hash(key) into 256 partitions\n\
         \x20     then: join@4:38 input 2 indexed once (grouped by key, a table over the groups), probed by the other input every round\n\
         \x20   Stage 3.3: reads join@4:38 [hash join, partition by partition, in parallel] [every round]\n\
         \x20     fused: key_by@5:26 + sum@5:45 [combiner in each task] => exchange: hash(key) into partitions, merged in parallel\n\
         \x20   Stage 3.4: reads the partitions of sum@5:45 [every round]\n\
         \x20     fused: the records => the next partial solution\n\
         \x20 fused: collect@6:16 => job result\n"
    );
}

#[test]
fn a_delta_loop_reads_its_solution_set_every_round_and_its_edges_once() {
    let text = plan_of(
        "let edges = range(0u32..10) -> map(|x| (x, (x + 1) % 10));
         let initial = range(0u32..10) -> map(|v| (v, v));
         initial -> iterate_delta(workset = initial, key = |s| s.0, max = rounds, |solution, workset| {
             let delta = workset
                 -> join(edges, |w| w.0, |e| e.0, |w, e| (e.1, w.1))
                 -> join(solution, |c| c.0, |s| s.0, |c, s| (c.0, c.1.min(s.1)));
             (delta, delta)
         }) -> collect();",
    );
    assert_eq!(
        text,
        "Stage 1: reads source range@1:13\n  fused: map@1:32 -> iterate_delta@3:21 input 3 => collected whole, in input order\n\
         Stage 2: reads source range@2:24\n  fused: map@2:43 -> [fork] iterate_delta@3:21 input 1 => collected whole, in input order\n\
         \x20 fused: map@2:43 -> [fork] iterate_delta@3:21 input 2 => collected whole, in input order\n\
         Stage 3: reads iterate_delta@3:21 [delta iteration: at most `rounds` rounds, until the work set is empty; the solution set is hash-partitioned by key and updated in place; the step's stages:]\n\
         \x20   Stage 3.1: reads `solution`, the solution set (its records cloned) [every round]\n\
         \x20     fused: join@6:21 input 2 => exchange: hash(key) into 256 partitions\n\
         \x20   Stage 3.2: reads `workset`, the work set of the round [every round]\n\
         \x20     fused: join@5:21 input 1 => exchange: hash(key) into 256 partitions\n\
         \x20   Stage 3.3: reads `edges`, bound outside the loop (its records cloned) [loop-invariant: once, before the first round]\n\
         \x20     fused: join@5:21 input 2 => exchange: hash(key) into 256 partitions\n\
         \x20     then: join@5:21 input 2 indexed once (grouped by key, a table over the groups), probed by the other input every round\n\
         \x20   Stage 3.4: reads join@5:21 [hash join, partition by partition, in parallel] [every round]\n\
         \x20     fused: join@6:21 input 1 => exchange: hash(key) into 256 partitions\n\
         \x20   Stage 3.5: reads join@6:21 [hash join, partition by partition, in parallel] [every round]\n\
         \x20     fused: [fork] => the solution-set delta, applied per key\n\
         \x20     fused: [fork] => the next work set\n\
         \x20 fused: collect@8:16 => job result\n"
    );
}

/// Only an inner hash join that runs every round gets its invariant input indexed: not an
/// outer join (its unmatched records follow the input order), not a sort-merge join, not a
/// join whose two inputs both change each round, not a join outside a loop.
#[test]
fn only_an_inner_hash_join_of_a_round_indexes_its_invariant_input() {
    let indexed = |text: &str| {
        assert!(!text.starts_with("error"), "{text}");
        text.contains("indexed once")
    };
    let step = |join: &str| {
        plan_of(&format!(
            "let links = range(0u32..10) -> map(|x| (x, (x + 1) % 10));
             range(0u32..10) -> map(|x| (x, 1u64))
                 -> iterate(max = 3, |xs| {{ xs -> {join} -> map(|p| (p.0 .0, p.0 .1)) }})
                 -> collect();"
        ))
    };
    assert!(indexed(&step("join(links, |r| r.0, |l| l.0)")));
    assert!(!indexed(&step(
        "join(links, |r| r.0, |l| l.0, strategy = sort_merge)"
    )));
    assert!(!indexed(&plan_of(
        "let links = range(0u32..10) -> map(|x| (x, (x + 1) % 10));
         range(0u32..10) -> map(|x| (x, 1u64))
             -> iterate(max = 3, |xs| { xs -> left_outer_join(links, |r| r.0, |l| l.0) -> map(|p| (p.0 .0, p.0 .1)) })
             -> collect();"
    )));
    // Both inputs change every round.
    assert!(!indexed(&plan_of(
        "range(0u32..10) -> map(|x| (x, 1u64))
             -> iterate(max = 3, |xs| { xs -> join(xs, |a| a.0, |b| b.0, |a, b| (a.0, a.1 + b.1)) })
             -> collect();"
    )));
    // Outside a loop.
    assert!(!indexed(&plan_of(
        "let a = range(0..10);
         let b = range(0..5);
         a -> join(b, |x| *x, |y| *y) -> collect();"
    )));
}
