//! Matched pairs: each pair is a group of two units, one to each arm with
//! probability 1/2. Pairs are either named in a column (ordered by pair label, byte
//! by byte) or formed on a numeric covariate: within each block (in block order),
//! units sorted by the covariate (ties by identifier) pair up as 1st–2nd, 3rd–4th, …
//! A pair that does not have exactly two units, or a block with an odd number of
//! units, is an error naming it.

use super::units::{Interned, UnitsData};
use super::{AssignError, Groups, block};

/// Groups from a pairs column; `sorted` are the unit rows in identifier order.
pub fn named_pairs(
    units: &UnitsData,
    pairs: &Interned,
    sorted: &[u32],
) -> Result<Groups, AssignError> {
    let ranks = block::label_ranks(pairs);
    let groups = block::group_by(sorted, |row| pairs.index[row as usize], pairs, &ranks);
    for g in 0..groups.len() {
        let members = groups.members(g);
        if members.len() != 2 {
            let line = members
                .iter()
                .map(|r| units.lines[*r as usize])
                .min()
                .unwrap_or(0);
            return Err(AssignError::PairSize {
                pair: groups.labels[g].clone(),
                units: members.len(),
                line,
            });
        }
    }
    Ok(groups)
}

/// Pairs formed on `values` (one per unit row) within the blocks of `blocked`.
pub fn formed_pairs(blocked: &Groups, values: &[f64], column: &str) -> Result<Groups, AssignError> {
    let mut labels = Vec::new();
    let mut entities = Vec::with_capacity(blocked.entities.len());
    let mut start = vec![0];
    for g in 0..blocked.len() {
        let mut members = blocked.members(g).to_vec();
        if members.len() % 2 == 1 {
            return Err(AssignError::OddBlock {
                block: if blocked.labels[g].is_empty() {
                    "all units".into()
                } else {
                    blocked.labels[g].clone()
                },
                units: members.len(),
                column: column.to_string(),
            });
        }
        // Members are in identifier order; a stable sort keeps it for ties.
        members.sort_by(|a, b| values[*a as usize].total_cmp(&values[*b as usize]));
        for (k, pair) in members.chunks(2).enumerate() {
            let label = if blocked.labels[g].is_empty() {
                format!("pair {}", k + 1)
            } else {
                format!("{} / pair {}", blocked.labels[g], k + 1)
            };
            labels.push(label);
            entities.extend_from_slice(pair);
            start.push(entities.len());
        }
    }
    Ok(Groups {
        labels,
        entities,
        start,
    })
}
