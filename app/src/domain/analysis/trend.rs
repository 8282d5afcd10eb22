//! Trends across survey waves: one group (e.g. a district, optionally one
//! grade / sex) and one factor, wave by wave.
//!
//! CTC communities re-survey every 2–3 years and judge their progress by the
//! change in "% at risk" (domain notes §3.3, §5.1). Each wave is a new
//! cross-section of pupils, so two waves are compared as independent samples:
//! Newcombe interval and pooled z-test, as for a district against the rest
//! of the city. A change in the instrument, the cut points or the validity
//! rules can move the share with no real change among the pupils (PAYS
//! revised its cut-point methodology around 2013/14). Every comparison therefore
//! states whether the two waves were measured the same way.
//!
//! Shares are in percent, changes in percentage points. See
//! `docs/statistics.md`, section "Trends across waves".

use serde::{Deserialize, Serialize};

use crate::domain::analysis::stats::{
    CONFIDENCE_95, ClusteredProportion, Interval, Proportion, benjamini_hochberg,
    newcombe_difference_interval_clustered, two_proportion_z_test_clustered,
};

/// The versions that decide what a share measures.
///
/// Each field is an opaque identifier compared for equality, e.g.
/// `instrument = "ctc-demo@2026.1"`, `cut_points = "ctc-demo-2026.1/default"`
/// (a `CutPointSet` id), `validity_rules = "ctc-demo@2026.1"`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VersionTag {
    /// Instrument id and version (items, response formats, scale definitions).
    pub instrument: String,
    /// The cut-point set that dichotomised the scale scores.
    pub cut_points: String,
    /// The validity rule set that decided which questionnaires count.
    pub validity_rules: String,
}

/// One part of a [`VersionTag`], for a translated warning in the UI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionPart {
    /// [`VersionTag::instrument`].
    Instrument,
    /// [`VersionTag::cut_points`].
    CutPoints,
    /// [`VersionTag::validity_rules`].
    ValidityRules,
}

impl VersionTag {
    /// The parts in which `self` and `other` differ, in the order instrument,
    /// cut points, validity rules.
    #[must_use]
    pub fn differences(&self, other: &Self) -> Vec<VersionPart> {
        let mut parts = Vec::new();
        if self.instrument != other.instrument {
            parts.push(VersionPart::Instrument);
        }
        if self.cut_points != other.cut_points {
            parts.push(VersionPart::CutPoints);
        }
        if self.validity_rules != other.validity_rules {
            parts.push(VersionPart::ValidityRules);
        }
        parts
    }
}

/// The share of one wave, in chronological order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WavePoint {
    /// Display label, e.g. `"2024"` or `"Wave 2 (autumn 2026)"`.
    pub wave_label: String,
    /// Flagged pupils and valid answers of the group in this wave.
    pub proportion: Proportion,
    /// The share's design effect in this wave (1 = simple random sampling;
    /// `docs/statistics.md` §1.2).
    pub design_effect: f64,
    /// How the share was measured.
    pub versions: VersionTag,
}

impl WavePoint {
    fn clustered(&self) -> ClusteredProportion {
        ClusteredProportion {
            proportion: self.proportion,
            design_effect: self.design_effect,
        }
    }
}

/// Decision settings for a trend.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrendOptions {
    /// Level of the unadjusted two-sided z-test behind
    /// [`WaveChange::significant`]; in (0, 1), default 0.05.
    pub alpha: f64,
    /// Level of every interval; in (0, 1), default [`CONFIDENCE_95`].
    pub confidence: f64,
}

impl Default for TrendOptions {
    fn default() -> Self {
        Self {
            alpha: 0.05,
            confidence: CONFIDENCE_95,
        }
    }
}

/// The change of the share from an earlier wave to this one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WaveChange {
    /// Index (into the input) of the earlier wave compared with.
    pub compared_index: usize,
    /// Label of that wave.
    pub compared_label: String,
    /// This wave minus the earlier wave, in percentage points.
    pub difference_points: f64,
    /// Newcombe interval of the difference, in percentage points; `None` for
    /// an invalid confidence level.
    pub ci_points: Option<Interval>,
    /// Statistic of the pooled two-proportion z-test (positive = increase).
    pub z: f64,
    /// Two-sided p-value, **not** adjusted for multiple comparisons.
    pub p_value: f64,
    /// Benjamini–Hochberg adjusted p-value over the family the caller chose
    /// ([`adjust_changes`]); `None` until adjusted.
    #[serde(default)]
    pub p_adjusted: Option<f64>,
    /// `p_adjusted < alpha` once [`adjust_changes`] ran, `p_value < alpha`
    /// before.
    pub significant: bool,
    /// The parts of the version tag that differ between the two waves; empty
    /// if they were measured the same way.
    pub changed_parts: Vec<VersionPart>,
    /// An English sentence naming what differs, or `None` if nothing does.
    /// The UI can translate [`Self::changed_parts`] instead.
    pub comparability_warning: Option<String>,
}

/// One wave of the trend.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrendWave {
    /// As passed in.
    pub wave_label: String,
    /// As passed in.
    pub proportion: Proportion,
    /// As passed in.
    pub design_effect: f64,
    /// As passed in.
    pub versions: VersionTag,
    /// Share in percent; `None` if the group had no valid answers (n = 0).
    pub percent: Option<f64>,
    /// Wilson interval (on the effective sample size) in percent.
    pub ci_percent: Option<Interval>,
    /// Change since the most recent earlier wave **with data**; `None` for the
    /// first such wave and for a wave without data.
    pub since_previous: Option<WaveChange>,
    /// Change since the first wave with data (the baseline); `None` for the
    /// baseline itself and for a wave without data.
    pub since_first: Option<WaveChange>,
}

fn to_percent(share: f64) -> f64 {
    share * 100.0
}

fn interval_to_percent(interval: Interval) -> Interval {
    Interval {
        lower: to_percent(interval.lower),
        upper: to_percent(interval.upper),
    }
}

fn part_name(part: VersionPart) -> &'static str {
    match part {
        VersionPart::Instrument => "instrument",
        VersionPart::CutPoints => "cut points",
        VersionPart::ValidityRules => "validity rules",
    }
}

fn part_value(tag: &VersionTag, part: VersionPart) -> &str {
    match part {
        VersionPart::Instrument => &tag.instrument,
        VersionPart::CutPoints => &tag.cut_points,
        VersionPart::ValidityRules => &tag.validity_rules,
    }
}

/// "Not directly comparable with wave 2024: cut points differ
/// (set-a → set-b)."
fn warning(earlier: &WavePoint, later: &WavePoint, parts: &[VersionPart]) -> Option<String> {
    if parts.is_empty() {
        return None;
    }
    let details: Vec<String> = parts
        .iter()
        .map(|&part| {
            format!(
                "{} differ ({} → {})",
                part_name(part),
                part_value(&earlier.versions, part),
                part_value(&later.versions, part)
            )
        })
        .collect();
    Some(format!(
        "Not directly comparable with wave {}: {}.",
        earlier.wave_label,
        details.join("; ")
    ))
}

fn change(
    points: &[WavePoint],
    earlier: usize,
    later: usize,
    options: &TrendOptions,
) -> Option<WaveChange> {
    let (a, b) = (points.get(earlier)?, points.get(later)?);
    let (pa, pb) = (a.proportion.estimate()?, b.proportion.estimate()?);
    // Later minus earlier, so a positive z and difference mean an increase.
    let test = two_proportion_z_test_clustered(b.clustered(), a.clustered())?;
    let alpha_valid = options.alpha.is_finite() && options.alpha > 0.0 && options.alpha < 1.0;
    let changed_parts = a.versions.differences(&b.versions);
    Some(WaveChange {
        compared_index: earlier,
        compared_label: a.wave_label.clone(),
        difference_points: to_percent(pb - pa),
        ci_points: newcombe_difference_interval_clustered(
            b.clustered(),
            a.clustered(),
            options.confidence,
        )
        .map(interval_to_percent),
        z: test.z,
        p_value: test.p_value,
        p_adjusted: None,
        significant: alpha_valid && test.p_value < options.alpha,
        comparability_warning: warning(a, b, &changed_parts),
        changed_parts,
    })
}

/// The trend of one factor for one group over waves given in chronological
/// order.
///
/// For every wave: the share with its Wilson interval, and the change since
/// the previous wave and since the first wave. Each change has the
/// difference, its Newcombe interval, the pooled z-test and the
/// comparability warning.
///
/// **Waves without data** (n = 0, e.g. the district did not take part) get
/// `None` for the share and for both changes. Later waves skip them: "since
/// previous" compares with the most recent earlier wave that has data, and
/// "since first" with the first wave that has data. [`WaveChange::compared_label`]
/// names the wave actually used.
///
/// **Assumptions**, to be stated in reports:
/// * The waves are independent samples. Pupils who answer in two waves
///   (e.g. grade 7 in 2024, grade 9 in 2026, when all grades are pooled) make
///   the samples positively correlated. The test is then conservative, not
///   anti-conservative.
/// * Pupils are sampled in classes: each wave's variance is inflated by its
///   point's design effect (Wilson on the effective sample size, Newcombe
///   from those intervals, the z-test with inflated variances;
///   `docs/statistics.md` §1.2). With design effects of 1 this is simple
///   random sampling.
/// * The p-values are **unadjusted**. One series of k waves gives up to
///   2(k − 1) tests. If many factors' trends are screened at once, adjust the
///   p-values with `stats::benjamini_hochberg` across the family.
///
/// The output has the same length and order as `points`. Never panics.
#[must_use]
pub fn compute_trend(points: &[WavePoint], options: &TrendOptions) -> Vec<TrendWave> {
    let mut first_with_data: Option<usize> = None;
    let mut previous_with_data: Option<usize> = None;
    points
        .iter()
        .enumerate()
        .map(|(index, point)| {
            let share = point.proportion.estimate();
            let (since_previous, since_first) = if share.is_some() {
                let changes = (
                    previous_with_data.and_then(|prev| change(points, prev, index, options)),
                    first_with_data.and_then(|first| change(points, first, index, options)),
                );
                first_with_data.get_or_insert(index);
                previous_with_data = Some(index);
                changes
            } else {
                (None, None)
            };
            TrendWave {
                wave_label: point.wave_label.clone(),
                proportion: point.proportion,
                design_effect: point.design_effect,
                versions: point.versions.clone(),
                percent: share.map(to_percent),
                ci_percent: point
                    .clustered()
                    .wilson_interval(options.confidence)
                    .map(interval_to_percent),
                since_previous,
                since_first,
            }
        })
        .collect()
}

/// Adjusts the changes of a family of trends together with
/// Benjamini–Hochberg and decides [`WaveChange::significant`] on the
/// adjusted p-value.
///
/// Unadjusted, about 1 in 20 changes without any real change comes out
/// "significant"; a district's trend page shows two changes per wave for
/// every factor, dozens of tests. The results pages pass every change of one
/// group (all its factors, all waves) as one family, as the profile adjusts
/// the factors of one group (`docs/statistics.md`, "Trends across waves").
///
/// A "since first" change that compares the same two waves as the "since
/// previous" one of its wave (the second wave with data) is one test, not
/// two: it counts once in the family and gets the same adjusted value.
/// An invalid `alpha` (outside (0, 1)) marks nothing significant.
pub fn adjust_changes<'a>(waves: impl IntoIterator<Item = &'a mut TrendWave>, alpha: f64) {
    let alpha_valid = alpha.is_finite() && alpha > 0.0 && alpha < 1.0;
    let mut tests: Vec<&mut WaveChange> = Vec::new();
    // For each duplicate "since first": the index of its twin in `tests`.
    let mut twins: Vec<(&mut WaveChange, usize)> = Vec::new();
    for wave in waves {
        let TrendWave {
            since_previous,
            since_first,
            ..
        } = wave;
        let previous_index = since_previous.as_mut().map(|change| {
            tests.push(change);
            tests.len() - 1
        });
        if let Some(first) = since_first.as_mut() {
            match previous_index {
                Some(index) if tests[index].compared_index == first.compared_index => {
                    twins.push((first, index));
                }
                _ => tests.push(first),
            }
        }
    }
    let raw: Vec<f64> = tests.iter().map(|change| change.p_value).collect();
    let adjusted = benjamini_hochberg(&raw);
    for (change, p) in tests.iter_mut().zip(&adjusted) {
        change.p_adjusted = p.is_finite().then_some(*p);
        change.significant = alpha_valid && change.p_adjusted.is_some_and(|p| p < alpha);
    }
    for (twin, index) in twins {
        twin.p_adjusted = tests[index].p_adjusted;
        twin.significant = tests[index].significant;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::analysis::stats::tolerance::{RELATIVE_P, SPECIAL_FUNCTION};
    use approx::{assert_abs_diff_eq, assert_relative_eq};

    /// Percent values through a normal quantile.
    const PCT: f64 = 100.0 * SPECIAL_FUNCTION;

    fn tag(instrument: &str, cut_points: &str, validity_rules: &str) -> VersionTag {
        VersionTag {
            instrument: instrument.to_owned(),
            cut_points: cut_points.to_owned(),
            validity_rules: validity_rules.to_owned(),
        }
    }

    fn v1() -> VersionTag {
        tag(
            "ctc-demo@2026.1",
            "ctc-demo-2026.1/default",
            "ctc-demo@2026.1",
        )
    }

    fn wave(label: &str, count: u64, n: u64, versions: VersionTag) -> WavePoint {
        WavePoint {
            wave_label: label.to_owned(),
            proportion: Proportion { count, n },
            design_effect: 1.0,
            versions,
        }
    }

    #[track_caller]
    fn assert_ci(got: Option<Interval>, lower: f64, upper: f64) {
        let got = got.expect("interval");
        assert_abs_diff_eq!(got.lower, lower, epsilon = PCT);
        assert_abs_diff_eq!(got.upper, upper, epsilon = PCT);
    }

    /// `e` = difference, Newcombe CI, z, p as printed by the Python command.
    #[track_caller]
    fn assert_change(c: &WaveChange, compared: usize, e: [f64; 5]) {
        assert_eq!(c.compared_index, compared);
        assert_abs_diff_eq!(c.difference_points, e[0], epsilon = PCT);
        assert_ci(c.ci_points, e[1], e[2]);
        assert_abs_diff_eq!(c.z, e[3], epsilon = SPECIAL_FUNCTION);
        assert_relative_eq!(c.p_value, e[4], max_relative = RELATIVE_P);
    }

    fn three_waves() -> Vec<WavePoint> {
        let recalibrated = tag(
            "ctc-demo@2026.1",
            "calibrated-2028-11-24-wave-3",
            "ctc-demo@2026.1",
        );
        vec![
            wave("2024", 40, 200, v1()),
            wave("2026", 55, 210, v1()),
            wave("2028", 30, 190, recalibrated),
        ]
    }

    #[test]
    fn three_waves_match_statsmodels() {
        let out = compute_trend(&three_waves(), &TrendOptions::default());
        assert_eq!(out.len(), 3);
        // python3 -c "from statsmodels.stats.proportion import proportion_confint as ci; print(*[100*x for k,n in [(40,200),(55,210),(30,190)] for x in ci(k,n,method='wilson')])"
        // → 15.045200926098119 26.085518656537882 20.709776905994627 32.52660646349506 11.289621943608317 21.645261651004073
        assert_eq!(out[0].percent, Some(20.0));
        assert_ci(out[0].ci_percent, 15.045200926098119, 26.085518656537882);
        assert_ci(out[1].ci_percent, 20.709776905994627, 32.52660646349506);
        assert_ci(out[2].ci_percent, 11.289621943608317, 21.645261651004073);

        assert_eq!(out[0].since_previous, None);
        assert_eq!(out[0].since_first, None);

        // python3 -c "from statsmodels.stats.proportion import confint_proportions_2indep as nc, proportions_ztest as zt; b,bn,a,an=55,210,40,200; z,p=zt([b,a],[bn,an]); print(100*(b/bn-a/an), *[float(100*x) for x in nc(b,bn,a,an,method='newcomb',compare='diff')], z, p)"
        // → 6.190476190476191 -1.9992491996689121 14.233894661462582 1.4849900769041517 0.1375464527516265
        let e = [
            6.190476190476191,
            -1.9992491996689121,
            14.233894661462582,
            1.4849900769041517,
            0.1375464527516265,
        ];
        let previous = out[1].since_previous.as_ref().unwrap();
        assert_change(previous, 0, e);
        assert!(!previous.significant);
        assert_eq!(previous.comparability_warning, None);
        assert!(previous.changed_parts.is_empty());
        // Wave 2's baseline is wave 1 as well.
        assert_eq!(out[1].since_first.as_ref(), Some(previous));

        // python3 -c "from statsmodels.stats.proportion import confint_proportions_2indep as nc, proportions_ztest as zt; b,bn,a,an=30,190,55,210; z,p=zt([b,a],[bn,an]); print(100*(b/bn-a/an), *[float(100*x) for x in nc(b,bn,a,an,method='newcomb',compare='diff')], z, p)"
        // → -10.401002506265666 -18.172438185988355 -2.380508920521654 -2.539375380708027 0.01110506000498547
        let previous = out[2].since_previous.as_ref().unwrap();
        assert_change(
            previous,
            1,
            [
                -10.401002506265666,
                -18.172438185988355,
                -2.380508920521654,
                -2.539375380708027,
                0.01110506000498547,
            ],
        );
        assert!(previous.significant);
        assert_eq!(previous.compared_label, "2026");
        // Significant, but measured with other cut points: the warning says so.
        assert_eq!(previous.changed_parts, [VersionPart::CutPoints]);
        assert_eq!(
            previous.comparability_warning.as_deref(),
            Some(
                "Not directly comparable with wave 2026: cut points differ \
                 (ctc-demo-2026.1/default → calibrated-2028-11-24-wave-3)."
            )
        );

        // python3 -c "from statsmodels.stats.proportion import confint_proportions_2indep as nc, proportions_ztest as zt; b,bn,a,an=30,190,40,200; z,p=zt([b,a],[bn,an]); print(100*(b/bn-a/an), *[float(100*x) for x in nc(b,bn,a,an,method='newcomb',compare='diff')], z, p)"
        // → -4.210526315789476 -11.779027026397312 3.4602159282689864 -1.0830200048138856 0.27879954370928495
        let first = out[2].since_first.as_ref().unwrap();
        assert_change(
            first,
            0,
            [
                -4.210526315789476,
                -11.779027026397312,
                3.4602159282689864,
                -1.0830200048138856,
                0.27879954370928495,
            ],
        );
        assert!(!first.significant);
        assert_eq!(first.changed_parts, [VersionPart::CutPoints]);
        assert!(
            first
                .comparability_warning
                .as_deref()
                .unwrap()
                .contains("wave 2024")
        );
    }

    #[test]
    fn every_differing_part_is_named() {
        let points = [
            wave("A", 10, 50, v1()),
            wave(
                "B",
                12,
                50,
                tag("ctc-de@2027", "de-2027/default", "de-2027"),
            ),
        ];
        let out = compute_trend(&points, &TrendOptions::default());
        let change = out[1].since_previous.as_ref().unwrap();
        assert_eq!(
            change.changed_parts,
            [
                VersionPart::Instrument,
                VersionPart::CutPoints,
                VersionPart::ValidityRules
            ]
        );
        assert_eq!(
            change.comparability_warning.as_deref(),
            Some(
                "Not directly comparable with wave A: instrument differ (ctc-demo@2026.1 → \
                 ctc-de@2027); cut points differ (ctc-demo-2026.1/default → de-2027/default); \
                 validity rules differ (ctc-demo@2026.1 → de-2027)."
            )
        );
    }

    #[test]
    fn waves_without_data_are_skipped_in_comparisons() {
        let points = [
            wave("2022", 0, 0, v1()),
            wave("2024", 40, 200, v1()),
            wave("2026", 0, 0, v1()),
            wave("2028", 30, 190, v1()),
        ];
        let out = compute_trend(&points, &TrendOptions::default());
        for empty in [&out[0], &out[2]] {
            assert_eq!(empty.percent, None);
            assert_eq!(empty.ci_percent, None);
            assert_eq!(empty.since_previous, None);
            assert_eq!(empty.since_first, None);
        }
        // 2024 is the baseline: nothing earlier with data.
        assert_eq!(out[1].since_previous, None);
        assert_eq!(out[1].since_first, None);
        // 2028 compares with 2024 both times (same numbers as in the
        // three-wave test, 30/190 vs 40/200).
        let previous = out[3].since_previous.as_ref().unwrap();
        assert_eq!(previous.compared_index, 1);
        assert_eq!(previous.compared_label, "2024");
        assert_abs_diff_eq!(
            previous.difference_points,
            -4.210526315789476,
            epsilon = PCT
        );
        assert_eq!(out[3].since_first.as_ref(), Some(previous));

        assert!(compute_trend(&[], &TrendOptions::default()).is_empty());
        let single = compute_trend(&[wave("2024", 1, 2, v1())], &TrendOptions::default());
        assert_eq!(single[0].percent, Some(50.0));
        assert_eq!(single[0].since_previous, None);
    }

    #[test]
    fn zero_and_hundred_percent_waves() {
        let points = [
            wave("a", 0, 40, v1()),
            wave("b", 0, 60, v1()),
            wave("c", 60, 60, v1()),
            wave("d", 50, 50, v1()),
        ];
        let out = compute_trend(&points, &TrendOptions::default());
        // python3 -c "from statsmodels.stats.proportion import confint_proportions_2indep as nc, proportions_ztest as zt; print([float(100*x) for x in nc(0,60,0,40,method='newcomb',compare='diff')], [float(100*x) for x in nc(50,50,60,60,method='newcomb',compare='diff')], zt([60,0],[60,60]))"
        // → [-8.762160119728668, 6.017185214208989] [-7.134759913335875, 6.017185214209009] (np.float64(10.954451150103322), np.float64(6.32606826367722e-28))
        let b = out[1].since_previous.as_ref().unwrap();
        assert_eq!(b.difference_points, 0.0);
        assert_ci(b.ci_points, -8.762160119728668, 6.017185214208989);
        // Both all-0: the pooled SE is 0 (statsmodels: NaN); documented z = 0, p = 1.
        assert_eq!((b.z, b.p_value, b.significant), (0.0, 1.0, false));
        let c = out[2].since_previous.as_ref().unwrap();
        assert_eq!(c.difference_points, 100.0);
        assert_abs_diff_eq!(c.z, 10.954451150103322, epsilon = SPECIAL_FUNCTION);
        assert_relative_eq!(c.p_value, 6.32606826367722e-28, max_relative = RELATIVE_P);
        assert!(c.significant);
        let d = out[3].since_previous.as_ref().unwrap();
        assert_ci(d.ci_points, -7.134759913335875, 6.017185214209009);
        assert_eq!((d.z, d.p_value), (0.0, 1.0));
        assert_eq!(out[3].ci_percent.unwrap().upper, 100.0);
        assert_eq!(out[0].ci_percent.unwrap().lower, 0.0);
    }

    #[test]
    fn invalid_options() {
        let bad_alpha = TrendOptions {
            alpha: f64::NAN,
            ..TrendOptions::default()
        };
        let out = compute_trend(&three_waves(), &bad_alpha);
        assert!(!out[2].since_previous.as_ref().unwrap().significant);
        let bad_level = TrendOptions {
            confidence: 0.0,
            ..TrendOptions::default()
        };
        let out = compute_trend(&three_waves(), &bad_level);
        assert_eq!(out[1].ci_percent, None);
        let change = out[2].since_previous.as_ref().unwrap();
        assert_eq!(change.ci_points, None);
        assert!(change.significant);
        // Inconsistent counts are treated like a wave without data.
        let broken = [wave("a", 5, 3, v1()), wave("b", 1, 3, v1())];
        let out = compute_trend(&broken, &TrendOptions::default());
        assert_eq!(out[0].percent, None);
        assert_eq!(out[1].since_previous, None);
    }

    /// Two factors of one group over three waves: 6 distinct tests (the
    /// second wave's "since first" is its "since previous"). Expected values
    /// from the BH definition by hand, equal to R
    /// `p.adjust(c(0.01, 0.04, 0.03, 0.20, 0.50, 0.001), "BH")`
    /// = 0.030 0.060 0.060 0.240 0.500 0.006.
    #[test]
    fn a_family_of_changes_is_adjusted_together() {
        let series = || compute_trend(&three_waves(), &TrendOptions::default());
        let (mut a, mut b) = (series(), series());
        let set = |waves: &mut [TrendWave], p: [f64; 3]| {
            waves[1].since_previous.as_mut().unwrap().p_value = p[0];
            waves[1].since_first.as_mut().unwrap().p_value = p[0];
            waves[2].since_previous.as_mut().unwrap().p_value = p[1];
            waves[2].since_first.as_mut().unwrap().p_value = p[2];
        };
        set(&mut a, [0.01, 0.04, 0.03]);
        set(&mut b, [0.20, 0.50, 0.001]);
        adjust_changes(a.iter_mut().chain(b.iter_mut()), 0.05);
        let got = |waves: &[TrendWave]| {
            [
                waves[1].since_previous.as_ref().unwrap(),
                waves[1].since_first.as_ref().unwrap(),
                waves[2].since_previous.as_ref().unwrap(),
                waves[2].since_first.as_ref().unwrap(),
            ]
            .map(|change| (change.p_adjusted.unwrap(), change.significant))
        };
        let expected_a = [(0.03, true), (0.03, true), (0.06, false), (0.06, false)];
        let expected_b = [(0.24, false), (0.24, false), (0.5, false), (0.006, true)];
        for ((p, significant), (e, e_significant)) in got(&a)
            .into_iter()
            .chain(got(&b))
            .zip(expected_a.into_iter().chain(expected_b))
        {
            assert_relative_eq!(p, e, max_relative = 1e-12);
            assert_eq!(significant, e_significant, "p_adjusted {p}");
        }
        // Unadjusted, 0.04 and 0.03 would have passed.
        assert!(a[2].since_first.as_ref().unwrap().p_value < 0.05);
        // The first wave has no change; an invalid alpha flags nothing.
        assert!(a[0].since_previous.is_none());
        adjust_changes(a.iter_mut(), 1.5);
        assert!(
            a.iter()
                .flat_map(|w| &w.since_previous)
                .all(|c| !c.significant)
        );
    }

    #[test]
    fn trend_round_trips_through_json() {
        let out = compute_trend(&three_waves(), &TrendOptions::default());
        let json = serde_json::to_string(&out).unwrap();
        assert!(json.contains(r#""changed_parts":["cut_points"]"#));
        let back: Vec<TrendWave> = serde_json::from_str(&json).unwrap();
        // Compared after the same (possibly 1-ulp lossy) float parse.
        assert_eq!(
            serde_json::to_value(&back).unwrap(),
            serde_json::from_str::<serde_json::Value>(&json).unwrap()
        );
        let input = serde_json::to_string(&three_waves()).unwrap();
        assert_eq!(
            serde_json::from_str::<Vec<WavePoint>>(&input).unwrap(),
            three_waves()
        );
    }
}
