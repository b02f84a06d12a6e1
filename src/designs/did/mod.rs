//! Difference-in-differences on a panel (units × periods, balanced or not): the
//! two-way fixed-effects estimate, the event study with its joint pre-trend test, and
//! the group means over time.
//!
//! # Estimates
//! - TWFE: y_it = α_i + λ_t + δ·D_it + x_itᵀβ + e_it with unit and period effects
//!   absorbed ([`crate::stats::regression::fixed_effects`]) and unit-clustered CR2
//!   standard errors (CR1, estimatr's `stata`, on request). δ is the DiD estimate;
//!   with two periods and two groups it is the 2 × 2 difference of mean changes.
//! - Event study: the same model with D_it replaced by one indicator per event time
//!   r = t − T₀ of the treated units, r ∈ [−leads, lags] without the reference r = −1.
//!   Event times beyond the window are binned into its end points (r < −leads counts
//!   as −leads, r > lags as lags), so the window's end coefficients average the
//!   periods beyond them; by default the window covers every event time and nothing is
//!   binned.
//! - Pre-trend test: the joint Wald test that every lead (r ≤ −2) is zero, in F form
//!   F = b̂ᵀV̂⁻¹b̂/q with the CR2 (or CR1) V̂, referred to F(q, J − 1) (J clusters), as
//!   a cluster-robust Wald test with the cluster count as denominator df. A small p
//!   (below 0.05 by default) says the treated and comparison units were already
//!   diverging before the treatment.
//!
//! # Rules on the data
//! D_it is the row's treatment indicator (0/1). A unit that switches treatment off is
//! refused (not supported), as is a panel with no never-treated unit, and units that
//! start in different periods (a staggered roll-out: `design.kind:
//! staggered_rollout`). One row per unit and period.

use std::collections::BTreeMap;

use nalgebra::DMatrix;
use serde::Serialize;
use thiserror::Error;

use crate::data::periods::{Frequency, PeriodName};
use crate::stats::distributions::f as f_dist;
use crate::stats::estimate::{Alternative, Estimate};
use crate::stats::regression::{
    AbsorbedFactor, Clusters, Design, FixedEffectsOptions, RegressionError, SeType, lm_robust_fe,
};

/// A panel, one row per unit and period, in any order.
#[derive(Debug, Clone, Copy)]
pub struct Panel<'a> {
    pub units: &'a [String],
    pub periods: &'a [i64],
    pub outcome: &'a [f64],
    /// 1 when the unit is under treatment in that period, else 0.
    pub treated: &'a [f64],
    /// Time-varying covariates (name, values).
    pub covariates: &'a [(String, Vec<f64>)],
    /// Line of each row in the data file, for messages (default position + 1).
    pub rows: Option<&'a [u64]>,
}

/// Settings of [`fit_panel`].
#[derive(Debug, Clone)]
pub struct DidOptions {
    /// CR2 (default) or CR1 (`stata`).
    pub se_type: SeType,
    /// Event-study window: leads and lags shown; `None` = every event time.
    pub leads: Option<usize>,
    pub lags: Option<usize>,
    pub conf_level: f64,
    /// Level of the pre-trend test (a p-value below it fails the test).
    pub pretrend_alpha: f64,
}

impl Default for DidOptions {
    fn default() -> Self {
        DidOptions {
            se_type: SeType::CR2,
            leads: None,
            lags: None,
            conf_level: 0.95,
            pretrend_alpha: 0.05,
        }
    }
}

/// Why a panel cannot be analysed.
#[derive(Debug, Error)]
pub enum DidError {
    #[error(
        "unit `{unit}` has two rows for {period} (rows {first} and {second}); a panel needs one row per unit and period"
    )]
    DuplicateRow {
        unit: String,
        period: PeriodName,
        first: u64,
        second: u64,
    },
    #[error("row {row}: the treatment indicator is {value}; it must be 0 or 1")]
    BadTreatment { row: u64, value: f64 },
    #[error("row {row}: {what} is {value}; every row needs a finite value")]
    NonFinite { row: u64, what: String, value: f64 },
    #[error(
        "unit `{unit}` switches treatment off at {period} (row {row}); units that stop being treated are not supported"
    )]
    SwitchesOff {
        unit: String,
        period: PeriodName,
        row: u64,
    },
    #[error(
        "every unit is treated (all from {period}): difference-in-differences needs comparison units that are never treated"
    )]
    NoComparison { period: PeriodName },
    #[error("no unit is ever treated: the treatment column is 0 on every row")]
    NoTreated,
    #[error(
        "treated units start in different periods ({}); this is a staggered roll-out: use design.kind staggered_rollout",
        list_of_periods(.starts)
    )]
    Staggered { starts: Vec<PeriodName> },
    #[error(
        "treatment starts in {period}, the first period of the data: difference-in-differences needs at least one period before treatment"
    )]
    NoPrePeriod { period: PeriodName },
    #[error(transparent)]
    Regression(#[from] RegressionError),
}

/// "3, 5" for numbered periods, "2019-03, 2019-05" for dated ones.
fn list_of_periods(periods: &[PeriodName]) -> String {
    let names: Vec<String> = periods
        .iter()
        .map(|p| p.date.clone().unwrap_or_else(|| p.number.to_string()))
        .collect();
    names.join(", ")
}

impl DidError {
    /// The error with its periods named by their dates (periods numbered so that
    /// date index − `offset` = period number).
    pub fn dated(mut self, offset: i64, frequency: Frequency) -> DidError {
        match &mut self {
            DidError::DuplicateRow { period, .. }
            | DidError::SwitchesOff { period, .. }
            | DidError::NoComparison { period }
            | DidError::NoPrePeriod { period } => period.dated(offset, frequency),
            DidError::Staggered { starts } => {
                for p in starts {
                    p.dated(offset, frequency);
                }
            }
            _ => {}
        }
        self
    }
}

/// One event time of the event study.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct EventTime {
    pub event_time: i64,
    /// `None` for the reference period −1 (fixed at 0).
    pub estimate: Option<Estimate>,
    /// Whether periods beyond the window were binned into this one.
    pub binned: bool,
}

/// The joint Wald test that every lead is zero.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PretrendTest {
    pub statistic: f64,
    pub df1: f64,
    pub df2: f64,
    pub p_value: f64,
    pub alpha: f64,
    pub passed: bool,
    /// The event times tested.
    pub leads: Vec<i64>,
}

/// Mean outcome of each group in one period.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct GroupMeans {
    pub period: i64,
    pub treated_mean: Option<f64>,
    pub treated_n: usize,
    pub comparison_mean: Option<f64>,
    pub comparison_n: usize,
}

/// Results of a difference-in-differences analysis.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DidFit {
    pub estimate: Estimate,
    #[schemars(with = "String")]
    pub se_type: SeType,
    pub nobs: usize,
    pub n_units: usize,
    pub n_treated_units: usize,
    pub n_periods: usize,
    pub n_pre_periods: usize,
    pub treatment_period: i64,
    pub balanced: bool,
    pub event_study: Vec<EventTime>,
    pub pretrend: Option<PretrendTest>,
    pub group_means: Vec<GroupMeans>,
}

/// Checks the panel and returns, for each unit id (in `Clusters` order), its first
/// treated period.
fn treatment_starts(panel: &Panel, units: &Clusters) -> Result<Vec<Option<i64>>, DidError> {
    let n = panel.outcome.len();
    let row_of = |i: usize| panel.rows.map_or(i as u64 + 1, |r| r[i]);
    for i in 0..n {
        let d = panel.treated[i];
        if d != 0.0 && d != 1.0 {
            return Err(DidError::BadTreatment {
                row: row_of(i),
                value: d,
            });
        }
        if !panel.outcome[i].is_finite() {
            return Err(DidError::NonFinite {
                row: row_of(i),
                what: "the outcome".into(),
                value: panel.outcome[i],
            });
        }
        for (name, values) in panel.covariates {
            if !values[i].is_finite() {
                return Err(DidError::NonFinite {
                    row: row_of(i),
                    what: format!("covariate `{name}`"),
                    value: values[i],
                });
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| (units.ids()[i], panel.periods[i], i));
    let mut starts = vec![None; units.count()];
    for w in order.windows(2) {
        let (a, b) = (w[0], w[1]);
        if units.ids()[a] == units.ids()[b] && panel.periods[a] == panel.periods[b] {
            return Err(DidError::DuplicateRow {
                unit: panel.units[a].clone(),
                period: panel.periods[a].into(),
                first: row_of(a),
                second: row_of(b),
            });
        }
    }
    for &i in &order {
        let u = units.ids()[i];
        match (starts[u], panel.treated[i] == 1.0) {
            (None, true) => starts[u] = Some(panel.periods[i]),
            (Some(_), false) => {
                return Err(DidError::SwitchesOff {
                    unit: panel.units[i].clone(),
                    period: panel.periods[i].into(),
                    row: row_of(i),
                });
            }
            _ => {}
        }
    }
    Ok(starts)
}

/// Fits the TWFE estimate, the event study and the pre-trend test.
///
/// # Errors
/// See [`DidError`]; regression errors (too few units, a covariate absorbed by the
/// fixed effects) pass through.
pub fn fit_panel(panel: &Panel, options: &DidOptions) -> Result<DidFit, DidError> {
    let n = panel.outcome.len();
    let units = Clusters::from_labels(panel.units);
    let periods = Clusters::from_labels(panel.periods);
    let starts = treatment_starts(panel, &units)?;
    let distinct: std::collections::BTreeSet<i64> = starts.iter().flatten().copied().collect();
    let Some(&t0) = distinct.first() else {
        return Err(DidError::NoTreated);
    };
    if distinct.len() > 1 {
        return Err(DidError::Staggered {
            starts: distinct.iter().map(|&p| p.into()).collect(),
        });
    }
    if starts.iter().all(Option::is_some) {
        return Err(DidError::NoComparison { period: t0.into() });
    }
    let first_period = *panel.periods.iter().min().expect("rows exist");
    let last_period = *panel.periods.iter().max().expect("rows exist");
    if t0 <= first_period {
        return Err(DidError::NoPrePeriod { period: t0.into() });
    }
    let fe_options = FixedEffectsOptions {
        se_type: Some(options.se_type),
        clusters: Some(&units),
        conf_level: options.conf_level,
        alternative: Alternative::TwoSided,
    };
    let factors = [
        AbsorbedFactor {
            name: "unit",
            levels: &units,
        },
        AbsorbedFactor {
            name: "period",
            levels: &periods,
        },
    ];
    let covariate_columns = |names: &mut Vec<String>, cols: &mut Vec<Vec<f64>>| {
        for (name, values) in panel.covariates {
            names.push(name.clone());
            cols.push(values.clone());
        }
    };
    // TWFE.
    let mut names = vec!["treated".to_string()];
    let mut cols = vec![panel.treated.to_vec()];
    covariate_columns(&mut names, &mut cols);
    let design = design_of(names, &cols, n);
    let twfe = lm_robust_fe(&design, panel.outcome, &factors, &fe_options)?;
    // Event study.
    let min_r = first_period - t0;
    let max_r = last_period - t0;
    let low = options.leads.map_or(min_r, |l| (-(l as i64)).max(min_r));
    let high = options.lags.map_or(max_r, |l| (l as i64).min(max_r));
    let event_times: Vec<i64> = (low..=high).filter(|&r| r != -1).collect();
    let treated_unit = |i: usize| starts[units.ids()[i]].is_some();
    let mut es_names: Vec<String> = event_times.iter().map(|r| format!("event_{r}")).collect();
    let mut es_cols: Vec<Vec<f64>> = event_times
        .iter()
        .map(|&r| {
            (0..n)
                .map(|i| {
                    if !treated_unit(i) {
                        return 0.0;
                    }
                    let ri = (panel.periods[i] - t0).clamp(low, high);
                    f64::from(ri == r)
                })
                .collect()
        })
        .collect();
    covariate_columns(&mut es_names, &mut es_cols);
    let es_design = design_of(es_names, &es_cols, n);
    let es = lm_robust_fe(&es_design, panel.outcome, &factors, &fe_options)?;
    let mut event_study: Vec<EventTime> = event_times
        .iter()
        .enumerate()
        .map(|(j, &r)| EventTime {
            event_time: r,
            estimate: Some(es.coefficients[j].estimate.clone()),
            binned: (r == low && low > min_r) || (r == high && high < max_r),
        })
        .collect();
    if low <= -1 {
        let at = event_study
            .iter()
            .position(|e| e.event_time > -1)
            .unwrap_or(event_study.len());
        event_study.insert(
            at,
            EventTime {
                event_time: -1,
                estimate: None,
                binned: false,
            },
        );
    }
    let lead_idx: Vec<usize> = (0..event_times.len())
        .filter(|&j| event_times[j] <= -2)
        .collect();
    let pretrend = if lead_idx.is_empty() {
        None
    } else {
        Some(wald(
            &es.vcov,
            &es.coefficients
                .iter()
                .map(|c| c.estimate.estimate)
                .collect::<Vec<_>>(),
            &lead_idx,
            units.count() as f64 - 1.0,
            options.pretrend_alpha,
            lead_idx.iter().map(|&j| event_times[j]).collect(),
        )?)
    };
    // Group means.
    let mut sums: BTreeMap<i64, [(f64, usize); 2]> = BTreeMap::new();
    for i in 0..n {
        let slot = &mut sums.entry(panel.periods[i]).or_insert([(0.0, 0); 2])
            [usize::from(treated_unit(i))];
        slot.0 += panel.outcome[i];
        slot.1 += 1;
    }
    let group_means = sums
        .into_iter()
        .map(|(period, [c, t])| GroupMeans {
            period,
            treated_mean: (t.1 > 0).then(|| t.0 / t.1 as f64),
            treated_n: t.1,
            comparison_mean: (c.1 > 0).then(|| c.0 / c.1 as f64),
            comparison_n: c.1,
        })
        .collect::<Vec<_>>();
    let balanced = n == units.count() * periods.count();
    Ok(DidFit {
        estimate: twfe.coefficients[0].estimate.clone(),
        se_type: options.se_type,
        nobs: n,
        n_units: units.count(),
        n_treated_units: starts.iter().flatten().count(),
        n_periods: periods.count(),
        n_pre_periods: group_means.iter().filter(|g| g.period < t0).count(),
        treatment_period: t0,
        balanced,
        event_study,
        pretrend,
        group_means,
    })
}

fn design_of(names: Vec<String>, cols: &[Vec<f64>], n: usize) -> Design {
    let k = cols.len();
    Design {
        names,
        x: DMatrix::from_fn(n, k, |r, c| cols[c][r]),
    }
}

/// F = b̂ᵀV̂⁻¹b̂/q on the coefficients `idx`, referred to F(q, df2).
fn wald(
    vcov: &[Vec<f64>],
    coef: &[f64],
    idx: &[usize],
    df2: f64,
    alpha: f64,
    leads: Vec<i64>,
) -> Result<PretrendTest, DidError> {
    let q = idx.len();
    let v = DMatrix::from_fn(q, q, |r, c| vcov[idx[r]][idx[c]]);
    let b = nalgebra::DVector::from_fn(q, |r, _| coef[idx[r]]);
    let chol = v.cholesky().ok_or(RegressionError::Unsupported(
        "the covariance of the event-study leads is singular, so the pre-trend test cannot be computed",
    ))?;
    let statistic = b.dot(&chol.solve(&b)) / q as f64;
    let p_value = f_dist::sf(statistic, q as f64, df2).unwrap_or(f64::NAN);
    Ok(PretrendTest {
        statistic,
        df1: q as f64,
        df2,
        p_value,
        alpha,
        passed: p_value >= alpha,
        leads,
    })
}
