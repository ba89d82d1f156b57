use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        range(0u64..10) -> iterate(max = 5, |xs| {
            let changed = xs -> filter(|x| *x > 0);
            xs -> map(|x| x / 2)
        }, until = chnged) -> collect()
    };
}
