//! A failed job stops: once one task fails, the others stop taking input, so a failure early in
//! a large input returns at once instead of after scanning all of it.
//!
//! Most tests count the records the job still handed to the pipeline after the failure, which
//! does not depend on the machine's speed. One test times a range too large to scan in any
//! reasonable time, against a bound far above what stopping takes and far below the scan.

use dataflow::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Asserts that `result` is the panic of the `map` at record 10.
fn assert_panicked_at_record_10<T: std::fmt::Debug>(result: Result<T, Error>) {
    match result {
        Err(Error::UserPanic {
            operator, message, ..
        }) => {
            assert_eq!(operator, "map");
            assert_eq!(message, "bad record 10");
        }
        other => panic!("expected the map's panic, got {other:?}"),
    }
}

#[test]
fn a_panic_early_in_a_huge_range_returns_promptly() {
    // 1e11 records: even vectorized, two threads need tens of seconds to scan them all.
    let records = 100_000_000_000u64;
    let started = Instant::now();
    let result = pipeline! {
        range(0..records)
            -> map(|x: u64| {
                if x == 10 {
                    panic!("bad record {x}")
                }
                std::hint::black_box(x)
            })
            -> sum()
    }
    .parallelism(2)
    .run();
    let elapsed = started.elapsed();
    assert_panicked_at_record_10(result);
    // Stopping takes milliseconds; the bound leaves room for a loaded shared machine.
    assert!(
        elapsed < Duration::from_secs(5),
        "the failed job ran {elapsed:?}"
    );
}

#[test]
fn a_panic_early_in_a_collection_stops_the_other_tasks() {
    let input: Vec<u64> = (0..1_000_000).collect();
    let handed = AtomicU64::new(0);
    let result = pipeline! {
        from_collection(&input)
            -> map(|x: &u64| {
                handed.fetch_add(1, Ordering::Relaxed);
                if *x == 10 {
                    panic!("bad record {x}")
                }
                *x
            })
            -> sum()
    }
    .parallelism(2)
    .run();
    assert_panicked_at_record_10(result);
    // Each of the two tasks may finish its current block of a few thousand records.
    let handed = handed.load(Ordering::Relaxed);
    assert!(
        handed < input.len() as u64 / 10,
        "{handed} of {} records were still read",
        input.len()
    );
}

#[test]
fn a_panic_early_in_a_later_stage_stops_its_partitions() {
    let handed = AtomicU64::new(0);
    let total = 1_000_000u64;
    // `rebalance` ends the first stage; the second is driven partition by partition.
    let result = pipeline! {
        range(0..total)
            -> rebalance()
            -> map(|x: u64| {
                if handed.fetch_add(1, Ordering::Relaxed) == 10 {
                    panic!("bad record 10")
                }
                x
            })
            -> sum()
    }
    .parallelism(2)
    .run();
    assert_panicked_at_record_10(result);
    let handed = handed.load(Ordering::Relaxed);
    assert!(
        handed < total / 10,
        "{handed} of {total} records were still read"
    );
}

#[test]
fn a_panic_early_in_a_text_file_stops_the_other_morsels() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.txt");
    // 40 MiB: five morsels of 8 MiB, so the second thread has a morsel of its own to read.
    let line = format!("{}\n", "x".repeat(63));
    std::fs::write(&path, line.repeat(40 << 14)).unwrap();
    let total = 40u64 << 14;
    let handed = AtomicU64::new(0);
    let path = path.to_str().unwrap();
    let result = pipeline! {
        read_text(path)
            -> map(|l: &str| {
                if handed.fetch_add(1, Ordering::Relaxed) == 10 {
                    panic!("bad record 10")
                }
                l.len() as u64
            })
            -> sum()
    }
    .parallelism(2)
    .run();
    assert_panicked_at_record_10(result);
    let handed = handed.load(Ordering::Relaxed);
    assert!(
        handed < total / 10,
        "{handed} of {total} lines were still read"
    );
}
