//! Load errors with file locations, formatted like compiler diagnostics so
//! editors and CI logs can jump to them.

use std::fmt;

use thiserror::Error;

/// One problem found in an instrument file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstrumentError {
    /// The file name as given to the loader.
    pub file: String,
    /// 1-based line; 0 if the problem concerns the whole file (e.g. it cannot
    /// be read).
    pub line: usize,
    /// 1-based column in characters (not bytes); 0 with `line == 0`.
    pub column: usize,
    /// Dotted path of the offending value with 0-based array indices, e.g.
    /// `scales[3].items[1]`; empty for TOML syntax errors and whole-file
    /// problems.
    pub key: String,
    /// What is wrong, in a sentence that names the offending value.
    pub message: String,
}

impl fmt::Display for InstrumentError {
    /// `file:line:column: key: message`; the location parts whose value is
    /// unknown (0 / empty) are left out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.file)?;
        if self.line > 0 {
            write!(f, "{}:{}:", self.line, self.column)?;
        }
        if !self.key.is_empty() {
            write!(f, " {}:", self.key)?;
        }
        write!(f, " {}", self.message)
    }
}

impl std::error::Error for InstrumentError {}

/// Every problem found in an instrument file, sorted by position.
///
/// The loader collects all errors it can find instead of stopping at the
/// first, so authors can fix a file in one round; it never returns a
/// partially valid instrument.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{}", render(.errors))]
pub struct InstrumentErrors {
    /// The errors, sorted by line and column; never empty when returned by
    /// the loader.
    pub errors: Vec<InstrumentError>,
}

impl InstrumentErrors {
    /// Number of errors.
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// Whether there are no errors (never the case for a loader result).
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Iterates over the errors in file order.
    pub fn iter(&self) -> std::slice::Iter<'_, InstrumentError> {
        self.errors.iter()
    }
}

impl<'a> IntoIterator for &'a InstrumentErrors {
    type Item = &'a InstrumentError;
    type IntoIter = std::slice::Iter<'a, InstrumentError>;

    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

/// One error per line, like a compiler's output.
fn render(errors: &[InstrumentError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}
