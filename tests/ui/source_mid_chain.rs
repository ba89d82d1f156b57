use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        range(0..10) -> read_text("input.txt") -> collect();
    };
}
