//! The report laid out as a sequence of blocks (headings, paragraphs, tables,
//! charts) in the order report.md describes. Markdown and HTML walk the same blocks,
//! so both carry the same facts in the same order; this is where numbers are
//! formatted for people.

use super::charts::Chart;
use super::format::{count, interval, p_value, percent, significant};
use super::model::{FindingRow, ReportModel};
use crate::analysis::{BalanceMeasure, RiMethod, RiResult, RiSummary};
use crate::assign::AssignmentReport;
use crate::spec::OutcomeType;

pub(super) enum Block {
    Title(String),
    Headline(String),
    Heading(String),
    Paragraph(String),
    List(Vec<String>),
    Table(Table),
    /// Index into the chart list.
    Chart(usize),
}

pub(super) struct Table {
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

    if !model.findings.is_empty() {
        blocks.push(Block::Heading("Summary of findings".into()));
        blocks.push(Block::Table(findings_table(model)));
    }

    blocks.push(Block::Heading("Strength of evidence".into()));
    blocks.push(Block::Paragraph(format!(
        "{} Target: level {}. Framework: {}. A level is reached when every criterion of it and of the levels below is met or not applicable.",
        model.grade.summary, model.grade.target_level, model.grade.framework
    )));
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
                    c.observed.clone(),
                    c.rule.clone(),
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
        blocks.push(Block::Paragraph(format!("To reach the next level: {next}")));
    }

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
            "Significance level: {alpha}; confidence intervals at {}",
            percent(1.0 - alpha, 3)
        ));
    }
    if let Some(method) = &d.multiple_comparisons {
        design.push(format!("Adjustment across outcomes: {method}"));
    }
    blocks.push(Block::List(design));

    if let Some(assignment) = &model.assignment {
        assignment_blocks(assignment, charts, &mut blocks);
    }
    if let Some(plan) = &model.plan {
        plan_blocks(plan, charts, &mut blocks);
    }

    if let Some(analysis) = &model.analysis {
        blocks.push(Block::Heading("Flow of units".into()));
        blocks.extend(chart_blocks(charts, "flow"));
        let clustered = analysis
            .flow
            .arms
            .iter()
            .any(|a| a.clusters_allocated.is_some());
        let mut header: Vec<String> = [
            "Arm",
            "Allocated",
            "With outcome data",
            "Excluded (missing values)",
            "Analysed",
            "Attrition",
        ]
        .map(String::from)
        .to_vec();
        if clustered {
            header.extend([
                "Clusters allocated".to_string(),
                "Clusters analysed".to_string(),
            ]);
        }
        let rows = analysis
            .flow
            .arms
            .iter()
            .map(|a| {
                let mut row = vec![
                    a.arm.clone(),
                    a.allocated.map_or("not recorded".into(), count),
                    count(a.with_data),
                    count(a.excluded_missing),
                    count(a.analysed),
                    a.attrition().map_or("not known".into(), |r| percent(r, 3)),
                ];
                if clustered {
                    row.push(a.clusters_allocated.map_or("not recorded".into(), count));
                    row.push(a.clusters_analysed.map_or("not recorded".into(), count));
                }
                row
            })
            .collect();
        blocks.push(Block::Table(Table {
            caption: format!(
                "Units per arm (analysed counts for the primary outcome, {})",
                analysis.flow.outcome
            ),
            header,
            rows,
        }));

        if !analysis.baseline.is_empty() {
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
                        vec![
                            b.level
                                .as_ref()
                                .map_or(b.variable.clone(), |l| format!("{} = {l}", b.variable)),
                            b.contrast.clone(),
                            significant(b.mean_control, 3),
                            significant(b.mean_treatment, 3),
                            significant(b.effect_size, 2),
                            match b.measure {
                                BalanceMeasure::HedgesG => "Hedges' g".into(),
                                BalanceMeasure::CoxIndex => "Cox index".into(),
                            },
                        ]
                    })
                    .collect(),
            }));
        }

        blocks.push(Block::Heading("Results".into()));
        for (index, chart) in charts.iter().enumerate() {
            if chart.name == "forest" {
                blocks.push(Block::Chart(index));
            }
        }
        for outcome in &analysis.outcomes {
            let caption = format!(
                "{} ({} outcome, {}{}; better is {}){}",
                outcome.label,
                serde_label(&outcome.role),
                serde_label(&outcome.outcome_type),
                outcome
                    .unit
                    .as_ref()
                    .map(|u| format!(", {u}"))
                    .unwrap_or_default(),
                serde_label(&outcome.better),
                if outcome.excluded_missing > 0 {
                    format!(
                        "; {} rows excluded for missing values",
                        count(outcome.excluded_missing)
                    )
                } else {
                    String::new()
                }
            );
            // Each group once (every estimator of a contrast describes the same groups).
            let mut group_rows: Vec<Vec<String>> = Vec::new();
            for g in outcome.comparisons.iter().flat_map(|c| &c.groups) {
                if !group_rows.iter().any(|row| row[0] == g.name) {
                    group_rows.push(vec![
                        g.name.clone(),
                        count(g.n),
                        significant(g.mean, 4),
                        significant(g.sd, 3),
                    ]);
                }
            }
            blocks.push(Block::Table(Table {
                caption: format!("{}: the groups analysed", outcome.label),
                header: vec!["Group".into(), "n".into(), "Mean".into(), "SD".into()],
                rows: group_rows,
            }));
            // Columns that would be empty for every estimator are left out.
            let adjusted = outcome.comparisons.iter().any(|c| c.p_adjusted.is_some());
            let randomisation = outcome
                .comparisons
                .iter()
                .any(|c| c.randomisation.is_some());
            let standardised = outcome.comparisons.iter().any(|c| c.standardised.is_some());
            let risk_ratio = outcome.comparisons.iter().any(|c| c.risk_ratio.is_some());
            let mut rows = Vec::new();
            for c in &outcome.comparisons {
                let e = &c.estimate;
                let mut row = vec![
                    c.estimator.label().into(),
                    c.contrast.clone(),
                    significant(e.estimate, 4),
                    significant(e.std_error, 3),
                    interval(e.conf_low, e.conf_high, 4),
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
                if risk_ratio {
                    row.push(c.risk_ratio.as_ref().map_or("—".into(), |r| {
                        format!(
                            "{} ({})",
                            significant(r.estimate, 3),
                            interval(r.conf_low, r.conf_high, 3)
                        )
                    }));
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
        }
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

    if !model.warnings.is_empty() {
        blocks.push(Block::Heading("Warnings".into()));
        blocks.push(Block::List(model.warnings.clone()));
    }
    if !model.limitations.is_empty() {
        blocks.push(Block::Heading("Limitations".into()));
        blocks.push(Block::List(model.limitations.clone()));
    }

    blocks.push(Block::Heading("Reproducibility".into()));
    let r = &model.reproducibility;
    let mut items = vec![
        format!("Engine: evident {}", r.engine_version),
        format!("Spec: {} (SHA-256 {})", r.spec, r.spec_sha256),
    ];
    items.extend(
        r.inputs
            .iter()
            .map(|i| format!("Input: {} (SHA-256 {})", i.path, i.sha256)),
    );
    items.push(format!("Re-create this report with: {}", r.command));
    blocks.push(Block::List(items));
    blocks
}

/// A randomisation-inference p-value with its precision: "(exact)" when every
/// allocation was enumerated, the Monte Carlo standard error when sampled.
fn randomisation_p(r: &RiResult) -> String {
    if let Some(bound) = r.below_resolution() {
        return format!(
            "< {} (none of {} re-draws as extreme)",
            significant(bound, 2),
            r.allocations
        );
    }
    match r.monte_carlo_se {
        Some(se) => format!("{} (MC SE {})", p_value(r.p_value), significant(se, 2)),
        None => format!("{} (exact)", p_value(r.p_value)),
    }
}

fn randomisation_blocks(ri: &RiSummary, blocks: &mut Vec<Block>) {
    blocks.push(Block::Heading("Randomisation inference".into()));
    blocks.push(Block::Paragraph(ri.explanation.clone()));
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
        "Test: sharp null of no effect for any unit; {} p-value; at least as extreme means |T| ≥ |T observed| for two-sided tests (ri2's convention; ties within 1e-10 relative count)",
        serde_label(&ri.alternative)
    ));
    items.push(format!(
        "Re-draws: stream {} from allocation seed {}, re-draw k keyed by SHA-256(\"{}\" ‖ seed ‖ k)",
        ri.stream, ri.seed, ri.stream
    ));
    blocks.push(Block::List(items));
}

fn count_u64(n: u64) -> String {
    count(usize::try_from(n).unwrap_or(usize::MAX))
}

fn findings_table(model: &ReportModel) -> Table {
    let value = |row: &FindingRow, x: f64| match row.outcome_type {
        OutcomeType::Binary => percent(x, 3),
        OutcomeType::Continuous => significant(x, 4),
    };
    let rows = model
        .findings
        .iter()
        .map(|row| {
            let difference = match row.outcome_type {
                OutcomeType::Binary => format!(
                    "{} points ({})",
                    significant(100.0 * row.difference, 3),
                    interval(100.0 * row.conf_low, 100.0 * row.conf_high, 3)
                ),
                OutcomeType::Continuous => {
                    format!(
                        "{} ({})",
                        significant(row.difference, 3),
                        interval(row.conf_low, row.conf_high, 3)
                    )
                }
            };
            vec![
                format!("{} ({})", row.outcome, serde_label(&row.role)),
                row.contrast.clone(),
                row.without.map_or("—".into(), |w| value(row, w)),
                value(row, row.with),
                difference,
                row.risk_ratio.as_ref().map_or("—".into(), |r| {
                    format!(
                        "{} ({})",
                        significant(r.estimate, 3),
                        interval(r.conf_low, r.conf_high, 3)
                    )
                }),
                row.groups
                    .iter()
                    .zip(&row.n)
                    .map(|(g, n)| format!("{g} {}", count(*n)))
                    .collect::<Vec<_>>()
                    .join(", "),
                {
                    let analytic = row.p_adjusted.map_or_else(
                        || p_value(row.p_value),
                        |p| format!("{} (adjusted {})", p_value(row.p_value), p_value(p)),
                    );
                    match row.p_randomisation {
                        Some(p) => format!("{analytic}; randomisation {}", p_value(p)),
                        None => analytic,
                    }
                },
            ]
        })
        .collect();
    Table {
        caption: format!(
            "Effects with {} confidence intervals",
            model
                .findings
                .first()
                .map_or("95%".into(), |r| percent(r.conf_level, 3))
        ),
        header: vec![
            "Outcome".into(),
            "Contrast".into(),
            "Without".into(),
            "With".into(),
            "Difference (CI)".into(),
            "Relative effect (CI)".into(),
            "n".into(),
            "p".into(),
        ],
        rows,
    }
}

/// The snake_case label serde gives an enum value, with underscores as spaces.
fn serde_label<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_default()
}

/// Blocks of a table shown in the report; the manifest lists them all.
const MAX_BLOCK_ROWS: usize = 40;

fn assignment_blocks(a: &AssignmentReport, charts: &[Chart], blocks: &mut Vec<Block>) {
    blocks.push(Block::Heading("Assignment".into()));
    let mut items = vec![
        format!("Method: {}", a.method_label),
        format!(
            "Seed: {} ({})",
            a.seed,
            if a.seed_source == "spec" {
                "declared in the spec"
            } else {
                "drawn from the operating system and recorded"
            }
        ),
        format!(
            "Procedure: {} (documented in src/assign/rng.rs)",
            a.procedure
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
    items.push(format!("Manifest SHA-256: {}", a.manifest_sha256));
    items.push(format!("assignments.csv SHA-256: {}", a.assignments_sha256));
    items.push(format!("Units file SHA-256: {}", a.units_sha256));
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
                    count(arm.units as usize),
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
                    row.extend(b.units.iter().map(|u| count(*u as usize)));
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
                    vec![
                        r.covariate.clone(),
                        format!("{} vs {}", r.arm, r.control),
                        significant(r.mean_control, 4),
                        significant(r.mean_treatment, 4),
                        significant(r.smd, 2),
                        significant(r.variance_ratio, 3),
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
            rows: answer.rows().into_iter().map(|(l, v)| vec![l, v]).collect(),
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
    if let Some(sim) = &plan.simulation {
        blocks.push(Block::Heading("Simulated design diagnosis".into()));
        blocks.push(Block::Paragraph(format!("Simulated: {}.", sim.model)));
        let d = &sim.diagnosis;
        let row = |name: &str, value: Option<crate::power::simulate::Diagnosand>| {
            vec![
                name.to_string(),
                value
                    .map(|v| significant(v.value, 4))
                    .unwrap_or_else(|| "not defined".into()),
                value.map(|v| significant(v.mc_se, 2)).unwrap_or_default(),
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
