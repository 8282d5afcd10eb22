//! `import-responses` and `export-responses`: questionnaires as CSV, one row
//! per pupil (format: docs/csv-formats.md, "Responses (import and export)").
//!
//! The import reads the whole file first. Each row is checked against the
//! instrument and the wave (`app::domain::survey::response_csv`) and its district,
//! school and class are looked up; only then is anything written, in one
//! transaction. A file with a bad row is rejected whole with every problem
//! named by row and column, unless `--skip-bad-rows` is given.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use app::domain::survey::instrument::{AnswerError, Instrument};
use app::domain::survey::respondent::Grade;
use app::domain::survey::response_csv;
use app::domain::survey::response_csv::{
    CellError, ExportRow, HeaderErrors, ParsedRow, ResponseColumns, RowKeys,
};
use app::domain::survey::validity::flagging_rules;
use app::storage;
use app::storage::Db;
use app::storage::survey::instruments::InstrumentId;
use app::storage::survey::responses;
use app::storage::survey::responses::{
    ExportedResponse, ImportBatch, ImportRef, ImportedResponse, NewClass, NewDistrict, NewSchool,
    WaveDirectory,
};
use clap::Args;

/// Progress is reported on standard error every this many rows.
const PROGRESS_EVERY: usize = 5_000;

/// Arguments of `import-responses`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The wave to import into: its id or its exact name, e.g.
    /// "Frühjahr 2026". The answers must be for the wave's instrument.
    #[arg(long)]
    pub wave: String,
    /// The CSV file: UTF-8, comma-separated, one header row, then one row per
    /// questionnaire with the columns district (code), school, class, grade,
    /// sex and one column per item code holding the answer's value (empty =
    /// skipped). `export-responses` writes this format.
    #[arg(long)]
    pub file: PathBuf,
    /// Import the good rows and list the bad ones, instead of rejecting the
    /// whole file when any row is bad.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Create districts (named by their code), schools and classes (with 0
    /// pupils enrolled) that do not exist yet, instead of reporting them as
    /// errors. Use it to import into a municipality or wave that is not set
    /// up yet.
    #[arg(long)]
    pub create_missing: bool,
}

/// Arguments of `export-responses`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The wave: its id or its exact name, e.g. "Frühjahr 2026".
    #[arg(long)]
    pub wave: String,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

/// Why an import was refused. Nothing was written in any case.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file cannot be opened or is not CSV.
    #[error("cannot read {path}")]
    Read {
        /// The file.
        path: String,
        /// What went wrong.
        #[source]
        source: csv::Error,
    },
    /// The header does not fit the wave's instrument.
    #[error(
        "{path} was rejected, nothing was imported: the header does not fit instrument {instrument}:\n{errors}"
    )]
    Header {
        /// The file.
        path: String,
        /// Instrument id and version of the wave.
        instrument: String,
        /// Every header problem.
        errors: HeaderErrors,
    },
    /// Rows are bad and `--skip-bad-rows` was not given.
    #[error(
        "{path} was rejected, nothing was imported: {} problem(s) in {bad_rows} of {rows} rows (fix them, or use --skip-bad-rows to import the good rows only):\n{}",
        .problems.len(),
        render(.problems)
    )]
    Rejected {
        /// The file.
        path: String,
        /// Data rows read (blank rows not counted).
        rows: usize,
        /// Rows with at least one problem.
        bad_rows: usize,
        /// Every problem, by row and column.
        problems: Vec<CellError>,
    },
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A stored response is encoded for another instrument than the wave's.
    #[error(
        "questionnaire {position} of the wave is stored for instrument {found}, but the wave uses instrument {expected}"
    )]
    OtherInstrument {
        /// 1-based position in response order.
        position: usize,
        /// Its instrument id.
        found: InstrumentId,
        /// The wave's instrument id.
        expected: InstrumentId,
    },
    /// Stored answers that do not decode (validated storage never holds them).
    #[error("questionnaire {position} of the wave has answers that do not fit the instrument")]
    Answers {
        /// 1-based position in response order.
        position: usize,
        /// The decoding problem.
        #[source]
        source: AnswerError,
    },
    /// Writing failed.
    #[error("cannot write the CSV")]
    Write(#[from] csv::Error),
}

fn render(problems: &[CellError]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// `import-responses`.
pub async fn import(db: &Db, args: &ImportArgs) -> anyhow::Result<()> {
    let wave = storage::waves::find(db, &args.wave)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no wave with id or name \"{}\"", args.wave))?;
    let instrument = storage::survey::instruments::load(db, wave.instrument_id).await?;
    let directory = responses::wave_directory(db, wave.wave_id).await?;
    let path = args.file.display().to_string();

    let checked = check_file(&instrument, &directory, args, &path)?;
    if !checked.problems.is_empty() && !args.skip_bad_rows {
        return Err(ImportError::Rejected {
            path,
            rows: checked.rows,
            bad_rows: checked.bad_rows,
            problems: checked.problems,
        }
        .into());
    }

    let (districts, schools, classes) = checked.resolver.finish();
    let mut flagged = 0usize;
    let responses: Vec<ImportedResponse> = checked
        .good
        .into_iter()
        .map(|(row, refs)| {
            let flags: Vec<String> = flagging_rules(&instrument, &row.answers, None)
                .into_iter()
                .map(str::to_string)
                .collect();
            flagged += usize::from(!flags.is_empty());
            ImportedResponse {
                district: refs.district,
                school: refs.school,
                class: refs.class,
                grade: row.grade.get(),
                sex: row.sex,
                answers: row.answers,
                validity_flags: flags,
            }
        })
        .collect();
    let batch = ImportBatch {
        wave: wave.wave_id,
        municipality: wave.municipality_id,
        instrument: wave.instrument_id,
        districts,
        schools,
        classes,
        responses,
    };
    let total = batch.responses.len();
    responses::import(db, &batch, |written| {
        if written.is_multiple_of(PROGRESS_EVERY) {
            eprintln!("imported {written} of {total} questionnaires …");
        }
    })
    .await?;

    if !checked.problems.is_empty() {
        eprintln!(
            "skipped {} bad row(s) of {path} ({} problem(s)):\n{}",
            checked.bad_rows,
            checked.problems.len(),
            render(&checked.problems)
        );
    }
    println!(
        "imported {total} questionnaires from {path} into wave \"{}\" ({flagged} flagged by validity rules); skipped {} bad row(s); created {} district(s), {} school(s), {} class(es)",
        wave.name,
        checked.bad_rows,
        batch.districts.len(),
        batch.schools.len(),
        batch.classes.len()
    );
    // A closed wave's published result must include what was just imported.
    crate::cli::results::rebuild_after_change(db, &wave).await
}

/// The result of reading and checking a whole file.
struct CheckedFile {
    /// Data rows read, blank rows not counted.
    rows: usize,
    /// Rows with at least one problem.
    bad_rows: usize,
    /// Every problem of the bad rows.
    problems: Vec<CellError>,
    /// The good rows with their references.
    good: Vec<(ParsedRow, RowRefs)>,
    /// The references, including those to create.
    resolver: Resolver,
}

/// Reads the file and checks every row; writes nothing.
fn check_file(
    instrument: &Instrument,
    directory: &WaveDirectory,
    args: &ImportArgs,
    path: &str,
) -> Result<CheckedFile, ImportError> {
    let read_error = |source| ImportError::Read {
        path: path.to_string(),
        source,
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(&args.file)
        .map_err(read_error)?;
    let header: Vec<String> = reader
        .byte_headers()
        .map_err(read_error)?
        .iter()
        .map(|name| String::from_utf8_lossy(name).into_owned())
        .collect();
    let columns = ResponseColumns::from_header(instrument, &header).map_err(|errors| {
        ImportError::Header {
            path: path.to_string(),
            instrument: format!("{} {}", instrument.id, instrument.version),
            errors,
        }
    })?;
    // Problems of a row are listed in the order of the file's columns.
    let order: HashMap<&str, usize> = header
        .iter()
        .enumerate()
        .map(|(index, name)| (name.trim_start_matches('\u{feff}').trim(), index))
        .collect();

    let mut checked = CheckedFile {
        rows: 0,
        bad_rows: 0,
        problems: Vec::new(),
        good: Vec::new(),
        resolver: Resolver::new(directory, args.create_missing),
    };
    let mut record = csv::ByteRecord::new();
    while reader.read_byte_record(&mut record).map_err(read_error)? {
        let row = record
            .position()
            .and_then(|p| usize::try_from(p.line()).ok())
            .unwrap_or(checked.rows + 2);
        let mut problems = Vec::new();
        let fields: Vec<&str> = record
            .iter()
            .enumerate()
            .map(|(index, bytes)| {
                std::str::from_utf8(bytes).unwrap_or_else(|_| {
                    let column = header
                        .get(index)
                        .cloned()
                        .unwrap_or_else(|| format!("{}", index + 1));
                    problems.push(CellError::new(
                        row,
                        column,
                        "not valid UTF-8 text: save the file as \"CSV UTF-8\"",
                    ));
                    ""
                })
            })
            .collect();
        if problems.is_empty() && response_csv::is_blank(&fields) {
            continue;
        }
        checked.rows += 1;
        if checked.rows.is_multiple_of(PROGRESS_EVERY) {
            eprintln!("checked {} rows …", checked.rows);
        }
        if !problems.is_empty() {
            // Checking the other cells of a wrongly encoded row would only
            // add follow-up errors.
            checked.bad_rows += 1;
            checked.problems.extend(problems);
            continue;
        }
        let parsed =
            match response_csv::validate_row(instrument, &columns, &directory.grades, row, &fields)
            {
                Ok(parsed) => Some(parsed),
                Err(errors) => {
                    problems.extend(errors);
                    None
                }
            };
        let keys = columns.keys(&fields);
        let lookup = keys.map(|keys| checked.resolver.lookup(row, keys));
        let lookup = match lookup {
            Some(Ok(lookup)) => Some(lookup),
            Some(Err(errors)) => {
                problems.extend(errors);
                None
            }
            None => None,
        };
        match (parsed, keys, lookup) {
            (Some(parsed), Some(keys), Some(lookup)) if problems.is_empty() => {
                let refs = checked.resolver.register(keys, lookup, parsed.grade);
                checked.good.push((parsed, refs));
            }
            _ => {
                problems.sort_by_key(|problem| {
                    order.get(problem.column.as_str()).copied().unwrap_or(0)
                });
                checked.bad_rows += 1;
                checked.problems.extend(problems);
            }
        }
    }
    Ok(checked)
}

/// The district, school and class of a good row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct RowRefs {
    district: ImportRef,
    school: Option<ImportRef>,
    class: Option<ImportRef>,
}

/// The outcome of looking one name up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Found {
    /// It exists (or an earlier row of the file creates it).
    Ref(ImportRef),
    /// It does not exist and will be created (`--create-missing`).
    Create,
}

/// The look-ups of one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Lookup {
    district: Found,
    school: Option<Found>,
    class: Option<Found>,
}

/// A school to create; it is placed in the district most of its rows count
/// for (pupils mostly live where they go to school), ties going to the first.
#[derive(Debug)]
struct PendingSchool {
    name: String,
    /// District and number of rows, in order of first appearance.
    votes: Vec<(ImportRef, usize)>,
}

/// A school that a name can mean.
#[derive(Clone, Debug)]
struct SchoolCandidate {
    school: ImportRef,
    /// `None` for a school this import creates (its district is decided at
    /// the end).
    district: Option<ImportRef>,
    /// Code of its district, for messages.
    district_code: String,
}

/// Looks up the district codes, school and class names of the rows, and
/// plans what `--create-missing` creates.
///
/// Schools are looked up by name in the whole municipality, because the
/// district column is the district the pupil counts for, which may be the
/// pupil's home district rather than the school's. A name that several
/// schools share is taken to mean the one in the row's district.
#[derive(Debug)]
struct Resolver {
    create_missing: bool,
    /// District code → district.
    districts: HashMap<String, ImportRef>,
    /// Stored district name → its code (a new district is named by its code,
    /// and names are unique in a municipality).
    district_names: HashMap<String, String>,
    /// School name → the schools of that name.
    schools: HashMap<String, Vec<SchoolCandidate>>,
    /// (School, class name) → class of the wave.
    classes: HashMap<(ImportRef, String), ImportRef>,
    new_districts: Vec<NewDistrict>,
    new_schools: Vec<PendingSchool>,
    new_classes: Vec<NewClass>,
}

impl Resolver {
    fn new(directory: &WaveDirectory, create_missing: bool) -> Self {
        let code_of: HashMap<i64, &str> = directory
            .districts
            .iter()
            .map(|d| (d.district_id, d.code.as_str()))
            .collect();
        let mut schools: HashMap<String, Vec<SchoolCandidate>> = HashMap::new();
        for (school, district, name) in &directory.schools {
            schools
                .entry(name.clone())
                .or_default()
                .push(SchoolCandidate {
                    school: ImportRef::Stored(*school),
                    district: Some(ImportRef::Stored(*district)),
                    district_code: code_of.get(district).copied().unwrap_or("?").to_string(),
                });
        }
        Resolver {
            create_missing,
            districts: directory
                .districts
                .iter()
                .map(|d| (d.code.clone(), ImportRef::Stored(d.district_id)))
                .collect(),
            district_names: directory
                .districts
                .iter()
                .map(|d| (d.name.clone(), d.code.clone()))
                .collect(),
            schools,
            classes: directory
                .classes
                .iter()
                .map(|(class, school, name)| {
                    (
                        (ImportRef::Stored(*school), name.clone()),
                        ImportRef::Stored(*class),
                    )
                })
                .collect(),
            new_districts: Vec::new(),
            new_schools: Vec::new(),
            new_classes: Vec::new(),
        }
    }

    /// Looks the row's references up without changing anything; every
    /// problem is returned.
    fn lookup(&self, row: usize, keys: RowKeys<'_>) -> Result<Lookup, Vec<CellError>> {
        let mut problems = Vec::new();
        let district = match self.districts.get(keys.district) {
            Some(&district) => Some(Found::Ref(district)),
            None => {
                let similar = similar(self.districts.keys(), keys.district);
                let clash = self.district_names.get(keys.district);
                match (self.create_missing, similar, clash) {
                    (true, None, None) => Some(Found::Create),
                    (true, None, Some(code)) => {
                        problems.push(CellError::new(
                            row,
                            response_csv::DISTRICT,
                            format!(
                                "unknown district code \"{}\"; it cannot be created because the district with code \"{code}\" is named \"{}\" already",
                                keys.district, keys.district
                            ),
                        ));
                        None
                    }
                    (_, Some(similar), _) => {
                        problems.push(CellError::new(
                            row,
                            response_csv::DISTRICT,
                            format!(
                                "unknown district code \"{}\" (did you mean \"{similar}\"?)",
                                keys.district
                            ),
                        ));
                        None
                    }
                    (false, None, _) => {
                        let mut known: Vec<&str> =
                            self.districts.keys().map(String::as_str).collect();
                        known.sort_unstable();
                        problems.push(CellError::new(
                            row,
                            response_csv::DISTRICT,
                            format!(
                                "unknown district code \"{}\" (codes of this municipality: {}; --create-missing creates it)",
                                keys.district,
                                if known.is_empty() {
                                    "none yet".to_string()
                                } else {
                                    known.join(", ")
                                }
                            ),
                        ));
                        None
                    }
                }
            }
        };

        let school = keys.school.and_then(|name| {
            let found = self.lookup_school(row, name, district, &mut problems);
            found.map(|found| (name, found))
        });

        let class = match (keys.class, school) {
            (Some(_), Some((_, Found::Create))) => Some(Found::Create),
            (Some(class), Some((school_name, Found::Ref(school)))) => {
                match self.classes.get(&(school, class.to_string())) {
                    Some(&found) => Some(Found::Ref(found)),
                    None => {
                        let names = self
                            .classes
                            .keys()
                            .filter(|(s, _)| *s == school)
                            .map(|(_, name)| name);
                        match (self.create_missing, similar(names, class)) {
                            (true, None) => Some(Found::Create),
                            (_, Some(similar)) => {
                                problems.push(CellError::new(
                                    row,
                                    response_csv::CLASS,
                                    format!(
                                        "unknown class \"{class}\" of school \"{school_name}\" in this wave (did you mean \"{similar}\"?)"
                                    ),
                                ));
                                None
                            }
                            (false, None) => {
                                problems.push(CellError::new(
                                    row,
                                    response_csv::CLASS,
                                    format!(
                                        "unknown class \"{class}\" of school \"{school_name}\" in this wave (--create-missing creates it)"
                                    ),
                                ));
                                None
                            }
                        }
                    }
                }
            }
            _ => None,
        };

        match district {
            Some(district) if problems.is_empty() => Ok(Lookup {
                district,
                school: school.map(|(_, found)| found),
                class,
            }),
            _ => Err(problems),
        }
    }

    fn lookup_school(
        &self,
        row: usize,
        name: &str,
        district: Option<Found>,
        problems: &mut Vec<CellError>,
    ) -> Option<Found> {
        let candidates = self.schools.get(name).map_or(&[][..], Vec::as_slice);
        let in_district = candidates.iter().find(
            |candidate| matches!(district, Some(Found::Ref(d)) if candidate.district == Some(d)),
        );
        if let Some(candidate) = in_district {
            return Some(Found::Ref(candidate.school));
        }
        match candidates {
            [only] => Some(Found::Ref(only.school)),
            [] => match (self.create_missing, similar(self.schools.keys(), name)) {
                (true, None) => Some(Found::Create),
                (_, Some(similar)) => {
                    problems.push(CellError::new(
                        row,
                        response_csv::SCHOOL,
                        format!("unknown school \"{name}\" (did you mean \"{similar}\"?)"),
                    ));
                    None
                }
                (false, None) => {
                    problems.push(CellError::new(
                        row,
                        response_csv::SCHOOL,
                        format!(
                            "unknown school \"{name}\": no school of this name in the municipality (--create-missing creates it)"
                        ),
                    ));
                    None
                }
            },
            several => {
                let mut codes: Vec<&str> = several
                    .iter()
                    .map(|candidate| candidate.district_code.as_str())
                    .collect();
                codes.sort_unstable();
                problems.push(CellError::new(
                    row,
                    response_csv::SCHOOL,
                    format!(
                        "school \"{name}\" is ambiguous: schools of this name are in the districts {}, and the row counts for none of them",
                        codes.join(", ")
                    ),
                ));
                None
            }
        }
    }

    /// Records a good row's references, planning what it creates.
    fn register(&mut self, keys: RowKeys<'_>, lookup: Lookup, grade: Grade) -> RowRefs {
        let district = match lookup.district {
            Found::Ref(district) => district,
            Found::Create => {
                let district = ImportRef::New(self.new_districts.len());
                self.new_districts.push(NewDistrict {
                    code: keys.district.to_string(),
                    name: keys.district.to_string(),
                });
                self.districts.insert(keys.district.to_string(), district);
                district
            }
        };
        let school = match (lookup.school, keys.school) {
            (Some(Found::Ref(school)), _) => Some(school),
            (Some(Found::Create), Some(name)) => {
                let school = ImportRef::New(self.new_schools.len());
                self.new_schools.push(PendingSchool {
                    name: name.to_string(),
                    votes: Vec::new(),
                });
                self.schools.insert(
                    name.to_string(),
                    vec![SchoolCandidate {
                        school,
                        district: None,
                        district_code: String::new(),
                    }],
                );
                Some(school)
            }
            _ => None,
        };
        if let Some(ImportRef::New(index)) = school
            && let Some(pending) = self.new_schools.get_mut(index)
        {
            match pending.votes.iter_mut().find(|(d, _)| *d == district) {
                Some((_, count)) => *count += 1,
                None => pending.votes.push((district, 1)),
            }
        }
        let class = match (lookup.class, school, keys.class) {
            (Some(Found::Ref(class)), _, _) => Some(class),
            (Some(Found::Create), Some(school), Some(name)) => {
                let class = ImportRef::New(self.new_classes.len());
                self.new_classes.push(NewClass {
                    school,
                    name: name.to_string(),
                    grade,
                });
                self.classes.insert((school, name.to_string()), class);
                Some(class)
            }
            _ => None,
        };
        RowRefs {
            district,
            school,
            class,
        }
    }

    /// What to create: districts, schools (each in its majority district),
    /// classes.
    fn finish(self) -> (Vec<NewDistrict>, Vec<NewSchool>, Vec<NewClass>) {
        let schools = self
            .new_schools
            .into_iter()
            .filter_map(|pending| {
                let mut best: Option<(ImportRef, usize)> = None;
                for &(district, count) in &pending.votes {
                    if best.is_none_or(|(_, most)| count > most) {
                        best = Some((district, count));
                    }
                }
                // Every pending school has the vote of the row that created it.
                best.map(|(district, _)| NewSchool {
                    district,
                    name: pending.name,
                })
            })
            .collect();
        (self.new_districts, schools, self.new_classes)
    }
}

/// A known name that differs from `name` only in upper/lower case: a typo
/// that must not create a second district, school or class.
fn similar<'a>(known: impl Iterator<Item = &'a String>, name: &str) -> Option<&'a str> {
    known
        .map(String::as_str)
        .find(|known| *known != name && known.eq_ignore_ascii_case(name))
}

/// `export-responses`.
pub async fn export(db: &Db, args: &ExportArgs) -> anyhow::Result<()> {
    let wave = storage::waves::find(db, &args.wave)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no wave with id or name \"{}\"", args.wave))?;
    let instrument = storage::survey::instruments::load(db, wave.instrument_id).await?;
    let rows = responses::read_wave_for_export(db, wave.wave_id).await?;
    match &args.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
            write_responses(
                std::io::BufWriter::new(file),
                &instrument,
                wave.instrument_id,
                &rows,
            )?;
            println!(
                "wrote {} questionnaires of wave \"{}\" to {}",
                rows.len(),
                wave.name,
                path.display()
            );
        }
        None => write_responses(
            std::io::stdout().lock(),
            &instrument,
            wave.instrument_id,
            &rows,
        )?,
    }
    Ok(())
}

/// Writes the header and one row per response, in response order.
fn write_responses<W: Write>(
    out: W,
    instrument: &Instrument,
    instrument_id: InstrumentId,
    rows: &[ExportedResponse],
) -> Result<(), ExportError> {
    let mut out = csv::Writer::from_writer(out);
    out.write_record(response_csv::header(instrument))?;
    for (index, row) in rows.iter().enumerate() {
        let position = index + 1;
        if row.instrument != instrument_id {
            return Err(ExportError::OtherInstrument {
                position,
                found: row.instrument,
                expected: instrument_id,
            });
        }
        let record = response_csv::export_record(
            instrument,
            &ExportRow {
                district: &row.district_code,
                school: row.school.as_deref(),
                class: row.class.as_deref(),
                grade: row.grade,
                sex: row.sex,
                answers: &row.answers,
            },
        )
        .map_err(|source| ExportError::Answers { position, source })?;
        out.write_record(&record)?;
    }
    out.flush().map_err(csv::Error::from)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::storage::geography::DistrictRow;

    fn directory() -> WaveDirectory {
        let district = |id: i64, code: &str, name: &str| DistrictRow {
            district_id: id,
            code: code.into(),
            name: name.into(),
        };
        WaveDirectory {
            grades: vec![Grade::new(8).unwrap()],
            districts: vec![
                district(1, "NORD", "Nordstadt"),
                district(2, "HAFEN", "Hafen"),
                district(3, "WEST", "WEST2"),
            ],
            schools: vec![
                (10, 1, "Gymnasium".into()),
                (11, 2, "Gymnasium".into()),
                (12, 1, "Gesamtschule Nord".into()),
            ],
            classes: vec![(100, 12, "8a".into())],
        }
    }

    fn keys<'a>(district: &'a str, school: Option<&'a str>, class: Option<&'a str>) -> RowKeys<'a> {
        RowKeys {
            district,
            school,
            class,
        }
    }

    fn grade() -> Grade {
        Grade::new(8).unwrap()
    }

    #[test]
    fn stored_references_are_found_and_schools_are_looked_up_city_wide() {
        let resolver = Resolver::new(&directory(), false);
        // A pupil from Hafen at the Gesamtschule in Nordstadt.
        let lookup = resolver
            .lookup(2, keys("HAFEN", Some("Gesamtschule Nord"), Some("8a")))
            .unwrap();
        assert_eq!(
            lookup,
            Lookup {
                district: Found::Ref(ImportRef::Stored(2)),
                school: Some(Found::Ref(ImportRef::Stored(12))),
                class: Some(Found::Ref(ImportRef::Stored(100))),
            }
        );
        // A shared school name means the school in the row's district …
        let gym = resolver
            .lookup(3, keys("HAFEN", Some("Gymnasium"), None))
            .unwrap();
        assert_eq!(gym.school, Some(Found::Ref(ImportRef::Stored(11))));
        // … and is ambiguous from a third district.
        let errors = resolver
            .lookup(4, keys("WEST", Some("Gymnasium"), None))
            .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("ambiguous"), "{}", errors[0]);
        assert!(errors[0].message.contains("HAFEN, NORD"), "{}", errors[0]);
    }

    #[test]
    fn unknown_references_are_all_named_without_create_missing() {
        let resolver = Resolver::new(&directory(), false);
        let errors = resolver
            .lookup(7, keys("SUED", Some("Neue Schule"), Some("8z")))
            .unwrap_err();
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 2, "{text:?}");
        assert!(text[0].starts_with("row 7, column district: unknown district code \"SUED\" (codes of this municipality: HAFEN, NORD, WEST;"), "{}", text[0]);
        assert!(
            text[1].starts_with("row 7, column school: unknown school \"Neue Schule\""),
            "{}",
            text[1]
        );
        let class = resolver
            .lookup(8, keys("NORD", Some("Gesamtschule Nord"), Some("8b")))
            .unwrap_err();
        assert!(
            class[0]
                .to_string()
                .starts_with("row 8, column class: unknown class \"8b\"")
        );
    }

    #[test]
    fn create_missing_plans_new_rows_once_and_refuses_case_typos() {
        let mut resolver = Resolver::new(&directory(), true);
        let row = |resolver: &mut Resolver, district: &'static str, school, class| {
            let k = keys(district, school, class);
            let lookup = resolver.lookup(2, k)?;
            Ok::<_, Vec<CellError>>(resolver.register(k, lookup, grade()))
        };
        let first = row(&mut resolver, "SUED", Some("Neue Schule"), Some("6z")).unwrap();
        assert_eq!(
            first,
            RowRefs {
                district: ImportRef::New(0),
                school: Some(ImportRef::New(0)),
                class: Some(ImportRef::New(0)),
            }
        );
        // Later rows reuse what earlier rows create.
        let second = row(&mut resolver, "NORD", Some("Neue Schule"), Some("6z")).unwrap();
        assert_eq!(second.school, Some(ImportRef::New(0)));
        assert_eq!(second.class, Some(ImportRef::New(0)));
        let third = row(&mut resolver, "NORD", Some("Neue Schule"), None).unwrap();
        assert_eq!(third.district, ImportRef::Stored(1));
        // Case variants are typos, not new districts, schools or classes.
        for (district, school, class, column) in [
            ("nord", None, None, "district"),
            ("NORD", Some("gymnasium"), None, "school"),
            ("NORD", Some("Gesamtschule Nord"), Some("8A"), "class"),
        ] {
            let errors = row(&mut resolver, district, school, class).unwrap_err();
            assert_eq!(errors[0].column, column);
            assert!(errors[0].message.contains("did you mean"), "{}", errors[0]);
        }
        // A new code that is the name of another district cannot be created.
        let clash = row(&mut resolver, "WEST2", None, None).unwrap_err();
        assert!(
            clash[0].message.contains("cannot be created"),
            "{}",
            clash[0]
        );

        let (districts, schools, classes) = resolver.finish();
        assert_eq!(
            districts,
            vec![NewDistrict {
                code: "SUED".into(),
                name: "SUED".into()
            }]
        );
        // Two of three rows count for Nordstadt: the school goes there.
        assert_eq!(
            schools,
            vec![NewSchool {
                district: ImportRef::Stored(1),
                name: "Neue Schule".into()
            }]
        );
        assert_eq!(
            classes,
            vec![NewClass {
                school: ImportRef::New(0),
                name: "6z".into(),
                grade: grade()
            }]
        );
    }
}
