//! Counts for the start page.

use super::{Db, StorageResult};
use crate::pages::home::{DataStatus, InstrumentSummary};

/// Counts of the main tables and the newest instrument.
#[tracing::instrument(skip_all)]
pub async fn data_status(db: &Db) -> StorageResult<DataStatus> {
    let (municipalities, districts, schools, waves, responses): (i64, i64, i64, i64, i64) =
        sqlx::query_as(
            r#"select
                (select count(*) from municipality),
                (select count(*) from district),
                (select count(*) from school),
                (select count(*) from wave),
                (select count(*) from response)"#,
        )
        .fetch_one(db)
        .await?;
    let instrument = super::instruments::newest_summary(db).await?;
    Ok(DataStatus {
        instrument,
        municipalities,
        districts,
        schools,
        waves,
        responses,
    })
}

impl InstrumentSummary {
    /// Builds the summary from a validated instrument.
    pub fn of(instrument: &crate::domain::instrument::Instrument) -> Self {
        InstrumentSummary {
            key: instrument.id.clone(),
            version: instrument.version.clone(),
            title_de: instrument.title.get("de").to_string(),
            title_en: instrument.title.get("en").to_string(),
            demonstration: instrument.demonstration,
        }
    }
}
