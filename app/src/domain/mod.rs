//! The pure CTC domain: the instrument model, respondents, scoring,
//! aggregation and statistics.
//!
//! **Invariant:** nothing in here names leptos, axum, sqlx or any other web or
//! database type, and nothing does IO except reading an instrument file the
//! caller names. Everything compiles for both the server and the wasm bundle
//! and is unit-tested directly.

pub mod access;
pub mod access_code;
pub mod aggregate;
pub mod calibration;
pub mod catalog;
pub mod csv_table;
pub mod instrument;
pub mod matching;
pub mod norms;
pub mod participation;
pub mod priorities;
pub mod profile;
pub mod program_outcomes;
pub mod published;
pub mod questionnaire;
pub mod regional;
pub mod report;
pub mod respondent;
pub mod response_csv;
pub mod scoring;
pub mod stats;
pub mod suppression;
pub mod trend;
pub mod validity;
