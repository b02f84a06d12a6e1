//! The report's blocks for a study's life in one spec: the protocol (what level of
//! evidence the design can reach before its outcome data exist), planned against
//! achieved once they do, and why analytic and simulated power differ. Formats what
//! `crate::lifecycle` and the plan stage computed; computes nothing.

use super::document::{Block, Table};
use super::format::{count, fixed, interval, percent, significant};
use crate::lifecycle::{PlannedVsAchieved, Protocol, Quantity};
use crate::power::plan::PowerAgreement;

/// "Protocol: the evidence this design can reach".
pub(super) fn protocol_blocks(protocol: &Protocol, blocks: &mut Vec<Block>) {
    blocks.push(Block::Heading(
        "Protocol: the evidence this design can reach".into(),
    ));
    let mut text = String::new();
    if let Some(data) = &protocol.waiting_for {
        text.push_str(&format!(
            "The analysis is waiting for outcome data: {data} does not exist yet. "
        ));
    }
    text.push_str(&protocol.summary);
    text.push_str(
        " Each criterion of the Standards of Evidence below is either met by the design already, left to the results, not yet declared in the spec, or out of reach of this design as planned.",
    );
    blocks.push(Block::Paragraph(text));
    blocks.push(Block::Table(Table {
        caption: "What each criterion will need".into(),
        header: vec![
            "Level".into(),
            "Criterion".into(),
            "Before the data".into(),
            "What it will need".into(),
        ],
        rows: protocol
            .criteria
            .iter()
            .map(|c| {
                vec![
                    c.level.to_string(),
                    c.title.into(),
                    c.prospect.label().into(),
                    c.needs.clone(),
                ]
            })
            .collect(),
    }));
}

/// "Planned and achieved".
pub(super) fn planned_blocks(comparison: &PlannedVsAchieved, blocks: &mut Vec<Block>) {
    blocks.push(Block::Heading("Planned and achieved".into()));
    let mut text = format!(
        "What the power calculation assumed, set beside what the analysed data show. Both minimum detectable effects are at {} power and α = {}; the achieved one comes from the primary analysis's own standard error and degrees of freedom.",
        percent(comparison.mde_power, 2),
        significant(comparison.mde_alpha, 3)
    );
    if let Some(method) = comparison.icc_method {
        text.push_str(&format!(" The observed ICC is the {method}."));
    }
    blocks.push(Block::Paragraph(text));
    let shown = |quantity: Quantity, value: Option<f64>| {
        value.map_or("not known".to_string(), |v| match quantity {
            Quantity::Count => count(v.round() as usize),
            Quantity::Size => significant(v, 3),
            // One decimal, as attrition is shown in the flow table and the grade.
            Quantity::Share => format!("{}%", fixed(100.0 * v, 1)),
            Quantity::Correlation => significant(v, 2),
            Quantity::Sd => format!("{} SD", significant(v, 2)),
            Quantity::Proportion => format!("{} points", significant(100.0 * v, 2)),
        })
    };
    blocks.push(Block::Table(Table {
        caption: "Planned and achieved, for the primary outcome".into(),
        header: vec![
            "Quantity".into(),
            "Planned".into(),
            "Achieved".into(),
            "Note".into(),
        ],
        rows: comparison
            .rows
            .iter()
            .map(|r| {
                let achieved = match (r.achieved_conf_low, r.achieved_conf_high) {
                    (Some(low), Some(high)) => format!(
                        "{} (95% CI {})",
                        shown(r.quantity, r.achieved),
                        interval(low, high, 2)
                    ),
                    _ => shown(r.quantity, r.achieved),
                };
                vec![
                    r.label.into(),
                    shown(r.quantity, r.planned),
                    achieved,
                    r.note.clone(),
                ]
            })
            .collect(),
    }));
}

/// Analytic against simulated power, after the simulated diagnosis.
pub(super) fn agreement_blocks(agreement: &PowerAgreement, blocks: &mut Vec<Block>) {
    let verdict = if agreement.agree {
        format!(
            "The analytic power at the simulated design, {}, lies inside the simulation's 95% interval ({} to {}): the two agree within Monte Carlo error.",
            percent(agreement.analytic_power, 3),
            percent(agreement.interval_low, 3),
            percent(agreement.interval_high, 3)
        )
    } else {
        format!(
            "The analytic power at the simulated design, {}, lies outside the simulation's 95% interval ({} to {}; simulated power {}): the two disagree by more than Monte Carlo error. Why they can differ:",
            percent(agreement.analytic_power, 3),
            percent(agreement.interval_low, 3),
            percent(agreement.interval_high, 3),
            percent(agreement.simulated_power, 3)
        )
    };
    blocks.push(Block::Paragraph(verdict));
    if !agreement.agree {
        blocks.push(Block::List(agreement.reasons.clone()));
    } else if agreement.sims_failed > 0 {
        blocks.push(Block::Paragraph(format!(
            "{} simulations failed and were excluded; the simulated power is over the {} that ran.",
            count(agreement.sims_failed),
            count(agreement.sims_used)
        )));
    }
}
