//! Planned against achieved: what the power calculation (`design.power`) assumed set
//! beside what the analysed data show. Units randomised and analysed, clusters and
//! their mean size, the ICC (observed by [`crate::analysis::icc`]), attrition and the
//! minimum detectable effect (planned at the planned sample; achieved from the
//! analysis's own standard error and degrees of freedom, as the grade computes it).
//! Both MDEs are at 80% power and the plan's α, so they compare like with like.

use serde::Serialize;

use crate::analysis::Analysis;
use crate::analysis::icc::IccEstimate;
use crate::power::mdes_from_standard_error;
use crate::power::plan::{
    PlannedMde, Question, answer, planned_alpha, planned_attrition, planned_mde_at_80,
};
use crate::spec::Plan;

/// Power at which both MDEs are computed (the grade's sample-size criterion's).
const MDE_POWER: f64 = 0.8;

/// How a row's numbers are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    /// A count of units or clusters.
    Count,
    /// A mean size (units per cluster).
    Size,
    /// A share in [0, 1] (attrition).
    Share,
    /// A correlation (the ICC).
    Correlation,
    /// Standard deviations of the outcome (MDES).
    Sd,
    /// A difference in proportions (MDE of a plan made in proportions).
    Proportion,
}

/// One planned-against-achieved comparison.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PlannedAchievedRow {
    /// Stable key: units_randomised, units_analysed, clusters_randomised,
    /// clusters_analysed, cluster_size, icc, attrition, mde, mdes; for a regression
    /// discontinuity units_in_bandwidth, treated_share, mdes.
    pub key: &'static str,
    pub label: &'static str,
    pub quantity: Quantity,
    pub planned: Option<f64>,
    pub achieved: Option<f64>,
    /// 95% interval of the achieved value, when it is an estimate with one (the ICC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub achieved_conf_low: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub achieved_conf_high: Option<f64>,
    /// What the difference means, or why a side is missing.
    pub note: String,
}

/// The comparison, for a plan with `design.power` and an analysis.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PlannedVsAchieved {
    pub rows: Vec<PlannedAchievedRow>,
    /// How the observed ICC was estimated (cluster trials).
    pub icc_method: Option<&'static str>,
    /// α and power of both MDEs.
    pub mde_alpha: f64,
    pub mde_power: f64,
}

/// Sets the plan's assumptions against the analysis; `None` without `design.power`
/// or an analysed comparison.
pub fn compare(
    plan: &Plan,
    analysis: &Analysis,
    icc: Option<&IccEstimate>,
) -> Option<PlannedVsAchieved> {
    let power = plan.power.as_ref()?;
    if let (Question::Rd(_), Some(rd)) = (&power.question, &analysis.regression_discontinuity) {
        return super::planned_rd::compare_rd(power, rd, analysis);
    }
    let first = answer(&power.question).ok()?.into_iter().next()?;
    let alpha = planned_alpha(power).unwrap_or(0.05);
    let arms = &analysis.flow.arms;
    let analysed: usize = arms.iter().map(|a| a.analysed).sum();
    let allocated: Option<usize> = arms
        .iter()
        .map(|a| a.allocated)
        .sum::<Option<usize>>()
        .filter(|&n| n > 0);
    let mut rows = Vec::new();
    let relative = |planned: f64, achieved: f64| {
        let change = (achieved - planned) / planned;
        if planned <= 0.0 || change.is_nan() || change.abs() < 0.0005 {
            "as planned".to_string()
        } else {
            format!(
                "{} {} than planned",
                crate::report::format::percent(change.abs(), 2),
                if change > 0.0 { "more" } else { "fewer" }
            )
        }
    };
    let clustered = matches!(power.question, Question::Cluster(_));
    rows.push(PlannedAchievedRow {
        key: "units_randomised",
        label: "Units randomised",
        quantity: Quantity::Count,
        planned: Some(first.total_rounded as f64),
        achieved: allocated.map(|n| n as f64),
        achieved_conf_low: None,
        achieved_conf_high: None,
        note: match allocated {
            Some(n) => relative(first.total_rounded as f64, n as f64),
            None => "allocation counts are not recorded (design.units with the arm, or design.assignment)".into(),
        },
    });
    rows.push(PlannedAchievedRow {
        key: "units_analysed",
        label: "Units analysed",
        quantity: Quantity::Count,
        planned: Some(first.total_analysed),
        achieved: Some(analysed as f64),
        achieved_conf_low: None,
        achieved_conf_high: None,
        note: relative(first.total_analysed, analysed as f64),
    });
    if clustered {
        let clusters_allocated: Option<usize> = arms.iter().map(|a| a.clusters_allocated).sum();
        let clusters_analysed: Option<usize> = arms.iter().map(|a| a.clusters_analysed).sum();
        let planned_clusters = first.groups.first().map(|g| g.rounded as f64);
        let planned_size = first.groups.get(1).map(|g| g.analysed);
        rows.push(PlannedAchievedRow {
            key: "clusters_randomised",
            label: "Clusters randomised",
            quantity: Quantity::Count,
            planned: planned_clusters,
            achieved: clusters_allocated.map(|n| n as f64),
            achieved_conf_low: None,
            achieved_conf_high: None,
            note: if clusters_allocated.is_none() {
                "cluster allocation is not recorded".into()
            } else {
                String::new()
            },
        });
        rows.push(PlannedAchievedRow {
            key: "clusters_analysed",
            label: "Clusters analysed",
            quantity: Quantity::Count,
            planned: planned_clusters,
            achieved: clusters_analysed.map(|n| n as f64),
            achieved_conf_low: None,
            achieved_conf_high: None,
            // Name the clusters lost whole, which the grade's cluster review judges.
            note: match (clusters_allocated, clusters_analysed) {
                (Some(allocated), Some(analysed)) if allocated > analysed => {
                    let lost = allocated - analysed;
                    format!(
                        "{} of {} randomised clusters {} no analysed unit (lost whole)",
                        crate::report::format::count(lost),
                        crate::report::format::count(allocated),
                        if lost == 1 { "has" } else { "have" }
                    )
                }
                _ => String::new(),
            },
        });
        let achieved_size = clusters_analysed
            .filter(|&k| k > 0)
            .map(|k| analysed as f64 / k as f64);
        rows.push(PlannedAchievedRow {
            key: "cluster_size",
            label: "Mean cluster size (units analysed per cluster)",
            quantity: Quantity::Size,
            planned: planned_size,
            achieved: achieved_size,
            achieved_conf_low: None,
            achieved_conf_high: None,
            note: "the plan assumes equal clusters; unequal sizes cost a little more precision than the mean suggests".into(),
        });
        let assumed = match &power.question {
            Question::Cluster(c) => Some(c.icc),
            _ => None,
        };
        rows.push(PlannedAchievedRow {
            key: "icc",
            label: "Intraclass correlation (ICC)",
            quantity: Quantity::Correlation,
            planned: assumed,
            achieved: icc.map(|i| i.icc),
            achieved_conf_low: icc.map(|i| i.conf_low),
            achieved_conf_high: icc.map(|i| i.conf_high),
            note: match (icc, assumed) {
                (Some(i), Some(a)) if a < i.conf_low => format!(
                    "the assumption lies below the observed ICC's 95% interval: outcomes cluster more than planned, so the design effect is larger ({} clusters, n₀ = {})",
                    i.clusters,
                    crate::report::format::significant(i.n0, 3)
                ),
                (Some(i), Some(a)) if a > i.conf_high => format!(
                    "the assumption lies above the observed ICC's 95% interval: outcomes cluster less than planned ({} clusters, n₀ = {})",
                    i.clusters,
                    crate::report::format::significant(i.n0, 3)
                ),
                (Some(i), _) => format!(
                    "the assumption lies inside the observed ICC's 95% interval ({} clusters, n₀ = {})",
                    i.clusters,
                    crate::report::format::significant(i.n0, 3)
                ),
                (None, _) => "too few clusters, or no variation, to estimate it".into(),
            },
        });
    }
    let planned_rate = planned_attrition(&power.question);
    // The analysis's one computation of attrition (the grade reads the same).
    let achieved_rate = analysis.flow.attrition().map(|a| a.overall);
    rows.push(PlannedAchievedRow {
        key: "attrition",
        label: "Attrition (share of randomised units not analysed)",
        quantity: Quantity::Share,
        planned: Some(planned_rate),
        achieved: achieved_rate,
        achieved_conf_low: None,
        achieved_conf_high: None,
        note: match achieved_rate {
            Some(r) if r > planned_rate => "more units were lost than the plan allowed for".into(),
            Some(_) => "within what the plan allowed for".into(),
            None => "allocation counts are not recorded, so attrition cannot be measured".into(),
        },
    });
    let headline = analysis
        .outcomes
        .first()
        .and_then(|o| o.comparisons.first())
        .filter(|c| c.groups.len() == 2);
    let achieved_mde = headline.and_then(|c| {
        mdes_from_standard_error(c.estimate.std_error, c.estimate.df, alpha, MDE_POWER)
            .map(|m| (m, c.outcome_sd))
    });
    match planned_mde_at_80(power) {
        Some(PlannedMde::Proportion { value, .. }) => rows.push(PlannedAchievedRow {
            key: "mde",
            label: "Minimum detectable difference in proportions (80% power)",
            quantity: Quantity::Proportion,
            planned: Some(value),
            achieved: achieved_mde.map(|(m, _)| m),
            achieved_conf_low: None,
            achieved_conf_high: None,
            note: mde_note(Some(value), achieved_mde.map(|(m, _)| m)),
        }),
        planned => {
            let planned = planned.map(PlannedMde::in_sd);
            let achieved = achieved_mde
                .filter(|(_, sd)| *sd > 0.0)
                .map(|(m, sd)| m / sd);
            rows.push(PlannedAchievedRow {
                key: "mdes",
                label: "Minimum detectable effect (SD, 80% power)",
                quantity: Quantity::Sd,
                planned,
                achieved,
                achieved_conf_low: None,
                achieved_conf_high: None,
                note: mde_note(planned, achieved),
            });
        }
    }
    Some(PlannedVsAchieved {
        rows,
        icc_method: icc.map(|i| i.method),
        mde_alpha: alpha,
        mde_power: MDE_POWER,
    })
}

fn mde_note(planned: Option<f64>, achieved: Option<f64>) -> String {
    match (planned, achieved) {
        (Some(p), Some(a)) if a > p * 1.000_001 => {
            "larger than planned: the analysis can only detect bigger effects than the design aimed for".into()
        }
        (Some(_), Some(_)) => "at or below the plan: the analysis is as sensitive as designed, or more".into(),
        (None, _) => "the plan is not stated in units this can be compared in".into(),
        (_, None) => "the analysis's standard error does not give one".into(),
    }
}
