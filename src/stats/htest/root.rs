//! The tests' root-finding convention on the shared Brent solver
//! (`stats::root`): run to full double precision, for Fisher's conditional MLE and
//! confidence limits and the non-central t intervals of effect sizes.

use crate::stats::root::{Tolerance, brent as shared_brent};

/// Finds a root of `f` in `[a, b]`, where `f(a)` and `f(b)` have opposite signs (or one is
/// zero). Returns the final iterate when the bracket has shrunk to `2·eps·|x| + tol_abs/2`.
pub(crate) fn brent(mut f: impl FnMut(f64) -> f64, a: f64, b: f64, tol_abs: f64) -> f64 {
    let (fa, fb) = (f(a), f(b));
    let tolerance = Tolerance {
        relative: 2.0 * f64::EPSILON,
        absolute: 0.5 * tol_abs,
        max_iterations: 1000,
    };
    let root: Result<_, std::convert::Infallible> =
        shared_brent(|x| Ok(f(x)), (a, fa), (b, fb), tolerance);
    match root {
        Ok(root) => root.x,
    }
}
