//! The F (Fisher–Snedecor) distribution: cdf, upper tail, quantile and density.
//!
//! Tails come from the regularised incomplete beta function (TOMS 708), which keeps
//! both tails accurate for every d1 and d2 (statrs 0.19.1's cdf and sf do not sum to
//! one for small d1). `d2 = ∞` gives χ²(d1)/d1, as in R.

use super::chi_squared;
use super::special::{Support, Tail, incomplete_beta, ln_beta, quantile_search};
use super::{Result, check_number, check_positive, check_positive_finite, check_probability};

/// P(F ≤ f) for F ~ F(d1, d2); R: `pf(f, d1, d2)`.
///
/// # Formula
/// P(F ≤ f) = I_x(d1/2, d2/2) with x = d1·f/(d1·f + d2); the upper tail is
/// I_{1−x}(d2/2, d1/2), with 1 − x = d2/(d1·f + d2) formed directly.
///
/// # References
/// Abramowitz, M. & Stegun, I. A. (1964). *Handbook of Mathematical Functions*, 26.6.2.
/// DiDonato, A. R. & Morris, A. H. (1992). Algorithm 708. *ACM TOMS* 18, 360–373.
///
/// # Errors
/// `d1` is not positive and finite; `d2` is not positive; `f` is NaN.
pub fn cdf(f: f64, d1: f64, d2: f64) -> Result<f64> {
    Ok(tails(f, d1, d2)?.0)
}

/// P(F > f), computed directly; R: `pf(f, d1, d2, lower.tail = FALSE)`.
///
/// # Errors
/// As [`cdf`].
pub fn sf(f: f64, d1: f64, d2: f64) -> Result<f64> {
    Ok(tails(f, d1, d2)?.1)
}

/// Density; R: `df(f, d1, d2)`.
///
/// # Formula
/// p(f) = (d1/d2)^(d1/2)·f^(d1/2 − 1)·(1 + d1·f/d2)^(−(d1+d2)/2) / B(d1/2, d2/2).
///
/// # Errors
/// As [`cdf`].
pub fn pdf(f: f64, d1: f64, d2: f64) -> Result<f64> {
    check_params(d1, d2)?;
    check_number("f", f)?;
    if d2 == f64::INFINITY {
        return Ok(d1 * chi_squared::pdf(d1 * f, d1)?);
    }
    if f < 0.0 || f == f64::INFINITY {
        return Ok(0.0);
    }
    let (a, b) = (0.5 * d1, 0.5 * d2);
    let ln =
        a * (d1 / d2).ln() + (a - 1.0) * f.ln() - (a + b) * (d1 * f / d2).ln_1p() - ln_beta(a, b);
    Ok(ln.exp())
}

/// The f with P(F ≤ f) = p; R: `qf(p, d1, d2)`. More accurate than R where R's
/// `(1/qbeta(...) − 1)·d2/d1` cancels (small d1·f/d2: `qf(1e-8, 1, 1)` is 5 % off in R).
///
/// # Formula
/// Root of ln(tail(x)) = ln(p) (the smaller tail), bracketed geometrically from a
/// χ²(d1)/d1 start and refined by Brent's method in ln x.
///
/// # References
/// Brent, R. P. (1973). *Algorithms for Minimization without Derivatives*, ch. 4.
///
/// # Errors
/// Invalid degrees of freedom; `p` is not a probability.
pub fn quantile(p: f64, d1: f64, d2: f64) -> Result<f64> {
    check_probability("p", p)?;
    check_params(d1, d2)?;
    solve(p, Tail::Lower, d1, d2)
}

/// The f with P(F > f) = q, without forming 1 − q; R: `qf(q, d1, d2, lower.tail = FALSE)`.
///
/// # Errors
/// As [`quantile`].
pub fn upper_quantile(q: f64, d1: f64, d2: f64) -> Result<f64> {
    check_probability("q", q)?;
    check_params(d1, d2)?;
    solve(q, Tail::Upper, d1, d2)
}

fn check_params(d1: f64, d2: f64) -> Result<()> {
    check_positive_finite("numerator degrees of freedom", d1)?;
    check_positive("denominator degrees of freedom", d2)?;
    Ok(())
}

/// (P(F ≤ f), P(F > f)), each computed directly.
pub(crate) fn tails(f: f64, d1: f64, d2: f64) -> Result<(f64, f64)> {
    check_params(d1, d2)?;
    check_number("f", f)?;
    if f <= 0.0 {
        return Ok((0.0, 1.0));
    }
    if f == f64::INFINITY {
        return Ok((1.0, 0.0));
    }
    if d2 == f64::INFINITY {
        return chi_squared::tails(d1 * f, d1);
    }
    let d1f = d1 * f;
    let (x, y) = if d1f.is_finite() && d1f + d2 < f64::INFINITY {
        (d1f / (d1f + d2), d2 / (d1f + d2))
    } else {
        (1.0, (d2 / d1) / f)
    };
    incomplete_beta(0.5 * d1, 0.5 * d2, x, y)
}

fn solve(prob: f64, tail: Tail, d1: f64, d2: f64) -> Result<f64> {
    let (at_zero, at_one) = match tail {
        Tail::Lower => (0.0, f64::INFINITY),
        Tail::Upper => (f64::INFINITY, 0.0),
    };
    if prob == 0.0 {
        return Ok(at_zero);
    }
    if prob == 1.0 {
        return Ok(at_one);
    }
    // Start from the chi-square quantile over d1 (the d2 = ∞ limit); the bracketing
    // search grows geometrically from there.
    let guess = chi_squared::wilson_hilferty(prob, tail, d1)? / d1;
    let guess = if guess.is_finite() && guess > 0.0 {
        guess
    } else {
        1.0
    };
    quantile_search(prob, tail, Support::Positive, guess, |x| tails(x, d1, d2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::prec::assert_close;

    #[test]
    fn tails_sum_to_one_for_small_d1() {
        for d1 in [0.01, 0.2, 1.0] {
            for f in [1e-8, 0.5, 3.0, 1e4] {
                let (lo, up) = tails(f, d1, 7.0).unwrap();
                assert!((lo + up - 1.0).abs() < 1e-15, "{d1} {f}");
            }
        }
    }

    #[test]
    fn round_trips() {
        for (d1, d2) in [(1.0, 1.0), (3.0, 37.0), (0.5, 1e6), (20.0, f64::INFINITY)] {
            for p in [1e-200, 0.001, 0.5, 0.99] {
                let x = quantile(p, d1, d2).unwrap();
                assert_close(cdf(x, d1, d2).unwrap(), p, 1e-12, "lower");
                let x = upper_quantile(p, d1, d2).unwrap();
                assert_close(sf(x, d1, d2).unwrap(), p, 1e-12, "upper");
            }
        }
    }

    #[test]
    fn rejects_bad_arguments() {
        assert_eq!(
            cdf(1.0, -2.0, 3.0).unwrap_err().to_string(),
            "numerator degrees of freedom must be positive, got -2"
        );
        assert!(cdf(1.0, 2.0, 0.0).is_err());
        assert!(quantile(2.0, 2.0, 3.0).is_err());
    }
}
