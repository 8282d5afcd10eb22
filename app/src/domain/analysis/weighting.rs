//! Post-stratification weights: the published profile re-estimated so that
//! every school type × grade counts with its share of the municipality's
//! pupils, not with its share of the answers (docs/statistics.md §13).
//!
//! A wave's result stores, next to the page cube, the valid answers and
//! flagged pupils per factor in every district × grade × sex × school type
//! cell ([`StratumTallies`], built once at publication). A coordinator
//! enters the pupil counts per school type × grade ([`PopulationCounts`]);
//! [`weighted_profile`] then re-estimates the **shown** cells of a
//! [`ProfileTable`] with weights `N_h / n_h`: share, interval, comparison
//! with the rest of the city (or a norm), adjusted p and ranking. Withheld
//! cells stay withheld; a cell that is shown unweighted is the only one that
//! gets a weighted figure.

use crate::domain::analysis::aggregate::{GroupKey, Respondent, SexKey};
use crate::domain::analysis::profile::{
    Concern, FactorComparison, Methods, ProfileOptions, Reference, adjust_family, method,
    rank_priorities,
};
use crate::domain::analysis::report::{FactorSource, Figures, ProfileTable, profile_factors};
use crate::domain::analysis::scoring::{PupilScores, ScoringPlan};
use crate::domain::analysis::stats::{
    Interval, PostStratified, Stratum, cohens_h, post_stratified, two_sided_normal_p_value,
    wilson_interval_for_share, z_critical,
};
use crate::domain::csv_table::{RowProblem, RowProblems, data_rows, keep_row, map_columns};
use crate::domain::survey::instrument::Instrument;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A post-stratum: a school type and a grade.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct StratumKey {
    /// The school type as the municipality's set-up names it (e.g.
    /// "Gymnasium").
    pub school_type: String,
    /// The grade.
    pub grade: u8,
}

/// Where a tally counts: the page cube's finest cell and the school type.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TallyKey {
    /// District.
    pub district: i64,
    /// Grade.
    pub grade: u8,
    /// Sex answer.
    pub sex: SexKey,
    /// The school's type; `None` for a school without one or a pupil
    /// without a school (such answers cannot be weighted).
    pub school_type: Option<String>,
}

/// Valid answers and flagged pupils per profile factor
/// ([`profile_factors`] order) in every district × grade × sex × school
/// type cell of a wave. Never shown: the weighting's input only.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StratumTallies {
    /// Per cell, per factor: `(n, flagged)`.
    pub cells: BTreeMap<TallyKey, Vec<(u64, u64)>>,
}

/// Counts the valid questionnaires of a wave by district × grade × sex ×
/// school type. `school_types` maps a school id to its type.
pub fn tally_strata<'a>(
    instrument: &Instrument,
    plan: &ScoringPlan,
    respondents: impl IntoIterator<Item = Respondent<'a>>,
    school_types: &BTreeMap<i64, String>,
) -> StratumTallies {
    let factors = profile_factors(instrument);
    let mut cells: BTreeMap<TallyKey, Vec<(u64, u64)>> = BTreeMap::new();
    let mut scores = PupilScores::default();
    for respondent in respondents.into_iter().filter(|r| r.valid) {
        plan.score_into(respondent.answers, respondent.grade, &mut scores);
        let key = TallyKey {
            district: respondent.district,
            grade: respondent.grade,
            sex: SexKey::of_answer(respondent.sex),
            school_type: respondent
                .school
                .and_then(|school| school_types.get(&school))
                .cloned(),
        };
        let tally = cells
            .entry(key)
            .or_insert_with(|| vec![(0, 0); factors.len()]);
        for (slot, factor) in tally.iter_mut().zip(&factors) {
            let flag = match factor.source {
                FactorSource::Scale(i) => scores
                    .scale_scores
                    .get(i)
                    .copied()
                    .flatten()
                    .map(|_| scores.scale_flags.get(i).copied().flatten() == Some(true)),
                FactorSource::Outcome(i) => scores.outcomes.get(i).copied().flatten(),
            };
            if let Some(flagged) = flag {
                slot.0 += 1;
                slot.1 += u64::from(flagged);
            }
        }
    }
    StratumTallies { cells }
}

/// The municipality's pupils per school type × grade for one wave.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PopulationCounts {
    /// Pupils per stratum.
    pub pupils: BTreeMap<StratumKey, u64>,
}

/// The columns of a population-counts CSV (docs/csv-formats.md).
pub const POPULATION_COLUMNS: [&str; 3] = ["school_type", "grade", "pupils"];

/// Checks a population-counts CSV: every school type one of the
/// municipality's (`school_types`, as its schools name them), every grade
/// one the wave surveys, pupils a whole number ≥ 1, each school type ×
/// grade once. Every problem is reported by row and column.
pub fn parse_population(
    header: &[String],
    rows: &[Vec<String>],
    school_types: &[String],
    grades: &[u8],
) -> Result<PopulationCounts, RowProblems> {
    let positions = map_columns(header, &POPULATION_COLUMNS).map_err(RowProblems)?;
    let mut problems = Vec::new();
    let mut pupils: BTreeMap<StratumKey, u64> = BTreeMap::new();
    let mut first_row: BTreeMap<StratumKey, usize> = BTreeMap::new();
    for data in data_rows(header, rows, &positions) {
        let Some(data) = keep_row(data, &mut problems) else {
            continue;
        };
        let row = data.row;
        let before = problems.len();
        let school_type = data.cell(0);
        if !school_types.iter().any(|known| known == school_type) {
            problems.push(RowProblem::new(
                row,
                Some("school_type"),
                format!(
                    "\"{school_type}\" is not the type of any school of this municipality (types: {})",
                    if school_types.is_empty() {
                        "none: give the schools a type in the set-up first".to_string()
                    } else {
                        school_types.join(", ")
                    }
                ),
            ));
        }
        let grade = match data.cell(1).parse::<u8>() {
            Ok(grade) if grades.contains(&grade) => Some(grade),
            _ => {
                let list: Vec<String> = grades.iter().map(u8::to_string).collect();
                problems.push(RowProblem::new(
                    row,
                    Some("grade"),
                    format!(
                        "\"{}\" is not a grade of this wave ({})",
                        data.cell(1),
                        list.join(", ")
                    ),
                ));
                None
            }
        };
        let count = match data.cell(2).parse::<u64>() {
            Ok(count) if count >= 1 => Some(count),
            _ => {
                problems.push(RowProblem::new(
                    row,
                    Some("pupils"),
                    format!("\"{}\" is not a whole number of pupils ≥ 1", data.cell(2)),
                ));
                None
            }
        };
        if let (Some(grade), Some(count), true) = (grade, count, problems.len() == before) {
            let key = StratumKey {
                school_type: school_type.to_string(),
                grade,
            };
            if let Some(first) = first_row.get(&key) {
                problems.push(RowProblem::new(
                    row,
                    None,
                    format!("{school_type}, grade {grade} appears twice (first in row {first})"),
                ));
                continue;
            }
            first_row.insert(key.clone(), row);
            pupils.insert(key, count);
        }
    }
    if problems.is_empty() && pupils.is_empty() {
        problems.push(RowProblem::new(1, None, "the file has no data rows"));
    }
    if problems.is_empty() {
        Ok(PopulationCounts { pupils })
    } else {
        Err(RowProblems(problems))
    }
}

/// What the weighting could and could not cover.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Valid questionnaires in a stratum with a population count: the
    /// weighted figures stand on these. Counted per cell by the factor
    /// most of its pupils answered (the tallies keep answers per factor,
    /// not questionnaires), so a questionnaire without any scored factor
    /// is not counted.
    pub weighted_answers: u64,
    /// Valid questionnaires left out of the weighted figures, counted the
    /// same way: their school has no type, or their stratum no population
    /// count.
    pub answers_left_out: u64,
    /// Strata with pupils in the population but no answer: nobody stands
    /// for them, so the weighted figures do not cover them.
    pub strata_without_answers: Vec<StratumKey>,
}

/// The weighted profile of a wave and what it covers.
#[derive(Clone, Debug, PartialEq)]
pub struct WeightedProfile {
    /// The profile with weighted figures in every shown cell (shared, as
    /// the unweighted profile is, by every page and CSV that reads it).
    pub table: std::sync::Arc<ProfileTable>,
    /// What the weights cover.
    pub coverage: Coverage,
}

/// Method names of weighted comparisons.
pub mod weighted_method {
    /// Wilson interval of the weighted share on its effective sample size
    /// `p(1 − p) / V`.
    pub const WILSON_EFFECTIVE_N: &str = "wilson_effective_n_post_stratified";
    /// Wald interval of group − rest with the linearised variance of the
    /// difference (shared strata give a covariance).
    pub const WALD_LINEARISED: &str = "wald_linearised_post_stratified";
    /// Wald z-test of group − rest (or group − norm) on the linearised
    /// variance.
    pub const WALD_Z_LINEARISED: &str = "wald_z_linearised_post_stratified";
    /// Post-strata as strata, linearised variance, times the class design
    /// effect.
    pub const POST_STRATIFIED: &str = "post_stratified_school_type_grade_times_kish";
}

/// Sums of the tallies per group and stratum, for one factor index each.
type GroupStrata = BTreeMap<GroupKey, BTreeMap<StratumKey, Vec<(u64, u64)>>>;

/// Every group (district / grade / sex margins) each tally belongs to.
fn ancestors(key: &TallyKey) -> impl Iterator<Item = GroupKey> + '_ {
    (0..8u8).map(move |mask| GroupKey {
        district: (mask & 1 != 0).then_some(key.district),
        school: None,
        grade: (mask & 2 != 0).then_some(key.grade),
        sex: if mask & 4 != 0 { key.sex } else { SexKey::All },
    })
}

fn add_into(into: &mut Vec<(u64, u64)>, from: &[(u64, u64)]) {
    if into.len() < from.len() {
        into.resize(from.len(), (0, 0));
    }
    for (a, b) in into.iter_mut().zip(from) {
        a.0 += b.0;
        a.1 += b.1;
    }
}

/// The profile `table` (built from the same wave as `tallies`) with every
/// shown figure weighted to `population`.
///
/// Per shown cell: the weighted share, its variance by linearisation with
/// the post-strata as strata, inflated by the cell's class design effect;
/// the interval on the effective sample size; against the rest of the city
/// the weighted difference with the variance of the difference (covariance
/// included), a Wald test, Cohen's h of the weighted shares; against a norm
/// a Wald test on the group's variance. Benjamini–Hochberg over each
/// group's factors and the concern rule as in the unweighted profile.
/// `n` and `count` remain the answers behind the figure (unweighted);
/// means and SDs are not weighted and left out.
pub fn weighted_profile(
    table: &ProfileTable,
    tallies: &StratumTallies,
    population: &PopulationCounts,
    options: &ProfileOptions,
) -> WeightedProfile {
    let mut coverage = Coverage::default();
    let mut groups: GroupStrata = BTreeMap::new();
    let mut answered: BTreeMap<&StratumKey, u64> = BTreeMap::new();
    for (key, counts) in &tallies.cells {
        let respondents = counts.iter().map(|c| c.0).max().unwrap_or(0);
        let Some(school_type) = &key.school_type else {
            coverage.answers_left_out += respondents;
            continue;
        };
        let stratum = StratumKey {
            school_type: school_type.clone(),
            grade: key.grade,
        };
        let Some((stratum, _)) = population.pupils.get_key_value(&stratum) else {
            coverage.answers_left_out += respondents;
            continue;
        };
        coverage.weighted_answers += respondents;
        *answered.entry(stratum).or_default() += respondents;
        for group in ancestors(key) {
            add_into(
                groups
                    .entry(group)
                    .or_default()
                    .entry(stratum.clone())
                    .or_default(),
                counts,
            );
        }
    }
    coverage.strata_without_answers = population
        .pupils
        .iter()
        .filter(|(stratum, pupils)| **pupils > 0 && !answered.contains_key(stratum))
        .map(|(stratum, _)| stratum.clone())
        .collect();

    let z = z_critical(options.confidence).ok();
    let mut weighted = table.clone();
    weighted.weighting = Some(weighted_method::POST_STRATIFIED.to_string());
    for group in &mut weighted.groups {
        let reference_key = GroupKey {
            district: None,
            school: None,
            ..group.key
        };
        let own = groups.get(&group.key);
        let reference = groups.get(&reference_key);
        // Stratum samples are the whole city's answers in school type ×
        // grade, whatever the group's sex or district.
        let city = groups.get(&GroupKey::TOTAL);
        for (factor_index, cell) in group.factors.iter_mut().enumerate() {
            let Some(figures) = cell.figures.as_mut() else {
                continue;
            };
            let strata: Vec<Stratum> = match (own, reference, city) {
                (Some(own), Some(reference), Some(city)) => reference
                    .iter()
                    .map(|(stratum, totals)| {
                        let at = |counts: Option<&Vec<(u64, u64)>>| {
                            counts
                                .and_then(|c| c.get(factor_index))
                                .copied()
                                .unwrap_or((0, 0))
                        };
                        let group = at(own.get(stratum));
                        let total = at(Some(totals));
                        Stratum {
                            population: population.pupils.get(stratum).copied().unwrap_or(0),
                            sample: at(city.get(stratum)).0,
                            group,
                            rest: (
                                total.0.saturating_sub(group.0),
                                total.1.saturating_sub(group.1),
                            ),
                        }
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let Some(estimate) = post_stratified(&strata) else {
                // Nothing of this cell could be weighted: no figure rather
                // than an unweighted one under a "weighted" heading.
                cell.figures = None;
                continue;
            };
            reweigh(figures, &estimate, z, options);
        }
        let comparisons: Vec<&mut FactorComparison> = group
            .factors
            .iter_mut()
            .filter_map(|cell| cell.figures.as_mut()?.comparison.as_mut())
            .collect();
        adjust_family(comparisons, options, method::BENJAMINI_HOCHBERG);
        let (factor_of, comparisons): (Vec<usize>, Vec<FactorComparison>) = group
            .factors
            .iter()
            .enumerate()
            .filter_map(|(index, cell)| Some((index, cell.figures.as_ref()?.comparison.clone()?)))
            .unzip();
        group.priority_order = rank_priorities(&comparisons)
            .into_iter()
            .filter_map(|i| factor_of.get(i).copied())
            .collect();
    }
    WeightedProfile {
        table: std::sync::Arc::new(weighted),
        coverage,
    }
}

/// Design effect of a weighted share: its variance (times the class
/// design effect) over the simple-random-sampling variance at the same
/// share and n. At a share of 0 or 1 the class design effect alone.
fn combined_design_effect(share: f64, variance: f64, n: u64, class_deff: f64) -> f64 {
    let srs = share * (1.0 - share) / n as f64;
    if srs > 0.0 && variance > 0.0 {
        variance * class_deff / srs
    } else {
        class_deff
    }
}

fn percent_interval(interval: Interval) -> Interval {
    Interval {
        lower: 100.0 * interval.lower,
        upper: 100.0 * interval.upper,
    }
}

/// Replaces the unweighted figures of one cell by the weighted ones.
fn reweigh(
    figures: &mut Figures,
    estimate: &PostStratified,
    z: Option<f64>,
    options: &ProfileOptions,
) {
    let class_deff = figures.design_effect.max(1.0);
    let group = estimate.group;
    let design_effect = combined_design_effect(group.share, group.variance, figures.n, class_deff);
    figures.percent = 100.0 * group.share;
    figures.design_effect = design_effect;
    figures.ci_percent = wilson_interval_for_share(
        group.share,
        figures.n as f64 / design_effect,
        options.confidence,
    )
    .map(percent_interval);
    figures.mean = None;
    figures.sd = None;
    let Some(comparison) = figures.comparison.as_mut() else {
        return;
    };
    let group_variance = group.variance * class_deff;
    comparison.design_effect = design_effect;
    comparison.group_percent = Some(figures.percent);
    comparison.group_ci_percent = figures.ci_percent;
    comparison.methods = Methods {
        interval: weighted_method::WILSON_EFFECTIVE_N.to_string(),
        difference_interval: weighted_method::WALD_LINEARISED.to_string(),
        test: weighted_method::WALD_Z_LINEARISED.to_string(),
        design: weighted_method::POST_STRATIFIED.to_string(),
        ..comparison.methods.clone()
    };
    let (comparator, variance) = match &comparison.reference {
        Reference::Rest {
            total,
            rest_design_effect,
            total_design_effect,
            ..
        } => {
            let total_deff = total_design_effect.max(1.0);
            let total_share = estimate.total.share;
            let total_design =
                combined_design_effect(total_share, estimate.total.variance, total.n, total_deff);
            comparison.reference_percent = Some(100.0 * total_share);
            comparison.reference_ci_percent = wilson_interval_for_share(
                total_share,
                total.n as f64 / total_design,
                options.confidence,
            )
            .map(percent_interval);
            comparison.difference_points = Some(100.0 * (group.share - total_share));
            let (Some(rest), Some(difference)) = (estimate.rest, estimate.difference_variance)
            else {
                clear_test(comparison);
                return;
            };
            // The difference's variance splits into the two variances and
            // twice their covariance; each side carries its class design
            // effect, the covariance their geometric mean.
            let rest_deff = rest_design_effect.max(1.0);
            let covariance = (group.variance + rest.variance - difference) / 2.0;
            let variance = group_variance + rest.variance * rest_deff
                - 2.0 * (class_deff * rest_deff).sqrt() * covariance;
            (rest.share, variance)
        }
        Reference::Norm { percent, .. } => {
            let norm = percent / 100.0;
            comparison.difference_points = Some(100.0 * (group.share - norm));
            (norm, group_variance)
        }
    };
    let difference = group.share - comparator;
    comparison.comparator_percent = Some(100.0 * comparator);
    comparison.tested_difference_points = Some(100.0 * difference);
    comparison.cohens_h = Some(cohens_h(group.share, comparator)).filter(|h| h.is_finite());
    comparison.concern_h = comparison
        .cohens_h
        .map(|h| h * comparison.kind.concern_sign());
    if variance > 0.0 && variance.is_finite() {
        let se = variance.sqrt();
        let statistic = difference / se;
        comparison.z = Some(statistic);
        comparison.p_value = Some(two_sided_normal_p_value(statistic));
        comparison.tested_difference_ci_points = z.map(|z| Interval {
            lower: 100.0 * (difference - z * se),
            upper: 100.0 * (difference + z * se),
        });
    } else {
        clear_test(comparison);
    }
}

/// No test possible (no rest, or no variance): not estimable, never of
/// concern.
fn clear_test(comparison: &mut FactorComparison) {
    comparison.z = None;
    comparison.p_value = None;
    comparison.p_adjusted = None;
    comparison.tested_difference_ci_points = None;
    comparison.significant = false;
    comparison.concern = Concern::None;
    comparison.of_concern = false;
}

#[cfg(test)]
mod tests;
