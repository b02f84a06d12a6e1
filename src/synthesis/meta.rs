//! Inverse-variance meta-analysis of k effect estimates y_i with sampling variances
//! v_i: fixed effect, and random effects with τ² by DerSimonian–Laird or REML. Goes
//! in: the estimates, their variances, a method and a confidence level; comes out: a
//! [`MetaAnalysis`] (pooled estimate with SE, z, p and CI; τ², I², H², Q and its
//! p-value; the prediction interval; each study's weight), as metafor's `rma()`.
//!
//! # Formula
//! With weights w_i = 1/(v_i + τ²) (τ² = 0 for the fixed effect):
//! μ̂ = Σ w_i y_i / Σ w_i, SE = 1/√Σ w_i, z = μ̂/SE, p = 2Φ(−|z|),
//! CI = μ̂ ± z_{1−α/2} SE, PI = μ̂ ± z_{1−α/2} √(τ² + SE²) (normal, as metafor's default
//! `test = "z"`, not t(k − 2)).
//! Cochran's Q = Σ (1/v_i)(y_i − μ̂_FE)² on k − 1 df, always from fixed-effect weights.
//!
//! | method | τ² |
//! |---|---|
//! | `fe` | 0 |
//! | `dl` | max(0, (Q − (k − 1)) / (Σw − Σw²/Σw)), w = 1/v |
//! | `reml` | maximises the restricted likelihood over τ² ≥ 0 by Fisher scoring (below) |
//!
//! REML: from the Hedges estimate max(0, s²_y − mean v), metafor's starting value, each
//! step adds (Y'PPY − tr P)/tr(PP) with P = W − W1(1'W1)⁻¹1'W, and a step below zero
//! stops at zero. Iterations stop when |Δτ²| ≤ 1e-14·max(1, τ²) (metafor stops at
//! |Δτ²| < 1e-5 by default; the fixtures call it with threshold = 1e-12). SE(τ²) =
//! √(2 / tr(PP)).
//!
//! Heterogeneity as metafor reports it: for random effects I² = τ²/(τ² + s²) and
//! H² = (τ² + s²)/s², with s² = (k − 1)Σw / ((Σw)² − Σw²) the typical within-study
//! variance (w = 1/v); under DL this equals (Q − df)/Q. For the fixed effect
//! I² = max(0, (Q − df)/Q) and H² = Q/df. I² is a share (0–1), not a percentage.
//!
//! # References
//! DerSimonian, R. and Laird, N. (1986). Meta-analysis in clinical trials. *Controlled
//! Clinical Trials* 7, 177–188. doi:10.1016/0197-2456(86)90046-2.
//! Viechtbauer, W. (2005). Bias and efficiency of meta-analytic variance estimators in
//! the random-effects model. *JEBS* 30, 261–293. doi:10.3102/10769986030003261.
//! Higgins, J. P. T. and Thompson, S. G. (2002). Quantifying heterogeneity in a
//! meta-analysis. *Statistics in Medicine* 21, 1539–1558. doi:10.1002/sim.1186.
//! Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package.
//! *Journal of Statistical Software* 36(3). doi:10.18637/jss.v036.i03.
//! Checked against metafor 3.8-1 `rma()` in tests/reference/synthesis/.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::stats::distributions::{chi_squared, normal};

/// How τ² is estimated (or fixed at zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Restricted maximum likelihood (metafor's default).
    Reml,
    /// DerSimonian–Laird.
    Dl,
    /// Fixed effect (inverse variance, τ² = 0).
    Fe,
}

impl Method {
    /// The method in words.
    pub fn label(self) -> &'static str {
        match self {
            Method::Reml => "random effects, τ² by restricted maximum likelihood (REML)",
            Method::Dl => "random effects, τ² by DerSimonian–Laird",
            Method::Fe => "fixed effect (inverse variance)",
        }
    }
}

/// Iterations allowed to REML's Fisher scoring (metafor's maxiter is 100; the tighter
/// stopping rule here needs a few more at most).
pub const MAX_ITERATIONS: usize = 1000;

/// Why the estimates cannot be pooled.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetaError {
    #[error("a meta-analysis needs at least two studies; {k} given")]
    TooFew { k: usize },
    #[error("study {index}: the estimate {value} is not a finite number")]
    Estimate { index: usize, value: f64 },
    #[error("study {index}: the sampling variance {value} is not a finite number above 0")]
    Variance { index: usize, value: f64 },
    #[error("the confidence level {0} is not between 0 and 1")]
    Level(f64),
    #[error("REML did not converge in {MAX_ITERATIONS} Fisher scoring steps (last τ² {tau2})")]
    NotConverged { tau2: f64 },
}

/// A pooled estimate and its heterogeneity (metafor's `rma()` and `predict()`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetaAnalysis {
    pub method: Method,
    /// Studies pooled.
    pub k: usize,
    pub estimate: f64,
    pub std_error: f64,
    /// z = estimate / std_error.
    pub statistic: f64,
    pub p_value: f64,
    pub conf_low: f64,
    pub conf_high: f64,
    pub conf_level: f64,
    /// Prediction interval for the effect in a new study: estimate ± z·√(τ² + SE²).
    pub pi_low: f64,
    pub pi_high: f64,
    /// Between-study variance τ² (0 for the fixed effect) and τ.
    pub tau2: f64,
    pub tau: f64,
    /// SE of τ² (REML only: √(2/tr(PP))).
    pub se_tau2: Option<f64>,
    /// I² as a share (0–1) and H².
    pub i2: f64,
    pub h2: f64,
    /// Cochran's Q, its degrees of freedom (k − 1) and upper-tail χ² p-value.
    pub q: f64,
    pub q_df: usize,
    pub q_p_value: f64,
    /// Each study's share of the total weight, in input order (sums to 1).
    pub weights: Vec<f64>,
    /// Fisher scoring steps taken (REML only).
    pub iterations: Option<usize>,
}

/// Pools `estimates` with sampling `variances` (squared standard errors).
///
/// # Errors
/// [`MetaError`]: fewer than two studies, a non-finite estimate, a variance that is
/// not finite and positive, a level outside (0, 1), REML not converging.
pub fn meta_analyse(
    estimates: &[f64],
    variances: &[f64],
    method: Method,
    conf_level: f64,
) -> Result<MetaAnalysis, MetaError> {
    let k = estimates.len().min(variances.len());
    if k < 2 {
        return Err(MetaError::TooFew { k });
    }
    for (index, (&y, &v)) in estimates.iter().zip(variances).enumerate() {
        if !y.is_finite() {
            return Err(MetaError::Estimate { index, value: y });
        }
        if !(v.is_finite() && v > 0.0) {
            return Err(MetaError::Variance { index, value: v });
        }
    }
    if !(conf_level > 0.0 && conf_level < 1.0) {
        return Err(MetaError::Level(conf_level));
    }
    let (y, v) = (&estimates[..k], &variances[..k]);
    let df = (k - 1) as f64;
    // Fixed-effect quantities: Q and the typical within-study variance.
    let w1: Vec<f64> = v.iter().map(|v| 1.0 / v).collect();
    let sw1: f64 = w1.iter().sum();
    let sw1_2: f64 = w1.iter().map(|w| w * w).sum();
    let mu_fe = weighted_mean(y, &w1);
    let q: f64 = y
        .iter()
        .zip(&w1)
        .map(|(y, w)| w * (y - mu_fe).powi(2))
        .sum();
    let (tau2, se_tau2, iterations) = match method {
        Method::Fe => (0.0, None, None),
        Method::Dl => (((q - df) / (sw1 - sw1_2 / sw1)).max(0.0), None, None),
        Method::Reml => {
            let (tau2, se, steps) = reml(y, v)?;
            (tau2, Some(se), Some(steps))
        }
    };
    let w: Vec<f64> = v.iter().map(|v| 1.0 / (v + tau2)).collect();
    let sw: f64 = w.iter().sum();
    let estimate = weighted_mean(y, &w);
    let std_error = (1.0 / sw).sqrt();
    let statistic = estimate / std_error;
    let p_value = 2.0 * normal::sf(statistic.abs()).unwrap_or(f64::NAN);
    let z = normal::upper_quantile((1.0 - conf_level) / 2.0).unwrap_or(f64::NAN);
    let pi_half = z * (tau2 + std_error * std_error).sqrt();
    let (i2, h2) = match method {
        Method::Fe => {
            let i2 = if q > 0.0 {
                ((q - df) / q).max(0.0)
            } else {
                0.0
            };
            (i2, q / df)
        }
        Method::Dl | Method::Reml => {
            let s2 = df * sw1 / (sw1 * sw1 - sw1_2);
            (tau2 / (tau2 + s2), (tau2 + s2) / s2)
        }
    };
    Ok(MetaAnalysis {
        method,
        k,
        estimate,
        std_error,
        statistic,
        p_value,
        conf_low: estimate - z * std_error,
        conf_high: estimate + z * std_error,
        conf_level,
        pi_low: estimate - pi_half,
        pi_high: estimate + pi_half,
        tau2,
        tau: tau2.sqrt(),
        se_tau2,
        i2,
        h2,
        q,
        q_df: k - 1,
        q_p_value: chi_squared::sf(q, df).unwrap_or(f64::NAN),
        weights: w.iter().map(|w| w / sw).collect(),
        iterations,
    })
}

fn weighted_mean(y: &[f64], w: &[f64]) -> f64 {
    let sw: f64 = w.iter().sum();
    y.iter().zip(w).map(|(y, w)| y * w).sum::<f64>() / sw
}

/// REML τ² by Fisher scoring (see the module notes); returns τ², SE(τ²) and the steps.
fn reml(y: &[f64], v: &[f64]) -> Result<(f64, f64, usize), MetaError> {
    let k = y.len() as f64;
    let mean_y = y.iter().sum::<f64>() / k;
    let var_y = y.iter().map(|y| (y - mean_y).powi(2)).sum::<f64>() / (k - 1.0);
    let mean_v = v.iter().sum::<f64>() / k;
    let mut tau2 = (var_y - mean_v).max(0.0);
    let traces = |tau2: f64| {
        let w: Vec<f64> = v.iter().map(|v| 1.0 / (v + tau2)).collect();
        let sw: f64 = w.iter().sum();
        let sw2: f64 = w.iter().map(|w| w * w).sum();
        let sw3: f64 = w.iter().map(|w| w * w * w).sum();
        let mu = weighted_mean(y, &w);
        let ypp_y: f64 = y.iter().zip(&w).map(|(y, w)| (w * (y - mu)).powi(2)).sum();
        let tr_p = sw - sw2 / sw;
        let tr_pp = sw2 - 2.0 * sw3 / sw + (sw2 / sw).powi(2);
        (ypp_y, tr_p, tr_pp)
    };
    for step in 1..=MAX_ITERATIONS {
        let (ypp_y, tr_p, tr_pp) = traces(tau2);
        let next = (tau2 + (ypp_y - tr_p) / tr_pp).max(0.0);
        let change = (next - tau2).abs();
        tau2 = next;
        if change <= 1e-14 * tau2.max(1.0) {
            let (_, _, tr_pp) = traces(tau2);
            return Ok((tau2, (2.0 / tr_pp).sqrt(), step));
        }
    }
    Err(MetaError::NotConverged { tau2 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_cannot_be_pooled() {
        assert_eq!(
            meta_analyse(&[0.1], &[0.01], Method::Reml, 0.95),
            Err(MetaError::TooFew { k: 1 })
        );
        assert_eq!(
            meta_analyse(&[0.1, 0.2], &[0.01, 0.0], Method::Dl, 0.95),
            Err(MetaError::Variance {
                index: 1,
                value: 0.0
            })
        );
        assert_eq!(
            meta_analyse(&[f64::NAN, 0.2], &[0.01, 0.01], Method::Fe, 0.95)
                .unwrap_err()
                .to_string(),
            "study 0: the estimate NaN is not a finite number"
        );
        assert!(matches!(
            meta_analyse(&[0.1, 0.2], &[0.01, 0.01], Method::Fe, 1.0),
            Err(MetaError::Level(_))
        ));
    }

    #[test]
    fn equal_studies_pool_to_their_common_value_with_no_heterogeneity() {
        let m = meta_analyse(&[0.5, 0.5, 0.5], &[0.04, 0.04, 0.04], Method::Reml, 0.95).unwrap();
        assert_eq!(m.tau2, 0.0);
        assert!((m.estimate - 0.5).abs() < 1e-15);
        assert!((m.std_error - (0.04f64 / 3.0).sqrt()).abs() < 1e-15);
        assert_eq!((m.q, m.i2), (0.0, 0.0));
        assert_eq!((m.pi_low, m.pi_high), (m.conf_low, m.conf_high));
    }
}
