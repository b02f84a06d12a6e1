//! Power of chi-square tests (goodness of fit and contingency tables) with Cohen's w.
//!
//! # Formula
//! With k = qchisq(1 − α, df) and a non-central chi-square with ncp = N·w²:
//! power = P(χ²(df, N·w²) > k) (pwr.chisq.test; Cohen 1988, ch. 7).

use super::answer::{Adjustments, PowerAnswer, Unknown, group, one_unknown};
use super::error::{PowerError, check_positive, check_power_target, check_share};
use super::solve::{Root, solve_increasing};
use super::t::MAX_UNITS;
use crate::stats::distributions::{chi_squared, noncentral_chi_squared};

/// A chi-square planning question: leave one of `n`, `w`, `alpha`, `power` unknown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChisqQuestion {
    /// Total units randomised (recruited).
    pub n: Option<f64>,
    /// Cohen's w.
    pub w: Option<f64>,
    pub df: f64,
    pub alpha: Option<f64>,
    pub power: Option<f64>,
    pub adjustments: Adjustments,
}

/// P(χ²(df, n·w²) > qchisq(1 − α, df)).
pub fn chisq_power(n: f64, w: f64, df: f64, alpha: f64) -> Result<f64, PowerError> {
    let k = chi_squared::upper_quantile(alpha, df)?;
    Ok(noncentral_chi_squared::sf(k, df, n * w * w)?)
}

/// Answers a chi-square planning question.
///
/// # Errors
/// As [`super::t::solve_t`]; df not positive; w negative.
pub fn solve_chisq(q: &ChisqQuestion) -> Result<PowerAnswer, PowerError> {
    let unknown = one_unknown(
        "n, w, alpha and power",
        &["n", "w", "alpha", "power"],
        &[q.n, q.w, q.alpha, q.power],
    )?;
    check_positive("df", q.df)?;
    q.adjustments.check()?;
    if let Some(a) = q.alpha {
        check_share("alpha", a)?;
    }
    if let Some(p) = q.power {
        check_share("power", p)?;
    }
    if let Some(w) = q.w
        && !(w.is_finite() && w >= 0.0)
    {
        return Err(PowerError::Invalid {
            name: "w",
            value: w,
            rule: "non-negative and finite",
        });
    }
    if let Some(n) = q.n {
        check_positive("n", q.adjustments.analysed(n))?;
    }
    let df = q.df;
    let mut at_minimum = false;
    let (n, w, alpha, power) = match unknown {
        0 => {
            let (w, alpha) = (q.w.unwrap_or_default(), q.alpha.unwrap_or_default());
            let target = check_power_target(q.power.unwrap_or_default(), alpha)?;
            if w == 0.0 {
                return Err(PowerError::ZeroEffect);
            }
            let guess = (df + 8.0) / (w * w);
            let (n, minimum) = solve_increasing(
                |n| chisq_power(n, w, df, alpha),
                target,
                1.0,
                MAX_UNITS,
                (guess / 4.0).max(1.0),
                guess,
            )?
            .sample_size(target, "units", || {
                format!("w = {} is too small", crate::report::format::shortest(w))
            })?;
            at_minimum |= minimum;
            (n, w, alpha, target)
        }
        1 => {
            let (n, alpha) = (
                q.adjustments.analysed(q.n.unwrap_or_default()),
                q.alpha.unwrap_or_default(),
            );
            let target = check_power_target(q.power.unwrap_or_default(), alpha)?;
            match solve_increasing(|w| chisq_power(n, w, df, alpha), target, 0.0, 1e4, 0.0, 1.0)? {
                Root::At(w) => (n, w, alpha, target),
                _ => {
                    return Err(PowerError::NoSolution {
                        what: "effect",
                        target: format!("power {target}"),
                        reason: "no w below 1e4 reaches it".into(),
                    });
                }
            }
        }
        2 => {
            let (n, w) = (
                q.adjustments.analysed(q.n.unwrap_or_default()),
                q.w.unwrap_or_default(),
            );
            let target = q.power.unwrap_or_default();
            match solve_increasing(
                |a| chisq_power(n, w, df, a),
                target,
                1e-10,
                1.0 - 1e-10,
                1e-4,
                0.5,
            )? {
                Root::At(a) => (n, w, a, target),
                _ => {
                    return Err(PowerError::NoSolution {
                        what: "significance level",
                        target: format!("power {target}"),
                        reason: "the power does not cross the target for alpha in (1e-10, 1)"
                            .into(),
                    });
                }
            }
        }
        _ => {
            let (n, w, alpha) = (
                q.adjustments.analysed(q.n.unwrap_or_default()),
                q.w.unwrap_or_default(),
                q.alpha.unwrap_or_default(),
            );
            (n, w, alpha, chisq_power(n, w, df, alpha)?)
        }
    };
    let solved_for = [
        Unknown::SampleSize,
        Unknown::Effect,
        Unknown::Alpha,
        Unknown::Power,
    ][unknown];
    let g = group("total", n, &q.adjustments);
    super::error::check_total_units(g.randomised, "after attrition")?;
    let power_at_rounded = if solved_for == Unknown::SampleSize {
        chisq_power(
            q.adjustments.analysed(g.rounded as f64).max(n),
            w,
            df,
            alpha,
        )?
    } else {
        power
    };
    let mut notes = q.adjustments.notes();
    notes.push(format!("{df} degrees of freedom"));
    if at_minimum {
        notes.push("a single unit already reaches the target power".into());
    }
    Ok(PowerAnswer {
        family: "chi-square test".into(),
        method: "non-central chi-square with ncp = N·w² (pwr.chisq.test)".into(),
        solved_for,
        effect: w,
        effect_measure: "w (Cohen)".into(),
        alpha,
        power,
        power_at_rounded,
        total_analysed: n,
        total_rounded: g.rounded,
        groups: vec![g],
        at_minimum,
        notes,
    })
}
