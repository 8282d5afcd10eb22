//! What every handler gets: the shared state of the router.

use app::storage::Db;
use axum::extract::FromRef;
use leptos::prelude::*;

/// Shared state of the router.
#[derive(Clone, FromRef)]
pub struct AppState {
    /// Leptos' own options (site root, output name).
    pub leptos_options: LeptosOptions,
    /// The database pool.
    pub db: Db,
    /// Whether cookies get the `Secure` flag.
    pub secure_cookies: SecureCookies,
}

/// Whether session cookies carry the `Secure` flag (on behind HTTPS).
#[derive(Clone, Copy, Debug, Default)]
pub struct SecureCookies(pub bool);
