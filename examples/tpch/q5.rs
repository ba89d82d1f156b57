//! TPC-H Q5, the local supplier volume query: the revenue of 1994 in each Asian nation from
//! orders whose customer and supplier are both of that nation.
//!
//! ```sql
//! SELECT n_name, sum(l_extendedprice * (1 - l_discount)) AS revenue
//! FROM customer, orders, lineitem, supplier, nation, region
//! WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey AND l_suppkey = s_suppkey
//!   AND c_nationkey = s_nationkey AND s_nationkey = n_nationkey AND n_regionkey = r_regionkey
//!   AND r_name = 'ASIA' AND o_orderdate >= DATE '1994-01-01' AND o_orderdate < DATE '1995-01-01'
//! GROUP BY n_name ORDER BY revenue DESC
//! ```

use crate::answer::{Answer, Cell};
use crate::tables::{Date, Tables};
use dataflow::prelude::*;
use serde::de::IgnoredAny;
use serde::Deserialize;

#[derive(Deserialize)]
struct Region<'a> {
    regionkey: u32,
    name: &'a str,
}

#[derive(Deserialize)]
struct Nation<'a> {
    nationkey: u32,
    name: &'a str,
    regionkey: u32,
}

/// A nation of the region, its name owned so that it can be joined and kept.
#[derive(Clone)]
struct NationName {
    nationkey: u32,
    regionkey: u32,
    name: String,
}

#[derive(Clone, Copy, Deserialize)]
struct Customer {
    custkey: u64,
    _name: IgnoredAny,
    _address: IgnoredAny,
    nationkey: u32,
}

#[derive(Clone, Copy, Deserialize)]
struct Supplier {
    suppkey: u64,
    _name: IgnoredAny,
    _address: IgnoredAny,
    nationkey: u32,
}

#[derive(Clone, Copy, Deserialize)]
struct Order {
    orderkey: u64,
    custkey: u64,
    _orderstatus: IgnoredAny,
    _totalprice: IgnoredAny,
    orderdate: Date,
}

#[derive(Clone, Copy, Deserialize)]
struct Lineitem {
    orderkey: u64,
    _partkey: IgnoredAny,
    suppkey: u64,
    _linenumber: IgnoredAny,
    _quantity: IgnoredAny,
    extendedprice: f64,
    discount: f64,
}

pub fn run(tables: &Tables, threads: usize) -> Result<Answer, Error> {
    let [region, nation, customer, supplier, orders, lineitem] = [
        "region", "nation", "customer", "supplier", "orders", "lineitem",
    ]
    .map(|t| tables.path(t));
    let (from, to) = (Date::ymd(1994, 1, 1), Date::ymd(1995, 1, 1));
    let mut nations = pipeline! {
        let asia = read_csv::<Region<'_>>(region, delimiter = b'|', header = false)
            -> filter(|r| r.name == "ASIA")
            -> map(|r| r.regionkey);
        let nations = read_csv::<Nation<'_>>(nation, delimiter = b'|', header = false)
            -> map(|n| NationName { nationkey: n.nationkey, regionkey: n.regionkey, name: n.name.to_owned() })
            -> semi_join(asia, |n| n.regionkey, |r| *r, strategy = broadcast_right);
        // (custkey, nationkey) of the customers of the region's nations
        let customers = read_csv::<Customer>(customer, delimiter = b'|', header = false)
            -> semi_join(nations, |c| c.nationkey, |n| n.nationkey, strategy = broadcast_right);
        // (orderkey, the customer's nation) of the region's orders of 1994
        let orders = read_csv::<Order>(orders, delimiter = b'|', header = false)
            -> filter(|o| o.orderdate >= from && o.orderdate < to)
            -> join(customers, |o| o.custkey, |c| c.custkey, |o, c| (o.orderkey, c.nationkey),
                strategy = broadcast_right);
        // (suppkey, nationkey, nation name) of the region's suppliers
        let suppliers = read_csv::<Supplier>(supplier, delimiter = b'|', header = false)
            -> join(nations, |s| s.nationkey, |n| n.nationkey,
                |s, n| (s.suppkey, s.nationkey, n.name.clone()), strategy = broadcast_right);
        read_csv::<Lineitem>(lineitem, delimiter = b'|', header = false)
            -> join(orders, |l| l.orderkey, |o| o.0,
                |l, o| (l.suppkey, o.1, l.extendedprice * (1.0 - l.discount)),
                strategy = broadcast_right)
            // the supplier must be of the customer's nation
            -> join(suppliers, |x| (x.0, x.1), |s| (s.0, s.1), |x, s| (s.2.clone(), x.2),
                strategy = broadcast_right)
            -> key_by(|x| x.0.as_str())
            -> sum(|x| x.1)
            -> collect()
    }
    .parallelism(threads)
    .run()?;
    // ORDER BY revenue DESC
    nations.sort_by(|a, b| b.1.total_cmp(&a.1));
    Ok(Answer {
        columns: vec!["n_name", "revenue"],
        rows: nations
            .into_iter()
            .map(|(name, revenue)| vec![Cell::Text(name), Cell::Num(revenue, 4)])
            .collect(),
    })
}
