//! The published result of a closed wave: everything the results pages and
//! CSVs show, computed once from the wave's frozen responses.
//!
//! Results are published only once a wave is closed (docs/privacy.md):
//! while pupils can still answer, two readings of the same table a few
//! minutes apart would give the newest pupil's answers by subtraction. Once
//! the wave is closed its responses no longer change through the survey, so
//! the analysis is computed once, stored, and read by every request
//! (docs/performance.md). A late import or a changed setting makes the
//! stored result stale; it is then rebuilt, never on a page request.

use crate::domain::analysis::aggregate::{
    AggregateOptions, Cube, Dimension, Respondent, aggregate_with_plan, exclusion_counts,
    scale_item_matrix,
};
use crate::domain::analysis::report::{
    ProfileTable, ReportOptions, build_profile_table, default_cut_point_set, profile_factors,
};
use crate::domain::analysis::scoring::ScoringPlan;
use crate::domain::analysis::stats::{AlphaEstimate, IccEstimate, Proportion, cronbach_alpha};
use crate::domain::analysis::suppression::{MinGroupSize, SuppressionError};
use crate::domain::analysis::weighting::{StratumTallies, tally_strata};
use crate::domain::survey::instrument::Instrument;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the analysis code. Raise it whenever a change alters what a
/// stored result contains or means; every stored result with an older
/// version is then rebuilt when the server starts.
pub const ENGINE_VERSION: u32 = 3;

/// The breakdown every results page uses. One breakdown for all pages means
/// one suppression pattern: a cell hidden on the profile is hidden in the
/// comparison, the trend, the program outcomes and the CSV too.
pub const PAGE_BREAKDOWN: [Dimension; 3] = [Dimension::District, Dimension::Grade, Dimension::Sex];

/// Data quality of a wave: exclusions, reliability, item non-response.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QualityReport {
    /// Questionnaires stored for the wave.
    pub responses: u64,
    /// Questionnaires flagged by at least one validity rule (excluded).
    pub excluded: u64,
    /// Flags per validity rule id (a questionnaire can have several).
    pub exclusions_by_rule: BTreeMap<String, u64>,
    /// Per scale: id and Cronbach's alpha with its Feldt interval (valid
    /// questionnaires; `None` when not estimable).
    pub alpha: Vec<(String, Option<AlphaEstimate>)>,
    /// Per item: code and the share of valid questionnaires that skipped it.
    pub item_missing: Vec<(String, Option<Proportion>)>,
    /// Per profile factor: how strongly answers cluster in classes.
    pub clustering: Vec<FactorClustering>,
}

/// The class clustering of one profile factor in a wave (docs/statistics.md
/// §1.2): what its design effects are computed from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FactorClustering {
    /// Scale or outcome id.
    pub factor_id: String,
    /// The intra-class correlation over classes within district × grade;
    /// `None` if not estimable (design effects are then 1).
    pub icc: Option<IccEstimate>,
    /// Pupils with an answer in the city total.
    pub n: u64,
    /// The size-weighted mean class size `Σ n_c² / n` of the city total.
    pub weighted_class_size: Option<f64>,
    /// The city total's design effect.
    pub design_effect: f64,
}

/// What a result was computed with. Two results with the same key computed
/// from the same responses are equal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultKey {
    /// [`ENGINE_VERSION`] at the time of the build.
    pub engine: u32,
    /// `<instrument id> <version>`.
    pub instrument: String,
    /// The cut-point set the flags come from.
    pub cut_points: String,
    /// The validity rule set (it travels with the instrument version).
    pub validity_rules: String,
    /// The minimum group size `k`.
    pub min_group_size: u64,
}

impl ResultKey {
    /// The key of a result computed today for `instrument` with its own cut
    /// points and the minimum group size `k`.
    pub fn current(instrument: &Instrument, k: MinGroupSize) -> Self {
        Self::with_cut_points(instrument, &default_cut_point_set(instrument), k)
    }

    /// The key of a result computed today for `instrument` scored with the
    /// cut-point set `cut_point_set` (its id, e.g. `"kalibriert v2"`).
    pub fn with_cut_points(instrument: &Instrument, cut_point_set: &str, k: MinGroupSize) -> Self {
        Self {
            engine: ENGINE_VERSION,
            instrument: format!("{} {}", instrument.id, instrument.version),
            cut_points: cut_point_set.to_string(),
            validity_rules: format!("{} {}", instrument.id, instrument.version),
            min_group_size: k.get(),
        }
    }

    /// The key as one line of text (stored next to the result, so that a
    /// stale result is found without decoding it).
    pub fn as_text(&self) -> String {
        format!(
            "engine={};instrument={};cut_points={};validity_rules={};k={}",
            self.engine, self.instrument, self.cut_points, self.validity_rules, self.min_group_size
        )
    }
}

/// Everything published about one closed wave.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublishedWave {
    /// What it was computed with.
    pub key: ResultKey,
    /// The valid questionnaires aggregated by [`PAGE_BREAKDOWN`]: the base
    /// of comparisons with norm sets and of program outcomes.
    pub cube: Cube,
    /// The privacy-safe profile against the city total (the default
    /// reference of every page and CSV).
    pub profile: ProfileTable,
    /// The quality figures.
    pub quality: QualityReport,
    /// Answers per district × grade × sex × school type: the input of
    /// post-stratification weights (`weighting`), never shown itself.
    pub strata: StratumTallies,
}

/// One stored questionnaire as publication reads it: the aggregation's view
/// plus the ids of the validity rules that flagged it.
pub trait PublicationInput {
    /// The questionnaire for the aggregation.
    fn respondent(&self) -> Respondent<'_>;
    /// Validity rule ids that flagged it (empty = valid).
    fn validity_flags(&self) -> &[String];
}

/// Computes the published result of a wave from all its questionnaires.
///
/// Pure and deterministic: the same responses give the same result, which
/// is what makes a stored result interchangeable with a fresh computation.
pub fn publish<R: PublicationInput>(
    instrument: &Instrument,
    responses: &[R],
    k: MinGroupSize,
) -> Result<PublishedWave, SuppressionError> {
    publish_with_cut_points(
        instrument,
        &default_cut_point_set(instrument),
        responses,
        &BTreeMap::new(),
        k,
    )
}

/// [`publish`] with a cut-point set of its own: `instrument` carries the
/// set's values already (`CutPointSet::apply_to`), `cut_point_set` is the
/// set's id, which the key, the profile and every CSV then name.
/// `school_types` maps school ids to their type, the post-strata of
/// weighting ([`publish`] knows none).
pub fn publish_with_cut_points<R: PublicationInput>(
    instrument: &Instrument,
    cut_point_set: &str,
    responses: &[R],
    school_types: &BTreeMap<i64, String>,
    k: MinGroupSize,
) -> Result<PublishedWave, SuppressionError> {
    let plan = ScoringPlan::new(instrument);
    let respondents = || responses.iter().map(PublicationInput::respondent);
    let cube = aggregate_with_plan(
        &plan,
        respondents(),
        &PAGE_BREAKDOWN,
        AggregateOptions::default(),
    );
    let key = ResultKey::with_cut_points(instrument, cut_point_set, k);
    let options = ReportOptions {
        min_group_size: k,
        ..ReportOptions::default()
    };
    let profile = build_profile_table(instrument, &cube, &key.cut_points, &options)?;
    let quality = quality_report(instrument, &plan, &cube, responses);
    let strata = tally_strata(instrument, &plan, respondents(), school_types);
    Ok(PublishedWave {
        key,
        cube,
        profile,
        quality,
        strata,
    })
}

/// The quality report; `cube` holds the valid questionnaires (its total is
/// the item non-response base).
fn quality_report<R: PublicationInput>(
    instrument: &Instrument,
    plan: &ScoringPlan,
    cube: &Cube,
    responses: &[R],
) -> QualityReport {
    let respondents = || responses.iter().map(PublicationInput::respondent);
    let alpha = instrument
        .scales
        .iter()
        .enumerate()
        .map(|(index, scale)| {
            let matrix = scale_item_matrix(plan, respondents(), index, AggregateOptions::default());
            (scale.id.clone(), cronbach_alpha(&matrix))
        })
        .collect();
    let item_missing = instrument
        .items
        .iter()
        .enumerate()
        .map(|(index, item)| (item.code.clone(), cube.item_missing(index)))
        .collect();
    let total = cube.total();
    let clustering = profile_factors(instrument)
        .into_iter()
        .map(|factor| {
            let n = factor.source.proportion(total).n;
            let squares = factor.source.cluster_size_squares(total);
            let icc = factor.source.icc(cube);
            FactorClustering {
                factor_id: factor.id,
                icc,
                n,
                weighted_class_size: (n > 0).then(|| squares as f64 / n as f64),
                design_effect: Cube::design_effect(n, squares, icc),
            }
        })
        .collect();
    QualityReport {
        clustering,
        responses: responses.len() as u64,
        excluded: responses
            .iter()
            .filter(|r| !r.validity_flags().is_empty())
            .count() as u64,
        exclusions_by_rule: exclusion_counts(responses.iter().map(|r| r.validity_flags().iter())),
        alpha,
        item_missing,
    }
}

/// A stored result could not be read back.
#[cfg(feature = "ssr")]
#[derive(Debug, thiserror::Error)]
#[error("the stored result cannot be decoded: {0}")]
pub struct DecodeError(String);

#[cfg(feature = "ssr")]
impl PublishedWave {
    /// The stored form (postcard: compact, and decoding is fast enough to
    /// load a 250,000-pupil wave's result in milliseconds).
    pub fn encode(&self) -> Vec<u8> {
        // Serialising plain data into a Vec cannot fail.
        postcard::to_stdvec(self).unwrap_or_default()
    }

    /// Reads the stored form back.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        postcard::from_bytes(bytes).map_err(|e| DecodeError(e.to_string()))
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests;
