//! Loops: `iterate` (Flink's bulk iteration) and `iterate_delta` (Flink's delta iteration).
//!
//! A loop's step is a pipeline of its own, written in the DSL inside the loop's call:
//!
//! ```text
//! ranks -> iterate(max = 20, |ranks, round| {
//!     let contribs = ranks -> join(links, |r| r.0, |l| l.0, |r, l| ...) -> flat_map(|c| c);
//!     contribs -> key_by(|c| c.0) -> sum(|c| c.1) -> map(|(page, sum)| (page, 0.15 + 0.85 * sum))
//! }, until = changed)
//! vertices -> iterate_delta(workset = initial, key = |v| v.0, max = 100, |solution, workset, round| {
//!     let delta = ...;
//!     let next = ...;
//!     (delta, next)
//! })
//! ```
//!
//! The step is checked by the same `validate` and cut into stages by the same `plan` as the
//! job (so a step may hold joins, aggregations, broadcast variables and loops of its own). Its
//! parameters are inputs of the step's graph ([`PARTIAL`], [`SOLUTION`], [`WORKSET`]); a data
//! set of an enclosing scope named in the step becomes an input too ([`IMPORT`]) and an input
//! of the loop's node in the enclosing graph. The step's result chain ends in an internal
//! terminal ([`ends`]) whose partitions are the next round's input. Stages of the step that
//! depend on no round (they read only data bound outside the loop, and no closure of theirs
//! reads the round number) are run once, before the first round ([`hoist`]): a join's build side
//! over the edges of a graph is partitioned once, not every round. The invariant input of an
//! inner hash join that runs every round is also indexed once ([`hoist::indexed`]): grouped by
//! key with a table over the groups, which each round's join probes instead of building a table
//! of its own.

mod check;
mod ends;
mod gen;
mod hoist;

pub use check::check_loop;
pub use ends::IMPORT;

use super::{Inputs, OpSpec, Role};
use crate::ast::Call;
use crate::plan::Stage;
use crate::validate::Graph;
use proc_macro2::{Ident, Span};
use std::fmt::Write;

/// Bulk or delta.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Loop {
    Bulk,
    Delta,
}

pub const OPS: &[OpSpec] = &[
    OpSpec {
        name: "iterate",
        flink: "iterate / IterativeDataSet.closeWith",
        inputs: Inputs::ChainAndOne,
        role: Role::Multi(&Loop::Bulk),
        min_args: 1,
        max_args: 1,
        usage: "iterate(max = N, |partial, round| { ...; partial -> ... })` or `iterate(max = N, |partial, round| { ...; let changed = ...; partial -> ... }, until = changed)",
        options: &["max", "until"],
    },
    OpSpec {
        name: "iterate_delta",
        flink: "iterateDelta / DeltaIteration",
        inputs: Inputs::ChainAndOne,
        role: Role::Multi(&Loop::Delta),
        min_args: 1,
        max_args: 1,
        usage: "iterate_delta(workset = initial, key = |s| key, max = N, |solution, workset, round| { let delta = ...; let next = ...; (delta, next) })",
        options: &["workset", "key", "max"],
    },
];

/// A loop's step, checked and planned.
pub struct LoopStep {
    pub kind: Loop,
    pub graph: Graph,
    pub stages: Vec<Stage>,
    /// The data sets the step is given (`partial`, or `solution, workset`).
    pub params: Vec<Ident>,
    /// The round number's name, if the step names it.
    pub round: Option<Ident>,
    /// The data sets of enclosing scopes the step reads, in port order after the loop's own.
    pub imports: Vec<Ident>,
    /// The termination criterion's name (`until = changed`).
    pub until: Option<Ident>,
    /// Where each result of the step was written (the next partial solution; or the delta and
    /// the next work set): a record type that differs from the loop's is reported there.
    pub results: Vec<Span>,
    /// Per stage: whether it is loop-invariant and runs once, before the first round.
    pub hoisted: Vec<bool>,
    /// Per stage: the inputs of inner hash joins it materializes once for joins that run every
    /// round, which are indexed once, before the first round, as (join, port).
    pub indexed: Vec<Vec<(usize, usize)>>,
}

impl LoopStep {
    /// The port of the loop's node where its imports start.
    pub fn first_import_port(&self) -> usize {
        match self.kind {
            Loop::Bulk => 1,
            Loop::Delta => 2,
        }
    }
}

/// Whether `spec` is a loop.
pub fn is_loop(spec: &OpSpec) -> bool {
    OPS.iter().any(|op| op.name == spec.name)
}

/// Whether `spec` is one of the terminals that end a step (its results).
pub fn is_step_end(spec: &OpSpec) -> bool {
    ends::RESULTS.iter().any(|op| std::ptr::eq(*op, spec))
}

/// The internal operator a synthesized call names (the ends of a step), if it is one.
pub fn internal(call: &Call) -> Option<&'static OpSpec> {
    let name = call.name.to_string();
    ends::RESULTS
        .iter()
        .copied()
        .find(|op| name == format!("__dataflow_{}", op.name.replace(' ', "_")))
}

/// How a stage reading one of a step's inputs describes it in `explain()`.
pub fn input_title(graph: &Graph, id: usize) -> Option<String> {
    ends::input_title(&graph.nodes[id])
}

/// The stages of a loop's step in `explain()`, numbered under the loop's stage (`number`), at
/// `indent`.
pub fn explain_step(step: &LoopStep, number: &str, indent: &str) -> String {
    let mut out = String::new();
    for (i, stage) in step.stages.iter().enumerate() {
        let when = if step.hoisted[i] {
            "loop-invariant: once, before the first round"
        } else {
            "every round"
        };
        let title =
            crate::plan::stage_title_numbered(&step.graph, stage, &format!("{number}.{}", i + 1));
        let _ = writeln!(out, "{indent}{title} [{when}]");
        out.push_str(&crate::plan::explain_stage_body(
            &step.graph,
            stage,
            &format!("{number}.{}", i + 1),
            indent,
        ));
        for &(join, port) in &step.indexed[i] {
            let _ = writeln!(
                out,
                "{indent}  then: {} input {} indexed once (grouped by key, a table over the groups), probed by the other input every round",
                crate::plan::label(&step.graph.nodes[join]),
                port + 1
            );
        }
    }
    out
}
