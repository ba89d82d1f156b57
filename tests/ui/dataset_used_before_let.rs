use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        xs -> collect();
        let xs = range(0..10);
    };
}
