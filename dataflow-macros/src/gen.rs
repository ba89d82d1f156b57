//! The vocabulary shared by every code generator: runtime paths spanned on user tokens, the
//! names of generated variables, and owning records that borrow a line.

use crate::ast::Call;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

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

/// The `static` describing operator `id` (its name and source location, for errors).
pub fn op_static(id: usize) -> Ident {
    format_ident!("__DF_OP_{}", id)
}

/// The `static` describing the `key_by` in front of operator `id`.
pub fn key_static(id: usize) -> Ident {
    format_ident!("__DF_KEY_{}", id)
}

/// The output variable of a fused operator.
pub fn value(id: usize) -> Ident {
    format_ident!("__v{}", id)
}

/// The partitions a terminal hands to the stage that reads them.
pub fn dataset(id: usize) -> Ident {
    format_ident!("__ds{}", id)
}

/// The materialized input `port` of a multi-input operator.
pub fn input_of(id: usize, port: usize) -> Ident {
    format_ident!("__in{}_{}", id, port)
}

/// The job's result number `sink`.
pub fn result(sink: usize) -> Ident {
    format_ident!("__out{}", sink)
}

/// `BadRecordPolicy::Skip` or `Fail` from a source's `bad_records = ...` option.
pub fn bad_record_policy(call: &Call) -> TokenStream {
    let rt = rt();
    match call.option("bad_records") {
        Some(syn::Expr::Path(p)) if p.path.is_ident("skip") => quote!(#rt::BadRecordPolicy::Skip),
        _ => quote!(#rt::BadRecordPolicy::Fail),
    }
}

/// `record`, owned if it borrows a line: a `&str` becomes a `String`, a tuple of strings and plain
/// values a tuple with `String`s, anything else is moved unchanged. Chosen at compile time by the
/// runtime's `own::KeepProbe`, so it costs nothing for records that are already owned.
pub fn keep(span: Span, record: TokenStream) -> TokenStream {
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

/// The key closure `f` applied to `record` under operator `op`'s guard. The key may borrow the
/// record (`|c| c.name.as_str()`); one that is not `Hash + Eq` is reported on the closure.
pub fn key_of(span: Span, op: &Ident, record: TokenStream, f: &syn::Expr) -> TokenStream {
    let rt = rt_at(span);
    quote_spanned!(span=> #rt::aggregate::key::key_by(&#op, #record, #f))
}

/// The line and (1-based) column where a token starts, as `explain()`, metrics and errors show
/// operators. Through proc-macro2's span locations, so that the passes also run in unit tests.
pub fn line_col(span: Span) -> (usize, usize) {
    let start = span.start();
    (start.line, start.column + 1)
}
