//! Attrition bounds (`analysis.attrition_bounds`) in the report: a table of the Lee and
//! Horowitz–Manski bounds beside the comparison they bound, and what they mean in plain
//! words. Formats only; the numbers come from `analysis::attrition_bounds`.

use super::document::{Block, Table};
use super::format::{EffectText, Scale, fixed, percent};
use crate::analysis::OutcomeResult;
use crate::analysis::attrition_bounds::AttritionBounds;
use crate::stats::bounds::{BoundEnd, ConfidenceInterval, TrimmedArm};

/// The two bounds ("−0.2", "7.7") and their interval "−3.5 to 11.0", with shared
/// decimals.
fn ends(
    scale: Scale,
    lower: BoundEnd,
    upper: BoundEnd,
    ci: &ConfidenceInterval,
) -> (String, String, String) {
    let shown = EffectText::new(scale, lower.estimate, ci.conf_low, ci.conf_high);
    (
        shown.alongside(scale, lower.estimate),
        shown.alongside(scale, upper.estimate),
        shown.range(),
    )
}

/// "−0.2 to 7.7" and its interval "−3.5 to 11.0".
fn bounds_text(
    scale: Scale,
    lower: BoundEnd,
    upper: BoundEnd,
    ci: &ConfidenceInterval,
) -> (String, String) {
    let (low, high, range) = ends(scale, lower, upper, ci);
    (format!("{low} to {high}"), range)
}

/// The table and paragraphs of every attrition bound of `outcome`.
pub(super) fn bounds_blocks(outcome: &OutcomeResult, blocks: &mut Vec<Block>) {
    let Some(first) = outcome.attrition_bounds.first() else {
        return;
    };
    let scale = Scale::of_result(outcome);
    let level = percent(first.lee.interval.conf_level, 3);
    let rows = outcome
        .attrition_bounds
        .iter()
        .map(|b| {
            let (lee, lee_ci) = bounds_text(scale, b.lee.lower, b.lee.upper, &b.lee.interval);
            let (worst, worst_ci) = match &b.worst_case {
                Some(w) => bounds_text(scale, w.lower, w.upper, &w.interval),
                None => ("—".into(), "—".into()),
            };
            vec![
                b.contrast.clone(),
                format!(
                    "{}% ({} points apart)",
                    fixed(b.overall_attrition, 1),
                    fixed(b.differential_attrition, 1)
                ),
                lee,
                lee_ci,
                worst,
                worst_ci,
            ]
        })
        .collect();
    blocks.push(Block::Table(Table {
        caption: format!(
            "{}: bounds on the effect allowing for attrition{}",
            outcome.label,
            if scale.difference_unit().is_empty() {
                String::new()
            } else {
                format!(" ({})", scale.difference_unit().trim())
            }
        ),
        header: vec![
            "Contrast".into(),
            "Attrition (overall, differential)".into(),
            "Lee bounds".into(),
            format!("{level} CI"),
            "Worst-case bounds".into(),
            format!("{level} CI"),
        ],
        rows,
    }));
    for b in &outcome.attrition_bounds {
        blocks.push(Block::Paragraph(reading(b, outcome, scale, &level)));
    }
}

fn reading(b: &AttritionBounds, outcome: &OutcomeResult, scale: Scale, level: &str) -> String {
    let unit = scale.difference_unit();
    let (lee_low, lee_high, lee_ci) = ends(scale, b.lee.lower, b.lee.upper, &b.lee.interval);
    let [control_share, treated_share] = b.lee.observed_share;
    let (trimmed, shares) = match b.lee.trimmed_arm {
        TrimmedArm::Treated => (&b.treated, (treated_share, control_share)),
        TrimmedArm::Control => (&b.control, (control_share, treated_share)),
    };
    let why = if b.high_attrition {
        format!(
            "Attrition is high by the What Works Clearinghouse boundary ({}% of those allocated have no analysed “{}”, {} percentage points more in one arm than the other), so the estimate could reflect who dropped out rather than the service.",
            fixed(b.overall_attrition, 1),
            outcome.label,
            fixed(b.differential_attrition, 1)
        )
    } else {
        format!(
            "Attrition is {}% overall and {} percentage points apart between the arms, low by the What Works Clearinghouse boundary; the bounds were asked for (analysis.attrition_bounds.when).",
            fixed(b.overall_attrition, 1),
            fixed(b.differential_attrition, 1)
        )
    };
    let mut text = format!(
        "{why} Lee's bounds assume that being assigned to one arm rather than the other changed who dropped out in one direction only. The {trimmed} arm has outcomes for more of those allocated to it ({}% against {}%); the excess, {}% of its analysed outcomes ({}), is dropped, first the highest, then the lowest: the effect on those who would be measured in either arm lies between {lee_low} and {lee_high}{unit} ({level} confidence interval {lee_ci}{unit}, Imbens–Manski).",
        fixed(100.0 * shares.0, 1),
        fixed(100.0 * shares.1, 1),
        fixed(100.0 * b.lee.trim_share, 1),
        b.lee.trimmed,
    );
    if let Some(w) = &b.worst_case {
        let (low, high, worst_ci) = ends(scale, w.lower, w.upper, &w.interval);
        let range = if outcome.outcome_type == crate::spec::OutcomeType::Binary {
            "0 or 1".to_string()
        } else {
            format!(
                "{} or {}",
                super::format::significant(w.range[0], 4),
                super::format::significant(w.range[1], 4)
            )
        };
        text.push_str(&format!(
            " With no assumption at all, filling every missing outcome with the worst and then the best value possible ({range}), the effect lies between {low} and {high}{unit} ({level} CI {worst_ci}{unit}; Horowitz and Manski).",
        ));
    }
    text
}

/// One outcome's bounds for the terminal (`evident analyse`).
pub fn terminal_line(outcome: &OutcomeResult, b: &AttritionBounds) -> String {
    let scale = Scale::of_result(outcome);
    let (lee, lee_ci) = bounds_text(scale, b.lee.lower, b.lee.upper, &b.lee.interval);
    let worst = b
        .worst_case
        .as_ref()
        .map(|w| {
            let (worst, worst_ci) = bounds_text(scale, w.lower, w.upper, &w.interval);
            format!("; worst-case bounds {worst} ({worst_ci})")
        })
        .unwrap_or_default();
    format!(
        "{} [attrition bounds] {}: attrition {}% ({} points apart); Lee bounds {lee}{} ({} CI {lee_ci}){worst}",
        outcome.label,
        b.contrast,
        fixed(b.overall_attrition, 1),
        fixed(b.differential_attrition, 1),
        scale.difference_unit(),
        percent(b.lee.interval.conf_level, 3),
    )
}
