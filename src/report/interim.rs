//! Interim looks (`analysis.interim`) in the report: the "Interim look" section (a table
//! of each treated arm's z against the group-sequential boundary, the repeated
//! confidence interval and p-value, and the decision in plain words), the clause the
//! summary of findings adds, and the terminal line. Formats only; the numbers come from
//! `analysis::interim`.

use super::document::{Block, Table};
use super::format::{EffectText, Scale, count, p_value, percent, significant};
use crate::analysis::interim::{InterimAnalysis, InterimDecision, InterimTest, PBound};
use crate::analysis::{Analysis, OutcomeResult};
use crate::spec::OutcomeRole;

fn primary(analysis: &Analysis) -> Option<&OutcomeResult> {
    analysis
        .outcomes
        .iter()
        .find(|o| o.role == OutcomeRole::Primary)
        .or(analysis.outcomes.first())
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The estimate and its repeated confidence interval on the outcome's scale.
fn shown(t: &InterimTest, scale: Scale) -> EffectText {
    EffectText::new(scale, t.estimate, t.rci_low, t.rci_high)
}

/// "0.0134", "below 1e-12", "0.5 or more".
fn repeated_p_text(t: &InterimTest) -> String {
    match t.repeated_p_bound {
        None => p_value(t.repeated_p),
        Some(PBound::Below) => format!("below {}", significant(t.repeated_p, 1)),
        Some(PBound::Above) => format!("{} or more", significant(t.repeated_p, 1)),
    }
}

fn decision_word(decision: InterimDecision) -> &'static str {
    match decision {
        InterimDecision::MayStopForEfficacy => "may stop for efficacy",
        InterimDecision::MayStopForHarm => "may stop (harm)",
        InterimDecision::Continue => "continue",
        InterimDecision::EfficacyShown => "efficacy shown",
        InterimDecision::HarmShown => "harm shown",
        InterimDecision::NotShown => "not shown",
    }
}

/// Which look this is, in words: "look 2 of 3" or "the final look (3 of 3)".
fn which(look: &InterimAnalysis) -> String {
    if look.look == look.looks {
        format!("the final look ({} of {})", look.look, look.looks)
    } else {
        format!("look {} of {}", look.look, look.looks)
    }
}

/// The "Interim look" section.
pub(super) fn interim_blocks(analysis: &Analysis, blocks: &mut Vec<Block>) {
    let (Some(look), Some(outcome)) = (&analysis.interim, primary(analysis)) else {
        return;
    };
    let Some(first) = look.tests.first() else {
        return;
    };
    blocks.push(Block::Heading("Interim look".into()));
    let scale = Scale::of_result(outcome);
    let unit = scale.difference_unit();
    let sides = if look.two_sided {
        "two-sided"
    } else {
        "one-sided"
    };
    let information = if look.information_declared {
        "the information fractions declared in analysis.interim.information".to_string()
    } else if look.look == look.looks {
        "information fraction 1 at the final look".to_string()
    } else {
        let counted = if look.counts_clusters {
            "clusters"
        } else {
            "units"
        };
        if look.maximum_analysed == look.maximum_size as f64 {
            format!(
                "the {counted} analysed over the plan's maximum of {} {}",
                count(look.maximum_size as usize),
                look.size_label
            )
        } else {
            format!(
                "the {counted} analysed over the {} the plan expects to analyse at its maximum ({} {}, less the planned attrition)",
                significant(look.maximum_analysed, 6),
                count(look.maximum_size as usize),
                look.size_label
            )
        }
    };
    blocks.push(Block::Paragraph(format!(
        "This analysis is {} of a group-sequential trial planned with the {} boundary ({sides}, α = {}; design.power.interim), applied to “{}”. The boundary is recomputed at the information reached, from {information}.",
        which(look),
        look.boundary_label,
        significant(look.alpha, 4),
        outcome.label
    )));
    let level = percent(first.rci_level, 3);
    let rows = look
        .tests
        .iter()
        .map(|t| {
            let text = shown(t, scale);
            vec![
                t.contrast.clone(),
                significant(t.fractions[look.look - 1], 3),
                format!("{}{unit}", text.estimate),
                text.range(),
                significant(t.z, 3).replace('-', "−"),
                significant(t.critical_z, 3),
                p_value(t.nominal_p),
                repeated_p_text(t),
                decision_word(t.decision).into(),
            ]
        })
        .collect();
    blocks.push(Block::Table(Table {
        caption: format!("{}: {}", outcome.label, which(look)),
        header: vec![
            "Contrast".into(),
            "Information fraction".into(),
            "Estimate".into(),
            format!("{level} repeated CI"),
            "z".into(),
            "Boundary".into(),
            "Nominal p to stop".into(),
            "Repeated p".into(),
            "Decision".into(),
        ],
        rows,
    }));
    for t in &look.tests {
        blocks.push(Block::Paragraph(format!(
            "{}: {}. The {level} repeated confidence interval, {}{unit} (the estimate ± {} standard errors), keeps its coverage over every look of the trial; the ordinary interval of the comparison above does not. The repeated p-value, {}, is the smallest α at which the boundary is crossed at this look. Type I error spent by this look: {}.",
            t.contrast,
            capitalised(&t.sentence),
            shown(t, scale).range(),
            significant(t.critical_t, 3),
            repeated_p_text(t),
            significant(t.cumulative_alpha, 3),
        )));
    }
    blocks.push(Block::List(
        look.notes.iter().map(|n| capitalised(n) + ".").collect(),
    ));
}

/// The look on the headline, for the summary of findings: "Group-sequential look: may
/// stop for efficacy: … ; 95% repeated CI 1.7 to 15.7 percentage points."; `None`
/// without `analysis.interim`.
pub(super) fn headline_clause(analysis: &Analysis) -> Option<String> {
    let look = analysis.interim.as_ref()?;
    let t = look.tests.first()?;
    let scale = Scale::of_result(primary(analysis)?);
    Some(format!(
        "Group-sequential look: {}; {} repeated CI {}{}.",
        t.sentence,
        percent(t.rci_level, 3),
        shown(t, scale).range(),
        scale.difference_unit()
    ))
}

/// One comparison's look for the terminal (`evident analyse`).
pub fn terminal_line(analysis: &Analysis, t: &InterimTest) -> String {
    let scale = primary(analysis).map_or(
        Scale::of_outcome(crate::spec::OutcomeType::Continuous, None),
        Scale::of_result,
    );
    format!(
        "{} [interim look] {}: {}; {} repeated CI {}{}, repeated p {}",
        primary(analysis).map_or("", |o| o.label.as_str()),
        t.contrast,
        t.sentence,
        percent(t.rci_level, 3),
        shown(t, scale).range(),
        scale.difference_unit(),
        repeated_p_text(t)
    )
}
