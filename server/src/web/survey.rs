//! The pupil questionnaire's form posts. Plain HTML forms and redirects, so
//! the questionnaire works without JavaScript; the pages themselves are
//! leptos routes (`app::pages::survey`).

use app::domain::survey::access_code::AccessCode;
use app::domain::survey::questionnaire::{Navigation, parse_page_form};
use app::pages::survey::{CODE_COOKIE, code_from_cookies};
use app::storage::survey::access_codes::CodeState;
use app::storage::survey::drafts::FinishOutcome;
use app::storage::survey::{access_codes, drafts, instruments};
use app::storage::{Db, geography};
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::web::state::AppState;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn to_start(error: &str) -> Response {
    Redirect::to(&format!("/befragung?fehler={error}")).into_response()
}

fn internal(error: impl std::fmt::Display) -> Response {
    tracing::error!(%error, "survey request failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "Interner Fehler / internal error",
    )
        .into_response()
}

/// A tampered or malformed form: nothing was saved.
fn rejected(message: impl std::fmt::Display) -> Response {
    (
        StatusCode::BAD_REQUEST,
        format!("Die Eingabe wurde abgelehnt, nichts wurde gespeichert. / Input rejected, nothing was saved: {message}"),
    )
        .into_response()
}

fn with_cookie(mut response: Response, value: &str, max_age: Option<u32>) -> Response {
    let age = max_age.map_or(String::new(), |a| format!("; Max-Age={a}"));
    let cookie = format!("{CODE_COOKIE}={value}; Path=/befragung; HttpOnly; SameSite=Strict{age}");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// `POST /befragung/start`: a pupil enters a code and picks the language
/// of the questionnaire. A started questionnaire resumes in the language
/// kept with its draft (the questionnaire pages switch it).
pub async fn start(
    State(state): State<AppState>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let db = &state.db;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let typed = field("code").unwrap_or("");
    let Ok(code) = AccessCode::parse(typed) else {
        return to_start("ungueltig");
    };
    let row = match access_codes::lookup(db, &code).await {
        Ok(Some(row)) => row,
        Ok(None) => return to_start("unbekannt"),
        Err(error) => return internal(error),
    };
    if row.state == CodeState::Finished {
        return to_start("benutzt");
    }
    match drafts::wave_open_for_class(db, row.class_id).await {
        Ok(true) => {}
        Ok(false) => return to_start("geschlossen"),
        Err(error) => return internal(error),
    }
    if row.state == CodeState::Issued {
        let instrument = match instrument_of_class(db, row.class_id).await {
            Ok(instrument) => instrument,
            Err(error) => return internal(error),
        };
        let language = match field("language") {
            None | Some("") => instrument.default_language().to_string(),
            Some(language) if instrument.offers_questionnaire_language(language) => {
                language.to_string()
            }
            // Offered by another open wave's questionnaire, not this one.
            Some(_) => return to_start("sprache"),
        };
        if let Err(error) = drafts::start(db, row, &instrument, &language, now()).await {
            return internal(error);
        }
    }
    let next = match drafts::load(db, row.code_id).await {
        Ok(Some(draft)) => draft.next_page,
        Ok(None) => 0,
        Err(error) => return internal(error),
    };
    with_cookie(
        Redirect::to(&format!("/befragung/fragen?seite={next}")).into_response(),
        code.as_str(),
        None,
    )
}

async fn instrument_of_class(
    db: &Db,
    class_id: i64,
) -> Result<std::sync::Arc<app::domain::survey::instrument::Instrument>, app::storage::StorageError>
{
    instruments::load(db, drafts::instrument_of_class(db, class_id).await?).await
}

/// `POST /befragung/fragen`: a page is saved (and the questionnaire maybe
/// finished).
pub async fn save_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let db = &state.db;
    let Some(code) = code_from_cookies(&headers) else {
        return to_start("sitzung");
    };
    let row = match access_codes::lookup(db, &code).await {
        Ok(Some(row)) => row,
        Ok(None) => return to_start("unbekannt"),
        Err(error) => return internal(error),
    };
    if row.state == CodeState::Finished {
        // A retried or double-clicked finish: the response exists once.
        return with_cookie(
            Redirect::to("/befragung/danke").into_response(),
            "",
            Some(0),
        );
    }
    let draft = match drafts::load(db, row.code_id).await {
        Ok(Some(draft)) => draft,
        Ok(None) => {
            // A concurrent submission may have finished the questionnaire
            // between the lookup and now: that is a success, not an error.
            return match access_codes::lookup(db, &code).await {
                Ok(Some(now)) if now.state == CodeState::Finished => with_cookie(
                    Redirect::to("/befragung/danke").into_response(),
                    "",
                    Some(0),
                ),
                Ok(_) => to_start("sitzung"),
                Err(error) => internal(error),
            };
        }
        Err(error) => return internal(error),
    };
    if !draft.wave_open {
        return to_start("geschlossen");
    }
    let instrument = match instruments::load(db, draft.instrument_id).await {
        Ok(instrument) => instrument,
        Err(error) => return internal(error),
    };
    let districts: Vec<i64> = match geography::districts(db, draft.municipality_id).await {
        Ok(rows) => rows.into_iter().map(|d| d.district_id).collect(),
        Err(error) => return internal(error),
    };
    let form = match parse_page_form(&instrument, &fields, &districts) {
        Ok(form) => form,
        Err(error) => return rejected(error),
    };
    match (&form.navigation, form.next_page()) {
        (Navigation::Finish, _) | (_, None) => {
            match drafts::finish(db, row.code_id, &instrument, &form, now()).await {
                Ok(FinishOutcome::Stored | FinishOutcome::AlreadyFinished) => with_cookie(
                    Redirect::to(&format!("/befragung/danke?sprache={}", draft.language))
                        .into_response(),
                    "",
                    Some(0),
                ),
                Err(error) => internal(error),
            }
        }
        (_, Some(next)) => match drafts::save_page(db, &draft, &form, next).await {
            Ok(()) => Redirect::to(&format!("/befragung/fragen?seite={next}")).into_response(),
            Err(error) => internal(error),
        },
    }
}
