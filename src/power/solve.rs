//! The bracketing root finder behind every "solve for the unknown" question.
//!
//! # Method
//! Brent's method (Brent 1973, *Algorithms for Minimization without Derivatives*,
//! ch. 4; the algorithm of R's `uniroot` and netlib `zeroin`) on a bracket where the
//! function changes sign, iterated until the bracket is narrower than
//! `2·(4ε|x| + 5e-13)`, well inside the 1e-10 the issue asks for (R's pwr stops at
//! `uniroot`'s default tol ≈ 1.2e-4, parity-notes.md).
//!
//! # Bracket expansion
//! Power rises with the sample size, the effect and alpha. [`solve_increasing`] starts
//! from a caller's guess `[lo, hi]`, and while the function is still below the target at
//! `hi` it multiplies `hi` by 4 (never past `max`); if the target is still not reached
//! at `max` there is no solution below `max`, which the caller turns into a message
//! (e.g. "needs more than 1e9 units"). If the target is already met at `lo`, `lo` is
//! moved down towards `min` by halving the distance, and if it is met at `min` the answer
//! is `min` itself (the smallest meaningful value reaches the target).

use super::error::PowerError;
use crate::stats::root::Tolerance;

/// Result of [`solve_increasing`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Root {
    /// f(x) = target at x, to the stated tolerance.
    At(f64),
    /// The target is met already at the smallest allowed value.
    AtMinimum(f64),
    /// The target is not met even at the largest allowed value.
    AboveMaximum(f64),
}

impl Root {
    /// A solved sample size and whether it sits at the minimum allowed; the target not
    /// being reached by `MAX_UNITS` is a `TooLarge` error giving `reason`.
    pub fn sample_size(
        self,
        target: f64,
        units: &'static str,
        reason: impl FnOnce() -> String,
    ) -> Result<(f64, bool), PowerError> {
        match self {
            Root::At(n) => Ok((n, false)),
            Root::AtMinimum(n) => Ok((n, true)),
            Root::AboveMaximum(_) => Err(PowerError::TooLarge {
                target: format!("power {target}"),
                limit: super::t::MAX_UNITS,
                units,
                reason: reason(),
            }),
        }
    }
}

/// Finds x in [min, max] with f(x) = target, for f non-decreasing in x.
///
/// `lo` and `hi` are a first guess at a bracket (min ≤ lo < hi ≤ max).
pub fn solve_increasing(
    f: impl Fn(f64) -> Result<f64, PowerError>,
    target: f64,
    min: f64,
    max: f64,
    lo: f64,
    hi: f64,
) -> Result<Root, PowerError> {
    let g = |x: f64| -> Result<f64, PowerError> { Ok(f(x)? - target) };
    let mut lo = lo.clamp(min, max);
    let mut hi = hi.clamp(min, max);
    if hi <= lo {
        lo = min;
        hi = max;
    }
    let mut g_hi = g(hi)?;
    while g_hi < 0.0 {
        if hi >= max {
            return Ok(Root::AboveMaximum(max));
        }
        lo = hi;
        hi = (hi * 4.0).max(hi + 1.0).min(max);
        g_hi = g(hi)?;
    }
    let mut g_lo = g(lo)?;
    while g_lo > 0.0 {
        if lo <= min {
            return Ok(Root::AtMinimum(min));
        }
        hi = lo;
        g_hi = g_lo;
        lo = if lo - min < 1e-9 * lo.abs().max(1.0) {
            min
        } else {
            min + (lo - min) / 2.0
        };
        g_lo = g(lo)?;
    }
    brent(&g, lo, hi, g_lo, g_hi).map(Root::At)
}

/// Brent's method (`stats::root`) on a bracket with g(a)·g(b) ≤ 0, to about 1e-12.
pub fn brent(
    g: &impl Fn(f64) -> Result<f64, PowerError>,
    a: f64,
    b: f64,
    fa: f64,
    fb: f64,
) -> Result<f64, PowerError> {
    let tolerance = Tolerance {
        relative: 4.0 * f64::EPSILON,
        absolute: 5e-13,
        max_iterations: 200,
    };
    Ok(crate::stats::root::brent(g, (a, fa), (b, fb), tolerance)?.x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_square_root_tightly() {
        let root = solve_increasing(|x| Ok(x * x), 2.0, 0.0, 1e9, 1.0, 1.5).unwrap();
        match root {
            Root::At(x) => assert!((x - 2f64.sqrt()).abs() < 1e-12),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn expands_the_bracket_and_reports_the_limits() {
        let root = solve_increasing(Ok, 5000.0, 0.0, 1e9, 1.0, 2.0).unwrap();
        assert!(matches!(root, Root::At(x) if (x - 5000.0).abs() < 1e-9));
        let above = solve_increasing(Ok, 2e9, 0.0, 1e9, 1.0, 2.0).unwrap();
        assert_eq!(above, Root::AboveMaximum(1e9));
        let below = solve_increasing(Ok, -1.0, 0.0, 1e9, 1.0, 2.0).unwrap();
        assert_eq!(below, Root::AtMinimum(0.0));
    }
}
