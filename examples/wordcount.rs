//! Word count, the "hello world" of dataflow systems.
//!
//! ```text
//! cargo run --release --example wordcount                 # generates ~50 MB of Zipf text, counts it
//! cargo run --release --example wordcount -- --mb 500     # the same with ~500 MB
//! cargo run --release --example wordcount -- FILE|DIR|GLOB ...
//! ```
//!
//! With no input, it writes a synthetic corpus (words drawn from a 50,000-word vocabulary with
//! Zipf exponent 1.1, deterministic seed) into a temporary directory, then runs
//!
//! ```text
//! read_text(dir) -> flat_map(split_whitespace) -> key_by(word) -> count() -> collect()
//! ```
//!
//! and prints the ten most frequent words, the time, the job's plan and its metrics.

#[path = "common/wordcount.rs"]
mod wordcount;
#[path = "common/zipf.rs"]
mod zipf;

use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: wordcount [--mb N] [--parallelism N] [FILE|DIR|GLOB ...]";

struct Args {
    megabytes: u64,
    parallelism: Option<usize>,
    inputs: Vec<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        megabytes: 50,
        parallelism: None,
        inputs: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut number = |name: &str| -> Result<u64, String> {
            let value = it.next().ok_or(format!("{name} needs a value"))?;
            value
                .parse()
                .map_err(|_| format!("{name}: not a number: {value}"))
        };
        match arg.as_str() {
            "--mb" => args.megabytes = number("--mb")?.max(1),
            "--parallelism" | "-p" => args.parallelism = Some(number("--parallelism")? as usize),
            "--help" | "-h" => return Err(USAGE.to_string()),
            _ if arg.starts_with('-') => return Err(format!("unknown option {arg}\n{USAGE}")),
            _ => args.inputs.push(arg),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    // Kept alive until the end: dropping it deletes the generated corpus.
    let mut _corpus_dir = None;
    let inputs = if args.inputs.is_empty() {
        let dir = tempfile::tempdir().map_err(|e| format!("cannot create a temp dir: {e}"))?;
        let corpus = zipf::Corpus {
            bytes: args.megabytes << 20,
            ..zipf::Corpus::default()
        };
        let started = Instant::now();
        let files = corpus
            .write(dir.path())
            .map_err(|e| format!("cannot write the corpus: {e}"))?;
        println!(
            "generated {} MB of Zipf text ({} words, s = {}) in {} files under {} in {:.2} s",
            args.megabytes,
            corpus.vocabulary,
            corpus.exponent,
            files.len(),
            dir.path().display(),
            started.elapsed().as_secs_f64()
        );
        let input = dir.path().to_string_lossy().into_owned();
        _corpus_dir = Some(dir);
        vec![input]
    } else {
        args.inputs
    };

    for input in &inputs {
        let started = Instant::now();
        let result = wordcount::count_words(input, args.parallelism).map_err(|e| e.to_string())?;
        let elapsed = started.elapsed();
        let words: u64 = result.counts.iter().map(|(_, n)| n).sum();
        println!(
            "\n{input}: {words} words, {} distinct, counted in {:.3} s",
            result.counts.len(),
            elapsed.as_secs_f64()
        );
        println!("top 10:");
        for (rank, (word, n)) in wordcount::top(&result.counts, 10).iter().enumerate() {
            println!("{:>4}. {word:<16} {n:>12}", rank + 1);
        }
        println!("\n{}", result.plan.trim_end());
        println!("\n{}", result.metrics.to_string().trim_end());
    }
    Ok(())
}
