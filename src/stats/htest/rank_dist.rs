//! Exact null distributions of the Wilcoxon statistics, by counting: the rank-sum
//! (Mann–Whitney U) and signed-rank statistics for samples without ties. The
//! equivalents of R's `dwilcox`/`pwilcox`/`qwilcox` and `dsignrank`/`psignrank`/
//! `qsignrank`.
//!
//! # Formula
//! - Rank sum: c(m, n, u), the number of arrangements of m x's and n y's with U = u,
//!   satisfies c(m, n, ·) = c(m − 1, n, · − n) + c(m, n − 1, ·) (the largest observation
//!   is an x, beating all n y's, or a y); P(U = u) = c(m, n, u)/C(m + n, m).
//! - Signed rank: c(n, v), the number of subsets of {1, …, n} with sum v, built by
//!   adding one rank at a time; P(V = v) = c(n, v)/2ⁿ.
//!
//! Both recurrences only add non-negative counts, so every probability, including far
//! tails, is accurate to a few ulps; tail probabilities are summed over the tail itself
//! (R's `pwilcox` forms the upper half as 1 − lower, which loses relative accuracy in
//! the upper tail; the p-values R reports sum the small side and agree).
//!
//! # References
//! - Mann, H. B., Whitney, D. R. (1947). On a test of whether one of two random variables
//!   is stochastically larger than the other. *Ann. Math. Statist.* 18, 50–60.
//!   doi:10.1214/aoms/1177730491
//! - Wilcoxon, F. (1945). Individual comparisons by ranking methods. *Biometrics
//!   Bulletin* 1, 80–83. doi:10.2307/3001968

/// The largest m·n (rank sum) for which the exact distribution is computed; the table
/// needs about m·(m·n)/2 numbers and m·n·(m·n)/2 additions.
pub(crate) const MAX_RANK_SUM_CELLS: usize = 10_000;
/// The largest n for the exact signed-rank distribution.
pub(crate) const MAX_SIGNED_RANK_N: usize = 1_000;

/// Exact distribution of a statistic on 0, 1, …, max: counts and their total.
pub(crate) struct CountDistribution {
    counts: Vec<f64>,
    total: f64,
    /// Probability of one count: R's `psignrank` multiplies by f = exp(−n·ln 2) rather
    /// than dividing by 2ⁿ; reproduced so that R's achieved confidence levels (rounded
    /// with `signif`) come out identical.
    factor: Option<f64>,
}

impl CountDistribution {
    /// Mann–Whitney U for samples of sizes `m` and `n`.
    pub(crate) fn rank_sum(m: usize, n: usize) -> CountDistribution {
        // cur[i] = counts for (i, j) with j the current number of y's.
        let mut cur: Vec<Vec<f64>> = (0..=m).map(|_| vec![1.0]).collect();
        for j in 1..=n {
            // (0, j): a single arrangement with U = 0.
            for i in 1..=m {
                let len = i * j + 1;
                let mut next = vec![0.0; len];
                // c(i, j-1, u): the old cur[i].
                for (u, v) in cur[i].iter().enumerate() {
                    next[u] += v;
                }
                // c(i-1, j, u - j): the new cur[i-1].
                for (u, v) in cur[i - 1].iter().enumerate() {
                    next[u + j] += v;
                }
                cur[i] = next;
            }
        }
        let counts = cur.pop().unwrap_or_else(|| vec![1.0]);
        let total = counts.iter().sum();
        CountDistribution {
            counts,
            total,
            factor: None,
        }
    }

    /// Signed-rank V for `n` non-zero differences.
    pub(crate) fn signed_rank(n: usize) -> CountDistribution {
        let max = n * (n + 1) / 2;
        let mut counts = vec![0.0; max + 1];
        counts[0] = 1.0;
        let mut reach = 0;
        for k in 1..=n {
            reach += k;
            for v in (k..=reach).rev() {
                counts[v] += counts[v - k];
            }
        }
        let total = counts.iter().sum();
        CountDistribution {
            counts,
            total,
            factor: Some((-(n as f64) * std::f64::consts::LN_2).exp()),
        }
    }

    fn prob(&self, c: f64) -> f64 {
        match self.factor {
            Some(f) => c * f,
            None => c / self.total,
        }
    }

    fn max(&self) -> usize {
        self.counts.len() - 1
    }

    /// P(S = x); 0 off the support.
    pub(crate) fn pmf(&self, x: f64) -> f64 {
        if x < 0.0 || x.fract() != 0.0 || x > self.max() as f64 {
            return 0.0;
        }
        self.prob(self.counts[x as usize])
    }

    /// P(S ≤ q), summed over the lower tail.
    pub(crate) fn lower(&self, q: f64) -> f64 {
        if q < 0.0 {
            return 0.0;
        }
        let q = (q.floor() as usize).min(self.max());
        // Rounding (f = exp(−n ln 2) is not exactly 2⁻ⁿ) can push a full sum past 1.
        self.counts[..=q]
            .iter()
            .map(|&c| self.prob(c))
            .sum::<f64>()
            .min(1.0)
    }

    /// P(S > q), summed over the upper tail.
    pub(crate) fn upper(&self, q: f64) -> f64 {
        if q < 0.0 {
            return 1.0;
        }
        let start = q.floor() as usize + 1;
        if start > self.max() {
            return 0.0;
        }
        self.counts[start..]
            .iter()
            .map(|&c| self.prob(c))
            .sum::<f64>()
            .min(1.0)
    }

    /// R's `qwilcox`/`qsignrank` search, including its 10·ε fuzz.
    pub(crate) fn quantile(&self, x: f64) -> f64 {
        let mut p = 0.0;
        let mut q = 0;
        if x <= 0.5 {
            let x = x - 10.0 * f64::EPSILON;
            loop {
                p += self.prob(self.counts[q]);
                if p >= x || q == self.max() {
                    return q as f64;
                }
                q += 1;
            }
        } else {
            let x = 1.0 - x + 10.0 * f64::EPSILON;
            loop {
                p += self.prob(self.counts[q]);
                if p > x || q == self.max() {
                    return (self.max() - q) as f64;
                }
                q += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_sum_counts_are_symmetric_and_sum_to_binomial() {
        let d = CountDistribution::rank_sum(4, 6);
        assert_eq!(d.total, 210.0);
        assert_eq!(d.counts.len(), 25);
        for u in 0..25 {
            assert_eq!(d.counts[u], d.counts[24 - u]);
        }
        // P(U <= 0) = 1/210.
        assert_eq!(d.lower(0.0), 1.0 / 210.0);
        assert_eq!(d.quantile(0.025), 3.0); // R: qwilcox(0.025, 4, 6)
        assert!((d.lower(11.0) + d.upper(11.0) - 1.0).abs() < 1e-15);
    }

    /// Independent check: enumerate every subset of ranks directly.
    #[test]
    fn counts_match_brute_force_enumeration() {
        for (m, n) in [(1, 1), (2, 5), (4, 4), (5, 7), (3, 9)] {
            let total = m + n;
            let mut counts = vec![0.0; m * n + 1];
            for mask in 0u32..(1 << total) {
                if mask.count_ones() as usize != m {
                    continue;
                }
                // U = Σ (rank of each x) − m(m + 1)/2, ranks 1-based.
                let rank_sum: usize = (0..total)
                    .filter(|i| mask >> i & 1 == 1)
                    .map(|i| i + 1)
                    .sum();
                counts[rank_sum - m * (m + 1) / 2] += 1.0;
            }
            assert_eq!(
                CountDistribution::rank_sum(m, n).counts,
                counts,
                "m = {m}, n = {n}"
            );
        }
        for n in [1usize, 2, 6, 11] {
            let mut counts = vec![0.0; n * (n + 1) / 2 + 1];
            for mask in 0u32..(1 << n) {
                let v: usize = (0..n).filter(|i| mask >> i & 1 == 1).map(|i| i + 1).sum();
                counts[v] += 1.0;
            }
            assert_eq!(CountDistribution::signed_rank(n).counts, counts, "n = {n}");
        }
    }

    #[test]
    fn signed_rank_counts() {
        let d = CountDistribution::signed_rank(5);
        assert_eq!(d.total, 32.0);
        assert_eq!(
            d.counts,
            vec![
                1., 1., 1., 2., 2., 3., 3., 3., 3., 3., 3., 2., 2., 1., 1., 1.
            ]
        );
    }
}
