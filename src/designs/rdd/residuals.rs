//! Residuals entering the variance: rdrobust's nearest-neighbour residuals (which need
//! the observations in sorted order of the running variable) and the plug-in HC0–HC3
//! residuals of a local fit.

use super::Vce;

/// rdrobust's nearest-neighbour residuals for every column of `d` (row-major n×dd) over
/// the sorted running variable `x`: each observation against the mean of at least
/// `nnmatch` nearest neighbours (ties at the same value taken together), scaled by
/// √(J/(J+1)). A port of `_nn_residuals_jit`.
pub(crate) fn nearest_neighbour(x: &[f64], d: &[f64], dd: usize, nnmatch: usize) -> Vec<f64> {
    let n = x.len();
    // Size of each observation's tie group and its 1-based rank within it.
    let mut dups = vec![0usize; n];
    let mut dupsid = vec![0usize; n];
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && x[end] == x[start] {
            end += 1;
        }
        for (rank, i) in (start..end).enumerate() {
            dups[i] = end - start;
            dupsid[i] = rank + 1;
        }
        start = end;
    }
    let tol_eps = f64::EPSILON.sqrt();
    let cap = if nnmatch < n.saturating_sub(1) {
        nnmatch
    } else {
        n.saturating_sub(1)
    };
    let mut res = vec![0.0; n * dd];
    for pos in 0..n {
        let mut rpos = dups[pos] - dupsid[pos];
        let mut lpos = dupsid[pos] - 1;
        while lpos + rpos < cap {
            if pos < lpos + 1 {
                rpos += dups[pos + rpos + 1];
            } else if pos + rpos + 1 >= n {
                lpos += dups[pos - lpos - 1];
            } else {
                let dleft = x[pos] - x[pos - lpos - 1];
                let dright = x[pos + rpos + 1] - x[pos];
                let tol = dleft.max(dright) * tol_eps;
                if dleft - dright > tol {
                    rpos += dups[pos + rpos + 1];
                } else if dright - dleft > tol {
                    lpos += dups[pos - lpos - 1];
                } else {
                    rpos += dups[pos + rpos + 1];
                    lpos += dups[pos - lpos - 1];
                }
            }
        }
        let lo = pos - lpos;
        let hi = pos + rpos + 1;
        let ji = (hi - lo - 1) as f64;
        let scale = (ji / (ji + 1.0)).sqrt();
        for col in 0..dd {
            let mut sum = 0.0;
            for j in lo..hi {
                sum += d[j * dd + col];
            }
            let own = d[pos * dd + col];
            sum -= own;
            res[pos * dd + col] = scale * (own - sum / ji);
        }
    }
    res
}

/// Plug-in residuals `w·(d − fitted)` with rdrobust's HC weights: HC1 uses
/// √(n/(n−k)) (1 with clusters, where CR1 carries the correction), HC2 and HC3 the
/// leverages `hii`.
pub(crate) fn plug_in(
    d: &[f64],
    fitted: &[f64],
    hii: &[f64],
    dd: usize,
    vce: Vce,
    k: usize,
    clustered: bool,
) -> Vec<f64> {
    let n = d.len() / dd;
    let hc1 = if clustered {
        1.0
    } else {
        (n as f64 / (n as f64 - k as f64)).sqrt()
    };
    let mut res = vec![0.0; n * dd];
    for i in 0..n {
        let w = match vce {
            Vce::Hc0 | Vce::Nn => 1.0,
            Vce::Hc1 => hc1,
            Vce::Hc2 => (1.0 / (1.0 - hii[i]).max(1e-8)).sqrt(),
            Vce::Hc3 => 1.0 / (1.0 - hii[i]).max(1e-8),
        };
        for col in 0..dd {
            res[i * dd + col] = w * (d[i * dd + col] - fitted[i * dd + col]);
        }
    }
    res
}
