//! The estimators of the analyse stage, as thin adapters from the analytic sample to
//! the statistical core: difference in means (estimatr's difference_in_means: Welch,
//! CR2 with clusters, the blocked or matched-pairs estimator in a blocked design),
//! regression adjustment (lm_robust, HC2 or CR2, with block fixed effects in a
//! blocked design), Lin's interacted adjustment (lm_lin, likewise), the paired
//! before/after difference (paired t) and the single-group mean (one-sample t). Binary
//! outcomes compared by the difference in means also get the risk and odds ratios,
//! with intervals from the difference's own variance.

use super::blocks::RowBlocks;
use super::ri::Statistic;
use super::sample::{AnalyticData, OutcomeRows, SINGLE_GROUP};
use super::{AnalysisError, Comparison, EstimatorDesign, GroupSummary, RatioEstimate};
use crate::report::format;
use crate::spec::{Arm, EstimatorKind, OutcomeSpec, OutcomeType};
use crate::stats::estimate::{Alternative, Estimate};
use crate::stats::regression::{
    AbsorbedFactor, ArmMeans, Clusters, Covariate, DifferenceInMeans, DimDesign, DimOptions,
    FixedEffectsOptions, LmRobustOptions, RegressionError, build_design, difference_in_means,
    lm_lin_with_fixed_effects, lm_robust, lm_robust_fe,
};
use crate::stats::summary::mean_and_variance;

/// Name of the treatment indicator in regression output.
const TREATMENT_TERM: &str = "treatment";
/// Name of the block factor in regression output (parenthesised so that it cannot
/// collide with a covariate's name).
const BLOCK_TERM: &str = "(block)";

/// The settings every estimator shares.
pub(crate) struct EstimatorContext<'a> {
    pub data: &'a AnalyticData,
    pub outcome: &'a OutcomeSpec,
    pub conf_level: f64,
    pub alternative: Alternative,
    /// The blocks or pairs the design was randomised within.
    pub blocks: Option<&'a RowBlocks>,
    /// A covariate left out of adjusted fits: the column a subgroup analysis splits
    /// on, constant within each of its levels.
    pub without_covariate: Option<&'a str>,
    /// Columns absorbed as fixed effects by the regression-adjusted estimator
    /// (`analysis.fixed_effects`).
    pub absorbed: &'a [AbsorbedColumn],
}

/// A column absorbed as fixed effects: each row's level.
pub(crate) struct AbsorbedColumn {
    pub name: String,
    pub labels: Vec<Option<String>>,
}

impl EstimatorContext<'_> {
    /// Each absorbed column's level at the given positions.
    ///
    /// # Errors
    /// [`AnalysisError::MissingFixedEffect`] naming the first row without a level.
    fn absorbed_levels(
        &self,
        positions: &[usize],
        rows: &OutcomeRows,
    ) -> Result<Vec<(&str, Vec<&str>)>, AnalysisError> {
        self.absorbed
            .iter()
            .map(|column| {
                let levels = positions
                    .iter()
                    .map(|&p| {
                        let row = rows.rows[p];
                        column.labels[row].as_deref().ok_or_else(|| {
                            AnalysisError::MissingFixedEffect {
                                path: self.data.table.path.clone(),
                                line: self.data.table.line(row),
                                column: column.name.clone(),
                            }
                        })
                    })
                    .collect::<Result<Vec<&str>, AnalysisError>>()?;
                Ok((column.name.as_str(), levels))
            })
            .collect()
    }
}

impl EstimatorContext<'_> {
    /// The covariates of an adjusted fit over `positions`.
    pub(crate) fn covariates_for(
        &self,
        positions: &[usize],
        rows: &OutcomeRows,
    ) -> Result<Vec<Covariate>, AnalysisError> {
        let mut covariates = self.data.covariates_for(positions, rows)?;
        if let Some(skip) = self.without_covariate {
            covariates.retain(|c| c.name() != skip);
        }
        Ok(covariates)
    }
}

/// The positions (into the outcome rows) a blocked comparison of `treated` with
/// `control` uses: the rows of every block in which both arms have analysed units.
/// Returns the kept positions (rows of any arm, so that randomisation inference can
/// move units between arms), the blocks kept and dropped, and the compared units in
/// the dropped blocks.
pub(crate) struct BlockedRows {
    pub positions: Vec<usize>,
    pub kept: usize,
    pub dropped: usize,
    pub units_dropped: usize,
}

pub(crate) fn blocked_rows(
    blocks: &RowBlocks,
    rows: &OutcomeRows,
    control: usize,
    treated: usize,
) -> BlockedRows {
    let mut seen = vec![(false, false, 0usize); blocks.labels.len()];
    for (i, &row) in rows.rows.iter().enumerate() {
        let b = blocks.block[row] as usize;
        if rows.arm[i] == treated {
            seen[b].0 = true;
            seen[b].2 += 1;
        } else if rows.arm[i] == control {
            seen[b].1 = true;
            seen[b].2 += 1;
        }
    }
    let usable = |b: usize| seen[b].0 && seen[b].1;
    let present = |b: &(bool, bool, usize)| b.0 || b.1;
    let kept = (0..seen.len()).filter(|&b| usable(b)).count();
    let dropped = seen.iter().filter(|b| present(b)).count() - kept;
    let units_dropped = (0..seen.len())
        .filter(|&b| !usable(b))
        .map(|b| seen[b].2)
        .sum();
    let positions = (0..rows.rows.len())
        .filter(|&i| usable(blocks.block[rows.rows[i]] as usize))
        .collect();
    BlockedRows {
        positions,
        kept,
        dropped,
        units_dropped,
    }
}

/// The positions (into the outcome rows) of the units a comparison of `treated` with
/// `control` uses, in row order: in a blocked design those of the blocks in which both
/// arms have analysed units (returned with the blocks and what was kept), otherwise
/// every unit of the two arms.
pub(crate) fn pair_rows<'b>(
    context: &EstimatorContext<'b>,
    rows: &OutcomeRows,
    control: usize,
    treated: usize,
) -> (Option<(&'b RowBlocks, BlockedRows)>, Vec<usize>) {
    let blocked = context
        .blocks
        .map(|b| (b, blocked_rows(b, rows, control, treated)));
    let candidates: Vec<usize> = match &blocked {
        Some((_, kept)) => kept.positions.clone(),
        None => (0..rows.y.len()).collect(),
    };
    let in_pair = candidates
        .into_iter()
        .filter(|&i| rows.arm[i] == control || rows.arm[i] == treated)
        .collect();
    (blocked, in_pair)
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
    let (blocked, in_pair) = pair_rows(context, rows, control, treated_arm);
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
    let control_stats = ArmStats::of(&control_values);
    let treated_stats = ArmStats::of(&treated_values);
    check_arms(
        outcome,
        (&data.arm_names[control], &control_stats),
        (&arms[treated_arm].name, &treated_stats),
    )?;
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
    let block_labels: Option<Vec<&str>> = blocked.as_ref().map(|(b, _)| {
        in_pair
            .iter()
            .map(|&i| b.label_of_row(rows.rows[i]))
            .collect()
    });
    let mut ratios = (None, None);
    let (estimate, mut design) = match estimator {
        EstimatorKind::DifferenceInMeans => {
            let block_groups = block_labels.as_deref().map(Clusters::from_labels);
            let options = DimOptions {
                blocks: block_groups.as_ref(),
                clusters: clusters.as_ref(),
                conf_level: context.conf_level,
                alternative: context.alternative,
                ..DimOptions::default()
            };
            let fit = difference_in_means(&y, &treatment, &options).map_err(fail)?;
            let (estimate, design, fit_ratios) = dim_parts(fit, outcome, context.conf_level);
            ratios = fit_ratios;
            (estimate, design)
        }
        EstimatorKind::RegressionAdjusted if !context.absorbed.is_empty() => {
            let covariates = context.covariates_for(&in_pair, rows)?;
            let mut columns = vec![Covariate::Numeric {
                name: TREATMENT_TERM.into(),
                values: treatment.clone().into(),
            }];
            columns.extend(covariates);
            let design = build_design(false, &columns).map_err(fail)?;
            let mut levels = context.absorbed_levels(&in_pair, rows)?;
            if let Some(labels) = &block_labels {
                levels.push((BLOCK_TERM, labels.clone()));
            }
            let groups: Vec<Clusters> = levels
                .iter()
                .map(|(_, l)| Clusters::from_labels(l))
                .collect();
            let factors: Vec<AbsorbedFactor> = levels
                .iter()
                .zip(&groups)
                .map(|((name, _), levels)| AbsorbedFactor { name, levels })
                .collect();
            let fit = lm_robust_fe(
                &design,
                &y,
                &factors,
                &FixedEffectsOptions {
                    se_type: None,
                    clusters: clusters.as_ref(),
                    conf_level: context.conf_level,
                    alternative: context.alternative,
                },
            )
            .map_err(fail)?;
            let estimate = fit
                .coefficient(TREATMENT_TERM)
                .cloned()
                .expect("the treatment term is in every fit");
            let mut design = regression_design(
                estimator,
                clusters.is_some(),
                blocked.as_ref().map(|(_, kept)| kept.kept),
            );
            design.description.pop();
            let absorbed: Vec<String> = fit
                .fixed_effects
                .iter()
                .filter(|f| f.name != BLOCK_TERM)
                .map(|f| format!("{} ({} levels)", f.name, format::count(f.levels)))
                .collect();
            design.description.push_str(&format!(
                ", with fixed effects absorbed for {} (analysis.fixed_effects; estimatr's lm_robust with fixed_effects, HC2 leverage of the full model).",
                absorbed.join(" and ")
            ));
            (estimate, design)
        }
        EstimatorKind::RegressionAdjusted | EstimatorKind::Lin => {
            let covariates = context.covariates_for(&in_pair, rows)?;
            let options = LmRobustOptions {
                clusters: clusters.as_ref(),
                conf_level: context.conf_level,
                alternative: context.alternative,
                ..LmRobustOptions::default()
            };
            let fixed = block_labels.as_ref().map(|labels| Covariate::Factor {
                name: BLOCK_TERM.into(),
                levels: labels.iter().map(|l| l.to_string()).collect(),
            });
            let fit = if estimator == EstimatorKind::Lin {
                lm_lin_with_fixed_effects(
                    &y,
                    TREATMENT_TERM,
                    &treatment,
                    &covariates,
                    fixed.as_ref(),
                    &options,
                )
                .map_err(fail)?
            } else {
                let mut columns = vec![Covariate::Numeric {
                    name: TREATMENT_TERM.into(),
                    values: treatment.clone().into(),
                }];
                columns.extend(covariates);
                columns.extend(fixed);
                let design = build_design(true, &columns).map_err(fail)?;
                lm_robust(&design, &y, &options).map_err(fail)?
            };
            let estimate = fit
                .coefficient(TREATMENT_TERM)
                .cloned()
                .expect("the treatment term is in every fit");
            let design = regression_design(
                estimator,
                clusters.is_some(),
                blocked.as_ref().map(|(_, kept)| kept.kept),
            );
            (estimate, design)
        }
        EstimatorKind::PairedDifference
        | EstimatorKind::Mean
        | EstimatorKind::SegmentedRegression
        | EstimatorKind::TwoWayFixedEffects => {
            unreachable!("validated: only comparison estimators compare arms")
        }
    };
    if let Some((b, kept)) = &blocked {
        design.blocks_from = Some(b.source.clone());
        design.blocks_dropped = kept.dropped;
        design.units_dropped = kept.units_dropped;
        if kept.dropped > 0 {
            design.description.push_str(&format!(
                " {} of {} blocks had analysed units in only one of the two arms and were left out ({} units).",
                format::count(kept.dropped),
                format::count(kept.dropped + kept.kept),
                format::count(kept.units_dropped)
            ));
        }
    }
    Ok(arm_comparison(
        estimator,
        (&data.arm_names[control], control_stats),
        (&arms[treated_arm].name, treated_stats),
        estimate,
        design,
        ratios,
    ))
}

/// n, mean and variance of the outcome in one compared arm.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ArmStats {
    pub n: usize,
    pub mean: f64,
    pub variance: f64,
}

impl ArmStats {
    fn of(values: &[f64]) -> ArmStats {
        let (mean, variance) = mean_and_variance(values);
        ArmStats {
            n: values.len(),
            mean,
            variance,
        }
    }

    fn summary(&self, name: &str) -> GroupSummary {
        GroupSummary {
            name: name.to_string(),
            n: self.n,
            mean: self.mean,
            sd: self.variance.sqrt(),
        }
    }
}

/// The two compared arms (name and outcome statistics) each have two analysed
/// units and the outcome varies within at least one of them.
pub(crate) fn check_arms(
    outcome: &OutcomeSpec,
    (control_name, control): (&str, &ArmStats),
    (treated_name, treated): (&str, &ArmStats),
) -> Result<(), AnalysisError> {
    check_n(outcome, control_name, control.n)?;
    check_n(outcome, treated_name, treated.n)?;
    if treated.variance == 0.0 && control.variance == 0.0 {
        return Err(AnalysisError::ZeroVariance {
            outcome: outcome.name.clone(),
            within: format!("within arms `{treated_name}` and `{control_name}`"),
            value: treated.mean,
        });
    }
    Ok(())
}

/// A difference in means' estimate, its design in words and (binary outcomes) the
/// risk and odds ratios.
pub(crate) fn dim_parts(
    fit: DifferenceInMeans,
    outcome: &OutcomeSpec,
    conf_level: f64,
) -> (Estimate, EstimatorDesign, Ratios) {
    let design = dim_design(&fit.design, fit.nblocks, fit.mixed_block_sizes);
    let ratios = if outcome.outcome_type == OutcomeType::Binary {
        ratio_estimates(&fit.arm_means, fit.estimate.df, conf_level, design.variance)
    } else {
        (None, None)
    };
    (fit.estimate, design, ratios)
}

/// The risk and odds ratios of a comparison.
pub(crate) type Ratios = (Option<RatioEstimate>, Option<RatioEstimate>);

/// A comparison of two arms from the estimate and the arms' outcome statistics:
/// the groups, the pooled SD and Hedges' g.
pub(crate) fn arm_comparison(
    estimator: EstimatorKind,
    (control_name, control): (&str, ArmStats),
    (treated_name, treated): (&str, ArmStats),
    estimate: Estimate,
    design: EstimatorDesign,
    (risk_ratio, odds_ratio): Ratios,
) -> Comparison {
    let (n_t, n_c) = (treated.n as f64, control.n as f64);
    let pooled_sd = (((n_t - 1.0) * treated.variance + (n_c - 1.0) * control.variance)
        / (n_t + n_c - 2.0))
        .sqrt();
    let standardised = (pooled_sd > 0.0)
        .then(|| (1.0 - 3.0 / (4.0 * (n_t + n_c) - 9.0)) * estimate.estimate / pooled_sd);
    Comparison {
        estimator,
        contrast: format!("{treated_name} vs {control_name}"),
        groups: vec![control.summary(control_name), treated.summary(treated_name)],
        outcome_sd: pooled_sd,
        estimate,
        standardised,
        design: Some(design),
        risk_ratio,
        odds_ratio,
        p_adjusted: None,
        randomisation: None,
    }
}

/// The difference in means' design in words, with its variance and df rule.
fn dim_design(design: &DimDesign, blocks: Option<usize>, mixed: bool) -> EstimatorDesign {
    let b = blocks.map(format::count).unwrap_or_default();
    let (variance, df_rule, description) = match design {
        DimDesign::Standard => (
            "Neyman",
            "Welch",
            "Difference in means with the Neyman (unequal-variance) standard error and Welch's degrees of freedom (estimatr's standard design).".to_string(),
        ),
        DimDesign::Clustered => (
            "CR2",
            "Bell–McCaffrey",
            "Difference in means with the cluster-robust (CR2) standard error and Bell–McCaffrey degrees of freedom (estimatr's clustered design).".to_string(),
        ),
        DimDesign::Blocked => (
            "blocked",
            "N − 2B",
            format!("Blocked difference in means (estimatr's blocked design): the within-block differences of the {b} blocks averaged with weights proportional to block size, each block's variance estimated within it; degrees of freedom N − 2B."),
        ),
        DimDesign::BlockClustered => (
            "blocked CR2",
            "J − 2B",
            format!("Block-clustered difference in means (estimatr's block-clustered design): the within-block differences of the {b} blocks weighted by block size, each with its cluster-robust (CR2) variance; degrees of freedom J − 2B for J clusters."),
        ),
        DimDesign::MatchedPairs if mixed => (
            "matched pairs",
            "B − 1",
            format!("Blocked difference in means over {b} blocks, some of them pairs: a pair has no within-block variance, so, as estimatr does, the matched-pairs variance (from the spread of the block differences) is used for every block; degrees of freedom B − 1."),
        ),
        DimDesign::MatchedPairs => (
            "matched pairs",
            "B − 1",
            format!("Matched-pairs difference in means (estimatr's matched-pair design): the mean of the {b} within-pair differences, with the variance from their spread; degrees of freedom B − 1."),
        ),
        DimDesign::MatchedPairsClustered => (
            "matched pairs (clustered)",
            "B − 1",
            format!("Matched-pair clustered difference in means (estimatr's design, Imai, King and Nall 2009) over {b} pairs of clusters; degrees of freedom B − 1."),
        ),
        DimDesign::Weighted
        | DimDesign::ClusteredWeighted
        | DimDesign::BlockedWeighted
        | DimDesign::BlockClusteredWeighted => {
            unreachable!("the analyse stage does not weight")
        }
    };
    EstimatorDesign {
        difference_in_means: Some(*design),
        variance,
        df_rule,
        description,
        blocks,
        blocks_from: None,
        blocks_dropped: 0,
        units_dropped: 0,
        mixed_block_sizes: mixed,
        block_fixed_effects: false,
    }
}

/// A regression estimator's design: its variance, and block fixed effects.
pub(crate) fn regression_design(
    estimator: EstimatorKind,
    clustered: bool,
    blocks: Option<usize>,
) -> EstimatorDesign {
    let (variance, df_rule) = if clustered {
        ("CR2", "Bell–McCaffrey")
    } else {
        ("HC2", "N − k")
    };
    let what = if estimator == EstimatorKind::Lin {
        "Lin's interacted covariate adjustment (lm_lin)"
    } else {
        "Covariate-adjusted regression (lm_robust)"
    };
    let mut description = format!(
        "{what} with the {} standard error",
        if clustered {
            "cluster-robust (CR2)"
        } else {
            "heteroskedasticity-robust (HC2)"
        }
    );
    if let Some(b) = blocks {
        description.push_str(&format!(
            ", and fixed effects for the {} blocks the allocation was randomised within (one indicator per block, not interacted with treatment)",
            format::count(b)
        ));
    }
    description.push('.');
    EstimatorDesign {
        difference_in_means: None,
        variance,
        df_rule,
        description,
        blocks,
        blocks_from: None,
        blocks_dropped: 0,
        units_dropped: 0,
        mixed_block_sizes: false,
        block_fixed_effects: blocks.is_some(),
    }
}

/// Risk ratio and odds ratio of the design's arm means, with delta-method intervals
/// on the log scale from the same covariance the difference uses and the
/// difference's df (see docs/statistics.md).
///
/// # Formula
/// log RR = log p₁ − log p₀, gradient g = (1/p₁, −1/p₀);
/// log OR = logit p₁ − logit p₀, g = (1/(p₁(1 − p₁)), −1/(p₀(1 − p₀)));
/// Var = gᵀ V g with V the arm means' covariance ([`ArmMeans`]); interval
/// exp(log ratio ± t(df, (1 + level)/2)·√Var). A ratio is absent when a mean is 0 (or
/// 1, for the odds) or its variance is 0.
fn ratio_estimates(
    means: &ArmMeans,
    df: f64,
    conf_level: f64,
    variance: &'static str,
) -> (Option<RatioEstimate>, Option<RatioEstimate>) {
    let (p1, p0) = (means.treated, means.control);
    let ratio = |log_ratio: f64, g1: f64, g0: f64| {
        let var = g1 * g1 * means.var_treated + g0 * g0 * means.var_control
            - 2.0 * g1 * g0 * means.covariance;
        if !(var > 0.0 && var.is_finite() && log_ratio.is_finite()) {
            return None;
        }
        let e = Estimate::from_t(log_ratio, var.sqrt(), df, conf_level, Alternative::TwoSided);
        Some(RatioEstimate {
            estimate: log_ratio.exp(),
            conf_low: e.conf_low.exp(),
            conf_high: e.conf_high.exp(),
            log_std_error: var.sqrt(),
            df,
            variance,
        })
    };
    let rr = (p1 > 0.0 && p0 > 0.0)
        .then(|| ratio(p1.ln() - p0.ln(), 1.0 / p1, 1.0 / p0))
        .flatten();
    let logit = |p: f64| (p / (1.0 - p)).ln();
    let or = (p1 > 0.0 && p1 < 1.0 && p0 > 0.0 && p0 < 1.0)
        .then(|| {
            ratio(
                logit(p1) - logit(p0),
                1.0 / (p1 * (1.0 - p1)),
                1.0 / (p0 * (1.0 - p0)),
            )
        })
        .flatten();
    (rr, or)
}

/// The randomisation-inference statistic of `compare_arms` for the same outcome
/// rows: the difference in means (blocked in a blocked design), or the treatment
/// coefficient of the adjusted or Lin regression (covariates expanded as in the
/// fitted model, factors as dummies, block fixed effects in a blocked design). In a
/// blocked design only the blocks the estimate used take part.
pub(crate) fn ri_statistic(
    context: &EstimatorContext,
    rows: &OutcomeRows,
    estimator: EstimatorKind,
    unit_of_row: &[u32],
    control: usize,
    treated_arm: usize,
) -> Result<Statistic, AnalysisError> {
    let positions: Vec<usize> = match context.blocks {
        Some(blocks) => blocked_rows(blocks, rows, control, treated_arm).positions,
        None => (0..rows.y.len()).collect(),
    };
    let unit_row: Vec<u32> = positions
        .iter()
        .map(|&i| unit_of_row[rows.rows[i]])
        .collect();
    let y: Vec<f64> = positions.iter().map(|&i| rows.y[i]).collect();
    let fail = |source| AnalysisError::Estimator {
        outcome: context.outcome.name.clone(),
        estimator: estimator.label(),
        source,
    };
    // Dense block indices of the kept rows.
    let dense_blocks = context.blocks.map(|blocks| {
        let mut index = std::collections::HashMap::new();
        positions
            .iter()
            .map(|&i| {
                let next = index.len() as u32;
                *index.entry(blocks.block[rows.rows[i]]).or_insert(next)
            })
            .collect::<Vec<u32>>()
    });
    match estimator {
        EstimatorKind::RegressionAdjusted | EstimatorKind::Lin => {
            let covariates = context.covariates_for(&positions, rows)?;
            let design = build_design(true, &covariates).map_err(fail)?;
            let columns = (1..design.ncols())
                .map(|j| design.x.column(j).iter().copied().collect())
                .collect();
            // Block and absorbed fixed effects as dummies (one level each the
            // reference): the statistic is the same coefficient the absorbed fit gives.
            let mut factors: Vec<Covariate> = context
                .absorbed_levels(&positions, rows)?
                .into_iter()
                .map(|(name, levels)| Covariate::Factor {
                    name: name.to_string(),
                    levels: levels.into_iter().map(str::to_string).collect(),
                })
                .collect();
            if let Some(blocks) = &dense_blocks {
                factors.push(Covariate::Factor {
                    name: BLOCK_TERM.into(),
                    levels: blocks.iter().map(|b| b.to_string()).collect(),
                });
            }
            let mut fixed: Vec<Vec<f64>> = Vec::new();
            for factor in factors {
                let dummies = build_design(true, &[factor]).map_err(fail)?;
                fixed.extend(
                    (1..dummies.ncols()).map(|j| dummies.x.column(j).iter().copied().collect()),
                );
            }
            Ok(Statistic::regression(
                unit_row,
                y,
                treated_arm,
                control,
                columns,
                estimator == EstimatorKind::Lin,
                fixed,
            ))
        }
        _ => Ok(match dense_blocks {
            Some(blocks) => {
                Statistic::blocked_difference_in_means(unit_row, y, treated_arm, control, blocks)
            }
            None => Statistic::difference_in_means(unit_row, y, treated_arm, control),
        }),
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
        design: None,
        risk_ratio: None,
        odds_ratio: None,
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
        design: None,
        risk_ratio: None,
        odds_ratio: None,
        p_adjusted: None,
        randomisation: None,
    })
}

fn check_group(outcome: &OutcomeSpec, group: &str, values: &[f64]) -> Result<(), AnalysisError> {
    check_n(outcome, group, values.len())
}

fn check_n(outcome: &OutcomeSpec, group: &str, n: usize) -> Result<(), AnalysisError> {
    match n {
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
