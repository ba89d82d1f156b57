//! Synthetic text whose word frequencies follow Zipf's law, as natural language roughly does:
//! the word of rank `k` (from 1) appears with probability proportional to `1 / k^s`.
//!
//! Words are made of syllables (`ba`, `de`, ...), so that they look like words and have
//! realistic lengths: the 70 most frequent words have one syllable, the next 4,900 two, and so on.
//! Everything is deterministic: the same [`Corpus`] writes the same bytes on every machine.

#[allow(dead_code)]
mod rng {
    include!("rng.rs");
}

use rayon::prelude::*;
use rng::SplitMix64;
use std::io;
use std::path::{Path, PathBuf};

const CONSONANTS: &[u8] = b"bdfgklmnprstvz";
const VOWELS: &[u8] = b"aeiou";

/// A vocabulary with its Zipf distribution.
pub struct Vocabulary {
    words: Vec<String>,
    /// `cdf[k]`: probability of a rank `<= k` (0-based); the last entry is 1.
    cdf: Vec<f64>,
}

impl Vocabulary {
    /// `size` distinct words, the word of 0-based rank `k` drawn with probability
    /// proportional to `1 / (k + 1)^exponent`.
    pub fn new(size: usize, exponent: f64) -> Self {
        assert!(size > 0, "a vocabulary needs at least one word");
        let words = (0..size).map(word).collect();
        let mut cdf = Vec::with_capacity(size);
        let mut total = 0.0;
        for k in 0..size {
            total += ((k + 1) as f64).powf(-exponent);
            cdf.push(total);
        }
        for p in &mut cdf {
            *p /= total;
        }
        Vocabulary { words, cdf }
    }

    /// One word drawn from the distribution (inversion by binary search of the CDF).
    #[inline]
    pub fn sample(&self, rng: &mut SplitMix64) -> &str {
        let u = rng.next_f64();
        let rank = self.cdf.partition_point(|&p| p <= u);
        &self.words[rank.min(self.words.len() - 1)]
    }
}

/// The synthetic word of 0-based rank `k`: bijective base-70 in syllables, so that every rank
/// has its own word and shorter words come first.
pub fn word(mut k: usize) -> String {
    let syllables = CONSONANTS.len() * VOWELS.len();
    let mut out = Vec::new();
    loop {
        let s = k % syllables;
        out.push(VOWELS[s % VOWELS.len()]);
        out.push(CONSONANTS[s / VOWELS.len()]);
        if k < syllables {
            break;
        }
        k = k / syllables - 1;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII")
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct Corpus {
    /// Number of files (`part-000.txt`, ...), written in parallel.
    pub files: usize,
    /// Total size in bytes (each file gets its share, rounded up to a whole line).
    pub bytes: u64,
    /// Distinct words in the vocabulary.
    pub vocabulary: usize,
    /// Zipf exponent `s`.
    pub exponent: f64,
    /// Seed of the random numbers.
    pub seed: u64,
}

impl Default for Corpus {
    /// 50 MB in 8 files, 50,000 words, `s` = 1.1.
    fn default() -> Self {
        Corpus {
            files: 8,
            bytes: 50 << 20,
            vocabulary: 50_000,
            exponent: 1.1,
            seed: 0x2024_0f1e_cafe,
        }
    }
}

impl Corpus {
    /// Writes the corpus into `dir` (which must exist); returns the files written, in order.
    /// Lines hold 4 to 16 words separated by single spaces.
    pub fn write(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        let vocabulary = Vocabulary::new(self.vocabulary, self.exponent);
        let per_file = self.bytes.div_ceil(self.files.max(1) as u64) as usize;
        (0..self.files)
            .into_par_iter()
            .map(|i| {
                let mut rng = SplitMix64::stream(self.seed, i as u64);
                let mut text = String::with_capacity(per_file + 256);
                while text.len() < per_file {
                    let n = 4 + rng.below(13);
                    for j in 0..n {
                        if j > 0 {
                            text.push(' ');
                        }
                        text.push_str(vocabulary.sample(&mut rng));
                    }
                    text.push('\n');
                }
                let path = dir.join(format!("part-{i:03}.txt"));
                std::fs::write(&path, text)?;
                Ok(path)
            })
            .collect()
    }
}
