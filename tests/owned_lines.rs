//! Lines from `read_text` are `&str` borrowed from a reused buffer. Operators that keep records
//! beyond the loop (collect, first, min_by, reduce, reduce_group, rebalance, distinct, ...) get
//! them owned: a `&str` as a `String`, a tuple or `Vec` of `&str` with `String`s. Before, each of
//! these pipelines failed to compile (E0521 on the whole macro). The element-wise operators before
//! them still see borrowed `&str` (the closures below are annotated to prove it).

use dataflow::prelude::*;
use std::collections::HashMap;
use std::fs;

const PARALLELISMS: [usize; 3] = [1, 2, 7];

/// Five files of lines `k{i % 13} {i}` (a glob over several files gives several morsels).
fn input() -> (tempfile::TempDir, String, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let mut all = Vec::new();
    for f in 0..5 {
        let lines: Vec<String> = (0..400)
            .map(|i| {
                let i = f * 400 + i;
                format!("k{} {i}", i % 13)
            })
            .collect();
        fs::write(dir.path().join(format!("part{f}.txt")), lines.join("\n")).unwrap();
        all.extend(lines);
    }
    let pattern = dir.path().join("part*.txt").to_str().unwrap().to_string();
    (dir, pattern, all)
}

fn key(line: &str) -> &str {
    line.split(' ').next().unwrap()
}

#[test]
fn collect_gives_strings() {
    let (_dir, path, lines) = input();
    let path = path.as_str();
    for p in PARALLELISMS {
        let got: Vec<String> = pipeline! { read_text(path) -> collect() }
            .parallelism(p)
            .run()
            .unwrap();
        assert_eq!(got, lines, "parallelism {p}");
        // A `&str` from a borrowed map stays borrowed until it is kept.
        let got: Vec<String> = pipeline! {
            read_text(path) -> map(|l: &str| l.trim()) -> filter(|l: &&str| l.ends_with('7')) -> collect()
        }
        .parallelism(p)
        .run()
        .unwrap();
        let exp: Vec<&str> = lines
            .iter()
            .map(|l| l.as_str())
            .filter(|l| l.ends_with('7'))
            .collect();
        assert_eq!(got, exp, "parallelism {p}");
    }
}

#[test]
fn tuples_and_vecs_of_str_are_kept_owned() {
    let (_dir, path, lines) = input();
    let path = path.as_str();
    for p in PARALLELISMS {
        let (pairs, words): (Vec<(String, usize)>, Vec<Vec<String>>) = pipeline! {
            let ls = read_text(path);
            ls -> map(|l: &str| (key(l), l.len())) -> collect();
            ls -> map(|l: &str| l.split(' ').collect::<Vec<_>>()) -> first(3) -> collect();
        }
        .parallelism(p)
        .run()
        .unwrap();
        let exp: Vec<(String, usize)> = lines
            .iter()
            .map(|l| (key(l).to_string(), l.len()))
            .collect();
        assert_eq!(pairs, exp, "parallelism {p}");
        let exp: Vec<Vec<String>> = lines[..3]
            .iter()
            .map(|l| l.split(' ').map(str::to_string).collect())
            .collect();
        assert_eq!(words, exp, "parallelism {p}");
    }
}

#[test]
fn first_global_and_keyed() {
    let (_dir, path, lines) = input();
    let path = path.as_str();
    for p in PARALLELISMS {
        let (first, per_key): (Vec<String>, Vec<String>) = pipeline! {
            let ls = read_text(path);
            ls -> first(10);
            ls -> key_by(|l: &&str| key(l)) -> first(2) -> collect();
        }
        .parallelism(p)
        .run()
        .unwrap();
        assert_eq!(first, lines[..10], "parallelism {p}");
        // Keyed, `first` hands on the records themselves: the first two of each key.
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut exp: Vec<String> = Vec::new();
        for l in &lines {
            let n = seen.entry(key(l)).or_default();
            if *n < 2 {
                *n += 1;
                exp.push(l.clone());
            }
        }
        let mut per_key = per_key;
        per_key.sort();
        exp.sort();
        assert_eq!(per_key, exp, "parallelism {p}");
    }
}

/// Shortest line, line with the largest number, joined `k3` lines, longest line per key.
type Extremes = (
    Option<String>,
    Option<String>,
    Option<String>,
    Vec<(String, String)>,
);

#[test]
fn min_by_max_by_and_reduce() {
    let (_dir, path, lines) = input();
    let path = path.as_str();
    let number = |l: &str| -> u64 { l.split(' ').nth(1).unwrap().parse().unwrap() };
    for p in PARALLELISMS {
        let (shortest, longest, joined, longest_per_key): Extremes = pipeline! {
            let ls = read_text(path);
            ls -> min_by(|l| l.len());
            ls -> max_by(|l| number(l));
            ls -> filter(|l: &&str| l.starts_with("k3 ")) -> reduce(|a, b| a + "|" + &b);
            ls -> key_by(|l: &&str| key(l)) -> reduce(|a: String, b: String| if b.len() > a.len() { b } else { a }) -> collect();
        }
        .parallelism(p)
        .run()
        .unwrap();
        // Ties go to the first in input order.
        let min_len = lines.iter().map(|l| l.len()).min().unwrap();
        assert_eq!(
            shortest.as_deref(),
            lines
                .iter()
                .find(|l| l.len() == min_len)
                .map(|s| s.as_str())
        );
        assert_eq!(
            longest.as_deref(),
            lines.iter().max_by_key(|l| number(l)).map(|s| s.as_str())
        );
        let k3: Vec<&str> = lines
            .iter()
            .filter(|l| l.starts_with("k3 "))
            .map(|l| l.as_str())
            .collect();
        assert_eq!(joined, Some(k3.join("|")), "parallelism {p}");
        let mut exp: HashMap<String, String> = HashMap::new();
        for l in &lines {
            let e = exp.entry(key(l).to_string()).or_insert_with(|| l.clone());
            if l.len() > e.len() {
                *e = l.clone();
            }
        }
        let got: HashMap<String, String> = longest_per_key.into_iter().collect();
        assert_eq!(got, exp, "parallelism {p}");
    }
}

#[test]
fn reduce_group_gets_owned_lines_in_input_order() {
    let (_dir, path, lines) = input();
    let path = path.as_str();
    for p in PARALLELISMS {
        let got: Vec<(String, Vec<String>)> = pipeline! {
            read_text(path)
                -> key_by(|l: &&str| key(l))
                -> reduce_group(|k: &String, ls: Vec<String>| std::iter::once((k.clone(), ls)))
                -> collect()
        }
        .parallelism(p)
        .run()
        .unwrap();
        let mut exp: HashMap<String, Vec<String>> = HashMap::new();
        for l in &lines {
            exp.entry(key(l).to_string()).or_default().push(l.clone());
        }
        let got: HashMap<String, Vec<String>> = got.into_iter().collect();
        assert_eq!(got, exp, "parallelism {p}");
    }
}

#[test]
fn exchanges_keep_owned_lines() {
    let (_dir, path, lines) = input();
    let path = path.as_str();
    for p in PARALLELISMS {
        let (rebalanced, hashed, partitions): (Vec<String>, Vec<String>, Vec<usize>) = pipeline! {
            let ls = read_text(path);
            ls -> rebalance() -> collect();
            ls -> partition_by_hash(|l: &&str| key(l)) -> collect();
            ls -> map_partition(|part| std::iter::once(part.count())) -> collect();
        }
        .parallelism(p)
        .run()
        .unwrap();
        assert_eq!(
            rebalanced, lines,
            "rebalance keeps input order, parallelism {p}"
        );
        let mut hashed = hashed;
        hashed.sort();
        let mut exp = lines.clone();
        exp.sort();
        assert_eq!(hashed, exp, "parallelism {p}");
        assert_eq!(
            partitions.iter().sum::<usize>(),
            lines.len(),
            "parallelism {p}"
        );
    }
}

#[test]
fn distinct_lines_and_first_line_per_key() {
    let (_dir, path, lines) = input();
    let path = path.as_str();
    for p in PARALLELISMS {
        let (keys, firsts): (Vec<String>, Vec<String>) = pipeline! {
            let ls = read_text(path);
            ls -> map(|l: &str| key(l)) -> distinct() -> collect();
            ls -> key_by(|l: &&str| key(l)) -> distinct() -> collect();
        }
        .parallelism(p)
        .run()
        .unwrap();
        let mut keys = keys;
        keys.sort();
        let mut exp: Vec<String> = (0..13).map(|k| format!("k{k}")).collect();
        exp.sort();
        assert_eq!(keys, exp, "parallelism {p}");
        let mut firsts = firsts;
        firsts.sort();
        let mut exp: Vec<String> = lines[..13].to_vec();
        exp.sort();
        assert_eq!(firsts, exp, "parallelism {p}");
    }
}

#[test]
fn folds_and_aggregates_that_keep_lines() {
    let (_dir, path, lines) = input();
    let path = path.as_str();
    for p in PARALLELISMS {
        let (concat, stats): (String, (u64, Option<String>, Option<String>)) = pipeline! {
            let ls = read_text(path);
            ls -> filter(|l: &&str| l.starts_with("k5 ")) -> fold(String::new(), |acc: String, l: String| acc + &l + ";");
            ls -> aggregate(count(), min(), max_by(|l| l.len()));
        }
        .parallelism(p)
        .run()
        .unwrap();
        let exp: String = lines
            .iter()
            .filter(|l| l.starts_with("k5 "))
            .map(|l| format!("{l};"))
            .collect();
        assert_eq!(concat, exp, "parallelism {p}");
        let max_len = lines.iter().map(|l| l.len()).max().unwrap();
        assert_eq!(stats.0, lines.len() as u64);
        assert_eq!(stats.1.as_ref(), lines.iter().min());
        assert_eq!(stats.2.as_ref(), lines.iter().find(|l| l.len() == max_len));
    }
}
