//! `broadcast()`: a data set (or a global aggregation's value) computed before the chains that
//! read it and handed to their closures read-only, under the name its `let` binds.

use super::{Inputs, OpSpec, Role, TerminalGen};
use crate::gen::{keep, respan, rt, rt_at};
use crate::plan::label;
use crate::validate::{Graph, Node};
use proc_macro2::{Ident, TokenStream};
use quote::{quote, quote_spanned};
use syn::Index;

pub struct Broadcast;

pub const OPS: &[OpSpec] = &[OpSpec {
    name: "broadcast",
    flink: "withBroadcastSet",
    inputs: Inputs::Chain,
    role: Role::Terminal(&Broadcast),
    min_args: 0,
    max_args: 0,
    usage: "let name = ... -> broadcast();",
    options: &[],
}];

impl TerminalGen for Broadcast {
    fn is_result(&self, _node: &Node) -> bool {
        false
    }

    fn binds_variable(&self) -> bool {
        true
    }

    fn ends_chain(&self) -> bool {
        true
    }

    fn init(&self, _g: &Graph, _id: usize) -> TokenStream {
        quote!(::std::vec::Vec::new())
    }

    fn push(&self, g: &Graph, id: usize, field: &Index, input: &Ident, own: bool) -> TokenStream {
        let span = g.nodes[id].call.name.span();
        let input = &respan(input, span);
        let kept = if own {
            keep(span, quote!(#input))
        } else {
            quote!(#input)
        };
        quote_spanned!(span=> __local.#field.push(#kept);)
    }

    /// The records in input order; after a global aggregation, its one value.
    fn finish(&self, g: &Graph, id: usize, states: &Ident, _partitioned: bool) -> TokenStream {
        let node = &g.nodes[id];
        let rt = rt();
        let all = quote!(#rt::sink::concat(#states));
        let producer = &g.nodes[node.inputs[0].from];
        let one_value = match producer.spec.role {
            Role::Terminal(t) => t.yields_one_record(producer),
            _ => false,
        };
        if one_value {
            let rt = rt_at(node.call.name.span());
            quote!(#rt::sink::only_value(#all))
        } else {
            all
        }
    }

    fn explain(&self, g: &Graph, id: usize) -> String {
        let node = &g.nodes[id];
        let name = node
            .binding
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        format!(
            "{} => broadcast variable `{name}`, read by the closures of later stages",
            label(node)
        )
    }
}
