//! Interrupted time series: segmented regression of one series (or, with a control
//! series, of the difference between the two) on time, a level change and a slope
//! change at the intervention, with optional seasonal (month or weekday) effects.
//!
//! # Model
//! With T₀ the intervention period and τ transition periods left out, the effect
//! starts at T₁ = T₀ + τ:
//!
//! y_t = β₀ + β₁(t − t_first) + β₂·[t ≥ T₁] + β₃·(t − T₁)·[t ≥ T₁] + Σ_s γ_s·[season_t = s] + e_t.
//!
//! β₂ is the level change and β₃ the slope change per period. The effect h periods
//! after the intervention date (h ≥ τ) is the counterfactual difference
//! β₂ + β₃(h − τ): the fitted series minus the pre-intervention trend projected
//! forward, with variance cᵀV̂c.
//!
//! Comparative ITS: the same model fitted to the difference treated − control, whose
//! level and slope changes are the differences of differences (for two series
//! observed in the same periods this equals the fully interacted stacked regression,
//! and the HAC covariance then also covers correlation between the two series).
//!
//! # Error models
//! - `ols_hac` (default): least squares with Newey–West HAC standard errors
//!   ([`hac`]): Bartlett kernel, lag ⌊4(T/100)^(2/9)⌋ unless given, no prewhitening,
//!   small-sample factor n/(n − k), t(n − k) intervals.
//! - `prais_winsten`: feasible GLS with AR(1) errors, ρ̂ = Σe_te_{t−1}/Σe²_{t−1} from
//!   the untransformed residuals, the first row kept and scaled by √(1 − ρ̂²), iterated
//!   until ρ̂ changes by less than 1e-13 (at most 1000 times); classical standard
//!   errors of the transformed regression, t(n − k).
//!
//! Diagnostics ([`diagnostics`]): Durbin–Watson, the residual ACF and Ljung–Box
//! (on the transformed residuals for Prais–Winsten).

pub mod diagnostics;
pub mod hac;

use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;
use serde::Serialize;
use thiserror::Error;

use crate::data::periods::{Frequency, PeriodName};
use crate::stats::distributions::t as t_dist;
use crate::stats::estimate::{Alternative, Estimate};
use crate::stats::regression::lm_robust::Coefficient;
use crate::stats::regression::{Design, RegressionError};
pub use diagnostics::{Autocorrelation, LjungBox, autocorrelation};

/// Default minimum numbers of periods before the intervention and after it (after
/// any transition).
pub const DEFAULT_MIN_PRE: usize = 8;
pub const DEFAULT_MIN_POST: usize = 3;
/// Residual autocorrelations shown (lags 1..K) and tested by Ljung–Box.
pub const DEFAULT_ACF_LAGS: usize = 6;
const PW_TOL: f64 = 1e-13;
const PW_MAX_ITER: usize = 1000;

/// How the errors of the segmented regression are modelled.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ErrorModel {
    /// Least squares with Newey–West HAC standard errors.
    #[default]
    OlsHac,
    /// Prais–Winsten feasible GLS with AR(1) errors.
    PraisWinsten,
}

impl ErrorModel {
    pub fn label(self) -> &'static str {
        match self {
            ErrorModel::OlsHac => "least squares with Newey–West standard errors",
            ErrorModel::PraisWinsten => "Prais–Winsten regression with AR(1) errors",
        }
    }
}

/// One series, in any row order. `rows` gives each value's line in the data file, for
/// messages (defaults to position + 1).
#[derive(Debug, Clone, Copy)]
pub struct Series<'a> {
    pub periods: &'a [i64],
    pub outcome: &'a [f64],
    pub control: Option<&'a [f64]>,
    /// Season of each period (month 1–12, weekday 1–7), when seasonality is modelled.
    pub season: Option<&'a [u32]>,
    pub rows: Option<&'a [u64]>,
}

/// Settings of [`fit_series`].
#[derive(Debug, Clone)]
pub struct ItsOptions {
    /// First period of the intervention (T₀).
    pub intervention: i64,
    /// Periods from T₀ left out while the change beds in.
    pub transition: usize,
    /// Newey–West lag; `None` = [`hac::default_lag`] of the fitted periods.
    pub hac_lag: Option<usize>,
    pub error_model: ErrorModel,
    /// Periods after the intervention date at which the effect is reported.
    pub horizons: Vec<usize>,
    pub min_pre: usize,
    pub min_post: usize,
    pub conf_level: f64,
    pub acf_lags: usize,
}

impl Default for ItsOptions {
    fn default() -> Self {
        ItsOptions {
            intervention: 0,
            transition: 0,
            hac_lag: None,
            error_model: ErrorModel::OlsHac,
            horizons: Vec::new(),
            min_pre: DEFAULT_MIN_PRE,
            min_post: DEFAULT_MIN_POST,
            conf_level: 0.95,
            acf_lags: DEFAULT_ACF_LAGS,
        }
    }
}

/// Why a series cannot be analysed.
#[derive(Debug, Error)]
pub enum ItsError {
    #[error(
        "{period} appears twice (rows {first} and {second}); a series needs one row per period"
    )]
    DuplicatePeriod {
        period: PeriodName,
        first: u64,
        second: u64,
    },
    #[error(
        "the series has a gap: no row between {before} (row {before_row}) and {after} (row {after_row}); every period needs a row (a missing month cannot be treated as the next one)"
    )]
    Gap {
        before: PeriodName,
        before_row: u64,
        after: PeriodName,
        after_row: u64,
    },
    #[error(
        "the intervention ({intervention}) is outside the data, which runs from {first} to {last}"
    )]
    InterventionOutside {
        intervention: PeriodName,
        first: PeriodName,
        last: PeriodName,
    },
    #[error(
        "{found} periods before the intervention; an interrupted time series needs at least {needed} to estimate the pre-intervention trend"
    )]
    TooFewPre { found: usize, needed: usize },
    #[error(
        "{found} periods after the intervention (after {transition} transition periods); at least {needed} are needed to estimate the change"
    )]
    TooFewPost {
        found: usize,
        needed: usize,
        transition: usize,
    },
    #[error("row {row}: {what} is {value}; every period needs a finite value")]
    NonFinite {
        row: u64,
        what: &'static str,
        value: f64,
    },
    #[error("{what} has {found} values but the series has {expected}")]
    Length {
        what: &'static str,
        found: usize,
        expected: usize,
    },
    #[error(
        "horizon {horizon} falls inside the {transition} transition periods; horizons count periods after the intervention date and must be at least the transition"
    )]
    HorizonInTransition { horizon: usize, transition: usize },
    #[error(
        "Prais–Winsten did not converge: ρ̂ = {rho} after {iterations} iterations (|ρ̂| must stay below 1)"
    )]
    PraisWinsten { rho: f64, iterations: usize },
    #[error(transparent)]
    Regression(#[from] RegressionError),
}

impl ItsError {
    /// The error with its periods named by their dates (periods numbered so that
    /// date index − `offset` = period number).
    pub fn dated(mut self, offset: i64, frequency: Frequency) -> ItsError {
        match &mut self {
            ItsError::DuplicatePeriod { period, .. } => period.dated(offset, frequency),
            ItsError::Gap { before, after, .. } => {
                before.dated(offset, frequency);
                after.dated(offset, frequency);
            }
            ItsError::InterventionOutside {
                intervention,
                first,
                last,
            } => {
                for p in [intervention, first, last] {
                    p.dated(offset, frequency);
                }
            }
            _ => {}
        }
        self
    }
}

/// The effect at one horizon.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct HorizonEffect {
    /// Periods after the intervention date.
    pub horizon: usize,
    pub period: i64,
    /// Whether the period lies within the data (otherwise the effect is extrapolated).
    pub within_data: bool,
    pub effect: Estimate,
}

/// One period of the fitted series, for the chart.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PathPoint {
    pub period: i64,
    /// The modelled series (the difference for a comparative ITS).
    pub observed: f64,
    /// Observed minus the fitted seasonal effects (equal to `observed` without seasons).
    pub seasonally_adjusted: f64,
    /// Fitted without the seasonal effects; `None` in the transition.
    pub fitted: Option<f64>,
    /// The pre-intervention trend (without seasons), projected forward, with its band.
    pub counterfactual: f64,
    pub counterfactual_low: f64,
    pub counterfactual_high: f64,
    pub in_transition: bool,
}

/// The fit of one series.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ItsFit {
    pub error_model: ErrorModel,
    pub comparative: bool,
    pub n_pre: usize,
    pub n_post: usize,
    pub n_transition: usize,
    /// First and last period in the data, and the intervention period.
    pub first_period: i64,
    pub last_period: i64,
    pub intervention: i64,
    /// Newey–West lag (ols_hac).
    pub hac_lag: Option<usize>,
    /// Whether the lag came from the default rule.
    pub hac_lag_default: bool,
    /// Prais–Winsten AR(1) coefficient and iterations.
    pub rho: Option<f64>,
    pub iterations: Option<usize>,
    #[schemars(with = "Vec<serde_json::Value>")]
    pub coefficients: Vec<Coefficient>,
    pub level_change: Estimate,
    pub slope_change: Estimate,
    /// The pre-intervention slope per period.
    pub pre_trend: Estimate,
    pub horizons: Vec<HorizonEffect>,
    pub autocorrelation: Autocorrelation,
    pub seasons: Vec<u32>,
    pub df: f64,
    #[serde(skip)]
    pub vcov: Vec<Vec<f64>>,
    pub path: Vec<PathPoint>,
}

/// Sorts a series by period and checks it: finite values, one row per period, no gaps.
/// Returns the row order.
pub fn check_series(series: &Series) -> Result<Vec<usize>, ItsError> {
    let n = series.periods.len();
    let row_of = |i: usize| series.rows.map_or(i as u64 + 1, |r| r[i]);
    let lengths: [(&'static str, Option<usize>); 3] = [
        ("the outcome", Some(series.outcome.len())),
        ("the control series", series.control.map(<[f64]>::len)),
        ("the seasons", series.season.map(<[u32]>::len)),
    ];
    for (what, len) in lengths {
        if let Some(found) = len.filter(|&l| l != n) {
            return Err(ItsError::Length {
                what,
                found,
                expected: n,
            });
        }
    }
    for i in 0..n {
        if !series.outcome[i].is_finite() {
            return Err(ItsError::NonFinite {
                row: row_of(i),
                what: "the outcome",
                value: series.outcome[i],
            });
        }
        if let Some(c) = series.control.filter(|c| !c[i].is_finite()) {
            return Err(ItsError::NonFinite {
                row: row_of(i),
                what: "the control series",
                value: c[i],
            });
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| (series.periods[i], i));
    for w in order.windows(2) {
        let (a, b) = (w[0], w[1]);
        let (pa, pb) = (series.periods[a], series.periods[b]);
        if pa == pb {
            return Err(ItsError::DuplicatePeriod {
                period: pa.into(),
                first: row_of(a),
                second: row_of(b),
            });
        }
        if pb != pa + 1 {
            return Err(ItsError::Gap {
                before: pa.into(),
                before_row: row_of(a),
                after: pb.into(),
                after_row: row_of(b),
            });
        }
    }
    Ok(order)
}

/// Fits the segmented regression of one series.
///
/// # Errors
/// Duplicated or missing periods (naming the rows), an intervention outside the data,
/// too few periods before or after, a horizon inside the transition, a singular fit,
/// Prais–Winsten leaving |ρ̂| < 1.
pub fn fit_series(series: &Series, options: &ItsOptions) -> Result<ItsFit, ItsError> {
    let order = check_series(series)?;
    let Some((&first_row, &last_row)) = order.first().zip(order.last()) else {
        return Err(ItsError::TooFewPre {
            found: 0,
            needed: options.min_pre,
        });
    };
    let first = series.periods[first_row];
    let last = series.periods[last_row];
    let t0 = options.intervention;
    if t0 <= first || t0 > last {
        if t0 == first {
            return Err(ItsError::TooFewPre {
                found: 0,
                needed: options.min_pre,
            });
        }
        return Err(ItsError::InterventionOutside {
            intervention: t0.into(),
            first: first.into(),
            last: last.into(),
        });
    }
    for &h in &options.horizons {
        if h < options.transition {
            return Err(ItsError::HorizonInTransition {
                horizon: h,
                transition: options.transition,
            });
        }
    }
    let t1 = t0 + options.transition as i64;
    let value = |i: usize| series.outcome[i] - series.control.map_or(0.0, |c| c[i]);
    let n_pre = (t0 - first) as usize;
    let n_transition = options.transition.min((last - t0 + 1) as usize);
    let n_post = (last - t1 + 1).max(0) as usize;
    if n_pre < options.min_pre {
        return Err(ItsError::TooFewPre {
            found: n_pre,
            needed: options.min_pre,
        });
    }
    if n_post < options.min_post.max(1) {
        return Err(ItsError::TooFewPost {
            found: n_post,
            needed: options.min_post.max(1),
            transition: options.transition,
        });
    }
    let seasons: Vec<u32> = match series.season {
        Some(s) => {
            let mut levels: Vec<u32> = order.iter().map(|&i| s[i]).collect();
            levels.sort_unstable();
            levels.dedup();
            levels
        }
        None => Vec::new(),
    };
    let fitted_rows: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&i| {
            let p = series.periods[i];
            p < t0 || p >= t1
        })
        .collect();
    let row_x = |i: usize| -> Vec<f64> {
        let p = series.periods[i];
        let post = if p >= t1 { 1.0 } else { 0.0 };
        let mut x = vec![1.0, (p - first) as f64, post, post * (p - t1) as f64];
        if let Some(s) = series.season {
            x.extend(seasons.iter().skip(1).map(|&l| f64::from(s[i] == l)));
        }
        x
    };
    let mut names: Vec<String> = ["(Intercept)", "time", "level_change", "slope_change"]
        .map(String::from)
        .to_vec();
    names.extend(seasons.iter().skip(1).map(|l| format!("season{l}")));
    let k = names.len();
    let n = fitted_rows.len();
    let x = DMatrix::from_fn(n, k, |r, c| row_x(fitted_rows[r])[c]);
    let y = DVector::from_fn(n, |r, _| value(fitted_rows[r]));
    let (beta, vcov, resid_for_diag, lag, rho, iterations) = match options.error_model {
        ErrorModel::OlsHac => {
            let (beta, xtx_inv, e) = least_squares(&x, &y, &names)?;
            let lag = options.hac_lag.unwrap_or_else(|| hac::default_lag(n));
            let v = hac::newey_west(&x, &e, &xtx_inv, lag, true);
            (beta, v, e, Some(lag), None, None)
        }
        ErrorModel::PraisWinsten => {
            let pw = prais_winsten(&x, &y, &names)?;
            (
                pw.beta,
                pw.vcov,
                pw.transformed_residuals,
                None,
                Some(pw.rho),
                Some(pw.iterations),
            )
        }
    };
    let df = (n - k) as f64;
    let estimate = |c: &DVector<f64>, what: &str| -> Result<Estimate, ItsError> {
        let est = c.dot(&beta);
        let var = (c.transpose() * &vcov * c)[(0, 0)];
        if !(var.is_finite() && var > 0.0) {
            return Err(RegressionError::DegenerateVariance {
                column: format!("the variance of {what}"),
                value: var,
            }
            .into());
        }
        Ok(Estimate::from_t(
            est,
            var.sqrt(),
            df,
            options.conf_level,
            Alternative::TwoSided,
        ))
    };
    let unit = |j: usize| DVector::from_fn(k, |r, _| f64::from(r == j));
    let coefficients = names
        .iter()
        .enumerate()
        .map(|(j, name)| {
            Ok(Coefficient {
                term: name.clone(),
                estimate: estimate(&unit(j), name)?,
            })
        })
        .collect::<Result<Vec<_>, ItsError>>()?;
    let horizons = options
        .horizons
        .iter()
        .map(|&h| {
            let mut c = DVector::zeros(k);
            c[2] = 1.0;
            c[3] = (h - options.transition) as f64;
            let period = t0 + h as i64;
            Ok(HorizonEffect {
                horizon: h,
                period,
                within_data: period <= last,
                effect: estimate(&c, "the effect at a horizon")?,
            })
        })
        .collect::<Result<Vec<_>, ItsError>>()?;
    let q = t_dist::quantile(0.5 + options.conf_level / 2.0, df).unwrap_or(f64::NAN);
    let path = order
        .iter()
        .map(|&i| {
            let p = series.periods[i];
            let xi = row_x(i);
            let seasonal: f64 = (4..k).map(|j| xi[j] * beta[j]).sum();
            let mut cf = DVector::zeros(k);
            cf[0] = 1.0;
            cf[1] = xi[1];
            let cf_value = cf.dot(&beta);
            let cf_se = (cf.transpose() * &vcov * &cf)[(0, 0)].max(0.0).sqrt();
            let in_transition = p >= t0 && p < t1;
            PathPoint {
                period: p,
                observed: value(i),
                seasonally_adjusted: value(i) - seasonal,
                fitted: (!in_transition).then(|| (0..4).map(|j| xi[j] * beta[j]).sum()),
                counterfactual: cf_value,
                counterfactual_low: cf_value - q * cf_se,
                counterfactual_high: cf_value + q * cf_se,
                in_transition,
            }
        })
        .collect();
    Ok(ItsFit {
        error_model: options.error_model,
        comparative: series.control.is_some(),
        n_pre,
        n_post,
        n_transition,
        first_period: first,
        last_period: last,
        intervention: t0,
        hac_lag: lag,
        hac_lag_default: lag.is_some() && options.hac_lag.is_none(),
        rho,
        iterations,
        level_change: coefficients[2].estimate.clone(),
        slope_change: coefficients[3].estimate.clone(),
        pre_trend: coefficients[1].estimate.clone(),
        coefficients,
        horizons,
        autocorrelation: autocorrelation(resid_for_diag.as_slice(), options.acf_lags),
        seasons,
        df,
        vcov: (0..k)
            .map(|r| (0..k).map(|c| vcov[(r, c)]).collect())
            .collect(),
        path,
    })
}

/// Fits many series (an analyst looping over wards) in parallel; results in input
/// order, each its own `Result`.
pub fn fit_many(series: &[Series], options: &ItsOptions) -> Vec<Result<ItsFit, ItsError>> {
    series.par_iter().map(|s| fit_series(s, options)).collect()
}

/// β̂, (XᵀX)⁻¹ and the residuals.
type LeastSquares = (DVector<f64>, DMatrix<f64>, DVector<f64>);

/// β̂, (XᵀX)⁻¹ and the residuals, through the crate's QR least squares.
fn least_squares(
    x: &DMatrix<f64>,
    y: &DVector<f64>,
    names: &[String],
) -> Result<LeastSquares, RegressionError> {
    let design = Design {
        names: names.to_vec(),
        x: x.clone(),
    };
    let fit = crate::stats::regression::ols::fit_ols(&design, y.as_slice(), None)?;
    Ok((fit.coef.clone(), fit.xtx_inv.clone(), fit.residuals.clone()))
}

struct PraisWinstenFit {
    beta: DVector<f64>,
    vcov: DMatrix<f64>,
    rho: f64,
    iterations: usize,
    transformed_residuals: DVector<f64>,
}

/// The Prais–Winsten transform of rows (first row scaled by √(1 − ρ²)).
fn pw_transform(m: &DMatrix<f64>, rho: f64) -> DMatrix<f64> {
    let (n, k) = m.shape();
    let s = (1.0 - rho * rho).sqrt();
    DMatrix::from_fn(n, k, |r, c| {
        if r == 0 {
            s * m[(0, c)]
        } else {
            m[(r, c)] - rho * m[(r - 1, c)]
        }
    })
}

fn prais_winsten(
    x: &DMatrix<f64>,
    y: &DVector<f64>,
    names: &[String],
) -> Result<PraisWinstenFit, ItsError> {
    let (mut beta, _, _) = least_squares(x, y, names)?;
    let ym = DMatrix::from_column_slice(y.len(), 1, y.as_slice());
    let mut rho = 0.0;
    for iteration in 1..=PW_MAX_ITER {
        let e = y - x * &beta;
        let n = e.len();
        let num: f64 = (1..n).map(|t| e[t] * e[t - 1]).sum();
        let den: f64 = (0..n - 1).map(|t| e[t] * e[t]).sum();
        let rho_new = num / den;
        if !(rho_new.is_finite() && rho_new.abs() < 1.0) {
            return Err(ItsError::PraisWinsten {
                rho: rho_new,
                iterations: iteration,
            });
        }
        let xt = pw_transform(x, rho_new);
        let yt = DVector::from_column_slice(pw_transform(&ym, rho_new).as_slice());
        let (b, xtx_inv, rt) = least_squares(&xt, &yt, names)?;
        beta = b;
        let done = (rho_new - rho).abs() < PW_TOL;
        rho = rho_new;
        if done || iteration == PW_MAX_ITER {
            if !done {
                return Err(ItsError::PraisWinsten {
                    rho,
                    iterations: iteration,
                });
            }
            let (n, k) = x.shape();
            let s2 = rt.norm_squared() / (n - k) as f64;
            return Ok(PraisWinstenFit {
                beta,
                vcov: xtx_inv * s2,
                rho,
                iterations: iteration,
                transformed_residuals: rt,
            });
        }
    }
    unreachable!("the loop returns at its last iteration")
}
