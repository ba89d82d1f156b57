use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        let rates = from_collection(vec![1.5f64, 2.0]) -> broadcast();
        rates -> map(|r: f64| r * 2.0) -> collect();
    };
}
