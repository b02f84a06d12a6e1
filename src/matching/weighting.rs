//! Weighting instead of matching (WeightIt semantics): inverse probability weights
//! (ATT, ATC, ATE), overlap weights (Li, Morgan and Zaslavsky 2018) and entropy
//! balancing (Hainmueller 2012), with optional trimming at a quantile and Kish's
//! effective sample size.
//!
//! Entropy balancing finds the weights closest to uniform (in Kullback–Leibler
//! divergence) whose weighted covariate means equal the target group's means. It is
//! solved through its convex dual, min over λ of log Σᵢ exp(λ·(xᵢ − m)), by Newton's
//! method with a backtracking line search: the dual has k unknowns (one per
//! covariate), its gradient is the moment imbalance and its Hessian the weighted
//! covariance, so each step costs one pass over the units and a k × k Cholesky solve
//! (nalgebra). Newton converges quadratically on this smooth, strictly convex dual,
//! which gets the moment conditions to 1e-10 (relative to each covariate's SD) in a
//! handful of steps; a general-purpose optimiser crate (argmin) would add a
//! dependency for a 20-line loop and converge more slowly (quasi-Newton).

use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;

use super::{MatchError, MatchInput, MatchStatus};
use crate::spec::matching::{Distance, Estimand, MatchMethod, MatchingPlan};

/// Largest standardised moment imbalance accepted from entropy balancing.
pub const ENTROPY_TOLERANCE: f64 = 1e-8;
/// Newton steps allowed before the target is declared unreachable.
const ENTROPY_MAX_STEPS: usize = 200;

/// Runs ipw, overlap or entropy; returns each unit's weight.
pub(crate) fn run(
    plan: &MatchingPlan,
    input: &MatchInput,
    score: Option<&[f64]>,
    status: &mut [MatchStatus],
    notes: &mut Vec<String>,
) -> Result<Vec<f64>, MatchError> {
    let n = input.ids.len();
    let usable: Vec<usize> = (0..n)
        .filter(|&i| status[i] == MatchStatus::Unmatched)
        .collect();
    let mut weights = vec![0.0; n];
    match plan.method {
        MatchMethod::Ipw | MatchMethod::Overlap => {
            let score = score.expect("validation gives ipw and overlap a propensity score");
            let logit = matches!(
                plan.distance,
                Some(Distance::PropensityScore { logit: true })
            );
            for &i in &usable {
                let e = if logit {
                    1.0 / (1.0 + (-score[i]).exp())
                } else {
                    score[i]
                };
                if !(e > 0.0 && e < 1.0) {
                    return Err(MatchError::BadScore {
                        path: input.path.clone(),
                        line: input.line(i),
                        column: "propensity score".into(),
                        value: crate::report::format::shortest(e),
                    });
                }
                let t = input.treated[i];
                weights[i] = match (plan.method, plan.estimand, t) {
                    (MatchMethod::Overlap, _, true) => 1.0 - e,
                    (MatchMethod::Overlap, _, false) => e,
                    (_, Estimand::Att, true) => 1.0,
                    (_, Estimand::Att, false) => e / (1.0 - e),
                    (_, Estimand::Atc, true) => (1.0 - e) / e,
                    (_, Estimand::Atc, false) => 1.0,
                    (_, _, true) => 1.0 / e,
                    (_, _, false) => 1.0 / (1.0 - e),
                };
            }
        }
        MatchMethod::Entropy => {
            input.check_variance()?;
            let group = |t: bool| -> Vec<usize> {
                usable
                    .iter()
                    .copied()
                    .filter(|&i| input.treated[i] == t)
                    .collect()
            };
            let (treated, control) = (group(true), group(false));
            let means = |units: &[usize]| -> Vec<f64> {
                input
                    .columns
                    .iter()
                    .map(|c| units.iter().map(|&i| c[i]).sum::<f64>() / units.len() as f64)
                    .collect()
            };
            let balance = |weights: &mut [f64],
                           reweighted: &[usize],
                           target: Vec<f64>|
             -> Result<(), MatchError> {
                let w = entropy_balance_at(
                    &input.columns,
                    Some(reweighted),
                    &target,
                    &input.covariate_names,
                )?;
                for (&i, wi) in reweighted.iter().zip(w) {
                    weights[i] = wi;
                }
                Ok(())
            };
            match plan.estimand {
                Estimand::Att => {
                    for &i in &treated {
                        weights[i] = 1.0;
                    }
                    balance(&mut weights, &control, means(&treated))?;
                }
                Estimand::Atc => {
                    for &i in &control {
                        weights[i] = 1.0;
                    }
                    balance(&mut weights, &treated, means(&control))?;
                }
                _ => {
                    let all = means(&usable);
                    balance(&mut weights, &control, all.clone())?;
                    balance(&mut weights, &treated, all)?;
                }
            }
        }
        _ => unreachable!("weighting::run handles ipw, overlap and entropy"),
    }
    if let Some(at) = plan.trim {
        let trimmed_groups: &[bool] = match plan.estimand {
            Estimand::Att => &[false],
            Estimand::Atc => &[true],
            _ => &[true, false],
        };
        for &t in trimmed_groups {
            let group: Vec<f64> = usable
                .iter()
                .filter(|&&i| input.treated[i] == t)
                .map(|&i| weights[i])
                .collect();
            let cap = super::strata::quantiles_type7(&group, &[at])[0];
            let mut capped = 0;
            for &i in &usable {
                if input.treated[i] == t && weights[i] > cap {
                    weights[i] = cap;
                    capped += 1;
                }
            }
            notes.push(format!(
                "{capped} {} weights above their {} quantile were trimmed to it ({})",
                if t { "treated" } else { "untreated" },
                crate::report::format::shortest(at),
                crate::report::format::shortest(cap)
            ));
        }
    }
    for &i in &usable {
        status[i] = MatchStatus::Matched;
    }
    Ok(weights)
}

/// Kish's effective sample size (Σw)²/Σw².
pub fn effective_sample_size(weights: &[f64]) -> f64 {
    let (s, s2) = weights
        .iter()
        .fold((0.0, 0.0), |(s, s2), w| (s + w, s2 + w * w));
    if s2 > 0.0 { s * s / s2 } else { 0.0 }
}

/// Rows handled by one task of [`in_fixed_chunks`].
const SUM_CHUNK_ROWS: usize = 8192;

/// Σᵢ f(rowᵢ, pᵢ) into a vector of `width`, with the rows cut into fixed chunks summed
/// in parallel and the chunks' sums added in row order: the same bits whatever the
/// number of threads or how rayon splits the work (a rayon `fold`/`reduce` adds in an
/// order that depends on work stealing, so its last bits change from run to run).
fn in_fixed_chunks(
    rows: &[f64],
    p: &[f64],
    k: usize,
    width: usize,
    add: impl Fn(&mut [f64], &[f64], f64) + Sync,
) -> Vec<f64> {
    let k = k.max(1);
    let parts: Vec<Vec<f64>> = rows
        .par_chunks(k * SUM_CHUNK_ROWS)
        .zip(p.par_chunks(SUM_CHUNK_ROWS))
        .map(|(rows, p)| {
            let mut acc = vec![0.0; width];
            for (r, &pi) in rows.chunks(k).zip(p) {
                add(&mut acc, r, pi);
            }
            acc
        })
        .collect();
    parts.into_iter().fold(vec![0.0; width], |mut total, part| {
        for (t, v) in total.iter_mut().zip(part) {
            *t += v;
        }
        total
    })
}

/// Entropy-balancing weights (mean 1) for the units whose covariates are `columns`
/// (by column), so that their weighted means equal `target`.
///
/// # Errors
/// [`MatchError::EntropyInfeasible`] when a target lies outside a covariate's range
/// or the moment conditions cannot be met to [`ENTROPY_TOLERANCE`].
pub fn entropy_balance(
    columns: &[Vec<f64>],
    target: &[f64],
    names: &[String],
) -> Result<Vec<f64>, MatchError> {
    entropy_balance_at(columns, None, target, names)
}

/// [`entropy_balance`] for the `units` of `columns` (every row when `None`), without
/// a copy of their columns: the one copy the solver needs is its own row-major,
/// centred and scaled matrix, built column by column. (At 10,000,000 units and ten
/// covariates each copy is 720 MB; there used to be three.)
fn entropy_balance_at<C: std::ops::Deref<Target = [f64]>>(
    columns: &[C],
    units: Option<&[usize]>,
    target: &[f64],
    names: &[String],
) -> Result<Vec<f64>, MatchError> {
    let k = columns.len();
    let n = match units {
        Some(units) => units.len(),
        None => columns.first().map_or(0, |c| c.len()),
    };
    // Centre at the target and scale by each column's SD, for conditioning.
    let mut rows = vec![0.0; n * k];
    for (j, column) in columns.iter().enumerate() {
        let c: std::borrow::Cow<[f64]> = match units {
            Some(units) => units.iter().map(|&i| column[i]).collect(),
            None => std::borrow::Cow::Borrowed(&column[..]),
        };
        let (lo, hi) = c
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        if target[j] < lo || target[j] > hi || (lo == hi && target[j] != lo) {
            return Err(MatchError::EntropyInfeasible {
                reason: format!(
                    "the target mean of `{}` ({}) lies outside the reweighted group's range [{}, {}]",
                    names[j],
                    crate::report::format::shortest(target[j]),
                    crate::report::format::shortest(lo),
                    crate::report::format::shortest(hi)
                ),
            });
        }
        let sd = crate::stats::summary::mean_and_variance(&c).1.sqrt();
        let sd = if sd > 0.0 { sd } else { 1.0 };
        // Row-major, for one pass over the units per evaluation.
        for (row, v) in rows.chunks_exact_mut(k).zip(c.iter()) {
            row[j] = (v - target[j]) / sd;
        }
    }
    let evaluate = |lambda: &[f64]| -> (f64, Vec<f64>) {
        let etas: Vec<f64> = rows
            .par_chunks(k.max(1))
            .map(|r| r.iter().zip(lambda).map(|(x, l)| x * l).sum())
            .collect();
        let max = etas.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let p: Vec<f64> = etas.iter().map(|e| (e - max).exp()).collect();
        let total: f64 = p.iter().sum();
        (max + total.ln(), p.into_iter().map(|v| v / total).collect())
    };
    let moments = |p: &[f64]| -> Vec<f64> {
        in_fixed_chunks(&rows, p, k, k, |acc, r, pi| {
            for (a, x) in acc.iter_mut().zip(r) {
                *a += pi * x;
            }
        })
    };
    let mut lambda = vec![0.0; k];
    let (mut value, mut p) = evaluate(&lambda);
    for _ in 0..ENTROPY_MAX_STEPS {
        let g = moments(&p);
        let worst = g.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if worst <= ENTROPY_TOLERANCE * 1e-2 {
            break;
        }
        let hessian = in_fixed_chunks(&rows, &p, k, k * k, |acc, r, pi| {
            for a in 0..k {
                for b in 0..=a {
                    acc[a * k + b] += pi * r[a] * r[b];
                }
            }
        });
        let h = DMatrix::from_fn(k, k, |a, b| {
            let (a, b) = if a >= b { (a, b) } else { (b, a) };
            hessian[a * k + b] - g[a] * g[b]
        });
        let Some(chol) = h.cholesky() else {
            return Err(MatchError::EntropyInfeasible {
                reason: "the reweighted covariates are collinear".into(),
            });
        };
        let step = chol.solve(&DVector::from_column_slice(&g));
        let slope: f64 = -g.iter().zip(step.iter()).map(|(a, b)| a * b).sum::<f64>();
        let mut t = 1.0;
        loop {
            let trial: Vec<f64> = lambda
                .iter()
                .zip(step.iter())
                .map(|(l, s)| l - t * s)
                .collect();
            let (trial_value, trial_p) = evaluate(&trial);
            if trial_value <= value + 1e-4 * t * slope || t < 1e-12 {
                lambda = trial;
                value = trial_value;
                p = trial_p;
                break;
            }
            t *= 0.5;
        }
    }
    let g = moments(&p);
    let worst = g.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if worst.is_nan() || worst > ENTROPY_TOLERANCE {
        return Err(MatchError::EntropyInfeasible {
            reason: format!(
                "after {ENTROPY_MAX_STEPS} Newton steps the largest standardised imbalance is {}",
                crate::report::format::shortest(worst)
            ),
        });
    }
    Ok(p.into_iter().map(|v| v * n as f64).collect())
}
