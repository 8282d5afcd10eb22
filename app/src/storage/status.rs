//! Counts for the start page.

use super::{Db, StorageResult};
use crate::dto::DataStatus;

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
    let instrument = super::survey::instruments::newest_summary(db).await?;
    Ok(DataStatus {
        instrument,
        municipalities,
        districts,
        schools,
        waves,
        responses,
    })
}
