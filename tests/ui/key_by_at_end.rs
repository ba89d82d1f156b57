use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        let keyed = range(0..10) -> key_by(|x| x % 2);
        keyed -> count() -> collect();
    };
}
