//! The pipelines of `examples/wordcount.rs` and `examples/csv_statistics.rs` (shared through
//! `examples/common/`) against results computed here without the library.

#[path = "../examples/common/employees.rs"]
mod employees;
#[path = "../examples/common/wordcount.rs"]
mod wordcount;
#[path = "../examples/common/zipf.rs"]
mod zipf;

use std::collections::{BTreeMap, HashMap, HashSet};

#[test]
fn synthetic_words_are_distinct_and_shortest_first() {
    let words: Vec<String> = (0..6000).map(zipf::word).collect();
    assert_eq!(words.iter().collect::<HashSet<_>>().len(), words.len());
    assert!(words.windows(2).all(|w| w[0].len() <= w[1].len()));
    assert_eq!(words[0], "ba");
    assert!(words
        .iter()
        .all(|w| w.bytes().all(|b| b.is_ascii_lowercase())));
}

#[test]
fn wordcount_counts_a_generated_corpus_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = zipf::Corpus {
        files: 3,
        bytes: 96 << 10,
        vocabulary: 400,
        exponent: 1.1,
        seed: 7,
    };
    let files = corpus.write(dir.path()).unwrap();
    assert_eq!(files.len(), 3);

    // The reference: every file read whole and counted in a HashMap.
    let mut expected: HashMap<String, u64> = HashMap::new();
    for file in &files {
        for word in std::fs::read_to_string(file).unwrap().split_whitespace() {
            *expected.entry(word.to_string()).or_default() += 1;
        }
    }
    assert!(
        expected.len() > 100,
        "a Zipf corpus of this size uses many words"
    );

    let input = dir.path().to_str().unwrap();
    for parallelism in [1, 2, 7] {
        let result = wordcount::count_words(input, Some(parallelism)).unwrap();
        let counts: HashMap<String, u64> = result.counts.iter().cloned().collect();
        assert_eq!(counts.len(), result.counts.len(), "each word once");
        assert_eq!(counts, expected, "parallelism {parallelism}");
        let lines: usize = files
            .iter()
            .map(|f| std::fs::read_to_string(f).unwrap().lines().count())
            .sum();
        assert_eq!(result.metrics.records_read(), lines as u64);
        assert!(result.plan.contains("flat_map"), "{}", result.plan);
    }

    // Top words: by count descending, then by word.
    let result = wordcount::count_words(input, None).unwrap();
    let mut reference: Vec<(String, u64)> = expected.into_iter().collect();
    reference.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    reference.truncate(10);
    assert_eq!(wordcount::top(&result.counts, 10), reference);
    // Zipf: the word of rank 0 is the most frequent.
    assert_eq!(reference[0].0, zipf::word(0));
}

#[test]
fn wordcount_top_breaks_ties_by_word() {
    let counts = vec![
        ("b".to_string(), 2),
        ("c".to_string(), 5),
        ("a".to_string(), 2),
        ("d".to_string(), 1),
    ];
    let top = wordcount::top(&counts, 3);
    let words: Vec<&str> = top.iter().map(|(w, _)| w.as_str()).collect();
    assert_eq!(words, ["c", "a", "b"]);
}

/// Splits one CSV line into fields, honouring `"` quotes (enough for `data/employees.csv`).
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(String::new()),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

#[test]
fn csv_statistics_per_department_match_a_direct_computation() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/employees.csv");
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = csv_fields(lines.next().unwrap());
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (name_col, dept_col, salary_col) = (column("name"), column("department"), column("salary"));
    let (title_col, hired_col) = (column("title"), column("hired"));

    // department -> (salary, the row's fields) in file order.
    let mut groups: BTreeMap<String, Vec<(f64, Vec<String>)>> = BTreeMap::new();
    let mut bad = 0;
    for line in lines {
        let fields = csv_fields(line);
        match fields[salary_col].parse::<f64>() {
            Ok(salary) => groups
                .entry(fields[dept_col].clone())
                .or_default()
                .push((salary, fields)),
            Err(_) => bad += 1,
        }
    }
    assert_eq!(bad, 1, "the sample holds one malformed row on purpose");

    for parallelism in [1, 3] {
        let report = employees::salary_report(path, Some(parallelism)).unwrap();
        assert_eq!(report.metrics.skipped(), bad);
        assert!(report.plan.contains("aggregate"), "{}", report.plan);
        let names: Vec<&String> = report.departments.iter().map(|d| &d.name).collect();
        assert_eq!(names, groups.keys().collect::<Vec<_>>());
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
        for d in &report.departments {
            let salaries: Vec<f64> = groups[&d.name].iter().map(|(s, ..)| *s).collect();
            let n = salaries.len() as f64;
            let mean = salaries.iter().sum::<f64>() / n;
            let variance = salaries.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / n;
            assert_eq!(d.employees, salaries.len() as u64, "{}", d.name);
            assert_eq!(d.salary.count, d.employees);
            assert!(
                close(d.salary.mean, mean),
                "{}: {} vs {mean}",
                d.name,
                d.salary.mean
            );
            assert!(close(d.salary.std_dev(), variance.sqrt()), "{}", d.name);
            let max = salaries.iter().cloned().fold(f64::MIN, f64::max);
            let min = salaries.iter().cloned().fold(f64::MAX, f64::min);
            assert_eq!((d.salary.min, d.salary.max), (min, max), "{}", d.name);
            // The first employee listed with the highest salary.
            let top = groups[&d.name].iter().find(|(s, ..)| *s == max).unwrap();
            let e = &d.top_earner;
            assert_eq!(
                [e.name.clone(), e.title.clone(), e.hired.to_string()],
                [&top.1[name_col], &top.1[title_col], &top.1[hired_col]].map(String::clone)
            );
        }
        let all: Vec<f64> = groups.values().flatten().map(|(s, ..)| *s).collect();
        assert_eq!(report.company.count, all.len() as u64);
        assert!(close(
            report.company.mean,
            all.iter().sum::<f64>() / all.len() as f64
        ));
    }
}
