//! The `design.power` block of a spec: the analytic planning question (test family,
//! effect, alpha, power target, allocation, ICC, cluster size, R², attrition, baseline
//! correlation, which unknown to solve for) and an optional simulation diagnosis.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::EstimatorKind;
use crate::power::prop::PropMethod;
use crate::power::t::{TTestKind, TwoSidedRule};
use crate::stats::estimate::Alternative;

/// Power and sample-size assumptions (the plan stage). Give every quantity but the one
/// named by `solve_for`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PowerSpec {
    /// The test or design family: t, proportions, chisq, individual (individually
    /// randomised with covariates, PowerUp! IRA), cluster (two levels, PowerUp! cra2),
    /// cluster3 (pupils in classes in schools, PowerUp! cra3), stepped_wedge (Hussey
    /// and Hughes 2007; design.kind stepped_wedge, whose steps it reads) or
    /// regression_discontinuity (the individual answer inflated by Schochet's design
    /// effect; the only family a regression_discontinuity design takes).
    pub test: PowerFamily,
    /// The unknown: sample_size, cluster_size (cluster only), effect, power or alpha
    /// (alpha for t, proportions and chisq only).
    pub solve_for: SolveFor,
    /// Standardised effect: Cohen's d (t), h (proportions), w (chisq), or SD units
    /// (individual, cluster, cluster3). Or give `raw_effect` with `sd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<f64>,
    /// Effect in outcome units (t, individual, cluster, cluster3), with `sd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_effect: Option<f64>,
    /// Outcome standard deviation, to standardise `raw_effect`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sd: Option<f64>,
    /// Proportions: the control proportion p1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_rate: Option<f64>,
    /// Proportions: the treatment proportion p2 (the effect; leave out to solve for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub treatment_rate: Option<f64>,
    /// Significance level. Default 0.05.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpha: Option<f64>,
    /// Target power. Default 0.8 (unless solving for power).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power: Option<f64>,
    /// Units randomised in total (both arms; for one-sample and paired t tests, units
    /// or pairs). Not used by cluster designs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<f64>,
    /// t and proportions: treatment:control allocation ratio. Default: from the
    /// design's arm shares (treatment share / control share), else 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocation_ratio: Option<f64>,
    /// individual, cluster, cluster3: share of units (clusters) treated. Default: from
    /// the design's arm shares, else 0.5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub treated_share: Option<f64>,
    /// t: two_sample (default), one_sample or paired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t_type: Option<TTestKind>,
    /// two_sided (default), less or greater.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternative: Option<Alternative>,
    /// Two-sided power: both_tails (default; pwr, G*Power) or upper_tail (R's
    /// power.t.test and power.prop.test default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub two_sided_rule: Option<TwoSidedRule>,
    /// Proportions: cohens_h (default; pwr.2p.test) or pooled (power.prop.test). The
    /// other method is shown too when it gives a different answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proportion_method: Option<PropMethod>,
    /// chisq: degrees of freedom.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub df: Option<f64>,
    /// cluster, stepped_wedge: clusters randomised in total; cluster3: schools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clusters: Option<f64>,
    /// cluster: units per cluster; cluster3: pupils per class; stepped_wedge:
    /// individuals measured in each cluster in each period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_size: Option<f64>,
    /// cluster3: classes per school.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classes_per_school: Option<f64>,
    /// cluster, stepped_wedge: intraclass correlation in [0, 1); cluster3: the
    /// school-level ICC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icc: Option<f64>,
    /// cluster3: the class-level ICC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icc_class: Option<f64>,
    /// individual: outcome variance explained by covariates. cluster, cluster3:
    /// explained at the individual level. Default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r2_individual: Option<f64>,
    /// cluster: explained at the cluster level; cluster3: at the school level. Default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r2_cluster: Option<f64>,
    /// cluster3: explained at the class level. Default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r2_class: Option<f64>,
    /// individual: covariates; cluster, cluster3: top-level covariates. Default 0 (1
    /// when an R² above 0 is given at that level).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covariates: Option<u32>,
    /// Expected share of randomised units lost before analysis, in [0, 1). Default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attrition: Option<f64>,
    /// Correlation of a baseline measure with the outcome, in (−1, 1); adjusting for
    /// it multiplies the outcome variance by 1 − r². Default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_correlation: Option<f64>,
    /// Effects (in the units of `effect`) drawn in the power curve. Default: the
    /// effect at ½, ¾, 1 and 1½ times.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub curve_effects: Vec<f64>,
    /// Simulation-based design diagnosis (DeclareDesign's diagnose_design).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulation: Option<SimulationSpec>,
    /// regression_discontinuity: the distribution of the running variable inside the
    /// bandwidth, `uniform` or `normal`; with `treated_share` it fixes the correlation
    /// of treatment status and the running variable (Schochet 2009). Give this or
    /// `running_correlation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running_shape: Option<RunningShapeSpec>,
    /// regression_discontinuity: the correlation of treatment status and the running
    /// variable inside the bandwidth, in (−1, 1), when it is known (e.g. computed from
    /// last year's list), instead of `running_shape`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running_correlation: Option<f64>,
    /// regression_discontinuity: the jump in the share treated at the cut-off, in
    /// (0, 1]. Default 1 (a sharp design); a fuzzy design's effect of the treatment
    /// received has its standard error divided by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub take_up_jump: Option<f64>,
    /// Interim looks (a group-sequential design): the efficacy boundary at each look
    /// and the maximum sample that keeps the declared power. Not for chisq or
    /// stepped_wedge plans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interim: Option<InterimSpec>,
    /// Allocation under a budget (t with two samples, individual, cluster): the split
    /// between arms, and for cluster trials the cluster size, that minimise the MDES
    /// the budget buys, and the MDES against the budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetSpec>,
    /// Recruitment time (all but stepped_wedge and cluster3): how long the planned
    /// sample takes to arrive, and what can be detected with the units that arrive by
    /// a date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recruitment: Option<RecruitmentSpec>,
}

/// The rate at which eligible units arrive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecruitmentSpec {
    /// Eligible units arriving per `period` (across the trial, or per cluster or block
    /// with `per`).
    pub rate: f64,
    /// week or month (365.25/12 days).
    pub period: RecruitmentPeriod,
    /// trial (default), cluster (cluster plans: each of the planned clusters) or block
    /// (each of `blocks` blocks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per: Option<RatePer>,
    /// per block: the number of blocks recruiting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocks: Option<u32>,
    /// The first day of recruitment, "YYYY-MM-DD": the report then gives the date the
    /// planned sample is reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// The last day of recruitment, "YYYY-MM-DD" (with `start`): the MDES reachable with
    /// the units that arrive by then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Instead of `until`: the periods available, for the MDES reachable in them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub periods: Option<f64>,
}

/// A recruitment period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecruitmentPeriod {
    Week,
    Month,
}

/// What a recruitment rate is counted over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RatePer {
    Trial,
    Cluster,
    Block,
}

/// A budget and the costs it pays for, in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetSpec {
    /// The money available for the units (or clusters) randomised.
    pub total: f64,
    /// t, individual: the cost of one unit in the treatment arm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_cost_treatment: Option<f64>,
    /// t, individual: the cost of one unit in the control arm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_cost_control: Option<f64>,
    /// cluster: the cost of one cluster (recruiting it, either arm).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_cost: Option<f64>,
    /// cluster: the cost of one individual in a cluster (either arm).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_cost: Option<f64>,
    /// cluster: the cost of one treatment cluster, when it differs from a control
    /// one (instead of cluster_cost). unit_cost_treatment and unit_cost_control
    /// likewise give an individual's cost in each arm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_cost_treatment: Option<f64>,
    /// cluster: the cost of one control cluster (instead of cluster_cost).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_cost_control: Option<f64>,
}

/// Interim analyses of a group-sequential design, the final analysis included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InterimSpec {
    /// Number of analyses, the final one included: 2 to 20.
    pub looks: usize,
    /// Share of the maximum sample analysed at each look, increasing, the last 1.
    /// Default: equally spaced (k/looks).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub information_fractions: Vec<f64>,
    /// obrien_fleming (default; b_k = C/√t_k), pocock (the same critical value at
    /// every look) or lan_demets (alpha spending; see `spending`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<BoundarySpec>,
    /// lan_demets: the spending function, obrien_fleming (default; 2 − 2Φ(z/√t)),
    /// pocock (α·ln(1 + (e − 1)t)) or hwang_shih_decani (with `gamma`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spending: Option<SpendingSpec>,
    /// hwang_shih_decani: γ (−4 is close to O'Brien–Fleming, 1 to Pocock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gamma: Option<f64>,
}

/// A group-sequential boundary family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BoundarySpec {
    ObrienFleming,
    Pocock,
    LanDemets,
}

/// A Lan–DeMets alpha-spending function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SpendingSpec {
    ObrienFleming,
    Pocock,
    HwangShihDecani,
}

/// The shape of a regression discontinuity's running variable inside the bandwidth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunningShapeSpec {
    /// Evenly spread: ρ² = 3·P(1 − P) with a share P treated.
    Uniform,
    /// Normal, cut where a share P lies on the treated side: ρ = φ(z)/√(P(1 − P)).
    Normal,
}

/// Planning families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PowerFamily {
    T,
    Proportions,
    Chisq,
    Individual,
    Cluster,
    Cluster3,
    SteppedWedge,
    RegressionDiscontinuity,
}

/// The quantity to solve for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SolveFor {
    SampleSize,
    ClusterSize,
    Effect,
    Power,
    Alpha,
}

/// A data-generating model, assignment and estimator to simulate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulationSpec {
    /// Units randomised. Default: the plan's sample (solved or given), rounded up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<usize>,
    /// True effect in outcome units (a difference in proportions for binary outcomes).
    /// Default: `raw_effect`, or `effect` × `sd`, or treatment_rate − control_rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<f64>,
    /// Outcome SD (continuous outcomes). Default: the power block's `sd`, else 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sd: Option<f64>,
    /// Control rate of a binary outcome; makes the outcome binary. Default: the power
    /// block's `control_rate` for proportions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_rate: Option<f64>,
    /// Intraclass correlation (with `cluster_size`). Default: the power block's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icc: Option<f64>,
    /// Units per cluster: whole clusters are randomised. Default: the power block's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_size: Option<usize>,
    /// Correlation of a simulated covariate with the outcome. Default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covariate_correlation: Option<f64>,
    /// Probability a unit is lost. Default: the power block's attrition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attrition: Option<f64>,
    /// Estimator: difference_in_means, regression_adjusted or lin. Default: the
    /// analysis block's first estimator, else difference_in_means.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimator: Option<EstimatorKind>,
    /// Number of simulations. Default 1000.
    #[serde(default = "default_sims")]
    pub sims: usize,
    /// Seed: the same seed gives the same numbers on any number of threads.
    pub seed: u64,
    /// Sample sizes for a simulated power curve.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub n_sweep: Vec<usize>,
}

fn default_sims() -> usize {
    1000
}
