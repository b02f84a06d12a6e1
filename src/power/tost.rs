//! Power and sample size of equivalence (TOST) and non-inferiority tests of means,
//! exact through the non-central t.
//!
//! # Formula
//! The estimate θ̂ of the difference has standard error τ = σ·k(n) with df by design:
//!
//! | design | n | k(n) | df |
//! | --- | --- | --- | --- |
//! | parallel groups (n₁, n₂ = ratio·n₁) | n₁ | √(1/n₁ + 1/n₂) | n₁ + n₂ − 2 |
//! | one sample, paired (σ of the differences) | units or pairs | √(1/n) | n − 1 |
//! | 2×2 crossover (σ the within-subject SD) | units in total | √(2/n) | n − 2 |
//!
//! (PowerTOST's design constants bk = 4 for `"parallel"` and 2 for `"2x2"`, with n the
//! total.) With c = qt(1 − α, df), δ_L = (θ − L)/τ and δ_U = (θ − U)/τ for the true
//! difference θ and the bounds L = low, U = high:
//! - equivalence: power = P((Z + δ_L)/S ≥ c and (Z + δ_U)/S ≤ −c), Owen's bivariate
//!   non-central t, by [`noncentral_t::tost_probability`] (an integral over the chi
//!   distribution of S = s/σ; PowerTOST's `power.TOST(method = "exact")`);
//! - non-inferiority, lower bound only (higher is better): P(T ≥ c), T ~ t(df, δ_L);
//!   upper bound only: P(T ≤ −c), T ~ t(df, δ_U) (the one-sided t test's exact power).
//!
//! The sample size is the smallest (continuous) n reaching the target, by Brent's method
//! on the exact power (increasing in n when θ lies inside the margins), then rounded up.
//!
//! # References
//! - Owen, D. B. (1965). A special case of a bivariate non-central t-distribution.
//!   *Biometrika* 52, 437–446. doi:10.1093/biomet/52.3-4.437
//! - Phillips, K. F. (1990). Power of the two one-sided tests procedure in
//!   bioequivalence. *J Pharmacokinet Biopharm* 18, 137–144. doi:10.1007/BF01063556
//! - R: PowerTOST `power.TOST`, `sampleN.TOST` (`logscale = FALSE`, `method = "exact"`).

use serde::{Deserialize, Serialize};

use super::answer::{Adjustments, GroupSize, PowerAnswer, Unknown, one_unknown, round_up};
use super::error::{PowerError, check_positive, check_power_target, check_share};
use super::solve::solve_increasing;
use crate::stats::distributions::{noncentral_t, t as central_t};
use crate::stats::htest::{Margins, TestError, TostHypothesis};

/// How the two treatments are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TostDesign {
    /// Two parallel groups.
    Parallel,
    /// One sample against a value.
    OneSample,
    /// Paired units (the one-sample test on the differences).
    Paired,
    /// A 2×2 crossover (AB/BA), balanced.
    Crossover,
}

impl TostDesign {
    fn family(self) -> &'static str {
        match self {
            TostDesign::Parallel => "parallel groups",
            TostDesign::OneSample => "one sample",
            TostDesign::Paired => "paired",
            TostDesign::Crossover => "2x2 crossover",
        }
    }

    /// The smallest n with at least one degree of freedom (two units per group).
    fn n_min(self, ratio: f64) -> f64 {
        match self {
            TostDesign::Parallel => 2f64.max(2.0 / ratio),
            TostDesign::OneSample | TostDesign::Paired => 2.0,
            TostDesign::Crossover => 3.0,
        }
    }
}

/// A TOST or non-inferiority planning question: leave exactly one of `n` and `power`
/// as `None`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TostQuestion {
    pub design: TostDesign,
    /// Parallel: units in the first group (the second is `ratio`·n); one sample and
    /// paired: units or pairs; crossover: units in total.
    pub n: Option<f64>,
    pub power: Option<f64>,
    /// Level of each one-sided test.
    pub alpha: f64,
    /// Standard deviation of the outcome (of the differences when paired; the
    /// within-subject SD for a crossover).
    pub sd: f64,
    /// The true difference θ the power is computed at (0: the treatments are equal).
    pub difference: f64,
    /// The equivalence bounds, or one of them for non-inferiority.
    pub margins: Margins,
    /// Allocation ratio n₂/n₁ (parallel only).
    pub ratio: f64,
    /// Attrition (n is randomised, n·(1 − attrition) analysed) and a baseline measure
    /// (the variance times 1 − r²), as for `power t`.
    pub adjustments: Adjustments,
}

fn margin_error(e: TestError) -> PowerError {
    match e {
        TestError::InvalidArgument { name, rule, value } => {
            PowerError::Invalid { name, value, rule }
        }
        other => unreachable!("Margins::hypothesis gives only InvalidArgument, not {other:?}"),
    }
}

/// Exact power of the TOST (both margins) or of the non-inferiority test (one margin).
///
/// # Errors
/// Invalid margins, sd, ratio, alpha or n (fewer units than one degree of freedom).
pub fn tost_power(
    design: TostDesign,
    n: f64,
    ratio: f64,
    sd: f64,
    difference: f64,
    margins: Margins,
    alpha: f64,
) -> Result<f64, PowerError> {
    let hypothesis = margins.hypothesis().map_err(margin_error)?;
    check_share("alpha", alpha)?;
    check_positive("sd", sd)?;
    check_positive("allocation ratio", ratio)?;
    if !(n.is_finite() && n >= design.n_min(ratio)) {
        return Err(PowerError::Invalid {
            name: "n",
            value: n,
            rule: "large enough for at least 2 units in every group (3 in a crossover)",
        });
    }
    let (df, k) = match design {
        TostDesign::Parallel => (n + ratio * n - 2.0, (1.0 / n + 1.0 / (ratio * n)).sqrt()),
        TostDesign::OneSample | TostDesign::Paired => (n - 1.0, (1.0 / n).sqrt()),
        TostDesign::Crossover => (n - 2.0, (2.0 / n).sqrt()),
    };
    let tau = sd * k;
    let c = central_t::upper_quantile(alpha, df)?;
    let delta = |bound: Option<f64>| bound.map(|b| (difference - b) / tau);
    let (low, high) = (delta(margins.low), delta(margins.high));
    Ok(match (hypothesis, low, high) {
        (TostHypothesis::Equivalence, Some(l), Some(u)) => {
            noncentral_t::tost_probability(c, df, l, u)?
        }
        (_, Some(l), None) => noncentral_t::sf(c, df, l)?,
        (_, None, Some(u)) => noncentral_t::cdf(-c, df, u)?,
        _ => unreachable!("margins checked"),
    })
}

/// Answers a TOST or non-inferiority planning question (n or power).
///
/// # Errors
/// Not exactly one unknown; invalid inputs; a true difference outside the margins when
/// solving for n (power then falls towards 0 as n grows); more than 1e9 units.
pub fn solve_tost(q: &TostQuestion) -> Result<PowerAnswer, PowerError> {
    let unknown = one_unknown("n and power", &["n", "power"], &[q.n, q.power])?;
    let hypothesis = q.margins.hypothesis().map_err(margin_error)?;
    check_share("alpha", q.alpha)?;
    let ratio = if q.design == TostDesign::Parallel {
        check_positive("allocation ratio", q.ratio)?
    } else {
        1.0
    };
    if !q.difference.is_finite() {
        return Err(PowerError::Invalid {
            name: "difference",
            value: q.difference,
            rule: "a finite number",
        });
    }
    q.adjustments.check()?;
    let sd = q.sd * q.adjustments.variance_factor().sqrt();
    let pw = |n: f64| tost_power(q.design, n, ratio, sd, q.difference, q.margins, q.alpha);
    let n_min = q.design.n_min(ratio);
    let (n, power, at_minimum) = if unknown == 0 {
        let target = check_power_target(q.power.unwrap_or_default(), q.alpha)?;
        let inside = q.margins.low.is_none_or(|l| q.difference > l)
            && q.margins.high.is_none_or(|h| q.difference < h);
        if !inside {
            return Err(PowerError::NoSolution {
                what: "sample size",
                target: format!("power {target}"),
                reason: "the true difference is not strictly inside the margins, so the power falls towards 0 as the sample grows".into(),
            });
        }
        let root = solve_increasing(pw, target, n_min, super::t::MAX_UNITS, n_min, n_min + 8.0)?;
        let (n, minimum) = root.sample_size(target, "units", || {
            "the true difference is too close to a margin".into()
        })?;
        (n, target, minimum)
    } else {
        let n = q.adjustments.analysed(q.n.unwrap_or_default());
        (n, pw(n)?, false)
    };
    let labels: Vec<(&str, f64)> = match q.design {
        TostDesign::Parallel => vec![("control", 1.0), ("treatment", ratio)],
        TostDesign::OneSample => vec![("sample", 1.0)],
        TostDesign::Paired => vec![("pairs", 1.0)],
        TostDesign::Crossover => vec![("units (both sequences)", 1.0)],
    };
    let groups: Vec<GroupSize> = labels
        .iter()
        .map(|&(label, k)| {
            let randomised = q.adjustments.randomised(k * n);
            GroupSize {
                label: label.into(),
                analysed: k * n,
                randomised,
                rounded: round_up(randomised),
            }
        })
        .collect();
    super::error::check_total_units(groups.iter().map(|g| g.randomised).sum(), "every group")?;
    let power_at_rounded = if unknown == 0 {
        pw(q.adjustments.analysed(groups[0].rounded as f64).max(n))?
    } else {
        power
    };
    let what = match hypothesis {
        TostHypothesis::Equivalence => "TOST (equivalence)",
        _ => "non-inferiority t test",
    };
    let margins = match (q.margins.low, q.margins.high) {
        (Some(l), Some(h)) => format!("equivalence bounds ({l}, {h})"),
        (Some(l), None) => format!("non-inferiority bound {l} (higher is better)"),
        (None, Some(h)) => format!("non-inferiority bound {h} (lower is better)"),
        (None, None) => unreachable!("margins checked"),
    };
    let mut notes = vec![format!(
        "{margins}, true difference {}, sd {}; each one-sided test at alpha",
        q.difference, q.sd
    )];
    notes.extend(q.adjustments.notes());
    if q.design == TostDesign::Parallel && ratio != 1.0 {
        notes.push(format!("allocation ratio treatment:control = {ratio}"));
    }
    if at_minimum {
        notes.push("the smallest sample the test allows already reaches the target power".into());
    }
    Ok(PowerAnswer {
        family: format!("{what}, {}", q.design.family()),
        method: match hypothesis {
            TostHypothesis::Equivalence => {
                "exact: Owen's bivariate non-central t (PowerTOST power.TOST, method = \"exact\", logscale = FALSE)"
            }
            _ => "exact: non-central t (one-sided t test)",
        }
        .into(),
        solved_for: [Unknown::SampleSize, Unknown::Power][unknown],
        effect: q.difference / q.sd,
        effect_measure: "true difference (SD units)".into(),
        alpha: q.alpha,
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
    use crate::stats::htest::{MeansDesign, TostOptions, tost_means};
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};

    /// The exact power agrees with the share of simulated trials the TOST of
    /// `stats::htest` declares equivalent (seeded; 20,000 trials, so the binomial
    /// standard error is about 0.0035 and 4 of them is 0.014).
    #[test]
    fn exact_power_agrees_with_simulation() {
        let margins = Margins::symmetric(0.5);
        let (n, sd, difference) = (20.0, 1.0, 0.1);
        let exact =
            tost_power(TostDesign::Parallel, n, 1.0, sd, difference, margins, 0.05).unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20);
        let trials = 20_000;
        let options = TostOptions {
            margins,
            ..TostOptions::default()
        };
        let mut shown = 0;
        let draw = |mean: f64, rng: &mut rand_chacha::ChaCha8Rng| -> Vec<f64> {
            (0..20)
                .map(|_| {
                    let z: f64 = StandardNormal.sample(rng);
                    mean + sd * z
                })
                .collect()
        };
        for _ in 0..trials {
            let x = draw(difference, &mut rng);
            let y = draw(0.0, &mut rng);
            let r = tost_means(&x, Some(&y), MeansDesign::Student, &options).unwrap();
            if r.p_value < 0.05 {
                shown += 1;
            }
        }
        let simulated = f64::from(shown) / f64::from(trials);
        let se = (exact * (1.0 - exact) / f64::from(trials)).sqrt();
        assert!(
            (simulated - exact).abs() < 4.0 * se,
            "exact {exact}, simulated {simulated}"
        );
    }

    #[test]
    fn solved_n_reaches_the_target_exactly() {
        let q = TostQuestion {
            design: TostDesign::Crossover,
            n: None,
            power: Some(0.8),
            alpha: 0.05,
            sd: 0.3,
            difference: 0.05,
            margins: Margins::symmetric(0.223),
            ratio: 1.0,
            adjustments: Adjustments::default(),
        };
        let a = solve_tost(&q).unwrap();
        let n = a.groups[0].analysed;
        let p = tost_power(TostDesign::Crossover, n, 1.0, 0.3, 0.05, q.margins, 0.05).unwrap();
        assert!((p - 0.8).abs() < 1e-10, "{p}");
        assert!(a.power_at_rounded >= 0.8);
    }

    /// Narrow margins: the bracket search evaluates the power at small n, where both
    /// tests can reject only for S in the chi distribution's far lower tail and the
    /// normal probability between the bounds is a narrow interval (once a failed
    /// quadrature: paired, margin ±0.003, sd 1).
    #[test]
    fn narrow_margins_are_solved() {
        for design in [
            TostDesign::Paired,
            TostDesign::Parallel,
            TostDesign::Crossover,
        ] {
            let q = TostQuestion {
                design,
                n: None,
                power: Some(0.9),
                alpha: 0.05,
                sd: 1.0,
                difference: 0.0,
                margins: Margins::symmetric(0.003),
                ratio: 1.0,
                adjustments: Adjustments::default(),
            };
            let a = solve_tost(&q).unwrap();
            let p = tost_power(design, a.groups[0].analysed, 1.0, 1.0, 0.0, q.margins, 0.05);
            assert!((p.unwrap() - 0.9).abs() < 1e-10, "{design:?}");
        }
    }

    #[test]
    fn a_difference_outside_the_margins_has_no_sample_size() {
        let q = TostQuestion {
            design: TostDesign::Parallel,
            n: None,
            power: Some(0.8),
            alpha: 0.05,
            sd: 1.0,
            difference: 0.6,
            margins: Margins::symmetric(0.5),
            ratio: 1.0,
            adjustments: Adjustments::default(),
        };
        assert!(matches!(solve_tost(&q), Err(PowerError::NoSolution { .. })));
    }
}
