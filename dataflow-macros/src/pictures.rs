//! The plan as pictures: Mermaid and Graphviz dot text of the same graph `explain()` describes.
//! One box per operator (`name@line:column`), grouped by stage; an edge per data set flowing
//! from one operator to the next, labelled where it crosses an exchange or is collected, and a
//! dotted edge from a broadcast variable to each operator whose closures read it.

use crate::ops::{Need, Role};
use crate::plan::{label, Flow, Reads, Stage, Target};
use crate::validate::Graph;
use std::fmt::Write;

/// What an edge into `to` (on `port`) carries, for its label.
fn edge_label(graph: &Graph, stages: &[Stage], from: usize, to: usize, port: usize) -> String {
    let node = &graph.nodes[to];
    if let Role::Multi(m) = node.spec.role {
        let streamed = stages.iter().any(|s| streams(&s.flow, to));
        if !(streamed && is_streamed_port(graph, to, port)) {
            return match m.need(node, port) {
                Need::Hash(_) => "hash exchange".into(),
                Need::All => "collected".into(),
            };
        }
    }
    if let Role::Terminal(_) = graph.nodes[from].spec.role {
        return "partitions".into();
    }
    String::new()
}

fn is_streamed_port(graph: &Graph, id: usize, port: usize) -> bool {
    match graph.nodes[id].spec.role {
        Role::Multi(m) => {
            matches!(m.plan(&graph.nodes[id]), crate::ops::Plan::Streamed(p, _) if p == port)
        }
        _ => false,
    }
}

fn streams(flow: &Flow, id: usize) -> bool {
    match flow {
        Flow::Op(n, _, rest) => *n == id || streams(rest, id),
        Flow::Fork(_, branches) => branches.iter().any(|b| streams(b, id)),
        Flow::Terminal(_) => false,
    }
}

/// The nodes whose code runs in each stage, each node in the first stage that runs it.
fn members(stages: &[Stage]) -> Vec<Vec<usize>> {
    fn walk(flow: &Flow, out: &mut Vec<usize>) {
        match flow {
            Flow::Op(id, _, rest) => {
                out.push(*id);
                walk(rest, out);
            }
            Flow::Fork(_, branches) => branches.iter().for_each(|b| walk(b, out)),
            Flow::Terminal(Target::Node(id, _)) => out.push(*id),
            Flow::Terminal(_) => {}
        }
    }
    let mut seen = Vec::new();
    stages
        .iter()
        .map(|s| {
            let mut nodes = Vec::new();
            if !matches!(s.reads, Reads::Partitions(_) | Reads::Cut(_)) {
                nodes.push(s.input);
            }
            walk(&s.flow, &mut nodes);
            nodes.retain(|n| {
                let new = !seen.contains(n);
                seen.push(*n);
                new
            });
            nodes
        })
        .collect()
}

/// Mermaid `flowchart` text.
pub fn mermaid(graph: &Graph, stages: &[Stage]) -> String {
    let mut out = String::from("flowchart LR\n");
    for (i, nodes) in members(stages).iter().enumerate() {
        let _ = writeln!(out, "  subgraph s{}[\"Stage {}\"]", i + 1, i + 1);
        for &n in nodes {
            let _ = writeln!(out, "    n{n}[\"{}\"]", label(&graph.nodes[n]));
        }
        let _ = writeln!(out, "  end");
    }
    for (to, node) in graph.nodes.iter().enumerate() {
        for (port, edge) in node.inputs.iter().enumerate() {
            let text = edge_label(graph, stages, edge.from, to, port);
            if text.is_empty() {
                let _ = writeln!(out, "  n{} --> n{to}", edge.from);
            } else {
                let _ = writeln!(out, "  n{} -- \"{text}\" --> n{to}", edge.from);
            }
        }
        for &b in &node.reads {
            let _ = writeln!(out, "  n{b} -. \"broadcast\" .-> n{to}");
        }
    }
    out
}

/// Graphviz `digraph` text.
pub fn dot(graph: &Graph, stages: &[Stage]) -> String {
    let mut out = String::from("digraph plan {\n  rankdir=LR;\n  node [shape=box];\n");
    for (i, nodes) in members(stages).iter().enumerate() {
        let _ = writeln!(
            out,
            "  subgraph cluster_{} {{\n    label=\"Stage {}\";",
            i + 1,
            i + 1
        );
        for &n in nodes {
            let _ = writeln!(out, "    n{n} [label=\"{}\"];", label(&graph.nodes[n]));
        }
        let _ = writeln!(out, "  }}");
    }
    for (to, node) in graph.nodes.iter().enumerate() {
        for (port, edge) in node.inputs.iter().enumerate() {
            let text = edge_label(graph, stages, edge.from, to, port);
            let _ = writeln!(out, "  n{} -> n{to} [label=\"{text}\"];", edge.from);
        }
        for &b in &node.reads {
            let _ = writeln!(out, "  n{b} -> n{to} [style=dotted, label=\"broadcast\"];");
        }
    }
    out.push_str("}\n");
    out
}
