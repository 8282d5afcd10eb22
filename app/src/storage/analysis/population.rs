//! A wave's population counts per school type × grade (the post-strata of
//! weighted results) and who imported them.

use std::collections::BTreeMap;

use crate::domain::analysis::weighting::{PopulationCounts, StratumKey};
use crate::storage::waves::WaveId;
use crate::storage::{Db, StorageResult};

/// Where a wave's counts came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PopulationImport {
    /// What the importer named as the source (file name or form).
    pub source: String,
    /// Day of the import (UTC).
    pub imported_on: String,
}

/// Replaces the wave's counts with `counts` in one transaction.
pub async fn replace(
    db: &Db,
    wave: WaveId,
    counts: &PopulationCounts,
    source: &str,
    imported_by: Option<i64>,
) -> StorageResult<()> {
    let mut tx = db.begin().await?;
    sqlx::query("delete from wave_population_count where wave_id = $1")
        .bind(wave)
        .execute(&mut *tx)
        .await?;
    for (stratum, pupils) in &counts.pupils {
        sqlx::query(
            "insert into wave_population_count (wave_id, school_type, grade, pupils) values ($1, $2, $3, $4)",
        )
        .bind(wave)
        .bind(&stratum.school_type)
        .bind(i64::from(stratum.grade))
        .bind(i64::try_from(*pupils).unwrap_or(i64::MAX))
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        r#"insert into wave_population_import (wave_id, source, imported_by, imported_on)
           values ($1, $2, $3, $4)
           on conflict (wave_id) do update set source = excluded.source,
               imported_by = excluded.imported_by, imported_on = excluded.imported_on"#,
    )
    .bind(wave)
    .bind(source)
    .bind(imported_by)
    .bind(crate::storage::today())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The wave's counts (empty if none were imported).
pub async fn of_wave(db: &Db, wave: WaveId) -> StorageResult<PopulationCounts> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "select school_type, grade, pupils from wave_population_count where wave_id = $1",
    )
    .bind(wave)
    .fetch_all(db)
    .await?;
    let pupils: BTreeMap<StratumKey, u64> = rows
        .into_iter()
        .filter_map(|(school_type, grade, pupils)| {
            Some((
                StratumKey {
                    school_type,
                    grade: u8::try_from(grade).ok()?,
                },
                u64::try_from(pupils).ok()?,
            ))
        })
        .collect();
    Ok(PopulationCounts { pupils })
}

/// Where the wave's counts came from, if it has any.
pub async fn import_of(db: &Db, wave: WaveId) -> StorageResult<Option<PopulationImport>> {
    let row: Option<(String, String)> =
        sqlx::query_as("select source, imported_on from wave_population_import where wave_id = $1")
            .bind(wave)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(source, imported_on)| PopulationImport {
        source,
        imported_on,
    }))
}
