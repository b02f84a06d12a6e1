//! Brent's bracketing root finder (Brent 1973, the algorithm of R's `uniroot`/`zeroin`),
//! shared by every solved quantity: distribution quantiles, Fisher's conditional MLE and
//! confidence limits, non-central t intervals, and the power solvers. Each caller sets
//! its own stopping tolerance; R's own calls use tol ≈ 1.2e-4, ours run to (nearly)
//! full double precision.
//!
//! # References
//! Brent, R. P. (1973). *Algorithms for Minimization without Derivatives*, ch. 4.

/// When to stop: the bracket half-width falls below `relative·|x| + absolute`, or after
/// `max_iterations` evaluations.
#[derive(Debug, Clone, Copy)]
pub struct Tolerance {
    pub relative: f64,
    pub absolute: f64,
    pub max_iterations: usize,
}

/// Where the search ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Root {
    pub x: f64,
    /// False when `max_iterations` ran out before the tolerance was met.
    pub converged: bool,
}

/// Finds a root of `f` between `a` and `b`, given `fa = f(a)` and `fb = f(b)` of
/// opposite signs (or one of them zero). Errors from `f` are passed through.
pub fn brent<E>(
    mut f: impl FnMut(f64) -> Result<f64, E>,
    (a, fa): (f64, f64),
    (b, fb): (f64, f64),
    tolerance: Tolerance,
) -> Result<Root, E> {
    let (mut a, mut b, mut fa, mut fb) = (a, b, fa, fb);
    if fa == 0.0 {
        return Ok(Root {
            x: a,
            converged: true,
        });
    }
    if fb == 0.0 {
        return Ok(Root {
            x: b,
            converged: true,
        });
    }
    let mut c = a;
    let mut fc = fa;
    let mut d = b - a;
    let mut e = d;
    for _ in 0..tolerance.max_iterations {
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
        let tol = tolerance.relative * b.abs() + tolerance.absolute;
        let m = 0.5 * (c - b);
        if m.abs() <= tol || fb == 0.0 {
            return Ok(Root {
                x: b,
                converged: true,
            });
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
        fb = f(b)?;
    }
    Ok(Root {
        x: b,
        converged: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sqrt_two_to_full_precision() {
        let f = |x: f64| Ok::<f64, ()>(x * x - 2.0);
        let tolerance = Tolerance {
            relative: 2.0 * f64::EPSILON,
            absolute: 0.0,
            max_iterations: 1000,
        };
        let root = brent(f, (0.0, -2.0), (2.0, 2.0), tolerance).unwrap();
        assert!(root.converged);
        assert!((root.x - std::f64::consts::SQRT_2).abs() < 4e-16);
    }

    #[test]
    fn reports_running_out_of_iterations() {
        let f = |x: f64| Ok::<f64, ()>(x.powi(3) - 0.5);
        let tolerance = Tolerance {
            relative: 0.0,
            absolute: 0.0,
            max_iterations: 3,
        };
        assert!(
            !brent(f, (0.0, -0.5), (1.0, 0.5), tolerance)
                .unwrap()
                .converged
        );
    }
}
