//! The bins of the RD plot, chosen as rdplot (rdrobust 2.1.1) chooses evenly spaced
//! bins: a global quartic fit either side gives the derivative that drives the IMSE's
//! bias term and the spacings of the sorted data give its variance term (Calonico,
//! Cattaneo and Titiunik 2015, JASA 110:1753). Evident's default is the IMSE-optimal
//! number ("es"); rdplot's own default, the "mimicking variance" number ("esmv"), which
//! gives many more, noisier bins that show the outcome's variability, is offered too.

use nalgebra::DMatrix;

use super::sorted::SortedRunning;

/// How many evenly spaced bins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinRule {
    /// IMSE-optimal, spacings estimators (rdplot `binselect = "es"`).
    ImseOptimal,
    /// Mimicking variance, spacings estimators (rdplot `binselect = "esmv"`).
    MimickingVariance,
}

/// One bin: its edges, the means of x and y inside it, and its count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bin {
    pub lower: f64,
    pub upper: f64,
    pub mean_x: f64,
    pub mean_y: f64,
    pub count: usize,
}

/// The binned scatter either side of the cut-off.
#[derive(Debug, Clone, PartialEq)]
pub struct RdBins {
    pub rule: BinRule,
    /// Bins chosen either side, and the IMSE-optimal and mimicking-variance numbers.
    pub j_left: usize,
    pub j_right: usize,
    pub j_imse: [f64; 2],
    pub j_mimicking_variance: [f64; 2],
    pub left: Vec<Bin>,
    pub right: Vec<Bin>,
}

fn sample_variance(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    v.iter().map(|a| (a - m) * (a - m)).sum::<f64>() / (n - 1.0)
}

/// Coefficients of the global polynomial of order 4 (lower if singular) of `y` on raw
/// powers of `x`, as rdplot's `max_k = 4` loop.
fn global_fit(x: &[f64], y: &[f64]) -> Option<(usize, Vec<f64>)> {
    for k in (2..=4).rev() {
        let mut g = DMatrix::<f64>::zeros(k + 1, k + 1);
        let mut xy = DMatrix::<f64>::zeros(k + 1, 1);
        let mut r = vec![0.0; k + 1];
        for (xi, yi) in x.iter().zip(y) {
            super::linalg::powers(*xi, &mut r);
            for a in 0..=k {
                xy[(a, 0)] += r[a] * yi;
                for b in 0..=k {
                    g[(a, b)] += r[a] * r[b];
                }
            }
        }
        if let Some(ch) = g.cholesky() {
            let beta = ch.solve(&xy);
            return Some((k, beta.iter().copied().collect()));
        }
    }
    None
}

/// rdplot's evenly spaced bins. `running` and `outcome` need not be sorted.
pub fn rd_bins(running: &[f64], outcome: &[f64], cutoff: f64, rule: BinRule) -> Option<RdBins> {
    // Paired row by row; a longer column's extra rows are ignored.
    let n = running.len().min(outcome.len());
    rd_bins_sorted(
        &SortedRunning::new(&running[..n]),
        &outcome[..n],
        cutoff,
        rule,
    )
}

/// [`rd_bins`] with the running variable already sorted (`outcome` in row order).
pub fn rd_bins_sorted(
    sorted: &SortedRunning,
    outcome: &[f64],
    cutoff: f64,
    rule: BinRule,
) -> Option<RdBins> {
    let pairs: Vec<(f64, f64)> = sorted
        .x
        .iter()
        .zip(&sorted.order)
        .map(|(&x, &i)| (x, outcome[i]))
        .collect();
    let n = pairs.len();
    let split = pairs.partition_point(|p| p.0 < cutoff);
    if split < 2 || n - split < 2 {
        return None;
    }
    let x_min = pairs[0].0;
    let x_max = pairs[n - 1].0;
    let nf = n as f64;
    let side = |s: &[(f64, f64)], range: f64| -> Option<(f64, f64, f64)> {
        let x: Vec<f64> = s.iter().map(|p| p.0).collect();
        let y: Vec<f64> = s.iter().map(|p| p.1).collect();
        let (k, beta) = global_fit(&x, &y)?;
        let mut bias = 0.0;
        for xi in &x {
            let mut d = 0.0;
            let mut pw = 1.0;
            for j in 0..k {
                d += (j + 1) as f64 * pw * beta[j + 1];
                pw *= xi;
            }
            bias += d * d;
        }
        let b = range * range / (12.0 * nf) * bias;
        let mut v = 0.0;
        for w in s.windows(2) {
            let dy = w[1].1 - w[0].1;
            v += (w[1].0 - w[0].0) * dy * dy;
        }
        let v = 0.5 / range * v;
        Some((b, v, sample_variance(&y)))
    };
    let (b_l, v_l, var_l) = side(&pairs[..split], cutoff - x_min)?;
    let (b_r, v_r, var_r) = side(&pairs[split..], x_max - cutoff)?;
    let j_fun = |b: f64, v: f64| ((2.0 * b / v) * nf).powf(1.0 / 3.0).ceil();
    let j_imse = [j_fun(b_l, v_l), j_fun(b_r, v_r)];
    let mv = nf / nf.ln().powi(2);
    let j_mv = [(var_l / v_l * mv).ceil(), (var_r / v_r * mv).ceil()];
    let chosen = match rule {
        BinRule::ImseOptimal => j_imse,
        BinRule::MimickingVariance => j_mv,
    };
    if !chosen.iter().all(|j| j.is_finite() && *j >= 1.0) {
        return None;
    }
    let mut j_left = chosen[0] as usize;
    let mut j_right = chosen[1] as usize;
    if var_l == 0.0 {
        j_left = 1;
    }
    if var_r == 0.0 {
        j_right = 1;
    }
    let bins = |s: &[(f64, f64)], lo: f64, hi: f64, j: usize, closed_right: bool| -> Vec<Bin> {
        // numpy.linspace's arithmetic: start + i·step, the last edge exactly `hi`.
        let step = (hi - lo) / j as f64;
        let edges: Vec<f64> = (0..=j)
            .map(|i| if i == j { hi } else { lo + i as f64 * step })
            .collect();
        let mut sums = vec![(0.0, 0.0, 0usize); j];
        for &(x, y) in s {
            // Index of the bin [edge_i, edge_{i+1}); the top edge belongs to the last bin
            // on the right (rdplot's rightmost.closed).
            let mut i = edges.partition_point(|e| *e <= x).saturating_sub(1);
            if i >= j {
                i = if closed_right { j - 1 } else { i.min(j - 1) };
            }
            sums[i].0 += x;
            sums[i].1 += y;
            sums[i].2 += 1;
        }
        sums.iter()
            .enumerate()
            .filter(|(_, s)| s.2 > 0)
            .map(|(i, s)| Bin {
                lower: edges[i],
                upper: edges[i + 1],
                mean_x: s.0 / s.2 as f64,
                mean_y: s.1 / s.2 as f64,
                count: s.2,
            })
            .collect()
    };
    Some(RdBins {
        rule,
        j_left,
        j_right,
        j_imse,
        j_mimicking_variance: j_mv,
        left: bins(&pairs[..split], x_min, cutoff, j_left, false),
        right: bins(&pairs[split..], cutoff, x_max, j_right, true),
    })
}
