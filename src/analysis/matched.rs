//! The effect of a matched or weighted comparison (issue 17): a weighted regression
//! of the outcome on treatment over the units with a positive weight in matched.csv,
//! estimatr's `lm_robust(y ~ treatment [+ covariates], weights = weight, ...)`:
//!
//! - pairs or 1:k sets without replacement: CR2 clustered by matched set
//!   (Bell–McCaffrey df), as MatchIt's vignette "Estimating Effects" advises;
//! - weighting methods, or matching with replacement (a control serves several
//!   sets, each unit appears once with its summed weight): HC2, which is CR2 with
//!   every unit its own cluster, i.e. clustering by unit;
//! - optional covariates in the model (doubly robust: consistent when either the
//!   matching or the outcome model is right);
//! - matched difference-in-differences when the outcome has a baseline: the
//!   outcome is the change (after − baseline);
//! - binary outcomes: the coefficient is the risk difference; the risk ratio uses
//!   the unadjusted fit's weighted means (intercept b₀ = control, b₀ + b₁ = treated)
//!   with the delta method on the log scale from the same robust covariance,
//!   Var log RR = gᵀVg, g = (1/(b₀ + b₁) − 1/b₀, 1/(b₀ + b₁)), and the treatment
//!   coefficient's df.
//!
//! The estimand is the matching's (ATT by default); the weights carry it.

use serde::Serialize;
use thiserror::Error;

use super::RatioEstimate;
use crate::matching::{Estimand, MatchedSample};
use crate::stats::estimate::{Alternative, Estimate};
use crate::stats::regression::{
    Clusters, Covariate, LmRobust, LmRobustOptions, RegressionError, build_design, lm_robust,
};

/// Name of the treatment indicator in the regression.
pub const TREATMENT_TERM: &str = "treatment";

/// How the effect of a matched comparison is estimated.
#[derive(Debug, Clone)]
pub struct MatchedEffectOptions {
    /// Covariates for the doubly robust adjustment (one value per unit of the pool).
    pub covariates: Vec<Covariate>,
    pub conf_level: f64,
    pub alternative: Alternative,
}

/// One outcome, one value per unit of the pool (aligned with `MatchedSample::units`);
/// `None` is missing (allowed only for units not used).
#[derive(Debug, Clone, Copy)]
pub struct MatchedOutcome<'a> {
    pub name: &'a str,
    pub values: &'a [Option<f64>],
    /// The outcome's baseline: the effect is then on the change.
    pub baseline: Option<&'a [Option<f64>]>,
    pub binary: bool,
}

/// The effect of a matched comparison on one outcome.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MatchedEffect {
    pub outcome: String,
    pub estimand: Estimand,
    /// The treatment coefficient: difference in weighted means (risk difference for
    /// binary outcomes), adjusted when covariates are given, in change when a
    /// baseline is used.
    pub estimate: Estimate,
    /// `"CR2"` (clustered by matched set) or `"HC2"`.
    pub variance: &'static str,
    /// What the standard error clusters on, in words.
    pub clustered_by: String,
    /// The df rule: `Bell–McCaffrey` (CR2) or `N − k` (HC2).
    pub df_rule: &'static str,
    pub clusters: Option<usize>,
    pub n_treated: usize,
    pub n_control: usize,
    /// Kish effective sample sizes of the weights.
    pub effective_treated: f64,
    pub effective_control: f64,
    /// Weighted means of the analysed outcome (the change under difference in differences).
    pub mean_treated: f64,
    pub mean_control: f64,
    /// Weighted SDs of the analysed outcome in each group.
    pub sd_treated: f64,
    pub sd_control: f64,
    /// Weighted pooled within-group SD of the analysed outcome.
    pub outcome_sd: f64,
    /// The estimate over `outcome_sd`.
    pub standardised: f64,
    pub adjusted_for: Vec<String>,
    pub difference_in_differences: bool,
    /// Binary outcomes: the risk ratio from the unadjusted fit (delta method).
    pub risk_ratio: Option<RatioEstimate>,
}

#[derive(Debug, Error)]
pub enum MatchedEffectError {
    #[error(
        "outcome `{outcome}`: unit `{unit}` is in the matched sample but its {what} is missing"
    )]
    Missing {
        outcome: String,
        unit: String,
        what: &'static str,
    },
    #[error("outcome `{outcome}`: {source}")]
    Regression {
        outcome: String,
        source: RegressionError,
    },
}

/// Estimates the effect on one outcome from the matched sample.
pub fn matched_effect(
    matched: &MatchedSample,
    outcome: MatchedOutcome,
    options: &MatchedEffectOptions,
) -> Result<MatchedEffect, MatchedEffectError> {
    let used: Vec<usize> = (0..matched.units.len())
        .filter(|&i| matched.units[i].weight > 0.0)
        .collect();
    let missing = |i: usize, what| MatchedEffectError::Missing {
        outcome: outcome.name.to_string(),
        unit: matched.units[i].unit.clone(),
        what,
    };
    let mut y = Vec::with_capacity(used.len());
    for &i in &used {
        let value = outcome.values[i].ok_or_else(|| missing(i, "outcome"))?;
        let base = match outcome.baseline {
            Some(b) => b[i].ok_or_else(|| missing(i, "baseline"))?,
            None => 0.0,
        };
        y.push(value - base);
    }
    let weights: Vec<f64> = used.iter().map(|&i| matched.units[i].weight).collect();
    let treatment: Vec<f64> = used
        .iter()
        .map(|&i| f64::from(u8::from(matched.units[i].treated)))
        .collect();
    let by_set = matched.has_matched_sets();
    let clusters = by_set.then(|| {
        let sets: Vec<u64> = used
            .iter()
            .map(|&i| {
                matched.units[i]
                    .matched_set
                    .expect("checked by has_matched_sets")
            })
            .collect();
        Clusters::from_labels(&sets)
    });
    let fail = |source| MatchedEffectError::Regression {
        outcome: outcome.name.to_string(),
        source,
    };
    let lm_options = LmRobustOptions {
        weights: Some(&weights),
        clusters: clusters.as_ref(),
        conf_level: options.conf_level,
        alternative: options.alternative,
        ..LmRobustOptions::default()
    };
    let subset = |c: &Covariate| match c {
        Covariate::Numeric { name, values } => Covariate::Numeric {
            name: name.clone(),
            values: used.iter().map(|&i| values[i]).collect(),
        },
        Covariate::Factor { name, levels } => Covariate::Factor {
            name: name.clone(),
            levels: used.iter().map(|&i| levels[i].clone()).collect(),
        },
    };
    let treatment_column = Covariate::Numeric {
        name: TREATMENT_TERM.into(),
        values: treatment.clone().into(),
    };
    let unadjusted_design =
        build_design(true, std::slice::from_ref(&treatment_column)).map_err(fail)?;
    let unadjusted = lm_robust(&unadjusted_design, &y, &lm_options).map_err(fail)?;
    let fit = if options.covariates.is_empty() {
        unadjusted.clone()
    } else {
        let mut columns = vec![treatment_column];
        columns.extend(options.covariates.iter().map(subset));
        let design = build_design(true, &columns).map_err(fail)?;
        lm_robust(&design, &y, &lm_options).map_err(fail)?
    };
    let estimate = fit
        .coefficient(TREATMENT_TERM)
        .expect("the treatment term is in the design")
        .clone();
    let group = |t: f64| -> (Vec<f64>, Vec<f64>) {
        (0..y.len())
            .filter(|&k| treatment[k] == t)
            .map(|k| (y[k], weights[k]))
            .unzip()
    };
    let (y_t, w_t) = group(1.0);
    let (y_c, w_c) = group(0.0);
    let (mean_treated, var_t) = weighted_mean_var(&y_t, &w_t);
    let (mean_control, var_c) = weighted_mean_var(&y_c, &w_c);
    let (n_t, n_c) = (y_t.len() as f64, y_c.len() as f64);
    let outcome_sd = (((n_t - 1.0) * var_t + (n_c - 1.0) * var_c) / (n_t + n_c - 2.0)).sqrt();
    let risk_ratio = if outcome.binary && outcome.baseline.is_none() {
        risk_ratio(
            &unadjusted,
            options.conf_level,
            if by_set { "CR2" } else { "HC2" },
        )
    } else {
        None
    };
    let (variance, df_rule, clustered_by) = if by_set {
        ("CR2", "Bell–McCaffrey", "matched set".to_string())
    } else {
        (
            "HC2",
            "N − k",
            "unit (each unit once, with its summed weight)".to_string(),
        )
    };
    Ok(MatchedEffect {
        outcome: outcome.name.to_string(),
        estimand: matched.estimand,
        standardised: estimate.estimate / outcome_sd,
        estimate,
        variance,
        clustered_by,
        df_rule,
        clusters: clusters.as_ref().map(Clusters::count),
        n_treated: y_t.len(),
        n_control: y_c.len(),
        effective_treated: kish(&w_t),
        effective_control: kish(&w_c),
        mean_treated,
        mean_control,
        sd_treated: var_t.sqrt(),
        sd_control: var_c.sqrt(),
        outcome_sd,
        adjusted_for: options
            .covariates
            .iter()
            .map(|c| c.name().to_string())
            .collect(),
        difference_in_differences: outcome.baseline.is_some(),
        risk_ratio,
    })
}

/// Weighted mean and the weighted variance Σw(y − ȳ)²/(Σw − Σw²/Σw) (reliability
/// weights; the ordinary unbiased variance when all weights are equal).
fn weighted_mean_var(y: &[f64], w: &[f64]) -> (f64, f64) {
    let total: f64 = w.iter().sum();
    let mean = y.iter().zip(w).map(|(y, w)| y * w).sum::<f64>() / total;
    let sum_sq_w: f64 = w.iter().map(|w| w * w).sum();
    let ss: f64 = y.iter().zip(w).map(|(y, w)| w * (y - mean).powi(2)).sum();
    (mean, ss / (total - sum_sq_w / total))
}

fn kish(w: &[f64]) -> f64 {
    let (s, s2) = w.iter().fold((0.0, 0.0), |(s, s2), w| (s + w, s2 + w * w));
    s * s / s2
}

/// The risk ratio of an unadjusted fit `y ~ treatment` (delta method, log scale).
fn risk_ratio(fit: &LmRobust, conf_level: f64, variance: &'static str) -> Option<RatioEstimate> {
    let b0 = fit.coefficients[0].estimate.estimate;
    let b1 = fit.coefficients[1].estimate.estimate;
    let df = fit.coefficients[1].estimate.df;
    let p1 = b0 + b1;
    if !(b0 > 0.0 && p1 > 0.0) {
        return None;
    }
    let g = [1.0 / p1 - 1.0 / b0, 1.0 / p1];
    let v = &fit.vcov;
    let var = g[0] * g[0] * v[0][0] + 2.0 * g[0] * g[1] * v[0][1] + g[1] * g[1] * v[1][1];
    if !(var > 0.0 && var.is_finite()) {
        return None;
    }
    let log_rr = p1.ln() - b0.ln();
    let e = Estimate::from_t(log_rr, var.sqrt(), df, conf_level, Alternative::TwoSided);
    Some(RatioEstimate {
        estimate: log_rr.exp(),
        conf_low: e.conf_low.exp(),
        conf_high: e.conf_high.exp(),
        log_std_error: var.sqrt(),
        df,
        variance,
    })
}

/// Maps each unit of the matched file to its row of the analysis data (`ids` are
/// the data's `analysis.id` values); `None` for units of the pool not in the data.
pub fn rows_of_units(matched: &MatchedSample, ids: &[String]) -> Vec<Option<usize>> {
    let index: std::collections::HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(row, id)| (id.as_str(), row))
        .collect();
    matched
        .units
        .iter()
        .map(|u| index.get(u.unit.as_str()).copied())
        .collect()
}

/// One outcome of a matched analysis: the effect and its sensitivity.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MatchedOutcomeResult {
    pub effect: MatchedEffect,
    /// E-value of the estimate and its CI (binary: from the risk ratio; continuous:
    /// from the standardised effect through RR ≈ exp(0.91·d)).
    pub e_value: Option<crate::matching::sensitivity::EValue>,
    /// Rosenbaum bounds of the signed-rank test, for 1:1 pairs only.
    pub rosenbaum: Option<crate::matching::sensitivity::RosenbaumBounds>,
}

/// The whole analysis of a matched comparison: balance, effects, sensitivity and
/// the level-3 criterion; what the report's matched-comparison section shows.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MatchedAnalysis {
    pub method: String,
    pub estimand: Estimand,
    pub with_replacement: bool,
    pub balance: crate::matching::balance::BalanceTable,
    /// Units of the pool left out of the balance table because a balance
    /// covariate is missing in the analysis data.
    pub balance_excluded_missing: usize,
    pub outcomes: Vec<MatchedOutcomeResult>,
    pub criterion: crate::evidence::Criterion,
    /// Each unit's distance, group and weight, for the overlap chart (when the
    /// matched file has a distance for every unit).
    #[serde(skip)]
    pub overlap: Option<Overlap>,
    /// Coarsened exact (or exact) matching built by the match stage: the strata
    /// retained and the units dropped with theirs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strata: Option<StrataRetained>,
}

/// The strata a coarsened exact or exact match kept (those holding units of both
/// groups), largest first, and the units left out because their stratum lacked
/// the other group.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct StrataRetained {
    pub strata: Vec<StratumCount>,
    pub treated_dropped: usize,
    pub control_dropped: usize,
}

/// Units used per group in one retained stratum (its matched-set id).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct StratumCount {
    pub stratum: u64,
    pub treated: usize,
    pub control: usize,
}

impl StrataRetained {
    /// From a matched sample whose matched sets are strata: units with a weight
    /// per set and group; ordered by size (largest first), then stratum id.
    pub fn of(matched: &MatchedSample) -> StrataRetained {
        let mut counts: std::collections::BTreeMap<u64, (usize, usize)> =
            std::collections::BTreeMap::new();
        let (mut treated_dropped, mut control_dropped) = (0, 0);
        for u in &matched.units {
            match (u.matched_set, u.weight > 0.0) {
                (Some(set), true) => {
                    let entry = counts.entry(set).or_default();
                    if u.treated {
                        entry.0 += 1;
                    } else {
                        entry.1 += 1;
                    }
                }
                _ if u.status == crate::matching::MatchStatus::NoExactMatch => {
                    if u.treated {
                        treated_dropped += 1;
                    } else {
                        control_dropped += 1;
                    }
                }
                _ => {}
            }
        }
        let mut strata: Vec<StratumCount> = counts
            .into_iter()
            .map(|(stratum, (treated, control))| StratumCount {
                stratum,
                treated,
                control,
            })
            .collect();
        strata.sort_by(|a, b| {
            (b.treated + b.control)
                .cmp(&(a.treated + a.control))
                .then(a.stratum.cmp(&b.stratum))
        });
        StrataRetained {
            strata,
            treated_dropped,
            control_dropped,
        }
    }
}

/// The propensity-score overlap chart's data, one entry per unit of the pool.
#[derive(Debug, Clone)]
pub struct Overlap {
    pub distance: Vec<f64>,
    pub treated: Vec<bool>,
    pub weights: Vec<f64>,
}

/// One outcome to analyse: its column, the baseline column (matched
/// difference in differences) and whether it is 0/1.
#[derive(Debug, Clone)]
pub struct MatchedOutcomeSpec {
    pub name: String,
    pub baseline: Option<String>,
    pub binary: bool,
}

/// Everything `analyse_matched` reads.
#[derive(Debug, Clone)]
pub struct MatchedAnalysisInput<'a> {
    pub matched: &'a MatchedSample,
    /// The analysis data and its id column (`analysis.id`).
    pub data: &'a crate::data::Table,
    pub id_column: &'a str,
    /// Covariates to show balance on (the matching covariates).
    pub balance_covariates: &'a [String],
    /// Covariates the effect model adjusts for (doubly robust); numeric columns as
    /// they are, text columns as factors.
    pub adjust_for: &'a [String],
    pub outcomes: &'a [MatchedOutcomeSpec],
    pub conf_level: f64,
    /// Significance level of the Rosenbaum bounds' Γ at which the finding fails.
    pub alpha: f64,
}

/// Problems in a matched analysis.
#[derive(Debug, Error)]
pub enum MatchedAnalysisError {
    #[error(transparent)]
    Data(#[from] crate::data::DataError),
    #[error(transparent)]
    Effect(#[from] MatchedEffectError),
    #[error(transparent)]
    File(#[from] crate::matching::matched_file::MatchedFileError),
    #[error(
        "{path}: unit `{unit}` of the matched file is not in the analysis data (column `{column}`)"
    )]
    UnitNotInData {
        path: std::path::PathBuf,
        unit: String,
        column: String,
    },
}

impl MatchedAnalysisError {
    pub fn hint(&self) -> String {
        match self {
            MatchedAnalysisError::Data(e) => e.hint(),
            MatchedAnalysisError::File(e) => e.hint(),
            MatchedAnalysisError::Effect(MatchedEffectError::Missing { .. }) => {
                "every matched unit needs its outcome (and baseline); drop the unit from the matched file (weight 0, a status other than matched) or fill in the value".into()
            }
            MatchedAnalysisError::Effect(MatchedEffectError::Regression { .. }) => {
                "check the matched sample: both groups need units with weight, and adjusted covariates must vary".into()
            }
            MatchedAnalysisError::UnitNotInData { .. } => {
                "the matched file and the analysis data must use the same unit ids (analysis.id)".into()
            }
        }
    }
}

/// The analyse stage's entry: reads `analysis.matched`'s file and the analysis
/// data and runs [`analyse_matched`] on every outcome of the spec.
pub fn run(
    plan: &crate::spec::Plan,
    analysis: &crate::spec::AnalysisPlan,
    settings: &crate::spec::matched_analysis::MatchedAnalysisPlan,
) -> Result<MatchedAnalysis, MatchedAnalysisError> {
    let mut matched = crate::matching::read_matched_sample(&settings.file, settings.estimand)?;
    // The match stage's own file: say how it was built; its strata for CEM.
    let mut strata = None;
    if let Some(matching) = &plan.matching
        && matching.matched_path() == settings.file
    {
        matched.method = matching.describe();
        if matches!(
            matching.method,
            crate::spec::matching::MatchMethod::Cem | crate::spec::matching::MatchMethod::Exact
        ) {
            strata = Some(StrataRetained::of(&matched));
        }
    }
    // Only the columns the matched analysis reads (issue 16: memory follows them).
    let mut wanted: Vec<&str> = vec![analysis.id.as_str()];
    wanted.extend(analysis.covariates.iter().map(String::as_str));
    wanted.extend(settings.adjust_for.iter().map(String::as_str));
    for outcome in &plan.outcomes {
        wanted.push(&outcome.spec.name);
        wanted.extend(outcome.spec.baseline.as_deref());
    }
    let mut seen = std::collections::HashSet::new();
    wanted.retain(|c| seen.insert(*c));
    let data = crate::data::Table::read_columns(&analysis.data, &wanted)?;
    let outcomes: Vec<MatchedOutcomeSpec> = plan
        .outcomes
        .iter()
        .map(|o| MatchedOutcomeSpec {
            name: o.spec.name.clone(),
            baseline: o.spec.baseline.clone(),
            binary: o.spec.outcome_type == crate::spec::OutcomeType::Binary,
        })
        .collect();
    let mut analysis = analyse_matched(&MatchedAnalysisInput {
        matched: &matched,
        data: &data,
        id_column: &analysis.id,
        balance_covariates: &analysis.covariates,
        adjust_for: &settings.adjust_for,
        outcomes: &outcomes,
        conf_level: 1.0 - analysis.alpha,
        alpha: analysis.alpha,
    })?;
    analysis.strata = strata;
    Ok(analysis)
}

/// Balance before and after of a matched sample on `balance_covariates` of the
/// analysis data (units with a covariate missing are left out and counted): the
/// table the report, report.json and `evident match` show. Also returns each
/// matched unit's row in the data.
///
/// # Errors
/// A unit of the matched file that is not in the data, or a column that cannot be read.
pub fn matched_balance(
    matched: &MatchedSample,
    data: &crate::data::Table,
    id_column: &str,
    balance_covariates: &[String],
    adjust_for: &[String],
) -> Result<(Vec<usize>, crate::matching::balance::BalanceTable, usize), MatchedAnalysisError> {
    let ids = data.identifiers(id_column)?;
    let rows = rows_of_units(matched, &ids);
    let rows: Vec<usize> = rows
        .iter()
        .zip(&matched.units)
        .map(|(row, unit)| {
            row.ok_or_else(|| MatchedAnalysisError::UnitNotInData {
                path: data.path.clone(),
                unit: unit.unit.clone(),
                column: id_column.to_string(),
            })
        })
        .collect::<Result<_, _>>()?;
    let (balance, excluded) = balance_at_rows(
        &matched.units,
        matched.estimand,
        data,
        &rows,
        balance_covariates,
        adjust_for,
    )?;
    Ok((rows, balance, excluded))
}

/// [`matched_balance`] with each unit's data row known: the balance table and the
/// number of units left out for a missing balance covariate.
fn balance_at_rows(
    units: &[crate::matching::MatchedUnit],
    estimand: Estimand,
    data: &crate::data::Table,
    rows: &[usize],
    balance_covariates: &[String],
    adjust_for: &[String],
) -> Result<(crate::matching::balance::BalanceTable, usize), MatchedAnalysisError> {
    use crate::data::Column;
    use crate::matching::balance::{BalanceInput, balance_table, variables_of};
    use arrow_array::Array;
    // A column of numbers as the table holds it (no copy: `Table::auto` gives the
    // same values, and a text column that does not read as numbers is categorical,
    // as there), any other as `Table::auto` gives it.
    enum Held {
        Numbers(arrow_array::Float64Array),
        Other(Column),
    }
    // Balance over the units with every balance covariate present.
    let columns: Vec<(String, Held)> = balance_covariates
        .iter()
        .map(|name| {
            let held = match data.numbers(name) {
                Ok(values) => Held::Numbers(values),
                Err(
                    crate::data::DataError::NotNumeric { .. }
                    | crate::data::DataError::WrongType { .. },
                ) => Held::Other(data.auto(name)?),
                Err(other) => return Err(other),
            };
            Ok((name.clone(), held))
        })
        .collect::<Result<_, crate::data::DataError>>()?;
    let present = |row: usize| {
        columns.iter().all(|(_, c)| match c {
            Held::Numbers(v) => v.is_valid(row),
            Held::Other(Column::Numeric(v)) => v[row].is_some(),
            Held::Other(Column::Categorical(v)) => v[row].is_some(),
            Held::Other(Column::Identifier(_)) => true,
        })
    };
    // Positions (in `units`) and table rows of the units kept: borrowed as they are
    // when every unit is kept (no two column-sized copies at 10,000,000 units).
    let every_row_present = (0..rows.len()).all(|k| present(rows[k]));
    let (kept, kept_rows): (std::borrow::Cow<'_, [usize]>, std::borrow::Cow<'_, [usize]>) =
        if every_row_present {
            (
                std::borrow::Cow::Owned(Vec::new()),
                std::borrow::Cow::Borrowed(rows),
            )
        } else {
            let kept: Vec<usize> = (0..rows.len()).filter(|&k| present(rows[k])).collect();
            let kept_rows = kept.iter().map(|&k| rows[k]).collect::<Vec<_>>();
            (kept.into(), kept_rows.into())
        };
    let unit_of = |k: usize| match every_row_present {
        true => &units[k],
        false => &units[kept[k]],
    };
    // Where the units are the table's rows in order, every one kept, a column of
    // numbers is used as the table holds it (no copy).
    let in_order =
        kept_rows.len() == data.n_rows() && kept_rows.iter().enumerate().all(|(i, &r)| i == r);
    // Each column's values in unit order, columns in parallel, collected in order.
    let variables: Vec<_> = {
        use rayon::prelude::*;
        columns
            .par_iter()
            .map(|(name, column)| match column {
                Held::Numbers(values) => vec![crate::matching::balance::BalanceVariable {
                    name: name.clone(),
                    level: None,
                    values: in_order
                        .then(|| crate::data::Values::shared(values))
                        .flatten()
                        .unwrap_or_else(|| kept_rows.iter().map(|&r| values.value(r)).collect()),
                }],
                Held::Other(column) => variables_of(name, column, &kept_rows),
            })
            .collect::<Vec<_>>()
            .into_iter()
            .flatten()
            .collect()
    };
    let kept_count = kept_rows.len();
    let treated: Vec<bool> = (0..kept_count).map(|k| unit_of(k).treated).collect();
    let weights: Vec<f64> = (0..kept_count).map(|k| unit_of(k).weight).collect();
    let status: Vec<_> = (0..kept_count).map(|k| unit_of(k).status).collect();
    let distance: Option<Vec<f64>> = (0..kept_count).map(|k| unit_of(k).distance).collect();
    let balance = balance_table(&BalanceInput {
        treated: &treated,
        weights: &weights,
        variables: &variables,
        distance: distance.as_deref(),
        estimand,
        status: &status,
        adjusted: adjust_for,
    });
    Ok((balance, rows.len() - kept_count))
}

/// Balance, effects, sensitivity and the criterion of a matched comparison.
pub fn analyse_matched(
    input: &MatchedAnalysisInput,
) -> Result<MatchedAnalysis, MatchedAnalysisError> {
    use crate::data::Column;
    use crate::matching::sensitivity::{
        DEFAULT_GAMMAS, e_value, e_value_standardised, rosenbaum_bounds,
    };
    let matched = input.matched;
    let (rows, balance, balance_excluded_missing) = matched_balance(
        matched,
        input.data,
        input.id_column,
        input.balance_covariates,
        input.adjust_for,
    )?;
    let aligned = |column: &str| -> Result<Vec<Option<f64>>, crate::data::DataError> {
        let values = input.data.numeric(column)?;
        Ok(rows.iter().map(|&r| values[r]).collect())
    };
    let mut covariates = Vec::with_capacity(input.adjust_for.len());
    for name in input.adjust_for {
        covariates.push(match input.data.auto(name)? {
            Column::Numeric(v) => Covariate::Numeric {
                name: name.clone(),
                values: rows.iter().map(|&r| v[r].unwrap_or(f64::NAN)).collect(),
            },
            Column::Categorical(v) => Covariate::Factor {
                name: name.clone(),
                levels: rows
                    .iter()
                    .map(|&r| v[r].clone().unwrap_or_default())
                    .collect(),
            },
            Column::Identifier(v) => Covariate::Factor {
                name: name.clone(),
                levels: rows.iter().map(|&r| v[r].clone()).collect(),
            },
        });
    }
    let options = MatchedEffectOptions {
        covariates,
        conf_level: input.conf_level,
        alternative: Alternative::TwoSided,
    };
    let pairs = matched.pairs();
    let mut outcomes = Vec::with_capacity(input.outcomes.len());
    for spec in input.outcomes {
        let values = aligned(&spec.name)?;
        let baseline = spec.baseline.as_deref().map(aligned).transpose()?;
        let effect = matched_effect(
            matched,
            MatchedOutcome {
                name: &spec.name,
                values: &values,
                baseline: baseline.as_deref(),
                binary: spec.binary,
            },
            &options,
        )?;
        let e = &effect.estimate;
        let e_value = match &effect.risk_ratio {
            Some(rr) => e_value(rr.estimate, rr.conf_low, rr.conf_high),
            None if !spec.binary && effect.outcome_sd > 0.0 => e_value_standardised(
                effect.standardised,
                e.conf_low / effect.outcome_sd,
                e.conf_high / effect.outcome_sd,
            ),
            None => None,
        };
        let rosenbaum = pairs.as_ref().and_then(|pairs| {
            let change = |k: usize| -> Option<f64> {
                Some(values[k]? - baseline.as_ref().map_or(Some(0.0), |b| b[k])?)
            };
            let differences: Option<Vec<f64>> = pairs
                .iter()
                .map(|&(t, c)| Some(change(t)? - change(c)?))
                .collect();
            let direction = if e.estimate < 0.0 { -1.0 } else { 1.0 };
            rosenbaum_bounds(&differences?, direction, &DEFAULT_GAMMAS, input.alpha)
        });
        outcomes.push(MatchedOutcomeResult {
            effect,
            e_value,
            rosenbaum,
        });
    }
    Ok(MatchedAnalysis {
        method: matched.method.clone(),
        estimand: matched.estimand,
        with_replacement: matched.with_replacement,
        criterion: crate::evidence::matching::matched_comparison_criterion(&balance),
        balance_excluded_missing,
        overlap: matched
            .units
            .iter()
            .map(|u| u.distance)
            .collect::<Option<Vec<f64>>>()
            .map(|distance| Overlap {
                distance,
                treated: matched.units.iter().map(|u| u.treated).collect(),
                weights: matched.units.iter().map(|u| u.weight).collect(),
            }),
        balance,
        outcomes,
        strata: None,
    })
}

/// A matched comparison's analysis leads the report: each outcome's comparison
/// becomes the effect on the matched sample, the flow counts the matched sample
/// with the reasons the rest of the pool was left out, and the baseline rows the
/// grade judges are the balance after matching. The unmatched pool is shown only
/// as the "before" of the balance table, so the headline, the summary of findings
/// and the grade all read the same estimate.
pub(super) fn lead_with_matched(
    analysis: &mut super::Analysis,
    arms: &[crate::spec::Arm],
    control: usize,
) {
    use super::{
        BalanceMeasure, BalanceRow, Comparison, EstimatorDesign, GroupSummary, NotMatched,
    };
    use crate::spec::EstimatorKind;
    let Some(matched) = analysis.matched.as_ref() else {
        return;
    };
    if arms.len() != 2 {
        return;
    }
    let treated_arm = 1 - control;
    let (treated_name, control_name) = (&arms[treated_arm].name, &arms[control].name);
    let contrast = format!("{treated_name} vs {control_name}");
    for outcome in &mut analysis.outcomes {
        let Some(result) = matched
            .outcomes
            .iter()
            .find(|o| o.effect.outcome == outcome.outcome)
        else {
            continue;
        };
        let effect = &result.effect;
        let estimator = if effect.adjusted_for.is_empty() {
            EstimatorKind::DifferenceInMeans
        } else {
            EstimatorKind::RegressionAdjusted
        };
        let description = format!(
            "Effect on the {} from a weighted regression of the outcome on treatment{} over the matched sample (the match stage's weights; estimatr's lm_robust), with the {} standard error clustered by {} and {} degrees of freedom.",
            match effect.estimand {
                crate::matching::Estimand::Att => "treated (ATT)",
                crate::matching::Estimand::Atc => "comparison units (ATC)",
                crate::matching::Estimand::Ate => "whole population (ATE)",
                crate::matching::Estimand::Ato => "overlap population (ATO)",
            },
            if effect.adjusted_for.is_empty() {
                String::new()
            } else {
                format!(" and {}", effect.adjusted_for.join(", "))
            },
            effect.variance,
            effect.clustered_by,
            effect.df_rule,
        );
        outcome.excluded_missing = 0;
        outcome.comparisons = vec![Comparison {
            estimator,
            contrast: contrast.clone(),
            groups: vec![
                GroupSummary {
                    name: control_name.clone(),
                    n: effect.n_control,
                    mean: effect.mean_control,
                    sd: effect.sd_control,
                },
                GroupSummary {
                    name: treated_name.clone(),
                    n: effect.n_treated,
                    mean: effect.mean_treated,
                    sd: effect.sd_treated,
                },
            ],
            estimate: effect.estimate.clone(),
            outcome_sd: effect.outcome_sd,
            standardised: effect
                .standardised
                .is_finite()
                .then_some(effect.standardised),
            design: Some(EstimatorDesign {
                difference_in_means: None,
                variance: effect.variance,
                df_rule: effect.df_rule,
                description,
                blocks: effect.clusters,
                blocks_from: None,
                blocks_dropped: 0,
                units_dropped: 0,
                mixed_block_sizes: false,
                block_fixed_effects: false,
            }),
            risk_ratio: effect.risk_ratio.clone(),
            odds_ratio: None,
            p_adjusted: None,
            randomisation: None,
        }];
    }
    // The flow: the pool, the units left out of the matched sample, the matched.
    let table = &matched.balance;
    for arm in &mut analysis.flow.arms {
        let counts = if arm.arm == *treated_name {
            &table.treated
        } else if arm.arm == *control_name {
            &table.control
        } else {
            continue;
        };
        arm.not_matched = counts
            .by_status
            .iter()
            .filter(|(status, n)| **status != crate::matching::MatchStatus::Matched && **n > 0)
            .map(|(status, n)| NotMatched {
                reason: *status,
                units: *n,
            })
            .collect();
        arm.analysed = counts.matched;
        arm.excluded_missing = 0;
        arm.excluded_by_column.clear();
    }
    // The baseline rows the grade judges: every covariate after matching.
    let rows: Vec<BalanceRow> = table
        .rows
        .iter()
        .filter(|r| !r.is_distance)
        .map(|r| BalanceRow {
            variable: r.variable.clone(),
            level: r.level.clone(),
            contrast: contrast.clone(),
            measure: BalanceMeasure::MatchedSmd,
            n_control: table.control.matched,
            n_treatment: table.treated.matched,
            mean_control: r.after.mean_control,
            mean_treatment: r.after.mean_treated,
            effect_size: r.after.smd.unwrap_or(f64::NAN),
            adjusted: r.adjusted,
            treated_arm,
            control_arm: control,
        })
        .collect();
    analysis.baseline = rows.clone();
    analysis.pairwise_balance = rows;
}

/// The balance of what the match stage just built, as report.json shows it
/// (`analysis.matched.balance`): on `analysis.covariates`, with the effect model's
/// `adjust_for` for the WWC bands. `evident match` prints it and puts it in `--json`.
///
/// # Errors
/// The analysis data cannot be read, or a unit is missing from it.
pub fn balance_of_match(
    plan: &crate::spec::Plan,
    result: &crate::matching::MatchResult,
) -> Result<Option<crate::matching::balance::BalanceTable>, MatchedAnalysisError> {
    let Some(analysis) = &plan.analysis else {
        return Ok(None);
    };
    let matched = MatchedSample {
        units: result.units.clone(),
        method: result.method.clone(),
        estimand: result.estimand,
        with_replacement: result.with_replacement,
    };
    let adjust_for = analysis
        .matched
        .as_ref()
        .map(|m| m.adjust_for.clone())
        .unwrap_or_default();
    let data = crate::data::Table::read(&analysis.data)?;
    let (_, table, _) = matched_balance(
        &matched,
        &data,
        &analysis.id,
        &analysis.covariates,
        &adjust_for,
    )?;
    Ok(Some(table))
}

/// The columns [`balance_of_match_read`] needs beyond the match stage's own, when
/// the analysis reads the same file by the same id as the match stage (then the
/// stage can read them in its own pass); `None` otherwise.
pub fn balance_columns(plan: &crate::spec::Plan) -> Option<Vec<&str>> {
    let (analysis, matching) = (plan.analysis.as_ref()?, plan.matching.as_ref()?);
    (analysis.data == matching.data && analysis.id == matching.id)
        .then(|| analysis.covariates.iter().map(String::as_str).collect())
}

/// [`balance_of_match`] from the data the match stage read with the
/// [`balance_columns`] (same file, same ids: the stage's rows are the analysis's),
/// so the file is not read a second time. The same table, to the bit.
///
/// # Errors
/// A balance covariate the table lacks.
pub fn balance_of_match_read(
    plan: &crate::spec::Plan,
    result: &crate::matching::MatchResult,
    read: &crate::matching::StageData,
) -> Result<Option<crate::matching::balance::BalanceTable>, MatchedAnalysisError> {
    let Some(analysis) = &plan.analysis else {
        return Ok(None);
    };
    let adjust_for = analysis
        .matched
        .as_ref()
        .map(|m| m.adjust_for.clone())
        .unwrap_or_default();
    // Column-sized temporaries per row of the table: reused, not mapped afresh.
    let _reuse = crate::data::ReuseFreedBlocks::new();
    let (table, _) = balance_at_rows(
        &result.units,
        result.estimand,
        &read.table,
        &read.rows,
        &analysis.covariates,
        &adjust_for,
    )?;
    Ok(Some(table))
}
