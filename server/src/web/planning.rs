//! Program planning form posts: the board's priority factors, the action
//! plan (entries, implementation records, goals, existing offers) and the
//! admins' catalog form.

use app::domain::access::Action;
use app::domain::planning::catalog::{CATALOG_COLUMNS, parse_catalog};
use app::domain::planning::priorities::is_iso_date;
use app::storage::planning::{priorities, programs};
use app::storage::{Db, geography};
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use crate::tables::known_factors;
use crate::web::forms::{field, internal, signed_in_with_csrf, urlencode};
use crate::web::state::AppState;

/// `POST /prioritaeten`: the board's decision for a municipality (or one of
/// its districts).
pub async fn record_priorities(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let db = &state.db;
    let signed_in = match signed_in_with_csrf(db, &headers, &fields).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    let Ok(municipality_id) = field(&fields, "municipality").parse::<i64>() else {
        return (StatusCode::BAD_REQUEST, "municipality missing").into_response();
    };
    let municipality = match geography::municipality(db, municipality_id).await {
        Ok(Some(m)) => m,
        Ok(None) => return (StatusCode::NOT_FOUND, "no such municipality").into_response(),
        Err(error) => return internal(error),
    };
    if !signed_in
        .principal
        .may(Action::EditPriorities, &municipality.scope())
    {
        return (StatusCode::FORBIDDEN, "Keine Berechtigung / not allowed").into_response();
    }
    let back = |query: &str| {
        Redirect::to(&format!("/prioritaeten/{municipality_id}?{query}")).into_response()
    };
    let district_id = match field(&fields, "district") {
        "" | "all" => None,
        text => match text.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => return back("fehler=bezirk"),
        },
    };
    if let Some(district) = district_id {
        match geography::districts(db, municipality_id).await {
            Ok(list) if list.iter().any(|d| d.district_id == district) => {}
            Ok(_) => return back("fehler=bezirk"),
            Err(error) => return internal(error),
        }
    }
    let wave_id = field(&fields, "wave").parse::<i64>().ok();
    let factors: Vec<String> = fields
        .iter()
        .filter(|(k, v)| k == "factor" && !v.is_empty())
        .map(|(_, v)| v.clone())
        .collect();
    let rationale = field(&fields, "rationale").trim();
    let decided_on = field(&fields, "decided_on").trim();
    let allowed = match app::pages::priorities::allowed_factors(db, municipality_id).await {
        Ok(allowed) => allowed,
        Err(error) => return internal(error),
    };
    match app::domain::planning::priorities::validate_decision(
        &factors, &allowed, rationale, decided_on,
    ) {
        Ok(()) => {}
        Err(problem) => return back(&format!("fehler={}", problem.code())),
    }
    let decision = priorities::NewDecision {
        municipality_id,
        district_id,
        wave_id,
        factors: &factors,
        rationale,
        decided_on,
        decided_by: Some(signed_in.principal.user_id),
    };
    match priorities::record(db, &decision).await {
        Ok(_) => back("gespeichert=1"),
        Err(error) => internal(error),
    }
}

fn back(municipality: i64, query: &str) -> Response {
    Redirect::to(&format!("/aktionsplan/{municipality}?{query}")).into_response()
}

/// Checks the session, the CSRF token and the planning right on the
/// municipality named in the form.
async fn planner(
    db: &Db,
    headers: &HeaderMap,
    fields: &[(String, String)],
    municipality: i64,
) -> Result<app::domain::access::Principal, Response> {
    let signed_in = signed_in_with_csrf(db, headers, fields).await?;
    let row = match geography::municipality(db, municipality).await {
        Ok(Some(row)) => row,
        Ok(None) => return Err((StatusCode::NOT_FOUND, "no such municipality").into_response()),
        Err(error) => return Err(internal(error)),
    };
    if !signed_in.principal.may(Action::PlanPrograms, &row.scope()) {
        return Err((StatusCode::FORBIDDEN, "Keine Berechtigung / not allowed").into_response());
    }
    Ok(signed_in.principal)
}

/// [`planner`] for the municipality named in the form's `municipality`
/// field (400 when it is missing or not a number).
async fn planner_of_form(
    db: &Db,
    headers: &HeaderMap,
    fields: &[(String, String)],
) -> Result<(i64, app::domain::access::Principal), Response> {
    let Ok(municipality) = field(fields, "municipality").parse::<i64>() else {
        return Err((StatusCode::BAD_REQUEST, "municipality missing").into_response());
    };
    let principal = planner(db, headers, fields, municipality).await?;
    Ok((municipality, principal))
}

async fn district_of(db: &Db, municipality: i64, text: &str) -> Result<Option<i64>, &'static str> {
    match text {
        "" | "all" => Ok(None),
        text => {
            let id = text.parse::<i64>().map_err(|_| "bezirk")?;
            match geography::districts(db, municipality).await {
                Ok(list) if list.iter().any(|d| d.district_id == id) => Ok(Some(id)),
                _ => Err("bezirk"),
            }
        }
    }
}

fn optional_count(text: &str) -> Result<Option<u32>, &'static str> {
    match text.trim() {
        "" => Ok(None),
        text => text.parse::<u32>().map(Some).map_err(|_| "zahl"),
    }
}

/// `POST /aktionsplan`: adds a program to the action plan.
pub async fn add_entry(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let db = &state.db;
    let (municipality, principal) = match planner_of_form(db, &headers, &fields).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let program = match programs::program(db, field(&fields, "program")).await {
        Ok(Some((id, _))) => id,
        Ok(None) => return back(municipality, "fehler=programm"),
        Err(error) => return internal(error),
    };
    let district = match district_of(db, municipality, field(&fields, "district")).await {
        Ok(d) => d,
        Err(code) => return back(municipality, &format!("fehler={code}")),
    };
    let starts_on = field(&fields, "starts_on").trim();
    if !is_iso_date(starts_on) {
        return back(municipality, "fehler=datum");
    }
    let ends_on = field(&fields, "ends_on").trim();
    if !ends_on.is_empty() && (!is_iso_date(ends_on) || ends_on < starts_on) {
        return back(municipality, "fehler=datum");
    }
    let planned = match optional_count(field(&fields, "planned_reach")) {
        Ok(n) => n,
        Err(code) => return back(municipality, &format!("fehler={code}")),
    };
    let entry = programs::NewEntry {
        municipality_id: municipality,
        program_id: program,
        district_id: district,
        starts_on,
        ends_on: (!ends_on.is_empty()).then_some(ends_on),
        target_group: field(&fields, "target_group").trim(),
        planned_reach: planned,
        added_by: Some(principal.user_id),
    };
    match programs::add_entry(db, &entry).await {
        Ok(_) => back(municipality, "gespeichert=1"),
        Err(error) => internal(error),
    }
}

/// `POST /aktionsplan/umsetzung`: an implementation record for an entry.
pub async fn add_record(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let db = &state.db;
    let Ok(entry) = field(&fields, "entry").parse::<i64>() else {
        return (StatusCode::BAD_REQUEST, "entry missing").into_response();
    };
    let municipality = match programs::entry_municipality(db, entry).await {
        Ok(Some(m)) => m,
        Ok(None) => return (StatusCode::NOT_FOUND, "no such entry").into_response(),
        Err(error) => return internal(error),
    };
    let principal = match planner(db, &headers, &fields, municipality).await {
        Ok(p) => p,
        Err(response) => return response,
    };
    let reach = match optional_count(field(&fields, "actual_reach")) {
        Ok(n) => n,
        Err(code) => return back(municipality, &format!("fehler={code}")),
    };
    match programs::add_record(
        db,
        entry,
        reach,
        field(&fields, "fidelity_notes").trim(),
        Some(principal.user_id),
    )
    .await
    {
        Ok(()) => back(municipality, "gespeichert=1"),
        Err(error) => internal(error),
    }
}

/// `POST /aktionsplan/ziel`: a measurable goal.
pub async fn add_goal(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let db = &state.db;
    let municipality = match planner_of_form(db, &headers, &fields).await {
        Ok((municipality, _)) => municipality,
        Err(response) => return response,
    };
    let factor = field(&fields, "factor").to_string();
    match known_factors(db).await {
        Ok(known) if known.contains(&factor) => {}
        Ok(_) => return back(municipality, "fehler=faktor"),
        Err(error) => return internal(error),
    }
    let district = match district_of(db, municipality, field(&fields, "district")).await {
        Ok(d) => d,
        Err(code) => return back(municipality, &format!("fehler={code}")),
    };
    let grade = match field(&fields, "grade").trim() {
        "" => None,
        text => match text.parse::<u8>() {
            Ok(g) if (1..=13).contains(&g) => Some(g),
            _ => return back(municipality, "fehler=zahl"),
        },
    };
    let target = match field(&fields, "target_percent")
        .trim()
        .replace(',', ".")
        .parse::<f64>()
    {
        Ok(t) if (0.0..=100.0).contains(&t) => t,
        _ => return back(municipality, "fehler=prozent"),
    };
    let by_wave = field(&fields, "by_wave").trim();
    if by_wave.is_empty() {
        return back(municipality, "fehler=welle");
    }
    let goal = programs::Goal {
        goal_id: 0,
        factor,
        district_id: district,
        grade,
        target_percent: target,
        by_wave: by_wave.to_string(),
    };
    match programs::add_goal(db, municipality, &goal).await {
        Ok(_) => back(municipality, "gespeichert=1"),
        Err(error) => internal(error),
    }
}

/// `POST /aktionsplan/angebot`: an existing local offer for the resource
/// assessment.
pub async fn add_offer(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    use app::domain::planning::catalog::{EvidenceLevel, Setting};
    let db = &state.db;
    let municipality = match planner_of_form(db, &headers, &fields).await {
        Ok((municipality, _)) => municipality,
        Err(response) => return response,
    };
    let name = field(&fields, "name").trim();
    let provider = field(&fields, "provider").trim();
    if name.is_empty() || provider.is_empty() {
        return back(municipality, "fehler=angebot");
    }
    let settings: Option<Vec<Setting>> = fields
        .iter()
        .filter(|(k, _)| k == "setting")
        .map(|(_, v)| Setting::parse(v))
        .collect();
    let Some(settings) = settings.filter(|s| !s.is_empty()) else {
        return back(municipality, "fehler=setting");
    };
    let known = match known_factors(db).await {
        Ok(known) => known,
        Err(error) => return internal(error),
    };
    let factors: Vec<String> = fields
        .iter()
        .filter(|(k, v)| k == "factor" && !v.is_empty())
        .map(|(_, v)| v.clone())
        .collect();
    if factors.is_empty() || factors.iter().any(|f| !known.contains(f)) {
        return back(municipality, "fehler=faktor");
    }
    let grade = |name: &str| {
        field(&fields, name)
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|g| (1..=13).contains(g))
    };
    let (Some(grade_min), Some(grade_max)) = (grade("grade_min"), grade("grade_max")) else {
        return back(municipality, "fehler=zahl");
    };
    if grade_min > grade_max {
        return back(municipality, "fehler=zahl");
    }
    let reach = match optional_count(field(&fields, "reach")) {
        Ok(n) => n.unwrap_or(0),
        Err(code) => return back(municipality, &format!("fehler={code}")),
    };
    let evidence = match field(&fields, "evidence_level") {
        "" | "none" => None,
        text => match EvidenceLevel::parse(text) {
            Some(e) => Some(e),
            None => return back(municipality, "fehler=evidenz"),
        },
    };
    let offer = app::domain::planning::matching::Offer {
        name: name.to_string(),
        provider: provider.to_string(),
        settings,
        grade_min,
        grade_max,
        reach,
        factors,
        evidence,
    };
    match programs::add_offer(db, municipality, &offer).await {
        Ok(_) => back(municipality, "gespeichert=1"),
        Err(error) => internal(error),
    }
}

/// `POST /katalog`: an admin adds or changes one program. The fields go
/// through the same checks as a catalog CSV row.
pub async fn save_program(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let db = &state.db;
    let signed_in = match signed_in_with_csrf(db, &headers, &fields).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    if !signed_in.principal.may(
        Action::Administer,
        &app::domain::access::Scope::municipality(0, None),
    ) {
        return (StatusCode::FORBIDDEN, "Keine Berechtigung / not allowed").into_response();
    }
    let header: Vec<String> = CATALOG_COLUMNS.iter().map(|c| c.to_string()).collect();
    let row: Vec<String> = CATALOG_COLUMNS
        .iter()
        .map(|c| field(&fields, c).to_string())
        .collect();
    let known = match known_factors(db).await {
        Ok(known) => known,
        Err(error) => return internal(error),
    };
    let program = match parse_catalog(&header, &[row], &known) {
        Ok(mut programs) if programs.len() == 1 => programs.remove(0),
        Ok(_) => return Redirect::to("/katalog?fehler=leer").into_response(),
        Err(errors) => {
            // The form has one row: name the field, not "row 2".
            let text = errors
                .0
                .iter()
                .map(|p| match &p.column {
                    Some(column) => format!("{column}: {}", p.message),
                    None => p.message.clone(),
                })
                .collect::<Vec<_>>()
                .join("; ");
            return Redirect::to(&format!("/katalog?fehler={}", urlencode(&text))).into_response();
        }
    };
    match programs::upsert_catalog(db, &[program]).await {
        Ok(_) => Redirect::to("/katalog?gespeichert=1").into_response(),
        Err(error) => internal(error),
    }
}
