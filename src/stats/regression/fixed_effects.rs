//! Least squares with absorbed fixed effects: Evident's
//! `estimatr::lm_robust(y ~ x, fixed_effects = ~ a + b, clusters = , se_type = )`.
//!
//! In: a [`Design`] of the covariates (no intercept: the fixed effects absorb it), the
//! outcome, one or more factors to absorb and [`FixedEffectsOptions`]. Out: a
//! [`FixedEffectsFit`] whose coefficients, standard errors, degrees of freedom and
//! covariance equal those of the same regression with one dummy per level, which is
//! what estimatr 1.0.0 reports (tests/reference/did/fixed_effects.R checks it).
//!
//! # How the factors are absorbed
//! One factor P (the *primary*: the one with most levels, or for CR2 the one with most
//! levels among those nested within the clusters) is swept out exactly by group means.
//! The dummies Z of every other factor (L columns in all, at most
//! [`MAX_SECONDARY_LEVELS`]) are demeaned within P, Ž = M_P Z, and projected out
//! exactly with S⁺ = (ŽᵀŽ)⁺, so that for any column v
//! v̈ = M_P v − M_P Z S⁺ Zᵀ M_P v: no alternating projections and no tolerance. The
//! projection onto all the dummies is P_D = P_P + Ž S⁺ Žᵀ, and the rank of the dummies
//! (`fe_rank`, counted in K as estimatr does) is levels(P) + rank(S).
//!
//! # Variance
//! X̃ is the demeaned design, e its residuals (the full model's residuals, by
//! Frisch–Waugh–Lovell), M = (X̃ᵀX̃)⁻¹, K = k + fe_rank.
//!
//! - classical: Σe²/(n − K) · M; df n − K.
//! - HC0, HC1 (× n/(n − K)), HC2, HC3: as [`super::variance`], with the leverage of
//!   the full model hᵢ = (P_D)ᵢᵢ + x̃ᵢᵀMx̃ᵢ. Leverage from the demeaned design alone
//!   (fixest's bug #563) understates it by (P_D)ᵢᵢ, about 1/T per row of a panel.
//! - CR0, CR1 (estimatr's `stata`: × J/(J − 1) · (n − 1)/(n − K)); df J − 1.
//! - CR2 (Bell–McCaffrey) with the full model's B_g = I − (P_D)_gg − X̃_gMX̃_gᵀ and its
//!   pseudo-inverse square root, and the Pustejovsky–Tipton Satterthwaite df with
//!   P_gh = δ_gh(‖w_g‖² − w_gᵀ(P_P)_gg w_g) − d_gᵀS⁺d_h − a_gᵀMa_h, w_g = A_gX̃_gMe_j,
//!   d_g = Ž_gᵀw_g, a_g = X̃_gᵀw_g (the primary factor is nested in the clusters, so
//!   (P_P)_gh = 0 off the diagonal; when no factor is nested, every factor is
//!   projected through S⁺). CR2 forms the n_g × n_g matrix B_g of each cluster, so
//!   clusters are limited to [`MAX_CR2_CLUSTER_ROWS`] rows (use `stata` beyond).
//!   C_g = I − (P_D)_gg depends only on the cluster's shape (its rows' levels), so it
//!   is built once per shape; when it is a multiple of a projector — every unit of a
//!   balanced panel clustered by unit, C_g = (1 − 1/N)(I − J/T) — B_g^{+1/2} follows
//!   from a thin QR of X̃_g and a k × k eigendecomposition (`LowRankRoot`) instead of
//!   an n_g × n_g one; other clusters take the eigendecomposition.
//!
//! Clusters are processed in a fixed number of chunks on the rayon pool and the
//! chunks summed in order, so the result does not depend on the number of threads.
//!
//! # References
//! Frisch & Waugh (1933); Lovell (1963); Bell & McCaffrey (2002); Pustejovsky &
//! Tipton (2018), JBES 36(4):672–683; estimatr 1.0.0 `lm_robust(fixed_effects = )`.

use nalgebra::{DMatrix, DVector, SymmetricEigen};
use rayon::prelude::*;
use serde::Serialize;

use super::lm_robust::{Coefficient, check_conf_level, checked_estimate};
use super::ols::fit_ols;
use super::{Clusters, Design, RegressionError, SeType};
use crate::stats::estimate::Alternative;

/// Most dummy columns the non-primary factors may have together (S is L × L).
pub const MAX_SECONDARY_LEVELS: usize = 2000;
/// Most rows a cluster may have for CR2 with absorbed fixed effects.
pub const MAX_CR2_CLUSTER_ROWS: usize = 2000;
/// Relative eigenvalue threshold for the pseudo-inverses (of S, and of B_g as in
/// estimatr, which zeroes eigenvalues below 1e-12).
const PSEUDO_INVERSE_TOL: f64 = 1e-12;
/// Clusters are split into this many chunks for the parallel CR2 pass.
const CHUNKS: usize = 64;

/// Options of [`lm_robust_fe`].
#[derive(Debug, Clone, Copy)]
pub struct FixedEffectsOptions<'a> {
    /// `None` = HC2, or CR2 with clusters (estimatr's defaults).
    pub se_type: Option<SeType>,
    pub clusters: Option<&'a Clusters>,
    pub conf_level: f64,
    pub alternative: Alternative,
}

impl Default for FixedEffectsOptions<'_> {
    fn default() -> Self {
        FixedEffectsOptions {
            se_type: None,
            clusters: None,
            conf_level: 0.95,
            alternative: Alternative::TwoSided,
        }
    }
}

/// One absorbed factor: its name and each row's level.
#[derive(Debug, Clone, Copy)]
pub struct AbsorbedFactor<'a> {
    pub name: &'a str,
    pub levels: &'a Clusters,
}

/// A factor as the fit reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AbsorbedSummary {
    pub name: String,
    pub levels: usize,
}

/// A least-squares fit with absorbed fixed effects and robust inference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FixedEffectsFit {
    pub coefficients: Vec<Coefficient>,
    pub se_type: SeType,
    pub nobs: usize,
    pub nclusters: Option<usize>,
    pub fixed_effects: Vec<AbsorbedSummary>,
    /// Rank of the fixed-effect dummies, counted in K.
    pub fe_rank: usize,
    /// n − k − fe_rank.
    pub df_residual: f64,
    /// √(Σe²/(n − K)).
    pub sigma: f64,
    /// Coefficient covariance, row-major in the order of `coefficients`.
    pub vcov: Vec<Vec<f64>>,
    /// Residuals of the full model, one per row.
    #[serde(skip)]
    pub residuals: Vec<f64>,
}

impl FixedEffectsFit {
    /// The coefficient named `term`, if any.
    pub fn coefficient(&self, term: &str) -> Option<&crate::stats::estimate::Estimate> {
        self.coefficients
            .iter()
            .find(|c| c.term == term)
            .map(|c| &c.estimate)
    }
}

impl std::fmt::Display for FixedEffectsFit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "Standard error type:  {}", self.se_type)?;
        let absorbed: Vec<String> = self
            .fixed_effects
            .iter()
            .map(|a| format!("{} ({} levels)", a.name, a.levels))
            .collect();
        writeln!(f, "Fixed effects absorbed: {}", absorbed.join(", "))?;
        writeln!(f)?;
        super::lm_robust::write_coefficients_and_residuals(
            f,
            &self.coefficients,
            self.nobs,
            self.nclusters,
            self.df_residual,
            self.sigma,
        )
    }
}

/// The absorbed factors in the form the projections need.
struct Absorber {
    /// Primary factor: each row's group, and group sizes.
    primary: Option<(Vec<usize>, Vec<f64>)>,
    /// For every row, its column in Z for each secondary factor (row-major, `per_row`
    /// entries per row).
    secondary: Vec<usize>,
    per_row: usize,
    l: usize,
    s_pinv: DMatrix<f64>,
    rank: usize,
}

impl Absorber {
    fn new(
        factors: &[AbsorbedFactor],
        primary: Option<usize>,
        n: usize,
    ) -> Result<Absorber, RegressionError> {
        let mut offsets = Vec::new();
        let mut l = 0;
        for (i, f) in factors.iter().enumerate() {
            if Some(i) != primary {
                offsets.push((i, l));
                l += f.levels.count();
            }
        }
        if l > MAX_SECONDARY_LEVELS {
            return Err(RegressionError::Unsupported(
                "the fixed effects other than the largest have more than 2000 levels together; absorb at most one factor with many levels",
            ));
        }
        let per_row = offsets.len();
        let mut secondary = vec![0usize; n * per_row];
        for (slot, &(i, off)) in offsets.iter().enumerate() {
            for (row, &id) in factors[i].levels.ids().iter().enumerate() {
                secondary[row * per_row + slot] = off + id;
            }
        }
        let primary = primary.map(|p| {
            let ids = factors[p].levels.ids().to_vec();
            let mut sizes = vec![0.0; factors[p].levels.count()];
            for &g in &ids {
                sizes[g] += 1.0;
            }
            (ids, sizes)
        });
        // S = ZᵀZ − Σ_g c_g c_gᵀ / n_g.
        let mut s = DMatrix::<f64>::zeros(l, l);
        for row in 0..n {
            let cols = &secondary[row * per_row..(row + 1) * per_row];
            for &a in cols {
                for &b in cols {
                    s[(a, b)] += 1.0;
                }
            }
        }
        if let Some((ids, sizes)) = &primary {
            let mut members = vec![Vec::new(); sizes.len()];
            for (row, &g) in ids.iter().enumerate() {
                members[g].push(row);
            }
            let mut counts = vec![0.0; l];
            let mut touched = Vec::new();
            for (g, rows) in members.iter().enumerate() {
                for &row in rows {
                    for &a in &secondary[row * per_row..(row + 1) * per_row] {
                        if counts[a] == 0.0 {
                            touched.push(a);
                        }
                        counts[a] += 1.0;
                    }
                }
                for &a in &touched {
                    for &b in &touched {
                        s[(a, b)] -= counts[a] * counts[b] / sizes[g];
                    }
                }
                for &a in &touched {
                    counts[a] = 0.0;
                }
                touched.clear();
            }
        }
        let (s_pinv, s_rank) = pseudo_inverse(&s);
        let rank = primary.as_ref().map_or(0, |(_, sizes)| sizes.len()) + s_rank;
        Ok(Absorber {
            primary,
            secondary,
            per_row,
            l,
            s_pinv,
            rank,
        })
    }

    fn cols(&self, row: usize) -> &[usize] {
        &self.secondary[row * self.per_row..(row + 1) * self.per_row]
    }

    fn demean_primary(&self, v: &mut [f64]) {
        if let Some((ids, sizes)) = &self.primary {
            let mut sums = vec![0.0; sizes.len()];
            for (x, &g) in v.iter().zip(ids) {
                sums[g] += x;
            }
            for (s, n) in sums.iter_mut().zip(sizes) {
                *s /= n;
            }
            for (x, &g) in v.iter_mut().zip(ids) {
                *x -= sums[g];
            }
        }
    }

    /// v ↦ M_D v.
    fn sweep(&self, v: &mut [f64]) {
        self.demean_primary(v);
        if self.l == 0 {
            return;
        }
        let mut r = DVector::<f64>::zeros(self.l);
        for (row, x) in v.iter().enumerate() {
            for &a in self.cols(row) {
                r[a] += x;
            }
        }
        let c = &self.s_pinv * r;
        let mut t: Vec<f64> = (0..v.len())
            .map(|row| self.cols(row).iter().map(|&a| c[a]).sum())
            .collect();
        self.demean_primary(&mut t);
        for (x, ti) in v.iter_mut().zip(&t) {
            *x -= ti;
        }
    }

    /// Ž for the given rows (n_g × L), with the primary-group means taken over these
    /// rows (which hold whole primary groups).
    fn z_check(&self, rows: &[usize]) -> DMatrix<f64> {
        let mut z = DMatrix::zeros(rows.len(), self.l);
        for (r, &row) in rows.iter().enumerate() {
            for &a in self.cols(row) {
                z[(r, a)] += 1.0;
            }
        }
        if let Some((ids, sizes)) = &self.primary {
            let mut groups: Vec<usize> = rows.iter().map(|&row| ids[row]).collect();
            groups.sort_unstable();
            groups.dedup();
            for g in groups {
                let local: Vec<usize> = (0..rows.len()).filter(|&r| ids[rows[r]] == g).collect();
                for a in 0..self.l {
                    let mean = local.iter().map(|&r| z[(r, a)]).sum::<f64>() / sizes[g];
                    if mean != 0.0 {
                        for &r in &local {
                            z[(r, a)] -= mean;
                        }
                    }
                }
            }
        }
        z
    }

    /// (P_P)_gg for the given rows.
    fn primary_block(&self, rows: &[usize]) -> DMatrix<f64> {
        let n = rows.len();
        match &self.primary {
            None => DMatrix::zeros(n, n),
            Some((ids, sizes)) => DMatrix::from_fn(n, n, |a, b| {
                let g = ids[rows[a]];
                if g == ids[rows[b]] {
                    1.0 / sizes[g]
                } else {
                    0.0
                }
            }),
        }
    }
}

/// Pseudo-inverse of a symmetric positive semi-definite matrix, and its rank.
fn pseudo_inverse(s: &DMatrix<f64>) -> (DMatrix<f64>, usize) {
    let l = s.nrows();
    if l == 0 {
        return (DMatrix::zeros(0, 0), 0);
    }
    let eig = SymmetricEigen::new(s.clone());
    let top = eig.eigenvalues.iter().cloned().fold(0.0, f64::max);
    let cut = top * 1e-10;
    let mut rank = 0;
    let inv: Vec<f64> = eig
        .eigenvalues
        .iter()
        .map(|&v| {
            if v > cut {
                rank += 1;
                1.0 / v
            } else {
                0.0
            }
        })
        .collect();
    let v = &eig.eigenvectors;
    let scaled = DMatrix::from_fn(l, l, |r, c| v[(r, c)] * inv[c]);
    (scaled * v.transpose(), rank)
}

/// Whether every level of `factor` lies within one cluster.
fn nested_in(factor: &Clusters, clusters: &Clusters) -> bool {
    let mut home = vec![usize::MAX; factor.count()];
    for (&f, &c) in factor.ids().iter().zip(clusters.ids()) {
        if home[f] == usize::MAX {
            home[f] = c;
        } else if home[f] != c {
            return false;
        }
    }
    true
}

/// Fits `y ~ X + fixed effects` by least squares with the fixed effects absorbed.
///
/// # Errors
/// No factor, lengths, non-finite values, a covariate constant within the fixed
/// effects (absorbed), n ≤ K, collinear columns, CR2 clusters over
/// [`MAX_CR2_CLUSTER_ROWS`] rows, and the errors of [`super::lm_robust`].
pub fn lm_robust_fe(
    design: &Design,
    y: &[f64],
    factors: &[AbsorbedFactor],
    options: &FixedEffectsOptions,
) -> Result<FixedEffectsFit, RegressionError> {
    check_conf_level(options.conf_level)?;
    let n = y.len();
    let k = design.ncols();
    if factors.is_empty() {
        return Err(RegressionError::Unsupported(
            "no fixed effects to absorb: use lm_robust",
        ));
    }
    if n == 0 {
        return Err(RegressionError::Empty);
    }
    if design.nrows() != n {
        return Err(RegressionError::LengthMismatch {
            column: "the design".into(),
            expected: n,
            found: design.nrows(),
        });
    }
    for f in factors {
        if f.levels.len() != n {
            return Err(RegressionError::LengthMismatch {
                column: f.name.into(),
                expected: n,
                found: f.levels.len(),
            });
        }
    }
    if let Some(row) = y.iter().position(|v| !v.is_finite()) {
        return Err(RegressionError::NonFinite {
            column: "the outcome".into(),
            row,
            value: y[row],
        });
    }
    for (j, col) in design.x.column_iter().enumerate() {
        if let Some(row) = col.iter().position(|v| !v.is_finite()) {
            return Err(RegressionError::NonFinite {
                column: design.names[j].clone(),
                row,
                value: col[row],
            });
        }
    }
    let se_type = options.se_type.unwrap_or(if options.clusters.is_some() {
        SeType::CR2
    } else {
        SeType::HC2
    });
    super::variance::check_clusters(se_type, options.clusters, n)?;
    let largest = |candidates: &mut dyn Iterator<Item = usize>| {
        candidates.max_by_key(|&i| (factors[i].levels.count(), usize::MAX - i))
    };
    let primary = match (se_type, options.clusters) {
        (SeType::CR2, Some(c)) => {
            largest(&mut (0..factors.len()).filter(|&i| nested_in(factors[i].levels, c)))
        }
        _ => largest(&mut (0..factors.len())),
    };
    let absorber = Absorber::new(factors, primary, n)?;
    let fe_rank = absorber.rank;
    let mut ys = y.to_vec();
    absorber.sweep(&mut ys);
    let mut x = design.x.clone();
    let mut absorbed = Vec::new();
    for (j, mut col) in x.column_iter_mut().enumerate() {
        let before = col.norm();
        absorber.sweep(col.as_mut_slice());
        if col.norm() <= 1e-9 * before.max(f64::MIN_POSITIVE) {
            absorbed.push(format!(
                "{} (constant within the fixed effects)",
                design.names[j]
            ));
        }
    }
    if !absorbed.is_empty() {
        return Err(RegressionError::Collinear { columns: absorbed });
    }
    let big_k = k + fe_rank;
    if n <= big_k {
        return Err(RegressionError::TooFewObservations { n, k: big_k });
    }
    let demeaned = Design {
        names: design.names.clone(),
        x,
    };
    let fit = fit_ols(&demeaned, &ys, None)?;
    let (nf, kf) = (n as f64, big_k as f64);
    let e = fit.residuals.as_slice();
    let ssr: f64 = e.iter().map(|v| v * v).sum();
    let m = &fit.xtx_inv;
    let xs = fit.xs.as_ref();
    let (vcov, df) = match se_type {
        SeType::Classical => (m * (ssr / (nf - kf)), vec![nf - kf; k]),
        SeType::HC0 | SeType::HC1 | SeType::HC2 | SeType::HC3 => {
            let leverage = full_leverage(&absorber, xs, m);
            let mut meat = DMatrix::<f64>::zeros(k, k);
            for i in 0..n {
                let mut omega = e[i] * e[i];
                if matches!(se_type, SeType::HC2 | SeType::HC3) {
                    let one_minus = 1.0 - leverage[i];
                    if one_minus <= 1e-12 {
                        return Err(RegressionError::LeverageOne {
                            row: i,
                            se_type: se_type.to_string(),
                        });
                    }
                    omega /= if se_type == SeType::HC2 {
                        one_minus
                    } else {
                        one_minus * one_minus
                    };
                }
                for a in 0..k {
                    for b in 0..k {
                        meat[(a, b)] += omega * xs[(i, a)] * xs[(i, b)];
                    }
                }
            }
            let mut v = m * meat * m;
            if se_type == SeType::HC1 {
                v *= nf / (nf - kf);
            }
            (v, vec![nf - kf; k])
        }
        SeType::CR0 | SeType::CR1 => {
            let c = options.clusters.expect("checked above");
            let j = c.count();
            let mut scores = DMatrix::<f64>::zeros(j, k);
            for (i, &g) in c.ids().iter().enumerate() {
                for a in 0..k {
                    scores[(g, a)] += xs[(i, a)] * e[i];
                }
            }
            let mut v = m * scores.tr_mul(&scores) * m;
            let jf = j as f64;
            if se_type == SeType::CR1 {
                v *= jf * (nf - 1.0) / ((jf - 1.0) * (nf - kf));
            }
            (v, vec![jf - 1.0; k])
        }
        SeType::CR2 => {
            let c = options.clusters.expect("checked above");
            cr2_absorbed(&absorber, xs, e, m, c)?
        }
    };
    let coefficients = (0..k)
        .map(|j| {
            Ok(Coefficient {
                term: design.names[j].clone(),
                estimate: checked_estimate(
                    &design.names[j],
                    fit.coef[j],
                    vcov[(j, j)],
                    df[j],
                    options.conf_level,
                    options.alternative,
                )?,
            })
        })
        .collect::<Result<Vec<_>, RegressionError>>()?;
    Ok(FixedEffectsFit {
        coefficients,
        se_type,
        nobs: n,
        nclusters: options
            .clusters
            .filter(|_| se_type.is_clustered())
            .map(Clusters::count),
        fixed_effects: factors
            .iter()
            .map(|f| AbsorbedSummary {
                name: f.name.to_string(),
                levels: f.levels.count(),
            })
            .collect(),
        fe_rank,
        df_residual: nf - kf,
        sigma: (ssr / (nf - kf)).sqrt(),
        vcov: (0..k)
            .map(|r| (0..k).map(|c| vcov[(r, c)]).collect())
            .collect(),
        residuals: e.to_vec(),
    })
}

/// hᵢ = (P_D)ᵢᵢ + x̃ᵢᵀMx̃ᵢ for every row.
fn full_leverage(absorber: &Absorber, xs: &DMatrix<f64>, m: &DMatrix<f64>) -> Vec<f64> {
    let n = xs.nrows();
    let k = xs.ncols();
    let mut h: Vec<f64> = (0..n)
        .map(|i| {
            let mut q = 0.0;
            for a in 0..k {
                for b in 0..k {
                    q += xs[(i, a)] * m[(a, b)] * xs[(i, b)];
                }
            }
            q
        })
        .collect();
    let sp = &absorber.s_pinv;
    let quad_z = |cols: &[usize]| -> f64 {
        cols.iter()
            .map(|&a| cols.iter().map(|&b| sp[(a, b)]).sum::<f64>())
            .sum()
    };
    match &absorber.primary {
        None => {
            for (i, hi) in h.iter_mut().enumerate() {
                *hi += quad_z(absorber.cols(i));
            }
        }
        Some((ids, sizes)) => {
            let mut members = vec![Vec::new(); sizes.len()];
            for (row, &g) in ids.iter().enumerate() {
                members[g].push(row);
            }
            for (g, rows) in members.iter().enumerate() {
                // ž_i S⁺ ž_i = z_iS⁺z_i − 2 z_iᵀu_g + z̄_gᵀu_g, u_g = S⁺z̄_g.
                let mut zbar = DVector::<f64>::zeros(absorber.l);
                for &row in rows {
                    for &a in absorber.cols(row) {
                        zbar[a] += 1.0 / sizes[g];
                    }
                }
                let u = sp * &zbar;
                let q = zbar.dot(&u);
                for &row in rows {
                    let cols = absorber.cols(row);
                    let cross: f64 = cols.iter().map(|&a| u[a]).sum();
                    h[row] += 1.0 / sizes[g] + quad_z(cols) - 2.0 * cross + q;
                }
            }
        }
    }
    h
}

/// Per-chunk sums of the CR2 pass.
struct Cr2Part {
    meat: DMatrix<f64>,
    trace: Vec<f64>,
    diag_sq: Vec<f64>,
    gamma: Vec<DMatrix<f64>>,
}

/// CR2 with the full model's B_g (see the module docs): V̂ and the Satterthwaite df.
fn cr2_absorbed(
    absorber: &Absorber,
    xs: &DMatrix<f64>,
    e: &[f64],
    m: &DMatrix<f64>,
    clusters: &Clusters,
) -> Result<(DMatrix<f64>, Vec<f64>), RegressionError> {
    let k = xs.ncols();
    let l = absorber.l;
    let members = clusters.members();
    if let Some((g, rows)) = members
        .iter()
        .enumerate()
        .find(|(_, r)| r.len() > MAX_CR2_CLUSTER_ROWS)
    {
        let _ = (g, rows);
        return Err(RegressionError::Unsupported(
            "CR2 with absorbed fixed effects needs clusters of at most 2000 rows; use se_type stata (CR1) for larger clusters",
        ));
    }
    let dim = l + k;
    // C = blockdiag(S⁺, M).
    let mut c = DMatrix::<f64>::zeros(dim, dim);
    c.view_mut((0, 0), (l, l)).copy_from(&absorber.s_pinv);
    c.view_mut((l, l), (k, k)).copy_from(m);
    let empty = || Cr2Part {
        meat: DMatrix::zeros(k, k),
        trace: vec![0.0; k],
        diag_sq: vec![0.0; k],
        gamma: vec![DMatrix::zeros(dim, dim); k],
    };
    let chunk = members.len().div_ceil(CHUNKS).max(1);
    let parts: Vec<Result<Cr2Part, RegressionError>> = members
        .par_chunks(chunk)
        .map(|group| {
            let mut part = empty();
            let mut shapes = ClusterShapes::default();
            for rows in group {
                let shape = shapes.of(absorber, rows);
                add_cluster(absorber, xs, e, m, &c, rows, shape, &mut part);
            }
            Ok(part)
        })
        .collect();
    let mut total = empty();
    for part in parts {
        let part = part?;
        total.meat += part.meat;
        for j in 0..k {
            total.trace[j] += part.trace[j];
            total.diag_sq[j] += part.diag_sq[j];
            total.gamma[j] += &part.gamma[j];
        }
    }
    let vcov = m * &total.meat * m;
    let df = (0..k)
        .map(|j| {
            let cg = &c * &total.gamma[j];
            let cross = cg.component_mul(&cg.transpose()).sum();
            total.trace[j] * total.trace[j] / (total.diag_sq[j] + cross)
        })
        .collect();
    Ok((vcov, df))
}

/// What B_g needs besides the covariates, shared by every cluster whose rows have the
/// same secondary levels in the same order and the same primary groups (every unit
/// of a balanced panel clustered by unit): C_g = I − (P_D)_gg, Ž_g and (P_P)_gg, and
/// whether C_g = a·Π for a projector Π (a balanced panel clustered by unit:
/// a = 1 − 1/N), tested as C_g² = a·C_g.
struct ClusterShape {
    zg: DMatrix<f64>,
    pp: DMatrix<f64>,
    /// I − (P_P)_gg − Ž_g S⁺ Ž_gᵀ.
    complement: DMatrix<f64>,
    projector_scale: Option<f64>,
}

/// The shapes met so far in one chunk of clusters, by key (the rows' secondary
/// columns and their primary group in order of first appearance, which with whole
/// primary groups inside a cluster fixes the group sizes too).
#[derive(Default)]
struct ClusterShapes {
    seen: std::collections::HashMap<Vec<usize>, std::rc::Rc<ClusterShape>>,
}

/// Shapes kept per chunk: an unbalanced panel may have a new shape in every cluster,
/// and the cache must not grow with them.
const MAX_SHAPES: usize = 1024;

impl ClusterShapes {
    fn of(&mut self, absorber: &Absorber, rows: &[usize]) -> std::rc::Rc<ClusterShape> {
        let mut key = Vec::with_capacity(rows.len() * (absorber.per_row + 1));
        let mut local: Vec<usize> = Vec::new();
        for &row in rows {
            key.extend_from_slice(absorber.cols(row));
            let group = absorber.primary.as_ref().map_or(0, |(ids, _)| ids[row]);
            let position = local.iter().position(|&g| g == group).unwrap_or_else(|| {
                local.push(group);
                local.len() - 1
            });
            key.push(position);
        }
        if self.seen.len() >= MAX_SHAPES && !self.seen.contains_key(&key) {
            self.seen.clear();
        }
        self.seen
            .entry(key)
            .or_insert_with(|| std::rc::Rc::new(ClusterShape::new(absorber, rows)))
            .clone()
    }
}

impl ClusterShape {
    fn new(absorber: &Absorber, rows: &[usize]) -> ClusterShape {
        let ng = rows.len();
        let zg = absorber.z_check(rows);
        let pp = absorber.primary_block(rows);
        let mut complement = -&pp;
        if absorber.l > 0 {
            complement -= &zg * &absorber.s_pinv * zg.transpose();
        }
        for d in 0..ng {
            complement[(d, d)] += 1.0;
        }
        let square = &complement * &complement;
        let trace = complement.trace();
        let a = square.trace() / trace;
        let projector_scale = (trace > 0.0
            && a > 0.0
            && (&square - &complement * a).norm() <= SCALED_PROJECTOR_TOL * square.norm())
        .then_some(a);
        ClusterShape {
            zg,
            pp,
            complement,
            projector_scale,
        }
    }
}

/// How far C_g² may be from a·C_g, relative to ‖C_g²‖, for C_g to count as a scaled
/// projector.
const SCALED_PROJECTOR_TOL: f64 = 1e-12;

/// A_g = B_g^{+1/2}, where B_g = C_g − X_g M X_gᵀ with C_g = a·Π and the columns of X_g
/// in Π's range: with X_g = QR (thin QR) and R M Rᵀ = W diag(μ) Wᵀ,
/// B_g = a(Π − QQᵀ) + QW diag(a − μ) WᵀQᵀ, two pieces on orthogonal subspaces, so
/// A_g = a^{−1/2}(Π − QQᵀ) + QW diag((a − μ)^{−1/2}) WᵀQᵀ (pseudo-inverse roots: an
/// eigenvalue at or below the tolerance gives 0, as in the general path). O(n_g k²)
/// per cluster besides one product with C_g, instead of an n_g × n_g
/// eigendecomposition.
struct LowRankRoot<'a> {
    complement: &'a DMatrix<f64>,
    a: f64,
    q: DMatrix<f64>,
    /// Q W diag(f) Wᵀ (n_g × k).
    qwf: DMatrix<f64>,
    /// A_g X_g = Q W diag(f) Wᵀ R.
    ax: DMatrix<f64>,
}

impl<'a> LowRankRoot<'a> {
    fn new(
        complement: &'a DMatrix<f64>,
        a: f64,
        xg: &DMatrix<f64>,
        m: &DMatrix<f64>,
    ) -> Option<LowRankRoot<'a>> {
        let k = xg.ncols();
        let scale = xg.norm();
        // The covariates must lie in Π's range (they are demeaned by both factors).
        let inside = complement * xg / a;
        if scale == 0.0 || (xg - &inside).norm() > 1e-10 * scale {
            return None;
        }
        let qr = xg.clone().qr();
        let r = qr.r();
        let smallest = (0..k)
            .map(|d| r[(d, d)].abs())
            .fold(f64::INFINITY, f64::min);
        if smallest <= 1e-10 * scale {
            return None;
        }
        let q = qr.q();
        let e = &r * m * r.transpose();
        let eig = SymmetricEigen::new((&e + e.transpose()) * 0.5);
        let w = &eig.eigenvectors;
        let f = DMatrix::from_diagonal(&eig.eigenvalues.map(|mu| pseudo_root(a - mu)));
        let qwf = &q * w * &f * w.transpose();
        let ax = &qwf * &r;
        Some(LowRankRoot {
            complement,
            a,
            q,
            qwf,
            ax,
        })
    }

    fn apply(&self, v: &DVector<f64>) -> DVector<f64> {
        let on_range = self.complement * v / self.a;
        let qtv = self.q.transpose() * v;
        (on_range - &self.q * &qtv) * pseudo_root(self.a) + &self.qwf * qtv
    }
}

/// λ^{−1/2}, or 0 for an eigenvalue at or below the pseudo-inverse tolerance.
fn pseudo_root(lambda: f64) -> f64 {
    if lambda > PSEUDO_INVERSE_TOL {
        1.0 / lambda.sqrt()
    } else {
        0.0
    }
}

#[allow(clippy::too_many_arguments)]
fn add_cluster(
    absorber: &Absorber,
    xs: &DMatrix<f64>,
    e: &[f64],
    m: &DMatrix<f64>,
    c: &DMatrix<f64>,
    rows: &[usize],
    shape: std::rc::Rc<ClusterShape>,
    part: &mut Cr2Part,
) {
    let k = xs.ncols();
    let l = absorber.l;
    let ng = rows.len();
    let xg = DMatrix::from_fn(ng, k, |r, a| xs[(rows[r], a)]);
    let eg = DVector::from_fn(ng, |r, _| e[rows[r]]);
    let zg = &shape.zg;
    let pp = &shape.pp;
    let xm = &xg * m;
    let fast = shape
        .projector_scale
        .and_then(|a| LowRankRoot::new(&shape.complement, a, &xg, m));
    let (a_e, w_all) = match &fast {
        Some(root) => (root.apply(&eg), &root.ax * m),
        None => {
            let b = &shape.complement - &xm * xg.transpose();
            let eig = SymmetricEigen::new(b);
            let scale = eig.eigenvalues.map(pseudo_root);
            let v = &eig.eigenvectors;
            let a = DMatrix::from_fn(ng, ng, |r, col| v[(r, col)] * scale[col]) * v.transpose();
            (&a * &eg, &a * &xm)
        }
    };
    let score = xg.transpose() * a_e;
    part.meat += &score * score.transpose();
    let ppw = pp * &w_all;
    let dz = zg.transpose() * &w_all;
    let ax = xg.transpose() * &w_all;
    for j in 0..k {
        let w = w_all.column(j);
        let alpha = w.dot(&w) - w.dot(&ppw.column(j));
        let mut y = DVector::<f64>::zeros(l + k);
        y.rows_mut(0, l).copy_from(&dz.column(j));
        y.rows_mut(l, k).copy_from(&ax.column(j));
        let r = y.dot(&(c * &y));
        part.trace[j] += alpha - r;
        part.diag_sq[j] += alpha * alpha - 2.0 * alpha * r;
        part.gamma[j] += &y * y.transpose();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (tests only).
    fn lcg(seed: &mut u64) -> f64 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    }

    #[test]
    fn a_balanced_panel_clustered_by_unit_has_scaled_projector_shapes() {
        let (units, periods) = (6usize, 5usize);
        let unit = Clusters::from_labels(
            &(0..units * periods)
                .map(|r| (r / periods) as i64)
                .collect::<Vec<_>>(),
        );
        let period = Clusters::from_labels(
            &(0..units * periods)
                .map(|r| (r % periods) as i64)
                .collect::<Vec<_>>(),
        );
        let factors = [
            AbsorbedFactor {
                name: "unit",
                levels: &unit,
            },
            AbsorbedFactor {
                name: "period",
                levels: &period,
            },
        ];
        let absorber = Absorber::new(&factors, Some(0), units * periods).unwrap();
        let rows: Vec<usize> = (0..periods).collect();
        let shape = ClusterShape::new(&absorber, &rows);
        let a = shape.projector_scale.expect("a scaled projector");
        assert!((a - (1.0 - 1.0 / units as f64)).abs() < 1e-14, "{a}");
        // Region clusters (two units each) mix the units through S⁺: general path.
        let pair: Vec<usize> = (0..2 * periods).collect();
        assert!(
            ClusterShape::new(&absorber, &pair)
                .projector_scale
                .is_none()
        );
    }

    #[test]
    fn the_low_rank_root_equals_the_eigendecomposition() {
        let mut seed = 3u64;
        let (ng, k) = (9usize, 3usize);
        let a = 0.8;
        // C = a (I − J/n): a scaled projector; X centred lies in its range.
        let complement = DMatrix::from_fn(ng, ng, |r, c| {
            a * (if r == c { 1.0 } else { 0.0 } - 1.0 / ng as f64)
        });
        let mut xg = DMatrix::from_fn(ng, k, |_, _| lcg(&mut seed));
        for mut col in xg.column_iter_mut() {
            let mean = col.mean();
            col.add_scalar_mut(-mean);
        }
        let raw = DMatrix::from_fn(k, k, |_, _| lcg(&mut seed));
        let m = (&raw * raw.transpose() + DMatrix::identity(k, k)) * 0.05;
        let root = LowRankRoot::new(&complement, a, &xg, &m).expect("the fast path applies");
        let b = &complement - &xg * &m * xg.transpose();
        let eig = SymmetricEigen::new(b);
        let scale = eig.eigenvalues.map(pseudo_root);
        let v = &eig.eigenvectors;
        let full = DMatrix::from_fn(ng, ng, |r, c| v[(r, c)] * scale[c]) * v.transpose();
        let e = DVector::from_fn(ng, |_, _| lcg(&mut seed));
        assert!((root.apply(&e) - &full * &e).norm() < 1e-12 * e.norm());
        assert!((&root.ax - &full * &xg).norm() < 1e-12 * xg.norm());
        // Covariates outside the range take the general path.
        let mut outside = xg.clone();
        outside[(0, 0)] += 1.0;
        assert!(LowRankRoot::new(&complement, a, &outside, &m).is_none());
    }
}
