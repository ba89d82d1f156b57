use dataflow::prelude::*;

#[derive(Default)]
struct Summary {
    n: u64,
    total: i64,
}

fn main() {
    let _job = pipeline! {
        range(0..10i64) -> key_by(|x| x % 2) -> aggregate(Summary { n: count(), ..Default::default() }) -> collect();
    };
}
