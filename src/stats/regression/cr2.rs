//! CR2 cluster-robust variance (Bell & McCaffrey 2002) with the Satterthwaite degrees
//! of freedom of Pustejovsky & Tipton (2018), computed without any n_g × n_g matrix.
//!
//! In: a least-squares fit and the clusters. Out: V̂_CR2 and one df per coefficient,
//! equal to `estimatr::lm_robust(se_type = "CR2")` and `clubSandwich::vcovCR(type =
//! "CR2")` with `coef_test(test = "Satterthwaite")` (working model Φ = I).
//!
//! # Formula
//! M = (XᵀWX)⁻¹; the residual maker of the weighted fit is I − H with H = XMXᵀW.
//! For cluster g let B_g = (I − H)_g· (I − H)_g·ᵀ (n_g × n_g) and A_g = B_g^(−½)
//! (a pseudo-inverse square root: eigenvalues of B_g below 1e-12 map to 0, as in
//! estimatr). Then
//!
//! V̂ = M (Σ_g X_gᵀW_gA_g e_g e_gᵀA_gW_gX_g) M.
//!
//! Unweighted, B_g = I − X_gMX_gᵀ. With M = LLᵀ (L = R⁻¹ from the QR of X) and the
//! k × k eigen-decomposition LᵀX_gᵀX_gL = VΛVᵀ (0 ≤ λ ≤ 1),
//! A_gX_g = X_g(I + LV diag(φ)VᵀLᵀG_g), G_g = X_gᵀX_g, φ = 1/(s(1 + s)), s = √(1 − λ),
//! which is ((1 − λ)^(−½) − 1)/λ written without cancellation. So each cluster needs
//! only G_g and X_gᵀe_g (one pass over the rows) and a k × k eigenproblem.
//!
//! Weighted, B_g = I − X_gMX_gᵀW_g − W_gX_gMX_gᵀ + X_gQX_gᵀ with Q = M XᵀW²X M, a
//! rank-≤2k update of I in the span of [X_g, W_gX_g]. The thin QR of
//! [X_g, W_gX_g, e_g] = U R gives B_g = I + U K Uᵀ with K = R₁₂ C R₁₂ᵀ,
//! C = [[Q, −M], [−M, 0]]; the eigen-decomposition of K (at most 2k+1 square) gives
//! A_g in that span, and every product needed is a block of R.
//!
//! Degrees of freedom for coefficient j (Pustejovsky & Tipton 2018, eq. 11, as coded
//! in estimatr): with u_g = A_gW_gX_gMe_j, a_g = X_gᵀA_gW_gX_gMe_j and
//! b_g = X_gᵀW_gA_gW_gX_gMe_j, the J × J matrix
//! P_gh = δ_gh‖u_g‖² + a_gᵀQa_h − a_gᵀMb_h − b_gᵀMa_h gives df = (tr P)² / Σ P_gh².
//! Σ P_gh² is summed through the 2k × 2k matrix Γ = Σ_g y_gy_gᵀ, y_g = (a_g, b_g):
//! Σ_gh (y_gᵀCy_h)² = tr((CΓ)²) (k × k unweighted, where b_g = a_g and Q = M).
//! Cost O(nk²) + O(Jk³); no n × n or n_g × n_g matrix, and memory independent of J
//! apart from the cluster Gram matrices of the one-pass route (capped at 128 MiB).
//!
//! # References
//! Bell, R. M. & McCaffrey, D. F. (2002). Bias reduction in standard errors for linear
//! regression with multi-stage samples. Survey Methodology 28(2), 169–181.
//! Pustejovsky, J. E. & Tipton, E. (2018). Small-sample methods for cluster-robust
//! variance estimation and hypothesis testing in fixed effects models. JBES 36(4),
//! 672–683. doi:10.1080/07350015.2016.1247004

use nalgebra::{DMatrix, DVector, SymmetricEigen};

use super::ols::OlsFit;
use super::variance::Variance;
use super::{Clusters, RegressionError};

/// Eigenvalues of B_g at or below this are treated as zero (estimatr's threshold).
const PSEUDO_INVERSE_TOL: f64 = 1e-12;

/// Cluster Gram matrices are accumulated in one sequential pass over the rows when
/// they fit in this many bytes (J·k²·8); otherwise each cluster's rows are gathered
/// in turn, so that memory never grows with J·k².
const GRAM_PASS_BYTES: usize = 128 << 20;

/// Streams the Satterthwaite df over clusters: for each coefficient j it keeps
/// tr P, Σ_g (α_g² + 2α_g R_gg) and Γ = Σ_g y_gy_gᵀ, so memory does not grow with J.
///
/// Per cluster it takes α_g (diag of M O_g M), A_g = F_g M (column j is a_g) and
/// B_g = N_g M (column j is b_g). Unweighted, b_g = a_g and Q = M, so
/// R_gh = −a_gᵀMa_h and Σ R_gh² = tr((MS)²) with S = Σ a_ga_gᵀ (k × k).
struct DfAccumulator {
    m: DMatrix<f64>,
    /// [[Q, −M], [−M, 0]]; `None` when unweighted.
    c: Option<DMatrix<f64>>,
    gamma: Vec<DMatrix<f64>>,
    trace: Vec<f64>,
    diag_sq: Vec<f64>,
}

impl DfAccumulator {
    fn new(m: &DMatrix<f64>, q: Option<&DMatrix<f64>>) -> DfAccumulator {
        let k = m.nrows();
        let c = q.map(|q| {
            let mut c = DMatrix::zeros(2 * k, 2 * k);
            c.view_mut((0, 0), (k, k)).copy_from(q);
            c.view_mut((0, k), (k, k)).copy_from(&(-m));
            c.view_mut((k, 0), (k, k)).copy_from(&(-m));
            c
        });
        let dim = if c.is_some() { 2 * k } else { k };
        DfAccumulator {
            m: m.clone(),
            c,
            gamma: vec![DMatrix::zeros(dim, dim); k],
            trace: vec![0.0; k],
            diag_sq: vec![0.0; k],
        }
    }

    fn add(&mut self, alpha: &DVector<f64>, a: &DMatrix<f64>, b: &DMatrix<f64>) {
        let k = self.m.nrows();
        for j in 0..k {
            let (r_gg, y) = match &self.c {
                Some(c) => {
                    let mut y = DVector::zeros(2 * k);
                    y.rows_mut(0, k).copy_from(&a.column(j));
                    y.rows_mut(k, k).copy_from(&b.column(j));
                    (y.dot(&(c * &y)), y)
                }
                None => {
                    let y = a.column(j).into_owned();
                    (-y.dot(&(&self.m * &y)), y)
                }
            };
            let alpha = alpha[j];
            self.trace[j] += alpha + r_gg;
            self.diag_sq[j] += alpha * alpha + 2.0 * alpha * r_gg;
            self.gamma[j].ger(1.0, &y, &y, 1.0);
        }
    }

    /// df_j = (tr P)² / Σ P_gh².
    fn finish(self) -> Vec<f64> {
        let weight = self.c.as_ref().unwrap_or(&self.m);
        self.gamma
            .iter()
            .zip(self.trace.iter().zip(&self.diag_sq))
            .map(|(gamma, (trace, diag_sq))| {
                let cg = weight * gamma;
                let cross = cg.component_mul(&cg.transpose()).sum();
                trace * trace / (diag_sq + cross)
            })
            .collect()
    }
}

/// Unweighted CR2 through k × k eigenproblems.
pub(crate) fn cr2_unweighted(
    fit: &OlsFit,
    clusters: &Clusters,
) -> Result<Variance, RegressionError> {
    cr2_unweighted_with(fit, clusters, GRAM_PASS_BYTES)
}

/// As [`cr2_unweighted`], with the memory cap of the one-pass Gram route given.
fn cr2_unweighted_with(
    fit: &OlsFit,
    clusters: &Clusters,
    gram_pass_bytes: usize,
) -> Result<Variance, RegressionError> {
    let k = fit.k();
    let j = clusters.count();
    let mut sums = Cr2Sums::new(&fit.r_inv, &fit.xtx_inv);
    let mut add_cluster = |gmat: DMatrix<f64>, cg: DVector<f64>| sums.add_cluster(gmat, cg);
    if j.saturating_mul(k * k).saturating_mul(8) <= gram_pass_bytes {
        let (gram, xte) = gram_pass(fit, clusters.ids(), j);
        for g in 0..j {
            add_cluster(gram_matrix(&gram[g * k * k..(g + 1) * k * k], k), {
                DVector::from_column_slice(&xte[g * k..(g + 1) * k])
            });
        }
    } else {
        for rows in clusters.members() {
            let (gram, xte) = gram_of_rows(fit, &rows);
            add_cluster(gram_matrix(&gram, k), DVector::from_vec(xte));
        }
    }
    Ok(sums.finish())
}

/// Unweighted CR2 from per-cluster sums, one cluster at a time: G_g = X_gᵀX_g and
/// X_gᵀe_g are all it needs (see the module docs), so it also serves a fit whose
/// rows are streamed in chunks (`super::streaming`).
pub(crate) struct Cr2Sums<'a> {
    l: &'a DMatrix<f64>,
    m: &'a DMatrix<f64>,
    meat: DMatrix<f64>,
    df: DfAccumulator,
}

impl<'a> Cr2Sums<'a> {
    /// `l` = R⁻¹ and `m` = (XᵀX)⁻¹ of the fit.
    pub(crate) fn new(l: &'a DMatrix<f64>, m: &'a DMatrix<f64>) -> Self {
        let k = m.nrows();
        Cr2Sums {
            l,
            m,
            meat: DMatrix::zeros(k, k),
            df: DfAccumulator::new(m, None),
        }
    }

    /// Adds cluster g from its Gram matrix `gmat` and score sum `cg` = X_gᵀe_g.
    pub(crate) fn add_cluster(&mut self, gmat: DMatrix<f64>, cg: DVector<f64>) {
        let (l, m) = (self.l, self.m);
        let k = m.nrows();
        let s = l.transpose() * &gmat * l;
        let eig = SymmetricEigen::new(s);
        let p = l * &eig.eigenvectors;
        let t = &gmat * &p;
        let mut phi = DVector::zeros(k);
        let mut psi = DVector::zeros(k);
        for (idx, &lambda) in eig.eigenvalues.iter().enumerate() {
            let lambda = lambda.clamp(0.0, 1.0);
            let b_eig = 1.0 - lambda;
            if b_eig <= PSEUDO_INVERSE_TOL {
                phi[idx] = -1.0 / lambda;
                psi[idx] = -1.0 / lambda;
            } else {
                let root = b_eig.sqrt();
                phi[idx] = 1.0 / (root * (1.0 + root));
                psi[idx] = 1.0 / b_eig;
            }
        }
        let t_phi = scale_columns(&t, &phi);
        let f = &gmat + &t_phi * t.transpose();
        let o = &gmat + scale_columns(&t, &psi) * t.transpose();
        let score = &cg + &t_phi * (p.transpose() * &cg);
        self.meat += &score * score.transpose();
        let mom = m * o * m;
        let a = f * m;
        self.df.add(&mom.diagonal(), &a, &a);
    }

    /// V̂ = M·meat·M and the Satterthwaite df.
    pub(crate) fn finish(self) -> Variance {
        Variance {
            vcov: self.m * self.meat * self.m,
            df: self.df.finish(),
        }
    }
}

/// Weighted CR2 through a thin QR of [X_g, W_gX_g, e_g] per cluster. `w` are the
/// weights normalised to mean 1, `x` the unweighted design.
pub(crate) fn cr2_weighted(
    fit: &OlsFit,
    x: &DMatrix<f64>,
    w: &[f64],
    clusters: &Clusters,
) -> Result<Variance, RegressionError> {
    let k = fit.k();
    let m = &fit.xtx_inv;
    // XᵀW²X = X̃ᵀWX̃.
    let mut wx = fit.xs.as_ref().clone();
    for mut col in wx.column_iter_mut() {
        for (v, wi) in col.iter_mut().zip(w) {
            *v *= wi.sqrt();
        }
    }
    let q = m * wx.tr_mul(&wx) * m;
    drop(wx);
    let mut c = DMatrix::zeros(2 * k, 2 * k);
    c.view_mut((0, 0), (k, k)).copy_from(&q);
    c.view_mut((0, k), (k, k)).copy_from(&(-m));
    c.view_mut((k, 0), (k, k)).copy_from(&(-m));
    let mut meat = DMatrix::zeros(k, k);
    let mut df = DfAccumulator::new(m, Some(&q));
    for rows in clusters.members() {
        let ng = rows.len();
        let z = DMatrix::from_fn(ng, 2 * k + 1, |r, col| {
            let i = rows[r];
            if col < k {
                x[(i, col)]
            } else if col < 2 * k {
                w[i] * x[(i, col - k)]
            } else {
                fit.residuals[i]
            }
        });
        let r = z.qr().r();
        let r12 = r.columns(0, 2 * k);
        let kmat = r12 * &c * r12.transpose();
        let eig = SymmetricEigen::new(kmat);
        let mut h = DVector::zeros(eig.eigenvalues.len());
        let mut h2 = DVector::zeros(eig.eigenvalues.len());
        for (idx, &mu) in eig.eigenvalues.iter().enumerate() {
            let b_eig = 1.0 + mu;
            if b_eig <= PSEUDO_INVERSE_TOL {
                h[idx] = -1.0;
                h2[idx] = -1.0;
            } else {
                h[idx] = 1.0 / b_eig.sqrt() - 1.0;
                h2[idx] = 1.0 / b_eig - 1.0;
            }
        }
        let vt = eig.eigenvectors.transpose();
        let r1 = r.columns(0, k);
        let r2 = r.columns(k, k);
        let re = r.column(2 * k);
        let y1 = &vt * r1;
        let y2 = &vt * r2;
        let ye = &vt * re;
        let y2h = scale_rows(&y2, &h);
        let r2tr2 = r2.transpose() * r2;
        let f = r1.transpose() * r2 + y1.transpose() * &y2h;
        let nmat = &r2tr2 + y2.transpose() * &y2h;
        let o = &r2tr2 + y2.transpose() * scale_rows(&y2, &h2);
        let score = r2.transpose() * re + y2h.transpose() * ye;
        meat += &score * score.transpose();
        let mom = m * o * m;
        df.add(&mom.diagonal(), &(f * m), &(nmat * m));
    }
    let vcov = m * meat * m;
    Ok(Variance {
        vcov,
        df: df.finish(),
    })
}

/// One sequential pass over the rows: per cluster the upper triangle of G_g = X_gᵀX_g
/// (row-major k × k blocks) and X_gᵀe_g.
fn gram_pass(fit: &OlsFit, ids: &[usize], j: usize) -> (Vec<f64>, Vec<f64>) {
    let n = fit.n();
    let k = fit.k();
    let kk = k * k;
    let xs = fit.xs.as_slice();
    let e = fit.scaled_residuals.as_slice();
    let mut gram = vec![0.0; j * kk];
    let mut xte = vec![0.0; j * k];
    let mut row = vec![0.0; k];
    for i in 0..n {
        for (a, r) in row.iter_mut().enumerate() {
            *r = xs[a * n + i];
        }
        let g = ids[i];
        accumulate_row(&mut gram[g * kk..(g + 1) * kk], &row);
        let ei = e[i];
        for (c, r) in xte[g * k..(g + 1) * k].iter_mut().zip(&row) {
            *c += r * ei;
        }
    }
    (gram, xte)
}

/// G_g (upper triangle, row-major) and X_gᵀe_g for the rows of one cluster.
fn gram_of_rows(fit: &OlsFit, rows: &[usize]) -> (Vec<f64>, Vec<f64>) {
    let n = fit.n();
    let k = fit.k();
    let xs = fit.xs.as_slice();
    let e = fit.scaled_residuals.as_slice();
    let mut gram = vec![0.0; k * k];
    let mut xte = vec![0.0; k];
    let mut row = vec![0.0; k];
    for &i in rows {
        for (a, r) in row.iter_mut().enumerate() {
            *r = xs[a * n + i];
        }
        accumulate_row(&mut gram, &row);
        for (c, r) in xte.iter_mut().zip(&row) {
            *c += r * e[i];
        }
    }
    (gram, xte)
}

/// Adds xxᵀ to the upper triangle of a row-major k × k block.
fn accumulate_row(gram: &mut [f64], x: &[f64]) {
    let k = x.len();
    for a in 0..k {
        let xa = x[a];
        let dst = &mut gram[a * k..(a + 1) * k];
        for b in a..k {
            dst[b] += xa * x[b];
        }
    }
}

/// The symmetric matrix from an upper triangle stored row-major.
fn gram_matrix(upper: &[f64], k: usize) -> DMatrix<f64> {
    DMatrix::from_fn(k, k, |r, c| {
        if r <= c {
            upper[r * k + c]
        } else {
            upper[c * k + r]
        }
    })
}

/// t · diag(v).
fn scale_columns(t: &DMatrix<f64>, v: &DVector<f64>) -> DMatrix<f64> {
    let mut out = t.clone();
    for (mut col, s) in out.column_iter_mut().zip(v.iter()) {
        col *= *s;
    }
    out
}

/// diag(v) · t.
fn scale_rows(t: &DMatrix<f64>, v: &DVector<f64>) -> DMatrix<f64> {
    let mut out = t.clone();
    for (mut row, s) in out.row_iter_mut().zip(v.iter()) {
        row *= *s;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::prec::assert_close;
    use crate::stats::regression::{Design, ols::fit_ols};

    /// The k × k eigen route (unweighted) and the QR route (weighted, all weights 1)
    /// are two derivations of the same estimator: they must agree.
    #[test]
    fn unweighted_and_weighted_routes_agree_at_unit_weights() {
        let n = 40;
        let x = DMatrix::from_fn(n, 3, |i, j| match j {
            0 => 1.0,
            1 => ((i * 7 + 3) % 11) as f64 / 3.0,
            _ => ((i * i + 5) % 13) as f64 - 6.0,
        });
        let y: Vec<f64> = (0..n)
            .map(|i| ((i * 37 + 11) % 17) as f64 / 4.0 + (i % 3) as f64)
            .collect();
        let labels: Vec<usize> = (0..n).map(|i| if i < 3 { 0 } else { 1 + i % 7 }).collect();
        let clusters = Clusters::from_labels(&labels);
        let design =
            Design::from_matrix(vec!["a".into(), "b".into(), "c".into()], x.clone()).unwrap();
        let fit = fit_ols(&design, &y, None).unwrap();
        let fast = cr2_unweighted(&fit, &clusters).unwrap();
        let gathered = cr2_unweighted_with(&fit, &clusters, 0).unwrap();
        let slow = cr2_weighted(&fit, &x, &vec![1.0; n], &clusters).unwrap();
        for a in 0..3 {
            assert_close(fast.df[a], slow.df[a], 1e-11, "df");
            assert_close(gathered.df[a], fast.df[a], 1e-13, "df, gathered rows");
            for b in 0..3 {
                assert_close(
                    gathered.vcov[(a, b)],
                    fast.vcov[(a, b)],
                    1e-13,
                    "vcov, gathered rows",
                );
            }
            for b in 0..3 {
                assert_close(fast.vcov[(a, b)], slow.vcov[(a, b)], 1e-11, "vcov");
            }
        }
    }

    /// With every row its own cluster, A_g = (1 − h_ii)^(−½) and unweighted CR2 is HC2
    /// (Bell & McCaffrey 2002): a check of both routes against an independent formula.
    /// (Weighted CR2 uses the working model Φ = I of estimatr and clubSandwich, so with
    /// weights it is not weighted HC2; the fixtures cover that case.)
    #[test]
    fn singleton_clusters_reduce_cr2_to_hc2() {
        use crate::stats::regression::variance::{SeType, variance};
        let n = 30;
        let x = DMatrix::from_fn(n, 3, |i, j| match j {
            0 => 1.0,
            1 => ((i * 5 + 1) % 9) as f64 - 4.0,
            _ => ((i * i) % 7) as f64 / 2.0,
        });
        let y: Vec<f64> = (0..n)
            .map(|i| ((i * 13 + 7) % 11) as f64 - (i % 4) as f64)
            .collect();
        let singletons = Clusters::from_labels(&(0..n).collect::<Vec<_>>());
        let design =
            Design::from_matrix(vec!["a".into(), "b".into(), "c".into()], x.clone()).unwrap();
        let fit = fit_ols(&design, &y, None).unwrap();
        let hc2 = variance(&fit, &x, SeType::HC2, None).unwrap();
        let fast = variance(&fit, &x, SeType::CR2, Some(&singletons)).unwrap();
        let qr_route = cr2_weighted(&fit, &x, &vec![1.0; n], &singletons).unwrap();
        for a in 0..3 {
            for b in 0..3 {
                assert_close(fast.vcov[(a, b)], hc2.vcov[(a, b)], 1e-11, "CR2 = HC2");
                assert_close(qr_route.vcov[(a, b)], hc2.vcov[(a, b)], 1e-11, "CR2 = HC2");
            }
        }
    }
}
