use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        let a = range(0u32..10);
        let b = range(0u64..10);
        let c = range(0u32..10);
        a -> union(c, b) -> collect();
    };
}
