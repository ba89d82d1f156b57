// A tiny deterministic random number generator for the examples' data generators (SplitMix64,
// Steele, Lea and Flood 2014), so that they need no `rand` dependency. Not for cryptography.
//
// Included with `include!` into a `mod rng { .. }` by each generator (`zipf.rs`, `brc.rs`), not
// declared with `#[path] mod`, so that a crate that includes both generators does not load one
// file as two modules (clippy's `duplicate_mod`).

/// SplitMix64: 64 bits of state, passes BigCrush, and any seed (0 included) is fine.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// A generator for stream `index` of a seed: generators of different indexes are independent,
    /// so that parallel tasks can each draw their own numbers and still give a deterministic result.
    pub fn stream(seed: u64, index: u64) -> Self {
        SplitMix64(mix(seed ^ mix(index.wrapping_add(0x6a09_e667_f3bc_c909))))
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }

    /// A uniform number in `[0, 1)` with 53 random bits.
    #[inline]
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform integer in `0..n` (`n > 0`), by Lemire's multiply-shift (bias below 2^-32 for
    /// the small `n` used here).
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// A standard normal number (mean 0, standard deviation 1), by the Box–Muller transform.
    #[inline]
    pub fn gaussian(&mut self) -> f64 {
        // 1 - u lies in (0, 1], so that the logarithm is finite.
        let u = 1.0 - self.next_f64();
        let v = self.next_f64();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// SplitMix64's output function (a bijection of `u64`).
#[inline]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
