//! Proportions: point estimates, single-sample intervals (Wilson, exact
//! Clopper–Pearson), intervals for the difference of two independent
//! proportions (Newcombe hybrid score, Agresti–Caffo), the pooled two-sample
//! z-test and Cohen's h.

use super::{Interval, beta_quantile, z_critical};
use serde::{Deserialize, Serialize};

/// Largest `n` for which every count is exactly representable as an `f64`.
const MAX_EXACT_N: u64 = 1 << 53;

/// `count` "successes" (e.g. pupils flagged at risk) out of `n` valid answers.
///
/// The fields are public so the type can be built from storage rows; every
/// method re-validates and returns `None` for `n = 0` or `count > n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Proportion {
    /// Number of observations with the characteristic.
    pub count: u64,
    /// Number of valid observations (the denominator).
    pub n: u64,
}

/// Result of a two-sided z-test.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ZTest {
    /// The z statistic (sign follows the order of the arguments).
    pub z: f64,
    /// Two-sided p-value `2·(1 − Φ(|z|))`.
    pub p_value: f64,
}

impl Proportion {
    /// Builds a proportion, or `None` if `count > n`. (`n = 0` is accepted so
    /// that empty groups can be represented; its estimate is `None`.)
    #[must_use]
    pub fn new(count: u64, n: u64) -> Option<Self> {
        (count <= n).then_some(Self { count, n })
    }

    /// `true` if `n > 0` and `count <= n`, i.e. an estimate exists.
    #[must_use]
    pub fn is_valid(&self) -> bool {
        self.n > 0 && self.count <= self.n
    }

    /// The sample proportion `count / n`; `None` if `n = 0` or `count > n`.
    #[must_use]
    pub fn estimate(&self) -> Option<f64> {
        self.is_valid().then(|| self.count as f64 / self.n as f64)
    }

    /// Wald standard error `√(p̂(1 − p̂)/n)`; `None` if invalid. Zero at 0 % and
    /// 100 % — use an interval from this module rather than `p̂ ± z·SE`.
    #[must_use]
    pub fn standard_error(&self) -> Option<f64> {
        let p = self.estimate()?;
        Some((p * (1.0 - p) / self.n as f64).sqrt())
    }

    /// Wilson (1927) score interval without continuity correction.
    ///
    /// With `p̂ = count/n` and `z = Φ⁻¹(1 − (1 − confidence)/2)`:
    ///
    /// ```text
    /// centre    = (p̂ + z²/(2n)) / (1 + z²/n)
    /// halfwidth = z/(1 + z²/n) · √(p̂(1 − p̂)/n + z²/(4n²))
    /// ```
    ///
    /// Identical to statsmodels `proportion_confint(count, n, alpha, method='wilson')`.
    /// The bounds are clipped to `[0, 1]`; for `count = 0` the lower bound is
    /// exactly 0 and for `count = n` the upper bound is exactly 1 (the formula
    /// gives these values, up to rounding). `None` if `n = 0`, `count > n`
    /// or the confidence level is not in (0, 1).
    #[must_use]
    pub fn wilson_interval(&self, confidence: f64) -> Option<Interval> {
        let p = self.estimate()?;
        let z = z_critical(confidence).ok()?;
        Some(wilson_bounds(
            p,
            self.n as f64,
            z,
            self.count == 0,
            self.count == self.n,
        ))
    }

    /// Wilson interval with the sample size replaced by the Kish effective
    /// sample size `n_eff = n / design_effect`, keeping `p̂ = count/n`.
    ///
    /// Pupils are sampled in whole classes, so answers within a class are
    /// correlated and the simple-random-sampling interval is too narrow by
    /// about `√deff`, with `deff = 1 + (m̄ − 1)·ICC` (m̄ = mean class size).
    /// Equals statsmodels `proportion_confint(p̂·n_eff, n_eff,
    /// method='wilson')`. `design_effect = 1` gives
    /// [`Proportion::wilson_interval`]. Estimating the design effect (class
    /// IDs, ICC) is the caller's job. `None` if the proportion or level is
    /// invalid or `design_effect` is not finite and > 0.
    #[must_use]
    pub fn wilson_interval_with_design_effect(
        &self,
        design_effect: f64,
        confidence: f64,
    ) -> Option<Interval> {
        if !(design_effect.is_finite() && design_effect > 0.0) {
            return None;
        }
        let p = self.estimate()?;
        let z = z_critical(confidence).ok()?;
        let n_eff = self.n as f64 / design_effect;
        Some(wilson_bounds(
            p,
            n_eff,
            z,
            self.count == 0,
            self.count == self.n,
        ))
    }

    /// [`Proportion::wilson_interval`] at the 95 % level.
    #[must_use]
    pub fn wilson95(&self) -> Option<Interval> {
        self.wilson_interval(super::CONFIDENCE_95)
    }

    /// Exact (Clopper–Pearson 1934) interval from beta quantiles, as in
    /// `scipy.stats.binomtest(k, n).proportion_ci(confidence, method='exact')`:
    ///
    /// ```text
    /// lower = B⁻¹(γ/2;  k, n − k + 1)   (0 if k = 0)
    /// upper = B⁻¹(1 − γ/2; k + 1, n − k) (1 if k = n),   γ = 1 − confidence
    /// ```
    ///
    /// Conservative (coverage ≥ nominal); used as a cross-check for very
    /// small groups. `None` if `n = 0`, `count > n`, `n > 2⁵³` (counts no
    /// longer exact as `f64`) or the confidence level is not in (0, 1).
    #[must_use]
    pub fn clopper_pearson_interval(&self, confidence: f64) -> Option<Interval> {
        self.estimate()?;
        if self.n > MAX_EXACT_N {
            return None;
        }
        z_critical(confidence).ok()?; // validates the level
        let gamma = 1.0 - confidence;
        let (k, n) = (self.count as f64, self.n as f64);
        let lower = if self.count == 0 {
            0.0
        } else {
            beta_quantile(k, n - k + 1.0, gamma / 2.0)?
        };
        let upper = if self.count == self.n {
            1.0
        } else {
            beta_quantile(k + 1.0, n - k, 1.0 - gamma / 2.0)?
        };
        if !(lower.is_finite() && upper.is_finite() && lower <= upper) {
            return None;
        }
        Some(Interval {
            lower: lower.clamp(0.0, 1.0),
            upper: upper.clamp(0.0, 1.0),
        })
    }
}

/// Wilson bounds for estimate `p` and (possibly effective, non-integer)
/// sample size `n > 0`; exact 0 / 1 at the boundaries.
/// The Wilson interval of a share that is not a count ratio (a weighted
/// share) on its effective sample size `n_eff`: the formula of
/// [`Proportion::wilson_interval`] with `p` and `n_eff` real. `None` if `p`
/// lies outside [0, 1], `n_eff` is not finite and > 0 or the level is
/// invalid. At `p = 0` (or 1) the lower (upper) bound is exactly 0 (1).
#[must_use]
pub fn wilson_interval_for_share(p: f64, n_eff: f64, confidence: f64) -> Option<Interval> {
    if !((0.0..=1.0).contains(&p) && n_eff.is_finite() && n_eff > 0.0) {
        return None;
    }
    let z = z_critical(confidence).ok()?;
    Some(wilson_bounds(p, n_eff, z, p == 0.0, p == 1.0))
}

pub(super) fn wilson_bounds(p: f64, n: f64, z: f64, none: bool, all: bool) -> Interval {
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    let lower = if none {
        0.0
    } else {
        (centre - half).clamp(0.0, 1.0)
    };
    let upper = if all {
        1.0
    } else {
        (centre + half).clamp(0.0, 1.0)
    };
    Interval { lower, upper }
}

/// Interval for the difference `p_a − p_b` of two independent proportions by
/// Newcombe's (1998, Stat Med 17:873–890) **method 10**: the hybrid score
/// interval built from the two Wilson intervals, without continuity
/// correction.
///
/// With Wilson bounds `(l_a, u_a)`, `(l_b, u_b)` at the same confidence level
/// and `d = p̂_a − p̂_b`:
///
/// ```text
/// lower = d − √((p̂_a − l_a)² + (u_b − p̂_b)²)
/// upper = d + √((u_a − p̂_a)² + (p̂_b − l_b)²)
/// ```
///
/// Same as statsmodels `confint_proportions_2indep(…, method='newcomb',
/// compare='diff')`. The result always lies in `[-1, 1]`. `None` if either
/// proportion is invalid (n = 0, count > n) or the level is not in (0, 1).
#[must_use]
pub fn newcombe_difference_interval(
    a: Proportion,
    b: Proportion,
    confidence: f64,
) -> Option<Interval> {
    super::newcombe_difference_interval_clustered(
        super::ClusteredProportion::simple(a),
        super::ClusteredProportion::simple(b),
        confidence,
    )
}

/// Agresti & Caffo (2000, Am Stat 54:280–288) interval for `p_a − p_b`: add
/// one success and one failure to each group, then use the Wald interval.
///
/// ```text
/// p̃ᵢ = (countᵢ + 1)/(nᵢ + 2)
/// d̃ = p̃_a − p̃_b,   SE = √(p̃_a(1 − p̃_a)/(n_a + 2) + p̃_b(1 − p̃_b)/(n_b + 2))
/// interval = d̃ ± z·SE, clipped to [-1, 1]
/// ```
///
/// Same as statsmodels `confint_proportions_2indep(…, method='agresti-caffo')`
/// except for the clipping (statsmodels does not clip). Offered as a simple
/// alternative to [`newcombe_difference_interval`], which is the default in
/// reports. `None` for invalid proportions or confidence levels.
#[must_use]
pub fn agresti_caffo_difference_interval(
    a: Proportion,
    b: Proportion,
    confidence: f64,
) -> Option<Interval> {
    a.estimate()?;
    b.estimate()?;
    let z = z_critical(confidence).ok()?;
    let tilde = |p: Proportion| {
        let n = p.n as f64 + 2.0;
        let pt = (p.count as f64 + 1.0) / n;
        (pt, pt * (1.0 - pt) / n)
    };
    let ((pa, va), (pb, vb)) = (tilde(a), tilde(b));
    let d = pa - pb;
    let half = z * (va + vb).sqrt();
    Some(Interval {
        lower: (d - half).clamp(-1.0, 1.0),
        upper: (d + half).clamp(-1.0, 1.0),
    })
}

/// Two-sided z-test of `H₀: p_a = p_b` with the pooled standard error
/// (statsmodels `proportions_ztest([count_a, count_b], [n_a, n_b])`):
///
/// ```text
/// p̄ = (count_a + count_b)/(n_a + n_b)
/// z = (p̂_a − p̂_b) / √(p̄(1 − p̄)(1/n_a + 1/n_b)),   p = 2·(1 − Φ(|z|))
/// ```
///
/// **Degenerate case:** if the pooled proportion is 0 or 1 the standard error
/// is 0; then both samples are all-0 or all-1, the observed difference is
/// exactly 0 and this function returns `z = 0`, `p = 1` (statsmodels returns
/// NaN there). `None` if either proportion is invalid (n = 0, count > n).
#[must_use]
pub fn two_proportion_z_test(a: Proportion, b: Proportion) -> Option<ZTest> {
    super::two_proportion_z_test_clustered(
        super::ClusteredProportion::simple(a),
        super::ClusteredProportion::simple(b),
    )
}

/// Cohen's (1988) effect size h for two proportions:
/// `h = 2·asin(√p₁) − 2·asin(√p₂)`.
///
/// Rules of thumb (Cohen 1988): |h| ≈ 0.2 small, 0.5 medium, 0.8 large.
/// Same as statsmodels `proportion_effectsize(p1, p2)`. Returns **NaN** if
/// either argument is NaN or outside `[0, 1]`.
#[must_use]
pub fn cohens_h(p1: f64, p2: f64) -> f64 {
    if !((0.0..=1.0).contains(&p1) && (0.0..=1.0).contains(&p2)) {
        return f64::NAN;
    }
    2.0 * p1.sqrt().asin() - 2.0 * p2.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::super::CONFIDENCE_95;
    use super::super::tolerance::{CLOSED_FORM, RELATIVE_P, SPECIAL_FUNCTION};
    use super::*;
    use approx::{assert_abs_diff_eq, assert_relative_eq};
    use proptest::prelude::*;

    fn p(count: u64, n: u64) -> Proportion {
        Proportion { count, n }
    }

    #[track_caller]
    fn assert_interval(got: Option<Interval>, lower: f64, upper: f64, eps: f64) {
        let got = got.expect("interval");
        assert_abs_diff_eq!(got.lower, lower, epsilon = eps);
        assert_abs_diff_eq!(got.upper, upper, epsilon = eps);
    }

    #[test]
    fn estimate_and_validity() {
        assert_eq!(p(7, 20).estimate(), Some(0.35));
        assert_eq!(p(0, 0).estimate(), None);
        assert_eq!(p(3, 2).estimate(), None);
        assert_eq!(Proportion::new(3, 2), None);
        assert_eq!(Proportion::new(0, 0), Some(p(0, 0)));
        assert!(!p(0, 0).is_valid() && p(0, 1).is_valid());
        assert_eq!(p(0, 0).standard_error(), None);
        assert_abs_diff_eq!(
            p(7, 20).standard_error().unwrap(),
            (0.35_f64 * 0.65 / 20.0).sqrt(),
            epsilon = CLOSED_FORM
        );
    }

    #[test]
    fn wilson_matches_statsmodels() {
        // python3 -c "from statsmodels.stats.proportion import proportion_confint as c; print(c(7, 20, method='wilson'), c(45, 312, method='wilson'), c(1, 2, method='wilson'))"
        // → (0.18119182410108203, 0.5671457233147638) (0.1095715194900331, 0.187544189040077) (0.09453120573423068, 0.9054687942657693)
        let eps = SPECIAL_FUNCTION; // via the normal quantile
        assert_interval(
            p(7, 20).wilson95(),
            0.18119182410108203,
            0.5671457233147638,
            eps,
        );
        assert_interval(
            p(45, 312).wilson95(),
            0.1095715194900331,
            0.187544189040077,
            eps,
        );
        assert_interval(
            p(1, 2).wilson95(),
            0.09453120573423068,
            0.9054687942657693,
            eps,
        );
    }

    #[test]
    fn wilson_other_levels_match_statsmodels() {
        // python3 -c "from statsmodels.stats.proportion import proportion_confint as c; print(c(7, 20, alpha=0.10, method='wilson'), c(7, 20, alpha=0.01, method='wilson'))"
        // → (0.202260040056761, 0.5334873111515284) (0.14639344137693883, 0.6283381789526872)
        let eps = SPECIAL_FUNCTION;
        assert_interval(
            p(7, 20).wilson_interval(0.90),
            0.202260040056761,
            0.5334873111515284,
            eps,
        );
        assert_interval(
            p(7, 20).wilson_interval(0.99),
            0.14639344137693883,
            0.6283381789526872,
            eps,
        );
    }

    #[test]
    fn wilson_edge_cases_zero_full_and_single_observation() {
        // python3 -c "from statsmodels.stats.proportion import proportion_confint as c; print(c(0, 20, method='wilson'), c(20, 20, method='wilson'), c(0, 1, method='wilson'), c(1, 1, method='wilson'))"
        // → (0.0, 0.1611251580528194) (0.8388748419471804, 0.9999999999999999) (0.0, 0.7934506856227627) (0.2065493143772374, 1.0)
        let eps = SPECIAL_FUNCTION;
        let zero = p(0, 20).wilson95().unwrap();
        assert_eq!(zero.lower, 0.0); // exactly 0, not -1e-17
        assert_abs_diff_eq!(zero.upper, 0.1611251580528194, epsilon = eps);
        let full = p(20, 20).wilson95().unwrap();
        assert_abs_diff_eq!(full.lower, 0.8388748419471804, epsilon = eps);
        assert_eq!(full.upper, 1.0); // exactly 1 (statsmodels: 0.9999999999999999)
        let zero_of_one = p(0, 1).wilson95().unwrap();
        assert_eq!(zero_of_one.lower, 0.0);
        assert_abs_diff_eq!(zero_of_one.upper, 0.7934506856227627, epsilon = eps);
        let one_of_one = p(1, 1).wilson95().unwrap();
        assert_abs_diff_eq!(one_of_one.lower, 0.2065493143772374, epsilon = eps);
        assert_eq!(one_of_one.upper, 1.0);
    }

    #[test]
    fn wilson_with_design_effect_matches_statsmodels() {
        // python3 -c "from statsmodels.stats.proportion import proportion_confint as c; print(c(0.35*20/1.8, 20/1.8, method='wilson'), c(0.0, 300/2.5, method='wilson'), c(45/312*312/1.0, 312/1.0, method='wilson'))"
        // → (0.14372632607810742, 0.6333465551365739) (0.0, 0.0310191664187035) (0.1095715194900331, 0.187544189040077)
        let eps = SPECIAL_FUNCTION;
        let ci = p(7, 20).wilson_interval_with_design_effect(1.8, CONFIDENCE_95);
        assert_interval(ci, 0.14372632607810742, 0.6333465551365739, eps);
        let ci = p(0, 300).wilson_interval_with_design_effect(2.5, CONFIDENCE_95);
        assert_interval(ci, 0.0, 0.0310191664187035, eps);
        let ci = p(45, 312).wilson_interval_with_design_effect(1.0, CONFIDENCE_95);
        assert_eq!(ci, p(45, 312).wilson95());
        assert_interval(ci, 0.1095715194900331, 0.187544189040077, eps);
        for deff in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(
                p(7, 20).wilson_interval_with_design_effect(deff, CONFIDENCE_95),
                None
            );
        }
    }

    #[test]
    fn wilson_rejects_invalid_input() {
        assert_eq!(p(0, 0).wilson95(), None);
        assert_eq!(p(3, 2).wilson95(), None);
        for c in [0.0, 1.0, -0.1, f64::NAN, f64::INFINITY] {
            assert_eq!(p(7, 20).wilson_interval(c), None);
        }
    }

    #[test]
    fn clopper_pearson_matches_scipy() {
        // python3 -c "from scipy.stats import binomtest as b; print([tuple(b(k, n).proportion_ci(0.95, method='exact')) for k, n in [(7, 20), (3, 15), (0, 20), (20, 20), (0, 1), (1, 1)]])"
        // → [(0.1539092047845412, 0.5921885345328283), (0.04331200510583602, 0.48089113380685317), (0.0, 0.16843347098308548), (0.8315665290169145, 1.0), (0.0, 0.975), (0.025000000000000022, 1.0)]
        let eps = SPECIAL_FUNCTION;
        let cp = |k, n| p(k, n).clopper_pearson_interval(CONFIDENCE_95);
        assert_interval(cp(7, 20), 0.1539092047845412, 0.5921885345328283, eps);
        assert_interval(cp(3, 15), 0.04331200510583602, 0.48089113380685317, eps);
        assert_interval(cp(0, 20), 0.0, 0.16843347098308548, eps);
        assert_interval(cp(20, 20), 0.8315665290169145, 1.0, eps);
        assert_interval(cp(0, 1), 0.0, 0.975, eps);
        assert_interval(cp(1, 1), 0.025000000000000022, 1.0, eps);
        assert_eq!(cp(0, 20).unwrap().lower, 0.0);
        assert_eq!(cp(20, 20).unwrap().upper, 1.0);
        assert_eq!(cp(0, 0), None);
        assert_eq!(p(1, 2).clopper_pearson_interval(1.0), None);
    }

    #[test]
    fn clopper_pearson_terminates_for_huge_n() {
        // statrs' own inverse beta does not return for (a = 2, b = 1e9).
        let ci = p(1, 1_000_000_000)
            .clopper_pearson_interval(CONFIDENCE_95)
            .unwrap();
        assert!(ci.lower > 0.0 && ci.lower < ci.upper && ci.upper < 1e-8);
        assert_eq!(p(5, u64::MAX).clopper_pearson_interval(CONFIDENCE_95), None);
    }

    #[test]
    fn newcombe_matches_statsmodels_and_the_paper() {
        // python3 -c "from statsmodels.stats.proportion import confint_proportions_2indep as c; print(c(56, 70, 48, 80, method='newcomb', compare='diff'), c(9, 10, 3, 10, method='newcomb', compare='diff'))"
        // → (0.05243147240236498, 0.33387265403690614) (0.1705227239345029, 0.809017973535488)
        // Newcombe (1998) Table II, method 10: 0.0524 to 0.3339 and 0.1705 to 0.8090.
        let eps = SPECIAL_FUNCTION;
        let ci = newcombe_difference_interval(p(56, 70), p(48, 80), CONFIDENCE_95);
        assert_interval(ci, 0.05243147240236498, 0.33387265403690614, eps);
        let ci = newcombe_difference_interval(p(9, 10), p(3, 10), CONFIDENCE_95);
        assert_interval(ci, 0.1705227239345029, 0.809017973535488, eps);
    }

    #[test]
    fn newcombe_other_level_matches_statsmodels() {
        // python3 -c "from statsmodels.stats.proportion import confint_proportions_2indep as c; print(c(56, 70, 48, 80, method='newcomb', compare='diff', alpha=0.10))"
        // → (0.07656419154407207, 0.31364458358294384)
        let ci = newcombe_difference_interval(p(56, 70), p(48, 80), 0.90);
        assert_interval(
            ci,
            0.07656419154407207,
            0.31364458358294384,
            SPECIAL_FUNCTION,
        );
    }

    #[test]
    fn newcombe_edge_cases_match_statsmodels() {
        // python3 -c "from statsmodels.stats.proportion import confint_proportions_2indep as c; print(c(0, 10, 0, 20, method='newcomb', compare='diff'), c(10, 10, 0, 20, method='newcomb', compare='diff'), c(1, 1, 0, 1, method='newcomb', compare='diff'))"
        // → (-0.1611251580528194, 0.27753279986288926) (0.6790860371419145, 1.0) (-0.12210872068194178, 1.0)
        let eps = SPECIAL_FUNCTION;
        let ci = newcombe_difference_interval(p(0, 10), p(0, 20), CONFIDENCE_95);
        assert_interval(ci, -0.1611251580528194, 0.27753279986288926, eps);
        let ci = newcombe_difference_interval(p(10, 10), p(0, 20), CONFIDENCE_95);
        assert_interval(ci, 0.6790860371419145, 1.0, eps);
        let ci = newcombe_difference_interval(p(1, 1), p(0, 1), CONFIDENCE_95);
        assert_interval(ci, -0.12210872068194178, 1.0, eps);
        assert_eq!(
            newcombe_difference_interval(p(0, 0), p(1, 2), CONFIDENCE_95),
            None
        );
        assert_eq!(
            newcombe_difference_interval(p(1, 2), p(3, 2), CONFIDENCE_95),
            None
        );
        assert_eq!(
            newcombe_difference_interval(p(1, 2), p(1, 2), f64::NAN),
            None
        );
    }

    #[test]
    fn agresti_caffo_matches_statsmodels() {
        // python3 -c "from statsmodels.stats.proportion import confint_proportions_2indep as c; print(c(56, 70, 48, 80, method='agresti-caffo', compare='diff'), c(9, 10, 3, 10, method='agresti-caffo', compare='diff'))"
        // → (0.052452926638053676, 0.33575845547576744) (0.16000080110040027, 0.8399991988995997)
        let eps = SPECIAL_FUNCTION;
        let ci = agresti_caffo_difference_interval(p(56, 70), p(48, 80), CONFIDENCE_95);
        assert_interval(ci, 0.052452926638053676, 0.33575845547576744, eps);
        let ci = agresti_caffo_difference_interval(p(9, 10), p(3, 10), CONFIDENCE_95);
        assert_interval(ci, 0.16000080110040027, 0.8399991988995997, eps);
        assert_eq!(
            agresti_caffo_difference_interval(p(0, 0), p(1, 2), CONFIDENCE_95),
            None
        );
        // Clipped to [-1, 1] (statsmodels would not clip).
        let ci = agresti_caffo_difference_interval(p(1, 1), p(0, 1), CONFIDENCE_95).unwrap();
        assert!(ci.lower >= -1.0 && ci.upper <= 1.0);
    }

    #[test]
    fn z_test_matches_statsmodels() {
        // python3 -c "from statsmodels.stats.proportion import proportions_ztest as t; print(t([56, 48], [70, 80]), t([9, 3], [10, 10]), t([1, 0], [1, 1]), t([120, 150], [1000, 1100]))"
        // → (2.6501719512585336, 0.00804508136819656) (2.738612787525831, 0.006169899320544151) (1.414213562373095, 0.15729920705028516) (-1.11886678885699, 0.26319697322486246)
        let cases = [
            ((56, 70, 48, 80), 2.6501719512585336, 0.00804508136819656),
            ((9, 10, 3, 10), 2.738612787525831, 0.006169899320544151),
            ((1, 1, 0, 1), std::f64::consts::SQRT_2, 0.15729920705028516), // printed 1.414213562373095
            (
                (120, 1000, 150, 1100),
                -1.11886678885699,
                0.26319697322486246,
            ),
        ];
        for ((ca, na, cb, nb), z, pv) in cases {
            let t = two_proportion_z_test(p(ca, na), p(cb, nb)).unwrap();
            assert_abs_diff_eq!(t.z, z, epsilon = CLOSED_FORM);
            assert_relative_eq!(t.p_value, pv, max_relative = RELATIVE_P);
        }
    }

    #[test]
    fn z_test_degenerate_pooled_proportion() {
        // python3 -c "from statsmodels.stats.proportion import proportions_ztest as t; print(t([0, 0], [10, 20]), t([10, 20], [10, 20]))"
        // → (nan, nan) (nan, nan) — we document z = 0, p = 1 instead.
        let none = ZTest {
            z: 0.0,
            p_value: 1.0,
        };
        assert_eq!(two_proportion_z_test(p(0, 10), p(0, 20)), Some(none));
        assert_eq!(two_proportion_z_test(p(10, 10), p(20, 20)), Some(none));
        assert_eq!(two_proportion_z_test(p(0, 0), p(0, 20)), None);
        assert_eq!(two_proportion_z_test(p(5, 4), p(0, 20)), None);
    }

    #[test]
    fn cohens_h_matches_statsmodels() {
        // python3 -c "from statsmodels.stats.proportion import proportion_effectsize as h; print(h(0.8, 0.6), h(0.35, 0.2), h(0.0, 1.0), h(0.5, 0.5))"
        // → 0.4421431880029534 0.3388084547778868 -3.141592653589793 0.0
        assert_abs_diff_eq!(
            cohens_h(0.8, 0.6),
            0.4421431880029534,
            epsilon = CLOSED_FORM
        );
        assert_abs_diff_eq!(
            cohens_h(0.35, 0.2),
            0.3388084547778868,
            epsilon = CLOSED_FORM
        );
        assert_abs_diff_eq!(
            cohens_h(0.0, 1.0),
            -std::f64::consts::PI,
            epsilon = CLOSED_FORM
        );
        assert_eq!(cohens_h(0.5, 0.5), 0.0);
        assert!(cohens_h(f64::NAN, 0.5).is_nan());
        assert!(cohens_h(0.5, 1.5).is_nan());
        assert!(cohens_h(-0.1, 0.5).is_nan());
    }

    proptest! {
        #[test]
        fn wilson_bounds_are_in_unit_interval_and_contain_the_estimate(
            n in 1_u64..5_000,
            frac in 0.0_f64..=1.0,
            confidence in 0.5_f64..0.999,
        ) {
            let count = ((n as f64) * frac).round() as u64;
            let prop = p(count.min(n), n);
            let ci = prop.wilson_interval(confidence).unwrap();
            let est = prop.estimate().unwrap();
            prop_assert!(0.0 <= ci.lower && ci.lower <= ci.upper && ci.upper <= 1.0);
            prop_assert!(ci.contains(est), "{ci:?} vs {est}");
            if prop.count == 0 { prop_assert_eq!(ci.lower, 0.0); }
            if prop.count == n { prop_assert_eq!(ci.upper, 1.0); }
        }

        #[test]
        fn newcombe_interval_contains_the_difference(
            na in 1_u64..500, nb in 1_u64..500, fa in 0.0_f64..=1.0, fb in 0.0_f64..=1.0,
        ) {
            let a = p(((na as f64) * fa).round() as u64, na);
            let b = p(((nb as f64) * fb).round() as u64, nb);
            let d = a.estimate().unwrap() - b.estimate().unwrap();
            let ci = newcombe_difference_interval(a, b, CONFIDENCE_95).unwrap();
            prop_assert!(-1.0 <= ci.lower && ci.lower <= ci.upper && ci.upper <= 1.0);
            prop_assert!(ci.lower <= d + CLOSED_FORM && d - CLOSED_FORM <= ci.upper);
        }
    }
}
