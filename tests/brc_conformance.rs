//! The One Billion Row Challenge pipeline of `examples/brc.rs` against the challenge's own
//! conformance cases (`data/1brc/1brc-samples`: input `.txt`, expected output `.out`), and its
//! data generator against the properties the official generator has.

#[path = "../examples/common/brc.rs"]
mod brc;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn samples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/1brc/1brc-samples");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    inputs.sort();
    inputs
}

#[test]
fn every_sample_gives_the_expected_output_byte_for_byte() {
    let inputs = samples();
    assert_eq!(inputs.len(), 12, "the challenge has 12 conformance cases");
    for input in &inputs {
        let expected = std::fs::read_to_string(input.with_extension("out")).unwrap();
        let expected = expected.trim_end_matches('\n');
        for parallelism in [1, 2, 7] {
            let result = brc::run(input.to_str().unwrap(), Some(parallelism))
                .unwrap_or_else(|e| panic!("{}: {e}", input.display()));
            let actual = brc::format_output(&result.stations);
            assert_eq!(
                actual,
                expected,
                "{} at parallelism {parallelism}",
                input.display()
            );
            let records: u64 = result.stations.iter().map(|(_, s)| s.count).sum();
            assert_eq!(records, result.metrics.records_read());
            assert!(result.plan.contains("combiner"), "{}", result.plan);
        }
    }
}

#[test]
fn temperatures_parse_into_tenths() {
    let cases = [
        ("0.0", 0),
        ("-0.0", 0),
        ("1.2", 12),
        ("-1.2", -12),
        ("12.3", 123),
        ("-99.9", -999),
        ("99.9", 999),
    ];
    for (text, tenths) in cases {
        assert_eq!(brc::parse_tenths(text.as_bytes()), Some(tenths), "{text}");
        assert_eq!(text.parse::<f64>().unwrap() * 10.0, tenths as f64, "{text}");
    }
    for bad in [
        "", "1", "1.", ".5", "1.23", "123.4", "--1.2", "a.b", "1,2", "+1.2",
    ] {
        assert_eq!(brc::parse_tenths(bad.as_bytes()), None, "{bad:?}");
    }
    assert_eq!(brc::parse_line("São Paulo;-3.4"), ("São Paulo", -34));
    assert_eq!(brc::parse_line("a;b;1.0"), ("a;b", 10));
}

/// The mean rounded half up, by its definition: the integer `m` with `m - 1/2 <= sum / count <
/// m + 1/2`, found by search around the float quotient.
fn mean_by_definition(sum: i64, count: u64) -> i64 {
    let c = i128::from(count);
    let guess = (sum as f64 / count as f64).round() as i64;
    (guess - 1..=guess + 1)
        .find(|&m| {
            let m = i128::from(m);
            (2 * m - 1) * c <= 2 * i128::from(sum) && 2 * i128::from(sum) < (2 * m + 1) * c
        })
        .expect("one of three")
}

#[test]
fn means_round_half_up_like_java() {
    let summary = |sum, count| brc::Summary {
        min: 0,
        max: 0,
        sum,
        count,
    };
    // -1.5 tenths rounds to -1 (Java's Math.round), not -2 (Rust's f64::round).
    assert_eq!(summary(-15, 10).mean(), -1);
    assert_eq!(summary(15, 10).mean(), 2);
    assert_eq!(summary(-25, 10).mean(), -2);
    assert_eq!(summary(-14, 10).mean(), -1);
    assert_eq!(summary(-16, 10).mean(), -2);
    for sum in -400..=400 {
        for count in 1..=9 {
            assert_eq!(
                summary(sum, count).mean(),
                mean_by_definition(sum, count),
                "{sum}/{count}"
            );
        }
    }
    assert_eq!(brc::format_tenths(-4), "-0.4");
    assert_eq!(brc::format_tenths(0), "0.0");
    assert_eq!(brc::format_tenths(-999), "-99.9");
    assert_eq!(brc::format_tenths(5), "0.5");
}

/// The expected output of a measurements file, computed without the pipeline: temperatures read
/// as `f64`, then converted to tenths; means by [`mean_by_definition`].
fn reference_output(text: &str) -> String {
    let mut stations: BTreeMap<&str, (i64, i64, i64, u64)> = BTreeMap::new();
    for line in text.lines() {
        let (name, temperature) = line.rsplit_once(';').unwrap();
        let tenths = (temperature.parse::<f64>().unwrap() * 10.0).round() as i64;
        let s = stations.entry(name).or_insert((i64::MAX, i64::MIN, 0, 0));
        s.0 = s.0.min(tenths);
        s.1 = s.1.max(tenths);
        s.2 += tenths;
        s.3 += 1;
    }
    let one = |t: i64| format!("{:.1}", t as f64 / 10.0).replace("-0.0", "0.0");
    let parts: Vec<String> = stations
        .iter()
        .map(|(name, &(min, max, sum, count))| {
            format!(
                "{name}={}/{}/{}",
                one(min),
                one(mean_by_definition(sum, count)),
                one(max)
            )
        })
        .collect();
    format!("{{{}}}", parts.join(", "))
}

#[test]
fn generated_data_looks_like_the_challenge_and_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let rows = 20_000;
    assert_eq!(
        brc::generate(&path("a.txt"), rows, 42, Some(1)).unwrap(),
        rows
    );
    assert_eq!(
        brc::generate(&path("b.txt"), rows, 42, Some(3)).unwrap(),
        rows
    );
    brc::generate(&path("c.txt"), rows, 43, Some(2)).unwrap();
    let a = std::fs::read_to_string(path("a.txt")).unwrap();
    assert_eq!(a, std::fs::read_to_string(path("b.txt")).unwrap());
    assert_ne!(a, std::fs::read_to_string(path("c.txt")).unwrap());

    // Every line is `station;t` with a known station and t in [-99.9, 99.9] with one decimal;
    // stations are uniform and temperatures spread around the station's mean with sd 10.
    let means: BTreeMap<&str, f64> = brc::STATIONS
        .lines()
        .map(|l| {
            let (name, mean) = l.rsplit_once(';').unwrap();
            (name, mean.parse().unwrap())
        })
        .collect();
    assert_eq!(means.len(), 413);
    let mut seen: BTreeMap<&str, u64> = BTreeMap::new();
    let (mut sum, mut sum_sq) = (0.0, 0.0);
    for line in a.lines() {
        let (name, t) = line.rsplit_once(';').unwrap();
        let decimals = t.split_once('.').map(|(_, d)| d.len());
        assert_eq!(decimals, Some(1), "{line}");
        let t: f64 = t.parse().unwrap();
        assert!((-99.9..=99.9).contains(&t), "{line}");
        let deviation = t - means.get(name).unwrap_or_else(|| panic!("{line}"));
        sum += deviation;
        sum_sq += deviation * deviation;
        *seen.entry(name).or_default() += 1;
    }
    assert_eq!(a.lines().count() as u64, rows);
    assert_eq!(seen.len(), 413, "every station appears");
    let per_station = rows as f64 / 413.0;
    assert!(seen.values().all(|&n| (n as f64) > per_station / 3.0));
    let mean = sum / rows as f64;
    let sd = (sum_sq / rows as f64 - mean * mean).sqrt();
    assert!(mean.abs() < 0.5, "mean deviation {mean}");
    assert!((9.5..10.5).contains(&sd), "standard deviation {sd}");

    // And the pipeline agrees with a reference computed without it.
    for parallelism in [1, 2, 7] {
        let result = brc::run(&path("a.txt"), Some(parallelism)).unwrap();
        assert_eq!(brc::format_output(&result.stations), reference_output(&a));
    }
}

#[test]
fn long_station_names_are_keys_too() {
    // Names beyond the inline key's 30 bytes take the heap variant; they must still group.
    let dir = tempfile::tempdir().unwrap();
    let long = "L".repeat(100);
    let text = format!(
        "{long};1.0\nshort;2.0\n{long};-3.0\n{}é;4.0\n",
        "x".repeat(29)
    );
    let path = dir.path().join("m.txt");
    std::fs::write(&path, &text).unwrap();
    let result = brc::run(path.to_str().unwrap(), Some(2)).unwrap();
    assert_eq!(
        brc::format_output(&result.stations),
        reference_output(&text)
    );
    assert_eq!(result.stations.len(), 3);
}

#[test]
fn a_malformed_line_is_an_error_naming_the_operator_and_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.txt");
    std::fs::write(&path, "Abha;1.0\nAbha 2.0\n").unwrap();
    let error = brc::run(path.to_str().unwrap(), Some(2))
        .err()
        .expect("a malformed line fails the job")
        .to_string();
    assert!(
        error.contains("operator `map`") && error.contains("Abha 2.0"),
        "{error}"
    );
}
