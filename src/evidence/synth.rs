//! Grading a synthetic control (evidence-rules.md, "Designs beyond RCT"): graded as
//! DiD-like. Level 3 needs a good pre-period fit, a donor pool large enough for the
//! placebo rank p-value to fall below the evidence alpha, and the placebo-in-space
//! p-value at or below it; the report names the diagnostic that held the grade down.
//!
//! # Rules
//! - Pre-period fit: the pre-period RMSPE is at most `good_fit_ratio` (default 0.25)
//!   times the treated unit's pre-period outcome SD (a pre-period R² of at least
//!   1 − 0.25² ≈ 0.94), and the treated unit is inside the donors' range in every
//!   pre-period (Abadie 2021: a synthetic control cannot reach a unit outside the
//!   convex hull). A poor fit caps the study at level 2.
//! - Placebo power: with J placebos kept the smallest possible rank p-value is
//!   1/(J + 1); when it is above alpha no result can be significant, so level 3 is out
//!   of reach whatever the data show.
//! - Placebo p-value: the treated unit's post/pre RMSPE ratio ranked among the
//!   placebos' (Abadie, Diamond and Hainmueller 2010), at or below alpha.

use super::padlocks::padlocks;
use super::sms::SmsRating;
use super::{Criterion, Facts, Grade, Status, level_five, level_four, reached, theory_of_change};
use crate::designs::synth::SynthResult;
use crate::report::format::{count, p_value, significant};
use crate::spec::{Design, DesignKind, Plan};

const DIGITS: usize = 3;

/// The grade of a synthetic-control study; `None` before the panel is analysed
/// (protocol and plan reports), which assesses the design's reach only.
pub fn grade(plan: &Plan, result: Option<&SynthResult>) -> Grade {
    let Design::SyntheticControl { settings, .. } = &plan.design else {
        unreachable!("synth::grade is called for synthetic-control designs only")
    };
    let alpha = plan.evidence.thresholds.alpha;
    let mut criteria = vec![theory_of_change(plan)];
    criteria.push(Criterion {
        level: 2,
        id: "outcome_series",
        title: "Outcome data on the treated unit before and after",
        status: if result.is_some() {
            Status::Met
        } else {
            Status::NotAssessed
        },
        observed: match result {
            Some(r) => format!(
                "{} pre-periods and {} post-periods of {} for {}",
                count(r.n_pre),
                count(r.periods.len() - r.n_pre),
                r.outcome,
                r.treated
            ),
            None => "the panel is not analysed yet".into(),
        },
        rule:
            "Level 2 needs the treated unit's outcome measured before and after the intervention."
                .into(),
    });
    let fit_rule = format!(
        "Level 3 needs a good pre-period fit: the pre-period RMSPE at most {} times the treated unit's pre-period outcome SD (design.synthetic_control.good_fit_ratio), and the treated unit inside the donors' range in every pre-period; a poor fit caps the study at level 2.",
        significant(settings.good_fit_ratio, DIGITS)
    );
    criteria.push(match result {
        Some(r) => {
            let outside = r.convex_hull.periods_above_all + r.convex_hull.periods_below_all;
            let good = r.fit_ratio <= settings.good_fit_ratio && outside == 0;
            Criterion {
                level: 3,
                id: "pre_period_fit",
                title: "A close pre-period fit",
                status: if good { Status::Met } else { Status::NotMet },
                observed: format!(
                    "pre-period RMSPE {} against a pre-period SD of {} (ratio {}){}",
                    significant(r.pre_rmspe, DIGITS),
                    significant(r.pre_sd, DIGITS),
                    significant(r.fit_ratio, DIGITS),
                    if outside > 0 {
                        format!(
                            "; the treated unit lies outside every donor in {} pre-period(s), so it is outside the donors' convex hull",
                            count(outside)
                        )
                    } else {
                        String::new()
                    }
                ),
                rule: fit_rule,
            }
        }
        None => Criterion {
            level: 3,
            id: "pre_period_fit",
            title: "A close pre-period fit",
            status: Status::NotAssessed,
            observed: "assessed when the panel is analysed".into(),
            rule: fit_rule,
        },
    });
    let donors = result
        .map(|r| r.placebo_space.kept)
        .or_else(|| (!settings.donors.is_empty()).then_some(settings.donors.len()));
    let power_rule = format!(
        "Level 3 needs a donor pool large enough for the placebo rank p-value to reach alpha = {}: with J placebos the smallest possible p is 1/(J + 1), so J must be at least {}.",
        significant(alpha, DIGITS),
        (1.0 / alpha - 1.0).ceil()
    );
    criteria.push(match donors {
        Some(j) => {
            let min_p = 1.0 / (j as f64 + 1.0);
            Criterion {
                level: 3,
                id: "placebo_power",
                title: "Enough donors for placebo inference",
                status: if min_p <= alpha {
                    Status::Met
                } else {
                    Status::NotMet
                },
                observed: if min_p <= alpha {
                    format!(
                        "{} placebos: the smallest possible p-value is {}",
                        count(j),
                        p_value(min_p)
                    )
                } else {
                    format!(
                        "{} placebos: the smallest possible p-value is {}, above alpha, so the design cannot reach level 3",
                        count(j),
                        p_value(min_p)
                    )
                },
                rule: power_rule,
            }
        }
        None => Criterion {
            level: 3,
            id: "placebo_power",
            title: "Enough donors for placebo inference",
            status: Status::NotAssessed,
            observed: "the donor pool is known when the panel is read".into(),
            rule: power_rule,
        },
    });
    let p_rule = format!(
        "Level 3 needs the placebo-in-space p-value (the treated unit's post/pre RMSPE ratio ranked among the placebos') at or below alpha = {}.",
        significant(alpha, DIGITS)
    );
    criteria.push(match result {
        Some(r) => Criterion {
            level: 3,
            id: "placebo_p_value",
            title: "An effect beyond the placebo distribution",
            status: if r.placebo_space.p_value <= alpha {
                Status::Met
            } else {
                Status::NotMet
            },
            observed: format!(
                "the treated unit ranks {} of {} (p = {}){}",
                count(r.placebo_space.rank),
                count(r.placebo_space.kept + 1),
                p_value(r.placebo_space.p_value),
                r.placebo_space
                    .drop_over
                    .map(|k| format!(
                        "; placebos with a pre-period RMSPE over {} times the treated unit's are left out",
                        significant(k, DIGITS)
                    ))
                    .unwrap_or_default()
            ),
            rule: p_rule,
        },
        None => Criterion {
            level: 3,
            id: "placebo_p_value",
            title: "An effect beyond the placebo distribution",
            status: Status::NotAssessed,
            observed: "assessed when the panel is analysed".into(),
            rule: p_rule,
        },
    });
    criteria.extend(level_four(plan, None));
    criteria.extend(level_five(plan));
    let (level, summary, next_level_needs) = reached(&criteria);
    let facts = Facts {
        kind: Some(DesignKind::SyntheticControl),
        preregistration: super::Preregistration::of(plan),
        analysed: result.is_some(),
        ..Facts::default()
    };
    Grade {
        framework: "Nesta Standards of Evidence (Puttick and Ludlow 2013)",
        level,
        target_level: plan.evidence.target_level,
        summary,
        next_level_needs,
        graded_contrast: result.map(|r| format!("{} vs synthetic {}", r.treated, r.treated)),
        contrast_levels: Vec::new(),
        evidence_alpha: alpha,
        sms: sms(&criteria, result.is_some()),
        padlocks: padlocks(&facts),
        criteria,
    }
}

/// Maryland SMS 3 (before/after with a comparison shown comparable) when the
/// pre-period fit is good and placebo inference is reported; 2 otherwise (a
/// comparison with controls whose comparability is not shown).
fn sms(criteria: &[Criterion], analysed: bool) -> SmsRating {
    let fit = criteria.iter().find(|c| c.id == "pre_period_fit");
    let good = fit.is_some_and(|c| c.status == Status::Met);
    let (level, rule) = if !analysed {
        (
            3,
            "SMS 3 at most: before/after in the treated unit against a synthetic comparison built from untreated units; the panel is not analysed yet, so this is the design's ceiling",
        )
    } else if good {
        (
            3,
            "SMS 3: before/after in the treated unit and a synthetic comparison shown comparable by its pre-period fit, with placebo inference",
        )
    } else {
        (
            2,
            "SMS 2: a comparison with weighted controls whose pre-period fit does not show them comparable",
        )
    };
    SmsRating {
        framework: "Maryland Scientific Methods Scale (What Works Centre for Local Economic Growth)",
        level,
        rule: rule.into(),
        figures: fit.map(|c| vec![c.observed.clone()]).unwrap_or_default(),
        not_assessed: vec![
            "concurrent interventions in the treated area (not recorded in the spec)".into(),
        ],
    }
}
