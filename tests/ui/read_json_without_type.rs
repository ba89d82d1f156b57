use dataflow::prelude::*;

fn main() {
    let _ = pipeline! {
        read_json("events.jsonl") -> count()
    }
    .run();
}
