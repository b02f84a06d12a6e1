//! Simulation-based design diagnosis, what DeclareDesign's `diagnose_design` does:
//! simulate a data-generating model many times, assign, estimate, and summarise how
//! the estimator behaves (power, bias, RMSE, coverage, type-S rate, mean and SD of the
//! estimates), each with its Monte Carlo standard error.
//!
//! # The model ([`SimulationDesign`])
//! N units, a share P treated by complete random assignment (exactly round(N·P)
//! units, or round(J·P) whole clusters of `cluster_size` units when clustered).
//! Continuous outcome: y = τ·Z + σ·(√ICC·u_c + √(1 − ICC)·ε), ε = r·x + √(1 − r²)·e,
//! with u_c, x, e independent standard normals (x is the covariate, correlated r with
//! the individual part of the outcome). Binary outcome: y ~ Bernoulli(p₀ + τ·Z). Each
//! unit is then lost to attrition independently with probability a. The estimand is τ.
//!
//! # Randomness
//! Simulation i draws from its own ChaCha8 stream: key = the seed (little-endian, then
//! the bytes of "evident-sim"), stream = i. The draws are taken as raw u64s and turned
//! into assignments (Fisher–Yates with Lemire's unbiased bounded integers), normals
//! (Box–Muller) and uniforms here, in a fixed order (assignment, cluster effects,
//! unit draws, attrition), so the numbers depend only on (seed, i): the same seed gives
//! the same diagnosis whatever the number of threads, and no dependency upgrade can
//! change them. Results are combined in simulation order.
//!
//! # Monte Carlo standard errors (S successful simulations)
//! | diagnosand | estimate | MC SE |
//! | --- | --- | --- |
//! | power | share with p < α | √(p(1 − p)/S) |
//! | bias | mean(τ̂) − τ | SD(τ̂)/√S |
//! | RMSE | √mean((τ̂ − τ)²) | SD((τ̂ − τ)²)/(2·RMSE·√S) (delta method) |
//! | coverage | share of CIs containing τ | √(c(1 − c)/S) |
//! | type-S rate | share of significant estimates with the wrong sign | √(s(1 − s)/S_sig) |
//! | mean estimate | mean(τ̂) | SD(τ̂)/√S |
//! | SD of estimates | SD(τ̂) | SD(τ̂)/√(2(S − 1)) |
//!
//! # References
//! Blair, G., Cooper, J., Coppock, A. & Humphreys, M. (2019). Declaring and diagnosing
//! research designs. *APSR* 113(3), 838–859, doi:10.1017/S0003055419000194.
//! Morris, T. P., White, I. R. & Crowther, M. J. (2019). Using simulation studies to
//! evaluate statistical methods. *Stat Med* 38, 2074–2102 (the MC SE formulas).
//! Gelman, A. & Carlin, J. (2014). Beyond power calculations: type S and type M errors.

use nalgebra::DMatrix;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::error::PowerError;
use crate::spec::EstimatorKind;
use crate::stats::distributions::t as central_t;
use crate::stats::regression::DimOptions;
use crate::stats::regression::{
    Clusters, Covariate, LmRobustOptions, build_design, difference_in_means, lm_lin, lm_robust,
};

/// The simulated outcome.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum SimOutcome {
    /// Normal outcome with this SD (σ) around a control mean of 0.
    Continuous { sd: f64 },
    /// 0/1 outcome with this control rate p₀.
    Binary { baseline_rate: f64 },
}

/// A data-generating model, assignment and estimator to diagnose.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct SimulationDesign {
    /// Units randomised (N).
    pub n: usize,
    /// Share of units (or clusters) treated, P.
    pub treated_share: f64,
    /// The true effect τ, in outcome units (a difference in proportions for binary).
    pub effect: f64,
    pub outcome: SimOutcome,
    /// Intraclass correlation (continuous outcomes), with `cluster_size`.
    pub icc: f64,
    /// Units per cluster; `None` for individual randomisation.
    pub cluster_size: Option<usize>,
    /// Correlation r of the covariate with the individual part of the outcome
    /// (continuous outcomes); the covariate is only used by adjusting estimators.
    pub covariate_r: f64,
    /// Probability that a unit is lost before analysis.
    pub attrition: f64,
    pub estimator: EstimatorKind,
    pub alpha: f64,
    pub sims: usize,
    pub seed: u64,
}

/// One diagnosand with its Monte Carlo standard error.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Diagnosand {
    pub value: f64,
    pub mc_se: f64,
}

/// The diagnosis of one design.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Diagnosis {
    pub n: usize,
    pub estimand: f64,
    pub estimator: EstimatorKind,
    pub sims: usize,
    /// Simulations whose estimator could not be computed (e.g. an arm lost entirely).
    pub failed: usize,
    pub power: Diagnosand,
    pub bias: Diagnosand,
    pub rmse: Diagnosand,
    pub coverage: Diagnosand,
    /// `None` when the estimand is 0 or no estimate was significant.
    pub type_s_rate: Option<Diagnosand>,
    pub mean_estimate: Diagnosand,
    pub sd_estimate: Diagnosand,
    pub seed: u64,
}

#[derive(Debug, Clone, Copy)]
struct Draw {
    estimate: f64,
    conf_low: f64,
    conf_high: f64,
    p_value: f64,
}

/// Checks a design's settings.
///
/// # Errors
/// [`PowerError::Simulation`] naming the setting and its rule.
pub fn check_design(d: &SimulationDesign) -> Result<(), PowerError> {
    let bad = |reason: String| Err(PowerError::Simulation { reason });
    if d.sims < 2 {
        return bad(format!("sims must be at least 2, got {}", d.sims));
    }
    if !(d.treated_share > 0.0 && d.treated_share < 1.0) {
        return Err(PowerError::ShareOutOfRange {
            name: "treated share",
            value: d.treated_share,
        });
    }
    if !(d.alpha > 0.0 && d.alpha < 1.0) {
        return Err(PowerError::ShareOutOfRange {
            name: "alpha",
            value: d.alpha,
        });
    }
    if !(d.icc.is_finite() && (0.0..1.0).contains(&d.icc)) {
        return Err(PowerError::IccOutOfRange { value: d.icc });
    }
    if !(d.attrition.is_finite() && (0.0..1.0).contains(&d.attrition)) {
        return bad(format!("attrition must lie in [0, 1), got {}", d.attrition));
    }
    if !(d.covariate_r.is_finite() && d.covariate_r.abs() < 1.0) {
        return bad(format!(
            "the covariate correlation must lie in (-1, 1), got {}",
            d.covariate_r
        ));
    }
    if !d.effect.is_finite() {
        return bad("the effect must be finite".into());
    }
    let groups = match d.cluster_size {
        Some(0) => return bad("cluster_size must be at least 1".into()),
        Some(m) => {
            if !d.n.is_multiple_of(m) {
                return bad(format!(
                    "N = {} is not a whole number of clusters of {m}",
                    d.n
                ));
            }
            d.n / m
        }
        None => {
            if d.icc > 0.0 {
                return bad("an ICC needs a cluster_size".into());
            }
            d.n
        }
    };
    let treated = (groups as f64 * d.treated_share).round() as usize;
    if treated < 2 || groups - treated < 2 {
        return bad(format!(
            "with {groups} {} and a treated share of {}, an arm gets fewer than 2",
            if d.cluster_size.is_some() {
                "clusters"
            } else {
                "units"
            },
            d.treated_share
        ));
    }
    match d.outcome {
        SimOutcome::Continuous { sd } => {
            if !(sd.is_finite() && sd > 0.0) {
                return bad(format!("the outcome SD must be positive, got {sd}"));
            }
        }
        SimOutcome::Binary { baseline_rate } => {
            let treated_rate = baseline_rate + d.effect;
            if !(baseline_rate > 0.0
                && baseline_rate < 1.0
                && treated_rate > 0.0
                && treated_rate < 1.0)
            {
                return bad(format!(
                    "binary rates must lie in (0, 1): control {baseline_rate}, treated {treated_rate}"
                ));
            }
            if d.icc > 0.0 || d.covariate_r != 0.0 {
                return bad("binary outcomes are simulated without an ICC or a covariate; use a continuous outcome for those".into());
            }
        }
    }
    if d.estimator.adjusts()
        && d.covariate_r == 0.0
        && matches!(d.outcome, SimOutcome::Binary { .. })
    {
        return bad("an adjusting estimator needs a covariate (covariate_r), which binary outcomes do not simulate".into());
    }
    if matches!(
        d.estimator,
        EstimatorKind::PairedDifference
            | EstimatorKind::Mean
            | EstimatorKind::SegmentedRegression
            | EstimatorKind::TwoWayFixedEffects
    ) {
        return bad(format!(
            "the {} estimator does not compare arms; use difference_in_means, regression_adjusted or lin",
            d.estimator.label()
        ));
    }
    Ok(())
}

/// Runs the diagnosis. `progress` is called with the number of simulations finished
/// since its previous call (for a progress bar); it never affects the numbers.
///
/// # Errors
/// Invalid settings ([`check_design`]); every simulation failing.
pub fn diagnose(
    design: &SimulationDesign,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<Diagnosis, PowerError> {
    check_design(design)?;
    let draws: Vec<Option<Draw>> = (0..design.sims)
        .into_par_iter()
        .map_init(Scratch::default, |scratch, i| {
            let draw = simulate_one(design, i as u64, scratch);
            if let Some(p) = progress
                && i % 64 == 63
            {
                p(64);
            }
            draw
        })
        .collect();
    if let Some(p) = progress {
        p((design.sims % 64) as u64);
    }
    summarise(design, &draws)
}

/// Diagnoses the design at each N (a simulated power curve), same seed for each.
///
/// # Errors
/// As [`diagnose`].
pub fn diagnose_sweep(
    design: &SimulationDesign,
    ns: &[usize],
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<Vec<Diagnosis>, PowerError> {
    ns.iter()
        .map(|&n| {
            let mut d = design.clone();
            d.n = n;
            diagnose(&d, progress)
        })
        .collect()
}

fn summarise(design: &SimulationDesign, draws: &[Option<Draw>]) -> Result<Diagnosis, PowerError> {
    summarise_draws(
        draws,
        design.effect,
        design.alpha,
        design.n,
        design.estimator,
        design.seed,
    )
}

/// The diagnosands of `draws` for the estimand `tau` (see the module header).
fn summarise_draws(
    draws: &[Option<Draw>],
    tau: f64,
    alpha: f64,
    n: usize,
    estimator: EstimatorKind,
    seed: u64,
) -> Result<Diagnosis, PowerError> {
    let ok: Vec<Draw> = draws.iter().flatten().copied().collect();
    let s = ok.len();
    if s < 2 {
        return Err(PowerError::Simulation {
            reason: format!(
                "the estimator failed in {} of {} simulations (too few units survive in an arm)",
                draws.len() - s,
                draws.len()
            ),
        });
    }
    let sf = s as f64;
    let mean = ok.iter().map(|d| d.estimate).sum::<f64>() / sf;
    let var = ok.iter().map(|d| (d.estimate - mean).powi(2)).sum::<f64>() / (sf - 1.0);
    let sd = var.sqrt();
    let share = |count: usize, of: f64| {
        let p = count as f64 / of;
        Diagnosand {
            value: p,
            mc_se: (p * (1.0 - p) / of).sqrt(),
        }
    };
    let significant: Vec<&Draw> = ok.iter().filter(|d| d.p_value < alpha).collect();
    let covered = ok
        .iter()
        .filter(|d| d.conf_low <= tau && tau <= d.conf_high)
        .count();
    let sq: Vec<f64> = ok.iter().map(|d| (d.estimate - tau).powi(2)).collect();
    let mse = sq.iter().sum::<f64>() / sf;
    let sq_sd = (sq.iter().map(|v| (v - mse).powi(2)).sum::<f64>() / (sf - 1.0)).sqrt();
    let rmse = mse.sqrt();
    let type_s_rate = if tau != 0.0 && !significant.is_empty() {
        let wrong = significant
            .iter()
            .filter(|d| d.estimate.signum() != tau.signum())
            .count();
        Some(share(wrong, significant.len() as f64))
    } else {
        None
    };
    Ok(Diagnosis {
        n,
        estimand: tau,
        estimator,
        sims: draws.len(),
        failed: draws.len() - s,
        power: share(significant.len(), sf),
        bias: Diagnosand {
            value: mean - tau,
            mc_se: sd / sf.sqrt(),
        },
        rmse: Diagnosand {
            value: rmse,
            mc_se: if rmse > 0.0 {
                sq_sd / (2.0 * rmse * sf.sqrt())
            } else {
                0.0
            },
        },
        coverage: share(covered, sf),
        type_s_rate,
        mean_estimate: Diagnosand {
            value: mean,
            mc_se: sd / sf.sqrt(),
        },
        sd_estimate: Diagnosand {
            value: sd,
            mc_se: sd / (2.0 * (sf - 1.0)).sqrt(),
        },
        seed,
    })
}

/// Buffers reused across the simulations a thread runs.
#[derive(Default)]
struct Scratch {
    order: Vec<u32>,
    z: Vec<u8>,
    y: Vec<f64>,
    x: Vec<f64>,
    keep: Vec<bool>,
    cluster_effect: Vec<f64>,
}

/// The random stream of simulation `index`.
pub fn stream(seed: u64, index: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..19].copy_from_slice(b"evident-sim");
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(index);
    rng
}

/// Uniform on (0, 1): the top 53 bits, offset by half a step so 0 never occurs.
fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// Uniform integer in [0, n), unbiased (Lemire 2019, doi:10.1145/3230636).
fn below(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    let mut m = (rng.next_u64() as u128) * (n as u128);
    if (m as u64) < n {
        let threshold = n.wrapping_neg() % n;
        while (m as u64) < threshold {
            m = (rng.next_u64() as u128) * (n as u128);
        }
    }
    (m >> 64) as u64
}

/// Two independent standard normals (Box–Muller).
fn normal_pair(rng: &mut ChaCha8Rng) -> (f64, f64) {
    let u1 = uniform(rng);
    let u2 = uniform(rng);
    let r = (-2.0 * u1.ln()).sqrt();
    let (s, c) = (std::f64::consts::TAU * u2).sin_cos();
    (r * c, r * s)
}

/// Complete random assignment of `groups` groups, `treated` of them treated:
/// a partial Fisher–Yates shuffle; the first `treated` positions are treated.
fn assign(
    rng: &mut ChaCha8Rng,
    groups: usize,
    treated: usize,
    order: &mut Vec<u32>,
    z: &mut Vec<u8>,
) {
    order.clear();
    order.extend(0..groups as u32);
    for i in 0..treated {
        let j = i + below(rng, (groups - i) as u64) as usize;
        order.swap(i, j);
    }
    z.clear();
    z.resize(groups, 0);
    for &g in &order[..treated] {
        z[g as usize] = 1;
    }
}

fn simulate_one(d: &SimulationDesign, index: u64, s: &mut Scratch) -> Option<Draw> {
    let mut rng = stream(d.seed, index);
    let m = d.cluster_size.unwrap_or(1);
    let groups = d.n / m;
    let treated = (groups as f64 * d.treated_share).round() as usize;
    assign(&mut rng, groups, treated, &mut s.order, &mut s.z);
    let n = d.n;
    s.y.clear();
    s.x.clear();
    match d.outcome {
        SimOutcome::Continuous { sd } => {
            s.cluster_effect.clear();
            if d.cluster_size.is_some() {
                let mut g = 0;
                while g < groups {
                    let (a, b) = normal_pair(&mut rng);
                    s.cluster_effect.push(a);
                    if g + 1 < groups {
                        s.cluster_effect.push(b);
                    }
                    g += 2;
                }
            }
            let between = d.icc.sqrt();
            let within = (1.0 - d.icc).sqrt();
            let r = d.covariate_r;
            let r_rest = (1.0 - r * r).sqrt();
            let need_x = d.estimator.adjusts() || r != 0.0;
            let mut pending: Option<f64> = None;
            let mut next_normal = |rng: &mut ChaCha8Rng| match pending.take() {
                Some(v) => v,
                None => {
                    let (a, b) = normal_pair(rng);
                    pending = Some(b);
                    a
                }
            };
            for i in 0..n {
                let g = i / m;
                let e = next_normal(&mut rng);
                let eps = if need_x {
                    let x = next_normal(&mut rng);
                    s.x.push(x);
                    r * x + r_rest * e
                } else {
                    e
                };
                let u = if d.cluster_size.is_some() {
                    s.cluster_effect[g]
                } else {
                    0.0
                };
                s.y.push(d.effect * f64::from(s.z[g]) + sd * (between * u + within * eps));
            }
        }
        SimOutcome::Binary { baseline_rate } => {
            for i in 0..n {
                let p = baseline_rate + d.effect * f64::from(s.z[i / m]);
                s.y.push(if uniform(&mut rng) < p { 1.0 } else { 0.0 });
            }
        }
    }
    s.keep.clear();
    if d.attrition > 0.0 {
        for _ in 0..n {
            s.keep.push(uniform(&mut rng) >= d.attrition);
        }
    } else {
        s.keep.resize(n, true);
    }
    if d.cluster_size.is_none() && d.estimator == EstimatorKind::DifferenceInMeans {
        return welch(&s.y, &s.z, &s.keep, d.alpha);
    }
    estimate_with_library(d, s, m)
}

/// Welch difference in means (estimatr's difference_in_means without blocks or
/// clusters), on the kept units.
fn welch(y: &[f64], z: &[u8], keep: &[bool], alpha: f64) -> Option<Draw> {
    let (mut n, mut sum, mut sumsq) = ([0f64; 2], [0f64; 2], [0f64; 2]);
    // Two passes (mean, then squared deviations) for accuracy.
    for i in 0..y.len() {
        if keep[i] {
            let a = z[i] as usize;
            n[a] += 1.0;
            sum[a] += y[i];
        }
    }
    if n[0] < 2.0 || n[1] < 2.0 {
        return None;
    }
    let mean = [sum[0] / n[0], sum[1] / n[1]];
    for i in 0..y.len() {
        if keep[i] {
            let a = z[i] as usize;
            sumsq[a] += (y[i] - mean[a]).powi(2);
        }
    }
    let v = [
        sumsq[0] / (n[0] - 1.0) / n[0],
        sumsq[1] / (n[1] - 1.0) / n[1],
    ];
    let var = v[0] + v[1];
    if var.is_nan() || var <= 0.0 {
        return None;
    }
    let df = var * var / (v[0] * v[0] / (n[0] - 1.0) + v[1] * v[1] / (n[1] - 1.0));
    let estimate = mean[1] - mean[0];
    let se = var.sqrt();
    let tstat = estimate / se;
    let (lower, upper) = central_t::tails(tstat.abs(), df).ok()?;
    let _ = lower;
    let p_value = (2.0 * upper).min(1.0);
    let crit = central_t::upper_quantile(alpha / 2.0, df).ok()?;
    Some(Draw {
        estimate,
        conf_low: estimate - crit * se,
        conf_high: estimate + crit * se,
        p_value,
    })
}

fn estimate_with_library(d: &SimulationDesign, s: &Scratch, m: usize) -> Option<Draw> {
    let idx: Vec<usize> = (0..d.n).filter(|&i| s.keep[i]).collect();
    let y: Vec<f64> = idx.iter().map(|&i| s.y[i]).collect();
    let z: Vec<f64> = idx.iter().map(|&i| f64::from(s.z[i / m])).collect();
    let clusters = d
        .cluster_size
        .map(|_| Clusters::from_labels(&idx.iter().map(|&i| i / m).collect::<Vec<_>>()));
    let conf_level = 1.0 - d.alpha;
    let estimate = match d.estimator {
        EstimatorKind::DifferenceInMeans => {
            let options = DimOptions {
                clusters: clusters.as_ref(),
                conf_level,
                ..DimOptions::default()
            };
            difference_in_means(&y, &z, &options).ok()?.estimate
        }
        EstimatorKind::RegressionAdjusted | EstimatorKind::Lin => {
            let x: Vec<f64> = idx.iter().map(|&i| s.x[i]).collect();
            let options = LmRobustOptions {
                clusters: clusters.as_ref(),
                conf_level,
                ..LmRobustOptions::default()
            };
            let covariate = Covariate::Numeric {
                name: "x".into(),
                values: x.into(),
            };
            let fit = if d.estimator == EstimatorKind::Lin {
                lm_lin(&y, "treatment", &z, &[covariate], &options).ok()?
            } else {
                let design = build_design(
                    true,
                    &[
                        Covariate::Numeric {
                            name: "treatment".into(),
                            values: z.into(),
                        },
                        covariate,
                    ],
                )
                .ok()?;
                lm_robust(&design, &y, &options).ok()?
            };
            fit.coefficient("treatment")?.clone()
        }
        EstimatorKind::PairedDifference
        | EstimatorKind::Mean
        | EstimatorKind::SegmentedRegression
        | EstimatorKind::TwoWayFixedEffects => return None,
    };
    Some(Draw {
        estimate: estimate.estimate,
        conf_low: estimate.conf_low,
        conf_high: estimate.conf_high,
        p_value: estimate.p_value,
    })
}

/// A stepped-wedge trial simulated under Hussey and Hughes's model: `clusters`
/// clusters, `clusters / steps` crossing at each step after one all-control period,
/// cluster-period means ȳ_cj = β_j + θ·X_cj + a_c + ē_cj with a_c ~ N(0, ICC·σ²) and
/// ē_cj ~ N(0, (1 − ICC)·σ²/m) (the mean of m individuals, drawn directly: with equal
/// m the means are all the analysis uses), period effects β_j = 0.1·σ·j, each draw
/// analysed by generalised least squares with period effects and the known variance
/// components and a two-sided z test, as the closed form assumes. Which clusters
/// cross at which step does not matter under the model (the cluster effects are
/// exchangeable), so the treatment matrix is the design's own.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SteppedWedgeSimulation {
    pub steps: usize,
    /// Clusters in all (a multiple of `steps`).
    pub clusters: usize,
    /// Individuals measured per cluster and period, m.
    pub cluster_period_size: f64,
    pub icc: f64,
    /// Outcome SD σ (individual level, total).
    pub sd: f64,
    /// True effect θ in outcome units.
    pub effect: f64,
    pub alpha: f64,
    pub sims: usize,
    pub seed: u64,
}

impl SteppedWedgeSimulation {
    fn check(&self) -> Result<(), PowerError> {
        let bad = |reason: String| Err(PowerError::Simulation { reason });
        if self.sims < 2 {
            return bad(format!("sims must be at least 2, got {}", self.sims));
        }
        if self.steps < 2 || self.clusters == 0 || !self.clusters.is_multiple_of(self.steps) {
            return bad(format!(
                "{} clusters cannot fill {} steps equally",
                self.clusters, self.steps
            ));
        }
        if !(self.icc.is_finite() && (0.0..1.0).contains(&self.icc)) {
            return Err(PowerError::IccOutOfRange { value: self.icc });
        }
        if !(self.sd.is_finite() && self.sd > 0.0 && self.effect.is_finite()) {
            return bad("the outcome SD must be positive and the effect finite".into());
        }
        if !(self.cluster_period_size.is_finite() && self.cluster_period_size >= 1.0) {
            return bad("at least one individual per cluster and period".into());
        }
        Ok(())
    }

    /// The GLS weights w_c (one per cluster and period) with θ̂ = Σ w_cj·ȳ_cj, and
    /// Var(θ̂), from the information matrix Σ_c Z_cᵀV⁻¹Z_c of period effects and
    /// treatment, Z_c = [I_T, X_c], V = σ²_ē·I + τ²·J.
    pub fn gls_weights(&self) -> (Vec<f64>, f64) {
        let design = super::stepped_wedge::SteppedWedge {
            steps: self.steps,
            clusters_per_step: self.clusters / self.steps,
            cluster_period_size: self.cluster_period_size,
            icc: self.icc,
        };
        let (clusters, periods, x) = design.treatment_matrix();
        let var2 = self.sd * self.sd;
        let sigma2 = (1.0 - self.icc) * var2 / self.cluster_period_size;
        let tau2 = self.icc * var2;
        let v = DMatrix::from_fn(periods, periods, |i, j| {
            tau2 + if i == j { sigma2 } else { 0.0 }
        });
        let v_inv = v.try_inverse().expect("σ² > 0 makes V positive definite");
        let k = periods + 1;
        let z = |c: usize| {
            DMatrix::from_fn(periods, k, |j, col| {
                if col < periods {
                    f64::from(u8::from(col == j))
                } else {
                    x[c * periods + j]
                }
            })
        };
        let mut info = DMatrix::zeros(k, k);
        for c in 0..clusters {
            let zc = z(c);
            info += zc.transpose() * &v_inv * &zc;
        }
        let info_inv = info
            .try_inverse()
            .expect("a stepped wedge identifies the period effects and the treatment");
        let mut weights = Vec::with_capacity(clusters * periods);
        for c in 0..clusters {
            let row = info_inv.row(k - 1) * z(c).transpose() * &v_inv;
            weights.extend(row.iter());
        }
        (weights, info_inv[(k - 1, k - 1)])
    }
}

/// Simulates a stepped-wedge trial (see [`SteppedWedgeSimulation`]); the diagnosis
/// counts clusters as its N.
///
/// # Errors
/// Invalid settings.
pub fn diagnose_stepped_wedge(
    design: &SteppedWedgeSimulation,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<Diagnosis, PowerError> {
    design.check()?;
    let (weights, variance) = design.gls_weights();
    let se = variance.sqrt();
    let periods = design.steps + 1;
    let var2 = design.sd * design.sd;
    let between = (design.icc * var2).sqrt();
    let within = ((1.0 - design.icc) * var2 / design.cluster_period_size).sqrt();
    let per_step = design.clusters / design.steps;
    let z_crit = crate::stats::distributions::normal::quantile(1.0 - design.alpha / 2.0)?;
    let draws: Vec<Option<Draw>> = (0..design.sims)
        .into_par_iter()
        .map(|i| {
            let mut rng = stream(design.seed, i as u64);
            let mut estimate = 0.0;
            for c in 0..design.clusters {
                let (a, _) = normal_pair(&mut rng);
                let step = c / per_step;
                let mut j = 0;
                while j < periods {
                    let (e1, e2) = normal_pair(&mut rng);
                    for (offset, e) in [(0, e1), (1, e2)] {
                        let t = j + offset;
                        if t < periods {
                            let treated = if t > step { design.effect } else { 0.0 };
                            let y = 0.1 * design.sd * t as f64 + treated + between * a + within * e;
                            estimate += weights[c * periods + t] * y;
                        }
                    }
                    j += 2;
                }
            }
            if let Some(p) = progress
                && i % 64 == 63
            {
                p(64);
            }
            let z = estimate / se;
            let p_value = 2.0 * crate::stats::distributions::normal::cdf(-z.abs()).ok()?;
            Some(Draw {
                estimate,
                conf_low: estimate - z_crit * se,
                conf_high: estimate + z_crit * se,
                p_value,
            })
        })
        .collect();
    if let Some(p) = progress {
        p((design.sims % 64) as u64);
    }
    summarise_draws(
        &draws,
        design.effect,
        design.alpha,
        design.clusters,
        EstimatorKind::TwoWayFixedEffects,
        design.seed,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn design() -> SimulationDesign {
        SimulationDesign {
            n: 200,
            treated_share: 0.5,
            effect: 0.4,
            outcome: SimOutcome::Continuous { sd: 1.0 },
            icc: 0.0,
            cluster_size: None,
            covariate_r: 0.0,
            attrition: 0.0,
            estimator: EstimatorKind::DifferenceInMeans,
            alpha: 0.05,
            sims: 400,
            seed: 20261125,
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_numbers_on_any_number_of_threads() {
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let two = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let a = one.install(|| diagnose(&design(), None).unwrap());
        let b = two.install(|| diagnose(&design(), None).unwrap());
        assert_eq!(a, b);
    }

    #[test]
    fn bounded_integers_stay_in_range() {
        let mut rng = stream(1, 0);
        for n in [1u64, 2, 3, 7, 1000] {
            for _ in 0..100 {
                assert!(below(&mut rng, n) < n);
            }
        }
    }

    #[test]
    fn bad_settings_are_refused() {
        let mut d = design();
        d.icc = 0.2;
        assert!(diagnose(&d, None).is_err());
        d.cluster_size = Some(3);
        assert!(diagnose(&d, None).is_err());
        d.cluster_size = Some(10);
        d.icc = 1.0;
        assert!(matches!(
            diagnose(&d, None),
            Err(PowerError::IccOutOfRange { .. })
        ));
    }
}
