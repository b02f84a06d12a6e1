//! Minimum detectable effect sizes (MDES) of designs analysed by a t statistic with a
//! known standard error: the multiplier, the MDES, the power of a given effect, and
//! individually randomised trials with covariates (PowerUp!'s IRA design).
//!
//! # Formula
//! MDES = M·SE with M = t(1 − α/2, df) + t(power, df) (one-sided: t(1 − α, df));
//! Bloom (1995), Dong & Maynard (2013). The power of an effect δ (SD units) is the
//! non-central t probability P(T > c) + P(T < −c), T ~ t(df, δ/SE) (PowerUpR's
//! power functions), computed with the exact non-central t.
//!
//! Individually randomised trial with N units analysed, a share P treated, g
//! covariates explaining R² of the outcome variance: SE = √((1 − R²)/(P(1 − P)N)),
//! df = N − g − 2 (PowerUp! `mdes.ira`).
//!
//! # References
//! Bloom, H. S. (1995). Minimum detectable effects. *Evaluation Review* 19(5), 547–556.
//! Dong, N. & Maynard, R. (2013). PowerUp!: A tool for calculating minimum detectable
//! effect sizes and minimum required sample sizes. *JREE* 6(1), 24–67,
//! doi:10.1080/19345747.2012.673143.

use super::answer::{Adjustments, GroupSize, PowerAnswer, Unknown, round_up};
use super::error::{PowerError, check_power_target, check_share, check_unit_interval};
use super::solve::{Root, solve_increasing};
use super::t::MAX_UNITS;
use crate::stats::distributions::{noncentral_t, t as central_t};

/// M = t(1 − α/2, df) + t(power, df), or t(1 − α, df) + t(power, df) one-sided.
pub fn multiplier(df: f64, alpha: f64, power: f64, two_sided: bool) -> Result<f64, PowerError> {
    let a = if two_sided { alpha / 2.0 } else { alpha };
    Ok(central_t::upper_quantile(a, df)? + central_t::quantile(power, df)?)
}

/// Power of an effect `effect` (SD units) when its estimate has standard error `se`
/// (SD units) and `df` degrees of freedom: non-central t, both tails when two-sided.
pub fn power_of_effect(
    effect: f64,
    se: f64,
    df: f64,
    alpha: f64,
    two_sided: bool,
) -> Result<f64, PowerError> {
    let ncp = (effect / se).abs();
    if two_sided {
        let c = central_t::upper_quantile(alpha / 2.0, df)?;
        Ok(noncentral_t::sf(c, df, ncp)? + noncentral_t::cdf(-c, df, ncp)?)
    } else {
        Ok(noncentral_t::sf(
            central_t::upper_quantile(alpha, df)?,
            df,
            ncp,
        )?)
    }
}

/// The common settings of an MDES-type question.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Targets {
    /// The effect in SD units (`None` to solve for the MDES).
    pub effect: Option<f64>,
    pub alpha: f64,
    /// Power (`None` to solve for it).
    pub power: Option<f64>,
    pub two_sided: bool,
}

/// The largest effect (in SD units) a design question accepts: the effect solves
/// search no further (`solve_t` looks for d below 1e6), and beyond it the
/// non-centrality of any design overflows.
pub(crate) const MAX_EFFECT_SD: f64 = 1e6;

/// Solves a design whose SE and df depend on one size `x` (decreasing SE): for the
/// size reaching `effect` as its MDES, the MDES, or the power.
pub(crate) fn solve_mdes_design(
    targets: &Targets,
    size: Option<f64>,
    size_min: f64,
    size_max: f64,
    se: &dyn Fn(f64) -> f64,
    df: &dyn Fn(f64) -> f64,
    size_name: &'static str,
) -> Result<(Unknown, f64, f64, f64), PowerError> {
    check_share("alpha", targets.alpha)?;
    if let Some(effect) = targets.effect
        && (effect.is_nan() || effect.abs() > MAX_EFFECT_SD)
    {
        return Err(PowerError::Invalid {
            name: "effect",
            value: effect,
            rule: "at most 1e6 standard deviations in size (an effect in SD units)",
        });
    }
    let alpha = targets.alpha;
    let count = [
        size.is_none(),
        targets.effect.is_none(),
        targets.power.is_none(),
    ]
    .iter()
    .filter(|&&b| b)
    .count();
    if count != 1 {
        return Err(PowerError::Unknowns {
            names: "the sample size, the effect and the power",
            count,
            unknown: [
                (size.is_none(), "sample size"),
                (targets.effect.is_none(), "effect"),
                (targets.power.is_none(), "power"),
            ]
            .iter()
            .filter(|(b, _)| *b)
            .map(|(_, s)| *s)
            .collect::<Vec<_>>()
            .join(", "),
        });
    }
    let mdes_at = |x: f64, power: f64| -> Result<f64, PowerError> {
        Ok(multiplier(df(x), alpha, power, targets.two_sided)? * se(x))
    };
    match (size, targets.effect, targets.power) {
        (None, Some(effect), Some(power)) => {
            let power = check_power_target(power, alpha)?;
            if effect == 0.0 {
                return Err(PowerError::ZeroEffect);
            }
            let effect = effect.abs();
            // MDES falls as the size grows: solve −MDES(x) = −effect.
            match solve_increasing(
                |x| Ok(-mdes_at(x, power)?),
                -effect,
                size_min,
                size_max,
                size_min,
                (size_min * 8.0).max(size_min + 16.0),
            )? {
                Root::At(x) => Ok((Unknown::SampleSize, x, effect, power)),
                Root::AtMinimum(x) => Ok((Unknown::SampleSize, x, effect, power)),
                Root::AboveMaximum(x) => {
                    let floor = mdes_at(x, power)?;
                    Err(if size_name != "cluster size" {
                        PowerError::TooLarge {
                            target: format!("an MDES of {effect}"),
                            limit: size_max,
                            units: size_name,
                            reason: format!(
                                "the MDES is still {} there",
                                crate::report::format::significant(floor, 4)
                            ),
                        }
                    } else {
                        PowerError::NoSolution {
                            what: size_name,
                            target: format!("an MDES of {effect}"),
                            reason: format!(
                                "the MDES cannot fall below {} however large the {size_name}: the variance between higher-level units does not shrink with it; add clusters instead",
                                crate::report::format::significant(floor, 4)
                            ),
                        }
                    })
                }
            }
        }
        (Some(x), None, Some(power)) => {
            let power = check_power_target(power, alpha)?;
            Ok((Unknown::Effect, x, mdes_at(x, power)?, power))
        }
        (Some(x), Some(effect), None) => Ok((
            Unknown::Power,
            x,
            effect,
            power_of_effect(effect, se(x), df(x), alpha, targets.two_sided)?,
        )),
        _ => unreachable_unknowns(),
    }
}

fn unreachable_unknowns() -> Result<(Unknown, f64, f64, f64), PowerError> {
    Err(PowerError::Unknowns {
        names: "the sample size, the effect and the power",
        count: 0,
        unknown: "none".into(),
    })
}

/// An individually randomised trial analysed with covariates (PowerUp! IRA).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndividualQuestion {
    /// Units randomised in total (`None` to solve for it).
    pub n: Option<f64>,
    pub targets: Targets,
    /// Share of units treated, P ∈ (0, 1).
    pub treated_share: f64,
    /// Outcome variance explained by the covariates, R² ∈ [0, 1).
    pub r_squared: f64,
    /// Number of covariates g.
    pub covariates: u32,
    pub adjustments: Adjustments,
}

/// Answers an individually randomised MDES / sample-size / power question.
///
/// # Errors
/// Share outside (0, 1); R² outside [0, 1); a zero effect when solving for n; more
/// than 1e9 units needed; not exactly one unknown.
pub fn solve_individual(q: &IndividualQuestion) -> Result<PowerAnswer, PowerError> {
    let p = check_share("treated share", q.treated_share)?;
    let r2 = check_unit_interval("R²", q.r_squared)?;
    q.adjustments.check()?;
    let g = q.covariates as f64;
    let vf = (1.0 - r2) * q.adjustments.variance_factor();
    let se = move |n: f64| (vf / (p * (1.0 - p) * n)).sqrt();
    let df = move |n: f64| n - g - 2.0;
    let n_min = g + 3.0;
    let analysed = match q.n {
        Some(n) => {
            let a = q.adjustments.analysed(n);
            if !(a.is_finite() && a >= n_min) {
                return Err(PowerError::Invalid {
                    name: "n",
                    value: n,
                    rule: "large enough that the analysis keeps at least one degree of freedom (covariates + 3 units)",
                });
            }
            Some(a)
        }
        None => None,
    };
    let (solved_for, n, effect, power) =
        solve_mdes_design(&q.targets, analysed, n_min, MAX_UNITS, &se, &df, "units")?;
    let randomised = q.adjustments.randomised(n);
    let rounded = round_up(randomised);
    let groups = vec![
        GroupSize {
            label: "control".into(),
            analysed: (1.0 - p) * n,
            randomised: (1.0 - p) * randomised,
            rounded: round_up((1.0 - p) * randomised),
        },
        GroupSize {
            label: "treatment".into(),
            analysed: p * n,
            randomised: p * randomised,
            rounded: round_up(p * randomised),
        },
    ];
    super::error::check_total_units(randomised, "both groups, after attrition")?;
    let n_round = q.adjustments.analysed(rounded as f64).max(n);
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
    let mut notes = q.adjustments.notes();
    notes.push(format!(
        "share treated P = {p}; covariates explain R² = {r2} of the outcome variance ({} covariates); df = N − g − 2",
        q.covariates
    ));
    if solved_for != Unknown::Power {
        notes.push("MDES = (t(1 − α/2, df) + t(power, df))·SE (PowerUp! IRA); power at the rounded size by the non-central t".into());
    }
    Ok(PowerAnswer {
        family: "individually randomised trial".into(),
        method:
            "PowerUp! MDES for individual random assignment with covariates (Dong & Maynard 2013)"
                .into(),
        solved_for,
        effect,
        effect_measure: "MDES (SD units)".into(),
        alpha: q.targets.alpha,
        power,
        power_at_rounded,
        total_analysed: n,
        total_rounded: groups.iter().map(|g| g.rounded).sum(),
        groups,
        at_minimum: false,
        notes,
    })
}
