//! The Maryland Scientific Methods Scale as the What Works Centre for Local Economic
//! Growth applies it: a secondary rating beside the Nesta level, with the rule that
//! gave it and the figures behind it.
//!
//! # Rules (docs/evidence.md)
//! - 5: explicit randomisation, comparability shown (baseline equivalence met, or not
//!   required and no difference outside the threshold) and attrition low by the WWC
//!   boundary (clusters and individuals).
//! - 4: randomisation with high or unmeasured attrition whose groups are still shown
//!   equivalent at baseline, or with low attrition but a baseline difference outside
//!   the threshold (the Centre lowers a score for poor execution).
//! - 2: a comparison with adequate controls or matching: a matched comparison group
//!   shown equivalent at baseline; also a randomised trial whose comparability could
//!   not be shown.
//! - 1: before/after without a comparison group, or a comparison whose groups are not
//!   shown comparable.
//! - 0 (below the scale): outcomes of participants measured once, no comparison.
//!
//! The engine has no difference-in-differences, instrumental-variable or
//! discontinuity design yet, so levels 3 and 4 of the scale are not reached by design
//! alone. Contamination, which level 5 also asks about, cannot be assessed from the
//! spec: the rating says so.

use serde::Serialize;

use super::{Facts, Status};
use crate::spec::DesignKind;

/// A Maryland SMS rating.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct SmsRating {
    pub framework: &'static str,
    /// 1 to 5; 0 when the design is below the scale.
    pub level: u8,
    /// The rule that gave the level, in words.
    pub rule: String,
    /// The figures the rule read.
    pub figures: Vec<String>,
    /// What the engine cannot check for this rating.
    pub not_assessed: Vec<String>,
}

/// Rates a study on the Maryland SMS from the Nesta criteria's findings.
pub(crate) fn sms(facts: &Facts) -> SmsRating {
    let balance_shown = matches!(facts.balance, Some(Status::Met));
    let balance_clean = matches!(facts.balance, Some(Status::Met | Status::NotApplicable))
        && !facts.balance_failing;
    let balance_words = match facts.balance {
        Some(Status::Met) => "groups shown equivalent at baseline",
        Some(Status::NotMet) => "a baseline difference outside the WWC threshold",
        Some(Status::NotAssessed) => "baseline equivalence not assessed",
        Some(Status::NotApplicable) if facts.balance_failing => {
            "a baseline difference outside the threshold (equivalence not required after randomisation with low attrition)"
        }
        Some(Status::NotApplicable) => "no baseline covariates declared",
        None => "no baseline comparison",
    };
    let attrition_words = match facts.attrition_low {
        Some(true) => "attrition low by the WWC boundary",
        Some(false) => "attrition high by the WWC boundary",
        None => "attrition not measured",
    };
    let mut figures = Vec::new();
    let mut not_assessed = Vec::new();
    let (level, rule) = match facts.kind {
        Some(DesignKind::Rct | DesignKind::ClusterRct) if !facts.analysed => (
            5,
            "SMS 5 at most: explicit randomisation; the outcome data are not analysed yet, so this is the design's ceiling".to_string(),
        ),
        Some(DesignKind::Rct | DesignKind::ClusterRct) => {
            figures.push(attrition_words.to_string());
            figures.push(balance_words.to_string());
            not_assessed.push("contamination between arms (not recorded in the spec)".to_string());
            if facts.attrition_low == Some(true) && balance_clean {
                (5, "SMS 5: explicit randomisation, groups comparable and attrition low".to_string())
            } else if facts.attrition_low == Some(true) && facts.balance_failing {
                (
                    4,
                    "SMS 4: randomised with low attrition, but a baseline difference lies outside the WWC threshold, so comparability is not fully shown: one level is lost for execution".to_string(),
                )
            } else if balance_shown {
                (
                    4,
                    "SMS 4: randomised, but attrition is high or unmeasured; the groups are still shown equivalent at baseline, so one level is lost for execution".to_string(),
                )
            } else {
                (
                    2,
                    "SMS 2: randomised, but with high or unmeasured attrition the groups are not shown comparable at baseline: rated as a comparison with controls".to_string(),
                )
            }
        }
        Some(DesignKind::SteppedWedge) if !facts.analysed => (
            5,
            "SMS 5 at most: clusters randomised to the step at which they cross over; the outcome data are not analysed yet, so this is the design's ceiling".to_string(),
        ),
        // Each cluster is compared with itself (cluster fixed effects) and with the
        // clusters not yet crossed over in the same period; the order is randomised.
        Some(DesignKind::SteppedWedge) => {
            figures.push(attrition_words.to_string());
            if facts.attrition_low == Some(true) {
                (5, "SMS 5: clusters randomised to their crossover step, every cluster observed in every period".to_string())
            } else {
                (4, "SMS 4: clusters randomised to their crossover step, but clusters are missing from some periods, so one level is lost for execution".to_string())
            }
        }
        Some(DesignKind::MatchedComparison) => {
            figures.push(balance_words.to_string());
            if !facts.analysed {
                (
                    2,
                    "SMS 2 at most: a matched comparison group; the outcome data are not analysed yet, so this is the design's ceiling".to_string(),
                )
            } else if balance_shown {
                (2, "SMS 2: treated and untreated compared with matching, groups shown equivalent at baseline".to_string())
            } else {
                (
                    1,
                    "SMS 1: treated and untreated compared, but the groups are not shown equivalent at baseline".to_string(),
                )
            }
        }
        // Rated from the fit and placebo diagnostics by evidence/synth.rs.
        Some(DesignKind::SyntheticControl) => (
            3,
            "SMS 3 at most: before/after in the treated unit and a synthetic comparison built from untreated units".to_string(),
        ),
        Some(DesignKind::RegressionDiscontinuity) if !facts.analysed => (
            4,
            "SMS 4 at most: a regression discontinuity; the outcome data are not analysed yet, so this is the design's ceiling".to_string(),
        ),
        // Replaced by the RD diagnostics' rating (evidence::rdd::apply_rd_grade).
        Some(DesignKind::RegressionDiscontinuity) => (
            2,
            "SMS 2: a regression discontinuity whose diagnostics were not run".to_string(),
        ),
        Some(DesignKind::StaggeredRollout) => (
            3,
            "SMS 3: each cohort's change before and after roll-out compared with units not (yet) treated, a difference in differences; the staggered criteria of the Nesta grade check its parallel pre-trends".to_string(),
        ),
        Some(DesignKind::BeforeAfter) => (
            1,
            "SMS 1: before/after without a comparison group".to_string(),
        ),
        // Rated from the design's ceiling (its_did::its_sms), which knows the series.
        Some(DesignKind::InterruptedTimeSeries | DesignKind::DifferenceInDifferences) => (
            2,
            "SMS 2: an interrupted time series".to_string(),
        ),
        Some(DesignKind::Descriptive) | None => (
            0,
            "below SMS 1: outcomes of participants only, with no before measure and no comparison group".to_string(),
        ),
    };
    SmsRating {
        framework: "Maryland Scientific Methods Scale (What Works Centre for Local Economic Growth)",
        level,
        rule,
        figures,
        not_assessed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rct(attrition_low: Option<bool>, balance: Status, required: bool) -> Facts {
        Facts {
            kind: Some(DesignKind::Rct),
            attrition_low,
            balance: Some(balance),
            balance_required: required,
            balance_failing: balance == Status::NotMet,
            analysed: true,
            ..Facts::default()
        }
    }

    #[test]
    fn randomised_trials() {
        assert_eq!(sms(&rct(Some(true), Status::Met, false)).level, 5);
        // Balance shown by default is "met" when nothing fails.
        assert_eq!(sms(&rct(Some(false), Status::Met, true)).level, 4);
        assert_eq!(sms(&rct(None, Status::Met, true)).level, 4);
        assert_eq!(sms(&rct(None, Status::NotAssessed, true)).level, 2);
        assert_eq!(sms(&rct(Some(false), Status::NotMet, true)).level, 2);
        // Low attrition and no covariates: comparability rests on randomisation.
        assert_eq!(sms(&rct(Some(true), Status::NotApplicable, false)).level, 5);
        // Low attrition but a difference outside the threshold: not fully comparable.
        let mut imbalanced = rct(Some(true), Status::NotApplicable, false);
        imbalanced.balance_failing = true;
        assert_eq!(sms(&imbalanced).level, 4);
        let rating = sms(&rct(Some(true), Status::Met, false));
        assert!(rating.not_assessed[0].contains("contamination"));
        assert!(rating.figures.iter().any(|f| f.contains("attrition low")));
    }

    #[test]
    fn other_designs() {
        let mut facts = Facts {
            kind: Some(DesignKind::MatchedComparison),
            balance: Some(Status::Met),
            balance_required: true,
            analysed: true,
            ..Facts::default()
        };
        assert_eq!(sms(&facts).level, 2);
        facts.balance = Some(Status::NotAssessed);
        assert_eq!(sms(&facts).level, 1);
        facts.kind = Some(DesignKind::BeforeAfter);
        assert_eq!(sms(&facts).level, 1);
        facts.kind = Some(DesignKind::Descriptive);
        assert_eq!(sms(&facts).level, 0);
    }
}
