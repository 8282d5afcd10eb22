//! Program planning for CTC boards and trainers:
//! `/programme/{municipality}` (catalog matched to the priorities, coverage,
//! resource gaps), `/aktionsplan/{municipality}` (entries, implementation,
//! goals tracked against every wave, existing offers) and
//! `/wirkung/{municipality}/{program}` (program districts against the
//! others over the waves, with the difference-in-differences).
//!
//! One file per page; [`scope`] holds what their server functions share.

pub mod action_plan;
pub mod matching;
pub mod outcomes;
#[cfg(feature = "ssr")]
mod scope;
