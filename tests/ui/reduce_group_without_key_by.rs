use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        range(0..10) -> reduce_group(|_k: &(), vs: Vec<i32>| vs) -> collect();
    };
}
