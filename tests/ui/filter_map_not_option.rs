use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        range(0..10) -> filter_map(|x| x * 2) -> collect();
    };
}
