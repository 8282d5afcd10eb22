//! `server population …`: a wave's pupil counts per school type × grade,
//! the post-strata of weighted results (docs/statistics.md §13,
//! docs/csv-formats.md).

use std::path::PathBuf;

use anyhow::Context;
use app::domain::analysis::weighting::POPULATION_COLUMNS;
use app::storage::Db;
use app::storage::analysis::population;
use clap::Subcommand;

use crate::cli::output::write_output;

/// `population` sub-commands.
#[derive(Debug, Subcommand)]
pub enum PopulationCommand {
    /// Import a wave's pupil counts from a CSV file with the columns
    /// school_type (as the schools' set-up names it), grade and pupils:
    ///
    ///     server population import --wave "Frühjahr 2026" schulstatistik.csv
    ///
    /// The file replaces the wave's counts. Every problem is reported by
    /// row and column, and nothing changes.
    #[command(verbatim_doc_comment)]
    Import {
        /// The wave: its id or its exact name.
        #[arg(long)]
        wave: String,
        /// The CSV file.
        file: PathBuf,
    },
    /// Write a wave's counts as CSV in the format `import` reads.
    Export {
        /// The wave: its id or its exact name.
        #[arg(long)]
        wave: String,
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

/// `population import`.
pub async fn import(db: &Db, wave: &str, file: &PathBuf) -> anyhow::Result<()> {
    let wave = super::setup::wave(db, wave).await?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let source = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let strata = crate::tables::import_population(db, &wave, &text, &source, None).await?;
    println!(
        "population counts of {}: {strata} school type × grade cells",
        wave.name
    );
    Ok(())
}

/// `population export`.
pub async fn export(db: &Db, wave: &str, output: Option<&PathBuf>) -> anyhow::Result<()> {
    let wave = super::setup::wave(db, wave).await?;
    let counts = population::of_wave(db, wave.wave_id).await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(POPULATION_COLUMNS)?;
    for (stratum, pupils) in &counts.pupils {
        writer.write_record([
            stratum.school_type.clone(),
            stratum.grade.to_string(),
            pupils.to_string(),
        ])?;
    }
    let bytes = writer.into_inner()?;
    write_output(output.map(PathBuf::as_path), |out| {
        out.write_all(&bytes)?;
        Ok(())
    })
}
