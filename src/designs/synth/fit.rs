//! The three fits of one treated series to its donors: outcome-only (identity V on
//! every pre-period outcome, a convex QP with one answer), nested (Abadie, Diamond
//! and Hainmueller 2010: predictor weights V chosen to minimise the pre-period
//! outcome MSPE, the inner weights by QP) and augmented (ridge ASCM, Ben-Michael,
//! Feller and Rothstein 2021).

use std::cell::RefCell;

use argmin::core::{CostFunction, Executor};
use argmin::solver::neldermead::NelderMead;
use nalgebra::{DMatrix, DVector};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::SynthError;
use super::qp::{
    ActiveSetOutcome, ExactRows, WarmStart, simplex_weights, simplex_weights_active_set,
    simplex_weights_reproducing,
};

/// Which fit, with its settings.
#[derive(Debug, Clone, PartialEq)]
pub enum Method {
    OutcomeOnly,
    Nested {
        /// Starts of the outer search: the first is equal V, the rest random (seeded).
        starts: usize,
        seed: u64,
    },
    Augmented {
        /// Declared ridge penalty; `None` chooses it by cross-validation.
        lambda: Option<f64>,
    },
}

impl Method {
    pub fn name(&self) -> &'static str {
        match self {
            Method::OutcomeOnly => "outcome_only",
            Method::Nested { .. } => "nested",
            Method::Augmented { .. } => "augmented",
        }
    }
}

/// One unit's series and the donors it is fitted to. Predictor vectors are empty for
/// the outcome-only and augmented fits.
pub struct Problem<'a> {
    pub treated: &'a [f64],
    pub donors: Vec<&'a [f64]>,
    /// Pre-period length: periods `0..n_pre` are before the intervention.
    pub n_pre: usize,
    /// Predictor values of the treated unit (nested fit).
    pub treated_predictors: Vec<f64>,
    /// Predictor values of each donor, in donor order (nested fit).
    pub donor_predictors: Vec<Vec<f64>>,
}

/// A fitted synthetic unit.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Fit {
    /// Donor weights in donor order: non-negative and summing to one (for the
    /// augmented fit, the synthetic-control weights before the ridge correction).
    pub weights: Vec<f64>,
    /// Augmented fit: the implied weights after the ridge correction (they sum to one
    /// but may be negative).
    pub augmented_weights: Option<Vec<f64>>,
    /// Nested fit: the predictor weights V (sum to one).
    pub predictor_weights: Option<Vec<f64>>,
    /// The synthetic series, every period.
    pub synthetic: Vec<f64>,
    /// Mean squared pre-period prediction error of the outcome (the nested fit's loss).
    pub pre_mspe: f64,
    /// Augmented fit: the ridge penalty used, and whether cross-validation chose it.
    pub lambda: Option<f64>,
    pub lambda_cross_validated: bool,
    /// Nested fit: the loss each start of the outer search ended at.
    pub start_losses: Vec<f64>,
}

pub fn fit(problem: &Problem, method: &Method) -> Result<Fit, SynthError> {
    match method {
        Method::OutcomeOnly => outcome_only(problem),
        Method::Nested { starts, seed } => nested(problem, *starts, *seed),
        Method::Augmented { lambda } => augmented(problem, *lambda),
    }
}

/// The root mean square of all pre-period outcomes: the scale the solver sees.
fn outcome_scale(problem: &Problem) -> f64 {
    let pre = problem.n_pre;
    let mut sum = 0.0;
    let mut n = 0usize;
    for series in std::iter::once(problem.treated).chain(problem.donors.iter().copied()) {
        for y in &series[..pre] {
            sum += y * y;
            n += 1;
        }
    }
    (sum / n as f64).sqrt()
}

fn synthetic_series(donors: &[&[f64]], weights: &[f64]) -> Vec<f64> {
    let periods = donors[0].len();
    (0..periods)
        .map(|t| donors.iter().zip(weights).map(|(d, w)| w * d[t]).sum())
        .collect()
}

fn mspe(treated: &[f64], synthetic: &[f64], periods: std::ops::Range<usize>) -> f64 {
    let n = periods.len() as f64;
    periods
        .map(|t| (treated[t] - synthetic[t]).powi(2))
        .sum::<f64>()
        / n
}

/// Outcome-only weights on the first `n_pre` periods.
fn outcome_weights(problem: &Problem, n_pre: usize) -> Result<Vec<f64>, SynthError> {
    let x0: Vec<&[f64]> = problem.donors.iter().map(|d| &d[..n_pre]).collect();
    simplex_weights(
        &problem.treated[..n_pre],
        &x0,
        &vec![1.0; n_pre],
        outcome_scale(problem),
    )
}

fn outcome_only(problem: &Problem) -> Result<Fit, SynthError> {
    let weights = outcome_weights(problem, problem.n_pre)?;
    Ok(finish(problem, weights))
}

fn finish(problem: &Problem, weights: Vec<f64>) -> Fit {
    let synthetic = synthetic_series(&problem.donors, &weights);
    let pre_mspe = mspe(problem.treated, &synthetic, 0..problem.n_pre);
    Fit {
        weights,
        augmented_weights: None,
        predictor_weights: None,
        synthetic,
        pre_mspe,
        lambda: None,
        lambda_cross_validated: false,
        start_losses: Vec::new(),
    }
}

/// The outer loss of the nested fit at predictor weights `v`.
#[derive(Clone)]
struct OuterLoss<'a> {
    problem: &'a Problem<'a>,
    /// Standardised predictors: treated, then donors (each row divided by its SD
    /// across all units, as Synth does, so V weighs comparable numbers).
    x1: Vec<f64>,
    x0: Vec<Vec<f64>>,
    /// Outcome scale squared: the loss is divided by it so the simplex tolerance is
    /// relative.
    scale2: f64,
    /// Where the next inner solve starts (the previous evaluation's support).
    warm: RefCell<WarmStart>,
}

impl OuterLoss<'_> {
    fn predictor_weights(theta: &[f64]) -> Vec<f64> {
        let total: f64 = theta.iter().map(|t| t.abs()).sum();
        if total == 0.0 || !total.is_finite() {
            return vec![1.0 / theta.len() as f64; theta.len()];
        }
        theta.iter().map(|t| t.abs() / total).collect()
    }

    /// The inner weights at `v` during the search: the exact active-set solve when it
    /// certifies a unique optimum (almost always once the treated predictors are
    /// outside the donors' hull), the interior point otherwise.
    fn weights(&self, v: &[f64]) -> Result<Vec<f64>, SynthError> {
        let x0: Vec<&[f64]> = self.x0.iter().map(Vec::as_slice).collect();
        match simplex_weights_active_set(&self.x1, &x0, v, &mut self.warm.borrow_mut()) {
            ActiveSetOutcome::Unique(w) => Ok(w),
            ActiveSetOutcome::Reproduced(_) | ActiveSetOutcome::Uncertain => {
                simplex_weights(&self.x1, &x0, v, 1.0)
            }
        }
    }

    /// The weights the fit reports at the chosen `v`: always re-solved by the
    /// maintained QP crate (Clarabel), the active set serving only the search.
    fn reported_weights(&self, v: &[f64]) -> Result<Vec<f64>, SynthError> {
        let x0: Vec<&[f64]> = self.x0.iter().map(Vec::as_slice).collect();
        simplex_weights(&self.x1, &x0, v, 1.0)
    }

    /// Weights reproducing the treated predictors exactly, if some convex combination
    /// of the donors' does. Then every V is minimised by the same set of weights, and
    /// the outer search has nothing to choose.
    fn reproducing(&self) -> Option<Vec<f64>> {
        let x0: Vec<&[f64]> = self.x0.iter().map(Vec::as_slice).collect();
        let equal = vec![1.0 / self.x1.len() as f64; self.x1.len()];
        match simplex_weights_active_set(&self.x1, &x0, &equal, &mut WarmStart::default()) {
            ActiveSetOutcome::Reproduced(w) => Some(w),
            _ => None,
        }
    }

    fn loss(&self, w: &[f64]) -> f64 {
        let p = self.problem;
        // The active-set weights have at most k + 1 non-zero entries: skip the rest.
        let used: Vec<(&[f64], f64)> = p
            .donors
            .iter()
            .zip(w)
            .filter(|(_, w)| **w != 0.0)
            .map(|(d, w)| (*d, *w))
            .collect();
        (0..p.n_pre)
            .map(|t| {
                let s: f64 = used.iter().map(|(d, w)| w * d[t]).sum();
                (p.treated[t] - s).powi(2)
            })
            .sum::<f64>()
            / p.n_pre as f64
    }
}

impl CostFunction for OuterLoss<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, theta: &Self::Param) -> Result<f64, argmin::core::Error> {
        let v = Self::predictor_weights(theta);
        let w = self.weights(&v)?;
        Ok(self.loss(&w) / self.scale2)
    }
}

/// Outer-search limits: Nelder–Mead stops when the losses at the simplex's vertices
/// have a standard deviation below 1e-10 (relative to the outcome's scale squared) or
/// after 1,000 iterations.
const OUTER_SD_TOLERANCE: f64 = 1e-10;
const OUTER_MAX_ITERS: u64 = 1_000;

fn nested(problem: &Problem, starts: usize, seed: u64) -> Result<Fit, SynthError> {
    let k = problem.treated_predictors.len();
    if k == 0 {
        return Err(SynthError::NoPredictors);
    }
    let units = problem.donor_predictors.len() + 1;
    let standardise: Vec<f64> = (0..k)
        .map(|i| {
            let values: Vec<f64> = std::iter::once(problem.treated_predictors[i])
                .chain(problem.donor_predictors.iter().map(|d| d[i]))
                .collect();
            let mean = values.iter().sum::<f64>() / units as f64;
            let var = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (units as f64 - 1.0);
            if var > 0.0 { var.sqrt() } else { 1.0 }
        })
        .collect();
    let scale = outcome_scale(problem);
    let loss = OuterLoss {
        problem,
        x1: (0..k)
            .map(|i| problem.treated_predictors[i] / standardise[i])
            .collect(),
        x0: problem
            .donor_predictors
            .iter()
            .map(|d| (0..k).map(|i| d[i] / standardise[i]).collect())
            .collect(),
        scale2: scale * scale,
        warm: RefCell::new(WarmStart::default()),
    };
    if k == 1 {
        let w = loss.reported_weights(&[1.0])?;
        let mut fit = finish(problem, w);
        fit.predictor_weights = Some(vec![1.0]);
        fit.start_losses = vec![fit.pre_mspe];
        return Ok(fit);
    }
    if let Some(vertex) = loss.reproducing() {
        // Every V gives the same optimal set, the simplex points with X0 w = x1, so
        // the outer loss is flat in V except for which point the inner solver happens
        // to return. Take the point the nested fit is after: among the weights that
        // reproduce the predictors, those with the smallest pre-period outcome MSPE
        // (one QP). Every start would end there; V is reported equal.
        let x0: Vec<&[f64]> = loss.x0.iter().map(Vec::as_slice).collect();
        // The target is the active set's exact combination, so the rows can be met.
        let target: Vec<f64> = (0..k)
            .map(|i| x0.iter().zip(&vertex).map(|(d, w)| w * d[i]).sum())
            .collect();
        let pre_donors: Vec<&[f64]> = problem.donors.iter().map(|d| &d[..problem.n_pre]).collect();
        let w = simplex_weights_reproducing(
            &problem.treated[..problem.n_pre],
            &pre_donors,
            &vec![1.0; problem.n_pre],
            scale,
            &ExactRows {
                target: &target,
                donors: &x0,
            },
        )?;
        let mut fit = finish(problem, w);
        fit.predictor_weights = Some(vec![1.0 / k as f64; k]);
        fit.start_losses = vec![fit.pre_mspe; starts.max(1)];
        return Ok(fit);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut best: Option<(Vec<f64>, f64)> = None;
    let mut start_losses = Vec::with_capacity(starts.max(1));
    for start in 0..starts.max(1) {
        let theta0: Vec<f64> = if start == 0 {
            vec![1.0 / k as f64; k]
        } else {
            let raw: Vec<f64> = (0..k)
                .map(|_| ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64)
                .collect();
            let total: f64 = raw.iter().sum();
            raw.iter().map(|x| x / total).collect()
        };
        let mut simplex = vec![theta0.clone()];
        for i in 0..k {
            let mut vertex = theta0.clone();
            vertex[i] += 0.5 / k as f64;
            simplex.push(vertex);
        }
        let solver = NelderMead::new(simplex)
            .with_sd_tolerance(OUTER_SD_TOLERANCE)
            .map_err(|e| SynthError::Solver(e.to_string()))?;
        let result = Executor::new(loss.clone(), solver)
            .configure(|state| state.max_iters(OUTER_MAX_ITERS))
            .run()
            .map_err(|e| SynthError::Solver(e.to_string()))?;
        let state = result.state();
        let theta = state
            .best_param
            .clone()
            .ok_or_else(|| SynthError::Solver("the outer search found no point".into()))?;
        let cost = state.best_cost * loss.scale2;
        start_losses.push(cost);
        if best.as_ref().is_none_or(|(_, c)| cost < *c) {
            best = Some((theta, cost));
        }
    }
    let (theta, _) = best.expect("at least one start");
    let v = OuterLoss::predictor_weights(&theta);
    let w = loss.reported_weights(&v)?;
    let mut fit = finish(problem, w);
    fit.predictor_weights = Some(v);
    fit.start_losses = start_losses;
    Ok(fit)
}

/// Cross-validation grid: 20 penalties log-spaced from the largest squared singular
/// value of the centred donor matrix down to 1e-8 times it (augsynth's
/// `create_lambda_list`).
const LAMBDA_GRID: usize = 20;
const LAMBDA_MIN_RATIO: f64 = 1e-8;

/// Ridge correction weights: `X_c (X_c' X_c + lambda I)^-1 (x1c - X_c' w)` where
/// `X_c` is the donors' pre-period matrix (donors by periods) centred on the donor
/// means, `x1c` the treated series centred the same way.
fn ridge_correction(
    donors: &[&[f64]],
    treated: &[f64],
    w: &[f64],
    periods: usize,
    lambda: f64,
) -> Result<Vec<f64>, SynthError> {
    let j = donors.len();
    let means: Vec<f64> = (0..periods)
        .map(|t| donors.iter().map(|d| d[t]).sum::<f64>() / j as f64)
        .collect();
    let xc = DMatrix::from_fn(j, periods, |r, t| donors[r][t] - means[t]);
    let x1c = DVector::from_fn(periods, |t, _| treated[t] - means[t]);
    let imbalance = &x1c - xc.transpose() * DVector::from_column_slice(w);
    let gram = xc.transpose() * &xc + DMatrix::identity(periods, periods) * lambda;
    let solved = gram
        .cholesky()
        .ok_or(SynthError::Solver(
            "the ridge system is not positive definite".into(),
        ))?
        .solve(&imbalance);
    let correction = &xc * solved;
    Ok(w.iter()
        .zip(correction.iter())
        .map(|(a, b)| a + b)
        .collect())
}

fn lambda_grid(donors: &[&[f64]], periods: usize) -> Vec<f64> {
    let j = donors.len();
    let means: Vec<f64> = (0..periods)
        .map(|t| donors.iter().map(|d| d[t]).sum::<f64>() / j as f64)
        .collect();
    let xc = DMatrix::from_fn(j, periods, |r, t| donors[r][t] - means[t]);
    let top = xc
        .singular_values()
        .iter()
        .cloned()
        .fold(0.0_f64, f64::max)
        .powi(2);
    (0..LAMBDA_GRID)
        .map(|i| {
            let step = i as f64 / (LAMBDA_GRID - 1) as f64;
            top * LAMBDA_MIN_RATIO.powf(step)
        })
        .collect()
}

/// augsynth's cross-validation (holdout length 1): for each split s = 1..n_pre-1 fit
/// the synthetic control on periods before s, correct it with each penalty, and
/// predict the treated unit's outcome at period s; the error of a penalty is the mean
/// squared prediction error over the splits. The largest penalty whose error is
/// within one standard error of the smallest is chosen (the "one-SE" rule).
pub fn cross_validated_lambda(problem: &Problem) -> Result<(f64, Vec<LambdaError>), SynthError> {
    let grid = lambda_grid(&problem.donors, problem.n_pre);
    let splits: Vec<usize> = (1..problem.n_pre).collect();
    let fitted: Vec<Vec<f64>> = splits
        .iter()
        .map(|&s| outcome_weights(problem, s))
        .collect::<Result<_, _>>()?;
    let mut table = Vec::with_capacity(grid.len());
    for &lambda in &grid {
        let mut errors = Vec::with_capacity(splits.len());
        for (&s, w) in splits.iter().zip(&fitted) {
            let aug = ridge_correction(&problem.donors, problem.treated, w, s, lambda)?;
            let predicted: f64 = problem.donors.iter().zip(&aug).map(|(d, w)| w * d[s]).sum();
            errors.push((problem.treated[s] - predicted).powi(2));
        }
        let n = errors.len() as f64;
        let mean = errors.iter().sum::<f64>() / n;
        let sd = if errors.len() > 1 {
            (errors.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        } else {
            0.0
        };
        table.push(LambdaError {
            lambda,
            error: mean,
            std_error: sd / n.sqrt(),
        });
    }
    let best = table
        .iter()
        .min_by(|a, b| a.error.total_cmp(&b.error))
        .expect("non-empty grid");
    let bound = best.error + best.std_error;
    let chosen = table
        .iter()
        .filter(|row| row.error <= bound)
        .map(|row| row.lambda)
        .fold(f64::NEG_INFINITY, f64::max);
    Ok((chosen, table))
}

/// One row of the cross-validation table.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct LambdaError {
    pub lambda: f64,
    /// Mean squared one-period-ahead prediction error over the splits.
    pub error: f64,
    pub std_error: f64,
}

fn augmented(problem: &Problem, lambda: Option<f64>) -> Result<Fit, SynthError> {
    let weights = outcome_weights(problem, problem.n_pre)?;
    let (lambda, cross_validated) = match lambda {
        Some(l) => (l, false),
        None => (cross_validated_lambda(problem)?.0, true),
    };
    let aug = ridge_correction(
        &problem.donors,
        problem.treated,
        &weights,
        problem.n_pre,
        lambda,
    )?;
    let synthetic = synthetic_series(&problem.donors, &aug);
    let pre_mspe = mspe(problem.treated, &synthetic, 0..problem.n_pre);
    Ok(Fit {
        weights,
        augmented_weights: Some(aug),
        predictor_weights: None,
        synthetic,
        pre_mspe,
        lambda: Some(lambda),
        lambda_cross_validated: cross_validated,
        start_losses: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Twelve donors with their outcomes at two periods as predictors, and a treated
    /// unit whose predictors are the donors' average (inside their hull) but whose other
    /// periods follow donor 0.
    fn inside_the_hull() -> (Vec<f64>, Vec<Vec<f64>>) {
        let donors: Vec<Vec<f64>> = (0..12)
            .map(|j| {
                let jf = j as f64;
                (0..10)
                    .map(|t| {
                        let tf = t as f64;
                        10.0 + jf * 0.3 + (tf * (0.5 + jf / 7.0)).sin() * (1.0 + jf / 5.0)
                    })
                    .collect()
            })
            .collect();
        let mut treated = donors[0].clone();
        for t in [2, 6] {
            treated[t] = donors.iter().map(|d| d[t]).sum::<f64>() / donors.len() as f64;
        }
        (treated, donors)
    }

    #[test]
    fn reproduced_predictors_take_the_best_fitting_reproduction() {
        let (treated, donors) = inside_the_hull();
        let problem = Problem {
            treated: &treated,
            donors: donors.iter().map(Vec::as_slice).collect(),
            n_pre: 8,
            treated_predictors: vec![treated[2], treated[6]],
            donor_predictors: donors.iter().map(|d| vec![d[2], d[6]]).collect(),
        };
        let ours = fit(&problem, &Method::Nested { starts: 3, seed: 5 }).unwrap();
        assert_eq!(ours.predictor_weights, Some(vec![0.5, 0.5]));
        assert_eq!(ours.start_losses, vec![ours.pre_mspe; 3]);
        for (i, t) in [2, 6].into_iter().enumerate() {
            let fitted: f64 = donors
                .iter()
                .zip(&ours.weights)
                .map(|(d, w)| w * d[t])
                .sum();
            assert!(
                (fitted - problem.treated_predictors[i]).abs() < 1e-7,
                "{fitted}"
            );
        }
        // The interior point's pick among the same reproductions, at several V: never
        // a better outcome fit.
        let x0: Vec<&[f64]> = problem.donor_predictors.iter().map(Vec::as_slice).collect();
        for v in [[0.5, 0.5], [0.9, 0.1], [0.2, 0.8]] {
            let w = simplex_weights(&problem.treated_predictors, &x0, &v, 1.0).unwrap();
            let theirs = finish(&problem, w).pre_mspe;
            assert!(
                ours.pre_mspe <= theirs * (1.0 + 1e-9),
                "{} vs {theirs}",
                ours.pre_mspe
            );
        }
    }
}
