//! The h2o db-benchmark's five join questions over tables held in memory, as `pipeline!` jobs
//! and by hand. A joined row is the pair of the two tables' records (references into the
//! tables, as a Rust program keeps them), `Option` on the right for the outer join.

use crate::answer::{sort_table, Answer, Timing};
use crate::data::{Big, JoinTables, Medium, Small, X};
use dataflow::prelude::*;
use rayon::prelude::*;
use std::hash::Hash;

/// The five questions as the benchmark phrases them.
pub const QUESTIONS: [&str; 5] = [
    "small inner on int",
    "medium inner on int",
    "medium outer on int",
    "medium inner on factor",
    "big inner on int",
];

/// Runs question `j` (1..=5) with `pipeline!` (`hand = false`) or by hand.
pub fn run(
    j: usize,
    t: &JoinTables,
    threads: usize,
    hand: bool,
    full: bool,
) -> Result<(Timing, Answer), Error> {
    let x = &t.x[..];
    let started = Timing::start();
    Ok(match (j, hand) {
        (1, false) => check(started, j1(x, &t.small, threads)?, full),
        (2, false) => check(started, j2(x, &t.medium, threads)?, full),
        (3, false) => check(started, j3(x, &t.medium, threads)?, full),
        (4, false) => check(started, j4(x, &t.medium, threads)?, full),
        (5, false) => check(started, j5(x, &t.big, threads)?, full),
        (1, true) => check(
            started,
            by_hand(x, &t.small, |x| x.id1, |s| s.id1, false),
            full,
        ),
        (2, true) => check(
            started,
            by_hand(x, &t.medium, |x| x.id2, |m| m.id2, false),
            full,
        ),
        (3, true) => check(
            started,
            by_hand(x, &t.medium, |x| x.id2, |m| m.id2, true),
            full,
        ),
        (4, true) => check(
            started,
            by_hand(x, &t.medium, |x| x.id5, |m| m.id5, false),
            full,
        ),
        (5, true) => check(
            started,
            by_hand(x, &t.big, |x| x.id3, |b| b.id3, false),
            full,
        ),
        _ => panic!("h2o join has questions 1 to 5, not {j}"),
    })
}

/// The right tables' common column.
pub trait V2 {
    fn v2(&self) -> f64;
}
impl V2 for Small {
    fn v2(&self) -> f64 {
        self.v2
    }
}
impl V2 for Medium {
    fn v2(&self) -> f64 {
        self.v2
    }
}
impl V2 for Big {
    fn v2(&self) -> f64 {
        self.v2
    }
}

/// Rows, sum of v1, sum of v2 (an unmatched row's v2 is NULL: left out of the sum); as table,
/// every row as X's keys with both values (a right table's random v2 tells which row matched).
fn check<R: V2>(t: Timing, rows: Vec<(&X, Option<&R>)>, full: bool) -> (Timing, Answer) {
    let t = t.stop();
    let mut a = Answer {
        rows: rows.len(),
        chk: vec![0.0, 0.0],
        table: Vec::new(),
    };
    for (x, r) in &rows {
        a.chk[0] += x.v1;
        a.chk[1] += r.map_or(0.0, V2::v2);
        if full {
            let key = format!("{:?}", (x.id1, x.id2, x.id3, &x.id4, &x.id5, &x.id6));
            a.table.push((key, vec![x.v1, r.map_or(f64::NAN, V2::v2)]));
        }
    }
    sort_table(&mut a.table);
    (t, a)
}

/// A join's result: each row of X with its match (`None`: none, in the outer join).
pub type Pairs<'a, R> = Result<Vec<(&'a X, Option<&'a R>)>, Error>;

/// j1: X inner join SMALL on id1; SMALL is tiny, so it is broadcast (Flink's `joinWithTiny`).
pub fn j1<'a>(x: &'a [X], small: &'a [Small], threads: usize) -> Pairs<'a, Small> {
    pipeline! {
        let small = from_collection(small);
        from_collection(x)
            -> join(small, |x| x.id1, |s| s.id1, |x, s| (*x, Some(*s)), strategy = broadcast_right)
            -> collect()
    }
    .parallelism(threads)
    .run()
}

/// j2: X inner join MEDIUM on id2 (MEDIUM has N/1e3 rows: broadcast).
pub fn j2<'a>(x: &'a [X], medium: &'a [Medium], threads: usize) -> Pairs<'a, Medium> {
    pipeline! {
        let medium = from_collection(medium);
        from_collection(x)
            -> join(medium, |x| x.id2, |m| m.id2, |x, m| (*x, Some(*m)), strategy = broadcast_right)
            -> collect()
    }
    .parallelism(threads)
    .run()
}

/// j3: X left outer join MEDIUM on id2 (MEDIUM broadcast; X, the kept side, streams).
pub fn j3<'a>(x: &'a [X], medium: &'a [Medium], threads: usize) -> Pairs<'a, Medium> {
    pipeline! {
        let medium = from_collection(medium);
        from_collection(x)
            -> left_outer_join(medium, |x| x.id2, |m| m.id2, |x, m| (*x, m.copied()), strategy = broadcast_right)
            -> collect()
    }
    .parallelism(threads)
    .run()
}

/// j4: X inner join MEDIUM on id5, a string column (the benchmark's "factor").
pub fn j4<'a>(x: &'a [X], medium: &'a [Medium], threads: usize) -> Pairs<'a, Medium> {
    pipeline! {
        let medium = from_collection(medium);
        from_collection(x)
            -> join(medium, |x| x.id5, |m| m.id5, |x, m| (*x, Some(*m)), strategy = broadcast_right)
            -> collect()
    }
    .parallelism(threads)
    .run()
}

/// j5: X inner join BIG on id3 (both N rows: hash-partitioned).
pub fn j5<'a>(x: &'a [X], big: &'a [Big], threads: usize) -> Pairs<'a, Big> {
    pipeline! {
        let big = from_collection(big);
        from_collection(x) -> join(big, |x| x.id3, |b| b.id3, |x, b| (*x, Some(*b))) -> collect()
    }
    .parallelism(threads)
    .run()
}

/// A join by hand: one `hashbrown` table from key to the right rows' positions, built on one
/// thread (SMALL, MEDIUM) or from per-chunk tables merged (BIG), probed by X's chunks in
/// parallel; the pairs of each chunk concatenated in X's order.
fn by_hand<'a, K, R>(
    x: &'a [X],
    right: &'a [R],
    lkey: impl Fn(&'a X) -> K + Sync,
    rkey: impl Fn(&'a R) -> K + Sync,
    outer: bool,
) -> Vec<(&'a X, Option<&'a R>)>
where
    K: Hash + Eq + Send + Sync,
    R: Sync,
{
    type Map<K, V> = hashbrown::HashMap<K, V, foldhash::fast::FixedState>;
    let chunk = (right.len() / (4 * rayon::current_num_threads())).max(1 << 16);
    let table: Map<K, Vec<&R>> = right
        .par_chunks(chunk)
        .map(|rows| {
            let mut map: Map<K, Vec<&R>> = Map::default();
            for r in rows {
                map.entry(rkey(r)).or_default().push(r);
            }
            map
        })
        .reduce(Map::default, |mut a, b| {
            for (k, v) in b {
                a.entry(k).or_default().extend(v);
            }
            a
        });
    let chunk = (x.len() / (4 * rayon::current_num_threads())).max(4096);
    let parts: Vec<Vec<(&X, Option<&R>)>> = x
        .par_chunks(chunk)
        .map(|xs| {
            let mut out = Vec::with_capacity(xs.len());
            for l in xs {
                match table.get(&lkey(l)) {
                    Some(rs) => out.extend(rs.iter().map(|r| (l, Some(*r)))),
                    None if outer => out.push((l, None)),
                    None => {}
                }
            }
            out
        })
        .collect();
    parts.concat()
}
