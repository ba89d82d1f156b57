//! A join input that does not change between the rounds of a loop (the links of a graph in
//! PageRank), indexed once: each partition's records are grouped by the hash of their key and
//! a table maps each hash to its group, so that every round probes the same table instead of
//! building one over the other side.
//!
//! The index holds no key, only hashes and positions, so it serves keys of any type, borrowed
//! from the record or not: a probe compares the key of each record of the group with its own,
//! which also keeps two keys of the same hash apart.

use super::input::{JoinInput, Part};
use super::table_hash;
use hashbrown::HashTable;
use rayon::prelude::*;

/// One partition's groups: `(hash, start, end)`, the records `start..end` of the partition
/// (contiguous, grouped by hash, each group in input order) having keys of that hash.
pub(crate) type Groups = HashTable<(u64, u32, u32)>;

/// `input` indexed by the key whose hash `hash_of` gives: each partition made contiguous, its
/// records grouped by key hash (a stable sort: records of a key keep their input order), and a
/// table over the groups. Built once, in parallel over the partitions; the inner hash join
/// ([`super::inner`]) then probes it with the other side's records, every round.
pub fn index<T: Send>(input: JoinInput<T>, hash_of: impl Fn(&T) -> u64 + Sync) -> JoinInput<T> {
    let parts: Vec<(Part<T>, Groups)> = input
        .parts
        .into_par_iter()
        .map(|part| {
            let mut keyed: Vec<(u64, T)> = Vec::with_capacity(part.len);
            for chunk in part.chunks {
                keyed.extend(chunk.into_iter().map(|x| (hash_of(&x), x)));
            }
            keyed.sort_by_key(|&(h, _)| h);
            let mut groups = Groups::with_capacity(0);
            let mut start = 0;
            while start < keyed.len() {
                let h = keyed[start].0;
                let end = start + keyed[start..].iter().take_while(|e| e.0 == h).count();
                groups.insert_unique(table_hash(h), (h, start as u32, end as u32), |g| {
                    table_hash(g.0)
                });
                start = end;
            }
            let records: Vec<T> = keyed.into_iter().map(|(_, x)| x).collect();
            let part = Part {
                len: records.len(),
                chunks: vec![records],
                hashes: Vec::new(),
            };
            (part, groups)
        })
        .collect();
    let (parts, groups): (Vec<_>, Vec<_>) = parts.into_iter().unzip();
    let mut indexed = JoinInput::from_parts(parts);
    indexed.index = Some(groups);
    indexed
}

/// The records of `part` (made contiguous by [`index`]) whose key hashes to `hash`, in input
/// order.
#[inline]
pub(crate) fn group<'a, T>(part: &'a Part<T>, groups: &Groups, hash: u64) -> &'a [T] {
    match groups.find(table_hash(hash), |g| g.0 == hash) {
        Some(&(_, start, end)) => &part.chunks[0][start as usize..end as usize],
        None => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::OpInfo;
    use crate::hash::{hash_one, partition_of, HASH_PARTITIONS};
    use crate::job::Context;
    use crate::join::{finish_side, inner, JoinSide};
    use std::hash::{Hash, Hasher};

    static OP: OpInfo = OpInfo {
        name: "join",
        file: file!(),
        line: line!(),
        column: 1,
    };

    /// A key whose hash is that of `k % 3`: keys 0, 3, 6, ... share one hash, and one group.
    #[derive(PartialEq, Eq, Clone, Copy, Debug)]
    struct Colliding(u32);

    impl Hash for Colliding {
        fn hash<H: Hasher>(&self, h: &mut H) {
            (self.0 % 3).hash(h)
        }
    }

    fn input(records: &[(u32, u32)]) -> JoinInput<(u32, u32)> {
        let mut side = JoinSide::new();
        for r in records {
            side.push(&Colliding(r.0), *r);
        }
        finish_side(vec![side])
    }

    fn indexed(records: &[(u32, u32)]) -> JoinInput<(u32, u32)> {
        index(input(records), |r| hash_one(&Colliding(r.0)))
    }

    /// Every pair of equal keys, partition by partition, in `probe` input order, the matches of
    /// one record in `build` input order: the order of the indexed join.
    fn reference(probe: &[(u32, u32)], build: &[(u32, u32)]) -> Vec<(u32, u32)> {
        let partition = |k: u32| partition_of(hash_one(&Colliding(k)), HASH_PARTITIONS);
        let mut out = Vec::new();
        for p in 0..HASH_PARTITIONS {
            for a in probe.iter().filter(|a| partition(a.0) == p) {
                for b in build.iter().filter(|b| b.0 == a.0) {
                    out.push((a.1, b.1));
                }
            }
        }
        out
    }

    fn pairs(states: Vec<Vec<(u32, u32)>>) -> Vec<(u32, u32)> {
        states.into_iter().flatten().collect()
    }

    #[test]
    fn an_indexed_side_is_probed_in_the_other_sides_order_and_keeps_colliding_keys_apart() {
        let left: Vec<(u32, u32)> = (0..40).map(|i| (i * 7 % 10, i)).collect();
        let right: Vec<(u32, u32)> = (0..30).map(|i| (i * 3 % 12, 100 + i)).collect();
        for n in [1, 2, 7] {
            let ctx = Context::new(n);
            let key = |r: &(u32, u32)| Colliding(r.0);
            // The right side indexed: left order, matches in right order.
            let (l, r) = (input(&left), indexed(&right));
            let got = inner(&ctx, &OP, &l, &r, key, key, Vec::new, |s, a, b| {
                s.push((a.1, b.1))
            });
            assert_eq!(
                pairs(got.unwrap()),
                reference(&left, &right),
                "parallelism {n}"
            );
            // The left side indexed: right order, matches in left order; pairs still (l, r).
            let (l, r) = (indexed(&left), input(&right));
            let got = inner(&ctx, &OP, &l, &r, key, key, Vec::new, |s, a, b| {
                s.push((b.1, a.1))
            });
            assert_eq!(
                pairs(got.unwrap()),
                reference(&right, &left),
                "parallelism {n}"
            );
        }
        // An empty indexed side matches nothing; an empty probe side gives nothing.
        let ctx = Context::new(2);
        let key = |r: &(u32, u32)| Colliding(r.0);
        let (l, r) = (input(&left), indexed(&[]));
        let got = inner(&ctx, &OP, &l, &r, key, key, Vec::new, |s, a, b| {
            s.push((a.1, b.1))
        });
        assert!(pairs(got.unwrap()).is_empty());
        let (l, r) = (input(&[]), indexed(&right));
        let got = inner(&ctx, &OP, &l, &r, key, key, Vec::new, |s, a, b| {
            s.push((a.1, b.1))
        });
        assert!(pairs(got.unwrap()).is_empty());
    }
}
