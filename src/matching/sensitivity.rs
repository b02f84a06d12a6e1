//! Sensitivity of a matched or weighted comparison to unmeasured confounding.
//!
//! - The E-value (VanderWeele and Ding 2017, Annals of Internal Medicine 167:268):
//!   the minimum strength of association, on the risk-ratio scale, that an
//!   unmeasured confounder would need with both the treatment and the outcome to
//!   explain the estimate away: E = RR + √(RR(RR − 1)) for RR ≥ 1 (1/RR first when
//!   RR < 1). For the confidence interval, the limit closer to 1; 1 when the
//!   interval includes 1. A continuous outcome is put on the risk-ratio scale with
//!   the paper's approximation RR ≈ exp(0.91·d), d the standardised difference (and
//!   its interval limits over the same SD), which assumes a roughly normal outcome.
//! - Rosenbaum bounds for 1:1 pairs (Rosenbaum 2002, Observational Studies, ch. 4):
//!   the Wilcoxon signed-rank statistic T⁺ (sum of the ranks of |d| over positive
//!   pair differences d = treated − control, tied |d| given average ranks) against
//!   its distribution when hidden bias makes the odds of treatment within a pair
//!   differ by at most Γ: with p⁺ = Γ/(1 + Γ), E = p⁺Σr and V = p⁺(1 − p⁺)Σr²; the
//!   upper bound on the one-sided p-value is 1 − Φ((T⁺ − E)/√V) (normal
//!   approximation, no continuity correction). Zero differences are dropped before
//!   ranking, as in Wilcoxon's test and rbounds::psens (version 2); at Γ = 1 the
//!   bound is R's `wilcox.test(paired = TRUE, exact = FALSE, correct = FALSE)`.

use serde::Serialize;

use crate::stats::distributions::normal;
use crate::stats::root::{Tolerance, brent};

/// The paper's factor turning a standardised difference into a log risk ratio.
pub const SMD_TO_LOG_RR: f64 = 0.91;

/// The E-value of an estimate and of its confidence interval.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct EValue {
    /// The risk ratio the E-value is computed from (observed, or exp(0.91·d)).
    pub risk_ratio: f64,
    pub risk_ratio_low: f64,
    pub risk_ratio_high: f64,
    /// Whether the risk ratio is the approximation exp(0.91·d) of a continuous outcome.
    pub from_standardised_difference: bool,
    /// E-value of the point estimate.
    pub estimate: f64,
    /// E-value of the confidence limit closer to 1 (1 when the interval includes 1).
    pub confidence_limit: f64,
}

/// E = RR + √(RR(RR − 1)), with RR < 1 inverted first.
pub fn e_value_of(risk_ratio: f64) -> f64 {
    let rr = if risk_ratio < 1.0 {
        1.0 / risk_ratio
    } else {
        risk_ratio
    };
    rr + (rr * (rr - 1.0)).sqrt()
}

/// The E-values of a risk ratio and its confidence interval; `None` when the
/// ratio or a limit is not positive and finite.
pub fn e_value(risk_ratio: f64, low: f64, high: f64) -> Option<EValue> {
    let ok = |x: f64| x.is_finite() && x > 0.0;
    if !(ok(risk_ratio) && ok(low) && ok(high)) {
        return None;
    }
    let confidence_limit = if low <= 1.0 && high >= 1.0 {
        1.0
    } else if risk_ratio >= 1.0 {
        e_value_of(low)
    } else {
        e_value_of(high)
    };
    Some(EValue {
        risk_ratio,
        risk_ratio_low: low,
        risk_ratio_high: high,
        from_standardised_difference: false,
        estimate: e_value_of(risk_ratio),
        confidence_limit,
    })
}

/// The E-values of a standardised difference `d` with interval (`low`, `high`),
/// through RR ≈ exp(0.91·d).
pub fn e_value_standardised(d: f64, low: f64, high: f64) -> Option<EValue> {
    let rr = |x: f64| (SMD_TO_LOG_RR * x).exp();
    e_value(rr(d), rr(low), rr(high)).map(|e| EValue {
        from_standardised_difference: true,
        ..e
    })
}

/// The E-value in plain words.
pub fn e_value_words(e: &EValue, treatment: &str, outcome: &str, digits: usize) -> String {
    use crate::report::format::significant;
    let scale = if e.from_standardised_difference {
        " (on the risk-ratio scale, approximating the standardised difference by exp(0.91·d))"
    } else {
        ""
    };
    let ci = if e.confidence_limit <= 1.0 {
        "The confidence interval already includes no effect, so no confounding is needed to move it there.".to_string()
    } else {
        format!(
            "To move the confidence interval to include no effect, a factor of {} would do.",
            significant(e.confidence_limit, digits)
        )
    };
    format!(
        "An unmeasured factor would need to raise both the chance of {treatment} and the chance of {outcome} by a factor of {} each{scale}, over and above the matched covariates, to explain this estimate away. {ci}",
        significant(e.estimate, digits)
    )
}

/// One Γ of the sensitivity grid.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct GammaBound {
    pub gamma: f64,
    /// Upper bound on the one-sided p-value (the conservative one).
    pub p_upper: f64,
    /// Lower bound on the one-sided p-value.
    pub p_lower: f64,
}

/// Rosenbaum bounds of the Wilcoxon signed-rank test over a Γ grid.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct RosenbaumBounds {
    pub pairs: usize,
    /// Pairs with a zero difference, dropped before ranking.
    pub zero_differences: usize,
    /// T⁺: the sum of the ranks of the positive differences.
    pub statistic: f64,
    /// The direction tested: differences were multiplied by this (1 or −1) so that
    /// the test is one-sided in the direction of the estimate.
    pub direction: f64,
    pub bounds: Vec<GammaBound>,
    pub alpha: f64,
    /// The Γ at which the upper bound reaches `alpha` (the study's sensitivity);
    /// `None` when the result is not significant at Γ = 1, or holds beyond Γ = 1000.
    pub gamma_at_alpha: Option<f64>,
}

/// The default Γ grid: 1 to 3 by 0.25, then 4, 5, 6.
pub const DEFAULT_GAMMAS: [f64; 12] = [
    1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 2.75, 3.0, 4.0, 5.0, 6.0,
];

/// Rosenbaum bounds for pair differences (treated − control), tested in the
/// direction of `direction` (1: the treated are higher; −1: lower). `None` when
/// fewer than 2 pairs have a non-zero difference.
pub fn rosenbaum_bounds(
    differences: &[f64],
    direction: f64,
    gammas: &[f64],
    alpha: f64,
) -> Option<RosenbaumBounds> {
    let nonzero: Vec<f64> = differences
        .iter()
        .map(|d| d * direction)
        .filter(|d| *d != 0.0)
        .collect();
    if nonzero.len() < 2 {
        return None;
    }
    let ranks = average_ranks(&nonzero.iter().map(|d| d.abs()).collect::<Vec<_>>());
    let statistic: f64 = nonzero
        .iter()
        .zip(&ranks)
        .filter(|(d, _)| **d > 0.0)
        .map(|(_, r)| r)
        .sum();
    let sum_r: f64 = ranks.iter().sum();
    let sum_r2: f64 = ranks.iter().map(|r| r * r).sum();
    let p_at = |gamma: f64, upper: bool| {
        let p = if upper {
            gamma / (1.0 + gamma)
        } else {
            1.0 / (1.0 + gamma)
        };
        let z = (statistic - p * sum_r) / (p * (1.0 - p) * sum_r2).sqrt();
        normal::sf(z).unwrap_or(f64::NAN)
    };
    let bounds = gammas
        .iter()
        .map(|&gamma| GammaBound {
            gamma,
            p_upper: p_at(gamma, true),
            p_lower: p_at(gamma, false),
        })
        .collect();
    // The upper bound rises with Γ: solve p_upper(Γ) = α on log Γ.
    let f = |log_gamma: f64| Ok::<f64, ()>(p_at(log_gamma.exp(), true) - alpha);
    let (lo, hi) = (0.0, 1000f64.ln());
    let (f_lo, f_hi) = (f(lo).unwrap_or(f64::NAN), f(hi).unwrap_or(f64::NAN));
    let gamma_at_alpha = (f_lo < 0.0 && f_hi > 0.0)
        .then(|| {
            brent(
                f,
                (lo, f_lo),
                (hi, f_hi),
                Tolerance {
                    relative: 4.0 * f64::EPSILON,
                    absolute: 1e-14,
                    max_iterations: 200,
                },
            )
            .ok()
            .map(|root| root.x.exp())
        })
        .flatten();
    Some(RosenbaumBounds {
        pairs: differences.len(),
        zero_differences: differences.len() - nonzero.len(),
        statistic,
        direction,
        bounds,
        alpha,
        gamma_at_alpha,
    })
}

/// Ranks 1..n of `x`, ties given their average rank (R's `rank(ties = "average")`).
fn average_ranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut ranks = vec![0.0; x.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && x[order[end]] == x[order[start]] {
            end += 1;
        }
        // Positions start..end hold ranks start+1..=end; their mean:
        let rank = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        start = end;
    }
    ranks
}

/// Rosenbaum bounds in plain words.
pub fn rosenbaum_words(b: &RosenbaumBounds, digits: usize) -> String {
    use crate::report::format::{count, significant};
    let pairs = format!(
        "Over {} matched pairs ({} with no difference, left out of the ranks)",
        count(b.pairs),
        count(b.zero_differences)
    );
    match b.gamma_at_alpha {
        Some(gamma) => format!(
            "{pairs}, the signed-rank test stays significant at the {} level until hidden bias makes one unit of a pair up to {} times as likely as the other to be treated: a study is sensitive when this is near 1, and insensitive when it is large.",
            crate::report::format::percent(b.alpha, 0),
            significant(gamma, digits)
        ),
        None if b.bounds.first().is_some_and(|g| g.p_upper > b.alpha) => format!(
            "{pairs}, the signed-rank test is not significant even without hidden bias, so there is no finding for unmeasured confounding to explain away."
        ),
        None => format!(
            "{pairs}, the signed-rank test stays significant even when hidden bias makes one unit of a pair 1,000 times as likely as the other to be treated."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::prec::assert_close;

    /// VanderWeele and Ding (2017), the breastfeeding example: RR 3.9 (95% CI 1.8
    /// to 8.7) gives an E-value of 7.26 (printed 7.2 in the paper, truncated) and
    /// 3.0 for the lower limit.
    #[test]
    fn e_value_of_the_published_example() {
        let e = e_value(3.9, 1.8, 8.7).unwrap();
        assert_close(e.estimate, 3.9 + (3.9f64 * 2.9).sqrt(), 1e-15, "E");
        assert!((e.estimate - 7.26).abs() < 0.005, "{}", e.estimate);
        assert_close(e.confidence_limit, 3.0, 1e-15, "E for the CI");
    }

    /// The definition: a confounder associated with both treatment and outcome by
    /// RR = E has Ding and VanderWeele's (2016) bounding factor E²/(2E − 1) equal to
    /// the observed RR, so it can just explain it away.
    #[test]
    fn e_value_meets_the_bounding_factor() {
        for rr in [1.01, 1.5, 2.0, 3.9, 12.0, 0.4] {
            let e = e_value_of(rr);
            let target = if rr < 1.0 { 1.0 / rr } else { rr };
            assert_close(e * e / (2.0 * e - 1.0), target, 1e-13, "bounding factor");
        }
    }

    #[test]
    fn e_value_protective_and_null_intervals() {
        let e = e_value(0.5, 0.3, 0.8).unwrap();
        assert_close(e.estimate, 2.0 + 2f64.sqrt(), 1e-15, "E");
        assert_close(e.confidence_limit, e_value_of(0.8), 1e-15, "E CI");
        assert_eq!(e_value(1.3, 0.9, 1.8).unwrap().confidence_limit, 1.0);
        assert!(e_value(0.0, 0.0, 1.0).is_none());
        // Continuous: d = 0.5 gives RR = exp(0.455).
        let s = e_value_standardised(0.5, 0.1, 0.9).unwrap();
        assert_close(s.risk_ratio, (0.455f64).exp(), 1e-15, "RR");
        assert!(s.from_standardised_difference);
    }

    #[test]
    fn average_ranks_match_r() {
        // rank(c(3, 1, 3, 2, 5)) = 3.5 1 3.5 2 5
        assert_eq!(
            average_ranks(&[3.0, 1.0, 3.0, 2.0, 5.0]),
            vec![3.5, 1.0, 3.5, 2.0, 5.0]
        );
    }
}
