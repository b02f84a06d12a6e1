//! Settings of a stepped-wedge cluster trial (`design.kind: stepped_wedge`): the
//! `design.stepped_wedge` block. Every cluster starts in control and crosses over to
//! the intervention at a randomised step; after one all-control baseline period,
//! `clusters_per_step` clusters cross at each of the `steps` steps (Hussey and Hughes
//! 2007). The assign stage draws the crossover steps (`crate::assign::stepped_wedge`),
//! the plan stage gives Hussey–Hughes power (`crate::power::stepped_wedge`) and the
//! analyse stage fits the cluster–period two-way fixed-effects model
//! (`crate::analysis::stepped_wedge`). Serde types only.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `design.stepped_wedge`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SteppedWedgeSpec {
    /// Column naming each unit's cluster: in the units file (the assign stage) and in
    /// the analysis data.
    pub cluster: String,
    /// Number of crossover steps (at least 2). The trial has steps + 1 periods.
    pub steps: usize,
    /// Clusters crossing over at each step. Default: the number of clusters in the
    /// units file divided by `steps` (it must divide exactly).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clusters_per_step: Option<usize>,
    /// The period number of the all-control baseline period; step s crosses over in
    /// period `first_period + s`. Default 0.
    #[serde(default)]
    pub first_period: i64,
    /// Column of the analysis data holding each observation's period (a whole number
    /// between `first_period` and `first_period + steps`). Required with `analysis`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
}

impl SteppedWedgeSpec {
    /// Periods of the trial: the baseline and one per step.
    pub fn periods(&self) -> usize {
        self.steps + 1
    }

    /// The last period number.
    pub fn last_period(&self) -> i64 {
        self.first_period + self.steps as i64
    }
}
