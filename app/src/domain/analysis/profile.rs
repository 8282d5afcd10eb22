//! The area profile ("Gebietsprofil"): one group (a district, optionally one
//! grade and/or sex) compared with a reference, factor by factor, and the
//! ordering in which the board sees the candidates for its 2–5 priority
//! factors.
//!
//! Pure functions of plain counts ([`Proportion`]); no scoring, aggregation
//! or suppression happens here. The caller passes only cells that may be
//! shown (suppression is applied before). Methods, rationale and caveats are
//! in `docs/statistics.md`, section "Elevated factors and the profile
//! ranking".
//!
//! # Two references, two roles
//!
//! With [`Reference::Rest`] the chart marker is the **city total**, because
//! that is the number a board knows and compares with. The significance test
//! and the difference interval use the **rest of the city** (city total minus
//! the group). The total contains the group's own pupils, so group and total
//! are not independent samples, and the two-sample formulas do not apply to
//! them: with `w = n_group / n_total` the displayed difference is exactly
//! `(1 − w)·(group − rest)`, and the independent-samples variance of
//! group − total is wrong. Group and rest are disjoint sets of pupils, so
//! their comparison is a valid two-sample test, and it tests the displayed
//! difference as well (both are 0 together).
//!
//! All shares in the output are in **percent** (0–100) and all differences in
//! **percentage points**, ready for display. Cohen's h and p-values have no
//! unit.

use serde::{Deserialize, Serialize};

use crate::domain::analysis::stats::{
    CONFIDENCE_95, ClusteredProportion, Interval, Proportion, benjamini_hochberg,
    binomial_test_two_sided, cohens_h, newcombe_difference_interval_clustered,
    score_test_against_value_clustered, two_proportion_z_test_clustered,
};
use crate::domain::survey::instrument::ScaleKind;

/// Method names written into [`Methods`], so a report can name what was
/// computed without hard-coding it in the UI.
pub mod method {
    /// Wilson score interval for one share (`docs/statistics.md` §1.1).
    pub const WILSON: &str = "wilson";
    /// Newcombe hybrid score interval (method 10) for group − rest (§2.1).
    pub const NEWCOMBE_HYBRID_SCORE: &str = "newcombe_hybrid_score";
    /// The group's Wilson interval minus the fixed norm value. A norm is
    /// treated as known without error, so the difference inherits only the
    /// group's uncertainty.
    pub const WILSON_MINUS_NORM: &str = "wilson_minus_norm";
    /// Pooled two-proportion z-test, two-sided (§2.3).
    pub const TWO_PROPORTION_Z_POOLED: &str = "two_proportion_z_pooled";
    /// Exact two-sided binomial test against a fixed value (§3).
    pub const EXACT_BINOMIAL: &str = "exact_binomial";
    /// Score z-test against a fixed value with the design effect in the
    /// variance (§1.2), for a class-clustered group (`deff > 1`).
    pub const SCORE_Z_DESIGN_ADJUSTED: &str = "score_z_design_adjusted";
    /// Every variance computed as for a simple random sample of pupils.
    pub const SIMPLE_RANDOM_SAMPLING: &str = "simple_random_sampling";
    /// Every variance inflated by Kish's design effect from the factor's
    /// intra-class correlation over the wave's classes (§1.2): Wilson on
    /// the effective sample size, Newcombe from those intervals, the z-test
    /// with inflated variances.
    pub const KISH_DESIGN_EFFECT: &str = "kish_design_effect_classes";
    /// Cohen's h effect size (§2.4).
    pub const COHENS_H: &str = "cohens_h";
    /// Benjamini–Hochberg false-discovery-rate adjustment (§4) over the
    /// factors of one group.
    pub const BENJAMINI_HOCHBERG: &str = "benjamini_hochberg";
    /// The same adjustment over every compared factor of every group of a
    /// report ([`super::adjust_over_report`]).
    pub const BENJAMINI_HOCHBERG_REPORT: &str = "benjamini_hochberg_over_report";
}

/// Differences closer to the margin than this (in percentage points) count
/// as reaching it.
///
/// Why: 25 % − 20 % evaluates to 4.999999999999999 points in binary floating
/// point. A board that reads "+5.0 points" next to a 5-point margin must see
/// the factor treated as reaching the margin.
pub const MARGIN_TOLERANCE_POINTS: f64 = 1e-9;

/// What a flagged share means, which decides the concerning direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactorKind {
    /// Risk factor: the share is "% at risk"; **higher** is worse.
    Risk,
    /// Protective factor: the share is "% with high protection" (the
    /// orientation of Quartier's instrument, `docs/statistics.md` §6.2);
    /// **lower** is worse.
    Protective,
    /// Outcome (problem behaviour, e.g. 30-day alcohol use, or an outcome
    /// scale such as depressive symptoms): **higher** is worse.
    Outcome,
}

impl FactorKind {
    /// `+1` if a higher share is worse (risk, outcome), `−1` if a lower share
    /// is worse (protection).
    #[must_use]
    pub fn concern_sign(self) -> f64 {
        match self {
            Self::Risk | Self::Outcome => 1.0,
            Self::Protective => -1.0,
        }
    }
}

impl From<ScaleKind> for FactorKind {
    /// Maps the instrument's scale kind. A protective scale must be reported
    /// as "% with high protection" (direction `high`) for the mapping to mean
    /// "lower is worse".
    fn from(kind: ScaleKind) -> Self {
        match kind {
            ScaleKind::Risk => Self::Risk,
            ScaleKind::Protective => Self::Protective,
            ScaleKind::Outcome => Self::Outcome,
        }
    }
}

/// What the group is compared with.
// Externally tagged (serde's default): stored results are encoded with
// postcard, which cannot read internally tagged enums.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reference {
    /// The rest of the same city in the same survey (and the same grade / sex
    /// selection as the group).
    Rest {
        /// The city **without** the group: the independent sample used by the
        /// test, the difference interval and Cohen's h.
        rest: Proportion,
        /// The whole city **including** the group: the marker shown in the
        /// chart and the base of the displayed difference.
        total: Proportion,
        /// Design effect of the rest (1 = simple random sampling).
        rest_design_effect: f64,
        /// Design effect of the city total.
        total_design_effect: f64,
    },
    /// A fixed, imported norm, e.g. a state reference value. It is treated as
    /// known without sampling error. If the norm comes from an independent
    /// sample with known counts, pass it as `Rest { rest: norm, total: norm }`
    /// instead, so that its uncertainty is taken into account.
    Norm {
        /// The norm in percent, `0..=100`.
        percent: f64,
        /// Where the norm comes from, shown next to the marker (e.g.
        /// "Niedersachsen 2015, grade 8").
        label: String,
    },
}

impl Reference {
    /// The [`Reference::Rest`] for `group` within the city `total`:
    /// `rest = total − group`, count and n alike.
    ///
    /// `None` if the group does not fit into the total (`group.n > total.n`,
    /// `group.count > total.count`, or a rest with more flagged pupils than
    /// pupils), which means the counts come from different selections.
    #[must_use]
    pub fn rest_of(total: Proportion, group: Proportion) -> Option<Self> {
        Self::rest_of_clustered(total, group, 1.0, 1.0)
    }

    /// [`Reference::rest_of`] for class-clustered samples: the design
    /// effects of the city total and of the rest.
    #[must_use]
    pub fn rest_of_clustered(
        total: Proportion,
        group: Proportion,
        total_design_effect: f64,
        rest_design_effect: f64,
    ) -> Option<Self> {
        let rest = Proportion::new(
            total.count.checked_sub(group.count)?,
            total.n.checked_sub(group.n)?,
        )?;
        Some(Self::Rest {
            rest,
            total,
            rest_design_effect,
            total_design_effect,
        })
    }
}

/// One factor of the profile, as counts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FactorInput {
    /// Scale or outcome id (e.g. `"fam_conflict"`).
    pub factor_id: String,
    /// Risk, protective or outcome.
    pub kind: FactorKind,
    /// Flagged pupils and valid answers in the group.
    pub group: Proportion,
    /// Design effect of the group's share (1 = simple random sampling;
    /// `docs/statistics.md` §1.2).
    pub design_effect: f64,
    /// What the group is compared with.
    pub reference: Reference,
}

/// How the profile decides "of concern".
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProfileOptions {
    /// Minimum displayed difference, in percentage points, in the concerning
    /// direction. Finite and `>= 0`; default 5.
    pub margin_points: f64,
    /// FDR level for the Benjamini–Hochberg adjusted p-values; in (0, 1),
    /// default 0.05.
    pub alpha: f64,
    /// Level of every interval; in (0, 1), default [`CONFIDENCE_95`].
    pub confidence: f64,
}

impl Default for ProfileOptions {
    fn default() -> Self {
        Self {
            margin_points: 5.0,
            alpha: 0.05,
            confidence: CONFIDENCE_95,
        }
    }
}

impl ProfileOptions {
    /// `true` if the margin is finite and `>= 0` and `alpha` lies in (0, 1).
    /// With invalid settings no factor is marked significant or of concern
    /// (the estimates are still computed). An invalid `confidence` only
    /// makes the intervals `None`.
    #[must_use]
    pub fn decision_rule_is_valid(&self) -> bool {
        self.margin_points.is_finite()
            && self.margin_points >= 0.0
            && self.alpha.is_finite()
            && self.alpha > 0.0
            && self.alpha < 1.0
    }
}

/// Whether a factor is of concern, and in which direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Concern {
    /// A risk factor or outcome is higher than the reference.
    Elevated,
    /// A protective factor is lower than the reference.
    Lowered,
    /// Not of concern: below the margin, not significant after adjustment,
    /// in the favourable direction, or not estimable.
    None,
}

/// The names of the methods behind the numbers of one [`FactorComparison`]
/// (constants of [`method`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Methods {
    /// Interval of the group's share (and of the city total): `"wilson"`.
    pub interval: String,
    /// Interval of the tested difference: `"newcombe_hybrid_score"` (rest of
    /// city) or `"wilson_minus_norm"` (norm).
    pub difference_interval: String,
    /// Test: `"two_proportion_z_pooled"` or `"exact_binomial"`.
    pub test: String,
    /// Effect size: `"cohens_h"`.
    pub effect_size: String,
    /// How the sampling of whole classes enters the variances:
    /// `"kish_design_effect_classes"` or `"simple_random_sampling"` (no
    /// clustering known, or none estimable).
    pub design: String,
    /// Multiplicity adjustment: `"benjamini_hochberg"` over the factors
    /// passed to one [`compare_profile`] call.
    pub adjustment: String,
    /// Confidence level of every interval, e.g. 0.95.
    pub confidence: f64,
}

/// The comparison of one factor. `None` means "not estimable" and must be
/// shown as such, never as 0.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FactorComparison {
    /// Scale or outcome id, as passed in.
    pub factor_id: String,
    /// Risk, protective or outcome.
    pub kind: FactorKind,
    /// The group's counts, as passed in (n is shown next to the share).
    pub group: Proportion,
    /// The group's design effect, as passed in.
    pub design_effect: f64,
    /// The reference, as passed in.
    pub reference: Reference,
    /// The group's share in percent.
    pub group_percent: Option<f64>,
    /// Wilson interval of the group's share (on its effective sample size),
    /// in percent.
    pub group_ci_percent: Option<Interval>,
    /// The **displayed** reference in percent: the city total for
    /// [`Reference::Rest`], the norm for [`Reference::Norm`].
    pub reference_percent: Option<f64>,
    /// Wilson interval of the city total, in percent; `None` for a norm,
    /// which is treated as known.
    pub reference_ci_percent: Option<Interval>,
    /// Group minus the displayed reference, in percentage points. The margin
    /// of the concern rule applies to this number, so the rule can be checked
    /// on the chart.
    pub difference_points: Option<f64>,
    /// The share the test compares the group with, in percent: the rest of
    /// the city, or the norm.
    pub comparator_percent: Option<f64>,
    /// Group minus comparator, in percentage points. For a district this is
    /// larger in size than [`Self::difference_points`], because the city
    /// total contains the district itself.
    pub tested_difference_points: Option<f64>,
    /// Interval of [`Self::tested_difference_points`], in percentage points:
    /// Newcombe for the rest of the city, Wilson minus norm for a norm.
    pub tested_difference_ci_points: Option<Interval>,
    /// z statistic of the pooled two-proportion test (rest of city), or of
    /// the design-adjusted score test (norm, clustered group).
    pub z: Option<f64>,
    /// Unadjusted two-sided p-value of group vs comparator.
    pub p_value: Option<f64>,
    /// Benjamini–Hochberg adjusted p-value over all factors of this
    /// [`compare_profile`] call that have a p-value.
    pub p_adjusted: Option<f64>,
    /// Cohen's h of group vs comparator (positive = group higher).
    pub cohens_h: Option<f64>,
    /// Cohen's h signed so that **positive means worse** than the comparator
    /// (h for risk factors and outcomes, −h for protective factors). The
    /// ranking key of [`rank_priorities`].
    pub concern_h: Option<f64>,
    /// `p_adjusted < alpha`, in either direction and regardless of the margin.
    pub significant: bool,
    /// Direction of concern; [`Concern::None`] unless margin, direction and
    /// adjusted significance all hold.
    pub concern: Concern,
    /// `concern != Concern::None`.
    pub of_concern: bool,
    /// The methods behind the numbers.
    pub methods: Methods,
}

impl FactorComparison {
    /// Oriented displayed difference: positive means worse than the reference.
    fn concern_difference(&self) -> Option<f64> {
        self.difference_points.map(|d| d * self.kind.concern_sign())
    }
}

/// Converts a share in [0, 1] to percent.
fn to_percent(share: f64) -> f64 {
    share * 100.0
}

/// Converts an interval in the unit scale to percent (or percentage points).
fn interval_to_percent(interval: Interval) -> Interval {
    Interval {
        lower: to_percent(interval.lower),
        upper: to_percent(interval.upper),
    }
}

/// Turns a NaN (the stats module's "undefined" for plain numbers) into `None`.
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Everything of one comparison except the adjustment and the decision.
struct Unadjusted {
    group_percent: Option<f64>,
    group_ci_percent: Option<Interval>,
    reference_percent: Option<f64>,
    reference_ci_percent: Option<Interval>,
    difference_points: Option<f64>,
    comparator_percent: Option<f64>,
    tested_difference_points: Option<f64>,
    tested_difference_ci_points: Option<Interval>,
    z: Option<f64>,
    p_value: Option<f64>,
    cohens_h: Option<f64>,
    methods: Methods,
}

fn methods(difference_interval: &str, test: &str, clustered: bool, confidence: f64) -> Methods {
    Methods {
        interval: method::WILSON.to_owned(),
        difference_interval: difference_interval.to_owned(),
        test: test.to_owned(),
        effect_size: method::COHENS_H.to_owned(),
        adjustment: method::BENJAMINI_HOCHBERG.to_owned(),
        design: if clustered {
            method::KISH_DESIGN_EFFECT
        } else {
            method::SIMPLE_RANDOM_SAMPLING
        }
        .to_owned(),
        confidence,
    }
}

/// Whether a design effect says the sample is clustered.
fn is_clustered(design_effect: f64) -> bool {
    design_effect.is_finite() && design_effect > 1.0
}

fn compare_one(factor: &FactorInput, confidence: f64) -> Unadjusted {
    let group = factor.group;
    let clustered_group = ClusteredProportion {
        proportion: group,
        design_effect: factor.design_effect,
    };
    let group_share = group.estimate();
    let group_ci = clustered_group.wilson_interval(confidence);
    let mut out = Unadjusted {
        group_percent: group_share.map(to_percent),
        group_ci_percent: group_ci.map(interval_to_percent),
        reference_percent: None,
        reference_ci_percent: None,
        difference_points: None,
        comparator_percent: None,
        tested_difference_points: None,
        tested_difference_ci_points: None,
        z: None,
        p_value: None,
        cohens_h: None,
        methods: methods(
            method::NEWCOMBE_HYBRID_SCORE,
            method::TWO_PROPORTION_Z_POOLED,
            false,
            confidence,
        ),
    };
    match &factor.reference {
        Reference::Rest {
            rest,
            total,
            rest_design_effect,
            total_design_effect,
        } => {
            let clustered = is_clustered(factor.design_effect)
                || is_clustered(*rest_design_effect)
                || is_clustered(*total_design_effect);
            out.methods = methods(
                method::NEWCOMBE_HYBRID_SCORE,
                method::TWO_PROPORTION_Z_POOLED,
                clustered,
                confidence,
            );
            let clustered_rest = ClusteredProportion {
                proportion: *rest,
                design_effect: *rest_design_effect,
            };
            let clustered_total = ClusteredProportion {
                proportion: *total,
                design_effect: *total_design_effect,
            };
            let total_share = total.estimate();
            out.reference_percent = total_share.map(to_percent);
            out.reference_ci_percent = clustered_total
                .wilson_interval(confidence)
                .map(interval_to_percent);
            if let (Some(g), Some(t)) = (group_share, total_share) {
                out.difference_points = Some(to_percent(g - t));
            }
            let rest_share = rest.estimate();
            out.comparator_percent = rest_share.map(to_percent);
            if let (Some(g), Some(r)) = (group_share, rest_share) {
                out.tested_difference_points = Some(to_percent(g - r));
                out.cohens_h = finite(cohens_h(g, r));
            }
            out.tested_difference_ci_points =
                newcombe_difference_interval_clustered(clustered_group, clustered_rest, confidence)
                    .map(interval_to_percent);
            if let Some(test) = two_proportion_z_test_clustered(clustered_group, clustered_rest) {
                out.z = finite(test.z);
                out.p_value = finite(test.p_value);
            }
        }
        Reference::Norm { percent, .. } => {
            let clustered = is_clustered(factor.design_effect);
            out.methods = methods(
                method::WILSON_MINUS_NORM,
                if clustered {
                    method::SCORE_Z_DESIGN_ADJUSTED
                } else {
                    method::EXACT_BINOMIAL
                },
                clustered,
                confidence,
            );
            // A norm outside 0..=100 % (or NaN) is not a share: not estimable.
            let valid = percent.is_finite() && (0.0..=100.0).contains(percent);
            let norm = valid.then(|| percent / 100.0);
            // The norm as given, not `norm·100`, which can differ in the last
            // digit (18 → 18.000000000000004).
            out.reference_percent = valid.then_some(*percent);
            out.comparator_percent = out.reference_percent;
            if let (Some(g), Some(p0)) = (group_share, norm) {
                let difference = to_percent(g - p0);
                out.difference_points = Some(difference);
                out.tested_difference_points = Some(difference);
                out.cohens_h = finite(cohens_h(g, p0));
                out.tested_difference_ci_points = group_ci.map(|ci| {
                    interval_to_percent(Interval {
                        lower: ci.lower - p0,
                        upper: ci.upper - p0,
                    })
                });
                if clustered {
                    // The binomial distribution does not hold for pupils
                    // sampled in classes; the score test carries the deff.
                    let test = score_test_against_value_clustered(clustered_group, p0);
                    out.z = test.and_then(|t| finite(t.z));
                    out.p_value = test.and_then(|t| finite(t.p_value));
                } else {
                    out.p_value =
                        binomial_test_two_sided(group.count, group.n, p0).and_then(finite);
                }
            }
        }
    }
    out
}

/// Compares the group with its reference for every factor of one profile.
///
/// Per factor (see [`FactorComparison`]): the group's share with its Wilson
/// interval; the displayed reference (city total or norm) and the displayed
/// difference; the test against the comparator (rest of the city: Newcombe
/// interval, pooled z-test, Cohen's h; norm: Wilson interval minus the norm,
/// exact binomial test, Cohen's h); the Benjamini–Hochberg adjusted p-value;
/// and the concern decision.
///
/// **The BH family is exactly the factors passed in this call** that have a
/// p-value (non-estimable factors are left out of the count m). Pass one
/// profile per call: one group, all its factors. Comparisons of other groups
/// (other districts, grades, sexes) are separate families in separate calls.
///
/// **Of concern** ([`Concern::Elevated`] for risk factors and outcomes,
/// [`Concern::Lowered`] for protective factors) requires all of:
/// 1. the displayed difference is at least `margin_points` in the concerning
///    direction (within [`MARGIN_TOLERANCE_POINTS`]);
/// 2. the tested difference points the same way (it always does when the
///    total is group + rest);
/// 3. the adjusted p-value is `< alpha`.
///
/// The margin keeps large groups from flagging trivial differences that are
/// merely significant. The adjusted test keeps small groups from flagging
/// large differences that are mostly noise.
///
/// The output has the same length and order as `factors`. Never panics;
/// factors that are not estimable get `None` fields and are never of concern.
#[must_use]
pub fn compare_profile(factors: &[FactorInput], options: &ProfileOptions) -> Vec<FactorComparison> {
    let unadjusted: Vec<Unadjusted> = factors
        .iter()
        .map(|factor| compare_one(factor, options.confidence))
        .collect();
    let raw: Vec<f64> = unadjusted
        .iter()
        .map(|u| u.p_value.unwrap_or(f64::NAN))
        .collect();
    let adjusted = benjamini_hochberg(&raw);
    factors
        .iter()
        .zip(unadjusted)
        .zip(adjusted)
        .map(|((factor, u), p_adjusted)| {
            let p_adjusted = finite(p_adjusted);
            let (significant, concern) = decide(
                factor.kind,
                u.difference_points,
                u.tested_difference_points,
                p_adjusted,
                options,
            );
            let sign = factor.kind.concern_sign();
            FactorComparison {
                factor_id: factor.factor_id.clone(),
                kind: factor.kind,
                group: factor.group,
                design_effect: factor.design_effect,
                reference: factor.reference.clone(),
                group_percent: u.group_percent,
                group_ci_percent: u.group_ci_percent,
                reference_percent: u.reference_percent,
                reference_ci_percent: u.reference_ci_percent,
                difference_points: u.difference_points,
                comparator_percent: u.comparator_percent,
                tested_difference_points: u.tested_difference_points,
                tested_difference_ci_points: u.tested_difference_ci_points,
                z: u.z,
                p_value: u.p_value,
                p_adjusted,
                cohens_h: u.cohens_h,
                concern_h: u.cohens_h.map(|h| h * sign),
                significant,
                concern,
                of_concern: concern != Concern::None,
                methods: u.methods,
            }
        })
        .collect()
}

/// The decision rule of [`compare_profile`] on an adjusted p-value:
/// `(significant, concern)`.
fn decide(
    kind: FactorKind,
    difference_points: Option<f64>,
    tested_difference_points: Option<f64>,
    p_adjusted: Option<f64>,
    options: &ProfileOptions,
) -> (bool, Concern) {
    let significant =
        options.decision_rule_is_valid() && p_adjusted.is_some_and(|p| p < options.alpha);
    let sign = kind.concern_sign();
    let reaches_margin = difference_points
        .is_some_and(|d| d * sign >= options.margin_points - MARGIN_TOLERANCE_POINTS);
    let tested_same_way = tested_difference_points.is_some_and(|d| d * sign > 0.0);
    let concern = if significant && reaches_margin && tested_same_way {
        match kind {
            FactorKind::Risk | FactorKind::Outcome => Concern::Elevated,
            FactorKind::Protective => Concern::Lowered,
        }
    } else {
        Concern::None
    };
    (significant, concern)
}

/// Adjusts the comparisons of a whole report together: Benjamini–Hochberg
/// over the raw p-values of every comparison passed (e.g. all districts ×
/// factors of a comparison page) instead of one family per group, and the
/// decision rule of [`compare_profile`] applied again to the new adjusted
/// values.
///
/// A board that scans every district and factor at once for its
/// candidates looks at this larger family; adjusting per group would let
/// a 10-district report raise about ten times as many false alarms as one
/// district's profile. The per-group family stays the default (it is the
/// profile page's question, "which of this district's factors?"). Comparisons
/// without a p-value do not count in m. [`Methods::adjustment`] says
/// [`method::BENJAMINI_HOCHBERG_REPORT`] afterwards.
pub fn adjust_over_report<'a>(
    comparisons: impl IntoIterator<Item = &'a mut FactorComparison>,
    options: &ProfileOptions,
) {
    adjust_family(comparisons, options, method::BENJAMINI_HOCHBERG_REPORT);
}

/// Benjamini–Hochberg over exactly the `comparisons` passed (one family)
/// and the concern rule of [`compare_profile`] applied to the new adjusted
/// p-values; `adjustment` (a [`method`] name) is recorded in each
/// comparison's [`Methods`]. For figures re-estimated outside
/// [`compare_profile`] (e.g. weighted ones) and for [`adjust_over_report`].
pub fn adjust_family<'a>(
    comparisons: impl IntoIterator<Item = &'a mut FactorComparison>,
    options: &ProfileOptions,
    adjustment: &str,
) {
    let mut comparisons: Vec<&mut FactorComparison> = comparisons.into_iter().collect();
    let raw: Vec<f64> = comparisons
        .iter()
        .map(|c| c.p_value.unwrap_or(f64::NAN))
        .collect();
    let adjusted = benjamini_hochberg(&raw);
    for (comparison, p_adjusted) in comparisons.iter_mut().zip(adjusted) {
        comparison.p_adjusted = finite(p_adjusted);
        let (significant, concern) = decide(
            comparison.kind,
            comparison.difference_points,
            comparison.tested_difference_points,
            comparison.p_adjusted,
            options,
        );
        comparison.significant = significant;
        comparison.concern = concern;
        comparison.of_concern = concern != Concern::None;
        comparison.methods.adjustment = adjustment.to_string();
    }
}

/// Indices into `comparisons` in the order the board should see them.
///
/// 1. Factors of concern first, then all others.
/// 2. Within each part, by [`FactorComparison::concern_h`], largest first:
///    the most unfavourable effect size comes first.
/// 3. Ties are broken by the displayed difference in the concerning
///    direction, largest first, then by input order (the sort is stable).
/// 4. Factors without an effect size (not estimable) come last.
///
/// **Why Cohen's h and not the p-value or the raw difference.** A p-value
/// measures evidence, not size: with 2 000 pupils a 2-point difference is
/// "highly significant". A raw difference of 10 points means more between
/// 5 % and 15 % than between 45 % and 55 %. Cohen's h compares on the
/// arcsine-square-root scale, which stabilises the variance of a share, and
/// it does not depend on n. The concern rule has already checked the evidence
/// (adjusted p) and the practical size (margin). Among the factors that pass,
/// h orders them by how far the group is from its comparator. The factors
/// below the rule keep the same order, so the next candidates are the nearest
/// misses in the unfavourable direction.
///
/// The ranking is an aid. CTC boards also weigh trends, clusters of related
/// factors, the developmental period and existing programmes (domain notes
/// §5.2).
#[must_use]
pub fn rank_priorities(comparisons: &[FactorComparison]) -> Vec<usize> {
    let key = |c: &FactorComparison| {
        (
            c.of_concern,
            c.concern_h.unwrap_or(f64::NEG_INFINITY),
            c.concern_difference().unwrap_or(f64::NEG_INFINITY),
        )
    };
    let mut order: Vec<usize> = (0..comparisons.len()).collect();
    order.sort_by(|&i, &j| {
        let (a, b) = (key(&comparisons[i]), key(&comparisons[j]));
        // Descending on every component; `total_cmp` gives a total order
        // even if a NaN were ever stored in a deserialized value.
        b.0.cmp(&a.0)
            .then_with(|| b.1.total_cmp(&a.1))
            .then_with(|| b.2.total_cmp(&a.2))
    });
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::analysis::stats::tolerance::{RELATIVE_P, SPECIAL_FUNCTION};
    use approx::{assert_abs_diff_eq, assert_relative_eq};
    use proptest::prelude::*;

    /// Percent values that go through a normal quantile or a binomial tail
    /// (the unit-scale tolerance, scaled to percent).
    const PCT: f64 = 100.0 * SPECIAL_FUNCTION;

    fn p(count: u64, n: u64) -> Proportion {
        Proportion { count, n }
    }

    /// A factor compared with the rest of the city, built from the group and
    /// the city total as a caller would do it.
    fn rest_factor(
        id: &str,
        kind: FactorKind,
        group: (u64, u64),
        total: (u64, u64),
    ) -> FactorInput {
        let group = p(group.0, group.1);
        FactorInput {
            factor_id: id.to_owned(),
            kind,
            group,
            design_effect: 1.0,
            reference: Reference::rest_of(p(total.0, total.1), group).expect("consistent counts"),
        }
    }

    fn norm_factor(id: &str, kind: FactorKind, group: (u64, u64), percent: f64) -> FactorInput {
        FactorInput {
            factor_id: id.to_owned(),
            kind,
            group: p(group.0, group.1),
            design_effect: 1.0,
            reference: Reference::Norm {
                percent,
                label: "Land 2015".to_owned(),
            },
        }
    }

    #[track_caller]
    fn assert_ci(got: Option<Interval>, lower: f64, upper: f64, eps: f64) {
        let got = got.expect("interval");
        assert_abs_diff_eq!(got.lower, lower, epsilon = eps);
        assert_abs_diff_eq!(got.upper, upper, epsilon = eps);
    }

    /// `e` = the 14 numbers printed by the Python command: group %, its
    /// Wilson CI, total %, its Wilson CI, group − total, rest %, group − rest,
    /// Newcombe CI, z, p, h.
    #[track_caller]
    fn assert_rest_numbers(c: &FactorComparison, e: [f64; 14]) {
        assert_abs_diff_eq!(c.group_percent.unwrap(), e[0], epsilon = PCT);
        assert_ci(c.group_ci_percent, e[1], e[2], PCT);
        assert_abs_diff_eq!(c.reference_percent.unwrap(), e[3], epsilon = PCT);
        assert_ci(c.reference_ci_percent, e[4], e[5], PCT);
        assert_abs_diff_eq!(c.difference_points.unwrap(), e[6], epsilon = PCT);
        assert_abs_diff_eq!(c.comparator_percent.unwrap(), e[7], epsilon = PCT);
        assert_abs_diff_eq!(c.tested_difference_points.unwrap(), e[8], epsilon = PCT);
        assert_ci(c.tested_difference_ci_points, e[9], e[10], PCT);
        assert_abs_diff_eq!(c.z.unwrap(), e[11], epsilon = SPECIAL_FUNCTION);
        assert_relative_eq!(c.p_value.unwrap(), e[12], max_relative = RELATIVE_P);
        assert_abs_diff_eq!(c.cohens_h.unwrap(), e[13], epsilon = SPECIAL_FUNCTION);
    }

    /// `e` = group %, its Wilson CI, group − norm, Wilson CI − norm, exact
    /// binomial p, h.
    #[track_caller]
    fn assert_norm_numbers(c: &FactorComparison, e: [f64; 8]) {
        assert_abs_diff_eq!(c.group_percent.unwrap(), e[0], epsilon = PCT);
        assert_ci(c.group_ci_percent, e[1], e[2], PCT);
        assert_abs_diff_eq!(c.difference_points.unwrap(), e[3], epsilon = PCT);
        assert_eq!(c.difference_points, c.tested_difference_points);
        assert_ci(c.tested_difference_ci_points, e[4], e[5], PCT);
        assert_relative_eq!(c.p_value.unwrap(), e[6], max_relative = RELATIVE_P);
        assert_abs_diff_eq!(c.cohens_h.unwrap(), e[7], epsilon = SPECIAL_FUNCTION);
        assert_eq!(c.z, None);
        assert_eq!(c.reference_ci_percent, None);
    }

    /// Six factors of a district (200–800 pupils) against a city of 4 000,
    /// plus one factor the district has no valid answers for.
    fn district_profile() -> Vec<FactorInput> {
        use FactorKind::{Outcome, Protective, Risk};
        vec![
            rest_factor("risk_high", Risk, (60, 200), (760, 4000)),
            rest_factor("risk_similar", Risk, (45, 200), (805, 4000)),
            rest_factor("protection_low", Protective, (70, 200), (1770, 4000)),
            rest_factor("outcome_small_gap", Outcome, (120, 800), (430, 4000)),
            rest_factor("risk_at_margin", Risk, (125, 500), (800, 4000)),
            rest_factor("risk_below_city", Risk, (20, 200), (1000, 4000)),
            rest_factor("risk_no_answers", Risk, (0, 0), (500, 4000)),
        ]
    }

    #[test]
    fn district_against_rest_of_city_matches_statsmodels() {
        let out = compare_profile(&district_profile(), &ProfileOptions::default());
        assert_eq!(out.len(), 7);
        // python3 -c "from statsmodels.stats.proportion import proportion_confint as ci, confint_proportions_2indep as nc, proportions_ztest as zt, proportion_effectsize as h; g,n,t,tn=60,200,760,4000; r,rn=t-g,tn-n; z,p=zt([g,r],[n,rn]); print(100*g/n, *[100*x for x in ci(g,n,method='wilson')], 100*t/tn, *[100*x for x in ci(t,tn,method='wilson')], 100*(g/n-t/tn), 100*r/rn, 100*(g/n-r/rn), *[float(100*x) for x in nc(g,n,r,rn,method='newcomb',compare='diff')], z, p, h(g/n,r/rn))"
        // → 30.0 24.074744682371403 36.679068372719264 19.0 17.814231387220484 20.245254096741007 10.999999999999998 18.42105263157895 11.578947368421053 5.52032397031573 18.36503744385074 4.068427399047038 4.733150373227259e-05 0.2720712131049551
        assert_rest_numbers(
            &out[0],
            [
                30.0,
                24.074744682371403,
                36.679068372719264,
                19.0,
                17.814231387220484,
                20.245254096741007,
                10.999999999999998,
                18.42105263157895,
                11.578947368421053,
                5.52032397031573,
                18.36503744385074,
                4.068427399047038,
                4.733150373227259e-05,
                0.2720712131049551,
            ],
        );
        // python3 -c "from statsmodels.stats.proportion import proportion_confint as ci, confint_proportions_2indep as nc, proportions_ztest as zt, proportion_effectsize as h; g,n,t,tn=45,200,805,4000; r,rn=t-g,tn-n; z,p=zt([g,r],[n,rn]); print(100*g/n, *[100*x for x in ci(g,n,method='wilson')], 100*t/tn, *[100*x for x in ci(t,tn,method='wilson')], 100*(g/n-t/tn), 100*r/rn, 100*(g/n-r/rn), *[float(100*x) for x in nc(g,n,r,rn,method='newcomb',compare='diff')], z, p, h(g/n,r/rn))"
        // → 22.5 17.262369715089125 28.774123235660532 20.125 18.911442902511023 21.395883834048647 2.374999999999999 20.0 2.4999999999999996 -2.8969875678801134 8.895720124605543 0.859495147373365 0.39006739610631447 0.06113687092454101
        assert_rest_numbers(
            &out[1],
            [
                22.5,
                17.262369715089125,
                28.774123235660532,
                20.125,
                18.911442902511023,
                21.395883834048647,
                2.374999999999999,
                20.0,
                2.4999999999999996,
                -2.8969875678801134,
                8.895720124605543,
                0.859495147373365,
                0.39006739610631447,
                0.06113687092454101,
            ],
        );
        // python3 -c "from statsmodels.stats.proportion import proportion_confint as ci, confint_proportions_2indep as nc, proportions_ztest as zt, proportion_effectsize as h; g,n,t,tn=70,200,1770,4000; r,rn=t-g,tn-n; z,p=zt([g,r],[n,rn]); print(100*g/n, *[100*x for x in ci(g,n,method='wilson')], 100*t/tn, *[100*x for x in ci(t,tn,method='wilson')], 100*(g/n-t/tn), 100*r/rn, 100*(g/n-r/rn), *[float(100*x) for x in nc(g,n,r,rn,method='newcomb',compare='diff')], z, p, h(g/n,r/rn))"
        // → 35.0 28.728824127358077 41.836535663959914 44.25 42.717037983475606 45.79399561435598 -9.250000000000004 44.73684210526316 -9.736842105263161 -16.205323314006804 -2.721271738955454 -2.7021898263748363 0.006888442225246891 -0.19923412861607992
        assert_rest_numbers(
            &out[2],
            [
                35.0,
                28.728824127358077,
                41.836535663959914,
                44.25,
                42.717037983475606,
                45.79399561435598,
                -9.250000000000004,
                44.73684210526316,
                -9.736842105263161,
                -16.205323314006804,
                -2.721271738955454,
                -2.7021898263748363,
                0.006888442225246891,
                -0.19923412861607992,
            ],
        );
        // python3 -c "from statsmodels.stats.proportion import proportion_confint as ci, confint_proportions_2indep as nc, proportions_ztest as zt, proportion_effectsize as h; g,n,t,tn=120,800,430,4000; r,rn=t-g,tn-n; z,p=zt([g,r],[n,rn]); print(100*g/n, *[100*x for x in ci(g,n,method='wilson')], 100*t/tn, *[100*x for x in ci(t,tn,method='wilson')], 100*(g/n-t/tn), 100*r/rn, 100*(g/n-r/rn), *[float(100*x) for x in nc(g,n,r,rn,method='newcomb',compare='diff')], z, p, h(g/n,r/rn))"
        // → 15.0 12.69318643770823 17.641334896689095 10.75 9.827478995286368 11.7478373029552 4.25 9.6875 5.312499999999999 2.7680539211185704 8.12874269962867 4.338909437313121 1.4319151032021783e-05 0.1623879429482139
        assert_rest_numbers(
            &out[3],
            [
                15.0,
                12.69318643770823,
                17.641334896689095,
                10.75,
                9.827478995286368,
                11.7478373029552,
                4.25,
                9.6875,
                5.312499999999999,
                2.7680539211185704,
                8.12874269962867,
                4.338909437313121,
                1.4319151032021783e-05,
                0.1623879429482139,
            ],
        );
        // python3 -c "from statsmodels.stats.proportion import proportion_confint as ci, confint_proportions_2indep as nc, proportions_ztest as zt, proportion_effectsize as h; g,n,t,tn=125,500,800,4000; r,rn=t-g,tn-n; z,p=zt([g,r],[n,rn]); print(100*g/n, *[100*x for x in ci(g,n,method='wilson')], 100*t/tn, *[100*x for x in ci(t,tn,method='wilson')], 100*(g/n-t/tn), 100*r/rn, 100*(g/n-r/rn), *[float(100*x) for x in nc(g,n,r,rn,method='newcomb',compare='diff')], z, p, h(g/n,r/rn))"
        // → 25.0 21.4048496747821 28.97636734829552 20.0 18.789453745341365 21.268112852040726 4.999999999999999 19.285714285714285 5.7142857142857135 1.877358758103688 9.889495716080122 2.988071523335983 0.0028074384620020267 0.13788166253253276
        assert_rest_numbers(
            &out[4],
            [
                25.0,
                21.4048496747821,
                28.97636734829552,
                20.0,
                18.789453745341365,
                21.268112852040726,
                4.999999999999999,
                19.285714285714285,
                5.7142857142857135,
                1.877358758103688,
                9.889495716080122,
                2.988071523335983,
                0.0028074384620020267,
                0.13788166253253276,
            ],
        );
        // python3 -c "from statsmodels.stats.proportion import proportion_confint as ci, confint_proportions_2indep as nc, proportions_ztest as zt, proportion_effectsize as h; g,n,t,tn=20,200,1000,4000; r,rn=t-g,tn-n; z,p=zt([g,r],[n,rn]); print(100*g/n, *[100*x for x in ci(g,n,method='wilson')], 100*t/tn, *[100*x for x in ci(t,tn,method='wilson')], 100*(g/n-t/tn), 100*r/rn, 100*(g/n-r/rn), *[float(100*x) for x in nc(g,n,r,rn,method='newcomb',compare='diff')], z, p, h(g/n,r/rn))"
        // → 10.0 6.567044866909589 14.940581243271739 25.0 23.68251990662288 26.3654522578622 -15.0 25.789473684210527 -15.789473684210527 -19.50257843707377 -10.66352768297471 -5.026246899500347 5.00171857830335e-07 -0.42183458146975317
        assert_rest_numbers(
            &out[5],
            [
                10.0,
                6.567044866909589,
                14.940581243271739,
                25.0,
                23.68251990662288,
                26.3654522578622,
                -15.0,
                25.789473684210527,
                -15.789473684210527,
                -19.50257843707377,
                -10.66352768297471,
                -5.026246899500347,
                5.00171857830335e-07,
                -0.42183458146975317,
            ],
        );

        // The family is the six testable factors (m = 6); the factor without
        // answers has no p-value and is not counted.
        // python3 -c "from statsmodels.stats.multitest import multipletests as m; print(list(m([4.733150373227259e-05, 0.39006739610631447, 0.006888442225246891, 1.4319151032021783e-05, 0.0028074384620020267, 5.00171857830335e-07], method='fdr_bh')[1]))"
        // → [9.466300746454517e-05, 0.39006739610631447, 0.00826613067029627, 4.2957453096065355e-05, 0.0042111576930030405, 3.0010311469820105e-06]
        let expected_bh = [
            9.466300746454517e-05,
            0.39006739610631447,
            0.00826613067029627,
            4.2957453096065355e-05,
            0.0042111576930030405,
            3.0010311469820105e-06,
        ];
        for (c, e) in out.iter().zip(expected_bh) {
            assert_relative_eq!(c.p_adjusted.unwrap(), e, max_relative = RELATIVE_P);
        }

        let concerns: Vec<Concern> = out.iter().map(|c| c.concern).collect();
        assert_eq!(
            concerns,
            [
                Concern::Elevated, // +11 points, q < 0.001
                Concern::None,     // +2.4 points, q = 0.39
                Concern::Lowered,  // protection −9.25 points, q = 0.008
                // Significant (q < 0.001) and +5.3 points against the rest,
                // but only +4.25 against the displayed city total: below the
                // margin the board checks on the chart.
                Concern::None,
                // 25 % − 20 % = 4.999999999999999 in floating point: reaches
                // the 5-point margin within the tolerance.
                Concern::Elevated,
                Concern::None, // significantly *lower* risk: good news
                Concern::None, // not estimable
            ]
        );
        let flags: Vec<bool> = out.iter().map(|c| c.of_concern).collect();
        assert_eq!(flags, [true, false, true, false, true, false, false]);
        let significant: Vec<bool> = out.iter().map(|c| c.significant).collect();
        assert_eq!(significant, [true, false, true, true, true, true, false]);

        // concern_h flips the sign for protection: −h = +0.199 is "worse".
        assert_abs_diff_eq!(
            out[2].concern_h.unwrap(),
            0.19923412861607992,
            epsilon = SPECIAL_FUNCTION
        );
        assert_abs_diff_eq!(
            out[5].concern_h.unwrap(),
            -0.42183458146975317,
            epsilon = SPECIAL_FUNCTION
        );

        // The factor without answers keeps the city marker but nothing else.
        let empty = &out[6];
        assert_eq!(empty.group_percent, None);
        assert_eq!(empty.group_ci_percent, None);
        assert_eq!(empty.reference_percent, Some(12.5));
        assert_eq!(empty.difference_points, None);
        assert_eq!(empty.tested_difference_points, None);
        assert_eq!(empty.tested_difference_ci_points, None);
        assert_eq!(
            (empty.z, empty.p_value, empty.p_adjusted),
            (None, None, None)
        );
        assert_eq!((empty.cohens_h, empty.concern_h), (None, None));

        assert_eq!(out[0].methods.interval, "wilson");
        assert_eq!(out[0].methods.difference_interval, "newcombe_hybrid_score");
        assert_eq!(out[0].methods.test, "two_proportion_z_pooled");
        assert_eq!(out[0].methods.effect_size, "cohens_h");
        assert_eq!(out[0].methods.adjustment, "benjamini_hochberg");
        assert_eq!(out[0].methods.confidence, 0.95);
    }

    #[test]
    fn ranking_puts_concerns_first_by_effect_size() {
        let out = compare_profile(&district_profile(), &ProfileOptions::default());
        // Of concern, by concern_h: 0.272 (risk_high), 0.199 (protection_low),
        // 0.138 (risk_at_margin). Then the rest by the same key: 0.162
        // (outcome_small_gap), 0.061 (risk_similar), −0.422
        // (risk_below_city), not estimable last. The h values are those of
        // the statsmodels commands in the test above.
        assert_eq!(rank_priorities(&out), [0, 2, 4, 3, 1, 5, 6]);
        assert!(rank_priorities(&[]).is_empty());
    }

    /// The district above in a report with 40 factors of other districts
    /// that equal the rest of the city exactly (z = 0, p = 1): m = 46.
    /// Expected: BH by its definition over the statsmodels p-values above
    /// and 40 ones, as R `p.adjust(c(…, rep(1, 40)), "BH")`:
    /// python3 -c "p=[4.733150373227259e-05, 0.39006739610631447, 0.006888442225246891, 1.4319151032021783e-05, 0.0028074384620020267, 5.00171857830335e-07]+[1.0]*40; m=len(p); o=sorted(range(m),key=lambda i:p[i]); out=[0]*m; r=1.0
    /// for k in reversed(range(m)): i=o[k]; r=min(r,p[i]*m/(k+1)); out[i]=r
    /// print(out[:7])"
    /// → [0.0007257497238948463, 1.0, 0.06337366847227141, 0.000329340473736501, 0.03228554231302331, 2.3007905460195413e-05, 1.0]
    #[test]
    fn a_report_wide_family_adjusts_every_group_together() {
        let options = ProfileOptions::default();
        let mut district = compare_profile(&district_profile(), &options);
        let others: Vec<FactorInput> = (0..40)
            .map(|i| {
                rest_factor(
                    &format!("null_{i}"),
                    FactorKind::Risk,
                    (40, 200),
                    (800, 4000),
                )
            })
            .collect();
        let mut rest = compare_profile(&others, &options);
        assert!(rest.iter().all(|c| c.p_value == Some(1.0)));
        // Per district, protection_low is of concern (lowered).
        assert_eq!(district[2].concern, Concern::Lowered);

        adjust_over_report(district.iter_mut().chain(rest.iter_mut()), &options);
        let expected = [
            Some(0.0007257497238948463),
            Some(1.0),
            Some(0.06337366847227141),
            Some(0.000329340473736501),
            Some(0.03228554231302331),
            Some(2.3007905460195413e-05),
            None,
        ];
        for (c, e) in district.iter().zip(expected) {
            match (c.p_adjusted, e) {
                (Some(got), Some(e)) => assert_relative_eq!(got, e, max_relative = RELATIVE_P),
                (got, e) => assert_eq!(got, e, "{}", c.factor_id),
            }
            assert_eq!(c.methods.adjustment, method::BENJAMINI_HOCHBERG_REPORT);
        }
        // In the larger family protection_low no longer passes; the others
        // of concern keep their flag (risk_at_margin at 0.032).
        assert!(!district[2].significant);
        assert_eq!(district[2].concern, Concern::None);
        assert!(!district[2].of_concern);
        assert_eq!(district[0].concern, Concern::Elevated);
        assert_eq!(district[4].concern, Concern::Elevated);
        assert!(
            rest.iter()
                .all(|c| !c.of_concern && c.p_adjusted == Some(1.0))
        );
    }

    #[test]
    fn ranking_breaks_ties_by_difference_then_input_order() {
        let base = compare_profile(&district_profile(), &ProfileOptions::default());
        let mut a = base[1].clone();
        let mut b = base[1].clone();
        let c = base[1].clone();
        a.difference_points = Some(1.0);
        b.difference_points = Some(3.0);
        // Equal h: the larger displayed difference first (3 > 2.375 > 1);
        // full ties keep the input order.
        assert_eq!(rank_priorities(&[a, b, c.clone()]), [1, 2, 0]);
        assert_eq!(rank_priorities(&[c.clone(), c]), [0, 1]);
        // For a protective factor the difference is oriented too: −3 is
        // worse than −1.
        let mut pa = base[2].clone();
        let mut pb = base[2].clone();
        pa.difference_points = Some(-1.0);
        pb.difference_points = Some(-3.0);
        assert_eq!(rank_priorities(&[pa, pb]), [1, 0]);
    }

    #[test]
    fn class_clustering_widens_the_comparison_with_the_rest_of_the_city() {
        // Group 60/200 (deff 1.8) against the rest 700/3800 (deff 2.2): the
        // values of `stats::design`'s clustered Newcombe and z-test, computed
        // there with statsmodels/SciPy on the effective sample sizes.
        let group = p(60, 200);
        let factor = FactorInput {
            factor_id: "fam_conflict".to_owned(),
            kind: FactorKind::Risk,
            group,
            design_effect: 1.8,
            reference: Reference::rest_of_clustered(p(760, 4000), group, 2.1, 2.2)
                .expect("consistent counts"),
        };
        let out = compare_profile(&[factor], &ProfileOptions::default());
        let c = &out[0];
        assert_ci(
            c.tested_difference_ci_points,
            3.614_153_066_884_855,
            20.819_760_653_778_327,
            PCT,
        );
        assert_abs_diff_eq!(
            c.z.unwrap(),
            3.015_719_029_428_918,
            epsilon = SPECIAL_FUNCTION
        );
        assert_relative_eq!(
            c.p_value.unwrap(),
            0.002_563_707_022_028_468,
            max_relative = RELATIVE_P
        );
        // python3 -c "from statsmodels.stats.proportion import proportion_confint as ci; print([100*x for x in ci(0.3*200/1.8, 200/1.8, method='wilson')], [100*x for x in ci(0.19*4000/2.1, 4000/2.1, method='wilson')])"
        // → [22.26454553375592, 39.07216536291147] [17.301300882489475, 20.823486934312836]
        assert_ci(
            c.group_ci_percent,
            22.264_545_533_755_92,
            39.072_165_362_911_47,
            PCT,
        );
        assert_ci(
            c.reference_ci_percent,
            17.301_300_882_489_475,
            20.823_486_934_312_836,
            PCT,
        );
        assert_eq!(c.design_effect, 1.8);
        assert_eq!(c.methods.design, method::KISH_DESIGN_EFFECT);
        assert!(
            c.of_concern,
            "11 points above the city total and significant"
        );
        let plain = compare_profile(&district_profile()[..1], &ProfileOptions::default());
        assert_eq!(plain[0].methods.design, method::SIMPLE_RANDOM_SAMPLING);
    }

    #[test]
    fn a_clustered_group_is_tested_against_a_norm_with_the_score_test() {
        // The design-adjusted score test of `stats::design` (SciPy there):
        // 40/150 with deff 1.6 against 18 %: z = 2.1842108127274282,
        // p = 0.028946760755756074.
        let mut factor = norm_factor("fam_conflict", FactorKind::Risk, (40, 150), 18.0);
        factor.design_effect = 1.6;
        let out = compare_profile(&[factor], &ProfileOptions::default());
        let c = &out[0];
        assert_eq!(c.methods.test, method::SCORE_Z_DESIGN_ADJUSTED);
        assert_abs_diff_eq!(
            c.z.unwrap(),
            2.184_210_812_727_428_2,
            epsilon = SPECIAL_FUNCTION
        );
        assert_relative_eq!(
            c.p_value.unwrap(),
            0.028_946_760_755_756_074,
            max_relative = RELATIVE_P
        );
    }

    #[test]
    fn fixed_norm_uses_exact_binomial_test() {
        use FactorKind::{Outcome, Protective, Risk};
        let factors = [
            norm_factor("risk", Risk, (40, 150), 18.0),
            norm_factor("protection", Protective, (30, 150), 35.0),
            norm_factor("outcome", Outcome, (12, 150), 10.0),
        ];
        let out = compare_profile(&factors, &ProfileOptions::default());
        // python3 -c "from scipy.stats import binomtest; from statsmodels.stats.proportion import proportion_confint as ci, proportion_effectsize as h; k,n,p0=40,150,0.18; lo,hi=ci(k,n,method='wilson'); print(100*k/n, 100*lo, 100*hi, 100*(k/n-p0), 100*(lo-p0), 100*(hi-p0), binomtest(k,n,p0).pvalue, h(k/n,p0))"
        // → 26.666666666666668 20.237161354935264 34.261450048908316 8.666666666666668 2.237161354935263 16.261450048908316 0.0077454665160502645 0.2089801433309646
        assert_norm_numbers(
            &out[0],
            [
                26.666666666666668,
                20.237161354935264,
                34.261450048908316,
                8.666666666666668,
                2.237161354935263,
                16.261450048908316,
                0.0077454665160502645,
                0.2089801433309646,
            ],
        );
        // python3 -c "from scipy.stats import binomtest; from statsmodels.stats.proportion import proportion_confint as ci, proportion_effectsize as h; k,n,p0=30,150,0.35; lo,hi=ci(k,n,method='wilson'); print(100*k/n, 100*lo, 100*hi, 100*(k/n-p0), 100*(lo-p0), 100*(hi-p0), binomtest(k,n,p0).pvalue, h(k/n,p0))"
        // → 20.0 14.384081582284963 27.11413307979964 -14.999999999999996 -20.615918417715033 -7.885866920200357 7.308736338963048e-05 -0.3388084547778868
        assert_norm_numbers(
            &out[1],
            [
                20.0,
                14.384081582284963,
                27.11413307979964,
                -14.999999999999996,
                -20.615918417715033,
                -7.885866920200357,
                7.308736338963048e-05,
                -0.3388084547778868,
            ],
        );
        // python3 -c "from scipy.stats import binomtest; from statsmodels.stats.proportion import proportion_confint as ci, proportion_effectsize as h; k,n,p0=12,150,0.1; lo,hi=ci(k,n,method='wilson'); print(100*k/n, 100*lo, 100*hi, 100*(k/n-p0), 100*(lo-p0), 100*(hi-p0), binomtest(k,n,p0).pvalue, h(k/n,p0))"
        // → 8.0 4.635364151865291 13.462136375053147 -2.0000000000000004 -5.36463584813471 3.462136375053146 0.49640843879071783 -0.0699880043701876
        assert_norm_numbers(
            &out[2],
            [
                8.0,
                4.635364151865291,
                13.462136375053147,
                -2.0000000000000004,
                -5.36463584813471,
                3.462136375053146,
                0.49640843879071783,
                -0.0699880043701876,
            ],
        );
        // python3 -c "from statsmodels.stats.multitest import multipletests as m; print(list(m([0.0077454665160502645, 7.308736338963048e-05, 0.49640843879071783], method='fdr_bh')[1]))"
        // → [0.011618199774075397, 0.00021926209016889144, 0.49640843879071783]
        for (c, e) in out.iter().zip([
            0.011618199774075397,
            0.00021926209016889144,
            0.49640843879071783,
        ]) {
            assert_relative_eq!(c.p_adjusted.unwrap(), e, max_relative = RELATIVE_P);
        }
        // The displayed norm is the number given, not norm/100·100.
        assert_eq!(out[0].reference_percent, Some(18.0));
        assert_eq!(out[0].comparator_percent, Some(18.0));
        let concerns: Vec<Concern> = out.iter().map(|c| c.concern).collect();
        assert_eq!(
            concerns,
            [Concern::Elevated, Concern::Lowered, Concern::None]
        );
        // concern_h: 0.339 (protection), 0.209 (risk), −0.070 (outcome).
        assert_eq!(rank_priorities(&out), [1, 0, 2]);
        assert_eq!(out[0].methods.difference_interval, "wilson_minus_norm");
        assert_eq!(out[0].methods.test, "exact_binomial");
    }

    #[test]
    fn zero_and_hundred_percent() {
        use FactorKind::{Protective, Risk};
        let factors = [
            // 0 % in the district and in the rest of the city.
            rest_factor("none_flagged", Risk, (0, 50), (0, 350)),
            // 100 % everywhere.
            rest_factor("all_flagged", Risk, (50, 50), (300, 300)),
            // No pupil of the district has high protection; the norm is 10 %.
            norm_factor("no_protection", Protective, (0, 50), 10.0),
            // 0 % against a 0 % norm.
            norm_factor("zero_norm", Risk, (0, 50), 0.0),
        ];
        let out = compare_profile(&factors, &ProfileOptions::default());

        // python3 -c "from statsmodels.stats.proportion import proportion_confint as ci, confint_proportions_2indep as nc; print([100*x for x in ci(0,50,method='wilson')], [float(100*x) for x in nc(0,50,0,300,method='newcomb',compare='diff')])"
        // → [0.0, 7.1347599133358734] [-1.264297122454604, 7.1347599133358734]
        assert_ci(out[0].group_ci_percent, 0.0, 7.1347599133358734, PCT);
        assert_eq!(out[0].group_ci_percent.unwrap().lower, 0.0);
        assert_ci(
            out[0].tested_difference_ci_points,
            -1.264297122454604,
            7.1347599133358734,
            PCT,
        );
        // statsmodels' proportions_ztest gives NaN here (pooled SE = 0); the
        // stats module documents z = 0, p = 1 instead.
        assert_eq!((out[0].z, out[0].p_value), (Some(0.0), Some(1.0)));
        assert_eq!(out[0].cohens_h, Some(0.0));

        // python3 -c "from statsmodels.stats.proportion import proportion_confint as ci, confint_proportions_2indep as nc; print([100*x for x in ci(50,50,method='wilson')], [float(100*x) for x in nc(50,50,250,250,method='newcomb',compare='diff')], [100*x for x in ci(300,300,method='wilson')])"
        // → [92.86524008666413, 100.0] [-7.134759913335875, 1.513329949544473] [98.73570287754538, 99.99999999999997]
        assert_ci(out[1].group_ci_percent, 92.86524008666413, 100.0, PCT);
        assert_ci(
            out[1].tested_difference_ci_points,
            -7.134759913335875,
            1.513329949544473,
            PCT,
        );
        // Exactly 100 at the top (statsmodels' rounding gives 99.99999999999997).
        assert_ci(out[1].reference_ci_percent, 98.73570287754538, 100.0, PCT);
        assert_eq!(out[1].reference_ci_percent.unwrap().upper, 100.0);
        assert_eq!(out[1].p_value, Some(1.0));

        // python3 -c "from scipy.stats import binomtest; from statsmodels.stats.proportion import proportion_effectsize as h; print(binomtest(0,50,0.1).pvalue, binomtest(0,50,0.0).pvalue, h(0,0.1))"
        // → 0.008373696343230033 1.0 -0.6435011087932844
        assert_relative_eq!(
            out[2].p_value.unwrap(),
            0.008373696343230033,
            max_relative = RELATIVE_P
        );
        assert_abs_diff_eq!(
            out[2].cohens_h.unwrap(),
            -0.6435011087932844,
            epsilon = SPECIAL_FUNCTION
        );
        assert_eq!(out[3].p_value, Some(1.0));
        assert_eq!(out[3].difference_points, Some(0.0));

        // python3 -c "from statsmodels.stats.multitest import multipletests as m; print(list(m([1.0, 1.0, 0.008373696343230033, 1.0], method='fdr_bh')[1]))"
        // → [1.0, 1.0, 0.03349478537292013, 1.0]
        assert_relative_eq!(
            out[2].p_adjusted.unwrap(),
            0.03349478537292013,
            max_relative = RELATIVE_P
        );
        let concerns: Vec<Concern> = out.iter().map(|c| c.concern).collect();
        assert_eq!(
            concerns,
            [
                Concern::None,
                Concern::None,
                Concern::Lowered,
                Concern::None
            ]
        );
    }

    #[test]
    fn not_estimable_references_are_never_of_concern() {
        use FactorKind::Risk;
        let group = p(30, 60);
        let factors = [
            // The group is the whole city: nothing to test against.
            rest_factor("whole_city", Risk, (30, 60), (30, 60)),
            norm_factor("norm_above_100", Risk, (30, 60), 150.0),
            norm_factor("norm_nan", Risk, (30, 60), f64::NAN),
            norm_factor("norm_negative", Risk, (30, 60), -1.0),
            FactorInput {
                factor_id: "empty_total".to_owned(),
                kind: Risk,
                group,
                design_effect: 1.0,
                reference: Reference::Rest {
                    rest: p(0, 0),
                    total: p(0, 0),
                    rest_design_effect: 1.0,
                    total_design_effect: 1.0,
                },
            },
            // Inconsistent counts (count > n) are not estimable either.
            FactorInput {
                factor_id: "broken".to_owned(),
                kind: Risk,
                group: p(9, 3),
                design_effect: 1.0,
                reference: Reference::Rest {
                    rest: p(1, 10),
                    total: p(10, 13),
                    rest_design_effect: 1.0,
                    total_design_effect: 1.0,
                },
            },
        ];
        let out = compare_profile(&factors, &ProfileOptions::default());
        assert_eq!(out[0].difference_points, Some(0.0));
        for c in &out {
            assert_eq!(c.p_value, None, "{}", c.factor_id);
            assert_eq!(c.p_adjusted, None, "{}", c.factor_id);
            assert_eq!(c.tested_difference_points, None, "{}", c.factor_id);
            assert_eq!(c.concern, Concern::None, "{}", c.factor_id);
            assert!(!c.of_concern && !c.significant, "{}", c.factor_id);
        }
        for c in &out[1..] {
            assert_eq!(c.difference_points, None, "{}", c.factor_id);
        }
        assert_eq!(out[5].group_percent, None);
        assert!(compare_profile(&[], &ProfileOptions::default()).is_empty());
    }

    #[test]
    fn invalid_options_never_flag_and_invalid_level_drops_intervals() {
        let factors = district_profile();
        for options in [
            ProfileOptions {
                alpha: 0.0,
                ..ProfileOptions::default()
            },
            ProfileOptions {
                alpha: f64::NAN,
                ..ProfileOptions::default()
            },
            ProfileOptions {
                margin_points: -1.0,
                ..ProfileOptions::default()
            },
            ProfileOptions {
                margin_points: f64::INFINITY,
                ..ProfileOptions::default()
            },
        ] {
            assert!(!options.decision_rule_is_valid());
            let out = compare_profile(&factors, &options);
            assert!(out.iter().all(|c| !c.of_concern && !c.significant));
            // The estimates are still there.
            assert!(out[0].p_value.is_some() && out[0].group_ci_percent.is_some());
        }
        let out = compare_profile(
            &factors,
            &ProfileOptions {
                confidence: 1.5,
                ..ProfileOptions::default()
            },
        );
        assert_eq!(out[0].group_ci_percent, None);
        assert_eq!(out[0].tested_difference_ci_points, None);
        // Tests do not depend on the interval level.
        assert_eq!(out[0].concern, Concern::Elevated);
    }

    #[test]
    fn margin_zero_is_significance_only_and_larger_margins_are_stricter() {
        let factors = district_profile();
        let flags = |margin_points: f64| -> Vec<bool> {
            let options = ProfileOptions {
                margin_points,
                ..ProfileOptions::default()
            };
            compare_profile(&factors, &options)
                .iter()
                .map(|c| c.of_concern)
                .collect()
        };
        // With no margin the outcome (+4.25, q < 0.001) becomes of concern.
        assert_eq!(flags(0.0), [true, false, true, true, true, false, false]);
        assert_eq!(
            flags(10.0),
            [true, false, false, false, false, false, false]
        );
        assert_eq!(flags(20.0), [false; 7]);
    }

    #[test]
    fn rest_of_rejects_inconsistent_counts() {
        assert_eq!(
            Reference::rest_of(p(40, 100), p(10, 30)),
            Some(Reference::Rest {
                rest: p(30, 70),
                total: p(40, 100),
                rest_design_effect: 1.0,
                total_design_effect: 1.0,
            })
        );
        assert_eq!(Reference::rest_of(p(40, 100), p(50, 60)), None);
        assert_eq!(Reference::rest_of(p(40, 100), p(10, 130)), None);
        // Rest would have 35 flagged out of 30.
        assert_eq!(Reference::rest_of(p(40, 100), p(5, 70)), None);
    }

    #[test]
    fn kinds_map_from_scale_kinds() {
        assert_eq!(FactorKind::from(ScaleKind::Risk), FactorKind::Risk);
        assert_eq!(
            FactorKind::from(ScaleKind::Protective),
            FactorKind::Protective
        );
        assert_eq!(FactorKind::from(ScaleKind::Outcome), FactorKind::Outcome);
    }

    #[test]
    fn comparisons_round_trip_through_json() {
        let mut factors = district_profile();
        factors.push(norm_factor("norm", FactorKind::Risk, (40, 150), 18.0));
        let out = compare_profile(&factors, &ProfileOptions::default());
        let json = serde_json::to_string(&out).unwrap();
        assert!(json.contains(r#""concern":"elevated""#));
        assert!(json.contains(r#""norm":{"percent":18.0"#), "{json}");
        let back: Vec<FactorComparison> = serde_json::from_str(&json).unwrap();
        // serde_json (without `float_roundtrip`) may parse a float 1 ulp off,
        // so compare after the same parse on both sides.
        assert_eq!(
            serde_json::to_value(&back).unwrap(),
            serde_json::from_str::<serde_json::Value>(&json).unwrap()
        );
        assert_eq!(back.len(), out.len());
        assert_eq!(back[2].concern, Concern::Lowered);
        let input_json = serde_json::to_string(&factors).unwrap();
        assert_eq!(
            serde_json::from_str::<Vec<FactorInput>>(&input_json).unwrap(),
            factors
        );
    }

    fn arb_proportion() -> impl Strategy<Value = Proportion> {
        (0_u64..400).prop_flat_map(|n| (0..=n).prop_map(move |count| p(count, n)))
    }

    /// Rest of the city (the total is derived from it and the group) or a
    /// norm in percent, including invalid norms outside 0..=100.
    #[derive(Clone, Debug)]
    enum ReferenceDraft {
        Rest(Proportion),
        Norm(f64),
    }

    fn arb_factor() -> impl Strategy<Value = FactorInput> {
        let design_effects = (1.0..4.0_f64, 1.0..4.0_f64, 1.0..4.0_f64);
        let kind = prop_oneof![
            Just(FactorKind::Risk),
            Just(FactorKind::Protective),
            Just(FactorKind::Outcome)
        ];
        let reference = prop_oneof![
            arb_proportion().prop_map(ReferenceDraft::Rest),
            (-10.0..110.0_f64).prop_map(ReferenceDraft::Norm),
        ];
        (kind, arb_proportion(), reference, design_effects).prop_map(
            |(kind, group, reference, (design_effect, rest_design_effect, total_design_effect))| {
                let reference = match reference {
                    ReferenceDraft::Rest(rest) => Reference::Rest {
                        rest,
                        total: p(rest.count + group.count, rest.n + group.n),
                        rest_design_effect,
                        total_design_effect,
                    },
                    ReferenceDraft::Norm(percent) => Reference::Norm {
                        percent,
                        label: String::new(),
                    },
                };
                FactorInput {
                    factor_id: String::new(),
                    kind,
                    group,
                    design_effect,
                    reference,
                }
            },
        )
    }

    proptest! {
        #[test]
        fn profile_invariants(factors in proptest::collection::vec(arb_factor(), 0..12)) {
            let options = ProfileOptions::default();
            let out = compare_profile(&factors, &options);
            prop_assert_eq!(out.len(), factors.len());
            for c in &out {
                if let (Some(raw), Some(adjusted)) = (c.p_value, c.p_adjusted) {
                    prop_assert!(raw <= adjusted + 1e-15 && adjusted <= 1.0);
                }
                if let (Some(pct), Some(ci)) = (c.group_percent, c.group_ci_percent) {
                    prop_assert!(ci.lower <= pct + 1e-9 && pct <= ci.upper + 1e-9);
                    prop_assert!(0.0 <= ci.lower && ci.upper <= 100.0);
                }
                let tested = (c.tested_difference_points, c.tested_difference_ci_points);
                if let (Some(d), Some(ci)) = tested {
                    prop_assert!(ci.lower <= d + 1e-9 && d <= ci.upper + 1e-9);
                }
                prop_assert_eq!(c.of_concern, c.concern != Concern::None);
                if c.of_concern {
                    prop_assert!(c.significant);
                    let oriented = c.difference_points.unwrap() * c.kind.concern_sign();
                    prop_assert!(oriented >= options.margin_points - MARGIN_TOLERANCE_POINTS);
                    prop_assert!(c.concern_h.unwrap() > 0.0);
                }
                if c.group_percent.is_none() {
                    prop_assert!(!c.of_concern && c.p_value.is_none());
                }
            }
            let order = rank_priorities(&out);
            let mut sorted = order.clone();
            sorted.sort_unstable();
            prop_assert_eq!(sorted, (0..out.len()).collect::<Vec<_>>());
            let concerns = out.iter().filter(|c| c.of_concern).count();
            prop_assert!(order[..concerns].iter().all(|&i| out[i].of_concern));
        }
    }
}
