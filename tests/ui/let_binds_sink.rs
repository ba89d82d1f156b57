use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        let x = range(0..10) -> collect();
        x -> print();
    };
}
