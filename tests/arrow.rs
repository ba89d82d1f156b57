//! Arrow `RecordBatch`es in and out of a job: `from_record_batches` and
//! `collect_record_batches`, values checked, at parallelism 1, 2 and 7.

use dataflow::arrow::arrow_array::{
    Array, Float64Array, Int64Array, RecordBatch, StringArray, UInt64Array,
};
use dataflow::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

const PARALLELISMS: [usize; 3] = [1, 2, 7];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Sale {
    region: String,
    amount: i64,
    discount: Option<f64>,
}

/// Batch `b` of `n` sales: region `r{i % 5}`, amount `i`, discount `i / 10` for even `i`.
fn batch(b: i64, n: i64) -> RecordBatch {
    let ids: Vec<i64> = (b * n..(b + 1) * n).collect();
    let regions: Vec<String> = ids.iter().map(|i| format!("r{}", i % 5)).collect();
    let discounts: Vec<Option<f64>> = ids
        .iter()
        .map(|i| (i % 2 == 0).then_some(*i as f64 / 10.0))
        .collect();
    RecordBatch::try_from_iter([
        ("region", Arc::new(StringArray::from(regions)) as _),
        ("amount", Arc::new(Int64Array::from(ids)) as _),
        ("discount", Arc::new(Float64Array::from(discounts)) as _),
    ])
    .unwrap()
}

fn sale(i: i64) -> Sale {
    Sale {
        region: format!("r{}", i % 5),
        amount: i,
        discount: (i % 2 == 0).then_some(i as f64 / 10.0),
    }
}

#[test]
fn batches_in_rows_out_in_order() {
    // Three batches, one of them larger than a task's slice (64 Ki rows).
    let batches = vec![batch(0, 1000), batch(1, 1000), batch(2, 70_000)];
    let want: Vec<Sale> = (0..1000)
        .chain(1000..2000)
        .chain(140_000..210_000)
        .map(sale)
        .collect();
    for p in PARALLELISMS {
        let input = batches.clone();
        let got = pipeline! { from_record_batches::<Sale>(input) -> collect() }
            .parallelism(p)
            .run()
            .unwrap();
        assert_eq!(got, want, "at {p}");
    }
}

#[test]
fn records_out_as_batches_of_one_schema() {
    #[derive(Debug, Serialize)]
    struct Total {
        region: String,
        amount: u64,
        note: Option<String>,
    }
    for p in PARALLELISMS {
        // 20,000 records: several batches per task, and `note` null in all but the last ones.
        let totals = pipeline! {
            range(0u64..20_000)
                -> map(|i| Total { region: format!("r{}", i % 3), amount: i, note: (i >= 19_990).then(|| i.to_string()) })
                -> collect_record_batches()
        }
        .parallelism(p)
        .run()
        .unwrap();
        let schema = totals[0].schema();
        assert!(totals.iter().all(|b| b.schema() == schema));
        assert_eq!(schema.field(2).data_type().to_string(), "Utf8");
        let mut next = 0u64;
        for b in &totals {
            let region = b.column(0).as_any().downcast_ref::<StringArray>().unwrap();
            let amount = b.column(1).as_any().downcast_ref::<UInt64Array>().unwrap();
            let note = b.column(2).as_any().downcast_ref::<StringArray>().unwrap();
            for row in 0..b.num_rows() {
                assert_eq!(amount.value(row), next, "at {p}");
                assert_eq!(region.value(row), format!("r{}", next % 3));
                assert_eq!(note.is_null(row), next < 19_990);
                next += 1;
            }
        }
        assert_eq!(next, 20_000);
    }
}

#[test]
fn a_job_between_two_arrow_tools() {
    let batches = vec![batch(0, 5000), batch(1, 5000)];
    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct RegionTotal {
        region: String,
        total: i64,
    }
    let out = pipeline! {
        from_record_batches::<Sale>(batches)
            -> key_by(|s: &Sale| s.region.as_str())
            -> sum(|s: &Sale| s.amount)
            -> map(|(region, total): (String, i64)| RegionTotal { region, total })
            -> collect_record_batches()
    }
    .run()
    .unwrap();
    let mut back = pipeline! { from_record_batches::<RegionTotal>(out) -> collect() }
        .run()
        .unwrap();
    back.sort_by(|a, b| a.region.cmp(&b.region));
    let want: Vec<RegionTotal> = (0..5)
        .map(|r| RegionTotal {
            region: format!("r{r}"),
            total: (0..10_000).filter(|i| i % 5 == r).sum(),
        })
        .collect();
    assert_eq!(back, want);
}

#[test]
fn a_column_that_does_not_convert_names_the_batch_and_the_column() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Wrong {
        region: u32,
    }
    let batches = vec![batch(0, 10), batch(1, 10)];
    // One thread, so that batch 0 fails first.
    let err = pipeline! { from_record_batches::<Wrong>(batches) -> count() }
        .parallelism(1)
        .run()
        .unwrap_err();
    match err {
        Error::Schema {
            path, column, rust, ..
        } => {
            assert_eq!(path.to_str(), Some("record batch 0"));
            assert_eq!(column, "region");
            assert_eq!(rust, "field `region` of `Wrong`");
        }
        other => panic!("expected a schema error, got {other}"),
    }
}
