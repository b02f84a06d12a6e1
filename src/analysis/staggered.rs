//! The analyse stage of a staggered roll-out: reads the long panel through the one
//! data layer, builds the balanced [`Panel`], runs
//! [`crate::designs::staggered::analyse`] and keeps both the full result (for the
//! report section and the grade) and its serialisable view, which report.json shows
//! as `analysis.staggered_rollout`.

use serde::Serialize;

use super::AnalysisError;
use crate::data::Table;
use crate::designs::staggered::{self, Effect, Inference, Panel, StaggeredAnalysis, Timing};
use crate::spec::staggered::{
    BasePeriod, BootstrapSpec, Comparison, Estimation, StaggeredSpec, TimeVaryingCovariates,
};
use crate::spec::{AnalysisPlan, Plan};

/// `analysis.staggered_rollout` in report.json.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct StaggeredRolloutResult {
    /// The outcome column analysed (the primary outcome).
    pub outcome: String,
    /// Its label in the spec.
    pub outcome_label: String,
    pub comparison: Comparison,
    pub anticipation: u32,
    pub base_period: BasePeriod,
    pub bootstrap: BootstrapSpec,
    /// Covariates of conditional parallel trends (empty: unconditional).
    pub covariates: Vec<String>,
    /// How they enter each ATT(g, t) (`dr` or `reg`); null without covariates.
    pub estimation: Option<Estimation>,
    /// Clusters of the standard errors and bootstrap: the unit, or `design.staggered.cluster`.
    pub clustered_by: String,
    pub n_units: usize,
    pub n_periods: usize,
    pub n_never_treated: usize,
    pub cohorts: Vec<CohortSize>,
    /// The headline: cohort effects weighted by cohort size (did's "group" overall).
    pub overall: Estimate,
    /// did's "simple" overall: post-treatment cells weighted by cohort size.
    pub overall_simple: Estimate,
    pub overall_event_time_mean: Estimate,
    pub overall_calendar_mean: Estimate,
    pub event_time: Vec<EffectRow>,
    pub by_cohort: Vec<EffectRow>,
    pub calendar: Vec<EffectRow>,
    pub event_time_critical_value: f64,
    pub cohort_critical_value: f64,
    pub pre_trend: Option<PreTrendRow>,
    pub group_time: Vec<CellRow>,
    pub twfe: TwfeRow,
    pub notes: Vec<String>,
    /// SD of the outcome across units in the first period (the MDES's scale).
    pub first_period_outcome_sd: f64,
    /// The full analysis, for the report section and the grade.
    #[serde(skip)]
    pub analysis: StaggeredAnalysis,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CohortSize {
    pub first_treated: i64,
    pub units: usize,
}

/// An estimate with its analytic standard error and pointwise interval.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Estimate {
    pub estimate: f64,
    pub se: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// An aggregated effect: `key` is the event time, cohort or calendar period.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct EffectRow {
    pub key: i64,
    pub estimate: f64,
    pub se: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Simultaneous band (event time and cohort only).
    pub band_low: Option<f64>,
    pub band_high: Option<f64>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PreTrendRow {
    pub statistic: f64,
    pub df: usize,
    pub p_value: f64,
}

/// One ATT(g, t); `att` and `se` are null when no comparison unit was left.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CellRow {
    pub group: i64,
    pub time: i64,
    pub base: i64,
    pub event_time: i64,
    pub att: Option<f64>,
    pub se: Option<f64>,
    pub n_treated: usize,
    pub n_comparison: usize,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TwfeRow {
    pub estimate: f64,
    /// estimatr's `lm_robust(y ~ d, fixed_effects = ~ unit + period, clusters =
    /// <clustered_by>, se_type = "CR2")` inference of the coefficient: CR2 standard
    /// error, Satterthwaite df, t interval. Null when it could not be computed (the
    /// reason is in `cr2_note`).
    pub cr2: Option<crate::stats::estimate::Estimate>,
    pub cr2_note: Option<String>,
    /// Weight of the later-vs-already-treated comparisons in the TWFE coefficient.
    pub forbidden_weight: f64,
    pub decomposition: Vec<BaconRow>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct BaconRow {
    pub comparison_kind: String,
    pub treated: i64,
    /// Comparison cohort; null for the never-treated units.
    pub comparison: Option<i64>,
    pub estimate: f64,
    pub weight: f64,
}

/// The analyse stage's result for a staggered roll-out: no per-arm outcomes or flow
/// (the panel has cohorts, not arms), the staggered result in `staggered_rollout`.
pub fn analysis(
    plan: &Plan,
    analysis_plan: &AnalysisPlan,
    settings: &StaggeredSpec,
) -> Result<super::Analysis, AnalysisError> {
    let result = run(plan, analysis_plan, settings)?;
    let flow = super::Flow {
        arms: Vec::new(),
        outcome: result.outcome.clone(),
        estimator: crate::spec::EstimatorKind::DifferenceInMeans,
    };
    Ok(super::Analysis {
        staggered_rollout: Some(result),
        ..super::Analysis::design_only(analysis_plan, flow, Vec::new())
    })
}

/// Runs the staggered analysis of `plan` on its panel.
pub fn run(
    plan: &Plan,
    analysis_plan: &AnalysisPlan,
    settings: &StaggeredSpec,
) -> Result<StaggeredRolloutResult, AnalysisError> {
    let (outcome, outcome_label) = plan
        .outcomes
        .first()
        .map(|o| (o.spec.name.clone(), o.label.clone()))
        .unwrap_or_default();
    let path = &analysis_plan.data;
    let mut columns: Vec<&str> = vec![&settings.unit, &settings.period, &outcome];
    columns.extend(settings.first_treated.as_deref());
    columns.extend(settings.treated.as_deref());
    columns.extend(settings.cluster.as_deref());
    columns.extend(settings.covariates.iter().map(String::as_str));
    let table = Table::read_columns(path, &columns)?;
    let integers =
        |column: &str, missing_is_none: bool| -> Result<Vec<Option<i64>>, AnalysisError> {
            table
                .numeric(column)?
                .into_iter()
                .enumerate()
                .map(|(row, value)| match value {
                    None if missing_is_none => Ok(None),
                    Some(x) if x.is_finite() && x.fract() == 0.0 && x.abs() < 9.0e15 => {
                        Ok(Some(x as i64))
                    }
                    _ => Err(AnalysisError::StaggeredPeriod {
                        path: path.clone(),
                        line: table.line(row),
                        column: column.to_string(),
                    }),
                })
                .collect()
        };
    let units = labels(path, &table, &settings.unit)?;
    let (periods, dated) = match settings.frequency {
        None => (
            integers(&settings.period, false)?
                .into_iter()
                .map(|p| p.expect("missing refused"))
                .collect::<Vec<i64>>(),
            None,
        ),
        Some(_) => super::its::period_column(&table, path, &settings.period, settings.frequency)?,
    };
    // Errors name dated periods by their dates, not by the numbers they were given.
    let staggered_error = |source: staggered::StaggeredError| AnalysisError::Staggered {
        path: path.clone(),
        source: match &dated {
            Some(d) => source.dated(d.offset, d.frequency),
            None => source,
        },
    };
    let outcomes: Vec<f64> = table
        .numeric(&outcome)?
        .into_iter()
        .map(|y| y.unwrap_or(f64::NAN))
        .collect();
    let panel = match (&settings.first_treated, &settings.treated) {
        (Some(column), _) => {
            let first = match &dated {
                None => integers(column, true)?,
                Some(d) => super::its::dates(&table, path, column, d.frequency, true)?
                    .into_iter()
                    .map(|g| g.map(|g| g - d.offset))
                    .collect(),
            };
            Panel::from_long(&units, &periods, &outcomes, Timing::FirstTreated(&first))
        }
        (None, Some(column)) => {
            let indicator: Vec<f64> = table
                .numeric(column)?
                .into_iter()
                .map(|d| d.unwrap_or(f64::NAN))
                .collect();
            Panel::from_long(&units, &periods, &outcomes, Timing::Indicator(&indicator))
        }
        (None, None) => unreachable!("validation requires first_treated or treated"),
    }
    .map_err(staggered_error)?;
    let mut panel = panel;
    let mut covariate_notes = Vec::new();
    if !settings.covariates.is_empty() {
        let mut columns = Vec::with_capacity(settings.covariates.len());
        for name in &settings.covariates {
            let values: Vec<f64> = table
                .numeric(name)?
                .into_iter()
                .map(|x| x.unwrap_or(f64::NAN))
                .collect();
            columns.push((name.clone(), values));
        }
        let varying = panel
            .set_covariates(&units, &periods, &columns)
            .map_err(staggered_error)?;
        if let Some(v) = varying.first() {
            let rows = format!(
                "lines {} and {}",
                table.line(v.rows.0),
                table.line(v.rows.1)
            );
            match settings.time_varying_covariates {
                TimeVaryingCovariates::Refuse => {
                    return Err(staggered_error(
                        staggered::StaggeredError::TimeVaryingCovariate {
                            name: v.name.clone(),
                            count: v.units,
                            unit: v.unit.clone(),
                            rows,
                        },
                    ));
                }
                TimeVaryingCovariates::BasePeriod => {
                    for v in &varying {
                        covariate_notes.push(format!(
                            "Covariate {} changes within {} unit(s) (first: unit {}, lines {} and {}); as asked (time_varying_covariates: base_period), each group-time effect uses its value in the earlier of the two periods compared, so later changes do not enter (R did's behaviour, did issue #71).",
                            v.name,
                            v.units,
                            v.unit,
                            table.line(v.rows.0),
                            table.line(v.rows.1)
                        ));
                    }
                }
            }
        }
    }
    let cluster_of_unit = match &settings.cluster {
        Some(column) => Some(clusters_of_units(path, &table, column, &units, &panel)?),
        None => None,
    };
    let inference = Inference {
        alpha: analysis_plan.alpha,
        bootstrap: settings.bootstrap.clone(),
        cluster_of_unit,
    };
    let estimand = staggered::Settings {
        comparison: settings.comparison,
        anticipation: settings.anticipation,
        base_period: settings.base_period,
        method: settings.estimation,
    };
    let mut analysis =
        staggered::analyse(&panel, &estimand, &inference).map_err(staggered_error)?;
    analysis.notes.extend(covariate_notes);
    if let Some(d) = &dated {
        analysis.notes.push(format!(
            "Periods are {} dates numbered from 1 = {} (cohorts and periods below use these numbers).",
            d.frequency.label(),
            d.first
        ));
    }
    let first_period: Vec<f64> = (0..panel.n_units()).map(|u| panel.y(u, 0)).collect();
    let n = first_period.len() as f64;
    let mean = first_period.iter().sum::<f64>() / n;
    let sd = (first_period.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let mut result = view(analysis, outcome, settings, analysis_plan.alpha);
    result.first_period_outcome_sd = sd;
    result.outcome_label = outcome_label;
    Ok(result)
}

/// A label column of the long panel (units repeat across periods), refusing an empty
/// value.
fn labels(
    path: &std::path::Path,
    table: &Table,
    column: &str,
) -> Result<Vec<String>, AnalysisError> {
    table
        .categorical(column)?
        .into_iter()
        .enumerate()
        .map(|(row, value)| {
            value.ok_or_else(|| AnalysisError::StaggeredMissingLabel {
                path: path.to_path_buf(),
                line: table.line(row),
                column: column.to_string(),
            })
        })
        .collect()
}

/// Each panel unit's cluster index, refusing a cluster that changes within a unit.
fn clusters_of_units(
    path: &std::path::Path,
    table: &Table,
    column: &str,
    units: &[String],
    panel: &Panel,
) -> Result<Vec<usize>, AnalysisError> {
    let labels = labels(path, table, column)?;
    let mut of_unit: std::collections::HashMap<&str, (&str, usize)> = Default::default();
    for (row, (unit, label)) in units.iter().zip(&labels).enumerate() {
        let seen = of_unit.entry(unit).or_insert((label, row));
        if seen.0 != label {
            return Err(AnalysisError::StaggeredCluster {
                path: path.to_path_buf(),
                line: table.line(row),
                column: column.to_string(),
                unit: unit.clone(),
            });
        }
    }
    let mut index: std::collections::BTreeMap<&str, usize> = Default::default();
    for unit in &panel.unit_ids {
        let next = index.len();
        index.entry(of_unit[unit.as_str()].0).or_insert(next);
    }
    Ok(panel
        .unit_ids
        .iter()
        .map(|u| index[of_unit[u.as_str()].0])
        .collect())
}

fn view(
    analysis: StaggeredAnalysis,
    outcome: String,
    settings: &StaggeredSpec,
    alpha: f64,
) -> StaggeredRolloutResult {
    let z = crate::stats::distributions::normal::quantile(1.0 - alpha / 2.0)
        .expect("alpha checked by the analysis");
    let estimate = |(estimate, se): (f64, f64)| Estimate {
        estimate,
        se,
        ci_low: estimate - z * se,
        ci_high: estimate + z * se,
    };
    let rows = |effects: &[Effect]| -> Vec<EffectRow> {
        effects
            .iter()
            .map(|e| EffectRow {
                key: e.key,
                estimate: e.estimate,
                se: e.se,
                ci_low: e.ci_low,
                ci_high: e.ci_high,
                band_low: e.band.map(|b| b.0),
                band_high: e.band.map(|b| b.1),
            })
            .collect()
    };
    let a = &analysis;
    StaggeredRolloutResult {
        outcome_label: outcome.clone(),
        outcome,
        comparison: settings.comparison,
        anticipation: settings.anticipation,
        base_period: settings.base_period,
        bootstrap: settings.bootstrap.clone(),
        covariates: settings.covariates.clone(),
        estimation: (!settings.covariates.is_empty()).then_some(settings.estimation),
        clustered_by: settings
            .cluster
            .clone()
            .unwrap_or_else(|| settings.unit.clone()),
        n_units: a.n_units,
        n_periods: a.n_periods,
        n_never_treated: a.n_never_treated,
        cohorts: a
            .cohorts
            .iter()
            .map(|&(first_treated, units)| CohortSize {
                first_treated,
                units,
            })
            .collect(),
        overall: estimate(a.overall.cohort_weighted),
        overall_simple: estimate(a.overall.simple),
        overall_event_time_mean: estimate(a.overall.event_time_mean),
        overall_calendar_mean: estimate(a.overall.calendar_mean),
        event_time: rows(&a.event_time),
        by_cohort: rows(&a.by_cohort),
        calendar: rows(&a.calendar),
        event_time_critical_value: a.event_time_critical_value,
        cohort_critical_value: a.cohort_critical_value,
        pre_trend: a.pre_trend.as_ref().map(|t| PreTrendRow {
            statistic: t.statistic,
            df: t.df,
            p_value: t.p_value,
        }),
        group_time: a
            .cells
            .iter()
            .filter(|c| !c.reference)
            .map(|c| CellRow {
                group: c.group,
                time: c.time,
                base: c.base,
                event_time: c.event_time,
                att: c.att,
                se: c.se,
                n_treated: c.n_treated,
                n_comparison: c.n_comparison,
            })
            .collect(),
        twfe: TwfeRow {
            estimate: a.twfe.estimate,
            cr2: a.twfe.inference.clone(),
            cr2_note: a.twfe.inference_note.clone(),
            forbidden_weight: a.twfe.forbidden_weight(),
            decomposition: a
                .twfe
                .decomposition
                .iter()
                .map(|t| BaconRow {
                    comparison_kind: t.kind.label().to_string(),
                    treated: t.treated,
                    comparison: t.comparison,
                    estimate: t.estimate,
                    weight: t.weight,
                })
                .collect(),
        },
        notes: a.notes.clone(),
        first_period_outcome_sd: f64::NAN,
        analysis,
    }
}
