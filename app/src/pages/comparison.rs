//! `/vergleich/{wave}`: every district against the city total (or imported
//! reference values, then the city too), as a heat map districts × factors,
//! sortable by any factor, with the numbers as a table.

use super::common::{
    ReferenceChoice, ReferenceSelect, ReferenceSource, ResultsPage, de_en, language_code,
    number_text,
};
use crate::components::charts::{HeatMap, HeatMapData, HeatUnit};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

/// Everything the comparison page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComparisonView {
    /// Page language.
    pub language: String,
    /// Municipality name.
    pub municipality: String,
    /// Wave id.
    pub wave_id: i64,
    /// Wave name.
    pub wave: String,
    /// Grades of the wave.
    pub grades: Vec<u8>,
    /// Selected grade.
    pub grade: Option<u8>,
    /// Factor columns: (id, label).
    pub factors: Vec<(String, String)>,
    /// The factor rows are sorted by, if any.
    pub sorted_by: Option<String>,
    /// The heat map.
    pub heat_map: HeatMapData,
    /// CSV download of the same numbers.
    pub csv_url: String,
    /// What the districts are compared with.
    pub reference: ReferenceChoice,
    /// Whether the multiple-testing family is the whole page (every
    /// district × factor) instead of each district's factors.
    pub report_family: bool,
    /// Whether context indicators were added as columns.
    pub with_context: bool,
    /// The model estimates of the same grade.
    pub small_area_url: String,
    /// Weighted or as answered.
    pub weighting: super::common::WeightingChoice,
}

/// What the comparison shows beside the survey figures.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ComparisonDisplay {
    /// Context indicators as extra columns (`?kontext=1`).
    pub context: bool,
    /// Weighted figures (`?gewichtet=1`).
    pub weighted: Option<String>,
}

/// The comparison of every district of a wave (optionally one grade),
/// sorted by a factor's difference (largest first) or by district name.
#[server(prefix = "/api", endpoint = "comparison_view")]
pub async fn load_comparison_view(
    wave: i64,
    grade: Option<u8>,
    sort: Option<String>,
    reference: Option<String>,
    adjustment: Option<String>,
    display: ComparisonDisplay,
    language: String,
) -> Result<ComparisonView, AppError> {
    let ComparisonDisplay { context, weighted } = display;
    use crate::components::charts::{HeatCell, HeatColumn, HeatRow};
    use crate::domain::access::Action;
    use crate::domain::analysis::aggregate::{GroupKey, SexKey};
    use crate::domain::analysis::profile::FactorKind;
    use crate::storage::{geography, waves};
    let db = crate::storage::db()?;
    let (scoped, _) = super::common::scoped_wave(&db, wave, Action::ViewResults).await?;
    let details = waves::details(&db, wave).await?;
    let grades: Vec<u8> = details.grades.iter().map(|g| g.get()).collect();
    super::common::check_grade(&grades, grade)?;
    let norm_sets = crate::analysis::wave_norm_sets(&db, &scoped.wave).await?;
    let reference = crate::analysis::reference_among(&db, &norm_sets, reference.as_deref()).await?;
    let reference_choice = ReferenceChoice::new(
        reference.set(),
        de_en(&language, "Gesamtstadt", "the whole city"),
        norm_sets,
    );
    let reference_label = reference_choice.label.clone();
    let reference_key = reference_choice.key.clone();
    let report_family = match adjustment.as_deref() {
        None | Some("" | "gruppe") => false,
        Some("bericht") => true,
        Some(other) => {
            return Err(AppError::InvalidInput(format!(
                "korrektur \"{other}\": erwartet gruppe oder bericht / expected gruppe or bericht"
            )));
        }
    };
    let (published, weighting) = super::common::page_table(
        &db,
        &scoped.wave,
        reference.norms(),
        weighted.as_deref(),
        &language,
    )
    .await?;
    // One family over the page: exactly the rows shown (districts, and the
    // city against a norm) at this grade.
    let table = if report_family {
        let mut shown = published.only_groups(|key| {
            key.school.is_none() && key.grade == grade && key.sex == SexKey::All
        });
        shown.adjust_over_report(&crate::domain::analysis::profile::ProfileOptions::default());
        std::sync::Arc::new(shown)
    } else {
        published
    };
    let districts = geography::districts(&db, scoped.municipality.municipality_id).await?;
    let columns: Vec<HeatColumn> = table
        .factors
        .iter()
        .map(|f| HeatColumn {
            id: f.id.clone(),
            label: f.label.get(&language).to_string(),
            higher_is_worse: f.kind != FactorKind::Protective,
            unit: HeatUnit::Points,
        })
        .collect();
    let factor_count = columns.len();
    let context_figures = if context {
        Some(ContextColumns::load(&db, scoped.municipality.municipality_id).await?)
    } else {
        None
    };
    let mut columns = columns;
    if let Some(context) = &context_figures {
        columns.extend(context.catalogue.iter().map(|indicator| HeatColumn {
            id: format!("indicator:{}", indicator.key),
            label: format!(
                "{}: {}",
                de_en(&language, "Kontext", "Context"),
                indicator.label(&language)
            ),
            higher_is_worse: indicator.direction
                == crate::domain::indicators::Direction::HigherIsWorse,
            unit: HeatUnit::RelativePercent,
        }));
    }
    let sort_index = sort
        .as_deref()
        .and_then(|id| table.factors.iter().position(|f| f.id == id));
    let link_query = super::profile::page_query(grade, None, reference_key.as_deref());
    // Against a norm the city itself is compared too, so it heads the rows.
    let city = de_en(&language, "Gesamte Stadt", "Whole city");
    let groups: Vec<(Option<i64>, String, String)> = reference_key
        .is_some()
        .then(|| (None, city, "gesamt".to_string()))
        .into_iter()
        .chain(
            districts
                .iter()
                .map(|d| (Some(d.district_id), d.name.clone(), d.code.clone())),
        )
        .collect();
    let mut rows: Vec<(Option<f64>, HeatRow)> = groups
        .iter()
        .map(|(district, name, code)| {
            let key = GroupKey {
                district: *district,
                school: None,
                grade,
                sex: SexKey::All,
            };
            let group = table.group(&key);
            let mut cells: Vec<HeatCell> = (0..table.factors.len())
                .map(|i| {
                    let figures = group.and_then(|g| g.factors[i].figures.as_ref());
                    let comparison = figures.and_then(|f| f.comparison.as_ref());
                    HeatCell {
                        difference_points: comparison.and_then(|c| c.difference_points),
                        percent: figures.map(|f| f.percent),
                        significant: comparison.is_some_and(|c| c.of_concern),
                        suppressed: figures.is_none(),
                    }
                })
                .collect();
            if let Some(context) = &context_figures {
                // The city row (against a norm) has no indicator columns: its
                // reference would be itself.
                cells.extend(context.cells(district.map(|_| code.as_str())));
            }
            let sort_value = sort_index.and_then(|i| {
                let cell = &cells[i];
                // Sort so the worst comes first whichever way "worse" points.
                cell.difference_points
                    .map(|d| if columns[i].higher_is_worse { d } else { -d })
            });
            (
                sort_value,
                HeatRow {
                    label: name.clone(),
                    href: Some(format!("/profil/{wave}/{code}{link_query}")),
                    cells,
                },
            )
        })
        .collect();
    // The city row stays on top whatever the order of the districts.
    let city_rows = usize::from(reference_key.is_some());
    if sort_index.is_some() {
        rows[city_rows..].sort_by(|a, b| match (a.0, b.0) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.1.label.cmp(&b.1.label),
        });
    }
    let grade_text = grade.map_or_else(
        || de_en(&language, "alle Jahrgänge", "all grades"),
        |g| de_en(&language, &format!("Jahrgang {g}"), &format!("grade {g}")),
    );
    let heat_map = HeatMapData {
        id: "comparison".into(),
        title: de_en(
            &language,
            &format!(
                "Stadtteile im Vergleich zu: {reference_label} – {}, {grade_text}",
                scoped.wave.name
            ),
            &format!(
                "Districts compared with {reference_label} – {}, {grade_text}",
                scoped.wave.name
            ),
        ),
        summary: de_en(
            &language,
            &format!(
                "Farbe: Differenz zu „{reference_label}“ in Prozentpunkten (rot ungünstiger, grün günstiger); * = auffällig (signifikant und mindestens 5 Punkte).{}",
                if context {
                    " Spalten „Kontext“: letzter Wert des Stadtteils relativ zum Stadtwert desselben Zeitraums, in Prozent."
                } else {
                    ""
                }
            ),
            &format!(
                "Colour: difference to \"{reference_label}\" in percentage points (red worse, green better); * = of concern (significant and at least 5 points).{}",
                if context {
                    " \"Context\" columns: the district's latest value relative to the city's value of the same period, in percent."
                } else {
                    ""
                }
            ),
        ),
        columns,
        rows: rows.into_iter().map(|(_, row)| row).collect(),
        empty_text: de_en(&language, "Noch keine Stadtteile.", "No districts yet."),
        ..heat_legends(&language)
    };
    let mut csv_url = format!("/api/csv/comparison?wave={wave}");
    if let Some(g) = grade {
        csv_url.push_str(&format!("&grade={g}"));
    }
    if let Some(key) = &reference_key {
        csv_url.push_str(&format!("&reference={key}"));
    }
    if report_family {
        csv_url.push_str("&adjustment=report");
    }
    if weighting.weighted {
        csv_url.push_str("&weighted=1");
    }
    Ok(ComparisonView {
        language,
        municipality: scoped.municipality.name.clone(),
        wave_id: wave,
        wave: scoped.wave.name.clone(),
        grades,
        grade,
        factors: heat_map.columns[..factor_count]
            .iter()
            .map(|c| (c.id.clone(), c.label.clone()))
            .collect(),
        sorted_by: sort_index.map(|i| table.factors[i].id.clone()),
        heat_map,
        csv_url,
        reference: reference_choice,
        report_family,
        with_context: context,
        weighting,
        small_area_url: format!(
            "/kleinraum/{wave}{}",
            grade.map_or_else(String::new, |g| format!("?jahrgang={g}"))
        ),
    })
}

/// The context-indicator columns of the comparison: each district's latest
/// value relative to the city's value of the same period.
#[cfg(feature = "ssr")]
struct ContextColumns {
    /// Catalogue indicators that the municipality has values of.
    catalogue: Vec<crate::domain::indicators::Indicator>,
    values: Vec<crate::domain::indicators::IndicatorValue>,
}

#[cfg(feature = "ssr")]
impl ContextColumns {
    async fn load(db: &crate::storage::Db, municipality: i64) -> Result<Self, AppError> {
        use crate::storage::indicators::{self, ValueScope};
        let values = indicators::values(db, municipality, ValueScope::Municipality).await?;
        let catalogue = indicators::catalogue(db)
            .await?
            .into_iter()
            .filter(|indicator| values.iter().any(|v| v.indicator == indicator.key))
            .collect();
        Ok(ContextColumns { catalogue, values })
    }

    /// One cell per indicator for the district `code` (none for the city).
    fn cells(&self, code: Option<&str>) -> Vec<crate::components::charts::HeatCell> {
        use crate::components::charts::HeatCell;
        let figures = code.map(|code| {
            crate::domain::indicators::latest_figures(&self.catalogue, &self.values, Some(code))
        });
        self.catalogue
            .iter()
            .map(|indicator| {
                let relative = figures
                    .as_ref()
                    .and_then(|all| all.iter().find(|f| f.indicator.key == indicator.key))
                    .and_then(|f| f.city_value.map(|city| (f.value, city)))
                    .filter(|(_, city)| *city > 0.0)
                    .map(|(value, city)| (value / city - 1.0) * 100.0);
                HeatCell {
                    difference_points: relative,
                    percent: None,
                    significant: false,
                    suppressed: false,
                }
            })
            .collect()
    }
}

/// `/vergleich/{wave}?jahrgang=8&sortierung=family_conflict`.
#[component]
pub fn ComparisonPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let data = Resource::new(
        move || {
            (
                params.with(|p| p.get("wave").and_then(|w| w.parse::<i64>().ok())),
                query.with(|q| q.get("jahrgang").and_then(|g| g.parse::<u8>().ok())),
                query
                    .with(|q| q.get("sortierung"))
                    .filter(|s| !s.is_empty()),
                query.with(|q| q.get("referenz")),
                query.with(|q| q.get("korrektur")),
                query.with(|q| q.get("kontext").is_some_and(|k| k == "1")),
                query.with(|q| q.get("gewichtet")),
                language_code(i18n.get_locale()),
            )
        },
        |(wave, grade, sort, reference, adjustment, context, weighted, language)| async move {
            match wave {
                Some(wave) => {
                    load_comparison_view(
                        wave,
                        grade,
                        sort,
                        reference,
                        adjustment,
                        ComparisonDisplay { context, weighted },
                        language,
                    )
                    .await
                }
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <ResultsPage class="page comparison" data body=|view| view! { <ComparisonBody view /> }.into_any() />
    }
}

#[component]
fn ComparisonBody(view: ComparisonView) -> impl IntoView {
    let language = view.language.clone();
    let l = |de: &str, en: &str| de_en(&language, de, en);
    let sorted = view.sorted_by.clone().unwrap_or_default();
    let heat_map = view.heat_map.clone();
    view! {
        <p class="breadcrumb">
            <a href="/uebersicht">{l("Übersicht", "Overview")}</a>
            " › " {view.municipality.clone()} " › " {view.wave.clone()}
        </p>
        <h1>{l("Stadtteilvergleich", "District comparison")}</h1>
        <form method="get" action=format!("/vergleich/{}", view.wave_id) class="filters no-print">
            <label>
                {l("Jahrgang", "Grade")}
                <select name="jahrgang">
                    <option value="" selected=view.grade.is_none()>{l("alle", "all")}</option>
                    {view.grades.iter().map(|g| view! {
                        <option value=g.to_string() selected=view.grade == Some(*g)>{g.to_string()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>
                {l("Sortieren nach", "Sort by")}
                <select name="sortierung">
                    <option value="" selected=sorted.is_empty()>{l("Stadtteilname", "district name")}</option>
                    {view.factors.iter().map(|(id, label)| view! {
                        <option value=id.clone() selected=*id == sorted>{label.clone()}</option>
                    }).collect_view()}
                </select>
            </label>
            <ReferenceSelect choice=view.reference.clone() language=language.clone()
                default_label=l("Gesamte Stadt", "Whole city") />
            <label>
                {l("Mehrfachtest-Korrektur", "Multiple-testing adjustment")}
                <select name="korrektur">
                    <option value="gruppe" selected=!view.report_family>{l("je Stadtteil", "per district")}</option>
                    <option value="bericht" selected=view.report_family>{l("über alle Stadtteile und Faktoren", "over all districts and factors")}</option>
                </select>
            </label>
            <label class="check">
                <input type="checkbox" name="kontext" value="1" checked=view.with_context />
                {l("Kontextindikatoren als Spalten", "Context indicators as columns")}
            </label>
            {view.weighting.available.then(|| view! {
                <label class="check">
                    <input type="checkbox" name="gewichtet" value="1" checked=view.weighting.weighted />
                    {l("Gewichtet nach Schulform × Jahrgang", "Weighted by school type × grade")}
                </label>
            })}
            <button type="submit">{l("Anzeigen", "Show")}</button>
        </form>
        <p class="footnote">{if view.report_family {
            l(
                "„Auffällig“ (*): nach Benjamini-Hochberg-Korrektur über alle Stadtteile und Faktoren dieser Seite zusammen signifikant und mindestens 5 Prozentpunkte ungünstiger. Strenger als je Stadtteil: geeignet, wenn der Vergleich nach Kandidaten in der ganzen Stadt durchsucht wird.",
                "\"Of concern\" (*): significant after Benjamini–Hochberg adjustment over all districts and factors of this page together, and at least 5 points worse. Stricter than per district: suited to scanning the whole city for candidates.",
            )
        } else {
            l(
                "„Auffällig“ (*): nach Benjamini-Hochberg-Korrektur über die Faktoren des jeweiligen Stadtteils signifikant und mindestens 5 Prozentpunkte ungünstiger – wie im Profil des Stadtteils.",
                "\"Of concern\" (*): significant after Benjamini–Hochberg adjustment over the factors of each district, and at least 5 points worse – as in the district's profile.",
            )
        }}</p>
        <ReferenceSource choice=view.reference.clone() language=language.clone() />
        <p class="notice weighting" data-weighted=view.weighting.weighted.to_string()>{view.weighting.note.clone()}</p>
        <p class="actions no-print">
            <a href=view.csv_url.clone() download>{l("Tabelle als CSV", "Table as CSV")}</a>
            <a href=view.small_area_url.clone()>{l("Modellschätzungen für kleine Stadtteile", "Model estimates for small districts")}</a>
            <span class="hint">{l("Ein Klick auf einen Stadtteil öffnet sein Profil.", "Click a district to open its profile.")}</span>
        </p>
        <HeatMap data=view.heat_map />
        <HeatTable data=heat_map language=language.clone() row_header=l("Stadtteil", "District") />
    }
}

/// A heat map's legend texts (the other fields empty): colours mean
/// "worse / better than the reference", whatever the reference is.
pub fn heat_legends(language: &str) -> HeatMapData {
    HeatMapData {
        legend_worse: de_en(
            language,
            "ungünstiger als die Referenz",
            "worse than the reference",
        ),
        legend_better: de_en(
            language,
            "günstiger als die Referenz",
            "better than the reference",
        ),
        legend_significant: de_en(language, "* auffällig", "* of concern"),
        legend_suppressed: de_en(
            language,
            "– nicht ausgewiesen (Datenschutz)",
            "– not shown (privacy)",
        ),
        ..HeatMapData::default()
    }
}

/// The numbers of a heat map as a table (difference in points, * = of
/// concern, – = not shown), folded away under the chart.
#[component]
pub fn HeatTable(
    /// The heat map whose numbers are shown.
    data: HeatMapData,
    /// Page language.
    language: String,
    /// Header of the row column, e.g. "Stadtteil".
    row_header: String,
) -> impl IntoView {
    let l = |de: &str, en: &str| de_en(&language, de, en);
    let rows = data.rows;
    let columns = data.columns;
    let units: Vec<HeatUnit> = columns.iter().map(|c| c.unit).collect();
    let table_language = language.clone();
    view! {
        <details class="table-section">
            <summary>{l("Dieselben Zahlen als Tabelle (Differenz in Prozentpunkten, Kontextindikatoren in %)", "The same numbers as a table (difference in points, context indicators in %)")}</summary>
            <div class="chart-scroll">
                <table class="data heat-table">
                    <thead><tr>
                        <th scope="col">{row_header}</th>
                        {columns.iter().map(|c| view! { <th scope="col" class="num">{c.label.clone()}</th> }).collect_view()}
                    </tr></thead>
                    <tbody>
                        {rows.into_iter().map(|row| {
                            let language = table_language.clone();
                            view! {
                                <tr>
                                    <th scope="row">{row.label.clone()}</th>
                                    {row.cells.into_iter().zip(units.clone()).map(|(cell, unit)| {
                                        let text = match (cell.suppressed, cell.difference_points) {
                                            (true, _) | (_, None) => "–".to_string(),
                                            (false, Some(d)) => format!("{}{}{}{}", if d >= 0.0 { "+" } else { "" }, number_text(&language, d), if unit == HeatUnit::RelativePercent { " %" } else { "" }, if cell.significant { "*" } else { "" }),
                                        };
                                        view! { <td class="num">{text}</td> }
                                    }).collect_view()}
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </details>
    }
}
