//! The secondary ratings block: the Maryland Scientific Methods Scale and EEF-style
//! padlocks beside the Nesta level, each with the rule that gave it and its figures.
//! The ratings are computed in `evidence`; this only lays them out.

use super::document::{Block, Table};
use crate::evidence::{Grade, ThreatLevel};

/// Blocks for the secondary ratings, placed after the Nesta criteria.
pub(super) fn ratings_blocks(grade: &Grade) -> Vec<Block> {
    let sms = &grade.sms;
    let locks = &grade.padlocks;
    let sms_figures = if sms.figures.is_empty() {
        String::new()
    } else {
        format!(" Read from: {}.", sms.figures.join("; "))
    };
    let sms_open = if sms.not_assessed.is_empty() {
        String::new()
    } else {
        format!(" Not assessed: {}.", sms.not_assessed.join("; "))
    };
    let sms_level = if !locks.rated && sms.level > 0 {
        format!("at most {} of 5", sms.level)
    } else if sms.level == 0 {
        "below 1 of 5".to_string()
    } else {
        format!("{} of 5", sms.level)
    };
    let threats: Vec<String> = locks
        .threats
        .iter()
        .map(|t| {
            let level = match t.level {
                ThreatLevel::Low => "low",
                ThreatLevel::Moderate => "moderate",
                ThreatLevel::High => "high",
            };
            format!("{}: {level}, {}", t.threat, t.why)
        })
        .collect();
    vec![
        Block::Heading("Secondary ratings".into()),
        Block::Paragraph(format!(
            "Beside the Nesta level ({} of 5), two scales that carry numbers rate the same study. They judge different things, so they need not agree.",
            grade.level
        )),
        Block::Table(Table {
            caption: "Secondary ratings and the rule that gave each".into(),
            header: vec!["Scale".into(), "Rating".into(), "Rule applied".into()],
            rows: vec![
                vec![
                    sms.framework.into(),
                    sms_level,
                    format!("{}.{sms_figures}{sms_open}", sms.rule.trim_end_matches('.')),
                ],
                vec![
                    locks.framework.into(),
                    if locks.rated {
                        format!("{} of 5 padlocks", locks.padlocks)
                    } else {
                        format!("not yet rated (the design allows {} of 5)", locks.design)
                    },
                    format!(
                        "{} Threats: {}. Not assessed by the engine: {}.",
                        locks.rule,
                        threats.join("; "),
                        locks.not_assessed.join(", ")
                    ),
                ],
            ],
        }),
    ]
}
