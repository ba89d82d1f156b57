//! TPC-H Q1, Q3, Q5 and Q6 written by hand, the way a strong engineer would without a framework:
//! each table read in 8 MiB chunks on a rayon pool (positioned reads, whole lines per chunk),
//! lines split at `|` by hand, numbers parsed by hand, money as exact integers (cents), dates
//! compared as bytes, joins as hashbrown maps built from the smaller table and probed while
//! scanning the larger, per-chunk partial results merged at the end.

use crate::common::{chunks, read_chunk};
use hashbrown::{HashMap, HashSet};
use rayon::prelude::*;
use std::path::Path;

/// A query's answer rows as text, formatted as `examples/tpch/answer.rs` prints them.
pub type Rows = Vec<Vec<String>>;

/// Folds every line of `path` (without its `\n`) into per-chunk accumulators made by `init`,
/// on the current rayon pool, and merges them.
fn scan<A: Send>(
    path: &Path,
    init: impl Fn() -> A + Sync + Send,
    fold: impl Fn(&mut A, &[u8]) + Sync + Send,
    merge: impl Fn(A, A) -> A + Sync + Send,
) -> A {
    let chunks = chunks(&[path.to_path_buf()], 8 << 20).expect("table readable");
    chunks
        .par_iter()
        .map_init(Vec::new, |buf, chunk| {
            let lines = read_chunk(chunk, buf).expect("table readable");
            let mut acc = init();
            for line in lines.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                fold(&mut acc, line);
            }
            acc
        })
        .reduce(&init, &merge)
}

/// The fields of a `.tbl` line.
fn fields(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|&b| b == b'|')
}

fn int(f: &[u8]) -> u64 {
    f.iter().fold(0, |n, &d| n * 10 + u64::from(d - b'0'))
}

/// A decimal with at most two fraction digits ("21168.23", "0.04", "17") in hundredths.
fn hundredths(f: &[u8]) -> i64 {
    let (whole, frac) = match f.iter().position(|&b| b == b'.') {
        Some(dot) => (&f[..dot], &f[dot + 1..]),
        None => (f, &f[..0]),
    };
    let mut n = int(whole) as i64 * 100;
    for (i, &d) in frac.iter().take(2).enumerate() {
        n += i64::from(d - b'0') * if i == 0 { 10 } else { 1 };
    }
    n
}

/// `YYYY-MM-DD` as YYYYMMDD.
fn date(f: &[u8]) -> u32 {
    f.iter()
        .filter(|&&b| b != b'-')
        .fold(0, |n, &d| n * 10 + u32::from(d - b'0'))
}

fn show_date(d: u32) -> String {
    format!("{:04}-{:02}-{:02}", d / 10_000, d / 100 % 100, d % 100)
}

/// A fixed-point number with `scale` decimals, printed with `decimals` of them (rounded half
/// away from zero, as DuckDB rounds decimals).
fn show_fixed(n: i64, scale: u32, decimals: u32) -> String {
    let drop = 10i64.pow(scale - decimals);
    let rounded = (n + drop / 2) / drop;
    let unit = 10i64.pow(decimals);
    if decimals == 0 {
        return rounded.to_string();
    }
    format!(
        "{}.{:0width$}",
        rounded / unit,
        rounded % unit,
        width = decimals as usize
    )
}

pub fn q6(dir: &Path) -> Rows {
    let revenue = scan(
        &dir.join("lineitem.tbl"),
        || 0i64,
        |sum, line| {
            let mut f = fields(line).skip(4);
            let quantity = hundredths(f.next().unwrap());
            let price = hundredths(f.next().unwrap());
            let discount = hundredths(f.next().unwrap());
            let shipdate = f.nth(3).unwrap();
            if shipdate >= &b"1994-01-01"[..]
                && shipdate < &b"1995-01-01"[..]
                && (5..=7).contains(&discount)
                && quantity < 2400
            {
                *sum += price * discount;
            }
        },
        |a, b| a + b,
    );
    vec![vec![show_fixed(revenue, 4, 2)]]
}

/// Q1's sums of one group, exact: quantity and prices in cents, the discounted price in 1e-4,
/// the charge in 1e-6 (which fits an `i64` up to scale factor 100).
#[derive(Clone, Copy, Default)]
struct Q1Sums {
    quantity: i64,
    price: i64,
    disc_price: i64,
    charge: i64,
    discount: i64,
    count: i64,
}

pub fn q1(dir: &Path) -> Rows {
    let mut groups = scan(
        &dir.join("lineitem.tbl"),
        Vec::<((u8, u8), Q1Sums)>::new,
        |groups, line| {
            let mut f = fields(line).skip(4);
            let quantity = hundredths(f.next().unwrap());
            let price = hundredths(f.next().unwrap());
            let discount = hundredths(f.next().unwrap());
            let tax = hundredths(f.next().unwrap());
            let flag = f.next().unwrap()[0];
            let status = f.next().unwrap()[0];
            if f.next().unwrap() > &b"1998-09-02"[..] {
                return;
            }
            // Four groups: a linear search beats hashing.
            let i = match groups.iter().position(|(k, _)| *k == (flag, status)) {
                Some(i) => i,
                None => {
                    groups.push(((flag, status), Q1Sums::default()));
                    groups.len() - 1
                }
            };
            let s = &mut groups[i].1;
            let disc_price = price * (100 - discount);
            s.quantity += quantity;
            s.price += price;
            s.disc_price += disc_price;
            s.charge += disc_price * (100 + tax);
            s.discount += discount;
            s.count += 1;
        },
        |mut a, b| {
            for (key, s) in b {
                match a.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, t)) => {
                        t.quantity += s.quantity;
                        t.price += s.price;
                        t.disc_price += s.disc_price;
                        t.charge += s.charge;
                        t.discount += s.discount;
                        t.count += s.count;
                    }
                    None => a.push((key, s)),
                }
            }
            a
        },
    );
    groups.sort_by_key(|g| g.0);
    groups
        .into_iter()
        .map(|((flag, status), s)| {
            let avg = |sum: i64| format!("{:.2}", sum as f64 / 100.0 / s.count as f64);
            vec![
                (flag as char).to_string(),
                (status as char).to_string(),
                show_fixed(s.quantity, 2, 2),
                show_fixed(s.price, 2, 2),
                show_fixed(s.disc_price, 4, 2),
                show_fixed(s.charge, 6, 2),
                avg(s.quantity),
                avg(s.price),
                avg(s.discount),
                s.count.to_string(),
            ]
        })
        .collect()
}

/// Merges two maps of sums, the smaller into the larger.
fn merge_sums<K: std::hash::Hash + Eq>(a: HashMap<K, i64>, b: HashMap<K, i64>) -> HashMap<K, i64> {
    let (mut big, small) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    for (k, v) in small {
        *big.entry(k).or_default() += v;
    }
    big
}

pub fn q3(dir: &Path) -> Rows {
    const DAY: &[u8] = b"1995-03-15";
    let building: HashSet<u64> = scan(
        &dir.join("customer.tbl"),
        Vec::new,
        |keys, line| {
            let mut f = fields(line);
            let custkey = int(f.next().unwrap());
            if f.nth(5).unwrap() == b"BUILDING" {
                keys.push(custkey);
            }
        },
        |mut a, b| {
            a.extend(b);
            a
        },
    )
    .into_iter()
    .collect();
    // orderkey -> (orderdate, shippriority) of the segment's orders before the day
    let orders: HashMap<u64, (u32, u32)> = scan(
        &dir.join("orders.tbl"),
        Vec::new,
        |open, line| {
            let mut f = fields(line);
            let orderkey = int(f.next().unwrap());
            let custkey = int(f.next().unwrap());
            let orderdate = f.nth(2).unwrap();
            if orderdate < DAY && building.contains(&custkey) {
                let priority = int(f.nth(2).unwrap()) as u32;
                open.push((orderkey, (date(orderdate), priority)));
            }
        },
        |mut a, b| {
            a.extend(b);
            a
        },
    )
    .into_iter()
    .collect();
    // orderkey -> revenue in 1e-4
    let revenue = scan(
        &dir.join("lineitem.tbl"),
        HashMap::<u64, i64>::new,
        |sums, line| {
            let mut f = fields(line);
            let orderkey = int(f.next().unwrap());
            let mut f = f.skip(4);
            let price = hundredths(f.next().unwrap());
            let discount = hundredths(f.next().unwrap());
            if f.nth(3).unwrap() > DAY && orders.contains_key(&orderkey) {
                *sums.entry(orderkey).or_default() += price * (100 - discount);
            }
        },
        merge_sums,
    );
    let mut top: Vec<(u64, i64, u32, u32)> = revenue
        .into_iter()
        .map(|(key, sum)| (key, sum, orders[&key].0, orders[&key].1))
        .collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    top.truncate(10);
    top.into_iter()
        .map(|(key, sum, date, priority)| {
            vec![
                key.to_string(),
                show_fixed(sum, 4, 4),
                show_date(date),
                priority.to_string(),
            ]
        })
        .collect()
}

/// Reads a whole small table's lines, split into fields, on this thread.
fn small_table(path: &Path, mut each: impl FnMut(Vec<&[u8]>)) {
    let text = std::fs::read(path).expect("table readable");
    for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        each(fields(line).collect());
    }
}

pub fn q5(dir: &Path) -> Rows {
    let mut asia = None;
    small_table(&dir.join("region.tbl"), |f| {
        if f[1] == b"ASIA" {
            asia = Some(int(f[0]));
        }
    });
    // nationkey -> name, for the region's nations
    let mut nations: HashMap<u64, String> = HashMap::new();
    small_table(&dir.join("nation.tbl"), |f| {
        if Some(int(f[2])) == asia {
            nations.insert(int(f[0]), String::from_utf8_lossy(f[1]).into_owned());
        }
    });
    let keyed_by_nation = |table: &str| -> HashMap<u64, u64> {
        scan(
            &dir.join(table),
            Vec::new,
            |rows, line| {
                let mut f = fields(line);
                let key = int(f.next().unwrap());
                let nation = int(f.nth(2).unwrap());
                if nations.contains_key(&nation) {
                    rows.push((key, nation));
                }
            },
            |mut a, b| {
                a.extend(b);
                a
            },
        )
        .into_iter()
        .collect()
    };
    let customers = keyed_by_nation("customer.tbl");
    let suppliers = keyed_by_nation("supplier.tbl");
    // orderkey -> the customer's nation, for the region's orders of 1994
    let orders: HashMap<u64, u64> = scan(
        &dir.join("orders.tbl"),
        Vec::new,
        |rows, line| {
            let mut f = fields(line);
            let orderkey = int(f.next().unwrap());
            let custkey = int(f.next().unwrap());
            let orderdate = f.nth(2).unwrap();
            if orderdate >= &b"1994-01-01"[..] && orderdate < &b"1995-01-01"[..] {
                if let Some(&nation) = customers.get(&custkey) {
                    rows.push((orderkey, nation));
                }
            }
        },
        |mut a, b| {
            a.extend(b);
            a
        },
    )
    .into_iter()
    .collect();
    let revenue = scan(
        &dir.join("lineitem.tbl"),
        HashMap::<u64, i64>::new,
        |sums, line| {
            let mut f = fields(line);
            let orderkey = int(f.next().unwrap());
            let Some(&nation) = orders.get(&orderkey) else {
                return;
            };
            let suppkey = int(f.nth(1).unwrap());
            if suppliers.get(&suppkey) == Some(&nation) {
                let mut f = f.skip(2);
                let price = hundredths(f.next().unwrap());
                let discount = hundredths(f.next().unwrap());
                *sums.entry(nation).or_default() += price * (100 - discount);
            }
        },
        merge_sums,
    );
    let mut rows: Vec<(String, i64)> = revenue
        .into_iter()
        .map(|(nation, sum)| (nations[&nation].clone(), sum))
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.1));
    rows.into_iter()
        .map(|(name, sum)| vec![name, show_fixed(sum, 4, 4)])
        .collect()
}
