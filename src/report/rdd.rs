//! The regression discontinuity section of a report: the RD plot (binned means with the
//! fitted local polynomials either side), the running variable's histogram either side
//! (what the density test looks at), the estimate against bandwidth, and the Markdown
//! tables of the three estimate rows, the diagnostics and the grade's reasons.
//! Numbers go through `report::format`, charts follow `report::charts`' conventions
//! (embedded font, Okabe–Ito colours, meaning never carried by colour alone).

use plotters::prelude::*;

use super::charts::{CHART_WIDTH, Chart, accessible, register_font};
use super::format::{
    EffectText, Scale, count, fixed, p_phrase, shared_decimals, significant, tick,
};
use crate::designs::rdd::diagnostics::{PlaceboRow, SensitivityRow};
use crate::designs::rdd::{DensityTest, RdBins, RdError, RdEstimate, RdRow};
use crate::evidence::rdd::{RD_RULE, RdGrade};

const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
const GREY: RGBColor = RGBColor(0x55, 0x55, 0x55);
/// The same text sizes as report::charts (11.3 px ticks, 13.7 px captions).
const TICK_SIZE: u32 = 14;
const CAPTION_SIZE: u32 = 17;

fn padded(lo: f64, hi: f64) -> (f64, f64) {
    let span = (hi - lo).abs().max(1e-12);
    (lo - 0.05 * span, hi + 0.05 * span)
}

/// Binned means (circles below the cut-off, squares above) with the local polynomial of
/// order p fitted inside the bandwidth either side, and the cut-off as a dashed line.
/// A bin of fewer than `smallest_drawn` units is not drawn (disclosure control: its
/// mean describes too few people); 1 draws every bin.
pub fn rd_plot_chart(
    bins: &RdBins,
    est: &RdEstimate,
    running: &str,
    outcome: &str,
    scale: Scale,
    smallest_drawn: usize,
) -> Chart {
    register_font();
    let drawn = |b: &&crate::designs::rdd::Bin| b.count >= smallest_drawn;
    let hidden = bins
        .left
        .iter()
        .chain(&bins.right)
        .filter(|b| !drawn(b))
        .count();
    let c = est.cutoff;
    // A binary outcome is drawn in percent, the scale its jump is read in (percentage
    // points), so the axis and the sentence under the chart agree.
    let f = scale.factor();
    let y_axis = match scale {
        Scale::PercentagePoints => format!("{outcome} (%)"),
        _ => outcome.to_string(),
    };
    let fitted = |coef: &[f64], from: f64, to: f64| -> Vec<(f64, f64)> {
        (0..=60)
            .map(|i| {
                let x = from + (to - from) * i as f64 / 60.0;
                let u = x - c;
                let y = coef.iter().rev().fold(0.0, |acc, b| acc * u + b);
                (x, f * y)
            })
            .collect()
    };
    let left_line = fitted(&est.coef_left, c - est.h_left, c);
    let right_line = fitted(&est.coef_right, c, c + est.h_right);
    let xs = bins
        .left
        .iter()
        .chain(&bins.right)
        .map(|b| b.mean_x)
        .chain([c - est.h_left, c + est.h_right]);
    let ys = bins
        .left
        .iter()
        .chain(&bins.right)
        .map(|b| f * b.mean_y)
        .chain(left_line.iter().chain(&right_line).map(|p| p.1));
    let (x_lo, x_hi) = xs.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    let (y_lo, y_hi) = ys.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    let (x_lo, x_hi) = padded(x_lo, x_hi);
    let (y_lo, y_hi) = padded(y_lo, y_hi);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (CHART_WIDTH, 400)).into_drawing_area();
        root.fill(&WHITE).ok();
        if let Ok(mut chart) = ChartBuilder::on(&root)
            .caption(
                format!("{outcome} against {running}"),
                ("sans-serif", CAPTION_SIZE).into_font().color(&BLACK),
            )
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
        {
            let (xs, ys) = (x_hi - x_lo, y_hi - y_lo);
            chart
                .configure_mesh()
                .x_desc(running)
                .y_desc(&y_axis)
                .x_label_formatter(&|v| tick(*v, xs, 4))
                .y_label_formatter(&|v| tick(*v, ys, 4))
                .label_style(("sans-serif", TICK_SIZE).into_font().color(&GREY))
                .light_line_style(RGBColor(0xEE, 0xEE, 0xEE))
                .draw()
                .ok();
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(c, y_lo), (c, y_hi)],
                    6,
                    4,
                    GREY.stroke_width(1),
                ))
                .ok();
            chart
                .draw_series(
                    bins.left
                        .iter()
                        .filter(drawn)
                        .map(|b| Circle::new((b.mean_x, f * b.mean_y), 3, BLUE.filled())),
                )
                .ok();
            chart
                // A square of 7 px around each mean: a zero-size rectangle draws
                // nothing in SVG, whatever its stroke.
                .draw_series(bins.right.iter().filter(drawn).map(|b| {
                    EmptyElement::at((b.mean_x, f * b.mean_y))
                        + Rectangle::new([(-3, -3), (4, 4)], VERMILLION.filled())
                }))
                .ok();
            chart
                .draw_series(LineSeries::new(left_line, BLUE.stroke_width(2)))
                .ok();
            chart
                .draw_series(LineSeries::new(right_line, VERMILLION.stroke_width(2)))
                .ok();
        }
        root.present().ok();
    }
    let title = format!(
        "RD plot: {outcome} against {running}, cut-off {}",
        significant(c, 4)
    );
    let mut description = format!(
        "Means of {outcome} in {} evenly spaced bins below the cut-off (circles) and {} above it (squares), with the local polynomials of order {} fitted within the bandwidth either side. The lines meet the dashed cut-off line {}{} apart: the conventional estimate of the jump.",
        bins.left.len(),
        bins.right.len(),
        est.p,
        significant(scale.factor() * est.conventional.estimate, 3),
        scale.difference_unit(),
    );
    description.push_str(&small_bins_note(hidden, smallest_drawn));
    Chart {
        name: "rd-plot",
        svg: accessible(&svg, "rd-plot", &title, &description),
        title,
        description,
    }
}

/// The running variable's histogram either side of the cut-off, in evenly spaced bins of
/// equal width, as densities (share per unit of the running variable).
/// A bar of fewer than `smallest_drawn` units is not drawn (disclosure control); 1
/// draws every bar.
pub fn running_histogram_chart(
    running: &[f64],
    cutoff: f64,
    bins_per_side: usize,
    label: &str,
    smallest_drawn: usize,
) -> Chart {
    register_font();
    let lo = running.iter().copied().fold(f64::MAX, f64::min);
    let hi = running.iter().copied().fold(f64::MIN, f64::max);
    let n = running.len() as f64;
    let k = bins_per_side.max(1);
    let side = |from: f64, to: f64| -> Vec<(f64, f64, f64, usize)> {
        let w = (to - from) / k as f64;
        let mut counts = vec![0usize; k];
        for &x in running {
            if x >= from && (x < to || (to == hi && x <= to)) {
                let i = (((x - from) / w) as usize).min(k - 1);
                counts[i] += 1;
            }
        }
        counts
            .iter()
            .enumerate()
            .map(|(i, c)| {
                (
                    from + i as f64 * w,
                    from + (i + 1) as f64 * w,
                    *c as f64 / (n * w),
                    *c,
                )
            })
            .collect::<Vec<_>>()
    };
    let mut below = side(lo, cutoff);
    let mut above = side(cutoff, hi);
    let small = |b: &(f64, f64, f64, usize)| b.3 > 0 && b.3 < smallest_drawn;
    let hidden = below.iter().chain(&above).filter(|b| small(b)).count();
    below.retain(|b| !small(b));
    above.retain(|b| !small(b));
    let top = below.iter().chain(&above).map(|b| b.2).fold(0.0, f64::max) * 1.1;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (CHART_WIDTH, 320)).into_drawing_area();
        root.fill(&WHITE).ok();
        if let Ok(mut chart) = ChartBuilder::on(&root)
            .caption(
                format!("Distribution of {label} either side of the cut-off"),
                ("sans-serif", CAPTION_SIZE).into_font().color(&BLACK),
            )
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(lo..hi, 0.0..top.max(1e-12))
        {
            let span = hi - lo;
            chart
                .configure_mesh()
                .x_desc(label)
                .y_desc("density")
                .x_label_formatter(&|v| tick(*v, span, 4))
                .y_label_formatter(&|v| tick(*v, top, 3))
                .label_style(("sans-serif", TICK_SIZE).into_font().color(&GREY))
                .light_line_style(RGBColor(0xEE, 0xEE, 0xEE))
                .draw()
                .ok();
            // Below: filled bars; above: outlined bars (not colour alone).
            chart
                .draw_series(
                    below
                        .iter()
                        .map(|b| Rectangle::new([(b.0, 0.0), (b.1, b.2)], BLUE.mix(0.6).filled())),
                )
                .ok();
            chart
                .draw_series(
                    above.iter().map(|b| {
                        Rectangle::new([(b.0, 0.0), (b.1, b.2)], VERMILLION.stroke_width(2))
                    }),
                )
                .ok();
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(cutoff, 0.0), (cutoff, top)],
                    6,
                    4,
                    GREY.stroke_width(1),
                ))
                .ok();
        }
        root.present().ok();
    }
    let title = format!("Histogram of {label} either side of the cut-off");
    let mut description = format!(
        "Density of {label} in {k} equal-width bins below the cut-off {} (filled) and {k} above it (outlined). A pile-up just on one side would suggest the score was manipulated.",
        significant(cutoff, 4)
    );
    description.push_str(&small_bins_note(hidden, smallest_drawn));
    Chart {
        name: "rd-density",
        svg: accessible(&svg, "rd-density", &title, &description),
        title,
        description,
    }
}

/// The conventional estimate with its robust interval at each bandwidth multiple.
pub fn sensitivity_chart(rows: &[SensitivityRow], scale: Scale) -> Chart {
    register_font();
    let f = scale.factor();
    let on_scale = |r: &RdRow| RdRow {
        estimate: f * r.estimate,
        ci_lower: f * r.ci_lower,
        ci_upper: f * r.ci_upper,
        std_error: f * r.std_error,
        ..*r
    };
    let points: Vec<(f64, RdRow, RdRow)> = rows
        .iter()
        .filter_map(|r| {
            r.result
                .as_ref()
                .ok()
                .map(|(c, rb)| (r.multiple, on_scale(c), on_scale(rb)))
        })
        .collect();
    let (y_lo, y_hi) = points
        .iter()
        .flat_map(|p| [p.2.ci_lower, p.2.ci_upper, p.1.estimate, 0.0])
        .fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    let (y_lo, y_hi) = if points.is_empty() {
        (-1.0, 1.0)
    } else {
        padded(y_lo, y_hi)
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (CHART_WIDTH, 320)).into_drawing_area();
        root.fill(&WHITE).ok();
        if let Ok(mut chart) = ChartBuilder::on(&root)
            .caption(
                "Estimate against bandwidth",
                ("sans-serif", CAPTION_SIZE).into_font().color(&BLACK),
            )
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(0.3f64..2.2f64, y_lo..y_hi)
        {
            let span = y_hi - y_lo;
            chart
                .configure_mesh()
                .x_desc("bandwidth (multiple of the chosen h)")
                .y_desc(format!("estimate{}", unit_suffix(scale)))
                .x_label_formatter(&|v| tick(*v, 2.0, 3))
                .y_label_formatter(&|v| tick(*v, span, 4))
                .label_style(("sans-serif", TICK_SIZE).into_font().color(&GREY))
                .light_line_style(RGBColor(0xEE, 0xEE, 0xEE))
                .draw()
                .ok();
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(0.3, 0.0), (2.2, 0.0)],
                    6,
                    4,
                    GREY.stroke_width(1),
                ))
                .ok();
            chart
                .draw_series(points.iter().map(|(m, _, rb)| {
                    PathElement::new(
                        vec![(*m, rb.ci_lower), (*m, rb.ci_upper)],
                        BLUE.stroke_width(2),
                    )
                }))
                .ok();
            chart
                .draw_series(
                    points
                        .iter()
                        .map(|(m, c, _)| Circle::new((*m, c.estimate), 4, BLUE.filled())),
                )
                .ok();
        }
        root.present().ok();
    }
    let title = "Estimate against bandwidth".to_string();
    let description = format!(
        "The conventional estimate (dots) with its robust 95% interval (bars) at {} multiples of the chosen bandwidth: {}.",
        points.len(),
        points
            .iter()
            .map(|(m, c, _)| format!("{}×h: {}", significant(*m, 2), significant(c.estimate, 3)))
            .collect::<Vec<_>>()
            .join("; ")
    );
    Chart {
        name: "rd-bandwidth",
        svg: accessible(&svg, "rd-bandwidth", &title, &description),
        title,
        description,
    }
}

/// An estimate and its interval with shared decimals (the interval's half-width to two
/// significant figures), so "0.128 (0.039 to 0.217)", never "0.128 (0.0394 to 0.217)";
/// on the outcome's scale (a binary outcome's jump in percentage points).
fn with_interval(scale: Scale, estimate: f64, low: f64, high: f64) -> (String, String) {
    let text = EffectText::new(scale, estimate, low, high);
    let range = text.range();
    (text.estimate, range)
}

/// One number of decimals for a table of estimates with intervals: the most any row
/// needs, so the column lines up.
fn table_decimals(rows: impl Iterator<Item = (f64, f64, f64)>) -> usize {
    rows.map(|(e, l, h)| shared_decimals(e, l, h))
        .max()
        .unwrap_or(3)
}

/// An estimate and its interval at `decimals` (values already on the shown scale).
fn at_decimals(decimals: usize, estimate: f64, low: f64, high: f64) -> (String, String) {
    (
        fixed(estimate, decimals),
        format!("{} to {}", fixed(low, decimals), fixed(high, decimals)),
    )
}

fn row_cells(scale: Scale, label: &str, r: &RdRow) -> String {
    let (estimate, range) = with_interval(scale, r.estimate, r.ci_lower, r.ci_upper);
    format!(
        "| {label} | {estimate} | {} | {range} | {} |",
        significant(scale.factor() * r.std_error, 2),
        p_phrase(r.p_value)
    )
}

/// ", percentage points" (or ", minutes") after a column or axis name; nothing for a
/// unitless continuous outcome.
fn unit_suffix(scale: Scale) -> String {
    let unit = scale.difference_unit();
    if unit.trim().is_empty() {
        String::new()
    } else {
        format!(",{unit}")
    }
}

fn failure(e: &RdError) -> String {
    format!("not estimated: {e}")
}

/// The section as Markdown: estimate rows, bandwidths, diagnostics and the grade.
pub fn rd_markdown(
    est: &RdEstimate,
    density: &Result<DensityTest, RdError>,
    placebos: &[PlaceboRow],
    sensitivity: &[SensitivityRow],
    grade: &RdGrade,
    scale: Scale,
) -> String {
    let f = scale.factor();
    let unit = unit_suffix(scale);
    let mut s = String::new();
    s.push_str("## Regression discontinuity\n\n");
    s.push_str(&format!(
        "The effect is estimated at the cut-off {} and applies to units near it. Local polynomial of order {} ({} kernel), bias correction of order {}, {} variance; bandwidth h = {} below and {} above ({}), bias bandwidth b = {} and {}; {} and {} observations inside h.\n\n",
        significant(est.cutoff, 4),
        est.p,
        est.kernel.name(),
        est.q,
        est.vce,
        significant(est.h_left, 3),
        significant(est.h_right, 3),
        est.bandwidth_method,
        significant(est.b_left, 3),
        significant(est.b_right, 3),
        count(est.n_h_left),
        count(est.n_h_right),
    ));
    s.push_str(&format!(
        "| estimate | value{unit} | standard error | 95% interval | p |\n|---|---|---|---|---|\n"
    ));
    s.push_str(&row_cells(scale, "conventional", &est.conventional));
    s.push('\n');
    s.push_str(&row_cells(scale, "bias-corrected", &est.bias_corrected));
    s.push('\n');
    s.push_str(&row_cells(scale, "robust (report this)", &est.robust));
    s.push_str("\n\n");
    if let Some(fs) = &est.first_stage {
        let (jump, range) = with_interval(
            Scale::Unit(None),
            fs.conventional.estimate,
            fs.robust.ci_lower,
            fs.robust.ci_upper,
        );
        s.push_str(&format!(
            "Fuzzy design: the jump in treatment received is {jump} (robust interval {range}, F = {}); the estimate above is the effect of treatment received on units that comply at the cut-off.\n\n",
            significant(fs.f_statistic, 3)
        ));
    }
    for w in &est.warnings {
        s.push_str(&format!("- Warning: {w}\n"));
    }
    s.push_str("\n### Diagnostics\n\n");
    match density {
        Ok(d) => s.push_str(&format!(
            "Density test (Cattaneo, Jansson and Ma 2020): T = {}, p {}; densities {} below and {} above the cut-off.\n\n",
            significant(d.t, 3),
            p_phrase(d.p_value),
            significant(d.density_left, 3),
            significant(d.density_right, 3)
        )),
        Err(e) => s.push_str(&format!("Density test: {}.\n\n", failure(e))),
    }
    s.push_str(&format!(
        "| bandwidth | estimate{unit} | robust 95% interval |\n|---|---|---|\n"
    ));
    let decimals = table_decimals(sensitivity.iter().filter_map(|r| {
        r.result
            .as_ref()
            .ok()
            .map(|(c, rb)| (f * c.estimate, f * rb.ci_lower, f * rb.ci_upper))
    }));
    for r in sensitivity {
        match &r.result {
            Ok((c, rb)) => {
                let (estimate, range) =
                    at_decimals(decimals, f * c.estimate, f * rb.ci_lower, f * rb.ci_upper);
                s.push_str(&format!(
                    "| {}×h | {estimate} | {range} |\n",
                    significant(r.multiple, 2),
                ))
            }
            Err(e) => s.push_str(&format!(
                "| {}×h | {} | |\n",
                significant(r.multiple, 2),
                failure(e)
            )),
        }
    }
    s.push_str(&format!(
        "\n| placebo cut-off | side | estimate{unit} | robust 95% interval | p |\n|---|---|---|---|---|\n"
    ));
    let decimals = table_decimals(placebos.iter().filter_map(|p| {
        p.result.as_ref().ok().map(|e| {
            (
                f * e.conventional.estimate,
                f * e.robust.ci_lower,
                f * e.robust.ci_upper,
            )
        })
    }));
    for p in placebos {
        match &p.result {
            Ok(e) => {
                let (estimate, range) = at_decimals(
                    decimals,
                    f * e.conventional.estimate,
                    f * e.robust.ci_lower,
                    f * e.robust.ci_upper,
                );
                s.push_str(&format!(
                    "| {} | {} | {estimate} | {range} | {} |\n",
                    significant(p.cutoff, 4),
                    p.side,
                    p_phrase(e.robust.p_value)
                ))
            }
            Err(e) => s.push_str(&format!(
                "| {} | {} | {} | | |\n",
                significant(p.cutoff, 4),
                p.side,
                failure(e)
            )),
        }
    }
    s.push_str(&format!(
        "\n### Grade\n\n{RD_RULE}\n\nHighest level the design allows: Nesta level {} (SMS {}).\n\n",
        grade.max_nesta_level, grade.max_sms
    ));
    for p in &grade.passed {
        s.push_str(&format!("- Held: {p}\n"));
    }
    for h in &grade.held_down_by {
        s.push_str(&format!("- Held the grade down: {h}\n"));
    }
    s
}

/// " 3 bins of fewer than 10 units are not drawn, to protect the people in them." or
/// nothing.
fn small_bins_note(hidden: usize, smallest_drawn: usize) -> String {
    match hidden {
        0 => String::new(),
        1 => format!(
            " 1 bin of fewer than {} units is not drawn, to protect the people in it.",
            count(smallest_drawn)
        ),
        n => format!(
            " {} bins of fewer than {} units are not drawn, to protect the people in them.",
            count(n),
            count(smallest_drawn)
        ),
    }
}

/// The RD's charts: the RD plot, the running variable's histogram, the estimate against
/// bandwidth. Bins smaller than `smallest_drawn` units are left out of the first two.
pub fn rd_charts(
    rd: &crate::analysis::rdd::RdAnalysis,
    scale: Scale,
    smallest_drawn: usize,
) -> Vec<Chart> {
    let raw = &rd.raw;
    let mut out = Vec::new();
    if let Some(bins) = &raw.bins {
        out.push(rd_plot_chart(
            bins,
            &raw.estimate,
            &rd.running,
            &raw.outcome_label,
            scale,
            smallest_drawn,
        ));
    }
    out.push(running_histogram_chart(
        &raw.running_values,
        rd.cutoff,
        20,
        &rd.running,
        smallest_drawn,
    ));
    out.push(sensitivity_chart(&raw.sensitivity, scale));
    out
}

/// The RD section's blocks for Markdown and HTML: the section's Markdown (`rd_markdown`)
/// read back into paragraphs, lists and tables, with the charts after the estimate.
pub(super) fn rd_blocks(
    rd: &crate::analysis::rdd::RdAnalysis,
    charts: &[Chart],
    blocks: &mut Vec<super::document::Block>,
    scale: Scale,
) {
    use super::document::{Block, Table};
    let raw = &rd.raw;
    let text = rd_markdown(
        &raw.estimate,
        &raw.density,
        &raw.placebos,
        &raw.sensitivity,
        &raw.grade,
        scale,
    );
    let chart_blocks = |names: &[&str], blocks: &mut Vec<Block>| {
        for (i, c) in charts.iter().enumerate() {
            if names.contains(&c.name) {
                blocks.push(Block::Chart(i));
            }
        }
    };
    let mut table: Option<Table> = None;
    let mut list: Vec<String> = Vec::new();
    let mut tables_seen = 0;
    let flush = |table: &mut Option<Table>, list: &mut Vec<String>, blocks: &mut Vec<Block>| {
        if let Some(t) = table.take() {
            blocks.push(Block::Table(t));
        }
        if !list.is_empty() {
            blocks.push(Block::List(std::mem::take(list)));
        }
    };
    let cells = |line: &str| -> Vec<String> {
        line.trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_string())
            .collect()
    };
    for line in text.lines() {
        if let Some(h) = line
            .strip_prefix("## ")
            .or_else(|| line.strip_prefix("### "))
        {
            flush(&mut table, &mut list, blocks);
            if h == "Diagnostics" {
                chart_blocks(&["rd-plot"], blocks);
            }
            blocks.push(Block::Heading(h.to_string()));
        } else if line.starts_with('|') {
            if line.starts_with("|---") {
                continue;
            }
            match table.as_mut() {
                Some(t) => t.rows.push(cells(line)),
                None => {
                    tables_seen += 1;
                    let caption = match tables_seen {
                        1 => "Regression discontinuity estimates",
                        2 => "Estimate at multiples of the chosen bandwidth",
                        _ => "Placebo cut-offs (no jump expected)",
                    };
                    table = Some(Table {
                        caption: caption.to_string(),
                        header: cells(line),
                        rows: Vec::new(),
                    });
                }
            }
        } else if let Some(item) = line.strip_prefix("- ") {
            list.push(item.to_string());
        } else if line.trim().is_empty() {
            let sensitivity = table
                .as_ref()
                .is_some_and(|t| t.caption.starts_with("Estimate at"));
            flush(&mut table, &mut list, blocks);
            if sensitivity {
                chart_blocks(&["rd-bandwidth"], blocks);
            }
        } else {
            flush(&mut table, &mut list, blocks);
            blocks.push(Block::Paragraph(line.to_string()));
            if line.starts_with("Density test") {
                chart_blocks(&["rd-density"], blocks);
            }
        }
    }
    flush(&mut table, &mut list, blocks);
}
