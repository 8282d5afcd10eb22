//! Survey waves and the classes surveyed in them.

use super::geography::{MunicipalityId, SchoolId};
use super::survey::instruments::InstrumentId;
use super::{Db, StorageError, StorageResult};
use crate::domain::survey::respondent::Grade;

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

    /// Parses the stored code.
    pub fn parse(stored: &str) -> Option<DistrictRule> {
        match stored {
            "home_else_school" => Some(DistrictRule::HomeElseSchool),
            "school" => Some(DistrictRule::School),
            _ => None,
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
    /// The day a coordinator closed the wave before `closes_on`, if so.
    pub closed_on: Option<String>,
}

impl WaveRow {
    /// Whether the wave is closed on `today` (ISO date): its last day has
    /// passed, or a coordinator closed it. Only closed waves publish results.
    pub fn is_closed_on(&self, today: &str) -> bool {
        self.closed_on.is_some() || today > self.closes_on.as_str()
    }

    /// Whether pupils may answer on `today`.
    pub fn is_open_on(&self, today: &str) -> bool {
        !self.is_closed_on(today) && self.opens_on.as_str() <= today
    }

    /// Whether the wave is closed today.
    pub fn is_closed(&self) -> bool {
        self.is_closed_on(&super::today())
    }
}

/// The columns of [`WaveRow`], for `select` lists (table alias `w`).
const WAVE_COLUMNS: &str =
    "w.wave_id, w.municipality_id, w.name, w.instrument_id, w.opens_on, w.closes_on, w.closed_on";

/// Finds a wave by id (all digits) or by its exact name.
///
/// Wave names are unique per municipality only; a name that several
/// municipalities use is refused with their ids, so that no command works on
/// the wrong city's wave.
#[tracing::instrument(skip(db))]
pub async fn find(db: &Db, id_or_name: &str) -> StorageResult<Option<WaveRow>> {
    let query = format!("select {WAVE_COLUMNS} from wave w where ");
    let row = match id_or_name.parse::<i64>() {
        Ok(id) => {
            sqlx::query_as(&format!("{query} w.wave_id = $1"))
                .bind(id)
                .fetch_optional(db)
                .await?
        }
        Err(_) => {
            let mut rows: Vec<WaveRow> =
                sqlx::query_as(&format!("{query} w.name = $1 order by w.wave_id"))
                    .bind(id_or_name)
                    .fetch_all(db)
                    .await?;
            if rows.len() > 1 {
                let ids: Vec<String> = rows.iter().map(|w| w.wave_id.to_string()).collect();
                return Err(StorageError::Conflict(format!(
                    "several municipalities have a wave named \"{id_or_name}\" (ids {}); give the wave id instead",
                    ids.join(", ")
                )));
            }
            rows.pop()
        }
    };
    Ok(row)
}

/// Finds a wave of a municipality by its exact name.
pub async fn find_in_municipality(
    db: &Db,
    municipality: MunicipalityId,
    name: &str,
) -> StorageResult<Option<WaveRow>> {
    Ok(sqlx::query_as(&format!(
        "select {WAVE_COLUMNS} from wave w where w.municipality_id = $1 and w.name = $2"
    ))
    .bind(municipality)
    .bind(name)
    .fetch_optional(db)
    .await?)
}

/// The settings of a wave that [`WaveRow`] does not carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaveDetails {
    /// Surveyed grades, ascending.
    pub grades: Vec<Grade>,
    /// The district rule.
    pub district_rule: DistrictRule,
}

/// Reads a wave's grades and district rule.
#[tracing::instrument(skip(db))]
pub async fn details(db: &Db, wave: WaveId) -> StorageResult<WaveDetails> {
    let row: Option<(String, String)> =
        sqlx::query_as("select grades, district_rule from wave where wave_id = $1")
            .bind(wave)
            .fetch_optional(db)
            .await?;
    let (grades, rule) = row.ok_or_else(|| StorageError::NotFound(format!("wave {wave}")))?;
    let corrupt = |what: &str| StorageError::Conflict(format!("wave {wave} has invalid {what}"));
    let mut grades = grades
        .split(',')
        .filter(|g| !g.trim().is_empty())
        .map(Grade::parse)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| corrupt("grades"))?;
    grades.sort_unstable();
    Ok(WaveDetails {
        grades,
        district_rule: DistrictRule::parse(&rule).ok_or_else(|| corrupt("district rule"))?,
    })
}

/// A class as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassRow {
    /// Row id.
    pub class_id: ClassId,
    /// Grade.
    pub grade: Grade,
    /// Pupils enrolled.
    pub enrolled: u32,
}

/// Finds a class of a school in a wave by its name, e.g. `8a`.
#[tracing::instrument(skip(db))]
pub async fn find_class(
    db: &Db,
    wave: WaveId,
    school: SchoolId,
    name: &str,
) -> StorageResult<Option<ClassRow>> {
    let row: Option<(i64, i64, i64)> = sqlx::query_as(
        r#"select class_id, grade, enrolled from school_class
           where wave_id = $1 and school_id = $2 and name = $3"#,
    )
    .bind(wave)
    .bind(school)
    .bind(name)
    .fetch_optional(db)
    .await?;
    row.map(|(class_id, grade, enrolled)| {
        let corrupt = || StorageError::Conflict(format!("class {class_id} has invalid data"));
        Ok(ClassRow {
            class_id,
            grade: u8::try_from(grade)
                .ok()
                .and_then(|g| Grade::new(g).ok())
                .ok_or_else(corrupt)?,
            enrolled: u32::try_from(enrolled).map_err(|_| corrupt())?,
        })
    })
    .transpose()
}

/// All waves of a municipality, oldest first.
pub async fn of_municipality(db: &Db, municipality: MunicipalityId) -> StorageResult<Vec<WaveRow>> {
    Ok(sqlx::query_as(&format!(
        "select {WAVE_COLUMNS} from wave w where w.municipality_id = $1 order by w.opens_on, w.wave_id"
    ))
    .bind(municipality)
    .fetch_all(db)
    .await?)
}

/// The latest wave of a municipality (by opening date) whose results are
/// published: closed on `today` and with a stored result. "Latest wave"
/// on every results page means this one, so a new wave that is still open
/// (or still being analysed) never blanks a city.
pub async fn latest_published(
    db: &Db,
    municipality: MunicipalityId,
) -> StorageResult<Option<WaveRow>> {
    Ok(sqlx::query_as(&format!(
        r#"select {WAVE_COLUMNS} from wave w
           where w.municipality_id = $1
             and (w.closed_on is not null or w.closes_on < $2)
             and exists (select 1 from wave_result r where r.wave_id = w.wave_id)
           order by w.opens_on desc, w.wave_id desc limit 1"#
    ))
    .bind(municipality)
    .bind(super::today())
    .fetch_optional(db)
    .await?)
}

/// Every closed wave (on `today`), oldest first: the waves whose results
/// must be published.
pub async fn closed(db: &Db) -> StorageResult<Vec<WaveRow>> {
    Ok(sqlx::query_as(&format!(
        r#"select {WAVE_COLUMNS} from wave w
           where w.closed_on is not null or w.closes_on < $1
           order by w.opens_on, w.wave_id"#
    ))
    .bind(super::today())
    .fetch_all(db)
    .await?)
}

/// Closes a wave today, before its last day: pupils can no longer answer,
/// and its results are published. Closing a closed wave changes nothing;
/// returns whether this call closed it.
pub async fn close(db: &Db, wave: WaveId) -> StorageResult<bool> {
    let today = super::today();
    let result = sqlx::query(
        "update wave set closed_on = $2 where wave_id = $1 and closed_on is null and closes_on >= $2",
    )
    .bind(wave)
    .bind(&today)
    .execute(db)
    .await?;
    Ok(result.rows_affected() > 0)
}

/// Number of classes set up per wave of a municipality: `(wave id, classes)`.
pub async fn class_counts(
    db: &Db,
    municipality: MunicipalityId,
) -> StorageResult<Vec<(WaveId, i64)>> {
    Ok(sqlx::query_as(
        r#"select w.wave_id, count(c.class_id) from wave w
           left join school_class c on c.wave_id = w.wave_id
           where w.municipality_id = $1 group by w.wave_id"#,
    )
    .bind(municipality)
    .fetch_all(db)
    .await?)
}
