use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        range(0u32..10) -> key_by(|x: &u32| x % 3) -> first(2, descending = true) -> collect()
    };
}
