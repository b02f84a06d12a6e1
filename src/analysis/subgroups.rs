//! Subgroup analyses of the primary outcome (`analysis.subgroups`): within each level of
//! a declared column, the headline estimator's comparison of each treated arm with the
//! control, and the test that the effect differs between levels, the Wald test of the
//! treatment-by-subgroup interaction terms in one regression
//! y ~ z + factor(g) + z:factor(g) [+ covariates] with HC2 (CR2 in cluster trials)
//! standard errors, as `estimatr::lm_robust` then a Wald F on those terms.
//!
//! In: the primary outcome's analysed rows, the estimator context and the declared
//! subgroups. Out: a [`SubgroupAnalysis`] per column and treated arm. Subgroup findings
//! are exploratory unless the subgroup was declared in the pre-registered plan; the
//! report says which.

use std::collections::BTreeSet;

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use super::estimators::{EstimatorContext, compare_arms, pair_rows};
use super::sample::OutcomeRows;
use super::{AnalysisError, Comparison};
use crate::spec::{Arm, EstimatorKind};
use crate::stats::distributions::f as f_dist;
use crate::stats::regression::{
    Clusters, Covariate, LmRobustOptions, RegressionError, build_design, lm_robust,
};

/// The treatment indicator's name in the interaction model (no column can be called so).
const TREATED: &str = "<treated>";

/// The effect within one level of a subgroup.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SubgroupLevel {
    pub level: String,
    pub comparison: Comparison,
}

/// The Wald test that the effect is the same in every level.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct InteractionTest {
    /// F = b'V⁻¹b/q on the q interaction terms.
    pub statistic: f64,
    pub numdf: f64,
    /// n − k, or the number of clusters − 1 with CR2 (estimatr's F convention).
    pub dendf: f64,
    pub p_value: f64,
    /// `HC2`, or `CR2` in cluster trials.
    pub se_type: String,
    /// Covariates in the interaction model (those of an adjusting headline estimator).
    pub adjusted_for: Vec<String>,
}

/// One subgroup column's analysis for one treated arm.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SubgroupAnalysis {
    /// The column of the analysis data whose values form the subgroups.
    pub column: String,
    /// Declared as part of the pre-registered plan (`analysis.subgroups[].preregistered`);
    /// otherwise the findings are exploratory.
    pub preregistered: bool,
    /// "treatment vs control".
    pub contrast: String,
    /// The primary outcome.
    pub outcome: String,
    pub levels: Vec<SubgroupLevel>,
    pub interaction: InteractionTest,
    /// Analysed rows left out because the subgroup column is empty.
    pub excluded_missing: usize,
}

/// A subgroup as the plan declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubgroupPlan {
    pub column: String,
    pub preregistered: bool,
}

/// The rows of `rows` at the given positions, as a sample of their own.
fn subset(rows: &OutcomeRows, positions: &[usize], arms: usize) -> OutcomeRows {
    OutcomeRows {
        rows: positions.iter().map(|&p| rows.rows[p]).collect(),
        y: positions.iter().map(|&p| rows.y[p]).collect(),
        baseline: rows
            .baseline
            .as_ref()
            .map(|b| positions.iter().map(|&p| b[p]).collect()),
        arm: positions.iter().map(|&p| rows.arm[p]).collect(),
        excluded_missing: 0,
        excluded_per_arm: vec![0; arms],
        excluded_by_column: Vec::new(),
    }
}

/// Every declared subgroup's analysis of the primary outcome.
///
/// # Errors
/// [`AnalysisError::Subgroup`] when a level has fewer than two analysed units in one of
/// the compared arms, or the column has a single level; estimator errors as the
/// headline comparison's.
pub(super) fn analyse(
    context: &EstimatorContext,
    rows: &OutcomeRows,
    subgroups: &[SubgroupPlan],
    estimator: EstimatorKind,
    (arms, control): (&[Arm], usize),
) -> Result<Vec<SubgroupAnalysis>, AnalysisError> {
    let mut out = Vec::new();
    for subgroup in subgroups {
        let context = &EstimatorContext {
            without_covariate: Some(&subgroup.column),
            ..*context
        };
        let labels = context.data.table.categorical(&subgroup.column)?;
        let label_of = |p: usize| labels[rows.rows[p]].as_deref();
        for treated in (0..arms.len()).filter(|&a| a != control) {
            let (_, in_pair) = pair_rows(context, rows, control, treated);
            let present: Vec<usize> = in_pair
                .iter()
                .copied()
                .filter(|&p| label_of(p).is_some())
                .collect();
            let excluded_missing = in_pair.len() - present.len();
            let levels: BTreeSet<&str> = present.iter().filter_map(|&p| label_of(p)).collect();
            let problem = |level: &str, message: String| AnalysisError::Subgroup {
                column: subgroup.column.clone(),
                level: level.to_string(),
                message,
            };
            if levels.len() < 2 {
                return Err(problem(
                    levels.first().copied().unwrap_or(""),
                    "is the only level among the analysed units: there is nothing to compare it with".into(),
                ));
            }
            let mut results = Vec::with_capacity(levels.len());
            for &level in &levels {
                let positions: Vec<usize> = present
                    .iter()
                    .copied()
                    .filter(|&p| label_of(p) == Some(level))
                    .collect();
                for arm in [control, treated] {
                    let n = positions.iter().filter(|&&p| rows.arm[p] == arm).count();
                    if n < 2 {
                        return Err(problem(
                            level,
                            format!(
                                "has {n} analysed unit(s) in arm `{}`; an effect within a subgroup needs at least 2 in each arm",
                                arms[arm].name
                            ),
                        ));
                    }
                }
                let sub = subset(rows, &positions, arms.len());
                let comparison = compare_arms(context, &sub, estimator, arms, control, treated)?;
                results.push(SubgroupLevel {
                    level: level.to_string(),
                    comparison,
                });
            }
            let interaction = interaction_test(
                context, rows, &present, &label_of, &levels, estimator, treated,
            )?;
            out.push(SubgroupAnalysis {
                column: subgroup.column.clone(),
                preregistered: subgroup.preregistered,
                contrast: format!("{} vs {}", arms[treated].name, arms[control].name),
                outcome: context.outcome.name.clone(),
                levels: results,
                interaction,
                excluded_missing,
            });
        }
    }
    Ok(out)
}

/// The interaction model and the Wald F on its interaction terms.
fn interaction_test<'a>(
    context: &EstimatorContext,
    rows: &OutcomeRows,
    present: &[usize],
    label_of: &dyn Fn(usize) -> Option<&'a str>,
    levels: &BTreeSet<&'a str>,
    estimator: EstimatorKind,
    treated: usize,
) -> Result<InteractionTest, AnalysisError> {
    let fail = |source: RegressionError| AnalysisError::Estimator {
        outcome: context.outcome.name.clone(),
        estimator: "subgroup interaction model",
        source,
    };
    let z: Vec<f64> = present
        .iter()
        .map(|&p| f64::from(u8::from(rows.arm[p] == treated)))
        .collect();
    let y: Vec<f64> = present.iter().map(|&p| rows.y[p]).collect();
    let mut columns = vec![Covariate::Numeric {
        name: TREATED.into(),
        values: z.clone().into(),
    }];
    // Treatment contrasts against the first level, and each dummy times z.
    let mut interaction_terms = Vec::new();
    for &level in levels.iter().skip(1) {
        let dummy: Vec<f64> = present
            .iter()
            .map(|&p| f64::from(u8::from(label_of(p) == Some(level))))
            .collect();
        let name = format!("<subgroup {level}>");
        columns.push(Covariate::Numeric {
            name: format!("{TREATED}:{name}"),
            values: dummy.iter().zip(&z).map(|(d, z)| d * z).collect(),
        });
        interaction_terms.push(format!("{TREATED}:{name}"));
        columns.push(Covariate::Numeric {
            name,
            values: dummy.into(),
        });
    }
    let adjusted_for = if estimator.adjusts() {
        let covariates = context.covariates_for(present, rows)?;
        let names = covariates.iter().map(|c| c.name().to_string()).collect();
        columns.extend(covariates);
        names
    } else {
        Vec::new()
    };
    let clusters = context.data.clusters.as_ref().map(|labels| {
        let subset: Vec<&str> = present
            .iter()
            .map(|&p| labels[rows.rows[p]].as_str())
            .collect();
        Clusters::from_labels(&subset)
    });
    let design = build_design(true, &columns).map_err(fail)?;
    let fit = lm_robust(
        &design,
        &y,
        &LmRobustOptions {
            clusters: clusters.as_ref(),
            ..LmRobustOptions::default()
        },
    )
    .map_err(fail)?;
    let index: Vec<usize> = interaction_terms
        .iter()
        .map(|t| {
            fit.coefficients
                .iter()
                .position(|c| &c.term == t)
                .expect("every interaction term is in the design")
        })
        .collect();
    let q = index.len();
    let b = DVector::from_iterator(
        q,
        index.iter().map(|&i| fit.coefficients[i].estimate.estimate),
    );
    let v = DMatrix::from_fn(q, q, |r, c| fit.vcov[index[r]][index[c]]);
    let statistic = v
        .cholesky()
        .map(|chol| b.dot(&chol.solve(&b)) / q as f64)
        .unwrap_or(f64::NAN);
    let dendf = match (&clusters, fit.nclusters) {
        (Some(_), Some(j)) => j as f64 - 1.0,
        _ => fit.df_residual,
    };
    let numdf = q as f64;
    Ok(InteractionTest {
        statistic,
        numdf,
        dendf,
        p_value: f_dist::sf(statistic, numdf, dendf).unwrap_or(f64::NAN),
        se_type: format!("{:?}", fit.se_type),
        adjusted_for,
    })
}
