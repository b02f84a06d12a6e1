//! Subgroup analyses (`analysis.subgroups`) in the report: a forest plot of the primary
//! effect within each subgroup beside the overall effect, a table per subgroup with the
//! test of the interaction, and the warning that findings are exploratory unless the
//! subgroup was pre-registered. Formats only; the numbers come from
//! `analysis::subgroups`.

use plotters::prelude::*;

use super::charts::{BLUE, Chart, RowFrame, accessible, padded_range, row_chart, row_y};
use super::disclosure::{Disclosure, WITHHELD, key};
use super::document::{Block, Table};
use super::format::{EffectText, Scale, count, p_phrase, p_value, percent, significant};
use crate::analysis::Analysis;
use crate::analysis::subgroups::SubgroupAnalysis;

/// The scale of the primary outcome the subgroups split.
fn scale_of<'a>(analysis: &'a Analysis, s: &SubgroupAnalysis) -> Scale<'a> {
    Scale::of_named(analysis, &s.outcome)
}

fn row_label(s: &SubgroupAnalysis, level: &str) -> String {
    format!("{} = {level}", s.column)
}

/// A level's effect is a statistic of its groups: withheld when one of them has
/// fewer units than the disclosure threshold.
fn withheld(level: &crate::analysis::subgroups::SubgroupLevel, sdc: &Disclosure) -> bool {
    level
        .comparison
        .groups
        .iter()
        .any(|g| sdc.below_threshold(g.n))
}

/// One forest plot of every subgroup's levels; `None` without subgroups.
pub(super) fn subgroup_chart(analysis: &Analysis, sdc: &Disclosure) -> Option<Chart> {
    let first = analysis.subgroups.first()?;
    let scale = scale_of(analysis, first);
    let f = scale.factor();
    let labels: Vec<String> = analysis
        .subgroups
        .iter()
        .flat_map(|s| s.levels.iter().map(move |l| row_label(s, &l.level)))
        .collect();
    let points: Vec<(f64, f64, f64)> = analysis
        .subgroups
        .iter()
        .flat_map(|s| s.levels.iter())
        .map(|l| {
            let e = &l.comparison.estimate;
            if withheld(l, sdc) {
                (f64::NAN, f64::NAN, f64::NAN)
            } else {
                (f * e.estimate, f * e.conf_low, f * e.conf_high)
            }
        })
        .collect();
    let (lo, hi) = padded_range(
        points
            .iter()
            .flat_map(|p| [p.1, p.2])
            .chain(std::iter::once(0.0))
            .filter(|x| x.is_finite()),
        0.08,
    );
    let names: Vec<&str> = labels.iter().map(String::as_str).collect();
    let n = names.len();
    let unit = scale.difference_unit();
    let x_desc = format!(
        "effect within the subgroup{} ({})",
        if unit.is_empty() {
            String::new()
        } else {
            format!(",{unit}")
        },
        first.contrast
    );
    let label = analysis
        .outcomes
        .iter()
        .find(|o| o.outcome == first.outcome)
        .map_or(first.outcome.as_str(), |o| o.label.as_str());
    let caption = format!("{label}: effect by subgroup");
    let frame = RowFrame {
        caption: &caption,
        rows: &names,
        x_range: lo..hi,
        x_desc: &x_desc,
        x_labels: 7,
        tick_digits: 4,
        row_height: 34,
        chrome_height: 110,
        solid_at: &[0.0],
        dashed_at: &[],
    };
    let svg = row_chart(&frame, |chart| {
        for (i, &(estimate, low, high)) in points.iter().enumerate() {
            let y = row_y(n, i);
            if low.is_finite() && high.is_finite() {
                chart
                    .draw_series(LineSeries::new(
                        vec![(low, y), (high, y)],
                        BLUE.stroke_width(3),
                    ))
                    .ok();
            }
            if estimate.is_finite() {
                chart
                    .draw_series(std::iter::once(Circle::new(
                        (estimate, y),
                        6,
                        BLUE.filled(),
                    )))
                    .ok();
            }
        }
    });
    let description = analysis
        .subgroups
        .iter()
        .flat_map(|s| {
            s.levels.iter().map(move |l| {
                let e = &l.comparison.estimate;
                if withheld(l, sdc) {
                    return format!("{}: {WITHHELD}", row_label(s, &l.level));
                }
                let shown = EffectText::new(scale, e.estimate, e.conf_low, e.conf_high);
                format!("{}: {}", row_label(s, &l.level), shown.compact())
            })
        })
        .collect::<Vec<_>>()
        .join("; ");
    let title = format!(
        "Forest plot: the effect on {label} within each subgroup, with its {} confidence interval",
        percent(first.levels[0].comparison.estimate.conf_level, 3)
    );
    Some(Chart {
        name: "subgroups",
        svg: accessible(&svg, "subgroups", &title, &description),
        title,
        description,
    })
}

/// The subgroups section: the chart, a table per subgroup and its reading.
pub(super) fn subgroup_blocks(
    analysis: &Analysis,
    charts: &[Chart],
    sdc: &Disclosure,
    blocks: &mut Vec<Block>,
) {
    let Some(first) = analysis.subgroups.first() else {
        return;
    };
    blocks.push(Block::Heading("Subgroups".into()));
    let outcome_label = analysis
        .outcomes
        .iter()
        .find(|o| o.outcome == first.outcome)
        .map_or(first.outcome.as_str(), |o| o.label.as_str());
    let exploratory: Vec<&str> = analysis
        .subgroups
        .iter()
        .filter(|s| !s.preregistered)
        .map(|s| s.column.as_str())
        .collect();
    blocks.push(Block::Paragraph(if exploratory.is_empty() {
        format!(
            "The effect on “{outcome_label}” within each subgroup declared in the pre-registered plan, and the test of whether it differs between them. A difference between subgroups is shown by the interaction test, not by one subgroup's effect being significant and another's not."
        )
    } else {
        format!(
            "The effect on “{outcome_label}” within each subgroup, and the test of whether it differs between them. Exploratory: {} {} not declared as pre-registered (analysis.subgroups[].preregistered), so any difference found here is a lead for a future trial, not a finding: looking at many subgroups finds differences by chance. A difference between subgroups is shown by the interaction test, not by one subgroup's effect being significant and another's not.",
            exploratory.join(", "),
            if exploratory.len() == 1 { "was" } else { "were" }
        )
    }));
    for (index, chart) in charts.iter().enumerate() {
        if chart.name == "subgroups" {
            blocks.push(Block::Chart(index));
        }
    }
    for s in &analysis.subgroups {
        let scale = scale_of(analysis, s);
        let level = percent(s.levels[0].comparison.estimate.conf_level, 3);
        let rows = s
            .levels
            .iter()
            .map(|l| {
                let c = &l.comparison;
                let e = &c.estimate;
                let shown = EffectText::new(scale, e.estimate, e.conf_low, e.conf_high);
                let counts = c
                    .groups
                    .iter()
                    .map(|g| {
                        sdc.count(
                            &key::subgroup(&s.column, &s.contrast, &l.level, &g.name),
                            g.n,
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" / ");
                if withheld(l, sdc) {
                    vec![
                        l.level.clone(),
                        counts,
                        WITHHELD.into(),
                        WITHHELD.into(),
                        WITHHELD.into(),
                    ]
                } else {
                    vec![
                        l.level.clone(),
                        counts,
                        shown.estimate.clone(),
                        shown.range(),
                        p_value(e.p_value),
                    ]
                }
            })
            .collect();
        blocks.push(Block::Table(Table {
            caption: format!(
                "{outcome_label} by {}: {}{}",
                s.column,
                s.contrast,
                if s.preregistered {
                    " (pre-registered)"
                } else {
                    " (exploratory)"
                }
            ),
            header: vec![
                s.column.clone(),
                "Analysed (control / treated)".into(),
                match scale.difference_unit().trim() {
                    "" => "Effect".to_string(),
                    unit => format!("Effect ({unit})"),
                },
                format!("{level} CI"),
                "p".into(),
            ],
            rows,
        }));
        let i = &s.interaction;
        let adjusted = if i.adjusted_for.is_empty() {
            String::new()
        } else {
            format!(", adjusted for {}", i.adjusted_for.join(", "))
        };
        let missing = if s.excluded_missing > 0 {
            format!(
                " {} analysed units with no value of {} are left out of this analysis.",
                count(s.excluded_missing),
                s.column
            )
        } else {
            String::new()
        };
        blocks.push(Block::Paragraph(format!(
            "Does the effect differ by {}? The interaction test (F = {} on {} and {} degrees of freedom, p {}; {} standard errors{adjusted}) {}.{missing}",
            s.column,
            significant(i.statistic, 3),
            significant(i.numdf, 3),
            significant(i.dendf, 4),
            p_phrase(i.p_value),
            i.se_type,
            if i.p_value < analysis.alpha {
                format!(
                    "finds a difference at the {} level",
                    significant(analysis.alpha, 3)
                )
            } else {
                "finds no clear difference between the subgroups".into()
            }
        )));
    }
}

/// One subgroup analysis for the terminal (`evident analyse`).
pub fn terminal_line(analysis: &Analysis, s: &SubgroupAnalysis) -> String {
    let scale = scale_of(analysis, s);
    let levels = s
        .levels
        .iter()
        .map(|l| {
            let e = &l.comparison.estimate;
            let shown = EffectText::new(scale, e.estimate, e.conf_low, e.conf_high);
            format!("{} {}", l.level, shown.compact())
        })
        .collect::<Vec<_>>()
        .join("; ");
    let label = analysis
        .outcomes
        .iter()
        .find(|o| o.outcome == s.outcome)
        .map_or(s.outcome.as_str(), |o| o.label.as_str());
    format!(
        "{label} by {} [{}] {}: {levels}; interaction p {}",
        s.column,
        if s.preregistered {
            "pre-registered subgroups"
        } else {
            "exploratory subgroups"
        },
        s.contrast,
        p_phrase(s.interaction.p_value)
    )
}
