//! Evidence synthesis (`evident synthesise REPORT.json...`): a meta-analysis of one
//! outcome across studies' report.json files, and what it says for Nesta levels 4
//! and 5. Goes in: report paths, an outcome, a method; comes out: a
//! [`SynthesisOutput`] (each study's estimate and weight, the pooled estimate, τ², I²,
//! Q, the prediction interval, the Nesta criteria with their rules), rendered by
//! [`render`] to synthesis.json, synthesis.md, synthesis.html and forest.svg.
//!
//! The math is in [`meta`] (checked against metafor); [`studies`] reads the reports;
//! this module checks that the studies can be pooled (same measure, same direction of
//! benefit, at least two) and applies the criteria.
//!
//! # Nesta levels 4 and 5 (evidence-rules.md), as read from the studies
//! | level | criterion | rule |
//! |---|---|---|
//! | 4 | `replications` | at least 2 studies graded level 3 or above (a comparison group whose checks pass), from different input data (their input files' SHA-256 differ) |
//! | 4 | `consistent` | the pooled effect lies in the beneficial direction with its CI excluding no effect, and no study's CI excludes no effect on the harmful side |
//! | 4 | `cost_data` | at least one study's grade has its cost-data criterion met |
//! | 5 | `several_sites` | positive results (beneficial, CI excluding no effect) in at least 2 studies, or a study whose grade has its several-sites criterion met |
//! | 5 | `manualised` | at least one study's grade declares manualised delivery |
//!
//! The synthesis supports level 5 when every criterion is met, level 4 when those of
//! level 4 are, and otherwise the level of the best study alone.

pub mod meta;
pub mod render;
pub mod studies;

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use meta::{MetaAnalysis, MetaError, Method, meta_analyse};
pub use studies::{Study, read_study};

use crate::report::format::{EffectText, Scale, p_phrase, percent, significant};
use crate::spec::OutcomeType;

/// Why a synthesis is refused.
#[derive(Debug, thiserror::Error)]
pub enum SynthesisError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}:{column}: not JSON: {message}", path.display())]
    NotJson {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{}: not a report this engine reads: {found} (it reads report.json of report schema {})", path.display(), crate::report::REPORT_SCHEMA_VERSION)]
    NotAReport { path: PathBuf, found: String },
    #[error("{}: the report has no analysis (a protocol or plan report)", path.display())]
    NoAnalysis { path: PathBuf },
    #[error("{}: no outcome `{outcome}` in the report (it has: {available})", path.display())]
    OutcomeMissing {
        path: PathBuf,
        outcome: String,
        available: String,
    },
    #[error("{}: outcome `{outcome}` has no comparison with a standard error to pool", path.display())]
    NoStandardError { path: PathBuf, outcome: String },
    #[error("{}: outcome `{outcome}` has the standard error {value}; pooling needs a finite standard error above 0", path.display())]
    BadStandardError {
        path: PathBuf,
        outcome: String,
        value: f64,
    },
    #[error("a synthesis needs at least two studies; one report given ({})", path.display())]
    OneStudy { path: PathBuf },
    #[error(
        "the studies measure different things: {} measures `{first_outcome}` as {first}, {} measures `{outcome}` as {measure}",
        first_path.display(),
        path.display()
    )]
    DifferentMeasures {
        first_path: PathBuf,
        first_outcome: String,
        first: String,
        path: PathBuf,
        outcome: String,
        measure: String,
    },
    #[error(
        "the studies disagree on which direction is better: {} says {first} is better, {} says {better}",
        first_path.display(),
        path.display()
    )]
    DifferentDirection {
        first_path: PathBuf,
        first: String,
        path: PathBuf,
        better: String,
    },
    #[error("--level {0}: a confidence level is between 0 and 1 (e.g. 0.95)")]
    Level(f64),
    #[error(transparent)]
    Meta(#[from] MetaError),
}

impl SynthesisError {
    /// A next step for the user.
    pub fn hint(&self) -> String {
        match self {
            SynthesisError::Read { .. } | SynthesisError::NotJson { .. } => {
                "give the report.json files the studies' `evident run` wrote".into()
            }
            SynthesisError::NotAReport { .. } => {
                "re-run each study with this engine version (`evident run SPEC`) and give its report.json".into()
            }
            SynthesisError::NoAnalysis { .. } => {
                "synthesise results reports (report.json), written once a study's outcome data were analysed".into()
            }
            SynthesisError::OutcomeMissing { .. } => {
                "name the outcome each report shares with --outcome (its name or label)".into()
            }
            SynthesisError::NoStandardError { .. } | SynthesisError::BadStandardError { .. } => {
                "only outcomes analysed by a comparison of groups (estimate and standard error) can be pooled".into()
            }
            SynthesisError::OneStudy { .. } => {
                "give two or more reports of the same intervention and outcome".into()
            }
            SynthesisError::DifferentMeasures { .. } | SynthesisError::DifferentDirection { .. } => {
                "pool only studies that measure the outcome the same way (same type and unit, same direction of benefit)".into()
            }
            SynthesisError::Level(_) => "e.g. --level 0.95".into(),
            SynthesisError::Meta(_) => "check the studies' estimates and standard errors".into(),
        }
    }
}

/// The outcome pooled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PooledOutcome {
    /// The outcome's name and label in the first report.
    pub name: String,
    pub label: String,
    /// `binary` or `continuous`.
    pub outcome_type: OutcomeType,
    pub unit: Option<String>,
    /// `higher` or `lower`.
    pub better: String,
    /// What the effect measures, e.g. "a difference in proportions".
    pub measure: String,
}

/// One study in the synthesis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StudyRow {
    /// The report's title.
    pub study: String,
    /// The report file, as given.
    pub path: String,
    pub design: String,
    pub estimator: String,
    pub contrast: String,
    pub estimate: f64,
    pub std_error: f64,
    /// The study's own interval, as its report gives it.
    pub conf_low: f64,
    pub conf_high: f64,
    pub conf_level: f64,
    pub p_value: f64,
    pub n: u64,
    /// Share of the total weight in the pooled estimate (0–1).
    pub weight: f64,
    /// The study's Nesta level.
    pub nesta_level: u64,
    /// Beneficial, with the interval excluding no effect.
    pub positive: bool,
}

/// One Nesta criterion as the synthesis applies it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SynthesisCriterion {
    pub level: u8,
    pub id: String,
    pub title: String,
    /// `met` or `not_met`.
    pub status: String,
    pub observed: String,
    pub rule: String,
}

/// The Nesta reading of the synthesis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SynthesisGrade {
    pub framework: String,
    /// The level the synthesis supports (see the module notes).
    pub level: u64,
    pub criteria: Vec<SynthesisCriterion>,
    pub summary: String,
}

/// `evident synthesise ... --json` and synthesis.json (result schema).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SynthesisOutput {
    pub schema_version: u32,
    /// "synthesise".
    pub command: String,
    pub outcome: PooledOutcome,
    /// `reml`, `dl` or `fe`, and in words.
    pub method: Method,
    pub method_label: String,
    pub studies: Vec<StudyRow>,
    pub meta: MetaAnalysis,
    /// The pooled estimate and the prediction interval in one sentence.
    pub in_words: String,
    pub nesta: SynthesisGrade,
}

/// What `evident synthesise` was asked to do.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthesisOptions {
    pub outcome: Option<String>,
    pub method: Method,
    pub conf_level: f64,
}

/// Reads the reports, checks they can be pooled, pools them and reads the criteria.
///
/// # Errors
/// [`SynthesisError`]: an unreadable or unknown report, a missing outcome, one study
/// only, studies measuring different things, a failed meta-analysis.
pub fn synthesise(
    paths: &[PathBuf],
    options: &SynthesisOptions,
) -> Result<SynthesisOutput, SynthesisError> {
    if !(options.conf_level > 0.0 && options.conf_level < 1.0) {
        return Err(SynthesisError::Level(options.conf_level));
    }
    let first_path = paths.first().cloned().unwrap_or_default();
    let first = read_study(&first_path, options.outcome.as_deref())?;
    // Without --outcome, every report must carry the first report's primary outcome.
    let name = options
        .outcome
        .clone()
        .unwrap_or_else(|| first.outcome.clone());
    let mut studies = vec![first];
    for path in &paths[1..] {
        studies.push(read_study(path, Some(&name))?);
    }
    if studies.len() < 2 {
        return Err(SynthesisError::OneStudy { path: first_path });
    }
    if let Some(bad) = studies
        .iter()
        .find(|s| !(s.std_error.is_finite() && s.std_error > 0.0))
    {
        return Err(SynthesisError::BadStandardError {
            path: bad.path.clone(),
            outcome: bad.outcome.clone(),
            value: bad.std_error,
        });
    }
    let first = &studies[0];
    for study in &studies[1..] {
        if study.measure() != first.measure() {
            return Err(SynthesisError::DifferentMeasures {
                first_path: first.path.clone(),
                first_outcome: first.outcome.clone(),
                first: first.measure(),
                path: study.path.clone(),
                outcome: study.outcome.clone(),
                measure: study.measure(),
            });
        }
        if study.better != first.better {
            return Err(SynthesisError::DifferentDirection {
                first_path: first.path.clone(),
                first: first.better.clone(),
                path: study.path.clone(),
                better: study.better.clone(),
            });
        }
    }
    let estimates: Vec<f64> = studies.iter().map(|s| s.estimate).collect();
    let variances: Vec<f64> = studies.iter().map(|s| s.std_error * s.std_error).collect();
    let meta = meta_analyse(&estimates, &variances, options.method, options.conf_level)?;
    let rows = studies
        .iter()
        .zip(&meta.weights)
        .map(|(s, &weight)| StudyRow {
            study: s.title.clone(),
            path: s.path.display().to_string(),
            design: s.design.clone(),
            estimator: s.estimator.clone(),
            contrast: s.contrast.clone(),
            estimate: s.estimate,
            std_error: s.std_error,
            conf_low: s.conf_low,
            conf_high: s.conf_high,
            conf_level: s.conf_level,
            p_value: s.p_value,
            n: s.n,
            weight,
            nesta_level: s.nesta_level,
            positive: s.positive(),
        })
        .collect();
    let first = &studies[0];
    let scale = Scale::of_outcome(first.outcome_type, first.unit.as_deref());
    let in_words = in_words(&meta, scale, first);
    let nesta = grade(&studies, &meta, scale);
    Ok(SynthesisOutput {
        schema_version: crate::stats::tidy::RESULT_SCHEMA_VERSION,
        command: "synthesise".into(),
        outcome: PooledOutcome {
            name: first.outcome.clone(),
            label: first.label.clone(),
            outcome_type: first.outcome_type,
            unit: first.unit.clone(),
            better: first.better.clone(),
            measure: first.measure(),
        },
        method: options.method,
        method_label: options.method.label().into(),
        studies: rows,
        meta,
        in_words,
        nesta,
    })
}

/// "Pooled over 3 studies (REML): 7.1 percentage points (95% CI 3.2 to 11.0), p < 0.001;
/// τ² …, I² 41%; a new study's effect would lie between … (95% prediction interval)."
fn in_words(meta: &MetaAnalysis, scale: Scale, study: &Study) -> String {
    let shown = EffectText::new(scale, meta.estimate, meta.conf_low, meta.conf_high);
    let pi = EffectText::new(scale, meta.estimate, meta.pi_low, meta.pi_high);
    let level = percent(meta.conf_level, 3);
    let method = match meta.method {
        Method::Reml => "random effects, REML",
        Method::Dl => "random effects, DerSimonian–Laird",
        Method::Fe => "fixed effect",
    };
    let heterogeneity = match meta.method {
        Method::Fe => format!(
            "Q = {} on {} df (p {})",
            significant(meta.q, 3),
            meta.q_df,
            p_phrase(meta.q_p_value)
        ),
        _ => format!(
            "τ² = {}, I² = {}, Q = {} on {} df (p {})",
            significant(meta.tau2, 3),
            percent(meta.i2, 2),
            significant(meta.q, 3),
            meta.q_df,
            p_phrase(meta.q_p_value)
        ),
    };
    let direction = if meta.conf_low <= 0.0 && meta.conf_high >= 0.0 {
        "no clear effect"
    } else if study.beneficial_direction(meta.estimate) {
        "an improvement"
    } else {
        "a deterioration"
    };
    format!(
        "{}, pooled over {} studies ({method}): {}{} ({level} CI {}), p {}, {direction}; {heterogeneity}; the effect in a new study would lie between {} and {}{} ({level} prediction interval).",
        study.label,
        meta.k,
        shown.estimate,
        scale.difference_unit(),
        shown.range(),
        p_phrase(meta.p_value),
        pi.low,
        pi.high,
        scale.difference_unit(),
    )
}

/// Applies the Nesta level 4 and 5 criteria (module notes) to the studies.
fn grade(studies: &[Study], meta: &MetaAnalysis, scale: Scale) -> SynthesisGrade {
    let pooled = EffectText::new(scale, meta.estimate, meta.conf_low, meta.conf_high);
    let criterion = |level, id: &str, title: &str, met: bool, observed: String, rule: &str| {
        SynthesisCriterion {
            level,
            id: id.into(),
            title: title.into(),
            status: if met { "met" } else { "not_met" }.into(),
            observed,
            rule: rule.into(),
        }
    };
    let first = &studies[0];
    let level3: Vec<&Study> = studies.iter().filter(|s| s.nesta_level >= 3).collect();
    let mut data: Vec<&Vec<String>> = level3.iter().map(|s| &s.inputs).collect();
    data.sort();
    data.dedup();
    let distinct = data.len();
    let replications = level3.len() >= 2 && distinct >= 2;
    let pooled_beneficial = first.beneficial_direction(meta.estimate)
        && !(meta.conf_low <= 0.0 && meta.conf_high >= 0.0);
    let contrary: Vec<&str> = studies
        .iter()
        .filter(|s| s.contrary())
        .map(|s| s.title.as_str())
        .collect();
    let positive: Vec<&Study> = studies.iter().filter(|s| s.positive()).collect();
    let with_cost = studies
        .iter()
        .filter(|s| s.criterion("cost_data") == Some("met"))
        .count();
    let sites_declared = studies
        .iter()
        .filter(|s| s.criterion("multiple_sites") == Some("met"))
        .count();
    let manualised = studies
        .iter()
        .filter(|s| s.criterion("manualised") == Some("met"))
        .count();
    let criteria = vec![
        criterion(
            4,
            "replications",
            "Independent replications with a comparison group",
            replications,
            format!(
                "{} of {} studies graded level 3 or above, from {} distinct sets of input data",
                level3.len(),
                studies.len(),
                distinct
            ),
            "Level 4 needs at least 2 studies graded Nesta level 3 or above, from different input data (the SHA-256 of their input files differ).",
        ),
        criterion(
            4,
            "consistent",
            "The studies confirm the result",
            pooled_beneficial && contrary.is_empty(),
            format!(
                "pooled effect {}{} ({} CI {}); {}",
                pooled.estimate,
                scale.difference_unit(),
                percent(meta.conf_level, 3),
                pooled.range(),
                if contrary.is_empty() {
                    "no study shows a significant harmful effect".to_string()
                } else {
                    format!("significant harmful effect in: {}", contrary.join("; "))
                }
            ),
            "Level 4 needs the pooled effect in the beneficial direction with its confidence interval excluding no effect, and no study whose interval excludes no effect on the harmful side.",
        ),
        criterion(
            4,
            "cost_data",
            "Impact at reasonable cost",
            with_cost > 0,
            format!("{with_cost} of {} studies declare cost data", studies.len()),
            "Level 4 needs cost data: at least one study's grade has its cost-data criterion met (evidence.cost_data).",
        ),
        criterion(
            5,
            "several_sites",
            "Positive results at several sites or deliverers",
            positive.len() >= 2 || sites_declared > 0,
            format!(
                "{} of {} studies show a positive result; {sites_declared} declare several sites",
                positive.len(),
                studies.len()
            ),
            "Level 5 needs positive results (beneficial, interval excluding no effect) in at least 2 studies, or a study whose grade has its several-sites criterion met (evidence.sites).",
        ),
        criterion(
            5,
            "manualised",
            "Manuals, systems and procedures for consistent replication",
            manualised > 0,
            format!(
                "{manualised} of {} studies declare manualised delivery",
                studies.len()
            ),
            "Level 5 needs manualised delivery declared in at least one study's grade (evidence.manualised).",
        ),
    ];
    let met = |level: u8| {
        criteria
            .iter()
            .filter(|c| c.level <= level)
            .all(|c| c.status == "met")
    };
    let best = studies.iter().map(|s| s.nesta_level).max().unwrap_or(0);
    let level = if met(5) {
        5
    } else if met(4) {
        4
    } else {
        best
    };
    let missing: Vec<&str> = criteria
        .iter()
        .filter(|c| c.status != "met" && u64::from(c.level) == (level + 1).max(4))
        .map(|c| c.title.as_str())
        .collect();
    let summary = match level {
        5 => "The synthesis supports Nesta level 5 of 5.".to_string(),
        4 => format!(
            "The synthesis supports Nesta level 4 of 5; level 5 also needs: {}.",
            missing.join("; ").to_lowercase()
        ),
        _ => format!(
            "The synthesis does not reach Nesta level 4, which also needs: {}; the best single study is at level {level}.",
            missing.join("; ").to_lowercase()
        ),
    };
    SynthesisGrade {
        framework: "Nesta Standards of Evidence (Puttick and Ludlow 2013), levels 4 and 5 read across studies".into(),
        level,
        criteria,
        summary,
    }
}
