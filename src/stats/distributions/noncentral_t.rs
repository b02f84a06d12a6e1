//! The non-central t distribution: cdf, upper tail and quantile, accurate for every
//! non-centrality and every df, including |ncp| > 37.62 and df > 4e5 where R's
//! AS 243 switches to a normal approximation (off by up to ~3 %), and in upper tails
//! that R forms as 1 − lower.
//!
//! # Method
//! With T = (Z + δ)/S, S = √(V/ν), V ~ χ²(ν) independent of Z ~ N(0, 1):
//!
//! P(T ≤ t) = E[Φ(t·S − δ)],   P(T > t) = E[Φ(δ − t·S)].
//!
//! Both are integrals of positive functions, so neither tail suffers cancellation.
//! They are evaluated in w = ln S, where the chi density becomes
//! exp(½·ln m + ln 2 − ½·ln 2π − δ_S(m) − m·(e^{2w} − 1 − 2w)) with m = ν/2 and δ_S
//! Stirling's error (a form that stays exact as ν → ∞). The peak of the log-integrand
//! is found by bisection on its derivative, the range where it is within e^−60 of the
//! peak by doubling steps, and the integral by adaptive 20-point Gauss–Legendre
//! panels to a relative 1e-14.
//!
//! # References
//! Lenth, R. V. (1989). Algorithm AS 243: Cumulative distribution function of the
//! non-central t distribution. *Applied Statistics* 38, 185–189 (R's `pt(ncp =)`).
//! Owen, D. B. (1968). A survey of properties and applications of the noncentral
//! t-distribution. *Technometrics* 10, 445–478 (the mixture representation).

use super::special::{
    Support, Tail, expm1_minus_x, gauss_legendre, integrate, ln_normal_cdf, ln_normal_pdf,
    quantile_search, stirlerr,
};
use super::{
    DistributionError, Result, check_finite, check_number, check_positive, check_probability,
    normal,
};

/// ln(2) − ½·ln(2π).
const LN2_MINUS_HALF_LN_2PI: f64 = std::f64::consts::LN_2 - 0.918_938_533_204_672_8;

/// Smallest degrees of freedom accepted. Below about 0.01 the chi density of ln S is
/// so flat (it decays like e^{df·w}) that the quadrature loses digits when |ncp| is
/// large (the two tails summed to 1 + 8e-4 at df = 0.001, ncp = −20); checked
/// accurate from 0.05 on. Power analysis never comes near this.
pub const MIN_DF: f64 = 0.05;

fn check_params(df: f64, ncp: f64) -> Result<()> {
    check_positive("degrees of freedom", df)?;
    if df < MIN_DF {
        return Err(DistributionError::BelowSupportedRange {
            name: "degrees of freedom",
            value: df,
            limit: MIN_DF,
            reason: "the non-central t quadrature is not accurate there",
        });
    }
    check_finite("non-centrality parameter", ncp)?;
    Ok(())
}

/// P(T ≤ t) for T ~ t(df, ncp); R: `pt(t, df, ncp)` (exact there only for
/// |ncp| ≤ 37.62 and df ≤ 4e5).
///
/// # Formula
/// P(T ≤ t) = ∫₀^∞ Φ(t·s − ncp)·g_df(s) ds, g_df the density of √(χ²_df/df);
/// df = ∞ gives Φ(t − ncp).
///
/// # Errors
/// `df` is not positive or below [`MIN_DF`]; `ncp` is not finite; `t` is NaN.
pub fn cdf(t: f64, df: f64, ncp: f64) -> Result<f64> {
    check_params(df, ncp)?;
    check_number("t", t)?;
    mixture(t, df, ncp, Tail::Lower)
}

/// P(T > t), computed directly; R: `pt(t, df, ncp, lower.tail = FALSE)`, which R
/// forms as 1 − lower and so loses all precision below about 1e-12.
///
/// # Formula
/// P(T > t) = ∫₀^∞ Φ(ncp − t·s)·g_df(s) ds.
///
/// # Errors
/// As [`cdf`].
pub fn sf(t: f64, df: f64, ncp: f64) -> Result<f64> {
    check_params(df, ncp)?;
    check_number("t", t)?;
    mixture(t, df, ncp, Tail::Upper)
}

/// The t with P(T ≤ t) = p; R: `qt(p, df, ncp)`.
///
/// # Formula
/// Root of ln P(T ≤ t) = ln p (upper tail when p > ½), bracketed and refined by
/// Brent's method in asinh(t).
///
/// # Errors
/// Invalid parameters; `p` is not a probability.
pub fn quantile(p: f64, df: f64, ncp: f64) -> Result<f64> {
    check_probability("p", p)?;
    check_params(df, ncp)?;
    solve(p, Tail::Lower, df, ncp)
}

/// The t with P(T > t) = q, without forming 1 − q; R: `qt(q, df, ncp, lower.tail = FALSE)`.
///
/// # Errors
/// As [`quantile`].
pub fn upper_quantile(q: f64, df: f64, ncp: f64) -> Result<f64> {
    check_probability("q", q)?;
    check_params(df, ncp)?;
    solve(q, Tail::Upper, df, ncp)
}

/// The probability that both of two one-sided t tests reject: with Z ~ N(0, 1) and
/// S = √(χ²_df/df) independent,
/// P((Z + ncp_lower)/S ≥ c and (Z + ncp_upper)/S ≤ −c),
/// the power of Schuirmann's TOST (Owen's 1965 bivariate non-central t; PowerTOST's
/// `power.TOST(method = "exact")`).
///
/// # Formula
/// Both tests reject when c·S − ncp_lower ≤ Z ≤ −c·S − ncp_upper, possible only for
/// S < s_max = (ncp_lower − ncp_upper)/(2c), so the probability is
/// ∫₀^{s_max} [Φ(−c·s − ncp_upper) − Φ(c·s − ncp_lower)]·g_df(s) ds, g_df the density of
/// S. It is integrated in w = ln s with the same Stirling-error form of the chi density
/// as [`cdf`], over the range where that density is within e^−70 of its peak (clipped at
/// ln s_max), by adaptive 20-point Gauss–Legendre panels to a relative 1e-14. The
/// difference of normal probabilities is formed from the tails on the side away from 1,
/// so it keeps its relative precision. When P(S < s_max), which bounds the probability,
/// is below 1e-20, the result is 0.
///
/// # Errors
/// `c` not positive and finite; `df` not positive or below [`MIN_DF`]; a non-centrality
/// parameter not finite.
pub fn tost_probability(c: f64, df: f64, ncp_lower: f64, ncp_upper: f64) -> Result<f64> {
    check_params(df, ncp_lower)?;
    check_finite("non-centrality parameter", ncp_upper)?;
    check_positive("critical value", c)?;
    check_finite("critical value", c)?;
    if ncp_lower <= ncp_upper {
        return Ok(0.0);
    }
    let ln_s_max = ((ncp_lower - ncp_upper) / (2.0 * c)).ln();
    if df == f64::INFINITY {
        let (a, b) = (-c - ncp_upper, c - ncp_lower);
        return Ok(if a > b { normal_between(b, a) } else { 0.0 });
    }
    // The probability is at most P(S < s_max); below 1e-20 (power analysis never asks
    // about such powers, and the quadrature would work in the chi density's far tail)
    // it is returned as 0.
    let bound = super::chi_squared::cdf(df * (2.0 * ln_s_max).exp(), df)?;
    if bound < 1e-20 {
        return Ok(0.0);
    }
    let m = 0.5 * df;
    let ln_norm = 0.5 * m.ln() + LN2_MINUS_HALF_LN_2PI - stirlerr(m);
    // −ln of the chi density of W = ln S, relative to its peak at w = 0.
    let fall = |w: f64| m * expm1_minus_x(2.0 * w);
    let edge = |direction: f64| {
        let (mut inside, mut outside) = (0.0, direction);
        while fall(outside) < 70.0 {
            inside = outside;
            outside *= 2.0;
        }
        for _ in 0..200 {
            let mid = 0.5 * (inside + outside);
            if mid == inside || mid == outside {
                break;
            }
            if fall(mid) < 70.0 {
                inside = mid;
            } else {
                outside = mid;
            }
        }
        outside
    };
    let (a, b) = (edge(-1.0), edge(1.0).min(ln_s_max));
    if a >= b {
        return Ok(0.0);
    }
    let integrand = |w: f64| {
        let s = w.exp();
        let (low, high) = (c * s - ncp_lower, -c * s - ncp_upper);
        if high <= low {
            return 0.0;
        }
        (ln_norm - fall(w)).exp() * normal_between(low, high)
    };
    let p = integrate(&integrand, a, b, 1e-14, 16.0 * f64::EPSILON)?;
    Ok(p.clamp(0.0, 1.0))
}

/// Φ(high) − Φ(low) for low < high: from the tails away from 1, or, for an interval
/// narrower than 1/2 where that difference would cancel, as ∫ φ by 20-point
/// Gauss–Legendre (exact to rounding for a width below 1/2: φ is entire).
fn normal_between(low: f64, high: f64) -> f64 {
    if high - low < 0.5 {
        let density = |z: f64| ln_normal_pdf(z).exp();
        return gauss_legendre(&density, low, high);
    }
    if low >= 0.0 {
        normal::both_tails(low).1 - normal::both_tails(high).1
    } else if high <= 0.0 {
        normal::both_tails(high).0 - normal::both_tails(low).0
    } else {
        1.0 - normal::both_tails(low).0 - normal::both_tails(high).1
    }
}

fn solve(prob: f64, tail: Tail, df: f64, ncp: f64) -> Result<f64> {
    let sign = match tail {
        Tail::Lower => 1.0,
        Tail::Upper => -1.0,
    };
    if prob == 0.0 {
        return Ok(-sign * f64::INFINITY);
    }
    if prob == 1.0 {
        return Ok(sign * f64::INFINITY);
    }
    let z = match tail {
        Tail::Lower => normal::quantile(prob)?,
        Tail::Upper => normal::upper_quantile(prob)?,
    };
    let guess = ncp + z;
    quantile_search(prob, tail, Support::Real, guess, |x| {
        Ok((
            mixture(x, df, ncp, Tail::Lower)?,
            mixture(x, df, ncp, Tail::Upper)?,
        ))
    })
}

/// φ(z)/Φ(z), written through erfcx for z < 0 so that it stays finite far out.
fn normal_mills(z: f64) -> f64 {
    if z < 0.0 {
        (2.0 / std::f64::consts::PI).sqrt()
            / cdflib::special::error_fc_scaled(-z * std::f64::consts::FRAC_1_SQRT_2)
    } else {
        (ln_normal_pdf(z) - ln_normal_cdf(z)).exp()
    }
}

/// E[Φ(±(t·S − δ))] by quadrature in w = ln S.
fn mixture(t: f64, df: f64, ncp: f64, tail: Tail) -> Result<f64> {
    let sign = match tail {
        Tail::Lower => 1.0,
        Tail::Upper => -1.0,
    };
    if t.is_infinite() {
        return Ok(if sign * t > 0.0 { 1.0 } else { 0.0 });
    }
    if df == f64::INFINITY {
        let (lower, upper) = normal::both_tails(t - ncp);
        return Ok(if sign > 0.0 { lower } else { upper });
    }
    if t == 0.0 {
        let (lower, upper) = normal::both_tails(-ncp);
        return Ok(if sign > 0.0 { lower } else { upper });
    }
    let m = 0.5 * df;
    let ln_norm = 0.5 * m.ln() + LN2_MINUS_HALF_LN_2PI - stirlerr(m);
    let arg = |w: f64| sign * (t * w.exp() - ncp);
    // Log-integrand and its derivative in w.
    let h = |w: f64| ln_norm - m * expm1_minus_x(2.0 * w) + ln_normal_cdf(arg(w));
    let dh = |w: f64| {
        let mills = normal_mills(arg(w));
        -2.0 * m * (2.0 * w).exp_m1() + sign * t * w.exp() * mills
    };
    // Bracket the peak: dh > 0 far left (the chi density rises as e^{2mw}), dh < 0 far right.
    let mut left = -1.0;
    while dh(left) <= 0.0 && left > -1e6 {
        left *= 2.0;
    }
    let mut right = 1.0;
    while dh(right) >= 0.0 && right < 1e3 {
        right *= 2.0;
    }
    // Up to ~1100 halvings: at df = 1e300 the peak is 1e-150 wide and sits near w = 0.
    for _ in 0..1100 {
        let mid = 0.5 * (left + right);
        if mid == left || mid == right {
            break;
        }
        if dh(mid) > 0.0 {
            left = mid;
        } else {
            right = mid;
        }
    }
    let peak = 0.5 * (left + right);
    let peak_h = h(peak);
    if !peak_h.is_finite() {
        return Ok(0.0);
    }
    // Where the integrand has fallen by e^-60 on each side.
    // Start the outward search well inside the peak: its width is about
    // 1/sqrt(4m + t²(1 + ncp²)) (chi density and normal factor).
    // (Formed without squaring t, which may be near f64::MAX.)
    let width = 1.0 / ((1.0 + 4.0 * m).sqrt() + t.abs() * (1.0 + ncp * ncp).sqrt());
    let first_step = (1e-3 * width.min(1e-6 * (1.0 + peak.abs()))).max(1e-300);
    let reach = |direction: f64| {
        let mut step = first_step;
        loop {
            let w = peak + direction * step;
            let value = h(w);
            if value.is_nan() || value < peak_h - 60.0 || step > 1e6 {
                return w;
            }
            step *= 2.0;
        }
    };
    let (a, b) = (reach(-1.0), reach(1.0));
    let integrand = |w: f64| {
        let v = h(w) - peak_h;
        if v.is_nan() { 0.0 } else { v.exp() }
    };
    // Values of h near −|peak_h| carry rounding noise of about |peak_h| ulps (a
    // probability of 1e-300 has a log of −690), which bounds the attainable accuracy.
    let noise = 16.0 * f64::EPSILON * (1.0 + peak_h.abs() + ln_norm.abs());
    let scaled = integrate(&integrand, a, b, 1e-14, noise)?;
    Ok((scaled.ln() + peak_h).exp().min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::prec::assert_close;

    /// With the upper bound far away the TOST probability is the lower test's power,
    /// P(T ≥ c) for T ~ t(df, ncp_lower); with the bounds too close for any S it is 0.
    #[test]
    fn tost_probability_reduces_to_one_test() {
        for (c, df, ncp) in [(1.7, 18.0, 2.5), (2.1, 5.0, 0.5), (1.64, 300.0, 4.0)] {
            let one = sf(c, df, ncp).unwrap();
            let both = tost_probability(c, df, ncp, ncp - 1e4).unwrap();
            assert_close(both, one, 1e-12, "far upper bound");
        }
        assert_eq!(tost_probability(1.7, 10.0, 1.0, 2.0).unwrap(), 0.0);
    }

    #[test]
    fn zero_ncp_is_central_t() {
        for df in [MIN_DF, 0.7, 3.0, 45.0, 2e6] {
            for t in [-25.0, -1.5, 0.4, 3.0] {
                let (lo, up) = super::super::t::tails(t, df).unwrap();
                assert_close(cdf(t, df, 0.0).unwrap(), lo, 1e-13, "cdf");
                assert_close(sf(t, df, 0.0).unwrap(), up, 1e-13, "sf");
            }
        }
    }

    #[test]
    fn tails_sum_to_one_and_reflect() {
        for (t, df, ncp) in [(1.0, 5.0, 2.0), (-3.0, 12.0, 1.5), (60.0, 30.0, 50.0)] {
            let lo = cdf(t, df, ncp).unwrap();
            let up = sf(t, df, ncp).unwrap();
            assert!((lo + up - 1.0).abs() < 1e-14, "{t} {df} {ncp}");
            assert_close(lo, sf(-t, df, -ncp).unwrap(), 1e-13, "reflection");
        }
    }

    #[test]
    fn quantile_round_trips() {
        for (p, df, ncp) in [(0.05, 10.0, 2.0), (0.975, 3.0, -1.0), (1e-100, 20.0, 45.0)] {
            let x = quantile(p, df, ncp).unwrap();
            assert_close(cdf(x, df, ncp).unwrap(), p, 1e-12, "lower");
            let x = upper_quantile(p, df, ncp).unwrap();
            assert_close(sf(x, df, ncp).unwrap(), p, 1e-12, "upper");
        }
    }

    /// At df = 1e300 the chi peak is 1e-150 wide in ln S; the limit is Φ(t − ncp).
    #[test]
    fn huge_df_tends_to_the_normal() {
        for df in [1e20, 1e150, 1e300] {
            assert_close(cdf(5.0, df, 5.0).unwrap(), 0.5, 1e-12, "median");
            let expected = normal::sf(7.0).unwrap();
            assert_close(sf(12.0, df, 5.0).unwrap(), expected, 1e-12, "upper");
        }
    }

    #[test]
    fn rejects_bad_arguments() {
        assert!(cdf(1.0, -1.0, 0.0).is_err());
        assert_eq!(
            cdf(1.0, 3.0, f64::INFINITY).unwrap_err().to_string(),
            "non-centrality parameter must be finite, got inf"
        );
        assert!(quantile(1.5, 3.0, 1.0).is_err());
    }
}
