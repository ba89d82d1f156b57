use dataflow::prelude::*;
use std::collections::HashMap;

fn main() {
    let _job = pipeline! {
        range(0u32..10) -> collect::<HashMap<u32, u32>>();
    };
}
