//! Difference-in-differences of proportions for independent samples.

use serde::{Deserialize, Serialize};

use super::{ClusteredProportion, Interval, Proportion, two_sided_normal_p_value, z_critical};

/// A difference-in-differences estimate with its Wald interval and test.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct DidEstimate {
    /// `(p_prog,post − p_prog,pre) − (p_other,post − p_other,pre)`, in
    /// proportion units (multiply by 100 for percentage points).
    pub estimate: f64,
    /// Wald standard error (see [`difference_in_differences`]).
    pub se: f64,
    /// `estimate ± z·se` at the requested level (not clipped to [-2, 2]).
    pub ci: Interval,
    /// `estimate / se`.
    pub z: f64,
    /// Two-sided p-value of `H₀: DiD = 0`, `2·(1 − Φ(|z|))`.
    pub p_value: f64,
}

/// Difference-in-differences of four independent proportions: the change in
/// the programme community minus the change in the comparison group
/// (another community, or the state / norm sample).
///
/// ```text
/// DiD = (p̂₁ − p̂₀) − (q̂₁ − q̂₀)
/// SE  = √( Σ over the four samples of p̂(1 − p̂)/n )
/// CI  = DiD ± z·SE,   z = DiD/SE,   p = 2·(1 − Φ(|z|))
/// ```
///
/// **Assumptions** (state them next to every result): the four samples are
/// independent cross-sections (different pupils at each wave — a panel of the
/// same pupils would need a paired analysis); simple random sampling of
/// individuals (with pupils sampled in classes the SE is too small by the
/// square root of the design effect: use
/// [`difference_in_differences_clustered`]); large
/// enough samples for the normal approximation; and the usual DiD
/// identification assumption that without the programme both groups would
/// have changed in parallel.
///
/// `None` if any proportion is invalid (n = 0, count > n), the level is not in
/// (0, 1), or the SE is 0 (all four shares are 0 % or 100 %: the Wald SE
/// collapses and no honest interval can be given).
#[must_use]
pub fn difference_in_differences(
    program_pre: Proportion,
    program_post: Proportion,
    other_pre: Proportion,
    other_post: Proportion,
    confidence: f64,
) -> Option<DidEstimate> {
    difference_in_differences_clustered(
        [program_pre, program_post, other_pre, other_post].map(ClusteredProportion::simple),
        confidence,
    )
}

/// [`difference_in_differences`] for class-clustered samples: each of the
/// four variances is inflated by its design effect,
/// `SE = √(Σ deff·p̂(1 − p̂)/n)` (the four samples stay independent: they
/// are different pupils in different classes). The samples are, in order,
/// programme before, programme after, comparison before, comparison after.
#[must_use]
pub fn difference_in_differences_clustered(
    samples: [ClusteredProportion; 4],
    confidence: f64,
) -> Option<DidEstimate> {
    let z_crit = z_critical(confidence).ok()?;
    let mut p = [0.0_f64; 4];
    let mut var = 0.0_f64;
    for (slot, s) in p.iter_mut().zip(samples) {
        let est = s.proportion.estimate()?;
        *slot = est;
        var += est * (1.0 - est) / s.effective_n()?;
    }
    let se = var.sqrt();
    if !(se.is_finite() && se > 0.0) {
        return None;
    }
    let estimate = (p[1] - p[0]) - (p[3] - p[2]);
    let z = estimate / se;
    Some(DidEstimate {
        estimate,
        se,
        ci: Interval {
            lower: estimate - z_crit * se,
            upper: estimate + z_crit * se,
        },
        z,
        p_value: two_sided_normal_p_value(z),
    })
}

#[cfg(test)]
mod tests {
    use super::super::CONFIDENCE_95;
    use super::super::tolerance::{CLOSED_FORM, RELATIVE_P, SPECIAL_FUNCTION};
    use super::*;
    use approx::{assert_abs_diff_eq, assert_relative_eq};

    fn p(count: u64, n: u64) -> Proportion {
        Proportion { count, n }
    }

    #[test]
    fn matches_numpy_scipy_computation() {
        // python3 -c "import numpy as np; from scipy.stats import norm; p=np.array([60/200, 45/210, 70/250, 66/240]); n=np.array([200, 210, 250, 240]); d=(p[1]-p[0])-(p[3]-p[2]); se=np.sqrt((p*(1-p)/n).sum()); z=norm.isf(0.025); print(d, se, d-z*se, d+z*se, d/se, 2*norm.sf(abs(d/se)))"
        // → -0.08071428571428571 0.05906672868716951 -0.1964829466257368 0.03505437519716538 -1.366493244306223 0.17178419985967697
        let did = difference_in_differences(
            p(60, 200),
            p(45, 210),
            p(70, 250),
            p(66, 240),
            CONFIDENCE_95,
        )
        .unwrap();
        assert_abs_diff_eq!(did.estimate, -0.08071428571428571, epsilon = CLOSED_FORM);
        assert_abs_diff_eq!(did.se, 0.05906672868716951, epsilon = CLOSED_FORM);
        assert_abs_diff_eq!(
            did.ci.lower,
            -0.1964829466257368,
            epsilon = SPECIAL_FUNCTION
        );
        assert_abs_diff_eq!(
            did.ci.upper,
            0.03505437519716538,
            epsilon = SPECIAL_FUNCTION
        );
        assert_abs_diff_eq!(did.z, -1.366493244306223, epsilon = CLOSED_FORM);
        assert_relative_eq!(did.p_value, 0.17178419985967697, max_relative = RELATIVE_P);
    }

    #[test]
    fn clustered_samples_inflate_each_variance_by_its_design_effect() {
        // python3 -c "import numpy as np; from scipy.stats import norm; p=np.array([60/200, 45/210, 70/250, 66/240]); n=np.array([200, 210, 250, 240]); f=np.array([1.5,1.7,2.0,1.2]); d=(p[1]-p[0])-(p[3]-p[2]); se=np.sqrt((f*p*(1-p)/n).sum()); z=norm.isf(0.025); print(d, se, d-z*se, d+z*se, d/se, 2*norm.sf(abs(d/se)))"
        // → -0.08071428571428571 0.07448253997369413 -0.22669738153979113 0.06526881011121971 -1.0836672023106693 0.2785123825850625
        let samples = [
            (60, 200, 1.5),
            (45, 210, 1.7),
            (70, 250, 2.0),
            (66, 240, 1.2),
        ]
        .map(|(count, n, design_effect)| ClusteredProportion {
            proportion: p(count, n),
            design_effect,
        });
        let did = difference_in_differences_clustered(samples, CONFIDENCE_95).unwrap();
        assert_abs_diff_eq!(did.estimate, -0.08071428571428571, epsilon = CLOSED_FORM);
        assert_abs_diff_eq!(did.se, 0.07448253997369413, epsilon = CLOSED_FORM);
        assert_abs_diff_eq!(
            did.ci.lower,
            -0.22669738153979113,
            epsilon = SPECIAL_FUNCTION
        );
        assert_abs_diff_eq!(
            did.ci.upper,
            0.06526881011121971,
            epsilon = SPECIAL_FUNCTION
        );
        assert_abs_diff_eq!(did.z, -1.0836672023106693, epsilon = CLOSED_FORM);
        assert_relative_eq!(did.p_value, 0.2785123825850625, max_relative = RELATIVE_P);
    }

    #[test]
    fn ninety_percent_level_and_a_zero_share() {
        // python3 -c "import numpy as np; from scipy.stats import norm; p=np.array([0/50, 10/50, 5/40, 5/40]); n=np.array([50, 50, 40, 40]); d=(p[1]-p[0])-(p[3]-p[2]); se=np.sqrt((p*(1-p)/n).sum()); z=norm.isf(0.05); print(d, se, d-z*se, d+z*se, d/se, 2*norm.sf(abs(d/se)))"
        // → 0.2 0.09310612224768036 0.046854057129515736 0.3531459428704843 2.148086454164219 0.03170688811196366
        let did = difference_in_differences(p(0, 50), p(10, 50), p(5, 40), p(5, 40), 0.90).unwrap();
        assert_abs_diff_eq!(did.estimate, 0.2, epsilon = CLOSED_FORM);
        assert_abs_diff_eq!(did.se, 0.09310612224768036, epsilon = CLOSED_FORM);
        assert_abs_diff_eq!(
            did.ci.lower,
            0.046854057129515736,
            epsilon = SPECIAL_FUNCTION
        );
        assert_abs_diff_eq!(did.ci.upper, 0.3531459428704843, epsilon = SPECIAL_FUNCTION);
        assert_abs_diff_eq!(did.z, 2.148086454164219, epsilon = CLOSED_FORM);
        assert_relative_eq!(did.p_value, 0.03170688811196366, max_relative = RELATIVE_P);
    }

    #[test]
    fn undefined_cases_are_none() {
        let ok = p(5, 10);
        assert_eq!(
            difference_in_differences(p(0, 0), ok, ok, ok, CONFIDENCE_95),
            None
        );
        assert_eq!(
            difference_in_differences(ok, p(11, 10), ok, ok, CONFIDENCE_95),
            None
        );
        assert_eq!(difference_in_differences(ok, ok, ok, ok, f64::NAN), None);
        // every share 0 % or 100 %: Wald SE is 0
        let (zero, full) = (p(0, 10), p(10, 10));
        assert_eq!(
            difference_in_differences(zero, full, zero, zero, CONFIDENCE_95),
            None
        );
        assert_eq!(
            difference_in_differences(zero, zero, zero, zero, CONFIDENCE_95),
            None
        );
    }
}
