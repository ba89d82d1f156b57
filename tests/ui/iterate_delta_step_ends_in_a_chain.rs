use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        let initial = range(0u32..10) -> map(|v| (v, v));
        initial -> iterate_delta(workset = initial, key = |s| s.0, max = 10, |solution, workset| {
            workset -> filter(|w| w.1 > 0)
        }) -> collect()
    };
}
