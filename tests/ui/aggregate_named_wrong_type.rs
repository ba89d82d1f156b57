use dataflow::prelude::*;

struct Summary {
    n: u64,
    total: i32,
}

fn main() {
    let _job = pipeline! {
        range(0..10i64) -> key_by(|x| x % 2) -> aggregate(Summary { n: count(), total: sum(|x| *x) }) -> collect();
    };
}
