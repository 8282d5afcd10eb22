//! What the planning pages' server functions share: the municipality and
//! the signed-in planner they are about, the current priority factors and
//! the factor labels.

use crate::error::AppError;
use crate::pages::common::de_en;

pub(super) async fn planning_scope(
    db: &crate::storage::Db,
    municipality: i64,
) -> Result<
    (
        crate::storage::geography::MunicipalityScopeRow,
        crate::domain::access::Principal,
        String,
    ),
    AppError,
> {
    use crate::domain::access::Action;
    let (row, principal) =
        crate::pages::common::scoped_municipality(db, municipality, Action::ViewResults).await?;
    let csrf = crate::auth::current()
        .await?
        .map(|s| s.csrf_token)
        .unwrap_or_default();
    Ok((row, principal, csrf))
}

/// The current priority factors of a municipality or one of its districts
/// (ids) and where they come from: the board's latest decision for that
/// scope, else the factors of concern of the latest wave (for a district:
/// those of concern there), at most five.
pub async fn current_priorities(
    db: &crate::storage::Db,
    municipality: i64,
    district: Option<i64>,
    language: &str,
) -> Result<(Vec<String>, String), AppError> {
    let history = crate::storage::planning::priorities::history(db, municipality).await?;
    if let Some(decision) = crate::storage::planning::priorities::current(&history)
        .into_iter()
        .find(|d| d.district_id == district)
    {
        return Ok((
            decision.factors.clone(),
            de_en(
                language,
                &format!("Entscheidung des Gebietsteams vom {}", decision.decided_on),
                &format!("the board's decision of {}", decision.decided_on),
            ),
        ));
    }
    let Some(wave) = crate::storage::waves::latest_published(db, municipality).await? else {
        return Ok((Vec::new(), String::new()));
    };
    let table = crate::analysis::page_profile(db, &wave, None).await?;
    Ok((
        crate::domain::planning::priorities::suggest(&table)
            .into_iter()
            .filter(|s| district.is_none_or(|d| s.districts.contains(&d)))
            .take(crate::domain::planning::priorities::MAX_FACTORS)
            .map(|s| s.factor_id)
            .collect(),
        de_en(
            language,
            "noch keine Entscheidung – Vorschlag aus den auffälligen Faktoren der letzten Welle",
            "no decision yet – suggested from the factors of concern in the latest wave",
        ),
    ))
}

/// Factor id → label in `language`, from the latest wave's instrument.
pub(super) async fn factor_labels(
    db: &crate::storage::Db,
    municipality: i64,
    language: &str,
) -> Result<std::collections::BTreeMap<String, String>, AppError> {
    let Some(wave) = crate::storage::waves::of_municipality(db, municipality)
        .await?
        .pop()
    else {
        return Ok(Default::default());
    };
    let instrument = crate::storage::survey::instruments::load(db, wave.instrument_id).await?;
    Ok(
        crate::domain::analysis::report::profile_factors(&instrument)
            .into_iter()
            .map(|f| (f.id, f.label.get(language).to_string()))
            .collect(),
    )
}
