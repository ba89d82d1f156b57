use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        read_txt("input.txt") -> collect();
    };
}
