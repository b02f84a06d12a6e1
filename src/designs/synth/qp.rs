//! The inner problem of every synthetic-control fit: donor weights on the unit
//! simplex that minimise a weighted squared distance, solved by Clarabel (an
//! interior-point conic solver, Apache-2.0) rather than a hand-written optimiser.
//!
//! The problem is posed with explicit residuals, `X0 w + r = x1`, so the quadratic
//! term is the diagonal `V` and the constraint matrix stays sparse: the KKT system
//! is small and well conditioned even with hundreds of donors.

use clarabel::algebra::CscMatrix;
use clarabel::solver::{
    DefaultSettings, DefaultSolver, IPSolver, NonnegativeConeT, SolverStatus, ZeroConeT,
};

use super::SynthError;

/// Interior-point tolerances: tight enough that weights agree with an independent QP
/// to about 1e-7 (the fixtures compare at 1e-6; see tests/reference/synth/README.md).
const TOLERANCE: f64 = 1e-12;

/// Weights `w >= 0`, `sum w = 1` minimising `sum_i v_i (x1_i - sum_j w_j x0[j][i])^2`.
///
/// `x0[j]` is donor j's vector (one entry per row i), `x1` the treated unit's, `v`
/// the non-negative row weights. Rows are divided by `scale` first (the argmin does
/// not change) so the solver sees numbers of order one.
pub fn simplex_weights(
    x1: &[f64],
    x0: &[&[f64]],
    v: &[f64],
    scale: f64,
) -> Result<Vec<f64>, SynthError> {
    let k = x1.len();
    let j = x0.len();
    if j == 1 {
        return Ok(vec![1.0]);
    }
    let scale = if scale.is_finite() && scale > 0.0 {
        scale
    } else {
        1.0
    };
    // Variables: w (j), then r (k). Quadratic term: 2 v_i on the residuals only.
    let n = j + k;
    let mut p_colptr = vec![0usize; n + 1];
    let mut p_rows = Vec::with_capacity(k);
    let mut p_values = Vec::with_capacity(k);
    for col in 0..n {
        if col >= j {
            let i = col - j;
            p_rows.push(col);
            p_values.push(2.0 * v[i]);
        }
        p_colptr[col + 1] = p_rows.len();
    }
    let p = CscMatrix::new(n, n, p_colptr, p_rows, p_values);
    let q = vec![0.0; n];
    // Constraint rows: k equalities X0 w + r = x1, one equality sum w = 1, then
    // j rows -w + s = 0 with s in the non-negative cone.
    let m = k + 1 + j;
    let mut colptr = vec![0usize; n + 1];
    let mut rows = Vec::with_capacity(j * (k + 2) + k);
    let mut values = Vec::with_capacity(j * (k + 2) + k);
    for col in 0..n {
        if col < j {
            for (i, value) in x0[col].iter().enumerate() {
                if *value != 0.0 {
                    rows.push(i);
                    values.push(value / scale);
                }
            }
            rows.push(k);
            values.push(1.0);
            rows.push(k + 1 + col);
            values.push(-1.0);
        } else {
            rows.push(col - j);
            values.push(1.0);
        }
        colptr[col + 1] = rows.len();
    }
    let a = CscMatrix::new(m, n, colptr, rows, values);
    let mut b: Vec<f64> = x1.iter().map(|x| x / scale).collect();
    b.push(1.0);
    b.extend(std::iter::repeat_n(0.0, j));
    let cones = [ZeroConeT(k + 1), NonnegativeConeT(j)];
    let settings = DefaultSettings {
        verbose: false,
        tol_gap_abs: TOLERANCE,
        tol_gap_rel: TOLERANCE,
        tol_feas: TOLERANCE,
        tol_ktratio: 1e-10,
        max_iter: 400,
        ..DefaultSettings::default()
    };
    let mut solver = DefaultSolver::new(&p, &q, &a, &b, &cones, settings)
        .map_err(|e| SynthError::Solver(format!("{e:?}")))?;
    solver.solve();
    match solver.solution.status {
        SolverStatus::Solved | SolverStatus::AlmostSolved => {}
        status => return Err(SynthError::Solver(format!("{status:?}"))),
    }
    // Interior-point iterates sit strictly inside the cone: clip the last 1e-13 or so
    // to zero and renormalise so the weights are exactly on the simplex.
    let mut w: Vec<f64> = solver.solution.x[..j].iter().map(|x| x.max(0.0)).collect();
    let total: f64 = w.iter().sum();
    for x in &mut w {
        *x /= total;
    }
    Ok(w)
}
