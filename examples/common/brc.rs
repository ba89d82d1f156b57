//! The One Billion Row Challenge (github.com/gunnarmorling/1brc) as a dataflow pipeline, shared
//! by `examples/brc.rs` and `tests/brc_conformance.rs`.
//!
//! Input lines are `station;temperature`, the temperature in `[-99.9, 99.9]` with exactly one
//! fractional digit. The output is `{Abha=-23.0/18.0/59.2, ...}`: min/mean/max per station, sorted
//! by name, rounded half up to one decimal as the challenge's Java reference does
//! (`Math.round(x * 10) / 10`). Temperatures are kept as integer tenths throughout, so that no
//! floating-point rounding can creep in.

#[allow(dead_code)]
mod rng {
    include!("rng.rs");
}

use dataflow::prelude::*;
use std::fmt;

/// One station's result: extremes and sum in tenths of a degree, and the number of measurements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    pub min: i64,
    pub max: i64,
    pub sum: i64,
    pub count: u64,
}

impl Summary {
    /// The mean in tenths, rounded half up (towards positive infinity on a tie, like Java's
    /// `Math.round`): `floor(sum / count + 1/2)`, computed exactly in integers.
    pub fn mean(&self) -> i64 {
        let count = self.count as i64;
        (2 * self.sum + count).div_euclid(2 * count)
    }
}

/// What a run returns.
pub struct Brc {
    /// Per station, sorted by name (byte order).
    pub stations: Vec<(String, Summary)>,
    /// The job's plan, as `explain()` prints it.
    pub plan: String,
    /// Records read, bytes, time.
    pub metrics: Metrics,
}

/// Runs the challenge over `input` (a file, a directory or a glob) at `parallelism` threads
/// (`None`: one per CPU).
pub fn run(input: &str, parallelism: Option<usize>) -> Result<Brc, Error> {
    let job = pipeline! {
        read_text(input)
            // `(station, tenths)`, the station borrowed from the line.
            -> map(parse_line)
            // The station name, borrowed from the line: the combiner looks it up as it is
            // and makes a `String` only for a station it has not seen yet.
            -> key_by(|m| m.0)
            -> aggregate(min(|m| m.1), max(|m| m.1), sum(|m| m.1), count())
            -> collect()
    };
    let job = match parallelism {
        Some(threads) => job.parallelism(threads),
        None => job,
    };
    let plan = job.explain();
    let (rows, metrics) = job.run_with_metrics()?;
    let mut stations: Vec<(String, Summary)> = rows
        .into_iter()
        .map(|(station, (min, max, sum, count))| {
            (
                station,
                Summary {
                    min,
                    max,
                    sum,
                    count,
                },
            )
        })
        .collect();
    stations.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(Brc {
        stations,
        plan,
        metrics,
    })
}

/// Splits `station;temperature` and parses the temperature into tenths.
///
/// # Panics
///
/// On a line that is not a measurement; inside a job, the panic becomes an `Err` naming the
/// operator and the line.
#[inline]
pub fn parse_line(line: &str) -> (&str, i64) {
    let bytes = line.as_bytes();
    // The temperature holds no `;`, and is at most 5 bytes: the separator is the last `;`, found
    // within the last 6 bytes of a valid line.
    let parsed = bytes
        .iter()
        .rposition(|&b| b == b';')
        .and_then(|at| Some((&line[..at], parse_tenths(&bytes[at + 1..])?)));
    match parsed {
        Some(measurement) => measurement,
        None => panic!("not a `station;temperature` line: {line:?}"),
    }
}

/// Parses `-?d?d.d` into tenths (`-12.3` -> `-123`) without floating point.
#[inline]
pub fn parse_tenths(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, text),
    };
    let digit = |b: u8| b.is_ascii_digit().then(|| i64::from(b - b'0'));
    let tenths = match *digits {
        [a, b'.', c] => digit(a)? * 10 + digit(c)?,
        [a, b, b'.', c] => digit(a)? * 100 + digit(b)? * 10 + digit(c)?,
        _ => return None,
    };
    Some(if negative { -tenths } else { tenths })
}

/// Formats tenths with one decimal: `-123` -> `-12.3`, `-4` -> `-0.4`, `0` -> `0.0`.
pub fn format_tenths(tenths: i64) -> String {
    let sign = if tenths < 0 { "-" } else { "" };
    let abs = tenths.unsigned_abs();
    format!("{sign}{}.{}", abs / 10, abs % 10)
}

/// The challenge's output line (without a newline): `{a=min/mean/max, b=...}`, in the order given.
pub fn format_output(stations: &[(String, Summary)]) -> String {
    let mut out = String::from("{");
    for (i, (name, s)) in stations.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(name);
        out.push('=');
        out.push_str(&format_tenths(s.min));
        out.push('/');
        out.push_str(&format_tenths(s.mean()));
        out.push('/');
        out.push_str(&format_tenths(s.max));
    }
    out.push('}');
    out
}

/// The challenge's 413 weather stations with their mean temperatures (`name;mean` lines), as the
/// official generator uses them.
pub const STATIONS: &str = include_str!("../../data/1brc/1brc-stations413.txt");

/// The stations of [`STATIONS`] with their mean temperatures.
pub fn stations() -> Vec<(&'static str, f64)> {
    STATIONS
        .lines()
        .map(|line| {
            let (name, mean) = line.rsplit_once(';').expect("name;mean");
            (name, mean.parse().expect("a mean temperature"))
        })
        .collect()
}

/// One generated measurement, written as `station;temperature`.
pub struct Measurement<'a> {
    pub station: &'a str,
    pub tenths: i64,
}

impl fmt::Display for Measurement<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.tenths < 0 { "-" } else { "" };
        let abs = self.tenths.unsigned_abs();
        write!(f, "{};{sign}{}.{}", self.station, abs / 10, abs % 10)
    }
}

/// Measurement number `index` of the data set `seed`, as the official generator draws them: a
/// station chosen uniformly, and a temperature from a Gaussian around the station's mean with
/// standard deviation 10, rounded (half up) to a tenth and clamped to `[-99.9, 99.9]`.
///
/// Each row has its own random stream, so that rows can be generated in any order, in parallel,
/// and still make the same file.
#[inline]
pub fn measurement<'a>(stations: &[(&'a str, f64)], seed: u64, index: u64) -> Measurement<'a> {
    let mut rng = rng::SplitMix64::stream(seed, index);
    let (station, mean) = stations[rng.below(stations.len() as u64) as usize];
    let tenths = ((mean + 10.0 * rng.gaussian()) * 10.0 + 0.5).floor() as i64;
    Measurement {
        station,
        tenths: tenths.clamp(-999, 999),
    }
}

/// Writes `rows` measurements (see [`measurement`]) to `path`, in parallel, with a pipeline;
/// returns the number of lines written.
pub fn generate(
    path: &str,
    rows: u64,
    seed: u64,
    parallelism: Option<usize>,
) -> Result<u64, Error> {
    let stations = stations();
    let job = pipeline! {
        range(0..rows)
            -> map(|i: u64| measurement(&stations, seed, i))
            -> write_text(path)
    };
    match parallelism {
        Some(threads) => job.parallelism(threads).run(),
        None => job.run(),
    }
}
