//! The size of the second group when the first is fixed: pwr.t2n.test and
//! pwr.2p2n.test with `n1` given and `n2` left out. The question is a t or two-
//! proportion question with `n` (the first, control group, randomised) given and the
//! power targeted; the allocation ratio is what is solved for.
//!
//! # Method
//! Power rises with the second group's size n₂ = ratio · n₁ (analysed) towards the
//! limit set by the first group alone, so Brent's method on the ratio
//! ([`super::solve::solve_increasing`]) finds the n₂ whose power is the target; the
//! power at each ratio is the family's own solver asked for the power, so attrition,
//! baseline adjustment, alternatives and tail rules are exactly those of [`solve_t`] and
//! [`solve_prop`]. A target that even an unlimited second group cannot reach is an
//! error saying that the first group is too small.

use super::answer::Unknown;
use super::prop::{PropQuestion, solve_prop};
use super::solve::{Root, solve_increasing};
use super::t::{MAX_UNITS, TQuestion, TTestKind, solve_t};
use super::{PowerAnswer, PowerError};

/// The second (treatment) group's size for a two-sample t question with `q.n` (the
/// first group, randomised), `q.d`, `q.alpha` and `q.power` given; `q.ratio` is ignored.
///
/// # Errors
/// A one- or paired-sample question; a missing n, d, alpha or power; the errors of
/// [`solve_t`]; a target beyond the reach of any second group.
pub fn solve_t_second_group(q: &TQuestion) -> Result<PowerAnswer, PowerError> {
    if q.kind != TTestKind::TwoSample {
        return Err(PowerError::Invalid {
            name: "n2",
            value: f64::NAN,
            rule: "solved for in two-sample questions only",
        });
    }
    let (n1, target) = given(q.n, q.d, q.alpha, q.power)?;
    let n1_analysed = q.adjustments.analysed(n1);
    solve_second(n1_analysed, target, |ratio| {
        solve_t(&TQuestion {
            ratio,
            power: None,
            ..*q
        })
    })
}

/// As [`solve_t_second_group`], for two proportions (Cohen's h, pwr.2p2n.test; the
/// pooled-variance method takes equal groups only).
///
/// # Errors
/// As [`solve_t_second_group`], with the errors of [`solve_prop`].
pub fn solve_prop_second_group(q: &PropQuestion) -> Result<PowerAnswer, PowerError> {
    let effect = if q.p1.is_some() { q.p2 } else { q.h };
    let (n1, target) = given(q.n, effect, q.alpha, q.power)?;
    let n1_analysed = q.adjustments.analysed(n1);
    solve_second(n1_analysed, target, |ratio| {
        let mut answers = solve_prop(&PropQuestion {
            ratio,
            power: None,
            ..*q
        })?;
        Ok(answers.swap_remove(0))
    })
}

fn given(
    n1: Option<f64>,
    effect: Option<f64>,
    alpha: Option<f64>,
    power: Option<f64>,
) -> Result<(f64, f64), PowerError> {
    match (n1, effect, alpha, power) {
        (Some(n1), Some(_), Some(_), Some(power)) => Ok((n1, power)),
        _ => Err(PowerError::Invalid {
            name: "n2",
            value: f64::NAN,
            rule: "solved for only with the first group's size, the effect, alpha and power given",
        }),
    }
}

fn solve_second(
    n1_analysed: f64,
    target: f64,
    answer_at: impl Fn(f64) -> Result<PowerAnswer, PowerError>,
) -> Result<PowerAnswer, PowerError> {
    if !(n1_analysed.is_finite() && n1_analysed >= 2.0) {
        return Err(PowerError::Invalid {
            name: "n1",
            value: n1_analysed,
            rule: "at least 2 units analysed",
        });
    }
    let min_ratio = 2.0 / n1_analysed;
    // The bracket ends at the largest second group the engine plans for: the total
    // randomised (both groups, after attrition) must stay within MAX_UNITS, so step
    // down from the analysed limit until the answer there is one the solver may give.
    let mut max_ratio = (MAX_UNITS - n1_analysed).max(2.0) / n1_analysed;
    while max_ratio > min_ratio
        && matches!(answer_at(max_ratio), Err(PowerError::TooManyUnits { .. }))
    {
        max_ratio *= 0.9;
    }
    let power_at = |ratio: f64| answer_at(ratio).map(|a| a.power);
    let root = solve_increasing(power_at, target, min_ratio, max_ratio, 0.5, 2.0)?;
    let (ratio, at_minimum) = match root {
        Root::At(r) => (r, false),
        Root::AtMinimum(r) => (r, true),
        Root::AboveMaximum(_) => {
            return Err(PowerError::NoSolution {
                what: "second group's size",
                target: format!("power {target}"),
                reason: format!(
                    "with {n1_analysed} analysed in the first group even an unlimited second group falls short; enlarge the first group"
                ),
            });
        }
    };
    let mut answer = answer_at(ratio)?;
    let second = &answer.groups[1];
    let rounded_analysed = second.rounded as f64 * second.analysed / second.randomised;
    answer.power_at_rounded = power_at(rounded_analysed.max(second.analysed) / n1_analysed)?;
    answer.solved_for = Unknown::SampleSize;
    answer.at_minimum = at_minimum;
    answer.power = target;
    answer.notes.push(format!(
        "the first group is fixed at {}; the second group's size was solved for",
        answer.groups[0].randomised
    ));
    answer.total_rounded = answer.groups.iter().map(|g| g.rounded).sum();
    Ok(answer)
}
