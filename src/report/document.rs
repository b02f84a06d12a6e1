//! The report laid out as a sequence of blocks (headings, paragraphs, tables,
//! charts) in the order report.md describes. Markdown and HTML walk the same blocks,
//! so both carry the same facts in the same order; this is where numbers are
//! formatted for people.

use super::charts::Chart;
use super::disclosure::{Disclosure, key};
use super::format::{
    EffectText, Scale, aligned, count, fixed, interval, level, p_value, percent, significant,
};
use super::model::{FindingRow, ReportModel};
use super::words;
use crate::analysis::{RiMethod, RiResult, RiSummary};
use crate::assign::AssignmentReport;
use crate::spec::OutcomeType;

pub(crate) enum Block {
    Title(String),
    Headline(String),
    Heading(String),
    Paragraph(String),
    List(Vec<String>),
    Table(Table),
    /// Index into the chart list.
    Chart(usize),
}

pub(crate) struct Table {
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

pub(super) fn layout(model: &ReportModel, charts: &[Chart]) -> Vec<Block> {
    let mut blocks = vec![Block::Title(model.title.clone())];
    if let Some(description) = &model.description {
        blocks.push(Block::Paragraph(description.clone()));
    }
    blocks.push(Block::Headline(model.headline.clone()));

    findings_blocks(model, &mut blocks);
    if let Some(protocol) = &model.protocol {
        super::lifecycle::protocol_blocks(protocol, &mut blocks);
    }
    evidence_blocks(model, &mut blocks);
    blocks.extend(super::ratings::ratings_blocks(&model.grade));

    blocks.push(Block::Heading("The problem and the intervention".into()));
    let s = &model.statement;
    blocks.push(Block::List(vec![
        format!("Problem: {}", s.problem),
        format!("Action: {}", s.action),
        format!("Data product: {}", s.data_product),
        format!("Datasets: {}", s.datasets.join("; ")),
    ]));

    blocks.push(Block::Heading("Design".into()));
    let d = &model.design;
    let mut design = vec![format!("Design: {}", d.label)];
    if !d.arms.is_empty() {
        design.push(format!(
            "Arms: {}",
            d.arms
                .iter()
                .map(|a| format!("{} ({})", a.name, percent(a.share, 3)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(control) = &d.control {
        design.push(format!("Control / comparison arm: {control}"));
    }
    if let Some(cluster) = &d.cluster {
        design.push(format!("Clusters: {cluster}"));
    }
    if !d.estimators.is_empty() {
        design.push(format!("Estimators: {}", d.estimators.join(", ")));
    }
    if let Some(alpha) = d.alpha {
        design.push(format!(
            "Significance level: {}; confidence intervals at {}",
            significant(alpha, 4),
            percent(1.0 - alpha, 3)
        ));
    }
    if let Some(method) = &d.multiple_comparisons {
        design.push(format!(
            "Adjustment across outcomes: {}",
            words::adjustment_method(method)
        ));
    }
    blocks.push(Block::List(design));

    if let Some(assignment) = &model.assignment {
        assignment_blocks(assignment, charts, &model.disclosure, &mut blocks);
    }
    if let Some(plan) = &model.plan {
        plan_blocks(plan, charts, &mut blocks);
    }
    super::synth::blocks(model, charts, &mut blocks);

    super::its::its_blocks(model, charts, &mut blocks);
    super::did::did_blocks(model, charts, &mut blocks);
    super::stepped_wedge::blocks(model, &mut blocks);
    if let Some(staggered) = model
        .analysis
        .as_ref()
        .and_then(|a| a.staggered_rollout.as_ref())
    {
        super::staggered::blocks(
            &staggered.analysis,
            &staggered.outcome_label,
            charts,
            &mut blocks,
        );
    } else if let Some(analysis) = &model.analysis {
        blocks.push(Block::Heading("Flow of units".into()));
        blocks.extend(chart_blocks(charts, "flow"));
        let clustered = analysis
            .flow
            .arms
            .iter()
            .any(|a| a.clusters_allocated.is_some() || a.clusters_analysed.is_some());
        let mut header: Vec<String> = [
            "Arm",
            "Allocated",
            "Lost to follow-up (no outcome row)",
            "With outcome data",
            "Excluded (missing values)",
            "Analysed",
            "Attrition",
        ]
        .map(String::from)
        .to_vec();
        let matched = analysis.flow.arms.iter().any(|a| !a.not_matched.is_empty());
        if matched {
            header.insert(5, "Not in the matched sample".into());
        }
        if clustered {
            header.extend([
                "Clusters allocated".to_string(),
                "Clusters analysed".to_string(),
                "Clusters lost".to_string(),
            ]);
        }
        let labels = outcome_labels(model);
        let rows = analysis
            .flow
            .arms
            .iter()
            .map(|a| {
                let sdc = &model.disclosure;
                let arm = a.arm.as_str();
                let attrition = a
                    .attrition()
                    .map_or("not known".into(), |r| format!("{}%", fixed(100.0 * r, 1)));
                let mut row = vec![
                    a.arm.clone(),
                    a.allocated.map_or("not recorded".into(), |n| {
                        sdc.count(&key::flow(arm, "allocated"), n)
                    }),
                    a.lost_to_follow_up.map_or("not known".into(), |n| {
                        sdc.count(&key::flow(arm, "lost"), n)
                    }),
                    sdc.count(&key::flow(arm, "with_data"), a.with_data),
                    excluded_with_reasons(a, &labels, sdc),
                    sdc.count(&key::flow(arm, "analysed"), a.analysed),
                    // One decimal, the precision the grade judges attrition at; with
                    // the allocated count it gives the analysed one.
                    sdc.derived(
                        &key::flow(arm, "allocated"),
                        sdc.derived(&key::flow(arm, "analysed"), attrition),
                    ),
                ];
                if matched {
                    row.insert(5, super::matching::not_matched_cell(a, sdc));
                }
                if clustered {
                    row.push(a.clusters_allocated.map_or("not recorded".into(), count));
                    row.push(a.clusters_analysed.map_or("not recorded".into(), count));
                    row.push(a.clusters_lost.map_or("not known".into(), count));
                }
                row
            })
            .collect();
        blocks.push(Block::Table(Table {
            caption: format!(
                "Units per arm (analysed counts for the primary outcome, {}, in the {} sample)",
                analysis
                    .outcomes
                    .iter()
                    .find(|o| o.outcome == analysis.flow.outcome)
                    .map_or(analysis.flow.outcome.as_str(), |o| o.label.as_str()),
                analysis.flow.estimator.label()
            ),
            header,
            rows,
        }));

        // A matched comparison shows its balance before and after in its own section.
        if !analysis.baseline.is_empty() && analysis.matched.is_none() {
            blocks.push(Block::Heading("Baseline balance".into()));
            blocks.push(Block::Table(Table {
                caption: "Differences between arms at baseline on the analytic sample".into(),
                header: vec![
                    "Variable".into(),
                    "Contrast".into(),
                    "Control mean".into(),
                    "Treatment mean".into(),
                    "Effect size".into(),
                    "Measure".into(),
                ],
                rows: analysis
                    .baseline
                    .iter()
                    .map(|b| {
                        let [control_mean, treatment_mean] =
                            aligned(b.mean_control, b.mean_treatment, 3);
                        vec![
                            b.level
                                .as_ref()
                                .map_or(b.variable.clone(), |l| format!("{} = {l}", b.variable)),
                            b.contrast.clone(),
                            control_mean,
                            treatment_mean,
                            // The figures the grade's baseline criterion states.
                            significant(b.effect_size, 3),
                            b.measure.name().into(),
                        ]
                    })
                    .collect(),
            }));
        }

        if let Some(matched) = &analysis.matched {
            blocks.extend(super::matching::blocks(
                matched,
                &analysis.outcomes,
                charts,
                "the intervention",
                &model.disclosure,
            ));
        }
        if let Some(rd) = &analysis.regression_discontinuity {
            super::rdd::rd_blocks(
                rd,
                charts,
                &mut blocks,
                Scale::of_named(analysis, &rd.outcome),
            );
        }
        blocks.push(Block::Heading("Results".into()));
        for (index, chart) in charts.iter().enumerate() {
            if chart.name == "forest" {
                blocks.push(Block::Chart(index));
            }
        }
        for outcome in &analysis.outcomes {
            let scale = Scale::of_result(outcome);
            let caption = format!(
                "{} ({} outcome, {}{}; better is {}){}",
                outcome.label,
                serde_label(&outcome.role),
                serde_label(&outcome.outcome_type),
                match outcome.outcome_type {
                    OutcomeType::Binary => "; estimates in percentage points".to_string(),
                    OutcomeType::Continuous => outcome
                        .unit
                        .as_ref()
                        .map(|u| format!(", {u}"))
                        .unwrap_or_default(),
                },
                serde_label(&outcome.better),
                if outcome.excluded_missing > 0 {
                    format!(
                        "; {} rows excluded for missing values",
                        model.disclosure.count(
                            &key::outcome_excluded(&outcome.outcome),
                            outcome.excluded_missing
                        )
                    )
                } else {
                    String::new()
                }
            );
            // Each group once (every estimator of a contrast describes the same groups).
            // A binary outcome reads as events out of n and a percentage, as in the
            // summary of findings; a continuous one as mean and SD.
            let binary = outcome.outcome_type == OutcomeType::Binary;
            let mut group_rows: Vec<Vec<String>> = Vec::new();
            let sdc = &model.disclosure;
            for g in outcome.comparisons.iter().flat_map(|c| &c.groups) {
                if !group_rows.iter().any(|row| row[0] == g.name) {
                    let n = key::group(&outcome.outcome, &g.name, "n");
                    group_rows.push(if binary {
                        let with = key::group(&outcome.outcome, &g.name, "with");
                        vec![
                            g.name.clone(),
                            sdc.count(&n, g.n),
                            sdc.count(&with, (g.mean * g.n as f64).round() as usize),
                            sdc.derived(&n, sdc.derived(&with, level(scale, g.mean, 3))),
                        ]
                    } else {
                        // A mean and SD of fewer units than the threshold go with
                        // their count.
                        vec![
                            g.name.clone(),
                            sdc.count(&n, g.n),
                            sdc.derived(&n, significant(g.mean, 4)),
                            sdc.derived(&n, significant(g.sd, 3)),
                        ]
                    });
                }
            }
            let header = if binary {
                ["Group", "n", "With the outcome", "Share"]
            } else {
                ["Group", "n", "Mean", "SD"]
            };
            // A time series' segments are of the modelled series (for a comparative
            // series, treated minus control), which reads as the outcome's level when
            // it is not: its section gives the fit instead.
            if analysis.interrupted_time_series.is_none() {
                blocks.push(Block::Table(Table {
                    caption: format!("{}: the groups analysed", outcome.label),
                    header: header.map(String::from).to_vec(),
                    rows: group_rows,
                }));
            }
            // Columns that would be empty for every estimator are left out.
            let adjusted = outcome.comparisons.iter().any(|c| c.p_adjusted.is_some());
            let randomisation = outcome
                .comparisons
                .iter()
                .any(|c| c.randomisation.is_some());
            let standardised = outcome.comparisons.iter().any(|c| c.standardised.is_some());
            let risk_ratio = outcome.comparisons.iter().any(|c| c.risk_ratio.is_some());
            let odds_ratio = outcome.comparisons.iter().any(|c| c.odds_ratio.is_some());
            let mut rows = Vec::new();
            for c in &outcome.comparisons {
                let e = &c.estimate;
                // Estimate, SE and interval share decimals on the outcome's scale.
                let shown = EffectText::new(scale, e.estimate, e.conf_low, e.conf_high);
                let mut row = vec![
                    c.estimator.label().into(),
                    c.contrast.clone(),
                    shown.estimate.clone(),
                    shown.alongside(scale, e.std_error),
                    shown.range(),
                    if e.df.is_finite() {
                        significant(e.df, 4)
                    } else {
                        "normal".into()
                    },
                    p_value(e.p_value),
                ];
                if adjusted {
                    row.push(c.p_adjusted.map_or("—".into(), p_value));
                }
                if randomisation {
                    row.push(c.randomisation.as_ref().map_or("—".into(), randomisation_p));
                }
                if standardised {
                    row.push(c.standardised.map_or("—".into(), |s| significant(s, 2)));
                }
                for (shown, ratio) in [(risk_ratio, &c.risk_ratio), (odds_ratio, &c.odds_ratio)] {
                    if shown {
                        row.push(ratio.as_ref().map_or("—".into(), |r| {
                            super::format::ratio(r.estimate, r.conf_low, r.conf_high).compact()
                        }));
                    }
                }
                rows.push(row);
            }
            let mut header: Vec<String> = vec![
                "Estimator".into(),
                "Contrast".into(),
                "Estimate".into(),
                "SE".into(),
                format!("{} CI", percent(analysis.conf_level, 3)),
                "df".into(),
                "p".into(),
            ];
            for (shown, name) in [
                (adjusted, "p (adjusted)"),
                (randomisation, "p (randomisation)"),
                (standardised, "Standardised"),
                (risk_ratio, "Risk ratio (CI)"),
                (odds_ratio, "Odds ratio (CI)"),
            ] {
                if shown {
                    header.push(name.into());
                }
            }
            blocks.push(Block::Table(Table {
                caption,
                header,
                rows,
            }));
            estimator_design_blocks(outcome, &mut blocks);
            super::compliance::complier_blocks(outcome, analysis.conf_level, &mut blocks);
            super::equivalence::equivalence_blocks(outcome, &mut blocks);
            super::bounds::bounds_blocks(outcome, &mut blocks);
        }
        super::interim::interim_blocks(analysis, &mut blocks);
        super::subgroups::subgroup_blocks(analysis, charts, &model.disclosure, &mut blocks);
        super::economics::economics_blocks(analysis, charts, &mut blocks);
    }

    if let Some(analysis) = &model.analysis
        && let Some(ri) = &analysis.randomisation_inference
    {
        randomisation_blocks(ri, &mut blocks);
        // Sampled p-values: the interval for the p-value all allocations would give.
        let rows: Vec<Vec<String>> = analysis
            .outcomes
            .iter()
            .flat_map(|o| o.comparisons.iter().map(move |c| (o, c)))
            .filter_map(|(o, c)| {
                let r = c.randomisation.as_ref()?;
                Some(vec![
                    o.label.clone(),
                    c.estimator.label().into(),
                    c.contrast.clone(),
                    format!(
                        "{} of {}",
                        significant(r.extreme, 6),
                        count_u64(r.allocations)
                    ),
                    p_value(r.p_value),
                    interval(r.conf_low?, r.conf_high?, 2),
                ])
            })
            .collect();
        if !rows.is_empty() {
            blocks.push(Block::Table(Table {
                caption: "Sampled randomisation p-values with the 95% Clopper–Pearson interval for the p-value that every allocation would give".into(),
                header: vec![
                    "Outcome".into(),
                    "Estimator".into(),
                    "Contrast".into(),
                    "Re-draws as extreme".into(),
                    "p".into(),
                    "95% interval".into(),
                ],
                rows,
            }));
        }
    }

    if let Some(comparison) = &model.planned_vs_achieved {
        super::lifecycle::planned_blocks(comparison, &mut blocks);
    }
    if let Some(check) = &model.lock {
        lock_blocks(check, &mut blocks);
    }

    if !model.warnings.is_empty() {
        blocks.push(Block::Heading("Warnings".into()));
        blocks.push(Block::List(model.warnings.clone()));
    }
    if !model.limitations.is_empty() {
        blocks.push(Block::Heading("Limitations".into()));
        blocks.push(Block::List(model.limitations.clone()));
    }

    disclosure_blocks(&model.disclosure, &mut blocks);
    appendix_blocks(model, &mut blocks);
    blocks
}

/// What disclosure control withheld, and why; or that it was off.
fn disclosure_blocks(sdc: &Disclosure, blocks: &mut Vec<Block>) {
    blocks.push(Block::Heading("Disclosure control".into()));
    if !sdc.applied {
        blocks.push(Block::Paragraph(
            "Disclosure control is off: this report shows every count exactly, however small, and is for use within the data-sharing agreement only.".into(),
        ));
        return;
    }
    let threshold = count(sdc.threshold);
    if sdc.withheld.is_empty() {
        blocks.push(Block::Paragraph(format!(
            "No count of units in this report is between 1 and {}, so nothing is withheld to protect the people in it.",
            count(sdc.threshold - 1)
        )));
    } else {
        let secondary = sdc
            .withheld
            .iter()
            .filter(|w| w.reason == super::disclosure::Reason::WouldRevealAnother)
            .count();
        let mut text = format!(
            "So that no one can be identified from this report, counts of fewer than {threshold} units are withheld and shown as {}.",
            super::disclosure::WITHHELD
        );
        if secondary > 0 {
            text.push_str(&format!(
                " {} more {} withheld because, with the totals the report shows, {} would give a withheld count away.",
                count(secondary),
                if secondary == 1 { "count is" } else { "counts are" },
                if secondary == 1 { "it" } else { "they" }
            ));
        }
        text.push_str(" Shares, means and effects of a group smaller than the threshold are withheld with its count. Effect estimates and their intervals are shown in full: they are what the report is for, but with the group sizes they narrow down some counts, so check them before the report leaves the data-sharing agreement.");
        blocks.push(Block::Paragraph(text));
        blocks.push(Block::Table(Table {
            caption: "Counts withheld from this report".into(),
            header: vec!["Count".into(), "Why".into()],
            rows: sdc
                .withheld
                .iter()
                .map(|w| {
                    vec![
                        capitalise(&w.count),
                        match w.reason {
                            super::disclosure::Reason::BelowThreshold => {
                                format!("fewer than {threshold} units")
                            }
                            super::disclosure::Reason::WouldRevealAnother => {
                                "would reveal a withheld count".into()
                            }
                        },
                    ]
                })
                .collect(),
        }));
    }
    if !sdc.cautions.is_empty() {
        blocks.push(Block::List(sdc.cautions.clone()));
    }
}

/// The analysis set against its plan lock: what was locked, and each deviation.
fn lock_blocks(check: &crate::governance::lock::LockCheck, blocks: &mut Vec<Block>) {
    blocks.push(Block::Heading("Deviations from the locked plan".into()));
    let serious = check.deviations.iter().filter(|d| d.serious).count();
    let summary = match (check.deviations.len(), serious) {
        (0, _) => "The analysis follows it exactly: design, outcomes and analysis are as locked."
            .to_string(),
        (n, 0) => format!(
            "The primary outcome and the estimators are as locked; {} {} from the plan, below. They are reported, not hidden: read any analysis they add as exploratory.",
            count(n),
            if n == 1 {
                "thing differs"
            } else {
                "things differ"
            }
        ),
        (n, s) => format!(
            "{} of the {} differences below {} the primary outcome or the estimators, which the lock exists to fix: the finding could have been chosen after seeing the data, and the grade counts selective reporting as a high threat.",
            count(s),
            count(n),
            if s == 1 { "changes" } else { "change" }
        ),
    };
    blocks.push(Block::Paragraph(format!(
        "The analysis plan was locked at {} in {}, before the outcome data. {summary}",
        check.locked_at, check.lock
    )));
    if !check.deviations.is_empty() {
        blocks.push(Block::Table(Table {
            caption: "Deviations from the locked plan".into(),
            header: vec!["Where".into(), "What changed".into(), "Serious".into()],
            rows: check
                .deviations
                .iter()
                .map(|d| {
                    vec![
                        d.path.clone(),
                        d.words.clone(),
                        if d.serious { "yes" } else { "no" }.into(),
                    ]
                })
                .collect(),
        }));
    }
}

/// A randomisation-inference p-value with its precision: "(exact)" when every
/// allocation was enumerated, the Monte Carlo standard error when sampled.
fn randomisation_p(r: &RiResult) -> String {
    if let Some(bound) = r.below_resolution() {
        return format!(
            "< {} (none of {} re-draws as extreme)",
            significant(bound, 2),
            count_u64(r.allocations)
        );
    }
    match r.monte_carlo_se {
        Some(se) => format!("{} (MC SE {})", p_value(r.p_value), significant(se, 2)),
        None => format!("{} (exact)", p_value(r.p_value)),
    }
}

/// The randomisation-inference explanation without its ", as ri2's declare_ra(…)"
/// clause (an R function name belongs in the appendix), and that call.
fn ri2_call(explanation: &str) -> (String, Option<String>) {
    const MARK: &str = ", as ri2's ";
    let Some(start) = explanation.find(MARK) else {
        return (explanation.to_string(), None);
    };
    let rest = &explanation[start + MARK.len()..];
    let end = rest.find("). ").map_or(rest.len(), |i| i + 1);
    let call = rest[..end].trim_end_matches('.').to_string();
    let body = format!("{}{}", &explanation[..start], &rest[end..]);
    (body, Some(call))
}

fn randomisation_blocks(ri: &RiSummary, blocks: &mut Vec<Block>) {
    blocks.push(Block::Heading("Randomisation inference".into()));
    blocks.push(Block::Paragraph(ri2_call(&ri.explanation).0));
    let mut items = vec![match ri.method {
        RiMethod::Exact => format!(
            "Method: exact; all {} possible allocations enumerated{}",
            count_u64(ri.possible_allocations.unwrap_or(ri.reference_allocations)),
            if ri.acceptance_rule_applied {
                format!(
                    ", of which {} pass the acceptance rule",
                    count_u64(ri.reference_allocations)
                )
            } else {
                String::new()
            }
        ),
        RiMethod::Sampled => format!(
            "Method: sampled; {} re-draws{}",
            count_u64(ri.reference_allocations),
            match ri.allocations_drawn {
                Some(d) if ri.acceptance_rule_applied => format!(
                    " kept, from {} allocations drawn (the rest failed the acceptance rule)",
                    count_u64(d)
                ),
                _ => String::new(),
            }
        ),
    }];
    items.push(match (ri.acceptance_rule_applied, ri.max_mahalanobis) {
        (true, Some(threshold)) => format!(
            "Rerandomisation rule applied: only allocations with Mahalanobis M ≤ {} were used (largest M used: {})",
            significant(threshold, 4),
            ri.largest_statistic
                .map_or("—".into(), |m| significant(m, 4))
        ),
        _ => "Rerandomisation rule: none (the allocation was not rerandomised)".into(),
    });
    items.push(format!(
        "Test: sharp null of no effect for any unit; {} p-value; at least as extreme means |T| ≥ |T observed| for two-sided tests, ties included",
        match ri.alternative {
            crate::stats::estimate::Alternative::TwoSided => "two-sided",
            crate::stats::estimate::Alternative::Greater => "one-sided (greater)",
            crate::stats::estimate::Alternative::Less => "one-sided (less)",
        }
    ));
    blocks.push(Block::List(items));
}

fn count_u64(n: u64) -> String {
    count(usize::try_from(n).unwrap_or(usize::MAX))
}

/// The summary of findings (GRADE): one row per outcome, the outcome without and
/// with the intervention, the difference in words and numbers, the relative effect
/// for binary outcomes, the units (and clusters) analysed, and the certainty with
/// the reason it was lowered.
fn findings_blocks(model: &ReportModel, blocks: &mut Vec<Block>) {
    if model.findings.is_empty() {
        return;
    }
    blocks.push(Block::Heading("Summary of findings".into()));
    blocks.push(Block::Table(findings_table(model)));
}

fn findings_table(model: &ReportModel) -> Table {
    let several_contrasts = model.findings.iter().any(|r| {
        model
            .findings
            .iter()
            .any(|o| o.outcome == r.outcome && o.contrast != r.contrast)
    });
    let rows = model
        .findings
        .iter()
        .map(|row| {
            let mut outcome = format!("{} ({})", row.outcome, serde_label(&row.role));
            // A design that is not an arm comparison says what it compares.
            if several_contrasts || row.analysed.is_some() {
                outcome.push_str(&format!(", {}", row.contrast));
            }
            vec![
                outcome,
                row.without.map_or("—".into(), |w| {
                    finding_level(model, row, 0, words::outcome_level(row, w))
                }),
                row.with.map_or("—".into(), |w| {
                    finding_level(model, row, 1, words::outcome_level(row, w))
                }),
                capitalise(&row.in_words),
                words::relative_effect(row).unwrap_or_else(|| "—".into()),
                analysed_units(row, &model.disclosure),
                format!(
                    "{}. {}",
                    capitalise(row.certainty.rating.label()),
                    certainty_comment(row)
                ),
            ]
        })
        .collect();
    let mut table = Table {
        caption: "Summary of findings: each outcome without and with the intervention, the difference with its confidence interval, and how certain it is (GRADE)".into(),
        header: vec![
            "Outcome".into(),
            "Without intervention".into(),
            "With intervention".into(),
            "Difference".into(),
            "Relative effect".into(),
            "Analysed".into(),
            "Certainty and why".into(),
        ],
        rows,
    };
    // A design whose effect is not a difference of two levels (a time series, a
    // discontinuity, a roll-out) leaves the level and ratio columns empty: they go.
    if model.findings.iter().all(|r| r.analysed.is_some()) {
        let empty: Vec<bool> = (0..table.header.len())
            .map(|i| table.rows.iter().all(|row| row[i] == "—"))
            .collect();
        table.header = keep(&table.header, &empty);
        table.rows = table.rows.iter().map(|row| keep(row, &empty)).collect();
    }
    table
}

/// The cells whose column is not marked empty.
fn keep(cells: &[String], empty: &[bool]) -> Vec<String> {
    cells
        .iter()
        .zip(empty)
        .filter(|(_, gone)| !**gone)
        .map(|(cell, _)| cell.clone())
        .collect()
}

/// A level in the summary of findings (the share of a binary outcome, a mean) of the
/// row's group `index`: withheld with the group's count when that is withheld.
fn finding_level(model: &ReportModel, row: &FindingRow, index: usize, shown: String) -> String {
    let (Some(group), Some(outcome)) = (
        row.groups.get(index),
        model
            .analysis
            .iter()
            .flat_map(|a| &a.outcomes)
            .find(|o| o.label == row.outcome),
    ) else {
        return shown;
    };
    let sdc = &model.disclosure;
    let shown = sdc.derived(&key::finding(&row.outcome, &row.contrast, group), shown);
    let shown = sdc.derived(&key::group(&outcome.outcome, group, "n"), shown);
    sdc.derived(&key::group(&outcome.outcome, group, "with"), shown)
}

/// "supported 292, comparison 284 units" or "… units in 10 and 10 clusters".
fn analysed_units(row: &FindingRow, sdc: &Disclosure) -> String {
    // A design analysed by its own module says what it counted.
    if let Some(analysed) = &row.analysed {
        return analysed.clone();
    }
    // The same units measured twice are counted once.
    if let ([before, after], [n_before, n_after]) = (row.groups.as_slice(), row.n.as_slice())
        && before == "before"
        && after == "after"
        && n_before == n_after
    {
        return format!(
            "{} units, before and after",
            sdc.count(&key::finding(&row.outcome, &row.contrast, after), *n_after)
        );
    }
    let units: Vec<String> = row
        .groups
        .iter()
        .zip(&row.n)
        .map(|(g, n)| {
            format!(
                "{g} {}",
                sdc.count(&key::finding(&row.outcome, &row.contrast, g), *n)
            )
        })
        .collect();
    let mut text = format!("{} units", units.join(", "));
    if let Some(clusters) = &row.clusters {
        text.push_str(&format!(
            " in {} clusters",
            clusters
                .iter()
                .map(|c| count(*c))
                .collect::<Vec<_>>()
                .join(" and ")
        ));
    }
    text
}

/// The certainty's reasons without the leading rating (the cell names it).
fn certainty_comment(row: &FindingRow) -> String {
    let why = &row.certainty.why;
    let rest = why.split_once(": ").map_or(why.as_str(), |(_, rest)| rest);
    capitalise(rest)
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The grade: the design's strength and the finding stated apart, then every
/// criterion with what was observed and the rule.
fn evidence_blocks(model: &ReportModel, blocks: &mut Vec<Block>) {
    blocks.push(Block::Heading("Strength of evidence".into()));
    blocks.push(Block::Paragraph(format!(
        "{} Target: level {}. Framework: {}. A level is reached when every criterion of it and of the levels below is met or not applicable; a criterion that cannot be assessed does not count as met.",
        model.evidence_statement, model.grade.target_level, model.grade.framework
    )));
    // Before the outcome data the protocol table above already gives every
    // criterion and what it will need; a second table of "not assessed" rows
    // would only repeat it.
    if model.protocol.is_some() {
        blocks.push(Block::Paragraph(
            "Until the outcome data are analysed the study stands at the level above; the protocol table lists each criterion and what it will need.".into(),
        ));
        return;
    }
    let labels = outcome_labels(model);
    blocks.push(Block::Table(Table {
        caption: "Criteria of the Standards of Evidence".into(),
        header: vec![
            "Level".into(),
            "Criterion".into(),
            "Status".into(),
            "Observed".into(),
            "Rule".into(),
        ],
        rows: model
            .grade
            .criteria
            .iter()
            .map(|c| {
                vec![
                    c.level.to_string(),
                    c.title.into(),
                    c.status.label().into(),
                    plain(&c.observed, &labels),
                    plain(&c.rule, &labels),
                ]
            })
            .collect(),
    }));
    if let Some(next) = model
        .grade
        .next_level_needs
        .as_ref()
        .filter(|n| !n.is_empty())
    {
        blocks.push(Block::Paragraph(format!(
            "To reach the next level: {}",
            plain(next, &labels)
        )));
    }
}

/// (column name, label) of each outcome, for text written with column names.
fn outcome_labels(model: &ReportModel) -> Vec<(String, String)> {
    model
        .analysis
        .as_ref()
        .map(|a| {
            a.outcomes
                .iter()
                .map(|o| (o.outcome.clone(), o.label.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// Text from other stages made plain for the body: a `code span` naming an
/// outcome column becomes the outcome's label, any other code span loses its
/// backticks, and emphasis markers are dropped, so no Markdown syntax reaches the
/// HTML (which escapes it) and the reader sees labels, not column names.
pub(super) fn plain(text: &str, labels: &[(String, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut parts = text.split('`');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for (i, part) in parts.enumerate() {
        // Odd pieces (i even here) are inside a code span.
        if i % 2 == 0 {
            match labels.iter().find(|(column, _)| column == part) {
                Some((_, label)) => out.push_str(label),
                None => out.push_str(part),
            }
        } else {
            out.push_str(part);
        }
    }
    out.replace("**", "")
}

/// The method row of a planning answer names R functions: the body keeps the
/// method in words and the appendix gives it in full.
const PLAN_METHOD_ROW: &str = "Method";

/// A method description without its parenthesised software references
/// ("(pwr.t.test, G*Power)", "(R's power.prop.test)"), which the appendix keeps.
fn without_software_names(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find(" (") {
        let Some(close) = rest[open..].find(')') else {
            break;
        };
        let inside = &rest[open + 2..open + close];
        out.push_str(&rest[..open]);
        let software = inside.contains(".test")
            || inside.contains("R's")
            || inside.contains("G*Power")
            || inside.contains("PowerUp");
        if !software {
            out.push_str(&rest[open..=open + close]);
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// Technical detail at the end, where a reviewer looks for it and a director need
/// not: how to re-create the report, hashes of every input and output, the random
/// number procedure and its derivations, and the reference implementations behind
/// the planning calculations.
fn appendix_blocks(model: &ReportModel, blocks: &mut Vec<Block>) {
    blocks.push(Block::Heading("Appendix: technical detail".into()));
    let r = &model.reproducibility;
    let mut items = vec![
        format!("Re-create this report with: {}", r.command),
        format!("Engine: evident {}", r.engine_version),
        format!("Spec: {} (SHA-256 {})", r.spec, r.spec_sha256),
    ];
    items.extend(
        r.inputs
            .iter()
            .map(|i| format!("Input: {} (SHA-256 {})", i.path, i.sha256)),
    );
    if let Some(lock) = &model.lock {
        items.push(format!(
            "Plan lock: {}; SHA-256 of the locked design, outcomes and analysis: {}",
            lock.lock, lock.sha256
        ));
    }
    if let Some(a) = &model.assignment {
        items.push(format!(
            "Allocation procedure: {} (documented in src/assign/rng.rs), seed {}",
            a.procedure, a.seed
        ));
        items.push(format!("Manifest SHA-256: {}", a.manifest_sha256));
        items.push(format!("assignments.csv SHA-256: {}", a.assignments_sha256));
        items.push(format!("Units file SHA-256: {}", a.units_sha256));
    }
    if let Some(ri) = model
        .analysis
        .as_ref()
        .and_then(|a| a.randomisation_inference.as_ref())
    {
        items.push(format!(
            "Randomisation-inference re-draws: stream {} from allocation seed {}, re-draw k keyed by SHA-256(\"{}\" ‖ seed ‖ k)",
            ri.stream, ri.seed, ri.stream
        ));
        items.push(
            "Randomisation-inference ties: |T| within a relative 10⁻¹⁰ of |T observed| counts as at least as extreme (ri2's convention)"
                .into(),
        );
        if let Some(call) = ri2_call(&ri.explanation).1 {
            items.push(format!(
                "Randomisation-inference procedure assumed, in ri2's terms: {call}"
            ));
        }
    }
    if let Some(plan) = &model.plan {
        for answer in &plan.answers {
            items.push(format!(
                "Planning method ({}): {}",
                answer.family, answer.method
            ));
        }
    }
    blocks.push(Block::List(items));
}

/// The snake_case label serde gives an enum value, with underscores as spaces.
fn serde_label<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_default()
}

/// Blocks of a table shown in the report; the manifest lists them all.
pub(super) const MAX_BLOCK_ROWS: usize = 40;

fn assignment_blocks(
    a: &AssignmentReport,
    charts: &[Chart],
    sdc: &Disclosure,
    blocks: &mut Vec<Block>,
) {
    blocks.push(Block::Heading("Assignment".into()));
    let mut items = vec![
        format!("Method: {}", a.method_label),
        format!(
            "Seed: {} ({}; the appendix gives the procedure and file hashes)",
            a.seed,
            if a.seed_source == "spec" {
                "declared in the spec"
            } else {
                "drawn from the operating system and recorded"
            }
        ),
        format!("Units: {}", count(a.n_units)),
    ];
    if let Some(clusters) = a.n_clusters {
        items.push(format!("Clusters: {}", count(clusters)));
    }
    if let Some(r) = &a.rerandomisation {
        let rule = match r.acceptance_probability {
            Some(p) => format!(
                "accept when M ≤ {} (acceptance probability {})",
                significant(r.max_mahalanobis, 4),
                percent(p, 3)
            ),
            None => format!("accept when M ≤ {}", significant(r.max_mahalanobis, 4)),
        };
        items.push(format!(
            "Rerandomisation on {}: {rule}; accepted draw {} of at most {} (M = {})",
            r.covariates.join(", "),
            count(r.draws as usize),
            count(r.max_draws as usize),
            significant(r.statistic, 3)
        ));
    }
    blocks.push(Block::List(items));
    let with_clusters = a.n_clusters.is_some();
    let mut header = vec!["Arm".into(), "Share".into(), "Units".into()];
    if with_clusters {
        header.push("Clusters".into());
    }
    blocks.push(Block::Table(Table {
        caption: "Units allocated per arm".into(),
        header,
        rows: a
            .arms
            .iter()
            .map(|arm| {
                let mut row = vec![
                    arm.arm.clone(),
                    percent(arm.share, 3),
                    sdc.count(&key::assigned(&arm.arm), arm.units as usize),
                ];
                if let Some(c) = arm.clusters {
                    row.push(count(c as usize));
                }
                row
            })
            .collect(),
    }));
    if !a.blocks.is_empty() {
        let shown = a.blocks.len().min(MAX_BLOCK_ROWS);
        let mut header = vec!["Block".to_string()];
        header.extend(a.arms.iter().map(|arm| arm.arm.clone()));
        blocks.push(Block::Table(Table {
            caption: if shown < a.blocks.len() {
                format!(
                    "Units per arm in each block (first {shown} of {} blocks; manifest.json lists all)",
                    count(a.blocks.len())
                )
            } else {
                "Units per arm in each block".into()
            },
            header,
            rows: a.blocks[..shown]
                .iter()
                .map(|b| {
                    let mut row = vec![b.block.clone()];
                    row.extend(a.arms.iter().zip(&b.units).map(|(arm, u)| {
                        sdc.count(&key::assigned_block(&b.block, &arm.arm), *u as usize)
                    }));
                    row
                })
                .collect(),
        }));
    }
    if !a.balance.rows.is_empty() {
        blocks.push(Block::Table(Table {
            caption: "Balance of the allocation on baseline covariates (SMD: standardised mean difference, pooled SD)".into(),
            header: vec![
                "Covariate".into(),
                "Contrast".into(),
                "Control mean".into(),
                "Treatment mean".into(),
                "SMD".into(),
                "Variance ratio".into(),
            ],
            rows: a
                .balance
                .rows
                .iter()
                .map(|r| {
                    let [control_mean, treatment_mean] =
                        aligned(r.mean_control, r.mean_treatment, 3);
                    vec![
                        r.covariate.clone(),
                        format!("{} vs {}", r.arm, r.control),
                        control_mean,
                        treatment_mean,
                        fixed(r.smd, 3),
                        fixed(r.variance_ratio, 2),
                    ]
                })
                .collect(),
        }));
        blocks.push(Block::Table(Table {
            caption: "Joint balance: Mahalanobis distance between arm means, chi-square test"
                .into(),
            header: vec!["Contrast".into(), "M".into(), "df".into(), "p".into()],
            rows: a
                .balance
                .omnibus
                .iter()
                .map(|o| {
                    vec![
                        format!("{} vs {}", o.arm, o.control),
                        significant(o.statistic, 4),
                        o.df.to_string(),
                        o.p_value
                            .map_or("not defined (collinear covariates)".into(), p_value),
                    ]
                })
                .collect(),
        }));
        for (index, chart) in charts.iter().enumerate() {
            if chart.name == "love" {
                blocks.push(Block::Chart(index));
            }
        }
    }
}

/// Recruitment time in words and a table.
fn recruitment_blocks(r: &crate::power::plan::RecruitmentPlan, blocks: &mut Vec<Block>) {
    blocks.push(Block::Heading("Recruitment time".into()));
    let periods = |p: f64| {
        format!(
            "{} {}{}",
            significant(p, 3),
            r.period,
            if (p - 1.0).abs() < 1e-12 { "" } else { "s" }
        )
    };
    let mut text = format!(
        "At {} eligible units a {} the {} units the plan randomises take {} to arrive{}.",
        significant(r.rate, 4),
        r.period,
        count(r.units_needed as usize),
        periods(r.periods_needed),
        match (&r.start, &r.finish) {
            (Some(s), Some(f)) => format!(", from {s} to {f}"),
            _ => String::new(),
        }
    );
    if let Some(p) = r.periods_to_maximum {
        text.push_str(&format!(
            " The group-sequential maximum takes {}.",
            periods(p)
        ));
    }
    if let Some(by) = &r.by {
        text.push_str(&format!(
            " {} {} units arrive{}",
            match &by.date {
                Some(d) => format!("By {d},"),
                None => format!("In {},", periods(by.periods)),
            },
            count(by.units as usize),
            match by.mdes {
                Some(m) => format!(
                    ", enough to detect an effect of {} with {} power.",
                    if by.effect_measure.contains("SD") {
                        format!("{} SD", significant(m, 3))
                    } else {
                        format!("{} ({})", significant(m, 3), by.effect_measure)
                    },
                    percent(by.power, 3)
                ),
                None => ": too few for the test.".into(),
            }
        ));
    }
    blocks.push(Block::Paragraph(text));
}

/// Allocation under a budget in words and a table.
fn budget_blocks(b: &crate::power::plan::BudgetPlan, blocks: &mut Vec<Block>) {
    blocks.push(Block::Heading("Allocation under the budget".into()));
    let split = match (b.cluster_size, b.control_cluster_size) {
        (Some(m), Some(m_control)) => format!(
            "{} treatment clusters of {} and {} control clusters of {} (each arm's optimal size, {} and {}, from its own costs; the square-root rule then puts {} treatment clusters per control cluster, as the dearer arm gets fewer)",
            count(b.treatment as usize),
            count(m as usize),
            count(b.control as usize),
            count(m_control as usize),
            significant(b.optimal_cluster_size.unwrap_or(f64::NAN), 3),
            significant(b.optimal_control_cluster_size.unwrap_or(f64::NAN), 3),
            significant(b.optimal_ratio, 3)
        ),
        (Some(m), None) => format!(
            "clusters of {} (the optimal size is {}: larger clusters cost less per person but add less information once the ICC dominates), {}",
            count(m as usize),
            significant(b.optimal_cluster_size.unwrap_or(f64::NAN), 3),
            if b.treatment == b.control {
                format!("{} in each arm", count(b.treatment as usize))
            } else {
                format!(
                    "{} treatment and {} control clusters",
                    count(b.treatment as usize),
                    count(b.control as usize)
                )
            }
        ),
        (None, _) => format!(
            "{} treatment and {} control units: the square-root rule puts {} treatment units per control unit, as the cheaper arm gets more units",
            count(b.treatment as usize),
            count(b.control as usize),
            significant(b.optimal_ratio, 3)
        ),
    };
    blocks.push(Block::Paragraph(format!(
        "A budget of {} buys the smallest minimum detectable effect with {split}. That design costs {} and can detect an effect of {} SD with {} power{}.",
        significant(b.budget, 6),
        significant(b.spent, 6),
        significant(b.mdes, 3),
        percent(b.power, 3),
        b.mdes_equal_split
            .map(|m| format!(
                " (an equal split of the same budget: {} SD)",
                significant(m, 3)
            ))
            .unwrap_or_default()
    )));
    let mut rows = vec![
        vec!["Budget".into(), significant(b.budget, 6)],
        vec![
            format!("Treatment {}", b.counted),
            count(b.treatment as usize),
        ],
        vec![format!("Control {}", b.counted), count(b.control as usize)],
    ];
    if let (Some(m), Some(m_control)) = (b.cluster_size, b.control_cluster_size) {
        rows.push(vec![
            "Individuals per treatment cluster".into(),
            count(m as usize),
        ]);
        rows.push(vec![
            "Individuals per control cluster".into(),
            count(m_control as usize),
        ]);
        rows.push(vec![
            "Optimal cluster sizes, treatment and control (unrounded)".into(),
            format!(
                "{} and {}",
                significant(b.optimal_cluster_size.unwrap_or(f64::NAN), 4),
                significant(b.optimal_control_cluster_size.unwrap_or(f64::NAN), 4)
            ),
        ]);
        rows.push(vec![
            "Optimal ratio treatment:control clusters (unrounded)".into(),
            significant(b.optimal_ratio, 4),
        ]);
    } else if let Some(m) = b.cluster_size {
        rows.push(vec!["Individuals per cluster".into(), count(m as usize)]);
        rows.push(vec![
            "Optimal cluster size (unrounded)".into(),
            significant(b.optimal_cluster_size.unwrap_or(f64::NAN), 4),
        ]);
    } else {
        rows.push(vec![
            "Optimal ratio treatment:control (unrounded)".into(),
            significant(b.optimal_ratio, 4),
        ]);
    }
    rows.push(vec!["Cost of this design".into(), significant(b.spent, 6)]);
    rows.push(vec!["MDES (SD)".into(), significant(b.mdes, 3)]);
    if let Some(m) = b.mdes_equal_split {
        rows.push(vec![
            "MDES of an equal split (SD)".into(),
            significant(m, 3),
        ]);
    }
    blocks.push(Block::Table(Table {
        caption: "What the budget buys".into(),
        header: vec!["Quantity".into(), "Value".into()],
        rows,
    }));
}

/// Interim looks in words and a table of the boundaries.
fn interim_blocks(interim: &crate::power::plan::InterimPlan, blocks: &mut Vec<Block>) {
    let d = &interim.design;
    let looks = d.looks.len();
    blocks.push(Block::Heading("Interim looks".into()));
    let statistic = if d.two_sided { "|z|" } else { "z" };
    blocks.push(Block::Paragraph(format!(
        "The trial is analysed {looks} times, the last at the full sample, against {} boundaries: {}. At each look it may stop early {}, if {statistic} reaches that look's critical value; the chance of a false positive over all {looks} looks stays at {}. Planning for the looks raises the largest sample from {} to {} {} (inflation factor {}). If the planned effect is true the trial stops at the last look or earlier, and needs {} {} on average.",
        if d.two_sided { "two-sided" } else { "one-sided" },
        d.boundary,
        if d.two_sided {
            "with a significant difference between the arms"
        } else {
            "because the intervention works"
        },
        significant(d.alpha, 3),
        count(interim.fixed_size as usize),
        count(interim.maximum_size as usize),
        interim.size_label,
        significant(d.inflation_factor, 4),
        significant(interim.expected_size_h1, 4),
        interim.size_label,
    )));
    blocks.push(Block::Table(Table {
        caption: format!(
            "Group-sequential boundaries (sizes in {})",
            interim.size_label
        ),
        header: vec![
            "Look".into(),
            "Share of the sample".into(),
            "Size".into(),
            format!("Stop if {statistic} ≥"),
            format!(
                "Nominal p-value{}",
                if d.two_sided { " (two-sided)" } else { "" }
            ),
            "Alpha spent by this look".into(),
            "Chance of having stopped by this look, if the planned effect is true".into(),
        ],
        rows: d
            .looks
            .iter()
            .zip(&interim.look_sizes)
            .map(|(l, size)| {
                vec![
                    l.look.to_string(),
                    percent(l.information_fraction, 3),
                    count(*size as usize),
                    fixed(l.critical_z, 3),
                    significant(l.nominal_p, 2),
                    significant(l.cumulative_alpha, 2),
                    percent(l.cumulative_power, 3),
                ]
            })
            .collect(),
    }));
    blocks.push(Block::List(
        interim
            .notes
            .iter()
            .map(|n| format!("{}.", capitalise(n)))
            .collect(),
    ));
}

/// The plan section: sample-size reasoning and MDES in words and numbers, the two
/// planning charts, and the simulation diagnosis.
fn plan_blocks(plan: &crate::power::plan::PlanResult, charts: &[Chart], blocks: &mut Vec<Block>) {
    blocks.push(Block::Heading("Sample size and power".into()));
    for (i, answer) in plan.answers.iter().enumerate() {
        if i == 1 {
            blocks.push(Block::Paragraph(
                "The other method gives a different answer; both are shown so that the choice is visible:".into(),
            ));
        }
        blocks.push(Block::Paragraph(answer.sentence()));
        blocks.push(Block::Table(Table {
            caption: format!("Planning calculation: {}", answer.family),
            header: vec!["Quantity".into(), "Value".into()],
            rows: answer
                .rows()
                .into_iter()
                .map(|(l, v)| {
                    let v = if l == PLAN_METHOD_ROW {
                        without_software_names(&v)
                    } else {
                        v
                    };
                    vec![l, v]
                })
                .collect(),
        }));
    }
    if let Some(band) = &plan.eef_band {
        blocks.push(Block::Paragraph(format!(
            "Minimum detectable effect at the planned size: {} SD. EEF-style MDES band: {}{}.",
            significant(band.mdes, 3),
            band.description,
            band.next_limit
                .map(|l| format!("; one more padlock needs an MDES of at most {l}"))
                .unwrap_or_default()
        )));
    }
    for (index, chart) in charts.iter().enumerate() {
        if chart.name == "power-curve" || chart.name == "mdes-curve" {
            blocks.push(Block::Chart(index));
        }
    }
    if let Some(interim) = &plan.interim {
        interim_blocks(interim, blocks);
    }
    if let Some(recruitment) = &plan.recruitment {
        recruitment_blocks(recruitment, blocks);
    }
    if let Some(budget) = &plan.budget {
        budget_blocks(budget, blocks);
        for (index, chart) in charts.iter().enumerate() {
            if chart.name == "mdes-budget" {
                blocks.push(Block::Chart(index));
            }
        }
    }
    if let Some(sim) = &plan.simulation {
        blocks.push(Block::Heading("Simulated design diagnosis".into()));
        blocks.push(Block::Paragraph(format!("Simulated: {}.", sim.model)));
        let d = &sim.diagnosis;
        // A diagnosand and its Monte Carlo SE share decimals: two significant
        // figures of the SE.
        let row = |name: &str, value: Option<crate::power::simulate::Diagnosand>| {
            let shown = value.map(|v| {
                EffectText::new(
                    Scale::Unit(None),
                    v.value,
                    v.value - v.mc_se,
                    v.value + v.mc_se,
                )
            });
            vec![
                name.to_string(),
                shown
                    .as_ref()
                    .map(|s| s.estimate.clone())
                    .unwrap_or_else(|| "not defined".into()),
                match (value, &shown) {
                    (Some(v), Some(s)) => s.alongside(Scale::Unit(None), v.mc_se),
                    _ => String::new(),
                },
            ]
        };
        let mut rows = vec![
            row("Power", Some(d.power)),
            row("Bias", Some(d.bias)),
            row("RMSE", Some(d.rmse)),
            row("Coverage of the CI", Some(d.coverage)),
            row("Type-S rate (significant, wrong sign)", d.type_s_rate),
            row("Mean estimate", Some(d.mean_estimate)),
            row("SD of the estimates", Some(d.sd_estimate)),
        ];
        rows.push(vec![
            "Simulations (failed)".into(),
            format!("{} ({})", count(d.sims), count(d.failed)),
            String::new(),
        ]);
        blocks.push(Block::Table(Table {
            caption: format!(
                "Diagnosis at N = {} (estimand {})",
                count(d.n),
                significant(d.estimand, 4)
            ),
            header: vec![
                "Diagnosand".into(),
                "Estimate".into(),
                "Monte Carlo SE".into(),
            ],
            rows,
        }));
        if let Some(agreement) = &sim.agreement {
            super::lifecycle::agreement_blocks(agreement, blocks);
        }
        if !sim.sweep.is_empty() {
            blocks.push(Block::Table(Table {
                caption: "Simulated power curve".into(),
                header: vec![
                    "N".into(),
                    "Power".into(),
                    "Monte Carlo SE".into(),
                    "Coverage".into(),
                ],
                rows: sim
                    .sweep
                    .iter()
                    .map(|d| {
                        vec![
                            count(d.n),
                            significant(d.power.value, 3),
                            significant(d.power.mc_se, 2),
                            significant(d.coverage.value, 3),
                        ]
                    })
                    .collect(),
            }));
        }
    }
}

/// The blocks that show the chart named `name` (none when it was not drawn).
fn chart_blocks(charts: &[Chart], name: &str) -> Vec<Block> {
    (0..charts.len())
        .filter(|&i| charts[i].name == name)
        .map(Block::Chart)
        .collect()
}

/// Units excluded for missing values, with the column each was missing in.
fn excluded_with_reasons(
    arm: &crate::analysis::ArmFlow,
    labels: &[(String, String)],
    sdc: &Disclosure,
) -> String {
    // The missing-value exclusions only: a matched design's units left out of the
    // match have their own column.
    let total = sdc.count(&key::flow(&arm.arm, "missing"), arm.excluded_missing);
    if arm.excluded_by_column.is_empty() {
        return total;
    }
    // An outcome column is named by its label, as everywhere in the body.
    let reasons: Vec<String> = arm
        .excluded_by_column
        .iter()
        .map(|e| {
            let column = labels
                .iter()
                .find(|(name, _)| *name == e.column)
                .map_or(e.column.as_str(), |(_, label)| label.as_str());
            format!(
                "{} missing {}",
                sdc.count(&key::flow_missing(&arm.arm, &e.column), e.units),
                column
            )
        })
        .collect();
    format!("{total} ({})", reasons.join(", "))
}

/// How each estimate of an outcome was made (the estimator the design selected, its
/// variance and degrees of freedom), once per distinct description.
fn estimator_design_blocks(outcome: &crate::analysis::OutcomeResult, blocks: &mut Vec<Block>) {
    let mut seen: Vec<&str> = Vec::new();
    for c in &outcome.comparisons {
        if let Some(design) = &c.design
            && !seen.contains(&design.description.as_str())
        {
            seen.push(&design.description);
            let mut text = format!("Method ({}): {}", c.estimator.label(), design.description);
            if c.risk_ratio.is_some() || c.odds_ratio.is_some() {
                text.push_str(" The risk and odds ratios use the same variance, on the log scale (delta method).");
            }
            blocks.push(Block::Paragraph(text));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn software_names_leave_the_body_and_other_asides_stay() {
        assert_eq!(
            without_software_names(
                "non-central t, two-sided power counting both tails (pwr.t.test, G*Power)"
            ),
            "non-central t, two-sided power counting both tails"
        );
        assert_eq!(
            without_software_names(
                "pooled-variance normal formula (R's power.prop.test), two-sided counting both tails"
            ),
            "pooled-variance normal formula, two-sided counting both tails"
        );
        assert_eq!(
            without_software_names("a normal approximation (large samples)"),
            "a normal approximation (large samples)"
        );
    }

    #[test]
    fn units_are_counted_with_clusters_for_cluster_trials() {
        use crate::evidence::{Certainty, CertaintyRating};
        use crate::spec::{Direction, OutcomeRole, OutcomeType};
        let mut row = FindingRow {
            outcome: "Reading score".into(),
            role: OutcomeRole::Primary,
            outcome_type: OutcomeType::Continuous,
            contrast: "tutored vs usual".into(),
            without: Some(50.0),
            with: Some(52.0),
            difference: 2.0,
            conf_low: 0.5,
            conf_high: 3.5,
            conf_level: 0.95,
            p_value: 0.01,
            p_adjusted: None,
            p_randomisation: None,
            risk_ratio: None,
            odds_ratio: None,
            n: vec![1180, 1234],
            groups: vec!["usual".into(), "tutored".into()],
            beneficial: true,
            better: Direction::Higher,
            unit: None,
            outcome_sd: 10.0,
            clusters: Some(vec![20, 21]),
            analysed: None,
            in_words: String::new(),
            certainty: CertaintyRating {
                rating: Certainty::High,
                start: Certainty::High,
                downgrades: Vec::new(),
                why: "High: a randomised design starts high and nothing lowers it.".into(),
            },
        };
        assert_eq!(
            analysed_units(&row, &Disclosure::none()),
            "usual 1,180, tutored 1,234 units in 20 and 21 clusters"
        );
        assert_eq!(
            certainty_comment(&row),
            "A randomised design starts high and nothing lowers it."
        );
        row.clusters = None;
        assert_eq!(
            analysed_units(&row, &Disclosure::none()),
            "usual 1,180, tutored 1,234 units"
        );
    }

    #[test]
    fn the_ri2_call_moves_out_of_the_body() {
        let (body, call) = ri2_call(
            "Assumed: Complete randomisation of the 8 units (4 a, 4 b), as ri2's declare_ra(N, m). If the real procedure differed, so would this p-value.",
        );
        assert_eq!(
            body,
            "Assumed: Complete randomisation of the 8 units (4 a, 4 b). If the real procedure differed, so would this p-value."
        );
        assert_eq!(call.as_deref(), Some("declare_ra(N, m)"));
        assert_eq!(ri2_call("No call here.").1, None);
    }

    #[test]
    fn code_spans_become_labels_and_emphasis_is_dropped() {
        let labels = vec![("neet_at_18".to_string(), "NEET at 18".to_string())];
        assert_eq!(
            plain(
                "primary outcome `neet_at_18` analysed, **see** `design.units`",
                &labels
            ),
            "primary outcome NEET at 18 analysed, see design.units"
        );
    }
}
