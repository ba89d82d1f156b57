//! The word count pipeline, shared by `examples/wordcount.rs` and `tests/examples.rs`.

use dataflow::prelude::*;

/// What a word count run returns.
pub struct WordCount {
    /// Every distinct word with its number of occurrences, in no particular order.
    pub counts: Vec<(String, u64)>,
    /// The job's plan, as `explain()` prints it.
    pub plan: String,
    /// Records read, bytes, time.
    pub metrics: Metrics,
}

/// Counts the whitespace-separated words of the text files `input` names (a file, a directory or
/// a glob), at `parallelism` threads (`None`: one per CPU).
pub fn count_words(input: &str, parallelism: Option<usize>) -> Result<WordCount, Error> {
    let job = pipeline! {
        read_text(input)
            // Lines and the words split from them are borrowed from the reader's buffer, and
            // so is the key: the combiner owns a word (one allocation) only when it first sees it.
            -> flat_map(|line: &str| line.split_whitespace())
            -> key_by(|word: &&str| *word)
            -> count()
            -> collect()
    };
    let job = match parallelism {
        Some(threads) => job.parallelism(threads),
        None => job,
    };
    let plan = job.explain();
    let (counts, metrics) = job.run_with_metrics()?;
    Ok(WordCount {
        counts,
        plan,
        metrics,
    })
}

/// The `n` most frequent words, by count (descending), then word.
pub fn top(counts: &[(String, u64)], n: usize) -> Vec<(String, u64)> {
    let mut sorted: Vec<&(String, u64)> = counts.iter().collect();
    sorted.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    sorted.into_iter().take(n).cloned().collect()
}
