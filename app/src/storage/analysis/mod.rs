//! Storage of analysis results: the published result per closed wave and
//! imported reference values (norms).

pub mod norms;
pub mod results;
