//! One module per page.

pub mod account;
pub mod catalog;
pub mod common;
pub mod comparison;
pub mod early_warning;
pub mod home;
pub mod monitoring;
pub mod municipalities;
pub mod norms;
pub mod not_found;
pub mod priorities;
pub mod profile;
pub mod programs;
pub mod setup;
pub mod small_area;
pub mod survey;
pub mod trends;
