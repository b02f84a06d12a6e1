//! Central distribution functions used by the tests, in one place: thin wrappers over
//! the engine's distributions module (`stats::distributions`), which validates its
//! arguments and takes upper tails directly. The tests validate degrees of freedom
//! before calling, so an argument error here is a defect in a test, not user input.

use crate::stats::distributions::{chi_squared, normal, t};

const VALIDATED: &str = "arguments validated by the calling test";

/// P(Z ≤ z) for the standard normal.
pub(crate) fn pnorm(z: f64) -> f64 {
    normal::cdf(z).expect(VALIDATED)
}

/// P(Z > z) for the standard normal.
pub(crate) fn pnorm_upper(z: f64) -> f64 {
    normal::sf(z).expect(VALIDATED)
}

/// Standard normal quantile: −∞ at p ≤ 0, +∞ at p ≥ 1.
pub(crate) fn qnorm(p: f64) -> f64 {
    if p <= 0.0 {
        f64::NEG_INFINITY
    } else if p >= 1.0 {
        f64::INFINITY
    } else {
        normal::quantile(p).expect(VALIDATED)
    }
}

/// P(T ≤ t) with `df` degrees of freedom.
pub(crate) fn pt(x: f64, df: f64) -> f64 {
    t::cdf(x, df).expect(VALIDATED)
}

/// P(T > t) with `df` degrees of freedom.
pub(crate) fn pt_upper(x: f64, df: f64) -> f64 {
    t::sf(x, df).expect(VALIDATED)
}

/// Quantile of Student's t, with the same guards as [`qnorm`].
pub(crate) fn qt(p: f64, df: f64) -> f64 {
    if p <= 0.0 {
        f64::NEG_INFINITY
    } else if p >= 1.0 {
        f64::INFINITY
    } else {
        t::quantile(p, df).expect(VALIDATED)
    }
}

/// P(X² > x) for the chi-squared distribution with `df` degrees of freedom.
pub(crate) fn pchisq_upper(x: f64, df: f64) -> f64 {
    chi_squared::sf(x, df).expect(VALIDATED)
}
