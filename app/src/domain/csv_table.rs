//! What every tabular import (program catalog, norms, context indicators)
//! shares: problems reported by spreadsheet row and column, the header
//! check and the walk over the data rows.
//!
//! Pure: the caller splits the file into fields (the `csv` crate is
//! server-only), so the rules can be unit-tested on plain strings.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One problem of an imported table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowProblem {
    /// Row of the file as a spreadsheet shows it: the header is row 1, so
    /// the first data row is row 2 (a cell with a line break still counts
    /// as one row).
    pub row: usize,
    /// The column, or `None` for a problem of the whole row.
    pub column: Option<String>,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl RowProblem {
    /// A problem in `row` (and `column`, if it concerns one cell).
    pub fn new(row: usize, column: Option<&str>, message: impl Into<String>) -> Self {
        RowProblem {
            row,
            column: column.map(str::to_string),
            message: message.into(),
        }
    }
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(column) => write!(f, "row {}, column {}: {}", self.row, column, self.message),
            None => write!(f, "row {}: {}", self.row, self.message),
        }
    }
}

/// Every problem of a rejected file, in row order; displayed one per line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{}", lines(.0))]
pub struct RowProblems(pub Vec<RowProblem>);

fn lines(problems: &[RowProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The field index of each of `columns`, or every header problem (all in
/// row 1): empty names, unknown and repeated columns in column order, then
/// the missing ones. The header must name every column exactly once, in any
/// order, and nothing else; a byte order mark before the first name is
/// ignored.
pub fn map_columns(header: &[String], columns: &[&str]) -> Result<Vec<usize>, Vec<RowProblem>> {
    let names: Vec<&str> = header
        .iter()
        .enumerate()
        .map(|(index, name)| {
            if index == 0 {
                name.trim_start_matches('\u{feff}').trim()
            } else {
                name.trim()
            }
        })
        .collect();
    let whole_file = |message: String| Err(vec![RowProblem::new(1, None, message)]);
    if names.iter().all(|name| name.is_empty()) {
        return whole_file(format!(
            "the file is empty: its first line must be the header with the columns {}",
            columns.join(", ")
        ));
    }
    // German spreadsheet programs save "CSV" with semicolons; the whole
    // header then arrives as one cell.
    if names.len() == 1 && names[0].contains(';') {
        return whole_file(
            "the header is a single column containing \";\": the file seems to be separated by semicolons; save it as comma-separated CSV (UTF-8)".to_string(),
        );
    }

    let mut problems = Vec::new();
    for (index, name) in names.iter().enumerate() {
        if name.is_empty() {
            problems.push(RowProblem::new(
                1,
                None,
                format!("column {}: the header cell is empty", index + 1),
            ));
            continue;
        }
        let at: Vec<usize> = (0..names.len()).filter(|&i| names[i] == *name).collect();
        if at[0] != index {
            continue;
        }
        if !columns.contains(name) {
            let hint = columns
                .iter()
                .find(|known| known.eq_ignore_ascii_case(name))
                .map(|known| format!(" (did you mean \"{known}\"?)"))
                .unwrap_or_default();
            problems.push(RowProblem::new(
                1,
                Some(*name),
                format!("unknown column (expected {}){hint}", columns.join(", ")),
            ));
        }
        if at.len() > 1 {
            problems.push(RowProblem::new(
                1,
                Some(*name),
                format!(
                    "the column appears more than once (columns {})",
                    at.iter()
                        .map(|p| (p + 1).to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    let mut positions = Vec::with_capacity(columns.len());
    for column in columns {
        match names.iter().position(|name| name == column) {
            Some(position) => positions.push(position),
            None => problems.push(RowProblem::new(1, Some(column), "missing column")),
        }
    }
    if problems.is_empty() {
        Ok(positions)
    } else {
        Err(problems)
    }
}

/// One data row of an imported table, with its fields looked up by the
/// positions [`map_columns`] found.
#[derive(Clone, Copy, Debug)]
pub struct DataRow<'a> {
    /// The row number as a spreadsheet shows it (see [`RowProblem::row`]).
    pub row: usize,
    fields: &'a [String],
    positions: &'a [usize],
}

impl<'a> DataRow<'a> {
    /// The trimmed cell of the `column`-th expected column.
    pub fn cell(&self, column: usize) -> &'a str {
        self.fields[self.positions[column]].trim()
    }
}

/// The row of a [`data_rows`] item, or `None` after adding its problem to
/// `problems` (so a loop over the rows reads `let Some(data) = … else {
/// continue }`).
pub fn keep_row<'a>(
    item: Result<DataRow<'a>, RowProblem>,
    problems: &mut Vec<RowProblem>,
) -> Option<DataRow<'a>> {
    item.map_err(|problem| problems.push(problem)).ok()
}

/// The data rows of a table whose header is `header`, numbered as a
/// spreadsheet numbers them; rows whose fields are all empty are skipped
/// (spreadsheets leave them at the end), and a row with more or fewer
/// fields than the header is a problem of the whole row, since no cell of
/// it can be trusted to sit in its column.
pub fn data_rows<'a>(
    header: &'a [String],
    rows: &'a [Vec<String>],
    positions: &'a [usize],
) -> impl Iterator<Item = Result<DataRow<'a>, RowProblem>> + 'a {
    rows.iter()
        .enumerate()
        .filter(|(_, fields)| !fields.iter().all(|field| field.trim().is_empty()))
        .map(move |(index, fields)| {
            let row = index + 2;
            if fields.len() == header.len() {
                Ok(DataRow {
                    row,
                    fields,
                    positions,
                })
            } else {
                Err(RowProblem::new(
                    row,
                    None,
                    format!(
                        "the row has {} fields, but the header has {} columns",
                        fields.len(),
                        header.len()
                    ),
                ))
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn columns_are_found_in_any_order_and_a_bom_is_ignored() {
        let found = map_columns(&header(&["\u{feff}b", " a "]), &["a", "b"]).unwrap();
        assert_eq!(found, vec![1, 0]);
    }

    #[test]
    fn every_header_problem_is_reported_at_once() {
        let problems = map_columns(&header(&["A", "x", "x", ""]), &["a", "b"]).unwrap_err();
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            vec![
                "row 1, column A: unknown column (expected a, b) (did you mean \"a\"?)",
                "row 1, column x: unknown column (expected a, b)",
                "row 1, column x: the column appears more than once (columns 2, 3)",
                "row 1: column 4: the header cell is empty",
                "row 1, column a: missing column",
                "row 1, column b: missing column",
            ]
        );
    }

    #[test]
    fn blank_rows_are_skipped_and_short_rows_reported_with_their_number() {
        let header = header(&["a", "b"]);
        let rows = vec![
            vec!["1".to_string(), " 2 ".to_string()],
            vec![" ".to_string(), String::new()],
            vec!["3".to_string()],
        ];
        let positions = [1, 0];
        let read: Vec<_> = data_rows(&header, &rows, &positions).collect();
        assert_eq!(read.len(), 2);
        let first = read[0].as_ref().unwrap();
        assert_eq!((first.row, first.cell(0), first.cell(1)), (2, "2", "1"));
        assert_eq!(
            read[1].as_ref().unwrap_err().to_string(),
            "row 4: the row has 1 fields, but the header has 2 columns"
        );
    }

    #[test]
    fn a_semicolon_file_gets_one_precise_message() {
        let problems = map_columns(&header(&["a;b"]), &["a", "b"]).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("separated by semicolons"));
    }
}
