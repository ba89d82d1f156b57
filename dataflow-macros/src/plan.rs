//! Cuts the operator graph into stages and describes them for `explain()`.
//!
//! A stage starts at a source or at the output of an exchange (an aggregation or a
//! repartitioning operator) and contains every element-wise operator reachable from there
//! without crossing another exchange: they become one fused loop. Where a data set bound by
//! `let` feeds several chains, the loop forks (the record is cloned for all but the last
//! branch) instead of reading the input twice. Each branch ends in a terminal: a sink, or an
//! exchange whose output starts a later stage.

use crate::ops::{aggregate::Aggregation, Role};
use crate::validate::{Graph, Node};
use std::fmt::Write;

/// The fused operators of a stage, as a tree.
pub enum Flow {
    /// An element-wise operator (node id), then the rest.
    Op(usize, Box<Flow>),
    /// The record of a data set bound by `let` (node id) feeds several branches.
    Fork(usize, Vec<Flow>),
    /// A sink or an exchange (node id): the branch ends in the stage's state.
    Terminal(usize),
}

pub struct Stage {
    /// The source, or the exchange whose output this stage reads (node id).
    pub input: usize,
    pub flow: Flow,
    /// The terminals in the order of the stage's state tuple.
    pub terminals: Vec<usize>,
}

/// Whether the operator ends a stage's branch.
pub fn is_terminal(node: &Node) -> bool {
    node.sink.is_some()
        || matches!(
            node.spec.role,
            Role::Aggregation(_) | Role::Exchange(_) | Role::Sink(_)
        )
}

pub fn plan(graph: &Graph) -> Vec<Stage> {
    let mut stages = Vec::new();
    let mut roots: Vec<usize> = (0..graph.nodes.len())
        .filter(|&i| graph.nodes[i].input.is_none())
        .collect();
    let mut next = 0;
    while next < roots.len() {
        let input = roots[next];
        next += 1;
        let mut terminals = Vec::new();
        let flow = flow_of(graph, input, &mut terminals);
        for &t in &terminals {
            if graph.nodes[t].sink.is_none() {
                roots.push(t);
            }
        }
        stages.push(Stage {
            input,
            flow,
            terminals,
        });
    }
    stages
}

/// The flow of the records that node `producer` hands on.
fn flow_of(graph: &Graph, producer: usize, terminals: &mut Vec<usize>) -> Flow {
    let mut flows: Vec<Flow> = graph.nodes[producer]
        .consumers
        .iter()
        .map(|&c| {
            if is_terminal(&graph.nodes[c]) {
                terminals.push(c);
                Flow::Terminal(c)
            } else {
                Flow::Op(c, Box::new(flow_of(graph, c, terminals)))
            }
        })
        .collect();
    if flows.len() == 1 {
        flows.pop().expect("one flow")
    } else {
        Flow::Fork(producer, flows)
    }
}

/// `name@line:column`, how operators are named in plans, metrics and errors.
pub fn label(node: &Node) -> String {
    let span = node.call.name.span().unwrap();
    format!("{}@{}:{}", node.spec.name, span.line(), span.column())
}

/// The text of `explain()` (after its first line, which the runtime adds).
pub fn explain(graph: &Graph, stages: &[Stage]) -> String {
    let mut out = String::new();
    for (i, stage) in stages.iter().enumerate() {
        let input = &graph.nodes[stage.input];
        let from = if input.input.is_none() {
            format!("source {}", label(input))
        } else {
            format!("the partitions of {}", label(input))
        };
        let _ = writeln!(out, "Stage {}: reads {from}", i + 1);
        let mut paths = Vec::new();
        describe(graph, &stage.flow, String::new(), &mut paths);
        for path in paths {
            let _ = writeln!(out, "  fused: {path}");
        }
    }
    out
}

fn describe(graph: &Graph, flow: &Flow, prefix: String, paths: &mut Vec<String>) {
    match flow {
        Flow::Op(id, rest) => describe(
            graph,
            rest,
            format!("{prefix}{} -> ", label(&graph.nodes[*id])),
            paths,
        ),
        Flow::Fork(_, branches) => {
            for b in branches {
                describe(graph, b, format!("{prefix}[fork] "), paths);
            }
        }
        Flow::Terminal(id) => paths.push(format!("{prefix}{}", terminal(graph, &graph.nodes[*id]))),
    }
}

fn terminal(graph: &Graph, node: &Node) -> String {
    let name = label(node);
    if let Some(sink) = node.sink {
        let of = if graph.sinks > 1 {
            format!(" (result {})", sink)
        } else {
            String::new()
        };
        return match node.spec.role {
            Role::Aggregation(_) => {
                format!("{name} [per-task accumulators, merged in input order] => job result{of}")
            }
            _ => format!("{name} => job result{of}"),
        };
    }
    match node.spec.role {
        Role::Aggregation(kind) if node.key.is_some() || kind == Aggregation::Distinct => {
            let key = node
                .key
                .as_ref()
                .map(|k| {
                    format!(
                        "key_by@{}:{} + ",
                        k.name.span().unwrap().line(),
                        k.name.span().unwrap().column()
                    )
                })
                .unwrap_or_default();
            let combiner = if kind.combinable(&node.call) {
                "combiner in each task"
            } else {
                "no combiner: whole groups are shipped"
            };
            format!("{key}{name} [{combiner}] => exchange: hash(key) into partitions, merged in parallel")
        }
        Role::Aggregation(_) => {
            format!("{name} [per-task accumulators, merged in input order] => one record")
        }
        Role::Exchange(_) => format!("{name} => exchange"),
        _ => name,
    }
}
