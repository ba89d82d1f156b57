use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        range(0u64..10) -> iterate(max = 5) -> collect()
    };
}
