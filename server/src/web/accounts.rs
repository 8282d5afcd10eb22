//! The sign-in and sign-out form posts.

use crate::web::forms::{field, internal, signed_in_with_csrf};

use app::auth;
use app::auth::AuthError;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::web::state::AppState;

/// A same-site path to go to after sign-in; anything else goes to the
/// overview.
fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/uebersicht"
    }
}

fn with_set_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// `POST /anmelden`.
pub async fn sign_in(
    State(state): State<AppState>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let email = field(&fields, "email");
    let password = field(&fields, "password");
    let next = safe_next(field(&fields, "next"));
    match auth::sign_in(&state.db, email, password).await {
        Ok(session) => {
            tracing::info!(user = session.user_id, "signed in");
            with_set_cookie(
                Redirect::to(next).into_response(),
                &auth::session_cookie(&session.token, state.secure_cookies.0),
            )
        }
        Err(AuthError::WrongCredentials) => Redirect::to("/anmelden?fehler=falsch").into_response(),
        Err(AuthError::Throttled { .. }) => {
            Redirect::to("/anmelden?fehler=gesperrt").into_response()
        }
        Err(error) => internal(error),
    }
}

/// `POST /abmelden`.
pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(response) = signed_in_with_csrf(&state.db, &headers, &fields).await {
        return response;
    }
    if let Some(token) = auth::session_token(&headers)
        && let Err(error) = auth::sign_out(&state.db, &token).await
    {
        return internal(error);
    }
    with_set_cookie(
        Redirect::to("/").into_response(),
        &auth::clear_session_cookie(state.secure_cookies.0),
    )
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_same_site_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next("/profil/3/4"), "/profil/3/4");
        assert_eq!(safe_next("//evil.example/"), "/uebersicht");
        assert_eq!(safe_next("https://evil.example/"), "/uebersicht");
        assert_eq!(safe_next("/\\evil.example"), "/uebersicht");
        assert_eq!(safe_next(""), "/uebersicht");
    }
}
