//! Tests of proportions, matching R's `prop.test`: one proportion against p₀ (Wilson
//! score interval), equality of two proportions (with the CI for their difference) and
//! of k proportions, or k proportions against given values; each with or without Yates'
//! continuity correction.
//!
//! In: success counts `x`, trial counts `n` and [`PropTestOptions`]. Out: a [`PropTest`].
//!
//! # Formula
//! Pearson's X² on the k×2 table of successes and failures, with expected counts from the
//! pooled proportion (or from p₀ when given): X² = Σ (|O − E| − Y)²/E, df = k − 1 (k when
//! p₀ is given). Yates' correction is capped (only for k ≤ 2): Y = min(0.5, |x − n·p₀|)
//! for one group and Y = min(0.5, |p̂₁ − p̂₂| / (1/n₁ + 1/n₂)) for two. One-sided
//! p-values use z = sign(p̂ − p₀)·√X² (or sign(p̂₁ − p̂₂)·√X²) against the normal.
//! Two groups: CI = p̂₁ − p̂₂ ∓ (z·√Σ p̂(1 − p̂)/n + Y·Σ 1/n), clipped to [−1, 1].
//! One group: Wilson's score interval with the correction applied to p̂ ± Y/n.
//!
//! # References
//! - Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
//!   inference. *JASA* 22, 209–212. doi:10.1080/01621459.1927.10502953
//! - Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion:
//!   comparison of seven methods. *Stat. Med.* 17, 857–872.
//!   doi:10.1002/(SICI)1097-0258(19980430)17:8<857::AID-SIM777>3.0.CO;2-E
//! - Yates, F. (1934). Contingency tables involving small numbers and the χ² test.
//!   *JRSS Suppl.* 1, 217–235. doi:10.2307/2983604
//!
//! R: `prop.test(x, n, p, alternative, conf.level, correct)`, stats 4.2.2. As in R, the
//! alternative is forced to two-sided for more than two groups or two groups with given
//! p₀. Difference: R returns a NaN statistic when every trial is a success (or every one
//! a failure); here that is a [`TestError::NotEstimable`].

use std::fmt;

use serde::Serialize;

use super::check_conf_level;
use super::dist::{pchisq_upper, pnorm, pnorm_upper, qnorm};
use super::error::TestError;
use super::format;
use crate::stats::estimate::Alternative;

/// Options of [`prop_test`] (R's defaults: two-sided, 95 %, corrected, no p₀ except 0.5
/// for a single group).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PropTestOptions {
    /// Null proportions, one per group; `None` tests equality (or p = 0.5 for one group).
    pub p: Option<Vec<f64>>,
    pub alternative: Alternative,
    pub conf_level: f64,
    /// Apply Yates' continuity correction (only ever used for one or two groups).
    pub correct: bool,
}

impl Default for PropTestOptions {
    fn default() -> Self {
        PropTestOptions {
            p: None,
            alternative: Alternative::TwoSided,
            conf_level: 0.95,
            correct: true,
        }
    }
}

/// Result of [`prop_test`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PropTest {
    pub method: String,
    /// Pearson's X².
    pub statistic: f64,
    pub df: f64,
    pub p_value: f64,
    /// Sample proportions x/n.
    pub estimates: Vec<f64>,
    /// Null proportions, when given (or 0.5 for one group).
    pub null_value: Option<Vec<f64>>,
    /// Interval for the proportion (one group) or the difference p₁ − p₂ (two groups
    /// without p₀); `None` otherwise.
    pub conf_int: Option<(f64, f64)>,
    pub conf_level: f64,
    pub alternative: Alternative,
    /// The continuity correction Y actually applied (0 when none).
    pub yates: f64,
}

/// R's `prop.test(x, n, p, alternative, conf.level, correct)`.
///
/// # Errors
/// Empty input, `x` and `n` of different lengths, non-finite or negative counts,
/// `n ≤ 0`, `x > n`, p₀ outside (0, 1) or of the wrong length, an invalid confidence
/// level, or a pooled proportion of 0 or 1 (the statistic is then undefined).
pub fn prop_test(x: &[f64], n: &[f64], options: &PropTestOptions) -> Result<PropTest, TestError> {
    let k = x.len();
    if k == 0 {
        return Err(TestError::TooFewObservations {
            name: "x",
            needed: 1,
            got: 0,
        });
    }
    super::check_same_length(("x", k), ("n", n.len()))?;
    for i in 0..k {
        if !x[i].is_finite() || x[i] < 0.0 {
            return Err(TestError::InvalidCount {
                row: i,
                col: 0,
                value: x[i],
            });
        }
        if !n[i].is_finite() || n[i] <= 0.0 {
            return Err(TestError::InvalidArgument {
                name: "n",
                rule: "must hold finite, positive trial counts",
                value: n[i],
            });
        }
        if x[i] > n[i] {
            return Err(TestError::InvalidArgument {
                name: "x",
                rule: "must not exceed the number of trials n in its group",
                value: x[i],
            });
        }
    }
    check_conf_level(options.conf_level)?;
    let p0: Option<Vec<f64>> = match (&options.p, k) {
        (Some(p), _) => {
            if p.len() != k {
                return Err(TestError::InvalidArgument {
                    name: "p",
                    rule: "must have one null proportion per group",
                    value: p.len() as f64,
                });
            }
            if let Some(&bad) = p.iter().find(|&&v| !(v > 0.0 && v < 1.0)) {
                return Err(TestError::InvalidArgument {
                    name: "p",
                    rule: "must hold proportions strictly between 0 and 1",
                    value: bad,
                });
            }
            Some(p.clone())
        }
        (None, 1) => Some(vec![0.5]),
        (None, _) => None,
    };
    let alternative = if k > 2 || (k == 2 && p0.is_some()) {
        Alternative::TwoSided
    } else {
        options.alternative
    };
    let conf_level = options.conf_level;
    let estimates: Vec<f64> = x.iter().zip(n).map(|(a, b)| a / b).collect();
    let mut yates = if options.correct && k <= 2 { 0.5 } else { 0.0 };
    let mut conf_int = None;
    let mut delta = 0.0;
    let z = qnorm(match alternative {
        Alternative::TwoSided => (1.0 + conf_level) / 2.0,
        _ => conf_level,
    });
    if k == 1 {
        let (x, n, p, est) = (x[0], n[0], p0.as_ref().map_or(0.5, |p| p[0]), estimates[0]);
        yates = f64::min(yates, (x - n * p).abs());
        let z22n = z * z / (2.0 * n);
        let pc = est + yates / n;
        let pu = if pc >= 1.0 {
            1.0
        } else {
            (pc + z22n + z * (pc * (1.0 - pc) / n + z22n / (2.0 * n)).sqrt()) / (1.0 + 2.0 * z22n)
        };
        let pc = est - yates / n;
        let pl = if pc <= 0.0 {
            0.0
        } else {
            (pc + z22n - z * (pc * (1.0 - pc) / n + z22n / (2.0 * n)).sqrt()) / (1.0 + 2.0 * z22n)
        };
        conf_int = Some(match alternative {
            Alternative::TwoSided => (pl.max(0.0), pu.min(1.0)),
            Alternative::Greater => (pl.max(0.0), 1.0),
            Alternative::Less => (0.0, pu.min(1.0)),
        });
    } else if k == 2 && p0.is_none() {
        delta = estimates[0] - estimates[1];
        let inv_n = 1.0 / n[0] + 1.0 / n[1];
        yates = f64::min(yates, delta.abs() / inv_n);
        let width = z
            * (estimates[0] * (1.0 - estimates[0]) / n[0]
                + estimates[1] * (1.0 - estimates[1]) / n[1])
                .sqrt()
            + yates * inv_n;
        conf_int = Some(match alternative {
            Alternative::TwoSided => ((delta - width).max(-1.0), (delta + width).min(1.0)),
            Alternative::Greater => ((delta - width).max(-1.0), 1.0),
            Alternative::Less => (-1.0, (delta + width).min(1.0)),
        });
    }
    let method = format!(
        "{} {} continuity correction",
        if k == 1 {
            "1-sample proportions test".to_string()
        } else {
            format!(
                "{k}-sample test for {} proportions",
                if p0.is_none() { "equality of" } else { "given" }
            )
        },
        if yates != 0.0 { "with" } else { "without" }
    );
    let (null_props, df) = match &p0 {
        Some(p) => (p.clone(), k as f64),
        None => {
            let pooled = x.iter().sum::<f64>() / n.iter().sum::<f64>();
            (vec![pooled; k], (k - 1) as f64)
        }
    };
    let mut statistic = 0.0;
    for i in 0..k {
        let expected = [n[i] * null_props[i], n[i] * (1.0 - null_props[i])];
        let observed = [x[i], n[i] - x[i]];
        for c in 0..2 {
            if expected[c] == 0.0 {
                return Err(TestError::NotEstimable {
                    what: "the chi-squared statistic",
                    reason: "every trial is a success (or every one a failure), so an expected count is zero",
                });
            }
            statistic += ((observed[c] - expected[c]).abs() - yates).powi(2) / expected[c];
        }
    }
    let p_value = match alternative {
        Alternative::TwoSided => pchisq_upper(statistic, df),
        _ => {
            let sign = if k == 1 {
                (estimates[0] - null_props[0]).signum_r()
            } else {
                delta.signum_r()
            };
            let zstat = sign * statistic.sqrt();
            if alternative == Alternative::Less {
                pnorm(zstat)
            } else {
                pnorm_upper(zstat)
            }
        }
    };
    Ok(PropTest {
        method,
        statistic,
        df,
        p_value,
        estimates,
        null_value: p0,
        conf_int,
        conf_level,
        alternative,
        yates,
    })
}

/// R's `sign`: 0 at 0 (Rust's `signum` gives ±1 there).
trait SignR {
    fn signum_r(self) -> f64;
}

impl SignR for f64 {
    fn signum_r(self) -> f64 {
        if self == 0.0 { 0.0 } else { self.signum() }
    }
}

impl fmt::Display for PropTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format::title(f, &self.method)?;
        writeln!(
            f,
            "X-squared = {}, df = {}, p-value {}",
            format::sig(self.statistic, 5),
            format::sig(self.df, 5),
            format::pval(self.p_value)
        )?;
        match (&self.null_value, self.estimates.len()) {
            (Some(p), 1) => format::alternative_line(f, "p", self.alternative, p[0])?,
            (Some(_), _) => writeln!(f, "alternative hypothesis: two.sided")?,
            (None, 2) => writeln!(
                f,
                "alternative hypothesis: {}",
                match self.alternative {
                    Alternative::TwoSided => "two.sided",
                    Alternative::Less => "less",
                    Alternative::Greater => "greater",
                }
            )?,
            (None, _) => writeln!(f, "alternative hypothesis: two.sided")?,
        }
        if let Some((low, high)) = self.conf_int {
            format::interval(f, self.conf_level, low, high)?;
        }
        let names: Vec<String> = if self.estimates.len() == 1 {
            vec!["p".to_string()]
        } else {
            (1..=self.estimates.len())
                .map(|i| format!("prop {i}"))
                .collect()
        };
        let items: Vec<(&str, f64)> = names
            .iter()
            .map(String::as_str)
            .zip(self.estimates.iter().copied())
            .collect();
        format::estimates(f, &items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_successes_is_not_estimable() {
        let e = prop_test(&[5.0, 7.0], &[5.0, 7.0], &PropTestOptions::default()).unwrap_err();
        assert!(matches!(e, TestError::NotEstimable { .. }), "{e}");
    }

    #[test]
    fn rejects_bad_counts() {
        let o = PropTestOptions::default();
        assert!(matches!(
            prop_test(&[-1.0, 2.0], &[5.0, 5.0], &o),
            Err(TestError::InvalidCount { .. })
        ));
        assert!(prop_test(&[6.0], &[5.0], &o).is_err());
        assert!(prop_test(&[1.0], &[0.0], &o).is_err());
        assert!(prop_test(&[], &[], &o).is_err());
    }

    #[test]
    fn equal_proportions_drop_the_correction() {
        let r = prop_test(&[3.0, 6.0], &[10.0, 20.0], &PropTestOptions::default()).unwrap();
        assert_eq!(r.yates, 0.0);
        assert!(r.method.contains("without"));
        assert_eq!(r.statistic, 0.0);
        assert!(r.to_string().contains("prop 1"));
    }
}
