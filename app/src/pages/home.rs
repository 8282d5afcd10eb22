//! The start page: what Quartier does and what data is loaded.

use crate::dto::DataStatus;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;

/// Reads the data status counts.
#[server(prefix = "/api", endpoint = "data_status")]
pub async fn get_data_status() -> Result<DataStatus, AppError> {
    let db = crate::storage::db()?;
    crate::storage::status::data_status(&db)
        .await
        .map_err(AppError::from)
}

/// The start page.
#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    let status = Resource::new(|| (), |_| get_data_status());

    view! {
        <section class="page home">
            <h1>{t!(i18n, app_name)}</h1>
            <p class="lead">{t!(i18n, tagline)}</p>
            <p>{t!(i18n, home_intro)}</p>
            <div class="cards">
                <article class="card">
                    <h2>{t!(i18n, home_survey_title)}</h2>
                    <p>{t!(i18n, home_survey_text)}</p>
                </article>
                <article class="card">
                    <h2>{t!(i18n, home_profiles_title)}</h2>
                    <p>{t!(i18n, home_profiles_text)}</p>
                </article>
                <article class="card">
                    <h2>{t!(i18n, home_programs_title)}</h2>
                    <p>{t!(i18n, home_programs_text)}</p>
                </article>
            </div>
            <section class="status" aria-labelledby="status-title">
                <h2 id="status-title">{t!(i18n, status_title)}</h2>
                <Suspense fallback=move || {
                    view! { <p class="loading">{t!(i18n, status_loading)}</p> }
                }>
                    {move || Suspend::new(async move {
                        match status.await {
                            Ok(status) => view! { <StatusTable status /> }.into_any(),
                            Err(_) => {
                                view! { <p class="error" role="alert">{t!(i18n, status_error)}</p> }
                                    .into_any()
                            }
                        }
                    })}
                </Suspense>
            </section>
        </section>
    }
}

#[component]
fn StatusTable(status: DataStatus) -> impl IntoView {
    let i18n = use_i18n();
    if status.municipalities == 0 && status.instrument.is_none() {
        return view! { <p class="empty">{t!(i18n, status_none)}</p> }.into_any();
    }
    let instrument = status.instrument.clone();
    let instrument_title = move || {
        instrument.as_ref().map(|summary| {
            let title = match i18n.get_locale() {
                Locale::de => summary.title_de.clone(),
                Locale::en => summary.title_en.clone(),
            };
            format!("{title} ({} {})", summary.key, summary.version)
        })
    };
    let demonstration = status.instrument.as_ref().is_some_and(|s| s.demonstration);
    view! {
        <dl class="status-list">
            <dt>{t!(i18n, status_instrument)}</dt>
            <dd>
                {instrument_title}
                {demonstration
                    .then(|| view! { <span class="badge">{t!(i18n, demo_badge)}</span> })}
            </dd>
            <dt>{t!(i18n, status_municipalities)}</dt>
            <dd data-count="municipalities">{status.municipalities}</dd>
            <dt>{t!(i18n, status_districts)}</dt>
            <dd data-count="districts">{status.districts}</dd>
            <dt>{t!(i18n, status_schools)}</dt>
            <dd data-count="schools">{status.schools}</dd>
            <dt>{t!(i18n, status_waves)}</dt>
            <dd data-count="waves">{status.waves}</dd>
            <dt>{t!(i18n, status_responses)}</dt>
            <dd data-count="responses">{status.responses}</dd>
        </dl>
    }
    .into_any()
}
