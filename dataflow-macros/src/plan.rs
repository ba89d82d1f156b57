//! Cuts the operator graph into stages, orders them, and describes them for `explain()`.
//!
//! A stage starts at a source, at the output of a terminal (an aggregation's or exchange's
//! partitions), or at a multi-input operator that runs over its materialized inputs (a hash
//! join, co_group, union). It contains every fused operator reachable from there without
//! crossing another terminal: they become one loop. Where a data set bound by `let` feeds
//! several chains, the loop forks (the record is cloned for all but the last branch) instead
//! of reading the input twice. Each branch ends in a [`Target`]: a terminal operator, or one
//! input of a multi-input operator, materialized the way that operator needs it ([`Need`]): an
//! exchange into hash partitions, or collected whole. A multi-input operator that streams one
//! input (a broadcast join, `cross`) is fused into that input's loop like a record-at-a-time
//! operator.
//!
//! Stages run in dependency order: after the stages that materialize their input, the other
//! inputs of the operators fused into them, and the broadcast variables their closures read.

use crate::ops::{
    BarrierGen, FusedGen, MultiGen, Need, Plan, Role, SourceGen, StreamedGen, TerminalGen,
};
use crate::validate::{Graph, Node};
use std::fmt::Write;

/// How a fused operator runs in the loop.
#[derive(Clone, Copy)]
pub enum Fuse {
    /// A record-at-a-time operator.
    Op(&'static dyn FusedGen),
    /// A multi-input operator streaming this input past its materialized other inputs.
    Streamed(&'static dyn StreamedGen),
}

/// The fused operators of a stage, as a tree.
pub enum Flow {
    /// A fused operator (node id), then the rest.
    Op(usize, Fuse, Box<Flow>),
    /// The record of a data set bound by `let` (node id) feeds several branches.
    Fork(usize, Vec<Flow>),
    /// The branch ends in the stage's state.
    Terminal(Target),
}

/// Where a branch of a stage ends.
#[derive(Clone, Copy)]
pub enum Target {
    /// A terminal operator (node id): a sink, an aggregation, an exchange, a broadcast.
    Node(usize, &'static dyn TerminalGen),
    /// Input `port` of a multi-input operator (node id), materialized as it needs; with the
    /// `partition_by_hash` node it replaces when that one already partitioned by the same key.
    Input(usize, usize, &'static dyn MultiGen, Option<usize>),
    /// The edge into input `port` of a fused operator (node id), cut: its records are kept in
    /// partitions that a later stage reads (see [`plan`]).
    Cut(usize, usize),
}

impl Target {
    /// What identifies the target across stages: (node, port), the port of a terminal `None`.
    pub fn id(&self) -> (usize, Option<usize>) {
        match *self {
            Target::Node(id, _) => (id, None),
            Target::Input(id, port, ..) => (id, Some(port)),
            Target::Cut(id, port) => (id, Some(usize::MAX - port)),
        }
    }
}

/// What a stage's loop reads.
#[derive(Clone, Copy)]
pub enum Reads {
    /// A source.
    Source(&'static dyn SourceGen),
    /// The partitions a terminal of an earlier stage produced.
    Partitions(&'static dyn TerminalGen),
    /// A multi-input operator over its materialized inputs.
    Barrier(&'static dyn BarrierGen),
    /// The partitions of a cut edge into this port of the stage's first operator.
    Cut(usize),
}

pub struct Stage {
    /// The source, terminal or multi-input operator whose output this stage reads (node id).
    pub input: usize,
    pub reads: Reads,
    pub flow: Flow,
    /// The terminals in the order of the stage's state tuple.
    pub terminals: Vec<Target>,
    /// Keyed aggregations among the terminals whose partitions a join reads as they are:
    /// (aggregation, join, port).
    pub aligned: Vec<(usize, usize, usize)>,
}

/// The stages of the job, in an order that runs each after what it reads.
///
/// Fusing as much as possible can make a stage wait for itself: a closure reading a broadcast
/// variable computed from the same loop, or two broadcast joins each streaming one input past
/// the other. Then the edge into the operator that waits is cut: its records are kept in
/// partitions, and a later stage runs that operator and what follows it.
pub fn plan(graph: &Graph) -> syn::Result<Vec<Stage>> {
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    loop {
        let stages = stages(graph, &cuts);
        match order(graph, stages) {
            Ok(ordered) => return Ok(ordered),
            Err(Waiting { stage, reader }) => {
                let cut = (reader, port_in_stage(graph, &stage, reader));
                match cut {
                    (reader, Some(port)) if !cuts.contains(&(reader, port)) => {
                        cuts.push((reader, port))
                    }
                    _ => {
                        let node = &graph.nodes[reader];
                        return Err(syn::Error::new(
                            node.call.name.span(),
                            format!(
                                "`{}` reads a broadcast variable computed from its own input, so it would have to run before itself: compute the variable from another chain",
                                node.spec.name
                            ),
                        ));
                    }
                }
            }
        }
    }
}

/// The `partition_by_hash` nodes whose only consumer is a multi-input operator's input that
/// hash-partitions by the same key (the same closure, token for token): that input's exchange
/// replaces theirs, so the records are shuffled once, not twice. As (partition_by_hash node,
/// consumer, port).
fn prepartitioned(graph: &Graph) -> Vec<(usize, usize, usize)> {
    let tokens = |e: &syn::Expr| quote::ToTokens::to_token_stream(e).to_string();
    let mut found = Vec::new();
    for (id, node) in graph.nodes.iter().enumerate() {
        let (Role::Terminal(t), [(c, port)]) = (node.spec.role, node.consumers.as_slice()) else {
            continue;
        };
        let Some(key) = t.hash_key(node) else {
            continue;
        };
        if hash_key(graph, *c, *port).is_some_and(|need| tokens(need) == tokens(key)) {
            found.push((id, *c, *port));
        }
    }
    found
}

/// The keyed aggregations whose only consumer is a join input keyed by the aggregation's key
/// (the first field of its `(key, value)` records): their partitions are already the join's,
/// so that input is not exchanged. As (aggregation, join, port).
fn aligned(graph: &Graph) -> Vec<(usize, usize, usize)> {
    let mut found = Vec::new();
    for (id, node) in graph.nodes.iter().enumerate() {
        let (Role::Terminal(t), [(c, port)]) = (node.spec.role, node.consumers.as_slice()) else {
            continue;
        };
        if node.sink.is_some() || !t.partitioned_by_first_field(node) {
            continue;
        }
        if hash_key(graph, *c, *port).is_some_and(takes_first_field) {
            found.push((id, *c, *port));
        }
    }
    found
}

/// The key closure that input `port` of multi-input operator `c` is hash-partitioned by, if it
/// is materialized that way (not streamed, not collected whole).
pub fn hash_key(graph: &Graph, c: usize, port: usize) -> Option<&syn::Expr> {
    let consumer = &graph.nodes[c];
    let Role::Multi(m) = consumer.spec.role else {
        return None;
    };
    if matches!(m.plan(consumer), Plan::Streamed(s, _) if s == port) {
        return None;
    }
    match m.need(consumer, port) {
        Need::Hash(key) => Some(key),
        Need::All => None,
    }
}

/// Whether a key closure returns the first field of a pair, unchanged: `|x| x.0`, `|x| &x.0`,
/// `|(k, _)| *k`, `|&(k, _)| k`, `|x| x.0.clone()`, `|x| x.0.as_str()` (with or without type
/// annotations). Such a key hashes as the pair's first field itself.
pub fn takes_first_field(key: &syn::Expr) -> bool {
    use syn::{Expr, Pat};
    let Expr::Closure(c) = key else {
        return false;
    };
    let [param] = c.inputs.iter().collect::<Vec<_>>()[..] else {
        return false;
    };
    let param = match param {
        Pat::Type(t) => &*t.pat,
        p => p,
    };
    let param = match param {
        Pat::Reference(r) => &*r.pat,
        p => p,
    };
    // The body with `&`, `*`, `.clone()`, `.as_str()` and parentheses taken off.
    let mut body = &*c.body;
    loop {
        body = match body {
            Expr::Reference(r) => &r.expr,
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => &u.expr,
            Expr::Paren(p) => &p.expr,
            Expr::MethodCall(m)
                if m.args.is_empty()
                    && ["clone", "as_str", "to_owned"].contains(&m.method.to_string().as_str()) =>
            {
                &m.receiver
            }
            _ => break,
        };
    }
    let is_ident =
        |e: &Expr, name: &syn::Ident| matches!(e, Expr::Path(p) if p.path.is_ident(name));
    match param {
        // `|x| x.0`
        Pat::Ident(x) => matches!(body, Expr::Field(f)
            if matches!(&f.member, syn::Member::Unnamed(i) if i.index == 0) && is_ident(&f.base, &x.ident)),
        // `|(k, _)| k`
        Pat::Tuple(t) if t.elems.len() == 2 => match t.elems.first() {
            Some(Pat::Ident(k)) => is_ident(body, &k.ident),
            _ => false,
        },
        _ => false,
    }
}

fn stages(graph: &Graph, cuts: &[(usize, usize)]) -> Vec<Stage> {
    let merged = prepartitioned(graph);
    let aligned = aligned(graph);
    let mut stages = Vec::new();
    for (id, node) in graph.nodes.iter().enumerate() {
        if merged.iter().any(|&(p, ..)| p == id) || aligned.iter().any(|&(a, ..)| a == id) {
            continue;
        }
        let reads = match node.spec.role {
            Role::Source(s) => Reads::Source(s),
            Role::Terminal(t) if node.sink.is_none() && !t.binds_variable() => Reads::Partitions(t),
            Role::Multi(m) => match m.plan(node) {
                Plan::Barrier(b) => Reads::Barrier(b),
                Plan::Streamed(..) => continue,
            },
            _ => continue,
        };
        let mut terminals = Vec::new();
        let flow = flow_of(graph, id, cuts, &merged, &mut terminals);
        stages.push(Stage {
            input: id,
            reads,
            flow,
            aligned: aligned_among(&aligned, &terminals),
            terminals,
        });
    }
    for &(id, port) in cuts {
        let mut terminals = Vec::new();
        let flow = flow_into(graph, id, port, cuts, &merged, &mut terminals);
        stages.push(Stage {
            input: id,
            reads: Reads::Cut(port),
            flow,
            aligned: aligned_among(&aligned, &terminals),
            terminals,
        });
    }
    stages
}

/// The aligned aggregations among a stage's terminals.
fn aligned_among(
    aligned: &[(usize, usize, usize)],
    terminals: &[Target],
) -> Vec<(usize, usize, usize)> {
    aligned
        .iter()
        .copied()
        .filter(|&(a, ..)| terminals.iter().any(|t| t.id() == (a, None)))
        .collect()
}

/// The port through which `reader`'s code is reached in `stage`: the edge to cut so that it
/// runs in a later stage (`None` if it is the stage's input itself).
fn port_in_stage(graph: &Graph, stage: &Stage, reader: usize) -> Option<usize> {
    fn find(flow: &Flow, reader: usize) -> Option<Option<usize>> {
        match flow {
            Flow::Op(id, _, rest) if *id == reader => Some(None),
            Flow::Op(_, _, rest) => find(rest, reader),
            Flow::Fork(_, branches) => branches.iter().find_map(|b| find(b, reader)),
            Flow::Terminal(t) if t.id().0 == reader => Some(match *t {
                Target::Input(_, port, ..) | Target::Cut(_, port) => Some(port),
                Target::Node(..) => None,
            }),
            Flow::Terminal(_) => None,
        }
    }
    if stage.input == reader {
        return None;
    }
    match find(&stage.flow, reader)? {
        Some(port) => Some(port),
        // A fused operator or a terminal: its chain input, or the port a multi-input operator
        // streams.
        None => Some(match graph.nodes[reader].spec.role {
            Role::Multi(m) => match m.plan(&graph.nodes[reader]) {
                Plan::Streamed(port, _) => port,
                Plan::Barrier(_) => 0,
            },
            _ => 0,
        }),
    }
}

/// The flow of the records that node `producer` hands on.
fn flow_of(
    graph: &Graph,
    producer: usize,
    cuts: &[(usize, usize)],
    merged: &[(usize, usize, usize)],
    terminals: &mut Vec<Target>,
) -> Flow {
    let mut flows: Vec<Flow> = graph.nodes[producer]
        .consumers
        .iter()
        .map(|&(c, port)| {
            if cuts.contains(&(c, port)) {
                let target = Target::Cut(c, port);
                terminals.push(target);
                Flow::Terminal(target)
            } else {
                flow_into(graph, c, port, cuts, merged, terminals)
            }
        })
        .collect();
    if flows.len() == 1 {
        flows.pop().expect("one flow")
    } else {
        Flow::Fork(producer, flows)
    }
}

/// The flow from the records entering node `c` on `port`.
fn flow_into(
    graph: &Graph,
    c: usize,
    port: usize,
    cuts: &[(usize, usize)],
    merged: &[(usize, usize, usize)],
    terminals: &mut Vec<Target>,
) -> Flow {
    if let Some(&(p, consumer, consumer_port)) = merged.iter().find(|&&(p, ..)| p == c) {
        if let Role::Multi(m) = graph.nodes[consumer].spec.role {
            let target = Target::Input(consumer, consumer_port, m, Some(p));
            terminals.push(target);
            return Flow::Terminal(target);
        }
    }
    let node = &graph.nodes[c];
    let fused = match node.spec.role {
        Role::Fused(f) => Some(Fuse::Op(f)),
        Role::Multi(m) => match m.plan(node) {
            Plan::Streamed(streamed, s) if streamed == port => Some(Fuse::Streamed(s)),
            _ => {
                let target = Target::Input(c, port, m, None);
                terminals.push(target);
                return Flow::Terminal(target);
            }
        },
        Role::Terminal(t) => {
            let target = Target::Node(c, t);
            terminals.push(target);
            return Flow::Terminal(target);
        }
        // validate never makes a source or a `key_by` a consumer: sources start chains and
        // `key_by` is folded into the operator after it.
        Role::Source(_) | Role::KeyBy => None,
    };
    match fused {
        Some(fuse) => Flow::Op(
            c,
            fuse,
            Box::new(flow_of(graph, c, cuts, merged, terminals)),
        ),
        None => Flow::Fork(c, Vec::new()),
    }
}

/// The nodes whose code runs in a stage: its input, its fused operators and its terminals
/// (the key closures of a materialized join input run in the producer's loop).
pub(crate) fn nodes_of(stage: &Stage) -> Vec<usize> {
    fn walk(flow: &Flow, out: &mut Vec<usize>) {
        match flow {
            Flow::Op(id, _, rest) => {
                out.push(*id);
                walk(rest, out);
            }
            Flow::Fork(_, branches) => branches.iter().for_each(|b| walk(b, out)),
            // A cut only keeps records: the operator's code runs in the later stage.
            Flow::Terminal(Target::Cut(..)) => {}
            Flow::Terminal(t) => out.push(t.id().0),
        }
    }
    let mut out = vec![stage.input];
    walk(&stage.flow, &mut out);
    out
}

/// What a stage needs materialized before it runs.
pub(crate) fn needs(graph: &Graph, stage: &Stage) -> Vec<((usize, Option<usize>), usize)> {
    let mut needs = Vec::new();
    let input = &graph.nodes[stage.input];
    match stage.reads {
        Reads::Source(_) => {}
        Reads::Partitions(_) => needs.push(((stage.input, None), stage.input)),
        Reads::Cut(port) => needs.push((Target::Cut(stage.input, port).id(), stage.input)),
        Reads::Barrier(_) => {
            for port in 0..input.inputs.len() {
                needs.push(((stage.input, Some(port)), stage.input));
            }
        }
    }
    fn streamed(graph: &Graph, flow: &Flow, needs: &mut Vec<((usize, Option<usize>), usize)>) {
        match flow {
            Flow::Op(id, fuse, rest) => {
                if let (Fuse::Streamed(_), Role::Multi(m)) = (fuse, graph.nodes[*id].spec.role) {
                    if let Plan::Streamed(port, _) = m.plan(&graph.nodes[*id]) {
                        for other in (0..graph.nodes[*id].inputs.len()).filter(|&p| p != port) {
                            needs.push(((*id, Some(other)), *id));
                        }
                    }
                }
                streamed(graph, rest, needs);
            }
            Flow::Fork(_, branches) => branches.iter().for_each(|b| streamed(graph, b, needs)),
            Flow::Terminal(_) => {}
        }
    }
    streamed(graph, &stage.flow, &mut needs);
    for id in nodes_of(stage) {
        for &b in &graph.nodes[id].reads {
            needs.push(((b, None), id));
        }
    }
    needs
}

/// Orders the stages so that each runs after the stages that materialize what it needs; among
/// stages free to run, the one discovered first (statement order) goes first.
/// A stage that waits for itself, through the need of node `reader`.
struct Waiting {
    stage: Box<Stage>,
    reader: usize,
}

fn order(graph: &Graph, stages: Vec<Stage>) -> Result<Vec<Stage>, Waiting> {
    let provider = |target: (usize, Option<usize>)| {
        stages.iter().position(|s| {
            s.terminals.iter().any(|t| t.id() == target)
                || s.aligned
                    .iter()
                    .any(|&(_, c, port)| (c, Some(port)) == target)
        })
    };
    let deps: Vec<Vec<(usize, usize)>> = stages
        .iter()
        .map(|s| {
            needs(graph, s)
                .into_iter()
                .filter_map(|(target, reader)| provider(target).map(|p| (p, reader)))
                .collect()
        })
        .collect();
    let mut done = vec![false; stages.len()];
    let mut sequence = Vec::with_capacity(stages.len());
    while sequence.len() < stages.len() {
        let next = (0..stages.len())
            .find(|&i| !done[i] && deps[i].iter().all(|&(p, _)| done[p] && p != i));
        let Some(next) = next else {
            // A cycle: some stage needs what only it, or a stage after it, produces.
            let (i, reader) = (0..stages.len())
                .filter(|&i| !done[i])
                .find_map(|i| {
                    deps[i]
                        .iter()
                        .find(|&&(p, _)| !done[p])
                        .map(|&(_, r)| (i, r))
                })
                .expect("a stage waiting for another");
            let stage = Box::new(stages.into_iter().nth(i).expect("the waiting stage"));
            return Err(Waiting { stage, reader });
        };
        done[next] = true;
        sequence.push(next);
    }
    let mut slots: Vec<Option<Stage>> = stages.into_iter().map(Some).collect();
    Ok(sequence
        .into_iter()
        .map(|i| slots[i].take().expect("each stage once"))
        .collect())
}

/// `name@line:column`, how operators are named in plans, metrics and errors.
pub fn label(node: &Node) -> String {
    let (line, column) = crate::gen::line_col(node.call.name.span());
    format!("{}@{line}:{column}", node.spec.name)
}

/// `Stage N: reads ...`, the first line of a stage in `explain()`.
pub fn stage_title(graph: &Graph, stage: &Stage, i: usize) -> String {
    stage_title_numbered(graph, stage, &(i + 1).to_string())
}

/// `Stage <number>: reads ...` (a loop's stages are numbered under the loop's: `3.1`).
pub fn stage_title_numbered(graph: &Graph, stage: &Stage, number: &str) -> String {
    let input = &graph.nodes[stage.input];
    let from = match (stage.reads, input.spec.role) {
        (Reads::Source(_), _) => crate::ops::iterate::input_title(graph, stage.input)
            .unwrap_or_else(|| format!("source {}", label(input))),
        (Reads::Partitions(_), _) => format!("the partitions of {}", label(input)),
        (Reads::Barrier(_), Role::Multi(m)) => format!("{} {}", label(input), m.explain(input)),
        (Reads::Barrier(_), _) => label(input),
        (Reads::Cut(port), _) => format!(
            "the records kept for {} input {} (a cut: they wait for a broadcast)",
            label(input),
            port + 1
        ),
    };
    format!("Stage {number}: reads {from}")
}

/// The text of `explain()` (after its first line, which the runtime adds).
pub fn explain(graph: &Graph, stages: &[Stage]) -> String {
    let mut out = String::new();
    for (i, stage) in stages.iter().enumerate() {
        let _ = writeln!(out, "{}", stage_title(graph, stage, i));
        out.push_str(&explain_stage_body(graph, stage, &(i + 1).to_string(), ""));
    }
    out
}

/// The lines of a stage after its title: a loop's own stages (indented), what is fused, and
/// the partitions read as they are.
pub fn explain_stage_body(graph: &Graph, stage: &Stage, number: &str, indent: &str) -> String {
    let mut out = String::new();
    if let Some(step) = &graph.nodes[stage.input].step {
        out.push_str(&crate::ops::iterate::explain_step(
            step,
            number,
            &format!("{indent}    "),
        ));
    }
    let mut paths = Vec::new();
    describe(graph, &stage.flow, String::new(), &mut paths);
    for path in paths {
        let _ = writeln!(out, "{indent}  fused: {path}");
    }
    for &(a, c, port) in &stage.aligned {
        let _ = writeln!(
            out,
            "{indent}  then: the partitions of {} are {} input {} as they are (hash-partitioned by the join key already: exchange skipped)",
            label(&graph.nodes[a]),
            label(&graph.nodes[c]),
            port + 1
        );
    }
    out
}

fn describe(graph: &Graph, flow: &Flow, prefix: String, paths: &mut Vec<String>) {
    match flow {
        Flow::Op(id, fuse, rest) => {
            let node = &graph.nodes[*id];
            let what = match (fuse, node.spec.role) {
                (Fuse::Streamed(_), Role::Multi(m)) => {
                    format!("{} {}", label(node), m.explain(node))
                }
                _ => label(node),
            };
            describe(graph, rest, format!("{prefix}{what} -> "), paths)
        }
        Flow::Fork(_, branches) => {
            for b in branches {
                describe(graph, b, format!("{prefix}[fork] "), paths);
            }
        }
        Flow::Terminal(target) => {
            let what = terminal(graph, target);
            // A loop step's results have no operator of their own: `map@5:9 => ...`.
            match what.strip_prefix("=> ") {
                Some(_) if prefix.is_empty() => paths.push(format!("the records {what}")),
                Some(_) => paths.push(format!(
                    "{}{what}",
                    prefix.strip_suffix("-> ").unwrap_or(&prefix)
                )),
                None => paths.push(format!("{prefix}{what}")),
            }
        }
    }
}

fn terminal(graph: &Graph, target: &Target) -> String {
    match *target {
        Target::Node(id, t) => {
            let node = &graph.nodes[id];
            let what = t.explain(graph, id);
            // A loop step's results say what they are instead.
            let of = match node.sink {
                Some(sink) if graph.sinks > 1 && !what.starts_with("=> ") => {
                    format!(" (result {sink})")
                }
                _ => String::new(),
            };
            format!("{what}{of}")
        }
        Target::Input(id, port, m, via) => {
            let node = &graph.nodes[id];
            let how = match m.need(node, port) {
                Need::Hash(_) => "exchange: hash(key) into 256 partitions",
                Need::All => "collected whole, in input order",
            };
            match via {
                Some(p) => format!(
                    "{} => {how}, as {} input {} (partitioned by the same key: its own exchange is skipped)",
                    label(&graph.nodes[p]),
                    label(node),
                    port + 1
                ),
                None => format!("{} input {} => {how}", label(node), port + 1),
            }
        }
        Target::Cut(id, port) => format!(
            "{} input {} => kept in partitions for a later stage",
            label(&graph.nodes[id]),
            port + 1
        ),
    }
}
