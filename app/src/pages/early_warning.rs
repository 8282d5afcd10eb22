//! `/fruehwarnung/{municipality}`: districts whose survey factors or context
//! indicators worsen beyond the municipality's thresholds, ranked, with the
//! evidence; the thresholds in force, their history and (for the
//! coordinator) the forms to change them and to import context-indicator
//! values. `/fruehwarnung`: the same lists of
//! every municipality the user may read (the regional office's view).
//! The rules: `docs/early-warning.md`.

use super::common::{ResultsPage, de_en, language_code};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// One signal, worded for the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignalLine {
    /// The factor (with grade) or indicator.
    pub subject: String,
    /// Survey or context indicator.
    pub source: String,
    /// Which rule fired.
    pub rule: String,
    /// The figures.
    pub evidence: String,
    /// Weight (how far beyond the threshold), formatted.
    pub weight: String,
}

/// A district with signals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WarningLine {
    /// Rank, from 1.
    pub rank: usize,
    /// District code.
    pub code: String,
    /// District name.
    pub name: String,
    /// Score, formatted.
    pub score: String,
    /// Its signals, heaviest first.
    pub signals: Vec<SignalLine>,
}

/// One stored change of the thresholds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThresholdLine {
    /// Day.
    pub changed_on: String,
    /// Who.
    pub changed_by: Option<String>,
    /// Why.
    pub reason: String,
    /// The four values, worded.
    pub thresholds: String,
}

/// One municipality's early-warning list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MunicipalityWarningView {
    /// Municipality id.
    pub municipality_id: i64,
    /// Municipality name.
    pub municipality: String,
    /// Districts examined.
    pub districts_checked: usize,
    /// Published waves read, oldest first.
    pub waves: Vec<String>,
    /// Periods of the indicator values read ("2021 – 2025").
    pub indicator_periods: Option<String>,
    /// The thresholds in force, worded.
    pub thresholds_text: String,
    /// Districts with signals, ranked.
    pub warnings: Vec<WarningLine>,
}

/// The page of one municipality.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EarlyWarningView {
    /// Page language.
    pub language: String,
    /// The list.
    pub list: MunicipalityWarningView,
    /// May change the thresholds.
    pub can_edit: bool,
    /// The CSRF token of the form.
    pub csrf_token: String,
    /// The thresholds in force (the form's values).
    pub thresholds: crate::domain::early_warning::Thresholds,
    /// Every change, newest first.
    pub history: Vec<ThresholdLine>,
}

/// The lists of every municipality the user may read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegionWarningsView {
    /// Page language.
    pub language: String,
    /// One list per municipality, by name.
    pub lists: Vec<MunicipalityWarningView>,
}

#[cfg(feature = "ssr")]
fn thresholds_text(language: &str, t: &crate::domain::early_warning::Thresholds) -> String {
    use super::common::number_text;
    let points = number_text(language, t.survey_change_points);
    let waves = t.survey_sustained_waves;
    let percent = number_text(language, t.indicator_change_percent);
    let periods = t.indicator_sustained_periods;
    de_en(
        language,
        &format!(
            "Befragung: Veränderung ab {points} Prozentpunkten (95-%-Intervall ohne 0, signifikant nach Benjamini–Hochberg) oder Verschlechterung über {waves} Wellen um insgesamt mindestens so viel; Kontextindikatoren: Verschlechterung ab {percent} % zum Vorjahr (bzw. Vorquartal) oder über {periods} Perioden in jedem Schritt, insgesamt mindestens so viel."
        ),
        &format!(
            "Survey: a change of at least {points} percentage points (95 % interval excluding 0, significant after Benjamini–Hochberg) or a worsening over {waves} waves by at least as much in total; context indicators: a worsening of at least {percent} % since the previous year (or quarter) or in every step over {periods} periods, at least as much in total."
        ),
    )
}

/// A p-value with three decimals ("< 0.001" below that), decimal comma in
/// German.
#[cfg(feature = "ssr")]
fn p_text(language: &str, p: f64) -> String {
    let text = if p < 0.001 {
        "< 0.001".to_string()
    } else {
        format!("= {p:.3}")
    };
    if language == "en" {
        text
    } else {
        text.replace('.', ",")
    }
}

#[cfg(feature = "ssr")]
fn signal_line(language: &str, signal: &crate::domain::early_warning::Signal) -> SignalLine {
    use super::common::{number_text, percent_text};
    use crate::components::charts::format_points;
    use crate::domain::early_warning::{Evidence, Subject};
    let l = |de: &str, en: &str| de_en(language, de, en);
    let (subject, source, unit) = match &signal.subject {
        Subject::Factor {
            label, grade, kind, ..
        } => {
            let kind = super::profile::kind_label(language, *kind);
            (
                format!(
                    "{} ({kind}, {} {grade})",
                    label.get(language),
                    l("Jahrgang", "grade")
                ),
                l("Befragung", "Survey"),
                String::new(),
            )
        }
        Subject::Indicator {
            label_de,
            label_en,
            unit,
            source,
            ..
        } => (
            de_en(language, label_de, label_en),
            format!("{} ({source})", l("Kontextindikator", "Context indicator")),
            unit.clone(),
        ),
    };
    let value = |v: f64| format!("{} {unit}", number_text(language, v));
    let (rule, evidence) = match &signal.evidence {
        Evidence::SurveyChange {
            from_wave,
            to_wave,
            from_percent,
            to_percent,
            difference_points,
            ci_points,
            p_adjusted,
        } => (
            l(
                "Veränderung zur letzten Welle",
                "Change since the last wave",
            ),
            format!(
                "{from_wave}: {} → {to_wave}: {} ({} {}, 95 %-{}: {} {} {}; p {} {})",
                percent_text(language, *from_percent),
                percent_text(language, *to_percent),
                format_points(*difference_points),
                l("Punkte", "points"),
                l("Intervall", "interval"),
                format_points(ci_points.lower),
                l("bis", "to"),
                format_points(ci_points.upper),
                l("adj.", "adj."),
                p_text(language, *p_adjusted),
            ),
        ),
        Evidence::SurveyTrend {
            waves,
            difference_points,
        } => (
            l("Anhaltende Verschlechterung", "Sustained worsening"),
            format!(
                "{} ({} {})",
                waves
                    .iter()
                    .map(|(wave, percent)| format!("{wave}: {}", percent_text(language, *percent)))
                    .collect::<Vec<_>>()
                    .join(" → "),
                format_points(*difference_points),
                l("Punkte", "points"),
            ),
        ),
        Evidence::IndicatorChange {
            from,
            to,
            from_value,
            to_value,
            worsening_percent,
        } => (
            l(
                "Verschlechterung zur Vorperiode",
                "Worsening since the previous period",
            ),
            format!(
                "{from}: {} → {to}: {} ({} {} %)",
                value(*from_value),
                value(*to_value),
                l("schlechter um", "worse by"),
                number_text(language, *worsening_percent),
            ),
        ),
        Evidence::IndicatorTrend {
            values,
            worsening_percent,
        } => (
            l("Anhaltende Verschlechterung", "Sustained worsening"),
            format!(
                "{} ({} {} %)",
                values
                    .iter()
                    .map(|(period, v)| format!("{period}: {}", number_text(language, *v)))
                    .collect::<Vec<_>>()
                    .join(" → "),
                l("insgesamt schlechter um", "worse in total by"),
                number_text(language, *worsening_percent),
            ),
        ),
    };
    SignalLine {
        subject,
        source,
        rule,
        evidence,
        weight: number_text(language, signal.weight),
    }
}

#[cfg(feature = "ssr")]
async fn municipality_view(
    db: &crate::storage::Db,
    municipality: &crate::storage::geography::MunicipalityScopeRow,
    language: &str,
) -> Result<
    (
        MunicipalityWarningView,
        crate::domain::early_warning::Thresholds,
    ),
    AppError,
> {
    use super::common::number_text;
    let found =
        crate::analysis::early_warning::municipality_warnings(db, municipality.municipality_id)
            .await?;
    let warnings = found
        .warnings
        .iter()
        .enumerate()
        .map(|(index, warning)| WarningLine {
            rank: index + 1,
            code: warning.code.clone(),
            name: warning.name.clone(),
            score: number_text(language, warning.score),
            signals: warning
                .signals
                .iter()
                .map(|signal| signal_line(language, signal))
                .collect(),
        })
        .collect();
    Ok((
        MunicipalityWarningView {
            municipality_id: municipality.municipality_id,
            municipality: municipality.name.clone(),
            districts_checked: found.districts_checked,
            waves: found.waves,
            indicator_periods: found
                .indicator_periods
                .map(|(first, last)| format!("{first} – {last}")),
            thresholds_text: thresholds_text(language, &found.thresholds),
            warnings,
        },
        found.thresholds,
    ))
}

/// The early-warning page of a municipality.
#[server(prefix = "/api", endpoint = "early_warning_view")]
pub async fn load_early_warning_view(
    municipality: i64,
    language: String,
) -> Result<EarlyWarningView, AppError> {
    use crate::domain::access::Action;
    let db = crate::storage::db()?;
    let (row, principal) =
        super::common::scoped_municipality(&db, municipality, Action::ViewResults).await?;
    let (list, thresholds) = municipality_view(&db, &row, &language).await?;
    let history = crate::storage::early_warning::history(&db, municipality)
        .await?
        .into_iter()
        .map(|change| ThresholdLine {
            changed_on: change.changed_on,
            changed_by: change.changed_by,
            reason: change.reason,
            thresholds: thresholds_text(&language, &change.thresholds),
        })
        .collect();
    let csrf_token = crate::auth::current()
        .await?
        .map(|s| s.csrf_token)
        .unwrap_or_default();
    Ok(EarlyWarningView {
        can_edit: principal.may(Action::ManageContextData, &row.scope()),
        csrf_token,
        language,
        list,
        thresholds,
        history,
    })
}

/// The early-warning lists of every municipality the user may read.
#[server(prefix = "/api", endpoint = "region_warnings_view")]
pub async fn load_region_warnings_view(language: String) -> Result<RegionWarningsView, AppError> {
    let db = crate::storage::db()?;
    let signed_in = crate::auth::require_signed_in().await?;
    let mut lists = Vec::new();
    for municipality in
        super::municipalities::readable_municipalities(&db, &signed_in.principal).await?
    {
        lists.push(municipality_view(&db, &municipality, &language).await?.0);
    }
    Ok(RegionWarningsView { language, lists })
}

/// `/fruehwarnung/{municipality}`.
#[component]
pub fn EarlyWarningPage() -> impl IntoView {
    let data = super::common::municipality_view(load_early_warning_view);
    view! {
        <ResultsPage class="page early-warning" data body=|view| view! { <EarlyWarningBody view /> }.into_any() />
    }
}

/// `/fruehwarnung`.
#[component]
pub fn RegionWarningsPage() -> impl IntoView {
    let i18n = use_i18n();
    let data = Resource::new(
        move || language_code(i18n.get_locale()),
        load_region_warnings_view,
    );
    view! {
        <ResultsPage class="page early-warning region-warnings" data body=|view| view! { <RegionWarningsBody view /> }.into_any() />
    }
}

/// What the list can and cannot say, in plain language.
#[component]
fn WhatItSays(language: String) -> impl IntoView {
    let l = |de: &str, en: &str| de_en(&language, de, en);
    view! {
        <aside class="notice what-it-says">
            <h2>{l("Was diese Liste sagt – und was nicht", "What this list says – and what it does not")}</h2>
            <p>{l(
                "Sie zeigt Stadtteile, in denen veröffentlichte Befragungsergebnisse oder Kontextdaten anderer Ämter sich stärker verschlechtert haben, als die Schwellen unten zulassen. Das ist ein Anlass, genauer hinzusehen und mit den Menschen vor Ort zu sprechen – kein Befund über den Stadtteil und keine Vorhersage über einzelne Jugendliche.",
                "It shows districts where published survey results or context data of other offices worsened more than the thresholds below allow. That is a reason to look closer and talk to the people there – not a finding about the district and no prediction about any young person.",
            )}</p>
            <p>{l(
                "Die Liste beruht nur auf Zahlen, die auch die Ergebnisseiten zeigen: Gruppen unter der Mindestgröße sind unterdrückt und fließen nicht ein, und sie enthält keine Daten über Personen. Kontextindikatoren beschreiben den ganzen Stadtteil; ein Zusammenhang mit der Befragung ist eine Assoziation, keine Ursache.",
                "The list rests only on figures the results pages show too: groups below the minimum size are suppressed and do not enter, and it holds no data about persons. Context indicators describe the whole district; a link to the survey is an association, not a cause.",
            )}</p>
        </aside>
    }
}

#[component]
fn WarningList(list: MunicipalityWarningView, language: String) -> impl IntoView {
    let l = |de: &str, en: &str| de_en(&language, de, en);
    let id = list.municipality_id;
    let waves = if list.waves.is_empty() {
        l("keine veröffentlicht", "none published")
    } else {
        list.waves.join(", ")
    };
    let periods = list
        .indicator_periods
        .clone()
        .unwrap_or_else(|| l("keine importiert", "none imported"));
    let count = list.districts_checked;
    let basis = de_en(
        &language,
        &format!(
            "Geprüft: {count} Stadtteile; Befragungswellen: {waves}; Kontextindikatoren: {periods}."
        ),
        &format!(
            "Examined: {count} districts; survey waves: {waves}; context indicators: {periods}."
        ),
    );
    let empty = list.warnings.is_empty();
    view! {
        <p class="meta basis">{basis}</p>
        <p class="meta thresholds-in-force">{list.thresholds_text.clone()}</p>
        {empty.then(|| view! {
            <p class="notice no-warnings">{l("Kein Stadtteil überschreitet die Schwellen.", "No district exceeds the thresholds.")}</p>
        })}
        <ol class="warning-list">
            {list.warnings.into_iter().map(|w| {
                let heading = format!("{}. {}", w.rank, w.name);
                let score = de_en(&language, &format!("Gewicht {} aus {} Signalen", w.score, w.signals.len()), &format!("weight {} from {} signals", w.score, w.signals.len()));
                view! {
                    <li class="warning" data-district=w.code.clone()>
                        <h3>{heading}" "<span class="meta">{score}</span></h3>
                        <table class="data signals">
                            <thead><tr>
                                <th scope="col">{l("Faktor / Indikator", "Factor / indicator")}</th>
                                <th scope="col">{l("Quelle", "Source")}</th>
                                <th scope="col">{l("Regel", "Rule")}</th>
                                <th scope="col">{l("Werte", "Figures")}</th>
                                <th scope="col">{l("Gewicht", "Weight")}</th>
                            </tr></thead>
                            <tbody>
                                {w.signals.into_iter().map(|s| view! {
                                    <tr>
                                        <th scope="row">{s.subject}</th>
                                        <td>{s.source}</td>
                                        <td>{s.rule}</td>
                                        <td>{s.evidence}</td>
                                        <td class="num">{s.weight}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <p class="actions"><a href=format!("/trend/{id}/{}", w.code)>{l("Entwicklung des Stadtteils", "The district's trends")}</a></p>
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}

#[component]
fn EarlyWarningBody(view: EarlyWarningView) -> impl IntoView {
    let language = view.language.clone();
    let l = |de: &str, en: &str| de_en(&language, de, en);
    let query = use_query_map();
    let message_language = language.clone();
    let message = move || {
        let language = message_language.clone();
        query.with(|q| {
            if q.get("gespeichert").is_some() {
                return Some((false, de_en(&language, "Die Schwellen wurden gespeichert.", "The thresholds were saved.")));
            }
            if let Some(added) = q.get("importiert") {
                let replaced = q.get("ersetzt").unwrap_or_default();
                return Some((false, de_en(
                    &language,
                    &format!("Kontextindikatoren importiert: {added} neue Werte, {replaced} ersetzt."),
                    &format!("Context indicators imported: {added} new values, {replaced} replaced."),
                )));
            }
            if let Some(problems) = q.get("importfehler") {
                return Some((true, de_en(
                    &language,
                    &format!("Nicht importiert, nichts geändert: {problems}"),
                    &format!("Not imported, nothing changed: {problems}"),
                )));
            }
            q.get("fehler").map(|code| {
                let text = match code.as_str() {
                    "punkte" => de_en(&language, "Die Veränderung der Befragung muss zwischen 1 und 50 Prozentpunkten liegen.", "The survey change must be between 1 and 50 percentage points."),
                    "wellen" => de_en(&language, "Ein anhaltender Trend der Befragung umfasst 3 bis 10 Wellen.", "A sustained survey trend spans 3 to 10 waves."),
                    "prozent" => de_en(&language, "Die Veränderung eines Indikators muss zwischen 1 und 200 % liegen.", "The indicator change must be between 1 and 200 %."),
                    "perioden" => de_en(&language, "Ein anhaltender Trend eines Indikators umfasst 3 bis 20 Perioden.", "A sustained indicator trend spans 3 to 20 periods."),
                    "begruendung" => de_en(&language, "Bitte eine Begründung angeben.", "Please give a reason."),
                    _ => de_en(&language, "Bitte Zahlen eingeben (Dezimalkomma oder -punkt).", "Please enter numbers (decimal comma or point)."),
                };
                (true, text)
            })
        })
    };
    let id = view.list.municipality_id;
    let t = view.thresholds;
    let form = view.can_edit.then(|| view! {
        <form method="post" action="/fruehwarnung/schwellen" class="stacked-form thresholds-form no-print">
            <h2>{l("Schwellen ändern", "Change the thresholds")}</h2>
            <input type="hidden" name="csrf" value=view.csrf_token.clone() />
            <input type="hidden" name="municipality" value=id />
            <label for="survey_change_points">{l("Befragung: Veränderung ab (Prozentpunkte, 1–50)", "Survey: change from (percentage points, 1–50)")}</label>
            <input id="survey_change_points" name="survey_change_points" inputmode="decimal" required value=t.survey_change_points.to_string() />
            <label for="survey_sustained_waves">{l("Befragung: anhaltend über (Wellen, 3–10)", "Survey: sustained over (waves, 3–10)")}</label>
            <input id="survey_sustained_waves" name="survey_sustained_waves" type="number" min="3" max="10" required value=t.survey_sustained_waves.to_string() />
            <label for="indicator_change_percent">{l("Kontextindikator: Verschlechterung ab (%, 1–200)", "Context indicator: worsening from (%, 1–200)")}</label>
            <input id="indicator_change_percent" name="indicator_change_percent" inputmode="decimal" required value=t.indicator_change_percent.to_string() />
            <label for="indicator_sustained_periods">{l("Kontextindikator: anhaltend über (Perioden, 3–20)", "Context indicator: sustained over (periods, 3–20)")}</label>
            <input id="indicator_sustained_periods" name="indicator_sustained_periods" type="number" min="3" max="20" required value=t.indicator_sustained_periods.to_string() />
            <label for="reason">{l("Begründung (z. B. Beschluss der Lenkungsgruppe)", "Reason (e.g. the steering group's decision)")}</label>
            <textarea id="reason" name="reason" rows="3" required></textarea>
            <button type="submit">{l("Schwellen speichern", "Save thresholds")}</button>
        </form>
        <form method="post" action="/fruehwarnung/indikatoren" class="stacked-form indicator-import-form no-print">
            <h2>{l("Kontextindikatoren importieren", "Import context indicators")}</h2>
            <p class="meta">{l(
                "CSV (UTF-8, durch Kommas getrennt) mit den Spalten indicator, district, period, value: Schlüssel aus dem Indikatorkatalog, Stadtteil-Code oder „gesamt“ für die Stadt, Jahr (2025) oder Quartal (2025-Q3), Wert mit Dezimalpunkt. Ein vorhandener Wert desselben Indikators, Stadtteils und Zeitraums wird ersetzt; eine Datei mit einem Fehler wird ganz abgelehnt.",
                "CSV (UTF-8, comma-separated) with the columns indicator, district, period, value: a key of the indicator catalogue, a district code or \"gesamt\" for the city, a year (2025) or quarter (2025-Q3), the value with a decimal point. An existing value of the same indicator, district and period is replaced; a file with an error is refused as a whole.",
            )}</p>
            <input type="hidden" name="csrf" value=view.csrf_token.clone() />
            <input type="hidden" name="municipality" value=id />
            <label for="csv">{l("Werte (CSV)", "Values (CSV)")}</label>
            <textarea id="csv" name="csv" rows="8" required placeholder="indicator,district,period,value"></textarea>
            <button type="submit">{l("Importieren", "Import")}</button>
        </form>
    });
    let history_empty = view.history.is_empty();
    view! {
        <p class="breadcrumb">
            <a href="/uebersicht">{l("Übersicht", "Overview")}</a>
            " › " {view.list.municipality.clone()}
        </p>
        <h1>{format!("{} – {}", l("Frühwarnung", "Early warning"), view.list.municipality)}</h1>
        {move || message().map(|(error, text)| view! { <p class=if error { "notice error" } else { "notice success" } role="status">{text}</p> })}
        <WhatItSays language=language.clone() />
        <h2>{l("Stadtteile mit Warnsignalen", "Districts with warning signals")}</h2>
        <p class="meta">{l(
            "Rangfolge nach dem Gewicht: jedes Signal zählt mit seiner Verschlechterung geteilt durch die Schwelle (also mindestens 1), die Gewichte eines Stadtteils werden addiert.",
            "Ranked by weight: every signal counts with its worsening divided by the threshold (so at least 1); a district's weights are added up.",
        )}</p>
        <WarningList list=view.list.clone() language=language.clone() />
        <h2>{l("Verlauf der Schwellen", "History of the thresholds")}</h2>
        {history_empty.then(|| view! {
            <p class="meta">{l("Es gelten die Voreinstellungen; sie wurden nie geändert.", "The defaults apply; they were never changed.")}</p>
        })}
        {(!history_empty).then(|| view! {
            <table class="data threshold-history">
                <thead><tr>
                    <th scope="col">{l("Datum", "Date")}</th>
                    <th scope="col">{l("Geändert von", "Changed by")}</th>
                    <th scope="col">{l("Begründung", "Reason")}</th>
                    <th scope="col">{l("Schwellen", "Thresholds")}</th>
                </tr></thead>
                <tbody>
                    {view.history.iter().map(|h| view! {
                        <tr>
                            <td>{h.changed_on.clone()}</td>
                            <td>{h.changed_by.clone().unwrap_or_default()}</td>
                            <td>{h.reason.clone()}</td>
                            <td>{h.thresholds.clone()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        })}
        {form}
    }
}

#[component]
fn RegionWarningsBody(view: RegionWarningsView) -> impl IntoView {
    let language = view.language.clone();
    let l = |de: &str, en: &str| de_en(&language, de, en);
    let empty = view.lists.is_empty();
    view! {
        <p class="breadcrumb"><a href="/uebersicht">{l("Übersicht", "Overview")}</a></p>
        <h1>{l("Frühwarnung – alle Kommunen", "Early warning – every municipality")}</h1>
        <WhatItSays language=language.clone() />
        {empty.then(|| view! { <p class="notice">{l("Ihrem Konto ist keine Kommune zugeordnet.", "No municipality is assigned to your account.")}</p> })}
        {view.lists.into_iter().map(|list| {
            let id = list.municipality_id;
            view! {
                <section class="municipality-warnings" data-municipality=id>
                    <h2><a href=format!("/fruehwarnung/{id}")>{list.municipality.clone()}</a></h2>
                    <WarningList list language=language.clone() />
                </section>
            }
        }).collect_view()}
    }
}
