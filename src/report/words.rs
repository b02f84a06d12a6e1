//! Findings in words that agree with their numbers: an interval that includes no
//! effect reads "no clear difference" and says which effects the study rules out;
//! "higher" and "lower" are followed by positive magnitudes only; a clear change in
//! the harmful direction is called harmful; and the strength of the design is stated
//! apart from the finding, so a well-run study with a null result says why its
//! grade is low. Numbers come from `format.rs`.

use super::format::{EffectText, Scale, level, ratio};
use super::model::FindingRow;
use crate::evidence::{Grade, Status};
use crate::spec::{Direction, OutcomeType};

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
        if row.conf_low <= 0.0 && row.conf_high >= 0.0 || !row.conf_low.is_finite() || !row.conf_high.is_finite() {
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
    match row.outcome_type {
        OutcomeType::Binary => Scale::PercentagePoints,
        OutcomeType::Continuous => Scale::Unit(row.unit.as_deref()),
    }
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
                scale.unit(),
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
                scale.unit(),
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
    let shown = EffectText::new(scale, 0.0, -row.conf_low, row.conf_high);
    // `shown.low` is the largest fall not ruled out, as a positive magnitude.
    if shown.low == shown.high {
        format!("effects larger than {}{unit} either way are unlikely", shown.high)
    } else {
        format!(
            "effects larger than {}{unit} lower or {}{unit} higher are unlikely",
            shown.low, shown.high
        )
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

/// One sentence for the headline: the outcome, the two groups and the difference.
pub fn finding_sentence(row: &FindingRow) -> String {
    let place = |group: &str| match group {
        "before" | "after" => group.to_string(),
        arm => format!("with {arm}"),
    };
    match (row.without, row.groups.as_slice()) {
        (Some(without), [control, treated]) => format!(
            "{}: {} {} against {} {}, {}.",
            row.outcome,
            outcome_level(row, row.with),
            place(treated),
            outcome_level(row, without),
            place(control),
            difference(row)
        ),
        _ => {
            let shown = EffectText::new(scale(row), row.with, row.conf_low, row.conf_high);
            let unit = match row.outcome_type {
                OutcomeType::Binary => "%".to_string(),
                OutcomeType::Continuous => scale(row).unit(),
            };
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
    let finding_holds_back = grade
        .criteria
        .iter()
        .any(|c| c.level == grade.level + 1 && FINDING_CRITERIA.contains(&c.id) && !passes(c.status));
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
