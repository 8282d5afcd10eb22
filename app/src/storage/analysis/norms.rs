//! Imported norm sets (reference values of a larger survey). A set is
//! replaced as a whole, never patched: its values belong together.

use crate::domain::analysis::norms::{NormKey, NormValue};
use crate::storage::{Db, StorageError, StorageResult};

/// A norm set without its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NormSet {
    /// Row id.
    pub norm_set_id: i64,
    /// URL and CLI key.
    pub key: String,
    /// Name shown next to the reference marker.
    pub label: String,
    /// Where the values come from.
    pub source: String,
    /// Instrument key whose factor ids the values use.
    pub instrument_key: String,
    /// Import date, `YYYY-MM-DD`.
    pub imported_on: String,
    /// Number of values.
    pub values: i64,
}

/// A norm set to store.
#[derive(Clone, Debug)]
pub struct NewNormSet<'a> {
    /// Key.
    pub key: &'a NormKey,
    /// Label.
    pub label: &'a str,
    /// Source.
    pub source: &'a str,
    /// Instrument key.
    pub instrument_key: &'a str,
    /// The values (validated by [`crate::domain::analysis::norms::parse_norms`]).
    pub values: &'a [NormValue],
}

/// Stores a norm set. An existing set with the same key is refused unless
/// `replace`; then its values are replaced in the same transaction, so a
/// reader sees either the old or the new set, never a mix.
pub async fn store(db: &Db, set: &NewNormSet<'_>, replace: bool) -> StorageResult<i64> {
    let mut tx = db.begin().await?;
    let existing: Option<i64> =
        sqlx::query_scalar("select norm_set_id from norm_set where norm_key = $1")
            .bind(set.key.as_str())
            .fetch_optional(&mut *tx)
            .await?;
    let id = match existing {
        Some(_) if !replace => {
            return Err(StorageError::Conflict(format!(
                "a norm set with the key \"{}\" exists already (replace it with --replace, or choose another key)",
                set.key
            )));
        }
        Some(id) => {
            sqlx::query(
                "update norm_set set label = $2, source = $3, instrument_key = $4, imported_on = current_date where norm_set_id = $1",
            )
            .bind(id)
            .bind(set.label)
            .bind(set.source)
            .bind(set.instrument_key)
            .execute(&mut *tx)
            .await?;
            sqlx::query("delete from norm_value where norm_set_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            id
        }
        None => {
            sqlx::query_scalar(
                r#"insert into norm_set (norm_key, label, source, instrument_key, imported_on)
                   values ($1, $2, $3, $4, current_date) returning norm_set_id"#,
            )
            .bind(set.key.as_str())
            .bind(set.label)
            .bind(set.source)
            .bind(set.instrument_key)
            .fetch_one(&mut *tx)
            .await?
        }
    };
    for value in set.values {
        sqlx::query(
            "insert into norm_value (norm_set_id, factor_id, grade, percent) values ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(&value.factor)
        .bind(value.grade.map(i64::from))
        .bind(value.percent)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(id)
}

type NormSetRow = (i64, String, String, String, String, String, i64);

const SELECT_SETS: &str = r#"select s.norm_set_id, s.norm_key, s.label, s.source, s.instrument_key,
           s.imported_on, (select count(*) from norm_value v where v.norm_set_id = s.norm_set_id)
    from norm_set s"#;

fn norm_set(row: NormSetRow) -> NormSet {
    let (norm_set_id, key, label, source, instrument_key, imported_on, values) = row;
    NormSet {
        norm_set_id,
        key,
        label,
        source,
        instrument_key,
        imported_on,
        values,
    }
}

/// Every norm set, by label.
pub async fn list(db: &Db) -> StorageResult<Vec<NormSet>> {
    let rows: Vec<NormSetRow> =
        sqlx::query_as(&format!("{SELECT_SETS} order by s.label, s.norm_key"))
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().map(norm_set).collect())
}

/// The norm sets for waves of the instrument `instrument_key`, by label.
pub async fn for_instrument(db: &Db, instrument_key: &str) -> StorageResult<Vec<NormSet>> {
    let rows: Vec<NormSetRow> = sqlx::query_as(&format!(
        "{SELECT_SETS} where s.instrument_key = $1 order by s.label, s.norm_key"
    ))
    .bind(instrument_key)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(norm_set).collect())
}

/// The norm set with this key, if any.
pub async fn find(db: &Db, key: &str) -> StorageResult<Option<NormSet>> {
    let row: Option<NormSetRow> = sqlx::query_as(&format!("{SELECT_SETS} where s.norm_key = $1"))
        .bind(key)
        .fetch_optional(db)
        .await?;
    Ok(row.map(norm_set))
}

/// The values of a norm set, by factor and grade.
pub async fn values(db: &Db, norm_set_id: i64) -> StorageResult<Vec<NormValue>> {
    let rows: Vec<(String, Option<i64>, f64)> = sqlx::query_as(
        "select factor_id, grade, percent from norm_value where norm_set_id = $1 order by factor_id, grade",
    )
    .bind(norm_set_id)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(factor, grade, percent)| {
            let grade = grade
                .map(|g| {
                    u8::try_from(g).map_err(|_| {
                        StorageError::Conflict(format!("stored norm grade {g} is out of range"))
                    })
                })
                .transpose()?;
            Ok(NormValue {
                factor,
                grade,
                percent,
            })
        })
        .collect()
}

/// Deletes a norm set; `false` if there was none with this key.
pub async fn delete(db: &Db, key: &str) -> StorageResult<bool> {
    let result = sqlx::query("delete from norm_set where norm_key = $1")
        .bind(key)
        .execute(db)
        .await?;
    Ok(result.rows_affected() > 0)
}
