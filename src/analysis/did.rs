//! The analyse stage of a difference-in-differences: reads the panel (one row per unit
//! and period) from `analysis.data`, fits the two-way fixed-effects estimate, the event
//! study and the pre-trend test (src/designs/did) for every outcome, and states each
//! outcome's headline as the DiD estimate so the grade and the report read it like any
//! other comparison. The full fits, and the ceiling the pre-trend test puts on the
//! grade, are kept in `analysis.difference_in_differences`.

use serde::Serialize;

use super::{Analysis, AnalysisError, ArmFlow, Comparison, Flow, GroupSummary, OutcomeResult};
use crate::data::Table;
use crate::designs::did::{DidFit, Panel, fit_panel};
use crate::evidence::its_did::{DesignCeiling, did_ceiling};
use crate::spec::did::DidSpec;
use crate::spec::{AnalysisPlan, EstimatorKind, Plan};

/// `analysis.difference_in_differences` in report.json.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DidAnalysis {
    pub unit_column: String,
    pub period_column: String,
    pub treated_column: String,
    /// With dated periods (`frequency`): the first period's date; periods are numbered
    /// 1, 2, ... from it.
    pub period_one: Option<String>,
    /// With dated periods: the date of the first treated period.
    pub treatment_start: Option<String>,
    /// One fit per outcome, primary first.
    pub series: Vec<DidSeries>,
    /// The highest level the primary outcome's pre-trend test allows.
    pub ceiling: DesignCeiling,
}

/// The difference-in-differences of one outcome.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DidSeries {
    pub outcome: String,
    pub fit: DidFit,
}

/// Runs the difference-in-differences analysis.
///
/// # Errors
/// Unreadable data or columns, a period that is not a whole number, a missing value,
/// and every [`crate::designs::did::DidError`] (duplicate rows, a treatment that
/// switches off, no comparison units, a staggered start), each naming the data file.
pub fn analyse(
    plan: &Plan,
    analysis_plan: &AnalysisPlan,
    settings: &DidSpec,
) -> Result<Analysis, AnalysisError> {
    let path = analysis_plan.data.as_path();
    let mut columns: Vec<&str> = settings.columns().into_iter().map(|(_, c)| c).collect();
    columns.push(analysis_plan.id.as_str());
    columns.extend(plan.outcomes.iter().map(|o| o.spec.name.as_str()));
    columns.sort_unstable();
    columns.dedup();
    let table = Table::read_columns(path, &columns)?;
    let rows: Vec<u64> = (0..table.n_rows()).map(|i| table.line(i)).collect();
    // A panel repeats each unit once per period, so the identifiers are not unique.
    let units: Vec<String> = table
        .categorical(&analysis_plan.id)?
        .into_iter()
        .enumerate()
        .map(|(i, u)| {
            u.ok_or_else(|| AnalysisError::MissingUnit {
                path: path.to_path_buf(),
                line: table.line(i),
                column: analysis_plan.id.clone(),
            })
        })
        .collect::<Result<_, _>>()?;
    let (periods, dated) =
        super::its::period_column(&table, path, &settings.period, settings.frequency)?;
    let treated = super::its::values(&table, &settings.treated)?;
    let covariates: Vec<(String, Vec<f64>)> = settings
        .covariates
        .iter()
        .map(|c| Ok((c.clone(), super::its::values(&table, c)?)))
        .collect::<Result<_, AnalysisError>>()?;
    let conf_level = 1.0 - analysis_plan.alpha;
    let options = settings.options(conf_level);
    let mut series = Vec::with_capacity(plan.outcomes.len());
    let mut outcomes = Vec::with_capacity(plan.outcomes.len());
    for outcome in &plan.outcomes {
        let y = super::its::values(&table, &outcome.spec.name)?;
        let fit = fit_panel(
            &Panel {
                units: &units,
                periods: &periods,
                outcome: &y,
                treated: &treated,
                covariates: &covariates,
                rows: Some(&rows),
            },
            &options,
        )
        .map_err(|source| AnalysisError::DifferenceInDifferences {
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
            comparisons: vec![headline(&fit, &units, &treated, &y)],
            complier_effects: Vec::new(),
            equivalence: Vec::new(),
            attrition_bounds: Vec::new(),
        });
        series.push(DidSeries {
            outcome: outcome.spec.name.clone(),
            fit,
        });
    }
    let ceiling = did_ceiling(&series[0].fit);
    let primary = &series[0].fit;
    let arm = |name: &str, n: usize| ArmFlow::observed(name, n, n);
    let flow = Flow {
        arms: vec![
            arm("comparison", primary.n_units - primary.n_treated_units),
            arm("treated", primary.n_treated_units),
        ],
        outcome: plan.outcomes[0].spec.name.clone(),
        estimator: EstimatorKind::TwoWayFixedEffects,
    };
    Ok(Analysis {
        difference_in_differences: Some(DidAnalysis {
            unit_column: analysis_plan.id.clone(),
            period_column: settings.period.clone(),
            treated_column: settings.treated.clone(),
            period_one: dated.as_ref().map(|d| d.first.clone()),
            treatment_start: dated.as_ref().map(|d| {
                crate::data::periods::label(primary.treatment_period + d.offset, d.frequency)
            }),
            series,
            ceiling,
        }),
        ..Analysis::design_only(analysis_plan, flow, outcomes)
    })
}

/// The DiD estimate as a comparison of the comparison and treated units: the groups
/// give the number of units and the mean and SD of the outcome over their rows.
fn headline(fit: &DidFit, units: &[String], treated: &[f64], y: &[f64]) -> Comparison {
    let mut ever_treated = std::collections::BTreeSet::new();
    for (u, &d) in units.iter().zip(treated) {
        if d == 1.0 {
            ever_treated.insert(u.as_str());
        }
    }
    let group = |name: &str, in_group: bool, n_units: usize| {
        let values: Vec<f64> = units
            .iter()
            .zip(y)
            .filter(|(u, _)| ever_treated.contains(u.as_str()) == in_group)
            .map(|(_, &v)| v)
            .collect();
        let (mean, variance) = crate::stats::summary::mean_and_variance(&values);
        GroupSummary {
            name: name.into(),
            n: n_units,
            mean,
            sd: variance.sqrt(),
        }
    };
    let comparison = group("comparison", false, fit.n_units - fit.n_treated_units);
    let outcome_sd = comparison.sd;
    Comparison {
        estimator: EstimatorKind::TwoWayFixedEffects,
        contrast: "treated vs comparison, change after vs before".into(),
        groups: vec![comparison, group("treated", true, fit.n_treated_units)],
        estimate: fit.estimate.clone(),
        outcome_sd,
        standardised: None,
        design: None,
        risk_ratio: None,
        odds_ratio: None,
        p_adjusted: None,
        randomisation: None,
    }
}
