//! Fisher's exact test, matching R's `fisher.test`: for a 2×2 table the p-value under
//! the non-central hypergeometric distribution, the conditional maximum-likelihood
//! estimate of the odds ratio and its exact confidence interval; for a larger r×c table
//! the exact p-value over all tables with the observed margins, by a network algorithm.
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
//! margins and log P ≤ log P_obs + 3.45254·10⁻⁷ (FEXACT's tolerance). The sum is taken
//! by a network algorithm (see `r_by_c`), with at most [`ENUMERATION_LIMIT`] path
//! extensions; a 5×5 table of 39 or a 3×4 table of 120 takes about a second in a debug
//! build.
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
//! sum is an error (its odds ratio is not estimable); r×c tables beyond the work limit
//! are an error rather than FEXACT's workspace message.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::Serialize;
use statrs::function::factorial::ln_factorial;

use super::error::TestError;
use super::root::brent;
use super::{check_conf_level, check_integer_table, format, margins_nonzero};
use crate::stats::estimate::Alternative;

/// The largest number of network nodes [`fisher_test`] expands for an r×c table before
/// giving up.
pub const ENUMERATION_LIMIT: u64 = 50_000_000;

/// The largest table total for the r×c network (the log-factorial table is this long).
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
/// more than [`ENUMERATION_LIMIT`] network steps (or a total above 100 000).
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

/// Margins, log-factorials and the normalising constant of an r×c table.
struct Margins {
    /// Row sums, oriented so that there are no more rows than columns.
    rows: Vec<u64>,
    /// Column sums, largest first.
    cols: Vec<u64>,
    lf: Vec<f64>,
    /// log(∏rᵢ!·∏cⱼ!/N!): P(table) = exp(constant − Σ log xᵢⱼ!).
    constant: f64,
    /// Σ log xᵢⱼ! of the observed table.
    observed: f64,
}

impl Margins {
    fn new(table: &[Vec<f64>]) -> Result<Margins, TestError> {
        let r = table.len();
        let c = table[0].len();
        let mut rows: Vec<u64> = table
            .iter()
            .map(|row| row.iter().sum::<f64>() as u64)
            .collect();
        let mut cols: Vec<u64> = (0..c)
            .map(|j| table.iter().map(|row| row[j]).sum::<f64>() as u64)
            .collect();
        // The probability of a table is invariant under transposition; the network
        // state (remaining row sums) is smaller with fewer rows.
        if r > c {
            std::mem::swap(&mut rows, &mut cols);
        }
        cols.sort_unstable_by(|a, b| b.cmp(a));
        let total: u64 = rows.iter().sum();
        if total > MAX_RXC_TOTAL {
            return Err(TestError::TooLarge {
                limit: ENUMERATION_LIMIT,
            });
        }
        let lf: Vec<f64> = (0..=total).map(ln_factorial).collect();
        let constant = rows.iter().map(|&v| lf[v as usize]).sum::<f64>()
            + cols.iter().map(|&v| lf[v as usize]).sum::<f64>()
            - lf[total as usize];
        let observed = table.iter().flatten().map(|&v| lf[v as usize]).sum::<f64>();
        Ok(Margins {
            rows,
            cols,
            lf,
            constant,
            observed,
        })
    }
}

/// Exact r×c p-value by a network algorithm in the spirit of Mehta and Patel (1983):
/// columns are filled one at a time; a node is the sorted multiset of remaining row
/// sums after the first j columns (tables that differ by a row permutation of the
/// remainder have the same completions). With S = −Σ log x! accumulated along the path,
/// a node whose every completion is at most as probable as the observed table
/// contributes its total mass in closed form, Σ ∏1/x! = N′!/(∏r′! ∏c′!), and a node
/// whose every completion is more probable contributes nothing; only the nodes in
/// between are expanded. The largest and smallest completion scores are computed
/// exactly by dynamic programming over the nodes. Paths reaching a node with equal
/// scores are merged (FEXACT's past-path lists).
fn r_by_c(table: &[Vec<f64>]) -> Result<f64, TestError> {
    let margins = Margins::new(table)?;
    let mut network = Network::new(&margins);
    let rows = margins.rows.clone();
    let mut sorted = rows;
    sorted.sort_unstable();
    // Count tables with S ≤ S_obs + tol, S = −Σ log x!.
    let threshold = -margins.observed + FEXACT_LOG_TOL;
    let p = network.p_value(sorted, threshold)?;
    Ok(p.min(1.0))
}

/// The compositions of one column: (child node, score −Σ log x! of the column).
type Children = Vec<(Vec<u64>, f64)>;

struct Network<'a> {
    m: &'a Margins,
    /// Σ_{k ≥ j} log cₖ!.
    col_lf_suffix: Vec<f64>,
    /// (stage, remaining rows sorted) → (largest, smallest) completion score.
    bounds: HashMap<(usize, Vec<u64>), (f64, f64)>,
    visited: u64,
}

impl<'a> Network<'a> {
    fn new(m: &'a Margins) -> Network<'a> {
        let mut col_lf_suffix = vec![0.0; m.cols.len() + 1];
        for j in (0..m.cols.len()).rev() {
            col_lf_suffix[j] = col_lf_suffix[j + 1] + m.lf[m.cols[j] as usize];
        }
        Network {
            m,
            col_lf_suffix,
            bounds: HashMap::new(),
            visited: 0,
        }
    }

    fn count_visit(&mut self) -> Result<(), TestError> {
        self.visited += 1;
        if self.visited > ENUMERATION_LIMIT {
            return Err(TestError::TooLarge {
                limit: ENUMERATION_LIMIT,
            });
        }
        Ok(())
    }

    /// Every way to place column `j`'s total in rows with the remaining sums `rows`.
    fn children(&self, j: usize, rows: &[u64]) -> Children {
        let mut out = Vec::new();
        let mut x = vec![0u64; rows.len()];
        self.place(rows, 0, self.m.cols[j], &mut x, &mut out);
        out
    }

    fn place(&self, rows: &[u64], i: usize, left: u64, x: &mut [u64], out: &mut Children) {
        if i == rows.len() - 1 {
            if left <= rows[i] {
                x[i] = left;
                let mut child: Vec<u64> = rows.iter().zip(x.iter()).map(|(r, v)| r - v).collect();
                child.sort_unstable();
                let score = -x.iter().map(|&v| self.m.lf[v as usize]).sum::<f64>();
                out.push((child, score));
            }
            return;
        }
        let below: u64 = rows[i + 1..].iter().sum();
        for v in left.saturating_sub(below)..=left.min(rows[i]) {
            x[i] = v;
            self.place(rows, i + 1, left - v, x, out);
        }
    }

    /// Largest and smallest score over the completions of node (j, rows).
    fn bounds(&mut self, j: usize, rows: &[u64]) -> Result<(f64, f64), TestError> {
        if j == self.m.cols.len() - 1 {
            let s = -rows.iter().map(|&v| self.m.lf[v as usize]).sum::<f64>();
            return Ok((s, s));
        }
        if let Some(&b) = self.bounds.get(&(j, rows.to_vec())) {
            return Ok(b);
        }
        self.count_visit()?;
        let mut best = (f64::NEG_INFINITY, f64::INFINITY);
        for (child, score) in self.children(j, rows) {
            let (hi, lo) = self.bounds(j + 1, &child)?;
            best.0 = best.0.max(score + hi);
            best.1 = best.1.min(score + lo);
        }
        self.bounds.insert((j, rows.to_vec()), best);
        Ok(best)
    }

    /// Σ P(table) over all tables whose total score is at most `threshold`, stage by
    /// stage: at each node the paths that reached it are grouped by score (paths with
    /// equal scores have identical futures), as FEXACT does.
    fn p_value(&mut self, root: Vec<u64>, threshold: f64) -> Result<f64, TestError> {
        // Ordered maps keep the summation order, hence the last bits, reproducible.
        let mut level: BTreeMap<Vec<u64>, PastScores> = BTreeMap::new();
        level.entry(root).or_default().add(0.0, 1.0);
        let mut p = 0.0;
        for j in 0..self.m.cols.len() {
            let mut next: BTreeMap<Vec<u64>, PastScores> = BTreeMap::new();
            for (rows, pasts) in level {
                let (hi, lo) = self.bounds(j, &rows)?;
                let remaining: u64 = rows.iter().sum();
                let log_total = self.m.lf[remaining as usize]
                    - rows.iter().map(|&v| self.m.lf[v as usize]).sum::<f64>()
                    - self.col_lf_suffix[j];
                let mut open = Vec::new();
                for &(past, weight) in pasts.scores.values() {
                    if past + hi <= threshold {
                        // Every completion counts: mass exp(constant + past)·N′!/(∏r′!·∏c′!).
                        p += weight * (self.m.constant + past + log_total).exp();
                    } else if past + lo <= threshold {
                        open.push((past, weight));
                    }
                }
                if open.is_empty() {
                    continue;
                }
                for (child, score) in self.children(j, &rows) {
                    let entry = next.entry(child).or_default();
                    for &(past, weight) in &open {
                        self.count_visit()?;
                        entry.add(past + score, weight);
                    }
                }
            }
            level = next;
        }
        Ok(p)
    }
}

/// The scores of the paths that reached one node, merged when equal to 1e-9 (sums of
/// the same log-factorials in another order differ by rounding only).
#[derive(Default)]
struct PastScores {
    scores: BTreeMap<i64, (f64, f64)>,
}

impl PastScores {
    fn add(&mut self, score: f64, weight: f64) {
        let key = (score * 1e9).round() as i64;
        let entry = self.scores.entry(key).or_insert((score, 0.0));
        entry.1 += weight;
    }
}

/// Brute-force r×c p-value over every table, the test oracle for [`r_by_c`].
#[cfg(test)]
fn r_by_c_enumerate(table: &[Vec<f64>]) -> f64 {
    let m = Margins::new(table).unwrap();
    let threshold = m.observed - FEXACT_LOG_TOL;
    let mut p = 0.0;
    enumerate(&m, 0, &m.rows, 0.0, threshold, &mut p);
    p
}

#[cfg(test)]
fn enumerate(m: &Margins, j: usize, rows: &[u64], acc: f64, threshold: f64, p: &mut f64) {
    if j == m.cols.len() - 1 {
        let s = acc + rows.iter().map(|&r| m.lf[r as usize]).sum::<f64>();
        if s >= threshold {
            *p += (m.constant - s).exp();
        }
        return;
    }
    // Every split of column j over the rows, by odometer.
    let mut x = vec![0u64; rows.len()];
    loop {
        if x.iter().sum::<u64>() == m.cols[j] && x.iter().zip(rows.iter()).all(|(a, b)| a <= b) {
            let add: f64 = x.iter().map(|&v| m.lf[v as usize]).sum();
            let next: Vec<u64> = rows.iter().zip(&x).map(|(r, v)| r - v).collect();
            enumerate(m, j + 1, &next, acc + add, threshold, p);
        }
        let mut i = 0;
        loop {
            if i == x.len() {
                return;
            }
            if x[i] < m.cols[j].min(rows[i]) {
                x[i] += 1;
                break;
            }
            x[i] = 0;
            i += 1;
        }
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
    fn network_agrees_with_brute_force_enumeration() {
        let tables = [
            vec![vec![1.0, 2.0, 3.0], vec![3.0, 2.0, 1.0]],
            vec![
                vec![3.0, 1.0, 0.0],
                vec![1.0, 4.0, 2.0],
                vec![0.0, 2.0, 5.0],
            ],
            vec![
                vec![2.0, 0.0],
                vec![1.0, 3.0],
                vec![5.0, 1.0],
                vec![0.0, 2.0],
            ],
            vec![vec![4.0, 4.0, 4.0, 4.0], vec![4.0, 4.0, 4.0, 4.0]],
            vec![
                vec![6.0, 1.0, 2.0],
                vec![0.0, 5.0, 3.0],
                vec![2.0, 2.0, 7.0],
            ],
        ];
        for t in tables {
            let network = r_by_c(&t).unwrap();
            let brute = r_by_c_enumerate(&t);
            assert!(
                ((network - brute) / brute).abs() < 1e-12,
                "{t:?}: network {network}, enumeration {brute}"
            );
        }
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
