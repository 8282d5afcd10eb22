//! The responses CSV: one row per questionnaire, for paper questionnaires
//! typed in, data from other survey tools, and the export of a wave, which
//! re-imports to identical data. Format: `docs/csv-formats.md`, section
//! "Responses (import and export)".
//!
//! Pure: the caller splits the file into fields (the `csv` crate is
//! server-only) and looks district codes, school and class names up in the
//! database. Everything that can be checked from the instrument and the
//! wave's grades alone is checked here, and *every* problem of a row is
//! reported, not only the first, so a file can be fixed in one round.

use std::collections::HashMap;
use std::fmt;

use crate::domain::survey::instrument::{AnswerError, Instrument, MISSING_ANSWER, ResponseSet};
use crate::domain::survey::respondent::{Grade, Sex};

/// Column of the code of the district the pupil counts for.
pub const DISTRICT: &str = "district";
/// Column of the school name (optional).
pub const SCHOOL: &str = "school";
/// Column of the class name (optional; needs a school).
pub const CLASS: &str = "class";
/// Column of the grade, 1 to 13.
pub const GRADE: &str = "grade";
/// Column of the sex code (optional).
pub const SEX: &str = "sex";

/// The fixed columns in export order; one column per item code follows, in
/// questionnaire order.
pub const FIXED_COLUMNS: [&str; 5] = [DISTRICT, SCHOOL, CLASS, GRADE, SEX];

/// The header of an export: the fixed columns, then every item code in
/// questionnaire order.
pub fn header(instrument: &Instrument) -> Vec<String> {
    FIXED_COLUMNS
        .iter()
        .map(|column| (*column).to_string())
        .chain(instrument.items.iter().map(|item| item.code.clone()))
        .collect()
}

/// A problem with the header row. Any header problem rejects the file
/// before a single row is read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// The file has no header row.
    #[error(
        "the file is empty: its first line must be the header with the columns district, school, class, grade, sex and one column per item code"
    )]
    Empty,
    /// The header is one cell containing semicolons.
    #[error(
        "the header is a single column containing \";\": the file seems to be separated by semicolons; save it as comma-separated CSV (UTF-8)"
    )]
    Semicolons,
    /// A header cell is empty.
    #[error("column {position}: the header cell is empty")]
    EmptyName {
        /// 1-based column number.
        position: usize,
    },
    /// A column that is neither a fixed column nor an item code.
    #[error(
        "column {position} \"{name}\": unknown column (neither district, school, class, grade, sex nor an item code of instrument {instrument}){hint}"
    )]
    UnknownColumn {
        /// 1-based column number.
        position: usize,
        /// The header cell.
        name: String,
        /// Instrument id and version.
        instrument: String,
        /// `" (did you mean …?)"` or empty.
        hint: String,
    },
    /// A column given more than once.
    #[error("column \"{name}\" appears more than once (columns {positions})")]
    DuplicateColumn {
        /// The column name.
        name: String,
        /// 1-based column numbers, comma-separated.
        positions: String,
    },
    /// A required column is missing: `district`, `grade` or an item code.
    #[error("missing column \"{name}\" ({what})")]
    MissingColumn {
        /// The column name.
        name: String,
        /// What the column holds.
        what: String,
    },
    /// A `class` column without a `school` column.
    #[error("column \"class\" needs the column \"school\": classes are looked up in their school")]
    ClassWithoutSchool,
}

/// Every problem of a header row, in column order (missing columns last).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", render_lines(.errors))]
pub struct HeaderErrors {
    /// The problems; never empty when returned.
    pub errors: Vec<HeaderError>,
}

fn render_lines<T: fmt::Display>(errors: &[T]) -> String {
    errors
        .iter()
        .map(|error| format!("header: {error}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A problem with one cell (or, with an empty `column`, a whole row).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellError {
    /// Line of the file where the row starts (the header is line 1, so the
    /// first data row is row 2), as a spreadsheet shows it.
    pub row: usize,
    /// The column name; empty for a problem of the whole row.
    pub column: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl CellError {
    /// A problem with the cell of `column` in `row`.
    pub fn new(row: usize, column: impl Into<String>, message: impl Into<String>) -> Self {
        CellError {
            row,
            column: column.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for CellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.column.is_empty() {
            write!(f, "row {}: {}", self.row, self.message)
        } else {
            write!(
                f,
                "row {}, column {}: {}",
                self.row, self.column, self.message
            )
        }
    }
}

impl std::error::Error for CellError {}

/// Where the columns of a file are: the header mapped onto the instrument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseColumns {
    /// Field index of `district`.
    pub district: usize,
    /// Field index of `school`, if the file has the column.
    pub school: Option<usize>,
    /// Field index of `class`, if the file has the column.
    pub class: Option<usize>,
    /// Field index of `grade`.
    pub grade: usize,
    /// Field index of `sex`, if the file has the column.
    pub sex: Option<usize>,
    /// Field index of every item, in instrument (questionnaire) order.
    pub items: Vec<usize>,
    /// Number of header columns; every row must have exactly as many fields.
    pub width: usize,
}

/// The district, school and class names of a row, trimmed, for the caller's
/// look-up in the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowKeys<'a> {
    /// District code; never empty.
    pub district: &'a str,
    /// School name, if given.
    pub school: Option<&'a str>,
    /// Class name, if given together with a school.
    pub class: Option<&'a str>,
}

impl ResponseColumns {
    /// Maps a header row onto the instrument. Columns may come in any order;
    /// `district`, `grade` and every item code are required exactly once,
    /// `school`, `class` and `sex` are optional; any other column is an
    /// error. Column names are trimmed (and a UTF-8 byte order mark as
    /// written by spreadsheet programs is ignored).
    pub fn from_header<H: AsRef<str>>(
        instrument: &Instrument,
        header: &[H],
    ) -> Result<ResponseColumns, HeaderErrors> {
        let names: Vec<&str> = header
            .iter()
            .enumerate()
            .map(|(index, name)| {
                let name = name.as_ref();
                let name = if index == 0 {
                    name.trim_start_matches('\u{feff}')
                } else {
                    name
                };
                name.trim()
            })
            .collect();
        let fail = |error| {
            Err(HeaderErrors {
                errors: vec![error],
            })
        };
        if names.iter().all(|name| name.is_empty()) {
            return fail(HeaderError::Empty);
        }
        if names.len() == 1 && names[0].contains(';') {
            return fail(HeaderError::Semicolons);
        }

        let item_index: HashMap<&str, usize> = instrument
            .items
            .iter()
            .enumerate()
            .map(|(index, item)| (item.code.as_str(), index))
            .collect();
        let is_known = |name: &str| FIXED_COLUMNS.contains(&name) || item_index.contains_key(name);
        let mut positions: HashMap<&str, Vec<usize>> = HashMap::new();
        for (index, name) in names.iter().enumerate() {
            if !name.is_empty() {
                positions.entry(name).or_default().push(index);
            }
        }

        let mut errors = Vec::new();
        for (index, name) in names.iter().enumerate() {
            if name.is_empty() {
                errors.push(HeaderError::EmptyName {
                    position: index + 1,
                });
                continue;
            }
            let at = &positions[name];
            if at[0] != index {
                continue;
            }
            if !is_known(name) {
                let suggestion = FIXED_COLUMNS
                    .iter()
                    .copied()
                    .chain(instrument.items.iter().map(|item| item.code.as_str()))
                    .find(|known| known.eq_ignore_ascii_case(name));
                errors.push(HeaderError::UnknownColumn {
                    position: index + 1,
                    name: (*name).to_string(),
                    instrument: format!("{} {}", instrument.id, instrument.version),
                    hint: suggestion
                        .map(|known| format!(" (did you mean \"{known}\"?)"))
                        .unwrap_or_default(),
                });
            }
            if at.len() > 1 {
                errors.push(HeaderError::DuplicateColumn {
                    name: (*name).to_string(),
                    positions: at
                        .iter()
                        .map(|p| (p + 1).to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
        }

        let find = |name: &str| positions.get(name).map(|at| at[0]);
        let mut missing = |name: &str, what: &str| {
            errors.push(HeaderError::MissingColumn {
                name: name.to_string(),
                what: what.to_string(),
            });
        };
        let district = find(DISTRICT);
        if district.is_none() {
            missing(DISTRICT, "the code of the district the pupil counts for");
        }
        let grade = find(GRADE);
        if grade.is_none() {
            missing(GRADE, "the pupil's grade, 1 to 13");
        }
        let mut items = Vec::with_capacity(instrument.items.len());
        for item in &instrument.items {
            match find(&item.code) {
                Some(position) => items.push(position),
                None => missing(
                    &item.code,
                    &format!(
                        "an item of instrument {} {}; leave its cells empty if it was not asked",
                        instrument.id, instrument.version
                    ),
                ),
            }
        }
        let school = find(SCHOOL);
        let class = find(CLASS);
        if class.is_some() && school.is_none() {
            errors.push(HeaderError::ClassWithoutSchool);
        }

        match (district, grade) {
            (Some(district), Some(grade)) if errors.is_empty() => Ok(ResponseColumns {
                district,
                school,
                class,
                grade,
                sex: find(SEX),
                items,
                width: names.len(),
            }),
            _ => Err(HeaderErrors { errors }),
        }
    }

    /// The trimmed district code, school and class name of a row, for the
    /// database look-up; `None` if the row has the wrong number of fields or
    /// no district code (which [`validate_row`] reports).
    pub fn keys<'f, F: AsRef<str>>(&self, fields: &'f [F]) -> Option<RowKeys<'f>> {
        if fields.len() != self.width {
            return None;
        }
        let field = |index: usize| fields[index].as_ref().trim();
        let optional = |index: Option<usize>| index.map(field).filter(|text| !text.is_empty());
        let district = field(self.district);
        let school = optional(self.school);
        (!district.is_empty()).then_some(RowKeys {
            district,
            school,
            class: school.and(optional(self.class)),
        })
    }
}

/// A row that passed every check of [`validate_row`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedRow {
    /// Line of the file where the row starts.
    pub row: usize,
    /// Code of the district the pupil counts for.
    pub district: String,
    /// School name, if given.
    pub school: Option<String>,
    /// Class name, if given (always together with a school).
    pub class: Option<String>,
    /// Grade, one the wave surveys.
    pub grade: Grade,
    /// Sex; `None` = no answer.
    pub sex: Option<Sex>,
    /// The encoded answers: one byte per item (see the instrument's answer
    /// encoding), 0 for an empty cell.
    pub answers: Vec<u8>,
}

/// Whether every field of a row is empty (spreadsheet programs write such
/// rows below the data; they carry no questionnaire).
pub fn is_blank<F: AsRef<str>>(fields: &[F]) -> bool {
    fields.iter().all(|field| field.as_ref().trim().is_empty())
}

/// Checks one data row against the instrument and the wave's grades and
/// encodes its answers. `row` is the row's line in the file (used in the
/// errors); `surveyed` are the grades of the wave (empty = no restriction).
///
/// Checked: the number of fields; a district code is given; a class has a
/// school; the grade is a whole number from 1 to 13 that the wave surveys;
/// the sex is `female`, `male`, `diverse` or empty; each item cell is empty
/// (skipped) or the value of an option of the item's response set. Every
/// problem is returned, in column order of the checks. Whether the district,
/// school and class exist is for the caller to check (see
/// [`ResponseColumns::keys`]).
pub fn validate_row<F: AsRef<str>>(
    instrument: &Instrument,
    columns: &ResponseColumns,
    surveyed: &[Grade],
    row: usize,
    fields: &[F],
) -> Result<ParsedRow, Vec<CellError>> {
    if fields.len() != columns.width {
        return Err(vec![CellError::new(
            row,
            "",
            format!(
                "the row has {} fields, but the header has {} columns",
                fields.len(),
                columns.width
            ),
        )]);
    }
    let field = |index: usize| fields[index].as_ref().trim();
    let optional = |index: Option<usize>| index.map(field).filter(|text| !text.is_empty());
    let mut errors = Vec::new();

    let district = field(columns.district);
    if district.is_empty() {
        errors.push(CellError::new(
            row,
            DISTRICT,
            "the district code is empty (every row needs the district the pupil counts for)",
        ));
    }
    let school = optional(columns.school);
    let class = optional(columns.class);
    if let (Some(class), None) = (class, school) {
        errors.push(CellError::new(
            row,
            CLASS,
            format!("class \"{class}\" without a school: a class needs the school column"),
        ));
    }

    let grade_text = field(columns.grade);
    let grade = match Grade::parse(grade_text) {
        Ok(grade) if surveyed.is_empty() || surveyed.contains(&grade) => Some(grade),
        Ok(grade) => {
            errors.push(CellError::new(
                row,
                GRADE,
                format!(
                    "grade {grade} is not surveyed in this wave (grades: {})",
                    join(surveyed.iter())
                ),
            ));
            None
        }
        Err(_) if grade_text.is_empty() => {
            errors.push(CellError::new(
                row,
                GRADE,
                "the grade is empty (expected a whole number from 1 to 13)",
            ));
            None
        }
        Err(_) => {
            errors.push(CellError::new(
                row,
                GRADE,
                format!("grade \"{grade_text}\" is not a whole number from 1 to 13"),
            ));
            None
        }
    };

    let sex = match columns.sex.map(field) {
        None => None,
        Some(text) => match Sex::parse(text) {
            Ok(sex) => sex,
            Err(_) => {
                errors.push(CellError::new(
                    row,
                    SEX,
                    format!(
                        "sex \"{text}\" is not one of female, male, diverse (or empty for no answer)"
                    ),
                ));
                None
            }
        },
    };

    let mut answers = Vec::with_capacity(columns.items.len());
    for (item, &position) in columns.items.iter().enumerate() {
        let text = field(position);
        if text.is_empty() {
            answers.push(MISSING_ANSWER);
            continue;
        }
        let code = instrument
            .items
            .get(item)
            .map_or("", |item| item.code.as_str());
        let set = instrument.response_set_of(item);
        let byte = text
            .parse::<i32>()
            .map_err(|_| {
                format!(
                    "value \"{text}\" is not a whole number (allowed: {}, or empty for a skipped item)",
                    allowed(set)
                )
            })
            .and_then(|value| {
                instrument.encode_value(item, value).map_err(|_| {
                    format!(
                        "value {value} is not an option of response set {} (allowed: {})",
                        set.id,
                        allowed(set)
                    )
                })
            });
        match byte {
            Ok(byte) => answers.push(byte),
            Err(message) => errors.push(CellError::new(row, code, message)),
        }
    }

    match grade {
        Some(grade) if errors.is_empty() => Ok(ParsedRow {
            row,
            district: district.to_string(),
            school: school.map(str::to_string),
            class: class.map(str::to_string),
            grade,
            sex,
            answers,
        }),
        _ => Err(errors),
    }
}

fn allowed(set: &ResponseSet) -> String {
    join(set.options.iter().map(|option| option.value))
}

fn join<T: fmt::Display>(values: impl Iterator<Item = T>) -> String {
    values
        .map(|value| value.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// One stored questionnaire to export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExportRow<'a> {
    /// Code of the district the response counts for.
    pub district: &'a str,
    /// School name, if known.
    pub school: Option<&'a str>,
    /// Class name, if known.
    pub class: Option<&'a str>,
    /// Grade.
    pub grade: u8,
    /// Sex; `None` = no answer.
    pub sex: Option<Sex>,
    /// Encoded answers, one byte per item.
    pub answers: &'a [u8],
}

/// The fields of one export row, in the order of [`header`]: answer bytes are
/// decoded to their option values, missing answers become empty cells.
/// Errors if the answers do not fit the instrument (which validated storage
/// never holds).
pub fn export_record(
    instrument: &Instrument,
    row: &ExportRow<'_>,
) -> Result<Vec<String>, AnswerError> {
    instrument.validate_answers(row.answers)?;
    let mut fields = Vec::with_capacity(FIXED_COLUMNS.len() + row.answers.len());
    fields.push(row.district.to_string());
    fields.push(row.school.unwrap_or_default().to_string());
    fields.push(row.class.unwrap_or_default().to_string());
    fields.push(row.grade.to_string());
    fields.push(row.sex.map(Sex::as_str).unwrap_or_default().to_string());
    for (item, &byte) in row.answers.iter().enumerate() {
        fields.push(
            instrument
                .decode_value(item, byte)?
                .map(|value| value.to_string())
                .unwrap_or_default(),
        );
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = include_str!("instrument/testdata/minimal.toml");

    fn instrument() -> Instrument {
        Instrument::from_toml_str(MINIMAL, "mini.toml").expect("the test instrument is valid")
    }

    fn grades(list: &[u8]) -> Vec<Grade> {
        list.iter().map(|&g| Grade::new(g).unwrap()).collect()
    }

    fn columns(instrument: &Instrument) -> ResponseColumns {
        ResponseColumns::from_header(instrument, &header(instrument)).expect("export header")
    }

    /// Items of the minimal instrument: FAM_CONFLICT_1, FAM_CONFLICT_2,
    /// FAM_ATTACH_1 (agree4: 1..4), ALC_LIFE, ALC_30D, DERBISOL (freq: 0..2),
    /// HONESTY (agree4).
    fn row(values: [&str; 12]) -> Vec<String> {
        values.iter().map(|v| (*v).to_string()).collect()
    }

    #[test]
    fn the_export_header_maps_fixed_columns_and_items_in_order() {
        let i = instrument();
        let c = columns(&i);
        assert_eq!(
            (c.district, c.school, c.class, c.grade, c.sex),
            (0, Some(1), Some(2), 3, Some(4))
        );
        assert_eq!(c.items, (5..12).collect::<Vec<_>>());
        assert_eq!(c.width, 12);
    }

    #[test]
    fn columns_may_come_in_any_order_and_optional_ones_may_be_left_out() {
        let i = instrument();
        let mut names: Vec<String> = i.items.iter().rev().map(|item| item.code.clone()).collect();
        names.push(" grade ".into());
        names.insert(0, "\u{feff}district".into());
        let c = ResponseColumns::from_header(&i, &names).unwrap();
        assert_eq!(
            (c.district, c.grade, c.school, c.class, c.sex),
            (0, 8, None, None, None)
        );
        // Items map to their fields whatever the order: HONESTY came first.
        assert_eq!(c.items[6], 1);
        assert_eq!(c.items[0], 7);
    }

    #[test]
    fn header_problems_are_all_reported() {
        let i = instrument();
        let mut names = header(&i);
        names.retain(|name| name != "FAM_ATTACH_1" && name != "school");
        names.push("fam_conflict_1".into());
        names.push("ALC_30D".into());
        names.push(String::new());
        let errors = ResponseColumns::from_header(&i, &names).unwrap_err().errors;
        assert_eq!(
            errors,
            vec![
                HeaderError::DuplicateColumn {
                    name: "ALC_30D".into(),
                    positions: "8, 12".into(),
                },
                HeaderError::UnknownColumn {
                    position: 11,
                    name: "fam_conflict_1".into(),
                    instrument: "test-mini 2026.1-test".into(),
                    hint: " (did you mean \"FAM_CONFLICT_1\"?)".into(),
                },
                HeaderError::EmptyName { position: 13 },
                HeaderError::MissingColumn {
                    name: "FAM_ATTACH_1".into(),
                    what: "an item of instrument test-mini 2026.1-test; leave its cells empty if it was not asked".into(),
                },
                HeaderError::ClassWithoutSchool,
            ]
        );
        let text = ResponseColumns::from_header(&i, &names)
            .unwrap_err()
            .to_string();
        assert!(
            text.starts_with("header: column \"ALC_30D\" appears more than once"),
            "{text}"
        );
    }

    #[test]
    fn empty_and_semicolon_headers_get_their_own_message() {
        let i = instrument();
        let empty: [&str; 0] = [];
        assert_eq!(
            ResponseColumns::from_header(&i, &empty).unwrap_err().errors,
            vec![HeaderError::Empty]
        );
        assert_eq!(
            ResponseColumns::from_header(&i, &["district;grade;FAM_CONFLICT_1"])
                .unwrap_err()
                .errors,
            vec![HeaderError::Semicolons]
        );
        let missing = ResponseColumns::from_header(&i, &["school", "sex"])
            .unwrap_err()
            .errors;
        assert_eq!(missing.len(), 2 + i.items.len());
    }

    #[test]
    fn a_good_row_is_encoded_with_missing_values_as_zero() {
        let i = instrument();
        let parsed = validate_row(
            &i,
            &columns(&i),
            &grades(&[6, 8]),
            2,
            &row([
                "NORD",
                " Gesamtschule ",
                "8a",
                "8",
                "female",
                "1",
                "4",
                "",
                "0",
                "2",
                "",
                "3",
            ]),
        )
        .unwrap();
        assert_eq!(
            parsed,
            ParsedRow {
                row: 2,
                district: "NORD".into(),
                school: Some("Gesamtschule".into()),
                class: Some("8a".into()),
                grade: Grade::new(8).unwrap(),
                sex: Some(Sex::Female),
                // agree4 value k is option k; freq value v is option v + 1.
                answers: vec![1, 4, 0, 1, 3, 0, 3],
            }
        );
        let no_school = validate_row(
            &i,
            &columns(&i),
            &[],
            3,
            &row(["NORD", "", "", "13", "", "", "", "", "", "", "", ""]),
        )
        .unwrap();
        assert_eq!(
            (no_school.school, no_school.class, no_school.sex),
            (None, None, None)
        );
        assert_eq!(no_school.answers, vec![0; 7]);
    }

    #[test]
    fn every_problem_of_a_row_is_named_with_row_and_column() {
        let i = instrument();
        let errors = validate_row(
            &i,
            &columns(&i),
            &grades(&[6, 8]),
            17,
            &row([
                "", "", "8a", "14", "x", "5", "ja", "2.0", "-1", "3", "", "0",
            ]),
        )
        .unwrap_err();
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            vec![
                "row 17, column district: the district code is empty (every row needs the district the pupil counts for)",
                "row 17, column class: class \"8a\" without a school: a class needs the school column",
                "row 17, column grade: grade \"14\" is not a whole number from 1 to 13",
                "row 17, column sex: sex \"x\" is not one of female, male, diverse (or empty for no answer)",
                "row 17, column FAM_CONFLICT_1: value 5 is not an option of response set agree4 (allowed: 1, 2, 3, 4)",
                "row 17, column FAM_CONFLICT_2: value \"ja\" is not a whole number (allowed: 1, 2, 3, 4, or empty for a skipped item)",
                "row 17, column FAM_ATTACH_1: value \"2.0\" is not a whole number (allowed: 1, 2, 3, 4, or empty for a skipped item)",
                "row 17, column ALC_LIFE: value -1 is not an option of response set freq (allowed: 0, 1, 2)",
                "row 17, column ALC_30D: value 3 is not an option of response set freq (allowed: 0, 1, 2)",
                "row 17, column HONESTY: value 0 is not an option of response set agree4 (allowed: 1, 2, 3, 4)",
            ]
        );
    }

    #[test]
    fn unsurveyed_grades_empty_grades_and_short_rows_are_rejected() {
        let i = instrument();
        let c = columns(&i);
        let check = |fields: &[&str]| validate_row(&i, &c, &grades(&[6, 8, 10]), 4, fields);
        let mut fields = ["ALT", "", "", "7", "", "", "", "", "", "", "", ""];
        assert_eq!(
            check(&fields).unwrap_err()[0].to_string(),
            "row 4, column grade: grade 7 is not surveyed in this wave (grades: 6, 8, 10)"
        );
        fields[3] = "";
        assert!(
            check(&fields).unwrap_err()[0]
                .message
                .contains("grade is empty")
        );
        assert_eq!(
            check(&fields[..5]).unwrap_err(),
            vec![CellError::new(
                4,
                "",
                "the row has 5 fields, but the header has 12 columns"
            )]
        );
        assert!(c.keys(&fields[..5]).is_none());
    }

    #[test]
    fn keys_give_the_trimmed_references_of_a_row() {
        let i = instrument();
        let c = columns(&i);
        let fields = row([" NORD", "Gym ", " 8a ", "8", "", "", "", "", "", "", "", ""]);
        assert_eq!(
            c.keys(&fields),
            Some(RowKeys {
                district: "NORD",
                school: Some("Gym"),
                class: Some("8a")
            })
        );
        let no_school = row(["NORD", "", "8a", "8", "", "", "", "", "", "", "", ""]);
        assert_eq!(c.keys(&no_school).unwrap().class, None);
        assert!(
            c.keys(&row(["", "", "", "8", "", "", "", "", "", "", "", ""]))
                .is_none()
        );
        assert!(is_blank(&[" ", ""]));
        assert!(!is_blank(&row([
            "", "", "", "8", "", "", "", "", "", "", "", ""
        ])));
    }

    #[test]
    fn exported_rows_import_to_the_same_answers() {
        let i = instrument();
        let c = columns(&i);
        for answers in [
            vec![1, 4, 0, 1, 3, 0, 3],
            vec![0; 7],
            vec![4, 3, 2, 3, 2, 1, 4],
        ] {
            let exported = export_record(
                &i,
                &ExportRow {
                    district: "HAFEN",
                    school: Some("Gymnasium, Hafen"),
                    class: None,
                    grade: 10,
                    sex: Some(Sex::Diverse),
                    answers: &answers,
                },
            )
            .unwrap();
            let parsed = validate_row(&i, &c, &grades(&[10]), 2, &exported).unwrap();
            assert_eq!(parsed.answers, answers);
            assert_eq!(parsed.school.as_deref(), Some("Gymnasium, Hafen"));
            assert_eq!(parsed.sex, Some(Sex::Diverse));
        }
        let values = export_record(
            &i,
            &ExportRow {
                district: "ALT",
                school: None,
                class: None,
                grade: 6,
                sex: None,
                answers: &[1, 4, 0, 1, 3, 0, 3],
            },
        )
        .unwrap();
        assert_eq!(
            values,
            ["ALT", "", "", "6", "", "1", "4", "", "0", "2", "", "3"]
        );
        let bad = |answers: &[u8]| {
            export_record(
                &i,
                &ExportRow {
                    district: "ALT",
                    school: None,
                    class: None,
                    grade: 6,
                    sex: None,
                    answers,
                },
            )
        };
        assert!(bad(&[1, 2]).is_err());
        assert!(bad(&[9, 0, 0, 0, 0, 0, 0]).is_err());
    }
}
