//! CSV downloads of every table the results pages show, at stable URLs
//! (`docs/api.md`). Each answers 401 without a session and 403 when the
//! session's role or municipality does not allow the table; figures go
//! through the same privacy-safe profile table as the pages, so a CSV never
//! shows what the page hides.

use app::domain::access::{Action, Principal, Role, Scope};
use app::domain::analysis::aggregate::GroupKey;
use app::domain::analysis::profile::ProfileOptions;
use app::domain::analysis::report::ProfileTable;
use app::export::GroupNames;
use app::pages::common::check_grade;
use app::pages::profile::parse_sex;
use app::storage::{Db, geography, waves};
use app::{analysis, auth, export, storage};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::web::state::AppState;

/// The query parameters of the CSV routes (each route uses some).
#[derive(Debug, Default, Deserialize)]
pub struct CsvQuery {
    /// Wave id.
    pub wave: Option<i64>,
    /// Municipality id.
    pub municipality: Option<i64>,
    /// District code, or `gesamt` for the whole city.
    pub district: Option<String>,
    /// Grade.
    pub grade: Option<u8>,
    /// Sex group: female, male, diverse, no_answer.
    pub sex: Option<String>,
    /// Language of labels (de, en).
    pub language: Option<String>,
    /// Key of a norm set to compare with instead of the city total.
    pub reference: Option<String>,
    /// Multiple-testing family: `group` (default, the factors of one group)
    /// or `report` (every group and factor of the file).
    pub adjustment: Option<String>,
    /// `1`: figures weighted to the wave's population counts (profile and
    /// comparison CSVs; 400 if the wave has none).
    pub weighted: Option<String>,
}

/// An answer other than the CSV.
struct Refusal(StatusCode, String);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.0, self.1).into_response()
    }
}

fn internal(error: impl std::fmt::Display) -> Refusal {
    tracing::error!(%error, "csv download failed");
    Refusal(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Interner Fehler / internal error".into(),
    )
}

/// The answer for a wave without published results: 409 while it is open
/// (nothing of an open wave is published), 503 while its result is being
/// computed; other failures are internal.
fn unpublished(error: analysis::AnalysisError) -> Refusal {
    match error {
        analysis::AnalysisError::Open { .. } => Refusal(
            StatusCode::CONFLICT,
            format!(
                "Ergebnisse werden erst nach Abschluss der Welle veröffentlicht / results are published once the wave has closed: {error}"
            ),
        ),
        analysis::AnalysisError::Preparing { .. } => Refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("Ergebnisse werden berechnet / results are being prepared: {error}"),
        ),
        other => internal(other),
    }
}

fn bad_request(message: impl Into<String>) -> Refusal {
    Refusal(StatusCode::BAD_REQUEST, message.into())
}

async fn signed_in(db: &Db, headers: &HeaderMap) -> Result<Principal, Refusal> {
    match auth::principal_from_headers(db, headers).await {
        Ok(Some(s)) => Ok(s.principal),
        Ok(None) => Err(Refusal(
            StatusCode::UNAUTHORIZED,
            "Bitte anmelden / sign in first".into(),
        )),
        Err(error) => Err(internal(error)),
    }
}

fn check(principal: &Principal, action: Action, scope: &Scope) -> Result<(), Refusal> {
    if principal.may(action, scope) {
        Ok(())
    } else {
        Err(Refusal(
            StatusCode::FORBIDDEN,
            "Keine Berechtigung / not allowed".into(),
        ))
    }
}

/// The municipality of the query, if the signed-in user may read its
/// results.
async fn municipality_for(db: &Db, headers: &HeaderMap, query: &CsvQuery) -> Result<i64, Refusal> {
    let principal = signed_in(db, headers).await?;
    let id = query
        .municipality
        .ok_or_else(|| bad_request("parameter municipality is missing"))?;
    let municipality = geography::municipality(db, id)
        .await
        .map_err(internal)?
        .ok_or_else(|| Refusal(StatusCode::NOT_FOUND, format!("no municipality {id}")))?;
    check(&principal, Action::ViewResults, &municipality.scope())?;
    Ok(id)
}

/// The wave of the query and the signed-in principal allowed `action` on it.
async fn wave_for(
    db: &Db,
    headers: &HeaderMap,
    query: &CsvQuery,
    action: Action,
) -> Result<(waves::WaveRow, Scope, Principal), Refusal> {
    let principal = signed_in(db, headers).await?;
    let id = query
        .wave
        .ok_or_else(|| bad_request("parameter wave is missing"))?;
    let wave = waves::find(db, &id.to_string())
        .await
        .map_err(internal)?
        .ok_or_else(|| Refusal(StatusCode::NOT_FOUND, format!("no wave {id}")))?;
    let municipality = geography::municipality(db, wave.municipality_id)
        .await
        .map_err(internal)?
        .ok_or_else(|| Refusal(StatusCode::NOT_FOUND, "no municipality".into()))?;
    let scope = municipality.scope();
    if action != Action::ViewParticipation || principal.role != Role::SchoolContact {
        check(&principal, action, &scope)?;
    }
    Ok((wave, scope, principal))
}

fn csv_response(filename: &str, body: Vec<u8>) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    // Results of minors: never in a shared cache.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

async fn group_names(db: &Db, municipality: i64) -> Result<GroupNames, Refusal> {
    Ok(GroupNames {
        districts: geography::districts(db, municipality)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|d| (d.district_id, (d.code, d.name)))
            .collect(),
        schools: geography::schools(db, municipality)
            .await
            .map_err(internal)?
            .into_iter()
            .collect(),
    })
}

/// The district id of a code (`gesamt` or absent = the whole city).
async fn district_id(
    db: &Db,
    municipality: i64,
    code: Option<&str>,
) -> Result<Option<i64>, Refusal> {
    match code {
        None | Some("") | Some("gesamt") => Ok(None),
        Some(code) => geography::districts(db, municipality)
            .await
            .map_err(internal)?
            .into_iter()
            .find(|d| d.code == code)
            .map(|d| Some(d.district_id))
            .ok_or_else(|| Refusal(StatusCode::NOT_FOUND, format!("no district {code}"))),
    }
}

fn language(query: &CsvQuery) -> &str {
    match query.language.as_deref() {
        Some("en") => "en",
        _ => "de",
    }
}

/// The profile CSV of `table` for `wave`.
async fn profile_body(
    db: &Db,
    wave: &waves::WaveRow,
    table: &ProfileTable,
    query: &CsvQuery,
) -> Result<Vec<u8>, Refusal> {
    let names = group_names(db, wave.municipality_id).await?;
    let mut body = Vec::new();
    export::write_profile_csv(&mut body, &wave.name, table, &names, language(query))
        .map_err(internal)?;
    Ok(body)
}

/// The page profile against the reference the query names (400 for an
/// unknown one).
async fn reference_profile(
    db: &Db,
    wave: &waves::WaveRow,
    query: &CsvQuery,
) -> Result<std::sync::Arc<ProfileTable>, Refusal> {
    // Open waves are refused before the reference is even looked at.
    analysis::published(db, wave).await.map_err(unpublished)?;
    let reference = analysis::page_reference(db, wave, query.reference.as_deref())
        .await
        .map_err(|error| match error {
            analysis::ReferenceError::Unknown { .. } => bad_request(error.to_string()),
            other => internal(other),
        })?;
    match query.weighted.as_deref() {
        None | Some("" | "0") => analysis::page_profile(db, wave, reference.norms())
            .await
            .map_err(unpublished),
        Some("1") => match analysis::weighted_page_profile(db, wave, reference.norms())
            .await
            .map_err(unpublished)?
        {
            Some((weighted, _)) => Ok(weighted.table.clone()),
            None => Err(bad_request(format!(
                "wave \"{}\" has no population counts to weight with (server population import)",
                wave.name
            ))),
        },
        Some(other) => Err(bad_request(format!(
            "unknown weighted \"{other}\" (expected 0 or 1)"
        ))),
    }
}

/// Whether the query asks for one family over the whole file (400 for an
/// unknown family).
fn report_family(query: &CsvQuery) -> Result<bool, Refusal> {
    match query.adjustment.as_deref() {
        None | Some("group") => Ok(false),
        Some("report") => Ok(true),
        Some(other) => Err(bad_request(format!(
            "unknown adjustment \"{other}\" (expected group or report)"
        ))),
    }
}

async fn profile_csv(
    state: &AppState,
    headers: &HeaderMap,
    query: &CsvQuery,
) -> Result<Response, Refusal> {
    let db = &state.db;
    let (wave, _, _) = wave_for(db, headers, query, Action::ViewResults).await?;
    let district = district_id(db, wave.municipality_id, query.district.as_deref()).await?;
    let sex = parse_sex(query.sex.as_deref()).map_err(|e| bad_request(e.to_string()))?;
    let table = reference_profile(db, &wave, query).await?;
    let key = GroupKey {
        district,
        school: None,
        grade: query.grade,
        sex,
    };
    let table = table.only_groups(|k| *k == key);
    let body = profile_body(db, &wave, &table, query).await?;
    Ok(csv_response(
        &format!("profil-welle-{}.csv", wave.wave_id),
        body,
    ))
}

async fn comparison_csv(
    state: &AppState,
    headers: &HeaderMap,
    query: &CsvQuery,
) -> Result<Response, Refusal> {
    let db = &state.db;
    let (wave, _, _) = wave_for(db, headers, query, Action::ViewResults).await?;
    let report = report_family(query)?;
    let table = reference_profile(db, &wave, query).await?;
    let mut table = table.only_groups(|k| {
        (k.district.is_some()
            || *k
                == GroupKey {
                    grade: query.grade,
                    ..GroupKey::TOTAL
                })
            && k.school.is_none()
            && k.grade == query.grade
            && k.sex == Default::default()
    });
    if report {
        table.adjust_over_report(&ProfileOptions::default());
    }
    let body = profile_body(db, &wave, &table, query).await?;
    Ok(csv_response(
        &format!("vergleich-welle-{}.csv", wave.wave_id),
        body,
    ))
}

async fn trend_csv(
    state: &AppState,
    headers: &HeaderMap,
    query: &CsvQuery,
) -> Result<Response, Refusal> {
    let db = &state.db;
    let id = municipality_for(db, headers, query).await?;
    let district = district_id(db, id, query.district.as_deref()).await?;
    let series = analysis::municipality_trends(
        db,
        id,
        &analysis::PAGE_BREAKDOWN,
        &app::domain::analysis::report::ReportOptions::default(),
    )
    .await
    .map_err(internal)?;
    let key = GroupKey {
        district,
        school: None,
        grade: query.grade,
        sex: Default::default(),
    };
    let series: Vec<_> = series.into_iter().filter(|s| s.key == key).collect();
    let names = group_names(db, id).await?;
    let mut body = Vec::new();
    export::write_trend_csv(&mut body, &series, &names, language(query)).map_err(internal)?;
    Ok(csv_response(&format!("entwicklung-{id}.csv"), body))
}

async fn quality_csv(
    state: &AppState,
    headers: &HeaderMap,
    query: &CsvQuery,
) -> Result<Response, Refusal> {
    let db = &state.db;
    let (wave, _, _) = wave_for(db, headers, query, Action::ViewQuality).await?;
    let report = analysis::wave_quality(db, &wave)
        .await
        .map_err(unpublished)?;
    let mut body = Vec::new();
    export::write_quality_csv(&mut body, &report).map_err(internal)?;
    Ok(csv_response(
        &format!("qualitaet-welle-{}.csv", wave.wave_id),
        body,
    ))
}

async fn participation_csv(
    state: &AppState,
    headers: &HeaderMap,
    query: &CsvQuery,
) -> Result<Response, Refusal> {
    let db = &state.db;
    let (wave, scope, principal) = wave_for(db, headers, query, Action::ViewParticipation).await?;
    // A school contact gets the own school's rows only; everyone else needs
    // municipality-wide access (checked in `wave_for`).
    let school = if principal.role == Role::SchoolContact {
        let school = principal.school_id.ok_or_else(|| {
            Refusal(
                StatusCode::FORBIDDEN,
                "Keine Berechtigung / not allowed".into(),
            )
        })?;
        check(&principal, Action::ViewParticipation, &scope.school(school))?;
        Some(school)
    } else {
        None
    };
    let rows = analysis::participation_report(db, &wave, school)
        .await
        .map_err(internal)?;
    let mut body = Vec::new();
    export::write_participation_csv(&mut body, &rows).map_err(internal)?;
    Ok(csv_response(
        &format!("teilnahme-welle-{}.csv", wave.wave_id),
        body,
    ))
}

async fn priorities_csv(
    state: &AppState,
    headers: &HeaderMap,
    query: &CsvQuery,
) -> Result<Response, Refusal> {
    let db = &state.db;
    let id = municipality_for(db, headers, query).await?;
    let history = storage::planning::priorities::history(db, id)
        .await
        .map_err(internal)?;
    let current: Vec<i64> = storage::planning::priorities::current(&history)
        .iter()
        .map(|d| d.decision_id)
        .collect();
    let mut body = Vec::new();
    {
        let mut writer = csv::Writer::from_writer(&mut body);
        writer
            .write_record([
                "decided_on",
                "district",
                "wave",
                "factors",
                "rationale",
                "decided_by",
                "current",
            ])
            .map_err(internal)?;
        for d in &history {
            writer
                .write_record([
                    d.decided_on.as_str(),
                    d.district_name.as_deref().unwrap_or(""),
                    d.wave_name.as_deref().unwrap_or(""),
                    &d.factors.join(";"),
                    &d.rationale,
                    d.decided_by.as_deref().unwrap_or(""),
                    if current.contains(&d.decision_id) {
                        "true"
                    } else {
                        "false"
                    },
                ])
                .map_err(internal)?;
        }
        writer.flush().map_err(internal)?;
    }
    Ok(csv_response(&format!("prioritaeten-{id}.csv"), body))
}

async fn action_plan_csv(
    state: &AppState,
    headers: &HeaderMap,
    query: &CsvQuery,
) -> Result<Response, Refusal> {
    let db = &state.db;
    let id = municipality_for(db, headers, query).await?;
    let entries = storage::planning::programs::entries(db, id)
        .await
        .map_err(internal)?;
    let mut body = Vec::new();
    {
        let mut writer = csv::Writer::from_writer(&mut body);
        writer
            .write_record([
                "program",
                "program_name",
                "district",
                "starts_on",
                "ends_on",
                "target_group",
                "planned_reach",
                "actual_reach",
                "records",
            ])
            .map_err(internal)?;
        for e in &entries {
            let records: Vec<String> = e
                .records
                .iter()
                .map(|(date, reach, notes)| {
                    format!(
                        "{date}: {} {notes}",
                        reach.map_or(String::new(), |r| r.to_string())
                    )
                    .trim()
                    .to_string()
                })
                .collect();
            writer
                .write_record([
                    e.program_key.clone(),
                    e.program_name.clone(),
                    e.district.as_ref().map_or(String::new(), |d| d.1.clone()),
                    e.starts_on.clone(),
                    e.ends_on.clone().unwrap_or_default(),
                    e.target_group.clone(),
                    e.planned_reach.map_or(String::new(), |n| n.to_string()),
                    e.actual_reach.map_or(String::new(), |n| n.to_string()),
                    records.join(" | "),
                ])
                .map_err(internal)?;
        }
        writer.flush().map_err(internal)?;
    }
    Ok(csv_response(&format!("aktionsplan-{id}.csv"), body))
}

async fn municipalities_csv(
    state: &AppState,
    headers: &HeaderMap,
    query: &CsvQuery,
) -> Result<Response, Refusal> {
    let db = &state.db;
    let principal = signed_in(db, headers).await?;
    let visible = app::pages::municipalities::readable_municipalities(db, &principal)
        .await
        .map_err(internal)?;
    if visible.is_empty() {
        return Err(Refusal(
            StatusCode::FORBIDDEN,
            "Keine Berechtigung / not allowed".into(),
        ));
    }
    let comparison =
        analysis::municipality_comparison(db, &visible, query.grade, query.reference.as_deref())
            .await
            .map_err(|error| match error {
                analysis::ReferenceError::Unknown { .. } => bad_request(error.to_string()),
                other => internal(other),
            })?;
    if let Some(grade) = query.grade
        && !comparison.rows.is_empty()
        && !comparison.grades.contains(&grade)
    {
        return Err(bad_request(format!(
            "grade {grade} was not surveyed in the compared waves"
        )));
    }
    let mut body = Vec::new();
    export::write_municipality_csv(&mut body, &comparison, query.grade, language(query))
        .map_err(internal)?;
    Ok(csv_response("kommunen.csv", body))
}

/// A norm set in the format `norms import` reads: published reference
/// values, readable by everyone who reads results.
async fn norms_csv(
    state: &AppState,
    headers: &HeaderMap,
    query: &CsvQuery,
) -> Result<Response, Refusal> {
    let db = &state.db;
    let principal = signed_in(db, headers).await?;
    if !principal.sees_results() {
        return Err(Refusal(
            StatusCode::FORBIDDEN,
            "Keine Berechtigung / not allowed".into(),
        ));
    }
    let key = query
        .reference
        .as_deref()
        .ok_or_else(|| bad_request("parameter reference is missing"))?;
    let set = storage::analysis::norms::find(db, key)
        .await
        .map_err(internal)?
        .ok_or_else(|| Refusal(StatusCode::NOT_FOUND, format!("no norm set {key}")))?;
    let values = storage::analysis::norms::values(db, set.norm_set_id)
        .await
        .map_err(internal)?;
    let mut body = Vec::new();
    export::write_norms_csv(&mut body, &values).map_err(internal)?;
    Ok(csv_response(
        &format!("vergleichswerte-{}.csv", set.key),
        body,
    ))
}

async fn small_area_csv(
    state: &AppState,
    headers: &HeaderMap,
    query: &CsvQuery,
) -> Result<Response, Refusal> {
    let db = &state.db;
    let (wave, _, _) = wave_for(db, headers, query, Action::ViewResults).await?;
    let grades: Vec<u8> = waves::details(db, wave.wave_id)
        .await
        .map_err(internal)?
        .grades
        .iter()
        .map(|g| g.get())
        .collect();
    check_grade(&grades, query.grade).map_err(|error| bad_request(error.to_string()))?;
    let levels: Vec<Option<u8>> = match query.grade {
        Some(grade) => vec![Some(grade)],
        None => std::iter::once(None)
            .chain(grades.into_iter().map(Some))
            .collect(),
    };
    let (table, districts, models) = analysis::small_area_models(db, &wave, &levels)
        .await
        .map_err(unpublished)?;
    let names = GroupNames {
        districts: districts
            .into_iter()
            .map(|d| (d.district_id, (d.code, d.name)))
            .collect(),
        schools: Default::default(),
    };
    let mut body = Vec::new();
    export::write_small_area_csv(
        &mut body,
        &wave.name,
        &table,
        &models,
        &names,
        language(query),
    )
    .map_err(internal)?;
    Ok(csv_response(
        &format!("kleinraum-welle-{}.csv", wave.wave_id),
        body,
    ))
}

macro_rules! route {
    ($name:ident, $inner:ident) => {
        /// A CSV route; see `docs/api.md`.
        pub async fn $name(
            State(state): State<AppState>,
            headers: HeaderMap,
            Query(query): Query<CsvQuery>,
        ) -> Response {
            match $inner(&state, &headers, &query).await {
                Ok(response) => response,
                Err(refusal) => refusal.into_response(),
            }
        }
    };
}

route!(profile, profile_csv);

route!(comparison, comparison_csv);

route!(trend, trend_csv);

route!(quality, quality_csv);

route!(participation, participation_csv);

route!(priorities, priorities_csv);

route!(action_plan, action_plan_csv);

route!(municipalities, municipalities_csv);

route!(norms, norms_csv);

route!(small_area, small_area_csv);
