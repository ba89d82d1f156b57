use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        let xs = range(0..10);
        let xs = xs -> map(|x| x * 2);
        xs -> collect();
    };
}
