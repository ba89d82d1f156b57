use dataflow::prelude::*;

fn main() {
    let orders = vec![(1u32, 10.0f64), (2, 20.0)];
    let customers = vec![(String::from("1"), "ann"), (String::from("2"), "bob")];
    let _job = pipeline! {
        let os = from_collection(orders);
        let cs = from_collection(customers);
        os -> join(cs, |o: &(u32, f64)| o.0, |c: &(String, &str)| c.0.clone()) -> collect();
    };
}
