//! The analyse stage: reads the outcome data, forms the analytic sample under the
//! missing-data policy, counts the flow of units per arm, checks baseline balance,
//! and runs the declared estimators on every outcome.
//!
//! The estimators are adapters over the statistical core (`estimators.rs`); the
//! analytic sample and flow live in `sample.rs`, baseline balance in `balance.rs`,
//! the blocks or pairs a design was randomised within in `blocks.rs`, randomisation
//! inference in `ri.rs` (with `declared.rs` for trials allocated outside Evident);
//! this file dispatches.

pub mod attrition_bounds;
mod balance;
mod blocks;
pub mod compliance;
mod declared;
pub mod did;
pub mod economics;
pub mod equivalence;
mod estimators;
pub mod icc;
pub mod interim;
pub mod its;
pub mod its_many;
pub mod matched;
mod on_engine;
pub mod rdd;
pub mod ri;
mod sample;
pub mod staggered;
pub mod stepped_wedge;
pub mod subgroups;

use balance::baseline_balance;
pub use balance::{BalanceMeasure, BalanceRow, cox_index, hedges_g};
pub use blocks::BlockSource;
pub use ri::{AssumedProcedure, RiMethod, RiResult, RiSummary};
pub use sample::{
    ArmFlow, Attrition, ColumnExclusion, DataWarning, Flow, NotMatched, REFUSE_CONDITION,
    WARN_CONDITION,
};

use std::path::PathBuf;

use serde::Serialize;
use thiserror::Error;

use crate::data::DataError;
use crate::spec::{Direction, EstimatorKind, OutcomeRole, OutcomeType, PAdjustMethod, Plan};
use crate::stats::estimate::{Alternative, Estimate};
use crate::stats::htest::p_adjust;
use crate::stats::regression::DimDesign;

/// Results of the analyse stage.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Analysis {
    pub alpha: f64,
    pub conf_level: f64,
    pub alternative: Alternative,
    pub multiple_comparisons: PAdjustMethod,
    pub missing_policy: crate::spec::MissingPolicy,
    pub flow: Flow,
    pub outcomes: Vec<OutcomeResult>,
    /// Baseline balance on the primary outcome's analytic sample (comparison designs).
    pub baseline: Vec<BalanceRow>,
    /// Randomisation inference (designs allocated by the assign stage): how the
    /// reference distribution was formed; each comparison carries its p-value.
    pub randomisation_inference: Option<RiSummary>,
    /// Data problems that limit precision without stopping the analysis.
    pub warnings: Vec<DataWarning>,
    /// Balance of every ordered pair of arms (read through `contrast`).
    #[serde(skip)]
    pub pairwise_balance: Vec<BalanceRow>,
    /// A matched comparison analysed from its matched file (`analysis.matched`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<matched::MatchedAnalysis>,
    /// The regression discontinuity estimate and diagnostics of the primary outcome
    /// (design.kind regression_discontinuity; `rdd.rs`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regression_discontinuity: Option<rdd::RdAnalysis>,
    /// The segmented regressions of an interrupted time series (src/analysis/its.rs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupted_time_series: Option<its::ItsAnalysis>,
    /// The difference-in-differences fits (src/analysis/did.rs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub difference_in_differences: Option<did::DidAnalysis>,
    /// A staggered roll-out's Callaway and Sant'Anna analysis (its outcomes list is empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staggered_rollout: Option<staggered::StaggeredRolloutResult>,
    /// A stepped-wedge trial's cluster–period fits (src/analysis/stepped_wedge.rs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stepped_wedge: Option<stepped_wedge::SteppedWedgeAnalysis>,
    /// `analysis.subgroups`: the primary outcome's effect within each subgroup and the
    /// test of the interaction.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subgroups: Vec<subgroups::SubgroupAnalysis>,
    /// `analysis.economics`: the value-for-money figures of each treated arm.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub economics: Vec<economics::Economics>,
    /// `analysis.interim`: the look of a group-sequential trial applied to the primary
    /// outcome's headline comparisons (src/analysis/interim.rs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interim: Option<interim::InterimAnalysis>,
}

/// All results for one outcome.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct OutcomeResult {
    pub outcome: String,
    pub label: String,
    pub role: OutcomeRole,
    #[serde(rename = "type")]
    pub outcome_type: OutcomeType,
    pub better: Direction,
    pub unit: Option<String>,
    /// Rows dropped from this outcome's headline analysis for missing values
    /// (listwise policy); other estimators' samples show in their groups' n.
    pub excluded_missing: usize,
    /// One result per estimator and (for multi-arm designs) per treatment arm.
    pub comparisons: Vec<Comparison>,
    /// `analysis.received`: the complier average causal effect of each treatment arm
    /// (instrumental variables), beside the intention-to-treat comparisons.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub complier_effects: Vec<compliance::ComplierEffect>,
    /// `analysis.equivalence` / `analysis.non_inferiority`: the two one-sided tests of
    /// each treated arm's headline comparison against the declared margins.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub equivalence: Vec<equivalence::EquivalenceTest>,
    /// `analysis.attrition_bounds`: Lee and Horowitz–Manski bounds on each treated
    /// arm's effect (by default only where attrition is high).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attrition_bounds: Vec<attrition_bounds::AttritionBounds>,
}

/// One estimator's result.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Comparison {
    pub estimator: EstimatorKind,
    /// What is compared, in words: "treatment vs control", "after vs before".
    pub contrast: String,
    /// Summaries of the groups compared (control first), or of the participants.
    pub groups: Vec<GroupSummary>,
    pub estimate: Estimate,
    /// SD of the outcome the effect is measured against: pooled within arms for two
    /// groups, of the change for paired data, of the outcome for a single group.
    pub outcome_sd: f64,
    /// The effect in standard-deviation units (Hedges' g for two groups, the mean
    /// change over the SD of change for paired data).
    pub standardised: Option<f64>,
    /// How the estimate was made: the design (estimatr's blocked, matched-pair,
    /// clustered or standard difference in means, or the regression's variance), the
    /// blocks it respected and any it could not use.
    pub design: Option<EstimatorDesign>,
    /// Risk ratio with its CI, for binary outcomes compared by the difference in
    /// means: delta method on the log scale with the difference's own variance.
    pub risk_ratio: Option<RatioEstimate>,
    /// Odds ratio with its CI, computed as the risk ratio.
    pub odds_ratio: Option<RatioEstimate>,
    /// The p-value adjusted across outcomes (headline estimator only).
    pub p_adjusted: Option<f64>,
    /// Randomisation-inference p-value under the sharp null (`ri.rs`).
    pub randomisation: Option<RiResult>,
}

/// n, mean and SD of one group (for binary outcomes the mean is the proportion).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct GroupSummary {
    pub name: String,
    pub n: usize,
    pub mean: f64,
    pub sd: f64,
}

/// A ratio with a confidence interval computed on the log scale.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RatioEstimate {
    pub estimate: f64,
    pub conf_low: f64,
    pub conf_high: f64,
    /// Standard error of the log ratio (delta method).
    pub log_std_error: f64,
    /// Degrees of freedom of the t quantile (the difference's; `null` for normal).
    #[serde(serialize_with = "serialize_df")]
    #[schemars(with = "Option<f64>")]
    pub df: f64,
    /// The variance the interval comes from, e.g. `"CR2"`, `"Neyman"`, `"blocked"`.
    pub variance: &'static str,
}

fn serialize_df<S: serde::Serializer>(df: &f64, s: S) -> Result<S::Ok, S::Error> {
    if df.is_finite() {
        s.serialize_f64(*df)
    } else {
        s.serialize_none()
    }
}

/// How a comparison's estimate was made.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct EstimatorDesign {
    /// estimatr's design for a difference in means (`standard`, `blocked`,
    /// `matched_pairs`, `clustered`, `block_clustered`, `matched_pairs_clustered`);
    /// `None` for the regression estimators.
    pub difference_in_means: Option<DimDesign>,
    /// The variance estimator in short: `Neyman`, `blocked`, `matched pairs`,
    /// `matched pairs (clustered)`, `HC2`, `CR2`.
    pub variance: &'static str,
    /// The rule giving the degrees of freedom, e.g. `N − 2B`, `B − 1`, `Welch`,
    /// `Bell–McCaffrey`, `N − k`.
    pub df_rule: &'static str,
    /// The estimator in a sentence, for the report.
    pub description: String,
    /// Blocks (or pairs) the estimate used, and where they came from.
    pub blocks: Option<usize>,
    pub blocks_from: Option<BlockSource>,
    /// Blocks left out because the analysed units in them were all in one of the two
    /// compared arms (attrition, missing values), and the units in them.
    pub blocks_dropped: usize,
    pub units_dropped: usize,
    /// Pairs mixed with larger blocks: the matched-pair variance is used for all
    /// (estimatr's rule; see docs/statistics.md).
    pub mixed_block_sizes: bool,
    /// Regression estimators in a blocked design: block fixed effects included.
    pub block_fixed_effects: bool,
}

/// Problems in the analysis data.
#[derive(Debug, Error)]
pub enum AnalysisError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error("regression discontinuity: {0}")]
    RegressionDiscontinuity(String),
    #[error("outcome `{outcome}`, {treated} against the control: attrition bounds: {source}")]
    AttritionBounds {
        outcome: String,
        treated: String,
        source: crate::stats::bounds::BoundsError,
    },
    #[error("analysis.subgroups: column `{column}`, level `{level}` {message}")]
    Subgroup {
        column: String,
        level: String,
        message: String,
    },
    #[error("{key}: {message}")]
    Interim { key: String, message: String },
    #[error("outcome `{outcome}`, {contrast}: equivalence test: {source}")]
    Equivalence {
        outcome: String,
        contrast: String,
        source: crate::stats::htest::TestError,
    },
    #[error("{path}: outcome `{outcome}`: {source}")]
    InterruptedTimeSeries {
        path: PathBuf,
        outcome: String,
        source: crate::designs::its::ItsError,
    },
    #[error("{path}:{line}: column `{column}` names the unit but is empty here")]
    MissingUnit {
        path: PathBuf,
        line: u64,
        column: String,
    },
    #[error("{path}: stepped-wedge analysis: {source}")]
    SteppedWedge {
        path: PathBuf,
        source: stepped_wedge::SteppedWedgeDataError,
    },
    #[error("{path}: outcome `{outcome}`: {source}")]
    DifferenceInDifferences {
        path: PathBuf,
        outcome: String,
        source: crate::designs::did::DidError,
    },
    #[error(
        "{path}:{line}: column `{column}` is {value}; a period or season must be a whole number"
    )]
    NotWholeNumber {
        path: PathBuf,
        line: u64,
        column: String,
        value: String,
    },
    #[error("{path}:{line}: column `{column}`: {why}")]
    BadDate {
        path: PathBuf,
        line: u64,
        column: String,
        why: String,
    },
    #[error(
        "{path}:{line}: column `{column}`: arm `{value}` is not one of the declared arms {arms}"
    )]
    UnknownArm {
        path: PathBuf,
        line: u64,
        column: String,
        value: String,
        arms: String,
    },
    #[error("outcome `{outcome}`, {estimator}: {source}")]
    Estimator {
        outcome: String,
        estimator: &'static str,
        source: crate::stats::regression::RegressionError,
    },
    #[error("{path}:{line}: cluster `{cluster}` has units in arms `{first}` and `{second}`")]
    ClusterNotConstant {
        path: PathBuf,
        line: u64,
        cluster: String,
        first: String,
        second: String,
    },
    #[error(transparent)]
    Randomisation(#[from] ri::RiError),
    #[error(transparent)]
    Matched(#[from] matched::MatchedAnalysisError),
    #[error(transparent)]
    SyntheticControl(#[from] crate::designs::synth::SynthError),
    #[error("{path}: {source}")]
    Staggered {
        path: PathBuf,
        source: crate::designs::staggered::StaggeredError,
    },
    #[error(
        "{path}:{line}: column `{column}` is empty here; every panel row needs its unit (and cluster)"
    )]
    StaggeredMissingLabel {
        path: PathBuf,
        line: u64,
        column: String,
    },
    #[error("{path}:{line}: column `{column}` must hold a whole-number period here")]
    StaggeredPeriod {
        path: PathBuf,
        line: u64,
        column: String,
    },
    #[error(
        "{path}:{line}: column `{column}` gives unit `{unit}` a different cluster than its earlier rows; a cluster must be constant within a unit"
    )]
    StaggeredCluster {
        path: PathBuf,
        line: u64,
        column: String,
        unit: String,
    },
    #[error("{path}:{line}: column `{column}` (analysis.fixed_effects) is empty here")]
    MissingFixedEffect {
        path: PathBuf,
        line: u64,
        column: String,
    },
    #[error("{path}:{line}: column `{column}` names the blocks but is empty here")]
    MissingBlock {
        path: PathBuf,
        line: u64,
        column: String,
    },
    #[error(
        "{path}:{line}: column `{column}` names the matched pairs, but pair `{pair}` has {units} units"
    )]
    PairTooLarge {
        path: PathBuf,
        line: u64,
        column: String,
        pair: String,
        units: usize,
    },
    #[error("the arms come from the assign stage, but {path} does not exist yet")]
    NotAssigned { path: PathBuf },
    #[error("arm `{arm}` has no units with {what}")]
    EmptyArm { arm: String, what: String },
    #[error("{path}:{line}: unit `{id}` is not in the units file {units}")]
    NotInUnits {
        path: PathBuf,
        line: u64,
        id: String,
        units: PathBuf,
    },
    #[error(
        "{path}:{line}: unit `{id}` is in arm `{data_arm}` here but allocated to `{units_arm}` in {allocation}"
    )]
    ArmMismatch {
        path: PathBuf,
        line: u64,
        id: String,
        data_arm: String,
        units_arm: String,
        /// The file that records the allocation: the units file or assignments.csv.
        allocation: PathBuf,
    },
    #[error(
        "{path}: column `{column}` is declared binary in analysis.covariate_types but holds more than two values ({values}, ...)"
    )]
    NotTwoValued {
        path: PathBuf,
        column: String,
        values: String,
    },
    #[error(
        "{path}:{line}: column `{column}`: values as large as {value:e} vary by only {sd:e} (SD); sums of them cancel to rounding noise, so no trustworthy estimate, SE or balance can be computed"
    )]
    Cancellation {
        path: PathBuf,
        line: u64,
        column: String,
        value: f64,
        sd: f64,
    },
    #[error(
        "{path}:{line}: column `{column}` is a binary outcome but holds `{value}`; binary outcomes are coded 0 or 1"
    )]
    NotBinary {
        path: PathBuf,
        line: u64,
        column: String,
        value: f64,
    },
    #[error(transparent)]
    Engine(#[from] crate::engine::EngineError),
    #[error(
        "{}: column `{column}` {what}, but the arms are {arms} (analysis.engine compares the declared arms)", path.display()
    )]
    ArmsOnEngine {
        path: PathBuf,
        column: String,
        what: String,
        arms: String,
    },
    #[error(
        "{}: column `{column}`: cluster `{cluster}` has rows in both arms", path.display()
    )]
    MixedClusterOnEngine {
        path: PathBuf,
        column: String,
        cluster: String,
    },
    #[error(
        "{}: column `{column}` names the unit, but its {rows} rows hold {distinct} distinct identifiers: one is missing or repeated", path.display()
    )]
    IdsOnEngine {
        path: PathBuf,
        column: String,
        rows: usize,
        distinct: usize,
    },
    #[error(
        "{path}: column `{column}` (analysis.received) must be 0 or 1; {count} row(s) are not (line(s) {lines}; first value {value})"
    )]
    ReceivedNotZeroOne {
        path: PathBuf,
        column: String,
        lines: String,
        count: usize,
        value: f64,
    },
    #[error(
        "outcome `{outcome}` has zero variance {within}: every value is {value}, so no standard error or test is possible"
    )]
    ZeroVariance {
        outcome: String,
        within: String,
        value: f64,
    },
    #[error(
        "outcome `{outcome}`: {group} has {n} analysed unit(s); at least 2 are needed for a standard error"
    )]
    TooFew {
        outcome: String,
        group: String,
        n: usize,
    },
}

impl AnalysisError {
    pub fn hint(&self) -> String {
        match self {
            AnalysisError::Data(e) => e.hint(),
            AnalysisError::Matched(e) => e.hint(),
            AnalysisError::SyntheticControl(e) => e.hint(),
            AnalysisError::RegressionDiscontinuity(_) => {
                "check design.regression_discontinuity against docs/rdd.md (cut-off inside the data, enough observations either side, a bandwidth wide enough)".into()
            }
            AnalysisError::InterruptedTimeSeries { .. } => {
                "an interrupted time series needs one row per period with no gaps and enough periods on each side of design.interrupted_time_series.intervention".into()
            }
            AnalysisError::AttritionBounds { .. } => {
                "attrition bounds need at least two analysed outcomes in each arm and, for a declared range (analysis.attrition_bounds.ranges), every outcome inside it; or set analysis.attrition_bounds.when to never".into()
            }
            AnalysisError::Subgroup { .. } => {
                "a subgroup needs at least two levels and two analysed units of each compared arm in every level; merge small levels into a coarser column, or remove it from analysis.subgroups".into()
            }
            AnalysisError::Interim { .. } => {
                "an interim look reads its information from the analysed sample against the plan's maximum (design.power.interim); declare analysis.interim.information when the looks departed from the plan, and see docs/spec.md, \"analysis.interim\"".into()
            }
            AnalysisError::Equivalence { .. } => {
                "an equivalence test needs a comparison with a standard error above zero: the outcome must vary in the arms compared".into()
            }
            AnalysisError::MissingUnit { .. } => {
                "every row of the panel needs its unit; fill in the value or drop the row".into()
            }
            AnalysisError::SteppedWedge { .. } => {
                "a stepped-wedge analysis needs every observation's cluster and period (a whole number within the trial's periods), clusters the allocation knows, and a treatment that never switches back".into()
            }
            AnalysisError::DifferenceInDifferences { .. } => {
                "a difference-in-differences needs one row per unit and period, a 0/1 treatment column that never switches off, units never treated, and one start period for the treated units".into()
            }
            AnalysisError::BadDate { .. } => {
                "give every period as an ISO date (YYYY-MM-DD, or YYYY-MM for monthly, quarterly and yearly data) at the declared frequency, or remove frequency to use whole-number periods".into()
            }
            AnalysisError::NotWholeNumber { .. } => {
                "number the periods 1, 2, 3, ... (e.g. months since the start) and the seasons 1-12 or 1-7".into()
            }
            AnalysisError::Randomisation(ri::RiError::Assign(e)) => e.hint(),
            AnalysisError::Randomisation(ri::RiError::Declared(_)) => {
                "declare the procedure the trial was randomised with (analysis.randomisation_inference.procedure, analysis.blocks), or set analysis.randomisation_inference.enabled to false".into()
            }
            AnalysisError::Randomisation(ri::RiError::NotAllocated { .. }) => {
                "randomisation inference needs every analysed unit in the units file that was allocated; check the identifiers, or set analysis.randomisation_inference.enabled to false".into()
            }
            AnalysisError::Staggered { .. } => {
                "correct the panel as the message says, or the settings in design.staggered (see docs/staggered.md)".into()
            }
            AnalysisError::StaggeredMissingLabel { .. } => {
                "fill in the value, or drop the row (the panel must stay balanced)".into()
            }
            AnalysisError::StaggeredPeriod { .. } => {
                "periods (and first-treatment periods) must be whole numbers such as a year, month number or wave".into()
            }
            AnalysisError::StaggeredCluster { .. } => {
                "give each unit one cluster in design.staggered.cluster, or drop the setting to cluster by unit".into()
            }
            AnalysisError::MissingFixedEffect { .. } => {
                "every analysed unit needs its level of each fixed-effect column; fill in the value, or drop the unit from the analysis data".into()
            }
            AnalysisError::MissingBlock { .. } => {
                "every analysed unit needs its block; fill in the value, or drop the unit from the analysis data".into()
            }
            AnalysisError::PairTooLarge { .. } => {
                "a matched pair has one unit in each arm; correct the pair labels, or declare the groups with analysis.blocks".into()
            }
            AnalysisError::NotAssigned { .. } => {
                "allocate the units first with `evident assign SPEC`, or use `evident run SPEC`, which assigns before it analyses".into()
            }
            AnalysisError::UnknownArm { .. } => "add the arm to design.arms, or correct the value in the data".into(),
            AnalysisError::EmptyArm { .. } => {
                "every declared arm needs analysed units; check the arm names and the missing values".into()
            }
            AnalysisError::NotInUnits { .. } => {
                "every analysed unit must be in the units file; check the identifiers in both files".into()
            }
            AnalysisError::ArmMismatch { .. } => {
                "analyse units in the arm they were allocated to (intention to treat); fix the data or drop analysis.treatment".into()
            }
            AnalysisError::NotTwoValued { .. } => {
                "declare the column categorical (or continuous) in analysis.covariate_types, or recode it to two values".into()
            }
            AnalysisError::Cancellation { .. } => {
                "subtract a common offset (e.g. the first value or a round number) or change the unit so the values vary within 12 significant digits".into()
            }
            AnalysisError::NotBinary { .. } => "recode the outcome as 0/1, or declare it continuous".into(),
            AnalysisError::ReceivedNotZeroOne { .. } => {
                "record receipt as 1 (received the intervention) or 0 (did not), or leave the cell empty if unknown".into()
            }
            AnalysisError::ZeroVariance { .. } => {
                "check that the right column is named; a constant outcome cannot show an effect".into()
            }
            AnalysisError::TooFew { .. } => "more analysed units are needed in that group".into(),
            AnalysisError::Engine(e) => e.hint(),
            AnalysisError::MixedClusterOnEngine { .. } => {
                "a cluster-randomised trial allocates whole clusters: every row of a cluster must be in the same arm".into()
            }
            AnalysisError::IdsOnEngine { .. } => {
                "give every row its own identifier; remove analysis.engine to see the first bad line".into()
            }
            AnalysisError::ArmsOnEngine { .. } => {
                "give every row one of the declared arms (design.arms), or remove analysis.engine to see the first bad row".into()
            }
            AnalysisError::Estimator { .. } => {
                "check the covariates and clusters named in the spec; `evident analyse --json` shows what was fitted".into()
            }
            AnalysisError::ClusterNotConstant { .. } => {
                "a cluster-randomised trial allocates whole clusters: every unit of a cluster must be in the same arm".into()
            }
        }
    }
}

/// Runs the analyse stage of a plan that declares one.
pub fn analyse(plan: &Plan) -> Result<Option<Analysis>, AnalysisError> {
    // The outcome summaries' table, which for an RD holds its columns too (see
    // `sample::columns_used`), so the file is read once.
    let mut table = None;
    let mut analysis = analyse_outcomes(plan, &mut table)?;
    if let (Some(analysis), Some(analysis_plan)) = (analysis.as_mut(), &plan.analysis)
        && !analysis_plan.margins.is_empty()
    {
        equivalence::test_outcomes(
            &mut analysis.outcomes,
            &analysis_plan.margins,
            analysis_plan.estimators[0],
            analysis_plan.alpha,
        )?;
    }
    if let (Some(analysis), Some(analysis_plan), Some(power)) =
        (analysis.as_mut(), &plan.analysis, &plan.power)
        && let (Some(look), Some(looks)) = (&analysis_plan.interim, &power.interim)
    {
        analysis.interim = Some(interim_look(
            analysis,
            &power.question,
            looks,
            look,
            analysis_plan.estimators[0],
        )?);
    }
    if let (Some(analysis), crate::spec::Design::RegressionDiscontinuity { settings }) =
        (analysis.as_mut(), &plan.design)
        && let (Some(analysis_plan), Some(primary)) = (&plan.analysis, plan.outcomes.first())
    {
        let table = match table {
            Some(table) => table,
            None => {
                let mut columns = vec![settings.running.as_str(), primary.spec.name.as_str()];
                columns.extend(settings.treatment_received.as_deref());
                columns.extend(settings.cluster.as_deref());
                columns.extend(settings.covariates.iter().map(String::as_str));
                crate::data::Table::read_columns(&analysis_plan.data, &columns)?
            }
        };
        let label = primary.label.clone();
        analysis.regression_discontinuity = Some(rdd::analyse_rd(
            &table,
            settings,
            &primary.spec.name,
            &label,
            analysis_plan.alpha,
        )?);
    }
    Ok(analysis)
}

/// The plan's group-sequential design (its maximum size from the fixed design's answer)
/// applied at the declared look.
fn interim_look(
    analysis: &Analysis,
    question: &crate::power::plan::Question,
    looks: &crate::power::plan::InterimLooks,
    look: &crate::spec::InterimLookPlan,
    headline: EstimatorKind,
) -> Result<interim::InterimAnalysis, AnalysisError> {
    let plan_error = |e: crate::power::PowerError| AnalysisError::Interim {
        key: "design.power".into(),
        message: format!("the plan's group-sequential design could not be formed: {e}"),
    };
    let answers = crate::power::plan::answer(question).map_err(plan_error)?;
    let planned =
        crate::power::plan::interim_plan(question, &answers[0], looks).map_err(plan_error)?;
    let primary = analysis
        .outcomes
        .iter()
        .find(|o| o.role == OutcomeRole::Primary)
        .or(analysis.outcomes.first())
        .ok_or_else(|| AnalysisError::Interim {
            key: "analysis.interim".into(),
            message: "no outcome was analysed".into(),
        })?;
    let input = interim::InterimInput {
        look: look.look,
        information: &look.information,
        planned: &looks.fractions,
        boundary: looks.boundary,
        alpha: planned.design.alpha,
        two_sided: planned.design.two_sided,
        maximum_size: planned.maximum_size,
        size_label: planned.size_label.clone(),
        size_rule: crate::power::plan::analysed_size_rule(question),
    };
    interim::apply(&input, primary, headline, &analysis.flow)
}

/// The outcome summaries and comparisons every design shares. For a regression
/// discontinuity the table read for them is handed back in `rd_table` for the RD.
fn analyse_outcomes(
    plan: &Plan,
    rd_table: &mut Option<crate::data::Table>,
) -> Result<Option<Analysis>, AnalysisError> {
    let Some(analysis_plan) = &plan.analysis else {
        return Ok(None);
    };
    if let crate::spec::Design::InterruptedTimeSeries(settings) = &plan.design {
        return its::analyse(plan, analysis_plan, settings).map(Some);
    }
    if let crate::spec::Design::DifferenceInDifferences(settings) = &plan.design {
        return did::analyse(plan, analysis_plan, settings).map(Some);
    }
    if let crate::spec::Design::StaggeredRollout { staggered } = &plan.design {
        return staggered::analysis(plan, analysis_plan, staggered).map(Some);
    }
    if let crate::spec::Design::SteppedWedge(settings) = &plan.design {
        return stepped_wedge::analyse(plan, analysis_plan, settings).map(Some);
    }
    if analysis_plan.engine.is_external() {
        return on_engine::analyse(plan, analysis_plan).map(Some);
    }
    let sample = sample::AnalyticData::load(plan, analysis_plan)?;
    let conf_level = 1.0 - analysis_plan.alpha;
    let headline_columns = sample::ColumnsUsed::of(analysis_plan.estimators[0]);
    let mut warnings = Vec::new();
    // The assign stage's design, prepared once: its blocks or pairs for the
    // estimators, its procedure for randomisation inference.
    let prepared = match &plan.assignment {
        Some(assignment)
            if analysis_plan.randomisation_inference.is_some()
                || assignment.method.randomises_within_groups() =>
        {
            Some(crate::assign::prepare(plan, assignment).map_err(ri::RiError::from)?)
        }
        _ => None,
    };
    let units_file = plan.units.as_ref().map(|u| u.file.as_path());
    let row_blocks = blocks::row_blocks(analysis_plan, &sample, prepared.as_ref().zip(units_file))?;
    let ri_design = match (&analysis_plan.randomisation_inference, &plan.assignment) {
        (Some(settings), Some(assignment)) => Some((
            prepared
                .as_ref()
                .expect("prepared above when randomisation inference is on"),
            crate::assign::redraw::allocation_seed(assignment).map_err(ri::RiError::from)?,
            *settings,
        )),
        _ => None,
    };
    let redrawer = match &ri_design {
        Some((prepared, seed, _)) => {
            Some(crate::assign::Redrawer::new(prepared, *seed).map_err(ri::RiError::from)?)
        }
        None => None,
    };
    // A trial allocated outside Evident: the procedure the spec declares.
    let declared = match (&analysis_plan.randomisation_inference, &redrawer) {
        (
            Some(crate::spec::RiPlan {
                procedure: Some(procedure),
                seed,
                ..
            }),
            None,
        ) => Some(
            declared::Declared::new(
                *procedure,
                *seed,
                &sample,
                &analysis_plan.data,
                row_blocks.as_ref(),
            )
            .map_err(ri::RiError::from)?,
        ),
        _ => None,
    };
    let unit_of_row = match (&redrawer, &declared) {
        (Some(r), _) => Some(ri::unit_rows(r, &sample.ids)?),
        // The declared procedure's units are the analysis-data rows.
        (None, Some(d)) => Some((0..d.n_units() as u32).collect::<Vec<u32>>()),
        (None, None) => None,
    };
    // One statistic per comparison that randomisation inference covers, with the
    // (outcome, comparison) it belongs to.
    let mut statistics: Vec<ri::Statistic> = Vec::new();
    let mut statistic_of: Vec<(usize, usize)> = Vec::new();
    let mut outcomes = Vec::with_capacity(plan.outcomes.len());
    let mut primary_rows = None;
    let mut received = None;
    let mut subgroup_results = Vec::new();
    let mut economics_rows = None;
    // Columns absorbed as fixed effects by the regression estimator.
    let absorbed = analysis_plan
        .fixed_effects
        .iter()
        .map(|column| {
            Ok(estimators::AbsorbedColumn {
                name: column.clone(),
                labels: sample.table.categorical(column)?,
            })
        })
        .collect::<Result<Vec<_>, AnalysisError>>()?;
    for outcome in &plan.outcomes {
        let spec = &outcome.spec;
        // Each estimator's sample, formed from the columns it reads (shared by
        // estimators that read the same columns).
        let mut samples: Vec<(sample::ColumnsUsed, sample::OutcomeRows)> = Vec::new();
        for &estimator in &analysis_plan.estimators {
            let used = sample::ColumnsUsed::of(estimator);
            if samples.iter().all(|(u, _)| *u != used) {
                let rows = sample.outcome_rows(spec, analysis_plan.missing, used)?;
                check_columns(&sample, spec, used, &rows, &mut warnings)?;
                samples.push((used, rows));
            }
        }
        let rows_for = |estimator: EstimatorKind| {
            let used = sample::ColumnsUsed::of(estimator);
            &samples
                .iter()
                .find(|(u, _)| *u == used)
                .expect("formed above for every estimator")
                .1
        };
        let context = estimators::EstimatorContext {
            data: &sample,
            outcome: spec,
            conf_level,
            alternative: analysis_plan.alternative,
            blocks: row_blocks.as_ref(),
            without_covariate: None,
            absorbed: &absorbed,
        };
        let mut comparisons = Vec::new();
        for &estimator in &analysis_plan.estimators {
            let rows = rows_for(estimator);
            match estimator {
                EstimatorKind::PairedDifference => {
                    comparisons.push(estimators::paired_difference(&context, rows)?)
                }
                EstimatorKind::Mean => comparisons.push(estimators::single_mean(&context, rows)?),
                EstimatorKind::SegmentedRegression | EstimatorKind::TwoWayFixedEffects => {
                    unreachable!("an interrupted time series is analysed by its::analyse")
                }
                EstimatorKind::DifferenceInMeans
                | EstimatorKind::RegressionAdjusted
                | EstimatorKind::Lin => {
                    let (arms, control) = plan
                        .design
                        .arms()
                        .expect("validated: comparison estimators need arms");
                    for treated in (0..arms.len()).filter(|&a| a != control) {
                        comparisons.push(estimators::compare_arms(
                            &context, rows, estimator, arms, control, treated,
                        )?);
                        if let Some(unit_of_row) = &unit_of_row {
                            statistics.push(estimators::ri_statistic(
                                &context,
                                rows,
                                estimator,
                                unit_of_row,
                                control,
                                treated,
                            )?);
                            statistic_of.push((outcomes.len(), comparisons.len() - 1));
                        }
                    }
                }
            }
        }
        let mut complier_effects = Vec::new();
        if let (Some(column), Some((arms, control))) = (&analysis_plan.received, plan.design.arms())
        {
            if received.is_none() {
                received = Some(compliance::received_column(&context, column)?);
            }
            let values = received.as_deref().expect("read above");
            let headline = analysis_plan.estimators[0];
            for treated in (0..arms.len()).filter(|&a| a != control) {
                complier_effects.push(compliance::complier_effect(
                    &context,
                    rows_for(headline),
                    (column, values),
                    headline.adjusts(),
                    arms,
                    control,
                    treated,
                )?);
            }
        }
        if outcomes.is_empty()
            && !analysis_plan.subgroups.is_empty()
            && let Some((arms, control)) = plan.design.arms()
        {
            subgroup_results = subgroups::analyse(
                &context,
                rows_for(analysis_plan.estimators[0]),
                &analysis_plan.subgroups,
                analysis_plan.estimators[0],
                (arms, control),
            )?;
        }
        let mut bounds = Vec::new();
        if let (Some(bounds_plan), Some((arms, control)), Some(allocated)) = (
            &analysis_plan.attrition_bounds,
            plan.design.arms(),
            sample.allocated.as_deref(),
        ) {
            let input = attrition_bounds::BoundsInput {
                plan: bounds_plan,
                outcome: spec,
                arms,
                control,
                allocated,
                boundary: plan.evidence.thresholds.attrition_boundary,
                conf_level,
            };
            bounds = attrition_bounds::bounds(&input, rows_for(analysis_plan.estimators[0]))?;
        }
        outcomes.push(OutcomeResult {
            outcome: spec.name.clone(),
            label: outcome.label.clone(),
            role: spec.role,
            outcome_type: spec.outcome_type,
            better: spec.better,
            unit: spec.unit.clone(),
            excluded_missing: rows_for(analysis_plan.estimators[0]).excluded_missing,
            comparisons,
            complier_effects,
            equivalence: Vec::new(),
            attrition_bounds: bounds,
        });
        if analysis_plan
            .economics
            .as_ref()
            .is_some_and(|e| e.outcome == spec.name)
        {
            let rows = rows_for(analysis_plan.estimators[0]);
            economics_rows = Some((outcomes.len() - 1, rows.y.clone(), rows.arm.clone()));
        }
        if primary_rows.is_none() {
            let position = samples
                .iter()
                .position(|(u, _)| *u == headline_columns)
                .expect("the headline estimator's sample is formed");
            primary_rows = Some(samples.swap_remove(position).1);
        }
    }
    adjust_across_outcomes(&mut outcomes, analysis_plan.adjust);
    let reference = match (&redrawer, &ri_design, &declared) {
        (Some(redrawer), Some((_, seed, _)), _) => Some((ri::Reference::Assign(redrawer), *seed)),
        (None, _, Some(d)) => Some((ri::Reference::Declared(d), d.seed)),
        _ => None,
    };
    let randomisation_inference = match (
        reference,
        &analysis_plan.randomisation_inference,
        &unit_of_row,
    ) {
        (Some((reference, seed)), Some(settings), Some(unit_of_row)) => {
            let mut observed = vec![u8::MAX; reference.n_units()];
            for (row, unit) in unit_of_row.iter().enumerate() {
                observed[*unit as usize] = sample.row_arm[row] as u8;
            }
            let run = ri::RiRun {
                reference,
                seed,
                draws: settings.draws,
                exact_limit: settings.exact_limit,
                alternative: analysis_plan.alternative,
            };
            let (summary, results) = ri::run(&run, &statistics, &observed)?;
            for ((o, c), result) in statistic_of.into_iter().zip(results) {
                outcomes[o].comparisons[c].randomisation = result;
            }
            Some(summary)
        }
        _ => None,
    };
    let primary_rows = primary_rows.expect("validated: at least one outcome");
    let flow = sample.flow(
        &primary_rows,
        &plan.outcomes[0].spec.name,
        analysis_plan.estimators[0],
    );
    let mut economics_results = Vec::new();
    if let (Some(economics_plan), Some((arms, control)), Some((index, y, arm))) =
        (&analysis_plan.economics, plan.design.arms(), economics_rows)
    {
        let arm_names: Vec<String> = arms.iter().map(|a| a.name.clone()).collect();
        // Clusters per unit of each arm, to spread per-cluster costs: of those
        // allocated when the allocation is known, else of those analysed.
        let clusters_per_unit: Vec<f64> = flow
            .arms
            .iter()
            .map(|a| match (a.clusters_allocated, a.allocated) {
                (Some(c), Some(n)) if n > 0 => c as f64 / n as f64,
                _ => a
                    .clusters_analysed
                    .filter(|_| a.analysed > 0)
                    .map_or(0.0, |c| c as f64 / a.analysed as f64),
            })
            .collect();
        economics_results = economics::evaluate(&economics::EconomicsInput {
            plan: economics_plan,
            outcome: &outcomes[index],
            arm_names: &arm_names,
            control,
            y: &y,
            arm: &arm,
            clusters_per_unit: &clusters_per_unit,
        });
    }
    // Balance for every ordered pair of arms; the report shows each treatment arm
    // against the control, and `Analysis::contrast` serves any declared pair.
    let (baseline, pairwise_balance) = match plan.design.arms() {
        Some((_, control)) => {
            let adjusted_for: &[String] = if analysis_plan.estimators[0].adjusts() {
                &analysis_plan.covariates
            } else {
                &[]
            };
            let all = baseline_balance(&sample, &primary_rows, plan, adjusted_for, &mut warnings)?;
            let baseline = all
                .iter()
                .filter(|r| r.control_arm == control)
                .cloned()
                .collect();
            (baseline, all)
        }
        None => (Vec::new(), Vec::new()),
    };
    let matched = match &analysis_plan.matched {
        Some(settings) => Some(matched::run(plan, analysis_plan, settings)?),
        None => None,
    };
    let mut analysis = Analysis {
        matched,
        alpha: analysis_plan.alpha,
        conf_level,
        alternative: analysis_plan.alternative,
        multiple_comparisons: analysis_plan.adjust,
        missing_policy: analysis_plan.missing,
        flow,
        outcomes,
        baseline,
        randomisation_inference,
        warnings,
        pairwise_balance,
        regression_discontinuity: None,
        interrupted_time_series: None,
        difference_in_differences: None,
        stepped_wedge: None,
        subgroups: subgroup_results,
        staggered_rollout: None,
        economics: economics_results,
        interim: None,
    };
    if let (Some((arms, control)), Some(_)) = (plan.design.arms(), &analysis.matched) {
        matched::lead_with_matched(&mut analysis, arms, control);
        adjust_across_outcomes(&mut analysis.outcomes, analysis_plan.adjust);
    }
    if matches!(
        plan.design,
        crate::spec::Design::RegressionDiscontinuity { .. }
    ) {
        *rd_table = Some(sample.table);
    }
    Ok(Some(analysis))
}

/// The precision checks (`AnalyticData::check_precision`) of every numeric column
/// one estimator's sample analyses: the outcome, its baseline when read, and the
/// numeric covariates when adjusted for.
fn check_columns(
    sample: &sample::AnalyticData,
    outcome: &crate::spec::OutcomeSpec,
    used: sample::ColumnsUsed,
    rows: &sample::OutcomeRows,
    warnings: &mut Vec<DataWarning>,
) -> Result<(), AnalysisError> {
    sample.check_precision(&outcome.name, &rows.rows, warnings)?;
    if used.baseline
        && let Some(baseline) = &outcome.baseline
    {
        sample.check_precision(baseline, &rows.rows, warnings)?;
    }
    if used.covariates {
        for (name, column) in &sample.covariates {
            if matches!(column, crate::data::Column::Numeric(_)) {
                sample.check_precision(name, &rows.rows, warnings)?;
            }
        }
    }
    Ok(())
}

/// What grading needs about one contrast of two arms: their flow, attrition of
/// units (and of clusters), and baseline balance on that pair alone.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ContrastEvidence {
    pub treated: usize,
    pub control: usize,
    /// The two arms' flow, control first.
    pub flow: Flow,
    pub attrition: Option<Attrition>,
    pub cluster_attrition: Option<Attrition>,
    /// Individual attrition within the retained clusters (cluster trials).
    pub attrition_in_retained_clusters: Option<Attrition>,
    pub balance: Vec<BalanceRow>,
}

impl Analysis {
    /// The analysis of a design analysed by its own module (interrupted time series,
    /// difference-in-differences, staggered roll-out): the plan's settings, the flow
    /// and outcomes it gives, and nothing of the arm comparisons (no baseline table,
    /// randomisation inference or matching). The caller sets its own result field, so
    /// a new field of `Analysis` is added here once.
    pub(crate) fn design_only(
        analysis_plan: &crate::spec::AnalysisPlan,
        flow: Flow,
        outcomes: Vec<OutcomeResult>,
    ) -> Analysis {
        Analysis {
            alpha: analysis_plan.alpha,
            conf_level: 1.0 - analysis_plan.alpha,
            alternative: analysis_plan.alternative,
            multiple_comparisons: analysis_plan.adjust,
            missing_policy: analysis_plan.missing,
            flow,
            outcomes,
            baseline: Vec::new(),
            randomisation_inference: None,
            warnings: Vec::new(),
            pairwise_balance: Vec::new(),
            matched: None,
            regression_discontinuity: None,
            interrupted_time_series: None,
            difference_in_differences: None,
            staggered_rollout: None,
            stepped_wedge: None,
            subgroups: Vec::new(),
            economics: Vec::new(),
            interim: None,
        }
    }

    /// The flow, attrition and baseline balance of the contrast `treated` vs
    /// `control` (arm indices in spec order), computed on those two arms only;
    /// `None` for equal or out-of-range indices, or a design without arms.
    pub fn contrast(&self, treated: usize, control: usize) -> Option<ContrastEvidence> {
        let flow = self.flow.pair(treated, control)?;
        Some(ContrastEvidence {
            treated,
            control,
            attrition: flow.attrition(),
            cluster_attrition: flow.cluster_attrition(),
            attrition_in_retained_clusters: flow.attrition_in_retained_clusters(),
            balance: self
                .pairwise_balance
                .iter()
                .filter(|r| r.treated_arm == treated && r.control_arm == control)
                .cloned()
                .collect(),
            flow,
        })
    }
}

/// Adjusts the headline p-values (first estimator, every treatment arm) across outcomes.
pub(crate) fn adjust_across_outcomes(outcomes: &mut [OutcomeResult], method: PAdjustMethod) {
    let headline = outcomes
        .first()
        .and_then(|o| o.comparisons.first())
        .map(|c| c.estimator);
    let Some(headline) = headline else { return };
    let mut p_values = Vec::new();
    for outcome in outcomes.iter() {
        for comparison in outcome
            .comparisons
            .iter()
            .filter(|c| c.estimator == headline)
        {
            p_values.push(Some(comparison.estimate.p_value));
        }
    }
    let adjusted = p_adjust(&p_values, method).expect("p-values from estimates lie in [0, 1]");
    let mut next = adjusted.into_iter().flatten();
    for outcome in outcomes.iter_mut() {
        for comparison in outcome
            .comparisons
            .iter_mut()
            .filter(|c| c.estimator == headline)
        {
            comparison.p_adjusted = next.next();
        }
    }
}
