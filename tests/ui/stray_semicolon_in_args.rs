use dataflow::prelude::*;

fn main() {
    let _ = pipeline! {
        range(0u32..10) -> map(|x| x + 1;) -> collect()
    };
}
