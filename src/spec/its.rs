//! Settings of an interrupted time series (`design.kind: interrupted_time_series`):
//! the `design.interrupted_time_series` block, naming the columns of `analysis.data`
//! that hold the period, the control series and the season, and the choices of the
//! segmented regression (src/designs/its).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::designs::its::{
    DEFAULT_ACF_LAGS, DEFAULT_MIN_POST, DEFAULT_MIN_PRE, ErrorModel, ItsOptions,
};

/// `design.interrupted_time_series`: one row of `analysis.data` per period; the
/// primary outcome is the series.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ItsSpec {
    /// Column naming the series each row belongs to (a ward, a school): each series
    /// gets its own segmented regression, fitted in parallel; the primary outcome only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<String>,
    /// Column holding each row's period as a whole number (e.g. a month index), one
    /// row per period with no gaps.
    pub period: String,
    /// First period of the intervention: a value of the period column, or an ISO date
    /// (`"2024-04"`, `"2024-04-01"`) when `frequency` says the periods are dates.
    pub intervention: crate::data::periods::PeriodValue,
    /// The periods are ISO dates observed at this frequency (daily, weekly, monthly,
    /// quarterly, yearly); without it they are whole numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<crate::data::periods::Frequency>,
    /// Column holding a comparison series measured in the same periods (a comparative
    /// ITS, which models the difference treated − control).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
    /// Control series of the secondary outcomes, by outcome name: with `control` set,
    /// every secondary outcome needs one (a control series measures the same outcome).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub secondary_controls: BTreeMap<String, String>,
    /// Column holding each period's season (month 1–12 or weekday 1–7); each season
    /// then gets its own fixed effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seasonality: Option<String>,
    /// Periods from the intervention left out while the change beds in.
    #[serde(default)]
    pub transition: usize,
    /// Periods after the intervention date at which the effect is reported.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub horizons: Vec<usize>,
    /// Newey–West lag; by default ⌊4(T/100)^(2/9)⌋ of the fitted periods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lag: Option<usize>,
    /// `ols_hac` (least squares, Newey–West standard errors; default) or
    /// `prais_winsten` (AR(1) errors).
    #[serde(default)]
    pub error_model: ErrorModel,
    /// Fewest periods allowed before the intervention (default 8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_pre_periods: Option<usize>,
    /// Fewest periods allowed after the intervention and transition (default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_post_periods: Option<usize>,
}

impl ItsSpec {
    /// The options of the segmented regression, at the analysis' confidence level.
    pub fn options(&self, conf_level: f64) -> ItsOptions {
        ItsOptions {
            // An intervention that does not resolve is refused by `evident check`
            // (design.interrupted_time_series.intervention) before any analysis.
            intervention: self.intervention_index().unwrap_or(i64::MIN),
            transition: self.transition,
            hac_lag: self.lag,
            error_model: self.error_model,
            horizons: self.horizons.clone(),
            min_pre: self.min_pre_periods.unwrap_or(DEFAULT_MIN_PRE),
            min_post: self.min_post_periods.unwrap_or(DEFAULT_MIN_POST),
            conf_level,
            acf_lags: DEFAULT_ACF_LAGS,
        }
    }

    /// The intervention as a period index (a date under `frequency`).
    ///
    /// # Errors
    /// A date without a frequency, a number with one, or a malformed date.
    pub fn intervention_index(&self) -> Result<i64, String> {
        self.intervention.index(self.frequency)
    }

    /// The control series of an outcome: `control` for the primary, its entry of
    /// `secondary_controls` for the others.
    pub fn control_for(&self, outcome: &str, primary: bool) -> Option<&str> {
        if primary {
            self.control.as_deref()
        } else {
            self.secondary_controls.get(outcome).map(String::as_str)
        }
    }

    /// The data columns the settings name, with their spec paths.
    pub fn columns(&self) -> Vec<(&'static str, &str)> {
        let mut columns = vec![(
            "design.interrupted_time_series.period",
            self.period.as_str(),
        )];
        if let Some(c) = &self.control {
            columns.push(("design.interrupted_time_series.control", c.as_str()));
        }
        for c in self.secondary_controls.values() {
            columns.push((
                "design.interrupted_time_series.secondary_controls",
                c.as_str(),
            ));
        }
        if let Some(s) = &self.seasonality {
            columns.push(("design.interrupted_time_series.seasonality", s.as_str()));
        }
        if let Some(s) = &self.series {
            columns.push(("design.interrupted_time_series.series", s.as_str()));
        }
        columns
    }
}
