use dataflow::prelude::*;

fn main() {
    // Without the check, rustc reports this one on `filter`, which is not where the mistake is.
    let _ = pipeline! {
        range(0u32..10) -> map(|x| { x + 1; }) -> filter(|x| *x > 3) -> collect()
    };
    let _ = pipeline! {
        range(0u32..10) -> filter(|x| { *x > 3; }) -> collect()
    };
    // Without the check, this one compiles: every record gets the key `()`.
    let _ = pipeline! {
        range(0u32..10) -> key_by(|x| { x % 3; }) -> count() -> collect()
    };
    let _ = pipeline! {
        read_text("in.txt") -> map(|l| { l.to_string(); }) -> collect()
    };
    // A macro call ending the block is a statement of its own; without the check, every record
    // gets the key `()` here.
    let _ = pipeline! {
        range(0u32..10) -> key_by(|x| { format!("k{}", x % 3); }) -> count() -> collect()
    };
    let _ = pipeline! {
        range(0u32..10) -> flat_map(|x| { vec![x, x]; }) -> collect()
    };
    // A closure that returns `()` on purpose is left alone.
    let _ = pipeline! {
        range(0u32..10) -> for_each(|x| { x + 1; })
    };
}
