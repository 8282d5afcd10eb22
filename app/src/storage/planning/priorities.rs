//! The CTC board's priority decisions. Append-only: a new decision is a new
//! row, so the history of what the board chose, when and why is kept.

use crate::storage::{Db, StorageResult};

/// A decision to record.
#[derive(Clone, Debug)]
pub struct NewDecision<'a> {
    /// The municipality.
    pub municipality_id: i64,
    /// A district, or `None` for the whole municipality.
    pub district_id: Option<i64>,
    /// The wave whose profile the board looked at.
    pub wave_id: Option<i64>,
    /// Chosen scale ids, in the board's order.
    pub factors: &'a [String],
    /// Why.
    pub rationale: &'a str,
    /// Date of the board meeting, `YYYY-MM-DD`.
    pub decided_on: &'a str,
    /// Who recorded it.
    pub decided_by: Option<i64>,
}

/// A stored decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Row id (increasing: later rows are later decisions).
    pub decision_id: i64,
    /// A district, or `None` for the whole municipality.
    pub district_id: Option<i64>,
    /// Name of the district, if any.
    pub district_name: Option<String>,
    /// Name of the wave the board looked at, if any.
    pub wave_name: Option<String>,
    /// Chosen scale ids, in order.
    pub factors: Vec<String>,
    /// Why.
    pub rationale: String,
    /// Date of the board meeting.
    pub decided_on: String,
    /// Display name of who recorded it (gone if the account was deleted).
    pub decided_by: Option<String>,
}

/// Stores a decision.
pub async fn record(db: &Db, decision: &NewDecision<'_>) -> StorageResult<i64> {
    Ok(sqlx::query_scalar(
        r#"insert into priority_decision
             (municipality_id, district_id, wave_id, factors, rationale, decided_on, decided_by)
           values ($1, $2, $3, $4, $5, $6, $7) returning decision_id"#,
    )
    .bind(decision.municipality_id)
    .bind(decision.district_id)
    .bind(decision.wave_id)
    .bind(decision.factors.join(","))
    .bind(decision.rationale)
    .bind(decision.decided_on)
    .bind(decision.decided_by)
    .fetch_one(db)
    .await?)
}

type DecisionRow = (
    i64,
    Option<i64>,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    Option<String>,
);

/// Every decision of a municipality, newest first.
pub async fn history(db: &Db, municipality: i64) -> StorageResult<Vec<Decision>> {
    let rows: Vec<DecisionRow> = sqlx::query_as(
        r#"select p.decision_id, p.district_id, d.name, w.name, p.factors, p.rationale,
                  p.decided_on, u.display_name
           from priority_decision p
           left join district d on d.district_id = p.district_id
           left join wave w on w.wave_id = p.wave_id
           left join app_user u on u.user_id = p.decided_by
           where p.municipality_id = $1
           order by p.decided_on desc, p.decision_id desc"#,
    )
    .bind(municipality)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(
                decision_id,
                district_id,
                district_name,
                wave_name,
                factors,
                rationale,
                decided_on,
                decided_by,
            )| {
                Decision {
                    decision_id,
                    district_id,
                    district_name,
                    wave_name,
                    factors: factors
                        .split(',')
                        .filter(|f| !f.is_empty())
                        .map(str::to_string)
                        .collect(),
                    rationale,
                    decided_on,
                    decided_by,
                }
            },
        )
        .collect())
}

/// The current decision per scope (municipality-wide first, then per
/// district): the latest of each.
pub fn current(history: &[Decision]) -> Vec<&Decision> {
    let mut seen = std::collections::BTreeSet::new();
    let mut current: Vec<&Decision> = history
        .iter()
        .filter(|d| seen.insert(d.district_id))
        .collect();
    current.sort_by_key(|d| (d.district_id.is_some(), d.district_name.clone()));
    current
}
