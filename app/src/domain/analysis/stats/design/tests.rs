use super::*;
use crate::domain::analysis::stats::{
    CONFIDENCE_95, newcombe_difference_interval, two_proportion_z_test,
};

fn p(count: u64, n: u64) -> Proportion {
    Proportion { count, n }
}

fn clustered(count: u64, n: u64, design_effect: f64) -> ClusteredProportion {
    ClusteredProportion {
        proportion: p(count, n),
        design_effect,
    }
}

fn close(got: f64, expected: f64, eps: f64) {
    assert!(
        (got - expected).abs() < eps,
        "got {got}, expected {expected}"
    );
}

/// Three strata: A with three classes, B with two, C with one (which adds
/// within-class but no between-class variation).
fn example_sums() -> IccSums {
    let mut sums = IccSums::default();
    sums.add_stratum(&[p(8, 20), p(4, 25), p(9, 18)]);
    sums.add_stratum(&[p(3, 22), p(5, 24)]);
    sums.add_stratum(&[p(6, 15)]);
    sums
}

#[test]
fn icc_matches_the_anova_of_classes_within_strata() {
    // The same 124 pupils as 0/1 rows, SSB and SSW from comparing two OLS
    // models, n0 and the ICC by Donner's formula (statsmodels 0.15):
    // python3 -c "import pandas as pd, statsmodels.formula.api as smf; from statsmodels.stats.anova import anova_lm; d={'A':[(20,8),(25,4),(18,9)],'B':[(22,3),(24,5)],'C':[(15,6)]}; r=[(s,f'{s}{i}',1.0 if j<y else 0.0) for s,c in d.items() for i,(n,y) in enumerate(c) for j in range(n)]; df=pd.DataFrame(r,columns=['s','c','y']); a=anova_lm(smf.ols('y~C(s)',df).fit(),smf.ols('y~C(c)',df).fit()); ssb,dfb,ssw,dfw=a.loc[1,'ss_diff'],a.loc[1,'df_diff'],a.loc[1,'ssr'],a.loc[1,'df_resid']; n0=(len(df)-sum(sum(n*n for n,_ in c)/sum(n for n,_ in c) for c in d.values()))/dfb; b,w=ssb/dfb,ssw/dfw; print(ssb,dfb,ssw,dfw,n0,(b-w)/(b+(n0-1)*w))"
    // → 1.3994532279314882 3.0 22.809242424242427 118.0 21.51460777547734 0.061640346691653844
    let sums = example_sums();
    assert_eq!((sums.clusters, sums.strata, sums.pupils), (6, 3, 124));
    let ssb = sums.class_sum_y_squared_over_n - sums.stratum_sum_y_squared_over_n;
    let ssw = sums.flagged as f64 - sums.class_sum_y_squared_over_n;
    close(ssb, 1.399_453_227_931_488_2, 1e-12);
    close(ssw, 22.809_242_424_242_427, 1e-12);
    let estimate = sums.estimate().expect("estimable");
    close(estimate.raw, 0.061_640_346_691_653_844, 1e-12);
    assert_eq!(estimate.icc, estimate.raw);
    assert_eq!((estimate.clusters, estimate.pupils), (6, 124));
}

#[test]
fn icc_sums_add_up_over_disjoint_strata() {
    let mut first = IccSums::default();
    first.add_stratum(&[p(8, 20), p(4, 25), p(9, 18)]);
    let mut second = IccSums::default();
    second.add_stratum(&[p(3, 22), p(5, 24)]);
    second.add_stratum(&[p(6, 15)]);
    first.merge(&second);
    let (merged, whole) = (
        first.estimate().unwrap(),
        example_sums().estimate().unwrap(),
    );
    // Equal up to the order of floating-point additions.
    close(merged.raw, whole.raw, 1e-12);
    assert_eq!(
        (merged.clusters, merged.pupils),
        (whole.clusters, whole.pupils)
    );
}

#[test]
fn icc_is_clamped_at_zero_and_needs_two_classes_in_a_stratum() {
    // Identical classes: the between-class mean square is 0, the raw
    // estimate negative (−1/(n₀ − 1)), what the design effects use 0.
    let mut same = IccSums::default();
    same.add_stratum(&[p(5, 20), p(5, 20), p(5, 20)]);
    let estimate = same.estimate().expect("estimable");
    close(estimate.raw, -1.0 / 19.0, 1e-12);
    assert_eq!(estimate.icc, 0.0);

    let mut one_class_each = IccSums::default();
    one_class_each.add_stratum(&[p(5, 20)]);
    one_class_each.add_stratum(&[p(7, 20)]);
    assert_eq!(one_class_each.estimate(), None);

    let mut nobody_flagged = IccSums::default();
    nobody_flagged.add_stratum(&[p(0, 20), p(0, 25)]);
    assert_eq!(nobody_flagged.estimate(), None);

    // Classes of one pupil only: no within-class degrees of freedom.
    let mut singletons = IccSums::default();
    singletons.add_stratum(&[p(1, 1), p(0, 1)]);
    assert_eq!(singletons.estimate(), None);
    assert_eq!(IccSums::default().estimate(), None);
}

#[test]
fn kish_design_effect_uses_the_size_weighted_mean_class_size() {
    // Classes of 20, 25 and 18 pupils: Σn² = 1349, n = 63, m̃ = 21.4127;
    // with the ICC above: python3 -c "print(1+(1349/63-1)*0.061640346691653844)"
    // → 2.258245807070902
    close(
        kish_design_effect(63, 1349, 0.061_640_346_691_653_844),
        2.258_245_807_070_902,
        1e-12,
    );
    // Every pupil in a class of one, no ICC, a negative ICC, nonsense.
    assert_eq!(kish_design_effect(63, 63, 0.06), 1.0);
    assert_eq!(kish_design_effect(63, 1349, 0.0), 1.0);
    assert_eq!(kish_design_effect(63, 1349, -0.05), 1.0);
    assert_eq!(kish_design_effect(63, 10, 0.06), 1.0);
    assert_eq!(kish_design_effect(0, 0, 0.06), 1.0);
    assert_eq!(kish_design_effect(63, 1349, f64::NAN), 1.0);
}

#[test]
fn clustered_newcombe_and_z_test_match_an_independent_computation() {
    // Wilson on the effective sample sizes (statsmodels 0.15), combined by
    // Newcombe's formula; the z-test with deff-inflated variances (SciPy):
    // python3 -c "from statsmodels.stats.proportion import proportion_confint as ci; from scipy.stats import norm; import math; ga,na,da,gb,nb,db=60,200,1.8,700,3800,2.2; pa,pb,ea,eb=ga/na,gb/nb,na/da,nb/db; la,ua=ci(pa*ea,ea,method='wilson'); lb,ub=ci(pb*eb,eb,method='wilson'); d=pa-pb; q=(ga+gb)/(na+nb); z=(pa-pb)/math.sqrt(q*(1-q)*(da/na+db/nb)); print(d-math.sqrt((pa-la)**2+(ub-pb)**2), d+math.sqrt((ua-pa)**2+(pb-lb)**2), z, 2*norm.sf(abs(z)))"
    // → 0.03614153066884855 0.20819760653778327 3.015719029428918 0.002563707022028468
    let (a, b) = (clustered(60, 200, 1.8), clustered(700, 3800, 2.2));
    let ci = newcombe_difference_interval_clustered(a, b, CONFIDENCE_95).expect("valid");
    close(ci.lower, 0.036_141_530_668_848_55, 1e-9);
    close(ci.upper, 0.208_197_606_537_783_27, 1e-9);
    let test = two_proportion_z_test_clustered(a, b).expect("valid");
    close(test.z, 3.015_719_029_428_918, 1e-9);
    close(test.p_value, 0.002_563_707_022_028_468, 1e-9);
}

#[test]
fn a_design_effect_of_one_is_simple_random_sampling() {
    let (a, b) = (p(60, 200), p(700, 3800));
    let (ca, cb) = (
        ClusteredProportion::simple(a),
        ClusteredProportion::simple(b),
    );
    assert_eq!(
        newcombe_difference_interval_clustered(ca, cb, CONFIDENCE_95),
        newcombe_difference_interval(a, b, CONFIDENCE_95)
    );
    let (clustered_test, plain) = (
        two_proportion_z_test_clustered(ca, cb).expect("valid"),
        two_proportion_z_test(a, b).expect("valid"),
    );
    close(clustered_test.z, plain.z, 1e-12);
    close(clustered_test.p_value, plain.p_value, 1e-12);
    assert_eq!(
        ca.wilson_interval(CONFIDENCE_95),
        a.wilson_interval(CONFIDENCE_95)
    );
}

#[test]
fn clustering_widens_and_weakens() {
    let (a, b) = (p(60, 200), p(700, 3800));
    let plain = newcombe_difference_interval(a, b, CONFIDENCE_95).expect("valid");
    let wide = newcombe_difference_interval_clustered(
        clustered(60, 200, 2.0),
        clustered(700, 3800, 2.0),
        CONFIDENCE_95,
    )
    .expect("valid");
    assert!(wide.lower < plain.lower && wide.upper > plain.upper);
    let weak = two_proportion_z_test_clustered(clustered(60, 200, 2.0), clustered(700, 3800, 2.0))
        .expect("valid");
    let strong = two_proportion_z_test(a, b).expect("valid");
    assert!(weak.p_value > strong.p_value);
}

#[test]
fn score_test_against_a_value_inflates_the_variance() {
    // python3 -c "from scipy.stats import norm; import math; k,n,d,p0=40,150,1.6,0.18; z=(k/n-p0)/math.sqrt(d*p0*(1-p0)/n); print(z, 2*norm.sf(abs(z)))"
    // → 2.1842108127274282 0.028946760755756074
    let test = score_test_against_value_clustered(clustered(40, 150, 1.6), 0.18).expect("valid");
    close(test.z, 2.184_210_812_727_428_2, 1e-12);
    close(test.p_value, 0.028_946_760_755_756_074, 1e-9);
    assert_eq!(
        score_test_against_value_clustered(clustered(40, 150, 1.6), 0.0),
        None
    );
    assert_eq!(
        score_test_against_value_clustered(clustered(40, 150, 0.0), 0.18),
        None
    );
    assert_eq!(
        score_test_against_value_clustered(clustered(0, 0, 1.6), 0.18),
        None
    );
}

#[test]
fn both_shares_at_zero_give_no_evidence() {
    let test = two_proportion_z_test_clustered(clustered(0, 50, 1.5), clustered(0, 300, 2.0))
        .expect("valid");
    assert_eq!((test.z, test.p_value), (0.0, 1.0));
    assert_eq!(
        two_proportion_z_test_clustered(clustered(5, 50, f64::NAN), clustered(0, 300, 2.0)),
        None
    );
}
