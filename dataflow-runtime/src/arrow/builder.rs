//! Records into Arrow batches: each task buffers its records and turns every [`BATCH_ROWS`] of
//! them into a `RecordBatch` whose schema is traced from those records (serde_arrow), and the
//! tasks' batches are brought to one schema at the end ([`unify`]).
//!
//! The schema comes from the records, not the type, so that any `T: Serialize` can be written:
//! a field that was `None` in every record of a batch is a column of Arrow's `Null` type there,
//! and becomes the type the other batches give it, nullable. Dates and times are written as
//! serde serializes them (`chrono::NaiveDate` as a `YYYY-MM-DD` string).

use crate::error::{Error, Result};
use arrow_array::{new_null_array, Array, ArrayRef, ListArray, RecordBatch, StructArray};
use arrow_schema::{DataType, Field, FieldRef, Fields, Schema, SchemaRef};
use serde::Serialize;
use serde_arrow::schema::{SchemaLike, TracingOptions};
use std::path::Path;
use std::sync::Arc;

/// Records per batch a task builds.
pub const BATCH_ROWS: usize = 8192;

/// One task's records on their way to Arrow batches.
#[derive(Debug)]
pub struct BatchBuilder<T> {
    pending: Vec<T>,
    batches: Vec<RecordBatch>,
    records: u64,
}

impl<T> Default for BatchBuilder<T> {
    fn default() -> Self {
        BatchBuilder {
            pending: Vec::new(),
            batches: Vec::new(),
            records: 0,
        }
    }
}

impl<T: Serialize> BatchBuilder<T> {
    /// Adds one record; every [`BATCH_ROWS`] records become a batch.
    #[inline]
    pub fn push(&mut self, record: T) -> serde_arrow::Result<()> {
        if self.pending.capacity() == 0 {
            self.pending.reserve_exact(BATCH_ROWS);
        }
        self.pending.push(record);
        self.records += 1;
        if self.pending.len() == BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    /// The number of records pushed so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Turns the pending records into a batch.
    #[cold]
    fn flush(&mut self) -> serde_arrow::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        // Utf8 and List, as arrow-rs and most Arrow tools make them (serde_arrow's default is Large*).
        let options = TracingOptions::default()
            .allow_null_fields(true)
            .strings_as_large_utf8(false)
            .sequence_as_large_list(false);
        let fields = Vec::<FieldRef>::from_samples(&self.pending, options)?;
        let batch = serde_arrow::to_record_batch(&fields, &self.pending)?;
        self.batches.push(batch);
        self.pending.clear();
        Ok(())
    }

    /// Every batch of this task, in record order.
    pub fn finish(mut self) -> serde_arrow::Result<Vec<RecordBatch>> {
        self.flush()?;
        Ok(self.batches)
    }
}

/// The error for records of `T` that cannot be made into Arrow columns, bound for `output`.
#[cold]
pub fn records_error<T>(output: &Path, e: &serde_arrow::Error) -> Error {
    Error::Schema {
        path: output.to_path_buf(),
        column: super::records::annotation(&e.to_string(), "field").map_or_else(
            || String::from("?"),
            |f| f.trim_start_matches("$.").to_owned(),
        ),
        rust: format!("`{}`", super::records::short_type_name::<T>()),
        message: format!("cannot be made into Arrow columns: {}", e.message()),
    }
}

/// Brings `batches` (in order) to one schema: a `Null` column takes the type other batches give
/// it, nullable, inside structs and lists too. Fails naming the column when two batches
/// disagree otherwise; `output` names the destination in the error. `None` for no batches.
pub fn unify(
    batches: Vec<RecordBatch>,
    output: &Path,
) -> Result<(Option<SchemaRef>, Vec<RecordBatch>)> {
    let Some(first) = batches.first() else {
        return Ok((None, batches));
    };
    let mut fields: Vec<Field> = first
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    for batch in &batches[1..] {
        for (field, other) in fields.iter_mut().zip(batch.schema().fields()) {
            *field = merge(field, other).ok_or_else(|| Error::Schema {
                path: output.to_path_buf(),
                column: field.name().clone(),
                rust: "the records".into(),
                message: format!(
                    "its values are {} in some records and {} in others",
                    field.data_type(),
                    other.data_type()
                ),
            })?;
        }
    }
    let schema: SchemaRef = Arc::new(Schema::new(fields));
    let batches = batches
        .into_iter()
        .map(|batch| {
            if batch.schema() == schema {
                return Ok(batch);
            }
            let columns = batch
                .columns()
                .iter()
                .zip(schema.fields())
                .map(|(column, field)| conform(column.clone(), field.data_type()))
                .collect();
            RecordBatch::try_new(schema.clone(), columns)
                .map_err(|e| Error::Internal(e.to_string()))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((Some(schema), batches))
}

/// The field both `a` and `b` fit, if any.
fn merge(a: &Field, b: &Field) -> Option<Field> {
    let nullable = a.is_nullable() || b.is_nullable();
    let data_type = match (a.data_type(), b.data_type()) {
        (DataType::Null, other) | (other, DataType::Null) => {
            return Some(Field::new(a.name(), other.clone(), true));
        }
        (x, y) if x == y => x.clone(),
        (DataType::Struct(x), DataType::Struct(y)) if x.len() == y.len() => {
            let fields: Option<Vec<Field>> =
                x.iter().zip(y.iter()).map(|(p, q)| merge(p, q)).collect();
            DataType::Struct(Fields::from(fields?))
        }
        (DataType::List(x), DataType::List(y)) => DataType::List(Arc::new(merge(x, y)?)),
        _ => return None,
    };
    Some(Field::new(a.name(), data_type, nullable))
}

/// `array` as `to`, which [`merge`] made from its type: `Null` arrays become null arrays of the
/// type, structs and lists are rebuilt around their conformed children.
fn conform(array: ArrayRef, to: &DataType) -> ArrayRef {
    if array.data_type() == to {
        return array;
    }
    match (array.data_type(), to) {
        (DataType::Null, _) => new_null_array(to, array.len()),
        (DataType::Struct(_), DataType::Struct(fields)) => {
            let array = array
                .as_any()
                .downcast_ref::<StructArray>()
                .expect("a struct array");
            let children = array
                .columns()
                .iter()
                .zip(fields.iter())
                .map(|(child, field)| conform(child.clone(), field.data_type()))
                .collect();
            Arc::new(StructArray::new(
                fields.clone(),
                children,
                array.nulls().cloned(),
            ))
        }
        (DataType::List(_), DataType::List(item)) => {
            let array = array
                .as_any()
                .downcast_ref::<ListArray>()
                .expect("a list array");
            let values = conform(array.values().clone(), item.data_type());
            Arc::new(ListArray::new(
                item.clone(),
                array.offsets().clone(),
                values,
                array.nulls().cloned(),
            ))
        }
        // Only nullability differs: the same data under the merged field.
        _ => array,
    }
}
