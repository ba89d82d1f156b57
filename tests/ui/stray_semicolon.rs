use dataflow::prelude::*;

fn main() {
    let _ = pipeline! {
        range(0u32..10) -> map(|x| { x + 1; }) -> filter(|x| *x > 3) -> collect()
    };
    let _ = pipeline! {
        range(0u32..10) -> filter(|x| { *x > 3; }) -> collect()
    };
    let _ = pipeline! {
        range(0u32..10) -> map(|x| { x * 2; }) -> sum()
    };
}
