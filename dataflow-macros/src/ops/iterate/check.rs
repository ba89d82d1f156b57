//! Checks a loop's call and its step, and compiles the step into a graph of its own.

use super::ends::{self, DELTA, NEXT, NEXT_WORKSET, PARTIAL, SOLUTION, UNTIL, WORKSET};
use super::{hoist, Loop, LoopStep, OPS};
use crate::ast::{Arg, Call, Head, Statement, Step, StepResult};
use crate::ops::OpSpec;
use crate::validate::{combine, hint, Validator};
use proc_macro2::Span;
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Error, Expr, Ident};

/// Checks loop `call` (taking its step out of it) and compiles its step; returns the data sets
/// of this scope that feed the loop after its chain (the work set, then those the step reads
/// from outside), and the step.
pub fn check_loop(
    v: &mut Validator,
    call: &mut Call,
    spec: &OpSpec,
) -> syn::Result<(Vec<usize>, LoopStep)> {
    let kind = if spec.name == OPS[1].name {
        Loop::Delta
    } else {
        Loop::Bulk
    };
    let name = spec.name;
    let Some(step) = take_step(call)? else {
        return Err(Error::new(
            call.name.span(),
            format!(
                "`{name}` needs its step, the pipeline each round runs: write `{}`",
                spec.usage
            ),
        ));
    };
    if call.option("max").is_none() {
        return Err(Error::new(
            call.paren_span,
            format!(
                "`{name}` needs the most rounds it may run: add `max = N`, e.g. `{}`",
                spec.usage
            ),
        ));
    }
    let given = match kind {
        Loop::Bulk => 1,
        Loop::Delta => 2,
    };
    let expected = match kind {
        Loop::Bulk => "`|partial, round|` (or `|partial|`): the partial solution, then the round number",
        Loop::Delta => "`|solution, workset, round|` (or `|solution, workset|`): the solution set, the work set, then the round number",
    };
    if step.params.len() < given || step.params.len() > given + 1 {
        return Err(Error::new(
            step.brace_span,
            format!(
                "the step of `{name}` takes {expected}; this one takes {}",
                step.params.len()
            ),
        ));
    }
    let mut inner = Validator::new(v.visible(), true);
    let mut inputs = Vec::new();
    match kind {
        Loop::Bulk => {
            inner.bind_input(&step.params[0], &PARTIAL);
        }
        Loop::Delta => {
            inner.bind_input(&step.params[0], &SOLUTION);
            inner.bind_input(&step.params[1], &WORKSET);
            let workset = match call.option("workset") {
                Some(Expr::Path(p)) if p.path.get_ident().is_some() => p.path.get_ident().expect("an identifier").clone(),
                Some(other) => return Err(Error::new(other.span(), "`workset` names the initial work set, a data set bound by `let`: write `workset = name`")),
                None => return Err(Error::new(call.paren_span, format!(
                    "`iterate_delta` needs its initial work set: add `workset = name`, a data set bound by `let`, e.g. `{}`", spec.usage))),
            };
            match v.dataset(&workset, &[])? {
                Some(node) => inputs.push(node),
                None => {
                    return Err(Error::new(
                        workset.span(),
                        "this data set's own statement has an error (reported above)",
                    ))
                }
            }
            if call.option("key").is_none() {
                return Err(Error::new(call.paren_span, "`iterate_delta` needs the key of the solution set: add `key = |s| key`; each record of a delta replaces the solution's record with the same key"));
            }
        }
    }
    let round = step.params.get(given).cloned();
    let bound: Vec<String> = step
        .statements
        .iter()
        .filter_map(|s| s.binding.as_ref().map(Ident::to_string))
        .collect();
    let until = match call.option("until") {
        None => None,
        Some(Expr::Path(p)) if p.path.get_ident().is_some() => {
            let u = p.path.get_ident().expect("an identifier").clone();
            if !bound.contains(&u.to_string()) {
                let known: Vec<&str> = bound.iter().map(String::as_str).collect();
                return Err(Error::new(u.span(), format!(
                    "`until` names `{u}`, which the step does not bind{}: write `until = name`, where the step binds `let name = ...;`; the loop stops after the first round in which `name` is empty",
                    hint(&u.to_string(), &known))));
            }
            Some(u)
        }
        Some(other) => return Err(Error::new(other.span(), "`until` names a data set bound in the step: write `until = name`; the loop stops after the first round in which it is empty")),
    };
    let mut statements = step.statements;
    let mut results = Vec::new();
    match (step.result, kind) {
        (StepResult::Chain(mut chain), Loop::Bulk) => {
            let span = chain.ops.last().map_or_else(|| head_span(&chain.head), |c| c.name.span());
            chain.ops.push(ends::call(&NEXT, span));
            statements.push(*chain);
            results.push(span);
        }
        (StepResult::Pair(delta, next), Loop::Delta) => {
            for (name, end) in [(delta, &DELTA), (next, &NEXT_WORKSET)] {
                results.push(name.span());
                statements.push(Statement { binding: None, ops: vec![ends::call(end, name.span())], head: Head::Dataset(name) });
            }
        }
        (StepResult::Missing, Loop::Bulk) => return Err(Error::new(step.brace_span, format!(
            "this step has no result: its last chain, without `;` after it, is the next partial solution, e.g. `{} -> map(|x| ...)`", step.params[0]))),
        (StepResult::Missing, Loop::Delta) => return Err(Error::new(step.brace_span,
            "this step has no result: end it with `(delta, next_workset)`, two data sets it binds: the records that replace the solution's, and the next round's work set")),
        (StepResult::Pair(delta, _), Loop::Bulk) => return Err(Error::new(delta.span(),
            "`iterate` ends its step with one chain, the next partial solution (`partial -> ...`); `(delta, next_workset)` ends the step of `iterate_delta`")),
        (StepResult::Chain(chain), Loop::Delta) => return Err(Error::new(head_span(&chain.head),
            "the step of `iterate_delta` ends with `(delta, next_workset)`, two data sets it binds: bind this chain with `let delta = ...;` and end with `(delta, next)`")),
    }
    if let Some(u) = &until {
        statements.push(Statement {
            binding: None,
            head: Head::Dataset(u.clone()),
            ops: vec![ends::call(&UNTIL, u.span())],
        });
    }
    let mut errors = Vec::new();
    inner.statements(statements, &mut errors);
    if let Some(e) = combine(errors) {
        return Err(e);
    }
    let line = crate::gen::line_col(call.name.span()).0;
    let params = step.params[..given].to_vec();
    for n in inner.bound_names() {
        if !params.iter().any(|p| *p == n) && !inner.imports.iter().any(|i| *i == n) {
            v.step_names.push((n, line));
        }
    }
    v.step_names.append(&mut inner.step_names);
    for name in &inner.imports {
        match v.dataset(name, &[])? {
            Some(node) => inputs.push(node),
            None => {
                return Err(Error::new(
                    name.span(),
                    "this data set's own statement has an error (reported above)",
                ))
            }
        }
    }
    let imports = inner.imports.clone();
    let graph = inner.into_graph();
    let stages = crate::plan::plan(&graph)?;
    let hoisted = hoist::hoisted(&graph, &stages, round.as_ref());
    let indexed = hoist::indexed(&graph, &stages, &hoisted);
    Ok((
        inputs,
        LoopStep {
            kind,
            graph,
            stages,
            params,
            round,
            imports,
            until,
            results,
            hoisted,
            indexed,
        },
    ))
}

fn head_span(head: &Head) -> Span {
    match head {
        Head::Dataset(name) => name.span(),
        Head::Source(call) => call.name.span(),
    }
}

/// The step of `call`, taken out of it; a step that parsed as a Rust closure (`|r| { r }`) is
/// read again as a step.
fn take_step(call: &mut Call) -> syn::Result<Option<Step>> {
    for arg in &mut call.args {
        match arg {
            Arg::Step(step) => {
                let taken = Step {
                    params: step.params.clone(),
                    statements: std::mem::take(&mut step.statements),
                    result: std::mem::replace(&mut step.result, StepResult::Missing),
                    brace_span: step.brace_span,
                    tokens: step.tokens.clone(),
                };
                return Ok(Some(taken));
            }
            Arg::Positional(expr @ Expr::Closure(_)) => {
                let step: Step = syn::parse2(expr.to_token_stream())?;
                let tokens = step.tokens.clone();
                let params = step.params.clone();
                let brace_span = step.brace_span;
                *arg = Arg::Step(Step {
                    params,
                    statements: Vec::new(),
                    result: StepResult::Missing,
                    brace_span,
                    tokens,
                });
                return Ok(Some(step));
            }
            _ => {}
        }
    }
    Ok(None)
}
