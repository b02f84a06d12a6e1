//! The report's matched-comparison section (issue 17): the balance table before and
//! after matching with its SMD convention and WWC flags, who was matched and who was
//! lost and why, the effect on the treated, its sensitivity to unmeasured
//! confounding in plain words, and the charts: a Love plot of |SMD| before and after
//! and the propensity-score overlap of the two groups before and after. Every number
//! goes through `format.rs`.

use plotters::prelude::*;

use super::charts::{
    AXIS_SIZE, BLUE, CAPTION_SIZE, CHART_WIDTH, Chart, GREY, RowFrame, TICK_SIZE, VERMILLION,
    accessible, register_font, row_chart, row_y,
};
use super::disclosure::{Disclosure, key};
use super::format::{aligned_all, count, fixed, p_value, significant, tick};
use crate::analysis::matched::MatchedEffect;
use crate::matching::MatchStatus;
use crate::matching::balance::{BalanceStats, BalanceTable, SMD_FLAG, WWC_LIMIT, WwcBand};
use crate::matching::sensitivity::{EValue, RosenbaumBounds, e_value_words, rosenbaum_words};

/// Significant figures of the table's statistics (full precision is in report.json).
const DIGITS: usize = 3;
/// Significant figures of the Γ at which a finding stops being significant (it
/// often lies between 1 and the grid's 1.25, where two figures would print "1").
const GAMMA_DIGITS: usize = 3;

/// The balance table's caption: the SMD convention and the flags.
pub fn balance_caption(table: &BalanceTable) -> String {
    format!(
        "Standardised mean differences (SMD) divide the difference in weighted means by {} ({} estimand), the same before and after; 0/1 variables use p(1 − p) as the variance. Flags: ⚑ marks |SMD| above {} after matching (the usual target); WWC: at most 0.05 balanced, up to {} balanced only when the effect model adjusts for it, above that not balanced.",
        table.denominator,
        table.estimand.label(),
        significant(SMD_FLAG, 1),
        significant(WWC_LIMIT, 2)
    )
}

/// The balance table's header and rows (the distance first).
pub fn balance_cells(table: &BalanceTable) -> (Vec<String>, Vec<Vec<String>>) {
    let smd = |s: &BalanceStats| match s.smd {
        Some(d) if s.raw_difference => format!("{} (raw)", significant(d, 2)),
        Some(d) => fixed(d, 3),
        None => "not computable".into(),
    };
    // One number of decimals down a column: ratios to two, eCDF distances to three.
    let optional =
        |x: Option<f64>, decimals: usize| x.map_or("—".to_string(), |v| fixed(v, decimals));
    let header = [
        "Variable",
        "Treated mean before",
        "Comparison mean before",
        "SMD before",
        "Treated mean after",
        "Comparison mean after",
        "SMD after",
        "Variance ratio after",
        "eCDF max after",
        "WWC",
    ]
    .map(String::from)
    .to_vec();
    let rows = table
        .rows
        .iter()
        .map(|row| {
            let wwc = if row.is_distance {
                "not graded".to_string()
            } else {
                match (row.wwc, row.balanced) {
                    (WwcBand::Satisfied, _) => "balanced".into(),
                    (WwcBand::NeedsAdjustment, true) => "balanced (adjusted)".into(),
                    (WwcBand::NeedsAdjustment, false) => "needs adjustment".into(),
                    (WwcBand::NotSatisfied, _) => "not balanced".into(),
                }
            };
            let flag = if row.above_0_1 { " ⚑" } else { "" };
            // A variable's four means, read side by side, share one number of decimals.
            let [treated_before, control_before, treated_after, control_after]: [String; 4] =
                aligned_all(
                    &[
                        row.before.mean_treated,
                        row.before.mean_control,
                        row.after.mean_treated,
                        row.after.mean_control,
                    ],
                    DIGITS,
                )
                .try_into()
                .expect("four values in, four out");
            vec![
                row.label(),
                treated_before,
                control_before,
                smd(&row.before),
                treated_after,
                control_after,
                format!("{}{flag}", smd(&row.after)),
                optional(row.after.variance_ratio, 2),
                optional(row.after.ecdf_max, 3),
                wwc,
            ]
        })
        .collect();
    (header, rows)
}

/// A Markdown table.
fn markdown_table(header: &[String], rows: &[Vec<String>]) -> String {
    let mut out = format!(
        "| {} |\n|{}\n",
        header.join(" | "),
        "---|".repeat(header.len())
    );
    for row in rows {
        out.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    out
}

/// The balance table as Markdown: the convention, then one row per variable.
pub fn balance_markdown(table: &BalanceTable) -> String {
    let (header, rows) = balance_cells(table);
    format!(
        "{}\n\n{}",
        balance_caption(table),
        markdown_table(&header, &rows)
    )
}

/// Who was matched and who was not, per group and reason: header and rows.
pub fn counts_cells(table: &BalanceTable, sdc: &Disclosure) -> (Vec<String>, Vec<Vec<String>>) {
    let header = vec![String::new(), "Treated".into(), "Comparison pool".into()];
    let mut rows = vec![vec![
        "In the pool".to_string(),
        sdc.count(&key::matching("treated", "all"), table.treated.all),
        sdc.count(&key::matching("comparison", "all"), table.control.all),
    ]];
    for status in MatchStatus::ALL {
        let t = table.treated.by_status.get(&status).copied().unwrap_or(0);
        let c = table.control.by_status.get(&status).copied().unwrap_or(0);
        if status == MatchStatus::Matched || t + c > 0 {
            let label = match status {
                MatchStatus::Matched => "Matched (weight above 0)".to_string(),
                other => format!("Not used: {}", other.words()),
            };
            rows.push(vec![
                label,
                sdc.count(&key::matching("treated", status.words()), t),
                sdc.count(&key::matching("comparison", status.words()), c),
            ]);
        }
    }
    rows.push(vec![
        "Effective sample size of the weights".into(),
        significant(table.treated.effective, DIGITS),
        significant(table.control.effective, DIGITS),
    ]);
    (header, rows)
}

/// A table as plain text lines for the terminal, columns padded to line up
/// (the first left-aligned, the rest right-aligned).
pub fn text_table(header: &[String], rows: &[Vec<String>]) -> Vec<String> {
    let columns = header.len();
    let width = |i: usize| {
        std::iter::once(header)
            .chain(rows.iter().map(Vec::as_slice))
            .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..columns).map(width).collect();
    std::iter::once(header)
        .chain(rows.iter().map(Vec::as_slice))
        .map(|row| {
            row.iter()
                .enumerate()
                .map(|(i, cell)| {
                    let pad = " ".repeat(widths[i].saturating_sub(cell.chars().count()));
                    if i == 0 {
                        format!("{cell}{pad}")
                    } else {
                        format!("{pad}{cell}")
                    }
                })
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        })
        .collect()
}

/// The balance summary `evident match` prints: per variable the SMD before and
/// after, the variance ratio after, the flags, then who was matched and why not.
pub fn balance_text(table: &BalanceTable) -> Vec<String> {
    let (full_header, full_rows) = balance_cells(table);
    // Variable, SMD before, SMD after, variance ratio after, WWC.
    let keep = [0, 3, 6, 7, 9];
    let pick = |row: &[String]| keep.iter().map(|&i| row[i].clone()).collect::<Vec<_>>();
    let mut lines = vec![balance_caption(table), String::new()];
    lines.extend(text_table(
        &pick(&full_header),
        &full_rows.iter().map(|r| pick(r)).collect::<Vec<_>>(),
    ));
    lines.push(String::new());
    let (header, rows) = counts_cells(table, &Disclosure::none());
    lines.extend(text_table(&header, &rows));
    lines
}

/// Who was matched and who was not, as Markdown.
pub fn counts_markdown(table: &BalanceTable) -> String {
    let (header, rows) = counts_cells(table, &Disclosure::none());
    markdown_table(&header, &rows)
}

/// How the report names an outcome and the scale it shows its effects on.
#[derive(Debug, Clone, Copy)]
pub struct OutcomeView<'a> {
    pub label: &'a str,
    pub scale: super::format::Scale<'a>,
}

impl<'a> OutcomeView<'a> {
    /// The outcome's label and scale from the analysis; its column name on the
    /// stored scale when the analysis does not list it.
    pub fn of(outcomes: &'a [crate::analysis::OutcomeResult], name: &'a str) -> OutcomeView<'a> {
        match outcomes.iter().find(|o| o.outcome == name) {
            Some(o) => OutcomeView {
                label: &o.label,
                scale: super::format::Scale::of_result(o),
            },
            None => OutcomeView {
                label: name,
                scale: super::format::Scale::Unit(None),
            },
        }
    }
}

/// The effect on the treated in a sentence, with how its SE was made.
pub fn effect_sentence(effect: &MatchedEffect, view: OutcomeView, sdc: &Disclosure) -> String {
    let e = &effect.estimate;
    let what = if effect.difference_in_differences {
        "change in "
    } else {
        ""
    };
    let adjusted = if effect.adjusted_for.is_empty() {
        String::new()
    } else {
        format!(", adjusted for {}", effect.adjusted_for.join(", "))
    };
    let text_of = super::format::EffectText::new(view.scale, e.estimate, e.conf_low, e.conf_high);
    let mut text = format!(
        "{} for {what}{}: {}{} ({}% CI {}; p {}), from a weighted regression on the matched sample ({} treated, {} comparison units{adjusted}); standard error {} clustered by {}, df by {}.",
        effect.estimand.label(),
        view.label,
        text_of.estimate,
        view.scale.difference_unit(),
        significant(e.conf_level * 100.0, 3),
        text_of.range(),
        p_value(e.p_value),
        sdc.count(
            &key::matched_effect(&effect.outcome, "treated"),
            effect.n_treated
        ),
        sdc.count(
            &key::matched_effect(&effect.outcome, "comparison"),
            effect.n_control
        ),
        effect.variance,
        effect.clustered_by,
        effect.df_rule,
    );
    if let Some(rr) = &effect.risk_ratio {
        let ratio = super::format::ratio(rr.estimate, rr.conf_low, rr.conf_high);
        text.push_str(&format!(
            " Risk ratio {} (CI {}, delta method from the same {} variance).",
            ratio.estimate,
            ratio.range(),
            rr.variance
        ));
    }
    text
}

/// The Γ grid of Rosenbaum bounds: header and rows.
pub fn gamma_cells(b: &RosenbaumBounds) -> (Vec<String>, Vec<Vec<String>>) {
    let header = ["Γ", "Upper bound on p", "Lower bound on p"]
        .map(String::from)
        .to_vec();
    let rows = b
        .bounds
        .iter()
        .map(|g| {
            vec![
                significant(g.gamma, 3),
                p_value(g.p_upper),
                p_value(g.p_lower),
            ]
        })
        .collect();
    (header, rows)
}

/// The sensitivity paragraph: E-value and, for 1:1 pairs, Rosenbaum bounds.
pub fn sensitivity_markdown(
    e_value: Option<&EValue>,
    rosenbaum: Option<&RosenbaumBounds>,
    treatment: &str,
    outcome: &str,
) -> String {
    let mut out = String::new();
    if let Some(e) = e_value {
        out.push_str(&e_value_words(e, treatment, outcome, 2));
        out.push_str("\n\n");
    }
    if let Some(b) = rosenbaum {
        out.push_str(&rosenbaum_words(b, 2));
        out.push_str("\n\n");
        let (header, rows) = gamma_cells(b);
        out.push_str(&markdown_table(&header, &rows));
    }
    out
}

/// The matched-comparison section as report blocks (registered in document.rs).
pub(super) fn blocks(
    analysis: &crate::analysis::matched::MatchedAnalysis,
    outcomes: &[crate::analysis::OutcomeResult],
    charts: &[Chart],
    treatment: &str,
    sdc: &Disclosure,
) -> Vec<super::document::Block> {
    use super::document::{Block, Table};
    let mut out = vec![
        Block::Heading("Matched comparison".into()),
        Block::Paragraph(method_sentence(analysis)),
    ];
    let (header, rows) = counts_cells(&analysis.balance, sdc);
    out.push(Block::Table(Table {
        caption: "Who was matched, and why units were not used".into(),
        header,
        rows,
    }));
    for (index, chart) in charts.iter().enumerate() {
        if matches!(
            chart.name,
            "matched_love" | "matched_overlap" | "matched_strata"
        ) {
            out.push(Block::Chart(index));
        }
    }
    let (header, rows) = balance_cells(&analysis.balance);
    out.push(Block::Table(Table {
        caption: balance_caption(&analysis.balance),
        header,
        rows,
    }));
    for o in &analysis.outcomes {
        let view = OutcomeView::of(outcomes, &o.effect.outcome);
        out.push(Block::Paragraph(effect_sentence(&o.effect, view, sdc)));
        if let Some(e) = &o.e_value {
            out.push(Block::Paragraph(e_value_words(e, treatment, view.label, 2)));
        }
        if let Some(b) = &o.rosenbaum {
            out.push(Block::Paragraph(rosenbaum_words(b, GAMMA_DIGITS)));
            let (header, rows) = gamma_cells(b);
            out.push(Block::Table(Table {
                caption: format!(
                    "Rosenbaum bounds for {}: one-sided p-values of the signed-rank test when hidden bias multiplies the odds of treatment within a pair by up to Γ",
                    view.label
                ),
                header,
                rows,
            }));
        }
    }
    out.push(Block::Paragraph(grading_sentence(analysis)));
    out
}

/// The flow table's cell for units of an arm left out of the matched sample:
/// the total and the reasons.
pub fn not_matched_cell(arm: &crate::analysis::ArmFlow, sdc: &Disclosure) -> String {
    if arm.not_matched.is_empty() {
        return count(0);
    }
    let reasons: Vec<String> = arm
        .not_matched
        .iter()
        .map(|n| {
            format!(
                "{} {}",
                sdc.count(&key::flow_not_matched(&arm.arm, n.reason.words()), n.units),
                n.reason.words()
            )
        })
        .collect();
    format!(
        "{} ({})",
        sdc.count(&key::flow(&arm.arm, "not_matched"), arm.not_matched_total()),
        reasons.join(", ")
    )
}

/// The charts of the section: the Love plot, and the overlap when there is a distance.
pub fn charts(
    analysis: &crate::analysis::matched::MatchedAnalysis,
    sdc: &Disclosure,
) -> Vec<Chart> {
    let mut out = vec![matched_love_plot(&analysis.balance)];
    if let Some(o) = &analysis.overlap {
        out.push(overlap_chart(
            &o.distance,
            &o.treated,
            &o.weights,
            sdc.smallest_drawn(),
        ));
    }
    if let Some(strata) = analysis.strata.as_ref().filter(|s| !s.strata.is_empty()) {
        out.push(strata_chart(strata, sdc));
    }
    out
}

/// Strata drawn one per row; the rest are summed in the description.
pub(super) const STRATA_SHOWN: usize = 20;

/// Coarsened exact matching's strata retained: per stratum (largest first, up to
/// [`STRATA_SHOWN`]) the treated units (filled blue bar, upper half of the row) and
/// comparison units (hollow orange bar, lower half) it holds; the description adds
/// the strata not drawn and the units dropped because their stratum lacked the
/// other group.
pub fn strata_chart(strata: &crate::analysis::matched::StrataRetained, sdc: &Disclosure) -> Chart {
    let treated = |s: &crate::analysis::matched::StratumCount| {
        key::stratum(&s.stratum.to_string(), "treated")
    };
    let control = |s: &crate::analysis::matched::StratumCount| {
        key::stratum(&s.stratum.to_string(), "comparison")
    };
    let shown = &strata.strata[..strata.strata.len().min(STRATA_SHOWN)];
    let labels: Vec<String> = shown
        .iter()
        .map(|s| format!("stratum {}", s.stratum))
        .collect();
    let label_refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    let largest = shown
        .iter()
        .map(|s| s.treated.max(s.control))
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let n = shown.len();
    let frame = RowFrame {
        caption: "Strata retained by coarsened exact matching",
        rows: &label_refs,
        x_range: 0.0..largest * 1.1,
        x_desc: "units in the stratum",
        x_labels: 6,
        tick_digits: 3,
        row_height: 28,
        chrome_height: 120,
        solid_at: &[0.0],
        dashed_at: &[],
    };
    let svg = row_chart(&frame, |chart| {
        // A withheld count is not drawn either: its bar's length would read it.
        for (i, s) in shown.iter().enumerate() {
            let y = row_y(n, i);
            if !sdc.withholds(&treated(s)) {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(0.0, y + 0.04), (s.treated as f64, y + 0.4)],
                        BLUE.filled(),
                    )))
                    .ok();
            }
            if !sdc.withholds(&control(s)) {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(0.0, y - 0.4), (s.control as f64, y - 0.04)],
                        VERMILLION.stroke_width(2),
                    )))
                    .ok();
            }
        }
    });
    let rows = shown
        .iter()
        .map(|s| {
            format!(
                "stratum {}: {} treated, {} comparison",
                s.stratum,
                sdc.count(&treated(s), s.treated),
                sdc.count(&control(s), s.control)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let rest = &strata.strata[shown.len()..];
    let rest_text = if rest.is_empty() {
        String::new()
    } else {
        format!(
            " The {} smaller strata not drawn hold {} treated and {} comparison units.",
            count(rest.len()),
            sdc.count(
                &key::stratum("rest", "treated"),
                rest.iter().map(|s| s.treated).sum()
            ),
            sdc.count(
                &key::stratum("rest", "comparison"),
                rest.iter().map(|s| s.control).sum()
            )
        )
    };
    let description = format!(
        "{} strata hold units of both groups and are kept; treated units as filled blue bars, comparison units as hollow orange bars: {rows}.{rest_text} Dropped because their stratum held no unit of the other group: {} treated and {} comparison units.",
        count(strata.strata.len()),
        sdc.count(&key::stratum("dropped", "treated"), strata.treated_dropped),
        sdc.count(
            &key::stratum("dropped", "comparison"),
            strata.control_dropped
        )
    );
    let title = "Coarsened exact matching: the strata retained".to_string();
    Chart {
        name: "matched_strata",
        svg: accessible(&svg, "matched_strata", &title, &description),
        title,
        description,
    }
}

fn method_sentence(analysis: &crate::analysis::matched::MatchedAnalysis) -> String {
    let method = if analysis.method == "file" {
        "the matched sets of a file made outside Evident"
    } else {
        analysis.method.as_str()
    };
    format!(
        "Method: {method}; estimand {}; {}.",
        analysis.estimand.label(),
        if analysis.with_replacement {
            "controls may serve several treated units (with replacement or weights), so standard errors are HC2"
        } else {
            "matched sets without replacement, so standard errors cluster by matched set (CR2)"
        }
    )
}

fn grading_sentence(analysis: &crate::analysis::matched::MatchedAnalysis) -> String {
    let observed = &analysis.criterion.observed;
    let mut chars = observed.chars();
    let observed = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    format!(
        "Grading check, {}: {}. {observed}",
        analysis.criterion.title.to_lowercase(),
        analysis.criterion.status.label(),
    )
}

/// Love plot of the matched comparison: |SMD| of every covariate (and the
/// distance) before (hollow circles) and after (filled) matching, with dashed lines
/// at 0.1 and 0.25.
pub fn matched_love_plot(table: &BalanceTable) -> Chart {
    let labels: Vec<String> = table.rows.iter().map(|r| r.label()).collect();
    let label_refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    let size = |s: &BalanceStats| s.smd.map(f64::abs).filter(|d| d.is_finite());
    let largest = table
        .rows
        .iter()
        .flat_map(|r| [size(&r.before), size(&r.after)])
        .flatten()
        .fold(WWC_LIMIT, f64::max);
    let limit = largest * 1.1;
    let n = labels.len();
    let frame = RowFrame {
        caption: "Balance before and after matching",
        rows: &label_refs,
        x_range: 0.0..limit,
        x_desc: "|standardised mean difference|",
        x_labels: 6,
        tick_digits: 3,
        row_height: 30,
        chrome_height: 120,
        solid_at: &[],
        dashed_at: &[SMD_FLAG, WWC_LIMIT],
    };
    let svg = row_chart(&frame, |chart| {
        let points = |stats: fn(&crate::matching::balance::CovariateBalance) -> &BalanceStats| {
            table
                .rows
                .iter()
                .enumerate()
                .filter_map(|(i, r)| size(stats(r)).map(|d| (d, row_y(n, i))))
                .collect::<Vec<(f64, f64)>>()
        };
        let before = points(|r| &r.before);
        let after = points(|r| &r.after);
        chart
            .draw_series(
                before
                    .iter()
                    .map(|p| Circle::new(*p, 6, VERMILLION.stroke_width(2))),
            )
            .ok();
        chart
            .draw_series(after.iter().map(|p| Circle::new(*p, 6, BLUE.filled())))
            .ok();
    });
    let optional =
        |x: Option<f64>| x.map_or("not computable".to_string(), |d| significant(d.abs(), 2));
    let description = table
        .rows
        .iter()
        .map(|r| {
            format!(
                "{}: {} before, {} after",
                r.label(),
                optional(r.before.smd),
                optional(r.after.smd)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let description = format!(
        "|SMD| per variable, before matching as hollow circles and after as filled circles: {description}. Dashed lines at {} and {}.",
        significant(SMD_FLAG, 1),
        significant(WWC_LIMIT, 2)
    );
    let title = "Love plot: balance before and after matching".to_string();
    Chart {
        name: "matched_love",
        svg: accessible(&svg, "matched_love", &title, &description),
        title,
        description,
    }
}

/// Propensity-score overlap: the distribution of the distance in each group, as
/// step lines of the share of units per bin (20 equal bins over the pool's range),
/// before matching (top) and after (bottom, weighted).
/// A group's bin of fewer than `smallest_drawn` units is not drawn (disclosure
/// control; its line breaks there); 1 draws every bin.
pub fn overlap_chart(
    distance: &[f64],
    treated: &[bool],
    weights: &[f64],
    smallest_drawn: usize,
) -> Chart {
    register_font();
    const BINS: usize = 20;
    let (lo, hi) = distance
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &d| {
            (a.min(d), b.max(d))
        });
    let span = if hi > lo { hi - lo } else { 1.0 };
    let bin_of = |d: f64| ((((d - lo) / span) * BINS as f64).floor() as usize).min(BINS - 1);
    let mut hidden = 0;
    let mut units = [[0usize; BINS]; 2];
    for (d, t) in distance.iter().zip(treated) {
        units[usize::from(*t)][bin_of(*d)] += 1;
    }
    for group in &units {
        hidden += group
            .iter()
            .filter(|&&n| n > 0 && n < smallest_drawn)
            .count();
    }
    let shares = |group: bool, weighted: bool| -> Vec<Option<f64>> {
        let mut bins = [0.0; BINS];
        let mut total = 0.0;
        for i in (0..distance.len()).filter(|&i| treated[i] == group) {
            let w = if weighted { weights[i] } else { 1.0 };
            bins[bin_of(distance[i])] += w;
            total += w;
        }
        bins.iter()
            .zip(&units[usize::from(group)])
            .map(|(b, &n)| {
                (n == 0 || n >= smallest_drawn).then_some(if total > 0.0 { b / total } else { 0.0 })
            })
            .collect()
    };
    let panels = [
        ("before matching", shares(true, false), shares(false, false)),
        (
            "after matching (weighted)",
            shares(true, true),
            shares(false, true),
        ),
    ];
    let top = panels
        .iter()
        .flat_map(|(_, t, c)| t.iter().chain(c.iter()).flatten())
        .fold(0.0f64, |a, &b| a.max(b))
        .max(0.05)
        * 1.1;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (CHART_WIDTH, 520)).into_drawing_area();
        root.fill(&WHITE).ok();
        let areas = root.margin(8, 8, 8, 8).split_evenly((2, 1));
        for (area, (name, t, c)) in areas.iter().zip(&panels) {
            if let Ok(mut chart) = ChartBuilder::on(area)
                .caption(
                    format!("Propensity score by group, {name}"),
                    ("sans-serif", CAPTION_SIZE).into_font().color(&BLACK),
                )
                .margin(4)
                .x_label_area_size(40)
                .y_label_area_size(56)
                .build_cartesian_2d(lo..(lo + span), 0.0..top)
            {
                chart
                    .configure_mesh()
                    .x_labels(6)
                    .x_label_formatter(&|v| tick(*v, span, 3))
                    .y_labels(5)
                    .y_label_formatter(&|v| tick(*v, top, 3))
                    .x_desc("propensity score")
                    .y_desc("share of the group")
                    .axis_desc_style(("sans-serif", AXIS_SIZE).into_font().color(&BLACK))
                    .label_style(("sans-serif", TICK_SIZE).into_font().color(&GREY))
                    .light_line_style(RGBColor(0xEE, 0xEE, 0xEE))
                    .draw()
                    .ok();
                // The step line in runs of drawn bins: a bin left out breaks it.
                let step = |shares: &[Option<f64>]| -> Vec<Vec<(f64, f64)>> {
                    let width = span / BINS as f64;
                    let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
                    for (b, s) in shares.iter().enumerate() {
                        let x0 = lo + b as f64 * width;
                        match s {
                            Some(s) => runs
                                .last_mut()
                                .unwrap()
                                .extend([(x0, *s), (x0 + width, *s)]),
                            None => runs.push(Vec::new()),
                        }
                    }
                    runs.retain(|r| !r.is_empty());
                    runs
                };
                for run in step(t) {
                    chart
                        .draw_series(LineSeries::new(run, BLUE.stroke_width(2)))
                        .ok();
                }
                for run in step(c) {
                    chart
                        .draw_series(DashedLineSeries::new(run, 6, 4, VERMILLION.stroke_width(2)))
                        .ok();
                }
            }
        }
        root.present().ok();
    }
    let title = "Propensity-score overlap before and after matching".to_string();
    let mut description = format!(
        "Share of each group's units (after matching, of its weight) in 20 equal bins of the propensity score from {} to {}; treated as a solid blue line, comparison units as a dashed orange line; before matching above, after below.",
        significant(lo, DIGITS),
        significant(hi, DIGITS)
    );
    if hidden > 0 {
        description.push_str(&format!(
            " {} of the groups' bins hold fewer than {} units and are not drawn, to protect the people in them.",
            count(hidden),
            count(smallest_drawn)
        ));
    }
    Chart {
        name: "matched_overlap",
        svg: accessible(&svg, "matched_overlap", &title, &description),
        title,
        description,
    }
}

/// The whole matched-comparison section as Markdown: method, who was matched,
/// balance, the effect and its sensitivity per outcome, and the grading check.
/// `treatment` names the treatment in words for the sensitivity sentences.
pub fn section_markdown(
    analysis: &crate::analysis::matched::MatchedAnalysis,
    treatment: &str,
) -> String {
    let mut out = format!("## Matched comparison\n\n{}\n\n", method_sentence(analysis));
    out.push_str("### Who was matched\n\n");
    out.push_str(&counts_markdown(&analysis.balance));
    if analysis.balance_excluded_missing > 0 {
        out.push_str(&format!(
            "\n{} units of the pool are left out of the balance table: a covariate is missing in the analysis data.\n",
            count(analysis.balance_excluded_missing)
        ));
    }
    out.push_str("\n### Balance before and after matching\n\n");
    out.push_str(&balance_markdown(&analysis.balance));
    out.push_str("\n### Effect\n\n");
    for o in &analysis.outcomes {
        out.push_str(&effect_sentence(
            &o.effect,
            OutcomeView::of(&[], &o.effect.outcome),
            &Disclosure::none(),
        ));
        out.push_str("\n\n");
        out.push_str(&sensitivity_markdown(
            o.e_value.as_ref(),
            o.rosenbaum.as_ref(),
            treatment,
            &o.effect.outcome,
        ));
    }
    out.push_str(&format!(
        "\n### Grading check\n\n{}\n",
        grading_sentence(analysis)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::Estimand;
    use crate::matching::balance::{BalanceInput, BalanceVariable, balance_table};

    fn table() -> BalanceTable {
        let treated = [true, true, true, false, false, false, false];
        let status = [
            MatchStatus::Matched,
            MatchStatus::Matched,
            MatchStatus::OutsideCaliper,
            MatchStatus::Matched,
            MatchStatus::Matched,
            MatchStatus::Unmatched,
            MatchStatus::Unmatched,
        ];
        let weights = [1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0];
        let variables = [BalanceVariable {
            name: "age".into(),
            level: None,
            values: vec![30.0, 40.0, 60.0, 31.0, 41.0, 20.0, 25.0].into(),
        }];
        let distance = [0.6, 0.7, 0.9, 0.55, 0.65, 0.1, 0.2];
        balance_table(&BalanceInput {
            treated: &treated,
            weights: &weights,
            variables: &variables,
            distance: Some(&distance),
            estimand: Estimand::Att,
            status: &status,
            adjusted: &[],
        })
    }

    #[test]
    fn tables_name_the_convention_and_the_reasons() {
        let t = table();
        let md = balance_markdown(&t);
        assert!(md.contains("the SD of the treated group before matching (ATT estimand)"));
        assert!(md.contains("| distance |"));
        assert!(md.contains("not graded"));
        let counts = counts_markdown(&t);
        assert!(
            counts.contains("| Not used: no match within the caliper | 1 | 0 |"),
            "{counts}"
        );
        assert!(
            counts.contains("| Not used: not needed as a match | 0 | 2 |"),
            "{counts}"
        );
    }

    #[test]
    fn strata_chart_draws_the_largest_and_sums_the_rest() {
        use crate::analysis::matched::{StrataRetained, StratumCount};
        let strata = StrataRetained {
            strata: (1..=23)
                .rev()
                .map(|k| StratumCount {
                    stratum: k,
                    treated: 1,
                    control: k as usize,
                })
                .collect(),
            treated_dropped: 4,
            control_dropped: 9,
        };
        let chart = strata_chart(&strata, &Disclosure::none());
        // 20 strata drawn (two bars each); the 3 smallest (controls 1, 2, 3) summed.
        assert!(
            chart
                .description
                .starts_with("23 strata hold units of both groups")
        );
        assert!(
            chart
                .description
                .contains("stratum 4: 1 treated, 4 comparison")
        );
        assert!(!chart.description.contains("stratum 3:"));
        assert!(
            chart
                .description
                .contains("The 3 smaller strata not drawn hold 3 treated and 6 comparison units."),
            "{}",
            chart.description
        );
        assert!(
            chart
                .description
                .contains("4 treated and 9 comparison units")
        );
        assert_eq!(
            chart.svg.matches("<rect").count(),
            1 + 2 * 20,
            "{}",
            chart.svg
        );
    }

    #[test]
    fn charts_are_accessible_svg() {
        let t = table();
        let love = matched_love_plot(&t);
        assert!(love.svg.contains("<title"));
        assert!(love.description.contains("age:"));
        let overlap = overlap_chart(
            &[0.6, 0.7, 0.9, 0.55, 0.65, 0.1, 0.2],
            &[true, true, true, false, false, false, false],
            &[1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0],
            1,
        );
        assert!(overlap.svg.starts_with("<svg") || overlap.svg.contains("<svg"));
        assert!(!overlap.description.contains("not drawn"));
        // With a threshold of 2, the single units in their bins are not drawn.
        let guarded = overlap_chart(
            &[0.6, 0.7, 0.9, 0.55, 0.65, 0.1, 0.2],
            &[true, true, true, false, false, false, false],
            &[1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0],
            2,
        );
        // Each unit sits alone in its bin: all 7 bins are left out.
        assert!(
            guarded
                .description
                .contains(" 7 of the groups' bins hold fewer than 2 units and are not drawn"),
            "{}",
            guarded.description
        );
        assert_ne!(guarded.svg, overlap.svg);
    }
}
