//! TPC-H Q3, the shipping priority query: the ten unshipped orders of the BUILDING market
//! segment with the most revenue, as of 1995-03-15.
//!
//! ```sql
//! SELECT l_orderkey, sum(l_extendedprice * (1 - l_discount)) AS revenue, o_orderdate, o_shippriority
//! FROM customer, orders, lineitem
//! WHERE c_mktsegment = 'BUILDING' AND c_custkey = o_custkey AND l_orderkey = o_orderkey
//!   AND o_orderdate < DATE '1995-03-15' AND l_shipdate > DATE '1995-03-15'
//! GROUP BY l_orderkey, o_orderdate, o_shippriority
//! ORDER BY revenue DESC, o_orderdate LIMIT 10
//! ```

use crate::answer::{Answer, Cell};
use crate::tables::{Date, Tables};
use dataflow::prelude::*;
use serde::de::IgnoredAny;
use serde::Deserialize;

#[derive(Deserialize)]
struct Customer<'a> {
    custkey: u64,
    _name: IgnoredAny,
    _address: IgnoredAny,
    _nationkey: IgnoredAny,
    _phone: IgnoredAny,
    _acctbal: IgnoredAny,
    mktsegment: &'a str,
}

#[derive(Clone, Copy, Deserialize)]
struct Order {
    orderkey: u64,
    custkey: u64,
    _orderstatus: IgnoredAny,
    _totalprice: IgnoredAny,
    orderdate: Date,
    _orderpriority: IgnoredAny,
    _clerk: IgnoredAny,
    shippriority: i32,
}

#[derive(Clone, Copy, Deserialize)]
struct Lineitem {
    orderkey: u64,
    _partkey: IgnoredAny,
    _suppkey: IgnoredAny,
    _linenumber: IgnoredAny,
    _quantity: IgnoredAny,
    extendedprice: f64,
    discount: f64,
    _tax: IgnoredAny,
    _returnflag: IgnoredAny,
    _linestatus: IgnoredAny,
    shipdate: Date,
}

pub fn run(tables: &Tables, threads: usize) -> Result<Answer, Error> {
    let (customer, orders, lineitem) = (
        tables.path("customer"),
        tables.path("orders"),
        tables.path("lineitem"),
    );
    let day = Date::ymd(1995, 3, 15);
    let mut groups = pipeline! {
        let building = read_csv::<Customer<'_>>(customer, delimiter = b'|', header = false)
            -> filter(|c| c.mktsegment == "BUILDING")
            -> map(|c| c.custkey);
        // The segment's orders before the day, a tenth of all: small enough to hash once and
        // share with every task of the lineitem scan (which is then never shuffled).
        let open = read_csv::<Order>(orders, delimiter = b'|', header = false)
            -> filter(|o| o.orderdate < day)
            -> semi_join(building, |o| o.custkey, |c| *c, strategy = broadcast_right);
        read_csv::<Lineitem>(lineitem, delimiter = b'|', header = false)
            -> filter(|l| l.shipdate > day)
            -> join(open, |l| l.orderkey, |o| o.orderkey,
                |l, o| (o.orderkey, o.orderdate, o.shippriority, l.extendedprice * (1.0 - l.discount)),
                strategy = broadcast_right)
            -> key_by(|r| (r.0, r.1, r.2))
            -> sum(|r| r.3)
            -> collect()
    }
    .parallelism(threads)
    .run()?;
    // ORDER BY revenue DESC, o_orderdate LIMIT 10
    groups.sort_by(|(a, ra), (b, rb)| rb.total_cmp(ra).then(a.1.cmp(&b.1)));
    groups.truncate(10);
    Ok(Answer {
        columns: vec!["l_orderkey", "revenue", "o_orderdate", "o_shippriority"],
        rows: groups
            .into_iter()
            .map(|((orderkey, date, priority), revenue)| {
                vec![
                    Cell::Int(orderkey as i64),
                    Cell::Num(revenue, 4),
                    Cell::Text(date.to_string()),
                    Cell::Int(priority.into()),
                ]
            })
            .collect(),
    })
}
