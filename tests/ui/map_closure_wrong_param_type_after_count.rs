use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        range(0u32..10) -> key_by(|x| x % 2) -> count() -> map(|x: String| x.len()) -> collect();
    };
}
