//! Exact binomial tests of a single proportion against a reference value,
//! reproducing `scipy.stats.binomtest`.

use statrs::distribution::{Binomial, Discrete, DiscreteCDF};

/// Validates the arguments shared by all binomial tests (SciPy's rules:
/// `n >= 1`, `count <= n`, `0 <= p0 <= 1`).
fn distribution(count: u64, n: u64, p0: f64) -> Option<Binomial> {
    if n == 0 || count > n || !(0.0..=1.0).contains(&p0) {
        return None;
    }
    Binomial::new(p0, n).ok()
}

/// `P(X <= x)`, with `P(X <= -1) = 0`.
fn cdf(dist: &Binomial, x: i128) -> f64 {
    if x < 0 { 0.0 } else { dist.cdf(x as u64) }
}

/// `P(X > x)`, with `P(X > -1) = 1`.
fn sf(dist: &Binomial, x: i128) -> f64 {
    if x < 0 { 1.0 } else { dist.sf(x as u64) }
}

fn pmf(dist: &Binomial, x: i128) -> f64 {
    if x < 0 { 0.0 } else { dist.pmf(x as u64) }
}

/// SciPy's `_binary_search_for_binom_tst`: for `a` ascending on `[lo, hi]`,
/// the index `i` with `a(i) <= d < a(i + 1)` (may be `lo − 1`).
fn binary_search(a: impl Fn(i128) -> f64, d: f64, mut lo: i128, mut hi: i128) -> i128 {
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let midval = a(mid);
        if midval < d {
            lo = mid + 1;
        } else if midval > d {
            hi = mid - 1;
        } else {
            return mid;
        }
    }
    if a(lo) <= d { lo } else { lo - 1 }
}

/// Two-sided exact binomial test of `H₀: p = p0` for `count` successes in `n`
/// trials, exactly as `scipy.stats.binomtest(count, n, p0,
/// alternative='two-sided').pvalue`:
///
/// the p-value is the total probability, under H₀, of all outcomes whose
/// probability is ≤ that of the observed outcome, `P(X = count)·(1 + 10⁻⁷)`
/// (the relative tolerance guards against rounding ties). The outcomes on the
/// far side of the mode are located by binary search; both tails are then
/// summed with the binomial CDF / survival function. If `count = n·p0` the
/// p-value is 1. The result is capped at 1.
///
/// `None` if `n = 0`, `count > n` or `p0` is NaN or outside `[0, 1]`.
/// (Binomial tails come from `statrs`' regularised incomplete beta function,
/// validated against SciPy for n up to 5 000; accuracy degrades for
/// n ≳ 10⁵.)
#[must_use]
pub fn binomial_test_two_sided(count: u64, n: u64, p0: f64) -> Option<f64> {
    let dist = distribution(count, n, p0)?;
    let (k, n_i) = (i128::from(count), i128::from(n));
    let expected = p0 * n as f64;
    let d = dist.pmf(count);
    let rerr = 1.0 + 1e-7;
    let k_f = count as f64;
    let p_value = if k_f == expected {
        1.0
    } else if k_f < expected {
        let lo = expected.ceil() as i128;
        let ix = binary_search(|x| -pmf(&dist, x), -d * rerr, lo, n_i);
        let y = n_i - ix + i128::from(d * rerr == pmf(&dist, ix));
        cdf(&dist, k) + sf(&dist, n_i - y)
    } else {
        let hi = expected.floor() as i128;
        let ix = binary_search(|x| pmf(&dist, x), d * rerr, 0, hi);
        let y = ix + 1;
        cdf(&dist, y - 1) + sf(&dist, k - 1)
    };
    Some(p_value.clamp(0.0, 1.0))
}

/// One-sided exact binomial test of `H₀: p <= p0` against `p > p0`:
/// `P(X >= count)` under `Binomial(n, p0)`, as `scipy.stats.binomtest(count,
/// n, p0, alternative='greater').pvalue`. `None` as for
/// [`binomial_test_two_sided`].
#[must_use]
pub fn binomial_test_greater(count: u64, n: u64, p0: f64) -> Option<f64> {
    let dist = distribution(count, n, p0)?;
    Some(sf(&dist, i128::from(count) - 1).clamp(0.0, 1.0))
}

/// One-sided exact binomial test of `H₀: p >= p0` against `p < p0`:
/// `P(X <= count)` under `Binomial(n, p0)`, as `scipy.stats.binomtest(count,
/// n, p0, alternative='less').pvalue`. `None` as for
/// [`binomial_test_two_sided`].
#[must_use]
pub fn binomial_test_less(count: u64, n: u64, p0: f64) -> Option<f64> {
    let dist = distribution(count, n, p0)?;
    Some(cdf(&dist, i128::from(count)).clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::super::tolerance::{RELATIVE_P, SPECIAL_FUNCTION};
    use super::*;
    use approx::{assert_abs_diff_eq, assert_relative_eq};

    #[test]
    fn two_sided_matches_scipy() {
        // python3 -c "from scipy.stats import binomtest as b; print([b(k, n, p).pvalue for k, n, p in [(3, 15, 0.1), (7, 20, 0.5), (3, 10, 0.5), (0, 10, 0.3), (10, 10, 0.3), (2, 20, 0.27), (31, 50, 0.42), (5190, 10000, 0.5), (4890, 10000, 0.5)]])"
        // → [0.18406106910639106, 0.26317596435546875, 0.34375, 0.0388396033, 5.9048999999999975e-06, 0.1274886284573578, 0.005920217055131483, 0.00015039137291164258, 0.028519212088874032]
        let cases = [
            (3, 15, 0.1, 0.18406106910639106),
            (7, 20, 0.5, 0.26317596435546875),
            // pmf(3) == pmf(7): the tie tolerance puts 7..=10 in the far tail.
            (3, 10, 0.5, 0.34375),
            (0, 10, 0.3, 0.0388396033),
            (10, 10, 0.3, 5.9048999999999975e-06),
            (2, 20, 0.27, 0.1274886284573578),
            (31, 50, 0.42, 0.005920217055131483),
            (5190, 10000, 0.5, 0.00015039137291164258),
            (4890, 10000, 0.5, 0.028519212088874032),
        ];
        for (k, n, p0, expected) in cases {
            let got = binomial_test_two_sided(k, n, p0).unwrap();
            assert_relative_eq!(got, expected, max_relative = RELATIVE_P);
        }
    }

    #[test]
    fn two_sided_edge_cases_match_scipy() {
        // python3 -c "from scipy.stats import binomtest as b; print([b(k, n, p).pvalue for k, n, p in [(5, 10, 0.5), (0, 1, 0.5), (1, 1, 0.5), (0, 4, 0.0), (3, 4, 0.0), (4, 4, 1.0), (3, 4, 1.0), (1, 3, 1/3)]])"
        // → [1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0]
        let cases = [
            (5, 10, 0.5, 1.0),
            (0, 1, 0.5, 1.0),
            (1, 1, 0.5, 1.0),
            (0, 4, 0.0, 1.0),
            (3, 4, 0.0, 0.0),
            (4, 4, 1.0, 1.0),
            (3, 4, 1.0, 0.0),
            (1, 3, 1.0 / 3.0, 1.0),
        ];
        for (k, n, p0, expected) in cases {
            let got = binomial_test_two_sided(k, n, p0).unwrap();
            assert_abs_diff_eq!(got, expected, epsilon = SPECIAL_FUNCTION);
        }
    }

    #[test]
    fn greater_matches_scipy() {
        // python3 -c "from scipy.stats import binomtest as b; print([b(k, n, p, alternative='greater').pvalue for k, n, p in [(3, 15, 0.1), (7, 20, 0.5), (0, 10, 0.3), (10, 10, 0.3), (31, 50, 0.42), (5190, 10000, 0.5)]])"
        // → [0.18406106910639106, 0.9423408508300781, 1.0, 5.9048999999999975e-06, 0.003441127619785418, 7.519568645582129e-05]
        let cases = [
            (3, 15, 0.1, 0.18406106910639106),
            (7, 20, 0.5, 0.9423408508300781),
            (0, 10, 0.3, 1.0),
            (10, 10, 0.3, 5.9048999999999975e-06),
            (31, 50, 0.42, 0.003441127619785418),
            (5190, 10000, 0.5, 7.519568645582129e-05),
        ];
        for (k, n, p0, expected) in cases {
            let got = binomial_test_greater(k, n, p0).unwrap();
            assert_relative_eq!(got, expected, max_relative = RELATIVE_P);
        }
    }

    #[test]
    fn less_matches_scipy() {
        // python3 -c "from scipy.stats import binomtest as b; print([b(k, n, p, alternative='less').pvalue for k, n, p in [(3, 15, 0.1), (7, 20, 0.5), (10, 10, 0.3), (4890, 10000, 0.5)]])"
        // → [0.944444369992464, 0.13158798217773438, 1.0, 0.014259606044437016]
        let cases = [
            (3, 15, 0.1, 0.944444369992464),
            (7, 20, 0.5, 0.13158798217773438),
            (10, 10, 0.3, 1.0),
            (4890, 10000, 0.5, 0.014259606044437016),
        ];
        for (k, n, p0, expected) in cases {
            let got = binomial_test_less(k, n, p0).unwrap();
            assert_relative_eq!(got, expected, max_relative = RELATIVE_P);
        }
    }

    #[test]
    fn invalid_input_is_none() {
        for f in [
            binomial_test_two_sided,
            binomial_test_greater,
            binomial_test_less,
        ] {
            assert_eq!(f(0, 0, 0.5), None);
            assert_eq!(f(3, 2, 0.5), None);
            assert_eq!(f(1, 2, f64::NAN), None);
            assert_eq!(f(1, 2, -0.1), None);
            assert_eq!(f(1, 2, 1.1), None);
        }
    }

    #[test]
    fn huge_n_terminates_without_panicking() {
        let p = binomial_test_two_sided(0, u64::MAX, 0.5).unwrap();
        assert!((0.0..=1.0).contains(&p));
        let p = binomial_test_two_sided(5_003_000, 10_000_000, 0.5).unwrap();
        assert!((0.0..=1.0).contains(&p));
    }
}
