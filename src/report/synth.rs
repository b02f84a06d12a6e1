//! The synthetic-control section of the report: the treated unit against its
//! synthetic path, the gaps with the placebo gaps behind them, the donor weights,
//! the predictor balance table and the placebo, leave-one-out and fit diagnostics.
//! A treated unit outside the donors' convex hull is said so, with its fit shown.

use plotters::prelude::*;

use super::charts::{
    AXIS_SIZE, BLUE, CAPTION_SIZE, CHART_WIDTH, Chart, GREY, TICK_SIZE, VERMILLION, XAxis,
    padded_range, quietest_corner, time_chart, titled,
};
use super::document::{Block, Table};
use super::format::{
    aligned, aligned_all, count, fixed, p_value, percent, shortest, significant, tick,
};
use super::model::ReportModel;
use crate::designs::synth::{POSITIVE_WEIGHT, SynthResult};
use crate::spec::Plan;

const DIGITS: usize = 3;

/// What a synthetic control cannot rule out, for the report's limitations.
const LIMITATION: &str = "The synthetic control is built from the donor areas: the estimate holds only if no donor was touched by the policy, or by a shock of its own, after it started. The pre-period fit shows how closely the comparison tracked the treated area before; it cannot show that it would have gone on doing so.";

/// Puts the result on the model with its headline, evidence statement and
/// limitation, naming the outcome by its label and unit from the spec.
pub fn attach(model: &mut ReportModel, mut result: SynthResult, plan: &Plan) {
    if let Some(outcome) = plan.outcomes.iter().find(|o| o.spec.name == result.outcome) {
        result.words.outcome_label = outcome.label.clone();
        result.words.unit = outcome.spec.unit.clone();
    }
    let [treated_mean, synthetic_mean] = aligned(
        mean(&result.treated_series[result.n_pre..]),
        mean(&result.fit.synthetic[result.n_pre..]),
        DIGITS,
    );
    model.headline = format!(
        "{}: after {}, {} averaged {}{} per {} against {} for its synthetic control, a gap of {} (placebo rank p = {}: {} of {} units). {}",
        model.title,
        shortest(result.treatment_period),
        result.treated,
        treated_mean,
        unit_words(&result),
        result.words.period,
        synthetic_mean,
        signed(result.effect),
        p_value(result.placebo_space.p_value),
        count(result.placebo_space.rank),
        count(result.placebo_space.kept + 1),
        model.grade.summary
    );
    model.limitations.insert(0, LIMITATION.into());
    model.evidence_statement = format!(
        "Design: synthetic control of one treated unit on {} donors ({} fit). {}",
        count(result.donors.len()),
        result.method.replace('_', "-"),
        model.grade.summary
    );
    model.synthetic_control = Some(result);
}

/// " fires per 100,000" after a number, or nothing without a unit.
fn unit_words(r: &SynthResult) -> String {
    r.words
        .unit
        .as_ref()
        .map(|u| format!(" {u}"))
        .unwrap_or_default()
}

/// The period column in the plural: "18 years".
fn periods(r: &SynthResult, n: usize) -> String {
    format!(
        "{} {}{}",
        count(n),
        r.words.period,
        if n == 1 { "" } else { "s" }
    )
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

fn signed(x: f64) -> String {
    let text = significant(x, DIGITS);
    if x > 0.0 { format!("+{text}") } else { text }
}

/// The section's blocks; nothing for other designs.
pub(super) fn blocks(model: &ReportModel, charts: &[Chart], blocks: &mut Vec<Block>) {
    let Some(r) = &model.synthetic_control else {
        return;
    };
    blocks.push(Block::Heading("Synthetic control".into()));
    let mut facts = vec![
        format!(
            "Treated unit: {}; donor pool: {} units",
            r.treated,
            count(r.donors.len())
        ),
        format!(
            "Outcome: {}{}",
            r.words.outcome_label,
            r.words
                .unit
                .as_ref()
                .map(|u| format!(" ({u})"))
                .unwrap_or_default()
        ),
        format!(
            "Before: {} ({} to {}); after: {} from {}",
            periods(r, r.n_pre),
            shortest(r.periods[0]),
            shortest(r.periods[r.n_pre - 1]),
            periods(r, r.periods.len() - r.n_pre),
            shortest(r.treatment_period),
        ),
        format!("Fit: {}", fit_words(r)),
        format!(
            "Estimated effect (mean gap after {}, treated minus synthetic): {}{}",
            shortest(r.treatment_period),
            signed(r.effect),
            unit_words(r)
        ),
        {
            let rmspe = aligned_all(&[r.pre_rmspe, r.post_rmspe], DIGITS);
            format!(
                "Root mean squared gap (RMSPE) before {}: {}; after: {}; ratio after/before {} (the placebo test ranks this ratio)",
                shortest(r.treatment_period),
                rmspe[0],
                rmspe[1],
                significant(r.placebo_space.treated_ratio, DIGITS)
            )
        },
    ];
    if !r.not_donors.is_empty() {
        facts.push(format!(
            "Units left out of the donor pool: {}",
            r.not_donors.join(", ")
        ));
    }
    blocks.push(Block::List(facts));
    if r.convex_hull.outside {
        blocks.push(Block::Paragraph(format!(
            "The treated unit lies outside the donors' convex hull: no weighted average of the donors reproduces its pre-period path closely (pre-period RMSPE {}, {} of its pre-period SD{}). The estimate leans on a comparison that did not track it before the intervention; read the gap against the pre-period fit in the chart below.",
            significant(r.pre_rmspe, DIGITS),
            percent(r.fit_ratio, 2),
            if r.convex_hull.periods_above_all + r.convex_hull.periods_below_all > 0 {
                format!(
                    "; above every donor in {} and below every donor in {} pre-periods",
                    count(r.convex_hull.periods_above_all),
                    count(r.convex_hull.periods_below_all)
                )
            } else {
                String::new()
            }
        )));
    }
    for name in ["synth-paths", "synth-gaps", "synth-weights"] {
        if let Some(index) = charts.iter().position(|c| c.name == name) {
            blocks.push(Block::Chart(index));
        }
    }
    blocks.push(Block::Table(Table {
        caption: "Predictor balance: the treated unit, its synthetic control and the average donor"
            .into(),
        header: ["Predictor", "Treated", "Synthetic", "Donor average"]
            .map(String::from)
            .to_vec(),
        rows: r
            .balance
            .iter()
            .map(|b| {
                let mut row = vec![b.predictor.clone()];
                row.extend(aligned_all(&[b.treated, b.synthetic, b.donor_mean], 4));
                row
            })
            .collect(),
    }));
    let mut weights: Vec<(usize, f64)> = r
        .fit
        .weights
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, w)| *w > POSITIVE_WEIGHT)
        .collect();
    weights.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut header: Vec<String> = ["Donor", "Weight"].map(String::from).to_vec();
    if r.fit.augmented_weights.is_some() {
        header.push("Augmented weight".into());
    }
    blocks.push(Block::Table(Table {
        caption: format!(
            "Donors with positive weight ({} of {}; weights sum to one)",
            count(weights.len()),
            count(r.donors.len())
        ),
        header,
        rows: weights
            .iter()
            .map(|(i, w)| {
                let mut row = vec![r.donors[*i].clone(), fixed(*w, 3)];
                if let Some(aug) = &r.fit.augmented_weights {
                    row.push(fixed(aug[*i], 3));
                }
                row
            })
            .collect(),
    }));

    let ps = &r.placebo_space;
    blocks.push(Block::Heading("Placebo tests".into()));
    let mut placebo = vec![format!(
        "In space: each of the {} donors refitted as if it had been treated. The treated unit's post/pre RMSPE ratio ranks {} of {}, p = {} (the smallest p these placebos allow is {}).",
        count(ps.placebos.len()),
        count(ps.rank),
        count(ps.kept + 1),
        p_value(ps.p_value),
        p_value(ps.min_p_value)
    )];
    if let Some(k) = ps.drop_over {
        placebo.push(format!(
            "Placebos whose pre-period RMSPE is more than {} times the treated unit's are left out of the p-value: {} of {} kept.",
            significant(k, DIGITS),
            count(ps.kept),
            count(ps.placebos.len())
        ));
    }
    if let Some(t) = &r.placebo_time {
        placebo.push(format!(
            "In time: refitted as if the intervention had started in {}, on the {}s before {} only. The mean gap from {} to {} is {}, against {} after the real start; the ratio of the RMSPE after the false start to that before it is {}, against {} at the real start. A gap near zero here means the estimate is not an artefact of a fit that drifts apart from the treated unit over time.",
            shortest(t.period),
            r.words.period,
            shortest(r.treatment_period),
            shortest(t.period),
            shortest(r.periods[r.n_pre - 1]),
            signed(t.mean_gap),
            signed(r.effect),
            significant(t.ratio, DIGITS),
            significant(r.placebo_space.treated_ratio, DIGITS)
        ));
    }
    blocks.push(Block::List(placebo));
    if !r.leave_one_out.is_empty() {
        let effects = aligned_all(
            &r.leave_one_out.iter().map(|l| l.effect).collect::<Vec<_>>(),
            DIGITS,
        );
        let rmspes = aligned_all(
            &r.leave_one_out
                .iter()
                .map(|l| l.pre_rmspe)
                .collect::<Vec<_>>(),
            DIGITS,
        );
        blocks.push(Block::Table(Table {
            caption: "Leave-one-out: the fit without each donor that has positive weight".into(),
            header: ["Donor left out", "Effect", "Pre-period RMSPE"]
                .map(String::from)
                .to_vec(),
            rows: r
                .leave_one_out
                .iter()
                .zip(effects.into_iter().zip(rmspes))
                .map(|(l, (effect, rmspe))| {
                    let effect = if l.effect > 0.0 {
                        format!("+{effect}")
                    } else {
                        effect
                    };
                    vec![l.dropped.clone(), effect, rmspe]
                })
                .collect(),
        }));
    }
    blocks.push(Block::Paragraph(format!(
        "What this design can detect: with {} donors the placebo rank p-value cannot go below {}; an effect is called significant only when the treated unit's post/pre RMSPE ratio is the largest, or among the largest, of all units.",
        count(r.donors.len()),
        p_value(1.0 / (r.donors.len() as f64 + 1.0))
    )));
}

fn fit_words(r: &SynthResult) -> String {
    match r.method {
        "nested" => format!(
            "nested (predictor weights V chosen to minimise the pre-period outcome MSPE, {} starts; loss {}, best of {})",
            count(r.fit.start_losses.len()),
            significant(r.fit.pre_mspe, 6),
            r.fit
                .start_losses
                .iter()
                .map(|l| significant(*l, 6))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        "augmented" => format!(
            "augmented (ridge ASCM), lambda {}{}",
            significant(r.fit.lambda.unwrap_or(f64::NAN), DIGITS),
            if r.fit.lambda_cross_validated {
                " chosen by cross-validation (one-SE rule)"
            } else {
                " as declared"
            }
        ),
        _ => "outcome-only: the donor weights that best reproduce every pre-period outcome (identity V; a unique answer)".into(),
    }
}

/// The three charts: paths, gaps with placebo gaps, donor weights.
pub(super) fn charts(r: &SynthResult) -> Vec<Chart> {
    super::charts::register_font();
    vec![paths_chart(r), gaps_chart(r), weights_chart(r)]
}

fn line_chart(
    caption: &str,
    y_desc: &str,
    x: &[f64],
    treatment: f64,
    background: &[Vec<f64>],
    series: &[(&str, &[f64], RGBColor, bool)],
) -> String {
    let (y_lo, y_hi) = padded_range(
        series
            .iter()
            .flat_map(|s| s.1.iter().copied())
            .chain(background.iter().flatten().copied()),
        0.05,
    );
    time_chart(
        caption,
        ("period", y_desc),
        XAxis::Periods,
        (x[0], x[x.len() - 1]),
        (y_lo, y_hi),
        Some(quietest_corner(
            series
                .iter()
                .flat_map(|s| x.iter().copied().zip(s.1.iter().copied()))
                .chain(
                    background
                        .iter()
                        .flat_map(|line| x.iter().copied().zip(line.iter().copied())),
                ),
            (x[0], x[x.len() - 1]),
            (y_lo, y_hi),
        )),
        |chart| {
            for line in background {
                chart
                    .draw_series(LineSeries::new(
                        x.iter().copied().zip(line.iter().copied()),
                        RGBColor(0xBB, 0xBB, 0xBB).stroke_width(1),
                    ))
                    .ok();
            }
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(treatment, y_lo), (treatment, y_hi)],
                    3,
                    4,
                    GREY.stroke_width(1),
                ))
                .ok();
            for (label, values, colour, dashed) in series {
                let points: Vec<(f64, f64)> =
                    x.iter().copied().zip(values.iter().copied()).collect();
                let colour = *colour;
                if *dashed {
                    chart
                        .draw_series(DashedLineSeries::new(points, 8, 5, colour.stroke_width(2)))
                        .ok()
                        .map(|s| {
                            s.label(*label).legend(move |(x, y)| {
                                plotters::element::DashedPathElement::new(
                                    vec![(x, y), (x + 22, y)],
                                    8,
                                    5,
                                    colour.stroke_width(2),
                                )
                            })
                        });
                } else {
                    chart
                        .draw_series(LineSeries::new(points, colour.stroke_width(2)))
                        .ok()
                        .map(|s| {
                            s.label(*label).legend(move |(x, y)| {
                                PathElement::new(vec![(x, y), (x + 22, y)], colour.stroke_width(2))
                            })
                        });
                }
            }
        },
    )
}

fn paths_chart(r: &SynthResult) -> Chart {
    let title = format!(
        "{}: the treated unit and its synthetic control",
        r.words.outcome_label
    );
    let svg = line_chart(
        "Treated and synthetic paths",
        r.words.unit.as_deref().unwrap_or(&r.words.outcome_label),
        &r.periods,
        r.treatment_period,
        &[],
        &[
            (r.treated.as_str(), &r.treated_series, BLUE, false),
            ("synthetic control", &r.fit.synthetic, VERMILLION, true),
        ],
    );
    let description = format!(
        "The solid line is {}'s observed {}, the dashed line its synthetic control; the dotted vertical line marks the treatment period {}. Before it the lines differ by an RMSPE of {}; after it by a mean gap of {}.",
        r.treated,
        r.words.outcome_label.to_lowercase(),
        shortest(r.treatment_period),
        significant(r.pre_rmspe, DIGITS),
        signed(r.effect)
    );
    titled("synth-paths", &svg, title, description)
}

fn gaps_chart(r: &SynthResult) -> Chart {
    let background: Vec<Vec<f64>> = r
        .placebo_space
        .placebos
        .iter()
        .filter(|p| p.kept)
        .map(|p| p.gaps.clone())
        .collect();
    let zero = vec![0.0; r.periods.len()];
    let svg = line_chart(
        "Gaps: treated unit and placebos",
        "treated minus synthetic",
        &r.periods,
        r.treatment_period,
        &background,
        &[
            (r.treated.as_str(), &r.gaps, BLUE, false),
            ("zero", &zero, GREY, true),
        ],
    );
    let title = "Gap between each unit and its synthetic control".to_string();
    let description = format!(
        "The blue line is the treated unit's gap; the grey lines are the {} placebo units' gaps, each donor fitted as if treated. The treated unit's post/pre RMSPE ratio ranks {} of {} (p = {}).",
        count(background.len()),
        count(r.placebo_space.rank),
        count(r.placebo_space.kept + 1),
        p_value(r.placebo_space.p_value)
    );
    titled("synth-gaps", &svg, title, description)
}

fn weights_chart(r: &SynthResult) -> Chart {
    let mut shown: Vec<(String, f64)> = r
        .donors
        .iter()
        .cloned()
        .zip(r.fit.weights.iter().copied())
        .filter(|(_, w)| *w > POSITIVE_WEIGHT)
        .collect();
    shown.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    shown.truncate(15);
    let n = shown.len().max(1);
    let height = (80 + 28 * n as u32).max(160);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (CHART_WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).ok();
        if let Ok(mut chart) = ChartBuilder::on(&root)
            .caption(
                "Donor weights",
                ("sans-serif", CAPTION_SIZE).into_font().color(&BLACK),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(90)
            .build_cartesian_2d(0f64..1f64, 0f64..n as f64)
        {
            let labels: Vec<String> = shown.iter().map(|(d, _)| d.clone()).collect();
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(n)
                .x_desc("weight")
                .x_label_formatter(&|v| tick(*v, 1.0, 2))
                .y_label_formatter(&|v| {
                    let i = v.floor() as usize;
                    if (v - v.floor() - 0.5).abs() < 0.26 || v.fract() == 0.0 {
                        labels
                            .get(n - 1 - i.min(n - 1))
                            .cloned()
                            .unwrap_or_default()
                    } else {
                        String::new()
                    }
                })
                .axis_desc_style(("sans-serif", AXIS_SIZE).into_font().color(&BLACK))
                .label_style(("sans-serif", TICK_SIZE).into_font().color(&GREY))
                .draw()
                .ok();
            chart
                .draw_series(shown.iter().enumerate().map(|(i, (_, w))| {
                    let y = (n - 1 - i) as f64;
                    Rectangle::new([(0.0, y + 0.15), (*w, y + 0.85)], BLUE.filled())
                }))
                .ok();
        }
        root.present().ok();
    }
    let title = "Weight of each donor in the synthetic control".to_string();
    let description = format!(
        "Bars show the donors with positive weight, largest first: {}.",
        shown
            .iter()
            .map(|(d, w)| format!("{d} {}", fixed(*w, 3)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    titled("synth-weights", &svg, title, description)
}
