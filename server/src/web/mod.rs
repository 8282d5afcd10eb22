//! The HTTP side: router, middleware, graceful shutdown.
//!
//! One file per form area; `forms` holds what their handlers share and
//! `state` the router's state, so no handler imports this file.

use state::{AppState, SecureCookies};

pub mod accounts;
pub mod codesheet;
pub mod cut_points;
pub mod downloads;
pub mod early_warning;
pub mod forms;
pub mod norms;
pub mod planning;
pub mod population;
pub mod setup;
pub mod state;
pub mod survey;

use app::app::{App, shell};
use app::storage::Db;
use axum::Router;
use axum::extract::{MatchedPath, Path};
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

use crate::config::ServeArgs;

/// Largest request body accepted. A questionnaire page posts a few kilobytes;
/// anything far larger is an error or an attack and is refused before it is
/// read.
const MAX_BODY_BYTES: usize = 256 * 1024;

/// Builds the complete router. Separate from [`serve`] so tests can drive it
/// in-process.
pub fn router(db: Db, leptos_options: LeptosOptions, secure_cookies: SecureCookies) -> Router {
    let state = AppState {
        leptos_options: leptos_options.clone(),
        db: db.clone(),
        secure_cookies,
    };
    let routes = generate_route_list(App);
    Router::new()
        .route("/healthz", get(healthz))
        .route("/language/{locale}", get(switch_language))
        .route("/befragung/start", post(crate::web::survey::start))
        .route("/befragung/fragen", post(crate::web::survey::save_page))
        .route("/anmelden", post(crate::web::accounts::sign_in))
        .route("/abmelden", post(crate::web::accounts::sign_out))
        .route(
            "/prioritaeten",
            post(crate::web::planning::record_priorities),
        )
        .route(
            "/qualitaet/schnittpunkte",
            post(crate::web::cut_points::choose),
        )
        .route(
            "/qualitaet/schuelerzahlen",
            post(crate::web::population::enter),
        )
        .route(
            "/fruehwarnung/schwellen",
            post(crate::web::early_warning::set_thresholds),
        )
        .route(
            "/fruehwarnung/indikatoren",
            post(crate::web::early_warning::import_values),
        )
        .route("/aktionsplan", post(crate::web::planning::add_entry))
        .route(
            "/aktionsplan/umsetzung",
            post(crate::web::planning::add_record),
        )
        .route("/aktionsplan/ziel", post(crate::web::planning::add_goal))
        .route(
            "/aktionsplan/angebot",
            post(crate::web::planning::add_offer),
        )
        .route("/katalog", post(crate::web::planning::save_program))
        .route("/vergleichswerte", post(crate::web::norms::save_from_form))
        .route(
            "/vergleichswerte/loeschen",
            post(crate::web::norms::delete_from_form),
        )
        .route("/api/csv/norms", get(crate::web::downloads::norms))
        .route("/teilnahme/codes", post(crate::web::codesheet::generate))
        .route("/einrichtung/schule", post(crate::web::setup::add_school))
        .route("/einrichtung/welle", post(crate::web::setup::create_wave))
        .route(
            "/einrichtung/welle-abschliessen",
            post(crate::web::setup::close_wave),
        )
        .route("/einrichtung/klasse", post(crate::web::setup::add_class))
        .route(
            "/api/csv/action-plan",
            get(crate::web::downloads::action_plan),
        )
        .route(
            "/api/csv/municipalities",
            get(crate::web::downloads::municipalities),
        )
        .route("/api/csv/profile", get(crate::web::downloads::profile))
        .route(
            "/api/csv/small-area",
            get(crate::web::downloads::small_area),
        )
        .route(
            "/api/csv/comparison",
            get(crate::web::downloads::comparison),
        )
        .route("/api/csv/trend", get(crate::web::downloads::trend))
        .route("/api/csv/quality", get(crate::web::downloads::quality))
        .route(
            "/api/csv/participation",
            get(crate::web::downloads::participation),
        )
        .route(
            "/api/csv/priorities",
            get(crate::web::downloads::priorities),
        )
        .leptos_routes_with_context(
            &state,
            routes,
            {
                let db = db.clone();
                move || provide_context(db.clone())
            },
            {
                let options = leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(crate::web::forms::check_origin))
        // The span carries the route pattern, never the concrete URI: a URI
        // may hold an access code, and the access log must not.
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                let route = request
                    .extensions()
                    .get::<MatchedPath>()
                    .map(MatchedPath::as_str)
                    .unwrap_or("-");
                tracing::info_span!("request", method = %request.method(), route)
            }),
        )
        .with_state(state)
}

/// Runs the web server until Ctrl-C or SIGTERM, then finishes the requests in
/// flight.
pub async fn serve(db: Db, args: ServeArgs) -> anyhow::Result<()> {
    let options = LeptosOptions::builder()
        .output_name("quartier")
        .site_root(args.site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(args.addr)
        .env(leptos::config::Env::PROD)
        .build();
    if !args.site_root.join("pkg").is_dir() {
        tracing::warn!(
            site_root = %args.site_root.display(),
            "no compiled front end found; run `cargo leptos build` (pages render, but will not hydrate)"
        );
    }
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    let addr = listener.local_addr()?;
    // Tests and scripts read this line to learn the port when binding port 0.
    println!("listening on http://{addr}");
    if !args.secure_cookies && !addr.ip().is_loopback() {
        tracing::warn!(
            "serving beyond localhost without --secure-cookies: put Quartier behind HTTPS and set it"
        );
    }
    let publisher = tokio::spawn(publish_closed_waves(db.clone()));
    axum::serve(
        listener,
        router(db.clone(), options, SecureCookies(args.secure_cookies)),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    publisher.abort();
    db.close().await;
    tracing::info!("shut down");
    Ok(())
}

/// How often the server looks for waves to publish: a wave whose last day
/// has passed is published within this time (plus the rebuild).
const PUBLISH_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

/// Publishes closed waves in the background: at start-up (results of an
/// older analysis engine are rebuilt) and then every minute, which is how a
/// wave whose last day has passed gets published without anyone asking.
/// Page requests never compute results.
async fn publish_closed_waves(db: Db) {
    let mut interval = tokio::time::interval(PUBLISH_INTERVAL);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        match app::analysis::publication::refresh(&db).await {
            Ok(outcomes) => {
                let rebuilt = outcomes.iter().filter(|o| o.is_ok()).count();
                if rebuilt > 0 {
                    tracing::info!(rebuilt, "published wave results rebuilt");
                }
            }
            Err(error) => tracing::error!(%error, "looking for waves to publish failed"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

async fn healthz(axum::extract::State(db): axum::extract::State<Db>) -> impl IntoResponse {
    match sqlx::query_scalar::<_, i64>("select 1")
        .fetch_one(&db)
        .await
    {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(error) => {
            tracing::error!(%error, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

/// Sets the language cookie (the one leptos_i18n reads) and sends the browser
/// back where it came from. This is the no-JavaScript path of the language
/// switch.
async fn switch_language(Path(locale): Path<String>, headers: HeaderMap) -> Response {
    if !matches!(locale.as_str(), "de" | "en") {
        return (StatusCode::NOT_FOUND, "unknown language").into_response();
    }
    let back = headers
        .get(header::REFERER)
        .and_then(|value| value.to_str().ok())
        .and_then(same_site_path)
        .unwrap_or_else(|| "/".to_string());
    let cookie = format!("i18n_pref_locale={locale}; Path=/; Max-Age=31536000; SameSite=Lax");
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, back)]).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// The path (and query) of a referer URL, so the redirect never leaves the
/// site whatever the header says.
fn same_site_path(referer: &str) -> Option<String> {
    let after_scheme = referer.split_once("://").map_or(referer, |(_, rest)| rest);
    let path = &after_scheme[after_scheme.find('/')?..];
    (!path.starts_with("//")).then(|| path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_site_path_keeps_only_the_path() {
        assert_eq!(
            same_site_path("http://127.0.0.1:3000/profile?x=1").as_deref(),
            Some("/profile?x=1")
        );
        assert_eq!(
            same_site_path("https://evil.example//evil.example").as_deref(),
            None
        );
        assert_eq!(same_site_path("http://host").as_deref(), None);
    }
}
