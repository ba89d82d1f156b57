use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        range(0u32..10) -> flat_map(|x| x * 2) -> collect();
    };
}
