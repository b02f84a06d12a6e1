//! The exact null distributions of the Wilcoxon statistics, for scripting exact tests
//! and intervals: the signed-rank V of n non-zero differences (R's `dsignrank`,
//! `psignrank`, `qsignrank`) and the rank-sum W = U of samples of m and n (R's
//! `dwilcox`, `pwilcox`, `qwilcox`), without ties.
//!
//! # Method
//! Counting, by the recurrences in `htest::rank_dist` (the tables `wilcox.test` uses):
//! every probability is a sum of non-negative counts, so both tails keep full
//! relative precision; upper tails are summed over the tail, never formed as 1 − lower
//! (R's `pwilcox` upper tail is 1 − lower and loses relative accuracy far out).
//!
//! Sizes: m·n ≤ 10,000 for the rank sum, n ≤ 1,000 for the signed rank (the exact
//! tables grow quadratically); larger samples are an error naming the limit, where
//! the normal approximation of `wilcox.test` applies.

use super::{DistributionError, Result, check_number, check_probability};
use crate::stats::htest::rank_dist::{CountDistribution, MAX_RANK_SUM_CELLS, MAX_SIGNED_RANK_N};

fn whole(name: &'static str, value: f64) -> Result<usize> {
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 {
        Ok(value as usize)
    } else {
        Err(DistributionError::NotWholeNumber { name, value })
    }
}

fn signed_rank(n: f64) -> Result<CountDistribution> {
    let n = whole("n", n)?;
    if n < 1 {
        return Err(DistributionError::NotPositive {
            name: "n",
            value: n as f64,
        });
    }
    if n > MAX_SIGNED_RANK_N {
        return Err(DistributionError::ExceedsLimit {
            name: "n",
            value: n as f64,
            limit_name: "the largest exact signed-rank size",
            limit: MAX_SIGNED_RANK_N as f64,
        });
    }
    Ok(CountDistribution::signed_rank(n))
}

fn rank_sum(m: f64, n: f64) -> Result<CountDistribution> {
    let (m, n) = (whole("m", m)?, whole("n", n)?);
    for (name, size) in [("m", m), ("n", n)] {
        if size < 1 {
            return Err(DistributionError::NotPositive {
                name,
                value: size as f64,
            });
        }
    }
    if m * n > MAX_RANK_SUM_CELLS {
        return Err(DistributionError::ExceedsLimit {
            name: "m·n",
            value: (m * n) as f64,
            limit_name: "the largest exact rank-sum table",
            limit: MAX_RANK_SUM_CELLS as f64,
        });
    }
    Ok(CountDistribution::rank_sum(m, n))
}

/// P(V = x) for the signed-rank statistic of `n` differences; R: `dsignrank(x, n)`.
///
/// # Errors
/// `x` is NaN; `n` is not a whole number in 1..=1000.
pub fn signrank_pmf(x: f64, n: f64) -> Result<f64> {
    check_number("x", x)?;
    Ok(signed_rank(n)?.pmf(x))
}

/// P(V ≤ q); R: `psignrank(q, n)`.
///
/// # Errors
/// As [`signrank_pmf`].
pub fn signrank_cdf(q: f64, n: f64) -> Result<f64> {
    check_number("q", q)?;
    Ok(signed_rank(n)?.lower(q))
}

/// P(V > q), summed over the upper tail; R: `psignrank(q, n, lower.tail = FALSE)`.
///
/// # Errors
/// As [`signrank_pmf`].
pub fn signrank_sf(q: f64, n: f64) -> Result<f64> {
    check_number("q", q)?;
    Ok(signed_rank(n)?.upper(q))
}

/// The smallest v with P(V ≤ v) ≥ p; R: `qsignrank(p, n)` (with R's 10·ε fuzz).
///
/// # Errors
/// `p` is not a probability; `n` as in [`signrank_pmf`].
pub fn signrank_quantile(p: f64, n: f64) -> Result<f64> {
    check_probability("p", p)?;
    Ok(signed_rank(n)?.quantile(p))
}

/// P(W = x) for the rank-sum statistic of samples of `m` and `n`; R: `dwilcox(x, m, n)`.
///
/// # Errors
/// `x` is NaN; `m` or `n` is not a positive whole number; m·n above 10,000.
pub fn ranksum_pmf(x: f64, m: f64, n: f64) -> Result<f64> {
    check_number("x", x)?;
    Ok(rank_sum(m, n)?.pmf(x))
}

/// P(W ≤ q); R: `pwilcox(q, m, n)`.
///
/// # Errors
/// As [`ranksum_pmf`].
pub fn ranksum_cdf(q: f64, m: f64, n: f64) -> Result<f64> {
    check_number("q", q)?;
    Ok(rank_sum(m, n)?.lower(q))
}

/// P(W > q), summed over the upper tail; R: `pwilcox(q, m, n, lower.tail = FALSE)`.
///
/// # Errors
/// As [`ranksum_pmf`].
pub fn ranksum_sf(q: f64, m: f64, n: f64) -> Result<f64> {
    check_number("q", q)?;
    Ok(rank_sum(m, n)?.upper(q))
}

/// The smallest w with P(W ≤ w) ≥ p; R: `qwilcox(p, m, n)`.
///
/// # Errors
/// `p` is not a probability; `m`, `n` as in [`ranksum_pmf`].
pub fn ranksum_quantile(p: f64, m: f64, n: f64) -> Result<f64> {
    check_probability("p", p)?;
    Ok(rank_sum(m, n)?.quantile(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_sizes_without_a_table() {
        assert!(signrank_cdf(3.0, 0.0).is_err());
        assert!(signrank_cdf(3.0, 2.5).is_err());
        assert!(ranksum_cdf(3.0, 200.0, 200.0).is_err());
        assert_eq!(ranksum_pmf(2.5, 3.0, 4.0).unwrap(), 0.0);
    }
}
