//! `/kommunen`: the municipalities a user may read side by side (regional
//! offices compare the cities of their region): each city's total of its
//! latest wave as a heat map cities × factors, against imported reference
//! values or against the pooled other cities.

use super::common::{
    ReferenceChoice, ReferenceSelect, ReferenceSource, ResultsPage, de_en, language_code,
};
use super::comparison::HeatTable;
use crate::components::charts::{HeatMap, HeatMapData};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// Everything the municipality comparison shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MunicipalityComparisonView {
    /// Page language.
    pub language: String,
    /// Grades any compared wave surveyed.
    pub grades: Vec<u8>,
    /// Selected grade.
    pub grade: Option<u8>,
    /// The heat map (rows: cities, with their wave in the label).
    pub heat_map: HeatMapData,
    /// Cities with data.
    pub compared: usize,
    /// Cities without questionnaires yet.
    pub without_data: Vec<String>,
    /// Cities whose instrument the chosen norm set does not fit.
    pub other_instrument: Vec<String>,
    /// What the cities are compared with (default: the pooled others).
    pub reference: ReferenceChoice,
    /// CSV download of the same numbers.
    pub csv_url: String,
    /// Context indicators at city level.
    pub context: CityContext,
}

/// The cities' context indicators: one row per indicator, one column per
/// city (the latest value of each).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CityContext {
    /// City names, in column order.
    pub cities: Vec<String>,
    /// One row per catalogue indicator that any city has a value of.
    pub rows: Vec<CityIndicatorRow>,
    /// Sources with licences, each once.
    pub sources: Vec<String>,
}

/// One indicator across the cities.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CityIndicatorRow {
    /// Catalogue key.
    pub key: String,
    /// Label with unit.
    pub label: String,
    /// Per city: its latest figure, if any.
    pub cells: Vec<Option<crate::domain::indicators::IndicatorFigure>>,
}

/// The municipalities the signed-in user may read results of, compared.
#[server(prefix = "/api", endpoint = "municipality_comparison")]
pub async fn load_municipality_comparison(
    grade: Option<u8>,
    reference: Option<String>,
    language: String,
) -> Result<MunicipalityComparisonView, AppError> {
    use crate::components::charts::{HeatCell, HeatColumn, HeatRow};
    use crate::domain::analysis::profile::FactorKind;
    let db = crate::storage::db()?;
    let principal = crate::auth::require_signed_in().await?.principal;
    let visible = readable_municipalities(&db, &principal).await?;
    if visible.is_empty() {
        // School contacts and accounts without a municipality: no results.
        return Err(AppError::Forbidden);
    }
    let comparison =
        crate::analysis::municipality_comparison(&db, &visible, grade, reference.as_deref())
            .await?;
    let context = city_context(&db, &visible, &language).await?;
    if !comparison.rows.is_empty() {
        super::common::check_grade(&comparison.grades, grade)?;
    }
    let reference_choice = ReferenceChoice::new(
        comparison.norm_set.as_ref(),
        de_en(
            &language,
            "die übrigen Kommunen",
            "the other municipalities",
        ),
        comparison.norm_sets.clone(),
    );
    let reference_label = reference_choice.label.clone();
    let reference_key = reference_choice.key.clone();
    let link_query = super::profile::page_query(grade, None, reference_key.as_deref());
    let rows = comparison
        .rows
        .iter()
        .map(|row| HeatRow {
            label: format!("{} ({})", row.municipality, row.wave.name),
            href: Some(format!("/vergleich/{}{link_query}", row.wave.wave_id)),
            cells: row
                .cells
                .iter()
                .map(|cell| HeatCell {
                    difference_points: cell.comparison.as_ref().and_then(|c| c.difference_points),
                    percent: cell.figures.as_ref().map(|f| f.percent),
                    significant: cell.comparison.as_ref().is_some_and(|c| c.of_concern),
                    suppressed: cell.surveyed && cell.figures.is_none(),
                })
                .collect(),
        })
        .collect();
    let grade_text = grade.map_or_else(
        || de_en(&language, "alle Jahrgänge", "all grades"),
        |g| de_en(&language, &format!("Jahrgang {g}"), &format!("grade {g}")),
    );
    let heat_map = HeatMapData {
        id: "municipalities".into(),
        title: de_en(
            &language,
            &format!("Kommunen im Vergleich zu: {reference_label} – {grade_text}"),
            &format!("Municipalities compared with {reference_label} – {grade_text}"),
        ),
        summary: match &reference_key {
            Some(_) => de_en(
                &language,
                &format!(
                    "Farbe: Differenz der Gesamtstadt zu „{reference_label}“ in Prozentpunkten (rot ungünstiger, grün günstiger); * = auffällig (signifikant und mindestens 5 Punkte)."
                ),
                &format!(
                    "Colour: difference of the whole city to \"{reference_label}\" in percentage points (red worse, green better); * = of concern (significant and at least 5 points)."
                ),
            ),
            None => de_en(
                &language,
                "Farbe: Differenz der Gesamtstadt zu allen verglichenen Kommunen zusammen, in Prozentpunkten (rot ungünstiger, grün günstiger); * = auffällig (signifikant gegenüber den übrigen Kommunen und mindestens 5 Punkte).",
                "Colour: difference of the whole city to all compared municipalities pooled, in percentage points (red worse, green better); * = of concern (significant against the other municipalities and at least 5 points).",
            ),
        },
        columns: comparison
            .factors
            .iter()
            .map(|f| HeatColumn {
                id: f.id.clone(),
                label: f.label.get(&language).to_string(),
                higher_is_worse: f.kind != FactorKind::Protective,
                unit: crate::components::charts::HeatUnit::Points,
            })
            .collect(),
        rows,
        empty_text: de_en(
            &language,
            "Noch keine Kommune mit Befragungsdaten.",
            "No municipality with survey data yet.",
        ),
        ..super::comparison::heat_legends(&language)
    };
    let mut csv_url = "/api/csv/municipalities".to_string();
    let csv_query: Vec<String> = [
        grade.map(|g| format!("grade={g}")),
        reference_key.as_ref().map(|k| format!("reference={k}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !csv_query.is_empty() {
        csv_url.push('?');
        csv_url.push_str(&csv_query.join("&"));
    }
    Ok(MunicipalityComparisonView {
        language,
        grades: comparison.grades.clone(),
        grade,
        heat_map,
        compared: comparison.rows.len(),
        without_data: comparison.without_data.clone(),
        other_instrument: comparison
            .rows
            .iter()
            .filter(|row| !row.reference_applies)
            .map(|row| row.municipality.clone())
            .collect(),
        reference: reference_choice,
        csv_url,
        context,
    })
}

/// The latest city-level value of every indicator, per visible city.
#[cfg(feature = "ssr")]
async fn city_context(
    db: &crate::storage::Db,
    cities: &[crate::storage::geography::MunicipalityScopeRow],
    language: &str,
) -> Result<CityContext, AppError> {
    use crate::domain::indicators::latest_figures;
    use crate::storage::indicators::{self, ValueScope};
    let catalogue = indicators::catalogue(db).await?;
    let mut per_city = Vec::with_capacity(cities.len());
    for city in cities {
        let values = indicators::values(db, city.municipality_id, ValueScope::City).await?;
        per_city.push(latest_figures(&catalogue, &values, None));
    }
    let rows: Vec<CityIndicatorRow> = catalogue
        .iter()
        .map(|indicator| CityIndicatorRow {
            key: indicator.key.clone(),
            label: format!("{} ({})", indicator.label(language), indicator.unit),
            cells: per_city
                .iter()
                .map(|figures| {
                    figures
                        .iter()
                        .find(|f| f.indicator.key == indicator.key)
                        .cloned()
                })
                .collect(),
        })
        .filter(|row| row.cells.iter().any(Option::is_some))
        .collect();
    let sources: std::collections::BTreeSet<String> = catalogue
        .iter()
        .filter(|indicator| rows.iter().any(|row| row.key == indicator.key))
        .map(|indicator| format!("{} ({})", indicator.source, indicator.licence))
        .collect();
    Ok(CityContext {
        cities: cities.iter().map(|c| c.name.clone()).collect(),
        rows,
        sources: sources.into_iter().collect(),
    })
}

/// Every municipality `principal` may read results of, by name.
#[cfg(feature = "ssr")]
pub async fn readable_municipalities(
    db: &crate::storage::Db,
    principal: &crate::domain::access::Principal,
) -> Result<Vec<crate::storage::geography::MunicipalityScopeRow>, AppError> {
    use crate::domain::access::Action;
    Ok(crate::storage::geography::all_municipalities(db)
        .await?
        .into_iter()
        .filter(|m| principal.may(Action::ViewResults, &m.scope()))
        .collect())
}

/// `/kommunen?jahrgang=8&referenz=KEY`.
#[component]
pub fn MunicipalitiesPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let data = Resource::new(
        move || {
            (
                query.with(|q| q.get("jahrgang").and_then(|g| g.parse::<u8>().ok())),
                query.with(|q| q.get("referenz")),
                language_code(i18n.get_locale()),
            )
        },
        |(grade, reference, language)| load_municipality_comparison(grade, reference, language),
    );
    view! {
        <ResultsPage class="page comparison" data body=|view| view! { <MunicipalitiesBody view /> }.into_any() />
    }
}

#[component]
fn MunicipalitiesBody(view: MunicipalityComparisonView) -> impl IntoView {
    let language = view.language.clone();
    let l = |de: &str, en: &str| de_en(&language, de, en);
    let heat_map = view.heat_map.clone();
    let notices: Vec<String> = [
        (view.compared < 2 && view.reference.key.is_none() && view.compared > 0).then(|| {
            l(
                "Ein Vergleich braucht mindestens zwei Kommunen mit Daten – oder wählen Sie Vergleichswerte.",
                "A comparison needs at least two municipalities with data – or choose reference values.",
            )
        }),
        (!view.other_instrument.is_empty()).then(|| {
            de_en(
                &language,
                &format!("Die Vergleichswerte passen nicht zum Fragebogen von: {} (ohne Vergleich).", view.other_instrument.join(", ")),
                &format!("The reference values do not fit the questionnaire of: {} (not compared).", view.other_instrument.join(", ")),
            )
        }),
        (!view.without_data.is_empty()).then(|| {
            de_en(
                &language,
                &format!("Noch ohne Befragungsdaten: {}.", view.without_data.join(", ")),
                &format!("No survey data yet: {}.", view.without_data.join(", ")),
            )
        }),
    ]
    .into_iter()
    .flatten()
    .collect();
    view! {
        <p class="breadcrumb">
            <a href="/uebersicht">{l("Übersicht", "Overview")}</a>
        </p>
        <h1>{l("Kommunen im Vergleich", "Municipalities compared")}</h1>
        <form method="get" action="/kommunen" class="filters no-print">
            <label>
                {l("Jahrgang", "Grade")}
                <select name="jahrgang">
                    <option value="" selected=view.grade.is_none()>{l("alle", "all")}</option>
                    {view.grades.iter().map(|g| view! {
                        <option value=g.to_string() selected=view.grade == Some(*g)>{g.to_string()}</option>
                    }).collect_view()}
                </select>
            </label>
            <ReferenceSelect choice=view.reference.clone() language=language.clone()
                default_label=l("Übrige Kommunen", "Other municipalities") />
            <button type="submit">{l("Anzeigen", "Show")}</button>
        </form>
        <ReferenceSource choice=view.reference.clone() language=language.clone() />
        {notices.into_iter().map(|text| view! { <p class="notice">{text}</p> }).collect_view()}
        <p class="actions no-print">
            <a href=view.csv_url.clone() download>{l("Tabelle als CSV", "Table as CSV")}</a>
            <span class="hint">{l("Je Kommune die letzte Befragungswelle mit Daten (Welle in Klammern). Ein Klick öffnet den Stadtteilvergleich der Kommune.", "Per municipality its latest wave with data (in brackets). Click to open the municipality's district comparison.")}</span>
        </p>
        <HeatMap data=view.heat_map />
        <HeatTable data=heat_map language=language.clone() row_header=l("Kommune", "Municipality") />
        <CityContextTable context=view.context.clone() language=language.clone() />
        <p class="footnote">
            {l("Verglichen wird die Gesamtstadt jeder Kommune. Ohne Vergleichswerte wird jede Kommune gegen die übrigen verglichenen Kommunen zusammen getestet (z-Test, Benjamini-Hochberg je Kommune); die Markierung zeigt alle zusammen. Wellen verschiedener Jahre sind nur eingeschränkt vergleichbar. Intervalle und Tests berücksichtigen den Designeffekt der Klassenstichprobe jeder Kommune.",
               "Each municipality's whole city is compared. Without reference values each municipality is tested against the other compared municipalities pooled (z-test, Benjamini-Hochberg per municipality); the marker shows all of them together. Waves of different years are only partly comparable. Intervals and tests carry each municipality's design effect of sampling whole classes.")}
        </p>
    }
}

/// The cities' context indicators (latest value, its period and the change
/// since the previous period), if any city has imported some.
#[component]
fn CityContextTable(context: CityContext, language: String) -> impl IntoView {
    use super::common::{indicator_change_text, number_text};
    if context.rows.is_empty() {
        return ().into_any();
    }
    let l = |de: &str, en: &str| de_en(&language, de, en);
    let lang = language.clone();
    view! {
        <section class="table-section city-context">
            <h2>{l("Kontextindikatoren der Städte", "Context indicators of the cities")}</h2>
            <p class="meta">{l(
                "Daten anderer Ämter über die Stadt als Ganzes: der letzte Wert, sein Zeitraum und die Veränderung zum vorherigen.",
                "Data of other offices about each city as a whole: the latest value, its period and the change since the previous one.",
            )}</p>
            <table class="data city-context-table">
                <thead><tr>
                    <th scope="col">{l("Indikator", "Indicator")}</th>
                    {context.cities.iter().map(|city| view! { <th scope="col" class="num">{city.clone()}</th> }).collect_view()}
                </tr></thead>
                <tbody>
                    {context.rows.into_iter().map(|row| {
                        let language = lang.clone();
                        view! {
                            <tr data-indicator=row.key.clone()>
                                <th scope="row">{row.label.clone()}</th>
                                {row.cells.into_iter().map(|cell| {
                                    let text = cell.map_or_else(|| "–".to_string(), |figure| {
                                        let change = figure
                                            .worsening_percent
                                            .filter(|p| *p != 0.0)
                                            .map(|p| format!(", {}", indicator_change_text(&language, p)))
                                            .unwrap_or_default();
                                        format!("{} ({}{change})", number_text(&language, figure.value), figure.period)
                                    });
                                    view! { <td class="num">{text}</td> }
                                }).collect_view()}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <p class="footnote">{format!("{}: {}", l("Quellen", "Sources"), context.sources.join("; "))}</p>
        </section>
    }
    .into_any()
}
