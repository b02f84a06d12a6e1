//! Settings of a difference-in-differences design (`design.kind:
//! difference_in_differences`): the `design.difference_in_differences` block, naming
//! the columns of the panel in `analysis.data` (one row per unit and period; the unit
//! is `analysis.id`) and the choices of the estimate (src/designs/did).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::designs::did::DidOptions;
use crate::stats::regression::SeType;

/// Cluster-robust variance of the DiD estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DidVariance {
    /// Bell–McCaffrey CR2 (estimatr's default).
    #[default]
    Cr2,
    /// CR1, estimatr's `stata`.
    Stata,
}

/// `design.difference_in_differences`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DidSpec {
    /// The period column holds ISO dates observed at this frequency; without it,
    /// whole numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<crate::data::periods::Frequency>,
    /// Column holding the period as a whole number (e.g. a month index).
    pub period: String,
    /// Column holding 1 when the unit is under treatment in that period, else 0.
    pub treated: String,
    /// Time-varying covariates (columns) added to the two-way fixed-effects model.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covariates: Vec<String>,
    /// Event-study window: periods before treatment shown (others binned into the end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leads: Option<usize>,
    /// Event-study window: periods after treatment shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lags: Option<usize>,
    /// `cr2` (default) or `stata` (CR1), clustered by unit.
    #[serde(default)]
    pub variance: DidVariance,
    /// Level of the joint pre-trend test (default 0.05).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretrend_alpha: Option<f64>,
}

impl DidSpec {
    /// The options of the estimate, at the analysis' confidence level.
    pub fn options(&self, conf_level: f64) -> DidOptions {
        DidOptions {
            se_type: match self.variance {
                DidVariance::Cr2 => SeType::CR2,
                DidVariance::Stata => SeType::CR1,
            },
            leads: self.leads,
            lags: self.lags,
            conf_level,
            pretrend_alpha: self.pretrend_alpha.unwrap_or(0.05),
        }
    }

    /// The data columns the settings name, with their spec paths.
    pub fn columns(&self) -> Vec<(String, &str)> {
        let mut columns = vec![
            (
                "design.difference_in_differences.period".to_string(),
                self.period.as_str(),
            ),
            (
                "design.difference_in_differences.treated".to_string(),
                self.treated.as_str(),
            ),
        ];
        for (i, c) in self.covariates.iter().enumerate() {
            columns.push((
                format!("design.difference_in_differences.covariates[{i}]"),
                c.as_str(),
            ));
        }
        columns
    }
}
