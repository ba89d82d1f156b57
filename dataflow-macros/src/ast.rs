//! The DSL's syntax tree and its parser. Parsing knows nothing about operators: it accepts any
//! `name(args)` and leaves meaning to `validate`, so that mistakes get precise messages there.
//!
//! ```text
//! pipeline    := option* statement*
//! option      := '#' '!' '[' ident '=' expr ']'
//! statement   := ('let' ident '=')? chain ';'       (the last ';' may be omitted)
//! chain       := head ('->' call)*
//! head        := ident                              (a data set bound by an earlier `let`)
//!              | call                               (a source)
//! call        := ident ('::' '<' types '>')? '(' (arg (',' arg)*)? ','? ')'
//! arg         := ident '=' expr                     (a named option)
//!              | expr
//!              | step                               (when it is not a Rust expression)
//! step        := '|' ident (',' ident)* '|' '{' (statement ';')* result '}'
//! result      := chain                              (a bulk step: the next partial solution)
//!              | '(' ident ',' ident ')'            (a delta step: the delta and the next work set)
//! ```
//!
//! A step is the body of `iterate` or `iterate_delta`: statements of the DSL, parsed with the
//! same grammar as the pipeline's, ending (like a Rust block) in a result without `;`.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::{AngleBracketedGenericArguments, Expr, Ident, Token};

/// A whole `pipeline! { ... }` body.
pub struct Pipeline {
    pub options: Vec<JobOption>,
    pub statements: Vec<Statement>,
}

/// `#![name = value]`.
pub struct JobOption {
    pub name: Ident,
    pub value: Expr,
}

/// One chain, optionally bound to a name.
pub struct Statement {
    pub binding: Option<Ident>,
    pub head: Head,
    pub ops: Vec<Call>,
}

/// Where a chain starts.
pub enum Head {
    /// A data set bound earlier with `let`.
    Dataset(Ident),
    /// A source operator.
    Source(Call),
}

/// `name::<T>(args)`.
pub struct Call {
    pub name: Ident,
    pub generics: Option<AngleBracketedGenericArguments>,
    pub args: Vec<Arg>,
    /// The span of the parentheses, for "wrong number of arguments".
    pub paren_span: Span,
}

/// One argument of a call.
pub enum Arg {
    Positional(Expr),
    Named(Ident, Expr),
    /// A loop's step, `|ranks, round| { ...; ranks -> ... }`.
    Step(Step),
}

/// The step of a loop: a sub-pipeline run once per round.
pub struct Step {
    /// The closure's parameters: the data sets it is given, then the round number.
    pub params: Vec<Ident>,
    pub statements: Vec<Statement>,
    pub result: StepResult,
    /// The braces, for "the step has no result".
    pub brace_span: Span,
    /// The whole step, for the broadcast variables its closures read.
    pub tokens: proc_macro2::TokenStream,
}

/// What a step hands to the next round.
pub enum StepResult {
    /// A chain without `;` at the end: the next partial solution.
    Chain(Box<Statement>),
    /// `(delta, next_workset)`.
    Pair(Ident, Ident),
    /// Nothing: every statement ends with `;`.
    Missing,
}

impl Call {
    pub fn positional(&self) -> impl Iterator<Item = &Expr> {
        self.args.iter().filter_map(|a| match a {
            Arg::Positional(e) => Some(e),
            Arg::Named(..) | Arg::Step(_) => None,
        })
    }

    /// The step argument of a loop.
    pub fn step(&self) -> Option<&Step> {
        self.args.iter().find_map(|a| match a {
            Arg::Step(s) => Some(s),
            _ => None,
        })
    }

    pub fn named(&self) -> impl Iterator<Item = (&Ident, &Expr)> {
        self.args.iter().filter_map(|a| match a {
            Arg::Named(n, e) => Some((n, e)),
            Arg::Positional(_) | Arg::Step(_) => None,
        })
    }

    pub fn option(&self, name: &str) -> Option<&Expr> {
        self.named().find(|(n, _)| *n == name).map(|(_, e)| e)
    }

    pub fn arg(&self, i: usize) -> &Expr {
        self.positional()
            .nth(i)
            .expect("validate checked the number of arguments")
    }
}

impl Parse for Pipeline {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut options = Vec::new();
        while input.peek(Token![#]) && input.peek2(Token![!]) {
            input.parse::<Token![#]>()?;
            input.parse::<Token![!]>()?;
            let content;
            syn::bracketed!(content in input);
            let name: Ident = content.parse()?;
            content.parse::<Token![=]>().map_err(|e| {
                syn::Error::new(e.span(), "expected `=`: job options are written `#![name = value]`, e.g. `#![parallelism = 4]`")
            })?;
            let value: Expr = content.parse()?;
            options.push(JobOption { name, value });
        }
        let mut statements = Vec::new();
        while !input.is_empty() {
            let statement = parse_statement(input)?;
            if input.peek(Token![;]) {
                input.parse::<Token![;]>()?;
            } else if !input.is_empty() {
                return Err(
                    input.error("expected `->` and an operator, or `;` to end the statement")
                );
            }
            statements.push(statement);
        }
        Ok(Pipeline {
            options,
            statements,
        })
    }
}

/// `('let' ident '=')? chain`, without its `;`.
fn parse_statement(input: ParseStream) -> syn::Result<Statement> {
    let binding = if input.peek(Token![let]) {
        input.parse::<Token![let]>()?;
        let name: Ident = input.parse()?;
        input.parse::<Token![=]>()?;
        Some(name)
    } else {
        None
    };
    let head = if input.peek(Ident) && !input.peek2(syn::token::Paren) && !input.peek2(Token![::]) {
        Head::Dataset(input.parse()?)
    } else {
        Head::Source(parse_call(input)?)
    };
    let mut ops = Vec::new();
    while input.peek(Token![->]) {
        input.parse::<Token![->]>()?;
        ops.push(parse_call(input)?);
    }
    Ok(Statement { binding, head, ops })
}

impl Parse for Step {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let tokens: proc_macro2::TokenStream = input.fork().parse()?;
        input.parse::<Token![|]>()?;
        let mut params = Vec::new();
        while !input.peek(Token![|]) {
            params.push(input.parse::<Ident>().map_err(|e| {
                syn::Error::new(e.span(), "a loop's step names its parameters, `|ranks, round| { ... }`: plain names, without types or patterns")
            })?);
            if !input.peek(Token![|]) {
                input.parse::<Token![,]>()?;
            }
        }
        input.parse::<Token![|]>()?;
        let content;
        let brace = syn::braced!(content in input);
        let mut statements = Vec::new();
        let mut result = StepResult::Missing;
        while !content.is_empty() {
            if content.peek(syn::token::Paren) {
                let pair;
                let paren = syn::parenthesized!(pair in content);
                let names =
                    syn::punctuated::Punctuated::<Ident, Token![,]>::parse_terminated(&pair)?;
                let names: Vec<Ident> = names.into_iter().collect();
                let [delta, next] = <[Ident; 2]>::try_from(names).map_err(|_| {
                    syn::Error::new(paren.span.join(), "a delta step ends in `(delta, next_workset)`: the names of two data sets bound in the step")
                })?;
                if !content.is_empty() {
                    return Err(content
                        .error("`(delta, next_workset)` ends the step: nothing may follow it"));
                }
                result = StepResult::Pair(delta, next);
                break;
            }
            let statement = parse_statement(&content)?;
            if content.peek(Token![;]) {
                content.parse::<Token![;]>()?;
                statements.push(statement);
            } else if content.is_empty() {
                result = StepResult::Chain(Box::new(statement));
            } else {
                return Err(
                    content.error("expected `->` and an operator, or `;` to end the statement")
                );
            }
        }
        Ok(Step {
            params,
            statements,
            result,
            brace_span: brace.span.join(),
            tokens,
        })
    }
}

/// `|name, ...| {`: the start of a step.
fn looks_like_step(input: ParseStream) -> bool {
    let fork = input.fork();
    if fork.parse::<Token![|]>().is_err() {
        return false;
    }
    while fork.peek(Ident) || fork.peek(Token![,]) {
        let _ = fork.parse::<proc_macro2::TokenTree>();
    }
    fork.parse::<Token![|]>().is_ok() && fork.peek(syn::token::Brace)
}

fn parse_call(input: ParseStream) -> syn::Result<Call> {
    let name: Ident = input
        .parse()
        .map_err(|e| syn::Error::new(e.span(), "expected an operator such as `map(|x| ...)`"))?;
    let generics = if input.peek(Token![::]) {
        input.parse::<Token![::]>()?;
        Some(input.parse::<AngleBracketedGenericArguments>()?)
    } else {
        None
    };
    if !input.peek(syn::token::Paren) {
        return Err(syn::Error::new(
            name.span(),
            format!("expected `(` after `{name}`: operators are called like functions, e.g. `{name}(...)`"),
        ));
    }
    let content;
    let paren = syn::parenthesized!(content in input);
    let mut args = Vec::new();
    while !content.is_empty() {
        args.push(content.parse::<Arg>()?);
        if content.is_empty() {
            break;
        }
        if content.peek(Token![;]) {
            return Err(content.error(format!(
                "unexpected `;` in the arguments of `{name}`: a closure whose body has statements needs braces, `|x| {{ let y = ...; y }}`, and arguments are separated by `,`"
            )));
        }
        content.parse::<Token![,]>()?;
    }
    Ok(Call {
        name,
        generics,
        args,
        paren_span: paren.span.join(),
    })
}

impl Parse for Arg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(Ident) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
            let name: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            Ok(Arg::Named(name, input.parse()?))
        } else if input.peek(Token![|]) {
            // A closure, or a loop's step when its body is not Rust (`ranks -> map(..)`). A step
            // that is also a Rust closure (`|r| { r }`) is taken as a step by the loop itself.
            match input.fork().parse::<Expr>() {
                Ok(_) => Ok(Arg::Positional(input.parse()?)),
                Err(_) if looks_like_step(input) => Ok(Arg::Step(input.parse()?)),
                Err(e) => Err(e),
            }
        } else {
            Ok(Arg::Positional(input.parse()?))
        }
    }
}
