//! Repartitioning operators: each ends a stage; the next stage reads the new partitions.

use super::{Inputs, OpSpec, Role, TerminalGen};
use crate::gen::{keep, op_static, respan, rt, rt_at};
use crate::plan::label;
use crate::validate::{Graph, Node};
use proc_macro2::{Ident, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Index;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exchange {
    Rebalance,
    PartitionByHash,
    MapPartition,
    PartitionCustom,
}

pub const OPS: &[OpSpec] = &[
    OpSpec {
        name: "rebalance",
        flink: "rebalance",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Exchange::Rebalance),
        min_args: 0,
        max_args: 0,
        usage: "rebalance()",
        options: &[],
    },
    OpSpec {
        name: "partition_by_hash",
        flink: "partitionByHash",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Exchange::PartitionByHash),
        min_args: 1,
        max_args: 1,
        usage: "partition_by_hash(|x: &T| key)",
        options: &[],
    },
    OpSpec {
        name: "partition_custom",
        flink: "partitionCustom",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Exchange::PartitionCustom),
        min_args: 2,
        max_args: 2,
        usage: "partition_custom(|key: &K, num_partitions: usize| partition, |x: &T| key)",
        options: &[],
    },
    OpSpec {
        name: "map_partition",
        flink: "mapPartition",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Exchange::MapPartition),
        min_args: 1,
        max_args: 1,
        usage: "map_partition(|records| iterator)",
        options: &[],
    },
];

impl TerminalGen for Exchange {
    fn is_result(&self, _node: &Node) -> bool {
        false
    }

    fn init(&self, _g: &Graph, _id: usize) -> TokenStream {
        let rt = rt();
        match self {
            // One partition per parallel instance, as Flink's `partitionByHash`, with the
            // partition function every hash exchange uses.
            Exchange::PartitionByHash => {
                quote!(#rt::exchange::HashExchange::new(__ctx.parallelism()))
            }
            // One partition per parallel instance too; the user's partitioner picks it.
            Exchange::PartitionCustom => {
                quote!(#rt::partition_custom::CustomExchange::new(__ctx.parallelism()))
            }
            Exchange::Rebalance | Exchange::MapPartition => quote!(::std::vec::Vec::new()),
        }
    }

    fn push(&self, g: &Graph, id: usize, field: &Index, input: &Ident, own: bool) -> TokenStream {
        let node = &g.nodes[id];
        let op = op_static(id);
        let span = node.call.name.span();
        let rt = rt_at(span);
        let input = &respan(input, span);
        let kept = if own {
            keep(span, quote!(#input))
        } else {
            quote!(#input)
        };
        match self {
            Exchange::PartitionByHash => {
                let f = node.call.arg(0);
                quote_spanned!(span=> {
                    let __key = #rt::guard::call::key(&#op, &#input, #f);
                    __local.#field.push(&__key, #kept);
                })
            }
            Exchange::PartitionCustom => {
                // The key first, so that the partitioner is typed by it; a wrong partitioner
                // is then reported on the partitioner.
                let (partitioner, f) = (node.call.arg(0), node.call.arg(1));
                let at_f = rt_at(f.span());
                let at_partitioner = rt_at(partitioner.span());
                let key = quote_spanned!(f.span()=> #at_f::sort::key(&#op, &#input, #f));
                let partition = quote_spanned!(partitioner.span()=>
                    #at_partitioner::partition_custom::partition_of(&#op, &__key, __local.#field.partitions(), #partitioner));
                quote_spanned!(span=> {
                    // The key may borrow the record, which then moves.
                    let __partition = {
                        let __key = #key;
                        #partition
                    };
                    __local.#field.push(__partition, #kept);
                })
            }
            Exchange::Rebalance | Exchange::MapPartition => {
                quote_spanned!(span=> __local.#field.push(#kept);)
            }
        }
    }

    fn finish(&self, g: &Graph, id: usize, states: &Ident, partitioned: bool) -> TokenStream {
        let node = &g.nodes[id];
        let span = node.call.name.span();
        let rt = rt_at(span);
        let states = &respan(states, span);
        let op = op_static(id);
        match self {
            Exchange::Rebalance => {
                quote!(#rt::exchange::rebalance(#states, __ctx.parallelism()))
            }
            Exchange::PartitionByHash => {
                quote!(#rt::exchange::finish_hash_exchange(#states, __ctx.parallelism()))
            }
            Exchange::PartitionCustom => {
                quote!(#rt::partition_custom::finish_custom_exchange(#states, __ctx.parallelism()))
            }
            Exchange::MapPartition => {
                let f = node.call.arg(0);
                let parts = if partitioned {
                    quote!(#states)
                } else {
                    quote!(#rt::exchange::rebalance(#states, __ctx.parallelism()))
                };
                quote_spanned!(span=> #rt::exchange::map_partitions(#parts, |__it| #rt::guard::call::map(&#op, __it, #f)))
            }
        }
    }

    fn explain(&self, g: &Graph, id: usize) -> String {
        format!("{} => exchange", label(&g.nodes[id]))
    }

    fn hash_key<'a>(&self, node: &'a Node) -> Option<&'a syn::Expr> {
        match self {
            Exchange::PartitionByHash => Some(node.call.arg(0)),
            Exchange::Rebalance | Exchange::MapPartition | Exchange::PartitionCustom => None,
        }
    }
}
