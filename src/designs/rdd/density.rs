//! The manipulation test of the running variable's density at the cut-off (Cattaneo,
//! Jansson and Ma 2020), as rddensity 3.0 computes it with its defaults: local
//! polynomial density estimators of order p = 2 (q = 3 for the test), unrestricted
//! fits either side, jackknife variance, bandwidths by rdbwdensity's "comb" rule
//! (median of the side's own, the difference's and the sum's MSE-optimal bandwidth),
//! mass-point adjustment and the local sample-size regularisation.

use nalgebra::DMatrix;

use super::sorted::SortedRunning;
use super::{Kernel, RdError};
use crate::stats::distributions::normal;

/// The density test's result.
#[derive(Debug, Clone, PartialEq)]
pub struct DensityTest {
    pub cutoff: f64,
    /// Bandwidths below and above the cut-off.
    pub h_left: f64,
    pub h_right: f64,
    /// Observations inside the bandwidths.
    pub n_h_left: usize,
    pub n_h_right: usize,
    /// Density estimates (order q) just below and above the cut-off.
    pub density_left: f64,
    pub density_right: f64,
    /// Robust bias-corrected statistic and its two-sided p-value (jackknife variance).
    pub t: f64,
    pub p_value: f64,
    /// Whether the running variable has repeated values (their ranks are tied).
    pub mass_points: bool,
}

/// One fit of `__rddensity_fv`: the estimates (l, r, diff, sum) of the density (`hat`),
/// their jackknife variances and the s-th derivative coefficients.
struct Fit {
    hat: [f64; 4],
    jackknife: [f64; 4],
    s: [f64; 4],
}

fn kernel_weight(kernel: Kernel, x: f64, h: f64, below: bool) -> f64 {
    match kernel {
        Kernel::Uniform => 1.0 / (2.0 * h),
        Kernel::Triangular => {
            if below {
                (1.0 + x / h) / h
            } else {
                (1.0 - x / h) / h
            }
        }
        Kernel::Epanechnikov => 0.75 * (1.0 - (x / h) * (x / h)) / h,
    }
}

/// `__rddensity_fv` for the unrestricted model with the jackknife variance. `x` (centred
/// at the cut-off, sorted) and `y` (the empirical CDF) hold the window only.
#[allow(clippy::too_many_arguments)]
fn fit(
    y: &[f64],
    x: &[f64],
    n: usize,
    hl: f64,
    hr: f64,
    p: usize,
    s: usize,
    kernel: Kernel,
    mass_points: bool,
) -> Option<Fit> {
    let nh = x.len();
    let k = 2 * p + 2;
    let mut row = vec![0.0; k];
    let fill = |i: usize, row: &mut [f64]| -> f64 {
        let below = x[i] < 0.0;
        let (h, offset) = if below { (hl, 0) } else { (hr, 1) };
        row.iter_mut().for_each(|v| *v = 0.0);
        let u = x[i] / h;
        let mut pw = 1.0;
        for power in 0..=p {
            row[2 * power + offset] = pw;
            pw *= u;
        }
        kernel_weight(kernel, x[i], h, below)
    };
    let mut s_mat = DMatrix::<f64>::zeros(k, k);
    let mut xwy = vec![0.0; k];
    for (i, yi) in y.iter().enumerate() {
        let w = fill(i, &mut row);
        for a in 0..k {
            if row[a] == 0.0 {
                continue;
            }
            xwy[a] += row[a] * w * yi;
            for b in 0..k {
                s_mat[(a, b)] += row[a] * w * row[b];
            }
        }
    }
    let s_inv = s_mat.try_inverse()?;
    let hp: Vec<f64> = (0..k)
        .map(|j| if j % 2 == 0 { hl } else { hr }.powi((j / 2) as i32))
        .collect();
    let b: Vec<f64> = (0..k)
        .map(|j| (0..k).map(|a| xwy[a] * s_inv[(a, j)]).sum::<f64>() / hp[j])
        .collect();
    // Jackknife: Lᵢ = Σ_{m > i} XpWₘ / (n − 1), with tied values all taking the value
    // at their group's first index.
    let mut running = vec![0.0; k];
    let mut ll = DMatrix::<f64>::zeros(k, k);
    let mut end = nh;
    let mut xpw_rows = vec![0.0; k];
    let mut group = vec![0.0; k];
    let mut inner = vec![0.0; k];
    let mut l = vec![0.0; k];
    while end > 0 {
        let mut start = end - 1;
        if mass_points {
            while start > 0 && x[start - 1] == x[end - 1] {
                start -= 1;
            }
        }
        // Rows of the group [start, end), summed from the back as rddensity does.
        group.iter_mut().for_each(|v| *v = 0.0);
        inner.iter_mut().for_each(|v| *v = 0.0);
        for i in (start..end).rev() {
            let w = fill(i, &mut row);
            for a in 0..k {
                xpw_rows[a] = row[a] * w;
            }
            for a in 0..k {
                if i > start {
                    inner[a] += xpw_rows[a];
                }
                group[a] += xpw_rows[a];
            }
        }
        for a in 0..k {
            l[a] = (running[a] + inner[a]) / (n as f64 - 1.0);
        }
        let freq = (end - start) as f64;
        for a in 0..k {
            for bb in 0..k {
                ll[(a, bb)] += freq * l[a] * l[bb];
            }
        }
        for a in 0..k {
            running[a] += group[a];
        }
        end = start;
    }
    let hp_inv = DMatrix::from_diagonal(&nalgebra::DVector::from_iterator(
        k,
        hp.iter().map(|v| 1.0 / v),
    ));
    let v = &hp_inv * &s_inv * ll * &s_inv * &hp_inv;
    let nonneg = |a: f64| if a < 0.0 { f64::NAN } else { a };
    Some(Fit {
        hat: [b[2], b[3], b[3] - b[2], b[3] + b[2]],
        jackknife: [
            nonneg(v[(2, 2)]),
            nonneg(v[(3, 3)]),
            nonneg(v[(2, 2)] + v[(3, 3)] - 2.0 * v[(2, 3)]),
            nonneg(v[(2, 2)] + v[(3, 3)] + 2.0 * v[(2, 3)]),
        ],
        s: [
            b[2 * s],
            b[2 * s + 1],
            b[2 * s + 1] - b[2 * s],
            b[2 * s + 1] + b[2 * s],
        ],
    })
}

/// ∫₀¹ K(u) u^m du in closed form (rddensity integrates numerically; the two agree to
/// quadrature precision).
fn kernel_moment(kernel: Kernel, m: usize) -> f64 {
    let m = m as f64;
    match kernel {
        Kernel::Uniform => 0.5 / (m + 1.0),
        Kernel::Triangular => 1.0 / (m + 1.0) - 1.0 / (m + 2.0),
        Kernel::Epanechnikov => 0.75 * (1.0 / (m + 1.0) - 1.0 / (m + 3.0)),
    }
}

fn hermite(x: f64, p: usize) -> f64 {
    match p {
        0 => 1.0,
        1 => x,
        2 => x * x - 1.0,
        3 => x.powi(3) - 3.0 * x,
        4 => x.powi(4) - 6.0 * x * x + 3.0,
        _ => unreachable!("rddensity's defaults use p = 2"),
    }
}

/// The k-th smallest |value| (1-based, clamped to the count) of a side, as rdbwdensity's
/// `np.sort(np.abs(X[X<0]))[min(k, nl)-1]`.
fn kth_distance(sorted_abs: &[f64], k: usize) -> f64 {
    sorted_abs[k.min(sorted_abs.len()) - 1]
}

/// rddensity with its defaults (p = 2, unrestricted, jackknife, "comb" bandwidths).
pub fn density_test(running: &[f64], cutoff: f64, kernel: Kernel) -> Result<DensityTest, RdError> {
    if let Some(row) = running.iter().position(|v| !v.is_finite()) {
        return Err(RdError::NotFinite {
            what: "running variable".to_string(),
            row: row + 1,
        });
    }
    density_test_sorted(&SortedRunning::new(running), cutoff, kernel)
}

/// [`density_test`] with the running variable already sorted.
pub fn density_test_sorted(
    sorted: &SortedRunning,
    cutoff: f64,
    kernel: Kernel,
) -> Result<DensityTest, RdError> {
    let p = 2usize;
    let q = p + 1;
    let xs = sorted.values();
    if let Some(at) = xs.iter().position(|v| !v.is_finite()) {
        return Err(RdError::NotFinite {
            what: "running variable".to_string(),
            row: sorted.order[at] + 1,
        });
    }
    let n = xs.len();
    if n < 2 || cutoff < xs[0] || cutoff > xs[n - 1] {
        return Err(RdError::CutoffOutsideRange {
            cutoff,
            min: xs.first().copied().unwrap_or(f64::NAN),
            max: xs.last().copied().unwrap_or(f64::NAN),
        });
    }
    let nl = xs.partition_point(|&v| v < cutoff);
    let nr = n - nl;
    // Unique values (in original units, as rddensity) and each group's last index.
    let mut unique = Vec::new();
    let mut index_last = Vec::new();
    for i in 0..n {
        if i + 1 == n || xs[i + 1] != xs[i] {
            unique.push(xs[i]);
            index_last.push(i);
        }
    }
    let n_unique = unique.len();
    let nl_unique = unique.partition_point(|&v| v < cutoff);
    let nr_unique = n_unique - nl_unique;
    let local_min = 20 + p + 1;
    if nl < local_min || nr < local_min || nl_unique < q + 1 || nr_unique < q + 1 {
        return Err(RdError::Settings(format!(
            "the density test needs at least {local_min} observations either side of the cut-off ({nl} below, {nr} at or above)"
        )));
    }
    let x: Vec<f64> = xs.iter().map(|v| v - cutoff).collect();
    let xu: Vec<f64> = unique.iter().map(|v| v - cutoff).collect();
    let mass_points = n_unique != n;
    let mean = x.iter().sum::<f64>() / n as f64;
    let sd = (x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n as f64 - 1.0)).sqrt();
    let z = mean / sd;
    let phi = normal::pdf(z).unwrap_or(f64::NAN);
    let fhatb = 1.0 / (hermite(z, p + 2).powi(2) * phi);
    let fhatc = 1.0 / (hermite(z, p).powi(2) * phi);
    // rddensity's constants, copied digit for digit.
    #[allow(clippy::excessive_precision)]
    const CB: f64 = 3_430_865.455_123_617_779_5;
    #[allow(clippy::excessive_precision)]
    const CC: f64 = 548.571_428_571_554_633_89;
    let pf = p as f64;
    let nf = n as f64;
    let mut bn = ((2.0 * pf + 1.0) / 4.0 * fhatb * CB / nf).powf(1.0 / (2.0 * pf + 5.0)) * sd;
    let mut cn = (1.0 / (2.0 * pf) * fhatc * CC / nf).powf(1.0 / (2.0 * pf + 1.0)) * sd;

    let max_abs_unique = xu.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    // |x| below the cut-off in increasing order: x is sorted and negative there, so
    // its distances fall as x rises and the reversed slice is already in order.
    let left_abs: Vec<f64> = x[..nl].iter().rev().map(|v| v.abs()).collect();
    let right = &x[nl..];
    let left_abs_u: Vec<f64> = xu[..nl_unique].iter().rev().map(|v| v.abs()).collect();
    let right_u = &xu[nl_unique..];
    bn = bn.min(max_abs_unique);
    cn = cn.min(max_abs_unique);
    let kb = 20 + p + 2 + 1;
    let kc = 20 + p + 1;
    bn = bn
        .max(kth_distance(&left_abs, kb))
        .max(kth_distance(right, kb));
    cn = cn
        .max(kth_distance(&left_abs, kc))
        .max(kth_distance(right, kc));
    bn = bn
        .max(kth_distance(&left_abs_u, kb))
        .max(kth_distance(right_u, kb));
    cn = cn
        .max(kth_distance(&left_abs_u, kc))
        .max(kth_distance(right_u, kc));

    // The empirical CDF at each observation; tied values share their group's last rank.
    let mut y: Vec<f64> = (0..n).map(|i| i as f64 / (nf - 1.0)).collect();
    if mass_points {
        let mut start = 0;
        for &last in &index_last {
            let v = last as f64 / (nf - 1.0);
            y[start..=last].iter_mut().for_each(|a| *a = v);
            start = last + 1;
        }
    }
    // x is sorted, so each window is one contiguous stretch of it.
    let window = |lo: f64, hi: f64| -> (Vec<f64>, Vec<f64>) {
        let start = x.partition_point(|&v| v < -lo);
        let end = start + x[start..].partition_point(|&v| v <= hi);
        (y[start..end].to_vec(), x[start..end].to_vec())
    };
    let window_abs = |h: f64| -> (Vec<f64>, Vec<f64>) {
        let start = x.partition_point(|&v| v.abs() > h && v < 0.0);
        let end = start + x[start..].partition_point(|&v| v.abs() <= h || v < 0.0);
        (y[start..end].to_vec(), x[start..end].to_vec())
    };
    let (yb, xb) = window_abs(bn);
    let (yc, xc) = window_abs(cn);
    let degenerate = || {
        RdError::Settings(
            "the density estimate at the cut-off is not identified (too few distinct values near it)"
                .to_string(),
        )
    };
    let fv_b =
        fit(&yb, &xb, n, bn, bn, p + 2, p + 1, kernel, mass_points).ok_or_else(degenerate)?;
    let fv_c = fit(&yc, &xc, n, cn, cn, p, 1, kernel, mass_points).ok_or_else(degenerate)?;

    // Bias constant (S⁻¹C)[1] with S and C the kernel moments on [0, 1].
    let mut s_mat = DMatrix::<f64>::zeros(p + 1, p + 1);
    let mut c_vec = DMatrix::<f64>::zeros(p + 1, 1);
    for i in 0..=p {
        for j in 0..=p {
            s_mat[(i, j)] = kernel_moment(kernel, i + j);
        }
        c_vec[(i, 0)] = kernel_moment(kernel, i + p + 1);
    }
    let bias_constant = (s_mat.try_inverse().ok_or_else(degenerate)? * c_vec)[(1, 0)];
    let mut bw = [0.0; 4];
    let sign = if p.is_multiple_of(2) { 1.0 } else { -1.0 };
    let bias_l = fv_b.s[0] * bias_constant * sign;
    let bias_r = fv_b.s[1] * bias_constant;
    let bias = [bias_l, bias_r, bias_r - bias_l, bias_r + bias_l];
    for i in 0..4 {
        let variance = nf * cn * fv_c.jackknife[i];
        let biassq = bias[i] * bias[i];
        let mut h = (1.0 / (2.0 * pf) * variance / biassq / nf).powf(1.0 / (2.0 * pf + 1.0));
        if variance < 0.0 || h.is_nan() {
            h = 0.0;
        }
        bw[i] = h;
    }
    let left_range = xu[0].abs();
    let right_range = xu[n_unique - 1];
    let max_range = left_range.max(right_range);
    bw[0] = bw[0].min(left_range);
    bw[1] = bw[1].min(right_range);
    bw[2] = bw[2].min(max_range);
    bw[3] = bw[3].min(max_range);
    for (left_sorted, right_side) in [(&left_abs, right), (&left_abs_u, right_u)] {
        let hlmin = kth_distance(left_sorted, local_min);
        let hrmin = kth_distance(right_side, local_min);
        bw[0] = bw[0].max(hlmin);
        bw[1] = bw[1].max(hrmin);
        bw[2] = bw[2].max(hlmin).max(hrmin);
        bw[3] = bw[3].max(hlmin).max(hrmin);
    }
    let median3 = |a: f64, b: f64, c: f64| a.max(b).min(a.min(b).max(c));
    let hl = median3(bw[0], bw[2], bw[3]);
    let hr = median3(bw[1], bw[2], bw[3]);

    let (yh, xh) = window(hl, hr);
    let n_h_left = xh.iter().filter(|v| **v < 0.0).count();
    let n_h_right = xh.len() - n_h_left;
    let fv_q = fit(&yh, &xh, n, hl, hr, q, 1, kernel, mass_points).ok_or_else(degenerate)?;
    let t = fv_q.hat[2] / fv_q.jackknife[2].sqrt();
    let p_value = 2.0 * (1.0 - normal::cdf(t.abs()).unwrap_or(f64::NAN));
    Ok(DensityTest {
        cutoff,
        h_left: hl,
        h_right: hr,
        n_h_left,
        n_h_right,
        density_left: fv_q.hat[0],
        density_right: fv_q.hat[1],
        t,
        p_value,
        mass_points,
    })
}
