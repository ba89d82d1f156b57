use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        range(0..10) -> collect() -> map(|v: Vec<i32>| v.len());
    };
}
