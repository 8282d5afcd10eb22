//! Design effects of a class-clustered sample.
//!
//! Pupils are surveyed in whole classes, so the answers of one class are
//! correlated: classmates share teachers, a neighbourhood and each other.
//! An estimate from `n` pupils in `C` classes then carries less information
//! than `n` independent pupils would. The **design effect** `deff` is the
//! factor by which the variance exceeds that of simple random sampling; the
//! **effective sample size** is `n / deff`.
//!
//! Quartier estimates the design effect with Kish's (1965, *Survey
//! Sampling*, §5.4) formula for unequal cluster sizes,
//!
//! ```text
//! deff = 1 + (m̃ − 1)·ρ̂,    m̃ = Σ_c n_c² / Σ_c n_c
//! ```
//!
//! where `n_c` are the group's pupils in class `c` (`m̃` is the size-weighted
//! mean class size) and `ρ̂` the intra-class correlation of the factor, one
//! per factor and wave, estimated from all classes of the wave by the
//! one-way ANOVA estimator with classes nested in strata (district × grade;
//! Donner 1986, *Int Stat Rev* 54:67–82). The ICC is pooled over the city
//! because a district × grade with two classes has one degree of freedom
//! for its own between-class variance: its direct (linearisation) variance
//! would scatter between 0 and several times the truth, and the board's
//! "factor of concern" would follow that noise. Within strata, so that
//! differences between districts and grades (what the profile shows) do
//! not count as clustering. Formulas: docs/statistics.md §1.2.

use super::{Interval, Proportion, ZTest, two_sided_normal_p_value};
use serde::{Deserialize, Serialize};

/// Kish's design effect `1 + (m̃ − 1)·ρ` of a group of `n` pupils whose
/// class sizes have squares summing to `sum_squared_cluster_sizes`
/// (`Σ n_c²`; a pupil without a known class is a class of one).
///
/// `icc` is clamped to `[0, 1]` (a negative ANOVA estimate means "no
/// detectable clustering", not a sample better than random), so the result
/// is always `>= 1`. Returns 1 for `n = 0` or a non-finite `icc`, and for
/// inconsistent sums (`Σ n_c² < n` cannot happen for real classes).
#[must_use]
pub fn kish_design_effect(n: u64, sum_squared_cluster_sizes: u64, icc: f64) -> f64 {
    if n == 0 || !icc.is_finite() || sum_squared_cluster_sizes < n {
        return 1.0;
    }
    let weighted_mean_size = sum_squared_cluster_sizes as f64 / n as f64;
    1.0 + (weighted_mean_size - 1.0) * icc.clamp(0.0, 1.0)
}

/// The sums of the one-way ANOVA of a 0/1 variable (flagged / not) with
/// classes nested in strata, from which [`IccSums::estimate`] computes the
/// intra-class correlation.
///
/// Additive over disjoint strata ([`IccSums::merge`]), so parts of a wave
/// split by stratum can be summed. Classes of one pupil add nothing to the
/// between-class variation and are welcome; pupils without a known class
/// must not be added (they would each pose as a class of one).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IccSums {
    /// Pupils `N`.
    pub pupils: u64,
    /// Flagged pupils `Y`.
    pub flagged: u64,
    /// Classes with at least one pupil, `C`.
    pub clusters: u64,
    /// Strata with at least one pupil, `S`.
    pub strata: u64,
    /// `Σ_c y_c² / n_c` over all classes.
    pub class_sum_y_squared_over_n: f64,
    /// `Σ_s Y_s² / N_s` over all strata.
    pub stratum_sum_y_squared_over_n: f64,
    /// `Σ_s (Σ_{c∈s} n_c²) / N_s`, for the ANOVA's mean class size `n₀`.
    pub stratum_sum_n_squared_over_n: f64,
}

/// The intra-class correlation of a factor and what it was estimated from.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct IccEstimate {
    /// The ANOVA estimate as computed; may be negative.
    pub raw: f64,
    /// `raw` clamped to `[0, 1]`: what the design effects use.
    pub icc: f64,
    /// Classes it was estimated from.
    pub clusters: u64,
    /// Pupils it was estimated from.
    pub pupils: u64,
}

impl IccSums {
    /// Adds one stratum: the pupils and flagged pupils of each of its
    /// classes. Classes with `n = 0` or `count > n` are skipped.
    pub fn add_stratum(&mut self, classes: &[Proportion]) {
        let (mut n_s, mut y_s, mut n_sq) = (0_u64, 0_u64, 0.0_f64);
        for class in classes.iter().filter(|c| c.is_valid()) {
            let (n, y) = (class.n as f64, class.count as f64);
            n_s += class.n;
            y_s += class.count;
            n_sq += n * n;
            self.clusters += 1;
            self.class_sum_y_squared_over_n += y * y / n;
        }
        if n_s == 0 {
            return;
        }
        self.strata += 1;
        self.pupils += n_s;
        self.flagged += y_s;
        let n_s = n_s as f64;
        self.stratum_sum_y_squared_over_n += (y_s as f64).powi(2) / n_s;
        self.stratum_sum_n_squared_over_n += n_sq / n_s;
    }

    /// Adds the sums of `other`, computed over strata disjoint from these.
    pub fn merge(&mut self, other: &IccSums) {
        self.pupils += other.pupils;
        self.flagged += other.flagged;
        self.clusters += other.clusters;
        self.strata += other.strata;
        self.class_sum_y_squared_over_n += other.class_sum_y_squared_over_n;
        self.stratum_sum_y_squared_over_n += other.stratum_sum_y_squared_over_n;
        self.stratum_sum_n_squared_over_n += other.stratum_sum_n_squared_over_n;
    }

    /// The ANOVA estimator of the intra-class correlation:
    ///
    /// ```text
    /// SSB = Σ_c y_c²/n_c − Σ_s Y_s²/N_s           (classes within strata)
    /// SSW = Y − Σ_c y_c²/n_c                       (pupils within classes)
    /// MSB = SSB/(C − S),   MSW = SSW/(N − C)
    /// n₀  = (N − Σ_s Σ_{c∈s} n_c²/N_s)/(C − S)
    /// ρ̂   = (MSB − MSW) / (MSB + (n₀ − 1)·MSW)
    /// ```
    ///
    /// `None` without at least one stratum with two classes (`C − S < 1`),
    /// without a class of two pupils (`N − C < 1`), or when nobody or
    /// everybody is flagged (no variance to attribute).
    #[must_use]
    pub fn estimate(&self) -> Option<IccEstimate> {
        let between_df = self.clusters.checked_sub(self.strata)?;
        let within_df = self.pupils.checked_sub(self.clusters)?;
        if between_df == 0 || within_df == 0 {
            return None;
        }
        let ssb = (self.class_sum_y_squared_over_n - self.stratum_sum_y_squared_over_n).max(0.0);
        let ssw = (self.flagged as f64 - self.class_sum_y_squared_over_n).max(0.0);
        let msb = ssb / between_df as f64;
        let msw = ssw / within_df as f64;
        let n0 = (self.pupils as f64 - self.stratum_sum_n_squared_over_n) / between_df as f64;
        let denominator = msb + (n0 - 1.0) * msw;
        if !(denominator.is_finite() && denominator > 0.0) {
            return None;
        }
        let raw = (msb - msw) / denominator;
        raw.is_finite().then(|| IccEstimate {
            raw,
            icc: raw.clamp(0.0, 1.0),
            clusters: self.clusters,
            pupils: self.pupils,
        })
    }
}

/// A share with the design effect of its sample.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusteredProportion {
    /// The counts.
    pub proportion: Proportion,
    /// Its design effect (`>= 1`; 1 = simple random sampling).
    pub design_effect: f64,
}

impl ClusteredProportion {
    /// A share from a simple random sample (`deff = 1`).
    #[must_use]
    pub fn simple(proportion: Proportion) -> Self {
        Self {
            proportion,
            design_effect: 1.0,
        }
    }

    /// Kish's effective sample size `n / deff`; `None` for an invalid
    /// design effect (not finite or `<= 0`).
    #[must_use]
    pub fn effective_n(&self) -> Option<f64> {
        (self.design_effect.is_finite() && self.design_effect > 0.0)
            .then(|| self.proportion.n as f64 / self.design_effect)
    }

    /// The Wilson interval on the effective sample size
    /// ([`Proportion::wilson_interval_with_design_effect`]).
    #[must_use]
    pub fn wilson_interval(&self, confidence: f64) -> Option<Interval> {
        self.proportion
            .wilson_interval_with_design_effect(self.design_effect, confidence)
    }

    /// The variance of `p̂` under the design: `deff·p̂(1 − p̂)/n`.
    fn variance_at(&self, p: f64) -> Option<f64> {
        Some(p * (1.0 - p) / self.effective_n()?)
    }
}

/// Newcombe's (1998) hybrid score interval for `p_a − p_b` built from the
/// two design-adjusted Wilson intervals (each on its effective sample
/// size). With both design effects 1 it is
/// [`super::newcombe_difference_interval`].
#[must_use]
pub fn newcombe_difference_interval_clustered(
    a: ClusteredProportion,
    b: ClusteredProportion,
    confidence: f64,
) -> Option<Interval> {
    let (pa, pb) = (a.proportion.estimate()?, b.proportion.estimate()?);
    let (wa, wb) = (
        a.wilson_interval(confidence)?,
        b.wilson_interval(confidence)?,
    );
    let d = pa - pb;
    let lower = d - ((pa - wa.lower).powi(2) + (wb.upper - pb).powi(2)).sqrt();
    let upper = d + ((wa.upper - pa).powi(2) + (pb - wb.lower).powi(2)).sqrt();
    Some(Interval {
        lower: lower.clamp(-1.0, 1.0),
        upper: upper.clamp(-1.0, 1.0),
    })
}

/// The pooled two-proportion z-test with each side's variance inflated by
/// its design effect:
///
/// ```text
/// p̄ = (count_a + count_b)/(n_a + n_b)
/// z = (p̂_a − p̂_b) / √(p̄(1 − p̄)·(deff_a/n_a + deff_b/n_b))
/// ```
///
/// With both design effects 1 it is [`super::two_proportion_z_test`]
/// (statsmodels `proportions_ztest`). z = 0, p = 1 when both shares are 0 %
/// or both 100 %. `None` for invalid proportions or design effects.
#[must_use]
pub fn two_proportion_z_test_clustered(
    a: ClusteredProportion,
    b: ClusteredProportion,
) -> Option<ZTest> {
    let (pa, pb) = (a.proportion.estimate()?, b.proportion.estimate()?);
    let (na, nb) = (a.effective_n()?, b.effective_n()?);
    let pooled = (a.proportion.count as f64 + b.proportion.count as f64)
        / (a.proportion.n as f64 + b.proportion.n as f64);
    let se = (pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb)).sqrt();
    if !(se.is_finite() && se > 0.0) {
        return Some(ZTest {
            z: 0.0,
            p_value: 1.0,
        });
    }
    let z = (pa - pb) / se;
    Some(ZTest {
        z,
        p_value: two_sided_normal_p_value(z),
    })
}

/// Score test of a share against a known value `p0` with the variance
/// inflated by the design effect: `z = (p̂ − p0)/√(deff·p0(1 − p0)/n)`,
/// two-sided. Used instead of the exact binomial test when the sample is
/// clustered (`deff > 1`), where the binomial distribution does not hold.
/// `None` for an invalid share or design effect or `p0` outside (0, 1).
#[must_use]
pub fn score_test_against_value_clustered(share: ClusteredProportion, p0: f64) -> Option<ZTest> {
    let p = share.proportion.estimate()?;
    if !(p0 > 0.0 && p0 < 1.0) {
        return None;
    }
    let se = share.variance_at(p0)?.sqrt();
    let z = (p - p0) / se;
    z.is_finite().then(|| ZTest {
        z,
        p_value: two_sided_normal_p_value(z),
    })
}

#[cfg(test)]
mod tests;
