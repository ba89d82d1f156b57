//! The Flink batch job this project starts from: read a CSV file of typed records, group them by
//! a column and compute statistics per group.
//!
//! ```text
//! cargo run --release --example csv_statistics                # data/employees.csv
//! cargo run --release --example csv_statistics -- FILE.csv    # any CSV with the same columns
//! ```
//!
//! The pipeline (in `common/employees.rs`, shared with the tests):
//!
//! ```text
//! let employees = read_csv::<Employee>(input, header = true, bad_records = skip);
//! employees -> key_by(department)
//!           -> aggregate(count(), statistics(salary), max_by(salary)) -> collect();
//! employees -> statistics(salary);
//! ```
//!
//! `data/employees.csv` holds one malformed row on purpose (a salary of `unknown`): with
//! `bad_records = skip` the job leaves it out, counts it, and the metrics show why. Without the
//! option the job would fail with an error naming the file, line, field and text.

#[path = "common/employees.rs"]
mod employees;

use std::process::ExitCode;

fn main() -> ExitCode {
    let input = match std::env::args().nth(1) {
        Some(path) if path == "--help" || path == "-h" => {
            eprintln!("usage: csv_statistics [FILE.csv|DIR|GLOB]");
            return ExitCode::SUCCESS;
        }
        Some(path) => path,
        None => concat!(env!("CARGO_MANIFEST_DIR"), "/data/employees.csv").to_string(),
    };
    let report = match employees::salary_report(&input, None) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };

    println!("Salaries by department ({input})\n");
    println!(
        "{:<14} {:>5} {:>10} {:>10} {:>10} {:>10}  top earner",
        "department", "count", "mean", "std dev", "min", "max"
    );
    let row = |name: &str, n: u64, s: &dataflow::Statistics| {
        format!(
            "{name:<14} {n:>5} {:>10.2} {:>10.2} {:>10.2} {:>10.2}",
            s.mean,
            s.std_dev(),
            s.min,
            s.max
        )
    };
    for d in &report.departments {
        println!(
            "{}  {} ({}, since {})",
            row(&d.name, d.employees, &d.salary),
            d.top_earner.name,
            d.top_earner.title,
            d.top_earner.hired
        );
    }
    println!("{}", row("(all)", report.company.count, &report.company));

    println!("\n{}\n", report.plan.trim_end());
    println!("{}", report.metrics.to_string().trim_end());
    if report.metrics.skipped() > 0 {
        println!(
            "({} malformed row(s) left out: bad_records = skip)",
            report.metrics.skipped()
        );
    }
    ExitCode::SUCCESS
}
