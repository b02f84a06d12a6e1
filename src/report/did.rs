//! The difference-in-differences section of the report: for each outcome, the
//! two-way fixed-effects estimate and the joint pre-trend test, and for the primary
//! outcome two charts: the event study (effect by period relative to treatment, with
//! intervals, the reference period −1 fixed at 0) and the mean outcome of the treated
//! and comparison units over time.

use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::charts::{
    BLUE, Chart, VERMILLION, XAxis, dashed_vertical, padded_range, time_chart, titled,
};
use super::document::{Block, Table};
use super::format::{EffectText, Scale, count, p_value, significant};
use super::model::ReportModel;
use crate::analysis::OutcomeResult;
use crate::analysis::did::{DidAnalysis, DidSeries};

const EVENT_CHART: &str = "did-event-study";
const MEANS_CHART: &str = "did-group-means";

fn did_of(model: &ReportModel) -> Option<(&DidAnalysis, &OutcomeResult)> {
    let analysis = model.analysis.as_ref()?;
    let did = analysis.difference_in_differences.as_ref()?;
    let primary = &did.series.first()?.outcome;
    let outcome = analysis.outcomes.iter().find(|o| &o.outcome == primary)?;
    Some((did, outcome))
}

/// The charts of the primary outcome (none without a difference-in-differences).
pub(super) fn did_charts(model: &ReportModel) -> Vec<Chart> {
    let Some((did, outcome)) = did_of(model) else {
        return Vec::new();
    };
    vec![
        event_study_chart(&did.series[0], outcome),
        group_means_chart(did, &did.series[0], outcome),
    ]
}

/// The first treated period as the reader knows it: "period 25", with its date when
/// the periods are dated ("period 25 (2021-01)").
fn treatment_start(did: &DidAnalysis, period: i64) -> String {
    match &did.treatment_start {
        Some(date) => format!("period {period} ({date})"),
        None => format!("period {period}"),
    }
}

/// The section's blocks.
pub(super) fn did_blocks(model: &ReportModel, charts: &[Chart], blocks: &mut Vec<Block>) {
    let Some((did, _)) = did_of(model) else {
        return;
    };
    let analysis = model.analysis.as_ref().expect("did_of found the analysis");
    let first = &did.series[0].fit;
    blocks.push(Block::Heading("Difference-in-differences".into()));
    blocks.push(Block::Paragraph(format!(
        "Two-way fixed-effects regression of the outcome on unit and period effects and the treatment indicator, with standard errors clustered by unit ({}): {} units ({} treated from {}, {} never treated) over {} periods, {} of them before treatment{}. The event study replaces the indicator by one per period relative to treatment, the period before treatment (−1) fixed at 0; the pre-trend test asks whether every period before it is 0 too.",
        match first.se_type {
            crate::stats::regression::SeType::CR1 => "CR1, as Stata",
            _ => "CR2 with Bell–McCaffrey degrees of freedom",
        },
        count(first.n_units),
        count(first.n_treated_units),
        treatment_start(did, first.treatment_period),
        count(first.n_units - first.n_treated_units),
        count(first.n_periods),
        count(first.n_pre_periods),
        if first.balanced { "" } else { "; the panel is unbalanced" }
    )));
    if let Some(first) = &did.period_one {
        blocks.push(Block::Paragraph(format!(
            "Periods are numbered from 1 = {first}, the first date in the data."
        )));
    }
    blocks.extend(
        (0..charts.len())
            .filter(|&i| charts[i].name == EVENT_CHART || charts[i].name == MEANS_CHART)
            .map(Block::Chart),
    );
    let mut rows = Vec::new();
    for series in &did.series {
        let Some(outcome) = analysis
            .outcomes
            .iter()
            .find(|o| o.outcome == series.outcome)
        else {
            continue;
        };
        let fit = &series.fit;
        let scale = Scale::of_result(outcome);
        let e = &fit.estimate;
        let text = EffectText::new(scale, e.estimate, e.conf_low, e.conf_high);
        rows.push(vec![
            outcome.label.clone(),
            text.compact(),
            text.alongside(scale, e.std_error),
            p_value(e.p_value),
            match &fit.pretrend {
                Some(p) => format!(
                    "F = {} on {} and {} df, p = {}: {}",
                    significant(p.statistic, 3),
                    significant(p.df1, 3),
                    significant(p.df2, 3),
                    p_value(p.p_value),
                    if p.passed { "passes" } else { "fails" }
                ),
                None => "not testable (one period before treatment)".into(),
            },
        ]);
    }
    blocks.push(Block::Table(Table {
        caption: "Difference-in-differences estimates and pre-trend tests".into(),
        header: [
            "Outcome",
            "Estimate (95% CI)",
            "Standard error",
            "p-value",
            "Pre-trend test",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }));
    if !did.ceiling.reasons.is_empty() {
        blocks.push(Block::Paragraph(format!(
            "What limits the level of evidence (Nesta level {} at most): {}",
            did.ceiling.max_level,
            did.ceiling.reasons.join(" ")
        )));
    }
}

fn event_study_chart(series: &DidSeries, outcome: &OutcomeResult) -> Chart {
    let fit = &series.fit;
    let points: Vec<(f64, f64, f64, f64)> = fit
        .event_study
        .iter()
        .map(|e| match &e.estimate {
            Some(est) => (
                e.event_time as f64,
                est.estimate,
                est.conf_low,
                est.conf_high,
            ),
            None => (e.event_time as f64, 0.0, 0.0, 0.0),
        })
        .collect();
    let x_min = points
        .iter()
        .map(|p| p.0)
        .fold(f64::INFINITY, f64::min)
        .min(-1.0)
        - 0.5;
    let x_max = points
        .iter()
        .map(|p| p.0)
        .fold(f64::NEG_INFINITY, f64::max)
        .max(0.0)
        + 0.5;
    let y = padded_range(points.iter().flat_map(|p| [p.2, p.3, 0.0]), 0.08);
    let y_desc = format!("effect on {}", outcome.label);
    let svg = time_chart(
        "Effect by period relative to treatment",
        ("periods since treatment started", &y_desc),
        XAxis::Periods,
        (x_min, x_max),
        y,
        None,
        |chart| {
            chart
                .draw_series(LineSeries::new(
                    vec![(x_min, 0.0), (x_max, 0.0)],
                    BLACK.stroke_width(1),
                ))
                .ok();
            dashed_vertical(chart, -0.5, y);
            for &(x, _, low, high) in &points {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(x, low), (x, high)],
                        BLUE.stroke_width(2),
                    )))
                    .ok();
            }
            chart
                .draw_series(points.iter().map(|&(x, y, _, _)| {
                    Circle::new(
                        (x, y),
                        4,
                        if x < 0.0 {
                            BLUE.filled()
                        } else {
                            VERMILLION.filled()
                        },
                    )
                }))
                .ok();
        },
    );
    let title = format!("{}: event study", outcome.label);
    let description = format!(
        "Dots: the difference between treated and comparison units in each period relative to treatment, against the period before it (−1, fixed at 0); bars: {} intervals. Blue dots before treatment should sit near 0 (parallel trends); orange dots after it show the effect. Dashed line: treatment starts.",
        super::format::percent(fit.estimate.conf_level, 3)
    );
    titled(EVENT_CHART, &svg, title, description)
}

fn group_means_chart(did: &DidAnalysis, series: &DidSeries, outcome: &OutcomeResult) -> Chart {
    let fit = &series.fit;
    let treated: Vec<(f64, f64)> = fit
        .group_means
        .iter()
        .filter_map(|g| g.treated_mean.map(|m| (g.period as f64, m)))
        .collect();
    let comparison: Vec<(f64, f64)> = fit
        .group_means
        .iter()
        .filter_map(|g| g.comparison_mean.map(|m| (g.period as f64, m)))
        .collect();
    let x_min = fit.group_means.first().map_or(0.0, |g| g.period as f64);
    let x_max = fit
        .group_means
        .last()
        .map_or(1.0, |g| g.period as f64)
        .max(x_min + 1.0);
    let y = padded_range(treated.iter().chain(&comparison).map(|p| p.1), 0.08);
    let svg = time_chart(
        "Mean outcome of treated and comparison units",
        ("period", &outcome.label),
        XAxis::Periods,
        (x_min, x_max),
        y,
        Some(SeriesLabelPosition::UpperRight),
        |chart| {
            dashed_vertical(chart, fit.treatment_period as f64 - 0.5, y);
            // The comparison line is dashed, so the two differ without colour.
            chart
                .draw_series(LineSeries::new(treated.clone(), VERMILLION.stroke_width(2)))
                .ok()
                .map(|s| {
                    s.label("treated").legend(|(x, y)| {
                        PathElement::new(vec![(x, y), (x + 16, y)], VERMILLION.stroke_width(2))
                    })
                });
            chart
                .draw_series(DashedLineSeries::new(
                    comparison.clone(),
                    6,
                    4,
                    BLUE.stroke_width(2),
                ))
                .ok()
                .map(|s| {
                    s.label("comparison").legend(|(x, y)| {
                        DashedPathElement::new(
                            vec![(x, y), (x + 16, y)],
                            6,
                            4,
                            BLUE.stroke_width(2),
                        )
                    })
                });
        },
    );
    let title = format!("{}: treated and comparison units over time", outcome.label);
    let description = format!(
        "Lines: the mean outcome in each period of the {} treated units (orange, solid) and the {} comparison units (blue, dashed). Dashed line: treatment starts in {}. Parallel lines before it support the comparison; the gap that opens after it is what the estimate measures.",
        count(fit.n_treated_units),
        count(fit.n_units - fit.n_treated_units),
        treatment_start(did, fit.treatment_period)
    );
    titled(MEANS_CHART, &svg, title, description)
}
