//! Settings of `design.kind: synthetic_control` (`design.synthetic_control`): the
//! outcome panel, the treated unit, the donor pool, the predictors and the fit.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One treated unit, a donor pool and an outcome panel (one row per unit-period).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SynthSpec {
    /// Panel file (CSV or Parquet), relative to the spec file: one row per unit and period.
    pub file: String,
    /// Column naming the unit (area) of each row.
    pub unit: String,
    /// Numeric column holding the period (a year, a month number).
    pub period: String,
    /// Numeric outcome column; defaults to the primary outcome's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// The unit that adopted the intervention.
    pub treated: String,
    /// The first period with the intervention in place; earlier periods are the
    /// pre-period the synthetic unit is fitted on.
    pub treatment_period: f64,
    /// Donor units; every other unit of the panel when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub donors: Vec<String>,
    /// Covariate predictors: a column averaged over stated pre-periods. They steer the
    /// nested fit and appear in the balance table of every fit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub predictors: Vec<SynthPredictor>,
    /// Special predictors: the outcome at these pre-periods (nested fit).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outcome_periods: Vec<f64>,
    /// outcome_only (default), nested or augmented.
    #[serde(default)]
    pub fit: SynthFitKind,
    /// Augmented fit: the ridge penalty; chosen by cross-validation when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda: Option<f64>,
    /// Nested fit: starts of the search over predictor weights (equal weights first,
    /// then random ones from `seed`). Default 4.
    #[serde(default = "default_starts")]
    pub starts: usize,
    /// Nested fit: seed of the random starts. Default 1.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Placebo-in-time: the fake treatment period (within the pre-period); default the
    /// pre-period's middle period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placebo_period: Option<f64>,
    /// Drop placebo units whose pre-period RMSPE is more than this many times the
    /// treated unit's from the placebo-in-space p-value (Abadie et al. 2010 use 2, 5
    /// and 20). Default: keep every placebo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop_placebos_over: Option<f64>,
    /// Good pre-period fit, for the grade: the pre-period RMSPE at most this share of
    /// the treated unit's pre-period outcome standard deviation. Default 0.25.
    #[serde(default = "default_fit_ratio")]
    pub good_fit_ratio: f64,
}

fn default_starts() -> usize {
    4
}

fn default_seed() -> u64 {
    1
}

fn default_fit_ratio() -> f64 {
    0.25
}

/// How the donor weights are fitted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SynthFitKind {
    /// Identity V on every pre-period outcome: a convex QP with a unique answer.
    #[default]
    OutcomeOnly,
    /// Abadie, Diamond and Hainmueller: predictor weights minimising the pre-period MSPE.
    Nested,
    /// Ridge-augmented synthetic control (Ben-Michael, Feller and Rothstein 2021).
    Augmented,
}

/// A covariate averaged over pre-periods.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SynthPredictor {
    /// Numeric panel column.
    pub column: String,
    /// First and last period (inclusive) of the average; default the whole pre-period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<f64>,
}
