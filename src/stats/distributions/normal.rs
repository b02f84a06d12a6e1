//! The standard normal distribution: cdf, upper tail, quantile and density, and their
//! log-scale forms (R's `log.p = TRUE`).
//!
//! Tails come from Cody's rational Chebyshev approximations (the algorithm behind
//! R's `pnorm`), the quantile from statrs' inverse error function polished by Newton
//! steps on ln Φ, which gives full relative precision down to p = 1e-300.

use super::special::{ln_normal_cdf, ln_normal_pdf};
use super::{Result, check_number, check_probability};

/// P(Z ≤ z) for a standard normal Z; R: `pnorm(z)`.
///
/// # Formula
/// Φ(z) = ∫_{−∞}^{z} exp(−u²/2)/√(2π) du, the smaller tail computed directly.
///
/// # References
/// Cody, W. J. (1969). Rational Chebyshev approximations for the error function.
/// *Mathematics of Computation* 23, 631–637.
///
/// # Errors
/// `z` is NaN.
pub fn cdf(z: f64) -> Result<f64> {
    check_number("z", z)?;
    Ok(both_tails(z).0)
}

/// P(Z > z), computed directly; R: `pnorm(z, lower.tail = FALSE)`.
///
/// # Errors
/// `z` is NaN.
pub fn sf(z: f64) -> Result<f64> {
    check_number("z", z)?;
    Ok(both_tails(z).1)
}

/// Standard normal density φ(z) = exp(−z²/2)/√(2π); R: `dnorm(z)`.
///
/// # Errors
/// `z` is NaN.
pub fn pdf(z: f64) -> Result<f64> {
    check_number("z", z)?;
    Ok(ln_normal_pdf(z).exp())
}

/// The z with Φ(z) = p; R: `qnorm(p)`. p = 0 and 1 give −∞ and +∞.
///
/// # Formula
/// Start from √2·erfinv(2p − 1) (statrs), then Newton steps on ln Φ(z) = ln p.
///
/// # References
/// Wichura, M. J. (1988). Algorithm AS 241: The percentage points of the normal
/// distribution. *Applied Statistics* 37, 477–484 (the algorithm R uses; this
/// implementation agrees with it to rounding).
///
/// # Errors
/// `p` is not a probability.
pub fn quantile(p: f64) -> Result<f64> {
    check_probability("p", p)?;
    Ok(if p <= 0.5 {
        lower_tail_quantile(p)
    } else {
        -lower_tail_quantile(0.5 - p + 0.5)
    })
}

/// The z with P(Z > z) = q, computed without forming 1 − q; R:
/// `qnorm(q, lower.tail = FALSE)`.
///
/// # Errors
/// `q` is not a probability.
pub fn upper_quantile(q: f64) -> Result<f64> {
    check_probability("q", q)?;
    Ok(if q <= 0.5 {
        -lower_tail_quantile(q)
    } else {
        lower_tail_quantile(0.5 - q + 0.5)
    })
}

/// ln Φ(z), accurate where Φ(z) itself underflows; R: `pnorm(z, log.p = TRUE)`
/// (pnorm(−40, log.p = TRUE) is −804.608…, not the log of an underflowed zero).
///
/// # Formula
/// ln of Cody's Φ(z) down to z = −37; below, ln(erfcx(|z|/√2)/2) − z²/2 with z² split
/// exactly; above 0, ln1p(−Q(z)) with the upper tail Q computed directly.
///
/// # Errors
/// `z` is NaN.
pub fn ln_cdf(z: f64) -> Result<f64> {
    check_number("z", z)?;
    Ok(ln_normal_cdf(z))
}

/// ln P(Z > z); R: `pnorm(z, lower.tail = FALSE, log.p = TRUE)`.
///
/// # Errors
/// `z` is NaN.
pub fn ln_sf(z: f64) -> Result<f64> {
    check_number("z", z)?;
    Ok(ln_normal_cdf(-z))
}

/// The z with ln Φ(z) = `ln_p`, for probabilities far below the smallest double;
/// R: `qnorm(ln_p, log.p = TRUE)`. `ln_p` = −∞ and 0 give −∞ and +∞.
///
/// # Formula
/// Above ln ½, the upper-tail quantile of −expm1(ln p) (no 1 − p formed); down to
/// ln 1e-300, [`quantile`] of e^ln_p as the start, else the asymptotic
/// z ≈ −√(−2 ln p − ln(−2 ln p) − ln 2π); then Newton steps on ln Φ(z) = ln p.
///
/// # Errors
/// `ln_p` is NaN or positive.
pub fn quantile_ln(ln_p: f64) -> Result<f64> {
    check_number("ln_p", ln_p)?;
    if ln_p > 0.0 {
        return Err(super::DistributionError::NotAProbability {
            name: "exp(ln_p)",
            value: ln_p.exp(),
        });
    }
    if ln_p == f64::NEG_INFINITY {
        return Ok(f64::NEG_INFINITY);
    }
    if ln_p > -std::f64::consts::LN_2 {
        return upper_quantile(-ln_p.exp_m1());
    }
    let mut z = if ln_p > -690.0 {
        lower_tail_quantile(ln_p.exp())
    } else {
        let t = -2.0 * ln_p;
        -(t - t.ln() - (2.0 * std::f64::consts::PI).ln()).sqrt()
    };
    for _ in 0..8 {
        let ln_cdf = ln_normal_cdf(z);
        let slope = (ln_normal_pdf(z) - ln_cdf).exp();
        let step = (ln_cdf - ln_p) / slope;
        z -= step;
        if step.abs() <= 1e-16 * z.abs() {
            break;
        }
    }
    Ok(z)
}

/// (Φ(z), 1 − Φ(z)), each computed directly.
pub(crate) fn both_tails(z: f64) -> (f64, f64) {
    if z == f64::INFINITY {
        return (1.0, 0.0);
    }
    if z == f64::NEG_INFINITY {
        return (0.0, 1.0);
    }
    cdflib::special::cumnor(z)
}

/// The quantile for 0 ≤ p ≤ 0.5.
fn lower_tail_quantile(p: f64) -> f64 {
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 0.5 {
        return 0.0;
    }
    use statrs::distribution::{ContinuousCDF, Normal};
    let mut z = Normal::standard().inverse_cdf(p);
    let ln_p = p.ln();
    for _ in 0..3 {
        let ln_cdf = ln_normal_cdf(z);
        // d ln Φ / dz = φ(z) / Φ(z).
        let slope = (ln_normal_pdf(z) - ln_cdf).exp();
        let step = (ln_cdf - ln_p) / slope;
        z -= step;
        if step.abs() <= 1e-16 * z.abs() {
            break;
        }
    }
    z
}

#[cfg(test)]
mod tests {
    #![allow(clippy::excessive_precision)] // R values printed with 17 digits
    use super::*;
    use crate::stats::prec::{PARITY, assert_close};

    /// R 4.2.2: `sprintf("%.17g", c(pnorm(-1.96), pnorm(-38), qnorm(1e-300), qnorm(0.975)))`.
    #[test]
    fn matches_r_spot_values() {
        assert_close(
            cdf(-1.96).unwrap(),
            0.024997895148220428,
            PARITY,
            "pnorm(-1.96)",
        );
        assert_close(sf(1.96).unwrap(), 0.024997895148220428, PARITY, "upper");
        // R's pnorm underflows to 0 below z = -37.52; mpmath: ncdf(-38) = 2.8854283600687843e-316
        // (subnormal, so only ~7 digits are representable).
        assert_close(
            cdf(-38.0).unwrap(),
            2.8854283600687843e-316,
            1e-6,
            "subnormal",
        );
        assert_close(
            quantile(1e-300).unwrap(),
            -37.047096299361201,
            PARITY,
            "qnorm(1e-300)",
        );
        assert_close(
            quantile(0.975).unwrap(),
            1.9599639845400536,
            PARITY,
            "qnorm(0.975)",
        );
        assert_close(
            upper_quantile(1e-300).unwrap(),
            37.047096299361201,
            PARITY,
            "upper q",
        );
    }

    #[test]
    fn rejects_bad_arguments() {
        assert!(cdf(f64::NAN).is_err());
        assert!(quantile(1.5).is_err());
        assert!(upper_quantile(-0.1).is_err());
        assert_eq!(quantile(0.0).unwrap(), f64::NEG_INFINITY);
        assert_eq!(upper_quantile(0.0).unwrap(), f64::INFINITY);
    }
}
