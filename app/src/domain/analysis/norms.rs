//! Imported reference values ("Vergleichswerte"): the percentages of a
//! larger survey (e.g. a state's CTC survey) that a profile can be compared
//! with instead of the city total.
//!
//! A norm set is a table `factor, grade, percent`: the percent at risk
//! (risk factors), highly protected (protective factors) or with the
//! outcome, per factor and either per grade or for all grades (`grade`
//! empty). A profile group looks up its own grade first, then the
//! all-grades value (see [`NormTable::get`]); a factor without a value has
//! no reference and is not tested.
//!
//! The file is all or nothing, like the program catalog: every problem is
//! reported with its row and column and a single one rejects the file, so a
//! half-imported norm set cannot make some factors look unremarkable.

use crate::domain::csv_table::{RowProblem, RowProblems, data_rows, keep_row, map_columns};
use crate::domain::survey::respondent::Grade;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

/// The columns of a norms file, in export order.
pub const NORM_COLUMNS: [&str; 3] = ["factor", "grade", "percent"];

/// Longest norm set key, in characters.
pub const MAX_NORM_KEY_LEN: usize = 40;

/// The key of a norm set in URLs and on the command line, e.g.
/// `nrw-2024`: lower-case letters, digits and inner hyphens.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct NormKey(String);

/// A norm set key that does not follow the rules.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "\"{0}\" is not a valid key: use 1 to {MAX_NORM_KEY_LEN} lower-case letters a–z, digits and hyphens, starting and ending with a letter or digit (e.g. nrw-2024)"
)]
pub struct InvalidNormKey(pub String);

impl NormKey {
    /// Checks a key.
    pub fn parse(text: &str) -> Result<NormKey, InvalidNormKey> {
        let valid = !text.is_empty()
            && text.chars().count() <= MAX_NORM_KEY_LEN
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !text.starts_with('-')
            && !text.ends_with('-');
        if valid {
            Ok(NormKey(text.to_string()))
        } else {
            Err(InvalidNormKey(text.to_string()))
        }
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NormKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One reference value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NormValue {
    /// Scale or outcome id of the instrument.
    pub factor: String,
    /// The grade it applies to; `None` = all grades.
    pub grade: Option<u8>,
    /// Percent at risk / highly protected / with the outcome, 0 to 100.
    pub percent: f64,
}

/// Imported reference values (e.g. a state survey's percentages), per factor
/// and optionally per grade, as a profile uses them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NormTable {
    /// Name shown next to the reference marker, e.g. "Niedersachsen 2015".
    pub label: String,
    /// `(factor id, grade)` → percent; grade `None` applies to all grades.
    pub percent: BTreeMap<(String, Option<u8>), f64>,
}

impl NormTable {
    /// The table of `values` under `label`.
    pub fn new(label: impl Into<String>, values: &[NormValue]) -> NormTable {
        NormTable {
            label: label.into(),
            percent: values
                .iter()
                .map(|v| ((v.factor.clone(), v.grade), v.percent))
                .collect(),
        }
    }

    /// The norm for a factor and grade: the grade's own value, else the
    /// all-grades value. Deliberately no average over grades: how the
    /// grades of a profile group are mixed differs from the norm survey's
    /// mix, so an average would compare unlike groups.
    pub fn get(&self, factor: &str, grade: Option<u8>) -> Option<f64> {
        grade
            .and_then(|g| self.percent.get(&(factor.to_string(), Some(g))))
            .or_else(|| self.percent.get(&(factor.to_string(), None)))
            .copied()
    }
}

/// Reads a norms file that the caller has split into a header and rows of
/// fields. `known_factors` are the scale and outcome ids of the instrument
/// the norms belong to; a value for any other id could never be shown and
/// most likely is a typo. Percent accepts a decimal point or comma. Rows
/// whose fields are all empty are skipped.
pub fn parse_norms(
    header: &[String],
    rows: &[Vec<String>],
    known_factors: &[String],
) -> Result<Vec<NormValue>, RowProblems> {
    let positions = map_columns(header, &NORM_COLUMNS).map_err(RowProblems)?;
    let known: HashSet<&str> = known_factors.iter().map(String::as_str).collect();
    let mut problems = Vec::new();
    let mut values = Vec::with_capacity(rows.len());
    let mut first_row: HashMap<(String, Option<u8>), usize> = HashMap::new();
    for data in data_rows(header, rows, &positions) {
        let Some(data) = keep_row(data, &mut problems) else {
            continue;
        };
        let row = data.row;
        let cell = |column: usize| data.cell(column);
        let before = problems.len();
        let factor = cell(0);
        if factor.is_empty() {
            problems.push(RowProblem::new(row, Some("factor"), "the factor is empty"));
        } else if !known.contains(factor) {
            let hint = known_factors
                .iter()
                .find(|id| id.eq_ignore_ascii_case(factor))
                .map(|id| format!(" (did you mean \"{id}\"?)"))
                .unwrap_or_default();
            problems.push(RowProblem::new(
                row,
                Some("factor"),
                format!("\"{factor}\" is not a scale or outcome of the instrument{hint}"),
            ));
        }
        let grade = match cell(1) {
            "" => Some(None),
            text => match Grade::parse(text) {
                Ok(grade) => Some(Some(grade.get())),
                Err(error) => {
                    problems.push(RowProblem::new(
                        row,
                        Some("grade"),
                        format!("{error} (leave it empty for all grades)"),
                    ));
                    None
                }
            },
        };
        let percent_text = cell(2);
        let percent = percent_text
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|p| (0.0..=100.0).contains(p));
        if percent.is_none() {
            problems.push(RowProblem::new(
                row,
                Some("percent"),
                format!("\"{percent_text}\" is not a number from 0 to 100"),
            ));
        }
        if problems.len() > before {
            continue;
        }
        if let (Some(grade), Some(percent)) = (grade, percent) {
            let key = (factor.to_string(), grade);
            if let Some(first) = first_row.get(&key) {
                problems.push(RowProblem::new(
                    row,
                    None,
                    format!(
                        "{factor} {} has a value already in row {first}",
                        grade
                            .map_or_else(|| "for all grades".to_string(), |g| format!("grade {g}"))
                    ),
                ));
                continue;
            }
            first_row.insert(key, row);
            values.push(NormValue {
                factor: factor.to_string(),
                grade,
                percent,
            });
        }
    }
    if problems.is_empty() && values.is_empty() {
        problems.push(RowProblem::new(
            2,
            None,
            "the file has no values below its header",
        ));
    }
    if problems.is_empty() {
        Ok(values)
    } else {
        Err(RowProblems(problems))
    }
}

/// The export rows of `values` in [`NORM_COLUMNS`] order, sorted by factor
/// and grade (all grades first); reading them back gives the same values.
pub fn norm_rows(values: &[NormValue]) -> Vec<Vec<String>> {
    let mut sorted: Vec<&NormValue> = values.iter().collect();
    sorted.sort_by(|a, b| (&a.factor, a.grade).cmp(&(&b.factor, b.grade)));
    sorted
        .into_iter()
        .map(|v| {
            vec![
                v.factor.clone(),
                v.grade.map(|g| g.to_string()).unwrap_or_default(),
                // Shortest text that reads back as the same f64.
                v.percent.to_string(),
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    fn known() -> Vec<String> {
        strings(&["fam_conflict", "sch_commitment", "out_alcohol_30d"])
    }

    fn parse(rows: &[&[&str]]) -> Result<Vec<NormValue>, RowProblems> {
        let rows: Vec<Vec<String>> = rows.iter().map(|r| strings(r)).collect();
        parse_norms(&strings(&NORM_COLUMNS), &rows, &known())
    }

    #[test]
    fn values_per_grade_and_for_all_grades_are_read() {
        let values = parse(&[
            &["fam_conflict", "8", "31.5"],
            &["fam_conflict", "", "28,25"],
            &["", "", ""],
            &["out_alcohol_30d", "10", "100"],
        ])
        .unwrap();
        assert_eq!(
            values,
            vec![
                NormValue {
                    factor: "fam_conflict".into(),
                    grade: Some(8),
                    percent: 31.5
                },
                NormValue {
                    factor: "fam_conflict".into(),
                    grade: None,
                    percent: 28.25
                },
                NormValue {
                    factor: "out_alcohol_30d".into(),
                    grade: Some(10),
                    percent: 100.0
                },
            ]
        );
    }

    #[test]
    fn every_bad_cell_is_reported_with_row_and_column() {
        let problems = parse(&[
            &["Fam_conflict", "8", "30"],
            &["fam_conflict", "14", "30"],
            &["fam_conflict", "8", "101"],
            &["fam_conflict", "8", "viel"],
            &["sch_commitment", "6"],
            &["fam_conflict", "6", "20"],
            &["fam_conflict", "6", "21"],
            &["", "", "5"],
        ])
        .unwrap_err();
        let text: Vec<String> = problems.0.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 7, "{text:#?}");
        assert_eq!(
            text[0],
            "row 2, column factor: \"Fam_conflict\" is not a scale or outcome of the instrument (did you mean \"fam_conflict\"?)"
        );
        assert!(text[1].starts_with("row 3, column grade: "), "{}", text[1]);
        assert_eq!(
            text[2],
            "row 4, column percent: \"101\" is not a number from 0 to 100"
        );
        assert_eq!(
            text[3],
            "row 5, column percent: \"viel\" is not a number from 0 to 100"
        );
        assert_eq!(
            text[4],
            "row 6: the row has 2 fields, but the header has 3 columns"
        );
        assert_eq!(
            text[5],
            "row 8: fam_conflict grade 6 has a value already in row 7"
        );
        assert_eq!(text[6], "row 9, column factor: the factor is empty");
    }

    #[test]
    fn a_file_without_values_or_with_a_bad_header_is_refused() {
        let empty = parse(&[&["", "", ""]]).unwrap_err();
        assert_eq!(
            empty.to_string(),
            "row 2: the file has no values below its header"
        );
        let header = parse_norms(&strings(&["factor", "percent"]), &[], &known()).unwrap_err();
        assert_eq!(header.to_string(), "row 1, column grade: missing column");
    }

    #[test]
    fn exported_rows_read_back_as_the_same_values() {
        let values = vec![
            NormValue {
                factor: "sch_commitment".into(),
                grade: None,
                percent: 0.1 + 0.2,
            },
            NormValue {
                factor: "fam_conflict".into(),
                grade: Some(10),
                percent: 42.0,
            },
            NormValue {
                factor: "fam_conflict".into(),
                grade: None,
                percent: 33.3,
            },
        ];
        let rows = norm_rows(&values);
        assert_eq!(
            rows[0],
            strings(&["fam_conflict", "", "33.3"]),
            "sorted by factor, all grades first"
        );
        let mut back = parse_norms(&strings(&NORM_COLUMNS), &rows, &known()).unwrap();
        let mut expected = values.clone();
        let order = |v: &NormValue| (v.factor.clone(), v.grade);
        back.sort_by_key(order);
        expected.sort_by_key(order);
        assert_eq!(back, expected);
    }

    #[test]
    fn a_grade_value_wins_over_the_all_grades_value() {
        let table = NormTable::new(
            "Land",
            &[
                NormValue {
                    factor: "f".into(),
                    grade: None,
                    percent: 20.0,
                },
                NormValue {
                    factor: "f".into(),
                    grade: Some(8),
                    percent: 25.0,
                },
            ],
        );
        assert_eq!(table.get("f", Some(8)), Some(25.0));
        assert_eq!(table.get("f", Some(6)), Some(20.0));
        assert_eq!(table.get("f", None), Some(20.0));
        assert_eq!(table.get("g", Some(8)), None);
    }

    #[test]
    fn keys_follow_the_url_rules() {
        assert!(NormKey::parse("nrw-2024").is_ok());
        for bad in [
            "",
            "NRW",
            "nrw 2024",
            "-nrw",
            "nrw-",
            "nrw_2024",
            &"a".repeat(41),
        ] {
            assert!(NormKey::parse(bad).is_err(), "{bad}");
        }
    }
}
