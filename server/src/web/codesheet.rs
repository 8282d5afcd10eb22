//! `POST /teilnahme/codes`: a coordinator generates a class's access codes
//! in the browser and gets them once, as a printable sheet of cut-out slips.
//!
//! Codes are stored only as hashes, so the answer to this post is the only
//! place the plain codes ever appear: the page says so, is never cached, and
//! a second sheet for the same class needs an explicit number of extra
//! codes (the earlier codes stay valid), exactly like `server codes
//! generate`.

use app::domain::access::Action;
use app::domain::survey::access_code::AccessCode;
use app::storage::survey::access_codes;
use app::storage::{geography, waves};
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::web::forms::{field, internal, signed_in_for_wave};
use crate::web::state::AppState;

/// Most codes one sheet may hold (a class plus generous spares).
const MAX_CODES: u32 = 60;

fn back(wave: i64, code: &str) -> Response {
    Redirect::to(&format!("/teilnahme/{wave}?fehler={code}")).into_response()
}

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `POST /teilnahme/codes` with `wave`, `school`, `class` (names as in the
/// participation table), and `spares` (first sheet) or `extra` (another
/// sheet).
pub async fn generate(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let db = &state.db;
    let (_, wave, municipality) =
        match signed_in_for_wave(db, &headers, &fields, Action::ManageSurvey).await {
            Ok(found) => found,
            Err(response) => return response,
        };
    let wave_id = wave.wave_id;
    if wave.is_closed() {
        return back(wave_id, "welle-vorbei");
    }
    let school_name = field(&fields, "school");
    let class_name = field(&fields, "class");
    let school = match geography::find_school(db, municipality.municipality_id, school_name).await {
        Ok(Some(id)) => id,
        Ok(None) => return back(wave_id, "klasse"),
        Err(error) => return internal(error),
    };
    let class = match waves::find_class(db, wave_id, school, class_name).await {
        Ok(Some(c)) => c,
        Ok(None) => return back(wave_id, "klasse"),
        Err(error) => return internal(error),
    };
    let existing = match access_codes::count_for_class(db, class.class_id).await {
        Ok(n) => n,
        Err(error) => return internal(error),
    };
    let number = |name: &str| match field(&fields, name).trim() {
        "" => Ok(None),
        text => text.parse::<u32>().map(Some).map_err(|_| ()),
    };
    let (Ok(spares), Ok(extra)) = (number("spares"), number("extra")) else {
        return back(wave_id, "anzahl");
    };
    let count = match (existing, extra) {
        (_, Some(extra)) => extra,
        // Codes cannot be shown again: a second sheet must be asked for.
        (n, None) if n > 0 => return back(wave_id, "schon-erzeugt"),
        (_, None) => class.enrolled + spares.unwrap_or(3),
    };
    if count == 0 || count > MAX_CODES {
        return back(wave_id, "anzahl");
    }
    let codes = match access_codes::generate_for_class(db, class.class_id, count).await {
        Ok(codes) => codes,
        Err(error) => return internal(error),
    };
    tracing::info!(
        class = class.class_id,
        count,
        "access codes generated in the browser"
    );
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:3000");
    let scheme = if state.secure_cookies.0 {
        "https"
    } else {
        "http"
    };
    let address = format!("{scheme}://{host}/befragung");
    let back = format!("/teilnahme/{wave_id}");
    let mut response = Html(sheet(
        &wave.name,
        school_name,
        class_name,
        &codes,
        &address,
        &back,
    ))
    .into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The printable sheet: a short note for the teacher (not printed) and one
/// slip per code.
fn sheet(
    wave: &str,
    school: &str,
    class: &str,
    codes: &[AccessCode],
    address: &str,
    back: &str,
) -> String {
    let slips: String = codes
        .iter()
        .map(|code| {
            format!(
                r#"<div class="slip"><p class="what">Schülerbefragung · {wave}</p><p class="code">{code}</p><p>Gehe auf <strong>{address}</strong> und gib diesen Code ein. Der Code ist anonym und gilt nur einmal.</p><p class="en">Go to {address} and enter this code. It is anonymous and works once.</p></div>"#,
                wave = escape(wave),
                code = escape(&code.to_string()),
                address = escape(address),
            )
        })
        .collect();
    format!(
        r#"<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Codes {class} – {school}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; color: #1b1f24; }}
.note {{ background: #fff4d6; border-left: 4px solid #8a5a00; padding: 0.75rem 1rem; margin-bottom: 1rem; }}
.slips {{ display: grid; grid-template-columns: repeat(2, 1fr); gap: 0; }}
.slip {{ border: 1px dashed #555; padding: 0.6rem 0.8rem; break-inside: avoid; }}
.slip p {{ margin: 0.2rem 0; font-size: 0.85rem; }}
.slip .what {{ font-weight: 600; }}
.slip .code {{ font-family: ui-monospace, monospace; font-size: 1.6rem; letter-spacing: 0.08em; font-weight: 700; }}
.slip .en {{ color: #4a5360; font-size: 0.75rem; }}
@media print {{ .note {{ display: none; }} body {{ margin: 0; }} @page {{ margin: 12mm; }} }}
</style></head><body>
<div class="note" role="alert"><p><strong>{n} Codes für Klasse {class}, {school}.</strong> Jetzt drucken (Strg+P) oder als PDF speichern: Die Codes werden nur als Prüfsumme gespeichert und können nicht noch einmal angezeigt werden. Die Zettel gemischt austeilen; niemand notiert, wer welchen Code bekommt.</p>
<p>{n} codes for class {class}, {school}. Print now: codes are stored only as hashes and cannot be shown again. Hand the slips out shuffled; nobody notes who gets which code.</p>
<p><a href="{back}">Zurück zur Teilnahme / back to participation</a></p></div>
<div class="slips">{slips}</div></body></html>"#,
        n = codes.len(),
        back = escape(back),
        class = escape(class),
        school = escape(school),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sheet_escapes_names_and_holds_one_slip_per_code() {
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let codes: Vec<AccessCode> = (0..3).map(|_| AccessCode::generate(&mut rng)).collect();
        let html = sheet(
            "Frühjahr 2026",
            "<Schule>",
            "8a",
            &codes,
            "http://x/befragung",
            "/teilnahme/1",
        );
        assert_eq!(html.matches(r#"class="slip""#).count(), 3);
        assert!(html.contains("&lt;Schule&gt;"));
        assert!(!html.contains("<Schule>"));
        for code in &codes {
            assert!(html.contains(&code.to_string()));
        }
    }
}
