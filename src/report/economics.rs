//! Economic evaluation (`analysis.economics`) in the report: the "Value for money"
//! section (a table of costs, effect, ICER with Fieller's set, net monetary benefit
//! and the bootstrap; the cost sensitivity table; the acceptability curve; plain
//! words), the terminal line, and the words of Nesta level 4's cost criterion.
//! Formats only; the numbers come from `analysis::economics`.

use plotters::prelude::*;

use super::charts::{Chart, XAxis, time_chart, titled};
use super::document::{Block, Table};
use super::format::{fixed, percent, significant};
use crate::analysis::Analysis;
use crate::analysis::economics::{Economics, FiellerSet, Quadrant};
use crate::evidence::Status;

/// "£85", "−£55", "£47.54": whole pounds from 100 up, pence below.
pub fn money(currency: &str, x: f64) -> String {
    let decimals = if x.abs() >= 100.0 || x == x.round() {
        0
    } else {
        2
    };
    let text = fixed(x.abs(), decimals);
    if x < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("−{currency}{text}")
    } else {
        format!("{currency}{text}")
    }
}

/// One unit of the outcome in words: declared, else from the outcome's label.
fn outcome_unit(e: &Economics, analysis: Option<&Analysis>) -> String {
    if let Some(words) = &e.outcome_unit {
        return words.clone();
    }
    let label = analysis
        .and_then(|a| a.outcomes.iter().find(|o| o.outcome == e.outcome))
        .map_or(e.outcome.clone(), |o| o.label.clone());
    format!("{} with “{label}”", e.unit)
}

/// Fieller's set in words: "£1,107 to £2,773", or the unbounded forms.
fn fieller_text(e: &Economics) -> String {
    let m = |x| money(&e.currency, x);
    match e.fieller {
        FiellerSet::Interval { low, high } => format!("{} to {}", m(low), m(high)),
        FiellerSet::Exclusive { low, high } => {
            format!("unbounded: at most {} or at least {}", m(low), m(high))
        }
        FiellerSet::Unbounded => "unbounded: any value".into(),
    }
}

/// The ICER in words, by quadrant of the cost-effectiveness plane.
fn icer_sentence(e: &Economics, analysis: Option<&Analysis>) -> String {
    let m = |x| money(&e.currency, x);
    let unit = outcome_unit(e, analysis);
    let level = percent(e.conf_level, 3);
    let per_unit = e.delta_cost / e.cost_factor;
    let fieller = match e.fieller {
        FiellerSet::Interval { .. } => {
            format!("{level} Fieller interval {}", fieller_text(e))
        }
        FiellerSet::Exclusive { low, high } => format!(
            "the effect's {level} confidence interval includes no difference, so Fieller's {level} set for the ratio is unbounded: every value at most {} or at least {}, of either sign",
            m(low),
            m(high)
        ),
        FiellerSet::Unbounded => format!(
            "Fieller's {level} set for the ratio is unbounded: the data are consistent with any value"
        ),
    };
    let (treated, control) = (&e.treated, &e.control);
    match (e.quadrant, e.icer) {
        (Quadrant::MoreEffectiveMoreCostly, Some(r)) => format!(
            "{treated} costs {} more per {} than {control}; each additional {unit} costs {} ({fieller}).",
            m(per_unit),
            e.unit,
            m(r)
        ),
        (Quadrant::LessEffectiveLessCostly, Some(r)) => format!(
            "{treated} saves {} per {} against {control} and its estimated effect is lower: {} saved for each {unit} fewer ({fieller}).",
            m(-per_unit),
            e.unit,
            m(r)
        ),
        (Quadrant::Dominant, _) => format!(
            "{treated} is estimated both better and no dearer than {control}: it saves {} per {} (the ratio is negative and reads as no trade-off; {fieller}).",
            m(-per_unit),
            e.unit
        ),
        (Quadrant::Dominated, _) => format!(
            "{treated} is estimated both worse and no cheaper than {control}, costing {} more per {} ({fieller}).",
            m(per_unit),
            e.unit
        ),
        _ => format!(
            "The estimated effect is exactly zero, so the cost per {unit} is undefined; {treated} costs {} more per {} than {control}.",
            m(per_unit),
            e.unit
        ),
    }
}

/// The net monetary benefit in words, when a value is declared.
fn net_benefit_sentence(e: &Economics, analysis: Option<&Analysis>) -> Option<String> {
    let n = e.net_benefit.as_ref()?;
    let m = |x| money(&e.currency, x);
    let level = percent(e.conf_level, 3);
    Some(format!(
        "Valuing each {} at {}, the net monetary benefit of {} over {} is {} per {} ({level} CI {} to {}); the chance that it is positive is {} (normal approximation).",
        outcome_unit(e, analysis),
        m(n.value),
        e.treated,
        e.control,
        m(n.estimate),
        e.unit,
        m(n.conf_low),
        m(n.conf_high),
        chance(n.probability_positive),
    ))
}

/// A probability as a percent, "above 99.9%" / "below 0.1%" at the ends.
fn chance(p: f64) -> String {
    if p > 0.999 {
        "above 99.9%".into()
    } else if p < 0.001 {
        "below 0.1%".into()
    } else {
        percent(p, 3)
    }
}

/// Nesta level 4's cost criterion judged from `e` (docs/evidence.md): the status and
/// the observed words, naming the branch.
pub fn cost_judgement(e: &Economics) -> (Status, String) {
    let m = |x| money(&e.currency, x);
    let level = percent(e.conf_level, 3);
    let costs = format!(
        "costs per {} declared ({} {}, {} {})",
        e.unit,
        e.treated,
        m(e.cost_treated),
        e.control,
        m(e.cost_control)
    );
    match &e.net_benefit {
        Some(n) if n.conf_low > 0.0 => (
            Status::Met,
            format!(
                "branch (a): {costs}; net monetary benefit at {} per unit of outcome {} ({level} CI {} to {}): met, the lower bound is above zero",
                m(n.value),
                m(n.estimate),
                m(n.conf_low),
                m(n.conf_high)
            ),
        ),
        Some(n) if n.estimate > 0.0 => (
            Status::Met,
            format!(
                "branch (a): {costs}; net monetary benefit at {} per unit of outcome {} ({level} CI {} to {}): met, uncertain (the estimate is positive, the lower bound is not)",
                m(n.value),
                m(n.estimate),
                m(n.conf_low),
                m(n.conf_high)
            ),
        ),
        Some(n) => (
            Status::NotMet,
            format!(
                "branch (a): {costs}; net monetary benefit at {} per unit of outcome {} ({level} CI {} to {}): not met, the estimate is not positive",
                m(n.value),
                m(n.estimate),
                m(n.conf_low),
                m(n.conf_high)
            ),
        ),
        None => (
            Status::Met,
            format!(
                "branch (b): {costs}; incremental cost {} per {}, cost per unit of outcome {} (Fieller {level}: {}): met as costed; no value per unit of outcome is declared, so no judgement of whether the cost is worth it was made",
                m(e.delta_cost),
                e.unit,
                e.icer.map_or("undefined".into(), m),
                fieller_text(e)
            ),
        ),
    }
}

/// The "Value for money" section.
pub(super) fn economics_blocks(analysis: &Analysis, charts: &[Chart], blocks: &mut Vec<Block>) {
    let Some(first) = analysis.economics.first() else {
        return;
    };
    blocks.push(Block::Heading("Value for money".into()));
    let level = percent(first.conf_level, 3);
    let discounted = first.cost_factor != 1.0 || first.benefit_factor != 1.0;
    let m = |e: &Economics, x: f64| money(&e.currency, x);
    let rows = analysis
        .economics
        .iter()
        .map(|e| {
            let nb = e.net_benefit.as_ref();
            vec![
                format!("{} vs {}", e.treated, e.control),
                format!("{} / {}", m(e, e.cost_treated), m(e, e.cost_control)),
                m(e, e.delta_cost),
                format!(
                    "{} ({} to {})",
                    significant(e.delta_effect, 3),
                    significant(e.effect_conf_low, 3),
                    significant(e.effect_conf_high, 3)
                ),
                e.icer.map_or("undefined".into(), |r| m(e, r)),
                fieller_text(e),
                nb.map_or("—".into(), |n| {
                    format!(
                        "{} ({} to {})",
                        m(e, n.estimate),
                        m(e, n.conf_low),
                        m(e, n.conf_high)
                    )
                }),
                e.bootstrap.as_ref().map_or("—".into(), |b| {
                    match (b.net_benefit_conf_low, b.net_benefit_conf_high) {
                        (Some(l), Some(h)) => format!("NMB {} to {}", m(e, l), m(e, h)),
                        _ => match (b.icer_conf_low, b.icer_conf_high) {
                            (Some(l), Some(h)) => format!("ICER {} to {}", m(e, l), m(e, h)),
                            _ => "ICER unbounded".into(),
                        },
                    }
                }),
            ]
        })
        .collect();
    blocks.push(Block::Table(Table {
        caption: format!(
            "Costs per {} and what they buy{}",
            first.unit,
            if discounted {
                " (discounted at the Green Book rates)"
            } else {
                ""
            }
        ),
        header: vec![
            "Contrast".into(),
            "Cost per unit (treated / control)".into(),
            "Incremental cost".into(),
            format!("Incremental effect ({level} CI)"),
            "ICER".into(),
            format!("Fieller {level} set"),
            format!(
                "Net monetary benefit at {} ({level} CI)",
                first
                    .net_benefit
                    .as_ref()
                    .map_or("—".into(), |n| m(first, n.value))
            ),
            format!("Bootstrap {level} (percentile)"),
        ],
        rows,
    }));
    for e in &analysis.economics {
        let mut words = icer_sentence(e, Some(analysis));
        if let Some(nb) = net_benefit_sentence(e, Some(analysis)) {
            words.push(' ');
            words.push_str(&nb);
        }
        if let Some(t) = analysis
            .outcomes
            .iter()
            .find(|o| o.outcome == e.outcome)
            .and_then(|o| o.equivalence.iter().find(|t| t.treated == e.treated))
        {
            words.push_str(&format!(
                " On the declared margin, {}.",
                t.sentence.trim_end_matches('.')
            ));
        }
        if discounted {
            words.push_str(&format!(
                " Costs recur for {} and the effect lasts {}, discounted at the HM Treasury Green Book's 3.5% a year (3.0% from year 31): the totals are {} and {} times a single year's.",
                years(e.cost_years),
                years(e.benefit_years),
                fixed(e.cost_factor, 4),
                fixed(e.benefit_factor, 4)
            ));
        }
        if let Some(b) = &e.bootstrap {
            words.push_str(&format!(
                " The bootstrap ({} resamples of the {}s within each arm, seed {}) recomputes the unadjusted difference in means, so its spread (standard error {}) is a check on the normal approximation rather than the headline estimator's own{}.",
                b.draws,
                e.unit,
                b.seed,
                significant(b.effect_se, 3),
                if b.sign_changes > 0 {
                    format!(
                        "; in {} of them the effect changes sign, so it gives no bounded interval for the ratio",
                        b.sign_changes
                    )
                } else {
                    String::new()
                }
            ));
        }
        blocks.push(Block::Paragraph(words));
    }
    for (index, chart) in charts.iter().enumerate() {
        if chart.name == "ceac" {
            blocks.push(Block::Chart(index));
        }
    }
    let sensitivity: Vec<Vec<String>> = analysis
        .economics
        .iter()
        .flat_map(|e| {
            e.sensitivity.iter().map(move |s| {
                vec![
                    format!("{} vs {}", e.treated, e.control),
                    s.label.clone(),
                    format!("{} / {}", m(e, s.cost_treated), m(e, s.cost_control)),
                    m(e, s.delta_cost),
                    s.icer.map_or("undefined".into(), |r| m(e, r)),
                    s.net_benefit.map_or("—".into(), |n| m(e, n)),
                ]
            })
        })
        .collect();
    if !sensitivity.is_empty() {
        blocks.push(Block::Table(Table {
            caption: "Sensitivity to the costs (the effect held at its estimate)".into(),
            header: vec![
                "Contrast".into(),
                "Costs".into(),
                "Cost per unit (treated / control)".into(),
                "Incremental cost".into(),
                "ICER".into(),
                "Net monetary benefit".into(),
            ],
            rows: sensitivity,
        }));
    }
}

fn years(n: u32) -> String {
    if n == 1 {
        "one year".into()
    } else {
        format!("{n} years")
    }
}

/// The acceptability curve of every treated arm: P(NMB > 0) over the values.
pub(super) fn ceac_chart(analysis: &Analysis) -> Option<Chart> {
    let first = analysis.economics.first()?;
    let x_lo = first.ceac.first()?.value;
    let x_hi = first.ceac.last()?.value;
    if x_hi <= x_lo {
        return None;
    }
    let colours = [RGBColor(0x1F, 0x5F, 0xAF), RGBColor(0xC0, 0x50, 0x20)];
    let svg = time_chart(
        "Cost-effectiveness acceptability curve",
        (
            &format!("Value per unit of outcome ({})", first.currency),
            "Probability the net benefit is positive",
        ),
        XAxis::Values,
        (x_lo, x_hi),
        (0.0, 1.0),
        Some(SeriesLabelPosition::UpperRight),
        |chart| {
            for (i, e) in analysis.economics.iter().enumerate() {
                let colour = colours[i % colours.len()];
                chart
                    .draw_series(LineSeries::new(
                        e.ceac.iter().map(|p| (p.value, p.normal)),
                        colour.stroke_width(2),
                    ))
                    .ok()
                    .map(|s| {
                        s.label(format!("{} (normal)", e.treated))
                            .legend(move |(x, y)| {
                                PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2))
                            })
                    });
                if e.ceac.iter().all(|p| p.bootstrap.is_some()) {
                    chart
                        .draw_series(DashedLineSeries::new(
                            e.ceac
                                .iter()
                                .map(|p| (p.value, p.bootstrap.unwrap_or(f64::NAN))),
                            5,
                            4,
                            colour.stroke_width(1),
                        ))
                        .ok()
                        .map(|s| {
                            s.label(format!("{} (bootstrap)", e.treated))
                                .legend(move |(x, y)| {
                                    PathElement::new(
                                        vec![(x, y), (x + 16, y)],
                                        colour.stroke_width(1),
                                    )
                                })
                        });
                }
            }
            if let Some(n) = &first.net_benefit
                && n.value > x_lo
                && n.value < x_hi
            {
                super::charts::dashed_vertical(chart, n.value, (0.0, 1.0));
            }
        },
    );
    let points: Vec<String> = first
        .ceac
        .iter()
        .step_by(10)
        .map(|p| {
            format!(
                "{} at {}",
                percent(p.normal, 2),
                money(&first.currency, p.value)
            )
        })
        .collect();
    Some(titled(
        "ceac",
        &svg,
        "Cost-effectiveness acceptability curve".into(),
        format!(
            "The probability that {} has a positive net monetary benefit over {}, as the value placed on one unit of outcome rises (normal approximation; dashed: bootstrap): {}.",
            first.treated,
            first.control,
            points.join(", ")
        ),
    ))
}

/// The terminal line (`evident analyse`).
pub fn terminal_line(e: &Economics) -> String {
    let m = |x| money(&e.currency, x);
    let nb = e
        .net_benefit
        .as_ref()
        .map(|n| {
            format!(
                "; NMB at {} {} ({} CI {} to {})",
                m(n.value),
                m(n.estimate),
                percent(e.conf_level, 3),
                m(n.conf_low),
                m(n.conf_high)
            )
        })
        .unwrap_or_default();
    format!(
        "[value for money] {} vs {}: incremental cost {} per {}, effect {}; ICER {} (Fieller {}){nb}",
        e.treated,
        e.control,
        m(e.delta_cost),
        e.unit,
        significant(e.delta_effect, 3),
        e.icer.map_or("undefined".into(), m),
        fieller_text(e),
    )
}
