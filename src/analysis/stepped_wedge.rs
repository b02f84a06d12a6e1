//! The analyse stage of a stepped-wedge trial: reads the observations (one row per
//! individual measured in a cluster and period) from `analysis.data`, works out each
//! row's treatment from its cluster's crossover period (the allocation's
//! assignments.csv) or a 0/1 column, and fits the cluster–period two-way
//! fixed-effects model y = α_cluster + β_period + θ·treated + e with CR2 standard
//! errors clustered by cluster (estimatr's `lm_robust(y ~ treated, fixed_effects =
//! ~ cluster + period, clusters = cluster)`, src/stats/regression/fixed_effects.rs).
//! θ compares each cluster's intervention periods with its own control periods,
//! net of the period effects that the clusters not yet crossed over measure; the
//! crossover order is randomised, so no parallel-trends assumption is needed beyond
//! the model's common period effects (Hussey and Hughes 2007; Hemming et al. 2015).
//! The headline is graded like a cluster-randomised trial (`evidence::stepped_wedge`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use nalgebra::DMatrix;
use serde::Serialize;
use thiserror::Error;

use super::{Analysis, AnalysisError, ArmFlow, Comparison, Flow, GroupSummary, OutcomeResult};
use crate::data::Table;
use crate::spec::stepped_wedge::SteppedWedgeSpec;
use crate::spec::{AnalysisPlan, EstimatorKind, MissingPolicy, Plan, TreatmentSource};
use crate::stats::estimate::Estimate;
use crate::stats::regression::{
    AbsorbedFactor, Clusters, Design, FixedEffectsOptions, SeType, lm_robust_fe,
};

/// Why the observations of a stepped-wedge trial cannot be analysed.
#[derive(Debug, Error)]
pub enum SteppedWedgeDataError {
    #[error("line {line}: period {period} is outside the trial's periods {first} to {last}")]
    PeriodOutside {
        line: u64,
        period: i64,
        first: i64,
        last: i64,
    },
    #[error("line {line}: cluster `{cluster}` is not in the allocation ({assignments})")]
    UnknownCluster {
        line: u64,
        cluster: String,
        assignments: PathBuf,
    },
    #[error("line {line}: column `{column}` is empty; every observation needs its {what}")]
    Missing {
        line: u64,
        column: String,
        what: &'static str,
    },
    #[error("line {line}: the treatment indicator is {value}; it must be 0 or 1")]
    BadTreatment { line: u64, value: f64 },
    #[error(
        "cluster `{cluster}` is treated in period {treated} (line {line}) but not in the later period {later}; a stepped-wedge cluster never crosses back"
    )]
    CrossesBack {
        cluster: String,
        treated: i64,
        later: i64,
        line: u64,
    },
    #[error("{assignments}: cluster `{cluster}` has two crossover periods ({first} and {second})")]
    InconsistentAllocation {
        assignments: PathBuf,
        cluster: String,
        first: i64,
        second: i64,
    },
    #[error("no observation is in an intervention period, or none in a control period")]
    OneCondition,
    #[error(transparent)]
    Regression(#[from] crate::stats::regression::RegressionError),
}

/// One period of the trial, for the primary outcome.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PeriodSummary {
    pub period: i64,
    /// Clusters observed in the period, in control and crossed over.
    pub clusters_control: usize,
    pub clusters_intervention: usize,
    /// Observations and mean outcome in each condition (`None` without any).
    pub n_control: usize,
    pub n_intervention: usize,
    pub mean_control: Option<f64>,
    pub mean_intervention: Option<f64>,
}

/// The fit of one outcome.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SteppedWedgeFit {
    pub outcome: String,
    /// θ̂: intervention against control periods within clusters, net of period effects.
    pub estimate: Estimate,
    pub nobs: usize,
    pub n_clusters: usize,
    pub n_periods: usize,
    /// Observations dropped for a missing outcome (listwise policy).
    pub excluded_missing: usize,
}

/// Clusters allocated to one step and analysed.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct StepClusters {
    pub crossover_period: i64,
    pub allocated: usize,
    /// With at least one analysed observation of the primary outcome.
    pub analysed: usize,
}

/// `analysis.stepped_wedge` in report.json.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SteppedWedgeAnalysis {
    pub cluster_column: String,
    pub period_column: String,
    /// Where each observation's treatment came from, in words.
    pub treatment_source: String,
    pub steps: usize,
    pub first_period: i64,
    /// Clusters the allocation randomised (`None` with a treatment column).
    pub clusters_allocated: Option<usize>,
    /// Clusters with at least one analysed observation.
    pub clusters_analysed: usize,
    /// Allocated clusters with no observation at all.
    pub clusters_lost: Vec<String>,
    /// Analysed clusters missing from some period of the trial.
    pub clusters_incomplete: Vec<String>,
    /// Clusters allocated and analysed by crossover period (from the allocation).
    pub by_step: Vec<StepClusters>,
    /// Primary outcome by period.
    pub periods: Vec<PeriodSummary>,
    /// One fit per outcome, primary first.
    pub fits: Vec<SteppedWedgeFit>,
}

fn data_error(path: &Path, source: SteppedWedgeDataError) -> AnalysisError {
    AnalysisError::SteppedWedge {
        path: path.to_path_buf(),
        source,
    }
}

/// Each allocated cluster's crossover period, from assignments.csv.
fn crossover_periods(path: &Path) -> Result<BTreeMap<String, i64>, AnalysisError> {
    let table = Table::read_columns(path, &["cluster", "crossover_period"])?;
    let clusters = table.categorical("cluster")?;
    let periods = super::its::whole_numbers(&table, path, "crossover_period")?;
    let mut out = BTreeMap::new();
    for (i, (cluster, period)) in clusters.into_iter().zip(periods).enumerate() {
        let Some(cluster) = cluster else {
            return Err(data_error(
                path,
                SteppedWedgeDataError::Missing {
                    line: table.line(i),
                    column: "cluster".into(),
                    what: "cluster",
                },
            ));
        };
        if let Some(&first) = out.get(&cluster)
            && first != period
        {
            return Err(data_error(
                path,
                SteppedWedgeDataError::InconsistentAllocation {
                    assignments: path.to_path_buf(),
                    cluster,
                    first,
                    second: period,
                },
            ));
        }
        out.insert(cluster, period);
    }
    Ok(out)
}

/// Runs the stepped-wedge analysis.
///
/// # Errors
/// Unreadable data or columns; a missing cluster or period, a period outside the
/// trial, a cluster the allocation does not know, a treatment column that is not 0/1
/// or crosses back (each naming the line); a fit that cannot be computed.
pub fn analyse(
    plan: &Plan,
    analysis_plan: &AnalysisPlan,
    settings: &SteppedWedgeSpec,
) -> Result<Analysis, AnalysisError> {
    let path = analysis_plan.data.as_path();
    let period_column = settings
        .period
        .clone()
        .expect("validated: an analysed stepped wedge names its period column");
    let treatment_column = match &analysis_plan.treatment {
        Some(TreatmentSource::DataColumn(c)) => Some(c.clone()),
        _ => None,
    };
    let mut columns: Vec<&str> = vec![settings.cluster.as_str(), period_column.as_str()];
    columns.extend(treatment_column.as_deref());
    columns.extend(plan.outcomes.iter().map(|o| o.spec.name.as_str()));
    columns.sort_unstable();
    columns.dedup();
    let table = Table::read_columns(path, &columns)?;
    let n = table.n_rows();
    let clusters: Vec<String> = table
        .categorical(&settings.cluster)?
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            c.ok_or_else(|| {
                data_error(
                    path,
                    SteppedWedgeDataError::Missing {
                        line: table.line(i),
                        column: settings.cluster.clone(),
                        what: "cluster",
                    },
                )
            })
        })
        .collect::<Result<_, _>>()?;
    let periods = super::its::whole_numbers(&table, path, &period_column)?;
    let (first, last) = (settings.first_period, settings.last_period());
    for (i, &p) in periods.iter().enumerate() {
        if !(first..=last).contains(&p) {
            return Err(data_error(
                path,
                SteppedWedgeDataError::PeriodOutside {
                    line: table.line(i),
                    period: p,
                    first,
                    last,
                },
            ));
        }
    }
    // Each row's treatment, and the allocation when there is one.
    let (treated, allocation, treatment_source) = match &analysis_plan.treatment {
        Some(TreatmentSource::Assignments(assignments)) => {
            let crossover = crossover_periods(assignments)?;
            let treated = (0..n)
                .map(|i| match crossover.get(&clusters[i]) {
                    Some(&c) => Ok(f64::from(u8::from(periods[i] >= c))),
                    None => Err(data_error(
                        path,
                        SteppedWedgeDataError::UnknownCluster {
                            line: table.line(i),
                            cluster: clusters[i].clone(),
                            assignments: assignments.clone(),
                        },
                    )),
                })
                .collect::<Result<Vec<f64>, _>>()?;
            (
                treated,
                Some(crossover),
                "each cluster's crossover period in the allocation (assignments.csv)".to_string(),
            )
        }
        Some(TreatmentSource::DataColumn(column)) => {
            let values = table.numeric(column)?;
            let mut treated = Vec::with_capacity(n);
            for (i, v) in values.iter().enumerate() {
                let v = v.unwrap_or(f64::NAN);
                if v != 0.0 && v != 1.0 {
                    return Err(data_error(
                        path,
                        SteppedWedgeDataError::BadTreatment {
                            line: table.line(i),
                            value: v,
                        },
                    ));
                }
                treated.push(v);
            }
            check_never_crosses_back(&clusters, &periods, &treated, &table, path)?;
            (treated, None, format!("the 0/1 column `{column}`"))
        }
        _ => unreachable!("validated: a stepped-wedge analysis has a treatment source"),
    };
    if !treated.contains(&1.0) || !treated.contains(&0.0) {
        return Err(data_error(path, SteppedWedgeDataError::OneCondition));
    }
    let conf_level = 1.0 - analysis_plan.alpha;
    let mut fits = Vec::with_capacity(plan.outcomes.len());
    let mut outcomes = Vec::with_capacity(plan.outcomes.len());
    let mut primary_rows: Vec<usize> = Vec::new();
    for (k, outcome) in plan.outcomes.iter().enumerate() {
        let name = &outcome.spec.name;
        let raw = table.numeric(name)?;
        let mut rows = Vec::with_capacity(n);
        for (i, v) in raw.iter().enumerate() {
            match v {
                Some(v) if v.is_finite() => rows.push(i),
                _ if analysis_plan.missing == MissingPolicy::Listwise => {}
                _ => {
                    return Err(data_error(
                        path,
                        SteppedWedgeDataError::Missing {
                            line: table.line(i),
                            column: name.clone(),
                            what: "outcome",
                        },
                    ));
                }
            }
        }
        let y: Vec<f64> = rows.iter().map(|&i| raw[i].unwrap_or(f64::NAN)).collect();
        let d: Vec<f64> = rows.iter().map(|&i| treated[i]).collect();
        let cluster_ids = Clusters::from_labels(
            &rows
                .iter()
                .map(|&i| clusters[i].as_str())
                .collect::<Vec<_>>(),
        );
        let period_ids =
            Clusters::from_labels(&rows.iter().map(|&i| periods[i]).collect::<Vec<_>>());
        let fit = lm_robust_fe(
            &Design {
                names: vec!["treated".into()],
                x: DMatrix::from_column_slice(d.len(), 1, &d),
            },
            &y,
            &[
                AbsorbedFactor {
                    name: "cluster",
                    levels: &cluster_ids,
                },
                AbsorbedFactor {
                    name: "period",
                    levels: &period_ids,
                },
            ],
            &FixedEffectsOptions {
                se_type: Some(SeType::CR2),
                clusters: Some(&cluster_ids),
                conf_level,
                alternative: analysis_plan.alternative,
            },
        )
        .map_err(|e| data_error(path, e.into()))?;
        let estimate = fit.coefficients[0].estimate.clone();
        let group = |name: &str, condition: f64| {
            let values: Vec<f64> = y
                .iter()
                .zip(&d)
                .filter(|(_, t)| **t == condition)
                .map(|(v, _)| *v)
                .collect();
            let (mean, variance) = crate::stats::summary::mean_and_variance(&values);
            GroupSummary {
                name: name.into(),
                n: values.len(),
                mean,
                sd: variance.sqrt(),
            }
        };
        let control = group("control periods", 0.0);
        let outcome_sd = control.sd;
        outcomes.push(OutcomeResult {
            outcome: name.clone(),
            label: outcome.label.clone(),
            role: outcome.spec.role,
            outcome_type: outcome.spec.outcome_type,
            better: outcome.spec.better,
            unit: outcome.spec.unit.clone(),
            excluded_missing: n - rows.len(),
            complier_effects: Vec::new(),
            equivalence: Vec::new(),
            attrition_bounds: Vec::new(),
            comparisons: vec![Comparison {
                estimator: EstimatorKind::TwoWayFixedEffects,
                contrast: "intervention vs control periods, within clusters and periods".into(),
                groups: vec![control, group("intervention periods", 1.0)],
                estimate: estimate.clone(),
                outcome_sd,
                standardised: None,
                design: None,
                risk_ratio: None,
                odds_ratio: None,
                p_adjusted: None,
                randomisation: None,
            }],
        });
        fits.push(SteppedWedgeFit {
            outcome: name.clone(),
            estimate,
            nobs: fit.nobs,
            n_clusters: cluster_ids.len(),
            n_periods: period_ids.len(),
            excluded_missing: n - rows.len(),
        });
        if k == 0 {
            primary_rows = rows;
        }
    }
    // Clusters and periods of the primary outcome's sample.
    let primary_y = table.numeric(&plan.outcomes[0].spec.name)?;
    let mut seen: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
    for &i in &primary_rows {
        seen.entry(clusters[i].as_str())
            .or_default()
            .insert(periods[i]);
    }
    let all_periods = (last - first + 1) as usize;
    let clusters_incomplete: Vec<String> = seen
        .iter()
        .filter(|(_, p)| p.len() < all_periods)
        .map(|(c, _)| (*c).to_string())
        .collect();
    let clusters_lost: Vec<String> = allocation.as_ref().map_or(Vec::new(), |a| {
        a.keys()
            .filter(|c| !seen.contains_key(c.as_str()))
            .cloned()
            .collect()
    });
    let periods_summary = (first..=last)
        .map(|p| {
            let mut by: [(BTreeSet<&str>, Vec<f64>); 2] = Default::default();
            for &i in primary_rows.iter().filter(|&&i| periods[i] == p) {
                let slot = &mut by[treated[i] as usize];
                slot.0.insert(clusters[i].as_str());
                slot.1.push(primary_y[i].unwrap_or(f64::NAN));
            }
            let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
            PeriodSummary {
                period: p,
                clusters_control: by[0].0.len(),
                clusters_intervention: by[1].0.len(),
                n_control: by[0].1.len(),
                n_intervention: by[1].1.len(),
                mean_control: mean(&by[0].1),
                mean_intervention: mean(&by[1].1),
            }
        })
        .collect();
    let mut by_step: BTreeMap<i64, StepClusters> = BTreeMap::new();
    for (cluster, &crossover_period) in allocation.iter().flatten() {
        let step = by_step.entry(crossover_period).or_insert(StepClusters {
            crossover_period,
            allocated: 0,
            analysed: 0,
        });
        step.allocated += 1;
        step.analysed += usize::from(seen.contains_key(cluster.as_str()));
    }
    let clusters_analysed = seen.len();
    let clusters_allocated = allocation.as_ref().map(BTreeMap::len);
    let primary = &outcomes[0].comparisons[0];
    let arm = |g: &GroupSummary| ArmFlow {
        clusters_allocated,
        clusters_analysed: Some(clusters_analysed),
        clusters_with_data: Some(clusters_analysed),
        clusters_lost: clusters_allocated.map(|a| a.saturating_sub(clusters_analysed)),
        ..ArmFlow::observed(&g.name, g.n, g.n)
    };
    let flow = Flow {
        arms: primary.groups.iter().map(arm).collect(),
        outcome: plan.outcomes[0].spec.name.clone(),
        estimator: EstimatorKind::TwoWayFixedEffects,
    };
    Ok(Analysis {
        stepped_wedge: Some(SteppedWedgeAnalysis {
            cluster_column: settings.cluster.clone(),
            period_column,
            treatment_source,
            steps: settings.steps,
            first_period: first,
            clusters_allocated,
            clusters_analysed,
            clusters_lost,
            clusters_incomplete,
            by_step: by_step.into_values().collect(),
            periods: periods_summary,
            fits,
        }),
        ..Analysis::design_only(analysis_plan, flow, outcomes)
    })
}

/// A 0/1 treatment column must never switch a cluster back to control.
fn check_never_crosses_back(
    clusters: &[String],
    periods: &[i64],
    treated: &[f64],
    table: &Table,
    path: &Path,
) -> Result<(), AnalysisError> {
    // The first period each cluster is seen treated, and its line.
    let mut first_treated: HashMap<&str, (i64, u64)> = HashMap::new();
    for i in 0..clusters.len() {
        if treated[i] == 1.0 {
            let entry = first_treated
                .entry(clusters[i].as_str())
                .or_insert((periods[i], table.line(i)));
            if periods[i] < entry.0 {
                *entry = (periods[i], table.line(i));
            }
        }
    }
    for i in 0..clusters.len() {
        if treated[i] == 0.0
            && let Some(&(start, line)) = first_treated.get(clusters[i].as_str())
            && periods[i] > start
        {
            return Err(data_error(
                path,
                SteppedWedgeDataError::CrossesBack {
                    cluster: clusters[i].clone(),
                    treated: start,
                    later: periods[i],
                    line,
                },
            ));
        }
    }
    Ok(())
}
