//! `server norms …`: import, list, export and delete norm sets (reference
//! values of a larger survey that profiles can be compared with).

use crate::accounts::{field, internal, signed_in_with_csrf};
use crate::planning::{split_csv, urlencode};
use crate::web::AppState;
use anyhow::Context;
use app::domain::access::{Action, Scope};
use app::domain::analysis::norms::{NormKey, parse_norms};
use app::storage::analysis::norms::{self, NewNormSet};
use app::storage::{Db, survey::instruments};
use axum::{
    Form,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `norms` sub-commands.
#[derive(Debug, Subcommand)]
pub enum NormsCommand {
    /// Import reference values from a CSV file with the columns factor
    /// (scale or outcome id), grade (empty = all grades) and percent:
    ///
    ///     server norms import land-2024.csv --key land-2024 \
    ///         --label "Landesbefragung 2024" --source "Bericht 2024, Tab. 3"
    ///
    /// Every problem is reported by row and column, and nothing changes.
    /// Coordinators then pick the set as "Vergleich mit" on the profile and
    /// comparison pages (waves of the same instrument only).
    #[command(verbatim_doc_comment)]
    Import(NormsImportArgs),
    /// List the stored norm sets.
    List,
    /// Write a norm set as CSV in the format `norms import` reads.
    Export {
        /// The set's key.
        key: String,
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Delete a norm set. Pages that named it then say it is unknown.
    Delete {
        /// The set's key.
        key: String,
    },
}

/// Arguments of `norms import`.
#[derive(Debug, Args)]
pub struct NormsImportArgs {
    /// The CSV file.
    pub file: PathBuf,
    /// Short key for URLs, e.g. land-2024 (a–z, 0–9, hyphens).
    #[arg(long)]
    pub key: String,
    /// Name shown next to the reference marker, e.g. "Landesbefragung 2024".
    #[arg(long)]
    pub label: String,
    /// Where the values come from (publication, table), shown on the pages.
    #[arg(long, default_value = "")]
    pub source: String,
    /// Key of the instrument whose scale and outcome ids the file uses;
    /// may be left out when only one instrument is stored.
    #[arg(long)]
    pub instrument: Option<String>,
    /// Replace an existing set with the same key.
    #[arg(long)]
    pub replace: bool,
}

/// `norms import`.
pub async fn import(db: &Db, args: &NormsImportArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let request = ImportRequest {
        key: &args.key,
        label: &args.label,
        source: &args.source,
        instrument: args.instrument.as_deref(),
        csv: &text,
        replace: args.replace,
    };
    let (key, values, instrument_key) = import_norm_set(db, &request).await?;
    println!(
        "norm set {key} (\"{}\", instrument {instrument_key}): {values} values",
        args.label.trim()
    );
    Ok(())
}

/// What an import (CLI or form) asks for.
pub struct ImportRequest<'a> {
    /// URL key.
    pub key: &'a str,
    /// Name next to the marker.
    pub label: &'a str,
    /// Source.
    pub source: &'a str,
    /// Instrument key, or `None` when only one is stored.
    pub instrument: Option<&'a str>,
    /// The CSV text.
    pub csv: &'a str,
    /// Replace a set with the same key.
    pub replace: bool,
}

/// Checks and stores a norm set; returns its key, the number of values and
/// the instrument key. Any problem leaves the database unchanged.
pub async fn import_norm_set(
    db: &Db,
    request: &ImportRequest<'_>,
) -> anyhow::Result<(NormKey, usize, String)> {
    let key = NormKey::parse(request.key.trim())?;
    let label = request.label.trim();
    if label.is_empty() {
        anyhow::bail!(
            "the label is empty: name the reference values as the pages should show them"
        );
    }
    let (instrument_key, known) = instrument_factors(db, request.instrument).await?;
    let (header, rows) = split_csv(request.csv)?;
    let values = parse_norms(&header, &rows, &known).map_err(|problems| {
        anyhow::anyhow!("the reference values were not imported, nothing changed:\n{problems}")
    })?;
    norms::store(
        db,
        &NewNormSet {
            key: &key,
            label,
            source: request.source.trim(),
            instrument_key: &instrument_key,
            values: &values,
        },
        request.replace,
    )
    .await?;
    Ok((key, values.len(), instrument_key))
}

/// `POST /vergleichswerte`: an admin imports a norm set pasted into the
/// form, with the CLI's checks.
pub async fn save_from_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let db = &state.db;
    if let Err(response) = admin(db, &headers, &fields).await {
        return response;
    }
    let request = ImportRequest {
        key: field(&fields, "key"),
        label: field(&fields, "label"),
        source: field(&fields, "source"),
        instrument: Some(field(&fields, "instrument")).filter(|i| !i.is_empty()),
        csv: field(&fields, "csv"),
        replace: field(&fields, "replace") == "true",
    };
    match import_norm_set(db, &request).await {
        Ok((key, _, _)) => {
            Redirect::to(&format!("/vergleichswerte?gespeichert={key}")).into_response()
        }
        Err(error) => {
            let text = format!("{error:#}").replace('\n', "; ");
            Redirect::to(&format!("/vergleichswerte?fehler={}", urlencode(&text))).into_response()
        }
    }
}

/// `POST /vergleichswerte/loeschen`: an admin deletes a norm set.
pub async fn delete_from_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let db = &state.db;
    if let Err(response) = admin(db, &headers, &fields).await {
        return response;
    }
    let key = field(&fields, "key");
    match norms::delete(db, key).await {
        Ok(true) => {
            Redirect::to(&format!("/vergleichswerte?geloescht={}", urlencode(key))).into_response()
        }
        Ok(false) => Redirect::to(&format!(
            "/vergleichswerte?fehler={}",
            urlencode(&format!("no norm set with the key \"{key}\""))
        ))
        .into_response(),
        Err(error) => internal(error),
    }
}

/// Session, CSRF token and the admin right, or the refusal to send.
async fn admin(db: &Db, headers: &HeaderMap, fields: &[(String, String)]) -> Result<(), Response> {
    let signed_in = signed_in_with_csrf(db, headers, fields).await?;
    if signed_in
        .principal
        .may(Action::Administer, &Scope::municipality(0, None))
    {
        Ok(())
    } else {
        Err((StatusCode::FORBIDDEN, "Keine Berechtigung / not allowed").into_response())
    }
}

/// The instrument key a norm file refers to and every scale and outcome id
/// of its stored versions.
pub(crate) async fn instrument_factors(
    db: &Db,
    asked: Option<&str>,
) -> anyhow::Result<(String, Vec<String>)> {
    let stored = instruments::list(db).await?;
    let mut keys: Vec<&str> = stored.iter().map(|(_, key, _, _)| key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    let key = match (asked, keys.as_slice()) {
        (Some(asked), _) if keys.contains(&asked) => asked.to_string(),
        (Some(asked), _) => anyhow::bail!(
            "no instrument with the key \"{asked}\" is stored (stored: {})",
            if keys.is_empty() {
                "none".to_string()
            } else {
                keys.join(", ")
            }
        ),
        (None, [only]) => only.to_string(),
        (None, []) => anyhow::bail!(
            "no instrument is stored yet: import one first (`server import-instrument`), the reference values name its scales"
        ),
        (None, several) => anyhow::bail!(
            "several instruments are stored ({}): name the one the values belong to with --instrument",
            several.join(", ")
        ),
    };
    let mut known = Vec::new();
    for (id, _, _, _) in stored.iter().filter(|(_, k, _, _)| *k == key) {
        let instrument = instruments::load(db, *id).await?;
        let ids = instrument
            .scales
            .iter()
            .map(|s| &s.id)
            .chain(instrument.outcomes.iter().map(|o| &o.id));
        for id in ids {
            if !known.contains(id) {
                known.push(id.clone());
            }
        }
    }
    Ok((key, known))
}

/// `norms list`.
pub async fn list(db: &Db) -> anyhow::Result<()> {
    let sets = norms::list(db).await?;
    if sets.is_empty() {
        println!("no norm sets stored (import one with `server norms import`)");
    }
    for set in sets {
        println!(
            "{}\t{}\tinstrument {}\t{} values\timported {}\t{}",
            set.key, set.label, set.instrument_key, set.values, set.imported_on, set.source
        );
    }
    Ok(())
}

/// `norms export`.
pub async fn export(db: &Db, key: &str, output: Option<&PathBuf>) -> anyhow::Result<()> {
    let set = norms::find(db, key)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no norm set with the key \"{key}\""))?;
    let values = norms::values(db, set.norm_set_id).await?;
    crate::cli::write_output(output.map(PathBuf::as_path), |out| {
        Ok(app::export::write_norms_csv(out, &values)?)
    })
}

/// `norms delete`.
pub async fn delete(db: &Db, key: &str) -> anyhow::Result<()> {
    if !norms::delete(db, key).await? {
        anyhow::bail!("no norm set with the key \"{key}\"");
    }
    println!("norm set {key} deleted");
    Ok(())
}
