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

use crate::designs::did::DidFit;
use crate::designs::its::{ErrorModel, ItsFit};

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
                crate::report::format::shortest(facts.durbin_watson),
                crate::report::format::shortest(rules.min_durbin_watson)
            ),
            ErrorModel::PraisWinsten => format!(
                "Residual autocorrelation remains after the AR(1) correction (Ljung–Box p = {}).",
                crate::report::format::shortest(facts.ljung_box_p)
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
                crate::report::format::shortest(p.statistic),
                p.df1,
                p.df2,
                crate::report::format::shortest(p.p_value),
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
