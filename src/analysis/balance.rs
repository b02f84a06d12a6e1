//! Baseline equivalence: how far the arms differ at baseline on each declared
//! covariate and on each outcome's baseline measure, on the analytic sample.
//!
//! Effect sizes follow the What Works Clearinghouse Procedures and Standards Handbook
//! (v4.1, 2020; v5.0, 2022): Hedges' g for continuous variables, the Cox index for
//! binary ones (a categorical covariate is checked level by level). The grading rule
//! that reads them lives in `evidence`.

use serde::Serialize;

use super::AnalysisError;
use super::sample::{AnalyticData, OutcomeRows};
use crate::data::Column;
use crate::spec::{Arm, Plan};
use crate::stats::summary::mean_and_variance;

/// One variable's baseline difference between a treatment arm and the control.
#[derive(Debug, Clone, Serialize)]
pub struct BalanceRow {
    pub variable: String,
    /// The level, for a categorical covariate checked as indicators.
    pub level: Option<String>,
    pub contrast: String,
    pub measure: BalanceMeasure,
    pub n_control: usize,
    pub n_treatment: usize,
    /// Mean (or proportion) in the control and treatment arms.
    pub mean_control: f64,
    pub mean_treatment: f64,
    pub effect_size: f64,
    /// Whether the headline estimator adjusts for this variable.
    pub adjusted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BalanceMeasure {
    HedgesG,
    CoxIndex,
}

/// Balance of every baseline variable, each treatment arm against the control.
pub(crate) fn baseline_balance(
    data: &AnalyticData,
    rows: &OutcomeRows,
    plan: &Plan,
    arms: &[Arm],
    control: usize,
    adjusted_for: &[String],
) -> Result<Vec<BalanceRow>, AnalysisError> {
    let analysis = plan
        .analysis
        .as_ref()
        .expect("balance runs only with an analysis section");
    let mut variables: Vec<String> = analysis.covariates.clone();
    for outcome in &plan.outcomes {
        if let Some(baseline) = &outcome.spec.baseline
            && !variables.contains(baseline)
        {
            variables.push(baseline.clone());
        }
    }
    let mut table = Vec::new();
    for variable in &variables {
        let indicators: Vec<(Option<String>, Vec<Option<f64>>, bool)> =
            match data.table.auto(variable)? {
                Column::Numeric(values) => {
                    let binary = values.iter().flatten().all(|v| *v == 0.0 || *v == 1.0);
                    vec![(None, values, binary)]
                }
                Column::Categorical(labels) => {
                    let mut levels: Vec<&String> = labels.iter().flatten().collect();
                    levels.sort();
                    levels.dedup();
                    levels
                        .into_iter()
                        .map(|level| {
                            let values = labels
                                .iter()
                                .map(|l| l.as_ref().map(|l| f64::from(u8::from(l == level))))
                                .collect();
                            (Some(level.clone()), values, true)
                        })
                        .collect()
                }
                Column::Identifier(_) => unreachable!("auto never reads identifiers"),
            };
        for (level, values, binary) in indicators {
            let group = |arm: usize| -> Vec<f64> {
                rows.rows
                    .iter()
                    .zip(&rows.arm)
                    .filter(|(_, a)| **a == arm)
                    .filter_map(|(r, _)| values[*r])
                    .collect()
            };
            let control_values = group(control);
            for (arm_index, arm) in arms.iter().enumerate().filter(|(i, _)| *i != control) {
                let treated = group(arm_index);
                if treated.len() < 2 || control_values.len() < 2 {
                    continue;
                }
                let (mean_t, _) = mean_and_variance(&treated);
                let (mean_c, _) = mean_and_variance(&control_values);
                let (measure, effect_size) = if binary {
                    (
                        BalanceMeasure::CoxIndex,
                        cox_index(&treated, &control_values),
                    )
                } else {
                    (BalanceMeasure::HedgesG, hedges_g(&treated, &control_values))
                };
                table.push(BalanceRow {
                    variable: variable.clone(),
                    level: level.clone(),
                    contrast: format!("{} vs {}", arm.name, data.arm_names[control]),
                    measure,
                    n_control: control_values.len(),
                    n_treatment: treated.len(),
                    mean_control: mean_c,
                    mean_treatment: mean_t,
                    effect_size,
                    adjusted: adjusted_for.contains(variable),
                });
            }
        }
    }
    Ok(table)
}

/// Hedges' g with the pooled SD and the small-sample correction 1 − 3/(4N − 9)
/// (WWC Handbook v4.1, appendix E). Zero when both groups are constant and equal.
pub fn hedges_g(treated: &[f64], control: &[f64]) -> f64 {
    let (mean_t, var_t) = mean_and_variance(treated);
    let (mean_c, var_c) = mean_and_variance(control);
    let (n_t, n_c) = (treated.len() as f64, control.len() as f64);
    let pooled = (((n_t - 1.0) * var_t + (n_c - 1.0) * var_c) / (n_t + n_c - 2.0)).sqrt();
    if pooled == 0.0 {
        return if mean_t == mean_c {
            0.0
        } else {
            f64::INFINITY.copysign(mean_t - mean_c)
        };
    }
    (1.0 - 3.0 / (4.0 * (n_t + n_c) - 9.0)) * (mean_t - mean_c) / pooled
}

/// Cox index: the difference in log odds divided by 1.65, with the same small-sample
/// correction as Hedges' g (WWC Handbook v4.1, appendix E). A proportion of 0 or 1 is
/// moved half an observation inward so that the log odds stay finite.
pub fn cox_index(treated: &[f64], control: &[f64]) -> f64 {
    let log_odds = |values: &[f64]| {
        let n = values.len() as f64;
        let events = values.iter().sum::<f64>();
        let p = if events == 0.0 || events == n {
            (events + 0.5) / (n + 1.0)
        } else {
            events / n
        };
        (p / (1.0 - p)).ln()
    };
    let total = (treated.len() + control.len()) as f64;
    (1.0 - 3.0 / (4.0 * total - 9.0)) * (log_odds(treated) - log_odds(control)) / 1.65
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::prec::assert_close;

    /// By hand: means 3 and 2, pooled SD 1, N = 6: g = (1 − 3/15)·1 = 0.8.
    #[test]
    fn hedges_g_by_hand() {
        assert_close(
            hedges_g(&[2.0, 3.0, 4.0], &[1.0, 2.0, 3.0]),
            0.8,
            1e-14,
            "g",
        );
    }

    /// By hand: p_t = 3/4, p_c = 1/4: log odds ratio ln 9, N = 8: (1 − 3/23)·ln 9 / 1.65.
    #[test]
    fn cox_index_by_hand() {
        let expected = (1.0 - 3.0 / 23.0) * 9f64.ln() / 1.65;
        assert_close(
            cox_index(&[1.0, 1.0, 1.0, 0.0], &[1.0, 0.0, 0.0, 0.0]),
            expected,
            1e-14,
            "cox",
        );
    }
}
