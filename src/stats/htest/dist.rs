//! Central distribution functions used by the tests, in one place so that they can be
//! redirected to the engine's own distributions module later. Today they call statrs
//! 0.19.1, which agrees with R to about 1e-15 in the ranges used here
//! (`/work/shared/design/dependencies.md`). Upper tails always come from `sf`.

use statrs::distribution::{ChiSquared, ContinuousCDF, Normal, StudentsT};

/// P(Z ≤ z) for the standard normal.
pub(crate) fn pnorm(z: f64) -> f64 {
    Normal::standard().cdf(z)
}

/// P(Z > z) for the standard normal.
pub(crate) fn pnorm_upper(z: f64) -> f64 {
    Normal::standard().sf(z)
}

/// Standard normal quantile: −∞ at p ≤ 0, +∞ at p ≥ 1 (statrs panics outside [0, 1];
/// callers pass probabilities in (0, 1), this is a guard against a panic).
pub(crate) fn qnorm(p: f64) -> f64 {
    if p <= 0.0 {
        f64::NEG_INFINITY
    } else if p >= 1.0 {
        f64::INFINITY
    } else {
        Normal::standard().inverse_cdf(p)
    }
}

fn student(df: f64) -> StudentsT {
    // Callers pass df > 0; infinite df is the normal limit, which statrs also accepts.
    StudentsT::new(0.0, 1.0, df).expect("df validated positive by the caller")
}

/// P(T ≤ t) with `df` degrees of freedom.
pub(crate) fn pt(t: f64, df: f64) -> f64 {
    student(df).cdf(t)
}

/// P(T > t) with `df` degrees of freedom.
pub(crate) fn pt_upper(t: f64, df: f64) -> f64 {
    student(df).sf(t)
}

/// Quantile of Student's t, with the same guards as [`qnorm`].
pub(crate) fn qt(p: f64, df: f64) -> f64 {
    if p <= 0.0 {
        f64::NEG_INFINITY
    } else if p >= 1.0 {
        f64::INFINITY
    } else {
        student(df).inverse_cdf(p)
    }
}

/// P(X² > x) for the chi-squared distribution with `df` degrees of freedom.
pub(crate) fn pchisq_upper(x: f64, df: f64) -> f64 {
    ChiSquared::new(df)
        .expect("df validated positive by the caller")
        .sf(x)
}
