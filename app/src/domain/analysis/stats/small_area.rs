//! The Fay–Herriot area-level model with an intercept only: every area's
//! direct estimate shrunk toward the mean of all areas, by how noisy it is
//! compared with how much areas really differ (docs/statistics.md §10).
//!
//! Model (Fay & Herriot 1979; Rao & Molina 2015, *Small Area Estimation*,
//! ch. 6): `y_i = β + v_i + e_i`, `v_i ~ N(0, σ²_v)` the area's own
//! deviation, `e_i ~ N(0, D_i)` the sampling error with known variance.
//! With `γ_i = σ²_v / (σ²_v + D_i)` the EBLUP is
//! `θ̂_i = γ_i·y_i + (1 − γ_i)·β̂`, `β̂ = Σ y_i/(σ²_v + D_i) / Σ 1/(σ²_v + D_i)`.
//! Only an intercept: the estimate is a convex combination of the area's
//! share and a weighted mean of shares, so it stays inside `[0, 1]`.

use serde::{Deserialize, Serialize};

/// An area's direct estimate and its sampling variance (treated as known).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AreaDirect {
    /// The direct estimate `y_i`.
    pub estimate: f64,
    /// Its sampling variance `D_i` (> 0).
    pub sampling_variance: f64,
}

/// The model estimate of one area.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct AreaPrediction {
    /// The EBLUP `θ̂_i`.
    pub estimate: f64,
    /// Its estimated mean squared error (Prasad–Rao / Datta–Lahiri,
    /// `g1 + g2 + 2·g3` for REML).
    pub mse: f64,
    /// `γ_i`: the weight of the area's own direct estimate (0 = the model
    /// mean only, 1 = the direct estimate only).
    pub own_weight: f64,
}

/// A fitted model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FayHerriotFit {
    /// `β̂`, the weighted mean the areas are shrunk toward.
    pub mean: f64,
    /// The variance of `β̂`, `1 / Σ 1/(σ²_v + D_i)`.
    pub mean_variance: f64,
    /// The REML estimate of the between-area variance `σ²_v` (0 when the
    /// areas differ no more than their sampling errors explain).
    pub area_variance: f64,
    /// Fisher-scoring iterations used.
    pub iterations: u32,
    /// One prediction per input area, in input order.
    pub areas: Vec<AreaPrediction>,
}

/// Why no model was fitted.
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
pub enum SmallAreaError {
    /// REML with one parameter needs at least three areas.
    #[error("{found} areas: a Fay–Herriot model needs at least 3")]
    TooFewAreas {
        /// Areas given.
        found: usize,
    },
    /// A direct estimate or sampling variance is not a finite number, or a
    /// variance is not positive.
    #[error("area {area}: estimate and sampling variance must be finite, the variance > 0")]
    InvalidArea {
        /// Index of the area.
        area: usize,
    },
    /// Fisher scoring did not settle.
    #[error("the REML iteration did not converge in {0} steps")]
    NotConverged(u32),
}

const MAX_ITERATIONS: u32 = 200;

/// Fits the intercept-only Fay–Herriot model by REML (Fisher scoring, the
/// estimate truncated at 0) and predicts every area.
///
/// MSE with the REML estimate (Rao & Molina 2015, eq. 6.2.19; Datta &
/// Lahiri 2000): `g1 = γ_i D_i`, `g2 = (1 − γ_i)² / Σ w_j`,
/// `g3 = D_i² / (σ²_v + D_i)³ · 2 / Σ w_j²` with `w_j = 1/(σ²_v + D_j)`,
/// `mse_i = g1 + g2 + 2·g3`.
///
/// # Errors
/// [`SmallAreaError`] for fewer than three areas, an invalid area, or no
/// convergence.
pub fn fay_herriot(areas: &[AreaDirect]) -> Result<FayHerriotFit, SmallAreaError> {
    if areas.len() < 3 {
        return Err(SmallAreaError::TooFewAreas { found: areas.len() });
    }
    if let Some(area) = areas.iter().position(|a| {
        !a.estimate.is_finite() || !a.sampling_variance.is_finite() || a.sampling_variance <= 0.0
    }) {
        return Err(SmallAreaError::InvalidArea { area });
    }
    let weighted_mean = |variance: f64| {
        let (sum_w, sum_wy) = areas.iter().fold((0.0, 0.0), |(w, wy), a| {
            let weight = 1.0 / (variance + a.sampling_variance);
            (w + weight, wy + weight * a.estimate)
        });
        (sum_wy / sum_w, sum_w)
    };

    // Start between zero and the raw spread: the REML likelihood of σ²_v is
    // smooth, and Fisher scoring from a positive value reaches its maximum
    // (or the boundary) in a few steps.
    let count = areas.len() as f64;
    let raw_mean = areas.iter().map(|a| a.estimate).sum::<f64>() / count;
    let raw_variance = areas
        .iter()
        .map(|a| (a.estimate - raw_mean).powi(2))
        .sum::<f64>()
        / (count - 1.0);
    let mut variance = raw_variance.max(1e-6);
    let mut iterations = 0;
    loop {
        if iterations == MAX_ITERATIONS {
            return Err(SmallAreaError::NotConverged(MAX_ITERATIONS));
        }
        iterations += 1;
        let (mean, sum_w) = weighted_mean(variance);
        let (mut sum_w2, mut sum_w3, mut sum_py2) = (0.0, 0.0, 0.0);
        for a in areas {
            let w = 1.0 / (variance + a.sampling_variance);
            sum_w2 += w * w;
            sum_w3 += w * w * w;
            sum_py2 += (w * (a.estimate - mean)).powi(2);
        }
        // P = V⁻¹ − V⁻¹1(1'V⁻¹1)⁻¹1'V⁻¹ for diagonal V.
        let trace_p = sum_w - sum_w2 / sum_w;
        let trace_pp = sum_w2 - 2.0 * sum_w3 / sum_w + (sum_w2 / sum_w).powi(2);
        let score = 0.5 * (sum_py2 - trace_p);
        let information = 0.5 * trace_pp;
        let next = (variance + score / information).max(0.0);
        let settled = (next - variance).abs() <= 1e-12 * variance.max(1e-8);
        variance = next;
        if settled {
            break;
        }
    }

    let (mean, sum_w) = weighted_mean(variance);
    let sum_w2: f64 = areas
        .iter()
        .map(|a| (variance + a.sampling_variance).powi(-2))
        .sum();
    let variance_of_variance = 2.0 / sum_w2;
    let predictions = areas
        .iter()
        .map(|a| {
            let d = a.sampling_variance;
            let own_weight = variance / (variance + d);
            let g1 = own_weight * d;
            let g2 = (1.0 - own_weight).powi(2) / sum_w;
            let g3 = d * d / (variance + d).powi(3) * variance_of_variance;
            AreaPrediction {
                estimate: own_weight * a.estimate + (1.0 - own_weight) * mean,
                mse: g1 + g2 + 2.0 * g3,
                own_weight,
            }
        })
        .collect();
    Ok(FayHerriotFit {
        mean,
        mean_variance: 1.0 / sum_w,
        area_variance: variance,
        iterations,
        areas: predictions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// Eight districts' shares `c/n` with the smoothed sampling variance
    /// `p̄(1 − p̄)·deff/n`, `p̄ = Σc/Σn`.
    fn areas(counts: [f64; 8]) -> Vec<AreaDirect> {
        let n = [18.0, 25.0, 40.0, 60.0, 22.0, 95.0, 30.0, 16.0];
        let deff = [1.4, 1.6, 1.8, 2.1, 1.5, 2.4, 1.7, 1.3];
        let pooled = counts.iter().sum::<f64>() / n.iter().sum::<f64>();
        (0..8)
            .map(|i| AreaDirect {
                estimate: counts[i] / n[i],
                sampling_variance: pooled * (1.0 - pooled) * deff[i] / n[i],
            })
            .collect()
    }

    // Reference: samplics 0.6.0 (pip install samplics), REML:
    //   import numpy as np; from samplics.sae import EblupAreaModel
    //   from samplics.utils.types import FitMethod
    //   n=np.array([18,25,40,60,22,95,30,16.]); c=np.array([2,12,30,10,15,28,3,9.])
    //   deff=np.array([1.4,1.6,1.8,2.1,1.5,2.4,1.7,1.3]); y=c/n; p=c.sum()/n.sum()
    //   D=p*(1-p)*deff/n; a=np.arange(8); X=np.ones((8,1))
    //   m=EblupAreaModel(method=FitMethod.reml)
    //   m.fit(yhat=y,X=X,area=a,error_std=np.sqrt(D),intercept=False,tol=1e-12,maxiter=200)
    //   m.predict(X=X,area=a,intercept=False)
    //   print(m.fixed_effects, m.re_std**2, m.area_est, m.area_mse)
    // A hand-written Fisher scoring with the g1 + g2 + 2·g3 MSE in NumPy
    // gave the same digits.
    #[test]
    fn shrinks_toward_the_weighted_mean_as_samplics_does() {
        let fit = fay_herriot(&areas([2.0, 12.0, 30.0, 10.0, 15.0, 28.0, 3.0, 9.0])).expect("fit");
        assert_relative_eq!(fit.mean, 0.39058967102869074, max_relative = 1e-9);
        assert_relative_eq!(fit.area_variance, 0.054440435726151294, max_relative = 1e-8);
        let estimates = [
            0.18008031487234194,
            0.4610140863035819,
            0.6927275270795789,
            0.19543849704021177,
            0.6168378471546464,
            0.3039562183330397,
            0.15599758549088166,
            0.5186652919552435,
        ];
        let mse = [
            0.0158372924449129,
            0.01340312365925696,
            0.00976847652731086,
            0.00772689985758284,
            0.01415966068075809,
            0.00565864018915692,
            0.01203866858944041,
            0.01642459603052964,
        ];
        for (i, area) in fit.areas.iter().enumerate() {
            assert_relative_eq!(area.estimate, estimates[i], max_relative = 1e-8);
            assert_relative_eq!(area.mse, mse[i], max_relative = 1e-7);
        }
        // γ of the 95-pupil district (NumPy, same script): 0.9038173799216553.
        assert_relative_eq!(
            fit.areas[5].own_weight,
            0.9038173799216553,
            max_relative = 1e-8
        );
        // Shrinkage never costs precision the direct estimate had.
        for (area, direct) in fit
            .areas
            .iter()
            .zip(areas([2.0, 12.0, 30.0, 10.0, 15.0, 28.0, 3.0, 9.0]))
        {
            assert!(area.mse < direct.sampling_variance);
        }
    }

    // Same samplics script with c=np.array([7,5,14,15,9,28,4,6.]): the
    // districts differ less than their sampling errors explain, σ²_v = 0,
    // every estimate is β̂ = 0.2916593374626567 and the MSE is g2 + 2·g3.
    #[test]
    fn areas_that_do_not_differ_all_get_the_mean() {
        let fit = fay_herriot(&areas([7.0, 5.0, 14.0, 15.0, 9.0, 28.0, 4.0, 6.0])).expect("fit");
        assert_eq!(fit.area_variance, 0.0);
        let mse = [
            0.003911001211101793,
            0.004483160630474085,
            0.005846909784175068,
            0.007159390172699322,
            0.004285058121831205,
            0.009435723346546078,
            0.004901151857150237,
            0.003797421177479502,
        ];
        for (i, area) in fit.areas.iter().enumerate() {
            assert_relative_eq!(area.estimate, 0.2916593374626567, max_relative = 1e-9);
            assert_relative_eq!(area.mse, mse[i], max_relative = 1e-8);
            assert_eq!(area.own_weight, 0.0);
        }
    }

    #[test]
    fn refuses_too_few_or_invalid_areas() {
        let area = |estimate, sampling_variance| AreaDirect {
            estimate,
            sampling_variance,
        };
        assert_eq!(
            fay_herriot(&[area(0.1, 0.01), area(0.2, 0.01)]),
            Err(SmallAreaError::TooFewAreas { found: 2 })
        );
        assert_eq!(
            fay_herriot(&[area(0.1, 0.01), area(0.2, 0.0), area(0.3, 0.01)]),
            Err(SmallAreaError::InvalidArea { area: 1 })
        );
        assert_eq!(
            fay_herriot(&[area(f64::NAN, 0.01), area(0.2, 0.01), area(0.3, 0.01)]),
            Err(SmallAreaError::InvalidArea { area: 0 })
        );
    }
}
