//! `/teilnahme/{wave}` (participation, for coordinators and school
//! contacts) and `/qualitaet/{wave}` (data quality, for coordinators).

use super::common::{ResultsPage, de_en, language_code, percent_text};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

/// One row of the participation table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParticipationLine {
    /// School (`None` = wave total).
    pub school: Option<String>,
    /// Class (`None` = total).
    pub class: Option<String>,
    /// Grade.
    pub grade: Option<u8>,
    /// Pupils enrolled.
    pub enrolled: u64,
    /// Codes issued.
    pub issued: u64,
    /// In progress.
    pub started: u64,
    /// Finished.
    pub finished: u64,
    /// Questionnaires stored.
    pub responses: u64,
    /// Excluded (`None` = withheld).
    pub excluded: Option<u64>,
}

/// The participation page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParticipationView {
    /// Page language.
    pub language: String,
    /// Municipality.
    pub municipality: String,
    /// Wave name.
    pub wave: String,
    /// Wave id.
    pub wave_id: i64,
    /// Whether the wave is open today.
    pub open: bool,
    /// Last day.
    pub closes_on: String,
    /// Only one school is shown (school contact).
    pub one_school: bool,
    /// Rows.
    pub lines: Vec<ParticipationLine>,
    /// CSV download.
    pub csv_url: String,
    /// May generate code sheets (coordinator, admin) while the wave is not over.
    pub can_print_codes: bool,
    /// CSRF token of the code-sheet forms.
    pub csrf_token: String,
}

/// Participation of a wave: all schools for coordinators (and regional
/// staff), the own school only for a school contact.
#[server(prefix = "/api", endpoint = "participation_view")]
pub async fn load_participation_view(
    wave: i64,
    language: String,
) -> Result<ParticipationView, AppError> {
    let db = crate::storage::db()?;
    let (scoped, principal, school) = participation_scope(&db, wave).await?;
    let lines = participation_lines(&db, &scoped.wave, school).await?;
    let today = crate::storage::today();
    let can_print_codes = !scoped.wave.is_closed_on(&today)
        && principal.may(
            crate::domain::access::Action::ManageSurvey,
            &scoped.municipality.scope(),
        );
    let csrf_token = crate::auth::current()
        .await?
        .map(|s| s.csrf_token)
        .unwrap_or_default();
    Ok(ParticipationView {
        language,
        municipality: scoped.municipality.name.clone(),
        wave: scoped.wave.name.clone(),
        wave_id: wave,
        open: scoped.wave.is_open_on(&today),
        closes_on: scoped.wave.closes_on.clone(),
        one_school: school.is_some() || principal.school_id.is_some(),
        lines,
        csv_url: format!("/api/csv/participation?wave={wave}"),
        can_print_codes,
        csrf_token,
    })
}

/// Which participation a user may see: `(wave, principal, Some(school))`
/// for a school contact, `None` as school for municipality-wide access.
#[cfg(feature = "ssr")]
pub async fn participation_scope(
    db: &crate::storage::Db,
    wave: i64,
) -> Result<
    (
        super::common::ScopedWave,
        crate::domain::access::Principal,
        Option<i64>,
    ),
    AppError,
> {
    use crate::domain::access::{Action, Role};
    let signed_in = crate::auth::require_signed_in().await?;
    let principal = signed_in.principal;
    // A school contact's scope is the school, not the municipality.
    if principal.role == Role::SchoolContact {
        let Some(wave_row) = crate::storage::waves::find(db, &wave.to_string()).await? else {
            super::common::set_status(http::StatusCode::NOT_FOUND);
            return Err(AppError::NotFound);
        };
        let municipality = crate::storage::geography::municipality(db, wave_row.municipality_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let school = principal.school_id.ok_or(AppError::Forbidden)?;
        if !principal.may(
            Action::ViewParticipation,
            &municipality.scope().school(school),
        ) {
            super::common::set_status(http::StatusCode::FORBIDDEN);
            return Err(AppError::Forbidden);
        }
        return Ok((
            super::common::ScopedWave {
                wave: wave_row,
                municipality,
            },
            principal,
            Some(school),
        ));
    }
    let (scoped, principal) =
        super::common::scoped_wave(db, wave, Action::ViewParticipation).await?;
    Ok((scoped, principal, None))
}

/// The protected participation rows (see `domain::survey::participation`).
#[cfg(feature = "ssr")]
pub async fn participation_lines(
    db: &crate::storage::Db,
    wave: &crate::storage::waves::WaveRow,
    school: Option<i64>,
) -> Result<Vec<ParticipationLine>, AppError> {
    let rows = crate::analysis::participation_report(db, wave, school).await?;
    Ok(rows
        .into_iter()
        .map(|r| ParticipationLine {
            school: r.school,
            class: r.class,
            grade: r.grade,
            enrolled: r.enrolled,
            issued: r.issued,
            started: r.started,
            finished: r.finished,
            responses: r.responses,
            excluded: r.excluded,
        })
        .collect())
}

/// `/teilnahme/{wave}`.
#[component]
pub fn ParticipationPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let data = Resource::new(
        move || {
            (
                params.with(|p| p.get("wave").and_then(|w| w.parse::<i64>().ok())),
                language_code(i18n.get_locale()),
            )
        },
        |(wave, language)| async move {
            match wave {
                Some(wave) => load_participation_view(wave, language).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <ResultsPage class="page participation" data body=|view| view! { <ParticipationBody view /> }.into_any() />
    }
}

#[component]
fn ParticipationBody(view: ParticipationView) -> impl IntoView {
    let language = view.language.clone();
    let l = |de: &str, en: &str| de_en(&language, de, en);
    let state = if view.open {
        de_en(
            &language,
            &format!(
                "Die Welle läuft noch (bis {}); die Zahlen sind live. Ausschlüsse werden erst nach dem Ende gezeigt.",
                view.closes_on
            ),
            &format!(
                "The wave is running (until {}); the figures are live. Exclusions are shown only after it ends.",
                view.closes_on
            ),
        )
    } else {
        l(
            "Die Welle ist abgeschlossen oder hat noch nicht begonnen.",
            "The wave has closed or has not started yet.",
        )
    };
    let all = l("alle", "all");
    let row_language = language.clone();
    let empty = view.lines.is_empty();
    let can_print = view.can_print_codes;
    let csrf = view.csrf_token.clone();
    let wave_id = view.wave_id;
    let query = leptos_router::hooks::use_query_map();
    let error_language = language.clone();
    let error = move || {
        query.with(|q| q.get("fehler")).map(|code| match code.as_str() {
            "schon-erzeugt" => de_en(&error_language, "Für diese Klasse gibt es schon Codes; sie können nicht erneut angezeigt werden. Für einen weiteren Bogen die Zahl der zusätzlichen Codes angeben – die bisherigen bleiben gültig.", "This class has codes already; they cannot be shown again. For another sheet give the number of extra codes – the earlier ones stay valid."),
            "welle-vorbei" => de_en(&error_language, "Die Welle ist vorbei; es werden keine Codes mehr erzeugt.", "The wave is over; no more codes are generated."),
            "anzahl" => de_en(&error_language, "Bitte eine Anzahl von 1 bis 60 angeben.", "Please give a number from 1 to 60."),
            _ => de_en(&error_language, "Unbekannte Klasse.", "Unknown class."),
        })
    };
    view! {
        <p class="breadcrumb">
            <a href="/uebersicht">{l("Übersicht", "Overview")}</a>
            " › " {view.municipality.clone()} " › " {view.wave.clone()}
        </p>
        <h1>{l("Teilnahme", "Participation")}</h1>
        <p class="notice">{state}</p>
        {move || error().map(|text| view! { <p class="error" role="alert">{text}</p> })}
        <p class="actions no-print">
            <a href=view.csv_url.clone() download>{l("Tabelle als CSV", "Table as CSV")}</a>
        </p>
        {empty.then(|| view! { <p class="notice">{l("Für diese Welle sind noch keine Klassen angelegt.", "No classes are set up for this wave yet.")}</p> })}
        <table class="data participation-table">
            <thead><tr>
                <th scope="col">{l("Schule", "School")}</th>
                <th scope="col">{l("Klasse", "Class")}</th>
                <th scope="col" class="num">{l("Jahrgang", "Grade")}</th>
                <th scope="col" class="num">{l("Schüler/innen", "Enrolled")}</th>
                <th scope="col" class="num">{l("Codes ausgegeben", "Codes issued")}</th>
                <th scope="col" class="num">{l("begonnen", "in progress")}</th>
                <th scope="col" class="num">{l("abgeschlossen", "finished")}</th>
                <th scope="col" class="num">{l("Quote", "Rate")}</th>
                <th scope="col" class="num">{l("ausgeschlossen", "excluded")}</th>
                {view.can_print_codes.then(|| view! { <th scope="col" class="no-print">{l("Codes", "Codes")}</th> })}
            </tr></thead>
            <tbody>
                {view.lines.into_iter().map(|line| {
                    let total = line.class.is_none();
                    let rate = (line.enrolled > 0).then(|| percent_text(&row_language, line.responses as f64 * 100.0 / line.enrolled as f64));
                    view! {
                        <tr class:total=total>
                            <th scope="row">{line.school.clone().unwrap_or_else(|| all.clone())}</th>
                            <td>{line.class.clone().unwrap_or_else(|| all.clone())}</td>
                            <td class="num">{line.grade.map_or_else(|| "–".into(), |g| g.to_string())}</td>
                            <td class="num">{line.enrolled}</td>
                            <td class="num">{line.issued}</td>
                            <td class="num">{line.started}</td>
                            <td class="num">{line.finished}</td>
                            <td class="num">{rate.unwrap_or_else(|| "–".into())}</td>
                            <td class="num">{line.excluded.map_or_else(|| "–".into(), |e| e.to_string())}</td>
                            {can_print.then(|| {
                                let form = (!total).then(|| {
                                    let first = line.issued == 0;
                                    let (name, value, label) = if first {
                                        ("spares", "3", de_en(&row_language, "Codebogen drucken (+ Reserve)", "print code sheet (+ spares)"))
                                    } else {
                                        ("extra", "1", de_en(&row_language, "weitere Codes", "more codes"))
                                    };
                                    view! {
                                        <form method="post" action="/teilnahme/codes" class="inline-form code-form-row" target="_blank">
                                            <input type="hidden" name="csrf" value=csrf.clone() />
                                            <input type="hidden" name="wave" value=wave_id />
                                            <input type="hidden" name="school" value=line.school.clone().unwrap_or_default() />
                                            <input type="hidden" name="class" value=line.class.clone().unwrap_or_default() />
                                            <input type="number" name=name value=value min="0" max="60" aria-label=label.clone() />
                                            <button type="submit" class="secondary">{label}</button>
                                        </form>
                                    }
                                });
                                view! { <td class="no-print">{form}</td> }
                            })}
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <p class="footnote">{l(
            "Nur Anzahlen, nie Angaben zu einzelnen Schülerinnen oder Schülern. Quote = gespeicherte Fragebögen / angemeldete Schüler/innen. „ausgeschlossen“ bleibt leer, solange die Welle läuft und für Gruppen unter 15 Fragebögen.",
            "Counts only, never anything about a single pupil. Rate = stored questionnaires / enrolled pupils. \"excluded\" stays empty while the wave runs and for groups below 15 questionnaires.",
        )}</p>
    }
}

/// One scale's reliability.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlphaLine {
    /// Scale name.
    pub scale: String,
    /// Items.
    pub k: u64,
    /// Complete cases.
    pub n: u64,
    /// Alpha (None = not estimable).
    pub alpha: Option<f64>,
    /// 95 % Feldt interval.
    pub ci: Option<(f64, f64)>,
}

/// One factor's class clustering.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusteringLine {
    /// Factor name.
    pub factor: String,
    /// Classes the ICC was estimated from (0 = not estimable).
    pub classes: u64,
    /// The intra-class correlation (clamped at 0), if estimable.
    pub icc: Option<f64>,
    /// Size-weighted mean class size of the city total.
    pub class_size: Option<f64>,
    /// The city total's design effect.
    pub design_effect: f64,
}

/// A stored cut-point set a coordinator can choose for the wave.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CutPointLine {
    /// Row id (the form's value).
    pub id: i64,
    /// `"name vN"`.
    pub label: String,
    /// Provenance in words.
    pub derived_from: String,
    /// Day stored.
    pub created_on: String,
}

/// Which cut points the wave's results use, and the choice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CutPointChoice {
    /// The stored sets of the wave's instrument.
    pub sets: Vec<CutPointLine>,
    /// The chosen set; `None` = the instrument's own cut points.
    pub chosen: Option<i64>,
    /// The cut points the published result was computed with (differs from
    /// the choice while the result is rebuilt).
    pub in_result: String,
    /// Whether the user may change the choice.
    pub may_choose: bool,
    /// The session's CSRF token for the form.
    pub csrf_token: String,
}

/// The quality panel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QualityView {
    /// Page language.
    pub language: String,
    /// Wave id.
    pub wave_id: i64,
    /// Municipality.
    pub municipality: String,
    /// Wave name.
    pub wave: String,
    /// Questionnaires stored.
    pub responses: u64,
    /// Excluded by at least one rule.
    pub excluded: u64,
    /// Per rule: label and count.
    pub by_rule: Vec<(String, u64)>,
    /// Per scale.
    pub alpha: Vec<AlphaLine>,
    /// Per profile factor.
    pub clustering: Vec<ClusteringLine>,
    /// The cut points in use.
    pub cut_points: CutPointChoice,
    /// The pupil counts weighted results are weighted to.
    pub population: PopulationView,
    /// Items most often skipped: (code, percent).
    pub most_skipped: Vec<(String, f64)>,
    /// Participation totals of the wave.
    pub participation: Option<ParticipationLine>,
    /// CSV download.
    pub csv_url: String,
}

/// A wave's pupil counts per school type × grade, and for coordinators
/// the form that replaces them (`POST /qualitaet/schuelerzahlen`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PopulationView {
    /// `(school type, grade, pupils)`.
    pub counts: Vec<(String, u8, u64)>,
    /// Where they came from and when: `(source, day)`.
    pub import: Option<(String, String)>,
    /// The school types of the municipality's schools.
    pub school_types: Vec<String>,
    /// Whether the viewer may replace them.
    pub may_enter: bool,
    /// CSRF token of the form.
    pub csrf_token: String,
}

/// The data quality of a wave, for coordinators (and regional staff).
#[server(prefix = "/api", endpoint = "quality_view")]
pub async fn load_quality_view(wave: i64, language: String) -> Result<QualityView, AppError> {
    use crate::domain::access::Action;
    let db = crate::storage::db()?;
    let (scoped, principal) = super::common::scoped_wave(&db, wave, Action::ViewQuality).await?;
    let instrument =
        crate::storage::survey::instruments::load(&db, scoped.wave.instrument_id).await?;
    let published = crate::analysis::publication::published(&db, &scoped.wave).await?;
    let report = published.quality.clone();
    let cut_points = CutPointChoice {
        sets: crate::storage::analysis::cut_points::of_instrument(&db, scoped.wave.instrument_id)
            .await?
            .into_iter()
            .map(|stored| CutPointLine {
                id: stored.cut_point_set_id,
                label: stored.set.id,
                derived_from: stored.set.derived_from,
                created_on: stored.created_on,
            })
            .collect(),
        chosen: crate::storage::analysis::cut_points::of_wave(&db, scoped.wave.wave_id)
            .await?
            .map(|stored| stored.cut_point_set_id),
        in_result: published.key.cut_points.clone(),
        may_choose: principal.may(Action::ManageSurvey, &scoped.municipality.scope()),
        csrf_token: crate::auth::current()
            .await?
            .map(|s| s.csrf_token)
            .unwrap_or_default(),
    };
    let counts = crate::storage::analysis::population::of_wave(&db, scoped.wave.wave_id).await?;
    let mut school_types: Vec<String> =
        crate::storage::geography::school_types(&db, scoped.municipality.municipality_id)
            .await?
            .into_values()
            .collect();
    school_types.sort();
    school_types.dedup();
    let population = PopulationView {
        counts: counts
            .pupils
            .iter()
            .map(|(stratum, pupils)| (stratum.school_type.clone(), stratum.grade, *pupils))
            .collect(),
        import: crate::storage::analysis::population::import_of(&db, scoped.wave.wave_id)
            .await?
            .map(|import| (import.source, import.imported_on)),
        school_types,
        may_enter: cut_points.may_choose,
        csrf_token: cut_points.csrf_token.clone(),
    };
    let by_rule = instrument
        .validity_rules
        .iter()
        .map(|rule| {
            (
                rule.label.get(&language).to_string(),
                report
                    .exclusions_by_rule
                    .get(&rule.id)
                    .copied()
                    .unwrap_or(0),
            )
        })
        .collect();
    let alpha = report
        .alpha
        .iter()
        .map(|(id, estimate)| {
            let scale = instrument
                .scales
                .iter()
                .find(|s| &s.id == id)
                .map_or(id.clone(), |s| s.label.get(&language).to_string());
            AlphaLine {
                scale,
                k: estimate.as_ref().map_or(0, |e| e.k),
                n: estimate.as_ref().map_or(0, |e| e.n),
                alpha: estimate.as_ref().map(|e| e.alpha),
                ci: estimate
                    .as_ref()
                    .and_then(|e| e.ci95)
                    .map(|ci| (ci.lower, ci.upper)),
            }
        })
        .collect();
    let factors = crate::domain::analysis::report::profile_factors(&instrument);
    let clustering = report
        .clustering
        .iter()
        .map(|line| ClusteringLine {
            factor: factors
                .iter()
                .find(|f| f.id == line.factor_id)
                .map_or(line.factor_id.clone(), |f| {
                    f.label.get(&language).to_string()
                }),
            classes: line.icc.map_or(0, |icc| icc.clusters),
            icc: line.icc.map(|icc| icc.icc),
            class_size: line.weighted_class_size,
            design_effect: line.design_effect,
        })
        .collect();
    let mut most_skipped: Vec<(String, f64)> = report
        .item_missing
        .iter()
        .filter_map(|(code, share)| {
            share
                .as_ref()
                .filter(|p| p.n > 0)
                .map(|p| (code.clone(), p.count as f64 * 100.0 / p.n as f64))
        })
        .collect();
    most_skipped.sort_by(|a, b| b.1.total_cmp(&a.1));
    most_skipped.truncate(10);
    let participation = participation_lines(&db, &scoped.wave, None)
        .await?
        .into_iter()
        .find(|l| l.school.is_none());
    Ok(QualityView {
        wave_id: wave,
        language,
        municipality: scoped.municipality.name.clone(),
        wave: scoped.wave.name.clone(),
        responses: report.responses,
        excluded: report.excluded,
        by_rule,
        alpha,
        clustering,
        cut_points,
        population,
        most_skipped,
        participation,
        csv_url: format!("/api/csv/quality?wave={wave}"),
    })
}

/// `/qualitaet/{wave}`.
#[component]
pub fn QualityPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let data = Resource::new(
        move || {
            (
                params.with(|p| p.get("wave").and_then(|w| w.parse::<i64>().ok())),
                language_code(i18n.get_locale()),
            )
        },
        |(wave, language)| async move {
            match wave {
                Some(wave) => load_quality_view(wave, language).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <ResultsPage class="page quality" data body=|view| view! { <QualityBody view /> }.into_any() />
    }
}

#[component]
fn QualityBody(view: QualityView) -> impl IntoView {
    let language = view.language.clone();
    let l = |de: &str, en: &str| de_en(&language, de, en);
    let alpha_language = language.clone();
    let skip_language = language.clone();
    let cluster_language = language.clone();
    let participation = view.participation.clone().map(|p| {
        let rate = (p.enrolled > 0).then(|| percent_text(&language, p.responses as f64 * 100.0 / p.enrolled as f64));
        view! {
            <p>{de_en(&language,
                &format!("{} von {} angemeldeten Schülerinnen und Schülern haben teilgenommen ({}).", p.responses, p.enrolled, rate.clone().unwrap_or_else(|| "–".into())),
                &format!("{} of {} enrolled pupils took part ({}).", p.responses, p.enrolled, rate.unwrap_or_else(|| "–".into())))}</p>
        }
    });
    view! {
        <p class="breadcrumb">
            <a href="/uebersicht">{l("Übersicht", "Overview")}</a>
            " › " {view.municipality.clone()} " › " {view.wave.clone()}
        </p>
        <h1>{l("Datenqualität", "Data quality")}</h1>
        <p class="actions no-print">
            <a href=view.csv_url.clone() download>{l("Tabelle als CSV", "Table as CSV")}</a>
        </p>
        <section>
            <h2>{l("Teilnahme und Ausschlüsse", "Participation and exclusions")}</h2>
            {participation}
            <p>{de_en(&language,
                &format!("{} Fragebögen gespeichert, davon {} durch Gültigkeitsregeln von der Auswertung ausgeschlossen.", view.responses, view.excluded),
                &format!("{} questionnaires stored, {} of them excluded from analysis by validity rules.", view.responses, view.excluded))}</p>
            <table class="data">
                <thead><tr>
                    <th scope="col">{l("Regel", "Rule")}</th>
                    <th scope="col" class="num">{l("Fragebögen", "Questionnaires")}</th>
                </tr></thead>
                <tbody>
                    {view.by_rule.into_iter().map(|(rule, count)| view! {
                        <tr><th scope="row">{rule}</th><td class="num">{count}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <p class="footnote">{l("Ein Fragebogen kann mehrere Regeln verletzen.", "A questionnaire can break several rules.")}</p>
        </section>
        <section>
            <h2>{l("Reliabilität der Skalen (Cronbachs Alpha)", "Scale reliability (Cronbach's alpha)")}</h2>
            <table class="data">
                <thead><tr>
                    <th scope="col">{l("Skala", "Scale")}</th>
                    <th scope="col" class="num">{l("Items", "Items")}</th>
                    <th scope="col" class="num">"n"</th>
                    <th scope="col" class="num">"α"</th>
                    <th scope="col" class="num">{l("95-%-KI (Feldt)", "95 % CI (Feldt)")}</th>
                </tr></thead>
                <tbody>
                    {view.alpha.into_iter().map(|line| {
                        let language = alpha_language.clone();
                        let low = line.alpha.is_some_and(|a| a < 0.6);
                        view! {
                            <tr class:warn=low>
                                <th scope="row">{line.scale.clone()}</th>
                                <td class="num">{line.k}</td>
                                <td class="num">{line.n}</td>
                                <td class="num">{line.alpha.map_or_else(|| "–".into(), |a| number_text_2(&language, a))}</td>
                                <td class="num">{line.ci.map_or_else(|| "–".into(), |(a, b)| format!("{}–{}", number_text_2(&language, a), number_text_2(&language, b)))}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <p class="footnote">{l("Alpha unter 0,6 ist markiert: die Skala misst in dieser Welle wenig verlässlich.", "Alpha below 0.6 is marked: the scale measured unreliably in this wave.")}</p>
        </section>
        <section id="clustering">
            <h2>{l("Klassenstruktur und Designeffekte", "Class clustering and design effects")}</h2>
            <p>{l(
                "Befragt werden ganze Klassen. Antworten einer Klasse ähneln sich, deshalb tragen n Schülerinnen und Schüler weniger Information als n unabhängig gezogene. Der Designeffekt gibt an, um welchen Faktor die Varianz größer ist; alle Konfidenzintervalle und Tests rechnen mit der effektiven Fallzahl n / Designeffekt.",
                "Whole classes are surveyed. Answers within a class resemble each other, so n pupils carry less information than n drawn independently. The design effect is the factor by which the variance is larger; every confidence interval and test uses the effective sample size n / design effect.",
            )}</p>
            <table class="data">
                <thead><tr>
                    <th scope="col">{l("Faktor", "Factor")}</th>
                    <th scope="col" class="num">{l("Klassen", "Classes")}</th>
                    <th scope="col" class="num">{l("Intraklassenkorrelation", "Intra-class correlation")}</th>
                    <th scope="col" class="num">{l("mittlere Klassengröße", "mean class size")}</th>
                    <th scope="col" class="num">{l("Designeffekt (Stadt)", "Design effect (city)")}</th>
                </tr></thead>
                <tbody>
                    {view.clustering.into_iter().map(|line| {
                        let language = cluster_language.clone();
                        view! {
                            <tr>
                                <th scope="row">{line.factor.clone()}</th>
                                <td class="num">{line.classes}</td>
                                <td class="num">{line.icc.map_or_else(|| "–".into(), |icc| number_text_3(&language, icc))}</td>
                                <td class="num">{line.class_size.map_or_else(|| "–".into(), |size| number_text_1(&language, size))}</td>
                                <td class="num design-effect">{number_text_2(&language, line.design_effect)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <p class="footnote">{l(
                "Intraklassenkorrelation: geschätzt über alle Klassen der Welle, innerhalb von Stadtteil × Jahrgang (einfaktorielle Varianzanalyse); „–“: nicht schätzbar, dann wird wie bei einer Zufallsstichprobe gerechnet. Designeffekt nach Kish: 1 + (mittlere Klassengröße − 1) × Intraklassenkorrelation; für jede Gruppe mit ihren eigenen Klassengrößen.",
                "Intra-class correlation: estimated over all classes of the wave, within district × grade (one-way analysis of variance); \"–\": not estimable, then computed as for a simple random sample. Kish design effect: 1 + (mean class size − 1) × intra-class correlation; for each group with its own class sizes.",
            )}</p>
        </section>
        <CutPointSection choice=view.cut_points.clone() wave=view.wave_id language=language.clone() />
        <PopulationSection population=view.population.clone() wave=view.wave_id language=language.clone() />
        <section>
            <h2>{l("Am häufigsten übersprungene Fragen", "Most often skipped questions")}</h2>
            <table class="data">
                <thead><tr>
                    <th scope="col">{l("Frage", "Item")}</th>
                    <th scope="col" class="num">{l("übersprungen", "skipped")}</th>
                </tr></thead>
                <tbody>
                    {view.most_skipped.into_iter().map(|(code, share)| view! {
                        <tr><th scope="row">{code}</th><td class="num">{percent_text(&skip_language, share)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

fn number_text_2(language: &str, value: f64) -> String {
    localized_decimal(language, format!("{value:.2}"))
}

fn number_text_1(language: &str, value: f64) -> String {
    localized_decimal(language, format!("{value:.1}"))
}

fn number_text_3(language: &str, value: f64) -> String {
    localized_decimal(language, format!("{value:.3}"))
}

fn localized_decimal(language: &str, text: String) -> String {
    if language == "en" {
        text
    } else {
        text.replace('.', ",")
    }
}

/// The pupil counts of weighting, and for coordinators the form that
/// replaces them with a pasted CSV.
#[component]
fn PopulationSection(population: PopulationView, wave: i64, language: String) -> impl IntoView {
    let l = |de: &str, en: &str| de_en(&language, de, en);
    let query = leptos_router::hooks::use_query_map();
    let notice = query.with_untracked(|q| q.get("schuelerzahlen")).map(|code| {
        let (error, text) = if code == "gespeichert" {
            (false, l(
                "Gespeichert. Profil und Stadtteilvergleich bieten jetzt gewichtete Ergebnisse an.",
                "Saved. The profile and the district comparison now offer weighted results.",
            ))
        } else {
            (true, l(
                "Nicht gespeichert, nichts wurde geändert: die Tabelle enthält Fehler (siehe unten).",
                "Not saved, nothing changed: the table has errors (see below).",
            ))
        };
        view! { <p class="notice" class:error=error role="status">{text}</p> }
    });
    let problems = query.with_untracked(|q| q.get("fehler")).map(|text| {
        view! { <pre class="problems" role="alert">{text}</pre> }
    });
    let lang = language.clone();
    let table = (!population.counts.is_empty()).then(|| view! {
        <table class="data population-counts">
            <thead><tr>
                <th scope="col">{de_en(&lang, "Schulform", "School type")}</th>
                <th scope="col" class="num">{de_en(&lang, "Jahrgang", "Grade")}</th>
                <th scope="col" class="num">{de_en(&lang, "Schülerinnen und Schüler", "Pupils")}</th>
            </tr></thead>
            <tbody>
                {population.counts.iter().map(|(school_type, grade, pupils)| view! {
                    <tr><th scope="row">{school_type.clone()}</th><td class="num">{grade.to_string()}</td><td class="num">{pupils.to_string()}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
    });
    let source = population.import.clone().map(|(source, day)| view! {
        <p class="meta">{de_en(&language, &format!("Quelle: {source}, eingetragen am {day}."), &format!("Source: {source}, entered on {day}."))}</p>
    });
    let types = if population.school_types.is_empty() {
        l(
            "keine – geben Sie den Schulen in der Einrichtung eine Schulform",
            "none – give the schools a type in the set-up",
        )
    } else {
        population.school_types.join(", ")
    };
    let form = population.may_enter.then(|| view! {
        <form method="post" action="/qualitaet/schuelerzahlen" class="stacked-form population-form no-print">
            <input type="hidden" name="csrf" value=population.csrf_token.clone() />
            <input type="hidden" name="wave" value=wave />
            <label for="population-source">{l("Quelle (z. B. Schulstatistik 2025/26)", "Source (e.g. school statistics 2025/26)")}</label>
            <input id="population-source" type="text" name="source" required maxlength="200" />
            <label for="population-csv">{l("Tabelle (CSV: school_type,grade,pupils)", "Table (CSV: school_type,grade,pupils)")}</label>
            <textarea id="population-csv" name="csv" rows="8" required>"school_type,grade,pupils\n"</textarea>
            <button type="submit">{l("Schülerzahlen speichern", "Save pupil counts")}</button>
        </form>
    });
    view! {
        <section id="population">
            <h2>{l("Schülerzahlen für die Gewichtung", "Pupil counts for weighting")}</h2>
            {notice}
            {problems}
            <p>{l(
                "Mit den Schülerzahlen der Stadt je Schulform und Jahrgang zählt jede Schulform in gewichteten Ergebnissen mit ihrem Anteil an allen Schülerinnen und Schülern statt mit ihrem Anteil an den Antworten (docs/statistics.md §13). Ungewichtete Ergebnisse bleiben der Standard.",
                "With the city's pupil counts per school type and grade, each school type counts in weighted results with its share of all pupils instead of its share of the answers (docs/statistics.md §13). Unweighted results stay the default.",
            )}</p>
            <p class="meta">{de_en(&language, &format!("Schulformen der Schulen: {types}."), &format!("School types of the schools: {types}."))}</p>
            {table}
            {source}
            {form}
        </section>
    }
}

/// Which cut points the wave's results use, and for coordinators the form
/// to choose a stored set (`POST /qualitaet/schnittpunkte`).
#[component]
fn CutPointSection(choice: CutPointChoice, wave: i64, language: String) -> impl IntoView {
    let l = |de: &str, en: &str| de_en(&language, de, en);
    let query = leptos_router::hooks::use_query_map();
    let notice = query.with_untracked(|q| q.get("schnittpunkte")).map(|code| {
        let (error, text) = if code == "gewaehlt" {
            (false, l(
                "Gespeichert. Die Ergebnisse der Welle werden mit diesen Schnittpunkten neu berechnet; das dauert bei großen Wellen einige Sekunden.",
                "Saved. The wave's results are being recomputed with these cut points; for large waves this takes a few seconds.",
            ))
        } else {
            (true, l("Diesen Schnittpunkt-Satz gibt es für das Instrument der Welle nicht.", "The wave's instrument has no such cut-point set."))
        };
        view! { <p class="notice" class:error=error role="status">{text}</p> }
    });
    let chosen = choice.chosen;
    let form = choice.may_choose.then(|| {
        let options = choice.sets.iter().map(|set| {
            let selected = chosen == Some(set.id);
            view! { <option value=set.id.to_string() selected=selected>{format!("{} ({}, {})", set.label, set.derived_from, set.created_on)}</option> }
        }).collect_view();
        view! {
            <form method="post" action="/qualitaet/schnittpunkte" class="stacked-form cut-point-form no-print">
                <input type="hidden" name="csrf" value=choice.csrf_token.clone() />
                <input type="hidden" name="wave" value=wave />
                <label for="cut-point-set">{l("Schnittpunkte für die Ergebnisse dieser Welle", "Cut points for this wave's results")}</label>
                <select id="cut-point-set" name="set">
                    <option value="default" selected=chosen.is_none()>{l("die des Instruments", "the instrument's own")}</option>
                    {options}
                </select>
                <button type="submit">{l("Übernehmen", "Apply")}</button>
            </form>
        }
    });
    view! {
        <section id="cut-points">
            <h2>{l("Schnittpunkte", "Cut points")}</h2>
            {notice}
            <p>{de_en(&language,
                &format!("Die Ergebnisse dieser Welle sind mit dem Schnittpunkt-Satz „{}“ berechnet. Jede Seite, jede Tabelle und jeder Trend nennt ihn; Trends über Wellen mit verschiedenen Sätzen tragen einen Hinweis.", choice.in_result),
                &format!("This wave's results are computed with the cut-point set \"{}\". Every page, table and trend names it; trends across waves with different sets carry a warning.", choice.in_result))}</p>
            <p class="meta">{l(
                "Gespeicherte Sätze entstehen mit „server cut-points save“ aus der Kalibrierung an einer Referenzwelle (docs/statistics.md, „Cut-point calibration“).",
                "Stored sets come from calibrating on a reference wave with \"server cut-points save\" (docs/statistics.md, \"Cut-point calibration\").",
            )}</p>
            {form}
        </section>
    }
}
