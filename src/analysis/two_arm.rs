//! Estimators of the analyse stage for the designs of spec version 1:
//! difference in means between each treatment arm and the control (Welch), the
//! paired before/after difference, and the single-group mean.
//!
//! # References
//! Welch (1947), "The generalization of Student's problem when several different
//! population variances are involved", Biometrika 34. Matches R's
//! `t.test(var.equal = FALSE)`, `t.test(paired = TRUE)` and
//! `estimatr::difference_in_means` without blocks or clusters.

use super::sample::{AnalyticData, OutcomeRows, SINGLE_GROUP};
use super::{AnalysisError, Comparison, GroupSummary, RatioEstimate};
use crate::spec::{Arm, EstimatorKind, OutcomeSpec, OutcomeType};
use crate::stats::estimate::{Alternative, Estimate};
use crate::stats::summary::{mean_and_variance, welch_difference};

/// Each treatment arm against the control arm.
pub(crate) fn difference_in_means(
    data: &AnalyticData,
    rows: &OutcomeRows,
    outcome: &OutcomeSpec,
    arms: &[Arm],
    control: usize,
    conf_level: f64,
    alternative: Alternative,
) -> Result<Vec<Comparison>, AnalysisError> {
    let group = |arm: usize| -> Vec<f64> {
        rows.y
            .iter()
            .zip(&rows.arm)
            .filter(|(_, a)| **a == arm)
            .map(|(y, _)| *y)
            .collect()
    };
    let control_values = group(control);
    check_group(outcome, &data.arm_names[control], &control_values)?;
    let mut comparisons = Vec::new();
    for (arm_index, arm) in arms.iter().enumerate().filter(|(i, _)| *i != control) {
        let treated = group(arm_index);
        check_group(outcome, &arm.name, &treated)?;
        let (mean_t, var_t) = mean_and_variance(&treated);
        let (mean_c, var_c) = mean_and_variance(&control_values);
        if var_t == 0.0 && var_c == 0.0 {
            return Err(AnalysisError::ZeroVariance {
                outcome: outcome.name.clone(),
                within: format!(
                    "within arms `{}` and `{}`",
                    arm.name, data.arm_names[control]
                ),
                value: mean_t,
            });
        }
        let (difference, se, df) = welch_difference(&treated, &control_values);
        let estimate = Estimate::from_t(difference, se, df, conf_level, alternative);
        let (n_t, n_c) = (treated.len() as f64, control_values.len() as f64);
        let pooled_sd = (((n_t - 1.0) * var_t + (n_c - 1.0) * var_c) / (n_t + n_c - 2.0)).sqrt();
        let standardised =
            (pooled_sd > 0.0).then(|| hedges_correction(n_t + n_c) * difference / pooled_sd);
        let risk_ratio = (outcome.outcome_type == OutcomeType::Binary)
            .then(|| risk_ratio(mean_t, n_t, mean_c, n_c, conf_level))
            .flatten();
        comparisons.push(Comparison {
            estimator: EstimatorKind::DifferenceInMeans,
            contrast: format!("{} vs {}", arm.name, data.arm_names[control]),
            groups: vec![
                summary(&data.arm_names[control], &control_values),
                summary(&arm.name, &treated),
            ],
            estimate,
            standardised,
            risk_ratio,
            p_adjusted: None,
        });
    }
    Ok(comparisons)
}

/// Mean within-unit change, after minus before (paired t).
pub(crate) fn paired_difference(
    rows: &OutcomeRows,
    outcome: &OutcomeSpec,
    conf_level: f64,
    alternative: Alternative,
) -> Result<Comparison, AnalysisError> {
    let before = rows
        .baseline
        .as_ref()
        .expect("validated: before/after outcomes have a baseline");
    let changes: Vec<f64> = rows
        .y
        .iter()
        .zip(before)
        .map(|(after, before)| after - before)
        .collect();
    check_group(outcome, "the change (after − before)", &changes)?;
    let (mean, variance) = mean_and_variance(&changes);
    if variance == 0.0 {
        return Err(AnalysisError::ZeroVariance {
            outcome: outcome.name.clone(),
            within: "in the change from before to after".into(),
            value: mean,
        });
    }
    let n = changes.len() as f64;
    let estimate = Estimate::from_t(
        mean,
        (variance / n).sqrt(),
        n - 1.0,
        conf_level,
        alternative,
    );
    Ok(Comparison {
        estimator: EstimatorKind::PairedDifference,
        contrast: "after vs before".into(),
        groups: vec![summary("before", before), summary("after", &rows.y)],
        estimate,
        standardised: Some(mean / variance.sqrt()),
        risk_ratio: None,
        p_adjusted: None,
    })
}

/// Mean of the outcome with a one-sample t interval.
pub(crate) fn single_mean(
    rows: &OutcomeRows,
    outcome: &OutcomeSpec,
    conf_level: f64,
    alternative: Alternative,
) -> Result<Comparison, AnalysisError> {
    check_group(outcome, SINGLE_GROUP, &rows.y)?;
    let (mean, variance) = mean_and_variance(&rows.y);
    if variance == 0.0 {
        return Err(AnalysisError::ZeroVariance {
            outcome: outcome.name.clone(),
            within: "among participants".into(),
            value: mean,
        });
    }
    let n = rows.y.len() as f64;
    Ok(Comparison {
        estimator: EstimatorKind::Mean,
        contrast: "mean among participants".into(),
        groups: vec![summary(SINGLE_GROUP, &rows.y)],
        estimate: Estimate::from_t(
            mean,
            (variance / n).sqrt(),
            n - 1.0,
            conf_level,
            alternative,
        ),
        standardised: None,
        risk_ratio: None,
        p_adjusted: None,
    })
}

fn check_group(outcome: &OutcomeSpec, group: &str, values: &[f64]) -> Result<(), AnalysisError> {
    match values.len() {
        0 => Err(AnalysisError::EmptyArm {
            arm: group.to_string(),
            what: format!("outcome `{}`", outcome.name),
        }),
        1 => Err(AnalysisError::TooFew {
            outcome: outcome.name.clone(),
            group: group.to_string(),
            n: 1,
        }),
        _ => Ok(()),
    }
}

fn summary(name: &str, values: &[f64]) -> GroupSummary {
    let (mean, variance) = mean_and_variance(values);
    GroupSummary {
        name: name.to_string(),
        n: values.len(),
        mean,
        sd: variance.sqrt(),
    }
}

/// Hedges' small-sample correction J = 1 − 3/(4N − 9) (Hedges 1981; WWC Handbook).
fn hedges_correction(total_n: f64) -> f64 {
    1.0 - 3.0 / (4.0 * total_n - 9.0)
}

/// Risk ratio p_t/p_c with the Katz log-scale Wald interval; undefined when either
/// arm has no events (reported as absent rather than infinite).
fn risk_ratio(p_t: f64, n_t: f64, p_c: f64, n_c: f64, conf_level: f64) -> Option<RatioEstimate> {
    if p_t == 0.0 || p_c == 0.0 {
        return None;
    }
    let (events_t, events_c) = (p_t * n_t, p_c * n_c);
    let log_rr = (p_t / p_c).ln();
    let se = (1.0 / events_t - 1.0 / n_t + 1.0 / events_c - 1.0 / n_c).sqrt();
    let z = crate::stats::summary::normal_quantile(1.0 - (1.0 - conf_level) / 2.0);
    Some(RatioEstimate {
        estimate: log_rr.exp(),
        conf_low: (log_rr - z * se).exp(),
        conf_high: (log_rr + z * se).exp(),
    })
}
