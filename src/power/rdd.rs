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

use serde::Serialize;

use super::PowerError;
use super::answer::{Adjustments, GroupSize, PowerAnswer, Unknown, round_up};
use super::error::{check_share, check_unit_interval};
use super::mdes::{Targets, multiplier, power_of_effect, solve_mdes_design};
use super::t::MAX_UNITS;
use crate::report::format;
use crate::stats::distributions::normal;

/// Where the design effect comes from, as the plan states it.
pub const DESIGN_EFFECT_SOURCE: &str = "Schochet (2008), Statistical power for regression discontinuity designs in education evaluations, NCEE 2008-4026 (ch. 4, Table 4.2), and J Educ Behav Stat 34(2):238-266 (2009); Deke and Dragoset (2012), NCEE 2012-4025";

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

impl RunningShape {
    /// A normal running variable cut where a share `treated` of the window lies on the
    /// treated side (z = Φ⁻¹(1 − P); the side does not change ρ²).
    pub fn normal_with_treated_share(treated: f64) -> Result<RunningShape, PowerError> {
        let treated = check_share("treated share", treated)?;
        Ok(RunningShape::Normal {
            z: normal::quantile(1.0 - treated).map_err(|_| PowerError::Invalid {
                name: "treated share",
                value: treated,
                rule: "in (0, 1)",
            })?,
        })
    }

    /// The shape's name as the plan states it.
    pub fn label(self) -> &'static str {
        match self {
            RunningShape::Uniform { .. } => "uniform",
            RunningShape::Normal { .. } => "normal",
            RunningShape::Correlation { .. } => "declared correlation",
        }
    }
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

/// SE of the RD impact estimate in SD units: the randomised trial's
/// √((1 − R²)·v / (P(1 − P)·n)) times √inflation, `v` the variance factor of any
/// baseline adjustment and `inflation` the design effect (over the squared take-up jump
/// of a fuzzy design).
fn rd_std_error(
    n: f64,
    treated_share: f64,
    r_squared: f64,
    variance_factor: f64,
    inflation: f64,
) -> f64 {
    ((1.0 - r_squared) * variance_factor * inflation / (treated_share * (1.0 - treated_share) * n))
        .sqrt()
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
    let se_rct = rd_std_error(q.n, p, q.r_squared, 1.0, 1.0);
    let se = rd_std_error(q.n, p, q.r_squared, 1.0, deff);
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

/// The plan stage's RD question: n units in the window (or solve for it), the
/// running variable's shape, and the targets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RdPlanQuestion {
    /// Units analysed inside the bandwidth, both sides (`None` to solve for it).
    pub n: Option<f64>,
    pub targets: Targets,
    /// Share of the window on the treated side of the cut-off, P ∈ (0, 1).
    pub treated_share: f64,
    pub shape: RunningShape,
    /// Outcome variance explained by covariates, R² ∈ [0, 1).
    pub r_squared: f64,
    pub covariates: u32,
    pub adjustments: Adjustments,
    /// Jump in the share treated at the cut-off, in (0, 1]: 1 for a sharp design; a
    /// fuzzy design's effect of the treatment received (the Wald ratio) has its SE
    /// divided by it (Schochet 2008, ch. 4, the fuzzy RD design).
    pub take_up_jump: f64,
}

/// The design effect of a planned RD, for the report.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct RdDesignEffect {
    /// `uniform`, `normal` or `declared correlation`.
    pub running_shape: String,
    /// Share of the window on the treated side of the cut-off.
    pub treated_share: f64,
    /// Correlation of treatment status and the running variable in the window.
    pub rho: f64,
    /// 1 / (1 − ρ²): the variance of the RD estimate over a randomised trial's.
    pub design_effect: f64,
    /// Jump in the share treated at the cut-off (1 for a sharp design); the variance
    /// of a fuzzy design's estimate is divided by its square as well.
    pub take_up_jump: f64,
    /// MDES (SD units) of the RD at the planned size and target power.
    pub mdes: f64,
    /// MDES of a randomised trial of the same size, split and take-up, for comparison.
    pub mdes_randomised: f64,
    /// The source of the design effect.
    pub source: String,
}

impl RdPlanQuestion {
    /// ρ_TS and DEFF of the question's running variable.
    pub fn rho_and_design_effect(&self) -> Result<(f64, f64), PowerError> {
        let (_, rho) = treated_share_and_rho(self.shape)?;
        let rho = rho.unwrap_or(0.0);
        Ok((rho, design_effect(rho)))
    }

    /// The variance multiplier over a randomised trial's: DEFF / jump².
    fn variance_multiplier(&self) -> Result<f64, PowerError> {
        let jump = self.take_up_jump;
        if !(jump > 0.0 && jump <= 1.0) {
            return Err(PowerError::Invalid {
                name: "take-up jump",
                value: jump,
                rule: "in (0, 1]",
            });
        }
        Ok(self.rho_and_design_effect()?.1 / (jump * jump))
    }

    /// The design effect and both MDESs at `n` analysed units and `power`.
    pub fn design_effect_at(&self, n: f64, power: f64) -> Result<RdDesignEffect, PowerError> {
        let (rho, deff) = self.rho_and_design_effect()?;
        let inflation = self.variance_multiplier()?;
        let p = self.treated_share;
        let r2 = self.r_squared;
        let vf = self.adjustments.variance_factor();
        let g = self.covariates as f64;
        let two_sided = self.targets.two_sided;
        let alpha = self.targets.alpha;
        Ok(RdDesignEffect {
            running_shape: self.shape.label().into(),
            treated_share: p,
            rho,
            design_effect: deff,
            take_up_jump: self.take_up_jump,
            mdes: multiplier(n - g - 3.0, alpha, power, two_sided)?
                * rd_std_error(n, p, r2, vf, inflation),
            mdes_randomised: multiplier(n - g - 2.0, alpha, power, two_sided)?
                * rd_std_error(n, p, r2, vf, inflation / deff),
            source: DESIGN_EFFECT_SOURCE.into(),
        })
    }
}

/// Answers an RD MDES / sample-size / power question: PowerUp!'s individually
/// randomised answer with the variance multiplied by 1/(1 − ρ²_TS) and one degree of
/// freedom fewer (the running variable's slope).
///
/// # Errors
/// Shares outside (0, 1); R² outside [0, 1); a correlation outside (−1, 1); a zero
/// effect when solving for n; more than 1e9 units needed; not exactly one unknown.
pub fn solve_rd_plan(q: &RdPlanQuestion) -> Result<PowerAnswer, PowerError> {
    let p = check_share("treated share", q.treated_share)?;
    let r2 = check_unit_interval("R²", q.r_squared)?;
    q.adjustments.check()?;
    let (rho, deff) = q.rho_and_design_effect()?;
    let inflation = q.variance_multiplier()?;
    let g = q.covariates as f64;
    let vf = q.adjustments.variance_factor();
    let se = move |n: f64| rd_std_error(n, p, r2, vf, inflation);
    let df = move |n: f64| n - g - 3.0;
    let n_min = g + 4.0;
    let analysed = match q.n {
        Some(n) => {
            let a = q.adjustments.analysed(n);
            if !(a.is_finite() && a >= n_min) {
                return Err(PowerError::Invalid {
                    name: "n",
                    value: n,
                    rule: "large enough that the analysis keeps at least one degree of freedom (covariates + 4 units in the window)",
                });
            }
            Some(a)
        }
        None => None,
    };
    let (solved_for, n, effect, power) =
        solve_mdes_design(&q.targets, analysed, n_min, MAX_UNITS, &se, &df, "units")?;
    let randomised = q.adjustments.randomised(n);
    let groups = vec![
        GroupSize {
            label: "units on the untreated side".into(),
            analysed: (1.0 - p) * n,
            randomised: (1.0 - p) * randomised,
            rounded: round_up((1.0 - p) * randomised),
        },
        GroupSize {
            label: "units on the treated side".into(),
            analysed: p * n,
            randomised: p * randomised,
            rounded: round_up(p * randomised),
        },
    ];
    super::error::check_total_units(randomised, "both sides of the cut-off, after attrition")?;
    let total_rounded: u64 = groups.iter().map(|g| g.rounded).sum();
    let n_round = q.adjustments.analysed(total_rounded as f64).max(n);
    let power_at_rounded = if solved_for == Unknown::SampleSize {
        power_of_effect(
            effect,
            se(n_round),
            df(n_round),
            q.targets.alpha,
            q.targets.two_sided,
        )?
    } else {
        power
    };
    let mdes_power = if solved_for == Unknown::Power {
        0.8
    } else {
        power
    };
    let at = q.design_effect_at(n, mdes_power)?;
    let mut notes = q.adjustments.notes();
    let shape = match q.shape {
        RunningShape::Uniform { .. } => {
            "a uniform running variable in the window, ρ² = 3·P(1 − P)".to_string()
        }
        RunningShape::Normal { z } => format!(
            "a normal running variable cut {} SD from its mean, ρ = φ(z)/√(P(1 − P))",
            format::significant(z.abs(), 3)
        ),
        RunningShape::Correlation { .. } => "the declared correlation".to_string(),
    };
    notes.push(format!(
        "design effect 1/(1 − ρ²) = {} with ρ = {} (the correlation of treatment status and the running variable, from {shape}, P = {} treated): the RD estimate's variance is {} times a randomised trial's of the same size (Schochet 2008, NCEE 2008-4026, Table 4.2; Schochet 2009; Deke and Dragoset 2012)",
        format::significant(deff, 4),
        format::significant(rho, 4),
        format::significant(p, 4),
        format::significant(deff, 3),
    ));
    if q.take_up_jump < 1.0 {
        notes.push(format!(
            "a fuzzy design: the share treated jumps by {} at the cut-off, so the effect of the treatment received has a standard error 1/{} times the jump's (the variance is divided by {}² as well; Schochet 2008, ch. 4)",
            format::significant(q.take_up_jump, 4),
            format::significant(q.take_up_jump, 4),
            format::significant(q.take_up_jump, 4),
        ));
    }
    notes.push(format!(
        "MDES at {} power: {} SD for this RD, {} SD for a randomised trial of the same {} units",
        format::percent(mdes_power, 3),
        format::significant(at.mdes, 3),
        format::significant(at.mdes_randomised, 3),
        format::count(round_up(n) as usize)
    ));
    notes.push(format!(
        "n counts the units inside the bandwidth, not the whole list; covariates explain R² = {r2} of the outcome variance ({} covariates); df = N − g − 3 (intercept, treatment, running variable, g covariates)",
        q.covariates
    ));
    Ok(PowerAnswer {
        family: super::answer::RD_FAMILY.into(),
        method: "randomised-trial MDES (PowerUp! IRA) inflated by the RD design effect 1/(1 − ρ²) (Schochet 2008, 2009; Deke and Dragoset 2012)".into(),
        solved_for,
        effect,
        effect_measure: "MDES (SD units)".into(),
        alpha: q.targets.alpha,
        power,
        power_at_rounded,
        total_analysed: n,
        total_rounded,
        groups,
        at_minimum: false,
        notes,
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

    fn plan_question(take_up_jump: f64) -> RdPlanQuestion {
        RdPlanQuestion {
            n: Some(1200.0),
            targets: Targets {
                effect: None,
                alpha: 0.05,
                power: Some(0.8),
                two_sided: true,
            },
            treated_share: 0.3,
            shape: RunningShape::Normal { z: 0.5 },
            r_squared: 0.2,
            covariates: 1,
            adjustments: Adjustments::default(),
            take_up_jump,
        }
    }

    /// The plan stage's solver and the one-call `rd_power` give one answer for a
    /// sharp design; a fuzzy design's MDES is the sharp one over the take-up jump.
    #[test]
    fn the_plan_solver_agrees_with_rd_power_and_scales_with_take_up() {
        let sharp = solve_rd_plan(&plan_question(1.0)).unwrap();
        let (_, rho) = treated_share_and_rho(RunningShape::Normal { z: 0.5 }).unwrap();
        let direct = rd_power(
            &RdPowerQuestion {
                n: 1200.0,
                treated_share: 0.3,
                rho_ts: rho.unwrap(),
                r_squared: 0.2,
                covariates: 1,
                alpha: 0.05,
                two_sided: true,
            },
            0.8,
            None,
        )
        .unwrap();
        assert!((sharp.effect - direct.mdes).abs() < 1e-12 * direct.mdes);
        let fuzzy = solve_rd_plan(&plan_question(0.6)).unwrap();
        assert!((fuzzy.effect - sharp.effect / 0.6).abs() < 1e-12);
        let summary = plan_question(0.6).design_effect_at(1200.0, 0.8).unwrap();
        assert!((summary.mdes - fuzzy.effect).abs() < 1e-12);
        assert!(
            (summary.mdes_randomised - direct.mdes_randomised / 0.6).abs() < 1e-12,
            "{summary:?}"
        );
        assert!(plan_question(0.0).variance_multiplier().is_err());
        assert!(plan_question(1.5).variance_multiplier().is_err());
    }
}
