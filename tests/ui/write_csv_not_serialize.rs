use dataflow::prelude::*;

#[allow(dead_code)]
struct Point {
    x: i32,
    y: i32,
}

fn main() {
    let _job = pipeline! {
        range(0..10) -> map(|i| Point { x: i, y: i * i }) -> write_csv("points.csv");
    };
}
