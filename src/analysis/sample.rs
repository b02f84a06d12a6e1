//! The analytic sample: the analysis data joined to each unit's arm, the rows each
//! outcome can use under the missing-data policy, and the flow of units per arm
//! (allocated, with data, excluded for missing values, analysed).

use std::collections::HashMap;

use serde::Serialize;

use super::AnalysisError;
use crate::data::{DataError, Table};
use crate::spec::{AnalysisPlan, MissingPolicy, OutcomeSpec, OutcomeType, Plan, TreatmentSource};

/// The analysis data with each row's arm resolved.
pub(crate) struct AnalyticData {
    pub table: Table,
    /// Arm names in spec order (a single "participants" group when there are no arms).
    pub arm_names: Vec<String>,
    /// Each row's arm index.
    pub row_arm: Vec<usize>,
    /// Units allocated per arm, when a units file says so.
    pub allocated: Option<Vec<usize>>,
}

/// The rows one outcome is analysed on.
pub(crate) struct OutcomeRows {
    pub rows: Vec<usize>,
    pub y: Vec<f64>,
    pub baseline: Option<Vec<f64>>,
    pub arm: Vec<usize>,
    pub excluded_missing: usize,
    pub excluded_per_arm: Vec<usize>,
}

/// Flow of units through the study, per arm (CONSORT-style counts).
#[derive(Debug, Clone, Serialize)]
pub struct Flow {
    pub arms: Vec<ArmFlow>,
    /// Which outcome the analysed counts refer to (the primary).
    pub outcome: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArmFlow {
    pub arm: String,
    /// Allocated (randomised or enrolled) per the units file; `None` without one.
    pub allocated: Option<usize>,
    /// Units with a row in the analysis data.
    pub with_data: usize,
    /// Rows dropped for missing values in the primary outcome's analysis.
    pub excluded_missing: usize,
    pub analysed: usize,
}

impl ArmFlow {
    /// Share of allocated units not analysed, when allocation is known.
    pub fn attrition(&self) -> Option<f64> {
        self.allocated
            .filter(|a| *a > 0)
            .map(|a| 1.0 - self.analysed as f64 / a as f64)
    }
}

pub(crate) const SINGLE_GROUP: &str = "participants";

impl AnalyticData {
    pub fn load(plan: &Plan, analysis: &AnalysisPlan) -> Result<AnalyticData, AnalysisError> {
        let table = Table::read(&analysis.data)?;
        let ids = table.identifiers(&analysis.id)?;
        let arms = plan.design.arms();
        let arm_names: Vec<String> = match arms {
            Some((arms, _)) => arms.iter().map(|a| a.name.clone()).collect(),
            None => vec![SINGLE_GROUP.to_string()],
        };
        let units = match &plan.units {
            Some(units) => {
                let units_table = Table::read(&units.file)?;
                let unit_ids = units_table.identifiers(&units.id)?;
                let unit_arms = match (&units.arm, arms) {
                    (Some(column), Some(_)) => {
                        let values = units_table.categorical(column)?;
                        let mut resolved = Vec::with_capacity(values.len());
                        for (row, value) in values.into_iter().enumerate() {
                            resolved.push(arm_index(&arm_names, value, &units_table, row, column)?);
                        }
                        Some(resolved)
                    }
                    _ => None,
                };
                Some((units.file.clone(), unit_ids, unit_arms))
            }
            None => None,
        };
        let units_arm_of: Option<HashMap<&str, usize>> =
            units.as_ref().and_then(|(_, unit_ids, unit_arms)| {
                unit_arms.as_ref().map(|a| {
                    unit_ids
                        .iter()
                        .map(String::as_str)
                        .zip(a.iter().copied())
                        .collect()
                })
            });
        if let Some((units_file, unit_ids, _)) = &units {
            let known: std::collections::HashSet<&str> =
                unit_ids.iter().map(String::as_str).collect();
            for (row, id) in ids.iter().enumerate() {
                if !known.contains(id.as_str()) {
                    return Err(AnalysisError::NotInUnits {
                        path: table.path.clone(),
                        line: table.line(row),
                        id: id.clone(),
                        units: units_file.clone(),
                    });
                }
            }
        }
        let row_arm: Vec<usize> = match &analysis.treatment {
            None => vec![0; table.n_rows()],
            Some(TreatmentSource::DataColumn(column)) => {
                let values = table.categorical(column)?;
                let mut resolved = Vec::with_capacity(values.len());
                for (row, value) in values.into_iter().enumerate() {
                    let arm = arm_index(&arm_names, value, &table, row, column)?;
                    if let Some(map) = &units_arm_of
                        && let Some(&allocated) = map.get(ids[row].as_str())
                        && allocated != arm
                    {
                        return Err(AnalysisError::ArmMismatch {
                            path: table.path.clone(),
                            line: table.line(row),
                            id: ids[row].clone(),
                            data_arm: arm_names[arm].clone(),
                            units_arm: arm_names[allocated].clone(),
                        });
                    }
                    resolved.push(arm);
                }
                resolved
            }
            Some(TreatmentSource::UnitsArm(_)) => {
                let map = units_arm_of
                    .as_ref()
                    .expect("validated: the units file has an arm column");
                ids.iter().map(|id| map[id.as_str()]).collect()
            }
        };
        let allocated = units.as_ref().map(|(_, unit_ids, unit_arms)| {
            let mut counts = vec![0; arm_names.len()];
            match unit_arms {
                Some(arms) => arms.iter().for_each(|a| counts[*a] += 1),
                None if arm_names.len() == 1 => counts[0] = unit_ids.len(),
                None => return None,
            }
            Some(counts)
        });
        Ok(AnalyticData {
            table,
            arm_names,
            row_arm,
            allocated: allocated.flatten(),
        })
    }

    /// The rows `outcome` is analysed on: rows with the outcome (and, for before/after,
    /// its baseline) present; a missing value is an error under the `error` policy.
    pub fn outcome_rows(
        &self,
        outcome: &OutcomeSpec,
        policy: MissingPolicy,
    ) -> Result<OutcomeRows, AnalysisError> {
        let y = self.table.numeric(&outcome.name)?;
        let baseline = match &outcome.baseline {
            Some(column) => Some(self.table.numeric(column)?),
            None => None,
        };
        let mut kept = OutcomeRows {
            rows: Vec::new(),
            y: Vec::new(),
            baseline: baseline.as_ref().map(|_| Vec::new()),
            arm: Vec::new(),
            excluded_missing: 0,
            excluded_per_arm: vec![0; self.arm_names.len()],
        };
        for row in 0..self.table.n_rows() {
            let before = baseline.as_ref().map(|b| b[row]);
            let missing_column = match (y[row], before) {
                (None, _) => Some(&outcome.name),
                (Some(_), Some(None)) => outcome.baseline.as_ref(),
                _ => None,
            };
            if let Some(column) = missing_column {
                if policy == MissingPolicy::Error {
                    return Err(DataError::MissingValue {
                        path: self.table.path.clone(),
                        line: self.table.line(row),
                        column: column.clone(),
                    }
                    .into());
                }
                kept.excluded_missing += 1;
                kept.excluded_per_arm[self.row_arm[row]] += 1;
                continue;
            }
            let value = y[row].expect("checked present");
            if outcome.outcome_type == OutcomeType::Binary && value != 0.0 && value != 1.0 {
                return Err(AnalysisError::NotBinary {
                    path: self.table.path.clone(),
                    line: self.table.line(row),
                    column: outcome.name.clone(),
                    value,
                });
            }
            kept.rows.push(row);
            kept.y.push(value);
            if let (Some(b), Some(Some(v))) = (kept.baseline.as_mut(), before) {
                b.push(v);
            }
            kept.arm.push(self.row_arm[row]);
        }
        Ok(kept)
    }

    pub fn flow(&self, primary: &OutcomeRows, outcome: &str) -> Flow {
        let mut with_data = vec![0; self.arm_names.len()];
        self.row_arm.iter().for_each(|a| with_data[*a] += 1);
        let mut analysed = vec![0; self.arm_names.len()];
        primary.arm.iter().for_each(|a| analysed[*a] += 1);
        let arms = self
            .arm_names
            .iter()
            .enumerate()
            .map(|(i, name)| ArmFlow {
                arm: name.clone(),
                allocated: self.allocated.as_ref().map(|a| a[i]),
                with_data: with_data[i],
                excluded_missing: primary.excluded_per_arm[i],
                analysed: analysed[i],
            })
            .collect();
        Flow {
            arms,
            outcome: outcome.to_string(),
        }
    }
}

fn arm_index(
    arm_names: &[String],
    value: Option<String>,
    table: &Table,
    row: usize,
    column: &str,
) -> Result<usize, AnalysisError> {
    let Some(value) = value else {
        return Err(DataError::MissingValue {
            path: table.path.clone(),
            line: table.line(row),
            column: column.into(),
        }
        .into());
    };
    arm_names
        .iter()
        .position(|a| *a == value)
        .ok_or_else(|| AnalysisError::UnknownArm {
            path: table.path.clone(),
            line: table.line(row),
            column: column.to_string(),
            value,
            arms: arm_names
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", "),
        })
}
