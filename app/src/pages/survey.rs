//! The pupil questionnaire: code entry, one page per block, thank-you page.
//!
//! Every page is a plain HTML form that posts to the server (handlers in
//! `server/src/web/survey.rs`) and is answered with a redirect, so it works on
//! old tablets without JavaScript. The code travels in an HttpOnly cookie
//! limited to `/befragung` and is deleted when the questionnaire is
//! finished.

use crate::domain::survey::wording::{SurveyWording, language_name, text_direction};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// Name of the cookie holding the pupil's code while answering.
pub const CODE_COOKIE: &str = "quartier_code";

/// The code from the request's cookies, if present and well-formed.
#[cfg(feature = "ssr")]
pub fn code_from_cookies(
    headers: &http::HeaderMap,
) -> Option<crate::domain::survey::access_code::AccessCode> {
    crate::auth::cookie_value(headers, CODE_COOKIE)
        .and_then(|value| crate::domain::survey::access_code::AccessCode::parse(value).ok())
}

/// One answer option.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OptionView {
    /// The value posted.
    pub value: i32,
    /// What the pupil reads.
    pub label: String,
}

/// One question.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemView {
    /// Item code (the form field name).
    pub code: String,
    /// Question text.
    pub text: String,
    /// Options in order.
    pub options: Vec<OptionView>,
    /// The value answered so far.
    pub selected: Option<i32>,
}

/// How questions are laid out on a page (see
/// `crate::domain::survey::questionnaire::question_blocks`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum QuestionBlockView {
    /// One question with its options.
    Single(ItemView),
    /// Questions answered on the same options, shown as one grid: a table
    /// on wide screens, stacked questions on phones.
    Grid {
        /// The shared options (the column headers).
        options: Vec<OptionView>,
        /// The questions (the rows); their `options` equal the shared ones.
        items: Vec<ItemView>,
    },
}

/// Everything one questionnaire page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SurveyPageView {
    /// Page index (0-based).
    pub page: usize,
    /// Number of pages.
    pub pages: usize,
    /// Page heading.
    pub title: String,
    /// Explanation above the questions.
    pub intro: Option<String>,
    /// The questions, alone or in grids, in questionnaire order.
    pub blocks: Vec<QuestionBlockView>,
    /// Whether this page asks for sex.
    pub ask_sex: bool,
    /// Sex answered so far (`female`, `male`, `diverse`).
    pub sex: Option<String>,
    /// Home-district options `(id, name)` when this page asks for it.
    pub districts: Option<Vec<(i64, String)>>,
    /// Home district answered so far.
    pub home_district: Option<i64>,
    /// About how many minutes the rest of the questionnaire takes, this
    /// page included.
    pub minutes_left: u32,
    /// The language the pupil answers in (kept with the draft).
    pub language: String,
    /// Every language the questionnaire is given in, for the switch.
    pub languages: Vec<String>,
}

/// The languages pupils can answer in today: those of the questionnaires of
/// the open waves, the instruments' own languages first.
#[server(prefix = "/api", endpoint = "survey_languages")]
pub async fn survey_languages() -> Result<Vec<String>, AppError> {
    use crate::storage::survey::{drafts, instruments};
    let db = crate::storage::db()?;
    let mut languages: Vec<String> = Vec::new();
    for instrument_id in drafts::instruments_of_open_waves(&db).await? {
        let instrument = instruments::load(&db, instrument_id).await?;
        for language in instrument.questionnaire_language_codes() {
            if !languages.iter().any(|known| known == language) {
                languages.push(language.to_string());
            }
        }
    }
    Ok(languages)
}

/// The page `page` of the questionnaire of the code in the cookie, in the
/// language kept with its draft.
#[server(prefix = "/api", endpoint = "survey_page")]
pub async fn survey_page(page: usize) -> Result<SurveyPageView, AppError> {
    use crate::domain::survey::questionnaire::{QuestionBlock, question_blocks};
    use crate::storage::{geography, survey::access_codes, survey::drafts, survey::instruments};
    let db = crate::storage::db()?;
    let headers: http::HeaderMap = leptos_axum::extract()
        .await
        .map_err(|_| AppError::Internal)?;
    let code = code_from_cookies(&headers).ok_or(AppError::Forbidden)?;
    let row = access_codes::lookup(&db, &code)
        .await?
        .ok_or(AppError::Forbidden)?;
    let draft = drafts::load(&db, row.code_id)
        .await?
        .ok_or(AppError::Forbidden)?;
    let instrument = instruments::load(&db, draft.instrument_id).await?;
    let language = draft.language.clone();
    let index = page.min(instrument.pages.len().saturating_sub(1));
    let page_model = instrument.pages.get(index).ok_or(AppError::NotFound)?;
    let item_view = |item: usize| {
        let model = instrument.items.get(item)?;
        Some(ItemView {
            code: model.code.clone(),
            text: model.text.get(&language).to_string(),
            options: option_views(instrument.response_set_of(item), &language),
            selected: draft
                .answers
                .get(item)
                .and_then(|&byte| instrument.decode_value(item, byte).ok().flatten()),
        })
    };
    let blocks = question_blocks(&instrument, index)
        .into_iter()
        .filter_map(|block| match block {
            QuestionBlock::Single(item) => item_view(item).map(QuestionBlockView::Single),
            QuestionBlock::Grid {
                response_set,
                items,
            } => Some(QuestionBlockView::Grid {
                options: option_views(instrument.response_sets.get(response_set)?, &language),
                items: items.into_iter().filter_map(item_view).collect(),
            }),
        })
        .collect();
    let first = index == 0;
    let districts = if first && instrument.demographics.ask_home_district {
        Some(
            geography::districts(&db, draft.municipality_id)
                .await?
                .into_iter()
                .map(|d| (d.district_id, d.name))
                .collect(),
        )
    } else {
        None
    };
    Ok(SurveyPageView {
        page: index,
        pages: instrument.pages.len(),
        title: page_model.title.get(&language).to_string(),
        intro: page_model
            .intro
            .as_ref()
            .map(|t| t.get(&language).to_string()),
        blocks,
        ask_sex: first && instrument.demographics.ask_sex,
        sex: draft.sex.map(|s| s.as_str().to_string()),
        districts,
        home_district: draft.home_district,
        minutes_left: crate::domain::survey::questionnaire::minutes_left(&instrument, index),
        languages: instrument
            .questionnaire_language_codes()
            .map(str::to_string)
            .collect(),
        language,
    })
}

/// The options of a response set in `language`.
#[cfg(feature = "ssr")]
fn option_views(
    set: &crate::domain::survey::instrument::ResponseSet,
    language: &str,
) -> Vec<OptionView> {
    set.options
        .iter()
        .map(|o| OptionView {
            value: o.value,
            label: o.label.get(language).to_string(),
        })
        .collect()
}

/// `/befragung`: the pupil types the code from the slip.
#[component]
pub fn SurveyStart() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let error = move || {
        query
            .with(|q| q.get("fehler"))
            .map(|code| match code.as_str() {
                "benutzt" => t_string!(i18n, survey_error_used).to_string(),
                "unbekannt" => t_string!(i18n, survey_error_unknown).to_string(),
                "geschlossen" => t_string!(i18n, survey_error_closed).to_string(),
                "sitzung" => t_string!(i18n, survey_error_session).to_string(),
                "sprache" => t_string!(i18n, survey_error_language).to_string(),
                _ => t_string!(i18n, survey_error_invalid).to_string(),
            })
    };
    let languages = Resource::new(|| (), |_| survey_languages());
    view! {
        <section class="page survey">
            <h1>{t!(i18n, survey_title)}</h1>
            <p>{t!(i18n, survey_intro)}</p>
            {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
            <form method="post" action="/befragung/start" class="code-form">
                <label for="code">{t!(i18n, survey_code_label)}</label>
                <input
                    id="code"
                    name="code"
                    type="text"
                    autocomplete="off"
                    autocapitalize="characters"
                    spellcheck="false"
                    required
                    placeholder="K7M-4QX-9TB"
                />
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let languages = languages.await.unwrap_or_default();
                        (languages.len() > 1).then(|| {
                            // Preselect the site's language where offered.
                            let site = i18n.get_locale().to_string();
                            let preselected = if languages.contains(&site) {
                                site
                            } else {
                                languages[0].clone()
                            };
                            view! {
                                <label for="language">{t!(i18n, survey_language_label)}</label>
                                <select id="language" name="language">
                                    {languages.into_iter().map(|language| {
                                        let selected = language == preselected;
                                        let name = language_name(&language).to_string();
                                        view! {
                                            <option value=language.clone() lang=language selected=selected>{name}</option>
                                        }
                                    }).collect_view()}
                                </select>
                            }
                        })
                    })}
                </Suspense>
                <button type="submit">{t!(i18n, survey_start)}</button>
            </form>
        </section>
    }
}

/// `/befragung/fragen?seite=N`: one page of the questionnaire.
#[component]
pub fn SurveyQuestions() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let page = move || {
        query
            .with(|q| q.get("seite"))
            .and_then(|p| p.parse::<usize>().ok())
            .unwrap_or(0)
    };
    let view_data = Resource::new(page, survey_page);
    view! {
        <section class="page survey">
            <Suspense fallback=move || view! { <p class="loading">{t!(i18n, status_loading)}</p> }>
                {move || Suspend::new(async move {
                    match view_data.await {
                        Ok(data) => view! { <QuestionPage data /> }.into_any(),
                        Err(_) => view! {
                            <p class="error" role="alert">{t!(i18n, survey_error_session)}</p>
                            <p><a href="/befragung">{t!(i18n, survey_enter_code)}</a></p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn QuestionPage(data: SurveyPageView) -> impl IntoView {
    // The pupil's questionnaire language, which may differ from the site's.
    let wording = SurveyWording::for_language(&data.language);
    let last = data.page + 1 == data.pages;
    let sex = data.sex.clone();
    let sex_options = [
        ("female", wording.sex_female),
        ("male", wording.sex_male),
        ("diverse", wording.sex_diverse),
        ("none", wording.sex_none),
    ];
    let other_languages: Vec<String> = data
        .languages
        .iter()
        .filter(|language| **language != data.language)
        .cloned()
        .collect();
    view! {
        <div class="questionnaire-page" lang=data.language.clone() dir=text_direction(&data.language)>
        <div class="survey-progress">
            <progress max=data.pages value=data.page + 1 aria-label=wording.progress></progress>
            <span>{wording.page_of(data.page + 1, data.pages)}</span>
            <span class="minutes-left">{wording.minutes_left(data.minutes_left)}</span>
        </div>
        <h1>{data.title.clone()}</h1>
        {data.intro.clone().map(|intro| view! { <p class="intro">{intro}</p> })}
        <form method="post" action="/befragung/fragen" class="questionnaire">
            <input type="hidden" name="page" value=data.page />
            {data.ask_sex.then(|| view! {
                <fieldset class="item">
                    <legend>{wording.sex_question}</legend>
                    <div class="options">
                        {sex_options.into_iter().map(|(value, label)| {
                            let checked = sex.as_deref() == Some(value);
                            let id = format!("sex-{value}");
                            view! {
                                <label>
                                    <input type="radio" id=id name="sex" value=value checked=checked />
                                    <span>{label}</span>
                                </label>
                            }
                        }).collect_view()}
                    </div>
                </fieldset>
            })}
            {data.districts.clone().map(|districts| {
                let home = data.home_district;
                view! {
                    <div class="item">
                        <label for="home_district">{wording.home_district_question}</label>
                        <select id="home_district" name="home_district">
                            <option value="none">{wording.home_district_none}</option>
                            {districts.into_iter().map(|(id, name)| view! {
                                <option value=id selected=home == Some(id)>{name}</option>
                            }).collect_view()}
                        </select>
                    </div>
                }
            })}
            {data.blocks.into_iter().map(|block| match block {
                QuestionBlockView::Single(item) => view! { <SingleQuestion item /> }.into_any(),
                QuestionBlockView::Grid { options, items } => {
                    view! { <QuestionGrid options items /> }.into_any()
                }
            }).collect_view()}
            <div class="survey-nav">
                {(data.page > 0).then(|| view! {
                    <button type="submit" name="action" value="back" class="secondary">{wording.back}</button>
                })}
                {if last {
                    view! { <button type="submit" name="action" value="finish">{wording.finish}</button> }.into_any()
                } else {
                    view! { <button type="submit" name="action" value="next">{wording.next}</button> }.into_any()
                }}
            </div>
            // After the page buttons, so that Enter never switches the
            // language; the page's answers are saved with the switch.
            {(!other_languages.is_empty()).then(|| view! {
                <div class="survey-languages" role="group" aria-label=wording.language_label>
                    <span aria-hidden="true">{wording.language_label}": "</span>
                    {other_languages.into_iter().map(|language| {
                        let name = language_name(&language).to_string();
                        let direction = text_direction(&language);
                        view! {
                            <button
                                type="submit"
                                name="action"
                                value=format!("{}{language}", crate::domain::survey::questionnaire::LANGUAGE_ACTION_PREFIX)
                                class="link"
                                lang=language.clone()
                                dir=direction
                            >
                                {name}
                            </button>
                        }
                    }).collect_view()}
                </div>
            })}
        </form>
        </div>
    }
}

/// A radio button of one option; its label is the option text, which a
/// grid hides visually on wide screens (the column header shows it) but
/// keeps as the button's accessible name.
#[component]
fn OptionButton(code: String, option: OptionView, selected: Option<i32>) -> impl IntoView {
    let id = format!("{}-{}", code, option.value);
    view! {
        <label>
            <input
                type="radio"
                id=id
                name=code
                value=option.value
                checked=selected == Some(option.value)
            />
            <span class="option-label">{option.label}</span>
        </label>
    }
}

/// One question on its own: a fieldset whose legend is the question.
#[component]
fn SingleQuestion(item: ItemView) -> impl IntoView {
    let ItemView {
        code,
        text,
        options,
        selected,
    } = item;
    view! {
        <fieldset class="item">
            <legend>{text}</legend>
            <div class="options">
                {options.into_iter().map(|option| {
                    view! { <OptionButton code=code.clone() option selected /> }
                }).collect_view()}
            </div>
        </fieldset>
    }
}

/// Questions on shared options as a table: the options are column headers,
/// each question is a row header, so a screen reader announces both with
/// every button. On narrow screens the stylesheet stacks the rows and shows
/// each button's own label.
#[component]
fn QuestionGrid(options: Vec<OptionView>, items: Vec<ItemView>) -> impl IntoView {
    view! {
        <table class="likert">
            <thead>
                <tr>
                    <td></td>
                    {options.iter().map(|option| view! { <th scope="col">{option.label.clone()}</th> }).collect_view()}
                </tr>
            </thead>
            <tbody>
                {items.into_iter().map(|item| {
                    let ItemView { code, text, options, selected } = item;
                    view! {
                        <tr class="grid-item">
                            <th scope="row">{text}</th>
                            {options.into_iter().map(|option| view! {
                                <td><OptionButton code=code.clone() option selected /></td>
                            }).collect_view()}
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// `/befragung/danke`: shown once the questionnaire is stored.
#[component]
pub fn SurveyDone() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    // The questionnaire's language travels in the redirect (the draft is
    // gone); without it, the site's.
    let language = move || {
        query
            .with(|q| q.get("sprache"))
            .filter(|language| SurveyWording::exists_for(language))
            .unwrap_or_else(|| i18n.get_locale().to_string())
    };
    let wording = move || SurveyWording::for_language(&language());
    view! {
        <section class="page survey" lang=language dir=move || text_direction(&language())>
            <h1>{move || wording().done_title}</h1>
            <p>{move || wording().done_text}</p>
        </section>
    }
}
