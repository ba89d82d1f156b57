use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        range(0..10) -> key_by(|x| *x as f64 / 2.0) -> count() -> collect();
    };
}
