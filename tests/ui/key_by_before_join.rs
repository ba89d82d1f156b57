use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        let orders = range(0u32..10);
        let customers = range(0u32..5);
        orders -> key_by(|o| *o) -> join(customers, |o| *o, |c| *c) -> collect();
    };
}
