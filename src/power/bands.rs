//! EEF-style MDES bands: how many padlocks (0–5) a study's minimum detectable effect
//! size allows on its own, from the "MDES" column of the EEF padlock table in
//! evidence-rules.md (thresholds marked "verify" there: treat as defaults).
//!
//! | padlocks | MDES (SD units) |
//! | --- | --- |
//! | 5 | ≤ 0.2 |
//! | 4 | ≤ 0.3 |
//! | 3 | ≤ 0.4 |
//! | 2 | ≤ 0.5 |
//! | 1 | ≤ 0.6 |
//! | 0 | > 0.6 |

use serde::Serialize;

/// Upper MDES limits for 5, 4, 3, 2 and 1 padlocks.
pub const EEF_MDES_LIMITS: [f64; 5] = [0.2, 0.3, 0.4, 0.5, 0.6];

/// Where an MDES falls in the EEF-style bands.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct MdesBand {
    pub mdes: f64,
    /// Padlocks the MDES allows (0–5).
    pub padlocks: u8,
    /// The band in words, e.g. "MDES ≤ 0.3: at most 4 padlocks".
    pub description: String,
    /// The MDES needed for one more padlock, if any.
    pub next_limit: Option<f64>,
}

/// Classifies an MDES (SD units) into the EEF-style bands.
pub fn eef_band(mdes: f64) -> MdesBand {
    let mdes_abs = mdes.abs();
    let index = EEF_MDES_LIMITS
        .iter()
        .position(|&limit| mdes_abs <= limit + 1e-12);
    let (padlocks, description) = match index {
        Some(i) => (
            5 - i as u8,
            format!(
                "MDES {} ≤ {}: the sample allows at most {} padlocks",
                crate::report::format::fixed(mdes_abs, 3),
                EEF_MDES_LIMITS[i],
                5 - i
            ),
        ),
        None => (
            0,
            format!(
                "MDES {} > 0.6: the sample allows no padlock",
                crate::report::format::fixed(mdes_abs, 3)
            ),
        ),
    };
    let next_limit = match index {
        Some(0) => None,
        Some(i) => Some(EEF_MDES_LIMITS[i - 1]),
        None => Some(EEF_MDES_LIMITS[4]),
    };
    MdesBand {
        mdes: mdes_abs,
        padlocks,
        description,
        next_limit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_follow_the_table() {
        assert_eq!(eef_band(0.15).padlocks, 5);
        assert_eq!(eef_band(0.2).padlocks, 5);
        assert_eq!(eef_band(0.25).padlocks, 4);
        assert_eq!(eef_band(0.55).padlocks, 1);
        assert_eq!(eef_band(0.7).padlocks, 0);
        assert_eq!(eef_band(0.25).next_limit, Some(0.2));
    }
}
