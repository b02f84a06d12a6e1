//! Bounds on a treatment effect when outcomes are missing for some of the units
//! randomised (attrition): Lee (2009) trimming bounds and Horowitz–Manski (2000) worst-case
//! bounds, each with the Imbens–Manski (2004) confidence interval for the effect.
//!
//! In: the observed outcomes of the control and the treated arm and the number allocated
//! to each. Out: a [`LeeBounds`] or [`WorstCaseBounds`]: the identified interval for the
//! effect (treated − control), the standard error of each end and a confidence interval
//! that covers the effect with the stated probability.
//!
//! # Lee bounds
//! With q_j the share of arm j's allocated units whose outcome is observed, the arm with
//! the higher share H is trimmed by p = (q_H − q_O)/q_H of its observed outcomes, the share
//! that would not have been observed had it been allocated to the other arm. Under
//! monotonicity (assignment moves observation one way only) the effect on the units
//! observed either way lies between the means of H's outcomes with the top p dropped and
//! with the bottom p dropped, against the other arm's mean. The n_H observed outcomes are
//! sorted (ties in data order) and ⌊p·n_H⌋ dropped from one end: the upper part keeps the
//! ranks above p·n_H exactly as Lee's own Stata program `trimbound`; the lower part is its
//! mirror image (trimbound keeps the ranks below (1 − p)·n_H, which drops one more when
//! that is whole, and one observation even when p = 0).
//!
//! Standard errors are Lee's (2009, Proposition 3) as trimbound computes them: for a kept
//! part K with mean μ, sample variance s² (n − 1), size n_K and cut-off y (its smallest
//! value for the upper part, its largest for the lower),
//! se² = s²/n_K + (y − μ)²·p/((1 − p)·n_H) + (y − μ)²/(1 − p)²·V_p with
//! V_p = (1 − p)²·[(1 − q_H)/(N_H q_H) + (1 − q_O)/(N_O q_O)] (N_j allocated), and the
//! other arm's mean adds s_O²/n_O.
//!
//! # Horowitz–Manski bounds
//! For an outcome known to lie in [a, b], each arm's mean over all its allocated units lies
//! between the mean with every missing outcome set to a and with every one set to b; the
//! effect between lo_T − hi_C and hi_T − lo_C. No assumption about who went missing. Each
//! end's standard error is that of a difference of two means of the imputed outcomes
//! (sample variances, n − 1, over the allocated units).
//!
//! # Imbens–Manski interval
//! [L − c·σ_L, U + c·σ_U] with c solving Φ(c + (U − L)/max(σ_L, σ_U)) − Φ(−c) = 1 − α:
//! it covers the effect (not the whole interval) with probability 1 − α, so it lies
//! between the one-sided (c = z₁₋α) and two-sided (c = z₁₋α/₂) normal critical values.
//!
//! # References
//! - Lee, D. S. (2009). Training, wages, and sample selection: estimating sharp bounds on
//!   treatment effects. *Review of Economic Studies* 76(3), 1071–1102.
//!   doi:10.1111/j.1467-937X.2009.00536.x
//! - Horowitz, J. L. & Manski, C. F. (2000). Nonparametric analysis of randomized
//!   experiments with missing covariate and outcome data. *JASA* 95(449), 77–84.
//! - Imbens, G. W. & Manski, C. F. (2004). Confidence intervals for partially identified
//!   parameters. *Econometrica* 72(6), 1845–1857.

use serde::Serialize;

use super::distributions::normal;
use super::root::{Tolerance, brent};

/// Problems with the data given to a bound.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BoundsError {
    #[error(
        "the {arm} arm has {observed} observed outcome(s) of {allocated} allocated; bounds need at least 2 observed and no more than allocated"
    )]
    Counts {
        arm: &'static str,
        observed: usize,
        allocated: usize,
    },
    #[error("an observed outcome is {value}, outside the declared range {low} to {high}")]
    OutsideRange { value: f64, low: f64, high: f64 },
    #[error("the declared range {low} to {high} is not an interval (low must be below high)")]
    BadRange { low: f64, high: f64 },
    #[error("an observed outcome is not a finite number")]
    NotFinite,
}

/// Which arm's observed outcomes Lee's method trims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrimmedArm {
    Treated,
    Control,
}

/// One end of an identified interval with its standard error.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct BoundEnd {
    pub estimate: f64,
    pub std_error: f64,
}

/// Lee (2009) trimming bounds on the effect (treated − control).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct LeeBounds {
    /// The arm with the higher observed share, whose outcomes are trimmed.
    pub trimmed_arm: TrimmedArm,
    /// The share of the trimmed arm's observed outcomes dropped (p), and its standard
    /// error (√V_p).
    pub trim_share: f64,
    pub trim_share_std_error: f64,
    /// Observed shares of allocated units: control, then treated.
    pub observed_share: [f64; 2],
    /// Observations dropped from each end of the trimmed arm (⌊p·n⌋).
    pub trimmed: usize,
    pub lower: BoundEnd,
    pub upper: BoundEnd,
    /// The difference in the observed means (no trimming), for reference.
    pub untrimmed: f64,
    pub interval: ConfidenceInterval,
}

/// Horowitz–Manski worst-case bounds on the effect for an outcome in [low, high].
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct WorstCaseBounds {
    /// The range the outcome is known to lie in.
    pub range: [f64; 2],
    pub lower: BoundEnd,
    pub upper: BoundEnd,
    pub interval: ConfidenceInterval,
}

/// The Imbens–Manski confidence interval for a partially identified effect.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ConfidenceInterval {
    pub conf_level: f64,
    /// The critical value c.
    pub critical_value: f64,
    pub conf_low: f64,
    pub conf_high: f64,
}

fn check_arm(arm: &'static str, observed: &[f64], allocated: usize) -> Result<(), BoundsError> {
    if observed.len() < 2 || observed.len() > allocated {
        return Err(BoundsError::Counts {
            arm,
            observed: observed.len(),
            allocated,
        });
    }
    if observed.iter().any(|y| !y.is_finite()) {
        return Err(BoundsError::NotFinite);
    }
    Ok(())
}

/// Mean and sample variance (n − 1).
fn mean_var(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let ss: f64 = values.iter().map(|y| (y - mean).powi(2)).sum();
    (mean, ss / (n - 1.0))
}

/// Lee (2009) bounds for the effect of the treated arm against the control.
///
/// # Errors
/// [`BoundsError`] when an arm has fewer than 2 observed outcomes or more than it was
/// allocated, or an outcome is not finite.
pub fn lee_bounds(
    control: (&[f64], usize),
    treated: (&[f64], usize),
    conf_level: f64,
) -> Result<LeeBounds, BoundsError> {
    check_arm("control", control.0, control.1)?;
    check_arm("treated", treated.0, treated.1)?;
    let share = |(y, n): (&[f64], usize)| y.len() as f64 / n as f64;
    let (q_c, q_t) = (share(control), share(treated));
    let (trimmed_arm, high, other) = if q_t >= q_c {
        (TrimmedArm::Treated, treated, control)
    } else {
        (TrimmedArm::Control, control, treated)
    };
    let (q_h, q_o) = (share(high), share(other));
    let p = (q_h - q_o) / q_h;
    let mut sorted: Vec<f64> = high.0.to_vec();
    // A stable sort keeps ties in data order, as trimbound's sort on a tie-breaking key.
    sorted.sort_by(f64::total_cmp);
    let n_h = sorted.len();
    let drop = (p * n_h as f64).floor() as usize;
    let v_p = (1.0 - p).powi(2)
        * ((1.0 - q_h) / (high.1 as f64 * q_h) + (1.0 - q_o) / (other.1 as f64 * q_o));
    // Lee's variance of a trimmed mean: sampling, the cut-off and the estimated p.
    let part = |kept: &[f64], cutoff: f64| -> BoundEnd {
        let (mean, var) = mean_var(kept);
        let gap = (cutoff - mean).powi(2);
        let v = var / kept.len() as f64
            + gap * p / ((1.0 - p) * n_h as f64)
            + gap / (1.0 - p).powi(2) * v_p;
        BoundEnd {
            estimate: mean,
            std_error: v.sqrt(),
        }
    };
    let upper_part = &sorted[drop..];
    let lower_part = &sorted[..n_h - drop];
    let kept_high = part(upper_part, upper_part[0]);
    let kept_low = part(lower_part, lower_part[lower_part.len() - 1]);
    let (other_mean, other_var) = mean_var(other.0);
    let other_v = other_var / other.0.len() as f64;
    let effect = |trimmed: BoundEnd, sign: f64| BoundEnd {
        estimate: sign * (trimmed.estimate - other_mean),
        std_error: (trimmed.std_error.powi(2) + other_v).sqrt(),
    };
    let (lower, upper) = match trimmed_arm {
        TrimmedArm::Treated => (effect(kept_low, 1.0), effect(kept_high, 1.0)),
        TrimmedArm::Control => (effect(kept_high, -1.0), effect(kept_low, -1.0)),
    };
    let untrimmed = mean_var(treated.0).0 - mean_var(control.0).0;
    Ok(LeeBounds {
        trimmed_arm,
        trim_share: p,
        trim_share_std_error: v_p.sqrt(),
        observed_share: [q_c, q_t],
        trimmed: drop,
        lower,
        upper,
        untrimmed,
        interval: imbens_manski(lower, upper, conf_level),
    })
}

/// Horowitz–Manski bounds for an outcome known to lie in `range`.
///
/// # Errors
/// [`BoundsError`] for the counts as [`lee_bounds`], a range that is not an interval,
/// or an observed outcome outside it.
pub fn worst_case_bounds(
    control: (&[f64], usize),
    treated: (&[f64], usize),
    range: [f64; 2],
    conf_level: f64,
) -> Result<WorstCaseBounds, BoundsError> {
    let [low, high] = range;
    if !(low.is_finite() && high.is_finite() && low < high) {
        return Err(BoundsError::BadRange { low, high });
    }
    check_arm("control", control.0, control.1)?;
    check_arm("treated", treated.0, treated.1)?;
    if let Some(&value) = control
        .0
        .iter()
        .chain(treated.0)
        .find(|&&y| y < low || y > high)
    {
        return Err(BoundsError::OutsideRange { value, low, high });
    }
    // The arm's mean over all allocated units with the missing outcomes set to `fill`,
    // and its variance.
    let imputed = |(y, n): (&[f64], usize), fill: f64| -> (f64, f64) {
        let missing = n - y.len();
        let n = n as f64;
        let mean = (y.iter().sum::<f64>() + missing as f64 * fill) / n;
        let ss = y.iter().map(|v| (v - mean).powi(2)).sum::<f64>()
            + missing as f64 * (fill - mean).powi(2);
        (mean, ss / (n - 1.0) / n)
    };
    let end = |t: (f64, f64), c: (f64, f64)| BoundEnd {
        estimate: t.0 - c.0,
        std_error: (t.1 + c.1).sqrt(),
    };
    let lower = end(imputed(treated, low), imputed(control, high));
    let upper = end(imputed(treated, high), imputed(control, low));
    Ok(WorstCaseBounds {
        range,
        lower,
        upper,
        interval: imbens_manski(lower, upper, conf_level),
    })
}

/// The Imbens–Manski interval: c solves Φ(c + Δ/max σ) − Φ(−c) = level, by Brent's
/// method to full precision between the one- and two-sided normal critical values.
pub fn imbens_manski(lower: BoundEnd, upper: BoundEnd, conf_level: f64) -> ConfidenceInterval {
    let sigma = lower.std_error.max(upper.std_error);
    let width = (upper.estimate - lower.estimate).max(0.0);
    let two_sided = normal::quantile(1.0 - (1.0 - conf_level) / 2.0).unwrap_or(f64::NAN);
    let critical_value = if width == 0.0 || sigma == 0.0 || !sigma.is_finite() {
        two_sided
    } else {
        let shift = width / sigma;
        let f = |c: f64| -> Result<f64, std::convert::Infallible> {
            // Φ(c + shift) − Φ(−c) − level, with upper tails for accuracy near 1.
            Ok(1.0
                - normal::sf(c + shift).unwrap_or(f64::NAN)
                - normal::sf(c).unwrap_or(f64::NAN)
                - conf_level)
        };
        let one_sided = normal::quantile(conf_level).unwrap_or(f64::NAN);
        let (a, b) = (one_sided - 1e-9, two_sided + 1e-9);
        let fa = f(a).unwrap_or(f64::NAN);
        let fb = f(b).unwrap_or(f64::NAN);
        match brent(
            f,
            (a, fa),
            (b, fb),
            Tolerance {
                relative: 4.0 * f64::EPSILON,
                absolute: 1e-15,
                max_iterations: 200,
            },
        ) {
            Ok(root) => root.x,
            Err(never) => match never {},
        }
    };
    ConfidenceInterval {
        conf_level,
        critical_value,
        conf_low: lower.estimate - critical_value * lower.std_error,
        conf_high: upper.estimate + critical_value * upper.std_error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::prec::assert_close;

    #[test]
    fn equal_observed_shares_give_the_difference_in_means() {
        let c = [1.0, 2.0, 3.0, 4.0];
        let t = [2.0, 4.0, 6.0, 8.0];
        let b = lee_bounds((&c, 5), (&t, 5), 0.95).unwrap();
        assert_eq!(b.trim_share, 0.0);
        assert_eq!(b.trimmed, 0);
        assert_close(b.lower.estimate, 2.5, 1e-15, "lower");
        assert_close(b.upper.estimate, 2.5, 1e-15, "upper");
        // Zero width: the two-sided critical value.
        assert_close(b.interval.critical_value, 1.959963984540054, 1e-14, "c");
    }

    #[test]
    fn the_arm_observed_more_is_trimmed_and_the_bounds_bracket_the_estimate() {
        let c: Vec<f64> = (0..40).map(|i| (i as f64 * 0.37).sin() * 3.0).collect();
        let t: Vec<f64> = (0..48)
            .map(|i| 1.0 + (i as f64 * 0.53).cos() * 3.0)
            .collect();
        let b = lee_bounds((&c, 60), (&t, 60), 0.95).unwrap();
        assert_eq!(b.trimmed_arm, TrimmedArm::Treated);
        assert_close(
            b.trim_share,
            (48.0 / 60.0 - 40.0 / 60.0) / (48.0 / 60.0),
            1e-15,
            "p",
        );
        assert_eq!(b.trimmed, 8);
        assert!(b.lower.estimate < b.untrimmed && b.untrimmed < b.upper.estimate);
        // Swapping the arms mirrors the bounds.
        let s = lee_bounds((&t, 60), (&c, 60), 0.95).unwrap();
        assert_eq!(s.trimmed_arm, TrimmedArm::Control);
        assert_close(s.lower.estimate, -b.upper.estimate, 1e-14, "mirror lower");
        assert_close(s.upper.estimate, -b.lower.estimate, 1e-14, "mirror upper");
        assert_close(s.upper.std_error, b.lower.std_error, 1e-14, "mirror se");
        let ci = b.interval;
        let one = normal::quantile(0.95).unwrap();
        assert!(
            ci.critical_value > one && ci.critical_value < 1.96,
            "{ci:?}"
        );
    }

    #[test]
    fn worst_case_bounds_of_a_binary_outcome() {
        // Control 3 of 4 observed are 1 among 5 allocated; treated 4 of 4 among 5.
        let c = [1.0, 1.0, 1.0, 0.0];
        let t = [1.0, 1.0, 1.0, 1.0];
        let b = worst_case_bounds((&c, 5), (&t, 5), [0.0, 1.0], 0.95).unwrap();
        assert_close(b.lower.estimate, 4.0 / 5.0 - 4.0 / 5.0, 1e-15, "lower");
        assert_close(b.upper.estimate, 5.0 / 5.0 - 3.0 / 5.0, 1e-15, "upper");
        assert!(matches!(
            worst_case_bounds((&c, 5), (&t, 5), [0.0, 0.5], 0.95),
            Err(BoundsError::OutsideRange { .. })
        ));
        assert!(matches!(
            lee_bounds((&c, 3), (&t, 5), 0.95),
            Err(BoundsError::Counts { .. })
        ));
    }
}
