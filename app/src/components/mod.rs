//! Components shared by several pages.

pub mod charts;
pub mod language_switch;
