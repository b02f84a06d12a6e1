//! Numerical tolerances and comparison helpers shared by the statistical routines
//! and their parity tests, so that every tolerance is set (and justified) once.

/// Parity with R for closed-form results: relative 1e-10 (parity-notes.md).
pub const PARITY: f64 = 1e-10;
/// Parity for solved roots and fully converged iterative fits, compared with R run at
/// a tight tolerance (parity-notes.md: uniroot tol = 1e-14, glm epsilon = 1e-14).
pub const PARITY_SOLVED: f64 = 1e-8;

/// Relative difference |a - b| / max(|b|, tiny), with exact matches (including both
/// infinite with the same sign, or both NaN) counted as zero.
pub fn relative_difference(actual: f64, expected: f64) -> f64 {
    if actual == expected || (actual.is_nan() && expected.is_nan()) {
        return 0.0;
    }
    if !actual.is_finite() || !expected.is_finite() {
        return f64::INFINITY;
    }
    (actual - expected).abs() / expected.abs().max(f64::MIN_POSITIVE)
}

/// True when `actual` agrees with `expected` to relative tolerance `tol`, or (for
/// values near zero, where relative error is meaningless) to absolute tolerance `tol`.
pub fn close(actual: f64, expected: f64, tol: f64) -> bool {
    relative_difference(actual, expected) <= tol || (actual - expected).abs() <= tol * 1e-3
}

/// Panics with both values and the relative difference when they disagree.
/// For tests only; library code never panics on user input.
#[track_caller]
pub fn assert_close(actual: f64, expected: f64, tol: f64, what: &str) {
    assert!(
        close(actual, expected, tol),
        "{what}: got {actual:e}, expected {expected:e} (relative difference {:e} > {tol:e})",
        relative_difference(actual, expected)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_difference_is_scale_free() {
        assert!((relative_difference(1.0 + 1e-12, 1.0) - 1e-12).abs() < 1e-15);
        assert!((relative_difference(1e-300 * (1.0 + 1e-6), 1e-300) - 1e-6).abs() < 1e-12);
        assert_eq!(relative_difference(f64::INFINITY, f64::INFINITY), 0.0);
        assert_eq!(relative_difference(f64::NAN, 1.0), f64::INFINITY);
    }

    #[test]
    fn close_rejects_a_real_difference() {
        assert!(close(1.0 + 5e-11, 1.0, PARITY));
        assert!(!close(1.0 + 5e-10, 1.0, PARITY));
    }
}
