//! The analytic sample: the analysis data joined to each unit's arm (and cluster),
//! the rows each estimator can use under the missing-data policy, and the flow of
//! units per arm (allocated, lost to follow-up, excluded for a missing value and in
//! which column, analysed; clusters too for cluster trials).
//!
//! Each estimator's sample is formed from the columns it reads (`ColumnsUsed`): the
//! difference in means does not lose a row for a covariate only the adjusted
//! estimator reads. The flow, attrition and baseline balance are measured on the
//! headline (first) estimator's sample of the primary outcome, so adding a secondary
//! estimator or a baseline "for balance" leaves the headline and the grade alone.
//!
//! With the assign stage (`design.assignment`), assignments.csv is the allocation:
//! the intention-to-treat arm of every unit and the counts (units and clusters)
//! allocated to each arm. A treatment column of the analysis data that disagrees
//! with it is an error, as it is against `design.units.arm`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use serde::Serialize;

use super::AnalysisError;
use crate::data::{Column, DataError, Table};
use crate::spec::{
    AnalysisBlocks, AnalysisPlan, CovariateType, Design, EstimatorKind, MissingPolicy, OutcomeSpec,
    OutcomeType, Plan, TreatmentSource,
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
    /// Units (and clusters) allocated per arm, when a units file or the assign
    /// stage's assignments.csv says so.
    pub allocated: Option<Vec<usize>>,
    pub allocated_clusters: Option<Vec<usize>>,
    /// Each allocated unit's arm and cluster (cluster trials whose allocation records
    /// both), for attrition within the retained clusters.
    pub allocated_unit_clusters: Option<Vec<(usize, String)>>,
    /// The analysis covariates, typed by `analysis.covariate_types` or by their values.
    pub covariates: Vec<(String, Column)>,
}

/// The columns an estimator reads besides the outcome: its sample drops a row only
/// for a value missing in one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct ColumnsUsed {
    /// The outcome's baseline (the "before" value of a before/after comparison).
    pub baseline: bool,
    /// The analysis covariates (adjusting estimators).
    pub covariates: bool,
}

impl ColumnsUsed {
    pub fn of(estimator: EstimatorKind) -> ColumnsUsed {
        ColumnsUsed {
            baseline: estimator == EstimatorKind::PairedDifference,
            covariates: estimator.adjusts(),
        }
    }
}

/// The rows one outcome is analysed on by one estimator.
pub(crate) struct OutcomeRows {
    /// Row indices into the analysis data.
    pub rows: Vec<usize>,
    pub y: Vec<f64>,
    pub baseline: Option<Vec<f64>>,
    pub arm: Vec<usize>,
    pub excluded_missing: usize,
    pub excluded_per_arm: Vec<usize>,
    /// Rows excluded per column (the first missing one, in the order outcome,
    /// baseline, covariates) and arm, columns in that order.
    pub excluded_by_column: Vec<(String, Vec<usize>)>,
}

/// Flow of units through the study, per arm (CONSORT-style counts).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Flow {
    pub arms: Vec<ArmFlow>,
    /// Which outcome the analysed counts refer to (the primary).
    pub outcome: String,
    /// The estimator whose sample the analysed counts are (the headline, first one).
    pub estimator: EstimatorKind,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ArmFlow {
    pub arm: String,
    /// Allocated (randomised or enrolled) per the units file or the assign stage's
    /// assignments.csv; `None` without either.
    pub allocated: Option<usize>,
    /// Units with a row in the analysis data.
    pub with_data: usize,
    /// Allocated units with no row in the analysis data (lost to follow-up); `None`
    /// when allocation is not known.
    pub lost_to_follow_up: Option<usize>,
    /// Rows dropped for missing values in the primary outcome's headline analysis.
    pub excluded_missing: usize,
    /// The same rows by the column found missing (outcome, then baseline, then
    /// covariates); only columns with exclusions are listed.
    pub excluded_by_column: Vec<ColumnExclusion>,
    /// A matched comparison: units of the pool left out of the matched sample, by
    /// the match stage's reason (empty otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_matched: Vec<NotMatched>,
    pub analysed: usize,
    /// Clusters allocated and analysed (cluster-randomised trials).
    pub clusters_allocated: Option<usize>,
    pub clusters_analysed: Option<usize>,
    /// Clusters with at least one row in the analysis data.
    pub clusters_with_data: Option<usize>,
    /// Allocated clusters with no analysed unit (lost whole).
    pub clusters_lost: Option<usize>,
    /// Units allocated in the clusters that still have an analysed unit (cluster
    /// trials): the base of individual attrition in the WWC cluster review.
    pub allocated_in_retained_clusters: Option<usize>,
}

/// Units of the pool a matched comparison left out, for one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct NotMatched {
    pub reason: crate::matching::MatchStatus,
    pub units: usize,
}

impl ArmFlow {
    /// Units left out of the matched sample (all reasons).
    pub fn not_matched_total(&self) -> usize {
        self.not_matched.iter().map(|n| n.units).sum()
    }
}

/// Units excluded for a value missing in one column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ColumnExclusion {
    pub column: String,
    pub units: usize,
}

impl ArmFlow {
    /// A group of a design analysed by its own module: `with_data` rows read,
    /// `analysed` used, nothing allocated, lost or excluded.
    pub(crate) fn observed(arm: &str, with_data: usize, analysed: usize) -> ArmFlow {
        ArmFlow {
            arm: arm.into(),
            allocated: None,
            with_data,
            lost_to_follow_up: None,
            excluded_missing: 0,
            excluded_by_column: Vec::new(),
            not_matched: Vec::new(),
            analysed,
            clusters_allocated: None,
            clusters_analysed: None,
            clusters_with_data: None,
            clusters_lost: None,
            allocated_in_retained_clusters: None,
        }
    }

    /// Share of allocated units not analysed, when allocation is known.
    pub fn attrition(&self) -> Option<f64> {
        self.allocated
            .filter(|a| *a > 0)
            .map(|a| 1.0 - self.analysed as f64 / a as f64)
    }

    /// Share of allocated clusters with no analysed unit, when known.
    pub fn cluster_attrition(&self) -> Option<f64> {
        match (self.clusters_allocated, self.clusters_analysed) {
            (Some(allocated), Some(analysed)) if allocated > 0 => {
                Some(1.0 - analysed as f64 / allocated as f64)
            }
            _ => None,
        }
    }
}

/// Overall and differential attrition of a set of arms (shares from 0 to 1), the
/// two numbers the What Works Clearinghouse attrition boundary reads.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Attrition {
    /// 1 − analysed / allocated, over all the arms together.
    pub overall: f64,
    /// The largest arm's rate minus the smallest arm's rate.
    pub differential: f64,
}

impl Attrition {
    /// From (allocated, analysed) per arm; `None` when nothing was allocated to
    /// some arm.
    pub fn of(counts: &[(usize, usize)]) -> Option<Attrition> {
        let allocated: usize = counts.iter().map(|c| c.0).sum();
        if allocated == 0 || counts.iter().any(|c| c.0 == 0) {
            return None;
        }
        let analysed: usize = counts.iter().map(|c| c.1).sum();
        let rates: Vec<f64> = counts
            .iter()
            .map(|&(a, n)| 1.0 - n as f64 / a as f64)
            .collect();
        let highest = rates.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let lowest = rates.iter().copied().fold(f64::INFINITY, f64::min);
        Some(Attrition {
            overall: 1.0 - analysed as f64 / allocated as f64,
            differential: highest - lowest,
        })
    }
}

impl Flow {
    /// The flow of two arms only (`control` first), for grading one contrast of a
    /// multi-arm trial; `None` when an index is out of range or they are equal.
    pub fn pair(&self, treated: usize, control: usize) -> Option<Flow> {
        if treated == control || treated >= self.arms.len() || control >= self.arms.len() {
            return None;
        }
        Some(Flow {
            arms: vec![self.arms[control].clone(), self.arms[treated].clone()],
            outcome: self.outcome.clone(),
            estimator: self.estimator,
        })
    }

    /// Attrition of units over all the arms of this flow, when every arm's
    /// allocation is known.
    pub fn attrition(&self) -> Option<Attrition> {
        let counts: Option<Vec<(usize, usize)>> = self
            .arms
            .iter()
            .map(|a| a.allocated.map(|n| (n, a.analysed)))
            .collect();
        Attrition::of(&counts?)
    }

    /// Attrition of individuals within the retained clusters (the WWC cluster review:
    /// units allocated in clusters that still have an analysed unit, against those
    /// analysed), when every arm's count is known.
    pub fn attrition_in_retained_clusters(&self) -> Option<Attrition> {
        let counts: Option<Vec<(usize, usize)>> = self
            .arms
            .iter()
            .map(|a| a.allocated_in_retained_clusters.map(|n| (n, a.analysed)))
            .collect();
        Attrition::of(&counts?)
    }

    /// Attrition of clusters (a cluster is lost when none of its units is analysed),
    /// when every arm's cluster allocation is known.
    pub fn cluster_attrition(&self) -> Option<Attrition> {
        let counts: Option<Vec<(usize, usize)>> = self
            .arms
            .iter()
            .map(|a| a.clusters_allocated.zip(a.clusters_analysed))
            .collect();
        Attrition::of(&counts?)
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

/// The assign stage's allocation, read from assignments.csv.
struct Allocation {
    path: PathBuf,
    /// Each allocated unit's arm, by identifier.
    arm_of: HashMap<String, usize>,
    /// Units and clusters allocated per arm (clusters when the file records them).
    counts: Vec<usize>,
    cluster_counts: Option<Vec<usize>>,
    /// Each allocated unit's arm and cluster, when the file records every cluster.
    unit_clusters: Option<Vec<(usize, String)>>,
}

impl AnalyticData {
    pub fn load(plan: &Plan, analysis: &AnalysisPlan) -> Result<AnalyticData, AnalysisError> {
        let wanted = columns_used(plan, analysis);
        let wanted: Vec<&str> = wanted.iter().map(String::as_str).collect();
        let table = Table::read_columns(&analysis.data, &wanted)?;
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
        let allocation = read_allocation(plan, analysis, &arm_names)?;
        // The allocated (intention-to-treat) arm of each row, and where it is recorded.
        let allocated_arm = |row: usize| -> Result<Option<(usize, PathBuf)>, AnalysisError> {
            if let Some(allocation) = &allocation {
                return match allocation.arm_of.get(ids[row].as_str()) {
                    Some(arm) => Ok(Some((*arm, allocation.path.clone()))),
                    None => Err(AnalysisError::NotInUnits {
                        path: table.path.clone(),
                        line: table.line(row),
                        id: ids[row].clone(),
                        units: allocation.path.clone(),
                    }),
                };
            }
            Ok(match (&units, &unit_of_row) {
                (
                    Some(UnitsInfo {
                        arm: Some(arm),
                        file,
                        ..
                    }),
                    Some(unit_of_row),
                ) => Some((arm[unit_of_row[row]], file.clone())),
                _ => None,
            })
        };
        let row_arm: Vec<usize> = match &analysis.treatment {
            None => vec![0; table.n_rows()],
            Some(TreatmentSource::DataColumn(column)) => {
                let values = table.categorical(column)?;
                let mut resolved = Vec::with_capacity(values.len());
                for (row, value) in values.into_iter().enumerate() {
                    let arm = arm_index(&arm_names, value, &table, row, column)?;
                    if let Some((allocated, allocation)) = allocated_arm(row)?
                        && allocated != arm
                    {
                        return Err(AnalysisError::ArmMismatch {
                            path: table.path.clone(),
                            line: table.line(row),
                            id: ids[row].clone(),
                            data_arm: arm_names[arm].clone(),
                            units_arm: arm_names[allocated].clone(),
                            allocation,
                        });
                    }
                    resolved.push(arm);
                }
                resolved
            }
            Some(TreatmentSource::UnitsArm(_) | TreatmentSource::Assignments(_)) => (0..table
                .n_rows())
                .map(|row| {
                    allocated_arm(row).map(|a| {
                        a.expect("validated: the allocation records every unit's arm")
                            .0
                    })
                })
                .collect::<Result<_, _>>()?,
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
        // With an assign stage, allocation is what assignments.csv says.
        let (allocated, allocated_clusters, allocated_unit_clusters) = match (allocation, &units) {
            (Some(allocation), _) => (
                Some(allocation.counts),
                allocation.cluster_counts,
                allocation.unit_clusters,
            ),
            (None, Some(units)) => {
                let (counts, clusters) = allocation_counts(units, arm_names.len());
                let unit_clusters =
                    units
                        .arm
                        .as_ref()
                        .zip(units.cluster.as_ref())
                        .map(|(arm, cluster)| {
                            arm.iter().copied().zip(cluster.iter().cloned()).collect()
                        });
                (counts, clusters, unit_clusters)
            }
            (None, None) => (None, None, None),
        };
        let covariates = analysis
            .covariates
            .iter()
            .map(|name| {
                let declared = analysis.covariate_types.get(name).copied();
                Ok((name.clone(), typed_column(&table, name, declared)?))
            })
            .collect::<Result<Vec<_>, AnalysisError>>()?;
        Ok(AnalyticData {
            table,
            ids,
            arm_names,
            row_arm,
            clusters,
            allocated,
            allocated_clusters,
            allocated_unit_clusters,
            covariates,
        })
    }

    /// The rows `outcome` is analysed on by an estimator reading `used`: rows with
    /// the outcome (and, as used, its baseline and every covariate) present. A
    /// missing value in a used column is an error under the `error` policy.
    pub fn outcome_rows(
        &self,
        outcome: &OutcomeSpec,
        policy: MissingPolicy,
        used: ColumnsUsed,
    ) -> Result<OutcomeRows, AnalysisError> {
        let y = self.table.numeric(&outcome.name)?;
        let baseline = match (&outcome.baseline, used.baseline) {
            (Some(column), true) => Some(self.table.numeric(column)?),
            _ => None,
        };
        let arms = self.arm_names.len();
        let mut kept = OutcomeRows {
            rows: Vec::new(),
            y: Vec::new(),
            baseline: baseline.as_ref().map(|_| Vec::new()),
            arm: Vec::new(),
            excluded_missing: 0,
            excluded_per_arm: vec![0; arms],
            excluded_by_column: Vec::new(),
        };
        let mut excluded: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        // Columns in the order they are examined: outcome, baseline, covariates.
        let mut columns: Vec<&str> = vec![outcome.name.as_str()];
        if baseline.is_some() {
            columns.extend(outcome.baseline.as_deref());
        }
        if used.covariates {
            columns.extend(self.covariates.iter().map(|(name, _)| name.as_str()));
        }
        for row in 0..self.table.n_rows() {
            let missing_column = if y[row].is_none() {
                Some(0)
            } else if baseline.as_ref().is_some_and(|b| b[row].is_none()) {
                Some(1)
            } else if used.covariates {
                let offset = 1 + usize::from(baseline.is_some());
                self.covariates
                    .iter()
                    .position(|(_, column)| is_missing(column, row))
                    .map(|i| offset + i)
            } else {
                None
            };
            if let Some(column) = missing_column {
                if policy == MissingPolicy::Error {
                    return Err(DataError::MissingValue {
                        path: self.table.path.clone(),
                        line: self.table.line(row),
                        column: columns[column].to_string(),
                    }
                    .into());
                }
                kept.excluded_missing += 1;
                kept.excluded_per_arm[self.row_arm[row]] += 1;
                excluded.entry(column).or_insert_with(|| vec![0; arms])[self.row_arm[row]] += 1;
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
        kept.excluded_by_column = excluded
            .into_iter()
            .map(|(column, per_arm)| (columns[column].to_string(), per_arm))
            .collect();
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

    /// The flow of units on `primary`, the headline estimator's sample of the
    /// primary outcome.
    pub fn flow(&self, primary: &OutcomeRows, outcome: &str, estimator: EstimatorKind) -> Flow {
        let arms_count = self.arm_names.len();
        let mut with_data = vec![0; arms_count];
        self.row_arm.iter().for_each(|a| with_data[*a] += 1);
        let mut analysed = vec![0; arms_count];
        primary.arm.iter().for_each(|a| analysed[*a] += 1);
        let distinct_clusters = |rows: &mut dyn Iterator<Item = (usize, usize)>| {
            self.clusters.as_ref().map(|labels| {
                let mut seen: Vec<HashSet<&str>> = vec![HashSet::new(); arms_count];
                for (row, arm) in rows {
                    seen[arm].insert(labels[row].as_str());
                }
                seen.into_iter().map(|s| s.len()).collect::<Vec<_>>()
            })
        };
        let clusters_analysed = distinct_clusters(
            &mut primary
                .rows
                .iter()
                .copied()
                .zip(primary.arm.iter().copied()),
        );
        let clusters_with_data = distinct_clusters(&mut self.row_arm.iter().copied().enumerate());
        let allocated_in_retained = self.allocated_in_retained_clusters(primary);
        let arms = self
            .arm_names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let allocated = self.allocated.as_ref().map(|a| a[i]);
                let clusters_allocated = self.allocated_clusters.as_ref().map(|a| a[i]);
                let clusters_analysed = clusters_analysed.as_ref().map(|a| a[i]);
                ArmFlow {
                    arm: name.clone(),
                    allocated,
                    with_data: with_data[i],
                    lost_to_follow_up: allocated.map(|a| a.saturating_sub(with_data[i])),
                    excluded_missing: primary.excluded_per_arm[i],
                    excluded_by_column: primary
                        .excluded_by_column
                        .iter()
                        .filter(|(_, per_arm)| per_arm[i] > 0)
                        .map(|(column, per_arm)| ColumnExclusion {
                            column: column.clone(),
                            units: per_arm[i],
                        })
                        .collect(),
                    not_matched: Vec::new(),
                    analysed: analysed[i],
                    clusters_allocated,
                    clusters_analysed,
                    clusters_with_data: clusters_with_data.as_ref().map(|a| a[i]),
                    clusters_lost: clusters_allocated
                        .zip(clusters_analysed)
                        .map(|(a, n)| a.saturating_sub(n)),
                    allocated_in_retained_clusters: allocated_in_retained.as_ref().map(|a| a[i]),
                }
            })
            .collect();
        Flow {
            arms,
            outcome: outcome.to_string(),
            estimator,
        }
    }
}

impl AnalyticData {
    /// Per arm, the allocated units whose cluster has at least one unit in `primary`
    /// (the retained clusters); `None` unless both the analysed rows' clusters and
    /// every allocated unit's cluster are known.
    fn allocated_in_retained_clusters(&self, primary: &OutcomeRows) -> Option<Vec<usize>> {
        let labels = self.clusters.as_ref()?;
        let allocated = self.allocated_unit_clusters.as_ref()?;
        let retained: HashSet<&str> = primary.rows.iter().map(|&r| labels[r].as_str()).collect();
        let mut counts = vec![0; self.arm_names.len()];
        for (arm, cluster) in allocated {
            if retained.contains(cluster.as_str()) {
                counts[*arm] += 1;
            }
        }
        Some(counts)
    }
}

fn is_missing(column: &Column, row: usize) -> bool {
    match column {
        Column::Numeric(values) => values[row].is_none(),
        Column::Categorical(labels) => labels[row].is_none(),
        Column::Identifier(_) => false,
    }
}

/// The columns of the analysis data the shared outcome analysis reads: the id,
/// the arm column when the data carry it, covariates, each outcome and its
/// baseline, and declared blocks or pairs. Only these are read, so memory follows
/// the columns used, not the width of the file (issue 16).
pub(crate) fn columns_used(plan: &Plan, analysis: &AnalysisPlan) -> Vec<String> {
    let mut columns = vec![analysis.id.clone()];
    if let Some(TreatmentSource::DataColumn(column)) = &analysis.treatment {
        columns.push(column.clone());
    }
    columns.extend(analysis.covariates.iter().cloned());
    columns.extend(analysis.received.iter().cloned());
    columns.extend(analysis.subgroups.iter().map(|s| s.column.clone()));
    columns.extend(analysis.fixed_effects.iter().cloned());
    for outcome in &plan.outcomes {
        columns.push(outcome.spec.name.clone());
        columns.extend(outcome.spec.baseline.iter().cloned());
    }
    match &analysis.blocks {
        Some(AnalysisBlocks::Columns(blocks)) => columns.extend(blocks.iter().cloned()),
        Some(AnalysisBlocks::Pairs(pairs)) => columns.push(pairs.clone()),
        None => {}
    }
    // A regression discontinuity's own columns, read with these so that the file is
    // read once (`analysis::analyse` hands the table on to the RD).
    if let Design::RegressionDiscontinuity { settings } = &plan.design {
        columns.push(settings.running.clone());
        columns.extend(settings.treatment_received.iter().cloned());
        columns.extend(settings.cluster.iter().cloned());
        columns.extend(settings.covariates.iter().cloned());
    }
    let mut seen = std::collections::HashSet::new();
    columns.retain(|c| seen.insert(c.clone()));
    columns
}

fn load_units(plan: &Plan, arm_names: &[String]) -> Result<Option<UnitsInfo>, AnalysisError> {
    let Some(units) = &plan.units else {
        return Ok(None);
    };
    let mut wanted = vec![units.id.as_str()];
    if let (Some(column), Some(_)) = (&units.arm, plan.design.arms()) {
        wanted.push(column);
    }
    if let Design::ClusterRct { cluster, .. } = &plan.design {
        wanted.push(cluster);
    }
    wanted.dedup();
    let table = Table::read_columns(&units.file, &wanted)?;
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

/// The assign stage's allocation, when it is the source of truth: the treatment
/// comes from assignments.csv, or the design has `design.assignment` and the
/// analysis data carry their own treatment column (which must then agree).
fn read_allocation(
    plan: &Plan,
    analysis: &AnalysisPlan,
    arm_names: &[String],
) -> Result<Option<Allocation>, AnalysisError> {
    let path = match (&analysis.treatment, &plan.assignment) {
        (Some(TreatmentSource::Assignments(path)), _) => path.clone(),
        (Some(TreatmentSource::DataColumn(_)), Some(assignment)) => assignment.assignments_path(),
        _ => return Ok(None),
    };
    if !path.exists() {
        return Err(AnalysisError::NotAssigned { path });
    }
    let table = Table::read(&path)?;
    let ids = table.identifiers(&table.headers[0])?;
    let values = table.categorical("arm")?;
    let clusters = match table.headers.iter().any(|h| h == "cluster") {
        true => Some(table.categorical("cluster")?),
        false => None,
    };
    let mut arm_of = HashMap::with_capacity(ids.len());
    let mut counts = vec![0; arm_names.len()];
    let mut cluster_sets: Vec<HashSet<&str>> = vec![HashSet::new(); arm_names.len()];
    let mut unit_clusters = Vec::with_capacity(ids.len());
    for (row, value) in values.into_iter().enumerate() {
        let arm = arm_index(arm_names, value, &table, row, "arm")?;
        counts[arm] += 1;
        if let Some(Some(label)) = clusters.as_ref().map(|c| &c[row]) {
            cluster_sets[arm].insert(label.as_str());
            unit_clusters.push((arm, label.clone()));
        }
        arm_of.insert(ids[row].clone(), arm);
    }
    let unit_clusters = (unit_clusters.len() == ids.len()).then_some(unit_clusters);
    let cluster_counts = cluster_sets
        .iter()
        .any(|s| !s.is_empty())
        .then(|| cluster_sets.iter().map(HashSet::len).collect());
    Ok(Some(Allocation {
        path,
        arm_of,
        counts,
        cluster_counts,
        unit_clusters,
    }))
}

/// A covariate column read as `analysis.covariate_types` declares it, or by its
/// values when it is not declared.
pub(crate) fn typed_column(
    table: &Table,
    name: &str,
    declared: Option<CovariateType>,
) -> Result<Column, AnalysisError> {
    match declared {
        None => Ok(table.auto(name)?),
        Some(CovariateType::Continuous) => Ok(Column::Numeric(table.numeric(name)?)),
        Some(CovariateType::Categorical) => Ok(Column::Categorical(table.categorical(name)?)),
        Some(CovariateType::Binary) => {
            let column = table.auto(name)?;
            let mut distinct: Vec<String> = match &column {
                Column::Numeric(values) => values
                    .iter()
                    .flatten()
                    .map(|v| crate::report::format::significant(*v, 15))
                    .collect(),
                Column::Categorical(labels) => labels.iter().flatten().cloned().collect(),
                Column::Identifier(ids) => ids.clone(),
            };
            distinct.sort();
            distinct.dedup();
            if distinct.len() > 2 {
                return Err(AnalysisError::NotTwoValued {
                    path: table.path.clone(),
                    column: name.to_string(),
                    values: distinct
                        .iter()
                        .take(3)
                        .map(|v| format!("`{v}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
            Ok(column)
        }
    }
}

/// A column's values far larger than their spread (max |x| / SD) lose digits in
/// every sum: above `WARN_CONDITION` fewer than about 8 of f64's 16 digits survive
/// (a warning); above `REFUSE_CONDITION` fewer than about 4 do, and the column is
/// refused rather than reported with an SE, p-value or balance that is rounding noise.
pub const WARN_CONDITION: f64 = 1e8;
pub const REFUSE_CONDITION: f64 = 1e12;

/// A problem in the data that does not stop the analysis but limits its precision;
/// carried into the report.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct DataWarning {
    pub column: String,
    /// The file line the warning points at (the first affected field); 0 when it
    /// concerns no line (the analyse stage on an engine).
    pub line: u64,
    pub message: String,
}

impl AnalyticData {
    /// Checks one analysed numeric column on the rows it is analysed on: digits the
    /// file holds but a 64-bit float does not (a warning, or an error when two
    /// different fields read as one number), and values so large against their
    /// spread that sums cancel (`WARN_CONDITION`, `REFUSE_CONDITION`).
    pub fn check_precision(
        &self,
        column: &str,
        rows: &[usize],
        warnings: &mut Vec<DataWarning>,
    ) -> Result<(), AnalysisError> {
        use crate::report::format::significant;
        let file = self
            .table
            .path
            .file_name()
            .map_or_else(String::new, |f| f.to_string_lossy().into_owned());
        if let Some(loss) = self.table.precision_loss(column)? {
            let warning = DataWarning {
                column: column.to_string(),
                line: loss.first_line,
                message: format!(
                    "{file}, column `{column}`: {} value(s) have more significant digits than a 64-bit number holds (line {}: `{}` is analysed as {})",
                    loss.fields,
                    loss.first_line,
                    loss.first_value,
                    significant(loss.read_as, 17)
                ),
            };
            if !warnings.contains(&warning) {
                warnings.push(warning);
            }
        }
        let values = self.table.numeric(column)?;
        let present: Vec<(usize, f64)> = rows
            .iter()
            .filter_map(|&r| values[r].map(|v| (r, v)))
            .collect();
        if present.len() < 2 {
            return Ok(());
        }
        let just_values: Vec<f64> = present.iter().map(|p| p.1).collect();
        let (_, variance) = crate::stats::summary::mean_and_variance(&just_values);
        let sd = variance.sqrt();
        let (largest_row, largest) = present
            .iter()
            .copied()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .expect("at least two values");
        if sd == 0.0 {
            return Ok(());
        }
        let condition = largest.abs() / sd;
        if condition > REFUSE_CONDITION {
            return Err(AnalysisError::Cancellation {
                path: self.table.path.clone(),
                line: self.table.line(largest_row),
                column: column.to_string(),
                value: largest,
                sd,
            });
        }
        if condition > WARN_CONDITION {
            let warning = DataWarning {
                column: column.to_string(),
                line: self.table.line(largest_row),
                message: format!(
                    "{file}, column `{column}`: values as large as {} (line {}) vary by only about {} (SD), so sums lose about {} of 16 significant digits; subtracting a common offset would keep them",
                    significant(largest, 4),
                    self.table.line(largest_row),
                    significant(sd, 3),
                    significant(condition.log10().floor(), 2)
                ),
            };
            if !warnings.contains(&warning) {
                warnings.push(warning);
            }
        }
        Ok(())
    }
}
