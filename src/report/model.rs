//! The report model: everything the report says, gathered from the stage results
//! into one serde structure. Renderers (JSON, Markdown, HTML) format this model and
//! compute nothing, so the three formats carry the same facts in the same order.

use serde::Serialize;

use crate::analysis::Analysis;
use crate::assign::AssignmentReport;
use crate::evidence::{CertaintyRating, Grade};
use crate::spec::{Arm, Direction, OutcomeRole, OutcomeType, Plan, Statement, sha256_hex};

/// Version of the report.json layout; bumped on any incompatible change.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ReportModel {
    pub schema_version: u32,
    pub engine: EngineInfo,
    pub title: String,
    pub description: Option<String>,
    /// The finding in words: what was tested, what happened, how sure we are.
    pub headline: String,
    /// The strength of the design and the finding, as separate statements.
    pub evidence_statement: String,
    pub statement: Statement,
    pub design: DesignSummary,
    /// GRADE-style summary of findings, one row per outcome comparison.
    pub findings: Vec<FindingRow>,
    pub grade: Grade,
    /// The plan stage: power, sample size, MDES and simulation diagnosis (when the
    /// spec declares design.power).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<crate::power::plan::PlanResult>,
    pub analysis: Option<Analysis>,
    /// The allocation (assign stage): method, seed, manifest hash, counts, balance.
    pub assignment: Option<AssignmentReport>,
    /// The protocol stage (protocol and plan reports): the level of evidence the
    /// design can reach if the study succeeds, and what each criterion will need.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<crate::lifecycle::Protocol>,
    /// The plan's assumptions set against the analysed data (specs with design.power).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planned_vs_achieved: Option<crate::lifecycle::PlannedVsAchieved>,
    /// Synthetic control: the fit, the gaps and the placebo runs (report/synth.rs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub synthetic_control: Option<crate::designs::synth::SynthResult>,
    /// The spec checked against its plan lock (`evidence.lock`): when it was locked
    /// and every deviation from it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lock: Option<crate::governance::lock::LockCheck>,
    pub warnings: Vec<String>,
    pub limitations: Vec<String>,
    /// Statistical disclosure control of the published formats: whether it applied
    /// and which counts were withheld (this file keeps every count exact).
    pub disclosure: super::disclosure::Disclosure,
    pub reproducibility: Reproducibility,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct EngineInfo {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DesignSummary {
    pub kind: crate::spec::DesignKind,
    pub label: &'static str,
    pub arms: Vec<Arm>,
    pub control: Option<String>,
    pub cluster: Option<String>,
    pub estimators: Vec<String>,
    pub alpha: Option<f64>,
    pub multiple_comparisons: Option<String>,
}

/// One row of the summary of findings.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FindingRow {
    pub outcome: String,
    pub role: OutcomeRole,
    pub outcome_type: OutcomeType,
    pub contrast: String,
    /// Outcome without the intervention (control, or before).
    pub without: Option<f64>,
    /// Outcome with the intervention (treatment, or after); `None` where the design's
    /// effect is not a difference of two levels (a time series' level change, a
    /// discontinuity's jump, a roll-out's overall effect).
    pub with: Option<f64>,
    pub difference: f64,
    pub conf_low: f64,
    pub conf_high: f64,
    pub conf_level: f64,
    pub p_value: f64,
    pub p_adjusted: Option<f64>,
    /// Randomisation-inference p-value (designs allocated by the assign stage).
    pub p_randomisation: Option<f64>,
    pub risk_ratio: Option<crate::analysis::RatioEstimate>,
    pub odds_ratio: Option<crate::analysis::RatioEstimate>,
    /// n per group compared, in the order of `groups`.
    pub n: Vec<usize>,
    pub groups: Vec<String>,
    /// Whether the effect lies in the beneficial direction.
    pub beneficial: bool,
    /// Which direction of the outcome is better.
    pub better: Direction,
    pub unit: Option<String>,
    /// The outcome's standard deviation (the scale of the MDES and of the
    /// certainty rule's width test).
    pub outcome_sd: f64,
    /// Clusters analysed per group, in the order of `groups` (cluster trials, for
    /// the outcome the flow of units counts).
    pub clusters: Option<Vec<usize>>,
    /// What was analysed, in the design's own terms ("60 periods: 36 before, 24
    /// after"), for designs that are not arm comparisons.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analysed: Option<String>,
    /// The difference in words and numbers, as the report shows it.
    pub in_words: String,
    /// GRADE-style certainty of this finding and why.
    pub certainty: CertaintyRating,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Reproducibility {
    pub engine_version: &'static str,
    pub spec: String,
    pub spec_sha256: String,
    pub inputs: Vec<InputFile>,
    pub command: String,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct InputFile {
    /// Path relative to the spec file's directory.
    pub path: String,
    pub sha256: String,
}

/// Builds the model from the stage results. `inputs` are the data files read, as
/// (path relative to the spec, bytes) pairs.
pub fn build(
    plan: &Plan,
    analysis: Option<Analysis>,
    grade: Grade,
    warnings: Vec<String>,
    inputs: Vec<(String, Vec<u8>)>,
    assignment: Option<AssignmentReport>,
) -> ReportModel {
    let findings: Vec<FindingRow> = analysis
        .as_ref()
        .map(|a| super::findings::rows(plan, a, &grade))
        .unwrap_or_default();
    let evidence_statement = super::words::design_and_finding(&grade, findings.first());
    let headline = super::findings::headline(
        plan,
        analysis.as_ref(),
        findings.first(),
        &evidence_statement,
    );
    let (arms, control) = match plan.design.arms() {
        Some((arms, control)) => (arms.to_vec(), Some(arms[control].name.clone())),
        None => (Vec::new(), None),
    };
    let cluster = match &plan.design {
        crate::spec::Design::ClusterRct { cluster, .. } => Some(cluster.clone()),
        _ => None,
    };
    let analysis_plan = plan.analysis.as_ref();
    let design = DesignSummary {
        kind: plan.design.kind(),
        label: plan.design.kind().label(),
        arms,
        control,
        cluster,
        estimators: analysis_plan
            .map(|a| a.estimators.iter().map(|e| e.label().to_string()).collect())
            .unwrap_or_default(),
        alpha: analysis_plan.map(|a| a.alpha),
        multiple_comparisons: analysis_plan.map(|a| {
            serde_json::to_value(a.adjust)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        }),
    };
    let limitations = limitations(plan, analysis.as_ref());
    // Data warnings of the analyse stage (precision) join the spec's warnings.
    let mut warnings = warnings;
    warnings.extend(
        analysis
            .iter()
            .flat_map(|a| a.warnings.iter().map(|w| w.message.clone())),
    );
    ReportModel {
        schema_version: REPORT_SCHEMA_VERSION,
        engine: EngineInfo {
            name: "evident",
            version: env!("CARGO_PKG_VERSION"),
        },
        title: plan.title.clone(),
        description: plan.description.clone(),
        headline,
        evidence_statement,
        statement: plan.statement.clone(),
        design,
        findings,
        grade,
        plan: None,
        analysis,
        assignment,
        protocol: None,
        planned_vs_achieved: None,
        lock: plan.lock.clone(),
        synthetic_control: None,
        warnings,
        limitations,
        disclosure: super::disclosure::Disclosure::none(),
        reproducibility: Reproducibility {
            engine_version: env!("CARGO_PKG_VERSION"),
            spec: plan.source.spec_path.clone(),
            spec_sha256: plan.source.spec_sha256.clone(),
            inputs: inputs
                .into_iter()
                .map(|(path, bytes)| InputFile {
                    sha256: sha256_hex(&bytes),
                    path,
                })
                .collect(),
            command: format!("evident run {}", plan.source.spec_path),
        },
    }
}

fn limitations(plan: &Plan, analysis: Option<&Analysis>) -> Vec<String> {
    let mut out = Vec::new();
    let kind = plan.design.kind();
    if kind == crate::spec::DesignKind::RegressionDiscontinuity {
        out.push("A regression discontinuity estimates the effect for units near the cut-off only; it says nothing directly about units far from it.".into());
    }
    if kind == crate::spec::DesignKind::StaggeredRollout {
        out.push(super::staggered::LIMITATION.into());
    } else if !kind.has_comparison_group()
        && kind != crate::spec::DesignKind::RegressionDiscontinuity
        && kind != crate::spec::DesignKind::SyntheticControl
    {
        out.push(
            "There is no comparison group: the change observed may have happened without the intervention (trends, seasonality, regression to the mean)."
                .into(),
        );
    }
    if kind == crate::spec::DesignKind::MatchedComparison {
        out.push("Matching balances observed characteristics only; unobserved differences between the groups may remain.".into());
    }
    if let Some(analysis) = analysis {
        let dropped: usize = analysis.outcomes.iter().map(|o| o.excluded_missing).sum();
        if dropped > 0 {
            out.push(format!(
                "{} outcome values were missing and their rows dropped (listwise deletion); results assume they are missing at random.",
                dropped
            ));
        }
        if analysis.outcomes.len() > 1 {
            out.push("Secondary outcomes are supporting evidence; p-values are adjusted across outcomes.".into());
        }
    }
    match &plan.lock {
        None if plan.evidence.preregistration.is_none() => out.push(
            "No pre-registered analysis plan is declared, so selective reporting cannot be ruled out.".into(),
        ),
        None => out.push(
            "The registered analysis plan is not locked (evidence.lock), so the analysis cannot be checked against it.".into(),
        ),
        Some(check) if check.seriously_deviated() => out.push(format!(
            "The analysis departs from the plan locked at {}: {}.",
            check.locked_at,
            check
                .deviations
                .iter()
                .filter(|d| d.serious)
                .map(|d| d.words.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        )),
        Some(_) => {}
    }
    out
}
