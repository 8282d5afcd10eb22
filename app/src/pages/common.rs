//! Pieces every signed-in page uses: the results-page frame, the error
//! notice, the language of the request, short bilingual texts, and (server
//! only) loading a wave with its access scope and the profile table a
//! results page shows, weighted or not.

use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;

/// The view of a page under `/…/{municipality}`, loaded by `load` with the
/// municipality of the URL and the page language (reloaded when either
/// changes); a municipality that is not a number is "not found".
pub fn municipality_view<T, F, Fut>(load: F) -> Resource<Result<T, AppError>>
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    F: Fn(i64, String) -> Fut + Copy + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<T, AppError>> + Send + 'static,
{
    let i18n = use_i18n();
    let params = leptos_router::hooks::use_params_map();
    Resource::new(
        move || {
            (
                params.with(|p| p.get("municipality").and_then(|m| m.parse::<i64>().ok())),
                language_code(i18n.get_locale()),
            )
        },
        move |(municipality, language)| async move {
            match municipality {
                Some(m) => load(m, language).await,
                None => Err(AppError::NotFound),
            }
        },
    )
}

/// German or English text by language code. Used for texts that are built
/// together with data (chart legends, notes); fixed UI texts come from the
/// locale files.
pub fn de_en(language: &str, de: &str, en: &str) -> String {
    if language == "en" { en } else { de }.to_string()
}

/// The current UI language as a code (`de`, `en`).
pub fn language_code(locale: Locale) -> String {
    locale.to_string()
}

/// A designed page for a failed load: sign in, not allowed, not found, or
/// a server error. The HTTP status was set by the server function.
#[component]
pub fn ErrorNotice(error: AppError, language: String) -> impl IntoView {
    // The page's status follows the error, whichever step raised it (the
    // results routes render in async mode, so headers are not sent yet).
    #[cfg(feature = "ssr")]
    set_status(match &error {
        AppError::Unauthenticated => http::StatusCode::UNAUTHORIZED,
        AppError::Forbidden => http::StatusCode::FORBIDDEN,
        AppError::NotFound => http::StatusCode::NOT_FOUND,
        AppError::InvalidInput(_) => http::StatusCode::BAD_REQUEST,
        // Not an error of the request: the resource (published results)
        // does not exist yet.
        AppError::NotPublished(_) => http::StatusCode::CONFLICT,
        AppError::Preparing => http::StatusCode::SERVICE_UNAVAILABLE,
        _ => http::StatusCode::INTERNAL_SERVER_ERROR,
    });
    let (title, text, sign_in) = match &error {
        AppError::Unauthenticated => (
            de_en(&language, "Bitte anmelden", "Please sign in"),
            de_en(
                &language,
                "Diese Seite zeigt Ergebnisse der Befragung und ist nur nach der Anmeldung sichtbar.",
                "This page shows survey results and is visible only after signing in.",
            ),
            true,
        ),
        AppError::Forbidden => (
            de_en(&language, "Keine Berechtigung", "Not allowed"),
            de_en(
                &language,
                "Ihr Konto hat keinen Zugriff auf diese Daten. Ergebnisse sind nur für die eigene Kommune (bzw. die eigene Region oder betreute Kommunen) sichtbar; Schulkontakte sehen nur die Teilnahme ihrer Schule.",
                "Your account has no access to this data. Results are visible only for your own municipality (or region, or the municipalities you support); school contacts see only their school's participation.",
            ),
            false,
        ),
        AppError::NotFound => (
            de_en(&language, "Nicht gefunden", "Not found"),
            de_en(
                &language,
                "Diese Welle, diesen Stadtteil oder diese Kommune gibt es nicht.",
                "This wave, district or municipality does not exist.",
            ),
            false,
        ),
        AppError::InvalidInput(message) => (
            de_en(&language, "Ungültige Eingabe", "Invalid input"),
            message.clone(),
            false,
        ),
        AppError::NotPublished(closes_on) => (
            de_en(&language, "Noch keine Ergebnisse", "No results yet"),
            de_en(
                &language,
                &format!(
                    "Die Befragung dieser Welle läuft noch (bis {closes_on}). Ergebnisse werden erst veröffentlicht, wenn die Welle abgeschlossen ist – sonst ließen sich aus zwei Abrufen kurz nacheinander die Antworten einzelner Schülerinnen und Schüler berechnen. Bis dahin ist nur die Beteiligung sichtbar."
                ),
                &format!(
                    "The survey of this wave is still running (until {closes_on}). Results are published only once the wave has closed – otherwise two readings a few minutes apart would give single pupils' answers. Until then only participation is visible."
                ),
            ),
            false,
        ),
        AppError::Preparing => (
            de_en(
                &language,
                "Ergebnisse werden berechnet",
                "Results are being prepared",
            ),
            de_en(
                &language,
                "Die Welle ist abgeschlossen; ihre Ergebnisse werden gerade berechnet. Bitte in einer Minute neu laden.",
                "The wave has closed; its results are being computed. Please reload in a minute.",
            ),
            false,
        ),
        _ => (
            de_en(&language, "Fehler", "Error"),
            de_en(
                &language,
                "Die Daten konnten nicht geladen werden. Bitte später erneut versuchen.",
                "The data could not be loaded. Please try again later.",
            ),
            false,
        ),
    };
    view! {
        <div class="notice error" role="alert">
            <h1>{title}</h1>
            <p>{text}</p>
            {sign_in.then(|| view! {
                <p><a class="button" href="/anmelden">{de_en(&language, "Zur Anmeldung", "Sign in")}</a></p>
            })}
        </div>
    }
}

/// The frame of every results page: a `<section>` that shows "loading"
/// while `data` loads, then `body` with the loaded view, or the
/// [`ErrorNotice`] (which also sets the HTTP status) if loading failed.
///
/// One place for this keeps the pages' loading and error behaviour the
/// same: the Suspense resolves on the server (async rendering), so the
/// page works without JavaScript and a refused or unpublished result gets
/// its status code.
#[component]
pub fn ResultsPage<T, B>(
    /// The section's classes, e.g. `page profile`.
    class: &'static str,
    /// The page's view, loaded by its server function.
    data: Resource<Result<T, AppError>>,
    /// Renders the loaded view. It returns an `AnyView` rather than a
    /// generic view type on purpose: a generic body type would become part
    /// of the name of every rendering function instantiated for this frame,
    /// and the page bodies' view types are huge (the server's debug
    /// strings grew past 4 GiB and no longer linked).
    body: B,
) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    B: Fn(T) -> AnyView + Copy + Send + Sync + 'static,
{
    let i18n = use_i18n();
    view! {
        <section class=class>
            <Suspense fallback=move || view! { <p class="loading">{t!(i18n, status_loading)}</p> }>
                {move || Suspend::new(async move {
                    let language = language_code(i18n.get_locale_untracked());
                    match data.await {
                        Ok(view) => body(view),
                        Err(error) => view! { <ErrorNotice error language /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// A wave with its municipality and the scope the access policy checks.
#[cfg(feature = "ssr")]
pub struct ScopedWave {
    /// The wave.
    pub wave: crate::storage::waves::WaveRow,
    /// Its municipality.
    pub municipality: crate::storage::geography::MunicipalityScopeRow,
}

/// Loads a wave and checks that the signed-in user may do `action` in its
/// municipality (401/403 otherwise, 404 for an unknown wave).
#[cfg(feature = "ssr")]
pub async fn scoped_wave(
    db: &crate::storage::Db,
    wave_id: i64,
    action: crate::domain::access::Action,
) -> Result<(ScopedWave, crate::domain::access::Principal), AppError> {
    // Sign-in is checked before existence, so strangers cannot probe ids.
    crate::auth::require_signed_in().await?;
    let Some(wave) = crate::storage::waves::find(db, &wave_id.to_string()).await? else {
        set_status(http::StatusCode::NOT_FOUND);
        return Err(AppError::NotFound);
    };
    let municipality = crate::storage::geography::municipality(db, wave.municipality_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let principal = crate::auth::require(action, &municipality.scope()).await?;
    Ok((ScopedWave { wave, municipality }, principal))
}

/// Loads a municipality and checks the action like [`scoped_wave`].
#[cfg(feature = "ssr")]
pub async fn scoped_municipality(
    db: &crate::storage::Db,
    municipality_id: i64,
    action: crate::domain::access::Action,
) -> Result<
    (
        crate::storage::geography::MunicipalityScopeRow,
        crate::domain::access::Principal,
    ),
    AppError,
> {
    crate::auth::require_signed_in().await?;
    let Some(municipality) = crate::storage::geography::municipality(db, municipality_id).await?
    else {
        set_status(http::StatusCode::NOT_FOUND);
        return Err(AppError::NotFound);
    };
    let principal = crate::auth::require(action, &municipality.scope()).await?;
    Ok((municipality, principal))
}

/// Sets the response status of the current request.
#[cfg(feature = "ssr")]
pub fn set_status(status: http::StatusCode) {
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        options.set_status(status);
    }
}

/// A share in percent with one decimal and a decimal comma for German.
pub fn percent_text(language: &str, value: f64) -> String {
    let text = format!("{value:.1}");
    if language == "en" {
        format!("{text} %")
    } else {
        format!("{} %", text.replace('.', ","))
    }
}

/// A context indicator's change as the pages word it: "12,3 %
/// ungünstiger", "4,0 % günstiger" or "unverändert", from its worsening in
/// percent ([`crate::domain::indicators::Direction::worsening_percent`]).
pub fn indicator_change_text(language: &str, worsening_percent: f64) -> String {
    let amount = number_text(language, worsening_percent.abs());
    if worsening_percent > 0.0 {
        de_en(
            language,
            &format!("{amount} % ungünstiger"),
            &format!("{amount} % worse"),
        )
    } else if worsening_percent < 0.0 {
        de_en(
            language,
            &format!("{amount} % günstiger"),
            &format!("{amount} % better"),
        )
    } else {
        de_en(language, "unverändert", "unchanged")
    }
}

/// A number with one decimal in the page language.
pub fn number_text(language: &str, value: f64) -> String {
    let text = format!("{value:.1}");
    if language == "en" {
        text
    } else {
        text.replace('.', ",")
    }
}

/// Refuses a grade filter the wave did not survey.
pub fn check_grade(grades: &[u8], grade: Option<u8>) -> Result<(), AppError> {
    match grade {
        Some(g) if !grades.contains(&g) => Err(AppError::InvalidInput(format!(
            "grade {g} was not surveyed in this wave"
        ))),
        _ => Ok(()),
    }
}

/// What a results page compares with, as the page shows it and its filter
/// form offers it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReferenceChoice {
    /// Name of the reference: the norm set's label, or the default's
    /// (e.g. "Gesamte Stadt").
    pub label: String,
    /// The chosen norm set's key; `None` = the page's default reference.
    pub key: Option<String>,
    /// Where the norm values come from (empty for the default).
    pub source: String,
    /// Norm sets the page offers: (key, label).
    pub options: Vec<(String, String)>,
}

#[cfg(feature = "ssr")]
impl ReferenceChoice {
    /// The choice of `set` (or the default, named `default_label`) among
    /// `offered`.
    pub fn new(
        set: Option<&crate::storage::analysis::norms::NormSet>,
        default_label: String,
        offered: Vec<crate::storage::analysis::norms::NormSet>,
    ) -> ReferenceChoice {
        ReferenceChoice {
            label: set.map_or(default_label, |s| s.label.clone()),
            key: set.map(|s| s.key.clone()),
            source: set.map(|s| s.source.clone()).unwrap_or_default(),
            options: offered.into_iter().map(|s| (s.key, s.label)).collect(),
        }
    }
}

/// The "Vergleich mit" field of a results page's filter form: the default
/// (empty value, named `default_label`) or one of the offered norm sets.
/// Renders nothing when there are no norm sets, so pages without them stay
/// simple.
#[component]
pub fn ReferenceSelect(
    /// The current choice and the offered sets.
    choice: ReferenceChoice,
    /// Page language.
    language: String,
    /// Label of the default choice, e.g. "Gesamte Stadt".
    default_label: String,
) -> impl IntoView {
    let selected = choice.key.unwrap_or_default();
    (!choice.options.is_empty()).then(|| {
        view! {
            <label>
                {de_en(&language, "Vergleich mit", "Compare with")}
                <select name="referenz">
                    <option value="" selected=selected.is_empty()>{default_label}</option>
                    {choice.options.into_iter().map(|(key, label)| {
                        let is_selected = key == selected;
                        view! { <option value=key selected=is_selected>{label}</option> }
                    }).collect_view()}
                </select>
            </label>
        }
    })
}

/// Where the reference values of a page come from; nothing for the
/// default reference.
#[component]
pub fn ReferenceSource(choice: ReferenceChoice, language: String) -> impl IntoView {
    let ReferenceChoice { label, source, .. } = choice;
    (!source.is_empty()).then(|| {
        view! {
            <p class="reference-source">
                {de_en(&language, &format!("Vergleichswerte „{label}“: {source}"), &format!("Reference values \"{label}\": {source}"))}
            </p>
        }
    })
}

/// Whether a results page shows weighted figures (`?gewichtet=1`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WeightingChoice {
    /// The wave has population counts, so weighted figures can be shown.
    pub available: bool,
    /// The figures shown are weighted.
    pub weighted: bool,
    /// What the page says about it (source of the counts, coverage).
    pub note: String,
}

/// Parses the `gewichtet` parameter of a results URL.
#[cfg(feature = "ssr")]
fn parse_weighted(value: Option<&str>) -> Result<bool, AppError> {
    match value {
        None | Some("" | "0") => Ok(false),
        Some("1") => Ok(true),
        Some(other) => Err(AppError::InvalidInput(format!(
            "unknown gewichtet=\"{other}\" (0 or 1)"
        ))),
    }
}

/// The profile table of a results page, weighted if the URL's `gewichtet`
/// asks for it (400 for a value other than 0 or 1) and the wave has pupil
/// counts, with what the page says about the weighting.
#[cfg(feature = "ssr")]
pub async fn page_table(
    db: &crate::storage::Db,
    wave: &crate::storage::waves::WaveRow,
    norms: Option<&crate::domain::analysis::report::NormTable>,
    weighted: Option<&str>,
    language: &str,
) -> Result<
    (
        std::sync::Arc<crate::domain::analysis::report::ProfileTable>,
        WeightingChoice,
    ),
    AppError,
> {
    let found = if parse_weighted(weighted)? {
        crate::analysis::weighted_page_profile(db, wave, norms).await?
    } else {
        None
    };
    let Some((profile, import)) = found else {
        // Asked for weights the wave does not have: the unweighted figures,
        // and the note says why.
        let available = crate::storage::analysis::population::import_of(db, wave.wave_id)
            .await?
            .is_some();
        let note = if available {
            de_en(
                language,
                "Ungewichtet: jede Antwort zählt gleich.",
                "Unweighted: every answer counts the same.",
            )
        } else {
            de_en(
                language,
                "Ungewichtet: für diese Erhebung sind keine Schülerzahlen je Schulform und Jahrgang hinterlegt.",
                "Unweighted: no pupil counts per school type and grade are stored for this wave.",
            )
        };
        let table = crate::analysis::page_profile(db, wave, norms).await?;
        return Ok((
            table,
            WeightingChoice {
                available,
                weighted: false,
                note,
            },
        ));
    };
    let coverage = &profile.coverage;
    let mut note = de_en(
        language,
        &format!(
            "Gewichtet nach Schulform × Jahrgang auf die Schülerzahlen ({}, eingetragen am {}). n = ungewichtete Antworten; Intervalle und Tests mit der linearisierten Varianz der gewichteten Anteile.",
            import.source, import.imported_on
        ),
        &format!(
            "Weighted by school type × grade to the pupil counts ({}, entered on {}). n = unweighted answers; intervals and tests use the linearised variance of the weighted shares.",
            import.source, import.imported_on
        ),
    );
    if coverage.answers_left_out > 0 {
        note.push(' ');
        note.push_str(&de_en(
            language,
            &format!("{} Antworten ohne Schulform oder ohne Schülerzahl ihrer Schicht gehen nicht ein.", coverage.answers_left_out),
            &format!("{} answers without a school type or without a count for their stratum are left out.", coverage.answers_left_out),
        ));
    }
    if !coverage.strata_without_answers.is_empty() {
        let strata: Vec<String> = coverage
            .strata_without_answers
            .iter()
            .map(|s| format!("{} {}", s.school_type, s.grade))
            .collect();
        note.push(' ');
        note.push_str(&de_en(
            language,
            &format!(
                "Ohne Antworten und daher nicht vertreten: {}.",
                strata.join(", ")
            ),
            &format!(
                "Without answers and so not represented: {}.",
                strata.join(", ")
            ),
        ));
    }
    Ok((
        profile.table.clone(),
        WeightingChoice {
            available: true,
            weighted: true,
            note,
        },
    ))
}
