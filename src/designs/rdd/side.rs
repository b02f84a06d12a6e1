//! One side of the cut-off: its observations in sorted order of the running variable,
//! the kernel window of a bandwidth, and the weighted local-polynomial fit on a window.

use std::ops::Range;

use nalgebra::DMatrix;

use super::RdError;
use super::kernel::Kernel;
use super::linalg::{inv_spd, inv_spd_or_pinv, powers};

/// Observations on one side of the cut-off, sorted by the running variable.
#[derive(Debug, Clone)]
pub(crate) struct Side {
    pub x: Vec<f64>,
    /// Row-major n×dd: outcome, then treatment receipt (fuzzy), then covariates.
    pub d: Vec<f64>,
    pub dd: usize,
    pub dt: usize,
    pub dz: usize,
    /// Dense cluster ids (0..G over both sides).
    pub cluster: Option<Vec<u32>>,
}

impl Side {
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// The observations with positive kernel weight at bandwidth `h` (contiguous,
    /// because the data are sorted and the weight falls with the distance from `c`).
    /// Found by bisection: below `c` the weight is positive from some point on, at or
    /// above `c` up to some point (the rounded `|x − c| / h` is monotone either side).
    pub fn window(&self, c: f64, h: f64, kernel: Kernel) -> Range<usize> {
        let positive = |v: &f64| kernel.weight(*v, c, h) > 0.0;
        let x = &self.x;
        let mid = x.partition_point(|v| *v < c);
        let lo = x[..mid].partition_point(|v| !positive(v));
        let hi = mid + x[mid..].partition_point(positive);
        if lo < mid || hi > mid { lo..hi } else { 0..0 }
    }

    pub fn d_rows(&self, r: Range<usize>) -> &[f64] {
        &self.d[r.start * self.dd..r.end * self.dd]
    }

    pub fn clusters(&self, r: Range<usize>) -> Option<&[u32]> {
        self.cluster.as_ref().map(|c| &c[r])
    }
}

/// A weighted polynomial fit of every D column on (x − c)^0..order over one window.
pub(crate) struct LocalFit {
    pub k: usize,
    pub inv_gram: DMatrix<f64>,
    /// Row-major n×k: Rᵢ·wᵢ (empty from `coefficients_only`).
    pub rw: Vec<f64>,
    /// Σ wᵢ Rᵢ Dᵢ' (k×dd).
    pub rwd: DMatrix<f64>,
    /// k×dd coefficients.
    pub beta: DMatrix<f64>,
}

impl LocalFit {
    /// Fit on the window `x`, `d` with weights `w`. `pilot` selects the generalised
    /// inverse fallback that rdbwselect's pilot fits use.
    pub fn new(
        x: &[f64],
        d: &[f64],
        dd: usize,
        w: &[f64],
        c: f64,
        order: usize,
        pilot: bool,
    ) -> Result<LocalFit, RdError> {
        LocalFit::fit(x, d, dd, w, c, order, pilot, true)
    }

    /// [`LocalFit::new`] for a fit whose coefficients alone are used (no variance):
    /// `rw` is left empty rather than filled with n×k products nobody reads.
    pub fn coefficients_only(
        x: &[f64],
        d: &[f64],
        dd: usize,
        w: &[f64],
        c: f64,
        order: usize,
        pilot: bool,
    ) -> Result<LocalFit, RdError> {
        LocalFit::fit(x, d, dd, w, c, order, pilot, false)
    }

    #[allow(clippy::too_many_arguments)]
    fn fit(
        x: &[f64],
        d: &[f64],
        dd: usize,
        w: &[f64],
        c: f64,
        order: usize,
        pilot: bool,
        keep_rw: bool,
    ) -> Result<LocalFit, RdError> {
        let k = order + 1;
        let n = x.len();
        let mut rw = vec![0.0; if keep_rw { n * k } else { 0 }];
        let (gram, rwd_acc) = match k {
            1 => accumulate::<1>(x, d, dd, w, c, &mut rw),
            2 => accumulate::<2>(x, d, dd, w, c, &mut rw),
            3 => accumulate::<3>(x, d, dd, w, c, &mut rw),
            4 => accumulate::<4>(x, d, dd, w, c, &mut rw),
            5 => accumulate::<5>(x, d, dd, w, c, &mut rw),
            6 => accumulate::<6>(x, d, dd, w, c, &mut rw),
            _ => unreachable!("orders above 5 are refused by the options"),
        };
        let rwd = DMatrix::from_fn(k, dd, |a, col| rwd_acc[a * dd + col]);
        let mut g = DMatrix::<f64>::zeros(k, k);
        for a in 0..k {
            for b in a..k {
                g[(a, b)] = gram[a * k + b];
                g[(b, a)] = gram[a * k + b];
            }
        }
        let inv_gram = if pilot {
            inv_spd_or_pinv(&g)
        } else {
            inv_spd(&g, "the local polynomial's Gram matrix")?
        };
        let beta = &inv_gram * &rwd;
        Ok(LocalFit {
            k,
            inv_gram,
            rw,
            rwd,
            beta,
        })
    }

    /// Fitted values R·β (row-major n×dd) and, when asked, the leverages wᵢRᵢ'G⁻¹Rᵢ.
    pub fn fitted_and_leverage(
        &self,
        x: &[f64],
        c: f64,
        dd: usize,
        leverage: bool,
    ) -> (Vec<f64>, Vec<f64>) {
        let k = self.k;
        let n = x.len();
        let mut fitted = vec![0.0; n * dd];
        let mut hii = if leverage { vec![0.0; n] } else { Vec::new() };
        let mut r = vec![0.0; k];
        for i in 0..n {
            powers(x[i] - c, &mut r);
            for col in 0..dd {
                fitted[i * dd + col] = r
                    .iter()
                    .enumerate()
                    .map(|(a, ra)| ra * self.beta[(a, col)])
                    .sum();
            }
            if leverage {
                let mut h = 0.0;
                for a in 0..k {
                    let ga: f64 = r
                        .iter()
                        .enumerate()
                        .map(|(b, rb)| rb * self.inv_gram[(b, a)])
                        .sum();
                    h += ga * self.rw[i * k + a];
                }
                hii[i] = h;
            }
        }
        (fitted, hii)
    }
}

/// The Gram matrix Σ wᵢ RᵢRᵢ' (upper triangle, row-major k×k), Σ wᵢ Rᵢ Dᵢ' (row-major
/// k×dd) and, when `rw` is not empty, the rows Rᵢ·wᵢ, for polynomials of K terms. The
/// size is a constant so the loops over the terms unroll; each sum adds the same
/// products in row order as a loop over a runtime size would, so the bits are those of
/// the general loop.
fn accumulate<const K: usize>(
    x: &[f64],
    d: &[f64],
    dd: usize,
    w: &[f64],
    c: f64,
    rw: &mut [f64],
) -> (Vec<f64>, Vec<f64>) {
    let keep_rw = !rw.is_empty();
    let mut gram = [[0.0f64; K]; K];
    let mut rwd = vec![0.0; K * dd];
    let mut r = [0.0f64; K];
    for (i, (&xi, &wi)) in x.iter().zip(w).enumerate() {
        powers(xi - c, &mut r);
        let sw = wi.sqrt();
        for a in 0..K {
            let ra = r[a] * sw;
            for b in a..K {
                gram[a][b] += ra * r[b] * sw;
            }
        }
        if keep_rw {
            let row = &mut rw[i * K..(i + 1) * K];
            for a in 0..K {
                row[a] = r[a] * wi;
            }
        }
        let drow = &d[i * dd..(i + 1) * dd];
        for a in 0..K {
            let rwa = r[a] * wi;
            for (acc, dv) in rwd[a * dd..(a + 1) * dd].iter_mut().zip(drow) {
                *acc += rwa * dv;
            }
        }
    }
    (gram.iter().flatten().copied().collect(), rwd)
}

/// Σ wᵢ Dᵢ Dᵢ' over a window (dd×dd), needed for the covariate adjustment.
pub(crate) fn weighted_dd(d: &[f64], dd: usize, w: &[f64]) -> DMatrix<f64> {
    let mut m = DMatrix::<f64>::zeros(dd, dd);
    for (i, wi) in w.iter().enumerate() {
        let row = &d[i * dd..(i + 1) * dd];
        for a in 0..dd {
            for b in 0..dd {
                m[(a, b)] += row[a] * wi * row[b];
            }
        }
    }
    m
}

/// The partialled-out blocks of the covariate adjustment: Z'WZ and Z'WY after removing
/// the polynomial (rdrobust's ZWZ and ZWY), from U = Σ w R D' and Σ w D D'.
pub(crate) fn covariate_blocks(
    u: &DMatrix<f64>,
    dwd: &DMatrix<f64>,
    inv_gram: &DMatrix<f64>,
    dt: usize,
) -> (DMatrix<f64>, DMatrix<f64>) {
    let dd = dwd.ncols();
    let first_z = 1 + dt;
    let dz = dd - first_z;
    let uz = u.columns(first_z, dz).into_owned();
    let uigu = uz.transpose() * inv_gram * u;
    let zwd = dwd.rows(first_z, dz).into_owned();
    let zwz = zwd.columns(first_z, dz) - uigu.columns(first_z, dz);
    let zwy = zwd.columns(0, first_z) - uigu.columns(0, first_z);
    (zwz, zwy)
}

/// γ = (Z'WZ)⁻¹ Z'WY, by Cholesky: rdrobust uses a pseudo-inverse after dropping
/// collinear columns; Evident refuses collinear covariates instead, and for a full-rank
/// block both give the same γ.
pub(crate) fn solve_gamma(zwz: &DMatrix<f64>, zwy: &DMatrix<f64>) -> Result<DMatrix<f64>, RdError> {
    let chol = zwz.clone().cholesky().ok_or(RdError::CollinearCovariates)?;
    Ok(chol.solve(zwy))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bisection finds the same window as scanning every weight.
    #[test]
    fn the_window_is_the_run_of_positive_weights() {
        let mut x: Vec<f64> = (0..400)
            .map(|i| ((i * 7919) % 401) as f64 / 100.0 - 2.0)
            .collect();
        x.extend([0.5, 0.5, -0.5, -0.5, 0.0, 0.0, 1.0, -1.0]);
        x.sort_by(f64::total_cmp);
        let side = Side {
            d: vec![0.0; x.len()],
            x,
            dd: 1,
            dt: 0,
            dz: 0,
            cluster: None,
        };
        for kernel in [Kernel::Triangular, Kernel::Epanechnikov, Kernel::Uniform] {
            for c in [0.0, 0.5, -2.5, 2.5, 0.013] {
                for h in [0.0, 1e-9, 0.01, 0.5, 1.0, 1.5, 3.0, 10.0, f64::NAN, -1.0] {
                    let positive = |v: &f64| kernel.weight(*v, c, h) > 0.0;
                    let scanned = match side.x.iter().position(positive) {
                        None => 0..0,
                        Some(lo) => lo..side.x.iter().rposition(positive).unwrap() + 1,
                    };
                    assert_eq!(side.window(c, h, kernel), scanned, "{kernel:?} c={c} h={h}");
                }
            }
        }
    }
}
