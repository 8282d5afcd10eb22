//! Program planning for CTC boards and trainers:
//! `/programme/{municipality}` (catalog matched to the priorities, coverage,
//! resource gaps), `/aktionsplan/{municipality}` (entries, implementation,
//! goals tracked against every wave, existing offers) and
//! `/wirkung/{municipality}/{program}` (program districts against the
//! others over the waves, with the difference-in-differences).

#[cfg(feature = "ssr")]
use super::common::percent_text;
use super::common::{ErrorNotice, de_en, language_code, number_text};
use crate::components::charts::{TrendChart, TrendChartData};
use crate::error::AppError;
use crate::i18n::*;
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

#[cfg(feature = "ssr")]
async fn planning_scope(
    db: &crate::storage::Db,
    municipality: i64,
) -> Result<
    (
        crate::storage::geography::MunicipalityScopeRow,
        crate::domain::access::Principal,
        String,
    ),
    AppError,
> {
    use crate::domain::access::Action;
    let (row, principal) =
        super::common::scoped_municipality(db, municipality, Action::ViewResults).await?;
    let csrf = crate::auth::current()
        .await?
        .map(|s| s.csrf_token)
        .unwrap_or_default();
    Ok((row, principal, csrf))
}

/// The current priority factors of a municipality or one of its districts
/// (ids) and where they come from: the board's latest decision for that
/// scope, else the factors of concern of the latest wave (for a district:
/// those of concern there), at most five.
#[cfg(feature = "ssr")]
pub async fn current_priorities(
    db: &crate::storage::Db,
    municipality: i64,
    district: Option<i64>,
    language: &str,
) -> Result<(Vec<String>, String), AppError> {
    let history = crate::storage::planning::priorities::history(db, municipality).await?;
    if let Some(decision) = crate::storage::planning::priorities::current(&history)
        .into_iter()
        .find(|d| d.district_id == district)
    {
        return Ok((
            decision.factors.clone(),
            de_en(
                language,
                &format!("Entscheidung des Gebietsteams vom {}", decision.decided_on),
                &format!("the board's decision of {}", decision.decided_on),
            ),
        ));
    }
    let Some(wave) = crate::storage::waves::latest_published(db, municipality).await? else {
        return Ok((Vec::new(), String::new()));
    };
    let table = crate::analysis::page_profile(db, &wave, None).await?;
    Ok((
        crate::domain::planning::priorities::suggest(&table)
            .into_iter()
            .filter(|s| district.is_none_or(|d| s.districts.contains(&d)))
            .take(crate::domain::planning::priorities::MAX_FACTORS)
            .map(|s| s.factor_id)
            .collect(),
        de_en(
            language,
            "noch keine Entscheidung – Vorschlag aus den auffälligen Faktoren der letzten Welle",
            "no decision yet – suggested from the factors of concern in the latest wave",
        ),
    ))
}

/// Factor id → label in `language`, from the latest wave's instrument.
#[cfg(feature = "ssr")]
async fn factor_labels(
    db: &crate::storage::Db,
    municipality: i64,
    language: &str,
) -> Result<std::collections::BTreeMap<String, String>, AppError> {
    let Some(wave) = crate::storage::waves::of_municipality(db, municipality)
        .await?
        .pop()
    else {
        return Ok(Default::default());
    };
    let instrument = crate::storage::survey::instruments::load(db, wave.instrument_id).await?;
    Ok(
        crate::domain::analysis::report::profile_factors(&instrument)
            .into_iter()
            .map(|f| (f.id, f.label.get(language).to_string()))
            .collect(),
    )
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
        <section class="page programs">
            <Suspense fallback=move || view! { <p class="loading">{t!(i18n, status_loading)}</p> }>
                {move || Suspend::new(async move {
                    let language = language_code(i18n.get_locale_untracked());
                    match data.await {
                        Ok(view) => view! { <MatchingBody view /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error language /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
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
                Some(m) => load_action_plan_view(m, language).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <section class="page action-plan">
            <Suspense fallback=move || view! { <p class="loading">{t!(i18n, status_loading)}</p> }>
                {move || Suspend::new(async move {
                    let language = language_code(i18n.get_locale_untracked());
                    match data.await {
                        Ok(view) => view! { <ActionPlanBody view /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error language /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
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
                    <select name="factor" multiple size="6">
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

/// One factor of the outcome page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutcomeFactor {
    /// Factor label.
    pub label: String,
    /// Chart: program districts against the others.
    pub chart: TrendChartData,
    /// Change in the program districts, as text.
    pub program_change: String,
    /// Change in the other districts, as text.
    pub others_change: String,
    /// Difference-in-differences in points with CI and p, as text.
    pub did: String,
    /// DiD estimate in points (for tests and tables).
    pub did_points: Option<f64>,
    /// Why a compared wave is withheld, in plain words, when one is.
    pub withheld_note: Option<String>,
}

/// The outcome page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutcomeView {
    /// Page language.
    pub language: String,
    /// Municipality id.
    pub municipality_id: i64,
    /// Municipality name.
    pub municipality: String,
    /// Program name.
    pub program: String,
    /// Districts that ran it.
    pub program_districts: Vec<String>,
    /// Compared waves: (before, after), if any.
    pub compared: Option<(String, String)>,
    /// Why there is no comparison, if none.
    pub no_comparison: Option<String>,
    /// Per targeted factor.
    pub factors: Vec<OutcomeFactor>,
}

#[cfg(feature = "ssr")]
fn change_text(
    language: &str,
    change: Option<crate::domain::planning::program_outcomes::GroupChange>,
) -> String {
    match change {
        None => "–".to_string(),
        Some(c) => {
            let ci = c.ci_points.map_or(String::new(), |ci| {
                de_en(
                    language,
                    &format!(
                        " (95-%-KI {} bis {})",
                        number_text(language, ci.lower),
                        number_text(language, ci.upper)
                    ),
                    &format!(
                        " (95 % CI {} to {})",
                        number_text(language, ci.lower),
                        number_text(language, ci.upper)
                    ),
                )
            });
            format!(
                "{} → {}: {} {}{ci}",
                percent_text(language, c.before_percent),
                percent_text(language, c.after_percent),
                number_text(language, c.difference_points),
                de_en(language, "Pp.", "pts"),
            )
        }
    }
}

/// The outcome evaluation of one program in a municipality.
#[server(prefix = "/api", endpoint = "outcome_view")]
pub async fn load_outcome_view(
    municipality: i64,
    program: String,
    language: String,
) -> Result<OutcomeView, AppError> {
    use crate::components::charts::TrendPoint;
    use crate::domain::planning::program_outcomes::{evaluate, pre_post_waves};
    let db = crate::storage::db()?;
    let (row, _, _) = planning_scope(&db, municipality).await?;
    let (_, catalog_entry) = crate::storage::planning::programs::program(&db, &program)
        .await?
        .ok_or(AppError::NotFound)?;
    let entries: Vec<_> = crate::storage::planning::programs::entries(&db, municipality)
        .await?
        .into_iter()
        .filter(|e| e.program_key == program)
        .collect();
    let districts = crate::storage::geography::districts(&db, municipality).await?;
    // A municipality-wide entry has no comparison districts.
    let program_districts: Vec<i64> = entries
        .iter()
        .filter_map(|e| e.district.as_ref().map(|d| d.0))
        .collect();
    let starts_on = entries.iter().map(|e| e.starts_on.clone()).min();
    // The same published waves as `program_series`, so indices agree.
    let waves: Vec<_> = crate::analysis::published_waves(&db, municipality)
        .await?
        .into_iter()
        .map(|(wave, _)| wave)
        .collect();
    let periods: Vec<(String, String)> = waves
        .iter()
        .map(|w| (w.opens_on.clone(), w.closes_on.clone()))
        .collect();
    let pre_post = starts_on
        .as_deref()
        .and_then(|s| pre_post_waves(&periods, s));
    let no_comparison = if entries.is_empty() {
        Some(de_en(
            &language,
            "Dieses Programm steht nicht im Aktionsplan der Kommune.",
            "This program is not in the municipality's action plan.",
        ))
    } else if program_districts.is_empty() || program_districts.len() >= districts.len() {
        Some(de_en(
            &language,
            "Das Programm läuft in der ganzen Kommune: Es gibt keine Vergleichsstadtteile.",
            "The program runs in the whole municipality: there are no comparison districts.",
        ))
    } else if pre_post.is_none() {
        Some(de_en(
            &language,
            "Es gibt (noch) keine Welle vor dem Programmstart und eine danach.",
            "There is no wave before the program start and one after it (yet).",
        ))
    } else {
        None
    };
    let series = if program_districts.is_empty() {
        Vec::new()
    } else {
        crate::analysis::program_series(
            &db,
            municipality,
            &program_districts,
            &catalog_entry.factors,
            None,
        )
        .await?
    };
    let program_label = de_en(&language, "Programmstadtteile", "program districts");
    let others_label = de_en(&language, "übrige Stadtteile", "other districts");
    let factors = series
        .iter()
        .enumerate()
        .map(|(index, s)| {
            let label = s.label.get(&language).to_string();
            let outcome = pre_post.map(|(pre, post)| evaluate(&s.waves, pre, post));
            let points = s
                .waves
                .iter()
                .map(|w| {
                    let percent = |p: Option<crate::domain::analysis::stats::Proportion>| p.and_then(|p| p.estimate()).map(|e| e * 100.0);
                    TrendPoint {
                        wave_label: w.wave_label.clone(),
                        percent: percent(w.program),
                        ci: w.program.and_then(|p| p.wilson95()).map(|ci| (ci.lower * 100.0, ci.upper * 100.0)),
                        reference: percent(w.others),
                        significant_change: false,
                        change_text: None,
                    }
                })
                .collect();
            let did = outcome.as_ref().and_then(|o| o.did);
            OutcomeFactor {
                label: label.clone(),
                chart: TrendChartData {
                    id: format!("outcome-{index}"),
                    title: label.clone(),
                    summary: de_en(
                        &language,
                        &format!("{label}: Programmstadtteile (Linie mit Intervallen) und übrige Stadtteile (gestrichelt) über die Wellen."),
                        &format!("{label}: program districts (line with intervals) and other districts (dashed) over the waves."),
                    ),
                    points,
                    series_label: program_label.clone(),
                    reference_label: others_label.clone(),
                    empty_text: de_en(&language, "Keine ausweisbaren Werte (kleine Gruppen werden nicht gezeigt).", "No reportable figures (small groups are not shown)."),
                    y_max: None,
                    significant_label: String::new(),
                },
                program_change: change_text(&language, outcome.as_ref().and_then(|o| o.program_change)),
                others_change: change_text(&language, outcome.as_ref().and_then(|o| o.others_change)),
                did: did.map_or_else(
                    || "–".to_string(),
                    |d| {
                        let p = if d.p_value < 0.001 {
                            de_en(&language, "< 0,001", "< 0.001")
                        } else {
                            let text = format!("{:.3}", d.p_value);
                            if language == "en" { text } else { text.replace('.', ",") }
                        };
                        let p = if p.starts_with('<') { format!("p {p}") } else { format!("p = {p}") };
                        format!(
                            "{} {} ({} {} {} {}; {p})",
                            number_text(&language, d.estimate * 100.0),
                            de_en(&language, "Pp.", "pts"),
                            de_en(&language, "95-%-KI", "95 % CI"),
                            number_text(&language, d.ci.lower * 100.0),
                            de_en(&language, "bis", "to"),
                            number_text(&language, d.ci.upper * 100.0),
                        )
                    },
                ),
                did_points: did.map(|d| d.estimate * 100.0),
                withheld_note: withheld_note(&language, &s.waves, pre_post),
            }
        })
        .collect();
    Ok(OutcomeView {
        language,
        municipality_id: municipality,
        municipality: row.name.clone(),
        program: catalog_entry.name.clone(),
        program_districts: districts
            .iter()
            .filter(|d| program_districts.contains(&d.district_id))
            .map(|d| d.name.clone())
            .collect(),
        compared: pre_post.map(|(pre, post)| (waves[pre].name.clone(), waves[post].name.clone())),
        no_comparison,
        factors,
    })
}

/// `/wirkung/{municipality}/{program}`.
#[component]
pub fn OutcomePage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let data = Resource::new(
        move || {
            (
                params.with(|p| p.get("municipality").and_then(|w| w.parse::<i64>().ok())),
                params.with(|p| p.get("program")).unwrap_or_default(),
                language_code(i18n.get_locale()),
            )
        },
        |(municipality, program, language)| async move {
            match municipality {
                Some(m) => load_outcome_view(m, program, language).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <section class="page outcomes">
            <Suspense fallback=move || view! { <p class="loading">{t!(i18n, status_loading)}</p> }>
                {move || Suspend::new(async move {
                    let language = language_code(i18n.get_locale_untracked());
                    match data.await {
                        Ok(view) => view! { <OutcomeBody view /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error language /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn OutcomeBody(view: OutcomeView) -> impl IntoView {
    let language = view.language.clone();
    let l = |de: &str, en: &str| de_en(&language, de, en);
    let m = view.municipality_id;
    let compared = view.compared.clone().map(|(pre, post)| {
        de_en(
            &language,
            &format!("Verglichen: {pre} (vor dem Start) mit {post}."),
            &format!("Compared: {pre} (before the start) with {post}."),
        )
    });
    let row_language = language.clone();
    view! {
        <p class="breadcrumb">
            <a href="/uebersicht">{l("Übersicht", "Overview")}</a>
            " › " {view.municipality.clone()} " › "
            <a href=format!("/aktionsplan/{m}")>{l("Aktionsplan", "Action plan")}</a>
        </p>
        <h1>{format!("{} – {}", l("Wirkung", "Outcomes"), view.program)}</h1>
        <p>{de_en(&language, &format!("Programmstadtteile: {}", view.program_districts.join(", ")), &format!("Program districts: {}", view.program_districts.join(", ")))}</p>
        {compared.map(|text| view! { <p class="meta">{text}</p> })}
        {view.no_comparison.clone().map(|text| view! { <p class="notice">{text}</p> })}
        <div class="notice warn caveat">
            <p><strong>{l("Was dieser Vergleich zeigen kann – und was nicht", "What this comparison can show – and what not")}</strong></p>
            <p>{l(
                "Er zeigt, ob sich ein Faktor in den Programmstadtteilen stärker verändert hat als in den übrigen Stadtteilen, über den Zufall der Stichproben hinaus (Differenz-von-Differenzen). Er beweist nicht, dass das Programm die Ursache ist: Die Stadtteile wurden nicht zufällig zugeteilt, andere Entwicklungen können gleichzeitig wirken, in jeder Welle antworten andere Schülerinnen und Schüler, und weil sie in Schulen und Klassen gruppiert sind, ist die wahre Unsicherheit größer als die gezeigten Intervalle. Kleine Gruppen werden nicht ausgewiesen.",
                "It shows whether a factor changed more in the program districts than in the other districts, beyond sampling chance (difference-in-differences). It does not prove that the program caused it: districts were not randomised, other developments may coincide, different pupils answer in each wave, and because pupils are clustered in schools and classes the true uncertainty is larger than the intervals shown. Small groups are not shown.",
            )}</p>
        </div>
        <table class="data outcome-table">
            <thead><tr>
                <th scope="col">{l("Faktor", "Factor")}</th>
                <th scope="col">{l("Programmstadtteile", "Program districts")}</th>
                <th scope="col">{l("Übrige Stadtteile", "Other districts")}</th>
                <th scope="col">{l("Differenz-von-Differenzen", "Difference-in-differences")}</th>
            </tr></thead>
            <tbody>
                {view.factors.iter().map(|f| view! {
                    <tr>
                        <th scope="row">{f.label.clone()}</th>
                        <td>{f.program_change.clone()}</td>
                        <td>{f.others_change.clone()}</td>
                        <td class="did" data-did=f.did_points.map(|d| format!("{d:.1}"))>
                            {f.did.clone()}
                            {f.withheld_note.clone().map(|note| view! { <p class="withheld-note">{note}</p> })}
                        </td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <div class="trend-grid">
            {view.factors.into_iter().map(|f| view! { <TrendChart data=f.chart /> }).collect_view()}
        </div>
        <p class="footnote">{de_en(&row_language,
            "Intervalle: Newcombe (Veränderung je Gruppe), Wald (Differenz-von-Differenzen); einfache Zufallsstichprobe angenommen.",
            "Intervals: Newcombe (change per group), Wald (difference-in-differences); simple random sampling assumed.")}</p>
    }
}

/// The plain reason a compared wave (baseline or follow-up) is withheld.
#[cfg(feature = "ssr")]
fn withheld_note(
    language: &str,
    waves: &[crate::domain::planning::program_outcomes::WaveSplit],
    pre_post: Option<(usize, usize)>,
) -> Option<String> {
    use crate::domain::planning::program_outcomes::SplitWithheld;
    let (pre, post) = pre_post?;
    let reasons: Vec<SplitWithheld> = [pre, post]
        .iter()
        .filter_map(|&i| waves.get(i).and_then(|w| w.withheld))
        .collect();
    if reasons.contains(&SplitWithheld::WithheldDistrict) {
        Some(de_en(
            language,
            "Nicht ausgewiesen (Datenschutz): Ein Stadtteil der Programm- oder der Vergleichsgruppe ist für sich zu klein, um gezeigt zu werden; aus der Gruppe und den übrigen Stadtteilen ließe er sich sonst berechnen.",
            "Withheld (privacy): a district in the program or the comparison group is too small to be shown on its own; it could otherwise be computed from the group and the other districts.",
        ))
    } else if reasons.contains(&SplitWithheld::SmallGroup) {
        Some(de_en(
            language,
            "Nicht ausgewiesen (Datenschutz): Eine der beiden Gruppen hat zu wenige Antworten.",
            "Withheld (privacy): one of the two groups has too few answers.",
        ))
    } else {
        None
    }
}
