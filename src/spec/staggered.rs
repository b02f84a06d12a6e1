//! Settings of `design.kind: staggered_rollout` (and the analysis of a stepped-wedge
//! trial): the long panel's columns, the comparison group, anticipation, the base
//! period and the multiplier bootstrap. Serde types only; the analysis lives in
//! `crate::designs::staggered`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `design.staggered`: how to read a staggered roll-out panel and which Callaway and
/// Sant'Anna (2021) estimand to report.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StaggeredSpec {
    /// Column of the analysis data identifying the unit (area, school, ward).
    pub unit: String,
    /// Column holding the period (an integer: year, month number, wave; or an ISO date
    /// with `frequency`).
    pub period: String,
    /// The period and first-treatment columns hold ISO dates observed at this
    /// frequency; without it, whole numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<crate::data::periods::Frequency>,
    /// Column with each unit's first-treatment period (constant within a unit; empty
    /// or 0 for never treated). Give this or `treated`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_treated: Option<String>,
    /// Or a 0/1 column saying whether the unit is treated in that period; it must be
    /// absorbing (a unit that switches off is refused, naming it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub treated: Option<String>,
    /// Which units form the comparison. Required: the choice is stated in the report.
    pub comparison: Comparison,
    /// Periods before the first-treatment period in which units may already respond
    /// (did's `anticipation`). Default 0.
    #[serde(default)]
    pub anticipation: u32,
    /// varying (default; did's default) or universal base period.
    #[serde(default)]
    pub base_period: BasePeriod,
    /// Multiplier bootstrap for the simultaneous bands.
    #[serde(default)]
    pub bootstrap: BootstrapSpec,
    /// Optional column of coarser clusters (constant within a unit) for the standard
    /// errors and bootstrap; default: clustered by unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Covariates (numeric columns, fixed per unit) for conditional parallel trends:
    /// units with the same covariates would have followed the same path. Empty
    /// (default): unconditional parallel trends.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covariates: Vec<String>,
    /// How covariates enter each ATT(g, t): `dr` (default, did's and csdid's: doubly
    /// robust) or `reg` (outcome regression). Without covariates both reduce to the
    /// plain difference in differences.
    #[serde(default)]
    pub estimation: Estimation,
    /// What to do with a covariate that changes within a unit: `refuse` (default) or
    /// `base_period` (use each comparison's earlier-period value, as R did does).
    #[serde(default)]
    pub time_varying_covariates: TimeVaryingCovariates,
}

/// The 2×2 estimator of each ATT(g, t) with covariates (did's `est_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub enum Estimation {
    /// Sant'Anna and Zhao (2020) doubly robust DiD as DRDID's `drdid_panel` (the one R
    /// did and csdid call): a logit propensity score by maximum likelihood, the
    /// comparison units' outcome regression of the change, comparison units with a
    /// propensity of 0.995 or more trimmed.
    #[default]
    #[serde(rename = "dr")]
    DoublyRobust,
    /// Heckman, Ichimura and Todd (1997) outcome regression (DRDID's `reg_did_panel`):
    /// the comparison units' regression of the change on the covariates, predicted for
    /// the treated cohort.
    #[serde(rename = "reg")]
    OutcomeRegression,
}

impl Estimation {
    pub fn label(self) -> &'static str {
        match self {
            Estimation::DoublyRobust => "doubly robust (Sant'Anna and Zhao 2020)",
            Estimation::OutcomeRegression => "outcome regression",
        }
    }
}

/// A covariate that changes within a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimeVaryingCovariates {
    /// Refuse it, naming the unit and rows (R did's issue #71).
    #[default]
    Refuse,
    /// Use its value in the earlier of the two periods each ATT(g, t) compares (the
    /// base period of every post-treatment cell), as R did and csdid do; the report
    /// says so.
    BasePeriod,
}

/// The comparison group of each ATT(g, t).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// Units never treated within the panel (an error when there are none).
    NeverTreated,
    /// Units never treated or not yet treated by period t (and by the base period).
    NotYetTreated,
}

impl Comparison {
    pub fn label(self) -> &'static str {
        match self {
            Comparison::NeverTreated => "never-treated units",
            Comparison::NotYetTreated => "never-treated and not-yet-treated units",
        }
    }
}

/// The base period of each ATT(g, t) (did's `base_period`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BasePeriod {
    /// Post-treatment cells against the last pre-treatment period; pre-treatment
    /// cells against the period just before (short differences).
    #[default]
    Varying,
    /// Every cell against the last pre-treatment period (long differences); that
    /// period's cell is the zero reference.
    Universal,
}

/// Multiplier bootstrap settings.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BootstrapSpec {
    /// Number of bootstrap draws. Default 999.
    pub draws: u32,
    /// Seed of the draws. Default 2021, fixed so reruns give identical bands.
    pub seed: u64,
    /// mammen (default; did's) or rademacher multipliers.
    pub weights: MultiplierWeights,
}

impl Default for BootstrapSpec {
    fn default() -> Self {
        BootstrapSpec {
            draws: 999,
            seed: DEFAULT_BOOTSTRAP_SEED,
            weights: MultiplierWeights::Mammen,
        }
    }
}

/// Default bootstrap seed (fixed, so the same inputs give the same bands).
pub const DEFAULT_BOOTSTRAP_SEED: u64 = 2021;

/// Multipliers of the bootstrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MultiplierWeights {
    /// Mammen's two-point weights: 1 − κ with probability κ/√5, else κ, κ = (1+√5)/2.
    #[default]
    Mammen,
    /// ±1 with probability 1/2 each.
    Rademacher,
}
