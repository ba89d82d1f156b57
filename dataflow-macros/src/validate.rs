//! Checks the pipeline against the chain rules and builds the operator graph. Every mistake is
//! a `syn::Error` on the offending token that says what to write instead.

use crate::ast::{Arg, Call, Head, Pipeline};
use crate::ops::{self, aggregate, OpSpec, Role};
use proc_macro2::Span;
use std::collections::HashMap;
use syn::{Error, Expr, Ident};

/// One operator instance of the job.
pub struct Node {
    pub call: Call,
    pub spec: &'static OpSpec,
    /// The operator feeding this one (`None` for sources).
    pub input: Option<usize>,
    /// The `key_by` call in front of a keyed aggregation.
    pub key: Option<Call>,
    /// The operators fed by this one, in statement order.
    pub consumers: Vec<usize>,
    /// For sinks (and aggregations ending an unbound chain): the position in the job's result.
    pub sink: Option<usize>,
}

/// The checked job: its operators and options.
pub struct Graph {
    pub nodes: Vec<Node>,
    pub parallelism: Option<Expr>,
    pub sinks: usize,
}

/// The job options `#![name = value]` understood.
const OPTIONS: &[&str] = &["parallelism"];

pub fn validate(pipeline: Pipeline) -> syn::Result<Graph> {
    let mut graph = Graph {
        nodes: Vec::new(),
        parallelism: None,
        sinks: 0,
    };
    for option in pipeline.options {
        let name = option.name.to_string();
        match name.as_str() {
            "parallelism" if graph.parallelism.is_none() => graph.parallelism = Some(option.value),
            "parallelism" => {
                return Err(Error::new(
                    option.name.span(),
                    "option `parallelism` is set twice; keep one",
                ))
            }
            _ => {
                return Err(Error::new(
                    option.name.span(),
                    format!(
                        "unknown job option `{name}`{}; the options are: {}",
                        hint(&name, OPTIONS),
                        OPTIONS.join(", ")
                    ),
                ))
            }
        }
    }
    // name -> (node producing the data set, uses, binding ident)
    let mut datasets: HashMap<String, (usize, usize, Ident)> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut errors: Vec<Error> = Vec::new();
    let later: Vec<String> = pipeline
        .statements
        .iter()
        .filter_map(|s| s.binding.as_ref().map(|b| b.to_string()))
        .collect();
    for statement in pipeline.statements {
        let result = (|| -> syn::Result<()> {
            let mut current = match statement.head {
                Head::Dataset(name) => {
                    let key = name.to_string();
                    match datasets.get_mut(&key) {
                        Some((node, uses, _)) => {
                            *uses += 1;
                            *node
                        }
                        None if later.contains(&key) => {
                            return Err(Error::new(name.span(), format!("data set `{key}` is used before its `let`; move `let {key} = ...;` above this chain")))
                        }
                        None => {
                            let known: Vec<&str> = order.iter().map(String::as_str).collect();
                            let extra = if ops::lookup(&key).is_some() { format!("; to call the operator write `{key}(...)`") } else { String::new() };
                            return Err(Error::new(
                                name.span(),
                                format!("unknown data set `{key}`{}{extra}; a chain starts with a source such as `read_text(\"path\")` or a name bound by `let`", hint(&key, &known)),
                            ));
                        }
                    }
                }
                Head::Source(call) => {
                    let spec = lookup(&call)?;
                    if !matches!(spec.role, Role::Source(_)) {
                        return Err(Error::new(
                            call.name.span(),
                            format!("`{}` cannot start a chain: start with a source (from_collection, from_iter, range, read_text, read_csv) or a data set bound by `let`", spec.name),
                        ));
                    }
                    check_args(&call, spec)?;
                    graph.nodes.push(Node {
                        call,
                        spec,
                        input: None,
                        key: None,
                        consumers: Vec::new(),
                        sink: None,
                    });
                    graph.nodes.len() - 1
                }
            };
            let mut pending_key: Option<Call> = None;
            let mut ended: Option<String> = None;
            let count = statement.ops.len();
            for (i, call) in statement.ops.into_iter().enumerate() {
                let spec = lookup(&call)?;
                if let Some(sink) = &ended {
                    return Err(Error::new(call.name.span(), format!("`{}` cannot follow `{sink}`: a sink ends its chain. To use the data twice, bind it with `let name = ...;` and start two chains from `name`", spec.name)));
                }
                check_args(&call, spec)?;
                if let Some(key) = &pending_key {
                    if !matches!(spec.role, Role::Aggregation(_)) {
                        return Err(Error::new(call.name.span(), format!(
                            "`{}` cannot follow `key_by`: `key_by` must be followed by a keyed operator (count, sum, min, max, avg, statistics, reduce, fold, aggregate, min_by, max_by, first, reduce_group, distinct)", spec.name)))
                        .map_err(|mut e| { e.combine(Error::new(key.name.span(), "the `key_by` is here")); e });
                    }
                }
                match spec.role {
                    Role::Source(_) => {
                        return Err(Error::new(call.name.span(), format!("`{}` is a source and can only start a chain; to combine two inputs, bind each with `let` (joins and unions are not supported yet)", spec.name)));
                    }
                    Role::KeyBy => {
                        if pending_key.is_some() {
                            return Err(Error::new(call.name.span(), "two `key_by` in a row: keep one, returning a tuple for a composite key, e.g. `key_by(|x| (x.a, x.b))`"));
                        }
                        if i + 1 == count {
                            return Err(Error::new(call.name.span(), "`key_by` must be followed by a keyed operator, e.g. `-> key_by(|x| ...) -> count()`"));
                        }
                        pending_key = Some(call);
                        continue;
                    }
                    Role::Aggregation(kind) => {
                        if kind.keyed_only() && pending_key.is_none() {
                            return Err(Error::new(call.name.span(), format!("`{}` works per key: add `-> key_by(|x| key)` before it (use `key_by(|_| ())` for one group over everything)", spec.name)));
                        }
                        if kind == aggregate::Aggregation::Aggregate {
                            for arg in call.positional() {
                                aggregate::parse_component(arg)
                                    .map_err(|m| Error::new(syn::spanned::Spanned::span(arg), m))?;
                            }
                        }
                    }
                    Role::Sink(_) => ended = Some(spec.name.to_string()),
                    _ => {}
                }
                let key = pending_key.take();
                graph.nodes.push(Node {
                    call,
                    spec,
                    input: Some(current),
                    key,
                    consumers: Vec::new(),
                    sink: None,
                });
                let id = graph.nodes.len() - 1;
                graph.nodes[current].consumers.push(id);
                current = id;
            }
            let last = &graph.nodes[current];
            match (&statement.binding, last.spec.role) {
                (Some(name), Role::Sink(_)) => {
                    return Err(Error::new(name.span(), format!("`{name}` would be bound to the result of the sink `{}`; a `let` binds a data set: remove the sink, or remove `let {name} =`", last.spec.name)));
                }
                (Some(name), _) => {
                    let key = name.to_string();
                    if let Some((_, _, first)) = datasets.get(&key) {
                        let line = first.span().unwrap().line();
                        return Err(Error::new(name.span(), format!("data set `{key}` is already defined (line {line}); choose another name")));
                    }
                    datasets.insert(key.clone(), (current, 0, name.clone()));
                    order.push(key);
                }
                (None, Role::Sink(_)) | (None, Role::Aggregation(_))
                    if last.key.is_none() && last.input.is_some() =>
                {
                    graph.nodes[current].sink = Some(graph.sinks);
                    graph.sinks += 1;
                }
                (None, _) => {
                    let span = last.call.name.span();
                    return Err(Error::new(span, format!("this chain has no sink, so its result would be lost: end it with a sink such as `-> collect()`, `-> print()` or `-> write_text(\"out.txt\")`, or bind it with `let name = ...;`")));
                }
            }
            Ok(())
        })();
        if let Err(e) = result {
            errors.push(e);
        }
    }
    for name in &order {
        let (_, uses, ident) = &datasets[name];
        if *uses == 0 {
            errors.push(Error::new(ident.span(), format!("data set `{name}` is never used: start a chain from it (`{name} -> ...;`) or remove it")));
        }
    }
    if let Some(mut first) = errors
        .pop()
        .map(|last| {
            let mut all = std::mem::take(&mut errors);
            all.push(last);
            all.into_iter()
        })
        .and_then(|mut it| {
            let mut e = it.next()?;
            for other in it {
                e.combine(other);
            }
            Some(e)
        })
    {
        let _ = &mut first;
        return Err(first);
    }
    if graph.sinks == 0 {
        return Err(Error::new(Span::call_site(), "the pipeline has no sink: end a chain with `-> collect()`, `-> print()`, `-> count()` or a file sink"));
    }
    Ok(graph)
}

fn lookup(call: &Call) -> syn::Result<&'static OpSpec> {
    let name = call.name.to_string();
    ops::lookup(&name).ok_or_else(|| {
        Error::new(
            call.name.span(),
            format!("unknown operator `{name}`{}", hint(&name, &ops::names())),
        )
    })
}

fn check_args(call: &Call, spec: &OpSpec) -> syn::Result<()> {
    let positional = call.positional().count();
    if positional < spec.min_args || positional > spec.max_args {
        let expected = match (spec.min_args, spec.max_args) {
            (a, b) if a == b => format!("{a}"),
            (a, b) => format!("{a} to {b}"),
        };
        return Err(Error::new(
            call.paren_span,
            format!(
                "`{}` takes {expected} argument{}, found {positional}: write `{}`",
                spec.name,
                if spec.max_args == 1 { "" } else { "s" },
                spec.usage
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
                return Err(Error::new(syn::spanned::Spanned::span(value), "`bad_records` is `fail` (stop at the first bad record, the default) or `skip` (skip and count it)"));
            }
        }
    }
    if call.generics.is_some() && spec.name != "read_csv" && spec.name != "collect" {
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

fn is_policy(e: &Expr) -> bool {
    matches!(e, Expr::Path(p) if p.path.is_ident("skip") || p.path.is_ident("fail"))
}

/// ", did you mean `x`?" for the closest known name, if it is close.
pub fn hint(name: &str, known: &[&str]) -> String {
    known
        .iter()
        .map(|k| (distance(name, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min()
        .map(|(_, k)| format!(", did you mean `{k}`?"))
        .unwrap_or_default()
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}
