//! The inner problem of every synthetic-control fit: donor weights on the unit
//! simplex that minimise a weighted squared distance. Two solvers:
//!
//! - Clarabel (an interior-point conic solver, Apache-2.0, a maintained crate) for
//!   every weight that is reported: the one-off fits (outcome-only, augmented,
//!   cross-validation splits), the nested fit's final weights at its chosen V, and
//!   any solve whose optimum is not unique (its answer is then the centre of the
//!   optimal set, not a vertex).
//! - An exact active-set method used only inside the nested fit's outer search, which
//!   evaluates the problem thousands of times with a few predictor rows: a solve
//!   costs microseconds instead of a fraction of a millisecond, and it answers only
//!   when it can certify the unique optimum, so the two agree to Clarabel's
//!   tolerance. Its weights never reach a report.
//!
//! For Clarabel the problem is posed with explicit residuals, `X0 w + r = x1`, so the
//! quadratic term is the diagonal `V` and the constraint matrix stays sparse: the KKT
//! system is small and well conditioned even with hundreds of donors.

use clarabel::algebra::CscMatrix;
use clarabel::solver::{
    DefaultSettings, DefaultSolver, IPSolver, NonnegativeConeT, SolverStatus, ZeroConeT,
};

use nalgebra::{DMatrix, DVector};

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
    interior_point(x1, x0, v, scale, None)
}

/// Rows the weights must reproduce exactly: the target, and each donor's values (in
/// donor order).
pub struct ExactRows<'a> {
    pub target: &'a [f64],
    pub donors: &'a [&'a [f64]],
}

/// As [`simplex_weights`], among only the weights with `sum_j w_j e0[j] = e1` (the
/// exact rows; the caller makes sure some simplex point meets them).
pub fn simplex_weights_reproducing(
    x1: &[f64],
    x0: &[&[f64]],
    v: &[f64],
    scale: f64,
    exact: &ExactRows,
) -> Result<Vec<f64>, SynthError> {
    interior_point(x1, x0, v, scale, Some(exact))
}

fn interior_point(
    x1: &[f64],
    x0: &[&[f64]],
    v: &[f64],
    scale: f64,
    exact: Option<&ExactRows>,
) -> Result<Vec<f64>, SynthError> {
    let k = x1.len();
    let j = x0.len();
    if j == 1 {
        return Ok(vec![1.0]);
    }
    // Exact rows sit after the sum-to-one row, so without them the problem is the
    // one built before they existed, to the bit.
    let e = exact.map_or(0, |rows| rows.target.len());
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
    // Constraint rows: k equalities X0 w + r = x1, one equality sum w = 1, the e
    // exact rows, then j rows -w + s = 0 with s in the non-negative cone.
    let m = k + 1 + e + j;
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
            if let Some(rows_exact) = exact {
                for (i, value) in rows_exact.donors[col].iter().enumerate() {
                    if *value != 0.0 {
                        rows.push(k + 1 + i);
                        values.push(*value);
                    }
                }
            }
            rows.push(k + 1 + e + col);
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
    if let Some(rows_exact) = exact {
        b.extend_from_slice(rows_exact.target);
    }
    b.extend(std::iter::repeat_n(0.0, j));
    let cones = [ZeroConeT(k + 1 + e), NonnegativeConeT(j)];
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

/// What the active-set solve of the nested fit's inner problem found.
#[derive(Debug, Clone, PartialEq)]
pub enum ActiveSetOutcome {
    /// The one minimiser: the donors with positive weight are affinely independent and
    /// every other donor would strictly increase the loss (a certified unique optimum).
    Unique(Vec<f64>),
    /// The target is reproduced exactly by a convex combination of donors (these
    /// weights, at most `k + 1` of them positive): every point of the simplex with
    /// `X0 w = x1` is optimal, whatever the row weights, so the problem has no single
    /// answer and the caller decides which.
    Reproduced(Vec<f64>),
    /// Near-ties or a dependent support: the solve cannot certify its answer, so the
    /// caller falls back to the interior point.
    Uncertain,
}

/// Residual (relative to the largest donor-to-target distance) under which the target
/// counts as reproduced.
const REPRODUCED: f64 = 1e-10;
/// Reduced costs (relative to residual times that distance): at least `-OPTIMAL` is
/// optimal, above `STRICT` is strictly complementary (the optimum is unique).
const OPTIMAL: f64 = 1e-12;
const STRICT: f64 = 1e-9;
/// A support column whose QR pivot falls below this (relative to the largest column
/// norm) makes the support affinely dependent.
const DEPENDENT: f64 = 1e-10;

/// Reusable state of [`simplex_weights_active_set`]: the previous call's support, where
/// the next call starts when it is still feasible (the outer search evaluates nearby
/// row weights one after another, so the support rarely changes).
#[derive(Debug, Clone, Default)]
pub struct WarmStart {
    support: Vec<usize>,
}

/// The same problem as [`simplex_weights`], solved exactly by a primal active-set
/// method (Lawson and Hanson's NNLS with the sum-to-one constraint kept as an
/// equality): each step solves least squares on the current support by QR, so a solve
/// costs microseconds where the interior point costs a fraction of a millisecond. It
/// answers only when it can certify a unique optimum; the solution then has at most
/// `k + 1` positive weights and is exact to rounding.
pub fn simplex_weights_active_set(
    x1: &[f64],
    x0: &[&[f64]],
    v: &[f64],
    warm: &mut WarmStart,
) -> ActiveSetOutcome {
    let k = x1.len();
    let j = x0.len();
    if j == 1 {
        return ActiveSetOutcome::Unique(vec![1.0]);
    }
    let root_v: Vec<f64> = v.iter().map(|x| x.max(0.0).sqrt()).collect();
    let b: Vec<f64> = x1.iter().zip(&root_v).map(|(x, r)| x * r).collect();
    // Donor columns of A = V^(1/2) X0, one after another.
    let mut a = Vec::with_capacity(j * k);
    for donor in x0 {
        a.extend(donor.iter().zip(&root_v).map(|(x, r)| x * r));
    }
    let column = |d: usize| &a[d * k..(d + 1) * k];
    let distance = |d: usize| -> f64 {
        column(d)
            .iter()
            .zip(&b)
            .map(|(x, y)| (x - y).powi(2))
            .sum::<f64>()
    };
    let reach = (0..j).map(distance).fold(0.0_f64, f64::max).sqrt();
    if reach == 0.0 || !reach.is_finite() {
        return ActiveSetOutcome::Uncertain;
    }

    let mut support: Vec<usize> = Vec::new();
    let mut w = vec![0.0; j];
    if !warm.support.is_empty()
        && warm.support.iter().all(|&d| d < j)
        && let Some(z) = support_solution(&a, k, &b, &warm.support)
        && z.iter().all(|x| *x > 0.0)
    {
        support = warm.support.clone();
        for (&d, x) in support.iter().zip(&z) {
            w[d] = *x;
        }
    }
    if support.is_empty() {
        let nearest = (0..j)
            .map(|d| (d, distance(d)))
            .fold(
                (0, f64::INFINITY),
                |best, (d, x)| {
                    if x < best.1 { (d, x) } else { best }
                },
            )
            .0;
        support.push(nearest);
        w[nearest] = 1.0;
    }

    let mut residual = vec![0.0; k];
    for _ in 0..(4 * j + 20) {
        residual.copy_from_slice(&b);
        for &d in &support {
            for (r, x) in residual.iter_mut().zip(column(d)) {
                *r -= w[d] * x;
            }
        }
        for r in &mut residual {
            *r = -*r;
        }
        let size = residual.iter().map(|r| r * r).sum::<f64>().sqrt();
        if size <= REPRODUCED * reach {
            return ActiveSetOutcome::Reproduced(normalised(w));
        }
        let gradient =
            |d: usize| -> f64 { column(d).iter().zip(&residual).map(|(x, r)| x * r).sum() };
        let level = support.iter().map(|&d| gradient(d)).sum::<f64>() / support.len() as f64;
        let norm = size * reach;
        let mut entering: Option<(usize, f64)> = None;
        for d in 0..j {
            if support.binary_search(&d).is_ok() {
                continue;
            }
            let reduced = (gradient(d) - level) / norm;
            if entering.is_none_or(|(_, best)| reduced < best) {
                entering = Some((d, reduced));
            }
        }
        let Some((enter, reduced)) = entering else {
            // Every donor is in the support; with k rows that is only possible when
            // j <= k + 1, and then the optimum is unique iff the solve succeeded.
            warm.support = support;
            return ActiveSetOutcome::Unique(normalised(w));
        };
        if reduced >= -OPTIMAL {
            if reduced > STRICT {
                warm.support = support;
                return ActiveSetOutcome::Unique(normalised(w));
            }
            return ActiveSetOutcome::Uncertain;
        }
        let at = support.binary_search(&enter).unwrap_err();
        support.insert(at, enter);
        // Move towards the support's least-squares solution, dropping donors whose
        // weight reaches zero on the way, until that solution is strictly positive.
        loop {
            let Some(z) = support_solution(&a, k, &b, &support) else {
                return ActiveSetOutcome::Uncertain;
            };
            if z.iter().all(|x| *x > 0.0) {
                for (&d, x) in support.iter().zip(&z) {
                    w[d] = *x;
                }
                break;
            }
            let mut blocking = (usize::MAX, 1.0_f64);
            for (&d, x) in support.iter().zip(&z) {
                if *x <= 0.0 {
                    let ratio = w[d] / (w[d] - x);
                    if ratio < blocking.1 {
                        blocking = (d, ratio);
                    }
                }
            }
            let (blocked, step) = blocking;
            if step <= 0.0 || blocked == usize::MAX {
                // The entering donor would leave at once: a degenerate vertex.
                return ActiveSetOutcome::Uncertain;
            }
            for (&d, x) in support.iter().zip(&z) {
                w[d] += step * (x - w[d]);
            }
            w[blocked] = 0.0;
            support.retain(|&d| {
                if w[d] > 0.0 {
                    true
                } else {
                    w[d] = 0.0;
                    false
                }
            });
            if support.is_empty() {
                return ActiveSetOutcome::Uncertain;
            }
        }
    }
    ActiveSetOutcome::Uncertain
}

fn normalised(mut w: Vec<f64>) -> Vec<f64> {
    let total: f64 = w.iter().sum();
    for x in &mut w {
        *x /= total;
    }
    w
}

/// Least squares on the support with the weights summing to one: the first support
/// donor is the reference, the others enter as differences from it, and the
/// unconstrained problem is solved by QR. `None` when the support is affinely
/// dependent (more donors than rows plus one, or a vanishing pivot).
fn support_solution(a: &[f64], k: usize, b: &[f64], support: &[usize]) -> Option<Vec<f64>> {
    let m = support.len();
    if m == 1 {
        return Some(vec![1.0]);
    }
    if m - 1 > k {
        return None;
    }
    let reference = &a[support[0] * k..(support[0] + 1) * k];
    let differences = DMatrix::from_fn(k, m - 1, |i, c| a[support[c + 1] * k + i] - reference[i]);
    let largest = differences
        .column_iter()
        .map(|c| c.norm())
        .fold(0.0_f64, f64::max);
    if largest == 0.0 {
        return None;
    }
    let mut target = DVector::from_fn(k, |i, _| b[i] - reference[i]);
    let qr = differences.qr();
    let r = qr.r();
    if (0..m - 1).any(|i| r[(i, i)].abs() <= DEPENDENT * largest) {
        return None;
    }
    qr.q_tr_mul(&mut target);
    let head = target.rows(0, m - 1).into_owned();
    let y = r.solve_upper_triangular(&head)?;
    let mut z = Vec::with_capacity(m);
    z.push(1.0 - y.iter().sum::<f64>());
    z.extend(y.iter());
    Some(z)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn objective(x1: &[f64], x0: &[Vec<f64>], v: &[f64], w: &[f64]) -> f64 {
        (0..x1.len())
            .map(|i| {
                let fitted: f64 = x0.iter().zip(w).map(|(d, w)| w * d[i]).sum();
                v[i] * (x1[i] - fitted).powi(2)
            })
            .sum()
    }

    fn uniform(rng: &mut ChaCha8Rng) -> f64 {
        (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// `j` donors of `k` predictors, each uniform on [0, 1).
    fn uniform_donors(rng: &mut ChaCha8Rng, k: usize, j: usize) -> Vec<Vec<f64>> {
        (0..j)
            .map(|_| (0..k).map(|_| uniform(rng)).collect())
            .collect()
    }

    /// Random problems with the target outside the donors' hull (shifted past every
    /// donor on the first row): the active set certifies the optimum, which matches
    /// the interior point's to its tolerance and is no worse.
    #[test]
    fn active_set_matches_the_interior_point_outside_the_hull() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for case in 0..200 {
            let k = 2 + case % 6;
            let j = 3 + (case * 7) % 98;
            let x0: Vec<Vec<f64>> = (0..j)
                .map(|_| (0..k).map(|_| uniform(&mut rng) * 4.0 - 2.0).collect())
                .collect();
            let mut x1: Vec<f64> = (0..k).map(|_| uniform(&mut rng) * 4.0 - 2.0).collect();
            x1[0] = 2.0 + uniform(&mut rng);
            let raw: Vec<f64> = (0..k).map(|_| uniform(&mut rng) + 0.01).collect();
            let total: f64 = raw.iter().sum();
            let v: Vec<f64> = raw.iter().map(|x| x / total).collect();
            let refs: Vec<&[f64]> = x0.iter().map(Vec::as_slice).collect();
            let ActiveSetOutcome::Unique(exact) =
                simplex_weights_active_set(&x1, &refs, &v, &mut WarmStart::default())
            else {
                panic!("case {case} (k {k}, j {j}) was not certified");
            };
            let interior = simplex_weights(&x1, &refs, &v, 1.0).unwrap();
            let ours = objective(&x1, &x0, &v, &exact);
            let theirs = objective(&x1, &x0, &v, &interior);
            assert!(
                ours <= theirs * (1.0 + 1e-10),
                "case {case}: {ours} vs {theirs}"
            );
            for (a, b) in exact.iter().zip(&interior) {
                assert!((a - b).abs() < 1e-6, "case {case}: {a} vs {b}");
            }
            assert!(exact.iter().all(|w| *w >= 0.0));
            assert!((exact.iter().sum::<f64>() - 1.0).abs() < 1e-14);
            assert!(exact.iter().filter(|w| **w > 0.0).count() <= k + 1);
        }
    }

    /// A target that is a convex combination of more than k + 1 donors has many
    /// optimal weights: the active set says so instead of picking a vertex.
    #[test]
    fn a_target_inside_the_hull_is_reported_as_reproduced() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let (k, j) = (4, 30);
        let x0 = uniform_donors(&mut rng, k, j);
        let x1: Vec<f64> = (0..k)
            .map(|i| x0.iter().map(|d| d[i]).sum::<f64>() / j as f64)
            .collect();
        let refs: Vec<&[f64]> = x0.iter().map(Vec::as_slice).collect();
        let v = vec![0.25; k];
        let ActiveSetOutcome::Reproduced(w) =
            simplex_weights_active_set(&x1, &refs, &v, &mut WarmStart::default())
        else {
            panic!("the centroid was not reported as reproduced");
        };
        assert!(w.iter().filter(|w| **w > 0.0).count() <= k + 1);
        for i in 0..k {
            let fitted: f64 = x0.iter().zip(&w).map(|(d, w)| w * d[i]).sum();
            assert!((fitted - x1[i]).abs() < 1e-12);
        }
    }

    /// The warm start changes where the search begins, not the answer's bits.
    #[test]
    fn warm_and_cold_starts_give_the_same_bits() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let (k, j) = (5, 60);
        let x0 = uniform_donors(&mut rng, k, j);
        let x1 = vec![1.5, 0.2, 0.9, -0.3, 0.5];
        let refs: Vec<&[f64]> = x0.iter().map(Vec::as_slice).collect();
        let mut warm = WarmStart::default();
        for step in 0..20 {
            let t = step as f64 / 20.0;
            let v: Vec<f64> = (0..k).map(|i| 0.1 + t * i as f64 / k as f64).collect();
            let warmed = simplex_weights_active_set(&x1, &refs, &v, &mut warm);
            let cold = simplex_weights_active_set(&x1, &refs, &v, &mut WarmStart::default());
            assert!(matches!(warmed, ActiveSetOutcome::Unique(_)));
            assert_eq!(warmed, cold, "step {step}");
        }
    }
}
