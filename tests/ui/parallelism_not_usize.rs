use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        #![parallelism = "4"]
        range(0..10) -> collect();
    };
}
