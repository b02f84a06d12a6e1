//! Allocation under a budget: the split between arms, and for cluster trials the
//! cluster size, that minimise the minimum detectable effect a fixed budget buys.
//!
//! # Formulas
//! - Two arms, unit costs c_T and c_C, budget B: the variance of the difference,
//!   σ²(1/n_T + 1/n_C), is smallest under n_T·c_T + n_C·c_C = B at
//!   n_T/n_C = √(c_C/c_T) (the square-root rule; Cochran 1977, §5.5; equal variances):
//!   n_a = B/(√c_a·(√c_T + √c_C)). Both are rounded down to whole units, so the spend
//!   never exceeds B.
//! - Two-level cluster trial, cost c₂ per cluster and c₁ per individual in either arm:
//!   the variance ∝ (ρ(1 − R²₂) + (1 − ρ)(1 − R²₁)/m)/J under J(c₂ + m·c₁) = B is
//!   smallest at m* = √((c₂/c₁)·(1 − ρ)(1 − R²₁)/(ρ(1 − R²₂))) (Raudenbush 1997 with
//!   R² = 0; the covariate form as in Dong and Maynard 2013's PowerUp! optimal design),
//!   rounded to the nearest whole unit (at least 1), then J = ⌊B/(c₂ + m·c₁)⌋ clusters,
//!   half treated (equal costs in both arms make the equal split optimal).
//! - Costs that differ between arms (c₂ₐ, c₁ₐ): each arm has its own optimum mₐ (the
//!   formula above with its own costs, rounded), a per-cluster variance
//!   vₐ = ρ(1 − R²₂) + (1 − ρ)(1 − R²₁)/mₐ and cost Cₐ = c₂ₐ + mₐc₁ₐ. The variance
//!   v_T/J_T + v_C/J_C under J_T·C_T + J_C·C_C = B is smallest at
//!   Jₐ = B·√(vₐ/Cₐ)/(√(v_T·C_T) + √(v_C·C_C)) (the square-root rule on clusters), each
//!   rounded down; what that leaves buys more clusters while one is affordable, each
//!   in the arm where it lowers the variance most. With P = J_T/J that variance is cra2's (ρ(1 − R²₂) +
//!   (1 − ρ)(1 − R²₁)/m)/(P(1 − P)J) at the harmonic size m = 1/((1 − P)/m_T + P/m_C),
//!   so the MDES is the cra2 family's own at that m.
//!
//! The MDES at that design comes from the plan's own family (the t test's exact
//! non-central t, PowerUp! IRA, or PowerUp! cra2) at the plan's α and power.
//!
//! # References
//! - Cochran, W. G. (1977). *Sampling Techniques*, 3rd ed. Wiley. §5.5 (optimum
//!   allocation).
//! - Raudenbush, S. W. (1997). Statistical analysis and optimal design for cluster
//!   randomized trials. *Psychological Methods* 2, 173–185.
//! - Dong, N. and Maynard, R. (2013). PowerUp!: a tool for calculating minimum
//!   detectable effect sizes and minimum required sample sizes. *JREE* 6, 24–67.

use super::error::PowerError;

/// Costs per unit (individually randomised) or, in each arm, per cluster and per
/// individual.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Costs {
    Units {
        treatment: f64,
        control: f64,
    },
    Clusters {
        treatment: ClusterCost,
        control: ClusterCost,
    },
}

/// What one cluster and one individual in it cost in an arm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClusterCost {
    pub cluster: f64,
    pub individual: f64,
}

/// What a budget buys at the optimal split: whole units (or clusters) per arm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Allocation {
    /// Units (clusters) in the treatment and control arms, whole.
    pub treatment: u64,
    pub control: u64,
    /// Individuals per cluster (cluster trials; rounded): in the treatment arm, and in
    /// the control arm when its costs differ.
    pub cluster_size: Option<u64>,
    pub control_cluster_size: Option<u64>,
    /// The unrounded optimum: n_T/n_C (J_T/J_C for cluster trials), and m* (the
    /// treatment arm's, and the control arm's when its costs differ).
    pub ratio: f64,
    pub cluster_size_exact: Option<f64>,
    pub control_cluster_size_exact: Option<f64>,
    /// What the whole-number design costs.
    pub spent: f64,
}

/// Units per arm at the square-root rule, unrounded.
pub fn square_root_split(budget: f64, treatment: f64, control: f64) -> (f64, f64) {
    let k = budget / (treatment.sqrt() + control.sqrt());
    (k / treatment.sqrt(), k / control.sqrt())
}

/// Raudenbush's optimal cluster size with covariates at both levels.
///
/// # Errors
/// ICC 0 (no optimum: larger clusters always help).
pub fn optimal_cluster_size(
    cluster: f64,
    individual: f64,
    icc: f64,
    r2_individual: f64,
    r2_cluster: f64,
) -> Result<f64, PowerError> {
    if icc <= 0.0 {
        return Err(PowerError::NoSolution {
            what: "optimal cluster size",
            target: "the smallest MDES for the budget".into(),
            reason: "with an ICC of 0 larger clusters always help, so there is no optimal cluster size; give a positive icc".into(),
        });
    }
    Ok(
        (cluster / individual * (1.0 - icc) * (1.0 - r2_individual) / (icc * (1.0 - r2_cluster)))
            .sqrt(),
    )
}

/// The whole-number design a budget buys at the optimum.
///
/// # Errors
/// Non-positive costs or budget; ICC 0 for a cluster trial.
pub fn allocate(
    budget: f64,
    costs: Costs,
    icc: f64,
    r2_individual: f64,
    r2_cluster: f64,
) -> Result<Allocation, PowerError> {
    let positive = |name: &'static str, value: f64| {
        if value.is_finite() && value > 0.0 {
            Ok(value)
        } else {
            Err(PowerError::Invalid {
                name,
                value,
                rule: "a positive number",
            })
        }
    };
    positive("budget", budget)?;
    match costs {
        Costs::Units { treatment, control } => {
            positive("unit cost (treatment)", treatment)?;
            positive("unit cost (control)", control)?;
            let (t, c) = square_root_split(budget, treatment, control);
            let (t, c) = ((t + 1e-9).floor(), (c + 1e-9).floor());
            Ok(Allocation {
                treatment: t as u64,
                control: c as u64,
                cluster_size: None,
                control_cluster_size: None,
                ratio: (control / treatment).sqrt(),
                cluster_size_exact: None,
                control_cluster_size_exact: None,
                spent: t * treatment + c * control,
            })
        }
        Costs::Clusters { treatment, control } => {
            for arm in [treatment, control] {
                positive("cluster cost", arm.cluster)?;
                positive("unit cost", arm.individual)?;
            }
            let size = |arm: ClusterCost| -> Result<(f64, f64), PowerError> {
                let exact = optimal_cluster_size(
                    arm.cluster,
                    arm.individual,
                    icc,
                    r2_individual,
                    r2_cluster,
                )?;
                Ok((exact, exact.round().max(1.0)))
            };
            let (exact, m) = size(treatment)?;
            if treatment == control {
                let per_cluster = treatment.cluster + m * treatment.individual;
                let clusters = (budget / per_cluster + 1e-9).floor();
                let treated = (clusters / 2.0).floor();
                return Ok(Allocation {
                    treatment: treated as u64,
                    control: (clusters - treated) as u64,
                    cluster_size: Some(m as u64),
                    control_cluster_size: None,
                    ratio: 1.0,
                    cluster_size_exact: Some(exact),
                    control_cluster_size_exact: None,
                    spent: clusters * per_cluster,
                });
            }
            let (control_exact, m_control) = size(control)?;
            let variance =
                |m: f64| icc * (1.0 - r2_cluster) + (1.0 - icc) * (1.0 - r2_individual) / m;
            let (v_t, v_c) = (variance(m), variance(m_control));
            let cost_t = treatment.cluster + m * treatment.individual;
            let cost_c = control.cluster + m_control * control.individual;
            let k = budget / ((v_t * cost_t).sqrt() + (v_c * cost_c).sqrt());
            let mut j_t = (k * (v_t / cost_t).sqrt() + 1e-9).floor();
            let mut j_c = (k * (v_c / cost_c).sqrt() + 1e-9).floor();
            // What rounding down leaves buys more clusters: each time the one that
            // lowers the variance most, while one is affordable.
            loop {
                let left = budget - j_t * cost_t - j_c * cost_c + 1e-9;
                let gain_t = (left >= cost_t).then(|| v_t / j_t.max(1.0) - v_t / (j_t + 1.0));
                let gain_c = (left >= cost_c).then(|| v_c / j_c.max(1.0) - v_c / (j_c + 1.0));
                match (gain_t, gain_c) {
                    (Some(t), Some(c)) if t >= c => j_t += 1.0,
                    (Some(_), Some(_)) | (None, Some(_)) => j_c += 1.0,
                    (Some(_), None) => j_t += 1.0,
                    (None, None) => break,
                }
            }
            Ok(Allocation {
                treatment: j_t as u64,
                control: j_c as u64,
                cluster_size: Some(m as u64),
                control_cluster_size: Some(m_control as u64),
                ratio: (v_t * cost_c / (v_c * cost_t)).sqrt(),
                cluster_size_exact: Some(exact),
                control_cluster_size_exact: Some(control_exact),
                spent: j_t * cost_t + j_c * cost_c,
            })
        }
    }
}

impl Allocation {
    /// The one cluster size at which cra2's variance equals this design's: the
    /// harmonic m = 1/((1 − P)/m_T + P/m_C), P = J_T/J (m_T when the arms match).
    pub fn equivalent_cluster_size(&self) -> Option<f64> {
        let m_t = self.cluster_size? as f64;
        let Some(m_c) = self.control_cluster_size else {
            return Some(m_t);
        };
        let share = self.treatment as f64 / (self.treatment + self.control) as f64;
        Some(1.0 / ((1.0 - share) / m_t + share / m_c as f64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// c_T = 4c_C: twice as many controls; B = 30,000 at 400 and 100 buys 50 and 100.
    #[test]
    fn the_square_root_rule() {
        let (t, c) = square_root_split(30_000.0, 400.0, 100.0);
        assert!((t - 50.0).abs() < 1e-12 && (c - 100.0).abs() < 1e-12);
        let a = allocate(
            30_000.0,
            Costs::Units {
                treatment: 400.0,
                control: 100.0,
            },
            0.0,
            0.0,
            0.0,
        )
        .unwrap();
        assert_eq!((a.treatment, a.control), (50, 100));
        assert_eq!(a.spent, 30_000.0);
    }

    /// Raudenbush (1997): c₂/c₁ = 10, ρ = 0.1 gives m* = √(10·0.9/0.1) = √90.
    #[test]
    fn raudenbush_cluster_size() {
        let m = optimal_cluster_size(500.0, 50.0, 0.1, 0.0, 0.0).unwrap();
        assert!((m - 90f64.sqrt()).abs() < 1e-12);
        assert!(optimal_cluster_size(500.0, 50.0, 0.0, 0.0, 0.0).is_err());
    }
}
