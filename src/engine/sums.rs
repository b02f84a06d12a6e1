//! The algebra of an engine fit: from the sums an aggregate query returns to the
//! same [`LmRobust`] as the in-memory path.
//!
//! # Method
//! Query 1 gives n and the column means m. Query 2 gives the Gram matrix of the
//! centred design X̃ = X − 1mᵀ (the intercept column stays 1; without an intercept
//! nothing is centred) and X̃ᵀỹ, ỹ = y − ȳ: centring keeps the condition number of
//! X̃ᵀX̃ near that of the slopes alone, so forming the cross-products costs no
//! accuracy worth the name (sums of products, not a QR, are all an aggregate query
//! can return). The Cholesky factor R̃ of X̃ᵀX̃ is the R of the centred QR, so
//! β̃ = R̃⁻¹R̃⁻ᵀX̃ᵀỹ, and with x̃ = A x (A = I − m e₀ᵀ), β = Aᵀβ̃, R⁻¹ = AᵀR̃⁻¹
//! and (XᵀX)⁻¹ = R⁻¹R⁻ᵀ. Query 3 gives, with β̃ and L̃ = R̃⁻¹ as literals in the
//! query, Σe², Σ(y − ȳ)², and as the variance type needs, the HC meat Σ ωᵢzᵢzᵢᵀ
//! (zᵢ = L̃ᵀx̃ᵢ = R⁻ᵀxᵢ, hᵢ = ‖zᵢ‖²) or per-cluster X̃_gᵀe_g (and X̃_gᵀX̃_g for CR2),
//! mapped back with A⁻¹ = I + m e₀ᵀ. From there the variance is assembled exactly
//! as in `stats::regression::streaming` (CR2 through the same `Cr2Sums`).

use std::collections::BTreeMap;

use nalgebra::{DMatrix, DVector};

use crate::stats::estimate::Alternative;
use crate::stats::regression::cr2::Cr2Sums;
use crate::stats::regression::ols::COLLINEARITY_TOL;
use crate::stats::regression::streaming::{Summed, report_from_sums};
use crate::stats::regression::{LmRobust, RegressionError, SeType};

/// What queries 1 and 2 return.
#[derive(Debug, Clone)]
pub(super) struct Moments {
    pub n: usize,
    pub names: Vec<String>,
    /// The intercept is column 0.
    pub intercept: bool,
    /// Column means subtracted in the query (0 for the intercept; all 0 without one).
    pub centre: Vec<f64>,
    /// ȳ, subtracted from y in the query when there is an intercept (else 0).
    pub y_centre: f64,
    pub mean_y: f64,
    /// X̃ᵀX̃.
    pub gram: DMatrix<f64>,
    /// X̃ᵀỹ.
    pub cross: DVector<f64>,
}

/// The coefficients and the factors query 3 and the variance need.
#[derive(Debug, Clone)]
pub(super) struct Solved {
    /// β̃ of ỹ on X̃ (what query 3 subtracts).
    pub coef_centred: DVector<f64>,
    /// L̃ = R̃⁻¹, upper triangular.
    pub l_centred: DMatrix<f64>,
    /// β of y on X.
    pub coef: DVector<f64>,
    /// R⁻¹ and (XᵀX)⁻¹ of the uncentred design.
    pub l: DMatrix<f64>,
    pub m: DMatrix<f64>,
}

/// What query 3 returns (cluster sums in centred coordinates).
#[derive(Debug, Clone, Default)]
pub(super) struct Residuals {
    pub ssr: f64,
    pub tss: f64,
    pub meat: Option<DMatrix<f64>>,
    pub clusters: BTreeMap<String, (Option<DMatrix<f64>>, DVector<f64>)>,
}

impl Moments {
    fn k(&self) -> usize {
        self.names.len()
    }

    /// Aᵀv: centred coordinates of a coefficient to uncentred ones.
    fn a_transpose(&self, v: &DVector<f64>) -> DVector<f64> {
        let mut out = v.clone();
        if self.intercept {
            out[0] -= (1..self.k()).map(|j| self.centre[j] * v[j]).sum::<f64>();
        }
        out
    }

    /// A⁻¹v: a centred score or Gram column to uncentred coordinates.
    fn a_inverse(&self, v: &DVector<f64>) -> DVector<f64> {
        let mut out = v.clone();
        if self.intercept {
            for j in 1..self.k() {
                out[j] += self.centre[j] * v[0];
            }
        }
        out
    }

    /// A⁻¹ G A⁻ᵀ.
    fn a_inverse_sandwich(&self, g: &DMatrix<f64>) -> DMatrix<f64> {
        let k = self.k();
        let mut half = DMatrix::zeros(k, k);
        for c in 0..k {
            half.set_column(c, &self.a_inverse(&g.column(c).into_owned()));
        }
        let mut out = DMatrix::zeros(k, k);
        for r in 0..k {
            let row = self.a_inverse(&half.row(r).transpose());
            out.set_row(r, &row.transpose());
        }
        out
    }

    /// ‖X_j‖² of the uncentred column j (the in-memory collinearity rule's scale).
    fn column_norm_squared(&self, j: usize) -> f64 {
        if self.intercept && j > 0 {
            let m = self.centre[j];
            self.gram[(j, j)] + 2.0 * m * self.gram[(0, j)] + self.n as f64 * m * m
        } else {
            self.gram[(j, j)]
        }
    }
}

/// Cholesky of X̃ᵀX̃ with the in-memory collinearity rule, then β and the inverses.
pub(super) fn solve(moments: &Moments) -> Result<Solved, RegressionError> {
    let k = moments.k();
    let n = moments.n;
    if n == 0 {
        return Err(RegressionError::Empty);
    }
    if n <= k {
        return Err(RegressionError::TooFewObservations { n, k });
    }
    let g = &moments.gram;
    let mut r = DMatrix::<f64>::zeros(k, k);
    let mut collinear = Vec::new();
    for j in 0..k {
        for i in 0..j {
            let dot: f64 = (0..i).map(|p| r[(p, i)] * r[(p, j)]).sum();
            r[(i, j)] = if r[(i, i)] > 0.0 {
                (g[(i, j)] - dot) / r[(i, i)]
            } else {
                0.0
            };
        }
        let rest = g[(j, j)] - (0..j).map(|p| r[(p, j)] * r[(p, j)]).sum::<f64>();
        let pivot = rest.max(0.0).sqrt();
        let norm = moments.column_norm_squared(j).max(0.0).sqrt();
        // The in-memory rule scales columns to unit length before testing |r_jj|;
        // R and R̃ share their diagonal (centring subtracts a multiple of column 0).
        if norm == 0.0 || pivot <= COLLINEARITY_TOL * norm {
            collinear.push(moments.names[j].clone());
            r[(j, j)] = 0.0;
        } else {
            r[(j, j)] = pivot;
        }
    }
    if !collinear.is_empty() {
        return Err(RegressionError::Collinear { columns: collinear });
    }
    let collinear_all = || RegressionError::Collinear {
        columns: moments.names.clone(),
    };
    let l_centred = r
        .solve_upper_triangular(&DMatrix::identity(k, k))
        .ok_or_else(collinear_all)?;
    // β̃ = L̃ L̃ᵀ X̃ᵀỹ.
    let coef_centred = &l_centred * (l_centred.transpose() * &moments.cross);
    let mut coef_y = coef_centred.clone();
    if moments.intercept {
        coef_y[0] += moments.y_centre;
    }
    let coef = moments.a_transpose(&coef_y);
    let mut l = DMatrix::zeros(k, k);
    for c in 0..k {
        l.set_column(c, &moments.a_transpose(&l_centred.column(c).into_owned()));
    }
    let m = &l * l.transpose();
    Ok(Solved {
        coef_centred,
        l_centred,
        coef,
        l,
        m,
    })
}

/// Options of the fit that shape the variance.
#[derive(Debug, Clone, Copy)]
pub(super) struct Variance {
    pub se_type: SeType,
    pub clustered: bool,
    pub conf_level: f64,
    pub alternative: Alternative,
}

/// The fit from the three queries' sums, assembled as `streaming` assembles its own.
pub(super) fn assemble(
    moments: &Moments,
    solved: &Solved,
    residuals: &Residuals,
    options: Variance,
) -> Result<LmRobust, RegressionError> {
    let k = moments.k();
    let n = moments.n;
    let names = &moments.names;
    let (nf, kf) = (n as f64, k as f64);
    let se_type = options.se_type;
    let (l, m, coef) = (&solved.l, &solved.m, &solved.coef);
    let j = residuals.clusters.len();
    if options.clustered && j < 2 {
        return Err(RegressionError::SingleCluster {
            cluster: residuals
                .clusters
                .keys()
                .next()
                .cloned()
                .unwrap_or_default(),
        });
    }
    let jf = j as f64;
    let (vcov, df) = match se_type {
        SeType::Classical => (m * (residuals.ssr / (nf - kf)), vec![nf - kf; k]),
        SeType::HC0 | SeType::HC1 | SeType::HC2 | SeType::HC3 => {
            let meat = residuals
                .meat
                .clone()
                .ok_or(RegressionError::Unsupported("HC sums missing"))?;
            let meat = DMatrix::from_fn(k, k, |a, b| 0.5 * (meat[(a, b)] + meat[(b, a)]));
            let mut vcov = l * meat * l.transpose();
            if se_type == SeType::HC1 {
                vcov *= nf / (nf - kf);
            }
            (vcov, vec![nf - kf; k])
        }
        SeType::CR0 | SeType::CR1 => {
            let mut meat = DMatrix::zeros(k, k);
            for (_, score) in residuals.clusters.values() {
                let score = moments.a_inverse(score);
                meat.ger(1.0, &score, &score, 1.0);
            }
            let mut vcov = m * meat * m;
            if se_type == SeType::CR1 {
                vcov *= jf * (nf - 1.0) / ((jf - 1.0) * (nf - kf));
            }
            (vcov, vec![jf - 1.0; k])
        }
        SeType::CR2 => {
            let mut cr2 = Cr2Sums::new(l, m);
            for (gram, score) in residuals.clusters.values() {
                let gram = gram
                    .as_ref()
                    .ok_or(RegressionError::Unsupported("CR2 sums missing"))?;
                cr2.add_cluster(moments.a_inverse_sandwich(gram), moments.a_inverse(score));
            }
            let variance = cr2.finish();
            (variance.vcov, variance.df)
        }
    };
    report_from_sums(&Summed {
        names,
        coef,
        vcov: &vcov,
        df: &df,
        n,
        clusters: options.clustered.then_some(j),
        ssr: residuals.ssr,
        tss: residuals.tss,
        mean_y: moments.mean_y,
        se_type,
        conf_level: options.conf_level,
        alternative: options.alternative,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::prec::assert_close;
    use crate::stats::regression::{Clusters, Design, LmRobustOptions, lm_robust};

    /// The sums an engine would return, computed here row by row.
    fn sums(
        x: &DMatrix<f64>,
        y: &[f64],
        labels: Option<&[String]>,
        se_type: SeType,
    ) -> (Moments, Solved, Residuals) {
        let (n, k) = x.shape();
        let names: Vec<String> = (0..k)
            .map(|j| {
                if j == 0 {
                    "(Intercept)".into()
                } else {
                    format!("x{j}")
                }
            })
            .collect();
        let mut centre = vec![0.0; k];
        for (j, c) in centre.iter_mut().enumerate().skip(1) {
            *c = x.column(j).sum() / n as f64;
        }
        let mean_y = y.iter().sum::<f64>() / n as f64;
        let xt = DMatrix::from_fn(
            n,
            k,
            |i, j| if j == 0 { 1.0 } else { x[(i, j)] - centre[j] },
        );
        let yt = DVector::from_iterator(n, y.iter().map(|v| v - mean_y));
        let moments = Moments {
            n,
            names,
            intercept: true,
            centre,
            y_centre: mean_y,
            mean_y,
            gram: xt.tr_mul(&xt),
            cross: xt.tr_mul(&yt),
        };
        let solved = solve(&moments).unwrap();
        let e = &yt - &xt * &solved.coef_centred;
        let z = &xt * &solved.l_centred;
        let mut residuals = Residuals {
            ssr: e.norm_squared(),
            tss: yt.norm_squared(),
            ..Residuals::default()
        };
        if let Some(labels) = labels {
            for (i, label) in labels.iter().enumerate() {
                let row = xt.row(i).transpose();
                let entry = residuals
                    .clusters
                    .entry(label.clone())
                    .or_insert_with(|| (Some(DMatrix::zeros(k, k)), DVector::zeros(k)));
                entry.1 += &row * e[i];
                if let Some(g) = entry.0.as_mut() {
                    g.ger(1.0, &row, &row, 1.0);
                }
            }
        } else {
            let mut meat = DMatrix::zeros(k, k);
            for i in 0..n {
                let zi = z.row(i).transpose();
                let h = zi.norm_squared();
                let w = match se_type {
                    SeType::HC2 => e[i] * e[i] / (1.0 - h),
                    SeType::HC3 => e[i] * e[i] / ((1.0 - h) * (1.0 - h)),
                    _ => e[i] * e[i],
                };
                meat.ger(w, &zi, &zi, 1.0);
            }
            residuals.meat = Some(meat);
        }
        (moments, solved, residuals)
    }

    fn data(n: usize) -> (DMatrix<f64>, Vec<f64>, Vec<String>) {
        // A deterministic, badly centred design: the means dwarf the spread, the
        // case where uncentred cross-products lose digits.
        let x = DMatrix::from_fn(n, 3, |i, j| match j {
            0 => 1.0,
            1 => 1.0e4 + ((i * 37 % 101) as f64) / 7.0,
            _ => 250.0 + ((i * 53 % 89) as f64).sin() * 3.0,
        });
        let y = (0..n)
            .map(|i| 2.0 + 0.3 * x[(i, 1)] - 1.5 * x[(i, 2)] + ((i * 17 % 23) as f64 - 11.0) / 5.0)
            .collect();
        let labels = (0..n).map(|i| format!("c{}", i % 9)).collect();
        (x, y, labels)
    }

    #[test]
    fn sums_reproduce_lm_robust_hc_and_cr() {
        let (x, y, labels) = data(300);
        let names: Vec<String> = vec!["(Intercept)".into(), "x1".into(), "x2".into()];
        let design = Design::from_matrix(names, x.clone()).unwrap();
        let clusters = Clusters::from_labels(&labels);
        for se_type in [
            SeType::Classical,
            SeType::HC0,
            SeType::HC1,
            SeType::HC2,
            SeType::HC3,
            SeType::CR0,
            SeType::CR1,
            SeType::CR2,
        ] {
            let clustered = se_type.is_clustered();
            let expected = lm_robust(
                &design,
                &y,
                &LmRobustOptions {
                    se_type: Some(se_type),
                    clusters: clustered.then_some(&clusters),
                    ..LmRobustOptions::default()
                },
            )
            .unwrap();
            let (moments, solved, residuals) =
                sums(&x, &y, clustered.then_some(labels.as_slice()), se_type);
            let fit = assemble(
                &moments,
                &solved,
                &residuals,
                Variance {
                    se_type,
                    clustered,
                    conf_level: 0.95,
                    alternative: Alternative::TwoSided,
                },
            )
            .unwrap();
            // This design is deliberately ill-conditioned (column means 1e4 and 250
            // against spreads of 14 and 3, cond(X) ≈ 1e6): CR2 maps each cluster's
            // Gram matrix back to uncentred coordinates, where the intercept's
            // entries are ~1e8 times the slopes', and its intercept SE and df then
            // agree to 2e-10 only (measured 1.6e-10). Everything else, and every
            // figure on the example data (tests/engine_cluster.rs), holds at 1e-10.
            let tolerance = if se_type == SeType::CR2 { 1e-9 } else { 1e-10 };
            for (a, b) in fit.coefficients.iter().zip(&expected.coefficients) {
                let what = format!("{se_type} {}", a.term);
                assert_close(a.estimate.estimate, b.estimate.estimate, 1e-10, &what);
                assert_close(a.estimate.std_error, b.estimate.std_error, tolerance, &what);
                assert_close(a.estimate.df, b.estimate.df, tolerance, &what);
                assert_close(a.estimate.p_value, b.estimate.p_value, tolerance, &what);
            }
            assert_close(fit.r_squared, expected.r_squared, 1e-10, "r2");
        }
    }
}
