use dataflow::prelude::*;

#[derive(Debug)]
struct Word<'a> {
    text: &'a str,
}

fn main() {
    // These operators keep records, but a `Word` borrows the line it came from.
    let _ = pipeline! {
        read_text("words.txt") -> map(|l| Word { text: l }) -> collect()
    };
    let _ = pipeline! {
        read_text("words.txt") -> map(|l| Word { text: l }) -> min_by(|w| w.text.len())
    };
    let _ = pipeline! {
        read_text("words.txt") -> map(|l| Word { text: l }) -> key_by(|w| w.text.len()) -> first(2) -> collect()
    };
}
