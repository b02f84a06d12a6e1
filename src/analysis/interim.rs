//! Interim looks (`analysis.interim`): the primary outcome's headline comparison of
//! each treated arm judged against the group-sequential efficacy boundary the trial
//! planned (`design.power.interim`), recomputed at the information actually reached.
//!
//! # Method
//! - Information fraction of this look: the analysed sample of the two arms compared
//!   over the plan's maximum (units expected to be analysed: the maximum randomised
//!   times 1 − planned attrition; clusters for a cluster plan), unless
//!   `analysis.interim.information` declares the fractions of looks 1..k. Earlier looks
//!   are at their planned fractions unless declared; the final look is at 1.
//! - The boundary c_k (src/power/sequential.rs): Lan–DeMets alpha spending at the
//!   actual fractions t_1..t_k (each look spends α(t_j) − α(t_(j−1)); the later looks do
//!   not enter), as rpact's `getDesignGroupSequential(typeOfDesign = "asOF" / "asP" /
//!   "asHSD", informationRates = actual)`. The exact O'Brien–Fleming and Pocock
//!   boundaries are not defined for unplanned information: their constant is recomputed
//!   over the actual fractions of looks 1..k and the planned fractions of the later
//!   looks (rpact's `typeOfDesign = "OF"` / `"P"` with those `informationRates`), which
//!   keeps the type I error at α only if the later looks happen as planned.
//! - The statistic: the comparison's own estimate, SE and degrees of freedom (its
//!   estimator and variance), t = estimate / SE, put on the normal scale by its p-value,
//!   z = sign(t)·Φ̄⁻¹(P(T_df > |t|)) (the significance-level approach of Jennison and
//!   Turnbull 2000, §3.8, as rpact does for t statistics; z = t when df is infinite).
//!   Two-sided designs cross when |z| ≥ c_k, one-sided designs when z, signed so that the
//!   outcome's `better` direction is positive, does.
//! - The repeated confidence interval (Jennison and Turnbull 2000, ch. 9): estimate ±
//!   c_t·SE, c_t the t(df) quantile of the boundary's nominal one-sided level Φ̄(c_k)
//!   (c_k itself when df is infinite), covering the effect with probability 1 − α
//!   (1 − 2α for a one-sided design) simultaneously over all looks.
//! - The repeated p-value: the smallest α at which the look-k boundary of the same
//!   family and fractions is crossed, i.e. at which the repeated interval excludes 0
//!   (rpact's `getRepeatedPValues`, searched over (0, 0.5] as rpact does).
//!
//! # References
//! - Jennison, C. and Turnbull, B. W. (2000). *Group Sequential Methods with
//!   Applications to Clinical Trials*, ch. 7 (error spending) and ch. 9 (repeated
//!   confidence intervals and p-values).
//! - Lan, K. K. G. and DeMets, D. L. (1983). Discrete sequential boundaries for
//!   clinical trials. *Biometrika* 70, 659–663.
//! - R: rpact `getDesignGroupSequential`, `getRepeatedPValues`
//!   (tests/reference/analysis/interim.R).

use serde::Serialize;

use super::{AnalysisError, OutcomeResult};
use crate::power::PowerError;
use crate::power::sequential::{Boundary, Spending, critical_values, stopping};
use crate::report::format::significant;
use crate::spec::{Direction, EstimatorKind};
use crate::stats::distributions::{normal, t as student_t};
use crate::stats::root::{Tolerance, brent};

/// The smallest repeated p-value searched for (below it the value is reported as
/// "below").
pub const REPEATED_P_MIN: f64 = 1e-12;
/// The largest, as rpact's search.
pub const REPEATED_P_MAX: f64 = 0.5;

/// An interim (or the final) look of a group-sequential trial.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct InterimAnalysis {
    /// This look, 1 to `looks`.
    pub look: usize,
    /// The looks planned, the final analysis included.
    pub looks: usize,
    /// The boundary family, as `design.power.interim` resolved it.
    pub boundary: Boundary,
    /// The boundary in words, e.g. "O'Brien–Fleming".
    pub boundary_label: String,
    pub two_sided: bool,
    /// The plan's significance level (two-sided when the plan is).
    pub alpha: f64,
    /// The planned information fractions of all looks.
    pub planned_fractions: Vec<f64>,
    /// The plan's maximum size and what it counts.
    pub maximum_size: u64,
    pub size_label: String,
    /// The maximum size expected to be analysed (after the planned attrition).
    pub maximum_analysed: f64,
    /// Whether the sizes count clusters (a cluster plan) rather than units.
    pub counts_clusters: bool,
    /// Whether `analysis.interim.information` gave the fractions.
    pub information_declared: bool,
    /// One test per treated arm of the primary outcome's headline comparison.
    pub tests: Vec<InterimTest>,
    /// How the boundary was recomputed and what it assumes.
    pub notes: Vec<String>,
}

/// What an interim look says of one comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InterimDecision {
    /// An interim look crossed the boundary in the beneficial direction.
    MayStopForEfficacy,
    /// An interim look crossed the (two-sided) boundary in the harmful direction.
    MayStopForHarm,
    /// An interim look crossed no boundary.
    Continue,
    /// The final look crossed the boundary in the beneficial direction.
    EfficacyShown,
    /// The final look crossed the (two-sided) boundary in the harmful direction.
    HarmShown,
    /// The final look crossed no boundary.
    NotShown,
}

/// The look applied to one treated arm's headline comparison.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct InterimTest {
    pub contrast: String,
    pub estimator: EstimatorKind,
    pub treated: String,
    pub control: String,
    /// Units (clusters) analysed in the two arms compared.
    pub analysed: usize,
    /// Information fractions of looks 1 to `look` as used: declared, or the planned
    /// ones before this look and the analysed sample over the maximum at it.
    pub fractions: Vec<f64>,
    /// The fractions the boundary was computed at: `fractions` for alpha spending; for
    /// an exact O'Brien–Fleming or Pocock boundary, followed by the later looks'
    /// planned fractions.
    pub boundary_fractions: Vec<f64>,
    pub estimate: f64,
    pub std_error: f64,
    /// The comparison's degrees of freedom; `null` for a normal statistic.
    pub df: Option<f64>,
    /// estimate / SE (a t statistic when `df` is finite).
    pub t: f64,
    /// The statistic on the normal scale: sign(t)·Φ̄⁻¹(P(T_df > |t|)); t when `df` is
    /// `null`.
    pub z: f64,
    /// The boundary at this look: cross when |z| (two-sided) or the beneficial-signed z
    /// (one-sided) reaches it.
    pub critical_z: f64,
    /// The boundary on the t(df) scale, for the repeated interval: the t quantile of the
    /// nominal one-sided level Φ̄(critical_z).
    pub critical_t: f64,
    /// The nominal p-value that crosses it (two-sided when the design is).
    pub nominal_p: f64,
    /// Type I error spent by looks 1 to `look` at these boundaries.
    pub cumulative_alpha: f64,
    pub decision: InterimDecision,
    /// Repeated confidence interval: estimate ± critical_t · SE.
    pub rci_low: f64,
    pub rci_high: f64,
    /// Its simultaneous coverage: 1 − α (two-sided design) or 1 − 2α (one-sided).
    pub rci_level: f64,
    /// The repeated p-value, within [REPEATED_P_MIN, REPEATED_P_MAX].
    pub repeated_p: f64,
    /// "below" when the repeated p-value is below `repeated_p` (REPEATED_P_MIN), "above"
    /// when above it (REPEATED_P_MAX); absent when exact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeated_p_bound: Option<PBound>,
    /// The decision in a sentence.
    pub sentence: String,
}

/// Which side of the searched range a repeated p-value lies beyond.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PBound {
    Below,
    Above,
}

/// What the analyse stage needs of the plan.
#[derive(Debug, Clone)]
pub struct InterimInput<'a> {
    pub look: usize,
    /// Declared fractions of looks 1..look (empty: from the sample).
    pub information: &'a [f64],
    pub planned: &'a [f64],
    pub boundary: Boundary,
    pub alpha: f64,
    pub two_sided: bool,
    pub maximum_size: u64,
    pub size_label: String,
    /// `Some((counts clusters, analysed share))`; `None`: only declared information.
    pub size_rule: Option<(bool, f64)>,
}

/// The boundary family in a few words: "O'Brien–Fleming", "Pocock",
/// "O'Brien–Fleming-like alpha-spending", "Hwang–Shih–DeCani (γ = −4) alpha-spending".
pub fn short_label(boundary: Boundary) -> String {
    match boundary {
        Boundary::ObrienFleming => "O'Brien–Fleming".into(),
        Boundary::Pocock => "Pocock".into(),
        Boundary::LanDemets(Spending::ObrienFleming) => {
            "O'Brien–Fleming-like alpha-spending".into()
        }
        Boundary::LanDemets(Spending::Pocock) => "Pocock-like alpha-spending".into(),
        Boundary::LanDemets(Spending::HwangShihDecani { gamma }) => format!(
            "Hwang–Shih–DeCani (γ = {}) alpha-spending",
            crate::report::format::shortest(gamma).replace('-', "−")
        ),
    }
}

/// The fractions a boundary at look `look` (1-based) is computed at, from the fractions
/// of looks 1..look: the same for alpha spending, with 1 appended when they end below
/// it (the later looks do not move an earlier spending boundary); the later looks'
/// planned fractions appended for the exact families.
///
/// # Errors
/// An exact family whose look has passed the next planned look's fraction.
pub fn boundary_fractions(
    boundary: Boundary,
    actual: &[f64],
    planned: &[f64],
) -> Result<Vec<f64>, String> {
    let k = actual.len();
    let last = actual[k - 1];
    let mut t = actual.to_vec();
    match boundary {
        Boundary::LanDemets(_) => {
            if last < 1.0 {
                t.push(1.0);
            }
        }
        Boundary::ObrienFleming | Boundary::Pocock => {
            if k < planned.len() && last >= planned[k] {
                return Err(format!(
                    "look {k} has reached information fraction {}, at or past look {}'s planned {}; an exact {} boundary is fixed by the planned looks, so analyse this as look {} (analysis.interim.look) or plan lan_demets alpha spending, which follows the information actually reached",
                    significant(last, 4),
                    k + 1,
                    significant(planned[k], 4),
                    short_label(boundary),
                    k + 1
                ));
            }
            t.extend_from_slice(&planned[k.min(planned.len())..]);
        }
    }
    Ok(t)
}

/// The look-`look` boundary (1-based) at level `alpha` over fractions `t` (from
/// [`boundary_fractions`]).
///
/// # Errors
/// A boundary that cannot be found.
pub fn boundary_at(
    t: &[f64],
    look: usize,
    boundary: Boundary,
    alpha: f64,
    two_sided: bool,
) -> Result<f64, PowerError> {
    Ok(critical_values(t, boundary, alpha, two_sided)?[look - 1])
}

/// The repeated p-value of a statistic `z` (|z| two-sided, beneficial-signed one-sided)
/// at look `look`: the α at which the boundary equals it, searched on a log scale over
/// [REPEATED_P_MIN, REPEATED_P_MAX].
///
/// # Errors
/// A boundary that cannot be found.
pub fn repeated_p(
    t: &[f64],
    look: usize,
    boundary: Boundary,
    two_sided: bool,
    z: f64,
) -> Result<(f64, Option<PBound>), PowerError> {
    let g = |log_alpha: f64| -> Result<f64, PowerError> {
        Ok(boundary_at(t, look, boundary, log_alpha.exp(), two_sided)? - z)
    };
    let (a, b) = (REPEATED_P_MIN.ln(), REPEATED_P_MAX.ln());
    let (fa, fb) = (g(a)?, g(b)?);
    // The boundary falls as alpha rises.
    if fb > 0.0 {
        return Ok((REPEATED_P_MAX, Some(PBound::Above)));
    }
    if fa < 0.0 {
        return Ok((REPEATED_P_MIN, Some(PBound::Below)));
    }
    let tolerance = Tolerance {
        relative: 4.0 * f64::EPSILON,
        absolute: 1e-14,
        max_iterations: 300,
    };
    Ok((brent(g, (a, fa), (b, fb), tolerance)?.x.exp(), None))
}

fn interim_error(key: &str, message: String) -> AnalysisError {
    AnalysisError::Interim {
        key: key.to_string(),
        message,
    }
}

/// Applies the look to the primary outcome's headline comparisons.
///
/// # Errors
/// [`AnalysisError::Interim`] naming the key: more looks than the information allows,
/// a sample whose information the plan cannot give, a boundary that cannot be found,
/// a comparison without a standard error.
pub fn apply(
    input: &InterimInput,
    primary: &OutcomeResult,
    headline: EstimatorKind,
    flow: &super::Flow,
) -> Result<InterimAnalysis, AnalysisError> {
    let looks = input.planned.len();
    let k = input.look;
    let sides = if input.two_sided { 2.0 } else { 1.0 };
    let label = short_label(input.boundary);
    let maximum_analysed = input
        .size_rule
        .map_or(input.maximum_size as f64, |(_, share)| {
            input.maximum_size as f64 * share
        });
    let mut tests = Vec::new();
    for c in primary
        .comparisons
        .iter()
        .filter(|c| c.estimator == headline && c.groups.len() == 2)
    {
        let control = c.groups[0].name.clone();
        let treated = c.groups[1].name.clone();
        let counts_clusters = input.size_rule.is_some_and(|(clusters, _)| clusters);
        let analysed: usize = flow
            .arms
            .iter()
            .filter(|a| a.arm == control || a.arm == treated)
            .map(|a| {
                if counts_clusters {
                    a.clusters_analysed.unwrap_or(0)
                } else {
                    a.analysed
                }
            })
            .sum();
        let fractions = if !input.information.is_empty() {
            input.information.to_vec()
        } else if k == looks {
            let mut t = input.planned.to_vec();
            t[k - 1] = 1.0;
            t
        } else {
            if input.size_rule.is_none() {
                return Err(interim_error(
                    "analysis.interim.information",
                    format!(
                        "the plan counts {}, which the analysed sample does not give: declare the information fractions reached so far",
                        input.size_label
                    ),
                ));
            }
            if counts_clusters && flow.arms.iter().all(|a| a.clusters_analysed.is_none()) {
                return Err(interim_error(
                    "analysis.interim.information",
                    "the plan counts clusters, but the analysis does not know them (design.cluster): declare the information fractions reached so far".into(),
                ));
            }
            let reached = analysed as f64 / maximum_analysed;
            let previous = if k > 1 { input.planned[k - 2] } else { 0.0 };
            if reached >= 1.0 {
                return Err(interim_error(
                    "analysis.interim.look",
                    format!(
                        "look {k} of {looks} analyses {analysed} {} ({treated} and {control}), {} of the plan's maximum ({} expected to be analysed): more looks than the information allows; analyse this as the final look ({looks}), or declare analysis.interim.information",
                        if counts_clusters { "clusters" } else { "units" },
                        if reached > 1.0 { "more than" } else { "all" },
                        significant(maximum_analysed, 6)
                    ),
                ));
            }
            if reached <= previous {
                return Err(interim_error(
                    "analysis.interim.look",
                    format!(
                        "look {k} analyses {analysed} {}, information fraction {}, no more than look {}'s planned {}: the information must grow from look to look; check the look number, or declare analysis.interim.information",
                        if counts_clusters { "clusters" } else { "units" },
                        significant(reached, 4),
                        k - 1,
                        significant(previous, 4)
                    ),
                ));
            }
            let mut t = input.planned[..k - 1].to_vec();
            t.push(reached);
            t
        };
        let fractions = fractions[..k].to_vec();
        let t = boundary_fractions(input.boundary, &fractions, input.planned)
            .map_err(|m| interim_error("analysis.interim.look", m))?;
        let boundary_error = |e: PowerError| {
            interim_error(
                "analysis.interim",
                format!("the boundary at look {k} could not be found: {e}"),
            )
        };
        let b = critical_values(&t, input.boundary, input.alpha, input.two_sided)
            .map_err(boundary_error)?;
        let critical = b[k - 1];
        let cumulative_alpha: f64 = stopping(&t[..k], &b[..k], 0.0, input.two_sided)
            .iter()
            .map(|(u, l)| u + l)
            .sum();
        let e = &c.estimate;
        if !(e.std_error.is_finite() && e.std_error > 0.0) {
            return Err(interim_error(
                "analysis.interim",
                format!(
                    "outcome `{}`, {}: the comparison has no standard error above zero, so no z statistic",
                    primary.outcome, c.contrast
                ),
            ));
        }
        let t_stat = e.estimate / e.std_error;
        let df = e.df;
        let normal_scale = |x: f64| -> Result<f64, crate::stats::distributions::DistributionError> {
            let tail = student_t::sf(x.abs(), df)?;
            Ok(x.signum() * normal::upper_quantile(tail)?)
        };
        let z = normal_scale(t_stat).map_err(|err| {
            interim_error(
                "analysis.interim",
                format!("the statistic could not be put on the normal scale: {err}"),
            )
        })?;
        let critical_t = student_t::upper_quantile(normal::sf(critical).unwrap_or(f64::NAN), df)
            .unwrap_or(f64::NAN);
        let sign = if primary.better == Direction::Lower {
            -1.0
        } else {
            1.0
        };
        let beneficial_z = sign * z;
        let statistic = if input.two_sided {
            z.abs()
        } else {
            beneficial_z
        };
        let crossed = statistic >= critical;
        let (repeated_p, repeated_p_bound) =
            repeated_p(&t, k, input.boundary, input.two_sided, statistic)
                .map_err(boundary_error)?;
        let beneficial = beneficial_z > 0.0;
        let decision = match (crossed, beneficial, k == looks) {
            (true, true, false) => InterimDecision::MayStopForEfficacy,
            (true, false, false) => InterimDecision::MayStopForHarm,
            (false, _, false) => InterimDecision::Continue,
            (true, true, true) => InterimDecision::EfficacyShown,
            (true, false, true) => InterimDecision::HarmShown,
            (false, _, true) => InterimDecision::NotShown,
        };
        let z_text = significant(z, 3).replace('-', "−");
        let c_text = significant(critical, 3);
        let against = if input.two_sided {
            format!(
                "|z| = {} against the boundary {c_text}",
                significant(z.abs(), 3)
            )
        } else {
            format!("z = {z_text} against the boundary {c_text}, beneficial direction")
        };
        let at = format!("at look {k} of {looks}");
        let sentence = match decision {
            InterimDecision::MayStopForEfficacy => format!(
                "may stop for efficacy: the effect crossed the {label} boundary {at} ({against})"
            ),
            InterimDecision::MayStopForHarm => format!(
                "may stop: the effect crossed the {label} boundary {at} in the harmful direction ({against})"
            ),
            InterimDecision::Continue => format!(
                "continue to the next look: the effect has not crossed the {label} boundary {at} ({against})"
            ),
            InterimDecision::EfficacyShown => format!(
                "the effect crossed the {label} boundary {at}, the final analysis: efficacy is shown ({against})"
            ),
            InterimDecision::HarmShown => format!(
                "the effect crossed the {label} boundary {at}, the final analysis, in the harmful direction ({against})"
            ),
            InterimDecision::NotShown => format!(
                "the effect did not cross the {label} boundary {at}, the final analysis: no effect is shown at the group-sequential level ({against})"
            ),
        };
        tests.push(InterimTest {
            contrast: c.contrast.clone(),
            estimator: c.estimator,
            treated,
            control,
            analysed,
            boundary_fractions: t,
            fractions,
            estimate: e.estimate,
            std_error: e.std_error,
            df: df.is_finite().then_some(df),
            t: t_stat,
            z,
            critical_t,
            critical_z: critical,
            nominal_p: sides * normal::sf(critical).unwrap_or(f64::NAN),
            cumulative_alpha,
            decision,
            rci_low: e.estimate - critical_t * e.std_error,
            rci_high: e.estimate + critical_t * e.std_error,
            rci_level: 1.0
                - if input.two_sided {
                    input.alpha
                } else {
                    2.0 * input.alpha
                },
            repeated_p,
            repeated_p_bound,
            sentence,
        });
    }
    let mut notes = vec![match input.boundary {
        Boundary::LanDemets(_) => "the boundary is recomputed by alpha spending at the information actually reached (Lan and DeMets 1983; rpact's getDesignGroupSequential with the actual informationRates), so the trial's type I error stays at α whatever the information at each look".to_string(),
        _ => format!(
            "an exact {label} boundary is defined for the planned looks only: its constant is recomputed over the information reached at looks 1 to {k} and the planned fractions of the later looks (rpact's getDesignGroupSequential with those informationRates), which keeps the type I error at α only if the later looks happen as planned; lan_demets alpha spending is the method for information that departs from the plan"
        ),
    }];
    notes.push("z is the comparison's own t statistic (estimate over standard error, with its degrees of freedom) put on the normal scale through its p-value, the boundary's scale (Jennison and Turnbull 2000, §3.8), and the repeated interval uses the t quantile of the boundary's nominal level; the comparison's own interval and p-value are not corrected for the repeated looks, the repeated interval and p-value are".into());
    let lost = flow
        .arms
        .iter()
        .any(|a| a.lost_to_follow_up.is_some_and(|n| n > 0));
    if lost && k < looks {
        notes.push("the flow and the grade's attrition criterion count every allocated unit without outcome data as lost to follow-up; at an interim look some have not yet reached follow-up, so attrition reads high until the final analysis".into());
    }
    if !input.two_sided {
        notes.push("the plan is one-sided: its boundary is in the outcome's beneficial direction (outcomes[].better), with no boundary for harm or futility".into());
    }
    Ok(InterimAnalysis {
        look: k,
        looks,
        boundary: input.boundary,
        boundary_label: label,
        two_sided: input.two_sided,
        alpha: input.alpha,
        planned_fractions: input.planned.to_vec(),
        maximum_size: input.maximum_size,
        size_label: input.size_label.clone(),
        maximum_analysed,
        counts_clusters: input.size_rule.is_some_and(|(clusters, _)| clusters),
        information_declared: !input.information.is_empty(),
        tests,
        notes,
    })
}
