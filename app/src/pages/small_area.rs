//! `/kleinraum/{wave}`: model-based estimates (Fay–Herriot) for the
//! districts of one factor, beside their direct figures, clearly labelled as
//! model estimates (docs/statistics.md §10).

use super::common::{ResultsPage, de_en, language_code, number_text};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

/// A district's row: direct figures and the model estimate, in percent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SmallAreaRow {
    /// District name.
    pub district: String,
    /// District code (`data-district`).
    pub code: String,
    /// Valid answers, when shown.
    pub n: Option<u64>,
    /// Direct share and its 95 % interval, when shown.
    pub direct: Option<(f64, Option<(f64, f64)>)>,
    /// Design effect of the direct share.
    pub design_effect: Option<f64>,
    /// Model estimate, its 95 % interval from the MSE, its RMSE in points and
    /// the weight of the district's own answers.
    pub model: Option<ModelCells>,
}

/// The model columns of a row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelCells {
    /// Model estimate in percent.
    pub percent: f64,
    /// Lower bound of its interval.
    pub lower: f64,
    /// Upper bound of its interval.
    pub upper: f64,
    /// Root mean squared error in points.
    pub rmse_points: f64,
    /// Weight of the district's own answers (0–1).
    pub own_weight: f64,
}

/// Everything the page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SmallAreaView {
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
    /// Factor choices: (id, label).
    pub factors: Vec<(String, String)>,
    /// The factor shown.
    pub factor: String,
    /// Its label.
    pub factor_label: String,
    /// The model in one sentence, or why there is none.
    pub model_text: String,
    /// Whether a model was fitted.
    pub fitted: bool,
    /// One row per district.
    pub rows: Vec<SmallAreaRow>,
    /// CSV of every factor and grade level.
    pub csv_url: String,
    /// Cut-point set the shares use.
    pub cut_point_set: String,
}

/// The model estimates of one factor (default: the first) at one grade
/// level.
#[server(prefix = "/api", endpoint = "small_area_view")]
pub async fn load_small_area_view(
    wave: i64,
    grade: Option<u8>,
    factor: Option<String>,
    language: String,
) -> Result<SmallAreaView, AppError> {
    use crate::domain::access::Action;
    use crate::domain::analysis::small_area::NoModel;
    use crate::storage::waves;
    let db = crate::storage::db()?;
    let (scoped, _) = super::common::scoped_wave(&db, wave, Action::ViewResults).await?;
    let details = waves::details(&db, wave).await?;
    let grades: Vec<u8> = details.grades.iter().map(|g| g.get()).collect();
    super::common::check_grade(&grades, grade)?;
    let (table, districts, mut models) =
        crate::analysis::small_area_models(&db, &scoped.wave, &[grade]).await?;
    let factor_index = match factor.as_deref().filter(|f| !f.is_empty()) {
        None => 0,
        Some(id) => table
            .factors
            .iter()
            .position(|f| f.id == id)
            .ok_or_else(|| AppError::InvalidInput(format!("unknown factor \"{id}\"")))?,
    };
    let model = models
        .pop()
        .map(|(_, mut factors)| factors.swap_remove(factor_index))
        .ok_or(AppError::NotFound)?;
    let info = &table.factors[factor_index];
    let names: std::collections::BTreeMap<i64, (String, String)> = districts
        .into_iter()
        .map(|d| (d.district_id, (d.code, d.name)))
        .collect();
    let l = |de: &str, en: &str| de_en(&language, de, en);
    let model_text = match model.fit {
        Ok(summary) => l(
            &format!(
                "Modell: Fay-Herriot (REML) über {} ausgewiesene Stadtteile; Mittelwert des Modells {} %, Streuung zwischen den Stadtteilen {} Prozentpunkte.",
                summary.districts,
                number_text(&language, summary.mean_percent),
                number_text(&language, summary.between_district_sd_points)
            ),
            &format!(
                "Model: Fay–Herriot (REML) over {} shown districts; model mean {} %, spread between districts {} percentage points.",
                summary.districts,
                number_text(&language, summary.mean_percent),
                number_text(&language, summary.between_district_sd_points)
            ),
        ),
        Err(NoModel::TooFewDistricts { shown }) => l(
            &format!(
                "Keine Modellschätzung: nur {shown} Stadtteile sind ausgewiesen, das Modell braucht mindestens 3."
            ),
            &format!(
                "No model estimate: only {shown} districts are shown; the model needs at least 3."
            ),
        ),
        Err(NoModel::NoVariation) => l(
            "Keine Modellschätzung: in den ausgewiesenen Stadtteilen trifft das Merkmal auf niemanden oder auf alle zu.",
            "No model estimate: in the shown districts nobody or everybody has the flag.",
        ),
        Err(NoModel::NotConverged) => l(
            "Keine Modellschätzung: das Schätzverfahren hat nicht konvergiert.",
            "No model estimate: the estimation did not converge.",
        ),
    };
    let rows = model
        .districts
        .iter()
        .map(|estimate| {
            let (code, name) = names.get(&estimate.district).cloned().unwrap_or_default();
            let direct = estimate.direct.as_ref();
            SmallAreaRow {
                district: name,
                code,
                n: direct.map(|f| f.n),
                direct: direct.map(|f| (f.percent, f.ci_percent.map(|ci| (ci.lower, ci.upper)))),
                design_effect: direct.map(|f| f.design_effect),
                model: estimate.model.map(|m| ModelCells {
                    percent: m.percent,
                    lower: m.interval.lower,
                    upper: m.interval.upper,
                    rmse_points: m.rmse_points,
                    own_weight: m.own_weight,
                }),
            }
        })
        .collect();
    Ok(SmallAreaView {
        municipality: scoped.municipality.name.clone(),
        wave_id: wave,
        wave: scoped.wave.name.clone(),
        grades,
        grade,
        factors: table
            .factors
            .iter()
            .map(|f| (f.id.clone(), f.label.get(&language).to_string()))
            .collect(),
        factor: info.id.clone(),
        factor_label: info.label.get(&language).to_string(),
        fitted: model.fit.is_ok(),
        model_text,
        rows,
        csv_url: format!("/api/csv/small-area?wave={wave}&language={language}"),
        cut_point_set: table.versions.cut_points.clone(),
        language,
    })
}

/// `/kleinraum/{wave}?jahrgang=8&faktor=family_conflict`.
#[component]
pub fn SmallAreaPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let data = Resource::new(
        move || {
            (
                params.with(|p| p.get("wave").and_then(|w| w.parse::<i64>().ok())),
                query.with(|q| q.get("jahrgang").and_then(|g| g.parse::<u8>().ok())),
                query.with(|q| q.get("faktor")),
                language_code(i18n.get_locale()),
            )
        },
        |(wave, grade, factor, language)| async move {
            match wave {
                Some(wave) => load_small_area_view(wave, grade, factor, language).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <ResultsPage class="page small-area" data body=|view| view! { <SmallAreaBody view /> }.into_any() />
    }
}

#[component]
fn SmallAreaBody(view: SmallAreaView) -> impl IntoView {
    let language = view.language.clone();
    let l = |de: &str, en: &str| de_en(&language, de, en);
    let number = |value: f64| number_text(&language, value);
    let interval = |lower: f64, upper: f64| format!("{} – {}", number(lower), number(upper));
    let grade_text = view.grade.map_or_else(
        || l("alle Jahrgänge", "all grades"),
        |g| l(&format!("Jahrgang {g}"), &format!("grade {g}")),
    );
    let rows = view.rows.clone();
    view! {
        <p class="breadcrumb">
            <a href="/uebersicht">{l("Übersicht", "Overview")}</a>
            " › " {view.municipality.clone()} " › " {view.wave.clone()}
            " › " <a href=format!("/vergleich/{}", view.wave_id)>{l("Stadtteilvergleich", "District comparison")}</a>
        </p>
        <h1>{l("Modellschätzungen für kleine Stadtteile", "Model estimates for small districts")}</h1>
        <p class="notice model-notice">{l(
            "Modellschätzungen sind keine direkten Befragungsergebnisse: Der Anteil eines Stadtteils wird zum Mittel aller ausgewiesenen Stadtteile hin verschoben, umso stärker, je weniger Antworten er hat. Sie eignen sich, um kleine Stadtteile mit weniger Zufallsschwankung einzuordnen – nicht, um einen Stadtteil für auffällig zu erklären. Stadtteile, deren Zahlen aus Datenschutzgründen nicht ausgewiesen werden, erhalten auch keine Modellschätzung.",
            "Model estimates are not direct survey results: a district's share is moved toward the mean of all shown districts, the more so the fewer answers it has. Use them to place small districts with less random noise – not to declare a district of concern. Districts whose figures are withheld for privacy get no model estimate either.",
        )}</p>
        <form method="get" action=format!("/kleinraum/{}", view.wave_id) class="filters no-print">
            <label>
                {l("Faktor", "Factor")}
                <select name="faktor">
                    {view.factors.iter().map(|(id, label)| view! {
                        <option value=id.clone() selected=*id == view.factor>{label.clone()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>
                {l("Jahrgang", "Grade")}
                <select name="jahrgang">
                    <option value="" selected=view.grade.is_none()>{l("alle", "all")}</option>
                    {view.grades.iter().map(|g| view! {
                        <option value=g.to_string() selected=view.grade == Some(*g)>{g.to_string()}</option>
                    }).collect_view()}
                </select>
            </label>
            <button type="submit">{l("Anzeigen", "Show")}</button>
        </form>
        <p class="model-summary" data-fitted=view.fitted.to_string()>{view.model_text.clone()}</p>
        <p class="actions no-print">
            <a href=view.csv_url.clone() download>{l("Alle Faktoren und Jahrgänge als CSV", "All factors and grades as CSV")}</a>
        </p>
        // Focusable, so keyboard users can scroll a table wider than a phone.
        <div class="chart-scroll" tabindex="0" role="region" aria-label=l("Tabelle der Modellschätzungen", "Table of model estimates")>
            <table class="data small-area-table">
                <caption>{format!("{} – {}, {grade_text}", view.factor_label, view.wave)}</caption>
                <thead><tr>
                    <th scope="col">{l("Stadtteil", "District")}</th>
                    <th scope="col" class="num">{l("Antworten", "Answers")}</th>
                    <th scope="col" class="num">{l("Direkt: Anteil %", "Direct: share %")}</th>
                    <th scope="col" class="num">{l("Direkt: 95-%-Intervall", "Direct: 95 % interval")}</th>
                    <th scope="col" class="num">{l("Modellschätzung %", "Model estimate %")}</th>
                    <th scope="col" class="num">{l("Modell: 95-%-Intervall", "Model: 95 % interval")}</th>
                    <th scope="col" class="num">{l("Gewicht der eigenen Antworten", "Weight of own answers")}</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|row| {
                        let withheld = l("nicht ausgewiesen (Datenschutz)", "not shown (privacy)");
                        view! {
                            <tr data-district=row.code.clone()>
                                <th scope="row">{row.district.clone()}</th>
                                <td class="num">{row.n.map_or_else(|| "–".to_string(), |n| n.to_string())}</td>
                                {match &row.direct {
                                    Some((percent, ci)) => view! {
                                        <td class="num direct">{number(*percent)}</td>
                                        <td class="num">{ci.map_or_else(|| "–".to_string(), |(a, b)| interval(a, b))}</td>
                                    }.into_any(),
                                    None => view! { <td class="num withheld" colspan="2">{withheld.clone()}</td> }.into_any(),
                                }}
                                {match &row.model {
                                    Some(m) => view! {
                                        <td class="num model" data-model-percent=m.percent.to_string()>{number(m.percent)}</td>
                                        <td class="num">{interval(m.lower, m.upper)}</td>
                                        <td class="num">{format!("{} %", number(100.0 * m.own_weight))}</td>
                                    }.into_any(),
                                    None => view! { <td class="num" colspan="3">"–"</td> }.into_any(),
                                }}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <p class="footnote">{l(
            "Direkt: Anteil der Befragten des Stadtteils mit Wilson-Intervall (Designeffekt der Klassenstichprobe berücksichtigt). Modell: empirischer Bayes-Schätzer (Fay-Herriot, REML) mit Intervall aus dem geschätzten mittleren quadratischen Fehler (Prasad-Rao/Datta-Lahiri); „Gewicht der eigenen Antworten“ ist der Anteil, mit dem der direkte Wert eingeht. Einzelne Personen werden damit nicht vorhergesagt.",
            "Direct: share of the district's respondents with its Wilson interval (design effect of the class sample included). Model: empirical Bayes estimator (Fay–Herriot, REML) with an interval from the estimated mean squared error (Prasad–Rao/Datta–Lahiri); \"weight of own answers\" is the share with which the direct value enters. Nothing is predicted for individuals.",
        )}</p>
        <p class="footnote">{format!("{}: {}", l("Schnittpunkte", "Cut points"), view.cut_point_set)}</p>
    }
}
