//! Municipalities compared with each other: each city's total against the
//! pooled total of the other compared cities, the way a district is compared
//! with the rest of its city.
//!
//! The inputs are city totals that may be shown (suppressed totals are
//! `None` and stay out of the pool, so the pool reveals nothing a page does
//! not show). The cities' latest waves may be from different years; the
//! caller says so on the page. One [`compare_profile`] call per city keeps
//! the Benjamini–Hochberg family the same as on a district profile.
//!
//! Each city's total carries its design effect. The pool of independent
//! city samples has the n-weighted mean of their design effects
//! (`Var(p̂_pool) ≈ p(1 − p)/N · Σ nᵢ·deffᵢ/N` when the cities' shares are
//! close, the null hypothesis of the test).

use crate::domain::analysis::profile::{
    FactorComparison, FactorInput, FactorKind, ProfileOptions, Reference, compare_profile,
};
use crate::domain::analysis::stats::{ClusteredProportion, Proportion};

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
    totals: &[Vec<Option<ClusteredProportion>>],
    options: &ProfileOptions,
) -> Vec<Vec<Option<FactorComparison>>> {
    // Per column: the pool of all shown cities and Σ nᵢ·deffᵢ.
    let pools: Vec<Option<(Proportion, f64)>> = (0..columns.len())
        .map(|column| {
            let shown: Vec<ClusteredProportion> = totals
                .iter()
                .filter_map(|row| row.get(column).copied().flatten())
                .collect();
            (shown.len() >= 2).then(|| {
                let pool = Proportion {
                    count: shown.iter().map(|p| p.proportion.count).sum(),
                    n: shown.iter().map(|p| p.proportion.n).sum(),
                };
                let weighted: f64 = shown
                    .iter()
                    .map(|p| p.proportion.n as f64 * p.design_effect)
                    .sum();
                (pool, weighted)
            })
        })
        .collect();
    totals
        .iter()
        .map(|row| {
            let mut inputs = Vec::new();
            let mut input_column = Vec::new();
            for (column, factor) in columns.iter().enumerate() {
                let (Some(city), Some((pool, weighted))) =
                    (row.get(column).copied().flatten(), pools[column])
                else {
                    continue;
                };
                let group = city.proportion;
                let mean_design_effect = |n: u64, weighted: f64| {
                    if n == 0 {
                        1.0
                    } else {
                        (weighted / n as f64).max(1.0)
                    }
                };
                let others_weighted = weighted - group.n as f64 * city.design_effect;
                let reference = Reference::rest_of_clustered(
                    pool,
                    group,
                    mean_design_effect(pool.n, weighted),
                    mean_design_effect(pool.n.saturating_sub(group.n), others_weighted),
                );
                if let Some(reference) = reference {
                    inputs.push(FactorInput {
                        factor_id: factor.id.clone(),
                        kind: factor.kind,
                        group,
                        design_effect: city.design_effect,
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

    fn p(count: u64, n: u64) -> Option<ClusteredProportion> {
        Some(ClusteredProportion::simple(Proportion { count, n }))
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
    fn the_pool_carries_the_weighted_mean_design_effect() {
        let city = |count, n, design_effect| {
            Some(ClusteredProportion {
                proportion: Proportion { count, n },
                design_effect,
            })
        };
        // The first city (deff 2) against the other two (deff 1.5 with 100
        // pupils, 3 with 300): rest deff (150 + 900)/400 = 2.625. SciPy:
        // python3 -c "from scipy.stats import norm; import math; q=120/500; z=(30/100-90/400)/math.sqrt(q*(1-q)*(2/100+2.625/400)); print(z, 2*norm.sf(abs(z)))"
        // → 1.0774927898015387 0.28126017020896066
        let totals = vec![
            vec![city(30, 100, 2.0), None],
            vec![city(20, 100, 1.5), None],
            vec![city(70, 300, 3.0), None],
        ];
        let result = compare_with_other_cities(&columns(), &totals, &ProfileOptions::default());
        let first = result[0][0].as_ref().expect("compared");
        assert_eq!(first.design_effect, 2.0);
        assert!((first.z.unwrap() - 1.077_492_789_801_538_7).abs() < 1e-9);
        assert!((first.p_value.unwrap() - 0.281_260_170_208_960_66).abs() < 1e-9);
        match &first.reference {
            Reference::Rest {
                rest_design_effect,
                total_design_effect,
                ..
            } => {
                assert!((rest_design_effect - 2.625).abs() < 1e-12);
                // (200 + 150 + 900)/500
                assert!((total_design_effect - 2.5).abs() < 1e-12);
            }
            Reference::Norm { .. } => panic!("pooled cities are a rest"),
        }
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
