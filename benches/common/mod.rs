//! What the benchmarks share: their settings from the environment ([`env`]), medians of several
//! runs measured side by side ([`interleaved`], [`Runs`]) and the table that reports them
//! ([`report`]), CPU time, the chunked file reading of the hand-written solutions, and a
//! seeded generator ([`splitmix`]).

use std::time::{Duration, Instant};

/// Runs `f` `reps` times and returns the median wall time and the last result.
pub fn median<T>(reps: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::with_capacity(reps);
    let mut last = None;
    for _ in 0..reps.max(1) {
        let start = Instant::now();
        let out = std::hint::black_box(f());
        times.push(start.elapsed());
        last = Some(out);
    }
    (median_of(&times), last.expect("at least one run"))
}

mod env;
#[allow(unused_imports)]
pub use env::{env_count, env_counts, env_number, env_threads};

/// The median of `values` (of an even count, the upper middle one).
#[allow(dead_code)]
pub fn median_of<T: Copy + Ord>(values: &[T]) -> T {
    let mut v = values.to_vec();
    v.sort_unstable();
    v[v.len() / 2]
}

/// The median of ratios (of an even count, the upper middle one; NaNs sort last).
#[allow(dead_code)]
pub fn median_ratio(ratios: &[f64]) -> f64 {
    let mut r = ratios.to_vec();
    r.sort_by(f64::total_cmp);
    r[r.len() / 2]
}

/// Milliseconds, for tables.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// A byte range `[start, end)` of one file. The lines it owns are those whose first byte lies in
/// the range, so that cutting a file anywhere loses no line and reads none twice.
#[allow(dead_code)]
#[derive(Clone, Debug)]
pub struct Chunk {
    pub path: std::path::PathBuf,
    pub start: u64,
    pub end: u64,
}

/// Cuts every file of `paths` into chunks of `chunk_bytes`, in file order then byte order.
#[allow(dead_code)]
pub fn chunks(paths: &[std::path::PathBuf], chunk_bytes: u64) -> std::io::Result<Vec<Chunk>> {
    let mut out = Vec::new();
    for path in paths {
        let len = std::fs::metadata(path)?.len();
        let mut start = 0;
        while start < len {
            let end = (start + chunk_bytes).min(len);
            out.push(Chunk {
                path: path.clone(),
                start,
                end,
            });
            start = end;
        }
    }
    Ok(out)
}

/// Reads the whole lines `chunk` owns into `buf` (kept from call to call, so that it is allocated
/// once per thread) with positioned reads, and returns them: every line but perhaps the file's
/// last ends with `\n`. What a hand-written reader does: one read for the range, then small reads
/// past its end until the last line is complete.
#[allow(dead_code)]
pub fn read_chunk<'a>(chunk: &Chunk, buf: &'a mut Vec<u8>) -> std::io::Result<&'a [u8]> {
    use std::os::unix::fs::FileExt;
    const TAIL: usize = 64 << 10;
    let file = std::fs::File::open(&chunk.path)?;
    // One byte early: whether the byte before `start` is a `\n` says whether a line starts there.
    let from = chunk.start.saturating_sub(1);
    let mut len = (chunk.end - from) as usize;
    if buf.len() < len + TAIL {
        buf.resize(len + TAIL, 0);
    }
    file.read_exact_at(&mut buf[..len], from)?;
    // The last owned line is the one holding byte `end - 1`; it ends at the first `\n` from there.
    let mut searched = (chunk.end - 1 - from) as usize;
    let cut = loop {
        if let Some(i) = memchr::memchr(b'\n', &buf[searched..len]) {
            break searched + i + 1;
        }
        searched = len;
        if buf.len() < len + TAIL {
            buf.resize(len + TAIL, 0);
        }
        let n = file.read_at(&mut buf[len..len + TAIL], from + len as u64)?;
        if n == 0 {
            break len;
        }
        len += n;
    };
    let begin = if chunk.start == 0 {
        0
    } else {
        memchr::memchr(b'\n', &buf[..cut]).map_or(cut, |i| i + 1)
    };
    Ok(&buf[begin..cut])
}

/// CPU time (user + system) of every thread this process has run so far, those that have ended
/// included (a job's pool may be gone by the time it is read), to the microsecond
/// (`getrusage`). On a shared machine it is steadier than wall time: time spent waiting for a
/// CPU that another process holds does not count.
#[allow(dead_code)]
pub fn cpu_time() -> Duration {
    #[repr(C)]
    struct Timeval {
        sec: i64,
        usec: i64,
    }
    /// `struct rusage` of Linux on 64-bit targets: two timevals, then 14 longs.
    #[repr(C)]
    struct Rusage {
        user: Timeval,
        system: Timeval,
        rest: [i64; 14],
    }
    extern "C" {
        fn getrusage(who: i32, usage: *mut Rusage) -> i32;
    }
    const RUSAGE_SELF: i32 = 0;
    let mut usage = Rusage {
        user: Timeval { sec: 0, usec: 0 },
        system: Timeval { sec: 0, usec: 0 },
        rest: [0; 14],
    };
    // SAFETY: getrusage writes one `struct rusage`, which `Rusage` lays out, and keeps no pointer.
    if unsafe { getrusage(RUSAGE_SELF, &mut usage) } != 0 {
        return Duration::ZERO;
    }
    let micros = |t: &Timeval| t.sec as u64 * 1_000_000 + t.usec as u64;
    Duration::from_micros(micros(&usage.user) + micros(&usage.system))
}

/// Like [`median`], and also the median CPU time of the runs (see [`cpu_time`]).
#[allow(dead_code)]
pub fn median_with_cpu<T>(reps: usize, mut f: impl FnMut() -> T) -> (Duration, Duration, T) {
    let mut cpu = Vec::with_capacity(reps);
    let (wall, out) = median(reps, || {
        let before = cpu_time();
        let out = f();
        cpu.push(cpu_time().saturating_sub(before));
        out
    });
    cpu.sort();
    (wall, cpu[cpu.len() / 2], out)
}

/// The wall and CPU times of one system's runs.
#[allow(dead_code)]
#[derive(Clone, Debug, Default)]
pub struct Runs {
    pub wall: Vec<Duration>,
    pub cpu: Vec<Duration>,
}

#[allow(dead_code)]
impl Runs {
    fn middle_ratio(a: &[Duration], b: &[Duration]) -> f64 {
        let r: Vec<f64> = a
            .iter()
            .zip(b)
            // Too short to measure: no ratio.
            .map(|(a, b)| match b.as_secs_f64() {
                0.0 => f64::NAN,
                b => a.as_secs_f64() / b,
            })
            .collect();
        median_ratio(&r)
    }

    /// Median wall time.
    pub fn wall(&self) -> Duration {
        median_of(&self.wall)
    }

    /// Median CPU time.
    pub fn cpu(&self) -> Duration {
        median_of(&self.cpu)
    }

    /// Median over the rounds of this system's wall time over `base`'s in the same round.
    pub fn ratio(&self, base: &Runs) -> f64 {
        Self::middle_ratio(&self.wall, &base.wall)
    }

    /// The same for CPU time.
    pub fn cpu_ratio(&self, base: &Runs) -> f64 {
        Self::middle_ratio(&self.cpu, &base.cpu)
    }
}

/// Runs every system once per round, `reps` rounds, and hands each result to `check` (with the
/// system's index). Interleaving puts every system under the same conditions, on average, when
/// the machine is shared: a burst of load from elsewhere hits one round of all systems rather
/// than all runs of one. Ratios are then taken round by round ([`Runs::ratio`]).
#[allow(dead_code)]
pub fn interleaved<T>(
    reps: usize,
    systems: &[&dyn Fn() -> T],
    mut check: impl FnMut(usize, T),
) -> Vec<Runs> {
    let mut runs = vec![Runs::default(); systems.len()];
    for _ in 0..reps.max(1) {
        for (i, system) in systems.iter().enumerate() {
            let (cpu0, start) = (cpu_time(), Instant::now());
            let out = std::hint::black_box(system());
            runs[i].wall.push(start.elapsed());
            runs[i].cpu.push(cpu_time().saturating_sub(cpu0));
            check(i, out);
        }
    }
    runs
}

/// Prints one system per line: its median wall and CPU time over the rounds of `runs`, and the
/// median of its per-round ratios to system `base` (wall, then CPU), under `title`.
#[allow(dead_code)]
pub fn report(title: &str, names: &[&str], runs: &[Runs], base: usize) {
    println!(
        "{title}; ratios: median of the per-round ratios to {}",
        names[base]
    );
    let width = names.iter().map(|n| n.len()).max().unwrap_or(0).max(6);
    println!(
        "  {:<width$} {:>9} {:>9} {:>10} {:>10}",
        "system", "wall ms", "CPU ms", "wall ratio", "CPU ratio"
    );
    for (name, r) in names.iter().zip(runs) {
        println!(
            "  {name:<width$} {:>9.1} {:>9.1} {:>10.3} {:>10.3}",
            ms(r.wall()),
            ms(r.cpu()),
            r.ratio(&runs[base]),
            r.cpu_ratio(&runs[base])
        );
    }
    println!();
}

/// SplitMix64: a fast, well-mixed generator; seeded per chunk, it makes generated data parallel
/// and reproducible.
#[allow(dead_code)]
pub fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
