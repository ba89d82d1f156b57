//! `Symbol`, the interned string: its semantics (equality, order and hash of the text), interning
//! from many threads at once, and pipelines keyed by symbols giving the answers of the same
//! pipelines keyed by `String`, at parallelism 1, 2 and 7, whatever order the texts were
//! interned in. Records with `Symbol` fields read from CSV and written back give the same text.

use dataflow::prelude::*;
use proptest::prelude::*;
use std::collections::HashMap;
use std::hash::BuildHasher;

const PARALLELISM: [usize; 3] = [1, 2, 7];

#[test]
fn a_symbol_compares_hashes_and_prints_as_its_text() {
    let texts = ["pear", "apple", "", "Äpfel", "apple pie", "b"];
    let symbols: Vec<Symbol> = texts.iter().map(|&t| Symbol::new(t)).collect();
    for (i, (&t, &s)) in texts.iter().zip(&symbols).enumerate() {
        assert_eq!(s.as_str(), t);
        assert_eq!(s, t);
        assert_eq!(t, s);
        assert_eq!(&*s, t);
        assert_eq!(s.to_string(), t);
        assert_eq!(format!("{s:?}"), format!("{t:?}"));
        assert_eq!(String::from(s), t);
        for (&u, &r) in texts.iter().zip(&symbols) {
            assert_eq!(s == r, t == u, "{t:?} == {u:?}");
            assert_eq!(s.cmp(&r), t.cmp(u), "{t:?} cmp {u:?}");
        }
        // Interning again (from a `&str`, a `String`) gives the same symbol, the same hash.
        let again = Symbol::from(t.to_string());
        assert_eq!(again, s, "text {i}");
        let state = std::hash::RandomState::new();
        assert_eq!(state.hash_one(again), state.hash_one(s));
    }
    let mut sorted_symbols = symbols.clone();
    sorted_symbols.sort();
    let mut sorted_texts = texts.to_vec();
    sorted_texts.sort();
    assert_eq!(sorted_symbols, sorted_texts);
    assert_eq!(Symbol::default(), "");
    assert!(Symbol::get("a text no test interns").is_none());
    assert_eq!(Symbol::get("pear"), Some(symbols[0]));
}

#[test]
fn threads_interning_the_same_texts_at_once_agree_on_one_code_per_text() {
    let texts: Vec<String> = (0..5_000).map(|i| format!("concurrent-{i}")).collect();
    let before = Symbol::interned();
    let codes: Vec<Vec<(usize, u32)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let texts = &texts;
                scope.spawn(move || {
                    // Each thread in its own order, so that they race on every new text.
                    let n = texts.len();
                    (0..n)
                        .map(|i| (i * (2 * t + 1) + t * 7) % n)
                        .map(|i| {
                            let s = Symbol::new(&texts[i]);
                            assert_eq!(s.as_str(), texts[i]);
                            (i, s.code())
                        })
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut code_of: HashMap<usize, u32> = HashMap::new();
    for (i, code) in codes.into_iter().flatten() {
        assert_eq!(*code_of.entry(i).or_insert(code), code, "text {i}");
    }
    assert_eq!(code_of.len(), texts.len());
    let mut distinct: Vec<u32> = code_of.values().copied().collect();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), texts.len(), "two texts share a code");
    assert!(Symbol::interned() >= before + texts.len());
}

/// The texts of [`keyed_order_is_independent_of_interning_order`], interned forwards or
/// backwards (by the child process that test starts).
fn order_texts() -> Vec<String> {
    (0..300).map(|i| format!("order-{i:03}")).collect()
}

/// Counts by symbol, in the order the job returns them.
fn counts_in_job_order(parallelism: usize) -> Vec<(Symbol, u64)> {
    let records: Vec<Symbol> = order_texts()
        .iter()
        .cycle()
        .take(3_000)
        .map(Symbol::from)
        .collect();
    pipeline! { from_collection(records) -> key_by(|s: &Symbol| *s) -> count() -> collect() }
        .parallelism(parallelism)
        .run()
        .unwrap()
}

#[test]
fn keyed_order_is_independent_of_interning_order() {
    let texts = order_texts();
    if std::env::var_os("SYMBOL_INTERN_BACKWARDS").is_some() {
        // The child: intern in reverse, so that the codes come out in the opposite order.
        texts.iter().rev().for_each(|t| _ = Symbol::new(t));
        let order: Vec<String> = counts_in_job_order(2)
            .iter()
            .map(|(s, _)| s.to_string())
            .collect();
        println!("ORDER {}", order.join(","));
        return;
    }
    texts.iter().for_each(|t| _ = Symbol::new(t));
    assert!(Symbol::new(&texts[0]).code() < Symbol::new(&texts[299]).code());
    let here = counts_in_job_order(1);
    for p in PARALLELISM {
        assert_eq!(counts_in_job_order(p), here, "parallelism {p}");
    }
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "keyed_order_is_independent_of_interning_order",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SYMBOL_INTERN_BACKWARDS", "1")
        .output()
        .unwrap();
    assert!(child.status.success(), "{child:?}");
    let stdout = String::from_utf8(child.stdout).unwrap();
    // The child's line follows libtest's `test NAME ... ` on the same line.
    let line = stdout
        .lines()
        .find_map(|l| l.split_once("ORDER ").map(|(_, order)| order))
        .unwrap_or_else(|| panic!("no order from the child: {stdout}"));
    let order: Vec<String> = here.iter().map(|(s, _)| s.to_string()).collect();
    assert_eq!(line, order.join(","));
}

/// A record of the property test: two text fields and a value.
#[derive(Clone, Debug)]
struct Text {
    a: String,
    b: String,
    v: i64,
}

#[derive(Clone, Copy, Debug)]
struct Sym {
    a: Symbol,
    b: Symbol,
    v: i64,
}

fn symbols(records: &[Text]) -> Vec<Sym> {
    records
        .iter()
        .map(|r| Sym {
            a: Symbol::new(&r.a),
            b: (&r.b).into(),
            v: r.v,
        })
        .collect()
}

fn texts(pairs: Vec<(Symbol, i64)>) -> Vec<(String, i64)> {
    pairs.into_iter().map(|(s, v)| (s.to_string(), v)).collect()
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

fn records() -> impl Strategy<Value = Vec<Text>> {
    let text = "[a-d]{0,3}|prop-[a-z]{1,12}";
    prop::collection::vec((text, text, -100i64..100), 0..400)
        .prop_map(|v| v.into_iter().map(|(a, b, v)| Text { a, b, v }).collect())
}

/// Runs `job` at every parallelism; the results must be identical; returns one.
fn same_at_every_parallelism<T: PartialEq + std::fmt::Debug>(job: impl Fn(usize) -> T) -> T {
    let first = job(PARALLELISM[0]);
    for &p in &PARALLELISM[1..] {
        assert_eq!(job(p), first, "parallelism {p} differs from 1");
    }
    first
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn symbol_keys_give_the_answers_of_string_keys(records in records()) {
        let syms = symbols(&records);

        // key_by + sum.
        let by_symbol = same_at_every_parallelism(|p| pipeline! {
            from_collection(&syms) -> key_by(|r: &&Sym| r.a) -> sum(|r: &&Sym| r.v) -> collect()
        }.parallelism(p).run().unwrap());
        let by_string: Vec<(String, i64)> = pipeline! {
            from_collection(&records) -> key_by(|r: &&Text| r.a.as_str()) -> sum(|r: &&Text| r.v) -> collect()
        }.run().unwrap();
        prop_assert_eq!(sorted(texts(by_symbol)), sorted(by_string));

        // A composite key of a symbol, a borrowed symbol and a borrowed text.
        let by_symbols = same_at_every_parallelism(|p| pipeline! {
            from_collection(&syms) -> key_by(|r: &&Sym| (r.a, &r.b)) -> count() -> collect()
        }.parallelism(p).run().unwrap());
        let mixed = same_at_every_parallelism(|p| pipeline! {
            from_collection(&records) -> key_by(|r: &&Text| (Symbol::new(&r.a), r.b.as_str())) -> count() -> collect()
        }.parallelism(p).run().unwrap());
        let by_strings: Vec<((String, String), u64)> = pipeline! {
            from_collection(&records) -> key_by(|r: &&Text| (r.a.as_str(), r.b.as_str())) -> count() -> collect()
        }.run().unwrap();
        let as_text = |k: &(Symbol, Symbol)| (k.0.to_string(), k.1.to_string());
        prop_assert_eq!(
            sorted(by_symbols.iter().map(|(k, n)| (as_text(k), *n)).collect()),
            sorted(by_strings.clone())
        );
        prop_assert_eq!(
            sorted(mixed.into_iter().map(|((a, b), n)| ((a.to_string(), b), n)).collect()),
            sorted(by_strings)
        );

        // distinct.
        let distinct = same_at_every_parallelism(|p| pipeline! {
            from_collection(syms.iter().map(|r| r.b).collect::<Vec<_>>()) -> distinct() -> collect()
        }.parallelism(p).run().unwrap());
        let mut want: Vec<String> = records.iter().map(|r| r.b.clone()).collect();
        want.sort();
        want.dedup();
        prop_assert_eq!(sorted(distinct.iter().map(|s| s.to_string()).collect()), want);

        // A join on symbols: each record with every record whose `b` is its `a`.
        let joined = same_at_every_parallelism(|p| pipeline! {
            let right = from_collection(&syms);
            from_collection(&syms)
                -> join(right, |l: &&Sym| l.a, |r: &&Sym| r.b, |l: &&Sym, r: &&Sym| (l.v, r.v))
                -> collect()
        }.parallelism(p).run().unwrap());
        let joined_text: Vec<(i64, i64)> = pipeline! {
            let right = from_collection(&records);
            from_collection(&records)
                -> join(right, |l: &&Text| l.a.clone(), |r: &&Text| r.b.clone(), |l: &&Text, r: &&Text| (l.v, r.v))
                -> collect()
        }.run().unwrap();
        prop_assert_eq!(sorted(joined), sorted(joined_text));

        // A global sort by symbol: the order of the text, stable, as with `String`.
        let by_text = same_at_every_parallelism(|p| pipeline! {
            from_collection(syms.clone()) -> sort_by(|r: &Sym| r.a) -> map(|r: Sym| (r.a.to_string(), r.v)) -> collect()
        }.parallelism(p).run().unwrap());
        let mut want: Vec<(String, i64)> = records.iter().map(|r| (r.a.clone(), r.v)).collect();
        want.sort_by(|x, y| x.0.cmp(&y.0));
        prop_assert_eq!(by_text, want);
    }
}

#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Reading {
    station: Symbol,
    country: Symbol,
    tenths: i32,
}

#[test]
fn records_with_symbol_fields_read_from_csv_write_back_the_same_text() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    let mut text = String::from("station,country,tenths\n");
    for i in 0..5_000 {
        let station = ["Oslo", "Rome", "São Paulo", "Hamburg, Altona", "\"Quoted\""][i % 5];
        let country = ["NO", "IT", "BR", "DE", ""][i % 5];
        let station = format!("\"{}\"", station.replace('"', "\"\""));
        text.push_str(&format!("{station},{country},{}\n", i as i32 - 2_500));
    }
    std::fs::write(&input, &text).unwrap();
    for p in PARALLELISM {
        let output = dir.path().join(format!("out-{p}.csv"));
        let readings: Vec<Reading> = pipeline! { read_csv::<Reading>(&input) -> collect() }
            .parallelism(p)
            .run()
            .unwrap();
        assert_eq!(readings.len(), 5_000);
        assert_eq!(readings[2].station, "São Paulo");
        assert_eq!(readings[3].station, "Hamburg, Altona");
        assert_eq!(readings[4].station, "\"Quoted\"");
        assert_eq!(readings[4].country, "");
        pipeline! { from_collection(readings) -> write_csv(&output) }
            .parallelism(p)
            .run()
            .unwrap();
        // The csv crate quotes only where needed: compare the records, then the plain lines.
        let back = std::fs::read_to_string(&output).unwrap();
        let mut reader = csv::Reader::from_reader(back.as_bytes());
        let mut original = csv::Reader::from_reader(text.as_bytes());
        let got: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let want: Vec<csv::StringRecord> = original.records().map(Result::unwrap).collect();
        assert_eq!(got, want, "parallelism {p}");
        assert!(back.starts_with("station,country,tenths\nOslo,NO,-2500\nRome,IT,-2499\n"));
    }
}

#[test]
fn records_with_symbol_fields_round_trip_through_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("readings.jsonl");
    let readings = vec![
        Reading {
            station: "Oslo".into(),
            country: "NO".into(),
            tenths: 31,
        },
        Reading {
            station: "Zürich \"ZRH\"".into(),
            country: "CH".into(),
            tenths: -4,
        },
    ];
    let expected = "{\"station\":\"Oslo\",\"country\":\"NO\",\"tenths\":31}\n";
    pipeline! { from_collection(&readings) -> write_json(&path) }
        .run()
        .unwrap();
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .starts_with(expected));
    let back: Vec<Reading> = pipeline! { read_json::<Reading>(&path) -> collect() }
        .run()
        .unwrap();
    assert_eq!(back, readings);
}

#[cfg(feature = "parquet")]
#[test]
fn records_with_symbol_fields_round_trip_through_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("readings.parquet");
    let readings: Vec<Reading> = (0..1_000)
        .map(|i| Reading {
            station: ["Oslo", "Rome", "Lima"][i % 3].into(),
            country: ["NO", "IT", "PE"][i % 3].into(),
            tenths: i as i32,
        })
        .collect();
    pipeline! { from_collection(&readings) -> write_parquet(&path) }
        .run()
        .unwrap();
    for p in PARALLELISM {
        let back: Vec<Reading> = pipeline! { read_parquet::<Reading>(&path) -> collect() }
            .parallelism(p)
            .run()
            .unwrap();
        assert_eq!(back, readings, "parallelism {p}");
    }
}
