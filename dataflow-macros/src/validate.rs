//! Checks the pipeline against the chain rules and builds the operator graph. Every mistake is
//! a `syn::Error` on the offending token that says what to write instead. All statements are
//! checked, so that one compile shows every independent mistake.

use crate::ast::{Arg, Call, Head, Pipeline, Statement};
use crate::ops::iterate::LoopStep;
use crate::ops::{self, Inputs, OpSpec, Role};
use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use std::collections::HashMap;
use syn::spanned::Spanned;
use syn::{Error, Expr, Ident};

/// One operator instance of the job.
pub struct Node {
    pub call: Call,
    pub spec: &'static OpSpec,
    /// The data sets feeding this operator, by port: the chain's first (none for sources),
    /// then those its arguments name.
    pub inputs: Vec<Edge>,
    /// The `key_by` call in front of a keyed aggregation.
    pub key: Option<Call>,
    /// The operators fed by this one, with the port each reads it on, in statement order.
    pub consumers: Vec<(usize, usize)>,
    /// The broadcast variables its closures read (their `broadcast` nodes).
    pub reads: Vec<usize>,
    /// For sinks (and aggregations ending an unbound chain): the position in the job's result.
    pub sink: Option<usize>,
    /// The name a `let` binds this operator's output to.
    pub binding: Option<Ident>,
    /// A loop's step (`iterate`, `iterate_delta`), compiled like a job of its own.
    pub step: Option<Box<LoopStep>>,
}

/// An input of an operator: the operator producing the data set.
pub struct Edge {
    pub from: usize,
}

impl Node {
    /// The operator feeding the chain into this one (`None` for sources).
    pub fn input(&self) -> Option<usize> {
        self.inputs.first().map(|e| e.from)
    }
}

/// The checked job: its operators and options.
pub struct Graph {
    pub nodes: Vec<Node>,
    pub parallelism: Option<Expr>,
    /// `#![progress = false]`: no live progress line.
    pub progress: Option<Expr>,
    pub sinks: usize,
}

/// The job options `#![name = value]` understood.
const OPTIONS: &[&str] = &["parallelism", "progress"];

/// A data set bound by `let`.
struct Binding {
    /// The node producing it; `None` if its own statement was wrong (already reported, so its
    /// uses are not reported again).
    node: Option<usize>,
    uses: usize,
    name: Ident,
}

pub(crate) struct Validator {
    graph: Graph,
    bindings: HashMap<String, Binding>,
    /// Binding names in order, for hints and the unused check.
    order: Vec<String>,
    /// Names used before their `let` (already reported; not "unused" as well).
    used_early: Vec<String>,
    /// Inside a loop's step: the data sets of the enclosing scopes it may read (each becomes a
    /// loop-invariant input of the loop), and those it did read, in order.
    pub(crate) outer: Vec<String>,
    pub(crate) imports: Vec<Ident>,
    /// Whether this validates a loop's step (no sinks of its own there).
    pub(crate) in_step: bool,
    /// The data sets bound inside the steps of this scope's loops: (name, the loop's line), to
    /// say so when one is used outside its loop.
    pub(crate) step_names: Vec<(String, usize)>,
    /// Bindings that may go unused (a step's parameters).
    pub(crate) may_go_unused: Vec<String>,
}

pub fn validate(pipeline: Pipeline) -> syn::Result<Graph> {
    let mut v = Validator::new(Vec::new(), false);
    let mut errors: Vec<Error> = Vec::new();
    for option in pipeline.options {
        if let Err(e) = v.option(option.name, option.value) {
            errors.push(e);
        }
    }
    if pipeline.statements.is_empty() {
        return Err(Error::new(
            Span::call_site(),
            "the pipeline is empty: write a chain that ends in a sink, e.g. `range(0..10) -> collect()`",
        ));
    }
    v.statements(pipeline.statements, &mut errors);
    if let Some(combined) = combine(errors) {
        return Err(combined);
    }
    if v.graph.sinks == 0 {
        return Err(Error::new(
            Span::call_site(),
            "the pipeline has no sink: end a chain with `-> collect()`, `-> print()`, `-> count()` or a file sink",
        ));
    }
    Ok(v.graph)
}

/// All the errors as one.
pub(crate) fn combine(errors: Vec<Error>) -> Option<Error> {
    errors.into_iter().reduce(|mut a, b| {
        a.combine(b);
        a
    })
}

impl Validator {
    pub(crate) fn new(outer: Vec<String>, in_step: bool) -> Self {
        Validator {
            graph: Graph {
                nodes: Vec::new(),
                parallelism: None,
                progress: None,
                sinks: 0,
            },
            bindings: HashMap::new(),
            order: Vec::new(),
            used_early: Vec::new(),
            outer,
            imports: Vec::new(),
            in_step,
            step_names: Vec::new(),
            may_go_unused: Vec::new(),
        }
    }

    /// The names bound in this scope, in order.
    pub(crate) fn bound_names(&self) -> Vec<String> {
        self.order.clone()
    }

    /// The checked graph.
    pub(crate) fn into_graph(self) -> Graph {
        self.graph
    }

    /// Checks the statements in order and adds their operators, into `errors`; then the
    /// broadcast variables each operator reads, and the data sets never used.
    pub(crate) fn statements(&mut self, statements: Vec<Statement>, errors: &mut Vec<Error>) {
        // Names in argument position (`join(customers, ..)`), used even where their statement
        // has an error: not "never used" on top of that error.
        let named_as_inputs: Vec<String> = statements
            .iter()
            .flat_map(|s| s.ops.iter())
            .filter_map(|call| match call.positional().next() {
                Some(Expr::Path(p)) => p.path.get_ident().map(Ident::to_string),
                _ => None,
            })
            .collect();
        let bound_later: Vec<Vec<String>> = (0..statements.len())
            .map(|i| {
                statements[i + 1..]
                    .iter()
                    .filter_map(|s| s.binding.as_ref().map(Ident::to_string))
                    .collect()
            })
            .collect();
        for (statement, later) in statements.into_iter().zip(bound_later) {
            let binding = statement.binding.clone();
            let result = self.statement(statement, &later);
            if let Err(e) = &result {
                errors.push(e.clone());
            }
            if let Some(name) = binding {
                if let Err(e) = self.bind(name, result.ok().flatten()) {
                    errors.push(e);
                }
            }
        }
        self.broadcast_reads();
        let had_errors = !errors.is_empty();
        for name in &self.order {
            let b = &self.bindings[name];
            if b.uses == 0
                && b.node.is_some()
                && !self.used_early.contains(name)
                && !self.may_go_unused.contains(name)
                && !(had_errors && named_as_inputs.contains(name))
            {
                errors.push(Error::new(
                    b.name.span(),
                    format!("data set `{name}` is never used: start a chain from it (`{name} -> ...;`) or remove it"),
                ));
            }
        }
    }

    /// The data set names this scope sees: its own bindings so far and its enclosing scopes'
    /// (broadcast variables are Rust variables, read by name, not data sets).
    pub(crate) fn visible(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .order
            .iter()
            .filter(|n| {
                !self.bindings[*n]
                    .node
                    .is_some_and(|id| self.is_broadcast(id))
            })
            .cloned()
            .collect();
        names.extend(
            self.outer
                .iter()
                .filter(|n| !self.bindings.contains_key(*n))
                .cloned(),
        );
        names
    }

    /// Adds a node without inputs (a loop's parameter or a data set read from outside the
    /// loop) bound to `name`; it may go unused.
    pub(crate) fn bind_input(&mut self, name: &Ident, spec: &'static OpSpec) -> usize {
        let call = Call {
            name: name.clone(),
            generics: None,
            args: Vec::new(),
            paren_span: name.span(),
        };
        let id = self.push(call, spec, Vec::new(), None);
        self.graph.nodes[id].binding = Some(name.clone());
        let key = name.to_string();
        self.bindings.insert(
            key.clone(),
            Binding {
                node: Some(id),
                uses: 0,
                name: name.clone(),
            },
        );
        self.order.push(key.clone());
        self.may_go_unused.push(key);
        id
    }

    fn option(&mut self, name: Ident, value: Expr) -> syn::Result<()> {
        let text = name.to_string();
        match text.as_str() {
            "parallelism" if self.graph.parallelism.is_none() => {
                self.graph.parallelism = Some(value);
                Ok(())
            }
            "progress" if self.graph.progress.is_none() => {
                self.graph.progress = Some(value);
                Ok(())
            }
            "parallelism" | "progress" => Err(Error::new(
                name.span(),
                format!("option `{text}` is set twice; keep one"),
            )),
            _ => Err(Error::new(
                name.span(),
                format!(
                    "unknown job option `{text}`{}; the options are: {}",
                    hint(&text, OPTIONS),
                    OPTIONS.join(", ")
                ),
            )),
        }
    }

    /// Records `let name = ...;` (`node` is `None` when the statement itself was wrong).
    pub(crate) fn bind(&mut self, name: Ident, node: Option<usize>) -> syn::Result<()> {
        let key = name.to_string();
        if let Some(first) = self.bindings.get(&key) {
            let line = crate::gen::line_col(first.name.span()).0;
            return Err(Error::new(
                name.span(),
                format!("data set `{key}` is already defined (line {line}); choose another name"),
            ));
        }
        if let Some(node) = node {
            self.graph.nodes[node].binding = Some(name.clone());
        }
        self.bindings.insert(
            key.clone(),
            Binding {
                node,
                uses: 0,
                name,
            },
        );
        self.order.push(key);
        Ok(())
    }

    /// Checks one statement and adds its operators; returns the node a `let` binds.
    pub(crate) fn statement(
        &mut self,
        statement: Statement,
        later: &[String],
    ) -> syn::Result<Option<usize>> {
        let Some(mut current) = self.head(statement.head, later)? else {
            return Ok(None); // starts from a data set whose statement was wrong
        };
        let mut pending_key: Option<Call> = None;
        let mut ended_by: Option<&'static str> = None;
        let count = statement.ops.len();
        for (i, mut call) in statement.ops.into_iter().enumerate() {
            let spec = lookup(&call, false)?;
            if let Some(sink) = ended_by {
                return Err(Error::new(call.name.span(), format!(
                    "`{}` cannot follow `{sink}`: a sink ends its chain. To use the data twice, bind it with `let name = ...;` and start two chains from `name`",
                    spec.name)));
            }
            check_args(&call, spec)?;
            let keyed = match spec.role {
                Role::Terminal(t) => t.is_keyed_operator(),
                _ => false,
            };
            match spec.role {
                Role::Source(_) => {
                    return Err(Error::new(call.name.span(), format!(
                        "`{}` is a source and can only start a chain; to combine two inputs, bind each with `let` and use `join`, `co_group`, `cross` or `union`",
                        spec.name)));
                }
                Role::KeyBy if pending_key.is_some() => {
                    return Err(Error::new(call.name.span(), "two `key_by` in a row: keep one, returning a tuple for a composite key, e.g. `key_by(|x| (x.a, x.b))`"));
                }
                Role::KeyBy if i + 1 == count => {
                    return Err(Error::new(call.name.span(), "`key_by` must be followed by a keyed operator, e.g. `-> key_by(|x| ...) -> count()`"));
                }
                Role::KeyBy => {
                    pending_key = Some(call);
                    continue;
                }
                _ if pending_key.is_some() && !keyed => {
                    let line = pending_key
                        .as_ref()
                        .map_or(0, |k| crate::gen::line_col(k.name.span()).0);
                    let also = if matches!(spec.role, Role::Multi(_)) {
                        format!(
                            ". `{}` takes its keys as arguments: remove the `key_by`",
                            spec.name
                        )
                    } else {
                        String::new()
                    };
                    return Err(Error::new(call.name.span(), format!(
                        "`{}` cannot follow the `key_by` on line {line}: `key_by` must be followed by a keyed operator (count, sum, min, max, avg, statistics, reduce, fold, aggregate, min_by, max_by, first, reduce_group, distinct){also}",
                        spec.name)));
                }
                Role::Terminal(t) => {
                    t.check(&call, pending_key.is_some())?;
                    if t.ends_chain() {
                        ended_by = Some(spec.name);
                    }
                }
                Role::Fused(_) | Role::Multi(_) => {}
            }
            let mut inputs = vec![current];
            let mut step = None;
            if ops::iterate::is_loop(spec) {
                let (more, compiled) = ops::iterate::check_loop(self, &mut call, spec)?;
                inputs.extend(more);
                step = Some(Box::new(compiled));
            } else if spec.inputs != Inputs::Chain {
                inputs.extend(self.argument_inputs(&call, spec)?);
            }
            let key = pending_key.take();
            current = self.push(call, spec, inputs, key);
            self.graph.nodes[current].step = step;
            if let Role::Multi(m) = spec.role {
                m.check(&self.graph.nodes[current])?;
            }
        }
        let last = &self.graph.nodes[current];
        let terminal = match last.spec.role {
            Role::Terminal(t) => Some(t),
            _ => None,
        };
        let binds_variable = terminal.is_some_and(|t| t.binds_variable());
        match (&statement.binding, terminal) {
            (Some(name), Some(t)) if t.ends_chain() && !binds_variable => Err(Error::new(name.span(), format!(
                "`{name}` would be bound to the result of the sink `{}`; a `let` binds a data set: remove the sink, or remove `let {name} =`",
                last.spec.name))),
            (Some(_), _) => Ok(Some(current)),
            (None, Some(_)) if binds_variable => Err(Error::new(last.call.name.span(),
                "a broadcast variable needs a name, which the closures of later chains read: write `let name = ... -> broadcast();`")),
            (None, Some(_)) if self.in_step && !ops::iterate::is_step_end(last.spec) => Err(Error::new(last.call.name.span(), format!(
                "a loop's step cannot end a chain in a sink: `{}` would run every round. Bind the data with `let name = ...;` inside the step, or sink the loop's result after it",
                last.spec.name))),
            (None, Some(t)) if t.is_result(last) && last.input().is_some() => {
                self.graph.nodes[current].sink = Some(self.graph.sinks);
                self.graph.sinks += 1;
                Ok(None)
            }
            (None, _) => Err(Error::new(last.call.name.span(),
                "this chain has no sink, so its result would be lost: end it with a sink such as `-> collect()`, `-> print()` or `-> write_text(\"out.txt\")`, or bind it with `let name = ...;`")),
        }
    }

    /// The data sets a multi-input operator's arguments name (each counted as a use): the
    /// first argument, or every argument of `union`.
    fn argument_inputs(&mut self, call: &Call, spec: &OpSpec) -> syn::Result<Vec<usize>> {
        let named: Vec<&Expr> = match spec.inputs {
            Inputs::ChainAndAll => call.positional().collect(),
            _ => call.positional().take(1).collect(),
        };
        let mut inputs = Vec::new();
        for arg in named {
            let name = match arg {
                Expr::Path(p) if p.path.get_ident().is_some() && p.qself.is_none() => {
                    p.path.get_ident().expect("an identifier")
                }
                _ => {
                    return Err(Error::new(arg.span(), format!(
                        "`{}` takes the other data set first, by the name its `let` binds: write `{}`",
                        spec.name, spec.usage)));
                }
            };
            match self.dataset(name, &[])? {
                Some(node) => inputs.push(node),
                None => {
                    return Err(Error::new(
                        name.span(),
                        "this data set's own statement has an error (reported above)",
                    ))
                }
            }
        }
        Ok(inputs)
    }

    /// The node a chain starts from: a new source, or a bound data set (counted as a use).
    fn head(&mut self, head: Head, later: &[String]) -> syn::Result<Option<usize>> {
        match head {
            Head::Dataset(name) => self.dataset(&name, later),
            Head::Source(call) => {
                let spec = lookup(&call, true)?;
                if !spec.is_source() {
                    return Err(Error::new(call.name.span(), format!(
                        "`{}` cannot start a chain: start with a source ({}) or a data set bound by `let`",
                        spec.name, source_names().join(", "))));
                }
                check_args(&call, spec)?;
                Ok(Some(self.push(call, spec, Vec::new(), None)))
            }
        }
    }

    /// The node producing the data set `name` names (counted as a use); `None` if that data
    /// set's own statement was wrong (already reported).
    pub(crate) fn dataset(&mut self, name: &Ident, later: &[String]) -> syn::Result<Option<usize>> {
        let key = name.to_string();
        if let Some(b) = self.bindings.get_mut(&key) {
            b.uses += 1;
            let node = b.node;
            if let Some(n) = node {
                if self.is_broadcast(n) {
                    return Err(Error::new(name.span(), format!(
                        "`{key}` is a broadcast variable, not a data set: read it inside a closure (`map(|x| ... {key} ...)`), or remove `-> broadcast()` to use it as a data set")));
                }
            }
            return Ok(node);
        }
        if self.outer.contains(&key) {
            let id = self.bind_input(name, &ops::iterate::IMPORT);
            self.imports.push(name.clone());
            if let Some(b) = self.bindings.get_mut(&key) {
                b.uses += 1;
            }
            return Ok(Some(id));
        }
        if let Some((_, line)) = self.step_names.iter().find(|(n, _)| *n == key) {
            return Err(Error::new(name.span(), format!(
                "data set `{key}` is bound inside the step of the loop on line {line} and exists only there, anew each round: use it inside the step, or compute what you need from the loop's result")));
        }
        if later.contains(&key) {
            self.used_early.push(key.clone());
            return Err(Error::new(name.span(), format!("data set `{key}` is used before its `let`; move `let {key} = ...;` above this chain")));
        }
        let known: Vec<&str> = self.order.iter().map(String::as_str).collect();
        let call_hint = if ops::lookup(&key).is_some() {
            format!("; to call the operator, write `{key}(...)`")
        } else {
            String::new()
        };
        Err(Error::new(name.span(), format!(
            "unknown data set `{key}`{}{call_hint}; a chain starts with a source such as `read_text(\"path\")` or a name bound by `let`",
            hint(&key, &known))))
    }

    pub(crate) fn is_broadcast(&self, node: usize) -> bool {
        matches!(self.graph.nodes[node].spec.role, Role::Terminal(t) if t.binds_variable())
    }

    /// Records which broadcast variables each operator's closures read (by name), as uses.
    fn broadcast_reads(&mut self) {
        let variables: Vec<(String, usize)> = self
            .order
            .iter()
            .filter_map(|name| {
                let node = self.bindings[name].node?;
                self.is_broadcast(node).then(|| (name.clone(), node))
            })
            .collect();
        if variables.is_empty() {
            return;
        }
        for id in 0..self.graph.nodes.len() {
            let node = &self.graph.nodes[id];
            let mut tokens = TokenStream::new();
            for arg in &node.call.args {
                match arg {
                    Arg::Positional(e) | Arg::Named(_, e) => e.to_tokens(&mut tokens),
                    Arg::Step(step) => tokens.extend(step.tokens.clone()),
                }
            }
            if let Some(key) = &node.key {
                for arg in &key.args {
                    match arg {
                        Arg::Positional(e) | Arg::Named(_, e) => e.to_tokens(&mut tokens),
                        Arg::Step(step) => tokens.extend(step.tokens.clone()),
                    }
                }
            }
            let mut read = Vec::new();
            mentions(tokens, &variables, &mut read);
            read.sort_unstable();
            read.dedup();
            for &b in &read {
                let name = &variables
                    .iter()
                    .find(|(_, n)| *n == b)
                    .expect("a variable")
                    .0;
                if let Some(binding) = self.bindings.get_mut(name) {
                    binding.uses += 1;
                }
            }
            self.graph.nodes[id].reads = read;
        }
    }

    fn push(
        &mut self,
        call: Call,
        spec: &'static OpSpec,
        inputs: Vec<usize>,
        key: Option<Call>,
    ) -> usize {
        let id = self.graph.nodes.len();
        for (port, &from) in inputs.iter().enumerate() {
            self.graph.nodes[from].consumers.push((id, port));
        }
        self.graph.nodes.push(Node {
            call,
            spec,
            inputs: inputs.into_iter().map(|from| Edge { from }).collect(),
            key,
            consumers: Vec::new(),
            reads: Vec::new(),
            sink: None,
            binding: None,
            step: None,
        });
        id
    }
}

/// The broadcast variables (name, node) that `tokens` mention, into `read`.
fn mentions(tokens: TokenStream, variables: &[(String, usize)], read: &mut Vec<usize>) {
    for tree in tokens {
        match tree {
            TokenTree::Ident(i) => {
                if let Some((_, node)) = variables.iter().find(|(name, _)| i == name) {
                    read.push(*node);
                }
            }
            TokenTree::Group(g) => mentions(g.stream(), variables, read),
            _ => {}
        }
    }
}

fn source_names() -> Vec<&'static str> {
    ops::catalogue()
        .filter(|op| op.is_source())
        .map(|op| op.name)
        .collect()
}

/// The operator a call names; at the head of a chain, hints name sources only.
fn lookup(call: &Call, at_head: bool) -> syn::Result<&'static OpSpec> {
    let name = call.name.to_string();
    if let Some(internal) = ops::iterate::internal(call) {
        return Ok(internal);
    }
    ops::lookup(&name).ok_or_else(|| {
        if at_head {
            let sources = source_names();
            Error::new(
                call.name.span(),
                format!(
                    "unknown source `{name}`{}; the sources are: {}",
                    ops::hints::unknown_operator(&name, &sources, ops::lookup),
                    sources.join(", ")
                ),
            )
        } else {
            Error::new(
                call.name.span(),
                format!(
                    "unknown operator `{name}`{}",
                    ops::hints::unknown_operator(&name, &ops::names(), ops::lookup)
                ),
            )
        }
    })
}

fn check_args(call: &Call, spec: &OpSpec) -> syn::Result<()> {
    // A loop's step counts as an argument.
    let positional = call.positional().count() + usize::from(call.step().is_some());
    if positional == 0 && ops::iterate::is_loop(spec) {
        return Err(Error::new(
            call.name.span(),
            format!(
                "`{}` needs its step, the pipeline each round runs, after its options: write `{}`",
                spec.name, spec.usage
            ),
        ));
    }
    if positional < spec.min_args || positional > spec.max_args {
        let expected = match (spec.min_args, spec.max_args) {
            (a, b) if a == b => format!("{a} argument{}", if a == 1 { "" } else { "s" }),
            (a, b) if b == a + 1 => format!("{a} or {b} arguments"),
            (a, b) => format!("{a} to {b} arguments"),
        };
        return Err(Error::new(
            call.paren_span,
            format!(
                "`{}` takes {expected}, found {positional}: write `{}`",
                spec.name, spec.usage
            ),
        ));
    }
    for arg in &call.args {
        if let Arg::Named(name, value) = arg {
            let n = name.to_string();
            if !spec.options.contains(&n.as_str()) {
                let known = if spec.options.is_empty() {
                    format!("`{}` takes no options", spec.name)
                } else {
                    format!(
                        "the options of `{}` are: {}",
                        spec.name,
                        spec.options.join(", ")
                    )
                };
                return Err(Error::new(
                    name.span(),
                    format!("unknown option `{n}`{}; {known}", hint(&n, spec.options)),
                ));
            }
            if n == "bad_records" && !is_policy(value) {
                return Err(Error::new(value.span(), "`bad_records` is `fail` (stop at the first bad record, the default) or `skip` (skip and count it)"));
            }
        }
    }
    for arg in call.positional() {
        check_not_field_position(spec.name, arg)?;
        // `aggregate(sum(1), max(2))`.
        if let ("aggregate", Expr::Call(c)) = (spec.name, arg) {
            if let Expr::Path(f) = &*c.func {
                if let Some(name) = f.path.get_ident() {
                    for inner in &c.args {
                        check_not_field_position(&name.to_string(), inner)?;
                    }
                }
            }
        }
    }
    if !matches!(spec.name, "inspect" | "for_each") {
        for arg in call.positional() {
            check_closure_result(spec.name, arg)?;
            // The closures of `aggregate(count(), sum(|x| ...))`.
            if let ("aggregate", Expr::Call(c)) = (spec.name, arg) {
                for inner in &c.args {
                    check_closure_result(spec.name, inner)?;
                }
            }
        }
    }
    // Nothing downstream may name the record type (`-> count()`), and rustc's "type annotations
    // needed" would not say where it goes.
    let input = if spec.name == "from_record_batches" {
        "batches"
    } else {
        "path"
    };
    if ["read_json", "read_parquet", "from_record_batches"].contains(&spec.name)
        && call.generics.is_none()
    {
        return Err(Error::new(
            call.name.span(),
            format!("`{0}` needs the record type: write `{0}::<Record>({input})`, where `Record: serde::Deserialize`", spec.name),
        ));
    }
    let takes_type = [
        "read_csv",
        "read_json",
        "read_parquet",
        "from_record_batches",
        "collect",
    ]
    .contains(&spec.name);
    if call.generics.is_some() && !takes_type {
        return Err(Error::new(
            call.name.span(),
            format!(
                "`{}` takes no type parameters; annotate the closure's parameter instead",
                spec.name
            ),
        ));
    }
    Ok(())
}

/// Flink names a tuple field by its position (`groupBy(0)`, `sum(1)`, `minBy(2)`); here every
/// such operator takes a closure, so an integer in its place is said to be one, on the integer
/// (rustc would only say that an integer is not a closure, naming the runtime's internals).
fn check_not_field_position(op: &str, arg: &Expr) -> syn::Result<()> {
    const TAKE_A_CLOSURE: &[&str] = &[
        "key_by",
        "sum",
        "min",
        "max",
        "avg",
        "statistics",
        "min_by",
        "max_by",
        "partition_by_hash",
    ];
    let Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Int(position),
        ..
    }) = arg
    else {
        return Ok(());
    };
    if !TAKE_A_CLOSURE.contains(&op) {
        return Ok(());
    }
    let n = position.base10_digits();
    Err(Error::new(
        position.span(),
        format!("`{op}` takes a closure, not a field position: write `{op}(|x| x.{n})` for field {n} of a tuple, or `{op}(|x| x.name)` for a struct's field"),
    ))
}

/// A closure whose result the operator uses must not end its body with a value and a `;`
/// (`|x| { x + 1; }` returns `()`, which rustc would report later, on another operator, or not at
/// all). Only expressions without side effects count: a closure ending in `v.push(x);` may mean it.
fn check_closure_result(op: &str, arg: &Expr) -> syn::Result<()> {
    let Expr::Closure(closure) = arg else {
        return Ok(());
    };
    let Expr::Block(block) = &*closure.body else {
        return Ok(());
    };
    let (last, semi) = match block.block.stmts.last() {
        Some(syn::Stmt::Expr(last, Some(semi))) => (last.clone(), *semi),
        // `vec![x, x];` and `format!("{x}");` at the end of a block parse as macro statements.
        Some(syn::Stmt::Macro(syn::StmtMacro {
            mac,
            semi_token: Some(semi),
            ..
        })) => (
            Expr::Macro(syn::ExprMacro {
                attrs: Vec::new(),
                mac: mac.clone(),
            }),
            *semi,
        ),
        _ => return Ok(()),
    };
    let last = &last;
    let discarded_value = matches!(
        last,
        Expr::Binary(b) if !is_assignment(&b.op)
    ) || matches!(
        last,
        Expr::Path(_)
            | Expr::Lit(_)
            | Expr::Tuple(_)
            | Expr::Struct(_)
            | Expr::Field(_)
            | Expr::Unary(_)
            | Expr::Index(_)
            | Expr::Reference(_)
            | Expr::Paren(_)
            | Expr::Cast(_)
            | Expr::Array(_)
            | Expr::Range(_)
    );
    // Calls that only compute a value (`l.to_string();`, `format!(..);`).
    let pure_call = match last {
        Expr::MethodCall(m) => matches!(
            m.method.to_string().as_str(),
            "to_string" | "to_owned" | "clone" | "len" | "trim" | "to_lowercase" | "to_uppercase"
        ),
        Expr::Macro(m) => m.mac.path.is_ident("format") || m.mac.path.is_ident("vec"),
        _ => false,
    };
    if !discarded_value && !pure_call {
        return Ok(());
    }
    Err(Error::new(
        semi.span(),
        format!("this `;` discards the closure's last value, so the closure given to `{op}` returns `()`: remove the `;` to return the value"),
    ))
}

fn is_assignment(op: &syn::BinOp) -> bool {
    use syn::BinOp::*;
    matches!(
        op,
        AddAssign(_)
            | SubAssign(_)
            | MulAssign(_)
            | DivAssign(_)
            | RemAssign(_)
            | BitXorAssign(_)
            | BitAndAssign(_)
            | BitOrAssign(_)
            | ShlAssign(_)
            | ShrAssign(_)
    )
}

fn is_policy(e: &Expr) -> bool {
    matches!(e, Expr::Path(p) if p.path.is_ident("skip") || p.path.is_ident("fail"))
}

/// ` (did you mean `x`?)` for a known name that is a likely misspelling of `name`.
pub fn hint(name: &str, known: &[&str]) -> String {
    ops::hints::did_you_mean(name, known)
}
