//! `corr` and `median` per key over in-memory rows `(u64 key, f64 v1, f64 v2)`, `pipeline!`
//! against the hand-written version of the same job a strong engineer writes without a
//! framework: rayon `fold` into thread-local `hashbrown` maps (foldhash), `reduce` by merging
//! the smaller map into the larger one; for `corr` the same Welford/Chan co-moments as the
//! built-in (so both are numerically stable), for `median` a `Vec<f64>` per key and
//! `select_nth_unstable_by(total_cmp)` on each key's values, the keys in parallel.
//!
//! Systems alternate within each round; the table shows medians of wall and CPU time (CPU time
//! of all threads of the process) and the ratio pipeline / hand-written (median of the per-round
//! ratios). Results are checked against each other (every key, relative tolerance 1e-9).
//!
//! Environment: `ROWS` (default 1e7), `KEYS` (comma-separated, default `100,1e5`), `REPS`
//! (default 5), `THREADS` (default: the number of CPUs). Without `--bench` (`cargo test
//! --benches`) it is a smoke test: 1e5 rows, keys `100,1e3`, one round.
//!
//! Run: `cargo bench --bench aggregations`, e.g. `THREADS=2 REPS=5 cargo bench --bench aggregations`.

#[path = "common/mod.rs"]
mod common;

use common::{env_count, env_counts, env_threads, interleaved, ms, splitmix};
use rayon::prelude::*;

type Row = (u64, f64, f64);
type Map<V> = hashbrown::HashMap<u64, V, foldhash::fast::RandomState>;

/// Keys uniform over `keys` values spread over `u64`; v1 uniform in [0, 100); v2 = v1 plus
/// noise, so that the correlation is far from 0 and from 1.
fn generate(rows: usize, keys: u64) -> Vec<Row> {
    let mut data = vec![(0u64, 0.0, 0.0); rows];
    data.par_chunks_mut(1 << 16)
        .enumerate()
        .for_each(|(chunk, rows)| {
            let mut state = 0x1234_5678 ^ (chunk as u64).wrapping_mul(0x2545_f491_4f6c_dd1d);
            for r in rows {
                let k = splitmix(&mut state) % keys;
                let v1 = (splitmix(&mut state) >> 11) as f64 / (1u64 << 53) as f64 * 100.0;
                let noise = (splitmix(&mut state) >> 11) as f64 / (1u64 << 53) as f64 * 50.0;
                *r = (k.wrapping_mul(0x9e37_79b9_7f4a_7c15), v1, v1 + noise);
            }
        });
    data
}

/// Co-moments, written out by hand (Welford update, Chan merge).
#[derive(Clone, Copy, Default)]
struct Co {
    n: f64,
    mx: f64,
    my: f64,
    sxx: f64,
    syy: f64,
    sxy: f64,
}

impl Co {
    #[inline]
    fn add(&mut self, x: f64, y: f64) {
        self.n += 1.0;
        let dx = x - self.mx;
        let dy = y - self.my;
        self.mx += dx / self.n;
        self.my += dy / self.n;
        let dy2 = y - self.my;
        self.sxx += dx * (x - self.mx);
        self.syy += dy * dy2;
        self.sxy += dx * dy2;
    }

    fn merge(&mut self, o: &Co) {
        let n = self.n + o.n;
        let (dx, dy) = (o.mx - self.mx, o.my - self.my);
        let w = self.n * o.n / n;
        self.mx += dx * o.n / n;
        self.my += dy * o.n / n;
        self.sxx += o.sxx + dx * dx * w;
        self.syy += o.syy + dy * dy * w;
        self.sxy += o.sxy + dx * dy * w;
        self.n = n;
    }
}

fn merge_maps<V>(a: Map<V>, b: Map<V>, mut f: impl FnMut(&mut V, V)) -> Map<V> {
    let (mut big, small) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    for (k, v) in small {
        match big.entry(k) {
            hashbrown::hash_map::Entry::Occupied(mut e) => f(e.get_mut(), v),
            hashbrown::hash_map::Entry::Vacant(e) => {
                e.insert(v);
            }
        }
    }
    big
}

fn hand_corr(data: &[Row]) -> Vec<(u64, f64)> {
    let map = data
        .par_iter()
        .fold(Map::<Co>::default, |mut m, &(k, x, y)| {
            m.entry(k).or_default().add(x, y);
            m
        })
        .reduce(Map::default, |a, b| merge_maps(a, b, |a, b| a.merge(&b)));
    map.into_iter()
        .map(|(k, c)| (k, c.sxy / (c.sxx * c.syy).sqrt()))
        .collect()
}

fn hand_median(data: &[Row]) -> Vec<(u64, f64)> {
    let map = data
        .par_iter()
        .fold(Map::<Vec<f64>>::default, |mut m, &(k, x, _)| {
            m.entry(k).or_default().push(x);
            m
        })
        .reduce(Map::default, |a, b| {
            merge_maps(a, b, |a, mut b| {
                if b.len() > a.len() {
                    std::mem::swap(a, &mut b);
                }
                a.append(&mut b)
            })
        });
    // hashbrown's rayon feature is off here: hand the groups to rayon as a vector.
    let groups: Vec<(u64, Vec<f64>)> = map.into_iter().collect();
    groups
        .into_par_iter()
        .map(|(k, mut v)| {
            let (mid, odd) = ((v.len() - 1) / 2, v.len() % 2 == 1);
            let (_, lo, above) = v.select_nth_unstable_by(mid, f64::total_cmp);
            let lo = *lo;
            let m = if odd {
                lo
            } else {
                let hi = above.iter().copied().min_by(f64::total_cmp).unwrap();
                lo + 0.5 * (hi - lo)
            };
            (k, m)
        })
        .collect()
}

fn pipeline_corr(data: &[Row], threads: usize) -> Vec<(u64, f64)> {
    dataflow::pipeline! {
        from_collection(data) -> key_by(|r: &&Row| r.0) -> corr(|r: &&Row| r.1, |r: &&Row| r.2) -> collect()
    }
    .parallelism(threads)
    .run()
    .expect("the corr job runs")
}

fn pipeline_median(data: &[Row], threads: usize) -> Vec<(u64, f64)> {
    dataflow::pipeline! {
        from_collection(data) -> key_by(|r: &&Row| r.0) -> median(|r: &&Row| r.1) -> collect()
    }
    .parallelism(threads)
    .run()
    .expect("the median job runs")
}

fn same(mut a: Vec<(u64, f64)>, mut b: Vec<(u64, f64)>, what: &str) {
    a.sort_by_key(|p| p.0);
    b.sort_by_key(|p| p.0);
    assert_eq!(a.len(), b.len(), "{what}: number of keys");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.0, y.0, "{what}: keys");
        let ok = (x.1.is_nan() && y.1.is_nan()) || (x.1 - y.1).abs() <= 1e-9 * x.1.abs().max(1.0);
        assert!(ok, "{what}: key {} gives {} and {}", x.0, x.1, y.1);
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` (or `--all-targets`) runs this
    // binary without it, as a smoke test: small defaults then.
    let full = std::env::args().any(|a| a == "--bench");
    let rows = env_count("ROWS", if full { 10_000_000 } else { 100_000 });
    let keys = env_counts("KEYS", if full { "100,1e5" } else { "100,1e3" });
    let reps = env_count("REPS", if full { 5 } else { 1 }).max(1);
    let threads = env_threads(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    println!("per-key corr and median, {rows} rows of (u64, f64, f64), {threads} threads, median of {reps} rounds");
    println!("| job | keys | hand ms | pipeline ms | hand cpu ms | pipeline cpu ms | pipeline/hand wall | pipeline/hand cpu |");
    println!("|---|---|---|---|---|---|---|---|");
    for &k in &keys {
        let data = generate(rows, k as u64);
        type Job = (
            &'static str,
            fn(&[Row]) -> Vec<(u64, f64)>,
            fn(&[Row], usize) -> Vec<(u64, f64)>,
        );
        let jobs: [Job; 2] = [
            ("corr", hand_corr, pipeline_corr),
            ("median", hand_median, pipeline_median),
        ];
        for (name, hand, pipe) in jobs {
            let hand = || pool.install(|| hand(&data));
            let pipe = || pool.install(|| pipe(&data, threads));
            let mut first = None;
            let runs = interleaved(reps, &[&hand, &pipe], |i, out| match i {
                0 => first = Some(out),
                _ => same(first.take().expect("hand runs first"), out, name),
            });
            let (h, p) = (&runs[0], &runs[1]);
            println!(
                "| {name} | {k} | {:.0} | {:.0} | {:.0} | {:.0} | {:.2} | {:.2} |",
                ms(h.wall()),
                ms(p.wall()),
                ms(h.cpu()),
                ms(p.cpu()),
                p.ratio(h),
                p.cpu_ratio(h)
            );
        }
    }
}
