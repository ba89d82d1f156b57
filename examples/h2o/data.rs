//! The h2o db-benchmark's tables (duckdblabs/db-benchmark): the group-by table G1 and the join
//! tables X, SMALL, MEDIUM and BIG, their generators and their in-memory records.
//!
//! G1 follows the benchmark's `groupby-datagen.R` with K = 100: `id1`, `id2` are strings
//! `id001`..`id100`, `id3` a string `id0000000001`.. of N/K values, `id4`, `id5` integers 1..K,
//! `id6` an integer 1..N/K, `v1` 1..5, `v2` 1..15, `v3` uniform in [0, 100) to 6 decimals.
//! The join tables follow `join-datagen.R`'s shape: X has N rows, SMALL N/1e6, MEDIUM N/1e3 and
//! BIG N; each right table has unique keys at its level, 90% of them also drawn by X
//! (`id1` at SMALL's level, `id2` at MEDIUM's, `id3` at BIG's), and `id4`..`id6` are `id1`..`id3`
//! written as strings `id<n>`.
//!
//! The string columns are [`Symbol`]s, as a user who cares for speed declares repeated ids: a
//! 4-byte handle to text interned once, where a `String` is 24 bytes and an allocation per
//! field (DuckDB's and Polars' solutions load them as `ENUM` and `Categorical` likewise).

use dataflow::Symbol;
use serde::Deserialize;
use std::io::Write;

#[allow(dead_code)]
mod rng {
    include!("../common/rng.rs");
}
use rng::SplitMix64;

/// A row of G1, as read into memory: what a user writes for `read_csv` of this file.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
pub struct Row {
    pub id1: Symbol,
    pub id2: Symbol,
    pub id3: Symbol,
    pub id4: i32,
    pub id5: i32,
    pub id6: i32,
    pub v1: i32,
    pub v2: i32,
    pub v3: f64,
}

/// Generates G1 with `n` rows and `k` groups per low-cardinality column.
pub fn generate_groupby(n: u64, k: u64, seed: u64) -> Vec<Row> {
    let mut rng = SplitMix64::new(seed);
    let nk = (n / k).max(1);
    (0..n)
        .map(|_| Row {
            id1: Symbol::new(&format!("id{:03}", 1 + rng.below(k))),
            id2: Symbol::new(&format!("id{:03}", 1 + rng.below(k))),
            id3: Symbol::new(&format!("id{:010}", 1 + rng.below(nk))),
            id4: 1 + rng.below(k) as i32,
            id5: 1 + rng.below(k) as i32,
            id6: 1 + rng.below(nk) as i32,
            v1: 1 + rng.below(5) as i32,
            v2: 1 + rng.below(15) as i32,
            // Six decimals, as the benchmark's `round(runif(N, max = 100), 6)`.
            v3: (rng.next_f64() * 100e6).round() / 1e6,
        })
        .collect()
}

/// Writes G1 rows as the benchmark's CSV (header, comma-separated).
pub fn write_groupby(path: &str, rows: &[Row]) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "id1,id2,id3,id4,id5,id6,v1,v2,v3")?;
    for r in rows {
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{:.6}",
            r.id1, r.id2, r.id3, r.id4, r.id5, r.id6, r.v1, r.v2, r.v3
        )?;
    }
    out.flush()
}

/// A row of the join benchmark's left table X.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
pub struct X {
    pub id1: i64,
    pub id2: i64,
    pub id3: i64,
    pub id4: Symbol,
    pub id5: Symbol,
    pub id6: Symbol,
    pub v1: f64,
}

/// A row of SMALL.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
pub struct Small {
    pub id1: i64,
    pub id4: Symbol,
    pub v2: f64,
}

/// A row of MEDIUM.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
pub struct Medium {
    pub id1: i64,
    pub id2: i64,
    pub id4: Symbol,
    pub id5: Symbol,
    pub v2: f64,
}

/// A row of BIG.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
pub struct Big {
    pub id1: i64,
    pub id2: i64,
    pub id3: i64,
    pub id4: Symbol,
    pub id5: Symbol,
    pub id6: Symbol,
    pub v2: f64,
}

/// The four join tables.
#[derive(Clone, Debug, Default)]
pub struct JoinTables {
    pub x: Vec<X>,
    pub small: Vec<Small>,
    pub medium: Vec<Medium>,
    pub big: Vec<Big>,
}

/// The keys of one level with `n` right-side keys: X draws from `1..=n` (the first 90% are
/// also on the right, the rest X's own), the right side holds the first 90% and `n - 0.9 n`
/// keys of its own above `n`, shuffled.
struct Level {
    n: i64,
    common: i64,
    right: Vec<i64>,
}

impl Level {
    fn new(n: u64, rng: &mut SplitMix64) -> Level {
        let n = n.max(1) as i64;
        let common = (n * 9 / 10).max(1);
        let mut right: Vec<i64> = (1..=common).chain(n + 1..=2 * n - common).collect();
        for i in (1..right.len()).rev() {
            right.swap(i, rng.below(i as u64 + 1) as usize);
        }
        Level { n, common, right }
    }

    /// A key X draws.
    fn left(&self, rng: &mut SplitMix64) -> i64 {
        1 + rng.below(self.n as u64) as i64
    }

    /// A key a larger right table draws at this level (any of the right side's keys).
    fn any_right(&self, rng: &mut SplitMix64) -> i64 {
        self.right[rng.below(self.right.len() as u64) as usize]
    }
}

fn value(rng: &mut SplitMix64) -> f64 {
    (rng.next_f64() * 100e6).round() / 1e6
}

/// Generates X with `n` rows and its three right tables (N/1e6, N/1e3 and N rows).
pub fn generate_join(n: u64, seed: u64) -> JoinTables {
    generate_join_sized(n, [n / 1_000_000, n / 1_000, n], seed)
}

/// Generates X with `n` rows and right tables of `sizes` rows (SMALL, MEDIUM, BIG).
pub fn generate_join_sized(n: u64, sizes: [u64; 3], seed: u64) -> JoinTables {
    let mut rng = SplitMix64::new(seed);
    let levels = sizes.map(|size| Level::new(size, &mut rng));
    debug_assert!(levels.iter().all(|l| l.common <= l.n));
    let id = |k: i64| Symbol::new(&format!("id{k}"));
    let x = (0..n)
        .map(|_| {
            let (id1, id2, id3) = (
                levels[0].left(&mut rng),
                levels[1].left(&mut rng),
                levels[2].left(&mut rng),
            );
            X {
                id1,
                id2,
                id3,
                id4: id(id1),
                id5: id(id2),
                id6: id(id3),
                v1: value(&mut rng),
            }
        })
        .collect();
    let small = levels[0]
        .right
        .iter()
        .map(|&id1| Small {
            id1,
            id4: id(id1),
            v2: value(&mut rng),
        })
        .collect();
    let medium = levels[1]
        .right
        .iter()
        .map(|&id2| {
            let id1 = levels[0].any_right(&mut rng);
            Medium {
                id1,
                id2,
                id4: id(id1),
                id5: id(id2),
                v2: value(&mut rng),
            }
        })
        .collect();
    let big = levels[2]
        .right
        .iter()
        .map(|&id3| {
            let (id1, id2) = (levels[0].any_right(&mut rng), levels[1].any_right(&mut rng));
            Big {
                id1,
                id2,
                id3,
                id4: id(id1),
                id5: id(id2),
                id6: id(id3),
                v2: value(&mut rng),
            }
        })
        .collect();
    JoinTables {
        x,
        small,
        medium,
        big,
    }
}

/// Writes the join tables as `DIR/x.csv`, `small.csv`, `medium.csv`, `big.csv`.
pub fn write_join(dir: &str, t: &JoinTables) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let file = |name: &str| -> std::io::Result<std::io::BufWriter<std::fs::File>> {
        Ok(std::io::BufWriter::new(std::fs::File::create(format!(
            "{dir}/{name}.csv"
        ))?))
    };
    let mut out = file("x")?;
    writeln!(out, "id1,id2,id3,id4,id5,id6,v1")?;
    for r in &t.x {
        let X { id1, id2, id3, .. } = r;
        writeln!(
            out,
            "{id1},{id2},{id3},{},{},{},{:.6}",
            r.id4, r.id5, r.id6, r.v1
        )?;
    }
    out.flush()?;
    let mut out = file("small")?;
    writeln!(out, "id1,id4,v2")?;
    for r in &t.small {
        writeln!(out, "{},{},{:.6}", r.id1, r.id4, r.v2)?;
    }
    out.flush()?;
    let mut out = file("medium")?;
    writeln!(out, "id1,id2,id4,id5,v2")?;
    for r in &t.medium {
        writeln!(out, "{},{},{},{},{:.6}", r.id1, r.id2, r.id4, r.id5, r.v2)?;
    }
    out.flush()?;
    let mut out = file("big")?;
    writeln!(out, "id1,id2,id3,id4,id5,id6,v2")?;
    for r in &t.big {
        let Big { id1, id2, id3, .. } = r;
        writeln!(
            out,
            "{id1},{id2},{id3},{},{},{},{:.6}",
            r.id4, r.id5, r.id6, r.v2
        )?;
    }
    out.flush()
}
