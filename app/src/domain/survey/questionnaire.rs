//! The paged questionnaire: what a posted page may contain, and how it
//! changes a pupil's answers.
//!
//! Pages are plain HTML forms (they must work without JavaScript), so a page
//! arrives as a list of `name=value` fields. Everything is checked against
//! the instrument before anything is stored: a tampered or foreign field
//! rejects the whole page with a precise message and changes nothing.

use crate::domain::survey::instrument::{Instrument, MISSING_ANSWER};
use crate::domain::survey::respondent::Sex;

/// Field carrying the page index.
pub const PAGE_FIELD: &str = "page";
/// Field carrying the button pressed.
pub const ACTION_FIELD: &str = "action";
/// Field of the built-in sex question (first page).
pub const SEX_FIELD: &str = "sex";
/// Field of the built-in home-district question (first page).
pub const HOME_DISTRICT_FIELD: &str = "home_district";
/// Value of the sex field for "no answer" (kept distinct from a skipped
/// question only in the form; both store as no answer).
pub const NO_ANSWER: &str = "none";

/// Prefix of the action that switches the questionnaire language
/// (`language:tr`).
pub const LANGUAGE_ACTION_PREFIX: &str = "language:";

/// The button a pupil pressed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Navigation {
    /// Save and go to the previous page.
    Back,
    /// Save and go to the next page.
    Next,
    /// Save and finish (last page only).
    Finish,
    /// Save, stay on the page and show the questionnaire in this language
    /// (one the instrument offers pupils).
    Language(String),
}

/// A validated page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageForm {
    /// The page index.
    pub page: usize,
    /// The button pressed.
    pub navigation: Navigation,
    /// Every item of the page with its answer byte (0 = skipped).
    pub answers: Vec<(usize, u8)>,
    /// The sex answer when the page asks for it (`Some(None)` = no answer).
    pub sex: Option<Option<Sex>>,
    /// The home district when the page asks for it (`Some(None)` = not
    /// given).
    pub home_district: Option<Option<i64>>,
}

/// Why a posted page was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// No or a non-numeric page field, or a page the instrument lacks.
    #[error("unknown page \"{0}\"")]
    UnknownPage(String),
    /// No or an unknown action.
    #[error("unknown action \"{0}\" (expected back, next, finish or language:<code>)")]
    UnknownAction(String),
    /// A language switch to a language the questionnaire is not given in.
    #[error("the questionnaire is not available in language \"{0}\"")]
    UnknownLanguage(String),
    /// "Finish" anywhere but on the last page.
    #[error("the questionnaire can only be finished on its last page")]
    FinishBeforeLastPage,
    /// A field that is not a question of this page.
    #[error("field \"{0}\" is not a question of this page")]
    UnknownField(String),
    /// The same field twice.
    #[error("field \"{0}\" was sent twice")]
    DuplicateField(String),
    /// A value the item's response set does not offer.
    #[error("\"{value}\" is not an answer option of question {item}")]
    InvalidValue {
        /// Item code.
        item: String,
        /// The value received.
        value: String,
    },
}

/// Validates a posted page. `districts` are the municipality's district ids
/// (the options of the home-district question).
pub fn parse_page_form(
    instrument: &Instrument,
    fields: &[(String, String)],
    districts: &[i64],
) -> Result<PageForm, FormError> {
    let field = |name: &str| -> Result<Option<&str>, FormError> {
        let mut values = fields.iter().filter(|(key, _)| key == name);
        let first = values.next().map(|(_, value)| value.as_str());
        match values.next() {
            Some(_) => Err(FormError::DuplicateField(name.to_string())),
            None => Ok(first),
        }
    };
    let page_text = field(PAGE_FIELD)?.unwrap_or("");
    let page = page_text
        .parse::<usize>()
        .ok()
        .filter(|&p| p < instrument.pages.len())
        .ok_or_else(|| FormError::UnknownPage(page_text.to_string()))?;
    let last_page = page + 1 == instrument.pages.len();
    let navigation = match field(ACTION_FIELD)?.unwrap_or("") {
        "back" => Navigation::Back,
        "next" => Navigation::Next,
        "finish" if last_page => Navigation::Finish,
        "finish" => return Err(FormError::FinishBeforeLastPage),
        other => match other.strip_prefix(LANGUAGE_ACTION_PREFIX) {
            Some(language) if instrument.offers_questionnaire_language(language) => {
                Navigation::Language(language.to_string())
            }
            Some(language) => return Err(FormError::UnknownLanguage(language.to_string())),
            None => return Err(FormError::UnknownAction(other.to_string())),
        },
    };
    let demographics_here = page == 0;
    let asks_sex = demographics_here && instrument.demographics.ask_sex;
    let asks_district = demographics_here && instrument.demographics.ask_home_district;

    // Every field must belong to this page.
    let page_items = &instrument.pages[page].items;
    for (key, _) in fields {
        let known = key == PAGE_FIELD
            || key == ACTION_FIELD
            || (asks_sex && key == SEX_FIELD)
            || (asks_district && key == HOME_DISTRICT_FIELD)
            || page_items
                .iter()
                .any(|&item| instrument.items.get(item).is_some_and(|i| &i.code == key));
        if !known {
            return Err(FormError::UnknownField(key.clone()));
        }
    }

    let mut answers = Vec::with_capacity(page_items.len());
    for &item in page_items {
        let code = instrument.items.get(item).map_or("", |i| i.code.as_str());
        let byte = match field(code)?.map(str::trim) {
            None | Some("") => MISSING_ANSWER,
            Some(text) => text
                .parse::<i32>()
                .ok()
                .and_then(|value| instrument.encode_value(item, value).ok())
                .ok_or_else(|| FormError::InvalidValue {
                    item: code.to_string(),
                    value: text.to_string(),
                })?,
        };
        answers.push((item, byte));
    }

    let sex =
        if asks_sex {
            Some(match field(SEX_FIELD)?.unwrap_or("") {
                "" | NO_ANSWER => None,
                text => Some(Sex::parse(text).ok().flatten().ok_or_else(|| {
                    FormError::InvalidValue {
                        item: SEX_FIELD.to_string(),
                        value: text.to_string(),
                    }
                })?),
            })
        } else {
            None
        };
    let home_district = if asks_district {
        Some(match field(HOME_DISTRICT_FIELD)?.unwrap_or("") {
            "" | NO_ANSWER => None,
            text => Some(
                text.parse::<i64>()
                    .ok()
                    .filter(|id| districts.contains(id))
                    .ok_or_else(|| FormError::InvalidValue {
                        item: HOME_DISTRICT_FIELD.to_string(),
                        value: text.to_string(),
                    })?,
            ),
        })
    } else {
        None
    };
    Ok(PageForm {
        page,
        navigation,
        answers,
        sex,
        home_district,
    })
}

impl PageForm {
    /// Writes the page's answers into the full answer vector (one byte per
    /// item). Items of other pages are left untouched.
    pub fn apply(&self, answers: &mut [u8]) {
        for &(item, byte) in &self.answers {
            if let Some(slot) = answers.get_mut(item) {
                *slot = byte;
            }
        }
    }

    /// The page to show after this one was saved (`None` after finishing).
    pub fn next_page(&self) -> Option<usize> {
        match self.navigation {
            Navigation::Back => Some(self.page.saturating_sub(1)),
            Navigation::Next => Some(self.page + 1),
            Navigation::Finish => None,
            Navigation::Language(_) => Some(self.page),
        }
    }
}

/// Minutes per question of the time estimate shown to pupils: the CTC Youth
/// Survey's 121 items take about 50 minutes on paper (RAND's summary of the
/// instrument), about 25 seconds per question including reading the page
/// introductions.
pub const MINUTES_PER_QUESTION: f64 = 50.0 / 121.0;

/// About how many minutes the questionnaire still takes from `page`
/// (0-based) to the end, this page included: the questions left times
/// [`MINUTES_PER_QUESTION`], rounded up, at least one minute while a page is
/// left. A page past the end has none.
pub fn minutes_left(instrument: &Instrument, page: usize) -> u32 {
    let questions: usize = instrument
        .pages
        .iter()
        .skip(page)
        .map(|p| p.items.len())
        .sum();
    if page >= instrument.pages.len() {
        return 0;
    }
    // At most a few thousand questions: the product fits an f64 exactly
    // enough, and the cast cannot overflow.
    ((questions as f64 * MINUTES_PER_QUESTION).ceil() as u32).max(1)
}

/// Most options a grid shows side by side: wider sets (e.g. an age of onset
/// with eight choices) stay one question per block, which reads better than
/// a table that scrolls sideways on a tablet.
pub const MAX_GRID_OPTIONS: usize = 7;

/// How a page's questions are laid out: alone, or several items that share
/// one response set as a grid (one row per item, one column per option).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QuestionBlock {
    /// One question with its own options (index into `Instrument::items`).
    Single(usize),
    /// Consecutive items answered on the same response set (index into
    /// `Instrument::response_sets`); at least two.
    Grid {
        /// The shared response set.
        response_set: usize,
        /// The items, in page order.
        items: Vec<usize>,
    },
}

/// The blocks of page `page` (0-based; none past the end): each run of at
/// least two consecutive items with the same response set of at most
/// [`MAX_GRID_OPTIONS`] options becomes a grid, everything else stays a
/// single question. The order of the items never changes, so the answer
/// form posts the same fields either way.
pub fn question_blocks(instrument: &Instrument, page: usize) -> Vec<QuestionBlock> {
    let Some(page) = instrument.pages.get(page) else {
        return Vec::new();
    };
    let set_of = |item: usize| instrument.items.get(item).map(|i| i.response_set);
    let mut blocks = Vec::new();
    let mut run: Vec<usize> = Vec::new();
    let flush = |run: &mut Vec<usize>, blocks: &mut Vec<QuestionBlock>| {
        let gridded = run.len() >= 2
            && run.first().and_then(|&i| set_of(i)).is_some_and(|set| {
                instrument
                    .response_sets
                    .get(set)
                    .is_some_and(|s| s.options.len() <= MAX_GRID_OPTIONS)
            });
        if gridded {
            blocks.push(QuestionBlock::Grid {
                response_set: set_of(run[0]).unwrap_or_default(),
                items: std::mem::take(run),
            });
        } else {
            blocks.extend(run.drain(..).map(QuestionBlock::Single));
        }
    };
    for &item in &page.items {
        if run.last().is_some_and(|&last| set_of(last) != set_of(item)) {
            flush(&mut run, &mut blocks);
        }
        run.push(item);
    }
    flush(&mut run, &mut blocks);
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    const INSTRUMENT: &str = r#"
[instrument]
id = "q"
version = "1"
title = { de = "Q", en = "Q" }
languages = ["de", "en"]

[demographics]
ask_sex = true
ask_home_district = true

[[response_sets]]
id = "agree"
options = [
  { value = 1, label = { de = "NEIN!", en = "NO!" } },
  { value = 2, label = { de = "nein", en = "no" } },
  { value = 3, label = { de = "ja", en = "yes" } },
  { value = 4, label = { de = "JA!", en = "YES!" } },
]

[[pages]]
id = "one"
title = { de = "Eins", en = "One" }
[[pages.items]]
code = "A1"
text = { de = "a", en = "a" }
response_set = "agree"
[[pages.items]]
code = "A2"
text = { de = "b", en = "b" }
response_set = "agree"

[[pages]]
id = "two"
title = { de = "Zwei", en = "Two" }
[[pages.items]]
code = "B1"
text = { de = "c", en = "c" }
response_set = "agree"
"#;

    fn instrument() -> Instrument {
        Instrument::from_toml_str(INSTRUMENT, "q.toml").expect("valid")
    }

    fn form(fields: &[(&str, &str)]) -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn minutes_left_counts_this_and_later_pages_rounded_up() {
        let i = instrument();
        // 3 questions × 50/121 min = 1.24 min → 2; 1 question → 0.41 → 1.
        assert_eq!(minutes_left(&i, 0), 2);
        assert_eq!(minutes_left(&i, 1), 1);
        assert_eq!(minutes_left(&i, 2), 0);
        assert_eq!(minutes_left(&i, 99), 0);
        // The demo instrument: its questions at the CTC pace.
        let demo = Instrument::from_toml_str(
            include_str!("../../../../instruments/demo-ctc.toml"),
            "demo-ctc.toml",
        )
        .expect("valid");
        let all: usize = demo.pages.iter().map(|p| p.items.len()).sum();
        assert_eq!(
            minutes_left(&demo, 0),
            (all as f64 * 50.0 / 121.0).ceil() as u32
        );
    }

    #[test]
    fn a_page_with_answers_skips_and_demographics_is_accepted() {
        let i = instrument();
        let parsed = parse_page_form(
            &i,
            &form(&[
                ("page", "0"),
                ("action", "next"),
                ("A1", "3"),
                ("sex", "diverse"),
                ("home_district", "7"),
            ]),
            &[7, 8],
        )
        .expect("valid page");
        // A1 = value 3 = third option = byte 3; A2 skipped = byte 0.
        assert_eq!(parsed.answers, vec![(0, 3), (1, 0)]);
        assert_eq!(parsed.sex, Some(Some(Sex::Diverse)));
        assert_eq!(parsed.home_district, Some(Some(7)));
        assert_eq!(parsed.next_page(), Some(1));
        let mut answers = vec![9, 9, 9];
        parsed.apply(&mut answers);
        assert_eq!(answers, vec![3, 0, 9]);
    }

    #[test]
    fn tampered_pages_are_rejected_precisely() {
        let i = instrument();
        let check = |fields: &[(&str, &str)]| parse_page_form(&i, &form(fields), &[7]).unwrap_err();
        assert_eq!(
            check(&[("page", "0"), ("action", "next"), ("A1", "5")]),
            FormError::InvalidValue {
                item: "A1".into(),
                value: "5".into()
            }
        );
        assert_eq!(
            check(&[("page", "0"), ("action", "next"), ("A1", "x")]),
            FormError::InvalidValue {
                item: "A1".into(),
                value: "x".into()
            }
        );
        assert_eq!(
            check(&[("page", "0"), ("action", "next"), ("B1", "1")]),
            FormError::UnknownField("B1".into())
        );
        assert_eq!(
            check(&[("page", "0"), ("action", "next"), ("ZZ", "1")]),
            FormError::UnknownField("ZZ".into())
        );
        assert_eq!(
            check(&[("page", "9"), ("action", "next")]),
            FormError::UnknownPage("9".into())
        );
        assert_eq!(
            check(&[("action", "next")]),
            FormError::UnknownPage(String::new())
        );
        assert_eq!(
            check(&[("page", "0"), ("action", "jump")]),
            FormError::UnknownAction("jump".into())
        );
        assert_eq!(
            check(&[("page", "0"), ("action", "finish")]),
            FormError::FinishBeforeLastPage
        );
        assert_eq!(
            check(&[("page", "0"), ("action", "language:fr")]),
            FormError::UnknownLanguage("fr".into())
        );
        assert_eq!(
            check(&[("page", "0"), ("action", "next"), ("A1", "1"), ("A1", "2")]),
            FormError::DuplicateField("A1".into())
        );
        assert_eq!(
            check(&[("page", "0"), ("action", "next"), ("home_district", "8")]),
            FormError::InvalidValue {
                item: "home_district".into(),
                value: "8".into()
            }
        );
        assert_eq!(
            check(&[("page", "0"), ("action", "next"), ("sex", "x")]),
            FormError::InvalidValue {
                item: "sex".into(),
                value: "x".into()
            }
        );
        // Demographics belong to the first page only.
        assert_eq!(
            check(&[("page", "1"), ("action", "next"), ("sex", "male")]),
            FormError::UnknownField("sex".into())
        );
    }

    #[test]
    fn the_last_page_finishes_and_back_never_goes_below_zero() {
        let i = instrument();
        let last = parse_page_form(
            &i,
            &form(&[("page", "1"), ("action", "finish"), ("B1", "")]),
            &[],
        )
        .expect("valid");
        assert_eq!(last.navigation, Navigation::Finish);
        assert_eq!(last.next_page(), None);
        assert_eq!(last.answers, vec![(2, 0)]);
        let first = parse_page_form(
            &i,
            &form(&[("page", "0"), ("action", "back"), ("sex", "none")]),
            &[],
        )
        .expect("valid");
        assert_eq!(first.next_page(), Some(0));
        assert_eq!(first.sex, Some(None));
        assert_eq!(first.home_district, Some(None));
    }

    #[test]
    fn a_language_switch_saves_the_page_and_stays_on_it() {
        let i = instrument();
        let switched = parse_page_form(
            &i,
            &form(&[("page", "1"), ("action", "language:en"), ("B1", "2")]),
            &[],
        )
        .expect("valid");
        assert_eq!(switched.navigation, Navigation::Language("en".into()));
        assert_eq!(switched.next_page(), Some(1));
        assert_eq!(switched.answers, vec![(2, 2)]);
    }

    /// The demo carries Turkish for pupils: every text a pupil reads has
    /// it, no report text does, and a switch to it is accepted.
    #[test]
    fn the_demo_questionnaire_speaks_turkish_to_pupils_only() {
        let demo = demo();
        assert_eq!(demo.questionnaire_languages, ["tr"]);
        assert!(demo.offers_questionnaire_language("tr"));
        assert!(!demo.offers_questionnaire_language("ar"));
        assert!(demo.title.translation("tr").is_some());
        for page in &demo.pages {
            assert!(page.title.translation("tr").is_some(), "{}", page.id);
        }
        for item in &demo.items {
            assert!(item.text.translation("tr").is_some(), "{}", item.code);
        }
        for set in &demo.response_sets {
            for option in &set.options {
                assert!(option.label.translation("tr").is_some(), "{}", set.id);
            }
        }
        for scale in &demo.scales {
            assert_eq!(scale.label.languages().collect::<Vec<_>>(), ["de", "en"]);
        }
        let switched = parse_page_form(
            &demo,
            &form(&[("page", "3"), ("action", "language:tr")]),
            &[],
        )
        .expect("valid");
        assert_eq!(switched.navigation, Navigation::Language("tr".into()));
    }

    fn demo() -> Instrument {
        Instrument::from_toml_str(
            include_str!("../../../../instruments/demo-ctc.toml"),
            "demo-ctc.toml",
        )
        .expect("the demo instrument is valid")
    }

    #[test]
    fn items_sharing_a_response_set_become_one_grid() {
        let i = instrument();
        assert_eq!(
            question_blocks(&i, 0),
            vec![QuestionBlock::Grid {
                response_set: 0,
                items: vec![0, 1]
            }]
        );
        // A lone item stays a single question; no page, no block.
        assert_eq!(question_blocks(&i, 1), vec![QuestionBlock::Single(2)]);
        assert!(question_blocks(&i, 2).is_empty());
    }

    #[test]
    fn the_demo_pages_keep_every_item_once_in_order() {
        let demo = demo();
        let mut grids = 0;
        for (index, page) in demo.pages.iter().enumerate() {
            let blocks = question_blocks(&demo, index);
            let flattened: Vec<usize> = blocks
                .iter()
                .flat_map(|block| match block {
                    QuestionBlock::Single(item) => vec![*item],
                    QuestionBlock::Grid { items, .. } => items.clone(),
                })
                .collect();
            assert_eq!(flattened, page.items, "page {}", page.id);
            for block in &blocks {
                if let QuestionBlock::Grid {
                    response_set,
                    items,
                } = block
                {
                    grids += 1;
                    assert!(items.len() >= 2);
                    assert!(demo.response_sets[*response_set].options.len() <= MAX_GRID_OPTIONS);
                    assert!(
                        items
                            .iter()
                            .all(|&item| demo.items[item].response_set == *response_set)
                    );
                }
            }
        }
        // The agreement blocks of the demo are grids; the eight-option
        // ages of onset are not.
        assert!(grids >= 10, "{grids} grids");
        let onset = demo.item_index("PI_ONSET_ALC").expect("an onset item");
        assert_eq!(demo.response_set_of(onset).id, "onset8");
        let page = demo.items[onset].page;
        assert!(question_blocks(&demo, page).contains(&QuestionBlock::Single(onset)));
    }
}
