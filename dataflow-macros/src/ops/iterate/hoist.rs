//! Which stages of a loop's step are loop-invariant and run once, before the first round.
//!
//! A stage depends on the round when it reads the partial solution, the work set or the
//! solution set, when a closure of its operators names the round number, when it produces a
//! result of the step, or when it needs what such a stage produces (its input, a
//! materialized input of an operator fused into it, a broadcast variable its closures read).
//! Every other stage computes the same thing each round: it runs once. Its outputs must then
//! outlive the rounds, so a stage is kept inside the loop when a stage that runs every round
//! takes one of its outputs by value; the inputs of a hash or sort-merge join (read by
//! reference: the build side over a graph's edges is partitioned once) and broadcast
//! variables (read by reference) are read in place.

use super::ends::{PARTIAL, SOLUTION, WORKSET};
use super::is_loop;
use crate::ast::Arg;
use crate::ops::{Plan, Role};
use crate::plan::{needs, nodes_of, Reads, Stage, Target};
use crate::validate::Graph;
use proc_macro2::{Ident, TokenStream, TokenTree};
use quote::ToTokens;

/// A stage that a stage needs, with what it needs of it (a target's id).
type Dependency = (usize, (usize, Option<usize>));

/// Per stage (in plan order): whether it runs once, before the first round.
pub fn hoisted(graph: &Graph, stages: &[Stage], round: Option<&Ident>) -> Vec<bool> {
    let provider = |target: (usize, Option<usize>)| {
        stages.iter().position(|s| {
            s.terminals.iter().any(|t| t.id() == target)
                || s.aligned
                    .iter()
                    .any(|&(_, c, port)| (c, Some(port)) == target)
        })
    };
    // (provider stage, what it provides) for each stage.
    let deps: Vec<Vec<Dependency>> = stages
        .iter()
        .map(|s| {
            needs(graph, s)
                .into_iter()
                .filter_map(|(target, _)| provider(target).map(|p| (p, target)))
                .collect()
        })
        .collect();
    let mut hoisted: Vec<bool> = stages
        .iter()
        .map(|s| !nodes_of(s).into_iter().any(|id| varies(graph, id, round)))
        .collect();
    // Stages come in dependency order: one that needs a stage running every round runs every
    // round. Then keep inside the loop what a stage of the loop takes by value.
    loop {
        let mut changed = false;
        for i in 0..stages.len() {
            if !hoisted[i] {
                continue;
            }
            let needs_loop = deps[i].iter().any(|&(p, _)| !hoisted[p]);
            let moved_into_loop = (0..stages.len()).any(|j| {
                !hoisted[j]
                    && deps[j]
                        .iter()
                        .any(|&(p, target)| p == i && !read_in_place(graph, target))
            });
            if needs_loop || moved_into_loop {
                hoisted[i] = false;
                changed = true;
            }
        }
        if !changed {
            return hoisted;
        }
    }
}

/// Whether node `id` depends on the round.
fn varies(graph: &Graph, id: usize, round: Option<&Ident>) -> bool {
    let node = &graph.nodes[id];
    let reads_round_input = [&PARTIAL, &WORKSET, &SOLUTION]
        .iter()
        .any(|spec| std::ptr::eq(node.spec, *spec));
    if reads_round_input || node.sink.is_some() {
        return true;
    }
    let Some(round) = round else {
        return false;
    };
    let mut tokens = TokenStream::new();
    for call in std::iter::once(&node.call).chain(&node.key) {
        for arg in &call.args {
            match arg {
                Arg::Positional(e) | Arg::Named(_, e) => e.to_tokens(&mut tokens),
                Arg::Step(step) => tokens.extend(step.tokens.clone()),
            }
        }
    }
    mentions(tokens, round)
}

fn mentions(tokens: TokenStream, name: &Ident) -> bool {
    tokens.into_iter().any(|tree| match tree {
        TokenTree::Ident(i) => i == *name,
        TokenTree::Group(g) => mentions(g.stream(), name),
        _ => false,
    })
}

/// Whether what `target` names is read by reference where it is used: a hash or sort-merge
/// join's input, a broadcast variable, or a data set a nested loop reads from outside it.
fn read_in_place(graph: &Graph, (id, port): (usize, Option<usize>)) -> bool {
    let node = &graph.nodes[id];
    match (port, node.spec.role) {
        (None, Role::Terminal(t)) => t.binds_variable(),
        (Some(port), Role::Multi(m)) if port < usize::MAX / 2 => {
            let join = crate::ops::join::OPS
                .iter()
                .any(|op| op.name == node.spec.name);
            let barrier = matches!(m.plan(node), Plan::Barrier(_));
            let import_of_loop = is_loop(node.spec)
                && node
                    .step
                    .as_ref()
                    .is_some_and(|s| port >= s.first_import_port());
            (join && barrier) || import_of_loop
        }
        _ => false,
    }
}

/// Per stage: the inputs `(join, port)` of inner hash joins that the stage materializes once,
/// before the first round, for a join that runs every round. They are indexed once (see
/// `dataflow_runtime::join::index`), so that each round probes the same table.
pub fn indexed(graph: &Graph, stages: &[Stage], hoisted: &[bool]) -> Vec<Vec<(usize, usize)>> {
    let every_round = |join: usize| {
        stages
            .iter()
            .zip(hoisted)
            .any(|(s, &h)| !h && s.input == join && matches!(s.reads, Reads::Barrier(_)))
    };
    stages
        .iter()
        .zip(hoisted)
        .map(|(stage, &h)| {
            if !h {
                return Vec::new();
            }
            let materialized = stage.terminals.iter().filter_map(|t| match *t {
                Target::Input(c, port, ..) => Some((c, port)),
                _ => None,
            });
            let aligned = stage.aligned.iter().map(|&(_, c, port)| (c, port));
            materialized
                .chain(aligned)
                .filter(|&(c, _)| crate::ops::join::indexable(&graph.nodes[c]) && every_round(c))
                .collect()
        })
        .collect()
}
