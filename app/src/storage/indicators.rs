//! The context-indicator catalogue and the municipalities' values
//! ([`crate::domain::indicators`] checks both before they reach here).

use crate::domain::indicators::{Direction, Indicator, IndicatorValue, Period};
use crate::storage::geography::MunicipalityId;
use crate::storage::{Db, StorageError, StorageResult};

/// What an import changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportCount {
    /// Rows that did not exist before.
    pub added: usize,
    /// Rows that replaced an existing one.
    pub replaced: usize,
}

/// Adds the catalogue's new indicators and updates the existing ones (by
/// key), in one transaction.
pub async fn upsert_catalogue(db: &Db, indicators: &[Indicator]) -> StorageResult<ImportCount> {
    let mut tx = db.begin().await?;
    let mut count = ImportCount {
        added: 0,
        replaced: 0,
    };
    for indicator in indicators {
        // The same seven binds for both statements, in column order.
        let bound = |sql| {
            sqlx::query(sql)
                .bind(&indicator.key)
                .bind(&indicator.label_de)
                .bind(&indicator.label_en)
                .bind(&indicator.unit)
                .bind(indicator.direction.as_str())
                .bind(&indicator.source)
                .bind(&indicator.licence)
        };
        let updated = bound(
            r#"update indicator set label_de = $2, label_en = $3, unit = $4, direction = $5,
                   source = $6, licence = $7
               where indicator_key = $1"#,
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated > 0 {
            count.replaced += 1;
            continue;
        }
        bound(
            r#"insert into indicator (indicator_key, label_de, label_en, unit, direction, source, licence)
               values ($1, $2, $3, $4, $5, $6, $7)"#,
        )
        .execute(&mut *tx)
        .await?;
        count.added += 1;
    }
    tx.commit().await?;
    Ok(count)
}

type IndicatorRow = (String, String, String, String, String, String, String);

/// The whole catalogue, by key.
pub async fn catalogue(db: &Db) -> StorageResult<Vec<Indicator>> {
    let rows: Vec<IndicatorRow> = sqlx::query_as(
        r#"select indicator_key, label_de, label_en, unit, direction, source, licence
           from indicator order by indicator_key"#,
    )
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(
            |(key, label_de, label_en, unit, direction, source, licence)| {
                let direction = Direction::parse(&direction).ok_or_else(|| {
                    StorageError::Conflict(format!(
                        "indicator {key}: stored direction \"{direction}\" is unknown"
                    ))
                })?;
                Ok(Indicator {
                    key,
                    label_de,
                    label_en,
                    unit,
                    direction,
                    source,
                    licence,
                })
            },
        )
        .collect()
}

/// Stores a municipality's values (checked by
/// [`crate::domain::indicators::parse_values`] against the catalogue and
/// the municipality's districts) in one transaction: a value for an
/// indicator × district × period that exists replaces it; nothing else
/// changes. A key or code that vanished since the check fails the whole
/// import.
pub async fn store_values(
    db: &Db,
    municipality: MunicipalityId,
    values: &[IndicatorValue],
) -> StorageResult<ImportCount> {
    let mut tx = db.begin().await?;
    let mut count = ImportCount {
        added: 0,
        replaced: 0,
    };
    for value in values {
        let indicator_id: Option<i64> =
            sqlx::query_scalar("select indicator_id from indicator where indicator_key = $1")
                .bind(&value.indicator)
                .fetch_optional(&mut *tx)
                .await?;
        let indicator_id = indicator_id
            .ok_or_else(|| StorageError::NotFound(format!("indicator {}", value.indicator)))?;
        let district_id: Option<i64> = match &value.district {
            None => None,
            Some(code) => Some(
                sqlx::query_scalar(
                    "select district_id from district where municipality_id = $1 and code = $2",
                )
                .bind(municipality)
                .bind(code)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StorageError::NotFound(format!("district {code}")))?,
            ),
        };
        let period = value.period.to_string();
        let removed = sqlx::query(
            r#"delete from indicator_value
               where indicator_id = $1 and municipality_id = $2
                 and coalesce(district_id, 0) = coalesce($3, 0) and period = $4"#,
        )
        .bind(indicator_id)
        .bind(municipality)
        .bind(district_id)
        .bind(&period)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query(
            r#"insert into indicator_value (indicator_id, municipality_id, district_id, period, value)
               values ($1, $2, $3, $4, $5)"#,
        )
        .bind(indicator_id)
        .bind(municipality)
        .bind(district_id)
        .bind(&period)
        .bind(value.value)
        .execute(&mut *tx)
        .await?;
        if removed > 0 {
            count.replaced += 1;
        } else {
            count.added += 1;
        }
    }
    tx.commit().await?;
    Ok(count)
}

/// Which of a municipality's values to read.
#[derive(Clone, Copy, Debug)]
pub enum ValueScope<'a> {
    /// Every district's and the city's.
    Municipality,
    /// One district's (by code) and the city's, for its profile.
    District(&'a str),
    /// The city's only, for the comparison of municipalities.
    City,
}

/// A municipality's values in `scope`, by indicator, district (city first)
/// and period (oldest first).
pub async fn values(
    db: &Db,
    municipality: MunicipalityId,
    scope: ValueScope<'_>,
) -> StorageResult<Vec<IndicatorValue>> {
    let (every_district, district) = match scope {
        ValueScope::Municipality => (true, None),
        ValueScope::District(code) => (false, Some(code)),
        ValueScope::City => (false, None),
    };
    let rows: Vec<(String, Option<String>, String, f64)> = sqlx::query_as(
        r#"select i.indicator_key, d.code, v.period, v.value
           from indicator_value v
           join indicator i on i.indicator_id = v.indicator_id
           left join district d on d.district_id = v.district_id
           where v.municipality_id = $1
             and (v.district_id is null or $2 or d.code = $3)"#,
    )
    .bind(municipality)
    .bind(every_district)
    .bind(district)
    .fetch_all(db)
    .await?;
    let mut values: Vec<IndicatorValue> = rows
        .into_iter()
        .map(|(indicator, district, period, value)| {
            let period = Period::parse(&period).map_err(|error| {
                StorageError::Conflict(format!("indicator {indicator}: stored {error}"))
            })?;
            Ok(IndicatorValue {
                indicator,
                district,
                period,
                value,
            })
        })
        .collect::<StorageResult<_>>()?;
    // Sorted here rather than in SQL: the order of periods is Period's
    // (a year before its quarters), not the text's.
    values.sort_by(|a, b| {
        (&a.indicator, a.district.is_some(), &a.district, a.period).cmp(&(
            &b.indicator,
            b.district.is_some(),
            &b.district,
            b.period,
        ))
    });
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{self, geography};

    async fn database() -> (Db, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let db = storage::connect(&format!(
            "sqlite://{}",
            dir.path().join("indicators.db").display()
        ))
        .await
        .unwrap();
        storage::migrate(&db).await.unwrap();
        (db, dir)
    }

    fn indicator(key: &str, label: &str) -> Indicator {
        Indicator {
            key: key.into(),
            label_de: label.into(),
            label_en: label.into(),
            unit: "je 1.000".into(),
            direction: Direction::HigherIsWorse,
            source: "Ordnungsamt (fiktiv)".into(),
            licence: "dl-de/by-2-0".into(),
        }
    }

    fn value(key: &str, district: Option<&str>, period: &str, value: f64) -> IndicatorValue {
        IndicatorValue {
            indicator: key.into(),
            district: district.map(str::to_string),
            period: Period::parse(period).unwrap(),
            value,
        }
    }

    #[tokio::test]
    async fn catalogue_and_values_round_trip_and_replace_by_identity() {
        let (db, _dir) = database().await;
        let city = geography::ensure_municipality(&db, None, "Teststadt")
            .await
            .unwrap();
        geography::ensure_district(&db, city, "NORD", "Nord")
            .await
            .unwrap();
        let first = upsert_catalogue(&db, &[indicator("waste", "Müll")])
            .await
            .unwrap();
        assert_eq!(
            first,
            ImportCount {
                added: 1,
                replaced: 0
            }
        );
        let again = upsert_catalogue(
            &db,
            &[
                indicator("waste", "Illegaler Müll"),
                indicator("moves", "Umzüge"),
            ],
        )
        .await
        .unwrap();
        assert_eq!(
            again,
            ImportCount {
                added: 1,
                replaced: 1
            }
        );
        let stored = catalogue(&db).await.unwrap();
        assert_eq!(stored.len(), 2);
        assert_eq!(stored[1].label_de, "Illegaler Müll");

        let imported = store_values(
            &db,
            city,
            &[
                value("waste", Some("NORD"), "2024-Q1", 3.0),
                value("waste", Some("NORD"), "2024", 12.0),
                value("waste", None, "2024", 8.0),
            ],
        )
        .await
        .unwrap();
        assert_eq!(
            imported,
            ImportCount {
                added: 3,
                replaced: 0
            }
        );
        // The same city value again replaces it; a district value of the
        // same period is a different identity.
        let replaced = store_values(&db, city, &[value("waste", None, "2024", 9.5)])
            .await
            .unwrap();
        assert_eq!(
            replaced,
            ImportCount {
                added: 0,
                replaced: 1
            }
        );
        let read = values(&db, city, ValueScope::Municipality).await.unwrap();
        let summary: Vec<(Option<&str>, String, f64)> = read
            .iter()
            .map(|v| (v.district.as_deref(), v.period.to_string(), v.value))
            .collect();
        assert_eq!(
            summary,
            vec![
                (None, "2024".to_string(), 9.5),
                (Some("NORD"), "2024".to_string(), 12.0),
                (Some("NORD"), "2024-Q1".to_string(), 3.0),
            ]
        );

        // A district's profile reads its own and the city's values only.
        geography::ensure_district(&db, city, "SUED", "Süd")
            .await
            .unwrap();
        store_values(&db, city, &[value("waste", Some("SUED"), "2024", 4.0)])
            .await
            .unwrap();
        let of_sued = values(&db, city, ValueScope::District("SUED"))
            .await
            .unwrap();
        let districts: Vec<Option<&str>> = of_sued.iter().map(|v| v.district.as_deref()).collect();
        assert_eq!(districts, vec![None, Some("SUED")]);
        let of_city = values(&db, city, ValueScope::City).await.unwrap();
        assert_eq!(of_city.len(), 1);
        assert_eq!(of_city[0].district, None);
        assert_eq!(
            values(&db, city, ValueScope::Municipality)
                .await
                .unwrap()
                .len(),
            4
        );
    }

    #[tokio::test]
    async fn a_failing_row_leaves_nothing_written() {
        let (db, _dir) = database().await;
        let city = geography::ensure_municipality(&db, None, "Teststadt")
            .await
            .unwrap();
        upsert_catalogue(&db, &[indicator("waste", "Müll")])
            .await
            .unwrap();
        let result = store_values(
            &db,
            city,
            &[
                value("waste", None, "2024", 1.0),
                // A district that does not exist (deleted after the check).
                value("waste", Some("GONE"), "2024", 2.0),
            ],
        )
        .await;
        assert!(
            matches!(result, Err(StorageError::NotFound(_))),
            "{result:?}"
        );
        assert!(
            values(&db, city, ValueScope::Municipality)
                .await
                .unwrap()
                .is_empty()
        );
    }
}
