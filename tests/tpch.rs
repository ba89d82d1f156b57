//! The TPC-H queries of `examples/tpch.rs` (the very modules the example runs) on the small data
//! set in `tests/data/tpch/` (scale factor 0.005, gzipped), at parallelism 1, 2 and 7, against
//! the answers DuckDB computed on the same files (`tests/data/tpch/q*.out`, made by
//! `tests/data/tpch/answers.py`; see the README there).

#[path = "../examples/tpch/answer.rs"]
mod answer;
#[path = "../examples/tpch/q1.rs"]
mod q1;
#[path = "../examples/tpch/q3.rs"]
mod q3;
#[path = "../examples/tpch/q5.rs"]
mod q5;
#[path = "../examples/tpch/q6.rs"]
mod q6;
#[path = "../examples/tpch/tables.rs"]
mod tables;

use answer::{Answer, Cell};
use tables::{Date, Tables};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/tpch");

/// DuckDB's answer to `query`: the header's column names and the rows' fields, as text.
fn reference(query: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(format!("{DATA}/{query}.out")).unwrap();
    let mut lines = text
        .lines()
        .map(|l| l.split('|').map(str::to_owned).collect());
    let header = lines.next().expect("a header line");
    (header, lines.collect())
}

/// Checks an answer against DuckDB's: the same columns, the same rows in the same order, texts
/// and integers equal, and each number within half a unit of the last decimal it is printed
/// with (a cent for money, 1e-4 for Q3's and Q5's revenue).
fn check(query: &str, answer: &Answer, parallelism: usize) {
    let (columns, rows) = reference(query);
    let at = format!("{query} at parallelism {parallelism}");
    assert_eq!(answer.columns, columns, "{at}: columns");
    assert_eq!(answer.rows.len(), rows.len(), "{at}: rows\n{answer}");
    assert!(
        !rows.is_empty(),
        "{query}: an empty reference checks nothing"
    );
    for (i, (row, want)) in answer.rows.iter().zip(&rows).enumerate() {
        assert_eq!(row.len(), want.len(), "{at}, row {i}");
        for (cell, want) in row.iter().zip(want) {
            let ok = match cell {
                Cell::Text(s) => s == want,
                Cell::Int(n) => n.to_string() == *want,
                Cell::Num(x, decimals) => {
                    let want: f64 = want.parse().unwrap();
                    (x - want).abs() < 0.5 * 10f64.powi(-(*decimals as i32))
                }
            };
            assert!(
                ok,
                "{at}, row {i}: {cell} where DuckDB has {want}\n{answer}"
            );
        }
    }
}

fn check_query(query: &str, run: fn(&Tables, usize) -> Result<Answer, dataflow::Error>) {
    let tables = Tables::new(DATA);
    for parallelism in [1, 2, 7] {
        let answer = run(&tables, parallelism).unwrap();
        check(query, &answer, parallelism);
    }
}

#[test]
fn q1_matches_duckdb() {
    check_query("q1", q1::run);
}

#[test]
fn q3_matches_duckdb() {
    check_query("q3", q3::run);
}

#[test]
fn q5_matches_duckdb() {
    check_query("q5", q5::run);
}

#[test]
fn q6_matches_duckdb() {
    check_query("q6", q6::run);
}

#[test]
fn tables_are_found_plain_or_gzipped_and_a_missing_one_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("nation.tbl"), "").unwrap();
    std::fs::write(dir.path().join("region.tbl.gz"), "").unwrap();
    let tables = Tables::new(dir.path());
    assert_eq!(tables.path("nation"), dir.path().join("nation.tbl"));
    assert_eq!(tables.path("region"), dir.path().join("region.tbl.gz"));
    assert_eq!(tables.path("orders"), dir.path().join("orders.tbl"));
    let error = q6::run(&tables, 2).unwrap_err().to_string();
    assert!(error.contains("lineitem.tbl"), "{error}");
}

#[test]
fn dates_parse_order_and_print_as_written() {
    let d = Date::parse("1995-03-15").unwrap();
    assert_eq!(d, Date::ymd(1995, 3, 15));
    assert!(Date::ymd(1994, 12, 31) < d && d < Date::ymd(1995, 3, 16));
    assert_eq!(d.to_string(), "1995-03-15");
    for bad in ["1995-3-15", "1995/03/15", "19950315xx", "1995-0a-15", ""] {
        assert_eq!(Date::parse(bad), None, "{bad}");
    }
}
