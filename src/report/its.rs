//! The interrupted time series section of the report: for each outcome series, a
//! table of the level and slope change, the pre-intervention trend and the effect at
//! each horizon, the residual diagnostics (Durbin–Watson, ACF, Ljung–Box), and for
//! the primary outcome a chart of the observed series against its pre-intervention
//! trend projected forward with its band, the horizons marked.

use plotters::prelude::*;

use super::charts::{
    BLUE, Chart, VERMILLION, XAxis, dashed_vertical, padded_range, time_chart, titled,
};
use super::document::{Block, Table};
use super::format::{EffectText, Scale, aligned_all, count, p_value, significant};
use super::model::ReportModel;
use crate::analysis::OutcomeResult;
use crate::analysis::its::{ItsAnalysis, ItsSeries};
use crate::analysis::its_many::ManySeries;
use crate::stats::estimate::Estimate;

const CHART_NAME: &str = "its-series";

/// The chart of the primary series (none without an interrupted time series).
pub(super) fn its_charts(model: &ReportModel) -> Vec<Chart> {
    let Some((its, outcome)) = its_of(model) else {
        return Vec::new();
    };
    vec![series_chart(&its.series[0], outcome)]
}

fn its_of(model: &ReportModel) -> Option<(&ItsAnalysis, &OutcomeResult)> {
    let analysis = model.analysis.as_ref()?;
    let its = analysis.interrupted_time_series.as_ref()?;
    let primary = &its.series.first()?.outcome;
    let outcome = analysis.outcomes.iter().find(|o| &o.outcome == primary)?;
    Some((its, outcome))
}

/// The section's blocks.
pub(super) fn its_blocks(model: &ReportModel, charts: &[Chart], blocks: &mut Vec<Block>) {
    if let Some(analysis) = model.analysis.as_ref()
        && let Some(its) = analysis.interrupted_time_series.as_ref()
        && let Some(many) = its.by_series.as_ref()
    {
        many_series_blocks(analysis, its, many, blocks);
        return;
    }
    let Some((its, _)) = its_of(model) else {
        return;
    };
    let analysis = model.analysis.as_ref().expect("its_of found the analysis");
    blocks.push(Block::Heading("Interrupted time series".into()));
    let first = &its.series[0].fit;
    blocks.push(Block::Paragraph(format!(
        "Segmented regression of each series on time, with a change of level and of slope at period {} ({} periods before it, {} after{}), by {}{}. The level change is the jump at the intervention against the pre-intervention trend projected forward; the effect at a horizon adds the slope change for the periods since.",
        first.intervention,
        count(first.n_pre),
        count(first.n_post),
        if first.n_transition > 0 {
            format!(", {} transition periods left out", count(first.n_transition))
        } else {
            String::new()
        },
        first.error_model.label(),
        match &its.seasonality_column {
            Some(c) => format!(", with a fixed effect for each season (column `{c}`)"),
            None => String::new(),
        }
    )));
    if let Some(first) = &its.period_one {
        blocks.push(Block::Paragraph(format!(
            "Periods are numbered from 1 = {first}, the first date in the data."
        )));
    }
    blocks.extend(
        (0..charts.len())
            .filter(|&i| charts[i].name == CHART_NAME)
            .map(Block::Chart),
    );
    for series in &its.series {
        let Some(outcome) = analysis
            .outcomes
            .iter()
            .find(|o| o.outcome == series.outcome)
        else {
            continue;
        };
        blocks.push(Block::Table(effects_table(series, outcome)));
        blocks.push(Block::List(diagnostics(series)));
    }
    if !its.ceiling.reasons.is_empty() {
        blocks.push(Block::Paragraph(format!(
            "What limits the level of evidence (Nesta level {} at most): {}",
            its.ceiling.max_level,
            its.ceiling.reasons.join(" ")
        )));
    }
}

/// Series shown in the report's table (all of them are in report.json).
const SERIES_SHOWN: usize = 20;

/// The section for many series: what was fitted, the spread of the level changes,
/// the failures with their reasons, and the first series in label order.
fn many_series_blocks(
    analysis: &crate::analysis::Analysis,
    its: &ItsAnalysis,
    many: &ManySeries,
    blocks: &mut Vec<Block>,
) {
    let Some(outcome) = analysis.outcomes.first() else {
        return;
    };
    let scale = Scale::of_result(outcome);
    blocks.push(Block::Heading("Interrupted time series".into()));
    let mut levels: Vec<f64> = many
        .series
        .iter()
        .filter_map(|s| s.level_change.as_ref().map(|e| e.estimate))
        .collect();
    levels.sort_by(f64::total_cmp);
    let median = match levels.len() {
        0 => f64::NAN,
        k if k % 2 == 1 => levels[k / 2],
        k => (levels[k / 2 - 1] + levels[k / 2]) / 2.0,
    };
    let mut text = format!(
        "{} series (column `{}`), each with its own segmented regression of {} on time with a change of level and of slope at the intervention{}. {} fitted",
        count(many.n_series),
        many.series_column,
        outcome.label,
        match &its.seasonality_column {
            Some(c) => format!(" and a fixed effect for each season (column `{c}`)"),
            None => String::new(),
        },
        count(many.n_fitted),
    );
    if let (Some(low), Some(high)) = (levels.first(), levels.last()) {
        text.push_str(&format!(
            "; their level changes run from {} to {} (median {}), and {} of them have a 95% interval that excludes zero (about {} would by chance alone if nothing changed anywhere)",
            significant(*low, 3),
            significant(*high, 3),
            significant(median, 3),
            count(many.n_level_change_significant),
            significant(many.n_fitted as f64 * 0.05, 2)
        ));
    }
    text.push('.');
    if let Some(mean) = &many.mean_level_change {
        let effect = EffectText::new(scale, mean.estimate, mean.conf_low, mean.conf_high);
        text.push_str(&format!(
            " The mean level change over the fitted series is {}; its interval treats the series as independent, which overstates the precision when neighbouring series move together.",
            effect.compact()
        ));
    }
    blocks.push(Block::Paragraph(text));
    let failed: Vec<String> = many
        .series
        .iter()
        .filter_map(|s| s.error.as_ref().map(|e| format!("{}: {e}", s.series)))
        .collect();
    if !failed.is_empty() {
        let mut list: Vec<String> = failed.iter().take(SERIES_SHOWN).cloned().collect();
        if failed.len() > SERIES_SHOWN {
            list.push(format!(
                "and {} more (all in report.json)",
                count(failed.len() - SERIES_SHOWN)
            ));
        }
        blocks.push(Block::Paragraph(format!(
            "{} series could not be fitted and are left out:",
            count(failed.len())
        )));
        blocks.push(Block::List(list));
    }
    let rows = many
        .series
        .iter()
        .take(SERIES_SHOWN)
        .map(|s| {
            let effect = |e: &Option<Estimate>| {
                e.as_ref().map_or("not fitted".to_string(), |e| {
                    EffectText::new(scale, e.estimate, e.conf_low, e.conf_high).compact()
                })
            };
            vec![
                s.series.clone(),
                effect(&s.level_change),
                effect(&s.slope_change),
                s.durbin_watson.map_or(String::new(), |d| significant(d, 3)),
            ]
        })
        .collect();
    blocks.push(Block::Table(Table {
        caption: format!(
            "{}: the first {} of {} series in label order{} (every series is in report.json, analysis.interrupted_time_series.by_series)",
            outcome.label,
            count(many.n_series.min(SERIES_SHOWN)),
            count(many.n_series),
            unit_note(scale)
        ),
        header: [
            "Series",
            "Level change (95% CI)",
            "Slope change per period (95% CI)",
            "Durbin–Watson",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }));
    if !its.ceiling.reasons.is_empty() {
        blocks.push(Block::Paragraph(format!(
            "What limits the level of evidence (Nesta level {} at most): {}",
            its.ceiling.max_level,
            its.ceiling.reasons.join(" ")
        )));
    }
}

fn effects_table(series: &ItsSeries, outcome: &OutcomeResult) -> Table {
    let fit = &series.fit;
    let scale = Scale::of_result(outcome);
    let mut rows = vec![
        row("Level change at the intervention", &fit.level_change, scale),
        row("Slope change per period", &fit.slope_change, scale),
        row(
            "Trend before the intervention, per period",
            &fit.pre_trend,
            scale,
        ),
    ];
    for h in &fit.horizons {
        rows.push(row(
            &format!(
                "Effect {} periods after the intervention (period {}{})",
                h.horizon,
                h.period,
                if h.within_data {
                    ""
                } else {
                    ", extrapolated beyond the data"
                }
            ),
            &h.effect,
            scale,
        ));
    }
    Table {
        caption: match &series.control_column {
            Some(c) => format!(
                "{}: change relative to the control series {c}{}",
                outcome.label,
                unit_note(scale)
            ),
            None => format!(
                "{}: change against its own trend{}",
                outcome.label,
                unit_note(scale)
            ),
        },
        header: ["Quantity", "Estimate (95% CI)", "Standard error", "p-value"]
            .map(String::from)
            .to_vec(),
        rows,
    }
}

fn unit_note(scale: Scale) -> String {
    let unit = scale.difference_unit();
    if unit.is_empty() {
        String::new()
    } else {
        format!(" ({})", unit.trim())
    }
}

fn row(what: &str, e: &Estimate, scale: Scale) -> Vec<String> {
    let text = EffectText::new(scale, e.estimate, e.conf_low, e.conf_high);
    vec![
        what.to_string(),
        text.compact(),
        text.alongside(scale, e.std_error),
        p_value(e.p_value),
    ]
}

fn diagnostics(series: &ItsSeries) -> Vec<String> {
    let fit = &series.fit;
    let a = &fit.autocorrelation;
    let mut out = vec![
        format!(
            "Durbin–Watson {} (about 2 when neighbouring residuals are unrelated)",
            significant(a.durbin_watson, 3)
        ),
        format!(
            "Residual autocorrelation at lags 1 to {}: {}",
            a.acf.len(),
            aligned_all(&a.acf, 2).join(", ")
        ),
        format!(
            "Ljung–Box Q = {} on {} df, p = {}",
            significant(a.ljung_box.statistic, 3),
            a.ljung_box.df,
            p_value(a.ljung_box.p_value)
        ),
    ];
    if let Some(lag) = fit.hac_lag {
        out.push(format!(
            "Newey–West lag {lag}{}",
            if fit.hac_lag_default {
                " (the default ⌊4(T/100)^(2/9)⌋)"
            } else {
                ""
            }
        ));
    }
    if let Some(rho) = fit.rho {
        out.push(format!("AR(1) coefficient ρ = {}", significant(rho, 3)));
    }
    out
}

/// Observed series, the pre-intervention trend projected forward with its band, the
/// fitted post-intervention line, a line at the intervention and a mark at each
/// horizon.
fn series_chart(series: &ItsSeries, outcome: &OutcomeResult) -> Chart {
    let fit = &series.fit;
    let path = &fit.path;
    let x_min = fit.first_period as f64;
    let x_max = (fit.last_period as f64).max(x_min + 1.0);
    let y = padded_range(
        path.iter().flat_map(|p| {
            [p.observed, p.counterfactual_low, p.counterfactual_high]
                .into_iter()
                .chain(p.fitted)
        }),
        0.05,
    );
    let what = match &series.control_column {
        Some(_) => format!("{}, treated − control", outcome.label),
        None => outcome.label.clone(),
    };
    let svg = time_chart(
        "Observed series against the projected trend",
        ("period", &what),
        XAxis::Periods,
        (x_min, x_max),
        y,
        None,
        |chart| {
            let after: Vec<_> = path
                .iter()
                .filter(|p| p.period >= fit.intervention)
                .collect();
            let band: Vec<(f64, f64)> = after
                .iter()
                .map(|p| (p.period as f64, p.counterfactual_high))
                .chain(
                    after
                        .iter()
                        .rev()
                        .map(|p| (p.period as f64, p.counterfactual_low)),
                )
                .collect();
            chart
                .draw_series(std::iter::once(Polygon::new(band, BLUE.mix(0.12).filled())))
                .ok();
            chart
                .draw_series(LineSeries::new(
                    path.iter().map(|p| (p.period as f64, p.counterfactual)),
                    BLUE.stroke_width(1),
                ))
                .ok();
            chart
                .draw_series(LineSeries::new(
                    after
                        .iter()
                        .filter_map(|p| p.fitted.map(|f| (p.period as f64, f))),
                    VERMILLION.stroke_width(2),
                ))
                .ok();
            chart
                .draw_series(
                    path.iter()
                        .map(|p| Circle::new((p.period as f64, p.observed), 3, BLACK.filled())),
                )
                .ok();
            dashed_vertical(chart, fit.intervention as f64 - 0.5, y);
            for h in fit.horizons.iter().filter(|h| h.within_data) {
                if let Some(p) = path.iter().find(|p| p.period == h.period) {
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            vec![
                                (p.period as f64, p.counterfactual),
                                (p.period as f64, p.fitted.unwrap_or(p.observed)),
                            ],
                            VERMILLION.stroke_width(3),
                        )))
                        .ok();
                }
            }
        },
    );
    let title = format!("{what}: observed and projected");
    let horizons = fit
        .horizons
        .iter()
        .map(|h| {
            format!(
                "{} after {} periods",
                significant(h.effect.estimate, 3),
                h.horizon
            )
        })
        .collect::<Vec<_>>();
    let description = format!(
        "Dots: the observed series by period. Blue line and band: the trend before period {} projected forward, with its {} interval. Orange line: the fitted series after the intervention; orange bars mark the effect at each horizon{}. Dashed line: the intervention.",
        fit.intervention,
        super::format::percent(fit.level_change.conf_level, 3),
        if horizons.is_empty() {
            String::new()
        } else {
            format!(" ({})", horizons.join("; "))
        }
    );
    titled(CHART_NAME, &svg, title, description)
}
