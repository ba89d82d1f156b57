use dataflow::prelude::*;

fn main() {
    let _ = pipeline! {
        read_parquet("events.parquet") -> count()
    }
    .run();
}
