//! Quartier's isomorphic crate: the leptos UI, the types that cross the wire,
//! the server functions, the pure CTC domain, and (behind `ssr`) storage.
//!
//! See `ARCHITECTURE.md` at the repository root for the map.

#![recursion_limit = "256"]

// leptos_i18n 0.6 deprecates this macro in favour of build-script code
// generation, but that path builds `icu_provider_source` with networking
// (CLDR downloads at build time), which our builds must never do. The macro
// generates the same `i18n` module from `locales/` at compile time.
#[allow(deprecated)]
mod i18n_generated {
    leptos_i18n::load_locales!();
}
pub use i18n_generated::i18n;

#[cfg(feature = "ssr")]
pub mod analysis;
pub mod app;
#[cfg(feature = "ssr")]
pub mod auth;
pub mod components;
pub mod domain;
pub mod dto;
pub mod error;
#[cfg(feature = "ssr")]
pub mod export;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod storage;

/// Entry point of the wasm bundle: attaches the client-side reactivity to the
/// server-rendered HTML.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
