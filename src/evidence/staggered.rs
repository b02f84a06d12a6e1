//! Nesta criteria of a staggered roll-out (evidence-rules.md: "graded as DiD, level 3,
//! when pre-period event-study estimates support parallel trends; a randomised
//! stepped-wedge roll-out grades as an RCT").
//!
//! Level 2 needs a post-treatment change to have been estimated. Level 3 needs a
//! credible comparison (never- or not-yet-treated units for every post-treatment
//! cell used), parallel pre-trends (the joint Wald test of the pre-treatment
//! event-time effects not rejected at the evidence alpha; not applicable when the
//! timing was randomised, as in a stepped-wedge trial), a sample large enough (MDES
//! of the headline effect in outcome SDs at most `max_mdes`) and, when required, a
//! beneficial effect significant at the evidence alpha. The headline is the
//! cohort-weighted overall ATT (did's "group" aggregation).

use super::{Criterion, Status};
use crate::designs::staggered::StaggeredAnalysis;
use crate::power::mdes_from_standard_error;
use crate::report::format::{count, p_value, significant};
use crate::spec::{Direction, Thresholds};

/// What the staggered criteria need beside the analysis.
#[derive(Debug, Clone, Copy)]
pub struct StaggeredGradeInput<'a> {
    pub better: Direction,
    pub thresholds: &'a Thresholds,
    /// Whether the crossover times were randomised (a stepped-wedge trial).
    pub randomised_timing: bool,
    /// SD of the outcome in the first period, for the MDES in SD units.
    pub outcome_sd: f64,
}

const DIGITS: usize = 3;

/// The level 2 and level 3 criteria of a staggered design.
pub fn criteria(analysis: &StaggeredAnalysis, input: &StaggeredGradeInput<'_>) -> Vec<Criterion> {
    let (estimate, se) = analysis.overall.cohort_weighted;
    let alpha = input.thresholds.alpha;
    let mut out = Vec::new();
    out.push(Criterion {
        level: 2,
        id: "staggered_change",
        title: "Change after roll-out measured",
        status: if estimate.is_finite() {
            Status::Met
        } else {
            Status::NotMet
        },
        observed: format!(
            "{} cohort(s) observed before and after they were first treated; overall effect {}",
            count(analysis.cohorts.len()),
            significant(estimate, DIGITS)
        ),
        rule: "an effect of the roll-out is estimated from each cohort's own change".into(),
    });
    let unestimated = analysis
        .cells
        .iter()
        .filter(|c| c.post && c.att.is_none())
        .count();
    let comparison_ok = analysis.n_never_treated > 0 || unestimated == 0;
    out.push(Criterion {
        level: 3,
        id: "staggered_comparison",
        title: "Credible comparison group",
        status: if comparison_ok {
            Status::Met
        } else {
            Status::NotMet
        },
        observed: format!(
            "comparison: {} ({} never treated); {} post-treatment cell(s) without comparison units",
            analysis.settings.comparison.label(),
            count(analysis.n_never_treated),
            count(unestimated)
        ),
        rule:
            "every cohort is compared with units not (yet) treated, never with already-treated ones"
                .into(),
    });
    out.push(match (&analysis.pre_trend, input.randomised_timing) {
        (_, true) => Criterion {
            level: 3,
            id: "staggered_pre_trends",
            title: "Parallel pre-trends",
            status: Status::NotApplicable,
            observed: "crossover times were randomised (stepped-wedge): comparability comes from randomisation, graded as a randomised trial".into(),
            rule: "pre-treatment event-time effects jointly zero (Wald test) for non-randomised timing".into(),
        },
        (Some(test), false) => Criterion {
            level: 3,
            id: "staggered_pre_trends",
            title: "Parallel pre-trends",
            status: if test.p_value >= alpha { Status::Met } else { Status::NotMet },
            observed: format!(
                "pre-trend test: Wald χ² = {} on {} df, p = {}",
                significant(test.statistic, DIGITS),
                test.df,
                p_value(test.p_value)
            ),
            rule: format!(
                "pre-treatment event-time effects jointly zero: p ≥ {}",
                significant(alpha, DIGITS)
            ),
        },
        (None, false) => Criterion {
            level: 3,
            id: "staggered_pre_trends",
            title: "Parallel pre-trends",
            status: Status::NotAssessed,
            observed: "no cohort has two or more pre-treatment periods, so trends before roll-out cannot be compared".into(),
            rule: "pre-treatment event-time effects jointly zero (Wald test)".into(),
        },
    });
    let mdes = (input.outcome_sd > 0.0)
        .then(|| mdes_from_standard_error(se, f64::INFINITY, alpha, 0.8))
        .flatten()
        .map(|m| m / input.outcome_sd);
    out.push(Criterion {
        level: 3,
        id: "staggered_sample",
        title: "Sufficiently large sample",
        status: match mdes {
            Some(m) if m <= input.thresholds.max_mdes => Status::Met,
            Some(_) => Status::NotMet,
            None => Status::NotAssessed,
        },
        observed: mdes.map_or_else(
            || "the outcome does not vary in the first period, so the MDES in SD units is undefined".into(),
            |m| format!("MDES of the overall effect: {} SD ({} units)", significant(m, DIGITS), count(analysis.n_units)),
        ),
        rule: format!(
            "MDES at 80% power at most {} SD",
            significant(input.thresholds.max_mdes, DIGITS)
        ),
    });
    let z = crate::stats::distributions::normal::quantile(1.0 - alpha / 2.0).unwrap_or(f64::NAN);
    let signed = match input.better {
        Direction::Higher => estimate,
        Direction::Lower => -estimate,
    };
    let beneficial = signed > 0.0;
    let significant_effect = signed / se > z;
    out.push(Criterion {
        level: 3,
        id: "staggered_effect",
        title: "Beneficial effect",
        status: match (
            input.thresholds.require_significance,
            beneficial,
            significant_effect,
        ) {
            (true, _, true) | (false, true, _) => Status::Met,
            _ => Status::NotMet,
        },
        observed: format!(
            "overall effect {} (95% CI {} to {})",
            significant(estimate, DIGITS),
            significant(estimate - z * se, DIGITS),
            significant(estimate + z * se, DIGITS)
        ),
        rule: if input.thresholds.require_significance {
            format!(
                "beneficial and significant at {}",
                significant(alpha, DIGITS)
            )
        } else {
            "beneficial in direction".into()
        },
    });
    out
}

/// The criteria of a staggered roll-out whose panel is not analysed yet (plan and
/// protocol reports): the same criteria, each waiting for the data.
pub(crate) fn not_analysed(plan: &crate::spec::Plan) -> Vec<Criterion> {
    let thresholds = &plan.evidence.thresholds;
    let waiting = |level: u8, id: &'static str, title: &'static str, rule: String| Criterion {
        level,
        id,
        title,
        status: Status::NotAssessed,
        observed: "no outcome data are analysed yet (analysis.data)".into(),
        rule,
    };
    vec![
        waiting(
            2,
            "staggered_change",
            "Change after roll-out measured",
            "an effect of the roll-out is estimated from each cohort's own change".into(),
        ),
        waiting(
            3,
            "staggered_comparison",
            "Credible comparison group",
            "every cohort is compared with units not (yet) treated, never with already-treated ones".into(),
        ),
        waiting(
            3,
            "staggered_pre_trends",
            "Parallel pre-trends",
            format!(
                "pre-treatment event-time effects jointly zero: p ≥ {}",
                significant(thresholds.alpha, DIGITS)
            ),
        ),
        waiting(
            3,
            "staggered_sample",
            "Sufficiently large sample",
            format!(
                "MDES at 80% power at most {} SD",
                significant(thresholds.max_mdes, DIGITS)
            ),
        ),
        waiting(
            3,
            "staggered_effect",
            "Beneficial effect",
            if thresholds.require_significance {
                format!(
                    "beneficial and significant at {}",
                    significant(thresholds.alpha, DIGITS)
                )
            } else {
                "beneficial in direction".into()
            },
        ),
    ]
}

/// The diagnostic that holds a staggered design below level 3, in words.
pub fn held_down_by(criteria: &[Criterion]) -> Option<String> {
    criteria
        .iter()
        .find(|c| c.level == 3 && !c.status.passes())
        .map(|c| format!("{} ({}): {}", c.title, c.status.label(), c.observed))
}

/// The staggered criteria of a spec's analysed roll-out, recording in `facts` what
/// the secondary ratings need (analysed, and the MDES when the outcome SD is known).
pub(crate) fn criteria_of(
    plan: &crate::spec::Plan,
    result: &crate::analysis::staggered::StaggeredRolloutResult,
    facts: &mut super::Facts,
) -> Vec<Criterion> {
    let better = plan
        .outcomes
        .first()
        .map_or(Direction::Higher, |o| o.spec.better);
    let input = StaggeredGradeInput {
        better,
        thresholds: &plan.evidence.thresholds,
        // Crossover times come from the data; a stepped-wedge allocation made by the
        // assign stage is not wired yet, so the timing is never treated as randomised.
        randomised_timing: false,
        outcome_sd: result.first_period_outcome_sd,
    };
    facts.analysed = true;
    let (_, se) = result.analysis.overall.cohort_weighted;
    facts.mdes = (input.outcome_sd > 0.0)
        .then(|| mdes_from_standard_error(se, f64::INFINITY, input.thresholds.alpha, 0.8))
        .flatten()
        .map(|m| m / input.outcome_sd);
    criteria(&result.analysis, &input)
}
