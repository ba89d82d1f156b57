use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        let odds = range(0..10) -> filter(|x| x % 2 == 1);
        range(0..10) -> collect();
    };
}
