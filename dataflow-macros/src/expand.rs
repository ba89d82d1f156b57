//! Generates the job: one `static` per operator (its name and source location, for errors), and
//! one closure that runs the stages in order. Each stage is a single driver call whose loop body
//! is the fused operators, calling the user's closures directly through typed guards.

use crate::ast::Call;
use crate::ops::{aggregate, elementwise, exchange::Exchange, sinks::Sink, sources, Role};
use crate::plan::{self, Flow, Stage};
use crate::validate::{Graph, Node};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::Index;

/// The runtime crate, as re-exported by the facade.
pub fn rt() -> TokenStream {
    quote!(::dataflow::__private::rt)
}

/// The runtime path spanned on a user token, so that an error in a generated call is reported
/// on the operator that caused it rather than on the whole macro invocation.
pub fn rt_at(span: Span) -> TokenStream {
    quote_spanned!(span=> ::dataflow::__private::rt)
}

/// `ident` re-spanned on a user token (for the same reason as [`rt_at`]).
pub fn respan(ident: &Ident, span: Span) -> Ident {
    Ident::new(&ident.to_string(), span)
}

/// `BadRecordPolicy::Skip` or `Fail` from a source's `bad_records = ...` option.
pub fn bad_record_policy(call: &Call) -> TokenStream {
    let rt = rt();
    match call.option("bad_records") {
        Some(syn::Expr::Path(p)) if p.path.is_ident("skip") => quote!(#rt::BadRecordPolicy::Skip),
        _ => quote!(#rt::BadRecordPolicy::Fail),
    }
}

fn op_static(id: usize) -> Ident {
    format_ident!("__DF_OP_{}", id)
}

fn key_static(id: usize) -> Ident {
    format_ident!("__DF_KEY_{}", id)
}

fn value(id: usize) -> Ident {
    format_ident!("__v{}", id)
}

fn dataset(id: usize) -> Ident {
    format_ident!("__ds{}", id)
}

fn result(sink: usize) -> Ident {
    format_ident!("__out{}", sink)
}

fn op_info(name: &Ident, spec_name: &str, ident: &Ident) -> TokenStream {
    let rt = rt();
    let span = name.span().unwrap();
    let (line, column) = (span.line() as u32, span.column() as u32);
    quote! {
        static #ident: #rt::guard::OpInfo = #rt::guard::OpInfo {
            name: #spec_name, file: ::core::file!(), line: #line, column: #column,
        };
    }
}

pub fn expand(graph: &Graph, stages: &[Stage]) -> TokenStream {
    let rt = rt();
    let mut statics = Vec::new();
    for (id, node) in graph.nodes.iter().enumerate() {
        statics.push(op_info(&node.call.name, node.spec.name, &op_static(id)));
        if let Some(key) = &node.key {
            statics.push(op_info(&key.name, "key_by", &key_static(id)));
        }
    }
    let stage_code: Vec<TokenStream> = stages.iter().map(|s| expand_stage(graph, s)).collect();
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
    quote! {{
        #(#statics)*
        #rt::Job::new(#plan_text, #parallelism, |__ctx: &#rt::Context| -> #rt::Result<_> {
            #(#stage_code)*
            ::core::result::Result::Ok(#output)
        })
    }}
}

fn expand_stage(graph: &Graph, stage: &Stage) -> TokenStream {
    let rt = rt();
    let input = &graph.nodes[stage.input];
    let prepare: Vec<TokenStream> = stage
        .terminals
        .iter()
        .map(|&t| prepare_terminal(graph, t))
        .collect();
    let inits: Vec<TokenStream> = stage
        .terminals
        .iter()
        .map(|&t| init_terminal(graph, t))
        .collect();
    let record = format_ident!("__x");
    let flow = expand_flow(graph, stage, &stage.flow);
    let init = quote!(|| (#(#inits,)*));
    let driver = match input.spec.role {
        Role::Source(kind) => {
            // Spanned on the source: if a kept record still borrows the line (see `keep`), the
            // error shows the line's and the state's types there, and the operator keeping it.
            let span = input.call.name.span();
            let (local, line) = (Ident::new("__local", span), respan(&record, span));
            let body = quote!(|#local, #line| { let __start = #line; let _ = &#local; #flow });
            sources::drive(
                kind,
                &input.call,
                &op_static(stage.input).into_token_stream(),
                &init,
                &body,
            )
        }
        _ => {
            let start = format_ident!("__start");
            let body_code = adapt_dataset_record(graph, stage.input, &record, &start, flow);
            let ds = dataset(stage.input);
            quote!(#rt::driver::drive_partitions(__ctx, #ds, #init, |__local, #record| { let _ = &__local; #body_code }))
        }
    };
    let states: Vec<Ident> = (0..stage.terminals.len())
        .map(|i| format_ident!("__t{}", i))
        .collect();
    let parts: Vec<Ident> = (0..stage.terminals.len())
        .map(|i| format_ident!("__s{}", i))
        .collect();
    let finishes: Vec<TokenStream> = stage
        .terminals
        .iter()
        .zip(&states)
        .map(|(&t, s)| finish_terminal(graph, t, s, input.input.is_some()))
        .collect();
    quote! {
        #(#prepare)*
        let __states = #driver?;
        #(let mut #states = ::std::vec::Vec::with_capacity(__states.len());)*
        for (#(#parts,)*) in __states {
            #(#states.push(#parts);)*
        }
        #(#finishes)*
    }
}

/// The first thing a stage that reads an exchange's output does with a record: unpack what the
/// exchange produced (e.g. `min_by` hands on the record, not `(key, record)`).
fn adapt_dataset_record(
    graph: &Graph,
    producer: usize,
    record: &Ident,
    start: &Ident,
    rest: TokenStream,
) -> TokenStream {
    let node = &graph.nodes[producer];
    let op = op_static(producer).into_token_stream();
    match node.spec.role {
        Role::Aggregation(aggregate::Aggregation::Distinct) if node.key.is_some() => {
            quote!(let #start = #record.1; #rest)
        }
        Role::Aggregation(aggregate::Aggregation::Distinct) => {
            quote!(let #start = #record.0; #rest)
        }
        Role::Aggregation(kind) if node.key.is_some() => {
            aggregate::keyed_output(&node.call, kind, &op, record, start, rest)
        }
        _ => quote!(let #start = #record; #rest),
    }
}

fn expand_flow(graph: &Graph, stage: &Stage, flow: &Flow) -> TokenStream {
    expand_flow_from(graph, stage, flow, &format_ident!("__start"))
}

fn expand_flow_from(graph: &Graph, stage: &Stage, flow: &Flow, input: &Ident) -> TokenStream {
    match flow {
        Flow::Op(id, rest) => {
            let node = &graph.nodes[*id];
            let Role::Elementwise(kind) = node.spec.role else {
                unreachable!("only element-wise operators are fused")
            };
            let output = value(*id);
            let next = expand_flow_from(graph, stage, rest, &output);
            elementwise::apply(
                kind,
                &node.call,
                &op_static(*id).into_token_stream(),
                input,
                &output,
                next,
            )
        }
        Flow::Fork(producer, branches) => {
            let last = branches.len() - 1;
            // A record that is not `Clone` is reported on the data set's name, with what to do
            // (see the runtime's `own::ForkProbe`).
            let span = graph.nodes[*producer]
                .binding
                .as_ref()
                .map_or_else(Span::call_site, Ident::span);
            let rt = rt_at(span);
            let code = branches.iter().enumerate().map(|(i, b)| {
                if i == last {
                    expand_flow_from(graph, stage, b, input)
                } else {
                    let copy = format_ident!("{}_c{}", input, i);
                    let inner = expand_flow_from(graph, stage, b, &copy);
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
        Flow::Terminal(id) => {
            let field = Index::from(
                stage
                    .terminals
                    .iter()
                    .position(|t| t == id)
                    .expect("terminal of this stage"),
            );
            push_terminal(graph, *id, &field, input, reads_files(graph, stage))
        }
    }
}

/// Code run once before the stage (file sinks create their destination here).
fn prepare_terminal(graph: &Graph, id: usize) -> TokenStream {
    let rt = rt();
    let node = &graph.nodes[id];
    let sink = format_ident!("__sink{}", id);
    match node.spec.role {
        Role::Sink(Sink::WriteText) | Role::Sink(Sink::WriteCsv) | Role::Sink(Sink::WriteJson) => {
            let path = node.call.arg(0);
            let op = op_static(id);
            let ty = match node.spec.role {
                Role::Sink(Sink::WriteText) => quote!(text::TextSink),
                Role::Sink(Sink::WriteJson) => quote!(json::JsonSink),
                _ => quote!(csv::CsvSink),
            };
            // The operator names the sink in its errors; each option is a builder method.
            let mut ctor = quote!(#rt::sink::#ty::new(#path).operator(&#op));
            for option in node.spec.options {
                if let Some(v) = node.call.option(option) {
                    let m = Ident::new(option, Span::call_site());
                    ctor = quote!(#ctor.#m(#v));
                }
            }
            quote!(let #sink = #ctor;)
        }
        _ => quote!(),
    }
}

fn is_keyed(node: &Node) -> bool {
    node.key.is_some() || node.spec.role == Role::Aggregation(aggregate::Aggregation::Distinct)
}

/// The value a record contributes to an aggregation, and the aggregation's constructor.
fn value_and_ctor(
    node: &Node,
    id: usize,
    kind: aggregate::Aggregation,
    input: &Ident,
) -> (TokenStream, TokenStream) {
    let rt = rt();
    match kind {
        aggregate::Aggregation::Distinct if node.key.is_some() => {
            (quote!(#input), quote!(#rt::aggregate::KeepFirst::new()))
        }
        aggregate::Aggregation::Distinct => (quote!(()), quote!(#rt::aggregate::Count)),
        _ => aggregate::value_and_ctor_of(
            &node.call,
            kind,
            &op_static(id).into_token_stream(),
            input,
        ),
    }
}

fn init_terminal(graph: &Graph, id: usize) -> TokenStream {
    let rt = rt();
    let node = &graph.nodes[id];
    let sink = format_ident!("__sink{}", id);
    match node.spec.role {
        Role::Aggregation(kind) => {
            let combiner = if is_keyed(node) {
                quote!(#rt::aggregate::KeyedCombiner::new())
            } else {
                quote!(#rt::aggregate::GlobalCombiner::new())
            };
            // Aggregations without user closures are built up front; the others on the task's
            // first record, typed by it (see `aggregate::needs_witness`).
            let agg = if kind == aggregate::Aggregation::Distinct
                || !aggregate::needs_witness(&node.call, kind)
            {
                // Only the constructor is needed here; the value expression is discarded.
                let (_, ctor) = value_and_ctor(node, id, kind, &format_ident!("__unused"));
                quote!(::core::option::Option::Some(#ctor))
            } else {
                quote!(::core::option::Option::None)
            };
            quote!((#combiner, #agg))
        }
        Role::Exchange(Exchange::PartitionByHash) => {
            quote!(#rt::exchange::HashExchange::new(__ctx.parallelism()))
        }
        Role::Exchange(_) | Role::Sink(Sink::Collect) => quote!(::std::vec::Vec::new()),
        Role::Sink(Sink::Print) => quote!(#rt::sink::print::PrintBuffer::new()),
        Role::Sink(Sink::ForEach) => quote!(()),
        Role::Sink(Sink::WriteText) | Role::Sink(Sink::WriteCsv) | Role::Sink(Sink::WriteJson) => {
            quote!(#sink.part())
        }
        _ => unreachable!("not a terminal"),
    }
}

/// Whether the stage reads a file source, whose records may borrow its reused buffer (`read_text`
/// lines are `&str`): such a record is owned where an operator keeps it (see [`keep`]).
fn reads_files(graph: &Graph, stage: &Stage) -> bool {
    matches!(
        graph.nodes[stage.input].spec.role,
        Role::Source(sources::Source::Text | sources::Source::Csv)
    )
}

/// `record`, owned if it borrows a line: a `&str` becomes a `String`, a tuple of strings and plain
/// values a tuple with `String`s, anything else is moved unchanged. Chosen at compile time by the
/// runtime's `own::KeepProbe`, so it costs nothing for records that are already owned.
fn keep(span: Span, record: TokenStream) -> TokenStream {
    let rt = rt_at(span);
    quote_spanned!(span=> {
        let __keep = #rt::own::KeepProbe(#record);
        // Each record type uses one of the three.
        #[allow(unused_imports)]
        use #rt::own::{OwnStrProbe as _, OwnPartsProbe as _, PassProbe as _};
        let __kept = (&&&__keep).keep_kind().keep(__keep);
        // Returned through a closure spanned on the operator: if the record still borrows the
        // line (a struct with a `&str` field), rustc blames this return, so the "lifetime may
        // not live long enough" error lands on the operator that keeps it, not on the closure
        // that made the record.
        let __r = move || __kept;
        __r()
    })
}

/// Whether an aggregation keeps whole records beyond the loop, rather than values computed from
/// them: those records are owned in stages that read files. (A value such as `min(|l| &l[..3])`
/// is not owned: the fused path of `min(|m| m.temperature)` stays exactly as it was.)
fn keeps_records(node: &Node, kind: aggregate::Aggregation) -> bool {
    use aggregate::Aggregation::*;
    match kind {
        Distinct => node.key.is_some(),
        _ => aggregate::components(&node.call, kind)
            .iter()
            .any(|c| match c.kind {
                Count | Sum | Avg | Statistics | Distinct | Aggregate => false,
                Min | Max => c.args.is_empty(),
                Reduce | Fold | MinBy | MaxBy | First | ReduceGroup => true,
            }),
    }
}

fn push_terminal(graph: &Graph, id: usize, field: &Index, input: &Ident, own: bool) -> TokenStream {
    let node = &graph.nodes[id];
    let op = op_static(id).into_token_stream();
    let span = node.call.name.span();
    let rt = rt_at(span);
    let input = &respan(input, span);
    // What a storing terminal keeps: the record, owned if the stage reads files.
    let kept = if own {
        keep(span, quote!(#input))
    } else {
        quote!(#input)
    };
    match node.spec.role {
        Role::Aggregation(kind) => {
            let (val, ctor) = value_and_ctor(node, id, kind, input);
            let val = if own && keeps_records(node, kind) {
                keep(span, val)
            } else {
                val
            };
            let key = match &node.key {
                Some(key) => {
                    let f = key.arg(0);
                    let key_op = key_static(id);
                    let rt = rt_at(key.name.span());
                    let input = respan(input, key.name.span());
                    quote_spanned!(key.name.span()=> let __key = #rt::aggregate::key::key_by(&#key_op, &#input, #f);)
                }
                None if kind == aggregate::Aggregation::Distinct => quote!(let __key = #input;),
                None => quote!(),
            };
            // `&str` and `&String` keys are looked up borrowed (see the runtime's
            // `aggregate::key`).
            let lookup = quote_spanned!(span=>
                let __probe = #rt::aggregate::key::KeyProbe(__key);
                let __lookup = {
                    // Each key type uses one of the two.
                    #[allow(unused_imports)]
                    use #rt::aggregate::key::{BorrowedStrProbe as _, OwnedProbe as _};
                    (&__probe).lookup_kind()
                }
                .wrap(__probe);
            );
            if node.key.is_some() && aggregate::moves_record(&node.call, kind) {
                // The key may borrow the record that becomes the value: look it up (owning it
                // if new) first, then move the record.
                return quote_spanned!(span=> {
                    #key
                    #lookup
                    let __target = {
                        let __combiner = &mut __local.#field.0;
                        #rt::guard::guard(&#op, move || { let __c = __combiner; __c.target(__lookup) })
                    };
                    let __val = #val;
                    let __agg = __local.#field.1.get_or_insert_with(|| #ctor);
                    match __target {
                        #rt::aggregate::keyed::Target::Held(__acc) => #rt::guard::guard(&#op, move || #rt::aggregate::Aggregate::update(__agg, __acc, __val)),
                        #rt::aggregate::keyed::Target::New(__new) => #rt::guard::guard(&#op, || __local.#field.0.insert(__agg, __new, __val)),
                    }
                });
            }
            let update = if is_keyed(node) {
                quote_spanned!(span=>
                    #lookup
                    #rt::guard::guard(&#op, || __local.#field.0.update_lookup(__agg, __lookup, __val));
                )
            } else {
                quote_spanned!(span=> #rt::guard::guard(&#op, || __local.#field.0.update(__agg, __val));)
            };
            quote!({
                #key
                let __val = #val;
                let __agg = __local.#field.1.get_or_insert_with(|| #ctor);
                #update
            })
        }
        Role::Exchange(Exchange::PartitionByHash) => {
            let f = node.call.arg(0);
            quote_spanned!(span=> {
                let __key = #rt::guard::call::key(&#op, &#input, #f);
                __local.#field.push(&__key, #kept);
            })
        }
        Role::Exchange(_) | Role::Sink(Sink::Collect) => {
            quote_spanned!(span=> __local.#field.push(#kept);)
        }
        Role::Sink(Sink::Print)
        | Role::Sink(Sink::WriteText)
        | Role::Sink(Sink::WriteCsv)
        | Role::Sink(Sink::WriteJson) => {
            // `Display`, `Debug` and `Serialize` impls are user code too.
            quote_spanned!(span=> #rt::guard::guard(&#op, || __local.#field.write(&#input));)
        }
        Role::Sink(Sink::ForEach) => {
            let f = node.call.arg(0);
            quote_spanned!(span=> #rt::guard::call::map(&#op, #input, #f);)
        }
        _ => unreachable!("not a terminal"),
    }
}

fn finish_terminal(
    graph: &Graph,
    id: usize,
    states: &Ident,
    input_partitioned: bool,
) -> TokenStream {
    let node = &graph.nodes[id];
    // Errors in the merge (a key that is not `Hash`, a value that cannot be summed) belong to
    // the operator (or its `key_by`), not to the whole macro.
    let span = node
        .key
        .as_ref()
        .map_or(node.call.name.span(), |k| k.name.span());
    let rt = rt_at(span);
    let states = &respan(states, span);
    let op = op_static(id).into_token_stream();
    let sink_var = respan(&format_ident!("__sink{}", id), span);
    let label = plan::label(node);
    let value: TokenStream = match node.spec.role {
        // The merge runs user code as well (`reduce`'s function, an overflowing sum).
        Role::Aggregation(_) if is_keyed(node) => {
            quote!(#rt::guard::guard(&#op, || #rt::aggregate::finish_keyed(#states)))
        }
        Role::Aggregation(kind) => {
            let empty = aggregate::empty_global(&node.call, kind);
            let g = format_ident!("__g");
            let post = aggregate::finish_global_value(&node.call, kind, &op, &g);
            let shaped = if node.sink.is_some() {
                quote!(#g)
            } else {
                aggregate::global_as_partitions(kind, &g)
            };
            quote!({
                let #g = #rt::guard::guard(&#op, || #rt::aggregate::finish_global(#states)).unwrap_or_else(|| #empty);
                let #g = #post;
                #shaped
            })
        }
        Role::Exchange(Exchange::Rebalance) => {
            quote!(#rt::exchange::rebalance(#states, __ctx.parallelism()))
        }
        Role::Exchange(Exchange::PartitionByHash) => {
            quote!(#rt::exchange::finish_hash_exchange(#states, __ctx.parallelism()))
        }
        Role::Exchange(Exchange::MapPartition) => {
            let f = node.call.arg(0);
            let parts = if input_partitioned {
                quote!(#states)
            } else {
                quote!(#rt::exchange::rebalance(#states, __ctx.parallelism()))
            };
            let span = node.call.name.span();
            quote_spanned!(span=> #rt::exchange::map_partitions(#parts, |__it| #rt::guard::call::map(&#op, __it, #f)))
        }
        Role::Sink(Sink::Collect) => {
            let all = quote!({
                let __all = #rt::sink::concat(#states);
                __ctx.record_sink(#label, __all.len() as u64);
                __all
            });
            match &node.call.generics {
                Some(g) => {
                    let ty = &g.args;
                    quote_spanned!(span=> ::core::iter::Iterator::collect::<#ty>(::core::iter::IntoIterator::into_iter(#all)))
                }
                None => all,
            }
        }
        Role::Sink(Sink::Print) => quote!({
            let __n = #rt::sink::print::print_all(#states)?;
            __ctx.record_sink(#label, __n);
        }),
        Role::Sink(Sink::ForEach) => quote!({ let _ = #states; }),
        Role::Sink(Sink::WriteText) => {
            quote!(#rt::sink::text::commit_text(__ctx, &#sink_var, #states)?)
        }
        Role::Sink(Sink::WriteCsv) => {
            quote!(#rt::sink::csv::commit_csv(__ctx, &#sink_var, #states)?)
        }
        Role::Sink(Sink::WriteJson) => {
            quote!(#rt::sink::json::commit_json(__ctx, &#sink_var, #states)?)
        }
        _ => unreachable!("not a terminal"),
    };
    match node.sink {
        Some(s) => {
            let r = result(s);
            quote!(let #r = #value;)
        }
        None => {
            let d = dataset(id);
            quote!(let #d = #value;)
        }
    }
}
