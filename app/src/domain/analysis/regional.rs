//! Municipalities compared with each other: each city's total against the
//! pooled total of the other compared cities, the way a district is compared
//! with the rest of its city.
//!
//! The inputs are city totals that may be shown (suppressed totals are
//! `None` and stay out of the pool, so the pool reveals nothing a page does
//! not show). The cities' latest waves may be from different years; the
//! caller says so on the page. One [`compare_profile`] call per city keeps
//! the Benjamini–Hochberg family the same as on a district profile.

use crate::domain::analysis::profile::{
    FactorComparison, FactorInput, FactorKind, ProfileOptions, Reference, compare_profile,
};
use crate::domain::analysis::stats::Proportion;

/// One factor column of the comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct FactorColumn {
    /// Scale or outcome id.
    pub id: String,
    /// Risk, protective or outcome.
    pub kind: FactorKind,
}

/// Compares every city (row of `totals`, aligned with `columns`; `None` =
/// not surveyed or not shown) with the pooled other cities. A factor is
/// compared only where at least two cities have a figure. Returns the
/// comparisons in the same shape as `totals`.
pub fn compare_with_other_cities(
    columns: &[FactorColumn],
    totals: &[Vec<Option<Proportion>>],
    options: &ProfileOptions,
) -> Vec<Vec<Option<FactorComparison>>> {
    let pools: Vec<Option<Proportion>> = (0..columns.len())
        .map(|column| {
            let shown: Vec<Proportion> = totals
                .iter()
                .filter_map(|row| row.get(column).copied().flatten())
                .collect();
            (shown.len() >= 2).then(|| Proportion {
                count: shown.iter().map(|p| p.count).sum(),
                n: shown.iter().map(|p| p.n).sum(),
            })
        })
        .collect();
    totals
        .iter()
        .map(|row| {
            let mut inputs = Vec::new();
            let mut input_column = Vec::new();
            for (column, factor) in columns.iter().enumerate() {
                let (Some(group), Some(pool)) = (row.get(column).copied().flatten(), pools[column])
                else {
                    continue;
                };
                if let Some(reference) = Reference::rest_of(pool, group) {
                    inputs.push(FactorInput {
                        factor_id: factor.id.clone(),
                        kind: factor.kind,
                        group,
                        reference,
                    });
                    input_column.push(column);
                }
            }
            let mut result: Vec<Option<FactorComparison>> = vec![None; columns.len()];
            for (column, comparison) in input_column
                .into_iter()
                .zip(compare_profile(&inputs, options))
            {
                result[column] = Some(comparison);
            }
            result
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(count: u64, n: u64) -> Option<Proportion> {
        Some(Proportion { count, n })
    }

    fn columns() -> Vec<FactorColumn> {
        vec![
            FactorColumn {
                id: "fam_conflict".into(),
                kind: FactorKind::Risk,
            },
            FactorColumn {
                id: "school_bonding".into(),
                kind: FactorKind::Protective,
            },
        ]
    }

    #[test]
    fn each_city_is_tested_against_the_pooled_other_cities() {
        // Three cities; the second factor is shown for the first city only.
        let totals = vec![
            vec![p(30, 100), p(50, 100)],
            vec![p(20, 100), None],
            vec![p(10, 100), None],
        ];
        let result = compare_with_other_cities(&columns(), &totals, &ProfileOptions::default());
        let first = result[0][0].as_ref().expect("compared");
        // Marker: the pool of all three, 60 / 300 = 20 %; tested against the
        // other two, 30 / 200 = 15 %.
        assert!((first.reference_percent.unwrap() - 20.0).abs() < 1e-9);
        assert!((first.comparator_percent.unwrap() - 15.0).abs() < 1e-9);
        assert!((first.difference_points.unwrap() - 10.0).abs() < 1e-9);
        // Pooled two-proportion z-test, 30/100 against 30/200. SciPy 1.11:
        //   p = 60/300; se = sqrt(p*(1-p)*(1/100+1/200)); z = (0.30-0.15)/se
        //   z = 3.0618621784789726, 2*norm.sf(z) = 0.002199647061113056
        assert!((first.z.unwrap() - 3.0618621784789726).abs() < 1e-9);
        assert!((first.p_value.unwrap() - 0.002199647061113056).abs() < 1e-12);
        assert!(first.of_concern, "10 points above the pool and significant");
        // One city alone has nothing to be compared with.
        assert!(result.iter().all(|row| row[1].is_none()));
    }

    #[test]
    fn a_withheld_total_stays_out_of_the_pool() {
        let totals = vec![
            vec![p(30, 100), None],
            vec![None, None],
            vec![p(10, 100), None],
        ];
        let result = compare_with_other_cities(&columns(), &totals, &ProfileOptions::default());
        let first = result[0][0].as_ref().expect("compared");
        // Pool 40 / 200 = 20 %, the other city 10 %.
        assert!((first.reference_percent.unwrap() - 20.0).abs() < 1e-9);
        assert!((first.comparator_percent.unwrap() - 10.0).abs() < 1e-9);
        assert!(result[1][0].is_none());
    }
}
