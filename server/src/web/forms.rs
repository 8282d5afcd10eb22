//! What every form post of a signed-in user shares: reading fields, the
//! session with its CSRF token, the internal-error answer, query-string
//! encoding, and the `Origin` check that refuses any cross-site POST.
//!
//! Forms are plain HTML posts answered with redirects (they work without
//! JavaScript). Every form of a signed-in user carries the session's CSRF
//! token; on top of that, [`check_origin`] refuses any cross-site POST.

use app::auth;
use app::auth::{CSRF_FIELD, SignedIn};
use app::domain::access::Action;
use app::storage::geography::MunicipalityScopeRow;
use app::storage::waves::WaveRow;
use app::storage::{Db, geography, waves};
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

pub(crate) fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

pub(crate) fn internal(error: impl std::fmt::Display) -> Response {
    tracing::error!(%error, "request failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "Interner Fehler / internal error",
    )
        .into_response()
}

/// The signed-in user of a form post whose CSRF token matches, or the
/// response to send instead.
pub(crate) async fn signed_in_with_csrf(
    db: &Db,
    headers: &HeaderMap,
    fields: &[(String, String)],
) -> Result<SignedIn, Response> {
    let signed_in = match auth::principal_from_headers(db, headers).await {
        Ok(Some(s)) => s,
        Ok(None) => return Err(Redirect::to("/anmelden").into_response()),
        Err(error) => return Err(internal(error)),
    };
    if !auth::csrf_matches(&signed_in.csrf_token, field(fields, CSRF_FIELD)) {
        return Err((
            StatusCode::FORBIDDEN,
            "Das Formular ist abgelaufen oder stammt nicht von Quartier; bitte neu laden. / The form expired or did not come from Quartier; reload it.",
        )
            .into_response());
    }
    Ok(signed_in)
}

/// The signed-in user of a form post about the wave named in its `wave`
/// field, with the wave and its municipality, if the CSRF token matches
/// and the user may do `action` there; else the response to send (400
/// without a wave id, 404 for an unknown wave, 403 without the right).
pub(crate) async fn signed_in_for_wave(
    db: &Db,
    headers: &HeaderMap,
    fields: &[(String, String)],
    action: Action,
) -> Result<(SignedIn, WaveRow, MunicipalityScopeRow), Response> {
    let signed_in = signed_in_with_csrf(db, headers, fields).await?;
    let Ok(wave_id) = field(fields, "wave").parse::<i64>() else {
        return Err((StatusCode::BAD_REQUEST, "wave missing").into_response());
    };
    let wave = match waves::find(db, &wave_id.to_string()).await {
        Ok(Some(wave)) => wave,
        Ok(None) => return Err((StatusCode::NOT_FOUND, "no such wave").into_response()),
        Err(error) => return Err(internal(error)),
    };
    let municipality = match geography::municipality(db, wave.municipality_id).await {
        Ok(Some(m)) => m,
        Ok(None) => return Err((StatusCode::NOT_FOUND, "no such municipality").into_response()),
        Err(error) => return Err(internal(error)),
    };
    if !signed_in.principal.may(action, &municipality.scope()) {
        return Err((StatusCode::FORBIDDEN, "Keine Berechtigung / not allowed").into_response());
    }
    Ok((signed_in, wave, municipality))
}

/// Refuses state-changing requests whose `Origin` names another site
/// (defence in depth next to the CSRF tokens and SameSite cookies; browsers
/// send `Origin` with every cross-site POST).
pub async fn check_origin(request: Request, next: Next) -> Response {
    let method = request.method();
    if method != http::Method::GET && method != http::Method::HEAD {
        let headers = request.headers();
        if let (Some(origin), Some(host)) = (headers.get(header::ORIGIN), headers.get(header::HOST))
        {
            let origin = origin.to_str().unwrap_or("");
            let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
            if origin == "null" || Some(origin_host) != host.to_str().ok() {
                tracing::warn!("cross-site request refused");
                return (StatusCode::FORBIDDEN, "cross-site request refused").into_response();
            }
        }
    }
    next.run(request).await
}

/// Percent-encodes a query value.
pub(crate) fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::urlencode;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(urlencode("name: fehlt; ä"), "name%3A%20fehlt%3B%20%C3%A4");
    }
}
