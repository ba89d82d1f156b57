//! `statistics()`: count, mean, standard deviation, min and max in one pass.

/// Summary statistics of a numeric column, merged with Chan et al.'s parallel update so that
/// splitting the input does not cost precision.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Statistics {
    /// Number of values.
    pub count: u64,
    /// Arithmetic mean (NaN when `count` is 0).
    pub mean: f64,
    /// Sum of squared differences from the mean (for the variance).
    m2: f64,
    /// Smallest value (+inf when `count` is 0).
    pub min: f64,
    /// Largest value (-inf when `count` is 0).
    pub max: f64,
}

impl Default for Statistics {
    fn default() -> Self {
        Statistics {
            count: 0,
            mean: f64::NAN,
            m2: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }
}

impl Statistics {
    /// Statistics of one value.
    pub fn of(x: f64) -> Self {
        Statistics {
            count: 1,
            mean: x,
            m2: 0.0,
            min: x,
            max: x,
        }
    }

    /// Adds one value (Welford's update).
    #[inline]
    pub fn add(&mut self, x: f64) {
        if self.count == 0 {
            *self = Self::of(x);
            return;
        }
        self.count += 1;
        let delta = x - self.mean;
        self.mean += delta / self.count as f64;
        self.m2 += delta * (x - self.mean);
        self.min = self.min.min(x);
        self.max = self.max.max(x);
    }

    /// Merges the statistics of another part of the input.
    pub fn merge(&mut self, other: &Statistics) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = *other;
            return;
        }
        let n = (self.count + other.count) as f64;
        let delta = other.mean - self.mean;
        self.mean += delta * other.count as f64 / n;
        self.m2 += other.m2 + delta * delta * self.count as f64 * other.count as f64 / n;
        self.count += other.count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// Population variance (divides by `count`); NaN when empty.
    pub fn variance(&self) -> f64 {
        if self.count == 0 {
            f64::NAN
        } else {
            self.m2 / self.count as f64
        }
    }

    /// Sample variance (divides by `count - 1`); NaN with fewer than two values.
    pub fn sample_variance(&self) -> f64 {
        if self.count < 2 {
            f64::NAN
        } else {
            self.m2 / (self.count - 1) as f64
        }
    }

    /// Population standard deviation.
    pub fn std_dev(&self) -> f64 {
        self.variance().sqrt()
    }

    /// Sample standard deviation.
    pub fn sample_std_dev(&self) -> f64 {
        self.sample_variance().sqrt()
    }

    /// Sum of the values.
    pub fn sum(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.mean * self.count as f64
        }
    }
}

impl std::fmt::Display for Statistics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "count={} mean={:.4} std_dev={:.4} min={} max={}",
            self.count,
            self.mean,
            self.std_dev(),
            self.min,
            self.max
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_parts_equal_one_pass() {
        let xs: Vec<f64> = (0..1000).map(|i| ((i * 37) % 101) as f64 / 3.0).collect();
        let mut whole = Statistics::default();
        xs.iter().for_each(|&x| whole.add(x));
        let mut left = Statistics::default();
        let mut right = Statistics::default();
        xs[..333].iter().for_each(|&x| left.add(x));
        xs[333..].iter().for_each(|&x| right.add(x));
        left.merge(&right);
        assert_eq!(left.count, whole.count);
        assert!((left.mean - whole.mean).abs() < 1e-9);
        assert!((left.std_dev() - whole.std_dev()).abs() < 1e-9);
        assert_eq!((left.min, left.max), (whole.min, whole.max));
    }
}
