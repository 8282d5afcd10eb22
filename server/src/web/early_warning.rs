//! The coordinator's form posts on `/fruehwarnung/{municipality}`:
//! `POST /fruehwarnung/schwellen` changes the municipality's early-warning
//! thresholds (added to their history), `POST /fruehwarnung/indikatoren`
//! imports context-indicator values pasted as CSV with the checks of
//! `server indicators import`. A refused form changes nothing and says why.

use app::domain::access::Action;
use app::domain::early_warning::Thresholds;
use app::storage::{early_warning, geography};
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use crate::web::forms::{field, internal, signed_in_with_csrf, urlencode};
use crate::web::state::AppState;

/// A form number: decimal comma or point, surrounding spaces ignored.
fn number(text: &str) -> Option<f64> {
    text.trim().replace(',', ".").parse::<f64>().ok()
}

/// The thresholds a form asks for, or the code of the first wrong field.
fn thresholds_of(fields: &[(String, String)]) -> Result<Thresholds, &'static str> {
    let whole = |name: &str| field(fields, name).trim().parse::<u8>().ok();
    let (Some(points), Some(waves), Some(percent), Some(periods)) = (
        number(field(fields, "survey_change_points")),
        whole("survey_sustained_waves"),
        number(field(fields, "indicator_change_percent")),
        whole("indicator_sustained_periods"),
    ) else {
        return Err("zahl");
    };
    Thresholds::new(points, waves, percent, periods).map_err(|error| error.code())
}

/// Session, CSRF token and the right to manage the context data of the
/// municipality named in the form: its id and the user's, or the refusal.
async fn manager(
    db: &app::storage::Db,
    headers: &HeaderMap,
    fields: &[(String, String)],
) -> Result<(i64, i64), Response> {
    let signed_in = signed_in_with_csrf(db, headers, fields).await?;
    let Ok(municipality_id) = field(fields, "municipality").parse::<i64>() else {
        return Err((StatusCode::BAD_REQUEST, "municipality missing").into_response());
    };
    let municipality = match geography::municipality(db, municipality_id).await {
        Ok(Some(m)) => m,
        Ok(None) => return Err((StatusCode::NOT_FOUND, "no such municipality").into_response()),
        Err(error) => return Err(internal(error)),
    };
    if !signed_in
        .principal
        .may(Action::ManageContextData, &municipality.scope())
    {
        return Err((StatusCode::FORBIDDEN, "Keine Berechtigung / not allowed").into_response());
    }
    Ok((municipality_id, signed_in.principal.user_id))
}

fn back(municipality: i64, query: &str) -> Response {
    Redirect::to(&format!("/fruehwarnung/{municipality}?{query}")).into_response()
}

/// Imports the pasted indicator values and returns to the early-warning
/// page with the counts, or with every problem by row and column.
pub async fn import_values(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let db = &state.db;
    let (municipality_id, _) = match manager(db, &headers, &fields).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match crate::tables::import_indicator_values(db, municipality_id, field(&fields, "csv")).await {
        Ok(count) => back(
            municipality_id,
            &format!("importiert={}&ersetzt={}", count.added, count.replaced),
        ),
        Err(error) => {
            let text = format!("{error:#}").replace('\n', "; ");
            back(
                municipality_id,
                &format!("importfehler={}", urlencode(&text)),
            )
        }
    }
}

/// Stores the posted thresholds and returns to the early-warning page.
pub async fn set_thresholds(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let db = &state.db;
    let (municipality_id, user_id) = match manager(db, &headers, &fields).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let back = |query: &str| back(municipality_id, query);
    let thresholds = match thresholds_of(&fields) {
        Ok(thresholds) => thresholds,
        Err(code) => return back(&format!("fehler={code}")),
    };
    let reason = field(&fields, "reason").trim();
    if reason.is_empty() {
        return back("fehler=begruendung");
    }
    match early_warning::set(db, municipality_id, &thresholds, reason, Some(user_id)).await {
        Ok(()) => back("gespeichert=1"),
        Err(error) => internal(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(values: [(&str, &str); 4]) -> Vec<(String, String)> {
        values
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_form_is_read_with_decimal_commas_and_refused_by_field() {
        let names = [
            "survey_change_points",
            "survey_sustained_waves",
            "indicator_change_percent",
            "indicator_sustained_periods",
        ];
        let with = |values: [&str; 4]| {
            thresholds_of(&form([
                (names[0], values[0]),
                (names[1], values[1]),
                (names[2], values[2]),
                (names[3], values[3]),
            ]))
        };
        assert_eq!(
            with(["7,5", "4", " 12 ", "3"]),
            Ok(Thresholds::new(7.5, 4, 12.0, 3).unwrap())
        );
        assert_eq!(with(["fünf", "3", "10", "3"]), Err("zahl"));
        assert_eq!(with(["5", "3.5", "10", "3"]), Err("zahl"));
        assert_eq!(with(["60", "3", "10", "3"]), Err("punkte"));
        assert_eq!(with(["5", "2", "10", "3"]), Err("wellen"));
        assert_eq!(with(["5", "3", "0,5", "3"]), Err("prozent"));
        assert_eq!(with(["5", "3", "10", "30"]), Err("perioden"));
    }
}
