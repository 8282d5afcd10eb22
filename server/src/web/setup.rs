//! The set-up form posts of `/einrichtung/{municipality}`: a school, a wave,
//! a class. Same checks as the CLI commands; a refused input changes nothing
//! and comes back as a precise message.

use app::domain::access::Action;
use app::domain::planning::priorities::is_iso_date;
use app::domain::survey::respondent::Grade;
use app::storage::survey::instruments;
use app::storage::waves::{DistrictRule, NewWave};
use app::storage::{Db, geography, waves};
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use crate::web::forms::{field, internal, signed_in_with_csrf, urlencode};
use crate::web::state::AppState;

fn back(municipality: i64, key: &str, text: &str) -> Response {
    Redirect::to(&format!(
        "/einrichtung/{municipality}?{key}={}",
        urlencode(text)
    ))
    .into_response()
}

/// The municipality of the form, if the signed-in user may set it up.
async fn manager(
    db: &Db,
    headers: &HeaderMap,
    fields: &[(String, String)],
) -> Result<i64, Response> {
    let Ok(municipality) = field(fields, "municipality").parse::<i64>() else {
        return Err((StatusCode::BAD_REQUEST, "municipality missing").into_response());
    };
    let signed_in = signed_in_with_csrf(db, headers, fields).await?;
    let row = match geography::municipality(db, municipality).await {
        Ok(Some(row)) => row,
        Ok(None) => return Err((StatusCode::NOT_FOUND, "no such municipality").into_response()),
        Err(error) => return Err(internal(error)),
    };
    if !signed_in.principal.may(Action::ManageSurvey, &row.scope()) {
        return Err((StatusCode::FORBIDDEN, "Keine Berechtigung / not allowed").into_response());
    }
    Ok(municipality)
}

/// `POST /einrichtung/schule`.
pub async fn add_school(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let db = &state.db;
    let m = match manager(db, &headers, &fields).await {
        Ok(m) => m,
        Err(response) => return response,
    };
    let name = field(&fields, "name").trim();
    if name.is_empty() {
        return back(m, "fehler", "Bitte den Namen der Schule angeben.");
    }
    let Ok(district) = field(&fields, "district").parse::<i64>() else {
        return back(m, "fehler", "Bitte einen Stadtteil wählen.");
    };
    match geography::districts(db, m).await {
        Ok(list) if list.iter().any(|d| d.district_id == district) => {}
        Ok(_) => return back(m, "fehler", "Dieser Stadtteil gehört nicht zur Kommune."),
        Err(error) => return internal(error),
    }
    let kind = field(&fields, "school_type").trim();
    match geography::ensure_school(db, district, name, (!kind.is_empty()).then_some(kind)).await {
        Ok(_) => back(m, "gespeichert", &format!("Schule „{name}“ ist angelegt.")),
        Err(error) => internal(error),
    }
}

/// `POST /einrichtung/welle`.
pub async fn create_wave(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let db = &state.db;
    let m = match manager(db, &headers, &fields).await {
        Ok(m) => m,
        Err(response) => return response,
    };
    let name = field(&fields, "name").trim();
    if name.is_empty() {
        return back(m, "fehler", "Bitte einen Namen für die Welle angeben.");
    }
    let (opens, closes) = (
        field(&fields, "opens").trim(),
        field(&fields, "closes").trim(),
    );
    if !is_iso_date(opens) || !is_iso_date(closes) {
        return back(
            m,
            "fehler",
            "Beginn und Ende müssen Daten im Format JJJJ-MM-TT sein.",
        );
    }
    if closes < opens {
        return back(m, "fehler", "Das Ende liegt vor dem Beginn.");
    }
    let grades: Result<Vec<Grade>, _> = field(&fields, "grades")
        .split([',', ';', ' '])
        .filter(|g| !g.trim().is_empty())
        .map(|g| Grade::parse(g.trim()))
        .collect();
    let mut grades = match grades {
        Ok(g) if !g.is_empty() => g,
        _ => {
            return back(
                m,
                "fehler",
                "Jahrgänge als Zahlen von 1 bis 13 angeben, z. B. 6,8,10.",
            );
        }
    };
    grades.sort_unstable();
    grades.dedup();
    let Some(rule) = DistrictRule::parse(field(&fields, "district_rule")) else {
        return back(m, "fehler", "Unbekannte Zuordnungsregel.");
    };
    let Ok(instrument) = field(&fields, "instrument").parse::<i64>() else {
        return back(m, "fehler", "Bitte einen Fragebogen wählen.");
    };
    match instruments::list(db).await {
        Ok(list) if list.iter().any(|(id, ..)| *id == instrument) => {}
        Ok(_) => return back(m, "fehler", "Diesen Fragebogen gibt es nicht."),
        Err(error) => return internal(error),
    }
    match waves::find_in_municipality(db, m, name).await {
        Ok(Some(_)) => return back(m, "fehler", &format!("Eine Welle „{name}“ gibt es schon.")),
        Ok(None) => {}
        Err(error) => return internal(error),
    }
    let wave = NewWave {
        municipality: m,
        name,
        instrument,
        opens_on: opens,
        closes_on: closes,
        grades: &grades,
        district_rule: rule,
    };
    match waves::create(db, &wave).await {
        Ok(_) => back(m, "gespeichert", &format!("Welle „{name}“ ist angelegt.")),
        Err(error) => internal(error),
    }
}

/// `POST /einrichtung/klasse`.
pub async fn add_class(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let db = &state.db;
    let m = match manager(db, &headers, &fields).await {
        Ok(m) => m,
        Err(response) => return response,
    };
    let Ok(wave_id) = field(&fields, "wave").parse::<i64>() else {
        return back(m, "fehler", "Bitte eine Welle wählen.");
    };
    let wave = match waves::find(db, &wave_id.to_string()).await {
        Ok(Some(w)) if w.municipality_id == m => w,
        Ok(_) => return back(m, "fehler", "Diese Welle gehört nicht zur Kommune."),
        Err(error) => return internal(error),
    };
    if wave.is_closed() {
        return back(m, "fehler", "Die Welle ist vorbei.");
    }
    let Ok(school) = field(&fields, "school").parse::<i64>() else {
        return back(m, "fehler", "Bitte eine Schule wählen.");
    };
    match geography::school_municipality(db, school).await {
        Ok(Some((_, owner))) if owner == m => {}
        Ok(_) => return back(m, "fehler", "Diese Schule gehört nicht zur Kommune."),
        Err(error) => return internal(error),
    }
    let name = field(&fields, "name").trim();
    if name.is_empty() {
        return back(m, "fehler", "Bitte den Namen der Klasse angeben, z. B. 8a.");
    }
    let Ok(grade) = Grade::parse(field(&fields, "grade").trim()) else {
        return back(
            m,
            "fehler",
            "Der Jahrgang muss eine Zahl von 1 bis 13 sein.",
        );
    };
    match waves::details(db, wave_id).await {
        Ok(details) if details.grades.contains(&grade) => {}
        Ok(_) => {
            return back(
                m,
                "fehler",
                &format!("Jahrgang {grade} wird in dieser Welle nicht befragt."),
            );
        }
        Err(error) => return internal(error),
    }
    let Ok(pupils) = field(&fields, "pupils").trim().parse::<u32>() else {
        return back(
            m,
            "fehler",
            "Die Zahl der Schülerinnen und Schüler muss eine ganze Zahl sein.",
        );
    };
    match waves::find_class(db, wave_id, school, name).await {
        Ok(Some(_)) => {
            return back(
                m,
                "fehler",
                &format!("Klasse {name} gibt es in dieser Welle an dieser Schule schon."),
            );
        }
        Ok(None) => {}
        Err(error) => return internal(error),
    }
    match waves::create_class(db, wave_id, school, name, grade, pupils).await {
        Ok(_) => back(
            m,
            "gespeichert",
            &format!(
                "Klasse {name} ist angelegt; ihr Codebogen wird auf der Teilnahmeseite gedruckt."
            ),
        ),
        Err(error) => internal(error),
    }
}

/// `POST /einrichtung/welle-abschliessen`: a coordinator ends a wave before
/// its last day. Pupils can no longer answer, and its results are published
/// (computed in the background; the results pages say "being prepared"
/// until then).
pub async fn close_wave(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let db = &state.db;
    let m = match manager(db, &headers, &fields).await {
        Ok(m) => m,
        Err(response) => return response,
    };
    let Ok(wave_id) = field(&fields, "wave").parse::<i64>() else {
        return back(m, "fehler", "Bitte eine Welle wählen.");
    };
    let wave = match waves::find(db, &wave_id.to_string()).await {
        Ok(Some(w)) if w.municipality_id == m => w,
        Ok(_) => return back(m, "fehler", "Diese Welle gehört nicht zur Kommune."),
        Err(error) => return internal(error),
    };
    if wave.is_closed() {
        return back(
            m,
            "gespeichert",
            &format!("Die Welle „{}“ ist bereits abgeschlossen.", wave.name),
        );
    }
    if let Err(error) = waves::close(db, wave.wave_id).await {
        return internal(error);
    }
    let name = wave.name.clone();
    let background = db.clone();
    tokio::spawn(async move {
        if let Err(error) =
            app::analysis::publication::rebuild_if_closed(&background, &wave, &mut |_| {}).await
        {
            tracing::error!(wave = wave.wave_id, %error, "publishing a closed wave failed");
        }
    });
    back(
        m,
        "gespeichert",
        &format!(
            "Die Welle „{name}“ ist abgeschlossen; ihre Ergebnisse werden jetzt berechnet und veröffentlicht."
        ),
    )
}
