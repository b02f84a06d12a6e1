//! Groups for randomisation: the canonical order of blocks and of the units within
//! them. Blocks are ordered by their values (column by column, byte by byte); units
//! within a block keep the identifier order. Without blocks there is one group.

use super::Groups;
use super::units::Interned;

/// Label of the single group when no blocks are declared.
pub const ALL_UNITS: &str = "";

/// Block labels in canonical order, as a rank per interned label.
pub fn label_ranks(interned: &Interned) -> Vec<u32> {
    let mut order: Vec<usize> = (0..interned.labels.len()).collect();
    order.sort_by(|a, b| {
        let (x, y) = (&interned.labels[*a], &interned.labels[*b]);
        x.iter()
            .map(|s| s.as_bytes())
            .cmp(y.iter().map(|s| s.as_bytes()))
    });
    let mut rank = vec![0u32; order.len()];
    for (r, label) in order.iter().enumerate() {
        rank[*label] = r as u32;
    }
    rank
}

/// Groups the entities `ordered` (already in canonical order) by `group_of`, a label
/// index per entity; groups come in the order of `ranks`.
pub fn group_by(
    ordered: &[u32],
    group_of: impl Fn(u32) -> u32,
    interned: &Interned,
    ranks: &[u32],
) -> Groups {
    let n_groups = interned.labels.len();
    let mut sizes = vec![0usize; n_groups];
    for &e in ordered {
        sizes[ranks[group_of(e) as usize] as usize] += 1;
    }
    let mut start = Vec::with_capacity(n_groups + 1);
    let mut total = 0;
    start.push(0);
    for s in &sizes {
        total += s;
        start.push(total);
    }
    let mut fill = start[..n_groups].to_vec();
    let mut entities = vec![0u32; ordered.len()];
    for &e in ordered {
        let g = ranks[group_of(e) as usize] as usize;
        entities[fill[g]] = e;
        fill[g] += 1;
    }
    let mut labels = vec![String::new(); n_groups];
    for (label, &rank) in ranks.iter().enumerate() {
        labels[rank as usize] = interned.shown(label);
    }
    Groups {
        labels,
        entities,
        start,
    }
}

/// One group holding every entity.
pub fn single(ordered: Vec<u32>) -> Groups {
    let n = ordered.len();
    Groups {
        labels: vec![ALL_UNITS.to_string()],
        entities: ordered,
        start: vec![0, n],
    }
}
