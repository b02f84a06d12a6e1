//! Numerical kernels shared by the distributions: incomplete beta and gamma ratios
//! (both tails at once), Loader's saddle-point terms for binomial and Poisson
//! probabilities, the log of the normal cdf, a bracketing root finder used by every
//! quantile, adaptive Gauss–Legendre quadrature and a Poisson-mixture summer used by
//! the non-central distributions.

use std::sync::OnceLock;

use super::{DistributionError, Result};
use crate::stats::root::Tolerance;

/// ln(2π).
const LN_2PI: f64 = 1.837_877_066_409_345_5;
/// ln(sqrt(2π)).
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// (I_x(a, b), 1 − I_x(a, b)), both computed directly (TOMS 708, via cdflib).
/// `y` must be 1 − x, supplied by the caller so that no digits are lost in the tail.
pub(crate) fn incomplete_beta(a: f64, b: f64, x: f64, y: f64) -> Result<(f64, f64)> {
    cdflib::special::try_beta_inc(a, b, x, y).map_err(|e| DistributionError::NoConvergence {
        what: "the regularised incomplete beta function",
        at: format!("a = {a}, b = {b}, x = {x}: {e}"),
    })
}

/// (P(a, x), Q(a, x)), the regularised lower and upper incomplete gamma ratios
/// (TOMS 654, via cdflib).
pub(crate) fn incomplete_gamma(a: f64, x: f64) -> Result<(f64, f64)> {
    if x == f64::INFINITY {
        return Ok((1.0, 0.0));
    }
    cdflib::special::try_gamma_inc(a, x).map_err(|e| DistributionError::NoConvergence {
        what: "the regularised incomplete gamma function",
        at: format!("a = {a}, x = {x}: {e}"),
    })
}

/// Below this a probability is treated as underflowed for the log-scale functions,
/// which then switch to a series or continued fraction in logs.
pub(crate) const LN_SCALE_FLOOR: f64 = 1e-290;

/// ln P(a, x), for P(a, x) below [`LN_SCALE_FLOOR`] (x well below a): the series
/// P = x^a·e^(−x)/Γ(a + 1)·Σ_n x^n/((a + 1)…(a + n)), in logs.
pub(crate) fn ln_lower_gamma_series(a: f64, x: f64) -> Result<f64> {
    let (mut term, mut sum) = (1.0, 1.0);
    for n in 1..100_000 {
        term *= x / (a + f64::from(n));
        sum += term;
        if term <= 1e-17 * sum {
            return Ok(a * x.ln() - x - ln_gamma(a + 1.0) + sum.ln());
        }
    }
    Err(DistributionError::NoConvergence {
        what: "the log of the lower incomplete gamma ratio",
        at: format!("a = {a}, x = {x}"),
    })
}

/// ln Q(a, x), for Q(a, x) below [`LN_SCALE_FLOOR`] (x well above a): Legendre's
/// continued fraction Q = x^a·e^(−x)/Γ(a)·1/(x + 1 − a − 1·(1 − a)/(x + 3 − a − …)),
/// by the modified Lentz method, in logs.
pub(crate) fn ln_upper_gamma_fraction(a: f64, x: f64) -> Result<f64> {
    let tiny = 1e-300;
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / tiny;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..100_000 {
        let an = -f64::from(i) * (f64::from(i) - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < tiny {
            d = tiny;
        }
        c = b + an / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() <= 1e-16 {
            return Ok(a * x.ln() - x - ln_gamma(a) + h.ln());
        }
    }
    Err(DistributionError::NoConvergence {
        what: "the log of the upper incomplete gamma ratio",
        at: format!("a = {a}, x = {x}"),
    })
}

/// ln I_x(a, b) for x < (a + 1)/(a + b + 2), with ln x and ln(1 − x) given so that x
/// itself may underflow: I_x = x^a·(1 − x)^b/(a·B(a, b))·cf, with the continued
/// fraction of Numerical Recipes §6.4 (modified Lentz).
pub(crate) fn ln_incomplete_beta_small(a: f64, b: f64, ln_x: f64, ln_1mx: f64) -> Result<f64> {
    let x = ln_x.exp();
    let tiny = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < tiny {
        d = tiny;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..100_000 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < tiny {
            d = tiny;
        }
        c = 1.0 + aa / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < tiny {
            d = tiny;
        }
        c = 1.0 + aa / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() <= 1e-16 {
            return Ok(a * ln_x + b * ln_1mx - a.ln() - ln_beta(a, b) + h.ln());
        }
    }
    Err(DistributionError::NoConvergence {
        what: "the log of the incomplete beta ratio",
        at: format!("a = {a}, b = {b}, ln x = {ln_x}"),
    })
}

/// ln Γ(a) for a > 0.
pub(crate) fn ln_gamma(a: f64) -> f64 {
    cdflib::special::gamma_log(a)
}

/// ln B(a, b) for a, b > 0.
pub(crate) fn ln_beta(a: f64, b: f64) -> f64 {
    cdflib::special::beta_log(a, b)
}

/// Stirling's error, ln(n!) − ln(sqrt(2πn)·(n/e)^n), for n ≥ 0 (Loader 2000).
///
/// For n ≤ 15 it is formed from ln Γ; the cancellation there costs at most a few
/// 1e-15 in absolute terms, which is what matters because it only enters sums of logs.
pub(crate) fn stirlerr(n: f64) -> f64 {
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    if n == 0.0 {
        return 0.0;
    }
    if n <= 15.0 {
        return ln_gamma(n + 1.0) - (n + 0.5) * n.ln() + n - LN_SQRT_2PI;
    }
    let nn = n * n;
    if n > 500.0 {
        (S0 - S1 / nn) / n
    } else if n > 80.0 {
        (S0 - (S1 - S2 / nn) / nn) / n
    } else if n > 35.0 {
        (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n
    } else {
        (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n
    }
}

/// Loader's deviance term bd0(x, np) = x·ln(x/np) + np − x, summed as a series when
/// x ≈ np to avoid cancellation (Loader 2000).
pub(crate) fn bd0(x: f64, np: f64) -> f64 {
    if (x - np).abs() < 0.1 * (x + np) {
        let mut v = (x - np) / (x + np);
        let mut s = (x - np) * v;
        let mut ej = 2.0 * x * v;
        v *= v;
        for j in 1..1000 {
            ej *= v;
            let s1 = s + ej / f64::from(2 * j + 1);
            if s1 == s {
                return s1;
            }
            s = s1;
        }
        s
    } else {
        x * (x / np).ln() + np - x
    }
}

/// ln of the binomial probability of x successes in n trials with success
/// probability p (q = 1 − p supplied by the caller); Loader's `dbinom_raw`, as in R.
pub(crate) fn ln_binomial_raw(x: f64, n: f64, p: f64, q: f64) -> f64 {
    if p == 0.0 {
        return if x == 0.0 { 0.0 } else { f64::NEG_INFINITY };
    }
    if q == 0.0 {
        return if x == n { 0.0 } else { f64::NEG_INFINITY };
    }
    if x < 0.0 || x > n {
        return f64::NEG_INFINITY;
    }
    if x == 0.0 {
        if n == 0.0 {
            return 0.0;
        }
        return if p < 0.1 {
            -bd0(n, n * q) - n * p
        } else {
            n * q.ln()
        };
    }
    if x == n {
        return if q < 0.1 {
            -bd0(n, n * p) - n * q
        } else {
            n * p.ln()
        };
    }
    let lc = stirlerr(n) - stirlerr(x) - stirlerr(n - x) - bd0(x, n * p) - bd0(n - x, n * q);
    let lf = LN_2PI + x.ln() + (-x / n).ln_1p();
    lc - 0.5 * lf
}

/// ln of the Poisson probability of x (≥ 0, possibly non-integer) at mean mu > 0;
/// Loader's `dpois_raw`, as in R.
pub(crate) fn ln_poisson_raw(x: f64, mu: f64) -> f64 {
    if x == 0.0 {
        return -mu;
    }
    -stirlerr(x) - bd0(x, mu) - 0.5 * (LN_2PI + x.ln())
}

/// ln Φ(z), accurate in both tails (Cody's algorithm via cdflib down to z = −37,
/// then the scaled complementary error function with an exactly split z²).
pub(crate) fn ln_normal_cdf(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    if z == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    if z >= 0.0 {
        if z == f64::INFINITY {
            return 0.0;
        }
        // Past 37 the upper tail is subnormal, where cumnor flushes it to zero.
        let q = if z > 37.0 {
            ln_normal_cdf(-z).exp()
        } else {
            cdflib::special::cumnor(z).1
        };
        return (-q).ln_1p();
    }
    if z > -37.0 {
        let (p, _) = cdflib::special::cumnor(z);
        return p.ln();
    }
    // Φ(z) = erfc(|z|/√2)/2 = erfcx(|z|/√2)·exp(−z²/2)/2, with z² split as in Cody.
    let zh = (z * 16.0).trunc() / 16.0;
    let half_sq = 0.5 * zh * zh + 0.5 * (z - zh) * (z + zh);
    let scaled = cdflib::special::error_fc_scaled(-z * std::f64::consts::FRAC_1_SQRT_2);
    (0.5 * scaled).ln() - half_sq
}

/// ln φ(z), the log standard normal density.
pub(crate) fn ln_normal_pdf(z: f64) -> f64 {
    -0.5 * z * z - LN_SQRT_2PI
}

/// e^u − 1 − u without cancellation near u = 0.
pub(crate) fn expm1_minus_x(u: f64) -> f64 {
    if u.abs() < 0.5 {
        // Taylor series: u²/2! + u³/3! + ...; 30 terms reach 0.5^30/30! ≪ 1e-17.
        let mut term = u * u / 2.0;
        let mut sum = term;
        for k in 3..40 {
            term *= u / f64::from(k);
            sum += term;
            if term.abs() <= 1e-17 * sum.abs() {
                break;
            }
        }
        sum
    } else {
        u.exp_m1() - u
    }
}

/// Which tail of a continuous distribution a probability refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tail {
    Lower,
    Upper,
}

/// How a quantile search maps an unbounded search variable u onto the support.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Support {
    /// (−∞, ∞): x = sinh(u).
    Real,
    /// (0, ∞): x = exp(u).
    Positive,
    /// (0, 1): x = 1 / (1 + exp(−u)).
    Unit,
}

impl Support {
    fn to_x(self, u: f64) -> f64 {
        match self {
            Support::Real => u.sinh(),
            Support::Positive => u.exp(),
            Support::Unit => 1.0 / (1.0 + (-u).exp()),
        }
    }
    fn to_u(self, x: f64) -> f64 {
        match self {
            Support::Real => x.asinh(),
            Support::Positive => x.ln(),
            Support::Unit => (x / (1.0 - x)).ln(),
        }
    }
    /// The range of u beyond which x over- or underflows.
    fn u_limits(self) -> (f64, f64) {
        match self {
            // Just past the over/underflow points, so the limits map to 0 or ±∞.
            Support::Real => (-711.0, 711.0),
            Support::Positive => (-746.0, 710.0),
            Support::Unit => (-746.0, 37.5),
        }
    }
}

/// Solves tail(x) = prob for x, where `tails(x)` returns (lower, upper) tail
/// probabilities of a continuous distribution on `support`.
///
/// The search runs on ln(tail), in a variable u that maps the support onto the real
/// line (so that quantiles near 1e-300 or 1e300 are reached in few steps): the
/// bracket is grown geometrically from `guess`, then refined with Brent's method
/// (Brent 1973, *Algorithms for Minimization without Derivatives*, ch. 4) to a
/// relative accuracy of a few ulps in x. `prob` must lie strictly inside (0, 1).
pub(crate) fn quantile_search(
    prob: f64,
    tail: Tail,
    support: Support,
    guess: f64,
    tails: impl Fn(f64) -> Result<(f64, f64)>,
) -> Result<f64> {
    // Use whichever tail is the smaller probability, so its log is well resolved.
    let (target, tail) = if prob > 0.5 {
        (
            0.5 - prob + 0.5,
            match tail {
                Tail::Lower => Tail::Upper,
                Tail::Upper => Tail::Lower,
            },
        )
    } else {
        (prob, tail)
    };
    let ln_target = target.ln();
    // h(u) increases with u and is zero at the quantile.
    let h = |u: f64| -> Result<f64> {
        let (lower, upper) = tails(support.to_x(u))?;
        let value = match tail {
            Tail::Lower => lower.ln() - ln_target,
            Tail::Upper => ln_target - upper.ln(),
        };
        Ok(value.clamp(-1e300, 1e300))
    };
    let (u_min, u_max) = support.u_limits();
    let mut u0 = support.to_u(guess);
    if !u0.is_finite() {
        u0 = 0.0;
    }
    let u0 = u0.clamp(u_min, u_max);
    let h0 = h(u0)?;
    if h0 == 0.0 {
        return Ok(support.to_x(u0));
    }
    let mut step = 0.5_f64;
    let (mut a, mut fa, mut b, mut fb) = (u0, h0, u0, h0);
    // Grow the bracket away from u0 in the direction of the root.
    loop {
        if h0 < 0.0 {
            a = b;
            fa = fb;
            b = (u0 + step).min(u_max);
            fb = h(b)?;
            if fb >= 0.0 {
                break;
            }
            if b >= u_max {
                return Ok(support.to_x(u_max));
            }
        } else {
            b = a;
            fb = fa;
            a = (u0 - step).max(u_min);
            fa = h(a)?;
            if fa <= 0.0 {
                break;
            }
            if a <= u_min {
                return Ok(support.to_x(u_min));
            }
        }
        step *= 2.0;
    }
    let u = brent(a, fa, b, fb, &h)?;
    Ok(support.to_x(u))
}

/// Brent's zeroin (`stats::root`) on a bracket with f(a)·f(b) ≤ 0, to a relative
/// tolerance of about one ulp in u.
fn brent(a: f64, fa: f64, b: f64, fb: f64, f: &impl Fn(f64) -> Result<f64>) -> Result<f64> {
    let tolerance = Tolerance {
        relative: 2.0 * f64::EPSILON,
        absolute: 1e-300,
        max_iterations: 500,
    };
    let root = crate::stats::root::brent(f, (a, fa), (b, fb), tolerance)?;
    if root.converged {
        Ok(root.x)
    } else {
        Err(DistributionError::NoConvergence {
            what: "the quantile search",
            at: format!("u = {}", root.x),
        })
    }
}

/// Nodes and weights of 20-point Gauss–Legendre quadrature on [−1, 1], computed once
/// by Newton's method on the Legendre polynomial.
pub(crate) fn gauss_legendre_20() -> &'static [(f64, f64)] {
    static NODES: OnceLock<Vec<(f64, f64)>> = OnceLock::new();
    NODES.get_or_init(|| {
        let n = 20usize;
        let mut out = Vec::with_capacity(n);
        for i in 1..=n {
            let mut x = (std::f64::consts::PI * (i as f64 - 0.25) / (n as f64 + 0.5)).cos();
            let mut dp = 1.0;
            for _ in 0..100 {
                let (mut p0, mut p1) = (1.0, x);
                for k in 2..=n {
                    let kf = k as f64;
                    let p2 = ((2.0 * kf - 1.0) * x * p1 - (kf - 1.0) * p0) / kf;
                    p0 = p1;
                    p1 = p2;
                }
                dp = n as f64 * (x * p1 - p0) / (x * x - 1.0);
                let dx = p1 / dp;
                x -= dx;
                if dx.abs() < 1e-17 {
                    break;
                }
            }
            out.push((x, 2.0 / ((1.0 - x * x) * dp * dp)));
        }
        out
    })
}

pub(crate) fn gauss_legendre(f: &impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    let half = 0.5 * (b - a);
    let mid = 0.5 * (a + b);
    gauss_legendre_20()
        .iter()
        .map(|&(x, w)| w * f(mid + half * x))
        .sum::<f64>()
        * half
}

/// ∫_a^b f by adaptive bisection with 20-point Gauss–Legendre panels, stopping when
/// halving a panel changes its value by less than its share (by width) of `rel_tol`
/// times the whole integral, or by less than `noise` (the relative rounding noise of
/// f's values) times the panel's value. Returns an error when the panel budget runs out.
pub(crate) fn integrate(
    f: &impl Fn(f64) -> f64,
    a: f64,
    b: f64,
    rel_tol: f64,
    noise: f64,
) -> Result<f64> {
    // A first estimate from 16 panels sets the absolute scale.
    let pieces = 16;
    let width = (b - a) / f64::from(pieces);
    let mut stack: Vec<(f64, f64, f64, u32)> = (0..pieces)
        .map(|i| {
            let lo = a + width * f64::from(i);
            let hi = if i + 1 == pieces { b } else { lo + width };
            (lo, hi, gauss_legendre(f, lo, hi), 0)
        })
        .collect();
    let scale: f64 = stack.iter().map(|p| p.2.abs()).sum();
    if scale == 0.0 {
        return Ok(0.0);
    }
    let abs_tol = rel_tol * scale;
    let mut total = 0.0;
    let mut panels = 0usize;
    while let Some((lo, hi, whole, depth)) = stack.pop() {
        panels += 1;
        let mid = 0.5 * (lo + hi);
        let left = gauss_legendre(f, lo, mid);
        let right = gauss_legendre(f, mid, hi);
        let refined = left + right;
        // The error budget is shared out by width; a panel whose halves agree to
        // within the integrand's rounding noise is also done.
        let floor = noise.max(64.0 * f64::EPSILON) * refined.abs();
        let allowed = (abs_tol * (hi - lo) / (b - a)).max(floor);
        if (refined - whole).abs() <= allowed.max(1e-300) || depth >= 40 {
            total += refined;
        } else if panels > 20_000 {
            return Err(DistributionError::NoConvergence {
                what: "numerical integration",
                at: format!("[{a}, {b}]"),
            });
        } else {
            stack.push((lo, mid, left, depth + 1));
            stack.push((mid, hi, right, depth + 1));
        }
    }
    Ok(total)
}

/// Σ_j Pois(j; mu)·term(j) over j = 0, 1, 2, ... for a term in [0, 1] that is
/// monotone in j (`increasing` says which way), as in the non-central chi-square,
/// F and beta distributions.
///
/// The largest summand is located by bisection on the sign of its log-difference
/// (the summands are log-concave in j), then the sum runs outwards from it until the
/// geometric bound on the remainder falls below 1e-17 of the sum. Every summand is
/// positive, so the sum keeps full relative precision in both tails.
pub(crate) fn poisson_mixture(
    mu: f64,
    increasing: bool,
    term: impl Fn(f64) -> Result<f64>,
) -> Result<f64> {
    let ln_summand = |j: f64| -> Result<f64> {
        let t = term(j)?;
        Ok(ln_poisson_raw(j, mu) + t.ln())
    };
    // Does the summand rise from j to j + 1? Underflowed (−∞) summands lie on the side
    // where the term is small.
    let rises = |j: f64| -> Result<bool> {
        let (s0, s1) = (ln_summand(j)?, ln_summand(j + 1.0)?);
        if s0 == f64::NEG_INFINITY && s1 == f64::NEG_INFINITY {
            // Far from the Poisson mode (weight below e^-760) every summand underflows
            // whichever way the term runs: head back towards the mode.
            if ln_poisson_raw(j, mu) < -760.0 {
                Ok(j < mu)
            } else {
                Ok(increasing)
            }
        } else {
            Ok(s1 > s0)
        }
    };
    let mut hi = (mu + 10.0 * mu.sqrt() + 10.0).floor();
    while rises(hi)? {
        hi *= 2.0;
        if hi > 1e15 {
            return Err(DistributionError::NoConvergence {
                what: "the Poisson mixture",
                at: format!("mean {mu}"),
            });
        }
    }
    let mut lo = 0.0;
    if rises(lo)? {
        // Invariant: rises(lo) and !rises(hi).
        while hi - lo > 1.0 {
            let mid = (0.5 * (lo + hi)).floor();
            if rises(mid)? {
                lo = mid;
            } else {
                hi = mid;
            }
        }
    } else {
        hi = 0.0;
    }
    let peak = hi;
    let peak_ln = ln_summand(peak)?;
    if peak_ln == f64::NEG_INFINITY {
        return Ok(0.0);
    }
    // Sum relative to the peak to stay clear of underflow until the end.
    let mut sum = 1.0;
    for direction in [1.0, -1.0] {
        let mut previous = 1.0;
        let mut j = peak + direction;
        let mut steps = 0u64;
        while j >= 0.0 {
            let s = (ln_summand(j)? - peak_ln).exp();
            sum += s;
            let ratio = s / previous;
            if s == 0.0 || (ratio < 1.0 && s * ratio / (1.0 - ratio) <= 1e-17 * sum) {
                break;
            }
            previous = s;
            j += direction;
            steps += 1;
            if steps > 50_000_000 {
                return Err(DistributionError::NoConvergence {
                    what: "the Poisson mixture",
                    at: format!("mean {mu}"),
                });
            }
        }
    }
    Ok(sum * peak_ln.exp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::prec::assert_close;

    #[test]
    fn gauss_legendre_is_exact_for_polynomials_of_degree_39() {
        let v = gauss_legendre(&|x: f64| x.powi(38) + x.powi(39), 0.0, 1.0);
        assert_close(v, 1.0 / 39.0 + 1.0 / 40.0, 1e-14, "∫x^38 + x^39");
        let w: f64 = gauss_legendre_20().iter().map(|p| p.1).sum();
        assert_close(w, 2.0, 1e-15, "weights");
    }

    #[test]
    fn integrate_handles_a_narrow_peak() {
        let f = |x: f64| (-0.5 * ((x - 0.3) / 1e-3).powi(2)).exp();
        let v = integrate(&f, -1.0, 1.0, 1e-14, 0.0).unwrap();
        assert_close(
            v,
            1e-3 * (2.0 * std::f64::consts::PI).sqrt(),
            1e-13,
            "gauss",
        );
    }

    #[test]
    fn ln_normal_cdf_joins_smoothly_at_minus_37() {
        let below = ln_normal_cdf(-37.000_000_001);
        let above = ln_normal_cdf(-36.999_999_999);
        assert!((below - above).abs() < 1e-6);
        // mpmath (30 digits): log(ncdf(-50)) = −1254.83136113941990125...
        assert_close(
            ln_normal_cdf(-50.0),
            -1_254.831_361_139_42,
            1e-12,
            "lnΦ(-50)",
        );
    }

    #[test]
    fn stirlerr_matches_ln_gamma() {
        // (The ln Γ form loses digits beyond n = 100, so the check stops there.)
        for n in [0.5, 1.0, 7.5, 15.5, 36.0, 100.0] {
            let direct = ln_gamma(n + 1.0) - (n + 0.5) * f64::ln(n) + n - LN_SQRT_2PI;
            assert!(
                (stirlerr(n) - direct).abs() < 1e-12 * (1.0 + n.ln().abs()),
                "{n}"
            );
        }
    }

    #[test]
    fn poisson_weights_sum_to_one() {
        for mu in [0.3, 7.0, 250.0, 1e5] {
            let s = poisson_mixture(mu, true, |_| Ok(1.0)).unwrap();
            assert_close(s, 1.0, 1e-13, "Σ Pois");
        }
    }
}
