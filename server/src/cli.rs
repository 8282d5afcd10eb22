//! Command line: sub-commands, their arguments and the small ones' bodies.

use anyhow::Context;
use app::domain::analysis::aggregate::Dimension;
use app::domain::analysis::norms::parse_norms;
use app::domain::analysis::report::{NormTable, ReportOptions};
use app::domain::analysis::suppression::MinGroupSize;
use app::domain::survey::instrument::Instrument;
use app::export::{GroupNames, write_profile_csv};
use app::storage::{self, Db, survey::instruments::StoreOutcome};
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

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
    User(crate::accounts::UserCommand),
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
    Norms(crate::norms::NormsCommand),
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
    ImportResponses(crate::responses_csv::ImportArgs),
    /// Write every questionnaire of a wave as CSV, in the format that
    /// `import-responses` reads: district code, school, class, grade, sex and
    /// the value of every item (empty = skipped). Contains no names of
    /// pupils, but is still survey data: store it safely.
    ExportResponses(crate::responses_csv::ExportArgs),
    /// Published results of closed waves: `results rebuild`.
    #[command(subcommand)]
    Results(crate::results::ResultsCommand),
}

/// Arguments of `export-profile`.
#[derive(Debug, Args)]
pub struct ExportProfileArgs {
    /// The wave: its id or its exact name, e.g. "Frühjahr 2026".
    #[arg(long)]
    pub wave: String,
    /// Breakdown, comma-separated from district, school, grade, sex. Every
    /// combination and the totals are written.
    #[arg(long, default_value = "district", value_delimiter = ',')]
    pub by: Vec<String>,
    /// Output format (only csv).
    #[arg(long, default_value = "csv", value_parser = ["csv"])]
    pub format: String,
    /// Minimum valid answers per group; smaller groups are suppressed.
    /// At least 10.
    #[arg(long, default_value_t = 15)]
    pub min_group_size: u64,
    /// Include questionnaires flagged by the validity rules.
    #[arg(long)]
    pub include_flagged: bool,
    /// Language of the factor labels (de or en).
    #[arg(long, default_value = "de")]
    pub language: String,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Compare with imported reference values (e.g. a state survey) instead
    /// of the city total: a CSV file with the columns `factor` (scale or
    /// outcome id), `grade` (empty = all grades) and `percent`.
    #[arg(long)]
    pub norms: Option<PathBuf>,
    /// Name of the norms shown in the `reference` column, e.g.
    /// "Niedersachsen 2015".
    #[arg(long, default_value = "norm", requires = "norms")]
    pub norm_label: String,
    /// Compare with a stored norm set (see `server norms list`) instead of
    /// the city total.
    #[arg(long, conflicts_with = "norms")]
    pub reference: Option<String>,
}

/// Reads a norms file (`factor,grade,percent`) for the factors of
/// `instrument`; every bad row is reported with its row and column.
pub fn read_norms(path: &Path, label: &str, instrument: &Instrument) -> anyhow::Result<NormTable> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read norms file {}", path.display()))?;
    let (header, rows) = crate::planning::split_csv(&text)?;
    let known: Vec<String> = instrument
        .scales
        .iter()
        .map(|s| s.id.clone())
        .chain(instrument.outcomes.iter().map(|o| o.id.clone()))
        .collect();
    let values = parse_norms(&header, &rows, &known)
        .map_err(|problems| anyhow::anyhow!("{} has bad rows:\n{problems}", path.display()))?;
    Ok(NormTable::new(label, &values))
}

/// Runs `write` on the file `output`, or on standard output.
pub fn write_output(
    output: Option<&Path>,
    write: impl FnOnce(&mut dyn std::io::Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let mut file = std::io::BufWriter::new(file);
            write(&mut file)?;
            std::io::Write::flush(&mut file)?;
            Ok(())
        }
        None => write(&mut std::io::stdout().lock()),
    }
}

impl Default for Command {
    fn default() -> Self {
        Command::Serve(ServeArgs::default())
    }
}

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

/// Arguments of `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Seed of the synthetic answers; the same seed gives the same data.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Pupils enrolled per class (about nine in ten take part).
    #[arg(long, default_value_t = 25)]
    pub class_size: u32,
}

/// `municipality` sub-commands.
#[derive(Debug, Subcommand)]
pub enum MunicipalityCommand {
    /// Add a municipality (Kommune), the top of the geography.
    ///
    /// Districts, schools and survey waves belong to a municipality. Running
    /// the same command again changes nothing, so set-up scripts can be
    /// re-run. An existing municipality with another region is refused.
    ///
    /// Example:
    ///
    ///     server municipality add --name "Dortmund" --region "Ruhrgebiet"
    #[command(verbatim_doc_comment)]
    Add(MunicipalityAddArgs),
}

/// Arguments of `municipality add`.
#[derive(Debug, Args)]
pub struct MunicipalityAddArgs {
    /// Name of the municipality, unique, e.g. "Dortmund".
    #[arg(long)]
    pub name: String,
    /// Region (e.g. Landkreis or Regierungsbezirk) it belongs to; created if
    /// missing.
    #[arg(long)]
    pub region: Option<String>,
}

/// `district` sub-commands.
#[derive(Debug, Subcommand)]
pub enum DistrictCommand {
    /// Add a district (Stadtteil) to a municipality.
    ///
    /// Profiles are reported per district, and each school lies in one. The
    /// code is short and stable: it appears in CSV files and links, so
    /// use letters, digits, - and _ only. Running the same command again
    /// changes nothing; a code or name already used for another district is
    /// refused.
    ///
    /// Example:
    ///
    ///     server district add --municipality "Dortmund" --code NORD --name "Nordstadt"
    #[command(verbatim_doc_comment)]
    Add(DistrictAddArgs),
}

/// Arguments of `district add`.
#[derive(Debug, Args)]
pub struct DistrictAddArgs {
    /// The municipality's exact name.
    #[arg(long)]
    pub municipality: String,
    /// Short stable code, unique in the municipality, e.g. NORD.
    #[arg(long)]
    pub code: String,
    /// Display name, unique in the municipality, e.g. "Nordstadt".
    #[arg(long)]
    pub name: String,
}

/// `school` sub-commands.
#[derive(Debug, Subcommand)]
pub enum SchoolCommand {
    /// Add a school to the district it is located in.
    ///
    /// Other commands find the school by its exact name (or its id, which
    /// this command prints). Running the same command again changes nothing.
    ///
    /// Example:
    ///
    ///     server school add --municipality "Dortmund" --district NORD \
    ///         --name "Gesamtschule Nordstadt" --type Gesamtschule
    #[command(verbatim_doc_comment)]
    Add(SchoolAddArgs),
}

/// Arguments of `school add`.
#[derive(Debug, Args)]
pub struct SchoolAddArgs {
    /// The municipality's exact name.
    #[arg(long)]
    pub municipality: String,
    /// Code of the district the school is located in, e.g. NORD.
    #[arg(long)]
    pub district: String,
    /// Name of the school, unique in its district.
    #[arg(long)]
    pub name: String,
    /// School type, e.g. Gymnasium, Gesamtschule, Realschule, Hauptschule,
    /// Förderschule.
    #[arg(long = "type")]
    pub school_type: Option<String>,
}

/// `wave` sub-commands.
#[derive(Debug, Subcommand)]
pub enum WaveCommand {
    /// Create a survey wave and print its id.
    ///
    /// A wave says which municipality surveys which grades with which
    /// questionnaire (instrument) between which dates. Other commands take
    /// the wave's id or its exact name.
    ///
    /// Import the instrument first (`server import-instrument FILE`); name it
    /// as KEY@VERSION as printed by the import, or by its id. Dates are ISO
    /// dates (YYYY-MM-DD); the survey is open from --opens to --closes, both
    /// days included. Running the same command again changes nothing; a wave
    /// of the same name with other settings is refused.
    ///
    /// Example:
    ///
    ///     server wave create --municipality "Dortmund" --name "Frühjahr 2026" \
    ///         --instrument ctc-demo@2026.1 --opens 2026-03-02 --closes 2026-04-24 \
    ///         --grades 6,8,10
    #[command(verbatim_doc_comment)]
    Create(WaveCreateArgs),
    /// Close a wave before its last day: pupils can no longer answer, and
    /// the wave's results are published (they are published only for closed
    /// waves). Closing a closed wave changes nothing.
    ///
    /// Example:
    ///
    ///     server wave close --wave "Frühjahr 2026"
    #[command(verbatim_doc_comment)]
    Close {
        /// The wave: its id or its exact name.
        #[arg(long)]
        wave: String,
    },
}

/// Which district a questionnaire counts for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DistrictRuleArg {
    /// The district the pupil lives in, where the pupil gave it; otherwise
    /// the school's district.
    HomeElseSchool,
    /// Always the district the school is located in.
    School,
}

/// Arguments of `wave create`.
#[derive(Debug, Args)]
pub struct WaveCreateArgs {
    /// The municipality's exact name.
    #[arg(long)]
    pub municipality: String,
    /// Name of the wave, unique in the municipality, e.g. "Frühjahr 2026".
    #[arg(long)]
    pub name: String,
    /// The questionnaire: KEY@VERSION, e.g. ctc-demo@2026.1, or its id.
    #[arg(long)]
    pub instrument: String,
    /// First day of the survey, YYYY-MM-DD, e.g. 2026-03-02.
    #[arg(long)]
    pub opens: String,
    /// Last day of the survey, YYYY-MM-DD, on or after --opens.
    #[arg(long)]
    pub closes: String,
    /// Surveyed grades (Jahrgangsstufen 1 to 13), comma-separated, e.g.
    /// 6,8,10.
    #[arg(long)]
    pub grades: String,
    /// Which district a questionnaire counts for in the profiles.
    #[arg(long, value_enum, default_value_t = DistrictRuleArg::HomeElseSchool)]
    pub district_rule: DistrictRuleArg,
}

/// `class` sub-commands.
#[derive(Debug, Subcommand)]
pub enum ClassCommand {
    /// Register a class of a school for a wave.
    ///
    /// The number of pupils enrolled sets the number of access codes and is
    /// the base of the participation rate. The grade must be one of the
    /// wave's grades. Running the same command again changes nothing.
    ///
    /// Example:
    ///
    ///     server class add --wave "Frühjahr 2026" --school "Gesamtschule Nordstadt" \
    ///         --name 8a --grade 8 --pupils 25
    #[command(verbatim_doc_comment)]
    Add(ClassAddArgs),
}

/// Arguments of `class add`.
#[derive(Debug, Args)]
pub struct ClassAddArgs {
    /// The wave: its id or its exact name.
    #[arg(long)]
    pub wave: String,
    /// The school: its exact name or its id.
    #[arg(long)]
    pub school: String,
    /// Name of the class, unique in the school for this wave, e.g. 8a.
    #[arg(long)]
    pub name: String,
    /// Grade of the class (1 to 13), one of the wave's grades.
    #[arg(long)]
    pub grade: String,
    /// Pupils enrolled in the class (1 to 1000).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub pupils: u32,
}

/// `codes` sub-commands.
#[derive(Debug, Subcommand)]
pub enum CodesCommand {
    /// Generate a class's one-time access codes and print them once, as CSV.
    ///
    /// The CSV has the columns school, class, code (e.g. K7M-4QX-9TB). One
    /// code per pupil enrolled plus --spares (for lost codes and new
    /// pupils). Each pupil gets one code; the codes say nothing about who
    /// received them. Quartier stores only a hash of each code, so the codes
    /// CANNOT BE SHOWN AGAIN: print them straight away and keep the sheet
    /// locked away until it is handed out. --output never overwrites a file.
    /// Nothing is stored unless the codes were written completely.
    ///
    /// A class that has codes already gets more only with --extra N (the
    /// earlier codes stay valid).
    ///
    /// Example:
    ///
    ///     server codes generate --wave "Frühjahr 2026" --school "Gesamtschule Nordstadt" \
    ///         --class 8a --spares 3 --output codes-8a.csv
    #[command(verbatim_doc_comment)]
    Generate(CodesGenerateArgs),
}

/// Arguments of `codes generate`.
#[derive(Debug, Args)]
pub struct CodesGenerateArgs {
    /// The wave: its id or its exact name.
    #[arg(long)]
    pub wave: String,
    /// The school: its exact name or its id.
    #[arg(long)]
    pub school: String,
    /// The class, e.g. 8a.
    #[arg(long)]
    pub class: String,
    /// Codes beyond one per pupil enrolled (0 to 100).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(0..=100))]
    pub spares: u32,
    /// For a class that has codes already: generate exactly this many more
    /// (1 to 1000).
    #[arg(long, conflicts_with = "spares", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub extra: Option<u32>,
    /// Write the codes to this new file (readable only by you) instead of
    /// standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

/// Arguments of `participation`.
#[derive(Debug, Args)]
pub struct ParticipationArgs {
    /// The wave: its id or its exact name, e.g. "Frühjahr 2026".
    #[arg(long)]
    pub wave: String,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
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

/// Parses a breakdown list such as `district,grade`.
pub fn parse_breakdown(names: &[String]) -> anyhow::Result<Vec<Dimension>> {
    let mut dimensions = Vec::new();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let dimension = Dimension::ALL
            .into_iter()
            .find(|d| d.as_str() == name)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "unknown breakdown \"{name}\" (expected district, school, grade or sex)"
                )
            })?;
        if dimensions.contains(&dimension) {
            anyhow::bail!("breakdown \"{name}\" is given twice");
        }
        dimensions.push(dimension);
    }
    Ok(dimensions)
}

/// `export-trend`.
pub async fn export_trend(
    db: &Db,
    municipality: &str,
    by: &[String],
    min_group_size: u64,
    language: &str,
) -> anyhow::Result<()> {
    let breakdown = parse_breakdown(by)?;
    let row = storage::geography::find_municipality(db, municipality)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no municipality named \"{municipality}\""))?;
    let options = ReportOptions {
        min_group_size: MinGroupSize::new(min_group_size)?,
        ..ReportOptions::default()
    };
    let series =
        app::analysis::municipality_trends(db, row.municipality_id, &breakdown, &options).await?;
    let names = GroupNames {
        districts: storage::geography::districts(db, row.municipality_id)
            .await?
            .into_iter()
            .map(|d| (d.district_id, (d.code, d.name)))
            .collect(),
        schools: storage::geography::schools(db, row.municipality_id)
            .await?
            .into_iter()
            .collect(),
    };
    app::export::write_trend_csv(std::io::stdout().lock(), &series, &names, language)?;
    Ok(())
}

/// `export-profile`.
pub async fn export_profile(db: &Db, args: &ExportProfileArgs) -> anyhow::Result<()> {
    let breakdown = parse_breakdown(&args.by)?;
    let wave = storage::waves::find(db, &args.wave)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no wave with id or name \"{}\"", args.wave))?;
    let norms = match (&args.norms, &args.reference) {
        (Some(path), _) => {
            let instrument = storage::survey::instruments::load(db, wave.instrument_id).await?;
            Some(read_norms(path, &args.norm_label, &instrument)?)
        }
        (None, Some(key)) => app::analysis::page_reference(db, &wave, Some(key))
            .await?
            .norms()
            .cloned(),
        (None, None) => None,
    };
    let options = ReportOptions {
        min_group_size: MinGroupSize::new(args.min_group_size)?,
        norms,
        ..ReportOptions::default()
    };
    let table =
        app::analysis::wave_profile(db, &wave, &breakdown, args.include_flagged, &options).await?;
    let names = GroupNames {
        districts: storage::geography::districts(db, wave.municipality_id)
            .await?
            .into_iter()
            .map(|d| (d.district_id, (d.code, d.name)))
            .collect(),
        schools: storage::geography::schools(db, wave.municipality_id)
            .await?
            .into_iter()
            .collect(),
    };
    write_output(args.output.as_deref(), |out| {
        Ok(write_profile_csv(
            out,
            &wave.name,
            &table,
            &names,
            &args.language,
        )?)
    })
}

async fn wave(db: &Db, id_or_name: &str) -> anyhow::Result<storage::waves::WaveRow> {
    storage::waves::find(db, id_or_name)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no wave with id or name \"{id_or_name}\""))
}

/// `export-quality`.
pub async fn export_quality(db: &Db, wave_name: &str) -> anyhow::Result<()> {
    let wave = wave(db, wave_name).await?;
    let report = app::analysis::wave_quality(db, &wave).await?;
    app::export::write_quality_csv(std::io::stdout().lock(), &report)?;
    Ok(())
}

/// `calibrate`.
pub async fn calibrate(db: &Db, wave_name: &str, outcome: Option<&str>) -> anyhow::Result<()> {
    use app::analysis::CalibrationCriterion;
    let wave = wave(db, wave_name).await?;
    let criterion = outcome.map_or(CalibrationCriterion::AnyProblemBehaviour, |id| {
        CalibrationCriterion::Outcome(id.to_string())
    });
    let rows = app::analysis::wave_calibration(db, &wave, &criterion).await?;
    let mut out = csv::Writer::from_writer(std::io::stdout().lock());
    out.write_record([
        "scale",
        "grade",
        "n",
        "auc",
        "candidate",
        "cut",
        "percent_flagged",
        "sensitivity",
        "specificity",
        "youden",
    ])?;
    for row in rows {
        let Some(report) = row.report else { continue };
        let auc = report.auc.map_or(String::new(), |a| format!("{a:.3}"));
        let candidates = [
            Some(&report.current),
            report.rule_based.as_ref(),
            report.youden_optimal.as_ref(),
        ];
        for candidate in candidates.into_iter().flatten() {
            let metric = |f: fn(&app::domain::analysis::stats::ClassificationMetrics) -> f64| {
                candidate
                    .metrics
                    .as_ref()
                    .map_or(String::new(), |m| format!("{:.3}", f(m)))
            };
            let source = match candidate.source {
                app::domain::analysis::calibration::CandidateSource::Current => "instrument",
                app::domain::analysis::calibration::CandidateSource::Rule => "median_plus_0.15_mad",
                app::domain::analysis::calibration::CandidateSource::YoudenOptimal => {
                    "youden_optimal_in_sample"
                }
            };
            out.write_record([
                row.scale.clone(),
                row.grade.to_string(),
                report.n_scores.to_string(),
                auc.clone(),
                source.to_string(),
                format!("{:.3}", candidate.cut),
                format!("{:.2}", candidate.flagged_percent),
                metric(|m| m.sensitivity),
                metric(|m| m.specificity),
                metric(|m| m.youden),
            ])?;
        }
    }
    out.flush()?;
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
    fn breakdowns_parse_and_bad_ones_are_named() {
        let parse =
            |s: &str| parse_breakdown(&s.split(',').map(str::to_string).collect::<Vec<_>>());
        assert_eq!(
            parse("district,grade").unwrap(),
            vec![Dimension::District, Dimension::Grade]
        );
        assert!(
            parse("district,age")
                .unwrap_err()
                .to_string()
                .contains("\"age\"")
        );
        assert!(parse("sex,sex").unwrap_err().to_string().contains("twice"));
    }

    #[test]
    fn no_sub_command_means_serve() {
        let cli = Cli::try_parse_from(["server"]).unwrap();
        assert!(matches!(cli.command.unwrap_or_default(), Command::Serve(_)));
    }
}
