//! The randomisation procedure a trial allocated outside Evident declares
//! (`analysis.randomisation_inference.procedure`), as the reference distribution of
//! its randomisation inference: the observed arms permuted among the units (or whole
//! clusters), over the whole sample or within each declared block, so every
//! reference allocation keeps the observed number per arm (per block). This is ri2's
//! `declare_ra(N, m)` (complete), `declare_ra(blocks, block_m)` (blocked) and
//! `declare_ra(clusters, m)` (cluster).
//!
//! # Re-draw streams (version `evident-ri-declared-v1`)
//! Re-draw `k` (k = 1, 2, …) reads its own ChaCha20 stream keyed by SHA-256 of the
//! 22 ASCII bytes `evident-ri-declared-v1`, the seed as 8 bytes little-endian and `k`
//! as 8 bytes little-endian. On it, group by group (blocks in order of first
//! appearance in the analysis data; one group without blocks), the group's observed
//! arm labels (its entities in data order) are shuffled by Fisher–Yates
//! (`assign::rng::Stream::shuffle`). The seed is `analysis.randomisation_inference.seed`,
//! or else the first 8 bytes (little-endian) of the SHA-256 of the analysis data file.
//!
//! # Exact enumeration
//! With two arms and at most `exact_limit` allocations (Π_g C(n_g, t_g) for group g
//! of n_g entities with t_g treated), every allocation is visited once; all are
//! equally likely.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use super::blocks::RowBlocks;
use super::sample::AnalyticData;
use crate::assign::Scratch;
use crate::assign::redraw::{binomial, for_each_combination};
use crate::assign::rng::Stream;
use crate::report::format;
use crate::spec::RiProcedure;

/// Name and version of the declared procedure's re-draw streams.
pub const DECLARED_PROCEDURE: &str = "evident-ri-declared-v1";

/// The declared procedure, ready to re-draw.
pub(crate) struct Declared {
    pub procedure: RiProcedure,
    pub seed: u64,
    /// Entities (rows, or clusters) of each group, in data order.
    groups: Vec<Vec<u32>>,
    /// Each group's observed arm labels, entity order.
    labels: Vec<Vec<u8>>,
    /// Each analysis-data row's entity.
    row_entity: Vec<u32>,
    n_entities: usize,
    n_arms: usize,
    /// The procedure in words, with its counts.
    pub description: String,
}

/// Problems forming the declared procedure.
#[derive(Debug, thiserror::Error)]
pub enum DeclaredError {
    #[error("randomisation inference: cannot read {path} to derive the re-draw seed: {source}")]
    Seed {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error(
        "randomisation inference under {procedure}: cluster `{cluster}` has units in blocks `{first}` and `{second}`"
    )]
    ClusterAcrossBlocks {
        procedure: &'static str,
        cluster: String,
        first: String,
        second: String,
    },
    #[error("randomisation inference under {procedure} needs the clusters, and the data have none")]
    NoClusters { procedure: &'static str },
}

fn declared_stream(seed: u64, k: u64) -> Stream {
    let mut hasher = Sha256::new();
    hasher.update(DECLARED_PROCEDURE.as_bytes());
    hasher.update(seed.to_le_bytes());
    hasher.update(k.to_le_bytes());
    Stream::from_key(hasher.finalize().into())
}

impl Declared {
    pub fn new(
        procedure: RiProcedure,
        seed: Option<u64>,
        data: &AnalyticData,
        data_file: &std::path::Path,
        blocks: Option<&RowBlocks>,
    ) -> Result<Declared, DeclaredError> {
        let seed = match seed {
            Some(seed) => seed,
            None => {
                let bytes = std::fs::read(data_file).map_err(|source| DeclaredError::Seed {
                    path: data_file.to_path_buf(),
                    source,
                })?;
                let digest: [u8; 32] = Sha256::digest(&bytes).into();
                u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"))
            }
        };
        let n_rows = data.row_arm.len();
        let clustered = matches!(
            procedure,
            RiProcedure::Cluster | RiProcedure::BlockedCluster
        );
        let blocked = matches!(
            procedure,
            RiProcedure::Blocked | RiProcedure::BlockedCluster
        );
        // Entities: rows, or clusters in order of first appearance.
        let (row_entity, entity_first_row): (Vec<u32>, Vec<usize>) = if clustered {
            let labels = data.clusters.as_ref().ok_or(DeclaredError::NoClusters {
                procedure: procedure.label(),
            })?;
            let mut index: HashMap<&str, u32> = HashMap::new();
            let mut first = Vec::new();
            let entity = labels
                .iter()
                .enumerate()
                .map(|(row, label)| {
                    *index.entry(label.as_str()).or_insert_with(|| {
                        first.push(row);
                        (first.len() - 1) as u32
                    })
                })
                .collect();
            (entity, first)
        } else {
            ((0..n_rows as u32).collect(), (0..n_rows).collect())
        };
        let n_entities = entity_first_row.len();
        // Each entity's group: its block (constant within a cluster), or one group.
        let mut entity_group = vec![0u32; n_entities];
        let mut group_labels: Vec<String> = vec![String::new()];
        if let Some(blocks) = blocks.filter(|_| blocked) {
            let mut index: HashMap<u32, u32> = HashMap::new();
            group_labels.clear();
            for (e, &row) in entity_first_row.iter().enumerate() {
                let b = blocks.block[row];
                entity_group[e] = *index.entry(b).or_insert_with(|| {
                    group_labels.push(blocks.labels[b as usize].clone());
                    (group_labels.len() - 1) as u32
                });
            }
            for (row, &e) in row_entity.iter().enumerate() {
                let first = entity_first_row[e as usize];
                if blocks.block[row] != blocks.block[first] {
                    return Err(DeclaredError::ClusterAcrossBlocks {
                        procedure: procedure.label(),
                        cluster: data
                            .clusters
                            .as_ref()
                            .map_or_else(String::new, |c| c[row].clone()),
                        first: blocks.label_of_row(first).to_string(),
                        second: blocks.label_of_row(row).to_string(),
                    });
                }
            }
        }
        let mut groups = vec![Vec::new(); group_labels.len()];
        let mut labels = vec![Vec::new(); group_labels.len()];
        for (e, &row) in entity_first_row.iter().enumerate() {
            let g = entity_group[e] as usize;
            groups[g].push(e as u32);
            labels[g].push(data.row_arm[row] as u8);
        }
        let n_arms = data.arm_names.len();
        let per_arm = |members: &[u8]| -> Vec<usize> {
            let mut counts = vec![0; n_arms];
            members.iter().for_each(|a| counts[*a as usize] += 1);
            counts
        };
        let entity = if clustered { "clusters" } else { "units" };
        let ri2 = match procedure {
            RiProcedure::Complete => "declare_ra(N, m)",
            RiProcedure::Blocked => "declare_ra(blocks = , block_m = )",
            RiProcedure::Cluster => "declare_ra(clusters = , m = )",
            RiProcedure::BlockedCluster => "declare_ra(blocks = , clusters = , block_m = )",
        };
        let totals = per_arm(&labels.concat());
        let sizes = data
            .arm_names
            .iter()
            .zip(&totals)
            .map(|(arm, n)| format!("{} {arm}", format::count(*n)))
            .collect::<Vec<_>>()
            .join(", ");
        let description = if blocked {
            format!(
                "{} of the {} {entity} within each of the {} declared blocks, keeping each block's observed number per arm ({sizes} in all), as ri2's {ri2}",
                capitalise(procedure.label()),
                format::count(n_entities),
                format::count(groups.len())
            )
        } else {
            format!(
                "{} of the {} {entity} with the observed number per arm ({sizes}), as ri2's {ri2}",
                capitalise(procedure.label()),
                format::count(n_entities),
            )
        };
        Ok(Declared {
            procedure,
            seed,
            groups,
            labels,
            row_entity,
            n_entities,
            n_arms,
            description,
        })
    }

    /// Units are the analysis-data rows.
    pub fn n_units(&self) -> usize {
        self.row_entity.len()
    }

    /// Re-draw `k` into `scratch.unit_arm`.
    pub fn draw(&self, k: u64, scratch: &mut Scratch, entity_arm: &mut Vec<u8>) {
        let mut stream = declared_stream(self.seed, k);
        entity_arm.resize(self.n_entities, 0);
        let mut shuffled = Vec::new();
        for (members, labels) in self.groups.iter().zip(&self.labels) {
            shuffled.clear();
            shuffled.extend_from_slice(labels);
            stream.shuffle(&mut shuffled);
            for (e, arm) in members.iter().zip(&shuffled) {
                entity_arm[*e as usize] = *arm;
            }
        }
        scratch.unit_arm.clear();
        scratch
            .unit_arm
            .extend(self.row_entity.iter().map(|e| entity_arm[*e as usize]));
    }

    /// Possible allocations with two arms (saturating); `None` with more arms.
    fn count_allocations(&self) -> Option<u128> {
        if self.n_arms != 2 {
            return None;
        }
        let mut total: u128 = 1;
        for labels in &self.labels {
            let treated = labels.iter().filter(|&&a| a == 1).count();
            total = total.saturating_mul(binomial(labels.len(), treated));
        }
        Some(total)
    }

    /// Visits every allocation (each unit row's arm) when there are two arms and at
    /// most `limit` of them; returns how many, or `None` without visiting.
    pub fn enumerate(&self, limit: u64, mut visit: impl FnMut(&[u8])) -> Option<u64> {
        let total = self.count_allocations()?;
        if total > u128::from(limit) || total == 0 {
            return None;
        }
        // Arm 1 is "chosen", arm 0 the rest: with two arms, which is which does not
        // change the set of allocations.
        let per_group: Vec<Vec<Vec<u32>>> = self
            .labels
            .iter()
            .map(|labels| {
                let chosen = labels.iter().filter(|&&a| a == 1).count();
                let mut subsets = Vec::new();
                for_each_combination(labels.len(), chosen, |c| subsets.push(c.to_vec()));
                subsets
            })
            .collect();
        let mut entity_arm = vec![0u8; self.n_entities];
        let mut unit_arm = vec![0u8; self.row_entity.len()];
        let mut index = vec![0usize; per_group.len()];
        let mut visited = 0u64;
        loop {
            for (g, subsets) in per_group.iter().enumerate() {
                let members = &self.groups[g];
                for e in members {
                    entity_arm[*e as usize] = 0;
                }
                for position in &subsets[index[g]] {
                    entity_arm[members[*position as usize] as usize] = 1;
                }
            }
            for (u, e) in unit_arm.iter_mut().zip(&self.row_entity) {
                *u = entity_arm[*e as usize];
            }
            visited += 1;
            visit(&unit_arm);
            let mut g = per_group.len();
            loop {
                if g == 0 {
                    return Some(visited);
                }
                g -= 1;
                index[g] += 1;
                if index[g] < per_group[g].len() {
                    break;
                }
                index[g] = 0;
            }
        }
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
