//! Types that the storage layer returns and that cross the wire to the
//! browser, so they compile for both the server and the wasm bundle. They
//! live below `pages/`: storage never imports from the UI.

use crate::domain::survey::instrument::Instrument;
use serde::{Deserialize, Serialize};

/// Counts shown on the start page. Aggregate counts only: nothing here can
/// identify a pupil.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DataStatus {
    /// Title and version of the newest loaded instrument, if any.
    pub instrument: Option<InstrumentSummary>,
    /// Number of municipalities.
    pub municipalities: i64,
    /// Number of districts over all municipalities.
    pub districts: i64,
    /// Number of schools.
    pub schools: i64,
    /// Number of survey waves.
    pub waves: i64,
    /// Number of finished questionnaires over all waves.
    pub responses: i64,
}

/// The identifying facts of an instrument version, for display.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstrumentSummary {
    /// Instrument key, e.g. `ctc-demo`.
    pub key: String,
    /// Version string, e.g. `2026.1`.
    pub version: String,
    /// Title in German.
    pub title_de: String,
    /// Title in English.
    pub title_en: String,
    /// Whether this is a demonstration (not the licensed) instrument.
    pub demonstration: bool,
}

impl InstrumentSummary {
    /// Builds the summary from a validated instrument.
    pub fn of(instrument: &Instrument) -> Self {
        InstrumentSummary {
            key: instrument.id.clone(),
            version: instrument.version.clone(),
            title_de: instrument.title.get("de").to_string(),
            title_en: instrument.title.get("en").to_string(),
            demonstration: instrument.demonstration,
        }
    }
}
