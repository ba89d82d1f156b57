//! The One Billion Row Challenge (github.com/gunnarmorling/1brc) as a dataflow pipeline.
//!
//! ```text
//! cargo run --release --example brc -- --generate 100000000 /tmp/measurements.txt
//! cargo run --release --example brc -- /tmp/measurements.txt
//! cargo run --release --example brc -- data/1brc/1brc-samples/measurements-10.txt
//! ```
//!
//! The result line goes to standard output, byte for byte as the challenge expects it
//! (`{Abha=-23.0/18.0/59.2, ...}`); the time, the job's plan and its metrics go to standard
//! error. The pipeline itself (`read_text -> map(parse) -> key_by(station) -> aggregate(min,
//! max, sum, count)`) is in `common/brc.rs`, shared with the conformance test.
//!
//! `--generate N PATH` writes N measurements as the challenge's generator does: a station drawn
//! uniformly from its 413 (`data/1brc/1brc-stations413.txt`), a temperature from a Gaussian
//! around the station's mean with standard deviation 10, rounded to a tenth. The same seed gives
//! the same file at any parallelism; writing it is a pipeline too
//! (`range(0..N) -> map(measurement) -> write_text(PATH)`).

#[path = "common/brc.rs"]
mod brc;

use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: brc [--parallelism N] FILE|DIR|GLOB
       brc [--parallelism N] [--seed S] --generate ROWS PATH";

enum Command {
    Run(String),
    Generate { rows: u64, path: String },
}

struct Args {
    command: Command,
    parallelism: Option<usize>,
    seed: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut parallelism = None;
    let mut seed = 1;
    let mut generate = None;
    let mut positional = Vec::new();
    let mut it = std::env::args().skip(1);
    let number = |name: &str, value: Option<String>| -> Result<u64, String> {
        let value = value.ok_or(format!("{name} needs a value\n{USAGE}"))?;
        value
            .replace('_', "")
            .parse()
            .map_err(|_| format!("{name}: not a number: {value}"))
    };
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--parallelism" | "-p" => parallelism = Some(number(&arg, it.next())? as usize),
            "--seed" => seed = number(&arg, it.next())?,
            "--generate" => generate = Some(number(&arg, it.next())?),
            "--help" | "-h" => return Err(USAGE.to_string()),
            _ if arg.starts_with('-') => return Err(format!("unknown option {arg}\n{USAGE}")),
            _ => positional.push(arg),
        }
    }
    let [path] = <[String; 1]>::try_from(positional).map_err(|_| USAGE.to_string())?;
    let command = match generate {
        Some(rows) => Command::Generate { rows, path },
        None => Command::Run(path),
    };
    Ok(Args {
        command,
        parallelism,
        seed,
    })
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    let started = Instant::now();
    match args.command {
        Command::Run(input) => match brc::run(&input, args.parallelism) {
            Ok(result) => {
                println!("{}", brc::format_output(&result.stations));
                eprintln!(
                    "{} stations in {:.3} s\n\n{}\n\n{}",
                    result.stations.len(),
                    started.elapsed().as_secs_f64(),
                    result.plan.trim_end(),
                    result.metrics.to_string().trim_end()
                );
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        },
        Command::Generate { rows, path } => {
            match brc::generate(&path, rows, args.seed, args.parallelism) {
                Ok(written) => {
                    eprintln!(
                        "wrote {written} measurements to {path} in {:.3} s",
                        started.elapsed().as_secs_f64()
                    );
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("error: {error}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
