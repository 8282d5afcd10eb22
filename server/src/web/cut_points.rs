//! `POST /qualitaet/schnittpunkte`: a coordinator chooses the cut-point set
//! a closed or open wave's results use (one of the wave's instrument, or
//! the instrument's own). The published result is rebuilt in the
//! background; until it is stored, pages show the previous one, which names
//! its own set, so nothing is shown under a wrong name.

use app::domain::access::Action;
use app::storage::StorageError;
use app::storage::analysis::cut_points;
use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};

use crate::web::forms::{field, internal, signed_in_for_wave};
use crate::web::state::AppState;

/// Stores the choice and returns to the wave's quality page.
pub async fn choose(
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
    let wave_id = wave.wave_id;
    let back = |query: &str| Redirect::to(&format!("/qualitaet/{wave_id}?{query}")).into_response();
    let chosen = match field(&fields, "set") {
        "default" => None,
        id => match id.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => return back("schnittpunkte=unbekannt"),
        },
    };
    match cut_points::choose_for_wave(db, wave_id, chosen, Some(signed_in.principal.user_id)).await
    {
        Ok(()) => {}
        Err(StorageError::NotFound(_)) => return back("schnittpunkte=unbekannt"),
        Err(error) => return internal(error),
    }
    // A large wave takes seconds to rebuild: not on the request.
    let db = db.clone();
    tokio::spawn(async move {
        if let Err(error) =
            app::analysis::publication::rebuild_if_closed(&db, &wave, &mut |_| {}).await
        {
            tracing::error!(wave = wave.wave_id, %error, "rebuild after a cut-point choice failed");
        }
    });
    back("schnittpunkte=gewaehlt")
}
