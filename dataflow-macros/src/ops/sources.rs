//! Sources: collections, iterators, ranges, text files, CSV files, JSON lines, Parquet files
//! and Arrow record batches.

use super::{Inputs, OpSpec, Role, SourceGen};
use crate::ast::Call;
use crate::gen::{bad_record_policy, rt_at};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Collection,
    Iter,
    Range,
    Text,
    Csv,
    Json,
    Parquet,
    RecordBatches,
}

pub const OPS: &[OpSpec] = &[
    OpSpec {
        name: "from_collection",
        flink: "fromCollection",
        inputs: Inputs::None,
        role: Role::Source(&SourceOp(Source::Collection)),
        min_args: 1,
        max_args: 1,
        usage: "from_collection(vec)",
        options: &[],
    },
    OpSpec {
        name: "from_iter",
        flink: "fromCollection(Iterator)",
        inputs: Inputs::None,
        role: Role::Source(&SourceOp(Source::Iter)),
        min_args: 1,
        max_args: 1,
        usage: "from_iter(iterator)",
        options: &[],
    },
    OpSpec {
        name: "range",
        flink: "generateSequence",
        inputs: Inputs::None,
        role: Role::Source(&SourceOp(Source::Range)),
        min_args: 1,
        max_args: 1,
        usage: "range(0..n)",
        options: &[],
    },
    OpSpec {
        name: "read_text",
        flink: "readTextFile",
        inputs: Inputs::None,
        role: Role::Source(&SourceOp(Source::Text)),
        min_args: 1,
        max_args: 1,
        usage: "read_text(\"path, directory or glob\")",
        options: &["bad_records"],
    },
    OpSpec {
        name: "read_csv",
        flink: "readCsvFile",
        inputs: Inputs::None,
        role: Role::Source(&SourceOp(Source::Csv)),
        min_args: 1,
        max_args: 1,
        usage: "read_csv::<Record>(\"path\")",
        options: &["header", "delimiter", "quote", "quoting", "bad_records"],
    },
    OpSpec {
        name: "read_json",
        flink: "(JSON lines; no DataSet equivalent)",
        inputs: Inputs::None,
        role: Role::Source(&SourceOp(Source::Json)),
        min_args: 1,
        max_args: 1,
        usage: "read_json::<Record>(\"path\")",
        options: &["bad_records"],
    },
    OpSpec {
        name: "read_parquet",
        flink: "ParquetInputFormat (through HadoopInputFormat)",
        inputs: Inputs::None,
        role: Role::Source(&SourceOp(Source::Parquet)),
        min_args: 1,
        max_args: 1,
        usage: "read_parquet::<Record>(\"path, directory or glob\")",
        options: &[],
    },
    OpSpec {
        name: "from_record_batches",
        flink: "(Arrow; no DataSet equivalent)",
        inputs: Inputs::None,
        role: Role::Source(&SourceOp(Source::RecordBatches)),
        min_args: 1,
        max_args: 1,
        usage: "from_record_batches::<Record>(batches)",
        options: &[],
    },
];

/// The generator of every source: one driver call each.
pub struct SourceOp(pub Source);

impl SourceGen for SourceOp {
    fn drive(
        &self,
        call: &Call,
        op: &TokenStream,
        init: &TokenStream,
        body: &TokenStream,
    ) -> TokenStream {
        drive(self.0, call, op, init, body)
    }

    fn borrows_buffer(&self) -> bool {
        matches!(self.0, Source::Text | Source::Csv)
    }
}

/// The call that drives a stage over this source: `driver(ctx, &OP, input, init, body)`.
fn drive(
    kind: Source,
    call: &Call,
    op: &TokenStream,
    init: &TokenStream,
    body: &TokenStream,
) -> TokenStream {
    // Spanned on the source, so that a type mismatch between the input and the first closure
    // is reported on the source rather than on the whole macro.
    let span = call.name.span();
    let rt = rt_at(span);
    let input = call.arg(0);
    let call_tokens = match kind {
        Source::Collection => quote!(#rt::driver::drive_indexed(__ctx, &#op, #input, #init, #body)),
        Source::Range => quote!(#rt::driver::drive_range(__ctx, &#op, #input, #init, #body)),
        Source::Iter => quote!(#rt::driver::drive_iter(__ctx, &#op, #input, #init, #body)),
        Source::Text => {
            let policy = bad_record_policy(call);
            quote!(#rt::source::text::drive_lines(
                __ctx, &#op, &#rt::source::text::TextSource::new(#input).bad_records(#policy), #init, #body))
        }
        Source::Csv => {
            let policy = bad_record_policy(call);
            let mut source = quote!(#rt::source::csv::CsvSource::new(#input).bad_records(#policy));
            for option in ["header", "delimiter", "quote", "quoting"] {
                if let Some(value) = call.option(option) {
                    let method = syn::Ident::new(option, proc_macro2::Span::call_site());
                    source = quote!(#source.#method(#value));
                }
            }
            // A record type that borrows (`Lineitem<'_>`, `(&str, u64)`) reads through a
            // `CsvRecord` family: a marker whose `Record<'de>` is the type with its lifetimes
            // made `'de`, so each record borrows the buffer for one call of the body.
            let borrowed = call.generics.as_ref().and_then(|g| match g.args.first() {
                Some(syn::GenericArgument::Type(ty)) if g.args.len() == 1 => {
                    let mut ty = ty.clone();
                    let de = syn::Lifetime::new("'de", span);
                    relifetime(&mut ty, &de).then_some(ty)
                }
                _ => None,
            });
            if let Some(ty) = borrowed {
                return quote_spanned!(span=> {
                    struct __CsvRecord;
                    impl #rt::source::csv::CsvRecord for __CsvRecord {
                        type Record<'de> = #ty;
                    }
                    #rt::source::csv::drive_csv_records::<__CsvRecord, _, _, _>(
                        __ctx, &#op, &#source, #init, #body)
                });
            }
            let record = call
                .generics
                .as_ref()
                .map(|g| {
                    let args = &g.args;
                    quote!(::<#args, _, _, _>)
                })
                .unwrap_or_default();
            quote!(#rt::source::csv::drive_csv #record(__ctx, &#op, &#source, #init, #body))
        }
        Source::Json => {
            let policy = bad_record_policy(call);
            let source = quote!(#rt::source::json::JsonSource::new(#input).bad_records(#policy));
            let record = call
                .generics
                .as_ref()
                .map(|g| {
                    let args = &g.args;
                    quote!(::<#args, _, _, _>)
                })
                .unwrap_or_default();
            quote!(#rt::source::json::drive_json #record(__ctx, &#op, &#source, #init, #body))
        }
        Source::Parquet | Source::RecordBatches if !cfg!(feature = "parquet") => {
            let message = format!(
                "`{}` needs dataflow's `parquet` feature, which is off: remove `default-features = false` from the `dataflow` dependency, or add `features = [\"parquet\"]`",
                call.name
            );
            // On the operator's name, where the user looks.
            quote_spanned!(span=> ::core::compile_error!(#message))
        }
        Source::Parquet => {
            let source = quote!(#rt::source::parquet::ParquetSource::new(#input));
            let record = record_type(call, 3);
            quote!(#rt::source::parquet::drive_parquet #record(__ctx, &#op, &#source, #init, #body))
        }
        Source::RecordBatches => {
            let record = record_type(call, 4);
            quote!(#rt::arrow::batches::drive_record_batches #record(__ctx, &#op, #input, #init, #body))
        }
    };
    quote_spanned!(span=> #call_tokens)
}

/// `::<Record, _, ...>` for a driver whose first type parameter is the record type, followed
/// by `inferred` more; nothing when the call names no type.
fn record_type(call: &Call, inferred: usize) -> TokenStream {
    match &call.generics {
        Some(g) => {
            let args = &g.args;
            let rest = (0..inferred).map(|_| quote!(_));
            quote!(::<#args, #(#rest),*>)
        }
        None => TokenStream::new(),
    }
}

/// Makes every lifetime of `ty` but `'static`, named, `'_` or elided in a reference, `de`;
/// returns whether there was one, that is whether the type borrows.
fn relifetime(ty: &mut syn::Type, de: &syn::Lifetime) -> bool {
    use syn::{GenericArgument, PathArguments, Type};
    let lifetime = |l: &mut syn::Lifetime| {
        let borrows = l.ident != "static";
        if borrows {
            *l = de.clone();
        }
        borrows
    };
    let mut found = false;
    match ty {
        Type::Reference(r) => {
            match &mut r.lifetime {
                Some(l) => found |= lifetime(l),
                None => {
                    r.lifetime = Some(de.clone());
                    found = true;
                }
            }
            found |= relifetime(&mut r.elem, de);
        }
        Type::Path(p) => {
            if let Some(q) = &mut p.qself {
                found |= relifetime(&mut q.ty, de);
            }
            for segment in &mut p.path.segments {
                if let PathArguments::AngleBracketed(args) = &mut segment.arguments {
                    for arg in &mut args.args {
                        match arg {
                            GenericArgument::Lifetime(l) => found |= lifetime(l),
                            GenericArgument::Type(t) => found |= relifetime(t, de),
                            _ => {}
                        }
                    }
                }
            }
        }
        Type::Tuple(t) => {
            for elem in &mut t.elems {
                found |= relifetime(elem, de);
            }
        }
        Type::Array(a) => found |= relifetime(&mut a.elem, de),
        Type::Slice(s) => found |= relifetime(&mut s.elem, de),
        Type::Paren(p) => found |= relifetime(&mut p.elem, de),
        Type::Group(g) => found |= relifetime(&mut g.elem, de),
        _ => {}
    }
    found
}
