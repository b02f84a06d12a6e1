//! Probability distributions with R-parity accuracy: cdf, upper tail (sf), quantile
//! and, for the discrete ones, the probability mass function.
//!
//! Every function validates its arguments and returns a [`DistributionError`] instead
//! of panicking. Upper tails are computed directly (never as `1 - cdf`), so both tails
//! keep full relative precision down to the smallest normal numbers (tested to 1e-300).
//!
//! | module | R functions matched |
//! | --- | --- |
//! | [`normal`] | `pnorm`, `qnorm`, `dnorm` |
//! | [`t`] | `pt`, `qt`, `dt` |
//! | [`chi_squared`] | `pchisq`, `qchisq`, `dchisq` |
//! | [`f`] | `pf`, `qf`, `df` |
//! | [`beta`] | `pbeta`, `qbeta`, `dbeta` |
//! | [`binomial`] | `dbinom`, `pbinom`, `qbinom` |
//! | [`hypergeometric`] | `dhyper`, `phyper` |
//! | [`noncentral_t`] | `pt(ncp =)`, `qt(ncp =)` |
//! | [`noncentral_chi_squared`] | `pchisq(ncp =)`, `qchisq(ncp =)` |
//! | [`noncentral_f`] | `pf(ncp =)` |
//!
//! The regularised incomplete beta and gamma ratios come from the `cdflib` crate
//! (DiDonato & Morris 1992, TOMS 708; DiDonato & Morris 1986, TOMS 654), the same
//! algorithms R's `pbeta` and (for the beta) uses; statrs 0.19.1's incomplete beta
//! loses accuracy at large parameters (see `shared/design/dependencies.md`).

pub mod beta;
pub mod binomial;
pub mod chi_squared;
pub mod f;
pub mod hypergeometric;
pub mod noncentral_chi_squared;
pub mod noncentral_f;
pub mod noncentral_t;
pub mod normal;
pub mod t;

mod special;

/// An argument outside a distribution's domain. Each variant states the rule broken.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DistributionError {
    #[error("{name} must be positive, got {value}")]
    NotPositive { name: &'static str, value: f64 },
    #[error("{name} must be non-negative, got {value}")]
    Negative { name: &'static str, value: f64 },
    #[error("{name} must be finite, got {value}")]
    NotFinite { name: &'static str, value: f64 },
    #[error("{name} must not be NaN")]
    NotANumber { name: &'static str },
    #[error("{name} must be a probability in [0, 1], got {value}")]
    NotAProbability { name: &'static str, value: f64 },
    #[error("{name} must be a whole number, got {value}")]
    NotWholeNumber { name: &'static str, value: f64 },
    #[error("{name} ({value}) must not exceed {limit_name} ({limit})")]
    ExceedsLimit {
        name: &'static str,
        value: f64,
        limit_name: &'static str,
        limit: f64,
    },
    #[error("{what} could not be computed to full precision at {at}")]
    NoConvergence { what: &'static str, at: String },
}

/// The result of every distribution function.
pub type Result<T> = std::result::Result<T, DistributionError>;

/// Rejects NaN.
pub(crate) fn check_number(name: &'static str, value: f64) -> Result<f64> {
    if value.is_nan() {
        Err(DistributionError::NotANumber { name })
    } else {
        Ok(value)
    }
}

/// Requires a finite value.
pub(crate) fn check_finite(name: &'static str, value: f64) -> Result<f64> {
    check_number(name, value)?;
    if value.is_finite() {
        Ok(value)
    } else {
        Err(DistributionError::NotFinite { name, value })
    }
}

/// Requires value > 0 (positive infinity allowed).
pub(crate) fn check_positive(name: &'static str, value: f64) -> Result<f64> {
    check_number(name, value)?;
    if value > 0.0 {
        Ok(value)
    } else {
        Err(DistributionError::NotPositive { name, value })
    }
}

/// Requires 0 < value < infinity.
pub(crate) fn check_positive_finite(name: &'static str, value: f64) -> Result<f64> {
    check_positive(name, value)?;
    check_finite(name, value)
}

/// Requires 0 <= value < infinity.
pub(crate) fn check_non_negative_finite(name: &'static str, value: f64) -> Result<f64> {
    check_finite(name, value)?;
    if value >= 0.0 {
        Ok(value)
    } else {
        Err(DistributionError::Negative { name, value })
    }
}

/// Requires a probability in [0, 1].
pub(crate) fn check_probability(name: &'static str, value: f64) -> Result<f64> {
    check_number(name, value)?;
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(DistributionError::NotAProbability { name, value })
    }
}

/// Requires a finite non-negative whole number.
pub(crate) fn check_count(name: &'static str, value: f64) -> Result<f64> {
    check_non_negative_finite(name, value)?;
    if value.fract() == 0.0 {
        Ok(value)
    } else {
        Err(DistributionError::NotWholeNumber { name, value })
    }
}

/// R's `floor(x + 1e-7)` for the count argument of discrete cdfs (`pbinom`, `phyper`),
/// so that 2.9999999999 counts as 3 as in R.
pub(crate) fn floor_count(x: f64) -> f64 {
    (x + 1e-7).floor()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_state_the_rule() {
        let e = check_positive("degrees of freedom", -1.0).unwrap_err();
        assert_eq!(e.to_string(), "degrees of freedom must be positive, got -1");
        let e = check_probability("p", 1.5).unwrap_err();
        assert_eq!(e.to_string(), "p must be a probability in [0, 1], got 1.5");
        let e = check_count("n", 2.5).unwrap_err();
        assert_eq!(e.to_string(), "n must be a whole number, got 2.5");
        assert!(check_number("x", f64::NAN).is_err());
        assert!(check_finite("x", f64::INFINITY).is_err());
        assert!(check_positive("df", f64::INFINITY).is_ok());
        assert!(check_positive_finite("df", f64::INFINITY).is_err());
    }
}
