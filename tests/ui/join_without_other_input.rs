use dataflow::prelude::*;

fn main() {
    let orders = vec![(1u32, 10.0f64), (2, 20.0)];
    let _job = pipeline! {
        let os = from_collection(orders);
        os -> join(|o: &(u32, f64)| o.0, |c: &(u32, f64)| c.0, |o, c| (o.0, c.1)) -> collect();
    };
}
