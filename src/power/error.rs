//! Why a planning question has no answer. Every message states the rule that makes a
//! solution impossible, so a caller never sees a non-converged number.

use crate::report::format::shortest;
use crate::stats::distributions::DistributionError;

/// A power, sample-size or MDES question that cannot be answered as asked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PowerError {
    #[error("exactly one of {names} must be left unknown, but {count} are unknown ({unknown})")]
    Unknowns {
        names: &'static str,
        count: usize,
        unknown: String,
    },
    #[error(
        "the target power {power} is at or below the significance level {alpha}: a test reaches power alpha with no data at all, so no sample size is needed or meaningful"
    )]
    PowerNotAboveAlpha { power: f64, alpha: f64 },
    #[error(
        "the effect is zero: with no effect the power equals the significance level at every sample size, so no sample size reaches the target"
    )]
    ZeroEffect,
    #[error("the intraclass correlation (ICC) must lie in [0, 1), got {}", shortest(*value))]
    IccOutOfRange { value: f64 },
    #[error("{name} must lie strictly between 0 and 1, got {}", shortest(*value))]
    ShareOutOfRange { name: &'static str, value: f64 },
    #[error("{name} must be {rule}, got {}", shortest(*value))]
    Invalid {
        name: &'static str,
        value: f64,
        rule: &'static str,
    },
    #[error(
        "reaching {target} needs more than {limit:e} {units}: no design of a practical size achieves it ({reason})"
    )]
    TooLarge {
        target: String,
        limit: f64,
        units: &'static str,
        reason: String,
    },
    #[error(
        "the design implies {} units in total ({counted}), more than the {limit:e} this engine plans for",
        if total.is_finite() { shortest(*total) } else { "over 1.8e308".into() }
    )]
    TooManyUnits {
        total: f64,
        counted: &'static str,
        limit: f64,
    },
    #[error("no {what} achieves {target}: {reason}")]
    NoSolution {
        what: &'static str,
        target: String,
        reason: String,
    },
    #[error(
        "the effect is not in the direction of the one-sided alternative ({alternative}): power can never exceed alpha"
    )]
    WrongDirection { alternative: &'static str },
    #[error("the simulation settings are invalid: {reason}")]
    Simulation { reason: String },
    #[error(transparent)]
    Distribution(#[from] DistributionError),
}

impl PowerError {
    /// A next step for the user.
    pub fn hint(&self) -> String {
        match self {
            PowerError::Unknowns { .. } => {
                "give every quantity but one; the one left out is solved for (docs/power.md)"
                    .into()
            }
            PowerError::PowerNotAboveAlpha { .. } => {
                "ask for a power above alpha (0.8 or 0.9 are usual)".into()
            }
            PowerError::ZeroEffect => {
                "give the smallest effect worth detecting (non-zero), or solve for the effect instead".into()
            }
            PowerError::IccOutOfRange { .. } => {
                "an ICC is a share of variance: use a value in [0, 1), typically 0.01 to 0.3".into()
            }
            PowerError::ShareOutOfRange { .. } => {
                "give a proportion strictly between 0 and 1 (e.g. 0.5 for equal arms)".into()
            }
            PowerError::Invalid { .. } | PowerError::Distribution(_) => {
                "check the value given; docs/power.md lists each quantity's range".into()
            }
            PowerError::TooLarge { .. } => {
                "aim for a larger effect, a lower power, or a design with less variance (covariates, baseline, more clusters)".into()
            }
            PowerError::TooManyUnits { .. } => {
                "check the sizes given (a cluster count times a cluster size, in every arm, is the total)".into()
            }
            PowerError::NoSolution { .. } => {
                "relax the target, or solve for a different quantity".into()
            }
            PowerError::WrongDirection { .. } => {
                "give the effect with the sign of the alternative, or use a two-sided test".into()
            }
            PowerError::Simulation { .. } => "see docs/spec.md, design.power.simulation".into(),
        }
    }
}

/// Checks a probability-like setting strictly inside (0, 1).
pub(crate) fn check_share(name: &'static str, value: f64) -> Result<f64, PowerError> {
    if value.is_finite() && value > 0.0 && value < 1.0 {
        Ok(value)
    } else {
        Err(PowerError::ShareOutOfRange { name, value })
    }
}

/// Checks a value in [0, 1) (R², attrition, correlation squared).
pub(crate) fn check_unit_interval(name: &'static str, value: f64) -> Result<f64, PowerError> {
    if value.is_finite() && (0.0..1.0).contains(&value) {
        Ok(value)
    } else {
        Err(PowerError::Invalid {
            name,
            value,
            rule: "in [0, 1)",
        })
    }
}

/// Checks a strictly positive, finite value.
pub(crate) fn check_positive(name: &'static str, value: f64) -> Result<f64, PowerError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(PowerError::Invalid {
            name,
            value,
            rule: "positive and finite",
        })
    }
}

/// Checks the total a design implies (`counted` says what was multiplied) against
/// the `MAX_UNITS` limit every solve obeys, so that no answer rounds 1e308 units
/// into an overflowing count.
pub(crate) fn check_total_units(total: f64, counted: &'static str) -> Result<(), PowerError> {
    let limit = super::t::MAX_UNITS;
    if total.is_finite() && total <= limit {
        Ok(())
    } else {
        Err(PowerError::TooManyUnits {
            total,
            counted,
            limit,
        })
    }
}

/// Checks that a target power is a probability above alpha.
pub(crate) fn check_power_target(power: f64, alpha: f64) -> Result<f64, PowerError> {
    check_share("power", power)?;
    if power <= alpha {
        return Err(PowerError::PowerNotAboveAlpha { power, alpha });
    }
    Ok(power)
}
