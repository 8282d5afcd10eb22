//! Survey set-up from the command line, for municipal IT: municipality,
//! districts, schools, a wave, its classes, access codes, participation.
//!
//! Every command checks all of its input before it writes anything, so bad
//! input is rejected with a precise message and changes nothing. The `add`
//! and `create` commands are idempotent: running the same command again
//! reports the existing row and changes nothing, so a set-up script can be
//! re-run; the same name with different details is refused.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use app::domain::survey::respondent::Grade;
use app::storage::geography::{MunicipalityRow, SchoolRow};
use app::storage::survey::{access_codes, instruments};
use app::storage::waves::{DistrictRule, WaveRow};
use app::storage::{Db, StorageError, geography, waves};
use clap::{Args, Subcommand};

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

// ---- municipality, district, school ----------------------------------------

/// `municipality add`.
pub async fn municipality_add(db: &Db, args: &MunicipalityAddArgs) -> anyhow::Result<()> {
    let name = required("--name", &args.name)?;
    let region = args
        .region
        .as_deref()
        .map(|r| required("--region", r))
        .transpose()?;
    if let Some(existing) = geography::find_municipality(db, name).await? {
        if let Some(region) = region
            && existing.region.as_deref() != Some(region)
        {
            bail!(
                "municipality \"{name}\" exists already (id {}) with region {}; nothing changed",
                existing.municipality_id,
                existing
                    .region
                    .map_or("(none)".to_string(), |r| format!("\"{r}\""))
            );
        }
        println!(
            "municipality \"{name}\" exists already (id {}); nothing changed",
            existing.municipality_id
        );
        return Ok(());
    }
    let id = geography::ensure_municipality(db, region, name).await?;
    println!("added municipality \"{name}\" (id {id})");
    Ok(())
}

/// `district add`.
pub async fn district_add(db: &Db, args: &DistrictAddArgs) -> anyhow::Result<()> {
    let municipality = municipality(db, &args.municipality).await?;
    let code = district_code(&args.code)?;
    let name = required("--name", &args.name)?;
    let districts = geography::districts(db, municipality.municipality_id).await?;
    if let Some(existing) = districts.iter().find(|d| d.code == code) {
        if existing.name != name {
            bail!(
                "district code {code} of {} is already \"{}\" (id {}); nothing changed",
                municipality.name,
                existing.name,
                existing.district_id
            );
        }
        println!(
            "district {code} \"{name}\" exists already (id {}); nothing changed",
            existing.district_id
        );
        return Ok(());
    }
    if let Some(existing) = districts.iter().find(|d| d.name == name) {
        bail!(
            "{} has a district \"{name}\" already, with code {} (id {}); nothing changed",
            municipality.name,
            existing.code,
            existing.district_id
        );
    }
    let id = geography::ensure_district(db, municipality.municipality_id, code, name).await?;
    println!(
        "added district {code} \"{name}\" to {} (id {id})",
        municipality.name
    );
    Ok(())
}

/// `school add`.
pub async fn school_add(db: &Db, args: &SchoolAddArgs) -> anyhow::Result<()> {
    let municipality = municipality(db, &args.municipality).await?;
    let code = district_code(&args.district)?;
    let name = required("--name", &args.name)?;
    let school_type = args
        .school_type
        .as_deref()
        .map(|t| required("--type", t))
        .transpose()?;
    let districts = geography::districts(db, municipality.municipality_id).await?;
    let Some(district) = districts.iter().find(|d| d.code == code) else {
        let known: Vec<&str> = districts.iter().map(|d| d.code.as_str()).collect();
        bail!(
            "{} has no district with code {code} (known: {}); add it first with `server district add`",
            municipality.name,
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        );
    };
    let schools = geography::school_rows(db, municipality.municipality_id).await?;
    if let Some(existing) = schools
        .iter()
        .find(|s| s.district_id == district.district_id && s.name == name)
    {
        if let Some(school_type) = school_type
            && existing.school_type.as_deref() != Some(school_type)
        {
            bail!(
                "school \"{name}\" in district {code} exists already (id {}) with type {}; nothing changed",
                existing.school_id,
                existing
                    .school_type
                    .as_ref()
                    .map_or("(none)".to_string(), |t| format!("\"{t}\""))
            );
        }
        println!(
            "school \"{name}\" in district {code} exists already (id {}); nothing changed",
            existing.school_id
        );
        return Ok(());
    }
    let id = geography::ensure_school(db, district.district_id, name, school_type).await?;
    println!("added school \"{name}\" in district {code} (id {id})");
    if let Some(other) = schools.iter().find(|s| s.name == name) {
        eprintln!(
            "note: district {} has a school \"{name}\" as well; other commands need the school id ({id} or {}) instead of the name",
            other.district_code, other.school_id
        );
    }
    Ok(())
}

// ---- wave and class --------------------------------------------------------

/// `wave create`.
pub async fn wave_create(db: &Db, args: &WaveCreateArgs) -> anyhow::Result<()> {
    let municipality = municipality(db, &args.municipality).await?;
    let name = required("--name", &args.name)?;
    let opens = parse_date("--opens", &args.opens)?;
    let closes = parse_date("--closes", &args.closes)?;
    if closes < opens {
        bail!(
            "--closes {closes} is before --opens {opens}; the survey must close on or after the day it opens"
        );
    }
    let grades = parse_grades(&args.grades)?;
    let district_rule = match args.district_rule {
        DistrictRuleArg::HomeElseSchool => DistrictRule::HomeElseSchool,
        DistrictRuleArg::School => DistrictRule::School,
    };
    let (instrument_id, instrument_label) = instrument(db, &args.instrument).await?;
    let grade_list = join(&grades);

    if let Some(existing) =
        waves::find_in_municipality(db, municipality.municipality_id, name).await?
    {
        let details = waves::details(db, existing.wave_id).await?;
        let mut differences = Vec::new();
        let mut differ = |what: &str, stored: String, given: String| {
            if stored != given {
                differences.push(format!("{what}: stored {stored}, given {given}"));
            }
        };
        differ(
            "instrument id",
            existing.instrument_id.to_string(),
            instrument_id.to_string(),
        );
        differ("opens", existing.opens_on.clone(), opens.clone());
        differ("closes", existing.closes_on.clone(), closes.clone());
        differ("grades", join(&details.grades), grade_list.clone());
        differ(
            "district rule",
            details.district_rule.as_str().into(),
            district_rule.as_str().into(),
        );
        if differences.is_empty() {
            println!(
                "wave \"{name}\" exists already (id {}); nothing changed",
                existing.wave_id
            );
            return Ok(());
        }
        bail!(
            "{} has a wave \"{name}\" already (id {}) with other settings ({}); nothing changed",
            municipality.name,
            existing.wave_id,
            differences.join("; ")
        );
    }

    let id = waves::create(
        db,
        &waves::NewWave {
            municipality: municipality.municipality_id,
            name,
            instrument: instrument_id,
            opens_on: &opens,
            closes_on: &closes,
            grades: &grades,
            district_rule,
        },
    )
    .await?;
    println!(
        "created wave \"{name}\" (id {id}) for {}: {instrument_label}, {opens} to {closes}, grades {grade_list}",
        municipality.name
    );
    Ok(())
}

/// `class add`.
pub async fn class_add(db: &Db, args: &ClassAddArgs) -> anyhow::Result<()> {
    let wave = wave(db, &args.wave).await?;
    let school = school(db, &wave, &args.school).await?;
    let name = required("--name", &args.name)?;
    let grade = Grade::parse(&args.grade).map_err(|e| anyhow!("--grade: {e}"))?;
    let details = waves::details(db, wave.wave_id).await?;
    if !details.grades.contains(&grade) {
        bail!(
            "grade {grade} is not surveyed in wave \"{}\" (grades {}); nothing changed",
            wave.name,
            join(&details.grades)
        );
    }
    if let Some(existing) = waves::find_class(db, wave.wave_id, school.school_id, name).await? {
        if existing.grade != grade || existing.enrolled != args.pupils {
            bail!(
                "class {name} of {} exists already in wave \"{}\" (id {}) with grade {} and {} pupils; nothing changed",
                school.name,
                wave.name,
                existing.class_id,
                existing.grade,
                existing.enrolled
            );
        }
        println!(
            "class {name} of {} exists already (id {}); nothing changed",
            school.name, existing.class_id
        );
        return Ok(());
    }
    let id =
        waves::create_class(db, wave.wave_id, school.school_id, name, grade, args.pupils).await?;
    println!(
        "added class {name} (grade {grade}, {} pupils) of {} to wave \"{}\" (id {id})",
        args.pupils, school.name, wave.name
    );
    Ok(())
}

// ---- access codes ----------------------------------------------------------

/// `codes generate`: new codes for a class, printed once as CSV
/// (`school,class,code`) and stored only as hashes.
///
/// The codes are generated inside a transaction that is committed only after
/// the CSV has been written completely: if writing fails, nothing is stored.
pub async fn codes_generate(db: &Db, args: &CodesGenerateArgs) -> anyhow::Result<()> {
    use rand::SeedableRng;
    let wave = wave(db, &args.wave).await?;
    let school = school(db, &wave, &args.school).await?;
    let class_name = required("--class", &args.class)?;
    let class = waves::find_class(db, wave.wave_id, school.school_id, class_name)
        .await?
        .ok_or_else(|| {
            anyhow!(
                "wave \"{}\" has no class {class_name} at {}; add it first with `server class add`",
                wave.name,
                school.name
            )
        })?;
    let existing = access_codes::count_for_class(db, class.class_id).await?;
    let count = match args.extra {
        Some(extra) => extra,
        None if existing > 0 => bail!(
            "class {class_name} of {} has {existing} codes already, and codes cannot be shown again. \
             To print more (a lost sheet, new pupils), use --extra N: the earlier codes stay valid",
            school.name
        ),
        None => class.enrolled + args.spares,
    };
    if count == 0 {
        bail!("class {class_name} has 0 pupils enrolled and --spares is 0: no codes to generate");
    }

    // Opened before anything is generated: an existing file is never
    // overwritten (it may hold codes that cannot be printed again).
    let mut file = match &args.output {
        Some(path) => Some(create_private_file(path)?),
        None => None,
    };
    let mut tx = db.begin().await?;
    let mut rng = rand::rngs::StdRng::from_os_rng();
    let written = async {
        let codes = access_codes::generate_in(&mut tx, class.class_id, count, &mut rng).await?;
        match file.as_mut() {
            Some(file) => {
                write_codes(&mut *file, &school.name, class_name, &codes)?;
                file.sync_all()?;
            }
            None => write_codes(std::io::stdout().lock(), &school.name, class_name, &codes)?,
        }
        anyhow::Ok(codes.len())
    }
    .await;
    let committed = match written {
        Ok(n) => tx.commit().await.map(|()| n).map_err(anyhow::Error::from),
        Err(error) => Err(error),
    };
    let written = match committed {
        Ok(n) => n,
        Err(error) => {
            let shown = match &args.output {
                Some(path) => {
                    drop(file);
                    let _ = std::fs::remove_file(path);
                    format!("{} was removed", path.display())
                }
                None => "any codes printed above are not valid".to_string(),
            };
            return Err(error.context(format!("no codes were stored ({shown})")));
        }
    };

    let destination = args
        .output
        .as_ref()
        .map_or("standard output".to_string(), |p| p.display().to_string());
    let breakdown = match args.extra {
        Some(_) => format!("{existing} earlier codes stay valid"),
        None => format!("{} pupils + {} spares", class.enrolled, args.spares),
    };
    eprintln!(
        "{written} access codes for class {class_name} of {} (wave \"{}\"; {breakdown}) written to {destination}.\n\
         IMPORTANT: Quartier stores only a hash of each code. These codes can never be shown again: \
         print them now and keep them locked away until they are handed out.",
        school.name, wave.name
    );
    Ok(())
}

fn write_codes(
    out: impl Write,
    school: &str,
    class: &str,
    codes: &[app::domain::survey::access_code::AccessCode],
) -> anyhow::Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(["school", "class", "code"])?;
    for code in codes {
        csv.write_record([school, class, &code.to_string()])?;
    }
    csv.flush()?;
    Ok(())
}

/// Creates a new file readable only by its owner (on Unix); refuses to
/// overwrite an existing one.
fn create_private_file(path: &Path) -> anyhow::Result<std::fs::File> {
    let mut options = std::fs::File::options();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(|error| {
        if error.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow!(
                "{} exists already; it is never overwritten, because it may hold codes that cannot be printed again. Choose another file name",
                path.display()
            )
        } else {
            anyhow::Error::from(error).context(format!("cannot create {}", path.display()))
        }
    })
}

// ---- participation ---------------------------------------------------------

/// `participation`.
pub async fn participation(db: &Db, args: &ParticipationArgs) -> anyhow::Result<()> {
    let wave = wave(db, &args.wave).await?;
    let rows = app::analysis::participation_report(db, &wave, None).await?;
    // `excluded` is withheld until the wave is over; say why it is empty.
    let closed = wave.is_closed();
    match &args.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            app::export::write_participation_csv(std::io::BufWriter::new(file), &rows)?;
        }
        None => app::export::write_participation_csv(std::io::stdout().lock(), &rows)?,
    }
    if !closed {
        eprintln!(
            "note: the column excluded stays empty until the wave has closed ({}), so that nobody can tell whose questionnaire was excluded",
            wave.closes_on
        );
    }
    Ok(())
}

// ---- lookups ----------------------------------------------------------------

async fn municipality(db: &Db, name: &str) -> anyhow::Result<MunicipalityRow> {
    let name = required("--municipality", name)?;
    geography::find_municipality(db, name)
        .await?
        .ok_or_else(|| {
            anyhow!(
                "no municipality named \"{name}\"; add it first with `server municipality add --name \"{name}\"`"
            )
        })
}

pub(crate) async fn wave(db: &Db, id_or_name: &str) -> anyhow::Result<WaveRow> {
    let id_or_name = required("--wave", id_or_name)?;
    waves::find(db, id_or_name).await?.ok_or_else(|| {
        anyhow!("no wave with id or name \"{id_or_name}\"; create it with `server wave create`")
    })
}

/// A school of the wave's municipality by id (all digits) or exact name.
async fn school(db: &Db, wave: &WaveRow, id_or_name: &str) -> anyhow::Result<SchoolRow> {
    let id_or_name = required("--school", id_or_name)?;
    let schools = geography::school_rows(db, wave.municipality_id).await?;
    if let Ok(id) = id_or_name.parse::<i64>()
        && let Some(school) = schools.iter().find(|s| s.school_id == id)
    {
        return Ok(school.clone());
    }
    let mut named: Vec<&SchoolRow> = schools.iter().filter(|s| s.name == id_or_name).collect();
    match named.len() {
        1 => Ok(named.remove(0).clone()),
        0 => {
            let mut message = format!(
                "no school \"{id_or_name}\" in the municipality of wave \"{}\"",
                wave.name
            );
            let similar: Vec<&str> = schools
                .iter()
                .map(|s| s.name.as_str())
                .filter(|s| s.to_lowercase() == id_or_name.to_lowercase())
                .collect();
            if !similar.is_empty() {
                message.push_str(&format!(" (did you mean \"{}\"?)", similar.join("\", \"")));
            }
            message.push_str("; add it with `server school add`");
            Err(anyhow!(message))
        }
        _ => Err(anyhow!(
            "several schools are named \"{id_or_name}\" ({}); give the school id instead",
            named
                .iter()
                .map(|s| format!("id {} in district {}", s.school_id, s.district_code))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Resolves `KEY@VERSION` or an instrument id; returns the id and a label.
async fn instrument(db: &Db, reference: &str) -> anyhow::Result<(i64, String)> {
    let reference = required("--instrument", reference)?;
    let id = if let Ok(id) = reference.parse::<i64>() {
        id
    } else if let Some((key, version)) = reference
        .split_once('@')
        .filter(|(k, v)| !k.trim().is_empty() && !v.trim().is_empty())
    {
        let (key, version) = (key.trim(), version.trim());
        instruments::find(db, key, version).await?.ok_or_else(|| {
            anyhow!(
                "no instrument {key} version {version} is stored; import it first with `server import-instrument FILE`"
            )
        })?
    } else {
        bail!(
            "--instrument \"{reference}\": expected KEY@VERSION, e.g. ctc-demo@2026.1, or an instrument id"
        );
    };
    match instruments::load(db, id).await {
        Ok(instrument) => Ok((
            id,
            format!("instrument {}@{}", instrument.id, instrument.version),
        )),
        Err(StorageError::NotFound(_)) => bail!(
            "no instrument with id {id} is stored; import it first with `server import-instrument FILE`"
        ),
        Err(other) => Err(other.into()),
    }
}

// ---- pure input checks -------------------------------------------------------

/// A trimmed, non-empty value.
fn required<'a>(flag: &str, value: &'a str) -> anyhow::Result<&'a str> {
    let value = value.trim();
    if value.is_empty() {
        bail!("{flag} must not be empty");
    }
    Ok(value)
}

/// A district code: letters, digits, `-` and `_` (it appears in CSV files
/// and URLs).
fn district_code(code: &str) -> anyhow::Result<&str> {
    let code = required("--code", code)?;
    if let Some(bad) = code
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        bail!(
            "district code \"{code}\" contains \"{bad}\"; use only letters A-Z, digits, - and _, e.g. NORD or DO-NORD"
        );
    }
    Ok(code)
}

/// Checks an ISO date `YYYY-MM-DD` (a real calendar day) and returns it.
fn parse_date(flag: &str, text: &str) -> anyhow::Result<String> {
    let text = text.trim();
    let parts: Vec<&str> = text.split('-').collect();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if parts.len() != 3 || !digits(parts[0], 4) || !digits(parts[1], 2) || !digits(parts[2], 2) {
        let mut message =
            format!("{flag} \"{text}\" is not a date in the form YYYY-MM-DD, e.g. 2026-03-02");
        // German dates are written DD.MM.YYYY.
        let german: Vec<&str> = text.split('.').collect();
        if german.len() == 3
            && digits(german[2], 4)
            && (1..=2).contains(&german[0].len())
            && (1..=2).contains(&german[1].len())
        {
            message.push_str(&format!(
                " (for {text} write {}-{:0>2}-{:0>2})",
                german[2], german[1], german[0]
            ));
        }
        bail!(message);
    }
    let year: u32 = parts[0].parse()?;
    let month: u32 = parts[1].parse()?;
    let day: u32 = parts[2].parse()?;
    if !(1..=12).contains(&month) {
        bail!("{flag} \"{text}\": there is no month {month}");
    }
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=days).contains(&day) {
        bail!("{flag} \"{text}\": month {month} of {year} has {days} days");
    }
    Ok(text.to_string())
}

/// Parses `6,8,10` into ascending grades; duplicates and grades outside
/// 1..=13 are refused.
fn parse_grades(text: &str) -> anyhow::Result<Vec<Grade>> {
    let mut grades = Vec::new();
    for part in text.split(',').map(str::trim) {
        if part.is_empty() {
            bail!("--grades \"{text}\": empty entry; write the grades like 6,8,10");
        }
        let grade = Grade::parse(part).map_err(|e| anyhow!("--grades: {e}"))?;
        if grades.contains(&grade) {
            bail!("--grades \"{text}\": grade {grade} is given twice");
        }
        grades.push(grade);
    }
    grades.sort_unstable();
    Ok(grades)
}

fn join(grades: &[Grade]) -> String {
    grades
        .iter()
        .map(Grade::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_must_be_iso_calendar_days() {
        assert_eq!(parse_date("--opens", "2026-03-02").unwrap(), "2026-03-02");
        assert_eq!(parse_date("--opens", " 2028-02-29 ").unwrap(), "2028-02-29");
        let error = |text: &str| parse_date("--opens", text).unwrap_err().to_string();
        assert!(error("2026-02-29").contains("month 2 of 2026 has 28 days"));
        assert!(error("2026-13-01").contains("no month 13"));
        assert!(error("2026-3-2").contains("YYYY-MM-DD"));
        assert!(
            error("2.3.2026").contains("write 2026-03-02"),
            "{}",
            error("2.3.2026")
        );
        assert!(error("").contains("--opens"));
        assert!(parse_date("--closes", "2100-02-29").is_err());
        assert!(parse_date("--closes", "2000-02-29").is_ok());
    }

    #[test]
    fn grades_are_checked_sorted_and_unique() {
        let grades = parse_grades("10, 6,8").unwrap();
        assert_eq!(join(&grades), "6,8,10");
        assert!(
            parse_grades("6,14")
                .unwrap_err()
                .to_string()
                .contains("\"14\"")
        );
        assert!(
            parse_grades("6,6")
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
        assert!(
            parse_grades("6,,8")
                .unwrap_err()
                .to_string()
                .contains("empty")
        );
        assert!(parse_grades("").is_err());
    }

    #[test]
    fn district_codes_are_url_safe() {
        assert_eq!(district_code(" DO-NORD ").unwrap(), "DO-NORD");
        assert!(
            district_code("Nord Stadt")
                .unwrap_err()
                .to_string()
                .contains("\" \"")
        );
        assert!(district_code("").is_err());
    }
}
