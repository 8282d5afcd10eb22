//! The application shell and the router.

use crate::i18n::*;
use crate::pages::survey::{SurveyDone, SurveyQuestions, SurveyStart};
use crate::pages::{home::HomePage, not_found::NotFound};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    StaticSegment,
    components::{Route, Router, Routes},
};

/// The HTML document around every server-rendered page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="de">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The root component: i18n context, layout and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Stylesheet id="leptos" href="/pkg/quartier.css" />
        <I18nContextProvider>
            <Layout />
        </I18nContextProvider>
    }
}

#[component]
fn Layout() -> impl IntoView {
    let i18n = use_i18n();
    // A marker the browser tests wait for: it is set only once the wasm bundle
    // has taken over the server-rendered page.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Title text=move || t_string!(i18n, app_name).to_string() />
        <Router>
            <header class="site-header">
                <a class="brand" href="/">
                    {t!(i18n, app_name)}
                </a>
                <nav aria-label=move || t_string!(i18n, nav_home)>
                    <a href="/">{t!(i18n, nav_home)}</a>
                    <a href="/befragung">{t!(i18n, survey_title)}</a>
                </nav>
                <crate::components::language_switch::LanguageSwitch />
            </header>
            <main id="main">
                <Routes fallback=NotFound>
                    <Route path=StaticSegment("") view=HomePage />
                    <Route path=StaticSegment("befragung") view=SurveyStart />
                    <Route
                        path=(StaticSegment("befragung"), StaticSegment("fragen"))
                        view=SurveyQuestions
                    />
                    <Route
                        path=(StaticSegment("befragung"), StaticSegment("danke"))
                        view=SurveyDone
                    />
                </Routes>
            </main>
            <footer class="site-footer">
                <p>{t!(i18n, footer_privacy)}</p>
            </footer>
        </Router>
    }
}
