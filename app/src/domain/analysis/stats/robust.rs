//! Robust location / scale (median, MAD) and the CTC cut-point rule built on
//! them.

use serde::{Deserialize, Serialize};

/// Median of `values`; **sorts the slice in place** (ascending).
///
/// For an even count the mean of the two middle values (as `numpy.median`).
/// `None` if the slice is empty or contains a non-finite value (NaN, ±∞); the
/// slice is left unsorted in that case.
#[must_use]
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() || values.iter().any(|x| !x.is_finite()) {
        return None;
    }
    values.sort_unstable_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        Some(values[mid])
    } else {
        let (a, b) = (values[mid - 1], values[mid]);
        let sum = a + b;
        Some(if sum.is_finite() {
            sum / 2.0
        } else {
            a / 2.0 + b / 2.0
        })
    }
}

/// Raw (unscaled) median absolute deviation `MAD = median(|xᵢ − median(x)|)`.
///
/// **Not** multiplied by 1.4826 (the factor that makes MAD estimate σ for
/// normal data): the CTC cut-point rule is stated in raw MAD units. Equals
/// `scipy.stats.median_abs_deviation(x)` (default `scale=1.0`). `None` as for
/// [`median`]. The input is not modified.
#[must_use]
pub fn median_absolute_deviation(values: &[f64]) -> Option<f64> {
    let mut work = values.to_vec();
    let m = median(&mut work)?;
    for x in &mut work {
        *x = (*x - m).abs();
    }
    median(&mut work)
}

/// How a candidate cut point is derived from a (normative) score
/// distribution. See `docs/statistics.md` §"CTC cut points".
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum CutPointRule {
    /// `median + factor·MAD`; respondents with `score >= cut point` are
    /// flagged. With `factor = 0.15` this is the rule attributed to Arthur et
    /// al. (2007) for risk scales; Quartier uses the same rule for protective
    /// scales because its instrument flags *high protection* as
    /// `score >= cut point` (\[UNVERIFIED\] — see the domain notes §1.6).
    MedianPlusMad {
        /// Multiple of the raw MAD added to the median (must be finite, ≥ 0).
        factor: f64,
    },
    /// `median − factor·MAD`, the mirror rule for an instrument that flags the
    /// *low* tail (`score <= cut point`), e.g. "low protection". Not used by
    /// the current Quartier instrument.
    MedianMinusMad {
        /// Multiple of the raw MAD subtracted from the median (finite, ≥ 0).
        factor: f64,
    },
}

impl CutPointRule {
    /// The MAD multiple of the CTC rule (Arthur et al. 2007, as reported by
    /// secondary sources): 0.15.
    pub const ARTHUR_2007_FACTOR: f64 = 0.15;

    /// `median + 0.15·MAD`, the candidate CTC rule for both risk and (in
    /// Quartier's high-protection orientation) protective scales.
    #[must_use]
    pub const fn arthur_2007() -> Self {
        Self::MedianPlusMad {
            factor: Self::ARTHUR_2007_FACTOR,
        }
    }
}

/// Candidate CTC cut point for one scale from the score distribution of a
/// reference (normative) sample.
///
/// * [`CutPointRule::MedianPlusMad`]: `median(scores) + factor·MAD(scores)`
/// * [`CutPointRule::MedianMinusMad`]: `median(scores) − factor·MAD(scores)`
///
/// with the raw MAD of [`median_absolute_deviation`]. Note that with coarse
/// scale scores the MAD can be 0 (more than half the sample shares one
/// score); the cut point is then the median itself and `>= cut point`
/// flags at least half of the sample — reports should show the flagged share
/// of the reference sample next to the cut point.
///
/// `None` if `scores` is empty or contains non-finite values, or the factor
/// is negative or not finite.
#[must_use]
pub fn ctc_cut_point(scores: &[f64], rule: CutPointRule) -> Option<f64> {
    let (factor, sign) = match rule {
        CutPointRule::MedianPlusMad { factor } => (factor, 1.0),
        CutPointRule::MedianMinusMad { factor } => (factor, -1.0),
    };
    if !(factor.is_finite() && factor >= 0.0) {
        return None;
    }
    let mut work = scores.to_vec();
    let m = median(&mut work)?;
    let mad = median_absolute_deviation(scores)?;
    Some(m + sign * factor * mad)
}

#[cfg(test)]
mod tests {
    use super::super::tolerance::CLOSED_FORM;
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn odd_count_matches_numpy_and_scipy() {
        // python3 -c "import numpy as np; from scipy.stats import median_abs_deviation as mad; x=[3.1, 1.2, 5.5, 2.2, 2.2, 9.0, 4.4]; print(np.median(x), mad(x), np.median(x) + 0.15*mad(x), np.median(x) - 0.15*mad(x))"
        // → 3.1 1.3000000000000003 3.295 2.9050000000000002
        let x = [3.1, 1.2, 5.5, 2.2, 2.2, 9.0, 4.4];
        assert_eq!(median(&mut x.clone()), Some(3.1));
        assert_abs_diff_eq!(
            median_absolute_deviation(&x).unwrap(),
            1.3000000000000003,
            epsilon = CLOSED_FORM
        );
        let plus = ctc_cut_point(&x, CutPointRule::arthur_2007()).unwrap();
        assert_abs_diff_eq!(plus, 3.295, epsilon = CLOSED_FORM);
        let minus = ctc_cut_point(&x, CutPointRule::MedianMinusMad { factor: 0.15 }).unwrap();
        assert_abs_diff_eq!(minus, 2.9050000000000002, epsilon = CLOSED_FORM);
    }

    #[test]
    fn even_count_matches_numpy_and_scipy() {
        // python3 -c "import numpy as np; from scipy.stats import median_abs_deviation as mad; x=[1.0, 1.25, 1.5, 2.0, 2.5, 3.25, 3.5, 4.0]; print(np.median(x), mad(x), np.median(x) + 0.15*mad(x))"
        // → 2.25 1.0 2.4
        let x = [4.0, 1.25, 3.5, 2.0, 1.0, 3.25, 2.5, 1.5];
        let mut sorted = x;
        assert_eq!(median(&mut sorted), Some(2.25));
        assert_eq!(sorted, [1.0, 1.25, 1.5, 2.0, 2.5, 3.25, 3.5, 4.0]); // sorted in place
        assert_eq!(median_absolute_deviation(&x), Some(1.0));
        let cut = ctc_cut_point(&x, CutPointRule::arthur_2007()).unwrap();
        assert_abs_diff_eq!(cut, 2.4, epsilon = CLOSED_FORM);
    }

    #[test]
    fn zero_mad_gives_the_median() {
        // python3 -c "import numpy as np; from scipy.stats import median_abs_deviation as mad; x=[2.0, 2.0, 2.0, 2.0, 3.0, 4.0]; print(np.median(x), mad(x), np.median(x) + 0.15*mad(x))"
        // → 2.0 0.0 2.0
        let x = [2.0, 2.0, 2.0, 2.0, 3.0, 4.0];
        assert_eq!(median_absolute_deviation(&x), Some(0.0));
        assert_eq!(ctc_cut_point(&x, CutPointRule::arthur_2007()), Some(2.0));
        // all equal
        assert_eq!(
            ctc_cut_point(&[5.0; 4], CutPointRule::arthur_2007()),
            Some(5.0)
        );
    }

    #[test]
    fn single_value_and_invalid_input() {
        assert_eq!(median(&mut [7.5]), Some(7.5));
        assert_eq!(median_absolute_deviation(&[7.5]), Some(0.0));
        assert_eq!(median(&mut []), None);
        assert_eq!(median_absolute_deviation(&[]), None);
        assert_eq!(median(&mut [1.0, f64::NAN]), None);
        assert_eq!(median(&mut [1.0, f64::INFINITY]), None);
        assert_eq!(ctc_cut_point(&[], CutPointRule::arthur_2007()), None);
        assert_eq!(
            ctc_cut_point(&[1.0], CutPointRule::MedianPlusMad { factor: -0.1 }),
            None
        );
        assert_eq!(
            ctc_cut_point(&[1.0], CutPointRule::MedianPlusMad { factor: f64::NAN }),
            None
        );
        // huge values do not overflow the midpoint
        assert_eq!(median(&mut [f64::MAX, f64::MAX]), Some(f64::MAX));
    }

    #[test]
    fn rule_constants_and_serde() {
        assert_eq!(
            CutPointRule::arthur_2007(),
            CutPointRule::MedianPlusMad { factor: 0.15 }
        );
        let json = serde_json::to_string(&CutPointRule::arthur_2007()).unwrap();
        assert_eq!(json, r#"{"rule":"median_plus_mad","factor":0.15}"#);
        let back: CutPointRule = serde_json::from_str(&json).unwrap();
        assert_eq!(back, CutPointRule::arthur_2007());
    }
}
