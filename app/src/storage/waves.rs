//! Survey waves and the classes surveyed in them.

use super::geography::{MunicipalityId, SchoolId};
use super::instruments::InstrumentId;
use super::{Db, StorageResult};
use crate::domain::respondent::Grade;

/// Row id of a survey wave.
pub type WaveId = i64;
/// Row id of a class in a wave.
pub type ClassId = i64;

/// Which district a response counts for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DistrictRule {
    /// The pupil's home district where given, else the school's district.
    HomeElseSchool,
    /// Always the school's district.
    School,
}

impl DistrictRule {
    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            DistrictRule::HomeElseSchool => "home_else_school",
            DistrictRule::School => "school",
        }
    }
}

/// A wave to create.
#[derive(Clone, Debug)]
pub struct NewWave<'a> {
    /// The municipality that runs the wave.
    pub municipality: MunicipalityId,
    /// Display name, unique per municipality, e.g. "Herbst 2026".
    pub name: &'a str,
    /// The instrument version pupils answer.
    pub instrument: InstrumentId,
    /// First day (ISO date).
    pub opens_on: &'a str,
    /// Last day (ISO date).
    pub closes_on: &'a str,
    /// Surveyed grades.
    pub grades: &'a [Grade],
    /// District rule recorded for the whole wave.
    pub district_rule: DistrictRule,
}

/// Creates a wave.
#[tracing::instrument(skip_all, fields(name = wave.name))]
pub async fn create(db: &Db, wave: &NewWave<'_>) -> StorageResult<WaveId> {
    let grades = wave
        .grades
        .iter()
        .map(|g| g.to_string())
        .collect::<Vec<_>>()
        .join(",");
    Ok(sqlx::query_scalar(
        r#"insert into wave
            (municipality_id, name, instrument_id, opens_on, closes_on, grades, district_rule)
           values ($1, $2, $3, $4, $5, $6, $7)
           returning wave_id"#,
    )
    .bind(wave.municipality)
    .bind(wave.name)
    .bind(wave.instrument)
    .bind(wave.opens_on)
    .bind(wave.closes_on)
    .bind(grades)
    .bind(wave.district_rule.as_str())
    .fetch_one(db)
    .await?)
}

/// Registers a class of a school for a wave.
#[tracing::instrument(skip(db))]
pub async fn create_class(
    db: &Db,
    wave: WaveId,
    school: SchoolId,
    name: &str,
    grade: Grade,
    enrolled: u32,
) -> StorageResult<ClassId> {
    Ok(sqlx::query_scalar(
        r#"insert into school_class (wave_id, school_id, name, grade, enrolled)
           values ($1, $2, $3, $4, $5)
           returning class_id"#,
    )
    .bind(wave)
    .bind(school)
    .bind(name)
    .bind(i64::from(grade.get()))
    .bind(i64::from(enrolled))
    .fetch_one(db)
    .await?)
}

/// A stored wave.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct WaveRow {
    /// Row id.
    pub wave_id: WaveId,
    /// The municipality running it.
    pub municipality_id: MunicipalityId,
    /// Display name.
    pub name: String,
    /// Instrument version used.
    pub instrument_id: InstrumentId,
    /// First day.
    pub opens_on: String,
    /// Last day.
    pub closes_on: String,
}

/// Finds a wave by id (all digits) or by its exact name.
#[tracing::instrument(skip(db))]
pub async fn find(db: &Db, id_or_name: &str) -> StorageResult<Option<WaveRow>> {
    let query = r#"select wave_id, municipality_id, name, instrument_id, opens_on, closes_on
                   from wave where "#;
    let row = match id_or_name.parse::<i64>() {
        Ok(id) => {
            sqlx::query_as(&format!("{query} wave_id = $1"))
                .bind(id)
                .fetch_optional(db)
                .await?
        }
        Err(_) => {
            sqlx::query_as(&format!("{query} name = $1"))
                .bind(id_or_name)
                .fetch_optional(db)
                .await?
        }
    };
    Ok(row)
}
