use dataflow::prelude::*;

struct Opaque;

fn main() {
    let _job = pipeline! {
        range(0u32..10) -> map(|_| Opaque) -> print();
    };
}
