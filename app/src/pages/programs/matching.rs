//! `/programme/{municipality}`: the program catalog matched to the
//! priority factors, the coverage of the chosen programs and the gaps in
//! the local offers.

#[cfg(feature = "ssr")]
use super::scope::{current_priorities, factor_labels, planning_scope};
use crate::error::AppError;
use crate::i18n::*;
use crate::pages::common::{ResultsPage, de_en, language_code, number_text};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

/// A ranked program.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RankedProgram {
    /// Catalog key.
    pub key: String,
    /// Name.
    pub name: String,
    /// Provider.
    pub provider: String,
    /// Short description.
    pub description: String,
    /// Evidence level, as shown.
    pub evidence: String,
    /// Settings, as shown.
    pub settings: String,
    /// Grades, e.g. "5–8".
    pub grades: String,
    /// Priority factors it targets (labels).
    pub covers: Vec<String>,
    /// Ranking score.
    pub score: f64,
    /// Written for the demo.
    pub demo: bool,
    /// Link.
    pub link: String,
}

/// One row of a coverage or gap table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CoverageLine {
    /// Factor label.
    pub factor: String,
    /// What covers it (program or offer names).
    pub by: Vec<String>,
    /// Status text.
    pub status: String,
    /// Whether this is a gap.
    pub gap: bool,
}

/// The matching page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatchingView {
    /// Page language.
    pub language: String,
    /// Municipality id.
    pub municipality_id: i64,
    /// Municipality name.
    pub municipality: String,
    /// Where the priorities come from (decision date or "suggested").
    pub priorities_source: String,
    /// Priority factors (labels).
    pub priorities: Vec<String>,
    /// Selected grade and setting filters.
    pub grade: Option<u8>,
    /// Setting filter.
    pub setting: Option<String>,
    /// Ranked programs.
    pub programs: Vec<RankedProgram>,
    /// Coverage of the priorities by the programs in the action plan.
    pub coverage: Vec<CoverageLine>,
    /// Gap/overlap of the priorities against existing local offers.
    pub gaps: Vec<CoverageLine>,
    /// Districts for the action-plan form: (id, name).
    pub districts: Vec<(i64, String)>,
    /// Districts for the scope filter: (code, name).
    pub district_codes: Vec<(String, String)>,
    /// The district whose priorities are matched (code), if any.
    pub district: Option<String>,
    /// The district's id, to preselect it in the action-plan form.
    pub district_id: Option<i64>,
    /// May add to the action plan.
    pub can_plan: bool,
    /// CSRF token of the forms.
    pub csrf_token: String,
}

/// The matching page's data.
#[server(prefix = "/api", endpoint = "matching_view")]
pub async fn load_matching_view(
    municipality: i64,
    district: Option<String>,
    grade: Option<u8>,
    setting: Option<String>,
    language: String,
) -> Result<MatchingView, AppError> {
    use crate::domain::access::Action;
    use crate::domain::planning::catalog::Setting;
    use crate::domain::planning::matching::{
        GapStatus, MatchQuery, coverage, gap_matrix, rank_programs,
    };
    let db = crate::storage::db()?;
    let (row, principal, csrf_token) = planning_scope(&db, municipality).await?;
    let setting_filter = match setting.as_deref() {
        None | Some("") => None,
        Some(text) => Some(
            Setting::parse(text)
                .ok_or_else(|| AppError::InvalidInput(format!("unknown setting {text}")))?,
        ),
    };
    let district_rows = crate::storage::geography::districts(&db, municipality).await?;
    let district_id = match district.as_deref() {
        None | Some("") => None,
        Some(code) => Some(
            district_rows
                .iter()
                .find(|d| d.code == code)
                .map(|d| d.district_id)
                .ok_or(AppError::NotFound)?,
        ),
    };
    let (priorities, priorities_source) =
        current_priorities(&db, municipality, district_id, &language).await?;
    let labels = factor_labels(&db, municipality, &language).await?;
    let label = |id: &str| labels.get(id).cloned().unwrap_or_else(|| id.to_string());
    let catalog = crate::storage::planning::programs::catalog(&db).await?;
    let programs: Vec<crate::domain::planning::catalog::Program> =
        catalog.iter().map(|(_, p)| p.clone()).collect();
    let ranked = rank_programs(
        &programs,
        &MatchQuery {
            priorities: priorities.clone(),
            grade,
            setting: setting_filter,
        },
    );
    let settings_text = |p: &crate::domain::planning::catalog::Program| {
        p.settings
            .iter()
            .map(|s| s.label(&language).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let ranked_programs = ranked
        .iter()
        .map(|m| {
            let p = &programs[m.program];
            RankedProgram {
                key: p.key.clone(),
                name: p.name.clone(),
                provider: p.provider.clone(),
                description: p.description.clone(),
                evidence: p.evidence.label(&language).to_string(),
                settings: settings_text(p),
                grades: format!("{}–{}", p.grade_min, p.grade_max),
                covers: m.covered.iter().map(|f| label(f)).collect(),
                score: m.score,
                demo: p.demo,
                link: p.link.clone(),
            }
        })
        .collect();
    let entries = crate::storage::planning::programs::entries(&db, municipality).await?;
    let chosen: Vec<&crate::domain::planning::catalog::Program> = programs
        .iter()
        .filter(|p| entries.iter().any(|e| e.program_key == p.key))
        .collect();
    let coverage_lines = coverage(&priorities, &chosen)
        .into_iter()
        .map(|c| {
            let gap = c.programs.is_empty();
            CoverageLine {
                factor: label(&c.factor),
                by: c
                    .programs
                    .iter()
                    .map(|key| {
                        programs
                            .iter()
                            .find(|p| &p.key == key)
                            .map_or(key.clone(), |p| p.name.clone())
                    })
                    .collect(),
                status: if gap {
                    de_en(&language, "nicht abgedeckt", "not covered")
                } else {
                    de_en(&language, "abgedeckt", "covered")
                },
                gap,
            }
        })
        .collect();
    let offers = crate::storage::planning::programs::offers(&db, municipality).await?;
    let gaps = gap_matrix(&priorities, &offers)
        .into_iter()
        .map(|g| CoverageLine {
            factor: label(&g.factor),
            by: g.offers.iter().map(|&i| offers[i].name.clone()).collect(),
            status: match g.status {
                GapStatus::Gap => de_en(&language, "Lücke", "gap"),
                GapStatus::Covered => de_en(&language, "ein Angebot", "one offer"),
                GapStatus::Overlap => de_en(&language, "Überschneidung", "overlap"),
            },
            gap: g.status == GapStatus::Gap,
        })
        .collect();
    Ok(MatchingView {
        language: language.clone(),
        municipality_id: municipality,
        municipality: row.name.clone(),
        priorities_source,
        priorities: priorities.iter().map(|f| label(f)).collect(),
        grade,
        setting,
        programs: ranked_programs,
        coverage: coverage_lines,
        gaps,
        district_codes: district_rows
            .iter()
            .map(|d| (d.code.clone(), d.name.clone()))
            .collect(),
        districts: district_rows
            .into_iter()
            .map(|d| (d.district_id, d.name))
            .collect(),
        district,
        district_id,
        can_plan: principal.may(Action::PlanPrograms, &row.scope()),
        csrf_token,
    })
}

/// `/programme/{municipality}?jahrgang=8&setting=family`.
#[component]
pub fn MatchingPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let data = Resource::new(
        move || {
            (
                params.with(|p| p.get("municipality").and_then(|w| w.parse::<i64>().ok())),
                query.with(|q| q.get("bezirk")).filter(|s| !s.is_empty()),
                query.with(|q| q.get("jahrgang").and_then(|g| g.parse::<u8>().ok())),
                query.with(|q| q.get("setting")).filter(|s| !s.is_empty()),
                language_code(i18n.get_locale()),
            )
        },
        |(municipality, district, grade, setting, language)| async move {
            match municipality {
                Some(m) => load_matching_view(m, district, grade, setting, language).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <ResultsPage class="page programs" data body=|view| view! { <MatchingBody view /> }.into_any() />
    }
}

#[component]
fn MatchingBody(view: MatchingView) -> impl IntoView {
    let language = view.language.clone();
    let l = |de: &str, en: &str| de_en(&language, de, en);
    let settings = [
        ("", l("alle", "all")),
        ("family", l("Familie", "family")),
        ("school", l("Schule", "school")),
        ("community", l("Gemeinde", "community")),
        ("individual", l("Einzelne", "individual")),
    ];
    let selected_setting = view.setting.clone().unwrap_or_default();
    let no_priorities = view.priorities.is_empty();
    let no_programs = view.programs.is_empty();
    let municipality_id = view.municipality_id;
    let districts = view.districts.clone();
    let csrf = view.csrf_token.clone();
    let can_plan = view.can_plan;
    let preselected = view.district_id;
    let row_language = language.clone();
    view! {
        <p class="breadcrumb">
            <a href="/uebersicht">{l("Übersicht", "Overview")}</a>
            " › " {view.municipality.clone()}
        </p>
        <h1>{l("Programmauswahl", "Program selection")}</h1>
        <p class="actions no-print">
            <a href=format!("/aktionsplan/{municipality_id}")>{l("Aktionsplan", "Action plan")}</a>
            <a href=format!("/prioritaeten/{municipality_id}")>{l("Prioritäten", "Priorities")}</a>
        </p>
        <section>
            <h2>{l("Prioritätsfaktoren", "Priority factors")}</h2>
            {no_priorities.then(|| view! { <p class="notice">{l("Noch keine Prioritäten und keine auffälligen Faktoren – zuerst das Profil ansehen und Prioritäten festlegen.", "No priorities and no factors of concern yet – look at the profile and set priorities first.")}</p> })}
            <p class="meta">{view.priorities_source.clone()}</p>
            <ol class="priority-list">{view.priorities.iter().map(|p| view! { <li>{p.clone()}</li> }).collect_view()}</ol>
        </section>
        <form method="get" action=format!("/programme/{municipality_id}") class="filters no-print">
            <label>
                {l("Prioritäten von", "Priorities of")}
                <select name="bezirk">
                    <option value="" selected=view.district.is_none()>{l("ganze Kommune", "whole municipality")}</option>
                    {view.district_codes.iter().map(|(code, name)| view! {
                        <option value=code.clone() selected=view.district.as_deref() == Some(code.as_str())>{name.clone()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>
                {l("Jahrgang", "Grade")}
                <select name="jahrgang">
                    <option value="" selected=view.grade.is_none()>{l("alle", "all")}</option>
                    {(5u8..=13).map(|g| view! { <option value=g.to_string() selected=view.grade == Some(g)>{g.to_string()}</option> }).collect_view()}
                </select>
            </label>
            <label>
                {l("Setting", "Setting")}
                <select name="setting">
                    {settings.into_iter().map(|(value, label)| view! { <option value=value selected=selected_setting == value>{label}</option> }).collect_view()}
                </select>
            </label>
            <button type="submit">{l("Filtern", "Filter")}</button>
        </form>
        <section>
            <h2>{l("Passende Programme", "Matching programs")}</h2>
            <p class="footnote">{l(
                "Rangfolge: Anzahl der abgedeckten Prioritätsfaktoren × Evidenzstufe (nachgewiesen/Model Plus = 3, wahrscheinlich/Model = 2, theoretisch begründet/Promising = 1). Eine Auswahlhilfe, keine Entscheidung.",
                "Ranking: number of priority factors covered × evidence tier (proven/Model Plus = 3, likely/Model = 2, theoretically founded/Promising = 1). A shortlist, not a decision.",
            )}</p>
            {no_programs.then(|| view! { <p class="notice">{l("Kein Programm des Katalogs passt zu diesen Prioritäten und Filtern.", "No catalog program matches these priorities and filters.")}</p> })}
            <ol class="program-list">
                {view.programs.into_iter().map(|p| {
                    let language = row_language.clone();
                    let l = |de: &str, en: &str| de_en(&language, de, en);
                    let districts = districts.clone();
                    let csrf = csrf.clone();
                    let key = p.key.clone();
                    view! {
                        <li class="program" data-program=p.key.clone()>
                            <h3>{p.name.clone()} {p.demo.then(|| view! { <span class="badge">"Demo"</span> })}</h3>
                            <p class="meta">{format!("{} · {} · {} · {} {}", p.provider, p.evidence, p.settings, l("Jahrgänge", "grades"), p.grades)}</p>
                            <p>{p.description.clone()}</p>
                            <p>
                                <strong>{l("Deckt ab: ", "Covers: ")}</strong>
                                <span class="covers">{p.covers.join(", ")}</span>
                                {format!(" · {} {}", l("Punkte", "score"), number_text(&language, p.score))}
                            </p>
                            {can_plan.then(|| view! {
                                <form method="post" action="/aktionsplan" class="inline-form no-print">
                                    <input type="hidden" name="csrf" value=csrf.clone() />
                                    <input type="hidden" name="municipality" value=municipality_id />
                                    <input type="hidden" name="program" value=key.clone() />
                                    <label>
                                        {l("Stadtteil", "District")}
                                        <select name="district">
                                            <option value="all">{l("ganze Kommune", "whole municipality")}</option>
                                            {districts.iter().map(|(id, name)| view! { <option value=*id selected=preselected == Some(*id)>{name.clone()}</option> }).collect_view()}
                                        </select>
                                    </label>
                                    <label>
                                        {l("Beginn", "Start")}
                                        <input type="date" name="starts_on" required />
                                    </label>
                                    <label>
                                        {l("Ende (optional)", "End (optional)")}
                                        <input type="date" name="ends_on" />
                                    </label>
                                    <label>
                                        {l("Zielgruppe", "Target group")}
                                        <input type="text" name="target_group" />
                                    </label>
                                    <label>
                                        {l("geplante Teilnehmende", "planned participants")}
                                        <input type="number" name="planned_reach" min="0" />
                                    </label>
                                    <button type="submit">{l("Zum Aktionsplan hinzufügen", "Add to the action plan")}</button>
                                </form>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ol>
        </section>
        <CoverageTable
            title=l("Abdeckung durch den Aktionsplan", "Coverage by the action plan")
            column=l("Programme im Aktionsplan", "Programs in the action plan")
            lines=view.coverage
            language=language.clone()
        />
        <CoverageTable
            title=l("Bestehende Angebote (Ressourcenanalyse)", "Existing offers (resource assessment)")
            column=l("Angebote vor Ort", "Local offers")
            lines=view.gaps
            language=language.clone()
        />
    }
}

#[component]
fn CoverageTable(
    title: String,
    column: String,
    lines: Vec<CoverageLine>,
    language: String,
) -> impl IntoView {
    let empty = lines.is_empty();
    view! {
        <section>
            <h2>{title}</h2>
            {empty.then(|| view! { <p class="notice">{de_en(&language, "Keine Prioritäten.", "No priorities.")}</p> })}
            <table class="data coverage-table">
                <thead><tr>
                    <th scope="col">{de_en(&language, "Prioritätsfaktor", "Priority factor")}</th>
                    <th scope="col">{column}</th>
                    <th scope="col">{de_en(&language, "Status", "Status")}</th>
                </tr></thead>
                <tbody>
                    {lines.into_iter().map(|line| view! {
                        <tr class:warn=line.gap>
                            <th scope="row">{line.factor.clone()}</th>
                            <td>{if line.by.is_empty() { "–".to_string() } else { line.by.join(", ") }}</td>
                            <td>{line.status.clone()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}
