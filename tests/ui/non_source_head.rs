use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        map(|x: i32| x + 1) -> collect();
    };
}
