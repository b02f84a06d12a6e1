//! Planned against achieved for a regression discontinuity: the units the plan
//! expected inside the bandwidth and their split either side of the cut-off, set beside
//! the bandwidth the analysis chose, and the planned MDES beside the one the robust
//! standard error gives. An RD randomises nothing, so the randomised-trial rows (units
//! randomised, attrition) do not apply.

use super::planned::{PlannedAchievedRow, PlannedVsAchieved, Quantity};
use crate::analysis::Analysis;
use crate::analysis::rdd::RdAnalysis;
use crate::power::mdes_from_standard_error;
use crate::power::plan::{PlannedMde, PowerPlan, answer, planned_alpha, planned_mde_at_80};
use crate::report::format::{count, percent};

/// Power at which both MDEs are computed (the grade's sample-size criterion's).
const MDE_POWER: f64 = 0.8;

/// The RD comparison; `None` when the plan has no answer.
pub(super) fn compare_rd(
    power: &PowerPlan,
    rd: &RdAnalysis,
    analysis: &Analysis,
) -> Option<PlannedVsAchieved> {
    let first = answer(&power.question).ok()?.into_iter().next()?;
    let alpha = planned_alpha(power).unwrap_or(0.05);
    let inside = (rd.n_h_left + rd.n_h_right) as f64;
    let treated_inside = if rd.treated == "below" {
        rd.n_h_left
    } else {
        rd.n_h_right
    } as f64;
    let planned_share = first
        .groups
        .get(1)
        .map(|g| g.analysed / first.total_analysed);
    let achieved_share = (inside > 0.0).then(|| treated_inside / inside);
    let mut rows = vec![
        PlannedAchievedRow {
            key: "units_in_bandwidth",
            label: "Units inside the bandwidth",
            quantity: Quantity::Count,
            planned: Some(first.total_analysed),
            achieved: Some(inside),
            achieved_conf_low: None,
            achieved_conf_high: None,
            note: format!(
                "the analysis chose h = {} below and {} above the cut-off ({}); {} below and {} above inside it",
                crate::report::format::significant(rd.h_left, 3),
                crate::report::format::significant(rd.h_right, 3),
                rd.bandwidth_method,
                count(rd.n_h_left),
                count(rd.n_h_right)
            ),
        },
        PlannedAchievedRow {
            key: "treated_share",
            label: "Share of those units on the treated side",
            quantity: Quantity::Share,
            planned: planned_share,
            achieved: achieved_share,
            achieved_conf_low: None,
            achieved_conf_high: None,
            note: "sets the design effect 1/(1 − ρ²) with the running variable's shape".into(),
        },
    ];
    // The outcome's SD over the analysed units: the scale the plan's SD units assume.
    let outcome_sd = analysis
        .outcomes
        .iter()
        .find(|o| o.outcome == rd.outcome)
        .and_then(|o| o.comparisons.first())
        .map(|c| c.outcome_sd)
        .filter(|sd| sd.is_finite() && *sd > 0.0);
    // Robust bias-corrected inference is normal: the multiplier's df is infinite.
    let achieved = mdes_from_standard_error(rd.robust.std_error, f64::INFINITY, alpha, MDE_POWER)
        .zip(outcome_sd)
        .map(|(m, sd)| m / sd);
    let planned = planned_mde_at_80(power).map(PlannedMde::in_sd);
    rows.push(PlannedAchievedRow {
        key: "mdes",
        label: "Minimum detectable effect (SD, 80% power)",
        quantity: Quantity::Sd,
        planned,
        achieved,
        achieved_conf_low: None,
        achieved_conf_high: None,
        note: match (planned, achieved) {
            (Some(p), Some(a)) => format!(
                "achieved from the {} estimate's robust standard error over the outcome's SD; {}",
                rd.design,
                if a > p * 1.000_001 {
                    format!(
                        "{} larger than planned: the analysis can only detect bigger effects than the design aimed for",
                        percent(a / p - 1.0, 2)
                    )
                } else {
                    "at or below the plan: the analysis is as sensitive as designed, or more".into()
                }
            ),
            (_, None) => "the outcome's SD is not known, so the robust standard error gives no MDES in SD units".into(),
            (None, _) => "the plan is not stated in SD units".into(),
        },
    });
    Some(PlannedVsAchieved {
        rows,
        icc_method: None,
        mde_alpha: alpha,
        mde_power: MDE_POWER,
    })
}
