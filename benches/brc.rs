//! The One Billion Row Challenge at `ROWS` rows (default 1e8, about 1.4 GB): the `pipeline!` of
//! `examples/common/brc.rs` against a simple hand-written Rust solution, on the same thread count,
//! both producing the challenge's output line (checked identical).
//!
//! The input is generated once (the challenge's generator, `examples/common/brc.rs`, seed 1) into
//! `bench-data/brc-<ROWS>.txt` and reused.
//!
//! The hand-written solution is what a strong engineer writes in an hour without a framework: the
//! file cut into 8 MiB chunks at line ends, read with positioned reads into a buffer per thread
//! (so that memory stays small, as the pipeline's does), lines found with `memchr`, the last `;`
//! with `memrchr`, the temperature parsed as integer tenths by a scalar parser, a thread-local
//! `hashbrown` map (foldhash) probed with the borrowed name, maps merged at the end.
//!
//! Modes:
//! * `cargo bench --bench brc`: in-process medians of `REPS` alternating runs (default 5) of all
//!   three, then each again in a process of its own under `/usr/bin/time -v` (`RSS_REPS` times,
//!   default 3) for its wall time, CPU time and peak resident memory;
//! * `cargo bench --bench brc -- --only hand|pipeline|pipeline-str FILE`: one run of one
//!   system, the result line on standard output, the time on standard error (what the previous
//!   mode measures).
//!
//! `pipeline-str` is the same pipeline keyed by the borrowed `&str` station name instead of the
//! example's inline `Name` key: the combiner then looks names up without making a key.
//!
//! Env: `ROWS`, `REPS`, `THREADS` (default 2), `RSS_REPS`. Without `--bench` (`cargo test
//! --benches` runs benchmarks that way) it is a smoke test: 1e5 rows, one run of each.

#[path = "../examples/common/brc.rs"]
#[allow(dead_code)]
mod brc;
#[path = "common/mod.rs"]
mod common;

use common::{env_number, ms, read_chunk, Chunk};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Bytes per chunk of the hand-written reader.
const CHUNK_BYTES: u64 = 8 << 20;

/// One station's running extremes, sum (in tenths) and count.
#[derive(Clone, Copy)]
struct Acc {
    min: i64,
    max: i64,
    sum: i64,
    count: u64,
}

impl Acc {
    #[inline]
    fn add(&mut self, t: i64) {
        self.min = self.min.min(t);
        self.max = self.max.max(t);
        self.sum += t;
        self.count += 1;
    }

    fn merge(&mut self, o: &Acc) {
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
        self.sum += o.sum;
        self.count += o.count;
    }
}

type Map = hashbrown::HashMap<Box<[u8]>, Acc, foldhash::fast::FixedState>;

/// `-?d?d.d` as tenths, scalar.
#[inline]
fn tenths(t: &[u8]) -> i64 {
    let (negative, d) = match t {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, t),
    };
    let v = match *d {
        [a, b'.', c] => (a - b'0') as i64 * 10 + (c - b'0') as i64,
        [a, b, b'.', c] => (a - b'0') as i64 * 100 + (b - b'0') as i64 * 10 + (c - b'0') as i64,
        _ => panic!("bad temperature {:?}", String::from_utf8_lossy(t)),
    };
    if negative {
        -v
    } else {
        v
    }
}

/// The hand-written solution; returns the output line.
fn hand_written(pool: &rayon::ThreadPool, chunks: &[Chunk]) -> String {
    let map = pool.install(|| {
        chunks
            .par_iter()
            .fold(
                || (Map::default(), Vec::new()),
                |(mut map, mut buf), chunk| {
                    let mut rest = read_chunk(chunk, &mut buf).expect("read a chunk");
                    while !rest.is_empty() {
                        let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
                        let line = &rest[..end];
                        rest = &rest[(end + 1).min(rest.len())..];
                        let semi = memchr::memrchr(b';', line).expect("station;temperature");
                        let (name, t) = (&line[..semi], tenths(&line[semi + 1..]));
                        match map.get_mut(name) {
                            Some(acc) => acc.add(t),
                            None => {
                                map.insert(
                                    name.into(),
                                    Acc {
                                        min: t,
                                        max: t,
                                        sum: t,
                                        count: 1,
                                    },
                                );
                            }
                        }
                    }
                    (map, buf)
                },
            )
            .map(|(map, _buf)| map)
            .reduce(Map::default, |mut a, b| {
                for (name, acc) in b {
                    a.entry(name).and_modify(|x| x.merge(&acc)).or_insert(acc);
                }
                a
            })
    });
    let mut stations: Vec<(String, brc::Summary)> = map
        .into_iter()
        .map(|(name, a)| {
            let name = String::from_utf8(name.into_vec()).expect("UTF-8 station names");
            let summary = brc::Summary {
                min: a.min,
                max: a.max,
                sum: a.sum,
                count: a.count,
            };
            (name, summary)
        })
        .collect();
    stations.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    brc::format_output(&stations)
}

/// The pipeline of `examples/common/brc.rs`; returns the output line.
fn pipeline(path: &str, threads: usize) -> String {
    let result = brc::run(path, Some(threads)).expect("the job runs");
    brc::format_output(&result.stations)
}

/// The same pipeline keyed by the borrowed station name (`&str`): the combiner looks it up
/// without making a key, and owns a `String` only for a new station.
fn pipeline_str_key(path: &str, threads: usize) -> String {
    let job = dataflow::pipeline! {
        read_text(path)
            -> map(brc::parse_line)
            -> key_by(|m: &(&str, i64)| m.0)
            -> aggregate(min(|m| m.1), max(|m| m.1), sum(|m| m.1), count())
            -> collect()
    };
    let rows = job.parallelism(threads).run().expect("the job runs");
    let mut stations: Vec<(String, brc::Summary)> = rows
        .into_iter()
        .map(|(name, (min, max, sum, count))| {
            let summary = brc::Summary {
                min,
                max,
                sum,
                count,
            };
            (name.to_string(), summary)
        })
        .collect();
    stations.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    brc::format_output(&stations)
}

/// `bench-data/brc-<rows>.txt`, generated unless a previous run did. The pipeline's text sink
/// writes a temporary file and renames it when complete, so the file's presence suffices.
fn input(rows: u64) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench-data");
    std::fs::create_dir_all(&root).expect("create bench-data/");
    let path = root.join(format!("brc-{rows}.txt"));
    if !path.exists() {
        eprintln!("generating {rows} measurements into {}", path.display());
        let started = Instant::now();
        brc::generate(path.to_str().expect("UTF-8 path"), rows, 1, None)
            .expect("generate the input");
        eprintln!("  in {:.1} s", started.elapsed().as_secs_f64());
    }
    path
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool")
}

/// One run of one system, in a process of its own.
fn only(system: &str, path: &str, threads: usize) {
    let started = Instant::now();
    let out = match system {
        "pipeline" => pipeline(path, threads),
        "pipeline-str" => pipeline_str_key(path, threads),
        "hand" => {
            let chunks = common::chunks(&[PathBuf::from(path)], CHUNK_BYTES).expect("stat input");
            hand_written(&pool(threads), &chunks)
        }
        _ => panic!("--only hand|pipeline|pipeline-str, not {system}"),
    };
    println!("{out}");
    eprintln!(
        "{system}: {:.1} ms on {threads} threads",
        ms(started.elapsed())
    );
}

/// Wall time, CPU time (user + system) and peak resident memory (KiB) of `exe --only system
/// path` under `/usr/bin/time -v`; checks its output line.
fn measure_process(
    exe: &Path,
    system: &str,
    path: &str,
    expected: &str,
) -> (Duration, Duration, u64) {
    let out = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(exe)
        .args(["--only", system, path])
        .output()
        .expect("run /usr/bin/time");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{system} failed:\n{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim_end(),
        expected,
        "{system}: wrong output in a process of its own"
    );
    let field = |name: &str| -> &str {
        stderr
            .lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .unwrap_or_else(|| panic!("no `{name}` in /usr/bin/time's output:\n{stderr}"))
            .rsplit(": ")
            .next()
            .expect("a value")
            .trim()
    };
    let rss: u64 = field("Maximum resident set size")
        .parse()
        .expect("RSS in KiB");
    // `h:mm:ss` or `m:ss.ss`.
    let wall = field("Elapsed (wall clock) time")
        .split(':')
        .fold(0.0, |acc, part| {
            acc * 60.0 + part.parse::<f64>().expect("a time")
        });
    let seconds = |name: &str| field(name).parse::<f64>().expect("seconds");
    let cpu = seconds("User time (seconds)") + seconds("System time (seconds)");
    (
        Duration::from_secs_f64(wall),
        Duration::from_secs_f64(cpu),
        rss,
    )
}

fn main() {
    let threads = env_number("THREADS", 2.0) as usize;
    // `cargo bench` passes `--bench`; anything else is ours.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if let [flag, system, path] = &args[..] {
        // (`pipeline-str` is the `&str`-keyed variant, for profiling.)
        assert_eq!(
            flag, "--only",
            "usage: brc [--only hand|pipeline|pipeline-str FILE]"
        );
        return only(system, path, threads);
    }
    assert!(
        args.is_empty(),
        "usage: brc [--only hand|pipeline|pipeline-str FILE]"
    );

    // `cargo bench` passes `--bench`; `cargo test --benches` (or `--all-targets`) runs this
    // binary without it, as a smoke test: small defaults then.
    let full = std::env::args().any(|a| a == "--bench");
    if !full {
        println!("(no --bench: smoke-test defaults ROWS=1e5 REPS=1 RSS_REPS=1)");
    }
    let rows = env_number("ROWS", if full { 1e8 } else { 1e5 }) as u64;
    let reps = env_number("REPS", if full { 5.0 } else { 1.0 }) as usize;
    let rss_reps = env_number("RSS_REPS", if full { 3.0 } else { 1.0 }) as usize;
    let path = input(rows);
    let path_str = path.to_str().expect("UTF-8 path");
    let bytes = std::fs::metadata(&path).expect("stat input").len();
    let chunks = common::chunks(std::slice::from_ref(&path), CHUNK_BYTES).expect("stat input");
    let pool = pool(threads);

    // Warm up (page cache, allocator, pools) and check both against each other.
    let expected = hand_written(&pool, &chunks);
    assert_eq!(pipeline(path_str, threads), expected, "outputs differ");

    // Alternating runs (see `common::interleaved`), every output checked.
    let hand = || hand_written(&pool, &chunks);
    let ours = || pipeline(path_str, threads);
    let str_key = || pipeline_str_key(path_str, threads);
    let runs = common::interleaved(reps, &[&hand, &ours, &str_key], |i, out| {
        assert_eq!(
            out, expected,
            "system {i}: output differs from the first run's"
        );
    });

    println!(
        "brc: {rows} rows ({:.2} GB), {} stations, {threads} threads, medians of {reps} \
         alternating runs",
        bytes as f64 / 1e9,
        expected.matches('=').count()
    );
    println!("  in one process:");
    let names = ["hand-written", "pipeline!", "pipeline!, &str key"];
    for (name, r) in names.iter().zip(&runs) {
        println!(
            "    {name:<20} {:>9.1} ms  {:>6.0} MB/s  CPU {:>8.0} ms  ratio {:.3} ({:.3} CPU)",
            ms(r.wall()),
            bytes as f64 / 1e6 / r.wall().as_secs_f64(),
            ms(r.cpu()),
            r.ratio(&runs[0]),
            r.cpu_ratio(&runs[0])
        );
    }
    println!(
        "    ratio pipeline! / hand-written = {:.3} (wall), {:.3} (CPU) (medians of per-round ratios)",
        runs[1].ratio(&runs[0]),
        runs[1].cpu_ratio(&runs[0])
    );

    if !Path::new("/usr/bin/time").exists() || rss_reps == 0 {
        println!("  (no /usr/bin/time: per-process wall time and peak RSS skipped)");
        return;
    }
    let exe = std::env::current_exe().expect("this executable");
    println!(
        "  one process each, /usr/bin/time -v, medians of {rss_reps} alternating runs, largest peak RSS:"
    );
    let systems = [
        ("hand-written", "hand"),
        ("pipeline!", "pipeline"),
        ("pipeline!, &str key", "pipeline-str"),
    ];
    let mut runs = vec![(common::Runs::default(), 0u64); systems.len()];
    for _ in 0..rss_reps {
        for (i, (_, system)) in systems.iter().enumerate() {
            let (wall, cpu, rss) = measure_process(&exe, system, path_str, &expected);
            runs[i].0.wall.push(wall);
            runs[i].0.cpu.push(cpu);
            runs[i].1 = runs[i].1.max(rss);
        }
    }
    for ((name, _), (r, rss)) in systems.iter().zip(&runs) {
        println!(
            "    {name:<20} {:>9.1} ms  CPU {:>8.0} ms  peak RSS {:>7.1} MiB  ratio {:.3} ({:.3} CPU)",
            ms(r.wall()),
            ms(r.cpu()),
            *rss as f64 / 1024.0,
            r.ratio(&runs[0].0),
            r.cpu_ratio(&runs[0].0)
        );
    }
    println!(
        "    ratio pipeline! / hand-written = {:.3} (wall), {:.3} (CPU)",
        runs[1].0.ratio(&runs[0].0),
        runs[1].0.cpu_ratio(&runs[0].0)
    );
    println!(
        "    commands: /usr/bin/time -v {} --only hand|pipeline|pipeline-str {path_str}",
        exe.display()
    );
}
