use dataflow::prelude::*;

fn main() {
    let _job = pipeline! {
        readTextFile("words.txt") -> collect();
        read_text("words.txt") -> flatMap(|l: &str| l.split(' ')) -> collect();
        read_text("words.txt") -> groupBy(|w: &&str| *w) -> count() -> collect();
        read_text("words.txt") -> group_by(|w: &&str| *w) -> count() -> collect();
        read_text("words.txt") -> reduceGroup(|k, vs| vs) -> collect();
        read_text("words.txt") -> writeAsText("out.txt");
    };
}
