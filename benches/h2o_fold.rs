//! What a user's `fold` costs against the same loop by hand and against the built-in `corr`:
//! the h2o q9 shape (correlation of two columns per key) over in-memory rows
//! `(u64 key, f64 x, f64 y)`, uniform over `KEYS` keys (default 100).
//!
//! Systems, alternating in every round, answers checked against the hand-written one's:
//! * **hand**: rayon `fold` into per-task `hashbrown` maps (foldhash) of co-moments updated in
//!   place (`entry(k).or_default().add(x, y)`), maps merged the smaller into the larger;
//! * **fold**: `key_by(|r| r.0) -> fold(Co::default(), |mut c, r| { c.add(r.1, r.2); c },
//!   merge, identity = Co::default())`, the user's own co-moments by value;
//! * **corr**: the built-in `corr(|r| r.1, |r| r.2)`.
//!
//! Run: `cargo bench --bench h2o_fold` (env: `ROWS` default 1e7, `KEYS`, `REPS` default 5,
//! `THREADS` default 2; `ONLY=hand|fold|corr` runs one system `REPS` times, for callgrind).
//! Without `--bench` (`cargo test --benches`): a smoke test on 1e5 rows.

#[path = "common/mod.rs"]
#[allow(dead_code)]
mod common;

use common::{env_number, report};
use dataflow::prelude::*;
use rayon::prelude::*;

type Row = (u64, f64, f64);
/// A system: its name and one run, giving `(key, r)` per key.
type System<'a> = (&'a str, &'a dyn Fn() -> Vec<(u64, f64)>);
type Map<V> = hashbrown::HashMap<u64, V, foldhash::fast::FixedState>;

/// Co-moments (Welford update, Chan merge), as a user writes them.
#[derive(Clone, Copy, Default, Debug)]
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
        if n == 0.0 {
            return;
        }
        let (dx, dy) = (o.mx - self.mx, o.my - self.my);
        let w = self.n * o.n / n;
        self.mx += dx * o.n / n;
        self.my += dy * o.n / n;
        self.sxx += o.sxx + dx * dx * w;
        self.syy += o.syy + dy * dy * w;
        self.sxy += o.sxy + dx * dy * w;
        self.n = n;
    }

    fn r(&self) -> f64 {
        self.sxy / (self.sxx * self.syy).sqrt()
    }
}

fn generate(rows: usize, keys: u64) -> Vec<Row> {
    let mut state = 0x1234_5678u64;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    (0..rows)
        .map(|_| {
            let k = next() % keys;
            let x = (next() % 5 + 1) as f64;
            let y = (next() % 15 + 1) as f64;
            (k.wrapping_mul(0x9e37_79b9_7f4a_7c15), x, y)
        })
        .collect()
}

fn hand(data: &[Row]) -> Vec<(u64, f64)> {
    data.par_iter()
        .fold(Map::<Co>::default, |mut m, &(k, x, y)| {
            m.entry(k).or_default().add(x, y);
            m
        })
        .reduce(Map::default, |a, b| {
            let (mut big, small) = if a.len() >= b.len() { (a, b) } else { (b, a) };
            for (k, c) in small {
                big.entry(k).or_default().merge(&c);
            }
            big
        })
        .into_iter()
        .map(|(k, c)| (k, c.r()))
        .collect()
}

fn user_fold(data: &[Row], threads: usize) -> Vec<(u64, f64)> {
    pipeline! {
        from_collection(data)
            -> key_by(|r| r.0)
            -> fold(Co::default(), |mut c, r| { c.add(r.1, r.2); c }, |mut a, b| { a.merge(&b); a }, identity = Co::default())
            -> map(|(k, c)| (k, c.r()))
            -> collect()
    }
    .parallelism(threads)
    .run()
    .expect("the fold job runs")
}

fn builtin_corr(data: &[Row], threads: usize) -> Vec<(u64, f64)> {
    pipeline! {
        from_collection(data) -> key_by(|r| r.0) -> corr(|r| r.1, |r| r.2) -> collect()
    }
    .parallelism(threads)
    .run()
    .expect("the corr job runs")
}

fn check(mut got: Vec<(u64, f64)>, want: &[(u64, f64)], what: &str) {
    got.sort_by_key(|p| p.0);
    assert_eq!(got.len(), want.len(), "{what}: keys");
    for (a, b) in got.iter().zip(want) {
        assert!(
            a.0 == b.0 && (a.1 - b.1).abs() <= 1e-9,
            "{what}: {a:?} against {b:?}"
        );
    }
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let rows = env_number("ROWS", if full { 1e7 } else { 1e5 }) as usize;
    let keys = env_number("KEYS", 100.0) as u64;
    let reps = env_number("REPS", if full { 5.0 } else { 1.0 }) as usize;
    let threads = env_number("THREADS", 2.0) as usize;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let data = generate(rows, keys);
    let systems: [System; 3] = [
        ("hand", &|| pool.install(|| hand(&data))),
        ("fold", &|| user_fold(&data, threads)),
        ("corr", &|| builtin_corr(&data, threads)),
    ];
    if let Ok(only) = std::env::var("ONLY") {
        let run = systems
            .iter()
            .find(|s| s.0 == only)
            .expect("ONLY=hand|fold|corr")
            .1;
        for _ in 0..reps {
            std::hint::black_box(run());
        }
        return;
    }
    let mut want = systems[0].1();
    want.sort_by_key(|p| p.0);
    let runners: Vec<&dyn Fn() -> Vec<(u64, f64)>> = systems.iter().map(|s| s.1).collect();
    let runs = common::interleaved(reps, &runners, |i, got| check(got, &want, systems[i].0));
    let names: Vec<&str> = systems.iter().map(|s| s.0).collect();
    let title = format!("h2o q9 shape: {rows} rows, {keys} keys, {threads} threads, medians of {reps} alternating rounds");
    report(&title, &names, &runs, 0);
}
