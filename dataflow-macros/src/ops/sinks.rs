//! Sinks: each ends a chain and contributes one value to the job's result.

use super::{Inputs, OpSpec, Role, TerminalGen};
use crate::gen::{keep, op_static, respan, rt, rt_at};
use crate::plan::label;
use crate::validate::{Graph, Node};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Index;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sink {
    Collect,
    Print,
    ForEach,
    WriteText,
    WriteCsv,
    WriteJson,
    WriteParquet,
    CollectRecordBatches,
}

pub const OPS: &[OpSpec] = &[
    OpSpec {
        name: "collect",
        flink: "collect",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Sink::Collect),
        min_args: 0,
        max_args: 0,
        usage: "collect() or collect::<HashMap<_, _>>()",
        options: &[],
    },
    OpSpec {
        name: "print",
        flink: "print",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Sink::Print),
        min_args: 0,
        max_args: 0,
        usage: "print()",
        options: &[],
    },
    OpSpec {
        name: "for_each",
        flink: "output(OutputFormat)",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Sink::ForEach),
        min_args: 1,
        max_args: 1,
        usage: "for_each(|x| ...)",
        options: &[],
    },
    OpSpec {
        name: "write_text",
        flink: "writeAsText",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Sink::WriteText),
        min_args: 1,
        max_args: 1,
        usage: "write_text(\"out.txt\")",
        options: &["sync"],
    },
    OpSpec {
        name: "write_csv",
        flink: "writeAsCsv",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Sink::WriteCsv),
        min_args: 1,
        max_args: 1,
        usage: "write_csv(\"out.csv\")",
        options: &["header", "delimiter", "sync"],
    },
    OpSpec {
        name: "write_json",
        flink: "(JSON lines; no DataSet equivalent)",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Sink::WriteJson),
        min_args: 1,
        max_args: 1,
        usage: "write_json(\"out.jsonl\")",
        options: &["sync"],
    },
    OpSpec {
        name: "write_parquet",
        flink: "ParquetOutputFormat (through HadoopOutputFormat)",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Sink::WriteParquet),
        min_args: 1,
        max_args: 1,
        usage: "write_parquet(\"out.parquet\")",
        options: &["sync"],
    },
    OpSpec {
        name: "collect_record_batches",
        flink: "(Arrow; no DataSet equivalent)",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Sink::CollectRecordBatches),
        min_args: 0,
        max_args: 0,
        usage: "collect_record_batches()",
        options: &[],
    },
];

impl Sink {
    fn writes_file(self) -> bool {
        matches!(
            self,
            Sink::WriteText | Sink::WriteCsv | Sink::WriteJson | Sink::WriteParquet
        )
    }

    /// Whether it takes each record by value, to keep it (Arrow batches are built from
    /// buffered records).
    fn keeps_records(self) -> bool {
        matches!(self, Sink::WriteParquet | Sink::CollectRecordBatches)
    }
}

/// The file sink of operator `id`, created before its stage.
fn sink_var(id: usize, span: Span) -> Ident {
    respan(&format_ident!("__sink{}", id), span)
}

impl TerminalGen for Sink {
    fn check(&self, call: &crate::ast::Call, _keyed: bool) -> syn::Result<()> {
        if self.keeps_records() && !cfg!(feature = "parquet") {
            return Err(syn::Error::new(
                call.name.span(),
                format!(
                    "`{}` needs dataflow's `parquet` feature, which is off: remove `default-features = false` from the `dataflow` dependency, or add `features = [\"parquet\"]`",
                    call.name
                ),
            ));
        }
        Ok(())
    }

    fn is_result(&self, _node: &Node) -> bool {
        true
    }

    fn ends_chain(&self) -> bool {
        true
    }

    fn prepare(&self, g: &Graph, id: usize) -> TokenStream {
        let rt = rt();
        let node = &g.nodes[id];
        if !self.writes_file() {
            return TokenStream::new();
        }
        let sink = sink_var(id, Span::call_site());
        let path = node.call.arg(0);
        let op = op_static(id);
        let ty = match self {
            Sink::WriteText => quote!(text::TextSink),
            Sink::WriteJson => quote!(json::JsonSink),
            Sink::WriteParquet => quote!(parquet::ParquetSink),
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

    fn init(&self, _g: &Graph, id: usize) -> TokenStream {
        let rt = rt();
        match self {
            Sink::Collect => quote!(::std::vec::Vec::new()),
            Sink::Print => quote!(#rt::sink::print::PrintBuffer::new()),
            Sink::ForEach => quote!(()),
            Sink::CollectRecordBatches => quote!(#rt::arrow::batches::BatchPart::new()),
            Sink::WriteText | Sink::WriteCsv | Sink::WriteJson | Sink::WriteParquet => {
                let sink = sink_var(id, Span::call_site());
                quote!(#rt::sink::FileSink::part(&#sink))
            }
        }
    }

    fn push(&self, g: &Graph, id: usize, field: &Index, input: &Ident, own: bool) -> TokenStream {
        let node = &g.nodes[id];
        let op = op_static(id);
        let span = node.call.name.span();
        let rt = rt_at(span);
        let input = &respan(input, span);
        match self {
            Sink::Collect => {
                let kept = if own {
                    keep(span, quote!(#input))
                } else {
                    quote!(#input)
                };
                quote_spanned!(span=> __local.#field.push(#kept);)
            }
            // By value, owned if it borrows a source's buffer; `Serialize` is user code.
            Sink::WriteParquet | Sink::CollectRecordBatches => {
                let kept = if own {
                    keep(span, quote!(#input))
                } else {
                    quote!(#input)
                };
                quote_spanned!(span=> #rt::guard::guard(&#op, || __local.#field.write(#kept));)
            }
            // `Display`, `Debug` and `Serialize` impls are user code too.
            Sink::Print | Sink::WriteText | Sink::WriteCsv | Sink::WriteJson => {
                quote_spanned!(span=> #rt::guard::guard(&#op, || __local.#field.write(&#input));)
            }
            Sink::ForEach => {
                let f = node.call.arg(0);
                quote_spanned!(span=> #rt::guard::call::map(&#op, #input, #f);)
            }
        }
    }

    fn finish(&self, g: &Graph, id: usize, states: &Ident, _partitioned: bool) -> TokenStream {
        let node = &g.nodes[id];
        let span = node.call.name.span();
        let rt = rt_at(span);
        let states = &respan(states, span);
        let sink = sink_var(id, span);
        let label = label(node);
        match self {
            Sink::Collect => collected(node, quote!(#rt::sink::concat(#states))),
            Sink::Print => quote!({
                let __n = #rt::sink::print::print_all(#states)?;
                __ctx.record_sink(#label, __n);
            }),
            Sink::ForEach => quote!({ let _ = #states; }),
            Sink::CollectRecordBatches => {
                quote!(#rt::arrow::batches::finish_record_batches(__ctx, #label, #states)?)
            }
            Sink::WriteText | Sink::WriteCsv | Sink::WriteJson | Sink::WriteParquet => {
                quote!(#rt::sink::FileSink::commit(&#sink, __ctx, #states)?)
            }
        }
    }

    fn explain(&self, g: &Graph, id: usize) -> String {
        format!("{} => job result", label(&g.nodes[id]))
    }

    /// `collect()` right after a global sort returns the sort's `Vec` as it is.
    fn finish_whole(&self, g: &Graph, id: usize, all: TokenStream) -> Option<TokenStream> {
        let node = &g.nodes[id];
        (*self == Sink::Collect).then(|| {
            collected(
                node,
                quote!({
                    let __all = #all;
                    __ctx.record_stage_input(__all.len() as u64);
                    __all
                }),
            )
        })
    }
}

/// `collect`'s value from `all`, every record in order as a `Vec`: that `Vec`, or the
/// collection its turbofish names.
fn collected(node: &Node, all: TokenStream) -> TokenStream {
    let span = node.call.name.span();
    let label = label(node);
    let all = quote!({
        let __all: ::std::vec::Vec<_> = #all;
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
