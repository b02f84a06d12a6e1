//! A bracketing root finder (Brent 1973, the algorithm of R's `uniroot`/`zeroin`) run to
//! full double precision, for the solved quantities (Fisher's conditional MLE and
//! confidence limits). R's own calls use tol ≈ 1.2e-4; we iterate until the bracket is a
//! few ulps wide.
//!
//! # References
//! Brent, R. P. (1973). *Algorithms for Minimization without Derivatives*, ch. 4.

/// Finds a root of `f` in `[a, b]`, where `f(a)` and `f(b)` have opposite signs (or one is
/// zero). Returns the final iterate when the bracket has shrunk to `4·eps·|x| + tol_abs`.
pub(crate) fn brent(mut f: impl FnMut(f64) -> f64, a: f64, b: f64, tol_abs: f64) -> f64 {
    let (mut a, mut b) = (a, b);
    let (mut fa, mut fb) = (f(a), f(b));
    if fa == 0.0 {
        return a;
    }
    if fb == 0.0 {
        return b;
    }
    let mut c = a;
    let mut fc = fa;
    let mut d = b - a;
    let mut e = d;
    for _ in 0..1000 {
        if (fb > 0.0) == (fc > 0.0) {
            c = a;
            fc = fa;
            d = b - a;
            e = d;
        }
        if fc.abs() < fb.abs() {
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        let tol = 2.0 * f64::EPSILON * b.abs() + 0.5 * tol_abs;
        let m = 0.5 * (c - b);
        if m.abs() <= tol || fb == 0.0 {
            return b;
        }
        if e.abs() >= tol && fa.abs() > fb.abs() {
            let s = fb / fa;
            let (mut p, mut q);
            if a == c {
                p = 2.0 * m * s;
                q = 1.0 - s;
            } else {
                let qa = fa / fc;
                let r = fb / fc;
                p = s * (2.0 * m * qa * (qa - r) - (b - a) * (r - 1.0));
                q = (qa - 1.0) * (r - 1.0) * (s - 1.0);
            }
            if p > 0.0 {
                q = -q;
            } else {
                p = -p;
            }
            if 2.0 * p < (3.0 * m * q - (tol * q).abs()).min((e * q).abs()) {
                e = d;
                d = p / q;
            } else {
                d = m;
                e = m;
            }
        } else {
            d = m;
            e = m;
        }
        a = b;
        fa = fb;
        b += if d.abs() > tol { d } else { tol.copysign(m) };
        fb = f(b);
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sqrt_two_to_full_precision() {
        let r = brent(|x| x * x - 2.0, 0.0, 2.0, 0.0);
        assert!((r - std::f64::consts::SQRT_2).abs() < 4e-16);
    }
}
