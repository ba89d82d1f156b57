//! Parquet both ways, on the One Billion Row Challenge's data: generates measurements as text,
//! converts them to Parquet, runs the challenge's query (min / mean / max per station) over the
//! Parquet file and over the text, checks that both agree, and converts the Parquet file back to
//! CSV. Prints each step's time and sizes, and the query's plan and metrics.
//!
//! ```text
//! cargo run --release --example parquet                     # 5 million rows in a temporary directory
//! cargo run --release --example parquet -- --rows 100000000 --dir /tmp/brc
//! ```
//!
//! `--query FILE [--threads N]` runs only the query over an existing Parquet file and prints
//! `station;min;mean;max;count` lines, then the query's wall and CPU seconds on standard error
//! (what `scripts/parquet_peers.sh` compares with DuckDB and Polars).
//!
//! The Parquet file has two columns, `station` (string) and `temperature` (double), in row
//! groups of 128 Ki rows, snappy-compressed: DuckDB, Polars and pyarrow read it as it is
//! (`SELECT station, min(temperature), avg(temperature), max(temperature) FROM 'brc.parquet'
//! GROUP BY station`), and `scripts/parquet_peers.sh` times them on it.

// The generator and the text pipeline; the output formatting is the brc example's.
#[path = "common/brc.rs"]
#[allow(dead_code)]
mod brc;

use dataflow::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// One row of the Parquet file.
#[derive(Debug, Serialize, Deserialize)]
struct Reading {
    station: String,
    temperature: f64,
}

/// Only the column the count needs: `read_parquet` then reads no other from disk.
#[derive(Deserialize)]
struct StationOnly {
    station: String,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut rows: u64 = 5_000_000;
    let mut dir: Option<PathBuf> = None;
    let mut query: Option<PathBuf> = None;
    let mut threads: Option<usize> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--query" => query = Some(args.next().ok_or("--query needs a file")?.into()),
            "--threads" => {
                let value = args.next().ok_or("--threads needs a number")?;
                threads = Some(value.parse().map_err(|_| format!("--threads: {value}"))?);
            }
            "--rows" => {
                let value = args.next().ok_or("--rows needs a number")?;
                rows = value
                    .replace('_', "")
                    .parse()
                    .map_err(|_| format!("--rows: not a number: {value}"))?;
            }
            "--dir" => dir = Some(args.next().ok_or("--dir needs a directory")?.into()),
            _ => {
                return Err(
                    "usage: parquet [--rows N] [--dir DIR] | parquet --query FILE [--threads N]"
                        .into(),
                )
            }
        }
    }
    if let Some(file) = query {
        return query_only(&file, threads);
    }
    let temp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let dir = dir.unwrap_or_else(|| temp.path().to_path_buf());
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let text = dir.join("measurements.txt");
    let parquet = dir.join("brc.parquet");
    let csv = dir.join("brc.csv");
    let err = |e: Error| e.to_string();

    let started = Instant::now();
    brc::generate(text.to_str().ok_or("a UTF-8 path")?, rows, 1, None).map_err(err)?;
    step("generate text", started, &text);

    // Text to Parquet: parse each line, keep the station and the temperature in degrees.
    let started = Instant::now();
    let written = pipeline! {
        read_text(&text)
            -> map(brc::parse_line)
            -> map(|(station, tenths): (&str, i64)| Reading { station: station.to_owned(), temperature: tenths as f64 / 10.0 })
            -> write_parquet(&parquet)
    }
    .run()
    .map_err(err)?;
    step("text -> Parquet", started, &parquet);
    assert_eq!(written, rows);

    // The challenge's query over the Parquet file.
    let started = Instant::now();
    let job = pipeline! {
        read_parquet::<Reading>(&parquet)
            -> key_by(|r: &Reading| r.station.as_str())
            -> statistics(|r: &Reading| r.temperature)
            -> collect()
    };
    let plan = job.explain();
    let (mut stations, metrics) = job.run_with_metrics().map_err(err)?;
    let query = started.elapsed();
    stations.sort_by(|a, b| a.0.cmp(&b.0));
    println!(
        "query Parquet: {:>8.3} s  {} stations, {} rows",
        query.as_secs_f64(),
        stations.len(),
        rows
    );

    // The same query over the text, the challenge's own pipeline: the answers must agree.
    let started = Instant::now();
    let from_text = brc::run(text.to_str().ok_or("a UTF-8 path")?, None).map_err(err)?;
    println!("query text:    {:>8.3} s", started.elapsed().as_secs_f64());
    let by_name: HashMap<&str, &brc::Summary> = from_text
        .stations
        .iter()
        .map(|(name, s)| (name.as_str(), s))
        .collect();
    for (name, stats) in &stations {
        let s = by_name[name.as_str()];
        let same = stats.count == s.count
            && (stats.min * 10.0).round() as i64 == s.min
            && (stats.max * 10.0).round() as i64 == s.max
            && (stats.mean * 10.0 - s.sum as f64 / s.count as f64).abs() < 1e-6;
        if !same {
            return Err(format!("{name}: Parquet gives {stats:?}, text {s:?}"));
        }
    }
    println!(
        "the Parquet and text answers agree for all {} stations",
        stations.len()
    );
    for (name, stats) in stations.iter().take(5) {
        println!(
            "  {name}: min {:.1} mean {:.1} max {:.1} ({} rows)",
            stats.min, stats.mean, stats.max, stats.count
        );
    }

    // Projection: a count per station reads only the `station` column.
    let started = Instant::now();
    let (counts, narrow) = pipeline! {
        read_parquet::<StationOnly>(&parquet) -> key_by(|r: &StationOnly| r.station.as_str()) -> count() -> collect()
    }
    .run_with_metrics()
    .map_err(err)?;
    println!(
        "count per station over the station column only: {:.3} s, {} of {} bytes read",
        started.elapsed().as_secs_f64(),
        narrow.sources[0].bytes,
        metrics.sources[0].bytes
    );
    assert_eq!(counts.len(), stations.len());

    // And back: Parquet to CSV.
    let started = Instant::now();
    let back = pipeline! { read_parquet::<Reading>(&parquet) -> write_csv(&csv) }
        .run()
        .map_err(err)?;
    step("Parquet -> CSV", started, &csv);
    assert_eq!(back, rows);

    eprintln!("\n{plan}");
    eprintln!("{}", metrics.to_string().trim_end());
    Ok(())
}

/// The query alone, for the comparison with DuckDB and Polars: its answer on standard output,
/// its wall and CPU time on standard error.
fn query_only(file: &Path, threads: Option<usize>) -> Result<(), String> {
    let cpu = cpu_seconds();
    let started = Instant::now();
    let job = pipeline! {
        read_parquet::<Reading>(file)
            -> key_by(|r: &Reading| r.station.as_str())
            -> statistics(|r: &Reading| r.temperature)
            -> collect()
    };
    let job = match threads {
        Some(n) => job.parallelism(n),
        None => job,
    };
    let mut stations = job.progress(false).run().map_err(|e| e.to_string())?;
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu;
    stations.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, s) in &stations {
        println!("{name};{};{};{};{}", s.min, s.mean, s.max, s.count);
    }
    eprintln!("query {wall:.6} s wall, {cpu:.6} s CPU");
    Ok(())
}

/// The process's CPU time (user + system, all threads) in seconds, from `/proc/self/stat`
/// (in clock ticks of 1/100 s); 0 where there is no `/proc`.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // The fields after the command name, which is in parentheses and may hold spaces.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// Prints a step's time and the size of what it wrote.
fn step(name: &str, started: Instant, output: &Path) {
    let bytes = std::fs::metadata(output).map(|m| m.len()).unwrap_or(0);
    println!(
        "{name:<14} {:>8.3} s  {} ({:.1} MiB)",
        started.elapsed().as_secs_f64(),
        output.display(),
        bytes as f64 / (1024.0 * 1024.0)
    );
}
