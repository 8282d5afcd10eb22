//! Streaming mean / variance that can be computed in parts and combined.

use serde::{Deserialize, Serialize};

/// Running count, mean, sum of squared deviations, minimum and maximum.
///
/// Values are added one at a time with Welford's (1962) update; two
/// accumulators over disjoint parts are combined exactly with the pairwise
/// formula of Chan, Golub & LeVeque (1979):
///
/// ```text
/// n = n_a + n_b,  δ = x̄_b − x̄_a
/// x̄ = x̄_a + δ·n_b/n
/// M₂ = M₂_a + M₂_b + δ²·n_a·n_b/n
/// ```
///
/// so `merge` is associative and commutative up to rounding. Non-finite
/// inputs (NaN, ±∞) are **not** added; they are counted in
/// [`RunningMoments::skipped`] so the caller can detect them. (Finite values
/// beyond ~1e150 in magnitude can overflow the squared deviations.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunningMoments {
    n: u64,
    mean: f64,
    m2: f64,
    min: f64,
    max: f64,
    skipped: u64,
}

impl RunningMoments {
    /// An empty accumulator (same as `Default`).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one observation (ignored and counted as skipped if not finite).
    pub fn push(&mut self, x: f64) {
        if !x.is_finite() {
            self.skipped = self.skipped.saturating_add(1);
            return;
        }
        if self.n == 0 {
            self.min = x;
            self.max = x;
        } else {
            self.min = self.min.min(x);
            self.max = self.max.max(x);
        }
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// Combines `other` (computed over a disjoint set of observations) into
    /// `self`, as if all observations had been pushed into one accumulator.
    pub fn merge(&mut self, other: &Self) {
        let skipped = self.skipped.saturating_add(other.skipped);
        if other.n == 0 {
            self.skipped = skipped;
            return;
        }
        if self.n == 0 {
            *self = *other;
            self.skipped = skipped;
            return;
        }
        let (na, nb) = (self.n as f64, other.n as f64);
        let n = na + nb;
        let delta = other.mean - self.mean;
        self.mean += delta * nb / n;
        self.m2 += other.m2 + delta * delta * na * nb / n;
        self.n = self.n.saturating_add(other.n);
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.skipped = skipped;
    }

    /// Number of (finite) observations added.
    #[must_use]
    pub fn n(&self) -> u64 {
        self.n
    }

    /// Number of non-finite values that were offered and ignored.
    #[must_use]
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Arithmetic mean; `None` if empty.
    #[must_use]
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then_some(self.mean)
    }

    /// Sample variance `M₂/(n − 1)`; `None` if `n < 2`.
    #[must_use]
    pub fn sample_variance(&self) -> Option<f64> {
        (self.n > 1).then(|| self.m2.max(0.0) / (self.n - 1) as f64)
    }

    /// Sample standard deviation `√(M₂/(n − 1))` (as `numpy.std(x, ddof=1)`);
    /// `None` if `n < 2`.
    #[must_use]
    pub fn sample_sd(&self) -> Option<f64> {
        self.sample_variance().map(f64::sqrt)
    }

    /// Population variance `M₂/n`; `None` if empty.
    #[must_use]
    pub fn population_variance(&self) -> Option<f64> {
        (self.n > 0).then(|| self.m2.max(0.0) / self.n as f64)
    }

    /// Standard error of the mean `s/√n`; `None` if `n < 2`.
    #[must_use]
    pub fn standard_error(&self) -> Option<f64> {
        Some(self.sample_sd()? / (self.n as f64).sqrt())
    }

    /// Smallest observation; `None` if empty.
    #[must_use]
    pub fn min(&self) -> Option<f64> {
        (self.n > 0).then_some(self.min)
    }

    /// Largest observation; `None` if empty.
    #[must_use]
    pub fn max(&self) -> Option<f64> {
        (self.n > 0).then_some(self.max)
    }
}

impl Extend<f64> for RunningMoments {
    fn extend<I: IntoIterator<Item = f64>>(&mut self, iter: I) {
        for x in iter {
            self.push(x);
        }
    }
}

impl FromIterator<f64> for RunningMoments {
    fn from_iter<I: IntoIterator<Item = f64>>(iter: I) -> Self {
        let mut m = Self::new();
        m.extend(iter);
        m
    }
}

#[cfg(test)]
mod tests {
    use super::super::tolerance::{CLOSED_FORM, STREAMING};
    use super::*;
    use approx::{assert_abs_diff_eq, assert_relative_eq};
    use proptest::prelude::*;

    #[test]
    fn matches_numpy() {
        // python3 -c "import numpy as np; x=[2.5, 3.75, 1.0, 4.0, 3.25, 2.0, 3.5]; print(np.mean(x), np.std(x, ddof=1), np.std(x, ddof=1)/np.sqrt(len(x)), np.var(x))"
        // → 2.857142857142857 1.0787448614897204 0.407727233084374 0.9974489795918366
        let m: RunningMoments = [2.5, 3.75, 1.0, 4.0, 3.25, 2.0, 3.5].into_iter().collect();
        assert_eq!(m.n(), 7);
        assert_abs_diff_eq!(m.mean().unwrap(), 2.857142857142857, epsilon = CLOSED_FORM);
        assert_abs_diff_eq!(
            m.sample_sd().unwrap(),
            1.0787448614897204,
            epsilon = CLOSED_FORM
        );
        assert_abs_diff_eq!(
            m.standard_error().unwrap(),
            0.407727233084374,
            epsilon = CLOSED_FORM
        );
        assert_abs_diff_eq!(
            m.population_variance().unwrap(),
            0.9974489795918366,
            epsilon = CLOSED_FORM
        );
        assert_eq!((m.min(), m.max()), (Some(1.0), Some(4.0)));
    }

    #[test]
    fn empty_single_and_constant() {
        let empty = RunningMoments::new();
        assert_eq!(
            (empty.n(), empty.mean(), empty.sample_sd()),
            (0, None, None)
        );
        assert_eq!((empty.min(), empty.population_variance()), (None, None));
        let mut one = RunningMoments::new();
        one.push(4.2);
        assert_eq!(
            (one.mean(), one.sample_sd(), one.standard_error()),
            (Some(4.2), None, None)
        );
        let constant: RunningMoments = std::iter::repeat_n(0.1, 1000).collect();
        assert_abs_diff_eq!(constant.sample_sd().unwrap(), 0.0, epsilon = CLOSED_FORM);
    }

    #[test]
    fn non_finite_values_are_skipped_and_counted() {
        let mut m: RunningMoments = [1.0, f64::NAN, 3.0, f64::INFINITY].into_iter().collect();
        assert_eq!((m.n(), m.skipped(), m.mean()), (2, 2, Some(2.0)));
        let other: RunningMoments = [f64::NEG_INFINITY].into_iter().collect();
        m.merge(&other);
        assert_eq!((m.n(), m.skipped()), (2, 3));
    }

    #[test]
    fn merge_with_empty_is_identity() {
        let a: RunningMoments = [1.0, 2.0, 4.0].into_iter().collect();
        let mut left = RunningMoments::new();
        left.merge(&a);
        assert_eq!(left, a);
        let mut right = a;
        right.merge(&RunningMoments::new());
        assert_eq!(right, a);
    }

    #[test]
    fn large_offset_is_numerically_stable() {
        // python3 -c "import numpy as np; x=np.array([4, 7, 13, 16]) + 1e9; print(np.mean(x), np.std(x, ddof=1))"
        // → 1000000010.0 5.477225575051661
        let m: RunningMoments = [4.0, 7.0, 13.0, 16.0].iter().map(|x| x + 1e9).collect();
        assert_relative_eq!(m.mean().unwrap(), 1000000010.0, max_relative = CLOSED_FORM);
        assert_relative_eq!(
            m.sample_sd().unwrap(),
            5.477225575051661,
            max_relative = 1e-9
        );
    }

    proptest! {
        #[test]
        fn merge_equals_single_pass(
            xs in prop::collection::vec(-1e3_f64..1e3, 0..200),
            cuts in prop::collection::vec(0_usize..200, 0..6),
        ) {
            let single: RunningMoments = xs.iter().copied().collect();
            let mut bounds: Vec<usize> = cuts.into_iter().map(|c| c.min(xs.len())).collect();
            bounds.push(0);
            bounds.push(xs.len());
            bounds.sort_unstable();
            // merge left-to-right …
            let parts: Vec<RunningMoments> = bounds
                .windows(2)
                .map(|w| xs[w[0]..w[1]].iter().copied().collect())
                .collect();
            let mut merged = RunningMoments::new();
            for part in &parts { merged.merge(part); }
            // … and right-to-left (associativity / commutativity)
            let mut reversed = RunningMoments::new();
            for part in parts.iter().rev() { reversed.merge(part); }
            for m in [merged, reversed] {
                prop_assert_eq!(m.n(), single.n());
                prop_assert_eq!(m.min(), single.min());
                prop_assert_eq!(m.max(), single.max());
                match (m.mean(), single.mean()) {
                    (Some(a), Some(b)) => prop_assert!((a - b).abs() <= STREAMING * (1.0 + b.abs())),
                    (a, b) => prop_assert_eq!(a, b),
                }
                match (m.sample_sd(), single.sample_sd()) {
                    (Some(a), Some(b)) => prop_assert!((a - b).abs() <= STREAMING * (1.0 + b)),
                    (a, b) => prop_assert_eq!(a, b),
                }
            }
        }
    }
}
