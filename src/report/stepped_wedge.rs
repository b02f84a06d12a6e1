//! The stepped-wedge section of the report: how the trial's clusters crossed over
//! period by period (clusters and observations in each condition, and the primary
//! outcome's mean in each), and the model the effect comes from, so a reader sees the
//! staircase the design is named after and why the raw means are not the effect.

use super::disclosure::key;
use super::document::{Block, Table};
use super::format::{count, significant};
use super::model::ReportModel;

/// The section's blocks (none without a stepped-wedge analysis).
pub(super) fn blocks(model: &ReportModel, blocks: &mut Vec<Block>) {
    let Some(analysis) = model.analysis.as_ref() else {
        return;
    };
    let Some(sw) = analysis.stepped_wedge.as_ref() else {
        return;
    };
    let label = analysis
        .outcomes
        .first()
        .map_or_else(String::new, |o| o.label.clone());
    blocks.push(Block::Heading("Stepped-wedge roll-out".into()));
    blocks.push(Block::Paragraph(format!(
        "{} clusters crossed from control to the intervention in {} steps after the all-control period {} (each observation's treatment from {}). The effect is estimated by regressing the outcome on the treatment with cluster and period fixed effects and CR2 standard errors clustered by cluster ({} clusters analysed): each cluster is compared with itself before it crossed over, net of the change over time that the clusters not yet crossed over measure. The means below mix periods, so they are not the effect.",
        count(sw.clusters_allocated.unwrap_or(sw.clusters_analysed)),
        count(sw.steps),
        sw.first_period,
        sw.treatment_source,
        count(sw.clusters_analysed),
    )));
    if !sw.clusters_incomplete.is_empty() {
        blocks.push(Block::Paragraph(format!(
            "Clusters without observations in some period: {}.",
            sw.clusters_incomplete.join(", ")
        )));
    }
    let mean = |m: Option<f64>| m.map_or_else(|| "—".to_string(), |v| significant(v, 3));
    blocks.push(Block::Table(Table {
        caption: format!("{label}: clusters, observations and mean by period and condition"),
        header: vec![
            "Period".into(),
            "Clusters in control".into(),
            "Clusters with the intervention".into(),
            "Observations (control, intervention)".into(),
            "Mean in control".into(),
            "Mean with the intervention".into(),
        ],
        rows: sw
            .periods
            .iter()
            .map(|p| {
                let sdc = &model.disclosure;
                let control = key::period(&p.period.to_string(), "control");
                let intervention = key::period(&p.period.to_string(), "intervention");
                vec![
                    p.period.to_string(),
                    count(p.clusters_control),
                    count(p.clusters_intervention),
                    format!(
                        "{}, {}",
                        sdc.count(&control, p.n_control),
                        sdc.count(&intervention, p.n_intervention)
                    ),
                    sdc.derived(&control, mean(p.mean_control)),
                    sdc.derived(&intervention, mean(p.mean_intervention)),
                ]
            })
            .collect(),
    }));
}
