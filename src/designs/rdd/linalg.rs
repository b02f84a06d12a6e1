//! The small dense algebra of the local fits: Gram matrices accumulated row by row, their
//! inverses, and the variance "meat" of rdrobust_vce (heteroskedastic or CR1).

use nalgebra::DMatrix;

use super::RdError;

/// Inverse of a symmetric positive-definite matrix through its Cholesky factor
/// (rdrobust's `inv_chol`).
pub(crate) fn inv_spd(m: &DMatrix<f64>, what: &'static str) -> Result<DMatrix<f64>, RdError> {
    m.clone()
        .cholesky()
        .map(|c| c.inverse())
        .ok_or(RdError::Singular(what))
}

/// rdrobust's `inv_chol_or_pinv`: the pilot fits fall back to a generalised inverse.
pub(crate) fn inv_spd_or_pinv(m: &DMatrix<f64>) -> DMatrix<f64> {
    match m.clone().cholesky() {
        Some(c) => c.inverse(),
        None => m
            .clone()
            .pseudo_inverse(f64::EPSILON * m.nrows() as f64 * m.amax())
            .unwrap_or_else(|_| DMatrix::from_element(m.nrows(), m.ncols(), f64::NAN)),
    }
}

/// Powers 1, u, u², …, u^order written into `out` by successive multiplication
/// (rdrobust's `_vander`).
#[inline]
pub(crate) fn powers(u: f64, out: &mut [f64]) {
    out[0] = 1.0;
    for j in 1..out.len() {
        out[j] = out[j - 1] * u;
    }
}

/// The sandwich meat Σ (s·rᵢ)² RXᵢ RXᵢ' (no clusters) or the CR1 sum over clusters of
/// (Σᵢ RXᵢ s·rᵢ)(…)' times ((n−1)/(n−k_df))·(g/(g−1)), as rdrobust_vce.
/// `rx` is n×k and `res` n×dd, both row-major; `s` has dd entries.
pub(crate) fn meat(
    rx: &[f64],
    k: usize,
    res: &[f64],
    dd: usize,
    s: &[f64],
    cluster: Option<&[u32]>,
    k_df: usize,
) -> DMatrix<f64> {
    let n = res.len() / dd;
    let combined = |i: usize| -> f64 {
        let r = &res[i * dd..(i + 1) * dd];
        r.iter().zip(s).map(|(a, b)| a * b).sum()
    };
    let mut m = DMatrix::<f64>::zeros(k, k);
    match cluster {
        None => {
            let acc = match k {
                1 => heteroskedastic_meat::<1>(rx, res, dd, s),
                2 => heteroskedastic_meat::<2>(rx, res, dd, s),
                3 => heteroskedastic_meat::<3>(rx, res, dd, s),
                4 => heteroskedastic_meat::<4>(rx, res, dd, s),
                5 => heteroskedastic_meat::<5>(rx, res, dd, s),
                6 => heteroskedastic_meat::<6>(rx, res, dd, s),
                _ => unreachable!("orders above 5 are refused by the options"),
            };
            for a in 0..k {
                for b in a..k {
                    m[(a, b)] = acc[a * k + b];
                    m[(b, a)] = acc[a * k + b];
                }
            }
        }
        Some(ids) => {
            // Scores summed per cluster, clusters visited in increasing id order as
            // rdrobust's np.unique does.
            let max_id = ids.iter().copied().max().map_or(0, |v| v as usize + 1);
            let mut score = vec![0.0; max_id * k];
            let mut seen = vec![false; max_id];
            for i in 0..n {
                let rc = combined(i);
                let g = ids[i] as usize;
                seen[g] = true;
                for a in 0..k {
                    score[g * k + a] += rx[i * k + a] * rc;
                }
            }
            let mut g_count = 0usize;
            for g in 0..max_id {
                if !seen[g] {
                    continue;
                }
                g_count += 1;
                let sc = &score[g * k..(g + 1) * k];
                for a in 0..k {
                    for b in 0..k {
                        m[(a, b)] += sc[a] * sc[b];
                    }
                }
            }
            let w = if g_count > 1 {
                ((n as f64 - 1.0) / (n as f64 - k_df as f64))
                    * (g_count as f64 / (g_count as f64 - 1.0))
            } else {
                f64::NAN
            };
            m *= w;
        }
    }
    m
}

/// Σ (s·rᵢ)² RXᵢ RXᵢ' (upper triangle, row-major K×K) for rows of K terms: the loops
/// unroll and each sum adds the same products in row order as the general loop did.
fn heteroskedastic_meat<const K: usize>(rx: &[f64], res: &[f64], dd: usize, s: &[f64]) -> Vec<f64> {
    let mut acc = [[0.0f64; K]; K];
    for (row, r) in rx.chunks_exact(K).zip(res.chunks_exact(dd)) {
        let rc: f64 = r.iter().zip(s).map(|(a, b)| a * b).sum();
        for a in 0..K {
            let va = row[a] * rc;
            for b in a..K {
                acc[a][b] += va * row[b] * rc;
            }
        }
    }
    acc.iter().flatten().copied().collect()
}

/// Number of distinct values in a sorted slice.
pub(crate) fn distinct_sorted(x: &[f64]) -> usize {
    if x.is_empty() {
        return 0;
    }
    1 + x.windows(2).filter(|w| w[1] != w[0]).count()
}
