//! Global sort, range partitioning and per-partition sort.
//!
//! A global sort is a sample sort, the way a distributed engine sorts: sample the input, pick
//! splitters that cut it into ranges of about equal size, move each record to its range (a
//! range partitioning), then sort every range in parallel. The ranges in order are the sorted
//! whole. Records with equal keys always fall into one range and keep their input order there
//! (the sort of a range is stable), so the sort is stable as a whole, and its result does not
//! depend on parallelism: only how many ranges there are does.
//!
//! Keys are compared by [`SortOrder`]: `Ord` keys as they order themselves, `f32`/`f64` by their
//! total order (`total_cmp`: `-NaN < -inf < .. < -0.0 < 0.0 < .. < inf < NaN`), never a panic.

use crate::Partitions;
use rayon::prelude::*;
use std::cmp::Ordering;

/// Sample records per range when choosing splitters: enough for ranges within a few percent
/// of each other, few enough that sampling costs nothing next to the sort.
const SAMPLES_PER_RANGE: usize = 64;

/// Ranges per thread: a few, so that work stealing evens out ranges of unequal cost.
const RANGES_PER_THREAD: usize = 4;

/// Below this many records the input is one range, sorted by one task.
const MIN_PARALLEL_SORT: usize = 1 << 14;

/// Sorts every record of `tasks` (the input's task states, in input order) by `cmp`, stably,
/// into partitions that are sorted ranges: partition `i`'s records all come before
/// partition `i + 1`'s.
pub fn sort<T: Send + Sync>(
    parallelism: usize,
    tasks: Vec<Vec<T>>,
    cmp: impl Fn(&T, &T) -> Ordering + Sync,
) -> Partitions<T> {
    let ranges = partition_by_range(parallelism, tasks, &cmp);
    sort_each(ranges, cmp)
}

/// [`sort`] without stability, for `sort_by(.., stable = false)`: each range is sorted by
/// `sort_unstable_by` (pattern-defeating quicksort, in place), about twice as fast as the
/// stable sort on numbers. Records with equal keys may come in any order, which may change
/// with the parallelism: for records that equal keys make indistinguishable (sorting numbers
/// by themselves), or where the order of ties does not matter.
pub fn sort_unstable<T: Send + Sync>(
    parallelism: usize,
    tasks: Vec<Vec<T>>,
    cmp: impl Fn(&T, &T) -> Ordering + Sync,
) -> Partitions<T> {
    let mut ranges = partition_by_range(parallelism, tasks, &cmp);
    ranges
        .par_iter_mut()
        .for_each(|p| p.sort_unstable_by(|a, b| cmp(a, b)));
    ranges
}

/// Moves every record to its range of keys (`sort` without the final sort of each range):
/// Flink's `partitionByRange`. Within a range, records keep their input order.
pub fn partition_by_range<T: Send + Sync>(
    parallelism: usize,
    tasks: Vec<Vec<T>>,
    cmp: impl Fn(&T, &T) -> Ordering + Sync,
) -> Partitions<T> {
    let total: usize = tasks.iter().map(Vec::len).sum();
    let ranges = if total < MIN_PARALLEL_SORT {
        1
    } else {
        (parallelism.max(1) * RANGES_PER_THREAD)
            .min(total / 1024)
            .max(1)
    };
    if ranges == 1 {
        return vec![tasks.into_iter().flatten().collect()];
    }
    // The range of each record, found in parallel while the splitters borrow the input.
    let indexes: Vec<Vec<u32>> = {
        let splitters = splitters(&tasks, total, ranges, &cmp);
        tasks
            .par_iter()
            .map(|task| {
                task.iter()
                    .map(|r| splitters.partition_point(|s| cmp(s, r) != Ordering::Greater) as u32)
                    .collect()
            })
            .collect()
    };
    scatter(tasks, indexes, ranges)
}

/// Moves every record to its range, in parallel, each exactly once: task `t`'s records of
/// range `r` go to the slots after those of tasks `0..t`, so every range keeps input order.
fn scatter<T: Send>(tasks: Vec<Vec<T>>, indexes: Vec<Vec<u32>>, ranges: usize) -> Partitions<T> {
    let counts: Vec<Vec<usize>> = indexes
        .par_iter()
        .map(|index| {
            let mut counts = vec![0usize; ranges];
            for &i in index {
                counts[i as usize] += 1;
            }
            counts
        })
        .collect();
    // Where each task starts writing in each range.
    let mut sizes = vec![0usize; ranges];
    let starts: Vec<Vec<usize>> = counts
        .iter()
        .map(|task| {
            let at = sizes.clone();
            for (size, c) in sizes.iter_mut().zip(task) {
                *size += c;
            }
            at
        })
        .collect();
    let mut out: Partitions<T> = sizes.iter().map(|&n| Vec::with_capacity(n)).collect();
    let bases: Vec<SendPtr<T>> = out.iter_mut().map(|v| SendPtr(v.as_mut_ptr())).collect();
    tasks
        .into_par_iter()
        .zip(indexes)
        .zip(starts)
        .for_each(|((task, index), mut cursor)| {
            for (record, i) in task.into_iter().zip(index) {
                let i = i as usize;
                // SAFETY: slot `cursor[i]` of range `i` lies below its capacity (`sizes[i]`
                // counts every record of that range) and is written by this task only (the
                // tasks' slots of a range are disjoint, from `starts`), once.
                unsafe { bases[i].0.add(cursor[i]).write(record) };
                cursor[i] += 1;
            }
        });
    for (range, n) in out.iter_mut().zip(sizes) {
        // SAFETY: all `n` slots were written above (nothing in the loop can unwind: no user
        // code runs there).
        unsafe { range.set_len(n) };
    }
    out
}

/// A range's buffer, written by several tasks at disjoint slots.
struct SendPtr<T>(*mut T);
// SAFETY: the tasks write disjoint slots (see `scatter`), and records are `Send`.
unsafe impl<T: Send> Send for SendPtr<T> {}
unsafe impl<T: Send> Sync for SendPtr<T> {}

/// `ranges - 1` records cutting the input into ranges of about equal size: evenly spaced
/// records of a sorted sample taken at evenly spaced positions (deterministic, so that a job
/// gives the same partitions at every run).
fn splitters<'a, T: Sync>(
    tasks: &'a [Vec<T>],
    total: usize,
    ranges: usize,
    cmp: &(impl Fn(&T, &T) -> Ordering + Sync),
) -> Vec<&'a T> {
    let samples = (ranges * SAMPLES_PER_RANGE).min(total);
    let step = total / samples;
    let mut all = tasks.iter().flatten();
    let mut sample: Vec<&T> = Vec::with_capacity(samples);
    if let Some(first) = all.next() {
        sample.push(first);
    }
    sample.extend(
        all.skip(step.saturating_sub(1))
            .step_by(step.max(1))
            .take(samples - 1),
    );
    sample.sort_by(|a, b| cmp(a, b));
    (1..ranges)
        .map(|i| sample[i * sample.len() / ranges])
        .collect()
}

/// Sorts each partition by `cmp`, stably, in parallel: Flink's `sortPartition`.
pub fn sort_each<T: Send>(
    mut parts: Partitions<T>,
    cmp: impl Fn(&T, &T) -> Ordering + Sync,
) -> Partitions<T> {
    parts
        .par_iter_mut()
        .for_each(|p| p.sort_by(|a, b| cmp(a, b)));
    parts
}

/// Calls a sort's key closure `f` on the record under the operator's guard. The key may borrow
/// the record (`|r| r.name.as_str()`); it must be `Ord` or a float (see [`SortOrder`]).
#[inline(always)]
pub fn key<'a, T: ?Sized, K>(
    op: &'static crate::guard::OpInfo,
    record: &'a T,
    f: impl FnOnce(&'a T) -> K,
) -> K {
    crate::guard::guard(op, move || f(record))
}

/// How sort keys compare: `Ord` keys by `Ord`, floats by their total order. Chosen at compile
/// time by the generated code with [`OrderProbe`], like the key lookups of keyed aggregations.
pub struct SortOrder;

/// Wraps a sort key for the generated code to choose its comparison:
/// `(&OrderProbe(&a)).order_kind().compare(&a, &b)`.
pub struct OrderProbe<'k, K: ?Sized>(pub &'k K);

/// Chosen for `f64` and `f32` keys.
pub struct FloatOrder;
/// Chosen for `Ord` keys.
pub struct OrdOrder;

/// The float case, found without an extra auto-reference.
pub trait FloatProbe {
    #[inline]
    fn order_kind(&self) -> FloatOrder {
        FloatOrder
    }
}
impl FloatProbe for OrderProbe<'_, f64> {}
impl FloatProbe for OrderProbe<'_, f32> {}

/// The general case: any `Ord` key, one auto-reference later. A key that is neither `Ord`
/// nor a float is reported on the key closure (a float inside a tuple is wrapped in
/// [`TotalOrder`]).
pub trait OrdProbe {
    #[inline]
    fn order_kind(&self) -> OrdOrder {
        OrdOrder
    }
}
impl<K: ?Sized> OrdProbe for &OrderProbe<'_, K> {}

impl FloatOrder {
    #[inline]
    pub fn compare<F: TotalFloat>(self, a: &F, b: &F) -> Ordering {
        a.total(b)
    }
}

impl OrdOrder {
    #[inline]
    pub fn compare<K: Ord + ?Sized>(self, a: &K, b: &K) -> Ordering {
        a.cmp(b)
    }
}

/// The floats, ordered by `total_cmp`.
pub trait TotalFloat {
    fn total(&self, other: &Self) -> Ordering;
}
impl TotalFloat for f64 {
    #[inline]
    fn total(&self, other: &f64) -> Ordering {
        self.total_cmp(other)
    }
}
impl TotalFloat for f32 {
    #[inline]
    fn total(&self, other: &f32) -> Ordering {
        self.total_cmp(other)
    }
}

/// A float ordered by `total_cmp`, for use inside a composite sort key:
/// `sort_by(|r| (r.day, TotalOrder(r.price)))`.
#[derive(Clone, Copy, Debug, Default)]
pub struct TotalOrder<F>(pub F);

impl<F: TotalFloat> PartialEq for TotalOrder<F> {
    fn eq(&self, other: &Self) -> bool {
        self.0.total(&other.0) == Ordering::Equal
    }
}
impl<F: TotalFloat> Eq for TotalOrder<F> {}
impl<F: TotalFloat> PartialOrd for TotalOrder<F> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<F: TotalFloat> Ord for TotalOrder<F> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total(&other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pseudo_random(n: usize, keys: u64) -> Vec<(u64, usize)> {
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        (0..n)
            .map(|i| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s % keys, i)
            })
            .collect()
    }

    #[test]
    fn sorts_stably_into_ordered_ranges_at_every_parallelism() {
        for keys in [1, 3, 1000, u64::MAX] {
            let data = pseudo_random(50_000, keys);
            let mut want = data.clone();
            want.sort_by_key(|r| r.0);
            for p in [1, 2, 7] {
                let tasks: Vec<Vec<_>> = data.chunks(7000).map(<[_]>::to_vec).collect();
                let parts = sort(p, tasks, |a, b| a.0.cmp(&b.0));
                assert_eq!(parts.concat(), want, "keys {keys}, parallelism {p}");
            }
        }
    }

    #[test]
    fn ranges_hold_whole_keys_in_input_order() {
        let data = pseudo_random(40_000, 50);
        let tasks: Vec<Vec<_>> = data.chunks(5000).map(<[_]>::to_vec).collect();
        let ranges = partition_by_range(4, tasks, |a, b| a.0.cmp(&b.0));
        assert!(ranges.len() > 1);
        for w in ranges.windows(2) {
            let max = w[0].iter().map(|r| r.0).max();
            let min = w[1].iter().map(|r| r.0).min();
            if let (Some(max), Some(min)) = (max, min) {
                assert!(max < min, "ranges overlap");
            }
        }
        for r in &ranges {
            assert!(r.windows(2).all(|w| w[0].0 != w[1].0 || w[0].1 < w[1].1));
        }
        assert_eq!(ranges.iter().map(Vec::len).sum::<usize>(), 40_000);
    }

    #[test]
    #[allow(clippy::needless_borrow)]
    fn floats_order_totally_and_ord_keys_by_ord() {
        let (a, b) = (f64::NAN, 1.0f64);
        assert_eq!(
            (&OrderProbe(&a)).order_kind().compare(&a, &b),
            Ordering::Greater
        );
        let (x, y) = ("b", "a");
        assert_eq!(
            (&OrderProbe(&x)).order_kind().compare(&x, &y),
            Ordering::Greater
        );
        let mut v = [
            TotalOrder(2.0),
            TotalOrder(f64::NAN),
            TotalOrder(-0.0),
            TotalOrder(0.0),
        ];
        v.sort();
        assert_eq!(
            v.iter().map(|t| t.0.to_string()).collect::<Vec<_>>(),
            ["-0", "0", "2", "NaN"]
        );
    }
}
