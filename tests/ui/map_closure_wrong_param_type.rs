use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        range(0..10) -> map(|x: String| x.len()) -> collect();
    };
}
