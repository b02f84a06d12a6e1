//! Pearson's chi-squared test of independence on an r×c table (with Yates' continuity
//! correction for 2×2) and the goodness-of-fit test against given probabilities,
//! matching R's `chisq.test`.
//!
//! In: a table of non-negative counts (rows of equal length; non-integer weights are
//! allowed as in R) or a vector of counts with probabilities. Out: a [`ChisqTest`] with
//! X², df, p-value, expected counts, Pearson and standardised residuals.
//!
//! # Formula
//! Eᵢⱼ = rᵢ·cⱼ/N; X² = Σ (|Oᵢⱼ − Eᵢⱼ| − Y)²/Eᵢⱼ with df = (r − 1)(c − 1), where Y = 0
//! except for a 2×2 table with correction: Y = min(0.5, minᵢⱼ |Oᵢⱼ − Eᵢⱼ|) (R's cap).
//! Pearson residuals (O − E)/√E; standardised residuals (O − E)/√V with
//! Vᵢⱼ = rᵢcⱼ(N − rᵢ)(N − cⱼ)/N³. Goodness of fit: Eᵢ = N·pᵢ, X² = Σ (Oᵢ − Eᵢ)²/Eᵢ,
//! df = k − 1, standardised residuals with V = N·p(1 − p).
//!
//! # References
//! - Pearson, K. (1900). On the criterion that a given system of deviations ...
//!   *Phil. Mag.* 50, 157–175. doi:10.1080/14786440009463897
//! - Yates, F. (1934). Contingency tables involving small numbers and the χ² test.
//!   *JRSS Suppl.* 1, 217–235. doi:10.2307/2983604
//!
//! R: `chisq.test(x, correct)` and `chisq.test(x, p = p)`, stats 4.2.2, without the
//! simulated p-value. Difference: a table with a zero row or column sum is an error here
//! (R returns NaN); R's "approximation may be incorrect" warning (some E < 5) is reported
//! in [`ChisqTest::small_expected`].

use std::fmt;

use serde::Serialize;

use super::dist::pchisq_upper;
use super::error::TestError;
use super::{check_table, format, margins_nonzero};

/// Result of [`chisq_test`] or [`chisq_test_gof`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChisqTest {
    pub method: String,
    /// Pearson's X².
    pub statistic: f64,
    pub df: f64,
    pub p_value: f64,
    /// Expected counts (one row for the goodness-of-fit test).
    pub expected: Vec<Vec<f64>>,
    /// Pearson residuals (O − E)/√E.
    pub residuals: Vec<Vec<f64>>,
    /// Standardised residuals (O − E)/√V.
    pub stdres: Vec<Vec<f64>>,
    /// The continuity correction applied (0 when none).
    pub yates: f64,
    /// True when some expected count is below 5 (R warns that the chi-squared
    /// approximation may be incorrect).
    pub small_expected: bool,
}

/// Pearson's chi-squared test of independence (R `chisq.test(x, correct = correct)`).
///
/// # Errors
/// A table smaller than 2×2, ragged, with negative or non-finite counts, or with a row or
/// column summing to zero.
pub fn chisq_test(table: &[Vec<f64>], correct: bool) -> Result<ChisqTest, TestError> {
    let (rows, cols) = check_table(table, 2, 2)?;
    let (row_sums, col_sums) = margins_nonzero(table)?;
    let n: f64 = row_sums.iter().sum();
    let expected: Vec<Vec<f64>> = row_sums
        .iter()
        .map(|r| col_sums.iter().map(|c| r * c / n).collect())
        .collect();
    let mut method = "Pearson's Chi-squared test".to_string();
    let yates = if correct && rows == 2 && cols == 2 {
        let mut y: f64 = 0.5;
        for i in 0..2 {
            for j in 0..2 {
                y = y.min((table[i][j] - expected[i][j]).abs());
            }
        }
        if y > 0.0 {
            method.push_str(" with Yates' continuity correction");
        }
        y
    } else {
        0.0
    };
    let mut statistic = 0.0;
    let mut residuals = vec![vec![0.0; cols]; rows];
    let mut stdres = vec![vec![0.0; cols]; rows];
    for i in 0..rows {
        for j in 0..cols {
            let (o, e) = (table[i][j], expected[i][j]);
            statistic += ((o - e).abs() - yates).powi(2) / e;
            residuals[i][j] = (o - e) / e.sqrt();
            let (r, c) = (row_sums[i], col_sums[j]);
            let v = c * r * (n - r) * (n - c) / n.powi(3);
            stdres[i][j] = (o - e) / v.sqrt();
        }
    }
    let df = ((rows - 1) * (cols - 1)) as f64;
    let small_expected = expected.iter().flatten().any(|&e| e < 5.0);
    Ok(ChisqTest {
        method,
        statistic,
        df,
        p_value: pchisq_upper(statistic, df),
        expected,
        residuals,
        stdres,
        yates,
        small_expected,
    })
}

/// Chi-squared goodness-of-fit test of counts against probabilities `p` (R
/// `chisq.test(x, p = p)`); `p` must sum to 1 within √ε as in R.
///
/// # Errors
/// Fewer than two cells, lengths that differ, negative or non-finite counts, all counts
/// zero, or probabilities that are not positive or do not sum to 1.
pub fn chisq_test_gof(x: &[f64], p: &[f64]) -> Result<ChisqTest, TestError> {
    if x.len() < 2 {
        return Err(TestError::TooFewObservations {
            name: "x",
            needed: 2,
            got: x.len(),
        });
    }
    super::check_same_length(("x", x.len()), ("p", p.len()))?;
    check_table(&[x.to_vec()], 1, 2)?;
    if let Some(&bad) = p.iter().find(|&&v| !(v.is_finite() && v > 0.0)) {
        return Err(TestError::InvalidArgument {
            name: "p",
            rule: "must hold positive probabilities (a zero probability gives a zero expected count)",
            value: bad,
        });
    }
    let total_p: f64 = p.iter().sum();
    if (total_p - 1.0).abs() > f64::EPSILON.sqrt() {
        return Err(TestError::InvalidArgument {
            name: "p",
            rule: "must sum to 1",
            value: total_p,
        });
    }
    let n: f64 = x.iter().sum();
    if n == 0.0 {
        return Err(TestError::ZeroMargin {
            margin: "row",
            index: 0,
        });
    }
    let expected: Vec<f64> = p.iter().map(|pi| n * pi).collect();
    let statistic = x
        .iter()
        .zip(&expected)
        .map(|(o, e)| (o - e).powi(2) / e)
        .sum::<f64>();
    let residuals = x
        .iter()
        .zip(&expected)
        .map(|(o, e)| (o - e) / e.sqrt())
        .collect();
    let stdres = x
        .iter()
        .zip(&expected)
        .zip(p)
        .map(|((o, e), pi)| (o - e) / (n * pi * (1.0 - pi)).sqrt())
        .collect();
    let df = (x.len() - 1) as f64;
    Ok(ChisqTest {
        method: "Chi-squared test for given probabilities".to_string(),
        statistic,
        df,
        p_value: pchisq_upper(statistic, df),
        small_expected: expected.iter().any(|&e| e < 5.0),
        expected: vec![expected],
        residuals: vec![residuals],
        stdres: vec![stdres],
        yates: 0.0,
    })
}

impl fmt::Display for ChisqTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format::title(f, &self.method)?;
        writeln!(
            f,
            "X-squared = {}, df = {}, p-value {}",
            format::sig(self.statistic, 5),
            format::sig(self.df, 5),
            format::pval(self.p_value)
        )?;
        if self.small_expected {
            writeln!(
                f,
                "warning: some expected counts are below 5; the chi-squared approximation may be incorrect"
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_margin_is_an_error() {
        let e = chisq_test(&[vec![0.0, 0.0], vec![3.0, 4.0]], true).unwrap_err();
        assert_eq!(
            e,
            TestError::ZeroMargin {
                margin: "row",
                index: 0
            }
        );
        assert!(e.to_string().contains("row 0"));
    }

    #[test]
    fn rejects_negative_and_ragged() {
        assert!(matches!(
            chisq_test(&[vec![1.0, -2.0], vec![3.0, 4.0]], true),
            Err(TestError::InvalidCount { row: 0, col: 1, .. })
        ));
        assert!(matches!(
            chisq_test(&[vec![1.0, 2.0], vec![3.0]], true),
            Err(TestError::RaggedTable { .. })
        ));
        assert!(chisq_test_gof(&[1.0, 2.0], &[0.5, 0.6]).is_err());
    }
}
