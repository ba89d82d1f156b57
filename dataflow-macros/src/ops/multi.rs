//! The other multi-input operators: `co_group` (both groups of each key), `cross` (every pair)
//! and `union` (several data sets of one type, one after the other).

use super::{BarrierGen, Inputs, MultiGen, Need, OpSpec, Plan, Role, StreamedGen};
use crate::gen::{key_of, respan, rt_at};
use crate::validate::Node;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Error, Expr};

pub struct CoGroup;
pub struct Cross;
pub struct Union;

pub const OPS: &[OpSpec] = &[
    OpSpec {
        name: "co_group",
        flink: "coGroup",
        inputs: Inputs::ChainAndOne,
        role: Role::Multi(&CoGroup),
        min_args: 4,
        max_args: 4,
        usage: "co_group(other, |l| key, |r| key, |key, ls: &[L], rs: &[R]| iterator)",
        options: &[],
    },
    OpSpec {
        name: "cross",
        flink: "cross / crossWithTiny, crossWithHuge",
        inputs: Inputs::ChainAndOne,
        role: Role::Multi(&Cross),
        min_args: 1,
        max_args: 2,
        usage: "cross(other)` or `cross(other, |l, r| output)",
        options: &["strategy"],
    },
    OpSpec {
        name: "union",
        flink: "union",
        inputs: Inputs::ChainAndAll,
        role: Role::Multi(&Union),
        min_args: 1,
        max_args: 16,
        usage: "union(other, more, ...)",
        options: &[],
    },
];

impl MultiGen for CoGroup {
    fn plan(&'static self, _node: &Node) -> Plan {
        Plan::Barrier(self)
    }

    fn need<'a>(&self, node: &'a Node, port: usize) -> Need<'a> {
        Need::Hash(node.call.arg(1 + port))
    }

    fn explain(&self, _node: &Node) -> String {
        "[co-group, partition by partition, in parallel]".into()
    }
}

impl BarrierGen for CoGroup {
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
        let (left_key, right_key, f) = (node.call.arg(1), node.call.arg(2), node.call.arg(3));
        let x = Ident::new("__x", Span::call_site());
        let lk = key_of(left_key.span(), op, quote!(#x), left_key);
        let rk = key_of(right_key.span(), op, quote!(#x), right_key);
        let (l, r) = (&inputs[0], &inputs[1]);
        let co_group = Ident::new("co_group", right_key.span());
        // The function's outputs are iterated inside its guard (a lazy iterator runs user code).
        let call = quote_spanned!(f.span()=>
            #rt::guard::guard(&#op, || ::core::iter::Iterator::for_each(
                ::core::iter::IntoIterator::into_iter((#f)(__k, __ls, __rs)),
                |__start| { #body }))
        );
        // The kernel reorders each partition in place so that a key's records are contiguous.
        quote!({
            let mut __left = #l;
            let mut __right = #r;
            #rt::join::#co_group(__ctx, &#op, &mut __left, &mut __right, |#x| #lk, |#x| #rk, #init,
                |__local, __k, __ls, __rs| { #call })
        })
    }
}

impl Cross {
    /// The input streamed past the other, collected one: the left unless `broadcast_left`.
    fn streamed(node: &Node) -> usize {
        match node.call.option("strategy") {
            Some(Expr::Path(p)) if p.path.is_ident("broadcast_left") => 1,
            _ => 0,
        }
    }
}

impl MultiGen for Cross {
    fn check(&self, node: &Node) -> syn::Result<()> {
        match node.call.option("strategy") {
            None => Ok(()),
            Some(Expr::Path(p)) if p.path.is_ident("broadcast_left") || p.path.is_ident("broadcast_right") => Ok(()),
            Some(other) => Err(Error::new(other.span(), "`cross` collects one side whole and streams the other past it: write `strategy = broadcast_right` (the default: the right side is the small one) or `strategy = broadcast_left`")),
        }
    }

    fn plan(&'static self, node: &Node) -> Plan {
        Plan::Streamed(Self::streamed(node), self)
    }

    fn need<'a>(&self, _node: &'a Node, _port: usize) -> Need<'a> {
        Need::All
    }

    fn explain(&self, _node: &Node) -> String {
        "[cross: each record paired with every record of the collected side]".into()
    }
}

impl StreamedGen for Cross {
    fn prelude(&self, node: &Node, _op: &Ident, inputs: &[Ident]) -> TokenStream {
        let side = &inputs[1 - Self::streamed(node)];
        let rt = rt_at(node.call.name.span());
        quote!(let #side = #rt::sink::concat(#side);)
    }

    fn apply(
        &self,
        node: &Node,
        op: &Ident,
        inputs: &[Ident],
        input: &Ident,
        output: &Ident,
        next: TokenStream,
    ) -> TokenStream {
        let span = node.call.name.span();
        let rt = rt_at(span);
        let input = &respan(input, span);
        let streamed = Self::streamed(node);
        let side = &inputs[1 - streamed];
        let m = Ident::new("__m", Span::call_site());
        let (l, r) = if streamed == 0 {
            (quote!(&#input), quote!(#m))
        } else {
            (quote!(#m), quote!(&#input))
        };
        let out = match node.call.positional().nth(1) {
            Some(f) => quote_spanned!(f.span()=> #rt::guard::call::combine(&#op, #l, #r, #f)),
            None => quote_spanned!(span=> (#rt::pairs::cloned(#l), #rt::pairs::cloned(#r))),
        };
        quote!(for #m in #side.iter() { let #output = #out; #next })
    }
}

impl MultiGen for Union {
    fn plan(&'static self, _node: &Node) -> Plan {
        Plan::Barrier(self)
    }

    fn need<'a>(&self, _node: &'a Node, _port: usize) -> Need<'a> {
        Need::All
    }

    fn explain(&self, _node: &Node) -> String {
        "[union: the inputs one after the other, in order]".into()
    }
}

impl BarrierGen for Union {
    fn drive(
        &self,
        node: &Node,
        _op: &Ident,
        inputs: &[Ident],
        init: &TokenStream,
        body: TokenStream,
    ) -> TokenStream {
        let rt = rt_at(node.call.name.span());
        // Each input is spanned on its name: one whose record type differs is reported there.
        let first = &inputs[0];
        let checks = inputs[1..]
            .iter()
            .zip(node.call.positional())
            .map(|(input, arg)| {
                let named = respan(input, arg.span());
                quote_spanned!(arg.span()=> #rt::exchange::same_records(&#first, &#named);)
            });
        quote!({
            #(#checks)*
            #rt::driver::drive_partitions(__ctx, #rt::exchange::union(::std::vec![#(#inputs),*]), #init,
                |__local, __x| { let __start = __x; #body })
        })
    }
}
