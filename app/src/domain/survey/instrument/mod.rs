//! The survey instrument: questionnaire items, response sets, CTC scales,
//! outcome indicators and data-validity rules, loaded from a TOML file.
//!
//! CTC scale definitions differ between survey versions and countries, so
//! they are versioned data rather than code: an instrument file (format in
//! `docs/instrument-format.md`) is loaded with [`Instrument::from_toml_str`] or
//! [`Instrument::from_file`], which report every problem with file, line,
//! column and key, and never return a partially valid instrument.
//!
//! The model is pure data with index-based references (see [`model`]); the
//! answer encoding that storage relies on is documented in [`answers`]:
//! one byte per item, `0` = missing, `k` = the `k`-th option (1-based).

pub mod answers;
pub mod error;
mod loader;
pub mod model;
mod reader;

#[cfg(test)]
mod tests;

pub use answers::{AnswerError, MISSING_ANSWER};
pub use error::{InstrumentError, InstrumentErrors};
pub use model::{
    CUT_POINT_TOLERANCE, CutPoint, Demographics, Direction, Domain, Instrument, Item,
    LocalizedText, OutcomeGroup, OutcomeIndicator, Page, ResponseOption, ResponseSet, Scale,
    ScaleKind, Scoring, ValidityCheck, ValidityRule,
};
