//! The hypergeometric distribution: probability mass (also as a log), cdf and upper
//! tail, parametrised as R's `dhyper(x, m, n, k)`: x successes among k draws without
//! replacement from an urn of m successes and n failures. Fisher's exact test and its
//! power calculations stand on these.

use super::special::ln_binomial_raw;
use super::{DistributionError, Result, check_count, check_number, floor_count};

fn check_params(m: f64, n: f64, k: f64) -> Result<()> {
    check_count("number of successes in the population", m)?;
    check_count("number of failures in the population", n)?;
    check_count("number of draws", k)?;
    if k > m + n {
        return Err(DistributionError::ExceedsLimit {
            name: "number of draws",
            value: k,
            limit_name: "population size",
            limit: m + n,
        });
    }
    Ok(())
}

/// ln P(X = x); R: `dhyper(x, m, n, k, log = TRUE)`.
///
/// # Formula
/// P(X = x) = b(x; m, p)·b(k − x; n, p) / b(k; m + n, p) with p = k/(m + n) and b the
/// binomial mass in Loader's saddle-point form, which avoids the cancellation of a
/// ratio of binomial coefficients.
///
/// # References
/// Loader, C. (2000). Fast and accurate computation of binomial probabilities.
///
/// # Errors
/// A population parameter is not a whole number ≥ 0; k > m + n; x is not a whole
/// number.
pub fn ln_pmf(x: f64, m: f64, n: f64, k: f64) -> Result<f64> {
    check_params(m, n, k)?;
    check_number("x", x)?;
    if x.is_finite() && x.fract() != 0.0 {
        return Err(DistributionError::NotWholeNumber {
            name: "x",
            value: x,
        });
    }
    Ok(ln_pmf_raw(x, m, n, k))
}

/// P(X = x); R: `dhyper(x, m, n, k)`.
///
/// # Errors
/// As [`ln_pmf`].
pub fn pmf(x: f64, m: f64, n: f64, k: f64) -> Result<f64> {
    Ok(ln_pmf(x, m, n, k)?.exp())
}

/// P(X ≤ x); R: `phyper(x, m, n, k)`. A non-integer x is floored (R's 1e-7 fuzz).
///
/// # Formula
/// The tail on the far side of the mean is summed directly as
/// P(X = x)·(1 + Σ_i Π_j ratio_j), the ratio series of R's `pdhyper`; the other tail
/// is its complement, which is then at least about one half.
///
/// # Errors
/// As [`ln_pmf`], except that x may be any number.
pub fn cdf(x: f64, m: f64, n: f64, k: f64) -> Result<f64> {
    Ok(tails(x, m, n, k)?.0)
}

/// P(X > x); R: `phyper(x, m, n, k, lower.tail = FALSE)`.
///
/// # Errors
/// As [`cdf`].
pub fn sf(x: f64, m: f64, n: f64, k: f64) -> Result<f64> {
    Ok(tails(x, m, n, k)?.1)
}

fn ln_pmf_raw(x: f64, m: f64, n: f64, k: f64) -> f64 {
    if x < 0.0 || x > k || x > m || k - x > n {
        return f64::NEG_INFINITY;
    }
    if k == 0.0 {
        return if x == 0.0 { 0.0 } else { f64::NEG_INFINITY };
    }
    let total = m + n;
    let p = k / total;
    let q = (total - k) / total;
    ln_binomial_raw(x, m, p, q) + ln_binomial_raw(k - x, n, p, q) - ln_binomial_raw(k, total, p, q)
}

/// (P(X ≤ x), P(X > x)).
pub(crate) fn tails(x: f64, m: f64, n: f64, k: f64) -> Result<(f64, f64)> {
    check_params(m, n, k)?;
    check_number("x", x)?;
    let mut x = floor_count(x);
    let (mut m, mut n) = (m, n);
    // Sum the tail beyond the mean directly: swap successes and failures when x lies
    // above the mean, as R's phyper does.
    let swapped = x * (m + n) > k * m;
    if swapped {
        std::mem::swap(&mut m, &mut n);
        x = k - x - 1.0;
    }
    let (small, large) = if x < 0.0 || x < k - n {
        (0.0, 1.0)
    } else if x >= m || x >= k {
        (1.0, 0.0)
    } else {
        let d = ln_pmf_raw(x, m, n, k).exp();
        // pdhyper: Σ_{i<x} P(X = i)/P(X = x), accumulated backwards.
        let mut sum = 0.0;
        let mut term = 1.0;
        let mut i = x;
        while i > 0.0 && term >= f64::EPSILON * sum {
            term *= i * (n - k + i) / (k + 1.0 - i) / (m + 1.0 - i);
            sum += term;
            i -= 1.0;
        }
        let lower = d * (1.0 + sum);
        (lower, 0.5 - lower + 0.5)
    };
    Ok(if swapped {
        (large, small)
    } else {
        (small, large)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::prec::assert_close;

    #[test]
    fn pmf_sums_to_one_and_to_the_tails() {
        let (m, n, k) = (30.0, 45.0, 20.0);
        let total: f64 = (0..=20).map(|x| pmf(f64::from(x), m, n, k).unwrap()).sum();
        assert_close(total, 1.0, 1e-14, "Σ pmf");
        for x in [2.0, 8.0, 15.0] {
            let below: f64 = (0..=x as i32)
                .map(|i| pmf(f64::from(i), m, n, k).unwrap())
                .sum();
            assert_close(cdf(x, m, n, k).unwrap(), below, 1e-13, "cdf");
            let above: f64 = (x as i32 + 1..=20)
                .map(|i| pmf(f64::from(i), m, n, k).unwrap())
                .sum();
            assert_close(sf(x, m, n, k).unwrap(), above, 1e-13, "sf");
        }
    }

    #[test]
    fn rejects_bad_arguments() {
        assert_eq!(
            pmf(1.0, 3.0, 4.0, 8.0).unwrap_err().to_string(),
            "number of draws (8) must not exceed population size (7)"
        );
        assert!(pmf(1.0, -3.0, 4.0, 2.0).is_err());
        assert!(pmf(0.5, 3.0, 4.0, 2.0).is_err());
        assert_eq!(pmf(5.0, 3.0, 4.0, 2.0).unwrap(), 0.0);
    }
}
