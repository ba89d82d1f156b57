//! TPC-H Q1, the pricing summary report: lineitem shipped by 1998-09-02 (90 days before
//! 1998-12-01), grouped by return flag and line status, with sums, averages and a count.
//!
//! ```sql
//! SELECT l_returnflag, l_linestatus, sum(l_quantity), sum(l_extendedprice),
//!        sum(l_extendedprice * (1 - l_discount)), sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)),
//!        avg(l_quantity), avg(l_extendedprice), avg(l_discount), count(*)
//! FROM lineitem WHERE l_shipdate <= DATE '1998-12-01' - INTERVAL 90 DAY
//! GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus
//! ```

use crate::answer::{Answer, Cell};
use crate::tables::{Date, Tables};
use dataflow::prelude::*;
use serde::de::IgnoredAny;
use serde::Deserialize;

/// The columns of `lineitem` that Q1 reads; the others are skipped unparsed.
#[derive(Deserialize)]
struct Lineitem {
    _orderkey: IgnoredAny,
    _partkey: IgnoredAny,
    _suppkey: IgnoredAny,
    _linenumber: IgnoredAny,
    quantity: f64,
    extendedprice: f64,
    discount: f64,
    tax: f64,
    returnflag: char,
    linestatus: char,
    shipdate: Date,
}

pub fn run(tables: &Tables, threads: usize) -> Result<Answer, Error> {
    let lineitem = tables.path("lineitem");
    let last = Date::ymd(1998, 9, 2);
    let mut groups = pipeline! {
        read_csv::<Lineitem>(lineitem, delimiter = b'|', header = false)
            -> filter(|l| l.shipdate <= last)
            -> key_by(|l| (l.returnflag, l.linestatus))
            -> aggregate(
                sum(|l| l.quantity),
                sum(|l| l.extendedprice),
                sum(|l| l.extendedprice * (1.0 - l.discount)),
                sum(|l| l.extendedprice * (1.0 - l.discount) * (1.0 + l.tax)),
                avg(|l| l.quantity),
                avg(|l| l.extendedprice),
                avg(|l| l.discount),
                count()
            )
            -> collect()
    }
    .parallelism(threads)
    .run()?;
    groups.sort_by_key(|(key, _)| *key);
    let money = |x: f64| Cell::Num(x, 2);
    Ok(Answer {
        columns: vec![
            "l_returnflag",
            "l_linestatus",
            "sum_qty",
            "sum_base_price",
            "sum_disc_price",
            "sum_charge",
            "avg_qty",
            "avg_price",
            "avg_disc",
            "count_order",
        ],
        rows: groups
            .into_iter()
            .map(
                |(
                    (flag, status),
                    (qty, base, disc_price, charge, avg_qty, avg_price, avg_disc, n),
                )| {
                    vec![
                        Cell::Text(flag.to_string()),
                        Cell::Text(status.to_string()),
                        money(qty),
                        money(base),
                        money(disc_price),
                        money(charge),
                        money(avg_qty),
                        money(avg_price),
                        money(avg_disc),
                        Cell::Int(n as i64),
                    ]
                },
            )
            .collect(),
    })
}
