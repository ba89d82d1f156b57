//! The ends of a loop's step, as operators of the step's graph: its inputs (the partial
//! solution, the solution set, the work set, data sets bound outside the loop) are sources,
//! and its results (the next partial solution, the delta, the next work set, the termination
//! criterion) are terminals. None is in the catalogue: `check` makes them.

use crate::ast::Call;
use crate::gen::{respan, rt, rt_at};
use crate::ops::{Inputs, OpSpec, Role, SourceGen, TerminalGen};
use crate::validate::{Graph, Node};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Index;

/// What a step's input is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// A bulk loop's partial solution, handed over whole each round.
    Partial,
    /// A delta loop's work set, handed over whole each round.
    Workset,
    /// A delta loop's solution set, read (cloned) from the set that lives across rounds.
    Solution,
    /// A data set bound outside the loop, read (cloned) each time a stage reads it.
    Import,
}

/// What a step's result is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum End {
    Next,
    Delta,
    NextWorkset,
    Until,
}

const fn input(name: &'static str, gen: &'static Input) -> OpSpec {
    OpSpec {
        name,
        flink: "",
        inputs: Inputs::None,
        role: Role::Source(gen),
        min_args: 0,
        max_args: 0,
        usage: "",
        options: &[],
    }
}

const fn end(name: &'static str, gen: &'static End) -> OpSpec {
    OpSpec {
        name,
        flink: "",
        inputs: Inputs::Chain,
        role: Role::Terminal(gen),
        min_args: 0,
        max_args: 0,
        usage: "",
        options: &[],
    }
}

pub static PARTIAL: OpSpec = input("partial solution", &Input::Partial);
pub static WORKSET: OpSpec = input("work set", &Input::Workset);
pub static SOLUTION: OpSpec = input("solution set", &Input::Solution);
pub static IMPORT: OpSpec = input("data set bound outside the loop", &Input::Import);

pub static NEXT: OpSpec = end("next", &End::Next);
pub static DELTA: OpSpec = end("delta", &End::Delta);
pub static NEXT_WORKSET: OpSpec = end("next workset", &End::NextWorkset);
pub static UNTIL: OpSpec = end("until", &End::Until);

/// The terminals that end a step.
pub static RESULTS: [&OpSpec; 4] = [&NEXT, &DELTA, &NEXT_WORKSET, &UNTIL];

/// The call that ends a step's chain with `spec`, spanned on `span` (see `internal`).
pub fn call(spec: &OpSpec, span: proc_macro2::Span) -> Call {
    Call {
        name: Ident::new(&format!("__dataflow_{}", spec.name.replace(' ', "_")), span),
        generics: None,
        args: Vec::new(),
        paren_span: span,
    }
}

/// The variable a step's input `name` is held in while a round runs.
pub fn variable(name: &Ident) -> Ident {
    format_ident!("__loop_{}", name)
}

/// `explain()`'s description of a stage reading a step's input.
pub fn input_title(node: &Node) -> Option<String> {
    let Role::Source(_) = node.spec.role else {
        return None;
    };
    let name = &node.call.name;
    let what = if std::ptr::eq(node.spec, &PARTIAL) {
        "the partial solution of the round"
    } else if std::ptr::eq(node.spec, &WORKSET) {
        "the work set of the round"
    } else if std::ptr::eq(node.spec, &SOLUTION) {
        "the solution set (its records cloned)"
    } else if std::ptr::eq(node.spec, &IMPORT) {
        "bound outside the loop (its records cloned)"
    } else {
        return None;
    };
    Some(format!("`{name}`, {what}"))
}

impl SourceGen for Input {
    fn drive(
        &self,
        call: &Call,
        _op: &TokenStream,
        init: &TokenStream,
        body: &TokenStream,
    ) -> TokenStream {
        let rt = rt_at(call.name.span());
        let var = variable(&call.name);
        match self {
            Input::Partial | Input::Workset => {
                quote!(#rt::driver::drive_partitions(__ctx, #var, #init, #body))
            }
            Input::Solution => quote!(#var.drive(__ctx, #init, #body)),
            Input::Import => quote!(#rt::iterate::drive_cloned(__ctx, #var, #init, #body)),
        }
    }
}

impl TerminalGen for End {
    fn is_result(&self, _node: &Node) -> bool {
        true
    }

    fn ends_chain(&self) -> bool {
        true
    }

    fn init(&self, _g: &Graph, _id: usize) -> TokenStream {
        match self {
            End::Until => quote!(0u64),
            _ => quote!(::std::vec::Vec::new()),
        }
    }

    fn push(&self, g: &Graph, id: usize, field: &Index, input: &Ident, _own: bool) -> TokenStream {
        let span = g.nodes[id].call.name.span();
        let input = &respan(input, span);
        match self {
            End::Until => quote_spanned!(span=> { let _ = &#input; __local.#field += 1; }),
            _ => quote_spanned!(span=> __local.#field.push(#input);),
        }
    }

    /// The partitions (one per task of the stage, in order); for `until`, the record count.
    fn finish(&self, _g: &Graph, _id: usize, states: &Ident, _partitioned: bool) -> TokenStream {
        let _ = rt();
        match self {
            End::Until => {
                quote!(::core::iter::Iterator::sum::<u64>(::core::iter::IntoIterator::into_iter(#states)))
            }
            _ => quote!(#states),
        }
    }

    fn explain(&self, _g: &Graph, _id: usize) -> String {
        match self {
            End::Next => "=> the next partial solution",
            End::Delta => "=> the solution-set delta, applied per key",
            End::NextWorkset => "=> the next work set",
            End::Until => "=> counted: the loop stops when none arrives",
        }
        .into()
    }
}
