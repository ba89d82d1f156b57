use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        range(0..10) -> map::<i64>(|x| x as i64) -> collect();
    };
}
