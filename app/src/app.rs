//! The application shell and the router.

use crate::i18n::*;
use crate::pages::account::{AccountMenu, OverviewPage, SignInPage};
use crate::pages::catalog::CatalogPage;
use crate::pages::comparison::ComparisonPage;
use crate::pages::early_warning::{EarlyWarningPage, RegionWarningsPage};
use crate::pages::monitoring::{ParticipationPage, QualityPage};
use crate::pages::municipalities::MunicipalitiesPage;
use crate::pages::norms::NormsPage;
use crate::pages::priorities::PrioritiesPage;
use crate::pages::profile::ProfilePage;
use crate::pages::programs::{
    action_plan::ActionPlanPage, matching::MatchingPage, outcomes::OutcomePage,
};
use crate::pages::setup::SetupPage;
use crate::pages::small_area::SmallAreaPage;
use crate::pages::survey::{SurveyDone, SurveyQuestions, SurveyStart};
use crate::pages::trends::TrendPage;
use crate::pages::{home::HomePage, not_found::NotFound};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    ParamSegment, SsrMode, StaticSegment,
    components::{Route, Router, Routes},
};

/// The HTML document around every server-rendered page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        // No `lang` here: the i18n provider sets `lang` and `dir` of the
        // request's language; a second attribute would contradict it.
        <html>
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

    // A plain string, not a closure: leptos_meta renders the <title> after
    // the (async) body, when a closure's reactive owner may already be
    // disposed; under concurrent load that panicked the worker and dropped
    // the connection. The language only changes with a new page load.
    let title = t_string!(i18n, app_name).to_string();
    view! {
        <Title text=title />
        <Router>
            // The first stop of the Tab key: past the header straight to the
            // content (WCAG 2.4.1 bypass blocks).
            <a class="skip-link" href="#main">{t!(i18n, skip_to_content)}</a>
            <header class="site-header">
                <a class="brand" href="/">
                    {t!(i18n, app_name)}
                </a>
                <nav aria-label=move || t_string!(i18n, nav_home)>
                    <a href="/">{t!(i18n, nav_home)}</a>
                    <a href="/befragung">{t!(i18n, survey_title)}</a>
                    <a href="/uebersicht">{t!(i18n, nav_results)}</a>
                </nav>
                <AccountMenu />
                <crate::components::language_switch::LanguageSwitch />
            </header>
            // tabindex -1: following the skip link moves the keyboard focus
            // into <main>, not just the scroll position.
            <main id="main" tabindex="-1">
                <Routes fallback=NotFound>
                    // What pupils and schools see renders completely on
                    // the server too (async mode): with out-of-order
                    // streaming the loaded content would sit in a
                    // <template> that only a script moves into <main>, and
                    // old school tablets with scripts blocked would show
                    // an empty questionnaire.
                    <Route path=StaticSegment("") view=HomePage ssr=SsrMode::Async />
                    <Route path=StaticSegment("befragung") view=SurveyStart ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment("befragung"), StaticSegment("fragen"))
                        view=SurveyQuestions
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("befragung"), StaticSegment("danke"))
                        view=SurveyDone
                        ssr=SsrMode::Async
                    />
                    // Results pages render completely on the server (async
                    // mode): readable without JavaScript, and a refusal
                    // answers with its real status code.
                    <Route path=StaticSegment("anmelden") view=SignInPage />
                    <Route path=StaticSegment("uebersicht") view=OverviewPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("katalog") view=CatalogPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("kommunen") view=MunicipalitiesPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("vergleichswerte") view=NormsPage ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment("profil"), ParamSegment("wave"), ParamSegment("district"))
                        view=ProfilePage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("vergleich"), ParamSegment("wave"))
                        view=ComparisonPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("kleinraum"), ParamSegment("wave"))
                        view=SmallAreaPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("trend"), ParamSegment("municipality"), ParamSegment("district"))
                        view=TrendPage
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("fruehwarnung") view=RegionWarningsPage ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment("fruehwarnung"), ParamSegment("municipality"))
                        view=EarlyWarningPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("prioritaeten"), ParamSegment("municipality"))
                        view=PrioritiesPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("programme"), ParamSegment("municipality"))
                        view=MatchingPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("aktionsplan"), ParamSegment("municipality"))
                        view=ActionPlanPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("wirkung"), ParamSegment("municipality"), ParamSegment("program"))
                        view=OutcomePage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("einrichtung"), ParamSegment("municipality"))
                        view=SetupPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("qualitaet"), ParamSegment("wave"))
                        view=QualityPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("teilnahme"), ParamSegment("wave"))
                        view=ParticipationPage
                        ssr=SsrMode::Async
                    />
                </Routes>
            </main>
            <footer class="site-footer">
                <p>{t!(i18n, footer_privacy)}</p>
            </footer>
        </Router>
    }
}
