//! The analyse stage: reads the outcome data, forms the analytic sample under the
//! missing-data policy, counts the flow of units per arm, checks baseline balance,
//! and runs the declared estimators on every outcome.
//!
//! Estimators live one per file (`two_arm.rs`, `paired.rs`, `single_group.rs`); this
//! file joins the data and dispatches.

mod balance;
mod sample;
mod two_arm;

use balance::baseline_balance;
pub use balance::{BalanceMeasure, BalanceRow, cox_index, hedges_g};
pub use sample::{ArmFlow, Flow};

use std::path::PathBuf;

use serde::Serialize;
use thiserror::Error;

use crate::data::DataError;
use crate::spec::{
    Design, Direction, EstimatorKind, OutcomeRole, OutcomeType, PAdjustMethod, Plan,
};
use crate::stats::estimate::{Alternative, Estimate};
use crate::stats::htest::p_adjust;

/// Results of the analyse stage.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub alpha: f64,
    pub conf_level: f64,
    pub alternative: Alternative,
    pub multiple_comparisons: PAdjustMethod,
    pub missing_policy: crate::spec::MissingPolicy,
    pub flow: Flow,
    pub outcomes: Vec<OutcomeResult>,
    /// Baseline balance on the primary outcome's analytic sample (comparison designs).
    pub baseline: Vec<BalanceRow>,
}

/// All results for one outcome.
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeResult {
    pub outcome: String,
    pub label: String,
    pub role: OutcomeRole,
    #[serde(rename = "type")]
    pub outcome_type: OutcomeType,
    pub better: Direction,
    pub unit: Option<String>,
    /// Rows dropped from this outcome's analysis for missing values (listwise policy).
    pub excluded_missing: usize,
    /// One result per estimator and (for multi-arm designs) per treatment arm.
    pub comparisons: Vec<Comparison>,
}

/// One estimator's result.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub estimator: EstimatorKind,
    /// What is compared, in words: "treatment vs control", "after vs before".
    pub contrast: String,
    /// Summaries of the groups compared (control first), or of the participants.
    pub groups: Vec<GroupSummary>,
    pub estimate: Estimate,
    /// The effect in standard-deviation units (Hedges' g for two groups, the mean
    /// change over the SD of change for paired data).
    pub standardised: Option<f64>,
    /// Risk ratio with its 95 % CI, for binary outcomes of two-group designs.
    pub risk_ratio: Option<RatioEstimate>,
    /// The p-value adjusted across outcomes (headline estimator only).
    pub p_adjusted: Option<f64>,
}

/// n, mean and SD of one group (for binary outcomes the mean is the proportion).
#[derive(Debug, Clone, Serialize)]
pub struct GroupSummary {
    pub name: String,
    pub n: usize,
    pub mean: f64,
    pub sd: f64,
}

/// A ratio with a confidence interval computed on the log scale.
#[derive(Debug, Clone, Serialize)]
pub struct RatioEstimate {
    pub estimate: f64,
    pub conf_low: f64,
    pub conf_high: f64,
}

/// Problems in the analysis data.
#[derive(Debug, Error)]
pub enum AnalysisError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(
        "{path}:{line}: column `{column}`: arm `{value}` is not one of the declared arms {arms}"
    )]
    UnknownArm {
        path: PathBuf,
        line: u64,
        column: String,
        value: String,
        arms: String,
    },
    #[error("arm `{arm}` has no units with {what}")]
    EmptyArm { arm: String, what: String },
    #[error("{path}:{line}: unit `{id}` is not in the units file {units}")]
    NotInUnits {
        path: PathBuf,
        line: u64,
        id: String,
        units: PathBuf,
    },
    #[error(
        "{path}:{line}: unit `{id}` is in arm `{data_arm}` here but allocated to `{units_arm}` in the units file"
    )]
    ArmMismatch {
        path: PathBuf,
        line: u64,
        id: String,
        data_arm: String,
        units_arm: String,
    },
    #[error(
        "{path}:{line}: column `{column}` is a binary outcome but holds `{value}`; binary outcomes are coded 0 or 1"
    )]
    NotBinary {
        path: PathBuf,
        line: u64,
        column: String,
        value: f64,
    },
    #[error(
        "outcome `{outcome}` has zero variance {within}: every value is {value}, so no standard error or test is possible"
    )]
    ZeroVariance {
        outcome: String,
        within: String,
        value: f64,
    },
    #[error(
        "outcome `{outcome}`: {group} has {n} analysed unit(s); at least 2 are needed for a standard error"
    )]
    TooFew {
        outcome: String,
        group: String,
        n: usize,
    },
}

impl AnalysisError {
    pub fn hint(&self) -> String {
        match self {
            AnalysisError::Data(e) => e.hint(),
            AnalysisError::UnknownArm { .. } => "add the arm to design.arms, or correct the value in the data".into(),
            AnalysisError::EmptyArm { .. } => {
                "every declared arm needs analysed units; check the arm names and the missing values".into()
            }
            AnalysisError::NotInUnits { .. } => {
                "every analysed unit must be in the units file; check the identifiers in both files".into()
            }
            AnalysisError::ArmMismatch { .. } => {
                "analyse units in the arm they were allocated to (intention to treat); fix the data or drop analysis.treatment".into()
            }
            AnalysisError::NotBinary { .. } => "recode the outcome as 0/1, or declare it continuous".into(),
            AnalysisError::ZeroVariance { .. } => {
                "check that the right column is named; a constant outcome cannot show an effect".into()
            }
            AnalysisError::TooFew { .. } => "more analysed units are needed in that group".into(),
        }
    }
}

/// Runs the analyse stage of a plan that declares one.
pub fn analyse(plan: &Plan) -> Result<Option<Analysis>, AnalysisError> {
    let Some(analysis_plan) = &plan.analysis else {
        return Ok(None);
    };
    let sample = sample::AnalyticData::load(plan, analysis_plan)?;
    let conf_level = 1.0 - analysis_plan.alpha;
    let mut outcomes = Vec::with_capacity(plan.outcomes.len());
    let mut flow = None;
    for outcome in &plan.outcomes {
        let spec = &outcome.spec;
        let rows = sample.outcome_rows(spec, analysis_plan.missing)?;
        if flow.is_none() {
            flow = Some(sample.flow(&rows, &spec.name));
        }
        let mut comparisons = Vec::new();
        for estimator in &analysis_plan.estimators {
            let found = match (estimator, &plan.design) {
                (EstimatorKind::DifferenceInMeans, design) => {
                    let (arms, control) = design
                        .arms()
                        .expect("validated: difference in means needs arms");
                    two_arm::difference_in_means(
                        &sample,
                        &rows,
                        spec,
                        arms,
                        control,
                        conf_level,
                        analysis_plan.alternative,
                    )?
                }
                (EstimatorKind::PairedDifference, Design::BeforeAfter) => {
                    vec![two_arm::paired_difference(
                        &rows,
                        spec,
                        conf_level,
                        analysis_plan.alternative,
                    )?]
                }
                (EstimatorKind::Mean, _) => vec![two_arm::single_mean(
                    &rows,
                    spec,
                    conf_level,
                    analysis_plan.alternative,
                )?],
                (EstimatorKind::PairedDifference, _) => {
                    unreachable!("validated: paired difference needs before/after")
                }
            };
            comparisons.extend(found);
        }
        outcomes.push(OutcomeResult {
            outcome: spec.name.clone(),
            label: outcome.label.clone(),
            role: spec.role,
            outcome_type: spec.outcome_type,
            better: spec.better,
            unit: spec.unit.clone(),
            excluded_missing: rows.excluded_missing,
            comparisons,
        });
    }
    adjust_across_outcomes(&mut outcomes, analysis_plan.adjust);
    let baseline = match plan.design.arms() {
        Some((arms, control)) => {
            let primary_rows =
                sample.outcome_rows(&plan.outcomes[0].spec, analysis_plan.missing)?;
            baseline_balance(&sample, &primary_rows, plan, arms, control)?
        }
        None => Vec::new(),
    };
    Ok(Some(Analysis {
        alpha: analysis_plan.alpha,
        conf_level,
        alternative: analysis_plan.alternative,
        multiple_comparisons: analysis_plan.adjust,
        missing_policy: analysis_plan.missing,
        flow: flow.expect("validated: at least one outcome"),
        outcomes,
        baseline,
    }))
}

/// Adjusts the headline p-values (first estimator, every treatment arm) across outcomes.
fn adjust_across_outcomes(outcomes: &mut [OutcomeResult], method: PAdjustMethod) {
    let headline = outcomes
        .first()
        .and_then(|o| o.comparisons.first())
        .map(|c| c.estimator);
    let Some(headline) = headline else { return };
    let mut p_values = Vec::new();
    for outcome in outcomes.iter() {
        for comparison in outcome
            .comparisons
            .iter()
            .filter(|c| c.estimator == headline)
        {
            p_values.push(Some(comparison.estimate.p_value));
        }
    }
    let adjusted = p_adjust(&p_values, method).expect("p-values from estimates lie in [0, 1]");
    let mut next = adjusted.into_iter().flatten();
    for outcome in outcomes.iter_mut() {
        for comparison in outcome
            .comparisons
            .iter_mut()
            .filter(|c| c.estimator == headline)
        {
            comparison.p_adjusted = next.next();
        }
    }
}
