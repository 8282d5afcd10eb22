//! A municipality's early-warning thresholds and their history
//! ([`crate::domain::early_warning::Thresholds`] checks them first).

use crate::domain::early_warning::Thresholds;
use crate::storage::geography::MunicipalityId;
use crate::storage::{Db, StorageResult};

/// One stored change of the thresholds.
#[derive(Clone, Debug, PartialEq)]
pub struct ThresholdChange {
    /// The thresholds set.
    pub thresholds: Thresholds,
    /// Why (required in the form: a board decision, a lesson learned).
    pub reason: String,
    /// Display name of the account, if it still exists.
    pub changed_by: Option<String>,
    /// Day of the change, `YYYY-MM-DD` (UTC).
    pub changed_on: String,
}

type Row = (f64, i64, f64, i64, String, Option<String>, String);

fn change_of(row: Row) -> ThresholdChange {
    let (points, waves, percent, periods, reason, changed_by, changed_on) = row;
    ThresholdChange {
        // The table's checks keep the numbers in range; clamping only keeps
        // a hand-edited row from panicking the conversion.
        thresholds: Thresholds {
            survey_change_points: points,
            survey_sustained_waves: u8::try_from(waves.clamp(0, 255)).unwrap_or(u8::MAX),
            indicator_change_percent: percent,
            indicator_sustained_periods: u8::try_from(periods.clamp(0, 255)).unwrap_or(u8::MAX),
        },
        reason,
        changed_by,
        changed_on,
    }
}

/// Every change of the municipality's thresholds, newest first (the first is
/// in force). Empty if they were never changed from the defaults.
pub async fn history(db: &Db, municipality: MunicipalityId) -> StorageResult<Vec<ThresholdChange>> {
    let rows: Vec<Row> = sqlx::query_as(
        r#"select t.survey_change_points, t.survey_sustained_waves, t.indicator_change_percent,
                  t.indicator_sustained_periods, t.reason, u.display_name, t.changed_on
           from warning_thresholds t
           left join app_user u on u.user_id = t.changed_by
           where t.municipality_id = $1
           order by t.thresholds_id desc"#,
    )
    .bind(municipality)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(change_of).collect())
}

/// The thresholds in force: the newest stored, else the defaults.
pub async fn current(db: &Db, municipality: MunicipalityId) -> StorageResult<Thresholds> {
    let row: Option<Row> = sqlx::query_as(
        r#"select survey_change_points, survey_sustained_waves, indicator_change_percent,
                  indicator_sustained_periods, reason, null, changed_on
           from warning_thresholds
           where municipality_id = $1
           order by thresholds_id desc
           limit 1"#,
    )
    .bind(municipality)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| change_of(row).thresholds).unwrap_or_default())
}

/// Stores new thresholds for the municipality, in force from now on.
pub async fn set(
    db: &Db,
    municipality: MunicipalityId,
    thresholds: &Thresholds,
    reason: &str,
    changed_by: Option<i64>,
) -> StorageResult<()> {
    sqlx::query(
        r#"insert into warning_thresholds
             (municipality_id, survey_change_points, survey_sustained_waves,
              indicator_change_percent, indicator_sustained_periods, reason, changed_by, changed_on)
           values ($1, $2, $3, $4, $5, $6, $7, $8)"#,
    )
    .bind(municipality)
    .bind(thresholds.survey_change_points)
    .bind(i64::from(thresholds.survey_sustained_waves))
    .bind(thresholds.indicator_change_percent)
    .bind(i64::from(thresholds.indicator_sustained_periods))
    .bind(reason)
    .bind(changed_by)
    .bind(crate::storage::today())
    .execute(db)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{self, geography};

    #[tokio::test]
    async fn defaults_until_set_then_the_newest_with_its_history() {
        let dir = tempfile::tempdir().unwrap();
        let db = storage::connect(&format!(
            "sqlite://{}",
            dir.path().join("warnings.db").display()
        ))
        .await
        .unwrap();
        storage::migrate(&db).await.unwrap();
        let city = geography::ensure_municipality(&db, None, "Teststadt")
            .await
            .unwrap();
        let other = geography::ensure_municipality(&db, None, "Andere")
            .await
            .unwrap();
        assert_eq!(current(&db, city).await.unwrap(), Thresholds::default());
        assert!(history(&db, city).await.unwrap().is_empty());

        let stricter = Thresholds::new(3.0, 4, 8.0, 5).unwrap();
        let looser = Thresholds::new(8.0, 3, 15.0, 3).unwrap();
        set(&db, city, &stricter, "Lenkungsgruppe 03/2026", None)
            .await
            .unwrap();
        set(&db, city, &looser, "zu viele Fehlalarme", None)
            .await
            .unwrap();
        assert_eq!(current(&db, city).await.unwrap(), looser);
        let changes = history(&db, city).await.unwrap();
        let reasons: Vec<&str> = changes.iter().map(|c| c.reason.as_str()).collect();
        assert_eq!(
            reasons,
            vec!["zu viele Fehlalarme", "Lenkungsgruppe 03/2026"]
        );
        assert_eq!(changes[1].thresholds, stricter);
        assert_eq!(changes[0].changed_on, storage::today());
        // Another city keeps its defaults.
        assert_eq!(current(&db, other).await.unwrap(), Thresholds::default());
    }
}
