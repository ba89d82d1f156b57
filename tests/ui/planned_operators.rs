use dataflow::prelude::*;

fn main() {
    let right = vec![(1, 'x')];
    let _job = pipeline! {
        let r = from_collection(right);
        r -> partition_custom(|x| x.0) -> collect();
        r -> window(10) -> collect();
    };
}
