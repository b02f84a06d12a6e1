//! Charts drawn from the report model as SVG (plotters), with an embedded font so
//! that text is measured and laid out the same on a machine without system fonts.
//!
//! Every chart carries a <title> and <desc> for screen readers, uses the Okabe–Ito
//! colour-blind-safe palette, and never carries meaning by colour alone (beneficial
//! effects are filled markers, others hollow, lines differ in marker and dash, and
//! every estimate is also printed).
//!
//! Charts are drawn [`CHART_WIDTH`] px wide, no wider than A4's printable width
//! (174 mm ≈ 657 CSS px inside 18 mm margins), so a printed chart is never shrunk and
//! its tick text (11.3 px, see [`TICK_SIZE`]) stays above 11 px on paper.

use std::sync::Once;

use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::FontStyle;

use super::format::{EffectText, percent, period_tick, significant, tick};
use super::model::{FindingRow, ReportModel};
use crate::assign::Balance;
use crate::power::plan::PlanResult;
use crate::spec::OutcomeType;

const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
pub(crate) const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
pub(crate) const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
pub(crate) const GREY: RGBColor = RGBColor(0x55, 0x55, 0x55);

/// Width of every chart in px (see the module notes for why).
pub(crate) const CHART_WIDTH: u32 = 640;
/// Tick and legend text in plotters' units: its SVG backend writes a font size of
/// size / 1.24 px, so 14 gives 11.3 px text.
pub(crate) const TICK_SIZE: u32 = 14;
/// Axis titles (11.3 px in the SVG).
pub(crate) const AXIS_SIZE: u32 = 14;
/// Chart captions (13.7 px in the SVG).
pub(crate) const CAPTION_SIZE: u32 = 17;

/// A drawn chart: file stem, title, description, SVG text.
#[derive(Debug, Clone)]
pub struct Chart {
    pub name: &'static str,
    pub title: String,
    pub description: String,
    pub svg: String,
}

pub(crate) fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TrueType font compiled into the binary; failure here
        // would be a build defect, not a user error.
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
            .unwrap_or_else(|_| panic!("embedded font DejaVuSans.ttf is invalid"));
    });
}

/// All charts for a report (none when there is nothing to plot).
pub fn charts(model: &ReportModel) -> Vec<Chart> {
    let mut out = Vec::new();
    if let Some(analysis) = &model.analysis
        && let Some(rd) = &analysis.regression_discontinuity
    {
        out.extend(super::rdd::rd_charts(
            rd,
            super::format::Scale::of_named(analysis, &rd.outcome),
            model.disclosure.smallest_drawn(),
        ));
    }
    if let Some(analysis) = &model.analysis
        && !analysis.flow.arms.is_empty()
    {
        let outcome = analysis
            .outcomes
            .iter()
            .find(|o| o.outcome == analysis.flow.outcome)
            .map_or(analysis.flow.outcome.as_str(), |o| o.label.as_str());
        out.push(super::flow_chart::flow_diagram(
            &analysis.flow,
            model.design.kind,
            outcome,
            &model.disclosure,
        ));
    }
    if !model.findings.is_empty() {
        out.push(forest_plot(&model.findings));
    }
    if let Some(chart) = model
        .analysis
        .as_ref()
        .and_then(|a| super::subgroups::subgroup_chart(a, &model.disclosure))
    {
        out.push(chart);
    }
    if let Some(chart) = model
        .analysis
        .as_ref()
        .and_then(super::economics::ceac_chart)
    {
        out.push(chart);
    }
    if let Some(matched) = model.analysis.as_ref().and_then(|a| a.matched.as_ref()) {
        out.extend(super::matching::charts(matched, &model.disclosure));
    }
    out.extend(super::its::its_charts(model));
    out.extend(super::did::did_charts(model));
    if let Some(assignment) = &model.assignment
        && !assignment.balance.rows.is_empty()
    {
        out.push(love_plot(&assignment.balance));
    }
    if let Some(staggered) = model
        .analysis
        .as_ref()
        .and_then(|a| a.staggered_rollout.as_ref())
    {
        out.push(super::staggered::event_time_chart(
            &staggered.analysis,
            &staggered.outcome_label,
        ));
    }
    if let Some(plan) = &model.plan {
        out.push(power_curve_chart(plan));
        out.push(mdes_chart(plan));
        if let Some(budget) = &plan.budget {
            out.push(budget_chart(budget));
        }
    }
    if let Some(synth) = &model.synthetic_control {
        out.extend(super::synth::charts(synth));
    }
    out
}

/// The plotting area of a chart over periods (interrupted time series,
/// difference-in-differences).
pub(crate) type TimeChart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    plotters::coord::cartesian::Cartesian2d<
        plotters::coord::types::RangedCoordf64,
        plotters::coord::types::RangedCoordf64,
    >,
>;

/// What the x axis of a [`time_chart`] counts, for its tick labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum XAxis {
    /// Periods (years, months or quarters numbered, periods since treatment): whole
    /// periods without thousands separators (2005, not 2,005).
    Periods,
    /// Amounts, with separators as every other figure.
    Values,
}

/// The corner of a chart's plot area holding the fewest of `points`, for its legend
/// box (a corner is the outer 40% of the x range by the outer 30% of the y range).
/// Ties go to the upper corners first, then left before right.
pub(crate) fn quietest_corner(
    points: impl Iterator<Item = (f64, f64)>,
    (x_lo, x_hi): (f64, f64),
    (y_lo, y_hi): (f64, f64),
) -> SeriesLabelPosition {
    let (x_span, y_span) = (x_hi - x_lo, y_hi - y_lo);
    // [upper left, upper right, lower left, lower right]
    let mut counts = [0usize; 4];
    for (x, y) in points.filter(|(x, y)| x.is_finite() && y.is_finite()) {
        let left = x <= x_lo + 0.4 * x_span;
        let right = x >= x_hi - 0.4 * x_span;
        let upper = y >= y_hi - 0.3 * y_span;
        let lower = y <= y_lo + 0.3 * y_span;
        for (corner, inside) in [upper && left, upper && right, lower && left, lower && right]
            .into_iter()
            .enumerate()
        {
            counts[corner] += usize::from(inside);
        }
    }
    let quietest = (0..4).min_by_key(|&c| (counts[c], c)).unwrap_or(0);
    [
        SeriesLabelPosition::UpperLeft,
        SeriesLabelPosition::UpperRight,
        SeriesLabelPosition::LowerLeft,
        SeriesLabelPosition::LowerRight,
    ][quietest]
        .clone()
}

/// The frame every chart over periods shares: [`CHART_WIDTH`] by 400 px, a caption,
/// axes titled `x_desc` and `y_desc` with ticks through the one formatter, a light
/// grid; `draw` adds the series, and with a `legend` position the labelled series are
/// listed there. Returns the SVG.
pub(crate) fn time_chart(
    caption: &str,
    (x_desc, y_desc): (&str, &str),
    x_axis: XAxis,
    (x_lo, x_hi): (f64, f64),
    (y_lo, y_hi): (f64, f64),
    legend: Option<SeriesLabelPosition>,
    draw: impl FnOnce(&mut TimeChart<'_, '_>),
) -> String {
    register_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (CHART_WIDTH, 400)).into_drawing_area();
        root.fill(&WHITE).ok();
        if let Ok(mut chart) = ChartBuilder::on(&root)
            .caption(
                caption,
                ("sans-serif", CAPTION_SIZE).into_font().color(&BLACK),
            )
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
        {
            let (span_x, span_y) = (x_hi - x_lo, y_hi - y_lo);
            chart
                .configure_mesh()
                .x_desc(x_desc)
                .y_desc(y_desc)
                .x_label_formatter(&|v| match x_axis {
                    XAxis::Periods => period_tick(*v, span_x),
                    XAxis::Values => tick(*v, span_x, 4),
                })
                .y_label_formatter(&|v| tick(*v, span_y, 4))
                .axis_desc_style(("sans-serif", AXIS_SIZE).into_font().color(&BLACK))
                .label_style(("sans-serif", TICK_SIZE).into_font().color(&GREY))
                .light_line_style(RGBColor(0xEE, 0xEE, 0xEE))
                .draw()
                .ok();
            draw(&mut chart);
            if let Some(position) = legend {
                chart
                    .configure_series_labels()
                    .label_font(("sans-serif", TICK_SIZE).into_font())
                    .background_style(WHITE.mix(0.9))
                    .border_style(RGBColor(0xCC, 0xCC, 0xCC))
                    .position(position)
                    .draw()
                    .ok();
            }
        }
        root.present().ok();
    }
    svg
}

/// A dashed vertical line at `x` across `(y_lo, y_hi)`: where the intervention starts.
pub(crate) fn dashed_vertical(chart: &mut TimeChart<'_, '_>, x: f64, (y_lo, y_hi): (f64, f64)) {
    chart
        .draw_series(DashedLineSeries::new(
            vec![(x, y_lo), (x, y_hi)],
            4,
            4,
            BLACK.stroke_width(1),
        ))
        .ok();
}

/// The finite range of `values` widened by `pad` of its span either side ((0, 1) when
/// none is finite), so marks never sit on the frame.
pub(crate) fn padded_range(values: impl Iterator<Item = f64>, pad: f64) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(v), h.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * pad).max(1e-9);
    (lo - pad, hi + pad)
}

/// A chart with its title and description, made accessible.
pub(crate) fn titled(name: &'static str, svg: &str, title: String, description: String) -> Chart {
    Chart {
        name,
        svg: accessible(svg, name, &title, &description),
        title,
        description,
    }
}

/// Threshold drawn on the Love plot: |SMD| of 0.1, cobalt's default.
pub const LOVE_THRESHOLD: f64 = 0.1;

/// Width in px of the widest of `labels` at `size`, measured with the embedded font.
pub(crate) fn widest(labels: &[&str], size: u32) -> u32 {
    labels
        .iter()
        .map(|l| {
            ("sans-serif", size)
                .into_font()
                .box_size(l)
                .map_or(size * l.chars().count() as u32, |(w, _)| w)
        })
        .max()
        .unwrap_or(0)
}

/// The plotting area of a row chart: x continuous, one row per named item.
pub(crate) type RowArea<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    plotters::coord::cartesian::Cartesian2d<
        plotters::coord::types::RangedCoordf64,
        plotters::coord::types::RangedCoordf64,
    >,
>;

/// The frame shared by charts with one named row per item (the Love plots, the
/// CEM strata): names left of the axis (given room up to a third of the width),
/// the x axis with its description, a solid line at each of `solid_at` and dashed
/// lines at each of `dashed_at`. Row `i` (0 = top) is drawn at y = [`row_y`].
pub(crate) struct RowFrame<'a> {
    pub caption: &'a str,
    pub rows: &'a [&'a str],
    pub x_range: std::ops::Range<f64>,
    pub x_desc: &'a str,
    pub x_labels: usize,
    /// Tick labels through `format::tick` with this many significant figures.
    pub tick_digits: usize,
    pub row_height: u32,
    /// Height above the rows (caption, axis, margins).
    pub chrome_height: u32,
    pub solid_at: &'a [f64],
    pub dashed_at: &'a [f64],
}

/// The y coordinate of row `i` of `n` (row 0 at the top).
pub(crate) fn row_y(n: usize, i: usize) -> f64 {
    n as f64 - 1.0 - i as f64
}

/// Draws a row chart's frame and hands its plotting area to `draw`; returns the SVG.
pub(crate) fn row_chart(frame: &RowFrame, draw: impl FnOnce(&mut RowArea)) -> String {
    register_font();
    let count = frame.rows.len();
    let n = count as f64;
    let height = frame.chrome_height + frame.row_height * count as u32;
    let name_area = (widest(frame.rows, TICK_SIZE) + 16).clamp(60, CHART_WIDTH / 3);
    let span = frame.x_range.end - frame.x_range.start;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (CHART_WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).ok();
        let root = root.margin(8, 8, 8, 8);
        let names = frame.rows;
        if let Ok(mut chart) = ChartBuilder::on(&root)
            .caption(
                frame.caption,
                ("sans-serif", CAPTION_SIZE).into_font().color(&BLACK),
            )
            .margin(4)
            .x_label_area_size(48)
            .y_label_area_size(name_area)
            .build_cartesian_2d(frame.x_range.clone(), -0.5..(n - 0.5))
        {
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(count.max(1))
                .y_label_formatter(&|y| {
                    let i = y.round();
                    if (y - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
                        names[names.len() - 1 - i as usize].to_string()
                    } else {
                        String::new()
                    }
                })
                .x_labels(frame.x_labels)
                .x_label_formatter(&|v| tick(*v, span, frame.tick_digits))
                .x_desc(frame.x_desc)
                .axis_desc_style(("sans-serif", AXIS_SIZE).into_font().color(&BLACK))
                .label_style(("sans-serif", TICK_SIZE).into_font().color(&GREY))
                .light_line_style(RGBColor(0xEE, 0xEE, 0xEE))
                .draw()
                .ok();
            for &x in frame.solid_at {
                chart
                    .draw_series(LineSeries::new(
                        vec![(x, -0.5), (x, n - 0.5)],
                        GREY.stroke_width(1),
                    ))
                    .ok();
            }
            for &x in frame.dashed_at {
                chart
                    .draw_series(DashedLineSeries::new(
                        vec![(x, -0.5), (x, n - 0.5)],
                        4,
                        3,
                        GREY.stroke_width(1),
                    ))
                    .ok();
            }
            draw(&mut chart);
        }
        root.present().ok();
    }
    svg
}

/// A Love plot of the allocation: each covariate's standardised mean difference,
/// one marker shape per treatment arm, with the zero line and ±0.1 thresholds.
pub fn love_plot(balance: &Balance) -> Chart {
    register_font();
    let mut covariates: Vec<&str> = Vec::new();
    for row in &balance.rows {
        if !covariates.contains(&row.covariate.as_str()) {
            covariates.push(&row.covariate);
        }
    }
    let mut arms: Vec<&str> = Vec::new();
    for row in &balance.rows {
        if !arms.contains(&row.arm.as_str()) {
            arms.push(&row.arm);
        }
    }
    let largest = balance
        .rows
        .iter()
        .map(|r| r.smd.abs())
        .filter(|x| x.is_finite())
        .fold(LOVE_THRESHOLD, f64::max);
    let limit = largest * 1.25;
    let n = covariates.len();
    let frame = RowFrame {
        caption: "Standardised mean differences of the allocation",
        rows: &covariates,
        x_range: -limit..limit,
        x_desc: "standardised mean difference, SD units (treatment − control)",
        x_labels: 7,
        tick_digits: 4,
        row_height: 34,
        chrome_height: 110,
        solid_at: &[0.0],
        dashed_at: &[-LOVE_THRESHOLD, LOVE_THRESHOLD],
    };
    let svg = row_chart(&frame, |chart| {
        for (a, arm) in arms.iter().enumerate() {
            let colour = if a % 2 == 0 { BLUE } else { VERMILLION };
            let points: Vec<(f64, f64)> = balance
                .rows
                .iter()
                .filter(|r| r.arm == *arm && r.smd.is_finite())
                .filter_map(|r| {
                    covariates
                        .iter()
                        .position(|c| *c == r.covariate)
                        .map(|i| (r.smd, row_y(n, i)))
                })
                .collect();
            match a % 3 {
                0 => {
                    chart
                        .draw_series(points.iter().map(|p| Circle::new(*p, 6, colour.filled())))
                        .ok();
                }
                1 => {
                    chart
                        .draw_series(
                            points
                                .iter()
                                .map(|p| TriangleMarker::new(*p, 7, colour.filled())),
                        )
                        .ok();
                }
                _ => {
                    chart
                        .draw_series(
                            points
                                .iter()
                                .map(|p| Cross::new(*p, 6, colour.stroke_width(2))),
                        )
                        .ok();
                }
            }
        }
    });
    let shapes = ["filled circles", "filled triangles", "crosses"];
    let description = balance
        .rows
        .iter()
        .map(|r| {
            format!(
                "{} ({} vs {}): SMD {}",
                r.covariate,
                r.arm,
                r.control,
                significant(r.smd, 2)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let legend = arms
        .iter()
        .enumerate()
        .map(|(a, arm)| {
            let control = balance
                .rows
                .iter()
                .find(|r| r.arm == *arm)
                .map_or("control", |r| r.control.as_str());
            format!("{arm} vs {control} as {}", shapes[a % 3])
        })
        .collect::<Vec<_>>()
        .join(", ");
    let description = format!(
        "{description}. A solid line at 0 and dashed lines at ±{LOVE_THRESHOLD}; {legend}."
    );
    let title = "Love plot: balance of the allocation on each covariate".to_string();
    Chart {
        name: "love",
        svg: accessible(&svg, "love", &title, &description),
        title,
        description,
    }
}

/// Dash and gap lengths (px) of successive curves; (0, 0) is a solid line.
const LINE_DASHES: [(u32, u32); 4] = [(0, 0), (9, 5), (3, 4), (14, 4)];

/// The marker of the `i`-th series: filled circle, filled triangle, cross, hollow
/// square, so that series differ in shape as well as in colour.
fn marker<DB: DrawingBackend>(
    i: usize,
    at: (i32, i32),
    colour: RGBColor,
    size: i32,
) -> DynElement<'static, DB, (i32, i32)> {
    match i % 4 {
        0 => Circle::new(at, size, colour.filled()).into_dyn(),
        1 => TriangleMarker::new(at, size + 1, colour.filled()).into_dyn(),
        2 => Cross::new(at, size, colour.stroke_width(2)).into_dyn(),
        _ => Rectangle::new(
            [(at.0 - size, at.1 - size), (at.0 + size, at.1 + size)],
            colour.stroke_width(2),
        )
        .into_dyn(),
    }
}

const PALETTE: [RGBColor; 4] = [
    BLUE,
    VERMILLION,
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xCC, 0x79, 0xA7),
];

/// Power against sample size, one line per effect (each with its own marker shape
/// as well as colour), the target power and the planned size marked.
pub fn power_curve_chart(plan: &PlanResult) -> Chart {
    register_font();
    let (width, height) = (CHART_WIDTH, 400u32);
    let x_max = plan
        .power_curves
        .iter()
        .flat_map(|c| c.points.iter().map(|p| p.size))
        .fold(plan.planned_size, f64::max);
    let x_min = plan
        .power_curves
        .iter()
        .flat_map(|c| c.points.iter().map(|p| p.size))
        .fold(x_max, f64::min);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).ok();
        if let Ok(mut chart) = ChartBuilder::on(&root)
            .caption(
                "Power against sample size",
                ("sans-serif", CAPTION_SIZE).into_font().color(&BLACK),
            )
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(x_min..x_max.max(x_min + 1.0), 0f64..1f64)
        {
            let span = x_max - x_min;
            chart
                .configure_mesh()
                .x_desc(plan.size_label.clone())
                .y_desc("power (%)")
                .x_label_formatter(&|v| tick(*v, span, 4))
                .y_label_formatter(&|v| percent(*v, 3))
                .axis_desc_style(("sans-serif", AXIS_SIZE).into_font().color(&BLACK))
                .label_style(("sans-serif", TICK_SIZE).into_font().color(&GREY))
                .light_line_style(RGBColor(0xEE, 0xEE, 0xEE))
                .draw()
                .ok();
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(x_min, plan.target_power), (x_max, plan.target_power)],
                    6,
                    4,
                    GREY.stroke_width(1),
                ))
                .ok();
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(plan.planned_size, 0.0), (plan.planned_size, 1.0)],
                    2,
                    4,
                    GREY.stroke_width(1),
                ))
                .ok();
            for (i, curve) in plan.power_curves.iter().enumerate() {
                let colour = PALETTE[i % PALETTE.len()];
                let points: Vec<(f64, f64)> =
                    curve.points.iter().map(|p| (p.size, p.value)).collect();
                // Each curve differs from the others in dash and marker as well as
                // colour, and the legend shows both.
                let (dash, gap) = LINE_DASHES[i % LINE_DASHES.len()];
                let line = if gap == 0 {
                    chart.draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))
                } else {
                    chart.draw_series(DashedLineSeries::new(
                        points.clone(),
                        dash,
                        gap,
                        colour.stroke_width(2),
                    ))
                };
                if let Ok(series) = line {
                    series
                        .label(format!(
                            "{} = {}",
                            plan.effect_measure,
                            significant(curve.effect, 3)
                        ))
                        .legend(move |(x, y)| {
                            let line: DynElement<'static, _, (i32, i32)> = if gap == 0 {
                                PathElement::new(vec![(x, y), (x + 22, y)], colour.stroke_width(2))
                                    .into_dyn()
                            } else {
                                DashedPathElement::new(
                                    vec![(x, y), (x + 22, y)],
                                    dash,
                                    gap,
                                    colour.stroke_width(2),
                                )
                                .into_dyn()
                            };
                            EmptyElement::at((0, 0)) + line + marker(i, (x + 11, y), colour, 4)
                        });
                }
                chart
                    .draw_series(
                        points
                            .iter()
                            .step_by(8)
                            .map(|p| EmptyElement::at(*p) + marker(i, (0, 0), colour, 4)),
                    )
                    .ok();
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .background_style(WHITE.mix(0.9))
                .border_style(GREY)
                .label_font(("sans-serif", TICK_SIZE).into_font())
                .draw()
                .ok();
        }
        root.present().ok();
    }
    let title = "Power curve: power against sample size for several effects".to_string();
    let description = format!(
        "Power rises with the {} for each effect ({}). The dashed horizontal line marks the target power {}; the dotted vertical line the planned size {}.",
        plan.size_label,
        plan.power_curves
            .iter()
            .map(|c| {
                let at_plan = c
                    .points
                    .iter()
                    .min_by(|a, b| {
                        (a.size - plan.planned_size)
                            .abs()
                            .total_cmp(&(b.size - plan.planned_size).abs())
                    })
                    .map(|p| percent(p.value, 2))
                    .unwrap_or_default();
                format!(
                    "{} = {}: about {at_plan} at the planned size",
                    plan.effect_measure,
                    significant(c.effect, 3)
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        percent(plan.target_power, 3),
        significant(plan.planned_size, 4)
    );
    Chart {
        name: "power-curve",
        svg: accessible(&svg, "power-curve", &title, &description),
        title,
        description,
    }
}

/// The MDES at the optimal allocation against the budget, the declared budget marked.
pub fn budget_chart(budget: &crate::power::plan::BudgetPlan) -> Chart {
    register_font();
    let (width, height) = (CHART_WIDTH, 400u32);
    let points: Vec<(f64, f64)> = budget.curve.iter().map(|p| (p.size, p.value)).collect();
    let x_min = points.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let x_max = points.iter().map(|p| p.0).fold(budget.budget, f64::max);
    let x_min = if x_min.is_finite() { x_min } else { 0.0 };
    let y_top = points
        .iter()
        .map(|p| p.1)
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
        .clamp(0.05, 2.0);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).ok();
        if let Ok(mut chart) = ChartBuilder::on(&root)
            .caption(
                "Minimum detectable effect against budget",
                ("sans-serif", CAPTION_SIZE).into_font().color(&BLACK),
            )
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(x_min..x_max.max(x_min + 1.0), 0f64..(y_top * 1.05))
        {
            let span = x_max - x_min;
            chart
                .configure_mesh()
                .x_desc("budget")
                .y_desc("MDES (SD units)")
                .x_label_formatter(&|v| tick(*v, span, 4))
                .y_label_formatter(&|v| tick(*v, y_top * 1.05, 4))
                .axis_desc_style(("sans-serif", AXIS_SIZE).into_font().color(&BLACK))
                .label_style(("sans-serif", TICK_SIZE).into_font().color(&GREY))
                .light_line_style(RGBColor(0xEE, 0xEE, 0xEE))
                .draw()
                .ok();
            mdes_curve(&mut chart, &points, budget.budget, y_top);
        }
        root.present().ok();
    }
    let title = "MDES against budget".to_string();
    let description = format!(
        "The minimum detectable effect at {} power, with the budget split the best way, falls as the budget grows{}. The dotted vertical line marks the declared budget of {}.",
        percent(budget.power, 3),
        points
            .first()
            .zip(points.last())
            .map(|(a, b)| format!(
                ", from {} SD at {} to {} SD at {}",
                significant(a.1, 3),
                significant(a.0, 3),
                significant(b.1, 3),
                significant(b.0, 3)
            ))
            .unwrap_or_default(),
        significant(budget.budget, 6)
    );
    Chart {
        name: "mdes-budget",
        svg: accessible(&svg, "mdes-budget", &title, &description),
        title,
        description,
    }
}

/// Minimum detectable effect against sample size, with the planned size marked and,
/// for SD-unit effects, the EEF-style MDES band limits as reference lines.
pub fn mdes_chart(plan: &PlanResult) -> Chart {
    register_font();
    let (width, height) = (CHART_WIDTH, 400u32);
    // For two proportions the plan's MDES curve holds |p2 − p1| (power/plan.rs), which
    // reads best in percentage points, as binary effects do everywhere in the report.
    let proportions = plan.mdes.is_none() && plan.effect_measure.contains("proportion");
    let (scale, y_desc) = if plan.mdes.is_some() {
        (1.0, "MDES (SD units)".to_string())
    } else if proportions {
        (
            100.0,
            "minimum detectable difference, percentage points".to_string(),
        )
    } else {
        (
            1.0,
            format!("minimum detectable effect ({})", plan.effect_measure),
        )
    };
    let points: Vec<(f64, f64)> = plan
        .mdes_curve
        .iter()
        .map(|p| (p.size, scale * p.value))
        .collect();
    let x_min = points.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let x_max = points.iter().map(|p| p.0).fold(plan.planned_size, f64::max);
    let x_min = if x_min.is_finite() { x_min } else { 0.0 };
    let y_top = points
        .iter()
        .map(|p| p.1)
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
        .clamp(0.05 * scale, 2.0 * scale);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).ok();
        if let Ok(mut chart) = ChartBuilder::on(&root)
            .caption(
                "Minimum detectable effect against sample size",
                ("sans-serif", CAPTION_SIZE).into_font().color(&BLACK),
            )
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(x_min..x_max.max(x_min + 1.0), 0f64..(y_top * 1.05))
        {
            let span = x_max - x_min;
            chart
                .configure_mesh()
                .x_desc(plan.size_label.clone())
                .y_desc(y_desc.clone())
                .x_label_formatter(&|v| tick(*v, span, 4))
                .y_label_formatter(&|v| tick(*v, y_top * 1.05, 4))
                .axis_desc_style(("sans-serif", AXIS_SIZE).into_font().color(&BLACK))
                .label_style(("sans-serif", TICK_SIZE).into_font().color(&GREY))
                .light_line_style(RGBColor(0xEE, 0xEE, 0xEE))
                .draw()
                .ok();
            if plan.mdes.is_some() {
                for limit in crate::power::bands::EEF_MDES_LIMITS {
                    if limit <= y_top * 1.05 {
                        chart
                            .draw_series(DashedLineSeries::new(
                                vec![(x_min, limit), (x_max, limit)],
                                3,
                                5,
                                GREY.mix(0.6).stroke_width(1),
                            ))
                            .ok();
                    }
                }
            }
            mdes_curve(&mut chart, &points, plan.planned_size, y_top);
        }
        root.present().ok();
    }
    let title = "MDES against sample size".to_string();
    let description = format!(
        "The minimum detectable effect at {} power falls as the {} grows{}. The dotted vertical line marks the planned size {}{}.",
        percent(plan.target_power, 3),
        plan.size_label,
        points
            .first()
            .zip(points.last())
            .map(|(a, b)| {
                let unit = match (plan.mdes.is_some(), proportions) {
                    (true, _) => " SD",
                    (false, true) => " percentage points",
                    _ => "",
                };
                format!(", from {}{unit} at {} to {}{unit} at {}", significant(a.1, 3), significant(a.0, 3), significant(b.1, 3), significant(b.0, 3))
            })
            .unwrap_or_default(),
        significant(plan.planned_size, 4),
        plan.eef_band
            .as_ref()
            .map(|b| format!("; dashed lines mark the EEF-style MDES bands (0.2 to 0.6 SD); at the planned size: {}", b.description))
            .unwrap_or_default()
    );
    Chart {
        name: "mdes-curve",
        svg: accessible(&svg, "mdes-curve", &title, &description),
        title,
        description,
    }
}

/// A forest plot: one panel per outcome comparison, each on its own scale (outcomes
/// are measured in different units), with the no-effect line marked.
pub fn forest_plot(rows: &[FindingRow]) -> Chart {
    register_font();
    let (width, panel_height) = (CHART_WIDTH, 128u32);
    let height = panel_height * rows.len() as u32 + 16;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).ok();
        let root = root.margin(8, 8, 8, 8);
        let panels = root.split_evenly((rows.len(), 1));
        for (row, panel) in rows.iter().zip(panels) {
            draw_panel(&panel, row);
        }
        root.present().ok();
    }
    let description = rows
        .iter()
        .map(|r| format!("{} ({}): {}", r.outcome, r.contrast, r.in_words))
        .collect::<Vec<_>>()
        .join("; ");
    let title = "Forest plot: effect on each outcome with its confidence interval".to_string();
    Chart {
        name: "forest",
        svg: accessible(&svg, "forest", &title, &description),
        title,
        description,
    }
}

/// Binary outcomes are drawn in percentage points, continuous ones as measured.
fn scaled(row: &FindingRow) -> (f64, f64, f64, String) {
    match row.outcome_type {
        OutcomeType::Binary => (
            100.0 * row.difference,
            100.0 * row.conf_low,
            100.0 * row.conf_high,
            ", percentage points".into(),
        ),
        OutcomeType::Continuous => (
            row.difference,
            row.conf_low,
            row.conf_high,
            row.unit
                .as_ref()
                .map(|u| format!(", {u}"))
                .unwrap_or_default(),
        ),
    }
}

fn draw_panel(area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>, row: &FindingRow) {
    let (difference, conf_low, conf_high, unit) = scaled(row);
    let (lo, hi) = (conf_low.min(0.0), conf_high.max(0.0));
    let (lo, hi) = if lo.is_finite() && hi.is_finite() {
        (lo, hi)
    } else {
        (difference.min(0.0) - 1.0, difference.max(0.0) + 1.0)
    };
    let pad = ((hi - lo) * 0.12).max(1e-12);
    let shown = EffectText::new(
        super::words::scale(row),
        row.difference,
        row.conf_low,
        row.conf_high,
    );
    let caption = format!(
        "{}: {} = {} ({} CI {}{})",
        row.outcome,
        row.contrast,
        shown.estimate,
        percent(row.conf_level, 3),
        shown.range(),
        unit
    );
    let axis = match unit.trim_start_matches(", ") {
        "" => format!("difference ({})", row.contrast),
        unit => format!("difference, {unit} ({})", row.contrast),
    };
    let span = hi - lo + 2.0 * pad;
    let Ok(mut chart) = ChartBuilder::on(area)
        .caption(
            caption,
            ("sans-serif", CAPTION_SIZE).into_font().color(&BLACK),
        )
        .margin(4)
        .x_label_area_size(40)
        .y_label_area_size(8)
        .build_cartesian_2d((lo - pad)..(hi + pad), 0f64..1f64)
    else {
        return;
    };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .disable_y_axis()
        .x_labels(7)
        .x_label_formatter(&|v| tick(*v, span, 4))
        .x_desc(axis)
        .axis_desc_style(("sans-serif", AXIS_SIZE).into_font().color(&BLACK))
        .label_style(("sans-serif", TICK_SIZE).into_font().color(&GREY))
        .light_line_style(RGBColor(0xEE, 0xEE, 0xEE))
        .draw()
        .ok();
    chart
        .draw_series(DashedLineSeries::new(
            vec![(0.0, 0.0), (0.0, 1.0)],
            4,
            3,
            GREY.stroke_width(1),
        ))
        .ok();
    let colour = if row.beneficial { BLUE } else { VERMILLION };
    if conf_low.is_finite() && conf_high.is_finite() {
        chart
            .draw_series(LineSeries::new(
                vec![(conf_low, 0.5), (conf_high, 0.5)],
                colour.stroke_width(3),
            ))
            .ok();
    }
    let marker = if row.beneficial {
        colour.filled()
    } else {
        colour.stroke_width(2)
    };
    chart
        .draw_series(std::iter::once(Circle::new((difference, 0.5), 6, marker)))
        .ok();
}

/// An MDES curve: the dotted line at the declared size or budget `marked`, the curve,
/// and a marker on every eighth point (the MDES against sample size and budget charts).
fn mdes_curve(chart: &mut TimeChart<'_, '_>, points: &[(f64, f64)], marked: f64, y_top: f64) {
    chart
        .draw_series(DashedLineSeries::new(
            vec![(marked, 0.0), (marked, y_top * 1.05)],
            2,
            4,
            GREY.stroke_width(1),
        ))
        .ok();
    chart
        .draw_series(LineSeries::new(points.to_vec(), BLUE.stroke_width(2)))
        .ok();
    chart
        .draw_series(
            points
                .iter()
                .step_by(8)
                .map(|&p| Circle::new(p, 4, BLUE.filled())),
        )
        .ok();
}

/// Adds an accessible title and description to plotters' SVG output.
pub(crate) fn accessible(svg: &str, id: &str, title: &str, description: &str) -> String {
    let Some(open_end) = svg
        .find("<svg")
        .and_then(|start| svg[start..].find('>').map(|e| start + e))
    else {
        return svg.to_string();
    };
    let head = &svg[..open_end];
    let head = head.strip_suffix('/').unwrap_or(head);
    format!(
        "{head} role=\"img\" aria-labelledby=\"{id}-title {id}-desc\"><title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>{}",
        escape(title),
        escape(description),
        &svg[open_end + 1..]
    )
}

pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legend_goes_to_the_corner_the_lines_leave_empty() {
        let corner = |points: &[(f64, f64)]| {
            let position = quietest_corner(points.iter().copied(), (0.0, 10.0), (0.0, 10.0));
            format!("{position:?}")
        };
        // A line falling from the upper left to the lower right: upper right is free.
        let falling: Vec<(f64, f64)> = (0..=10).map(|i| (i as f64, 10.0 - i as f64)).collect();
        assert_eq!(corner(&falling), "UpperRight");
        // Rising: upper left is free.
        let rising: Vec<(f64, f64)> = (0..=10).map(|i| (i as f64, i as f64)).collect();
        assert_eq!(corner(&rising), "UpperLeft");
        // High everywhere: the lower corners are free, left first.
        let high: Vec<(f64, f64)> = (0..=10).map(|i| (i as f64, 9.5)).collect();
        assert_eq!(corner(&high), "LowerLeft");
        // Nothing drawn, or nothing finite: the first choice.
        assert_eq!(corner(&[(f64::NAN, 1.0)]), "UpperLeft");
    }
    use crate::assign::BalanceRow;
    use crate::spec::OutcomeRole;

    /// A4's printable width inside the report's 18 mm print margins, in CSS px.
    const A4_PRINTABLE_PX: f64 = (210.0 - 2.0 * 18.0) / 25.4 * 96.0;

    fn finding(outcome_type: OutcomeType, difference: f64, low: f64, high: f64) -> FindingRow {
        FindingRow {
            outcome: "Outcome".into(),
            role: OutcomeRole::Primary,
            outcome_type,
            contrast: "treatment vs control".into(),
            without: Some(0.2),
            with: Some(0.2 + difference),
            difference,
            conf_low: low,
            conf_high: high,
            conf_level: 0.95,
            p_value: 0.01,
            p_adjusted: None,
            p_randomisation: None,
            risk_ratio: None,
            odds_ratio: None,
            n: vec![100, 100],
            groups: vec!["control".into(), "treatment".into()],
            beneficial: difference > 0.0,
            better: crate::spec::Direction::Higher,
            unit: Some("days".into()),
            outcome_sd: 1.0,
            clusters: None,
            analysed: None,
            in_words: String::new(),
            certainty: crate::evidence::CertaintyRating {
                rating: crate::evidence::Certainty::High,
                start: crate::evidence::Certainty::High,
                downgrades: Vec::new(),
                why: String::new(),
            },
        }
    }

    fn font_sizes(svg: &str) -> Vec<f64> {
        svg.split("font-size=\"")
            .skip(1)
            .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
            .collect()
    }

    fn texts(svg: &str) -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .map(|rest| {
                let start = rest.find('>').unwrap() + 1;
                let end = rest.find("</text>").unwrap();
                rest[start..end].trim().to_string()
            })
            .collect()
    }

    fn balance() -> Balance {
        let row = |covariate: &str, arm: &str, smd: f64| BalanceRow {
            covariate: covariate.into(),
            arm: arm.into(),
            control: "control".into(),
            mean_control: 1.0,
            mean_treatment: 1.0 + smd,
            smd,
            variance_ratio: 1.0,
        };
        Balance {
            rows: vec![
                row("age", "visit", 0.03),
                row("a rather long covariate name", "visit", -0.12),
                row("age", "letter", -0.05),
                row("a rather long covariate name", "letter", 0.02),
            ],
            omnibus: Vec::new(),
        }
    }

    #[test]
    fn ticks_carry_no_floating_point_noise() {
        assert_eq!(tick(-1.1102230246251565e-16, 0.5, 4), "0");
        assert_eq!(tick(0.30000000000000004, 1.0, 4), "0.3");
        assert_eq!(tick(-0.09999999999999998, 0.5, 4), "−0.1");
        assert_eq!(tick(1250.0000000001, 2000.0, 4), "1,250");
    }

    #[test]
    fn chart_text_stays_legible_on_paper() {
        let charts = [
            forest_plot(&[
                finding(OutcomeType::Binary, 0.0968, 0.0604, 0.133),
                finding(OutcomeType::Continuous, -27.3, -28.0, -26.5),
            ]),
            love_plot(&balance()),
        ];
        for chart in &charts {
            // Never wider than A4's printable width, so print never shrinks it.
            assert!(f64::from(CHART_WIDTH) <= A4_PRINTABLE_PX);
            assert!(
                chart
                    .svg
                    .starts_with(&format!("<svg width=\"{CHART_WIDTH}\""))
            );
            let sizes = font_sizes(&chart.svg);
            assert!(!sizes.is_empty());
            let smallest = sizes.iter().copied().fold(f64::INFINITY, f64::min);
            assert!(smallest >= 11.0, "{}: text of {smallest} px", chart.name);
            for text in texts(&chart.svg) {
                assert!(
                    !text.contains("e-1") && !text.contains("0000"),
                    "{}: tick noise in {text:?}",
                    chart.name
                );
            }
        }
    }

    #[test]
    fn forest_axes_name_their_units() {
        let chart = forest_plot(&[
            finding(OutcomeType::Binary, 0.0968, 0.0604, 0.133),
            finding(OutcomeType::Continuous, -27.3, -28.0, -26.5),
        ]);
        let texts = texts(&chart.svg);
        assert!(texts.contains(&"difference, percentage points (treatment vs control)".into()));
        assert!(texts.contains(&"difference, days (treatment vs control)".into()));
        // Binary effects are drawn in points: the ticks run to about 13, not 0.13.
        assert!(texts.iter().any(|t| t == "10"), "{texts:?}");
    }

    #[test]
    fn love_plot_tells_arms_apart_without_colour() {
        let chart = love_plot(&balance());
        // First arm filled circles, second filled triangles (polygons).
        assert_eq!(chart.svg.matches("<circle").count(), 2);
        assert!(chart.svg.matches("<polygon").count() >= 2);
        assert!(
            chart
                .description
                .contains("visit vs control as filled circles")
        );
        assert!(
            chart
                .description
                .contains("letter vs control as filled triangles")
        );
        // The long covariate name is shown whole.
        assert!(texts(&chart.svg).contains(&"a rather long covariate name".into()));
    }
}
