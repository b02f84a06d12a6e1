//! Cluster randomisation: the entities randomised are clusters, ordered by their
//! label (byte by byte); every unit takes its cluster's arm. In a blocked cluster
//! design each cluster must lie within one block.

use super::units::{Interned, UnitsData};
use super::{AssignError, Groups, block};

/// Clusters in canonical order, grouped by block (one group without blocks), and
/// each cluster's block label index.
pub fn cluster_groups(units: &UnitsData, cluster: &Interned) -> Result<Groups, AssignError> {
    let n_clusters = cluster.labels.len();
    let mut ordered: Vec<u32> = (0..n_clusters as u32).collect();
    ordered.sort_by(|a, b| {
        cluster.labels[*a as usize][0]
            .as_bytes()
            .cmp(cluster.labels[*b as usize][0].as_bytes())
    });
    let Some(blocks) = &units.blocks else {
        return Ok(block::single(ordered));
    };
    // Each cluster's block, checked row by row in file order.
    let mut block_of: Vec<Option<(u32, usize)>> = vec![None; n_clusters];
    for row in 0..units.n_rows() {
        let c = cluster.index[row] as usize;
        let b = blocks.index[row];
        match block_of[c] {
            None => block_of[c] = Some((b, row)),
            Some((first, first_row)) if first != b => {
                return Err(AssignError::ClusterSplit {
                    path: units.path.clone(),
                    line: units.lines[row],
                    cluster: cluster.shown(c),
                    block: blocks.shown(b as usize),
                    first_block: blocks.shown(first as usize),
                    first_line: units.lines[first_row],
                });
            }
            Some(_) => {}
        }
    }
    let ranks = block::label_ranks(blocks);
    Ok(block::group_by(
        &ordered,
        |c| block_of[c as usize].map_or(0, |(b, _)| b),
        blocks,
        &ranks,
    ))
}
