//! Student's t tests: one-sample, paired, Welch (unequal variances) and Student (pooled
//! variance), matching R's `t.test`.
//!
//! In: one or two samples of finite values and [`TTestOptions`] (alternative, `mu`,
//! confidence level). Out: a [`TTest`] with t, df, p-value, the confidence interval for
//! the mean (or difference in means) and the sample means.
//!
//! # Formula
//! - One-sample: t = (x̄ − μ₀)/(s/√n), df = n − 1. Paired: the one-sample test on x − y.
//! - Welch: se² = s²ₓ/nₓ + s²ᵧ/nᵧ, t = (x̄ − ȳ − μ₀)/se, and the Welch–Satterthwaite
//!   df = se⁴ / ((s²ₓ/nₓ)²/(nₓ − 1) + (s²ᵧ/nᵧ)²/(nᵧ − 1)).
//! - Student: pooled s²ₚ = ((nₓ − 1)s²ₓ + (nᵧ − 1)s²ᵧ)/(nₓ + nᵧ − 2),
//!   se = sₚ·√(1/nₓ + 1/nᵧ), df = nₓ + nᵧ − 2.
//! - Two-sided p = 2·P(T > |t|); `Less` p = P(T ≤ t); `Greater` p = P(T ≥ t). The
//!   interval is μ₀ + (t ± q)·se with q = qt(1 − α/2, df), one-sided for one-sided
//!   alternatives (R's construction, reproduced operation for operation).
//!
//! # References
//! - Student (1908). The probable error of a mean. *Biometrika* 6(1), 1–25.
//!   doi:10.1093/biomet/6.1.1
//! - Welch, B. L. (1947). The generalization of "Student's" problem when several
//!   different population variances are involved. *Biometrika* 34(1–2), 28–35.
//!   doi:10.1093/biomet/34.1-2.28
//!
//! R: `t.test(x, y, alternative, mu, paired, var.equal, conf.level)`, stats 4.2.2. The
//! same validity rules (at least two observations per sample, except that the pooled
//! test needs only three in total; "data are essentially constant" when
//! se < 10·ε·max|mean|). Difference: R drops `NA`s silently; here non-finite values
//! are an error.

use std::fmt;

use serde::Serialize;

use super::dist::{pt, pt_upper, qt};
use super::error::TestError;
use super::format;
use super::{check_conf_level, check_finite, paired_differences};
use crate::stats::estimate::{Alternative, Estimate};

/// Options of a t test (R's defaults: two-sided, μ₀ = 0, 95 %).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TTestOptions {
    pub alternative: Alternative,
    /// The hypothesised mean (one-sample), mean difference (paired) or difference in
    /// means (two-sample).
    pub mu: f64,
    pub conf_level: f64,
}

impl Default for TTestOptions {
    fn default() -> Self {
        TTestOptions {
            alternative: Alternative::TwoSided,
            mu: 0.0,
            conf_level: 0.95,
        }
    }
}

/// Which t test was run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TTestKind {
    OneSample,
    Paired,
    Welch,
    Student,
}

impl TTestKind {
    /// R's method title.
    pub fn method(self) -> &'static str {
        match self {
            TTestKind::OneSample => "One Sample t-test",
            TTestKind::Paired => "Paired t-test",
            TTestKind::Welch => "Welch Two Sample t-test",
            TTestKind::Student => " Two Sample t-test",
        }
    }
}

/// Result of a t test (R's `htest` from `t.test`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TTest {
    pub kind: TTestKind,
    pub method: &'static str,
    /// t statistic for H0: parameter = `null_value`.
    pub statistic: f64,
    pub df: f64,
    pub p_value: f64,
    /// The mean (one-sample), mean difference (paired) or difference in means x̄ − ȳ.
    pub estimate: f64,
    /// Mean of `x` (of the differences when paired).
    pub mean_x: f64,
    /// Mean of `y` for the two-sample tests.
    pub mean_y: Option<f64>,
    pub std_error: f64,
    pub null_value: f64,
    /// Lower limit; `-inf` for `Less` (serialised as "-Inf").
    #[serde(serialize_with = "format::serialize_f64")]
    pub conf_low: f64,
    /// Upper limit; `inf` for `Greater` (serialised as "Inf").
    #[serde(serialize_with = "format::serialize_f64")]
    pub conf_high: f64,
    pub conf_level: f64,
    pub alternative: Alternative,
}

fn check_options(options: &TTestOptions) -> Result<(), TestError> {
    if !options.mu.is_finite() {
        return Err(TestError::InvalidArgument {
            name: "mu",
            rule: "must be a finite number",
            value: options.mu,
        });
    }
    check_conf_level(options.conf_level)
}

/// Mean and sample variance (two-pass, with the mean refined by the mean residual as R's
/// `mean` does).
pub(crate) fn mean_var(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let mut mean = x.iter().sum::<f64>() / n;
    mean += x.iter().map(|v| v - mean).sum::<f64>() / n;
    let var = if x.len() > 1 {
        x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        f64::NAN
    };
    (mean, var)
}

/// One-sample t test of H0: mean = `mu` (R `t.test(x, mu = mu)`).
///
/// # Errors
/// Fewer than 2 observations, a non-finite value, invalid options, or essentially
/// constant data.
pub fn t_test_one_sample(x: &[f64], options: &TTestOptions) -> Result<TTest, TestError> {
    check_options(options)?;
    check_finite("x", x)?;
    one_sample(x, options, TTestKind::OneSample)
}

/// Paired t test: the one-sample test on the differences x − y (R `t.test(x, y,
/// paired = TRUE)`).
///
/// # Errors
/// Samples of different lengths, fewer than 2 pairs, non-finite values, invalid options,
/// or constant differences.
pub fn t_test_paired(x: &[f64], y: &[f64], options: &TTestOptions) -> Result<TTest, TestError> {
    check_options(options)?;
    let d = paired_differences(x, y)?;
    one_sample(&d, options, TTestKind::Paired)
}

fn one_sample(x: &[f64], options: &TTestOptions, kind: TTestKind) -> Result<TTest, TestError> {
    let nx = x.len();
    if nx < 2 {
        return Err(TestError::TooFewObservations {
            name: if kind == TTestKind::Paired {
                "x − y"
            } else {
                "x"
            },
            needed: 2,
            got: nx,
        });
    }
    let (mx, vx) = mean_var(x);
    let n = nx as f64;
    let df = n - 1.0;
    let stderr = (vx / n).sqrt();
    if stderr < 10.0 * f64::EPSILON * mx.abs() || stderr == 0.0 {
        return Err(TestError::EssentiallyConstant {
            what: "t statistic",
            std_error: stderr,
        });
    }
    check_overflow(mx, stderr)?;
    Ok(finish(kind, mx, mx, None, stderr, df, options))
}

/// Welch's two-sample t test with unequal variances, R's default
/// (`t.test(x, y, var.equal = FALSE)`).
///
/// # Errors
/// Either sample with fewer than 2 observations, non-finite values, invalid options, or
/// essentially constant data.
pub fn t_test_welch(x: &[f64], y: &[f64], options: &TTestOptions) -> Result<TTest, TestError> {
    two_sample(x, y, options, false)
}

/// Student's two-sample t test with pooled variance (`t.test(x, y, var.equal = TRUE)`).
///
/// # Errors
/// An empty sample, fewer than 3 observations in total, non-finite values, invalid
/// options, or essentially constant data.
pub fn t_test_student(x: &[f64], y: &[f64], options: &TTestOptions) -> Result<TTest, TestError> {
    two_sample(x, y, options, true)
}

fn two_sample(
    x: &[f64],
    y: &[f64],
    options: &TTestOptions,
    var_equal: bool,
) -> Result<TTest, TestError> {
    check_options(options)?;
    check_finite("x", x)?;
    check_finite("y", y)?;
    let needed = if var_equal { 1 } else { 2 };
    for (name, s) in [("x", x), ("y", y)] {
        if s.len() < needed {
            return Err(TestError::TooFewObservations {
                name,
                needed,
                got: s.len(),
            });
        }
    }
    if var_equal && x.len() + y.len() < 3 {
        return Err(TestError::TooFewObservations {
            name: "x and y together",
            needed: 3,
            got: x.len() + y.len(),
        });
    }
    let (nx, ny) = (x.len() as f64, y.len() as f64);
    let (mx, vx) = mean_var(x);
    let (my, vy) = mean_var(y);
    let (stderr, df, kind) = if var_equal {
        let df = nx + ny - 2.0;
        let mut v = 0.0;
        if x.len() > 1 {
            v += (nx - 1.0) * vx;
        }
        if y.len() > 1 {
            v += (ny - 1.0) * vy;
        }
        v /= df;
        ((v * (1.0 / nx + 1.0 / ny)).sqrt(), df, TTestKind::Student)
    } else {
        let sx = (vx / nx).sqrt();
        let sy = (vy / ny).sqrt();
        let stderr = (sx.powi(2) + sy.powi(2)).sqrt();
        let df = stderr.powi(4) / (sx.powi(4) / (nx - 1.0) + sy.powi(4) / (ny - 1.0));
        (stderr, df, TTestKind::Welch)
    };
    if stderr < 10.0 * f64::EPSILON * mx.abs().max(my.abs()) || stderr == 0.0 {
        return Err(TestError::EssentiallyConstant {
            what: "t statistic",
            std_error: stderr,
        });
    }
    check_overflow(mx - my, stderr)?;
    Ok(finish(kind, mx - my, mx, Some(my), stderr, df, options))
}

/// Values near the f64 limit overflow in the mean or variance.
fn check_overflow(estimate: f64, stderr: f64) -> Result<(), TestError> {
    if estimate.is_finite() && stderr.is_finite() {
        Ok(())
    } else {
        Err(TestError::NotEstimable {
            what: "the t statistic",
            reason: "the mean or variance overflows double precision (values near ±1.8e308)",
        })
    }
}

fn finish(
    kind: TTestKind,
    estimate: f64,
    mean_x: f64,
    mean_y: Option<f64>,
    stderr: f64,
    df: f64,
    options: &TTestOptions,
) -> TTest {
    let mu = options.mu;
    let conf_level = options.conf_level;
    // R computes mx - my - mu for two samples and mx - mu for one.
    let tstat = match mean_y {
        Some(my) => (mean_x - my - mu) / stderr,
        None => (mean_x - mu) / stderr,
    };
    let (p_value, low, high) = match options.alternative {
        Alternative::Less => (pt(tstat, df), f64::NEG_INFINITY, tstat + qt(conf_level, df)),
        Alternative::Greater => (
            pt_upper(tstat, df),
            tstat - qt(conf_level, df),
            f64::INFINITY,
        ),
        Alternative::TwoSided => {
            let alpha = 1.0 - conf_level;
            let q = qt(1.0 - alpha / 2.0, df);
            (2.0 * pt(-tstat.abs(), df), tstat - q, tstat + q)
        }
    };
    TTest {
        kind,
        method: kind.method(),
        statistic: tstat,
        df,
        p_value,
        estimate,
        mean_x,
        mean_y,
        std_error: stderr,
        null_value: mu,
        conf_low: mu + low * stderr,
        conf_high: mu + high * stderr,
        conf_level,
        alternative: options.alternative,
    }
}

impl TTest {
    /// The result as the engine's shared [`Estimate`] (estimate, standard error, t, df,
    /// p-value, interval). Its statistic and p-value are those of this test, i.e. for
    /// H0: parameter = `null_value`; with the default μ₀ = 0 this is exactly
    /// `Estimate::from_t(estimate, std_error, df, conf_level, alternative)`.
    pub fn to_estimate(&self) -> Estimate {
        Estimate {
            estimate: self.estimate,
            std_error: self.std_error,
            statistic: self.statistic,
            df: self.df,
            p_value: self.p_value,
            conf_low: self.conf_low,
            conf_high: self.conf_high,
            conf_level: self.conf_level,
            alternative: self.alternative,
        }
    }
}

impl fmt::Display for TTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format::title(f, self.method)?;
        writeln!(
            f,
            "t = {}, df = {}, p-value {}",
            format::sig(self.statistic, 5),
            format::sig(self.df, 5),
            format::pval(self.p_value)
        )?;
        let what = match self.kind {
            TTestKind::OneSample => "mean",
            TTestKind::Paired => "mean difference",
            _ => "difference in means",
        };
        format::alternative_line(f, what, self.alternative, self.null_value)?;
        format::interval(f, self.conf_level, self.conf_low, self.conf_high)?;
        match (self.kind, self.mean_y) {
            (TTestKind::Paired, _) => format::estimates(f, &[("mean difference", self.mean_x)]),
            (_, Some(my)) => format::estimates(f, &[("mean of x", self.mean_x), ("mean of y", my)]),
            _ => format::estimates(f, &[("mean of x", self.mean_x)]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::prec::{PARITY, assert_close};

    /// R 4.2.2: `t.test(c(1,2,3,4,9))`: t = 2.728241002747405, p = 0.052538171638274914.
    #[test]
    fn one_sample_matches_r() {
        let r = t_test_one_sample(&[1.0, 2.0, 3.0, 4.0, 9.0], &TTestOptions::default()).unwrap();
        assert_close(r.statistic, 2.728241002747405, PARITY, "t");
        assert_close(r.p_value, 0.052538171638274914, 1e-9, "p");
        assert_close(r.conf_low, -0.06714054554821708, 1e-9, "lower");
    }

    #[test]
    fn to_estimate_agrees_with_estimate_from_t() {
        for alternative in [
            Alternative::TwoSided,
            Alternative::Less,
            Alternative::Greater,
        ] {
            let o = TTestOptions {
                alternative,
                ..TTestOptions::default()
            };
            let r = t_test_welch(&[1.0, 2.5, 3.0, 4.5], &[2.0, 4.0, 7.0], &o).unwrap();
            let e = r.to_estimate();
            let f = Estimate::from_t(r.estimate, r.std_error, r.df, r.conf_level, alternative);
            for (a, b) in [
                (e.statistic, f.statistic),
                (e.p_value, f.p_value),
                (e.conf_low, f.conf_low),
                (e.conf_high, f.conf_high),
            ] {
                assert!(a == b || ((a - b) / b).abs() < 1e-12, "{a} vs {b}");
            }
        }
    }

    #[test]
    fn constant_data_is_an_error() {
        let e = t_test_one_sample(&[3.0, 3.0, 3.0], &TTestOptions::default()).unwrap_err();
        assert!(matches!(e, TestError::EssentiallyConstant { .. }));
        assert!(e.to_string().contains("essentially constant"));
        let e = t_test_welch(&[1.0, 1.0], &[1.0, 1.0], &TTestOptions::default()).unwrap_err();
        assert!(matches!(e, TestError::EssentiallyConstant { .. }));
    }

    #[test]
    fn overflow_is_an_error_not_nan() {
        let e = t_test_one_sample(&[1e308, 1.5e308, -1e308], &TTestOptions::default());
        assert!(matches!(e, Err(TestError::NotEstimable { .. })), "{e:?}");
    }

    #[test]
    fn rejects_bad_input() {
        let o = TTestOptions::default();
        assert!(matches!(
            t_test_one_sample(&[1.0], &o),
            Err(TestError::TooFewObservations { got: 1, .. })
        ));
        assert!(matches!(
            t_test_one_sample(&[], &o),
            Err(TestError::TooFewObservations { got: 0, .. })
        ));
        assert!(matches!(
            t_test_welch(&[1.0, f64::NAN], &[1.0, 2.0], &o),
            Err(TestError::NonFinite { index: 1, .. })
        ));
        assert!(matches!(
            t_test_paired(&[1.0, 2.0], &[1.0], &o),
            Err(TestError::LengthMismatch { .. })
        ));
        assert!(matches!(
            t_test_welch(&[1.0], &[1.0, 2.0], &o),
            Err(TestError::TooFewObservations { name: "x", .. })
        ));
        // Student's test allows one observation in a group when the other has two.
        assert!(t_test_student(&[1.0], &[1.0, 2.0], &o).is_ok());
        let bad = TTestOptions {
            conf_level: 1.0,
            ..o
        };
        assert!(matches!(
            t_test_one_sample(&[1.0, 2.0], &bad),
            Err(TestError::InvalidArgument {
                name: "conf_level",
                ..
            })
        ));
    }

    #[test]
    fn one_sided_limits_serialise_as_inf() {
        let o = TTestOptions {
            alternative: Alternative::Greater,
            ..TTestOptions::default()
        };
        let r = t_test_one_sample(&[1.0, 2.0, 4.0], &o).unwrap();
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["conf_high"], "Inf");
        assert!(json["conf_low"].is_number());
        assert_eq!(json["kind"], "one_sample");
    }

    #[test]
    fn display_looks_like_r() {
        let r = t_test_welch(&[1.0, 2.0, 3.0], &[2.0, 4.0, 7.0], &TTestOptions::default()).unwrap();
        let s = r.to_string();
        assert!(s.contains("Welch Two Sample t-test"), "{s}");
        assert!(s.contains("alternative hypothesis: true difference in means is not equal to 0"));
        assert!(s.contains("95 percent confidence interval:"));
    }
}
