//! The admins' norm-set form posts on `/vergleichswerte`: the same
//! checked import as `server norms import`.

use crate::tables::{ImportRequest, import_norm_set};

use app::domain::access::{Action, Scope};
use app::storage::Db;
use app::storage::analysis::norms;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use crate::web::forms::{field, internal, signed_in_with_csrf, urlencode};
use crate::web::state::AppState;

/// `POST /vergleichswerte`: an admin imports a norm set pasted into the
/// form, with the CLI's checks.
pub async fn save_from_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let db = &state.db;
    if let Err(response) = admin(db, &headers, &fields).await {
        return response;
    }
    let request = ImportRequest {
        key: field(&fields, "key"),
        label: field(&fields, "label"),
        source: field(&fields, "source"),
        instrument: Some(field(&fields, "instrument")).filter(|i| !i.is_empty()),
        csv: field(&fields, "csv"),
        replace: field(&fields, "replace") == "true",
    };
    match import_norm_set(db, &request).await {
        Ok((key, _, _)) => {
            Redirect::to(&format!("/vergleichswerte?gespeichert={key}")).into_response()
        }
        Err(error) => {
            let text = format!("{error:#}").replace('\n', "; ");
            Redirect::to(&format!("/vergleichswerte?fehler={}", urlencode(&text))).into_response()
        }
    }
}

/// `POST /vergleichswerte/loeschen`: an admin deletes a norm set.
pub async fn delete_from_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let db = &state.db;
    if let Err(response) = admin(db, &headers, &fields).await {
        return response;
    }
    let key = field(&fields, "key");
    match norms::delete(db, key).await {
        Ok(true) => {
            Redirect::to(&format!("/vergleichswerte?geloescht={}", urlencode(key))).into_response()
        }
        Ok(false) => Redirect::to(&format!(
            "/vergleichswerte?fehler={}",
            urlencode(&format!("no norm set with the key \"{key}\""))
        ))
        .into_response(),
        Err(error) => internal(error),
    }
}

/// Session, CSRF token and the admin right, or the refusal to send.
async fn admin(db: &Db, headers: &HeaderMap, fields: &[(String, String)]) -> Result<(), Response> {
    let signed_in = signed_in_with_csrf(db, headers, fields).await?;
    if signed_in
        .principal
        .may(Action::Administer, &Scope::municipality(0, None))
    {
        Ok(())
    } else {
        Err((StatusCode::FORBIDDEN, "Keine Berechtigung / not allowed").into_response())
    }
}
