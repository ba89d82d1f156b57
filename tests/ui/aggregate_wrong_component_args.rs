use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        range(0..10) -> key_by(|x| x % 2) -> aggregate(count(), reduce()) -> collect();
    };
}
