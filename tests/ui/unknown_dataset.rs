use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        let evens = range(0..10) -> filter(|x| x % 2 == 0);
        evens -> count();
        evnes -> collect();
    };
}
