//! Order: a global sort, range partitioning and per-partition sort. Each ends a stage (it needs
//! every record) and hands on partitions: sorted ranges, ranges, or sorted partitions.

use super::{Inputs, OpSpec, Role, TerminalGen};
use crate::gen::{keep, op_static, respan, rt_at};
use crate::plan::label;
use crate::validate::{Graph, Node};
use proc_macro2::{Ident, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Index;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    SortBy,
    SortPartition,
    PartitionByRange,
}

pub const OPS: &[OpSpec] = &[
    OpSpec {
        name: "sort_by",
        flink: "(none: Flink sorts partitions only; global sort)",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Order::SortBy),
        min_args: 1,
        max_args: 1,
        usage: "sort_by(|x: &T| key)",
        options: &["descending", "stable"],
    },
    OpSpec {
        name: "sort_partition",
        flink: "sortPartition",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Order::SortPartition),
        min_args: 1,
        max_args: 1,
        usage: "sort_partition(|x: &T| key)",
        options: &["descending"],
    },
    OpSpec {
        name: "partition_by_range",
        flink: "partitionByRange",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Order::PartitionByRange),
        min_args: 1,
        max_args: 1,
        usage: "partition_by_range(|x: &T| key)",
        options: &[],
    },
];

/// The operator's `descending` option, as a `bool` expression.
fn descending(node: &Node) -> TokenStream {
    match node.call.option("descending") {
        Some(d) => quote_spanned!(d.span()=> { let __descending: bool = #d; __descending }),
        None => quote!(false),
    }
}

/// The comparator of two records by the operator's key closure, in its direction.
fn comparator(node: &Node, op: &Ident) -> TokenStream {
    compare_by(node.call.arg(0), &quote!(#op), descending(node))
}

/// The comparator of two records by the key closure `f` (run under the operator `op`'s guard),
/// reversed when `descending` (a `bool` expression) holds. `Ord` keys compare by `Ord`, floats
/// by `total_cmp`; any other key is an error on `f`. Shared with `top_by`/`bottom_by`.
pub fn compare_by(f: &syn::Expr, op: &TokenStream, descending: TokenStream) -> TokenStream {
    let span = f.span();
    let rt = rt_at(span);
    quote_spanned!(span=> {
        let __descending = #descending;
        move |__a, __b| {
            let __ka = #rt::sort::key(&#op, __a, #f);
            let __kb = #rt::sort::key(&#op, __b, #f);
            // Each key type uses one of the two.
            #[allow(unused_imports)]
            use #rt::sort::{FloatProbe as _, OrdProbe as _};
            let __order = (&#rt::sort::OrderProbe(&__ka)).order_kind().compare(&__ka, &__kb);
            if __descending { __order.reverse() } else { __order }
        }
    })
}

impl TerminalGen for Order {
    fn is_result(&self, _node: &Node) -> bool {
        false
    }

    fn hands_over_whole(&self, _node: &Node) -> bool {
        *self == Order::SortBy
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

    fn finish(&self, g: &Graph, id: usize, states: &Ident, partitioned: bool) -> TokenStream {
        let node = &g.nodes[id];
        let rt = rt_at(node.call.name.span());
        let cmp = comparator(node, &op_static(id));
        match self {
            Order::SortBy => {
                let op = op_static(id);
                let f = node.call.arg(0);
                let cmp = compare_by(f, &quote!(#op), quote!(__descending));
                // `stable = false`: ties in any order, for a faster sort of each range.
                let stable = match node.call.option("stable") {
                    Some(s) => quote_spanned!(s.span()=> { let __stable: bool = #s; __stable }),
                    None => quote!(true),
                };
                let descending = descending(node);
                // A `collect` right after takes the sorted `Vec` as it is.
                let sort = match super::whole_handover(g, id) {
                    Some(_) => quote!(#rt::sort::global_whole),
                    None => quote!(#rt::sort::global),
                };
                quote!({
                    let __descending: bool = #descending;
                    #sort(__ctx.parallelism(), #states, #stable, #cmp)
                })
            }
            Order::PartitionByRange => {
                quote!(#rt::sort::partition_by_range(__ctx.parallelism(), #states, #cmp))
            }
            Order::SortPartition => {
                let parts = if partitioned {
                    quote!(#states)
                } else {
                    quote!(#rt::exchange::rebalance(#states, __ctx.parallelism()))
                };
                quote!(#rt::sort::sort_each(#parts, #cmp))
            }
        }
    }

    fn explain(&self, g: &Graph, id: usize) -> String {
        let what = match self {
            Order::SortBy if super::whole_handover(g, id).is_some() => {
                "exchange: sampled ranges of keys, each sorted in parallel (stable), into one Vec handed to collect as it is"
            }
            Order::SortBy => "exchange: sampled ranges of keys, each sorted in parallel (stable)",
            Order::PartitionByRange => "exchange: sampled ranges of keys",
            Order::SortPartition => "each partition sorted (stable)",
        };
        format!("{} => {what}", label(&g.nodes[id]))
    }
}
