use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        from_collection(vec!["a b", "c"]) -> flatmap(|l: &str| l.split(' ')) -> collect();
    };
}
