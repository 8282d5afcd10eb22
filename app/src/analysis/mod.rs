//! The analysis service (server only): reads a wave from storage and runs the
//! pure domain pipeline on it. Server functions and the CLI both call this,
//! so the page and the CSV export can never disagree.
//!
//! Results pages and CSVs read only published results ([`publication`]):
//! a closed wave's analysis, computed once and stored.

pub mod early_warning;
pub mod publication;

pub use crate::domain::analysis::published::{PAGE_BREAKDOWN, QualityReport};
pub use publication::{Published, published, published_if_any};
use std::sync::Arc;

use crate::domain::analysis::aggregate::GroupKey;
use crate::domain::analysis::aggregate::{AggregateOptions, Cube, Dimension, aggregate};
use crate::domain::analysis::calibration::{CalibrationOptions, CalibrationReport, calibrate};
use crate::domain::analysis::profile::{FactorComparison, FactorKind, ProfileOptions};
use crate::domain::analysis::regional::{FactorColumn, compare_with_other_cities};
use crate::domain::analysis::report::{FactorInfo, Figures};
use crate::domain::analysis::report::{
    NormTable, ProfileTable, ReportOptions, build_profile_table,
};
use crate::domain::analysis::scoring::{PupilScores, ScoringPlan};
use crate::domain::analysis::stats::{ClusteredProportion, Proportion};
use crate::domain::analysis::suppression::SuppressionError;
use crate::domain::analysis::trend::{
    TrendOptions, TrendWave, VersionTag, WavePoint, adjust_changes, compute_trend,
};
use crate::domain::survey::instrument::{Instrument, LocalizedText, OutcomeGroup};
use crate::storage::analysis::norms::NormSet;
use crate::storage::geography::MunicipalityScopeRow;
use crate::storage::waves::WaveRow;
use crate::storage::{
    Db, StorageError, analysis::norms, survey::instruments, survey::responses, waves,
};
use std::collections::BTreeMap;

/// Errors of an analysis run.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// Reading from the database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The suppression step refused the table (a bug: cubes are additive).
    #[error("suppression failed: {0}")]
    Suppression(#[from] SuppressionError),
    /// The wave is still open: its results are published once it closes.
    #[error(
        "wave \"{wave}\" is open until {closes_on}: its results are published once it has closed"
    )]
    Open {
        /// The wave's name.
        wave: String,
        /// Its last day.
        closes_on: String,
    },
    /// The wave is closed, but its result is still being computed.
    #[error("the results of wave \"{wave}\" are being prepared; try again in a minute")]
    Preparing {
        /// The wave's name.
        wave: String,
    },
    /// A stored result could not be decoded, or a computing task failed.
    #[error("stored result unusable: {0}")]
    Decode(String),
    /// The wave's stored cut-point set does not fit its instrument (sets
    /// are checked when stored, so this means a hand-edited database).
    #[error("the wave's cut-point set cannot be applied: {0}")]
    CutPoints(String),
}

impl From<AnalysisError> for crate::error::AppError {
    fn from(error: AnalysisError) -> Self {
        use crate::error::AppError;
        match error {
            AnalysisError::Open { closes_on, .. } => AppError::NotPublished(closes_on),
            AnalysisError::Preparing { .. } => AppError::Preparing,
            AnalysisError::Storage(error) => error.into(),
            other => {
                tracing::error!(error = %other, "analysis failed");
                AppError::Internal
            }
        }
    }
}

/// A wave's responses aggregated, with the instrument they were scored with.
pub struct WaveCube {
    /// The instrument version of the wave, with its chosen cut points.
    pub instrument: std::sync::Arc<Instrument>,
    /// The aggregates.
    pub cube: Cube,
    /// The id of the cut points the flags come from (the wave's set).
    pub cut_point_set: String,
}

/// Reads all responses of `wave` and aggregates them by `breakdown`
/// (flagged questionnaires excluded unless `include_flagged`).
#[tracing::instrument(skip(db))]
pub async fn wave_cube(
    db: &Db,
    wave: &WaveRow,
    breakdown: &[Dimension],
    include_flagged: bool,
) -> Result<WaveCube, AnalysisError> {
    let (instrument, cut_point_set) = publication::scoring_instrument(db, wave).await?;
    let stored = responses::read_wave(db, wave.wave_id).await?;
    let cube = aggregate(
        &instrument,
        stored.iter().map(|response| response.respondent()),
        breakdown,
        AggregateOptions { include_flagged },
    );
    Ok(WaveCube {
        instrument,
        cube,
        cut_point_set,
    })
}

/// The privacy-safe profile table of a closed wave, computed afresh with
/// any breakdown and options (the CLI's exports). Pages and CSVs read the
/// published result instead ([`page_profile`]).
pub async fn wave_profile(
    db: &Db,
    wave: &WaveRow,
    breakdown: &[Dimension],
    include_flagged: bool,
    options: &ReportOptions,
) -> Result<ProfileTable, AnalysisError> {
    if !wave.is_closed() {
        return Err(AnalysisError::Open {
            wave: wave.name.clone(),
            closes_on: wave.closes_on.clone(),
        });
    }
    let WaveCube {
        instrument,
        cube,
        cut_point_set,
    } = wave_cube(db, wave, breakdown, include_flagged).await?;
    Ok(build_profile_table(
        &instrument,
        &cube,
        &cut_point_set,
        options,
    )?)
}

/// The published quality report of a closed wave.
pub async fn wave_quality(db: &Db, wave: &WaveRow) -> Result<Arc<QualityReport>, AnalysisError> {
    Ok(published(db, wave).await?.quality.clone())
}

/// The criterion a cut point is calibrated against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CalibrationCriterion {
    /// One outcome indicator of the instrument, by id.
    Outcome(String),
    /// Any substance use, violence or delinquency indicator present
    /// (missing when all of them are missing).
    AnyProblemBehaviour,
}

/// One scale and grade of a calibration run.
#[derive(Clone, Debug, PartialEq)]
pub struct CalibrationRow {
    /// Scale id.
    pub scale: String,
    /// Grade the scores come from.
    pub grade: u8,
    /// Candidates and their sensitivity/specificity; `None` when the grade
    /// has no valid score for the scale.
    pub report: Option<CalibrationReport>,
}

/// Calibrates every scale's cut point per grade against the criterion, using
/// the valid questionnaires of `wave` as the reference sample.
#[tracing::instrument(skip(db))]
pub async fn wave_calibration(
    db: &Db,
    wave: &WaveRow,
    criterion: &CalibrationCriterion,
) -> Result<Vec<CalibrationRow>, AnalysisError> {
    let instrument = instruments::load(db, wave.instrument_id).await?;
    let criterion_outcomes: Vec<usize> = match criterion {
        CalibrationCriterion::Outcome(id) => {
            let index = instrument
                .outcomes
                .iter()
                .position(|o| &o.id == id)
                .ok_or_else(|| StorageError::NotFound(format!("outcome indicator {id}")))?;
            vec![index]
        }
        CalibrationCriterion::AnyProblemBehaviour => instrument
            .outcomes
            .iter()
            .enumerate()
            .filter(|(_, o)| {
                matches!(
                    o.group,
                    OutcomeGroup::SubstanceUse | OutcomeGroup::Violence | OutcomeGroup::Delinquency
                )
            })
            .map(|(i, _)| i)
            .collect(),
    };
    let stored = responses::read_wave(db, wave.wave_id).await?;
    let plan = ScoringPlan::new(&instrument);
    // Per grade: per scale the (score, criterion) pairs.
    let mut samples: BTreeMap<u8, Vec<ScoreSample>> = BTreeMap::new();
    let mut scores = PupilScores::for_instrument(&instrument);
    for response in stored.iter().filter(|r| r.validity_flags.is_empty()) {
        plan.score_into(&response.answers, response.grade, &mut scores);
        let outcome = any_present(criterion_outcomes.iter().map(|&i| scores.outcomes[i]));
        let per_scale = samples
            .entry(response.grade)
            .or_insert_with(|| vec![Vec::new(); instrument.scales.len()]);
        for (scale, score) in scores.scale_scores.iter().enumerate() {
            if let Some(score) = score {
                per_scale[scale].push((*score, outcome));
            }
        }
    }
    let options = CalibrationOptions::default();
    let mut rows = Vec::new();
    for (grade, per_scale) in &samples {
        for (scale, pairs) in instrument.scales.iter().zip(per_scale) {
            let Some(cut) = &scale.cut_point else {
                continue;
            };
            rows.push(CalibrationRow {
                scale: scale.id.clone(),
                grade: *grade,
                report: calibrate(pairs, cut.for_grade(*grade), cut.direction, &options),
            });
        }
    }
    Ok(rows)
}

/// A scale's (score, criterion) pairs in one grade.
type ScoreSample = Vec<(f64, Option<bool>)>;

/// `Some(true)` if any is present, `Some(false)` if at least one is known and
/// none is present, `None` if all are missing.
fn any_present(values: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    let mut known = false;
    for value in values {
        match value {
            Some(true) => return Some(true),
            Some(false) => known = true,
            None => {}
        }
    }
    known.then_some(false)
}

/// One factor of one group over all waves of a municipality.
#[derive(Clone, Debug, PartialEq)]
pub struct TrendSeries {
    /// The group.
    pub key: GroupKey,
    /// Factor id.
    pub factor_id: String,
    /// Factor label.
    pub factor_label: LocalizedText,
    /// Risk, protective or outcome: which direction is worse.
    pub factor_kind: FactorKind,
    /// One entry per wave, oldest first; suppressed or missing waves have
    /// no figures.
    pub waves: Vec<TrendWave>,
}

/// The published waves of a municipality, oldest first, with their results.
/// Open waves and closed waves whose result is still being prepared are
/// left out: "the waves" of every results page are the published ones.
pub async fn published_waves(
    db: &Db,
    municipality: i64,
) -> Result<Vec<(WaveRow, Arc<Published>)>, AnalysisError> {
    let mut found = Vec::new();
    for wave in waves::of_municipality(db, municipality).await? {
        if let Some(result) = published_if_any(db, &wave).await? {
            found.push((wave, result));
        }
    }
    Ok(found)
}

/// Trends of every group and factor across a municipality's published
/// waves. Each wave's figures come from its privacy-safe profile table, so a
/// suppressed cell stays suppressed in the trend (it enters as "no data").
/// With the pages' breakdown and options the stored profiles are used;
/// anything else (the CLI's `export-trend --by …`) is computed afresh from
/// the same published waves.
pub async fn municipality_trends(
    db: &Db,
    municipality: i64,
    breakdown: &[Dimension],
    options: &ReportOptions,
) -> Result<Vec<TrendSeries>, AnalysisError> {
    let published = published_waves(db, municipality).await?;
    trends_over(db, &published, breakdown, options).await
}

/// [`municipality_trends`] over waves the caller has already read with
/// [`published_waves`].
pub async fn trends_over(
    db: &Db,
    published: &[(WaveRow, Arc<Published>)],
    breakdown: &[Dimension],
    options: &ReportOptions,
) -> Result<Vec<TrendSeries>, AnalysisError> {
    let page_defaults =
        breakdown == PAGE_BREAKDOWN.as_slice() && *options == ReportOptions::default();
    let mut tables: Vec<(&WaveRow, Arc<ProfileTable>)> = Vec::with_capacity(published.len());
    for (wave, result) in published {
        let table = if page_defaults {
            result.profile.clone()
        } else {
            Arc::new(wave_profile(db, wave, breakdown, false, options).await?)
        };
        tables.push((wave, table));
    }
    let versions_of = |table: &ProfileTable| VersionTag {
        instrument: table.versions.instrument.clone(),
        cut_points: table.versions.cut_points.clone(),
        validity_rules: table.versions.validity_rules.clone(),
    };
    // A wave where the group or factor has no shown figures enters as n = 0
    // ("no data"), so every series has one point per wave.
    let no_data = |index: usize| {
        let (wave, table) = &tables[index];
        WavePoint {
            wave_label: wave.name.clone(),
            proportion: Proportion { count: 0, n: 0 },
            design_effect: 1.0,
            versions: versions_of(table),
        }
    };
    let mut series: BTreeMap<(GroupKey, String), (LocalizedText, FactorKind, Vec<WavePoint>)> =
        BTreeMap::new();
    for (wave_index, (_, table)) in tables.iter().enumerate() {
        for group in &table.groups {
            for (factor, cell) in table.factors.iter().zip(&group.factors) {
                let entry = series
                    .entry((group.key, factor.id.clone()))
                    .or_insert_with(|| (factor.label.clone(), factor.kind, Vec::new()));
                while entry.2.len() < wave_index {
                    entry.2.push(no_data(entry.2.len()));
                }
                let mut point = no_data(wave_index);
                if let Some(figures) = &cell.figures {
                    point.proportion = Proportion {
                        count: figures.count,
                        n: figures.n,
                    };
                    point.design_effect = figures.design_effect;
                }
                entry.2.push(point);
            }
        }
    }
    for (_, _, points) in series.values_mut() {
        while points.len() < tables.len() {
            points.push(no_data(points.len()));
        }
    }
    let trend_options = TrendOptions::default();
    let mut trends: Vec<TrendSeries> = series
        .into_iter()
        .map(
            |((key, factor_id), (factor_label, factor_kind, points))| TrendSeries {
                key,
                factor_id,
                factor_label,
                factor_kind,
                waves: compute_trend(&points, &trend_options),
            },
        )
        .collect();
    // One family per group, as the profile adjusts the factors of a group:
    // every change of every factor of the group over all waves.
    for group in trends.chunk_by_mut(|a, b| a.key == b.key) {
        adjust_changes(
            group.iter_mut().flat_map(|one| one.waves.iter_mut()),
            trend_options.alpha,
        );
    }
    Ok(trends)
}

/// The profile table behind the results pages and their CSV downloads, from
/// the wave's published result: [`PAGE_BREAKDOWN`], valid questionnaires
/// only, k = 15, compared with `norms` if given, else with the city total
/// (each district against the rest of the city). Errors with
/// [`AnalysisError::Open`] / [`AnalysisError::Preparing`] for waves
/// without a published result.
pub async fn page_profile(
    db: &Db,
    wave: &WaveRow,
    norms: Option<&NormTable>,
) -> Result<Arc<ProfileTable>, AnalysisError> {
    published(db, wave).await?.profile_against(norms)
}

/// The page profile (against `norms` or the city total) weighted to the
/// wave's population counts per school type × grade, with what the weights
/// cover and where the counts came from; `None` if no counts were imported
/// for the wave.
pub async fn weighted_page_profile(
    db: &Db,
    wave: &WaveRow,
    norms: Option<&NormTable>,
) -> Result<
    Option<(
        Arc<crate::domain::analysis::weighting::WeightedProfile>,
        crate::storage::analysis::population::PopulationImport,
    )>,
    AnalysisError,
> {
    use crate::storage::analysis::population;
    let published = published(db, wave).await?;
    let Some(import) = population::import_of(db, wave.wave_id).await? else {
        return Ok(None);
    };
    let counts = population::of_wave(db, wave.wave_id).await?;
    if counts.pupils.is_empty() {
        return Ok(None);
    }
    Ok(Some((published.weighted_against(norms, &counts)?, import)))
}

/// A wave's districts with their model estimates at each grade level.
pub type SmallAreaModels = Vec<(
    Option<u8>,
    Vec<crate::domain::analysis::small_area::FactorModel>,
)>;

/// The Fay–Herriot estimates of a closed wave's districts at each of
/// `grades` (`None` = all grades), fitted to the published profile (against
/// the city) and nothing else, so they never draw on a withheld figure.
/// Returns the municipality's districts too (the models list them in that
/// order), so callers need not read them again for their names.
pub async fn small_area_models(
    db: &Db,
    wave: &WaveRow,
    grades: &[Option<u8>],
) -> Result<
    (
        Arc<ProfileTable>,
        Vec<crate::storage::geography::DistrictRow>,
        SmallAreaModels,
    ),
    AnalysisError,
> {
    let table = page_profile(db, wave, None).await?;
    let districts = crate::storage::geography::districts(db, wave.municipality_id).await?;
    let ids: Vec<i64> = districts.iter().map(|d| d.district_id).collect();
    let models = grades
        .iter()
        .map(|&grade| {
            (
                grade,
                crate::domain::analysis::small_area::district_models(&table, &ids, grade),
            )
        })
        .collect();
    Ok((table, districts, models))
}

/// What a results page compares with: the city total or a stored norm set.
#[derive(Clone, Debug, PartialEq)]
pub enum PageReference {
    /// The city total (the default).
    CityTotal,
    /// A stored norm set of the wave's instrument.
    Norms {
        /// The set (key, label, source).
        set: NormSet,
        /// Its values.
        table: NormTable,
    },
}

impl PageReference {
    /// The norm values, if the reference is a norm set.
    pub fn norms(&self) -> Option<&NormTable> {
        match self {
            PageReference::CityTotal => None,
            PageReference::Norms { table, .. } => Some(table),
        }
    }

    /// The norm set, if the reference is one.
    pub fn set(&self) -> Option<&NormSet> {
        match self {
            PageReference::CityTotal => None,
            PageReference::Norms { set, .. } => Some(set),
        }
    }
}

/// A reference a wave cannot be compared with.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    /// No norm set has this key.
    #[error("there are no reference values with the key \"{key}\" (available here: {available})")]
    Unknown {
        /// The key asked for.
        key: String,
        /// The keys that would work, comma-separated (or "none").
        available: String,
    },
    /// Reading from the database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The analysis itself failed.
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
}

/// The norm sets a wave can be compared with: those of its instrument.
pub async fn wave_norm_sets(db: &Db, wave: &WaveRow) -> Result<Vec<NormSet>, StorageError> {
    let key = instruments::key_of(db, wave.instrument_id).await?;
    norms::for_instrument(db, &key).await
}

/// Resolves the reference asked for in a URL or on the command line: empty
/// or absent = the city total, else the key of a norm set of the wave's
/// instrument (a set of another instrument would name factors the wave does
/// not have, so it counts as unknown).
pub async fn page_reference(
    db: &Db,
    wave: &WaveRow,
    key: Option<&str>,
) -> Result<PageReference, ReferenceError> {
    reference_among(db, &wave_norm_sets(db, wave).await?, key).await
}

/// [`page_reference`] among norm sets the caller has read already (a page
/// also offers them in its selector): empty or absent = the default
/// reference, else the set with this key, whose values are then read.
pub async fn reference_among(
    db: &Db,
    sets: &[NormSet],
    key: Option<&str>,
) -> Result<PageReference, ReferenceError> {
    let Some(key) = key.map(str::trim).filter(|k| !k.is_empty()) else {
        return Ok(PageReference::CityTotal);
    };
    let Some(set) = sets.iter().find(|s| s.key == key).cloned() else {
        let available: Vec<&str> = sets.iter().map(|s| s.key.as_str()).collect();
        return Err(ReferenceError::Unknown {
            key: key.to_string(),
            available: if available.is_empty() {
                "none".to_string()
            } else {
                available.join(", ")
            },
        });
    };
    let values = norms::values(db, set.norm_set_id).await?;
    let table = NormTable::new(set.label.clone(), &values);
    Ok(PageReference::Norms { set, table })
}

/// One factor of a program evaluation: the wave series split into program
/// districts and the others.
#[derive(Clone, Debug, PartialEq)]
pub struct ProgramFactorSeries {
    /// Factor id.
    pub factor_id: String,
    /// Factor label.
    pub label: LocalizedText,
    /// Risk, protective or outcome.
    pub kind: crate::domain::analysis::profile::FactorKind,
    /// One split per wave, oldest first.
    pub waves: Vec<crate::domain::planning::program_outcomes::WaveSplit>,
}

/// The series of `factors` (scale or outcome ids) for the program districts
/// against the other districts of a municipality, per published wave (valid
/// questionnaires, default minimum group size), from the stored results.
/// Factors a wave's instrument lacks enter as withheld; so does a wave in
/// which any district of either group is withheld in the published profile.
pub async fn program_series(
    db: &Db,
    municipality: i64,
    program_districts: &[i64],
    factors: &[String],
    grade: Option<u8>,
) -> Result<Vec<ProgramFactorSeries>, AnalysisError> {
    use crate::domain::analysis::suppression::MinGroupSize;
    use crate::domain::planning::program_outcomes::{SplitWithheld, WaveSplit, split_wave};
    let published = published_waves(db, municipality).await?;
    let waves: Vec<&WaveRow> = published.iter().map(|(wave, _)| wave).collect();
    let mut result: Vec<ProgramFactorSeries> = Vec::new();
    let withheld = |wave: &WaveRow| WaveSplit::withheld(wave.name.clone(), SplitWithheld::NoData);
    for (index, (wave, stored)) in published.iter().enumerate() {
        let table = &stored.profile;
        let minimum = MinGroupSize::new(stored.key.min_group_size)?;
        for factor in factors {
            let Some(factor_index) = table.factors.iter().position(|f| &f.id == factor) else {
                continue;
            };
            let found = &table.factors[factor_index];
            // The published profile decides which districts are shown; the
            // comparison uses the same cells (district × grade, all sexes).
            let shown = |district: i64| {
                table
                    .group(&GroupKey {
                        district: Some(district),
                        school: None,
                        grade,
                        sex: Default::default(),
                    })
                    .and_then(|g| g.factors.get(factor_index))
                    .is_some_and(|cell| cell.is_shown())
            };
            let split = split_wave(
                &stored.cube,
                found.source,
                program_districts,
                grade,
                minimum,
                shown,
            );
            let position = match result.iter().position(|s| &s.factor_id == factor) {
                Some(position) => position,
                None => {
                    result.push(ProgramFactorSeries {
                        factor_id: factor.clone(),
                        label: found.label.clone(),
                        kind: found.kind,
                        waves: Vec::new(),
                    });
                    result.len() - 1
                }
            };
            let series = &mut result[position];
            // Waves whose instrument lacked the factor: withheld.
            while series.waves.len() < index {
                series.waves.push(withheld(waves[series.waves.len()]));
            }
            series.waves.push(WaveSplit::new(wave.name.clone(), split));
        }
    }
    for series in &mut result {
        while series.waves.len() < waves.len() {
            series.waves.push(withheld(waves[series.waves.len()]));
        }
    }
    Ok(result)
}

/// The participation report of a wave as pages, CSV and CLI show it: the
/// one place that decides when `excluded` counts appear (only once the wave
/// has closed, and then protected by suppression; see
/// `domain::survey::participation`). With `school`, only that school's classes and
/// its total (a school contact's "wave total" would be the school again).
pub async fn participation_report(
    db: &Db,
    wave: &WaveRow,
    school: Option<i64>,
) -> Result<Vec<crate::domain::survey::participation::ParticipationRow>, AnalysisError> {
    use crate::domain::analysis::suppression::MinGroupSize;
    use crate::domain::survey::participation::{ExcludedFigures, participation_table};
    let classes =
        crate::storage::survey::access_codes::participation_of(db, wave.wave_id, school).await?;
    let figures = if wave.is_closed() {
        ExcludedFigures::Protected(MinGroupSize::default())
    } else {
        ExcludedFigures::Withheld
    };
    Ok(participation_table(&classes, figures)?
        .into_iter()
        .filter(|row| school.is_none() || row.school.is_some())
        .collect())
}

impl From<ReferenceError> for crate::error::AppError {
    fn from(error: ReferenceError) -> Self {
        match error {
            ReferenceError::Unknown { .. } => {
                crate::error::AppError::InvalidInput(error.to_string())
            }
            ReferenceError::Storage(error) => error.into(),
            ReferenceError::Analysis(error) => {
                tracing::error!(%error, "analysis failed");
                crate::error::AppError::Internal
            }
        }
    }
}

/// One municipality in [`MunicipalityComparison`].
#[derive(Clone, Debug, PartialEq)]
pub struct CityRow {
    /// The municipality.
    pub municipality_id: i64,
    /// Its name.
    pub municipality: String,
    /// The wave its figures come from (its latest published wave).
    pub wave: WaveRow,
    /// Whether the chosen norm set fits the wave's instrument (always
    /// `true` for the pooled comparison).
    pub reference_applies: bool,
    /// Per factor column: the city total's figures (`None` = not surveyed
    /// by this city's instrument, or not shown) and its comparison.
    pub cells: Vec<CityCell>,
}

/// One factor of one city in [`MunicipalityComparison`].
#[derive(Clone, Debug, PartialEq)]
pub struct CityCell {
    /// Whether the city's instrument has the factor at all.
    pub surveyed: bool,
    /// The city total's figures; `None` when not surveyed or withheld.
    pub figures: Option<Figures>,
    /// The comparison with the reference, when there is one.
    pub comparison: Option<FactorComparison>,
}

/// Municipalities side by side: each city's total for one grade (or all)
/// against a norm set, or against the pooled other cities.
#[derive(Clone, Debug, PartialEq)]
pub struct MunicipalityComparison {
    /// Factor columns (union over the cities' instruments, in order of
    /// first appearance).
    pub factors: Vec<FactorInfo>,
    /// Cities with data.
    pub rows: Vec<CityRow>,
    /// Cities without a published wave yet.
    pub without_data: Vec<String>,
    /// Every grade any compared wave surveyed.
    pub grades: Vec<u8>,
    /// The norm set compared with, if any.
    pub norm_set: Option<NormSet>,
    /// Every stored norm set (what the page can offer).
    pub norm_sets: Vec<NormSet>,
}

/// Compares the city totals of `municipalities` (the caller has checked the
/// user may read each) for `grade` (or all grades): with the norm set
/// `reference` if given (cities whose instrument it does not fit are shown
/// without comparison), else each city with the pooled others
/// ([`crate::domain::analysis::regional`]). Each city contributes its latest
/// published wave.
pub async fn municipality_comparison(
    db: &Db,
    municipalities: &[MunicipalityScopeRow],
    grade: Option<u8>,
    reference: Option<&str>,
) -> Result<MunicipalityComparison, ReferenceError> {
    let norm_sets = norms::list(db).await?;
    let norm_set = match reference_among(db, &norm_sets, reference).await? {
        PageReference::CityTotal => None,
        PageReference::Norms { set, table } => Some((table, set)),
    };
    let mut factors: Vec<FactorInfo> = Vec::new();
    let mut grades: Vec<u8> = Vec::new();
    let mut without_data = Vec::new();
    let mut tables = Vec::new();
    for municipality in municipalities {
        let Some(wave) = waves::latest_published(db, municipality.municipality_id).await? else {
            without_data.push(municipality.name.clone());
            continue;
        };
        let instrument_key = instruments::key_of(db, wave.instrument_id).await?;
        let norms = norm_set
            .as_ref()
            .filter(|(_, set)| set.instrument_key == instrument_key)
            .map(|(table, _)| table);
        let reference_applies = norms.is_some() || norm_set.is_none();
        let table = page_profile(db, &wave, norms).await?;
        for factor in &table.factors {
            if !factors.iter().any(|f| f.id == factor.id) {
                factors.push(factor.clone());
            }
        }
        for g in waves::details(db, wave.wave_id).await?.grades {
            if !grades.contains(&g.get()) {
                grades.push(g.get());
            }
        }
        tables.push((municipality, wave, table, reference_applies));
    }
    grades.sort_unstable();
    let key = GroupKey {
        grade,
        ..GroupKey::TOTAL
    };
    let mut rows: Vec<CityRow> = tables
        .into_iter()
        .map(|(municipality, wave, table, reference_applies)| {
            let group = table.group(&key);
            let cells = factors
                .iter()
                .map(|factor| {
                    let index = table.factors.iter().position(|f| f.id == factor.id);
                    let figures = index
                        .and_then(|i| group.and_then(|g| g.factors.get(i)))
                        .and_then(|cell| cell.figures.clone());
                    CityCell {
                        surveyed: index.is_some(),
                        comparison: figures.as_ref().and_then(|f| f.comparison.clone()),
                        figures,
                    }
                })
                .collect();
            CityRow {
                municipality_id: municipality.municipality_id,
                municipality: municipality.name.clone(),
                wave,
                reference_applies,
                cells,
            }
        })
        .collect();
    if norm_set.is_none() {
        let columns: Vec<FactorColumn> = factors
            .iter()
            .map(|f| FactorColumn {
                id: f.id.clone(),
                kind: f.kind,
            })
            .collect();
        let totals: Vec<Vec<Option<ClusteredProportion>>> = rows
            .iter()
            .map(|row| {
                row.cells
                    .iter()
                    .map(|cell| {
                        cell.figures.as_ref().map(|f| ClusteredProportion {
                            proportion: Proportion {
                                count: f.count,
                                n: f.n,
                            },
                            design_effect: f.design_effect,
                        })
                    })
                    .collect()
            })
            .collect();
        let comparisons = compare_with_other_cities(&columns, &totals, &ProfileOptions::default());
        for (row, row_comparisons) in rows.iter_mut().zip(comparisons) {
            for (cell, comparison) in row.cells.iter_mut().zip(row_comparisons) {
                cell.comparison = comparison;
            }
        }
    }
    Ok(MunicipalityComparison {
        factors,
        rows,
        without_data,
        grades,
        norm_set: norm_set.map(|(_, set)| set),
        norm_sets,
    })
}
