//! Questionnaires in progress, and finishing them.
//!
//! While a pupil answers, the draft is keyed by the access code so the pupil
//! can resume. Finishing writes the anonymous response and deletes the draft
//! in one transaction: afterwards nothing links the code to the answers.

use crate::domain::survey::instrument::Instrument;
use crate::domain::survey::questionnaire::{Navigation, PageForm};
use crate::domain::survey::respondent::Sex;
use crate::domain::survey::validity::flagging_rules;
use crate::storage::survey::access_codes::{CodeId, CodeRow, CodeState};
use crate::storage::survey::responses::{NewResponse, ResponseSource, insert};
use crate::storage::{Db, StorageError, StorageResult};

/// A questionnaire in progress with what the pages need to know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    /// The code's row id.
    pub code_id: CodeId,
    /// The wave.
    pub wave_id: i64,
    /// The municipality running the wave (home-district options).
    pub municipality_id: i64,
    /// The wave's instrument version.
    pub instrument_id: i64,
    /// Whether the wave is open today.
    pub wave_open: bool,
    /// One byte per item.
    pub answers: Vec<u8>,
    /// The page to show when the pupil resumes.
    pub next_page: usize,
    /// Sex answer so far.
    pub sex: Option<Sex>,
    /// Home district so far.
    pub home_district: Option<i64>,
    /// The language the pupil answers in (one the instrument offers).
    pub language: String,
}

/// Draft answers, sex, home district, start, wave, instrument, class, grade,
/// school, school district, district rule.
type FinishRow = (
    Vec<u8>,
    Option<String>,
    Option<i64>,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    String,
);

/// Code, wave, municipality, instrument, answers, next page, sex, home
/// district, wave open today, language.
type DraftRow = (
    i64,
    i64,
    i64,
    i64,
    Vec<u8>,
    i64,
    Option<String>,
    Option<i64>,
    bool,
    String,
);

/// Whether wave `w` takes answers on the day bound to parameter `$day`:
/// between its opening and closing dates and not closed early. One
/// definition for every query that asks, so the code page, the draft and
/// the class check never disagree.
macro_rules! wave_open_on {
    ($day:literal) => {
        concat!(
            "(w.opens_on <= ",
            $day,
            " and ",
            $day,
            " <= w.closes_on and w.closed_on is null)"
        )
    };
}

const DRAFT_QUERY: &str = concat!(
    "select d.code_id, w.wave_id, w.municipality_id, w.instrument_id, ",
    "d.answers, d.next_page, d.sex, d.home_district_id, ",
    wave_open_on!("$2"),
    " as wave_open, d.language ",
    "from response_draft d ",
    "join access_code c on c.code_id = d.code_id ",
    "join school_class k on k.class_id = c.class_id ",
    "join wave w on w.wave_id = k.wave_id ",
    "where d.code_id = $1"
);

/// The draft of a started code, if any.
pub async fn load(db: &Db, code_id: CodeId) -> StorageResult<Option<Draft>> {
    let row: Option<DraftRow> = sqlx::query_as(DRAFT_QUERY)
        .bind(code_id)
        .bind(crate::storage::today())
        .fetch_optional(db)
        .await?;
    Ok(row.map(
        |(
            code_id,
            wave_id,
            municipality_id,
            instrument_id,
            answers,
            next_page,
            sex,
            home,
            open,
            language,
        )| {
            Draft {
                code_id,
                wave_id,
                municipality_id,
                instrument_id,
                wave_open: open,
                answers,
                next_page: usize::try_from(next_page).unwrap_or(0),
                sex: sex.as_deref().and_then(|s| Sex::parse(s).ok().flatten()),
                home_district: home,
                language,
            }
        },
    ))
}

/// The instrument version pupils of a class answer (their wave's).
pub async fn instrument_of_class(db: &Db, class_id: i64) -> StorageResult<i64> {
    Ok(sqlx::query_scalar(
        "select w.instrument_id from school_class k join wave w on w.wave_id = k.wave_id where k.class_id = $1",
    )
    .bind(class_id)
    .fetch_one(db)
    .await?)
}

/// Whether the wave of a class is open today.
pub async fn wave_open_for_class(db: &Db, class_id: i64) -> StorageResult<bool> {
    Ok(sqlx::query_scalar(concat!(
        "select ",
        wave_open_on!("$2"),
        " from school_class k join wave w on w.wave_id = k.wave_id where k.class_id = $1"
    ))
    .bind(class_id)
    .bind(crate::storage::today())
    .fetch_optional(db)
    .await?
    .unwrap_or(false))
}

/// The instrument versions of the waves open today (what a pupil entering
/// a code may answer), for the code page's language choice.
pub async fn instruments_of_open_waves(db: &Db) -> StorageResult<Vec<i64>> {
    Ok(sqlx::query_scalar(concat!(
        "select distinct w.instrument_id from wave w where ",
        wave_open_on!("$1"),
        " order by w.instrument_id"
    ))
    .bind(crate::storage::today())
    .fetch_all(db)
    .await?)
}

/// Starts the questionnaire of an issued code in `language` (or does
/// nothing if it was started already), with an empty answer vector for the
/// instrument. `now` (unix seconds) is kept only for the too-fast rule and
/// is deleted with the draft.
pub async fn start(
    db: &Db,
    code: CodeRow,
    instrument: &Instrument,
    language: &str,
    now: i64,
) -> StorageResult<()> {
    if code.state == CodeState::Finished {
        return Err(StorageError::Conflict(
            "this access code has been used already".into(),
        ));
    }
    if !instrument.offers_questionnaire_language(language) {
        return Err(StorageError::Conflict(format!(
            "the questionnaire is not available in language \"{language}\""
        )));
    }
    let mut tx = db.begin().await?;
    sqlx::query("update access_code set state = 'started' where code_id = $1 and state = 'issued'")
        .bind(code.code_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        r#"insert into response_draft (code_id, answers, next_page, started_at, language)
           values ($1, $2, 0, $3, $4) on conflict (code_id) do nothing"#,
    )
    .bind(code.code_id)
    .bind(vec![0u8; instrument.items.len()])
    .bind(now)
    .bind(language)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Saves a page into the draft and records the page to resume at; a
/// language switch (validated by `parse_page_form`) is kept with it.
pub async fn save_page(
    db: &Db,
    draft: &Draft,
    form: &PageForm,
    next_page: usize,
) -> StorageResult<()> {
    let mut answers = draft.answers.clone();
    form.apply(&mut answers);
    let sex = form.sex.unwrap_or(draft.sex);
    let home = form.home_district.unwrap_or(draft.home_district);
    let language = match &form.navigation {
        Navigation::Language(language) => language.as_str(),
        _ => draft.language.as_str(),
    };
    sqlx::query(
        r#"update response_draft set answers = $2, next_page = $3, sex = $4, home_district_id = $5,
               language = $6
           where code_id = $1"#,
    )
    .bind(draft.code_id)
    .bind(answers)
    .bind(next_page as i64)
    .bind(sex.map(Sex::as_str))
    .bind(home)
    .bind(language)
    .execute(db)
    .await?;
    Ok(())
}

/// What finishing did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FinishOutcome {
    /// The response was stored and the draft deleted.
    Stored,
    /// The code was finished before (a double click or a retried request):
    /// nothing changed.
    AlreadyFinished,
}

/// Finishes a questionnaire: applies the last page, screens the answers with
/// the validity rules, stores the anonymous response, marks the code used
/// and deletes the draft — all in one transaction, so that any number of
/// concurrent submissions store exactly one response.
pub async fn finish(
    db: &Db,
    code_id: CodeId,
    instrument: &Instrument,
    last_page: &PageForm,
    now: i64,
) -> StorageResult<FinishOutcome> {
    let mut tx = db.begin().await?;
    // Writing first takes SQLite's write lock, so concurrent finishers queue
    // here and all but the first find the code finished already.
    let claimed = sqlx::query(
        "update access_code set state = 'finished' where code_id = $1 and state = 'started'",
    )
    .bind(code_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if claimed == 0 {
        tx.rollback().await?;
        return Ok(FinishOutcome::AlreadyFinished);
    }
    let row: Option<FinishRow> = sqlx::query_as(
        r#"select d.answers, d.sex, d.home_district_id, d.started_at, w.wave_id,
                  w.instrument_id, k.class_id, k.grade, s.school_id, s.district_id,
                  w.district_rule
           from response_draft d
           join access_code c on c.code_id = d.code_id
           join school_class k on k.class_id = c.class_id
           join school s on s.school_id = k.school_id
           join wave w on w.wave_id = k.wave_id
           where d.code_id = $1"#,
    )
    .bind(code_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((
        mut answers,
        sex,
        home,
        started_at,
        wave,
        instrument_id,
        class,
        grade,
        school,
        school_district,
        rule,
    )) = row
    else {
        return Err(StorageError::NotFound(format!("draft of code {code_id}")));
    };
    last_page.apply(&mut answers);
    let sex = last_page
        .sex
        .unwrap_or_else(|| sex.as_deref().and_then(|s| Sex::parse(s).ok().flatten()));
    let home_district = last_page.home_district.unwrap_or(home);
    let duration = u32::try_from(now.saturating_sub(started_at)).ok();
    let flags = flagging_rules(instrument, &answers, duration);
    let district = match (rule.as_str(), home_district) {
        ("home_else_school", Some(home)) => home,
        _ => school_district,
    };
    insert(
        &mut tx,
        &NewResponse {
            wave,
            instrument: instrument_id,
            district,
            school: Some(school),
            class: Some(class),
            home_district,
            grade: u8::try_from(grade).unwrap_or(0),
            sex,
            answers,
            validity_flags: flags.into_iter().map(str::to_string).collect(),
            source: ResponseSource::Online,
        },
    )
    .await?;
    sqlx::query("delete from response_draft where code_id = $1")
        .bind(code_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(FinishOutcome::Stored)
}
