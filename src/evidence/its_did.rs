//! The level of evidence an interrupted time series or a difference-in-differences
//! analysis can reach, and the diagnostic that held it down (evidence-rules.md,
//! "Designs beyond RCT, matching and DiD").
//!
//! - ITS without a control series: a before/after design with a trend model, Nesta
//!   level 2 at most (SMS 1–2), whatever its diagnostics.
//! - Comparative ITS: can reach level 3 (SMS 3) unless it has fewer than
//!   [`CeilingRules::min_pre_periods`] periods before the intervention (the EPOC minimum
//!   is 3; a trend and seasonality need more) or residual autocorrelation the error
//!   model does not handle: Durbin–Watson below [`CeilingRules::min_durbin_watson`] with
//!   Newey–West (whose short lag under-covers then), or a Ljung–Box p below
//!   [`CeilingRules::alpha`] on the Prais–Winsten residuals (AR(1) is not enough).
//! - DiD: can reach level 3 (SMS 3) when the joint pre-trend test passes; a failed test,
//!   or a single pre-treatment period (parallel trends cannot be tested), holds it at 2.
//!
//! This is the design's ceiling; the main grader still applies its own criteria
//! (significance, sample size) below it.

use serde::Serialize;

use super::sms::SmsRating;
use super::{Criterion, Headline, Status, beneficial, not_assessed, significance_rule};
use crate::analysis::Analysis;
use crate::designs::did::DidFit;
use crate::designs::its::{ErrorModel, ItsFit};
use crate::report::format::shortest;
use crate::spec::{Design, Plan};

/// Defaults of the ceiling rules.
#[derive(Debug, Clone, Copy)]
pub struct CeilingRules {
    pub min_pre_periods: usize,
    pub min_durbin_watson: f64,
    pub alpha: f64,
}

impl Default for CeilingRules {
    fn default() -> Self {
        CeilingRules {
            min_pre_periods: 8,
            min_durbin_watson: 1.0,
            alpha: 0.05,
        }
    }
}

/// A diagnostic that can hold the grade down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HeldDownBy {
    NoControlSeries,
    PretrendTest,
    TooFewPeriods,
    Autocorrelation,
}

/// The highest Nesta level (and SMS score) the design's analysis allows, with the
/// reasons in words.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DesignCeiling {
    pub max_level: u8,
    pub sms: u8,
    pub held_down_by: Vec<HeldDownBy>,
    pub reasons: Vec<String>,
}

/// What the ITS rule looks at.
#[derive(Debug, Clone, Copy)]
pub struct ItsFacts {
    pub comparative: bool,
    pub n_pre: usize,
    pub error_model: ErrorModel,
    pub durbin_watson: f64,
    pub ljung_box_p: f64,
}

impl From<&ItsFit> for ItsFacts {
    fn from(fit: &ItsFit) -> Self {
        ItsFacts {
            comparative: fit.comparative,
            n_pre: fit.n_pre,
            error_model: fit.error_model,
            durbin_watson: fit.autocorrelation.durbin_watson,
            ljung_box_p: fit.autocorrelation.ljung_box.p_value,
        }
    }
}

/// The ceiling of an interrupted time series.
pub fn its_ceiling(facts: &ItsFacts, rules: &CeilingRules) -> DesignCeiling {
    let mut held = Vec::new();
    let mut reasons = Vec::new();
    if !facts.comparative {
        held.push(HeldDownBy::NoControlSeries);
        reasons.push(
            "An interrupted time series without a control series shows change but not its cause (something else may have changed at the same time): Nesta level 2 at most. A comparable control series would make it a comparative ITS, which can reach level 3."
                .to_string(),
        );
    }
    if facts.n_pre < rules.min_pre_periods {
        held.push(HeldDownBy::TooFewPeriods);
        reasons.push(format!(
            "Only {} periods before the intervention; at least {} are needed to trust the projected trend.",
            facts.n_pre, rules.min_pre_periods
        ));
    }
    let autocorrelated = match facts.error_model {
        ErrorModel::OlsHac => facts.durbin_watson < rules.min_durbin_watson,
        ErrorModel::PraisWinsten => facts.ljung_box_p < rules.alpha,
    };
    if autocorrelated {
        held.push(HeldDownBy::Autocorrelation);
        reasons.push(match facts.error_model {
            ErrorModel::OlsHac => format!(
                "Strong residual autocorrelation (Durbin–Watson {} < {}): Newey–West intervals are then too narrow; use error_model prais_winsten.",
                crate::report::format::significant(facts.durbin_watson, 3),
                crate::report::format::shortest(rules.min_durbin_watson)
            ),
            ErrorModel::PraisWinsten => format!(
                "Residual autocorrelation remains after the AR(1) correction (Ljung–Box p = {}).",
                crate::report::format::p_value(facts.ljung_box_p)
            ),
        });
    }
    let max_level = if held.is_empty() { 3 } else { 2 };
    DesignCeiling {
        max_level,
        sms: if facts.comparative && max_level == 3 {
            3
        } else {
            2
        },
        held_down_by: held,
        reasons,
    }
}

/// The ceiling of a difference-in-differences analysis.
pub fn did_ceiling(fit: &DidFit) -> DesignCeiling {
    match &fit.pretrend {
        Some(p) if p.passed => DesignCeiling {
            max_level: 3,
            sms: 3,
            held_down_by: Vec::new(),
            reasons: Vec::new(),
        },
        Some(p) => DesignCeiling {
            max_level: 2,
            sms: 2,
            held_down_by: vec![HeldDownBy::PretrendTest],
            reasons: vec![format!(
                "The pre-trend test failed (F = {} on {} and {} df, p = {} < {}): treated and comparison units were already diverging before the treatment, so the difference after it cannot be credited to the treatment.",
                crate::report::format::significant(p.statistic, 3),
                p.df1,
                p.df2,
                crate::report::format::p_value(p.p_value),
                crate::report::format::shortest(p.alpha)
            )],
        },
        None => DesignCeiling {
            max_level: 2,
            sms: 2,
            held_down_by: vec![HeldDownBy::TooFewPeriods],
            reasons: vec![
                "Only one period before the treatment: parallel trends cannot be tested. At least two pre-treatment periods are needed for level 3."
                    .to_string(),
            ],
        },
    }
}

/// Level-3 criteria of the designs over time, in place of the comparison-group
/// criteria of other designs (`None` for them).
pub(super) fn design_level_three(
    plan: &Plan,
    analysis: Option<&Analysis>,
    headline: Option<&Headline>,
) -> Option<Vec<Criterion>> {
    its_level_three(plan, analysis, headline).or_else(|| did_level_three(plan, analysis, headline))
}

/// The Maryland SMS rating of the designs over time, from their ceilings.
pub(super) fn design_sms(plan: &Plan, analysis: Option<&Analysis>, sms: &mut SmsRating) {
    its_sms(plan, analysis, sms);
    did_sms(plan, analysis, sms);
}

fn causal_effect(plan: &Plan, headline: Option<&Headline>) -> Criterion {
    match headline {
        None => not_assessed(
            3,
            "causal_effect",
            "Less impact among those who did not receive it",
            "no outcome data are analysed yet (analysis.data)",
            significance_rule(plan, 3),
        ),
        Some(h) => {
            let (ok, observed) = beneficial(plan, h);
            Criterion {
                level: 3,
                id: "causal_effect",
                title: "Less impact among those who did not receive it",
                status: if ok { Status::Met } else { Status::NotMet },
                observed,
                rule: significance_rule(plan, 3),
            }
        }
    }
}

/// Level-3 criteria of a difference-in-differences: comparison units never treated
/// (the design has them by construction), parallel trends before treatment (the joint
/// pre-trend test passes, which needs two or more periods before), and a beneficial,
/// significant DiD estimate.
fn did_level_three(
    plan: &Plan,
    analysis: Option<&Analysis>,
    headline: Option<&Headline>,
) -> Option<Vec<Criterion>> {
    let Design::DifferenceInDifferences(_) = &plan.design else {
        return None;
    };
    let did = analysis.and_then(|a| a.difference_in_differences.as_ref());
    let mut out = vec![Criterion {
        level: 3,
        id: "comparison_group",
        title: "A control or comparison group",
        status: Status::Met,
        observed: match did {
            Some(d) => {
                let fit = &d.series[0].fit;
                format!(
                    "{} treated units against {} comparison units never treated",
                    fit.n_treated_units,
                    fit.n_units - fit.n_treated_units
                )
            }
            None => "a difference-in-differences compares treated units with units never treated".to_string(),
        },
        rule: "Level 3 needs a control or comparison group: here, units never treated, followed over the same periods.".into(),
    }];
    let rule = "Level 3 needs the treated and comparison units to move in parallel before treatment: two or more periods before it, and a joint pre-trend test (every event-study lead zero) that does not reject.".to_string();
    out.push(match did {
        None => not_assessed(
            3,
            "parallel_trends",
            "Parallel trends before treatment",
            "no outcome data are analysed yet (analysis.data)",
            rule,
        ),
        Some(d) => {
            let fit = &d.series[0].fit;
            Criterion {
                level: 3,
                id: "parallel_trends",
                title: "Parallel trends before treatment",
                status: if d.ceiling.held_down_by.is_empty() {
                    Status::Met
                } else {
                    Status::NotMet
                },
                observed: match &fit.pretrend {
                    Some(p) if p.passed => format!(
                        "the pre-trend test passes: F = {} on {} and {} df, p = {} (level {})",
                        crate::report::format::significant(p.statistic, 3),
                        shortest(p.df1),
                        shortest(p.df2),
                        crate::report::format::p_value(p.p_value),
                        shortest(p.alpha)
                    ),
                    _ => d.ceiling.reasons.join(" "),
                },
                rule,
            }
        }
    });
    out.push(causal_effect(plan, headline));
    Some(out)
}

fn did_sms(plan: &Plan, analysis: Option<&Analysis>, sms: &mut SmsRating) {
    let Design::DifferenceInDifferences(_) = &plan.design else {
        return;
    };
    match analysis.and_then(|a| a.difference_in_differences.as_ref()) {
        Some(did) => {
            sms.level = did.ceiling.sms;
            sms.rule = if did.ceiling.sms >= 3 {
                "SMS 3: treated and comparison units compared before and after treatment, with parallel pre-treatment trends not rejected".to_string()
            } else {
                "SMS 2: treated and comparison units compared before and after, but parallel trends are not shown".to_string()
            };
            sms.figures = did.ceiling.reasons.clone();
        }
        None => {
            sms.level = 3;
            sms.rule = "SMS 3 at most: a difference-in-differences; the outcome data are not analysed yet, so this is the design's ceiling".to_string();
        }
    }
}

/// Level-3 criteria of an interrupted time series, in place of the comparison-group
/// criteria of other designs (`None` for them): a control series, the design's
/// diagnostics (its ceiling), and a beneficial, significant level change relative to
/// the control series.
fn its_level_three(
    plan: &Plan,
    analysis: Option<&Analysis>,
    headline: Option<&Headline>,
) -> Option<Vec<Criterion>> {
    let Design::InterruptedTimeSeries(settings) = &plan.design else {
        return None;
    };
    let mut out = vec![Criterion {
        level: 3,
        id: "comparison_group",
        title: "A control or comparison group",
        status: if settings.control.is_some() { Status::Met } else { Status::NotMet },
        observed: match &settings.control {
            Some(c) => format!("a comparative interrupted time series: the series is compared with the control series `{c}`"),
            None => "an interrupted time series without a control series".to_string(),
        },
        rule: "Level 3 needs a comparison: for an interrupted time series, a control series measured over the same periods (a comparative ITS, design.interrupted_time_series.control).".into(),
    }];
    if settings.control.is_none() {
        return Some(out);
    }
    let rules = CeilingRules::default();
    let diagnostics_rule = format!(
        "Level 3 needs at least {} periods before the intervention and no residual autocorrelation the error model misses (Durbin–Watson at least {} with Newey–West; Ljung–Box p at least {} after Prais–Winsten).",
        rules.min_pre_periods,
        shortest(rules.min_durbin_watson),
        shortest(rules.alpha)
    );
    let its = analysis.and_then(|a| a.interrupted_time_series.as_ref());
    out.push(match its {
        None => not_assessed(
            3,
            "design_diagnostics",
            "The time series diagnostics pass",
            "no outcome data are analysed yet (analysis.data)",
            diagnostics_rule,
        ),
        Some(its) => {
            let failed: Vec<&String> = its
                .ceiling
                .held_down_by
                .iter()
                .zip(&its.ceiling.reasons)
                .filter(|(h, _)| **h != HeldDownBy::NoControlSeries)
                .map(|(_, r)| r)
                .collect();
            Criterion {
                level: 3,
                id: "design_diagnostics",
                title: "The time series diagnostics pass",
                status: if failed.is_empty() {
                    Status::Met
                } else {
                    Status::NotMet
                },
                observed: if failed.is_empty() {
                    match (its.series.first(), &its.by_series) {
                        (Some(series), _) => {
                            let fit = &series.fit;
                            format!(
                                "{} periods before the intervention; Durbin–Watson {}; Ljung–Box p = {}",
                                fit.n_pre,
                                crate::report::format::significant(
                                    fit.autocorrelation.durbin_watson,
                                    3
                                ),
                                crate::report::format::p_value(
                                    fit.autocorrelation.ljung_box.p_value
                                )
                            )
                        }
                        (None, Some(many)) => format!(
                            "the diagnostics pass in every one of the {} fitted series",
                            many.n_fitted
                        ),
                        (None, None) => String::new(),
                    }
                } else {
                    failed
                        .iter()
                        .map(|r| r.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                },
                rule: diagnostics_rule,
            }
        }
    });
    out.push(causal_effect(plan, headline));
    Some(out)
}

/// The Maryland SMS rating of an interrupted time series, from its ceiling: 3 for a
/// comparative ITS whose diagnostics pass, otherwise 2 at most (1 before the data are
/// analysed without a control series).
fn its_sms(plan: &Plan, analysis: Option<&Analysis>, sms: &mut SmsRating) {
    let Design::InterruptedTimeSeries(settings) = &plan.design else {
        return;
    };
    match analysis.and_then(|a| a.interrupted_time_series.as_ref()) {
        Some(its) => {
            sms.level = its.ceiling.sms;
            sms.rule = if its.ceiling.sms >= 3 {
                "SMS 3: a comparative interrupted time series (before and after, against a control series) whose diagnostics pass".to_string()
            } else {
                format!(
                    "SMS 2: an interrupted time series {}",
                    if settings.control.is_some() {
                        "with a control series, held down by its diagnostics"
                    } else {
                        "without a control series: change against the projected trend, not its cause"
                    }
                )
            };
            sms.figures = its.ceiling.reasons.clone();
        }
        None => {
            sms.level = if settings.control.is_some() { 3 } else { 2 };
            sms.rule = format!(
                "SMS {} at most: an interrupted time series{}; the outcome data are not analysed yet, so this is the design's ceiling",
                sms.level,
                if settings.control.is_some() {
                    " with a control series"
                } else {
                    ""
                }
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(comparative: bool, n_pre: usize, dw: f64) -> ItsFacts {
        ItsFacts {
            comparative,
            n_pre,
            error_model: ErrorModel::OlsHac,
            durbin_watson: dw,
            ljung_box_p: 0.5,
        }
    }

    #[test]
    fn its_without_a_control_series_stops_at_level_two() {
        let c = its_ceiling(&facts(false, 36, 1.9), &CeilingRules::default());
        assert_eq!((c.max_level, c.sms), (2, 2));
        assert_eq!(c.held_down_by, vec![HeldDownBy::NoControlSeries]);
        assert!(c.reasons[0].contains("level 2 at most"));
    }

    #[test]
    fn comparative_its_reaches_level_three_unless_a_diagnostic_fails() {
        let rules = CeilingRules::default();
        assert_eq!(its_ceiling(&facts(true, 36, 1.9), &rules).max_level, 3);
        let short = its_ceiling(&facts(true, 5, 1.9), &rules);
        assert_eq!(
            (short.max_level, short.held_down_by.clone()),
            (2, vec![HeldDownBy::TooFewPeriods])
        );
        let auto = its_ceiling(&facts(true, 36, 0.7), &rules);
        assert_eq!(auto.held_down_by, vec![HeldDownBy::Autocorrelation]);
        let pw = its_ceiling(
            &ItsFacts {
                error_model: ErrorModel::PraisWinsten,
                ljung_box_p: 0.01,
                ..facts(true, 36, 0.7)
            },
            &rules,
        );
        assert_eq!(pw.held_down_by, vec![HeldDownBy::Autocorrelation]);
    }
}
