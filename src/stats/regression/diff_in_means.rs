//! Difference in means for randomised experiments: Evident's
//! `estimatr::difference_in_means()`.
//!
//! In: an outcome, a 0/1 treatment indicator and optionally blocks, clusters or
//! weights. Out: a [`DifferenceInMeans`] holding the shared [`Estimate`] (treated −
//! control) and the design that chose the estimator.
//!
//! | design (`DimDesign`) | inputs          | estimate                  | SE                                      | df               |
//! |----------------------|-----------------|---------------------------|-----------------------------------------|------------------|
//! | `Standard`           | —               | ȳ₁ − ȳ₀                   | √(s₁²/n₁ + s₀²/n₀) (Neyman)             | Welch–Satterthwaite |
//! | `Blocked`            | blocks          | Σ (N_b/N) τ_b             | √(Σ (N_b/N)² SE_b²)                      | N − 2·B          |
//! | `MatchedPairs`       | blocks, any of size 2 | Σ (N_b/N) τ_b       | √(Σ (τ_b − τ̂)² / (B(B−1)))              | B − 1            |
//! | `Clustered`          | clusters        | lm_robust(y ~ t), CR2     | CR2                                      | Bell–McCaffrey   |
//! | `Weighted`           | weights         | lm_robust(y ~ t), HC2     | HC2 (weighted)                           | N − 2            |
//! | `ClusteredWeighted`  | clusters, weights | lm_robust(y ~ t), CR2   | CR2 (weighted)                           | Bell–McCaffrey   |
//! | `BlockClustered`     | blocks, clusters | Σ (N_b/N) τ_b (τ_b by CR2 fit) | √(Σ (N_b/N)² SE_b²) (CR2 SE_b)     | J − 2·B          |
//! | `MatchedPairsClustered` | blocks of two clusters | Σ (N_b/N) τ_b   | √(B/((B−1)N²) Σ (N_bτ_b − Nτ̂/B)²)      | B − 1            |
//! | `BlockedWeighted`    | blocks, weights | Σ (W_b/W) τ_b (weighted HC2 per block) | √(Σ (W_b/W)² SE_b²)        | N − 2·B          |
//! | `BlockClusteredWeighted` | blocks, clusters, weights | Σ (W_b/W) τ_b (weighted CR2) | √(Σ (W_b/W)² SE_b²)  | J − 2·B          |
//!
//! B blocks, J clusters in all, W_b the sum of the weights in block b. Block sizes
//! count clusters when clusters are given. As in estimatr, when some blocks have two
//! units (clusters) and others more, the matched-pair variance is used for all
//! (estimatr warns; here `mixed_block_sizes` is set); matched pairs with weights are
//! refused, as estimatr does.
//!
//! # References
//! Gerber, A. S. & Green, D. P. (2012). Field Experiments: Design, Analysis, and
//! Interpretation, eq. 3.6 and 4.12. Imai, K. (2008). Variance identification and
//! efficiency analysis in randomized experiments under the matched-pair design.
//! Statistics in Medicine 27(24), 4857–4873. doi:10.1002/sim.3337. Imai, K., King, G.
//! & Nall, C. (2009). The essential role of pair matching in cluster-randomized
//! experiments. Statistical Science 24(1), 29–53. doi:10.1214/08-STS274.
//! estimatr 1.0.0, `difference_in_means()`.

use nalgebra::DMatrix;
use serde::Serialize;
use std::fmt;

use super::lm_robust::{check_conf_level, checked_estimate};
use super::ols::{check_outcome, check_weights};
use super::{Clusters, Design, LmRobustOptions, RegressionError, SeType, lm_robust};
use crate::stats::estimate::{Alternative, Estimate};

/// Which estimator the inputs selected (see the module table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DimDesign {
    Standard,
    Blocked,
    MatchedPairs,
    Clustered,
    Weighted,
    ClusteredWeighted,
    BlockClustered,
    MatchedPairsClustered,
    BlockedWeighted,
    BlockClusteredWeighted,
}

/// Options of [`difference_in_means`].
#[derive(Debug, Clone, Copy)]
pub struct DimOptions<'a> {
    pub blocks: Option<&'a Clusters>,
    pub clusters: Option<&'a Clusters>,
    pub weights: Option<&'a [f64]>,
    /// Confidence level in (0, 1); default 0.95.
    pub conf_level: f64,
    pub alternative: Alternative,
}

impl Default for DimOptions<'_> {
    fn default() -> Self {
        DimOptions {
            blocks: None,
            clusters: None,
            weights: None,
            conf_level: 0.95,
            alternative: Alternative::TwoSided,
        }
    }
}

/// The treated-minus-control difference with its inference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DifferenceInMeans {
    pub design: DimDesign,
    #[serde(flatten)]
    pub estimate: Estimate,
    pub nobs: usize,
    pub n_treated: usize,
    pub n_control: usize,
    pub nblocks: Option<usize>,
    pub nclusters: Option<usize>,
    /// Blocks of two units mixed with larger blocks (matched-pair variance used).
    pub mixed_block_sizes: bool,
    /// The arm means the difference is made of, with their covariance under the
    /// same variance estimator (so ratios of the means share the difference's
    /// variance; see [`ArmMeans`]).
    pub arm_means: ArmMeans,
}

/// The design's estimates of the treated and control means and their covariance
/// matrix, from the variance estimator the design selected: the difference's
/// variance is `var_treated + var_control − 2·covariance` exactly.
///
/// | design | means | covariance |
/// |---|---|---|
/// | `Standard` | arm means | diag(s₁²/n₁, s₀²/n₀) (Neyman; HC2 of y ~ arm) |
/// | `Clustered`, `Weighted`, … | b₀ + b₁, b₀ of lm_robust(y ~ t) | A V Aᵀ, V its CR2/HC2 vcov |
/// | `Blocked`, `BlockClustered`, … | Σ w_b m_b | Σ w_b² V_b (per-block covariance as above) |
/// | `MatchedPairs` | Σ w_b m_b | Σ (m_b − m̄)(m_b − m̄)ᵀ / (B(B − 1)) |
/// | `MatchedPairsClustered` | Σ w_b m_b | B/((B − 1)N²) Σ (N_b m_b − N m̄/B)(…)ᵀ |
///
/// m_b = (treated mean, control mean) of block b, w_b = N_b/N (W_b/W weighted).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ArmMeans {
    pub treated: f64,
    pub control: f64,
    pub var_treated: f64,
    pub var_control: f64,
    pub covariance: f64,
}

impl ArmMeans {
    fn scaled(self, w: f64) -> ArmMeans {
        ArmMeans {
            treated: self.treated * w,
            control: self.control * w,
            var_treated: self.var_treated * w * w,
            var_control: self.var_control * w * w,
            covariance: self.covariance * w * w,
        }
    }

    fn plus(self, other: ArmMeans) -> ArmMeans {
        ArmMeans {
            treated: self.treated + other.treated,
            control: self.control + other.control,
            var_treated: self.var_treated + other.var_treated,
            var_control: self.var_control + other.var_control,
            covariance: self.covariance + other.covariance,
        }
    }

    const ZERO: ArmMeans = ArmMeans {
        treated: 0.0,
        control: 0.0,
        var_treated: 0.0,
        var_control: 0.0,
        covariance: 0.0,
    };

    /// Means from a regression of y on (intercept, treatment) with covariance V:
    /// control = b₀, treated = b₀ + b₁.
    pub(crate) fn from_regression(b0: f64, b1: f64, v: &[Vec<f64>]) -> ArmMeans {
        ArmMeans {
            treated: b0 + b1,
            control: b0,
            var_treated: v[0][0] + 2.0 * v[0][1] + v[1][1],
            var_control: v[0][0],
            covariance: v[0][0] + v[0][1],
        }
    }

    /// Between-block covariance of the block mean vectors `u_b` about `centre`,
    /// times `scale`.
    fn between(points: &[(f64, f64)], centre: (f64, f64), scale: f64) -> (f64, f64, f64) {
        let (mut vt, mut vc, mut cv) = (0.0, 0.0, 0.0);
        for (t, c) in points {
            let (dt, dc) = (t - centre.0, c - centre.1);
            vt += dt * dt;
            vc += dc * dc;
            cv += dt * dc;
        }
        (vt * scale, vc * scale, cv * scale)
    }
}

/// Estimates the average treatment effect as a difference in means.
///
/// `treatment[i]` must be 0 (control) or 1 (treated). See the module docs for which
/// estimator each combination of options selects.
///
/// # Errors
/// Length and finiteness checks; [`RegressionError::BadTreatment`];
/// [`RegressionError::TooFewInCondition`] when a condition (in a block) has fewer than
/// two units (one each in matched pairs); [`RegressionError::SingletonBlock`];
/// [`RegressionError::MixedCluster`]; [`RegressionError::Unsupported`] for matched
/// pairs with weights; errors of [`lm_robust()`] for the regression-based designs.
pub fn difference_in_means(
    y: &[f64],
    treatment: &[f64],
    options: &DimOptions,
) -> Result<DifferenceInMeans, RegressionError> {
    check_conf_level(options.conf_level)?;
    let n = y.len();
    if n == 0 {
        return Err(RegressionError::Empty);
    }
    check_outcome(y, n)?;
    let treated = treatment_flags(treatment, n)?;
    let n_treated = treated.iter().filter(|&&t| t).count();
    let n_control = n - n_treated;
    if let Some(w) = options.weights {
        check_weights(w, n)?;
    }
    for (name, groups) in [("blocks", options.blocks), ("clusters", options.clusters)] {
        if let Some(g) = groups
            && g.len() != n
        {
            return Err(RegressionError::LengthMismatch {
                column: name.into(),
                expected: n,
                found: g.len(),
            });
        }
    }
    // Counts shared by every design; the estimator fills in the rest.
    let base = |design: DimDesign, estimate: Estimate, arm_means: ArmMeans| DifferenceInMeans {
        design,
        estimate,
        nobs: n,
        n_treated,
        n_control,
        nblocks: None,
        nclusters: None,
        mixed_block_sizes: false,
        arm_means,
    };
    if let Some(blocks) = options.blocks {
        return blocked(y, &treated, blocks, options, base);
    }
    need_two(n_treated, n_control, "the whole sample")?;
    if options.clusters.is_none() && options.weights.is_none() {
        let (diff, var, df) = neyman(y, &treated);
        let estimate = checked_estimate(
            "difference in means",
            diff,
            var,
            df,
            options.conf_level,
            options.alternative,
        )?;
        return Ok(base(
            DimDesign::Standard,
            estimate,
            neyman_means(y, &treated),
        ));
    }
    if let Some(c) = options.clusters {
        check_cluster_treatment(c, &treated)?;
    }
    let x = DMatrix::from_fn(n, 2, |i, j| if j == 0 || treated[i] { 1.0 } else { 0.0 });
    let design = Design::from_matrix(vec!["(Intercept)".into(), "treatment".into()], x)?;
    let fit = lm_robust(
        &design,
        y,
        &LmRobustOptions {
            se_type: Some(if options.clusters.is_some() {
                SeType::CR2
            } else {
                SeType::HC2
            }),
            weights: options.weights,
            clusters: options.clusters,
            conf_level: options.conf_level,
            alternative: options.alternative,
        },
    )?;
    let dim_design = match (options.clusters.is_some(), options.weights.is_some()) {
        (true, true) => DimDesign::ClusteredWeighted,
        (true, false) => DimDesign::Clustered,
        _ => DimDesign::Weighted,
    };
    let arm_means = ArmMeans::from_regression(
        fit.coefficients[0].estimate.estimate,
        fit.coefficients[1].estimate.estimate,
        &fit.vcov,
    );
    Ok(DifferenceInMeans {
        nclusters: options.clusters.map(Clusters::count),
        ..base(dim_design, fit.coefficients[1].estimate.clone(), arm_means)
    })
}

fn treatment_flags(treatment: &[f64], n: usize) -> Result<Vec<bool>, RegressionError> {
    if treatment.len() != n {
        return Err(RegressionError::LengthMismatch {
            column: "treatment".into(),
            expected: n,
            found: treatment.len(),
        });
    }
    treatment
        .iter()
        .enumerate()
        .map(|(row, &value)| match value {
            0.0 => Ok(false),
            1.0 => Ok(true),
            _ => Err(RegressionError::BadTreatment { row, value }),
        })
        .collect()
}

fn need_two(n_treated: usize, n_control: usize, group: &str) -> Result<(), RegressionError> {
    for (label, count) in [("treated", n_treated), ("control", n_control)] {
        if count < 2 {
            return Err(RegressionError::TooFewInCondition {
                group: format!("the {label} group of {group}"),
                n: count,
                needed: 2,
                rule: "a within-condition variance needs two units",
            });
        }
    }
    Ok(())
}

/// (ȳ₁ − ȳ₀, s₁²/n₁ + s₀²/n₀, Welch df).
fn neyman(y: &[f64], treated: &[bool]) -> (f64, f64, f64) {
    let (m1, v1, n1) = mean_var(y, treated, true);
    let (m0, v0, n0) = mean_var(y, treated, false);
    let (a, b) = (v1 / n1, v0 / n0);
    let var = a + b;
    let df = var * var / (a * a / (n1 - 1.0) + b * b / (n0 - 1.0));
    (m1 - m0, var, df)
}

/// Arm means with the Neyman variances s²/n and no covariance.
fn neyman_means(y: &[f64], treated: &[bool]) -> ArmMeans {
    let (m1, v1, n1) = mean_var(y, treated, true);
    let (m0, v0, n0) = mean_var(y, treated, false);
    ArmMeans {
        treated: m1,
        control: m0,
        var_treated: v1 / n1,
        var_control: v0 / n0,
        covariance: 0.0,
    }
}

/// Mean, sample variance (n − 1) and count of the units with `treated == which`.
fn mean_var(y: &[f64], treated: &[bool], which: bool) -> (f64, f64, f64) {
    let values = || {
        y.iter()
            .zip(treated)
            .filter(|(_, t)| **t == which)
            .map(|(v, _)| *v)
    };
    let n = values().count() as f64;
    let mean = values().sum::<f64>() / n;
    let ss = values().map(|v| (v - mean) * (v - mean)).sum::<f64>();
    (mean, ss / (n - 1.0), n)
}

/// One block's data, with its clusters (labels of the parent) and weights.
struct Block {
    y: Vec<f64>,
    treatment: Vec<f64>,
    treated: Vec<bool>,
    clusters: Option<Clusters>,
    weights: Option<Vec<f64>>,
    n_treated: usize,
    n_control: usize,
    /// Clusters in the block, or units without clusters.
    size: usize,
}

fn blocked(
    y: &[f64],
    treated: &[bool],
    blocks: &Clusters,
    options: &DimOptions,
    base: impl Fn(DimDesign, Estimate, ArmMeans) -> DifferenceInMeans,
) -> Result<DifferenceInMeans, RegressionError> {
    let members = blocks.members();
    let nblocks = members.len();
    if let Some(c) = options.clusters {
        for rows in c.members() {
            let block = blocks.ids()[rows[0]];
            if rows.iter().any(|&i| blocks.ids()[i] != block) {
                return Err(RegressionError::ClusterAcrossBlocks {
                    cluster: c.label(c.ids()[rows[0]]).to_string(),
                });
            }
        }
    }
    let mut pieces = Vec::with_capacity(nblocks);
    for (b, rows) in members.iter().enumerate() {
        let clusters = options.clusters.map(|c| {
            let labels: Vec<&str> = rows.iter().map(|&i| c.label(c.ids()[i])).collect();
            Clusters::from_labels(&labels)
        });
        let size = clusters.as_ref().map_or(rows.len(), Clusters::count);
        if size == 1 {
            return Err(RegressionError::SingletonBlock {
                block: blocks.label(b).to_string(),
            });
        }
        let tb: Vec<bool> = rows.iter().map(|&i| treated[i]).collect();
        let n_treated = tb.iter().filter(|&&t| t).count();
        let n_control = tb.len() - n_treated;
        for (label, count) in [("treated", n_treated), ("control", n_control)] {
            if count == 0 {
                return Err(RegressionError::TooFewInCondition {
                    group: format!("the {label} group of block '{}'", blocks.label(b)),
                    n: 0,
                    needed: 1,
                    rule: "every block needs both conditions",
                });
            }
        }
        if let Some(c) = &clusters {
            check_cluster_treatment(c, &tb)?;
        }
        pieces.push(Block {
            y: rows.iter().map(|&i| y[i]).collect(),
            treatment: tb.iter().map(|&t| f64::from(u8::from(t))).collect(),
            treated: tb,
            clusters,
            weights: options
                .weights
                .map(|w| rows.iter().map(|&i| w[i]).collect()),
            n_treated,
            n_control,
            size,
        });
    }
    let any_pair = pieces.iter().any(|p| p.size == 2);
    let all_pairs = pieces.iter().all(|p| p.size == 2);
    let clustered = options.clusters.is_some();
    let weighted = options.weights.is_some();
    let nbf = nblocks as f64;
    let (diff, var, df, design, arm_means) = if any_pair {
        if weighted {
            return Err(RegressionError::Unsupported(
                "weights with a matched-pair design are not supported (as in estimatr)",
            ));
        }
        if nblocks < 2 {
            return Err(RegressionError::TooFewInCondition {
                group: "the matched pairs".into(),
                n: nblocks,
                needed: 2,
                rule: "the matched-pair variance needs two pairs",
            });
        }
        // Per block: (treated mean, control mean) and N_b.
        let block_means: Vec<((f64, f64), f64)> = pieces
            .iter()
            .map(|p| {
                let (m1, _, _) = mean_var(&p.y, &p.treated, true);
                let (m0, _, _) = mean_var(&p.y, &p.treated, false);
                ((m1, m0), p.y.len() as f64)
            })
            .collect();
        let taus: Vec<(f64, f64)> = block_means
            .iter()
            .map(|((m1, m0), nb)| (m1 - m0, *nb))
            .collect();
        let n: f64 = taus.iter().map(|(_, nb)| nb).sum();
        let diff: f64 = taus.iter().map(|(t, nb)| t * nb / n).sum();
        let centre = block_means.iter().fold((0.0, 0.0), |acc, ((m1, m0), nb)| {
            (acc.0 + m1 * nb / n, acc.1 + m0 * nb / n)
        });
        if clustered {
            // estimatr's "Matched-pair clustered" (Imai, King & Nall 2009).
            let ss: f64 = taus
                .iter()
                .map(|(t, nb)| (nb * t - n * diff / nbf).powi(2))
                .sum();
            let var = nbf / ((nbf - 1.0) * n * n) * ss;
            let scaled: Vec<(f64, f64)> = block_means
                .iter()
                .map(|((m1, m0), nb)| (nb * m1, nb * m0))
                .collect();
            let (vt, vc, cv) = ArmMeans::between(
                &scaled,
                (n * centre.0 / nbf, n * centre.1 / nbf),
                nbf / ((nbf - 1.0) * n * n),
            );
            (
                diff,
                var,
                nbf - 1.0,
                DimDesign::MatchedPairsClustered,
                ArmMeans {
                    treated: centre.0,
                    control: centre.1,
                    var_treated: vt,
                    var_control: vc,
                    covariance: cv,
                },
            )
        } else {
            let ss: f64 = taus.iter().map(|(t, _)| (t - diff) * (t - diff)).sum();
            let points: Vec<(f64, f64)> = block_means.iter().map(|(m, _)| *m).collect();
            let (vt, vc, cv) = ArmMeans::between(&points, centre, 1.0 / (nbf * (nbf - 1.0)));
            (
                diff,
                ss / (nbf * (nbf - 1.0)),
                nbf - 1.0,
                DimDesign::MatchedPairs,
                ArmMeans {
                    treated: centre.0,
                    control: centre.1,
                    var_treated: vt,
                    var_control: vc,
                    covariance: cv,
                },
            )
        }
    } else {
        // Per-block estimate, SE and weight (units, or the sum of the weights).
        let mut per_block = Vec::with_capacity(nblocks);
        for (b, p) in pieces.iter().enumerate() {
            need_two(
                p.n_treated,
                p.n_control,
                &format!("block '{}'", blocks.label(b)),
            )?;
            let nobs = p
                .weights
                .as_ref()
                .map_or(p.y.len() as f64, |w| w.iter().sum());
            if clustered || weighted {
                let sub = difference_in_means(
                    &p.y,
                    &p.treatment,
                    &DimOptions {
                        blocks: None,
                        clusters: p.clusters.as_ref(),
                        weights: p.weights.as_deref(),
                        conf_level: options.conf_level,
                        alternative: options.alternative,
                    },
                )?;
                per_block.push((
                    sub.estimate.estimate,
                    sub.estimate.std_error.powi(2),
                    nobs,
                    sub.arm_means,
                ));
            } else {
                let (d, v, _) = neyman(&p.y, &p.treated);
                per_block.push((d, v, nobs, neyman_means(&p.y, &p.treated)));
            }
        }
        let total: f64 = per_block.iter().map(|(_, _, nb, _)| nb).sum();
        let diff: f64 = per_block.iter().map(|(d, _, nb, _)| d * nb / total).sum();
        let var: f64 = per_block
            .iter()
            .map(|(_, v, nb, _)| v * (nb / total).powi(2))
            .sum();
        let arm_means = per_block.iter().fold(ArmMeans::ZERO, |acc, (_, _, nb, m)| {
            acc.plus(m.scaled(nb / total))
        });
        let (df, design) = match (clustered, weighted) {
            (true, false) => (
                pieces.iter().map(|p| p.size as f64).sum::<f64>() - 2.0 * nbf,
                DimDesign::BlockClustered,
            ),
            (true, true) => (
                pieces.iter().map(|p| p.size as f64).sum::<f64>() - 2.0 * nbf,
                DimDesign::BlockClusteredWeighted,
            ),
            (false, true) => (y.len() as f64 - 2.0 * nbf, DimDesign::BlockedWeighted),
            (false, false) => (y.len() as f64 - 2.0 * nbf, DimDesign::Blocked),
        };
        (diff, var, df, design, arm_means)
    };
    let estimate = checked_estimate(
        "difference in means",
        diff,
        var,
        df,
        options.conf_level,
        options.alternative,
    )?;
    Ok(DifferenceInMeans {
        nblocks: Some(nblocks),
        nclusters: options
            .clusters
            .map(|_| pieces.iter().map(|p| p.size).sum()),
        mixed_block_sizes: any_pair && !all_pairs,
        ..base(design, estimate, arm_means)
    })
}

/// Treatment must be constant within each cluster.
fn check_cluster_treatment(c: &Clusters, treated: &[bool]) -> Result<(), RegressionError> {
    for rows in c.members() {
        if rows.iter().any(|&i| treated[i] != treated[rows[0]]) {
            return Err(RegressionError::MixedCluster {
                cluster: c.label(c.ids()[rows[0]]).to_string(),
            });
        }
    }
    Ok(())
}

impl fmt::Display for DifferenceInMeans {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let design = match self.design {
            DimDesign::Standard => "Standard",
            DimDesign::Blocked => "Blocked",
            DimDesign::MatchedPairs => "Matched-pair",
            DimDesign::Clustered => "Clustered",
            DimDesign::Weighted => "Standard (weighted)",
            DimDesign::ClusteredWeighted => "Clustered (weighted)",
            DimDesign::BlockClustered => "Block-clustered",
            DimDesign::MatchedPairsClustered => "Matched-pair clustered",
            DimDesign::BlockedWeighted => "Blocked (weighted)",
            DimDesign::BlockClusteredWeighted => "Block-clustered (weighted)",
        };
        writeln!(f, "Design:  {design}")?;
        let e = &self.estimate;
        writeln!(
            f,
            "{:>12} {:>12} {:>9} {:>10} {:>12} {:>12} {:>9}",
            "Estimate", "Std. Error", "t value", "Pr(>|t|)", "CI Lower", "CI Upper", "DF"
        )?;
        writeln!(
            f,
            "{:>12.6} {:>12.6} {:>9.3} {:>10.4e} {:>12.6} {:>12.6} {:>9.2}",
            e.estimate, e.std_error, e.statistic, e.p_value, e.conf_low, e.conf_high, e.df
        )?;
        write!(
            f,
            "({:.0}% confidence interval; {} treated, {} control",
            e.conf_level * 100.0,
            self.n_treated,
            self.n_control
        )?;
        if let Some(b) = self.nblocks {
            write!(f, ", {b} blocks")?;
        }
        if let Some(c) = self.nclusters {
            write!(f, ", {c} clusters")?;
        }
        writeln!(f, ")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_treatment_is_refused() {
        let err =
            difference_in_means(&[1.0, 2.0], &[0.0, 2.0], &DimOptions::default()).unwrap_err();
        assert_eq!(err, RegressionError::BadTreatment { row: 1, value: 2.0 });
    }

    #[test]
    fn one_treated_unit_is_refused() {
        let err = difference_in_means(
            &[1.0, 2.0, 3.0, 4.0],
            &[1.0, 0.0, 0.0, 0.0],
            &DimOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(
            err,
            RegressionError::TooFewInCondition { n: 1, .. }
        ));
    }

    #[test]
    fn mixed_cluster_is_named() {
        let c = Clusters::from_labels(&["a", "a", "b", "b", "c", "c"]);
        let err = difference_in_means(
            &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            &[1.0, 0.0, 0.0, 0.0, 1.0, 1.0],
            &DimOptions {
                clusters: Some(&c),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(
            err,
            RegressionError::MixedCluster {
                cluster: "a".into()
            }
        );
    }

    #[test]
    fn singleton_block_is_named() {
        let b = Clusters::from_labels(&["x", "x", "y", "z", "z"]);
        let err = difference_in_means(
            &[1.0, 2.0, 3.0, 4.0, 5.0],
            &[1.0, 0.0, 1.0, 0.0, 1.0],
            &DimOptions {
                blocks: Some(&b),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(err, RegressionError::SingletonBlock { block: "y".into() });
    }

    #[test]
    fn display_names_the_design() {
        let fit = difference_in_means(
            &[1.0, 2.0, 3.0, 4.0, 6.0, 5.0],
            &[0.0, 0.0, 0.0, 1.0, 1.0, 1.0],
            &DimOptions::default(),
        )
        .unwrap();
        assert_eq!(fit.design, DimDesign::Standard);
        assert!(fit.to_string().starts_with("Design:  Standard"));
        let json = serde_json::to_value(&fit).unwrap();
        assert_eq!(json["design"], "standard");
        assert_eq!(json["estimate"], 3.0);
    }

    #[test]
    fn cluster_spanning_blocks_is_named() {
        let b = Clusters::from_labels(&["x", "x", "x", "y", "y", "y"]);
        let c = Clusters::from_labels(&["c1", "c2", "c3", "c3", "c4", "c5"]);
        let err = difference_in_means(
            &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            &[1.0, 0.0, 1.0, 1.0, 0.0, 0.0],
            &DimOptions {
                blocks: Some(&b),
                clusters: Some(&c),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(
            err,
            RegressionError::ClusterAcrossBlocks {
                cluster: "c3".into()
            }
        );
    }

    /// For every design the arm means' covariance gives back the difference's
    /// variance exactly: Var(p̂₁ − p̂₀) = V₁₁ + V₀₀ − 2V₁₀, and p̂₁ − p̂₀ is the estimate.
    #[test]
    fn arm_means_share_the_difference_variance_in_every_design() {
        let y: Vec<f64> = (0..24)
            .map(|i| ((i * 7 % 11) as f64) + 0.5 * i as f64)
            .collect();
        let t: Vec<f64> = (0..24).map(|i| f64::from(u8::from(i % 2 == 1))).collect();
        let blocks4 = Clusters::from_labels(&(0..24).map(|i| i / 6).collect::<Vec<_>>());
        let pairs = Clusters::from_labels(&(0..24).map(|i| i / 2).collect::<Vec<_>>());
        // Pairs mixed with larger blocks.
        let mixed = Clusters::from_labels(
            &(0..24)
                .map(|i| if i < 8 { i / 2 } else { 4 + (i - 8) / 8 })
                .collect::<Vec<_>>(),
        );
        let clusters = Clusters::from_labels(&(0..24).map(|i| i % 12).collect::<Vec<_>>());
        let cluster_pairs =
            Clusters::from_labels(&(0..24).map(|i| (i % 12) / 4).collect::<Vec<_>>());
        let cluster_twos =
            Clusters::from_labels(&(0..24).map(|i| (i % 12) / 2).collect::<Vec<_>>());
        let cases: Vec<(DimOptions, DimDesign)> = vec![
            (DimOptions::default(), DimDesign::Standard),
            (
                DimOptions {
                    blocks: Some(&blocks4),
                    ..Default::default()
                },
                DimDesign::Blocked,
            ),
            (
                DimOptions {
                    blocks: Some(&pairs),
                    ..Default::default()
                },
                DimDesign::MatchedPairs,
            ),
            (
                DimOptions {
                    blocks: Some(&mixed),
                    ..Default::default()
                },
                DimDesign::MatchedPairs,
            ),
            (
                DimOptions {
                    clusters: Some(&clusters),
                    ..Default::default()
                },
                DimDesign::Clustered,
            ),
            (
                DimOptions {
                    blocks: Some(&cluster_pairs),
                    clusters: Some(&clusters),
                    ..Default::default()
                },
                DimDesign::BlockClustered,
            ),
            (
                DimOptions {
                    blocks: Some(&cluster_twos),
                    clusters: Some(&clusters),
                    ..Default::default()
                },
                DimDesign::MatchedPairsClustered,
            ),
        ];
        for (options, design) in cases {
            let fit = difference_in_means(&y, &t, &options).unwrap();
            assert_eq!(fit.design, design);
            let m = fit.arm_means;
            let var = m.var_treated + m.var_control - 2.0 * m.covariance;
            let se2 = fit.estimate.std_error.powi(2);
            assert!(
                (var - se2).abs() <= 1e-12 * se2,
                "{design:?}: {var} vs {se2}"
            );
            let d = m.treated - m.control;
            assert!(
                (d - fit.estimate.estimate).abs() <= 1e-12 * fit.estimate.estimate.abs().max(1.0),
                "{design:?}"
            );
        }
    }

    #[test]
    fn weighted_matched_pairs_are_refused() {
        let b = Clusters::from_labels(&["p", "p", "q", "q"]);
        let err = difference_in_means(
            &[1.0, 2.0, 3.0, 4.0],
            &[1.0, 0.0, 0.0, 1.0],
            &DimOptions {
                blocks: Some(&b),
                weights: Some(&[1.0, 2.0, 1.0, 2.0]),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(matches!(err, RegressionError::Unsupported(_)));
    }
}
