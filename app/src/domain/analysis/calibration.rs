//! Cut-point calibration: how well does a scale's cut point separate pupils
//! with and without a problem behaviour, and which cut point would the CTC
//! rule or the data suggest?
//!
//! The German validation found that the US rule (median + 0.15·MAD) balanced
//! sensitivity and specificity acceptably for only 6 of 22 risk factors
//! (domain notes §0, §1.6). Cut points therefore have to be checked locally
//! and versioned. This module evaluates candidates on a reference sample
//! ([`calibrate`]), and [`CutPointSet`] stores a chosen set of cut points with
//! its provenance so that it can be applied and named in every report.
//!
//! One call covers one scale in one grade band. Methods and caveats are in
//! `docs/statistics.md`, section "Cut-point calibration".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::analysis::stats::{
    CONFIDENCE_95, ClassificationMetrics, CutPointRule, Interval, Proportion,
    classification_metrics, ctc_cut_point, median, median_absolute_deviation, roc_auc,
};
use crate::domain::survey::instrument::{CutPoint, Direction, Instrument};

/// Grades a [`CutPointSet`] may name, as in instrument files.
const GRADES: std::ops::RangeInclusive<u8> = 1..=13;

/// Settings of [`calibrate`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CalibrationOptions {
    /// The rule for the rule-based candidate. `None` uses the CTC rule in the
    /// scale's direction: median + 0.15·MAD ([`CutPointRule::arthur_2007`])
    /// when `score >= cut` is flagged, and its mirror median − 0.15·MAD when
    /// `score <= cut` is flagged. The plus rule with a low direction would
    /// flag at least half of the sample.
    pub rule: Option<CutPointRule>,
    /// Level of the Wilson interval of each flagged share; in (0, 1),
    /// default [`CONFIDENCE_95`].
    pub confidence: f64,
}

impl Default for CalibrationOptions {
    fn default() -> Self {
        Self {
            rule: None,
            confidence: CONFIDENCE_95,
        }
    }
}

/// Where a candidate cut point comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidateSource {
    /// The cut point the instrument currently uses.
    Current,
    /// The CTC rule (median ± 0.15·MAD, or the rule passed in the options)
    /// applied to the reference sample. It does not look at the outcome.
    Rule,
    /// The observed score value that maximises Youden's J for the outcome in
    /// this very sample. **Data-driven and optimistic in-sample**: it is
    /// chosen to fit this sample's outcome, so its sensitivity and
    /// specificity overstate what a new sample would show. Use it as a
    /// reference point and validate it on another wave before adopting it.
    YoudenOptimal,
}

/// One candidate cut point, evaluated on the reference sample.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CutPointCandidate {
    /// Where the value comes from.
    pub source: CandidateSource,
    /// The cut point.
    pub cut: f64,
    /// Flagged pupils among **all** valid scores (with or without an
    /// outcome answer): the "% at risk" this cut point would give in the
    /// reference sample.
    pub flagged: Proportion,
    /// `flagged` in percent.
    pub flagged_percent: f64,
    /// Wilson interval of the flagged share, in percent.
    pub flagged_ci_percent: Option<Interval>,
    /// Sensitivity, specificity, Youden's J and the confusion counts against
    /// the outcome, over the pupils with a known outcome. `None` unless both
    /// outcome classes occur.
    pub metrics: Option<ClassificationMetrics>,
}

/// The evaluation of a scale's cut point candidates on a reference sample.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CalibrationReport {
    /// Which side of the cut point is flagged.
    pub direction: Direction,
    /// The rule behind [`Self::rule_based`].
    pub rule: CutPointRule,
    /// Valid (finite) scores: the base of the flagged shares and of the rule.
    pub n_scores: u64,
    /// Scores that were NaN or infinite and therefore left out.
    pub n_skipped_non_finite: u64,
    /// Valid scores with a known outcome: the base of the metrics and the AUC.
    pub n_with_outcome: u64,
    /// Of those, pupils with the outcome present.
    pub n_outcome_present: u64,
    /// Median of the valid scores.
    pub median: f64,
    /// Raw (unscaled) median absolute deviation of the valid scores. If it is
    /// 0, the rule's cut point equals the median and flags at least half of
    /// the sample.
    pub mad: f64,
    /// ROC AUC of the scale score for the outcome, oriented so that 1 means
    /// "the flagged side has the outcome" (scores are negated for direction
    /// low). Independent of any cut point. `None` unless both outcome
    /// classes occur.
    pub auc: Option<f64>,
    /// The instrument's current cut point.
    pub current: CutPointCandidate,
    /// The rule's cut point; `None` only if the rule in the options is
    /// invalid (negative or non-finite factor).
    pub rule_based: Option<CutPointCandidate>,
    /// The in-sample Youden-optimal observed score (see
    /// [`CandidateSource::YoudenOptimal`]); `None` unless both outcome
    /// classes occur.
    pub youden_optimal: Option<CutPointCandidate>,
}

/// Evaluates the current cut point, the rule's cut point and the in-sample
/// Youden-optimal cut point of one scale (one grade band) on a reference
/// sample.
///
/// `scores_and_outcomes` has one `(scale score, outcome)` pair per pupil. The
/// outcome is e.g. "30-day alcohol use"; it is `None` if the pupil did not
/// answer it. Non-finite scores (no valid score) are skipped and counted.
/// Pairs with an unknown outcome count for the rule and the flagged shares
/// but not for the metrics or the AUC.
///
/// Flagging uses the instrument's own rule, [`CutPoint::flags`], including
/// its tolerance, so the shares here equal what scoring would report.
///
/// `None` if there is no valid score or `current` is not finite. Never
/// panics.
#[must_use]
pub fn calibrate(
    scores_and_outcomes: &[(f64, Option<bool>)],
    current: f64,
    direction: Direction,
    options: &CalibrationOptions,
) -> Option<CalibrationReport> {
    if !current.is_finite() {
        return None;
    }
    let mut scores: Vec<f64> = scores_and_outcomes
        .iter()
        .map(|&(score, _)| score)
        .filter(|score| score.is_finite())
        .collect();
    let n_skipped_non_finite = (scores_and_outcomes.len() - scores.len()) as u64;
    let (known_scores, known_outcomes): (Vec<f64>, Vec<bool>) = scores_and_outcomes
        .iter()
        .filter(|(score, _)| score.is_finite())
        .filter_map(|&(score, outcome)| outcome.map(|o| (score, o)))
        .unzip();

    let mad = median_absolute_deviation(&scores)?;
    let med = median(&mut scores)?; // sorts `scores`; order is irrelevant below
    let rule = options.rule.unwrap_or(match direction {
        Direction::High => CutPointRule::arthur_2007(),
        Direction::Low => CutPointRule::MedianMinusMad {
            factor: CutPointRule::ARTHUR_2007_FACTOR,
        },
    });

    let evaluate = |source: CandidateSource, cut: f64| {
        evaluate_candidate(
            source,
            cut,
            direction,
            &scores,
            &known_scores,
            &known_outcomes,
            options.confidence,
        )
    };
    let oriented: Vec<f64> = match direction {
        Direction::High => known_scores.clone(),
        Direction::Low => known_scores.iter().map(|s| -s).collect(),
    };
    Some(CalibrationReport {
        direction,
        rule,
        n_scores: scores.len() as u64,
        n_skipped_non_finite,
        n_with_outcome: known_outcomes.len() as u64,
        n_outcome_present: known_outcomes.iter().filter(|&&o| o).count() as u64,
        median: med,
        mad,
        auc: roc_auc(&oriented, &known_outcomes),
        current: evaluate(CandidateSource::Current, current),
        rule_based: ctc_cut_point(&scores, rule).map(|cut| evaluate(CandidateSource::Rule, cut)),
        youden_optimal: youden_optimal_cut(&known_scores, &known_outcomes, direction)
            .map(|cut| evaluate(CandidateSource::YoudenOptimal, cut)),
    })
}

/// The instrument's flag rule for a single cut point.
fn flag_rule(cut: f64, direction: Direction) -> CutPoint {
    CutPoint {
        default: cut,
        by_grade: BTreeMap::new(),
        direction,
    }
}

fn evaluate_candidate(
    source: CandidateSource,
    cut: f64,
    direction: Direction,
    scores: &[f64],
    known_scores: &[f64],
    known_outcomes: &[bool],
    confidence: f64,
) -> CutPointCandidate {
    let rule = flag_rule(cut, direction);
    // The grade is irrelevant: the rule has no per-grade overrides.
    let flagged_count = scores.iter().filter(|&&s| rule.flags(s, 0)).count() as u64;
    let flagged = Proportion {
        count: flagged_count,
        n: scores.len() as u64,
    };
    let predicted: Vec<bool> = known_scores.iter().map(|&s| rule.flags(s, 0)).collect();
    CutPointCandidate {
        source,
        cut,
        flagged,
        flagged_percent: flagged.estimate().map_or(f64::NAN, |p| p * 100.0),
        flagged_ci_percent: flagged.wilson_interval(confidence).map(|ci| Interval {
            lower: ci.lower * 100.0,
            upper: ci.upper * 100.0,
        }),
        metrics: classification_metrics(&predicted, known_outcomes),
    }
}

/// The observed score value that maximises Youden's J when used as the cut
/// point, or `None` unless both outcome classes occur.
///
/// One pass over the sorted scores, from the most extreme flagged value
/// inwards, accumulating true and false positives. J is compared exactly as
/// the integer numerator `TP·N − FP·P` of `TP/P − FP/N`. Ties go to the
/// first value reached, i.e. the cut point that flags the **fewest** pupils,
/// as `numpy.argmax` over scikit-learn's `roc_curve` thresholds does.
fn youden_optimal_cut(scores: &[f64], outcomes: &[bool], direction: Direction) -> Option<f64> {
    let positives = outcomes.iter().filter(|&&o| o).count() as i128;
    let negatives = outcomes.len() as i128 - positives;
    if positives == 0 || negatives == 0 || scores.len() != outcomes.len() {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_unstable_by(|&i, &j| scores[i].total_cmp(&scores[j]));
    if direction == Direction::High {
        // Flagged = score >= cut: start at the highest score.
        order.reverse();
    }
    let (mut tp, mut fp) = (0_i128, 0_i128);
    let mut best: Option<(i128, f64)> = None;
    let mut start = 0;
    while start < order.len() {
        let value = scores[order[start]];
        let mut end = start;
        // Exact equality, as scikit-learn's thresholds. The reported metrics
        // are recomputed with the instrument's tolerant flag rule, which
        // differs only for distinct scores less than 1e-9 apart.
        while end < order.len() && scores[order[end]] == value {
            if outcomes[order[end]] {
                tp += 1;
            } else {
                fp += 1;
            }
            end += 1;
        }
        let numerator = tp * negatives - fp * positives;
        if best.is_none_or(|(b, _)| numerator > b) {
            best = Some((numerator, value));
        }
        start = end;
    }
    best.map(|(_, value)| value)
}

/// A named, versioned set of cut points: per scale id, per grade.
///
/// Every aggregate records which set dichotomised its scores (domain notes
/// §9.3), and a trend warns when two waves used different sets
/// (`trend::VersionTag::cut_points` holds the set's `id`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CutPointSet {
    /// Unique name, e.g. `"ctc-demo-2026.1/default"` or
    /// `"calibrated-2026-11-24-wave-3"`.
    pub id: String,
    /// Provenance in words: the instrument it was taken from, or the
    /// reference sample, rule and date of a calibration.
    pub derived_from: String,
    /// Scale id → grade → cut point. The direction is not stored: it belongs
    /// to the scale definition and a calibration does not change it.
    pub cut_points: BTreeMap<String, BTreeMap<u8, f64>>,
}

/// Why a [`CutPointSet`] cannot be applied to an instrument.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum CutPointSetError {
    /// The instrument has no scale with this id.
    #[error("cut-point set names scale \"{0}\", which the instrument does not have")]
    UnknownScale(String),
    /// The scale has no cut point (an outcome scale without one), so there is
    /// no direction to apply a value with.
    #[error("scale \"{0}\" has no cut point in the instrument, so its direction is unknown")]
    NoCutPoint(String),
    /// A grade outside 1..=13.
    #[error("cut-point set gives scale \"{scale}\" a cut point for grade {grade}, outside 1..=13")]
    InvalidGrade {
        /// Scale id.
        scale: String,
        /// The offending grade.
        grade: u8,
    },
    /// A value that is not finite or lies outside the scale's possible score
    /// range (it would flag everyone or no one).
    #[error("cut point {value} for scale \"{scale}\", grade {grade} is outside the score range")]
    OutOfRange {
        /// Scale id.
        scale: String,
        /// Grade.
        grade: u8,
        /// The offending value.
        value: f64,
    },
}

impl CutPointSet {
    /// The instrument's own cut points for `grades`: for every scale with a
    /// cut point, the value that applies to each grade (per-grade override or
    /// default).
    ///
    /// `id` is `"<instrument id>-<version>/default"`, e.g.
    /// `"ctc-demo-2026.1/default"`. Grades outside 1..=13 are ignored, and
    /// scales without a cut point are left out.
    #[must_use]
    pub fn from_instrument(instrument: &Instrument, grades: &[u8]) -> Self {
        let cut_points = instrument
            .scales
            .iter()
            .filter_map(|scale| {
                let cut = scale.cut_point.as_ref()?;
                let per_grade: BTreeMap<u8, f64> = grades
                    .iter()
                    .filter(|grade| GRADES.contains(grade))
                    .map(|&grade| (grade, cut.for_grade(grade)))
                    .collect();
                (!per_grade.is_empty()).then(|| (scale.id.clone(), per_grade))
            })
            .collect();
        Self {
            id: format!("{}-{}/default", instrument.id, instrument.version),
            derived_from: format!(
                "cut points of instrument {} version {}",
                instrument.id, instrument.version
            ),
            cut_points,
        }
    }

    /// The cut point of `scale_id` for `grade`, if the set has one.
    #[must_use]
    pub fn get(&self, scale_id: &str, grade: u8) -> Option<f64> {
        self.cut_points.get(scale_id)?.get(&grade).copied()
    }

    /// A copy of `instrument` whose scales use this set's values as
    /// per-grade cut points. Scales and grades the set does not name keep
    /// their cut points, and the directions are unchanged.
    ///
    /// The copy keeps the instrument's id and version. The set's
    /// [`CutPointSet::id`] is what reports and trends must record as the
    /// cut-point version.
    ///
    /// # Errors
    ///
    /// The first [`CutPointSetError`] found, in scale-id and grade order: an
    /// unknown scale, a scale without a cut point, a grade outside 1..=13, or
    /// a value that is not finite or lies outside the scale's score range.
    pub fn apply_to(&self, instrument: &Instrument) -> Result<Instrument, CutPointSetError> {
        let mut applied = instrument.clone();
        for (scale_id, per_grade) in &self.cut_points {
            let index = instrument
                .scale_index(scale_id)
                .ok_or_else(|| CutPointSetError::UnknownScale(scale_id.clone()))?;
            let range = instrument
                .scales
                .get(index)
                .and_then(|scale| instrument.scale_score_range(scale));
            let Some(cut) = applied
                .scales
                .get_mut(index)
                .and_then(|scale| scale.cut_point.as_mut())
            else {
                return Err(CutPointSetError::NoCutPoint(scale_id.clone()));
            };
            for (&grade, &value) in per_grade {
                if !GRADES.contains(&grade) {
                    return Err(CutPointSetError::InvalidGrade {
                        scale: scale_id.clone(),
                        grade,
                    });
                }
                let in_range = value.is_finite()
                    && range.is_none_or(|(min, max)| (min..=max).contains(&value));
                if !in_range {
                    return Err(CutPointSetError::OutOfRange {
                        scale: scale_id.clone(),
                        grade,
                        value,
                    });
                }
                cut.by_grade.insert(grade, value);
            }
        }
        Ok(applied)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::analysis::stats::tolerance::{CLOSED_FORM, SPECIAL_FUNCTION};
    use approx::assert_abs_diff_eq;
    use proptest::prelude::*;

    /// Percent values through a normal quantile.
    const PCT: f64 = 100.0 * SPECIAL_FUNCTION;

    /// 20 mean scores of a 4-point scale, as in the Python commands.
    const SCORES: [f64; 20] = [
        1.0, 1.25, 1.5, 1.5, 1.75, 2.0, 2.0, 2.25, 2.5, 2.5, 2.5, 2.75, 3.0, 3.0, 3.25, 3.5, 3.5,
        3.75, 4.0, 4.0,
    ];

    /// Pairs of [`SCORES`] with outcomes written as in Python (`None`, 0, 1).
    fn sample(outcomes: [Option<u8>; 20]) -> Vec<(f64, Option<bool>)> {
        SCORES
            .iter()
            .zip(outcomes)
            .map(|(&s, o)| (s, o.map(|o| o == 1)))
            .collect()
    }

    /// Outcome more frequent at high scores (a risk scale).
    fn risk_sample() -> Vec<(f64, Option<bool>)> {
        let (n, o, i) = (None, Some(0), Some(1));
        sample([o, o, o, n, o, o, i, o, o, i, o, i, o, i, i, n, i, i, o, i])
    }

    /// Outcome more frequent at low scores (low protection).
    fn protection_sample() -> Vec<(f64, Option<bool>)> {
        let (n, o, i) = (None, Some(0), Some(1));
        sample([i, i, o, i, n, i, o, o, i, o, o, o, o, i, o, o, n, o, o, o])
    }

    #[track_caller]
    fn assert_candidate(
        c: &CutPointCandidate,
        cut: f64,
        flagged: u64,
        ci: (f64, f64),
        sensitivity: f64,
        specificity: f64,
    ) {
        assert_abs_diff_eq!(c.cut, cut, epsilon = CLOSED_FORM);
        assert_eq!(
            c.flagged,
            Proportion {
                count: flagged,
                n: 20
            }
        );
        assert_abs_diff_eq!(
            c.flagged_percent,
            flagged as f64 * 5.0,
            epsilon = CLOSED_FORM
        );
        let got = c.flagged_ci_percent.expect("interval");
        assert_abs_diff_eq!(got.lower, ci.0, epsilon = PCT);
        assert_abs_diff_eq!(got.upper, ci.1, epsilon = PCT);
        let m = c.metrics.expect("metrics");
        assert_abs_diff_eq!(m.sensitivity, sensitivity, epsilon = CLOSED_FORM);
        assert_abs_diff_eq!(m.specificity, specificity, epsilon = CLOSED_FORM);
        assert_abs_diff_eq!(
            m.youden,
            sensitivity + specificity - 1.0,
            epsilon = CLOSED_FORM
        );
    }

    #[test]
    fn risk_scale_matches_scipy_and_sklearn() {
        let report = calibrate(
            &risk_sample(),
            2.5,
            Direction::High,
            &CalibrationOptions::default(),
        )
        .unwrap();
        assert_eq!(report.n_scores, 20);
        assert_eq!(report.n_skipped_non_finite, 0);
        assert_eq!(report.n_with_outcome, 18);
        assert_eq!(report.n_outcome_present, 8);
        assert_eq!(report.rule, CutPointRule::arthur_2007());
        // python3 -c "import numpy as np; from scipy.stats import median_abs_deviation as mad; from sklearn.metrics import roc_auc_score as auc, recall_score as rec; from statsmodels.stats.proportion import proportion_confint as ci; s=np.array([1.0,1.25,1.5,1.5,1.75,2.0,2.0,2.25,2.5,2.5,2.5,2.75,3.0,3.0,3.25,3.5,3.5,3.75,4.0,4.0]); o=[0,0,0,None,0,0,1,0,0,1,0,1,0,1,1,None,1,1,0,1]; k=np.array([x is not None for x in o]); y=np.array([x for x in o if x is not None]); sk=s[k]; r=np.median(s)+0.15*mad(s); print(np.median(s), mad(s), r, auc(y,sk)); [print(c, (s>=c).sum(), *[100*x for x in ci((s>=c).sum(),20,method='wilson')], rec(y,sk>=c), rec(y,sk>=c,pos_label=0)) for c in (2.5, r, 2.75)]"
        // → 2.5 0.75 2.6125 0.80625
        // → 2.5 12 38.65815007622531 78.1193467627183 0.875 0.6
        // → 2.6125 9 25.81978582556242 65.79146575496577 0.75 0.8
        // → 2.75 9 25.81978582556242 65.79146575496577 0.75 0.8
        assert_eq!((report.median, report.mad), (2.5, 0.75));
        assert_abs_diff_eq!(report.auc.unwrap(), 0.80625, epsilon = CLOSED_FORM);
        assert_candidate(
            &report.current,
            2.5,
            12,
            (38.65815007622531, 78.1193467627183),
            0.875,
            0.6,
        );
        assert_eq!(report.current.source, CandidateSource::Current);
        let rule = report.rule_based.as_ref().unwrap();
        assert_eq!(rule.source, CandidateSource::Rule);
        assert_candidate(
            rule,
            2.6125,
            9,
            (25.81978582556242, 65.79146575496577),
            0.75,
            0.8,
        );
        // python3 -c "import numpy as np; from sklearn.metrics import roc_curve; s=np.array([1.0,1.25,1.5,1.5,1.75,2.0,2.0,2.25,2.5,2.5,2.5,2.75,3.0,3.0,3.25,3.5,3.5,3.75,4.0,4.0]); o=[0,0,0,None,0,0,1,0,0,1,0,1,0,1,1,None,1,1,0,1]; k=np.array([x is not None for x in o]); y=np.array([x for x in o if x is not None]); f,t,th=roc_curve(y,s[k],drop_intermediate=False); print(th[np.argmax(t-f)], max(t-f))"
        // → 2.75 0.55
        let youden = report.youden_optimal.as_ref().unwrap();
        assert_eq!(youden.source, CandidateSource::YoudenOptimal);
        assert_candidate(
            youden,
            2.75,
            9,
            (25.81978582556242, 65.79146575496577),
            0.75,
            0.8,
        );
        assert_abs_diff_eq!(youden.metrics.unwrap().youden, 0.55, epsilon = CLOSED_FORM);
        // Hand count at the current cut 2.5 (flagged = score >= 2.5), over
        // the 18 pupils with a known outcome: TP 7, FN 1, TN 6, FP 4.
        let m = report.current.metrics.unwrap();
        assert_eq!(
            (m.true_pos, m.false_neg, m.true_neg, m.false_pos),
            (7, 1, 6, 4)
        );
    }

    #[test]
    fn low_direction_uses_mirror_rule_and_negated_scores() {
        let report = calibrate(
            &protection_sample(),
            2.0,
            Direction::Low,
            &CalibrationOptions::default(),
        )
        .unwrap();
        assert_eq!(
            report.rule,
            CutPointRule::MedianMinusMad {
                factor: CutPointRule::ARTHUR_2007_FACTOR
            }
        );
        // python3 -c "import numpy as np; from scipy.stats import median_abs_deviation as mad; from sklearn.metrics import roc_auc_score as auc, recall_score as rec, roc_curve; from statsmodels.stats.proportion import proportion_confint as ci; s=np.array([1.0,1.25,1.5,1.5,1.75,2.0,2.0,2.25,2.5,2.5,2.5,2.75,3.0,3.0,3.25,3.5,3.5,3.75,4.0,4.0]); o=[1,1,0,1,None,1,0,0,1,0,0,0,0,1,0,0,None,0,0,0]; k=np.array([x is not None for x in o]); y=np.array([x for x in o if x is not None]); sk=s[k]; r=np.median(s)-0.15*mad(s); f,t,th=roc_curve(y,-sk,drop_intermediate=False); print(r, auc(y,-sk), -th[np.argmax(t-f)], max(t-f)); [print(c, (s<=c).sum(), *[100*x for x in ci((s<=c).sum(),20,method='wilson')], rec(y,sk<=c), rec(y,sk<=c,pos_label=0)) for c in (2.0, r)]"
        // → 2.3875 0.826388888888889 2.0 0.5
        // → 2.0 7 18.119182410108202 56.714572331476376 0.6666666666666666 0.8333333333333334
        // → 2.3875 8 21.880653237281706 61.341849923774696 0.6666666666666666 0.75
        assert_abs_diff_eq!(
            report.auc.unwrap(),
            0.826388888888889,
            epsilon = CLOSED_FORM
        );
        assert_candidate(
            &report.current,
            2.0,
            7,
            (18.119182410108202, 56.714572331476376),
            0.6666666666666666,
            0.8333333333333334,
        );
        assert_candidate(
            report.rule_based.as_ref().unwrap(),
            2.3875,
            8,
            (21.880653237281706, 61.341849923774696),
            0.6666666666666666,
            0.75,
        );
        let youden = report.youden_optimal.as_ref().unwrap();
        assert_eq!(youden.cut, 2.0);
        assert_abs_diff_eq!(youden.metrics.unwrap().youden, 0.5, epsilon = CLOSED_FORM);
    }

    #[test]
    fn youden_ties_go_to_the_cut_that_flags_fewest() {
        // python3 -c "import numpy as np; from sklearn.metrics import roc_curve; y=[0,1,0,1]; s=[1,2,3,4]; f,t,th=roc_curve(y,s,drop_intermediate=False); print(th, t-f, th[np.argmax(t-f)])"
        // → [inf  4.  3.  2.  1.] [0.  0.5 0.  0.5 0. ] 4.0
        let data = [
            (1.0, Some(false)),
            (2.0, Some(true)),
            (3.0, Some(false)),
            (4.0, Some(true)),
        ];
        let report =
            calibrate(&data, 2.5, Direction::High, &CalibrationOptions::default()).unwrap();
        assert_eq!(report.youden_optimal.unwrap().cut, 4.0);
        // Mirrored for direction low: negating the scores, sklearn's first
        // maximum is the lowest score, again the cut that flags fewest.
        // python3 -c "import numpy as np; from sklearn.metrics import roc_curve; y=[1,0,1,0]; s=[1,2,3,4]; f,t,th=roc_curve(y,[-x for x in s],drop_intermediate=False); print(-th[np.argmax(t-f)])"
        // → 1.0
        let mirrored = [
            (1.0, Some(true)),
            (2.0, Some(false)),
            (3.0, Some(true)),
            (4.0, Some(false)),
        ];
        let report = calibrate(
            &mirrored,
            2.5,
            Direction::Low,
            &CalibrationOptions::default(),
        )
        .unwrap();
        assert_eq!(report.youden_optimal.unwrap().cut, 1.0);
    }

    #[test]
    fn missing_outcomes_and_scores_are_handled() {
        // No outcome answered: shares and the rule, but no metrics.
        let no_outcome: Vec<(f64, Option<bool>)> = SCORES.iter().map(|&s| (s, None)).collect();
        let report = calibrate(
            &no_outcome,
            2.5,
            Direction::High,
            &CalibrationOptions::default(),
        )
        .unwrap();
        assert_eq!(report.n_with_outcome, 0);
        assert_eq!(report.current.flagged.count, 12);
        assert_eq!(report.current.metrics, None);
        assert_eq!(report.auc, None);
        assert_eq!(report.youden_optimal, None);
        assert!(report.rule_based.is_some());

        // Only one outcome class: sensitivity or specificity is undefined.
        let one_class: Vec<(f64, Option<bool>)> = SCORES.iter().map(|&s| (s, Some(true))).collect();
        let report = calibrate(
            &one_class,
            2.5,
            Direction::High,
            &CalibrationOptions::default(),
        )
        .unwrap();
        assert_eq!((report.auc, report.current.metrics), (None, None));
        assert_eq!(report.youden_optimal, None);

        // Non-finite scores are skipped and counted.
        let mut with_nan = risk_sample();
        with_nan.push((f64::NAN, Some(true)));
        with_nan.push((f64::INFINITY, Some(false)));
        let report = calibrate(
            &with_nan,
            2.5,
            Direction::High,
            &CalibrationOptions::default(),
        )
        .unwrap();
        assert_eq!(report.n_scores, 20);
        assert_eq!(report.n_skipped_non_finite, 2);
        assert_abs_diff_eq!(report.auc.unwrap(), 0.80625, epsilon = CLOSED_FORM);

        let options = CalibrationOptions::default();
        assert_eq!(calibrate(&[], 2.5, Direction::High, &options), None);
        assert_eq!(
            calibrate(&[(f64::NAN, Some(true))], 2.5, Direction::High, &options),
            None
        );
        assert_eq!(
            calibrate(&risk_sample(), f64::NAN, Direction::High, &options),
            None
        );
    }

    #[test]
    fn zero_and_hundred_percent_flagged_and_zero_mad() {
        let options = CalibrationOptions::default();
        // Cut above every score: 0 % flagged, sensitivity 0.
        let report = calibrate(&risk_sample(), 4.5, Direction::High, &options).unwrap();
        assert_eq!(report.current.flagged.count, 0);
        assert_eq!(report.current.flagged_percent, 0.0);
        assert_eq!(report.current.flagged_ci_percent.unwrap().lower, 0.0);
        assert_eq!(report.current.metrics.unwrap().sensitivity, 0.0);
        // Cut at the minimum: 100 % flagged, specificity 0.
        let report = calibrate(&risk_sample(), 1.0, Direction::High, &options).unwrap();
        assert_eq!(report.current.flagged.count, 20);
        assert_eq!(report.current.flagged_ci_percent.unwrap().upper, 100.0);
        assert_eq!(report.current.metrics.unwrap().specificity, 0.0);

        // Coarse scores: more than half share one value, so MAD = 0 and the
        // rule's cut point is the median, flagging 7 of 10.
        // python3 -c "import numpy as np; from scipy.stats import median_abs_deviation as mad; s=[1,2,2,2,2,2,2,3,3,4]; print(np.median(s), mad(s))"
        // → 2.0 0.0
        let coarse: Vec<(f64, Option<bool>)> = [1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 3.0, 3.0, 4.0]
            .iter()
            .map(|&s| (s, None))
            .collect();
        let report = calibrate(&coarse, 3.0, Direction::High, &options).unwrap();
        assert_eq!((report.median, report.mad), (2.0, 0.0));
        let rule = report.rule_based.unwrap();
        assert_eq!(rule.cut, 2.0);
        assert_eq!(rule.flagged, Proportion { count: 9, n: 10 });
    }

    #[test]
    fn flagging_uses_the_instrument_tolerance() {
        // A score 1e-12 below the cut counts as reaching it, as in scoring.
        let data = [(2.5 - 1e-12, Some(true)), (1.0, Some(false))];
        let report =
            calibrate(&data, 2.5, Direction::High, &CalibrationOptions::default()).unwrap();
        assert_eq!(report.current.flagged.count, 1);
    }

    #[test]
    fn invalid_options() {
        let options = CalibrationOptions {
            rule: Some(CutPointRule::MedianPlusMad { factor: -1.0 }),
            confidence: 2.0,
        };
        let report = calibrate(&risk_sample(), 2.5, Direction::High, &options).unwrap();
        assert_eq!(report.rule_based, None);
        assert_eq!(report.current.flagged_ci_percent, None);
        assert!(report.current.metrics.is_some());
        // An explicit rule overrides the direction's default.
        let options = CalibrationOptions {
            rule: Some(CutPointRule::arthur_2007()),
            ..CalibrationOptions::default()
        };
        let report = calibrate(&risk_sample(), 2.5, Direction::Low, &options).unwrap();
        assert_eq!(report.rule_based.unwrap().cut, 2.6125);
    }

    fn minimal_instrument() -> Instrument {
        let source = include_str!("../survey/instrument/testdata/minimal.toml");
        Instrument::from_toml_str(source, "minimal.toml").expect("valid test instrument")
    }

    #[test]
    fn cut_point_set_from_instrument() {
        let instrument = minimal_instrument();
        let set = CutPointSet::from_instrument(&instrument, &[6, 7, 8, 0, 14]);
        assert_eq!(set.id, "test-mini-2026.1-test/default");
        assert_eq!(
            set.derived_from,
            "cut points of instrument test-mini version 2026.1-test"
        );
        // Per-grade overrides where the instrument has them, the default
        // elsewhere; invalid grades ignored; the outcome scale without a cut
        // point is absent.
        assert_eq!(
            set.cut_points.keys().collect::<Vec<_>>(),
            ["family_attachment", "family_conflict"]
        );
        assert_eq!(set.get("family_conflict", 6), Some(2.4));
        assert_eq!(set.get("family_conflict", 7), Some(2.5));
        assert_eq!(set.get("family_conflict", 8), Some(2.6));
        assert_eq!(set.get("family_conflict", 0), None);
        assert_eq!(set.get("family_attachment", 7), Some(2.0));
        assert_eq!(set.get("alcohol_frequency", 7), None);
        assert!(
            CutPointSet::from_instrument(&instrument, &[])
                .cut_points
                .is_empty()
        );
    }

    #[test]
    fn cut_point_set_applies_and_rejects_bad_values() {
        let instrument = minimal_instrument();
        let mut set = CutPointSet {
            id: "calibrated-2026-11-24-wave-3".to_owned(),
            derived_from: "wave 3 reference sample, median + 0.15·MAD per grade".to_owned(),
            cut_points: BTreeMap::new(),
        };
        set.cut_points.insert(
            "family_conflict".to_owned(),
            BTreeMap::from([(7, 2.75), (8, 2.8)]),
        );
        let applied = set.apply_to(&instrument).unwrap();
        let cut = applied
            .scale("family_conflict")
            .unwrap()
            .cut_point
            .as_ref()
            .unwrap();
        assert_eq!(cut.for_grade(6), 2.4); // untouched override
        assert_eq!(cut.for_grade(7), 2.75);
        assert_eq!(cut.for_grade(8), 2.8);
        assert_eq!(cut.for_grade(9), 2.5); // default unchanged
        assert_eq!(cut.direction, Direction::High);
        assert_eq!(
            applied.scale("family_attachment"),
            instrument.scale("family_attachment")
        );
        assert_eq!(applied.version, instrument.version);
        // A set taken from the instrument changes no effective cut point
        // (it may add explicit overrides equal to the default).
        let own = CutPointSet::from_instrument(&instrument, &[6, 7, 8]);
        let same = own.apply_to(&instrument).unwrap();
        for (a, b) in same.scales.iter().zip(&instrument.scales) {
            for grade in 1..=13 {
                assert_eq!(
                    a.cut_point.as_ref().map(|c| c.for_grade(grade)),
                    b.cut_point.as_ref().map(|c| c.for_grade(grade))
                );
            }
        }

        let with = |scale: &str, grade: u8, value: f64| CutPointSet {
            cut_points: BTreeMap::from([(scale.to_owned(), BTreeMap::from([(grade, value)]))]),
            ..set.clone()
        };
        assert_eq!(
            with("no_such_scale", 7, 2.0).apply_to(&instrument),
            Err(CutPointSetError::UnknownScale("no_such_scale".to_owned()))
        );
        assert_eq!(
            with("alcohol_frequency", 7, 1.0).apply_to(&instrument),
            Err(CutPointSetError::NoCutPoint("alcohol_frequency".to_owned()))
        );
        assert_eq!(
            with("family_conflict", 0, 2.0).apply_to(&instrument),
            Err(CutPointSetError::InvalidGrade {
                scale: "family_conflict".to_owned(),
                grade: 0
            })
        );
        // Mean of 1..4 items: 4.5 is above every possible score.
        assert!(matches!(
            with("family_conflict", 7, 4.5).apply_to(&instrument),
            Err(CutPointSetError::OutOfRange { grade: 7, .. })
        ));
        assert!(matches!(
            with("family_conflict", 7, f64::NAN).apply_to(&instrument),
            Err(CutPointSetError::OutOfRange { .. })
        ));
        assert!(
            with("family_conflict", 7, 4.5)
                .apply_to(&instrument)
                .unwrap_err()
                .to_string()
                .contains("outside the score range")
        );
    }

    #[test]
    fn cut_point_set_round_trips_through_json_and_toml() {
        let set = CutPointSet::from_instrument(&minimal_instrument(), &[6, 7, 8]);
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(serde_json::from_str::<CutPointSet>(&json).unwrap(), set);
        let toml_text = toml::to_string(&set).unwrap();
        assert_eq!(toml::from_str::<CutPointSet>(&toml_text).unwrap(), set);
    }

    #[test]
    fn report_round_trips_through_json() {
        let report = calibrate(
            &risk_sample(),
            2.5,
            Direction::High,
            &CalibrationOptions::default(),
        )
        .unwrap();
        let json = serde_json::to_string(&report).unwrap();
        assert!(json.contains(r#""source":"youden_optimal""#));
        let back: CalibrationReport = serde_json::from_str(&json).unwrap();
        // Compared after the same (possibly 1-ulp lossy) float parse.
        assert_eq!(
            serde_json::to_value(&back).unwrap(),
            serde_json::from_str::<serde_json::Value>(&json).unwrap()
        );
    }

    proptest! {
        /// The Youden-optimal cut is the best observed value: no observed
        /// value (and no other candidate) has a larger J, checked by brute
        /// force with `classification_metrics`.
        #[test]
        fn youden_optimal_is_the_brute_force_maximum(
            data in proptest::collection::vec(
                (
                    (0_u8..16).prop_map(|k| 1.0 + f64::from(k) / 4.0),
                    proptest::option::of(any::<bool>()),
                ),
                0..60,
            ),
            current in 0.5..5.5_f64,
            high in any::<bool>(),
        ) {
            let direction = if high { Direction::High } else { Direction::Low };
            let Some(report) = calibrate(&data, current, direction, &CalibrationOptions::default())
            else {
                prop_assert!(data.is_empty());
                return Ok(());
            };
            let known: Vec<(f64, bool)> =
                data.iter().filter_map(|&(s, o)| o.map(|o| (s, o))).collect();
            let actual: Vec<bool> = known.iter().map(|&(_, o)| o).collect();
            let j_at = |cut: f64| {
                let predicted: Vec<bool> = known
                    .iter()
                    .map(|&(s, _)| if high { s >= cut } else { s <= cut })
                    .collect();
                classification_metrics(&predicted, &actual).map(|m| m.youden)
            };
            let brute = known
                .iter()
                .filter_map(|&(s, _)| j_at(s))
                .fold(None, |best: Option<f64>, j| Some(best.map_or(j, |b| b.max(j))));
            match (&report.youden_optimal, brute) {
                (Some(c), Some(best)) => {
                    let j = c.metrics.unwrap().youden;
                    prop_assert!((j - best).abs() < 1e-12);
                    prop_assert!(j + 1e-12 >= report.current.metrics.unwrap().youden);
                    if let Some(rule) = &report.rule_based {
                        prop_assert!(j + 1e-12 >= rule.metrics.unwrap().youden);
                    }
                }
                (None, None) => {}
                (got, expected) => prop_assert!(false, "{got:?} vs {expected:?}"),
            }
            prop_assert_eq!(report.n_scores, data.len() as u64);
            prop_assert!(report.auc.is_none_or(|a| (0.0..=1.0).contains(&a)));
        }
    }
}
