//! Reads matched.csv, the file the match stage writes and the analysis reads:
//! `unit,treated,matched_set,weight,distance,status`, one row per unit of the pool
//! (see docs/statistics.md, "Matched comparison groups"). Read through the one
//! tabular reader (`crate::data`), so the file's errors name the line and column.

use std::path::{Path, PathBuf};

use thiserror::Error;

use super::{Estimand, MatchStatus, MatchedSample, MatchedUnit};
use crate::data::{DataError, Table};

/// The columns of matched.csv, in order.
pub const COLUMNS: [&str; 6] = [
    "unit",
    "treated",
    "matched_set",
    "weight",
    "distance",
    "status",
];

/// Problems in a matched file.
#[derive(Debug, Error)]
pub enum MatchedFileError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error("{path}:{line}: column `{column}`: `{value}` is not {expected}")]
    Invalid {
        path: PathBuf,
        line: u64,
        column: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("{path}: no unit has a positive weight, so the matched sample is empty")]
    Empty { path: PathBuf },
    #[error("{path}: the matched sample has no {group} units with a positive weight")]
    NoGroup { path: PathBuf, group: &'static str },
}

impl MatchedFileError {
    pub fn hint(&self) -> String {
        match self {
            MatchedFileError::Data(e) => e.hint(),
            MatchedFileError::Invalid { .. } => {
                "matched.csv is written by `evident match`; re-run it, or check the file made elsewhere against docs/statistics.md".into()
            }
            MatchedFileError::Empty { .. } | MatchedFileError::NoGroup { .. } => {
                "loosen the caliper or the exact-matching columns, or widen the pool; the counts by reason are in matched.csv's status column".into()
            }
        }
    }
}

/// Reads a matched file. `estimand` is the one the match stage used (the file does
/// not record it); weights without matched sets, or a control serving several
/// sets, count as matching with replacement.
pub fn read_matched_sample(
    path: &Path,
    estimand: Estimand,
) -> Result<MatchedSample, MatchedFileError> {
    let table = Table::read(path)?;
    let ids = table.identifiers("unit")?;
    let treated = table.numeric("treated")?;
    let sets = table.numeric("matched_set")?;
    let weights = table.numeric("weight")?;
    let distances = table.numeric("distance")?;
    let statuses = table.categorical("status")?;
    let invalid = |row: usize, column: &'static str, value: String, expected: &'static str| {
        MatchedFileError::Invalid {
            path: path.to_path_buf(),
            line: table.line(row),
            column,
            value,
            expected,
        }
    };
    let mut units = Vec::with_capacity(ids.len());
    for (row, unit) in ids.into_iter().enumerate() {
        let treated = match treated[row] {
            Some(1.0) => true,
            Some(0.0) => false,
            other => return Err(invalid(row, "treated", text(other), "1 or 0")),
        };
        let matched_set = match sets[row] {
            None => None,
            Some(v) if v >= 1.0 && v.fract() == 0.0 && v < 2f64.powi(53) => Some(v as u64),
            other => {
                return Err(invalid(
                    row,
                    "matched_set",
                    text(other),
                    "a positive whole number or empty",
                ));
            }
        };
        let weight = match weights[row] {
            Some(v) if v >= 0.0 && v.is_finite() => v,
            other => return Err(invalid(row, "weight", text(other), "a weight of 0 or more")),
        };
        let status_text = statuses[row].clone().unwrap_or_default();
        let Some(status) = MatchStatus::from_name(&status_text) else {
            return Err(invalid(
                row,
                "status",
                status_text,
                "one of matched, unmatched, discarded_common_support, outside_caliper, no_exact_match, missing_covariate",
            ));
        };
        if (status == MatchStatus::Matched) != (weight > 0.0) {
            return Err(invalid(
                row,
                "weight",
                format!("{weight} with status {}", status.name()),
                "positive exactly when the status is matched",
            ));
        }
        units.push(MatchedUnit {
            unit,
            treated,
            matched_set,
            weight,
            distance: distances[row],
            status,
        });
    }
    let used = |treated: bool| units.iter().any(|u| u.treated == treated && u.weight > 0.0);
    if !used(true) && !used(false) {
        return Err(MatchedFileError::Empty {
            path: path.to_path_buf(),
        });
    }
    for (group, flag) in [("treated", true), ("untreated", false)] {
        if !used(flag) {
            return Err(MatchedFileError::NoGroup {
                path: path.to_path_buf(),
                group,
            });
        }
    }
    let with_replacement = units
        .iter()
        .any(|u| u.weight > 0.0 && u.matched_set.is_none());
    Ok(MatchedSample {
        units,
        method: "file".into(),
        estimand,
        with_replacement,
    })
}

fn text(value: Option<f64>) -> String {
    value
        .map(|v| v.to_string())
        .unwrap_or_else(|| "(empty)".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("matched.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn reads_pairs_and_statuses() {
        let (_dir, path) = write(
            "unit,treated,matched_set,weight,distance,status\na,1,1,1,0.5,matched\nb,0,1,1,0.25,matched\nc,0,,0,0.1,discarded_common_support\nd,1,,0,0.9,outside_caliper\n",
        );
        let m = read_matched_sample(&path, Estimand::Att).unwrap();
        assert_eq!(m.units.len(), 4);
        assert!(!m.with_replacement);
        assert!(m.has_matched_sets());
        assert_eq!(m.pairs(), Some(vec![(0, 1)]));
        assert_eq!(m.units[2].status, MatchStatus::DiscardedCommonSupport);
        assert_eq!(m.units[3].distance, Some(0.9));
    }

    #[test]
    fn refuses_a_weight_that_contradicts_the_status() {
        let (_dir, path) = write(
            "unit,treated,matched_set,weight,distance,status\na,1,1,1,,matched\nb,0,1,0,,matched\n",
        );
        let err = read_matched_sample(&path, Estimand::Att).unwrap_err();
        assert!(err.to_string().contains(":3: column `weight`"), "{err}");
    }

    #[test]
    fn refuses_a_sample_without_controls() {
        let (_dir, path) = write(
            "unit,treated,matched_set,weight,distance,status\na,1,1,1,,matched\nb,0,,0,,outside_caliper\n",
        );
        let err = read_matched_sample(&path, Estimand::Att).unwrap_err();
        assert!(err.to_string().contains("no untreated units"), "{err}");
    }
}
