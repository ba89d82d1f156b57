//! Second moments: `variance`, `stddev` (sample, divided by n - 1) and `corr` (Pearson). Each
//! task keeps a count, the mean(s) and the sums of squared deviations, updated with Welford's
//! method and merged with Chan et al.'s parallel formula, so that neither a large mean nor the
//! split of the input costs precision (the textbook `Σx² - (Σx)²/n` does both).

use super::{Accumulate, Aggregate, AsF64};

/// Count, mean and sum of squared deviations of one column.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Moments {
    /// Number of values.
    pub count: u64,
    /// Their mean (0 when empty).
    pub mean: f64,
    /// The sum of squared deviations from the mean.
    pub m2: f64,
}

impl Moments {
    /// Adds one value (Welford).
    #[inline]
    pub fn add(&mut self, x: f64) {
        self.count += 1;
        let delta = x - self.mean;
        self.mean += delta / self.count as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// Merges the moments of a later part of the input (Chan et al.).
    pub fn merge(&mut self, other: &Moments) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = *other;
            return;
        }
        let (a, b) = (self.count as f64, other.count as f64);
        let n = a + b;
        let delta = other.mean - self.mean;
        self.mean += delta * b / n;
        self.m2 += other.m2 + delta * delta * a * b / n;
        self.count += other.count;
    }

    /// The sample variance (divided by `count - 1`); NaN with fewer than two values.
    pub fn sample_variance(&self) -> f64 {
        if self.count < 2 {
            f64::NAN
        } else {
            self.m2 / (self.count - 1) as f64
        }
    }
}

/// `variance(f)`: the sample variance of `f(record)` (divided by n - 1, as SQL's `var_samp`,
/// DuckDB's and Polars' default), NaN for a group of one value, `None` for an empty global
/// input.
///
/// ```
/// use dataflow_runtime::aggregate::{Accumulate, Aggregate, Variance};
/// let mut acc = Variance.create(1.0);
/// Variance.update(&mut acc, 2.0);
/// Variance.update(&mut acc, 3.0);
/// assert_eq!(Variance.finish(acc), 1.0);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Variance;

/// `stddev(f)`: the sample standard deviation, the square root of [`Variance`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Stddev;

macro_rules! spread {
    ($name:ident, $finish:expr) => {
        impl Accumulate for $name {
            type Acc = Moments;
            type Out = f64;
            type GlobalOut = Option<f64>;
            fn merge(&self, acc: &mut Moments, later: Moments) {
                acc.merge(&later);
            }
            fn finish(&self, acc: Moments) -> f64 {
                let finish: fn(f64) -> f64 = $finish;
                finish(acc.sample_variance())
            }
            fn finish_global(&self, acc: Option<Moments>) -> Option<f64> {
                acc.map(|acc| self.finish(acc))
            }
        }

        impl<V: AsF64> Aggregate<V> for $name {
            #[inline]
            fn create(&self, value: V) -> Moments {
                let mut m = Moments::default();
                m.add(value.as_f64());
                m
            }
            #[inline]
            fn update(&self, acc: &mut Moments, value: V) {
                acc.add(value.as_f64());
            }
        }
    };
}
spread!(Variance, |v| v);
spread!(Stddev, f64::sqrt);

/// Count, means, sums of squared deviations and the co-moment of two columns.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CoMoments {
    /// Number of pairs.
    pub count: u64,
    /// Mean of x.
    pub mean_x: f64,
    /// Mean of y.
    pub mean_y: f64,
    /// Σ (x - mean_x)².
    pub m2_x: f64,
    /// Σ (y - mean_y)².
    pub m2_y: f64,
    /// Σ (x - mean_x)(y - mean_y).
    pub c_xy: f64,
}

impl CoMoments {
    /// Adds one pair (Welford's update, extended to the co-moment).
    #[inline]
    pub fn add(&mut self, x: f64, y: f64) {
        self.count += 1;
        let n = self.count as f64;
        let dx = x - self.mean_x;
        let dy = y - self.mean_y;
        self.mean_x += dx / n;
        self.mean_y += dy / n;
        let dy_after = y - self.mean_y;
        self.m2_x += dx * (x - self.mean_x);
        self.m2_y += dy * dy_after;
        self.c_xy += dx * dy_after;
    }

    /// Merges the co-moments of a later part of the input (Chan et al.).
    pub fn merge(&mut self, other: &CoMoments) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = *other;
            return;
        }
        let (a, b) = (self.count as f64, other.count as f64);
        let n = a + b;
        let dx = other.mean_x - self.mean_x;
        let dy = other.mean_y - self.mean_y;
        let weight = a * b / n;
        self.mean_x += dx * b / n;
        self.mean_y += dy * b / n;
        self.m2_x += other.m2_x + dx * dx * weight;
        self.m2_y += other.m2_y + dy * dy * weight;
        self.c_xy += other.c_xy + dx * dy * weight;
        self.count += other.count;
    }

    /// Pearson's correlation coefficient; NaN with fewer than two pairs or a constant column.
    pub fn correlation(&self) -> f64 {
        if self.count < 2 {
            return f64::NAN;
        }
        self.c_xy / (self.m2_x * self.m2_y).sqrt()
    }
}

/// `corr(f, g)`: Pearson's correlation of `f(record)` and `g(record)` (SQL's `corr`); NaN for
/// a group of one pair or a constant column, `None` for an empty global input.
///
/// ```
/// use dataflow_runtime::aggregate::{Accumulate, Aggregate, Corr};
/// let mut acc = Corr.create((1, 2.0));
/// Corr.update(&mut acc, (2, 4.0));
/// Corr.update(&mut acc, (3, 6.5));
/// assert!(Corr.finish(acc) > 0.99);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Corr;

impl Accumulate for Corr {
    type Acc = CoMoments;
    type Out = f64;
    type GlobalOut = Option<f64>;
    fn merge(&self, acc: &mut CoMoments, later: CoMoments) {
        acc.merge(&later);
    }
    fn finish(&self, acc: CoMoments) -> f64 {
        acc.correlation()
    }
    fn finish_global(&self, acc: Option<CoMoments>) -> Option<f64> {
        acc.map(|acc| self.finish(acc))
    }
}

impl<X: AsF64, Y: AsF64> Aggregate<(X, Y)> for Corr {
    #[inline]
    fn create(&self, value: (X, Y)) -> CoMoments {
        let mut m = CoMoments::default();
        m.add(value.0.as_f64(), value.1.as_f64());
        m
    }
    #[inline]
    fn update(&self, acc: &mut CoMoments, value: (X, Y)) {
        acc.add(value.0.as_f64(), value.1.as_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two-pass references, in f64.
    fn two_pass_variance(xs: &[f64]) -> f64 {
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (xs.len() - 1) as f64
    }

    fn two_pass_corr(xs: &[f64], ys: &[f64]) -> f64 {
        let n = xs.len() as f64;
        let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
        let sxy: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
        let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
        let syy: f64 = ys.iter().map(|y| (y - my).powi(2)).sum();
        sxy / (sxx * syy).sqrt()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn variance_is_stable_far_from_zero_and_across_merges() {
        // A large offset ruins the one-pass textbook formula; Welford/Chan keep it.
        let xs: Vec<f64> = (0..10_000)
            .map(|i| 1e9 + ((i * 37) % 101) as f64 / 3.0)
            .collect();
        let want = two_pass_variance(&xs);
        let mut whole = Variance.create(xs[0]);
        xs[1..].iter().for_each(|&x| Variance.update(&mut whole, x));
        assert!(
            close(Variance.finish(whole), want),
            "{} vs {want}",
            Variance.finish(whole)
        );
        let mut parts: Vec<Moments> = xs
            .chunks(777)
            .map(|c| {
                let mut m = Moments::default();
                c.iter().for_each(|&x| m.add(x));
                m
            })
            .collect();
        let mut merged = parts.remove(0);
        parts
            .into_iter()
            .for_each(|p| Accumulate::merge(&Variance, &mut merged, p));
        assert!(close(Variance.finish(merged), want));
        assert!(close(Stddev.finish(merged), want.sqrt()));
        assert!(Variance.finish(Variance.create(3u8)).is_nan());
        assert_eq!(Stddev.finish_global(None), None);
    }

    #[test]
    fn correlation_matches_the_two_pass_formula_across_merges() {
        let xs: Vec<f64> = (0..5_000).map(|i| ((i * 7919) % 1013) as f64).collect();
        let ys: Vec<f64> = xs
            .iter()
            .enumerate()
            .map(|(i, x)| 3.0 * x + ((i * 13) % 97) as f64 * 50.0 + 1e8)
            .collect();
        let want = two_pass_corr(&xs, &ys);
        let mut parts: Vec<CoMoments> = xs
            .chunks(333)
            .zip(ys.chunks(333))
            .map(|(cx, cy)| {
                let mut m = Corr.create((cx[0], cy[0]));
                cx[1..]
                    .iter()
                    .zip(&cy[1..])
                    .for_each(|(&x, &y)| Corr.update(&mut m, (x, y)));
                m
            })
            .collect();
        let mut merged = parts.remove(0);
        parts
            .into_iter()
            .for_each(|p| Accumulate::merge(&Corr, &mut merged, p));
        assert!(
            close(Corr.finish(merged), want),
            "{} vs {want}",
            Corr.finish(merged)
        );
        let mut anti = Corr.create((1, 10));
        Corr.update(&mut anti, (2, 5));
        assert!(close(Corr.finish(anti), -1.0));
        let mut constant = Corr.create((1.0, 7.0));
        Corr.update(&mut constant, (2.0, 7.0));
        assert!(Corr.finish(constant).is_nan());
    }
}
