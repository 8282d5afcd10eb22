//! `/katalog`: the program catalog for everyone who plans, with a form for
//! admins to add or change one program (the CSV import is the bulk path).

use super::common::{ResultsPage, de_en, language_code};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// One catalog row for display, with the raw values the edit form needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CatalogLine {
    /// The CSV fields in `CATALOG_COLUMNS` order.
    pub fields: Vec<String>,
    /// Evidence level, as shown.
    pub evidence: String,
    /// Settings, as shown.
    pub settings: String,
}

/// The catalog page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CatalogView {
    /// Page language.
    pub language: String,
    /// Programs by name.
    pub programs: Vec<CatalogLine>,
    /// May edit (admins).
    pub can_edit: bool,
    /// CSRF token of the form.
    pub csrf_token: String,
    /// Column names of the form fields.
    pub columns: Vec<String>,
}

/// The catalog.
#[server(prefix = "/api", endpoint = "catalog_view")]
pub async fn load_catalog_view(language: String) -> Result<CatalogView, AppError> {
    use crate::domain::access::Role;
    use crate::domain::planning::catalog::{CATALOG_COLUMNS, catalog_row};
    let db = crate::storage::db()?;
    let signed_in = crate::auth::require_signed_in().await?;
    if !signed_in.principal.sees_results() {
        super::common::set_status(http::StatusCode::FORBIDDEN);
        return Err(AppError::Forbidden);
    }
    let programs = crate::storage::planning::programs::catalog(&db)
        .await?
        .into_iter()
        .map(|(_, p)| CatalogLine {
            evidence: p.evidence.label(&language).to_string(),
            settings: p
                .settings
                .iter()
                .map(|s| s.label(&language).to_string())
                .collect::<Vec<_>>()
                .join(", "),
            fields: catalog_row(&p),
        })
        .collect();
    Ok(CatalogView {
        language,
        programs,
        can_edit: signed_in.principal.role == Role::Admin,
        csrf_token: signed_in.csrf_token,
        columns: CATALOG_COLUMNS.iter().map(|c| c.to_string()).collect(),
    })
}

/// `/katalog[?bearbeiten=KEY]`.
#[component]
pub fn CatalogPage() -> impl IntoView {
    let i18n = use_i18n();
    let data = Resource::new(move || language_code(i18n.get_locale()), load_catalog_view);
    view! {
        <ResultsPage class="page catalog" data body=|view| view! { <CatalogBody view /> }.into_any() />
    }
}

#[component]
fn CatalogBody(view: CatalogView) -> impl IntoView {
    let language = view.language.clone();
    let l = |de: &str, en: &str| de_en(&language, de, en);
    let query = use_query_map();
    let editing = query
        .with_untracked(|q| q.get("bearbeiten"))
        .unwrap_or_default();
    let current: Vec<String> = view
        .programs
        .iter()
        .find(|p| p.fields.first() == Some(&editing))
        .map(|p| p.fields.clone())
        .unwrap_or_else(|| vec![String::new(); view.columns.len()]);
    let message_language = language.clone();
    let message = move || {
        let language = message_language.clone();
        query.with(|q| {
            if q.get("gespeichert").is_some() {
                return Some((false, de_en(&language, "Gespeichert.", "Saved.")));
            }
            q.get("fehler").map(|text| (true, text))
        })
    };
    let hints = [
        (
            "key",
            l("Kürzel (A–Z, 0–9, - und _)", "key (A–Z, 0–9, - and _)"),
        ),
        ("name", l("Name", "Name")),
        ("provider", l("Anbieter", "Provider")),
        ("description", l("Kurzbeschreibung", "Short description")),
        (
            "factors",
            l(
                "Faktoren (Skalen-Ids, mit ; getrennt)",
                "Factors (scale ids, separated by ;)",
            ),
        ),
        ("grade_min", l("Jahrgang von", "Grade from")),
        ("grade_max", l("Jahrgang bis", "Grade to")),
        (
            "settings",
            l(
                "Settings (family; school; community; individual)",
                "Settings (family; school; community; individual)",
            ),
        ),
        (
            "evidence_level",
            l(
                "Evidenz (proven, likely, founded, model_plus, model, promising)",
                "Evidence (proven, likely, founded, model_plus, model, promising)",
            ),
        ),
        ("cost_notes", l("Kosten", "Costs")),
        ("link", l("Link (https://…)", "Link (https://…)")),
        (
            "demo",
            l("Demo-Eintrag (true/false)", "Demo entry (true/false)"),
        ),
    ];
    let form = view.can_edit.then(|| {
        let fields = view.columns.iter().zip(current.clone()).map(|(column, value)| {
            let label = hints
                .iter()
                .find(|(c, _)| c == column)
                .map_or(column.clone(), |(_, h)| h.clone());
            let id = format!("catalog-{column}");
            view! {
                <label for=id.clone()>{label}</label>
                <input id=id type="text" name=column.clone() value=value />
            }
        }).collect_view();
        view! {
            <section class="no-print">
                <h2>{l("Programm anlegen oder ändern", "Add or change a program")}</h2>
                <p class="footnote">{l("Ein vorhandenes Kürzel ändert das Programm; ein neues legt es an. Viele Programme auf einmal: server import-programs.", "An existing key changes the program; a new key adds it. Many programs at once: server import-programs.")}</p>
                <form method="post" action="/katalog" class="stacked-form">
                    <input type="hidden" name="csrf" value=view.csrf_token.clone() />
                    {fields}
                    <button type="submit">{l("Speichern", "Save")}</button>
                </form>
            </section>
        }
    });
    let empty = view.programs.is_empty();
    let can_edit = view.can_edit;
    let row_language = language.clone();
    view! {
        <p class="breadcrumb"><a href="/uebersicht">{l("Übersicht", "Overview")}</a></p>
        <h1>{l("Programmkatalog", "Program catalog")}</h1>
        {move || message().map(|(error, text)| view! {
            <p class=if error { "error" } else { "notice success" } role="alert">{text}</p>
        })}
        {empty.then(|| view! { <p class="notice">{l("Der Katalog ist leer. Mit „server import-programs DATEI.csv“ einlesen.", "The catalog is empty. Load it with “server import-programs FILE.csv”.")}</p> })}
        <table class="data catalog-table">
            <thead><tr>
                <th scope="col">{l("Programm", "Program")}</th>
                <th scope="col">{l("Anbieter", "Provider")}</th>
                <th scope="col">{l("Faktoren", "Factors")}</th>
                <th scope="col">{l("Jahrgänge", "Grades")}</th>
                <th scope="col">{l("Setting", "Setting")}</th>
                <th scope="col">{l("Evidenz", "Evidence")}</th>
            </tr></thead>
            <tbody>
                {view.programs.into_iter().map(|p| {
                    let f = |i: usize| p.fields.get(i).cloned().unwrap_or_default();
                    let key = f(0);
                    let language = row_language.clone();
                    view! {
                        <tr data-program=key.clone()>
                            <th scope="row">
                                {f(1)}
                                {can_edit.then(|| view! { <br /><a class="no-print" href=format!("/katalog?bearbeiten={key}")>{de_en(&language, "bearbeiten", "edit")}</a> })}
                            </th>
                            <td>{f(2)}</td>
                            <td>{f(4).replace(';', ", ")}</td>
                            <td>{format!("{}–{}", f(5), f(6))}</td>
                            <td>{p.settings.clone()}</td>
                            <td>{p.evidence.clone()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        {form}
    }
}
