//! Post-stratified shares of a domain and of the difference of two
//! disjoint domains, with their linearised (Taylor) variances.
//!
//! The municipality's pupils fall into post-strata `h` (school type ×
//! grade). With `N_h` pupils in the population and `n_h` answers in the
//! sample, every answer of stratum `h` gets the weight `w_h = N_h / n_h`.
//! A domain (a district, a district × sex cell …) has `d_h` of those answers,
//! `c_h` of them flagged; its weighted share is the ratio
//! `R = Σ w_h c_h / Σ w_h d_h`.
//!
//! The variance treats the post-strata as strata with units drawn with
//! replacement (conditional on the achieved `n_h`), as R `survey`
//! `svydesign(ids = ~1, strata = ~h, weights = ~w)` and samplics
//! `TaylorEstimator(stratum = h)` do: the linearised value of a unit is
//! `z = w_h·1[domain]·(y − R) / Σ w d`, and
//! `V = Σ_h n_h/(n_h − 1) · Σ_i (z_hi − z̄_h)²`. Everything is a function of
//! the four counts per stratum, so no unit records are needed
//! (docs/statistics.md §13).

/// One post-stratum as seen by a comparison of a group with the rest.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stratum {
    /// `N_h`: pupils of the stratum in the population.
    pub population: u64,
    /// `n_h`: answers of the stratum in the sample, in every domain.
    pub sample: u64,
    /// The group's answers in the stratum and how many are flagged.
    pub group: (u64, u64),
    /// The rest's answers in the stratum (disjoint from the group) and how
    /// many are flagged.
    pub rest: (u64, u64),
}

/// A weighted share and its linearised variance (share in [0, 1]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WeightedShare {
    /// `Σ w c / Σ w d`.
    pub share: f64,
    /// Linearised variance of the share.
    pub variance: f64,
}

/// The weighted shares of a group, of the rest and of both together, and
/// the variance of group − rest (with the covariance the shared strata
/// give them).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PostStratified {
    /// The group.
    pub group: WeightedShare,
    /// The rest (`None` without a rest answer).
    pub rest: Option<WeightedShare>,
    /// Group and rest together (the reference cell of the city).
    pub total: WeightedShare,
    /// Variance of `group.share − rest.share`.
    pub difference_variance: Option<f64>,
}

/// Per stratum: `Σ z` and `Σ z²` of a domain's linearised values.
fn domain_sums(weight: f64, (n, count): (u64, u64), share: f64, weight_sum: f64) -> (f64, f64) {
    let (n, count) = (n as f64, count as f64);
    let flagged = weight * (1.0 - share) / weight_sum;
    let unflagged = -weight * share / weight_sum;
    (
        count * flagged + (n - count) * unflagged,
        count * flagged * flagged + (n - count) * unflagged * unflagged,
    )
}

fn weight(stratum: &Stratum) -> f64 {
    stratum.population as f64 / stratum.sample as f64
}

/// `(Σ w c, Σ w d)` of a domain.
fn weighted_totals(strata: &[Stratum], domain: impl Fn(&Stratum) -> (u64, u64)) -> (f64, f64) {
    strata.iter().fold((0.0, 0.0), |(c, d), s| {
        let (n, count) = domain(s);
        let w = weight(s);
        (c + w * count as f64, d + w * n as f64)
    })
}

/// `Σ_h n_h/(n_h − 1)(Σ z² − (Σ z)²/n_h)`; a stratum of one answer adds
/// nothing (its spread is not estimable).
fn variance(parts: impl Iterator<Item = (u64, f64, f64)>) -> f64 {
    parts
        .filter(|(n, _, _)| *n >= 2)
        .map(|(n, sum, squares)| {
            let n = n as f64;
            (n / (n - 1.0) * (squares - sum * sum / n)).max(0.0)
        })
        .sum()
}

/// The post-stratified comparison of a group with the rest of its
/// reference cell.
///
/// `None` if a stratum is inconsistent (domain answers beyond the
/// stratum's, flagged beyond answers, a sample of 0 with domain answers, a
/// population of 0 with answers) or the group has no weighted answer.
#[must_use]
pub fn post_stratified(strata: &[Stratum]) -> Option<PostStratified> {
    let consistent = strata.iter().all(|s| {
        s.group.1 <= s.group.0
            && s.rest.1 <= s.rest.0
            && s.group.0 + s.rest.0 <= s.sample
            && (s.sample == 0 || s.population > 0)
    });
    if !consistent {
        return None;
    }
    let strata: Vec<Stratum> = strata.iter().filter(|s| s.sample > 0).copied().collect();
    let both = |s: &Stratum| (s.group.0 + s.rest.0, s.group.1 + s.rest.1);
    let share_of = |(count, n): (f64, f64)| (n > 0.0).then(|| (count / n, n));
    let (group_share, group_weight) = share_of(weighted_totals(&strata, |s| s.group))?;
    let rest = share_of(weighted_totals(&strata, |s| s.rest));
    let (total_share, total_weight) = share_of(weighted_totals(&strata, both))?;

    let group_sums: Vec<(u64, f64, f64)> = strata
        .iter()
        .map(|s| {
            let (sum, squares) = domain_sums(weight(s), s.group, group_share, group_weight);
            (s.sample, sum, squares)
        })
        .collect();
    let total_variance = variance(strata.iter().map(|s| {
        let (sum, squares) = domain_sums(weight(s), both(s), total_share, total_weight);
        (s.sample, sum, squares)
    }));
    let (rest, difference_variance) = match rest {
        Some((rest_share, rest_weight)) => {
            let rest_sums: Vec<(f64, f64)> = strata
                .iter()
                .map(|s| domain_sums(weight(s), s.rest, rest_share, rest_weight))
                .collect();
            let rest_variance = variance(
                strata
                    .iter()
                    .zip(&rest_sums)
                    .map(|(s, &(sum, squares))| (s.sample, sum, squares)),
            );
            // A unit is in the group or in the rest, never both: the
            // difference's z is z_group − z_rest, its squares add.
            let difference = variance(
                group_sums
                    .iter()
                    .zip(&rest_sums)
                    .map(|(&(n, gs, gq), &(rs, rq))| (n, gs - rs, gq + rq)),
            );
            (
                Some(WeightedShare {
                    share: rest_share,
                    variance: rest_variance,
                }),
                Some(difference),
            )
        }
        None => (None, None),
    };
    Some(PostStratified {
        group: WeightedShare {
            share: group_share,
            variance: variance(group_sums.into_iter()),
        },
        rest,
        total: WeightedShare {
            share: total_share,
            variance: total_variance,
        },
        difference_variance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three post-strata (school type × grade 8) with a group, a disjoint
    /// rest and answers in neither (the other sex, say).
    fn strata() -> Vec<Stratum> {
        vec![
            Stratum {
                population: 1200,
                sample: 70,
                group: (20, 6),
                rest: (40, 10),
            },
            Stratum {
                population: 2000,
                sample: 55,
                group: (15, 7),
                rest: (35, 9),
            },
            Stratum {
                population: 600,
                sample: 30,
                group: (10, 5),
                rest: (20, 4),
            },
        ]
    }

    fn close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() <= 1e-12 * expected.abs().max(1.0),
            "{actual} vs {expected}"
        );
    }

    /// Reference: samplics 0.6.0 `TaylorEstimator(PopParam.mean)` on the
    /// unit records of these strata (weights N_h/n_h, `stratum=h`,
    /// `domain=` in/out), the difference by unit-level linearisation in
    /// NumPy (z = z_group − z_rest, stratified with-replacement variance):
    ///
    /// ```python
    /// strata = {"gym8": (1200, [("g",20,6),("r",40,10),("o",10,3)]),
    ///           "ges8": (2000, [("g",15,7),("r",35,9),("o",5,1)]),
    ///           "hau8": (600,  [("g",10,5),("r",20,4)])}
    /// # one record per pupil: stratum, w = N/n_h, y = 1 for the first c
    /// est = TaylorEstimator(PopParam.mean)
    /// est.estimate(y=y, samp_weight=w, stratum=st, domain=d)
    /// ```
    #[test]
    fn shares_and_variances_match_samplics() {
        let result = post_stratified(&strata()).expect("estimable");
        close(result.group.share, 0.42028639618138425);
        close(result.group.variance, 0.00626927836687528);
        let rest = result.rest.expect("rest");
        close(rest.share, 0.2453744493392071);
        close(rest.variance, 0.0022603554995252284);
        close(result.total.share, 0.30060286360211);
        close(result.total.variance, 0.001747751645855683);
        close(
            result.difference_variance.expect("difference"),
            0.008525849576341097,
        );
    }

    #[test]
    fn equal_weights_give_the_unweighted_share() {
        // N_h proportional to n_h: every weight is 10.
        let strata = [
            Stratum {
                population: 500,
                sample: 50,
                group: (20, 5),
                rest: (30, 9),
            },
            Stratum {
                population: 300,
                sample: 30,
                group: (10, 5),
                rest: (20, 2),
            },
        ];
        let result = post_stratified(&strata).expect("estimable");
        close(result.group.share, 10.0 / 30.0);
        close(result.total.share, 21.0 / 80.0);
    }

    #[test]
    fn inconsistent_counts_are_refused() {
        let mut bad = strata();
        bad[0].group = (20, 21);
        assert_eq!(post_stratified(&bad), None);
        let mut bad = strata();
        bad[1].sample = 10;
        assert_eq!(post_stratified(&bad), None);
        let mut bad = strata();
        bad[2].population = 0;
        assert_eq!(post_stratified(&bad), None);
        let empty_group: Vec<Stratum> = strata()
            .into_iter()
            .map(|s| Stratum { group: (0, 0), ..s })
            .collect();
        assert_eq!(post_stratified(&empty_group), None);
    }
}
