//! The analytic sample: the analysis data joined to each unit's arm (and cluster),
//! the rows each outcome can use under the missing-data policy, and the flow of units
//! per arm (allocated, with data, excluded for missing values, analysed).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use serde::Serialize;

use super::AnalysisError;
use crate::data::{Column, DataError, Table};
use crate::spec::{
    AnalysisPlan, Design, MissingPolicy, OutcomeSpec, OutcomeType, Plan, TreatmentSource,
};
use crate::stats::regression::Covariate;

/// The analysis data with each row's arm (and cluster) resolved.
pub(crate) struct AnalyticData {
    pub table: Table,
    /// Each row's unit identifier.
    pub ids: Vec<String>,
    /// Arm names in spec order (a single "participants" group when there are no arms).
    pub arm_names: Vec<String>,
    /// Each row's arm index.
    pub row_arm: Vec<usize>,
    /// Each row's cluster label (cluster-randomised trials).
    pub clusters: Option<Vec<String>>,
    /// Units (and clusters) allocated per arm, when a units file says so.
    pub allocated: Option<Vec<usize>>,
    pub allocated_clusters: Option<Vec<usize>>,
    /// The analysis covariates, typed by their values.
    pub covariates: Vec<(String, Column)>,
}

/// The rows one outcome is analysed on.
pub(crate) struct OutcomeRows {
    /// Row indices into the analysis data.
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
    /// Clusters allocated and analysed (cluster-randomised trials).
    pub clusters_allocated: Option<usize>,
    pub clusters_analysed: Option<usize>,
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

/// What the units file says about each unit.
struct UnitsInfo {
    file: PathBuf,
    ids: Vec<String>,
    arm: Option<Vec<usize>>,
    cluster: Option<Vec<String>>,
}

impl AnalyticData {
    pub fn load(plan: &Plan, analysis: &AnalysisPlan) -> Result<AnalyticData, AnalysisError> {
        let table = Table::read(&analysis.data)?;
        let ids = table.identifiers(&analysis.id)?;
        let arm_names: Vec<String> = match plan.design.arms() {
            Some((arms, _)) => arms.iter().map(|a| a.name.clone()).collect(),
            None => vec![SINGLE_GROUP.to_string()],
        };
        let units = load_units(plan, &arm_names)?;
        let unit_index: Option<HashMap<&str, usize>> = units.as_ref().map(|u| {
            u.ids
                .iter()
                .enumerate()
                .map(|(i, id)| (id.as_str(), i))
                .collect()
        });
        // Every analysed unit must be a unit of the study.
        let unit_of_row: Option<Vec<usize>> = match (&units, &unit_index) {
            (Some(units), Some(index)) => Some(
                ids.iter()
                    .enumerate()
                    .map(|(row, id)| {
                        index
                            .get(id.as_str())
                            .copied()
                            .ok_or_else(|| AnalysisError::NotInUnits {
                                path: table.path.clone(),
                                line: table.line(row),
                                id: id.clone(),
                                units: units.file.clone(),
                            })
                    })
                    .collect::<Result<_, _>>()?,
            ),
            _ => None,
        };
        let allocated_arm = |row: usize| -> Option<usize> {
            let units = units.as_ref()?;
            Some(units.arm.as_ref()?[unit_of_row.as_ref()?[row]])
        };
        // Arms from the assign stage's assignments.csv, joined on the identifier.
        let assigned: Option<(Table, Vec<String>, Vec<usize>)> = match &analysis.treatment {
            Some(TreatmentSource::Assignments(path)) => {
                if !path.exists() {
                    return Err(AnalysisError::NotAssigned { path: path.clone() });
                }
                let assignments = Table::read(path)?;
                let id_column = assignments.headers[0].clone();
                let assigned_ids = assignments.identifiers(&id_column)?;
                let values = assignments.categorical("arm")?;
                let mut resolved = Vec::with_capacity(values.len());
                for (row, value) in values.into_iter().enumerate() {
                    resolved.push(arm_index(&arm_names, value, &assignments, row, "arm")?);
                }
                Some((assignments, assigned_ids, resolved))
            }
            _ => None,
        };
        let row_arm: Vec<usize> = match &analysis.treatment {
            Some(TreatmentSource::Assignments(path)) => {
                let (_, assigned_ids, resolved) =
                    assigned.as_ref().expect("read just above for this source");
                let map: HashMap<&str, usize> = assigned_ids
                    .iter()
                    .map(String::as_str)
                    .zip(resolved.iter().copied())
                    .collect();
                let mut arms = Vec::with_capacity(ids.len());
                for (row, id) in ids.iter().enumerate() {
                    match map.get(id.as_str()) {
                        Some(arm) => arms.push(*arm),
                        None => {
                            return Err(AnalysisError::NotInUnits {
                                path: table.path.clone(),
                                line: table.line(row),
                                id: id.clone(),
                                units: path.clone(),
                            });
                        }
                    }
                }
                arms
            }
            None => vec![0; table.n_rows()],
            Some(TreatmentSource::DataColumn(column)) => {
                let values = table.categorical(column)?;
                let mut resolved = Vec::with_capacity(values.len());
                for (row, value) in values.into_iter().enumerate() {
                    let arm = arm_index(&arm_names, value, &table, row, column)?;
                    if let Some(allocated) = allocated_arm(row)
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
            Some(TreatmentSource::UnitsArm(_)) => (0..table.n_rows())
                .map(|row| allocated_arm(row).expect("validated: units file has an arm column"))
                .collect(),
        };
        let clusters: Option<Vec<String>> = match (&units, &unit_of_row) {
            (
                Some(UnitsInfo {
                    cluster: Some(cluster),
                    ..
                }),
                Some(unit_of_row),
            ) => Some(unit_of_row.iter().map(|&u| cluster[u].clone()).collect()),
            _ => None,
        };
        if let Some(labels) = &clusters {
            let mut arm_of_cluster: HashMap<&str, usize> = HashMap::new();
            for (row, label) in labels.iter().enumerate() {
                let first = *arm_of_cluster.entry(label).or_insert(row_arm[row]);
                if first != row_arm[row] {
                    return Err(AnalysisError::ClusterNotConstant {
                        path: table.path.clone(),
                        line: table.line(row),
                        cluster: label.clone(),
                        first: arm_names[first].clone(),
                        second: arm_names[row_arm[row]].clone(),
                    });
                }
            }
        }
        let (allocated, allocated_clusters) = match &units {
            Some(units) => allocation_counts(units, arm_names.len()),
            None => (None, None),
        };
        // With an assign stage, allocation is what assignments.csv says.
        let allocated = match &assigned {
            Some((_, _, resolved)) => {
                let mut counts = vec![0; arm_names.len()];
                resolved.iter().for_each(|a| counts[*a] += 1);
                Some(counts)
            }
            None => allocated,
        };
        let covariates = analysis
            .covariates
            .iter()
            .map(|name| Ok((name.clone(), table.auto(name)?)))
            .collect::<Result<Vec<_>, DataError>>()?;
        Ok(AnalyticData {
            table,
            ids,
            arm_names,
            row_arm,
            clusters,
            allocated,
            allocated_clusters,
            covariates,
        })
    }

    /// The rows `outcome` is analysed on: rows with the outcome (its baseline, for
    /// before/after, and every covariate, when `with_covariates`) present. A missing
    /// value is an error under the `error` policy.
    pub fn outcome_rows(
        &self,
        outcome: &OutcomeSpec,
        policy: MissingPolicy,
        with_covariates: bool,
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
            let missing_column = if y[row].is_none() {
                Some(outcome.name.as_str())
            } else if baseline.as_ref().is_some_and(|b| b[row].is_none()) {
                outcome.baseline.as_deref()
            } else if with_covariates {
                self.covariates
                    .iter()
                    .find(|(_, column)| is_missing(column, row))
                    .map(|(name, _)| name.as_str())
            } else {
                None
            };
            if let Some(column) = missing_column {
                if policy == MissingPolicy::Error {
                    return Err(DataError::MissingValue {
                        path: self.table.path.clone(),
                        line: self.table.line(row),
                        column: column.to_string(),
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
            if let (Some(kept_baseline), Some(values)) = (kept.baseline.as_mut(), &baseline) {
                kept_baseline.push(values[row].expect("checked present"));
            }
            kept.arm.push(self.row_arm[row]);
        }
        Ok(kept)
    }

    /// The covariates on the given positions of `rows`, for a regression.
    pub fn covariates_for(
        &self,
        positions: &[usize],
        rows: &OutcomeRows,
    ) -> Result<Vec<Covariate>, AnalysisError> {
        Ok(self
            .covariates
            .iter()
            .map(|(name, column)| {
                let data_rows = positions.iter().map(|&p| rows.rows[p]);
                match column {
                    Column::Numeric(values) => Covariate::Numeric {
                        name: name.clone(),
                        values: data_rows
                            .map(|r| values[r].expect("rows are complete in covariates"))
                            .collect(),
                    },
                    Column::Categorical(labels) => Covariate::Factor {
                        name: name.clone(),
                        levels: data_rows
                            .map(|r| labels[r].clone().expect("rows are complete in covariates"))
                            .collect(),
                    },
                    Column::Identifier(ids) => Covariate::Factor {
                        name: name.clone(),
                        levels: data_rows.map(|r| ids[r].clone()).collect(),
                    },
                }
            })
            .collect())
    }

    pub fn flow(&self, primary: &OutcomeRows, outcome: &str) -> Flow {
        let arms_count = self.arm_names.len();
        let mut with_data = vec![0; arms_count];
        self.row_arm.iter().for_each(|a| with_data[*a] += 1);
        let mut analysed = vec![0; arms_count];
        primary.arm.iter().for_each(|a| analysed[*a] += 1);
        let clusters_analysed = self.clusters.as_ref().map(|labels| {
            let mut seen: Vec<HashSet<&str>> = vec![HashSet::new(); arms_count];
            for (&row, &arm) in primary.rows.iter().zip(&primary.arm) {
                seen[arm].insert(labels[row].as_str());
            }
            seen.into_iter().map(|s| s.len()).collect::<Vec<_>>()
        });
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
                clusters_allocated: self.allocated_clusters.as_ref().map(|a| a[i]),
                clusters_analysed: clusters_analysed.as_ref().map(|a| a[i]),
            })
            .collect();
        Flow {
            arms,
            outcome: outcome.to_string(),
        }
    }
}

fn is_missing(column: &Column, row: usize) -> bool {
    match column {
        Column::Numeric(values) => values[row].is_none(),
        Column::Categorical(labels) => labels[row].is_none(),
        Column::Identifier(_) => false,
    }
}

fn load_units(plan: &Plan, arm_names: &[String]) -> Result<Option<UnitsInfo>, AnalysisError> {
    let Some(units) = &plan.units else {
        return Ok(None);
    };
    let table = Table::read(&units.file)?;
    let ids = table.identifiers(&units.id)?;
    let arm = match (&units.arm, plan.design.arms()) {
        (Some(column), Some(_)) => {
            let values = table.categorical(column)?;
            let mut resolved = Vec::with_capacity(values.len());
            for (row, value) in values.into_iter().enumerate() {
                resolved.push(arm_index(arm_names, value, &table, row, column)?);
            }
            Some(resolved)
        }
        _ => None,
    };
    let cluster = match &plan.design {
        Design::ClusterRct { cluster, .. } => {
            let labels = table.categorical(cluster)?;
            let mut resolved = Vec::with_capacity(labels.len());
            for (row, label) in labels.into_iter().enumerate() {
                resolved.push(label.ok_or_else(|| DataError::MissingValue {
                    path: table.path.clone(),
                    line: table.line(row),
                    column: cluster.clone(),
                })?);
            }
            Some(resolved)
        }
        _ => None,
    };
    Ok(Some(UnitsInfo {
        file: units.file.clone(),
        ids,
        arm,
        cluster,
    }))
}

/// Units and clusters allocated per arm, as far as the units file records them.
fn allocation_counts(units: &UnitsInfo, arms: usize) -> (Option<Vec<usize>>, Option<Vec<usize>>) {
    match &units.arm {
        Some(arm) => {
            let mut counts = vec![0; arms];
            arm.iter().for_each(|a| counts[*a] += 1);
            let clusters = units.cluster.as_ref().map(|labels| {
                let mut seen: Vec<HashSet<&str>> = vec![HashSet::new(); arms];
                for (label, a) in labels.iter().zip(arm) {
                    seen[*a].insert(label.as_str());
                }
                seen.into_iter().map(|s| s.len()).collect()
            });
            (Some(counts), clusters)
        }
        // Without arms (before/after, descriptive) every unit is a participant.
        None if arms == 1 => (Some(vec![units.ids.len()]), None),
        None => (None, None),
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
