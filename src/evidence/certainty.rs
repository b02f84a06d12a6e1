//! GRADE-style certainty of each finding: how sure a reader can be that the effect
//! shown is close to the true effect, rated high, moderate, low or very low, with
//! every downgrade and its reason (Guyatt et al. 2008, BMJ 336:924; GRADE guidelines
//! 4 on risk of bias and 6 on imprecision, J Clin Epidemiol 2011;64:407 and 1283).
//!
//! The rule (docs/report.md states it for readers):
//! - Start: high for randomised designs, low for every other design.
//! - Risk of bias, down one for each problem, at most two: high (or unknown)
//!   attrition in a randomised trial; groups not equivalent at baseline where the
//!   grade requires equivalence; no comparison group at all (before/after or
//!   descriptive designs: the change may be trend or regression to the mean).
//!   Attrition and baseline equivalence are read from the grade's own criteria, so
//!   the two never disagree.
//! - Imprecision: down one when the confidence interval includes no effect, when it
//!   is wide (its half-width exceeds `evidence.thresholds.max_mdes` standard
//!   deviations, so effects the grade counts as important are not ruled out), or when
//!   the sample is below GRADE's optimal information size (400 units for continuous
//!   outcomes: 0.2 SD at 80% power, two-sided 5%; for binary outcomes the size that
//!   detects a 25% relative change from the control rate at 80% power). Down two when
//!   the interval both includes no effect and is wide.
//! - The rating never falls below very low.
//!
//! The rule above is the arm comparison's ([`rate`]). Designs analysed by their own
//! module read the same domains through their own diagnostics ([`rate_design`], with
//! the reasons from `report/findings.rs`): risk of bias from the checks that can hold
//! the design's grade down (no control series, too few pre-periods or unhandled
//! autocorrelation for a time series; a failed or untestable pre-trend test for a
//! difference-in-differences or roll-out; the density, continuity and bandwidth checks
//! of a regression discontinuity), and imprecision from the design's own sample
//! ([`Sample`]): the periods either side of a series (at least
//! [`MIN_SERIES_PERIODS`] each, Wagner et al. 2002), the observations inside a
//! discontinuity's bandwidth against the information size; a panel's units (areas,
//! each an aggregate of many people) are not counted against an information size in
//! participants, so its interval carries its precision. A series has no spread
//! between units to judge an interval's width against, so its width is not tested in
//! SD units.
//!
//! Inconsistency, indirectness and publication bias concern bodies of evidence
//! (several studies); a single study is not rated down on them here.

use serde::Serialize;

use super::{Criterion, Grade, Status};
use crate::report::format::{EffectText, Scale, count};
use crate::spec::DesignKind;

/// Units analysed below which a continuous outcome is imprecise (GRADE 6).
pub const CONTINUOUS_INFORMATION_SIZE: usize = 400;
/// The relative change in a binary outcome's rate the information size detects.
const BINARY_RELATIVE_CHANGE: f64 = 0.25;
/// z(0.975) + z(0.8), squared: the 80% power, two-sided 5% planning constant.
const Z_SUM_SQUARED: f64 = 7.848_879_734_349_088;

/// The four GRADE levels of certainty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Certainty {
    VeryLow,
    Low,
    Moderate,
    High,
}

impl Certainty {
    pub fn label(self) -> &'static str {
        match self {
            Certainty::High => "high",
            Certainty::Moderate => "moderate",
            Certainty::Low => "low",
            Certainty::VeryLow => "very low",
        }
    }

    fn down(self, levels: u8) -> Certainty {
        let rank = (self as u8).saturating_sub(levels);
        match rank {
            0 => Certainty::VeryLow,
            1 => Certainty::Low,
            2 => Certainty::Moderate,
            _ => Certainty::High,
        }
    }
}

/// The GRADE domain a downgrade belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Domain {
    RiskOfBias,
    Imprecision,
}

/// One step down, with its reason in words.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Downgrade {
    pub domain: Domain,
    pub levels: u8,
    pub reason: String,
}

/// The certainty of one finding and every judgement behind it.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CertaintyRating {
    pub rating: Certainty,
    /// Where the rating started: high for randomised designs, low otherwise.
    pub start: Certainty,
    pub downgrades: Vec<Downgrade>,
    /// The rating and why, in one sentence.
    pub why: String,
}

/// Periods a segmented regression needs on each side of the intervention to separate
/// level, slope and season (Wagner et al. 2002, J Clin Pharm Ther 27:299).
pub const MIN_SERIES_PERIODS: usize = 12;

/// The facts about one finding that the rating reads.
#[derive(Debug, Clone)]
pub struct FindingFacts<'a> {
    /// The scale the interval is stated on in the reasons.
    pub scale: Scale<'a>,
    /// The interval of the difference (no effect is 0).
    pub conf_low: f64,
    pub conf_high: f64,
    pub conf_level: f64,
    /// The outcome's standard deviation, for the width in SD units (`None` for a
    /// series, which has no spread between units to judge the width against).
    pub outcome_sd: Option<f64>,
    /// What the estimate was computed from.
    pub sample: Sample,
}

/// What an estimate was computed from, as the imprecision rule judges it.
#[derive(Debug, Clone)]
pub enum Sample {
    /// Units (or observations) against GRADE's optimal information size.
    Units {
        /// Units analysed in all groups compared.
        n_analysed: usize,
        /// For binary outcomes, the rate without the intervention.
        control_rate: Option<f64>,
        /// Groups compared (for the binary information size).
        groups: usize,
        /// What was counted, in the plural: "units were analysed", "observations lie
        /// within the bandwidth".
        counted: &'static str,
    },
    /// Periods of a time series before and after the intervention.
    Periods { before: usize, after: usize },
    /// The units of a panel (areas, schools, wards), each an aggregate of many
    /// people: GRADE's information size counts participants, so it does not apply,
    /// and the interval (its width in the outcome's SD between units) carries the
    /// precision.
    Panel { units: usize },
}

impl Sample {
    /// Units of an arm comparison.
    pub fn units(n_analysed: usize, control_rate: Option<f64>, groups: usize) -> Sample {
        Sample::Units {
            n_analysed,
            control_rate,
            groups,
            counted: "units were analysed",
        }
    }
}

/// Rates one finding of an arm comparison graded as `grade`.
pub fn rate(design: DesignKind, grade: &Grade, max_mdes: f64, f: &FindingFacts) -> CertaintyRating {
    rate_design(
        design.is_randomised(),
        arm_risk_of_bias(design, grade),
        max_mdes,
        f,
    )
}

/// Rates one finding from the risks of bias its design's own diagnostics found (one
/// clause each, lowering the rating one level each, at most two) and its interval
/// and sample.
pub fn rate_design(
    randomised: bool,
    risks_of_bias: Vec<String>,
    max_mdes: f64,
    f: &FindingFacts,
) -> CertaintyRating {
    let start = if randomised {
        Certainty::High
    } else {
        Certainty::Low
    };
    let mut downgrades = Vec::new();
    if !risks_of_bias.is_empty() {
        downgrades.push(Downgrade {
            domain: Domain::RiskOfBias,
            levels: risks_of_bias.len().min(2) as u8,
            reason: risks_of_bias.join(", and "),
        });
    }
    if let Some(d) = imprecision(max_mdes, f) {
        downgrades.push(d);
    }
    let total: u8 = downgrades.iter().map(|d| d.levels).sum();
    let rating = start.down(total);
    let origin = if randomised {
        "a randomised design starts high"
    } else {
        "a non-randomised design starts low"
    };
    let why = if downgrades.is_empty() {
        format!(
            "{}: {origin} and nothing lowers it.",
            capitalise(rating.label())
        )
    } else {
        let steps: Vec<String> = downgrades
            .iter()
            .map(|d| {
                format!(
                    "down {} for {}: {}",
                    if d.levels == 1 { "one" } else { "two" },
                    match d.domain {
                        Domain::RiskOfBias => "risk of bias",
                        Domain::Imprecision => "imprecision",
                    },
                    d.reason
                )
            })
            .collect();
        format!(
            "{}: {origin}; {}.",
            capitalise(rating.label()),
            steps.join("; ")
        )
    };
    CertaintyRating {
        rating,
        start,
        downgrades,
        why,
    }
}

/// The arm comparison's risks of bias: no comparison group, attrition, baseline
/// equivalence, read from the grade's own criteria.
fn arm_risk_of_bias(design: DesignKind, grade: &Grade) -> Vec<String> {
    let mut reasons = Vec::new();
    if !design.has_comparison_group() {
        reasons.push(
            "there is no comparison group, so the change may be a trend or regression to the mean"
                .to_string(),
        );
    }
    let failing = |id: &str| -> Option<&Criterion> {
        grade
            .criteria
            .iter()
            .find(|c| c.id == id && !matches!(c.status, Status::Met | Status::NotApplicable))
    };
    if design.is_randomised() && failing("attrition").is_some() {
        reasons.push("attrition is high or not known (What Works Clearinghouse boundary)".into());
    }
    if design.has_comparison_group() && failing("baseline_equivalence").is_some() {
        reasons.push("the groups are not shown to be equivalent at baseline".into());
    }
    reasons
}

fn imprecision(max_mdes: f64, f: &FindingFacts) -> Option<Downgrade> {
    let includes_no_effect = f.conf_low <= 0.0 && f.conf_high >= 0.0;
    let half_width_sd = f.outcome_sd.map(|sd| {
        if sd > 0.0 {
            (f.conf_high - f.conf_low) / 2.0 / sd
        } else {
            f64::NAN
        }
    });
    let wide = half_width_sd.is_some_and(|w| !w.is_finite() || w > max_mdes);
    let half_width_sd = half_width_sd.unwrap_or(f64::NAN);
    let ci = EffectText::new(f.scale, 0.0, f.conf_low, f.conf_high);
    let level = crate::report::format::percent(f.conf_level, 3);
    let mut reasons = Vec::new();
    if includes_no_effect {
        reasons.push(format!(
            "the {level} confidence interval ({}{}) includes no effect",
            ci.range(),
            f.scale.short_unit()
        ));
    }
    if wide {
        reasons.push(if half_width_sd.is_finite() {
            format!(
                "the interval is wide: ±{} SD, more than the {} SD the grade counts as important",
                crate::report::format::significant(half_width_sd, 2),
                crate::report::format::significant(max_mdes, 2)
            )
        } else {
            "the interval's width in standard deviations cannot be computed".into()
        });
    }
    match &f.sample {
        Sample::Units {
            n_analysed,
            counted,
            ..
        } => {
            if let Some(ois) = optimal_information_size(&f.sample)
                && *n_analysed < ois
            {
                reasons.push(format!(
                    "{} {counted}, fewer than the optimal information size of {}",
                    count(*n_analysed),
                    count(ois)
                ));
            }
        }
        Sample::Panel { .. } => {}
        Sample::Periods { before, after } => {
            let short: Vec<String> = [(before, "before"), (after, "after")]
                .into_iter()
                .filter(|(n, _)| **n < MIN_SERIES_PERIODS)
                .map(|(n, side)| format!("{} periods {side}", count(*n)))
                .collect();
            if !short.is_empty() {
                reasons.push(format!(
                    "the series has only {} the intervention, fewer than the {} each side a segmented regression needs",
                    short.join(" and "),
                    MIN_SERIES_PERIODS
                ));
            }
        }
    }
    if reasons.is_empty() {
        return None;
    }
    Some(Downgrade {
        domain: Domain::Imprecision,
        levels: if includes_no_effect && wide { 2 } else { 1 },
        reason: reasons.join("; "),
    })
}

/// GRADE's optimal information size: the units a single adequately powered study
/// would analyse (80% power, two-sided 5%).
/// `None` for a series (periods, not units) or a rate of 0 or 1.
pub fn optimal_information_size(sample: &Sample) -> Option<usize> {
    let Sample::Units {
        control_rate,
        groups,
        ..
    } = sample
    else {
        return None;
    };
    match *control_rate {
        None => Some(CONTINUOUS_INFORMATION_SIZE),
        Some(p1) if p1 > 0.0 && p1 < 1.0 => {
            let p2 = p1 * (1.0 - BINARY_RELATIVE_CHANGE);
            let per_group = Z_SUM_SQUARED * (p1 * (1.0 - p1) + p2 * (1.0 - p2)) / (p1 - p2).powi(2);
            Some(per_group.ceil() as usize * (*groups).max(2))
        }
        Some(_) => None,
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grade_with(criteria: Vec<(&'static str, Status)>) -> Grade {
        Grade {
            framework: "test",
            level: 3,
            target_level: 3,
            criteria: criteria
                .into_iter()
                .map(|(id, status)| Criterion {
                    level: 3,
                    id,
                    title: "t",
                    status,
                    observed: String::new(),
                    rule: String::new(),
                })
                .collect(),
            summary: String::new(),
            next_level_needs: None,
            graded_contrast: None,
            contrast_levels: Vec::new(),
            evidence_alpha: 0.05,
            sms: crate::evidence::unassessed_ratings().0,
            padlocks: crate::evidence::unassessed_ratings().1,
        }
    }

    fn facts(low: f64, high: f64, n: usize) -> FindingFacts<'static> {
        FindingFacts {
            scale: Scale::Unit(Some("points")),
            conf_low: low,
            conf_high: high,
            conf_level: 0.95,
            outcome_sd: Some(10.0),
            sample: Sample::units(n, None, 2),
        }
    }

    #[test]
    fn a_clean_precise_randomised_finding_is_high() {
        let g = grade_with(vec![
            ("attrition", Status::Met),
            ("baseline_equivalence", Status::NotApplicable),
        ]);
        let r = rate(DesignKind::Rct, &g, 0.5, &facts(1.0, 3.0, 600));
        assert_eq!(r.rating, Certainty::High);
        assert!(r.downgrades.is_empty());
        assert_eq!(
            r.why,
            "High: a randomised design starts high and nothing lowers it."
        );
    }

    #[test]
    fn high_attrition_and_imbalance_lower_a_trial_two_levels() {
        let g = grade_with(vec![
            ("attrition", Status::NotMet),
            ("baseline_equivalence", Status::NotMet),
        ]);
        let r = rate(DesignKind::Rct, &g, 0.5, &facts(1.0, 3.0, 600));
        assert_eq!(r.rating, Certainty::Low);
        assert_eq!(r.downgrades[0].domain, Domain::RiskOfBias);
        assert_eq!(r.downgrades[0].levels, 2);
    }

    #[test]
    fn a_null_result_is_imprecise_and_a_wide_null_very_imprecise() {
        let g = grade_with(vec![("attrition", Status::Met)]);
        // Half-width 2 points = 0.2 SD: not wide; includes zero: down one.
        let r = rate(DesignKind::Rct, &g, 0.5, &facts(-2.0, 2.0, 600));
        assert_eq!(r.rating, Certainty::Moderate);
        assert!(r.why.contains("includes no effect"), "{}", r.why);
        // Half-width 8 points = 0.8 SD > 0.5: down two.
        let r = rate(DesignKind::Rct, &g, 0.5, &facts(-8.0, 8.0, 600));
        assert_eq!(r.rating, Certainty::Low);
        assert_eq!(r.downgrades[0].levels, 2);
    }

    #[test]
    fn a_small_sample_is_imprecise_even_when_the_interval_excludes_zero() {
        let g = grade_with(vec![("attrition", Status::Met)]);
        let r = rate(DesignKind::Rct, &g, 0.5, &facts(1.0, 3.0, 120));
        assert_eq!(r.rating, Certainty::Moderate);
        assert!(
            r.why.contains(
                "120 units were analysed, fewer than the optimal information size of 400"
            ),
            "{}",
            r.why
        );
    }

    #[test]
    fn non_randomised_designs_start_low_and_uncontrolled_ones_fall_to_very_low() {
        let g = grade_with(vec![("baseline_equivalence", Status::Met)]);
        let r = rate(
            DesignKind::MatchedComparison,
            &g,
            0.5,
            &facts(1.0, 3.0, 600),
        );
        assert_eq!(r.rating, Certainty::Low);
        let r = rate(DesignKind::BeforeAfter, &g, 0.5, &facts(1.0, 3.0, 600));
        assert_eq!(r.rating, Certainty::VeryLow);
        // Never below very low.
        let r = rate(DesignKind::BeforeAfter, &g, 0.5, &facts(-8.0, 8.0, 60));
        assert_eq!(r.rating, Certainty::VeryLow);
    }

    #[test]
    fn unknown_attrition_counts_as_high() {
        // A criterion that could not be assessed is not a pass.
        let g = grade_with(vec![("attrition", Status::NotMet)]);
        let r = rate(DesignKind::ClusterRct, &g, 0.5, &facts(1.0, 3.0, 600));
        assert_eq!(r.rating, Certainty::Moderate);
    }

    #[test]
    fn binary_information_size_detects_a_quarter_relative_change() {
        // p1 = 0.31, p2 = 0.2325: 7.8489 × (0.2139 + 0.17844) / 0.0775² = 512.7,
        // so 513 per group, 1,026 in all (the two-proportion normal formula).
        assert_eq!(
            optimal_information_size(&Sample::units(0, Some(0.31), 2)),
            Some(1026)
        );
        assert_eq!(
            optimal_information_size(&Sample::Periods {
                before: 36,
                after: 24
            }),
            None
        );
    }

    #[test]
    fn a_series_is_judged_by_its_periods_and_never_by_a_width_in_sd() {
        let series = |before, after| FindingFacts {
            outcome_sd: None,
            sample: Sample::Periods { before, after },
            ..facts(0.73, 1.01, 0)
        };
        // 36 months before and 24 after, an interval clear of zero: nothing lowers it.
        let r = rate_design(false, Vec::new(), 0.5, &series(36, 24));
        assert_eq!(r.rating, Certainty::Low);
        assert!(r.downgrades.is_empty(), "{:?}", r.downgrades);
        // 8 months after: down one, naming the short side.
        let r = rate_design(false, Vec::new(), 0.5, &series(36, 8));
        assert_eq!(r.rating, Certainty::VeryLow);
        assert_eq!(
            r.why,
            "Very low: a non-randomised design starts low; down one for imprecision: the series has only 8 periods after the intervention, fewer than the 12 each side a segmented regression needs."
        );
    }

    #[test]
    fn a_design_names_its_own_risks_of_bias_and_counts_at_most_two() {
        let risks = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        let r = rate_design(false, risks, 0.5, &facts(1.0, 3.0, 600));
        assert_eq!(r.downgrades[0].levels, 2);
        assert_eq!(r.downgrades[0].reason, "a, and b, and c");
        assert_eq!(r.rating, Certainty::VeryLow);
        // Observations inside a bandwidth are counted in their own words.
        let f = FindingFacts {
            sample: Sample::Units {
                n_analysed: 250,
                control_rate: None,
                groups: 2,
                counted: "observations lie within the bandwidth",
            },
            ..facts(1.0, 3.0, 0)
        };
        let r = rate_design(false, Vec::new(), 0.5, &f);
        assert!(
            r.why.contains(
                "250 observations lie within the bandwidth, fewer than the optimal information size of 400"
            ),
            "{}",
            r.why
        );
    }
}
