use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        range(0u32..10) -> partition_custom(|k: &u32| *k as usize, |x: &u32| *x) -> collect()
    };
}
