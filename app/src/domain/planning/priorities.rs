//! The board's choice of priority factors: what a valid decision is, and
//! which factors the profile suggests.
//!
//! CTC boards target **2–5** risk and protective factors (SDRG, "Phases of
//! CTC", Phase 3); the suggestion is only a starting point, the choice and
//! its rationale are the board's.

use crate::domain::analysis::profile::Concern;
use crate::domain::analysis::report::ProfileTable;
use std::collections::BTreeMap;

/// Fewest factors a decision may name.
pub const MIN_FACTORS: usize = 2;
/// Most factors a decision may name.
pub const MAX_FACTORS: usize = 5;

/// Why a decision was refused. Each has a stable code for the redirect and
/// the page's message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecisionProblem {
    /// Fewer than [`MIN_FACTORS`] or more than [`MAX_FACTORS`].
    #[error("choose between {MIN_FACTORS} and {MAX_FACTORS} factors (got {0})")]
    FactorCount(usize),
    /// A factor id that is not a risk or protective scale of the instrument.
    #[error("unknown factor {0}")]
    UnknownFactor(String),
    /// The same factor twice.
    #[error("factor {0} chosen twice")]
    Duplicate(String),
    /// No rationale given.
    #[error("the rationale is missing")]
    NoRationale,
    /// The date is not `YYYY-MM-DD`.
    #[error("the date must be written YYYY-MM-DD")]
    BadDate,
}

impl DecisionProblem {
    /// The short code used in the `fehler` query parameter.
    pub fn code(&self) -> &'static str {
        match self {
            DecisionProblem::FactorCount(_) => "anzahl",
            DecisionProblem::UnknownFactor(_) => "faktor",
            DecisionProblem::Duplicate(_) => "doppelt",
            DecisionProblem::NoRationale => "begruendung",
            DecisionProblem::BadDate => "datum",
        }
    }
}

/// Checks a decision before it is stored.
pub fn validate_decision(
    factors: &[String],
    allowed: &[String],
    rationale: &str,
    decided_on: &str,
) -> Result<(), DecisionProblem> {
    if !(MIN_FACTORS..=MAX_FACTORS).contains(&factors.len()) {
        return Err(DecisionProblem::FactorCount(factors.len()));
    }
    for (index, factor) in factors.iter().enumerate() {
        if !allowed.contains(factor) {
            return Err(DecisionProblem::UnknownFactor(factor.clone()));
        }
        if factors[..index].contains(factor) {
            return Err(DecisionProblem::Duplicate(factor.clone()));
        }
    }
    if rationale.trim().is_empty() {
        return Err(DecisionProblem::NoRationale);
    }
    if !is_iso_date(decided_on) {
        return Err(DecisionProblem::BadDate);
    }
    Ok(())
}

/// `YYYY-MM-DD` with a real month and a day the month has.
pub fn is_iso_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return false;
    };
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return false;
    }
    let (Ok(year), Ok(month), Ok(day)) = (
        year.parse::<u32>(),
        month.parse::<u32>(),
        day.parse::<u32>(),
    ) else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1900..=2999).contains(&year) && (1..=days).contains(&day)
}

/// A suggested priority: a factor elevated (risk) or lowered (protection)
/// against the reference in some districts.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion {
    /// Factor id.
    pub factor_id: String,
    /// Districts (ids) where it is of concern.
    pub districts: Vec<i64>,
    /// Largest difference to the reference among them, in points (size).
    pub largest_difference_points: f64,
}

/// Factors of concern across the district groups of a profile table (groups
/// with a district and no other breakdown), most widespread first, then by
/// the largest difference. Outcomes are not factors and are left out.
pub fn suggest(table: &ProfileTable) -> Vec<Suggestion> {
    let mut by_factor: BTreeMap<usize, (Vec<i64>, f64)> = BTreeMap::new();
    for group in &table.groups {
        let key = group.key;
        let Some(district) = key.district else {
            continue;
        };
        if key.school.is_some() || key.grade.is_some() || key.sex != Default::default() {
            continue;
        }
        for (index, cell) in group.factors.iter().enumerate() {
            if table.factors[index].kind == crate::domain::analysis::profile::FactorKind::Outcome {
                continue;
            }
            let Some(comparison) = cell.figures.as_ref().and_then(|f| f.comparison.as_ref()) else {
                continue;
            };
            if comparison.of_concern && comparison.concern != Concern::None {
                let entry = by_factor.entry(index).or_insert((Vec::new(), 0.0));
                entry.0.push(district);
                let size = comparison.difference_points.unwrap_or(0.0).abs();
                if size > entry.1 {
                    entry.1 = size;
                }
            }
        }
    }
    let mut suggestions: Vec<Suggestion> = by_factor
        .into_iter()
        .map(|(index, (districts, largest))| Suggestion {
            factor_id: table.factors[index].id.clone(),
            districts,
            largest_difference_points: largest,
        })
        .collect();
    suggestions.sort_by(|a, b| {
        b.districts.len().cmp(&a.districts.len()).then(
            b.largest_difference_points
                .total_cmp(&a.largest_difference_points),
        )
    });
    suggestions
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_decision_names_two_to_five_known_distinct_factors() {
        let allowed = ids(&["a", "b", "c", "d", "e", "f"]);
        let ok = |f: &[&str]| validate_decision(&ids(f), &allowed, "weil", "2026-11-24");
        assert_eq!(ok(&["a", "b"]), Ok(()));
        assert_eq!(ok(&["a", "b", "c", "d", "e"]), Ok(()));
        assert_eq!(ok(&["a"]), Err(DecisionProblem::FactorCount(1)));
        assert_eq!(
            ok(&["a", "b", "c", "d", "e", "f"]),
            Err(DecisionProblem::FactorCount(6))
        );
        assert_eq!(
            ok(&["a", "x"]),
            Err(DecisionProblem::UnknownFactor("x".into()))
        );
        assert_eq!(ok(&["a", "a"]), Err(DecisionProblem::Duplicate("a".into())));
        assert_eq!(
            validate_decision(&ids(&["a", "b"]), &allowed, "  ", "2026-11-24"),
            Err(DecisionProblem::NoRationale)
        );
        assert_eq!(
            validate_decision(&ids(&["a", "b"]), &allowed, "x", "24.11.2026"),
            Err(DecisionProblem::BadDate)
        );
    }

    #[test]
    fn dates_must_exist() {
        assert!(is_iso_date("2024-02-29"));
        assert!(!is_iso_date("2026-02-29"));
        assert!(!is_iso_date("2026-13-01"));
        assert!(!is_iso_date("2026-04-31"));
        assert!(!is_iso_date("2026-4-1"));
        assert!(!is_iso_date("1900-02-29"));
        assert!(is_iso_date("2000-02-29"));
    }
}
