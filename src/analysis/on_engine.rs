//! The analyse stage on an engine (`analysis.engine`: DataFusion or a Ballista
//! cluster): the two arms of an rct or cluster_rct compared from aggregate queries
//! over a Parquet file that carries each row's arm, without loading the rows.
//!
//! Per outcome and estimator, [`crate::engine::arm_profile`] gives the rows per arm,
//! the rows left out for a missing value (by column), the analysed rows and the
//! outcome's mean and variance per arm; the difference in means or the covariate-
//! adjusted regression comes from the engine's `difference_in_means_on` /
//! `lm_robust_on`, and the comparison is assembled by the same functions as in
//! memory (`estimators::arm_comparison`). Baseline balance of numeric covariates
//! (and outcome baselines) comes from the per-arm sums: Hedges' g, or the Cox index
//! for a column coded 0/1.
//!
//! Not available on an engine, and so absent rather than invented: the allocation
//! (allocated, lost to follow-up and attrition, which need the data joined to the
//! units file or assignments.csv by id), the precision checks of each column (they
//! read the rows), and balance rows of two-valued columns not coded 0/1. The checks
//! at `check` time (`spec::validate`, `check_engine`) keep everything else that
//! needs the rows out.

use super::balance::{BalanceMeasure, BalanceRow, cox_index_of, hedges_g_of};
use super::estimators::{self, ArmStats, Ratios};
use super::sample::{ArmFlow, ColumnExclusion, ColumnsUsed, DataWarning, Flow};
use super::{Analysis, AnalysisError, OutcomeResult, adjust_across_outcomes};
use crate::engine::{
    ArmLabels, ArmProfile, ColumnSummary, DimRequest, ProfileRequest, RegressionRequest,
    arm_profile, difference_in_means_on, lm_robust_on,
};
use crate::spec::{
    AnalysisPlan, CovariateType, Design, EstimatorKind, MissingPolicy, OutcomeType, Plan,
    TreatmentSource,
};

/// The analyse stage of a plan whose `analysis.engine` is not memory.
pub(super) fn analyse(plan: &Plan, analysis: &AnalysisPlan) -> Result<Analysis, AnalysisError> {
    let engine = &analysis.engine;
    let (arms, control) = plan
        .design
        .arms()
        .expect("validated: an engine compares the arms of an rct or cluster_rct");
    let treated = (0..arms.len())
        .find(|&a| a != control)
        .expect("validated: two arms");
    let names = [arms[control].name.as_str(), arms[treated].name.as_str()];
    let Some(TreatmentSource::DataColumn(arm_column)) = &analysis.treatment else {
        unreachable!("validated: on an engine the arm is a column of the analysis data")
    };
    let clusters = match &plan.design {
        Design::ClusterRct { cluster, .. } => Some(cluster.as_str()),
        _ => None,
    };
    let conf_level = 1.0 - analysis.alpha;
    let drop_missing = analysis.missing == MissingPolicy::Listwise;
    // The balance variables: covariates, then outcome baselines.
    let mut variables: Vec<String> = analysis.covariates.clone();
    for outcome in &plan.outcomes {
        if let Some(baseline) = &outcome.spec.baseline
            && !variables.contains(baseline)
        {
            variables.push(baseline.clone());
        }
    }
    let headline = analysis.estimators[0];
    let mut warnings = Vec::new();
    let mut outcomes = Vec::with_capacity(plan.outcomes.len());
    let mut primary: Option<(Vec<String>, [ArmProfile; 2])> = None;
    for (index, outcome) in plan.outcomes.iter().enumerate() {
        let spec = &outcome.spec;
        let mut comparisons = Vec::new();
        let mut excluded_missing = 0;
        // One profile per set of columns read (as memory forms one sample each).
        let mut profiles: Vec<(ColumnsUsed, Vec<String>, [ArmProfile; 2])> = Vec::new();
        for &estimator in &analysis.estimators {
            let used = ColumnsUsed::of(estimator);
            if profiles.iter().all(|(u, _, _)| *u != used) {
                let mut required = vec![spec.name.clone()];
                if used.covariates {
                    required.extend(analysis.covariates.iter().cloned());
                }
                // The primary outcome's headline sample also carries the balance.
                let mut summarised = vec![spec.name.clone()];
                if index == 0 && used == ColumnsUsed::of(headline) {
                    summarised.extend(variables.iter().cloned());
                }
                let request = ProfileRequest {
                    data: &analysis.data,
                    arm_column,
                    required: &required,
                    summarised: &summarised,
                    binary_outcome: spec.outcome_type == OutcomeType::Binary,
                    clusters,
                    // Once: identifiers do not change between outcomes.
                    id: (profiles.is_empty() && index == 0).then_some(analysis.id.as_str()),
                };
                let found = arm_profile(engine, &request)?;
                if let Some(distinct) = found.distinct_ids
                    && distinct != found.rows
                {
                    return Err(AnalysisError::IdsOnEngine {
                        path: analysis.data.clone(),
                        column: analysis.id.clone(),
                        rows: found.rows,
                        distinct,
                    });
                }
                if let (Some(cluster), Some(column)) = (&found.mixed_cluster, clusters) {
                    return Err(AnalysisError::MixedClusterOnEngine {
                        path: analysis.data.clone(),
                        column: column.to_string(),
                        cluster: cluster.clone(),
                    });
                }
                let pair = arm_pair(analysis, arm_column, &names, found.arms)?;
                check_profile(analysis, &required, &pair, spec)?;
                profiles.push((used, summarised, pair));
            }
            let (_, _, pair) = profiles
                .iter()
                .find(|(u, _, _)| *u == used)
                .expect("formed above");
            let stats = pair.each_ref().map(|p| {
                let s = &p.summaries[0];
                ArmStats {
                    n: s.n,
                    mean: s.mean,
                    variance: s.variance,
                }
            });
            estimators::check_arms(spec, (names[0], &stats[0]), (names[1], &stats[1]))?;
            let (estimate, design, ratios): (_, _, Ratios) = match estimator {
                EstimatorKind::DifferenceInMeans => {
                    let fit = difference_in_means_on(
                        engine,
                        &DimRequest {
                            data: &analysis.data,
                            outcome: &spec.name,
                            treatment: arm_column,
                            clusters,
                            drop_missing,
                            conf_level,
                            alternative: analysis.alternative,
                            labels: Some((names[0], names[1])),
                        },
                    )?;
                    estimators::dim_parts(fit.result, spec, conf_level)
                }
                EstimatorKind::RegressionAdjusted => {
                    let mut covariates = vec![arm_column.clone()];
                    covariates.extend(analysis.covariates.iter().cloned());
                    let fit = lm_robust_on(
                        engine,
                        &RegressionRequest {
                            data: &analysis.data,
                            outcome: &spec.name,
                            covariates: &covariates,
                            clusters,
                            intercept: true,
                            drop_missing,
                            se_type: None,
                            conf_level,
                            alternative: analysis.alternative,
                            labels: Some(ArmLabels {
                                column: arm_column,
                                control: names[0],
                                treated: names[1],
                            }),
                        },
                    )?;
                    let estimate = fit
                        .fit
                        .coefficient(arm_column)
                        .cloned()
                        .expect("the treatment term is in every fit");
                    let design = estimators::regression_design(estimator, clusters.is_some(), None);
                    (estimate, design, (None, None))
                }
                _ => unreachable!("validated: an engine runs these two estimators only"),
            };
            comparisons.push(estimators::arm_comparison(
                estimator,
                (names[0], stats[0]),
                (names[1], stats[1]),
                estimate,
                design,
                ratios,
            ));
        }
        let position = profiles
            .iter()
            .position(|(u, _, _)| *u == ColumnsUsed::of(headline))
            .expect("the headline estimator's profile is formed");
        let (_, summarised, pair) = profiles.swap_remove(position);
        excluded_missing += pair
            .iter()
            .map(|p| p.excluded.iter().sum::<usize>())
            .sum::<usize>();
        if index == 0 {
            primary = Some((summarised, pair));
        }
        outcomes.push(OutcomeResult {
            outcome: spec.name.clone(),
            label: outcome.label.clone(),
            role: spec.role,
            outcome_type: spec.outcome_type,
            better: spec.better,
            unit: spec.unit.clone(),
            excluded_missing,
            comparisons,
            complier_effects: Vec::new(),
            equivalence: Vec::new(),
            attrition_bounds: Vec::new(),
        });
    }
    adjust_across_outcomes(&mut outcomes, analysis.adjust);
    let (summarised, pair) = primary.expect("validated: at least one outcome");
    let mut required = vec![plan.outcomes[0].spec.name.clone()];
    if headline.adjusts() {
        required.extend(analysis.covariates.iter().cloned());
    }
    let flow = flow(
        &names,
        control,
        treated,
        &pair,
        &required,
        &plan.outcomes[0].spec.name,
        headline,
    );
    let adjusted_for: &[String] = if headline.adjusts() {
        &analysis.covariates
    } else {
        &[]
    };
    let pairwise_balance = balance(
        analysis,
        &names,
        (control, treated),
        &pair,
        &summarised,
        adjusted_for,
        &mut warnings,
    );
    warnings.push(DataWarning {
        column: arm_column.clone(),
        line: 0,
        message: format!(
            "analysis.engine `{engine}`: the data were not joined to the allocation, so the units allocated, lost to follow-up and attrition are not known, and the columns' precision was not checked; run with the memory engine for them"
        ),
    });
    let baseline = pairwise_balance
        .iter()
        .filter(|r| r.control_arm == control)
        .cloned()
        .collect();
    let mut result = Analysis::design_only(analysis, flow, outcomes);
    result.baseline = baseline;
    result.pairwise_balance = pairwise_balance;
    result.warnings = warnings;
    Ok(result)
}

/// The profiles of the control and treated arms, in that order; a label that is
/// not one of the two arms, or a row without one, is refused.
fn arm_pair(
    analysis: &AnalysisPlan,
    arm_column: &str,
    names: &[&str; 2],
    found: Vec<ArmProfile>,
) -> Result<[ArmProfile; 2], AnalysisError> {
    let arms = format!("`{}` and `{}`", names[0], names[1]);
    let mut pair: [Option<ArmProfile>; 2] = [None, None];
    for profile in found {
        let slot = match &profile.label {
            Some(label) => names.iter().position(|n| n == label).ok_or_else(|| {
                AnalysisError::ArmsOnEngine {
                    path: analysis.data.clone(),
                    column: arm_column.to_string(),
                    what: format!("holds arm `{label}` in {} row(s)", profile.rows),
                    arms: arms.clone(),
                }
            })?,
            None => {
                return Err(AnalysisError::ArmsOnEngine {
                    path: analysis.data.clone(),
                    column: arm_column.to_string(),
                    what: format!("is missing in {} row(s)", profile.rows),
                    arms,
                });
            }
        };
        pair[slot] = Some(profile);
    }
    let [control, treated] = pair;
    let empty = |name: &str| AnalysisError::EmptyArm {
        arm: name.to_string(),
        what: format!("a row in {}", analysis.data.display()),
    };
    Ok([
        control.ok_or_else(|| empty(names[0]))?,
        treated.ok_or_else(|| empty(names[1]))?,
    ])
}

/// Missing values under the `error` policy, and binary outcomes not coded 0/1.
fn check_profile(
    analysis: &AnalysisPlan,
    required: &[String],
    pair: &[ArmProfile; 2],
    outcome: &crate::spec::OutcomeSpec,
) -> Result<(), AnalysisError> {
    if analysis.missing == MissingPolicy::Error
        && let Some(j) = (0..required.len()).find(|&j| pair.iter().any(|p| p.excluded[j] > 0))
    {
        return Err(crate::engine::EngineError::MissingValues {
            path: analysis.data.clone(),
            column: required[j].clone(),
            count: pair.iter().map(|p| p.excluded[j]).sum(),
        }
        .into());
    }
    let not_binary: usize = pair.iter().map(|p| p.not_binary).sum();
    if not_binary > 0 {
        return Err(crate::engine::EngineError::NotBinary {
            path: analysis.data.clone(),
            column: outcome.name.clone(),
            count: not_binary,
        }
        .into());
    }
    Ok(())
}

/// The flow of the two arms (in spec order) on the primary outcome's headline
/// profile; allocation is not known on an engine.
fn flow(
    names: &[&str; 2],
    control: usize,
    treated: usize,
    pair: &[ArmProfile; 2],
    required: &[String],
    outcome: &str,
    estimator: EstimatorKind,
) -> Flow {
    let arm = |name: &str, profile: &ArmProfile| ArmFlow {
        excluded_missing: profile.excluded.iter().sum(),
        excluded_by_column: required
            .iter()
            .zip(&profile.excluded)
            .filter(|(_, units)| **units > 0)
            .map(|(column, units)| ColumnExclusion {
                column: column.clone(),
                units: *units,
            })
            .collect(),
        clusters_analysed: profile.clusters_analysed,
        clusters_with_data: profile.clusters_with_data,
        ..ArmFlow::observed(name, profile.rows, profile.analysed)
    };
    let mut arms = vec![arm(names[0], &pair[0]), arm(names[1], &pair[1])];
    if treated < control {
        arms.swap(0, 1);
    }
    Flow {
        arms,
        outcome: outcome.to_string(),
        estimator,
    }
}

/// Balance rows of both ordered pairs of the two arms (treated vs control first),
/// from the per-arm summaries of `summarised` (the outcome, then the variables).
#[allow(clippy::too_many_arguments)]
fn balance(
    analysis: &AnalysisPlan,
    names: &[&str; 2],
    (control, treated): (usize, usize),
    pair: &[ArmProfile; 2],
    summarised: &[String],
    adjusted_for: &[String],
    warnings: &mut Vec<DataWarning>,
) -> Vec<BalanceRow> {
    let mut rows = Vec::new();
    for (s, variable) in summarised.iter().enumerate().skip(1) {
        let summary = [pair[0].summaries[s], pair[1].summaries[s]];
        let coded_01 = summary
            .iter()
            .filter(|c| c.n > 0)
            .all(|c| matches!(c.min, 0.0 | 1.0) && matches!(c.max, 0.0 | 1.0));
        let two_valued = summary.iter().all(|c| c.inside == 0);
        let binary = match analysis.covariate_types.get(variable) {
            Some(CovariateType::Continuous) => false,
            Some(CovariateType::Binary) => true,
            _ => two_valued,
        };
        if binary && !coded_01 {
            warnings.push(DataWarning {
                column: variable.clone(),
                line: 0,
                message: format!(
                    "{}, column `{variable}`: a two-valued column not coded 0/1 has no balance row on an engine (its event level is named from the file's text); code it 0/1, or run with the memory engine",
                    analysis.data.display()
                ),
            });
            continue;
        }
        for (t, c) in [(1, 0), (0, 1)] {
            let (st, sc): (&ColumnSummary, &ColumnSummary) = (&summary[t], &summary[c]);
            if st.n < 2 || sc.n < 2 {
                continue;
            }
            let (measure, effect_size) = if binary {
                (
                    BalanceMeasure::CoxIndex,
                    cox_index_of((st.sum, st.n as f64), (sc.sum, sc.n as f64)),
                )
            } else {
                (
                    BalanceMeasure::HedgesG,
                    hedges_g_of(
                        (st.n as f64, st.mean, st.variance),
                        (sc.n as f64, sc.mean, sc.variance),
                    ),
                )
            };
            let arm_index = |i: usize| if i == 0 { control } else { treated };
            rows.push(BalanceRow {
                variable: variable.clone(),
                level: None,
                contrast: format!("{} vs {}", names[t], names[c]),
                measure,
                n_control: sc.n,
                n_treatment: st.n,
                mean_control: sc.mean,
                mean_treatment: st.mean,
                effect_size,
                adjusted: adjusted_for.contains(variable),
                treated_arm: arm_index(t),
                control_arm: arm_index(c),
            });
        }
    }
    rows
}
