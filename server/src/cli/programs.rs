//! `import-programs` and `export-programs`: the program catalog as CSV.

use crate::tables::{known_factors, read_catalog};

use std::path::{Path, PathBuf};

use anyhow::Context;
use app::domain::planning::catalog::{CATALOG_COLUMNS, catalog_row};
use app::storage::Db;
use app::storage::planning::programs;

/// `server import-programs FILE`.
pub async fn import_programs(db: &Db, file: &Path) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let known = known_factors(db).await?;
    if known.is_empty() {
        anyhow::bail!(
            "no instrument is stored yet: import one first (`server import-instrument`), its scales are what programs target"
        );
    }
    let catalog = read_catalog(&text, &known)?;
    let (added, updated) = programs::upsert_catalog(db, &catalog).await?;
    println!(
        "{} programs read: {added} added, {updated} updated",
        catalog.len()
    );
    Ok(())
}

/// `server export-programs [--output FILE]`.
pub async fn export_programs(db: &Db, output: Option<&PathBuf>) -> anyhow::Result<()> {
    let catalog = programs::catalog(db).await?;
    crate::cli::output::write_output(output.map(PathBuf::as_path), |out| {
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record(CATALOG_COLUMNS)?;
        for (_, program) in &catalog {
            writer.write_record(catalog_row(program))?;
        }
        writer.flush()?;
        Ok(())
    })
}
