use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        let orders = range(0u32..10);
        let customers = range(0u32..5);
        orders -> left_outer_join(customers, |o| *o, |c| *c, strategy = broadcast_left) -> collect();
        orders -> join(customers, |o| *o, |c| *c, strategy = broadcast) -> collect();
    };
}
