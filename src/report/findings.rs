//! The summary of findings, design by design: each design supplies its headline
//! effect (estimate, interval, what was counted, what is compared with what, in
//! words) and the GRADE judgements its own diagnostics support, and one function turns
//! that into the rows of the summary table and the headline.
//!
//! - Arm comparisons (trials, matched comparisons, before/after, descriptive): each
//!   outcome's headline estimator per treatment arm, rated by the arm rule of
//!   `evidence::certainty::rate` (attrition, baseline equivalence, information size).
//! - Interrupted time series: the level change at the intervention against the
//!   pre-intervention trend projected forward (and the control series, when there is
//!   one), never the means of the modelled series; risk of bias from the design's
//!   ceiling (no control series, too few pre-periods, autocorrelation left in the
//!   residuals), imprecision from the interval and the periods either side.
//! - Difference-in-differences: the two-way fixed-effects estimate for the treated
//!   units after treatment against the comparison units' change; the outcome without
//!   the intervention is the treated units' post-treatment mean less the estimate.
//!   Risk of bias from the pre-trend test; imprecision from the interval and the units.
//! - Staggered roll-out: the cohort-weighted overall effect; risk of bias from the
//!   grade's pre-trend criterion.
//! - Regression discontinuity: the robust (bias-corrected) jump at the cut-off; risk
//!   of bias from the density, covariate-continuity and bandwidth checks;
//!   imprecision from the observations inside the bandwidth.
//!
//! A synthetic control has no confidence interval (its inference is by placebo
//! ranks), so it has no row here; its section states the gap, the fit and the rank.

use super::format::{Scale, count, shortest};
use super::model::FindingRow;
use super::words;
use crate::analysis::did::DidAnalysis;
use crate::analysis::its::ItsAnalysis;
use crate::analysis::rdd::RdAnalysis;
use crate::analysis::staggered::StaggeredRolloutResult;
use crate::analysis::{Analysis, Comparison, OutcomeResult};
use crate::designs::its::ErrorModel;
use crate::evidence::its_did::{CeilingRules, HeldDownBy, ItsFacts, did_ceiling, its_ceiling};
use crate::evidence::{FindingFacts, Grade, Sample, Status, rate_certainty, rate_design};
use crate::spec::{Direction, OutcomeRole, OutcomeType, Plan};
use crate::stats::estimate::Estimate;

/// The result a design's findings are read from.
enum DesignResult<'a> {
    Arms,
    Its(&'a ItsAnalysis),
    Did(&'a DidAnalysis),
    Staggered(&'a StaggeredRolloutResult),
    Rd(&'a RdAnalysis),
}

impl<'a> DesignResult<'a> {
    fn of(analysis: &'a Analysis) -> DesignResult<'a> {
        if let Some(its) = &analysis.interrupted_time_series {
            DesignResult::Its(its)
        } else if let Some(did) = &analysis.difference_in_differences {
            DesignResult::Did(did)
        } else if let Some(staggered) = &analysis.staggered_rollout {
            DesignResult::Staggered(staggered)
        } else if let Some(rd) = &analysis.regression_discontinuity {
            DesignResult::Rd(rd)
        } else {
            DesignResult::Arms
        }
    }
}

/// The outcome a design effect is about.
struct Outcome<'a> {
    label: &'a str,
    role: OutcomeRole,
    outcome_type: OutcomeType,
    better: Direction,
    unit: Option<&'a str>,
}

impl<'a> From<&'a OutcomeResult> for Outcome<'a> {
    fn from(o: &'a OutcomeResult) -> Self {
        Outcome {
            label: &o.label,
            role: o.role,
            outcome_type: o.outcome_type,
            better: o.better,
            unit: o.unit.as_deref(),
        }
    }
}

/// An effect with its interval and p-value.
struct Effect {
    estimate: f64,
    conf_low: f64,
    conf_high: f64,
    conf_level: f64,
    p_value: f64,
}

impl From<&Estimate> for Effect {
    fn from(e: &Estimate) -> Self {
        Effect {
            estimate: e.estimate,
            conf_low: e.conf_low,
            conf_high: e.conf_high,
            conf_level: e.conf_level,
            p_value: e.p_value,
        }
    }
}

/// What a design that is not an arm comparison supplies about one outcome.
struct DesignEffect<'a> {
    outcome: Outcome<'a>,
    /// What is compared with what, in a few words (the table's outcome cell and the
    /// forest plot's axis); the headline says it in full.
    contrast: String,
    without: Option<f64>,
    with: Option<f64>,
    effect: Effect,
    p_adjusted: Option<f64>,
    /// (group, count) in the order the design compares them, the untreated first.
    groups: Vec<(String, usize)>,
    /// What was analysed, in words ("60 monthly periods: 36 before, 24 after").
    analysed: String,
    /// The SD that report.json records with the row.
    outcome_sd: f64,
    /// The SD the width test reads (`None` for a series).
    width_sd: Option<f64>,
    sample: Sample,
    risks_of_bias: Vec<String>,
}

/// The rows of the summary of findings, primary outcome first.
pub(super) fn rows(plan: &Plan, analysis: &Analysis, grade: &Grade) -> Vec<FindingRow> {
    let effects = match DesignResult::of(analysis) {
        DesignResult::Arms => {
            return analysis
                .outcomes
                .iter()
                .flat_map(|o| arm_rows(plan, analysis, grade, o))
                .collect();
        }
        DesignResult::Its(its) => its_effects(analysis, its),
        DesignResult::Did(did) => did_effects(analysis, did),
        DesignResult::Staggered(staggered) => staggered_effects(plan, grade, staggered),
        DesignResult::Rd(rd) => rd_effects(analysis, rd),
    };
    effects.into_iter().map(|e| design_row(plan, e)).collect()
}

/// The headline: the primary finding in words, how certain it is, and the strength
/// of evidence, with no p-value (report.md).
pub(super) fn headline(
    plan: &Plan,
    analysis: Option<&Analysis>,
    primary: Option<&FindingRow>,
    evidence: &str,
) -> String {
    let Some(row) = primary else {
        return format!("{}: no outcome data analysed yet. {evidence}", plan.title);
    };
    let finding = match analysis.map(DesignResult::of) {
        Some(DesignResult::Its(its)) => its_sentence(row, its),
        Some(DesignResult::Staggered(staggered)) => super::staggered::headline(staggered),
        Some(DesignResult::Did(did)) => {
            let fit = &did.series[0].fit;
            format!(
                "{}, for the {} treated units after treatment against the change in the {} comparison units over the same periods: {}.",
                row.outcome,
                count(fit.n_treated_units),
                count(fit.n_units - fit.n_treated_units),
                row.in_words
            )
        }
        Some(DesignResult::Rd(rd)) => {
            let sides = RdSides::of(rd);
            format!(
                "{}, {}, comparing units with {} just {} with those just {}: {}.",
                row.outcome,
                if rd.design == "fuzzy" {
                    "the effect of treatment received for units that comply at the cut-off"
                } else {
                    "the jump at the cut-off"
                },
                rd.running,
                sides.treated.0,
                sides.untreated.0,
                row.in_words
            )
        }
        Some(DesignResult::Arms) | None => {
            let mut sentence = words::finding_sentence(row);
            if let Some(claim) = analysis.and_then(super::equivalence::headline_clause) {
                sentence.push(' ');
                sentence.push_str(&claim);
            }
            if let Some(clause) = analysis.and_then(super::interim::headline_clause) {
                sentence.push(' ');
                sentence.push_str(&clause);
            }
            sentence
        }
    };
    format!(
        "{finding} Certainty of this finding: {}. {evidence}",
        row.certainty.rating.label()
    )
}

/// A design effect as a row of the table, rated by the design's own judgements.
fn design_row(plan: &Plan, e: DesignEffect) -> FindingRow {
    let scale = Scale::of_outcome(e.outcome.outcome_type, e.outcome.unit);
    let facts = FindingFacts {
        scale,
        conf_low: e.effect.conf_low,
        conf_high: e.effect.conf_high,
        conf_level: e.effect.conf_level,
        outcome_sd: e.width_sd,
        sample: e.sample,
    };
    let certainty = rate_design(
        plan.design.kind().is_randomised(),
        e.risks_of_bias,
        plan.evidence.thresholds.max_mdes,
        &facts,
    );
    let mut row = FindingRow {
        outcome: e.outcome.label.to_string(),
        role: e.outcome.role,
        outcome_type: e.outcome.outcome_type,
        contrast: e.contrast,
        without: e.without,
        with: e.with,
        difference: e.effect.estimate,
        conf_low: e.effect.conf_low,
        conf_high: e.effect.conf_high,
        conf_level: e.effect.conf_level,
        p_value: e.effect.p_value,
        p_adjusted: e.p_adjusted,
        p_randomisation: None,
        risk_ratio: None,
        odds_ratio: None,
        n: e.groups.iter().map(|(_, n)| *n).collect(),
        groups: e.groups.into_iter().map(|(g, _)| g).collect(),
        beneficial: match e.outcome.better {
            Direction::Higher => e.effect.estimate > 0.0,
            Direction::Lower => e.effect.estimate < 0.0,
        },
        better: e.outcome.better,
        unit: e.outcome.unit.map(str::to_string),
        outcome_sd: e.outcome_sd,
        clusters: None,
        analysed: Some(e.analysed),
        in_words: String::new(),
        certainty,
    };
    row.in_words = words::difference(&row);
    row
}

/// The headline of an interrupted time series: the level change and the effect at
/// the furthest horizon inside the data, each against the projected trend.
fn its_sentence(row: &FindingRow, its: &ItsAnalysis) -> String {
    let fit = &its.series[0].fit;
    let mut text = format!(
        "{}, compared with the pre-intervention trend projected forward{}: at the intervention, {}",
        row.outcome,
        if fit.comparative {
            " and with the control series"
        } else {
            ""
        },
        words::difference(row)
    );
    if let Some(h) = fit.horizons.iter().rev().find(|h| h.within_data) {
        let mut at_horizon = row.clone();
        at_horizon.difference = h.effect.estimate;
        at_horizon.conf_low = h.effect.conf_low;
        at_horizon.conf_high = h.effect.conf_high;
        text.push_str(&format!(
            "; {} periods after it, {}",
            count(h.horizon),
            words::difference(&at_horizon)
        ));
    }
    text.push('.');
    text
}

/// The outcome result of `name` and its headline comparison.
fn outcome_of<'a>(
    analysis: &'a Analysis,
    name: &str,
) -> Option<(&'a OutcomeResult, Option<&'a Comparison>)> {
    let outcome = analysis.outcomes.iter().find(|o| o.outcome == name)?;
    Some((outcome, outcome.comparisons.first()))
}

/// One risk of bias a design's ceiling names, as a clause of the certainty's reason.
fn ceiling_clause(held: HeldDownBy, facts: Option<&ItsFacts>, pretrend_p: Option<f64>) -> String {
    let rules = CeilingRules::default();
    match held {
        HeldDownBy::NoControlSeries => "there is no control series, so a change from another cause at the same time would look the same".into(),
        HeldDownBy::TooFewPeriods => match facts {
            Some(f) => format!(
                "only {} periods before the intervention to project the trend from ({} or more are needed)",
                count(f.n_pre),
                count(rules.min_pre_periods)
            ),
            None => "there is only one period before treatment, so parallel trends cannot be tested".into(),
        },
        HeldDownBy::Autocorrelation => match facts {
            Some(f) if f.error_model == ErrorModel::PraisWinsten => format!(
                "residual autocorrelation remains after the AR(1) correction (Ljung–Box p = {})",
                super::format::p_value(f.ljung_box_p)
            ),
            Some(f) => format!(
                "strong residual autocorrelation (Durbin–Watson {}) makes the Newey–West interval too narrow",
                super::format::significant(f.durbin_watson, 3)
            ),
            None => "the residuals are autocorrelated".into(),
        },
        HeldDownBy::PretrendTest => format!(
            "the pre-trend test failed (p = {}): treated and comparison units were already diverging before treatment",
            pretrend_p.map_or("not known".into(), super::format::p_value)
        ),
    }
}

fn its_effects<'a>(analysis: &'a Analysis, its: &'a ItsAnalysis) -> Vec<DesignEffect<'a>> {
    its.series
        .iter()
        .filter_map(|series| {
            let (outcome, comparison) = outcome_of(analysis, &series.outcome)?;
            let fit = &series.fit;
            let facts = ItsFacts::from(fit);
            let ceiling = its_ceiling(&facts, &CeilingRules::default());
            let e = &fit.level_change;
            Some(DesignEffect {
                outcome: outcome.into(),
                contrast: if fit.comparative {
                    "level change vs trend and control series".into()
                } else {
                    "level change vs projected trend".into()
                },
                without: None,
                with: None,
                effect: e.into(),
                p_adjusted: comparison.and_then(|c| c.p_adjusted),
                groups: vec![
                    ("periods before".into(), fit.n_pre),
                    ("periods after".into(), fit.n_post),
                ],
                analysed: format!(
                    "{} periods: {} before, {} after{}",
                    count(fit.n_pre + fit.n_post + fit.n_transition),
                    count(fit.n_pre),
                    count(fit.n_post),
                    if fit.n_transition > 0 {
                        format!(", {} in transition left out", count(fit.n_transition))
                    } else {
                        String::new()
                    }
                ),
                outcome_sd: comparison.map_or(f64::NAN, |c| c.outcome_sd),
                width_sd: None,
                sample: Sample::Periods {
                    before: fit.n_pre,
                    after: fit.n_post,
                },
                risks_of_bias: ceiling
                    .held_down_by
                    .iter()
                    .map(|h| ceiling_clause(*h, Some(&facts), None))
                    .collect(),
            })
        })
        .collect()
}

fn did_effects<'a>(analysis: &'a Analysis, did: &'a DidAnalysis) -> Vec<DesignEffect<'a>> {
    did.series
        .iter()
        .filter_map(|series| {
            let (outcome, comparison) = outcome_of(analysis, &series.outcome)?;
            let fit = &series.fit;
            let e = &fit.estimate;
            // The treated units' mean over their rows after treatment starts; without
            // the intervention it would have been that less the estimate (the
            // comparison units' change added to the treated units' own start).
            let (sum, n) = fit
                .group_means
                .iter()
                .filter(|g| g.period >= fit.treatment_period)
                .filter_map(|g| {
                    g.treated_mean
                        .map(|m| (m * g.treated_n as f64, g.treated_n))
                })
                .fold((0.0, 0usize), |(s, n), (ms, gn)| (s + ms, n + gn));
            let with = (n > 0).then(|| sum / n as f64);
            let n_comparison = fit.n_units - fit.n_treated_units;
            let ceiling = did_ceiling(fit);
            let outcome_sd = comparison.map_or(f64::NAN, |c| c.outcome_sd);
            Some(DesignEffect {
                outcome: outcome.into(),
                contrast: "treated vs comparison, change after vs before".into(),
                without: with.map(|w| w - e.estimate),
                with,
                effect: e.into(),
                p_adjusted: comparison.and_then(|c| c.p_adjusted),
                groups: vec![
                    ("comparison".into(), n_comparison),
                    ("treated".into(), fit.n_treated_units),
                ],
                analysed: format!(
                    "{} units ({} treated, {} comparison) over {} periods, {} before treatment",
                    count(fit.n_units),
                    count(fit.n_treated_units),
                    count(n_comparison),
                    count(fit.n_periods),
                    count(fit.n_pre_periods)
                ),
                outcome_sd,
                width_sd: Some(outcome_sd),
                sample: Sample::Panel { units: fit.n_units },
                risks_of_bias: ceiling
                    .held_down_by
                    .iter()
                    .map(|h| ceiling_clause(*h, None, fit.pretrend.as_ref().map(|p| p.p_value)))
                    .collect(),
            })
        })
        .collect()
}

fn staggered_effects<'a>(
    plan: &'a Plan,
    grade: &Grade,
    s: &'a StaggeredRolloutResult,
) -> Vec<DesignEffect<'a>> {
    let Some(spec) = plan.outcomes.iter().find(|o| o.spec.name == s.outcome) else {
        return Vec::new();
    };
    let o = &s.overall;
    let conf_level = 1.0 - plan.analysis.as_ref().map_or(0.05, |a| a.alpha);
    let p_value = crate::stats::distributions::normal::sf((o.estimate / o.se).abs())
        .map_or(f64::NAN, |p| (2.0 * p).min(1.0));
    let pre_trends = grade
        .criteria
        .iter()
        .find(|c| c.id == "staggered_pre_trends");
    let risks_of_bias = match pre_trends.map(|c| c.status) {
        Some(Status::NotMet) => vec![format!(
            "the pre-trend test failed ({}): cohorts were already diverging from the comparison units before roll-out",
            s.pre_trend
                .as_ref()
                .map_or("p not known".into(), |p| format!("p = {}", super::format::p_value(p.p_value)))
        )],
        Some(Status::NotAssessed) => vec![
            "no cohort has two or more periods before roll-out, so parallel trends cannot be tested".into(),
        ],
        _ => Vec::new(),
    };
    let n_treated = s.n_units - s.n_never_treated;
    vec![DesignEffect {
        outcome: Outcome {
            label: &spec.label,
            role: spec.spec.role,
            outcome_type: spec.spec.outcome_type,
            better: spec.spec.better,
            unit: spec.spec.unit.as_deref(),
        },
        contrast: "treated vs not-yet and never-treated units".into(),
        without: None,
        with: None,
        effect: Effect {
            estimate: o.estimate,
            conf_low: o.ci_low,
            conf_high: o.ci_high,
            conf_level,
            p_value,
        },
        p_adjusted: None,
        groups: vec![
            ("never treated".into(), s.n_never_treated),
            ("treated".into(), n_treated),
        ],
        analysed: format!(
            "{} units ({} in {} cohorts, {} never treated) over {} periods",
            count(s.n_units),
            count(n_treated),
            count(s.cohorts.len()),
            count(s.n_never_treated),
            count(s.n_periods)
        ),
        outcome_sd: s.first_period_outcome_sd,
        width_sd: Some(s.first_period_outcome_sd),
        sample: Sample::Panel { units: s.n_units },
        risks_of_bias,
    }]
}

/// The two sides of a discontinuity's cut-off, named, with the observations inside
/// the bandwidth on each.
struct RdSides {
    untreated: (String, usize),
    treated: (String, usize),
}

impl RdSides {
    fn of(rd: &RdAnalysis) -> RdSides {
        let cutoff = shortest(rd.cutoff);
        let below = (format!("below {cutoff}"), rd.n_h_left);
        let above = (format!("at or above {cutoff}"), rd.n_h_right);
        if rd.treated == "above" {
            RdSides {
                untreated: below,
                treated: above,
            }
        } else {
            RdSides {
                untreated: above,
                treated: below,
            }
        }
    }
}

fn rd_effects<'a>(analysis: &'a Analysis, rd: &'a RdAnalysis) -> Vec<DesignEffect<'a>> {
    let Some((outcome, comparison)) = outcome_of(analysis, &rd.outcome) else {
        return Vec::new();
    };
    let r = &rd.robust;
    let RdSides {
        untreated: (untreated, n_untreated),
        treated: (treated, n_treated),
    } = RdSides::of(rd);
    let treated_above = rd.treated == "above";
    // The outcome just on the untreated side of the cut-off: the rate the binary
    // information size starts from.
    let untreated_level = if treated_above {
        rd.raw.estimate.coef_left.first()
    } else {
        rd.raw.estimate.coef_right.first()
    };
    let control_rate = (outcome.outcome_type == OutcomeType::Binary)
        .then(|| untreated_level.copied())
        .flatten();
    let outcome_sd = comparison.map_or(f64::NAN, |c| c.outcome_sd);
    vec![DesignEffect {
        outcome: outcome.into(),
        contrast: if rd.design == "fuzzy" {
            "effect of treatment received at the cut-off".into()
        } else {
            "jump at the cut-off".into()
        },
        without: None,
        with: None,
        effect: Effect {
            estimate: r.estimate,
            conf_low: r.conf_low,
            conf_high: r.conf_high,
            conf_level: analysis.conf_level,
            p_value: r.p_value,
        },
        p_adjusted: None,
        groups: vec![(untreated, n_untreated), (treated, n_treated)],
        analysed: format!(
            "{} observations within the bandwidth ({} on the treated side, {} on the other), of {}",
            count(n_treated + n_untreated),
            count(n_treated),
            count(n_untreated),
            count(rd.n_left + rd.n_right)
        ),
        outcome_sd,
        width_sd: Some(outcome_sd),
        sample: Sample::Units {
            n_analysed: n_treated + n_untreated,
            control_rate,
            groups: 2,
            counted: "observations lie within the bandwidth",
        },
        risks_of_bias: rd.held_down_by.clone(),
    }]
}

/// The arm comparison's rows of one outcome: its headline estimator, per treatment arm.
fn arm_rows(
    plan: &Plan,
    analysis: &Analysis,
    grade: &Grade,
    outcome: &OutcomeResult,
) -> Vec<FindingRow> {
    let headline_estimator = outcome.comparisons.first().map(|c| c.estimator);
    outcome
        .comparisons
        .iter()
        .filter(|c| Some(c.estimator) == headline_estimator)
        .map(|c| arm_row(plan, analysis, grade, outcome, c))
        .collect()
}

fn arm_row(
    plan: &Plan,
    analysis: &Analysis,
    grade: &Grade,
    outcome: &OutcomeResult,
    c: &Comparison,
) -> FindingRow {
    let e = &c.estimate;
    let (without, with) = match c.groups.as_slice() {
        [without, with] => (Some(without.mean), with.mean),
        [only] => (None, only.mean),
        _ => (None, f64::NAN),
    };
    let beneficial = match outcome.better {
        Direction::Higher => e.estimate > 0.0,
        Direction::Lower => e.estimate < 0.0,
    };
    // Cluster counts are recorded for the outcome the flow of units describes.
    let clusters = (analysis.flow.outcome == outcome.outcome)
        .then(|| {
            c.groups
                .iter()
                .map(|g| {
                    analysis
                        .flow
                        .arms
                        .iter()
                        .find(|a| a.arm == g.name)
                        .and_then(|a| a.clusters_analysed)
                })
                .collect::<Option<Vec<usize>>>()
        })
        .flatten();
    let scale = match outcome.outcome_type {
        OutcomeType::Binary => Scale::PercentagePoints,
        OutcomeType::Continuous => Scale::Unit(outcome.unit.as_deref()),
    };
    let facts = FindingFacts {
        scale,
        conf_low: e.conf_low,
        conf_high: e.conf_high,
        conf_level: e.conf_level,
        outcome_sd: Some(c.outcome_sd),
        sample: Sample::units(
            // A before/after design measures the same units twice.
            if plan.design.kind() == crate::spec::DesignKind::BeforeAfter {
                c.groups.iter().map(|g| g.n).max().unwrap_or(0)
            } else {
                c.groups.iter().map(|g| g.n).sum()
            },
            (outcome.outcome_type == OutcomeType::Binary)
                .then_some(without)
                .flatten(),
            c.groups.len(),
        ),
    };
    let certainty = rate_certainty(
        plan.design.kind(),
        grade,
        plan.evidence.thresholds.max_mdes,
        &facts,
    );
    let mut row = FindingRow {
        outcome: outcome.label.clone(),
        role: outcome.role,
        outcome_type: outcome.outcome_type,
        contrast: c.contrast.clone(),
        without,
        with: Some(with),
        difference: e.estimate,
        conf_low: e.conf_low,
        conf_high: e.conf_high,
        conf_level: e.conf_level,
        p_value: e.p_value,
        p_adjusted: c.p_adjusted,
        p_randomisation: c.randomisation.as_ref().map(|r| r.p_value),
        risk_ratio: c.risk_ratio.clone(),
        odds_ratio: c.odds_ratio.clone(),
        n: c.groups.iter().map(|g| g.n).collect(),
        groups: c.groups.iter().map(|g| g.name.clone()).collect(),
        beneficial,
        better: outcome.better,
        unit: outcome.unit.clone(),
        outcome_sd: c.outcome_sd,
        clusters,
        analysed: None,
        in_words: String::new(),
        certainty,
    };
    row.in_words = if row.without.is_some() {
        words::difference(&row)
    } else {
        words::finding_sentence(&row)
    };
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_held_down_diagnostic_reads_as_its_own_risk_of_bias() {
        let facts = ItsFacts {
            comparative: false,
            n_pre: 5,
            error_model: ErrorModel::OlsHac,
            durbin_watson: 0.71,
            ljung_box_p: 0.2,
        };
        let ceiling = its_ceiling(&facts, &CeilingRules::default());
        let clauses: Vec<String> = ceiling
            .held_down_by
            .iter()
            .map(|h| ceiling_clause(*h, Some(&facts), None))
            .collect();
        assert_eq!(
            clauses,
            [
                "there is no control series, so a change from another cause at the same time would look the same",
                "only 5 periods before the intervention to project the trend from (8 or more are needed)",
                "strong residual autocorrelation (Durbin–Watson 0.71) makes the Newey–West interval too narrow",
            ]
        );
        let prais = ItsFacts {
            error_model: ErrorModel::PraisWinsten,
            ljung_box_p: 0.012,
            ..facts
        };
        assert_eq!(
            ceiling_clause(HeldDownBy::Autocorrelation, Some(&prais), None),
            "residual autocorrelation remains after the AR(1) correction (Ljung–Box p = 0.012)"
        );
        assert_eq!(
            ceiling_clause(HeldDownBy::PretrendTest, None, Some(0.0031)),
            "the pre-trend test failed (p = 0.0031): treated and comparison units were already diverging before treatment"
        );
        assert_eq!(
            ceiling_clause(HeldDownBy::TooFewPeriods, None, None),
            "there is only one period before treatment, so parallel trends cannot be tested"
        );
    }
}
