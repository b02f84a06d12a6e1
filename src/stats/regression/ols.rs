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
//! # Ill-conditioned designs
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

use nalgebra::{DMatrix, DVector};
use std::borrow::Cow;

use super::{Design, RegressionError};

/// Pivot tolerance for collinearity, on columns scaled to unit length (R's `lm()`
/// uses 1e-7, which refuses designs this engine solves to 7 digits).
pub const COLLINEARITY_TOL: f64 = 1e-9;

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
    let norms: Vec<f64> = xs.column_iter().map(|c| c.norm()).collect();
    let mut unit = xs.as_ref().clone();
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
    let mut unit_coef = solve(&ys)?;
    let mut last = f64::INFINITY;
    for _ in 0..REFINEMENT_STEPS {
        let correction = solve(&compensated_residual(&unit, &ys, &unit_coef))?;
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
    let coef = DVector::from_fn(k, |j, _| unit_coef[j] / norms[j]);
    // X̃ = Q·R·D⁻¹ with D = diag(1/‖X̃_j‖), so R⁻¹ of X̃ is D·R_unit⁻¹.
    let mut r_inv = r
        .solve_upper_triangular(&DMatrix::identity(k, k))
        .ok_or_else(|| RegressionError::Collinear {
            columns: design.names.clone(),
        })?;
    for (j, mut row) in r_inv.row_iter_mut().enumerate() {
        row /= norms[j];
    }
    let xtx_inv = &r_inv * r_inv.transpose();
    let scaled_residuals = &ys - xs.as_ref() * &coef;
    let residuals = DVector::from_column_slice(y) - &design.x * &coef;
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

/// b − A·x with every dot product in double-double arithmetic (Ogita, Rump & Oishi
/// 2005, "Accurate sum and dot product", SIAM J. Sci. Comput. 26(6):1955), so that the
/// residual of a nearly exact fit keeps its leading digits for iterative refinement.
fn compensated_residual(a: &DMatrix<f64>, b: &DVector<f64>, x: &DVector<f64>) -> DVector<f64> {
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
}
