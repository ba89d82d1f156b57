//! Word count over Zipf-distributed text: `pipeline!` against a hand-written rayon + hashbrown
//! word count, in one process, on the same thread count.
//!
//! The corpus (`MB` megabytes, default 512, in 8 files; 50,000-word vocabulary, Zipf exponent
//! 1.1, fixed seed: `examples/common/zipf.rs`) is generated once into `bench-data/` and reused.
//!
//! Systems, each run `REPS` times (default 5; the median is reported) on `THREADS` threads
//! (default 2):
//! * **hand-written**: files cut into 8 MiB chunks at line ends, read with positioned reads into
//!   a buffer per thread, `split_ascii_whitespace`, a thread-local `hashbrown` map
//!   `String -> u64` (foldhash) probed with the borrowed `&str` (a `String` is made only for a
//!   new word), maps merged smaller-into-larger;
//! * **hand-written, String per word**: the same, but making a `String` for every word before
//!   the lookup: what per-record key allocation costs;
//! * **pipeline!**: `examples/common/wordcount.rs`, `read_text(dir) -> flat_map(split_whitespace)
//!   -> key_by(|w: &&str| *w) -> count() -> collect()`: the combiner looks each word up borrowed
//!   and makes a `String` only for a new word, as the hand-written baseline does;
//! * **pipeline!, ASCII split**: the same with `split_ascii_whitespace`, as the baseline splits;
//! * **pipeline!, String key per word**: the same with `key_by(|w| w.to_string())`: what
//!   allocating a key per record costs inside the pipeline;
//! * **pipeline!, inline key**: `examples/wordcount`'s pipeline with the key stored inline
//!   (`benches/common/inline_key.rs`'s `Name`: no allocation for words up to 30 bytes);
//! * **pipeline!, inline key, ASCII split**: and with `split_ascii_whitespace`, as the baseline;
//! * **hand-written, split_whitespace** and **hand-written, line by line** (`memchr` per line,
//!   `from_utf8` per line, `split_whitespace`): the baseline made to work the way the pipeline
//!   does, to tell the framework's cost from the cost of the way the work is written.
//! * **hand-written, inline key**: the baseline with the pipeline's inline key (`inline_key::Name`) in
//!   its map, to tell the key type's cost (a larger table slot) from the framework's.
//!
//! Every system's counts are checked against the hand-written one's.
//!
//! Run: `cargo bench --bench wordcount` (env: `MB`, `REPS`, `THREADS`, and `SYSTEMS=a,b,..` to
//! compare only those, the first as the baseline; without `--bench`, as
//! `cargo test --benches` runs it, a smoke test: 4 MB, one run of each);
//! `cargo bench --bench wordcount -- --only NAME` runs one system `REPS` times (for a profiler;
//! NAME: hand, hand-string, pipeline, pipeline-ascii, pipeline-string, pipeline-inline,
//! pipeline-inline-ascii, hand-unicode, hand-lines, hand-inline).

#[path = "common/mod.rs"]
mod common;
#[path = "common/inline_key.rs"]
mod inline_key;

#[path = "../examples/common/wordcount.rs"]
#[allow(dead_code)]
mod wordcount;
#[path = "../examples/common/zipf.rs"]
#[allow(dead_code)]
mod zipf;

use common::{env_number, median_with_cpu, ms, read_chunk, Chunk};
use dataflow::prelude::*;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

type Map<K> = hashbrown::HashMap<K, u64, foldhash::fast::FixedState>;

/// Bytes per chunk of the hand-written reader.
const CHUNK_BYTES: u64 = 8 << 20;

/// Generates the corpus into `bench-data/wordcount-<MB>mb/` unless a previous run did; returns
/// the directory and its files.
fn corpus(megabytes: u64) -> (PathBuf, Vec<PathBuf>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench-data");
    let dir = root.join(format!("wordcount-{megabytes}mb"));
    // Written last: its presence says the corpus is complete.
    let done = root.join(format!("wordcount-{megabytes}mb.done"));
    let spec = zipf::Corpus {
        bytes: megabytes << 20,
        ..zipf::Corpus::default()
    };
    if !done.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create bench-data/");
        eprintln!(
            "generating {megabytes} MB of Zipf text into {}",
            dir.display()
        );
        spec.write(&dir).expect("write the corpus");
        std::fs::write(&done, format!("{spec:?}\n")).expect("write the marker");
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read bench-data/")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    files.sort();
    (dir, files)
}

/// Adds `small`'s counts into `large`, the larger map, so that the fewest entries move.
fn merge<K: std::hash::Hash + Eq>(a: Map<K>, b: Map<K>) -> Map<K> {
    let (mut large, small) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    for (word, n) in small {
        *large.entry(word).or_insert(0) += n;
    }
    large
}

/// The hand-written word count's variants.
#[derive(Clone, Copy, PartialEq)]
enum Hand {
    /// `split_ascii_whitespace` over each chunk, lookups with the borrowed `&str`: the baseline.
    Borrowed,
    /// The same, making a `String` of every word before its lookup.
    StringPerWord,
    /// `split_whitespace` (Unicode) over each chunk, borrowed lookups.
    Unicode,
    /// Line by line as the pipeline goes: `memchr` for each line's end, `from_utf8` of the line,
    /// `split_whitespace`, borrowed lookups.
    PerLine,
    /// The baseline with the pipeline's inline key type (`inline_key::Name`) in the map.
    InlineKey,
}

fn hand_written(pool: &rayon::ThreadPool, chunks: &[Chunk], how: Hand) -> Vec<(String, u64)> {
    if how == Hand::InlineKey {
        return hand_written_inline_key(pool, chunks);
    }
    let map = pool.install(|| {
        chunks
            .par_iter()
            .fold(
                || (Map::<String>::default(), Vec::new()),
                |(mut map, mut buf), chunk| {
                    let bytes = read_chunk(chunk, &mut buf).expect("read a chunk");
                    let text = || std::str::from_utf8(bytes).expect("UTF-8 text");
                    match how {
                        Hand::Borrowed => {
                            for word in text().split_ascii_whitespace() {
                                *map.entry_ref(word).or_insert(0) += 1;
                            }
                        }
                        Hand::StringPerWord => {
                            for word in text().split_ascii_whitespace() {
                                *map.entry(word.to_string()).or_insert(0) += 1;
                            }
                        }
                        Hand::Unicode => {
                            for word in text().split_whitespace() {
                                *map.entry_ref(word).or_insert(0) += 1;
                            }
                        }
                        Hand::InlineKey => unreachable!(),
                        Hand::PerLine => {
                            let mut rest = bytes;
                            while !rest.is_empty() {
                                let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
                                let line = std::str::from_utf8(&rest[..end]).expect("UTF-8");
                                rest = &rest[(end + 1).min(rest.len())..];
                                for word in line.split_whitespace() {
                                    *map.entry_ref(word).or_insert(0) += 1;
                                }
                            }
                        }
                    }
                    (map, buf)
                },
            )
            .map(|(map, _buf)| map)
            .reduce(Map::default, merge)
    });
    map.into_iter().collect()
}

fn hand_written_inline_key(pool: &rayon::ThreadPool, chunks: &[Chunk]) -> Vec<(String, u64)> {
    let map = pool.install(|| {
        chunks
            .par_iter()
            .fold(
                || (Map::<inline_key::Name>::default(), Vec::new()),
                |(mut map, mut buf), chunk| {
                    let bytes = read_chunk(chunk, &mut buf).expect("read a chunk");
                    let text = std::str::from_utf8(bytes).expect("UTF-8 text");
                    for word in text.split_ascii_whitespace() {
                        *map.entry(inline_key::Name::new(word)).or_insert(0) += 1;
                    }
                    (map, buf)
                },
            )
            .map(|(map, _buf)| map)
            .reduce(Map::default, merge)
    });
    map.into_iter()
        .map(|(word, n)| (word.as_str().to_string(), n))
        .collect()
}

/// The pipeline of `examples/common/wordcount.rs`.
fn pipeline(dir: &str, threads: usize) -> Vec<(String, u64)> {
    wordcount::count_words(dir, Some(threads))
        .expect("the job runs")
        .counts
}

/// The same pipeline with an inline key (no allocation per word), splitting words with
/// `split_whitespace` or, when `ascii`, `split_ascii_whitespace`.
fn pipeline_inline_key(dir: &str, threads: usize, ascii: bool) -> Vec<(String, u64)> {
    let counts = if ascii {
        let job = pipeline! {
            read_text(dir)
                -> flat_map(|line: &str| line.split_ascii_whitespace())
                -> key_by(|word: &&str| inline_key::Name::new(word))
                -> count()
                -> collect()
        };
        job.parallelism(threads).run()
    } else {
        let job = pipeline! {
            read_text(dir)
                -> flat_map(|line: &str| line.split_whitespace())
                -> key_by(|word: &&str| inline_key::Name::new(word))
                -> count()
                -> collect()
        };
        job.parallelism(threads).run()
    };
    counts
        .expect("the job runs")
        .into_iter()
        .map(|(word, n)| (word.as_str().to_string(), n))
        .collect()
}

/// The pipeline of `examples/common/wordcount.rs` splitting words with `split_ascii_whitespace`
/// (as the hand-written baseline does) instead of `split_whitespace`.
fn pipeline_ascii(dir: &str, threads: usize) -> Vec<(String, u64)> {
    let job = pipeline! {
        read_text(dir)
            -> flat_map(|line: &str| line.split_ascii_whitespace())
            -> key_by(|word: &&str| *word)
            -> count()
            -> collect()
    };
    job.parallelism(threads)
        .run()
        .expect("the job runs")
        .into_iter()
        .map(|(word, n)| (word.to_string(), n))
        .collect()
}

/// The pipeline with an owned `String` key made for every word (`key_by(|w| w.to_string())`):
/// what allocating a key per record costs inside the pipeline.
fn pipeline_string_key(dir: &str, threads: usize) -> Vec<(String, u64)> {
    let job = pipeline! {
        read_text(dir)
            -> flat_map(|line: &str| line.split_whitespace())
            -> key_by(|word: &&str| word.to_string())
            -> count()
            -> collect()
    };
    job.parallelism(threads).run().expect("the job runs")
}

fn sorted(mut counts: Vec<(String, u64)>) -> Vec<(String, u64)> {
    counts.sort_unstable();
    counts
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` (or `--all-targets`) runs this
    // binary without it, as a smoke test: small defaults then.
    let full = std::env::args().any(|a| a == "--bench");
    if !full {
        println!("(no --bench: smoke-test defaults MB=4 REPS=1)");
    }
    let megabytes = env_number("MB", if full { 512.0 } else { 4.0 }) as u64;
    let reps = env_number("REPS", if full { 5.0 } else { 1.0 }) as usize;
    let threads = env_number("THREADS", 2.0) as usize;
    let (dir, files) = corpus(megabytes);
    let dir = dir.to_str().expect("a UTF-8 path").to_string();
    let bytes: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).expect("stat").len())
        .sum();
    let chunks = common::chunks(&files, CHUNK_BYTES).expect("stat the corpus");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");

    type Run<'a> = Box<dyn Fn() -> Vec<(String, u64)> + 'a>;
    let (pool, dir, chunks) = (&pool, dir.as_str(), chunks.as_slice());
    let hand = |how| -> Run { Box::new(move || hand_written(pool, chunks, how)) };
    // (name for --only, label, run); the first is the baseline, the third the pipeline! of
    // examples/wordcount.rs.
    let systems: Vec<(&str, &str, Run)> = vec![
        ("hand", "hand-written", hand(Hand::Borrowed)),
        (
            "hand-string",
            "hand-written, String per word",
            hand(Hand::StringPerWord),
        ),
        (
            "pipeline",
            "pipeline! (examples/wordcount)",
            Box::new(move || pipeline(dir, threads)),
        ),
        (
            "pipeline-ascii",
            "pipeline!, ASCII split",
            Box::new(move || pipeline_ascii(dir, threads)),
        ),
        (
            "pipeline-string",
            "pipeline!, String key per word",
            Box::new(move || pipeline_string_key(dir, threads)),
        ),
        (
            "pipeline-inline",
            "pipeline!, inline key",
            Box::new(move || pipeline_inline_key(dir, threads, false)),
        ),
        (
            "pipeline-inline-ascii",
            "pipeline!, inline key, ASCII split",
            Box::new(move || pipeline_inline_key(dir, threads, true)),
        ),
        (
            "hand-unicode",
            "hand-written, split_whitespace",
            hand(Hand::Unicode),
        ),
        (
            "hand-lines",
            "hand-written, line by line",
            hand(Hand::PerLine),
        ),
        (
            "hand-inline",
            "hand-written, inline key",
            hand(Hand::InlineKey),
        ),
    ];

    // `--only NAME`: run one system REPS times, for profilers (`cargo bench` adds `--bench`).
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if let [flag, name] = &args[..] {
        assert_eq!(flag, "--only", "usage: wordcount [--only NAME]");
        let (_, label, run) = systems
            .iter()
            .find(|s| s.0 == name)
            .unwrap_or_else(|| panic!("no system {name}"));
        let (wall, cpu, counts) = median_with_cpu(reps, run);
        println!(
            "{label}: {:.1} ms, CPU {:.0} ms, {} distinct words",
            ms(wall),
            ms(cpu),
            counts.len()
        );
        return;
    }

    // `SYSTEMS=hand,pipeline-ascii`: compare only these (the first is the baseline).
    let systems: Vec<(&str, &str, Run)> = match std::env::var("SYSTEMS") {
        Ok(names) => {
            let mut all = systems;
            names
                .split(',')
                .map(|name| {
                    let i = all.iter().position(|s| s.0 == name);
                    all.remove(i.unwrap_or_else(|| panic!("no system {name}")))
                })
                .collect()
        }
        Err(_) => systems,
    };

    // Warm up: the page cache, the allocator, the thread pools.
    let expected = sorted(systems[0].2());
    let words: u64 = expected.iter().map(|(_, n)| n).sum();
    for system in &systems[1..] {
        let _ = system.2();
    }

    // Alternating runs (see `common::interleaved`), every result checked.
    let runners: Vec<&dyn Fn() -> Vec<(String, u64)>> =
        systems.iter().map(|s| &*s.2 as &dyn Fn() -> _).collect();
    let runs = common::interleaved(reps, &runners, |i, counts| {
        assert!(
            sorted(counts) == expected,
            "{}: counts differ from the hand-written word count",
            systems[i].1
        );
    });

    println!(
        "wordcount: {:.0} MB in {} files, {words} words, {} distinct; {threads} threads, \
         medians of {reps} alternating runs",
        bytes as f64 / 1e6,
        files.len(),
        expected.len()
    );
    println!("  ratios: medians of the per-round ratios to the first system");
    println!(
        "  {:<36} {:>9} {:>9} {:>7} {:>10} {:>9}",
        "system", "wall ms", "MB/s", "ratio", "CPU ms", "CPU ratio"
    );
    for ((_, name, _), r) in systems.iter().zip(&runs) {
        println!(
            "  {name:<36} {:>9.1} {:>9.0} {:>7.3} {:>10.0} {:>9.3}",
            ms(r.wall()),
            bytes as f64 / 1e6 / r.wall().as_secs_f64(),
            r.ratio(&runs[0]),
            ms(r.cpu()),
            r.cpu_ratio(&runs[0])
        );
    }

    // The target compares the same work: the pipeline against the hand-written word count that
    // splits words the same way.
    let index = |name: &str| systems.iter().position(|s| s.0 == name);
    for (pipeline, hand) in [("pipeline", "hand-unicode"), ("pipeline-ascii", "hand")] {
        if let (Some(p), Some(h)) = (index(pipeline), index(hand)) {
            println!(
                "  same split: {} / {} = {:.3} (wall), {:.3} (CPU)",
                systems[p].1,
                systems[h].1,
                runs[p].ratio(&runs[h]),
                runs[p].cpu_ratio(&runs[h])
            );
        }
    }
    if full {
        separate_binaries(dir, threads);
    }
}

/// The flagship as users build it: `examples/wordcount` (one pipeline in its binary) against
/// this binary's hand-written word counts (`--only`), each run in a process of its own,
/// alternating, `BIN_REPS` rounds (default 5). Medians of the per-round ratios.
///
/// Why: this benchmark binary holds several pipelines that split with `split_whitespace`, and
/// with that many callers LLVM leaves `SplitWhitespace::next` out of line in the pipelines (one
/// call per word), which a program with one word count does not do. Skipped unless the
/// example is built (`cargo build --release --example wordcount`).
fn separate_binaries(dir: &str, threads: usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = root.join("target/release/examples/wordcount");
    if !example.exists() {
        println!(
            "  (separate binaries skipped: build {} with `cargo build --release --example wordcount`)",
            example.display()
        );
        return;
    }
    let reps = env_number("BIN_REPS", 5.0) as usize;
    let this = std::env::current_exe().expect("this executable");
    let run = |command: &mut std::process::Command, pattern: &str| -> f64 {
        let out = command.output().expect("run a benchmark process");
        assert!(out.status.success(), "{command:?} failed");
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text
            .lines()
            .find(|l| l.contains(pattern))
            .expect("a timing line");
        let number = line.split(pattern).nth(1).expect("a time");
        number
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .expect("a number")
    };
    let example_ms = || {
        let mut c = std::process::Command::new(&example);
        c.args(["--parallelism", &threads.to_string(), dir]);
        run(&mut c, "counted in ") * 1e3
    };
    let hand_ms = |name: &str| {
        let mut c = std::process::Command::new(&this);
        c.args(["--bench", "--only", name]).env("REPS", "1");
        run(&mut c, ": ")
    };
    let mut rounds = Vec::new();
    for _ in 0..reps.max(1) {
        rounds.push([example_ms(), hand_ms("hand-unicode"), hand_ms("hand")]);
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let column = |i: usize| median(rounds.iter().map(|r| r[i]).collect());
    let ratio = |i: usize| median(rounds.iter().map(|r| r[0] / r[i]).collect());
    println!("  separate binaries, one process per run, medians of {reps} alternating rounds:");
    println!(
        "    examples/wordcount (pipeline!, split_whitespace)  {:>8.1} ms",
        column(0)
    );
    println!(
        "    hand-written, split_whitespace                   {:>8.1} ms   pipeline! / it = {:.3}",
        column(1),
        ratio(1)
    );
    println!(
        "    hand-written (split_ascii_whitespace)            {:>8.1} ms   pipeline! / it = {:.3}",
        column(2),
        ratio(2)
    );
}
