use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {};
}
