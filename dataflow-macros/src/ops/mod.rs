//! The operator catalogue: one entry per operator, grouped by family, one file per family.
//!
//! Each entry ([`OpSpec`]) says everything about its operator: how it is called (arguments,
//! options), how many inputs it takes ([`Inputs`]), where it sits in a stage and its own code
//! generator ([`Role`]), and its Flink name for the README's table. The generic passes (`plan`,
//! `expand`) only stitch together what the generators return: adding an operator is one entry
//! and, for a new family, one generator, never a new arm in the expander.
//!
//! The generators are split by what the operator does to a stage:
//! - [`SourceGen`]: starts a stage by driving a loop over an input;
//! - [`FusedGen`]: record-at-a-time code inside the loop;
//! - [`TerminalGen`]: ends a branch of the loop in per-task state (a sink, an aggregation, an
//!   exchange, a broadcast), finished once the loop is done;
//! - [`MultiGen`]: takes several inputs; each input is either materialized by its producer's
//!   stage the way the operator needs it ([`Need`]) or, for one input, streamed through the
//!   operator fused into its producer's loop ([`Plan`]).

pub mod aggregate;
pub mod broadcast;
pub mod elementwise;
pub mod exchange;
pub mod hints;
pub mod iterate;
pub mod join;
pub mod multi;
pub mod order;
pub mod sinks;
pub mod sources;

use crate::ast::Call;
use crate::validate::{Graph, Node};
use proc_macro2::{Ident, TokenStream};
use syn::{Expr, Index};

/// What an operator is to a stage, with its code generator.
#[derive(Clone, Copy)]
pub enum Role {
    /// Starts a chain and drives a stage's loop.
    Source(&'static dyn SourceGen),
    /// Record-at-a-time; fused into the stage's loop.
    Fused(&'static dyn FusedGen),
    /// Sets the key for the next (keyed) operator.
    KeyBy,
    /// Ends a branch of the loop: a sink, an aggregation, an exchange or a broadcast.
    Terminal(&'static dyn TerminalGen),
    /// Takes the chain's data set and further data sets named in its arguments.
    Multi(&'static dyn MultiGen),
}

/// How many inputs an operator takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inputs {
    /// A source: none.
    None,
    /// The chain's data set.
    Chain,
    /// The chain's data set and the data set named by the first argument (joins, co_group, cross).
    ChainAndOne,
    /// The chain's data set and every data set named by the arguments (union).
    ChainAndAll,
}

/// Code generator of a source.
pub trait SourceGen: Sync {
    /// The call that drives a stage over this source: `driver(ctx, &OP, input, init, body)`,
    /// where `body` is `|local, record| ...`.
    fn drive(
        &self,
        call: &Call,
        op: &TokenStream,
        init: &TokenStream,
        body: &TokenStream,
    ) -> TokenStream;
    /// Whether records may borrow the source's reused buffer (`read_text`'s `&str` lines), so
    /// that an operator keeping one beyond the loop must own it first.
    fn borrows_buffer(&self) -> bool {
        false
    }
}

/// Code generator of a fused, record-at-a-time operator.
pub trait FusedGen: Sync {
    /// The loop-body code applied to `input`; `next` is what follows, reading `output`.
    fn apply(
        &self,
        node: &Node,
        op: &Ident,
        input: &Ident,
        output: &Ident,
        next: TokenStream,
    ) -> TokenStream;
}

/// Code generator of an operator that ends a branch of a stage in per-task state.
pub trait TerminalGen: Sync {
    /// Checks that need the operator's own knowledge (run by `validate`).
    fn check(&self, _call: &Call, _keyed: bool) -> syn::Result<()> {
        Ok(())
    }
    /// Whether a chain that is not bound by `let` may end here, its value being a job result.
    fn is_result(&self, node: &Node) -> bool;
    /// Whether nothing may follow it in its chain (a sink, a broadcast).
    fn ends_chain(&self) -> bool {
        false
    }
    /// Whether it may follow `key_by` (and then runs per key).
    fn is_keyed_operator(&self) -> bool {
        false
    }
    /// Code run once before the stage (a file sink creates its destination).
    fn prepare(&self, _g: &Graph, _id: usize) -> TokenStream {
        TokenStream::new()
    }
    /// A task's fresh state.
    fn init(&self, g: &Graph, id: usize) -> TokenStream;
    /// Loop-body code handing `input` to the state `__local.#field`; `own` says whether the
    /// record may borrow a source buffer (see [`crate::gen::keep`]).
    fn push(&self, g: &Graph, id: usize, field: &Index, input: &Ident, own: bool) -> TokenStream;
    /// The value made from every task's state (`states`, in input order): a job result, or the
    /// partitions a later stage reads. `partitioned` says whether the stage read partitions.
    fn finish(&self, g: &Graph, id: usize, states: &Ident, partitioned: bool) -> TokenStream;
    /// How a later stage turns one element of the partitions into the record it hands on.
    fn read(&self, _g: &Graph, _id: usize, record: &Ident, rest: TokenStream) -> TokenStream {
        quote::quote!(let __start = #record; #rest)
    }
    /// `explain()`'s line for the terminal.
    fn explain(&self, g: &Graph, id: usize) -> String;
    /// Whether the value is a variable the closures of later stages read by the name its `let`
    /// binds (`broadcast()`), rather than partitions a stage drives over.
    fn binds_variable(&self) -> bool {
        false
    }
    /// The key closure it hash-partitions by (`partition_by_hash`), if it is only that: a
    /// multi-input operator partitioning the same data by the same key does it instead.
    fn hash_key<'a>(&self, _node: &'a Node) -> Option<&'a Expr> {
        None
    }
    /// Whether its output partitions are `(key, value)` records in `HASH_PARTITIONS`
    /// partitions by the hash of the key (a keyed aggregation): a join keyed by the first field
    /// then reads them as they are.
    fn partitioned_by_first_field(&self, _node: &Node) -> bool {
        false
    }
    /// Whether the partitions hold exactly one record (a global aggregation's value).
    fn yields_one_record(&self, _node: &Node) -> bool {
        false
    }
    /// Whether its output can be one `Vec` holding every record in order (a global sort), for
    /// a consumer that takes it whole (see [`whole_handover`]).
    fn hands_over_whole(&self, _node: &Node) -> bool {
        false
    }
    /// As the only operator of a stage reading an earlier terminal's output handed over whole
    /// (`all`, an expression of one `Vec` of every record in order), its value (`collect`'s:
    /// the `Vec` as it is); `None` if it cannot take it so.
    fn finish_whole(&self, _g: &Graph, _id: usize, _all: TokenStream) -> Option<TokenStream> {
        None
    }
}

/// Where terminal `id` hands its output to its only consumer as one `Vec` in order (a
/// `collect` right after a global sort): that consumer and its value, made from the `Vec` the
/// terminal leaves in its data set (`gen::dataset(id)`). The consumer's stage then runs no loop,
/// and the records are not copied again.
pub fn whole_handover(g: &Graph, id: usize) -> Option<(usize, TokenStream)> {
    let node = &g.nodes[id];
    let (Role::Terminal(t), [(c, 0)]) = (node.spec.role, node.consumers.as_slice()) else {
        return None;
    };
    let consumer = &g.nodes[*c];
    let Role::Terminal(ct) = consumer.spec.role else {
        return None;
    };
    if !t.hands_over_whole(node) || consumer.key.is_some() || consumer.step.is_some() {
        return None;
    }
    let all = crate::gen::dataset(id);
    ct.finish_whole(g, *c, quote::quote!(#all))
        .map(|code| (*c, code))
}

/// How a multi-input operator runs.
#[derive(Clone, Copy)]
pub enum Plan {
    /// Every input is materialized first; the operator drives a stage of its own over them.
    Barrier(&'static dyn BarrierGen),
    /// Input `port` streams through the operator, fused into its producer's loop; the others
    /// are materialized before that stage runs.
    Streamed(usize, &'static dyn StreamedGen),
}

/// How a materialized input of a multi-input operator is collected by its producer's stage.
pub enum Need<'a> {
    /// Hash-partitioned by this key closure into `HASH_PARTITIONS` partitions.
    Hash(&'a Expr),
    /// Kept whole, in input order (a broadcast side, a union's input).
    All,
}

/// Code generator of an operator with several inputs.
pub trait MultiGen: Sync {
    /// Checks that need the operator's own knowledge (options, strategies).
    fn check(&self, _node: &Node) -> syn::Result<()> {
        Ok(())
    }
    /// How this call runs (it may depend on a strategy option).
    fn plan(&'static self, node: &Node) -> Plan;
    /// What materialized input `port` needs.
    fn need<'a>(&self, node: &'a Node, port: usize) -> Need<'a>;
    /// `explain()`'s description of the operator.
    fn explain(&self, node: &Node) -> String;
}

/// A multi-input operator that runs its own stage over its materialized inputs.
pub trait BarrierGen: Sync {
    /// The call driving the stage; `inputs` are the materialized inputs by port, `body` is
    /// `|__local, ...| ...` code that expects the output record in `__start`.
    fn drive(
        &self,
        node: &Node,
        op: &Ident,
        inputs: &[Ident],
        init: &TokenStream,
        body: TokenStream,
    ) -> TokenStream;
}

/// A multi-input operator fused into the loop of one of its inputs.
pub trait StreamedGen: Sync {
    /// Code run once before the stage, after the other inputs are materialized (e.g. building
    /// a hash table over a broadcast side).
    fn prelude(&self, node: &Node, op: &Ident, inputs: &[Ident]) -> TokenStream;
    /// The loop-body code for one streamed record `input`; `next` reads `output`.
    fn apply(
        &self,
        node: &Node,
        op: &Ident,
        inputs: &[Ident],
        input: &Ident,
        output: &Ident,
        next: TokenStream,
    ) -> TokenStream;
}

/// One operator of the catalogue.
pub struct OpSpec {
    pub name: &'static str,
    /// The Flink DataSet operator it corresponds to (checked against the README's table).
    #[cfg_attr(not(test), allow(dead_code))]
    pub flink: &'static str,
    pub inputs: Inputs,
    pub role: Role,
    /// Allowed number of positional arguments (data sets named as inputs included).
    pub min_args: usize,
    pub max_args: usize,
    /// How a call looks, shown in messages: `map(|x| ...)`.
    pub usage: &'static str,
    /// Allowed named options (`delimiter = b';'`).
    pub options: &'static [&'static str],
}

impl OpSpec {
    pub fn is_source(&self) -> bool {
        matches!(self.role, Role::Source(_))
    }
}

/// Every operator, in the order the README lists them.
pub fn catalogue() -> impl Iterator<Item = &'static OpSpec> {
    sources::OPS
        .iter()
        .chain(elementwise::OPS)
        .chain(aggregate::OPS)
        .chain(exchange::OPS)
        .chain(order::OPS)
        .chain(join::OPS)
        .chain(multi::OPS)
        .chain(iterate::OPS)
        .chain(broadcast::OPS)
        .chain(sinks::OPS)
}

/// The operator called `name`.
pub fn lookup(name: &str) -> Option<&'static OpSpec> {
    catalogue().find(|op| op.name == name)
}

/// The catalogue's names, for "did you mean" hints.
pub fn names() -> Vec<&'static str> {
    catalogue().map(|op| op.name).collect()
}

#[cfg(test)]
mod tests {
    /// The README's operator table must list every operator with its Flink name.
    #[test]
    fn readme_table_lists_every_operator() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
            .expect("README.md at the workspace root");
        let rows: Vec<&str> = readme.lines().filter(|l| l.starts_with("| `")).collect();
        for op in super::catalogue() {
            let needle = format!("`{}", op.name);
            let row = rows
                .iter()
                .find(|r| r.split('|').nth(1).is_some_and(|c| c.contains(&needle)))
                .unwrap_or_else(|| panic!("README operator table has no row for `{}`", op.name));
            let flink_names = op.flink.split(" / ").next().expect("a Flink name");
            assert!(
                row.contains(flink_names.split(',').next().unwrap().trim()),
                "README row for `{}` does not name Flink's `{}`: {row}",
                op.name,
                op.flink
            );
        }
    }

    /// A multi-input operator takes its other inputs as arguments; a single-input one does not.
    #[test]
    fn inputs_agree_with_roles() {
        for op in super::catalogue() {
            let multi = matches!(op.role, super::Role::Multi(_));
            let takes_more = matches!(
                op.inputs,
                super::Inputs::ChainAndOne | super::Inputs::ChainAndAll
            );
            assert_eq!(multi, takes_more, "`{}`", op.name);
            assert_eq!(
                op.is_source(),
                op.inputs == super::Inputs::None,
                "`{}`",
                op.name
            );
            if takes_more {
                assert!(op.min_args >= 1, "`{}` names its other input", op.name);
            }
        }
    }
}
