//! Composite keys of borrowed parts (`(&str, &str)` from a line, `(&String, &String)` from a
//! struct, mixed with plain values) take the borrowed path: looked up as they are, stored with
//! their parts owned, `(String, String)` downstream. Checked against a sequential reference at
//! parallelism 1, 2 and 7.

use dataflow::prelude::*;
use std::collections::BTreeMap;

#[derive(Clone)]
struct Sale {
    region: String,
    city: String,
    amount: u64,
}

fn sales() -> Vec<Sale> {
    (0..20_000u64)
        .map(|i| Sale {
            region: format!("r{}", i % 7),
            city: format!("c{}", i % 13),
            amount: i % 100,
        })
        .collect()
}

#[test]
fn keys_of_two_borrowed_strings_from_a_struct() {
    let data = sales();
    let mut want: BTreeMap<(String, String), u64> = BTreeMap::new();
    for s in &data {
        *want.entry((s.region.clone(), s.city.clone())).or_default() += s.amount;
    }
    for p in [1, 2, 7] {
        let got: BTreeMap<(String, String), u64> = pipeline! {
            from_collection(data.clone())
                -> key_by(|s: &Sale| (&s.region, s.city.as_str()))
                -> sum(|s: &Sale| s.amount)
                -> collect::<BTreeMap<_, _>>()
        }
        .parallelism(p)
        .run()
        .unwrap();
        assert_eq!(got, want, "parallelism {p}");
    }
}

#[test]
fn keys_of_borrowed_words_of_a_line_and_plain_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pairs.txt");
    let text: String = (0..5000)
        .map(|i| format!("w{} x{} {}\n", i % 11, i % 3, i % 2))
        .collect();
    std::fs::write(&path, &text).unwrap();
    let p = path.to_str().unwrap();
    let mut want: BTreeMap<(String, String, u8), u64> = BTreeMap::new();
    for line in text.lines() {
        let mut f = line.split(' ');
        let (a, b, c) = (f.next().unwrap(), f.next().unwrap(), f.next().unwrap());
        *want
            .entry((a.to_string(), b.to_string(), c.parse().unwrap()))
            .or_default() += 1;
    }
    for par in [1, 2, 7] {
        let (counts, firsts) = pipeline! {
            let lines = read_text(p);
            lines
                -> key_by(|l: &&str| {
                    let mut f = l.split(' ');
                    (f.next().unwrap(), f.next().unwrap(), f.next().unwrap().parse::<u8>().unwrap())
                })
                -> count()
                -> collect::<BTreeMap<_, _>>();
            // A keyed operator that keeps the record: the key is owned before the record moves.
            lines
                -> key_by(|l: &&str| (l.split(' ').next().unwrap(), l.len()))
                -> first(1)
                -> count();
        }
        .parallelism(par)
        .run()
        .unwrap();
        assert_eq!(counts, want, "parallelism {par}");
        // Each word has one length: "w0 x0 0" .. "w10 x1 1".
        assert_eq!(firsts, 11, "parallelism {par}");
    }
}
