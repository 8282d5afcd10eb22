//! Finished, anonymous responses.

use super::geography::{DistrictId, SchoolId};
use super::instruments::InstrumentId;
use super::waves::{ClassId, WaveId};
use super::{Db, StorageResult};
use crate::domain::respondent::Sex;
use futures_util::TryStreamExt;

/// How a response reached Quartier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseSource {
    /// Filled in online with an access code.
    Online,
    /// Imported from CSV (paper questionnaires, other survey tools).
    Import,
}

impl ResponseSource {
    fn as_str(self) -> &'static str {
        match self {
            ResponseSource::Online => "online",
            ResponseSource::Import => "import",
        }
    }
}

/// A finished response to store. Carries no code, time or device data.
#[derive(Clone, Debug, PartialEq)]
pub struct NewResponse {
    /// The wave.
    pub wave: WaveId,
    /// The instrument version the answers are encoded for.
    pub instrument: InstrumentId,
    /// The district the response counts for (wave's district rule applied).
    pub district: DistrictId,
    /// The school, if known.
    pub school: Option<SchoolId>,
    /// The class, if known.
    pub class: Option<ClassId>,
    /// The pupil's home district, if asked and answered.
    pub home_district: Option<DistrictId>,
    /// Grade 1..=13.
    pub grade: u8,
    /// Sex; `None` = no answer.
    pub sex: Option<Sex>,
    /// One byte per item (see the instrument's answer encoding).
    pub answers: Vec<u8>,
    /// Ids of the validity rules that flagged the response.
    pub validity_flags: Vec<String>,
    /// Online or imported.
    pub source: ResponseSource,
}

/// Inserts responses in one transaction: all or none.
#[tracing::instrument(skip_all, fields(count = responses.len()))]
pub async fn insert_all(db: &Db, responses: &[NewResponse]) -> StorageResult<()> {
    let mut tx = db.begin().await?;
    for response in responses {
        insert(&mut tx, response).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Inserts one response inside the caller's transaction.
pub async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    response: &NewResponse,
) -> StorageResult<()> {
    sqlx::query(
        r#"insert into response
            (wave_id, instrument_id, district_id, school_id, class_id, home_district_id,
             grade, sex, answers, validity_flags, source)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"#,
    )
    .bind(response.wave)
    .bind(response.instrument)
    .bind(response.district)
    .bind(response.school)
    .bind(response.class)
    .bind(response.home_district)
    .bind(i64::from(response.grade))
    .bind(response.sex.map(Sex::as_str))
    .bind(&response.answers)
    .bind(response.validity_flags.join(","))
    .bind(response.source.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A stored response as read back for analysis.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredResponse {
    /// The district the response counts for.
    pub district: DistrictId,
    /// The school, if known.
    pub school: Option<SchoolId>,
    /// Grade.
    pub grade: u8,
    /// Sex; `None` = no answer.
    pub sex: Option<Sex>,
    /// One byte per item.
    pub answers: Vec<u8>,
    /// Validity rule ids that flagged it; empty = valid.
    pub validity_flags: Vec<String>,
}

impl StoredResponse {
    /// The response as input to the pure aggregation (valid = not flagged).
    pub fn respondent(&self) -> crate::domain::aggregate::Respondent<'_> {
        crate::domain::aggregate::Respondent {
            district: self.district,
            school: self.school,
            grade: self.grade,
            sex: self.sex,
            answers: &self.answers,
            valid: self.validity_flags.is_empty(),
        }
    }
}

type ResponseRow = (i64, Option<i64>, i64, Option<String>, Vec<u8>, String);

/// Reads every response of a wave in one sequential scan.
#[tracing::instrument(skip(db))]
pub async fn read_wave(db: &Db, wave: WaveId) -> StorageResult<Vec<StoredResponse>> {
    let mut rows = sqlx::query_as::<_, ResponseRow>(
        r#"select district_id, school_id, grade, sex, answers, validity_flags
           from response where wave_id = $1 order by response_id"#,
    )
    .bind(wave)
    .fetch(db);
    let mut responses = Vec::new();
    while let Some((district, school, grade, sex, answers, flags)) = rows.try_next().await? {
        responses.push(StoredResponse {
            district,
            school,
            grade: u8::try_from(grade).unwrap_or(0),
            // The check constraint admits only valid codes.
            sex: sex.as_deref().and_then(|s| Sex::parse(s).ok().flatten()),
            answers,
            validity_flags: if flags.is_empty() {
                Vec::new()
            } else {
                flags.split(',').map(str::to_string).collect()
            },
        });
    }
    Ok(responses)
}
