use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        let initial = range(0u32..10) -> map(|v| (v, v));
        initial -> iterate_delta(workset = initial, max = 10, |solution, workset| {
            let delta = workset -> filter(|w| w.1 > 0);
            (delta, delta)
        }) -> collect()
    };
}
