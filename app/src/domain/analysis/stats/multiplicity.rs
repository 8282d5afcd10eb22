//! Multiple-testing adjustment.

/// Benjamini & Hochberg (1995) false-discovery-rate adjusted p-values
/// ("q-values"), returned in the input order.
///
/// For the `m` valid p-values sorted ascending, `p₍₁₎ <= … <= p₍ₘ₎`:
///
/// ```text
/// p̃₍ᵢ₎ = min(1, min_{j >= i} m·p₍ⱼ₎/j)
/// ```
///
/// (step-up, monotone in `p`, capped at 1) — identical to statsmodels
/// `multipletests(p, method='fdr_bh')[1]` and R `p.adjust(p, "BH")`.
/// Rejecting every hypothesis with `p̃ <= q` controls the FDR at level `q`
/// for independent or positively dependent tests.
///
/// Entries that are NaN or outside `[0, 1]` are treated like R's `NA`: they
/// are not counted in `m` and come back as NaN in their positions. An empty
/// input gives an empty vector.
#[must_use]
pub fn benjamini_hochberg(p_values: &[f64]) -> Vec<f64> {
    let mut out = vec![f64::NAN; p_values.len()];
    let mut order: Vec<usize> = (0..p_values.len())
        .filter(|&i| (0.0..=1.0).contains(&p_values[i]))
        .collect();
    if order.is_empty() {
        return out;
    }
    order.sort_by(|&i, &j| p_values[i].total_cmp(&p_values[j]));
    let m = order.len() as f64;
    let mut running_min = 1.0_f64;
    for (rank0, &idx) in order.iter().enumerate().rev() {
        let rank = (rank0 + 1) as f64;
        let adjusted = if rank == m {
            p_values[idx]
        } else {
            p_values[idx] * m / rank
        };
        running_min = running_min.min(adjusted);
        out[idx] = running_min;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tolerance::CLOSED_FORM;
    use super::*;
    use approx::assert_abs_diff_eq;
    use proptest::prelude::*;

    #[track_caller]
    fn assert_all_close(got: &[f64], expected: &[f64]) {
        assert_eq!(got.len(), expected.len());
        for (g, e) in got.iter().zip(expected) {
            assert_abs_diff_eq!(*g, *e, epsilon = CLOSED_FORM);
        }
    }

    #[test]
    fn matches_statsmodels_in_input_order() {
        // python3 -c "from statsmodels.stats.multitest import multipletests as m; print(list(m([0.01, 0.04, 0.03, 0.005, 0.5, 0.9], method='fdr_bh')[1]))"
        // → [0.030000000000000002, 0.060000000000000005, 0.06, 0.030000000000000002, 0.6, 0.9]
        let got = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.005, 0.5, 0.9]);
        assert_all_close(&got, &[0.03, 0.06, 0.06, 0.03, 0.6, 0.9]);
    }

    #[test]
    fn caps_at_one_handles_ties_and_single_values() {
        // python3 -c "from statsmodels.stats.multitest import multipletests as m; print(list(m([0.6, 0.9, 1.0, 0.7], method='fdr_bh')[1]), list(m([0.02, 0.02, 0.01, 0.04], method='fdr_bh')[1]), list(m([0.3], method='fdr_bh')[1]))"
        // → [1.0, 1.0, 1.0, 1.0] [0.02666666666666667, 0.02666666666666667, 0.02666666666666667, 0.04] [0.3]
        // (raw m·p/i for 0.6 is 2.4: capped / stepped down to 1)
        assert_all_close(&benjamini_hochberg(&[0.6, 0.9, 1.0, 0.7]), &[1.0; 4]);
        let third = 0.02666666666666667;
        assert_all_close(
            &benjamini_hochberg(&[0.02, 0.02, 0.01, 0.04]),
            &[third, third, third, 0.04],
        );
        assert_all_close(&benjamini_hochberg(&[0.3]), &[0.3]);
        assert!(benjamini_hochberg(&[]).is_empty());
    }

    #[test]
    fn invalid_entries_are_excluded_like_r_na() {
        // python3 -c "from statsmodels.stats.multitest import multipletests as m; print(list(m([0.01, 0.04, 0.5], method='fdr_bh')[1]))"
        // → [0.030000000000000002, 0.060000000000000005, 0.5]
        // (R: p.adjust(c(0.01, NA, 0.04, 0.5), "BH") adjusts the three non-NA values with n = 3.)
        let got = benjamini_hochberg(&[0.01, f64::NAN, 0.04, 1.5, 0.5, -0.1]);
        assert!(got[1].is_nan() && got[3].is_nan() && got[5].is_nan());
        assert_all_close(&[got[0], got[2], got[4]], &[0.03, 0.06, 0.5]);
        assert!(benjamini_hochberg(&[f64::NAN]).iter().all(|x| x.is_nan()));
    }

    proptest! {
        #[test]
        fn adjusted_values_are_bounded_and_monotone(ps in prop::collection::vec(0.0_f64..=1.0, 1..60)) {
            let adj = benjamini_hochberg(&ps);
            for (i, (&a, &p)) in adj.iter().zip(&ps).enumerate() {
                prop_assert!(p <= a && a <= 1.0, "index {i}: p {p} adj {a}");
                for (&a2, &p2) in adj.iter().zip(&ps) {
                    if p <= p2 { prop_assert!(a <= a2); }
                }
            }
        }
    }
}
