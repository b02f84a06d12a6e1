//! McNemar's test of marginal homogeneity for paired binary outcomes (2×2) and Bowker's
//! test of symmetry for an r×r table, matching R's `mcnemar.test`.
//!
//! In: a square table of paired counts (rows: first rating, columns: second) and whether
//! to apply the continuity correction. Out: a [`McNemarTest`].
//!
//! # Formula
//! X² = Σ_{i<j} (nᵢⱼ − nⱼᵢ)²/(nᵢⱼ + nⱼᵢ) with df = r(r − 1)/2 (Bowker 1948; McNemar 1947
//! for r = 2). For a 2×2 table with correction: X² = (|b − c| − 1)²/(b + c). R's quirk,
//! reproduced: the correction is skipped when the two discordant counts are equal (then
//! X² = 0 rather than 1/(b + c)).
//!
//! # References
//! - McNemar, Q. (1947). Note on the sampling error of the difference between correlated
//!   proportions or percentages. *Psychometrika* 12, 153–157. doi:10.1007/BF02295996
//! - Bowker, A. H. (1948). A test for symmetry in contingency tables. *JASA* 43, 572–574.
//!   doi:10.1080/01621459.1948.10483284
//!
//! R: `mcnemar.test(x, correct)`, stats 4.2.2. Difference: a pair of cells with
//! nᵢⱼ + nⱼᵢ = 0 makes R's statistic NaN (0/0); here it is a
//! [`TestError::NotEstimable`]-style error naming the pair.

use std::fmt;

use serde::Serialize;

use super::dist::pchisq_upper;
use super::error::TestError;
use super::{check_table, format};

/// Result of [`mcnemar_test`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct McNemarTest {
    pub method: &'static str,
    /// McNemar's (or Bowker's) chi-squared.
    pub statistic: f64,
    pub df: f64,
    pub p_value: f64,
    /// True when the continuity correction was applied.
    pub corrected: bool,
}

/// McNemar's test (2×2) or Bowker's test of symmetry (r×r), as R's `mcnemar.test`.
///
/// # Errors
/// A table that is not square or smaller than 2×2, ragged, with negative or non-finite
/// counts, or with a pair of off-diagonal cells that are both zero.
pub fn mcnemar_test(table: &[Vec<f64>], correct: bool) -> Result<McNemarTest, TestError> {
    let (rows, cols) = check_table(table, 2, 2)?;
    if rows != cols {
        return Err(TestError::TableShape {
            rule: "McNemar's and Bowker's tests need a square table of at least",
            min_rows: 2,
            min_cols: 2,
            rows,
            cols,
        });
    }
    let r = rows;
    let any_asymmetry = (0..r).any(|i| (0..r).any(|j| table[i][j] != table[j][i]));
    let corrected = correct && r == 2 && any_asymmetry;
    let mut statistic = 0.0;
    for (i, row) in table.iter().enumerate() {
        for (j, &upper) in row.iter().enumerate().skip(i + 1) {
            let lower = table[j][i];
            let total = upper + lower;
            if total == 0.0 {
                return Err(TestError::NotEstimable {
                    what: "the McNemar/Bowker statistic",
                    reason: "a pair of mirrored off-diagonal cells (i, j), (j, i) are both zero, so its term is 0/0; merge or drop that category",
                });
            }
            let diff = if corrected {
                (upper - lower).abs() - 1.0
            } else {
                upper - lower
            };
            statistic += diff * diff / total;
        }
    }
    let df = (r * (r - 1) / 2) as f64;
    Ok(McNemarTest {
        method: if corrected {
            "McNemar's Chi-squared test with continuity correction"
        } else {
            "McNemar's Chi-squared test"
        },
        statistic,
        df,
        p_value: pchisq_upper(statistic, df),
        corrected,
    })
}

impl fmt::Display for McNemarTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format::title(f, self.method)?;
        writeln!(
            f,
            "McNemar's chi-squared = {}, df = {}, p-value {}",
            format::sig(self.statistic, 5),
            format::sig(self.df, 5),
            format::pval(self.p_value)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_discordant_counts_skip_the_correction() {
        let r = mcnemar_test(&[vec![10.0, 4.0], vec![4.0, 7.0]], true).unwrap();
        assert!(!r.corrected);
        assert_eq!(r.statistic, 0.0);
        assert_eq!(r.p_value, 1.0);
    }

    #[test]
    fn rejects_non_square_and_empty_pairs() {
        assert!(matches!(
            mcnemar_test(&[vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.0]], true),
            Err(TestError::TableShape { .. })
        ));
        assert!(matches!(
            mcnemar_test(&[vec![5.0, 0.0], vec![0.0, 3.0]], true),
            Err(TestError::NotEstimable { .. })
        ));
    }
}
