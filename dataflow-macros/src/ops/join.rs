//! Joins: two inputs matched on a key extracted from each side.
//!
//! The default strategy hash-partitions both inputs by key (the same partition function as
//! every hash exchange) and joins partition by partition in parallel. `broadcast_left` and
//! `broadcast_right` collect the named small side whole, build one hash table over it, and fuse
//! the join into the loop of the other side, which is then never shuffled (Flink's
//! `joinWithTiny`, `BROADCAST_HASH_FIRST/SECOND`). `sort_merge` sorts each partition by key and
//! merges (inner joins, keys `Ord`).

use super::{BarrierGen, Inputs, MultiGen, Need, OpSpec, Plan, Role, StreamedGen};
use crate::gen::{key_of, respan, rt_at};
use crate::validate::Node;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Error, Expr};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinKind {
    Inner,
    LeftOuter,
    RightOuter,
    FullOuter,
    Semi,
    Anti,
}

use JoinKind::*;

/// How a join runs, from its `strategy = ...` option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    Hash,
    BroadcastLeft,
    BroadcastRight,
    SortMerge,
}

const STRATEGIES: &str = "`hash` (the default: both sides hash-partitioned by key), `broadcast_left` or `broadcast_right` (that side is small: it is collected whole and the other side streams past it unshuffled), `sort_merge` (inner and outer joins: each partition sorted by key and merged)";

const fn spec(
    name: &'static str,
    flink: &'static str,
    kind: &'static JoinKind,
    usage: &'static str,
    max_args: usize,
) -> OpSpec {
    OpSpec {
        name,
        flink,
        inputs: Inputs::ChainAndOne,
        role: Role::Multi(kind),
        min_args: 3,
        max_args,
        usage,
        options: &["strategy"],
    }
}

pub const OPS: &[OpSpec] = &[
    spec("join", "join", &Inner, "join(other, |l| key, |r| key)` or `join(other, |l| key, |r| key, |l, r| output)", 4),
    spec("left_outer_join", "leftOuterJoin", &LeftOuter, "left_outer_join(other, |l| key, |r| key)` or `left_outer_join(other, |l| key, |r| key, |l, r: Option<&R>| output)", 4),
    spec("right_outer_join", "rightOuterJoin", &RightOuter, "right_outer_join(other, |l| key, |r| key)` or `right_outer_join(other, |l| key, |r| key, |l: Option<&L>, r| output)", 4),
    spec("full_outer_join", "fullOuterJoin", &FullOuter, "full_outer_join(other, |l| key, |r| key)` or `full_outer_join(other, |l| key, |r| key, |l: Option<&L>, r: Option<&R>| output)", 4),
    spec("semi_join", "(none; SQL's EXISTS)", &Semi, "semi_join(other, |l| key, |r| key)", 3),
    spec("anti_join", "(none; SQL's NOT EXISTS)", &Anti, "anti_join(other, |l| key, |r| key)", 3),
];

impl JoinKind {
    fn strategy(node: &Node) -> Strategy {
        match node.call.option("strategy") {
            Some(Expr::Path(p)) if p.path.is_ident("broadcast_left") => Strategy::BroadcastLeft,
            Some(Expr::Path(p)) if p.path.is_ident("broadcast_right") => Strategy::BroadcastRight,
            Some(Expr::Path(p)) if p.path.is_ident("sort_merge") => Strategy::SortMerge,
            _ => Strategy::Hash,
        }
    }

    /// Whether the unmatched records of the left (right) side are kept.
    fn keeps(self) -> (bool, bool) {
        match self {
            LeftOuter => (true, false),
            RightOuter => (false, true),
            FullOuter => (true, true),
            Inner | Semi | Anti => (false, false),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Inner => "an inner join",
            LeftOuter => "a left outer join",
            RightOuter => "a right outer join",
            FullOuter => "a full outer join",
            Semi => "a semi join",
            Anti => "an anti join",
        }
    }
}

/// Whether `node` is an inner hash join, whose input may be indexed once when it does not change
/// between the rounds of a loop (`dataflow_runtime::join::index`): the kernel then always
/// probes that side, in the other side's input order.
pub fn indexable(node: &Node) -> bool {
    matches!(node.spec.role, Role::Multi(_))
        && node.spec.name == "join"
        && JoinKind::strategy(node) == Strategy::Hash
}

fn keys(node: &Node) -> (&Expr, &Expr) {
    (node.call.arg(1), node.call.arg(2))
}

impl MultiGen for JoinKind {
    fn check(&self, node: &Node) -> syn::Result<()> {
        let Some(value) = node.call.option("strategy") else {
            return Ok(());
        };
        let known = matches!(value, Expr::Path(p) if ["hash", "broadcast_left", "broadcast_right", "sort_merge"].iter().any(|s| p.path.is_ident(s)));
        if !known {
            return Err(Error::new(
                value.span(),
                format!("unknown join strategy: write one of {STRATEGIES}"),
            ));
        }
        let (keep_left, keep_right) = self.keeps();
        let bad = match Self::strategy(node) {
            Strategy::BroadcastLeft if keep_left => Some("its left side is kept whole, so it cannot be the broadcast side: broadcast the right side (`strategy = broadcast_right`) or use `strategy = hash`"),
            Strategy::BroadcastRight if keep_right => Some("its right side is kept whole, so it cannot be the broadcast side: broadcast the left side (`strategy = broadcast_left`) or use `strategy = hash`"),
            Strategy::BroadcastLeft if matches!(self, Semi | Anti) => Some("it keeps left records, so only its right side can be broadcast: write `strategy = broadcast_right`"),
            Strategy::SortMerge if matches!(self, Semi | Anti) => Some("`sort_merge` runs inner and outer joins: use `strategy = hash` (the default)"),
            _ => None,
        };
        match bad {
            Some(why) => Err(Error::new(
                value.span(),
                format!("this strategy does not fit {}: {why}", self.name()),
            )),
            None => Ok(()),
        }
    }

    fn plan(&'static self, node: &Node) -> Plan {
        match Self::strategy(node) {
            Strategy::BroadcastLeft | Strategy::BroadcastRight => {
                Plan::Streamed(streamed_port(node), self)
            }
            Strategy::Hash | Strategy::SortMerge => Plan::Barrier(self),
        }
    }

    fn need<'a>(&self, node: &'a Node, port: usize) -> Need<'a> {
        match Self::strategy(node) {
            Strategy::BroadcastLeft | Strategy::BroadcastRight => Need::All,
            Strategy::Hash | Strategy::SortMerge => {
                let (left, right) = keys(node);
                Need::Hash(if port == 0 { left } else { right })
            }
        }
    }

    fn explain(&self, node: &Node) -> String {
        match Self::strategy(node) {
            Strategy::Hash => "[hash join, partition by partition, in parallel]".into(),
            Strategy::SortMerge => "[sort-merge join: each partition sorted by key, merged]".into(),
            Strategy::BroadcastLeft | Strategy::BroadcastRight => {
                "[broadcast hash join: probes one table built over the broadcast side]".into()
            }
        }
    }
}

/// The output record of a matched pair `(l, r)` (references, `Option`s on an outer side): the
/// join function's result, or the pair, cloned.
fn output(node: &Node, op: &Ident, l: TokenStream, r: TokenStream) -> TokenStream {
    let span = node.call.name.span();
    let rt = rt_at(span);
    match node.call.positional().nth(3) {
        Some(f) => quote_spanned!(f.span()=> #rt::guard::call::combine(&#op, #l, #r, #f)),
        None => quote_spanned!(span=> (#rt::pairs::cloned(#l), #rt::pairs::cloned(#r))),
    }
}

impl BarrierGen for JoinKind {
    fn drive(
        &self,
        node: &Node,
        op: &Ident,
        inputs: &[Ident],
        init: &TokenStream,
        body: TokenStream,
    ) -> TokenStream {
        let span = node.call.name.span();
        let rt = rt_at(span);
        let (left_key, right_key) = keys(node);
        let x = Ident::new("__x", Span::call_site());
        let lk = key_of(left_key.span(), op, quote!(#x), left_key);
        let rk = key_of(right_key.span(), op, quote!(#x), right_key);
        let (l, r) = (&inputs[0], &inputs[1]);
        // Spanned on the right key: with keys of different types, that is where rustc says so.
        let kernel = |name: &str| Ident::new(name, right_key.span());
        let (il, ir) = (
            Ident::new("__l", Span::call_site()),
            Ident::new("__r", Span::call_site()),
        );
        let common = quote!(__ctx, &#op, &#l, &#r, |#x| #lk, |#x| #rk);
        // The sort-merge kernels take the same arguments as the hash ones.
        let sort_merge = Self::strategy(node) == Strategy::SortMerge;
        match self {
            Inner => {
                let out = output(node, op, quote!(#il), quote!(#ir));
                let f = kernel(if sort_merge {
                    "sort_merge_inner"
                } else {
                    "inner"
                });
                quote!(#rt::join::#f(#common, #init, |__local, #il, #ir| { let __start = #out; #body }))
            }
            LeftOuter | RightOuter | FullOuter => {
                let (keep_left, keep_right) = self.keeps();
                // The kept side is always present: the output holds it unwrapped.
                let lv = if *self == LeftOuter {
                    quote!(#rt::pairs::present(#il))
                } else {
                    quote!(#il)
                };
                let rv = if *self == RightOuter {
                    quote!(#rt::pairs::present(#ir))
                } else {
                    quote!(#ir)
                };
                let out = output(node, op, lv, rv);
                let f = kernel(if sort_merge {
                    "sort_merge_outer"
                } else {
                    "outer"
                });
                quote!(#rt::join::#f(#common, #keep_left, #keep_right, #init, |__local, #il, #ir| { let __start = #out; #body }))
            }
            Semi | Anti => {
                let anti = *self == Anti;
                let f = kernel("semi");
                quote!(#rt::join::#f(#common, #anti, #init, |__local, #il| { let __start = #rt::pairs::cloned(#il); #body }))
            }
        }
    }
}

impl StreamedGen for JoinKind {
    fn prelude(&self, node: &Node, op: &Ident, inputs: &[Ident]) -> TokenStream {
        let built = 1 - streamed_port(node);
        let (left_key, right_key) = keys(node);
        let key = if built == 0 { left_key } else { right_key };
        let x = Ident::new("__x", Span::call_site());
        let k = key_of(key.span(), op, quote!(#x), key);
        let rt = rt_at(node.call.name.span());
        let side = &inputs[built];
        let table = table(op);
        quote!(
            let #side = #rt::sink::concat(#side);
            let #table = #rt::join::BroadcastTable::build(&#side, |#x| #k);
        )
    }

    fn apply(
        &self,
        node: &Node,
        op: &Ident,
        _inputs: &[Ident],
        input: &Ident,
        output_var: &Ident,
        next: TokenStream,
    ) -> TokenStream {
        let streamed = streamed_port(node);
        let span = node.call.name.span();
        let input = &respan(input, span);
        let (left_key, right_key) = keys(node);
        let key = if streamed == 0 { left_key } else { right_key };
        let probe = key_of(key.span(), op, quote!(&#input), key);
        let table = table(op);
        let m = Ident::new("__m", Span::call_site());
        let (l, r) = if streamed == 0 {
            (quote!(&#input), quote!(#m))
        } else {
            (quote!(#m), quote!(&#input))
        };
        match self {
            Inner => {
                let out = output(node, op, l, r);
                quote!(for #m in #table.get(&#probe) { let #output_var = #out; #next })
            }
            // The streamed side is the kept one (checked): each of its records is emitted with
            // every match, or once with `None`.
            LeftOuter | RightOuter => {
                let (l, r) = if streamed == 0 {
                    (quote!(&#input), quote!(#m))
                } else {
                    (quote!(#m), quote!(&#input))
                };
                let out = output(node, op, l, r);
                quote!({
                    let mut __matches = #table.get(&#probe).peekable();
                    let __none = __matches.peek().is_none();
                    for #m in __matches.map(::core::option::Option::Some).chain(__none.then_some(::core::option::Option::None)) {
                        let #output_var = #out;
                        #next
                    }
                })
            }
            Semi | Anti => {
                let want = *self == Semi;
                quote!({
                    let __hit = #table.contains(&#probe);
                    if __hit == #want { let #output_var = #input; #next }
                })
            }
            // Rejected by `check`: a full outer join keeps both sides.
            FullOuter => quote!(),
        }
    }
}

/// The input a broadcast join streams: the one that is not broadcast.
fn streamed_port(node: &Node) -> usize {
    match JoinKind::strategy(node) {
        Strategy::BroadcastLeft => 1,
        _ => 0,
    }
}

/// The broadcast hash table of the join whose operator static is `op`.
fn table(op: &Ident) -> Ident {
    Ident::new(&format!("{op}_TABLE").to_lowercase(), Span::call_site())
}
