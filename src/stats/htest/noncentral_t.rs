//! Private non-central t distribution function for the effect-size confidence intervals.
//! This is a temporary helper: the engine's distributions module (in progress) brings an
//! accurate non-central t, and [`pnt`] is the one place to redirect to it.
//!
//! # Formula
//! Lenth's (1989) algorithm AS 243 as implemented in R's `pnt` (R 4.2.2, nmath/pnt.c):
//! Guenther's twin series in incomplete beta functions, errmax = 1e-12, at most 1000
//! terms; for df > 4e5 or |ncp| > 37.62 R's normal approximation (Abramowitz and Stegun
//! 26.7.10), which is off by up to ~3 % at ncp 40 (parity-notes.md). Callers report
//! when that region is used.
//!
//! # References
//! - Lenth, R. V. (1989). Algorithm AS 243: Cumulative distribution function of the
//!   non-central t distribution. *JRSS C* 38, 185–189. doi:10.2307/2347693
//! - Guenther, W. C. (1978). Evaluation of probabilities for the noncentral
//!   distributions and the difference of two t-variables with a desk calculator.
//!   *J. Statist. Comput. Simul.* 6, 199–206. doi:10.1080/00949657808810190

use statrs::distribution::{ContinuousCDF, Normal};
use statrs::function::beta::beta_reg;
use statrs::function::gamma::ln_gamma;

use super::dist::{pnorm, pt};

/// |ncp| beyond which R (and this helper) switch to the normal approximation.
pub(crate) const EXACT_NCP_LIMIT: f64 = 37.62;

/// True when [`pnt`] is in its accurate (series) region.
pub(crate) fn series_region(df: f64, ncp: f64) -> bool {
    df <= 4e5 && ncp * ncp <= 2.0 * std::f64::consts::LN_2 * 1021.0
}

/// P(T ≤ t) for the non-central t with `df` > 0 degrees of freedom and non-centrality
/// `ncp` (R `pt(t, df, ncp)`).
pub(crate) fn pnt(t: f64, df: f64, ncp: f64) -> f64 {
    if ncp == 0.0 {
        return pt(t, df);
    }
    if !t.is_finite() {
        return if t < 0.0 { 0.0 } else { 1.0 };
    }
    let (negdel, tt, del) = if t >= 0.0 {
        (false, t, ncp)
    } else {
        if ncp > 40.0 {
            return 0.0;
        }
        (true, -t, -ncp)
    };
    if !series_region(df, del) {
        let s = 1.0 / (4.0 * df);
        let normal =
            Normal::new(del, (1.0 + tt * tt * 2.0 * s).sqrt()).expect("finite positive scale");
        let z = tt * (1.0 - s);
        return if negdel { normal.sf(z) } else { normal.cdf(z) };
    }
    let mut x = t * t;
    let rxb0 = df / (x + df);
    x /= x + df;
    let mut tnc;
    if x > 0.0 {
        let lambda = del * del;
        let mut p = 0.5 * (-0.5 * lambda).exp();
        if p == 0.0 {
            return if negdel { 1.0 } else { 0.0 };
        }
        let mut q = (2.0 / std::f64::consts::PI).sqrt() * p * del;
        let mut s = 0.5 - p;
        if s < 1e-7 {
            s = -0.5 * (-0.5 * lambda).exp_m1();
        }
        let mut a = 0.5;
        let b = 0.5 * df;
        let rxb = rxb0.powf(b);
        let albeta = 0.5 * std::f64::consts::PI.ln() + ln_gamma(b) - ln_gamma(0.5 + b);
        let mut xodd = beta_reg(a, b, x);
        let mut godd = 2.0 * rxb * (a * x.ln() - albeta).exp();
        let tnc0 = b * x;
        let mut xeven = if tnc0 < f64::EPSILON { tnc0 } else { 1.0 - rxb };
        let mut geven = tnc0 * rxb;
        tnc = p * xodd + q * xeven;
        for it in 1..=1000 {
            let itf = f64::from(it);
            a += 1.0;
            xodd -= godd;
            xeven -= geven;
            godd *= x * (a + b - 1.0) / a;
            geven *= x * (a + b - 0.5) / (a + 0.5);
            p *= lambda / (2.0 * itf);
            q *= lambda / (2.0 * itf + 1.0);
            tnc += p * xodd + q * xeven;
            s -= p;
            if s < -1e-10 || (s <= 0.0 && it > 1) {
                break;
            }
            let errbd = 2.0 * s * (xodd - godd);
            if errbd.abs() < 1e-12 {
                break;
            }
        }
    } else {
        tnc = 0.0;
    }
    tnc += pnorm(-del);
    let tnc = tnc.min(1.0);
    if negdel { 1.0 - tnc } else { tnc }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// R 4.2.2: `print(c(pt(2, 10, 1), pt(-1, 5, 0.5), pt(3, 20, 2.5)), digits = 17)`.
    #[test]
    fn matches_r_pt_with_ncp() {
        let cases = [
            (2.0, 10.0, 1.0, 0.8076115625303111),
            (-1.0, 5.0, 0.5, 0.08244409105697081),
            (3.0, 20.0, 2.5, 0.6616028734931245),
        ];
        for (t, df, ncp, expected) in cases {
            let got = pnt(t, df, ncp);
            assert!(
                ((got - expected) / expected).abs() < 1e-10,
                "pt({t}, {df}, {ncp}) = {got}, R {expected}"
            );
        }
    }
}
