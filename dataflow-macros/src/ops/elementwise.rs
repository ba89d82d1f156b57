//! Element-wise operators: fused into the stage's loop body, one record at a time.

use super::{FusedGen, Inputs, OpSpec, Role};
use crate::gen::{respan, rt_at};
use crate::validate::Node;
use proc_macro2::{Ident, TokenStream};
use quote::quote_spanned;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Elementwise {
    Map,
    FlatMap,
    Filter,
    FilterMap,
    Inspect,
}

pub const OPS: &[OpSpec] = &[
    OpSpec {
        name: "map",
        flink: "map",
        inputs: Inputs::Chain,
        role: Role::Fused(&Elementwise::Map),
        min_args: 1,
        max_args: 1,
        usage: "map(|x| ...)",
        options: &[],
    },
    OpSpec {
        name: "flat_map",
        flink: "flatMap",
        inputs: Inputs::Chain,
        role: Role::Fused(&Elementwise::FlatMap),
        min_args: 1,
        max_args: 1,
        usage: "flat_map(|x| iterator)",
        options: &[],
    },
    OpSpec {
        name: "filter",
        flink: "filter",
        inputs: Inputs::Chain,
        role: Role::Fused(&Elementwise::Filter),
        min_args: 1,
        max_args: 1,
        usage: "filter(|x: &T| bool)",
        options: &[],
    },
    OpSpec {
        name: "filter_map",
        flink: "flatMap (0 or 1 output)",
        inputs: Inputs::Chain,
        role: Role::Fused(&Elementwise::FilterMap),
        min_args: 1,
        max_args: 1,
        usage: "filter_map(|x| Option<U>)",
        options: &[],
    },
    OpSpec {
        name: "inspect",
        flink: "map (identity with a side effect)",
        inputs: Inputs::Chain,
        role: Role::Fused(&Elementwise::Inspect),
        min_args: 1,
        max_args: 1,
        usage: "inspect(|x: &T| ...)",
        options: &[],
    },
    OpSpec {
        name: "key_by",
        flink: "groupBy",
        inputs: Inputs::Chain,
        role: Role::KeyBy,
        min_args: 1,
        max_args: 1,
        usage: "key_by(|x: &T| key)",
        options: &[],
    },
];

impl FusedGen for Elementwise {
    fn apply(
        &self,
        node: &Node,
        op: &Ident,
        input: &Ident,
        output: &Ident,
        next: TokenStream,
    ) -> TokenStream {
        let call = &node.call;
        let f = call.arg(0);
        let span = call.name.span();
        let rt = rt_at(span);
        let input = &respan(input, span);
        match self {
            Elementwise::Map => quote_spanned! {span=>
                let #output = #rt::guard::call::map(&#op, #input, #f);
                #next
            },
            Elementwise::Filter => quote_spanned! {span=>
                if #rt::guard::call::filter(&#op, &#input, #f) {
                    let #output = #input;
                    #next
                }
            },
            Elementwise::FlatMap => quote_spanned! {span=>
                #rt::guard::call::flat_map(&#op, #input, #f, |#output| { #next });
            },
            Elementwise::FilterMap => quote_spanned! {span=>
                if let ::core::option::Option::Some(#output) = #rt::guard::call::filter_map(&#op, #input, #f) {
                    #next
                }
            },
            Elementwise::Inspect => quote_spanned! {span=>
                #rt::guard::call::inspect(&#op, &#input, #f);
                let #output = #input;
                #next
            },
        }
    }
}
