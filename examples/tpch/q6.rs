//! TPC-H Q6, the forecasting revenue change: one filtered sum over lineitem.
//!
//! ```sql
//! SELECT sum(l_extendedprice * l_discount) AS revenue FROM lineitem
//! WHERE l_shipdate >= DATE '1994-01-01' AND l_shipdate < DATE '1995-01-01'
//!   AND l_discount BETWEEN 0.06 - 0.01 AND 0.06 + 0.01 AND l_quantity < 24
//! ```

use crate::answer::{Answer, Cell};
use crate::tables::{Date, Tables};
use dataflow::prelude::*;
use serde::de::IgnoredAny;
use serde::Deserialize;

/// The columns of `lineitem` that Q6 reads.
#[derive(Deserialize)]
struct Lineitem {
    _orderkey: IgnoredAny,
    _partkey: IgnoredAny,
    _suppkey: IgnoredAny,
    _linenumber: IgnoredAny,
    quantity: f64,
    extendedprice: f64,
    discount: f64,
    _tax: IgnoredAny,
    _returnflag: IgnoredAny,
    _linestatus: IgnoredAny,
    shipdate: Date,
}

pub fn run(tables: &Tables, threads: usize) -> Result<Answer, Error> {
    let lineitem = tables.path("lineitem");
    let (from, to) = (Date::ymd(1994, 1, 1), Date::ymd(1995, 1, 1));
    let revenue: f64 = pipeline! {
        read_csv::<Lineitem>(lineitem, delimiter = b'|', header = false)
            -> filter(|l| {
                l.shipdate >= from && l.shipdate < to
                    // 0.06 ± 0.01: "0.05" parses to the same f64 as the literal 0.05
                    && (0.05..=0.07).contains(&l.discount)
                    && l.quantity < 24.0
            })
            -> sum(|l| l.extendedprice * l.discount)
    }
    .parallelism(threads)
    .run()?;
    Ok(Answer {
        columns: vec!["revenue"],
        rows: vec![vec![Cell::Num(revenue, 2)]],
    })
}
