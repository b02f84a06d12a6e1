//! Effect sizes with confidence intervals: standardised mean differences (Cohen's d,
//! Hedges' g) from two samples, and measures for a 2×2 table of groups × outcome (risk
//! difference, risk ratio, odds ratio, Cox's index).
//!
//! In: two samples, or a 2×2 table [[a, b], [c, d]] whose rows are the groups (first row
//! the treated/exposed group) and whose columns are (event, no event); and a confidence
//! level. Out: an [`EffectSize`] naming the measure and the interval method.
//!
//! # Formula
//! | measure | estimate | interval |
//! |---------|----------|----------|
//! | Cohen's d | (x̄ − ȳ)/sₚ, sₚ² pooled with df = nₓ + nᵧ − 2 | non-central t: ncp with P(T_df,ncp ≤ t) = 1 − α/2 and α/2, t = d/√(1/nₓ + 1/nᵧ), limits ncp·√(1/nₓ + 1/nᵧ) |
//! | Hedges' g | J·d, J = Γ(df/2)/(√(df/2)·Γ((df − 1)/2)) | J × the d interval |
//! | risk difference | p₁ − p₂, pᵢ = events/row total | Wald: ± z·√(p₁(1 − p₁)/n₁ + p₂(1 − p₂)/n₂) |
//! | risk ratio | p₁/p₂ | Wald on the log scale: SE = √(1/a − 1/n₁ + 1/c − 1/n₂) |
//! | odds ratio | ad/(bc) | Wald on the log scale: SE = √(1/a + 1/b + 1/c + 1/d) |
//! | Cox index | ln(OR)/1.65 | the log-OR Wald interval divided by 1.65 |
//!
//! The non-central t interval is the one `effectsize::cohens_d` and
//! `MBESS::ci.smd` compute; its limits are solved here by Brent's method to full
//! precision with the engine's non-central t (`stats::distributions::noncentral_t`),
//! which stays exact where R's AS 243 falls back to a normal approximation
//! (|ncp| > 37.62 or df > 4e5). Zero cells make the log-scale measures not
//! estimable (an error here; no automatic 0.5 correction is applied).
//!
//! # References
//! - Cohen, J. (1988). *Statistical Power Analysis for the Behavioral Sciences*, 2nd ed.
//! - Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect size and
//!   related estimators. *J. Educ. Statist.* 6, 107–128. doi:10.3102/10769986006002107
//! - Steiger, J. H., Fouladi, R. T. (1997). Noncentrality interval estimation and the
//!   evaluation of statistical models. In *What If There Were No Significance Tests?*
//!   (non-central t intervals).
//! - Cox, D. R. (1970). *Analysis of Binary Data*; Sánchez-Meca, J., Marín-Martínez, F.,
//!   Chacón-Moscoso, S. (2003). Effect-size indices for dichotomized outcomes in
//!   meta-analysis. *Psychol. Methods* 8, 448–467. doi:10.1037/1082-989X.8.4.448
//! - Woolf, B. (1955). On estimating the relation between blood group and disease.
//!   *Ann. Hum. Genet.* 19, 251–253 (log odds ratio SE).
//!
//! R: no base R function; the fixtures compute the same formulas in base R (`pt` with
//! `ncp`, `uniroot(tol = 1e-14)`).

use std::fmt;

use serde::Serialize;
use statrs::function::gamma::ln_gamma;

use super::dist::qnorm;
use super::error::TestError;
use super::root::brent;
use super::t_test::mean_var;
use super::{check_conf_level, check_finite, check_integer_table, format};
use crate::stats::distributions::noncentral_t;

/// An effect size with its confidence interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EffectSize {
    /// "Cohen's d", "Hedges' g", "risk difference", "risk ratio", "odds ratio" or
    /// "Cox index".
    pub measure: &'static str,
    pub estimate: f64,
    /// Standard error of the Wald interval (on the log scale for the ratios); `None`
    /// for the non-central t intervals.
    pub std_error: Option<f64>,
    pub conf_low: f64,
    pub conf_high: f64,
    pub conf_level: f64,
    /// How the interval was formed.
    pub ci_method: &'static str,
    pub warnings: Vec<String>,
}

/// Pooled-SD standardised difference, its t and df.
fn standardised_difference(x: &[f64], y: &[f64]) -> Result<(f64, f64, f64, f64), TestError> {
    check_finite("x", x)?;
    check_finite("y", y)?;
    for (name, s) in [("x", x), ("y", y)] {
        if s.is_empty() {
            return Err(TestError::TooFewObservations {
                name,
                needed: 1,
                got: 0,
            });
        }
    }
    if x.len() + y.len() < 3 {
        return Err(TestError::TooFewObservations {
            name: "x and y together",
            needed: 3,
            got: x.len() + y.len(),
        });
    }
    let (nx, ny) = (x.len() as f64, y.len() as f64);
    let (mx, vx) = mean_var(x);
    let (my, vy) = mean_var(y);
    let df = nx + ny - 2.0;
    let mut ss = 0.0;
    if x.len() > 1 {
        ss += (nx - 1.0) * vx;
    }
    if y.len() > 1 {
        ss += (ny - 1.0) * vy;
    }
    let sd = (ss / df).sqrt();
    if sd == 0.0 || sd < 10.0 * f64::EPSILON * mx.abs().max(my.abs()) {
        return Err(TestError::EssentiallyConstant {
            what: "standardised mean difference",
            std_error: sd,
        });
    }
    let d = (mx - my) / sd;
    if !d.is_finite() {
        return Err(TestError::NotEstimable {
            what: "the standardised mean difference",
            reason: "the means or variances overflow double precision (values near ±1.8e308)",
        });
    }
    let scale = (1.0 / nx + 1.0 / ny).sqrt();
    Ok((d, d / scale, df, scale))
}

/// ncp such that P(T ≤ t; df, ncp) = target (P decreases in ncp).
fn solve_ncp(t: f64, df: f64, target: f64) -> Result<f64, TestError> {
    // Arguments are finite by construction (t, df > 0 checked by the caller); an error
    // from the distribution is reported as a non-estimable interval.
    let failed = std::cell::Cell::new(false);
    let g = |ncp: f64| match noncentral_t::cdf(t, df, ncp) {
        Ok(p) => p - target,
        Err(_) => {
            failed.set(true);
            0.0
        }
    };
    let mut step = 1.0_f64.max(t.abs() * 0.5);
    let (mut a, mut b) = (t - step, t + step);
    while g(a) < 0.0 && step < 1e4 {
        step *= 2.0;
        a = t - step;
    }
    while g(b) > 0.0 && step < 1e4 {
        step *= 2.0;
        b = t + step;
    }
    if g(a) < 0.0 || g(b) > 0.0 {
        return Err(TestError::NotEstimable {
            what: "the non-central t confidence interval",
            reason: "its limits could not be bracketed within |ncp − t| < 1e4",
        });
    }
    let root = brent(g, a, b, 1e-14);
    if failed.get() {
        return Err(TestError::NotEstimable {
            what: "the non-central t confidence interval",
            reason: "the non-central t distribution is not defined for these degrees of freedom",
        });
    }
    Ok(root)
}

fn ncp_interval(t: f64, df: f64, conf_level: f64) -> Result<(f64, f64), TestError> {
    let alpha = 1.0 - conf_level;
    let low = solve_ncp(t, df, 1.0 - alpha / 2.0)?;
    let high = solve_ncp(t, df, alpha / 2.0)?;
    Ok((low, high))
}

/// Cohen's d for two independent samples with the pooled SD, and its non-central t
/// interval.
///
/// # Errors
/// An empty sample, fewer than 3 observations in total, non-finite values, zero pooled
/// SD, or an invalid confidence level.
pub fn cohens_d(x: &[f64], y: &[f64], conf_level: f64) -> Result<EffectSize, TestError> {
    check_conf_level(conf_level)?;
    let (d, t, df, scale) = standardised_difference(x, y)?;
    let (low, high) = ncp_interval(t, df, conf_level)?;
    Ok(EffectSize {
        measure: "Cohen's d",
        estimate: d,
        std_error: None,
        conf_low: low * scale,
        conf_high: high * scale,
        conf_level,
        ci_method: "non-central t",
        warnings: Vec::new(),
    })
}

/// Hedges' small-sample correction J(df), from the gamma function exactly.
fn hedges_j(df: f64) -> f64 {
    (ln_gamma(df / 2.0) - (df / 2.0).sqrt().ln() - ln_gamma((df - 1.0) / 2.0)).exp()
}

/// Hedges' g = J·d, with the non-central t interval for d multiplied by J.
///
/// # Errors
/// As [`cohens_d`], and fewer than 4 observations in total (J needs df ≥ 2).
pub fn hedges_g(x: &[f64], y: &[f64], conf_level: f64) -> Result<EffectSize, TestError> {
    if x.len() + y.len() < 4 {
        return Err(TestError::TooFewObservations {
            name: "x and y together",
            needed: 4,
            got: x.len() + y.len(),
        });
    }
    let d = cohens_d(x, y, conf_level)?;
    let j = hedges_j((x.len() + y.len()) as f64 - 2.0);
    Ok(EffectSize {
        measure: "Hedges' g",
        estimate: j * d.estimate,
        conf_low: j * d.conf_low,
        conf_high: j * d.conf_high,
        ..d
    })
}

/// The four cells of a 2×2 table, validated, with no zero row total.
fn cells(table: &[Vec<f64>]) -> Result<[f64; 4], TestError> {
    let (rows, cols) = check_integer_table(table, 2, 2)?;
    if rows != 2 || cols != 2 {
        return Err(TestError::TableShape {
            rule: "this effect size needs exactly a 2×2 table",
            min_rows: 2,
            min_cols: 2,
            rows,
            cols,
        });
    }
    for (i, row) in table.iter().enumerate() {
        if row[0] + row[1] == 0.0 {
            return Err(TestError::ZeroMargin {
                margin: "row",
                index: i,
            });
        }
    }
    Ok([table[0][0], table[0][1], table[1][0], table[1][1]])
}

fn wald(
    measure: &'static str,
    estimate: f64,
    se: f64,
    conf_level: f64,
    log_scale: bool,
) -> EffectSize {
    let z = qnorm(1.0 - (1.0 - conf_level) / 2.0);
    let (conf_low, conf_high) = if log_scale {
        let l = estimate.ln();
        ((l - z * se).exp(), (l + z * se).exp())
    } else {
        (estimate - z * se, estimate + z * se)
    };
    EffectSize {
        measure,
        estimate,
        std_error: Some(se),
        conf_low,
        conf_high,
        conf_level,
        ci_method: if log_scale {
            "Wald on the log scale"
        } else {
            "Wald"
        },
        warnings: Vec::new(),
    }
}

/// Risk difference p₁ − p₂ with the Wald interval.
///
/// # Errors
/// A table that is not 2×2, with invalid or non-integer counts, or a zero row total.
pub fn risk_difference(table: &[Vec<f64>], conf_level: f64) -> Result<EffectSize, TestError> {
    check_conf_level(conf_level)?;
    let [a, b, c, d] = cells(table)?;
    let (n1, n2) = (a + b, c + d);
    let (p1, p2) = (a / n1, c / n2);
    let se = (p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2).sqrt();
    if se == 0.0 {
        return Err(TestError::NotEstimable {
            what: "the risk difference interval",
            reason: "both risks are 0 or 1, so the Wald standard error is zero",
        });
    }
    Ok(wald("risk difference", p1 - p2, se, conf_level, false))
}

/// Risk ratio p₁/p₂ with the Wald interval on the log scale.
///
/// # Errors
/// As [`risk_difference`], and a zero event count in either group.
pub fn risk_ratio(table: &[Vec<f64>], conf_level: f64) -> Result<EffectSize, TestError> {
    check_conf_level(conf_level)?;
    let [a, b, c, d] = cells(table)?;
    if a == 0.0 || c == 0.0 {
        return Err(TestError::NotEstimable {
            what: "the log risk ratio",
            reason: "a group has no events (a zero cell in the event column)",
        });
    }
    let (n1, n2) = (a + b, c + d);
    let se = (1.0 / a - 1.0 / n1 + 1.0 / c - 1.0 / n2).sqrt();
    Ok(wald(
        "risk ratio",
        (a / n1) / (c / n2),
        se,
        conf_level,
        true,
    ))
}

fn log_odds(table: &[Vec<f64>]) -> Result<(f64, f64), TestError> {
    let [a, b, c, d] = cells(table)?;
    if a == 0.0 || b == 0.0 || c == 0.0 || d == 0.0 {
        return Err(TestError::NotEstimable {
            what: "the log odds ratio",
            reason: "the table has a zero cell",
        });
    }
    Ok((
        a * d / (b * c),
        (1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d).sqrt(),
    ))
}

/// Sample odds ratio ad/(bc) with Woolf's Wald interval on the log scale.
///
/// # Errors
/// As [`risk_difference`], and any zero cell.
pub fn odds_ratio(table: &[Vec<f64>], conf_level: f64) -> Result<EffectSize, TestError> {
    check_conf_level(conf_level)?;
    let (or, se) = log_odds(table)?;
    Ok(wald("odds ratio", or, se, conf_level, true))
}

/// Cox's index ln(OR)/1.65, a d-like effect size for a binary outcome, with the log-OR
/// Wald interval divided by 1.65.
///
/// # Errors
/// As [`odds_ratio`].
pub fn cox_index(table: &[Vec<f64>], conf_level: f64) -> Result<EffectSize, TestError> {
    check_conf_level(conf_level)?;
    let (or, se) = log_odds(table)?;
    let z = qnorm(1.0 - (1.0 - conf_level) / 2.0);
    let l = or.ln();
    Ok(EffectSize {
        measure: "Cox index",
        estimate: l / 1.65,
        std_error: Some(se / 1.65),
        conf_low: (l - z * se) / 1.65,
        conf_high: (l + z * se) / 1.65,
        conf_level,
        ci_method: "Wald on the log-odds scale, divided by 1.65",
        warnings: Vec::new(),
    })
}

impl fmt::Display for EffectSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} = {}, {} percent CI [{}, {}] ({})",
            self.measure,
            format::sig(self.estimate, 5),
            format::sig(100.0 * self.conf_level, 7),
            format::sig(self.conf_low, 5),
            format::sig(self.conf_high, 5),
            self.ci_method
        )?;
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_cells_are_not_estimable() {
        let t = [vec![0.0, 10.0], vec![3.0, 7.0]];
        assert!(matches!(
            odds_ratio(&t, 0.95),
            Err(TestError::NotEstimable { .. })
        ));
        assert!(matches!(
            risk_ratio(&t, 0.95),
            Err(TestError::NotEstimable { .. })
        ));
        assert!(risk_difference(&t, 0.95).is_ok());
    }

    #[test]
    fn hedges_j_known_value() {
        // R: exp(lgamma(5) - log(sqrt(5)) - lgamma(4.5)); the approximation 1 − 3/(4·10 − 1) = 0.9231.
        let j = hedges_j(10.0);
        assert!((j - 0.922_745_608_053_087).abs() < 1e-12, "{j}");
    }

    #[test]
    fn constant_samples_are_an_error() {
        assert!(matches!(
            cohens_d(&[1.0, 1.0], &[1.0, 1.0, 1.0], 0.95),
            Err(TestError::EssentiallyConstant { .. })
        ));
    }
}
