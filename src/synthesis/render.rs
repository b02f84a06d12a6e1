//! The synthesis report: synthesis.json (the [`SynthesisOutput`]), synthesis.md,
//! synthesis.html and forest.svg, laid out with the report's blocks and drawn with its
//! chart frame and number formatter. Formats only; nothing is computed here.

use plotters::prelude::*;

use super::{Method, SynthesisOutput};
use crate::report::RenderedFile;
use crate::report::charts::{
    BLUE, Chart, GREY, RowFrame, VERMILLION, padded_range, row_chart, row_y, titled,
};
use crate::report::document::{Block, Table};
use crate::report::format::{EffectText, Scale, count, p_phrase, percent, significant};

/// The files of the synthesis report, in a fixed order (same output, same bytes).
pub fn render(output: &SynthesisOutput) -> Vec<RenderedFile> {
    let chart = forest(output);
    let charts = [chart];
    let title = format!("Evidence synthesis: {}", output.outcome.label);
    let json = serde_json::to_string_pretty(output).expect("plain JSON values") + "\n";
    vec![
        RenderedFile {
            name: "synthesis.json".into(),
            bytes: json.into_bytes(),
        },
        RenderedFile {
            name: "synthesis.md".into(),
            bytes: crate::report::markdown::blocks_markdown(blocks(output, &title), &charts)
                .into_bytes(),
        },
        RenderedFile {
            name: "synthesis.html".into(),
            bytes: crate::report::html::blocks_page(&title, blocks(output, &title), &charts)
                .into_bytes(),
        },
        RenderedFile {
            name: format!("{}.svg", charts[0].name),
            bytes: charts[0].svg.clone().into_bytes(),
        },
    ]
}

fn scale(output: &SynthesisOutput) -> Scale<'_> {
    Scale::of_outcome(output.outcome.outcome_type, output.outcome.unit.as_deref())
}

fn pooled_label(method: Method) -> &'static str {
    match method {
        Method::Reml => "Pooled (random effects, REML)",
        Method::Dl => "Pooled (random effects, DL)",
        Method::Fe => "Pooled (fixed effect)",
    }
}

fn blocks(output: &SynthesisOutput, title: &str) -> Vec<Block> {
    let scale = scale(output);
    let m = &output.meta;
    let mut blocks = vec![
        Block::Title(title.to_string()),
        Block::Headline(output.in_words.clone()),
        Block::Paragraph(format!(
            "{} studies of {} ({}), pooled by {}. {} is better.",
            count(output.studies.len()),
            output.outcome.label,
            output.outcome.measure,
            output.method_label,
            if output.outcome.better == "lower" {
                "Lower"
            } else {
                "Higher"
            }
        )),
        Block::Heading("Studies and pooled estimate".into()),
    ];
    let unit = scale.difference_unit();
    let mut rows: Vec<Vec<String>> = output
        .studies
        .iter()
        .map(|s| {
            let shown = EffectText::new(scale, s.estimate, s.conf_low, s.conf_high);
            vec![
                s.study.clone(),
                s.design.clone(),
                count(s.n as usize),
                format!("{}{unit}", shown.estimate),
                format!("{} CI {}", percent(s.conf_level, 3), shown.range()),
                shown.alongside(scale, s.std_error),
                percent(s.weight, 3),
                format!("level {}", s.nesta_level),
            ]
        })
        .collect();
    let pooled = EffectText::new(scale, m.estimate, m.conf_low, m.conf_high);
    rows.push(vec![
        pooled_label(m.method).into(),
        String::new(),
        count(output.studies.iter().map(|s| s.n as usize).sum()),
        format!("{}{unit}", pooled.estimate),
        format!("{} CI {}", percent(m.conf_level, 3), pooled.range()),
        pooled.alongside(scale, m.std_error),
        "100%".into(),
        String::new(),
    ]);
    blocks.push(Block::Table(Table {
        caption: format!(
            "Each study's estimate with its own interval, and the pooled estimate ({})",
            output.outcome.measure
        ),
        header: [
            "Study", "Design", "Units", "Estimate", "Interval", "SE", "Weight", "Nesta",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }));
    blocks.push(Block::Chart(0));
    blocks.push(Block::Heading("Heterogeneity".into()));
    let pi = EffectText::new(scale, m.estimate, m.pi_low, m.pi_high);
    blocks.push(Block::List(vec![
        format!(
            "τ² = {} (τ = {}{}){}",
            significant(m.tau2, 4),
            significant(m.tau * scale.factor(), 3),
            scale.short_unit(),
            m.se_tau2
                .map(|se| format!(", SE {}", significant(se, 3)))
                .unwrap_or_default()
        ),
        format!("I² = {}, H² = {}", percent(m.i2, 3), significant(m.h2, 3)),
        format!(
            "Cochran's Q = {} on {} degrees of freedom, p {}",
            significant(m.q, 4),
            m.q_df,
            p_phrase(m.q_p_value)
        ),
        format!(
            "Pooled estimate: z = {}, p {}",
            significant(m.statistic, 3),
            p_phrase(m.p_value)
        ),
        format!(
            "{} prediction interval (the effect in a new study; normal, as metafor's default): {} to {}{unit}",
            percent(m.conf_level, 3),
            pi.low,
            pi.high
        ),
    ]));
    blocks.push(Block::Heading(
        "Standards of Evidence across the studies".into(),
    ));
    blocks.push(Block::Paragraph(output.nesta.summary.clone()));
    blocks.push(Block::Table(Table {
        caption: output.nesta.framework.clone(),
        header: [
            "Level",
            "Criterion",
            "Status",
            "What the studies show",
            "Rule",
        ]
        .map(String::from)
        .to_vec(),
        rows: output
            .nesta
            .criteria
            .iter()
            .map(|c| {
                vec![
                    c.level.to_string(),
                    c.title.clone(),
                    if c.status == "met" { "met" } else { "not met" }.into(),
                    c.observed.clone(),
                    c.rule.clone(),
                ]
            })
            .collect(),
    }));
    blocks.push(Block::Heading("Reports pooled".into()));
    blocks.push(Block::List(
        output
            .studies
            .iter()
            .map(|s| format!("{}: {} ({}, {})", s.study, s.path, s.estimator, s.contrast))
            .collect(),
    ));
    blocks
}

/// A forest plot: one row per study (square sized by weight, line for its interval),
/// the pooled estimate as a diamond over its CI, and the prediction interval dashed
/// on its own row; the no-effect line solid.
pub fn forest(output: &SynthesisOutput) -> Chart {
    let scale = scale(output);
    let f = scale.factor();
    let m = &output.meta;
    let mut names: Vec<String> = output.studies.iter().map(|s| s.study.clone()).collect();
    names.push(pooled_label(m.method).into());
    names.push("Prediction interval".into());
    let n = names.len();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let values = output
        .studies
        .iter()
        .flat_map(|s| [s.conf_low, s.conf_high])
        .chain([m.pi_low, m.pi_high, 0.0])
        .map(|v| v * f);
    let (lo, hi) = padded_range(values, 0.08);
    let x_desc = format!(
        "{}{}",
        output.outcome.measure.trim_start_matches("a "),
        match scale.difference_unit().trim() {
            "" => String::new(),
            unit => format!(", {unit}"),
        }
    );
    let caption = format!("{}: studies and pooled estimate", output.outcome.label);
    let max_weight = output
        .studies
        .iter()
        .map(|s| s.weight)
        .fold(0.0f64, f64::max);
    let svg = row_chart(
        &RowFrame {
            caption: &caption,
            rows: &refs,
            x_range: lo..hi,
            x_desc: &x_desc,
            x_labels: 7,
            tick_digits: 4,
            row_height: 30,
            chrome_height: 110,
            solid_at: &[0.0],
            dashed_at: &[],
        },
        |chart| {
            for (i, s) in output.studies.iter().enumerate() {
                let y = row_y(n, i);
                let colour = if s.positive { BLUE } else { GREY };
                if s.conf_low.is_finite() && s.conf_high.is_finite() {
                    chart
                        .draw_series(LineSeries::new(
                            vec![(f * s.conf_low, y), (f * s.conf_high, y)],
                            colour.stroke_width(2),
                        ))
                        .ok();
                }
                // Area proportional to weight: side ∝ √weight, 4 to 10 px half-width.
                let half = (4.0 + 6.0 * (s.weight / max_weight).sqrt()).round() as i32;
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at((f * s.estimate, y))
                            + Rectangle::new([(-half, -half), (half, half)], colour.filled()),
                    ))
                    .ok();
            }
            let y = row_y(n, n - 2);
            chart
                .draw_series(std::iter::once(Polygon::new(
                    vec![
                        (f * m.conf_low, y),
                        (f * m.estimate, y + 0.3),
                        (f * m.conf_high, y),
                        (f * m.estimate, y - 0.3),
                    ],
                    VERMILLION.filled(),
                )))
                .ok();
            let y = row_y(n, n - 1);
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(f * m.pi_low, y), (f * m.pi_high, y)],
                    5,
                    3,
                    VERMILLION.stroke_width(2),
                ))
                .ok();
        },
    );
    let pooled = EffectText::new(scale, m.estimate, m.conf_low, m.conf_high);
    let description = output
        .studies
        .iter()
        .map(|s| {
            let e = EffectText::new(scale, s.estimate, s.conf_low, s.conf_high);
            format!(
                "{}: {} (weight {})",
                s.study,
                e.compact(),
                percent(s.weight, 2)
            )
        })
        .chain([
            format!("{}: {}", pooled_label(m.method), pooled.compact()),
            format!(
                "prediction interval {} to {}",
                EffectText::new(scale, m.estimate, m.pi_low, m.pi_high).low,
                EffectText::new(scale, m.estimate, m.pi_low, m.pi_high).high
            ),
        ])
        .collect::<Vec<_>>()
        .join("; ");
    titled(
        "forest",
        &svg,
        format!(
            "Forest plot: {} across {} studies",
            output.outcome.label,
            output.studies.len()
        ),
        description,
    )
}
