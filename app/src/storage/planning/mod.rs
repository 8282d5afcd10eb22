//! Storage of planning: the board's priority factors, the program catalog
//! and implementation records.

pub mod priorities;
pub mod programs;
