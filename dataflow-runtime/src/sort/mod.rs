//! Global sort, range partitioning and per-partition sort.
//!
//! A global sort is a sample sort, the way a distributed engine sorts: sample the input, pick
//! splitters that cut it into ranges of about equal size, move each record to its range (a
//! range partitioning), then sort every range in parallel. The ranges in order are the sorted
//! whole.
//!
//! **Stability and balance.** A splitter is a sampled record *and its input position*, and a
//! record goes to a range by its key, then, among equal keys, by its position. So records with
//! equal keys keep their input order across ranges, and within a range too (the scatter keeps
//! input order and the sort of a range is stable): the sort is stable as a whole, and its
//! result does not depend on the parallelism. A key shared by many records is spread over
//! several ranges like any other, so all-equal or skewed keys still give ranges of about equal
//! size. (`partition_by_range` keeps each key whole in one range instead, as Flink's does.)
//!
//! **Stable at the cost of an unstable sort.** A range whose keys are all different sorts the
//! same stably or not, so each range is first sorted by the standard library's unstable sort
//! (pattern-defeating quicksort, in place, about twice as fast on numbers as its stable
//! driftsort), over a bitwise copy of the range kept aside; if two neighbours then have equal
//! keys, the range is put back from the copy and sorted stably. A sample with equal keys says
//! beforehand that ties are there: the ranges are then sorted stably at once.
//!
//! **The whole output.** The ranges are written to their final places at once: each task
//! counts its records per range, then every task writes its records, in parallel, at offsets
//! computed from the counts. [`global_whole`] writes the ranges one after the other into one
//! `Vec`, which a `collect()` right after the sort returns as it is.
//!
//! Keys are compared by [`SortOrder`]: `Ord` keys as they order themselves, `f32`/`f64` by their
//! total order (`total_cmp`: `-NaN < -inf < .. < -0.0 < 0.0 < .. < inf < NaN`), never a panic.

mod order;
#[cfg(test)]
mod tests;

pub use order::*;

use crate::guard::JobScope;
use crate::Partitions;
use rayon::prelude::*;
use std::cmp::Ordering;
use std::mem::MaybeUninit;
use std::ptr;

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
    global(parallelism, tasks, true, cmp)
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
    global(parallelism, tasks, false, cmp)
}

/// The global sort `sort_by` runs, into sorted ranges (partitions in order), stably or (with
/// `stable = false`) not.
pub fn global<T: Send + Sync>(
    parallelism: usize,
    tasks: Vec<Vec<T>>,
    stable: bool,
    cmp: impl Fn(&T, &T) -> Ordering + Sync,
) -> Partitions<T> {
    let cut = classify(parallelism, &tasks, &cmp, true);
    let ties = cut.sample_ties;
    let (parts, bases) = range_buffers(&cut.sizes);
    scatter(tasks, cut, bases);
    // SAFETY: `scatter` wrote every slot of every range.
    let mut parts = unsafe { filled(parts) };
    let ranges: Vec<&mut [T]> = parts.iter_mut().map(Vec::as_mut_slice).collect();
    sort_ranges(ranges, stable, ties, &cmp);
    parts
}

/// [`global`] into one `Vec`, the ranges one after the other: the sorted whole, for a
/// `collect()` right after the sort to return as it is.
pub fn global_whole<T: Send + Sync>(
    parallelism: usize,
    tasks: Vec<Vec<T>>,
    stable: bool,
    cmp: impl Fn(&T, &T) -> Ordering + Sync,
) -> Vec<T> {
    let cut = classify(parallelism, &tasks, &cmp, true);
    let (total, sizes, ties) = (cut.total, cut.sizes.clone(), cut.sample_ties);
    let mut all: Vec<T> = Vec::with_capacity(total);
    let base = all.as_mut_ptr();
    let bases = offsets(&sizes)
        // SAFETY: every offset is at most `total`, within the allocation.
        .map(|at| SendPtr(unsafe { base.add(at) }))
        .collect();
    scatter(tasks, cut, bases);
    // SAFETY: `scatter` wrote all `total` slots (the ranges' sizes add up to it).
    unsafe { all.set_len(total) };
    let mut ranges = Vec::with_capacity(sizes.len());
    let mut rest = all.as_mut_slice();
    for n in sizes {
        let (range, tail) = rest.split_at_mut(n);
        ranges.push(range);
        rest = tail;
    }
    sort_ranges(ranges, stable, ties, &cmp);
    all
}

/// Moves every record to its range of keys (`sort` without the final sort of each range):
/// Flink's `partitionByRange`. Records with equal keys fall into one range; within a range,
/// records keep their input order.
pub fn partition_by_range<T: Send + Sync>(
    parallelism: usize,
    tasks: Vec<Vec<T>>,
    cmp: impl Fn(&T, &T) -> Ordering + Sync,
) -> Partitions<T> {
    let cut = classify(parallelism, &tasks, &cmp, false);
    let (parts, bases) = range_buffers(&cut.sizes);
    scatter(tasks, cut, bases);
    // SAFETY: `scatter` wrote every slot of every range.
    unsafe { filled(parts) }
}

/// A range's buffer before [`scatter`] fills it: room for its records, and how many.
type Unfilled<T> = (Vec<T>, usize);

/// One empty `Vec` per range, with room for its records, and where [`scatter`] writes them;
/// [`filled`] gives them their lengths once it has.
fn range_buffers<T>(sizes: &[usize]) -> (Vec<Unfilled<T>>, Vec<SendPtr<T>>) {
    let mut parts: Vec<Unfilled<T>> = sizes.iter().map(|&n| (Vec::with_capacity(n), n)).collect();
    let bases = parts
        .iter_mut()
        .map(|p| SendPtr(p.0.as_mut_ptr()))
        .collect();
    (parts, bases)
}

/// The ranges of [`range_buffers`] at their sizes.
///
/// # Safety
/// Every one of the `n` first slots of each `(range, n)` must have been written.
unsafe fn filled<T>(parts: Vec<Unfilled<T>>) -> Partitions<T> {
    parts
        .into_iter()
        .map(|(mut range, n)| {
            range.set_len(n);
            range
        })
        .collect()
}

/// Sorts each partition by `cmp`, stably, in parallel: Flink's `sortPartition`.
pub fn sort_each<T: Send>(
    mut parts: Partitions<T>,
    cmp: impl Fn(&T, &T) -> Ordering + Sync,
) -> Partitions<T> {
    let (scope, _reenter) = JobScope::fan_out();
    parts.par_iter_mut().for_each(|p| {
        scope.enter();
        p.sort_by(|a, b| cmp(a, b))
    });
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

/// Where every record goes: its range, per task in input order.
struct Cut {
    total: usize,
    /// The number of records of each range.
    sizes: Vec<usize>,
    /// Each task's records per range.
    counts: Vec<Vec<usize>>,
    /// Each record's range (empty when there is one range).
    index: Vec<Vec<u32>>,
    /// Whether two records of the sample have equal keys: ties are there.
    sample_ties: bool,
}

/// How many ranges `total` records are cut into.
fn range_count(parallelism: usize, total: usize) -> usize {
    if total < MIN_PARALLEL_SORT {
        1
    } else {
        (parallelism.max(1) * RANGES_PER_THREAD)
            .min(total / 1024)
            .max(1)
    }
}

/// Finds every record's range, in parallel: by `(key, input position)` against splitters
/// sampled at evenly spaced positions when `split_ties`, by the key alone otherwise.
fn classify<T: Sync>(
    parallelism: usize,
    tasks: &[Vec<T>],
    cmp: &(impl Fn(&T, &T) -> Ordering + Sync),
    split_ties: bool,
) -> Cut {
    let total: usize = tasks.iter().map(Vec::len).sum();
    let ranges = range_count(parallelism, total);
    let starts: Vec<usize> = offsets(&tasks.iter().map(Vec::len).collect::<Vec<_>>()).collect();
    // The record at input position `at`, with that position or, to keep equal keys in one
    // range, with a position after every record's.
    let sampled = |at: usize| {
        let t = starts.partition_point(|&s| s <= at) - 1;
        (
            &tasks[t][at - starts[t]],
            if split_ties { at } else { usize::MAX },
        )
    };
    let samples = (ranges * SAMPLES_PER_RANGE).min(total);
    let mut sample: Vec<(&T, usize)> = (0..samples).map(|i| sampled(i * total / samples)).collect();
    let by_key_then_position = |a: &(&T, usize), b: &(&T, usize)| cmp(a.0, b.0).then(a.1.cmp(&b.1));
    sample.sort_by(by_key_then_position);
    let sample_ties = sample.windows(2).any(|w| cmp(w[0].0, w[1].0).is_eq());
    let (scope, _reenter) = JobScope::fan_out();
    let index: Vec<Vec<u32>> = if ranges == 1 {
        Vec::new()
    } else {
        let splitters = pick(&sample, ranges);
        tasks
            .par_iter()
            .zip(&starts)
            .map(|(task, &start)| {
                scope.enter();
                let range_of = |(i, r)| {
                    let record = (r, start + i);
                    splitters.partition_point(|s| by_key_then_position(s, &record).is_le())
                };
                task.iter()
                    .enumerate()
                    .map(|r| range_of(r) as u32)
                    .collect()
            })
            .collect()
    };
    let counts: Vec<Vec<usize>> = if ranges == 1 {
        tasks.iter().map(|t| vec![t.len()]).collect()
    } else {
        index
            .par_iter()
            .map(|index| {
                let mut counts = vec![0usize; ranges];
                for &i in index {
                    counts[i as usize] += 1;
                }
                counts
            })
            .collect()
    };
    let mut sizes = vec![0usize; ranges];
    for task in &counts {
        sizes.iter_mut().zip(task).for_each(|(s, c)| *s += c);
    }
    Cut {
        total,
        sizes,
        counts,
        index,
        sample_ties,
    }
}

/// `ranges - 1` evenly spaced elements of a sorted sample.
fn pick<S: Copy>(sample: &[S], ranges: usize) -> Vec<S> {
    (1..ranges)
        .map(|i| sample[i * sample.len() / ranges])
        .collect()
}

/// The running sums of `sizes` before each: where each one starts.
fn offsets(sizes: &[usize]) -> impl Iterator<Item = usize> + '_ {
    sizes.iter().scan(0, |at, &n| {
        let start = *at;
        *at += n;
        Some(start)
    })
}

/// Moves every record to its range, in parallel, each exactly once: range `r` starts at
/// `bases[r]`, which has room for `cut.sizes[r]` records, and task `t`'s records of range `r`
/// go to the slots after those of tasks `0..t`, so every range keeps input order.
fn scatter<T: Send>(tasks: Vec<Vec<T>>, cut: Cut, bases: Vec<SendPtr<T>>) {
    let ranges = cut.sizes.len();
    // Where each task starts writing in each range.
    let mut next = vec![0usize; ranges];
    let starts: Vec<Vec<usize>> = cut
        .counts
        .iter()
        .map(|task| {
            let at = next.clone();
            next.iter_mut().zip(task).for_each(|(n, c)| *n += c);
            at
        })
        .collect();
    let mut index = cut.index.into_iter();
    let work: Vec<_> = tasks
        .into_iter()
        .zip(starts)
        .map(|(task, start)| (task, start, index.next()))
        .collect();
    work.into_par_iter().for_each(|(task, mut cursor, index)| {
        let range = |i: usize| index.as_ref().map_or(0, |x| x[i] as usize);
        for (i, record) in task.into_iter().enumerate() {
            let r = range(i);
            // SAFETY: slot `cursor[r]` of range `r` lies below its size (`sizes[r]` counts
            // every record of that range) and is written by this task only (the tasks' slots
            // of a range are disjoint, from `starts`), once. No user code runs in this loop,
            // so it cannot unwind with some slots unwritten.
            unsafe { bases[r].0.add(cursor[r]).write(record) };
            cursor[r] += 1;
        }
    });
}

/// Sorts every range in parallel: unstably if not `stable`; else stably, first trying the
/// unstable sort when the sample showed no `ties` (see [`sort_stably`]).
fn sort_ranges<T: Send>(
    ranges: Vec<&mut [T]>,
    stable: bool,
    ties: bool,
    cmp: &(impl Fn(&T, &T) -> Ordering + Sync),
) {
    let (scope, _reenter) = JobScope::fan_out();
    ranges.into_par_iter().for_each(|range| {
        scope.enter();
        match (stable, ties) {
            (false, _) => range.sort_unstable_by(cmp),
            (true, true) => range.sort_by(cmp),
            (true, false) => sort_stably(range, cmp),
        }
    });
}

/// Sorts `range` stably: by the unstable sort, which is stable when no two keys are equal,
/// over a bitwise copy of the range kept aside; if two neighbours then have equal keys, the
/// range is put back from the copy and sorted by the stable sort.
fn sort_stably<T>(range: &mut [T], cmp: &impl Fn(&T, &T) -> Ordering) {
    let n = range.len();
    let mut input: Vec<MaybeUninit<T>> = Vec::with_capacity(n);
    // SAFETY: `input` has room for `n` records and never drops them: it is a bitwise copy
    // of the range as it was, while the range keeps owning its records. The unstable sort only
    // permutes the range (also when `cmp` panics), so putting the copy back leaves every
    // record in it exactly once.
    unsafe { ptr::copy_nonoverlapping(range.as_ptr(), input.as_mut_ptr() as *mut T, n) };
    range.sort_unstable_by(cmp);
    if range.windows(2).all(|w| cmp(&w[0], &w[1]).is_lt()) {
        return;
    }
    unsafe { ptr::copy_nonoverlapping(input.as_ptr() as *const T, range.as_mut_ptr(), n) };
    range.sort_by(cmp);
}

/// A range's buffer, written by several tasks at disjoint slots.
struct SendPtr<T>(*mut T);
// SAFETY: the tasks write disjoint slots (see `scatter`), and records are `Send`.
unsafe impl<T: Send> Send for SendPtr<T> {}
unsafe impl<T: Send> Sync for SendPtr<T> {}
