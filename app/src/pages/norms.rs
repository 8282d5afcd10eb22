//! `/vergleichswerte`: the stored norm sets (reference values of larger
//! surveys) with their sources, for everyone who reads results; admins
//! import, replace and delete sets here (or with `server norms`).

use super::common::{ResultsPage, de_en, language_code};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// One norm set as listed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NormSetLine {
    /// URL key.
    pub key: String,
    /// Name next to the reference marker.
    pub label: String,
    /// Where the values come from.
    pub source: String,
    /// Instrument key the values refer to.
    pub instrument_key: String,
    /// Number of values.
    pub values: i64,
    /// Import date.
    pub imported_on: String,
}

/// The norms page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NormsView {
    /// Page language.
    pub language: String,
    /// Stored sets, by label.
    pub sets: Vec<NormSetLine>,
    /// May import and delete (admins).
    pub can_edit: bool,
    /// CSRF token of the forms.
    pub csrf_token: String,
    /// Keys of the stored instruments (for the import form).
    pub instruments: Vec<String>,
}

/// The stored norm sets.
#[server(prefix = "/api", endpoint = "norms_view")]
pub async fn load_norms_view(language: String) -> Result<NormsView, AppError> {
    use crate::domain::access::Role;
    let db = crate::storage::db()?;
    let signed_in = crate::auth::require_signed_in().await?;
    if !signed_in.principal.sees_results() {
        super::common::set_status(http::StatusCode::FORBIDDEN);
        return Err(AppError::Forbidden);
    }
    let sets = crate::storage::analysis::norms::list(&db)
        .await?
        .into_iter()
        .map(|s| NormSetLine {
            key: s.key,
            label: s.label,
            source: s.source,
            instrument_key: s.instrument_key,
            values: s.values,
            imported_on: s.imported_on,
        })
        .collect();
    let mut instruments: Vec<String> = crate::storage::survey::instruments::list(&db)
        .await?
        .into_iter()
        .map(|(_, key, _, _)| key)
        .collect();
    instruments.sort();
    instruments.dedup();
    Ok(NormsView {
        language,
        sets,
        can_edit: signed_in.principal.role == Role::Admin,
        csrf_token: signed_in.csrf_token,
        instruments,
    })
}

/// `/vergleichswerte[?gespeichert=KEY|geloescht=KEY|fehler=TEXT]`.
#[component]
pub fn NormsPage() -> impl IntoView {
    let i18n = use_i18n();
    let data = Resource::new(move || language_code(i18n.get_locale()), load_norms_view);
    view! {
        <ResultsPage class="page norms" data body=|view| view! { <NormsBody view /> }.into_any() />
    }
}

#[component]
fn NormsBody(view: NormsView) -> impl IntoView {
    let language = view.language.clone();
    let l = |de: &str, en: &str| de_en(&language, de, en);
    let query = use_query_map();
    let message_language = language.clone();
    let message = move || {
        let language = message_language.clone();
        query.with(|q| {
            if let Some(key) = q.get("gespeichert") {
                return Some((
                    false,
                    de_en(
                        &language,
                        &format!("Vergleichswerte „{key}“ gespeichert."),
                        &format!("Reference values \"{key}\" saved."),
                    ),
                ));
            }
            if let Some(key) = q.get("geloescht") {
                return Some((
                    false,
                    de_en(
                        &language,
                        &format!("Vergleichswerte „{key}“ gelöscht."),
                        &format!("Reference values \"{key}\" deleted."),
                    ),
                ));
            }
            q.get("fehler").map(|text| (true, text))
        })
    };
    let can_edit = view.can_edit;
    let csrf = view.csrf_token.clone();
    let form = can_edit.then(|| {
        view! {
            <section class="no-print">
                <h2>{l("Vergleichswerte einlesen", "Import reference values")}</h2>
                <p class="footnote">{l(
                    "CSV mit den Spalten factor (Skalen- oder Outcome-Id), grade (leer = alle Jahrgänge) und percent (0–100). Jeder Fehler wird mit Zeile und Spalte gemeldet; dann wird nichts gespeichert.",
                    "CSV with the columns factor (scale or outcome id), grade (empty = all grades) and percent (0–100). Every problem is reported with row and column; then nothing is stored.",
                )}</p>
                <form method="post" action="/vergleichswerte" class="stacked-form">
                    <input type="hidden" name="csrf" value=csrf.clone() />
                    <label for="norm-key">{l("Kürzel für Adressen (a–z, 0–9, -)", "Key for addresses (a–z, 0–9, -)")}</label>
                    <input id="norm-key" type="text" name="key" required placeholder="land-2024" />
                    <label for="norm-label">{l("Bezeichnung", "Name")}</label>
                    <input id="norm-label" type="text" name="label" required placeholder="Landesbefragung 2024" />
                    <label for="norm-source">{l("Quelle", "Source")}</label>
                    <input id="norm-source" type="text" name="source" />
                    <label for="norm-instrument">{l("Fragebogen", "Questionnaire")}</label>
                    <select id="norm-instrument" name="instrument">
                        {view.instruments.iter().map(|key| view! { <option value=key.clone()>{key.clone()}</option> }).collect_view()}
                    </select>
                    <label for="norm-csv">{l("Werte (CSV)", "Values (CSV)")}</label>
                    <textarea id="norm-csv" name="csv" rows="10" required placeholder="factor,grade,percent\nfam_conflict,,31.5\nfam_conflict,8,29"></textarea>
                    <label class="checkbox">
                        <input type="checkbox" name="replace" value="true" />
                        {l("Vorhandene Werte mit diesem Kürzel ersetzen", "Replace existing values with this key")}
                    </label>
                    <button type="submit">{l("Einlesen", "Import")}</button>
                </form>
            </section>
        }
    });
    let empty = view.sets.is_empty();
    let row_language = language.clone();
    view! {
        <p class="breadcrumb"><a href="/uebersicht">{l("Übersicht", "Overview")}</a></p>
        <h1>{l("Vergleichswerte", "Reference values")}</h1>
        <p>{l(
            "Anteile einer größeren Befragung (z. B. einer Landesbefragung), mit denen Profile und Stadtteilvergleiche statt mit der Gesamtstadt verglichen werden können („Vergleich mit“). Sie gelten als fest bekannt (exakter Binomialtest).",
            "Shares of a larger survey (e.g. a state survey) that profiles and district comparisons can be compared with instead of the whole city (\"Compare with\"). They are treated as known without error (exact binomial test).",
        )}</p>
        {move || message().map(|(error, text)| view! {
            <p class=if error { "error" } else { "notice success" } role="alert">{text}</p>
        })}
        {empty.then(|| view! { <p class="notice">{l("Noch keine Vergleichswerte gespeichert.", "No reference values stored yet.")}</p> })}
        {(!empty).then(|| view! {
            <table class="data norms-table">
                <thead><tr>
                    <th scope="col">{l("Bezeichnung", "Name")}</th>
                    <th scope="col">{l("Kürzel", "Key")}</th>
                    <th scope="col">{l("Quelle", "Source")}</th>
                    <th scope="col">{l("Fragebogen", "Questionnaire")}</th>
                    <th scope="col" class="num">{l("Werte", "Values")}</th>
                    <th scope="col">{l("Eingelesen", "Imported")}</th>
                    <th scope="col" class="no-print">{l("Aktionen", "Actions")}</th>
                </tr></thead>
                <tbody>
                    {view.sets.into_iter().map(|set| {
                        let language = row_language.clone();
                        let csrf = csrf.clone();
                        view! {
                            <tr data-norm-set=set.key.clone()>
                                <th scope="row">{set.label.clone()}</th>
                                <td><code>{set.key.clone()}</code></td>
                                <td>{set.source.clone()}</td>
                                <td>{set.instrument_key.clone()}</td>
                                <td class="num">{set.values}</td>
                                <td>{set.imported_on.clone()}</td>
                                <td class="actions no-print">
                                    <a href=format!("/api/csv/norms?reference={}", set.key) download>{de_en(&language, "CSV", "CSV")}</a>
                                    {can_edit.then(|| view! {
                                        <form method="post" action="/vergleichswerte/loeschen" class="inline-form">
                                            <input type="hidden" name="csrf" value=csrf />
                                            <input type="hidden" name="key" value=set.key.clone() />
                                            <button type="submit" class="secondary">{de_en(&language, "Löschen", "Delete")}</button>
                                        </form>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        })}
        {form}
    }
}
