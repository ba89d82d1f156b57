use dataflow::prelude::*;

#[derive(serde::Deserialize)]
struct Event {
    id: u64,
}

fn main() {
    let _ = pipeline! {
        read_parquet::<Event>("events.parquet", bad_records = skip) -> count()
    }
    .run();
}
