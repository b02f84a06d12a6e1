//! Ordinary and weighted least squares by Householder QR.
//!
//! In: a [`Design`], the outcome and optional weights. Out: an [`OlsFit`] holding what
//! the variance estimators need: coefficients, the triangular factor R⁻¹ with
//! (X'WX)⁻¹ = R⁻¹R⁻ᵀ, the √w-scaled design and residuals.
//!
//! # Formula
//! With W = diag(w / mean(w)) (estimatr normalises weights to mean 1; every reported
//! quantity is invariant to that scale), X̃ = W^½X and ỹ = W^½y, the QR decomposition
//! X̃ = QR gives β̂ = R⁻¹Qᵀỹ. Matches `lm()` / `estimatr::lm_robust()`, whose
//! coefficients are the same least-squares solution.
//!
//! # Two paths, chosen by the design's condition number
//! Memory and speed: one blocked pass computes the (k+1) × (k+1) triangle of
//! [X̃ | ỹ] by a tall-skinny QR (row blocks in parallel, see [`tall_skinny_r`]),
//! without any copy of X̃. Its R gives the condition number κ of X̃ with columns
//! scaled to unit length (from the singular values of the k × k factor).
//! - κ ≤ [`FAST_PATH_CONDITION`] (10⁵; almost every regression): β̂ = R⁻¹Qᵀỹ from
//!   the triangle, refined by corrected semi-normal equations with compensated
//!   residuals. Peak memory is the design plus a few n-vectors.
//! - Otherwise (nearly collinear columns, high-degree polynomials such as Filip):
//!   the precise path below, one Householder QR of all rows with refinement, which
//!   holds two more n × k copies. Collinearity is decided only on this path, so the
//!   rule below is applied exactly as before.
//!
//! # Ill-conditioned designs (the precise path)
//! Each column is scaled to unit length before the QR decomposition (the scaling is
//! undone in β̂ and R⁻¹), and the solution is polished by iterative refinement: the
//! residual ỹ − X̃β̂ is computed in compensated (double-double) arithmetic and its
//! least-squares correction added back, until the correction stops shrinking. That
//! solves NIST's Filip (a degree-10 polynomial, scaled condition number 5·10⁹) to at
//! least 7 significant digits in every coefficient (tests/parity_filip.rs).
//!
//! # Collinearity
//! After scaling, column j is declared collinear when |R_jj| ≤ 1e-9: it is then, to
//! within about nine digits, a linear combination of the columns before it, and fewer
//! than ~6 digits of its coefficient would survive double precision. R's `lm()`
//! refuses at 1e-7 (`qr(tol = 1e-7)`), which drops Filip's x^10; estimatr drops such
//! columns with a warning and reports NA. Evident refuses the fit with
//! [`RegressionError::Collinear`] naming the columns, so that a coefficient never
//! silently disappears from a report.

use nalgebra::{DMatrix, DMatrixView, DVector, DVectorView};
use std::borrow::Cow;

use super::{Design, RegressionError};

/// Pivot tolerance for collinearity, on columns scaled to unit length (R's `lm()`
/// uses 1e-7, which refuses designs this engine solves to 7 digits).
pub const COLLINEARITY_TOL: f64 = 1e-9;

/// Largest condition number (of the design with columns scaled to unit length)
/// solved by the tall-skinny QR and semi-normal refinement, which hold no copy of
/// the design; a worse-conditioned design takes the precise path (one Householder
/// QR of all rows, two more n × k copies). At 10⁵ each semi-normal refinement step
/// shrinks the error by about 10¹⁰ · 2⁻⁵³ ≈ 10⁻⁶, and no column is near the
/// collinearity threshold (the smallest pivot is at least 10⁻⁵).
pub const FAST_PATH_CONDITION: f64 = 1e5;

/// At most this many refinement steps; each gains about 16 − log10(condition) digits
/// until the residual's own rounding is reached.
const REFINEMENT_STEPS: usize = 4;

/// A least-squares fit with the pieces the sandwich estimators use.
#[derive(Debug, Clone)]
pub(crate) struct OlsFit<'a> {
    pub coef: DVector<f64>,
    /// R⁻¹ (upper triangular), so that M = (X̃ᵀX̃)⁻¹ = R⁻¹R⁻ᵀ.
    pub r_inv: DMatrix<f64>,
    /// M = (X̃ᵀX̃)⁻¹.
    pub xtx_inv: DMatrix<f64>,
    /// X̃ = W^½X (X itself, borrowed, when unweighted).
    pub xs: Cow<'a, DMatrix<f64>>,
    /// ẽ = W^½(y − Xβ̂).
    pub scaled_residuals: DVector<f64>,
    /// e = y − Xβ̂.
    pub residuals: DVector<f64>,
    /// Weights normalised to mean 1, if any.
    pub weights: Option<Vec<f64>>,
}

impl OlsFit<'_> {
    pub fn n(&self) -> usize {
        self.xs.nrows()
    }
    pub fn k(&self) -> usize {
        self.xs.ncols()
    }
}

/// Names a constant column as constant before the collinearity test would call it
/// "a linear combination": a column of zeros, or a constant column after another
/// constant column (the intercept, or an earlier constant). One constant column with
/// no intercept is the intercept in disguise and is fitted.
pub(crate) fn check_constant_columns(design: &Design) -> Result<(), RegressionError> {
    let mut constant_before = false;
    for (j, column) in design.x.column_iter().enumerate() {
        let first = column[0];
        if column.iter().any(|&v| v != first) {
            continue;
        }
        if first == 0.0 || constant_before {
            return Err(RegressionError::ConstantColumn {
                column: design.names[j].clone(),
                value: first,
            });
        }
        constant_before = true;
    }
    Ok(())
}

/// Checks weights: same length as the outcome, finite and strictly positive.
pub(crate) fn check_weights(weights: &[f64], n: usize) -> Result<(), RegressionError> {
    if weights.len() != n {
        return Err(RegressionError::LengthMismatch {
            column: "weights".into(),
            expected: n,
            found: weights.len(),
        });
    }
    for (row, &value) in weights.iter().enumerate() {
        if !(value.is_finite() && value > 0.0) {
            return Err(RegressionError::BadWeight { row, value });
        }
    }
    Ok(())
}

/// Checks that the outcome matches the design and is finite.
pub(crate) fn check_outcome(y: &[f64], n: usize) -> Result<(), RegressionError> {
    if y.len() != n {
        return Err(RegressionError::LengthMismatch {
            column: "outcome".into(),
            expected: n,
            found: y.len(),
        });
    }
    for (row, &value) in y.iter().enumerate() {
        if !value.is_finite() {
            return Err(RegressionError::NonFinite {
                column: "outcome".into(),
                row,
                value,
            });
        }
    }
    Ok(())
}

/// Fits y on X by (weighted) least squares.
///
/// # Errors
/// Length, finiteness and weight checks; [`RegressionError::TooFewObservations`] when
/// n ≤ k; [`RegressionError::Collinear`] for a rank-deficient design.
pub(crate) fn fit_ols<'a>(
    design: &'a Design,
    y: &[f64],
    weights: Option<&[f64]>,
) -> Result<OlsFit<'a>, RegressionError> {
    let n = design.nrows();
    let k = design.ncols();
    if n == 0 {
        return Err(RegressionError::Empty);
    }
    check_outcome(y, n)?;
    if n <= k {
        return Err(RegressionError::TooFewObservations { n, k });
    }
    let weights = match weights {
        Some(w) => {
            check_weights(w, n)?;
            let mean = w.iter().sum::<f64>() / n as f64;
            Some(w.iter().map(|v| v / mean).collect::<Vec<f64>>())
        }
        None => None,
    };
    let mut xs = Cow::Borrowed(&design.x);
    let mut ys = DVector::from_column_slice(y);
    if let Some(w) = &weights {
        let sw: Vec<f64> = w.iter().map(|v| v.sqrt()).collect();
        for mut col in xs.to_mut().column_iter_mut() {
            for (v, s) in col.iter_mut().zip(&sw) {
                *v *= s;
            }
        }
        for (v, s) in ys.iter_mut().zip(&sw) {
            *v *= s;
        }
    }
    check_constant_columns(design)?;
    // One blocked pass gives the triangle of [X̃ | ỹ] without a copy of X̃.
    let augmented = tall_skinny_r(&xs, ys.as_slice());
    let r = augmented.view((0, 0), (k, k)).into_owned();
    let norms: Vec<f64> = (0..k).map(|j| r.column(j).norm()).collect();
    let unit_r = DMatrix::from_fn(k, k, |i, j| {
        if norms[j] > 0.0 {
            r[(i, j)] / norms[j]
        } else {
            0.0
        }
    });
    let (unit_coef, unit_r) = match condition_number(&unit_r) {
        Some(condition) if condition <= FAST_PATH_CONDITION => {
            let qty = augmented.view((0, k), (k, 1)).into_owned();
            let unit_coef = semi_normal_solution(&unit_r, &qty, &xs, &ys, &norms, design)?;
            (unit_coef, unit_r)
        }
        _ => precise_solution(&xs, &ys, &norms, design)?,
    };
    drop(augmented);
    let coef = DVector::from_fn(k, |j, _| unit_coef[j] / norms[j]);
    // X̃ = Q·R·D⁻¹ with D = diag(1/‖X̃_j‖), so R⁻¹ of X̃ is D·R_unit⁻¹.
    let mut r_inv = unit_r
        .solve_upper_triangular(&DMatrix::identity(k, k))
        .ok_or_else(|| RegressionError::Collinear {
            columns: design.names.clone(),
        })?;
    for (j, mut row) in r_inv.row_iter_mut().enumerate() {
        row /= norms[j];
    }
    let xtx_inv = &r_inv * r_inv.transpose();
    let scaled_residuals = &ys - xs.as_ref() * &coef;
    let residuals = match &weights {
        None => scaled_residuals.clone(),
        Some(_) => DVector::from_column_slice(y) - &design.x * &coef,
    };
    Ok(OlsFit {
        coef,
        r_inv,
        xtx_inv,
        xs,
        scaled_residuals,
        residuals,
        weights,
    })
}

/// Rows per block of the tall-skinny QR and of the other blocked passes: a block
/// of [X̃ | ỹ] stays in cache, and blocks are grouped into tasks of
/// `BLOCKS_PER_TASK` so the partial results do not depend on the thread count.
const BLOCK_ROWS: usize = 4_096;
const BLOCKS_PER_TASK: usize = 16;

/// Row ranges of the blocked passes, grouped into tasks (fixed, whatever the
/// number of threads, so sums are added in the same order on every machine).
pub(crate) fn task_ranges(n: usize) -> Vec<std::ops::Range<usize>> {
    let task = BLOCK_ROWS * BLOCKS_PER_TASK;
    (0..n.div_ceil(task))
        .map(|t| t * task..((t + 1) * task).min(n))
        .collect()
}

/// The (k+1) × (k+1) upper triangle R of [X | y] (RᵀR = [X | y]ᵀ[X | y]) by a
/// tall-skinny QR: Householder QR of row blocks, each block's triangle stacked on
/// the next and factored again, tasks in parallel and their triangles combined in
/// row order. As accurate as one Householder QR of all rows (Demmel et al. 2012,
/// "Communication-optimal parallel and sequential QR and LU factorizations", SIAM
/// J. Sci. Comput. 34(1):A206), and it never holds more than a block besides X.
pub(crate) fn tall_skinny_r(x: &DMatrix<f64>, y: &[f64]) -> DMatrix<f64> {
    let k = x.ncols();
    tall_skinny_r_with(x.nrows(), k, |start, mut rows| {
        let len = rows.nrows();
        rows.view_mut((0, 0), (len, k))
            .copy_from(&x.rows(start, len));
        rows.view_mut((0, k), (len, 1))
            .copy_from_slice(&y[start..start + len]);
    })
}

/// [`tall_skinny_r`] of an `n` × (`k` + 1) matrix [X | y] that is never formed:
/// `fill(start, rows)` writes its rows `start..start + rows.nrows()` into `rows`
/// (every entry), block by block as the factorisation reaches them.
pub(crate) fn tall_skinny_r_with<F>(n: usize, k: usize, fill: F) -> DMatrix<f64>
where
    F: Fn(usize, nalgebra::DMatrixViewMut<'_, f64>) + Sync,
{
    use rayon::prelude::*;
    let per_task: Vec<DMatrix<f64>> = task_ranges(n)
        .into_par_iter()
        .map(|range| {
            let mut triangle: Option<DMatrix<f64>> = None;
            let mut start = range.start;
            while start < range.end {
                let stop = (start + BLOCK_ROWS).min(range.end);
                let above = triangle.as_ref().map_or(0, DMatrix::nrows);
                let mut block = DMatrix::zeros(above + stop - start, k + 1);
                if let Some(t) = &triangle {
                    block.view_mut((0, 0), (above, k + 1)).copy_from(t);
                }
                fill(start, block.view_mut((above, 0), (stop - start, k + 1)));
                triangle = Some(block.qr().r());
                start = stop;
            }
            triangle.unwrap_or_else(|| DMatrix::zeros(0, k + 1))
        })
        .collect();
    let combined = per_task
        .into_iter()
        .reduce(|a, b| {
            let mut stacked = DMatrix::zeros(a.nrows() + b.nrows(), k + 1);
            stacked.view_mut((0, 0), (a.nrows(), k + 1)).copy_from(&a);
            stacked
                .view_mut((a.nrows(), 0), (b.nrows(), k + 1))
                .copy_from(&b);
            stacked.qr().r()
        })
        .unwrap_or_else(|| DMatrix::zeros(0, k + 1));
    // Fewer rows than k + 1 leave a short triangle; pad it to square.
    let mut square = DMatrix::zeros(k + 1, k + 1);
    let rows = combined.nrows().min(k + 1);
    square
        .view_mut((0, 0), (rows, k + 1))
        .copy_from(&combined.rows(0, rows));
    square
}

/// The 2-norm condition number of a triangular factor (its singular values),
/// `None` when it is singular or not finite.
fn condition_number(r: &DMatrix<f64>) -> Option<f64> {
    if r.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let singular = r.clone().svd(false, false).singular_values;
    let (max, min) = (singular.max(), singular.min());
    (min > 0.0).then(|| max / min)
}

/// β̂ of the unit-length columns from the tall-skinny triangle: R_unit β = Qᵀỹ,
/// then refined by corrected semi-normal equations (Björck 1987, "Stability
/// analysis of the method of seminormal equations for linear least squares
/// problems", Linear Algebra Appl. 88:31): the residual in compensated arithmetic,
/// and the correction R⁻¹R⁻ᵀX̃ᵀr, until it stops shrinking. Each step shrinks the
/// error by about condition² · 2⁻⁵³, which `FAST_PATH_CONDITION` keeps below 10⁻⁶.
fn semi_normal_solution(
    unit_r: &DMatrix<f64>,
    qty: &DMatrix<f64>,
    xs: &DMatrix<f64>,
    ys: &DVector<f64>,
    norms: &[f64],
    design: &Design,
) -> Result<DVector<f64>, RegressionError> {
    let k = unit_r.ncols();
    let collinear = || RegressionError::Collinear {
        columns: design.names.clone(),
    };
    let mut unit_coef: DVector<f64> = unit_r
        .solve_upper_triangular(qty)
        .ok_or_else(collinear)?
        .column(0)
        .into_owned();
    let mut last = f64::INFINITY;
    for _ in 0..REFINEMENT_STEPS {
        let coef = DVector::from_fn(k, |j, _| unit_coef[j] / norms[j]);
        let gradient = residual_gradient(xs, ys, &coef);
        let unit_gradient = DVector::from_fn(k, |j, _| gradient[j] / norms[j]);
        let half = unit_r
            .tr_solve_upper_triangular(&unit_gradient)
            .ok_or_else(collinear)?;
        let correction = unit_r.solve_upper_triangular(&half).ok_or_else(collinear)?;
        let size = correction.amax();
        if size.is_nan() || size >= last {
            break;
        }
        unit_coef += &correction;
        last = size;
        if size <= f64::EPSILON * unit_coef.amax() {
            break;
        }
    }
    Ok(unit_coef)
}

/// X̃ᵀ(ỹ − X̃β) with each residual in compensated arithmetic, by row blocks in
/// parallel, the blocks' sums added in row order.
fn residual_gradient(xs: &DMatrix<f64>, ys: &DVector<f64>, coef: &DVector<f64>) -> DVector<f64> {
    use rayon::prelude::*;
    let k = xs.ncols();
    task_ranges(xs.nrows())
        .into_par_iter()
        .map(|range| {
            let rows = xs.rows(range.start, range.len());
            let residual = compensated_residual(&rows, &ys.rows(range.start, range.len()), coef);
            rows.tr_mul(&residual)
        })
        .collect::<Vec<_>>()
        .into_iter()
        .fold(DVector::zeros(k), |sum, part| sum + part)
}

/// β̂ of the unit-length columns by one Householder QR of all of X̃ (scaled to unit
/// columns) with iterative refinement; the path for ill-conditioned designs (see
/// the module docs), which holds two more n × k copies. Returns R of the unit
/// columns too.
fn precise_solution(
    xs: &DMatrix<f64>,
    ys: &DVector<f64>,
    norms: &[f64],
    design: &Design,
) -> Result<(DVector<f64>, DMatrix<f64>), RegressionError> {
    let k = xs.ncols();
    let mut unit = xs.clone();
    for (j, mut col) in unit.column_iter_mut().enumerate() {
        if norms[j] > 0.0 {
            col /= norms[j];
        }
    }
    let qr = unit.clone().qr();
    let r = qr.r();
    let collinear: Vec<String> = (0..k)
        .filter(|&j| norms[j] == 0.0 || r[(j, j)].abs() <= COLLINEARITY_TOL)
        .map(|j| design.names[j].clone())
        .collect();
    if !collinear.is_empty() {
        return Err(RegressionError::Collinear { columns: collinear });
    }
    let solve = |rhs: &DVector<f64>| -> Result<DVector<f64>, RegressionError> {
        let mut qtb = rhs.clone();
        qr.q_tr_mul(&mut qtb);
        r.solve_upper_triangular(&qtb.rows(0, k).into_owned())
            .ok_or_else(|| RegressionError::Collinear {
                columns: design.names.clone(),
            })
    };
    // β̂ of the unit-length columns, refined (see the module docs).
    let mut unit_coef = solve(ys)?;
    let mut last = f64::INFINITY;
    for _ in 0..REFINEMENT_STEPS {
        let correction = solve(&compensated_residual(
            &unit.rows(0, unit.nrows()),
            &ys.rows(0, ys.nrows()),
            &unit_coef,
        ))?;
        let size = correction.amax();
        // A correction that does not shrink (or is NaN) has reached rounding level.
        if size.is_nan() || size >= last {
            break;
        }
        unit_coef += &correction;
        last = size;
        if size <= f64::EPSILON * unit_coef.amax() {
            break;
        }
    }
    Ok((unit_coef, r))
}

/// b − A·x with every dot product in double-double arithmetic (Ogita, Rump & Oishi
/// 2005, "Accurate sum and dot product", SIAM J. Sci. Comput. 26(6):1955), so that the
/// residual of a nearly exact fit keeps its leading digits for iterative refinement.
fn compensated_residual(
    a: &DMatrixView<f64>,
    b: &DVectorView<f64>,
    x: &DVector<f64>,
) -> DVector<f64> {
    DVector::from_fn(a.nrows(), |i, _| {
        // sum + error accumulates b_i − Σ_j a_ij x_j.
        let (mut sum, mut error) = (b[i], 0.0);
        for j in 0..a.ncols() {
            let product = -a[(i, j)] * x[j];
            let product_error = (-a[(i, j)]).mul_add(x[j], -product);
            let total = sum + product;
            let z = total - sum;
            error += (sum - (total - z)) + (product - z) + product_error;
            sum = total;
        }
        sum + error
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::prec::assert_close;

    fn design(cols: &[&[f64]]) -> Design {
        let n = cols[0].len();
        let names = (0..cols.len()).map(|j| format!("x{j}")).collect();
        let x = DMatrix::from_iterator(n, cols.len(), cols.iter().flat_map(|c| c.iter().copied()));
        Design::from_matrix(names, x).unwrap()
    }

    #[test]
    fn exact_line_is_recovered() {
        let d = design(&[&[1.0; 5], &[0.0, 1.0, 2.0, 3.0, 4.0]]);
        let y = [1.0, 3.0, 5.0, 7.0, 9.0];
        let fit = fit_ols(&d, &y, None).unwrap();
        assert_close(fit.coef[0], 1.0, 1e-13, "intercept");
        assert_close(fit.coef[1], 2.0, 1e-13, "slope");
    }

    #[test]
    fn collinear_column_is_named() {
        let d = design(&[&[1.0; 4], &[1.0, 2.0, 3.0, 4.0], &[2.0, 4.0, 6.0, 8.0]]);
        let err = fit_ols(&d, &[1.0, 0.0, 2.0, 1.0], None).unwrap_err();
        assert_eq!(
            err,
            RegressionError::Collinear {
                columns: vec!["x2".into()]
            }
        );
        assert!(err.to_string().contains("x2 is a linear combination"));
    }

    #[test]
    fn constant_column_is_named_as_constant_not_collinear() {
        let with_intercept = design(&[&[1.0; 4], &[1.0, 2.0, 3.0, 5.0], &[5.0; 4]]);
        let err = fit_ols(&with_intercept, &[1.0, 0.0, 2.0, 1.0], None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x2 is constant (every value is 5): a column with one value carries no information beside the intercept"
        );
        let zeros = design(&[&[1.0, 2.0, 3.0, 5.0], &[0.0; 4]]);
        let err = fit_ols(&zeros, &[1.0, 0.0, 2.0, 1.0], None).unwrap_err();
        assert!(
            matches!(err, RegressionError::ConstantColumn { ref column, value } if column == "x1" && value == 0.0)
        );
        // Without an intercept, one constant column is the intercept and is fitted.
        let alone = design(&[&[5.0; 4], &[1.0, 2.0, 3.0, 5.0]]);
        assert!(fit_ols(&alone, &[1.0, 0.0, 2.0, 1.0], None).is_ok());
    }

    #[test]
    fn bad_inputs_are_refused() {
        let d = design(&[&[1.0; 3], &[1.0, 2.0, 3.0]]);
        assert!(matches!(
            fit_ols(&d, &[1.0, 2.0, 3.0], Some(&[1.0, 0.0, 1.0])),
            Err(RegressionError::BadWeight { row: 1, .. })
        ));
        assert!(matches!(
            fit_ols(&d, &[1.0, f64::NAN, 3.0], None),
            Err(RegressionError::NonFinite { row: 1, .. })
        ));
        let d2 = design(&[&[1.0; 2], &[1.0, 2.0]]);
        assert!(matches!(
            fit_ols(&d2, &[1.0, 2.0], None),
            Err(RegressionError::TooFewObservations { n: 2, k: 2 })
        ));
    }

    /// A design of `n` rows: intercept, `x`, and the powers of `x` up to `degree`.
    fn polynomial(n: usize, degree: i32) -> (Design, Vec<f64>) {
        let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.618_034).fract()).collect();
        let columns: Vec<Vec<f64>> = (0..=degree)
            .map(|p| x.iter().map(|v| v.powi(p)).collect())
            .collect();
        let refs: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
        let y: Vec<f64> = x
            .iter()
            .enumerate()
            .map(|(i, v)| 1.0 + 2.0 * v - v * v + ((i * 7919) % 13) as f64 * 0.05)
            .collect();
        (design(&refs), y)
    }

    #[test]
    fn the_fast_path_equals_the_precise_path() {
        // 150,000 rows: three tasks of the tall-skinny QR, the last one short.
        let (d, y) = polynomial(150_000, 2);
        let fit = fit_ols(&d, &y, None).unwrap();
        let norms: Vec<f64> = d.x.column_iter().map(|c| c.norm()).collect();
        let (unit_coef, _) =
            precise_solution(&d.x, &DVector::from_column_slice(&y), &norms, &d).unwrap();
        for j in 0..3 {
            assert_close(fit.coef[j], unit_coef[j] / norms[j], 1e-12, "coef");
        }
        // The triangle's R equals the Householder R up to row signs.
        let r = tall_skinny_r(&d.x, &y);
        let qr_r = d.x.clone().qr().r();
        for i in 0..3 {
            for j in i..3 {
                assert_close(r[(i, j)].abs(), qr_r[(i, j)].abs(), 1e-12, "R");
            }
        }
    }

    #[test]
    fn an_ill_conditioned_design_takes_the_precise_path() {
        let (well, _) = polynomial(2_000, 2);
        let (ill, y) = polynomial(2_000, 9);
        let unit_r = |d: &Design| {
            let r = tall_skinny_r(&d.x, &vec![0.0; d.nrows()]);
            let r = r.view((0, 0), (d.ncols(), d.ncols())).into_owned();
            let norms: Vec<f64> = (0..d.ncols()).map(|j| r.column(j).norm()).collect();
            DMatrix::from_fn(d.ncols(), d.ncols(), |i, j| r[(i, j)] / norms[j])
        };
        assert!(condition_number(&unit_r(&well)).unwrap() < FAST_PATH_CONDITION);
        assert!(condition_number(&unit_r(&ill)).unwrap() > FAST_PATH_CONDITION);
        // On that path the coefficients are the precise path's, bit for bit (the
        // column norms come from the triangle, whose first k columns do not
        // depend on y).
        let fit = fit_ols(&ill, &y, None).unwrap();
        let r = tall_skinny_r(&ill.x, &vec![0.0; ill.nrows()]);
        let norms: Vec<f64> = (0..ill.ncols())
            .map(|j| r.view((0, j), (ill.ncols(), 1)).norm())
            .collect();
        let (unit_coef, _) =
            precise_solution(&ill.x, &DVector::from_column_slice(&y), &norms, &ill).unwrap();
        for j in 0..ill.ncols() {
            assert_eq!(fit.coef[j], unit_coef[j] / norms[j]);
        }
    }
}
