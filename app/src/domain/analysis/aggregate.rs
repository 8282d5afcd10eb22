//! Aggregation of a wave's responses into a cube of groups: counts, flagged
//! shares, score moments and outcome prevalences per district / school /
//! grade / sex, with every margin.
//!
//! [`aggregate`] reads the responses **once**: each pupil is scored once with
//! a [`ScoringPlan`] and added to the single finest cell it belongs to (all
//! breakdown dimensions set); the margins (every subset of the breakdown,
//! down to the city total) are then rolled up from the finest cells. Rolling
//! up costs per finest cell instead of per pupil, so it is `2^d` times less
//! work than adding each pupil to each of its `2^d` cells, with the same
//! result (counts exactly, moments up to rounding).
//!
//! A [`Cube`] is mergeable ([`Cube::merge`]): parts of a wave can be
//! aggregated in parallel (sharing one plan via [`aggregate_with_plan`]) and
//! combined. Counts are exact; moments are combined with the pairwise
//! formula of [`RunningMoments::merge`].
//!
//! Pupils are surveyed in whole classes. Besides the counts, each cell
//! keeps `Σ n_c²` over its classes, and the cube keeps per factor the sums
//! of the ANOVA of classes within strata (district × grade), from which the
//! factor's intra-class correlation and each cell's design effect follow
//! ([`Cube::design_effect`], `stats::kish_design_effect`,
//! docs/statistics.md §1.2).
//!
//! Disclosure control is not done here: the cube holds every group, however
//! small, and suppression works on it. That is why pupils without a sex
//! answer form their own cell ([`SexKey::NoAnswer`]): otherwise "total minus
//! female, male and diverse" would reveal that group unprotected.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::domain::analysis::scoring::{PupilScores, ScoringPlan};
use crate::domain::analysis::stats::{
    IccEstimate, IccSums, Proportion, RunningMoments, kish_design_effect,
};
use crate::domain::survey::instrument::Instrument;
use crate::domain::survey::respondent::Sex;

/// One finished questionnaire as the aggregation needs it: where it counts,
/// the pupil's grade and sex, the encoded answers and whether it passed the
/// validity screening.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Respondent<'a> {
    /// The district the response counts for (resolved by the wave's
    /// district rule).
    pub district: i64,
    /// The school, if known (imported responses may have none).
    pub school: Option<i64>,
    /// The class, if known: the cluster of the design effect. A pupil
    /// without a class counts as a class of one.
    pub class: Option<i64>,
    /// The grade (selects per-grade cut points).
    pub grade: u8,
    /// The sex answer; `None` = no answer.
    pub sex: Option<Sex>,
    /// One byte per item (see `docs/instrument-format.md`, answer encoding).
    pub answers: &'a [u8],
    /// `false` if any validity rule flagged the questionnaire.
    pub valid: bool,
}

/// Options of [`aggregate`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AggregateOptions {
    /// Also count questionnaires flagged by a validity rule. Off by default:
    /// CTC analyses exclude them and report how many were excluded.
    pub include_flagged: bool,
}

/// A dimension results can be broken down by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// The district a response counts for.
    District,
    /// The school (pupils without a school are left out of school cells, see
    /// [`Cube::without_school`]).
    School,
    /// The grade.
    Grade,
    /// The sex answer, with "no answer" as its own group.
    Sex,
}

impl Dimension {
    /// All dimensions, in the canonical order used by [`Cube::breakdown`].
    pub const ALL: [Dimension; 4] = [
        Dimension::District,
        Dimension::School,
        Dimension::Grade,
        Dimension::Sex,
    ];

    /// A stable lowercase name (for CSV headers and logs).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::District => "district",
            Self::School => "school",
            Self::Grade => "grade",
            Self::Sex => "sex",
        }
    }
}

/// The sex part of a [`GroupKey`].
///
/// Unlike `Option<Sex>` it tells "all pupils" ([`SexKey::All`], a margin)
/// from "pupils who did not answer" ([`SexKey::NoAnswer`], a group of its
/// own). The derived order puts the margin first.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum SexKey {
    /// Not broken down by sex.
    #[default]
    All,
    /// Pupils without a sex answer.
    NoAnswer,
    /// Female pupils.
    Female,
    /// Male pupils.
    Male,
    /// Diverse pupils.
    Diverse,
}

impl SexKey {
    /// The group of a pupil's sex answer (`None` = no answer).
    #[must_use]
    pub fn of_answer(sex: Option<Sex>) -> Self {
        match sex {
            None => Self::NoAnswer,
            Some(Sex::Female) => Self::Female,
            Some(Sex::Male) => Self::Male,
            Some(Sex::Diverse) => Self::Diverse,
        }
    }

    /// The sex answer this group stands for: `None` for [`SexKey::All`],
    /// `Some(None)` for [`SexKey::NoAnswer`], `Some(Some(sex))` otherwise.
    #[must_use]
    pub fn answer(self) -> Option<Option<Sex>> {
        match self {
            Self::All => None,
            Self::NoAnswer => Some(None),
            Self::Female => Some(Some(Sex::Female)),
            Self::Male => Some(Some(Sex::Male)),
            Self::Diverse => Some(Some(Sex::Diverse)),
        }
    }

    /// A stable lowercase name (`all`, `no_answer`, `female`, …).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::NoAnswer => "no_answer",
            Self::Female => "female",
            Self::Male => "male",
            Self::Diverse => "diverse",
        }
    }
}

impl From<Option<Sex>> for SexKey {
    fn from(sex: Option<Sex>) -> Self {
        Self::of_answer(sex)
    }
}

/// Identifies one group (cell) of a [`Cube`]. `None` / [`SexKey::All`]
/// means "not broken down by this dimension" (all pupils).
///
/// The derived order (district, school, grade, sex; margins before groups)
/// gives deterministic reports; [`GroupKey::TOTAL`] sorts first.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct GroupKey {
    /// District, or all districts.
    pub district: Option<i64>,
    /// School, or all schools.
    pub school: Option<i64>,
    /// Grade, or all grades.
    pub grade: Option<u8>,
    /// Sex group, or all.
    pub sex: SexKey,
}

impl GroupKey {
    /// The city total: not broken down at all.
    pub const TOTAL: GroupKey = GroupKey {
        district: None,
        school: None,
        grade: None,
        sex: SexKey::All,
    };

    /// Whether this is [`GroupKey::TOTAL`].
    #[must_use]
    pub fn is_total(&self) -> bool {
        *self == Self::TOTAL
    }

    /// Whether the group is broken down by `dimension`.
    #[must_use]
    pub fn has(&self, dimension: Dimension) -> bool {
        match dimension {
            Dimension::District => self.district.is_some(),
            Dimension::School => self.school.is_some(),
            Dimension::Grade => self.grade.is_some(),
            Dimension::Sex => self.sex != SexKey::All,
        }
    }

    /// The dimensions the group is broken down by, in canonical order.
    pub fn dimensions(&self) -> impl Iterator<Item = Dimension> + '_ {
        Dimension::ALL.into_iter().filter(|&d| self.has(d))
    }

    /// The enclosing group that is not broken down by `dimension` (e.g. the
    /// district of a district × grade group).
    #[must_use]
    pub fn without(mut self, dimension: Dimension) -> Self {
        match dimension {
            Dimension::District => self.district = None,
            Dimension::School => self.school = None,
            Dimension::Grade => self.grade = None,
            Dimension::Sex => self.sex = SexKey::All,
        }
        self
    }

    /// `self` with `source`'s value of `dimension`.
    fn with_from(mut self, dimension: Dimension, source: &GroupKey) -> Self {
        match dimension {
            Dimension::District => self.district = source.district,
            Dimension::School => self.school = source.school,
            Dimension::Grade => self.grade = source.grade,
            Dimension::Sex => self.sex = source.sex,
        }
        self
    }
}

/// One scale in one group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ScaleCell {
    /// Pupils with a score (enough items answered): the denominator.
    pub n: u64,
    /// Pupils whose score is flagged (at risk / highly protected / present).
    /// Always 0 for a scale without cut point.
    pub flagged: u64,
    /// Mean, SD, min and max of the scores (`moments.n() == n`).
    pub moments: RunningMoments,
    /// `Σ n_c²` over the group's classes, `n_c` = pupils of class `c` in the
    /// group with a score (a pupil without a class counts as a class of
    /// one): the cluster sizes of the design effect.
    pub cluster_size_squares: u64,
}

impl ScaleCell {
    /// Flagged pupils among those with a score (for intervals and tests).
    /// Meaningless for scales without a cut point
    /// ([`Cube::scale_has_cut_point`]).
    #[must_use]
    pub fn flagged_proportion(&self) -> Proportion {
        Proportion {
            count: self.flagged,
            n: self.n,
        }
    }

    /// "% at risk" / "% highly protected"; `None` if nobody has a score.
    #[must_use]
    pub fn percent_flagged(&self) -> Option<f64> {
        percent(self.flagged_proportion())
    }

    /// Mean score; `None` if nobody has a score.
    #[must_use]
    pub fn mean(&self) -> Option<f64> {
        self.moments.mean()
    }

    fn merge(&mut self, other: &ScaleCell) {
        self.n = self.n.saturating_add(other.n);
        self.flagged = self.flagged.saturating_add(other.flagged);
        self.moments.merge(&other.moments);
        self.cluster_size_squares = self
            .cluster_size_squares
            .saturating_add(other.cluster_size_squares);
    }
}

/// One outcome indicator in one group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OutcomeCell {
    /// Pupils who answered at least one of the indicator's items: the
    /// denominator.
    pub n: u64,
    /// Pupils for whom the outcome is present.
    pub present: u64,
    /// `Σ n_c²` over the group's classes (as [`ScaleCell::cluster_size_squares`]).
    pub cluster_size_squares: u64,
}

impl OutcomeCell {
    /// Prevalence as a proportion (for intervals and tests).
    #[must_use]
    pub fn proportion(&self) -> Proportion {
        Proportion {
            count: self.present,
            n: self.n,
        }
    }

    /// Prevalence in percent; `None` if nobody answered.
    #[must_use]
    pub fn percent(&self) -> Option<f64> {
        percent(self.proportion())
    }

    fn merge(&mut self, other: &OutcomeCell) {
        self.n = self.n.saturating_add(other.n);
        self.present = self.present.saturating_add(other.present);
        self.cluster_size_squares = self
            .cluster_size_squares
            .saturating_add(other.cluster_size_squares);
    }
}

fn percent(proportion: Proportion) -> Option<f64> {
    proportion.estimate().map(|p| 100.0 * p)
}

/// The results of one group.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// Questionnaires counted in the group (valid ones, plus flagged ones if
    /// [`AggregateOptions::include_flagged`]), whether or not they have a
    /// score: the group size that suppression looks at.
    pub respondents: u64,
    /// Per scale, indexed like [`Instrument::scales`].
    pub scales: Vec<ScaleCell>,
    /// Per outcome indicator, indexed like [`Instrument::outcomes`].
    pub outcomes: Vec<OutcomeCell>,
}

/// What [`Cube::total`] returns should the total cell be missing, which
/// construction rules out; it exists so that the accessor cannot panic.
static EMPTY_CELL: Cell = Cell {
    respondents: 0,
    scales: Vec::new(),
    outcomes: Vec::new(),
};

impl Cell {
    fn empty(scales: usize, outcomes: usize) -> Self {
        Self {
            respondents: 0,
            scales: vec![ScaleCell::default(); scales],
            outcomes: vec![OutcomeCell::default(); outcomes],
        }
    }

    /// The scale at `index`, if any.
    #[must_use]
    pub fn scale(&self, index: usize) -> Option<&ScaleCell> {
        self.scales.get(index)
    }

    /// The outcome indicator at `index`, if any.
    #[must_use]
    pub fn outcome(&self, index: usize) -> Option<&OutcomeCell> {
        self.outcomes.get(index)
    }

    /// Adds one pupil.
    fn add(&mut self, scores: &PupilScores) {
        self.respondents += 1;
        let scored = scores.scale_scores.iter().zip(&scores.scale_flags);
        for (cell, (score, flag)) in self.scales.iter_mut().zip(scored) {
            if let Some(score) = *score {
                cell.n += 1;
                cell.moments.push(score);
                cell.flagged += u64::from(*flag == Some(true));
            }
        }
        for (cell, outcome) in self.outcomes.iter_mut().zip(&scores.outcomes) {
            if let Some(present) = *outcome {
                cell.n += 1;
                cell.present += u64::from(present);
            }
        }
    }

    /// Adds the pupils of `other`, a group disjoint from this one. Scales or
    /// outcomes that only `other` has are appended (cells of one cube
    /// always have the same number). The cluster sizes add up only if no
    /// class has pupils in both (e.g. two districts of a school-district
    /// rule); otherwise the merged design effect comes out a little low.
    pub fn merge(&mut self, other: &Cell) {
        self.respondents = self.respondents.saturating_add(other.respondents);
        merge_vec(&mut self.scales, &other.scales, ScaleCell::merge);
        merge_vec(&mut self.outcomes, &other.outcomes, OutcomeCell::merge);
    }
}

fn merge_vec<T: Default + Clone>(into: &mut Vec<T>, from: &[T], merge: fn(&mut T, &T)) {
    if into.len() < from.len() {
        into.resize(from.len(), T::default());
    }
    for (a, b) in into.iter_mut().zip(from) {
        merge(a, b);
    }
}

/// Why two cubes cannot be merged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// The cubes come from different instruments (or versions).
    #[error("cannot merge aggregates of instrument {left} with aggregates of instrument {right}")]
    Instrument {
        /// `id version (scales, outcomes, items)` of the receiving cube.
        left: String,
        /// The same for the other cube.
        right: String,
    },
    /// The cubes have different breakdowns.
    #[error(
        "cannot merge aggregates broken down by {left:?} with aggregates broken down by {right:?}"
    )]
    Breakdown {
        /// Breakdown of the receiving cube.
        left: Vec<Dimension>,
        /// Breakdown of the other cube.
        right: Vec<Dimension>,
    },
}

/// The aggregates of (part of) a wave: one [`Cell`] for every group of every
/// subset of the breakdown that has at least one counted pupil, plus the
/// total (always present, possibly empty), and quality counts.
///
/// Built by [`aggregate`] / [`aggregate_with_plan`] or [`Cube::empty`];
/// combined with [`Cube::merge`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cube {
    instrument_id: String,
    instrument_version: String,
    scale_cut_points: Vec<bool>,
    outcome_count: usize,
    breakdown: Vec<Dimension>,
    cells: BTreeMap<GroupKey, Cell>,
    responses_read: u64,
    excluded_flagged: u64,
    included_flagged: u64,
    without_school: u64,
    item_answered: Vec<u64>,
    /// Per scale, the ANOVA sums of its flag over classes within strata.
    scale_icc: Vec<IccSums>,
    /// Per outcome indicator, the same for its presence.
    outcome_icc: Vec<IccSums>,
}

impl Cube {
    /// A cube without pupils for `plan`'s instrument and `breakdown` (which
    /// is deduplicated and put into canonical order): the identity of
    /// [`Cube::merge`], e.g. as the start of a parallel fold.
    #[must_use]
    pub fn empty(plan: &ScoringPlan, breakdown: &[Dimension]) -> Self {
        let scale_cut_points = (0..plan.scale_count())
            .map(|s| plan.has_cut_point(s))
            .collect();
        let mut cells = BTreeMap::new();
        cells.insert(
            GroupKey::TOTAL,
            Cell::empty(plan.scale_count(), plan.outcome_count()),
        );
        Self {
            instrument_id: plan.instrument_id().to_owned(),
            instrument_version: plan.instrument_version().to_owned(),
            scale_cut_points,
            outcome_count: plan.outcome_count(),
            breakdown: Dimension::ALL
                .into_iter()
                .filter(|d| breakdown.contains(d))
                .collect(),
            cells,
            responses_read: 0,
            excluded_flagged: 0,
            included_flagged: 0,
            without_school: 0,
            item_answered: vec![0; plan.item_count()],
            scale_icc: vec![IccSums::default(); plan.scale_count()],
            outcome_icc: vec![IccSums::default(); plan.outcome_count()],
        }
    }

    /// The intra-class correlation of the scale at `index` (its flag) in
    /// this wave, from the classes within strata; `None` if not estimable
    /// (no stratum with two classes, nobody or everybody flagged).
    #[must_use]
    pub fn scale_icc(&self, index: usize) -> Option<IccEstimate> {
        self.scale_icc.get(index)?.estimate()
    }

    /// The intra-class correlation of the outcome indicator at `index`.
    #[must_use]
    pub fn outcome_icc(&self, index: usize) -> Option<IccEstimate> {
        self.outcome_icc.get(index)?.estimate()
    }

    /// Kish's design effect of `n` pupils with cluster sizes
    /// `cluster_size_squares` for the factor whose ICC is `icc` (1 when the
    /// ICC is not estimable: then nothing is known about the clustering,
    /// and the interval is the simple-random-sampling one).
    #[must_use]
    pub fn design_effect(n: u64, cluster_size_squares: u64, icc: Option<IccEstimate>) -> f64 {
        icc.map_or(1.0, |icc| {
            kish_design_effect(n, cluster_size_squares, icc.icc)
        })
    }

    /// Id of the instrument the cube was computed with.
    #[must_use]
    pub fn instrument_id(&self) -> &str {
        &self.instrument_id
    }

    /// Version of that instrument.
    #[must_use]
    pub fn instrument_version(&self) -> &str {
        &self.instrument_version
    }

    /// The breakdown dimensions, deduplicated, in canonical order
    /// ([`Dimension::ALL`]).
    #[must_use]
    pub fn breakdown(&self) -> &[Dimension] {
        &self.breakdown
    }

    /// All cells, ordered by [`GroupKey`] (the total first).
    #[must_use]
    pub fn cells(&self) -> &BTreeMap<GroupKey, Cell> {
        &self.cells
    }

    /// The cell of `key`; `None` if no pupil was counted in that group (or
    /// the group is not part of the breakdown).
    #[must_use]
    pub fn cell(&self, key: &GroupKey) -> Option<&Cell> {
        self.cells.get(key)
    }

    /// The city total (all counted pupils).
    #[must_use]
    pub fn total(&self) -> &Cell {
        self.cells.get(&GroupKey::TOTAL).unwrap_or(&EMPTY_CELL)
    }

    /// Whether the scale at `index` has a cut point, i.e. whether its
    /// [`ScaleCell::flagged`] counts mean anything.
    #[must_use]
    pub fn scale_has_cut_point(&self, index: usize) -> bool {
        self.scale_cut_points.get(index).copied().unwrap_or(false)
    }

    /// All questionnaires read, counted or not.
    #[must_use]
    pub fn responses_read(&self) -> u64 {
        self.responses_read
    }

    /// Questionnaires left out because a validity rule flagged them (0 with
    /// [`AggregateOptions::include_flagged`]). Per-rule counts come from
    /// [`exclusion_counts`].
    #[must_use]
    pub fn excluded_flagged(&self) -> u64 {
        self.excluded_flagged
    }

    /// Flagged questionnaires that were counted because of
    /// [`AggregateOptions::include_flagged`].
    #[must_use]
    pub fn included_flagged(&self) -> u64 {
        self.included_flagged
    }

    /// Counted pupils without a school. They are in every cell that is not
    /// broken down by school, but in no school cell, so a parent's count
    /// exceeds the sum of its school cells by the pupils without school
    /// (suppression must treat that remainder as a group of its own).
    #[must_use]
    pub fn without_school(&self) -> u64 {
        self.without_school
    }

    /// Per item (instrument order), how many counted pupils answered it
    /// (out-of-range bytes count as missing). The denominator is
    /// `total().respondents`.
    #[must_use]
    pub fn item_answered(&self) -> &[u64] {
        &self.item_answered
    }

    /// Share of counted pupils who left the item at `item_index` unanswered
    /// (city total); `None` for an unknown item. The proportion has `n = 0`
    /// (no estimate) if nobody was counted.
    #[must_use]
    pub fn item_missing(&self, item_index: usize) -> Option<Proportion> {
        let answered = *self.item_answered.get(item_index)?;
        let n = self.total().respondents;
        Some(Proportion {
            count: n.saturating_sub(answered),
            n,
        })
    }

    /// Adds `other`, computed over a disjoint set of questionnaires with the
    /// same instrument and breakdown, as if all questionnaires had been
    /// aggregated together (counts exactly, moments up to rounding). The
    /// cluster sums are exact when the parts share no class and no stratum
    /// (district × grade), e.g. parts split by district.
    ///
    /// # Errors
    ///
    /// [`MergeError`] if instrument (id, version, number of scales, outcomes
    /// or items) or breakdown differ; `self` is then unchanged.
    pub fn merge(&mut self, other: Cube) -> Result<(), MergeError> {
        let (left, right) = (self.shape(), other.shape());
        if left != right {
            return Err(MergeError::Instrument { left, right });
        }
        if self.breakdown != other.breakdown {
            return Err(MergeError::Breakdown {
                left: self.breakdown.clone(),
                right: other.breakdown,
            });
        }
        for (key, cell) in other.cells {
            match self.cells.entry(key) {
                Entry::Vacant(entry) => {
                    entry.insert(cell);
                }
                Entry::Occupied(mut entry) => entry.get_mut().merge(&cell),
            }
        }
        self.responses_read = self.responses_read.saturating_add(other.responses_read);
        self.excluded_flagged = self.excluded_flagged.saturating_add(other.excluded_flagged);
        self.included_flagged = self.included_flagged.saturating_add(other.included_flagged);
        self.without_school = self.without_school.saturating_add(other.without_school);
        for (a, b) in self.item_answered.iter_mut().zip(&other.item_answered) {
            *a = a.saturating_add(*b);
        }
        for (a, b) in self.scale_icc.iter_mut().zip(&other.scale_icc) {
            a.merge(b);
        }
        for (a, b) in self.outcome_icc.iter_mut().zip(&other.outcome_icc) {
            a.merge(b);
        }
        Ok(())
    }

    /// What must agree for two cubes to be mergeable, printable for errors.
    fn shape(&self) -> String {
        format!(
            "{} {} ({} scales, {} outcomes, {} items)",
            self.instrument_id,
            self.instrument_version,
            self.scale_cut_points.len(),
            self.outcome_count,
            self.item_answered.len()
        )
    }

    /// Adds the margins of `finest` (cells with every breakdown dimension
    /// set) to the cube: each finest cell goes into the `2^d` groups that
    /// contain it.
    fn roll_up(&mut self, finest: &BTreeMap<GroupKey, Cell>) {
        let mut groups = Vec::new();
        for (key, cell) in finest {
            containing_groups(&self.breakdown, key, &mut groups);
            for group in &groups {
                self.cells
                    .entry(*group)
                    .or_insert_with(|| Cell::empty(cell.scales.len(), cell.outcomes.len()))
                    .merge(cell);
            }
        }
    }

    /// Adds the clustering of the pupils to the rolled-up cells and the
    /// ICC sums: `classes` holds, per class and finest key, the class's
    /// pupils there. One class at a time, so memory stays at one class's
    /// groups.
    fn add_clusters(&mut self, classes: &[((Option<i64>, GroupKey), ClassTotals)]) {
        let mut groups = Vec::new();
        // The current class's totals per group: a reused pool (a class has
        // pupils in a few dozen groups at most), `used` entries valid.
        let mut by_group: Vec<(GroupKey, ClassTotals)> = Vec::new();
        let mut used = 0;
        let mut by_stratum: BTreeMap<GroupKey, ClassTotals> = BTreeMap::new();
        let mut strata: BTreeMap<GroupKey, Vec<ClassTotals>> = BTreeMap::new();
        let mut entries = classes.iter().peekable();
        while let Some(((class, key), totals)) = entries.next() {
            containing_groups(&self.breakdown, key, &mut groups);
            for group in &groups {
                let slot = match by_group[..used].iter().position(|(g, _)| g == group) {
                    Some(slot) => slot,
                    None => {
                        if used == by_group.len() {
                            by_group.push((*group, ClassTotals::empty(totals)));
                        } else {
                            by_group[used].0 = *group;
                            by_group[used].1.clear();
                        }
                        used += 1;
                        used - 1
                    }
                };
                by_group[slot].1.add(totals);
            }
            if class.is_some() {
                by_stratum
                    .entry(stratum_of(key))
                    .or_insert_with(|| ClassTotals::empty(totals))
                    .add(totals);
            }
            if entries.peek().is_some_and(|((next, _), _)| next == class) {
                continue;
            }
            // The class is complete: its squared sizes go into every group
            // it has pupils in. Pupils without a class are classes of one
            // each, Σ 1² = n.
            for (group, totals) in &by_group[..used] {
                if let Some(cell) = self.cells.get_mut(group) {
                    let square = |n: u64| if class.is_some() { n * n } else { n };
                    for (scale, (n, _)) in cell.scales.iter_mut().zip(&totals.scales) {
                        scale.cluster_size_squares += square(*n);
                    }
                    for (outcome, (n, _)) in cell.outcomes.iter_mut().zip(&totals.outcomes) {
                        outcome.cluster_size_squares += square(*n);
                    }
                }
            }
            used = 0;
            for (stratum, totals) in std::mem::take(&mut by_stratum) {
                strata.entry(stratum).or_default().push(totals);
            }
        }
        let mut shares = Vec::new();
        for classes in strata.values() {
            for (index, sums) in self.scale_icc.iter_mut().enumerate() {
                shares.clear();
                shares.extend(classes.iter().map(|c| c.scale_share(index)));
                sums.add_stratum(&shares);
            }
            for (index, sums) in self.outcome_icc.iter_mut().enumerate() {
                shares.clear();
                shares.extend(classes.iter().map(|c| c.outcome_share(index)));
                sums.add_stratum(&shares);
            }
        }
    }
}

/// The groups of `breakdown` that contain the finest cell `key`: each of the
/// `2^d` subsets of its dimensions, into `groups`.
fn containing_groups(breakdown: &[Dimension], key: &GroupKey, groups: &mut Vec<GroupKey>) {
    groups.clear();
    let d = breakdown.len();
    'subsets: for subset in 0_u32..(1 << d) {
        let mut group = GroupKey::TOTAL;
        for (bit, &dimension) in breakdown.iter().enumerate() {
            if subset & (1 << bit) == 0 {
                continue;
            }
            // In a finest key, a missing school means "no school": such
            // pupils belong to no school cell.
            if dimension == Dimension::School && key.school.is_none() {
                continue 'subsets;
            }
            group = group.with_from(dimension, key);
        }
        groups.push(group);
    }
}

/// The stratum of the ICC estimate for a finest key: its district × grade
/// (classes are nested in both; sex and school are not strata).
fn stratum_of(key: &GroupKey) -> GroupKey {
    key.without(Dimension::Sex).without(Dimension::School)
}

/// One class's pupils in one group: per scale (scored, flagged), per
/// outcome (answered, present).
#[derive(Clone, Debug, Default)]
struct ClassTotals {
    scales: Vec<(u64, u64)>,
    outcomes: Vec<(u64, u64)>,
}

impl ClassTotals {
    fn empty(like: &ClassTotals) -> Self {
        Self {
            scales: vec![(0, 0); like.scales.len()],
            outcomes: vec![(0, 0); like.outcomes.len()],
        }
    }

    fn of_pupil(scores: &PupilScores, scales: usize, outcomes: usize) -> Self {
        let mut totals = Self {
            scales: vec![(0, 0); scales],
            outcomes: vec![(0, 0); outcomes],
        };
        totals.add_pupil(scores);
        totals
    }

    fn add_pupil(&mut self, scores: &PupilScores) {
        let scored = scores.scale_scores.iter().zip(&scores.scale_flags);
        for (slot, (score, flag)) in self.scales.iter_mut().zip(scored) {
            if score.is_some() {
                slot.0 += 1;
                slot.1 += u64::from(*flag == Some(true));
            }
        }
        for (slot, outcome) in self.outcomes.iter_mut().zip(&scores.outcomes) {
            if let Some(present) = *outcome {
                slot.0 += 1;
                slot.1 += u64::from(present);
            }
        }
    }

    fn clear(&mut self) {
        self.scales.fill((0, 0));
        self.outcomes.fill((0, 0));
    }

    fn add(&mut self, other: &ClassTotals) {
        for (a, b) in self.scales.iter_mut().zip(&other.scales) {
            a.0 += b.0;
            a.1 += b.1;
        }
        for (a, b) in self.outcomes.iter_mut().zip(&other.outcomes) {
            a.0 += b.0;
            a.1 += b.1;
        }
    }

    fn scale_share(&self, index: usize) -> Proportion {
        let (n, count) = self.scales.get(index).copied().unwrap_or_default();
        Proportion { count, n }
    }

    fn outcome_share(&self, index: usize) -> Proportion {
        let (n, count) = self.outcomes.get(index).copied().unwrap_or_default();
        Proportion { count, n }
    }
}

/// Aggregates one wave's responses in one pass (see the module docs).
///
/// Questionnaires flagged by a validity rule are left out unless
/// `options.include_flagged`, and counted in [`Cube::excluded_flagged`].
/// `breakdown` may be empty (only the total) and may list dimensions in any
/// order or repeatedly. Never fails: bad answer bytes count as missing.
#[must_use]
pub fn aggregate<'a>(
    instrument: &Instrument,
    respondents: impl IntoIterator<Item = Respondent<'a>>,
    breakdown: &[Dimension],
    options: AggregateOptions,
) -> Cube {
    aggregate_with_plan(
        &ScoringPlan::new(instrument),
        respondents,
        breakdown,
        options,
    )
}

/// [`aggregate`] with a prebuilt plan, so that threads aggregating parts of a
/// wave share one.
#[must_use]
pub fn aggregate_with_plan<'a>(
    plan: &ScoringPlan,
    respondents: impl IntoIterator<Item = Respondent<'a>>,
    breakdown: &[Dimension],
    options: AggregateOptions,
) -> Cube {
    let mut cube = Cube::empty(plan, breakdown);
    let (scales, outcomes) = (plan.scale_count(), plan.outcome_count());
    let mut finest: BTreeMap<GroupKey, Cell> = BTreeMap::new();
    // Hashed while reading (one lookup per pupil), sorted once afterwards
    // so that each class's entries are adjacent and the sums deterministic.
    let mut classes: HashMap<(Option<i64>, GroupKey), ClassTotals> = HashMap::new();
    let mut scores = PupilScores::default();
    for respondent in respondents {
        cube.responses_read += 1;
        if !respondent.valid {
            if !options.include_flagged {
                cube.excluded_flagged += 1;
                continue;
            }
            cube.included_flagged += 1;
        }
        cube.without_school += u64::from(respondent.school.is_none());
        plan.count_answered(respondent.answers, &mut cube.item_answered);
        plan.score_into(respondent.answers, respondent.grade, &mut scores);
        let mut key = GroupKey::TOTAL;
        for &dimension in &cube.breakdown {
            match dimension {
                Dimension::District => key.district = Some(respondent.district),
                Dimension::School => key.school = respondent.school,
                Dimension::Grade => key.grade = Some(respondent.grade),
                Dimension::Sex => key.sex = SexKey::of_answer(respondent.sex),
            }
        }
        finest
            .entry(key)
            .or_insert_with(|| Cell::empty(scales, outcomes))
            .add(&scores);
        classes
            .entry((respondent.class, key))
            .and_modify(|totals| totals.add_pupil(&scores))
            .or_insert_with(|| ClassTotals::of_pupil(&scores, scales, outcomes));
    }
    cube.roll_up(&finest);
    let mut classes: Vec<_> = classes.into_iter().collect();
    classes.sort_unstable_by_key(|(key, _)| *key);
    cube.add_clusters(&classes);
    cube
}

/// Number of questionnaires flagged by each validity rule, from each
/// questionnaire's list of flagging rule ids. A rule counts once per
/// questionnaire even if listed twice; empty ids (from splitting an empty
/// stored list) are ignored. A questionnaire flagged by several rules counts
/// for each, so the counts may add up to more than
/// [`Cube::excluded_flagged`].
pub fn exclusion_counts<I, S>(flags: impl IntoIterator<Item = I>) -> BTreeMap<String, u64>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut seen: Vec<S> = Vec::new();
    for rule_ids in flags {
        seen.clear();
        for id in rule_ids {
            let name = id.as_ref();
            if name.is_empty() || seen.iter().any(|s| s.as_ref() == name) {
                continue;
            }
            match counts.get_mut(name) {
                Some(count) => *count += 1,
                None => {
                    counts.insert(name.to_owned(), 1);
                }
            }
            seen.push(id);
        }
    }
    counts
}

/// The respondents × items matrix of the scale at `scale_index` for
/// `stats::cronbach_alpha`: one row per counted questionnaire (same
/// selection as [`aggregate`] with `options`), the scale's items in scale
/// order, scored (reverse-coded where marked) values, `None` for missing.
/// Empty for an unknown scale.
#[must_use]
pub fn scale_item_matrix<'a>(
    plan: &ScoringPlan,
    respondents: impl IntoIterator<Item = Respondent<'a>>,
    scale_index: usize,
    options: AggregateOptions,
) -> Vec<Vec<Option<f64>>> {
    if scale_index >= plan.scale_count() {
        return Vec::new();
    }
    respondents
        .into_iter()
        .filter(|respondent| respondent.valid || options.include_flagged)
        .map(|respondent| {
            plan.scale_item_values(scale_index, respondent.answers)
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::analysis::scoring::score_pupil;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    /// Items: 0 A1, 1 A2 (agree 1..4, byte k = value k), 2 F1 (freq 0..2,
    /// byte k = value k − 1). Scale "risk" = mean of A1, A2 (at least one),
    /// cut 2.5; scale "plain" = A1 without cut point; outcome "use" = F1 >= 1.
    const INSTRUMENT: &str = r#"
[instrument]
id = "aggregate-test"
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
  { code = "A2", text = { en = "x" }, response_set = "agree" },
  { code = "F1", text = { en = "x" }, response_set = "freq" },
]

[[scales]]
id = "risk"
kind = "risk"
domain = "family"
label = { en = "x" }
items = ["A1", "A2"]
min_answered = 1
cut_point = 2.5

[[scales]]
id = "plain"
kind = "outcome"
domain = "outcome"
label = { en = "x" }
items = ["A1"]

[[outcomes]]
id = "use"
group = "substance_use"
label = { en = "x" }
items = ["F1"]
at_least = 1
"#;

    fn instrument() -> Instrument {
        Instrument::from_toml_str(INSTRUMENT, "test.toml").expect("test instrument is valid")
    }

    /// A respondent that owns its answers (test data).
    #[derive(Clone, Debug)]
    struct Row {
        district: i64,
        school: Option<i64>,
        class: Option<i64>,
        grade: u8,
        sex: Option<Sex>,
        answers: Vec<u8>,
        valid: bool,
    }

    impl Row {
        fn view(&self) -> Respondent<'_> {
            Respondent {
                district: self.district,
                school: self.school,
                class: self.class,
                grade: self.grade,
                sex: self.sex,
                answers: &self.answers,
                valid: self.valid,
            }
        }
    }

    /// The hand-made data set. Risk scores, flags (cut 2.5) and "use":
    ///
    /// | # | district | school | grade | sex  | A1 A2 F1 | risk      | use     | valid |
    /// |---|----------|--------|-------|------|----------|-----------|---------|-------|
    /// | 1 | 1        | 10     | 6     | F    | 4  3  1  | 3.5 flag  | present | yes   |
    /// | 2 | 1        | 10     | 6     | M    | 1  2  0  | 1.5       | absent  | yes   |
    /// | 3 | 1        | 11     | 8     | none | 3  –  –  | 3.0 flag  | missing | yes   |
    /// | 4 | 2        | 20     | 6     | F    | 2  2  2  | 2.0       | present | yes   |
    /// | 5 | 2        | none   | 8     | D    | –  –  0  | none      | absent  | yes   |
    /// | 6 | 2        | 20     | 8     | M    | 4  4  2  | 4.0 flag  | present | no    |
    fn rows() -> Vec<Row> {
        let row = |district, school, grade, sex, answers: [u8; 3], valid| Row {
            class: None,
            district,
            school,
            grade,
            sex,
            answers: answers.to_vec(),
            valid,
        };
        vec![
            row(1, Some(10), 6, Some(Sex::Female), [4, 3, 2], true),
            row(1, Some(10), 6, Some(Sex::Male), [1, 2, 1], true),
            row(1, Some(11), 8, None, [3, 0, 0], true),
            row(2, Some(20), 6, Some(Sex::Female), [2, 2, 3], true),
            row(2, None, 8, Some(Sex::Diverse), [0, 0, 1], true),
            row(2, Some(20), 8, Some(Sex::Male), [4, 4, 3], false),
        ]
    }

    const RISK: usize = 0;
    const PLAIN: usize = 1;
    const USE: usize = 0;

    fn key(district: Option<i64>, grade: Option<u8>, sex: SexKey) -> GroupKey {
        GroupKey {
            district,
            school: None,
            grade,
            sex,
        }
    }

    /// (respondents, risk n, risk flagged, risk mean, use n, use present)
    fn summary(cube: &Cube, key: &GroupKey) -> (u64, u64, u64, Option<f64>, u64, u64) {
        let cell = cube.cell(key).unwrap_or_else(|| panic!("no cell {key:?}"));
        let (risk, used) = (cell.scales[RISK], cell.outcomes[USE]);
        (
            cell.respondents,
            risk.n,
            risk.flagged,
            risk.mean(),
            used.n,
            used.present,
        )
    }

    /// Checks `summary`; an expected mean of NaN means "no mean".
    fn assert_summary(cube: &Cube, key: GroupKey, expected: (u64, u64, u64, f64, u64, u64)) {
        let (respondents, n, flagged, mean, used_n, present) = summary(cube, &key);
        assert_eq!(
            (respondents, n, flagged, used_n, present),
            (expected.0, expected.1, expected.2, expected.4, expected.5),
            "{key:?}"
        );
        match mean {
            Some(mean) => approx::assert_abs_diff_eq!(mean, expected.3, epsilon = 1e-12),
            None => assert!(expected.3.is_nan(), "{key:?}: no mean"),
        }
    }

    #[test]
    fn hand_computed_cube() {
        let rows = rows();
        let breakdown = [Dimension::District, Dimension::Grade, Dimension::Sex];
        let cube = aggregate(
            &instrument(),
            rows.iter().map(Row::view),
            &breakdown,
            AggregateOptions::default(),
        );
        assert_eq!(cube.breakdown(), &breakdown);
        assert_eq!((cube.responses_read(), cube.excluded_flagged()), (6, 1));
        assert_eq!((cube.included_flagged(), cube.without_school()), (0, 1));
        use SexKey::{All, Female, NoAnswer};
        // Total: risk 3.5, 1.5, 3.0, 2.0 → mean 2.5, 2 flagged; use 2 of 4.
        assert_summary(&cube, GroupKey::TOTAL, (5, 4, 2, 2.5, 4, 2));
        assert!(cube.total() == cube.cell(&GroupKey::TOTAL).unwrap());
        assert_summary(&cube, key(Some(1), None, All), (3, 3, 2, 8.0 / 3.0, 2, 1));
        assert_summary(&cube, key(Some(2), None, All), (2, 1, 0, 2.0, 2, 1));
        assert_summary(&cube, key(None, Some(6), All), (3, 3, 1, 7.0 / 3.0, 3, 2));
        assert_summary(&cube, key(None, Some(8), All), (2, 1, 1, 3.0, 1, 0));
        assert_summary(&cube, key(None, None, Female), (2, 2, 1, 2.75, 2, 2));
        assert_summary(&cube, key(None, None, NoAnswer), (1, 1, 1, 3.0, 0, 0));
        assert_summary(&cube, key(Some(1), Some(6), All), (2, 2, 1, 2.5, 2, 1));
        assert_summary(&cube, key(Some(1), Some(6), Female), (1, 1, 1, 3.5, 1, 1));
        assert_summary(
            &cube,
            key(Some(2), Some(8), SexKey::Diverse),
            (1, 0, 0, f64::NAN, 1, 0),
        );
        // 1 total + 2 districts + 2 grades + 4 sexes + 4 district×grade
        // + 5 district×sex + 4 grade×sex + 5 district×grade×sex.
        assert_eq!(cube.cells().len(), 27);
        assert!(cube.cell(&key(Some(2), Some(8), SexKey::Male)).is_none()); // only #6
        assert!(cube.cells().keys().next().unwrap().is_total());
        // The scale without cut point has scores but never flags.
        assert_eq!(cube.total().scales[PLAIN].n, 4);
        assert_eq!(cube.total().scales[PLAIN].flagged, 0);
        assert!(cube.scale_has_cut_point(RISK) && !cube.scale_has_cut_point(PLAIN));
        // Percentages and moments.
        let risk = cube.total().scales[RISK];
        assert_eq!(risk.percent_flagged(), Some(50.0));
        assert_eq!(risk.flagged_proportion(), Proportion { count: 2, n: 4 });
        assert_eq!(
            (risk.moments.min(), risk.moments.max()),
            (Some(1.5), Some(3.5))
        );
        assert_eq!(cube.total().outcomes[USE].percent(), Some(50.0));
        // Item missingness among the 5 counted: A1 4, A2 3, F1 4 answered.
        assert_eq!(cube.item_answered(), &[4, 3, 4]);
        assert_eq!(cube.item_missing(1), Some(Proportion { count: 2, n: 5 }));
        assert_eq!(cube.item_missing(3), None);
    }

    #[test]
    fn a_group_without_scores_has_no_mean() {
        // The district-2 / grade-8 / diverse pupil has no risk score:
        // the cell exists (group size 1) with n = 0 and no mean.
        let rows = rows();
        let cube = aggregate(
            &instrument(),
            rows.iter().map(Row::view),
            &[Dimension::Sex],
            AggregateOptions::default(),
        );
        let cell = cube.cell(&key(None, None, SexKey::Diverse)).unwrap();
        assert_eq!((cell.respondents, cell.scales[RISK].n), (1, 0));
        assert_eq!(cell.scales[RISK].mean(), None);
        assert_eq!(cell.scales[RISK].percent_flagged(), None);
    }

    #[test]
    fn flagged_questionnaires_can_be_included() {
        let rows = rows();
        let options = AggregateOptions {
            include_flagged: true,
        };
        let cube = aggregate(&instrument(), rows.iter().map(Row::view), &[], options);
        assert_eq!(cube.cells().len(), 1);
        assert_eq!((cube.excluded_flagged(), cube.included_flagged()), (0, 1));
        // + #6: risk 4.0 flagged → mean 14/5, 3 of 5; use 3 of 5.
        assert_summary(&cube, GroupKey::TOTAL, (6, 5, 3, 2.8, 5, 3));
    }

    #[test]
    fn pupils_without_school_are_in_no_school_cell() {
        let rows = rows();
        let cube = aggregate(
            &instrument(),
            rows.iter().map(Row::view),
            &[Dimension::School, Dimension::District],
            AggregateOptions::default(),
        );
        assert_eq!(cube.breakdown(), &[Dimension::District, Dimension::School]);
        let school = |district, school| GroupKey {
            district,
            school,
            ..GroupKey::TOTAL
        };
        let sizes: Vec<(GroupKey, u64)> = cube
            .cells()
            .iter()
            .map(|(key, cell)| (*key, cell.respondents))
            .collect();
        assert_eq!(
            sizes,
            vec![
                (GroupKey::TOTAL, 5),
                (school(None, Some(10)), 2),
                (school(None, Some(11)), 1),
                (school(None, Some(20)), 1),
                (school(Some(1), None), 3),
                (school(Some(1), Some(10)), 2),
                (school(Some(1), Some(11)), 1),
                (school(Some(2), None), 2),
                (school(Some(2), Some(20)), 1),
            ]
        );
        assert_eq!(cube.without_school(), 1);
    }

    #[test]
    fn merging_parts_equals_aggregating_all() {
        let (rows, i) = (rows(), instrument());
        let breakdown = [Dimension::District, Dimension::Grade, Dimension::Sex];
        let options = AggregateOptions::default();
        let whole = aggregate(&i, rows.iter().map(Row::view), &breakdown, options);
        let plan = ScoringPlan::new(&i);
        let mut merged = Cube::empty(&plan, &breakdown);
        for part in rows.chunks(2) {
            let cube = aggregate_with_plan(&plan, part.iter().map(Row::view), &breakdown, options);
            merged.merge(cube).unwrap();
        }
        assert_cubes_close(&merged, &whole).unwrap();
    }

    /// Classes of the design-effect example in `stats::design` (strata
    /// district 1 × grade 7, district 2 × grade 7, district 2 × grade 8),
    /// pupils alternately female and male, plus three pupils of district 1
    /// × grade 7 without a class.
    fn clustered_rows() -> Vec<Row> {
        let classes = [
            (1, 7, 101, 20, 8),
            (1, 7, 102, 25, 4),
            (1, 7, 103, 18, 9),
            (2, 7, 201, 22, 3),
            (2, 7, 202, 24, 5),
            (2, 8, 203, 15, 6),
        ];
        let pupil = |district, grade, class, index: u64, flagged: bool| Row {
            class,
            district,
            school: Some(district * 10),
            grade,
            sex: Some(if index.is_multiple_of(2) {
                Sex::Female
            } else {
                Sex::Male
            }),
            // Risk = mean(A1, A2): 4 is flagged, 1 is not; F1 "use" absent.
            answers: if flagged {
                vec![4, 4, 1]
            } else {
                vec![1, 1, 1]
            },
            valid: true,
        };
        let mut rows = Vec::new();
        for (district, grade, class, n, flagged) in classes {
            for index in 0..n {
                rows.push(pupil(district, grade, Some(class), index, index < flagged));
            }
        }
        for index in 0..3 {
            rows.push(pupil(1, 7, None, index, true));
        }
        rows
    }

    #[test]
    fn cells_know_their_class_sizes_and_the_cube_the_icc() {
        let (rows, i) = (clustered_rows(), instrument());
        let breakdown = [Dimension::District, Dimension::Grade, Dimension::Sex];
        let cube = aggregate(
            &i,
            rows.iter().map(Row::view),
            &breakdown,
            AggregateOptions::default(),
        );
        let squares = |district, grade, sex| {
            let cell = cube.cell(&key(district, grade, sex)).expect("cell");
            cell.scales[RISK].cluster_size_squares
        };
        // 20² + 25² + 18², plus 3 pupils without a class (classes of one).
        assert_eq!(squares(Some(1), Some(7), SexKey::All), 1349 + 3);
        // Females: 10, 13 and 9 per class, 2 of the 3 without a class.
        assert_eq!(
            squares(Some(1), Some(7), SexKey::Female),
            100 + 169 + 81 + 2
        );
        assert_eq!(squares(Some(2), None, SexKey::All), 484 + 576 + 225);
        assert_eq!(squares(None, None, SexKey::All), 1349 + 3 + 484 + 576 + 225);
        // The outcome's cluster sizes count its own denominators.
        let total = cube.total();
        assert_eq!(total.outcomes[USE].cluster_size_squares, 1349 + 3 + 1285);

        // The ICC of the risk flag over classes within district × grade:
        // the same classes as `stats::design`'s ANOVA example, so the same
        // value (statsmodels, quoted there); pupils without a class stay
        // out of it.
        let icc = cube.scale_icc(RISK).expect("estimable");
        assert!(
            (icc.raw - 0.061_640_346_691_653_844).abs() < 1e-12,
            "{icc:?}"
        );
        assert_eq!((icc.clusters, icc.pupils), (6, 124));
        // Nobody uses: no variance, no ICC, design effect 1.
        assert_eq!(cube.outcome_icc(USE), None);
        assert_eq!(Cube::design_effect(63, 1349, cube.outcome_icc(USE)), 1.0);
        let deff = Cube::design_effect(63, 1349, Some(icc));
        assert!((deff - 2.258_245_807_070_902).abs() < 1e-12, "{deff}");
    }

    #[test]
    fn merging_parts_split_by_district_keeps_the_clustering() {
        let (rows, i) = (clustered_rows(), instrument());
        let breakdown = [Dimension::District, Dimension::Grade, Dimension::Sex];
        let options = AggregateOptions::default();
        let whole = aggregate(&i, rows.iter().map(Row::view), &breakdown, options);
        let plan = ScoringPlan::new(&i);
        let mut merged = Cube::empty(&plan, &breakdown);
        for district in [1, 2] {
            let part = rows.iter().filter(|r| r.district == district);
            let cube = aggregate_with_plan(&plan, part.map(Row::view), &breakdown, options);
            merged.merge(cube).unwrap();
        }
        let (a, b) = (
            merged.scale_icc(RISK).unwrap(),
            whole.scale_icc(RISK).unwrap(),
        );
        assert!((a.raw - b.raw).abs() < 1e-12 && a.clusters == b.clusters);
        for (key, cell) in whole.cells() {
            let merged_cell = merged.cell(key).expect("same cells");
            assert_eq!(
                merged_cell.scales[RISK].cluster_size_squares,
                cell.scales[RISK].cluster_size_squares,
                "{key:?}"
            );
        }
    }

    #[test]
    fn cubes_of_different_shape_do_not_merge() {
        let (rows, i) = (rows(), instrument());
        let options = AggregateOptions::default();
        let by_district = aggregate(
            &i,
            rows.iter().map(Row::view),
            &[Dimension::District],
            options,
        );
        let mut by_grade = aggregate(&i, rows.iter().map(Row::view), &[Dimension::Grade], options);
        let before = by_grade.clone();
        let err = by_grade.merge(by_district.clone()).unwrap_err();
        assert!(matches!(err, MergeError::Breakdown { .. }), "{err}");
        assert_eq!(by_grade, before);
        let mut other = i.clone();
        other.version = "2".into();
        let v2 = aggregate(
            &other,
            rows.iter().map(Row::view),
            &[Dimension::District],
            options,
        );
        let mut v1 = by_district;
        let err = v1.merge(v2).unwrap_err();
        assert!(
            err.to_string()
                .contains("aggregate-test 1 (2 scales, 1 outcomes, 3 items)")
        );
    }

    #[test]
    fn empty_input_gives_an_empty_total() {
        let cube = aggregate(
            &instrument(),
            std::iter::empty(),
            &Dimension::ALL,
            AggregateOptions::default(),
        );
        assert_eq!(cube.cells().len(), 1);
        assert_eq!(cube.total().respondents, 0);
        assert_eq!(cube.total().scales.len(), 2);
        assert_eq!(cube.total().scales[RISK].percent_flagged(), None);
        assert_eq!(cube.item_missing(0), Some(Proportion { count: 0, n: 0 }));
    }

    #[test]
    fn bad_answer_vectors_count_as_missing() {
        let rows = [
            Row {
                answers: vec![],
                ..rows()[0].clone()
            },
            Row {
                answers: vec![9, 4, 7, 1, 1],
                ..rows()[0].clone()
            },
        ];
        let cube = aggregate(
            &instrument(),
            rows.iter().map(Row::view),
            &[Dimension::Grade],
            AggregateOptions::default(),
        );
        assert_eq!(cube.total().respondents, 2);
        assert_eq!(cube.item_answered(), &[0, 1, 0]);
        assert_eq!(cube.total().scales[RISK].n, 1);
        assert_eq!(cube.total().scales[RISK].mean(), Some(4.0));
        assert_eq!(cube.total().outcomes[USE].n, 0);
    }

    #[test]
    fn group_keys() {
        let k = GroupKey {
            district: Some(3),
            school: None,
            grade: Some(8),
            sex: SexKey::NoAnswer,
        };
        let dims: Vec<_> = k.dimensions().collect();
        assert_eq!(
            dims,
            [Dimension::District, Dimension::Grade, Dimension::Sex]
        );
        assert!(k.has(Dimension::Sex) && !k.has(Dimension::School));
        assert_eq!(k.without(Dimension::Grade).grade, None);
        assert!(
            k.without(Dimension::District)
                .without(Dimension::Grade)
                .without(Dimension::Sex)
                .is_total()
        );
        for sex in Sex::ALL {
            assert_eq!(SexKey::of_answer(Some(sex)).answer(), Some(Some(sex)));
            assert_eq!(SexKey::from(Some(sex)).as_str(), sex.as_str());
        }
        assert_eq!(SexKey::of_answer(None).answer(), Some(None));
        assert_eq!(SexKey::All.answer(), None);
        assert!(GroupKey::TOTAL < k && SexKey::All < SexKey::NoAnswer);
        let json = serde_json::to_string(&k).unwrap();
        assert_eq!(
            json,
            r#"{"district":3,"school":null,"grade":8,"sex":"no_answer"}"#
        );
        assert_eq!(Dimension::School.as_str(), "school");
    }

    #[test]
    fn exclusion_counts_per_rule() {
        let flags: Vec<Vec<String>> = vec![
            vec![],
            vec!["dishonest".into()],
            vec!["dishonest".into(), "too_fast".into(), "dishonest".into()],
            vec!["".into()],
            vec!["too_fast".into()],
        ];
        let counts = exclusion_counts(flags.iter().map(Vec::as_slice));
        let expected: BTreeMap<String, u64> =
            [("dishonest".to_owned(), 2), ("too_fast".to_owned(), 2)].into();
        assert_eq!(counts, expected);
        // Split from the stored comma-separated text.
        let stored = ["dishonest,too_fast", "", "too_fast", "dishonest"];
        let counts = exclusion_counts(stored.iter().map(|s| s.split(',')));
        assert_eq!(counts, expected);
    }

    #[test]
    fn item_matrix_holds_scored_values_of_counted_questionnaires() {
        let i = Instrument::from_toml_str(
            &INSTRUMENT.replace(
                r#"{ code = "A2", text = { en = "x" }, response_set = "agree" }"#,
                r#"{ code = "A2", text = { en = "x" }, response_set = "agree", reverse = true }"#,
            ),
            "test.toml",
        )
        .unwrap();
        let plan = ScoringPlan::new(&i);
        let rows = rows();
        let matrix = scale_item_matrix(
            &plan,
            rows.iter().map(Row::view),
            RISK,
            AggregateOptions::default(),
        );
        // A2 reversed: 5 − value.
        let expected = vec![
            vec![Some(4.0), Some(2.0)],
            vec![Some(1.0), Some(3.0)],
            vec![Some(3.0), None],
            vec![Some(2.0), Some(3.0)],
            vec![None, None],
        ];
        assert_eq!(matrix, expected);
        let all = AggregateOptions {
            include_flagged: true,
        };
        assert_eq!(
            scale_item_matrix(&plan, rows.iter().map(Row::view), RISK, all).len(),
            6
        );
        assert!(scale_item_matrix(&plan, rows.iter().map(Row::view), 7, all).is_empty());
    }

    /// Counts exactly equal, moments within 1e-9.
    fn assert_cubes_close(a: &Cube, b: &Cube) -> Result<(), TestCaseError> {
        const EPS: f64 = 1e-9;
        prop_assert_eq!(a.shape(), b.shape());
        prop_assert_eq!(a.breakdown(), b.breakdown());
        prop_assert_eq!(
            (
                a.responses_read,
                a.excluded_flagged,
                a.included_flagged,
                a.without_school
            ),
            (
                b.responses_read,
                b.excluded_flagged,
                b.included_flagged,
                b.without_school
            )
        );
        prop_assert_eq!(a.item_answered(), b.item_answered());
        let keys = |c: &Cube| c.cells().keys().copied().collect::<Vec<_>>();
        prop_assert_eq!(keys(a), keys(b));
        for ((key, x), y) in a.cells().iter().zip(b.cells().values()) {
            prop_assert_eq!(x.respondents, y.respondents, "{:?}", key);
            prop_assert_eq!(&x.outcomes, &y.outcomes, "{:?}", key);
            prop_assert_eq!(x.scales.len(), y.scales.len());
            for (s, t) in x.scales.iter().zip(&y.scales) {
                prop_assert_eq!((s.n, s.flagged), (t.n, t.flagged), "{:?}", key);
                let (m, n) = (&s.moments, &t.moments);
                prop_assert_eq!((m.n(), m.min(), m.max()), (n.n(), n.min(), n.max()));
                for (u, v) in [(m.mean(), n.mean()), (m.sample_sd(), n.sample_sd())] {
                    match (u, v) {
                        (Some(u), Some(v)) => prop_assert!((u - v).abs() <= EPS, "{u} vs {v}"),
                        (u, v) => prop_assert_eq!(u, v),
                    }
                }
            }
        }
        Ok(())
    }

    /// A random small instrument: one response set with `options` values
    /// `offset..offset + options`, so every subset of items may form a scale.
    #[derive(Clone, Debug)]
    struct Spec {
        options: usize,
        offset: i32,
        reverse: Vec<bool>,
        scales: Vec<ScaleSpec>,
        /// items, at_least step above the minimum
        outcomes: Vec<(Vec<usize>, i32)>,
    }

    #[derive(Clone, Debug)]
    struct ScaleSpec {
        items: Vec<usize>,
        sum: bool,
        /// `min_answered` as a share of `1..=items.len()`.
        min_share: f64,
        cut: Option<CutSpec>,
    }

    /// Cut points as shares of the score range.
    #[derive(Clone, Debug)]
    struct CutSpec {
        share: f64,
        low: bool,
        grade_7: Option<f64>,
    }

    impl Spec {
        fn toml(&self) -> String {
            let (lo, hi) = (self.offset, self.offset + self.options as i32 - 1);
            let mut t = String::from(
                "[instrument]\nid = \"prop\"\nversion = \"1\"\ntitle = { en = \"T\" }\n\
                 languages = [\"en\"]\n\n[[response_sets]]\nid = \"r\"\noptions = [\n",
            );
            for value in lo..=hi {
                t += &format!("  {{ value = {value}, label = {{ en = \"{value}\" }} }},\n");
            }
            t += "]\n\n[[pages]]\nid = \"p\"\ntitle = { en = \"P\" }\nitems = [\n";
            for (item, reverse) in self.reverse.iter().enumerate() {
                t += &format!(
                    "  {{ code = \"I{item}\", text = {{ en = \"x\" }}, response_set = \"r\", \
                     reverse = {reverse} }},\n"
                );
            }
            t += "]\n";
            let codes = |items: &[usize]| {
                items
                    .iter()
                    .map(|i| format!("\"I{i}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            for (index, scale) in self.scales.iter().enumerate() {
                let ScaleSpec {
                    items,
                    sum,
                    min_share,
                    cut,
                } = scale;
                let n = items.len();
                let min_answered = 1 + ((n - 1) as f64 * min_share).round() as usize;
                let (kind, domain) = if cut.is_some() {
                    ("risk", "family")
                } else {
                    ("outcome", "outcome")
                };
                t += &format!(
                    "\n[[scales]]\nid = \"s{index}\"\nkind = \"{kind}\"\ndomain = \"{domain}\"\n\
                     label = {{ en = \"x\" }}\nitems = [{}]\nscoring = \"{}\"\n\
                     min_answered = {min_answered}\n",
                    codes(items),
                    if *sum { "sum" } else { "mean" }
                );
                if let Some(CutSpec {
                    share,
                    low,
                    grade_7: by_grade,
                }) = cut
                {
                    let k = if *sum { n as f64 } else { 1.0 };
                    let (min, max) = (k * f64::from(lo), k * f64::from(hi));
                    // Quarter steps of the range: exact decimals, often hit exactly.
                    let at = |share: f64| min + (share * 4.0).round() / 4.0 * (max - min);
                    t += &format!("cut_point = {:?}\n", at(*share));
                    t += &format!("direction = \"{}\"\n", if *low { "low" } else { "high" });
                    if let Some(share) = by_grade {
                        t += &format!("cut_point_by_grade = {{ \"7\" = {:?} }}\n", at(*share));
                    }
                }
            }
            for (index, (items, step)) in self.outcomes.iter().enumerate() {
                t += &format!(
                    "\n[[outcomes]]\nid = \"o{index}\"\ngroup = \"other\"\nlabel = {{ en = \"x\" }}\n\
                     items = [{}]\nat_least = {}\n",
                    codes(items),
                    lo + step
                );
            }
            t
        }
    }

    fn spec() -> impl Strategy<Value = Spec> {
        (1_usize..=5, 2_usize..=5, -2_i32..=2).prop_flat_map(|(n_items, options, offset)| {
            let items: Vec<usize> = (0..n_items).collect();
            let cut = prop::option::weighted(
                0.8,
                (
                    0.0..=1.0_f64,
                    any::<bool>(),
                    prop::option::of(0.0..=1.0_f64),
                )
                    .prop_map(|(share, low, grade_7)| CutSpec {
                        share,
                        low,
                        grade_7,
                    }),
            );
            let scale = (
                prop::sample::subsequence(items.clone(), 1..=n_items),
                any::<bool>(),
                0.0..=1.0_f64,
                cut,
            )
                .prop_map(|(items, sum, min_share, cut)| ScaleSpec {
                    items,
                    sum,
                    min_share,
                    cut,
                });
            let outcome = (
                prop::sample::subsequence(items, 1..=n_items),
                1..options as i32,
            );
            (
                Just(options),
                Just(offset),
                prop::collection::vec(any::<bool>(), n_items),
                prop::collection::vec(scale, 0..=3),
                prop::collection::vec(outcome, 0..=2),
            )
                .prop_map(|(options, offset, reverse, scales, outcomes)| Spec {
                    options,
                    offset,
                    reverse,
                    scales,
                    outcomes,
                })
        })
    }

    fn data() -> impl Strategy<Value = (Spec, Vec<Row>, Vec<Dimension>, usize, bool)> {
        spec().prop_flat_map(|spec| {
            let (n_items, max_byte) = (spec.reverse.len(), spec.options as u8 + 1);
            let sex = prop_oneof![
                Just(None),
                Just(Some(Sex::Female)),
                Just(Some(Sex::Male)),
                Just(Some(Sex::Diverse)),
            ];
            let row = (
                0_i64..3,
                prop::option::weighted(0.9, 0_i64..4),
                6_u8..=8,
                sex,
                prop::collection::vec(0..=max_byte, n_items),
                prop::bool::weighted(0.85),
            )
                .prop_map(|(district, school, grade, sex, answers, valid)| Row {
                    class: None,
                    district,
                    school,
                    grade,
                    sex,
                    answers,
                    valid,
                });
            (
                Just(spec),
                prop::collection::vec(row, 0..40),
                prop::sample::subsequence(Dimension::ALL.to_vec(), 0..=4).prop_shuffle(),
                0_usize..40,
                any::<bool>(),
            )
        })
    }

    /// Whether a pupil belongs to the group `key`.
    fn member(key: &GroupKey, row: &Row) -> bool {
        key.district.is_none_or(|d| d == row.district)
            && (key.school.is_none() || key.school == row.school)
            && key.grade.is_none_or(|g| g == row.grade)
            && key.sex.answer().is_none_or(|sex| sex == row.sex)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// aggregate(A ∪ B) == aggregate(A).merge(aggregate(B)) in both
        /// orders, the cube equals a brute-force count per group, and each
        /// cell equals the sum of its children along every dimension.
        #[test]
        fn cube_is_mergeable_complete_and_additive(
            (spec, rows, breakdown, split, include_flagged) in data()
        ) {
            let toml = spec.toml();
            let i = Instrument::from_toml_str(&toml, "prop.toml")
                .unwrap_or_else(|e| panic!("{e}\n{toml}"));
            let options = AggregateOptions { include_flagged };
            let split = split.min(rows.len());
            let (a, b) = rows.split_at(split);
            let run = |rows: &[Row]| aggregate(&i, rows.iter().map(Row::view), &breakdown, options);
            let whole = run(&rows);
            let mut ab = run(a);
            ab.merge(run(b)).unwrap();
            assert_cubes_close(&ab, &whole)?;
            let mut ba = run(b);
            ba.merge(run(a)).unwrap();
            assert_cubes_close(&ba, &whole)?;

            // Brute force: which groups exist and what they hold.
            let counted: Vec<&Row> = rows.iter().filter(|r| r.valid || include_flagged).collect();
            let mut expected_keys = BTreeSet::from([GroupKey::TOTAL]);
            for row in &counted {
                let mut groups = vec![GroupKey::TOTAL];
                for &dimension in whole.breakdown() {
                    let mut finer = GroupKey::TOTAL;
                    match dimension {
                        Dimension::District => finer.district = Some(row.district),
                        Dimension::School => finer.school = row.school,
                        Dimension::Grade => finer.grade = Some(row.grade),
                        Dimension::Sex => finer.sex = SexKey::of_answer(row.sex),
                    }
                    if dimension == Dimension::School && row.school.is_none() {
                        continue;
                    }
                    let more: Vec<GroupKey> =
                        groups.iter().map(|g| g.with_from(dimension, &finer)).collect();
                    groups.extend(more);
                }
                expected_keys.extend(groups);
            }
            let keys: BTreeSet<GroupKey> = whole.cells().keys().copied().collect();
            prop_assert_eq!(&keys, &expected_keys);
            for (key, cell) in whole.cells() {
                let members: Vec<&Row> =
                    counted.iter().copied().filter(|r| member(key, r)).collect();
                prop_assert_eq!(cell.respondents, members.len() as u64);
                let scores: Vec<PupilScores> =
                    members.iter().map(|r| score_pupil(&i, &r.answers, r.grade)).collect();
                for (s, scale) in cell.scales.iter().enumerate() {
                    let values: Vec<f64> =
                        scores.iter().filter_map(|p| p.scale_scores[s]).collect();
                    let flagged = scores.iter().filter(|p| p.scale_flags[s] == Some(true)).count();
                    prop_assert_eq!((scale.n, scale.flagged), (values.len() as u64, flagged as u64));
                    if let Some(mean) = scale.mean() {
                        let direct = values.iter().sum::<f64>() / values.len() as f64;
                        prop_assert!((mean - direct).abs() <= 1e-9);
                    }
                }
                for (o, outcome) in cell.outcomes.iter().enumerate() {
                    let n = scores.iter().filter(|p| p.outcomes[o].is_some()).count();
                    let present = scores.iter().filter(|p| p.outcomes[o] == Some(true)).count();
                    prop_assert_eq!((outcome.n, outcome.present), (n as u64, present as u64));
                }
            }
            let answered: Vec<u64> = (0..i.items.len())
                .map(|item| {
                    counted
                        .iter()
                        .filter(|r| i.decode_value(item, r.answers[item]).is_ok_and(|v| v.is_some()))
                        .count() as u64
                })
                .collect();
            prop_assert_eq!(whole.item_answered(), &answered[..]);

            // Additivity: a cell is the sum of its children along each
            // dimension it is not broken down by (the sex "no answer" cell
            // included); school children miss the pupils without school.
            for (key, parent) in whole.cells() {
                for &dimension in whole.breakdown() {
                    if key.has(dimension) {
                        continue;
                    }
                    let mut sum = Cell::empty(parent.scales.len(), parent.outcomes.len());
                    for (child_key, child) in whole.cells() {
                        if child_key.has(dimension) && child_key.without(dimension) == *key {
                            sum.respondents += child.respondents;
                            for (s, c) in sum.scales.iter_mut().zip(&child.scales) {
                                s.n += c.n;
                                s.flagged += c.flagged;
                            }
                            for (s, c) in sum.outcomes.iter_mut().zip(&child.outcomes) {
                                s.merge(c);
                            }
                        }
                    }
                    let counts = |c: &Cell| {
                        let scales: Vec<(u64, u64)> =
                            c.scales.iter().map(|s| (s.n, s.flagged)).collect();
                        (c.respondents, scales, c.outcomes.clone())
                    };
                    let no_school = counted.iter().any(|r| r.school.is_none() && member(key, r));
                    if dimension == Dimension::School && no_school {
                        prop_assert!(sum.respondents < parent.respondents);
                    } else {
                        prop_assert_eq!(counts(&sum), counts(parent), "{:?} by {:?}", key, dimension);
                    }
                }
            }
        }
    }
}
