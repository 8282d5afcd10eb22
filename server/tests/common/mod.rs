//! Shared by the CLI integration tests: the real binary on a real SQLite
//! file.

use std::path::Path;
use std::process::{Command, Output};

/// Runs the `server` binary with `args` against `database`.
pub fn server(database: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("--database")
        .arg(database)
        .arg("--log")
        .arg("warn")
        .args(args)
        .output()
        .expect("the server binary runs")
}

/// A SQLite database URL in `dir`.
pub fn database(dir: &Path) -> String {
    format!("sqlite://{}/quartier.db", dir.display())
}
