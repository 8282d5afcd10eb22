//! `/trend/{municipality}/{district}`: every factor of a district (or the
//! city) over the municipality's waves, as small multiples with intervals;
//! significant changes since the previous wave are marked.

use super::common::{ResultsPage, de_en, language_code};
use crate::components::charts::{TrendChart, TrendChartData};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

/// Everything the trend page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrendView {
    /// Page language.
    pub language: String,
    /// Municipality id.
    pub municipality_id: i64,
    /// Municipality name.
    pub municipality: String,
    /// District code in the URL (`gesamt` for the city).
    pub district_code: String,
    /// District name.
    pub district: String,
    /// Districts for the switcher: (code, name).
    pub districts: Vec<(String, String)>,
    /// Grades surveyed in any wave.
    pub grades: Vec<u8>,
    /// Selected grade.
    pub grade: Option<u8>,
    /// Number of waves.
    pub waves: usize,
    /// One chart per factor.
    pub charts: Vec<TrendChartData>,
    /// Comparability warnings (version changes between waves).
    pub warnings: Vec<String>,
    /// CSV download of the same numbers.
    pub csv_url: String,
}

/// The trends of one district (or `gesamt`) of a municipality.
#[server(prefix = "/api", endpoint = "trend_view")]
pub async fn load_trend_view(
    municipality: i64,
    district: String,
    grade: Option<u8>,
    language: String,
) -> Result<TrendView, AppError> {
    use crate::components::charts::{TrendPoint, format_points};
    use crate::domain::access::Action;
    use crate::domain::analysis::aggregate::{GroupKey, SexKey};
    use crate::domain::analysis::report::ReportOptions;
    use crate::storage::{geography, waves};
    let db = crate::storage::db()?;
    let (row, _) =
        super::common::scoped_municipality(&db, municipality, Action::ViewResults).await?;
    let districts = geography::districts(&db, municipality).await?;
    let (district_id, district_name) = if district == "gesamt" {
        (None, de_en(&language, "Gesamte Stadt", "Whole city"))
    } else {
        let d = districts
            .iter()
            .find(|d| d.code == district)
            .ok_or(AppError::NotFound)?;
        (Some(d.district_id), d.name.clone())
    };
    let wave_rows = waves::of_municipality(&db, municipality).await?;
    let mut grades = Vec::new();
    for wave in &wave_rows {
        for g in waves::details(&db, wave.wave_id).await?.grades {
            if !grades.contains(&g.get()) {
                grades.push(g.get());
            }
        }
    }
    grades.sort_unstable();
    let series = crate::analysis::municipality_trends(
        &db,
        municipality,
        &crate::analysis::PAGE_BREAKDOWN,
        &ReportOptions::default(),
    )
    .await?;
    let key = GroupKey {
        district: district_id,
        school: None,
        grade,
        sex: SexKey::All,
    };
    let city = GroupKey {
        district: None,
        ..key
    };
    // Charts in profile order (domains, risk before protection, outcomes
    // last), as the latest wave's instrument lists them.
    let order: Vec<String> = match wave_rows.last() {
        Some(latest) => crate::domain::analysis::report::profile_factors(
            crate::storage::survey::instruments::load(&db, latest.instrument_id)
                .await?
                .as_ref(),
        )
        .into_iter()
        .map(|f| f.id)
        .collect(),
        None => Vec::new(),
    };
    let mut selected: Vec<&crate::analysis::TrendSeries> =
        series.iter().filter(|s| s.key == key).collect();
    selected.sort_by_key(|s| {
        order
            .iter()
            .position(|id| *id == s.factor_id)
            .unwrap_or(usize::MAX)
    });
    let mut warnings = Vec::new();
    let mut charts = Vec::new();
    for (index, s) in selected.into_iter().enumerate() {
        let reference = series
            .iter()
            .find(|r| r.key == city && r.factor_id == s.factor_id);
        let points: Vec<TrendPoint> = s
            .waves
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let change = w.since_previous.as_ref();
                if let Some(warning) = change.and_then(|c| c.comparability_warning.clone())
                    && !warnings.contains(&warning)
                {
                    warnings.push(warning);
                }
                TrendPoint {
                    wave_label: w.wave_label.clone(),
                    percent: w.percent,
                    ci: w.ci_percent.map(|ci| (ci.lower, ci.upper)),
                    reference: if district_id.is_some() {
                        reference
                            .and_then(|r| r.waves.get(i))
                            .and_then(|r| r.percent)
                    } else {
                        None
                    },
                    significant_change: change.is_some_and(|c| c.significant),
                    change_text: change.map(|c| {
                        format!(
                            "{}{}",
                            format_points(c.difference_points),
                            if c.significant { "*" } else { "" }
                        )
                    }),
                }
            })
            .collect();
        let label = s.factor_label.get(&language).to_string();
        charts.push(TrendChartData {
            id: format!("trend-{index}"),
            title: label.clone(),
            summary: de_en(
                &language,
                &format!(
                    "{label} in {district_name} über {} Wellen, mit 95-%-Konfidenzintervallen.",
                    s.waves.len()
                ),
                &format!(
                    "{label} in {district_name} over {} waves, with 95 % confidence intervals.",
                    s.waves.len()
                ),
            ),
            points,
            series_label: district_name.clone(),
            reference_label: de_en(&language, "Gesamte Stadt", "Whole city"),
            empty_text: de_en(
                &language,
                "Keine ausweisbaren Werte.",
                "No reportable figures.",
            ),
            significant_label: de_en(&language, "signifikante Veränderung", "significant change"),
            y_max: None,
        });
    }
    let mut csv_url = format!("/api/csv/trend?municipality={municipality}&district={district}");
    if let Some(g) = grade {
        csv_url.push_str(&format!("&grade={g}"));
    }
    Ok(TrendView {
        language,
        municipality_id: municipality,
        municipality: row.name,
        district_code: district,
        district: district_name,
        districts: districts.into_iter().map(|d| (d.code, d.name)).collect(),
        grades,
        grade,
        waves: wave_rows.len(),
        charts,
        warnings,
        csv_url,
    })
}

/// `/trend/{municipality}/{district}?jahrgang=8`.
#[component]
pub fn TrendPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let data = Resource::new(
        move || {
            (
                params.with(|p| p.get("municipality").and_then(|w| w.parse::<i64>().ok())),
                params.with(|p| p.get("district")).unwrap_or_default(),
                query.with(|q| q.get("jahrgang").and_then(|g| g.parse::<u8>().ok())),
                language_code(i18n.get_locale()),
            )
        },
        |(municipality, district, grade, language)| async move {
            match municipality {
                Some(m) => load_trend_view(m, district, grade, language).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <ResultsPage class="page trends" data body=|view| view! { <TrendBody view /> }.into_any() />
    }
}

#[component]
fn TrendBody(view: TrendView) -> impl IntoView {
    let language = view.language.clone();
    let l = |de: &str, en: &str| de_en(&language, de, en);
    let base = format!("/trend/{}", view.municipality_id);
    let grade_query = view
        .grade
        .map_or(String::new(), |g| format!("?jahrgang={g}"));
    let one_wave = view.waves < 2;
    view! {
        <p class="breadcrumb">
            <a href="/uebersicht">{l("Übersicht", "Overview")}</a>
            " › " {view.municipality.clone()}
        </p>
        <h1>{format!("{} – {}", l("Entwicklung", "Trends"), view.district)}</h1>
        <form method="get" action=format!("{base}/{}", view.district_code) class="filters no-print">
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
        <nav class="district-switch no-print" aria-label=l("Stadtteile", "Districts")>
            <a href=format!("{base}/gesamt{grade_query}") aria-current=(view.district_code == "gesamt").then_some("page")>{l("Gesamte Stadt", "Whole city")}</a>
            {view.districts.iter().map(|(code, name)| view! {
                <a href=format!("{base}/{code}{grade_query}") aria-current=(*code == view.district_code).then_some("page")>{name.clone()}</a>
            }).collect_view()}
        </nav>
        <p class="actions no-print">
            <a href=view.csv_url.clone() download>{l("Tabelle als CSV", "Table as CSV")}</a>
        </p>
        {one_wave.then(|| view! {
            <p class="notice">{l("Bisher gibt es nur eine Welle; Veränderungen werden ab der zweiten Welle gezeigt.", "There is only one wave so far; changes appear from the second wave on.")}</p>
        })}
        {view.warnings.iter().map(|w| view! { <p class="notice warn">{w.clone()}</p> }).collect_view()}
        <p class="footnote">{l(
            "Punkte mit Intervallen: Anteil je Welle (95-%-Konfidenzintervall). Ausgefüllter großer Punkt mit *: signifikante Veränderung gegenüber der vorigen Welle (zweiseitiger z-Test, nach Benjamini-Hochberg-Korrektur über alle Veränderungen aller Faktoren dieser Gruppe p < 0,05). Gestrichelt: gesamte Stadt.",
            "Points with intervals: share per wave (95 % confidence interval). Large filled point with *: significant change since the previous wave (two-sided z-test, p < 0.05 after Benjamini–Hochberg adjustment over every change of every factor of this group). Dashed: whole city.",
        )}</p>
        <div class="trend-grid">
            {view.charts.into_iter().map(|data| view! { <TrendChart data /> }).collect_view()}
        </div>
    }
}
