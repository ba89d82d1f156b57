use dataflow::prelude::*;

#[derive(Debug)]
struct Reading {
    station: u32,
    value: f64,
}

fn main() {
    let _job = pipeline! {
        let readings = range(0u32..100) -> map(|i| Reading { station: i % 7, value: i as f64 });
        readings -> key_by(|r| r.station) -> count() -> collect();
        readings -> max_by(|r| r.value);
    };
}
