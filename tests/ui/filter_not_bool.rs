use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        range(0..10) -> filter(|x| x % 2) -> collect();
    };
}
