//! The grade stage: places a study on Nesta's Standards of Evidence (levels 1–5)
//! and explains every criterion: met, not met, or not applicable, with the figure
//! observed, the threshold and the rule applied (evidence-rules.md).
//!
//! A study reaches level L when every criterion of levels 1..=L is met or not
//! applicable. Thresholds come from the spec's `evidence.thresholds`.

mod attrition;
mod certainty;

pub use attrition::{AttritionCheck, check_attrition};
pub use certainty::{Certainty, CertaintyRating, FindingFacts, rate as rate_certainty};

use serde::Serialize;

use crate::analysis::{Analysis, BalanceMeasure, Comparison};
use crate::power::mdes_from_standard_error;
use crate::spec::{Direction, Finding, Plan};

/// Power at which the achieved sample's MDES is computed (the usual planning value).
const MDES_POWER: f64 = 0.8;
/// Sites with positive results that count as "several" for Nesta level 5.
const MIN_SITES: u32 = 2;

/// The graded verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Grade {
    pub framework: &'static str,
    /// Highest level reached (0 when not even level 1 is).
    pub level: u8,
    pub target_level: u8,
    pub criteria: Vec<Criterion>,
    /// One sentence: the level and what held it there.
    pub summary: String,
    /// What the next level needs, when one exists.
    pub next_level_needs: Option<String>,
}

/// One criterion of the grade.
#[derive(Debug, Clone, Serialize)]
pub struct Criterion {
    pub level: u8,
    pub id: &'static str,
    pub title: &'static str,
    pub status: Status,
    /// What was observed, in words and numbers.
    pub observed: String,
    /// What the rule asks for.
    pub rule: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Met,
    NotMet,
    /// The criterion does not apply to this design (counts as met).
    NotApplicable,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::NotMet => "not met",
            Status::NotApplicable => "not applicable",
        }
    }

    fn passes(self) -> bool {
        self != Status::NotMet
    }
}

/// Grades a study from its plan and (when declared) its analysis.
pub fn grade(plan: &Plan, analysis: Option<&Analysis>) -> Grade {
    let mut criteria = vec![theory_of_change(plan)];
    let headline = analysis.and_then(|a| {
        a.outcomes
            .first()
            .and_then(|o| o.comparisons.first().map(|c| (a, o, c)))
    });
    criteria.extend(level_two(plan, headline.map(|(a, o, c)| (a, o.better, c))));
    criteria.extend(level_three(
        plan,
        analysis,
        headline.map(|(_, o, c)| (o.better, c)),
    ));
    criteria.extend(level_four(plan));
    criteria.extend(level_five(plan));

    let mut level = 0;
    for candidate in 1..=5u8 {
        if criteria
            .iter()
            .filter(|c| c.level == candidate)
            .all(|c| c.status.passes())
        {
            level = candidate;
        } else {
            break;
        }
    }
    let blocking: Vec<&Criterion> = criteria
        .iter()
        .filter(|c| c.level == level + 1 && c.status == Status::NotMet)
        .collect();
    let summary = if blocking.is_empty() {
        format!("Nesta level {level} of 5.")
    } else {
        let reached = if level == 0 {
            "No Nesta level is reached".to_string()
        } else {
            format!("Nesta level {level} of 5")
        };
        let titles: Vec<String> = blocking.iter().map(|c| c.title.to_lowercase()).collect();
        format!(
            "{reached}; level {} also needs: {}.",
            level + 1,
            titles.join("; ")
        )
    };
    let next_level_needs = (level < 5).then(|| {
        blocking
            .iter()
            .map(|c| c.rule.clone())
            .collect::<Vec<_>>()
            .join(" ")
    });
    Grade {
        framework: "Nesta Standards of Evidence (Puttick and Ludlow 2013)",
        level,
        target_level: plan.evidence.target_level,
        criteria,
        summary,
        next_level_needs,
    }
}

fn theory_of_change(plan: &Plan) -> Criterion {
    let s = &plan.statement;
    let missing: Vec<&str> = [
        ("problem", s.problem.trim().is_empty()),
        ("action", s.action.trim().is_empty()),
        ("data product", s.data_product.trim().is_empty()),
        ("datasets", s.datasets.iter().all(|d| d.trim().is_empty())),
    ]
    .into_iter()
    .filter(|(_, empty)| *empty)
    .map(|(name, _)| name)
    .collect();
    Criterion {
        level: 1,
        id: "theory_of_change",
        title: "A clear account of what the intervention does and why it should help",
        status: if missing.is_empty() { Status::Met } else { Status::NotMet },
        observed: if missing.is_empty() {
            "the four-part statement (problem, action, data product, datasets) is complete".into()
        } else {
            format!("the statement lacks: {}", missing.join(", "))
        },
        rule: "Level 1 needs the whole four-part statement: the problem, the action, the data product and the datasets."
            .into(),
    }
}

/// Whether a comparison's effect is beneficial (and significant when required).
fn beneficial(
    plan: &Plan,
    better: Direction,
    comparison: &Comparison,
    alpha: f64,
) -> (bool, String) {
    let e = &comparison.estimate;
    let right_way = match better {
        Direction::Higher => e.estimate > 0.0,
        Direction::Lower => e.estimate < 0.0,
    };
    let significant = e.p_value < alpha;
    let required = plan.evidence.thresholds.require_significance;
    let way = match better {
        Direction::Higher => "an increase",
        Direction::Lower => "a decrease",
    };
    let observed = format!(
        "{}: estimate {}, {}% CI {} to {}, p {} ({}, {})",
        comparison.contrast,
        sig(e.estimate),
        sig(100.0 * e.conf_level),
        sig(e.conf_low),
        sig(e.conf_high),
        p_text(e.p_value),
        if right_way {
            format!("{way}, the beneficial direction")
        } else {
            format!("not {way}, the beneficial direction")
        },
        if significant {
            format!("significant at α = {alpha}")
        } else {
            format!("not significant at α = {alpha}")
        },
    );
    (right_way && (significant || !required), observed)
}

fn level_two(plan: &Plan, headline: Option<(&Analysis, Direction, &Comparison)>) -> Vec<Criterion> {
    let data = Criterion {
        level: 2,
        id: "outcome_data",
        title: "Outcome data on those who received the intervention",
        status: if headline.is_some() { Status::Met } else { Status::NotMet },
        observed: match headline {
            Some((a, _, c)) => format!(
                "primary outcome `{}` analysed for {} units",
                a.flow.outcome,
                c.groups.iter().map(|g| g.n).max().unwrap_or(0)
            ),
            None => "no outcome data are analysed (the spec has no analysis section)".into(),
        },
        rule: "Level 2 needs outcome data on participants: declare an analysis section with the outcome data.".into(),
    };
    let change = match headline {
        None => Criterion {
            level: 2,
            id: "positive_change",
            title: "The data show positive change",
            status: Status::NotMet,
            observed: "no outcome data".into(),
            rule: "Level 2 needs the primary outcome to change in the beneficial direction.".into(),
        },
        Some((a, better, c)) if c.estimator == crate::spec::EstimatorKind::Mean => Criterion {
            level: 2,
            id: "positive_change",
            title: "The data show positive change",
            status: Status::NotMet,
            observed: format!(
                "only the outcome after the intervention is measured (mean {}); no change can be shown",
                sig(c.estimate.estimate)
            ),
            rule: format!(
                "Level 2 needs change shown: measure the outcome before as well (a before/after design), aiming for {}.",
                if better == Direction::Higher {
                    "an increase"
                } else {
                    "a decrease"
                }
            ) + &format!(" α = {}.", a.alpha),
        },
        Some((a, better, c)) => {
            let (ok, observed) = beneficial(plan, better, c, a.alpha);
            Criterion {
                level: 2,
                id: "positive_change",
                title: "The data show positive change",
                status: if ok { Status::Met } else { Status::NotMet },
                observed,
                rule: significance_rule(plan, 2),
            }
        }
    };
    vec![data, change]
}

fn significance_rule(plan: &Plan, level: u8) -> String {
    let what = if level == 2 {
        "change in the primary outcome"
    } else {
        "the primary effect against the comparison group"
    };
    if plan.evidence.thresholds.require_significance {
        format!(
            "Level {level} needs {what} in the beneficial direction and statistically significant."
        )
    } else {
        format!(
            "Level {level} needs {what} in the beneficial direction (significance not required by the spec)."
        )
    }
}

fn level_three(
    plan: &Plan,
    analysis: Option<&Analysis>,
    headline: Option<(Direction, &Comparison)>,
) -> Vec<Criterion> {
    let kind = plan.design.kind();
    let thresholds = &plan.evidence.thresholds;
    let mut out = Vec::new();
    out.push(Criterion {
        level: 3,
        id: "comparison_group",
        title: "A control or comparison group",
        status: if kind.has_comparison_group() { Status::Met } else { Status::NotMet },
        observed: format!("the design is a {}", kind.label()),
        rule: "Level 3 needs a control or comparison group: a randomised trial, or a well-matched comparison group."
            .into(),
    });
    let Some(analysis) = analysis.filter(|_| kind.has_comparison_group()) else {
        return out;
    };
    if let Some((better, comparison)) = headline {
        let (ok, observed) = beneficial(plan, better, comparison, analysis.alpha);
        out.push(Criterion {
            level: 3,
            id: "causal_effect",
            title: "Less impact among those who did not receive it",
            status: if ok { Status::Met } else { Status::NotMet },
            observed,
            rule: significance_rule(plan, 3),
        });
    }
    // Attrition: a randomised comparison's integrity (WWC); quasi-experiments are judged
    // on baseline equivalence instead.
    let mut high_attrition = false;
    if kind.is_randomised() {
        let arms = &analysis.flow.arms;
        let allocated: Option<Vec<usize>> = arms.iter().map(|a| a.allocated).collect();
        let criterion = match allocated {
            Some(allocated) if allocated.iter().sum::<usize>() > 0 => {
                let total_allocated: usize = allocated.iter().sum();
                let total_analysed: usize = arms.iter().map(|a| a.analysed).sum();
                let overall = 100.0 * (1.0 - total_analysed as f64 / total_allocated as f64);
                let rates: Vec<f64> = arms.iter().filter_map(|a| a.attrition()).map(|r| 100.0 * r).collect();
                let differential = rates.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
                    - rates.iter().cloned().fold(f64::INFINITY, f64::min);
                let check = check_attrition(overall, differential, thresholds.attrition_boundary);
                high_attrition = !check.low;
                Criterion {
                    level: 3,
                    id: "attrition",
                    title: "Low attrition",
                    status: if check.low { Status::Met } else { Status::NotMet },
                    observed: format!(
                        "overall attrition {}%, differential {} percentage points (largest acceptable at this rate: {})",
                        sig(overall),
                        sig(differential),
                        check.max_differential.map_or("none, attrition is high at this rate".into(), |m| format!("{} points", sig(m)))
                    ),
                    rule: format!(
                        "Level 3 needs low attrition by the What Works Clearinghouse {} boundary.",
                        match thresholds.attrition_boundary {
                            crate::spec::AttritionBoundary::Cautious => "cautious",
                            crate::spec::AttritionBoundary::Optimistic => "optimistic",
                        }
                    ),
                }
            }
            _ => Criterion {
                level: 3,
                id: "attrition",
                title: "Low attrition",
                status: Status::NotMet,
                observed: "allocation counts are unknown, so attrition cannot be measured".into(),
                rule: "Level 3 needs attrition measured: declare design.units with the arm column of the allocation."
                    .into(),
            },
        };
        out.push(criterion);
    }
    // Baseline equivalence (WWC): required for quasi-experiments and for randomised
    // trials with high attrition; shown for the others.
    let required = !kind.is_randomised() || high_attrition;
    let rows = &analysis.baseline;
    let worst = rows
        .iter()
        .max_by(|a, b| a.effect_size.abs().total_cmp(&b.effect_size.abs()));
    let failing: Vec<String> = rows
        .iter()
        .filter(|r| {
            let size = r.effect_size.abs();
            size > thresholds.balance_adjusted
                || (size > thresholds.balance_satisfied && !r.adjusted)
        })
        .map(|r| {
            let name = r
                .level
                .as_ref()
                .map_or(r.variable.clone(), |l| format!("{} = {l}", r.variable));
            format!(
                "{name} ({} {})",
                measure_name(r.measure),
                sig(r.effect_size)
            )
        })
        .collect();
    let (status, observed) = if rows.is_empty() {
        (
            if required {
                Status::NotMet
            } else {
                Status::NotApplicable
            },
            "no baseline covariates are declared".to_string(),
        )
    } else {
        let status = if !failing.is_empty() && required {
            Status::NotMet
        } else if required || failing.is_empty() {
            Status::Met
        } else {
            Status::NotApplicable
        };
        let worst = worst.expect("rows are not empty");
        let mut observed = format!(
            "{} baseline comparisons; largest difference {} {} on {}",
            rows.len(),
            measure_name(worst.measure),
            sig(worst.effect_size),
            worst.variable
        );
        if !failing.is_empty() {
            observed.push_str(&format!("; outside the threshold: {}", failing.join(", ")));
        }
        (status, observed)
    };
    out.push(Criterion {
        level: 3,
        id: "baseline_equivalence",
        title: "Groups equivalent at baseline",
        status,
        observed,
        rule: format!(
            "{} baseline differences within |{}| (or within |{}| when the analysis adjusts for them), by the What Works Clearinghouse standard.",
            if required { "Level 3 needs" } else { "Randomisation with low attrition makes this informative only; when required it needs" },
            thresholds.balance_satisfied,
            thresholds.balance_adjusted
        ),
    });
    // Sufficiently large sample: the MDES at 80% power of the analysed sample.
    if let Some((_, comparison)) = headline {
        let ns: Vec<usize> = comparison.groups.iter().map(|g| g.n).collect();
        let e = &comparison.estimate;
        let mdes = mdes_from_standard_error(e.std_error, e.df, analysis.alpha, MDES_POWER)
            .filter(|_| comparison.outcome_sd > 0.0)
            .map(|m| m / comparison.outcome_sd);
        let ok = mdes.is_some_and(|m| m <= thresholds.max_mdes);
        out.push(Criterion {
            level: 3,
            id: "sample_size",
            title: "A sufficiently large sample",
            status: if ok { Status::Met } else { Status::NotMet },
            observed: match mdes {
                Some(m) => format!(
                    "the analysed sample ({}) can detect effects of {} SD with 80% power at α = {}, given the standard error of the analysis",
                    ns.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(" and "),
                    sig(m),
                    analysis.alpha
                ),
                None => "the sample is too small to compute a minimum detectable effect".into(),
            },
            rule: format!(
                "Level 3 needs a minimum detectable effect of at most {} SD (80% power; MDES = (t(1 − α/2, df) + t(0.8, df)) × SE / SD), per evidence.thresholds.max_mdes.",
                thresholds.max_mdes
            ),
        });
    }
    out
}

fn level_four(plan: &Plan) -> Vec<Criterion> {
    let evaluations = &plan.evidence.independent_evaluations;
    let positive = evaluations
        .iter()
        .filter(|e| e.finding == Finding::Positive)
        .count();
    let contrary = evaluations.len() - positive;
    vec![
        Criterion {
            level: 4,
            id: "independent_replication",
            title: "Confirmed by an independent replication",
            status: if positive >= 1 && contrary == 0 { Status::Met } else { Status::NotMet },
            observed: if evaluations.is_empty() {
                "no independent evaluation is declared".into()
            } else {
                format!("{} independent evaluation(s) declared: {positive} positive, {contrary} null or negative", evaluations.len())
            },
            rule: "Level 4 needs at least one independent evaluation with a consistent, positive finding and none contrary."
                .into(),
        },
        Criterion {
            level: 4,
            id: "cost_data",
            title: "Impact at reasonable cost",
            status: if plan.evidence.cost_data { Status::Met } else { Status::NotMet },
            observed: if plan.evidence.cost_data { "cost data are declared".into() } else { "no cost data are declared".into() },
            rule: "Level 4 needs cost data (evidence.cost_data).".into(),
        },
    ]
}

fn level_five(plan: &Plan) -> Vec<Criterion> {
    let sites = plan.evidence.sites.unwrap_or(0);
    vec![
        Criterion {
            level: 5,
            id: "multiple_sites",
            title: "Positive results at several sites or deliverers",
            status: if sites >= MIN_SITES {
                Status::Met
            } else {
                Status::NotMet
            },
            observed: format!("{sites} site(s) with positive results declared"),
            rule: format!(
                "Level 5 needs positive results at {MIN_SITES} or more sites (evidence.sites)."
            ),
        },
        Criterion {
            level: 5,
            id: "manualised",
            title: "Manuals, systems and procedures for consistent replication",
            status: if plan.evidence.manualised {
                Status::Met
            } else {
                Status::NotMet
            },
            observed: if plan.evidence.manualised {
                "delivery is manualised".into()
            } else {
                "manualised delivery is not declared".into()
            },
            rule: "Level 5 needs manualised delivery (evidence.manualised).".into(),
        },
    ]
}

fn measure_name(measure: BalanceMeasure) -> &'static str {
    match measure {
        BalanceMeasure::HedgesG => "Hedges' g",
        BalanceMeasure::CoxIndex => "Cox index",
    }
}

/// A number to three significant figures for sentences (full precision lives in JSON).
pub(crate) fn sig(x: f64) -> String {
    crate::report::format::significant(x, 3)
}

/// "= 0.042" or "< 0.001", to follow a "p".
fn p_text(p: f64) -> String {
    let text = crate::report::format::p_value(p);
    if text.starts_with('<') {
        text
    } else {
        format!("= {text}")
    }
}
