//! Cluster-randomised trials: the design effect, PowerUp!'s two-level MDES (pupils in
//! schools, residents in areas) and three-level MDES (pupils in classes in schools),
//! solving for the number of clusters, the cluster size, the MDES or the power.
//!
//! # Formula
//! Design effect (Kish 1965): DE = 1 + (m − 1)·ICC.
//!
//! Two levels (PowerUp! `cra2`, parity-notes.md), J clusters of n units, P of the
//! clusters treated, g cluster-level covariates:
//! df = J − g − 2, M = t(1 − α/2, df) + t(power, df),
//! SE = √(ρ(1 − R²₂)/(P(1−P)J) + (1 − ρ)(1 − R²₁)/(P(1−P)Jn)), MDES = M·SE.
//!
//! Three levels (PowerUp! `cra3`), K schools of J classes of n pupils, schools
//! randomised, ρ₃ and ρ₂ the school and class ICCs:
//! df = K − g − 2, SE = √(ρ₃(1−R²₃)/(P(1−P)K) + ρ₂(1−R²₂)/(P(1−P)KJ)
//! + (1−ρ₂−ρ₃)(1−R²₁)/(P(1−P)KJn)).
//!
//! Sizes for a target MDES are solved from the MDES formula, as PowerUp!'s `mrss`
//! functions do; the power of a given effect is the non-central t with ncp = δ/SE.
//! Attrition removes units within clusters (n·(1 − a) analysed); a baseline
//! correlated r with the outcome multiplies every variance component by (1 − r²).
//!
//! # References
//! Dong, N. & Maynard, R. (2013), doi:10.1080/19345747.2012.673143.
//! Bloom, H. S. (2005). Randomizing groups to evaluate place-based programs.
//! Hedges, L. V. & Rhoads, C. (2010). Statistical power analysis in education research
//! (NCSER 2010-3006).

use super::answer::{Adjustments, GroupSize, PowerAnswer, Unknown, round_up};
use super::error::{PowerError, check_share, check_unit_interval};
use super::mdes::{Targets, power_of_effect, solve_mdes_design};
use super::t::MAX_UNITS;

/// Kish's design effect 1 + (m − 1)·ICC for clusters of size m.
pub fn design_effect(cluster_size: f64, icc: f64) -> f64 {
    1.0 + (cluster_size - 1.0) * icc
}

/// A two-level cluster-randomised question. Leave exactly one of `clusters`,
/// `cluster_size`, `targets.effect`, `targets.power` unknown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClusterQuestion {
    /// Clusters randomised in total, J.
    pub clusters: Option<f64>,
    /// Units per cluster randomised, n.
    pub cluster_size: Option<f64>,
    pub targets: Targets,
    /// Intraclass correlation ρ ∈ [0, 1).
    pub icc: f64,
    /// Share of clusters treated, P ∈ (0, 1).
    pub treated_share: f64,
    /// Outcome variance explained at the individual level, R²₁.
    pub r2_individual: f64,
    /// Outcome variance explained at the cluster level, R²₂.
    pub r2_cluster: f64,
    /// Cluster-level covariates g.
    pub covariates: u32,
    pub adjustments: Adjustments,
}

fn check_icc(value: f64) -> Result<f64, PowerError> {
    if value.is_finite() && (0.0..1.0).contains(&value) {
        Ok(value)
    } else {
        Err(PowerError::IccOutOfRange { value })
    }
}

/// Answers a two-level cluster-randomised question.
///
/// # Errors
/// ICC outside [0, 1); shares outside (0, 1); R² outside [0, 1); fewer clusters than
/// g + 3; more than 1e9 clusters needed; an MDES no cluster size can reach.
pub fn solve_cluster(q: &ClusterQuestion) -> Result<PowerAnswer, PowerError> {
    let rho = check_icc(q.icc)?;
    let p = check_share("treated share", q.treated_share)?;
    let r1 = check_unit_interval("individual-level R²", q.r2_individual)?;
    let r2 = check_unit_interval("cluster-level R²", q.r2_cluster)?;
    q.adjustments.check()?;
    let vf = q.adjustments.variance_factor();
    let g = q.covariates as f64;
    let pq = p * (1.0 - p);
    let se = |j: f64, n: f64| {
        (vf * (rho * (1.0 - r2) / (pq * j) + (1.0 - rho) * (1.0 - r1) / (pq * j * n))).sqrt()
    };
    let j_min = g + 3.0;
    if let Some(j) = q.clusters
        && !(j.is_finite() && j >= j_min)
    {
        return Err(PowerError::Invalid {
            name: "clusters",
            value: j,
            rule: "at least the number of cluster-level covariates + 3, so the test keeps a degree of freedom",
        });
    }
    if let Some(n) = q.cluster_size
        && !(n.is_finite() && q.adjustments.analysed(n) >= 1.0)
    {
        return Err(PowerError::Invalid {
            name: "cluster size",
            value: n,
            rule: "large enough that at least one unit per cluster is analysed",
        });
    }
    let (solved_for, j, n, effect, power) = match (q.clusters, q.cluster_size) {
        (None, Some(n)) => {
            let n_a = q.adjustments.analysed(n);
            let (u, j, e, pw) = solve_mdes_design(
                &q.targets,
                None,
                j_min,
                MAX_UNITS,
                &|j| se(j, n_a),
                &|j| j - g - 2.0,
                "clusters",
            )?;
            (u, j, n, e, pw)
        }
        (Some(j), None) => {
            let (u, n_a, e, pw) = solve_mdes_design(
                &q.targets,
                None,
                1.0,
                MAX_UNITS,
                &|n| se(j, n),
                &|_| j - g - 2.0,
                "cluster size",
            )?;
            let u = if u == Unknown::SampleSize {
                Unknown::ClusterSize
            } else {
                u
            };
            (u, j, q.adjustments.randomised(n_a), e, pw)
        }
        (Some(j), Some(n)) => {
            let n_a = q.adjustments.analysed(n);
            let (u, _, e, pw) = solve_mdes_design(
                &q.targets,
                Some(j),
                j_min,
                MAX_UNITS,
                &|j| se(j, n_a),
                &|j| j - g - 2.0,
                "clusters",
            )?;
            (u, j, n, e, pw)
        }
        (None, None) => {
            return Err(PowerError::Unknowns {
                names: "clusters, cluster size, effect and power",
                count: 2
                    + usize::from(q.targets.effect.is_none())
                    + usize::from(q.targets.power.is_none()),
                unknown: "clusters, cluster size".into(),
            });
        }
    };
    super::error::check_total_units(j * n, "clusters × cluster size, both arms")?;
    let n_a = q.adjustments.analysed(n);
    let j_round = round_up(j) as f64;
    let n_round = round_up(n) as f64;
    let power_at_rounded = if matches!(solved_for, Unknown::SampleSize | Unknown::ClusterSize) {
        let n_ra = q.adjustments.analysed(n_round).max(n_a);
        power_of_effect(
            effect,
            se(j_round.max(j), n_ra),
            j_round.max(j) - g - 2.0,
            q.targets.alpha,
            q.targets.two_sided,
        )?
    } else {
        power
    };
    let mut notes = q.adjustments.notes();
    notes.push(format!(
        "ICC = {rho}; design effect 1 + (m − 1)·ICC = {} with m = {} analysed per cluster",
        crate::report::format::significant(design_effect(n_a, rho), 4),
        crate::report::format::significant(n_a, 6)
    ));
    notes.push(format!(
        "share of clusters treated P = {p}; R² individual = {r1}, cluster = {r2}; {} cluster-level covariates; df = J − g − 2 = {}",
        q.covariates,
        crate::report::format::significant(j - g - 2.0, 6)
    ));
    let groups = vec![
        GroupSize {
            label: "clusters (both arms)".into(),
            analysed: j,
            randomised: j,
            rounded: round_up(j),
        },
        GroupSize {
            label: "units per cluster".into(),
            analysed: n_a,
            randomised: n,
            rounded: round_up(n),
        },
    ];
    Ok(PowerAnswer {
        family: "two-level cluster-randomised trial".into(),
        method: "PowerUp! cra2 MDES (Dong & Maynard 2013); power by the non-central t".into(),
        solved_for,
        effect,
        effect_measure: "MDES (SD units)".into(),
        alpha: q.targets.alpha,
        power,
        power_at_rounded,
        total_analysed: j * n_a,
        total_rounded: round_up(j) * round_up(n),
        groups,
        at_minimum: false,
        notes,
    })
}

/// A three-level question (schools randomised): leave one of `schools`,
/// `targets.effect`, `targets.power` unknown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThreeLevelQuestion {
    /// Top-level clusters (schools) randomised, K.
    pub schools: Option<f64>,
    /// Middle-level clusters (classes) per school, J.
    pub classes_per_school: f64,
    /// Units (pupils) per class, n.
    pub class_size: f64,
    pub targets: Targets,
    /// ICC at the school level, ρ₃.
    pub icc_school: f64,
    /// ICC at the class level, ρ₂.
    pub icc_class: f64,
    pub treated_share: f64,
    pub r2_individual: f64,
    pub r2_class: f64,
    pub r2_school: f64,
    /// School-level covariates g.
    pub covariates: u32,
    pub adjustments: Adjustments,
}

/// Answers a three-level cluster-randomised question (PowerUp! cra3).
///
/// # Errors
/// As [`solve_cluster`]; the two ICCs must sum to less than 1.
pub fn solve_three_level(q: &ThreeLevelQuestion) -> Result<PowerAnswer, PowerError> {
    let rho3 = check_icc(q.icc_school)?;
    let rho2 = check_icc(q.icc_class)?;
    if rho2 + rho3 >= 1.0 {
        return Err(PowerError::IccOutOfRange { value: rho2 + rho3 });
    }
    let p = check_share("treated share", q.treated_share)?;
    let r1 = check_unit_interval("individual-level R²", q.r2_individual)?;
    let r2 = check_unit_interval("class-level R²", q.r2_class)?;
    let r3 = check_unit_interval("school-level R²", q.r2_school)?;
    q.adjustments.check()?;
    let jj = q.classes_per_school;
    if !(jj.is_finite() && jj >= 1.0) {
        return Err(PowerError::Invalid {
            name: "classes per school",
            value: jj,
            rule: "at least 1",
        });
    }
    let n_a = q.adjustments.analysed(q.class_size);
    if !(n_a.is_finite() && n_a >= 1.0) {
        return Err(PowerError::Invalid {
            name: "class size",
            value: q.class_size,
            rule: "large enough that at least one pupil per class is analysed",
        });
    }
    let vf = q.adjustments.variance_factor();
    let pq = p * (1.0 - p);
    let g = q.covariates as f64;
    let se = |k: f64| {
        (vf * (rho3 * (1.0 - r3) / (pq * k)
            + rho2 * (1.0 - r2) / (pq * k * jj)
            + (1.0 - rho2 - rho3) * (1.0 - r1) / (pq * k * jj * n_a)))
            .sqrt()
    };
    let k_min = g + 3.0;
    if let Some(k) = q.schools
        && !(k.is_finite() && k >= k_min)
    {
        return Err(PowerError::Invalid {
            name: "schools",
            value: k,
            rule: "at least the number of school-level covariates + 3",
        });
    }
    let (solved_for, k, effect, power) = solve_mdes_design(
        &q.targets,
        q.schools,
        k_min,
        MAX_UNITS,
        &se,
        &|k| k - g - 2.0,
        "schools",
    )?;
    super::error::check_total_units(
        k * jj * q.class_size,
        "schools × classes per school × class size, both arms",
    )?;
    let k_round = (round_up(k) as f64).max(k);
    let power_at_rounded = if solved_for == Unknown::SampleSize {
        power_of_effect(
            effect,
            se(k_round),
            k_round - g - 2.0,
            q.targets.alpha,
            q.targets.two_sided,
        )?
    } else {
        power
    };
    let mut notes = q.adjustments.notes();
    notes.push(format!(
        "ICC school = {rho3}, class = {rho2}; {jj} classes per school of {} pupils analysed; share of schools treated P = {p}; R² pupil = {r1}, class = {r2}, school = {r3}; df = K − g − 2",
        crate::report::format::significant(n_a, 6)
    ));
    let groups = vec![
        GroupSize {
            label: "schools (both arms)".into(),
            analysed: k,
            randomised: k,
            rounded: round_up(k),
        },
        GroupSize {
            label: "classes per school".into(),
            analysed: jj,
            randomised: jj,
            rounded: round_up(jj),
        },
        GroupSize {
            label: "pupils per class".into(),
            analysed: n_a,
            randomised: q.class_size,
            rounded: round_up(q.class_size),
        },
    ];
    Ok(PowerAnswer {
        family: "three-level cluster-randomised trial".into(),
        method: "PowerUp! cra3 MDES (Dong & Maynard 2013); power by the non-central t".into(),
        solved_for,
        effect,
        effect_measure: "MDES (SD units)".into(),
        alpha: q.targets.alpha,
        power,
        power_at_rounded,
        total_analysed: k * jj * n_a,
        total_rounded: round_up(k) * round_up(jj) * round_up(q.class_size),
        groups,
        at_minimum: false,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> ClusterQuestion {
        ClusterQuestion {
            clusters: Some(40.0),
            cluster_size: Some(20.0),
            targets: Targets {
                effect: None,
                alpha: 0.05,
                power: Some(0.8),
                two_sided: true,
            },
            icc: 0.1,
            treated_share: 0.5,
            r2_individual: 0.0,
            r2_cluster: 0.0,
            covariates: 0,
            adjustments: Adjustments::default(),
        }
    }

    #[test]
    fn solving_clusters_inverts_the_mdes() {
        let mdes = solve_cluster(&base()).unwrap().effect;
        let mut q = base();
        q.clusters = None;
        q.targets.effect = Some(mdes);
        let j = solve_cluster(&q).unwrap().groups[0].analysed;
        assert!((j - 40.0).abs() < 1e-8, "{j}");
    }

    #[test]
    fn an_mdes_below_the_cluster_floor_has_no_cluster_size() {
        let mut q = base();
        q.cluster_size = None;
        q.targets.effect = Some(0.1);
        let err = solve_cluster(&q).unwrap_err();
        assert!(err.to_string().contains("add clusters"), "{err}");
        q.icc = 1.0;
        assert!(matches!(
            solve_cluster(&q),
            Err(PowerError::IccOutOfRange { .. })
        ));
    }
}
