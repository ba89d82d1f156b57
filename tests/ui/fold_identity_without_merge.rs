use dataflow::prelude::*;

fn main() {
    // Without a merge function records are folded in input order from `init`: an identity
    // would mean nothing.
    let _job = pipeline! {
        range(0..10) -> fold(0, |a, x| a + x, identity = 0)
    };
}
