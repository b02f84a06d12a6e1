//! Power and sample size for comparing two proportions, by two methods that users
//! often find disagree (parity-notes.md): Cohen's h with a normal approximation
//! (pwr.2p.test, pwr.2p2n.test) and the pooled-variance normal formula
//! (power.prop.test). The answer names the method used and, when the other method
//! gives a different answer, shows it too.
//!
//! # Formula
//! Cohen's h = 2·asin√p₂ − 2·asin√p₁ (treatment minus control). With
//! s = h·√(n₁n₂/(n₁ + n₂)) and z = Φ⁻¹(1 − α/2): two-sided power (both tails) =
//! Φ(s − z) + Φ(−s − z); one-sided = Φ(±s − Φ⁻¹(1 − α)).
//!
//! Pooled (power.prop.test, n per group, equal groups): with δ = |p₁ − p₂|,
//! p̄ = (p₁ + p₂)/2, power = Φ((√n·δ − z·√(2p̄(1−p̄))) / √(p₁q₁ + p₂q₂)), plus, when
//! both tails count (strict = TRUE), Φ̄((√n·δ + z·√(2p̄(1−p̄))) / √(p₁q₁ + p₂q₂)).
//!
//! # References
//! Cohen, J. (1988), ch. 6. R: `pwr::pwr.2p.test`, `pwr::pwr.2p2n.test`,
//! `stats::power.prop.test` (Fleiss, Levin & Paik 2003, ch. 4).

use serde::{Deserialize, Serialize};

use super::answer::{Adjustments, PowerAnswer, Unknown, one_unknown, two_groups};
use super::error::{PowerError, check_positive, check_power_target, check_share};
use super::solve::{Root, solve_increasing};
use super::t::{MAX_UNITS, TwoSidedRule, check_direction, check_sign, normal_guess};
use crate::stats::distributions::normal;
use crate::stats::estimate::Alternative;

/// Which method sizes a comparison of proportions.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PropMethod {
    /// Cohen's h, arcsine transformation (pwr.2p.test / pwr.2p2n.test).
    #[default]
    CohensH,
    /// Pooled-variance normal formula (R's power.prop.test); equal groups only.
    Pooled,
}

impl PropMethod {
    fn label(self) -> &'static str {
        match self {
            PropMethod::CohensH => {
                "Cohen's h with a normal approximation (pwr.2p.test / pwr.2p2n.test)"
            }
            PropMethod::Pooled => "pooled-variance normal formula (R's power.prop.test)",
        }
    }
}

/// A two-proportion planning question. The effect is p₁ (control) with p₂
/// (treatment), or Cohen's h alone (then only the h method applies). Leave exactly one
/// of `n`, the effect (`p2`, or `h` when `p1` is absent), `alpha` and `power` unknown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PropQuestion {
    pub p1: Option<f64>,
    pub p2: Option<f64>,
    pub h: Option<f64>,
    /// Units randomised in the control group.
    pub n: Option<f64>,
    pub alpha: Option<f64>,
    pub power: Option<f64>,
    /// Allocation ratio treatment:control.
    pub ratio: f64,
    pub alternative: Alternative,
    pub two_sided: TwoSidedRule,
    pub method: PropMethod,
    pub adjustments: Adjustments,
}

impl PropQuestion {
    pub fn new() -> PropQuestion {
        PropQuestion {
            p1: None,
            p2: None,
            h: None,
            n: None,
            alpha: Some(0.05),
            power: None,
            ratio: 1.0,
            alternative: Alternative::TwoSided,
            two_sided: TwoSidedRule::BothTails,
            method: PropMethod::CohensH,
            adjustments: Adjustments::default(),
        }
    }
}

impl Default for PropQuestion {
    fn default() -> Self {
        PropQuestion::new()
    }
}

/// Cohen's h = 2·asin√p₂ − 2·asin√p₁.
pub fn cohens_h(p1: f64, p2: f64) -> f64 {
    2.0 * p2.sqrt().asin() - 2.0 * p1.sqrt().asin()
}

/// Power by Cohen's h with n₁ and n₂ analysed.
pub fn h_power(
    h: f64,
    n1: f64,
    n2: f64,
    alpha: f64,
    alternative: Alternative,
    rule: TwoSidedRule,
) -> Result<f64, PowerError> {
    let s = h * (n1 * n2 / (n1 + n2)).sqrt();
    Ok(match alternative {
        Alternative::TwoSided => {
            let s = s.abs();
            let z = normal::upper_quantile(alpha / 2.0)?;
            let upper = normal::sf(z - s)?;
            match rule {
                TwoSidedRule::BothTails => upper + normal::cdf(-z - s)?,
                TwoSidedRule::UpperTail => upper,
            }
        }
        Alternative::Greater => normal::sf(normal::upper_quantile(alpha)? - s)?,
        Alternative::Less => normal::cdf(normal::quantile(alpha)? - s)?,
    })
}

/// Power by power.prop.test's pooled-variance formula, n per group.
pub fn pooled_power(
    p1: f64,
    p2: f64,
    n: f64,
    alpha: f64,
    alternative: Alternative,
    rule: TwoSidedRule,
) -> Result<f64, PowerError> {
    let tside = if alternative == Alternative::TwoSided {
        2.0
    } else {
        1.0
    };
    let qu = normal::upper_quantile(alpha / tside)?;
    let d = (p1 - p2).abs();
    let pbar = (p1 + p2) / 2.0;
    let pooled = (2.0 * pbar * (1.0 - pbar)).sqrt();
    let sd = (p1 * (1.0 - p1) + p2 * (1.0 - p2)).sqrt();
    let mut power = normal::cdf((n.sqrt() * d - qu * pooled) / sd)?;
    if alternative == Alternative::TwoSided && rule == TwoSidedRule::BothTails {
        power += normal::sf((n.sqrt() * d + qu * pooled) / sd)?;
    }
    Ok(power)
}

/// Answers a two-proportion question by the chosen method first, then by the other
/// method when it applies and gives a different answer.
///
/// # Errors
/// As [`super::t::solve_t`]; proportions outside (0, 1); a one-sided alternative the
/// effect runs against.
pub fn solve_prop(q: &PropQuestion) -> Result<Vec<PowerAnswer>, PowerError> {
    let effect = if q.p1.is_some() { q.p2 } else { q.h };
    one_unknown(
        "n, the effect (p2 or h), alpha and power",
        &["n", "effect", "alpha", "power"],
        &[q.n, effect, q.alpha, q.power],
    )?;
    if let Some(p1) = q.p1 {
        check_share("p1", p1)?;
        if q.h.is_some() {
            return Err(PowerError::Invalid {
                name: "h",
                value: q.h.unwrap_or_default(),
                rule: "given only when p1 and p2 are not",
            });
        }
    }
    if let Some(p2) = q.p2 {
        check_share("p2", p2)?;
    }
    check_positive("allocation ratio", q.ratio)?;
    q.adjustments.check()?;
    let primary = solve_with(q, q.method)?;
    let mut answers = vec![primary];
    let other = match q.method {
        PropMethod::CohensH => PropMethod::Pooled,
        PropMethod::Pooled => PropMethod::CohensH,
    };
    if q.p1.is_some()
        && q.ratio == 1.0
        && let Ok(second) = solve_with(q, other)
    {
        let first = &answers[0];
        let differs = match first.solved_for {
            Unknown::SampleSize => second.total_rounded != first.total_rounded,
            Unknown::Effect => (second_p2(&second) - second_p2(first)).abs() > 1e-6,
            Unknown::Alpha => (second.alpha - first.alpha).abs() > 1e-6,
            _ => (second.power - first.power).abs() > 1e-6,
        };
        if differs {
            answers.push(second);
        }
    }
    Ok(answers)
}

fn second_p2(a: &PowerAnswer) -> f64 {
    a.effect
}

fn solve_with(q: &PropQuestion, method: PropMethod) -> Result<PowerAnswer, PowerError> {
    if method == PropMethod::Pooled {
        if q.p1.is_none() {
            return Err(PowerError::NoSolution {
                what: "pooled-variance answer",
                target: "the question".into(),
                reason: "the pooled method needs p1 and p2, not h".into(),
            });
        }
        if q.ratio != 1.0 {
            return Err(PowerError::NoSolution {
                what: "pooled-variance answer",
                target: "unequal groups".into(),
                reason: "power.prop.test's formula is for equal groups; use Cohen's h".into(),
            });
        }
    }
    let ratio = q.ratio;
    let alpha_in = q.alpha;
    // The effect is carried as p2 when p1 is known, else as h.
    let power_at = |n1: f64, effect: f64, alpha: f64| -> Result<f64, PowerError> {
        match (method, q.p1) {
            (PropMethod::Pooled, Some(p1)) => {
                pooled_power(p1, effect, n1, alpha, q.alternative, q.two_sided)
            }
            (_, Some(p1)) => h_power(
                cohens_h(p1, effect),
                n1,
                ratio * n1,
                alpha,
                q.alternative,
                q.two_sided,
            ),
            (_, None) => h_power(effect, n1, ratio * n1, alpha, q.alternative, q.two_sided),
        }
    };
    let effect_in = if q.p1.is_some() { q.p2 } else { q.h };
    let h_of = |e: f64| q.p1.map(|p1| cohens_h(p1, e)).unwrap_or(e);
    let n_min = 2f64.max(2.0 / ratio);
    let mut at_minimum = false;
    let (solved_for, n1, effect, alpha, power) = if q.n.is_none() {
        let (e, alpha) = (effect_in.unwrap_or_default(), alpha_in.unwrap_or_default());
        let target = check_power_target(q.power.unwrap_or_default(), alpha)?;
        let h = h_of(e);
        check_direction(h, q.alternative)?;
        let n0 = normal_guess(h, alpha, target, q.alternative) * (1.0 + 1.0 / ratio) / 2.0;
        let root = solve_increasing(
            |n| power_at(n, e, alpha),
            target,
            n_min,
            MAX_UNITS,
            (0.7 * n0).max(n_min),
            1.5 * n0 + 4.0,
        )?;
        let (n1, minimum) = root.sample_size(target, "units per group", || {
            format!("h = {h:.3e} is too small")
        })?;
        at_minimum |= minimum;
        (Unknown::SampleSize, n1, e, alpha, target)
    } else if effect_in.is_none() {
        let (n, alpha) = (q.n.unwrap_or_default(), alpha_in.unwrap_or_default());
        let n1 = q.adjustments.analysed(n);
        let target = check_power_target(q.power.unwrap_or_default(), alpha)?;
        let down = q.alternative == Alternative::Less;
        let (e, reachable) = match q.p1 {
            Some(p1) => {
                // Search p2 away from p1 in the direction of the alternative.
                let (lo, hi) = if down { (0.0, p1) } else { (p1, 1.0) };
                let to_p2 = |m: f64| {
                    if down {
                        hi - m * (hi - lo)
                    } else {
                        lo + m * (hi - lo)
                    }
                };
                let root = solve_increasing(
                    |m| power_at(n1, to_p2(m), alpha),
                    target,
                    0.0,
                    1.0,
                    0.0,
                    1.0,
                )?;
                match root {
                    Root::At(m) => (to_p2(m), true),
                    _ => (f64::NAN, false),
                }
            }
            None => {
                let sign = if down { -1.0 } else { 1.0 };
                let root = solve_increasing(
                    |m| power_at(n1, sign * m, alpha),
                    target,
                    0.0,
                    std::f64::consts::PI,
                    0.0,
                    1.0,
                )?;
                match root {
                    Root::At(m) => (sign * m, true),
                    _ => (f64::NAN, false),
                }
            }
        };
        if !reachable {
            return Err(PowerError::NoSolution {
                what: "difference in proportions",
                target: format!("power {target} with {n} per group"),
                reason: "even the largest possible difference falls short".into(),
            });
        }
        (Unknown::Effect, n1, e, alpha, target)
    } else if alpha_in.is_none() {
        let (n, e) = (q.n.unwrap_or_default(), effect_in.unwrap_or_default());
        let n1 = q.adjustments.analysed(n);
        let target = q.power.unwrap_or_default();
        check_sign(h_of(e), q.alternative)?;
        match solve_increasing(
            |a| power_at(n1, e, a),
            target,
            1e-10,
            1.0 - 1e-10,
            1e-4,
            0.5,
        )? {
            Root::At(a) => (Unknown::Alpha, n1, e, a, target),
            _ => {
                return Err(PowerError::NoSolution {
                    what: "significance level",
                    target: format!("power {target}"),
                    reason: "the power does not cross the target for alpha in (1e-10, 1)".into(),
                });
            }
        }
    } else {
        let (n, e, alpha) = (
            q.n.unwrap_or_default(),
            effect_in.unwrap_or_default(),
            alpha_in.unwrap_or_default(),
        );
        check_sign(h_of(e), q.alternative)?;
        let n1 = q.adjustments.analysed(n);
        (Unknown::Power, n1, e, alpha, power_at(n1, e, alpha)?)
    };
    if q.n.is_some() && (n1.is_nan() || n1 < n_min) {
        return Err(PowerError::Invalid {
            name: "n",
            value: q.n.unwrap_or_default(),
            rule: "large enough that at least 2 units are analysed in every group",
        });
    }
    let groups = two_groups(n1, ratio, &q.adjustments);
    super::error::check_total_units(
        groups.iter().map(|g| g.randomised).sum(),
        "both groups, after attrition",
    )?;
    let power_at_rounded = if solved_for == Unknown::SampleSize {
        power_at(
            q.adjustments.analysed(groups[0].rounded as f64).max(n1),
            effect,
            alpha,
        )?
    } else {
        power
    };
    let mut notes = q.adjustments.notes();
    let (effect_value, measure) = match q.p1 {
        Some(p1) => {
            notes.push(format!(
                "control proportion p1 = {p1}, treatment proportion p2 = {}, Cohen's h = {}",
                crate::report::format::significant(effect, 6),
                crate::report::format::significant(cohens_h(p1, effect), 4)
            ));
            (effect, "p2 (treatment proportion)")
        }
        None => (effect, "h (Cohen)"),
    };
    if at_minimum {
        notes.push("the smallest sample allowed already reaches the target power".into());
    }
    if ratio != 1.0 {
        notes.push(format!("allocation ratio treatment:control = {ratio}"));
    }
    Ok(PowerAnswer {
        family: "two proportions".into(),
        method: format!(
            "{}{}",
            method.label(),
            match (q.alternative, q.two_sided) {
                (Alternative::TwoSided, TwoSidedRule::BothTails) =>
                    ", two-sided counting both tails",
                (Alternative::TwoSided, TwoSidedRule::UpperTail) =>
                    ", two-sided counting the upper tail only",
                _ => ", one-sided",
            }
        ),
        solved_for,
        effect: effect_value,
        effect_measure: measure.into(),
        alpha,
        power,
        power_at_rounded,
        total_analysed: groups.iter().map(|g| g.analysed).sum(),
        total_rounded: groups.iter().map(|g| g.rounded).sum(),
        groups,
        at_minimum,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The classic disagreement: p1 = 0.5 vs p2 = 0.6 at 80% power.
    #[test]
    fn both_methods_are_shown_when_they_differ() {
        let mut q = PropQuestion::new();
        q.p1 = Some(0.5);
        q.p2 = Some(0.6);
        q.power = Some(0.8);
        let answers = solve_prop(&q).unwrap();
        assert_eq!(answers[0].solved_for, Unknown::SampleSize);
        assert!(answers[0].method.contains("Cohen"));
    }

    #[test]
    fn bad_proportions_are_refused() {
        let mut q = PropQuestion::new();
        q.p1 = Some(1.2);
        q.p2 = Some(0.6);
        q.power = Some(0.8);
        assert!(matches!(
            solve_prop(&q),
            Err(PowerError::ShareOutOfRange { .. })
        ));
    }
}
