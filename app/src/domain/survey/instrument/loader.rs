//! Loading and validating an instrument from TOML.
//!
//! The loader works in one walk over the span-annotated TOML tree, in
//! dependency order (header → response sets → pages and items → scales →
//! outcomes → validity rules), so every reference can be resolved against the
//! parts read before it, regardless of where they stand in the file. Each
//! part is kept as `Option`: `None` means an error was reported for it, and
//! later checks that depend on it are skipped, so one mistake does not cause a
//! cascade of follow-up errors. The instrument is only assembled if no error
//! at all was reported.
//!
//! The rules checked here are listed in `docs/instrument-format.md`; keep the
//! two in sync.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use toml::Spanned;
use toml::de::{DeArray, DeTable};

use super::error::{InstrumentError, InstrumentErrors};
use super::model::{
    CutPoint, Demographics, Direction, Domain, Instrument, Item, LocalizedText, OutcomeGroup,
    OutcomeIndicator, Page, ResponseOption, ResponseSet, Scale, ScaleKind, Scoring, ValidityCheck,
    ValidityRule,
};
use super::reader::{
    Diagnostics, Node, TableView, check_identifier, choice, describe, integer, list, number,
    string, table,
};

/// Keys allowed at the top level of an instrument file.
const TOP_LEVEL_KEYS: &[&str] = &[
    "instrument",
    "demographics",
    "response_sets",
    "pages",
    "scales",
    "outcomes",
    "validity_rules",
];

/// Fewest options of a response set: one option is not a question.
const MIN_OPTIONS: usize = 2;
/// Most options of a response set: option positions 1..=254 must fit into an
/// answer byte (0 = missing).
const MAX_OPTIONS: usize = 254;
/// Grades that may carry their own cut point.
const GRADES: std::ops::RangeInclusive<u8> = 1..=13;

const SCALE_KINDS: &[(&str, ScaleKind)] = &[
    ("risk", ScaleKind::Risk),
    ("protective", ScaleKind::Protective),
    ("outcome", ScaleKind::Outcome),
];
const DOMAINS: &[(&str, Domain)] = &[
    ("community", Domain::Community),
    ("family", Domain::Family),
    ("school", Domain::School),
    ("peer_individual", Domain::PeerIndividual),
    ("outcome", Domain::Outcome),
];
const SCORINGS: &[(&str, Scoring)] = &[("mean", Scoring::Mean), ("sum", Scoring::Sum)];
const DIRECTIONS: &[(&str, Direction)] = &[("high", Direction::High), ("low", Direction::Low)];
const OUTCOME_GROUPS: &[(&str, OutcomeGroup)] = &[
    ("substance_use", OutcomeGroup::SubstanceUse),
    ("violence", OutcomeGroup::Violence),
    ("delinquency", OutcomeGroup::Delinquency),
    ("mental_health", OutcomeGroup::MentalHealth),
    ("other", OutcomeGroup::Other),
];

/// The kinds of validity rules and the keys each one takes besides the
/// common `id`, `kind` and `label`.
const RULE_KINDS: &[(&str, &[&str])] = &[
    ("dishonesty", &["item", "values"]),
    ("fictitious_drug", &["item", "at_least"]),
    ("implausible_use", &["items", "at_least", "min_items"]),
    ("inconsistent_use", &["pairs"]),
    ("too_few_answered", &["min_share"]),
    ("too_fast", &["min_seconds"]),
];
const RULE_COMMON_KEYS: &[&str] = &["id", "kind", "label"];

fn is_instrument_id_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-'
}
const INSTRUMENT_ID_CHARS: &str = "lower-case letters a-z, digits, '_' and '-'";

fn is_item_code_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}
const ITEM_CODE_CHARS: &str = "letters A-Z/a-z, digits and '_'";

fn is_scale_id_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'
}
const SCALE_ID_CHARS: &str = "lower-case letters a-z, digits and '_'";

/// Response sets, pages, outcomes and validity rules: ids end up in URLs,
/// CSV headers and database keys, so no spaces or punctuation.
fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}
const ID_CHARS: &str = "letters A-Z/a-z, digits, '_' and '-'";

fn is_language_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}
const LANGUAGE_CHARS: &str = "letters, digits and '-' (e.g. \"de\", \"en\")";

impl Instrument {
    /// Parses and validates an instrument from TOML `source`; `file_name` is
    /// only used in error locations.
    ///
    /// On failure, returns every error found (syntax errors only, if the TOML
    /// itself is malformed, since the structure behind a syntax error cannot
    /// be trusted). Never returns a partially valid instrument.
    pub fn from_toml_str(source: &str, file_name: &str) -> Result<Instrument, InstrumentErrors> {
        let mut d = Diagnostics::new(file_name, source);
        let (root, syntax_errors) = DeTable::parse_recoverable(source);
        if !syntax_errors.is_empty() {
            for error in &syntax_errors {
                d.report_syntax(error.span(), error.message());
            }
            return Err(InstrumentErrors {
                errors: d.into_errors(),
            });
        }
        let view = TableView {
            table: root.get_ref(),
            span: root.span(),
            path: String::new(),
        };
        let mut loader = Loader::new(d);
        let instrument = loader.load(&view);
        let mut d = loader.d;
        match instrument {
            Some(instrument) if !d.has_errors() => Ok(instrument),
            _ => {
                if !d.has_errors() {
                    // Every `None` above comes with a reported error; this is
                    // a safety net so a loader bug can never yield `Ok` with
                    // missing parts or an empty error list.
                    d.report(&(0..0), "", "internal error: instrument incomplete");
                }
                Err(InstrumentErrors {
                    errors: d.into_errors(),
                })
            }
        }
    }

    /// Reads and validates the instrument file at `path`. Errors name the
    /// file as `path.display()`; an unreadable file yields one error with
    /// line 0.
    pub fn from_file(path: &Path) -> Result<Instrument, InstrumentErrors> {
        let file_name = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(source) => Self::from_toml_str(&source, &file_name),
            Err(error) => Err(InstrumentErrors {
                errors: vec![InstrumentError {
                    file: file_name,
                    line: 0,
                    column: 0,
                    key: String::new(),
                    message: format!("cannot read the instrument file: {error}"),
                }],
            }),
        }
    }
}

/// The `[instrument]` table once read.
struct Header {
    id: String,
    version: String,
    title: LocalizedText,
    description: Option<LocalizedText>,
    languages: Vec<String>,
    questionnaire_languages: Vec<String>,
    demonstration: bool,
}

/// An item as far as it could be read; `response_set` is kept separately so
/// scales can check value ranges even if the item has other errors.
struct ItemDraft {
    item: Option<Item>,
    response_set: Option<usize>,
}

/// A resolved reference to an item inside a list.
struct ItemRef {
    index: usize,
    span: Range<usize>,
    path: String,
}

/// A list of item references as far as it could be read.
struct ItemRefList {
    /// Number of entries in the file (for range checks like `min_answered`).
    len: usize,
    /// All entries, or `None` if any entry had an error.
    refs: Option<Vec<ItemRef>>,
}

/// Reads one element of a top-level list: `(loader, node, path, position,
/// ids seen so far in this list)`.
type ListReader<'s, T> = fn(
    &mut Loader<'s>,
    &Node<'_>,
    String,
    usize,
    &mut BTreeMap<String, FirstDefinition>,
) -> Option<T>;

/// Where an id was first defined, for "duplicate" messages.
struct FirstDefinition {
    index: usize,
    offset: usize,
}

struct Loader<'s> {
    d: Diagnostics<'s>,
    /// `None` if `instrument.languages` is invalid: translation checks are
    /// then skipped instead of producing an error for every text.
    languages: Option<Vec<String>>,
    /// `instrument.questionnaire_languages`: further languages of the texts
    /// a pupil reads (title, pages, items, options); `None` if invalid.
    questionnaire_languages: Option<Vec<String>>,
    response_sets: Vec<Option<ResponseSet>>,
    response_set_ids: BTreeMap<String, FirstDefinition>,
    items: Vec<ItemDraft>,
    item_codes: BTreeMap<String, FirstDefinition>,
    /// Whether any scale declares itself risk or protective, which
    /// `too_few_answered` needs as its basis.
    has_risk_or_protective_scale: bool,
}

impl<'s> Loader<'s> {
    fn new(d: Diagnostics<'s>) -> Self {
        Self {
            d,
            languages: None,
            questionnaire_languages: None,
            response_sets: Vec::new(),
            response_set_ids: BTreeMap::new(),
            items: Vec::new(),
            item_codes: BTreeMap::new(),
            has_risk_or_protective_scale: false,
        }
    }

    fn load(&mut self, root: &TableView<'_, '_>) -> Option<Instrument> {
        root.check_keys(&mut self.d, TOP_LEVEL_KEYS);
        let header = self.header(root);
        let demographics = self.demographics(root);

        if let Some((array, span, path)) = root.req_array(&mut self.d, "response_sets") {
            self.non_empty(array, &span, &path, "at least one response set");
            for (index, node) in array.iter().enumerate() {
                let set = self.response_set(node, format!("{path}[{index}]"));
                self.response_sets.push(set);
            }
        }

        let mut pages = Vec::new();
        if let Some((array, span, path)) = root.req_array(&mut self.d, "pages") {
            self.non_empty(array, &span, &path, "at least one page");
            let mut page_ids = BTreeMap::new();
            for (index, node) in array.iter().enumerate() {
                let page = self.page(node, format!("{path}[{index}]"), index, &mut page_ids);
                pages.push(page);
            }
        }

        let scales = self.list_of(root, "scales", Self::scale);
        let outcomes = self.list_of(root, "outcomes", Self::outcome);
        let validity_rules = self.list_of(root, "validity_rules", Self::validity_rule);

        // Assemble only if everything is present; errors were reported for
        // every missing part.
        let header = header?;
        let response_sets = self
            .response_sets
            .iter()
            .cloned()
            .collect::<Option<Vec<_>>>()?;
        let items = self
            .items
            .iter()
            .map(|draft| draft.item.clone())
            .collect::<Option<Vec<_>>>()?;
        Some(Instrument {
            id: header.id,
            version: header.version,
            title: header.title,
            description: header.description,
            languages: header.languages,
            questionnaire_languages: header.questionnaire_languages,
            demonstration: header.demonstration,
            demographics: demographics?,
            response_sets,
            pages: pages.into_iter().collect::<Option<Vec<_>>>()?,
            items,
            scales: scales?,
            outcomes: outcomes?,
            validity_rules: validity_rules?,
        })
    }

    // ----- generic helpers -------------------------------------------------

    /// Reads an optional array of tables with `read` for each element; an
    /// absent key means an empty list. `None` if any element had an error.
    fn list_of<T>(
        &mut self,
        root: &TableView<'_, '_>,
        key: &str,
        read: ListReader<'s, T>,
    ) -> Option<Vec<T>> {
        let Some((array, _, path)) = root.opt_array(&mut self.d, key) else {
            // Absent (fine: empty list) or not an array (error reported).
            return if root.get(key).is_some() {
                None
            } else {
                Some(Vec::new())
            };
        };
        let mut ids = BTreeMap::new();
        let mut complete = true;
        let mut values = Vec::new();
        for (index, node) in array.iter().enumerate() {
            match read(self, node, format!("{path}[{index}]"), index, &mut ids) {
                Some(value) => values.push(value),
                None => complete = false,
            }
        }
        complete.then_some(values)
    }

    /// Reports an empty array that must not be empty.
    fn non_empty(&mut self, array: &DeArray<'_>, span: &Range<usize>, path: &str, need: &str) {
        if array.is_empty() {
            self.d
                .report(span, path, format!("the list is empty; {need} is needed"));
        }
    }

    /// Reads a required identifier (`id`) and checks its characters and
    /// uniqueness against `seen`; registers it under `index` if new.
    fn unique_id(
        &mut self,
        t: &TableView<'_, '_>,
        key: &str,
        what: &str,
        (allowed, description): (fn(char) -> bool, &str),
        seen: &mut BTreeMap<String, FirstDefinition>,
        index: usize,
    ) -> Option<String> {
        let id = t.req_string(&mut self.d, key)?;
        let path = t.child_path(key);
        if !check_identifier(&mut self.d, &id, &path, allowed, description) {
            return None;
        }
        if let Some(first) = seen.get(id.get_ref().as_str()) {
            let line = self.d.line_of(first.offset);
            self.d.report(
                &id.span(),
                &path,
                format!(
                    "duplicate {what} \"{}\" (first defined at line {line})",
                    id.get_ref()
                ),
            );
            return None;
        }
        seen.insert(
            id.get_ref().clone(),
            FirstDefinition {
                index,
                offset: id.span().start,
            },
        );
        Some(id.into_inner())
    }

    /// Reads a localized text only coordinators and reports show: a table
    /// mapping every language of `instrument.languages` (and no other) to a
    /// non-empty string.
    fn text(&mut self, t: &TableView<'_, '_>, key: &str, required: bool) -> Option<LocalizedText> {
        self.text_in(t, key, required, false)
    }

    /// Reads a localized text a pupil reads: it needs the languages of
    /// `instrument.languages` and of `instrument.questionnaire_languages`.
    fn questionnaire_text(
        &mut self,
        t: &TableView<'_, '_>,
        key: &str,
        required: bool,
    ) -> Option<LocalizedText> {
        self.text_in(t, key, required, true)
    }

    fn text_in(
        &mut self,
        t: &TableView<'_, '_>,
        key: &str,
        required: bool,
        questionnaire: bool,
    ) -> Option<LocalizedText> {
        // The languages this text must have, and the list an error names.
        let expected: Option<(Vec<String>, &str)> = match (&self.languages, questionnaire) {
            (Some(languages), false) => Some((languages.clone(), "instrument.languages")),
            (Some(languages), true) => self.questionnaire_languages.as_ref().map(|more| {
                let lists = if more.is_empty() {
                    "instrument.languages"
                } else {
                    "instrument.languages and instrument.questionnaire_languages"
                };
                (languages.iter().chain(more).cloned().collect(), lists)
            }),
            (None, _) => None,
        };
        let node = if required {
            t.required(&mut self.d, key)?
        } else {
            t.get(key)?
        };
        let path = t.child_path(key);
        let Some(translations) = node.get_ref().as_table() else {
            self.d.report(
                &node.span(),
                &path,
                format!(
                    "expected a table of translations like {{ de = \"…\", en = \"…\" }}, found {}",
                    describe(node.get_ref())
                ),
            );
            return None;
        };
        let mut map = BTreeMap::new();
        let mut ok = true;
        for (language, value) in translations.iter() {
            let language: &str = language.get_ref();
            let text_path = format!("{path}.{language}");
            if let Some((languages, lists)) = &expected
                && !languages.iter().any(|listed| listed == language)
            {
                let hint = if !questionnaire
                    && self
                        .questionnaire_languages
                        .as_ref()
                        .is_some_and(|more| more.iter().any(|listed| listed == language))
                {
                    "; questionnaire_languages are only for texts pupils read"
                } else {
                    ""
                };
                self.d.report(
                    &value.span(),
                    &text_path,
                    format!(
                        "language \"{language}\" is not listed in {lists} ({}){hint}",
                        list(languages)
                    ),
                );
                ok = false;
                continue;
            }
            match string(&mut self.d, value, &text_path) {
                Some(text) if text.get_ref().trim().is_empty() => {
                    self.d.report(&text.span(), &text_path, "the text is empty");
                    ok = false;
                }
                Some(text) => {
                    map.insert(language.to_owned(), text.into_inner());
                }
                None => ok = false,
            }
        }
        if let Some((languages, lists)) = &expected {
            let missing: Vec<String> = languages
                .iter()
                .filter(|language| !translations.contains_key(language.as_str()))
                .map(|language| format!("\"{language}\""))
                .collect();
            if !missing.is_empty() {
                let plural = if missing.len() == 1 { "" } else { "s" };
                self.d.report(
                    &node.span(),
                    &path,
                    format!(
                        "missing {} translation{plural} (every text needs all languages of {lists}: {})",
                        missing.join(", "),
                        list(languages)
                    ),
                );
                ok = false;
            }
        }
        ok.then_some(LocalizedText(map))
    }

    /// Resolves an item code to its index.
    fn item_ref(&mut self, node: &Node<'_>, path: String) -> Option<ItemRef> {
        let code = string(&mut self.d, node, &path)?;
        match self.item_codes.get(code.get_ref().as_str()) {
            Some(first) => Some(ItemRef {
                index: first.index,
                span: code.span(),
                path,
            }),
            None => {
                self.d.report(
                    &code.span(),
                    &path,
                    format!(
                        "unknown item code \"{}\" (no item with this code in any page)",
                        code.get_ref()
                    ),
                );
                None
            }
        }
    }

    /// Reads a required, non-empty list of distinct item codes.
    fn item_refs(&mut self, t: &TableView<'_, '_>, key: &str) -> Option<ItemRefList> {
        let (array, span, path) = t.req_array(&mut self.d, key)?;
        self.non_empty(array, &span, &path, "at least one item");
        let mut refs = Some(Vec::with_capacity(array.len()));
        for (index, node) in array.iter().enumerate() {
            let reference = self.item_ref(node, format!("{path}[{index}]"));
            match (reference, refs.as_mut()) {
                (Some(reference), Some(list)) => {
                    if list
                        .iter()
                        .any(|other: &ItemRef| other.index == reference.index)
                    {
                        let code = self.item_code(reference.index);
                        self.d.report(
                            &reference.span,
                            &reference.path,
                            format!("item \"{code}\" is listed twice"),
                        );
                        refs = None;
                    } else {
                        list.push(reference);
                    }
                }
                _ => refs = None,
            }
        }
        if array.is_empty() {
            refs = None;
        }
        Some(ItemRefList {
            len: array.len(),
            refs,
        })
    }

    /// Code of a registered item, for messages.
    fn item_code(&self, index: usize) -> String {
        self.item_codes
            .iter()
            .find(|(_, first)| first.index == index)
            .map(|(code, _)| code.clone())
            .unwrap_or_default()
    }

    /// The response set of an item, if both could be read.
    fn item_set(&self, index: usize) -> Option<&ResponseSet> {
        let set = self.items.get(index)?.response_set?;
        self.response_sets.get(set)?.as_ref()
    }

    /// Checks that `at_least` lies above the smallest and at most at the
    /// largest value of the item's response set: otherwise every answer, or
    /// no answer, would count, which is certainly a mistake.
    fn check_at_least(&mut self, at_least: &Spanned<i64>, path: &str, item: usize) {
        let Some(set) = self.item_set(item) else {
            return;
        };
        let (min, max, set_id) = (set.min_value(), set.max_value(), set.id.clone());
        let code = self.item_code(item);
        let value = *at_least.get_ref();
        if value <= i64::from(min) {
            self.d.report(
                &at_least.span(),
                path,
                format!(
                    "at_least {value} is reached by every answer of item \"{code}\" (response set \"{set_id}\" has values {min}..{max}); use a value above {min}"
                ),
            );
        } else if value > i64::from(max) {
            self.d.report(
                &at_least.span(),
                path,
                format!(
                    "at_least {value} is never reached by item \"{code}\" (response set \"{set_id}\" has values {min}..{max})"
                ),
            );
        }
    }

    /// Reads a required `at_least` as `i32`.
    fn at_least(&mut self, t: &TableView<'_, '_>) -> Option<Spanned<i64>> {
        let value = t.req_integer(&mut self.d, "at_least")?;
        if i32::try_from(*value.get_ref()).is_err() {
            self.d.report(
                &value.span(),
                &t.child_path("at_least"),
                format!("at_least {} is out of range", value.get_ref()),
            );
            return None;
        }
        Some(value)
    }

    // ----- sections --------------------------------------------------------

    fn header(&mut self, root: &TableView<'_, '_>) -> Option<Header> {
        let node = root.required(&mut self.d, "instrument")?;
        let t = table(&mut self.d, node, "instrument".to_owned())?;
        t.check_keys(
            &mut self.d,
            &[
                "id",
                "version",
                "title",
                "description",
                "languages",
                "questionnaire_languages",
                "demonstration",
            ],
        );
        // Languages first: every localized text is checked against them.
        let languages = self.languages(&t);
        self.languages.clone_from(&languages);
        let questionnaire_languages = self.questionnaire_languages(&t, languages.as_deref());
        self.questionnaire_languages
            .clone_from(&questionnaire_languages);

        let id = t.req_string(&mut self.d, "id").and_then(|id| {
            check_identifier(
                &mut self.d,
                &id,
                "instrument.id",
                is_instrument_id_char,
                INSTRUMENT_ID_CHARS,
            )
            .then(|| id.into_inner())
        });
        let version = t.req_string(&mut self.d, "version").and_then(|version| {
            if version.get_ref().trim().is_empty() {
                self.d.report(
                    &version.span(),
                    "instrument.version",
                    "the version is empty",
                );
                None
            } else {
                Some(version.into_inner())
            }
        });
        let title = self.questionnaire_text(&t, "title", true);
        let description = self.text(&t, "description", false);
        let description_ok = description.is_some() || t.get("description").is_none();
        let demonstration = t.opt_bool(&mut self.d, "demonstration").unwrap_or(false);
        if !description_ok {
            return None;
        }
        Some(Header {
            id: id?,
            version: version?,
            title: title?,
            description,
            languages: languages?,
            questionnaire_languages: questionnaire_languages?,
            demonstration,
        })
    }

    fn languages(&mut self, t: &TableView<'_, '_>) -> Option<Vec<String>> {
        let (array, span, path) = t.req_array(&mut self.d, "languages")?;
        self.non_empty(array, &span, &path, "at least one language");
        let ok = !array.is_empty();
        self.language_list(array, &path, &[], ok)
    }

    /// `questionnaire_languages`: optional, none of `instrument.languages`.
    fn questionnaire_languages(
        &mut self,
        t: &TableView<'_, '_>,
        languages: Option<&[String]>,
    ) -> Option<Vec<String>> {
        if t.get("questionnaire_languages").is_none() {
            return Some(Vec::new());
        }
        let (array, _, path) = t.req_array(&mut self.d, "questionnaire_languages")?;
        self.language_list(array, &path, languages.unwrap_or_default(), true)
    }

    /// A list of distinct language codes, none of them in `taken`.
    fn language_list(
        &mut self,
        array: &DeArray<'_>,
        path: &str,
        taken: &[String],
        mut ok: bool,
    ) -> Option<Vec<String>> {
        let mut languages = Vec::new();
        for (index, node) in array.iter().enumerate() {
            let item_path = format!("{path}[{index}]");
            let Some(language) = string(&mut self.d, node, &item_path) else {
                ok = false;
                continue;
            };
            if !check_identifier(
                &mut self.d,
                &language,
                &item_path,
                is_language_char,
                LANGUAGE_CHARS,
            ) {
                ok = false;
            } else if languages.contains(language.get_ref()) {
                self.d.report(
                    &language.span(),
                    &item_path,
                    format!("language \"{}\" is listed twice", language.get_ref()),
                );
                ok = false;
            } else if taken.contains(language.get_ref()) {
                self.d.report(
                    &language.span(),
                    &item_path,
                    format!(
                        "language \"{}\" is already in instrument.languages",
                        language.get_ref()
                    ),
                );
                ok = false;
            } else {
                languages.push(language.into_inner());
            }
        }
        ok.then_some(languages)
    }

    fn demographics(&mut self, root: &TableView<'_, '_>) -> Option<Demographics> {
        let Some(node) = root.get("demographics") else {
            return Some(Demographics::default());
        };
        let t = table(&mut self.d, node, "demographics".to_owned())?;
        t.check_keys(&mut self.d, &["ask_sex", "ask_home_district"]);
        let valid = |key: &str| t.get(key).is_none_or(|node| node.get_ref().is_bool());
        let all_valid = valid("ask_sex") && valid("ask_home_district");
        let demographics = Demographics {
            ask_sex: t.opt_bool(&mut self.d, "ask_sex").unwrap_or(false),
            ask_home_district: t
                .opt_bool(&mut self.d, "ask_home_district")
                .unwrap_or(false),
        };
        all_valid.then_some(demographics)
    }

    fn response_set(&mut self, node: &Node<'_>, path: String) -> Option<ResponseSet> {
        let t = table(&mut self.d, node, path)?;
        t.check_keys(&mut self.d, &["id", "options"]);
        let index = self.response_sets.len();
        let mut ids = std::mem::take(&mut self.response_set_ids);
        let id = self.unique_id(
            &t,
            "id",
            "response set id",
            (is_id_char, ID_CHARS),
            &mut ids,
            index,
        );
        self.response_set_ids = ids;

        let (array, span, options_path) = t.req_array(&mut self.d, "options")?;
        if !(MIN_OPTIONS..=MAX_OPTIONS).contains(&array.len()) {
            self.d.report(
                &span,
                &options_path,
                format!(
                    "a response set needs {MIN_OPTIONS} to {MAX_OPTIONS} options, found {}",
                    array.len()
                ),
            );
        }
        let mut options = Vec::with_capacity(array.len());
        let mut ok = (MIN_OPTIONS..=MAX_OPTIONS).contains(&array.len());
        let mut previous: Option<i64> = None;
        for (option_index, node) in array.iter().enumerate() {
            let option_path = format!("{options_path}[{option_index}]");
            let Some(option) = table(&mut self.d, node, option_path) else {
                ok = false;
                continue;
            };
            option.check_keys(&mut self.d, &["value", "label"]);
            let value = option.req_integer(&mut self.d, "value");
            let label = self.questionnaire_text(&option, "label", true);
            let Some(value) = value else {
                ok = false;
                continue;
            };
            let value_path = option.child_path("value");
            let number = *value.get_ref();
            if i32::try_from(number).is_err() {
                self.d.report(
                    &value.span(),
                    &value_path,
                    format!("value {number} is out of range (32-bit integers only)"),
                );
                ok = false;
            } else if let Some(before) = previous.filter(|&before| number <= before) {
                self.d.report(
                    &value.span(),
                    &value_path,
                    format!(
                        "option values must be strictly increasing, but {number} follows {before}"
                    ),
                );
                ok = false;
            }
            previous = Some(number);
            match (i32::try_from(number), label) {
                (Ok(value), Some(label)) => options.push(ResponseOption { value, label }),
                _ => ok = false,
            }
        }
        match (id, ok) {
            (Some(id), true) => Some(ResponseSet { id, options }),
            _ => None,
        }
    }

    fn page(
        &mut self,
        node: &Node<'_>,
        path: String,
        page_index: usize,
        page_ids: &mut BTreeMap<String, FirstDefinition>,
    ) -> Option<Page> {
        let t = table(&mut self.d, node, path)?;
        t.check_keys(&mut self.d, &["id", "title", "intro", "items"]);
        let id = self.unique_id(
            &t,
            "id",
            "page id",
            (is_id_char, ID_CHARS),
            page_ids,
            page_index,
        );
        let title = self.questionnaire_text(&t, "title", true);
        let intro = self.questionnaire_text(&t, "intro", false);
        let intro_ok = intro.is_some() || t.get("intro").is_none();

        let (array, span, items_path) = t.req_array(&mut self.d, "items")?;
        self.non_empty(array, &span, &items_path, "at least one item per page");
        let mut indices = Vec::with_capacity(array.len());
        for (position, node) in array.iter().enumerate() {
            let index = self.items.len();
            let draft = self.item(node, format!("{items_path}[{position}]"), index, page_index);
            self.items.push(draft);
            indices.push(index);
        }
        if !intro_ok || array.is_empty() {
            return None;
        }
        Some(Page {
            id: id?,
            title: title?,
            intro,
            items: indices,
        })
    }

    fn item(&mut self, node: &Node<'_>, path: String, index: usize, page: usize) -> ItemDraft {
        let Some(t) = table(&mut self.d, node, path) else {
            return ItemDraft {
                item: None,
                response_set: None,
            };
        };
        t.check_keys(&mut self.d, &["code", "text", "response_set", "reverse"]);
        let mut codes = std::mem::take(&mut self.item_codes);
        let code = self.unique_id(
            &t,
            "code",
            "item code",
            (is_item_code_char, ITEM_CODE_CHARS),
            &mut codes,
            index,
        );
        self.item_codes = codes;
        let text = self.questionnaire_text(&t, "text", true);
        let response_set = t.req_string(&mut self.d, "response_set").and_then(|id| {
            let found = self
                .response_set_ids
                .get(id.get_ref().as_str())
                .map(|first| first.index);
            if found.is_none() {
                self.d.report(
                    &id.span(),
                    &t.child_path("response_set"),
                    format!(
                        "unknown response set \"{}\" (defined response sets: {})",
                        id.get_ref(),
                        list(self.response_set_ids.keys())
                    ),
                );
            }
            found
        });
        let reverse_ok = t.get("reverse").is_none_or(|node| node.get_ref().is_bool());
        let reverse = t.opt_bool(&mut self.d, "reverse").unwrap_or(false);
        let item = match (code, text, response_set, reverse_ok) {
            (Some(code), Some(text), Some(response_set), true) => Some(Item {
                code,
                text,
                response_set,
                reverse,
                page,
            }),
            _ => None,
        };
        ItemDraft { item, response_set }
    }

    fn scale(
        &mut self,
        node: &Node<'_>,
        path: String,
        index: usize,
        ids: &mut BTreeMap<String, FirstDefinition>,
    ) -> Option<Scale> {
        let t = table(&mut self.d, node, path)?;
        t.check_keys(
            &mut self.d,
            &[
                "id",
                "kind",
                "domain",
                "label",
                "items",
                "scoring",
                "min_answered",
                "cut_point",
                "direction",
                "cut_point_by_grade",
            ],
        );
        let id = self.unique_id(
            &t,
            "id",
            "scale id",
            (is_scale_id_char, SCALE_ID_CHARS),
            ids,
            index,
        );
        let kind = t.req_string(&mut self.d, "kind").and_then(|kind| {
            choice(
                &mut self.d,
                &kind,
                &t.child_path("kind"),
                "scale kind",
                SCALE_KINDS,
            )
        });
        if matches!(kind, Some(ScaleKind::Risk | ScaleKind::Protective)) {
            self.has_risk_or_protective_scale = true;
        }
        let domain = t.req_string(&mut self.d, "domain").and_then(|text| {
            let domain = choice(&mut self.d, &text, &t.child_path("domain"), "domain", DOMAINS)?;
            match kind {
                Some(kind @ (ScaleKind::Risk | ScaleKind::Protective))
                    if domain == Domain::Outcome =>
                {
                    self.d.report(
                        &text.span(),
                        &t.child_path("domain"),
                        format!(
                            "domain \"outcome\" is only allowed for outcome scales, but this is a {} scale",
                            kind.as_str()
                        ),
                    );
                    None
                }
                _ => Some(domain),
            }
        });
        let label = self.text(&t, "label", true);
        let items = self.item_refs(&t, "items");
        let scoring_valid = t.get("scoring").is_none_or(|node| node.get_ref().is_str());
        let scoring = match t.opt_string(&mut self.d, "scoring") {
            Some(text) => choice(
                &mut self.d,
                &text,
                &t.child_path("scoring"),
                "scoring",
                SCORINGS,
            ),
            None => scoring_valid.then_some(Scoring::Mean),
        };

        let min_answered = self.min_answered(&t, items.as_ref().map(|list| list.len));
        let cut_point = self.cut_point(&t, kind);

        // All items must share one value range: reverse coding maps
        // `v -> min + max - v`, and a mean only makes sense on one scale.
        let mut ranges_ok = true;
        let mut range = None;
        if let Some(refs) = items.as_ref().and_then(|list| list.refs.as_ref()) {
            let mut first: Option<(usize, i32, i32)> = None;
            for reference in refs {
                let Some(set) = self.item_set(reference.index) else {
                    ranges_ok = false;
                    continue;
                };
                let (min, max) = (set.min_value(), set.max_value());
                match first {
                    None => first = Some((reference.index, min, max)),
                    Some((first_item, first_min, first_max))
                        if (first_min, first_max) != (min, max) =>
                    {
                        let code = self.item_code(reference.index);
                        let first_code = self.item_code(first_item);
                        let set_id = set.id.clone();
                        self.d.report(
                            &reference.span,
                            &reference.path,
                            format!(
                                "item \"{code}\" uses response set \"{set_id}\" with values {min}..{max}, but item \"{first_code}\" (first item of the scale) has values {first_min}..{first_max}; all items of a scale must share the same value range"
                            ),
                        );
                        ranges_ok = false;
                    }
                    Some(_) => {}
                }
            }
            range = first.map(|(_, min, max)| (min, max));
        }

        // Cut points must lie within the possible score range, or nobody /
        // everybody would be flagged.
        if let (true, Some((min, max)), Some(scoring), Some(list), Some(Some(cut))) = (
            ranges_ok,
            range,
            scoring,
            items.as_ref(),
            cut_point.as_ref(),
        ) {
            let n = list.len as f64;
            let (low, high) = match scoring {
                Scoring::Mean => (f64::from(min), f64::from(max)),
                Scoring::Sum => (n * f64::from(min), n * f64::from(max)),
            };
            let explain = match scoring {
                Scoring::Mean => format!("mean of items with values {min}..{max}"),
                Scoring::Sum => {
                    let plural = if list.len == 1 { "" } else { "s" };
                    format!("sum of {} item{plural} with values {min}..{max}", list.len)
                }
            };
            for (value, span, key) in &cut.values {
                if *value < low || *value > high {
                    self.d.report(
                        span,
                        key,
                        format!(
                            "cut point {value} is outside the possible score range {low}..{high} of this scale ({explain})"
                        ),
                    );
                }
            }
        }

        let cut_point = cut_point?.map(|cut| cut.cut_point);
        let refs = items?.refs?;
        if !ranges_ok {
            return None;
        }
        Some(Scale {
            id: id?,
            kind: kind?,
            domain: domain?,
            label: label?,
            items: refs.iter().map(|reference| reference.index).collect(),
            scoring: scoring?,
            min_answered: min_answered?,
            cut_point,
        })
    }

    /// Reads `min_answered` (default: all items) and checks `1..=len`.
    fn min_answered(&mut self, t: &TableView<'_, '_>, len: Option<usize>) -> Option<usize> {
        let Some(node) = t.get("min_answered") else {
            return len;
        };
        let path = t.child_path("min_answered");
        let value = integer(&mut self.d, node, &path)?;
        // An empty item list is reported already; a range 1..=0 would only add noise.
        let len = len.filter(|&len| len > 0)?;
        match usize::try_from(*value.get_ref()) {
            Ok(count) if (1..=len).contains(&count) => Some(count),
            _ => {
                self.d.report(
                    &value.span(),
                    &path,
                    format!(
                        "min_answered must be between 1 and {len} (the number of items), found {}",
                        value.get_ref()
                    ),
                );
                None
            }
        }
    }

    /// Reads `cut_point`, `direction` and `cut_point_by_grade`.
    ///
    /// `None`: an error was reported; `Some(None)`: no cut point (allowed for
    /// outcome scales only).
    fn cut_point(
        &mut self,
        t: &TableView<'_, '_>,
        kind: Option<ScaleKind>,
    ) -> Option<Option<CutPointDraft>> {
        let default = t.opt_number(&mut self.d, "cut_point");
        let direction_valid = t
            .get("direction")
            .is_none_or(|node| node.get_ref().is_str());
        let direction = match t.opt_string(&mut self.d, "direction") {
            Some(text) => choice(
                &mut self.d,
                &text,
                &t.child_path("direction"),
                "direction",
                DIRECTIONS,
            ),
            None => direction_valid.then_some(Direction::High),
        };
        let by_grade = self.cut_points_by_grade(t);

        if t.get("cut_point").is_none() {
            let mut ok = true;
            if matches!(kind, Some(ScaleKind::Risk | ScaleKind::Protective)) {
                let kind_name = kind.map_or("", ScaleKind::as_str);
                self.d.report(
                    &t.span,
                    &t.child_path("cut_point"),
                    format!(
                        "missing cut_point: every {kind_name} scale needs one to decide who is flagged"
                    ),
                );
                ok = false;
            }
            for key in ["direction", "cut_point_by_grade"] {
                if let Some(node) = t.get(key) {
                    self.d.report(
                        &node.span(),
                        &t.child_path(key),
                        format!("{key} has no effect without cut_point"),
                    );
                    ok = false;
                }
            }
            return ok.then_some(None);
        }

        let default = default?;
        let by_grade = by_grade?;
        let mut values = vec![(
            *default.get_ref(),
            default.span(),
            t.child_path("cut_point"),
        )];
        values.extend(
            by_grade
                .iter()
                .map(|(_, value, span, key)| (*value, span.clone(), key.clone())),
        );
        Some(Some(CutPointDraft {
            cut_point: CutPoint {
                default: *default.get_ref(),
                by_grade: by_grade
                    .iter()
                    .map(|(grade, value, _, _)| (*grade, *value))
                    .collect(),
                direction: direction?,
            },
            values,
        }))
    }

    /// Reads `cut_point_by_grade`: keys are grades `"1"`..`"13"`, values
    /// numbers. `Some(empty)` if absent.
    #[allow(clippy::type_complexity)]
    fn cut_points_by_grade(
        &mut self,
        t: &TableView<'_, '_>,
    ) -> Option<Vec<(u8, f64, Range<usize>, String)>> {
        let Some(node) = t.get("cut_point_by_grade") else {
            return Some(Vec::new());
        };
        let grades = table(&mut self.d, node, t.child_path("cut_point_by_grade"))?;
        let mut values = Vec::new();
        let mut ok = true;
        for (key, value) in grades.table.iter() {
            let name: &str = key.get_ref();
            let path = grades.child_path(name);
            let grade = name
                .parse::<u8>()
                .ok()
                .filter(|grade| GRADES.contains(grade) && grade.to_string() == name);
            let number = number(&mut self.d, value, &path);
            match (grade, number) {
                (Some(grade), Some(number)) => {
                    values.push((grade, *number.get_ref(), number.span(), path));
                }
                (None, _) => {
                    self.d.report(
                        &key.span(),
                        &path,
                        format!(
                            "invalid grade \"{name}\": grade keys must be whole numbers from {} to {} without leading zeros",
                            GRADES.start(),
                            GRADES.end()
                        ),
                    );
                    ok = false;
                }
                (Some(_), None) => ok = false,
            }
        }
        ok.then_some(values)
    }

    fn outcome(
        &mut self,
        node: &Node<'_>,
        path: String,
        index: usize,
        ids: &mut BTreeMap<String, FirstDefinition>,
    ) -> Option<OutcomeIndicator> {
        let t = table(&mut self.d, node, path)?;
        t.check_keys(&mut self.d, &["id", "group", "label", "items", "at_least"]);
        let id = self.unique_id(&t, "id", "outcome id", (is_id_char, ID_CHARS), ids, index);
        let group = t.req_string(&mut self.d, "group").and_then(|group| {
            choice(
                &mut self.d,
                &group,
                &t.child_path("group"),
                "outcome group",
                OUTCOME_GROUPS,
            )
        });
        let label = self.text(&t, "label", true);
        let items = self.item_refs(&t, "items");
        let at_least = self.at_least(&t);
        if let (Some(at_least), Some(refs)) = (
            at_least.as_ref(),
            items.as_ref().and_then(|list| list.refs.as_ref()),
        ) {
            let path = t.child_path("at_least");
            for reference in refs {
                self.check_at_least(at_least, &path, reference.index);
            }
        }
        Some(OutcomeIndicator {
            id: id?,
            group: group?,
            label: label?,
            items: items?
                .refs?
                .iter()
                .map(|reference| reference.index)
                .collect(),
            at_least: i32::try_from(*at_least?.get_ref()).ok()?,
        })
    }

    fn validity_rule(
        &mut self,
        node: &Node<'_>,
        path: String,
        index: usize,
        ids: &mut BTreeMap<String, FirstDefinition>,
    ) -> Option<ValidityRule> {
        let t = table(&mut self.d, node, path)?;
        let kind_text = t.req_string(&mut self.d, "kind");
        let kind = kind_text.as_ref().and_then(|text| {
            choice(
                &mut self.d,
                text,
                &t.child_path("kind"),
                "validity rule kind",
                RULE_KINDS,
            )
            .map(|keys| (text.get_ref().clone(), keys))
        });
        match &kind {
            Some((name, keys)) => {
                // Keys of other kinds are reported with the kind named,
                // because "unknown key" would be misleading for them.
                for (key, _) in t.table.iter() {
                    let key_name: &str = key.get_ref();
                    if RULE_COMMON_KEYS.contains(&key_name) || keys.contains(&key_name) {
                        continue;
                    }
                    let allowed: Vec<&str> = RULE_COMMON_KEYS
                        .iter()
                        .chain(keys.iter())
                        .copied()
                        .collect();
                    report_rule_key(&mut self.d, &t, key, key_name, name, &allowed);
                }
            }
            None => {
                // Without a valid kind, only flag keys no kind knows.
                let all: Vec<&str> = RULE_COMMON_KEYS
                    .iter()
                    .copied()
                    .chain(RULE_KINDS.iter().flat_map(|(_, keys)| keys.iter().copied()))
                    .collect();
                t.check_keys(&mut self.d, &all);
            }
        }
        let id = self.unique_id(
            &t,
            "id",
            "validity rule id",
            (is_id_char, ID_CHARS),
            ids,
            index,
        );
        let label = self.text(&t, "label", true);
        let (name, _) = kind?;
        let check = match name.as_str() {
            "dishonesty" => self.dishonesty(&t),
            "fictitious_drug" => self.fictitious_drug(&t),
            "implausible_use" => self.implausible_use(&t),
            "inconsistent_use" => self.inconsistent_use(&t),
            "too_few_answered" => self.too_few_answered(&t, kind_text.as_ref()),
            _ => self.too_fast(&t),
        };
        Some(ValidityRule {
            id: id?,
            label: label?,
            check: check?,
        })
    }

    fn single_item(&mut self, t: &TableView<'_, '_>) -> Option<ItemRef> {
        let node = t.required(&mut self.d, "item")?;
        self.item_ref(node, t.child_path("item"))
    }

    fn dishonesty(&mut self, t: &TableView<'_, '_>) -> Option<ValidityCheck> {
        let item = self.single_item(t);
        let (array, span, path) = t.req_array(&mut self.d, "values")?;
        self.non_empty(array, &span, &path, "at least one value");
        let mut values = Vec::new();
        let mut ok = !array.is_empty();
        for (index, node) in array.iter().enumerate() {
            let value_path = format!("{path}[{index}]");
            let Some(value) = integer(&mut self.d, node, &value_path) else {
                ok = false;
                continue;
            };
            let number = i32::try_from(*value.get_ref()).ok();
            let set = item.as_ref().and_then(|item| self.item_set(item.index));
            let is_option = match (number, set) {
                (Some(number), Some(set)) => set.option_index_of(number).is_some(),
                // Unknown set: an error was reported for the item already.
                (Some(_), None) => true,
                (None, _) => false,
            };
            if !is_option {
                let code = item
                    .as_ref()
                    .map(|item| self.item_code(item.index))
                    .unwrap_or_default();
                self.d.report(
                    &value.span(),
                    &value_path,
                    format!(
                        "value {} is not an option of item \"{code}\"",
                        value.get_ref()
                    ),
                );
                ok = false;
            } else if let Some(number) = number {
                if values.contains(&number) {
                    self.d.report(
                        &value.span(),
                        &value_path,
                        format!("value {number} is listed twice"),
                    );
                    ok = false;
                } else {
                    values.push(number);
                }
            }
        }
        let item = item?;
        ok.then_some(ValidityCheck::Dishonesty {
            item: item.index,
            values,
        })
    }

    fn fictitious_drug(&mut self, t: &TableView<'_, '_>) -> Option<ValidityCheck> {
        let item = self.single_item(t);
        let at_least = self.at_least(t);
        let (item, at_least) = (item?, at_least?);
        self.check_at_least(&at_least, &t.child_path("at_least"), item.index);
        Some(ValidityCheck::FictitiousDrug {
            item: item.index,
            at_least: i32::try_from(*at_least.get_ref()).ok()?,
        })
    }

    fn implausible_use(&mut self, t: &TableView<'_, '_>) -> Option<ValidityCheck> {
        let items = self.item_refs(t, "items");
        let at_least = self.at_least(t);
        let min_items = t.req_integer(&mut self.d, "min_items");
        if let (Some(at_least), Some(refs)) = (
            at_least.as_ref(),
            items.as_ref().and_then(|list| list.refs.as_ref()),
        ) {
            for reference in refs {
                self.check_at_least(at_least, &t.child_path("at_least"), reference.index);
            }
        }
        let min_items = match (min_items, items.as_ref()) {
            (Some(value), Some(list)) if list.len > 0 => match usize::try_from(*value.get_ref()) {
                Ok(count) if (1..=list.len).contains(&count) => Some(count),
                _ => {
                    self.d.report(
                        &value.span(),
                        &t.child_path("min_items"),
                        format!(
                            "min_items must be between 1 and {} (the number of items), found {}",
                            list.len,
                            value.get_ref()
                        ),
                    );
                    None
                }
            },
            _ => None,
        };
        let refs = items?.refs?;
        Some(ValidityCheck::ImplausibleUse {
            items: refs.iter().map(|reference| reference.index).collect(),
            at_least: i32::try_from(*at_least?.get_ref()).ok()?,
            min_items: min_items?,
        })
    }

    fn inconsistent_use(&mut self, t: &TableView<'_, '_>) -> Option<ValidityCheck> {
        let (array, span, path) = t.req_array(&mut self.d, "pairs")?;
        self.non_empty(array, &span, &path, "at least one pair");
        let mut pairs = Vec::new();
        let mut ok = !array.is_empty();
        for (index, node) in array.iter().enumerate() {
            let Some(pair) = table(&mut self.d, node, format!("{path}[{index}]")) else {
                ok = false;
                continue;
            };
            pair.check_keys(&mut self.d, &["recent", "lifetime"]);
            let recent = pair
                .required(&mut self.d, "recent")
                .and_then(|node| self.item_ref(node, pair.child_path("recent")));
            let lifetime = pair
                .required(&mut self.d, "lifetime")
                .and_then(|node| self.item_ref(node, pair.child_path("lifetime")));
            let (Some(recent), Some(lifetime)) = (recent, lifetime) else {
                ok = false;
                continue;
            };
            if recent.index == lifetime.index {
                self.d.report(
                    &lifetime.span,
                    &lifetime.path,
                    "recent and lifetime must be different items",
                );
                ok = false;
                continue;
            }
            // The rule compares against the literal values 0 ("never") and
            // > 0, so the response sets must actually contain them.
            if let Some(set) = self.item_set(lifetime.index)
                && set.option_index_of(0).is_none()
            {
                let (code, set_id) = (self.item_code(lifetime.index), set.id.clone());
                self.d.report(
                        &lifetime.span,
                        &lifetime.path,
                        format!(
                            "item \"{code}\" has no option with value 0 (\"never\") in response set \"{set_id}\", which inconsistent_use compares lifetime answers against"
                        ),
                    );
                ok = false;
            }
            if let Some(set) = self.item_set(recent.index)
                && set.max_value() <= 0
            {
                let (code, set_id) = (self.item_code(recent.index), set.id.clone());
                self.d.report(
                        &recent.span,
                        &recent.path,
                        format!(
                            "item \"{code}\" has no option with a value above 0 in response set \"{set_id}\", so it can never report recent use"
                        ),
                    );
                ok = false;
            }
            pairs.push((recent.index, lifetime.index));
        }
        ok.then_some(ValidityCheck::InconsistentUse { pairs })
    }

    fn too_few_answered(
        &mut self,
        t: &TableView<'_, '_>,
        kind: Option<&Spanned<String>>,
    ) -> Option<ValidityCheck> {
        let min_share = t.req_number(&mut self.d, "min_share")?;
        let value = *min_share.get_ref();
        if !(0.0..=1.0).contains(&value) {
            self.d.report(
                &min_share.span(),
                &t.child_path("min_share"),
                format!(
                    "min_share must be between 0 and 1 (a share, e.g. 0.5 for 50 %), found {value}"
                ),
            );
            return None;
        }
        if !self.has_risk_or_protective_scale {
            let span = kind.map_or_else(|| t.span.clone(), Spanned::span);
            self.d.report(
                &span,
                &t.child_path("kind"),
                "too_few_answered needs at least one risk or protective scale: it measures the share of answered items of those scales",
            );
            return None;
        }
        Some(ValidityCheck::TooFewAnswered { min_share: value })
    }

    fn too_fast(&mut self, t: &TableView<'_, '_>) -> Option<ValidityCheck> {
        let value = t.req_integer(&mut self.d, "min_seconds")?;
        match u32::try_from(*value.get_ref()) {
            Ok(seconds) if seconds >= 1 => Some(ValidityCheck::TooFast {
                min_seconds: seconds,
            }),
            _ => {
                self.d.report(
                    &value.span(),
                    &t.child_path("min_seconds"),
                    format!(
                        "min_seconds must be a positive number of seconds, found {}",
                        value.get_ref()
                    ),
                );
                None
            }
        }
    }
}

/// A cut point plus the located values to range-check.
struct CutPointDraft {
    cut_point: CutPoint,
    values: Vec<(f64, Range<usize>, String)>,
}

/// Reports a key that the validity rule's kind does not take.
fn report_rule_key(
    d: &mut Diagnostics<'_>,
    t: &TableView<'_, '_>,
    key: &Spanned<std::borrow::Cow<'_, str>>,
    key_name: &str,
    kind: &str,
    allowed: &[&str],
) {
    let message = if RULE_KINDS.iter().any(|(_, keys)| keys.contains(&key_name)) {
        format!(
            "key \"{key_name}\" is not used by validity rules of kind \"{kind}\" (allowed keys: {})",
            list(allowed)
        )
    } else {
        format!(
            "unknown key \"{key_name}\" (allowed keys: {})",
            list(allowed)
        )
    };
    d.report(&key.span(), &t.child_path(key_name), message);
}
