//! `/einrichtung/{municipality}`: the coordinator sets up the survey in the
//! browser — schools per district, waves, classes — with the same checks as
//! the CLI (`server school add`, `wave create`, `class add`). Code sheets
//! are printed from the participation page of a wave.

use super::common::{ResultsPage, de_en, language_code};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

/// A wave in the set-up list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SetupWave {
    /// Id.
    pub wave_id: i64,
    /// Name.
    pub name: String,
    /// Period.
    pub period: String,
    /// Classes set up.
    pub classes: i64,
    /// Still open (or not yet started): classes and codes may be added.
    pub open: bool,
}

/// The set-up page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SetupView {
    /// Page language.
    pub language: String,
    /// Municipality id.
    pub municipality_id: i64,
    /// Municipality name.
    pub municipality: String,
    /// Districts (id, name).
    pub districts: Vec<(i64, String)>,
    /// Schools (id, name, district name, type).
    pub schools: Vec<(i64, String, String, String)>,
    /// Waves, newest first.
    pub waves: Vec<SetupWave>,
    /// Instruments (id, "key version – title").
    pub instruments: Vec<(i64, String)>,
    /// CSRF token.
    pub csrf_token: String,
}

/// The set-up data of a municipality.
#[server(prefix = "/api", endpoint = "setup_view")]
pub async fn load_setup_view(municipality: i64, language: String) -> Result<SetupView, AppError> {
    use crate::domain::access::Action;
    use crate::storage::{geography, survey::instruments, waves};
    let db = crate::storage::db()?;
    let (row, _) =
        super::common::scoped_municipality(&db, municipality, Action::ManageSurvey).await?;
    let csrf_token = crate::auth::current()
        .await?
        .map(|s| s.csrf_token)
        .unwrap_or_default();
    let districts = geography::districts(&db, municipality).await?;
    let district_name = |id: i64| {
        districts
            .iter()
            .find(|d| d.district_id == id)
            .map_or(String::new(), |d| d.name.clone())
    };
    let schools = geography::school_rows(&db, municipality)
        .await?
        .into_iter()
        .map(|s| {
            (
                s.school_id,
                s.name,
                district_name(s.district_id),
                s.school_type.unwrap_or_default(),
            )
        })
        .collect();
    let counts = waves::class_counts(&db, municipality).await?;
    let today = crate::storage::today();
    let wave_list = waves::of_municipality(&db, municipality)
        .await?
        .into_iter()
        .rev()
        .map(|w| SetupWave {
            classes: counts
                .iter()
                .find(|(id, _)| *id == w.wave_id)
                .map_or(0, |(_, n)| *n),
            open: !w.is_closed_on(&today),
            period: format!("{} – {}", w.opens_on, w.closes_on),
            wave_id: w.wave_id,
            name: w.name,
        })
        .collect();
    Ok(SetupView {
        language,
        municipality_id: municipality,
        municipality: row.name,
        districts: districts
            .into_iter()
            .map(|d| (d.district_id, d.name))
            .collect(),
        schools,
        waves: wave_list,
        instruments: instruments::list(&db)
            .await?
            .into_iter()
            .map(|(id, key, version, title)| (id, format!("{key} {version} – {title}")))
            .collect(),
        csrf_token,
    })
}

/// `/einrichtung/{municipality}`.
#[component]
pub fn SetupPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let data = Resource::new(
        move || {
            (
                params.with(|p| p.get("municipality").and_then(|w| w.parse::<i64>().ok())),
                language_code(i18n.get_locale()),
            )
        },
        |(municipality, language)| async move {
            match municipality {
                Some(m) => load_setup_view(m, language).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <ResultsPage class="page setup" data body=|view| view! { <SetupBody view /> }.into_any() />
    }
}

#[component]
fn SetupBody(view: SetupView) -> impl IntoView {
    let language = view.language.clone();
    let l = |de: &str, en: &str| de_en(&language, de, en);
    let query = use_query_map();
    let message = move || {
        query.with(|q| {
            if let Some(done) = q.get("gespeichert") {
                return Some((false, done));
            }
            q.get("fehler").map(|text| (true, text))
        })
    };
    let csrf = view.csrf_token.clone();
    let m = view.municipality_id;
    let open_waves: Vec<(i64, String)> = view
        .waves
        .iter()
        .filter(|w| w.open)
        .map(|w| (w.wave_id, w.name.clone()))
        .collect();
    let no_open_wave = open_waves.is_empty();
    let no_schools = view.schools.is_empty();
    let wave_language = language.clone();
    view! {
        <p class="breadcrumb">
            <a href="/uebersicht">{l("Übersicht", "Overview")}</a>
            " › " {view.municipality.clone()}
        </p>
        <h1>{l("Befragung einrichten", "Set up the survey")}</h1>
        {move || message().map(|(error, text)| view! {
            <p class=if error { "error" } else { "notice success" } role="alert">{text}</p>
        })}
        <section>
            <h2>{l("Befragungswellen", "Survey waves")}</h2>
            <table class="data">
                <thead><tr>
                    <th scope="col">{l("Welle", "Wave")}</th>
                    <th scope="col">{l("Zeitraum", "Period")}</th>
                    <th scope="col" class="num">{l("Klassen", "Classes")}</th>
                    <th scope="col">{l("Codes und Teilnahme", "Codes and participation")}</th>
                    <th scope="col">{l("Ergebnisse", "Results")}</th>
                </tr></thead>
                <tbody>
                    {view.waves.iter().map(|w| view! {
                        <tr>
                            <th scope="row">{w.name.clone()}</th>
                            <td>{w.period.clone()}</td>
                            <td class="num">{w.classes}</td>
                            <td><a href=format!("/teilnahme/{}", w.wave_id)>{de_en(&wave_language, "Teilnahme / Codebögen", "participation / code sheets")}</a></td>
                            <td>{if w.open {
                                view! {
                                    <form method="post" action="/einrichtung/welle-abschliessen" class="inline-form">
                                        <input type="hidden" name="csrf" value=csrf.clone() />
                                        <input type="hidden" name="municipality" value=m />
                                        <input type="hidden" name="wave" value=w.wave_id />
                                        <span>{de_en(&wave_language, "nach Abschluss der Welle", "once the wave has closed")}</span>
                                        " "
                                        <button type="submit">{de_en(&wave_language, "Welle jetzt abschließen", "Close the wave now")}</button>
                                    </form>
                                }.into_any()
                            } else {
                                view! { <span>{de_en(&wave_language, "abgeschlossen – veröffentlicht", "closed – published")}</span> }.into_any()
                            }}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <h3>{l("Neue Welle", "New wave")}</h3>
            <form method="post" action="/einrichtung/welle" class="inline-form">
                <input type="hidden" name="csrf" value=csrf.clone() />
                <input type="hidden" name="municipality" value=m />
                <label>{l("Name", "Name")}<input type="text" name="name" required placeholder="Frühjahr 2028" /></label>
                <label>{l("Fragebogen", "Instrument")}
                    <select name="instrument">
                        {view.instruments.iter().map(|(id, label)| view! { <option value=*id>{label.clone()}</option> }).collect_view()}
                    </select>
                </label>
                <label>{l("Beginn", "Opens")}<input type="date" name="opens" required /></label>
                <label>{l("Ende", "Closes")}<input type="date" name="closes" required /></label>
                <label>{l("Jahrgänge (z. B. 6,8,10)", "Grades (e.g. 6,8,10)")}<input type="text" name="grades" required /></label>
                <label>{l("Zuordnung zum Stadtteil", "District rule")}
                    <select name="district_rule">
                        <option value="home_else_school">{l("Wohnstadtteil, sonst Schulstandort", "home district, else the school's")}</option>
                        <option value="school">{l("immer Schulstandort", "always the school's")}</option>
                    </select>
                </label>
                <button type="submit">{l("Welle anlegen", "Create wave")}</button>
            </form>
        </section>
        <section>
            <h2>{l("Schulen", "Schools")}</h2>
            {no_schools.then(|| view! { <p class="notice">{l("Noch keine Schulen.", "No schools yet.")}</p> })}
            <table class="data">
                <thead><tr>
                    <th scope="col">{l("Schule", "School")}</th>
                    <th scope="col">{l("Stadtteil", "District")}</th>
                    <th scope="col">{l("Schulform", "Type")}</th>
                </tr></thead>
                <tbody>
                    {view.schools.iter().map(|(_, name, district, kind)| view! {
                        <tr><th scope="row">{name.clone()}</th><td>{district.clone()}</td><td>{kind.clone()}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <h3>{l("Neue Schule", "New school")}</h3>
            <form method="post" action="/einrichtung/schule" class="inline-form">
                <input type="hidden" name="csrf" value=csrf.clone() />
                <input type="hidden" name="municipality" value=m />
                <label>{l("Stadtteil", "District")}
                    <select name="district">
                        {view.districts.iter().map(|(id, name)| view! { <option value=*id>{name.clone()}</option> }).collect_view()}
                    </select>
                </label>
                <label>{l("Name", "Name")}<input type="text" name="name" required /></label>
                <label>{l("Schulform", "Type")}<input type="text" name="school_type" placeholder="Gesamtschule" /></label>
                <button type="submit">{l("Schule anlegen", "Add school")}</button>
            </form>
        </section>
        <section>
            <h2>{l("Klasse zu einer laufenden Welle hinzufügen", "Add a class to an open wave")}</h2>
            {no_open_wave.then(|| view! { <p class="notice">{l("Keine laufende oder geplante Welle – zuerst eine Welle anlegen.", "No open or planned wave – create a wave first.")}</p> })}
            {(!no_open_wave && !no_schools).then(|| view! {
                <form method="post" action="/einrichtung/klasse" class="inline-form">
                    <input type="hidden" name="csrf" value=csrf.clone() />
                    <input type="hidden" name="municipality" value=m />
                    <label>{de_en(&language, "Welle", "Wave")}
                        <select name="wave">
                            {open_waves.iter().map(|(id, name)| view! { <option value=*id>{name.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>{de_en(&language, "Schule", "School")}
                        <select name="school">
                            {view.schools.iter().map(|(id, name, district, _)| view! { <option value=*id>{format!("{name} ({district})")}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>{de_en(&language, "Klasse", "Class")}<input type="text" name="name" required placeholder="8a" /></label>
                    <label>{de_en(&language, "Jahrgang", "Grade")}<input type="number" name="grade" min="1" max="13" required /></label>
                    <label>{de_en(&language, "Schüler/innen", "Pupils")}<input type="number" name="pupils" min="0" max="60" required /></label>
                    <button type="submit">{de_en(&language, "Klasse anlegen", "Add class")}</button>
                </form>
            })}
        </section>
    }
}
