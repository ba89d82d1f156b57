use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        range(0..10u32) -> key_by(|x: &u32| x % 2) -> quantile(90.0, |x: &u32| *x) -> collect();
    };
    let _in_aggregate = pipeline! {
        range(0..10u32) -> aggregate(count(), quantile(-0.5, |x: &u32| *x));
    };
}
