//! Wilcoxon signed-rank (one-sample and paired) and rank-sum (Mann–Whitney) tests, with
//! the Hodges–Lehmann estimate and confidence interval, matching R's `wilcox.test`.
//!
//! In: one or two samples of finite values and [`WilcoxonOptions`]. Out: a
//! [`WilcoxonTest`].
//!
//! # Formula
//! - Signed rank: dᵢ = xᵢ − μ₀, zeros dropped, V = sum of the ranks of |dᵢ| over dᵢ > 0.
//!   Rank sum: W = U = (sum of the ranks of x − μ₀ in the pooled sample) − nₓ(nₓ + 1)/2.
//! - Exact p-values (default when n < 50, or both samples < 50, and there are no ties or
//!   zeros) from the counting distributions of `rank_dist.rs`; two-sided
//!   p = min(1, 2·min tail), taking the upper tail when the statistic is above its mean.
//! - Otherwise the normal approximation: z = (S − E[S] − c)/σ with the tie-corrected
//!   σ² = n(n + 1)(2n + 1)/24 − Σ(t³ − t)/48 (signed rank) or
//!   σ² = nₓnᵧ/12·((N + 1) − Σ(t³ − t)/(N(N − 1))) (rank sum), and continuity correction
//!   c = ±0.5 (sign of S − E[S] for two-sided, +0.5 `Greater`, −0.5 `Less`).
//! - Hodges–Lehmann estimate: the median of the Walsh averages (xᵢ + xⱼ)/2, i ≤ j (signed
//!   rank) or of the differences xᵢ − yⱼ (rank sum). Exact CI: order statistics of those
//!   at the exact quantiles (R's `qsignrank`/`qwilcox` rule). Approximate CI: the shift d
//!   at which the normal-approximation statistic of the shifted data crosses the normal
//!   quantile; the crossing is at a Walsh average or difference, found here by
//!   bisection over the doubles (at most 64 evaluations). In this case the estimate is
//!   also found by counting (the k-th Walsh average or difference by bisection), so
//!   memory stays linear in n.
//!
//! # References
//! - Wilcoxon, F. (1945). Individual comparisons by ranking methods. *Biometrics
//!   Bulletin* 1, 80–83. doi:10.2307/3001968
//! - Mann, H. B., Whitney, D. R. (1947). *Ann. Math. Statist.* 18, 50–60.
//!   doi:10.1214/aoms/1177730491
//! - Hodges, J. L., Lehmann, E. L. (1963). Estimates of location based on rank tests.
//!   *Ann. Math. Statist.* 34, 598–611. doi:10.1214/aoms/1177704172
//! - Bauer, D. F. (1972). Constructing confidence sets using rank statistics. *JASA* 67,
//!   687–690. doi:10.1080/01621459.1972.10481279
//!
//! R: `wilcox.test(x, y, alternative, mu, paired, exact, correct, conf.int, conf.level)`,
//! stats 4.2.2, with `digits.rank = Inf`. Differences: in the normal-approximation case R
//! finds the estimate and the interval limits with `uniroot(tol = 1e-4)` on a step
//! function, so its values are within ~1e-4 of the exact crossing points computed here
//! (identical to R run with `tol.root = 1e-14`); when the estimating equation is zero on
//! a whole interval R returns an arbitrary point of it, here its midpoint (the median of
//! the Walsh averages or differences). An undefined statistic (all differences zero, all
//! observations tied) is an error instead of NaN. R's warnings are returned in
//! [`WilcoxonTest::warnings`].

use std::fmt;

use serde::Serialize;

use super::dist::{pnorm, pnorm_upper, qnorm};
use super::error::TestError;
use super::format;
use super::rank_dist::{CountDistribution, MAX_RANK_SUM_CELLS, MAX_SIGNED_RANK_N};
use super::{check_conf_level, check_finite, paired_differences};
use crate::stats::estimate::Alternative;

/// Options of the Wilcoxon tests (R's defaults: two-sided, μ₀ = 0, exact chosen by size,
/// continuity correction, no interval, 95 %).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WilcoxonOptions {
    pub alternative: Alternative,
    /// Hypothesised location (signed rank) or location shift (rank sum, paired).
    pub mu: f64,
    /// Force (`Some(true)`) or forbid the exact distribution; `None` uses it when the
    /// samples are below 50. Ties or zeros always fall back to the normal approximation.
    pub exact: Option<bool>,
    /// Continuity correction in the normal approximation.
    pub correct: bool,
    /// Compute the Hodges–Lehmann estimate and its confidence interval.
    pub conf_int: bool,
    pub conf_level: f64,
}

impl Default for WilcoxonOptions {
    fn default() -> Self {
        WilcoxonOptions {
            alternative: Alternative::TwoSided,
            mu: 0.0,
            exact: None,
            correct: true,
            conf_int: false,
            conf_level: 0.95,
        }
    }
}

/// Result of a Wilcoxon test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WilcoxonTest {
    pub method: String,
    /// "V" (signed rank) or "W" (rank sum), as R names the statistic.
    pub statistic_name: &'static str,
    /// What the null value is about: "location" (one sample) or "location shift"
    /// (paired or two samples), as R names `null.value`.
    pub null_name: &'static str,
    pub statistic: f64,
    pub p_value: f64,
    /// True when the p-value comes from the exact distribution.
    pub exact: bool,
    /// The standardised statistic of the normal approximation (after correction).
    pub z: Option<f64>,
    pub null_value: f64,
    pub alternative: Alternative,
    /// Hodges–Lehmann estimate ((pseudo)median or difference in location).
    pub estimate: Option<f64>,
    /// Confidence interval; one-sided alternatives give an infinite limit.
    #[serde(serialize_with = "format::serialize_interval")]
    pub conf_int: Option<(f64, f64)>,
    /// Confidence level actually achieved (R lowers it when the requested one is not
    /// attainable with small samples).
    pub conf_level: Option<f64>,
    /// R's warnings (exact p-value impossible with ties or zeros, level not achievable).
    pub warnings: Vec<String>,
}

fn check_options(options: &WilcoxonOptions) -> Result<(), TestError> {
    if !options.mu.is_finite() {
        return Err(TestError::InvalidArgument {
            name: "mu",
            rule: "must be a finite number",
            value: options.mu,
        });
    }
    if options.conf_int {
        check_conf_level(options.conf_level)?;
    }
    Ok(())
}

/// Mid-ranks of `v` (R's `rank`, ties averaged) and the sizes of the tie groups.
fn rank(v: &[f64]) -> (Vec<f64>, Vec<usize>) {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut ranks = vec![0.0; v.len()];
    let mut ties = Vec::new();
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && v[order[j + 1]] == v[order[i]] {
            j += 1;
        }
        let r = (i + j + 2) as f64 / 2.0;
        for &k in &order[i..=j] {
            ranks[k] = r;
        }
        ties.push(j - i + 1);
        i = j + 1;
    }
    (ranks, ties)
}

fn tie_sum(ties: &[usize]) -> f64 {
    ties.iter().map(|&t| (t as f64).powi(3) - t as f64).sum()
}

fn median_sorted(v: &[f64]) -> f64 {
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn correction(correct: bool, alternative: Alternative, z: f64) -> f64 {
    if !correct {
        return 0.0;
    }
    match alternative {
        Alternative::TwoSided => {
            if z == 0.0 {
                0.0
            } else {
                0.5 * z.signum()
            }
        }
        Alternative::Greater => 0.5,
        Alternative::Less => -0.5,
    }
}

fn normal_p(z: f64, alternative: Alternative) -> f64 {
    match alternative {
        Alternative::Less => pnorm(z),
        Alternative::Greater => pnorm_upper(z),
        Alternative::TwoSided => 2.0 * pnorm(z).min(pnorm_upper(z)),
    }
}

/// Exact two-sided / one-sided p-value from a counting distribution with mean `center`.
fn exact_p(d: &CountDistribution, s: f64, center: f64, alternative: Alternative) -> f64 {
    match alternative {
        Alternative::TwoSided => {
            let p = if s > center {
                d.upper(s - 1.0)
            } else {
                d.lower(s)
            };
            (2.0 * p).min(1.0)
        }
        Alternative::Greater => d.upper(s - 1.0),
        Alternative::Less => d.lower(s),
    }
}

/// Maps doubles to integers preserving order, so that bisection over the integers
/// visits every double between two limits (at most 64 halvings).
fn ordered_key(x: f64) -> i64 {
    let bits = x.to_bits() as i64;
    if bits < 0 { bits ^ i64::MAX } else { bits }
}

fn from_ordered_key(k: i64) -> f64 {
    f64::from_bits((if k < 0 { k ^ i64::MAX } else { k }) as u64)
}

/// The smallest double d in [lo, hi] with `pred(d)`, for a predicate that is false then
/// true on [lo, hi] and true at `hi`.
fn first_true(lo: f64, hi: f64, pred: impl Fn(f64) -> bool) -> f64 {
    if pred(lo) {
        return lo;
    }
    let (mut klo, mut khi) = (i128::from(ordered_key(lo)), i128::from(ordered_key(hi)));
    while khi - klo > 1 {
        let mid = klo + (khi - klo) / 2;
        // mid lies between two i64 keys, so it is an i64.
        if pred(from_ordered_key(mid as i64)) {
            khi = mid;
        } else {
            klo = mid;
        }
    }
    from_ordered_key(khi as i64)
}

/// The k-th smallest (1-based) of the values v(i, j) over a pair set, given a count of
/// the values ≤ d, between the smallest and largest values.
fn kth_smallest(k: usize, min: f64, max: f64, count_le: impl Fn(f64) -> usize) -> f64 {
    first_true(min, max, |d| count_le(d) >= k)
}

/// Median of the values counted by `count_le` (R's `median`: the mean of the two middle
/// order statistics when their number is even).
fn median_by_count(total: usize, min: f64, max: f64, count_le: impl Fn(f64) -> usize) -> f64 {
    if total % 2 == 1 {
        kth_smallest(total.div_ceil(2), min, max, count_le)
    } else {
        let a = kth_smallest(total / 2, min, max, &count_le);
        let b = kth_smallest(total / 2 + 1, min, max, &count_le);
        (a + b) / 2.0
    }
}

/// Number of Walsh averages (xᵢ + xⱼ)/2, i ≤ j, at most `d`; `sorted` ascending.
fn walsh_count_le(sorted: &[f64], d: f64) -> usize {
    (0..sorted.len())
        .map(|i| sorted[i..].partition_point(|&v| (sorted[i] + v) / 2.0 <= d))
        .sum()
}

/// Number of differences xᵢ − yⱼ at most `d`; `y_sorted` ascending.
fn diff_count_le(x: &[f64], y_sorted: &[f64], d: f64) -> usize {
    x.iter()
        .map(|&a| y_sorted.len() - y_sorted.partition_point(|&b| a - b > d))
        .sum()
}

/// Wilcoxon signed-rank test of H0: location = `mu` (R `wilcox.test(x, mu = mu)`).
///
/// # Errors
/// An empty sample, non-finite values, invalid options, all differences from `mu` zero,
/// or a forced exact test above [`MAX_SIGNED_RANK_N`] observations.
pub fn wilcox_signed_rank(x: &[f64], options: &WilcoxonOptions) -> Result<WilcoxonTest, TestError> {
    check_options(options)?;
    check_finite("x", x)?;
    signed_rank(x, options, "location")
}

/// Paired Wilcoxon signed-rank test on x − y (R `wilcox.test(x, y, paired = TRUE)`).
///
/// # Errors
/// As [`wilcox_signed_rank`], and samples of different lengths.
pub fn wilcox_signed_rank_paired(
    x: &[f64],
    y: &[f64],
    options: &WilcoxonOptions,
) -> Result<WilcoxonTest, TestError> {
    check_options(options)?;
    let d = paired_differences(x, y)?;
    signed_rank(&d, options, "location shift")
}

fn signed_rank(
    x_in: &[f64],
    options: &WilcoxonOptions,
    null_name: &'static str,
) -> Result<WilcoxonTest, TestError> {
    if x_in.is_empty() {
        return Err(TestError::TooFewObservations {
            name: "x",
            needed: 1,
            got: 0,
        });
    }
    let mu = options.mu;
    let alternative = options.alternative;
    let shifted: Vec<f64> = x_in.iter().map(|v| v - mu).collect();
    let zeroes = shifted.contains(&0.0);
    let x: Vec<f64> = shifted.into_iter().filter(|&v| v != 0.0).collect();
    let n = x.len();
    if n == 0 {
        return Err(TestError::NotEstimable {
            what: "the signed-rank statistic",
            reason: "every difference from mu is zero, so no observation is left after dropping zeros",
        });
    }
    let nf = n as f64;
    let exact = options.exact.unwrap_or(n < 50);
    let abs: Vec<f64> = x.iter().map(|v| v.abs()).collect();
    let (r, ties) = rank(&abs);
    let statistic: f64 = r
        .iter()
        .zip(&x)
        .filter(|(_, v)| **v > 0.0)
        .map(|(r, _)| r)
        .sum();
    let has_ties = ties.len() != n;
    let mut warnings = Vec::new();
    let mut method = "Wilcoxon signed rank".to_string();
    // x + mu, as R restores it before the interval (rounding included).
    let restored: Vec<f64> = x.iter().map(|v| v + mu).collect();
    let (p_value, z, estimate, conf_int, conf_level);
    if exact && !has_ties && !zeroes {
        if n > MAX_SIGNED_RANK_N {
            return Err(TestError::InvalidArgument {
                name: "exact",
                rule: "is only available for at most 1000 non-zero differences",
                value: nf,
            });
        }
        method.push_str(" exact test");
        let dist = CountDistribution::signed_rank(n);
        p_value = exact_p(&dist, statistic, nf * (nf + 1.0) / 4.0, alternative);
        z = None;
        if options.conf_int {
            let alpha = 1.0 - options.conf_level;
            let mut walsh = Vec::with_capacity(n * (n + 1) / 2);
            for i in 0..n {
                for j in i..n {
                    walsh.push((restored[i] + restored[j]) / 2.0);
                }
            }
            walsh.sort_by(f64::total_cmp);
            let big = nf * (nf + 1.0) / 2.0;
            let at = |k: f64| walsh[k as usize - 1];
            let (ci, achieved) = match alternative {
                Alternative::TwoSided => {
                    let qu = dist.quantile(alpha / 2.0).max(1.0);
                    let ql = big - qu;
                    ((at(qu), at(ql + 1.0)), 2.0 * dist.lower(qu.trunc() - 1.0))
                }
                Alternative::Greater => {
                    let qu = dist.quantile(alpha).max(1.0);
                    ((at(qu), f64::INFINITY), dist.lower(qu.trunc() - 1.0))
                }
                Alternative::Less => {
                    let qu = dist.quantile(alpha).max(1.0);
                    let ql = big - qu;
                    (
                        (f64::NEG_INFINITY, at(ql + 1.0)),
                        dist.lower(qu.trunc() - 1.0),
                    )
                }
            };
            let mut level = options.conf_level;
            if achieved - alpha > alpha / 2.0 {
                warnings.push("requested conf.level not achievable".to_string());
                level = 1.0 - signif2(achieved);
            }
            estimate = Some(median_sorted(&walsh));
            conf_int = Some(ci);
            conf_level = Some(level);
        } else {
            (estimate, conf_int, conf_level) = (None, None, None);
        }
    } else {
        let center = statistic - nf * (nf + 1.0) / 4.0;
        let sigma = (nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0 - tie_sum(&ties) / 48.0).sqrt();
        let c = correction(options.correct, alternative, center);
        if options.correct {
            method.push_str(" test with continuity correction");
        } else {
            method.push_str(" test");
        }
        let zz = (center - c) / sigma;
        z = Some(zz);
        p_value = normal_p(zz, alternative);
        if options.conf_int {
            let (e, ci, level) = signed_rank_normal_ci(&restored, options, &mut warnings)?;
            estimate = Some(e);
            conf_int = Some(ci);
            conf_level = Some(level);
        } else {
            (estimate, conf_int, conf_level) = (None, None, None);
        }
        if exact && has_ties {
            warnings.push("cannot compute exact p-value with ties".to_string());
        }
        if exact && zeroes {
            warnings.push("cannot compute exact p-value with zeroes".to_string());
        }
    }
    Ok(WilcoxonTest {
        method,
        statistic_name: "V",
        null_name,
        statistic,
        p_value,
        exact: z.is_none(),
        z,
        null_value: mu,
        alternative,
        estimate,
        conf_int,
        conf_level,
        warnings,
    })
}

/// R's `signif(x, 2)` (fprec.c: scale by a power of ten, round half to even).
fn signif2(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let e10 = 1 - x.abs().log10().floor() as i32;
    if e10 > 0 {
        let pow10 = 10f64.powi(e10);
        (x * pow10).round_ties_even() / pow10
    } else {
        let pow10 = 10f64.powi(-e10);
        (x / pow10).round_ties_even() * pow10
    }
}

/// The standardised signed-rank statistic of `x − d` (R's `W(d)` in `wilcox.test`).
fn signed_rank_w(x: &[f64], d: f64, correct: bool, alternative: Alternative) -> Option<f64> {
    let xd: Vec<f64> = x.iter().map(|v| v - d).filter(|&v| v != 0.0).collect();
    let nx = xd.len() as f64;
    let (r, ties) = rank(&xd.iter().map(|v| v.abs()).collect::<Vec<_>>());
    let zd = r
        .iter()
        .zip(&xd)
        .filter(|(_, v)| **v > 0.0)
        .map(|(r, _)| r)
        .sum::<f64>()
        - nx * (nx + 1.0) / 4.0;
    let sigma = (nx * (nx + 1.0) * (2.0 * nx + 1.0) / 24.0 - tie_sum(&ties) / 48.0).sqrt();
    if sigma == 0.0 || sigma.is_nan() {
        return None;
    }
    Some((zd - correction(correct, alternative, zd)) / sigma)
}

fn signed_rank_normal_ci(
    x: &[f64],
    options: &WilcoxonOptions,
    warnings: &mut Vec<String>,
) -> Result<(f64, (f64, f64), f64), TestError> {
    let not_estimable = TestError::NotEstimable {
        what: "the confidence interval",
        reason: "all observations are zero or tied",
    };
    let alternative = options.alternative;
    let correct = options.correct;
    let n = x.len();
    let mumin = x.iter().copied().fold(f64::INFINITY, f64::min);
    let mumax = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let w = |d: f64| signed_rank_w(x, d, correct, alternative);
    let w_min = w(mumin).ok_or(not_estimable.clone())?;
    let w_max = w(mumax).ok_or(not_estimable.clone())?;
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median_x = median_sorted(&sorted);
    // Hodges–Lehmann: the median of the n(n + 1)/2 Walsh averages, found by counting
    // instead of forming them all (memory O(n)).
    let estimate = median_by_count(n * (n + 1) / 2, mumin, mumax, |d| {
        walsh_count_le(&sorted, d)
    });
    // W(d) − zq falls from positive to negative as d crosses a Walsh average; the root
    // is the first double where it is negative (R's uniroot converges to the same
    // point, at its tolerance).
    let root = |zq: f64| first_true(mumin, mumax, |d| w(d).is_some_and(|v| v - zq < 0.0));
    let mut alpha = 1.0 - options.conf_level;
    let conf_level = options.conf_level;
    let not_achievable = |alpha: f64| alpha >= 1.0 || 1.0 - conf_level < alpha * 0.75;
    let (ci, level) = match alternative {
        Alternative::TwoSided => {
            while w_min - qnorm(1.0 - alpha / 2.0) < 0.0 || w_max - qnorm(alpha / 2.0) > 0.0 {
                alpha *= 2.0;
            }
            let level = level_after(not_achievable(alpha), alpha, conf_level, warnings);
            let ci = if alpha < 1.0 {
                (root(qnorm(1.0 - alpha / 2.0)), root(qnorm(alpha / 2.0)))
            } else {
                (median_x, median_x)
            };
            (ci, level)
        }
        Alternative::Greater => {
            while w_min - qnorm(1.0 - alpha) < 0.0 {
                alpha *= 2.0;
            }
            let level = level_after(not_achievable(alpha), alpha, conf_level, warnings);
            let low = if alpha < 1.0 {
                root(qnorm(1.0 - alpha))
            } else {
                median_x
            };
            ((low, f64::INFINITY), level)
        }
        Alternative::Less => {
            while w_max - qnorm(alpha / 2.0) > 0.0 {
                alpha *= 2.0;
            }
            let level = level_after(not_achievable(alpha), alpha, conf_level, warnings);
            let high = if alpha < 1.0 {
                root(qnorm(alpha))
            } else {
                median_x
            };
            ((f64::NEG_INFINITY, high), level)
        }
    };
    Ok((estimate, ci, level))
}

fn level_after(
    not_achievable: bool,
    alpha: f64,
    conf_level: f64,
    warnings: &mut Vec<String>,
) -> f64 {
    if not_achievable {
        warnings.push("requested conf.level not achievable".to_string());
        1.0 - alpha.min(1.0)
    } else {
        conf_level
    }
}

/// Wilcoxon rank-sum (Mann–Whitney) test of H0: location shift = `mu` (R
/// `wilcox.test(x, y, mu = mu)`).
///
/// # Errors
/// An empty sample, non-finite values, invalid options, all observations tied (the
/// statistic's variance is zero), or a forced exact test with nₓ·nᵧ above 10 000.
pub fn wilcox_rank_sum(
    x: &[f64],
    y: &[f64],
    options: &WilcoxonOptions,
) -> Result<WilcoxonTest, TestError> {
    check_options(options)?;
    check_finite("x", x)?;
    check_finite("y", y)?;
    for (name, s) in [("x", x), ("y", y)] {
        if s.is_empty() {
            return Err(TestError::TooFewObservations {
                name,
                needed: 1,
                got: 0,
            });
        }
    }
    let mu = options.mu;
    let alternative = options.alternative;
    let (nx, ny) = (x.len() as f64, y.len() as f64);
    let pooled: Vec<f64> = x.iter().map(|v| v - mu).chain(y.iter().copied()).collect();
    let (r, ties) = rank(&pooled);
    let statistic = r[..x.len()].iter().sum::<f64>() - nx * (nx + 1.0) / 2.0;
    let has_ties = ties.len() != pooled.len();
    let exact = options.exact.unwrap_or(nx < 50.0 && ny < 50.0);
    let mut warnings = Vec::new();
    let (mut method, p_value, z, estimate, conf_int, conf_level);
    if exact && !has_ties {
        if x.len() * y.len() > MAX_RANK_SUM_CELLS {
            return Err(TestError::InvalidArgument {
                name: "exact",
                rule: "is only available when n_x·n_y ≤ 10000",
                value: nx * ny,
            });
        }
        method = "Wilcoxon rank sum exact test".to_string();
        let dist = CountDistribution::rank_sum(x.len(), y.len());
        p_value = exact_p(&dist, statistic, nx * ny / 2.0, alternative);
        z = None;
        if options.conf_int {
            let alpha = 1.0 - options.conf_level;
            let mut diffs: Vec<f64> = x
                .iter()
                .flat_map(|a| y.iter().map(move |b| a - b))
                .collect();
            diffs.sort_by(f64::total_cmp);
            let at = |k: f64| diffs[k as usize - 1];
            let (ci, achieved) = match alternative {
                Alternative::TwoSided => {
                    let qu = dist.quantile(alpha / 2.0).max(1.0);
                    let ql = nx * ny - qu;
                    ((at(qu), at(ql + 1.0)), 2.0 * dist.lower(qu.trunc() - 1.0))
                }
                Alternative::Greater => {
                    let qu = dist.quantile(alpha).max(1.0);
                    ((at(qu), f64::INFINITY), dist.lower(qu.trunc() - 1.0))
                }
                Alternative::Less => {
                    let qu = dist.quantile(alpha).max(1.0);
                    let ql = nx * ny - qu;
                    (
                        (f64::NEG_INFINITY, at(ql + 1.0)),
                        dist.lower(qu.trunc() - 1.0),
                    )
                }
            };
            let mut level = options.conf_level;
            if achieved - alpha > alpha / 2.0 {
                warnings.push("Requested conf.level not achievable".to_string());
                level = 1.0 - achieved;
            }
            estimate = Some(median_sorted(&diffs));
            conf_int = Some(ci);
            conf_level = Some(level);
        } else {
            (estimate, conf_int, conf_level) = (None, None, None);
        }
    } else {
        let n = nx + ny;
        let center = statistic - nx * ny / 2.0;
        let sigma = (nx * ny / 12.0 * ((n + 1.0) - tie_sum(&ties) / (n * (n - 1.0)))).sqrt();
        if sigma.is_nan() || sigma <= 0.0 {
            return Err(TestError::NotEstimable {
                what: "the rank-sum statistic's normal approximation",
                reason: "all observations are tied, so its variance is zero",
            });
        }
        let c = correction(options.correct, alternative, center);
        method = "Wilcoxon rank sum test".to_string();
        if options.correct {
            method.push_str(" with continuity correction");
        }
        let zz = (center - c) / sigma;
        z = Some(zz);
        p_value = normal_p(zz, alternative);
        if options.conf_int {
            let (e, ci) = rank_sum_normal_ci(x, y, options)?;
            estimate = Some(e);
            conf_int = Some(ci);
            conf_level = Some(options.conf_level);
        } else {
            (estimate, conf_int, conf_level) = (None, None, None);
        }
        if exact && has_ties {
            warnings.push("cannot compute exact p-value with ties".to_string());
        }
    }
    Ok(WilcoxonTest {
        method,
        statistic_name: "W",
        null_name: "location shift",
        statistic,
        p_value,
        exact: z.is_none(),
        z,
        null_value: mu,
        alternative,
        estimate,
        conf_int,
        conf_level,
        warnings,
    })
}

/// The standardised rank-sum statistic for a shift `d` (R's `W(d)`).
fn rank_sum_w(
    x: &[f64],
    y: &[f64],
    d: f64,
    correct: bool,
    alternative: Alternative,
) -> Option<f64> {
    let (nx, ny) = (x.len() as f64, y.len() as f64);
    let pooled: Vec<f64> = x.iter().map(|v| v - d).chain(y.iter().copied()).collect();
    let (r, ties) = rank(&pooled);
    let dz = r[..x.len()].iter().sum::<f64>() - nx * (nx + 1.0) / 2.0 - nx * ny / 2.0;
    let n = nx + ny;
    let sigma = (nx * ny / 12.0 * ((n + 1.0) - tie_sum(&ties) / (n * (n - 1.0)))).sqrt();
    if sigma.is_nan() || sigma <= 0.0 {
        return None;
    }
    Some((dz - correction(correct, alternative, dz)) / sigma)
}

fn rank_sum_normal_ci(
    x: &[f64],
    y: &[f64],
    options: &WilcoxonOptions,
) -> Result<(f64, (f64, f64)), TestError> {
    let not_estimable = TestError::NotEstimable {
        what: "the confidence interval",
        reason: "all observations are tied",
    };
    let alternative = options.alternative;
    let correct = options.correct;
    let alpha = 1.0 - options.conf_level;
    let max = |s: &[f64]| s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let min = |s: &[f64]| s.iter().copied().fold(f64::INFINITY, f64::min);
    let mumin = min(x) - max(y);
    let mumax = max(x) - min(y);
    let w = |d: f64| rank_sum_w(x, y, d, correct, alternative);
    let w_min = w(mumin).ok_or(not_estimable.clone())?;
    let w_max = w(mumax).ok_or(not_estimable.clone())?;
    let mut y_sorted = y.to_vec();
    y_sorted.sort_by(f64::total_cmp);
    // Hodges–Lehmann: the median of the nₓ·nᵧ differences, found by counting (memory
    // O(nₓ + nᵧ)).
    let estimate = median_by_count(x.len() * y.len(), mumin, mumax, |d| {
        diff_count_le(x, &y_sorted, d)
    });
    let root = |zq: f64| {
        if w_min - zq <= 0.0 {
            return mumin;
        }
        if w_max - zq >= 0.0 {
            return mumax;
        }
        first_true(mumin, mumax, |d| w(d).is_some_and(|v| v - zq < 0.0))
    };
    let ci = match alternative {
        Alternative::TwoSided => (root(qnorm(1.0 - alpha / 2.0)), root(qnorm(alpha / 2.0))),
        Alternative::Greater => (root(qnorm(1.0 - alpha)), f64::INFINITY),
        Alternative::Less => (f64::NEG_INFINITY, root(qnorm(alpha))),
    };
    Ok((estimate, ci))
}

impl fmt::Display for WilcoxonTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format::title(f, &self.method)?;
        writeln!(
            f,
            "{} = {}, p-value {}",
            self.statistic_name,
            format::sig(self.statistic, 5),
            format::pval(self.p_value)
        )?;
        format::alternative_line(f, self.null_name, self.alternative, self.null_value)?;
        if let (Some((low, high)), Some(level)) = (self.conf_int, self.conf_level) {
            format::interval(f, level, low, high)?;
        }
        if let Some(e) = self.estimate {
            let name = if self.statistic_name == "W" {
                "difference in location"
            } else {
                "(pseudo)median"
            };
            format::estimates(f, &[(name, e)])?;
        }
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_zero_differences_are_an_error() {
        let e = wilcox_signed_rank(
            &[2.0, 2.0],
            &WilcoxonOptions {
                mu: 2.0,
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(matches!(e, TestError::NotEstimable { .. }), "{e}");
    }

    #[test]
    fn all_tied_rank_sum_is_an_error() {
        let e = wilcox_rank_sum(&[1.0, 1.0], &[1.0, 1.0], &WilcoxonOptions::default()).unwrap_err();
        assert!(matches!(e, TestError::NotEstimable { .. }), "{e}");
    }

    #[test]
    fn ordered_keys_follow_the_doubles() {
        let values = [
            -1e300,
            -2.5,
            -f64::MIN_POSITIVE,
            -0.0,
            0.0,
            1e-300,
            1.0,
            3.5,
            1e308,
        ];
        for pair in values.windows(2) {
            assert!(ordered_key(pair[0]) < ordered_key(pair[1]), "{pair:?}");
        }
        for v in values {
            assert_eq!(from_ordered_key(ordered_key(v)).to_bits(), v.to_bits());
        }
        // Adjacent doubles have adjacent keys.
        assert_eq!(ordered_key(1.0) + 1, ordered_key(1.0 + f64::EPSILON));
    }

    proptest::proptest! {
        /// Counting-based order statistics equal those of the materialised, sorted set.
        #[test]
        fn counting_medians_match_sorting(
            x in proptest::collection::vec(-50i32..50, 1..25),
            y in proptest::collection::vec(-50i32..50, 1..25),
            scale in proptest::sample::select(vec![1.0, 0.1, 1e-3, 7.25])
        ) {
            let x: Vec<f64> = x.into_iter().map(|v| f64::from(v) * scale).collect();
            let y: Vec<f64> = y.into_iter().map(|v| f64::from(v) * scale).collect();
            let mut diffs: Vec<f64> = x.iter().flat_map(|a| y.iter().map(move |b| a - b)).collect();
            diffs.sort_by(f64::total_cmp);
            let mut ys = y.clone();
            ys.sort_by(f64::total_cmp);
            let (lo, hi) = (diffs[0], diffs[diffs.len() - 1]);
            for k in [1, diffs.len() / 2 + 1, diffs.len()] {
                let got = kth_smallest(k, lo, hi, |d| diff_count_le(&x, &ys, d));
                proptest::prop_assert_eq!(got, diffs[k - 1]);
            }
            let median = median_by_count(diffs.len(), lo, hi, |d| diff_count_le(&x, &ys, d));
            proptest::prop_assert_eq!(median, median_sorted(&diffs));
            let mut xs = x.clone();
            xs.sort_by(f64::total_cmp);
            let mut walsh = Vec::new();
            for i in 0..x.len() {
                for j in i..x.len() {
                    walsh.push((x[i] + x[j]) / 2.0);
                }
            }
            walsh.sort_by(f64::total_cmp);
            let median = median_by_count(walsh.len(), xs[0], xs[xs.len() - 1], |d| {
                walsh_count_le(&xs, d)
            });
            proptest::prop_assert_eq!(median, median_sorted(&walsh));
        }
    }

    #[test]
    fn mid_ranks() {
        let (r, t) = rank(&[3.0, 1.0, 3.0, 2.0]);
        assert_eq!(r, vec![3.5, 1.0, 3.5, 2.0]);
        assert_eq!(t, vec![1, 1, 2]);
    }

    #[test]
    fn signif_two_digits() {
        assert_eq!(signif2(0.0234567), 0.023);
        // R: signif(c(0.125, 0.0625, 0.0078125), 2) rounds halves to even.
        assert_eq!(signif2(0.125), 0.12);
        assert_eq!(signif2(0.0625), 0.062);
        assert_eq!(signif2(0.0078125), 0.0078);
    }
}
