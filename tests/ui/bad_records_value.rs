use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        read_text("input.txt", bad_records = ignore) -> collect();
    };
}
