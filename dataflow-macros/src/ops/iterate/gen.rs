//! The code of a loop: its step's stages, those that are loop-invariant once before the
//! rounds, the others every round, then a stage over the loop's result.

use super::ends::variable;
use super::{Loop, LoopStep};
use crate::gen::rt_at;
use crate::ops::{BarrierGen, MultiGen, Need, Plan};
use crate::validate::Node;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

fn step(node: &Node) -> &LoopStep {
    node.step
        .as_ref()
        .expect("validate compiled the loop's step")
}

/// Indexes input `port` of the inner hash join `c` once, before the first round: the rounds'
/// joins then probe it (see `hoist::indexed`).
fn index(step: &LoopStep, c: usize, port: usize) -> TokenStream {
    let node = &step.graph.nodes[c];
    let key = crate::plan::hash_key(&step.graph, c, port).expect("a hash join's input");
    let rt = rt_at(node.call.name.span());
    let input = crate::gen::input_of(c, port);
    let k = crate::gen::key_of(key.span(), &crate::gen::op_static(c), quote!(__x), key);
    quote!(let #input = #rt::join::index(#input, |__x| { let __key = #k; #rt::hash::hash_one(&__key) });)
}

impl MultiGen for Loop {
    fn plan(&'static self, _node: &Node) -> Plan {
        Plan::Barrier(self)
    }

    /// Every input whole: the first partial solution (or solution set and work set), and the
    /// data sets the step reads from outside the loop.
    fn need<'a>(&self, _node: &'a Node, _port: usize) -> Need<'a> {
        Need::All
    }

    fn explain(&self, node: &Node) -> String {
        let step = step(node);
        // A literal as it is, an expression quoted: "at most 20 rounds", "at most `rounds` rounds".
        let max = match node.call.option("max") {
            Some(m @ syn::Expr::Lit(_)) => m.to_token_stream().to_string(),
            Some(m) => format!("`{}`", m.to_token_stream()),
            None => String::new(),
        };
        match self {
            Loop::Bulk => {
                let until = match &step.until {
                    Some(u) => format!(", until `{u}` is empty"),
                    None => String::new(),
                };
                format!("[bulk iteration: at most {max} rounds{until}; the step's stages:]")
            }
            Loop::Delta => format!("[delta iteration: at most {max} rounds, until the work set is empty; the solution set is hash-partitioned by key and updated in place; the step's stages:]"),
        }
    }
}

impl BarrierGen for Loop {
    fn drive(
        &self,
        node: &Node,
        op: &Ident,
        inputs: &[Ident],
        init: &TokenStream,
        body: TokenStream,
    ) -> TokenStream {
        let step = step(node);
        let span = node.call.name.span();
        let rt = rt_at(span);
        let max = node.call.option("max").expect("validate checked `max`");
        let max = quote_spanned!(max.span()=> { let __df_max: usize = #max; __df_max });
        // The data sets from outside, by reference, under the names the step's stages read.
        let imports = step
            .imports
            .iter()
            .zip(&inputs[step.first_import_port()..])
            .map(|(name, input)| {
                let var = variable(name);
                quote!(let #var = &#input;)
            });
        let statics = crate::expand::statics(&step.graph);
        let (mut before, mut every) = (Vec::new(), Vec::new());
        for (i, stage) in step.stages.iter().enumerate() {
            let code = crate::expand::expand_stage(&step.graph, stage);
            if step.hoisted[i] {
                before.push(code);
                before.extend(
                    step.indexed[i]
                        .iter()
                        .map(|&(c, port)| index(step, c, port)),
                );
            } else {
                every.push(code)
            }
        }
        let round = match &step.round {
            Some(r) => quote!(#[allow(unused_variables)] let #r: usize = __df_round;),
            None => quote!(),
        };
        let first = &inputs[0];
        // Spanned on the step's results: a record type other than the loop's is reported there.
        let check = |i: usize, witness: &Ident| {
            let out = crate::gen::result(i);
            let s = step.results[i];
            let out = Ident::new(&out.to_string(), s);
            quote_spanned!(s=> #witness.check(#out))
        };
        let the_loop = match self {
            Loop::Bulk => {
                let partial = variable(&step.params[0]);
                let witness = format_ident!("__df_witness");
                let next = check(0, &witness);
                let until = step.until.as_ref().map(|_| {
                    let count = crate::gen::result(1);
                    quote!(if #count == 0 { break __df_next; })
                });
                quote! {
                    let mut __df_current = __df_first;
                    let #witness = #rt::iterate::witness(&__df_current);
                    let mut __df_round: usize = 0;
                    loop {
                        if __df_round >= __df_max { break __df_current; }
                        let #partial = __df_current;
                        #round
                        #(#every)*
                        __df_round += 1;
                        let __df_next = #next;
                        #until
                        __df_current = __df_next;
                    }
                }
            }
            Loop::Delta => {
                let (solution, workset) = (variable(&step.params[0]), variable(&step.params[1]));
                let key = node.call.option("key").expect("validate checked `key`");
                let k = quote_spanned!(key.span()=> |__x: &_| #rt::guard::call::key(__df_op, __x, #key));
                let (ws, sol) = (
                    format_ident!("__df_ws_witness"),
                    format_ident!("__df_witness"),
                );
                let (delta, next) = (check(0, &sol), check(1, &ws));
                quote! {
                    let mut __df_solution = #rt::iterate::SolutionSet::build(__ctx, __df_first, #k);
                    let #sol = __df_solution.witness();
                    let mut __df_workset = __df_first_workset;
                    let #ws = #rt::iterate::witness(&__df_workset);
                    let mut __df_round: usize = 0;
                    while __df_round < __df_max && #rt::iterate::records(&__df_workset) > 0 {
                        let #solution = &__df_solution;
                        let #workset = __df_workset;
                        #round
                        #(#every)*
                        __df_round += 1;
                        let __df_delta = #delta;
                        __df_workset = #next;
                        __df_solution.apply(__ctx, __df_delta, #k);
                    }
                    __df_solution.into_partitions()
                }
            }
        };
        let first_workset = match self {
            Loop::Delta => {
                let w = &inputs[1];
                quote!(let __df_first_workset = #w;)
            }
            Loop::Bulk => quote!(),
        };
        let rt0 = crate::gen::rt();
        // The step's statics and variables live in a block of their own: they may shadow the
        // enclosing job's (`__DF_OP_0`, `__ds1`), which is therefore never named inside it.
        quote!({
            let __df_op: &'static #rt0::guard::OpInfo = &#op;
            let __df_max: usize = #max;
            let __df_first = #first;
            #first_workset
            #(#imports)*
            let __df_result = {
                #(#statics)*
                #(#before)*
                #the_loop
            };
            #rt0::driver::drive_partitions(__ctx, __df_result, #init, |__local, __x| { let __start = __x; #body })
        })
    }
}
