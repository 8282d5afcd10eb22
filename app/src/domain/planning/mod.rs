//! Planning with the profile: which programs exist, which fit the board's
//! priority factors, and whether the factors moved where a program ran.

pub mod catalog;
pub mod matching;
pub mod priorities;
pub mod program_outcomes;
