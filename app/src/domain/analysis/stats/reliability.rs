//! Internal-consistency reliability of a scale: Cronbach's alpha with the
//! Feldt (1965) confidence interval.

use super::{CONFIDENCE_95, Interval, f_quantile, z_critical};
use serde::{Deserialize, Serialize};

/// Cronbach's alpha of one scale.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlphaEstimate {
    /// Cronbach's alpha (may be negative when items correlate negatively,
    /// e.g. a reverse-coded item that was not reversed).
    pub alpha: f64,
    /// Number of respondents with all `k` items answered (listwise complete).
    pub n: u64,
    /// Number of items.
    pub k: u64,
    /// 95 % Feldt (1965) interval, see [`feldt_interval`]; `None` only if the
    /// F quantiles cannot be evaluated.
    pub ci95: Option<Interval>,
}

/// Sample variance (n − 1 denominator) by the two-pass algorithm.
fn sample_variance(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let (mut n, mut sum) = (0.0_f64, 0.0_f64);
    for x in values.clone() {
        n += 1.0;
        sum += x;
    }
    let mean = sum / n;
    let ss: f64 = values.map(|x| (x - mean).powi(2)).sum();
    ss / (n - 1.0)
}

/// Cronbach's (1951) alpha from a respondents × items matrix.
///
/// `items[r][j]` is respondent `r`'s (already reverse-coded) answer to item
/// `j`; `None` is a missing answer. Only **listwise complete** rows (every item
/// answered with a finite value) are used. With `k` items, item variances
/// `s²ⱼ` and the variance `s²ₜ` of the row totals (all with the n − 1
/// denominator):
///
/// ```text
/// α = k/(k − 1) · (1 − Σⱼ s²ⱼ / s²ₜ)
/// ```
///
/// identical to `pingouin.cronbach_alpha(df, nan_policy='listwise')`.
/// The 95 % interval is [`feldt_interval`]`(α, n, k, 0.95)`.
///
/// `None` if the rows do not all have the same length, `k < 2` (a single item
/// has no internal consistency), fewer than 2 complete rows, or the totals
/// have zero variance (alpha undefined).
#[must_use]
pub fn cronbach_alpha(items: &[Vec<Option<f64>>]) -> Option<AlphaEstimate> {
    let k = items.first()?.len();
    if k < 2 || items.iter().any(|row| row.len() != k) {
        return None;
    }
    let complete: Vec<Vec<f64>> = items
        .iter()
        .filter_map(|row| {
            row.iter()
                .map(|v| v.filter(|x| x.is_finite()))
                .collect::<Option<Vec<f64>>>()
        })
        .collect();
    let n = complete.len();
    if n < 2 {
        return None;
    }
    let item_var_sum: f64 = (0..k)
        .map(|j| sample_variance(complete.iter().map(move |row| row[j])))
        .sum();
    let total_var = sample_variance(complete.iter().map(|row| row.iter().sum::<f64>()));
    if !(total_var.is_finite() && total_var > 0.0 && item_var_sum.is_finite()) {
        return None;
    }
    let kf = k as f64;
    // α <= 1 always holds mathematically (Σ s²ⱼ >= s²ₜ/k); clamp rounding.
    let alpha = (kf / (kf - 1.0) * (1.0 - item_var_sum / total_var)).min(1.0);
    Some(AlphaEstimate {
        alpha,
        n: n as u64,
        k: k as u64,
        ci95: feldt_interval(alpha, n as u64, k as u64, CONFIDENCE_95),
    })
}

/// Feldt (1965) confidence interval for Cronbach's alpha.
///
/// Under normal-theory assumptions `(1 − α)/(1 − α̂)` follows an F
/// distribution with `df₁ = n − 1` and `df₂ = (n − 1)(k − 1)` degrees of
/// freedom (Feldt, Woodruff & Salih 1987). With `γ = 1 − confidence` and
/// `F_q` the q-quantile of `F(df₁, df₂)`:
///
/// ```text
/// lower = 1 − (1 − α̂)·F_{1−γ/2}(n − 1, (n − 1)(k − 1))
/// upper = 1 − (1 − α̂)·F_{γ/2}(n − 1, (n − 1)(k − 1))
/// ```
///
/// The same formula as R `psych::alpha.ci` and `pingouin.cronbach_alpha`
/// (which rounds it to 3 decimals). `None` if `n < 2`, `k < 2`, `α̂` is not
/// finite or `α̂ > 1`, or the level is not in (0, 1).
#[must_use]
pub fn feldt_interval(alpha: f64, n: u64, k: u64, confidence: f64) -> Option<Interval> {
    if n < 2 || k < 2 || !alpha.is_finite() || alpha > 1.0 {
        return None;
    }
    z_critical(confidence).ok()?; // validates the level
    let gamma = 1.0 - confidence;
    let df1 = (n - 1) as f64;
    let df2 = df1 * (k - 1) as f64;
    let f_hi = f_quantile(df1, df2, 1.0 - gamma / 2.0)?;
    let f_lo = f_quantile(df1, df2, gamma / 2.0)?;
    let lower = 1.0 - (1.0 - alpha) * f_hi;
    let upper = 1.0 - (1.0 - alpha) * f_lo;
    Some(Interval { lower, upper })
}

#[cfg(test)]
mod tests {
    use super::super::tolerance::{CLOSED_FORM, PINGOUIN_ROUNDED, SPECIAL_FUNCTION};
    use super::*;
    use approx::assert_abs_diff_eq;

    fn matrix(rows: &[&[f64]]) -> Vec<Vec<Option<f64>>> {
        rows.iter()
            .map(|r| r.iter().map(|&x| (!x.is_nan()).then_some(x)).collect())
            .collect()
    }

    const COMPLETE: [[f64; 4]; 10] = [
        [1., 2., 2., 3.],
        [2., 2., 3., 3.],
        [3., 3., 3., 4.],
        [4., 4., 3., 4.],
        [2., 1., 2., 2.],
        [3., 3., 4., 4.],
        [1., 1., 1., 2.],
        [4., 3., 4., 4.],
        [2., 3., 2., 3.],
        [3., 4., 3., 3.],
    ];

    #[test]
    fn alpha_and_feldt_interval_match_scipy_and_pingouin() {
        // python3 -c "import numpy as np; from scipy.stats import f; X=np.array([[1,2,2,3],[2,2,3,3],[3,3,3,4],[4,4,3,4],[2,1,2,2],[3,3,4,4],[1,1,1,2],[4,3,4,4],[2,3,2,3],[3,4,3,3]], float); n, k = X.shape; a=k/(k-1)*(1-X.var(0, ddof=1).sum()/X.sum(1).var(ddof=1)); print(a, 1-(1-a)*f.isf(0.025, n-1, (n-1)*(k-1)), 1-(1-a)*f.isf(0.975, n-1, (n-1)*(k-1)))"
        // → 0.9214285714285714 0.7932899180917793 0.9780799345447957
        // python3 -c "import pandas as pd, pingouin as pg; print(pg.cronbach_alpha(pd.DataFrame([[1,2,2,3],[2,2,3,3],[3,3,3,4],[4,4,3,4],[2,1,2,2],[3,3,4,4],[1,1,1,2],[4,3,4,4],[2,3,2,3],[3,4,3,3]])))"
        // → (0.9214285714285714, array([0.793, 0.978]))
        let rows: Vec<&[f64]> = COMPLETE.iter().map(|r| r.as_slice()).collect();
        let est = cronbach_alpha(&matrix(&rows)).unwrap();
        assert_eq!((est.n, est.k), (10, 4));
        assert_abs_diff_eq!(est.alpha, 0.9214285714285714, epsilon = CLOSED_FORM);
        let ci = est.ci95.unwrap();
        assert_abs_diff_eq!(ci.lower, 0.7932899180917793, epsilon = SPECIAL_FUNCTION);
        assert_abs_diff_eq!(ci.upper, 0.9780799345447957, epsilon = SPECIAL_FUNCTION);
        assert_abs_diff_eq!(ci.lower, 0.793, epsilon = PINGOUIN_ROUNDED);
        assert_abs_diff_eq!(ci.upper, 0.978, epsilon = PINGOUIN_ROUNDED);
        assert!(ci.lower < est.alpha && est.alpha < ci.upper);
    }

    #[test]
    fn incomplete_rows_are_dropped_listwise() {
        // python3 -c "import numpy as np, pandas as pd, pingouin as pg; X=[[1,2,2,3],[2,2,3,3],[3,3,3,4],[4,4,3,4],[2,1,2,2],[3,3,4,4],[1,1,1,2],[4,3,4,4],[2,3,2,3],[3,4,3,3],[np.nan,2,3,1],[2,np.nan,np.nan,3]]; print(pg.cronbach_alpha(pd.DataFrame(X), nan_policy='listwise'))"
        // → (0.9214285714285714, array([0.81 , 0.975]))
        // Same alpha as the 10 complete rows. pingouin's CI here uses n = 12
        // (rows *before* dropping); we use the 10 rows actually analysed, so
        // our CI equals the complete-data one above.
        let mut rows: Vec<&[f64]> = COMPLETE.iter().map(|r| r.as_slice()).collect();
        rows.push(&[f64::NAN, 2., 3., 1.]);
        rows.push(&[2., f64::NAN, f64::NAN, 3.]);
        let mut items = matrix(&rows);
        items.push(vec![Some(f64::INFINITY), Some(1.), Some(1.), Some(1.)]);
        let est = cronbach_alpha(&items).unwrap();
        assert_eq!((est.n, est.k), (10, 4));
        assert_abs_diff_eq!(est.alpha, 0.9214285714285714, epsilon = CLOSED_FORM);
        let ci = est.ci95.unwrap();
        assert_abs_diff_eq!(ci.lower, 0.7932899180917793, epsilon = SPECIAL_FUNCTION);
        assert_abs_diff_eq!(ci.upper, 0.9780799345447957, epsilon = SPECIAL_FUNCTION);
    }

    #[test]
    fn negative_alpha_two_items() {
        // python3 -c "import numpy as np; from scipy.stats import f; X=np.array([[1,4],[2,2],[3,3],[4,1],[2,3]], float); n, k = X.shape; a=k/(k-1)*(1-X.var(0, ddof=1).sum()/X.sum(1).var(ddof=1)); print(a, 1-(1-a)*f.isf(0.025, n-1, (n-1)*(k-1)), 1-(1-a)*f.isf(0.975, n-1, (n-1)*(k-1)))"
        // → -8.4 -89.28258091639486 0.021295147933079628
        // python3 -c "import pandas as pd, pingouin as pg; print(pg.cronbach_alpha(pd.DataFrame([[1,4],[2,2],[3,3],[4,1],[2,3]])))"
        // → (-8.4, array([-8.9283e+01,  2.1000e-02]))
        let est = cronbach_alpha(&matrix(&[
            &[1., 4.],
            &[2., 2.],
            &[3., 3.],
            &[4., 1.],
            &[2., 3.],
        ]))
        .unwrap();
        assert_abs_diff_eq!(est.alpha, -8.4, epsilon = CLOSED_FORM);
        let ci = est.ci95.unwrap();
        assert_abs_diff_eq!(ci.lower, -89.28258091639486, epsilon = 1e-7); // |value| ~ 90
        assert_abs_diff_eq!(ci.upper, 0.021295147933079628, epsilon = SPECIAL_FUNCTION);
    }

    #[test]
    fn feldt_interval_other_levels_match_scipy() {
        // python3 -c "from scipy.stats import f; a, n, k = 0.85, 300, 6; print(1-(1-a)*f.isf(0.05, n-1, (n-1)*(k-1)), 1-(1-a)*f.isf(0.95, n-1, (n-1)*(k-1)), 1-(1-a)*f.isf(0.025, n-1, (n-1)*(k-1)), 1-(1-a)*f.isf(0.975, n-1, (n-1)*(k-1)))"
        // → 0.8268794092438335 0.8711209025085885 0.822089858416991 0.8748450911501069
        let ci90 = feldt_interval(0.85, 300, 6, 0.90).unwrap();
        assert_abs_diff_eq!(ci90.lower, 0.8268794092438335, epsilon = SPECIAL_FUNCTION);
        assert_abs_diff_eq!(ci90.upper, 0.8711209025085885, epsilon = SPECIAL_FUNCTION);
        let ci95 = feldt_interval(0.85, 300, 6, CONFIDENCE_95).unwrap();
        assert_abs_diff_eq!(ci95.lower, 0.822089858416991, epsilon = SPECIAL_FUNCTION);
        assert_abs_diff_eq!(ci95.upper, 0.8748450911501069, epsilon = SPECIAL_FUNCTION);
    }

    #[test]
    fn undefined_cases_are_none() {
        // no rows, single item, all missing, one complete row, zero variance, ragged
        assert_eq!(cronbach_alpha(&[]), None);
        assert_eq!(cronbach_alpha(&matrix(&[&[1.], &[2.], &[3.]])), None);
        assert_eq!(cronbach_alpha(&vec![vec![None, None]; 5]), None);
        assert_eq!(
            cronbach_alpha(&matrix(&[&[1., 2.], &[f64::NAN, 3.], &[4., f64::NAN]])),
            None
        );
        assert_eq!(
            cronbach_alpha(&matrix(&[&[2., 2.], &[2., 2.], &[2., 2.]])),
            None
        );
        assert_eq!(cronbach_alpha(&matrix(&[&[1., 2.], &[2., 3., 4.]])), None);
        assert_eq!(feldt_interval(0.8, 1, 5, CONFIDENCE_95), None);
        assert_eq!(feldt_interval(0.8, 10, 1, CONFIDENCE_95), None);
        assert_eq!(feldt_interval(f64::NAN, 10, 3, CONFIDENCE_95), None);
        assert_eq!(feldt_interval(1.5, 10, 3, CONFIDENCE_95), None);
        assert_eq!(feldt_interval(0.8, 10, 3, 1.0), None);
    }

    #[test]
    fn perfectly_consistent_items_give_alpha_one() {
        let est = cronbach_alpha(&matrix(&[&[1., 1.], &[2., 2.], &[4., 4.]])).unwrap();
        assert_abs_diff_eq!(est.alpha, 1.0, epsilon = CLOSED_FORM);
        let ci = est.ci95.unwrap();
        assert_abs_diff_eq!(ci.lower, 1.0, epsilon = CLOSED_FORM);
        assert_abs_diff_eq!(ci.upper, 1.0, epsilon = CLOSED_FORM);
    }

    #[test]
    fn extreme_sizes_terminate() {
        let ci = feldt_interval(0.5, 2, 100_000_000_000, CONFIDENCE_95).unwrap();
        assert!(ci.lower < ci.upper);
        let ci = feldt_interval(0.8, 10_000_000, 5, CONFIDENCE_95).unwrap();
        assert!(ci.lower < 0.8 && 0.8 < ci.upper);
    }
}
