#![deny(unused_must_use)]

use dataflow::prelude::*;

fn main() {
    // Builds the job and drops it: nothing is read or written.
    pipeline! {
        range(0..10) -> write_text("out.txt")
    };
}
