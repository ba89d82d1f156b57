use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        range(0u32..10) -> for_each(|x: &str| println!("{x}"));
    };
}
