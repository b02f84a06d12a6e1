//! Reads the studies of a synthesis from their report.json files: for one outcome, the
//! effect estimate and its standard error (the comparison the study's grade rests on),
//! what the effect measures, and what the study's grade says about replication, cost,
//! sites and manuals. Refuses a report of an unknown schema version, one without an
//! analysis, and one that lacks the outcome.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::SynthesisError;
use crate::spec::OutcomeType;

/// One study as the synthesis sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Study {
    pub path: PathBuf,
    pub title: String,
    pub design: String,
    /// The outcome as the report names it, and its label.
    pub outcome: String,
    pub label: String,
    pub outcome_type: OutcomeType,
    pub unit: Option<String>,
    /// "higher" or "lower".
    pub better: String,
    pub estimator: String,
    pub contrast: String,
    pub estimate: f64,
    pub std_error: f64,
    pub conf_low: f64,
    pub conf_high: f64,
    pub conf_level: f64,
    pub p_value: f64,
    /// Units analysed in the comparison.
    pub n: u64,
    /// The study's Nesta level and the status of its criteria by id.
    pub nesta_level: u64,
    pub criteria: Vec<(String, String)>,
    /// SHA-256 of the study's input files, sorted (tells copies of one study apart
    /// from independent ones).
    pub inputs: Vec<String>,
}

impl Study {
    /// What the effect measures: "difference in proportions" or "difference in means
    /// (unit)". Studies are pooled only when these agree.
    pub fn measure(&self) -> String {
        match (self.outcome_type, &self.unit) {
            (OutcomeType::Binary, _) => "a difference in proportions".into(),
            (OutcomeType::Continuous, Some(unit)) => format!("a difference in means ({unit})"),
            (OutcomeType::Continuous, None) => "a difference in means (no unit declared)".into(),
        }
    }

    /// Whether the study's own result is beneficial and significant at its level.
    pub fn positive(&self) -> bool {
        self.beneficial_direction(self.estimate) && !self.interval_covers_zero()
    }

    /// Whether the study's interval excludes zero on the harmful side.
    pub fn contrary(&self) -> bool {
        !self.beneficial_direction(self.estimate) && !self.interval_covers_zero()
    }

    pub fn beneficial_direction(&self, x: f64) -> bool {
        if self.better == "lower" {
            x < 0.0
        } else {
            x > 0.0
        }
    }

    fn interval_covers_zero(&self) -> bool {
        self.conf_low <= 0.0 && self.conf_high >= 0.0
    }

    /// The status of one of the study's grade criteria ("met", "not_met", ...).
    pub fn criterion(&self, id: &str) -> Option<&str> {
        self.criteria
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, s)| s.as_str())
    }
}

/// Reads one report and the study's result for `outcome` (the report's primary
/// outcome when `None`).
///
/// # Errors
/// [`SynthesisError`] for a file that cannot be read or parsed, a schema version
/// other than report schema 1, a report without an analysis, without the outcome, or
/// without a comparison with a standard error for it.
pub fn read_study(path: &Path, outcome: Option<&str>) -> Result<Study, SynthesisError> {
    let bytes = std::fs::read(path).map_err(|source| SynthesisError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let report: Value = serde_json::from_slice(&bytes).map_err(|e| SynthesisError::NotJson {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: e
            .to_string()
            .rsplit_once(" at line ")
            .map_or_else(|| e.to_string(), |(m, _)| m.to_string()),
    })?;
    let known = u64::from(crate::report::REPORT_SCHEMA_VERSION);
    match report.get("schema_version") {
        Some(v) if v.as_u64() == Some(known) && report.get("command").is_none() => {}
        found => {
            return Err(SynthesisError::NotAReport {
                path: path.to_path_buf(),
                found: match found {
                    None => "no `schema_version`".into(),
                    Some(_) if report.get("command").is_some() => {
                        "the `--json` output of a command, not a report".into()
                    }
                    Some(v) => format!(
                        "`schema_version` {}",
                        crate::error::bounded_line(&v.to_string())
                    ),
                },
            });
        }
    }
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
    let number = |v: &Value, key: &str| v.get(key).and_then(Value::as_f64);
    let title = text(&report, "title").unwrap_or_else(|| path.display().to_string());
    let outcomes = report
        .pointer("/analysis/outcomes")
        .and_then(Value::as_array)
        .filter(|o| !o.is_empty())
        .ok_or_else(|| SynthesisError::NoAnalysis {
            path: path.to_path_buf(),
        })?;
    let found = match outcome {
        Some(name) => outcomes.iter().find(|o| {
            text(o, "outcome").as_deref() == Some(name) || text(o, "label").as_deref() == Some(name)
        }),
        None => outcomes
            .iter()
            .find(|o| text(o, "role").as_deref() == Some("primary"))
            .or(outcomes.first()),
    };
    let Some(result) = found else {
        let available: Vec<String> = outcomes.iter().filter_map(|o| text(o, "outcome")).collect();
        return Err(SynthesisError::OutcomeMissing {
            path: path.to_path_buf(),
            outcome: outcome.unwrap_or_default().to_string(),
            available: available.join(", "),
        });
    };
    let name = text(result, "outcome").unwrap_or_default();
    let graded = report
        .pointer("/grade/graded_contrast")
        .and_then(Value::as_str);
    let comparisons = result
        .get("comparisons")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let comparison = comparisons
        .iter()
        .find(|c| graded.is_some() && text(c, "contrast").as_deref() == graded)
        .or(comparisons.first());
    let estimate = comparison.and_then(|c| c.get("estimate"));
    let (Some(comparison), Some(estimate)) = (comparison, estimate) else {
        return Err(SynthesisError::NoStandardError {
            path: path.to_path_buf(),
            outcome: name,
        });
    };
    let (Some(value), Some(std_error)) =
        (number(estimate, "estimate"), number(estimate, "std_error"))
    else {
        return Err(SynthesisError::NoStandardError {
            path: path.to_path_buf(),
            outcome: name,
        });
    };
    let outcome_type = match text(result, "type").as_deref() {
        Some("binary") => OutcomeType::Binary,
        _ => OutcomeType::Continuous,
    };
    let n = comparison
        .get("groups")
        .and_then(Value::as_array)
        .map_or(0, |g| {
            g.iter()
                .filter_map(|g| g.get("n").and_then(Value::as_u64))
                .sum()
        });
    let criteria = report
        .pointer("/grade/criteria")
        .and_then(Value::as_array)
        .map(|c| {
            c.iter()
                .filter_map(|c| Some((text(c, "id")?, text(c, "status")?)))
                .collect()
        })
        .unwrap_or_default();
    let mut inputs: Vec<String> = report
        .pointer("/reproducibility/inputs")
        .and_then(Value::as_array)
        .map(|i| i.iter().filter_map(|i| text(i, "sha256")).collect())
        .unwrap_or_default();
    inputs.sort();
    Ok(Study {
        path: path.to_path_buf(),
        title,
        design: report
            .pointer("/design/label")
            .and_then(Value::as_str)
            .unwrap_or("study")
            .to_string(),
        label: text(result, "label").unwrap_or_else(|| name.clone()),
        outcome: name,
        outcome_type,
        unit: text(result, "unit"),
        better: text(result, "better").unwrap_or_else(|| "higher".into()),
        estimator: text(comparison, "estimator").unwrap_or_default(),
        contrast: text(comparison, "contrast").unwrap_or_default(),
        estimate: value,
        std_error,
        conf_low: number(estimate, "conf_low").unwrap_or(f64::NAN),
        conf_high: number(estimate, "conf_high").unwrap_or(f64::NAN),
        conf_level: number(estimate, "conf_level").unwrap_or(0.95),
        p_value: number(estimate, "p_value").unwrap_or(f64::NAN),
        n,
        nesta_level: report
            .pointer("/grade/level")
            .and_then(Value::as_u64)
            .unwrap_or(0),
        criteria,
        inputs,
    })
}
