use dataflow::prelude::*;

fn main() {
    // With a merge function, partial folds need a starting value of their own: `init` must
    // count once, not once per partial.
    let _job = pipeline! {
        range(0..10) -> key_by(|x| x % 2) -> fold(100, |a, _| a + 1, |a, b| a + b) -> collect()
    };
    let _global = pipeline! {
        range(0..10) -> fold(100, |a, _| a + 1, |a, b| a + b)
    };
}
