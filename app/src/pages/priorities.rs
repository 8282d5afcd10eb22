//! `/prioritaeten/{municipality}`: the board records its 2–5 priority
//! factors (for the municipality or one district) with a rationale and the
//! date; the page suggests the factors of concern of the latest wave, and
//! keeps the history.

use super::common::{ResultsPage, de_en};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// A factor to choose from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FactorChoice {
    /// Scale id.
    pub id: String,
    /// Name.
    pub label: String,
    /// Risk (true) or protective (false).
    pub risk: bool,
    /// Suggested: of concern in these districts (names) in the latest wave.
    pub suggested_in: Vec<String>,
}

/// A recorded decision, for display.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecisionLine {
    /// District name, or `None` for the municipality.
    pub district: Option<String>,
    /// Wave looked at.
    pub wave: Option<String>,
    /// Factor names.
    pub factors: Vec<String>,
    /// Why.
    pub rationale: String,
    /// When.
    pub decided_on: String,
    /// Who recorded it.
    pub decided_by: Option<String>,
    /// Still the current decision of its scope.
    pub current: bool,
}

/// The priorities page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrioritiesView {
    /// Page language.
    pub language: String,
    /// Municipality id.
    pub municipality_id: i64,
    /// Municipality name.
    pub municipality: String,
    /// May record a decision.
    pub can_edit: bool,
    /// The CSRF token of the form.
    pub csrf_token: String,
    /// The latest wave (id, name), if any.
    pub latest_wave: Option<(i64, String)>,
    /// Districts (id, name).
    pub districts: Vec<(i64, String)>,
    /// Factors, suggested ones first.
    pub factors: Vec<FactorChoice>,
    /// All decisions, newest first.
    pub history: Vec<DecisionLine>,
}

/// The priorities of a municipality.
#[server(prefix = "/api", endpoint = "priorities_view")]
pub async fn load_priorities_view(
    municipality: i64,
    language: String,
) -> Result<PrioritiesView, AppError> {
    use crate::domain::access::Action;
    use crate::domain::survey::instrument::ScaleKind;
    use crate::storage::{geography, planning::priorities, survey::instruments, waves};
    let db = crate::storage::db()?;
    let (row, principal) =
        super::common::scoped_municipality(&db, municipality, Action::ViewResults).await?;
    let csrf_token = crate::auth::current()
        .await?
        .map(|s| s.csrf_token)
        .unwrap_or_default();
    let districts = geography::districts(&db, municipality).await?;
    // The latest published wave: a new, still open wave must not take the
    // suggestions away.
    let latest = waves::latest_published(&db, municipality).await?;
    let mut factors = Vec::new();
    if let Some(wave) = &latest {
        let instrument = instruments::load(&db, wave.instrument_id).await?;
        let table = crate::analysis::page_profile(&db, wave, None).await?;
        let suggestions = crate::domain::planning::priorities::suggest(&table);
        let name_of = |id: i64| {
            districts
                .iter()
                .find(|d| d.district_id == id)
                .map_or(String::new(), |d| d.name.clone())
        };
        for scale in &instrument.scales {
            if !matches!(scale.kind, ScaleKind::Risk | ScaleKind::Protective)
                || scale.cut_point.is_none()
            {
                continue;
            }
            let suggested_in = suggestions
                .iter()
                .find(|s| s.factor_id == scale.id)
                .map(|s| s.districts.iter().map(|&d| name_of(d)).collect())
                .unwrap_or_default();
            factors.push(FactorChoice {
                id: scale.id.clone(),
                label: scale.label.get(&language).to_string(),
                risk: scale.kind == ScaleKind::Risk,
                suggested_in,
            });
        }
        // Suggested first (most widespread first), then instrument order.
        let rank = |id: &str| suggestions.iter().position(|s| s.factor_id == id);
        factors.sort_by_key(|f| rank(&f.id).unwrap_or(usize::MAX));
    }
    let label_of = |id: &str| {
        factors
            .iter()
            .find(|f| f.id == id)
            .map_or(id.to_string(), |f| f.label.clone())
    };
    let history = priorities::history(&db, municipality).await?;
    let current: Vec<i64> = priorities::current(&history)
        .iter()
        .map(|d| d.decision_id)
        .collect();
    let history = history
        .iter()
        .map(|d| DecisionLine {
            district: d.district_name.clone(),
            wave: d.wave_name.clone(),
            factors: d.factors.iter().map(|f| label_of(f)).collect(),
            rationale: d.rationale.clone(),
            decided_on: d.decided_on.clone(),
            decided_by: d.decided_by.clone(),
            current: current.contains(&d.decision_id),
        })
        .collect();
    Ok(PrioritiesView {
        language,
        municipality_id: municipality,
        municipality: row.name.clone(),
        can_edit: principal.may(Action::EditPriorities, &row.scope()),
        csrf_token,
        latest_wave: latest.map(|w| (w.wave_id, w.name)),
        districts: districts
            .into_iter()
            .map(|d| (d.district_id, d.name))
            .collect(),
        factors,
        history,
    })
}

/// The scale ids a decision for this municipality may name: the risk and
/// protective scales (with a cut point) of its latest wave's instrument.
#[cfg(feature = "ssr")]
pub async fn allowed_factors(
    db: &crate::storage::Db,
    municipality: i64,
) -> Result<Vec<String>, crate::storage::StorageError> {
    use crate::domain::survey::instrument::ScaleKind;
    let Some(wave) = crate::storage::waves::of_municipality(db, municipality)
        .await?
        .pop()
    else {
        return Ok(Vec::new());
    };
    let instrument = crate::storage::survey::instruments::load(db, wave.instrument_id).await?;
    Ok(instrument
        .scales
        .iter()
        .filter(|s| {
            matches!(s.kind, ScaleKind::Risk | ScaleKind::Protective) && s.cut_point.is_some()
        })
        .map(|s| s.id.clone())
        .collect())
}

/// `/prioritaeten/{municipality}`.
#[component]
pub fn PrioritiesPage() -> impl IntoView {
    let data = super::common::municipality_view(load_priorities_view);
    view! {
        <ResultsPage class="page priorities" data body=|view| view! { <PrioritiesBody view /> }.into_any() />
    }
}

#[component]
fn PrioritiesBody(view: PrioritiesView) -> impl IntoView {
    let language = view.language.clone();
    let l = |de: &str, en: &str| de_en(&language, de, en);
    let query = use_query_map();
    let message_language = language.clone();
    let message = move || {
        let language = message_language.clone();
        query.with(|q| {
            if q.get("gespeichert").is_some() {
                return Some((
                    false,
                    de_en(
                        &language,
                        "Die Entscheidung wurde gespeichert.",
                        "The decision was saved.",
                    ),
                ));
            }
            q.get("fehler").map(|code| {
                let text = match code.as_str() {
                    "anzahl" => de_en(
                        &language,
                        "Bitte 2 bis 5 Faktoren wählen.",
                        "Please choose 2 to 5 factors.",
                    ),
                    "begruendung" => de_en(
                        &language,
                        "Bitte eine Begründung angeben.",
                        "Please give a rationale.",
                    ),
                    "datum" => de_en(
                        &language,
                        "Das Datum muss im Format JJJJ-MM-TT angegeben werden.",
                        "The date must be written YYYY-MM-DD.",
                    ),
                    "bezirk" => de_en(&language, "Unbekannter Stadtteil.", "Unknown district."),
                    _ => de_en(
                        &language,
                        "Ein gewählter Faktor ist unbekannt oder doppelt.",
                        "A chosen factor is unknown or duplicated.",
                    ),
                };
                (true, text)
            })
        })
    };
    let no_wave = view.latest_wave.is_none();
    let history_language = language.clone();
    let form = (view.can_edit && !no_wave).then(|| {
        let wave_id = view.latest_wave.as_ref().map(|(id, _)| *id).unwrap_or_default();
        view! {
            <form method="post" action="/prioritaeten" class="stacked-form priorities-form no-print">
                <input type="hidden" name="csrf" value=view.csrf_token.clone() />
                <input type="hidden" name="municipality" value=view.municipality_id />
                <input type="hidden" name="wave" value=wave_id />
                <label for="district">{l("Geltungsbereich", "Scope")}</label>
                <select id="district" name="district">
                    <option value="all">{l("Gesamte Kommune", "Whole municipality")}</option>
                    {view.districts.iter().map(|(id, name)| view! { <option value=*id>{name.clone()}</option> }).collect_view()}
                </select>
                <fieldset>
                    <legend>{l("Prioritätsfaktoren (2 bis 5)", "Priority factors (2 to 5)")}</legend>
                    {view.factors.iter().map(|f| {
                        let id = format!("factor-{}", f.id);
                        let hint = if f.suggested_in.is_empty() {
                            String::new()
                        } else {
                            de_en(&language, &format!(" – auffällig in: {}", f.suggested_in.join(", ")), &format!(" – of concern in: {}", f.suggested_in.join(", ")))
                        };
                        let kind = if f.risk { l("Risiko", "risk") } else { l("Schutz", "protection") };
                        view! {
                            <label class="check" class:suggested=!f.suggested_in.is_empty()>
                                <input type="checkbox" id=id name="factor" value=f.id.clone() />
                                <span>{format!("{} ({kind})", f.label)}</span>
                                <span class="hint">{hint}</span>
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                <label for="rationale">{l("Begründung", "Rationale")}</label>
                <textarea id="rationale" name="rationale" rows="4" required></textarea>
                <label for="decided_on">{l("Datum der Sitzung (JJJJ-MM-TT)", "Date of the meeting (YYYY-MM-DD)")}</label>
                <input id="decided_on" name="decided_on" type="date" required />
                <button type="submit">{l("Entscheidung speichern", "Save decision")}</button>
            </form>
        }
    });
    view! {
        <p class="breadcrumb">
            <a href="/uebersicht">{l("Übersicht", "Overview")}</a>
            " › " {view.municipality.clone()}
        </p>
        <h1>{l("Prioritäten", "Priorities")}</h1>
        {move || message().map(|(error, text)| view! {
            <p class=if error { "error" } else { "notice success" } role="alert">{text}</p>
        })}
        <p>{l(
            "Das CTC-Gebietsteam wählt 2 bis 5 Risiko- und Schutzfaktoren. Vorgeschlagen (oben, markiert) sind die Faktoren, die in der letzten Welle in Stadtteilen auffällig sind – die Entscheidung trifft das Gremium, etwa nach Verbreitung, Trend, Veränderbarkeit und vorhandenen Angeboten.",
            "The CTC board chooses 2 to 5 risk and protective factors. Suggested (on top, marked) are the factors of concern in districts in the latest wave – the board decides, e.g. by prevalence, trend, changeability and existing offers.",
        )}</p>
        {no_wave.then(|| view! { <p class="notice">{l("Noch keine Befragungswelle – ohne Profil gibt es keine Vorschläge.", "No survey wave yet – without a profile there are no suggestions.")}</p> })}
        {form}
        <section>
            <h2>{l("Entscheidungen", "Decisions")}</h2>
            {view.history.is_empty().then(|| view! { <p class="notice">{de_en(&history_language, "Noch keine Entscheidung erfasst.", "No decision recorded yet.")}</p> })}
            <table class="data priorities-history">
                <thead><tr>
                    <th scope="col">{l("Datum", "Date")}</th>
                    <th scope="col">{l("Geltungsbereich", "Scope")}</th>
                    <th scope="col">{l("Faktoren", "Factors")}</th>
                    <th scope="col">{l("Begründung", "Rationale")}</th>
                    <th scope="col">{l("Grundlage", "Based on")}</th>
                    <th scope="col">{l("Status", "Status")}</th>
                </tr></thead>
                <tbody>
                    {view.history.into_iter().map(|d| {
                        let language = history_language.clone();
                        view! {
                            <tr class:current=d.current>
                                <td>{d.decided_on.clone()}</td>
                                <td>{d.district.clone().unwrap_or_else(|| de_en(&language, "Gesamte Kommune", "Whole municipality"))}</td>
                                <td><ol>{d.factors.iter().map(|f| view! { <li>{f.clone()}</li> }).collect_view()}</ol></td>
                                <td>{d.rationale.clone()}</td>
                                <td>{d.wave.clone().unwrap_or_default()}{d.decided_by.clone().map(|b| format!(" · {b}")).unwrap_or_default()}</td>
                                <td>{if d.current { de_en(&language, "aktuell", "current") } else { de_en(&language, "ersetzt", "superseded") }}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}
