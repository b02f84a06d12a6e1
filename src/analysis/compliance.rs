//! Non-compliance (`analysis.received`): beside each intention-to-treat comparison of a
//! randomised trial, the complier average causal effect by instrumental variables,
//! with the random assignment as the instrument for receipt
//! (`stats::regression::iv_robust`: 2SLS, HC2 or CR2 for cluster trials, the first-stage
//! F and the Anderson–Rubin set).
//!
//! In: the analytic sample of the headline estimator for one outcome, the received
//! column and the two arms compared. Out: a [`ComplierEffect`]. The covariates enter
//! both stages when the headline estimator adjusts for them (Lin's estimator too, whose
//! interactions are not carried over: the IV fit adjusts additively); block fixed
//! effects when the design was randomised within blocks.

use serde::Serialize;

use super::AnalysisError;
use super::estimators::{EstimatorContext, pair_rows};
use super::sample::OutcomeRows;
use crate::data::DataError;
use crate::spec::Arm;
use crate::stats::estimate::Estimate;
use crate::stats::regression::{
    AndersonRubin, Clusters, Covariate, FirstStage, IvData, IvOptions, NamedColumn,
    build_design_rows, iv_robust,
};

/// What the estimator is called in errors.
const LABEL: &str = "complier average causal effect (instrumental variables)";
/// The instrument's name in the fit: assignment to the treated arm.
const INSTRUMENT: &str = "assigned";

/// Take-up in one arm.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TakeUp {
    pub arm: String,
    /// Analysed units, and those of them who received the intervention.
    pub n: usize,
    pub received: usize,
}

/// The complier average causal effect of one treated arm against the control.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ComplierEffect {
    /// "treatment vs control", as the ITT comparison it sits beside.
    pub contrast: String,
    /// The 0/1 column recording receipt (`analysis.received`).
    pub received: String,
    /// The effect of receipt among compliers (2SLS coefficient of receipt, assignment
    /// as instrument), with its Wald interval.
    pub estimate: Estimate,
    /// estimatr's se_type: `HC2`, or `CR2` for cluster trials.
    pub se_type: String,
    /// Covariates (and block fixed effects) in both stages.
    pub adjusted_for: Vec<String>,
    pub nobs: usize,
    pub nclusters: Option<usize>,
    /// Control first, then the treated arm.
    pub take_up: Vec<TakeUp>,
    pub first_stage: FirstStage,
    /// Valid however weak the instrument; may be unbounded or two rays.
    pub anderson_rubin: AndersonRubin,
}

/// Reads `analysis.received`: every value present must be 0 or 1.
///
/// # Errors
/// [`AnalysisError::ReceivedNotZeroOne`] naming the first offending lines.
pub(crate) fn received_column(
    context: &EstimatorContext,
    column: &str,
) -> Result<Vec<Option<f64>>, AnalysisError> {
    let table = &context.data.table;
    let values = table.numeric(column)?;
    let bad: Vec<usize> = values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_some_and(|v| v != 0.0 && v != 1.0))
        .map(|(row, _)| row)
        .collect();
    if let Some(&first) = bad.first() {
        return Err(AnalysisError::ReceivedNotZeroOne {
            path: table.path.clone(),
            column: column.to_string(),
            lines: bad
                .iter()
                .take(5)
                .map(|&r| table.line(r).to_string())
                .collect::<Vec<_>>()
                .join(", "),
            count: bad.len(),
            value: values[first].expect("a present value"),
        });
    }
    Ok(values)
}

/// The complier average causal effect of `treated` against `control` on the rows of
/// the headline estimator's sample.
pub(crate) fn complier_effect(
    context: &EstimatorContext,
    rows: &OutcomeRows,
    received: (&str, &[Option<f64>]),
    adjust: bool,
    arms: &[Arm],
    control: usize,
    treated: usize,
) -> Result<ComplierEffect, AnalysisError> {
    let data = context.data;
    let (column, received) = received;
    let (blocked, in_pair) = pair_rows(context, rows, control, treated);
    let mut d = Vec::with_capacity(in_pair.len());
    for &i in &in_pair {
        let row = rows.rows[i];
        match received[row] {
            Some(v) => d.push(v),
            None => {
                return Err(DataError::MissingValue {
                    path: data.table.path.clone(),
                    line: data.table.line(row),
                    column: column.to_string(),
                }
                .into());
            }
        }
    }
    let y: Vec<f64> = in_pair.iter().map(|&i| rows.y[i]).collect();
    let z: Vec<f64> = in_pair
        .iter()
        .map(|&i| f64::from(u8::from(rows.arm[i] == treated)))
        .collect();
    let mut covariates = if adjust {
        data.covariates_for(&in_pair, rows)?
    } else {
        Vec::new()
    };
    if let Some((b, _)) = &blocked {
        covariates.push(Covariate::Factor {
            name: "(block)".into(),
            levels: in_pair
                .iter()
                .map(|&i| b.label_of_row(rows.rows[i]).to_string())
                .collect(),
        });
    }
    let adjusted_for: Vec<String> = covariates.iter().map(|c| c.name().to_string()).collect();
    let clusters = data.clusters.as_ref().map(|labels| {
        let subset: Vec<&str> = in_pair
            .iter()
            .map(|&i| labels[rows.rows[i]].as_str())
            .collect();
        Clusters::from_labels(&subset)
    });
    let fail = |source| AnalysisError::Estimator {
        outcome: context.outcome.name.clone(),
        estimator: LABEL,
        source,
    };
    let exogenous = build_design_rows(y.len(), true, &covariates).map_err(fail)?;
    let fit = iv_robust(
        &IvData {
            outcome: &y,
            endogenous: NamedColumn {
                name: column,
                values: &d,
            },
            instrument: NamedColumn {
                name: INSTRUMENT,
                values: &z,
            },
            exogenous: &exogenous,
        },
        &IvOptions {
            clusters: clusters.as_ref(),
            conf_level: context.conf_level,
            ..IvOptions::default()
        },
    )
    .map_err(fail)?;
    let take_up = |arm: usize, name: &str| {
        let members: Vec<usize> = (0..in_pair.len())
            .filter(|&k| rows.arm[in_pair[k]] == arm)
            .collect();
        TakeUp {
            arm: name.to_string(),
            n: members.len(),
            received: members.iter().filter(|&&k| d[k] == 1.0).count(),
        }
    };
    Ok(ComplierEffect {
        contrast: format!("{} vs {}", arms[treated].name, data.arm_names[control]),
        received: column.to_string(),
        estimate: fit.effect().clone(),
        se_type: fit.fit.se_type.to_string(),
        adjusted_for,
        nobs: fit.fit.nobs,
        nclusters: fit.fit.nclusters,
        take_up: vec![
            take_up(control, &data.arm_names[control]),
            take_up(treated, &arms[treated].name),
        ],
        first_stage: fit.first_stage,
        anderson_rubin: fit.anderson_rubin,
    })
}
