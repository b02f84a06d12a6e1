//! What Works Clearinghouse attrition standard: whether the combination of overall
//! and differential attrition is low enough for a randomised comparison to stand,
//! for individuals and (cluster trials) for clusters.
//!
//! # References
//! What Works Clearinghouse, Standards Handbook v4.1 (2020), Table II.1 "Highest
//! differential attrition rate for a sample to maintain low attrition, by overall
//! attrition rate, under 'optimistic' and 'cautious' assumptions" (the same boundary
//! is kept in v5.0, 2022). The 1-point table below was transcribed from the copy of
//! Table II.1 in the CRAN package baselinr (R/attrition_boundary.R, v0.6.0, which
//! cites the handbook table) and agrees with every 5-point value in
//! shared/design/evidence-rules.md. Cluster-assignment studies are reviewed as the
//! handbook's cluster review does: attrition of clusters against the same boundary
//! first, then attrition of individuals.
//!
//! # Precision
//! Rates are judged at the precision the report shows them, one decimal of a
//! percentage: overall and differential attrition are rounded to one decimal; the
//! boundary at a rounded overall rate that falls between two whole percentages is
//! interpolated linearly between them and rounded down to one decimal (never more
//! lenient than the table). Past the last tabulated point of a boundary (57% under
//! the cautious boundary, 65% under the optimistic) attrition is high.

use serde::Serialize;

use crate::analysis::Attrition;
use crate::spec::AttritionBoundary;

/// Largest acceptable differential attrition (percentage points) at overall attrition
/// 0, 1, …, 57 % under the cautious boundary; from 58 % attrition is high whatever the
/// differential.
const CAUTIOUS: [f64; 58] = [
    5.7, 5.8, 5.9, 5.9, 6.0, 6.1, 6.2, 6.3, 6.3, 6.3, 6.3, 6.2, 6.2, 6.1, 6.0, 5.9, 5.9, 5.8, 5.7,
    5.5, 5.4, 5.3, 5.2, 5.1, 4.9, 4.8, 4.7, 4.5, 4.4, 4.3, 4.1, 4.0, 3.8, 3.6, 3.5, 3.3, 3.2, 3.1,
    2.9, 2.8, 2.6, 2.5, 2.3, 2.1, 2.0, 1.8, 1.6, 1.5, 1.3, 1.2, 1.0, 0.9, 0.7, 0.6, 0.4, 0.3, 0.2,
    0.0,
];
/// The same at overall attrition 0, 1, …, 65 % under the optimistic boundary.
const OPTIMISTIC: [f64; 66] = [
    10.0, 10.1, 10.2, 10.3, 10.4, 10.5, 10.7, 10.8, 10.9, 10.9, 10.9, 10.9, 10.9, 10.8, 10.8, 10.7,
    10.6, 10.5, 10.3, 10.2, 10.0, 9.9, 9.7, 9.5, 9.4, 9.2, 9.0, 8.8, 8.6, 8.4, 8.2, 8.0, 7.8, 7.6,
    7.4, 7.2, 7.0, 6.7, 6.5, 6.3, 6.0, 5.8, 5.6, 5.3, 5.1, 4.9, 4.6, 4.4, 4.2, 3.9, 3.7, 3.5, 3.2,
    3.0, 2.8, 2.6, 2.3, 2.1, 1.9, 1.6, 1.4, 1.1, 0.9, 0.7, 0.5, 0.3,
];

/// The attrition of a two-arm comparison judged against a WWC boundary.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct AttritionCheck {
    /// Overall attrition, percent, as computed.
    pub overall: f64,
    /// |attrition_T − attrition_C|, percentage points, as computed.
    pub differential: f64,
    /// Overall and differential attrition at the precision judged and shown (one decimal).
    pub overall_shown: f64,
    pub differential_shown: f64,
    /// Largest acceptable differential at this overall rate (one decimal); `None` past
    /// the table, where attrition is high whatever the differential.
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
    let overall_shown = one_decimal(overall);
    let differential_shown = one_decimal(differential);
    let max_differential = boundary_at(boundary, overall_shown);
    // Both sides are multiples of 0.1 here; the margin only absorbs their binary error.
    let low = max_differential.is_some_and(|m| differential_shown <= m + 1e-9);
    AttritionCheck {
        overall,
        differential,
        overall_shown,
        differential_shown,
        max_differential,
        boundary,
        low,
    }
}

/// Judges the analysis's attrition of a contrast (`Flow::attrition`,
/// `Flow::cluster_attrition`: shares from 0 to 1) against the boundary.
pub fn judge(attrition: Attrition, boundary: AttritionBoundary) -> AttritionCheck {
    check_attrition(
        100.0 * attrition.overall,
        100.0 * attrition.differential,
        boundary,
    )
}

/// Attrition of the two arms of a contrast from allocated and analysed counts
/// (units or clusters), judged against the boundary; `None` when an arm's
/// allocation is unknown or empty. The rates are the analysis's (`Attrition::of`).
pub fn check_counts(
    arms: [(Option<usize>, usize); 2],
    boundary: AttritionBoundary,
) -> Option<AttritionCheck> {
    let counts: Option<Vec<(usize, usize)>> = arms
        .iter()
        .map(|&(allocated, analysed)| allocated.map(|a| (a, analysed)))
        .collect();
    Attrition::of(&counts?).map(|a| judge(a, boundary))
}

/// The boundary label used in rules and the report.
pub fn boundary_name(boundary: AttritionBoundary) -> &'static str {
    match boundary {
        AttritionBoundary::Cautious => "cautious",
        AttritionBoundary::Optimistic => "optimistic",
    }
}

fn one_decimal(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn boundary_at(boundary: AttritionBoundary, overall: f64) -> Option<f64> {
    let table: &[f64] = match boundary {
        AttritionBoundary::Cautious => &CAUTIOUS,
        AttritionBoundary::Optimistic => &OPTIMISTIC,
    };
    let last = (table.len() - 1) as f64;
    if !(overall >= 0.0 && overall <= last + 1e-9) {
        return None;
    }
    let below = overall.floor();
    let i = below as usize;
    let fraction = overall - below;
    if fraction < 1e-9 || i >= table.len() - 1 {
        return Some(table[i.min(table.len() - 1)]);
    }
    let interpolated = table[i] + fraction * (table[i + 1] - table[i]);
    Some((interpolated * 10.0 + 1e-9).floor() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use AttritionBoundary::{Cautious, Optimistic};

    fn max_at(overall: f64, boundary: AttritionBoundary) -> Option<f64> {
        check_attrition(overall, 0.0, boundary).max_differential
    }

    #[test]
    fn tabulated_points_of_the_handbook_table() {
        // The 5-point values of evidence-rules.md are points of the 1-point table.
        let cautious_5 = [5.7, 6.1, 6.3, 5.9, 5.4, 4.8, 4.1, 3.3, 2.6, 1.8, 1.0, 0.3];
        for (k, expected) in cautious_5.iter().enumerate() {
            assert_eq!(max_at(5.0 * k as f64, Cautious), Some(*expected));
        }
        let optimistic_5 = [
            10.0, 10.5, 10.9, 10.7, 10.0, 9.2, 8.2, 7.2, 6.0, 4.9, 3.7, 2.6, 1.4, 0.3,
        ];
        for (k, expected) in optimistic_5.iter().enumerate() {
            assert_eq!(max_at(5.0 * k as f64, Optimistic), Some(*expected));
        }
        // Points between the old 5-point steps come from the table, not interpolation.
        assert_eq!(max_at(7.0, Cautious), Some(6.3));
        assert_eq!(max_at(19.0, Cautious), Some(5.5));
        assert_eq!(max_at(37.0, Optimistic), Some(6.7));
    }

    #[test]
    fn exactly_on_a_tabulated_point_uses_that_point() {
        // 55 % cautious was "high" before (interpolating towards a missing 60 % value).
        let at_55 = check_attrition(55.0, 0.3, Cautious);
        assert_eq!(at_55.max_differential, Some(0.3));
        assert!(at_55.low);
        assert!(!check_attrition(55.0, 0.4, Cautious).low);
        // The last cautious point admits only no differential; past it attrition is high.
        assert!(check_attrition(57.0, 0.0, Cautious).low);
        assert_eq!(max_at(57.1, Cautious), None);
        assert_eq!(max_at(58.0, Cautious), None);
        assert!(check_attrition(65.0, 0.3, Optimistic).low);
        assert_eq!(max_at(65.1, Optimistic), None);
    }

    #[test]
    fn judged_at_the_one_decimal_shown() {
        // 10.04 % overall is shown and judged as 10.0 %, whose boundary is 6.3.
        let c = check_attrition(10.04, 6.34, Cautious);
        assert_eq!((c.overall_shown, c.differential_shown), (10.0, 6.3));
        assert!(c.low);
        // 6.35 points is shown as 6.4: above the boundary the reader sees.
        assert!(!check_attrition(10.0, 6.35, Cautious).low);
        // Between whole percentages: 10.5 % lies between 6.3 and 6.2; 6.25 rounds down.
        assert_eq!(max_at(10.5, Cautious), Some(6.2));
        assert_eq!(max_at(18.5, Cautious), Some(5.6));
    }

    #[test]
    fn counts_give_overall_and_differential_attrition() {
        // 3 of 10 treated clusters lost, none of 10 control clusters: 15 % overall,
        // 30 points differential: high attrition.
        let c = check_counts([(Some(10), 10), (Some(10), 7)], Cautious).unwrap();
        assert_eq!((c.overall_shown, c.differential_shown), (15.0, 30.0));
        assert!(!c.low);
        // 95 of 100 and 90 of 100 analysed: 7.5 % overall, 5 points: low (cautious 6.3).
        let c = check_counts([(Some(100), 95), (Some(100), 90)], Cautious).unwrap();
        assert_eq!(c.max_differential, Some(6.3));
        assert!(c.low);
        assert!(check_counts([(None, 95), (Some(100), 90)], Cautious).is_none());
        assert!(check_counts([(Some(0), 0), (Some(100), 90)], Cautious).is_none());
    }
}
