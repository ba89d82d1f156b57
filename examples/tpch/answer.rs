//! A query's result as TPC-H's answer set shows it: named columns, rows in the query's order.

use std::fmt;

/// One value of a result row.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// A number printed with this many decimals.
    Num(f64, usize),
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Cell::Text(s) => f.write_str(s),
            Cell::Int(n) => write!(f, "{n}"),
            Cell::Num(x, decimals) => write!(f, "{x:.decimals$}"),
        }
    }
}

/// A query's result: the column names and rows, printed `|`-separated with a header line, as
/// TPC-H's answer files (and DuckDB's `.mode list`) are.
#[derive(Clone, Debug)]
pub struct Answer {
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        writeln!(f, "{}", self.columns.join("|"))?;
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(Cell::to_string).collect();
            writeln!(f, "{}", cells.join("|"))?;
        }
        Ok(())
    }
}
