//! Storage of analysis results: the published result per closed wave,
//! imported reference values (norms) and stored cut-point sets.

pub mod cut_points;
pub mod norms;
pub mod results;
