//! The protocol stage: before the outcome data exist, what level of the Nesta
//! Standards of Evidence the design can reach if the study succeeds, and what each
//! criterion will need. Computed from the plan alone (the design, the declared
//! evidence and the analytic power calculation); the grade proper waits for the data.
//!
//! Each criterion is either already met (the statement, the comparison group), left
//! to the results (the effect, attrition, balance), not yet declared (something the
//! spec can add: covariates, cost data, replications), or out of reach of this design
//! (no comparison group, a planned MDES above `evidence.thresholds.max_mdes`, planned
//! attrition already high). The design can reach level L when no criterion of levels
//! 1..=L is out of reach or undeclared.

use serde::Serialize;

use crate::evidence::{Status, check_attrition, grade};
use crate::power::plan::{PlannedMde, planned_attrition, planned_mde_at_80};
use crate::spec::{AttritionBoundary, DesignKind, Direction, EstimatorKind, Plan};

/// Where a criterion stands before the outcome data exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Prospect {
    /// Already met by the spec (e.g. the four-part statement, a comparison group).
    Met,
    /// Met or not by the results when the outcome data arrive.
    DependsOnResults,
    /// Needs something the spec does not declare yet (and can).
    NotYetDeclared,
    /// This design, as planned, cannot meet it.
    OutOfReach,
}

impl Prospect {
    pub fn label(self) -> &'static str {
        match self {
            Prospect::Met => "met",
            Prospect::DependsOnResults => "depends on the results",
            Prospect::NotYetDeclared => "not yet declared",
            Prospect::OutOfReach => "out of reach of this design",
        }
    }

    fn allows(self) -> bool {
        matches!(self, Prospect::Met | Prospect::DependsOnResults)
    }
}

/// One criterion of the grade, seen before the data.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ProspectCriterion {
    pub level: u8,
    /// The grade's criterion id.
    pub id: &'static str,
    pub title: &'static str,
    pub prospect: Prospect,
    /// What it will need, in words.
    pub needs: String,
}

/// The protocol report's account of the study before its outcome data.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Protocol {
    /// The outcome data the analysis waits for (as the spec names it), when it does.
    pub waiting_for: Option<String>,
    /// Highest level the design can reach if the study succeeds.
    pub reachable_level: u8,
    pub target_level: u8,
    pub criteria: Vec<ProspectCriterion>,
    /// One sentence: the reachable level against the target, and what limits it.
    pub summary: String,
}

/// The prospect of a plan. `waiting_for` is the outcome data file as shown to readers.
pub fn prospect(plan: &Plan, waiting_for: Option<String>) -> Protocol {
    let now = grade(plan, None);
    let kind = plan.design.kind();
    let thresholds = &plan.evidence.thresholds;
    let mut criteria = Vec::new();
    for c in now.criteria.iter().filter(|c| c.level == 1) {
        criteria.push(ProspectCriterion {
            level: 1,
            id: c.id,
            title: c.title,
            prospect: if c.status == Status::NotMet {
                Prospect::NotYetDeclared
            } else {
                Prospect::Met
            },
            needs: c.rule.clone(),
        });
    }
    let data_needs = match (&plan.analysis, &waiting_for) {
        (None, _) => None,
        (Some(_), Some(path)) => Some(format!("the outcome data at {path} (analysis.data)")),
        (Some(_), None) => Some("the outcome data named by analysis.data".to_string()),
    };
    let outcome_data = ProspectCriterion {
        level: 2,
        id: "outcome_data",
        title: "Outcome data on those who received the intervention",
        prospect: if data_needs.is_some() {
            Prospect::DependsOnResults
        } else {
            Prospect::NotYetDeclared
        },
        needs: data_needs.clone().map_or(
            "an analysis section naming the outcome data (analysis.data)".into(),
            |d| format!("Needs {d}."),
        ),
    };
    if own_grading(kind) {
        // Designs graded by their own rules (evidence::rdd, its_did, staggered, synth):
        // their criteria of levels 2 and 3, each as it stands before the data.
        for c in now.criteria.iter().filter(|c| (2..=3).contains(&c.level)) {
            if c.id == "outcome_data" {
                criteria.push(outcome_data.clone());
                continue;
            }
            criteria.push(ProspectCriterion {
                level: c.level,
                id: c.id,
                title: c.title,
                prospect: match c.status {
                    Status::Met | Status::NotApplicable => Prospect::Met,
                    Status::NotAssessed => Prospect::DependsOnResults,
                    Status::NotMet => Prospect::OutOfReach,
                },
                needs: c.rule.clone(),
            });
        }
    } else {
        criteria.push(outcome_data);
        let primary = plan
            .outcomes
            .first()
            .map(|o| (o.label.clone(), o.spec.better));
        let direction = |better: Direction| match better {
            Direction::Higher => "rise",
            Direction::Lower => "fall",
        };
        let significance = if thresholds.require_significance {
            ", statistically significant"
        } else {
            ""
        };
        let after_only = plan
            .analysis
            .as_ref()
            .is_some_and(|a| a.estimators.first() == Some(&EstimatorKind::Mean));
        criteria.push(ProspectCriterion {
            level: 2,
            id: "positive_change",
            title: "The data show positive change",
            prospect: if after_only {
                Prospect::OutOfReach
            } else if plan.analysis.is_some() {
                Prospect::DependsOnResults
            } else {
                Prospect::NotYetDeclared
            },
            needs: if after_only {
                "Only the outcome after the intervention is measured, so no change can be shown: measure it before as well (a before/after design).".into()
            } else {
                match &primary {
                    Some((label, better)) => format!(
                        "The primary outcome ({label}) must {}{significance}.",
                        direction(*better)
                    ),
                    None => "The primary outcome must change in the beneficial direction.".into(),
                }
            },
        });
        let comparison = kind.has_comparison_group();
        criteria.push(ProspectCriterion {
            level: 3,
            id: "comparison_group",
            title: "A control or comparison group",
            prospect: if comparison {
                Prospect::Met
            } else {
                Prospect::OutOfReach
            },
            needs: if comparison {
                format!("The design is a {}.", kind.label())
            } else {
                format!(
                    "A {} has no comparison group; level 3 needs a randomised trial or a well-matched comparison group.",
                    kind.label()
                )
            },
        });
        if comparison {
            criteria.push(ProspectCriterion {
                level: 3,
                id: "causal_effect",
                title: "Less impact among those who did not receive it",
                prospect: Prospect::DependsOnResults,
                needs: match &primary {
                    Some((label, better)) => format!(
                        "The primary outcome ({label}) must {} more in the intervention arm than in the comparison arm{significance}.",
                        direction(*better)
                    ),
                    None => "A beneficial difference from the comparison group.".into(),
                },
            });
            if kind.is_randomised() {
                criteria.push(attrition_prospect(plan));
            }
            let covariates = plan
                .analysis
                .as_ref()
                .is_some_and(|a| !a.covariates.is_empty())
                || plan.outcomes.iter().any(|o| o.spec.baseline.is_some());
            // A stepped wedge compares each cluster with itself (evidence::stepped_wedge).
            let baseline_applies = kind != crate::spec::DesignKind::SteppedWedge;
            criteria.extend(baseline_applies.then(|| ProspectCriterion {
                level: 3,
                id: "baseline_equivalence",
                title: "Groups equivalent at baseline",
                prospect: if kind.is_randomised() || covariates {
                    Prospect::DependsOnResults
                } else {
                    Prospect::NotYetDeclared
                },
                needs: format!(
                    "{} baseline differences within |{}| (within |{}| when the analysis adjusts for them){}.",
                    if kind.is_randomised() {
                        "If attrition is high, the analysed groups must show"
                    } else {
                        "The matched groups must show"
                    },
                    thresholds.balance_satisfied,
                    thresholds.balance_adjusted,
                    if covariates {
                        ""
                    } else {
                        "; list the baseline characteristics in analysis.covariates"
                    }
                ),
            }));
            criteria.push(sample_size_prospect(plan));
        }
    }
    for c in now.criteria.iter().filter(|c| c.level >= 4) {
        criteria.push(ProspectCriterion {
            level: c.level,
            id: c.id,
            title: c.title,
            prospect: if c.status == Status::NotMet {
                Prospect::NotYetDeclared
            } else {
                Prospect::Met
            },
            needs: c.rule.clone(),
        });
    }
    let mut reachable = 0;
    for level in 1..=5u8 {
        if criteria
            .iter()
            .filter(|c| c.level == level)
            .all(|c| c.prospect.allows())
        {
            reachable = level;
        } else {
            break;
        }
    }
    let target = plan.evidence.target_level;
    let limits: Vec<String> = criteria
        .iter()
        .filter(|c| c.level == reachable + 1 && !c.prospect.allows())
        .map(|c| format!("{} ({})", c.title.to_lowercase(), c.prospect.label()))
        .collect();
    let reach = if reachable == 0 {
        "If the study succeeds, the design does not reach Nesta level 1".to_string()
    } else {
        format!("If the study succeeds, the design can reach Nesta level {reachable} of 5")
    };
    let summary = if limits.is_empty() {
        format!("{reach} (target: level {target}).")
    } else {
        format!(
            "{reach} (target: level {target}); level {} needs: {}.",
            reachable + 1,
            limits.join("; ")
        )
    };
    Protocol {
        waiting_for,
        reachable_level: reachable,
        target_level: target,
        criteria,
        summary,
    }
}

/// Whether the design is graded by its own criteria at levels 2 and 3 rather than by
/// the comparison-group criteria of trials and matched comparisons.
fn own_grading(kind: DesignKind) -> bool {
    matches!(
        kind,
        DesignKind::RegressionDiscontinuity
            | DesignKind::DifferenceInDifferences
            | DesignKind::InterruptedTimeSeries
            | DesignKind::StaggeredRollout
            | DesignKind::SyntheticControl
    )
}

/// Attrition before the data: the plan's expected rate against the WWC boundary.
fn attrition_prospect(plan: &Plan) -> ProspectCriterion {
    let boundary = plan.evidence.thresholds.attrition_boundary;
    let boundary_name = match boundary {
        AttritionBoundary::Cautious => "cautious",
        AttritionBoundary::Optimistic => "optimistic",
    };
    let counted = plan.assignment.is_some() || plan.units.as_ref().is_some_and(|u| u.arm.is_some());
    let (prospect, needs) = match plan.power.as_ref().map(|p| planned_attrition(&p.question)) {
        _ if !counted => (
            Prospect::NotYetDeclared,
            "Attrition can only be measured against allocation counts: declare design.assignment, or design.units with the allocated arm.".to_string(),
        ),
        Some(rate) => {
            let check = check_attrition(100.0 * rate, 0.0, boundary);
            match check.max_differential {
                Some(max) if check.low => (
                    Prospect::DependsOnResults,
                    format!(
                        "Low attrition by the What Works Clearinghouse {boundary_name} boundary: at the {}% overall attrition the plan expects, the arms' attrition rates may differ by at most {} percentage points.",
                        crate::report::format::significant(100.0 * rate, 3),
                        crate::report::format::significant(max, 3)
                    ),
                ),
                _ => (
                    Prospect::OutOfReach,
                    format!(
                        "The plan expects {}% attrition, which is high by the What Works Clearinghouse {boundary_name} boundary whatever the difference between arms; baseline equivalence then becomes required.",
                        crate::report::format::significant(100.0 * rate, 3)
                    ),
                ),
            }
        }
        None => (
            Prospect::DependsOnResults,
            format!(
                "Low attrition by the What Works Clearinghouse {boundary_name} boundary (no attrition is planned: declare design.power.attrition to check the plan against it)."
            ),
        ),
    };
    ProspectCriterion {
        level: 3,
        id: "attrition",
        title: "Low attrition",
        prospect,
        needs,
    }
}

/// The sample-size criterion before the data: the planned MDES at 80% power.
fn sample_size_prospect(plan: &Plan) -> ProspectCriterion {
    let max = plan.evidence.thresholds.max_mdes;
    let planned = plan.power.as_ref().and_then(planned_mde_at_80);
    let sig = |x: f64| crate::report::format::significant(x, 3);
    let (prospect, needs) = match planned {
        None => (
            Prospect::DependsOnResults,
            format!(
                "A minimum detectable effect of at most {max} SD at 80% power on the analysed sample (not checked before the data: declare design.power with the planned sample to check it now)."
            ),
        ),
        Some(mde) => {
            let sd = mde.in_sd();
            let stated = match mde {
                PlannedMde::Sd { .. } => format!("{} SD", sig(sd)),
                PlannedMde::Proportion {
                    value,
                    control_rate,
                } => format!(
                    "{} percentage points from a control rate of {}%, about {} SD",
                    sig(100.0 * value),
                    sig(100.0 * control_rate),
                    sig(sd)
                ),
            };
            if sd <= max {
                (
                    Prospect::DependsOnResults,
                    format!(
                        "A minimum detectable effect of at most {max} SD at 80% power: the planned sample can detect {stated}, so the analysed sample must not fall far short of the plan."
                    ),
                )
            } else {
                (
                    Prospect::OutOfReach,
                    format!(
                        "A minimum detectable effect of at most {max} SD at 80% power: the planned sample can only detect {stated}; plan a larger sample (design.power) to reach level 3."
                    ),
                )
            }
        }
    };
    ProspectCriterion {
        level: 3,
        id: "sample_size",
        title: "A sufficiently large sample",
        prospect,
        needs,
    }
}
