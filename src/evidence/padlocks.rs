//! EEF-style padlocks (security of a single study's finding, 0–5): a secondary rating
//! beside the Nesta level, with the rule that gave it and its figures.
//!
//! # Rules (evidence-rules.md; docs/evidence.md)
//! The initial rating is the lowest of three columns: design (randomised 5; a
//! well-matched comparison shown equivalent at baseline 3; a comparison handling only
//! some confounders 2; no comparator 0), the achieved MDES in SD units (≤ 0.2, 0.3,
//! 0.4, 0.5, 0.6 give 5 to 1, above 0 padlocks) and overall attrition (≤ 10, 20, 30,
//! 40, 50 % give 5 to 1, above 0). A column that cannot be measured gives 0 (the
//! cautious reading). Threats then lower the rating by at most 2: none for at most two
//! moderate threats of unknown direction; 1 for three or four moderate, or one high
//! with at most one moderate; 2 for one high with two or more moderate, or two or more
//! high, or more than four moderate. The threats are all taken as of unknown direction.
//!
//! The engine assesses three threats from the spec and data: confounding (baseline
//! imbalance), missing data (WWC attrition) and selective reporting (no
//! pre-registered plan). Concurrent interventions, contamination, implementation
//! fidelity and outcome measurement are not recorded in the spec: they are listed as
//! not assessed and do not move the rating.

use serde::Serialize;

use super::{Facts, Preregistration, Status};
use crate::spec::DesignKind;

/// How serious a threat to the finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ThreatLevel {
    Low,
    Moderate,
    High,
}

/// One threat to the finding, with why it was rated so.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Threat {
    pub threat: &'static str,
    pub level: ThreatLevel,
    pub why: String,
}

/// An EEF-style padlock rating.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PadlockRating {
    pub framework: &'static str,
    /// Final padlocks, 0 to 5.
    pub padlocks: u8,
    /// False before the outcome data are analysed: the MDES and attrition columns are
    /// then unknown, and only the design column (the ceiling) is informative.
    pub rated: bool,
    /// The three columns and the initial rating (their lowest).
    pub design: u8,
    pub mdes: u8,
    pub attrition: u8,
    pub initial: u8,
    /// Padlocks removed for threats (0 to 2).
    pub lowered_by: u8,
    pub threats: Vec<Threat>,
    /// Threats the engine cannot assess from the spec.
    pub not_assessed: Vec<&'static str>,
    /// The rule that gave the rating, in words, with its figures.
    pub rule: String,
}

/// Upper bounds of the MDES (SD) and attrition (%) columns for 5, 4, 3, 2 and 1 padlocks.
const MDES_BANDS: [f64; 5] = [0.2, 0.3, 0.4, 0.5, 0.6];
const ATTRITION_BANDS: [f64; 5] = [10.0, 20.0, 30.0, 40.0, 50.0];

/// Padlocks for a value against bands ordered from 5 padlocks down.
fn column(value: Option<f64>, bands: &[f64; 5]) -> u8 {
    match value {
        Some(v) => bands
            .iter()
            .position(|b| v <= *b + 1e-9)
            .map_or(0, |i| 5 - i as u8),
        None => 0,
    }
}

/// How many padlocks the threats remove.
fn lowered_by(threats: &[Threat]) -> u8 {
    let high = threats
        .iter()
        .filter(|t| t.level == ThreatLevel::High)
        .count();
    let moderate = threats
        .iter()
        .filter(|t| t.level == ThreatLevel::Moderate)
        .count();
    match (high, moderate) {
        (0, 0..=2) => 0,
        (0, 3..=4) => 1,
        (0, _) => 2,
        (1, 0..=1) => 1,
        _ => 2,
    }
}

/// Rates a study's security in padlocks from the Nesta criteria's findings.
pub(crate) fn padlocks(facts: &Facts) -> PadlockRating {
    let design = match facts.kind {
        Some(DesignKind::Rct | DesignKind::ClusterRct | DesignKind::SteppedWedge) => 5,
        Some(DesignKind::MatchedComparison) if facts.balance == Some(Status::Met) => 3,
        Some(DesignKind::MatchedComparison) => 2,
        // Graded as DiD-like (evidence-rules.md): handles some unobservables.
        Some(DesignKind::SyntheticControl) => 4,
        _ => 0,
    };
    let mdes = column(facts.mdes, &MDES_BANDS);
    let attrition_rate = facts.attrition.as_ref().map(|a| a.overall_shown);
    let attrition = column(attrition_rate, &ATTRITION_BANDS);
    let initial = design.min(mdes).min(attrition);

    let mut threats = Vec::new();
    if facts.analysed && design > 0 {
        threats.push(match facts.balance {
            Some(Status::NotMet) => Threat {
                threat: "confounding (baseline imbalance)",
                level: ThreatLevel::High,
                why: "a baseline difference is outside the WWC threshold where equivalence is required".into(),
            },
            Some(Status::NotAssessed) => Threat {
                threat: "confounding (baseline imbalance)",
                level: ThreatLevel::Moderate,
                why: "baseline equivalence is required but no baseline covariate is declared".into(),
            },
            _ if facts.balance_failing => Threat {
                threat: "confounding (baseline imbalance)",
                level: ThreatLevel::Moderate,
                why: "a baseline difference is outside the WWC threshold, a chance imbalance after randomisation".into(),
            },
            _ => Threat {
                threat: "confounding (baseline imbalance)",
                level: ThreatLevel::Low,
                why: "baseline differences within the WWC threshold".into(),
            },
        });
        let randomised = matches!(facts.kind, Some(DesignKind::Rct | DesignKind::ClusterRct));
        threats.push(match (randomised, facts.attrition_low) {
            (true, Some(false)) => Threat {
                threat: "missing data (attrition)",
                level: ThreatLevel::Moderate,
                why: "overall and differential attrition are high by the WWC boundary".into(),
            },
            (true, None) => Threat {
                threat: "missing data (attrition)",
                level: ThreatLevel::Moderate,
                why: "attrition cannot be measured (allocation counts unknown)".into(),
            },
            (true, Some(true)) => Threat {
                threat: "missing data (attrition)",
                level: ThreatLevel::Low,
                why: "attrition low by the WWC boundary".into(),
            },
            (false, _) => Threat {
                threat: "missing data (attrition)",
                level: if facts.attrition.is_some() {
                    ThreatLevel::Low
                } else {
                    ThreatLevel::Moderate
                },
                why: if facts.attrition.is_some() {
                    "counted in the attrition column".into()
                } else {
                    "the number enrolled per group is unknown".into()
                },
            },
        });
    }
    let (level, why) = match &facts.preregistration {
        Preregistration::Locked {
            locked_at,
            serious,
            ..
        } if !serious.is_empty() => (
            ThreatLevel::High,
            format!(
                "the analysis departs from the plan locked at {locked_at}: {}",
                serious.join("; ")
            ),
        ),
        Preregistration::Locked {
            locked_at,
            deviations,
            ..
        } => (
            ThreatLevel::Low,
            match deviations {
                0 => format!("the analysis follows the plan locked at {locked_at}"),
                n => format!(
                    "the analysis keeps the primary outcome and estimators of the plan locked at {locked_at} ({n} other {}, listed in the report)",
                    if *n == 1 { "deviation" } else { "deviations" }
                ),
            },
        ),
        Preregistration::Declared(id) => (
            ThreatLevel::Moderate,
            format!(
                "not pre-registered with a lock: a plan is declared ({id}) but no evidence.lock fixes it, so the analysis cannot be checked against it"
            ),
        ),
        Preregistration::None => (
            ThreatLevel::Moderate,
            "not pre-registered: no plan lock (evidence.lock) or registered plan (evidence.preregistration)".into(),
        ),
    };
    threats.push(Threat {
        threat: "selective reporting",
        level,
        why,
    });
    let lowered = lowered_by(&threats).min(initial);
    let final_padlocks = initial - lowered;
    let rule = if !facts.analysed {
        // Before the outcome data there is no rating to explain, only the ceiling.
        format!(
            "Not yet rated: the MDES and attrition columns wait for the outcome data; the design column allows at most {design} {}.",
            if design == 1 { "padlock" } else { "padlocks" }
        )
    } else {
        format!(
            "{final_padlocks} {}: the lowest of design {design}, MDES {mdes} ({}) and attrition {attrition} ({}) is {initial}; threats remove {lowered} ({} high, {} moderate of unknown direction; at most 2 are removed).",
            if final_padlocks == 1 {
                "padlock"
            } else {
                "padlocks"
            },
            facts.mdes.map_or("not computed".into(), |m| format!(
                "{} SD",
                crate::report::format::significant(m, 2)
            )),
            attrition_rate.map_or("not measured".into(), |a| format!(
                "{}% overall",
                crate::report::format::significant(a, 3)
            )),
            threats
                .iter()
                .filter(|t| t.level == ThreatLevel::High)
                .count(),
            threats
                .iter()
                .filter(|t| t.level == ThreatLevel::Moderate)
                .count(),
        )
    };
    PadlockRating {
        framework: "EEF-style padlocks (Education Endowment Foundation security rating)",
        padlocks: final_padlocks,
        rated: facts.analysed,
        design,
        mdes,
        attrition,
        initial,
        lowered_by: lowered,
        threats,
        not_assessed: vec![
            "concurrent interventions",
            "contamination",
            "implementation fidelity and compliance",
            "outcome measurement",
        ],
        rule,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::check_attrition;
    use crate::spec::AttritionBoundary;

    fn threat(level: ThreatLevel) -> Threat {
        Threat {
            threat: "t",
            level,
            why: String::new(),
        }
    }

    #[test]
    fn columns_follow_the_bands() {
        assert_eq!(column(Some(0.2), &MDES_BANDS), 5);
        assert_eq!(column(Some(0.21), &MDES_BANDS), 4);
        assert_eq!(column(Some(0.5), &MDES_BANDS), 2);
        assert_eq!(column(Some(0.61), &MDES_BANDS), 0);
        assert_eq!(column(None, &MDES_BANDS), 0);
        assert_eq!(column(Some(10.0), &ATTRITION_BANDS), 5);
        assert_eq!(column(Some(50.0), &ATTRITION_BANDS), 1);
        assert_eq!(column(Some(50.1), &ATTRITION_BANDS), 0);
    }

    #[test]
    fn threats_lower_by_at_most_two() {
        use ThreatLevel::{High, Low, Moderate};
        let of = |levels: &[ThreatLevel]| {
            lowered_by(&levels.iter().map(|l| threat(*l)).collect::<Vec<_>>())
        };
        assert_eq!(of(&[Moderate, Moderate, Low]), 0);
        assert_eq!(of(&[Moderate, Moderate, Moderate]), 1);
        assert_eq!(of(&[High, Low, Low]), 1);
        assert_eq!(of(&[High, Moderate, Moderate]), 2);
        assert_eq!(of(&[High, High]), 2);
        assert_eq!(of(&[Moderate; 6]), 2);
    }

    #[test]
    fn a_well_run_trial_and_a_weak_one() {
        let mut facts = Facts {
            kind: Some(DesignKind::Rct),
            attrition: Some(check_attrition(8.0, 2.0, AttritionBoundary::Cautious)),
            attrition_low: Some(true),
            balance: Some(Status::Met),
            mdes: Some(0.25),
            preregistration: Preregistration::Locked {
                locked_at: "2026-01-05T09:00:00Z".into(),
                deviations: 0,
                serious: Vec::new(),
            },
            analysed: true,
            ..Facts::default()
        };
        let rating = padlocks(&facts);
        assert_eq!((rating.design, rating.mdes, rating.attrition), (5, 4, 5));
        assert_eq!(
            (rating.initial, rating.lowered_by, rating.padlocks),
            (4, 0, 4)
        );
        // High attrition (35 %), imbalance where required, no pre-registration:
        // attrition column 2, one high and two moderate threats remove 2.
        facts.attrition = Some(check_attrition(35.0, 10.0, AttritionBoundary::Cautious));
        facts.attrition_low = Some(false);
        facts.balance = Some(Status::NotMet);
        facts.preregistration = Preregistration::None;
        let rating = padlocks(&facts);
        assert_eq!(
            (rating.initial, rating.lowered_by, rating.padlocks),
            (2, 2, 0)
        );
        assert!(rating.rule.starts_with("0 padlocks:"));
        // Before the outcome data: not rated, the design column is the ceiling.
        let protocol = Facts {
            kind: Some(DesignKind::Rct),
            ..Facts::default()
        };
        let rating = padlocks(&protocol);
        assert!(!rating.rated);
        assert_eq!((rating.design, rating.padlocks), (5, 0));
        assert!(rating.rule.contains("Not yet rated"));
        // No comparator: no padlocks whatever else holds.
        facts.kind = Some(DesignKind::BeforeAfter);
        assert_eq!(padlocks(&facts).padlocks, 0);
    }
}
