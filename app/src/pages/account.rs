//! Sign-in page, the header's account menu, and the overview of what the
//! signed-in user may open.

use super::common::{ResultsPage, de_en, language_code};
use crate::domain::access::Role;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// The signed-in user as the header shows them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// The CSRF token the sign-out form posts back.
    pub csrf_token: String,
}

/// Who is signed in, if anyone.
#[server(prefix = "/api", endpoint = "session_info")]
pub async fn load_session_info() -> Result<Option<SessionInfo>, AppError> {
    Ok(crate::auth::current().await?.map(|s| SessionInfo {
        display_name: s.principal.display_name,
        role: s.principal.role,
        csrf_token: s.csrf_token,
    }))
}

/// The role's name in the UI.
pub fn role_label(language: &str, role: Role) -> String {
    match role {
        Role::Admin => de_en(language, "Administration", "Administrator"),
        Role::Regional => de_en(language, "Regionalstelle", "Regional office"),
        Role::Coordinator => de_en(language, "Kommunale Koordination", "Municipal coordinator"),
        Role::SchoolContact => de_en(language, "Schulkontakt", "School contact"),
        Role::Trainer => de_en(language, "CTC-Trainer/in", "CTC trainer"),
    }
}

/// Header entry: the user's name and a sign-out button, or a sign-in link.
#[component]
pub fn AccountMenu() -> impl IntoView {
    let i18n = use_i18n();
    let info = Resource::new(|| (), |_| load_session_info());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let language = language_code(i18n.get_locale_untracked());
                match info.await {
                    Ok(Some(info)) => view! {
                        <div class="account">
                            <a href="/uebersicht" class="account-name">
                                {info.display_name.clone()}
                                <span class="role">{role_label(&language, info.role)}</span>
                            </a>
                            <form method="post" action="/abmelden" class="sign-out">
                                <input type="hidden" name="csrf" value=info.csrf_token.clone() />
                                <button type="submit" class="link-button">{t!(i18n, sign_out)}</button>
                            </form>
                        </div>
                    }.into_any(),
                    _ => view! { <a href="/anmelden" class="account">{t!(i18n, sign_in)}</a> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/anmelden`: the sign-in form (a plain POST to `/anmelden`).
#[component]
pub fn SignInPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let error = move || {
        query
            .with(|q| q.get("fehler"))
            .map(|code| match code.as_str() {
                "gesperrt" => t_string!(i18n, sign_in_throttled).to_string(),
                _ => t_string!(i18n, sign_in_wrong).to_string(),
            })
    };
    let next = move || query.with(|q| q.get("weiter")).unwrap_or_default();
    view! {
        <section class="page narrow">
            <h1>{t!(i18n, sign_in)}</h1>
            <p>{t!(i18n, sign_in_intro)}</p>
            {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
            <form method="post" action="/anmelden" class="stacked-form">
                <input type="hidden" name="next" value=next />
                <label for="email">{t!(i18n, sign_in_email)}</label>
                <input id="email" name="email" type="email" autocomplete="username" required />
                <label for="password">{t!(i18n, sign_in_password)}</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required />
                <button type="submit">{t!(i18n, sign_in)}</button>
            </form>
        </section>
    }
}

/// One wave in the overview.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WaveEntry {
    /// Wave id.
    pub wave_id: i64,
    /// Name.
    pub name: String,
    /// First and last day.
    pub period: String,
}

/// One municipality in the overview, with the links the user may follow.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MunicipalityEntry {
    /// Id.
    pub municipality_id: i64,
    /// Name.
    pub name: String,
    /// Waves, newest first.
    pub waves: Vec<WaveEntry>,
    /// May read results.
    pub results: bool,
    /// May read the quality panel.
    pub quality: bool,
    /// May read the participation of the whole municipality.
    pub participation: bool,
    /// May record priorities.
    pub priorities: bool,
    /// May set up the survey.
    pub setup: bool,
}

/// What the overview lists.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    /// Greeting name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Municipalities the user may see something of.
    pub municipalities: Vec<MunicipalityEntry>,
    /// A school contact's school: name and the municipality's waves.
    pub school: Option<(String, Vec<WaveEntry>)>,
}

/// The overview of the signed-in user.
#[server(prefix = "/api", endpoint = "overview")]
pub async fn load_overview() -> Result<Overview, AppError> {
    use crate::domain::access::Action;
    use crate::storage::{geography, waves};
    let db = crate::storage::db()?;
    let signed_in = crate::auth::require_signed_in().await?;
    let principal = signed_in.principal;
    let wave_entries = |rows: Vec<waves::WaveRow>| -> Vec<WaveEntry> {
        rows.into_iter()
            .rev()
            .map(|w| WaveEntry {
                wave_id: w.wave_id,
                name: w.name,
                period: format!("{} – {}", w.opens_on, w.closes_on),
            })
            .collect()
    };
    let mut municipalities = Vec::new();
    for m in geography::all_municipalities(&db).await? {
        let scope = m.scope();
        let results = principal.may(Action::ViewResults, &scope);
        let participation = principal.may(Action::ViewParticipation, &scope);
        if !(results || participation) {
            continue;
        }
        municipalities.push(MunicipalityEntry {
            municipality_id: m.municipality_id,
            name: m.name.clone(),
            waves: wave_entries(waves::of_municipality(&db, m.municipality_id).await?),
            results,
            quality: principal.may(Action::ViewQuality, &scope),
            participation,
            priorities: principal.may(Action::EditPriorities, &scope),
            setup: principal.may(Action::ManageSurvey, &scope),
        });
    }
    let school = match (principal.role, principal.school_id) {
        (Role::SchoolContact, Some(school)) => {
            match geography::school_municipality(&db, school).await? {
                Some((name, municipality)) => Some((
                    name,
                    wave_entries(waves::of_municipality(&db, municipality).await?),
                )),
                None => None,
            }
        }
        _ => None,
    };
    Ok(Overview {
        display_name: principal.display_name,
        role: principal.role,
        municipalities,
        school,
    })
}

/// `/uebersicht`: everything the user may open, per municipality and wave.
#[component]
pub fn OverviewPage() -> impl IntoView {
    let i18n = use_i18n();
    let data = Resource::new(move || i18n.get_locale(), |_| load_overview());
    let body = move |overview| {
        let language = language_code(i18n.get_locale_untracked());
        view! { <OverviewBody overview language /> }.into_any()
    };
    view! { <ResultsPage class="page" data body /> }
}

#[component]
fn OverviewBody(overview: Overview, language: String) -> impl IntoView {
    let l = |de: &str, en: &str| de_en(&language, de, en);
    let school = overview.school.clone().map(|(name, waves)| {
        view! {
            <h2>{name}</h2>
            <ul class="link-list">
                {waves.into_iter().map(|w| view! {
                    <li><a href=format!("/teilnahme/{}", w.wave_id)>{format!("{} – {}", w.name, de_en(&language, "Teilnahme", "participation"))}</a></li>
                }).collect_view()}
            </ul>
        }
    });
    let empty = overview.municipalities.is_empty() && overview.school.is_none();
    let compare_cities = overview.municipalities.iter().any(|m| m.results);
    view! {
        <h1>{l("Übersicht", "Overview")}</h1>
        <p>{format!("{} · {}", overview.display_name, role_label(&language, overview.role))}</p>
        {empty.then(|| view! { <p class="notice">{l("Ihrem Konto ist noch keine Kommune zugeordnet.", "No municipality is assigned to your account yet.")}</p> })}
        {(overview.role != Role::SchoolContact).then(|| view! {
            <p class="actions">
                {compare_cities.then(|| view! {
                    <a href="/kommunen">{l("Kommunen im Vergleich", "Municipalities compared")}</a>
                    <a href="/fruehwarnung">{l("Frühwarnung aller Kommunen", "Early warning of every municipality")}</a>
                })}
                <a href="/katalog">{l("Programmkatalog", "Program catalog")}</a>
                <a href="/vergleichswerte">{l("Vergleichswerte", "Reference values")}</a>
            </p>
        })}
        {school}
        {overview.municipalities.into_iter().map(|m| {
            let id = m.municipality_id;
            let no_waves = m.waves.is_empty();
            view! {
                <section class="municipality-card">
                    <h2>{m.name.clone()}</h2>
                    <p class="actions">
                        {m.results.then(|| view! {
                            <a href=format!("/trend/{id}/gesamt")>{l("Entwicklung über die Wellen", "Trends over waves")}</a>
                            <a href=format!("/fruehwarnung/{id}")>{l("Frühwarnung", "Early warning")}</a>
                        })}
                        {m.priorities.then(|| view! {
                            <a href=format!("/prioritaeten/{id}")>{l("Prioritäten", "Priorities")}</a>
                        })}
                        {m.setup.then(|| view! {
                            <a href=format!("/einrichtung/{id}")>{l("Befragung einrichten", "Set up the survey")}</a>
                        })}
                        {m.results.then(|| view! {
                            <a href=format!("/programme/{id}")>{l("Programmauswahl", "Program selection")}</a>
                            <a href=format!("/aktionsplan/{id}")>{l("Aktionsplan", "Action plan")}</a>
                        })}
                    </p>
                    {no_waves.then(|| view! { <p class="notice">{l("Noch keine Befragungswelle angelegt.", "No survey wave yet.")}</p> })}
                    <table class="data">
                        <thead><tr>
                            <th scope="col">{l("Welle", "Wave")}</th>
                            <th scope="col">{l("Zeitraum", "Period")}</th>
                            <th scope="col">{l("Seiten", "Pages")}</th>
                        </tr></thead>
                        <tbody>
                            {m.waves.into_iter().map(|w| view! {
                                <tr>
                                    <th scope="row">{w.name.clone()}</th>
                                    <td>{w.period.clone()}</td>
                                    <td class="actions">
                                        {m.results.then(|| view! {
                                            <a href=format!("/profil/{}/gesamt", w.wave_id)>{de_en(&language, "Profil", "Profile")}</a>
                                            <a href=format!("/vergleich/{}", w.wave_id)>{de_en(&language, "Stadtteilvergleich", "District comparison")}</a>
                                            <a href=format!("/kleinraum/{}", w.wave_id)>{de_en(&language, "Modellschätzungen", "Model estimates")}</a>
                                        })}
                                        {m.quality.then(|| view! {
                                            <a href=format!("/qualitaet/{}", w.wave_id)>{de_en(&language, "Datenqualität", "Data quality")}</a>
                                        })}
                                        {m.participation.then(|| view! {
                                            <a href=format!("/teilnahme/{}", w.wave_id)>{de_en(&language, "Teilnahme", "Participation")}</a>
                                        })}
                                    </td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </section>
            }
        }).collect_view()}
    }
}
