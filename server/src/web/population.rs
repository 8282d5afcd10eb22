//! `POST /qualitaet/schuelerzahlen`: a coordinator replaces a wave's pupil
//! counts per school type × grade with a pasted CSV (checked like
//! `server population import`: every problem by row and column, nothing
//! stored unless all rows are right).

use app::domain::access::Action;
use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};

use crate::web::forms::{field, signed_in_for_wave, urlencode};
use crate::web::state::AppState;

/// Stores the counts and returns to the wave's quality page.
pub async fn enter(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let db = &state.db;
    let (signed_in, wave, _) =
        match signed_in_for_wave(db, &headers, &fields, Action::ManageSurvey).await {
            Ok(found) => found,
            Err(response) => return response,
        };
    let back = |query: &str| {
        Redirect::to(&format!("/qualitaet/{}?{query}#population", wave.wave_id)).into_response()
    };
    let source = field(&fields, "source").trim();
    let source = if source.is_empty() {
        "Formular / form"
    } else {
        source
    };
    let source: String = source.chars().take(200).collect();
    match crate::tables::import_population(
        db,
        &wave,
        field(&fields, "csv"),
        &source,
        Some(signed_in.principal.user_id),
    )
    .await
    {
        Ok(_) => back("schuelerzahlen=gespeichert"),
        Err(error) => {
            let text = format!("{error:#}");
            back(&format!(
                "schuelerzahlen=fehler&fehler={}",
                urlencode(&text)
            ))
        }
    }
}
