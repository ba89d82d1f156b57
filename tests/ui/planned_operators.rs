use dataflow::prelude::*;

fn main() {
    let right = vec![(1, 'x')];
    let _job = pipeline! {
        let r = from_collection(right);
        r -> window(3) -> collect();
        r -> zip_with_index() -> collect();
    };
}
