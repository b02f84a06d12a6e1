//! What Works Clearinghouse attrition standard: whether the combination of overall
//! and differential attrition is low enough for a randomised comparison to stand.
//!
//! # References
//! What Works Clearinghouse, Standards Handbook v4.1 (2020) and v5.0 (2022), the
//! attrition boundaries. The table below is the one in `shared/design/evidence-rules.md`;
//! between tabulated overall rates the boundary is interpolated linearly, and above
//! the last point attrition is high.

use serde::Serialize;

use crate::spec::AttritionBoundary;

/// Overall attrition points (%) of the tables.
const OVERALL: [f64; 14] = [
    0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 35.0, 40.0, 45.0, 50.0, 55.0, 60.0, 65.0,
];
/// Largest acceptable differential attrition (percentage points) at each overall rate;
/// `None` marks rates at which attrition is high whatever the differential.
const CAUTIOUS: [Option<f64>; 14] = [
    Some(5.7),
    Some(6.1),
    Some(6.3),
    Some(5.9),
    Some(5.4),
    Some(4.8),
    Some(4.1),
    Some(3.3),
    Some(2.6),
    Some(1.8),
    Some(1.0),
    Some(0.3),
    None,
    None,
];
const OPTIMISTIC: [Option<f64>; 14] = [
    Some(10.0),
    Some(10.5),
    Some(10.9),
    Some(10.7),
    Some(10.0),
    Some(9.2),
    Some(8.2),
    Some(7.2),
    Some(6.0),
    Some(4.9),
    Some(3.7),
    Some(2.6),
    Some(1.4),
    Some(0.3),
];

/// The attrition of a two-arm comparison judged against a WWC boundary.
#[derive(Debug, Clone, Serialize)]
pub struct AttritionCheck {
    /// Overall attrition, percent.
    pub overall: f64,
    /// |attrition_T − attrition_C|, percentage points.
    pub differential: f64,
    /// Largest acceptable differential at this overall rate; `None` above the table.
    pub max_differential: Option<f64>,
    pub boundary: AttritionBoundary,
    pub low: bool,
}

/// Judges attrition from overall and differential rates given in percent.
pub fn check_attrition(
    overall: f64,
    differential: f64,
    boundary: AttritionBoundary,
) -> AttritionCheck {
    let table = match boundary {
        AttritionBoundary::Cautious => &CAUTIOUS,
        AttritionBoundary::Optimistic => &OPTIMISTIC,
    };
    let max_differential = boundary_at(table, overall);
    // Compared at the table's one-decimal precision, so that a rate printed as the
    // boundary value is judged as meeting it.
    let low = max_differential.is_some_and(|m| differential <= m + 1e-9);
    AttritionCheck {
        overall,
        differential,
        max_differential,
        boundary,
        low,
    }
}

fn boundary_at(table: &[Option<f64>; 14], overall: f64) -> Option<f64> {
    if !(0.0..=OVERALL[13]).contains(&overall) {
        return None;
    }
    let i = OVERALL.iter().rposition(|p| *p <= overall)?;
    if i == OVERALL.len() - 1 {
        return table[i];
    }
    let (lo, hi) = (table[i]?, table[i + 1]?);
    let t = (overall - OVERALL[i]) / (OVERALL[i + 1] - OVERALL[i]);
    Some(lo + t * (hi - lo))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabulated_points_and_interpolation() {
        let at = |o| check_attrition(o, 0.0, AttritionBoundary::Cautious).max_differential;
        assert_eq!(at(10.0), Some(6.3));
        assert!((at(12.5).unwrap() - 6.1).abs() < 1e-12);
        assert_eq!(at(60.0), None);
        assert_eq!(
            check_attrition(62.0, 0.0, AttritionBoundary::Optimistic)
                .max_differential
                .map(|m| (m * 100.0).round()),
            Some(96.0)
        );
    }

    #[test]
    fn judges_low_and_high_attrition() {
        assert!(check_attrition(10.0, 6.3, AttritionBoundary::Cautious).low);
        assert!(!check_attrition(10.0, 6.4, AttritionBoundary::Cautious).low);
        assert!(check_attrition(10.0, 6.4, AttritionBoundary::Optimistic).low);
        assert!(!check_attrition(70.0, 0.0, AttritionBoundary::Optimistic).low);
    }
}
