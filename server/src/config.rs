//! The configuration of `serve`: listen address, site root, cookies.
//! Shared by the command line (which parses it) and the web side (which
//! runs with it), so neither depends on the other.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "QUARTIER_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// Directory with the compiled front end (wasm, JS, CSS) that
    /// `cargo leptos build` writes.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,
    /// Mark session cookies `Secure` (browsers then send them over HTTPS
    /// only). Set this whenever Quartier is reached over HTTPS, i.e. in
    /// every deployment beyond a local test.
    #[arg(long, env = "QUARTIER_SECURE_COOKIES")]
    pub secure_cookies: bool,
}

impl Default for ServeArgs {
    fn default() -> Self {
        ServeArgs {
            addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            site_root: PathBuf::from("target/site"),
            secure_cookies: false,
        }
    }
}
