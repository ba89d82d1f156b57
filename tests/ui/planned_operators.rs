use dataflow::prelude::*;

fn main() {
    let left = vec![(1, "a"), (2, "b")];
    let right = vec![(1, 'x')];
    let _job = pipeline! {
        let l = from_collection(left);
        let r = from_collection(right);
        l -> join(r) -> collect();
        l -> union(r) -> collect();
        r -> sort_by(|x| x.0) -> collect();
    };
}
