//! `server norms …`: import, list, export and delete norm sets (reference
//! values of a larger survey that profiles can be compared with).

use crate::planning::split_csv;
use anyhow::Context;
use app::domain::norms::{NORM_COLUMNS, NormKey, norm_rows, parse_norms};
use app::storage::norms::{self, NewNormSet};
use app::storage::{Db, instruments};
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
    let key = NormKey::parse(args.key.trim())?;
    let label = args.label.trim();
    if label.is_empty() {
        anyhow::bail!("--label is empty: name the reference values as the pages should show them");
    }
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let (instrument_key, known) = instrument_factors(db, args.instrument.as_deref()).await?;
    let (header, rows) = split_csv(&text)?;
    let values = parse_norms(&header, &rows, &known).map_err(|problems| {
        anyhow::anyhow!("the reference values were not imported, nothing changed:\n{problems}")
    })?;
    norms::store(
        db,
        &NewNormSet {
            key: &key,
            label,
            source: args.source.trim(),
            instrument_key: &instrument_key,
            values: &values,
        },
        args.replace,
    )
    .await?;
    println!(
        "norm set {key} (\"{label}\", instrument {instrument_key}): {} values",
        values.len()
    );
    Ok(())
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
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record(NORM_COLUMNS)?;
        for row in norm_rows(&values) {
            writer.write_record(row)?;
        }
        writer.flush()?;
        Ok(())
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
