//! The CONSORT-style flow diagram: per arm, the units (and clusters) allocated, lost to
//! follow-up, excluded from the analysis and analysed, each box with its count and the
//! reason, drawn as SVG from the report model's flow.
//!
//! The boxes are laid out here rather than with plotters' chart builder, but their text
//! is measured with the same embedded font, so a box always fits its words and the same
//! flow gives the same bytes. To show another step or another reason, add a box or a note
//! in `arm_boxes`; the layout sizes rows to their tallest box.

use std::fmt::Write as _;

use plotters::style::{FontDesc, IntoFont};

use super::charts::{CHART_WIDTH, Chart, accessible, escape, register_font};
use super::disclosure::{Disclosure, key};
use super::format::count;
use crate::analysis::{ArmFlow, Flow};
use crate::spec::DesignKind;

const MARGIN: f64 = 8.0;
/// Width of the band on the left that names the stage of each row.
const STAGE_BAND: f64 = 84.0;
const COLUMN_GAP: f64 = 14.0;
const ROW_GAP: f64 = 28.0;
const PADDING: f64 = 7.0;
const TEXT_SIZE: f64 = 13.0;
const NOTE_SIZE: f64 = 12.0;
const LINE_HEIGHT: f64 = 17.0;
const NOTE_LINE_HEIGHT: f64 = 15.5;
const TITLE_SIZE: f64 = 15.0;
const INK: &str = "#1b1b1b";
const MUTED: &str = "#4a4a4a";
const BORDER: &str = "#555555";
const BAND_FILL: &str = "#dce8f5";
/// The analysed box is also drawn with a heavier border, so it stands out without colour.
const ANALYSED_FILL: &str = "#eef4fb";

/// One box of the diagram: a heading, the count (units and clusters) and notes giving
/// the reasons.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowBox {
    pub heading: String,
    /// "n = 1,200" and the cluster count, or why the count is not known.
    pub count: String,
    pub notes: Vec<String>,
    pub emphasis: bool,
}

/// The stages, top to bottom, each one row of boxes (one box per arm).
const STAGES: [&str; 4] = ["Allocation", "Follow-up", "Analysis", "Analysis"];

/// The boxes of one arm, top to bottom: allocated, lost to follow-up, excluded from
/// the analysis, analysed.
/// `primary_column` is the primary outcome's column, named by `outcome` (its label)
/// among the missing-value reasons. Counts go through disclosure control.
pub fn arm_boxes(
    arm: &ArmFlow,
    kind: DesignKind,
    single_group: bool,
    outcome: &str,
    primary_column: &str,
    sdc: &Disclosure,
) -> [FlowBox; 4] {
    let name = arm.arm.as_str();
    let units_and_clusters = |units: String, clusters: Option<usize>| match clusters {
        Some(c) => format!("n = {units} units in {} clusters", count(c)),
        None => format!("n = {units}"),
    };
    let allocated = FlowBox {
        heading: match kind {
            _ if single_group => "Enrolled".into(),
            // A matched comparison group is formed, not allocated.
            DesignKind::MatchedComparison => format!("In the {} group", arm.arm),
            _ => format!("Allocated to {}", arm.arm),
        },
        count: match arm.allocated {
            Some(n) => units_and_clusters(
                sdc.count(&key::flow(name, "allocated"), n),
                arm.clusters_allocated,
            ),
            None => "number not recorded".into(),
        },
        notes: match arm.allocated {
            Some(_) => Vec::new(),
            None => vec![format!(
                "no units file records who was {}",
                if single_group {
                    "enrolled"
                } else {
                    "in the group"
                }
            )],
        },
        emphasis: false,
    };
    let lost_units = arm.allocated.map(|n| n.saturating_sub(arm.with_data));
    let mut lost_notes = match lost_units {
        Some(_) => vec!["no row in the analysis data (no outcome data)".to_string()],
        None => vec![format!(
            "not known without a record of who was {}; {} have a row in the analysis data",
            if single_group {
                "enrolled"
            } else {
                "in the group"
            },
            sdc.count(&key::flow(name, "with_data"), arm.with_data)
        )],
    };
    if let (Some(allocated), Some(analysed)) = (arm.clusters_allocated, arm.clusters_analysed)
        && allocated > analysed
    {
        lost_notes.push(format!(
            "{} of {} clusters have no unit analysed",
            count(allocated - analysed),
            count(allocated)
        ));
    }
    let lost = FlowBox {
        heading: "Lost to follow-up".into(),
        count: lost_units.map_or_else(
            || "n not known".into(),
            |n| format!("n = {}", sdc.count(&key::flow(name, "lost"), n)),
        ),
        notes: lost_notes,
        emphasis: false,
    };
    let excluded = FlowBox {
        heading: "Excluded from the analysis".into(),
        count: format!(
            "n = {}",
            sdc.count(
                &key::flow(name, "excluded"),
                arm.excluded_missing + arm.not_matched_total()
            )
        ),
        notes: if !arm.not_matched.is_empty() {
            arm.not_matched
                .iter()
                .map(|n| {
                    format!(
                        "{}: {}",
                        n.reason.words(),
                        sdc.count(&key::flow_not_matched(name, n.reason.words()), n.units)
                    )
                })
                .collect()
        } else if arm.excluded_by_column.is_empty() {
            vec![format!(
                "missing values in the variables the analysis of {outcome} uses"
            )]
        } else {
            arm.excluded_by_column
                .iter()
                .map(|e| {
                    format!(
                        "{} missing {}",
                        sdc.count(&key::flow_missing(name, &e.column), e.units),
                        if e.column == primary_column {
                            outcome
                        } else {
                            e.column.as_str()
                        }
                    )
                })
                .collect()
        },
        emphasis: false,
    };
    let analysed = FlowBox {
        heading: "Analysed".into(),
        count: units_and_clusters(
            sdc.count(&key::flow(name, "analysed"), arm.analysed),
            arm.clusters_analysed,
        ),
        notes: vec![format!("primary outcome: {outcome}")],
        emphasis: true,
    };
    [allocated, lost, excluded, analysed]
}

/// The box above the arms: everyone allocated, when every arm's allocation is known.
fn total_box(flow: &Flow, kind: DesignKind, sdc: &Disclosure) -> Option<FlowBox> {
    if flow.arms.len() < 2 {
        return None;
    }
    let units: usize = flow
        .arms
        .iter()
        .map(|a| a.allocated)
        .sum::<Option<usize>>()?;
    let clusters: Option<usize> = flow.arms.iter().map(|a| a.clusters_allocated).sum();
    let heading = match kind {
        DesignKind::Rct | DesignKind::ClusterRct => "Randomised",
        _ => "Allocated",
    };
    Some(FlowBox {
        heading: heading.into(),
        count: {
            let units = sdc.count(key::FLOW_ALLOCATED, units);
            match clusters {
                Some(c) => format!("n = {units} units in {} clusters", count(c)),
                None => format!("n = {units}"),
            }
        },
        notes: Vec::new(),
        emphasis: false,
    })
}

/// A laid-out box: its text wrapped to its width.
struct Placed {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
    heading: Vec<String>,
    count: Vec<String>,
    notes: Vec<String>,
    emphasis: bool,
}

fn font(size: f64) -> FontDesc<'static> {
    ("sans-serif", size).into_font()
}

/// Text width in pixels, measured with the embedded font; bold text is about 10 %
/// wider than the regular face the measurement uses.
fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    let measured = font(size)
        .box_size(text)
        .map_or(0.62 * size * text.chars().count() as f64, |(w, _)| {
            f64::from(w)
        });
    if bold { measured * 1.1 } else { measured }
}

/// Greedy word wrap to `width` pixels (a word longer than the line stands alone).
fn wrap(text: &str, size: f64, bold: bool, width: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if !line.is_empty() && text_width(&candidate, size, bold) > width {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn place(b: &FlowBox, x: f64, y: f64, width: f64) -> Placed {
    let inner = width - 2.0 * PADDING;
    let heading = wrap(&b.heading, TEXT_SIZE, true, inner);
    let count = wrap(&b.count, TEXT_SIZE, true, inner);
    let notes: Vec<String> = b
        .notes
        .iter()
        .flat_map(|n| wrap(n, NOTE_SIZE, false, inner))
        .collect();
    let height = 2.0 * PADDING
        + LINE_HEIGHT * (heading.len() + count.len()) as f64
        + NOTE_LINE_HEIGHT * notes.len() as f64
        + 3.0;
    Placed {
        x,
        y,
        width,
        height,
        heading,
        count,
        notes,
        emphasis: b.emphasis,
    }
}

fn draw_box(svg: &mut String, p: &Placed) {
    let (fill, stroke) = if p.emphasis {
        (ANALYSED_FILL, 2.2)
    } else {
        ("#FFFFFF", 1.2)
    };
    let _ = write!(
        svg,
        r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="4" fill="{fill}" stroke="{BORDER}" stroke-width="{stroke}"/>"#,
        p.x, p.y, p.width, p.height
    );
    let mut baseline = p.y + PADDING + TEXT_SIZE;
    let x = p.x + PADDING;
    for line in &p.heading {
        text(svg, x, baseline, TEXT_SIZE, "bold", INK, "start", line);
        baseline += LINE_HEIGHT;
    }
    for line in &p.count {
        text(svg, x, baseline, TEXT_SIZE, "bold", INK, "start", line);
        baseline += LINE_HEIGHT;
    }
    baseline += 1.0;
    for line in &p.notes {
        text(
            svg,
            x,
            baseline - 1.0,
            NOTE_SIZE,
            "normal",
            MUTED,
            "start",
            line,
        );
        baseline += NOTE_LINE_HEIGHT;
    }
}

#[allow(clippy::too_many_arguments)]
fn text(
    svg: &mut String,
    x: f64,
    y: f64,
    size: f64,
    weight: &str,
    fill: &str,
    anchor: &str,
    words: &str,
) {
    let _ = write!(
        svg,
        r#"<text x="{x:.1}" y="{y:.1}" font-family="sans-serif" font-size="{size}" font-weight="{weight}" fill="{fill}" text-anchor="{anchor}">{}</text>"#,
        escape(words)
    );
}

/// A downward arrow from (x, y0) to (x, y1).
fn arrow(svg: &mut String, x: f64, y0: f64, y1: f64) {
    let _ = write!(
        svg,
        r#"<line x1="{x:.1}" y1="{y0:.1}" x2="{x:.1}" y2="{:.1}" stroke="{BORDER}" stroke-width="1.5"/><polygon points="{:.1},{:.1} {:.1},{:.1} {x:.1},{y1:.1}" fill="{BORDER}"/>"#,
        y1 - 6.0,
        x - 5.0,
        y1 - 7.0,
        x + 5.0,
        y1 - 7.0
    );
}

/// The flow diagram of the primary outcome's analysis. `outcome` is the primary
/// outcome's label as the report shows it.
pub fn flow_diagram(flow: &Flow, kind: DesignKind, outcome: &str, sdc: &Disclosure) -> Chart {
    register_font();
    let width = f64::from(CHART_WIDTH);
    // Designs without arms (before/after, descriptive) have one group of participants.
    let single_group = flow.arms.len() == 1;
    let arms: Vec<[FlowBox; 4]> = flow
        .arms
        .iter()
        // The primary outcome's column reads as its label, as in the report.
        .map(|a| arm_boxes(a, kind, single_group, outcome, &flow.outcome, sdc))
        .collect();
    let k = arms.len().max(1) as f64;
    let area_left = MARGIN + STAGE_BAND + COLUMN_GAP;
    let area_width = width - MARGIN - area_left;
    let column = ((area_width - COLUMN_GAP * (k - 1.0)) / k).min(320.0);
    let used = column * k + COLUMN_GAP * (k - 1.0);
    let left = area_left + (area_width - used) / 2.0;
    let column_x = |i: usize| left + i as f64 * (column + COLUMN_GAP);

    let mut body = String::new();
    let title = format!("Flow of units: {outcome}");
    let mut y = MARGIN + TITLE_SIZE + 2.0;
    text(
        &mut body,
        width / 2.0,
        y,
        TITLE_SIZE,
        "normal",
        INK,
        "middle",
        &title,
    );
    y += 14.0;

    let total = total_box(flow, kind, sdc).map(|b| {
        let w = 260.0_f64.min(used);
        place(&b, left + (used - w) / 2.0, y, w)
    });
    if let Some(t) = &total {
        y += t.height + ROW_GAP;
    }
    let mut rows: Vec<Vec<Placed>> = Vec::new();
    for stage in 0..STAGES.len() {
        let row: Vec<Placed> = arms
            .iter()
            .enumerate()
            .map(|(i, boxes)| place(&boxes[stage], column_x(i), y, column))
            .collect();
        let height = row.iter().map(|p| p.height).fold(0.0, f64::max);
        let row = row.into_iter().map(|p| Placed { height, ..p }).collect();
        rows.push(row);
        y += height + ROW_GAP;
    }
    let height = (y - ROW_GAP + MARGIN).ceil();

    // Stage bands: Allocation, Follow-up, and Analysis spanning the last two rows.
    let mut bands: Vec<(&str, f64, f64)> = Vec::new();
    for (stage, row) in rows.iter().enumerate() {
        let (top, bottom) = (row[0].y, row[0].y + row[0].height);
        let label = match STAGES[stage] {
            "Allocation" if single_group => "Enrolment",
            label => label,
        };
        match bands.last_mut() {
            Some(last) if last.0 == label => last.2 = bottom,
            _ => bands.push((label, top, bottom)),
        }
    }
    if let Some(t) = &total {
        bands[0].1 = t.y;
    }
    for (label, top, bottom) in bands {
        let _ = write!(
            body,
            r#"<rect x="{MARGIN:.1}" y="{top:.1}" width="{STAGE_BAND:.1}" height="{:.1}" rx="4" fill="{BAND_FILL}" stroke="{BORDER}" stroke-width="0.8"/>"#,
            bottom - top
        );
        text(
            &mut body,
            MARGIN + STAGE_BAND / 2.0,
            (top + bottom) / 2.0 + TEXT_SIZE * 0.35,
            TEXT_SIZE,
            "bold",
            INK,
            "middle",
            label,
        );
    }

    if let Some(t) = &total {
        draw_box(&mut body, t);
        // An elbow from the total down to each arm.
        let from_y = t.y + t.height;
        let join_y = from_y + ROW_GAP / 2.0;
        let centre = |i: usize| column_x(i) + column / 2.0;
        let _ = write!(
            body,
            r#"<line x1="{0:.1}" y1="{from_y:.1}" x2="{0:.1}" y2="{join_y:.1}" stroke="{BORDER}" stroke-width="1.5"/><line x1="{1:.1}" y1="{join_y:.1}" x2="{2:.1}" y2="{join_y:.1}" stroke="{BORDER}" stroke-width="1.5"/>"#,
            t.x + t.width / 2.0,
            centre(0),
            centre(arms.len() - 1)
        );
        for (i, first) in rows[0].iter().enumerate() {
            arrow(&mut body, centre(i), join_y, first.y);
        }
    }
    for (stage, row) in rows.iter().enumerate() {
        for p in row {
            draw_box(&mut body, p);
            if let Some(next) = rows.get(stage + 1) {
                arrow(&mut body, p.x + p.width / 2.0, p.y + p.height, next[0].y);
            }
        }
    }

    let svg = format!(
        r##"<svg width="{}" height="{height}" viewBox="0 0 {} {height}" xmlns="http://www.w3.org/2000/svg"><rect x="0" y="0" width="{}" height="{height}" fill="#FFFFFF"/>{body}</svg>"##,
        CHART_WIDTH, CHART_WIDTH, CHART_WIDTH
    );
    let description = describe(flow, kind, &arms, sdc);
    let title = format!("Flow diagram: units allocated, lost, excluded and analysed ({outcome})");
    Chart {
        name: "flow",
        svg: accessible(&svg, "flow", &title, &description),
        title,
        description,
    }
}

/// The diagram in words, box by box, for screen readers and the Markdown caption.
fn describe(flow: &Flow, kind: DesignKind, arms: &[[FlowBox; 4]], sdc: &Disclosure) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(t) = total_box(flow, kind, sdc) {
        parts.push(format!("{}: {}", t.heading, t.count));
    }
    for boxes in arms {
        let steps = boxes
            .iter()
            .map(|b| {
                let notes = if b.notes.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", b.notes.join("; "))
                };
                format!("{}: {}{notes}", b.heading, b.count)
            })
            .collect::<Vec<_>>()
            .join(", then ");
        parts.push(steps);
    }
    format!("{}.", parts.join(". "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The only places the tests build the analysis stage's flow types.
    fn flow(arms: Vec<ArmFlow>) -> Flow {
        Flow {
            arms,
            outcome: "outcome".into(),
            estimator: crate::spec::EstimatorKind::DifferenceInMeans,
        }
    }

    fn arm(name: &str, allocated: Option<usize>, with_data: usize, excluded: usize) -> ArmFlow {
        ArmFlow {
            arm: name.into(),
            allocated,
            with_data,
            lost_to_follow_up: allocated.map(|a| a - with_data),
            excluded_missing: excluded,
            excluded_by_column: Vec::new(),
            not_matched: Vec::new(),
            analysed: with_data - excluded,
            clusters_allocated: None,
            clusters_analysed: None,
            clusters_with_data: None,
            clusters_lost: None,
            allocated_in_retained_clusters: None,
        }
    }

    #[test]
    fn boxes_carry_each_steps_count_and_reason() {
        let flow = flow(vec![
            arm("standard", Some(1200), 1099, 0),
            arm("prioritised", Some(1200), 1142, 7),
        ]);
        let boxes = arm_boxes(
            &flow.arms[1],
            DesignKind::Rct,
            false,
            "Licensable HMO found",
            "",
            &Disclosure::none(),
        );
        assert_eq!(boxes[0].heading, "Allocated to prioritised");
        assert_eq!(boxes[0].count, "n = 1,200");
        assert_eq!(boxes[1].count, "n = 58");
        assert_eq!(boxes[2].count, "n = 7");
        assert_eq!(boxes[3].count, "n = 1,135");
        assert!(boxes[3].notes[0].contains("Licensable HMO found"));
        let total = total_box(&flow, DesignKind::Rct, &Disclosure::none()).unwrap();
        assert_eq!(
            (total.heading.as_str(), total.count.as_str()),
            ("Randomised", "n = 2,400")
        );

        let chart = flow_diagram(
            &flow,
            DesignKind::Rct,
            "Licensable HMO found",
            &Disclosure::none(),
        );
        assert!(chart.svg.contains("<title id=\"flow-title\">"));
        for shown in ["Allocated to standard", "n = 101", "n = 1,099", "n = 1,135"] {
            assert!(chart.svg.contains(shown), "{shown} missing from the SVG");
        }
        assert!(chart.description.contains("Lost to follow-up: n = 58"));
        // One white background, one total, 4 boxes per arm and 3 stage bands.
        assert_eq!(chart.svg.matches("<rect").count(), 1 + 1 + 8 + 3);
        // Same flow, same bytes.
        assert_eq!(
            chart.svg,
            flow_diagram(
                &flow,
                DesignKind::Rct,
                "Licensable HMO found",
                &Disclosure::none()
            )
            .svg
        );
    }

    #[test]
    fn cluster_trials_show_clusters_and_individuals() {
        let mut treated = arm("treated", Some(480), 430, 10);
        treated.clusters_allocated = Some(10);
        treated.clusters_analysed = Some(7);
        let boxes = arm_boxes(
            &treated,
            DesignKind::ClusterRct,
            false,
            "Score",
            "",
            &Disclosure::none(),
        );
        assert_eq!(boxes[0].count, "n = 480 units in 10 clusters");
        assert_eq!(boxes[3].count, "n = 420 units in 7 clusters");
        assert!(
            boxes[1]
                .notes
                .contains(&"3 of 10 clusters have no unit analysed".to_string())
        );
        let mut control = arm("control", Some(500), 480, 0);
        control.clusters_allocated = Some(10);
        control.clusters_analysed = Some(10);
        let flow = flow(vec![control, treated]);
        assert_eq!(
            total_box(&flow, DesignKind::ClusterRct, &Disclosure::none())
                .unwrap()
                .count,
            "n = 980 units in 20 clusters"
        );
    }

    #[test]
    fn unknown_allocation_is_said_not_guessed() {
        let flow = flow(vec![arm("participants", None, 64, 0)]);
        assert!(total_box(&flow, DesignKind::BeforeAfter, &Disclosure::none()).is_none());
        let chart = flow_diagram(
            &flow,
            DesignKind::BeforeAfter,
            "Response time",
            &Disclosure::none(),
        );
        assert!(chart.svg.contains("Enrolled"));
        assert!(chart.svg.contains(">Enrolment</text>"));
        assert!(chart.svg.contains("number not recorded"));
        assert!(chart.description.contains("Lost to follow-up: n not known"));
        let matched = arm("supported", None, 300, 8);
        let boxes = arm_boxes(
            &matched,
            DesignKind::MatchedComparison,
            false,
            "NEET",
            "",
            &Disclosure::none(),
        );
        assert_eq!(boxes[0].heading, "In the supported group");
        assert_eq!(boxes[3].count, "n = 292");
    }

    #[test]
    fn text_wraps_inside_narrow_boxes() {
        let lines = wrap(
            "missing values in the variables the analysis of a long outcome name uses",
            NOTE_SIZE,
            false,
            120.0,
        );
        assert!(lines.len() > 2);
        for line in &lines {
            assert!(text_width(line, NOTE_SIZE, false) <= 120.0 || !line.contains(' '));
        }
    }
}
