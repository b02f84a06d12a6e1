//! The analyse stage of an interrupted time series: reads one row per period from
//! `analysis.data`, fits the segmented regression (src/designs/its) to every outcome
//! series (minus the control series, for a comparative ITS), and states each
//! outcome's headline as its level change at the intervention, so the grade and the
//! report read it like any other comparison. The full fits, and the ceiling the
//! design's diagnostics put on the grade, are kept in
//! `analysis.interrupted_time_series`.

use std::path::Path;

use serde::Serialize;

use super::{Analysis, AnalysisError, ArmFlow, Comparison, Flow, GroupSummary, OutcomeResult};
use crate::data::Table;
use crate::designs::its::{ItsFit, Series, fit_series};
use crate::evidence::its_did::{CeilingRules, DesignCeiling, ItsFacts, its_ceiling};
use crate::spec::its::ItsSpec;
use crate::spec::{AnalysisPlan, EstimatorKind, Plan};
use crate::stats::summary::mean_and_variance;

/// `analysis.interrupted_time_series` in report.json.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ItsAnalysis {
    /// The data columns holding the period and the season.
    pub period_column: String,
    pub seasonality_column: Option<String>,
    /// With dated periods (`frequency`): the first period's date; periods are numbered
    /// 1, 2, ... from it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_one: Option<String>,
    /// With `design.interrupted_time_series.series`: every series' fit of the primary
    /// outcome (and `series` is empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_series: Option<super::its_many::ManySeries>,
    /// One fit per outcome, primary first.
    pub series: Vec<ItsSeries>,
    /// The highest level the primary series' design and diagnostics allow.
    pub ceiling: DesignCeiling,
}

/// The segmented regression of one outcome.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ItsSeries {
    pub outcome: String,
    /// The column of the control series (comparative ITS).
    pub control_column: Option<String>,
    pub fit: ItsFit,
}

/// Runs the interrupted time series analysis.
///
/// # Errors
/// Unreadable data or columns, a period that is not a whole number, a missing value,
/// and every [`crate::designs::its::ItsError`] (duplicated or missing periods, too few
/// periods, a singular fit), each naming the data file.
pub fn analyse(
    plan: &Plan,
    analysis_plan: &AnalysisPlan,
    settings: &ItsSpec,
) -> Result<Analysis, AnalysisError> {
    let path = analysis_plan.data.as_path();
    let mut columns: Vec<&str> = settings.columns().into_iter().map(|(_, c)| c).collect();
    columns.extend(plan.outcomes.iter().map(|o| o.spec.name.as_str()));
    columns.sort_unstable();
    columns.dedup();
    let table = Table::read_columns(path, &columns)?;
    let rows: Vec<u64> = (0..table.n_rows()).map(|i| table.line(i)).collect();
    let (periods, dated) = period_column(&table, path, &settings.period, settings.frequency)?;
    let season = match &settings.seasonality {
        Some(s) => Some(
            whole_numbers(&table, path, s)?
                .into_iter()
                .map(|v| u32::try_from(v).unwrap_or(u32::MAX))
                .collect::<Vec<u32>>(),
        ),
        None => None,
    };
    let conf_level = 1.0 - analysis_plan.alpha;
    let mut options = settings.options(conf_level);
    if let Some(d) = &dated {
        options.intervention -= d.offset;
    }
    if let Some(column) = &settings.series {
        let input = super::its_many::Input {
            table: &table,
            path,
            lines: &rows,
            periods: &periods,
            season: season.as_deref(),
            series_column: column,
            period_one: dated.as_ref().map(|d| d.first.clone()),
            dating: dated.as_ref().map(|d| (d.offset, d.frequency)),
        };
        return super::its_many::analyse(plan, analysis_plan, settings, &input, &options);
    }
    let mut series = Vec::with_capacity(plan.outcomes.len());
    let mut outcomes = Vec::with_capacity(plan.outcomes.len());
    for (i, outcome) in plan.outcomes.iter().enumerate() {
        let y = values(&table, &outcome.spec.name)?;
        let control = match settings.control_for(&outcome.spec.name, i == 0) {
            Some(c) => Some(values(&table, c)?),
            None => None,
        };
        let fit = fit_series(
            &Series {
                periods: &periods,
                outcome: &y,
                control: control.as_deref(),
                season: season.as_deref(),
                rows: Some(&rows),
            },
            &options,
        )
        .map_err(|source| AnalysisError::InterruptedTimeSeries {
            path: path.to_path_buf(),
            outcome: outcome.spec.name.clone(),
            source: match &dated {
                Some(d) => source.dated(d.offset, d.frequency),
                None => source,
            },
        })?;
        outcomes.push(OutcomeResult {
            outcome: outcome.spec.name.clone(),
            label: outcome.label.clone(),
            role: outcome.spec.role,
            outcome_type: outcome.spec.outcome_type,
            better: outcome.spec.better,
            unit: outcome.spec.unit.clone(),
            excluded_missing: 0,
            comparisons: vec![headline(&fit)],
            complier_effects: Vec::new(),
            equivalence: Vec::new(),
            attrition_bounds: Vec::new(),
        });
        series.push(ItsSeries {
            outcome: outcome.spec.name.clone(),
            control_column: settings
                .control_for(&outcome.spec.name, i == 0)
                .map(str::to_string),
            fit,
        });
    }
    let ceiling = its_ceiling(&ItsFacts::from(&series[0].fit), &CeilingRules::default());
    let n_periods = periods.len();
    let flow = Flow {
        arms: vec![ArmFlow::observed(
            "periods",
            n_periods,
            series[0].fit.n_pre + series[0].fit.n_post,
        )],
        outcome: plan.outcomes[0].spec.name.clone(),
        estimator: EstimatorKind::SegmentedRegression,
    };
    Ok(Analysis {
        interrupted_time_series: Some(ItsAnalysis {
            period_column: settings.period.clone(),
            seasonality_column: settings.seasonality.clone(),
            period_one: dated.as_ref().map(|d| d.first.clone()),
            by_series: None,
            series,
            ceiling,
        }),
        ..Analysis::design_only(analysis_plan, flow, outcomes)
    })
}

/// The level change as a comparison of the periods before with those after the
/// intervention (transition periods left out): the groups give the modelled series'
/// n, mean and SD in each segment.
fn headline(fit: &ItsFit) -> Comparison {
    let segment = |after: bool| -> Vec<f64> {
        fit.path
            .iter()
            .filter(|p| !p.in_transition && (p.period >= fit.intervention) == after)
            .map(|p| p.observed)
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
    let before = segment(false);
    let after = segment(true);
    let pre = summary("before", &before);
    let outcome_sd = pre.sd;
    Comparison {
        estimator: EstimatorKind::SegmentedRegression,
        contrast: if fit.comparative {
            "level change at the intervention, relative to the control series".into()
        } else {
            "level change at the intervention, against the projected trend".into()
        },
        groups: vec![pre, summary("after", &after)],
        estimate: fit.level_change.clone(),
        outcome_sd,
        standardised: None,
        design: None,
        risk_ratio: None,
        odds_ratio: None,
        p_adjusted: None,
        randomisation: None,
    }
}

pub(super) fn values(table: &Table, column: &str) -> Result<Vec<f64>, AnalysisError> {
    // A missing value becomes NaN, which the series check reports with its row.
    Ok(table
        .numeric(column)?
        .into_iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect())
}

pub(super) fn whole_numbers(
    table: &Table,
    path: &Path,
    column: &str,
) -> Result<Vec<i64>, AnalysisError> {
    table
        .numeric(column)?
        .into_iter()
        .enumerate()
        .map(|(i, v)| match v {
            Some(x) if x.is_finite() && x.fract() == 0.0 && x.abs() < 9.0e15 => Ok(x as i64),
            other => Err(AnalysisError::NotWholeNumber {
                path: path.to_path_buf(),
                line: table.line(i),
                column: column.to_string(),
                value: other.map_or_else(|| "missing".to_string(), |x| x.to_string()),
            }),
        })
        .collect()
}

/// Periods numbered from 1 at the first date of the data, and that first date's label
/// (dated periods only).
pub struct DatedPeriods {
    /// Index of the period before the first one: period index − offset = 1, 2, ...
    pub offset: i64,
    pub first: String,
    pub frequency: crate::data::periods::Frequency,
}

/// A period column: whole numbers, or ISO dates under `frequency`, numbered 1, 2, ...
/// from the first period in the data (so gaps and duplicates are checked on
/// consecutive integers and reported with their rows).
///
/// # Errors
/// A value that is not a whole number (no frequency) or not a date at the frequency.
pub(super) fn period_column(
    table: &Table,
    path: &Path,
    column: &str,
    frequency: Option<crate::data::periods::Frequency>,
) -> Result<(Vec<i64>, Option<DatedPeriods>), AnalysisError> {
    let Some(frequency) = frequency else {
        return Ok((whole_numbers(table, path, column)?, None));
    };
    let indices = dates(table, path, column, frequency, false)?
        .into_iter()
        .map(|d| d.expect("missing refused"))
        .collect::<Vec<i64>>();
    let min = indices.iter().copied().min().unwrap_or(1);
    let offset = min - 1;
    Ok((
        indices.iter().map(|i| i - offset).collect(),
        Some(DatedPeriods {
            offset,
            first: crate::data::periods::label(min, frequency),
            frequency,
        }),
    ))
}

/// A column of ISO dates as period indices under `frequency`; a missing value (or 0,
/// for a first-treatment column) is `None` when `missing_is_none`.
pub(super) fn dates(
    table: &Table,
    path: &Path,
    column: &str,
    frequency: crate::data::periods::Frequency,
    missing_is_none: bool,
) -> Result<Vec<Option<i64>>, AnalysisError> {
    table
        .categorical(column)?
        .into_iter()
        .enumerate()
        .map(|(i, text)| match text {
            None if missing_is_none => Ok(None),
            Some(t) if missing_is_none && t.trim() == "0" => Ok(None),
            None => Err(AnalysisError::BadDate {
                path: path.to_path_buf(),
                line: table.line(i),
                column: column.to_string(),
                why: "the period is missing".into(),
            }),
            Some(t) => crate::data::periods::parse(&t, frequency)
                .map(Some)
                .map_err(|why| AnalysisError::BadDate {
                    path: path.to_path_buf(),
                    line: table.line(i),
                    column: column.to_string(),
                    why,
                }),
        })
        .collect()
}
