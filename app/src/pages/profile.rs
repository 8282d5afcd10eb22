//! `/profil/{wave}/{district}`: a district's (or the city's) risk and
//! protection profile for one wave, filtered by grade and sex: one bar chart
//! per CTC domain, outcomes, and the same numbers as a table.

use super::common::{
    ReferenceChoice, ReferenceSelect, ReferenceSource, ResultsPage, WeightingChoice, de_en,
    language_code, number_text, percent_text,
};
use crate::components::charts::{BarChart, BarChartData};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

/// One row of the table view (same numbers as the charts).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProfileTableRow {
    /// Factor id.
    pub factor_id: String,
    /// Factor name.
    pub label: String,
    /// Risk / protective / outcome, as shown.
    pub kind: String,
    /// Valid answers (`None` = suppressed).
    pub n: Option<u64>,
    /// Percent.
    pub percent: Option<f64>,
    /// 95 % interval.
    pub ci: Option<(f64, f64)>,
    /// Reference percent.
    pub reference: Option<f64>,
    /// Difference to the reference in points.
    pub difference: Option<f64>,
    /// BH-adjusted p-value of the test against the rest of the city / norm.
    pub p_adjusted: Option<f64>,
    /// Elevated / lowered, as shown.
    pub concern: Option<String>,
}

/// Everything the profile page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProfileView {
    /// Page language.
    pub language: String,
    /// Municipality.
    pub municipality: String,
    /// Municipality id (for links).
    pub municipality_id: i64,
    /// Wave id and name.
    pub wave_id: i64,
    /// Wave name.
    pub wave: String,
    /// District code in the URL (`gesamt` for the city).
    pub district_code: String,
    /// District name (or the city).
    pub district: String,
    /// Districts for the switcher: (code, name).
    pub districts: Vec<(String, String)>,
    /// Grades of the wave.
    pub grades: Vec<u8>,
    /// Selected grade.
    pub grade: Option<u8>,
    /// Selected sex group (`female`, `male`, `diverse`, `no_answer`).
    pub sex: Option<String>,
    /// Valid questionnaires of the group (None = suppressed or empty).
    pub group_n: Option<u64>,
    /// One chart per domain, then outcomes.
    pub charts: Vec<BarChartData>,
    /// The table view.
    pub rows: Vec<ProfileTableRow>,
    /// What the profile is compared with.
    pub reference: ReferenceChoice,
    /// Minimum group size in force.
    pub min_group_size: u64,
    /// Instrument, cut points and validity rule versions.
    pub versions: String,
    /// Questionnaires excluded by validity rules (whole wave).
    pub excluded: u64,
    /// CSV download of exactly these numbers.
    pub csv_url: String,
    /// The district's (or city's) context indicators, latest period each.
    pub context: Vec<crate::domain::indicators::IndicatorFigure>,
    /// Weighted or as answered, and whether weights exist for the wave.
    pub weighting: WeightingChoice,
}

/// Parses the sex filter of the URL.
pub fn parse_sex(
    value: Option<&str>,
) -> Result<crate::domain::analysis::aggregate::SexKey, AppError> {
    use crate::domain::analysis::aggregate::SexKey;
    Ok(match value {
        None | Some("") | Some("all") => SexKey::All,
        Some("female") => SexKey::Female,
        Some("male") => SexKey::Male,
        Some("diverse") => SexKey::Diverse,
        Some("no_answer") => SexKey::NoAnswer,
        Some(other) => {
            return Err(AppError::InvalidInput(format!(
                "unknown sex group \"{other}\" (female, male, diverse, no_answer)"
            )));
        }
    })
}

/// The query string of the CSV download for these filters.
pub fn filter_query(
    district: &str,
    grade: Option<u8>,
    sex: Option<&str>,
    reference: Option<&str>,
) -> String {
    let mut query = format!("district={district}");
    if let Some(grade) = grade {
        query.push_str(&format!("&grade={grade}"));
    }
    if let Some(sex) = sex.filter(|s| !s.is_empty() && *s != "all") {
        query.push_str(&format!("&sex={sex}"));
    }
    if let Some(reference) = reference {
        query.push_str(&format!("&reference={reference}"));
    }
    query
}

/// The German query string (`?jahrgang=…&geschlecht=…&referenz=…`, or empty)
/// that keeps a page's filters on links to the same kind of page.
pub fn page_query(grade: Option<u8>, sex: Option<&str>, reference: Option<&str>) -> String {
    let parts: Vec<String> = [
        grade.map(|g| format!("jahrgang={g}")),
        sex.filter(|s| !s.is_empty() && *s != "all")
            .map(|s| format!("geschlecht={s}")),
        reference.map(|r| format!("referenz={r}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// The name of a factor kind in the UI.
pub fn kind_label(language: &str, kind: crate::domain::analysis::profile::FactorKind) -> String {
    use crate::domain::analysis::profile::FactorKind;
    match kind {
        FactorKind::Risk => de_en(language, "Risikofaktor", "risk factor"),
        FactorKind::Protective => de_en(language, "Schutzfaktor", "protective factor"),
        FactorKind::Outcome => de_en(language, "Problemverhalten", "outcome"),
    }
}

/// The profile of one district (or `gesamt`) of a wave.
#[server(prefix = "/api", endpoint = "profile_view")]
pub async fn load_profile_view(
    wave: i64,
    district: String,
    grade: Option<u8>,
    sex: Option<String>,
    reference: Option<String>,
    weighted: Option<String>,
    language: String,
) -> Result<ProfileView, AppError> {
    use crate::components::charts::{BarKind, BarRow, Highlight};
    use crate::domain::access::Action;
    use crate::domain::analysis::aggregate::GroupKey;
    use crate::domain::analysis::profile::{Concern, FactorKind};
    use crate::domain::survey::instrument::Domain;
    use crate::storage::{geography, waves};
    let db = crate::storage::db()?;
    let (scoped, _) = super::common::scoped_wave(&db, wave, Action::ViewResults).await?;
    let sex_key = parse_sex(sex.as_deref())?;
    let districts = geography::districts(&db, scoped.municipality.municipality_id).await?;
    let (district_id, district_name) = if district == "gesamt" {
        (None, de_en(&language, "Gesamte Stadt", "Whole city"))
    } else {
        let row = districts
            .iter()
            .find(|d| d.code == district)
            .ok_or(AppError::NotFound)?;
        (Some(row.district_id), row.name.clone())
    };
    let details = waves::details(&db, wave).await?;
    let grades: Vec<u8> = details.grades.iter().map(|g| g.get()).collect();
    super::common::check_grade(&grades, grade)?;
    let norm_sets = crate::analysis::wave_norm_sets(&db, &scoped.wave).await?;
    let reference = crate::analysis::reference_among(&db, &norm_sets, reference.as_deref()).await?;
    let (table, weighting) = super::common::page_table(
        &db,
        &scoped.wave,
        reference.norms(),
        weighted.as_deref(),
        &language,
    )
    .await?;
    let key = GroupKey {
        district: district_id,
        school: None,
        grade,
        sex: sex_key,
    };
    let group = table.group(&key);
    let reference_choice = ReferenceChoice::new(
        reference.set(),
        de_en(&language, "Gesamte Stadt", "Whole city"),
        norm_sets,
    );
    let reference_label = reference_choice.label.clone();
    let reference_key = reference_choice.key.clone();
    let suppressed_note = de_en(
        &language,
        &format!(
            "nicht ausgewiesen (Datenschutz: weniger als {} Antworten oder Schutz einer kleinen Gruppe)",
            table.min_group_size
        ),
        &format!(
            "not shown (privacy: fewer than {} answers, or protecting a small group)",
            table.min_group_size
        ),
    );
    let mut rows = Vec::new();
    let mut bars: Vec<(Option<Domain>, FactorKind, BarRow)> = Vec::new();
    for (index, factor) in table.factors.iter().enumerate() {
        let cell = group.and_then(|g| g.factors.get(index));
        let figures = cell.and_then(|c| c.figures.as_ref());
        let comparison = figures.and_then(|f| f.comparison.as_ref());
        let concern = comparison
            .filter(|c| c.of_concern)
            .map(|c| c.concern)
            .unwrap_or(Concern::None);
        let label = factor.label.get(&language).to_string();
        let ci = figures
            .and_then(|f| f.ci_percent)
            .map(|ci| (ci.lower, ci.upper));
        let reference = comparison.and_then(|c| c.reference_percent);
        bars.push((
            factor.domain,
            factor.kind,
            BarRow {
                label: label.clone(),
                kind: match factor.kind {
                    FactorKind::Risk => BarKind::Risk,
                    FactorKind::Protective => BarKind::Protective,
                    FactorKind::Outcome => BarKind::Outcome,
                },
                percent: figures.map(|f| f.percent),
                ci,
                reference,
                n: figures.map(|f| f.n),
                highlight: match concern {
                    Concern::Elevated => Highlight::Elevated,
                    Concern::Lowered => Highlight::Lowered,
                    Concern::None => Highlight::None,
                },
                note: figures.is_none().then(|| suppressed_note.clone()),
            },
        ));
        rows.push(ProfileTableRow {
            factor_id: factor.id.clone(),
            label,
            kind: kind_label(&language, factor.kind),
            n: figures.map(|f| f.n),
            percent: figures.map(|f| f.percent),
            ci,
            reference,
            difference: comparison.and_then(|c| c.difference_points),
            p_adjusted: comparison.and_then(|c| c.p_adjusted),
            concern: match concern {
                Concern::Elevated => Some(de_en(&language, "erhöht", "elevated")),
                Concern::Lowered => Some(de_en(&language, "niedriger", "lowered")),
                Concern::None => None,
            },
        });
    }
    let domain_title = |domain: Option<Domain>| match domain {
        Some(Domain::Community) => de_en(&language, "Nachbarschaft und Gemeinde", "Community"),
        Some(Domain::Family) => de_en(&language, "Familie", "Family"),
        Some(Domain::School) => de_en(&language, "Schule", "School"),
        Some(Domain::PeerIndividual) => de_en(
            &language,
            "Gleichaltrige und Individuum",
            "Peers and individual",
        ),
        _ => de_en(&language, "Problemverhalten", "Outcomes"),
    };
    let mut charts = Vec::new();
    let sections = [
        Some(Domain::Community),
        Some(Domain::Family),
        Some(Domain::School),
        Some(Domain::PeerIndividual),
    ];
    let chart =
        |id: String, title: String, chart_rows: Vec<BarRow>, summary: String| BarChartData {
            id,
            title,
            summary,
            rows: chart_rows,
            reference_label: reference_label.clone(),
            empty_text: de_en(
                &language,
                "Keine Faktoren in diesem Bereich.",
                "No factors in this domain.",
            ),
            elevated_label: de_en(
                &language,
                "auffällig (signifikant ≥ 5 Prozentpunkte ungünstiger)",
                "of concern (significantly ≥ 5 points worse)",
            ),
            ci_label: de_en(
                &language,
                "95-%-Konfidenzintervall",
                "95 % confidence interval",
            ),
        };
    let summary_of = |what: &str| {
        de_en(
            &language,
            &format!(
                "{what}: Anteil der Jugendlichen in {district_name}, {} mit 95-%-Konfidenzintervall; Strich = {}.",
                scoped.wave.name, reference_label
            ),
            &format!(
                "{what}: share of young people in {district_name}, {} with 95 % confidence interval; marker = {}.",
                scoped.wave.name, reference_label
            ),
        )
    };
    for (n, domain) in sections.into_iter().enumerate() {
        let chart_rows: Vec<BarRow> = bars
            .iter()
            .filter(|(d, kind, _)| *d == domain && *kind != FactorKind::Outcome)
            .map(|(_, _, row)| row.clone())
            .collect();
        if chart_rows.is_empty() {
            continue;
        }
        let title = domain_title(domain);
        charts.push(chart(
            format!("domain-{n}"),
            title.clone(),
            chart_rows,
            summary_of(&title),
        ));
    }
    let outcome_rows: Vec<BarRow> = bars
        .iter()
        .filter(|(_, kind, _)| *kind == FactorKind::Outcome)
        .map(|(_, _, row)| row.clone())
        .collect();
    let outcome_title = domain_title(None);
    charts.push(chart(
        "outcomes".into(),
        outcome_title.clone(),
        outcome_rows,
        summary_of(&outcome_title),
    ));
    let sex_name = (sex_key != Default::default()).then(|| sex_key.as_str().to_string());
    let context = crate::domain::indicators::latest_figures(
        &crate::storage::indicators::catalogue(&db).await?,
        &crate::storage::indicators::values(
            &db,
            scoped.municipality.municipality_id,
            match district.as_str() {
                "gesamt" => crate::storage::indicators::ValueScope::Municipality,
                code => crate::storage::indicators::ValueScope::District(code),
            },
        )
        .await?,
        (district != "gesamt").then_some(district.as_str()),
    );
    Ok(ProfileView {
        language: language.clone(),
        municipality: scoped.municipality.name.clone(),
        municipality_id: scoped.municipality.municipality_id,
        wave_id: wave,
        wave: scoped.wave.name.clone(),
        district_code: district.clone(),
        district: district_name,
        districts: districts.into_iter().map(|d| (d.code, d.name)).collect(),
        grades,
        grade,
        sex: sex_name.clone(),
        group_n: group.and_then(|g| {
            g.factors
                .iter()
                .filter_map(|c| c.figures.as_ref())
                .map(|f| f.n)
                .max()
        }),
        charts,
        rows,
        reference: reference_choice,
        min_group_size: table.min_group_size,
        versions: format!(
            "{} · {} · {}",
            table.versions.instrument, table.versions.cut_points, table.versions.validity_rules
        ),
        excluded: table.excluded_flagged,
        csv_url: format!(
            "/api/csv/profile?wave={wave}&{}{}",
            filter_query(
                &district,
                grade,
                sex_name.as_deref(),
                reference_key.as_deref()
            ),
            if weighting.weighted {
                "&weighted=1"
            } else {
                ""
            }
        ),
        context,
        weighting,
    })
}

/// `/profil/{wave}/{district}?jahrgang=8&geschlecht=female`.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let data = Resource::new(
        move || {
            (
                params.with(|p| p.get("wave").and_then(|w| w.parse::<i64>().ok())),
                params.with(|p| p.get("district")).unwrap_or_default(),
                query.with(|q| q.get("jahrgang").and_then(|g| g.parse::<u8>().ok())),
                query.with(|q| q.get("geschlecht")),
                query.with(|q| q.get("referenz")),
                query.with(|q| q.get("gewichtet")),
                language_code(i18n.get_locale()),
            )
        },
        |(wave, district, grade, sex, reference, weighted, language)| async move {
            match wave {
                Some(wave) => {
                    load_profile_view(wave, district, grade, sex, reference, weighted, language)
                        .await
                }
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <ResultsPage class="page profile" data body=|view| view! { <ProfileBody view /> }.into_any() />
    }
}

#[component]
fn ProfileBody(view: ProfileView) -> impl IntoView {
    let language = view.language.clone();
    let l = |de: &str, en: &str| de_en(&language, de, en);
    let base = format!("/profil/{}", view.wave_id);
    let sex_options = [
        ("", l("alle", "all")),
        ("female", l("weiblich", "female")),
        ("male", l("männlich", "male")),
        ("diverse", l("divers", "diverse")),
        ("no_answer", l("keine Angabe", "no answer")),
    ];
    let selected_sex = view.sex.clone().unwrap_or_default();
    let group_size = match view.group_n {
        Some(n) => de_en(
            &language,
            &format!("{n} gültige Fragebögen"),
            &format!("{n} valid questionnaires"),
        ),
        None => l(
            "zu wenige Fragebögen für eine Auswertung",
            "too few questionnaires to report",
        ),
    };
    let trend_href = format!("/trend/{}/{}", view.municipality_id, view.district_code);
    // District links keep every filter; the comparison has no sex filter.
    let filters = page_query(
        view.grade,
        view.sex.as_deref(),
        view.reference.key.as_deref(),
    );
    let with_weighting = |query: &str, weighted: bool| match (weighted, query.is_empty()) {
        (false, _) => query.to_string(),
        (true, true) => "?gewichtet=1".to_string(),
        (true, false) => format!("{query}&gewichtet=1"),
    };
    let keep = with_weighting(&filters, view.weighting.weighted);
    let toggle = view.weighting.available.then(|| {
        let href = format!(
            "{base}/{}{}",
            view.district_code,
            with_weighting(&filters, !view.weighting.weighted)
        );
        let text = if view.weighting.weighted {
            l("Ungewichtet anzeigen", "Show unweighted")
        } else {
            l("Gewichtet anzeigen", "Show weighted")
        };
        view! { " " <a href=href class="weighting-toggle">{text}</a> }
    });
    let weighting_note = view! {
        <p class="notice weighting" data-weighted=view.weighting.weighted.to_string()>
            {view.weighting.note.clone()}
            {toggle}
        </p>
    };
    let comparison_href = format!(
        "/vergleich/{}{}",
        view.wave_id,
        page_query(view.grade, None, view.reference.key.as_deref())
    );
    let without_norm = view
        .rows
        .iter()
        .filter(|row| row.percent.is_some() && row.reference.is_none())
        .count();
    let norm_gap_note = (view.reference.key.is_some() && without_norm > 0).then(|| {
        view! {
            <p class="notice">
                {de_en(&language,
                    &format!("Für {without_norm} Faktoren enthalten die Vergleichswerte keinen Wert für diese Auswahl (z. B. nur Werte je Jahrgang): dort gibt es keinen Vergleich. Wählen Sie gegebenenfalls einen Jahrgang."),
                    &format!("For {without_norm} factors the reference values have no value for this selection (e.g. values per grade only): they are not compared. Choose a grade if needed."))}
            </p>
        }
    });
    let test_text = if view.weighting.weighted {
        (
            "nach Benjamini-Hochberg-Korrektur signifikant im Wald-Test der gewichteten Anteile (linearisierte Varianz)",
            "significant in the Wald test of the weighted shares (linearised variance) after Benjamini-Hochberg correction",
        )
    } else if view.reference.key.is_some() {
        (
            "nach Benjamini-Hochberg-Korrektur signifikant im exakten Binomialtest gegen den Vergleichswert",
            "significant in the exact binomial test against the reference value after Benjamini-Hochberg correction",
        )
    } else {
        (
            "nach Benjamini-Hochberg-Korrektur signifikant gegenüber dem Rest der Stadt",
            "significant against the rest of the city after Benjamini-Hochberg correction",
        )
    };
    let lang_for_rows = language.clone();
    view! {
        <p class="breadcrumb">
            <a href="/uebersicht">{l("Übersicht", "Overview")}</a>
            " › " {view.municipality.clone()} " › " {view.wave.clone()}
        </p>
        <h1>{format!("{} – {}", l("Gebietsprofil", "Area profile"), view.district)}</h1>
        <p class="meta">
            {format!("{} · {} · {}", view.wave, group_size, de_en(&language, &format!("Referenz: {}", view.reference.label), &format!("Reference: {}", view.reference.label)))}
        </p>
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
            <label>
                {l("Geschlecht", "Sex")}
                <select name="geschlecht">
                    {sex_options.into_iter().map(|(value, label)| view! {
                        <option value=value selected=selected_sex == value>{label}</option>
                    }).collect_view()}
                </select>
            </label>
            <ReferenceSelect choice=view.reference.clone() language=language.clone()
                default_label=l("Gesamte Stadt", "Whole city") />
            {view.weighting.weighted.then(|| view! { <input type="hidden" name="gewichtet" value="1" /> })}
            <button type="submit">{l("Anzeigen", "Show")}</button>
        </form>
        <ReferenceSource choice=view.reference.clone() language=language.clone() />
        {weighting_note}
        {norm_gap_note}
        <nav class="district-switch no-print" aria-label=l("Stadtteile", "Districts")>
            <a href=format!("{base}/gesamt{keep}") aria-current=(view.district_code == "gesamt").then_some("page")>{l("Gesamte Stadt", "Whole city")}</a>
            {view.districts.iter().map(|(code, name)| view! {
                <a href=format!("{base}/{code}{keep}") aria-current=(*code == view.district_code).then_some("page")>{name.clone()}</a>
            }).collect_view()}
        </nav>
        <p class="actions no-print">
            <a href=view.csv_url.clone() download>{l("Tabelle als CSV", "Table as CSV")}</a>
            <a href=comparison_href>{l("Stadtteilvergleich", "District comparison")}</a>
            <a href=trend_href>{l("Entwicklung", "Trends")}</a>
            <span class="hint">{l("Drucken: Strg+P – die Seite ist für den Druck gestaltet.", "Print: Ctrl+P – the page is laid out for print.")}</span>
        </p>
        {view.charts.into_iter().map(|data| view! {
            <section class="chart-section">
                <BarChart data />
            </section>
        }).collect_view()}
        <ContextIndicators figures=view.context.clone() language=language.clone() />
        <section class="table-section">
            <h2>{l("Tabelle", "Table")}</h2>
            <table class="data profile-table">
                <thead><tr>
                    <th scope="col">{l("Faktor", "Factor")}</th>
                    <th scope="col">{l("Art", "Kind")}</th>
                    <th scope="col" class="num">"n"</th>
                    <th scope="col" class="num">"%"</th>
                    <th scope="col" class="num">{l("95-%-KI", "95 % CI")}</th>
                    <th scope="col" class="num">{view.reference.label.clone()}</th>
                    <th scope="col" class="num">{l("Differenz (Pp.)", "Difference (pts)")}</th>
                    <th scope="col" class="num">{l("p (BH)", "p (BH)")}</th>
                    <th scope="col">{l("Bewertung", "Assessment")}</th>
                </tr></thead>
                <tbody>
                    {view.rows.into_iter().map(|row| {
                        let language = lang_for_rows.clone();
                        let dash = || "–".to_string();
                        view! {
                            <tr data-factor=row.factor_id.clone() class:elevated=row.concern.is_some()>
                                <th scope="row">{row.label.clone()}</th>
                                <td>{row.kind.clone()}</td>
                                <td class="num">{row.n.map_or_else(dash, |n| n.to_string())}</td>
                                <td class="num">{row.percent.map_or_else(dash, |p| percent_text(&language, p))}</td>
                                <td class="num">{row.ci.map_or_else(dash, |(a, b)| format!("{}–{}", number_text(&language, a), number_text(&language, b)))}</td>
                                <td class="num">{row.reference.map_or_else(dash, |p| percent_text(&language, p))}</td>
                                <td class="num">{row.difference.map_or_else(dash, |d| format!("{:+}", (d * 10.0).round() / 10.0).replace('.', if language == "en" { "." } else { "," }))}</td>
                                <td class="num">{row.p_adjusted.map_or_else(dash, |p| if p < 0.001 { "< 0,001".to_string() } else { number_text_3(&language, p) })}</td>
                                <td>{row.concern.clone().unwrap_or_default()}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <p class="footnote">
                {de_en(&language,
                    &format!("Anteile gültiger Fragebögen ({} wegen Gültigkeitsregeln ausgeschlossen). Intervalle: Wilson auf der effektiven Fallzahl (n geteilt durch den Designeffekt der Klassenstichprobe, siehe Datenqualität). Auffällig: mindestens 5 Prozentpunkte ungünstiger als die Referenz und {}. Gruppen unter {} Antworten werden nicht ausgewiesen. Versionen: {}.", view.excluded, test_text.0, view.min_group_size, view.versions),
                    &format!("Shares of valid questionnaires ({} excluded by validity rules). Intervals: Wilson on the effective sample size (n divided by the design effect of sampling whole classes, see data quality). Of concern: at least 5 points worse than the reference and {}. Groups below {} answers are not shown. Versions: {}.", view.excluded, test_text.1, view.min_group_size, view.versions))}
            </p>
        </section>
    }
}

/// The district's context indicators beside the survey factors: the
/// latest value, the city's value of the same period and the change since
/// the previous period, each with its source (the demo's say they are
/// fictional).
#[component]
fn ContextIndicators(
    figures: Vec<crate::domain::indicators::IndicatorFigure>,
    language: String,
) -> impl IntoView {
    if figures.is_empty() {
        return ().into_any();
    }
    let l = |de: &str, en: &str| de_en(&language, de, en);
    // Each source once, however the catalogue orders its indicators.
    let sources: Vec<String> = figures
        .iter()
        .map(|f| format!("{} ({})", f.indicator.source, f.indicator.licence))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let lang = language.clone();
    view! {
        <section class="table-section context-indicators">
            <h2>{l("Kontextindikatoren", "Context indicators")}</h2>
            <p class="meta">{l(
                "Daten anderer Ämter über den Stadtteil als Ganzes (nicht über die befragten Jugendlichen); sie gelten für alle Jahrgänge und Geschlechter.",
                "Data of other offices about the district as a whole (not about the pupils surveyed); they apply to every grade and sex.",
            )}</p>
            <table class="data context-table">
                <thead><tr>
                    <th scope="col">{l("Indikator", "Indicator")}</th>
                    <th scope="col">{l("Zeitraum", "Period")}</th>
                    <th scope="col" class="num">{l("Wert", "Value")}</th>
                    <th scope="col" class="num">{l("Stadt", "City")}</th>
                    <th scope="col" class="num">{l("Vorher", "Before")}</th>
                    <th scope="col" class="num">{l("Veränderung", "Change")}</th>
                </tr></thead>
                <tbody>
                    {figures.into_iter().map(|figure| {
                        let language = lang.clone();
                        let dash = || "–".to_string();
                        let worse = figure.worsening_percent.is_some_and(|p| p > 0.0);
                        let change = figure
                            .worsening_percent
                            .map_or_else(dash, |p| super::common::indicator_change_text(&language, p));
                        view! {
                            <tr data-indicator=figure.indicator.key.clone() class:worsened=worse>
                                <th scope="row">{format!("{} ({})", figure.indicator.label(&language), figure.indicator.unit)}</th>
                                <td>{figure.period.to_string()}</td>
                                <td class="num">{number_text(&language, figure.value)}</td>
                                <td class="num">{figure.city_value.map_or_else(dash, |v| number_text(&language, v))}</td>
                                <td class="num">{figure.previous.map_or_else(dash, |(period, v)| format!("{} ({period})", number_text(&language, v)))}</td>
                                <td class="num">{change}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <p class="footnote">{format!("{}: {}", l("Quellen", "Sources"), sources.join("; "))}</p>
        </section>
    }
    .into_any()
}

fn number_text_3(language: &str, value: f64) -> String {
    let text = format!("{value:.3}");
    if language == "en" {
        text
    } else {
        text.replace('.', ",")
    }
}
