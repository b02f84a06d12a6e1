//! The beta distribution: cdf, upper tail, quantile and density.
//!
//! Tails are the regularised incomplete beta ratio I_x(a, b) and its complement, both
//! computed directly by TOMS 708 (the algorithm of R's `pbeta`).

use super::special::{Support, Tail, incomplete_beta, ln_beta, quantile_search};
use super::{Result, check_number, check_positive_finite, check_probability};

/// P(X ≤ x) for X ~ Beta(a, b); R: `pbeta(x, a, b)`.
///
/// # Formula
/// I_x(a, b) = B(x; a, b) / B(a, b).
///
/// # References
/// DiDonato, A. R. & Morris, A. H. (1992). Algorithm 708: Significant digit
/// computation of the incomplete beta function ratios. *ACM TOMS* 18, 360–373.
///
/// # Errors
/// `a` or `b` is not positive and finite; `x` is NaN.
pub fn cdf(x: f64, a: f64, b: f64) -> Result<f64> {
    Ok(tails(x, a, b)?.0)
}

/// P(X > x) = I_{1−x}(b, a), computed directly; R: `pbeta(x, a, b, lower.tail = FALSE)`.
///
/// # Errors
/// As [`cdf`].
pub fn sf(x: f64, a: f64, b: f64) -> Result<f64> {
    Ok(tails(x, a, b)?.1)
}

/// Density x^(a−1)(1−x)^(b−1)/B(a, b); R: `dbeta(x, a, b)`.
///
/// # Errors
/// As [`cdf`].
pub fn pdf(x: f64, a: f64, b: f64) -> Result<f64> {
    check_params(a, b)?;
    check_number("x", x)?;
    if !(0.0..=1.0).contains(&x) {
        return Ok(0.0);
    }
    Ok(((a - 1.0) * x.ln() + (b - 1.0) * (-x).ln_1p() - ln_beta(a, b)).exp())
}

/// The x with I_x(a, b) = p; R: `qbeta(p, a, b)`.
///
/// # Formula
/// Root of ln I_x(a, b) = ln p (or of the upper tail when p > ½) in the logit of x,
/// bracketed and refined by Brent's method.
///
/// # Errors
/// `a` or `b` is not positive and finite; `p` is not a probability.
pub fn quantile(p: f64, a: f64, b: f64) -> Result<f64> {
    check_probability("p", p)?;
    check_params(a, b)?;
    solve(p, Tail::Lower, a, b)
}

/// The x with P(X > x) = q, without forming 1 − q; R: `qbeta(q, a, b, lower.tail = FALSE)`.
///
/// # Errors
/// As [`quantile`].
pub fn upper_quantile(q: f64, a: f64, b: f64) -> Result<f64> {
    check_probability("q", q)?;
    check_params(a, b)?;
    solve(q, Tail::Upper, a, b)
}

fn check_params(a: f64, b: f64) -> Result<()> {
    check_positive_finite("shape a", a)?;
    check_positive_finite("shape b", b)?;
    Ok(())
}

/// (P(X ≤ x), P(X > x)), each computed directly.
pub(crate) fn tails(x: f64, a: f64, b: f64) -> Result<(f64, f64)> {
    check_params(a, b)?;
    check_number("x", x)?;
    if x <= 0.0 {
        return Ok((0.0, 1.0));
    }
    if x >= 1.0 {
        return Ok((1.0, 0.0));
    }
    incomplete_beta(a, b, x, 0.5 - x + 0.5)
}

fn solve(prob: f64, tail: Tail, a: f64, b: f64) -> Result<f64> {
    let (at_zero, at_one) = match tail {
        Tail::Lower => (0.0, 1.0),
        Tail::Upper => (1.0, 0.0),
    };
    if prob == 0.0 {
        return Ok(at_zero);
    }
    if prob == 1.0 {
        return Ok(at_one);
    }
    let mean = a / (a + b);
    quantile_search(prob, tail, Support::Unit, mean, |x| tails(x, a, b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::prec::assert_close;

    #[test]
    fn round_trips() {
        for (a, b) in [
            (0.5, 30.0),
            (1.0, 1.0),
            (2.0, 5.0),
            (1e4, 3e4),
            (0.01, 0.02),
        ] {
            for p in [1e-250, 1e-6, 0.3, 0.5, 0.95] {
                let x = quantile(p, a, b).unwrap();
                if x > 1e-300 && x < 1.0 - 1e-15 {
                    assert_close(cdf(x, a, b).unwrap(), p, 1e-11, "lower");
                }
                let x = upper_quantile(p, a, b).unwrap();
                if x > 1e-300 && x < 1.0 - 1e-15 {
                    assert_close(sf(x, a, b).unwrap(), p, 1e-11, "upper");
                }
            }
        }
    }

    #[test]
    fn rejects_bad_arguments() {
        assert_eq!(
            cdf(0.5, 0.0, 1.0).unwrap_err().to_string(),
            "shape a must be positive, got 0"
        );
        assert!(quantile(0.5, 1.0, f64::INFINITY).is_err());
        assert!(quantile(f64::NAN, 1.0, 2.0).is_err());
    }
}
