//! Nesta level 3 of a stepped-wedge trial (evidence-rules.md: "a randomised
//! stepped-wedge roll-out grades as an RCT"). The comparison group is the clusters
//! not yet crossed over, each cluster also being its own control; with the crossover
//! order randomised (design.assignment) the design is a randomised trial. Level 3
//! needs, as for a cluster-randomised trial: a beneficial (and, by default,
//! significant) effect; low cluster attrition by the WWC boundary, the steps taking
//! the place of arms (a cluster with no analysed observation is lost; the
//! differential is between the steps' rates); and an MDES (80% power) of at most
//! `max_mdes` outcome SDs from the fit's standard error. Baseline equivalence does not
//! apply: every cluster contributes control and intervention periods and the cluster
//! fixed effects remove its level.

use super::attrition::judge;
use super::{
    Criterion, DIGITS, Facts, Headline, Status, beneficial, not_assessed, significance_rule,
};
use crate::analysis::Attrition;
use crate::analysis::stepped_wedge::SteppedWedgeAnalysis;
use crate::report::format::{count, fixed, significant};
use crate::spec::Plan;

/// The level 3 criteria; `analysis` is `None` before the outcome data are analysed.
pub(super) fn level_three(
    plan: &Plan,
    analysis: Option<&SteppedWedgeAnalysis>,
    headline: Option<&Headline>,
    facts: &mut Facts,
) -> Vec<Criterion> {
    let thresholds = &plan.evidence.thresholds;
    let randomised = plan.assignment.is_some();
    let mut out = vec![Criterion {
        level: 3,
        id: "comparison_group",
        title: "A control or comparison group",
        status: Status::Met,
        observed: if randomised {
            "the clusters not yet crossed over in each period, the crossover step of every cluster drawn by the assign stage (design.assignment)".into()
        } else {
            "the clusters not yet crossed over in each period, with the crossover order recorded in the data (analysis.treatment)".into()
        },
        rule: "Level 3 needs a control or comparison group: in a stepped-wedge trial, the clusters not yet crossed over, in a randomised order.".into(),
    }];
    let attrition_rule = format!(
        "Level 3 needs low attrition of clusters by the What Works Clearinghouse {} boundary, the steps taking the place of arms (a cluster with no analysed observation is lost), judged at one decimal; cluster attrition that cannot be measured counts as high.",
        super::boundary_name(thresholds.attrition_boundary)
    );
    let (Some(h), Some(sw)) = (headline, analysis) else {
        let why = "no outcome data are analysed yet (analysis.data)";
        out.push(not_assessed(
            3,
            "causal_effect",
            "Less impact among those who did not receive it",
            why,
            significance_rule(plan, 3),
        ));
        out.push(not_assessed(
            3,
            "attrition",
            "Low attrition",
            why,
            attrition_rule,
        ));
        out.push(not_assessed(
            3,
            "sample_size",
            "A sufficiently large sample",
            why,
            super::mdes_rule(plan),
        ));
        return out;
    };
    let (ok, observed) = beneficial(plan, h);
    out.push(Criterion {
        level: 3,
        id: "causal_effect",
        title: "Less impact among those who did not receive it",
        status: if ok { Status::Met } else { Status::NotMet },
        observed,
        rule: significance_rule(plan, 3),
    });
    let counts: Vec<(usize, usize)> = sw
        .by_step
        .iter()
        .map(|s| (s.allocated, s.analysed))
        .collect();
    let check = Attrition::of(&counts).map(|a| judge(a, thresholds.attrition_boundary));
    facts.attrition_low = Some(check.as_ref().is_some_and(|c| c.low));
    out.push(Criterion {
        level: 3,
        id: "attrition",
        title: "Low attrition",
        status: match &check {
            Some(c) if c.low => Status::Met,
            _ => Status::NotMet,
        },
        observed: match &check {
            Some(c) => format!(
                "{} of {} allocated clusters analysed{}; cluster attrition {}% overall, {} percentage points between the steps",
                count(sw.clusters_analysed),
                count(sw.clusters_allocated.unwrap_or(sw.clusters_analysed)),
                if sw.clusters_lost.is_empty() {
                    String::new()
                } else {
                    format!(" (lost: {})", sw.clusters_lost.join(", "))
                },
                fixed(c.overall_shown, 1),
                fixed(c.differential_shown, 1)
            ),
            None => "cluster attrition cannot be measured: the crossover periods were not allocated by the assign stage (declare design.assignment)".into(),
        },
        rule: attrition_rule,
    });
    // Clusters are what a stepped wedge loses: they stand for both attrition facts.
    facts.attrition = check.clone();
    facts.cluster_attrition = check;
    facts.balance = Some(Status::NotApplicable);
    let mdes = super::analysed_mdes(h, thresholds.alpha);
    facts.mdes = mdes;
    out.push(Criterion {
        level: 3,
        id: "sample_size",
        title: "A sufficiently large sample",
        status: super::sample_size_status(mdes, thresholds.max_mdes),
        observed: match mdes {
            Some(m) => format!(
                "{} clusters over {} periods ({} observations) can detect effects of {} SD (SD of the outcome in control periods) with 80% power, two-sided at {}, given the standard error of the analysis",
                count(sw.clusters_analysed),
                count(sw.periods.len()),
                count(sw.fits.first().map_or(0, |f| f.nobs)),
                significant(m, DIGITS),
                significant(thresholds.alpha, DIGITS)
            ),
            None => "not assessed: no minimum detectable effect can be computed (the outcome's SD or the standard error is not estimable)".into(),
        },
        rule: super::mdes_rule(plan),
    });
    out
}
