use dataflow::prelude::*;

fn main() {
    let pairs = vec![(1u32, 3u64), (2, 4)];
    // Flink names tuple fields by position (`groupBy(0).sum(1)`); here they are closures.
    let _job = pipeline! {
        let ps = from_collection(pairs);
        ps -> key_by(0) -> count() -> collect();
        ps -> key_by(|p: &(u32, u64)| p.0) -> sum(1) -> collect();
        ps -> min_by(1);
        ps -> aggregate(count(), max(1));
        // `first(n)` takes a number, as Flink's does.
        ps -> first(1);
    };
}
