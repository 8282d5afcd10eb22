//! Stored cut-point sets of an instrument version and the set each wave's
//! results use. A stored set never changes; saving under an existing name
//! adds the next version (`name v2`), so the id a result names always
//! leads back to the values that produced it.

use std::collections::BTreeMap;

use crate::domain::analysis::calibration::CutPointSet;
use crate::storage::survey::instruments::InstrumentId;
use crate::storage::waves::WaveId;
use crate::storage::{Db, StorageError, StorageResult};

/// A stored cut-point set.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredCutPointSet {
    /// Row id.
    pub cut_point_set_id: i64,
    /// The instrument version it belongs to.
    pub instrument_id: InstrumentId,
    /// Its name, without the version.
    pub name: String,
    /// 1 for the first set of that name, then 2, 3, …
    pub version: i64,
    /// Day it was stored (UTC).
    pub created_on: String,
    /// The values; `set.id` is `"<name> v<version>"`, what results name.
    pub set: CutPointSet,
}

/// The id results and trends name: `"<name> v<version>"`.
#[must_use]
pub fn set_id(name: &str, version: i64) -> String {
    format!("{name} v{version}")
}

type Row = (i64, i64, String, i64, String, String, String);

fn stored(row: Row) -> StorageResult<StoredCutPointSet> {
    let (cut_point_set_id, instrument_id, name, version, derived_from, json, created_on) = row;
    let cut_points: BTreeMap<String, BTreeMap<u8, f64>> = serde_json::from_str(&json)
        .map_err(|e| StorageError::Conflict(format!("cut-point set {name} v{version}: {e}")))?;
    Ok(StoredCutPointSet {
        cut_point_set_id,
        instrument_id,
        set: CutPointSet {
            id: set_id(&name, version),
            derived_from,
            cut_points,
        },
        name,
        version,
        created_on,
    })
}

const COLUMNS: &str = "s.cut_point_set_id, s.instrument_id, s.name, s.version, s.derived_from, s.cut_points, s.created_on";

/// Stores `cut_points` as the next version of `name` for the instrument
/// (the caller has checked them against it, `CutPointSet::apply_to`).
pub async fn save(
    db: &Db,
    instrument: InstrumentId,
    name: &str,
    derived_from: &str,
    cut_points: &BTreeMap<String, BTreeMap<u8, f64>>,
) -> StorageResult<StoredCutPointSet> {
    let json = serde_json::to_string(cut_points)
        .map_err(|e| StorageError::Conflict(format!("cut points of {name}: {e}")))?;
    let mut tx = db.begin().await?;
    let (next,): (i64,) = sqlx::query_as(
        "select coalesce(max(version), 0) + 1 from cut_point_set where instrument_id = $1 and name = $2",
    )
    .bind(instrument)
    .bind(name)
    .fetch_one(&mut *tx)
    .await?;
    let (id,): (i64,) = sqlx::query_as(
        r#"insert into cut_point_set (instrument_id, name, version, derived_from, cut_points, created_on)
           values ($1, $2, $3, $4, $5, $6) returning cut_point_set_id"#,
    )
    .bind(instrument)
    .bind(name)
    .bind(next)
    .bind(derived_from)
    .bind(&json)
    .bind(crate::storage::today())
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(StoredCutPointSet {
        cut_point_set_id: id,
        instrument_id: instrument,
        name: name.to_string(),
        version: next,
        created_on: crate::storage::today(),
        set: CutPointSet {
            id: set_id(name, next),
            derived_from: derived_from.to_string(),
            cut_points: cut_points.clone(),
        },
    })
}

/// Every stored set of the instrument version, by name and version.
pub async fn of_instrument(
    db: &Db,
    instrument: InstrumentId,
) -> StorageResult<Vec<StoredCutPointSet>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "select {COLUMNS} from cut_point_set s where s.instrument_id = $1 order by s.name, s.version"
    ))
    .bind(instrument)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(stored).collect()
}

/// The set `wave` uses, `None` for the instrument's own cut points.
pub async fn of_wave(db: &Db, wave: WaveId) -> StorageResult<Option<StoredCutPointSet>> {
    let row: Option<Row> = sqlx::query_as(&format!(
        r#"select {COLUMNS} from cut_point_set s
           join wave_cut_point_set w on w.cut_point_set_id = s.cut_point_set_id
           where w.wave_id = $1"#
    ))
    .bind(wave)
    .fetch_optional(db)
    .await?;
    row.map(stored).transpose()
}

/// Makes `wave` use the stored set `cut_point_set_id` (of the wave's own
/// instrument version), or its instrument's own cut points for `None`.
///
/// # Errors
///
/// [`StorageError::NotFound`] for a set of another instrument version or
/// none at all; nothing changes then.
pub async fn choose_for_wave(
    db: &Db,
    wave: WaveId,
    cut_point_set_id: Option<i64>,
    chosen_by: Option<i64>,
) -> StorageResult<()> {
    let Some(set) = cut_point_set_id else {
        sqlx::query("delete from wave_cut_point_set where wave_id = $1")
            .bind(wave)
            .execute(db)
            .await?;
        return Ok(());
    };
    let fits: Option<(i64,)> = sqlx::query_as(
        r#"select s.cut_point_set_id from cut_point_set s
           join wave w on w.instrument_id = s.instrument_id
           where s.cut_point_set_id = $1 and w.wave_id = $2"#,
    )
    .bind(set)
    .bind(wave)
    .fetch_optional(db)
    .await?;
    if fits.is_none() {
        return Err(StorageError::NotFound(format!(
            "cut-point set {set} for the instrument of wave {wave}"
        )));
    }
    sqlx::query(
        r#"insert into wave_cut_point_set (wave_id, cut_point_set_id, chosen_by, chosen_on)
           values ($1, $2, $3, $4)
           on conflict (wave_id) do update
             set cut_point_set_id = excluded.cut_point_set_id,
                 chosen_by = excluded.chosen_by, chosen_on = excluded.chosen_on"#,
    )
    .bind(wave)
    .bind(set)
    .bind(chosen_by)
    .bind(crate::storage::today())
    .execute(db)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests;
