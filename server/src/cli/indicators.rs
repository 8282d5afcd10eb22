//! `server indicators …`: the context-indicator catalogue and a
//! municipality's values per district and period
//! ([docs/csv-formats.md](../../../docs/csv-formats.md)).

use std::path::PathBuf;

use anyhow::Context;
use app::storage::{Db, geography, indicators};
use clap::{Args, Subcommand};

use crate::cli::output::write_output;

/// `indicators` sub-commands.
#[derive(Debug, Subcommand)]
pub enum IndicatorsCommand {
    /// Import the indicator catalogue (installation-wide) from a CSV file
    /// with the columns key, label_de, label_en, unit, direction
    /// (higher_is_worse / higher_is_better), source and licence:
    ///
    ///     server indicators catalogue indicators.csv
    ///
    /// New keys are added, existing keys updated. Every problem is
    /// reported by row and column, and nothing changes.
    #[command(verbatim_doc_comment)]
    Catalogue {
        /// The CSV file.
        file: PathBuf,
    },
    /// Import a municipality's values from a CSV file with the columns
    /// indicator (a catalogue key), district (a district code; empty or
    /// "gesamt" for the whole city), period (2024 or 2024-Q3) and value:
    ///
    ///     server indicators import --municipality "Dortmund" werte-2025.csv
    ///
    /// A value for an indicator, district and period that exists is
    /// replaced. Every problem is reported by row and column, and nothing
    /// changes.
    #[command(verbatim_doc_comment)]
    Import(IndicatorsImportArgs),
    /// Write a municipality's values as CSV in the format `import` reads.
    Export {
        /// The municipality's exact name.
        #[arg(long)]
        municipality: String,
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

/// Arguments of `indicators import`.
#[derive(Debug, Args)]
pub struct IndicatorsImportArgs {
    /// The municipality's exact name.
    #[arg(long)]
    pub municipality: String,
    /// The CSV file.
    pub file: PathBuf,
}

async fn municipality_id(db: &Db, name: &str) -> anyhow::Result<i64> {
    Ok(geography::find_municipality(db, name)
        .await?
        .with_context(|| {
            format!("no municipality named \"{name}\" (see `server municipality add`)")
        })?
        .municipality_id)
}

fn read(file: &PathBuf) -> anyhow::Result<String> {
    std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))
}

/// `indicators catalogue`.
pub async fn import_catalogue(db: &Db, file: &PathBuf) -> anyhow::Result<()> {
    let count = crate::tables::import_indicator_catalogue(db, &read(file)?).await?;
    println!(
        "indicator catalogue: {} added, {} updated",
        count.added, count.replaced
    );
    Ok(())
}

/// `indicators import`.
pub async fn import(db: &Db, args: &IndicatorsImportArgs) -> anyhow::Result<()> {
    let municipality = municipality_id(db, &args.municipality).await?;
    let count =
        crate::tables::import_indicator_values(db, municipality, &read(&args.file)?).await?;
    println!(
        "indicator values of {}: {} added, {} replaced",
        args.municipality, count.added, count.replaced
    );
    Ok(())
}

/// `indicators export`.
pub async fn export(db: &Db, municipality: &str, output: Option<&PathBuf>) -> anyhow::Result<()> {
    let id = municipality_id(db, municipality).await?;
    let values = indicators::values(db, id, indicators::ValueScope::Municipality).await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(app::domain::indicators::VALUE_COLUMNS)?;
    for value in values {
        writer.write_record([
            value.indicator,
            value
                .district
                .unwrap_or_else(|| app::domain::indicators::CITY_DISTRICT.to_string()),
            value.period.to_string(),
            // Unrounded, as every export (shortest round-trip form).
            value.value.to_string(),
        ])?;
    }
    let bytes = writer.into_inner()?;
    write_output(output.map(PathBuf::as_path), |out| {
        out.write_all(&bytes)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use app::storage::{self, geography, indicators};

    const CATALOGUE: &str = "key,label_de,label_en,unit,direction,source,licence\n\
        waste_complaints,Müll,Waste,je 1.000,higher_is_worse,Ordnungsamt,dl-de/by-2-0\n";

    async fn database(dir: &tempfile::TempDir) -> storage::Db {
        let db = storage::connect(&format!("sqlite://{}", dir.path().join("q.db").display()))
            .await
            .unwrap();
        storage::migrate(&db).await.unwrap();
        db
    }

    #[tokio::test]
    async fn a_values_file_with_one_bad_row_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = database(&dir).await;
        let city = geography::ensure_municipality(&db, None, "Teststadt")
            .await
            .unwrap();
        geography::ensure_district(&db, city, "NORD", "Nordstadt")
            .await
            .unwrap();
        crate::tables::import_indicator_catalogue(&db, CATALOGUE)
            .await
            .unwrap();
        let good = "indicator,district,period,value\nwaste_complaints,NORD,2024,4.5\nwaste_complaints,,2024,3.9\n";
        let count = crate::tables::import_indicator_values(&db, city, good)
            .await
            .unwrap();
        assert_eq!(count.added, 2);

        let bad = "indicator,district,period,value\n\
            waste_complaints,NORD,2025,5.0\n\
            waste_complaints,SUED,2025,1\n\
            waste_complaints,NORD,2025-Q5,1\n";
        let error = crate::tables::import_indicator_values(&db, city, bad)
            .await
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "the indicator values were not imported, nothing changed:\n\
             row 3, column district: unknown district code \"SUED\" (codes of this municipality: NORD; empty or \"gesamt\" for the whole city)\n\
             row 4, column period: \"2025-Q5\" is not a period (a year such as 2024, or a quarter such as 2024-Q3)"
        );
        // The good row of the refused file was not written either.
        let stored = indicators::values(&db, city, indicators::ValueScope::Municipality)
            .await
            .unwrap();
        assert_eq!(stored.len(), 2);
        assert!(stored.iter().all(|v| v.period.year == 2024));
    }

    #[tokio::test]
    async fn a_bad_catalogue_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = database(&dir).await;
        let bad = format!("{CATALOGUE}moves,Umzüge,Moves,je 1.000,up,Meldeamt,\n");
        let error = crate::tables::import_indicator_catalogue(&db, &bad)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("row 3, column licence: the cell is empty"),
            "{error}"
        );
        assert!(
            error.contains("row 3, column direction: \"up\" is not a direction"),
            "{error}"
        );
        assert!(indicators::catalogue(&db).await.unwrap().is_empty());
    }
}
