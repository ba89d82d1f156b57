//! A new user's jobs, end to end, as the README leads them to write them (issue 8 review):
//! the variations of each issue item that the focused tests do not try.

use dataflow::prelude::*;
use std::fs;
use std::path::Path;

const PARALLELISM: [usize; 3] = [1, 2, 7];
/// For inputs of several morsels, where one task would read them all in order.
const MORSEL_PARALLELISM: [usize; 2] = [2, 7];

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[derive(Clone, Debug, PartialEq)]
struct Sale {
    region: String,
    amount: i64,
}

fn sales(n: usize) -> Vec<Sale> {
    (0..n)
        .map(|i| Sale {
            region: format!("r{}", i % 13),
            amount: (i % 101) as i64 - 50,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// 1. fold with identity over text morsels
// ---------------------------------------------------------------------------------------------

#[test]
fn keyed_fold_over_many_text_morsels_counts_init_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.txt");
    let mut text = String::new();
    let n = 900_000u64; // 9 MB: two morsels
    for i in 0..n {
        text.push_str(&format!("k{} {:06}\n", i % 5, i));
    }
    fs::write(&path, &text).unwrap();
    let p = path.to_str().unwrap();
    for par in MORSEL_PARALLELISM {
        let (keyed, global) = pipeline! {
            let lines = read_text(p);
            lines -> key_by(|l: &&str| l[..2].to_string())
                -> fold(1000u64, |a, _| a + 1, |a, b| a + b, identity = 0)
                -> collect::<std::collections::BTreeMap<_, _>>();
            lines -> fold(7u64, |a, _| a + 1, |a, b| a + b, identity = 0);
        }
        .parallelism(par)
        .run()
        .unwrap();
        assert_eq!(global, 7 + n, "parallelism {par}");
        for (k, v) in keyed {
            assert_eq!(v, 1000 + n / 5, "key {k} at parallelism {par}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 3. sum overflow inside aggregate(..), keyed, parallelism 7 (also run with --release)
// ---------------------------------------------------------------------------------------------

fn assert_sum_overflow<T: std::fmt::Debug>(r: Result<T, Error>, what: &str) {
    let err = r.expect_err(what).to_string();
    assert!(
        err.contains("sum") && err.contains("overflow"),
        "{what}: {err}"
    );
}

#[test]
fn sum_overflow_in_aggregate_keyed_and_global_every_width() {
    for par in PARALLELISM {
        let big = vec![i64::MAX / 2; 5];
        assert_sum_overflow(
            pipeline! { from_collection(big.clone()) -> aggregate(count(), sum(|x: &i64| *x)) }
                .parallelism(par)
                .run(),
            "i64 global aggregate",
        );
        assert_sum_overflow(
            pipeline! { from_collection(big.clone()) -> key_by(|_x: &i64| 1u8) -> aggregate(count(), sum(|x: &i64| *x)) -> collect() }
                .parallelism(par)
                .run(),
            "i64 keyed aggregate",
        );
        let neg = vec![i64::MIN / 2; 5];
        assert_sum_overflow(
            pipeline! { from_collection(neg.clone()) -> key_by(|_x: &i64| 1u8) -> sum() -> collect() }
                .parallelism(par)
                .run(),
            "i64 negative keyed sum",
        );
        // Overflow only across partials: each task's partial fits, the merge overflows.
        let n = 70_000u64;
        assert_sum_overflow(
            pipeline! { range(0..n) -> key_by(|x: &u64| x % 2) -> aggregate(max(|x: &u64| *x), sum(|_x: &u64| u64::MAX / 20_000)) -> collect() }
                .parallelism(par)
                .run(),
            "u64 keyed aggregate merge",
        );
        assert_sum_overflow(
            pipeline! { range(0..n) -> aggregate(sum(|_x: &u64| i128::MAX / 60_000), count()) }
                .parallelism(par)
                .run(),
            "i128 global aggregate",
        );
        assert_sum_overflow(
            pipeline! { range(0..n) -> map(|_x: u64| u128::MAX / 60_000) -> sum() }
                .parallelism(par)
                .run(),
            "u128 global sum",
        );
        // Near the edge but fitting: no error, exact.
        let fits = vec![i64::MAX / 4; 3];
        let s = pipeline! { from_collection(fits) -> aggregate(sum(|x: &i64| *x)) }
            .parallelism(par)
            .run()
            .unwrap();
        assert_eq!(s, (i64::MAX / 4 * 3,));
    }
}

// ---------------------------------------------------------------------------------------------
// 2, 9. several file sinks, a later stage panics: old outputs intact, no temporaries
// ---------------------------------------------------------------------------------------------

#[derive(serde::Serialize, Clone, Debug)]
struct Row {
    id: u64,
    name: String,
}

#[test]
fn a_job_with_text_csv_and_collect_whose_last_stage_panics_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let txt = dir.path().join("out.txt");
    let gz = dir.path().join("out.txt.gz");
    let csv = dir.path().join("out.csv");
    fs::write(&txt, "old text\n").unwrap();
    fs::write(&gz, "old gz\n").unwrap();
    fs::write(&csv, "old csv\n").unwrap();
    let before = listing(dir.path());
    for par in PARALLELISM {
        let r = pipeline! {
            let rows = range(0..50_000u64) -> map(|id: u64| Row { id, name: format!("n{id}") });
            rows -> map(|r: Row| r.id) -> write_text(&txt);
            rows -> write_csv(&csv);
            rows -> map(|r: Row| r.name) -> write_text(&gz);
            rows -> key_by(|r: &Row| r.id % 10)
                -> count()
                -> map(|(k, n): (u64, u64)| if k == 3 { panic!("boom in the last stage") } else { n })
                -> collect();
        }
        .parallelism(par)
        .run();
        let err = r.expect_err("the last stage panics").to_string();
        assert!(err.contains("boom in the last stage"), "{err}");
        assert_eq!(fs::read_to_string(&txt).unwrap(), "old text\n");
        assert_eq!(fs::read_to_string(&gz).unwrap(), "old gz\n");
        assert_eq!(fs::read_to_string(&csv).unwrap(), "old csv\n");
        assert_eq!(listing(dir.path()), before, "parallelism {par}");
    }
    // And the same job without the panic commits all three.
    let (a, b, c, d) = pipeline! {
        let rows = range(0..50_000u64) -> map(|id: u64| Row { id, name: format!("n{id}") });
        rows -> map(|r: Row| r.id) -> write_text(&txt);
        rows -> write_csv(&csv);
        rows -> map(|r: Row| r.name) -> write_text(&gz);
        rows -> key_by(|r: &Row| r.id % 10) -> count() -> collect();
    }
    .parallelism(7)
    .run()
    .unwrap();
    assert_eq!((a, b, c, d.len()), (50_000, 50_000, 50_000, 10));
    assert_eq!(listing(dir.path()), before);
    let back: Vec<String> = pipeline! { read_text(gz.to_str().unwrap()) -> collect() }
        .parallelism(3)
        .run()
        .unwrap();
    assert_eq!(back.len(), 50_000);
    assert_eq!(back[0], "n0");
    assert_eq!(back[49_999], "n49999");
    let csv_text = fs::read_to_string(&csv).unwrap();
    assert!(
        csv_text.starts_with("id,name\n0,n0\n1,n1\n"),
        "{}",
        &csv_text[..40]
    );
    assert_eq!(csv_text.lines().count(), 50_001);
}

// ---------------------------------------------------------------------------------------------
// 7. gzip outputs read back; empty outputs
// ---------------------------------------------------------------------------------------------

#[test]
fn gz_outputs_of_every_size_read_back() {
    let dir = tempfile::tempdir().unwrap();
    for (n, par) in [(0u64, 1), (1, 7), (3, 2), (300_000, 7)] {
        let path = dir.path().join(format!("o{n}.txt.gz"));
        let written = pipeline! { range(0..n) -> write_text(&path) }
            .parallelism(par)
            .run()
            .unwrap();
        assert_eq!(written, n);
        let p = path.to_str().unwrap();
        let back: Vec<u64> =
            pipeline! { read_text(p) -> map(|l: &str| l.parse::<u64>().unwrap()) -> collect() }
                .run()
                .unwrap();
        assert_eq!(back, (0..n).collect::<Vec<_>>(), "n = {n}");
    }
}

// ---------------------------------------------------------------------------------------------
// 10. special files
// ---------------------------------------------------------------------------------------------

#[test]
fn dev_null_with_gz_csv_and_several_parts() {
    for par in PARALLELISM {
        let (a, b) = pipeline! {
            let xs = range(0..100_000u64);
            xs -> write_text("/dev/null");
            xs -> map(|id: u64| Row { id, name: String::new() }) -> write_csv("/dev/null");
        }
        .parallelism(par)
        .run()
        .unwrap();
        assert_eq!((a, b), (100_000, 100_000));
    }
    let meta = fs::metadata("/dev/null").unwrap();
    use std::os::unix::fs::FileTypeExt;
    assert!(meta.file_type().is_char_device());
}

// ---------------------------------------------------------------------------------------------
// 4, 5. paths: brackets, glob over a directory tree
// ---------------------------------------------------------------------------------------------

#[test]
fn paths_with_brackets_and_globs_over_trees() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("report[2024].txt"), "a\nb\n").unwrap();
    fs::write(d.join("report2.txt"), "x\n").unwrap();
    let lit = d.join("report[2024].txt");
    let got: Vec<String> = pipeline! { read_text(lit.to_str().unwrap()) -> collect() }
        .run()
        .unwrap();
    assert_eq!(got, ["a", "b"]);
    // Directory with brackets in its name.
    let sub = d.join("data[1]");
    fs::create_dir(&sub).unwrap();
    fs::write(sub.join("p1.txt"), "1\n2\n").unwrap();
    fs::write(sub.join("p2.txt"), "3\n").unwrap();
    let got: Vec<String> = pipeline! { read_text(sub.to_str().unwrap()) -> collect() }
        .run()
        .unwrap();
    assert_eq!(got, ["1", "2", "3"]);
    // A tree: y/m/part.txt
    let tree = d.join("tree");
    for y in ["2023", "2024"] {
        for m in ["01", "02"] {
            let dm = tree.join(y).join(m);
            fs::create_dir_all(&dm).unwrap();
            fs::write(dm.join("part.txt"), format!("{y}-{m}\n")).unwrap();
            fs::write(dm.join("other.log"), "no\n").unwrap();
        }
    }
    let pat = format!("{}/*/*/part.txt", tree.to_str().unwrap());
    let got: Vec<String> = pipeline! { read_text(&pat) -> collect() }.run().unwrap();
    assert_eq!(got, ["2023-01", "2023-02", "2024-01", "2024-02"]);
    let pat = format!("{}/2024/*/*.txt", tree.to_str().unwrap());
    let got: Vec<String> = pipeline! { read_text(&pat) -> collect() }.run().unwrap();
    assert_eq!(got, ["2024-01", "2024-02"]);
    // A glob matching nothing is an error, not an empty result.
    let pat = format!("{}/*/*/nothing.txt", tree.to_str().unwrap());
    let r = pipeline! { read_text(&pat) -> collect::<Vec<String>>() }.run();
    assert!(r.is_err(), "{r:?}");
}

// ---------------------------------------------------------------------------------------------
// 6. bad UTF-8 past 8 MiB, skipped, keep path:line:column
// ---------------------------------------------------------------------------------------------

#[test]
fn skipped_bad_lines_past_the_first_morsels_name_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.txt");
    let mut data = Vec::new();
    let n = 1_000_000usize; // 13 MB: two morsels
    let bad = [5usize, 700_000, 999_999];
    for i in 0..n {
        if bad.contains(&i) {
            data.extend_from_slice(b"ab\xffcd\n");
        } else {
            data.extend_from_slice(format!("line {i:07}\n").as_bytes());
        }
    }
    fs::write(&path, &data).unwrap();
    let p = path.to_str().unwrap();
    for par in PARALLELISM {
        let (count, metrics) = pipeline! { read_text(p, bad_records = skip) -> count() }
            .parallelism(par)
            .run_with_metrics()
            .unwrap();
        assert_eq!(count, (n - bad.len()) as u64);
        let text = format!("{metrics:?}");
        for b in bad {
            let want = format!("bad.txt:{}:3", b + 1);
            assert!(
                text.contains(&want),
                "parallelism {par}: {want} not in {text}"
            );
        }
        assert!(!text.contains("byte "), "{text}");
    }
    // Fail mode names the line too, whichever morsel fails first.
    let r = pipeline! { read_text(p) -> filter(|l: &&str| l.len() > 100) -> count() }
        .parallelism(2)
        .run();
    let err = r.unwrap_err().to_string();
    assert!(
        bad.iter()
            .any(|b| err.contains(&format!("bad.txt:{}:3", b + 1))),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// 8. cancellation of read_text on a big file
// ---------------------------------------------------------------------------------------------

#[test]
fn a_panic_on_line_10_of_a_big_file_returns_fast() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.txt");
    let line = "x".repeat(99) + "\n";
    fs::write(&path, line.repeat(300_000)).unwrap(); // 30 MB: four morsels
    let p = path.to_str().unwrap();
    for par in [1, 2, 7] {
        let seen = std::sync::atomic::AtomicU64::new(0);
        let r = pipeline! {
            read_text(p)
                -> map(|l: &str| {
                    let i = seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i == 10 { panic!("line ten") }
                    l.len() as u64
                })
                -> key_by(|x: &u64| *x) -> count() -> collect()
        }
        .parallelism(par)
        .run();
        assert!(r.unwrap_err().to_string().contains("line ten"));
        // Each task stops at its next 128 KiB block: a few thousand lines, not 300,000.
        let seen = seen.load(std::sync::atomic::Ordering::Relaxed);
        assert!(
            seen < 30_000,
            "parallelism {par}: {seen} lines seen after the panic"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 15. read_text -> operators that keep lines
// ---------------------------------------------------------------------------------------------

#[test]
fn read_text_lines_kept_by_every_operator() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l.txt");
    let lines: Vec<String> = (0..20_000).map(|i| format!("w{} {}", i % 17, i)).collect();
    fs::write(&path, lines.join("\n")).unwrap(); // no final newline
    let p = path.to_str().unwrap();
    for par in PARALLELISM {
        let (all, first3, shortest, longest, uniq, reb) = pipeline! {
            let ls = read_text(p);
            ls -> collect();
            ls -> first(3);
            ls -> min_by(|l| l.len());
            ls -> max_by(|l: &String| l.len());
            ls -> map(|l: &str| l.split(' ').next().unwrap()) -> distinct() -> collect();
            ls -> rebalance() -> count();
        }
        .parallelism(par)
        .run()
        .unwrap();
        let all: Vec<String> = all;
        assert_eq!(all, lines, "parallelism {par}");
        assert_eq!(first3, lines[..3].to_vec());
        assert_eq!(shortest.as_deref(), Some("w0 0"));
        let max_len = lines.iter().map(|l| l.len()).max().unwrap();
        assert_eq!(longest.as_ref(), lines.iter().find(|l| l.len() == max_len));
        let mut uniq: Vec<String> = uniq;
        uniq.sort();
        assert_eq!(uniq.len(), 17);
        assert_eq!(reb, 20_000);
    }
}

// ---------------------------------------------------------------------------------------------
// borrowed keys
// ---------------------------------------------------------------------------------------------

#[test]
fn borrowed_region_keys_with_every_aggregation() {
    let data = sales(30_000);
    let mut expect_count = std::collections::BTreeMap::new();
    let mut expect_sum = std::collections::BTreeMap::new();
    for s in &data {
        *expect_count.entry(s.region.clone()).or_insert(0u64) += 1;
        *expect_sum.entry(s.region.clone()).or_insert(0i64) += s.amount;
    }
    for par in PARALLELISM {
        let (counts, sums, mins, reduced, groups, both) = pipeline! {
            let s = from_collection(data.clone());
            s -> key_by(|s: &Sale| s.region.as_str()) -> count() -> collect::<std::collections::BTreeMap<_, _>>();
            s -> key_by(|s: &Sale| s.region.as_str()) -> sum(|s: &Sale| s.amount) -> collect::<std::collections::BTreeMap<_, _>>();
            s -> key_by(|s: &Sale| &s.region) -> min_by(|s: &Sale| s.amount) -> collect::<Vec<_>>();
            s -> key_by(|s: &Sale| s.region.as_str()) -> reduce(|a: Sale, b: Sale| Sale { region: a.region, amount: a.amount + b.amount }) -> collect();
            s -> key_by(|s: &Sale| s.region.as_str()) -> reduce_group(|k: &String, v: Vec<Sale>| vec![(k.clone(), v.len())]) -> collect::<std::collections::BTreeMap<_, _>>();
            s -> key_by(|s: &Sale| s.region.as_str()) -> aggregate(count(), sum(|s: &Sale| s.amount)) -> collect::<std::collections::BTreeMap<_, _>>();
        }
        .parallelism(par)
        .run()
        .unwrap();
        assert_eq!(counts, expect_count, "parallelism {par}");
        assert_eq!(sums, expect_sum);
        assert_eq!(mins.len(), 13);
        for m in &mins {
            assert_eq!(m.amount, -50);
        }
        let reduced: Vec<(String, Sale)> = reduced;
        assert_eq!(reduced.len(), 13);
        for (k, r) in &reduced {
            assert_eq!(k, &r.region);
            assert_eq!(r.amount, expect_sum[&r.region]);
        }
        for (k, n) in &groups {
            assert_eq!(*n as u64, expect_count[k]);
        }
        for (k, (n, s)) in &both {
            assert_eq!((*n, *s), (expect_count[k], expect_sum[k]));
        }
    }
}

#[test]
fn read_text_lines_in_the_shapes_a_user_writes() {
    use std::collections::{BTreeMap, HashMap, HashSet};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l.csv");
    let lines: Vec<String> = (0..10_000)
        .map(|i| format!(" {},{} ", ["ab", "cd", "efg"][i % 3], i))
        .collect();
    fs::write(&path, lines.join("\n") + "\n").unwrap();
    let p = path.to_str().unwrap();
    for par in PARALLELISM {
        let (longest, groups, split, firsts, opts, trimmed, halves, min_per_len, set, heads, pairs) = pipeline! {
            let ls = read_text(p);
            ls -> reduce(|a, b| if b.len() > a.len() { b } else { a });
            ls -> key_by(|l: &&str| l.len()) -> reduce_group(|k: &usize, v: Vec<String>| vec![(*k, v.len(), v[0].clone())]) -> collect::<Vec<_>>();
            ls -> map(|l: &str| l.split(',').collect::<Vec<_>>()) -> collect();
            ls -> map(|l: &str| (l, l.len())) -> first(3);
            ls -> map(|l: &str| if l.len() > 9 { Some(l) } else { None }) -> collect();
            ls -> map(|l: &str| l.trim()) -> collect();
            ls -> map(|l: &str| l.trim().split_once(',').unwrap()) -> collect();
            ls -> key_by(|l: &&str| l.len()) -> min_by(|l| l.len()) -> collect();
            ls -> map(|l: &str| l.trim()) -> collect::<HashSet<_>>();
            ls -> key_by(|l: &&str| &l[..2]) -> count() -> collect::<BTreeMap<_, _>>();
            ls -> map(|l: &str| (l, 1u64)) -> collect::<HashMap<_, _>>();
        }
        .parallelism(par)
        .run()
        .unwrap();
        let max_len = lines.iter().map(|l| l.len()).max().unwrap();
        assert_eq!(
            longest.as_ref(),
            lines.iter().find(|l| l.len() == max_len),
            "par {par}"
        );
        assert_eq!(groups.iter().map(|g| g.1).sum::<usize>(), 10_000);
        for (len, _, first) in &groups {
            assert_eq!(Some(first), lines.iter().find(|l| l.len() == *len));
        }
        let split: Vec<Vec<String>> = split;
        assert_eq!(split[7], vec![" cd".to_string(), "7 ".to_string()]);
        assert_eq!(
            firsts,
            lines[..3]
                .iter()
                .map(|l| (l.clone(), l.len()))
                .collect::<Vec<_>>()
        );
        let opts: Vec<Option<String>> = opts;
        assert_eq!(
            opts.iter().flatten().count(),
            lines.iter().filter(|l| l.len() > 9).count()
        );
        assert_eq!(opts[9998].as_deref(), Some(" efg,9998 "));
        assert_eq!(opts[9999], None);
        let trimmed: Vec<String> = trimmed;
        assert_eq!(trimmed[5], "efg,5");
        let halves: Vec<(String, String)> = halves;
        assert_eq!(halves[4], ("cd".to_string(), "4".to_string()));
        assert_eq!(min_per_len.len(), groups.len());
        assert_eq!(set.len(), 10_000);
        let heads: BTreeMap<String, u64> = heads;
        assert_eq!(
            heads.into_iter().collect::<Vec<_>>(),
            vec![
                (" a".to_string(), 3334),
                (" c".to_string(), 3333),
                (" e".to_string(), 3333)
            ]
        );
        assert_eq!(pairs.len(), 10_000);
    }
}

// ---------------------------------------------------------------------------------------------
// 11, 12. inputs that change or stream; outputs onto links and inputs
// ---------------------------------------------------------------------------------------------

#[test]
fn a_job_may_rewrite_its_own_input() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.txt");
    let text: String = (0..100_000).map(|i| format!("{i}\n")).collect();
    fs::write(&path, &text).unwrap();
    let p = path.to_str().unwrap();
    for par in PARALLELISM {
        let n =
            pipeline! { read_text(p) -> map(|l: &str| l.parse::<u64>().unwrap()) -> write_text(p) }
                .parallelism(par)
                .run()
                .unwrap();
        assert_eq!(n, 100_000);
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            text,
            "parallelism {par}"
        );
    }
    assert_eq!(listing(dir.path()), ["data.txt"]);
}

#[test]
fn a_file_truncated_or_grown_while_read_fails_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shrinks.txt");
    let line = "y".repeat(63) + "\n";
    for (par, shrink) in [(1, true), (2, true), (7, true), (1, false), (2, false)] {
        fs::write(&path, line.repeat(150_000)).unwrap(); // 9.6 MB, 2 morsels
        let p = path.to_str().unwrap();
        let done = std::sync::atomic::AtomicBool::new(false);
        let r = pipeline! {
            read_text(p) -> inspect(|_l: &&str| {
                if !done.swap(true, std::sync::atomic::Ordering::SeqCst) {
                    if shrink {
                        fs::OpenOptions::new().write(true).open(p).unwrap().set_len(1000).unwrap();
                    } else {
                        use std::io::Write;
                        fs::OpenOptions::new().append(true).open(p).unwrap().write_all(b"more\n").unwrap();
                    }
                }
            }) -> count()
        }
        .parallelism(par)
        .run();
        let err = r
            .expect_err(&format!("parallelism {par}, shrink {shrink}"))
            .to_string();
        assert!(
            err.contains("shrinks.txt") && err.contains("changed"),
            "{err}"
        );
    }
}

#[test]
fn a_fifo_is_read_to_its_end_at_any_parallelism() {
    let dir = tempfile::tempdir().unwrap();
    for par in PARALLELISM {
        let fifo = dir.path().join(format!("in{par}.fifo"));
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                use std::io::Write;
                let mut f = fs::OpenOptions::new().write(true).open(&fifo).unwrap();
                for i in 0..200_000u64 {
                    writeln!(f, "{i}").unwrap();
                }
            })
        };
        let p = fifo.to_str().unwrap();
        let (n, sum) = pipeline! {
            let xs = read_text(p) -> map(|l: &str| l.parse::<u64>().unwrap());
            xs -> count();
            xs -> sum();
        }
        .parallelism(par)
        .run()
        .unwrap();
        writer.join().unwrap();
        assert_eq!(
            (n, sum),
            (200_000, 199_999 * 200_000 / 2),
            "parallelism {par}"
        );
    }
}

#[test]
fn a_symlinked_output_replaces_its_target_and_stays_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("real.txt");
    let link = dir.path().join("link.txt");
    fs::write(&target, "old\n").unwrap();
    std::os::unix::fs::symlink(&target, &link).unwrap();
    pipeline! { range(0..3u8) -> write_text(&link) }
        .run()
        .unwrap();
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(fs::read_to_string(&target).unwrap(), "0\n1\n2\n");
    assert_eq!(listing(dir.path()), ["link.txt", "real.txt"]);
    // A relative link.
    let link2 = dir.path().join("rel.txt");
    std::os::unix::fs::symlink("real.txt", &link2).unwrap();
    pipeline! { range(5..6u8) -> write_text(&link2) }
        .run()
        .unwrap();
    assert_eq!(fs::read_to_string(&target).unwrap(), "5\n");
    assert_eq!(listing(dir.path()), ["link.txt", "real.txt", "rel.txt"]);
}

#[test]
fn an_output_in_a_missing_directory_names_the_sink_and_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no/such/dir/out.txt");
    let r = pipeline! { range(0..3u8) -> write_text(&path) }.run();
    let err = r.unwrap_err().to_string();
    assert!(
        err.contains("write_text") && err.contains("no/such/dir"),
        "{err}"
    );
}

#[test]
fn a_glob_of_gz_outputs_reads_back_in_name_order() {
    let dir = tempfile::tempdir().unwrap();
    for part in 0..3u64 {
        let path = dir.path().join(format!("part-{part}.txt.gz"));
        pipeline! { range(part * 1000..(part + 1) * 1000) -> write_text(&path) }
            .parallelism(3)
            .run()
            .unwrap();
    }
    let pat = format!("{}/part-*.txt.gz", dir.path().to_str().unwrap());
    let back: Vec<u64> =
        pipeline! { read_text(&pat) -> map(|l: &str| l.parse::<u64>().unwrap()) -> collect() }
            .parallelism(7)
            .run()
            .unwrap();
    assert_eq!(back, (0..3000).collect::<Vec<_>>());
}

// ---------------------------------------------------------------------------------------------
// 3. a user's own number type can be summed: `Summable` is reachable from `dataflow`
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Cents(u64);

impl dataflow::Summable for Cents {
    fn add(&mut self, later: Self) {
        self.0 = self
            .0
            .checked_add(later.0)
            .expect("sum of cents overflowed u64");
    }
}

#[test]
fn a_users_own_type_is_summed_through_dataflow_summable() {
    for par in PARALLELISM {
        let (keyed, global) = pipeline! {
            let xs = range(0..10_000u64) -> map(|x: u64| (x % 2, Cents(x)));
            xs -> key_by(|p: &(u64, Cents)| p.0) -> sum(|p: &(u64, Cents)| p.1) -> collect::<std::collections::BTreeMap<_, _>>();
            xs -> sum(|p: &(u64, Cents)| p.1);
        }
        .parallelism(par)
        .run()
        .unwrap();
        assert_eq!(global, Cents(9_999 * 10_000 / 2), "parallelism {par}");
        assert_eq!(keyed[&0].0 + keyed[&1].0, global.0);
        assert_eq!(keyed[&1].0 - keyed[&0].0, 5_000);
    }
}

/// `/proc` files are regular files of length 0 whose content is made when read: they used to
/// give no lines at all.
#[cfg(target_os = "linux")]
#[test]
fn a_proc_file_is_read_as_a_stream() {
    for par in PARALLELISM {
        let (names, n) = pipeline! {
            let ls = read_text("/proc/self/status");
            ls -> filter(|l: &&str| l.starts_with("Name:")) -> collect();
            ls -> count();
        }
        .parallelism(par)
        .run()
        .unwrap();
        let names: Vec<String> = names;
        assert_eq!(names.len(), 1, "parallelism {par}");
        assert!(n > 5, "parallelism {par}: {n} lines");
    }
    // An empty regular file still has no lines, alone or among others.
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), "").unwrap();
    fs::write(dir.path().join("b.txt"), "x\ny\n").unwrap();
    fs::write(dir.path().join("c.txt"), "").unwrap();
    let d = dir.path().to_str().unwrap();
    let got: Vec<String> = pipeline! { read_text(d) -> collect() }
        .parallelism(2)
        .run()
        .unwrap();
    assert_eq!(got, ["x", "y"]);
}

#[test]
fn a_panic_early_in_a_gz_input_stops_its_stream() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("big.txt.gz");
    pipeline! { range(0..200_000u64) -> write_text(&gz) }
        .parallelism(2)
        .run()
        .unwrap();
    let p = gz.to_str().unwrap();
    let seen = std::sync::atomic::AtomicU64::new(0);
    let r = pipeline! {
        read_text(p) -> inspect(|_l: &&str| {
            if seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed) == 10 { panic!("line ten") }
        }) -> count()
    }
    .run();
    assert!(r.unwrap_err().to_string().contains("line ten"));
    assert_eq!(seen.load(std::sync::atomic::Ordering::Relaxed), 11);
}

// ---------------------------------------------------------------------------------------------
// 14. leftovers; records whose Display fails
// ---------------------------------------------------------------------------------------------

#[test]
fn leftovers_of_dead_processes_go_those_of_live_ones_stay() {
    let dir = tempfile::tempdir().unwrap();
    let dead = format!(".out.txt.dataflow-tmp-{}-0", 4_194_000);
    let live = format!(".out.txt.dataflow-tmp-{}-12345", std::process::id());
    let other = format!(".out.txt.gz.dataflow-tmp-{}-0", 4_194_000);
    for name in [&dead, &live, &other] {
        fs::write(dir.path().join(name), "stale").unwrap();
    }
    let path = dir.path().join("out.txt");
    pipeline! { range(0..3u8) -> write_text(&path) }
        .run()
        .unwrap();
    let mut want = vec![live.clone(), other.clone(), "out.txt".to_string()];
    want.sort();
    assert_eq!(listing(dir.path()), want);
}

struct Shaky(u64);

impl std::fmt::Display for Shaky {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            10 => panic!("cannot show 10"),
            20 => Err(std::fmt::Error),
            n => write!(f, "{n}"),
        }
    }
}

#[test]
fn a_record_that_cannot_be_displayed_fails_the_job_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.txt");
    fs::write(&path, "old\n").unwrap();
    for (from, what) in [(0u64, "cannot show 10"), (11, "")] {
        for par in PARALLELISM {
            let r = pipeline! { range(from..100_000u64) -> map(Shaky) -> write_text(&path) }
                .parallelism(par)
                .run();
            let err = r.expect_err("a record fails to display").to_string();
            assert!(err.contains(what) && err.contains("write_text"), "{err}");
            assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");
            assert_eq!(listing(dir.path()), ["out.txt"], "parallelism {par}: {err}");
        }
    }
}

#[test]
fn a_keyed_fold_of_strings_is_the_sequential_fold_over_text_morsels() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.txt");
    let lines: Vec<String> = (0..1_300_000)
        .map(|i| format!("{}{:05}", (b'a' + (i % 4) as u8) as char, i % 99_991))
        .collect();
    fs::write(&path, lines.join("\n") + "\n").unwrap();
    let p = path.to_str().unwrap();
    let mut want = std::collections::BTreeMap::new();
    for l in &lines {
        let acc: &mut String = want
            .entry(l[..1].to_string())
            .or_insert_with(|| ">".to_string());
        acc.push_str(&l[5..6]);
    }
    for par in MORSEL_PARALLELISM {
        let got = pipeline! {
            read_text(p)
                -> key_by(|l: &&str| &l[..1])
                -> fold(">".to_string(), |a: String, l| a + &l[5..6], |a: String, b: String| a + &b, identity = String::new())
                -> collect::<std::collections::BTreeMap<_, _>>()
        }
        .parallelism(par)
        .run()
        .unwrap();
        assert_eq!(got, want, "parallelism {par}");
    }
}

#[test]
fn read_text_lines_through_distinct_extremes_and_partitions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l.txt");
    let lines: Vec<String> = (0..20_000).map(|i| format!("v{}", i % 1000)).collect();
    fs::write(&path, lines.join("\r\n") + "\r\n").unwrap();
    let p = path.to_str().unwrap();
    for par in PARALLELISM {
        let (uniq, hi, lo, firsts, parts) = pipeline! {
            let ls = read_text(p);
            ls -> distinct() -> collect();
            ls -> max();
            ls -> min();
            ls -> key_by(|l: &&str| l.len()) -> first(2) -> collect();
            ls -> partition_by_hash(|l| l.len()) -> map_partition(|part| vec![part.count()]) -> collect();
        }
        .parallelism(par)
        .run()
        .unwrap();
        // A set, in unspecified order (README, Determinism).
        let mut uniq: Vec<String> = uniq;
        uniq.sort();
        let mut want = lines[..1000].to_vec();
        want.sort();
        assert_eq!(uniq, want, "parallelism {par}");
        assert_eq!(hi.as_deref(), Some("v999"));
        assert_eq!(lo.as_deref(), Some("v0"));
        let mut firsts: Vec<String> = firsts;
        firsts.sort();
        assert_eq!(firsts, ["v0", "v1", "v10", "v100", "v101", "v11"]);
        let parts: Vec<usize> = parts;
        assert_eq!(parts.iter().sum::<usize>(), 20_000);
    }
}

#[test]
fn a_job_whose_other_chain_fails_to_read_or_panics_in_for_each_commits_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.txt");
    let gz = dir.path().join("out.csv.gz");
    fs::write(&out, "old\n").unwrap();
    let missing = dir.path().join("missing.txt");
    let missing = missing.to_str().unwrap();
    for par in PARALLELISM {
        let r = pipeline! {
            range(0..100_000u64) -> write_text(&out);
            range(0..10u64) -> map(|id: u64| Row { id, name: String::new() }) -> write_csv(&gz);
            read_text(missing) -> count();
        }
        .parallelism(par)
        .run();
        let err = r.expect_err("the input is missing").to_string();
        assert!(err.contains("missing.txt"), "{err}");
        assert_eq!(fs::read_to_string(&out).unwrap(), "old\n");
        assert_eq!(listing(dir.path()), ["out.txt"], "parallelism {par}");

        let r = pipeline! {
            let xs = range(0..100_000u64);
            xs -> write_text(&out);
            xs -> key_by(|x: &u64| x % 7) -> count() -> for_each(|(k, _n): (u64, u64)| if k == 6 { panic!("sink six") });
        }
        .parallelism(par)
        .run();
        assert!(r.unwrap_err().to_string().contains("sink six"));
        assert_eq!(fs::read_to_string(&out).unwrap(), "old\n");
        assert_eq!(listing(dir.path()), ["out.txt"], "parallelism {par}");
    }
}

/// Ties in `min_by`/`max_by` go to the first record in input order, also when a key's records
/// lie in several morsels of a file.
#[test]
fn ties_go_to_the_first_line_across_text_morsels() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ties.txt");
    let n = 800_000usize; // 8.8 MB: two morsels
    let text: String = (0..n).map(|i| format!("k{} {:07}\n", i % 3, i)).collect();
    fs::write(&path, text).unwrap();
    let p = path.to_str().unwrap();
    for par in MORSEL_PARALLELISM {
        let (mins, maxs, tail) = pipeline! {
            let ls = read_text(p);
            ls -> key_by(|l: &&str| &l[..2]) -> min_by(|l| l.len()) -> collect();
            ls -> key_by(|l: &&str| &l[..2]) -> max_by(|l: &String| l.len()) -> collect();
            ls -> filter(|l: &&str| l.ends_with("999")) -> max_by(|l: &String| l.len());
        }
        .parallelism(par)
        .run()
        .unwrap();
        let mut mins: Vec<String> = mins;
        mins.sort();
        assert_eq!(
            mins,
            ["k0 0000000", "k1 0000001", "k2 0000002"],
            "parallelism {par}"
        );
        let mut maxs: Vec<String> = maxs;
        maxs.sort();
        assert_eq!(maxs, mins, "parallelism {par}");
        assert_eq!(tail.as_deref(), Some("k0 0000999"));
    }
}

/// A regular file under `/dev` (a tmpfs at `/dev/shm`) is replaced like any other: it used to be
/// written through, so that every run appended its output to the last one's.
#[cfg(target_os = "linux")]
#[test]
fn a_regular_file_in_dev_shm_is_replaced_not_appended_to() {
    if !Path::new("/dev/shm").is_dir() {
        return;
    }
    let path = format!(
        "/dev/shm/dataflow-user-scenarios-{}.txt",
        std::process::id()
    );
    for run in 0..3u64 {
        let n = pipeline! { range(run..run + 3) -> write_text(&path) }
            .parallelism(2)
            .run()
            .unwrap();
        assert_eq!(n, 3);
        let want: String = (run..run + 3).map(|i| format!("{i}\n")).collect();
        assert_eq!(fs::read_to_string(&path).unwrap(), want, "run {run}");
    }
    fs::remove_file(&path).unwrap();
}

/// `/dev/fd/N` (like `/dev/stdout` redirected by a shell) is written through: the open file
/// gets the output after what it had, and is not replaced.
#[cfg(target_os = "linux")]
#[test]
fn dev_fd_of_an_open_file_is_written_through() {
    use std::io::Write;
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("redirected.txt");
    let mut file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .unwrap();
    file.write_all(b"before\n").unwrap();
    let inode = fs::metadata(&path).unwrap().ino();
    let fd_path = format!("/dev/fd/{}", file.as_raw_fd());
    pipeline! { range(0..3u8) -> write_text(&fd_path) }
        .parallelism(2)
        .run()
        .unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), "before\n0\n1\n2\n");
    assert_eq!(fs::metadata(&path).unwrap().ino(), inode);
    assert_eq!(listing(dir.path()), ["redirected.txt"]);
}
