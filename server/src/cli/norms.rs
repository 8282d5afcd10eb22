//! `server norms …`: import, list, export and delete norm sets (reference
//! values of a larger survey that profiles can be compared with).

use crate::tables::{ImportRequest, import_norm_set};

use std::path::PathBuf;

use anyhow::Context;
use app::storage::Db;
use app::storage::analysis::norms;
use clap::{Args, Subcommand};

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
    crate::cli::output::write_output(output.map(PathBuf::as_path), |out| {
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
