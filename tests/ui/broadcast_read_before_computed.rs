use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        // The source would need `n` before it could produce the records `n` counts.
        let xs = range(0u64..*n);
        let n = xs -> count() -> broadcast();
        xs -> collect();
    };
}
