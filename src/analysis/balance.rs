//! Baseline equivalence: how far the arms differ at baseline on each declared
//! covariate and on each outcome's baseline measure, on the analytic sample.
//!
//! Effect sizes follow the What Works Clearinghouse Procedures and Standards Handbook
//! (v4.1, 2020; v5.0, 2022): Hedges' g for continuous variables, the Cox index for
//! binary ones (a categorical covariate is checked level by level). The grading rule
//! that reads them lives in `evidence`.

use serde::Serialize;

use super::AnalysisError;
use super::sample::{AnalyticData, DataWarning, OutcomeRows, typed_column};
use crate::data::Column;
use crate::spec::{CovariateType, Plan};
use crate::stats::summary::mean_and_variance;

/// One variable's baseline difference between a treatment arm and the control.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct BalanceRow {
    pub variable: String,
    /// The level an indicator stands for: each level of a categorical covariate, the
    /// second of a two-level text column, or the larger value of a two-valued
    /// numeric column not coded 0/1 (none for 0/1 and continuous columns).
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
    /// Arm indices (spec order) of the two arms compared.
    #[serde(skip)]
    pub treated_arm: usize,
    #[serde(skip)]
    pub control_arm: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BalanceMeasure {
    HedgesG,
    CoxIndex,
    /// A matched comparison's standardised mean difference after matching (the
    /// matching's convention: src/matching/balance.rs).
    MatchedSmd,
}

impl BalanceMeasure {
    /// The measure's name as the report and the grade write it.
    pub fn name(self) -> &'static str {
        match self {
            BalanceMeasure::HedgesG => "Hedges' g",
            BalanceMeasure::CoxIndex => "Cox index",
            BalanceMeasure::MatchedSmd => "SMD after matching",
        }
    }
}

/// One indicator or measure a balance row is computed from: the values per data
/// row, the level it stands for, and whether it is binary.
struct Indicator {
    level: Option<String>,
    values: Vec<Option<f64>>,
    binary: bool,
}

/// Balance of every baseline variable (declared covariates, then outcome
/// baselines) for every ordered pair of arms (treated, control), on the rows of
/// `rows` (the headline estimator's sample of the primary outcome).
///
/// How a variable is measured: as `analysis.covariate_types` declares it; without
/// a declaration, a numeric column with at most two distinct values in the pair's
/// sample is binary whatever its coding (its larger value is the event), a text
/// column with at most two levels is binary, a text column with more is
/// categorical (one indicator per level present in the pair's sample), and any
/// other numeric column is continuous.
pub(crate) fn baseline_balance(
    data: &AnalyticData,
    rows: &OutcomeRows,
    plan: &Plan,
    adjusted_for: &[String],
    warnings: &mut Vec<DataWarning>,
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
    let arms = data.arm_names.len();
    let mut table = Vec::new();
    for variable in &variables {
        let declared = analysis.covariate_types.get(variable).copied();
        let column = match data.covariates.iter().find(|(name, _)| name == variable) {
            Some((_, column)) => column.clone(),
            None => typed_column(&data.table, variable, declared)?,
        };
        if matches!(column, Column::Numeric(_)) {
            data.check_precision(variable, &rows.rows, warnings)?;
        }
        for control in 0..arms {
            for treated in (0..arms).filter(|&t| t != control) {
                let in_pair: Vec<(usize, usize)> = rows
                    .rows
                    .iter()
                    .copied()
                    .zip(rows.arm.iter().copied())
                    .filter(|(_, a)| *a == treated || *a == control)
                    .collect();
                for indicator in indicators(data, variable, &column, declared, &in_pair)? {
                    let group = |arm: usize| -> Vec<f64> {
                        in_pair
                            .iter()
                            .filter(|(_, a)| *a == arm)
                            .filter_map(|(r, _)| indicator.values[*r])
                            .collect()
                    };
                    let control_values = group(control);
                    let treated_values = group(treated);
                    if treated_values.len() < 2 || control_values.len() < 2 {
                        continue;
                    }
                    let (mean_t, _) = mean_and_variance(&treated_values);
                    let (mean_c, _) = mean_and_variance(&control_values);
                    let (measure, effect_size) = if indicator.binary {
                        (
                            BalanceMeasure::CoxIndex,
                            cox_index(&treated_values, &control_values),
                        )
                    } else {
                        (
                            BalanceMeasure::HedgesG,
                            hedges_g(&treated_values, &control_values),
                        )
                    };
                    table.push(BalanceRow {
                        variable: variable.clone(),
                        level: indicator.level,
                        contrast: format!(
                            "{} vs {}",
                            data.arm_names[treated], data.arm_names[control]
                        ),
                        measure,
                        n_control: control_values.len(),
                        n_treatment: treated_values.len(),
                        mean_control: mean_c,
                        mean_treatment: mean_t,
                        effect_size,
                        adjusted: adjusted_for.contains(variable),
                        treated_arm: treated,
                        control_arm: control,
                    });
                }
            }
        }
    }
    Ok(table)
}

/// The indicators (or the one continuous measure) of `variable` for one pair of
/// arms, whose analytic rows are `in_pair` (row, arm).
fn indicators(
    data: &AnalyticData,
    variable: &str,
    column: &Column,
    declared: Option<CovariateType>,
    in_pair: &[(usize, usize)],
) -> Result<Vec<Indicator>, AnalysisError> {
    Ok(match column {
        Column::Numeric(values) => {
            let mut distinct: Vec<f64> = in_pair.iter().filter_map(|(r, _)| values[*r]).collect();
            distinct.sort_by(f64::total_cmp);
            distinct.dedup();
            let binary = match declared {
                Some(CovariateType::Continuous) => false,
                Some(CovariateType::Binary) => true,
                _ => distinct.len() <= 2,
            };
            if !binary {
                return Ok(vec![Indicator {
                    level: None,
                    values: values.clone(),
                    binary: false,
                }]);
            }
            let coded_01 = distinct.iter().all(|v| *v == 0.0 || *v == 1.0);
            let event = if coded_01 {
                1.0
            } else {
                *distinct.last().unwrap_or(&1.0)
            };
            // A coding other than 0/1 names its event level as written in the file.
            let level = if coded_01 {
                None
            } else {
                let texts = data.table.categorical(variable)?;
                in_pair
                    .iter()
                    .find(|(r, _)| values[*r] == Some(event))
                    .and_then(|(r, _)| texts[*r].clone())
            };
            vec![Indicator {
                level,
                values: values
                    .iter()
                    .map(|v| v.map(|v| f64::from(u8::from(v == event))))
                    .collect(),
                binary: true,
            }]
        }
        Column::Categorical(labels) => {
            let mut levels: Vec<&String> = in_pair
                .iter()
                .filter_map(|(r, _)| labels[*r].as_ref())
                .collect();
            levels.sort();
            levels.dedup();
            // Two levels (or one) make one binary indicator: the last level is the event.
            if declared != Some(CovariateType::Categorical) && levels.len() <= 2 {
                levels.drain(..levels.len().saturating_sub(1));
            }
            levels
                .into_iter()
                .map(|level| Indicator {
                    level: Some(level.clone()),
                    values: labels
                        .iter()
                        .map(|l| l.as_ref().map(|l| f64::from(u8::from(l == level))))
                        .collect(),
                    binary: true,
                })
                .collect()
        }
        Column::Identifier(_) => unreachable!("covariates are never read as identifiers"),
    })
}

/// Hedges' g with the pooled SD and the small-sample correction 1 − 3/(4N − 9)
/// (WWC Handbook v4.1, appendix E). Zero when both groups are constant and equal.
pub fn hedges_g(treated: &[f64], control: &[f64]) -> f64 {
    let (mean_t, var_t) = mean_and_variance(treated);
    let (mean_c, var_c) = mean_and_variance(control);
    hedges_g_of(
        (treated.len() as f64, mean_t, var_t),
        (control.len() as f64, mean_c, var_c),
    )
}

/// [`hedges_g`] from each group's (n, mean, variance).
pub(crate) fn hedges_g_of(
    (n_t, mean_t, var_t): (f64, f64, f64),
    (n_c, mean_c, var_c): (f64, f64, f64),
) -> f64 {
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
/// correction as Hedges' g (WWC Procedures Handbook v4.1, appendix E).
///
/// Equal proportions give exactly 0, whatever the arm sizes (two all-zero arms
/// included). When the proportions differ and one of them is 0 or 1, the log odds
/// are infinite; the WWC handbooks give no correction for this case (we found
/// none in v4.1 or v5.0), so the usual Haldane–Anscombe one is applied: half an
/// observation is added to every cell of the 2×2 table, both arms alike, so
/// p = (events + ½) / (n + 1) in each.
pub fn cox_index(treated: &[f64], control: &[f64]) -> f64 {
    cox_index_of(
        (treated.iter().sum::<f64>(), treated.len() as f64),
        (control.iter().sum::<f64>(), control.len() as f64),
    )
}

/// [`cox_index`] from each group's (events, n).
pub(crate) fn cox_index_of((events_t, n_t): (f64, f64), (events_c, n_c): (f64, f64)) -> f64 {
    // Counts are whole numbers far below 2^26, so the cross-products are exact.
    if events_t * n_c == events_c * n_t {
        return 0.0;
    }
    let empty_cell = events_t == 0.0 || events_t == n_t || events_c == 0.0 || events_c == n_c;
    let proportion = |events: f64, n: f64| {
        if empty_cell {
            (events + 0.5) / (n + 1.0)
        } else {
            events / n
        }
    };
    let log_odds = |p: f64| (p / (1.0 - p)).ln();
    let (p_t, p_c) = (proportion(events_t, n_t), proportion(events_c, n_c));
    (1.0 - 3.0 / (4.0 * (n_t + n_c) - 9.0)) * (log_odds(p_t) - log_odds(p_c)) / 1.65
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
