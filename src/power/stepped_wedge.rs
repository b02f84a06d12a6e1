//! Power of a cross-sectional stepped-wedge cluster trial (Hussey and Hughes 2007):
//! clusters cross from control to intervention in steps, one group of clusters per
//! step, with period fixed effects and a random cluster intercept.
//!
//! # Formula
//! With I clusters, T periods, X_ij = 1 when cluster i is treated in period j,
//! U = Σ_ij X_ij, W = Σ_j (Σ_i X_ij)², V = Σ_i (Σ_j X_ij)², σ² the residual variance of
//! a cluster-period mean (σ_e² / m for m individuals per cluster-period) and τ² the
//! between-cluster variance,
//!
//! Var(θ̂) = I σ² (σ² + T τ²) / ((I U − W) σ² + (U² + I T U − T W − I V) τ²),
//!
//! and the power of a two-sided test at level α is
//! Φ(|θ|/√Var − z_{1−α/2}) + Φ(−|θ|/√Var − z_{1−α/2}) (Hussey and Hughes's
//! equation 8 uses only the first term).
//!
//! # References
//! Hussey, M. A. and Hughes, J. P. (2007). Design and analysis of stepped wedge
//! cluster randomized trials. *Contemporary Clinical Trials* 28(2), 182–191.

use crate::stats::distributions::normal;

/// A standard stepped-wedge layout: `steps` crossover points after one all-control
/// baseline period, `clusters_per_step` clusters crossing at each.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SteppedWedge {
    pub steps: usize,
    pub clusters_per_step: usize,
    /// Individuals measured per cluster and period.
    pub cluster_period_size: f64,
    /// Intraclass correlation ρ = τ² / (τ² + σ_e²).
    pub icc: f64,
}

impl SteppedWedge {
    /// The treatment matrix X (clusters × periods, row-major): cluster in step s
    /// (0-based) is treated from period s + 1 on; there are steps + 1 periods.
    pub fn treatment_matrix(&self) -> (usize, usize, Vec<f64>) {
        let clusters = self.steps * self.clusters_per_step;
        let periods = self.steps + 1;
        let mut x = vec![0.0; clusters * periods];
        for i in 0..clusters {
            let step = i / self.clusters_per_step;
            for j in (step + 1)..periods {
                x[i * periods + j] = 1.0;
            }
        }
        (clusters, periods, x)
    }

    /// Var(θ̂) in units of the individual-level total variance σ_e² + τ² = 1.
    pub fn variance(&self) -> f64 {
        let tau2 = self.icc;
        let sigma2 = (1.0 - self.icc) / self.cluster_period_size;
        let (clusters, periods, x) = self.treatment_matrix();
        treatment_variance(clusters, periods, &x, sigma2, tau2)
    }

    /// Power to detect a standardised effect (in SDs of the individual outcome).
    pub fn power(&self, effect: f64, alpha: f64) -> f64 {
        let se = self.variance().sqrt();
        let z = normal::quantile(1.0 - alpha / 2.0).unwrap_or(f64::NAN);
        let shift = effect.abs() / se;
        normal::cdf(shift - z).unwrap_or(f64::NAN) + normal::cdf(-shift - z).unwrap_or(f64::NAN)
    }
}

/// Hussey and Hughes's closed-form Var(θ̂) for any treatment matrix `x`
/// (clusters × periods, row-major, entries 0 or 1), with cluster-period-mean residual
/// variance `sigma2` and cluster variance `tau2`.
pub fn treatment_variance(
    clusters: usize,
    periods: usize,
    x: &[f64],
    sigma2: f64,
    tau2: f64,
) -> f64 {
    let (i, t) = (clusters as f64, periods as f64);
    let u: f64 = x.iter().sum();
    let w: f64 = (0..periods)
        .map(|j| {
            (0..clusters)
                .map(|c| x[c * periods + j])
                .sum::<f64>()
                .powi(2)
        })
        .sum();
    let v: f64 = (0..clusters)
        .map(|c| {
            x[c * periods..(c + 1) * periods]
                .iter()
                .sum::<f64>()
                .powi(2)
        })
        .sum();
    i * sigma2 * (sigma2 + t * tau2)
        / ((i * u - w) * sigma2 + (u * u + i * t * u - t * w - i * v) * tau2)
}
