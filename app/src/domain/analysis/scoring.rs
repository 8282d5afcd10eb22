//! Per-pupil scoring: scale scores, cut-point flags and outcome indicators of
//! one questionnaire (rules in `docs/instrument-format.md`, "Semantics").
//!
//! Two implementations of the same rules live here:
//!
//! * [`score_pupil`] / [`score_pupil_into`] follow the definitions literally,
//!   through [`Instrument::decode_value`] and the reverse coding of
//!   [`Instrument::scored_value`]. They are the reference.
//! * [`ScoringPlan`] precomputes, once per instrument, a lookup table per
//!   scale item (answer byte → scored value) and per outcome item the answer
//!   byte from which the outcome is present, and each cut point per grade,
//!   so that scoring a pupil is table lookups and additions without
//!   allocation or branches on missing answers. It is the hot path for a
//!   wave of hundreds of thousands of pupils, and it is property-tested to
//!   give exactly the reference's results.
//!
//! Both are total: answer bytes beyond an item's options and answer vectors
//! that are too short count as missing answers (validated storage never holds
//! them, but a report must never fail on one bad row), extra bytes are
//! ignored.
//!
//! # Sum scoring and missing answers
//!
//! A `sum` scale is the plain sum of the answered items' scored values. If
//! `min_answered` is below the number of items, a skipped item contributes
//! nothing, so a pupil's sum over fewer items is biased downwards compared to
//! pupils who answered everything. It is deliberately **not** prorated
//! (scaled up to the full item count): prorating would change the score's
//! distribution and the meaning of validated sum cut points such as the
//! CTC-BDS cut point 6. Instruments should instead require all items of a
//! sum scale (`min_answered` = item count, the default, as the demo's
//! depression scale does).

use serde::{Deserialize, Serialize};

use crate::domain::survey::instrument::{CutPoint, Instrument, MISSING_ANSWER, Scoring};

/// The results of one pupil's questionnaire.
///
/// `scale_scores` and `scale_flags` are indexed like [`Instrument::scales`],
/// `outcomes` like [`Instrument::outcomes`]. `None` means missing: too few
/// items answered for a score, no cut point (or no score) for a flag, all
/// items missing for an outcome. Missing is kept apart from "not flagged" /
/// "absent" because missing pupils are left out of the denominators.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PupilScores {
    /// Scale score (mean or sum of the scored item values) per scale.
    pub scale_scores: Vec<Option<f64>>,
    /// Whether the score reaches the scale's cut point for the pupil's grade
    /// (at risk / highly protected / outcome present) per scale.
    pub scale_flags: Vec<Option<bool>>,
    /// Whether each outcome indicator is present.
    pub outcomes: Vec<Option<bool>>,
}

impl PupilScores {
    /// Empty results sized for `instrument` (every entry `None`), to be
    /// reused across pupils with [`ScoringPlan::score_into`].
    #[must_use]
    pub fn for_instrument(instrument: &Instrument) -> Self {
        Self::sized(instrument.scales.len(), instrument.outcomes.len())
    }

    fn sized(scales: usize, outcomes: usize) -> Self {
        Self {
            scale_scores: vec![None; scales],
            scale_flags: vec![None; scales],
            outcomes: vec![None; outcomes],
        }
    }

    /// Sets the lengths (keeping the allocations) and every entry to `None`.
    fn reset(&mut self, scales: usize, outcomes: usize) {
        reset_to(&mut self.scale_scores, scales);
        reset_to(&mut self.scale_flags, scales);
        reset_to(&mut self.outcomes, outcomes);
    }
}

/// `clear` + `resize(len, None)`: does not allocate once the capacity
/// suffices.
fn reset_to<T: Clone>(vector: &mut Vec<Option<T>>, len: usize) {
    vector.clear();
    vector.resize(len, None);
}

/// Scores one pupil by the literal definitions (see the module docs).
///
/// `answers` is the encoded answer vector (one byte per item), `grade` the
/// pupil's grade, which selects per-grade cut points. For many pupils use a
/// [`ScoringPlan`], which gives the same results much faster.
#[must_use]
pub fn score_pupil(instrument: &Instrument, answers: &[u8], grade: u8) -> PupilScores {
    let mut scores = PupilScores::default();
    score_pupil_into(instrument, answers, grade, &mut scores);
    scores
}

/// [`score_pupil`] writing into `out`, whose vectors are resized and
/// overwritten (no allocation once they have the capacity).
pub fn score_pupil_into(instrument: &Instrument, answers: &[u8], grade: u8, out: &mut PupilScores) {
    out.reset(instrument.scales.len(), instrument.outcomes.len());
    let byte = |item: usize| answers.get(item).copied().unwrap_or(MISSING_ANSWER);
    let scored_out = out.scale_scores.iter_mut().zip(out.scale_flags.iter_mut());
    for (scale, (score_out, flag_out)) in instrument.scales.iter().zip(scored_out) {
        let (mut sum, mut answered) = (0_i64, 0_usize);
        for &item in &scale.items {
            // An out-of-range byte or unknown item is an error here: missing.
            if let Ok(Some(value)) = instrument.decode_value(item, byte(item)) {
                sum += scored(instrument, item, value);
                answered += 1;
            }
        }
        let score = combine(sum as f64, answered, scale.scoring, scale.min_answered);
        *score_out = score;
        *flag_out = flag(scale.cut_point.as_ref(), score, grade);
    }
    for (outcome, outcome_out) in instrument.outcomes.iter().zip(out.outcomes.iter_mut()) {
        // Same as `OutcomeIndicator::evaluate`, except that bad bytes count
        // as missing instead of failing.
        let mut state = None;
        for &item in &outcome.items {
            if let Ok(Some(value)) = instrument.decode_value(item, byte(item)) {
                if value >= outcome.at_least {
                    state = Some(true);
                    break;
                }
                state = Some(false);
            }
        }
        *outcome_out = state;
    }
}

/// The scored value of a raw `value` of the item at `item`: as
/// [`Instrument::scored_value`] (`min + max - value` for reverse-coded items),
/// but in `i64`, where it cannot overflow even for extreme option values.
fn scored(instrument: &Instrument, item: usize, value: i32) -> i64 {
    let value = i64::from(value);
    if instrument.item(item).is_some_and(|item| item.reverse) {
        let set = instrument.response_set_of(item);
        i64::from(set.min_value()) + i64::from(set.max_value()) - value
    } else {
        value
    }
}

/// The scale score from the sum of the answered items' scored values.
///
/// `min_answered` is raised to 1: a score of no answers does not exist (a
/// deserialized, unvalidated scale could carry 0).
fn combine(sum: f64, answered: usize, scoring: Scoring, min_answered: usize) -> Option<f64> {
    if answered < min_answered.max(1) {
        return None;
    }
    Some(match scoring {
        // Item counts are tiny, so the conversion is exact.
        Scoring::Mean => sum / answered as f64,
        Scoring::Sum => sum,
    })
}

fn flag(cut_point: Option<&CutPoint>, score: Option<f64>, grade: u8) -> Option<bool> {
    Some(cut_point?.flags(score?, grade))
}

/// One item of a scale in a [`ScoringPlan`].
#[derive(Clone, Debug)]
struct PlannedScaleItem {
    /// Index into the answer vector.
    item: usize,
    /// Per answer byte: the scored value (reverse-coded where the item says
    /// so). `values[0]` is missing; bytes at or beyond the length are out of
    /// range and also missing.
    values: Box<[ScoredEntry]>,
}

/// A lookup-table entry. Missing answers are `(0.0, 0)`, so summing values
/// and answered counts needs no branch (missing answers are common and
/// unpredictable, so branches would be mispredicted often).
#[derive(Clone, Copy, Debug, Default)]
struct ScoredEntry {
    value: f64,
    answered: usize,
}

#[derive(Clone, Debug)]
struct PlannedScale {
    items: Box<[PlannedScaleItem]>,
    scoring: Scoring,
    min_answered: usize,
    cut_point: Option<PlannedCut>,
}

/// A cut point resolved per grade in advance, so that flagging is an array
/// lookup instead of a map lookup per pupil and scale.
///
/// Each entry is a [`CutPoint`] without overrides (an empty map does not
/// allocate), so flagging still goes through [`CutPoint::flags`] and cannot
/// drift from its rule (tolerance, direction, non-finite scores).
#[derive(Clone, Debug)]
struct PlannedCut {
    /// Index = grade, for grades `0..=` the largest grade with an override.
    by_grade: Box<[CutPoint]>,
    /// For all later grades.
    default: CutPoint,
}

impl PlannedCut {
    fn new(cut: &CutPoint) -> Self {
        let resolved = |grade: u8| CutPoint {
            default: cut.for_grade(grade),
            by_grade: std::collections::BTreeMap::new(),
            direction: cut.direction,
        };
        let last = cut.by_grade.keys().next_back().copied();
        Self {
            by_grade: last
                .map_or_else(Vec::new, |last| (0..=last).map(resolved).collect())
                .into(),
            default: CutPoint {
                by_grade: std::collections::BTreeMap::new(),
                ..cut.clone()
            },
        }
    }

    fn flags(&self, score: f64, grade: u8) -> bool {
        self.by_grade
            .get(usize::from(grade))
            .unwrap_or(&self.default)
            .flags(score, grade)
    }
}

/// One item of an outcome indicator in a [`ScoringPlan`].
#[derive(Clone, Copy, Debug)]
struct PlannedOutcomeItem {
    item: usize,
    /// Bytes `1..=option_count` are answers, everything else is missing.
    option_count: usize,
    /// The smallest answer byte whose raw value is `>= at_least`. Option
    /// values increase with the byte, so "present" is `byte >= present_from`;
    /// `option_count + 1` if no option reaches `at_least`.
    present_from: usize,
}

/// The instrument's scoring rules compiled into lookup tables (see the
/// module docs). Build it once per instrument and wave with
/// [`ScoringPlan::new`]; it holds no reference to the instrument, so it can
/// be shared between threads that score parts of a wave.
#[derive(Clone, Debug)]
pub struct ScoringPlan {
    instrument_id: String,
    instrument_version: String,
    scales: Box<[PlannedScale]>,
    outcomes: Box<[Box<[PlannedOutcomeItem]>]>,
    /// Number of options per item, to tell answered bytes from missing ones.
    item_options: Box<[usize]>,
    cut_points: Box<[bool]>,
}

impl ScoringPlan {
    /// Compiles the scales and outcome indicators of `instrument`.
    #[must_use]
    pub fn new(instrument: &Instrument) -> Self {
        let scored_table = |item: usize| -> Box<[ScoredEntry]> {
            let set = instrument.response_set_of(item);
            std::iter::once(ScoredEntry::default())
                .chain(set.options.iter().map(|option| ScoredEntry {
                    value: scored(instrument, item, option.value) as f64,
                    answered: 1,
                }))
                .collect()
        };
        let scales = instrument
            .scales
            .iter()
            .map(|scale| PlannedScale {
                items: scale
                    .items
                    .iter()
                    .map(|&item| PlannedScaleItem {
                        item,
                        values: scored_table(item),
                    })
                    .collect(),
                scoring: scale.scoring,
                min_answered: scale.min_answered,
                cut_point: scale.cut_point.as_ref().map(PlannedCut::new),
            })
            .collect();
        let outcomes = instrument
            .outcomes
            .iter()
            .map(|outcome| {
                outcome
                    .items
                    .iter()
                    .map(|&item| {
                        let options = &instrument.response_set_of(item).options;
                        let present_from = options
                            .iter()
                            .position(|option| option.value >= outcome.at_least)
                            .unwrap_or(options.len())
                            + 1;
                        PlannedOutcomeItem {
                            item,
                            option_count: options.len(),
                            present_from,
                        }
                    })
                    .collect()
            })
            .collect();
        let item_options = (0..instrument.items.len())
            .map(|item| instrument.response_set_of(item).option_count())
            .collect();
        let cut_points = instrument
            .scales
            .iter()
            .map(|scale| scale.cut_point.is_some())
            .collect();
        Self {
            instrument_id: instrument.id.clone(),
            instrument_version: instrument.version.clone(),
            scales,
            outcomes,
            item_options,
            cut_points,
        }
    }

    /// Id of the instrument the plan was built from.
    #[must_use]
    pub fn instrument_id(&self) -> &str {
        &self.instrument_id
    }

    /// Version of the instrument the plan was built from.
    #[must_use]
    pub fn instrument_version(&self) -> &str {
        &self.instrument_version
    }

    /// Number of scales (length of [`PupilScores::scale_scores`]).
    #[must_use]
    pub fn scale_count(&self) -> usize {
        self.scales.len()
    }

    /// Number of outcome indicators (length of [`PupilScores::outcomes`]).
    #[must_use]
    pub fn outcome_count(&self) -> usize {
        self.outcomes.len()
    }

    /// Number of items (the length of a well-formed answer vector).
    #[must_use]
    pub fn item_count(&self) -> usize {
        self.item_options.len()
    }

    /// Whether the scale at `scale_index` has a cut point, i.e. whether its
    /// flags mean anything (`false` for an unknown index).
    #[must_use]
    pub fn has_cut_point(&self, scale_index: usize) -> bool {
        self.cut_points.get(scale_index).copied().unwrap_or(false)
    }

    /// Whether `byte` is an answer (not missing, not out of range) for the
    /// item at `item_index` (`false` for an unknown item).
    #[must_use]
    pub fn is_answered(&self, item_index: usize, byte: u8) -> bool {
        let options = self.item_options.get(item_index).copied().unwrap_or(0);
        byte != MISSING_ANSWER && usize::from(byte) <= options
    }

    /// Adds 1 to `counts[i]` for every item `i` that `answers` answers (not
    /// missing, not out of range): the numerators of item-missing rates.
    /// Items beyond either slice are skipped.
    pub fn count_answered(&self, answers: &[u8], counts: &mut [u64]) {
        // Zipped, without index checks, so the compiler can vectorise it.
        for ((count, &options), &byte) in counts.iter_mut().zip(&*self.item_options).zip(answers) {
            *count += u64::from(byte != MISSING_ANSWER && usize::from(byte) <= options);
        }
    }

    /// Scores one pupil into `out` (resized and overwritten; no allocation
    /// once its vectors have the capacity). Same results as
    /// [`score_pupil_into`].
    pub fn score_into(&self, answers: &[u8], grade: u8, out: &mut PupilScores) {
        out.reset(self.scales.len(), self.outcomes.len());
        let scored = out.scale_scores.iter_mut().zip(out.scale_flags.iter_mut());
        for (scale, (score_out, flag_out)) in self.scales.iter().zip(scored) {
            let (mut sum, mut answered) = (0.0_f64, 0_usize);
            for planned in &scale.items {
                let entry = scored_lookup(planned, answers);
                sum += entry.value;
                answered += entry.answered;
            }
            let score = combine(sum, answered, scale.scoring, scale.min_answered);
            *score_out = score;
            *flag_out = match (&scale.cut_point, score) {
                (Some(cut), Some(score)) => Some(cut.flags(score, grade)),
                _ => None,
            };
        }
        for (items, outcome_out) in self.outcomes.iter().zip(out.outcomes.iter_mut()) {
            let mut state = None;
            for planned in items.iter() {
                let byte = usize::from(answers.get(planned.item).copied().unwrap_or(0));
                if byte == 0 || byte > planned.option_count {
                    continue;
                }
                if byte >= planned.present_from {
                    state = Some(true);
                    break;
                }
                state = Some(false);
            }
            *outcome_out = state;
        }
    }

    /// Scores one pupil into new [`PupilScores`].
    #[must_use]
    pub fn score(&self, answers: &[u8], grade: u8) -> PupilScores {
        let mut scores = PupilScores::sized(self.scales.len(), self.outcomes.len());
        self.score_into(answers, grade, &mut scores);
        scores
    }

    /// The scored (reverse-coded where marked) values of the items of the
    /// scale at `scale_index`, in the scale's item order; `None` for missing
    /// answers. Empty for an unknown scale. This is one row of the matrix
    /// that Cronbach's alpha needs.
    pub fn scale_item_values<'s>(
        &'s self,
        scale_index: usize,
        answers: &'s [u8],
    ) -> impl Iterator<Item = Option<f64>> + 's {
        self.scales
            .get(scale_index)
            .map_or(&[][..], |scale| &scale.items[..])
            .iter()
            .map(move |planned| {
                let entry = scored_lookup(planned, answers);
                (entry.answered > 0).then_some(entry.value)
            })
    }
}

/// The table entry of one scale item's answer; `(0.0, 0)` if missing or out
/// of range.
#[inline]
fn scored_lookup(planned: &PlannedScaleItem, answers: &[u8]) -> ScoredEntry {
    let byte = answers.get(planned.item).copied().unwrap_or(MISSING_ANSWER);
    planned
        .values
        .get(usize::from(byte))
        .copied()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Items (index: code, response set, values):
    /// 0 A1 agree 1..4 · 1 A2 agree reversed · 2 A3 agree ·
    /// 3–6 D1–D4 agree0 0..3 · 7 F1, 8 F2 freq 0..2 · 9 P1 agree.
    /// For agree, byte k is value k; for agree0 and freq, value k − 1.
    const INSTRUMENT: &str = r#"
[instrument]
id = "scoring-test"
version = "1"
title = { en = "T" }
languages = ["en"]

[[response_sets]]
id = "agree"
options = [
  { value = 1, label = { en = "1" } },
  { value = 2, label = { en = "2" } },
  { value = 3, label = { en = "3" } },
  { value = 4, label = { en = "4" } },
]

[[response_sets]]
id = "agree0"
options = [
  { value = 0, label = { en = "0" } },
  { value = 1, label = { en = "1" } },
  { value = 2, label = { en = "2" } },
  { value = 3, label = { en = "3" } },
]

[[response_sets]]
id = "freq"
options = [
  { value = 0, label = { en = "0" } },
  { value = 1, label = { en = "1" } },
  { value = 2, label = { en = "2" } },
]

[[pages]]
id = "p"
title = { en = "P" }
items = [
  { code = "A1", text = { en = "x" }, response_set = "agree" },
  { code = "A2", text = { en = "x" }, response_set = "agree", reverse = true },
  { code = "A3", text = { en = "x" }, response_set = "agree" },
  { code = "D1", text = { en = "x" }, response_set = "agree0" },
  { code = "D2", text = { en = "x" }, response_set = "agree0" },
  { code = "D3", text = { en = "x" }, response_set = "agree0" },
  { code = "D4", text = { en = "x" }, response_set = "agree0" },
  { code = "F1", text = { en = "x" }, response_set = "freq" },
  { code = "F2", text = { en = "x" }, response_set = "freq" },
  { code = "P1", text = { en = "x" }, response_set = "agree" },
]

[[scales]]
id = "mean3"
kind = "risk"
domain = "family"
label = { en = "x" }
items = ["A1", "A2", "A3"]
min_answered = 2
cut_point = 2.5
cut_point_by_grade = { "8" = 3.0 }

[[scales]]
id = "sum3"
kind = "risk"
domain = "family"
label = { en = "x" }
items = ["A1", "A2", "A3"]
scoring = "sum"
cut_point = 7

[[scales]]
id = "depression"
kind = "outcome"
domain = "outcome"
label = { en = "x" }
items = ["D1", "D2", "D3", "D4"]
scoring = "sum"
cut_point = 6

[[scales]]
id = "low"
kind = "protective"
domain = "school"
label = { en = "x" }
items = ["P1"]
cut_point = 2
direction = "low"

[[scales]]
id = "nocut"
kind = "outcome"
domain = "outcome"
label = { en = "x" }
items = ["A1"]

[[outcomes]]
id = "use"
group = "substance_use"
label = { en = "x" }
items = ["F1", "F2"]
at_least = 1

[[outcomes]]
id = "heavy"
group = "substance_use"
label = { en = "x" }
items = ["F1"]
at_least = 2
"#;

    const MEAN3: usize = 0;
    const SUM3: usize = 1;
    const DEPRESSION: usize = 2;
    const LOW: usize = 3;
    const NOCUT: usize = 4;
    const USE: usize = 0;
    const HEAVY: usize = 1;

    fn instrument() -> Instrument {
        Instrument::from_toml_str(INSTRUMENT, "test.toml").expect("test instrument is valid")
    }

    /// Scores with both implementations, checks they agree, returns one.
    fn score(instrument: &Instrument, answers: &[u8], grade: u8) -> PupilScores {
        let reference = score_pupil(instrument, answers, grade);
        let planned = ScoringPlan::new(instrument).score(answers, grade);
        assert_eq!(reference, planned, "answers {answers:?}, grade {grade}");
        reference
    }

    /// A1, A2, A3 bytes, rest missing.
    fn a(a1: u8, a2: u8, a3: u8) -> Vec<u8> {
        let mut answers = vec![0; 10];
        answers[..3].copy_from_slice(&[a1, a2, a3]);
        answers
    }

    #[test]
    fn reverse_coded_item_is_mirrored_in_the_response_set_range() {
        let i = instrument();
        // A2 byte 1 = value 1, reversed to 1 + 4 − 1 = 4; so 4, 4, 4.
        let s = score(&i, &a(4, 1, 4), 6);
        assert_eq!(s.scale_scores[MEAN3], Some(4.0));
        assert_eq!(s.scale_scores[SUM3], Some(12.0));
        // A2 byte 4 = value 4 → 1; mean (1 + 1 + 1)/3 = 1.
        assert_eq!(score(&i, &a(1, 4, 1), 6).scale_scores[MEAN3], Some(1.0));
    }

    #[test]
    fn mean_and_sum_of_the_same_items() {
        let i = instrument();
        // 2 + (5 − 3) + 1 = 5: mean 5/3, sum 5.
        let s = score(&i, &a(2, 3, 1), 6);
        assert_eq!(s.scale_scores[MEAN3], Some(5.0 / 3.0));
        assert_eq!(s.scale_scores[SUM3], Some(5.0));
        assert_eq!(s.scale_flags[MEAN3], Some(false)); // 1.67 < 2.5
        assert_eq!(s.scale_flags[SUM3], Some(false)); // 5 < 7
        let s = score(&i, &a(3, 2, 2), 6); // 3 + 3 + 2 = 8
        assert_eq!(s.scale_flags[SUM3], Some(true)); // 8 >= 7
    }

    #[test]
    fn exactly_min_answered_items_give_a_score_one_fewer_none() {
        let i = instrument();
        // mean3 needs 2 of 3: A1 = 3, A3 = 2 → 2.5.
        let s = score(&i, &a(3, 0, 2), 6);
        assert_eq!(s.scale_scores[MEAN3], Some(2.5));
        // sum3 needs all 3 (default); a partial sum is not computed.
        assert_eq!((s.scale_scores[SUM3], s.scale_flags[SUM3]), (None, None));
        let s = score(&i, &a(3, 0, 0), 6);
        assert_eq!((s.scale_scores[MEAN3], s.scale_flags[MEAN3]), (None, None));
    }

    #[test]
    fn grade_specific_cut_point_applies_only_to_its_grade() {
        let i = instrument();
        let s = a(3, 0, 2); // 2.5: exactly the default cut point (flagged, >=)
        assert_eq!(score(&i, &s, 6).scale_flags[MEAN3], Some(true));
        assert_eq!(score(&i, &s, 8).scale_flags[MEAN3], Some(false)); // cut 3.0
        let s = a(3, 2, 3); // 3 + 3 + 3 = 9 → 3.0
        assert_eq!(score(&i, &s, 8).scale_flags[MEAN3], Some(true));
    }

    #[test]
    fn direction_low_flags_scores_at_or_below_the_cut_point() {
        let i = instrument();
        let mut answers = vec![0; 10];
        for (byte, flagged) in [(1, true), (2, true), (3, false), (4, false)] {
            answers[9] = byte;
            let s = score(&i, &answers, 7);
            assert_eq!(s.scale_scores[LOW], Some(f64::from(byte)));
            assert_eq!(s.scale_flags[LOW], Some(flagged), "P1 = {byte}");
        }
    }

    #[test]
    fn all_missing_gives_no_scores_flags_or_outcomes() {
        let i = instrument();
        for answers in [vec![0; 10], vec![]] {
            let s = score(&i, &answers, 6);
            assert_eq!(s.scale_scores, vec![None; 5]);
            assert_eq!(s.scale_flags, vec![None; 5]);
            assert_eq!(s.outcomes, vec![None; 2]);
        }
    }

    #[test]
    fn one_item_scale_without_cut_point_has_a_score_but_no_flag() {
        let i = instrument();
        let s = score(&i, &a(3, 0, 0), 6);
        assert_eq!(s.scale_scores[NOCUT], Some(3.0));
        assert_eq!(s.scale_flags[NOCUT], None);
        let plan = ScoringPlan::new(&i);
        assert!(plan.has_cut_point(MEAN3) && !plan.has_cut_point(NOCUT));
        assert!(!plan.has_cut_point(99));
    }

    #[test]
    fn out_of_range_bytes_and_short_vectors_count_as_missing() {
        let i = instrument();
        // A1 byte 5 (agree has 4 options) is missing: mean of 4 (A2 reversed) and 2.
        let s = score(&i, &a(5, 1, 2), 6);
        assert_eq!(s.scale_scores[MEAN3], Some(3.0));
        assert_eq!(s.scale_scores[SUM3], None);
        assert_eq!(score(&i, &a(255, 255, 255), 6).scale_scores[MEAN3], None);
        // F1 byte 4 is out of range (freq has 3 options), F2 byte 1 = value 0.
        let mut answers = vec![0; 10];
        answers[7..9].copy_from_slice(&[4, 1]);
        assert_eq!(score(&i, &answers, 6).outcomes, vec![Some(false), None]);
        // A vector ending after A2: A3 and everything after is missing.
        let s = score(&i, &[2, 3], 6);
        assert_eq!(s.scale_scores[MEAN3], Some(2.0));
        assert_eq!(s.outcomes, vec![None, None]);
        // Extra bytes are ignored.
        let mut long = a(4, 1, 4);
        long.extend([9, 9, 9]);
        assert_eq!(score(&i, &long, 6).scale_scores[MEAN3], Some(4.0));
    }

    #[test]
    fn brief_depression_sum_scale_cut_point_six() {
        let i = instrument();
        let dep = |values: [u8; 4]| {
            let mut answers = vec![0; 10];
            for (slot, value) in answers[3..7].iter_mut().zip(values) {
                *slot = value + 1; // agree0: byte = value + 1
            }
            score(&i, &answers, 8)
        };
        let s = dep([3, 3, 0, 0]);
        assert_eq!(
            (s.scale_scores[DEPRESSION], s.scale_flags[DEPRESSION]),
            (Some(6.0), Some(true))
        );
        let s = dep([2, 2, 1, 0]);
        assert_eq!(
            (s.scale_scores[DEPRESSION], s.scale_flags[DEPRESSION]),
            (Some(5.0), Some(false))
        );
        let s = dep([3, 3, 3, 3]);
        assert_eq!(
            (s.scale_scores[DEPRESSION], s.scale_flags[DEPRESSION]),
            (Some(12.0), Some(true))
        );
        // Three of four items answered: no score (min_answered = all items).
        let mut answers = vec![0; 10];
        answers[3..6].copy_from_slice(&[4, 4, 4]);
        let s = score(&i, &answers, 8);
        assert_eq!(
            (s.scale_scores[DEPRESSION], s.scale_flags[DEPRESSION]),
            (None, None)
        );
    }

    #[test]
    fn outcomes_are_present_absent_or_missing() {
        let i = instrument();
        let f = |f1: u8, f2: u8| {
            let mut answers = vec![0; 10];
            answers[7..9].copy_from_slice(&[f1, f2]);
            score(&i, &answers, 6).outcomes
        };
        // bytes: 1 = never (0), 2 = value 1, 3 = value 2.
        assert_eq!(f(1, 0), vec![Some(false), Some(false)]);
        assert_eq!(f(0, 2), vec![Some(true), None]);
        assert_eq!(f(1, 2), vec![Some(true), Some(false)]);
        assert_eq!(f(3, 1)[HEAVY], Some(true));
        assert_eq!(f(2, 1)[HEAVY], Some(false));
        assert_eq!(f(0, 0)[USE], None);
    }

    #[test]
    fn reused_output_is_resized_and_overwritten() {
        let i = instrument();
        let plan = ScoringPlan::new(&i);
        let mut out = PupilScores {
            scale_scores: vec![Some(99.0); 12],
            scale_flags: vec![Some(true); 1],
            outcomes: vec![],
        };
        plan.score_into(&[], 6, &mut out);
        assert_eq!(out, PupilScores::for_instrument(&i));
        plan.score_into(&a(4, 1, 4), 6, &mut out);
        assert_eq!(out, score_pupil(&i, &a(4, 1, 4), 6));
        let mut reference = PupilScores::default();
        score_pupil_into(&i, &a(4, 1, 4), 6, &mut reference);
        assert_eq!(out, reference);
    }

    #[test]
    fn plan_reports_shape_and_answered_bytes() {
        let i = instrument();
        let plan = ScoringPlan::new(&i);
        assert_eq!(
            (plan.instrument_id(), plan.instrument_version()),
            ("scoring-test", "1")
        );
        assert_eq!(
            (plan.scale_count(), plan.outcome_count(), plan.item_count()),
            (5, 2, 10)
        );
        assert!(!plan.is_answered(0, 0));
        assert!(plan.is_answered(0, 4) && !plan.is_answered(0, 5));
        assert!(plan.is_answered(7, 3) && !plan.is_answered(7, 4));
        assert!(!plan.is_answered(10, 1));
        let mut counts = [0_u64; 10];
        plan.count_answered(&[1, 0, 5, 1, 1, 1, 1, 4, 3, 4, 9], &mut counts);
        plan.count_answered(&[2, 2], &mut counts);
        assert_eq!(counts, [2, 1, 0, 1, 1, 1, 1, 0, 1, 1]);
        let values: Vec<_> = plan.scale_item_values(MEAN3, &a(4, 1, 0)).collect();
        assert_eq!(values, vec![Some(4.0), Some(4.0), None]);
        assert_eq!(plan.scale_item_values(99, &a(4, 1, 0)).count(), 0);
    }

    proptest! {
        /// The plan gives exactly the reference results, for every byte
        /// (including out-of-range ones), vector length and grade.
        #[test]
        fn plan_equals_reference(
            answers in prop::collection::vec(prop_oneof![4 => 0_u8..6, 1 => any::<u8>()], 0..13),
            grade in prop_oneof![0_u8..15, any::<u8>()],
        ) {
            let i = instrument();
            let plan = ScoringPlan::new(&i);
            prop_assert_eq!(plan.score(&answers, grade), score_pupil(&i, &answers, grade));
        }
    }
}
