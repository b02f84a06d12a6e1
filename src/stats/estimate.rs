//! The result every estimator and test returns: a point estimate with its standard
//! error, a test statistic, degrees of freedom, p-value and confidence interval.
//!
//! Keeping one type means the analysis stage, the report and the `--json` output of
//! `evident test` / `evident regress` all speak the same shape.

use crate::stats::distributions::t;
use serde::Serialize;

/// Direction of the alternative hypothesis (R's `alternative =`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Alternative {
    TwoSided,
    Less,
    Greater,
}

/// One estimated quantity with t- (or z-) based inference.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Estimate {
    pub estimate: f64,
    pub std_error: f64,
    /// t (or z when `df` is infinite) for H0: parameter = 0.
    pub statistic: f64,
    /// Degrees of freedom; `f64::INFINITY` means a normal reference distribution.
    /// Serialised as `null` when infinite.
    #[serde(serialize_with = "serialize_df")]
    #[schemars(with = "Option<f64>")]
    pub df: f64,
    pub p_value: f64,
    pub conf_low: f64,
    pub conf_high: f64,
    pub conf_level: f64,
    pub alternative: Alternative,
}

fn serialize_df<S: serde::Serializer>(df: &f64, s: S) -> Result<S::Ok, S::Error> {
    if df.is_finite() {
        s.serialize_f64(*df)
    } else {
        s.serialize_none()
    }
}

impl Estimate {
    /// Wald-type inference from an estimate, its standard error and degrees of freedom.
    ///
    /// # Formula
    /// statistic = estimate / se; two-sided p = 2·P(T > |t|); CI = estimate ± q·se with
    /// q = qt(1 − α/2, df) (one-sided alternatives give a one-sided interval, as R does).
    ///
    /// `df` must be positive (or infinite for a normal reference); `se` must be finite
    /// and non-negative. A zero `se` gives an infinite statistic and a degenerate interval.
    pub fn from_t(
        estimate: f64,
        std_error: f64,
        df: f64,
        conf_level: f64,
        alternative: Alternative,
    ) -> Estimate {
        let statistic = estimate / std_error;
        let (lower_tail, upper_tail, quantile) =
            reference_tails(statistic, df, conf_level, alternative);
        let p_value = match alternative {
            Alternative::TwoSided => (2.0 * lower_tail.min(upper_tail)).min(1.0),
            Alternative::Less => lower_tail,
            Alternative::Greater => upper_tail,
        };
        let (conf_low, conf_high) = match alternative {
            Alternative::TwoSided => (
                estimate - quantile * std_error,
                estimate + quantile * std_error,
            ),
            Alternative::Less => (f64::NEG_INFINITY, estimate + quantile * std_error),
            Alternative::Greater => (estimate - quantile * std_error, f64::INFINITY),
        };
        Estimate {
            estimate,
            std_error,
            statistic,
            df,
            p_value,
            conf_low,
            conf_high,
            conf_level,
            alternative,
        }
    }
}

/// P(T <= t), P(T >= t) and the critical value for the interval, from the accurate
/// t distribution (`distributions::t`; `df = ∞` is the standard normal). Both tails
/// are computed directly. Invalid input (non-positive or NaN df, a NaN statistic, a
/// confidence level outside [0, 1]) gives NaN rather than a panic.
fn reference_tails(
    statistic: f64,
    df: f64,
    conf_level: f64,
    alternative: Alternative,
) -> (f64, f64, f64) {
    let tail_prob = match alternative {
        Alternative::TwoSided => (1.0 - conf_level) / 2.0,
        _ => 1.0 - conf_level,
    };
    let (lower, upper) = t::tails(statistic, df).unwrap_or((f64::NAN, f64::NAN));
    let quantile = t::upper_quantile(tail_prob, df).unwrap_or(f64::NAN);
    (lower, upper, quantile)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::excessive_precision)] // R values printed with 17 digits
    use super::*;
    use crate::stats::prec::assert_close;

    /// R 4.2.2: `print(unlist(t.test(c(1,2,3,4,9))[c("statistic","p.value","conf.int")]), digits = 17)`.
    #[test]
    fn matches_r_one_sample_t() {
        let x = [1.0, 2.0, 3.0, 4.0, 9.0];
        let n = x.len() as f64;
        let mean = x.iter().sum::<f64>() / n;
        let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let est = Estimate::from_t(mean, (var / n).sqrt(), n - 1.0, 0.95, Alternative::TwoSided);
        assert_close(est.statistic, 2.728241002747405, 1e-12, "t");
        assert_close(est.p_value, 0.052_538_171_638_274_91, 1e-9, "p");
        assert_close(est.conf_low, -0.067_140_545_548_217_08, 1e-9, "lower");
        assert_close(est.conf_high, 7.667140545548218, 1e-9, "upper");
    }
}
