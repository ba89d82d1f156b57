//! Generates the job: one `static` per operator (its name and source location, for errors), and
//! one closure that runs the stages in order. Each stage is a single driver call whose loop body
//! is the fused operators, calling the user's closures directly through typed guards. The code
//! of each operator comes from its generator in the catalogue (`ops`); this module only
//! stitches a stage together: what it reads, its loop body, its terminals' states.

use crate::gen::{
    dataset, input_of, keep, key_of, key_static, op_static, respan, result, rt, rt_at, value,
};
use crate::ops::{Need, TerminalGen};
use crate::plan::{self, Flow, Fuse, Reads, Stage, Target};
use crate::validate::Graph;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Index;

fn op_info(name: &Ident, spec_name: &str, ident: &Ident) -> TokenStream {
    let rt = rt();
    let (line, column) = crate::gen::line_col(name.span());
    let (line, column) = (line as u32, column as u32);
    quote! {
        static #ident: #rt::guard::OpInfo = #rt::guard::OpInfo {
            name: #spec_name, file: ::core::file!(), line: #line, column: #column,
        };
    }
}

/// One `static` per operator of `graph` (and per `key_by`), for errors.
pub(crate) fn statics(graph: &Graph) -> Vec<TokenStream> {
    let mut statics = Vec::new();
    for (id, node) in graph.nodes.iter().enumerate() {
        statics.push(op_info(&node.call.name, node.spec.name, &op_static(id)));
        if let Some(key) = &node.key {
            statics.push(op_info(&key.name, "key_by", &key_static(id)));
        }
    }
    statics
}

pub fn expand(graph: &Graph, stages: &[Stage]) -> TokenStream {
    let rt = rt();
    let statics = statics(graph);
    let stage_code: Vec<TokenStream> = stages
        .iter()
        .enumerate()
        .map(|(i, s)| {
            // Progress and per-stage metrics name the stage as `explain()` does.
            let label = plan::stage_title(graph, s, i);
            let code = expand_stage(graph, s);
            quote!(__ctx.begin_stage(#i, #label); #code)
        })
        .collect();
    let results: Vec<Ident> = (0..graph.sinks).map(result).collect();
    let output = if results.len() == 1 {
        quote!(#(#results)*)
    } else {
        quote!((#(#results),*))
    };
    let plan_text = plan::explain(graph, stages);
    let parallelism = match &graph.parallelism {
        Some(p) => {
            quote!(::core::option::Option::Some({ let __parallelism: usize = #p; __parallelism }))
        }
        None => quote!(::core::option::Option::None),
    };
    let mermaid = crate::pictures::mermaid(graph, stages);
    let dot = crate::pictures::dot(graph, stages);
    let progress = graph.progress.as_ref().map(|p| {
        let span = syn::spanned::Spanned::span(p);
        quote_spanned!(span=> .progress({ let __progress: bool = #p; __progress }))
    });
    quote! {{
        #(#statics)*
        #rt::Job::new(#plan_text, #parallelism, |__ctx: &#rt::Context| -> #rt::Result<_> {
            #(#stage_code)*
            ::core::result::Result::Ok(#output)
        })
        .pictures(#mermaid, #dot)
        #progress
    }}
}

/// The materialized inputs of multi-input operator `id`, by port.
fn inputs_of(graph: &Graph, id: usize) -> Vec<Ident> {
    (0..graph.nodes[id].inputs.len())
        .map(|port| input_of(id, port))
        .collect()
}

pub(crate) fn expand_stage(graph: &Graph, stage: &Stage) -> TokenStream {
    let rt = rt();
    // A `collect` right after a global sort takes the sorted `Vec` as it is: no loop.
    if let (Reads::Partitions(_), Flow::Terminal(Target::Node(c, t))) = (stage.reads, &stage.flow) {
        if let Some((consumer, value)) = crate::ops::whole_handover(graph, stage.input) {
            assert_eq!(
                consumer, *c,
                "a whole handover feeds its stage's only terminal"
            );
            return bind(graph, *c, *t, value);
        }
    }
    let input = &graph.nodes[stage.input];
    let prepare: Vec<TokenStream> = stage
        .terminals
        .iter()
        .filter_map(|t| match *t {
            Target::Node(id, gen) => Some(gen.prepare(graph, id)),
            Target::Input(..) | Target::Cut(..) => None,
        })
        .collect();
    let mut preludes = Vec::new();
    streamed_preludes(graph, &stage.flow, &mut preludes);
    let inits: Vec<TokenStream> = stage
        .terminals
        .iter()
        .map(|t| match *t {
            Target::Node(id, gen) => gen.init(graph, id),
            Target::Input(id, port, m, _) => match m.need(&graph.nodes[id], port) {
                Need::Hash(_) => quote!(#rt::join::JoinSide::new()),
                Need::All => quote!(::std::vec::Vec::new()),
            },
            Target::Cut(..) => quote!(::std::vec::Vec::new()),
        })
        .collect();
    let own = matches!(stage.reads, Reads::Source(s) if s.borrows_buffer());
    let start = format_ident!("__start");
    let flow = expand_flow(graph, stage, &stage.flow, &start, own);
    let init = quote!(|| (#(#inits,)*));
    let op = op_static(stage.input);
    let driver = match stage.reads {
        Reads::Source(source) => {
            // Spanned on the source: if a kept record still borrows the line (see `keep`), the
            // error shows the line's and the state's types there, and the operator keeping it.
            let span = input.call.name.span();
            let (local, line) = (Ident::new("__local", span), Ident::new("__x", span));
            let body = quote!(|#local, #line| { let __start = #line; let _ = &#local; #flow });
            source.drive(&input.call, &quote!(#op), &init, &body)
        }
        Reads::Partitions(terminal) => {
            let record = format_ident!("__x");
            let body = terminal.read(graph, stage.input, &record, flow);
            let ds = dataset(stage.input);
            quote!(#rt::driver::drive_partitions(__ctx, #ds, #init, |__local, #record| { let _ = &__local; #body }))
        }
        Reads::Cut(port) => {
            let cut = cut_of(stage.input, port);
            quote!(#rt::driver::drive_partitions(__ctx, #cut, #init, |__local, __x| { let __start = __x; let _ = &__local; #flow }))
        }
        Reads::Barrier(barrier) => barrier.drive(
            input,
            &op,
            &inputs_of(graph, stage.input),
            &init,
            quote!(let _ = &__local; #flow),
        ),
    };
    let states: Vec<Ident> = (0..stage.terminals.len())
        .map(|i| format_ident!("__t{}", i))
        .collect();
    let parts: Vec<Ident> = (0..stage.terminals.len())
        .map(|i| format_ident!("__s{}", i))
        .collect();
    let partitioned = !matches!(stage.reads, Reads::Source(_));
    let finishes: Vec<TokenStream> = stage
        .terminals
        .iter()
        .zip(&states)
        .map(|(t, s)| finish(graph, t, s, partitioned))
        .collect();
    let aligned = stage.aligned.iter().filter_map(|&(a, c, port)| {
        let key = plan::hash_key(graph, c, port)?;
        let (input, ds) = (input_of(c, port), dataset(a));
        let k = key_of(key.span(), &op_static(c), quote!(__x), key);
        Some(quote!(let #input = #rt::join::from_partitions(#ds, |__x| { let __key = #k; #rt::hash::hash_one(&__key) });))
    });
    quote! {
        #(#prepare)*
        #(#preludes)*
        let __states = #driver?;
        #(let mut #states = ::std::vec::Vec::with_capacity(__states.len());)*
        for (#(#parts,)*) in __states {
            #(#states.push(#parts);)*
        }
        #(#finishes)*
        #(#aligned)*
    }
}

/// The partitions kept for a cut edge into `port` of node `id`.
fn cut_of(id: usize, port: usize) -> Ident {
    format_ident!("__cut{}_{}", id, port)
}

/// What the streamed multi-input operators of a stage do before it runs (build a table over
/// the broadcast side).
fn streamed_preludes(graph: &Graph, flow: &Flow, out: &mut Vec<TokenStream>) {
    match flow {
        Flow::Op(id, fuse, rest) => {
            if let Fuse::Streamed(s) = fuse {
                out.push(s.prelude(&graph.nodes[*id], &op_static(*id), &inputs_of(graph, *id)));
            }
            streamed_preludes(graph, rest, out);
        }
        Flow::Fork(_, branches) => branches
            .iter()
            .for_each(|b| streamed_preludes(graph, b, out)),
        Flow::Terminal(_) => {}
    }
}

fn expand_flow(graph: &Graph, stage: &Stage, flow: &Flow, input: &Ident, own: bool) -> TokenStream {
    match flow {
        Flow::Op(id, fuse, rest) => {
            let node = &graph.nodes[*id];
            let output = value(*id);
            let next = expand_flow(graph, stage, rest, &output, own);
            let op = op_static(*id);
            match fuse {
                Fuse::Op(f) => f.apply(node, &op, input, &output, next),
                Fuse::Streamed(s) => {
                    s.apply(node, &op, &inputs_of(graph, *id), input, &output, next)
                }
            }
        }
        Flow::Fork(producer, branches) => {
            let last = branches.len().saturating_sub(1);
            // A record that is not `Clone` is reported on the data set's name, with what to do
            // (see the runtime's `own::ForkProbe`).
            let span = graph.nodes[*producer]
                .binding
                .as_ref()
                .map_or_else(Span::call_site, Ident::span);
            let rt = rt_at(span);
            let code = branches.iter().enumerate().map(|(i, b)| {
                if i == last {
                    expand_flow(graph, stage, b, input, own)
                } else {
                    let copy = format_ident!("{}_c{}", input, i);
                    let inner = expand_flow(graph, stage, b, &copy, own);
                    let original = respan(input, span);
                    let fork = quote_spanned!(span=> {
                        // Each record type uses one of the two.
                        #[allow(unused_imports)]
                        use #rt::own::{CloneProbe as _, NotCloneProbe as _};
                        (&&#rt::own::ForkProbe(&#original)).fork_kind().copy(&#original)
                    });
                    quote!({ let #copy = #fork; #inner })
                }
            });
            quote!(#(#code)*)
        }
        Flow::Terminal(target) => {
            let field = Index::from(
                stage
                    .terminals
                    .iter()
                    .position(|t| t.id() == target.id())
                    .expect("terminal of this stage"),
            );
            match *target {
                Target::Node(id, t) => t.push(graph, id, &field, input, own),
                Target::Cut(id, _) => {
                    let span = graph.nodes[id].call.name.span();
                    let input = &respan(input, span);
                    let kept = if own {
                        keep(span, quote!(#input))
                    } else {
                        quote!(#input)
                    };
                    quote_spanned!(span=> __local.#field.push(#kept);)
                }
                Target::Input(id, port, m, _) => {
                    let node = &graph.nodes[id];
                    let span = node.call.name.span();
                    let input = &respan(input, span);
                    let kept = if own {
                        keep(span, quote!(#input))
                    } else {
                        quote!(#input)
                    };
                    match m.need(node, port) {
                        // The key is taken from the record as the operator will hold it (a
                        // line owned as a `String`), so that the key closure sees one type;
                        // it may borrow the record: hash it, then move the record.
                        Need::Hash(key) => {
                            let rt = rt_at(span);
                            let k = key_of(key.span(), &op_static(id), quote!(&__record), key);
                            quote_spanned!(span=> {
                                let __record = #kept;
                                let __hash = { let __key = #k; #rt::hash::hash_one(&__key) };
                                __local.#field.push_hashed(__hash, __record);
                            })
                        }
                        Need::All => quote_spanned!(span=> __local.#field.push(#kept);),
                    }
                }
            }
        }
    }
}

/// The code that turns the task states of one terminal into its value, bound to the job's
/// result, a later stage's partitions, a broadcast variable or a multi-input operator's input.
fn finish(graph: &Graph, target: &Target, states: &Ident, partitioned: bool) -> TokenStream {
    let rt = rt();
    match *target {
        Target::Node(id, t) => bind(graph, id, t, t.finish(graph, id, states, partitioned)),
        Target::Cut(id, port) => {
            let cut = cut_of(id, port);
            quote!(let #cut = #states;)
        }
        Target::Input(id, port, m, _) => {
            let input = input_of(id, port);
            match m.need(&graph.nodes[id], port) {
                Need::Hash(_) => quote!(let #input = #rt::join::finish_side(#states);),
                Need::All => quote!(let #input = #states;),
            }
        }
    }
}

/// Binds terminal `id`'s `value` to the job's result, a later stage's partitions or a
/// broadcast variable.
fn bind(graph: &Graph, id: usize, t: &dyn TerminalGen, value: TokenStream) -> TokenStream {
    let node = &graph.nodes[id];
    match node.sink {
        Some(s) => {
            let r = result(s);
            quote!(let #r = #value;)
        }
        None => {
            let d = dataset(id);
            let variable = match (&node.binding, t.binds_variable()) {
                // The name the user's closures read, bound to the value by reference
                // (so that `move` closures can read it too).
                (Some(name), true) => quote!(let #name = &#d;),
                _ => quote!(),
            };
            quote!(let #d = #value; #variable)
        }
    }
}
