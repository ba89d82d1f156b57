//! Aggregations as stage terminals: per-task combiners (keyed) or accumulators (global), merged
//! after the loop. Keyed results are partitions by key hash; global ones a value.

use super::*;
use crate::gen::{keep, key_static, op_static, rt};
use crate::ops::TerminalGen;
use crate::plan::label;
use crate::validate::{Graph, Node};
use proc_macro2::Span;
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::Index;

impl Aggregation {
    /// Whether the aggregation runs per key (after `key_by`, or `distinct` keyed by the record).
    fn is_keyed(self, node: &Node) -> bool {
        node.key.is_some() || self == Distinct
    }

    /// The value a record contributes to the aggregation, and the aggregation's constructor.
    fn value_and_ctor(self, node: &Node, id: usize, input: &Ident) -> (TokenStream, TokenStream) {
        let rt = rt();
        match self {
            Distinct if node.key.is_some() => {
                (quote!(#input), quote!(#rt::aggregate::KeepFirst::new()))
            }
            Distinct => (quote!(()), quote!(#rt::aggregate::Count)),
            _ => value_and_ctor_of(&node.call, self, &op_static(id).into_token_stream(), input),
        }
    }

    /// Whether the aggregation keeps whole records beyond the loop, rather than values computed
    /// from them: those records are owned in stages that read files. (A value such as
    /// `min(|l| &l[..3])` is not owned: the fused path of `min(|m| m.temperature)` stays as it was.)
    fn keeps_records(self, node: &Node) -> bool {
        match self {
            Distinct => node.key.is_some(),
            _ => components(&node.call, self).iter().any(|c| match c.kind {
                Count | Sum | Avg | Statistics | Distinct | Aggregate => false,
                Variance | Stddev | Corr => false,
                Min | Max | Median => c.args.is_empty(),
                Quantile => c.args.len() == 1,
                // The values themselves are kept (a set, a heap): `count_distinct(|l| &l[..3])`
                // over `read_text` keeps `String`s.
                CountDistinct | Top => true,
                Reduce | Fold | MinBy | MaxBy | First | ReduceGroup | CombineGroup | TopBy
                | BottomBy => true,
            }),
        }
    }
}

impl TerminalGen for Aggregation {
    fn check(&self, call: &Call, keyed: bool) -> syn::Result<()> {
        if self.keyed_only() && !keyed {
            return Err(syn::Error::new(call.name.span(), format!(
                "`{}` works per key: add `-> key_by(|x| key)` before it (use `key_by(|_| ())` for one group over everything)",
                call.name)));
        }
        if matches!(self, First | ReduceGroup | CombineGroup) {
            sort_contract(call)?;
        }
        if *self == Aggregate {
            check_named_results(call)?;
            for arg in component_exprs(call) {
                parse_component(arg).map_err(|m| syn::Error::new(arg.span(), m))?;
            }
        }
        for c in components(call, *self) {
            if c.kind == Quantile {
                check_quantile_literal(c.args[0])?;
            }
        }
        Ok(())
    }

    fn is_result(&self, node: &Node) -> bool {
        node.key.is_none()
    }

    fn is_keyed_operator(&self) -> bool {
        true
    }

    fn partitioned_by_first_field(&self, node: &Node) -> bool {
        node.key.is_some()
            && matches!(
                self,
                Count
                    | Sum
                    | Min
                    | Max
                    | Avg
                    | Statistics
                    | Reduce
                    | Fold
                    | Aggregate
                    | Median
                    | Quantile
                    | Variance
                    | Stddev
                    | Corr
                    | CountDistinct
                    | Top
            )
    }

    fn yields_one_record(&self, node: &Node) -> bool {
        !self.is_keyed(node)
            && matches!(
                self,
                Count | Sum | Statistics | Aggregate | Fold | CountDistinct
            )
    }

    fn init(&self, g: &Graph, id: usize) -> TokenStream {
        let rt = rt();
        let node = &g.nodes[id];
        let combiner = if self.is_keyed(node) {
            quote!(#rt::aggregate::KeyedCombiner::new())
        } else {
            quote!(#rt::aggregate::GlobalCombiner::new())
        };
        // Aggregations without user closures are built up front; the others on the task's
        // first record, typed by it (see `needs_witness`).
        let agg = if *self == Distinct || !needs_witness(&node.call, *self) {
            // Only the constructor is needed here; the value expression is discarded.
            let (_, ctor) = self.value_and_ctor(node, id, &format_ident!("__unused"));
            quote!(::core::option::Option::Some(#ctor))
        } else {
            quote!(::core::option::Option::None)
        };
        quote!((#combiner, #agg))
    }

    fn push(&self, g: &Graph, id: usize, field: &Index, input: &Ident, own: bool) -> TokenStream {
        let node = &g.nodes[id];
        let op = op_static(id).into_token_stream();
        let span = node.call.name.span();
        let rt = rt_at(span);
        let input = &respan(input, span);
        let (val, ctor) = self.value_and_ctor(node, id, input);
        let val = if own && self.keeps_records(node) {
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
            None if *self == Distinct => quote!(let __key = #input;),
            None => quote!(),
        };
        // `&str` and `&String` keys are looked up borrowed (see the runtime's `aggregate::key`).
        let lookup = quote_spanned!(span=>
            let __probe = #rt::aggregate::key::KeyProbe(__key);
            let __lookup = {
                // Each key type uses one of the three.
                #[allow(unused_imports)]
                use #rt::aggregate::key::{BorrowedStrProbe as _, BorrowedPartsProbe as _, OwnedProbe as _};
                (&__probe).lookup_kind()
            }
            .wrap(__probe);
        );
        if node.key.is_some() && moves_record(&node.call, *self) {
            // The key may borrow the record that becomes the value: look it up (owning it if
            // new) first, then move the record.
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
        let update = if self.is_keyed(node) {
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

    fn finish(&self, g: &Graph, id: usize, states: &Ident, _partitioned: bool) -> TokenStream {
        let node = &g.nodes[id];
        // Errors in the merge (a key that is not `Hash`, a value that cannot be summed) belong
        // to the operator (or its `key_by`), not to the whole macro.
        let span = node
            .key
            .as_ref()
            .map_or(node.call.name.span(), |k| k.name.span());
        let rt = rt_at(span);
        let states = &respan(states, span);
        let op = op_static(id).into_token_stream();
        if *self == CombineGroup {
            // Each task's own groups, not merged across tasks.
            return quote!(#rt::guard::guard(&#op, || #rt::aggregate::finish_local_groups(#states)));
        }
        if self.is_keyed(node) {
            // The merge runs user code as well (`reduce`'s function, an overflowing sum).
            return quote!(#rt::guard::guard(&#op, || #rt::aggregate::finish_keyed(#states)));
        }
        let empty = empty_global(&node.call, *self);
        let g = format_ident!("__g");
        let post = finish_global_value(&node.call, *self, &op, &g);
        let shaped = if node.sink.is_some() {
            quote!(#g)
        } else {
            global_as_partitions(*self, &g)
        };
        quote!({
            let #g = #rt::guard::guard(&#op, || #rt::aggregate::finish_global(#states)).unwrap_or_else(|| #empty);
            let #g = #post;
            #shaped
        })
    }

    /// What the exchange produced, unpacked (e.g. `min_by` hands on the record, not
    /// `(key, record)`).
    fn read(&self, g: &Graph, id: usize, record: &Ident, rest: TokenStream) -> TokenStream {
        let node = &g.nodes[id];
        let start = Ident::new("__start", Span::call_site());
        match self {
            Distinct if node.key.is_some() => quote!(let #start = #record.1; #rest),
            Distinct => quote!(let #start = #record.0; #rest),
            _ if node.key.is_some() => keyed_output(
                &node.call,
                *self,
                &op_static(id).into_token_stream(),
                record,
                &start,
                rest,
            ),
            _ => quote!(let #start = #record; #rest),
        }
    }

    fn explain(&self, g: &Graph, id: usize) -> String {
        let node = &g.nodes[id];
        let name = label(node);
        if !self.is_keyed(node) {
            let to = if node.sink.is_some() {
                "job result"
            } else {
                "one record"
            };
            return format!("{name} [per-task accumulators, merged in input order] => {to}");
        }
        if *self == CombineGroup {
            let key = node.key.as_ref().map(label_of).unwrap_or_default();
            return format!(
                "{key} + {name} [groups of each task, not merged across tasks] => each task's groups, no exchange"
            );
        }
        let combiner = if self.combinable(&node.call) {
            "combiner in each task"
        } else {
            "no combiner: whole groups are shipped"
        };
        let key = node
            .key
            .as_ref()
            .map(|k| format!("{} + ", label_of(k)))
            .unwrap_or_default();
        format!(
            "{key}{name} [{combiner}] => exchange: hash(key) into partitions, merged in parallel"
        )
    }
}

/// `aggregate(Name { field: component, ... })` fills every field with a result: no `..rest`,
/// at most [`MAX_COMPONENTS`] fields, at least one.
fn check_named_results(call: &Call) -> syn::Result<()> {
    let Some(s) = named_results(call) else {
        return Ok(());
    };
    let name = s.path.to_token_stream().to_string().replace(' ', "");
    if let Some(rest) = &s.rest {
        return Err(syn::Error::new_spanned(
            rest,
            format!(
                "every field of `{name}` is one of `aggregate`'s results: remove the `..` part and give each field an aggregation such as `count()`"
            ),
        ));
    }
    if s.fields.is_empty() || s.fields.len() > MAX_COMPONENTS {
        return Err(syn::Error::new_spanned(
            &s.path,
            format!(
                "`aggregate({name} {{ .. }})` names 1 to {MAX_COMPONENTS} results, found {}: write e.g. `aggregate({name} {{ n: count(), total: sum(|x| x.amount) }})`",
                s.fields.len()
            ),
        ));
    }
    Ok(())
}

/// A literal `q` of `quantile(q, ...)` outside `[0, 1]` is an error on the literal (a computed
/// one is checked when the job runs, see the runtime's `aggregate::Quantile::new`).
fn check_quantile_literal(q: &Expr) -> syn::Result<()> {
    let (negative, lit) = match q {
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => (true, &**expr),
        other => (false, other),
    };
    let Expr::Lit(syn::ExprLit { lit, .. }) = lit else {
        return Ok(());
    };
    let value = match lit {
        syn::Lit::Float(f) => f.base10_parse::<f64>().ok(),
        syn::Lit::Int(i) => i.base10_parse::<f64>().ok(),
        _ => None,
    };
    match value {
        Some(v) if (negative && v != 0.0) || v > 1.0 => Err(syn::Error::new_spanned(
            q,
            format!(
                "`quantile`'s `q` is a fraction in [0, 1], found {}{}: write e.g. `quantile(0.9, |x| ...)` for the 90th percentile (or `median(...)` for 0.5)",
                if negative { "-" } else { "" },
                lit.to_token_stream()
            ),
        )),
        _ => Ok(()),
    }
}

/// `key_by@line:column`.
fn label_of(key: &Call) -> String {
    let (line, column) = crate::gen::line_col(key.name.span());
    format!("key_by@{line}:{column}")
}

#[cfg(test)]
mod tests {
    /// Every entry of the family names its kind.
    #[test]
    fn every_entry_names_its_kind() {
        for op in super::OPS {
            assert!(
                super::Aggregation::named(op.name).is_some(),
                "`{}`",
                op.name
            );
        }
    }
}
