//! The validated instrument model: plain data plus cheap lookups.
//!
//! Every cross reference is an index into a vector of the same [`Instrument`]
//! (items point at response sets, scales at items, …). Indices instead of ids
//! keep scoring loops free of string lookups, and the loader guarantees that
//! each index is in range. Values that were deserialized from JSON instead of
//! loaded from TOML are trusted to come from a validated instrument; the
//! accessors below still never panic on a bad index.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A text in every language of the instrument, keyed by language code
/// (`"de"`, `"en"`, …).
///
/// The loader guarantees that a text of a valid instrument has exactly the
/// languages listed in [`Instrument::languages`], none of them empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LocalizedText(pub BTreeMap<String, String>);

impl LocalizedText {
    /// Wraps a map of language code to text.
    pub fn new(translations: BTreeMap<String, String>) -> Self {
        Self(translations)
    }

    /// The text in `lang`, or, if that language is missing, in the first
    /// language present (alphabetical order of the codes), or `""` if the text
    /// has no translation at all.
    ///
    /// The fallback exists so that a UI asked for a language the instrument
    /// does not offer still shows *something* instead of failing.
    pub fn get(&self, lang: &str) -> &str {
        self.0
            .get(lang)
            .or_else(|| self.0.values().next())
            .map_or("", String::as_str)
    }

    /// The text in exactly `lang`, without fallback.
    pub fn translation(&self, lang: &str) -> Option<&str> {
        self.0.get(lang).map(String::as_str)
    }

    /// The language codes present, in alphabetical order.
    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

impl<const N: usize> From<[(&str, &str); N]> for LocalizedText {
    /// Builds a text from `(language, text)` pairs; convenient in tests.
    fn from(pairs: [(&str, &str); N]) -> Self {
        Self(
            pairs
                .iter()
                .map(|(lang, text)| ((*lang).to_owned(), (*text).to_owned()))
                .collect(),
        )
    }
}

/// Which built-in demographic questions the platform asks on the first page.
///
/// These are not items: they are fixed platform questions whose answers are
/// stored in dedicated columns, so reports can break results down by them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Demographics {
    /// Ask for the pupil's sex (female / male / diverse / no answer).
    pub ask_sex: bool,
    /// Ask for the pupil's home district from the municipality's district list.
    pub ask_home_district: bool,
}

/// One answer option of a [`ResponseSet`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseOption {
    /// The numeric value used for scoring (e.g. 1 for "NO!", 4 for "YES!").
    pub value: i32,
    /// What the pupil sees.
    pub label: LocalizedText,
}

/// A named list of answer options shared by many items (e.g. the 4-point
/// "NO! / no / yes / YES!" agreement format).
///
/// Option values are strictly increasing and there are 2..=254 options, so
/// every option fits into one answer byte (see [`super::MISSING_ANSWER`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseSet {
    /// Identifier referenced by items' `response_set`.
    pub id: String,
    /// The options in display order (= increasing value).
    pub options: Vec<ResponseOption>,
}

impl ResponseSet {
    /// The smallest option value (the first option, since values increase);
    /// 0 for a set without options, which a validated instrument never has.
    pub fn min_value(&self) -> i32 {
        self.options.first().map_or(0, |option| option.value)
    }

    /// The largest option value (the last option); 0 for an empty set.
    pub fn max_value(&self) -> i32 {
        self.options.last().map_or(0, |option| option.value)
    }

    /// The value of the option at the **0-based** `option_index`, if any.
    ///
    /// Note the answer byte of that option is `option_index + 1`.
    pub fn value_of(&self, option_index: usize) -> Option<i32> {
        self.options.get(option_index).map(|option| option.value)
    }

    /// The **0-based** index of the option with `value`, if any.
    pub fn option_index_of(&self, value: i32) -> Option<usize> {
        // Values are strictly increasing, so binary search is valid.
        self.options
            .binary_search_by_key(&value, |option| option.value)
            .ok()
    }

    /// Number of options.
    pub fn option_count(&self) -> usize {
        self.options.len()
    }
}

/// One question of the questionnaire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Stable code (`[A-Za-z0-9_]+`), unique in the instrument; scales,
    /// outcomes and validity rules reference items by it.
    pub code: String,
    /// The question text.
    pub text: LocalizedText,
    /// Index into [`Instrument::response_sets`].
    pub response_set: usize,
    /// Reverse-code the value when scoring scales (`min + max - value`).
    /// Outcomes and validity rules always use the raw value.
    pub reverse: bool,
    /// Index into [`Instrument::pages`] of the page showing this item.
    pub page: usize,
}

/// One page of the questionnaire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    /// Identifier, unique among pages.
    pub id: String,
    /// Page heading.
    pub title: LocalizedText,
    /// Optional explanation shown above the items.
    pub intro: Option<LocalizedText>,
    /// Indices into [`Instrument::items`], in display order.
    pub items: Vec<usize>,
}

/// Whether a scale measures risk, protection or an outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScaleKind {
    /// Risk factor: "flagged" means "at risk".
    Risk,
    /// Protective factor: "flagged" means "highly protected".
    Protective,
    /// Outcome scale (e.g. depressive symptoms): "flagged" means "present".
    Outcome,
}

impl ScaleKind {
    /// The spelling used in instrument files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Risk => "risk",
            Self::Protective => "protective",
            Self::Outcome => "outcome",
        }
    }
}

/// The CTC domain a scale belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Domain {
    /// Community (neighbourhood) domain.
    Community,
    /// Family domain.
    Family,
    /// School domain.
    School,
    /// Peer and individual domain.
    PeerIndividual,
    /// Outcome domain; only outcome scales may use it.
    Outcome,
}

impl Domain {
    /// The spelling used in instrument files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Community => "community",
            Self::Family => "family",
            Self::School => "school",
            Self::PeerIndividual => "peer_individual",
            Self::Outcome => "outcome",
        }
    }
}

/// How item values are combined into a scale score.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scoring {
    /// Mean of the answered (reverse-coded where marked) item values.
    #[default]
    Mean,
    /// Sum of the item values.
    Sum,
}

impl Scoring {
    /// The spelling used in instrument files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mean => "mean",
            Self::Sum => "sum",
        }
    }
}

/// On which side of the cut point a score counts as flagged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Flagged when `score >= cut point`.
    #[default]
    High,
    /// Flagged when `score <= cut point`.
    Low,
}

impl Direction {
    /// The spelling used in instrument files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::High => "high",
            Self::Low => "low",
        }
    }
}

/// Scores this close to a cut point count as equal to it.
///
/// Why: a mean computed as `sum / n` and a cut point written as a decimal are
/// both correctly rounded, but a score computed in a different order (e.g.
/// incremental means) may differ in the last bit, which must not change
/// whether a pupil is flagged.
pub const CUT_POINT_TOLERANCE: f64 = 1e-9;

/// The threshold that dichotomises a scale score into flagged / not flagged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CutPoint {
    /// Cut point for grades without an override.
    pub default: f64,
    /// Overrides per grade (1..=13), because CTC cut points are often
    /// calibrated per grade.
    pub by_grade: BTreeMap<u8, f64>,
    /// Which side of the cut point is flagged.
    pub direction: Direction,
}

impl CutPoint {
    /// The cut point that applies to pupils of `grade`.
    pub fn for_grade(&self, grade: u8) -> f64 {
        self.by_grade.get(&grade).copied().unwrap_or(self.default)
    }

    /// Whether `score` of a pupil in `grade` is flagged (at risk / highly
    /// protected / outcome present). A non-finite score is never flagged.
    pub fn flags(&self, score: f64, grade: u8) -> bool {
        if !score.is_finite() {
            return false;
        }
        let cut = self.for_grade(grade);
        match self.direction {
            Direction::High => score >= cut - CUT_POINT_TOLERANCE,
            Direction::Low => score <= cut + CUT_POINT_TOLERANCE,
        }
    }
}

/// A risk, protective or outcome scale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scale {
    /// Identifier (`[a-z0-9_]+`), unique among scales.
    pub id: String,
    /// Risk, protective or outcome.
    pub kind: ScaleKind,
    /// CTC domain.
    pub domain: Domain,
    /// Display name.
    pub label: LocalizedText,
    /// Indices into [`Instrument::items`]; non-empty, no duplicates, all with
    /// the same value range (so reverse coding is well defined).
    pub items: Vec<usize>,
    /// Mean or sum.
    pub scoring: Scoring,
    /// Minimum number of answered items for the score to be computed;
    /// `1..=items.len()`.
    pub min_answered: usize,
    /// Present for every risk and protective scale, optional for outcome scales.
    pub cut_point: Option<CutPoint>,
}

/// Broad group of an outcome indicator, used to arrange reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeGroup {
    /// Alcohol, tobacco, cannabis, other drugs.
    SubstanceUse,
    /// Violent behaviour.
    Violence,
    /// Delinquent behaviour.
    Delinquency,
    /// Mental health (e.g. depressive symptoms).
    MentalHealth,
    /// Anything else.
    Other,
}

impl OutcomeGroup {
    /// The spelling used in instrument files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SubstanceUse => "substance_use",
            Self::Violence => "violence",
            Self::Delinquency => "delinquency",
            Self::MentalHealth => "mental_health",
            Self::Other => "other",
        }
    }
}

/// A prevalence indicator such as "alcohol use in the last 30 days".
///
/// Present if any answered item has a value `>= at_least`; absent if at least
/// one item is answered and none reaches it; missing if all items are missing
/// (see [`OutcomeIndicator::evaluate`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeIndicator {
    /// Identifier, unique among outcomes.
    pub id: String,
    /// Report group.
    pub group: OutcomeGroup,
    /// Display name.
    pub label: LocalizedText,
    /// Indices into [`Instrument::items`]; non-empty, no duplicates.
    pub items: Vec<usize>,
    /// Raw (not reverse-coded) value from which an item counts as "present".
    pub at_least: i32,
}

/// A data-validity rule applied when a questionnaire is finished; a flagged
/// questionnaire is excluded from analyses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ValidityRule {
    /// Identifier, unique among validity rules (reports count exclusions per rule).
    pub id: String,
    /// Display name.
    pub label: LocalizedText,
    /// What is checked.
    pub check: ValidityCheck,
}

/// The check of a [`ValidityRule`]. Item fields are indices into
/// [`Instrument::items`]; values are raw (not reverse-coded) item values. A
/// missing answer never triggers an item-based check. The checks are
/// evaluated by `crate::domain::survey::validity`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ValidityCheck {
    /// Flagged when the honesty item's value is one of `values`.
    Dishonesty {
        /// The honesty item.
        item: usize,
        /// Values that mark a dishonest questionnaire.
        values: Vec<i32>,
    },
    /// Flagged when the fictitious-drug item's value is `>= at_least`.
    FictitiousDrug {
        /// The fictitious-drug item.
        item: usize,
        /// Smallest value that counts as reported use.
        at_least: i32,
    },
    /// Flagged when at least `min_items` of `items` have a value `>= at_least`
    /// (e.g. top frequency on several substances at once).
    ImplausibleUse {
        /// The use-frequency items.
        items: Vec<usize>,
        /// Smallest value that counts as implausible.
        at_least: i32,
        /// How many items must reach `at_least`; `1..=items.len()`.
        min_items: usize,
    },
    /// Flagged when, for any `(recent, lifetime)` pair, both are answered, the
    /// recent value is `> 0` and the lifetime value is `0`.
    InconsistentUse {
        /// `(recent item, lifetime item)` pairs.
        pairs: Vec<(usize, usize)>,
    },
    /// Flagged when the share of answered items among
    /// [`Instrument::scale_items_for_validity`] is `< min_share`.
    TooFewAnswered {
        /// Required share of answered items, `0.0..=1.0`.
        min_share: f64,
    },
    /// Flagged when the completion duration is known and `< min_seconds`.
    TooFast {
        /// Minimum plausible completion time in seconds (`>= 1`).
        min_seconds: u32,
    },
}

impl ValidityCheck {
    /// The `kind` spelling used in instrument files.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::Dishonesty { .. } => "dishonesty",
            Self::FictitiousDrug { .. } => "fictitious_drug",
            Self::ImplausibleUse { .. } => "implausible_use",
            Self::InconsistentUse { .. } => "inconsistent_use",
            Self::TooFewAnswered { .. } => "too_few_answered",
            Self::TooFast { .. } => "too_fast",
        }
    }
}

/// A validated survey instrument (one version of the questionnaire with its
/// scales, outcomes and validity rules).
///
/// Construct it with [`Instrument::from_toml_str`] or
/// [`Instrument::from_file`], which check every rule listed in
/// `docs/instrument-format.md`. The serde impls exist to store and transmit a
/// validated instrument (e.g. a snapshot per survey wave); deserializing does
/// not re-validate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Instrument {
    /// Identifier (`[a-z0-9_-]+`); together with `version` it identifies an
    /// instrument version.
    pub id: String,
    /// Free, non-empty version string.
    pub version: String,
    /// Title.
    pub title: LocalizedText,
    /// Optional description.
    pub description: Option<LocalizedText>,
    /// Languages every text is available in; the first is the default.
    pub languages: Vec<String>,
    /// Further languages of the questionnaire only: the texts a pupil reads
    /// (title, pages, items, options) carry them, reports do not.
    #[serde(default)]
    pub questionnaire_languages: Vec<String>,
    /// Marks a demonstration instrument (not the licensed CTC questionnaire).
    pub demonstration: bool,
    /// Built-in demographic questions to ask.
    pub demographics: Demographics,
    /// Response sets, in file order.
    pub response_sets: Vec<ResponseSet>,
    /// Pages in questionnaire order.
    pub pages: Vec<Page>,
    /// All items of all pages, flattened in questionnaire order. The answer
    /// vector of a pupil has one byte per entry, in this order.
    pub items: Vec<Item>,
    /// Scales in file order.
    pub scales: Vec<Scale>,
    /// Outcome indicators in file order.
    pub outcomes: Vec<OutcomeIndicator>,
    /// Validity rules in file order.
    pub validity_rules: Vec<ValidityRule>,
}

/// Returned by [`Instrument::response_set_of`] for an out-of-range index so
/// that the accessor cannot panic; having no options, it makes every non-zero
/// answer byte fail to decode.
static NO_RESPONSE_SET: ResponseSet = ResponseSet {
    id: String::new(),
    options: Vec::new(),
};

impl Instrument {
    /// The default language (the first listed); `""` if none is listed, which
    /// a validated instrument never has.
    pub fn default_language(&self) -> &str {
        self.languages.first().map_or("", String::as_str)
    }

    /// Every language a pupil can answer in: `languages`, then
    /// `questionnaire_languages`.
    pub fn questionnaire_language_codes(&self) -> impl Iterator<Item = &str> {
        self.languages
            .iter()
            .chain(&self.questionnaire_languages)
            .map(String::as_str)
    }

    /// Whether pupils can answer in `language`.
    pub fn offers_questionnaire_language(&self, language: &str) -> bool {
        self.questionnaire_language_codes()
            .any(|offered| offered == language)
    }

    /// Index of the item with `code`.
    pub fn item_index(&self, code: &str) -> Option<usize> {
        self.items.iter().position(|item| item.code == code)
    }

    /// The item at `index`.
    pub fn item(&self, index: usize) -> Option<&Item> {
        self.items.get(index)
    }

    /// The scale with `id`.
    pub fn scale(&self, id: &str) -> Option<&Scale> {
        self.scales.iter().find(|scale| scale.id == id)
    }

    /// Index of the scale with `id` in [`Instrument::scales`].
    pub fn scale_index(&self, id: &str) -> Option<usize> {
        self.scales.iter().position(|scale| scale.id == id)
    }

    /// The outcome indicator with `id`.
    pub fn outcome(&self, id: &str) -> Option<&OutcomeIndicator> {
        self.outcomes.iter().find(|outcome| outcome.id == id)
    }

    /// The validity rule with `id`.
    pub fn validity_rule(&self, id: &str) -> Option<&ValidityRule> {
        self.validity_rules.iter().find(|rule| rule.id == id)
    }

    /// The response set with `id`.
    pub fn response_set(&self, id: &str) -> Option<&ResponseSet> {
        self.response_sets.iter().find(|set| set.id == id)
    }

    /// The response set of the item at `item_index`, if the index is valid.
    pub fn try_response_set_of(&self, item_index: usize) -> Option<&ResponseSet> {
        self.items
            .get(item_index)
            .and_then(|item| self.response_sets.get(item.response_set))
    }

    /// The response set of the item at `item_index`.
    ///
    /// Indices come from this instrument, so they are valid; for an invalid
    /// index this returns an empty response set instead of panicking (use
    /// [`Instrument::try_response_set_of`] to detect that case).
    pub fn response_set_of(&self, item_index: usize) -> &ResponseSet {
        self.try_response_set_of(item_index)
            .unwrap_or(&NO_RESPONSE_SET)
    }

    /// Items of all risk and protective scales, deduplicated, in
    /// questionnaire order. The `too_few_answered` validity rule measures the
    /// share of answered items among these.
    pub fn scale_items_for_validity(&self) -> Vec<usize> {
        let mut items: Vec<usize> = self
            .scales
            .iter()
            .filter(|scale| matches!(scale.kind, ScaleKind::Risk | ScaleKind::Protective))
            .flat_map(|scale| scale.items.iter().copied())
            .collect();
        items.sort_unstable();
        items.dedup();
        items
    }

    /// The smallest and largest possible score of `scale`: `[min, max]` of the
    /// items' value range for mean scoring, `[n·min, n·max]` for sum scoring
    /// with `n` items. `None` if the scale has no items.
    pub fn scale_score_range(&self, scale: &Scale) -> Option<(f64, f64)> {
        let first = *scale.items.first()?;
        let set = self.try_response_set_of(first)?;
        let (min, max) = (f64::from(set.min_value()), f64::from(set.max_value()));
        Some(match scale.scoring {
            Scoring::Mean => (min, max),
            Scoring::Sum => {
                // Item counts are tiny; the conversion is exact far beyond them.
                let n = scale.items.len() as f64;
                (n * min, n * max)
            }
        })
    }
}
