use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        range(0u32..10) -> combine_group(|_k: &(), xs: Vec<u32>| xs) -> collect()
    };
}
