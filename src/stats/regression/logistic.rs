//! Logistic regression by Newton's method (IRLS) run to full convergence.
//!
//! In: a [`Design`] and a 0/1 outcome. Out: a [`LogisticFit`] with Wald (z) inference
//! per coefficient, deviance and AIC, or an error naming the column(s) behind a
//! (quasi-)separation, where the maximum-likelihood estimate does not exist.
//!
//! # Formula
//! η = Xβ, μ = 1/(1 + e^(−η)), W = diag(μ(1 − μ)); each Newton step solves the
//! weighted least-squares problem of the working response z = η + (y − μ)/w by QR on
//! W^½X (from 131 072 rows a tall-skinny QR, row blocks in parallel over fixed
//! ranges, so the result does not depend on the thread count). From 131 072 rows a
//! step comes instead from the normal equations XᵀWX d = XᵀWz (Cholesky of the
//! column-scaled XᵀWX, a quarter of the work) unless they are nearly singular; the
//! limit is the same (`normal_equations_step` says why). Iteration stops when the
//! step is below 1e-10 relative to β (plus one more polishing step); standard errors
//! are √diag((XᵀWX)⁻¹) with W at the final β, from a QR of W^½X.
//!
//! With prior weights wᵢ (`glm(weights = w)`: survey, inverse-probability or frequency
//! weights) W = diag(wᵢμᵢ(1 − μᵢ)) and the deviance is weighted. Robust variances are
//! the sandwich B M B with B = (XᵀWX)⁻¹ and M the cross-product of the scores
//! wᵢ(yᵢ − μᵢ)xᵢ (summed within clusters when clustered): HC0, HC1 (× n/(n − k)), CR0
//! and CR1 (× G/(G − 1), Stata's `logit, vce(cluster)` and sandwich's `vcovCL`).
//! AIC is deviance + 2k, R's value for 0/1 outcomes with integer weights; R rounds
//! non-integer weights inside its binomial likelihood, so its AIC there is not one.
//!
//! R's `glm()` reports standard errors from the weights of the previous iteration
//! (parity-notes.md): at its default tolerance they are 1e-7 to 2e-5 off the SEs at the
//! MLE. The fixtures compare with `glm(control = glm.control(epsilon = 1e-14,
//! maxit = 100))` and SEs recomputed at the final estimate. Intervals are Wald
//! intervals (R's `confint.default()`), not profile-likelihood (`confint()`).
//!
//! # Separation
//! When a fitted probability becomes numerically 0 or 1 (within 10·ε, R's threshold
//! for its "fitted probabilities numerically 0 or 1" warning), Newton's method runs up
//! to 30 more steps: if it converges the fit is extreme but finite and is returned;
//! if not, the coefficients move along the separating direction, and the columns
//! carrying at least 10% of that move (scaled by each column's SD) are named.
//! "Complete" separation when every fitted probability matches its outcome, else
//! "quasi-complete".
//!
//! # References
//! McCullagh, P. & Nelder, J. A. (1989). Generalized Linear Models, 2nd ed., §4.4.
//! Albert, A. & Anderson, J. A. (1984). On the existence of maximum likelihood
//! estimates in logistic regression models. Biometrika 71(1), 1–10.
//! doi:10.1093/biomet/71.1.1

use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;
use serde::Serialize;
use std::fmt;

use super::lm_robust::{Coefficient, check_conf_level, checked_estimate, write_table};
use super::ols::check_weights;
use super::ols::{COLLINEARITY_TOL, tall_skinny_r_with};
use super::{Clusters, Design, RegressionError, SeType};
use crate::stats::estimate::Alternative;

/// Options of [`logistic_regression`].
#[derive(Debug, Clone, Copy)]
pub struct LogisticOptions<'a> {
    /// Confidence level of the Wald intervals, in (0, 1); default 0.95.
    pub conf_level: f64,
    pub alternative: Alternative,
    /// Newton iterations allowed; default 100.
    pub max_iter: usize,
    /// Prior (observation) weights, finite and > 0.
    pub weights: Option<&'a [f64]>,
    /// `None`: model-based (classical), or CR1 when clustered. Otherwise classical,
    /// HC0 or HC1, or CR0 or CR1 with clusters.
    pub se_type: Option<SeType>,
    /// Cluster membership, one entry per row.
    pub clusters: Option<&'a Clusters>,
}

impl Default for LogisticOptions<'_> {
    fn default() -> Self {
        LogisticOptions {
            conf_level: 0.95,
            alternative: Alternative::TwoSided,
            max_iter: 100,
            weights: None,
            se_type: None,
            clusters: None,
        }
    }
}

/// A converged logistic regression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogisticFit {
    /// Log-odds coefficients with z-based (df = ∞, serialised as null) inference.
    pub coefficients: Vec<Coefficient>,
    pub deviance: f64,
    pub null_deviance: f64,
    pub aic: f64,
    pub iterations: usize,
    pub nobs: usize,
    /// The variance behind the standard errors.
    pub se_type: SeType,
    /// Whether prior weights were given.
    pub weighted: bool,
    /// Number of clusters, when clustered.
    pub nclusters: Option<usize>,
}

/// Relative step size at which Newton's method is considered converged.
const STEP_TOL: f64 = 1e-10;
/// A fitted probability this close to 0 or 1 signals separation (R: 10·ε).
const FITTED_EDGE: f64 = 10.0 * f64::EPSILON;

/// Fits a logistic regression of the 0/1 outcome `y` on `design`.
///
/// # Errors
/// [`RegressionError::NonBinaryOutcome`], length and n ≤ k checks,
/// [`RegressionError::Collinear`], [`RegressionError::Separation`] (naming columns),
/// [`RegressionError::NotConverged`].
pub fn logistic_regression(
    design: &Design,
    y: &[f64],
    options: &LogisticOptions,
) -> Result<LogisticFit, RegressionError> {
    check_conf_level(options.conf_level)?;
    let se_type = variance_type(options, design.nrows())?;
    let (beta, iterations) = newton(design, y, options, true)?;
    let yv = DVector::from_column_slice(y);
    finish(design, &yv, &beta, iterations, options, se_type)
}

/// The maximum-likelihood coefficients of a logistic regression, without the
/// variance: what a propensity score needs.
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticEstimates {
    /// One per column of the design, in its order.
    pub coefficients: Vec<f64>,
    pub deviance: f64,
    pub iterations: usize,
    pub nobs: usize,
}

/// [`logistic_regression`]'s coefficients and deviance, the same numbers, without
/// the standard errors (which cost one more QR of W^½X). `options.se_type`,
/// `clusters` and `conf_level` are not used.
///
/// # Errors
/// As [`logistic_regression`].
pub fn logistic_estimates(
    design: &Design,
    y: &[f64],
    options: &LogisticOptions,
) -> Result<LogisticEstimates, RegressionError> {
    let (beta, iterations) = newton(design, y, options, true)?;
    let mut mu = DVector::zeros(design.nrows());
    linear_predictor(&design.x, &beta, &mut mu);
    mu.as_mut_slice()
        .par_iter_mut()
        .with_min_len(PARALLEL_ROWS)
        .for_each(|m| *m = logistic(*m));
    Ok(LogisticEstimates {
        coefficients: beta.iter().copied().collect(),
        deviance: binomial_deviance(&DVector::from_column_slice(y), &mu, options.weights),
        iterations,
        nobs: design.nrows(),
    })
}

/// Newton's method from β = 0: the coefficients and the steps taken. With
/// `normal_equations`, a design of at least [`TALL_ROWS`] rows takes its steps from
/// the normal equations while they are well conditioned.
fn newton(
    design: &Design,
    y: &[f64],
    options: &LogisticOptions,
    normal_equations: bool,
) -> Result<(DVector<f64>, usize), RegressionError> {
    let n = design.nrows();
    let k = design.ncols();
    if y.len() != n {
        return Err(RegressionError::LengthMismatch {
            column: "outcome".into(),
            expected: n,
            found: y.len(),
        });
    }
    for (row, &value) in y.iter().enumerate() {
        if value != 0.0 && value != 1.0 {
            return Err(RegressionError::NonBinaryOutcome { row, value });
        }
    }
    if n <= k {
        return Err(RegressionError::TooFewObservations { n, k });
    }
    if let Some(w) = options.weights {
        check_weights(w, n)?;
    }
    let prior = options.weights;
    let x = &design.x;
    let yv = DVector::from_column_slice(y);
    // One set of n-long vectors for every step (η, μ, W, z and W^½).
    let mut sw = DVector::zeros(n);
    // Collinearity of X itself, so it is never mistaken for separation: the first
    // Newton step checks it. From β = 0 every μ is 1/2 and W^½ = 1/2, and halving
    // a matrix halves its Householder R and its column norms exactly (powers of two;
    // numbers are kept within 1e±150), so that step refuses the same columns as a
    // QR of X itself would (a separate one was a tenth of the fit's time). A step
    // from the normal equations is taken only when no column is near that rule.
    if options.max_iter == 0 {
        weighted_step(
            x,
            &DVector::from_element(n, 1.0),
            &yv,
            &mut sw,
            &design.names,
        )?;
    }
    let mut beta = DVector::zeros(k);
    let mut last_change = f64::INFINITY;
    let mut polished = false;
    let (mut eta, mut mu, mut w, mut z) = (
        DVector::zeros(n),
        DVector::zeros(n),
        DVector::zeros(n),
        DVector::zeros(n),
    );
    for iteration in 1..=options.max_iter {
        linear_predictor(x, &beta, &mut eta);
        mu.as_mut_slice()
            .par_iter_mut()
            .zip(eta.as_slice().par_iter())
            .with_min_len(PARALLEL_ROWS)
            .for_each(|(m, &e)| *m = logistic(e));
        if mu
            .iter()
            .any(|&m| !(FITTED_EDGE..=1.0 - FITTED_EDGE).contains(&m))
        {
            // Either an extreme but finite fit, or separation: keep stepping.
            let (beta, extra) = past_the_edge(design, &yv, prior, beta)?;
            return Ok((beta, iteration + extra));
        }
        w.as_mut_slice()
            .par_iter_mut()
            .zip(z.as_mut_slice().par_iter_mut())
            .zip(mu.as_slice().par_iter().zip(yv.as_slice().par_iter()))
            .with_min_len(PARALLEL_ROWS)
            .for_each(|((w, z), (&m, &y))| {
                *w = m * (1.0 - m);
                *z = (y - m) / *w;
            });
        if let Some(prior) = prior {
            w.iter_mut().zip(prior).for_each(|(w, &p)| *w *= p);
        }
        let from_normal_equations = if normal_equations && n >= TALL_ROWS {
            normal_equations_step(x, &w, &z)
        } else {
            None
        };
        let step = match from_normal_equations {
            Some(step) => step,
            None => weighted_step(x, &w, &z, &mut sw, &design.names)?,
        };
        beta += &step;
        let scale = beta.amax().max(1.0);
        last_change = step.amax() / scale;
        if polished {
            return Ok((beta, iteration));
        }
        if last_change <= STEP_TOL {
            polished = true;
        }
    }
    Err(RegressionError::NotConverged {
        iterations: options.max_iter,
        change: last_change,
    })
}

/// Rows below which an element-wise pass over the units is not split.
const PARALLEL_ROWS: usize = 16_384;

/// η = Xβ into `eta`, to the bit what `x * beta` gives (nalgebra's product of a
/// matrix and a vector: ηᵢ = xᵢ₀β₀, then ηᵢ += xᵢⱼβⱼ column by column), rows in
/// parallel.
fn linear_predictor(x: &DMatrix<f64>, beta: &DVector<f64>, eta: &mut DVector<f64>) {
    let (n, k) = x.shape();
    if k == 0 {
        eta.fill(0.0);
        return;
    }
    let values = x.as_slice();
    eta.as_mut_slice()
        .par_chunks_mut(PARALLEL_ROWS)
        .enumerate()
        .for_each(|(chunk, out)| {
            let (start, len) = (chunk * PARALLEL_ROWS, out.len());
            let column = |j: usize| &values[j * n + start..j * n + start + len];
            for (e, &v) in out.iter_mut().zip(column(0)) {
                *e = v * beta[0];
            }
            for j in 1..k {
                let b = beta[j];
                for (e, &v) in out.iter_mut().zip(column(j)) {
                    *e += v * b;
                }
            }
        });
}

fn logistic(eta: f64) -> f64 {
    if eta >= 0.0 {
        1.0 / (1.0 + (-eta).exp())
    } else {
        let e = eta.exp();
        e / (1.0 + e)
    }
}

/// Rows from which W^½X is factored by the tall-skinny QR (row blocks in parallel
/// over fixed ranges, `ols::tall_skinny_r`) rather than one Householder QR: two of
/// its tasks, the least that can run in parallel. Equally accurate (both are
/// backward stable) but rounded differently, so below this size fits keep the bits
/// they always had.
const TALL_ROWS: usize = 131_072;

/// Solves min ‖W^½(z − Xd)‖ by QR; refuses a rank-deficient W^½X naming columns.
/// `sw` (n long) receives W^½.
fn weighted_step(
    x: &DMatrix<f64>,
    w: &DVector<f64>,
    z: &DVector<f64>,
    sw: &mut DVector<f64>,
    names: &[String],
) -> Result<DVector<f64>, RegressionError> {
    let (n, k) = x.shape();
    sw.as_mut_slice()
        .par_iter_mut()
        .zip(w.as_slice().par_iter())
        .with_min_len(PARALLEL_ROWS)
        .for_each(|(s, &w)| *s = w.sqrt());
    let sw = &*sw;
    let refuse_collinear = |r: &DMatrix<f64>, norms: &[f64]| {
        let collinear: Vec<String> = (0..k)
            .filter(|&j| norms[j] == 0.0 || r[(j, j)].abs() <= COLLINEARITY_TOL * norms[j])
            .map(|j| names[j].clone())
            .collect();
        if collinear.is_empty() {
            Ok(())
        } else {
            Err(RegressionError::Collinear { columns: collinear })
        }
    };
    if n >= TALL_ROWS {
        // R of [W^½X | W^½z] holds R of W^½X and, beside it, Qᵀ W^½z; W^½X is
        // formed block by block, never whole.
        // One column a task: each norm summed as before, in parallel.
        let norms: Vec<f64> = {
            use rayon::prelude::*;
            (0..k)
                .into_par_iter()
                .map(|j| column_norm(n, |i| x[(i, j)] * sw[i]))
                .collect()
        };
        let (values, sw, z) = (x.as_slice(), sw.as_slice(), z.as_slice());
        let augmented = tall_skinny_r_with(n, k, |start, mut rows| {
            let len = rows.nrows();
            let sw = &sw[start..start + len];
            for j in 0..=k {
                let from = if j < k {
                    &values[j * n + start..j * n + start + len]
                } else {
                    &z[start..start + len]
                };
                for ((cell, &v), &s) in rows.column_mut(j).iter_mut().zip(from).zip(sw) {
                    *cell = v * s;
                }
            }
        });
        let r = augmented.view((0, 0), (k, k)).into_owned();
        refuse_collinear(&r, &norms)?;
        let qty = augmented.view((0, k), (k, 1)).into_owned();
        return r
            .solve_upper_triangular(&qty)
            .map(|d| d.column(0).into_owned())
            .ok_or_else(|| RegressionError::Collinear {
                columns: names.to_vec(),
            });
    }
    let xs = DMatrix::from_fn(n, k, |i, j| x[(i, j)] * sw[i]);
    let norms: Vec<f64> = xs.column_iter().map(|c| c.norm()).collect();
    let qr = xs.qr();
    let r = qr.r();
    refuse_collinear(&r, &norms)?;
    let mut rhs = z.component_mul(sw);
    qr.q_tr_mul(&mut rhs);
    r.solve_upper_triangular(&rhs.rows(0, k).into_owned())
        .ok_or_else(|| RegressionError::Collinear {
            columns: names.to_vec(),
        })
}

/// Rows of each block of the cross-products in [`normal_equations_step`]: fixed
/// ranges summed in order, so the sums do not depend on the thread count.
const GRAM_ROWS: usize = 4_096;

/// Smallest Cholesky pivot of the unit-diagonal XᵀWX accepted by
/// [`normal_equations_step`]: the pivot is rⱼⱼ/‖xⱼ‖ of W^½X (R's diagonal over the
/// column norms), so at 10⁻⁵ the QR's collinearity rule (10⁻⁹) is far away.
const NORMAL_EQUATIONS_PIVOT: f64 = 1e-5;

/// The Newton step d solving (XᵀWX) d = XᵀW z from the cross-products, `None`
/// when the column-scaled XᵀWX has a Cholesky pivot below
/// [`NORMAL_EQUATIONS_PIVOT`] (nearly collinear columns: the QR step decides).
///
/// Why it may replace the QR step: Newton's method converges to the zero of the
/// score Xᵀ(y − μ) whatever the accuracy of the matrix it divides by, so a step
/// computed with relative error κε, where the pivot rule keeps κ (of the scaled
/// XᵀWX) near 10¹⁰ at worst, so below 10⁻⁵, still converges (each step removes all
/// but that fraction of what an exact Newton step would), and at the end the step
/// itself is below 10⁻¹⁰ of β, so its error is below 10⁻¹⁵ of β. Forming XᵀWX costs nk²/2 multiply-adds against
/// the Householder QR's 2nk², which at 1,000,000 rows and 11 columns was a third of
/// `evident match`'s CPU time.
fn normal_equations_step(
    x: &DMatrix<f64>,
    w: &DVector<f64>,
    z: &DVector<f64>,
) -> Option<DVector<f64>> {
    let (n, k) = x.shape();
    let values = x.as_slice();
    let (w, z) = (w.as_slice(), z.as_slice());
    // Per block: the upper triangle of XᵀWX (row-major, packed) and XᵀWz.
    let blocks: Vec<Vec<f64>> = (0..n.div_ceil(GRAM_ROWS))
        .into_par_iter()
        .map(|block| {
            let start = block * GRAM_ROWS;
            let len = GRAM_ROWS.min(n - start);
            let column = |j: usize| &values[j * n + start..j * n + start + len];
            let (w, z) = (&w[start..start + len], &z[start..start + len]);
            let mut sums = Vec::with_capacity(k * (k + 1) / 2 + k);
            let mut weighted = vec![0.0; len];
            for a in 0..k {
                for ((t, &v), &wi) in weighted.iter_mut().zip(column(a)).zip(w) {
                    *t = v * wi;
                }
                for b in a..k {
                    sums.push(dot(&weighted, column(b)));
                }
            }
            let mut wz = vec![0.0; len];
            for ((t, &wi), &zi) in wz.iter_mut().zip(w).zip(z) {
                *t = wi * zi;
            }
            for a in 0..k {
                sums.push(dot(&wz, column(a)));
            }
            sums
        })
        .collect();
    let mut total = vec![0.0; k * (k + 1) / 2 + k];
    for block in &blocks {
        for (t, &v) in total.iter_mut().zip(block) {
            *t += v;
        }
    }
    let gram = super::symmetric_from_packed_upper(k, &total);
    let score = DVector::from_column_slice(&total[k * (k + 1) / 2..]);
    let scale = DVector::from_iterator(k, (0..k).map(|j| 1.0 / gram[(j, j)].sqrt()));
    if !scale.iter().all(|s| s.is_finite()) {
        return None;
    }
    let scaled = DMatrix::from_fn(k, k, |a, b| gram[(a, b)] * scale[a] * scale[b]);
    let cholesky = scaled.cholesky()?;
    let l = cholesky.l_dirty();
    // A NaN pivot is refused too.
    if !(0..k).all(|j| l[(j, j)] >= NORMAL_EQUATIONS_PIVOT) {
        return None;
    }
    let step = cholesky
        .solve(&score.component_mul(&scale))
        .component_mul(&scale);
    step.iter().all(|v| v.is_finite()).then_some(step)
}

/// Σ aᵢbᵢ with eight running sums (so that it vectorises).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 8];
    let (a_chunks, b_chunks) = (a.chunks_exact(8), b.chunks_exact(8));
    let (a_rest, b_rest) = (a_chunks.remainder(), b_chunks.remainder());
    for (x, y) in a_chunks.zip(b_chunks) {
        for m in 0..8 {
            acc[m] += x[m] * y[m];
        }
    }
    let mut sum = (acc[0] + acc[4]) + (acc[1] + acc[5]) + (acc[2] + acc[6]) + (acc[3] + acc[7]);
    for (x, y) in a_rest.iter().zip(b_rest) {
        sum += x * y;
    }
    sum
}

/// The Euclidean norm of the column whose entry `i` is `value(i)`, `i < n`, to the
/// bit what nalgebra's `norm()` gives for that column stored (its dot product: eight
/// running sums over the rows in groups of eight, combined in pairs, then the rest).
fn column_norm(n: usize, value: impl Fn(usize) -> f64) -> f64 {
    let mut acc = [0.0f64; 8];
    let mut i = 0;
    while n - i >= 8 {
        for (m, a) in acc.iter_mut().enumerate() {
            let v = value(i + m);
            *a += v * v;
        }
        i += 8;
    }
    let mut res = 0.0;
    res += acc[0] + acc[4];
    res += acc[1] + acc[5];
    res += acc[2] + acc[6];
    res += acc[3] + acc[7];
    for m in i..n {
        let v = value(m);
        res += v * v;
    }
    let squared: f64 = 0.0 + res;
    squared.sqrt()
}

/// The variance asked for, checked against the clusters given.
fn variance_type(options: &LogisticOptions, n: usize) -> Result<SeType, RegressionError> {
    if let Some(clusters) = options.clusters
        && clusters.len() != n
    {
        return Err(RegressionError::LengthMismatch {
            column: "clusters".into(),
            expected: n,
            found: clusters.len(),
        });
    }
    if options.clusters.is_some_and(|c| c.count() < 2) {
        return Err(RegressionError::Unsupported(
            "clustered standard errors need at least two clusters",
        ));
    }
    match (options.se_type, options.clusters) {
        (None, None) => Ok(SeType::Classical),
        (None, Some(_)) => Ok(SeType::CR1),
        (Some(t @ (SeType::Classical | SeType::HC0 | SeType::HC1)), None) => Ok(t),
        (Some(t @ (SeType::CR0 | SeType::CR1)), Some(_)) => Ok(t),
        (Some(SeType::CR0 | SeType::CR1), None) => {
            Err(RegressionError::Unsupported("CR0 and CR1 need clusters"))
        }
        (Some(_), None) => Err(RegressionError::Unsupported(
            "logistic regression takes classical, HC0 or HC1 standard errors (HC2 and HC3 are for least squares)",
        )),
        (Some(_), Some(_)) => Err(RegressionError::Unsupported(
            "clustered logistic regression takes CR0 or CR1 standard errors",
        )),
    }
}

/// −2 Σ wᵢ log L(yᵢ; μᵢ) for 0/1 outcomes (wᵢ = 1 without prior weights).
fn binomial_deviance(y: &DVector<f64>, mu: &DVector<f64>, prior: Option<&[f64]>) -> f64 {
    let term = |(&yi, &m): (&f64, &f64)| if yi == 1.0 { m.ln() } else { (1.0 - m).ln() };
    -2.0 * match prior {
        None => y.iter().zip(mu.iter()).map(term).sum::<f64>(),
        Some(w) => y
            .iter()
            .zip(mu.iter())
            .zip(w)
            .map(|(pair, &wi)| wi * term(pair))
            .sum::<f64>(),
    }
}

fn finish(
    design: &Design,
    y: &DVector<f64>,
    beta: &DVector<f64>,
    iterations: usize,
    options: &LogisticOptions,
    se_type: SeType,
) -> Result<LogisticFit, RegressionError> {
    let prior = options.weights;
    let x = &design.x;
    let (n, k) = x.shape();
    let mut mu = DVector::zeros(n);
    linear_predictor(x, beta, &mut mu);
    mu.as_mut_slice()
        .par_iter_mut()
        .with_min_len(PARALLEL_ROWS)
        .for_each(|m| *m = logistic(*m));
    let mut w = mu.map(|m| m * (1.0 - m));
    if let Some(prior) = prior {
        w.iter_mut().zip(prior).for_each(|(w, &p)| *w *= p);
    }
    // RᵀR = XᵀWX either way (R's signs may differ, (RᵀR)⁻¹ does not).
    let r = if n >= TALL_ROWS {
        let mut sw = vec![0.0; n];
        sw.par_iter_mut()
            .zip(w.as_slice().par_iter())
            .with_min_len(PARALLEL_ROWS)
            .for_each(|(s, &w)| *s = w.sqrt());
        let values = x.as_slice();
        tall_skinny_r_with(n, k, |start, mut rows| {
            let len = rows.nrows();
            let sw = &sw[start..start + len];
            for j in 0..k {
                let from = &values[j * n + start..j * n + start + len];
                for ((cell, &v), &s) in rows.column_mut(j).iter_mut().zip(from).zip(sw) {
                    *cell = v * s;
                }
            }
            rows.column_mut(k).fill(0.0);
        })
        .view((0, 0), (k, k))
        .into_owned()
    } else {
        DMatrix::from_fn(n, k, |i, j| x[(i, j)] * w[i].sqrt())
            .qr()
            .r()
    };
    let r_inv = r
        .solve_upper_triangular(&DMatrix::identity(k, k))
        .ok_or_else(|| RegressionError::Collinear {
            columns: design.names.clone(),
        })?;
    let bread = &r_inv * r_inv.transpose();
    let vcov = match se_type {
        SeType::Classical => bread,
        _ => {
            // Scores wᵢ(yᵢ − μᵢ)xᵢ, summed within clusters when clustered.
            let residual = |i: usize| prior.map_or(1.0, |p| p[i]) * (y[i] - mu[i]);
            let groups = options.clusters.map_or(n, Clusters::count);
            let mut scores = DMatrix::zeros(groups, k);
            for i in 0..n {
                let g = options.clusters.map_or(i, |c| c.ids()[i]);
                let e = residual(i);
                for j in 0..k {
                    scores[(g, j)] += e * x[(i, j)];
                }
            }
            let meat = scores.transpose() * &scores;
            let scale = match se_type {
                SeType::HC1 => n as f64 / (n - k) as f64,
                SeType::CR1 => groups as f64 / (groups - 1) as f64,
                _ => 1.0,
            };
            &bread * meat * &bread * scale
        }
    };
    let coefficients = (0..k)
        .map(|j| {
            Ok(Coefficient {
                term: design.names[j].clone(),
                estimate: checked_estimate(
                    &design.names[j],
                    beta[j],
                    vcov[(j, j)],
                    f64::INFINITY,
                    options.conf_level,
                    options.alternative,
                )?,
            })
        })
        .collect::<Result<Vec<_>, RegressionError>>()?;
    let deviance = binomial_deviance(y, &mu, prior);
    // The null model: the (weighted) mean with an intercept, else μ = 1/2 (glm's
    // inverse link of a zero offset).
    let null_mean = if design.names.iter().any(|name| name == "(Intercept)") {
        match prior {
            None => y.mean(),
            Some(w) => {
                y.iter().zip(w).map(|(&yi, &wi)| yi * wi).sum::<f64>() / w.iter().sum::<f64>()
            }
        }
    } else {
        0.5
    };
    let null_deviance = binomial_deviance(y, &DVector::from_element(n, null_mean), prior);
    Ok(LogisticFit {
        coefficients,
        deviance,
        null_deviance,
        aic: deviance + 2.0 * k as f64,
        iterations,
        nobs: n,
        se_type,
        weighted: prior.is_some(),
        nclusters: options.clusters.map(Clusters::count),
    })
}

/// Newton steps taken past the first numerically 0/1 fitted probability, to let the
/// coefficients move along the separating direction.
const SEPARATION_STEPS: usize = 30;

/// Continues Newton's method from the point where a fitted probability first reached
/// 0 or 1 (weights floored at 1e-300 so that the steps stay defined). If it converges
/// within [`SEPARATION_STEPS`] steps the MLE exists (an extreme but finite fit) and is
/// returned with the steps taken. Otherwise the coefficients are moving along the
/// separating direction d, taken as their change over those steps, and the columns
/// whose |d_j|·sd(x_j) carries at least 10% of the largest are named in the error.
fn past_the_edge(
    design: &Design,
    y: &DVector<f64>,
    prior: Option<&[f64]>,
    start: DVector<f64>,
) -> Result<(DVector<f64>, usize), RegressionError> {
    let x = &design.x;
    let n = x.nrows();
    let mut beta = start.clone();
    let mut polished = false;
    for extra in 1..=SEPARATION_STEPS {
        let mu = (x * &beta).map(logistic);
        let variance = mu.map(|m| (m * (1.0 - m)).max(1e-300));
        let z = DVector::from_fn(n, |i, _| (y[i] - mu[i]) / variance[i]);
        let w = match prior {
            None => variance,
            Some(p) => DVector::from_fn(n, |i, _| variance[i] * p[i]),
        };
        match weighted_step(x, &w, &z, &mut DVector::zeros(n), &design.names) {
            Ok(step) if step.iter().all(|v| v.is_finite()) => {
                beta += &step;
                if polished {
                    // Newton converged. With no fitted probability exactly 0 or 1 this
                    // is an extreme fitted probability at a finite MLE; a saturated
                    // one means the residuals vanished by rounding (separation).
                    let saturated = (x * &beta)
                        .map(logistic)
                        .iter()
                        .any(|&m| m <= 0.0 || m >= 1.0);
                    if saturated {
                        break;
                    }
                    return Ok((beta, extra));
                }
                polished = step.amax() / beta.amax().max(1.0) <= STEP_TOL;
            }
            _ => break,
        }
    }
    let mu = (x * &beta).map(logistic);
    let complete = y
        .iter()
        .zip(mu.iter())
        .all(|(&yi, &m)| (yi - m).abs() < 1e-6);
    let kind = if complete {
        "complete"
    } else {
        "quasi-complete"
    };
    let beta = beta - start;
    let spread: Vec<f64> = x
        .column_iter()
        .map(|c| {
            let mean = c.mean();
            (c.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64).sqrt()
        })
        .collect();
    let sizes: Vec<f64> = (0..beta.len())
        .map(|j| (beta[j] * spread[j]).abs())
        .collect();
    let max = sizes.iter().cloned().fold(0.0, f64::max);
    let mut columns: Vec<String> = if max > 0.0 {
        (0..beta.len())
            .filter(|&j| sizes[j] >= 0.1 * max)
            .map(|j| design.names[j].clone())
            .collect()
    } else {
        Vec::new()
    };
    if columns.is_empty() {
        // Constant columns only (an outcome that is all 0 or all 1).
        columns.push(
            design
                .names
                .first()
                .cloned()
                .unwrap_or_else(|| "(Intercept)".into()),
        );
        return Err(RegressionError::Separation {
            kind: "complete (constant outcome)",
            columns,
        });
    }
    Err(RegressionError::Separation { kind, columns })
}

impl fmt::Display for LogisticFit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let variance = match self.se_type {
            SeType::Classical => "model-based standard errors".to_string(),
            SeType::CR0 | SeType::CR1 => format!(
                "{} standard errors over {} clusters",
                if self.se_type == SeType::CR0 {
                    "CR0"
                } else {
                    "CR1 (Stata's vce(cluster))"
                },
                self.nclusters.unwrap_or(0)
            ),
            other => format!("{other} standard errors"),
        };
        writeln!(
            f,
            "Logistic regression (binomial, logit link{}), Wald z inference, {variance}",
            if self.weighted { ", weighted" } else { "" }
        )?;
        writeln!(f)?;
        writeln!(f, "Coefficients:")?;
        write_table(f, &self.coefficients)?;
        writeln!(f)?;
        writeln!(f)?;
        writeln!(
            f,
            "Null deviance: {:.4} on {} df; residual deviance: {:.4} on {} df; AIC: {:.4}",
            self.null_deviance,
            self.nobs - 1,
            self.deviance,
            self.nobs - self.coefficients.len(),
            self.aic
        )?;
        writeln!(f, "Newton iterations: {}", self.iterations)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::regression::{Covariate, build_design};

    #[test]
    fn linear_predictor_is_nalgebras_product_to_the_bit() {
        for (n, k) in [(1, 1), (5, 3), (40_000, 11), (16_384, 2)] {
            let x = DMatrix::from_fn(n, k, |i, j| {
                let v = ((i * 31 + j * 17) % 97) as f64 / 7.0 - 6.5;
                if (i + j) % 11 == 0 {
                    -0.0
                } else {
                    v * 1.000_000_3f64.powi(i as i32 % 50)
                }
            });
            let beta = DVector::from_fn(k, |j, _| 0.37 - 0.11 * j as f64);
            let mut eta = DVector::zeros(n);
            linear_predictor(&x, &beta, &mut eta);
            let product = &x * &beta;
            for i in 0..n {
                assert_eq!(eta[i].to_bits(), product[i].to_bits(), "n = {n}, row {i}");
            }
        }
    }

    #[test]
    fn column_norm_is_nalgebras_norm_to_the_bit() {
        for n in [0, 1, 7, 8, 9, 63, 1000, 4099] {
            let values: Vec<f64> = (0..n)
                .map(|i| ((i * 7919 % 1013) as f64 - 500.3) * 1.000_000_1f64.powi(i as i32))
                .collect();
            let stored = DVector::from_column_slice(&values);
            assert_eq!(
                column_norm(n, |i| values[i]).to_bits(),
                stored.norm().to_bits(),
                "n = {n}"
            );
        }
    }

    #[test]
    fn non_binary_outcome_is_refused() {
        let design = build_design(
            true,
            &[Covariate::Numeric {
                name: "x".into(),
                values: vec![1.0, 2.0, 3.0, 4.0].into(),
            }],
        )
        .unwrap();
        let err =
            logistic_regression(&design, &[0.0, 1.0, 0.5, 1.0], &Default::default()).unwrap_err();
        assert_eq!(
            err,
            RegressionError::NonBinaryOutcome { row: 2, value: 0.5 }
        );
    }

    #[test]
    fn constant_outcome_is_separation_not_a_nan() {
        let design = build_design(
            true,
            &[Covariate::Numeric {
                name: "x".into(),
                values: vec![1.0, 2.0, 3.0, 4.0, 2.5].into(),
            }],
        )
        .unwrap();
        let err = logistic_regression(&design, &[1.0; 5], &Default::default()).unwrap_err();
        assert!(matches!(err, RegressionError::Separation { .. }), "{err}");
    }

    /// A deterministic design of `n` rows: intercept and three covariates.
    fn tall_design(n: usize) -> (DMatrix<f64>, Vec<f64>) {
        let mut state = 17u64;
        let mut uniform = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut x = DMatrix::from_fn(n, 4, |_, j| if j == 0 { 1.0 } else { 0.0 });
        let mut y = Vec::with_capacity(n);
        for i in 0..n {
            for j in 1..4 {
                x[(i, j)] = uniform() * 4.0 - 2.0 + j as f64;
            }
            let eta = -1.0 + 0.5 * x[(i, 1)] - 0.3 * x[(i, 2)] + 0.2 * x[(i, 3)];
            y.push(f64::from(u8::from(uniform() < logistic(eta))));
        }
        (x, y)
    }

    /// [`tall_design`] a little past the tall-skinny threshold, as a named `Design`.
    fn tall_fit_design() -> (Design, Vec<f64>) {
        let (x, y) = tall_design(TALL_ROWS + 5_000);
        let names: Vec<String> = ["(Intercept)", "a", "b", "c"].map(String::from).into();
        (Design::from_matrix(names, x).unwrap(), y)
    }

    #[test]
    fn tall_weighted_step_agrees_with_one_householder_qr() {
        let n = TALL_ROWS + 10_007;
        let (x, y) = tall_design(n);
        let names: Vec<String> = ["(Intercept)", "a", "b", "c"].map(String::from).into();
        let mu = DVector::from_fn(n, |i, _| logistic(0.1 * x[(i, 1)] - 0.2));
        let w = mu.map(|m| m * (1.0 - m));
        let z = DVector::from_fn(n, |i, _| (y[i] - mu[i]) / w[i]);
        let tall = weighted_step(&x, &w, &z, &mut DVector::zeros(n), &names).unwrap();
        let sw = w.map(f64::sqrt);
        let xs = DMatrix::from_fn(n, 4, |i, j| x[(i, j)] * sw[i]);
        let qr = xs.qr();
        let mut rhs = z.component_mul(&sw);
        qr.q_tr_mul(&mut rhs);
        let householder = qr
            .r()
            .solve_upper_triangular(&rhs.rows(0, 4).into_owned())
            .unwrap();
        for j in 0..4 {
            let scale = householder[j].abs().max(1e-3);
            assert!(
                (tall[j] - householder[j]).abs() <= 1e-12 * scale,
                "coefficient {j}: {} vs {}",
                tall[j],
                householder[j]
            );
        }
    }

    #[test]
    fn collinear_columns_are_refused_as_a_qr_of_x_itself_refuses_them() {
        // The first Newton step (W^½ = 1/2) stands in for a QR of X: same columns.
        for n in [200, TALL_ROWS + 3_001] {
            let (mut x, y) = tall_design(n);
            for i in 0..n {
                // c = a − 2b, up to the last bits.
                x[(i, 3)] = x[(i, 1)] - 2.0 * x[(i, 2)];
            }
            let names: Vec<String> = ["(Intercept)", "a", "b", "c"].map(String::from).into();
            let ones = DVector::from_element(n, 1.0);
            let z = DVector::from_column_slice(&y);
            let Err(RegressionError::Collinear { columns: by_x }) =
                weighted_step(&x, &ones, &z, &mut DVector::zeros(n), &names)
            else {
                panic!("X itself is collinear");
            };
            let design = Design::from_matrix(names, x).unwrap();
            match logistic_regression(&design, &y, &LogisticOptions::default()) {
                Err(RegressionError::Collinear { columns }) => {
                    assert_eq!(columns, by_x);
                    assert_eq!(columns, ["c"]);
                }
                other => panic!("expected collinear, got {other:?}"),
            }
        }
    }

    #[test]
    fn steps_from_the_normal_equations_reach_the_qr_fit() {
        let (design, y) = tall_fit_design();
        let options = LogisticOptions::default();
        let (by_qr, qr_steps) = newton(&design, &y, &options, false).unwrap();
        let (by_normal, normal_steps) = newton(&design, &y, &options, true).unwrap();
        assert_eq!(qr_steps, normal_steps);
        for j in 0..4 {
            let gap = (by_qr[j] - by_normal[j]).abs();
            assert!(
                gap <= 1e-13 * by_qr[j].abs().max(1.0),
                "coefficient {j}: {gap:e}"
            );
        }
        // The steps really came from the normal equations.
        let n = design.nrows();
        let w = DVector::from_element(n, 0.25);
        let z = DVector::from_column_slice(&y);
        assert!(normal_equations_step(&design.x, &w, &z).is_some());
        let estimates = logistic_estimates(&design, &y, &options).unwrap();
        let fit = logistic_regression(&design, &y, &options).unwrap();
        assert_eq!(estimates.deviance, fit.deviance);
        assert_eq!(estimates.iterations, fit.iterations);
        for (b, c) in estimates.coefficients.iter().zip(&fit.coefficients) {
            assert_eq!(*b, c.estimate.estimate);
        }
    }

    #[test]
    fn nearly_collinear_columns_take_the_qr_step() {
        let n = TALL_ROWS + 1_000;
        let (mut x, _) = tall_design(n);
        for i in 0..n {
            // c = a − 2b + a perturbation of 1e-7: rⱼⱼ/‖xⱼ‖ about 1e-8, well inside
            // the QR's rule (not collinear) but below the normal equations' pivot.
            x[(i, 3)] = x[(i, 1)] - 2.0 * x[(i, 2)] + 1e-7 * ((i % 7) as f64 - 3.0);
        }
        let w = DVector::from_element(n, 0.25);
        let z = DVector::from_fn(n, |i, _| (i % 3) as f64 - 1.0);
        assert!(normal_equations_step(&x, &w, &z).is_none());
        let names: Vec<String> = ["(Intercept)", "a", "b", "c"].map(String::from).into();
        assert!(weighted_step(&x, &w, &z, &mut DVector::zeros(n), &names).is_ok());
    }

    #[test]
    fn tall_fit_is_the_same_bits_on_one_thread_or_two() {
        let (design, y) = tall_fit_design();
        let fit_on = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| logistic_regression(&design, &y, &LogisticOptions::default()).unwrap())
        };
        assert_eq!(fit_on(1), fit_on(2));
    }
}
