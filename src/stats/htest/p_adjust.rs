//! Adjustment of p-values for multiple comparisons, matching R's `p.adjust`.
//!
//! In: p-values (`None` for a missing one, R's `NA`) and a [`PAdjustMethod`]. Out: the
//! adjusted p-values in the input order, `None` kept in place.
//!
//! # Formula
//! With the m non-missing p-values sorted, p₍₁₎ ≤ … ≤ p₍ₘ₎, and n ≥ m the number of
//! tests (n = m unless given):
//!
//! | method | adjusted p₍ᵢ₎ |
//! |--------|---------------|
//! | Bonferroni | min(1, n·pᵢ) |
//! | Holm (1979) | min(1, max_{j≤i} (n − j + 1)·p₍ⱼ₎) |
//! | Hochberg (1988) | min(1, min_{j≥i} (n − j + 1)·p₍ⱼ₎) |
//! | Hommel (1988) | R's algorithm (Wright 1992), with p-values of the n − m missing tests set to 1 |
//! | BH (1995) | min(1, min_{j≥i} n/j·p₍ⱼ₎) |
//! | BY (2001) | min(1, min_{j≥i} q·n/j·p₍ⱼ₎), q = Σ_{k=1}^{n} 1/k |
//!
//! # References
//! - Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scand. J.
//!   Statist.* 6, 65–70.
//! - Hochberg, Y. (1988). A sharper Bonferroni procedure for multiple tests of
//!   significance. *Biometrika* 75, 800–803. doi:10.1093/biomet/75.4.800
//! - Hommel, G. (1988). A stagewise rejective multiple test procedure based on a modified
//!   Bonferroni test. *Biometrika* 75, 383–386. doi:10.1093/biomet/75.2.383
//! - Wright, S. P. (1992). Adjusted p-values for simultaneous inference. *Biometrics* 48,
//!   1005–1013. doi:10.2307/2532694
//! - Benjamini, Y., Hochberg, Y. (1995). Controlling the false discovery rate. *JRSS B*
//!   57, 289–300. doi:10.1111/j.2517-6161.1995.tb02031.x
//! - Benjamini, Y., Yekutieli, D. (2001). The control of the false discovery rate in
//!   multiple testing under dependency. *Ann. Statist.* 29, 1165–1188.
//!   doi:10.1214/aos/1013699998
//!
//! R: `p.adjust(p, method, n)`, stats 4.2.2, including its quirks: when n = 2 Hommel is
//! computed as Hochberg (the two coincide in theory; R switches explicitly), n counts
//! only the non-missing p-values by default, and n ≤ 1 returns the input unchanged.
//! Difference: R accepts p-values outside [0, 1] silently; here they are an error.

use serde::{Deserialize, Serialize};

use super::error::TestError;

/// A p-value adjustment method (R's `p.adjust.methods`; `fdr` is `BH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PAdjustMethod {
    Bonferroni,
    Holm,
    Hochberg,
    Hommel,
    #[serde(rename = "BH", alias = "fdr")]
    BenjaminiHochberg,
    #[serde(rename = "BY")]
    BenjaminiYekutieli,
    None,
}

/// Adjusts p-values for `n = number of non-missing p-values` tests (R `p.adjust(p,
/// method)`).
///
/// # Errors
/// A p-value outside [0, 1] or NaN (use `None` for a missing one).
pub fn p_adjust(p: &[Option<f64>], method: PAdjustMethod) -> Result<Vec<Option<f64>>, TestError> {
    let m = p.iter().flatten().count();
    p_adjust_n(p, method, m)
}

/// Adjusts p-values for `n` tests, of which only the given ones were observed (R
/// `p.adjust(p, method, n)`); `n` must be at least the number of non-missing p-values.
///
/// # Errors
/// A p-value outside [0, 1] or NaN, or `n` smaller than the number of p-values given.
pub fn p_adjust_n(
    p: &[Option<f64>],
    method: PAdjustMethod,
    n: usize,
) -> Result<Vec<Option<f64>>, TestError> {
    for &v in p.iter().flatten() {
        if !(0.0..=1.0).contains(&v) {
            return Err(TestError::InvalidArgument {
                name: "p",
                rule: "must lie in [0, 1] (use None for a missing p-value)",
                value: v,
            });
        }
    }
    let observed: Vec<f64> = p.iter().flatten().copied().collect();
    let lp = observed.len();
    if n < lp {
        return Err(TestError::InvalidArgument {
            name: "n",
            rule: "must be at least the number of non-missing p-values",
            value: n as f64,
        });
    }
    if n <= 1 {
        return Ok(p.to_vec());
    }
    let method = if n == 2 && method == PAdjustMethod::Hommel {
        PAdjustMethod::Hochberg
    } else {
        method
    };
    let adjusted = adjust(&observed, method, n);
    let mut it = adjusted.into_iter();
    Ok(p.iter().map(|v| v.and_then(|_| it.next())).collect())
}

/// Indices that sort `p` increasingly (stable, as R's `order`).
fn order_increasing(p: &[f64]) -> Vec<usize> {
    let mut o: Vec<usize> = (0..p.len()).collect();
    o.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    o
}

/// Indices that sort `p` decreasingly (stable, ties in input order, as R's
/// `order(decreasing = TRUE)`).
fn order_decreasing(p: &[f64]) -> Vec<usize> {
    let mut o: Vec<usize> = (0..p.len()).collect();
    o.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
    o
}

fn adjust(p: &[f64], method: PAdjustMethod, n: usize) -> Vec<f64> {
    let lp = p.len();
    let nf = n as f64;
    let mut out = vec![0.0; lp];
    match method {
        PAdjustMethod::None => return p.to_vec(),
        PAdjustMethod::Bonferroni => return p.iter().map(|&v| (nf * v).min(1.0)).collect(),
        PAdjustMethod::Holm => {
            let mut running = f64::NEG_INFINITY;
            for (i, &k) in order_increasing(p).iter().enumerate() {
                running = running.max((nf - i as f64) * p[k]);
                out[k] = running.min(1.0);
            }
        }
        PAdjustMethod::Hochberg
        | PAdjustMethod::BenjaminiHochberg
        | PAdjustMethod::BenjaminiYekutieli => {
            let q: f64 = (1..=n).map(|k| 1.0 / k as f64).sum();
            let mut running = f64::INFINITY;
            for (pos, &k) in order_decreasing(p).iter().enumerate() {
                let i = (lp - pos) as f64; // R's i <- lp:1L
                let value = match method {
                    PAdjustMethod::Hochberg => (nf + 1.0 - i) * p[k],
                    PAdjustMethod::BenjaminiHochberg => nf / i * p[k],
                    _ => q * nf / i * p[k],
                };
                running = running.min(value);
                out[k] = running.min(1.0);
            }
        }
        PAdjustMethod::Hommel => return hommel(p, n),
    }
    out
}

/// R's Hommel loop, operation for operation.
fn hommel(p_observed: &[f64], n: usize) -> Vec<f64> {
    let lp = p_observed.len();
    let mut p = p_observed.to_vec();
    p.resize(n, 1.0);
    let o = order_increasing(&p);
    let p: Vec<f64> = o.iter().map(|&k| p[k]).collect();
    let start = (0..n)
        .map(|i| n as f64 * p[i] / (i + 1) as f64)
        .fold(f64::INFINITY, f64::min);
    let mut q = vec![start; n];
    let mut pa = vec![start; n];
    for j in (2..n).rev() {
        // ij = 1..(n - j + 1), i2 = (n - j + 2)..n in R's 1-based indexing.
        let jf = j as f64;
        let q1 = (0..j - 1)
            .map(|t| jf * p[n - j + 1 + t] / (t + 2) as f64)
            .fold(f64::INFINITY, f64::min);
        for i in 0..=(n - j) {
            q[i] = (jf * p[i]).min(q1);
        }
        let fill = q[n - j];
        for qi in q.iter_mut().skip(n - j + 1) {
            *qi = fill;
        }
        for i in 0..n {
            pa[i] = pa[i].max(q[i]);
        }
    }
    let sorted_adjusted: Vec<f64> = (0..n).map(|i| pa[i].max(p[i])).collect();
    let mut by_original = vec![0.0; n];
    for (rank, &k) in o.iter().enumerate() {
        by_original[k] = sorted_adjusted[rank];
    }
    by_original.truncate(lp);
    by_original
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hommel_with_two_is_hochberg() {
        let p = [Some(0.01), Some(0.04)];
        assert_eq!(
            p_adjust(&p, PAdjustMethod::Hommel).unwrap(),
            p_adjust(&p, PAdjustMethod::Hochberg).unwrap()
        );
    }

    #[test]
    fn missing_values_stay_in_place_and_do_not_count() {
        let p = [Some(0.01), None, Some(0.02)];
        let r = p_adjust(&p, PAdjustMethod::Bonferroni).unwrap();
        assert_eq!(r, vec![Some(0.02), None, Some(0.04)]);
    }

    #[test]
    fn rejects_out_of_range_and_small_n() {
        assert!(p_adjust(&[Some(1.5)], PAdjustMethod::Holm).is_err());
        assert!(p_adjust(&[Some(f64::NAN)], PAdjustMethod::Holm).is_err());
        assert!(p_adjust_n(&[Some(0.1), Some(0.2)], PAdjustMethod::Holm, 1).is_err());
    }
}
