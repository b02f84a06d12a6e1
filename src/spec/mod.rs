//! The study spec: what a spec file says, exactly as written (version 1).
//!
//! These serde types are the "raw" layer: they only describe the JSON. Loading
//! (`load`) attaches file positions to every error; validation (`validate`) turns a
//! `Spec` into a checked `Plan` that the stages accept. Unknown keys are rejected
//! everywhere, so a typo never silently drops a setting.

pub mod did;
pub mod its;
mod load;
mod locate;
pub mod matched_analysis;
pub mod matching;
mod power;
pub mod rdd;
pub mod staggered;
pub mod stepped_wedge;
pub mod synth;
mod validate;

pub use load::{SpecFile, did_you_mean, load_spec, parse_spec};
pub use locate::{Position, PositionIndex};
pub use power::{
    BoundarySpec, BudgetSpec, InterimSpec, PowerFamily, PowerSpec, RatePer, RecruitmentPeriod,
    RecruitmentSpec, RunningShapeSpec, SimulationSpec, SolveFor, SpendingSpec,
};
pub use validate::economics_check::{AlternativePlan, EconomicsPlan};
pub use validate::equivalence_check::AttritionBoundsPlan;
pub use validate::interim_check::InterimLookPlan;
pub use validate::{
    AcceptanceRule, AnalysisBlocks, AnalysisPlan, Arm, AssignmentPlan, Design, OutcomePlan, Plan,
    Problem, ReportPlan, RerandomisationPlan, RiPlan, SourceInfo, Stage, TreatmentSource,
    UnitsPlan, Warning, sha256_hex, sha256_hex_of_digest, validate,
};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::stats::estimate::Alternative;
pub use crate::stats::htest::PAdjustMethod;

/// The spec format version this engine reads.
pub const SPEC_VERSION: u32 = 1;

/// A study: the four-part statement, the design, the outcomes, and how to analyse,
/// grade and report it. Paths inside are relative to the spec file.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Spec format version; must be 1.
    pub evident: u32,
    /// Short title of the study, used as the report heading.
    pub title: String,
    /// Optional longer description shown under the title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The four-part statement (ODA method): problem, action, data product, datasets.
    pub statement: Statement,
    /// How units were (or will be) allocated and compared.
    pub design: DesignSpec,
    /// Outcomes to analyse; exactly one must be primary.
    pub outcomes: Vec<OutcomeSpec>,
    /// How to analyse the outcome data. Required for every design that is analysed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<AnalysisSpec>,
    /// What the study claims towards the Standards of Evidence, and threshold overrides.
    #[serde(default)]
    pub evidence: EvidenceSpec,
    /// Where and in which formats to write the report.
    #[serde(default)]
    pub report: ReportSpec,
}

/// The ODA four-part statement. Together these are the intervention's theory of
/// change, which Nesta level 1 asks for.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// "Our problem is that ..."
    pub problem: String,
    /// "... we would ..." — the defined action.
    pub action: String,
    /// "... if we could see ..." — the data product.
    pub data_product: String,
    /// "... using these datasets ..." — the accessible data.
    pub datasets: Vec<String>,
}

/// The design of the study.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DesignSpec {
    /// Which design: rct, cluster_rct, matched_comparison, before_after, descriptive,
    /// regression_discontinuity, synthetic_control, interrupted_time_series,
    /// difference_in_differences, staggered_rollout or stepped_wedge.
    pub kind: DesignKind,
    /// The file listing the units (one row per unit) and its columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<UnitsSpec>,
    /// Arms with their allocation shares (which must sum to 1). The first arm is the
    /// control (comparison) arm unless `control` names another.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arms: Vec<ArmSpec>,
    /// Name of the control or comparison arm; defaults to the first arm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
    /// Column of the units file that identifies clusters (cluster_rct).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// How to randomise units (the assign stage); rct and cluster_rct only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment: Option<AssignmentSpec>,
    /// Power and sample-size assumptions (the plan stage); see docs/spec.md.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power: Option<PowerSpec>,
    /// How to build a matched comparison group (the match stage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matching: Option<matching::MatchingSpec>,
    /// Synthetic control settings (kind: synthetic_control).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synthetic_control: Option<synth::SynthSpec>,
    /// The running variable, cut-off and estimation settings of a
    /// regression_discontinuity (docs/rdd.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regression_discontinuity: Option<rdd::RdSpec>,
    /// Interrupted time series settings (interrupted_time_series only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupted_time_series: Option<its::ItsSpec>,
    /// Difference-in-differences settings (difference_in_differences only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub difference_in_differences: Option<did::DidSpec>,
    /// The long panel's columns and estimand of a staggered_rollout (required there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staggered: Option<staggered::StaggeredSpec>,
    /// Steps, clusters and periods of a stepped_wedge trial (required there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stepped_wedge: Option<stepped_wedge::SteppedWedgeSpec>,
}

/// How the assign stage allocates the units of `design.units` to the arms.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentSpec {
    /// simple, complete, blocked, cluster, blocked_cluster, matched_pairs or
    /// stepped_wedge.
    pub method: AssignmentMethod,
    /// Units-file columns whose combined values form the blocks (strata): blocked and
    /// blocked_cluster (required), matched_pairs with pair_on (pairs formed within blocks).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocks: Vec<String>,
    /// matched_pairs: units-file column naming each unit's pair (exactly two units each).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pairs: Option<String>,
    /// matched_pairs: numeric units-file column to form pairs on (adjacent values pair up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pair_on: Option<String>,
    /// complete and cluster: fixed numbers of units (clusters) per arm, by arm name,
    /// instead of the arms' shares. They must add up to the number of units (clusters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<std::collections::BTreeMap<String, u64>>,
    /// Seed of the random stream. When absent, one is drawn from the operating system
    /// and recorded in the manifest (and reused while the inputs stay the same).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Numeric units-file columns whose balance the plan report shows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covariates: Vec<String>,
    /// Rerandomisation (Morgan and Rubin 2012): redraw until the allocation is balanced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rerandomisation: Option<RerandomisationSpec>,
    /// Folder for assignments.csv and manifest.json, relative to the spec file.
    /// Default: the report directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
}

/// Randomisation methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentMethod {
    /// Each unit drawn independently with the arms' shares (counts vary).
    Simple,
    /// Fixed numbers per arm over the whole sample (randomizr's complete_ra).
    Complete,
    /// Complete randomisation within each block (randomizr's block_ra).
    Blocked,
    /// Whole clusters allocated by complete randomisation (randomizr's cluster_ra).
    Cluster,
    /// Clusters allocated by complete randomisation within blocks (block_and_cluster_ra).
    BlockedCluster,
    /// Two units per pair, one to each of two arms.
    MatchedPairs,
    /// Whole clusters randomised to the crossover steps of a stepped-wedge trial
    /// (`design.kind: stepped_wedge`).
    SteppedWedge,
}

impl AssignmentMethod {
    /// Whether the allocation is randomised within groups (blocks, pairs, blocks of
    /// clusters) that the analysis must respect.
    pub fn randomises_within_groups(self) -> bool {
        matches!(
            self,
            AssignmentMethod::Blocked
                | AssignmentMethod::BlockedCluster
                | AssignmentMethod::MatchedPairs
        )
    }

    pub fn label(self) -> &'static str {
        match self {
            AssignmentMethod::Simple => "simple randomisation (independent draws)",
            AssignmentMethod::Complete => "complete randomisation (fixed counts)",
            AssignmentMethod::Blocked => "blocked (stratified) randomisation",
            AssignmentMethod::Cluster => "cluster randomisation",
            AssignmentMethod::BlockedCluster => "blocked cluster randomisation",
            AssignmentMethod::MatchedPairs => "matched-pair randomisation",
            AssignmentMethod::SteppedWedge => "stepped-wedge randomisation of clusters to steps",
        }
    }

    /// The snake_case name used in the spec and the manifest.
    pub fn name(self) -> &'static str {
        match self {
            AssignmentMethod::Simple => "simple",
            AssignmentMethod::Complete => "complete",
            AssignmentMethod::Blocked => "blocked",
            AssignmentMethod::Cluster => "cluster",
            AssignmentMethod::BlockedCluster => "blocked_cluster",
            AssignmentMethod::MatchedPairs => "matched_pairs",
            AssignmentMethod::SteppedWedge => "stepped_wedge",
        }
    }

    pub fn uses_clusters(self) -> bool {
        matches!(
            self,
            AssignmentMethod::Cluster | AssignmentMethod::BlockedCluster
        )
    }
}

/// Rerandomisation settings: give exactly one of max_mahalanobis and
/// acceptance_probability.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RerandomisationSpec {
    /// Numeric units-file columns the balance criterion is computed on.
    pub covariates: Vec<String>,
    /// Accept an allocation when its Mahalanobis distance between the arm means is at
    /// most this value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_mahalanobis: Option<f64>,
    /// Or: the share of allocations to accept, in (0, 1); the threshold is the
    /// chi-square quantile with as many degrees of freedom as covariates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acceptance_probability: Option<f64>,
    /// Give up (an error) after this many draws. Default 10000.
    #[serde(default = "default_max_draws")]
    pub max_draws: u64,
}

fn default_max_draws() -> u64 {
    10_000
}

/// Design kinds. Later designs (regression discontinuity, interrupted time series,
/// staggered roll-out, synthetic control) are added as further variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DesignKind {
    /// Individually randomised controlled trial.
    Rct,
    /// Cluster-randomised trial: whole clusters are allocated to arms.
    ClusterRct,
    /// Quasi-experimental comparison with a matched comparison group.
    MatchedComparison,
    /// The same units measured before and after the intervention; no comparison group.
    BeforeAfter,
    /// Outcome data on participants only.
    Descriptive,
    /// One treated unit against a weighted combination of donor units (a panel).
    SyntheticControl,
    /// Regression discontinuity: a cut-off of a running variable decides treatment.
    RegressionDiscontinuity,
    /// One series (optionally with a control series) before and after an
    /// intervention, analysed by segmented regression.
    InterruptedTimeSeries,
    /// A panel of units over periods: treated units against units never treated,
    /// before and after treatment (two-way fixed effects).
    DifferenceInDifferences,
    /// Units (areas, schools, wards) that start the programme in different periods,
    /// analysed from a long panel as Callaway and Sant'Anna (2021); `design.staggered`.
    StaggeredRollout,
    /// Stepped-wedge cluster trial: every cluster crosses from control to the
    /// intervention at a randomised step; `design.stepped_wedge`.
    SteppedWedge,
}

impl DesignKind {
    pub fn label(self) -> &'static str {
        match self {
            DesignKind::Rct => "randomised controlled trial",
            DesignKind::ClusterRct => "cluster-randomised controlled trial",
            DesignKind::MatchedComparison => "matched comparison (quasi-experimental)",
            DesignKind::BeforeAfter => "before/after comparison (no comparison group)",
            DesignKind::Descriptive => "descriptive (participants only)",
            DesignKind::SyntheticControl => "synthetic control (one treated unit, donor pool)",
            DesignKind::RegressionDiscontinuity => {
                "regression discontinuity (quasi-experimental, local to the cut-off)"
            }
            DesignKind::InterruptedTimeSeries => "interrupted time series",
            DesignKind::DifferenceInDifferences => "difference-in-differences",
            DesignKind::StaggeredRollout => "staggered roll-out (difference in differences)",
            DesignKind::SteppedWedge => "stepped-wedge cluster-randomised trial",
        }
    }

    /// Whether the design has a control or comparison group: arms compared, or (a
    /// stepped wedge) the clusters not yet crossed over.
    pub fn has_comparison_group(self) -> bool {
        matches!(
            self,
            DesignKind::Rct
                | DesignKind::ClusterRct
                | DesignKind::MatchedComparison
                | DesignKind::SteppedWedge
        )
    }

    /// Whether the design compares declared arms (and so needs at least two of them).
    pub fn compares_arms(self) -> bool {
        self.has_comparison_group() && self != DesignKind::SteppedWedge
    }

    pub fn is_randomised(self) -> bool {
        matches!(
            self,
            DesignKind::Rct | DesignKind::ClusterRct | DesignKind::SteppedWedge
        )
    }
}

/// The units file.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitsSpec {
    /// CSV file, relative to the spec file.
    pub file: String,
    /// Column holding the unit identifier (unique per row).
    pub id: String,
    /// Column holding each unit's allocated arm, when allocation happened already.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arm: Option<String>,
}

/// One arm of the study.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArmSpec {
    /// Arm name, as it appears in the data's arm or treatment column.
    pub name: String,
    /// Share of units allocated to this arm, in (0, 1).
    pub share: f64,
    /// Optional description of what this arm receives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One outcome measure.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeSpec {
    /// Column of the analysis data holding the outcome (after the intervention).
    pub name: String,
    /// Human-readable label for reports; defaults to the column name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// continuous, or binary (coded 0/1).
    #[serde(rename = "type")]
    pub outcome_type: OutcomeType,
    /// primary (exactly one) or secondary.
    pub role: OutcomeRole,
    /// Column holding the same measure before the intervention: the "before" value for
    /// before/after designs, a baseline covariate otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    /// Which direction is an improvement: higher (default) or lower (e.g. response times).
    #[serde(default)]
    pub better: Direction,
    /// Unit of measurement for reports, e.g. "minutes".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeType {
    Continuous,
    Binary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeRole {
    Primary,
    Secondary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    #[default]
    Higher,
    Lower,
}

/// How the outcome data are analysed.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalysisSpec {
    /// CSV file with one row per analysed unit, relative to the spec file.
    pub data: String,
    /// Identifier column of the analysis data; defaults to the units file's id column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Column naming each unit's arm. Defaults to the units file's arm column, joined by id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub treatment: Option<String>,
    /// Baseline covariates: checked for balance, and adjusted for by adjusting estimators.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covariates: Vec<String>,
    /// How to read a covariate or outcome baseline, by column name: binary,
    /// continuous or categorical. Undeclared columns are typed by their values.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub covariate_types: std::collections::BTreeMap<String, CovariateType>,
    /// Significance level; confidence intervals are at 1 − alpha. Default 0.05.
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    /// Alternative hypothesis. Default two_sided.
    #[serde(default = "default_alternative")]
    pub alternative: Alternative,
    /// Estimators to run on every outcome; the first is the headline one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub estimators: Vec<EstimatorKind>,
    /// Adjustment of p-values across outcomes (R's p.adjust methods). Default holm.
    #[serde(default = "default_adjust")]
    pub multiple_comparisons: PAdjustMethod,
    /// What to do with missing values in analysed columns. Default error.
    #[serde(default)]
    pub missing: MissingPolicy,
    /// Randomisation-inference p-values (designs allocated by the assign stage,
    /// `design.assignment`): on by default there, with 1000 re-draws.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub randomisation_inference: Option<RandomisationInferenceSpec>,
    /// Columns of the analysis data naming the blocks (strata) a trial allocated
    /// outside Evident was randomised within; the difference in means is then
    /// estimatr's blocked estimator. Not with design.assignment, whose blocks are used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocks: Vec<String>,
    /// Column of the analysis data naming the matched pairs of a trial allocated
    /// outside Evident (one unit of each pair per arm); the matched-pairs estimator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pairs: Option<String>,
    /// A matched comparison analysed from its matched file (issue 17).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<matched_analysis::MatchedAnalysisSpec>,
    /// Where the estimates are computed: `memory` (the default), `datafusion`, or a
    /// Ballista cluster `ballista://host:port[?timeout=SECONDS]`, the values of
    /// `regress --engine`. An engine reads a Parquet `data` file that carries the arm
    /// column and runs the difference in means and the regression adjustment of two
    /// arms without loading the rows (docs/data.md); it needs the cargo feature
    /// `cluster`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    /// Column of the analysis data recording receipt of the intervention (0/1), for
    /// randomised trials with non-compliance: the complier average causal effect by
    /// instrumental variables (assignment as instrument) is reported beside the ITT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received: Option<String>,
    /// Equivalence margins by outcome name, in the outcome's units: a number m for the
    /// interval (−m, m), or `{"low": L, "high": H}` with L < 0 < H. Each treated arm's
    /// headline comparison is tested by two one-sided tests at `alpha`, with its
    /// 1 − 2·alpha interval (randomised trials).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub equivalence: std::collections::BTreeMap<String, EquivalenceMargin>,
    /// Non-inferiority margins by outcome name: how much worse than the control, in the
    /// outcome's units and in the direction its `better` gives, the treated arm may be
    /// and still count as no worse. A positive number.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub non_inferiority: std::collections::BTreeMap<String, f64>,
    /// Bounds on each effect under attrition (randomised trials of individuals): Lee
    /// (2009) trimming bounds, and Horowitz–Manski bounds for outcomes of known range.
    /// By default computed when a comparison's attrition fails the WWC boundary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attrition_bounds: Option<AttritionBoundsSpec>,
    /// Subgroup analyses of the primary outcome (randomised trials): columns of the
    /// analysis data whose values form the subgroups, each a name or
    /// `{"column": name, "preregistered": true}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subgroups: Vec<SubgroupSpec>,
    /// Columns of the analysis data absorbed as fixed effects by the
    /// `regression_adjusted` estimator (one effect per level, not reported), as
    /// estimatr's `lm_robust(fixed_effects = ~ school)`; randomised trials.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed_effects: Vec<String>,
    /// Economic evaluation of a randomised trial (docs/spec.md, "analysis.economics"):
    /// costs per unit in each arm, the outcome they buy, an optional value per unit of
    /// outcome, discounting and cost sensitivity; reported as "Value for money".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub economics: Option<EconomicsSpec>,
    /// An interim look of a group-sequential trial (docs/spec.md, "analysis.interim"):
    /// the look this analysis is, of those `design.power.interim` plans; the primary
    /// outcome's headline comparison is judged against the efficacy boundary
    /// recomputed at the information actually reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interim: Option<InterimAnalysisSpec>,
}

/// `analysis.interim`: which look of the planned group-sequential design this is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InterimAnalysisSpec {
    /// The look: 1 for the first interim analysis, `design.power.interim.looks` for the
    /// final analysis.
    pub look: usize,
    /// The information fractions actually reached at looks 1 to `look` (share of the
    /// maximum information), increasing, the final look's 1. Default: the earlier looks
    /// at their planned fractions, this look at the analysed sample over the plan's
    /// maximum (1 at the final look).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub information: Vec<f64>,
}

/// `analysis.economics`: what each arm costs and what the outcome is worth.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EconomicsSpec {
    /// The outcome the costs buy; default the primary outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Cost per unit in each arm, by arm name, in `currency` (every arm, at least 0).
    pub costs: std::collections::BTreeMap<String, f64>,
    /// Cluster trials: a further cost per cluster by arm name (e.g. training a ward's
    /// staff), spread over the arm's units (clusters per unit allocated); arms not
    /// named have none.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub cluster_costs: std::collections::BTreeMap<String, f64>,
    /// The currency symbol the report writes before money. Default "£".
    #[serde(default = "default_currency")]
    pub currency: String,
    /// What a unit is, in words, for "£55 per household". Default "unit".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// One unit of the outcome in words, for "each additional household with a working
    /// alarm costs £X". Default from the outcome's label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome_unit: Option<String>,
    /// Value of one unit of the outcome (willingness to pay), e.g. of one more
    /// household with a working alarm; gives the net monetary benefit its sign.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// `[low, high]` range of values per unit of outcome for the cost-effectiveness
    /// acceptability curve; default 0 to twice `value` (or twice the ICER).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<[f64; 2]>,
    /// Years in which the per-unit costs are incurred (years 0 .. n − 1). Default 1.
    #[serde(default = "default_one_year")]
    pub cost_years: u32,
    /// Years over which the effect on the outcome lasts (years 0 .. n − 1). Default 1.
    #[serde(default = "default_one_year")]
    pub benefit_years: u32,
    /// Cost sensitivity: every arm's cost moved by ± `percent`, and alternative costs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<CostSensitivitySpec>,
    /// The bootstrap of the incremental effect: resamples (default 2000) and seed.
    #[serde(default)]
    pub bootstrap: BootstrapSpec,
}

/// `analysis.economics.sensitivity`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CostSensitivitySpec {
    /// Move the treated arm's cost up and the control's down by this percent (and the
    /// reverse): the least and most favourable cost differences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<f64>,
    /// Alternative costs per unit by arm, each with a label; arms not named keep the
    /// base cost.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<AlternativeCosts>,
}

/// One alternative cost scenario.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlternativeCosts {
    pub label: String,
    pub costs: std::collections::BTreeMap<String, f64>,
}

/// `analysis.economics.bootstrap`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BootstrapSpec {
    /// Resamples; 0 switches the bootstrap off. Default 2000.
    #[serde(default = "default_bootstrap_draws")]
    pub draws: u32,
    /// Seed of the resampling. Default 20260.
    #[serde(default = "default_bootstrap_seed")]
    pub seed: u64,
}

impl Default for BootstrapSpec {
    fn default() -> Self {
        BootstrapSpec {
            draws: default_bootstrap_draws(),
            seed: default_bootstrap_seed(),
        }
    }
}

fn default_currency() -> String {
    "£".into()
}

fn default_one_year() -> u32 {
    1
}

fn default_bootstrap_draws() -> u32 {
    2000
}

fn default_bootstrap_seed() -> u64 {
    20260
}

/// A declared subgroup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum SubgroupSpec {
    /// The column alone: exploratory.
    Column(String),
    /// The column, and whether the subgroup was in the pre-registered plan.
    Declared {
        column: String,
        #[serde(default)]
        preregistered: bool,
    },
}

/// `analysis.attrition_bounds`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttritionBoundsSpec {
    /// `high_attrition` (the default: when the comparison's attrition fails the WWC
    /// boundary of `evidence.thresholds.attrition_boundary`), `always`, or `never`.
    #[serde(default)]
    pub when: BoundsWhen,
    /// The range each continuous outcome is known to lie in, by outcome name, as
    /// `[low, high]`, for Horowitz–Manski bounds; a binary outcome's is [0, 1].
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub ranges: std::collections::BTreeMap<String, [f64; 2]>,
}

/// When attrition bounds are computed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BoundsWhen {
    #[default]
    HighAttrition,
    Always,
    Never,
}

/// An equivalence margin: symmetric, or two bounds around no difference.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum EquivalenceMargin {
    /// The interval (−m, m).
    Symmetric(f64),
    /// The interval (low, high), low < 0 < high.
    Bounds { low: f64, high: f64 },
}

/// How a baseline variable is measured for balance (and read for adjustment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CovariateType {
    /// Two values whatever their coding (0/1, 1/2, yes/no): the Cox index of the
    /// larger (or later) value.
    Binary,
    /// A measurement: Hedges' g.
    Continuous,
    /// Labels, even when written as numbers: the Cox index of each level, and a
    /// factor (one dummy per level) in adjusted regressions.
    Categorical,
}

/// Randomisation inference: re-draws of the allocation with the assign stage's own
/// procedure (and rerandomisation rule) under the sharp null of no effect.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RandomisationInferenceSpec {
    /// Whether to compute randomisation-inference p-values. Default true.
    pub enabled: bool,
    /// Number of sampled re-draws when the allocations are not enumerated. Default 1000.
    pub draws: u64,
    /// Enumerate every possible allocation (an exact p-value) when there are at most
    /// this many; 0 never enumerates. Default 10000.
    pub exact_limit: u64,
    /// For a randomised trial allocated outside Evident (arms in the data): the
    /// randomisation procedure assumed to have made the allocation. Default: blocked
    /// when analysis.blocks or analysis.pairs are declared, else cluster for a
    /// cluster_rct, else complete; always with the observed arm sizes (per block).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub procedure: Option<RiProcedure>,
    /// Seed of the sampled re-draws for a trial allocated outside Evident. Default:
    /// derived from the analysis data file's SHA-256.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

/// A randomisation procedure a trial allocated outside Evident declares, each with the
/// observed number of units (clusters) per arm, as ri2's `declare_ra`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RiProcedure {
    /// Complete randomisation of the units with the observed arm sizes
    /// (`declare_ra(N, m)`).
    Complete,
    /// Complete randomisation within each declared block or pair, with the observed
    /// arm sizes per block (`declare_ra(blocks = , block_m = )`).
    Blocked,
    /// Complete randomisation of whole clusters (`declare_ra(clusters = , m = )`).
    Cluster,
    /// Clusters randomised within blocks.
    BlockedCluster,
}

impl RiProcedure {
    pub fn label(self) -> &'static str {
        match self {
            RiProcedure::Complete => "complete randomisation",
            RiProcedure::Blocked => "blocked randomisation",
            RiProcedure::Cluster => "cluster randomisation",
            RiProcedure::BlockedCluster => "cluster randomisation within blocks",
        }
    }
}

impl Default for RandomisationInferenceSpec {
    fn default() -> Self {
        RandomisationInferenceSpec {
            enabled: true,
            draws: DEFAULT_RI_DRAWS,
            exact_limit: DEFAULT_RI_EXACT_LIMIT,
            procedure: None,
            seed: None,
        }
    }
}

/// Default number of sampled randomisation-inference re-draws (ri2's `sims`).
pub const DEFAULT_RI_DRAWS: u64 = 1000;
/// Default largest number of allocations enumerated for an exact p-value.
pub const DEFAULT_RI_EXACT_LIMIT: u64 = 10_000;
/// Largest number of re-draws accepted (a bound on run time).
pub const MAX_RI_DRAWS: u64 = 10_000_000;

fn default_alpha() -> f64 {
    0.05
}

fn default_adjust() -> PAdjustMethod {
    PAdjustMethod::Holm
}

fn default_alternative() -> Alternative {
    Alternative::TwoSided
}

/// Estimators the analysis stage can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Hash)]
#[serde(rename_all = "snake_case")]
pub enum EstimatorKind {
    /// Difference in means between arms: Welch (Neyman) standard error, or CR2
    /// cluster-robust for cluster-randomised trials (estimatr's difference_in_means).
    DifferenceInMeans,
    /// Regression of the outcome on treatment and the covariates (estimatr's
    /// lm_robust: HC2, or CR2 with clusters).
    RegressionAdjusted,
    /// Lin (2013): covariates centred and interacted with treatment (estimatr's lm_lin).
    Lin,
    /// Mean of the within-unit change, after minus before (paired t).
    PairedDifference,
    /// Mean of the outcome among participants, with a one-sample t interval.
    Mean,
    /// Segmented regression of an interrupted time series: the level change at the
    /// intervention (src/designs/its).
    SegmentedRegression,
    /// Two-way fixed-effects difference-in-differences, unit-clustered CR2
    /// (src/designs/did).
    TwoWayFixedEffects,
}

impl EstimatorKind {
    /// Whether the estimator adjusts for the analysis covariates.
    pub fn adjusts(self) -> bool {
        matches!(self, EstimatorKind::RegressionAdjusted | EstimatorKind::Lin)
    }

    pub fn label(self) -> &'static str {
        match self {
            EstimatorKind::DifferenceInMeans => "difference in means",
            EstimatorKind::RegressionAdjusted => "regression adjusted for covariates",
            EstimatorKind::Lin => "Lin's interacted regression adjustment",
            EstimatorKind::PairedDifference => "paired difference (after − before)",
            EstimatorKind::Mean => "mean with one-sample t interval",
            EstimatorKind::SegmentedRegression => "segmented regression (level change)",
            EstimatorKind::TwoWayFixedEffects => "two-way fixed-effects difference-in-differences",
        }
    }
}

/// Missing-data policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MissingPolicy {
    /// Any missing value in an analysed column is an error naming the row.
    #[default]
    Error,
    /// Rows with a missing value in an analysed column are dropped, counted and reported.
    Listwise,
}

/// Evidence claims and grading thresholds.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceSpec {
    /// The Nesta level the study aims for (1–5). Default 3.
    #[serde(default = "default_target_level")]
    pub target_level: u8,
    /// Where the pre-registered analysis plan can be found (URL or registry id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preregistration: Option<String>,
    /// The plan lock written by `evident lock` before the outcome data (a path
    /// relative to this spec): the analysis is checked against it and every deviation
    /// is reported; a changed primary outcome or estimator counts against the grade.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock: Option<String>,
    /// Independent evaluations of the same intervention (Nesta level 4).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub independent_evaluations: Vec<IndependentEvaluation>,
    /// Whether cost data are available (Nesta level 4: impact at reasonable cost).
    #[serde(default)]
    pub cost_data: bool,
    /// Number of sites or deliverers with positive results (Nesta level 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sites: Option<u32>,
    /// Whether delivery is manualised: manuals, systems and procedures (Nesta level 5).
    #[serde(default)]
    pub manualised: bool,
    /// Threshold overrides; every default is documented in docs/spec.md.
    #[serde(default)]
    pub thresholds: Thresholds,
    /// Multi-arm trials: the treatment arm whose contrast with the control is graded.
    /// Without it every treatment-versus-control contrast is graded and the study's
    /// level is the lowest of them (docs/evidence.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graded_arm: Option<String>,
}

fn default_target_level() -> u8 {
    3
}

impl Default for EvidenceSpec {
    fn default() -> Self {
        EvidenceSpec {
            target_level: default_target_level(),
            preregistration: None,
            lock: None,
            independent_evaluations: Vec::new(),
            cost_data: false,
            sites: None,
            manualised: false,
            thresholds: Thresholds::default(),
            graded_arm: None,
        }
    }
}

/// An evaluation of the same intervention carried out by someone else.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IndependentEvaluation {
    /// Who carried it out.
    pub by: String,
    /// Citation or link.
    pub reference: String,
    /// Direction of its finding on the primary outcome.
    pub finding: Finding,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    Positive,
    Null,
    Negative,
}

/// Grading thresholds (defaults from evidence-rules.md).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    /// WWC attrition boundary: cautious (default) when the intervention could affect who
    /// drops out, optimistic otherwise.
    pub attrition_boundary: AttritionBoundary,
    /// |Hedges' g| (or Cox index) at or below which a baseline difference is satisfied. Default 0.05.
    pub balance_satisfied: f64,
    /// |g| at or below which a baseline difference is acceptable if adjusted for. Default 0.25.
    pub balance_adjusted: f64,
    /// Largest minimum detectable effect (SD units, 80% power) for a sample to count as
    /// sufficiently large. Default 0.5 (EEF's two-padlock band).
    pub max_mdes: f64,
    /// Whether levels 2 and 3 need the primary effect to be statistically significant
    /// in the beneficial direction (true), or only beneficial in direction (false). Default true.
    pub require_significance: bool,
    /// Two-sided significance level of the evidence criteria (levels 2 and 3 and the
    /// MDES), fixed whatever `analysis.alpha` and `analysis.alternative` say. Default 0.05.
    pub alpha: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            attrition_boundary: AttritionBoundary::Cautious,
            balance_satisfied: 0.05,
            balance_adjusted: 0.25,
            max_mdes: 0.5,
            require_significance: true,
            alpha: 0.05,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttritionBoundary {
    Cautious,
    Optimistic,
}

/// Report settings.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ReportSpec {
    /// Output directory, relative to the spec file. Default "report".
    pub dir: String,
    /// Formats to write: any of json, md, html, docx (Word) and xlsx (each table as a
    /// sheet). Default json, md and html.
    pub formats: Vec<ReportFormat>,
    /// Statistical disclosure control of the published formats (Markdown, HTML, Word,
    /// spreadsheet): counts of units below the threshold are withheld, with further
    /// counts where a withheld one could be worked out from totals. report.json keeps
    /// exact counts and says what was withheld.
    pub disclosure: DisclosureSpec,
}

impl Default for ReportSpec {
    fn default() -> Self {
        ReportSpec {
            dir: "report".to_string(),
            formats: vec![ReportFormat::Json, ReportFormat::Md, ReportFormat::Html],
            disclosure: DisclosureSpec::default(),
        }
    }
}

/// `report.disclosure`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DisclosureSpec {
    /// Withhold counts of units from 1 to threshold − 1. Default 10.
    pub threshold: usize,
    /// False for an internal report that may show every count. Default true.
    pub apply: bool,
}

impl Default for DisclosureSpec {
    fn default() -> Self {
        DisclosureSpec {
            threshold: crate::report::disclosure::DEFAULT_THRESHOLD,
            apply: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Hash)]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    Json,
    Md,
    Html,
    Docx,
    Xlsx,
}
