use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        let xs = range(0..10);
        xs -> map(|x| x + 1);
        xs -> collect();
    };
}
