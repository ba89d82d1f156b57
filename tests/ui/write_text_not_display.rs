use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        range(0..10) -> map(|i| vec![i; 3]) -> write_text("out.txt");
    };
}
