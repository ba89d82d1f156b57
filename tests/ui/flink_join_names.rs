use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        let orders = range(0u32..10);
        let customers = range(0u32..5);
        orders -> leftOuterJoin(customers, |o| *o, |c| *c) -> collect();
        orders -> joinWithTiny(customers, |o| *o, |c| *c) -> collect();
        orders -> coGroup(customers, |o| *o, |c| *c, |k, a, b| Some(*k)) -> collect();
    };
}
