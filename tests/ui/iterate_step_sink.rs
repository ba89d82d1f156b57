use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        range(0u64..10) -> iterate(max = 5, |xs| {
            xs -> print();
            xs -> map(|x| x + 1)
        }) -> collect()
    };
}
