//! The h2o db-benchmark's ten group-by questions over G1 held in memory, each an ordinary
//! `pipeline!` job over `from_collection(rows)`, keyed by the rows' fields (the string ids are
//! [`Symbol`]s: copied, hashed by their stored hash and compared as integers).

use crate::answer::{answer, Answer, Timing};
use crate::data::Row;
use dataflow::prelude::*;

/// The ten questions as the benchmark phrases them.
pub const QUESTIONS: [&str; 10] = [
    "sum v1 by id1",
    "sum v1 by id1:id2",
    "sum v1 mean v3 by id3",
    "mean v1:v3 by id4",
    "sum v1:v3 by id6",
    "median v3 sd v3 by id4 id5",
    "max v1 - min v2 by id3",
    "largest two v3 by id6",
    "regression v1 v2 by id2 id4",
    "sum v3 count by id1:id6",
];

/// A job's result: one row per group.
pub type Rows<T> = Result<Vec<T>, Error>;

/// Runs question `q` (1..=10) on `threads` threads; returns the time of the job alone (the
/// result typed as the job returns it) and its [`Answer`] (with the whole table if `full`).
pub fn run(q: usize, rows: &[Row], threads: usize, full: bool) -> Result<(Timing, Answer), Error> {
    let t = Timing::start();
    Ok(match q {
        1 => answer(t, q1(rows, threads)?, full, |v| vec![v as f64]),
        2 => answer(t, q2(rows, threads)?, full, |v| vec![v as f64]),
        3 => answer(t, q3(rows, threads)?, full, |(s, m)| vec![s as f64, m]),
        4 => answer(t, q4(rows, threads)?, full, |(a, b, c)| vec![a, b, c]),
        5 => answer(t, q5(rows, threads)?, full, |(a, b, c)| {
            vec![a as f64, b as f64, c]
        }),
        6 => answer(t, q6(rows, threads)?, full, |(m, s)| vec![m, s]),
        7 => answer(t, q7(rows, threads)?, full, |v| vec![v as f64]),
        8 => {
            let top = q8(rows, threads)?;
            let t = t.stop();
            let exploded: Vec<(i32, f64)> = top
                .into_iter()
                .flat_map(|(k, top)| top.into_iter().map(move |v| (k, v)))
                .collect();
            answer(t, exploded, full, |v| vec![v])
        }
        9 => answer(t, q9(rows, threads)?, full, |v| vec![v]),
        10 => answer(t, q10(rows, threads)?, full, |(s, n)| vec![s, n as f64]),
        _ => panic!("h2o group-by has questions 1 to 10, not {q}"),
    })
}

/// q1: `SELECT id1, sum(v1) FROM x GROUP BY id1`.
pub fn q1(rows: &[Row], threads: usize) -> Rows<(Symbol, i64)> {
    pipeline! {
        from_collection(rows) -> key_by(|r| r.id1) -> sum(|r| r.v1 as i64) -> collect()
    }
    .parallelism(threads)
    .run()
}

/// q2: sum v1 by id1, id2.
pub fn q2(rows: &[Row], threads: usize) -> Rows<((Symbol, Symbol), i64)> {
    pipeline! {
        from_collection(rows)
            -> key_by(|r| (r.id1, r.id2))
            -> sum(|r| r.v1 as i64)
            -> collect()
    }
    .parallelism(threads)
    .run()
}

/// q3: sum v1, mean v3 by id3 (N/100 string keys).
pub fn q3(rows: &[Row], threads: usize) -> Rows<(Symbol, (i64, f64))> {
    pipeline! {
        from_collection(rows)
            -> key_by(|r| r.id3)
            -> aggregate(sum(|r| r.v1 as i64), avg(|r| r.v3))
            -> collect()
    }
    .parallelism(threads)
    .run()
}

/// q4: mean v1, v2, v3 by id4.
pub fn q4(rows: &[Row], threads: usize) -> Rows<(i32, (f64, f64, f64))> {
    pipeline! {
        from_collection(rows)
            -> key_by(|r| r.id4)
            -> aggregate(avg(|r| r.v1), avg(|r| r.v2), avg(|r| r.v3))
            -> collect()
    }
    .parallelism(threads)
    .run()
}

/// q5: sum v1, v2, v3 by id6 (N/100 integer keys).
pub fn q5(rows: &[Row], threads: usize) -> Rows<(i32, (i64, i64, f64))> {
    pipeline! {
        from_collection(rows)
            -> key_by(|r| r.id6)
            -> aggregate(sum(|r| r.v1 as i64), sum(|r| r.v2 as i64), sum(|r| r.v3))
            -> collect()
    }
    .parallelism(threads)
    .run()
}

/// q6: median and standard deviation of v3 by id4, id5.
pub fn q6(rows: &[Row], threads: usize) -> Rows<((i32, i32), (f64, f64))> {
    pipeline! {
        from_collection(rows)
            -> key_by(|r| (r.id4, r.id5))
            -> aggregate(median(|r| r.v3), stddev(|r| r.v3))
            -> collect()
    }
    .parallelism(threads)
    .run()
}

/// q7: max v1 - min v2 by id3.
pub fn q7(rows: &[Row], threads: usize) -> Rows<(Symbol, i32)> {
    pipeline! {
        from_collection(rows)
            -> key_by(|r| r.id3)
            -> aggregate(max(|r| r.v1), min(|r| r.v2))
            -> map(|(id3, (v1, v2))| (id3, v1 - v2))
            -> collect()
    }
    .parallelism(threads)
    .run()
}

/// q8: the two largest v3 by id6.
pub fn q8(rows: &[Row], threads: usize) -> Rows<(i32, Vec<f64>)> {
    pipeline! {
        from_collection(rows) -> key_by(|r| r.id6) -> top(2, |r| r.v3) -> collect()
    }
    .parallelism(threads)
    .run()
}

/// q9: the squared correlation of v1 and v2 by id2, id4.
pub fn q9(rows: &[Row], threads: usize) -> Rows<((Symbol, i32), f64)> {
    pipeline! {
        from_collection(rows)
            -> key_by(|r| (r.id2, r.id4))
            -> corr(|r| r.v1 as f64, |r| r.v2 as f64)
            -> map(|(k, r)| (k, r * r))
            -> collect()
    }
    .parallelism(threads)
    .run()
}

/// The key of q10: every id column.
pub type Id6 = (Symbol, Symbol, Symbol, i32, i32, i32);

/// q10: sum v3 and count by id1..id6 (about N groups).
pub fn q10(rows: &[Row], threads: usize) -> Rows<(Id6, (f64, u64))> {
    pipeline! {
        from_collection(rows)
            -> key_by(|r| (r.id1, r.id2, r.id3, r.id4, r.id5, r.id6))
            -> aggregate(sum(|r| r.v3), count())
            -> collect()
    }
    .parallelism(threads)
    .run()
}
