//! The profile table: a cube of aggregates turned into what a report may
//! show — small groups suppressed, every shown group compared with its
//! reference, factors ranked for the board.
//!
//! This is the one place that joins aggregation, suppression and the profile
//! statistics, so the profile page, the CSV export and the benchmark all show
//! the same figures.

use crate::domain::analysis::aggregate::{Cell, Cube, Dimension, GroupKey, SexKey};
use crate::domain::analysis::profile::{
    FactorComparison, FactorInput, FactorKind, ProfileOptions, Reference, adjust_over_report,
    compare_profile, rank_priorities,
};
use crate::domain::analysis::stats::{ClusteredProportion, IccEstimate, Interval, Proportion};
use crate::domain::analysis::suppression::{
    CellStatus, CubeKey, MinGroupSize, Partition, SuppressionError, partitions_of_cube, suppress,
};
use crate::domain::survey::instrument::{Domain, Instrument, LocalizedText};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a factor's figures come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
// Externally tagged: stored results are encoded with postcard, which reads
// neither internally nor adjacently tagged enums.
#[serde(rename_all = "snake_case")]
pub enum FactorSource {
    /// A scale with a cut point (index into `Instrument::scales`).
    Scale(usize),
    /// An outcome indicator (index into `Instrument::outcomes`).
    Outcome(usize),
}

impl FactorSource {
    /// The factor's flagged pupils and valid answers in `cell` (0 of 0 if
    /// the cell has no such factor).
    pub fn proportion(self, cell: &Cell) -> Proportion {
        let none = Proportion { count: 0, n: 0 };
        match self {
            Self::Scale(i) => cell.scale(i).map_or(none, |s| s.flagged_proportion()),
            Self::Outcome(i) => cell.outcome(i).map_or(none, |o| o.proportion()),
        }
    }

    /// The cluster sizes `Σ n_c²` of the factor's answers in `cell`.
    pub fn cluster_size_squares(self, cell: &Cell) -> u64 {
        match self {
            Self::Scale(i) => cell.scale(i).map_or(0, |s| s.cluster_size_squares),
            Self::Outcome(i) => cell.outcome(i).map_or(0, |o| o.cluster_size_squares),
        }
    }

    /// The factor's intra-class correlation over the wave's classes.
    pub fn icc(self, cube: &Cube) -> Option<IccEstimate> {
        match self {
            Self::Scale(i) => cube.scale_icc(i),
            Self::Outcome(i) => cube.outcome_icc(i),
        }
    }

    /// The factor's share in `cell` with the cell's Kish design effect
    /// (docs/statistics.md §1.2).
    pub fn clustered(self, cube: &Cube, cell: &Cell) -> ClusteredProportion {
        let proportion = self.proportion(cell);
        ClusteredProportion {
            proportion,
            design_effect: Cube::design_effect(
                proportion.n,
                self.cluster_size_squares(cell),
                self.icc(cube),
            ),
        }
    }
}

/// A factor of the profile: a risk or protective scale, an outcome scale, or
/// an outcome indicator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FactorInfo {
    /// Scale or outcome id.
    pub id: String,
    /// Display name.
    pub label: LocalizedText,
    /// Risk, protective or outcome.
    pub kind: FactorKind,
    /// CTC domain (scales only).
    pub domain: Option<Domain>,
    /// Where the figures come from.
    pub source: FactorSource,
}

/// The factors of an instrument in report order: scales with a cut point
/// (risk, protective, outcome scales) in instrument order, then the outcome
/// indicators. Scales without a cut point have no "percent" and are left out.
pub fn profile_factors(instrument: &Instrument) -> Vec<FactorInfo> {
    let scales = instrument
        .scales
        .iter()
        .enumerate()
        .filter(|(_, scale)| scale.cut_point.is_some())
        .map(|(index, scale)| FactorInfo {
            id: scale.id.clone(),
            label: scale.label.clone(),
            kind: FactorKind::from(scale.kind),
            domain: Some(scale.domain),
            source: FactorSource::Scale(index),
        });
    let outcomes = instrument
        .outcomes
        .iter()
        .enumerate()
        .map(|(index, outcome)| FactorInfo {
            id: outcome.id.clone(),
            label: outcome.label.clone(),
            kind: FactorKind::Outcome,
            domain: None,
            source: FactorSource::Outcome(index),
        });
    scales.chain(outcomes).collect()
}

pub use crate::domain::analysis::norms::NormTable;

/// Settings of a report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReportOptions {
    /// Groups with fewer valid answers are suppressed (default 15, never
    /// below 10).
    pub min_group_size: MinGroupSize,
    /// Margin, significance level and confidence of the comparisons.
    pub profile: ProfileOptions,
    /// Compare with imported norms instead of the city total.
    pub norms: Option<NormTable>,
}

/// Versions an aggregate was computed with, recorded with every report so
/// trends can warn when they differ.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportVersions {
    /// `<instrument id> <version>`.
    pub instrument: String,
    /// Cut-point set id (`<instrument id>-<version>/default` for the
    /// instrument's own cut points).
    pub cut_points: String,
    /// Validity rule set: the rules travel with the instrument version.
    pub validity_rules: String,
}

/// The figures of one factor in one group, present only when they may be
/// shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// Valid answers (pupils with a score for this factor).
    pub n: u64,
    /// Pupils at risk / highly protected / with the outcome.
    pub count: u64,
    /// `count / n` in percent.
    pub percent: f64,
    /// 95 % Wilson interval of `percent`, on the effective sample size
    /// `n / design_effect`.
    pub ci_percent: Option<Interval>,
    /// Kish's design effect of the share (1 = as a simple random sample;
    /// docs/statistics.md §1.2).
    pub design_effect: f64,
    /// Mean scale score (scales only).
    pub mean: Option<f64>,
    /// Standard deviation of the scale score (scales only).
    pub sd: Option<f64>,
    /// Comparison with the reference, when there is one that may be shown.
    pub comparison: Option<FactorComparison>,
}

/// One factor in one group.
///
/// A withheld cell carries neither figures nor the reason it is withheld:
/// "fewer than k answers" and "hidden to protect another cell" must look
/// the same everywhere, or the reason would tell which of two hidden cells
/// is the small one (docs/statistics.md).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FactorCell {
    /// The figures; `None` whenever the cell is withheld, so nothing
    /// downstream can leak them.
    pub figures: Option<Figures>,
}

impl FactorCell {
    /// Whether the cell's figures may be shown.
    pub fn is_shown(&self) -> bool {
        self.figures.is_some()
    }
}

/// All factors of one group (a cell of the cube).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupProfile {
    /// Which group.
    pub key: GroupKey,
    /// One entry per factor, in [`ProfileTable::factors`] order.
    pub factors: Vec<FactorCell>,
    /// Factor indices in priority order (factors of concern first); only
    /// factors with a comparison take part.
    pub priority_order: Vec<usize>,
}

/// A complete, privacy-safe profile table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProfileTable {
    /// Versions used.
    pub versions: ReportVersions,
    /// The minimum group size applied.
    pub min_group_size: u64,
    /// The breakdown of the cube.
    pub breakdown: Vec<Dimension>,
    /// Label of the reference: "city total" or the norm's label.
    pub reference_label: String,
    /// The factors, in column order.
    pub factors: Vec<FactorInfo>,
    /// One entry per group, the city total first.
    pub groups: Vec<GroupProfile>,
    /// Questionnaires read.
    pub responses_read: u64,
    /// Questionnaires excluded by validity rules.
    pub excluded_flagged: u64,
    /// `None` for figures as answered; the weighting's method name
    /// (`weighting::weighted_method::POST_STRATIFIED`) for weighted ones.
    pub weighting: Option<String>,
}

impl ProfileTable {
    /// The profile of one group, if present.
    pub fn group(&self, key: &GroupKey) -> Option<&GroupProfile> {
        self.groups.iter().find(|group| &group.key == key)
    }

    /// The groups `keep` selects, cloning only those: the whole table of a
    /// large city has tens of thousands of cells.
    pub fn only_groups(&self, keep: impl Fn(&GroupKey) -> bool) -> ProfileTable {
        ProfileTable {
            versions: self.versions.clone(),
            min_group_size: self.min_group_size,
            breakdown: self.breakdown.clone(),
            reference_label: self.reference_label.clone(),
            factors: self.factors.clone(),
            groups: self
                .groups
                .iter()
                .filter(|g| keep(&g.key))
                .cloned()
                .collect(),
            responses_read: self.responses_read,
            excluded_flagged: self.excluded_flagged,
            weighting: self.weighting.clone(),
        }
    }

    /// Adjusts every comparison of every group of this table as one family
    /// ([`adjust_over_report`]) and orders each group's priorities again.
    /// Restrict the table to the groups of the report first
    /// ([`Self::only_groups`]): the family is what the reader scans.
    pub fn adjust_over_report(&mut self, options: &ProfileOptions) {
        adjust_over_report(
            self.groups.iter_mut().flat_map(|group| {
                group
                    .factors
                    .iter_mut()
                    .filter_map(|cell| cell.figures.as_mut()?.comparison.as_mut())
            }),
            options,
        );
        for group in &mut self.groups {
            let (factor_of, comparisons): (Vec<usize>, Vec<FactorComparison>) = group
                .factors
                .iter()
                .enumerate()
                .filter_map(|(index, cell)| {
                    Some((index, cell.figures.as_ref()?.comparison.clone()?))
                })
                .unzip();
            group.priority_order = rank_priorities(&comparisons)
                .into_iter()
                .filter_map(|i| factor_of.get(i).copied())
                .collect();
        }
    }
}

/// The group a group is compared with: the same cell for the whole city.
pub fn reference_key(key: &GroupKey) -> Option<GroupKey> {
    if key.district.is_none() && key.school.is_none() {
        None
    } else {
        Some(key.without(Dimension::District).without(Dimension::School))
    }
}

/// Builds the profile table of a cube.
///
/// Per factor, every figure of a group with fewer than the minimum of valid
/// answers is suppressed, and so is any figure from which one could be
/// recomputed along the cube's additive margins (see
/// `docs/statistics.md`). Suppressed groups are neither compared nor ranked.
pub fn build_profile_table(
    instrument: &Instrument,
    cube: &Cube,
    cut_point_set: &str,
    options: &ReportOptions,
) -> Result<ProfileTable, SuppressionError> {
    let factors = profile_factors(instrument);
    let keys: Vec<GroupKey> = cube.cells().keys().cloned().collect();
    let cells: Vec<_> = cube.cells().values().collect();
    let (partitions, remainders) = additive_partitions(cube, &keys);

    // Suppression status per factor and cell.
    let mut status: Vec<Vec<CellStatus>> = Vec::with_capacity(factors.len());
    for factor in &factors {
        let mut cells_n: Vec<u64> = cells
            .iter()
            .map(|cell| factor.source.proportion(cell).n)
            .collect();
        for remainder in &remainders {
            let parent = factor.source.proportion(cells[remainder.parent]).n;
            let children: u64 = remainder
                .children
                .iter()
                .map(|&child| factor.source.proportion(cells[child]).n)
                .sum();
            cells_n.push(parent.saturating_sub(children));
        }
        let mut result = suppress(&cells_n, &partitions, options.min_group_size)?;
        result.truncate(keys.len());
        status.push(result);
    }

    let index_of: BTreeMap<&GroupKey, usize> =
        keys.iter().enumerate().map(|(i, key)| (key, i)).collect();
    let icc: Vec<Option<IccEstimate>> = factors
        .iter()
        .map(|factor| factor.source.icc(cube))
        .collect();
    let design_effect = |factor_index: usize, n: u64, squares: u64| {
        Cube::design_effect(n, squares, icc[factor_index])
    };
    let mut groups = Vec::with_capacity(keys.len());
    for (cell_index, key) in keys.iter().enumerate() {
        let reference_index = reference_key(key).and_then(|r| index_of.get(&r).copied());
        let grade = key.grade;
        // Comparisons only for shown groups with a shown (or imported)
        // reference; one call per group = one multiple-testing family.
        let mut inputs = Vec::new();
        let mut input_factor = Vec::new();
        for (factor_index, factor) in factors.iter().enumerate() {
            if !status[factor_index][cell_index].is_shown() {
                continue;
            }
            let group = factor.source.proportion(cells[cell_index]);
            let group_squares = factor.source.cluster_size_squares(cells[cell_index]);
            let reference = match (&options.norms, reference_index) {
                (Some(norms), _) => norms.get(&factor.id, grade).map(|percent| Reference::Norm {
                    percent,
                    label: norms.label.clone(),
                }),
                (None, Some(r)) if status[factor_index][r].is_shown() => {
                    let total = factor.source.proportion(cells[r]);
                    let total_squares = factor.source.cluster_size_squares(cells[r]);
                    // The group's classes are among the total's, so the
                    // rest's cluster sizes are the difference.
                    Reference::rest_of_clustered(
                        total,
                        group,
                        design_effect(factor_index, total.n, total_squares),
                        design_effect(
                            factor_index,
                            total.n.saturating_sub(group.n),
                            total_squares.saturating_sub(group_squares),
                        ),
                    )
                }
                _ => None,
            };
            if let Some(reference) = reference {
                inputs.push(FactorInput {
                    factor_id: factor.id.clone(),
                    kind: factor.kind,
                    group,
                    design_effect: design_effect(factor_index, group.n, group_squares),
                    reference,
                });
                input_factor.push(factor_index);
            }
        }
        let comparisons = compare_profile(&inputs, &options.profile);
        let priority_order = rank_priorities(&comparisons)
            .into_iter()
            .filter_map(|i| input_factor.get(i).copied())
            .collect();
        let mut comparison_of: BTreeMap<usize, FactorComparison> =
            input_factor.iter().copied().zip(comparisons).collect();

        let factor_cells = factors
            .iter()
            .enumerate()
            .map(|(factor_index, factor)| {
                let cell_status = status[factor_index][cell_index];
                let figures = cell_status.is_shown().then(|| {
                    let cell = cells[cell_index];
                    let proportion = factor.source.proportion(cell);
                    let clustered = ClusteredProportion {
                        proportion,
                        design_effect: design_effect(
                            factor_index,
                            proportion.n,
                            factor.source.cluster_size_squares(cell),
                        ),
                    };
                    let (mean, sd) = match factor.source {
                        FactorSource::Scale(i) => cell
                            .scale(i)
                            .map_or((None, None), |s| (s.moments.mean(), s.moments.sample_sd())),
                        FactorSource::Outcome(_) => (None, None),
                    };
                    Figures {
                        n: proportion.n,
                        count: proportion.count,
                        percent: proportion.estimate().map_or(0.0, |p| 100.0 * p),
                        ci_percent: clustered.wilson_interval(options.profile.confidence).map(
                            |ci| Interval {
                                lower: 100.0 * ci.lower,
                                upper: 100.0 * ci.upper,
                            },
                        ),
                        design_effect: clustered.design_effect,
                        mean,
                        sd,
                        comparison: comparison_of.remove(&factor_index),
                    }
                });
                FactorCell {
                    figures: figures.filter(|f| f.n > 0),
                }
            })
            .collect();
        groups.push(GroupProfile {
            key: *key,
            factors: factor_cells,
            priority_order,
        });
    }

    Ok(ProfileTable {
        versions: ReportVersions {
            instrument: format!("{} {}", instrument.id, instrument.version),
            cut_points: cut_point_set.to_string(),
            validity_rules: format!("{} {}", instrument.id, instrument.version),
        },
        min_group_size: options.min_group_size.get(),
        breakdown: cube.breakdown().to_vec(),
        reference_label: options
            .norms
            .as_ref()
            .map_or_else(|| "city_total".to_string(), |n| n.label.clone()),
        factors,
        groups,
        responses_read: cube.responses_read(),
        excluded_flagged: cube.excluded_flagged(),
        weighting: None,
    })
}

/// The default cut-point set id of an instrument.
pub fn default_cut_point_set(instrument: &Instrument) -> String {
    format!("{}-{}/default", instrument.id, instrument.version)
}

/// The additive relations of the cube for suppression, plus the relations
/// whose children do not cover the parent (pupils without a school in a
/// school breakdown). Those get a hidden remainder cell, appended after the
/// real cells in the returned order, so the remainder is protected like any
/// other group.
fn additive_partitions(cube: &Cube, keys: &[GroupKey]) -> (Vec<Partition>, Vec<Partition>) {
    let cube_keys: Vec<CubeKey> = keys
        .iter()
        .map(|key| cube_key(key, cube.breakdown()))
        .collect();
    let mut partitions = partitions_of_cube(&cube_keys);
    let cells: Vec<_> = cube.cells().values().collect();
    let mut remainders = Vec::new();
    for partition in &mut partitions {
        let parent = cells[partition.parent].respondents;
        let children: u64 = partition
            .children
            .iter()
            .map(|&c| cells[c].respondents)
            .sum();
        if children < parent {
            remainders.push(partition.clone());
            partition.children.push(keys.len() + remainders.len() - 1);
        }
    }
    (partitions, remainders)
}

fn cube_key(key: &GroupKey, breakdown: &[Dimension]) -> CubeKey {
    CubeKey(
        breakdown
            .iter()
            .map(|dimension| match dimension {
                Dimension::District => key.district.map(|d| d as u64),
                Dimension::School => key.school.map(|s| s as u64),
                Dimension::Grade => key.grade.map(u64::from),
                Dimension::Sex => match key.sex {
                    SexKey::All => None,
                    SexKey::NoAnswer => Some(0),
                    SexKey::Female => Some(1),
                    SexKey::Male => Some(2),
                    SexKey::Diverse => Some(3),
                },
            })
            .collect(),
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::analysis::aggregate::{AggregateOptions, Respondent, aggregate};

    pub(crate) const INSTRUMENT: &str = r#"
[instrument]
id = "t"
version = "1"
title = { de = "T", en = "T" }
languages = ["de", "en"]

[[response_sets]]
id = "yesno"
options = [
  { value = 1, label = { de = "nein", en = "no" } },
  { value = 2, label = { de = "ja", en = "yes" } },
]

[[pages]]
id = "p"
title = { de = "P", en = "P" }
[[pages.items]]
code = "R1"
text = { de = "x", en = "x" }
response_set = "yesno"

[[scales]]
id = "risk"
kind = "risk"
domain = "family"
label = { de = "R", en = "R" }
items = ["R1"]
cut_point = 2
"#;

    /// `(district, pupils, flagged)`; flagged pupils answer "yes" (byte 2).
    fn answers(groups: &[(i64, usize, usize)]) -> Vec<(i64, Vec<u8>)> {
        groups
            .iter()
            .flat_map(|&(district, pupils, flagged)| {
                (0..pupils).map(move |i| (district, vec![if i < flagged { 2 } else { 1 }]))
            })
            .collect()
    }

    /// A profile table of one risk scale over `(district, pupils, flagged)`
    /// groups of grade 8, without classes.
    pub(crate) fn table(groups: &[(i64, usize, usize)], breakdown: &[Dimension]) -> ProfileTable {
        let instrument = Instrument::from_toml_str(INSTRUMENT, "t.toml").expect("valid");
        let data = answers(groups);
        let cube = aggregate(
            &instrument,
            data.iter().map(|(district, answers)| Respondent {
                class: None,
                district: *district,
                school: None,
                grade: 8,
                sex: None,
                answers,
                valid: true,
            }),
            breakdown,
            AggregateOptions::default(),
        );
        build_profile_table(&instrument, &cube, "t-1/default", &ReportOptions::default())
            .expect("additive cube")
    }

    fn district(table: &ProfileTable, id: i64) -> &FactorCell {
        let key = GroupKey {
            district: Some(id),
            ..GroupKey::TOTAL
        };
        &table.group(&key).expect("group present").factors[0]
    }

    #[test]
    fn a_small_district_and_one_partner_are_suppressed_without_figures() {
        let table = table(
            &[(1, 50, 30), (2, 40, 10), (3, 5, 2)],
            &[Dimension::District],
        );
        let small = district(&table, 3);
        assert!(small.figures.is_none());
        // The smaller shown district hides too, or city total minus the
        // others would give the small district away; and it looks exactly
        // like the small one, so the table does not say which is small.
        let partner = district(&table, 2);
        assert_eq!(partner, small);
        assert!(district(&table, 1).is_shown());
        let total = &table.group(&GroupKey::TOTAL).expect("total").factors[0];
        assert_eq!(
            total.figures.as_ref().map(|f| (f.n, f.count)),
            Some((95, 42))
        );
    }

    #[test]
    fn a_district_is_tested_against_the_rest_of_the_city() {
        let table = table(
            &[(1, 50, 30), (2, 40, 10), (3, 5, 2)],
            &[Dimension::District],
        );
        let figures = district(&table, 1).figures.clone().expect("shown");
        assert_eq!((figures.n, figures.count), (50, 30));
        let comparison = figures.comparison.expect("compared with the city");
        // python3 -c "from statsmodels.stats.proportion import proportions_ztest;
        //   print(proportions_ztest([30,12],[50,45]))"
        // -> (3.266398947534796, 0.0010892467591785205)
        approx::assert_relative_eq!(comparison.z.expect("z"), 3.266398947534796, epsilon = 1e-9);
        approx::assert_relative_eq!(
            comparison.p_value.expect("p"),
            0.0010892467591785205,
            max_relative = 1e-8
        );
        // Displayed reference = city total 42/95; 60 % vs 44.2 % is elevated.
        approx::assert_relative_eq!(
            comparison.reference_percent.expect("reference"),
            100.0 * 42.0 / 95.0,
            epsilon = 1e-9
        );
        assert!(comparison.of_concern);
        assert_eq!(
            table
                .group(&GroupKey::TOTAL)
                .map(|g| g.priority_order.len()),
            Some(0)
        );
    }

    #[test]
    fn records_the_versions_it_used() {
        let table = table(&[(1, 20, 5)], &[Dimension::District]);
        assert_eq!(table.versions.instrument, "t 1");
        assert_eq!(table.versions.cut_points, "t-1/default");
        assert_eq!(table.min_group_size, 15);
    }
}
