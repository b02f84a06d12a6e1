//! Residual autocorrelation: the Durbin–Watson statistic, the autocorrelation function
//! and the Ljung–Box portmanteau test, as R's `acf()` and `Box.test(type =
//! "Ljung-Box")` compute them (residuals centred on their mean).

use serde::Serialize;

use crate::stats::distributions::chi_squared;

/// Autocorrelation diagnostics of a residual series.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Autocorrelation {
    /// Σ(e_t − e_{t−1})² / Σe_t²: about 2 without first-order autocorrelation, below 2
    /// when neighbouring residuals move together.
    pub durbin_watson: f64,
    /// r_1 … r_K: the residual autocorrelations at lags 1..K.
    pub acf: Vec<f64>,
    /// The Ljung–Box test that r_1 … r_K are all zero.
    pub ljung_box: LjungBox,
}

/// Q = n(n + 2) Σ r_k²/(n − k), compared with χ²(K).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct LjungBox {
    pub statistic: f64,
    pub df: usize,
    pub p_value: f64,
}

/// Durbin–Watson, ACF to `lags` and Ljung–Box over `lags` for residuals `e`.
pub fn autocorrelation(e: &[f64], lags: usize) -> Autocorrelation {
    let n = e.len();
    let ss: f64 = e.iter().map(|v| v * v).sum();
    let durbin_watson = e.windows(2).map(|w| (w[1] - w[0]).powi(2)).sum::<f64>() / ss;
    let mean = e.iter().sum::<f64>() / n as f64;
    let c: Vec<f64> = e.iter().map(|v| v - mean).collect();
    let c0: f64 = c.iter().map(|v| v * v).sum();
    let lags = lags.min(n.saturating_sub(1));
    let acf: Vec<f64> = (1..=lags)
        .map(|k| (k..n).map(|t| c[t] * c[t - k]).sum::<f64>() / c0)
        .collect();
    let nf = n as f64;
    let statistic = nf
        * (nf + 2.0)
        * acf
            .iter()
            .enumerate()
            .map(|(i, r)| r * r / (nf - (i + 1) as f64))
            .sum::<f64>();
    let p_value = chi_squared::sf(statistic, lags as f64).unwrap_or(f64::NAN);
    Autocorrelation {
        durbin_watson,
        acf,
        ljung_box: LjungBox {
            statistic,
            df: lags,
            p_value,
        },
    }
}
