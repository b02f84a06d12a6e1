//! Power and minimum detectable effect of a regression discontinuity design.
//!
//! An RD estimates the jump at the cut-off by regressing the outcome on treatment
//! status T = 1[x ≥ c] *and* the running variable x. Because T is a deterministic
//! function of x, the two are correlated, and the variance of the impact estimate is
//! that of a randomised trial of the same size multiplied by the design effect
//!
//! > DEFF = 1 / (1 − ρ²_TS),
//!
//! where ρ_TS is the correlation between treatment status and the running variable in
//! the analysis sample (Schochet 2009, "Statistical power for regression discontinuity
//! designs in education evaluations", J Educ Behav Stat 34(2):238–266, eq. 8; the same
//! factor in Deke and Dragoset 2012, NCEE 2012-4025). For a linear specification it is
//! 4 with a uniform running variable cut at its median and 2.75 with a normal one cut at
//! its mean. The sample `n` is the number of units inside the bandwidth that will be
//! analysed, not the whole list: a local-linear fit on a window is approximately a
//! linear RD on that window. Evident follows Schochet's parametric approach rather than
//! rdpower's (which needs pilot data to simulate the local-polynomial variance); the
//! multiplier uses the t distribution with n − g − 3 degrees of freedom (intercept,
//! treatment, running variable and g covariates), as PowerUp!'s IRA uses n − g − 2.

use super::PowerError;
use super::mdes::{multiplier, power_of_effect};
use crate::stats::distributions::normal;

/// The distribution of the running variable in the analysis window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RunningShape {
    /// Uniform, with a share `treated` of the window on the treated side of the cut-off:
    /// ρ²_TS = 3·P(1 − P).
    Uniform { treated: f64 },
    /// Normal, with the cut-off `z` standard deviations from the mean:
    /// ρ_TS = φ(z) / √(P(1 − P)), P = 1 − Φ(z).
    Normal { z: f64 },
    /// A declared correlation between treatment status and the running variable
    /// (e.g. computed from the list that will be scored).
    Correlation { rho: f64 },
}

/// Share treated and ρ_TS of a running-variable shape.
pub fn treated_share_and_rho(shape: RunningShape) -> Result<(f64, Option<f64>), PowerError> {
    let invalid = |name: &'static str, value: f64, rule: &'static str| PowerError::Invalid {
        name,
        value,
        rule,
    };
    match shape {
        RunningShape::Uniform { treated } => {
            if !(treated > 0.0 && treated < 1.0) {
                return Err(invalid("treated share", treated, "in (0, 1)"));
            }
            Ok((treated, Some((3.0 * treated * (1.0 - treated)).sqrt())))
        }
        RunningShape::Normal { z } => {
            if !z.is_finite() {
                return Err(invalid("cut-off z", z, "finite"));
            }
            let p = normal::sf(z).map_err(|_| invalid("cut-off z", z, "finite"))?;
            let phi = normal::pdf(z).map_err(|_| invalid("cut-off z", z, "finite"))?;
            Ok((p, Some(phi / (p * (1.0 - p)).sqrt())))
        }
        RunningShape::Correlation { rho } => {
            if rho.is_nan() || rho.abs() >= 1.0 {
                return Err(invalid(
                    "correlation of treatment and running variable",
                    rho,
                    "in (-1, 1)",
                ));
            }
            Ok((f64::NAN, Some(rho)))
        }
    }
}

/// DEFF = 1 / (1 − ρ²_TS).
pub fn design_effect(rho_ts: f64) -> f64 {
    1.0 / (1.0 - rho_ts * rho_ts)
}

/// An RD power question: `n` units in the analysis window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RdPowerQuestion {
    pub n: f64,
    /// Share of the window on the treated side (needed with `Correlation`).
    pub treated_share: f64,
    pub rho_ts: f64,
    /// Outcome variance explained by covariates, R² ∈ [0, 1).
    pub r_squared: f64,
    pub covariates: u32,
    pub alpha: f64,
    pub two_sided: bool,
}

/// The answer: the standard error (SD units), MDES at `target_power`, and the power of
/// `effect` when given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RdPowerAnswer {
    pub design_effect: f64,
    pub std_error: f64,
    pub df: f64,
    pub mdes: f64,
    /// MDES of a randomised trial of the same size and allocation, for comparison.
    pub mdes_randomised: f64,
    pub power: Option<f64>,
}

/// Solve an RD power question for the MDES at `target_power` (and the power of
/// `effect`, in SD units, when given).
pub fn rd_power(
    q: &RdPowerQuestion,
    target_power: f64,
    effect: Option<f64>,
) -> Result<RdPowerAnswer, PowerError> {
    let p = q.treated_share;
    if !(p > 0.0 && p < 1.0) {
        return Err(PowerError::Invalid {
            name: "treated share",
            value: p,
            rule: "in (0, 1)",
        });
    }
    if !(q.r_squared >= 0.0 && q.r_squared < 1.0) {
        return Err(PowerError::Invalid {
            name: "R²",
            value: q.r_squared,
            rule: "in [0, 1)",
        });
    }
    let g = q.covariates as f64;
    let df = q.n - g - 3.0;
    if df.is_nan() || df < 1.0 {
        return Err(PowerError::Invalid {
            name: "units in the window",
            value: q.n,
            rule: "more than the number of covariates + 3",
        });
    }
    let deff = design_effect(q.rho_ts);
    let se_rct = ((1.0 - q.r_squared) / (p * (1.0 - p) * q.n)).sqrt();
    let se = se_rct * deff.sqrt();
    let m = multiplier(df, q.alpha, target_power, q.two_sided)?;
    let power = match effect {
        Some(e) => Some(power_of_effect(e, se, df, q.alpha, q.two_sided)?),
        None => None,
    };
    Ok(RdPowerAnswer {
        design_effect: deff,
        std_error: se,
        df,
        mdes: m * se,
        mdes_randomised: multiplier(q.n - g - 2.0, q.alpha, target_power, q.two_sided)? * se_rct,
        power,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Schochet (2009), Table 1: the design effect is 4.00 for a uniform running
    /// variable with a balanced cut-off and 2.75 for a normal one cut at the mean.
    #[test]
    fn design_effects_of_schochet_table_1() {
        let (_, rho) = treated_share_and_rho(RunningShape::Uniform { treated: 0.5 }).unwrap();
        assert!((design_effect(rho.unwrap()) - 4.0).abs() < 1e-12);
        let (p, rho) = treated_share_and_rho(RunningShape::Normal { z: 0.0 }).unwrap();
        assert_eq!(p, 0.5);
        let deff = design_effect(rho.unwrap());
        // 1 / (1 − 2/π)
        assert!((deff - 1.0 / (1.0 - 2.0 / std::f64::consts::PI)).abs() < 1e-12);
        assert!((deff - 2.75).abs() < 0.01);
    }

    #[test]
    fn mdes_is_the_trial_mdes_inflated_by_the_root_design_effect() {
        let q = RdPowerQuestion {
            n: 4000.0,
            treated_share: 0.5,
            rho_ts: (0.75f64).sqrt(),
            r_squared: 0.0,
            covariates: 0,
            alpha: 0.05,
            two_sided: true,
        };
        let a = rd_power(&q, 0.8, Some(0.2)).unwrap();
        // 2·(1.96 + 0.84)/√4000 ≈ 0.0886 for the trial; twice that for the RD.
        assert!((a.mdes_randomised - 0.0886).abs() < 5e-4, "{a:?}");
        assert!((a.mdes / a.mdes_randomised - 2.0).abs() < 1e-3, "{a:?}");
        let at_mdes = rd_power(&q, 0.8, Some(a.mdes)).unwrap().power.unwrap();
        assert!((at_mdes - 0.8).abs() < 1e-3, "{at_mdes}");
    }
}
