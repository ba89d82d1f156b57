use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        #![paralelism = 2]
        range(0..10) -> collect();
    };
}
