//! `/aktionsplan/{municipality}`: the action plan's entries,
//! implementation records, goals tracked against every wave, and existing
//! offers.

#[cfg(feature = "ssr")]
use super::scope::{factor_labels, planning_scope};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::pages::common::percent_text;
use crate::pages::common::{ResultsPage, de_en};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// An action-plan entry for display.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EntryLine {
    /// Row id.
    pub entry_id: i64,
    /// Program key.
    pub program_key: String,
    /// Program name.
    pub program: String,
    /// District name or whole municipality.
    pub district: String,
    /// Period.
    pub period: String,
    /// Target group.
    pub target_group: String,
    /// Planned reach.
    pub planned: Option<i64>,
    /// Latest actual reach.
    pub actual: Option<i64>,
    /// Records: date, reach, notes.
    pub records: Vec<(String, Option<i64>, String)>,
}

/// A goal with its tracking.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GoalLine {
    /// What, e.g. "Konflikte in der Familie, Jahrgang 8, Nordstadt".
    pub what: String,
    /// Target percent and wave.
    pub target: String,
    /// Per wave: name and value text.
    pub track: Vec<(String, String)>,
    /// Reached in the latest wave with figures.
    pub reached: Option<bool>,
}

/// The action plan page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionPlanView {
    /// Page language.
    pub language: String,
    /// Municipality id.
    pub municipality_id: i64,
    /// Municipality name.
    pub municipality: String,
    /// Entries.
    pub entries: Vec<EntryLine>,
    /// Goals.
    pub goals: Vec<GoalLine>,
    /// Factor choices for the goal form: (id, label).
    pub factors: Vec<(String, String)>,
    /// Districts: (id, name).
    pub districts: Vec<(i64, String)>,
    /// May edit.
    pub can_plan: bool,
    /// CSRF token.
    pub csrf_token: String,
}

/// The action plan of a municipality.
#[server(prefix = "/api", endpoint = "action_plan_view")]
pub async fn load_action_plan_view(
    municipality: i64,
    language: String,
) -> Result<ActionPlanView, AppError> {
    use crate::domain::access::Action;
    use crate::domain::analysis::aggregate::{GroupKey, SexKey};
    let db = crate::storage::db()?;
    let (row, principal, csrf_token) = planning_scope(&db, municipality).await?;
    let whole = de_en(&language, "ganze Kommune", "whole municipality");
    let entries = crate::storage::planning::programs::entries(&db, municipality)
        .await?
        .into_iter()
        .map(|e| EntryLine {
            entry_id: e.entry_id,
            program_key: e.program_key,
            program: e.program_name,
            district: e.district.map_or_else(|| whole.clone(), |(_, name)| name),
            period: format!(
                "{} – {}",
                e.starts_on,
                e.ends_on
                    .unwrap_or_else(|| de_en(&language, "offen", "open"))
            ),
            target_group: e.target_group,
            planned: e.planned_reach,
            actual: e.actual_reach,
            records: e.records,
        })
        .collect();
    let labels = factor_labels(&db, municipality, &language).await?;
    let districts = crate::storage::geography::districts(&db, municipality).await?;
    // Goals are tracked over the published waves only.
    let (waves, tables): (Vec<_>, Vec<_>) = crate::analysis::published_waves(&db, municipality)
        .await?
        .into_iter()
        .map(|(wave, result)| (wave, result.profile.clone()))
        .unzip();
    let goals = crate::storage::planning::programs::goals(&db, municipality)
        .await?
        .into_iter()
        .map(|g| {
            let key = GroupKey {
                district: g.district_id,
                school: None,
                grade: g.grade,
                sex: SexKey::All,
            };
            let mut reached = None;
            let track = waves
                .iter()
                .zip(&tables)
                .map(|(wave, table)| {
                    let value = table.group(&key).and_then(|group| {
                        let index = table.factors.iter().position(|f| f.id == g.factor)?;
                        let figures = group.factors[index].figures.as_ref()?;
                        Some((figures.percent, table.factors[index].kind))
                    });
                    if let Some((percent, kind)) = value {
                        // Protection should rise to the target, risk fall to it.
                        reached = Some(
                            if kind == crate::domain::analysis::profile::FactorKind::Protective {
                                percent >= g.target_percent
                            } else {
                                percent <= g.target_percent
                            },
                        );
                    }
                    (
                        wave.name.clone(),
                        value.map_or_else(|| "–".to_string(), |(p, _)| percent_text(&language, p)),
                    )
                })
                .collect();
            let district = g
                .district_id
                .and_then(|id| districts.iter().find(|d| d.district_id == id))
                .map_or_else(|| whole.clone(), |d| d.name.clone());
            let grade = g.grade.map_or_else(
                || de_en(&language, "alle Jahrgänge", "all grades"),
                |grade| {
                    de_en(
                        &language,
                        &format!("Jahrgang {grade}"),
                        &format!("grade {grade}"),
                    )
                },
            );
            GoalLine {
                what: format!(
                    "{}, {grade}, {district}",
                    labels.get(&g.factor).cloned().unwrap_or(g.factor.clone())
                ),
                target: de_en(
                    &language,
                    &format!(
                        "{} bis {}",
                        percent_text(&language, g.target_percent),
                        g.by_wave
                    ),
                    &format!(
                        "{} by {}",
                        percent_text(&language, g.target_percent),
                        g.by_wave
                    ),
                ),
                track,
                reached,
            }
        })
        .collect();
    Ok(ActionPlanView {
        language,
        municipality_id: municipality,
        municipality: row.name.clone(),
        entries,
        goals,
        factors: labels.into_iter().collect(),
        districts: districts
            .into_iter()
            .map(|d| (d.district_id, d.name))
            .collect(),
        can_plan: principal.may(Action::PlanPrograms, &row.scope()),
        csrf_token,
    })
}

/// `/aktionsplan/{municipality}`.
#[component]
pub fn ActionPlanPage() -> impl IntoView {
    let data = crate::pages::common::municipality_view(load_action_plan_view);
    view! {
        <ResultsPage class="page action-plan" data body=|view| view! { <ActionPlanBody view /> }.into_any() />
    }
}

#[component]
fn ActionPlanBody(view: ActionPlanView) -> impl IntoView {
    let language = view.language.clone();
    let l = |de: &str, en: &str| de_en(&language, de, en);
    let query = use_query_map();
    let message_language = language.clone();
    let message = move || {
        let language = message_language.clone();
        query.with(|q| {
            if q.get("gespeichert").is_some() {
                return Some((false, de_en(&language, "Gespeichert.", "Saved.")));
            }
            q.get("fehler")
                .map(|code| (true, plan_error_text(&language, &code)))
        })
    };
    let m = view.municipality_id;
    let csrf = view.csrf_token.clone();
    let can_plan = view.can_plan;
    let empty = view.entries.is_empty();
    let entry_language = language.clone();
    let goal_form = can_plan.then(|| view! {
        <form method="post" action="/aktionsplan/ziel" class="inline-form no-print">
            <input type="hidden" name="csrf" value=csrf.clone() />
            <input type="hidden" name="municipality" value=m />
            <label>{l("Faktor", "Factor")}
                <select name="factor">
                    {view.factors.iter().map(|(id, label)| view! { <option value=id.clone()>{label.clone()}</option> }).collect_view()}
                </select>
            </label>
            <label>{l("Stadtteil", "District")}
                <select name="district">
                    <option value="all">{l("ganze Kommune", "whole municipality")}</option>
                    {view.districts.iter().map(|(id, name)| view! { <option value=*id>{name.clone()}</option> }).collect_view()}
                </select>
            </label>
            <label>{l("Jahrgang", "Grade")}<input type="number" name="grade" min="1" max="13" /></label>
            <label>{l("Ziel in %", "Target in %")}<input type="number" name="target_percent" min="0" max="100" step="0.1" required /></label>
            <label>{l("bis Welle", "by wave")}<input type="text" name="by_wave" required placeholder="Frühjahr 2028" /></label>
            <button type="submit">{l("Ziel hinzufügen", "Add goal")}</button>
        </form>
    });
    let settings = [
        ("family", l("Familie", "family")),
        ("school", l("Schule", "school")),
        ("community", l("Gemeinde", "community")),
        ("individual", l("Einzelne", "individual")),
    ];
    let levels = [
        ("none", l("nicht evaluiert", "not evaluated")),
        (
            "proven",
            l("Effektivität nachgewiesen", "effectiveness proven"),
        ),
        (
            "likely",
            l("Effektivität wahrscheinlich", "effectiveness likely"),
        ),
        (
            "founded",
            l("theoretisch gut begründet", "theoretically founded"),
        ),
        ("model_plus", "Model Plus".to_string()),
        ("model", "Model".to_string()),
        ("promising", "Promising".to_string()),
    ];
    let offer_form = can_plan.then(|| view! {
        <section class="no-print">
            <h2>{l("Bestehendes Angebot erfassen (Ressourcenanalyse)", "Record an existing offer (resource assessment)")}</h2>
            <p class="footnote">{l("Angebote, die es vor Ort schon gibt; die Programmauswahl zeigt Lücken und Überschneidungen gegenüber den Prioritäten.", "Offers that already exist locally; the program selection shows gaps and overlaps against the priorities.")}</p>
            <form method="post" action="/aktionsplan/angebot" class="inline-form">
                <input type="hidden" name="csrf" value=csrf.clone() />
                <input type="hidden" name="municipality" value=m />
                <label>{l("Name", "Name")}<input type="text" name="name" required /></label>
                <label>{l("Träger", "Provider")}<input type="text" name="provider" required /></label>
                <label>{l("Jahrgang von", "Grade from")}<input type="number" name="grade_min" min="1" max="13" required /></label>
                <label>{l("bis", "to")}<input type="number" name="grade_max" min="1" max="13" required /></label>
                <label>{l("erreicht pro Jahr", "reach per year")}<input type="number" name="reach" min="0" /></label>
                <label>{l("Evidenz", "Evidence")}
                    <select name="evidence_level">
                        {levels.into_iter().map(|(value, label)| view! { <option value=value>{label}</option> }).collect_view()}
                    </select>
                </label>
                <fieldset>
                    <legend>{l("Setting", "Setting")}</legend>
                    {settings.into_iter().map(|(value, label)| view! {
                        <label class="check"><input type="checkbox" name="setting" value=value />{label}</label>
                    }).collect_view()}
                </fieldset>
                <fieldset>
                    <legend>{l("Adressierte Faktoren", "Factors addressed")}</legend>
                    <select name="factor" multiple size="6"
                        aria-label=l("Adressierte Faktoren", "Factors addressed")>
                        {view.factors.iter().map(|(id, label)| view! { <option value=id.clone()>{label.clone()}</option> }).collect_view()}
                    </select>
                </fieldset>
                <button type="submit">{l("Angebot speichern", "Save offer")}</button>
            </form>
        </section>
    });
    view! {
        <p class="breadcrumb">
            <a href="/uebersicht">{l("Übersicht", "Overview")}</a>
            " › " {view.municipality.clone()}
        </p>
        <h1>{l("Aktionsplan", "Action plan")}</h1>
        {move || message().map(|(error, text)| view! {
            <p class=if error { "error" } else { "notice success" } role="alert">{text}</p>
        })}
        <p class="actions no-print">
            <a href=format!("/programme/{m}")>{l("Programmauswahl", "Program selection")}</a>
            <a href=format!("/api/csv/action-plan?municipality={m}") download>{l("Aktionsplan als CSV", "Action plan as CSV")}</a>
        </p>
        <section>
            <h2>{l("Programme", "Programs")}</h2>
            {empty.then(|| view! { <p class="notice">{l("Noch keine Programme im Aktionsplan – in der Programmauswahl hinzufügen.", "No programs in the action plan yet – add them in the program selection.")}</p> })}
            <table class="data plan-table">
                <thead><tr>
                    <th scope="col">{l("Programm", "Program")}</th>
                    <th scope="col">{l("Stadtteil", "District")}</th>
                    <th scope="col">{l("Zeitraum", "Period")}</th>
                    <th scope="col">{l("Zielgruppe", "Target group")}</th>
                    <th scope="col" class="num">{l("geplant", "planned")}</th>
                    <th scope="col" class="num">{l("erreicht", "reached")}</th>
                    <th scope="col">{l("Umsetzung", "Implementation")}</th>
                </tr></thead>
                <tbody>
                    {view.entries.into_iter().map(|e| {
                        let language = entry_language.clone();
                        let l = |de: &str, en: &str| de_en(&language, de, en);
                        let csrf = csrf.clone();
                        view! {
                            <tr data-program=e.program_key.clone()>
                                <th scope="row">
                                    {e.program.clone()}
                                    <br />
                                    <a href=format!("/wirkung/{m}/{}", e.program_key)>{l("Wirkung", "Outcomes")}</a>
                                </th>
                                <td>{e.district.clone()}</td>
                                <td>{e.period.clone()}</td>
                                <td>{e.target_group.clone()}</td>
                                <td class="num">{e.planned.map_or_else(|| "–".into(), |n| n.to_string())}</td>
                                <td class="num">{e.actual.map_or_else(|| "–".into(), |n| n.to_string())}</td>
                                <td>
                                    <ul class="records">
                                        {e.records.iter().map(|(date, reach, notes)| view! {
                                            <li>{format!("{date}: {} {notes}", reach.map_or_else(String::new, |r| format!("{r} ·")))}</li>
                                        }).collect_view()}
                                    </ul>
                                    {can_plan.then(|| view! {
                                        <form method="post" action="/aktionsplan/umsetzung" class="inline-form no-print">
                                            <input type="hidden" name="csrf" value=csrf.clone() />
                                            <input type="hidden" name="entry" value=e.entry_id />
                                            <label>{l("erreicht", "reached")}<input type="number" name="actual_reach" min="0" /></label>
                                            <label>{l("Umsetzungstreue", "Fidelity")}<input type="text" name="fidelity_notes" /></label>
                                            <button type="submit" class="secondary">{l("Eintragen", "Record")}</button>
                                        </form>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        <section>
            <h2>{l("Ziele", "Goals")}</h2>
            <p class="footnote">{l("Jedes Ziel wird automatisch mit jeder Welle verglichen (Anteil gültiger Fragebögen; kleine Gruppen werden nicht ausgewiesen).", "Every goal is compared with every wave automatically (share of valid questionnaires; small groups are not shown).")}</p>
            <table class="data goals-table">
                <thead><tr>
                    <th scope="col">{l("Ziel", "Goal")}</th>
                    <th scope="col">{l("Zielwert", "Target")}</th>
                    <th scope="col">{l("Verlauf", "Track")}</th>
                    <th scope="col">{l("Stand", "Status")}</th>
                </tr></thead>
                <tbody>
                    {view.goals.into_iter().map(|g| view! {
                        <tr>
                            <th scope="row">{g.what.clone()}</th>
                            <td>{g.target.clone()}</td>
                            <td>{g.track.iter().map(|(wave, value)| format!("{wave}: {value}")).collect::<Vec<_>>().join(" · ")}</td>
                            <td>{match g.reached {
                                Some(true) => de_en(&language, "erreicht", "reached"),
                                Some(false) => de_en(&language, "noch nicht erreicht", "not yet reached"),
                                None => "–".to_string(),
                            }}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            {goal_form}
        </section>
        {offer_form}
    }
}

/// The message of an action-plan form error code.
fn plan_error_text(language: &str, code: &str) -> String {
    match code {
        "datum" => de_en(
            language,
            "Bitte ein gültiges Datum (JJJJ-MM-TT) angeben.",
            "Please give a valid date (YYYY-MM-DD).",
        ),
        "zahl" => de_en(
            language,
            "Bitte eine ganze Zahl ab 0 angeben.",
            "Please give a whole number from 0.",
        ),
        "prozent" => de_en(
            language,
            "Der Zielwert muss zwischen 0 und 100 liegen.",
            "The target must be between 0 and 100.",
        ),
        "programm" => de_en(language, "Unbekanntes Programm.", "Unknown program."),
        "faktor" => de_en(language, "Unbekannter Faktor.", "Unknown factor."),
        "bezirk" => de_en(language, "Unbekannter Stadtteil.", "Unknown district."),
        "welle" => de_en(
            language,
            "Bitte die Welle angeben, bis zu der das Ziel erreicht sein soll.",
            "Please name the wave by which the goal should be reached.",
        ),
        _ => de_en(
            language,
            "Die Eingabe wurde abgelehnt.",
            "The input was rejected.",
        ),
    }
}
