//! The pupil questionnaire: code entry, one page per block, thank-you page.
//!
//! Every page is a plain HTML form that posts to the server (handlers in
//! `server/src/web/survey.rs`) and is answered with a redirect, so it works on
//! old tablets without JavaScript. The code travels in an HttpOnly cookie
//! limited to `/befragung` and is deleted when the questionnaire is
//! finished.

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
    /// The questions.
    pub items: Vec<ItemView>,
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
}

/// The page `page` of the questionnaire of the code in the cookie, in
/// `language`.
#[server(prefix = "/api", endpoint = "survey_page")]
pub async fn survey_page(page: usize, language: String) -> Result<SurveyPageView, AppError> {
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
    let index = page.min(instrument.pages.len().saturating_sub(1));
    let page_model = instrument.pages.get(index).ok_or(AppError::NotFound)?;
    let items = page_model
        .items
        .iter()
        .filter_map(|&item| {
            let model = instrument.items.get(item)?;
            let set = instrument.response_set_of(item);
            Some(ItemView {
                code: model.code.clone(),
                text: model.text.get(&language).to_string(),
                options: set
                    .options
                    .iter()
                    .map(|o| OptionView {
                        value: o.value,
                        label: o.label.get(&language).to_string(),
                    })
                    .collect(),
                selected: draft
                    .answers
                    .get(item)
                    .and_then(|&byte| instrument.decode_value(item, byte).ok().flatten()),
            })
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
        items,
        ask_sex: first && instrument.demographics.ask_sex,
        sex: draft.sex.map(|s| s.as_str().to_string()),
        districts,
        home_district: draft.home_district,
        minutes_left: crate::domain::survey::questionnaire::minutes_left(&instrument, index),
    })
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
                _ => t_string!(i18n, survey_error_invalid).to_string(),
            })
    };
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
    let view_data = Resource::new(
        move || (page(), i18n.get_locale().to_string()),
        |(page, language)| survey_page(page, language),
    );
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
    let i18n = use_i18n();
    let last = data.page + 1 == data.pages;
    let progress = format!("{} / {}", data.page + 1, data.pages);
    let minutes_left = data.minutes_left;
    let sex = data.sex.clone();
    let sex_options = [
        ("female", t_string!(i18n, sex_female).to_string()),
        ("male", t_string!(i18n, sex_male).to_string()),
        ("diverse", t_string!(i18n, sex_diverse).to_string()),
        ("none", t_string!(i18n, sex_none).to_string()),
    ];
    view! {
        <div class="survey-progress">
            <progress max=data.pages value=data.page + 1 aria-label=move || t_string!(i18n, survey_progress)></progress>
            <span>{t!(i18n, survey_page)} " " {progress}</span>
            <span class="minutes-left">{t!(i18n, survey_minutes_left, minutes = move || minutes_left)}</span>
        </div>
        <h1>{data.title.clone()}</h1>
        {data.intro.clone().map(|intro| view! { <p class="intro">{intro}</p> })}
        <form method="post" action="/befragung/fragen" class="questionnaire">
            <input type="hidden" name="page" value=data.page />
            {data.ask_sex.then(|| view! {
                <fieldset class="item">
                    <legend>{t!(i18n, sex_question)}</legend>
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
                        <label for="home_district">{t!(i18n, home_district_question)}</label>
                        <select id="home_district" name="home_district">
                            <option value="none">{t!(i18n, home_district_none)}</option>
                            {districts.into_iter().map(|(id, name)| view! {
                                <option value=id selected=home == Some(id)>{name}</option>
                            }).collect_view()}
                        </select>
                    </div>
                }
            })}
            {data.items.into_iter().map(|item| {
                let code = item.code.clone();
                view! {
                    <fieldset class="item">
                        <legend>{item.text.clone()}</legend>
                        <div class="options">
                            {item.options.into_iter().map(|option| {
                                let id = format!("{}-{}", code, option.value);
                                view! {
                                    <label>
                                        <input
                                            type="radio"
                                            id=id
                                            name=code.clone()
                                            value=option.value
                                            checked=item.selected == Some(option.value)
                                        />
                                        <span>{option.label}</span>
                                    </label>
                                }
                            }).collect_view()}
                        </div>
                    </fieldset>
                }
            }).collect_view()}
            <div class="survey-nav">
                {(data.page > 0).then(|| view! {
                    <button type="submit" name="action" value="back" class="secondary">{t!(i18n, survey_back)}</button>
                })}
                {if last {
                    view! { <button type="submit" name="action" value="finish">{t!(i18n, survey_finish)}</button> }.into_any()
                } else {
                    view! { <button type="submit" name="action" value="next">{t!(i18n, survey_next)}</button> }.into_any()
                }}
            </div>
        </form>
    }
}

/// `/befragung/danke`: shown once the questionnaire is stored.
#[component]
pub fn SurveyDone() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="page survey">
            <h1>{t!(i18n, survey_done_title)}</h1>
            <p>{t!(i18n, survey_done_text)}</p>
        </section>
    }
}
