//! The plan stage: a spec's `design.power` block resolved into one analytic question
//! ([`resolve`]) and answered with its curves, MDES band and optional simulation
//! diagnosis ([`run_plan`]). Returns a plain [`PlanResult`] for the report; never
//! prints or touches files.

use serde::Serialize;

use super::answer::{Adjustments, PowerAnswer, Unknown};
use super::bands::{MdesBand, eef_band};
use super::budget::{Allocation, ClusterCost, Costs, allocate};
use super::chisq::{ChisqQuestion, solve_chisq};
use super::cluster::{ClusterQuestion, ThreeLevelQuestion, solve_cluster, solve_three_level};
use super::error::PowerError;
use super::mdes::{IndividualQuestion, Targets, solve_individual};
use super::prop::{PropMethod, PropQuestion, solve_prop};
use super::rdd::{RdDesignEffect, RdPlanQuestion, RunningShape, solve_rd_plan};
use super::sequential::{
    Boundary, SequentialDesign, SequentialQuestion, Spending, check_fractions, design,
    equally_spaced,
};
use super::simulate::{
    Diagnosis, SimOutcome, SimulationDesign, SteppedWedgeSimulation, diagnose,
    diagnose_stepped_wedge, diagnose_sweep,
};
use super::stepped_wedge::{SteppedWedgeQuestion, solve_stepped_wedge};
use super::t::{TQuestion, TTestKind, solve_t};
use crate::spec::{
    BoundarySpec, EstimatorKind, InterimSpec, PowerFamily, PowerSpec, RunningShapeSpec, SolveFor,
    SpendingSpec,
};
use crate::stats::estimate::Alternative;

/// One analytic question, by family.
#[derive(Debug, Clone, PartialEq)]
pub enum Question {
    T(TQuestion),
    Prop(PropQuestion),
    Chisq(ChisqQuestion),
    Individual(IndividualQuestion),
    Cluster(ClusterQuestion),
    Cluster3(ThreeLevelQuestion),
    SteppedWedge(SteppedWedgeQuestion),
    /// A regression discontinuity: the individual answer times Schochet's design effect.
    Rd(RdPlanQuestion),
}

/// A resolved `design.power` block.
#[derive(Debug, Clone, PartialEq)]
pub struct PowerPlan {
    pub question: Question,
    /// Effects for the power curve, in the family's effect units (treatment rates for
    /// proportions given as rates).
    pub curve_effects: Vec<f64>,
    pub simulation: Option<SimulationPlan>,
    /// Interim looks (a group-sequential design), resolved.
    pub interim: Option<InterimLooks>,
    /// Allocation under a budget: the budget and the costs.
    pub budget: Option<(f64, Costs)>,
    /// Recruitment time, resolved.
    pub recruitment: Option<Recruitment>,
}

/// A resolved `design.power.recruitment` block.
#[derive(Debug, Clone, PartialEq)]
pub struct Recruitment {
    /// Units per period: across the trial, or per cluster (`per_cluster`).
    pub rate: f64,
    pub per_cluster: bool,
    pub month: bool,
    /// Days since 1970-01-01.
    pub start: Option<i64>,
    /// The periods available for the MDES by a date, and that date.
    pub horizon: Option<(f64, Option<i64>)>,
}

/// How long recruitment takes, and what the units that arrive by a date can detect.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct RecruitmentPlan {
    /// "week" or "month".
    pub period: String,
    /// Eligible units arriving per period across the trial (for a rate per cluster, at
    /// the planned clusters).
    pub rate: f64,
    /// Units the plan randomises (rounded up).
    pub units_needed: u64,
    /// Periods until they have arrived.
    pub periods_needed: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// The day the planned sample has arrived (with `start`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish: Option<String>,
    /// With interim looks: periods until the group-sequential maximum has arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub periods_to_maximum: Option<f64>,
    /// What the units that arrive by `until` (or in `periods`) can detect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<RecruitedBy>,
}

/// The sample that has arrived by a date and its minimum detectable effect.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct RecruitedBy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    pub periods: f64,
    /// Units arrived (whole).
    pub units: u64,
    /// The minimum detectable effect at those units and the power of the plan's MDES,
    /// in the plan's effect measure (a difference in proportions for rates); `None` when
    /// they are too few for the test.
    pub mdes: Option<f64>,
    pub effect_measure: String,
    pub power: f64,
}

/// What a budget buys at the allocation that minimises the MDES.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct BudgetPlan {
    pub budget: f64,
    /// What the arm sizes count: "units" or "clusters".
    pub counted: String,
    /// Whole units (clusters) per arm at the optimum, within the budget.
    pub treatment: u64,
    pub control: u64,
    /// The square-root rule's n_T/n_C, √(c_C/c_T), unrounded; for cluster trials
    /// J_T/J_C (1 when both arms cost the same).
    pub optimal_ratio: f64,
    /// Cluster trials: the optimal cluster size m*, unrounded, and as used (in the
    /// treatment arm when the arms' costs differ).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimal_cluster_size: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_size: Option<u64>,
    /// Cluster trials whose arms' costs differ: the control arm's optimal cluster
    /// size, unrounded, and as used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimal_control_cluster_size: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_cluster_size: Option<u64>,
    /// What the whole-number design costs.
    pub spent: f64,
    /// The MDES (SD units) this design has at the power of the plan's MDES.
    pub mdes: f64,
    /// t and individual: the MDES of an equal split at the same budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mdes_equal_split: Option<f64>,
    /// The power the MDES is computed at.
    pub power: f64,
    /// The MDES at the optimum against the budget (x: budget, y: MDES), from a
    /// quarter to twice the budget.
    pub curve: Vec<CurvePoint>,
}

/// A resolved `design.power.interim` block.
#[derive(Debug, Clone, PartialEq)]
pub struct InterimLooks {
    /// Information fractions, increasing, the last 1.
    pub fractions: Vec<f64>,
    pub boundary: Boundary,
}

/// A group-sequential plan: the boundaries and the sample sizes at the looks.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct InterimPlan {
    /// Boundaries, alpha spent, inflation factor and expected sample (relative).
    pub design: SequentialDesign,
    /// What the sizes count (the curves' x axis), e.g. "units randomised (both arms)".
    pub size_label: String,
    /// The fixed design's planned size (rounded up), as in the answer above.
    pub fixed_size: f64,
    /// The maximum size: the fixed size times the inflation factor, rounded up.
    pub maximum_size: u64,
    /// The size analysed by each look: its information fraction of the maximum,
    /// rounded up.
    pub look_sizes: Vec<u64>,
    /// Expected size when the planned effect is true: the expected-sample ratio times
    /// the fixed size.
    pub expected_size_h1: f64,
    /// How the power and alpha were read from the plan, and the normal approximation.
    pub notes: Vec<String>,
}

/// A resolved simulation block; `design.n` is 0 when it comes from the analytic answer.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulationPlan {
    pub design: SimulationDesign,
    pub n_sweep: Vec<usize>,
}

/// A point of a curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CurvePoint {
    pub size: f64,
    pub value: f64,
}

/// Power against sample size for one effect.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PowerCurve {
    pub effect: f64,
    pub points: Vec<CurvePoint>,
}

/// What the plan stage produced.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PlanResult {
    /// The answer by the chosen method first; for proportions, the other method's
    /// answer follows when it differs.
    pub answers: Vec<PowerAnswer>,
    /// The minimum detectable effect (SD units) at the planned sample, for the
    /// families measured in SD units.
    pub mdes: Option<f64>,
    /// Where that MDES falls in the EEF-style bands.
    pub eef_band: Option<MdesBand>,
    /// What the curves' x axis counts, e.g. "units randomised", "clusters".
    pub size_label: String,
    /// Name of the effect measure on the curves.
    pub effect_measure: String,
    /// The target power marked on the power curve.
    pub target_power: f64,
    /// The planned size (x) marked on the curves.
    pub planned_size: f64,
    pub power_curves: Vec<PowerCurve>,
    /// Minimum detectable effect against the sample size, at the target power.
    pub mdes_curve: Vec<CurvePoint>,
    pub simulation: Option<SimulationResult>,
    /// A regression discontinuity's design effect, its source and the MDES beside a
    /// randomised trial's of the same size; absent for the other families.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regression_discontinuity: Option<RdDesignEffect>,
    /// Interim looks (design.power.interim): the group-sequential boundaries and the
    /// maximum and expected sample.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interim: Option<InterimPlan>,
    /// Allocation under a budget (design.power.budget).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetPlan>,
    /// Recruitment time (design.power.recruitment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recruitment: Option<RecruitmentPlan>,
}

/// A simulation diagnosis, with the simulated power curve when N was swept.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct SimulationResult {
    pub diagnosis: Diagnosis,
    pub sweep: Vec<Diagnosis>,
    /// The model simulated, in words.
    pub model: String,
    /// The analytic power at the simulated design set against the simulated power,
    /// with the reasons they can differ; `None` when the analytic question cannot be
    /// put at the simulated design (chi-squared, one-sample or paired t, three levels,
    /// a binary outcome planned in SD units).
    pub agreement: Option<PowerAgreement>,
}

/// Analytic against simulated power at the simulated design. They *disagree* when the
/// analytic power lies outside the 95% Wilson interval of the simulated power (the
/// simulated share of significant results over the simulations that ran).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PowerAgreement {
    /// Analytic power at the simulated N, effect, ICC and cluster size.
    pub analytic_power: f64,
    pub simulated_power: f64,
    /// Monte Carlo SE of the simulated power, √(p(1 − p)/S).
    pub mc_se: f64,
    /// 95% Wilson interval of the simulated power.
    pub interval_low: f64,
    pub interval_high: f64,
    /// Whether the analytic power lies inside that interval.
    pub agree: bool,
    /// Simulations that ran and simulations excluded because the estimator failed.
    pub sims_used: usize,
    pub sims_failed: usize,
    /// Why the two can differ, each in words: the analytic formula's approximations,
    /// failed simulations, and differences between the two models.
    pub reasons: Vec<String>,
}

/// Resolves a `design.power` block. `arm_shares` are (control, treatment) shares from
/// the design; `default_estimator` the analysis block's first estimator;
/// `stepped_wedge_steps` the steps of a stepped-wedge design (`test: stepped_wedge`).
///
/// # Errors
/// (field, message) pairs, each naming the key of `design.power` at fault.
pub fn resolve(
    spec: &PowerSpec,
    arm_shares: Option<(f64, f64)>,
    default_estimator: Option<EstimatorKind>,
    stepped_wedge_steps: Option<usize>,
) -> Result<PowerPlan, Vec<(String, String)>> {
    let mut problems: Vec<(String, String)> = Vec::new();
    let mut problem = |field: &str, message: String| problems.push((field.to_string(), message));
    let solve = spec.solve_for;
    let family = spec.test;
    let allowed: &[SolveFor] = match family {
        PowerFamily::T | PowerFamily::Proportions | PowerFamily::Chisq => &[
            SolveFor::SampleSize,
            SolveFor::Effect,
            SolveFor::Power,
            SolveFor::Alpha,
        ],
        PowerFamily::Individual
        | PowerFamily::Cluster3
        | PowerFamily::SteppedWedge
        | PowerFamily::RegressionDiscontinuity => {
            &[SolveFor::SampleSize, SolveFor::Effect, SolveFor::Power]
        }
        PowerFamily::Cluster => &[
            SolveFor::SampleSize,
            SolveFor::ClusterSize,
            SolveFor::Effect,
            SolveFor::Power,
        ],
    };
    if !allowed.contains(&solve) {
        problem(
            "solve_for",
            format!("{family:?} designs cannot solve for {solve:?}").to_lowercase(),
        );
    }
    // Fields that only some families read.
    let only = |field: &str,
                given: bool,
                families: &[PowerFamily],
                problems: &mut Vec<(String, String)>| {
        if given && !families.contains(&family) {
            problems.push((
                field.to_string(),
                format!(
                    "{field} does not apply to the {} family",
                    family_name(family)
                ),
            ));
        }
    };
    use PowerFamily as F;
    only(
        "control_rate",
        spec.control_rate.is_some(),
        &[F::Proportions],
        &mut problems,
    );
    only(
        "treatment_rate",
        spec.treatment_rate.is_some(),
        &[F::Proportions],
        &mut problems,
    );
    only("df", spec.df.is_some(), &[F::Chisq], &mut problems);
    only("t_type", spec.t_type.is_some(), &[F::T], &mut problems);
    only(
        "proportion_method",
        spec.proportion_method.is_some(),
        &[F::Proportions],
        &mut problems,
    );
    only(
        "clusters",
        spec.clusters.is_some(),
        &[F::Cluster, F::Cluster3, F::SteppedWedge],
        &mut problems,
    );
    only(
        "cluster_size",
        spec.cluster_size.is_some(),
        &[F::Cluster, F::Cluster3, F::SteppedWedge],
        &mut problems,
    );
    only(
        "icc",
        spec.icc.is_some(),
        &[F::Cluster, F::Cluster3, F::SteppedWedge],
        &mut problems,
    );
    let all_but_stepped_wedge = [
        F::T,
        F::Proportions,
        F::Chisq,
        F::Individual,
        F::Cluster,
        F::Cluster3,
    ];
    for (field, given) in [
        ("attrition", spec.attrition.is_some()),
        ("baseline_correlation", spec.baseline_correlation.is_some()),
        ("r2_individual", spec.r2_individual.is_some()),
        ("covariates", spec.covariates.is_some()),
        (
            "alternative",
            spec.alternative.is_some_and(|a| a != Alternative::TwoSided),
        ),
        ("two_sided_rule", spec.two_sided_rule.is_some()),
    ] {
        only(field, given, &all_but_stepped_wedge, &mut problems);
    }
    match (family, stepped_wedge_steps) {
        (F::SteppedWedge, None) => problems.push((
            "test".into(),
            "stepped_wedge power needs the design's steps: set design.kind to stepped_wedge with design.stepped_wedge".into(),
        )),
        (F::T | F::Proportions | F::Chisq | F::Individual | F::Cluster | F::Cluster3, Some(_)) => {
            problems.push((
                "test".into(),
                format!(
                    "a stepped-wedge trial is planned with test stepped_wedge (Hussey and Hughes), not {}",
                    family_name(family)
                ),
            ))
        }
        _ => {}
    }
    only(
        "icc_class",
        spec.icc_class.is_some(),
        &[F::Cluster3],
        &mut problems,
    );
    only(
        "classes_per_school",
        spec.classes_per_school.is_some(),
        &[F::Cluster3],
        &mut problems,
    );
    only(
        "r2_class",
        spec.r2_class.is_some(),
        &[F::Cluster3],
        &mut problems,
    );
    only(
        "r2_cluster",
        spec.r2_cluster.is_some(),
        &[F::Cluster, F::Cluster3],
        &mut problems,
    );
    only(
        "allocation_ratio",
        spec.allocation_ratio.is_some(),
        &[F::T, F::Proportions],
        &mut problems,
    );
    only(
        "treated_share",
        spec.treated_share.is_some(),
        &[
            F::Individual,
            F::Cluster,
            F::Cluster3,
            F::RegressionDiscontinuity,
        ],
        &mut problems,
    );
    only(
        "n",
        spec.n.is_some(),
        &[
            F::T,
            F::Proportions,
            F::Chisq,
            F::Individual,
            F::RegressionDiscontinuity,
        ],
        &mut problems,
    );
    only(
        "running_shape",
        spec.running_shape.is_some(),
        &[F::RegressionDiscontinuity],
        &mut problems,
    );
    only(
        "running_correlation",
        spec.running_correlation.is_some(),
        &[F::RegressionDiscontinuity],
        &mut problems,
    );
    only(
        "take_up_jump",
        spec.take_up_jump.is_some(),
        &[F::RegressionDiscontinuity],
        &mut problems,
    );
    if let Some(jump) = spec.take_up_jump
        && !(jump > 0.0 && jump <= 1.0)
    {
        problems.push((
            "take_up_jump".into(),
            format!("the jump in the share treated at the cut-off must be in (0, 1], got {jump}"),
        ));
    }
    let rd_shape = (family == F::RegressionDiscontinuity)
        .then(|| rd_running_shape(spec, &mut problems))
        .flatten();
    if family == F::RegressionDiscontinuity && spec.simulation.is_some() {
        problems.push((
            "simulation".into(),
            "a simulated design diagnosis is not available for a regression_discontinuity plan (the simulation randomises units); remove simulation".into(),
        ));
    }

    // The effect, standardised.
    let mut effect = spec.effect;
    match (spec.effect, spec.raw_effect, spec.sd) {
        (Some(_), Some(_), _) => problems.push((
            "raw_effect".into(),
            "give the effect either standardised (effect) or raw (raw_effect with sd), not both"
                .into(),
        )),
        (None, Some(raw), Some(sd)) => {
            if sd.is_finite() && sd > 0.0 {
                effect = Some(raw / sd);
            } else {
                problems.push((
                    "sd".into(),
                    format!("the outcome SD must be positive, got {sd}"),
                ));
            }
        }
        (None, Some(_), None) => problems.push((
            "sd".into(),
            "raw_effect needs the outcome's sd to standardise it".into(),
        )),
        _ => {}
    }
    if family == F::Proportions && spec.control_rate.is_some() && spec.effect.is_some() {
        problems.push((
            "effect".into(),
            "with control_rate, give the effect as treatment_rate (h is then computed)".into(),
        ));
    }
    let alpha = spec.alpha.unwrap_or(0.05);
    let power = spec.power.unwrap_or(0.8);
    let alternative = spec.alternative.unwrap_or(Alternative::TwoSided);
    let two_sided = spec.two_sided_rule.unwrap_or_default();
    let adjustments = Adjustments {
        attrition: spec.attrition.unwrap_or(0.0),
        baseline_r: spec.baseline_correlation.unwrap_or(0.0),
    };
    let ratio = spec
        .allocation_ratio
        .or(arm_shares.map(|(c, t)| t / c))
        .unwrap_or(1.0);
    let share = spec
        .treated_share
        .or(arm_shares.map(|(c, t)| t / (c + t)))
        .unwrap_or(0.5);
    // Which quantities must be given, and which must be absent.
    let effect_given = match family {
        F::Proportions if spec.control_rate.is_some() => spec.treatment_rate.is_some(),
        _ => effect.is_some(),
    };
    let require = |field: &str, given: bool, needed: bool, problems: &mut Vec<(String, String)>| {
        if needed && !given {
            problems.push((
                field.to_string(),
                format!("{field} is needed to solve for {}", solve_name(solve)),
            ));
        } else if !needed && given {
            problems.push((
                field.to_string(),
                format!(
                    "{field} is what solve_for = {} finds; leave it out",
                    solve_name(solve)
                ),
            ));
        }
    };
    let effect_field = if family == F::Proportions && spec.control_rate.is_some() {
        "treatment_rate"
    } else {
        "effect"
    };
    require(
        effect_field,
        effect_given,
        solve != SolveFor::Effect,
        &mut problems,
    );
    if spec.power.is_some() && solve == SolveFor::Power {
        require("power", true, false, &mut problems);
    }
    if spec.alpha.is_some() && solve == SolveFor::Alpha {
        require("alpha", true, false, &mut problems);
    }
    match family {
        F::Cluster => {
            require(
                "clusters",
                spec.clusters.is_some(),
                solve != SolveFor::SampleSize,
                &mut problems,
            );
            require(
                "cluster_size",
                spec.cluster_size.is_some(),
                solve != SolveFor::ClusterSize,
                &mut problems,
            );
            require("icc", spec.icc.is_some(), true, &mut problems);
        }
        F::SteppedWedge => {
            require(
                "clusters",
                spec.clusters.is_some(),
                solve != SolveFor::SampleSize,
                &mut problems,
            );
            require(
                "cluster_size",
                spec.cluster_size.is_some(),
                true,
                &mut problems,
            );
            require("icc", spec.icc.is_some(), true, &mut problems);
        }
        F::Cluster3 => {
            require(
                "clusters",
                spec.clusters.is_some(),
                solve != SolveFor::SampleSize,
                &mut problems,
            );
            require(
                "cluster_size",
                spec.cluster_size.is_some(),
                true,
                &mut problems,
            );
            require(
                "classes_per_school",
                spec.classes_per_school.is_some(),
                true,
                &mut problems,
            );
            require("icc", spec.icc.is_some(), true, &mut problems);
        }
        _ => require(
            "n",
            spec.n.is_some(),
            solve != SolveFor::SampleSize,
            &mut problems,
        ),
    }
    if family == F::Chisq {
        require("df", spec.df.is_some(), true, &mut problems);
    }
    let r2_individual = spec.r2_individual.unwrap_or(0.0);
    let r2_cluster = spec.r2_cluster.unwrap_or(0.0);
    let covariates = spec.covariates.unwrap_or(match family {
        F::Individual | F::RegressionDiscontinuity if r2_individual > 0.0 => 1,
        F::Cluster | F::Cluster3 if r2_cluster > 0.0 => 1,
        _ => 0,
    });
    let power_opt = (solve != SolveFor::Power).then_some(power);
    let alpha_opt = (solve != SolveFor::Alpha).then_some(alpha);
    let effect_opt = if solve == SolveFor::Effect {
        None
    } else {
        effect
    };
    let kind = spec.t_type.unwrap_or(TTestKind::TwoSample);
    let n1 = |n: f64| match (family, kind) {
        (F::T, TTestKind::TwoSample) | (F::Proportions, _) => n / (1.0 + ratio),
        _ => n,
    };
    let targets = Targets {
        effect: effect_opt,
        alpha,
        power: power_opt,
        two_sided: alternative == Alternative::TwoSided,
    };
    let question = match family {
        F::T => Question::T(TQuestion {
            kind,
            n: spec.n.map(n1),
            d: effect_opt,
            alpha: alpha_opt,
            power: power_opt,
            ratio,
            alternative,
            two_sided,
            adjustments,
        }),
        F::Proportions => Question::Prop(PropQuestion {
            p1: spec.control_rate,
            p2: spec.treatment_rate.filter(|_| solve != SolveFor::Effect),
            h: if spec.control_rate.is_none() {
                effect_opt
            } else {
                None
            },
            n: spec.n.map(n1),
            alpha: alpha_opt,
            power: power_opt,
            ratio,
            alternative,
            two_sided,
            method: spec.proportion_method.unwrap_or(PropMethod::CohensH),
            adjustments,
        }),
        F::Chisq => Question::Chisq(ChisqQuestion {
            n: spec.n,
            w: effect_opt,
            df: spec.df.unwrap_or(1.0),
            alpha: alpha_opt,
            power: power_opt,
            adjustments,
        }),
        F::Individual => Question::Individual(IndividualQuestion {
            n: spec.n,
            targets,
            treated_share: share,
            r_squared: r2_individual,
            covariates,
            adjustments,
        }),
        F::Cluster => Question::Cluster(ClusterQuestion {
            clusters: spec.clusters.filter(|_| solve != SolveFor::SampleSize),
            cluster_size: spec.cluster_size.filter(|_| solve != SolveFor::ClusterSize),
            targets,
            icc: spec.icc.unwrap_or(0.0),
            treated_share: share,
            r2_individual,
            r2_cluster,
            covariates,
            adjustments,
        }),
        F::Cluster3 => Question::Cluster3(ThreeLevelQuestion {
            schools: spec.clusters.filter(|_| solve != SolveFor::SampleSize),
            classes_per_school: spec.classes_per_school.unwrap_or(1.0),
            class_size: spec.cluster_size.unwrap_or(1.0),
            targets,
            icc_school: spec.icc.unwrap_or(0.0),
            icc_class: spec.icc_class.unwrap_or(0.0),
            treated_share: share,
            r2_individual,
            r2_class: spec.r2_class.unwrap_or(0.0),
            r2_school: r2_cluster,
            covariates,
            adjustments,
        }),
        F::SteppedWedge => Question::SteppedWedge(SteppedWedgeQuestion {
            steps: stepped_wedge_steps.unwrap_or(0),
            clusters: spec.clusters.filter(|_| solve != SolveFor::SampleSize),
            cluster_period_size: spec.cluster_size.unwrap_or(1.0),
            icc: spec.icc.unwrap_or(0.0),
            targets,
        }),
        F::RegressionDiscontinuity => Question::Rd(RdPlanQuestion {
            n: spec.n,
            targets,
            treated_share: share,
            shape: rd_shape.unwrap_or(RunningShape::Uniform { treated: share }),
            r_squared: r2_individual,
            covariates,
            adjustments,
            take_up_jump: spec.take_up_jump.unwrap_or(1.0),
        }),
    };
    let curve_effects = if !spec.curve_effects.is_empty() {
        spec.curve_effects.clone()
    } else {
        Vec::new()
    };
    let simulation = spec.simulation.as_ref().map(|sim| {
        let sd = sim.sd.or(spec.sd).unwrap_or(1.0);
        let baseline_rate = sim.baseline_rate.or(spec.control_rate);
        let sim_effect = sim.effect.or(spec.raw_effect).or_else(|| {
            match (spec.control_rate, spec.treatment_rate) {
                (Some(p1), Some(p2)) => Some(p2 - p1),
                _ => effect.map(|e| e * sd),
            }
        });
        let cluster_size = sim
            .cluster_size
            .or(spec.cluster_size.map(|m| m.ceil() as usize))
            .filter(|_| matches!(family, F::Cluster) || sim.cluster_size.is_some());
        SimulationPlan {
            design: SimulationDesign {
                n: sim.n.unwrap_or(0),
                treated_share: match family {
                    F::T | F::Proportions => ratio / (1.0 + ratio),
                    _ => share,
                },
                effect: sim_effect.unwrap_or(f64::NAN),
                outcome: match baseline_rate {
                    Some(rate) => SimOutcome::Binary {
                        baseline_rate: rate,
                    },
                    None => SimOutcome::Continuous { sd },
                },
                icc: sim
                    .icc
                    .or(if cluster_size.is_some() || family == F::SteppedWedge {
                        spec.icc
                    } else {
                        None
                    })
                    .unwrap_or(0.0),
                cluster_size,
                covariate_r: sim.covariate_correlation.unwrap_or(0.0),
                attrition: sim.attrition.or(spec.attrition).unwrap_or(0.0),
                estimator: sim
                    .estimator
                    .or(default_estimator)
                    .unwrap_or(EstimatorKind::DifferenceInMeans),
                alpha,
                sims: sim.sims,
                seed: sim.seed,
            },
            n_sweep: sim.n_sweep.clone(),
        }
    });
    if let Some(sim) = &simulation {
        if !sim.design.effect.is_finite() {
            problems.push((
                "simulation.effect".into(),
                "the simulation needs the true effect in outcome units: give simulation.effect (or raw_effect, or effect with sd)".into(),
            ));
        }
        if sim.design.n == 0
            && solve != SolveFor::SampleSize
            && !matches!(family, F::Cluster | F::Cluster3 | F::SteppedWedge)
            && spec.n.is_none()
        {
            problems.push(("simulation.n".into(), "give simulation.n".into()));
        }
    }
    if let (F::SteppedWedge, Some(sim)) = (family, &spec.simulation) {
        for (field, given) in [
            ("baseline_rate", sim.baseline_rate.is_some()),
            ("cluster_size", sim.cluster_size.is_some()),
            ("covariate_correlation", sim.covariate_correlation.is_some()),
            ("attrition", sim.attrition.is_some()),
            ("estimator", sim.estimator.is_some()),
            ("n_sweep", !sim.n_sweep.is_empty()),
        ] {
            if given {
                problems.push((
                    format!("simulation.{field}"),
                    format!("simulation.{field} does not apply to a stepped-wedge simulation (n counts clusters; the ICC, SD and effect can be set)"),
                ));
            }
        }
    }
    let interim = spec
        .interim
        .as_ref()
        .and_then(|i| resolve_interim(i, family, &mut problems));
    let budget = spec
        .budget
        .as_ref()
        .and_then(|b| resolve_budget(b, family, kind, &mut problems));
    let recruitment = spec
        .recruitment
        .as_ref()
        .and_then(|r| resolve_recruitment(r, family, &mut problems));
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(PowerPlan {
        question,
        curve_effects,
        simulation,
        interim,
        budget,
        recruitment,
    })
}

/// Resolves `recruitment`; problems at `recruitment.<key>`.
fn resolve_recruitment(
    spec: &crate::spec::RecruitmentSpec,
    family: PowerFamily,
    problems: &mut Vec<(String, String)>,
) -> Option<Recruitment> {
    use crate::spec::{RatePer, RecruitmentPeriod};
    let start_len = problems.len();
    if matches!(family, PowerFamily::SteppedWedge | PowerFamily::Cluster3) {
        problems.push((
            "recruitment".into(),
            format!(
                "recruitment time is planned for units or two-level clusters, not {}",
                family_name(family)
            ),
        ));
        return None;
    }
    if !(spec.rate.is_finite() && spec.rate > 0.0) {
        problems.push((
            "recruitment.rate".into(),
            format!(
                "the rate of eligible units must be positive, got {}",
                spec.rate
            ),
        ));
    }
    let per = spec.per.unwrap_or(RatePer::Trial);
    if per == RatePer::Cluster && family != PowerFamily::Cluster {
        problems.push((
            "recruitment.per".into(),
            format!(
                "a rate per cluster needs a cluster plan, not {}",
                family_name(family)
            ),
        ));
    }
    let blocks = match (per, spec.blocks) {
        (RatePer::Block, Some(b)) if b >= 1 => b as f64,
        (RatePer::Block, _) => {
            problems.push((
                "recruitment.blocks".into(),
                "a rate per block needs the number of blocks recruiting (1 or more)".into(),
            ));
            1.0
        }
        (_, Some(_)) => {
            problems.push((
                "recruitment.blocks".into(),
                "blocks goes with per = \"block\"".into(),
            ));
            1.0
        }
        (_, None) => 1.0,
    };
    let month = spec.period == RecruitmentPeriod::Month;
    let date = |key: &str, text: &Option<String>, problems: &mut Vec<(String, String)>| {
        text.as_ref().and_then(|t| {
            let day = super::recruitment::parse_date(t);
            if day.is_none() {
                problems.push((
                    format!("recruitment.{key}"),
                    format!("{key} must be a date written YYYY-MM-DD, got \"{t}\""),
                ));
            }
            day
        })
    };
    let start = date("start", &spec.start, problems);
    let until = date("until", &spec.until, problems);
    let horizon = match (spec.until.is_some(), until, start, spec.periods) {
        (true, _, _, Some(_)) => {
            problems.push((
                "recruitment.periods".into(),
                "give until or periods, not both".into(),
            ));
            None
        }
        (true, Some(u), Some(s), None) if u >= s => Some((
            (u - s + 1) as f64 / super::recruitment::days_per(month),
            Some(u),
        )),
        (true, Some(_), Some(_), None) => {
            problems.push((
                "recruitment.until".into(),
                "until must not be before start".into(),
            ));
            None
        }
        (true, _, None, None) if spec.start.is_none() => {
            problems.push((
                "recruitment.start".into(),
                "until needs the start of recruitment".into(),
            ));
            None
        }
        (false, _, _, Some(p)) if p.is_finite() && p > 0.0 => Some((p, None)),
        (false, _, _, Some(p)) => {
            problems.push((
                "recruitment.periods".into(),
                format!("periods must be positive, got {p}"),
            ));
            None
        }
        _ => None,
    };
    (problems.len() == start_len).then_some(Recruitment {
        rate: spec.rate * blocks,
        per_cluster: per == RatePer::Cluster,
        month,
        start,
        horizon,
    })
}

/// How long the plan's sample takes to arrive, and the MDES of what arrives by the
/// horizon (`None` when too few arrive for the test).
pub fn recruitment_plan(
    question: &Question,
    first: &PowerAnswer,
    r: &Recruitment,
    power: f64,
    interim: Option<&InterimPlan>,
) -> RecruitmentPlan {
    use super::recruitment::{days_per, format_date};
    let days = days_per(r.month);
    // Units randomised, and for cluster plans the clusters they are spread over.
    let (units, clusters, per_unit) = match question {
        Question::Cluster(_) => {
            let j = first.groups[0].rounded as f64;
            let m = first.groups[1].rounded as f64;
            (j * m, Some(j), m)
        }
        _ => (first.total_rounded as f64, None, 1.0),
    };
    let rate = if r.per_cluster {
        r.rate * clusters.unwrap_or(1.0)
    } else {
        r.rate
    };
    let periods_needed = units / rate;
    let finish = r
        .start
        .map(|s| format_date(s + (periods_needed * days).ceil() as i64 - 1));
    let periods_to_maximum = interim.map(|i| i.maximum_size as f64 * per_unit / rate);
    let by = r.horizon.map(|(periods, date)| {
        let arrived = (rate * periods + 1e-9).floor();
        let mut q = question.clone();
        let mut reference = first.clone();
        let size = match (&mut q, clusters) {
            (Question::Cluster(_), Some(j)) => {
                // `at` takes the cluster size from the answer: the units that arrived,
                // spread over the planned clusters.
                reference.groups[1].randomised = arrived / j;
                j
            }
            _ => arrived,
        };
        let detectable = answer(&at(&q, &reference, size, None, Some(power)))
            .ok()
            .map(|a| match question {
                Question::Prop(p) => match p.p1 {
                    Some(p1) => (a[0].effect - p1).abs(),
                    None => a[0].effect.abs(),
                },
                _ => a[0].effect.abs(),
            })
            .filter(|m| m.is_finite());
        RecruitedBy {
            date: date.map(format_date),
            periods,
            units: arrived as u64,
            mdes: detectable,
            effect_measure: match question {
                Question::Prop(p) if p.p1.is_some() => "difference in proportions".to_string(),
                _ => first.effect_measure.clone(),
            },
            power,
        }
    });
    RecruitmentPlan {
        period: if r.month { "month" } else { "week" }.into(),
        rate,
        units_needed: units as u64,
        periods_needed,
        start: r.start.map(format_date),
        finish,
        periods_to_maximum,
        by,
    }
}

/// Resolves `budget`; problems at `budget.<key>`.
fn resolve_budget(
    spec: &crate::spec::BudgetSpec,
    family: PowerFamily,
    kind: TTestKind,
    problems: &mut Vec<(String, String)>,
) -> Option<(f64, Costs)> {
    let start = problems.len();
    let cluster = family == PowerFamily::Cluster;
    let fits = matches!(family, PowerFamily::Individual | PowerFamily::Cluster)
        || (family == PowerFamily::T && kind == TTestKind::TwoSample);
    if !fits {
        problems.push((
            "budget".into(),
            format!(
                "allocation under a budget is planned for two-sample t, individual and cluster designs, not {}",
                family_name(family)
            ),
        ));
        return None;
    }
    let mut cost = |key: &str, value: Option<f64>, wanted: bool| -> f64 {
        match (value, wanted) {
            (Some(v), true) if v.is_finite() && v > 0.0 => v,
            (Some(v), true) => {
                problems.push((
                    format!("budget.{key}"),
                    format!("{key} must be a positive amount, got {v}"),
                ));
                f64::NAN
            }
            (None, true) => {
                problems.push((
                    format!("budget.{key}"),
                    format!(
                        "a {} budget needs {key}",
                        if cluster {
                            "cluster trial's"
                        } else {
                            "two-arm"
                        }
                    ),
                ));
                f64::NAN
            }
            (Some(_), false) => {
                problems.push((
                    format!("budget.{key}"),
                    format!(
                        "{key} does not apply to the {} family ({})",
                        family_name(family),
                        if cluster {
                            "give cluster_cost and unit_cost"
                        } else {
                            "give unit_cost_treatment and unit_cost_control"
                        }
                    ),
                ));
                f64::NAN
            }
            (None, false) => f64::NAN,
        }
    };
    let total = cost("total", Some(spec.total), true);
    let costs = if cluster {
        // Each arm's cost is its own key, else the shared one.
        let pick = |shared: &'static str,
                    own: &'static str,
                    shared_value: Option<f64>,
                    own_value: Option<f64>| {
            match (shared_value, own_value) {
                (Some(_), Some(_)) => Err((
                    format!("budget.{own}"),
                    format!("give {shared} (both arms) or {own}, not both"),
                )),
                (_, Some(v)) => Ok((own, v)),
                (Some(v), None) => Ok((shared, v)),
                (None, None) => Err((
                    format!("budget.{shared}"),
                    format!("a cluster trial's budget needs {shared} (or {own})"),
                )),
            }
        };
        let picked = [
            pick(
                "cluster_cost",
                "cluster_cost_treatment",
                spec.cluster_cost,
                spec.cluster_cost_treatment,
            ),
            pick(
                "unit_cost",
                "unit_cost_treatment",
                spec.unit_cost,
                spec.unit_cost_treatment,
            ),
            pick(
                "cluster_cost",
                "cluster_cost_control",
                spec.cluster_cost,
                spec.cluster_cost_control,
            ),
            pick(
                "unit_cost",
                "unit_cost_control",
                spec.unit_cost,
                spec.unit_cost_control,
            ),
        ];
        let mut values = [f64::NAN; 4];
        let mut missing: Vec<(String, String)> = Vec::new();
        for (value, choice) in values.iter_mut().zip(picked) {
            match choice {
                Ok((key, v)) => *value = cost(key, Some(v), true),
                // One problem for a shared key both arms lack.
                Err(problem) if !missing.contains(&problem) => missing.push(problem),
                Err(_) => {}
            }
        }
        problems.extend(missing);
        let treatment = ClusterCost {
            cluster: values[0],
            individual: values[1],
        };
        let control = ClusterCost {
            cluster: values[2],
            individual: values[3],
        };
        Costs::Clusters { treatment, control }
    } else {
        cost("cluster_cost", spec.cluster_cost, false);
        cost("unit_cost", spec.unit_cost, false);
        cost("cluster_cost_treatment", spec.cluster_cost_treatment, false);
        cost("cluster_cost_control", spec.cluster_cost_control, false);
        Costs::Units {
            treatment: cost("unit_cost_treatment", spec.unit_cost_treatment, true),
            control: cost("unit_cost_control", spec.unit_cost_control, true),
        }
    };
    (problems.len() == start).then_some((total, costs))
}

/// The MDES (SD units, at `power`) of the design a budget buys.
fn allocation_mdes(
    question: &Question,
    first: &PowerAnswer,
    a: &Allocation,
    power: f64,
) -> Result<f64, PowerError> {
    let (t, c) = (a.treatment as f64, a.control as f64);
    let mut q = question.clone();
    match &mut q {
        Question::T(x) => {
            x.n = Some(c);
            x.ratio = t / c;
            x.d = None;
            x.power = Some(power);
            x.alpha = Some(first.alpha);
        }
        Question::Individual(x) => {
            x.n = Some(t + c);
            x.treated_share = t / (t + c);
            x.targets.effect = None;
            x.targets.power = Some(power);
        }
        Question::Cluster(x) => {
            x.clusters = Some(t + c);
            x.cluster_size = a.equivalent_cluster_size();
            x.treated_share = t / (t + c);
            x.targets.effect = None;
            x.targets.power = Some(power);
        }
        _ => {
            return Err(PowerError::NoSolution {
                what: "allocation",
                target: "a budget".into(),
                reason: "only two-sample t, individual and cluster plans take a budget".into(),
            });
        }
    }
    Ok(answer(&q)?[0].effect.abs())
}

/// The allocation a budget buys and its MDES, with the MDES against the budget.
///
/// # Errors
/// A budget that buys fewer than two units (clusters) in an arm, or a design with no
/// MDES ([`PowerError::NoSolution`] naming what the budget buys).
pub fn budget_plan(
    question: &Question,
    first: &PowerAnswer,
    budget: f64,
    costs: Costs,
    power: f64,
) -> Result<BudgetPlan, PowerError> {
    let (icc, r1, r2) = match question {
        Question::Cluster(c) => (c.icc, c.r2_individual, c.r2_cluster),
        _ => (0.0, 0.0, 0.0),
    };
    let counted = if matches!(costs, Costs::Clusters { .. }) {
        "clusters"
    } else {
        "units"
    };
    let at = |b: f64| -> Result<(Allocation, f64), PowerError> {
        let a = allocate(b, costs, icc, r1, r2)?;
        let too_few = |reason: String| PowerError::NoSolution {
            what: "two-arm design",
            target: format!(
                "the test within a budget of {}",
                crate::report::format::significant(b, 6)
            ),
            reason,
        };
        if a.treatment < 2 || a.control < 2 {
            return Err(too_few(format!(
                "it buys {} treatment and {} control {counted} at the optimal split, and a two-arm comparison needs at least 2 in each arm",
                a.treatment, a.control
            )));
        }
        let mdes = allocation_mdes(question, first, &a, power).map_err(|e| {
            too_few(format!(
                "it buys {} treatment and {} control {counted}, too few for the test: {e}",
                a.treatment, a.control
            ))
        })?;
        Ok((a, mdes))
    };
    let (a, mdes) = at(budget)?;
    let mdes_equal_split = match costs {
        Costs::Units { treatment, control } => {
            let each = (budget / (treatment + control) + 1e-9).floor() as u64;
            let equal = Allocation {
                treatment: each,
                control: each,
                ..a
            };
            (each >= 2)
                .then(|| allocation_mdes(question, first, &equal, power).ok())
                .flatten()
        }
        Costs::Clusters { .. } => None,
    };
    let curve = (0..=40)
        .filter_map(|i| {
            let b = budget * (0.25 + 1.75 * i as f64 / 40.0);
            at(b).ok().map(|(_, m)| CurvePoint { size: b, value: m })
        })
        .collect();
    Ok(BudgetPlan {
        budget,
        counted: counted.into(),
        treatment: a.treatment,
        control: a.control,
        optimal_ratio: a.ratio,
        optimal_cluster_size: a.cluster_size_exact,
        cluster_size: a.cluster_size,
        optimal_control_cluster_size: a.control_cluster_size_exact,
        control_cluster_size: a.control_cluster_size,
        spent: a.spent,
        mdes,
        mdes_equal_split,
        power,
        curve,
    })
}

/// The most looks a plan takes.
pub const MAX_LOOKS: usize = 20;

/// Resolves an `interim` block on its own (the command line's `power sequential`);
/// problems at `interim.<key>`.
///
/// # Errors
/// (key, message) pairs.
pub fn resolve_interim_looks(spec: &InterimSpec) -> Result<InterimLooks, Vec<(String, String)>> {
    let mut problems = Vec::new();
    match resolve_interim(spec, PowerFamily::T, &mut problems) {
        Some(looks) if problems.is_empty() => Ok(looks),
        _ => Err(problems),
    }
}

/// Resolves `interim`; problems at `interim.<key>`.
fn resolve_interim(
    spec: &InterimSpec,
    family: PowerFamily,
    problems: &mut Vec<(String, String)>,
) -> Option<InterimLooks> {
    let start = problems.len();
    if matches!(family, PowerFamily::Chisq | PowerFamily::SteppedWedge) {
        problems.push((
            "interim".into(),
            format!(
                "interim looks are planned for a z or t statistic; the {} family is not one (remove interim)",
                family_name(family)
            ),
        ));
    }
    if !(2..=MAX_LOOKS).contains(&spec.looks) {
        problems.push((
            "interim.looks".into(),
            format!(
                "looks counts the analyses, the final one included: 2 to {MAX_LOOKS}, got {}",
                spec.looks
            ),
        ));
    }
    let fractions = if spec.information_fractions.is_empty() {
        equally_spaced(spec.looks)
    } else {
        if spec.information_fractions.len() != spec.looks {
            problems.push((
                "interim.information_fractions".into(),
                format!(
                    "give one information fraction per look: {} looks but {} fractions",
                    spec.looks,
                    spec.information_fractions.len()
                ),
            ));
        }
        spec.information_fractions.clone()
    };
    if let Err(e) = check_fractions(&fractions) {
        problems.push(("interim.information_fractions".into(), e.to_string()));
    }
    let boundary = spec.boundary.unwrap_or(BoundarySpec::ObrienFleming);
    if boundary != BoundarySpec::LanDemets && spec.spending.is_some() {
        problems.push((
            "interim.spending".into(),
            "a spending function belongs to boundary \"lan_demets\"".into(),
        ));
    }
    let spending = spec.spending.unwrap_or(SpendingSpec::ObrienFleming);
    let hsd = boundary == BoundarySpec::LanDemets && spending == SpendingSpec::HwangShihDecani;
    match (hsd, spec.gamma) {
        (true, None) => problems.push((
            "interim.gamma".into(),
            "the Hwang–Shih–DeCani function needs gamma (−4 is close to O'Brien–Fleming, 1 to Pocock)".into(),
        )),
        (true, Some(g)) if !(g.is_finite() && g.abs() <= 40.0) => problems.push((
            "interim.gamma".into(),
            format!("gamma must be a number from −40 to 40, got {g}"),
        )),
        (false, Some(_)) => problems.push((
            "interim.gamma".into(),
            "gamma belongs to the hwang_shih_decani spending function".into(),
        )),
        _ => {}
    }
    if problems.len() > start {
        return None;
    }
    let boundary = match boundary {
        BoundarySpec::ObrienFleming => Boundary::ObrienFleming,
        BoundarySpec::Pocock => Boundary::Pocock,
        BoundarySpec::LanDemets => Boundary::LanDemets(match spending {
            SpendingSpec::ObrienFleming => Spending::ObrienFleming,
            SpendingSpec::Pocock => Spending::Pocock,
            SpendingSpec::HwangShihDecani => Spending::HwangShihDecani {
                gamma: spec.gamma.unwrap_or(0.0),
            },
        }),
    };
    Some(InterimLooks {
        fractions,
        boundary,
    })
}

/// Whether the plan's test is two-sided (the group-sequential boundary is then
/// symmetric).
pub fn two_sided(question: &Question) -> bool {
    match question {
        Question::T(q) => q.alternative == Alternative::TwoSided,
        Question::Prop(q) => q.alternative == Alternative::TwoSided,
        Question::Individual(q) => q.targets.two_sided,
        Question::Cluster(q) => q.targets.two_sided,
        Question::Cluster3(q) => q.targets.two_sided,
        Question::SteppedWedge(q) => q.targets.two_sided,
        Question::Rd(q) => q.targets.two_sided,
        Question::Chisq(_) => false,
    }
}

/// What the plan's sizes count, for reading an interim look's information off the
/// analysed sample: `Some((counts clusters, share of the planned size expected to be
/// analysed))`, the share 1 − attrition where the size counts units randomised and
/// attrition was planned for; `None` where the analysed sample does not give it
/// (three-level, stepped-wedge, RD and chi-square plans).
pub fn analysed_size_rule(question: &Question) -> Option<(bool, f64)> {
    match question {
        Question::T(q) => Some((false, 1.0 - q.adjustments.attrition)),
        Question::Prop(q) => Some((false, 1.0 - q.adjustments.attrition)),
        Question::Individual(q) => Some((false, 1.0 - q.adjustments.attrition)),
        Question::Cluster(_) => Some((true, 1.0)),
        Question::Cluster3(_)
        | Question::SteppedWedge(_)
        | Question::Rd(_)
        | Question::Chisq(_) => None,
    }
}

/// The group-sequential plan of an answered question: the boundaries at the plan's α
/// and power, and the maximum sample (the planned size times the inflation factor).
///
/// # Errors
/// No boundary; a look that adds fewer than two units (clusters) to the one before
/// ([`PowerError::NoSolution`], "more looks than the information allows").
pub fn interim_plan(
    question: &Question,
    first: &PowerAnswer,
    looks: &InterimLooks,
) -> Result<InterimPlan, PowerError> {
    let two_sided = two_sided(question);
    let d = design(&SequentialQuestion {
        fractions: looks.fractions.clone(),
        boundary: looks.boundary,
        alpha: first.alpha,
        power: first.power,
        two_sided,
    })?;
    let (size_label, fixed) = planned_size(question, first);
    let maximum = (fixed * d.inflation_factor - 1e-9).ceil().max(fixed);
    let look_sizes: Vec<u64> = looks
        .fractions
        .iter()
        .map(|t| (t * maximum - 1e-9).ceil() as u64)
        .collect();
    let mut previous = 0;
    for (k, &size) in look_sizes.iter().enumerate() {
        if size < previous + 2 {
            return Err(PowerError::NoSolution {
                what: "group-sequential plan",
                target: format!("{} looks", looks.fractions.len()),
                reason: format!(
                    "look {} would analyse {size} {size_label}, only {} more than the look before; each look needs at least two more (at least one per arm): declare fewer looks or spread the information fractions",
                    k + 1,
                    size - previous
                ),
            });
        }
        previous = size;
    }
    let mut notes = vec![format!(
        "the boundaries are for a {} test at α = {} and sized for power {}, both from the fixed design's answer; they assume the test statistic is approximately normal with information proportional to the sample, so the fixed design's size is multiplied by the inflation factor",
        if two_sided { "two-sided" } else { "one-sided" },
        crate::report::format::significant(first.alpha, 4),
        crate::report::format::significant(first.power, 4)
    )];
    notes.push("the boundaries stop early for efficacy only (no futility boundary); a trial that crosses none continues to the last look".into());
    Ok(InterimPlan {
        expected_size_h1: fixed * d.expected_sample_h1,
        design: d,
        size_label,
        fixed_size: fixed,
        maximum_size: maximum as u64,
        look_sizes,
        notes,
    })
}

/// The running variable's shape of an RD plan, from `running_shape` (with the treated
/// share) or `running_correlation`; problems at those keys otherwise.
fn rd_running_shape(
    spec: &PowerSpec,
    problems: &mut Vec<(String, String)>,
) -> Option<RunningShape> {
    let share = spec.treated_share.unwrap_or(0.5);
    let shape = match (spec.running_shape, spec.running_correlation) {
        (Some(_), Some(_)) => {
            problems.push((
                "running_correlation".into(),
                "give the running variable's shape (running_shape) or its correlation with treatment status (running_correlation), not both".into(),
            ));
            return None;
        }
        (None, None) => {
            problems.push((
                "running_shape".into(),
                "a regression_discontinuity plan needs the running variable's shape inside the bandwidth: running_shape \"uniform\" or \"normal\" (or running_correlation); it sets the design effect 1/(1 − ρ²)".into(),
            ));
            return None;
        }
        (Some(RunningShapeSpec::Uniform), None) => RunningShape::Uniform { treated: share },
        (Some(RunningShapeSpec::Normal), None) => {
            match RunningShape::normal_with_treated_share(share) {
                Ok(shape) => shape,
                Err(e) => {
                    problems.push(("treated_share".into(), e.to_string()));
                    return None;
                }
            }
        }
        (None, Some(rho)) => RunningShape::Correlation { rho },
    };
    if let Err(e) = super::rdd::treated_share_and_rho(shape) {
        let field = if spec.running_correlation.is_some() {
            "running_correlation"
        } else {
            "treated_share"
        };
        problems.push((field.into(), e.to_string()));
        return None;
    }
    Some(shape)
}

fn family_name(family: PowerFamily) -> &'static str {
    match family {
        PowerFamily::T => "t",
        PowerFamily::Proportions => "proportions",
        PowerFamily::Chisq => "chisq",
        PowerFamily::Individual => "individual",
        PowerFamily::Cluster => "cluster",
        PowerFamily::Cluster3 => "cluster3",
        PowerFamily::SteppedWedge => "stepped_wedge",
        PowerFamily::RegressionDiscontinuity => "regression_discontinuity",
    }
}

fn solve_name(solve: SolveFor) -> &'static str {
    match solve {
        SolveFor::SampleSize => "sample_size",
        SolveFor::ClusterSize => "cluster_size",
        SolveFor::Effect => "effect",
        SolveFor::Power => "power",
        SolveFor::Alpha => "alpha",
    }
}

/// Answers a question (the chosen method first).
///
/// # Errors
/// The family's [`PowerError`].
pub fn answer(question: &Question) -> Result<Vec<PowerAnswer>, PowerError> {
    Ok(match question {
        Question::T(q) => vec![solve_t(q)?],
        Question::Prop(q) => solve_prop(q)?,
        Question::Chisq(q) => vec![solve_chisq(q)?],
        Question::Individual(q) => vec![solve_individual(q)?],
        Question::Cluster(q) => vec![solve_cluster(q)?],
        Question::Cluster3(q) => vec![solve_three_level(q)?],
        Question::SteppedWedge(q) => vec![solve_stepped_wedge(q)?],
        Question::Rd(q) => vec![solve_rd_plan(q)?],
    })
}

/// The curves' size variable of an answered question: (label, planned size).
fn planned_size(question: &Question, a: &PowerAnswer) -> (String, f64) {
    match question {
        Question::Cluster(_) => ("clusters randomised".into(), a.groups[0].rounded as f64),
        Question::Cluster3(_) => ("schools randomised".into(), a.groups[0].rounded as f64),
        Question::SteppedWedge(_) => ("clusters randomised".into(), a.groups[0].rounded as f64),
        Question::Rd(_) => (
            "units inside the bandwidth (both sides)".into(),
            a.total_rounded as f64,
        ),
        Question::T(q) if q.kind != TTestKind::TwoSample => (
            if q.kind == TTestKind::Paired {
                "pairs"
            } else {
                "units"
            }
            .into(),
            a.total_rounded as f64,
        ),
        _ => (
            "units randomised (both arms)".into(),
            a.total_rounded as f64,
        ),
    }
}

/// The question with the size set to `size` (in curve units), the effect and power
/// as given (None = solve for it), alpha as answered.
fn at(
    question: &Question,
    answer: &PowerAnswer,
    size: f64,
    effect: Option<f64>,
    power: Option<f64>,
) -> Question {
    let mut q = question.clone();
    match &mut q {
        Question::T(t) => {
            t.n = Some(if t.kind == TTestKind::TwoSample {
                size / (1.0 + t.ratio)
            } else {
                size
            });
            t.d = effect;
            t.power = power;
            t.alpha = Some(answer.alpha);
        }
        Question::Prop(p) => {
            p.n = Some(size / (1.0 + p.ratio));
            if p.p1.is_some() {
                p.p2 = effect;
            } else {
                p.h = effect;
            }
            p.power = power;
            p.alpha = Some(answer.alpha);
        }
        Question::Chisq(c) => {
            c.n = Some(size);
            c.w = effect;
            c.power = power;
            c.alpha = Some(answer.alpha);
        }
        Question::Individual(i) => {
            i.n = Some(size);
            i.targets.effect = effect;
            i.targets.power = power;
        }
        Question::Cluster(c) => {
            c.clusters = Some(size);
            c.cluster_size = Some(answer.groups[1].randomised);
            c.targets.effect = effect;
            c.targets.power = power;
        }
        Question::Cluster3(c) => {
            c.schools = Some(size);
            c.targets.effect = effect;
            c.targets.power = power;
        }
        Question::SteppedWedge(w) => {
            w.clusters = Some(size);
            w.targets.effect = effect;
            w.targets.power = power;
        }
        Question::Rd(r) => {
            r.n = Some(size);
            r.targets.effect = effect;
            r.targets.power = power;
        }
    }
    q
}

/// The effect in the answer's units to draw: for proportions with rates, p2.
fn answer_effect(answer: &PowerAnswer) -> f64 {
    answer.effect
}

/// Runs the plan stage.
///
/// # Errors
/// A question with no answer ([`PowerError`]); an invalid simulation.
pub fn run_plan(
    plan: &PowerPlan,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<PlanResult, PowerError> {
    let answers = answer(&plan.question)?;
    let first = &answers[0];
    let (size_label, planned) = planned_size(&plan.question, first);
    let target_power = first.power;
    let is_sd_units = !matches!(plan.question, Question::Prop(_) | Question::Chisq(_));
    let main_effect = answer_effect(first);
    let proportion_p1 = match &plan.question {
        Question::Prop(p) => p.p1,
        _ => None,
    };
    // MDES at the planned sample and the target power.
    let mdes = if is_sd_units {
        if first.solved_for == Unknown::Effect {
            Some(first.effect.abs())
        } else {
            mdes_at(
                &plan.question,
                first,
                if first.solved_for == Unknown::Power {
                    0.8
                } else {
                    target_power
                },
            )
        }
    } else {
        None
    };
    // An RD's MDES and design effect at the units analysed: the exact n when it was
    // given, the rounded-up solution otherwise.
    let regression_discontinuity = match &plan.question {
        Question::Rd(q) => Some(q.design_effect_at(
            if first.solved_for == Unknown::SampleSize {
                q.adjustments.analysed(planned)
            } else {
                first.total_analysed
            },
            if first.solved_for == Unknown::Power {
                0.8
            } else {
                target_power
            },
        )?),
        _ => None,
    };
    let mdes = match &regression_discontinuity {
        Some(rd) if first.solved_for != Unknown::Effect => Some(rd.mdes),
        _ => mdes,
    };
    let eef_band = mdes.map(eef_band);
    // Curves over sizes from the smallest sensible to twice the planned size.
    let size_min = match &plan.question {
        Question::Cluster(c) => c.covariates as f64 + 4.0,
        Question::Cluster3(c) => c.covariates as f64 + 4.0,
        Question::SteppedWedge(w) => w.steps as f64,
        Question::Individual(i) => i.covariates as f64 + 4.0,
        Question::Rd(r) => r.covariates as f64 + 5.0,
        Question::T(_) | Question::Prop(_) => 6.0,
        Question::Chisq(_) => 4.0,
    };
    let size_max = (2.0 * planned).max(size_min + 10.0);
    let sizes: Vec<f64> = (0..=40)
        .map(|i| size_min + (size_max - size_min) * i as f64 / 40.0)
        .collect();
    let effects: Vec<f64> = if !plan.curve_effects.is_empty() {
        plan.curve_effects.clone()
    } else {
        let base = match proportion_p1 {
            Some(p1) => main_effect - p1,
            None => main_effect,
        };
        [0.5, 0.75, 1.0, 1.5]
            .iter()
            .map(|k| proportion_p1.map(|p1| p1 + k * base).unwrap_or(k * base))
            .filter(|e| proportion_p1.is_none() || (*e > 0.0 && *e < 1.0))
            .collect()
    };
    let power_curves = effects
        .iter()
        .map(|&e| PowerCurve {
            effect: e,
            points: sizes
                .iter()
                .filter_map(|&s| {
                    answer(&at(&plan.question, first, s, Some(e), None))
                        .ok()
                        .map(|a| CurvePoint {
                            size: s,
                            value: a[0].power,
                        })
                })
                .collect(),
        })
        .collect();
    let mdes_power = if first.solved_for == Unknown::Power {
        0.8
    } else {
        target_power
    };
    let mdes_curve = sizes
        .iter()
        .filter_map(|&s| {
            answer(&at(&plan.question, first, s, None, Some(mdes_power)))
                .ok()
                .map(|a| CurvePoint {
                    size: s,
                    value: match proportion_p1 {
                        Some(p1) => (a[0].effect - p1).abs(),
                        None => a[0].effect.abs(),
                    },
                })
        })
        .collect();
    let simulation = match (&plan.simulation, &plan.question) {
        (Some(sim), Question::SteppedWedge(question)) => Some(stepped_wedge_simulation(
            question,
            first,
            &sim.design,
            progress,
        )?),
        (Some(sim), _) => {
            let mut design = sim.design.clone();
            if design.n == 0 {
                design.n = match (&plan.question, design.cluster_size) {
                    (_, Some(m)) => first.groups[0].rounded as usize * m,
                    _ => first.total_rounded as usize,
                };
            }
            if let Some(m) = design.cluster_size
                && !design.n.is_multiple_of(m)
            {
                design.n = design.n.div_ceil(m) * m;
            }
            let diagnosis = diagnose(&design, progress)?;
            let sweep = diagnose_sweep(&design, &sim.n_sweep, progress)?;
            Some(SimulationResult {
                model: describe(&design),
                agreement: agreement(&plan.question, first, &design, &diagnosis),
                diagnosis,
                sweep,
            })
        }
        (None, _) => None,
    };
    let effect_measure = match proportion_p1 {
        Some(_) => "treatment proportion p2".to_string(),
        None => first.effect_measure.clone(),
    };
    let interim = plan
        .interim
        .as_ref()
        .map(|looks| interim_plan(&plan.question, first, looks))
        .transpose()?;
    let budget = plan
        .budget
        .map(|(total, costs)| budget_plan(&plan.question, first, total, costs, mdes_power))
        .transpose()?;
    let recruitment = plan
        .recruitment
        .as_ref()
        .map(|r| recruitment_plan(&plan.question, first, r, mdes_power, interim.as_ref()));
    Ok(PlanResult {
        interim,
        budget,
        recruitment,
        regression_discontinuity,
        mdes,
        eef_band,
        size_label,
        effect_measure,
        target_power: if first.solved_for == Unknown::Power {
            0.8
        } else {
            target_power
        },
        planned_size: planned,
        power_curves,
        mdes_curve,
        simulation,
        answers,
    })
}

/// The minimum detectable effect (SD units) of an answered question at its planned
/// size and the given power; `None` for the families not measured in SD units.
fn mdes_at(question: &Question, first: &PowerAnswer, power: f64) -> Option<f64> {
    if matches!(question, Question::Prop(_) | Question::Chisq(_)) {
        return None;
    }
    let (_, planned) = planned_size(question, first);
    answer(&at(question, first, planned, None, Some(power)))
        .ok()
        .map(|a| a[0].effect.abs())
}

/// A planned minimum detectable effect, in the units the plan states it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(tag = "unit", rename_all = "snake_case")]
pub enum PlannedMde {
    /// In standard deviations of the outcome (t, individual, cluster, cluster3).
    Sd { value: f64 },
    /// A difference in proportions from the planned control rate (proportions).
    Proportion { value: f64, control_rate: f64 },
}

impl PlannedMde {
    /// In SD units: exact for SD-unit plans; for proportions, the difference over the
    /// control group's SD √(p₁(1 − p₁)) (an approximation: the analysis pools the SD
    /// within arms).
    pub fn in_sd(self) -> f64 {
        match self {
            PlannedMde::Sd { value } => value,
            PlannedMde::Proportion {
                value,
                control_rate,
            } => value / (control_rate * (1.0 - control_rate)).sqrt(),
        }
    }
}

/// The planned design's minimum detectable effect at 80% power and the plan's α, as
/// the grade's sample-size criterion measures an analysed sample; `None` for
/// chi-squared plans, proportions planned in Cohen's h alone, or no answer.
pub fn planned_mde_at_80(plan: &PowerPlan) -> Option<PlannedMde> {
    let answers = answer(&plan.question).ok()?;
    let first = &answers[0];
    match &plan.question {
        Question::Prop(p) => {
            let p1 = p.p1?;
            let (_, planned) = planned_size(&plan.question, first);
            let a = answer(&at(&plan.question, first, planned, None, Some(0.8))).ok()?;
            Some(PlannedMde::Proportion {
                value: (a[0].effect - p1).abs(),
                control_rate: p1,
            })
        }
        Question::Chisq(_) => None,
        question => Some(PlannedMde::Sd {
            value: mdes_at(question, first, 0.8)?,
        }),
    }
}

/// The planned α of a resolved plan (the answer's, when it was solved for).
pub fn planned_alpha(plan: &PowerPlan) -> Option<f64> {
    answer(&plan.question).ok().map(|a| a[0].alpha)
}

/// The planned share of randomised units lost before analysis.
pub fn planned_attrition(question: &Question) -> f64 {
    match question {
        Question::T(q) => q.adjustments.attrition,
        Question::Prop(q) => q.adjustments.attrition,
        Question::Individual(q) => q.adjustments.attrition,
        Question::Cluster(q) => q.adjustments.attrition,
        Question::Chisq(q) => q.adjustments.attrition,
        Question::Cluster3(q) => q.adjustments.attrition,
        Question::SteppedWedge(_) => 0.0,
        Question::Rd(q) => q.adjustments.attrition,
    }
}

/// Compares the analytic power with the simulated power at the simulated design.
fn agreement(
    question: &Question,
    first: &PowerAnswer,
    design: &SimulationDesign,
    diagnosis: &Diagnosis,
) -> Option<PowerAgreement> {
    let mut reasons = Vec::new();
    // The simulation's effect in the family's units, and the size in curve units.
    let (size, effect) = match (question, design.outcome) {
        (Question::T(t), SimOutcome::Continuous { sd }) if t.kind == TTestKind::TwoSample => {
            (design.n as f64, design.effect / sd)
        }
        (Question::Individual(_), SimOutcome::Continuous { sd }) => {
            (design.n as f64, design.effect / sd)
        }
        (Question::Cluster(_), SimOutcome::Continuous { sd }) => {
            let m = design.cluster_size?;
            ((design.n / m) as f64, design.effect / sd)
        }
        (Question::Prop(p), SimOutcome::Binary { baseline_rate }) => {
            let p2 = baseline_rate + design.effect;
            match p.p1 {
                Some(p1) => {
                    if (p1 - baseline_rate).abs() > 1e-12 {
                        reasons.push(format!(
                            "the simulated control rate ({}) is not the planned one ({}); the analytic power is computed at the planned control rate with the simulated difference",
                            super::answer::human(baseline_rate, 6),
                            super::answer::human(p1, 6)
                        ));
                    }
                    (design.n as f64, p1 + design.effect)
                }
                None => (
                    design.n as f64,
                    2.0 * p2.sqrt().asin() - 2.0 * baseline_rate.sqrt().asin(),
                ),
            }
        }
        _ => return None,
    };
    let mut q = at(question, first, size, Some(effect), None);
    if let (Question::Cluster(c), Some(m)) = (&mut q, design.cluster_size) {
        c.cluster_size = Some(m as f64);
    }
    let analytic_power = answer(&q).ok()?[0].power;
    let d = diagnosis;
    let used = d.sims - d.failed;
    let p = d.power.value;
    let (low, high) = wilson_95(p, used as f64);
    let agree = (low..=high).contains(&analytic_power);
    // The analytic formula's own approximations.
    match question {
        Question::T(t) => {
            reasons.push(format!("the analytic power is the exact non-central t power of a t test that assumes equal variances; the simulation analyses each draw with {}", simulated_inference(design)));
            if t.alternative != Alternative::TwoSided {
                reasons.push(
                    "the analytic question is one-sided; the simulation tests two-sided".into(),
                );
            } else if t.two_sided == super::t::TwoSidedRule::UpperTail {
                reasons.push("the analytic two-sided power counts the upper tail only (power.t.test's default); the simulation counts a significant result in either direction".into());
            }
        }
        Question::Prop(p) => {
            reasons.push(format!(
                "the analytic power uses a normal approximation ({}); the simulation analyses each draw's 0/1 outcomes with {}",
                match p.method {
                    PropMethod::CohensH => "Cohen's h on the arcsine scale",
                    PropMethod::Pooled => "power.prop.test's pooled variance",
                },
                simulated_inference(design)
            ));
            if p.alternative != Alternative::TwoSided {
                reasons.push(
                    "the analytic question is one-sided; the simulation tests two-sided".into(),
                );
            }
        }
        Question::Individual(i) => {
            reasons.push(format!("the analytic power is PowerUp!'s MDES formula (a t approximation with N − g − 2 degrees of freedom); the simulation analyses each draw with {}", simulated_inference(design)));
            let simulated_r2 = design.covariate_r * design.covariate_r;
            if design.estimator.adjusts() && (simulated_r2 - i.r_squared).abs() > 1e-9 {
                reasons.push(format!(
                    "the plan assumes covariates explain R² = {} of the outcome variance; the simulated covariate explains r² = {}",
                    super::answer::human(i.r_squared, 4),
                    super::answer::human(simulated_r2, 4)
                ));
            }
            if !design.estimator.adjusts() && i.r_squared > 0.0 {
                reasons.push(format!(
                    "the plan credits covariates with R² = {}, but the simulated estimator ({}) does not adjust for them",
                    super::answer::human(i.r_squared, 4),
                    design.estimator.label()
                ));
            }
        }
        Question::Cluster(c) => {
            reasons.push(format!("the analytic power is PowerUp!'s cra2 formula: the design effect 1 + (m − 1)·ICC with equal cluster sizes and J − g − 2 degrees of freedom; the simulation analyses each draw with {}{}", simulated_inference(design), if design.attrition > 0.0 { ", and attrition leaves its clusters unequal" } else { "" }));
            if (c.icc - design.icc).abs() > 1e-12 {
                reasons.push(format!(
                    "the plan assumes ICC {}; the simulation draws ICC {}",
                    super::answer::human(c.icc, 4),
                    super::answer::human(design.icc, 4)
                ));
            }
            if !design.estimator.adjusts() && (c.r2_individual > 0.0 || c.r2_cluster > 0.0) {
                reasons.push(format!(
                    "the plan credits covariates (R² {} individual, {} cluster), but the simulated estimator ({}) does not adjust for them",
                    super::answer::human(c.r2_individual, 4),
                    super::answer::human(c.r2_cluster, 4),
                    design.estimator.label()
                ));
            }
        }
        Question::Chisq(_)
        | Question::Cluster3(_)
        | Question::SteppedWedge(_)
        | Question::Rd(_) => {}
    }
    let planned_attrition = planned_attrition(question);
    if (planned_attrition - design.attrition).abs() > 1e-12 {
        reasons.push(format!(
            "the plan expects {}% attrition; the simulation loses {}% of units",
            super::answer::human(100.0 * planned_attrition, 3),
            super::answer::human(100.0 * design.attrition, 3)
        ));
    } else if design.attrition > 0.0 {
        reasons.push(format!(
            "the analytic formula shrinks the sample by exactly {}%; the simulation loses each unit independently, so the analysed sample varies from draw to draw",
            super::answer::human(100.0 * design.attrition, 3)
        ));
    }
    if d.failed > 0 {
        reasons.push(format!(
            "{} of {} simulations failed (the estimator could not be computed, e.g. an arm lost entirely) and were excluded: the simulated power is over the {} that ran",
            d.failed, d.sims, used
        ));
    }
    reasons.push(format!(
        "the simulated power has a Monte Carlo SE of {} over {} simulations (95% interval {} to {})",
        super::answer::human(d.power.mc_se, 2),
        used,
        super::answer::human(low, 3),
        super::answer::human(high, 3)
    ));
    Some(PowerAgreement {
        analytic_power,
        simulated_power: p,
        mc_se: d.power.mc_se,
        interval_low: low,
        interval_high: high,
        agree,
        sims_used: used,
        sims_failed: d.failed,
        reasons,
    })
}

/// The simulation of a stepped-wedge plan at its planned clusters (rounded up to
/// whole clusters per step, or `simulation.n` clusters), with the Hussey–Hughes
/// power at the same design beside it.
fn stepped_wedge_simulation(
    question: &SteppedWedgeQuestion,
    first: &PowerAnswer,
    settings: &SimulationDesign,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<SimulationResult, PowerError> {
    let sd = match settings.outcome {
        SimOutcome::Continuous { sd } => sd,
        SimOutcome::Binary { .. } => 1.0,
    };
    let clusters = if settings.n > 0 {
        settings.n
    } else {
        first.groups[0].rounded as usize
    };
    let design = SteppedWedgeSimulation {
        steps: question.steps,
        clusters,
        cluster_period_size: question.cluster_period_size,
        icc: settings.icc,
        sd,
        effect: settings.effect,
        alpha: first.alpha,
        sims: settings.sims,
        seed: settings.seed,
    };
    let diagnosis = diagnose_stepped_wedge(&design, progress)?;
    let mut at_design = *question;
    at_design.icc = design.icc;
    let analytic_power = at_design.power_at(design.effect / sd, clusters as f64)?;
    let used = diagnosis.sims - diagnosis.failed;
    let p = diagnosis.power.value;
    let (low, high) = wilson_95(p, used as f64);
    let mut reasons = vec![
        "the simulation draws Hussey and Hughes's own model (period effects, a random cluster intercept, cluster-period means of m individuals) and analyses each draw by generalised least squares with the known variance components and a z test, so the two differ only by Monte Carlo error".to_string(),
    ];
    if (question.icc - design.icc).abs() > 1e-12 {
        reasons.push(format!(
            "the plan assumes ICC {}; the simulation draws ICC {}",
            super::answer::human(question.icc, 4),
            super::answer::human(design.icc, 4)
        ));
    }
    reasons.push(format!(
        "the simulated power has a Monte Carlo SE of {} over {} simulations (95% interval {} to {})",
        super::answer::human(diagnosis.power.mc_se, 2),
        used,
        super::answer::human(low, 3),
        super::answer::human(high, 3)
    ));
    let model = format!(
        "a stepped-wedge trial of {} clusters crossing over {} per step in {} steps ({} periods, the first all in control), {} individuals per cluster and period, ICC {}, outcome SD {}, a true effect of {}; each draw analysed by generalised least squares with period effects and the known variance components (the Hussey and Hughes model), two-sided z test; {} simulations, seed {}",
        crate::report::format::count(clusters),
        crate::report::format::count(clusters / question.steps.max(1)),
        question.steps,
        question.steps + 1,
        crate::report::format::significant(question.cluster_period_size, 6),
        crate::report::format::significant(design.icc, 4),
        crate::report::format::significant(sd, 6),
        crate::report::format::significant(design.effect, 6),
        crate::report::format::count(design.sims),
        design.seed
    );
    Ok(SimulationResult {
        model,
        agreement: Some(PowerAgreement {
            analytic_power,
            simulated_power: p,
            mc_se: diagnosis.power.mc_se,
            interval_low: low,
            interval_high: high,
            agree: (low..=high).contains(&analytic_power),
            sims_used: used,
            sims_failed: diagnosis.failed,
            reasons,
        }),
        diagnosis,
        sweep: Vec::new(),
    })
}

/// How the simulation analyses a draw, in words (mirrors `simulate::estimate`).
fn simulated_inference(design: &SimulationDesign) -> String {
    let se = match (design.cluster_size, design.estimator) {
        (Some(_), _) => "cluster-robust (CR2) standard errors",
        (None, EstimatorKind::DifferenceInMeans) => {
            "Welch's unequal-variance standard error and degrees of freedom"
        }
        (None, _) => "heteroskedasticity-robust (HC2) standard errors",
    };
    format!("{} and {se}", design.estimator.label())
}

/// The 95% Wilson score interval of a proportion `p` over `n` trials (stays inside
/// [0, 1] and is not degenerate at 0 or 1, unlike p ± 1.96·SE).
fn wilson_95(p: f64, n: f64) -> (f64, f64) {
    const Z: f64 = 1.959_963_984_540_054;
    let z2 = Z * Z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// The simulated model in words.
pub fn describe(d: &SimulationDesign) -> String {
    let outcome = match d.outcome {
        SimOutcome::Continuous { sd } => format!("a normal outcome with SD {sd}"),
        SimOutcome::Binary { baseline_rate } => {
            format!("a binary outcome with control rate {baseline_rate}")
        }
    };
    let mut text = format!(
        "{} units, {}% treated by complete random assignment{}, {outcome}, a true effect of {}",
        crate::report::format::count(d.n),
        crate::report::format::significant(100.0 * d.treated_share, 3),
        d.cluster_size
            .map(|m| format!(" of whole clusters of {m} (ICC {})", d.icc))
            .unwrap_or_default(),
        crate::report::format::significant(d.effect, 6)
    );
    if d.covariate_r != 0.0 {
        text.push_str(&format!(
            ", a covariate correlated {} with the outcome",
            d.covariate_r
        ));
    }
    if d.attrition > 0.0 {
        text.push_str(&format!(
            ", {}% attrition",
            crate::report::format::significant(100.0 * d.attrition, 3)
        ));
    }
    text.push_str(&format!(
        "; estimated by {}; {} simulations, seed {}",
        d.estimator.label(),
        crate::report::format::count(d.sims),
        d.seed
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> PowerSpec {
        serde_json::from_value(serde_json::json!({
            "test": "t", "solve_for": "sample_size", "effect": 0.4, "power": 0.8
        }))
        .unwrap()
    }

    #[test]
    fn a_t_plan_has_curves_and_a_band() {
        let plan = resolve(&spec(), None, None, None).unwrap();
        let result = run_plan(&plan, None).unwrap();
        assert_eq!(result.answers[0].total_rounded, 200);
        assert_eq!(result.power_curves.len(), 4);
        assert!(result.mdes.unwrap() <= 0.4 + 1e-9);
        assert_eq!(result.eef_band.unwrap().padlocks, 3);
    }

    fn simulated(simulation: serde_json::Value) -> PlanResult {
        let spec: PowerSpec = serde_json::from_value(serde_json::json!({
            "test": "t", "solve_for": "power", "effect": 0.4, "n": 200,
            "simulation": simulation
        }))
        .unwrap();
        run_plan(&resolve(&spec, None, None, None).unwrap(), None).unwrap()
    }

    /// Same model both ways: the exact t power lies inside the simulation's interval.
    #[test]
    fn analytic_and_simulated_power_agree_on_the_same_model() {
        let result = simulated(serde_json::json!({ "sims": 2000, "seed": 7 }));
        let a = result.simulation.unwrap().agreement.unwrap();
        assert!(a.agree, "{a:?}");
        assert!(a.interval_low <= a.analytic_power && a.analytic_power <= a.interval_high);
        assert_eq!(a.sims_used + a.sims_failed, 2000);
        // The analytic power at the simulated design is the plan's own answer here.
        assert!((a.analytic_power - result.answers[0].power).abs() < 1e-12);
    }

    /// Half the units lost in the simulation but none in the plan: they disagree, and
    /// the reasons name the attrition and the Monte Carlo SE.
    #[test]
    fn a_model_difference_is_named_when_they_disagree() {
        let result = simulated(serde_json::json!({ "sims": 2000, "seed": 7, "attrition": 0.5 }));
        let a = result.simulation.unwrap().agreement.unwrap();
        assert!(!a.agree, "{a:?}");
        assert!(a.simulated_power < a.interval_high);
        assert!(
            a.reasons.iter().any(|r| r.contains("50% of units")),
            "{:?}",
            a.reasons
        );
        assert!(a.reasons.iter().any(|r| r.contains("Monte Carlo SE")));
    }

    #[test]
    fn the_wilson_interval_is_not_degenerate_at_the_edges() {
        let (low, high) = wilson_95(1.0, 100.0);
        assert!(low < 1.0 && low > 0.95 && high == 1.0);
        let (low, high) = wilson_95(0.5, 100.0);
        // R: prop.test(50, 100, correct = FALSE)$conf.int = 0.4038315 0.5961685
        assert!((low - 0.403_831_5).abs() < 1e-7 && (high - 0.596_168_5).abs() < 1e-7);
    }

    fn interim(interim: serde_json::Value) -> Result<PowerPlan, Vec<(String, String)>> {
        let spec: PowerSpec = serde_json::from_value(serde_json::json!({
            "test": "t", "solve_for": "sample_size", "effect": 0.4, "power": 0.8,
            "interim": interim
        }))
        .unwrap();
        resolve(&spec, None, None, None)
    }

    /// Three equally spaced O'Brien–Fleming looks on the t plan's 200 units: the
    /// inflation factor 1.0174018 (rpact, tests/reference/power/sequential.json case 0)
    /// makes 203.48, so 204 at most, looks at 68, 136 and 204.
    #[test]
    fn interim_looks_inflate_the_planned_sample() {
        let plan = interim(serde_json::json!({ "looks": 3 })).unwrap();
        let result = run_plan(&plan, None).unwrap();
        let i = result.interim.unwrap();
        assert_eq!(i.fixed_size, 200.0);
        assert!((i.design.inflation_factor - 1.017_401_820_973_69).abs() < 1e-8);
        assert_eq!(i.maximum_size, 204);
        assert_eq!(i.look_sizes, vec![68, 136, 204]);
        assert!((i.design.looks[2].critical_z - 2.004_035_578_612_17).abs() < 1e-8);
        assert!((i.expected_size_h1 - 200.0 * 0.856_208_103_686_717).abs() < 1e-6);
    }

    #[test]
    fn interim_problems_name_their_key() {
        let cases = [
            (serde_json::json!({ "looks": 1 }), "interim.looks"),
            (serde_json::json!({ "looks": 21 }), "interim.looks"),
            (
                serde_json::json!({ "looks": 3, "information_fractions": [0.5, 1] }),
                "interim.information_fractions",
            ),
            (
                serde_json::json!({ "looks": 2, "information_fractions": [0.6, 0.4] }),
                "interim.information_fractions",
            ),
            (
                serde_json::json!({ "looks": 2, "spending": "pocock" }),
                "interim.spending",
            ),
            (
                serde_json::json!({ "looks": 2, "boundary": "lan_demets", "spending": "hwang_shih_decani" }),
                "interim.gamma",
            ),
            (
                serde_json::json!({ "looks": 2, "gamma": -4 }),
                "interim.gamma",
            ),
        ];
        for (value, key) in cases {
            let problems = interim(value.clone()).unwrap_err();
            assert_eq!(problems[0].0, key, "{value}: {problems:?}");
        }
    }

    /// Twenty looks on a 20-unit plan leave one unit per look: more looks than the
    /// information allows.
    #[test]
    fn more_looks_than_the_sample_allows_is_refused() {
        let spec: PowerSpec = serde_json::from_value(serde_json::json!({
            "test": "t", "solve_for": "sample_size", "effect": 1.5, "power": 0.8,
            "interim": { "looks": 20 }
        }))
        .unwrap();
        let plan = resolve(&spec, None, None, None).unwrap();
        let e = run_plan(&plan, None).unwrap_err().to_string();
        assert!(e.contains("each look needs at least two more"), "{e}");
    }

    fn budgeted(test: &str, budget: serde_json::Value) -> Result<PowerPlan, Vec<(String, String)>> {
        let mut value = serde_json::json!({
            "test": test, "solve_for": "power", "effect": 0.3, "budget": budget
        });
        if test == "cluster" {
            value["clusters"] = 20.into();
            value["cluster_size"] = 10.into();
            value["icc"] = 0.1.into();
        } else {
            value["n"] = 100.into();
        }
        resolve(&serde_json::from_value(value).unwrap(), None, None, None)
    }

    #[test]
    fn budget_problems_name_their_key() {
        let cases = [
            (
                "t",
                serde_json::json!({ "total": 1000, "unit_cost_treatment": 10 }),
                "budget.unit_cost_control",
            ),
            (
                "t",
                serde_json::json!({ "total": -5, "unit_cost_treatment": 10, "unit_cost_control": 5 }),
                "budget.total",
            ),
            (
                "t",
                serde_json::json!({ "total": 1000, "unit_cost_treatment": 10, "unit_cost_control": 5, "cluster_cost": 3 }),
                "budget.cluster_cost",
            ),
            (
                "cluster",
                serde_json::json!({ "total": 1000, "cluster_cost": 100 }),
                "budget.unit_cost",
            ),
            (
                "cluster",
                serde_json::json!({ "total": 1000, "cluster_cost": 100, "cluster_cost_treatment": 150, "unit_cost": 5 }),
                "budget.cluster_cost_treatment",
            ),
            (
                "cluster",
                serde_json::json!({ "total": 1000, "cluster_cost_treatment": 150, "unit_cost": 5 }),
                "budget.cluster_cost",
            ),
            (
                "t",
                serde_json::json!({ "total": 1000, "unit_cost_treatment": 10, "unit_cost_control": 5, "cluster_cost_control": 3 }),
                "budget.cluster_cost_control",
            ),
            ("chisq", serde_json::json!({ "total": 1000 }), "budget"),
        ];
        for (test, budget, key) in cases {
            let mut value = serde_json::json!({ "test": test, "solve_for": "power", "effect": 0.3, "n": 100, "budget": budget });
            if test == "chisq" {
                value["df"] = 1.into();
            }
            if test == "cluster" {
                value.as_object_mut().unwrap().remove("n");
                value["clusters"] = 20.into();
                value["cluster_size"] = 10.into();
                value["icc"] = 0.1.into();
            }
            let problems =
                resolve(&serde_json::from_value(value).unwrap(), None, None, None).unwrap_err();
            assert!(
                problems.iter().any(|(k, _)| k == key),
                "{key}: {problems:?}"
            );
        }
    }

    /// A budget of 25 at 10 and 5 a unit buys 1 treatment and 2 control units: too
    /// few, said in words; a cluster budget of 2,000 at 300 a cluster and 20 a person buys clusters of
    /// 12 (m* = √135), 3 in all.
    #[test]
    fn a_budget_too_small_for_the_test_is_refused() {
        let plan = budgeted(
            "t",
            serde_json::json!({ "total": 25, "unit_cost_treatment": 10, "unit_cost_control": 5 }),
        )
        .unwrap();
        let e = run_plan(&plan, None).unwrap_err().to_string();
        assert!(e.contains("buys 1 treatment and 2 control units"), "{e}");
        let plan = budgeted(
            "cluster",
            serde_json::json!({ "total": 2000, "cluster_cost": 300, "unit_cost": 20 }),
        )
        .unwrap();
        let e = run_plan(&plan, None).unwrap_err().to_string();
        assert!(e.contains("buys 1 treatment and 2 control clusters"), "{e}");
    }

    fn recruiting(extra: serde_json::Value) -> Result<PowerPlan, Vec<(String, String)>> {
        let mut value = serde_json::json!({
            "test": "individual", "solve_for": "sample_size", "effect": 0.5, "power": 0.8
        });
        value["recruitment"] = extra;
        resolve(&serde_json::from_value(value).unwrap(), None, None, None)
    }

    /// 10 units a week: the individual plan's n units take n/10 weeks; in 10 weeks 100
    /// arrive, whose MDES is (qt(0.975, 98) + qt(0.8, 98))·√(4/100) = 0.5659543688
    /// (R 4.2.2, as `power::tests::two_group_mdes_matches_r`).
    #[test]
    fn recruitment_time_and_the_mdes_by_a_date() {
        let plan = recruiting(serde_json::json!({
            "rate": 10, "period": "week", "start": "2026-01-05", "periods": 10
        }))
        .unwrap();
        let result = run_plan(&plan, None).unwrap();
        let n = result.answers[0].total_rounded;
        let r = result.recruitment.unwrap();
        assert_eq!(r.units_needed, n);
        assert!((r.periods_needed - n as f64 / 10.0).abs() < 1e-12);
        let by = r.by.unwrap();
        assert_eq!(by.units, 100);
        assert!((by.mdes.unwrap() - 0.565_954_368_826_379_2).abs() < 1e-10);
        // Months: 2 blocks of 5 a month, until the end of June: 181 days = 5.947 months.
        let plan = recruiting(serde_json::json!({
            "rate": 5, "period": "month", "per": "block", "blocks": 2,
            "start": "2026-01-01", "until": "2026-06-30"
        }))
        .unwrap();
        let r = run_plan(&plan, None).unwrap().recruitment.unwrap();
        assert_eq!(r.rate, 10.0);
        let by = r.by.unwrap();
        assert!((by.periods - 181.0 / (365.25 / 12.0)).abs() < 1e-12);
        assert_eq!(by.units, 59);
        assert_eq!(by.date.as_deref(), Some("2026-06-30"));
    }

    #[test]
    fn recruitment_problems_name_their_key() {
        for (extra, key) in [
            (
                serde_json::json!({ "rate": 0, "period": "week" }),
                "recruitment.rate",
            ),
            (
                serde_json::json!({ "rate": 5, "period": "week", "per": "cluster" }),
                "recruitment.per",
            ),
            (
                serde_json::json!({ "rate": 5, "period": "week", "per": "block" }),
                "recruitment.blocks",
            ),
            (
                serde_json::json!({ "rate": 5, "period": "week", "start": "2026-02-30" }),
                "recruitment.start",
            ),
            (
                serde_json::json!({ "rate": 5, "period": "week", "until": "2026-03-01" }),
                "recruitment.start",
            ),
            (
                serde_json::json!({ "rate": 5, "period": "week", "start": "2026-03-01", "until": "2026-01-01" }),
                "recruitment.until",
            ),
            (
                serde_json::json!({ "rate": 5, "period": "week", "start": "2026-01-01", "until": "2026-03-01", "periods": 4 }),
                "recruitment.periods",
            ),
        ] {
            let problems = recruiting(extra.clone()).unwrap_err();
            assert!(
                problems.iter().any(|(k, _)| k == key),
                "{extra}: {problems:?}"
            );
        }
    }

    #[test]
    fn the_solved_quantity_must_be_left_out() {
        let mut s = spec();
        s.n = Some(100.0);
        let problems = resolve(&s, None, None, None).unwrap_err();
        assert_eq!(problems[0].0, "n");
    }
}
