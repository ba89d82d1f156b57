use dataflow::prelude::*;

#[derive(Clone)]
struct Point {
    x: f64,
    y: f64,
}

fn main() {
    let points = vec![Point { x: 1.0, y: 2.0 }];
    let _job = pipeline! {
        from_collection(points) -> top_by(3, |p: &Point| (p.x, p.y)) -> collect()
    };
}
