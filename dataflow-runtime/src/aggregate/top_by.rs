//! `top_by(n, key)` and `bottom_by(n, key)`: the `n` whole records that rank first by a key,
//! without sorting everything. Each task (and, after `key_by`, each group of a task) keeps at
//! most `n` records in a bounded heap whose root is the worst record kept, so a record that
//! does not make the cut costs one comparison with the root. The heaps are merged in input
//! order and the survivors sorted once.
//!
//! **Order.** The result ranks records by the comparator (largest key first for `top_by`,
//! smallest first for `bottom_by`), and records with equal keys by input order: the earlier one
//! ranks first and is the one kept when only some of them fit. Each heap entry carries its
//! position in the input of its task (a sequence number); a merge shifts the later
//! accumulator's positions past the earlier one's, so positions stay in input order across
//! tasks, and the result is the same at every parallelism.

use super::{Accumulate, Aggregate};
use std::cmp::Ordering;
use std::marker::PhantomData;

/// The aggregation: at most `n` records, ranked by `cmp` (`Less`: ranks first).
pub struct TopBy<T, C> {
    n: usize,
    cmp: C,
    _record: PhantomData<fn(T) -> T>,
}

/// A task's (or a group's) records so far: a binary heap, worst record at the root, and the
/// number of records offered (the next sequence number).
pub struct Kept<T> {
    heap: Vec<(u64, T)>,
    offered: u64,
}

impl<T, C: Fn(&T, &T) -> Ordering> TopBy<T, C> {
    /// Keeps the `n` records that rank first by `cmp`.
    pub fn new(n: usize, cmp: C) -> Self {
        TopBy {
            n,
            cmp,
            _record: PhantomData,
        }
    }

    /// [`TopBy::new`] typed by a sample record, so that the comparator's parameters are typed
    /// from it (see [`super::Reduce::for_value`]).
    pub fn for_value(_sample: &T, n: usize, cmp: C) -> Self {
        Self::new(n, cmp)
    }

    /// Whether `a` ranks before `b`: by the comparator, then by input position.
    #[inline]
    fn before(&self, a: &(u64, T), b: &(u64, T)) -> bool {
        match (self.cmp)(&a.1, &b.1) {
            Ordering::Less => true,
            Ordering::Greater => false,
            Ordering::Equal => a.0 < b.0,
        }
    }

    /// Offers a record at input position `seq`.
    #[inline]
    fn offer(&self, kept: &mut Vec<(u64, T)>, seq: u64, record: T) {
        if kept.len() < self.n {
            kept.push((seq, record));
            let last = kept.len() - 1;
            self.sift_up(kept, last);
        } else if let Some(root) = kept.first_mut() {
            // On a tie the earlier record ranks first. (A merge offers the later heap's
            // records in heap order, not by position, so the position is compared too.)
            let replaces = match (self.cmp)(&record, &root.1) {
                Ordering::Less => true,
                Ordering::Equal => seq < root.0,
                Ordering::Greater => false,
            };
            if replaces {
                *root = (seq, record);
                self.sift_down(kept, 0);
            }
        }
    }

    fn sift_up(&self, heap: &mut [(u64, T)], mut i: usize) {
        while i > 0 {
            let parent = (i - 1) / 2;
            // The root is the worst: a child that ranks after its parent moves up.
            if self.before(&heap[parent], &heap[i]) {
                heap.swap(parent, i);
                i = parent;
            } else {
                break;
            }
        }
    }

    fn sift_down(&self, heap: &mut [(u64, T)], mut i: usize) {
        loop {
            let (left, right) = (2 * i + 1, 2 * i + 2);
            let mut worst = i;
            if left < heap.len() && self.before(&heap[worst], &heap[left]) {
                worst = left;
            }
            if right < heap.len() && self.before(&heap[worst], &heap[right]) {
                worst = right;
            }
            if worst == i {
                return;
            }
            heap.swap(i, worst);
            i = worst;
        }
    }
}

impl<T: Send, C: Fn(&T, &T) -> Ordering + Sync> Accumulate for TopBy<T, C> {
    type Acc = Kept<T>;
    type Out = Vec<T>;
    type GlobalOut = Vec<T>;
    fn merge(&self, acc: &mut Kept<T>, later: Kept<T>) {
        // `later` comes after every record of `acc` in the input.
        let shift = acc.offered;
        for (seq, record) in later.heap {
            self.offer(&mut acc.heap, shift + seq, record);
        }
        acc.offered += later.offered;
    }
    fn finish(&self, acc: Kept<T>) -> Vec<T> {
        let mut kept = acc.heap;
        kept.sort_by(|a, b| (self.cmp)(&a.1, &b.1).then(a.0.cmp(&b.0)));
        kept.into_iter().map(|(_, record)| record).collect()
    }
    fn finish_global(&self, acc: Option<Kept<T>>) -> Vec<T> {
        acc.map(|acc| self.finish(acc)).unwrap_or_default()
    }
}

impl<T: Send, C: Fn(&T, &T) -> Ordering + Sync> Aggregate<T> for TopBy<T, C> {
    #[inline]
    fn create(&self, record: T) -> Kept<T> {
        let mut kept = Kept {
            heap: Vec::with_capacity(self.n.min(64)),
            offered: 0,
        };
        self.update(&mut kept, record);
        kept
    }
    #[inline]
    fn update(&self, acc: &mut Kept<T>, record: T) {
        let seq = acc.offered;
        acc.offered += 1;
        self.offer(&mut acc.heap, seq, record);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pseudo_random(n: usize, keys: u64) -> Vec<(u64, usize)> {
        let mut s = 0x2545_f491_4f6c_dd1du64;
        (0..n)
            .map(|i| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s % keys, i)
            })
            .collect()
    }

    /// Split into `tasks` contiguous pieces, aggregated apart and merged in order, against a
    /// stable sort of the whole.
    #[test]
    fn merged_heaps_equal_a_stable_sort_of_the_whole() {
        for keys in [1, 5, 1000] {
            for n in [0, 1, 3, 10, 500] {
                let data = pseudo_random(3000, keys);
                let mut want = data.clone();
                want.sort_by_key(|r| std::cmp::Reverse(r.0));
                want.truncate(n);
                for tasks in [1, 2, 7] {
                    let top = TopBy::new(n, |a: &(u64, usize), b: &(u64, usize)| b.0.cmp(&a.0));
                    let mut acc: Option<Kept<_>> = None;
                    for piece in data.chunks(data.len().div_ceil(tasks)) {
                        let mut it = piece.iter().copied();
                        let mut part = top.create(it.next().unwrap());
                        it.for_each(|r| top.update(&mut part, r));
                        match &mut acc {
                            Some(a) => top.merge(a, part),
                            None => acc = Some(part),
                        }
                    }
                    assert_eq!(
                        top.finish_global(acc),
                        want,
                        "keys {keys}, n {n}, tasks {tasks}"
                    );
                }
            }
        }
    }

    #[test]
    fn nothing_offered_is_empty() {
        let top = TopBy::new(3, |a: &u8, b: &u8| a.cmp(b));
        assert_eq!(top.finish_global(None), Vec::<u8>::new());
    }
}
