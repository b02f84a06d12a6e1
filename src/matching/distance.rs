//! Distances between units: the propensity score from the engine's logistic
//! regression (probability or logit scale), and Mahalanobis distances (pooled
//! within-group covariance, or Rosenbaum's rank-based robust form), computed as
//! Euclidean distances between whitened rows so that nearest-neighbour search needs
//! no matrix per pair.

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use super::{MatchError, MatchInput};
use crate::stats::regression::{Design, LogisticOptions, logistic_estimates};

/// The fitted propensity model, for the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PropensityModel {
    /// Terms and log-odds coefficients, `(Intercept)` first.
    pub coefficients: Vec<(String, f64)>,
    pub iterations: usize,
    pub nobs: usize,
    pub deviance: f64,
}

/// Propensity scores of every unit (NaN for units left out for a missing covariate)
/// from a logistic regression of the group on an intercept and the covariates,
/// fitted on the usable units; on the logit scale when `logit`.
///
/// # Errors
/// [`MatchError::NoVariance`] for a constant covariate, [`MatchError::PropensityModel`]
/// for separation, collinearity or non-convergence.
pub fn propensity_scores(
    input: &MatchInput,
    logit: bool,
) -> Result<(Vec<f64>, PropensityModel), MatchError> {
    input.check_variance()?;
    let rows: Vec<usize> = input.usable().collect();
    let k = input.columns.len() + 1;
    // The intercept and the covariates of the usable units, columns filled in
    // parallel straight into the matrix's storage (not zeroed first: at 10,000,000
    // units zeroing it was a serial pass that took every page fault of 880 MB).
    let n_rows = rows.len();
    let mut storage: Vec<f64> = Vec::with_capacity(n_rows * k);
    if n_rows > 0 {
        use rayon::prelude::*;
        storage.spare_capacity_mut()[..n_rows * k]
            .par_chunks_mut(n_rows)
            .enumerate()
            .for_each(|(j, column)| {
                if j == 0 {
                    for v in column {
                        v.write(1.0);
                    }
                } else {
                    let values = &input.columns[j - 1];
                    for (v, &r) in column.iter_mut().zip(&rows) {
                        v.write(values[r]);
                    }
                }
            });
        // SAFETY: the k chunks of n_rows slots cover the n_rows·k reserved slots
        // and each chunk wrote every one of its slots above.
        unsafe { storage.set_len(n_rows * k) };
    }
    let x = DMatrix::from_vec(n_rows, k, storage);
    let mut names = vec!["(Intercept)".to_string()];
    names.extend(input.covariate_names.iter().cloned());
    let design = Design::from_matrix(names.clone(), x)
        .map_err(|source| MatchError::PropensityModel { source })?;
    let y: Vec<f64> = rows
        .iter()
        .map(|&i| if input.treated[i] { 1.0 } else { 0.0 })
        .collect();
    let fit = logistic_estimates(&design, &y, &LogisticOptions::default())
        .map_err(|source| MatchError::PropensityModel { source })?;
    let beta = fit.coefficients;
    // Each usable unit's score (the units of `rows`), in parallel.
    let mut scores = vec![f64::NAN; input.ids.len()];
    {
        use rayon::prelude::*;
        scores
            .par_iter_mut()
            .enumerate()
            .with_min_len(16_384)
            .filter(|(i, _)| input.complete[*i])
            .for_each(|(i, score)| {
                let eta = beta[0]
                    + input
                        .columns
                        .iter()
                        .zip(&beta[1..])
                        .map(|(c, b)| c[i] * b)
                        .sum::<f64>();
                *score = if logit {
                    eta
                } else {
                    1.0 / (1.0 + (-eta).exp())
                };
            });
    }
    let model = PropensityModel {
        coefficients: names.into_iter().zip(beta).collect(),
        iterations: fit.iterations,
        nobs: fit.nobs,
        deviance: fit.deviance,
    };
    Ok((scores, model))
}

/// Average ranks (ties share the mean of their ranks, as R's `rank`), 1-based.
pub fn rank_transform(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        let rank = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        start = end;
    }
    ranks
}

/// Whitened covariate rows of the units `rows`: with Σ = LLᵀ the covariance, row i
/// becomes L⁻¹xᵢ, so the Mahalanobis distance is the Euclidean distance between rows.
/// Σ is the pooled within-group covariance (MatchIt's `mahalanobis`, n − 2
/// denominator) or, when `robust`, the covariance of the ranks rescaled to the
/// variance of untied ranks (Rosenbaum 2010, section 8.3).
///
/// # Errors
/// [`MatchError::NoVariance`], [`MatchError::SingularCovariance`].
pub fn mahalanobis_whitener(
    input: &MatchInput,
    rows: &[usize],
    robust: bool,
) -> Result<Vec<Vec<f64>>, MatchError> {
    input.check_variance()?;
    let k = input.columns.len();
    let n = rows.len();
    let data: Vec<Vec<f64>> = if robust {
        input
            .columns
            .iter()
            .map(|c| rank_transform(&rows.iter().map(|&i| c[i]).collect::<Vec<_>>()))
            .collect()
    } else {
        input
            .columns
            .iter()
            .map(|c| rows.iter().map(|&i| c[i]).collect())
            .collect()
    };
    let mut centred = data.clone();
    let mut cov = DMatrix::zeros(k, k);
    if robust {
        for col in &mut centred {
            let mean = col.iter().sum::<f64>() / n as f64;
            col.iter_mut().for_each(|v| *v -= mean);
        }
    } else {
        for group in [true, false] {
            let members: Vec<usize> = (0..n)
                .filter(|&r| input.treated[rows[r]] == group)
                .collect();
            for col in &mut centred {
                let mean = members.iter().map(|&r| col[r]).sum::<f64>() / members.len() as f64;
                for &r in &members {
                    col[r] -= mean;
                }
            }
        }
    }
    let denominator = if robust {
        n as f64 - 1.0
    } else {
        n as f64 - 2.0
    };
    for a in 0..k {
        for b in 0..=a {
            let s: f64 = centred[a].iter().zip(&centred[b]).map(|(x, y)| x * y).sum();
            cov[(a, b)] = s / denominator;
            cov[(b, a)] = s / denominator;
        }
    }
    if robust {
        // Ranks 1..n have variance n(n + 1)/12; ties lower a column's variance, and
        // the rescaling keeps a tied covariate from gaining weight.
        let untied = (n as f64) * (n as f64 + 1.0) / 12.0;
        let multiplier: Vec<f64> = (0..k).map(|j| (untied / cov[(j, j)]).sqrt()).collect();
        for a in 0..k {
            for b in 0..k {
                cov[(a, b)] *= multiplier[a] * multiplier[b];
            }
        }
    }
    let chol = cov
        .clone()
        .cholesky()
        .ok_or_else(|| MatchError::SingularCovariance {
            columns: input.covariate_names.join(", "),
        })?;
    let l = chol.l();
    let mut out = Vec::with_capacity(n);
    // Each row gathers one value from every column.
    #[allow(clippy::needless_range_loop)]
    for r in 0..n {
        let x = DVector::from_fn(k, |j, _| data[j][r]);
        let z = l
            .solve_lower_triangular(&x)
            .ok_or_else(|| MatchError::SingularCovariance {
                columns: input.covariate_names.join(", "),
            })?;
        out.push(z.iter().copied().collect());
    }
    Ok(out)
}
