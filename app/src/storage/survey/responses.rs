//! Finished, anonymous responses.

use crate::domain::survey::respondent::{Grade, Sex};
use crate::storage::geography::{DistrictId, DistrictRow, MunicipalityId, SchoolId};
use crate::storage::survey::instruments::InstrumentId;
use crate::storage::waves::{ClassId, WaveId};
use crate::storage::{Db, StorageError, StorageResult};
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

/// Rows per multi-row `insert`: 11 parameters each stays far below
/// SQLite's limit of 32,766 bound parameters per statement.
const INSERT_BATCH: usize = 1_000;

/// Inserts responses in one transaction: all or none.
#[tracing::instrument(skip_all, fields(count = responses.len()))]
pub async fn insert_all(db: &Db, responses: &[NewResponse]) -> StorageResult<()> {
    let mut tx = db.begin().await?;
    insert_many(&mut tx, responses).await?;
    tx.commit().await?;
    Ok(())
}

/// Inserts responses inside the caller's transaction, a thousand rows per
/// statement: each statement is one round trip to the database, which
/// dominated the import when every row was its own statement
/// (docs/performance.md).
pub async fn insert_many(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    responses: &[NewResponse],
) -> StorageResult<()> {
    for batch in responses.chunks(INSERT_BATCH) {
        let mut query = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            r#"insert into response
            (wave_id, instrument_id, district_id, school_id, class_id, home_district_id,
             grade, sex, answers, validity_flags, source) "#,
        );
        query.push_values(batch, |mut row, response| {
            row.push_bind(response.wave)
                .push_bind(response.instrument)
                .push_bind(response.district)
                .push_bind(response.school)
                .push_bind(response.class)
                .push_bind(response.home_district)
                .push_bind(i64::from(response.grade))
                .push_bind(response.sex.map(Sex::as_str))
                .push_bind(response.answers.as_slice())
                .push_bind(response.validity_flags.join(","))
                .push_bind(response.source.as_str());
        });
        query.build().execute(&mut **tx).await?;
    }
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
    /// The class, if known (the cluster of the design effect).
    pub class: Option<ClassId>,
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
    pub fn respondent(&self) -> crate::domain::analysis::aggregate::Respondent<'_> {
        crate::domain::analysis::aggregate::Respondent {
            district: self.district,
            school: self.school,
            class: self.class,
            grade: self.grade,
            sex: self.sex,
            answers: &self.answers,
            valid: self.validity_flags.is_empty(),
        }
    }
}

/// Responses per chunk of [`read_wave`].
const READ_CHUNK: i64 = 4_096;

/// One chunk of [`read_wave`]: row count, the last row id, the other
/// columns as text, and the answers of all rows back to back.
type ChunkRow = (i64, i64, Option<String>, Option<Vec<u8>>);

/// Reads every response of a wave, in row order.
///
/// SQLite hands rows to sqlx one by one through a worker thread, which cost
/// about 4 µs per row, four times SQLite's own scan (docs/performance.md).
/// So the rows come in chunks of 4,096 packed into one row each: the small
/// columns joined as text (`district|school|class|grade|sex|answer bytes|flags`,
/// records separated by `;`) and the answer blobs concatenated in the same
/// order. Answer blobs may contain any byte, so they are split by the
/// lengths in the text, never by a separator.
#[tracing::instrument(skip(db))]
pub async fn read_wave(db: &Db, wave: WaveId) -> StorageResult<Vec<StoredResponse>> {
    read_wave_with_progress(db, wave, &mut |_| {}).await
}

/// [`read_wave`], calling `progress` with the number read after each chunk.
pub async fn read_wave_with_progress(
    db: &Db,
    wave: WaveId,
    progress: &mut (dyn FnMut(u64) + Send),
) -> StorageResult<Vec<StoredResponse>> {
    let mut responses = Vec::new();
    let mut after: i64 = i64::MIN;
    loop {
        let (count, last, meta, answers): ChunkRow = sqlx::query_as(
            r#"select count(*), coalesce(max(response_id), 0),
                      group_concat(meta, ';'), cast(group_concat(answers, '') as blob)
               from (select response_id, answers,
                            district_id || '|' || coalesce(school_id, '') || '|' || coalesce(class_id, '')
                              || '|' || grade
                              || '|' || coalesce(sex, '') || '|' || length(answers)
                              || '|' || coalesce(validity_flags, '') as meta
                     from response where wave_id = $1 and response_id > $2
                     order by response_id limit $3)"#,
        )
        .bind(wave)
        .bind(after)
        .bind(READ_CHUNK)
        .fetch_one(db)
        .await?;
        if count == 0 {
            break;
        }
        let meta = meta.unwrap_or_default();
        let answers = answers.unwrap_or_default();
        let before = responses.len();
        unpack_chunk(&meta, &answers, &mut responses).ok_or_else(|| {
            StorageError::Conflict(format!(
                "responses of wave {wave} after row {after} cannot be read"
            ))
        })?;
        if (responses.len() - before) as i64 != count {
            return Err(StorageError::Conflict(format!(
                "responses of wave {wave} after row {after}: {count} rows, {} read",
                responses.len() - before
            )));
        }
        after = last;
        progress(responses.len() as u64);
        if count < READ_CHUNK {
            break;
        }
    }
    Ok(responses)
}

/// Splits one chunk of [`read_wave`]; `None` if it does not parse (which
/// the check constraints rule out).
fn unpack_chunk(meta: &str, answers: &[u8], into: &mut Vec<StoredResponse>) -> Option<()> {
    let mut offset = 0usize;
    for record in meta.split(';') {
        let mut fields = record.splitn(7, '|');
        let district = fields.next()?.parse().ok()?;
        let school = match fields.next()? {
            "" => None,
            id => Some(id.parse().ok()?),
        };
        let class = match fields.next()? {
            "" => None,
            id => Some(id.parse().ok()?),
        };
        let grade = fields.next()?.parse().ok()?;
        let sex = match fields.next()? {
            "" => None,
            text => Sex::parse(text).ok().flatten(),
        };
        let length: usize = fields.next()?.parse().ok()?;
        let flags = fields.next()?;
        let end = offset.checked_add(length)?;
        into.push(StoredResponse {
            district,
            school,
            class,
            grade,
            sex,
            answers: answers.get(offset..end)?.to_vec(),
            validity_flags: if flags.is_empty() {
                Vec::new()
            } else {
                flags.split(',').map(str::to_string).collect()
            },
        });
        offset = end;
    }
    (offset == answers.len()).then_some(())
}

impl crate::domain::analysis::published::PublicationInput for StoredResponse {
    fn respondent(&self) -> crate::domain::analysis::aggregate::Respondent<'_> {
        StoredResponse::respondent(self)
    }
    fn validity_flags(&self) -> &[String] {
        &self.validity_flags
    }
}

// ---- CSV import and export (docs/csv-formats.md, "Responses") --------------

/// What the responses CSV import looks rows up in: the wave's grades, the
/// municipality's districts and schools, and the wave's classes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WaveDirectory {
    /// Grades the wave surveys.
    pub grades: Vec<Grade>,
    /// Districts of the wave's municipality.
    pub districts: Vec<DistrictRow>,
    /// Schools of the municipality as `(school, its district, name)`.
    pub schools: Vec<(SchoolId, DistrictId, String)>,
    /// Classes of the wave as `(class, its school, name)`.
    pub classes: Vec<(ClassId, SchoolId, String)>,
}

/// Reads the [`WaveDirectory`] of a wave.
#[tracing::instrument(skip(db))]
pub async fn wave_directory(db: &Db, wave: WaveId) -> StorageResult<WaveDirectory> {
    let (municipality, grades): (MunicipalityId, String) =
        sqlx::query_as("select municipality_id, grades from wave where wave_id = $1")
            .bind(wave)
            .fetch_optional(db)
            .await?
            .ok_or_else(|| StorageError::NotFound(format!("wave {wave}")))?;
    let districts = sqlx::query_as(
        "select district_id, code, name from district where municipality_id = $1 order by district_id",
    )
    .bind(municipality)
    .fetch_all(db)
    .await?;
    let schools = sqlx::query_as(
        r#"select s.school_id, s.district_id, s.name from school s
           join district d on d.district_id = s.district_id
           where d.municipality_id = $1 order by s.school_id"#,
    )
    .bind(municipality)
    .fetch_all(db)
    .await?;
    let classes = sqlx::query_as(
        "select class_id, school_id, name from school_class where wave_id = $1 order by class_id",
    )
    .bind(wave)
    .fetch_all(db)
    .await?;
    Ok(WaveDirectory {
        // Written from `Grade` values by `waves::create`.
        grades: grades
            .split(',')
            .filter_map(|grade| Grade::parse(grade).ok())
            .collect(),
        districts,
        schools,
        classes,
    })
}

/// A district, school or class of an import: one that is stored already,
/// or the n-th one the same import creates (index into the batch's list).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImportRef {
    /// Stored, with its row id.
    Stored(i64),
    /// Created by the import: index into the batch's list of new ones.
    New(usize),
}

/// A district the import creates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDistrict {
    /// District code.
    pub code: String,
    /// Display name.
    pub name: String,
}

/// A school the import creates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSchool {
    /// The district the school lies in.
    pub district: ImportRef,
    /// School name.
    pub name: String,
}

/// A class the import creates (with 0 pupils enrolled: unknown).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewClass {
    /// The class's school.
    pub school: ImportRef,
    /// Class name.
    pub name: String,
    /// Grade of the class.
    pub grade: Grade,
}

/// One imported questionnaire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedResponse {
    /// The district the response counts for.
    pub district: ImportRef,
    /// The school, if given.
    pub school: Option<ImportRef>,
    /// The class, if given.
    pub class: Option<ImportRef>,
    /// Grade 1..=13.
    pub grade: u8,
    /// Sex; `None` = no answer.
    pub sex: Option<Sex>,
    /// One byte per item.
    pub answers: Vec<u8>,
    /// Ids of the validity rules that flagged the response.
    pub validity_flags: Vec<String>,
}

/// Everything one import writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportBatch {
    /// The wave.
    pub wave: WaveId,
    /// The wave's municipality (for new districts).
    pub municipality: MunicipalityId,
    /// The wave's instrument version.
    pub instrument: InstrumentId,
    /// Districts to create; `ImportRef::New(i)` is `districts[i]`.
    pub districts: Vec<NewDistrict>,
    /// Schools to create; `ImportRef::New(i)` is `schools[i]`.
    pub schools: Vec<NewSchool>,
    /// Classes to create; `ImportRef::New(i)` is `classes[i]`.
    pub classes: Vec<NewClass>,
    /// The questionnaires, in file order (which becomes response order).
    pub responses: Vec<ImportedResponse>,
}

/// Writes an import in one transaction: the new districts, schools and
/// classes, then the responses (`source = 'import'`, no home district: the
/// district of the row is the one the response counts for). All or nothing.
/// `progress` is called with the number of responses written so far after
/// every response.
#[tracing::instrument(skip_all, fields(wave = batch.wave, count = batch.responses.len()))]
pub async fn import(
    db: &Db,
    batch: &ImportBatch,
    mut progress: impl FnMut(usize),
) -> StorageResult<()> {
    let mut tx = db.begin().await?;
    let resolve = |ids: &[i64], reference: ImportRef| -> StorageResult<i64> {
        match reference {
            ImportRef::Stored(id) => Ok(id),
            ImportRef::New(index) => ids.get(index).copied().ok_or_else(|| {
                StorageError::NotFound(format!("new row {index} of the import batch"))
            }),
        }
    };
    let mut districts = Vec::with_capacity(batch.districts.len());
    for district in &batch.districts {
        districts.push(
            sqlx::query_scalar::<_, i64>(
                "insert into district (municipality_id, code, name) values ($1, $2, $3) returning district_id",
            )
            .bind(batch.municipality)
            .bind(&district.code)
            .bind(&district.name)
            .fetch_one(&mut *tx)
            .await?,
        );
    }
    let mut schools = Vec::with_capacity(batch.schools.len());
    for school in &batch.schools {
        schools.push(
            sqlx::query_scalar::<_, i64>(
                "insert into school (district_id, name) values ($1, $2) returning school_id",
            )
            .bind(resolve(&districts, school.district)?)
            .bind(&school.name)
            .fetch_one(&mut *tx)
            .await?,
        );
    }
    let mut classes = Vec::with_capacity(batch.classes.len());
    for class in &batch.classes {
        classes.push(
            sqlx::query_scalar::<_, i64>(
                r#"insert into school_class (wave_id, school_id, name, grade, enrolled)
                   values ($1, $2, $3, $4, 0) returning class_id"#,
            )
            .bind(batch.wave)
            .bind(resolve(&schools, class.school)?)
            .bind(&class.name)
            .bind(i64::from(class.grade.get()))
            .fetch_one(&mut *tx)
            .await?,
        );
    }
    // Resolved in slices of one multi-row insert each, so that a large file
    // neither holds a second copy of every answer nor pays a round trip per
    // row.
    let mut written = 0usize;
    for slice in batch.responses.chunks(INSERT_BATCH) {
        let mut rows = Vec::with_capacity(slice.len());
        for response in slice {
            rows.push(NewResponse {
                wave: batch.wave,
                instrument: batch.instrument,
                district: resolve(&districts, response.district)?,
                school: response
                    .school
                    .map(|school| resolve(&schools, school))
                    .transpose()?,
                class: response
                    .class
                    .map(|class| resolve(&classes, class))
                    .transpose()?,
                home_district: None,
                grade: response.grade,
                sex: response.sex,
                answers: response.answers.clone(),
                validity_flags: response.validity_flags.clone(),
                source: ResponseSource::Import,
            });
        }
        insert_many(&mut tx, &rows).await?;
        for _ in 0..rows.len() {
            written += 1;
            progress(written);
        }
    }
    tx.commit().await?;
    Ok(())
}

/// A stored response as the CSV export writes it: names instead of ids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportedResponse {
    /// The instrument version the answers are encoded for.
    pub instrument: InstrumentId,
    /// Code of the district the response counts for.
    pub district_code: String,
    /// School name, if known.
    pub school: Option<String>,
    /// Class name, if known.
    pub class: Option<String>,
    /// Grade.
    pub grade: u8,
    /// Sex; `None` = no answer.
    pub sex: Option<Sex>,
    /// One byte per item.
    pub answers: Vec<u8>,
}

type ExportRow = (
    i64,
    String,
    Option<String>,
    Option<String>,
    i64,
    Option<String>,
    Vec<u8>,
);

/// Every response of a wave in response order, with district code, school
/// and class names.
#[tracing::instrument(skip(db))]
pub async fn read_wave_for_export(db: &Db, wave: WaveId) -> StorageResult<Vec<ExportedResponse>> {
    let mut rows = sqlx::query_as::<_, ExportRow>(
        r#"select r.instrument_id, d.code, s.name, c.name, r.grade, r.sex, r.answers
           from response r
           join district d on d.district_id = r.district_id
           left join school s on s.school_id = r.school_id
           left join school_class c on c.class_id = r.class_id
           where r.wave_id = $1
           order by r.response_id"#,
    )
    .bind(wave)
    .fetch(db);
    let mut responses = Vec::new();
    while let Some((instrument, district_code, school, class, grade, sex, answers)) =
        rows.try_next().await?
    {
        responses.push(ExportedResponse {
            instrument,
            district_code,
            school,
            class,
            grade: u8::try_from(grade).unwrap_or(0),
            // The check constraint admits only valid codes.
            sex: sex.as_deref().and_then(|s| Sex::parse(s).ok().flatten()),
            answers,
        });
    }
    Ok(responses)
}
