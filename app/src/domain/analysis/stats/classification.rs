//! How well a binary flag or a continuous score separates an outcome
//! (e.g. "at risk on scale S" vs. "reports 30-day alcohol use"), used to
//! validate candidate cut points.

use serde::{Deserialize, Serialize};

/// Confusion-matrix summary of a binary classification.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassificationMetrics {
    /// `TP / (TP + FN)`: share of actual positives that are flagged.
    pub sensitivity: f64,
    /// `TN / (TN + FP)`: share of actual negatives that are not flagged.
    pub specificity: f64,
    /// Youden's J = sensitivity + specificity − 1 (Youden 1950), in [-1, 1].
    pub youden: f64,
    /// Flagged and actually positive.
    pub true_pos: u64,
    /// Flagged but actually negative.
    pub false_pos: u64,
    /// Not flagged and actually negative.
    pub true_neg: u64,
    /// Not flagged but actually positive.
    pub false_neg: u64,
}

/// Sensitivity, specificity and Youden's J of `predicted` against `actual`
/// (pairwise by index; equal to scikit-learn's `recall_score` of each class).
///
/// `None` if the slices differ in length, are empty, or `actual` lacks
/// either class (then sensitivity or specificity is undefined).
#[must_use]
pub fn classification_metrics(
    predicted: &[bool],
    actual: &[bool],
) -> Option<ClassificationMetrics> {
    if predicted.len() != actual.len() || predicted.is_empty() {
        return None;
    }
    let (mut tp, mut fp, mut tn, mut fn_) = (0_u64, 0_u64, 0_u64, 0_u64);
    for (&p, &a) in predicted.iter().zip(actual) {
        match (p, a) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, false) => tn += 1,
            (false, true) => fn_ += 1,
        }
    }
    if tp + fn_ == 0 || tn + fp == 0 {
        return None;
    }
    let sensitivity = tp as f64 / (tp + fn_) as f64;
    let specificity = tn as f64 / (tn + fp) as f64;
    Some(ClassificationMetrics {
        sensitivity,
        specificity,
        youden: sensitivity + specificity - 1.0,
        true_pos: tp,
        false_pos: fp,
        true_neg: tn,
        false_neg: fn_,
    })
}

/// Area under the ROC curve of `scores` (higher = more likely positive) for
/// the outcome `actual`, via the Mann–Whitney U statistic with mid-ranks for
/// ties:
///
/// ```text
/// AUC = (R₊ − n₊(n₊ + 1)/2) / (n₊·n₋)
/// ```
///
/// where `R₊` is the sum of the (tie-averaged) ranks of the positives. This is
/// the probability that a random positive scores higher than a random
/// negative, ties counting ½ — identical to scikit-learn `roc_auc_score`.
/// O(n log n); the rank sum is accumulated exactly in integers.
///
/// `None` if the slices differ in length, a score is not finite, or either
/// class is absent.
#[must_use]
pub fn roc_auc(scores: &[f64], actual: &[bool]) -> Option<f64> {
    if scores.len() != actual.len() || scores.iter().any(|s| !s.is_finite()) {
        return None;
    }
    let n_pos = actual.iter().filter(|&&a| a).count() as u128;
    let n_neg = actual.len() as u128 - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_unstable_by(|&i, &j| scores[i].total_cmp(&scores[j]));
    // Twice the rank sum of the positives; a tie block occupying ranks
    // start+1 ..= end has mid-rank (start + 1 + end)/2, so 2·midrank is an
    // integer.
    let mut twice_rank_sum: u128 = 0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        // -0.0 and 0.0 compare equal here, as in scikit-learn.
        while end < order.len() && scores[order[end]] == scores[order[start]] {
            end += 1;
        }
        let positives = order[start..end].iter().filter(|&&i| actual[i]).count() as u128;
        let twice_mid_rank = (start as u128 + 1) + end as u128;
        twice_rank_sum += positives * twice_mid_rank;
        start = end;
    }
    let twice_u = twice_rank_sum - n_pos * (n_pos + 1);
    Some(twice_u as f64 / (2 * n_pos * n_neg) as f64)
}

#[cfg(test)]
mod tests {
    use super::super::tolerance::CLOSED_FORM;
    use super::*;
    use approx::assert_abs_diff_eq;
    use proptest::prelude::*;

    #[test]
    fn metrics_match_sklearn() {
        // python3 -c "from sklearn.metrics import confusion_matrix as cm, recall_score as r; y=[1,1,1,1,0,0,0,0,0,1]; p=[1,1,0,1,0,1,0,0,0,0]; print(cm(y, p).ravel(), r(y, p), r(y, p, pos_label=0))"
        // → [4 1 2 3] 0.6 0.8      (tn, fp, fn, tp; sensitivity; specificity)
        let actual = [1, 1, 1, 1, 0, 0, 0, 0, 0, 1].map(|v| v == 1);
        let predicted = [1, 1, 0, 1, 0, 1, 0, 0, 0, 0].map(|v| v == 1);
        let m = classification_metrics(&predicted, &actual).unwrap();
        assert_eq!(
            (m.true_neg, m.false_pos, m.false_neg, m.true_pos),
            (4, 1, 2, 3)
        );
        assert_abs_diff_eq!(m.sensitivity, 0.6, epsilon = CLOSED_FORM);
        assert_abs_diff_eq!(m.specificity, 0.8, epsilon = CLOSED_FORM);
        assert_abs_diff_eq!(m.youden, 0.4, epsilon = CLOSED_FORM);
    }

    #[test]
    fn metrics_undefined_cases() {
        assert_eq!(classification_metrics(&[], &[]), None);
        assert_eq!(classification_metrics(&[true], &[true, false]), None);
        assert_eq!(classification_metrics(&[true, false], &[true, true]), None);
        assert_eq!(
            classification_metrics(&[true, false], &[false, false]),
            None
        );
    }

    #[test]
    fn auc_matches_sklearn() {
        // python3 -c "from sklearn.metrics import roc_auc_score as a; print(a([1,0,1,1,0,0,1,0], [0.9, 0.1, 0.4, 0.35, 0.8, 0.2, 0.7, 0.3]))"
        // → 0.8125
        let actual = [1, 0, 1, 1, 0, 0, 1, 0].map(|v| v == 1);
        let scores = [0.9, 0.1, 0.4, 0.35, 0.8, 0.2, 0.7, 0.3];
        assert_abs_diff_eq!(
            roc_auc(&scores, &actual).unwrap(),
            0.8125,
            epsilon = CLOSED_FORM
        );
    }

    #[test]
    fn auc_with_ties_matches_sklearn() {
        // python3 -c "from sklearn.metrics import roc_auc_score as a; print(a([1,0,1,0,1,0,0,1,0], [2, 2, 3, 1, 2, 1, 3, 4, 2]), a([1,0], [5, 5]), a([0,1,1], [1.0, 0.0, 0.5]))"
        // → 0.775 0.5 0.0
        let actual = [1, 0, 1, 0, 1, 0, 0, 1, 0].map(|v| v == 1);
        let scores = [2., 2., 3., 1., 2., 1., 3., 4., 2.];
        assert_abs_diff_eq!(
            roc_auc(&scores, &actual).unwrap(),
            0.775,
            epsilon = CLOSED_FORM
        );
        assert_eq!(roc_auc(&[5.0, 5.0], &[true, false]), Some(0.5));
        assert_eq!(roc_auc(&[1.0, 0.0, 0.5], &[false, true, true]), Some(0.0));
        assert_eq!(roc_auc(&[0.0, -0.0], &[true, false]), Some(0.5));
    }

    #[test]
    fn auc_undefined_cases() {
        assert_eq!(roc_auc(&[], &[]), None);
        assert_eq!(roc_auc(&[1.0, 2.0], &[true, true]), None);
        assert_eq!(roc_auc(&[1.0, 2.0], &[false, false]), None);
        assert_eq!(roc_auc(&[1.0], &[true, false]), None);
        assert_eq!(roc_auc(&[1.0, f64::NAN], &[true, false]), None);
    }

    /// O(n²) definition: P(score₊ > score₋) + ½·P(tie).
    fn auc_by_pairs(scores: &[f64], actual: &[bool]) -> f64 {
        let (mut wins, mut pairs) = (0.0, 0.0);
        for (s1, _) in scores.iter().zip(actual).filter(|(_, a)| **a) {
            for (s0, _) in scores.iter().zip(actual).filter(|(_, a)| !**a) {
                pairs += 1.0;
                wins += if s1 > s0 {
                    1.0
                } else if s1 == s0 {
                    0.5
                } else {
                    0.0
                };
            }
        }
        wins / pairs
    }

    proptest! {
        #[test]
        fn auc_equals_pairwise_definition(
            data in prop::collection::vec((0_u8..6, any::<bool>()), 2..80)
        ) {
            let scores: Vec<f64> = data.iter().map(|(s, _)| f64::from(*s)).collect();
            let actual: Vec<bool> = data.iter().map(|(_, a)| *a).collect();
            match roc_auc(&scores, &actual) {
                Some(auc) => {
                    prop_assert!((0.0..=1.0).contains(&auc));
                    prop_assert!((auc - auc_by_pairs(&scores, &actual)).abs() < CLOSED_FORM);
                    let flipped: Vec<f64> = scores.iter().map(|s| -s).collect();
                    prop_assert!((roc_auc(&flipped, &actual).unwrap() - (1.0 - auc)).abs() < CLOSED_FORM);
                }
                None => prop_assert!(actual.iter().all(|&a| a) || actual.iter().all(|&a| !a)),
            }
        }
    }
}
