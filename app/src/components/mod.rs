//! Components shared by several pages.

pub mod language_switch;
