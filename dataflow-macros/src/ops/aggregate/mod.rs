//! Aggregations. After `key_by` they run per key, with a combiner before the exchange; without
//! it they run over the whole data set, and at the end of a chain they are sinks that return
//! their value (`-> count()` returns a `u64`).

mod terminal;

use super::{Inputs, OpSpec, Role};
use crate::ast::Call;
use crate::gen::{respan, rt_at};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Expr;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregation {
    Count,
    Sum,
    Min,
    Max,
    Avg,
    Statistics,
    Reduce,
    Fold,
    Aggregate,
    MinBy,
    MaxBy,
    First,
    ReduceGroup,
    CombineGroup,
    Distinct,
    Median,
    Quantile,
    Variance,
    Stddev,
    Corr,
    CountDistinct,
    Top,
    TopBy,
    BottomBy,
}

use Aggregation::*;

pub const OPS: &[OpSpec] = &[
    OpSpec {
        name: "count",
        flink: "count / aggregate(COUNT)",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Count),
        min_args: 0,
        max_args: 0,
        usage: "count()",
        options: &[],
    },
    OpSpec {
        name: "sum",
        flink: "sum / aggregate(SUM)",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Sum),
        min_args: 0,
        max_args: 1,
        usage: "sum(|x: &T| value)",
        options: &[],
    },
    OpSpec {
        name: "min",
        flink: "min / aggregate(MIN)",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Min),
        min_args: 0,
        max_args: 1,
        usage: "min(|x: &T| value)",
        options: &[],
    },
    OpSpec {
        name: "max",
        flink: "max / aggregate(MAX)",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Max),
        min_args: 0,
        max_args: 1,
        usage: "max(|x: &T| value)",
        options: &[],
    },
    OpSpec {
        name: "avg",
        flink: "(average; no direct Flink equivalent)",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Avg),
        min_args: 0,
        max_args: 1,
        usage: "avg(|x: &T| number)",
        options: &[],
    },
    OpSpec {
        name: "statistics",
        flink: "(DataSetUtils.summarize)",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Statistics),
        min_args: 0,
        max_args: 1,
        usage: "statistics(|x: &T| number)",
        options: &[],
    },
    OpSpec {
        name: "reduce",
        flink: "reduce",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Reduce),
        min_args: 1,
        max_args: 1,
        usage: "reduce(|a, b| ...)",
        options: &[],
    },
    OpSpec {
        name: "fold",
        flink: "reduceGroup / combineGroup (fold)",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Fold),
        min_args: 2,
        max_args: 3,
        usage: "fold(init, |acc, x| ...)` or `fold(init, |acc, x| ..., |acc1, acc2| ..., identity = value)",
        options: &["identity"],
    },
    OpSpec {
        name: "aggregate",
        flink: "aggregate(..).and(..)",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Aggregate),
        min_args: 1,
        max_args: MAX_COMPONENTS,
        usage: "aggregate(count(), sum(|x: &T| ...), ...)",
        options: &[],
    },
    OpSpec {
        name: "min_by",
        flink: "minBy",
        inputs: Inputs::Chain,
        role: Role::Terminal(&MinBy),
        min_args: 1,
        max_args: 1,
        usage: "min_by(|x: &T| value)",
        options: &[],
    },
    OpSpec {
        name: "max_by",
        flink: "maxBy",
        inputs: Inputs::Chain,
        role: Role::Terminal(&MaxBy),
        min_args: 1,
        max_args: 1,
        usage: "max_by(|x: &T| value)",
        options: &[],
    },
    OpSpec {
        name: "first",
        flink: "first(n)",
        inputs: Inputs::Chain,
        role: Role::Terminal(&First),
        min_args: 1,
        max_args: 1,
        usage: "first(n)",
        options: &["sort_by", "descending"],
    },
    OpSpec {
        name: "reduce_group",
        flink: "reduceGroup",
        inputs: Inputs::Chain,
        role: Role::Terminal(&ReduceGroup),
        min_args: 1,
        max_args: 1,
        usage: "reduce_group(|key: &K, values: Vec<T>| iterator)",
        options: &["sort_by", "descending"],
    },
    OpSpec {
        name: "combine_group",
        flink: "combineGroup",
        inputs: Inputs::Chain,
        role: Role::Terminal(&CombineGroup),
        min_args: 1,
        max_args: 1,
        usage: "combine_group(|key: &K, values: Vec<T>| iterator)",
        options: &["sort_by", "descending"],
    },
    OpSpec {
        name: "distinct",
        flink: "distinct",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Distinct),
        min_args: 0,
        max_args: 0,
        usage: "distinct()",
        options: &[],
    },
    OpSpec {
        name: "median",
        flink: "(none; SQL's MEDIAN)",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Median),
        min_args: 0,
        max_args: 1,
        usage: "median(|x: &T| number)",
        options: &[],
    },
    OpSpec {
        name: "quantile",
        flink: "(none; SQL's PERCENTILE_CONT)",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Quantile),
        min_args: 1,
        max_args: 2,
        usage: "quantile(q, |x: &T| number)` with `q` in [0, 1]",
        options: &[],
    },
    OpSpec {
        name: "variance",
        flink: "(none; SQL's VAR_SAMP)",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Variance),
        min_args: 0,
        max_args: 1,
        usage: "variance(|x: &T| number)",
        options: &[],
    },
    OpSpec {
        name: "stddev",
        flink: "(none; SQL's STDDEV_SAMP)",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Stddev),
        min_args: 0,
        max_args: 1,
        usage: "stddev(|x: &T| number)",
        options: &[],
    },
    OpSpec {
        name: "corr",
        flink: "(none; SQL's CORR)",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Corr),
        min_args: 2,
        max_args: 2,
        usage: "corr(|x: &T| number, |x: &T| number)",
        options: &[],
    },
    OpSpec {
        name: "count_distinct",
        flink: "(none; SQL's COUNT(DISTINCT))",
        inputs: Inputs::Chain,
        role: Role::Terminal(&CountDistinct),
        min_args: 0,
        max_args: 1,
        usage: "count_distinct(|x: &T| value)",
        options: &[],
    },
    OpSpec {
        name: "top",
        flink: "(none; first(n) after sortGroup, descending)",
        inputs: Inputs::Chain,
        role: Role::Terminal(&Top),
        min_args: 1,
        max_args: 2,
        usage: "top(n, |x: &T| value)",
        options: &[],
    },
    OpSpec {
        name: "top_by",
        flink: "sortPartition(..).first(n) / sortGroup(..).first(n), descending",
        inputs: Inputs::Chain,
        role: Role::Terminal(&TopBy),
        min_args: 2,
        max_args: 2,
        usage: "top_by(n, |x: &T| key)",
        options: &[],
    },
    OpSpec {
        name: "bottom_by",
        flink: "sortPartition(..).first(n) / sortGroup(..).first(n), ascending",
        inputs: Inputs::Chain,
        role: Role::Terminal(&BottomBy),
        min_args: 2,
        max_args: 2,
        usage: "bottom_by(n, |x: &T| key)",
        options: &[],
    },
];

/// The most components `aggregate(...)` takes (the runtime implements tuples up to this size).
pub const MAX_COMPONENTS: usize = 16;

/// The aggregations that may stand inside `aggregate(...)`.
pub const COMPONENTS: &[&str] = &[
    "count",
    "sum",
    "min",
    "max",
    "avg",
    "statistics",
    "reduce",
    "min_by",
    "max_by",
    "median",
    "quantile",
    "variance",
    "stddev",
    "corr",
    "count_distinct",
    "top",
];

impl Aggregation {
    /// The aggregation called `name` (the catalogue's entries name their kind).
    pub fn named(name: &str) -> Option<Aggregation> {
        Some(match name {
            "count" => Count,
            "sum" => Sum,
            "min" => Min,
            "max" => Max,
            "avg" => Avg,
            "statistics" => Statistics,
            "reduce" => Reduce,
            "fold" => Fold,
            "aggregate" => Aggregate,
            "min_by" => MinBy,
            "max_by" => MaxBy,
            "first" => First,
            "reduce_group" => ReduceGroup,
            "combine_group" => CombineGroup,
            "distinct" => Distinct,
            "median" => Median,
            "quantile" => Quantile,
            "variance" => Variance,
            "stddev" => Stddev,
            "corr" => Corr,
            "count_distinct" => CountDistinct,
            "top" => Top,
            "top_by" => TopBy,
            "bottom_by" => BottomBy,
            _ => return None,
        })
    }

    /// Whether the operator needs `key_by` before it.
    pub fn keyed_only(self) -> bool {
        matches!(self, ReduceGroup | CombineGroup)
    }

    /// Whether a combiner pre-aggregates before the exchange (shown by `explain`).
    pub fn combinable(self, call: &Call) -> bool {
        match self {
            ReduceGroup | CombineGroup => false,
            Fold => call.positional().count() == 3,
            _ => true,
        }
    }
}

/// One aggregation with its arguments: a top-level operator or a component of `aggregate(...)`.
pub struct Component<'a> {
    pub kind: Aggregation,
    pub name: &'a Ident,
    pub args: Vec<&'a Expr>,
    /// `fold`'s `identity = ...` option (components of `aggregate` take no options).
    pub identity: Option<&'a Expr>,
    /// `first`'s `sort_by = |x| key` option: the first `n` records of each group in that order.
    pub sort_by: Option<&'a Expr>,
    /// Its `descending = bool` option.
    pub descending: Option<&'a Expr>,
}

/// The components of an `aggregate(...)` call, or the operator itself.
pub fn components(call: &Call, kind: Aggregation) -> Vec<Component<'_>> {
    if kind != Aggregate {
        return vec![Component {
            kind,
            name: &call.name,
            args: call.positional().collect(),
            identity: call.option("identity"),
            sort_by: call.option("sort_by"),
            descending: call.option("descending"),
        }];
    }
    component_exprs(call)
        .into_iter()
        .map(|e| parse_component(e).expect("validated"))
        .collect()
}

/// `aggregate(Name { field: component, ... })`: the struct literal that names the results,
/// when the call is written that way (the results then fill the user's struct instead of a
/// tuple).
pub fn named_results(call: &Call) -> Option<&syn::ExprStruct> {
    let mut args = call.positional();
    match (args.next(), args.next()) {
        (Some(Expr::Struct(s)), None) => Some(s),
        _ => None,
    }
}

/// The components of `aggregate(...)` as written: its arguments, or its struct literal's fields.
pub fn component_exprs(call: &Call) -> Vec<&Expr> {
    match named_results(call) {
        Some(s) => s.fields.iter().map(|f| &f.expr).collect(),
        None => call.positional().collect(),
    }
}

/// `value`, the tuple of an `aggregate`'s results, as the user's struct when the call names
/// them; `value` itself otherwise. Each field is set on the user's field token, so a result
/// whose type does not fit the field is reported there.
pub fn name_results(call: &Call, value: TokenStream) -> TokenStream {
    let Some(s) = named_results(call) else {
        return value;
    };
    let path = &s.path;
    let fields = s.fields.iter().enumerate().map(|(i, f)| {
        let span = syn::spanned::Spanned::span(&f.member);
        // Every token of `__results.i` on the user's field, so that a result whose type does
        // not fit the field is reported there rather than on the whole macro.
        let (member, i) = (
            &f.member,
            syn::Index {
                index: i as u32,
                span,
            },
        );
        quote_spanned!(span=> #member: __results.#i)
    });
    quote!({
        let __results = #value;
        #path { #(#fields,)* }
    })
}

/// Reads `sum(|x| ...)` inside `aggregate(...)`; `Err` carries the message for validate.
pub fn parse_component(e: &Expr) -> Result<Component<'_>, String> {
    let Expr::Call(c) = e else {
        return Err(
            "each argument of `aggregate` is an aggregation such as `count()` or `sum(|x| ...)`"
                .into(),
        );
    };
    let Expr::Path(p) = &*c.func else {
        return Err("expected an aggregation name such as `sum`".into());
    };
    let name = p
        .path
        .get_ident()
        .ok_or("expected an aggregation name such as `sum`")?;
    let spec = super::lookup(&name.to_string()).filter(|s| COMPONENTS.contains(&s.name));
    let Some(spec) = spec else {
        return Err(format!(
            "`{name}` cannot be used inside `aggregate`; use one of: {}",
            COMPONENTS.join(", ")
        ));
    };
    let kind = Aggregation::named(spec.name).expect("a component is an aggregation");
    let args: Vec<&Expr> = c.args.iter().collect();
    if args.len() < spec.min_args || args.len() > spec.max_args {
        let takes = if spec.min_args == spec.max_args {
            spec.max_args.to_string()
        } else {
            format!("{} or {}", spec.min_args, spec.max_args)
        };
        return Err(format!(
            "inside `aggregate`, `{name}` takes {takes} argument{}, found {}: write `{}`",
            if spec.max_args == 1 { "" } else { "s" },
            args.len(),
            spec.usage
        ));
    }
    Ok(Component {
        kind,
        name,
        args,
        identity: None,
        sort_by: None,
        descending: None,
    })
}

/// The value one record contributes (computed from `input`), and the aggregation object, built
/// from `witness` (a reference to that value) so that user closures are typed by it.
pub fn value_and_ctor(
    c: &Component,
    op: &TokenStream,
    input: &Ident,
    clone_input: bool,
    witness: TokenStream,
) -> (TokenStream, TokenStream) {
    let rt = rt_at(c.name.span());
    let input = &respan(input, c.name.span());
    let span = c.name.span();
    let whole = if clone_input {
        quote!(::core::clone::Clone::clone(&#input))
    } else {
        quote!(#input)
    };
    let agg = quote!(#rt::aggregate);
    let extract = |f: &Expr| quote_spanned!(span=> #rt::guard::call::extract(&#op, &#input, #f));
    // The value closure is argument `i` (after `q` or `n` for `quantile` and `top`); without
    // it the record itself is the value.
    let value_at = |i: usize| {
        c.args
            .get(i)
            .map(|f| extract(f))
            .unwrap_or_else(|| whole.clone())
    };
    let value_or_whole = || value_at(0);
    match c.kind {
        Count => (quote!(()), quote!(#agg::Count)),
        Sum => (value_or_whole(), quote!(#agg::Sum::new())),
        Min => (value_or_whole(), quote!(#agg::Min::new())),
        Max => (value_or_whole(), quote!(#agg::Max::new())),
        Avg => (value_or_whole(), quote!(#agg::Avg)),
        Statistics => (value_or_whole(), quote!(#agg::Stats)),
        Reduce => {
            let f = c.args[0];
            (
                whole,
                quote_spanned!(span=> #agg::Reduce::for_value(#witness, |__a, __b| #rt::guard::call::combine(&#op, __a, __b, #f))),
            )
        }
        Fold if c.args.len() == 3 => {
            let (init, step, merge) = (c.args[0], c.args[1], c.args[2]);
            let identity = c.identity.expect("checked by `fold_contract`");
            (
                whole,
                quote_spanned!(span=> #agg::Fold::for_value(#witness, #init, #identity,
                |__a, __x| #rt::guard::call::combine(&#op, __a, __x, #step),
                |__a, __b| #rt::guard::call::combine(&#op, __a, __b, #merge))),
            )
        }
        Fold | ReduceGroup | CombineGroup => (whole, quote!(#agg::Group::new())),
        MinBy | MaxBy => {
            let f = c.args[0];
            let ctor = if c.kind == MinBy {
                format_ident!("min_for")
            } else {
                format_ident!("max_for")
            };
            (
                whole,
                quote_spanned!(span=> #agg::ExtremeBy::#ctor(#witness, |__x| #rt::guard::call::extract(&#op, __x, #f))),
            )
        }
        First if c.sort_by.is_some() => {
            // The first `n` in the order of the key: what `bottom_by` (or, descending,
            // `top_by`) keeps, without sorting the group.
            let n = c.args[0];
            let cmp = crate::ops::order::compare_by(
                c.sort_by.expect("matched"),
                op,
                descending(c.descending),
            );
            (
                whole,
                quote_spanned!(span=> #agg::TopBy::for_value(#witness, #n, #cmp)),
            )
        }
        First => {
            let n = c.args[0];
            (whole, quote_spanned!(span=> #agg::First::new(#n)))
        }
        Distinct => (quote!(()), quote!(#agg::Count)),
        Median => (value_or_whole(), quote!(#agg::Quantile::median())),
        Quantile => {
            let q = c.args[0];
            (value_at(1), quote_spanned!(span=> #agg::Quantile::new(#q)))
        }
        Variance => (value_or_whole(), quote!(#agg::Variance)),
        Stddev => (value_or_whole(), quote!(#agg::Stddev)),
        Corr => {
            let (x, y) = (extract(c.args[0]), extract(c.args[1]));
            (quote!((#x, #y)), quote!(#agg::Corr))
        }
        CountDistinct => (value_or_whole(), quote!(#agg::CountDistinct::new())),
        Top => {
            let n = c.args[0];
            (value_at(1), quote_spanned!(span=> #agg::Top::new(#n)))
        }
        TopBy | BottomBy => {
            let n = c.args[0];
            // `top_by` ranks the largest key first: a descending order.
            let descending = if c.kind == TopBy {
                quote!(true)
            } else {
                quote!(false)
            };
            let cmp = crate::ops::order::compare_by(c.args[1], op, descending);
            (
                whole,
                quote_spanned!(span=> #agg::TopBy::for_value(#witness, #n, #cmp)),
            )
        }
        Aggregate => unreachable!("components are flattened"),
    }
}

/// The `descending = ...` option as a `bool` expression (typed on the user's token).
fn descending(option: Option<&Expr>) -> TokenStream {
    match option {
        Some(d) => {
            quote_spanned!(syn::spanned::Spanned::span(d)=> { let __descending: bool = #d; __descending })
        }
        None => quote!(false),
    }
}

/// `descending = ...` orders by `sort_by = ...`: alone it means nothing, and is an error on it.
pub fn sort_contract(call: &Call) -> Result<(), syn::Error> {
    match call.named().find(|(n, _)| *n == "descending") {
        Some((name, _)) if call.option("sort_by").is_none() => Err(syn::Error::new(
            name.span(),
            format!(
                "`descending` sorts each group by `sort_by`, which `{}` lacks here: add \
                 `sort_by = |x| key` (e.g. `{}(..., sort_by = |x| x.price, descending = true)`)",
                call.name, call.name
            ),
        )),
        _ => Ok(()),
    }
}

/// The combinable `fold`'s contract, checked on the call: with a merge function, partial folds
/// start from the merge's identity and `init` is merged once in front (see the runtime's
/// `aggregate::Fold`), so `identity = ...` is required; without one it means nothing.
/// (Checked here, beside the code it guards; validate's generic check has let the option
/// through, as `fold` lists it.)
pub fn fold_contract(call: &Call) -> Result<(), syn::Error> {
    let merges = call.positional().count() == 3;
    match call.named().find(|(n, _)| *n == "identity") {
        None if merges => Err(syn::Error::new(
            call.name.span(),
            "`fold` with a merge function needs the identity of `merge`, the value each partial \
             fold starts from: write `fold(init, step, merge, identity = value)`, e.g. \
             `identity = 0` for a sum (`init` is then merged once in front of all partial \
             results, so it counts once at every parallelism)",
        )),
        Some((name, _)) if !merges => Err(syn::Error::new(
            name.span(),
            "`identity` is for a `fold` with a merge function (`fold(init, step, merge, \
             identity = value)`); without one, records are folded in input order from `init`: \
             remove `identity = ...`",
        )),
        _ => Ok(()),
    }
}

/// The value and aggregation of a whole operator (a tuple of components for `aggregate`).
pub fn value_and_ctor_of(
    call: &Call,
    kind: Aggregation,
    op: &TokenStream,
    input: &Ident,
) -> (TokenStream, TokenStream) {
    if kind == Fold {
        if let Err(e) = fold_contract(call) {
            return (quote!(()), e.to_compile_error());
        }
    }
    if kind != Aggregate {
        let c = &components(call, kind)[0];
        return value_and_ctor(c, op, input, false, quote!(&__val));
    }
    let (values, ctors): (Vec<_>, Vec<_>) = components(call, kind)
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let i = syn::Index::from(i);
            value_and_ctor(c, op, input, true, quote!(&__val.#i))
        })
        .unzip();
    (quote!((#(#values,)*)), quote!((#(#ctors,)*)))
}

/// Whether the value a record contributes is the record itself, moved into the aggregation.
/// A key may borrow that record (`key_by(|s| s.region.as_str())`), so the generated code then
/// looks the key up, and owns it if it is new, before the record moves (see `expand`).
pub fn moves_record(call: &Call, kind: Aggregation) -> bool {
    match kind {
        Reduce | Fold | ReduceGroup | CombineGroup | MinBy | MaxBy | First | Distinct | TopBy
        | BottomBy => true,
        Sum | Min | Max | Avg | Statistics | Median | Variance | Stddev | CountDistinct => {
            call.positional().next().is_none()
        }
        Quantile | Top => call.positional().count() == 1,
        Corr => false,
        // `aggregate(...)` clones the record for the components that take it whole.
        Count | Aggregate => false,
    }
}

/// Whether building the aggregation needs a sample value (it holds user closures whose
/// parameter types come from the value). The others are built once per task, up front.
pub fn needs_witness(call: &Call, kind: Aggregation) -> bool {
    components(call, kind).iter().any(|c| {
        matches!(c.kind, Reduce | MinBy | MaxBy | TopBy | BottomBy)
            || (c.kind == First && c.sort_by.is_some())
            || (c.kind == Fold && c.args.len() == 3)
    })
}

/// What a global aggregation yields on empty input (its aggregation object may not exist then).
pub fn empty_global(call: &Call, kind: Aggregation) -> TokenStream {
    let one = |c: &Component| -> TokenStream {
        match c.kind {
            Count | CountDistinct => quote!(0u64),
            Sum => quote!(::core::default::Default::default()),
            Statistics => quote!(::core::default::Default::default()),
            Fold if c.args.len() == 3 => {
                let init = c.args[0];
                quote!(#init)
            }
            Fold | First | ReduceGroup | CombineGroup | Top | TopBy | BottomBy => {
                quote!(::std::vec::Vec::new())
            }
            _ => quote!(::core::option::Option::None),
        }
    };
    let parts: Vec<TokenStream> = components(call, kind).iter().map(one).collect();
    if kind == Aggregate {
        quote!((#(#parts,)*))
    } else {
        parts.into_iter().next().expect("one component")
    }
}

/// How a global result becomes a data set when the chain goes on after it.
/// (`fold` is one value with or without a merge function: without one, `finish_global_value`
/// has already folded the collected records.)
pub fn global_as_partitions(kind: Aggregation, value: &Ident) -> TokenStream {
    match kind {
        Count | Sum | Statistics | Aggregate | Fold | CountDistinct => {
            quote!(::std::vec![::std::vec![#value]])
        }
        First | Top | TopBy | BottomBy => quote!(::std::vec![#value]),
        _ => quote!(
            ::std::vec![::core::iter::IntoIterator::into_iter(#value).collect::<::std::vec::Vec<_>>()]
        ),
    }
}

/// Post-processing of a global result that the aggregation object cannot do (fold without a
/// merge function folds the collected records here, in input order).
pub fn finish_global_value(
    call: &Call,
    kind: Aggregation,
    op: &TokenStream,
    value: &Ident,
) -> TokenStream {
    let rt = rt_at(call.name.span());
    if kind == Fold && call.positional().count() == 2 {
        let (init, step) = (call.arg(0), call.arg(1));
        let span = call.name.span();
        return quote_spanned!(span=> ::core::iter::Iterator::fold(::core::iter::IntoIterator::into_iter(#value), #init,
            |__a, __x| #rt::guard::call::combine(&#op, __a, __x, #step)));
    }
    if kind == Aggregate {
        return name_results(call, quote!(#value));
    }
    quote!(#value)
}

/// How a keyed result `(key, out)` is handed to the next operator, as loop-body code binding
/// `output` (or, for several outputs, running `next` once per output). `distinct` is unpacked
/// by `expand` itself, because its key is the record when it has no `key_by`.
pub fn keyed_output(
    call: &Call,
    kind: Aggregation,
    op: &TokenStream,
    input: &Ident,
    output: &Ident,
    next: TokenStream,
) -> TokenStream {
    let rt = rt_at(call.name.span());
    let span = call.name.span();
    match kind {
        MinBy | MaxBy => quote!(let #output = #input.1; #next),
        First | TopBy | BottomBy => quote!(for #output in #input.1 { #next }),
        ReduceGroup | CombineGroup => {
            let f = call.arg(0);
            let values = match call.option("sort_by") {
                // Flink's `sortGroup`: the group sorted, stably, before `f` sees it.
                Some(key) => {
                    let cmp = crate::ops::order::compare_by(
                        key,
                        op,
                        descending(call.option("descending")),
                    );
                    quote_spanned!(span=> { let mut __values = #input.1; __values.sort_by(#cmp); __values })
                }
                None => quote!(#input.1),
            };
            quote_spanned!(span=> #rt::guard::call::group(&#op, #input.0, #values, #f, |#output| { #next });)
        }
        Fold if call.positional().count() == 2 => {
            let (init, step) = (call.arg(0), call.arg(1));
            quote_spanned!(span=>
                let #output = (#input.0, ::core::iter::Iterator::fold(::core::iter::IntoIterator::into_iter(#input.1), #init,
                    |__a, __x| #rt::guard::call::combine(&#op, __a, __x, #step)));
                #next)
        }
        Aggregate if named_results(call).is_some() => {
            let named = name_results(call, quote!(#input.1));
            quote!(let #output = (#input.0, #named); #next)
        }
        _ => quote!(let #output = #input; #next),
    }
}
