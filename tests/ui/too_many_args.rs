use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        range(0..10) -> map(|x| x + 1, |x| x * 2) -> collect();
    };
}
