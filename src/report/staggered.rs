//! The staggered roll-out section of a report: what was compared with what, the
//! headline (cohort-weighted) effect, effects by cohort and by event time with their
//! simultaneous bands, the pre-trend test, and the two-way fixed-effects estimate
//! beside it with its Goodman-Bacon decomposition, so a reader sees when TWFE is
//! biased by comparisons against already-treated units. Markdown text and an SVG
//! event-time chart; numbers go through `format.rs`.

use plotters::prelude::*;

use super::charts::{
    AXIS_SIZE, BLUE, CAPTION_SIZE, CHART_WIDTH, Chart, GREY, TICK_SIZE, VERMILLION, accessible,
    register_font,
};
use super::format::{count, p_value, percent, signed_whole, significant, tick};
use crate::designs::staggered::{ComparisonKind, Effect, StaggeredAnalysis};
use crate::spec::staggered::BasePeriod;

const DIGITS: usize = 3;

fn interval(low: f64, high: f64) -> String {
    format!(
        "{} to {}",
        significant(low, DIGITS),
        significant(high, DIGITS)
    )
}

fn band(e: &Effect) -> String {
    e.band.map_or("—".into(), |(l, h)| interval(l, h))
}

/// The report's limitation of a staggered roll-out.
pub(super) const LIMITATION: &str = "Areas chose (or were chosen for) their time of joining: the comparison with areas not yet treated holds only if, without the programme, every cohort's outcome would have moved in parallel. The pre-trend test can reveal diverging trends before roll-out, not rule out ones that start with it.";

/// The headline finding: the cohort-weighted overall effect in words.
pub(super) fn headline(result: &crate::analysis::staggered::StaggeredRolloutResult) -> String {
    let overall = &result.overall;
    format!(
        "{}: {} on average after roll-out (Callaway and Sant'Anna overall effect, cohorts weighted by size; 95% CI {}), across {} cohort(s) of {} units.",
        result.outcome_label,
        if overall.estimate >= 0.0 {
            format!("{} higher", significant(overall.estimate, DIGITS))
        } else {
            format!("{} lower", significant(-overall.estimate, DIGITS))
        },
        interval(overall.ci_low, overall.ci_high),
        count(result.cohorts.len()),
        count(result.n_units)
    )
}

/// The section's sentences, in order: design, headline effect, TWFE, pre-trend test.
fn paragraphs(analysis: &StaggeredAnalysis, outcome: &str) -> Vec<String> {
    let s = &analysis.settings;
    let mut out = vec![format!(
        "{} units over {} periods; {} cohort(s) ({}) and {} never-treated unit(s). Each cohort is compared with {}; the base period is {}{}. {}",
        count(analysis.n_units),
        count(analysis.n_periods),
        count(analysis.cohorts.len()),
        analysis
            .cohorts
            .iter()
            .map(|(g, n)| format!("first treated in {}: {}", signed_whole(*g), count(*n)))
            .collect::<Vec<_>>()
            .join("; "),
        count(analysis.n_never_treated),
        s.comparison.label(),
        match s.base_period {
            BasePeriod::Varying => "varying (the period before, or the last before treatment)",
            BasePeriod::Universal => "universal (the last period before treatment)",
        },
        if s.anticipation > 0 {
            format!(", allowing {} period(s) of anticipation", s.anticipation)
        } else {
            String::new()
        },
        if analysis.covariates.is_empty() {
            "Parallel trends are assumed without covariates.".to_string()
        } else {
            format!(
                "Parallel trends are assumed among units with the same {} (each group-time effect estimated by {}).",
                analysis.covariates.join(", "),
                s.method.label()
            )
        }
    )];
    let (estimate, se) = analysis.overall.cohort_weighted;
    out.push(format!(
        "Overall effect on {outcome} (Callaway and Sant'Anna, cohorts weighted by size): {} (SE {}, 95% CI {}).",
        significant(estimate, DIGITS),
        significant(se, DIGITS),
        interval(estimate - 1.959_963_984_540_054 * se, estimate + 1.959_963_984_540_054 * se)
    ));
    let twfe_inference = match (&analysis.twfe.inference, &analysis.twfe.inference_note) {
        (Some(e), _) => format!(
            " (cluster-robust CR2 SE {}, {}% CI {}, Satterthwaite df {})",
            significant(e.std_error, DIGITS),
            significant(100.0 * e.conf_level, DIGITS),
            interval(e.conf_low, e.conf_high),
            significant(e.df, DIGITS)
        ),
        (None, Some(note)) => format!(" ({})", note.trim_end_matches('.')),
        (None, None) => String::new(),
    };
    out.push(format!(
        "Two-way fixed effects (unit and period effects) gives {}{twfe_inference}; {} of its weight comes from later-treated cohorts compared with already-treated ones{}.",
        significant(analysis.twfe.estimate, DIGITS),
        percent(analysis.twfe.forbidden_weight(), 3),
        if (analysis.twfe.estimate - estimate).abs() > 1.959_963_984_540_054 * se {
            ": the two differ by more than the overall effect's 95% margin, so TWFE should not be used here"
        } else {
            ""
        }
    ));
    if let Some(t) = &analysis.pre_trend {
        out.push(format!(
            "Pre-trend test (pre-treatment event-time effects jointly zero): χ² = {} on {} df, p = {}.",
            significant(t.statistic, DIGITS),
            t.df,
            p_value(t.p_value)
        ));
    }
    out
}

/// A table of the section: (title, explanation, header, rows).
type SectionTable = (String, String, Vec<String>, Vec<Vec<String>>);

fn tables(analysis: &StaggeredAnalysis) -> Vec<SectionTable> {
    let header = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    let cohorts = analysis
        .by_cohort
        .iter()
        .map(|e| {
            let units = analysis
                .cohorts
                .iter()
                .find(|(g, _)| *g == e.key)
                .map_or(0, |c| c.1);
            vec![
                signed_whole(e.key),
                count(units),
                significant(e.estimate, DIGITS),
                significant(e.se, DIGITS),
                interval(e.ci_low, e.ci_high),
                band(e),
            ]
        })
        .collect();
    let event_time = analysis
        .event_time
        .iter()
        .map(|e| {
            vec![
                signed_whole(e.key),
                significant(e.estimate, DIGITS),
                significant(e.se, DIGITS),
                interval(e.ci_low, e.ci_high),
                band(e),
            ]
        })
        .collect();
    let bacon = analysis
        .twfe
        .decomposition
        .iter()
        .map(|t| {
            vec![
                t.kind.label().to_string(),
                signed_whole(t.treated),
                t.comparison.map_or("never treated".into(), signed_whole),
                significant(t.estimate, DIGITS),
                percent(t.weight, 3),
            ]
        })
        .collect();
    vec![
        (
            "Effects by cohort".into(),
            format!(
                "Simultaneous 95% bands: uniform critical value {} from the multiplier bootstrap.",
                significant(analysis.cohort_critical_value, DIGITS)
            ),
            header(&["cohort", "units", "effect", "SE", "95% CI", "95% band"]),
            cohorts,
        ),
        (
            "Effects by time since roll-out".into(),
            format!(
                "Negative event times are before treatment (they should be near zero). Uniform critical value {}.",
                significant(analysis.event_time_critical_value, DIGITS)
            ),
            header(&["event time", "effect", "SE", "95% CI", "95% band"]),
            event_time,
        ),
        (
            "Goodman-Bacon decomposition of the TWFE estimate".into(),
            String::new(),
            header(&[
                "comparison",
                "treated cohort",
                "comparison cohort",
                "2×2 estimate",
                "weight",
            ]),
            bacon,
        ),
    ]
}

/// The weight and weighted 2×2 estimate of each kind of TWFE comparison.
fn bacon_summary(analysis: &StaggeredAnalysis) -> Vec<String> {
    let mut out = Vec::new();
    for kind in [
        ComparisonKind::TreatedVsNever,
        ComparisonKind::EarlierVsLater,
        ComparisonKind::LaterVsEarlier,
    ] {
        let terms: Vec<_> = analysis
            .twfe
            .decomposition
            .iter()
            .filter(|t| t.kind == kind)
            .collect();
        let weight: f64 = terms.iter().map(|t| t.weight).sum();
        if weight > 0.0 {
            let average = terms.iter().map(|t| t.weight * t.estimate).sum::<f64>() / weight;
            out.push(format!(
                "{}: weight {}, weighted 2×2 estimate {}",
                kind.label(),
                percent(weight, 3),
                significant(average, DIGITS)
            ));
        }
    }
    out
}

/// The section as Markdown (a level-2 heading and its tables).
pub fn markdown(analysis: &StaggeredAnalysis, outcome: &str) -> String {
    let mut md = String::from("## Staggered roll-out\n\n");
    for paragraph in paragraphs(analysis, outcome) {
        md.push_str(&format!("{paragraph}\n\n"));
    }
    for (title, explanation, header, rows) in tables(analysis) {
        md.push_str(&format!("### {title}\n\n"));
        if !explanation.is_empty() {
            md.push_str(&format!("{explanation}\n\n"));
        }
        md.push_str(&format!("| {} |\n", header.join(" | ")));
        md.push_str(&format!("|{}\n", "---|".repeat(header.len())));
        for row in rows {
            md.push_str(&format!("| {} |\n", row.join(" | ")));
        }
        md.push('\n');
    }
    for line in bacon_summary(analysis) {
        md.push_str(&format!("- {line}\n"));
    }
    for note in &analysis.notes {
        md.push_str(&format!("\n> {note}\n"));
    }
    md
}

/// The section as report blocks (Markdown and HTML walk them alike), with the
/// event-time chart when the chart list holds it.
pub(super) fn blocks(
    analysis: &StaggeredAnalysis,
    outcome: &str,
    charts: &[Chart],
    blocks: &mut Vec<super::document::Block>,
) {
    use super::document::{Block, Table};
    blocks.push(Block::Heading("Staggered roll-out".into()));
    blocks.extend(
        paragraphs(analysis, outcome)
            .into_iter()
            .map(Block::Paragraph),
    );
    if let Some(index) = charts.iter().position(|c| c.name == "event_time") {
        blocks.push(Block::Chart(index));
    }
    for (title, explanation, header, rows) in tables(analysis) {
        let caption = if explanation.is_empty() {
            title
        } else {
            format!("{title}. {explanation}")
        };
        blocks.push(Block::Table(Table {
            caption,
            header,
            rows,
        }));
    }
    blocks.push(Block::List(bacon_summary(analysis)));
    if !analysis.notes.is_empty() {
        blocks.push(Block::List(analysis.notes.clone()));
    }
}

/// Event-time chart: effects with pointwise intervals (thick) and simultaneous bands
/// (thin), pre-treatment points hollow, the roll-out marked between −1 and 0.
pub fn event_time_chart(analysis: &StaggeredAnalysis, outcome: &str) -> Chart {
    register_font();
    let effects = &analysis.event_time;
    let (width, height) = (CHART_WIDTH, 360u32);
    let lows = effects
        .iter()
        .map(|e| e.band.map_or(e.ci_low, |b| b.0.min(e.ci_low)));
    let highs = effects
        .iter()
        .map(|e| e.band.map_or(e.ci_high, |b| b.1.max(e.ci_high)));
    let lo = lows.fold(0.0f64, f64::min);
    let hi = highs.fold(0.0f64, f64::max);
    let pad = ((hi - lo) * 0.08).max(1e-9);
    let first = effects.first().map_or(-1, |e| e.key) as f64 - 0.5;
    let last = effects.last().map_or(1, |e| e.key) as f64 + 0.5;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).ok();
        let span = hi - lo + 2.0 * pad;
        if let Ok(mut chart) = ChartBuilder::on(&root.margin(8, 8, 8, 8))
            .caption(
                format!("Effect on {outcome} by time since roll-out"),
                ("sans-serif", CAPTION_SIZE).into_font().color(&BLACK),
            )
            .margin(4)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(first..last, (lo - pad)..(hi + pad))
        {
            chart
                .configure_mesh()
                .x_labels(effects.len().min(20))
                .x_label_formatter(&|v| signed_whole(v.round() as i64))
                .y_label_formatter(&|v| tick(*v, span, 4))
                .x_desc("periods since first treated (event time)")
                .y_desc(format!("effect on {outcome}"))
                .axis_desc_style(("sans-serif", AXIS_SIZE).into_font().color(&BLACK))
                .label_style(("sans-serif", TICK_SIZE).into_font().color(&GREY))
                .light_line_style(RGBColor(0xEE, 0xEE, 0xEE))
                .draw()
                .ok();
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(first, 0.0), (last, 0.0)],
                    4,
                    3,
                    GREY.stroke_width(1),
                ))
                .ok();
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(-0.5, lo - pad), (-0.5, hi + pad)],
                    6,
                    4,
                    GREY.stroke_width(1),
                ))
                .ok();
            for e in effects {
                let x = e.key as f64;
                let colour = if e.key < 0 { VERMILLION } else { BLUE };
                if let Some((l, h)) = e.band {
                    chart
                        .draw_series(LineSeries::new(
                            vec![(x, l), (x, h)],
                            colour.stroke_width(1),
                        ))
                        .ok();
                }
                chart
                    .draw_series(LineSeries::new(
                        vec![(x, e.ci_low), (x, e.ci_high)],
                        colour.stroke_width(3),
                    ))
                    .ok();
                let marker = if e.key < 0 {
                    colour.stroke_width(2)
                } else {
                    colour.filled()
                };
                chart
                    .draw_series(std::iter::once(Circle::new((x, e.estimate), 5, marker)))
                    .ok();
            }
        }
        root.present().ok();
    }
    let description = effects
        .iter()
        .map(|e| {
            format!(
                "event time {}: {} ({})",
                signed_whole(e.key),
                significant(e.estimate, DIGITS),
                interval(e.ci_low, e.ci_high)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let title =
        "Event-time effects with 95% intervals (thick) and simultaneous bands (thin)".to_string();
    Chart {
        name: "event_time",
        svg: accessible(&svg, "event_time", &title, &description),
        title,
        description,
    }
}
