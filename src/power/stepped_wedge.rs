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
//! # Solving (the plan stage's `test: stepped_wedge`)
//! With K clusters per step (J = S·K clusters in S steps), U, W and V grow as K, K²
//! and K, so Var(θ̂) = Var₁/K exactly, Var₁ being the variance of the design with one
//! cluster per step. Writing m for the standardised shift at which the power equals
//! the target (two-sided: Φ(m − z) + Φ(−m − z) = power, solved by Brent's method;
//! one-sided: m = z_{1−α} + z_power), the MDES is m·√(Var₁/K) and the clusters needed
//! for an effect θ are J = S·Var₁·m²/θ², rounded up to whole clusters per step.
//!
//! # References
//! Hussey, M. A. and Hughes, J. P. (2007). Design and analysis of stepped wedge
//! cluster randomized trials. *Contemporary Clinical Trials* 28(2), 182–191.

use super::answer::{GroupSize, PowerAnswer, Unknown};
use super::error::{PowerError, check_power_target, check_share};
use super::mdes::Targets;
use super::solve::{Root, solve_increasing};
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

/// A stepped-wedge planning question: leave exactly one of `clusters`,
/// `targets.effect` and `targets.power` unknown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SteppedWedgeQuestion {
    /// Crossover steps S (the trial has S + 1 periods).
    pub steps: usize,
    /// Clusters randomised in total, J (a multiple of S for a whole design; any
    /// positive number on the curves).
    pub clusters: Option<f64>,
    /// Individuals measured in each cluster and period, m.
    pub cluster_period_size: f64,
    /// Intraclass correlation ρ ∈ [0, 1).
    pub icc: f64,
    pub targets: Targets,
}

/// The largest number of clusters a question may need.
const MAX_CLUSTERS: f64 = 1e9;

impl SteppedWedgeQuestion {
    /// Var(θ̂) with one cluster per step (Var₁), in units of the individual-level
    /// total variance.
    fn variance_one_per_step(&self) -> f64 {
        SteppedWedge {
            steps: self.steps,
            clusters_per_step: 1,
            cluster_period_size: self.cluster_period_size,
            icc: self.icc,
        }
        .variance()
    }

    /// Standard error of θ̂ with `clusters` clusters in all.
    pub fn standard_error(&self, clusters: f64) -> f64 {
        (self.variance_one_per_step() * self.steps as f64 / clusters).sqrt()
    }

    /// Power to detect `effect` (SD units) with `clusters` clusters.
    pub fn power_at(&self, effect: f64, clusters: f64) -> Result<f64, PowerError> {
        power_of_shift(
            effect.abs() / self.standard_error(clusters),
            self.targets.alpha,
            self.targets.two_sided,
        )
    }
}

/// Power of a z test whose statistic is shifted by `shift` standard errors.
fn power_of_shift(shift: f64, alpha: f64, two_sided: bool) -> Result<f64, PowerError> {
    Ok(if two_sided {
        let z = normal::quantile(1.0 - alpha / 2.0)?;
        normal::cdf(shift - z)? + normal::cdf(-shift - z)?
    } else {
        normal::cdf(shift - normal::quantile(1.0 - alpha)?)?
    })
}

/// The shift (in standard errors) at which the power equals `power`.
fn shift_for_power(power: f64, alpha: f64, two_sided: bool) -> Result<f64, PowerError> {
    if !two_sided {
        return Ok(normal::quantile(1.0 - alpha)? + normal::quantile(power)?);
    }
    let guess = normal::quantile(1.0 - alpha / 2.0)? + normal::quantile(power)?;
    match solve_increasing(
        |m| power_of_shift(m, alpha, true),
        power,
        0.0,
        1e6,
        (guess - 1.0).max(0.0),
        guess + 1.0,
    )? {
        Root::At(m) | Root::AtMinimum(m) => Ok(m),
        Root::AboveMaximum(_) => Err(PowerError::NoSolution {
            what: "effect",
            target: format!("power {power}"),
            reason: "the power cannot reach it".into(),
        }),
    }
}

/// Answers a stepped-wedge question by Hussey and Hughes's closed form.
///
/// # Errors
/// Fewer than 2 steps; an ICC outside [0, 1); a cluster-period size below 1; fewer
/// clusters than steps; not exactly one unknown; a power target not above alpha; more
/// than 1e9 clusters needed.
pub fn solve_stepped_wedge(q: &SteppedWedgeQuestion) -> Result<PowerAnswer, PowerError> {
    if q.steps < 2 {
        return Err(PowerError::Invalid {
            name: "steps",
            value: q.steps as f64,
            rule: "at least 2",
        });
    }
    if !(q.icc.is_finite() && (0.0..1.0).contains(&q.icc)) {
        return Err(PowerError::IccOutOfRange { value: q.icc });
    }
    if !(q.cluster_period_size.is_finite() && q.cluster_period_size >= 1.0) {
        return Err(PowerError::Invalid {
            name: "cluster size",
            value: q.cluster_period_size,
            rule: "at least 1 individual per cluster and period",
        });
    }
    let steps = q.steps as f64;
    if let Some(j) = q.clusters
        && !(j.is_finite() && j >= 1.0)
    {
        return Err(PowerError::Invalid {
            name: "clusters",
            value: j,
            rule: "at least 1",
        });
    }
    let alpha = check_share("alpha", q.targets.alpha)?;
    let two_sided = q.targets.two_sided;
    let (solved_for, clusters, effect, power) =
        match (q.clusters, q.targets.effect, q.targets.power) {
            (Some(j), Some(effect), None) => (Unknown::Power, j, effect, q.power_at(effect, j)?),
            (Some(j), None, Some(power)) => {
                let power = check_power_target(power, alpha)?;
                let m = shift_for_power(power, alpha, two_sided)?;
                (Unknown::Effect, j, m * q.standard_error(j), power)
            }
            (None, Some(effect), Some(power)) => {
                let power = check_power_target(power, alpha)?;
                if effect == 0.0 {
                    return Err(PowerError::ZeroEffect);
                }
                let m = shift_for_power(power, alpha, two_sided)?;
                let j = steps * q.variance_one_per_step() * m * m / (effect * effect);
                if j > MAX_CLUSTERS {
                    return Err(PowerError::TooLarge {
                        target: format!("power {power}"),
                        limit: MAX_CLUSTERS,
                        units: "clusters",
                        reason: "the effect is too small for the design".into(),
                    });
                }
                (Unknown::SampleSize, j, effect, power)
            }
            (c, e, p) => {
                let unknown: Vec<&str> = [
                    (c.is_none(), "clusters"),
                    (e.is_none(), "effect"),
                    (p.is_none(), "power"),
                ]
                .iter()
                .filter(|(b, _)| *b)
                .map(|(_, s)| *s)
                .collect();
                return Err(PowerError::Unknowns {
                    names: "the clusters, the effect and the power",
                    count: unknown.len(),
                    unknown: unknown.join(", "),
                });
            }
        };
    // Whole clusters in every step.
    let per_step_rounded = super::answer::round_up(clusters / steps).max(1);
    let rounded = per_step_rounded as f64 * steps;
    let power_at_rounded = if solved_for == Unknown::Effect {
        power
    } else {
        q.power_at(effect, rounded)?
    };
    let m = q.cluster_period_size;
    let periods = steps + 1.0;
    let individuals = |j: f64| j * periods * m;
    let size = |label: &str, exact: f64, whole: u64| GroupSize {
        label: label.into(),
        analysed: exact,
        randomised: exact,
        rounded: whole,
    };
    let mut notes = vec![
        format!(
            "Hussey and Hughes (2007) closed form: {} steps after one all-control period ({} periods), period fixed effects, a random cluster intercept (ICC {}) and {} individuals measured per cluster and period (a cross-sectional design)",
            q.steps,
            q.steps + 1,
            crate::report::format::significant(q.icc, 4),
            crate::report::format::significant(m, 6),
        ),
        "the test is a z test on the generalised-least-squares estimate with known variance components, as in the paper; the analysis fits cluster and period fixed effects with CR2 cluster-robust errors, which uses only within-cluster contrasts and a t reference, so its power can be lower with few clusters".into(),
    ];
    if two_sided {
        notes.push("two-sided power counts both tails (Hussey and Hughes's equation 8 counts the upper tail only)".into());
    }
    Ok(PowerAnswer {
        family: "stepped-wedge cluster trial".into(),
        method: "Hussey and Hughes (2007), closed-form GLS variance".into(),
        solved_for,
        effect: effect.abs(),
        effect_measure: "effect (SD)".into(),
        alpha,
        power,
        power_at_rounded,
        groups: vec![
            size("clusters", clusters, rounded as u64),
            size("clusters per step", clusters / steps, per_step_rounded),
            size("individuals per cluster and period", m, m.ceil() as u64),
        ],
        total_analysed: individuals(clusters),
        total_rounded: individuals(rounded).ceil() as u64,
        at_minimum: false,
        notes,
    })
}
