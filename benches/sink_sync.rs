//! The cost of `sync = true` on a file sink: `write_text` of about `MB` megabytes (default 100)
//! of 16-byte lines with sync off and on, alternating, in one process.
//! Run: `cargo bench --bench sink_sync` (env: MB, REPS, THREADS, DIR: where the output goes,
//! default the current directory, so that it lands on a real disk rather than a tmpfs).

#[path = "common/mod.rs"]
mod common;

use common::{env_number, interleaved, report};
use dataflow::prelude::*;

fn write(path: &std::path::Path, lines: u64, threads: usize, sync: bool) -> u64 {
    if sync {
        pipeline! { range(0..lines) -> map(|x: u64| format!("{x:015}")) -> write_text(path, sync = true) }
            .parallelism(threads)
            .run()
            .expect("job runs")
    } else {
        pipeline! { range(0..lines) -> map(|x: u64| format!("{x:015}")) -> write_text(path) }
            .parallelism(threads)
            .run()
            .expect("job runs")
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` (or `--all-targets`) runs this
    // binary without it, as a smoke test: small defaults then.
    let full = std::env::args().any(|a| a == "--bench");
    let mb = env_number("MB", if full { 100.0 } else { 1.0 });
    let reps = env_number("REPS", if full { 5.0 } else { 1.0 }) as usize;
    let threads = env_number("THREADS", 2.0) as usize;
    let dir = std::env::var("DIR").unwrap_or_else(|_| ".".to_string());
    let lines = (mb * 1e6 / 16.0) as u64;
    let path = std::path::Path::new(&dir).join("sink_sync_bench.txt");
    let systems: [&dyn Fn() -> u64; 2] = [&|| write(&path, lines, threads, false), &|| {
        write(&path, lines, threads, true)
    }];
    let runs = interleaved(reps, &systems, |_, n| assert_eq!(n, lines));
    let _ = std::fs::remove_file(&path);
    let title = format!(
        "write_text of {mb} MB ({lines} lines), {threads} threads, {reps} alternating rounds"
    );
    report(&title, &["sync off", "sync on"], &runs, 0);
}
