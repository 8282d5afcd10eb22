//! The command line: the global options, the sub-commands, and opening
//! the database. One file per group of sub-commands; `output` is what they
//! share.

pub mod accounts;
pub mod cut_points;
pub mod demo;
pub mod exports;
pub mod indicators;
pub mod norms;
mod output;
pub mod population;
pub mod programs;
pub mod responses;
pub mod results;
pub mod setup;

use std::path::{Path, PathBuf};

use anyhow::Context;
use app::domain::survey::instrument::Instrument;
use app::storage::survey::instruments::StoreOutcome;
use app::storage::{self, Db};
use clap::{Parser, Subcommand};

use crate::config::ServeArgs;
use demo::DemoArgs;
use exports::ExportProfileArgs;
use setup::{
    ClassCommand, CodesCommand, DistrictCommand, MunicipalityCommand, ParticipationArgs,
    SchoolCommand, WaveCommand,
};

/// Quartier: Communities That Care surveys, district profiles and program
/// planning.
///
/// Without a sub-command the web server starts (`serve`).
#[derive(Debug, Parser)]
#[command(name = "server", version, about, long_about = None)]
pub struct Cli {
    /// Database URL. SQLite files are created if missing, e.g.
    /// `sqlite://data/quartier.db`.
    #[arg(
        long,
        global = true,
        env = "QUARTIER_DATABASE_URL",
        default_value = "sqlite://data/quartier.db"
    )]
    pub database: String,

    /// Log filter (tracing `EnvFilter` syntax), e.g. `info` or `server=debug`.
    #[arg(long, global = true, env = "QUARTIER_LOG", default_value = "info")]
    pub log: String,

    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The sub-commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the web server (default).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit. (Every command migrates
    /// first, so this is for deployments that want it as a separate step.)
    Migrate,
    /// Load the demonstration data: the demo instrument, a fictional city with
    /// districts, schools and classes, and two survey waves of synthetic
    /// pupils. Does nothing if the demo city exists already.
    Demo(DemoArgs),
    /// Validate an instrument file (TOML, see docs/instrument-format.md) and
    /// store it as a new instrument version. Every error is reported with its
    /// line and key; an invalid file changes nothing.
    ImportInstrument {
        /// Path of the instrument file.
        file: PathBuf,
    },
    /// Accounts of coordinators, trainers and staff: `user add`, `user reset`.
    #[command(subcommand)]
    User(crate::cli::accounts::UserCommand),
    /// Municipalities (Kommunen): `municipality add`.
    #[command(subcommand)]
    Municipality(MunicipalityCommand),
    /// Districts (Stadtteile) of a municipality: `district add`.
    #[command(subcommand)]
    District(DistrictCommand),
    /// Schools of a district: `school add`.
    #[command(subcommand)]
    School(SchoolCommand),
    /// Survey waves: `wave create`, `wave close`.
    #[command(subcommand)]
    Wave(WaveCommand),
    /// Classes taking part in a wave: `class add`.
    #[command(subcommand)]
    Class(ClassCommand),
    /// One-time access codes for the pupils of a class: `codes generate`.
    #[command(subcommand)]
    Codes(CodesCommand),
    /// Write a wave's participation per class as CSV (counts only).
    ///
    /// Per class: pupils enrolled, codes issued, started and finished,
    /// questionnaires received and excluded; then a total per school and for
    /// the wave. Only counts are shown, never anything about a single pupil.
    ///
    /// Columns: school, class, grade, enrolled, codes_issued, codes_started
    /// (in progress), codes_finished, responses (finished online or
    /// imported), excluded (flagged by a validity rule). Totals have ALL as
    /// class and grade; the wave total has ALL as school.
    ///
    /// The column excluded stays empty while the wave is open, and afterwards
    /// for groups with fewer than 15 questionnaires (and where it would let
    /// one work out such a group's figure): otherwise readers who know who
    /// took part could tell whose questionnaire was excluded.
    ///
    /// Example:
    ///
    ///     server participation --wave "Frühjahr 2026" --output teilnahme.csv
    #[command(verbatim_doc_comment)]
    Participation(ParticipationArgs),
    /// Reference values of a larger survey (e.g. a state's CTC survey) that
    /// profiles can be compared with: `norms import`, `list`, `export`,
    /// `delete`.
    #[command(subcommand)]
    Norms(crate::cli::norms::NormsCommand),
    /// District context indicators: the catalogue (installation-wide) and
    /// a municipality's values per district and period, shown beside the
    /// survey factors.
    #[command(subcommand)]
    Indicators(crate::cli::indicators::IndicatorsCommand),
    /// Write a wave's risk and protection profile as CSV to standard output
    /// (or --output): one row per group and factor with n, percent, 95 %
    /// interval, reference, difference, p and adjusted p, elevated flag and
    /// suppression (columns: docs/csv-formats.md).
    ExportProfile(ExportProfileArgs),
    /// Write every group's factor series over all waves of a municipality as
    /// CSV: percent with its 95 % interval per wave, and the change since the
    /// previous and the first wave with interval and p-value. Suppressed
    /// cells stay empty; a version change between waves is named in
    /// `comparability_warning`. Example:
    /// `server export-trend --municipality "Ruhrstadt (Demo)" --by district`
    ExportTrend {
        /// The municipality's exact name.
        #[arg(long)]
        municipality: String,
        /// Breakdown, comma-separated from district, school, grade, sex.
        #[arg(long, default_value = "district", value_delimiter = ',')]
        by: Vec<String>,
        /// Minimum valid answers per group (at least 10).
        #[arg(long, default_value_t = 15)]
        min_group_size: u64,
        /// Language of the factor labels (de or en).
        #[arg(long, default_value = "de")]
        language: String,
    },
    /// Write a wave's data quality as CSV: exclusions per validity rule,
    /// Cronbach's alpha with its 95 % interval per scale, and the
    /// non-response share per item.
    ExportQuality {
        /// The wave: its id or its exact name.
        #[arg(long)]
        wave: String,
    },
    /// Calibrate cut points against outcomes: per scale and grade, the
    /// instrument's cut point, the CTC rule's (median + 0.15 MAD) and the
    /// Youden-optimal one, each with share flagged, sensitivity, specificity
    /// and Youden J, plus the scale's ROC AUC, as CSV. The wave's valid
    /// questionnaires are the reference sample.
    Calibrate {
        /// The reference wave: its id or its exact name.
        #[arg(long)]
        wave: String,
        /// Outcome indicator id to calibrate against; default: any substance
        /// use, violence or delinquency indicator.
        #[arg(long)]
        outcome: Option<String>,
    },
    /// Cut-point sets: calibrated cut points stored as a named, versioned
    /// set of an instrument (`cut-points save`), listed (`list`), and chosen
    /// for a wave's results (`use`).
    #[command(subcommand)]
    CutPoints(crate::cli::cut_points::CutPointsCommand),
    /// A wave's pupil counts per school type × grade, from the school
    /// statistics: what weighted results are weighted to (`population
    /// import`, `export`).
    #[command(subcommand)]
    Population(crate::cli::population::PopulationCommand),
    /// Import a program catalog (e.g. from the Grüne Liste Prävention or
    /// Blueprints) from CSV: key, name, provider, description, factors
    /// (';'-separated scale ids), grade_min, grade_max, settings (family;
    /// school; community; individual), evidence_level (proven, likely,
    /// founded, model_plus, model, promising), cost_notes, link, demo.
    /// Every row is checked first; a file with any bad row is rejected with
    /// every problem by row and column, and nothing changes. Existing keys
    /// are updated. Columns: docs/csv-formats.md.
    ImportPrograms {
        /// The CSV file.
        file: PathBuf,
    },
    /// Write the program catalog as CSV in the format `import-programs`
    /// reads.
    ExportPrograms {
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Import questionnaires from a CSV file into a wave: paper
    /// questionnaires typed in, or data from another survey tool. One row per
    /// pupil with the district code, school, class, grade, sex and the value
    /// of every item (columns: docs/csv-formats.md; `export-responses` writes
    /// the same format). Every row is checked first: if any row is bad, the
    /// whole file is rejected with a list of every problem by row and column,
    /// and nothing is imported.
    ImportResponses(crate::cli::responses::ImportArgs),
    /// Write every questionnaire of a wave as CSV, in the format that
    /// `import-responses` reads: district code, school, class, grade, sex and
    /// the value of every item (empty = skipped). Contains no names of
    /// pupils, but is still survey data: store it safely.
    ExportResponses(crate::cli::responses::ExportArgs),
    /// Published results of closed waves: `results rebuild`.
    #[command(subcommand)]
    Results(crate::cli::results::ResultsCommand),
}

impl Default for Command {
    fn default() -> Self {
        Command::Serve(ServeArgs::default())
    }
}

/// Opens the database, creating the directory of a SQLite file if needed, and
/// applies pending migrations.
pub async fn open_database(url: &str) -> anyhow::Result<Db> {
    if let Some(parent) = sqlite_file(url)
        .and_then(Path::parent)
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create directory {}", parent.display()))?;
    }
    let db = storage::connect(url)
        .await
        .with_context(|| format!("cannot open database {url}"))?;
    storage::migrate(&db)
        .await
        .context("cannot migrate the database")?;
    Ok(db)
}

/// The file path of a `sqlite:` URL, if it names a file.
fn sqlite_file(url: &str) -> Option<&Path> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| Path::new(path))
}

/// `import-instrument FILE`.
pub async fn import_instrument(db: &Db, file: &Path) -> anyhow::Result<()> {
    let source =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let instrument =
        Instrument::from_toml_str(&source, &file.display().to_string()).map_err(|errors| {
            anyhow::anyhow!("{} is not a valid instrument:\n{errors}", file.display())
        })?;
    match storage::survey::instruments::store(db, &instrument, &source).await? {
        StoreOutcome::Stored(id) => println!(
            "stored instrument {} version {} (id {id}): {} items, {} scales, {} outcome indicators, {} validity rules",
            instrument.id,
            instrument.version,
            instrument.items.len(),
            instrument.scales.len(),
            instrument.outcomes.len(),
            instrument.validity_rules.len()
        ),
        StoreOutcome::AlreadyPresent(id) => println!(
            "instrument {} version {} is already stored (id {id}); nothing changed",
            instrument.id, instrument.version
        ),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_file_extracts_the_path_and_ignores_memory_databases() {
        assert_eq!(
            sqlite_file("sqlite://data/q.db"),
            Some(Path::new("data/q.db"))
        );
        assert_eq!(sqlite_file("sqlite:q.db?mode=rwc"), Some(Path::new("q.db")));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://x"), None);
    }

    #[test]
    fn no_sub_command_means_serve() {
        let cli = Cli::try_parse_from(["server"]).unwrap();
        assert!(matches!(cli.command.unwrap_or_default(), Command::Serve(_)));
    }
}
