//! The pure CTC domain, one folder per context (the words ARCHITECTURE.md
//! uses):
//!
//! * [`survey`]: the instrument, the paged questionnaire, validity rules,
//!   pupils' access codes, respondents, participation and the responses CSV.
//! * [`analysis`]: scoring, aggregation into the cube, small-group
//!   suppression, the profile table, published wave results, trends,
//!   calibration, reference values, regional comparison and the statistics
//!   underneath ([`analysis::stats`]).
//! * [`planning`]: the program catalog, matching programs to priority
//!   factors, the board's priority choice and program outcomes.
//! * [`indicators`]: district context indicators (catalogue and values from
//!   other offices), beside the survey.
//! * [`early_warning`]: the rules that flag districts whose survey factors
//!   or context indicators worsen beyond a municipality's thresholds.
//! * [`access`]: roles and the one access policy.
//!
//! [`csv_table`] is what every tabular import shares.
//!
//! **Invariant:** nothing in here names leptos, axum, sqlx or any other web or
//! database type, and nothing does IO except reading an instrument file the
//! caller names. Everything compiles for both the server and the wasm bundle
//! and is unit-tested directly. Contexts use each other downward only
//! (planning → analysis → survey); the one exception is
//! `survey::participation`, which applies `analysis::suppression`'s
//! small-group rule to its counts.

pub mod access;
pub mod analysis;
pub mod csv_table;
pub mod early_warning;
pub mod indicators;
pub mod planning;
pub mod survey;
