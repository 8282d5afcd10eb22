//! The program catalog, the action plan (entries, implementation records,
//! goals) and the inventory of existing offers.

use crate::domain::planning::catalog::{EvidenceLevel, Program, Setting};
use crate::domain::planning::matching::Offer;
use crate::storage::{Db, StorageError, StorageResult};

fn join(list: &[String]) -> String {
    list.join(";")
}

fn split(text: &str) -> Vec<String> {
    text.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn settings_text(settings: &[Setting]) -> String {
    settings
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(";")
}

fn parse_settings(text: &str) -> StorageResult<Vec<Setting>> {
    split(text)
        .iter()
        .map(|s| {
            Setting::parse(s)
                .ok_or_else(|| StorageError::Conflict(format!("stored setting {s} is unknown")))
        })
        .collect()
}

/// Stores a checked catalog in one transaction: new keys are added,
/// existing keys are updated. Returns (added, updated).
pub async fn upsert_catalog(db: &Db, programs: &[Program]) -> StorageResult<(usize, usize)> {
    let mut tx = db.begin().await?;
    let (mut added, mut updated) = (0, 0);
    for p in programs {
        let exists: Option<i64> =
            sqlx::query_scalar("select program_id from program where program_key = $1")
                .bind(&p.key)
                .fetch_optional(&mut *tx)
                .await?;
        let query = if exists.is_some() {
            updated += 1;
            r#"update program set name = $2, provider = $3, description = $4, factors = $5,
                   grade_min = $6, grade_max = $7, settings = $8, evidence_level = $9,
                   cost_notes = $10, link = $11, demo = $12 where program_key = $1"#
        } else {
            added += 1;
            r#"insert into program (program_key, name, provider, description, factors, grade_min,
                   grade_max, settings, evidence_level, cost_notes, link, demo)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"#
        };
        sqlx::query(query)
            .bind(&p.key)
            .bind(&p.name)
            .bind(&p.provider)
            .bind(&p.description)
            .bind(join(&p.factors))
            .bind(i64::from(p.grade_min))
            .bind(i64::from(p.grade_max))
            .bind(settings_text(&p.settings))
            .bind(p.evidence.as_str())
            .bind(&p.cost_notes)
            .bind(&p.link)
            .bind(i64::from(p.demo))
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok((added, updated))
}

type ProgramRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    String,
    String,
    String,
    String,
    i64,
);

fn program_of(row: ProgramRow) -> StorageResult<(i64, Program)> {
    let (
        id,
        key,
        name,
        provider,
        description,
        factors,
        min,
        max,
        settings,
        evidence,
        cost,
        link,
        demo,
    ) = row;
    let grade = |g: i64| {
        u8::try_from(g).map_err(|_| StorageError::Conflict(format!("program {key}: grade {g}")))
    };
    Ok((
        id,
        Program {
            grade_min: grade(min)?,
            grade_max: grade(max)?,
            settings: parse_settings(&settings)?,
            evidence: EvidenceLevel::parse(&evidence).ok_or_else(|| {
                StorageError::Conflict(format!("program {key}: evidence level {evidence}"))
            })?,
            factors: split(&factors),
            key,
            name,
            provider,
            description,
            cost_notes: cost,
            link,
            demo: demo == 1,
        },
    ))
}

const PROGRAM_COLUMNS: &str = "program_id, program_key, name, provider, description, factors, grade_min, grade_max, settings, evidence_level, cost_notes, link, demo";

/// The whole catalog with row ids, ordered by name.
pub async fn catalog(db: &Db) -> StorageResult<Vec<(i64, Program)>> {
    let rows: Vec<ProgramRow> = sqlx::query_as(&format!(
        "select {PROGRAM_COLUMNS} from program order by name, program_key"
    ))
    .fetch_all(db)
    .await?;
    rows.into_iter().map(program_of).collect()
}

/// One program by its key.
pub async fn program(db: &Db, key: &str) -> StorageResult<Option<(i64, Program)>> {
    let row: Option<ProgramRow> = sqlx::query_as(&format!(
        "select {PROGRAM_COLUMNS} from program where program_key = $1"
    ))
    .bind(key)
    .fetch_optional(db)
    .await?;
    row.map(program_of).transpose()
}

/// A new action-plan entry.
#[derive(Clone, Debug)]
pub struct NewEntry<'a> {
    /// Municipality.
    pub municipality_id: i64,
    /// Program row id.
    pub program_id: i64,
    /// District, or the whole municipality.
    pub district_id: Option<i64>,
    /// First day, `YYYY-MM-DD`.
    pub starts_on: &'a str,
    /// Last day, if planned.
    pub ends_on: Option<&'a str>,
    /// Who it is for, e.g. "Eltern von Kindern der Klassen 5–7".
    pub target_group: &'a str,
    /// Participants planned.
    pub planned_reach: Option<u32>,
    /// Who added it.
    pub added_by: Option<i64>,
}

/// Adds an entry to the action plan.
pub async fn add_entry(db: &Db, entry: &NewEntry<'_>) -> StorageResult<i64> {
    Ok(sqlx::query_scalar(
        r#"insert into action_plan_entry (municipality_id, program_id, district_id, starts_on,
               ends_on, target_group, planned_reach, added_on, added_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning entry_id"#,
    )
    .bind(entry.municipality_id)
    .bind(entry.program_id)
    .bind(entry.district_id)
    .bind(entry.starts_on)
    .bind(entry.ends_on)
    .bind(entry.target_group)
    .bind(entry.planned_reach.map(i64::from))
    .bind(crate::storage::today())
    .bind(entry.added_by)
    .fetch_one(db)
    .await?)
}

/// An implementation record: date, actual reach, fidelity notes.
pub type Record = (String, Option<i64>, String);

/// An action-plan entry as listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Row id.
    pub entry_id: i64,
    /// Program key.
    pub program_key: String,
    /// Program name.
    pub program_name: String,
    /// District id and name, if any.
    pub district: Option<(i64, String)>,
    /// First day.
    pub starts_on: String,
    /// Last day.
    pub ends_on: Option<String>,
    /// Target group.
    pub target_group: String,
    /// Planned reach.
    pub planned_reach: Option<i64>,
    /// Latest recorded actual reach.
    pub actual_reach: Option<i64>,
    /// Implementation records, oldest first.
    pub records: Vec<Record>,
}

type EntryRow = (
    i64,
    String,
    String,
    Option<i64>,
    Option<String>,
    String,
    Option<String>,
    String,
    Option<i64>,
);

/// The action plan of a municipality, oldest entry first.
pub async fn entries(db: &Db, municipality: i64) -> StorageResult<Vec<Entry>> {
    let rows: Vec<EntryRow> = sqlx::query_as(
        r#"select e.entry_id, p.program_key, p.name, e.district_id, d.name, e.starts_on,
                  e.ends_on, e.target_group, e.planned_reach
           from action_plan_entry e
           join program p on p.program_id = e.program_id
           left join district d on d.district_id = e.district_id
           where e.municipality_id = $1
           order by e.starts_on, e.entry_id"#,
    )
    .bind(municipality)
    .fetch_all(db)
    .await?;
    let mut list = Vec::with_capacity(rows.len());
    for (entry_id, key, name, district_id, district_name, starts_on, ends_on, target, planned) in
        rows
    {
        let records: Vec<Record> = sqlx::query_as(
            r#"select recorded_on, actual_reach, fidelity_notes from implementation_record
               where entry_id = $1 order by recorded_on, record_id"#,
        )
        .bind(entry_id)
        .fetch_all(db)
        .await?;
        list.push(Entry {
            entry_id,
            program_key: key,
            program_name: name,
            district: district_id.zip(district_name),
            starts_on,
            ends_on,
            target_group: target,
            planned_reach: planned,
            actual_reach: records.iter().rev().find_map(|r| r.1),
            records,
        });
    }
    Ok(list)
}

/// The municipality an entry belongs to.
pub async fn entry_municipality(db: &Db, entry: i64) -> StorageResult<Option<i64>> {
    Ok(
        sqlx::query_scalar("select municipality_id from action_plan_entry where entry_id = $1")
            .bind(entry)
            .fetch_optional(db)
            .await?,
    )
}

/// Appends an implementation record to an entry.
pub async fn add_record(
    db: &Db,
    entry: i64,
    actual_reach: Option<u32>,
    fidelity_notes: &str,
    recorded_by: Option<i64>,
) -> StorageResult<()> {
    sqlx::query(
        r#"insert into implementation_record (entry_id, recorded_on, actual_reach, fidelity_notes, recorded_by)
           values ($1, $2, $3, $4, $5)"#,
    )
    .bind(entry)
    .bind(crate::storage::today())
    .bind(actual_reach.map(i64::from))
    .bind(fidelity_notes)
    .bind(recorded_by)
    .execute(db)
    .await?;
    Ok(())
}

/// A measurable goal.
#[derive(Clone, Debug, PartialEq)]
pub struct Goal {
    /// Row id.
    pub goal_id: i64,
    /// Factor id.
    pub factor: String,
    /// District id, if not the whole municipality.
    pub district_id: Option<i64>,
    /// Grade, if not all.
    pub grade: Option<u8>,
    /// Target percent.
    pub target_percent: f64,
    /// Wave name by which it should be reached.
    pub by_wave: String,
}

/// Adds a goal.
pub async fn add_goal(db: &Db, municipality: i64, goal: &Goal) -> StorageResult<i64> {
    Ok(sqlx::query_scalar(
        r#"insert into action_goal (municipality_id, factor, district_id, grade, target_percent,
               by_wave, added_on) values ($1, $2, $3, $4, $5, $6, $7) returning goal_id"#,
    )
    .bind(municipality)
    .bind(&goal.factor)
    .bind(goal.district_id)
    .bind(goal.grade.map(i64::from))
    .bind(goal.target_percent)
    .bind(&goal.by_wave)
    .bind(crate::storage::today())
    .fetch_one(db)
    .await?)
}

type GoalRow = (i64, String, Option<i64>, Option<i64>, f64, String);

/// The goals of a municipality.
pub async fn goals(db: &Db, municipality: i64) -> StorageResult<Vec<Goal>> {
    let rows: Vec<GoalRow> = sqlx::query_as(
        r#"select goal_id, factor, district_id, grade, target_percent, by_wave from action_goal
           where municipality_id = $1 order by goal_id"#,
    )
    .bind(municipality)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(goal_id, factor, district_id, grade, target_percent, by_wave)| Goal {
                goal_id,
                factor,
                district_id,
                grade: grade.and_then(|g| u8::try_from(g).ok()),
                target_percent,
                by_wave,
            },
        )
        .collect())
}

/// Adds an existing local offer to the resource inventory.
pub async fn add_offer(db: &Db, municipality: i64, offer: &Offer) -> StorageResult<i64> {
    Ok(sqlx::query_scalar(
        r#"insert into prevention_offer (municipality_id, name, provider, settings, grade_min,
               grade_max, reach, factors, evidence_level)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning offer_id"#,
    )
    .bind(municipality)
    .bind(&offer.name)
    .bind(&offer.provider)
    .bind(settings_text(&offer.settings))
    .bind(i64::from(offer.grade_min))
    .bind(i64::from(offer.grade_max))
    .bind(i64::from(offer.reach))
    .bind(join(&offer.factors))
    .bind(offer.evidence.map(|e| e.as_str()))
    .fetch_one(db)
    .await?)
}

type OfferRow = (
    String,
    String,
    String,
    i64,
    i64,
    i64,
    String,
    Option<String>,
);

/// The resource inventory of a municipality.
pub async fn offers(db: &Db, municipality: i64) -> StorageResult<Vec<Offer>> {
    let rows: Vec<OfferRow> = sqlx::query_as(
        r#"select name, provider, settings, grade_min, grade_max, reach, factors, evidence_level
           from prevention_offer where municipality_id = $1 order by name"#,
    )
    .bind(municipality)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(
            |(name, provider, settings, min, max, reach, factors, evidence)| {
                Ok(Offer {
                    name,
                    provider,
                    settings: parse_settings(&settings)?,
                    grade_min: u8::try_from(min).unwrap_or(1),
                    grade_max: u8::try_from(max).unwrap_or(13),
                    reach: u32::try_from(reach).unwrap_or(0),
                    factors: split(&factors),
                    evidence: evidence.as_deref().and_then(EvidenceLevel::parse),
                })
            },
        )
        .collect()
}
