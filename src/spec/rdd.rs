//! The `design.regression_discontinuity` block of a spec: the running variable and its
//! cut-off, which side is treated, sharp or fuzzy, the local-polynomial settings
//! (orders, kernel, bandwidth selector or declared bandwidths, variance, clusters,
//! covariates) and the diagnostics' options. `options` turns it into the engine's
//! `RdOptions`; every default is rdrobust 2.1.1's.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::designs::rdd::{BandwidthChoice, Kernel, RdOptions, Selector, Vce};

/// Regression discontinuity settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RdSpec {
    /// Column of the running variable (the score that decides treatment).
    pub running: String,
    /// The cut-off of the running variable. Units at or above it are on the right side.
    pub cutoff: f64,
    /// Which side of the cut-off is treated: `above` (x ≥ cut-off) or `below`. Stated,
    /// never guessed: it fixes the sign of the effect.
    pub treated: TreatedSide,
    /// Column of treatment actually received (0/1) for a fuzzy design; omit for sharp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub treatment_received: Option<String>,
    /// Order p of the local polynomial: 1 (local linear, default) or 2.
    #[serde(default = "default_order")]
    pub order: usize,
    /// Order q of the bias-correction polynomial (default p + 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bias_order: Option<usize>,
    /// triangular (default), epanechnikov or uniform.
    #[serde(default)]
    pub kernel: KernelName,
    /// A selector (mserd, default; msetwo; cerrd; certwo) or declared bandwidths.
    #[serde(default)]
    pub bandwidth: BandwidthSpec,
    /// nn (nearest neighbour, default), hc0, hc1, hc2 or hc3. With `cluster` the
    /// variance is CR1 whatever is chosen here (nn, hc0 and hc1), as rdrobust.
    #[serde(default)]
    pub vce: VceName,
    /// Column identifying clusters (e.g. area or landlord) for a CR1 variance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Covariates adjusted for and checked for continuity at the cut-off.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covariates: Vec<String>,
    /// Placebo cut-offs; by default the median of the running variable on each side.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub placebo_cutoffs: Vec<f64>,
    /// Confidence level of the intervals (default 0.95).
    #[serde(default = "default_level")]
    pub level: f64,
}

fn default_order() -> usize {
    1
}

fn default_level() -> f64 {
    0.95
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TreatedSide {
    Above,
    Below,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum KernelName {
    #[default]
    Triangular,
    Epanechnikov,
    Uniform,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VceName {
    #[default]
    Nn,
    Hc0,
    Hc1,
    Hc2,
    Hc3,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SelectorName {
    #[default]
    Mserd,
    Msetwo,
    Cerrd,
    Certwo,
}

/// A bandwidth selector by name, or declared bandwidths `{ "h": 0.3, "b": 0.5 }`
/// (`h` and `b` may be `[left, right]`; `b` defaults to `h`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum BandwidthSpec {
    Selector(SelectorName),
    Declared {
        h: SideValues,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        b: Option<SideValues>,
    },
}

impl Default for BandwidthSpec {
    fn default() -> Self {
        BandwidthSpec::Selector(SelectorName::Mserd)
    }
}

/// One value for both sides or `[left, right]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum SideValues {
    Both(f64),
    Each([f64; 2]),
}

impl SideValues {
    fn pair(self) -> (f64, f64) {
        match self {
            SideValues::Both(v) => (v, v),
            SideValues::Each([l, r]) => (l, r),
        }
    }
}

impl RdSpec {
    /// The engine's options, or the rule a setting breaks.
    pub fn options(&self) -> Result<RdOptions, String> {
        let mut o = RdOptions::new(self.cutoff);
        if !self.cutoff.is_finite() {
            return Err("cutoff must be a finite number".to_string());
        }
        if !(1..=2).contains(&self.order) {
            return Err(format!("order must be 1 or 2 (got {})", self.order));
        }
        o.p = self.order;
        o.q = self.bias_order.unwrap_or(self.order + 1);
        if o.q <= o.p || o.q > 3 {
            return Err(format!(
                "bias_order must exceed order and be at most 3 (got {} with order {})",
                o.q, o.p
            ));
        }
        o.kernel = match self.kernel {
            KernelName::Triangular => Kernel::Triangular,
            KernelName::Epanechnikov => Kernel::Epanechnikov,
            KernelName::Uniform => Kernel::Uniform,
        };
        o.vce = match self.vce {
            VceName::Nn => Vce::Nn,
            VceName::Hc0 => Vce::Hc0,
            VceName::Hc1 => Vce::Hc1,
            VceName::Hc2 => Vce::Hc2,
            VceName::Hc3 => Vce::Hc3,
        };
        if self.cluster.is_some() && matches!(self.vce, VceName::Hc2 | VceName::Hc3) {
            return Err(
                "vce hc2/hc3 cannot be combined with cluster: the clustered variance is CR1 (use nn or hc1)"
                    .to_string(),
            );
        }
        o.bandwidth = match &self.bandwidth {
            BandwidthSpec::Selector(s) => BandwidthChoice::Select(match s {
                SelectorName::Mserd => Selector::Mserd,
                SelectorName::Msetwo => Selector::Msetwo,
                SelectorName::Cerrd => Selector::Cerrd,
                SelectorName::Certwo => Selector::Certwo,
            }),
            BandwidthSpec::Declared { h, b } => {
                let (h_left, h_right) = h.pair();
                let (b_left, b_right) = b.unwrap_or(*h).pair();
                if ![h_left, h_right, b_left, b_right]
                    .iter()
                    .all(|v| v.is_finite() && *v > 0.0)
                {
                    return Err("declared bandwidths must be positive numbers".to_string());
                }
                BandwidthChoice::Fixed {
                    h_left,
                    h_right,
                    b_left,
                    b_right,
                }
            }
        };
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(format!("level must lie in (0, 1) (got {})", self.level));
        }
        o.level = self.level;
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_rdrobusts() {
        let spec: RdSpec =
            serde_json::from_str(r#"{"running": "risk_score", "cutoff": 60, "treated": "above"}"#)
                .unwrap();
        assert_eq!(spec.options().unwrap(), RdOptions::new(60.0));
    }

    #[test]
    fn declared_bandwidths_and_settings() {
        let spec: RdSpec = serde_json::from_str(
            r#"{"running": "x", "cutoff": 0, "treated": "below", "order": 2,
                "kernel": "uniform", "vce": "hc3", "bandwidth": {"h": [0.2, 0.3]}}"#,
        )
        .unwrap();
        let o = spec.options().unwrap();
        assert_eq!(
            (o.p, o.q, o.kernel, o.vce),
            (2, 3, Kernel::Uniform, Vce::Hc3)
        );
        assert_eq!(
            o.bandwidth,
            BandwidthChoice::Fixed {
                h_left: 0.2,
                h_right: 0.3,
                b_left: 0.2,
                b_right: 0.3
            }
        );
    }

    #[test]
    fn bad_settings_are_refused_with_the_rule() {
        let bad = |json: &str| {
            serde_json::from_str::<RdSpec>(json)
                .map_err(|e| e.to_string())
                .and_then(|s| s.options())
                .unwrap_err()
        };
        assert!(
            bad(r#"{"running": "x", "cutoff": 0, "treated": "above", "order": 3}"#)
                .contains("order must be 1 or 2")
        );
        assert!(
            bad(
                r#"{"running": "x", "cutoff": 0, "treated": "above", "cluster": "c", "vce": "hc2"}"#
            )
            .contains("CR1")
        );
        assert!(
            bad(r#"{"running": "x", "cutoff": 0, "treated": "sideways"}"#)
                .contains("unknown variant")
        );
        assert!(bad(r#"{"running": "x", "cutoff": 0}"#).contains("treated"));
    }
}
