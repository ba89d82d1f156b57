use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        from_collection(vec![1u32, 2, 3]) -> map(|x: String| x.len()) -> collect();
    };
}
