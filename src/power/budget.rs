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

/// Costs per unit (individually randomised) or per cluster and per individual.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Costs {
    Units { treatment: f64, control: f64 },
    Clusters { cluster: f64, individual: f64 },
}

/// What a budget buys at the optimal split: whole units (or clusters) per arm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Allocation {
    /// Units (clusters) in the treatment and control arms, whole.
    pub treatment: u64,
    pub control: u64,
    /// Individuals per cluster (cluster trials; rounded).
    pub cluster_size: Option<u64>,
    /// The unrounded optimum: n_T/n_C, and m* for cluster trials.
    pub ratio: f64,
    pub cluster_size_exact: Option<f64>,
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
                ratio: (control / treatment).sqrt(),
                cluster_size_exact: None,
                spent: t * treatment + c * control,
            })
        }
        Costs::Clusters {
            cluster,
            individual,
        } => {
            positive("cluster cost", cluster)?;
            positive("unit cost", individual)?;
            let exact = optimal_cluster_size(cluster, individual, icc, r2_individual, r2_cluster)?;
            let m = exact.round().max(1.0);
            let per_cluster = cluster + m * individual;
            let clusters = (budget / per_cluster + 1e-9).floor();
            let treated = (clusters / 2.0).floor();
            Ok(Allocation {
                treatment: treated as u64,
                control: (clusters - treated) as u64,
                cluster_size: Some(m as u64),
                ratio: 1.0,
                cluster_size_exact: Some(exact),
                spent: clusters * per_cluster,
            })
        }
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
