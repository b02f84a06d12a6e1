//! Fisher's exact test, matching R's `fisher.test`: for a 2×2 table the p-value under
//! the non-central hypergeometric distribution, the conditional maximum-likelihood
//! estimate of the odds ratio and its exact confidence interval; for a larger r×c table
//! the exact p-value by complete enumeration of the tables with the observed margins.
//!
//! In: a table of whole-number counts and [`FisherOptions`]. Out: a [`FisherTest`].
//!
//! # Formula
//! 2×2 table [[a, b], [c, d]] with m = a + c, n = b + d, k = a + b: given the margins, a
//! has the non-central hypergeometric law P_ψ(a = s) ∝ C(m, s)·C(n, k − s)·ψˢ on
//! s = max(0, k − n) … min(k, m). Under H0: ψ = ψ₀ (default 1):
//! - `Less`: p = P_ψ₀(X ≤ a); `Greater`: p = P_ψ₀(X ≥ a);
//! - two-sided: p = Σ P_ψ₀(s) over the s with P_ψ₀(s) ≤ P_ψ₀(a)·(1 + 10⁻⁷) (R's relative
//!   tolerance for ties).
//! - Conditional MLE ψ̂: the root of E_ψ[X] = a (0 when a is at the lower end of the
//!   support, ∞ at the upper end).
//! - Confidence limits: the ψ with P_ψ(X ≥ a) = α (lower) and P_ψ(X ≤ a) = α (upper),
//!   α = (1 − level)/2 two-sided, 1 − level one-sided.
//!
//! The roots are found on the log-odds scale by Brent's method to full double precision.
//! R solves the same equations with `uniroot` at tol ≈ 1.2e-4, so its estimate and
//! limits are right to about four to six digits; the fixtures compare against the same
//! equations solved in R with `uniroot(tol = 1e-14)`.
//!
//! r×c table: P(table) = ∏rᵢ!·∏cⱼ! / (N!·∏xᵢⱼ!); p = Σ P over the tables with the observed
//! margins and log P ≤ log P_obs + 3.45254·10⁻⁷ (FEXACT's tolerance), visited by
//! enumeration (at most [`ENUMERATION_LIMIT`] tables; R uses the network algorithm of
//! Mehta and Patel, which prunes instead of enumerating, so it reaches larger tables).
//!
//! # References
//! - Fisher, R. A. (1935). The logic of inductive inference. *JRSS* 98, 39–82.
//!   doi:10.2307/2342435
//! - Cornfield, J. (1956). A statistical problem arising from retrospective studies.
//!   *Proc. Third Berkeley Symp.* 4, 135–148 (conditional MLE and exact limits).
//! - Mehta, C. R., Patel, N. R. (1983). A network algorithm for performing Fisher's exact
//!   test in r×c contingency tables. *JASA* 78, 427–434. doi:10.1080/01621459.1983.10477989
//!
//! R: `fisher.test(x, or, alternative, conf.int, conf.level)`, stats 4.2.2. Differences:
//! the MLE and limits are solved tightly (see above); a table with a zero row or column
//! sum is an error (its odds ratio is not estimable); r×c tables too large to enumerate
//! are an error rather than a workspace message.

use std::fmt;

use serde::Serialize;
use statrs::function::factorial::ln_factorial;

use super::error::TestError;
use super::root::brent;
use super::{check_conf_level, check_integer_table, format, margins_nonzero};
use crate::stats::estimate::Alternative;

/// The largest number of r×c tables [`fisher_test`] enumerates before giving up.
pub const ENUMERATION_LIMIT: u64 = 50_000_000;

/// The largest table total for r×c enumeration (beyond it the table count explodes).
const MAX_RXC_TOTAL: u64 = 100_000;

/// R's relative tolerance when comparing 2×2 table probabilities with the observed one
/// (`relErr <- 1 + 10^(-7)` in `fisher.test`).
const REL_ERR: f64 = 1.0 + 1e-7;

/// FEXACT's tolerance for r×c tables, on the log-probability scale: a table counts when
/// log P ≤ log P_obs + 3.45254e-7 (R's fexact.c, `tol`, "the square root of the smallest
/// relative spacing" of single precision).
const FEXACT_LOG_TOL: f64 = 3.45254e-7;

/// Options of [`fisher_test`] (R's defaults: two-sided, odds ratio 1, 95 % interval).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FisherOptions {
    pub alternative: Alternative,
    /// Null odds ratio (2×2 only).
    pub or: f64,
    /// Compute the confidence interval (2×2 only).
    pub conf_int: bool,
    pub conf_level: f64,
}

impl Default for FisherOptions {
    fn default() -> Self {
        FisherOptions {
            alternative: Alternative::TwoSided,
            or: 1.0,
            conf_int: true,
            conf_level: 0.95,
        }
    }
}

/// Result of [`fisher_test`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FisherTest {
    pub method: &'static str,
    pub p_value: f64,
    /// Conditional MLE of the odds ratio (2×2 only); may be 0 or infinite.
    #[serde(serialize_with = "format::serialize_extended")]
    pub estimate: Option<f64>,
    /// Exact confidence interval for the odds ratio (2×2 with `conf_int`); the upper
    /// limit may be infinite.
    #[serde(serialize_with = "format::serialize_interval")]
    pub conf_int: Option<(f64, f64)>,
    pub conf_level: f64,
    /// Null odds ratio (2×2 only).
    pub null_value: Option<f64>,
    pub alternative: Alternative,
}

/// Fisher's exact test on a 2×2 or r×c table of counts (R `fisher.test`).
///
/// # Errors
/// A table smaller than 2×2, ragged, with negative, non-finite or non-integer counts, a
/// zero row or column sum, an invalid `or` or confidence level, or an r×c table with
/// more than [`ENUMERATION_LIMIT`] tables to enumerate.
pub fn fisher_test(table: &[Vec<f64>], options: &FisherOptions) -> Result<FisherTest, TestError> {
    let (rows, cols) = check_integer_table(table, 2, 2)?;
    margins_nonzero(table)?;
    if rows == 2 && cols == 2 {
        check_conf_level(options.conf_level)?;
        if options.or.is_nan() || options.or < 0.0 {
            return Err(TestError::InvalidArgument {
                name: "or",
                rule: "must be a number between 0 and Inf",
                value: options.or,
            });
        }
        two_by_two(table, options)
    } else {
        let p_value = r_by_c(table)?;
        Ok(FisherTest {
            method: "Fisher's Exact Test for Count Data",
            p_value,
            estimate: None,
            conf_int: None,
            conf_level: options.conf_level,
            null_value: None,
            alternative: Alternative::TwoSided,
        })
    }
}

/// The conditional (non-central hypergeometric) law of the top-left cell.
struct NonCentral {
    lo: f64,
    /// log C(m, s)·C(n, k − s), up to a constant, for s = lo … hi.
    log_weights: Vec<f64>,
}

impl NonCentral {
    fn new(m: f64, n: f64, k: f64) -> NonCentral {
        let lo = (k - n).max(0.0);
        let hi = k.min(m);
        let len = (hi - lo) as usize + 1;
        // Ratios of successive central probabilities, accumulated outwards from the mode
        // so that rounding grows with the distance from the bulk only.
        let mode = (((k + 1.0) * (m + 1.0) / (m + n + 2.0)).floor()).clamp(lo, hi);
        let im = (mode - lo) as usize;
        let mut w = vec![0.0; len];
        for i in im + 1..len {
            let s = lo + (i - 1) as f64;
            w[i] = w[i - 1] + ((m - s) * (k - s) / ((s + 1.0) * (n - k + s + 1.0))).ln();
        }
        for i in (0..im).rev() {
            let s = lo + i as f64;
            w[i] = w[i + 1] - ((m - s) * (k - s) / ((s + 1.0) * (n - k + s + 1.0))).ln();
        }
        NonCentral { lo, log_weights: w }
    }

    fn hi(&self) -> f64 {
        self.lo + (self.log_weights.len() - 1) as f64
    }

    /// Probabilities under log odds ratio `theta` (finite).
    fn density(&self, theta: f64) -> Vec<f64> {
        let d: Vec<f64> = self
            .log_weights
            .iter()
            .enumerate()
            .map(|(i, w)| w + theta * (self.lo + i as f64))
            .collect();
        let max = d.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let e: Vec<f64> = d.iter().map(|v| (v - max).exp()).collect();
        let total: f64 = e.iter().sum();
        e.into_iter().map(|v| v / total).collect()
    }

    fn mean(&self, theta: f64) -> f64 {
        self.density(theta)
            .iter()
            .enumerate()
            .map(|(i, p)| (self.lo + i as f64) * p)
            .sum()
    }

    /// P(X ≤ q) (or P(X ≥ q) when `upper`) under odds ratio `psi` (0 and ∞ allowed).
    fn tail(&self, q: f64, psi: f64, upper: bool) -> f64 {
        if psi == 0.0 {
            return f64::from(u8::from(if upper { q <= self.lo } else { q >= self.lo }));
        }
        if psi.is_infinite() {
            return f64::from(u8::from(if upper {
                q <= self.hi()
            } else {
                q >= self.hi()
            }));
        }
        self.tail_log(q, psi.ln(), upper)
    }

    fn tail_log(&self, q: f64, theta: f64, upper: bool) -> f64 {
        let d = self.density(theta);
        let i = (q - self.lo) as usize;
        if upper {
            d[i..].iter().sum()
        } else {
            d[..=i].iter().sum()
        }
    }
}

/// Finds θ with g(θ) = 0 for g increasing in θ, expanding a bracket from 0 out to
/// |θ| = 2048 (odds ratios beyond e^±2048 are not representable anyway).
fn solve_increasing(g: impl Fn(f64) -> f64) -> Result<f64, TestError> {
    let g0 = g(0.0);
    if g0 == 0.0 {
        return Ok(0.0);
    }
    let direction = if g0 > 0.0 { -1.0 } else { 1.0 };
    let mut step = 1.0;
    let mut inner = 0.0;
    loop {
        let outer = direction * step;
        let go = g(outer);
        if go == 0.0 {
            return Ok(outer);
        }
        if (go > 0.0) != (g0 > 0.0) {
            let (a, b) = if inner < outer {
                (inner, outer)
            } else {
                (outer, inner)
            };
            return Ok(brent(&g, a, b, 1e-15));
        }
        if step >= 2048.0 {
            return Err(TestError::NotEstimable {
                what: "the conditional odds ratio or its confidence limit",
                reason: "the root lies beyond odds ratios of e^±2048",
            });
        }
        inner = outer;
        step *= 2.0;
    }
}

fn two_by_two(table: &[Vec<f64>], options: &FisherOptions) -> Result<FisherTest, TestError> {
    let m = table[0][0] + table[1][0];
    let n = table[0][1] + table[1][1];
    let k = table[0][0] + table[0][1];
    let x = table[0][0];
    let law = NonCentral::new(m, n, k);
    let (lo, hi) = (law.lo, law.hi());
    let or = options.or;
    let p_value = match options.alternative {
        Alternative::Less => law.tail(x, or, false),
        Alternative::Greater => law.tail(x, or, true),
        Alternative::TwoSided => {
            if or == 0.0 {
                f64::from(u8::from(x == lo))
            } else if or.is_infinite() {
                f64::from(u8::from(x == hi))
            } else {
                let d = law.density(or.ln());
                let cut = d[(x - lo) as usize] * REL_ERR;
                d.iter().filter(|&&v| v <= cut).sum()
            }
        }
    };
    let p_value = p_value.min(1.0);
    let estimate = if x == lo {
        0.0
    } else if x == hi {
        f64::INFINITY
    } else {
        solve_increasing(|theta| law.mean(theta) - x)?.exp()
    };
    // Upper limit: P_ψ(X ≤ x) = α, decreasing in ψ. Lower: P_ψ(X ≥ x) = α, increasing.
    let upper_limit = |alpha: f64| {
        if x == hi {
            Ok(f64::INFINITY)
        } else {
            Ok(solve_increasing(|theta| alpha - law.tail_log(x, theta, false))?.exp())
        }
    };
    let lower_limit = |alpha: f64| {
        if x == lo {
            Ok(0.0)
        } else {
            Ok(solve_increasing(|theta| law.tail_log(x, theta, true) - alpha)?.exp())
        }
    };
    let conf_int = if options.conf_int {
        let level = options.conf_level;
        Some(match options.alternative {
            Alternative::Less => (0.0, upper_limit(1.0 - level)?),
            Alternative::Greater => (lower_limit(1.0 - level)?, f64::INFINITY),
            Alternative::TwoSided => {
                let alpha = (1.0 - level) / 2.0;
                (lower_limit(alpha)?, upper_limit(alpha)?)
            }
        })
    } else {
        None
    };
    Ok(FisherTest {
        method: "Fisher's Exact Test for Count Data",
        p_value,
        estimate: Some(estimate),
        conf_int,
        conf_level: options.conf_level,
        null_value: Some(or),
        alternative: options.alternative,
    })
}

/// Exact r×c p-value by enumerating every table with the observed margins.
fn r_by_c(table: &[Vec<f64>]) -> Result<f64, TestError> {
    let rows = table.len();
    let cols = table[0].len();
    let row_sums: Vec<u64> = table.iter().map(|r| r.iter().sum::<f64>() as u64).collect();
    let col_sums: Vec<u64> = (0..cols)
        .map(|j| table.iter().map(|r| r[j]).sum::<f64>() as u64)
        .collect();
    let total: u64 = row_sums.iter().sum();
    if total > MAX_RXC_TOTAL {
        return Err(TestError::TooLarge {
            limit: ENUMERATION_LIMIT,
        });
    }
    let lf: Vec<f64> = (0..=total).map(ln_factorial).collect();
    let constant = row_sums.iter().map(|&r| lf[r as usize]).sum::<f64>()
        + col_sums.iter().map(|&c| lf[c as usize]).sum::<f64>()
        - lf[total as usize];
    let observed: f64 = table.iter().flatten().map(|&v| lf[v as usize]).sum::<f64>();
    // Tables with Σ log xᵢⱼ! ≥ observed − tol have P ≤ P_obs·exp(tol).
    let threshold = observed - FEXACT_LOG_TOL;
    let mut state = Enumeration {
        rows,
        cols,
        col_sums,
        lf,
        constant,
        threshold,
        p_value: 0.0,
        visited: 0,
    };
    let mut remaining = row_sums;
    state.column(0, &mut remaining, 0.0)?;
    Ok(state.p_value.min(1.0))
}

struct Enumeration {
    rows: usize,
    cols: usize,
    col_sums: Vec<u64>,
    lf: Vec<f64>,
    constant: f64,
    threshold: f64,
    p_value: f64,
    visited: u64,
}

impl Enumeration {
    /// Fills column `j` (the last column is forced by the remaining row sums).
    fn column(&mut self, j: usize, remaining: &mut [u64], acc: f64) -> Result<(), TestError> {
        if j == self.cols - 1 {
            self.visited += 1;
            if self.visited > ENUMERATION_LIMIT {
                return Err(TestError::TooLarge {
                    limit: ENUMERATION_LIMIT,
                });
            }
            let last: f64 = remaining.iter().map(|&r| self.lf[r as usize]).sum();
            let s = acc + last;
            if s >= self.threshold {
                self.p_value += (self.constant - s).exp();
            }
            return Ok(());
        }
        self.cell(j, 0, self.col_sums[j], remaining, acc)
    }

    /// Chooses the count of row `i` in column `j`, with `left` still to place.
    fn cell(
        &mut self,
        j: usize,
        i: usize,
        left: u64,
        remaining: &mut [u64],
        acc: f64,
    ) -> Result<(), TestError> {
        if i == self.rows - 1 {
            if left > remaining[i] {
                return Ok(());
            }
            remaining[i] -= left;
            let r = self.column(j + 1, remaining, acc + self.lf[left as usize]);
            remaining[i] += left;
            return r;
        }
        // Rows below i must be able to absorb what is left.
        let below: u64 = remaining[i + 1..].iter().sum();
        let min_here = left.saturating_sub(below);
        let max_here = left.min(remaining[i]);
        for v in min_here..=max_here {
            remaining[i] -= v;
            let r = self.cell(j, i + 1, left - v, remaining, acc + self.lf[v as usize]);
            remaining[i] += v;
            r?;
        }
        Ok(())
    }
}

impl fmt::Display for FisherTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format::title(f, self.method)?;
        writeln!(f, "p-value {}", format::pval(self.p_value))?;
        match self.null_value {
            Some(or) => format::alternative_line(f, "odds ratio", self.alternative, or)?,
            None => writeln!(f, "alternative hypothesis: two.sided")?,
        }
        if let Some((low, high)) = self.conf_int {
            format::interval(f, self.conf_level, low, high)?;
        }
        if let Some(est) = self.estimate {
            format::estimates(f, &[("odds ratio", est)])?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundary_tables_give_zero_or_infinite_estimates() {
        let r = fisher_test(&[vec![0.0, 5.0], vec![4.0, 2.0]], &FisherOptions::default()).unwrap();
        assert_eq!(r.estimate, Some(0.0));
        assert_eq!(r.conf_int.unwrap().0, 0.0);
        let r = fisher_test(&[vec![5.0, 0.0], vec![2.0, 4.0]], &FisherOptions::default()).unwrap();
        assert_eq!(r.estimate, Some(f64::INFINITY));
        assert!(r.conf_int.unwrap().1.is_infinite());
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains("\"Inf\""), "{json}");
    }

    #[test]
    fn rejects_non_integer_and_zero_margin() {
        let o = FisherOptions::default();
        assert!(matches!(
            fisher_test(&[vec![1.5, 2.0], vec![3.0, 4.0]], &o),
            Err(TestError::NonIntegerCount { .. })
        ));
        assert!(matches!(
            fisher_test(&[vec![0.0, 0.0], vec![3.0, 4.0]], &o),
            Err(TestError::ZeroMargin { .. })
        ));
    }

    #[test]
    fn r_by_c_p_value_sums_to_one_at_the_least_likely_table() {
        // The p-value of any table is at most 1 and positive.
        let r = fisher_test(
            &[vec![1.0, 2.0, 3.0], vec![3.0, 2.0, 1.0]],
            &FisherOptions::default(),
        )
        .unwrap();
        assert!(r.p_value > 0.0 && r.p_value <= 1.0);
    }
}
