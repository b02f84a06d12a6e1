//! Bounds on each effect under attrition (`analysis.attrition_bounds`, randomised trials
//! of individuals): for each treated arm against the control, Lee (2009) trimming bounds
//! and, for an outcome of known range (binary, or declared), Horowitz–Manski bounds,
//! from the headline estimator's analysed outcomes and the units allocated to each arm
//! (`stats::bounds`). By default they are computed only for comparisons whose
//! attrition fails the WWC boundary the grade uses.
//!
//! In: one outcome's analysed rows, the allocation per arm and the plan. Out: an
//! [`AttritionBounds`] per treated arm (none when the allocation is unknown).

use serde::Serialize;

use super::AnalysisError;
use super::sample::OutcomeRows;
use crate::evidence::attrition::check_counts;
use crate::spec::AttritionBoundsPlan;
use crate::spec::{Arm, AttritionBoundary, OutcomeSpec, OutcomeType};
use crate::stats::bounds::{LeeBounds, WorstCaseBounds, lee_bounds, worst_case_bounds};

/// The bounds of one treated arm's effect against the control.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AttritionBounds {
    /// "treatment vs control", as the comparison they bound.
    pub contrast: String,
    pub treated: String,
    pub control: String,
    /// Overall attrition of the two arms (percent of those allocated whose outcome is
    /// not analysed) and the differential (percentage points), and whether the WWC
    /// boundary judges it high.
    pub overall_attrition: f64,
    pub differential_attrition: f64,
    pub high_attrition: bool,
    /// Lee (2009) trimming bounds (assume assignment moves attrition one way only).
    pub lee: LeeBounds,
    /// Horowitz–Manski bounds (no assumption), for an outcome of known range.
    pub worst_case: Option<WorstCaseBounds>,
}

/// Everything the bounds of one outcome need besides its rows.
pub(super) struct BoundsInput<'a> {
    pub plan: &'a AttritionBoundsPlan,
    pub outcome: &'a OutcomeSpec,
    pub arms: &'a [Arm],
    pub control: usize,
    /// Units allocated to each arm.
    pub allocated: &'a [usize],
    pub boundary: AttritionBoundary,
    pub conf_level: f64,
}

/// The bounds of every treated arm whose comparison qualifies.
///
/// # Errors
/// [`AnalysisError::AttritionBounds`] when an arm has fewer than two analysed outcomes,
/// or an outcome lies outside its declared range.
pub(super) fn bounds(
    input: &BoundsInput,
    rows: &OutcomeRows,
) -> Result<Vec<AttritionBounds>, AnalysisError> {
    let of_arm = |arm: usize| -> Vec<f64> {
        rows.y
            .iter()
            .zip(&rows.arm)
            .filter(|(_, a)| **a == arm)
            .map(|(y, _)| *y)
            .collect()
    };
    let control_y = of_arm(input.control);
    let range = match input.outcome.outcome_type {
        OutcomeType::Binary => Some([0.0, 1.0]),
        OutcomeType::Continuous => input.plan.ranges.get(&input.outcome.name).copied(),
    };
    let mut out = Vec::new();
    for treated in (0..input.arms.len()).filter(|&a| a != input.control) {
        let treated_y = of_arm(treated);
        let Some(check) = check_counts(
            [
                (Some(input.allocated[input.control]), control_y.len()),
                (Some(input.allocated[treated]), treated_y.len()),
            ],
            input.boundary,
        ) else {
            continue;
        };
        if check.low && !input.plan.always {
            continue;
        }
        let error = |source| AnalysisError::AttritionBounds {
            outcome: input.outcome.name.clone(),
            treated: input.arms[treated].name.clone(),
            source,
        };
        let control = (control_y.as_slice(), input.allocated[input.control]);
        let treated_pair = (treated_y.as_slice(), input.allocated[treated]);
        let lee = lee_bounds(control, treated_pair, input.conf_level).map_err(error)?;
        let worst_case = range
            .map(|r| worst_case_bounds(control, treated_pair, r, input.conf_level))
            .transpose()
            .map_err(error)?;
        out.push(AttritionBounds {
            contrast: format!(
                "{} vs {}",
                input.arms[treated].name, input.arms[input.control].name
            ),
            treated: input.arms[treated].name.clone(),
            control: input.arms[input.control].name.clone(),
            overall_attrition: check.overall,
            differential_attrition: check.differential,
            high_attrition: !check.low,
            lee,
            worst_case,
        });
    }
    Ok(out)
}
