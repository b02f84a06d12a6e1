//! Findings in words that agree with their numbers: an interval that includes no
//! effect reads "no clear difference" and says which effects the study rules out;
//! "higher" and "lower" are followed by positive magnitudes only; a clear change in
//! the harmful direction is called harmful; and the strength of the design is stated
//! apart from the finding, so a well-run study with a null result says why its
//! grade is low. Numbers come from `format.rs`.

use super::format::{EffectText, Scale, level, ratio};
use super::model::FindingRow;
use crate::evidence::{Grade, Status};
use crate::spec::Direction;

/// Criteria that judge the finding rather than the design and its conduct.
const FINDING_CRITERIA: [&str; 2] = ["positive_change", "causal_effect"];

/// What the interval says about the difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The interval includes no effect.
    NoClearDifference,
    /// The whole interval lies in the beneficial direction.
    ClearBenefit,
    /// The whole interval lies in the harmful direction.
    ClearHarm,
}

impl Verdict {
    pub fn of(row: &FindingRow) -> Verdict {
        if row.conf_low <= 0.0 && row.conf_high >= 0.0
            || !row.conf_low.is_finite()
            || !row.conf_high.is_finite()
        {
            Verdict::NoClearDifference
        } else if (row.difference > 0.0) == (row.better == Direction::Higher) {
            Verdict::ClearBenefit
        } else {
            Verdict::ClearHarm
        }
    }
}

/// The scale a finding's difference is shown on.
pub fn scale(row: &FindingRow) -> Scale<'_> {
    Scale::of_outcome(row.outcome_type, row.unit.as_deref())
}

/// The level of the outcome in one group: "31.6%" or "8.16 minutes".
pub fn outcome_level(row: &FindingRow, x: f64) -> String {
    level(scale(row), x, 3)
}

/// The difference in words and numbers, for the summary-of-findings table:
/// "9.7 percentage points higher (95% CI 6.0 to 13.3 higher); an improvement" or
/// "no clear difference: −1.5 percentage points (95% CI −9.1 to 6.0); effects
/// larger than 9.1 points lower or 6.0 points higher are unlikely".
pub fn difference(row: &FindingRow) -> String {
    let scale = scale(row);
    let ci = format!("{} CI", super::format::percent(row.conf_level, 3));
    match Verdict::of(row) {
        Verdict::NoClearDifference => {
            let shown = EffectText::new(scale, row.difference, row.conf_low, row.conf_high);
            format!(
                "no clear difference ({}{}, {ci} {}); {}",
                shown.estimate,
                scale.difference_unit(),
                shown.range(),
                ruled_out(row)
            )
        }
        verdict => {
            let (word, low, high) = if row.difference > 0.0 {
                ("higher", row.conf_low, row.conf_high)
            } else {
                ("lower", -row.conf_high, -row.conf_low)
            };
            let shown = EffectText::new(scale, row.difference.abs(), low, high);
            format!(
                "{}{} {word} ({ci} {} {word}), {}",
                shown.estimate,
                scale.difference_unit(),
                shown.range(),
                if verdict == Verdict::ClearBenefit {
                    "an improvement"
                } else {
                    "a harmful change"
                }
            )
        }
    }
}

/// The effects an interval that includes zero rules out, in words.
fn ruled_out(row: &FindingRow) -> String {
    let scale = scale(row);
    let unit = scale.short_unit();
    // The decimals of the interval as shown beside the estimate.
    let shown = EffectText::new(scale, row.difference, row.conf_low, row.conf_high);
    let (fall, rise) = (
        shown.alongside(scale, -row.conf_low),
        shown.alongside(scale, row.conf_high),
    );
    if fall == rise {
        format!("effects larger than {rise}{unit} either way are unlikely")
    } else {
        format!("effects larger than {fall}{unit} lower or {rise}{unit} higher are unlikely")
    }
}

/// The relative effect for binary outcomes: "risk ratio 0.95 (95% CI 0.74 to 1.22)".
pub fn relative_effect(row: &FindingRow) -> Option<String> {
    let r = row.risk_ratio.as_ref()?;
    let shown = ratio(r.estimate, r.conf_low, r.conf_high);
    Some(format!(
        "risk ratio {} ({} CI {})",
        shown.estimate,
        super::format::percent(row.conf_level, 3),
        shown.range()
    ))
}

/// A multiple-comparison method (as report.json names it, R's `p.adjust` names) in
/// words for the body.
pub fn adjustment_method(name: &str) -> String {
    match name {
        "holm" => "Holm's step-down method (family-wise error rate)".into(),
        "bonferroni" => "Bonferroni (family-wise error rate)".into(),
        "hochberg" => "Hochberg's step-up method (family-wise error rate)".into(),
        "hommel" => "Hommel's method (family-wise error rate)".into(),
        "BH" => "Benjamini–Hochberg (false discovery rate)".into(),
        "BY" => "Benjamini–Yekutieli (false discovery rate)".into(),
        "none" => "none".into(),
        other => other.to_string(),
    }
}

/// One sentence for the headline: the outcome, the two groups and the difference.
pub fn finding_sentence(row: &FindingRow) -> String {
    let place = |group: &str| match group {
        "before" | "after" => group.to_string(),
        arm => format!("with {arm}"),
    };
    match (row.without, row.with, row.groups.as_slice()) {
        (Some(without), Some(with), [control, treated]) => format!(
            "{}: {} {} against {} {}, {}.",
            row.outcome,
            outcome_level(row, with),
            place(treated),
            outcome_level(row, without),
            place(control),
            difference(row)
        ),
        _ => {
            let level = row.with.unwrap_or(row.difference);
            let shown = EffectText::new(scale(row), level, row.conf_low, row.conf_high);
            let unit = scale(row).unit();
            format!(
                "{}: {}{unit} among participants ({} CI {}); no comparison.",
                row.outcome,
                shown.estimate,
                super::format::percent(row.conf_level, 3),
                shown.range()
            )
        }
    }
}

/// The strength of the design and the finding as separate statements: when the
/// finding is what holds the grade down, says so and names the level the design
/// and its conduct could support.
pub fn design_and_finding(grade: &Grade, primary: Option<&FindingRow>) -> String {
    let passes = |status: Status| matches!(status, Status::Met | Status::NotApplicable);
    let mut design_level = 0;
    for candidate in 1..=5u8 {
        let ok = grade
            .criteria
            .iter()
            .filter(|c| c.level == candidate && !FINDING_CRITERIA.contains(&c.id))
            .all(|c| passes(c.status));
        if ok {
            design_level = candidate;
        } else {
            break;
        }
    }
    let finding_holds_back = grade.criteria.iter().any(|c| {
        c.level == grade.level + 1 && FINDING_CRITERIA.contains(&c.id) && !passes(c.status)
    });
    if !finding_holds_back || design_level <= grade.level {
        return format!("Evidence: {}", grade.summary);
    }
    let finding = match primary.map(Verdict::of) {
        Some(Verdict::ClearHarm) => "the primary outcome changed in the harmful direction",
        Some(Verdict::NoClearDifference) => "the primary outcome showed no clear benefit",
        // Beneficial in direction but not significant under a one-sided or
        // stricter rule, or no comparison at all.
        _ => "the primary outcome did not show the clear benefit the grade requires",
    };
    format!(
        "Evidence: Nesta level {} of 5, because {finding}; with a clear benefit, the design and its conduct would support level {design_level} of 5.",
        grade.level
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{Certainty, CertaintyRating, Criterion};
    use crate::spec::{OutcomeRole, OutcomeType};

    fn row(
        outcome_type: OutcomeType,
        better: Direction,
        (difference, low, high): (f64, f64, f64),
    ) -> FindingRow {
        FindingRow {
            outcome: "Outcome".into(),
            role: OutcomeRole::Primary,
            outcome_type,
            contrast: "treated vs control".into(),
            without: Some(0.31),
            with: Some(0.31 + difference),
            difference,
            conf_low: low,
            conf_high: high,
            conf_level: 0.95,
            p_value: 0.5,
            p_adjusted: None,
            p_randomisation: None,
            risk_ratio: None,
            odds_ratio: None,
            n: vec![100, 100],
            groups: vec!["control".into(), "treated".into()],
            beneficial: false,
            better,
            unit: Some("minutes".into()),
            outcome_sd: 1.0,
            clusters: None,
            analysed: None,
            in_words: String::new(),
            certainty: CertaintyRating {
                rating: Certainty::High,
                start: Certainty::High,
                downgrades: Vec::new(),
                why: String::new(),
            },
        }
    }

    #[test]
    fn an_interval_including_zero_reads_no_clear_difference_with_what_it_rules_out() {
        let r = row(
            OutcomeType::Binary,
            Direction::Lower,
            (-0.01534, -0.09064, 0.05996),
        );
        assert_eq!(Verdict::of(&r), Verdict::NoClearDifference);
        assert_eq!(
            difference(&r),
            "no clear difference (−1.5 percentage points, 95% CI −9.1 to 6.0); effects larger than 9.1 points lower or 6.0 points higher are unlikely"
        );
        // A symmetric interval rules out effects "either way".
        let r = row(OutcomeType::Binary, Direction::Higher, (0.0, -0.06, 0.06));
        assert!(
            difference(&r).ends_with("effects larger than 6.0 points either way are unlikely"),
            "{}",
            difference(&r)
        );
    }

    #[test]
    fn lower_is_followed_by_positive_magnitudes_only() {
        let r = row(
            OutcomeType::Continuous,
            Direction::Lower,
            (-0.31, -0.48, -0.139),
        );
        let text = difference(&r);
        assert_eq!(
            text,
            "0.31 minutes lower (95% CI 0.14 to 0.48 lower), an improvement"
        );
        assert!(!text.contains('−'), "{text}");
    }

    #[test]
    fn a_descriptive_finding_gives_the_level_with_its_interval() {
        let mut r = row(OutcomeType::Binary, Direction::Higher, (0.0, 0.25, 0.37));
        r.without = None;
        r.with = Some(0.31);
        r.groups = vec!["participants".into()];
        assert_eq!(
            finding_sentence(&r),
            "Outcome: 31.0% among participants (95% CI 25.0 to 37.0); no comparison."
        );
    }

    #[test]
    fn a_clear_change_in_the_harmful_direction_is_called_harmful() {
        let r = row(
            OutcomeType::Continuous,
            Direction::Lower,
            (0.31, 0.139, 0.48),
        );
        assert_eq!(Verdict::of(&r), Verdict::ClearHarm);
        assert_eq!(
            difference(&r),
            "0.31 minutes higher (95% CI 0.14 to 0.48 higher), a harmful change"
        );
    }

    #[test]
    fn a_null_result_in_a_sound_design_says_what_held_the_grade() {
        let criterion = |level, id, status| Criterion {
            level,
            id,
            title: "t",
            status,
            observed: String::new(),
            rule: String::new(),
        };
        let grade = Grade {
            framework: "test",
            level: 1,
            target_level: 3,
            criteria: vec![
                criterion(1, "theory_of_change", Status::Met),
                criterion(2, "outcome_data", Status::Met),
                criterion(2, "positive_change", Status::NotMet),
                criterion(3, "comparison_group", Status::Met),
                criterion(3, "causal_effect", Status::NotMet),
                criterion(3, "attrition", Status::Met),
                criterion(4, "cost_data", Status::NotMet),
            ],
            summary: "Nesta level 1 of 5; level 2 also needs: the data show positive change."
                .into(),
            next_level_needs: None,
            graded_contrast: None,
            contrast_levels: Vec::new(),
            evidence_alpha: 0.05,
            sms: crate::evidence::unassessed_ratings().0,
            padlocks: crate::evidence::unassessed_ratings().1,
        };
        let r = row(OutcomeType::Binary, Direction::Higher, (0.0, -0.06, 0.06));
        assert_eq!(
            design_and_finding(&grade, Some(&r)),
            "Evidence: Nesta level 1 of 5, because the primary outcome showed no clear benefit; with a clear benefit, the design and its conduct would support level 3 of 5."
        );
        // When the design itself holds the grade, the grade's own summary is used.
        let mut held = grade.clone();
        held.criteria[1].status = Status::NotMet;
        assert_eq!(
            design_and_finding(&held, Some(&r)),
            format!("Evidence: {}", held.summary)
        );
    }
}
