//! Model-based estimates for districts whose direct share is imprecise: the
//! Fay–Herriot model ([`fay_herriot`]) over the districts of one grade (or
//! all grades), per factor, fitted to the published profile table only.
//!
//! Privacy: the model sees nothing but shown figures (percent, n, design
//! effect of districts the table shows). A withheld district gets no model
//! estimate, and its answers do not enter the fit: a model estimate is
//! `γ·y + (1 − γ)·β̂` with `γ` and `β̂` computable from shown numbers, so it
//! could be inverted to the withheld direct share, and a mean fitted with
//! withheld shares would be one more linear relation the suppression
//! pattern was never checked against (docs/statistics.md §10).

use crate::domain::analysis::aggregate::{GroupKey, SexKey};
use crate::domain::analysis::report::{Figures, ProfileTable};
use crate::domain::analysis::stats::{
    AreaDirect, CONFIDENCE_95, Interval, SmallAreaError, fay_herriot, z_critical,
};

/// A district's model estimate, in percent.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ModelEstimate {
    /// The model estimate of the share, in percent.
    pub percent: f64,
    /// Root mean squared error, in percentage points.
    pub rmse_points: f64,
    /// `percent ± 1.96·rmse`, clipped to 0–100.
    pub interval: Interval,
    /// Weight of the district's own direct share (0–1); the rest is the
    /// model mean.
    pub own_weight: f64,
}

/// One district of a factor's model.
#[derive(Clone, Debug, PartialEq)]
pub struct DistrictEstimate {
    /// District id.
    pub district: i64,
    /// The direct figures, when the table shows them.
    pub direct: Option<Figures>,
    /// The model estimate, only beside shown direct figures.
    pub model: Option<ModelEstimate>,
}

/// The fitted model of one factor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ModelSummary {
    /// The mean the districts are shrunk toward, in percent.
    pub mean_percent: f64,
    /// `σ_v`, how much districts really differ, in percentage points.
    pub between_district_sd_points: f64,
    /// Districts in the fit.
    pub districts: usize,
}

/// Why a factor has no model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoModel {
    /// Fewer than three districts are shown.
    TooFewDistricts {
        /// Districts shown.
        shown: usize,
    },
    /// Nobody or everybody in the shown districts has the flag: the
    /// sampling variance is zero and there is nothing to shrink.
    NoVariation,
    /// The REML iteration did not converge.
    NotConverged,
}

/// A factor's districts with direct and model estimates.
#[derive(Clone, Debug, PartialEq)]
pub struct FactorModel {
    /// Index into [`ProfileTable::factors`].
    pub factor: usize,
    /// The model, or why there is none.
    pub fit: Result<ModelSummary, NoModel>,
    /// Every district asked for, in that order.
    pub districts: Vec<DistrictEstimate>,
}

/// The model of every factor over `districts` at `grade` (`None` = all
/// grades).
///
/// Sampling variances are smoothed (a generalised variance function):
/// `D_i = p̄(1 − p̄)·deff_i / n_i` with `p̄` the pooled share of the shown
/// districts, because a district's own `p̂(1 − p̂)` is 0 when none of its
/// pupils is flagged and is itself the noisiest number of a small district
/// (Rao & Molina 2015, §6.4; the smoothed variances of US SAIPE).
pub fn district_models(
    table: &ProfileTable,
    districts: &[i64],
    grade: Option<u8>,
) -> Vec<FactorModel> {
    let z = z_critical(CONFIDENCE_95).unwrap_or(1.959963984540054);
    (0..table.factors.len())
        .map(|factor| {
            let direct: Vec<Option<Figures>> = districts
                .iter()
                .map(|&district| {
                    let key = GroupKey {
                        district: Some(district),
                        school: None,
                        grade,
                        sex: SexKey::All,
                    };
                    // Shown figures always have n > 0 (`build_profile_table`).
                    table
                        .group(&key)
                        .and_then(|group| group.factors[factor].figures.clone())
                })
                .collect();
            let shown: Vec<&Figures> = direct.iter().flatten().collect();
            let fit = fit_shown(&shown);
            let mut predictions = fit.as_ref().ok().map(|(_, p)| p.iter());
            let districts = districts
                .iter()
                .zip(direct)
                .map(|(&district, direct)| {
                    let model = direct.as_ref().and_then(|_| {
                        let prediction = predictions.as_mut()?.next()?;
                        let rmse = prediction.mse.sqrt();
                        Some(ModelEstimate {
                            percent: 100.0 * prediction.estimate,
                            rmse_points: 100.0 * rmse,
                            interval: Interval {
                                lower: 100.0 * (prediction.estimate - z * rmse).max(0.0),
                                upper: 100.0 * (prediction.estimate + z * rmse).min(1.0),
                            },
                            own_weight: prediction.own_weight,
                        })
                    });
                    DistrictEstimate {
                        district,
                        direct,
                        model,
                    }
                })
                .collect();
            FactorModel {
                factor,
                fit: fit.map(|(summary, _)| summary),
                districts,
            }
        })
        .collect()
}

type Fitted = (
    ModelSummary,
    Vec<crate::domain::analysis::stats::AreaPrediction>,
);

fn fit_shown(shown: &[&Figures]) -> Result<Fitted, NoModel> {
    if shown.len() < 3 {
        return Err(NoModel::TooFewDistricts { shown: shown.len() });
    }
    let (count, n) = shown
        .iter()
        .fold((0u64, 0u64), |(c, n), f| (c + f.count, n + f.n));
    let pooled = count as f64 / n as f64;
    if count == 0 || count == n {
        return Err(NoModel::NoVariation);
    }
    let areas: Vec<AreaDirect> = shown
        .iter()
        .map(|f| AreaDirect {
            estimate: f.count as f64 / f.n as f64,
            sampling_variance: pooled * (1.0 - pooled) * f.design_effect.max(1.0) / f.n as f64,
        })
        .collect();
    let fit = fay_herriot(&areas).map_err(|error| match error {
        SmallAreaError::TooFewAreas { found } => NoModel::TooFewDistricts { shown: found },
        SmallAreaError::InvalidArea { .. } => NoModel::NoVariation,
        SmallAreaError::NotConverged(_) => NoModel::NotConverged,
    })?;
    Ok((
        ModelSummary {
            mean_percent: 100.0 * fit.mean,
            between_district_sd_points: 100.0 * fit.area_variance.sqrt(),
            districts: shown.len(),
        },
        fit.areas,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::analysis::aggregate::Dimension;
    use crate::domain::analysis::report::tests::table;
    use crate::domain::analysis::stats::fay_herriot;

    const DISTRICTS: [i64; 6] = [1, 2, 3, 4, 5, 6];

    fn models(groups: &[(i64, usize, usize)]) -> FactorModel {
        let table = table(groups, &[Dimension::District]);
        district_models(&table, &DISTRICTS, None).remove(0)
    }

    #[test]
    fn shown_districts_are_shrunk_and_withheld_ones_stay_blank() {
        // District 6 has 5 pupils (withheld) and takes district 4 (the
        // smallest shown one, 20 pupils) with it.
        let groups = [
            (1, 60, 12),
            (2, 45, 20),
            (3, 30, 5),
            (4, 20, 9),
            (5, 80, 30),
            (6, 5, 4),
        ];
        let model = models(&groups);
        let summary = model.fit.expect("model");
        assert_eq!(summary.districts, 4);
        let withheld: Vec<i64> = model
            .districts
            .iter()
            .filter(|d| d.direct.is_none())
            .map(|d| d.district)
            .collect();
        assert_eq!(withheld, [4, 6]);
        assert!(
            model
                .districts
                .iter()
                .all(|d| d.direct.is_some() == d.model.is_some())
        );

        // The same fit by hand on the four shown districts: pooled share
        // 67/215, design effect 1 (no classes).
        let shown = [(60.0, 12.0), (45.0, 20.0), (30.0, 5.0), (80.0, 30.0)];
        let pooled = 67.0 / 215.0;
        let areas: Vec<AreaDirect> = shown
            .iter()
            .map(|&(n, c)| AreaDirect {
                estimate: c / n,
                sampling_variance: pooled * (1.0 - pooled) / n,
            })
            .collect();
        let fit = fay_herriot(&areas).expect("fit");
        let estimates: Vec<f64> = model
            .districts
            .iter()
            .filter_map(|d| d.model.map(|m| m.percent))
            .collect();
        for (got, expected) in estimates.iter().zip(&fit.areas) {
            approx::assert_relative_eq!(*got, 100.0 * expected.estimate, epsilon = 1e-9);
        }
        approx::assert_relative_eq!(summary.mean_percent, 100.0 * fit.mean, epsilon = 1e-9);
        for estimate in model.districts.iter().filter_map(|d| d.model) {
            assert!(estimate.interval.lower <= estimate.percent);
            assert!(estimate.percent <= estimate.interval.upper);
            assert!((0.0..=1.0).contains(&estimate.own_weight));
        }
    }

    #[test]
    fn a_withheld_districts_answers_do_not_move_any_model_estimate() {
        let with = |flagged_in_small: usize| {
            models(&[
                (1, 60, 12),
                (2, 45, 20),
                (3, 30, 5),
                (4, 20, 9),
                (5, 80, 30),
                (6, 5, flagged_in_small),
            ])
        };
        // The city total (and so every comparison) moves; the model does not.
        let model_of = |model: FactorModel| {
            let estimates: Vec<_> = model.districts.iter().map(|d| d.model).collect();
            (model.fit, estimates)
        };
        assert_eq!(model_of(with(0)), model_of(with(5)));
    }

    #[test]
    fn too_few_shown_districts_or_no_variation_give_no_model() {
        let few = models(&[(1, 60, 12), (2, 45, 20), (3, 5, 1)]);
        assert_eq!(few.fit, Err(NoModel::TooFewDistricts { shown: 1 }));
        assert!(few.districts.iter().all(|d| d.model.is_none()));
        let none_flagged = models(&[(1, 60, 0), (2, 45, 0), (3, 30, 0)]);
        assert_eq!(none_flagged.fit, Err(NoModel::NoVariation));
    }
}
