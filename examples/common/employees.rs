//! The employee statistics pipeline, shared by `examples/csv_statistics.rs` and
//! `tests/examples.rs`.

use dataflow::prelude::*;
use serde::Deserialize;

/// One row of `data/employees.csv` (the header names the fields).
#[derive(Clone, Debug, Deserialize)]
pub struct Employee {
    pub name: String,
    pub department: String,
    pub title: String,
    pub salary: f64,
    pub hired: u16,
}

/// One department's figures.
#[derive(Clone, Debug)]
pub struct Department {
    pub name: String,
    /// Employees in the department.
    pub employees: u64,
    /// Count, mean, standard deviation, min and max of the salaries.
    pub salary: Statistics,
    /// The best-paid employee (the first one listed on a tie).
    pub top_earner: Employee,
}

/// What a run returns.
pub struct Report {
    /// Per department, sorted by name.
    pub departments: Vec<Department>,
    /// Salary statistics over the whole company.
    pub company: Statistics,
    /// The job's plan, as `explain()` prints it.
    pub plan: String,
    /// Records read and bad records skipped.
    pub metrics: Metrics,
}

/// Reads the employees of the CSV file(s) `input` names, skipping (and counting) malformed rows,
/// and computes salary statistics per department and over the whole company.
pub fn salary_report(input: &str, parallelism: Option<usize>) -> Result<Report, Error> {
    let job = pipeline! {
        let employees = read_csv::<Employee>(input, header = true, bad_records = skip);
        employees
            -> key_by(|e: &Employee| e.department.clone())
            -> aggregate(count(), statistics(|e: &Employee| e.salary), max_by(|e: &Employee| e.salary))
            -> collect();
        employees -> statistics(|e: &Employee| e.salary);
    };
    let job = match parallelism {
        Some(threads) => job.parallelism(threads),
        None => job,
    };
    let plan = job.explain();
    let ((rows, company), metrics) = job.run_with_metrics()?;
    let mut departments: Vec<Department> = rows
        .into_iter()
        .map(|(name, (employees, salary, top_earner))| Department {
            name,
            employees,
            salary,
            top_earner,
        })
        .collect();
    departments.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Report {
        departments,
        company,
        plan,
        metrics,
    })
}
