use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        range(0..10) -> frobnicate(|x| x) -> collect();
    };
}
