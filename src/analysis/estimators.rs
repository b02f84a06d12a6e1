//! The estimators of the analyse stage, as thin adapters from the analytic sample to
//! the statistical core: difference in means (estimatr's difference_in_means: Welch,
//! or CR2 with clusters), regression adjustment (lm_robust, HC2 or CR2), Lin's
//! interacted adjustment (lm_lin), the paired before/after difference (paired t) and
//! the single-group mean (one-sample t).

use super::ri::Statistic;
use super::sample::{AnalyticData, OutcomeRows, SINGLE_GROUP};
use super::{AnalysisError, Comparison, GroupSummary, RatioEstimate};
use crate::spec::{Arm, EstimatorKind, OutcomeSpec, OutcomeType};
use crate::stats::estimate::{Alternative, Estimate};
use crate::stats::regression::{
    Clusters, Covariate, DimOptions, LmRobustOptions, RegressionError, build_design,
    difference_in_means, lm_lin, lm_robust,
};
use crate::stats::summary::mean_and_variance;

/// Name of the treatment indicator in regression output.
const TREATMENT_TERM: &str = "treatment";

/// The settings every estimator shares.
pub(crate) struct EstimatorContext<'a> {
    pub data: &'a AnalyticData,
    pub outcome: &'a OutcomeSpec,
    pub conf_level: f64,
    pub alternative: Alternative,
}

/// One treatment arm against the control arm with the given estimator.
pub(crate) fn compare_arms(
    context: &EstimatorContext,
    rows: &OutcomeRows,
    estimator: EstimatorKind,
    arms: &[Arm],
    control: usize,
    treated_arm: usize,
) -> Result<Comparison, AnalysisError> {
    let data = context.data;
    let outcome = context.outcome;
    let in_pair: Vec<usize> = (0..rows.y.len())
        .filter(|&i| rows.arm[i] == control || rows.arm[i] == treated_arm)
        .collect();
    let y: Vec<f64> = in_pair.iter().map(|&i| rows.y[i]).collect();
    let treatment: Vec<f64> = in_pair
        .iter()
        .map(|&i| f64::from(u8::from(rows.arm[i] == treated_arm)))
        .collect();
    let control_values: Vec<f64> = in_pair
        .iter()
        .filter(|&&i| rows.arm[i] == control)
        .map(|&i| rows.y[i])
        .collect();
    let treated_values: Vec<f64> = in_pair
        .iter()
        .filter(|&&i| rows.arm[i] == treated_arm)
        .map(|&i| rows.y[i])
        .collect();
    check_group(outcome, &data.arm_names[control], &control_values)?;
    check_group(outcome, &arms[treated_arm].name, &treated_values)?;
    let (mean_t, var_t) = mean_and_variance(&treated_values);
    let (_, var_c) = mean_and_variance(&control_values);
    if var_t == 0.0 && var_c == 0.0 {
        return Err(AnalysisError::ZeroVariance {
            outcome: outcome.name.clone(),
            within: format!(
                "within arms `{}` and `{}`",
                arms[treated_arm].name, data.arm_names[control]
            ),
            value: mean_t,
        });
    }
    let clusters = data.clusters.as_ref().map(|labels| {
        let subset: Vec<&str> = in_pair
            .iter()
            .map(|&i| labels[rows.rows[i]].as_str())
            .collect();
        Clusters::from_labels(&subset)
    });
    let fail = |source: RegressionError| AnalysisError::Estimator {
        outcome: outcome.name.clone(),
        estimator: estimator.label(),
        source,
    };
    let estimate = match estimator {
        EstimatorKind::DifferenceInMeans => {
            let options = DimOptions {
                clusters: clusters.as_ref(),
                conf_level: context.conf_level,
                alternative: context.alternative,
                ..DimOptions::default()
            };
            difference_in_means(&y, &treatment, &options)
                .map_err(fail)?
                .estimate
        }
        EstimatorKind::RegressionAdjusted | EstimatorKind::Lin => {
            let covariates = data.covariates_for(&in_pair, rows)?;
            let options = LmRobustOptions {
                clusters: clusters.as_ref(),
                conf_level: context.conf_level,
                alternative: context.alternative,
                ..LmRobustOptions::default()
            };
            let fit = if estimator == EstimatorKind::Lin {
                lm_lin(&y, TREATMENT_TERM, &treatment, &covariates, &options).map_err(fail)?
            } else {
                let mut columns = vec![Covariate::Numeric {
                    name: TREATMENT_TERM.into(),
                    values: treatment.clone(),
                }];
                columns.extend(covariates);
                let design = build_design(true, &columns).map_err(fail)?;
                lm_robust(&design, &y, &options).map_err(fail)?
            };
            fit.coefficient(TREATMENT_TERM)
                .cloned()
                .expect("the treatment term is in every fit")
        }
        EstimatorKind::PairedDifference | EstimatorKind::Mean => {
            unreachable!("validated: only comparison estimators compare arms")
        }
    };
    let (n_t, n_c) = (treated_values.len() as f64, control_values.len() as f64);
    let pooled_sd = (((n_t - 1.0) * var_t + (n_c - 1.0) * var_c) / (n_t + n_c - 2.0)).sqrt();
    let standardised = (pooled_sd > 0.0)
        .then(|| (1.0 - 3.0 / (4.0 * (n_t + n_c) - 9.0)) * estimate.estimate / pooled_sd);
    let risk_ratio = (outcome.outcome_type == OutcomeType::Binary)
        .then(|| risk_ratio(&treated_values, &control_values, context.conf_level))
        .flatten();
    Ok(Comparison {
        estimator,
        contrast: format!("{} vs {}", arms[treated_arm].name, data.arm_names[control]),
        groups: vec![
            summary(&data.arm_names[control], &control_values),
            summary(&arms[treated_arm].name, &treated_values),
        ],
        outcome_sd: pooled_sd,
        estimate,
        standardised,
        risk_ratio,
        p_adjusted: None,
        randomisation: None,
    })
}

/// The randomisation-inference statistic of `compare_arms` for the same outcome
/// rows: the difference in means, or the treatment coefficient of the adjusted or
/// Lin regression (covariates expanded as in the fitted model, factors as dummies).
pub(crate) fn ri_statistic(
    context: &EstimatorContext,
    rows: &OutcomeRows,
    estimator: EstimatorKind,
    unit_of_row: &[u32],
    control: usize,
    treated_arm: usize,
) -> Result<Statistic, AnalysisError> {
    let unit_row: Vec<u32> = rows.rows.iter().map(|&r| unit_of_row[r]).collect();
    let y = rows.y.clone();
    match estimator {
        EstimatorKind::RegressionAdjusted | EstimatorKind::Lin => {
            let positions: Vec<usize> = (0..rows.y.len()).collect();
            let covariates = context.data.covariates_for(&positions, rows)?;
            let design =
                build_design(true, &covariates).map_err(|source| AnalysisError::Estimator {
                    outcome: context.outcome.name.clone(),
                    estimator: estimator.label(),
                    source,
                })?;
            let columns = (1..design.ncols())
                .map(|j| design.x.column(j).iter().copied().collect())
                .collect();
            Ok(Statistic::regression(
                unit_row,
                y,
                treated_arm,
                control,
                columns,
                estimator == EstimatorKind::Lin,
            ))
        }
        _ => Ok(Statistic::difference_in_means(
            unit_row,
            y,
            treated_arm,
            control,
        )),
    }
}

/// Mean within-unit change, after minus before (paired t; R's `t.test(paired = TRUE)`).
pub(crate) fn paired_difference(
    context: &EstimatorContext,
    rows: &OutcomeRows,
) -> Result<Comparison, AnalysisError> {
    let outcome = context.outcome;
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
    Ok(Comparison {
        estimator: EstimatorKind::PairedDifference,
        contrast: "after vs before".into(),
        groups: vec![summary("before", before), summary("after", &rows.y)],
        estimate: Estimate::from_t(
            mean,
            (variance / n).sqrt(),
            n - 1.0,
            context.conf_level,
            context.alternative,
        ),
        outcome_sd: variance.sqrt(),
        standardised: Some(mean / variance.sqrt()),
        risk_ratio: None,
        p_adjusted: None,
        randomisation: None,
    })
}

/// Mean of the outcome with a one-sample t interval.
pub(crate) fn single_mean(
    context: &EstimatorContext,
    rows: &OutcomeRows,
) -> Result<Comparison, AnalysisError> {
    let outcome = context.outcome;
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
            context.conf_level,
            context.alternative,
        ),
        outcome_sd: variance.sqrt(),
        standardised: None,
        risk_ratio: None,
        p_adjusted: None,
        randomisation: None,
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

/// Risk ratio of treated over control with the Katz log-scale Wald interval
/// (`stats::htest::risk_ratio`); absent when it is not estimable (an arm with no events).
fn risk_ratio(treated: &[f64], control: &[f64], conf_level: f64) -> Option<RatioEstimate> {
    let row = |values: &[f64]| {
        let events = values.iter().sum::<f64>();
        vec![events, values.len() as f64 - events]
    };
    let ratio = crate::stats::htest::risk_ratio(&[row(treated), row(control)], conf_level).ok()?;
    Some(RatioEstimate {
        estimate: ratio.estimate,
        conf_low: ratio.conf_low,
        conf_high: ratio.conf_high,
    })
}
