//! Sandwich variance estimators for least squares and their degrees of freedom.
//!
//! In: a least-squares fit (`OlsFit`), a [`SeType`] and (for the CR types) the
//! clusters. Out: the coefficient covariance matrix and one df per coefficient.
//!
//! All formulas act on the √w-scaled design X̃ and residuals ẽ (weights normalised
//! to mean 1), M = (X̃ᵀX̃)⁻¹, hᵢ = x̃ᵢᵀMx̃ᵢ, n rows, k coefficients, J clusters.
//!
//! | `SeType`    | estimatr `se_type` | V̂                                            | df            |
//! |-------------|--------------------|----------------------------------------------|---------------|
//! | `Classical` | `"classical"`      | Σẽᵢ²/(n−k) · M                               | n − k         |
//! | `HC0`       | `"HC0"`            | M (Σ ẽᵢ² x̃ᵢx̃ᵢᵀ) M                           | n − k         |
//! | `HC1`       | `"HC1"` (`"stata"`)| HC0 · n/(n−k)                                 | n − k         |
//! | `HC2`       | `"HC2"` (default)  | M (Σ ẽᵢ²/(1−hᵢ) x̃ᵢx̃ᵢᵀ) M                    | n − k         |
//! | `HC3`       | `"HC3"`            | M (Σ ẽᵢ²/(1−hᵢ)² x̃ᵢx̃ᵢᵀ) M                   | n − k         |
//! | `CR0`       | `"CR0"`            | M (Σ_g X̃_gᵀẽ_g ẽ_gᵀX̃_g) M                    | J − 1         |
//! | `CR1`       | `"stata"`          | CR0 · J/(J−1) · (n−1)/(n−k)                   | J − 1         |
//! | `CR2`       | `"CR2"` (default with clusters) | Bell–McCaffrey, see [`super::cr2`] | Satterthwaite, per coefficient |
//!
//! # References
//! White (1980), Econometrica 48(4):817–838, doi:10.2307/1912934 (HC0);
//! MacKinnon & White (1985), J. Econometrics 29(3):305–325,
//! doi:10.1016/0304-4076(85)90158-7 (HC1–HC3); Bell & McCaffrey (2002), Survey
//! Methodology 28(2):169–181 (CR2); Pustejovsky & Tipton (2018), JBES 36(4):672–683,
//! doi:10.1080/07350015.2016.1247004 (CR2 df). Matches `estimatr::lm_robust()` 1.0.0.

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use super::cr2;
use super::ols::OlsFit;
use super::{Clusters, RegressionError};

/// Which variance estimator (see the module table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum SeType {
    Classical,
    HC0,
    HC1,
    HC2,
    HC3,
    CR0,
    /// estimatr's `"stata"` with clusters.
    CR1,
    CR2,
}

impl SeType {
    /// True for the cluster-robust types.
    pub fn is_clustered(self) -> bool {
        matches!(self, SeType::CR0 | SeType::CR1 | SeType::CR2)
    }

    /// Whether clusters are given as this type needs: a CR type needs them, and the
    /// others refuse them rather than ignore them.
    pub(crate) fn check_clustering(self, clustered: bool) -> Result<(), RegressionError> {
        match (self.is_clustered(), clustered) {
            (true, false) => Err(RegressionError::ClustersRequired {
                se_type: self.to_string(),
            }),
            (false, true) => Err(RegressionError::ClustersNotAllowed {
                se_type: self.to_string(),
            }),
            _ => Ok(()),
        }
    }

    /// estimatr's name for the type.
    pub fn estimatr_name(self) -> &'static str {
        match self {
            SeType::Classical => "classical",
            SeType::HC0 => "HC0",
            SeType::HC1 => "HC1",
            SeType::HC2 => "HC2",
            SeType::HC3 => "HC3",
            SeType::CR0 => "CR0",
            SeType::CR1 => "stata",
            SeType::CR2 => "CR2",
        }
    }
}

impl std::fmt::Display for SeType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.estimatr_name())
    }
}

/// A coefficient covariance matrix with its degrees of freedom.
#[derive(Debug, Clone)]
pub(crate) struct Variance {
    pub vcov: DMatrix<f64>,
    pub df: Vec<f64>,
}

/// Leverage at or above 1 − this makes HC2/HC3 undefined.
const LEVERAGE_ONE: f64 = 1e-12;

/// Checks `clusters` against `se_type` ([`SeType::check_clustering`]) and, when
/// given, that they label the `n` rows and are at least two.
pub(crate) fn check_clusters(
    se_type: SeType,
    clusters: Option<&Clusters>,
    n: usize,
) -> Result<(), RegressionError> {
    se_type.check_clustering(clusters.is_some())?;
    if let Some(c) = clusters {
        if c.len() != n {
            return Err(RegressionError::LengthMismatch {
                column: "clusters".into(),
                expected: n,
                found: c.len(),
            });
        }
        if c.count() < 2 {
            return Err(RegressionError::SingleCluster {
                cluster: c.label(0).to_string(),
            });
        }
    }
    Ok(())
}

/// Computes V̂ and df for `se_type`. `x` is the unweighted design (needed by weighted
/// CR2).
pub(crate) fn variance(
    fit: &OlsFit,
    x: &DMatrix<f64>,
    se_type: SeType,
    clusters: Option<&Clusters>,
) -> Result<Variance, RegressionError> {
    let n = fit.n();
    let k = fit.k();
    let (nf, kf) = (n as f64, k as f64);
    check_clusters(se_type, clusters, n)?;
    let df_resid = vec![nf - kf; k];
    match se_type {
        SeType::Classical => {
            let s2 = fit.scaled_residuals.norm_squared() / (nf - kf);
            Ok(Variance {
                vcov: &fit.xtx_inv * s2,
                df: df_resid,
            })
        }
        SeType::HC0 | SeType::HC1 | SeType::HC2 | SeType::HC3 => {
            let mut vcov = hc_sandwich(fit, se_type)?;
            if se_type == SeType::HC1 {
                vcov *= nf / (nf - kf);
            }
            Ok(Variance { vcov, df: df_resid })
        }
        SeType::CR0 | SeType::CR1 => {
            let c = clusters.expect("checked above");
            let j = c.count();
            let scores = cluster_scores(&fit.xs, &fit.scaled_residuals, c.ids(), j);
            let meat = scores.tr_mul(&scores);
            let mut vcov = &fit.xtx_inv * meat * &fit.xtx_inv;
            let jf = j as f64;
            if se_type == SeType::CR1 {
                vcov *= jf * (nf - 1.0) / ((jf - 1.0) * (nf - kf));
            }
            Ok(Variance {
                vcov,
                df: vec![jf - 1.0; k],
            })
        }
        SeType::CR2 => {
            let c = clusters.expect("checked above");
            match &fit.weights {
                None => cr2::cr2_unweighted(fit, c),
                Some(w) => cr2::cr2_weighted(fit, x, w, c),
            }
        }
    }
}

/// HC0, HC2 or HC3 sandwich (HC1 is HC0 rescaled by the caller) in one pass over
/// the rows, without an n × k temporary.
///
/// With L = R⁻¹ (upper triangular), zᵢ = Lᵀx̃ᵢ gives hᵢ = ‖zᵢ‖² and
/// V̂ = L (Σ ωᵢ zᵢzᵢᵀ) Lᵀ, ωᵢ = ẽᵢ², ẽᵢ²/(1 − hᵢ) or ẽᵢ²/(1 − hᵢ)².
fn hc_sandwich(fit: &OlsFit, se_type: SeType) -> Result<DMatrix<f64>, RegressionError> {
    use rayon::prelude::*;
    let n = fit.n();
    let k = fit.k();
    let xs = fit.xs.as_slice();
    let e = fit.scaled_residuals.as_slice();
    let l = fit.r_inv.as_slice();
    let needs_leverage = matches!(se_type, SeType::HC2 | SeType::HC3);
    // Row blocks in parallel; the blocks' sums are added in row order and the first
    // failing row in row order is reported, whatever the number of threads.
    let parts: Vec<Result<Vec<f64>, RegressionError>> = super::ols::task_ranges(n)
        .into_par_iter()
        .map(|range| {
            let mut meat = vec![0.0; k * k];
            let mut x = vec![0.0; k];
            let mut z = vec![0.0; k];
            for i in range {
                for (a, xa) in x.iter_mut().enumerate() {
                    *xa = xs[a * n + i];
                }
                // z_j = Σ_{a ≤ j} x_a L[a, j]; column j of L is l[j·k .. j·k + k].
                for (j, zj) in z.iter_mut().enumerate() {
                    *zj = x[..=j]
                        .iter()
                        .zip(&l[j * k..=j * k + j])
                        .map(|(xa, la)| xa * la)
                        .sum();
                }
                let mut omega = e[i] * e[i];
                if needs_leverage {
                    let one_minus = 1.0 - z.iter().map(|v| v * v).sum::<f64>();
                    if one_minus <= LEVERAGE_ONE {
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
                    let za = omega * z[a];
                    let row = &mut meat[a * k..(a + 1) * k];
                    for b in a..k {
                        row[b] += za * z[b];
                    }
                }
            }
            Ok(meat)
        })
        .collect();
    let mut meat = vec![0.0; k * k];
    for part in parts {
        for (total, v) in meat.iter_mut().zip(part?) {
            *total += v;
        }
    }
    let meat = DMatrix::from_fn(k, k, |r, c| {
        if r <= c {
            meat[r * k + c]
        } else {
            meat[c * k + r]
        }
    });
    Ok(&fit.r_inv * meat * fit.r_inv.transpose())
}

/// Row g of the result is X̃_gᵀẽ_g (J × k).
fn cluster_scores(xs: &DMatrix<f64>, e: &DVector<f64>, ids: &[usize], j: usize) -> DMatrix<f64> {
    let mut scores = DMatrix::zeros(j, xs.ncols());
    for (col, x) in xs.column_iter().enumerate() {
        for ((&g, xi), ei) in ids.iter().zip(x.iter()).zip(e.iter()) {
            scores[(g, col)] += xi * ei;
        }
    }
    scores
}
