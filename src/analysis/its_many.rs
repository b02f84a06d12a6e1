//! Interrupted time series for many series at once (an analyst looping over wards):
//! with `design.interrupted_time_series.series` naming a column, the rows of each
//! series label are one series, and each gets its own segmented regression
//! ([`crate::designs::its::fit_many`], in parallel, results in label order so the
//! output does not depend on the thread count).
//!
//! report.json keeps every series' result in `interrupted_time_series.by_series`
//! (level and slope change, pre-trend, horizons, Durbin–Watson; a series that cannot
//! be fitted keeps its reason, rows named, instead of an estimate). The headline is
//! the equal-weight mean of the series' level changes with the standard error
//! √(Σ SEᵢ²)/k and Satterthwaite degrees of freedom, which treats the series as
//! independent: the report says so.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Analysis, AnalysisError, ArmFlow, Comparison, Flow, GroupSummary, OutcomeResult};
use crate::data::Table;
use crate::data::periods::Frequency;
use crate::designs::its::{ItsError, ItsFit, ItsOptions, Series, fit_many};
use crate::evidence::its_did::{CeilingRules, DesignCeiling, ItsFacts, its_ceiling};
use crate::spec::its::ItsSpec;
use crate::spec::{AnalysisPlan, EstimatorKind, Plan};
use crate::stats::estimate::{Alternative, Estimate};
use crate::stats::summary::mean_and_variance;

/// `interrupted_time_series.by_series`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ManySeries {
    /// The column naming each series.
    pub series_column: String,
    pub n_series: usize,
    pub n_fitted: usize,
    /// Equal-weight mean of the fitted series' level changes (SE √(Σ SEᵢ²)/k,
    /// Satterthwaite df): treats the series as independent.
    pub mean_level_change: Option<Estimate>,
    /// Fitted series whose level change's interval excludes zero.
    pub n_level_change_significant: usize,
    /// Every series, in label order.
    pub series: Vec<SeriesResult>,
}

/// One series' segmented regression, or why it has none.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SeriesResult {
    pub series: String,
    pub n_pre: Option<usize>,
    pub n_post: Option<usize>,
    pub level_change: Option<Estimate>,
    pub slope_change: Option<Estimate>,
    pub pre_trend: Option<Estimate>,
    /// (horizon, effect) at each requested horizon.
    pub horizons: Vec<(usize, Estimate)>,
    pub durbin_watson: Option<f64>,
    pub hac_lag: Option<usize>,
    pub rho: Option<f64>,
    /// Why the series was not fitted (rows named).
    pub error: Option<String>,
}

/// The long rows of the data, for grouping.
pub struct LongRows<'a> {
    pub labels: &'a [String],
    pub periods: &'a [i64],
    pub outcome: &'a [f64],
    pub control: Option<&'a [f64]>,
    pub season: Option<&'a [u32]>,
    pub lines: &'a [u64],
    /// Dated periods: the offset and frequency that turn period numbers back into
    /// dates for the errors.
    pub dating: Option<(i64, Frequency)>,
}

/// Fits every series, and the ceiling the design puts on the grade (the most
/// restrictive over the fitted series).
///
/// # Errors
/// When no series can be fitted: the first series' label and its error.
pub fn fit_all(
    rows: &LongRows,
    options: &ItsOptions,
    series_column: &str,
) -> Result<(ManySeries, DesignCeiling), (String, ItsError)> {
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, label) in rows.labels.iter().enumerate() {
        groups.entry(label.as_str()).or_default().push(i);
    }
    struct Columns {
        periods: Vec<i64>,
        outcome: Vec<f64>,
        control: Option<Vec<f64>>,
        season: Option<Vec<u32>>,
        lines: Vec<u64>,
    }
    let pick = |idx: &[usize]| Columns {
        periods: idx.iter().map(|&i| rows.periods[i]).collect(),
        outcome: idx.iter().map(|&i| rows.outcome[i]).collect(),
        control: rows.control.map(|c| idx.iter().map(|&i| c[i]).collect()),
        season: rows.season.map(|s| idx.iter().map(|&i| s[i]).collect()),
        lines: idx.iter().map(|&i| rows.lines[i]).collect(),
    };
    let columns: Vec<Columns> = groups.values().map(|idx| pick(idx)).collect();
    let series: Vec<Series> = columns
        .iter()
        .map(|c| Series {
            periods: &c.periods,
            outcome: &c.outcome,
            control: c.control.as_deref(),
            season: c.season.as_deref(),
            rows: Some(&c.lines),
        })
        .collect();
    let fits: Vec<Result<ItsFit, ItsError>> = fit_many(&series, options)
        .into_iter()
        .map(|fit| match rows.dating {
            Some((offset, frequency)) => fit.map_err(|e| e.dated(offset, frequency)),
            None => fit,
        })
        .collect();
    let rules = CeilingRules::default();
    let mut ceiling: Option<DesignCeiling> = None;
    let results: Vec<SeriesResult> = groups
        .keys()
        .zip(&fits)
        .map(|(label, fit)| {
            if let Ok(fit) = fit {
                let c = its_ceiling(&ItsFacts::from(fit), &rules);
                if ceiling.as_ref().is_none_or(|m| c.max_level < m.max_level) {
                    ceiling = Some(c);
                }
            }
            result_of(label, fit)
        })
        .collect();
    let Some(ceiling) = ceiling else {
        let label = groups
            .keys()
            .next()
            .map_or(String::new(), |l| l.to_string());
        let error = fits
            .into_iter()
            .find_map(Result::err)
            .expect("no series fitted, so one failed");
        return Err((label, error));
    };
    let fitted: Vec<&ItsFit> = fits.iter().filter_map(|f| f.as_ref().ok()).collect();
    let n_level_change_significant = fitted
        .iter()
        .filter(|f| f.level_change.conf_low > 0.0 || f.level_change.conf_high < 0.0)
        .count();
    let many = ManySeries {
        series_column: series_column.to_string(),
        n_series: results.len(),
        n_fitted: fitted.len(),
        mean_level_change: mean_of(&fitted, options.conf_level),
        n_level_change_significant,
        series: results,
    };
    Ok((many, ceiling))
}

fn result_of(label: &str, fit: &Result<ItsFit, ItsError>) -> SeriesResult {
    match fit {
        Ok(f) => SeriesResult {
            series: label.to_string(),
            n_pre: Some(f.n_pre),
            n_post: Some(f.n_post),
            level_change: Some(f.level_change.clone()),
            slope_change: Some(f.slope_change.clone()),
            pre_trend: Some(f.pre_trend.clone()),
            horizons: f
                .horizons
                .iter()
                .map(|h| (h.horizon, h.effect.clone()))
                .collect(),
            durbin_watson: Some(f.autocorrelation.durbin_watson),
            hac_lag: f.hac_lag,
            rho: f.rho,
            error: None,
        },
        Err(e) => SeriesResult {
            series: label.to_string(),
            n_pre: None,
            n_post: None,
            level_change: None,
            slope_change: None,
            pre_trend: None,
            horizons: Vec::new(),
            durbin_watson: None,
            hac_lag: None,
            rho: None,
            error: Some(e.to_string()),
        },
    }
}

/// Equal-weight mean of the level changes: SE √(Σ SEᵢ²)/k, df by Satterthwaite,
/// (Σ vᵢ)² / Σ (vᵢ²/dfᵢ).
fn mean_of(fits: &[&ItsFit], conf_level: f64) -> Option<Estimate> {
    if fits.is_empty() {
        return None;
    }
    let k = fits.len() as f64;
    let estimate = fits.iter().map(|f| f.level_change.estimate).sum::<f64>() / k;
    let variances: Vec<f64> = fits
        .iter()
        .map(|f| f.level_change.std_error.powi(2))
        .collect();
    let total: f64 = variances.iter().sum();
    let df = total.powi(2)
        / fits
            .iter()
            .zip(&variances)
            .map(|(f, v)| v * v / f.level_change.df)
            .sum::<f64>();
    Some(Estimate::from_t(
        estimate,
        total.sqrt() / k,
        df,
        conf_level,
        Alternative::TwoSided,
    ))
}

/// What the ITS analyse stage has read, for the many-series path.
pub(super) struct Input<'a> {
    pub table: &'a Table,
    pub path: &'a std::path::Path,
    pub lines: &'a [u64],
    pub periods: &'a [i64],
    pub season: Option<&'a [u32]>,
    pub series_column: &'a str,
    pub period_one: Option<String>,
    pub dating: Option<(i64, Frequency)>,
}

/// The analyse stage with `series`: every series of the primary outcome, and the
/// mean level change as the headline.
pub(super) fn analyse(
    plan: &Plan,
    analysis_plan: &AnalysisPlan,
    settings: &ItsSpec,
    input: &Input,
    options: &ItsOptions,
) -> Result<Analysis, AnalysisError> {
    let outcome = &plan.outcomes[0];
    let labels: Vec<String> = input
        .table
        .categorical(input.series_column)?
        .into_iter()
        .enumerate()
        .map(|(row, label)| {
            label.ok_or_else(|| AnalysisError::MissingUnit {
                path: input.path.to_path_buf(),
                line: input.table.line(row),
                column: input.series_column.to_string(),
            })
        })
        .collect::<Result<_, _>>()?;
    let y = super::its::values(input.table, &outcome.spec.name)?;
    let control = match settings.control_for(&outcome.spec.name, true) {
        Some(c) => Some(super::its::values(input.table, c)?),
        None => None,
    };
    let rows = LongRows {
        labels: &labels,
        periods: input.periods,
        outcome: &y,
        control: control.as_deref(),
        season: input.season,
        lines: input.lines,
        dating: input.dating,
    };
    let (many, ceiling) =
        fit_all(&rows, options, input.series_column).map_err(|(label, source)| {
            AnalysisError::InterruptedTimeSeries {
                path: input.path.to_path_buf(),
                outcome: format!(
                    "{} (series {label}; no series could be fitted)",
                    outcome.spec.name
                ),
                source,
            }
        })?;
    let headline = many
        .mean_level_change
        .clone()
        .expect("at least one series fitted");
    // Before and after: every series' observations (the difference from the control
    // for a comparative ITS), transition periods left out.
    let start = options.intervention + options.transition as i64;
    let modelled = |i: usize| y[i] - control.as_ref().map_or(0.0, |c| c[i]);
    let segment = |after: bool| -> Vec<f64> {
        (0..y.len())
            .filter(|&i| {
                let p = input.periods[i];
                if after {
                    p >= start
                } else {
                    p < options.intervention
                }
            })
            .map(modelled)
            .filter(|v| v.is_finite())
            .collect()
    };
    let summary = |name: &str, values: &[f64]| {
        let (mean, variance) = mean_and_variance(values);
        GroupSummary {
            name: name.into(),
            n: values.len(),
            mean,
            sd: variance.sqrt(),
        }
    };
    let before = summary("before", &segment(false));
    let after = summary("after", &segment(true));
    let outcome_sd = before.sd;
    let analysed: usize = many
        .series
        .iter()
        .map(|s| s.n_pre.unwrap_or(0) + s.n_post.unwrap_or(0))
        .sum();
    let comparison = Comparison {
        estimator: EstimatorKind::SegmentedRegression,
        contrast: format!(
            "mean level change at the intervention over {} series{}",
            many.n_fitted,
            if control.is_some() {
                ", each relative to its control series"
            } else {
                ", each against its own projected trend"
            }
        ),
        groups: vec![before, after],
        estimate: headline,
        outcome_sd,
        standardised: None,
        design: None,
        risk_ratio: None,
        odds_ratio: None,
        p_adjusted: None,
        randomisation: None,
    };
    let flow = Flow {
        arms: vec![ArmFlow::observed("periods", y.len(), analysed)],
        outcome: outcome.spec.name.clone(),
        estimator: EstimatorKind::SegmentedRegression,
    };
    let outcomes = vec![OutcomeResult {
        outcome: outcome.spec.name.clone(),
        label: outcome.label.clone(),
        role: outcome.spec.role,
        outcome_type: outcome.spec.outcome_type,
        better: outcome.spec.better,
        unit: outcome.spec.unit.clone(),
        excluded_missing: 0,
        complier_effects: Vec::new(),
        equivalence: Vec::new(),
        attrition_bounds: Vec::new(),
        comparisons: vec![comparison],
    }];
    Ok(Analysis {
        conf_level: options.conf_level,
        interrupted_time_series: Some(super::its::ItsAnalysis {
            period_column: settings.period.clone(),
            seasonality_column: settings.seasonality.clone(),
            period_one: input.period_one.clone(),
            by_series: Some(many),
            series: Vec::new(),
            ceiling,
        }),
        ..Analysis::design_only(analysis_plan, flow, outcomes)
    })
}
