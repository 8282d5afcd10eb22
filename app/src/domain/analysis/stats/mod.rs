//! Pure statistics for Quartier reports.
//!
//! Everything in this module is a pure function of its arguments: no IO, no
//! web or database types, no global state. Every function is total: invalid
//! input (n = 0, counts larger than n, NaN, a confidence level outside (0, 1),
//! too few observations, zero variance …) yields `None` (or, where the
//! signature returns a plain number, a value documented on the item) and
//! never a panic.
//!
//! Formulas, the situations in which each method is used and the literature
//! behind them are collected in `docs/statistics.md`; each item's doc comment
//! repeats the formula. Every formula is unit-tested against values computed
//! independently with SciPy / statsmodels / scikit-learn / pingouin; the
//! Python command that produced each reference value is written next to it.
//!
//! Overview:
//!
//! | Question | Item |
//! |---|---|
//! | a share and its 95 % interval | [`Proportion`], [`Proportion::wilson95`], [`Proportion::wilson_interval_with_design_effect`], [`Proportion::clopper_pearson_interval`] |
//! | two independent shares differ? | [`newcombe_difference_interval`], [`agresti_caffo_difference_interval`], [`two_proportion_z_test`], [`cohens_h`] |
//! | a share against a fixed reference value | [`binomial_test_two_sided`], [`binomial_test_greater`], [`binomial_test_less`] |
//! | many tests at once | [`benjamini_hochberg`] |
//! | scale reliability | [`cronbach_alpha`], [`feldt_interval`] |
//! | CTC cut points | [`median`], [`median_absolute_deviation`], [`ctc_cut_point`], [`CutPointRule`] |
//! | how well a flag / score separates an outcome | [`classification_metrics`], [`roc_auc`] |
//! | streaming mean / SD over parts | [`RunningMoments`] |
//! | programme vs. comparison change over time | [`difference_in_differences`], [`difference_in_differences_clustered`] |
//! | pupils sampled in whole classes | [`IccSums`], [`kish_design_effect`], [`ClusteredProportion`], [`newcombe_difference_interval_clustered`], [`two_proportion_z_test_clustered`], [`score_test_against_value_clustered`] |
//! | districts too small for a precise direct share | [`fay_herriot`] |

mod binomial;
mod classification;
mod design;
mod did;
mod moments;
mod multiplicity;
mod post_stratification;
mod proportion;
mod reliability;
mod robust;
mod small_area;

pub use binomial::{binomial_test_greater, binomial_test_less, binomial_test_two_sided};
pub use classification::{ClassificationMetrics, classification_metrics, roc_auc};
pub use design::{
    ClusteredProportion, IccEstimate, IccSums, kish_design_effect,
    newcombe_difference_interval_clustered, score_test_against_value_clustered,
    two_proportion_z_test_clustered,
};
pub use did::{DidEstimate, difference_in_differences, difference_in_differences_clustered};
pub use moments::RunningMoments;
pub use multiplicity::benjamini_hochberg;
pub use post_stratification::{PostStratified, Stratum, WeightedShare, post_stratified};
pub use proportion::{
    Proportion, ZTest, agresti_caffo_difference_interval, cohens_h, newcombe_difference_interval,
    two_proportion_z_test, wilson_interval_for_share,
};
pub use reliability::{AlphaEstimate, cronbach_alpha, feldt_interval};
pub use robust::{CutPointRule, ctc_cut_point, median, median_absolute_deviation};
pub use small_area::{AreaDirect, AreaPrediction, FayHerriotFit, SmallAreaError, fay_herriot};

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};
use statrs::function::beta::checked_beta_reg;

/// The conventional two-sided confidence level used in all Quartier reports.
pub const CONFIDENCE_95: f64 = 0.95;

/// A closed confidence interval `[lower, upper]`.
///
/// Intervals returned by this module always satisfy `lower <= upper`; for
/// proportions they lie within `[0, 1]`, for differences of proportions within
/// `[-1, 1]` (the difference-in-differences Wald interval is not clipped, see
/// [`difference_in_differences`]).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Lower bound.
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
}

impl Interval {
    /// `true` if `lower <= x <= upper`. Always `false` for NaN.
    #[must_use]
    pub fn contains(&self, x: f64) -> bool {
        self.lower <= x && x <= self.upper
    }

    /// `upper - lower`.
    #[must_use]
    pub fn width(&self) -> f64 {
        self.upper - self.lower
    }
}

/// Why a statistical quantity could not be computed.
///
/// Most functions of this module return `Option` (the reason for a `None` is
/// listed in each item's documentation); this error type is used where a
/// caller may want to show the reason, e.g. a user-chosen confidence level.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum StatsError {
    /// The confidence level is not a finite number strictly between 0 and 1.
    #[error("confidence level {0} must lie strictly between 0 and 1")]
    InvalidConfidence(f64),
}

/// Two-sided standard-normal critical value `z = Φ⁻¹(1 − (1 − confidence)/2)`.
///
/// `z_critical(0.95)` = 1.9599639845400545 (SciPy `norm.isf(0.025)`).
///
/// # Errors
///
/// [`StatsError::InvalidConfidence`] unless `0 < confidence < 1` (NaN and
/// infinities are rejected).
pub fn z_critical(confidence: f64) -> Result<f64, StatsError> {
    if !(confidence.is_finite() && confidence > 0.0 && confidence < 1.0) {
        return Err(StatsError::InvalidConfidence(confidence));
    }
    let alpha = 1.0 - confidence;
    // statsmodels: stats.norm.isf(alpha / 2); the argument is in (0.5, 1).
    Ok(Normal::standard().inverse_cdf(1.0 - alpha / 2.0))
}

/// Two-sided p-value of a standard-normal statistic: `2·(1 − Φ(|z|))`.
///
/// Computed via the survival function, so tiny p-values keep their precision.
/// Returns NaN for a NaN `z`; `z = ±∞` gives 0.
#[must_use]
pub fn two_sided_normal_p_value(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    (2.0 * Normal::standard().sf(z.abs())).min(1.0)
}

/// Quantile of the Beta(a, b) distribution: the smallest `x` in `[0, 1]` with
/// `I_x(a, b) >= prob` (to the last bit of `x`).
///
/// statrs 0.18's `inv_beta_reg` (behind `Beta::inverse_cdf` and
/// `FisherSnedecor::inverse_cdf`) does not terminate for some arguments (e.g.
/// `a = 1`, `b >= 1e7`; statrs issue #435), so quantiles are found here by
/// bisection over the bit patterns of non-negative doubles, whose integer
/// order equals their numeric order: at most 62 evaluations of statrs'
/// regularised incomplete beta function, which itself is bounded. `None` for
/// non-positive or non-finite shapes or `prob` outside `[0, 1]`.
pub(crate) fn beta_quantile(a: f64, b: f64, prob: f64) -> Option<f64> {
    if !(a.is_finite() && b.is_finite() && a > 0.0 && b > 0.0 && (0.0..=1.0).contains(&prob)) {
        return None;
    }
    if prob == 0.0 {
        return Some(0.0);
    }
    if prob == 1.0 {
        return Some(1.0);
    }
    let mut lo = 0.0_f64.to_bits(); // I_lo < prob (I_0 = 0 < prob)
    let mut hi = 1.0_f64.to_bits(); // I_hi >= prob (I_1 = 1)
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        let cdf = checked_beta_reg(a, b, f64::from_bits(mid)).ok()?;
        if cdf < prob {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(f64::from_bits(hi))
}

/// Quantile of the F(d1, d2) distribution via [`beta_quantile`]:
/// `F = (d2/d1)·z/(1 − z)` with `z = B⁻¹(prob; d1/2, d2/2)`.
pub(crate) fn f_quantile(d1: f64, d2: f64, prob: f64) -> Option<f64> {
    let z = beta_quantile(d1 / 2.0, d2 / 2.0, prob)?;
    let f = d2 / d1 * z / (1.0 - z);
    f.is_finite().then_some(f)
}

/// Tolerances for comparing with the SciPy / statsmodels reference values.
#[cfg(test)]
pub(crate) mod tolerance {
    /// Closed-form results (Wilson, Newcombe, z-test, DiD, BH, alpha, AUC):
    /// both sides evaluate the same formula, only the last bits differ.
    pub const CLOSED_FORM: f64 = 1e-12;
    /// Results that go through special functions (normal / F / beta
    /// quantiles, binomial tails) whose implementations differ between
    /// statrs and SciPy's Cephes/Boost.
    pub const SPECIAL_FUNCTION: f64 = 1e-9;
    /// Relative tolerance for p-values that can be very small.
    pub const RELATIVE_P: f64 = 1e-8;
    /// Merging streaming moments vs. a single pass (property test).
    pub const STREAMING: f64 = 1e-9;
    /// Reference values printed by pingouin, which rounds its CI to 3 digits.
    pub const PINGOUIN_ROUNDED: f64 = 5e-4;
}

#[cfg(test)]
mod tests {
    use super::tolerance::{CLOSED_FORM, SPECIAL_FUNCTION};
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn z_critical_matches_scipy() {
        // python3 -c "from scipy.stats import norm; print(norm.isf(0.025), norm.isf(0.05), norm.isf(0.005))"
        // → 1.9599639845400545 1.6448536269514729 2.575829303548901
        assert_abs_diff_eq!(
            z_critical(CONFIDENCE_95).unwrap(),
            1.9599639845400545,
            epsilon = SPECIAL_FUNCTION
        );
        assert_abs_diff_eq!(
            z_critical(0.90).unwrap(),
            1.6448536269514729,
            epsilon = SPECIAL_FUNCTION
        );
        assert_abs_diff_eq!(
            z_critical(0.99).unwrap(),
            2.575829303548901,
            epsilon = SPECIAL_FUNCTION
        );
    }

    #[test]
    fn z_critical_rejects_invalid_levels() {
        for c in [0.0, 1.0, -0.5, 1.5, f64::NAN, f64::INFINITY] {
            assert!(z_critical(c).is_err(), "{c}");
        }
    }

    #[test]
    fn two_sided_p_value_matches_scipy() {
        // python3 -c "from scipy.stats import norm; print(2*norm.sf(1.96), 2*norm.sf(6.0))"
        // → 0.04999579029644087 1.973175290075389e-09
        assert_abs_diff_eq!(
            two_sided_normal_p_value(-1.96),
            0.04999579029644087,
            epsilon = SPECIAL_FUNCTION
        );
        approx::assert_relative_eq!(
            two_sided_normal_p_value(6.0),
            1.973175290075389e-09,
            max_relative = super::tolerance::RELATIVE_P
        );
        assert_eq!(two_sided_normal_p_value(0.0), 1.0);
        assert_eq!(two_sided_normal_p_value(f64::INFINITY), 0.0);
        assert!(two_sided_normal_p_value(f64::NAN).is_nan());
    }

    #[test]
    fn beta_and_f_quantiles_match_scipy() {
        // python3 -c "from scipy.stats import beta, f; print(beta.ppf(0.025, 7, 14), beta.ppf(0.5, 0.5, 0.5), f.ppf(0.975, 9, 27), f.ppf(0.025, 9, 27))"
        // → 0.15390920478454118 0.4999999999999999 2.6308555879228073 0.2789826512480547
        let eps = SPECIAL_FUNCTION;
        assert_abs_diff_eq!(
            beta_quantile(7.0, 14.0, 0.025).unwrap(),
            0.15390920478454118,
            epsilon = eps
        );
        assert_abs_diff_eq!(beta_quantile(0.5, 0.5, 0.5).unwrap(), 0.5, epsilon = eps);
        assert_abs_diff_eq!(
            f_quantile(9.0, 27.0, 0.975).unwrap(),
            2.6308555879228073,
            epsilon = eps
        );
        assert_abs_diff_eq!(
            f_quantile(9.0, 27.0, 0.025).unwrap(),
            0.2789826512480547,
            epsilon = eps
        );
        assert_eq!(beta_quantile(2.0, 3.0, 0.0), Some(0.0));
        assert_eq!(beta_quantile(2.0, 3.0, 1.0), Some(1.0));
        for (a, b, p) in [
            (0.0, 1.0, 0.5),
            (1.0, -1.0, 0.5),
            (1.0, 1.0, 1.5),
            (f64::NAN, 1.0, 0.5),
        ] {
            assert_eq!(beta_quantile(a, b, p), None);
        }
        // statrs' inv_beta_reg does not return for this one; ours must.
        assert!(beta_quantile(2.0, 1e9, 0.975).unwrap() < 1e-8);
    }

    #[test]
    fn interval_helpers() {
        let i = Interval {
            lower: 0.1,
            upper: 0.3,
        };
        assert!(i.contains(0.1) && i.contains(0.3) && !i.contains(0.31));
        assert!(!i.contains(f64::NAN));
        assert_abs_diff_eq!(i.width(), 0.2, epsilon = CLOSED_FORM);
    }

    #[test]
    fn types_round_trip_through_serde() {
        let i = Interval {
            lower: 0.25,
            upper: 0.5,
        };
        let json = serde_json::to_string(&i).unwrap();
        assert_eq!(serde_json::from_str::<Interval>(&json).unwrap(), i);
    }
}
