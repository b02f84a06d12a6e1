//! The blocks (strata) or matched pairs an analysis respects, so that a design is
//! analysed as it was allocated: from the assign stage's own groups
//! (`design.assignment` with method blocked, blocked_cluster or matched_pairs), or
//! declared for a trial allocated outside Evident (`analysis.blocks`,
//! `analysis.pairs`, columns of the analysis data).

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use super::AnalysisError;
use super::sample::AnalyticData;
use crate::assign::Prepared;
use crate::spec::{AnalysisBlocks, AnalysisPlan, AssignmentMethod};

/// Where the blocks came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum BlockSource {
    /// The groups the assign stage randomised within.
    Assignment { method: AssignmentMethod },
    /// `analysis.blocks`.
    Blocks { columns: Vec<String> },
    /// `analysis.pairs`.
    Pairs { column: String },
}

impl BlockSource {
    /// In words, for the report ("the blocks of the allocation (station)").
    pub fn describe(&self) -> String {
        match self {
            BlockSource::Assignment { method } => {
                format!(
                    "the groups the allocation was randomised within ({})",
                    method.label()
                )
            }
            BlockSource::Blocks { columns } => {
                format!("the declared blocks ({})", columns.join(" × "))
            }
            BlockSource::Pairs { column } => format!("the declared matched pairs ({column})"),
        }
    }
}

/// Each analysis-data row's block.
pub(crate) struct RowBlocks {
    /// Block index of each row of the analysis data.
    pub block: Vec<u32>,
    pub labels: Vec<String>,
    pub source: BlockSource,
}

impl RowBlocks {
    pub fn label_of_row(&self, row: usize) -> &str {
        &self.labels[self.block[row] as usize]
    }
}

/// The blocks of the analysis, if the design has any.
pub(crate) fn row_blocks(
    analysis: &AnalysisPlan,
    data: &AnalyticData,
    prepared: Option<(&Prepared<'_>, &Path)>,
) -> Result<Option<RowBlocks>, AnalysisError> {
    if let Some((prepared, units_file)) = prepared.filter(|(p, _)| p.randomised_within_groups()) {
        let groups = prepared.unit_groups();
        let index: HashMap<&str, u32> = groups
            .unit_group
            .iter()
            .map(|(id, g)| (id.as_str(), *g))
            .collect();
        let block = data
            .ids
            .iter()
            .enumerate()
            .map(|(row, id)| {
                index
                    .get(id.as_str())
                    .copied()
                    .ok_or_else(|| AnalysisError::NotInUnits {
                        path: data.table.path.clone(),
                        line: data.table.line(row),
                        id: id.clone(),
                        units: units_file.to_path_buf(),
                    })
            })
            .collect::<Result<Vec<u32>, _>>()?;
        return Ok(Some(RowBlocks {
            block,
            labels: groups.labels,
            source: BlockSource::Assignment {
                method: prepared.method(),
            },
        }));
    }
    let (columns, source) = match &analysis.blocks {
        None => return Ok(None),
        Some(AnalysisBlocks::Columns(columns)) => (
            columns.clone(),
            BlockSource::Blocks {
                columns: columns.clone(),
            },
        ),
        Some(AnalysisBlocks::Pairs(column)) => (
            vec![column.clone()],
            BlockSource::Pairs {
                column: column.clone(),
            },
        ),
    };
    let values = columns
        .iter()
        .map(|c| data.table.categorical(c))
        .collect::<Result<Vec<_>, _>>()?;
    let mut index: HashMap<String, u32> = HashMap::new();
    let mut labels = Vec::new();
    let mut block = Vec::with_capacity(data.table.n_rows());
    let mut size: Vec<usize> = Vec::new();
    for row in 0..data.table.n_rows() {
        let mut parts = Vec::with_capacity(columns.len());
        for (column, values) in columns.iter().zip(&values) {
            match &values[row] {
                Some(v) => parts.push(v.as_str()),
                None => {
                    return Err(AnalysisError::MissingBlock {
                        path: data.table.path.clone(),
                        line: data.table.line(row),
                        column: column.clone(),
                    });
                }
            }
        }
        let label = parts.join(" × ");
        let b = *index.entry(label.clone()).or_insert_with(|| {
            labels.push(label);
            size.push(0);
            (labels.len() - 1) as u32
        });
        size[b as usize] += 1;
        block.push(b);
    }
    if let BlockSource::Pairs { column } = &source
        && let Some(b) = size.iter().position(|&n| n > 2)
    {
        let row = block.iter().position(|&x| x as usize == b).unwrap_or(0);
        return Err(AnalysisError::PairTooLarge {
            path: data.table.path.clone(),
            line: data.table.line(row),
            column: column.clone(),
            pair: labels[b].clone(),
            units: size[b],
        });
    }
    Ok(Some(RowBlocks {
        block,
        labels,
        source,
    }))
}
