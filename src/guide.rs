//! Runnable examples of every operator family. Each example is a doc test.
//!
//! # Sources
//!
//! ```
//! use dataflow::prelude::*;
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("in.txt");
//! # std::fs::write(&path, "a,1\nb,2\n")?;
//! let path = path.to_str().unwrap();
//! let (a, b, c, d) = pipeline! {
//!     range(1..=3u8) -> map(u32::from) -> collect();
//!     from_collection(vec!["x", "y"]) -> collect();
//!     from_iter("ab".chars()) -> collect();
//!     read_text(path) -> map(|line: &str| line.len()) -> sum();
//! }
//! .run()?;
//! assert_eq!((a, b, c, d), (vec![1, 2, 3], vec!["x", "y"], vec!['a', 'b'], 6));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! CSV records are deserialized with serde:
//!
//! ```
//! use dataflow::prelude::*;
//! #[derive(serde::Deserialize)]
//! struct Row { name: String, score: u32 }
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("in.csv");
//! # std::fs::write(&path, "name;score\nann;7\nbob;oops\ncid;5\n")?;
//! let path = path.to_str().unwrap();
//! let (total, metrics) = pipeline! {
//!     read_csv::<Row>(path, delimiter = b';', bad_records = skip) -> sum(|r: &Row| r.score)
//! }
//! .run_with_metrics()?;
//! assert_eq!(total, 12);
//! assert_eq!(metrics.skipped(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Element-wise operators (fused into one loop)
//!
//! ```
//! use dataflow::prelude::*;
//! let seen = std::sync::atomic::AtomicUsize::new(0);
//! let out = pipeline! {
//!     range(0..10)
//!         -> map(|x: i32| x * 3)
//!         -> filter(|x: &i32| x % 2 == 0)
//!         -> flat_map(|x: i32| [x, -x])
//!         -> filter_map(|x: i32| (x > 0).then_some(x as u32))
//!         -> inspect(|_x: &u32| { seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed); })
//!         -> collect()
//! }
//! .run()?;
//! assert_eq!(out, vec![6, 12, 18, 24]);
//! assert_eq!(seen.into_inner(), 4);
//! # Ok::<(), dataflow::Error>(())
//! ```
//!
//! # Keyed aggregations
//!
//! ```
//! use dataflow::prelude::*;
//! let words = vec!["b", "a", "b", "c", "b", "a"];
//! let (mut counts, mut firsts, mut groups) = pipeline! {
//!     let w = from_collection(words);
//!     w -> key_by(|w: &&str| w.to_string()) -> count() -> collect();
//!     w -> key_by(|w: &&str| w.len()) -> first(2) -> collect();
//!     w -> key_by(|w: &&str| *w) -> reduce_group(|k: &String, vs: Vec<&str>| [format!("{k}{}", vs.len())]) -> collect();
//! }
//! .run()?;
//! counts.sort();
//! groups.sort();
//! assert_eq!(counts, vec![("a".into(), 2), ("b".into(), 3), ("c".into(), 1)]);
//! assert_eq!(firsts, vec!["b", "a"]);
//! assert_eq!(groups, vec!["a2", "b3", "c1"]);
//! # Ok::<(), dataflow::Error>(())
//! ```
//!
//! A key may borrow the record: `key_by(|s: &Sale| s.region.as_str())`, or `&s.region`, is
//! looked up without a copy (a `String` is made only for a key not seen yet) and comes out as a
//! `String`. It works with the aggregations that take the whole record too:
//!
//! ```
//! use dataflow::prelude::*;
//! #[derive(Clone)]
//! struct Sale { region: String, amount: u32 }
//! let sale = |region: &str, amount| Sale { region: region.into(), amount };
//! let sales = vec![sale("north", 3), sale("south", 5), sale("north", 4)];
//! let (mut totals, mut biggest) = pipeline! {
//!     let s = from_collection(sales);
//!     s -> key_by(|s: &Sale| s.region.as_str()) -> sum(|s: &Sale| s.amount) -> collect();
//!     s -> key_by(|s: &Sale| &s.region) -> max_by(|s: &Sale| s.amount) -> map(|s: Sale| (s.region, s.amount)) -> collect();
//! }
//! .run()?;
//! totals.sort();
//! biggest.sort();
//! assert_eq!(totals, vec![("north".to_string(), 7), ("south".to_string(), 5)]);
//! assert_eq!(biggest, vec![("north".to_string(), 4), ("south".to_string(), 5)]);
//! # Ok::<(), dataflow::Error>(())
//! ```
//!
//! `fold` with a merge function is combinable: each task folds its part from the `identity`
//! of `merge`, and `init` is merged once in front of the partial results. So the result is the
//! sequential `fold(init, step)` at every parallelism, as long as
//! `step(a, x) == merge(a, step(identity, x))` (here: counting from 100):
//!
//! ```
//! use dataflow::prelude::*;
//! let (per_parity, total) = pipeline! {
//!     let xs = range(0..1000u32);
//!     xs -> key_by(|x: &u32| x % 2) -> fold(100u64, |n, _| n + 1, |a, b| a + b, identity = 0) -> collect();
//!     xs -> fold(100u64, |n, _| n + 1, |a, b| a + b, identity = 0);
//! }
//! .parallelism(4)
//! .run()?;
//! assert_eq!(total, 1100);
//! assert!(per_parity.iter().all(|&(_, n)| n == 600));
//! # Ok::<(), dataflow::Error>(())
//! ```
//!
//! Several aggregations in one pass:
//!
//! ```
//! use dataflow::prelude::*;
//! let (n, total, hi, mean) = pipeline! {
//!     range(1..=4u64) -> aggregate(count(), sum(), max(), avg())
//! }
//! .run()?;
//! assert_eq!((n, total, hi, mean), (4, 10, Some(4), Some(2.5)));
//! # Ok::<(), dataflow::Error>(())
//! ```
//!
//! Statistics per key: exact `median` and `quantile` (linear interpolation between the two
//! nearest ranks), sample `variance` and `stddev`, Pearson's `corr`, `count_distinct`, and the
//! `n` largest values with `top`. Each works alone, inside `aggregate(...)`, and globally.
//!
//! ```
//! use dataflow::prelude::*;
//! let trips = vec![("bus", 10.0, 2), ("bus", 30.0, 4), ("bus", 20.0, 3), ("car", 5.0, 1)];
//! let (mut per_mode, mut bus_top) = pipeline! {
//!     let xs = from_collection(trips);
//!     xs -> key_by(|t: &(&str, f64, u32)| t.0)
//!        -> aggregate(median(|t: &(&str, f64, u32)| t.1),
//!                     quantile(0.25, |t: &(&str, f64, u32)| t.1),
//!                     stddev(|t: &(&str, f64, u32)| t.1),
//!                     corr(|t: &(&str, f64, u32)| t.1, |t: &(&str, f64, u32)| t.2),
//!                     count_distinct(|t: &(&str, f64, u32)| t.2))
//!        -> collect();
//!     xs -> key_by(|t: &(&str, f64, u32)| t.0) -> top(2, |t: &(&str, f64, u32)| t.1) -> collect();
//! }
//! .run()?;
//! per_mode.sort_by(|a, b| a.0.cmp(&b.0));
//! let (median, q25, sd, r, distinct) = per_mode[0].1;
//! assert_eq!((per_mode[0].0.as_str(), median, q25, sd, r, distinct), ("bus", 20.0, 15.0, 10.0, 1.0, 3));
//! assert!(per_mode[1].1 .2.is_nan()); // one value: no sample deviation
//! bus_top.sort_by(|a, b| a.0.cmp(&b.0));
//! assert_eq!(bus_top[0].1, vec![30.0, 20.0]);
//! # Ok::<(), dataflow::Error>(())
//! ```
//!
//! # Global aggregations
//!
//! At the end of a chain they return their value; in the middle they yield one record.
//!
//! ```
//! use dataflow::prelude::*;
//! let (n, smallest, stats, doubled) = pipeline! {
//!     let xs = from_collection(vec![4.0, 1.0, 3.0]);
//!     xs -> count();
//!     xs -> min_by(|x: &f64| *x);
//!     xs -> statistics();
//!     xs -> count() -> map(|n: u64| n * 2) -> collect();
//! }
//! .run()?;
//! assert_eq!((n, smallest, doubled), (3, Some(1.0), vec![6]));
//! assert_eq!((stats.count, stats.mean, stats.min, stats.max), (3, 8.0 / 3.0, 1.0, 4.0));
//! # Ok::<(), dataflow::Error>(())
//! ```
//!
//! # Exchanges
//!
//! ```
//! use dataflow::prelude::*;
//! let (sizes, keys_per_partition) = pipeline! {
//!     let xs = range(0..100u32);
//!     xs -> rebalance() -> map_partition(|part| [part.count()]) -> collect();
//!     xs -> partition_by_hash(|x: &u32| x % 10) -> map_partition(|part| {
//!         let mut keys: Vec<u32> = part.map(|x| x % 10).collect();
//!         keys.sort();
//!         keys.dedup();
//!         [keys.len()]
//!     }) -> collect();
//! }
//! .parallelism(4)
//! .run()?;
//! assert_eq!(sizes, vec![25, 25, 25, 25]);
//! assert_eq!(keys_per_partition.iter().sum::<usize>(), 10, "each key lands in one partition");
//! # Ok::<(), dataflow::Error>(())
//! ```
//!
//! # Joins, co_group, cross, union and broadcast variables
//!
//! Operators with several inputs name the other data sets by their `let` names:
//!
//! ```
//! use dataflow::prelude::*;
//! let orders = vec![(1u32, "ann", 30u64), (2, "bob", 5), (3, "ann", 12), (4, "eve", 7)];
//! let customers = vec![("ann", "FR"), ("bob", "DE"), ("cid", "FR")];
//! let (by_nation, unmatched, lonely, both) = pipeline! {
//!     let os = from_collection(orders);
//!     let cs = from_collection(customers);
//!     // Inner join with a join function; the key is borrowed, never copied.
//!     os -> join(cs, |o: &(u32, &str, u64)| o.1, |c: &(&str, &str)| c.0,
//!                |o: &(u32, &str, u64), c: &(&str, &str)| (c.1, o.2))
//!        -> key_by(|(nation, _): &(&str, u64)| *nation)
//!        -> sum(|(_, total): &(&str, u64)| *total)
//!        -> collect::<std::collections::BTreeMap<_, _>>();
//!     // Orders whose customer is unknown, and customers without orders.
//!     os -> anti_join(cs, |o: &(u32, &str, u64)| o.1, |c: &(&str, &str)| c.0) -> map(|o: (u32, &str, u64)| o.0) -> collect();
//!     os -> right_outer_join(cs, |o: &(u32, &str, u64)| o.1, |c: &(&str, &str)| c.0)
//!        -> filter_map(|(o, c): (Option<(u32, &str, u64)>, (&str, &str))| o.is_none().then_some(c.0))
//!        -> collect();
//!     // Both groups of every key, one of them possibly empty.
//!     os -> co_group(cs, |o: &(u32, &str, u64)| o.1, |c: &(&str, &str)| c.0,
//!                    |name: &&str, os: &[(u32, &str, u64)], cs: &[(&str, &str)]| Some((*name, os.len(), cs.len())))
//!        -> collect::<std::collections::BTreeSet<_>>();
//! }
//! .run()?;
//! // A borrowed `&str` key comes out owned, as a `String`.
//! assert_eq!(by_nation.into_iter().collect::<Vec<_>>(), vec![("DE".to_string(), 5), ("FR".to_string(), 42)]);
//! assert_eq!(unmatched, vec![4]);
//! assert_eq!(lonely, vec!["cid"]);
//! assert_eq!(both.into_iter().collect::<Vec<_>>(), vec![("ann", 2, 1), ("bob", 1, 1), ("cid", 0, 1), ("eve", 1, 0)]);
//! # Ok::<(), dataflow::Error>(())
//! ```
//!
//! A small side can be broadcast: it is collected whole, and the big side streams past one
//! hash table, unshuffled. `cross` pairs every record with every record of the other side,
//! `union` concatenates, and `broadcast()` hands a data set (or a global aggregation's value)
//! to the closures of later chains:
//!
//! ```
//! use dataflow::prelude::*;
//! let (joined, pairs, all, shares) = pipeline! {
//!     let big = range(0u32..1000);
//!     let small = from_collection(vec![(7u32, 'a'), (700, 'b')]);
//!     let evens = range(0u32..6) -> filter(|x: &u32| x % 2 == 0);
//!     let total = big -> sum(|x: &u32| *x as u64) -> broadcast();
//!     big -> join(small, |x: &u32| *x, |s: &(u32, char)| s.0, strategy = broadcast_right) -> collect();
//!     evens -> cross(small, |x: &u32, s: &(u32, char)| (*x, s.1)) -> count();
//!     evens -> union(evens) -> collect();
//!     small -> map(|s: (u32, char)| s.0 as f64 / *total as f64) -> collect();
//! }
//! .run()?;
//! assert_eq!(joined, vec![(7, (7, 'a')), (700, (700, 'b'))]);
//! assert_eq!(pairs, 6);
//! assert_eq!(all, vec![0, 2, 4, 0, 2, 4]);
//! assert_eq!(shares, vec![7.0 / 499500.0, 700.0 / 499500.0]);
//! # Ok::<(), dataflow::Error>(())
//! ```
//!
//! # Sinks
//!
//! ```
//! use dataflow::prelude::*;
//! use std::collections::HashMap;
//! # let dir = tempfile::tempdir()?;
//! # let out = dir.path().join("out.txt");
//! let out = out.to_str().unwrap();
//! let (map, written) = pipeline! {
//!     let pairs = range(0..3) -> map(|x: i32| (x, x * x));
//!     pairs -> collect::<HashMap<_, _>>();
//!     pairs -> map(|(x, y): (i32, i32)| format!("{x} {y}")) -> write_text(out);
//! }
//! .run()?;
//! assert_eq!(map[&2], 4);
//! assert_eq!(written, 3);
//! assert_eq!(std::fs::read_to_string(out)?, "0 0\n1 1\n2 4\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Errors
//!
//! ```
//! use dataflow::prelude::*;
//! let err = pipeline! {
//!     range(0..10) -> map(|x: u32| 100 / (5 - x)) -> collect()
//! }
//! .run()
//! .unwrap_err();
//! assert!(err.to_string().contains("operator `map`"));
//! assert!(matches!(err, Error::UserPanic { operator: "map", .. }));
//! ```
