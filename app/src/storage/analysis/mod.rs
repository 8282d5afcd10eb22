//! Storage of analysis results: the published result per closed wave,
//! imported reference values (norms), stored cut-point sets and the
//! population counts of weighting.

pub mod cut_points;
pub mod norms;
pub mod population;
pub mod results;
