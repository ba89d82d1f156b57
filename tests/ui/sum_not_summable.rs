use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        range(0u32..10) -> sum(|x| x.to_string());
    };
}
