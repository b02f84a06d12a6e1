//! `lm_robust` over data read in chunks (Parquet row groups, batches of CSV rows),
//! so that no n × k design matrix is ever held: memory grows with the chunk size
//! and the number of clusters, not with n.
//!
//! In: a [`ChunkSource`] (chunk count, and chunk i as a rows × k design block with
//! its outcome and cluster labels), the column names and [`StreamOptions`].
//! Out: the same [`LmRobust`] as [`super::lm_robust`] on all rows at once, to
//! rounding (tests: 1e-10 relative).
//!
//! # Method
//! Pass 1, chunks in parallel: the Householder QR of each chunk's [X_c | y_c] keeps
//! only its (k+1) × (k+1) triangle; triangles are stacked and factored again (a
//! tall-skinny QR, as accurate as one QR of all rows, and free of the squared
//! condition number of forming XᵀX). That gives R, β̂ = R⁻¹Qᵀy and L = R⁻¹.
//! Pass 2, chunks in parallel again: residuals eᵢ = yᵢ − xᵢᵀβ̂ and, as the variance
//! type needs, the HC meat Σ ωᵢ zᵢzᵢᵀ (zᵢ = Lᵀxᵢ, hᵢ = ‖zᵢ‖²), per-cluster score
//! sums X_gᵀe_g (CR0, CR1), or per-cluster Gram matrices X_gᵀX_g with X_gᵀe_g
//! (CR2: (I − H_gg)^(−½) and the Bell–McCaffrey df act through k × k matrices
//! per cluster, see [`super::cr2`]). Partial sums from chunks are added in chunk
//! order, so the result does not depend on the number of threads.
//!
//! Not streamed (refused with a clear error): weights, and factor covariates
//! (their levels are only known after a full pass); the collinearity rule and
//! every check are those of the in-memory fit.

use std::collections::BTreeMap;

use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;

use super::cr2::Cr2Sums;
use super::lm_robust::{FStatistic, checked_estimate, f_statistic};
use super::ols::COLLINEARITY_TOL;
use super::variance::SeType;
use super::{Coefficient, LmRobust, RegressionError};
use crate::stats::estimate::Alternative;

/// Leverage at or above 1 − this makes HC2/HC3 undefined (as in memory).
const LEVERAGE_ONE: f64 = 1e-12;

/// One chunk of rows: the design block (rows × k, column-major), the outcome and,
/// with clusters, each row's cluster label.
#[derive(Debug, Clone)]
pub struct Chunk {
    pub x: DMatrix<f64>,
    pub y: Vec<f64>,
    pub clusters: Option<Vec<String>>,
}

/// Where chunks come from; every chunk is read once per pass (twice in all).
/// When chunks fail, the error of the first in chunk order is returned, so the
/// message does not depend on thread timing.
pub trait ChunkSource: Sync {
    /// The reader's error (it must carry regression errors too).
    type Error: From<RegressionError> + Send;
    fn chunks(&self) -> usize;
    fn chunk(&self, index: usize) -> Result<Chunk, Self::Error>;
}

/// Options of [`lm_robust_streamed`] (those of `LmRobustOptions` that stream).
#[derive(Debug, Clone, Copy)]
pub struct StreamOptions {
    /// `None` = HC2, or CR2 with clusters (estimatr's defaults).
    pub se_type: Option<SeType>,
    /// Whether chunks carry cluster labels.
    pub clustered: bool,
    pub conf_level: f64,
    pub alternative: Alternative,
}

/// What pass 1 keeps of a chunk.
struct Triangle {
    r: DMatrix<f64>,
    rows: usize,
    sum_y: f64,
}

/// The (k+1) × (k+1) (or fewer rows) triangle of [X | y].
fn triangle(x: &DMatrix<f64>, y: &[f64]) -> DMatrix<f64> {
    let (n, k) = x.shape();
    let mut augmented = DMatrix::zeros(n, k + 1);
    augmented.view_mut((0, 0), (n, k)).copy_from(x);
    augmented.column_mut(k).copy_from_slice(y);
    augmented.qr().r()
}

fn stack(a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<f64> {
    let cols = a.ncols();
    let mut stacked = DMatrix::zeros(a.nrows() + b.nrows(), cols);
    stacked.view_mut((0, 0), (a.nrows(), cols)).copy_from(a);
    stacked
        .view_mut((a.nrows(), 0), (b.nrows(), cols))
        .copy_from(b);
    stacked.qr().r()
}

/// What pass 2 keeps of a chunk.
#[derive(Default)]
struct Sums {
    ssr: f64,
    tss: f64,
    meat: Option<DMatrix<f64>>,
    /// Per cluster label: (X_gᵀX_g when CR2, X_gᵀe_g).
    clusters: BTreeMap<String, (Option<DMatrix<f64>>, DVector<f64>)>,
}

impl Sums {
    fn add(mut self, other: Sums) -> Sums {
        self.ssr += other.ssr;
        self.tss += other.tss;
        self.meat = match (self.meat, other.meat) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
        for (label, (gram, score)) in other.clusters {
            match self.clusters.get_mut(&label) {
                Some((g, s)) => {
                    *s += score;
                    if let (Some(g), Some(gram)) = (g.as_mut(), gram) {
                        *g += gram;
                    }
                }
                None => {
                    self.clusters.insert(label, (gram, score));
                }
            }
        }
        self
    }
}

/// Fits `y ~ X` with robust SEs from chunks; see the module docs.
///
/// # Errors
/// Those of [`super::lm_robust`] (n ≤ k, collinear columns, non-finite values,
/// leverage 1, a single cluster, a degenerate variance) and the source's own.
pub fn lm_robust_streamed<S: ChunkSource>(
    source: &S,
    names: &[String],
    options: &StreamOptions,
) -> Result<LmRobust, S::Error> {
    super::lm_robust::check_conf_level(options.conf_level)?;
    let se_type = options.se_type.unwrap_or(if options.clustered {
        SeType::CR2
    } else {
        SeType::HC2
    });
    se_type.check_clustering(options.clustered)?;
    let k = names.len();
    // Pass 1: triangles of [X | y], chunk by chunk.
    let triangles: Vec<Triangle> = (0..source.chunks())
        .into_par_iter()
        .map(|i| {
            let chunk = source.chunk(i)?;
            check_chunk(&chunk, names)?;
            Ok(Triangle {
                r: triangle(&chunk.x, &chunk.y),
                rows: chunk.y.len(),
                sum_y: chunk.y.iter().sum(),
            })
        })
        .collect::<Vec<Result<_, S::Error>>>()
        .into_iter()
        .collect::<Result<_, S::Error>>()?;
    let n: usize = triangles.iter().map(|t| t.rows).sum();
    if n == 0 {
        return Err(RegressionError::Empty.into());
    }
    if n <= k {
        return Err(RegressionError::TooFewObservations { n, k }.into());
    }
    let r_all = triangles
        .iter()
        .map(|t| t.r.clone())
        .reduce(|a, b| stack(&a, &b))
        .expect("at least one chunk");
    let mut r_full = DMatrix::zeros(k + 1, k + 1);
    let rows = r_all.nrows().min(k + 1);
    r_full
        .view_mut((0, 0), (rows, k + 1))
        .copy_from(&r_all.rows(0, rows));
    let r = r_full.view((0, 0), (k, k)).into_owned();
    // ‖X_j‖ is the norm of column j of R (RᵀR = XᵀX); the in-memory rule scales
    // columns to unit length before testing the pivot.
    let norms: Vec<f64> = (0..k).map(|j| r.column(j).norm()).collect();
    let collinear: Vec<String> = (0..k)
        .filter(|&j| norms[j] == 0.0 || r[(j, j)].abs() <= COLLINEARITY_TOL * norms[j])
        .map(|j| names[j].clone())
        .collect();
    if !collinear.is_empty() {
        return Err(RegressionError::Collinear { columns: collinear }.into());
    }
    let collinear_all = || RegressionError::Collinear {
        columns: names.to_vec(),
    };
    let qty = r_full.view((0, k), (k, 1)).into_owned();
    let coef: DVector<f64> = r
        .solve_upper_triangular(&qty)
        .ok_or_else(collinear_all)?
        .column(0)
        .into_owned();
    let l = r
        .solve_upper_triangular(&DMatrix::identity(k, k))
        .ok_or_else(collinear_all)?;
    let m = &l * l.transpose();
    let mean_y = triangles.iter().map(|t| t.sum_y).sum::<f64>() / n as f64;
    let offsets: Vec<usize> = triangles
        .iter()
        .scan(0, |start, t| {
            let here = *start;
            *start += t.rows;
            Some(here)
        })
        .collect();
    drop(triangles);

    // Pass 2: residuals and the variance type's sums.
    let needs_leverage = matches!(se_type, SeType::HC2 | SeType::HC3);
    let hc = matches!(
        se_type,
        SeType::HC0 | SeType::HC1 | SeType::HC2 | SeType::HC3
    );
    let partial: Vec<Sums> = (0..source.chunks())
        .into_par_iter()
        .map(|i| {
            let chunk = source.chunk(i)?;
            let rows = chunk.y.len();
            let residuals = DVector::from_column_slice(&chunk.y) - &chunk.x * &coef;
            let mut sums = Sums {
                ssr: residuals.norm_squared(),
                tss: chunk.y.iter().map(|v| (v - mean_y) * (v - mean_y)).sum(),
                ..Sums::default()
            };
            if hc {
                let mut meat = DMatrix::zeros(k, k);
                let z_all = &chunk.x * &l;
                for row in 0..rows {
                    let z = z_all.row(row).transpose();
                    let e = residuals[row];
                    let mut omega = e * e;
                    if needs_leverage {
                        let one_minus = 1.0 - z.norm_squared();
                        if one_minus <= LEVERAGE_ONE {
                            return Err(RegressionError::LeverageOne {
                                row: offsets[i] + row,
                                se_type: se_type.to_string(),
                            }
                            .into());
                        }
                        omega /= if se_type == SeType::HC2 {
                            one_minus
                        } else {
                            one_minus * one_minus
                        };
                    }
                    meat.ger(omega, &z, &z, 1.0);
                }
                sums.meat = Some(meat);
            }
            if let Some(labels) = &chunk.clusters {
                let mut members: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
                for (row, label) in labels.iter().enumerate() {
                    members.entry(label).or_default().push(row);
                }
                for (label, rows) in members {
                    let xg = chunk.x.select_rows(&rows);
                    let eg = residuals.select_rows(&rows);
                    let score = xg.tr_mul(&eg);
                    let gram = (se_type == SeType::CR2).then(|| xg.tr_mul(&xg));
                    sums.clusters.insert(label.to_string(), (gram, score));
                }
            }
            Ok(sums)
        })
        .collect::<Vec<Result<_, S::Error>>>()
        .into_iter()
        .collect::<Result<_, S::Error>>()?;
    let sums = partial
        .into_iter()
        .reduce(Sums::add)
        .expect("at least one chunk");

    let (nf, kf) = (n as f64, k as f64);
    let j = sums.clusters.len();
    if options.clustered && j < 2 {
        return Err(RegressionError::SingleCluster {
            cluster: sums.clusters.keys().next().cloned().unwrap_or_default(),
        }
        .into());
    }
    let jf = j as f64;
    let (vcov, df) = match se_type {
        SeType::Classical => (&m * (sums.ssr / (nf - kf)), vec![nf - kf; k]),
        SeType::HC0 | SeType::HC1 | SeType::HC2 | SeType::HC3 => {
            let meat = sums.meat.clone().expect("HC sums");
            let meat = DMatrix::from_fn(k, k, |a, b| 0.5 * (meat[(a, b)] + meat[(b, a)]));
            let mut vcov = &l * meat * l.transpose();
            if se_type == SeType::HC1 {
                vcov *= nf / (nf - kf);
            }
            (vcov, vec![nf - kf; k])
        }
        SeType::CR0 | SeType::CR1 => {
            let mut meat = DMatrix::zeros(k, k);
            for (_, score) in sums.clusters.values() {
                meat.ger(1.0, score, score, 1.0);
            }
            let mut vcov = &m * meat * &m;
            if se_type == SeType::CR1 {
                vcov *= jf * (nf - 1.0) / ((jf - 1.0) * (nf - kf));
            }
            (vcov, vec![jf - 1.0; k])
        }
        SeType::CR2 => {
            let mut cr2 = Cr2Sums::new(&l, &m);
            for (gram, score) in sums.clusters.values() {
                cr2.add_cluster(gram.clone().expect("CR2 sums"), score.clone());
            }
            let variance = cr2.finish();
            (variance.vcov, variance.df)
        }
    };
    report_from_sums(&Summed {
        names,
        coef: &coef,
        vcov: &vcov,
        df: &df,
        n,
        clusters: options.clustered.then_some(j),
        ssr: sums.ssr,
        tss: sums.tss,
        mean_y,
        se_type,
        conf_level: options.conf_level,
        alternative: options.alternative,
    })
    .map_err(Into::into)
}

/// What a fit from sums (streamed here, or by an engine's queries in
/// `engine::sums`) has found, for `report_from_sums`.
pub(crate) struct Summed<'a> {
    pub names: &'a [String],
    pub coef: &'a DVector<f64>,
    pub vcov: &'a DMatrix<f64>,
    /// Degrees of freedom of each coefficient's t.
    pub df: &'a [f64],
    pub n: usize,
    /// The number of clusters of a clustered variance.
    pub clusters: Option<usize>,
    pub ssr: f64,
    /// Σ(y − ȳ)².
    pub tss: f64,
    pub mean_y: f64,
    pub se_type: SeType,
    pub conf_level: f64,
    pub alternative: Alternative,
}

/// The fit as `lm_robust` reports it (estimates, R², F) from its sums.
pub(crate) fn report_from_sums(fit: &Summed<'_>) -> Result<LmRobust, RegressionError> {
    let names = fit.names;
    let (n, k) = (fit.n, names.len());
    let (nf, kf) = (n as f64, k as f64);
    let coefficients = (0..k)
        .map(|c| {
            Ok(Coefficient {
                term: names[c].clone(),
                estimate: checked_estimate(
                    &names[c],
                    fit.coef[c],
                    fit.vcov[(c, c)],
                    fit.df[c],
                    fit.conf_level,
                    fit.alternative,
                )?,
            })
        })
        .collect::<Result<Vec<_>, RegressionError>>()?;
    let has_intercept = names.iter().any(|name| name == "(Intercept)");
    let tss = if has_intercept {
        fit.tss
    } else {
        // Without an intercept R² is measured from zero: Σy² = tss + n·ȳ².
        fit.tss + nf * fit.mean_y * fit.mean_y
    };
    let r_squared = 1.0 - fit.ssr / tss;
    let adj_r_squared =
        1.0 - (1.0 - r_squared) * (nf - f64::from(u8::from(has_intercept))) / (nf - kf);
    let dendf = match fit.clusters {
        Some(j) if fit.se_type.is_clustered() => j as f64 - 1.0,
        _ => nf - kf,
    };
    let fstatistic: Option<FStatistic> = f_statistic(
        fit.coef,
        fit.vcov,
        has_intercept,
        fit.se_type,
        r_squared,
        nf - kf,
        dendf,
    );
    let res_var = fit.ssr / (nf - kf);
    Ok(LmRobust {
        coefficients,
        se_type: fit.se_type,
        nobs: n,
        nclusters: fit.clusters,
        df_residual: nf - kf,
        res_var,
        sigma: res_var.sqrt(),
        weighted: false,
        r_squared,
        adj_r_squared,
        fstatistic,
        vcov: (0..k)
            .map(|r| (0..k).map(|c| fit.vcov[(r, c)]).collect())
            .collect(),
    })
}

/// A chunk's shape and values, checked as the in-memory fit checks them.
fn check_chunk(chunk: &Chunk, names: &[String]) -> Result<(), RegressionError> {
    let rows = chunk.y.len();
    if chunk.x.nrows() != rows || chunk.x.ncols() != names.len() {
        return Err(RegressionError::LengthMismatch {
            column: "design".into(),
            expected: rows,
            found: chunk.x.nrows(),
        });
    }
    if let Some(labels) = &chunk.clusters
        && labels.len() != rows
    {
        return Err(RegressionError::LengthMismatch {
            column: "clusters".into(),
            expected: rows,
            found: labels.len(),
        });
    }
    super::ols::check_outcome(&chunk.y, rows)?;
    for (j, column) in chunk.x.column_iter().enumerate() {
        if let Some((row, &value)) = column.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(RegressionError::NonFinite {
                column: names[j].clone(),
                row,
                value,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::prec::assert_close;
    use crate::stats::regression::{Clusters, Design, LmRobustOptions, lm_robust};

    /// A design cut into chunks of uneven sizes.
    struct InMemory {
        x: DMatrix<f64>,
        y: Vec<f64>,
        labels: Option<Vec<String>>,
        bounds: Vec<usize>,
    }

    impl ChunkSource for InMemory {
        type Error = RegressionError;
        fn chunks(&self) -> usize {
            self.bounds.len() - 1
        }
        fn chunk(&self, index: usize) -> Result<Chunk, RegressionError> {
            let (start, stop) = (self.bounds[index], self.bounds[index + 1]);
            Ok(Chunk {
                x: self.x.rows(start, stop - start).into_owned(),
                y: self.y[start..stop].to_vec(),
                clusters: self.labels.as_ref().map(|l| l[start..stop].to_vec()),
            })
        }
    }

    fn data(n: usize, k: usize, clusters: usize, seed: u64) -> (Vec<String>, InMemory) {
        // splitmix64: uniform draws in [0, 1) from a seed.
        let mut state = seed;
        let mut uniform = move || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) as f64 / 2f64.powi(64)
        };
        let mut x = DMatrix::zeros(n, k);
        let mut y = vec![0.0; n];
        let mut labels = Vec::with_capacity(n);
        let effects: Vec<f64> = (0..clusters).map(|_| uniform() * 2.0).collect();
        for i in 0..n {
            x[(i, 0)] = 1.0;
            let g = ((uniform() * clusters as f64) as usize).min(clusters - 1);
            labels.push(format!("c{g:03}"));
            let mut mean = 0.5 + effects[g];
            for j in 1..k {
                x[(i, j)] = uniform() * 4.0 - 2.0 + if j == 1 { g as f64 * 0.01 } else { 0.0 };
                mean += x[(i, j)] * j as f64 * 0.3;
            }
            y[i] = mean + (uniform() - 0.5) * (1.0 + x[(i, 1)].abs());
        }
        let mut names = vec!["(Intercept)".to_string()];
        names.extend((1..k).map(|j| format!("x{j}")));
        // Uneven chunks, one smaller than k rows, to exercise the triangle stacking.
        let mut bounds = vec![0, 3, 700, 701 + n / 3];
        bounds.retain(|&b| b < n);
        bounds.push(n);
        (
            names,
            InMemory {
                x,
                y,
                labels: Some(labels),
                bounds,
            },
        )
    }

    fn same(streamed: &LmRobust, memory: &LmRobust) {
        assert_eq!(streamed.nobs, memory.nobs);
        assert_eq!(streamed.nclusters, memory.nclusters);
        assert_eq!(streamed.se_type, memory.se_type);
        for (s, m) in streamed.coefficients.iter().zip(&memory.coefficients) {
            assert_eq!(s.term, m.term);
            let what = format!("{} {:?}", s.term, memory.se_type);
            assert_close(s.estimate.estimate, m.estimate.estimate, 1e-10, &what);
            assert_close(s.estimate.std_error, m.estimate.std_error, 1e-10, &what);
            assert_close(s.estimate.df, m.estimate.df, 1e-10, &what);
            assert_close(s.estimate.p_value, m.estimate.p_value, 1e-10, &what);
            assert_close(s.estimate.conf_low, m.estimate.conf_low, 1e-10, &what);
        }
        for (rs, rm) in streamed.vcov.iter().zip(&memory.vcov) {
            for (a, b) in rs.iter().zip(rm) {
                assert_close(*a, *b, 1e-10, "vcov");
            }
        }
        assert_close(streamed.res_var, memory.res_var, 1e-10, "res_var");
        assert_close(streamed.r_squared, memory.r_squared, 1e-10, "r2");
        assert_close(
            streamed.adj_r_squared,
            memory.adj_r_squared,
            1e-10,
            "adj r2",
        );
        let (fs, fm) = (
            streamed.fstatistic.as_ref().unwrap(),
            memory.fstatistic.as_ref().unwrap(),
        );
        assert_close(fs.value, fm.value, 1e-10, "F");
        assert_close(fs.p_value, fm.p_value, 1e-10, "F p");
    }

    #[test]
    fn every_variance_type_equals_the_in_memory_fit() {
        let (names, mut source) = data(3_000, 5, 40, 7);
        let design = Design::from_matrix(names.clone(), source.x.clone()).unwrap();
        let labels = source.labels.clone().unwrap();
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
            source.labels = clustered.then(|| labels.clone());
            let memory = lm_robust(
                &design,
                &source.y,
                &LmRobustOptions {
                    se_type: Some(se_type),
                    clusters: clustered.then_some(&clusters),
                    ..LmRobustOptions::default()
                },
            )
            .unwrap();
            let streamed = lm_robust_streamed(
                &source,
                &names,
                &StreamOptions {
                    se_type: Some(se_type),
                    clustered,
                    conf_level: 0.95,
                    alternative: Alternative::TwoSided,
                },
            )
            .unwrap();
            same(&streamed, &memory);
        }
    }

    #[test]
    fn chunking_does_not_change_the_answer_beyond_rounding() {
        let (names, mut source) = data(2_000, 4, 25, 11);
        let options = StreamOptions {
            se_type: None,
            clustered: true,
            conf_level: 0.9,
            alternative: Alternative::TwoSided,
        };
        let one = {
            let bounds = std::mem::replace(&mut source.bounds, vec![0, 2_000]);
            let fit = lm_robust_streamed(&source, &names, &options).unwrap();
            source.bounds = bounds;
            fit
        };
        let many = lm_robust_streamed(&source, &names, &options).unwrap();
        same(&many, &one);
    }

    #[test]
    fn collinear_columns_and_a_single_cluster_are_refused_as_in_memory() {
        let (mut names, mut source) = data(500, 3, 1, 3);
        let doubled = source.x.column(1) * 2.0;
        source.x = source.x.insert_column(3, 0.0);
        source.x.set_column(3, &doubled);
        names.push("twice_x1".into());
        let options = StreamOptions {
            se_type: Some(SeType::HC2),
            clustered: false,
            conf_level: 0.95,
            alternative: Alternative::TwoSided,
        };
        source.labels = None;
        assert_eq!(
            lm_robust_streamed(&source, &names, &options).unwrap_err(),
            RegressionError::Collinear {
                columns: vec!["twice_x1".into()]
            }
        );
        let (names, source) = data(500, 3, 1, 3);
        let err = lm_robust_streamed(
            &source,
            &names,
            &StreamOptions {
                se_type: None,
                clustered: true,
                ..options
            },
        )
        .unwrap_err();
        assert!(
            matches!(err, RegressionError::SingleCluster { .. }),
            "{err}"
        );
    }
}
