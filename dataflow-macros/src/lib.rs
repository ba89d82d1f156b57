//! The `pipeline!` compiler of `dataflow`.
//!
//! The macro runs four passes, one module each:
//! 1. `ast`: parse the DSL into a syntax tree (any `name(args)` is accepted here);
//! 2. `validate`: check operators, arguments, options and chain rules against the catalogue in
//!    `ops`, reporting each mistake on its token with a hint, and build the operator graph;
//! 3. `plan`: cut the graph into stages of fused element-wise operators between exchanges;
//! 4. `expand`: generate one driver call per stage, whose loop body calls the user's closures
//!    directly, and the `Job` value with its `explain()` text.

mod ast;
mod expand;
mod gen;
mod ops;
mod pictures;
mod plan;
#[cfg(test)]
mod plan_tests;
mod validate;

use proc_macro::TokenStream;

/// Compiles a Flink-style batch pipeline into a `dataflow::Job`. See the `dataflow` crate.
#[proc_macro]
pub fn pipeline(input: TokenStream) -> TokenStream {
    let pipeline = syn::parse_macro_input!(input as ast::Pipeline);
    match validate::validate(pipeline) {
        Ok(graph) => match plan::plan(&graph) {
            Ok(stages) => expand::expand(&graph, &stages).into(),
            Err(e) => {
                let errors = e.to_compile_error();
                quote::quote!({ #errors }).into()
            }
        },
        // Wrapped in a block: several `compile_error!`s in a row are not an expression.
        Err(e) => {
            let errors = e.to_compile_error();
            quote::quote!({ #errors }).into()
        }
    }
}
