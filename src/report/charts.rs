//! Charts drawn from the report model as SVG (plotters), with an embedded font so
//! that text is measured and laid out the same on a machine without system fonts.
//!
//! Every chart carries a <title> and <desc> for screen readers, uses the Okabe–Ito
//! colour-blind-safe palette, and never carries meaning by colour alone (beneficial
//! effects are filled markers, others hollow, and every estimate is also printed).

use std::sync::Once;

use plotters::prelude::*;
use plotters::style::FontStyle;

use super::format::{interval, significant};
use super::model::{FindingRow, ReportModel};
use crate::assign::Balance;
use crate::spec::OutcomeType;

const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
const GREY: RGBColor = RGBColor(0x55, 0x55, 0x55);

/// A drawn chart: file stem, title, description, SVG text.
#[derive(Debug, Clone)]
pub struct Chart {
    pub name: &'static str,
    pub title: String,
    pub description: String,
    pub svg: String,
}

fn register_font() {
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
    if !model.findings.is_empty() {
        out.push(forest_plot(&model.findings));
    }
    if let Some(assignment) = &model.assignment
        && !assignment.balance.rows.is_empty()
    {
        out.push(love_plot(&assignment.balance));
    }
    out
}

/// Threshold drawn on the Love plot: |SMD| of 0.1, cobalt's default.
pub const LOVE_THRESHOLD: f64 = 0.1;

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
    let (width, height) = (760u32, 90 + 34 * covariates.len() as u32);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).ok();
        let root = root.margin(8, 8, 8, 8);
        let n = covariates.len() as f64;
        let names = covariates.clone();
        if let Ok(mut chart) = ChartBuilder::on(&root)
            .caption(
                "Standardised mean differences of the allocation",
                ("sans-serif", 15).into_font().color(&BLACK),
            )
            .margin(4)
            .x_label_area_size(30)
            .y_label_area_size(150)
            .build_cartesian_2d(-limit..limit, -0.5..(n - 0.5))
        {
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(covariates.len().max(1))
                .y_label_formatter(&|y| {
                    let i = y.round();
                    if (y - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
                        names[names.len() - 1 - i as usize].to_string()
                    } else {
                        String::new()
                    }
                })
                .x_labels(7)
                .x_label_formatter(&|v| significant(*v, 2))
                .x_desc("standardised mean difference (treatment − control)")
                .label_style(("sans-serif", 12).into_font().color(&GREY))
                .light_line_style(RGBColor(0xEE, 0xEE, 0xEE))
                .draw()
                .ok();
            for x in [-LOVE_THRESHOLD, 0.0, LOVE_THRESHOLD] {
                chart
                    .draw_series(DashedLineSeries::new(
                        vec![(x, -0.5), (x, n - 0.5)],
                        4,
                        3,
                        GREY.stroke_width(1),
                    ))
                    .ok();
            }
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
                            .map(|i| (r.smd, n - 1.0 - i as f64))
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
        }
        root.present().ok();
    }
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
        .map(|(a, arm)| format!("{arm} vs control as {}", shapes[a % 3]))
        .collect::<Vec<_>>()
        .join(", ");
    let description = format!("{description}. Dashed lines at 0 and ±{LOVE_THRESHOLD}; {legend}.");
    let title = "Love plot: balance of the allocation on each covariate".to_string();
    Chart {
        name: "love",
        svg: accessible(&svg, "love", &title, &description),
        title,
        description,
    }
}

/// A forest plot: one panel per outcome comparison, each on its own scale (outcomes
/// are measured in different units), with the no-effect line marked.
pub fn forest_plot(rows: &[FindingRow]) -> Chart {
    register_font();
    let (width, panel_height) = (760u32, 96u32);
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
        .map(|r| {
            let (difference, conf_low, conf_high, unit) = scaled(r);
            format!(
                "{} ({}): difference {} {} ({}% CI {}), {}",
                r.outcome,
                r.contrast,
                significant(difference, 3),
                unit.trim_start_matches(", "),
                significant(100.0 * r.conf_level, 3),
                interval(conf_low, conf_high, 3),
                if r.beneficial {
                    "in the beneficial direction"
                } else {
                    "not in the beneficial direction"
                }
            )
        })
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
    let caption = format!(
        "{}: {} = {} ({}% CI {}{})",
        row.outcome,
        row.contrast,
        significant(difference, 3),
        significant(100.0 * row.conf_level, 3),
        interval(conf_low, conf_high, 3),
        unit
    );
    let Ok(mut chart) = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 15).into_font().color(&BLACK))
        .margin(4)
        .x_label_area_size(24)
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
        .x_label_formatter(&|v| significant(*v, 3))
        .label_style(("sans-serif", 12).into_font().color(&GREY))
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

/// Adds an accessible title and description to plotters' SVG output.
fn accessible(svg: &str, id: &str, title: &str, description: &str) -> String {
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
