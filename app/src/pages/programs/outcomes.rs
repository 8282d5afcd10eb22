//! `/wirkung/{municipality}/{program}`: program districts against the
//! others over the waves, with the difference-in-differences.

#[cfg(feature = "ssr")]
use super::scope::planning_scope;
use crate::components::charts::{TrendChart, TrendChartData};
use crate::error::AppError;
use crate::i18n::*;
use crate::pages::common::{ResultsPage, de_en, language_code};
#[cfg(feature = "ssr")]
use crate::pages::common::{number_text, percent_text};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

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
                    let percent = |p: Option<crate::domain::analysis::stats::ClusteredProportion>| p.and_then(|p| p.proportion.estimate()).map(|e| e * 100.0);
                    TrendPoint {
                        wave_label: w.wave_label.clone(),
                        percent: percent(w.program),
                        ci: w.program.and_then(|p| p.wilson_interval(crate::domain::analysis::stats::CONFIDENCE_95)).map(|ci| (ci.lower * 100.0, ci.upper * 100.0)),
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
        <ResultsPage class="page outcomes" data body=|view| view! { <OutcomeBody view /> }.into_any() />
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
                "Er zeigt, ob sich ein Faktor in den Programmstadtteilen stärker verändert hat als in den übrigen Stadtteilen, über den Zufall der Stichproben hinaus (Differenz-von-Differenzen). Er beweist nicht, dass das Programm die Ursache ist: Die Stadtteile wurden nicht zufällig zugeteilt, andere Entwicklungen können gleichzeitig wirken, in jeder Welle antworten andere Schülerinnen und Schüler. Dass ganze Klassen befragt werden, ist in den Intervallen berücksichtigt (Designeffekt). Kleine Gruppen werden nicht ausgewiesen.",
                "It shows whether a factor changed more in the program districts than in the other districts, beyond sampling chance (difference-in-differences). It does not prove that the program caused it: districts were not randomised, other developments may coincide, different pupils answer in each wave. That whole classes are surveyed is taken into account in the intervals (design effect). Small groups are not shown.",
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
            "Intervalle: Newcombe (Veränderung je Gruppe), Wald (Differenz-von-Differenzen), jeweils mit dem Designeffekt der Klassenstichprobe.",
            "Intervals: Newcombe (change per group), Wald (difference-in-differences), each with the design effect of sampling whole classes.")}</p>
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
