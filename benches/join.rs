//! Equi-joins of in-memory rows `(u64 key, u64 payload)`: a repartitioned hash join of two
//! large inputs, and a broadcast join of a large input with a small one.
//!
//! Compares, in one process and on one thread pool, systems taking turns round by round:
//! * (a) the hand-written join a strong engineer writes with rayon and hashbrown (foldhash):
//!   hash join: each rayon task scatters its share of both inputs into 256 buckets by the top
//!   bits of the key's hash, then one task per partition concatenates the right side's
//!   buckets, builds a `hashbrown::HashMap<key, first index>` with a `next` chain over them
//!   (keys may repeat) and probes it with the left side's buckets; broadcast join: one
//!   `HashMap<key, Vec<payload>>` over the small side, probed by a rayon `fold` over the large
//!   side;
//! * (b) the runtime's kernels, driven as generated code drives them: `drive_indexed` pushing
//!   every row into a `JoinSide`, `finish_side`, then `join::inner`; for the broadcast join
//!   `BroadcastTable::build`, probed by `drive_indexed`;
//! * (c) the same joins written with `pipeline!` (`from_collection` on both sides, a join
//!   function, a global `fold`). For the hash join the rows are cloned into owned collections
//!   first, inside the timing (a handicap of one copy of both inputs): over a borrowed
//!   collection the records would be `&Row`, and probing through references into an input
//!   larger than the caches costs a cache miss per key (3.7 times (a)'s CPU time at 2e6 rows).
//!   The broadcast join streams `&Row` references (the large side is read in place, in order).
//!
//! Every system computes the number of pairs and the wrapping sum of `left ^ right` payloads
//! over them; the results are checked equal.
//!
//! Environment: `ROWS` (rows of each side of the hash join and of the broadcast join's large
//! side, default 1e7), `SMALL` (rows of the broadcast side, default 1e4), `REPS` (rounds,
//! default 5), `THREADS` (default: the number of CPUs). Without `--bench` (`cargo test
//! --benches`) the defaults are a smoke test: 1e5 and 1e3 rows, one round.
//!
//! Run: `cargo bench --bench join`, or e.g. `ROWS=2e6 REPS=3 cargo bench --bench join`.

mod common;

use common::{env_number, env_threads, interleaved, report, splitmix};
use dataflow_runtime::guard::OpInfo;
use dataflow_runtime::join::{self, BroadcastTable, JoinSide};
use dataflow_runtime::Context;
use rayon::prelude::*;
use std::hash::BuildHasher;

type Row = (u64, u64);

/// What every system computes: the number of pairs and the wrapping sum of `l ^ r` payloads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Total {
    pairs: u64,
    sum: u64,
}

impl Total {
    #[inline(always)]
    fn add(&mut self, l: u64, r: u64) {
        self.pairs += 1;
        self.sum = self.sum.wrapping_add(l ^ r);
    }

    fn merge(self, other: Total) -> Total {
        Total {
            pairs: self.pairs + other.pairs,
            sum: self.sum.wrapping_add(other.sum),
        }
    }
}

static OP: OpInfo = OpInfo {
    name: "join",
    file: file!(),
    line: line!(),
    column: 1,
};

/// Key number `i`, spread over the `u64` range by a fixed bijection.
fn key_of(i: u64) -> u64 {
    i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0xdead_beef
}

/// `rows` rows; with `unique`, row `i` has key number `i`, otherwise a key number drawn
/// uniformly from `0..keys`. Payloads are random.
fn generate(rows: usize, keys: u64, unique: bool, seed: u64) -> Vec<Row> {
    let mut data = vec![(0u64, 0u64); rows];
    data.par_chunks_mut(1 << 16)
        .enumerate()
        .for_each(|(chunk, rows)| {
            let mut state = seed ^ (chunk as u64).wrapping_mul(0x2545_f491_4f6c_dd1d);
            for (i, row) in rows.iter_mut().enumerate() {
                let r = splitmix(&mut state);
                let k = if unique {
                    (chunk << 16) as u64 + i as u64
                } else {
                    ((r as u128 * keys as u128) >> 64) as u64
                };
                *row = (key_of(k), splitmix(&mut state));
            }
        });
    data
}

const PARTITIONS: usize = 256;
type Map<V> = hashbrown::HashMap<u64, V, foldhash::fast::FixedState>;

fn hasher() -> foldhash::fast::FixedState {
    foldhash::fast::FixedState::with_seed(42)
}

/// (a) Scatters `data` into `PARTITIONS` buckets per task; returns them per partition.
fn scatter(data: &[Row], threads: usize) -> Vec<Vec<Vec<Row>>> {
    let chunk = (data.len() / (threads * 4)).max(4096);
    let state = hasher();
    let tasks: Vec<Vec<Vec<Row>>> = data
        .par_chunks(chunk)
        .map(|rows| {
            let mut buckets: Vec<Vec<Row>> = (0..PARTITIONS).map(|_| Vec::new()).collect();
            for &row in rows {
                buckets[(state.hash_one(row.0) >> 56) as usize].push(row);
            }
            buckets
        })
        .collect();
    let mut by_part: Vec<Vec<Vec<Row>>> = (0..PARTITIONS).map(|_| Vec::new()).collect();
    for task in tasks {
        for (p, bucket) in task.into_iter().enumerate() {
            by_part[p].push(bucket);
        }
    }
    by_part
}

/// (a) The hand-written partitioned hash join.
fn hand_hash_join(left: &[Row], right: &[Row], threads: usize) -> Total {
    let (l, r) = rayon::join(|| scatter(left, threads), || scatter(right, threads));
    l.into_par_iter()
        .zip(r)
        .map(|(probe, build)| {
            let build: Vec<Row> = build.concat();
            let mut heads: Map<u32> = Map::with_capacity_and_hasher(build.len(), hasher());
            let mut next = vec![u32::MAX; build.len()];
            for (i, &(k, _)) in build.iter().enumerate().rev() {
                let head = heads.entry(k).or_insert(u32::MAX);
                next[i] = *head;
                *head = i as u32;
            }
            let mut total = Total::default();
            for &(k, payload) in probe.iter().flatten() {
                if let Some(&first) = heads.get(&k) {
                    let mut j = first;
                    while j != u32::MAX {
                        total.add(payload, build[j as usize].1);
                        j = next[j as usize];
                    }
                }
            }
            total
        })
        .reduce(Total::default, Total::merge)
}

/// (b) The runtime's kernels, as generated code calls them.
fn kernel_hash_join(ctx: &Context, left: &[Row], right: &[Row]) -> Total {
    let side = |data: &[Row]| {
        let push = |side: &mut JoinSide<Row>, row: &Row| side.push(&row.0, *row);
        let sides = dataflow_runtime::driver::drive_indexed(ctx, &OP, data, JoinSide::new, push);
        join::finish_side(sides.expect("the driver does not fail"))
    };
    let (l, r) = (side(left), side(right));
    let states = join::inner(
        ctx,
        &OP,
        &l,
        &r,
        |x: &Row| x.0,
        |y: &Row| y.0,
        Total::default,
        |t, x, y| t.add(x.1, y.1),
    );
    let states = states.expect("the join does not fail");
    states.into_iter().fold(Total::default(), Total::merge)
}

/// (c) The hash join written with `pipeline!`, as a user would: the same count and wrapping
/// sum, as a global fold over the join function's results. The rows are cloned into owned
/// collections (inside the timing), as a hash exchange of `&Row` references would make the
/// join chase a pointer into the 160 MB input for every key (see BENCHMARKS.md).
fn pipeline_hash_join(left: &[Row], right: &[Row], threads: usize) -> Total {
    let (pairs, sum) = dataflow::pipeline! {
        let ls = from_collection(left.to_vec());
        let rs = from_collection(right.to_vec());
        ls -> join(rs, |l: &Row| l.0, |r: &Row| r.0, |l: &Row, r: &Row| l.1 ^ r.1)
           -> fold((0u64, 0u64), |t: (u64, u64), x: u64| (t.0 + 1, t.1.wrapping_add(x)),
                   |a: (u64, u64), b: (u64, u64)| (a.0 + b.0, a.1.wrapping_add(b.1)), identity = (0, 0))
    }
    .parallelism(threads)
    .run()
    .expect("the join job runs");
    Total { pairs, sum }
}

/// (c) The broadcast join written with `pipeline!`.
fn pipeline_broadcast_join(large: &[Row], small: &[Row], threads: usize) -> Total {
    let (pairs, sum) = dataflow::pipeline! {
        let ls = from_collection(large);
        let rs = from_collection(small);
        ls -> join(rs, |l: &&Row| l.0, |r: &&Row| r.0, |l: &&Row, r: &&Row| l.1 ^ r.1, strategy = broadcast_right)
           -> fold((0u64, 0u64), |t: (u64, u64), x: u64| (t.0 + 1, t.1.wrapping_add(x)),
                   |a: (u64, u64), b: (u64, u64)| (a.0 + b.0, a.1.wrapping_add(b.1)), identity = (0, 0))
    }
    .parallelism(threads)
    .run()
    .expect("the join job runs");
    Total { pairs, sum }
}

/// (a) The hand-written broadcast join.
fn hand_broadcast_join(large: &[Row], small: &[Row]) -> Total {
    let mut table: Map<Vec<u64>> = Map::with_capacity_and_hasher(small.len(), hasher());
    for &(k, payload) in small {
        table.entry(k).or_default().push(payload);
    }
    large
        .par_iter()
        .fold(Total::default, |mut total, &(k, payload)| {
            if let Some(matches) = table.get(&k) {
                for &other in matches {
                    total.add(payload, other);
                }
            }
            total
        })
        .reduce(Total::default, Total::merge)
}

/// (b) The broadcast table, probed by the driver as a fused stage probes it.
fn kernel_broadcast_join(ctx: &Context, large: &[Row], small: &[Row]) -> Total {
    let table = BroadcastTable::build(small, |y: &Row| y.0);
    let probe = |total: &mut Total, x: &Row| {
        for y in table.get(&x.0) {
            total.add(x.1, y.1);
        }
    };
    let states = dataflow_runtime::driver::drive_indexed(ctx, &OP, large, Total::default, probe);
    let states = states.expect("the driver does not fail");
    states.into_iter().fold(Total::default(), Total::merge)
}

fn main() {
    // Without `--bench` (`cargo test --benches`): a smoke test on small inputs.
    let full = std::env::args().any(|a| a == "--bench");
    let rows = env_number("ROWS", if full { 1e7 } else { 1e5 }) as usize;
    let small = env_number("SMALL", if full { 1e4 } else { 1e3 }) as usize;
    let reps = env_number("REPS", if full { 5.0 } else { 1.0 }) as usize;
    let threads = env_threads(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    let ctx = Context::new(threads);
    println!("joins of (u64 key, u64 payload) rows, {threads} threads, {reps} rounds, medians");
    println!();

    // Right keys unique, left keys drawn from them: each left row matches one right row.
    let (left, right) = pool.install(|| {
        (
            generate(rows, rows as u64, false, 1),
            generate(rows, 0, true, 2),
        )
    });
    let names = ["(a) hand-written", "(b) kernels", "(c) pipeline!"];
    let hash: [&dyn Fn() -> Total; 3] = [
        &|| pool.install(|| hand_hash_join(&left, &right, threads)),
        &|| pool.install(|| kernel_hash_join(&ctx, &left, &right)),
        &|| pipeline_hash_join(&left, &right, threads),
    ];
    let mut expected = None;
    let runs = interleaved(reps, &hash, |i, total| {
        assert_eq!(*expected.get_or_insert(total), total, "system {i} differs");
    });
    report(
        &format!("hash join, {rows} x {rows} rows: {expected:?}"),
        &names,
        &runs,
        0,
    );
    drop((left, right));

    let (large, small_side) = pool.install(|| {
        (
            generate(rows, small as u64, false, 3),
            generate(small, 0, true, 4),
        )
    });
    let broadcast: [&dyn Fn() -> Total; 3] = [
        &|| pool.install(|| hand_broadcast_join(&large, &small_side)),
        &|| pool.install(|| kernel_broadcast_join(&ctx, &large, &small_side)),
        &|| pipeline_broadcast_join(&large, &small_side, threads),
    ];
    let mut expected = None;
    let runs = interleaved(reps, &broadcast, |i, total| {
        assert_eq!(*expected.get_or_insert(total), total, "system {i} differs");
    });
    report(
        &format!("broadcast join, {rows} x {small} rows: {expected:?}"),
        &names,
        &runs,
        0,
    );
}
