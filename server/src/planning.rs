//! Program planning: the action-plan form posts and the catalog CLI
//! (`import-programs`, `export-programs`).

use crate::accounts::{field, internal, signed_in_with_csrf};
use crate::web::AppState;
use anyhow::Context;
use app::domain::access::Action;
use app::domain::planning::catalog::{CATALOG_COLUMNS, Program, catalog_row, parse_catalog};
use app::domain::planning::priorities::is_iso_date;
use app::domain::survey::instrument::ScaleKind;
use app::storage::{Db, geography, planning::programs, survey::instruments};
use axum::{
    Form,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use std::path::{Path, PathBuf};

/// The risk and protective scale ids of every stored instrument: what a
/// catalog program may name as its targeted factors.
pub async fn known_factors(db: &Db) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::new();
    for id in instruments::all_ids(db).await? {
        for scale in instruments::load(db, id).await?.scales {
            if matches!(scale.kind, ScaleKind::Risk | ScaleKind::Protective)
                && !ids.contains(&scale.id)
            {
                ids.push(scale.id);
            }
        }
    }
    Ok(ids)
}

/// Splits a CSV text into its header and rows of fields, for the pure
/// domain parsers (rows may have any number of fields; the parsers say
/// which are wrong).
pub fn split_csv(text: &str) -> anyhow::Result<(Vec<String>, Vec<Vec<String>>)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("row {}: unreadable CSV", index + 2))?;
        rows.push(record.iter().map(str::to_string).collect());
    }
    Ok((header, rows))
}

/// Reads and checks a catalog CSV; every problem is reported by row and
/// column.
pub fn read_catalog(text: &str, known: &[String]) -> anyhow::Result<Vec<Program>> {
    let (header, rows) = split_csv(text)?;
    parse_catalog(&header, &rows, known).map_err(|errors| {
        anyhow::anyhow!("the catalog was not imported, nothing changed:\n{errors}")
    })
}

/// `server import-programs FILE`.
pub async fn import_programs(db: &Db, file: &Path) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let known = known_factors(db).await?;
    if known.is_empty() {
        anyhow::bail!(
            "no instrument is stored yet: import one first (`server import-instrument`), its scales are what programs target"
        );
    }
    let catalog = read_catalog(&text, &known)?;
    let (added, updated) = programs::upsert_catalog(db, &catalog).await?;
    println!(
        "{} programs read: {added} added, {updated} updated",
        catalog.len()
    );
    Ok(())
}

/// `server export-programs [--output FILE]`.
pub async fn export_programs(db: &Db, output: Option<&PathBuf>) -> anyhow::Result<()> {
    let catalog = programs::catalog(db).await?;
    crate::cli::write_output(output.map(PathBuf::as_path), |out| {
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record(CATALOG_COLUMNS)?;
        for (_, program) in &catalog {
            writer.write_record(catalog_row(program))?;
        }
        writer.flush()?;
        Ok(())
    })
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
