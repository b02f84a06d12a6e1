//! The assign stage: allocates the units of the units file to the arms, reproducibly
//! and auditably, and writes `assignments.csv` and `manifest.json`.
//!
//! # Procedure
//! 1. Read the units file (`units.rs`); sort the units by identifier, byte by byte,
//!    so the input's row order never matters. A repeated identifier, a missing
//!    block, cluster or pair value is an error naming the line.
//! 2. Form the groups randomised independently and the entities within them, each in
//!    a canonical order: the whole sample (simple, complete); blocks ordered by their
//!    values (blocked, `block.rs`); clusters ordered by label, within blocks when
//!    declared (cluster, blocked_cluster, `cluster.rs`); pairs (matched_pairs,
//!    `pairs.rs`). A block with fewer entities than arms is an error naming it.
//! 3. Seed the stream (`rng.rs`) and, group after group in that order, draw the arm
//!    counts by the remainder rule (one uniform draw when the shares leave a
//!    remainder; none for fixed counts) and shuffle the arm labels over the group's
//!    entities (`complete.rs`); simple randomisation draws one uniform per unit.
//! 4. Rerandomisation repeats step 3 on the same stream until the allocation is
//!    accepted (`rerandomise.rs`).
//! 5. Every unit takes its entity's arm. Its probability is the arm's share (exact
//!    under the remainder rule) or, with fixed counts, count / entities.
//!
//! assignments.csv lists every unit in identifier order: the identifier (under the
//! units file's column name), `arm`, `block` (block or pair label; empty without
//! blocks), `cluster` (empty without clusters), `probability` (of the unit's arm, in
//! Rust's shortest round-trip decimal form). The same inputs and seed give the same
//! bytes on every machine, thread count and row order.

mod balance;
mod block;
mod cluster;
mod complete;
mod error;
mod manifest;
mod pairs;
pub mod redraw;
pub mod rerandomise;
pub mod rng;
pub mod stepped_wedge;
mod units;

pub use balance::{Balance, BalanceRow, OmnibusTest};
pub use complete::remainder_counts;
pub use error::AssignError;
pub use manifest::{ArmCount, BlockCount, MANIFEST_VERSION, Manifest};
pub use redraw::{Enumeration, Redraw, Redrawer, Scratch};
pub use rerandomise::RerandomisationRecord;

use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::spec::{AssignmentMethod, AssignmentPlan, Plan, sha256_hex, sha256_hex_of_digest};
use units::{UnitsData, UnitsRequest};

/// File name of the allocation.
pub const ASSIGNMENTS_FILE: &str = "assignments.csv";
/// File name of the manifest.
pub const MANIFEST_FILE: &str = "manifest.json";

/// Groups randomised independently, each a run of entities in canonical order.
#[derive(Debug, Clone)]
pub struct Groups {
    pub labels: Vec<String>,
    pub entities: Vec<u32>,
    pub start: Vec<usize>,
}

impl Groups {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    pub fn members(&self, group: usize) -> &[u32] {
        &self.entities[self.start[group]..self.start[group + 1]]
    }
}

/// The units read and grouped, ready to draw with any seed.
pub struct Prepared<'p> {
    plan: &'p AssignmentPlan,
    /// The units, rows in identifier order.
    units: UnitsData,
    groups: Groups,
    /// Each unit row's entity (its own row, or its cluster).
    unit_entity: Option<Vec<u32>>,
    n_entities: usize,
    arm_names: Vec<String>,
    shares: Vec<f64>,
    control: usize,
    /// Names of the numeric columns read, in the order of `units.numeric`.
    numeric_names: Vec<String>,
}

/// A finished allocation.
pub struct Allocation<'p> {
    pub prepared: Prepared<'p>,
    pub seed: u64,
    /// Each unit row's arm.
    pub unit_arm: Vec<u8>,
    /// Each entity's group.
    entity_group: Vec<u32>,
    /// Probability of each arm per group.
    pub probabilities: Vec<Vec<f64>>,
    pub rerandomisation: Option<RerandomisationRecord>,
}

/// Reads and groups the units (steps 1 and 2).
pub fn prepare<'p>(
    plan: &Plan,
    assignment: &'p AssignmentPlan,
) -> Result<Prepared<'p>, AssignError> {
    let units_plan = plan
        .units
        .as_ref()
        .expect("validated: an assignment needs design.units");
    let (arms, control) = plan
        .design
        .arms()
        .expect("validated: assignment is for designs with arms");
    let mut numeric: Vec<String> = Vec::new();
    if let Some(column) = &assignment.pair_on {
        numeric.push(column.clone());
    }
    for c in &assignment.covariates {
        if !numeric.contains(c) {
            numeric.push(c.clone());
        }
    }
    let method = assignment.method;
    let request = UnitsRequest {
        id: &units_plan.id,
        blocks: &assignment.blocks,
        cluster: assignment
            .cluster
            .as_deref()
            .filter(|_| method.uses_clusters()),
        pairs: assignment.pairs.as_deref(),
        numeric: &numeric,
    };
    // Column-sized blocks are freed and allocated again all through the stage.
    let _reuse = crate::data::ReuseFreedBlocks::new();
    // From here on, row i is the i-th unit in identifier order.
    let units = UnitsData::read(&units_plan.file, &request)?.into_sorted()?;
    let sorted: Vec<u32> = (0..units.n_rows() as u32).collect();
    let by_blocks = |sorted: &[u32]| match &units.blocks {
        Some(blocks) => {
            let ranks = block::label_ranks(blocks);
            block::group_by(sorted, |row| blocks.index[row as usize], blocks, &ranks)
        }
        None => block::single(sorted.to_vec()),
    };
    let (groups, unit_entity, n_entities) = match method {
        AssignmentMethod::Simple | AssignmentMethod::Complete | AssignmentMethod::Blocked => {
            (by_blocks(&sorted), None, units.n_rows())
        }
        AssignmentMethod::Cluster | AssignmentMethod::BlockedCluster => {
            let cluster = units
                .cluster
                .as_ref()
                .expect("validated: cluster methods read the cluster column");
            let groups = cluster::cluster_groups(&units, cluster)?;
            (groups, Some(cluster.index.clone()), cluster.labels.len())
        }
        AssignmentMethod::SteppedWedge => {
            unreachable!("a stepped-wedge allocation is drawn by stepped_wedge::prepare")
        }
        AssignmentMethod::MatchedPairs => {
            let groups = match (&units.pairs, &assignment.pair_on) {
                (Some(pairs), _) => pairs::named_pairs(&units, pairs, &sorted)?,
                (None, Some(column)) => {
                    pairs::formed_pairs(&by_blocks(&sorted), &units.numeric[0], column)?
                }
                (None, None) => unreachable!("validated: matched_pairs has pairs or pair_on"),
            };
            (groups, None, units.n_rows())
        }
    };
    let entity = if method.uses_clusters() {
        "cluster"
    } else {
        "unit"
    };
    if method != AssignmentMethod::Simple {
        for g in 0..groups.len() {
            let size = groups.members(g).len();
            if size < arms.len() {
                return Err(AssignError::BlockTooSmall {
                    block: if groups.labels[g].is_empty() {
                        "all units".into()
                    } else {
                        groups.labels[g].clone()
                    },
                    units: size,
                    arms: arms.len(),
                    entity,
                });
            }
        }
    }
    if let Some(counts) = &assignment.counts {
        let total: u64 = counts.iter().sum();
        if total != n_entities as u64 {
            return Err(AssignError::CountsMismatch {
                total,
                available: n_entities,
                entity,
            });
        }
    }
    Ok(Prepared {
        plan: assignment,
        units,
        groups,
        unit_entity,
        n_entities,
        arm_names: arms.iter().map(|a| a.name.clone()).collect(),
        shares: arms.iter().map(|a| a.share).collect(),
        control,
        numeric_names: numeric,
    })
}

impl<'p> Prepared<'p> {
    pub fn units_sha256(&self) -> &str {
        &self.units.sha256
    }

    fn draw_once(&self, stream: &mut rng::Stream, entity_arm: &mut [u8], labels: &mut Vec<u8>) {
        for g in 0..self.groups.len() {
            let members = self.groups.members(g);
            match (self.plan.method, &self.plan.counts) {
                (AssignmentMethod::Simple, _) => {
                    complete::simple_labels(members.len(), &self.shares, labels, stream)
                }
                (_, Some(counts)) => complete::shuffled_labels(counts, labels, stream),
                (_, None) => {
                    let counts = complete::remainder_counts(members.len(), &self.shares, stream);
                    complete::shuffled_labels(&counts, labels, stream);
                }
            }
            for (entity, arm) in members.iter().zip(labels.iter()) {
                entity_arm[*entity as usize] = *arm;
            }
        }
    }

    fn unit_arms(&self, entity_arm: &[u8], unit_arm: &mut Vec<u8>) {
        unit_arm.clear();
        match &self.unit_entity {
            Some(map) => unit_arm.extend(map.iter().map(|e| entity_arm[*e as usize])),
            None => unit_arm.extend_from_slice(entity_arm),
        }
    }

    fn covariate(&self, name: &str) -> &[f64] {
        let index = self
            .numeric_names
            .iter()
            .position(|c| c == name)
            .expect("every covariate is read as a numeric column");
        &self.units.numeric[index]
    }

    /// The rerandomisation rule with its balance criterion, when the design has one.
    fn acceptance(&self) -> Result<Option<rerandomise::Acceptance<'_>>, AssignError> {
        let Some(r) = &self.plan.rerandomisation else {
            return Ok(None);
        };
        let treatment = usize::from(self.control == 0);
        let columns = r.covariates.iter().map(|c| self.covariate(c)).collect();
        Ok(Some(rerandomise::Acceptance {
            criterion: rerandomise::Criterion::new(
                &r.covariates,
                columns,
                treatment,
                self.control,
            )?,
            rule: &r.rule,
            max_draws: r.max_draws,
        }))
    }

    /// Draws allocations from `stream` until one passes `acceptance` (the first one
    /// without a rule), leaving its arms in `unit_arm`. Returns the number of
    /// allocations drawn and the kept one's M; `Err` holds the smallest M seen when
    /// none of `max_draws` passes.
    fn draw_accepted(
        &self,
        stream: &mut rng::Stream,
        acceptance: Option<&rerandomise::Acceptance<'_>>,
        entity_arm: &mut Vec<u8>,
        labels: &mut Vec<u8>,
        unit_arm: &mut Vec<u8>,
    ) -> Result<(u64, Option<f64>), f64> {
        entity_arm.resize(self.n_entities, 0);
        let Some(acceptance) = acceptance else {
            self.draw_once(stream, entity_arm, labels);
            self.unit_arms(entity_arm, unit_arm);
            return Ok((1, None));
        };
        let mut best = f64::INFINITY;
        for draw in 1..=acceptance.max_draws {
            self.draw_once(stream, entity_arm, labels);
            self.unit_arms(entity_arm, unit_arm);
            let m = acceptance.criterion.statistic(unit_arm);
            best = best.min(m);
            if acceptance.rule.accepts(m) {
                return Ok((draw, Some(m)));
            }
        }
        Err(best)
    }

    /// Draws the allocation for `seed` (steps 3 to 5).
    pub fn draw(self, seed: u64) -> Result<Allocation<'p>, AssignError> {
        let mut stream = rng::Stream::new(seed);
        let (mut entity_arm, mut labels, mut unit_arm) = (Vec::new(), Vec::new(), Vec::new());
        let acceptance = self.acceptance()?;
        let drawn = self.draw_accepted(
            &mut stream,
            acceptance.as_ref(),
            &mut entity_arm,
            &mut labels,
            &mut unit_arm,
        );
        let record = match (&self.plan.rerandomisation, drawn) {
            (_, Ok((_, None))) => None,
            (Some(r), Ok((draws, Some(statistic)))) => Some(RerandomisationRecord {
                covariates: r.covariates.clone(),
                max_mahalanobis: r.rule.max_mahalanobis,
                acceptance_probability: r.rule.acceptance_probability,
                max_draws: r.max_draws,
                draws,
                statistic,
            }),
            (None, Ok((_, Some(_)))) => unreachable!("a statistic comes only with a rule"),
            (r, Err(best)) => {
                let r = r.as_ref().expect("only a rule can refuse an allocation");
                return Err(AssignError::NotAccepted {
                    draws: r.max_draws,
                    threshold: r.rule.max_mahalanobis,
                    best,
                });
            }
        };
        // The rule borrows the prepared design, which the allocation takes over.
        drop(acceptance);
        let mut entity_group = vec![0u32; self.n_entities];
        for g in 0..self.groups.len() {
            for e in self.groups.members(g) {
                entity_group[*e as usize] = g as u32;
            }
        }
        let fixed: Option<Vec<f64>> = self.plan.counts.as_ref().map(|counts| {
            counts
                .iter()
                .map(|c| *c as f64 / self.n_entities as f64)
                .collect()
        });
        let probabilities = vec![fixed.unwrap_or_else(|| self.shares.clone()); self.groups.len()];
        Ok(Allocation {
            prepared: self,
            seed,
            unit_arm,
            entity_group,
            probabilities,
            rerandomisation: record,
        })
    }
}

/// Quotes a CSV field when it needs it.
fn csv_field(text: &[u8], out: &mut Vec<u8>) {
    if text
        .iter()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
        || text.first().is_some_and(u8::is_ascii_whitespace)
        || text.last().is_some_and(u8::is_ascii_whitespace)
    {
        out.push(b'"');
        for b in text {
            if *b == b'"' {
                out.push(b'"');
            }
            out.push(*b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(text);
    }
}

/// Rows rendered per task when assignments.csv is written.
const RENDER_CHUNK: usize = 1 << 16;
/// Chunks rendered ahead of the writer.
const RENDER_AHEAD: usize = 8;

/// The rows of assignments.csv as bytes. Everything after the identifier depends
/// only on the group, the arm and the cluster, so those fields are rendered once.
struct Renderer<'a> {
    allocation: &'a Allocation<'a>,
    /// ",arm,block," per group and arm.
    middle: Vec<Vec<Vec<u8>>>,
    /// ",probability\n" per group and arm.
    tail: Vec<Vec<Vec<u8>>>,
    /// Each cluster label as a field.
    cluster_field: Option<Vec<Vec<u8>>>,
    /// Whether some identifier must be quoted (otherwise none is checked row by row).
    quote_ids: bool,
}

impl<'a> Renderer<'a> {
    fn new(allocation: &'a Allocation<'a>) -> Self {
        let p = &allocation.prepared;
        let field = |text: &str| {
            let mut f = Vec::new();
            csv_field(text.as_bytes(), &mut f);
            f
        };
        let arm_field: Vec<Vec<u8>> = p.arm_names.iter().map(|a| field(a)).collect();
        let middle = p
            .groups
            .labels
            .iter()
            .map(|label| {
                let block = field(label);
                arm_field
                    .iter()
                    .map(|arm| [b",".as_slice(), arm, b",", &block, b","].concat())
                    .collect()
            })
            .collect();
        let tail = allocation
            .probabilities
            .iter()
            .map(|ps| ps.iter().map(|x| format!(",{x}\n").into_bytes()).collect())
            .collect();
        let cluster_field = p
            .units
            .cluster
            .as_ref()
            .map(|c| c.labels.iter().map(|l| field(&l[0])).collect());
        Renderer {
            allocation,
            middle,
            tail,
            cluster_field,
            quote_ids: p.units.ids_need_quoting(),
        }
    }

    fn header(&self) -> Vec<u8> {
        let mut header = Vec::new();
        csv_field(
            self.allocation.prepared.units.id_column.as_bytes(),
            &mut header,
        );
        header.extend_from_slice(b",arm,block,cluster,probability\n");
        header
    }

    fn rows(&self, rows: std::ops::Range<usize>) -> Vec<u8> {
        let a = self.allocation;
        let units = &a.prepared.units;
        let mut out = Vec::with_capacity(rows.len() * 40);
        for row in rows {
            let raw = units.id(row);
            if self.quote_ids && raw.iter().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
                csv_field(raw, &mut out);
            } else {
                out.extend_from_slice(raw);
            }
            let arm = a.unit_arm[row] as usize;
            let g = a.unit_group(row) as usize;
            out.extend_from_slice(&self.middle[g][arm]);
            if let (Some(fields), Some(c)) = (&self.cluster_field, &units.cluster) {
                out.extend_from_slice(&fields[c.index[row] as usize]);
            }
            out.extend_from_slice(&self.tail[g][arm]);
        }
        out
    }
}

impl Allocation<'_> {
    fn unit_group(&self, row: usize) -> u32 {
        let entity = match &self.prepared.unit_entity {
            Some(map) => map[row] as usize,
            None => row,
        };
        self.entity_group[entity]
    }

    /// Writes assignments.csv to `out`.
    ///
    /// Rows are rendered in chunks on every core while `out` takes the chunks
    /// already rendered, in order, on a thread of its own; the bytes do not depend
    /// on the number of threads.
    pub fn write_csv<W: Write + Send>(&self, mut out: W) -> std::io::Result<()> {
        let renderer = Renderer::new(self);
        out.write_all(&renderer.header())?;
        let n = self.prepared.units.n_rows();
        let chunks: Vec<std::ops::Range<usize>> = (0..n.div_ceil(RENDER_CHUNK))
            .map(|c| c * RENDER_CHUNK..((c + 1) * RENDER_CHUNK).min(n))
            .collect();
        let (send, receive) = std::sync::mpsc::sync_channel::<Vec<u8>>(RENDER_AHEAD);
        std::thread::scope(|scope| {
            let writer = scope.spawn(move || -> std::io::Result<W> {
                for bytes in receive {
                    out.write_all(&bytes)?;
                }
                Ok(out)
            });
            'render: for batch in chunks.chunks(RENDER_AHEAD) {
                let rendered: Vec<Vec<u8>> = batch
                    .par_iter()
                    .map(|rows| renderer.rows(rows.clone()))
                    .collect();
                for bytes in rendered {
                    if send.send(bytes).is_err() {
                        // The writer stopped on an error, which the join reports.
                        break 'render;
                    }
                }
            }
            drop(send);
            let mut out = writer
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            out.flush()
        })
    }

    /// SHA-256 of assignments.csv as `write_csv` writes it.
    pub fn csv_sha256(&self) -> String {
        let mut hashing = HashingWriter {
            inner: std::io::sink(),
            hasher: Sha256::new(),
        };
        self.write_csv(&mut hashing)
            .expect("writing to a sink cannot fail");
        sha256_hex_of_digest(hashing.hasher.finalize().as_slice())
    }

    /// Units per arm in each group.
    pub fn group_counts(&self) -> Vec<Vec<u64>> {
        let p = &self.prepared;
        let mut counts = vec![vec![0u64; p.arm_names.len()]; p.groups.len()];
        for row in 0..self.unit_arm.len() {
            counts[self.unit_group(row) as usize][self.unit_arm[row] as usize] += 1;
        }
        counts
    }

    /// The manifest for this allocation, given the SHA-256 of its assignments.csv.
    pub fn manifest(&self, seed_source: &str, assignments_sha256: String) -> Manifest {
        let p = &self.prepared;
        let group_counts = self.group_counts();
        let mut units_per_arm = vec![0u64; p.arm_names.len()];
        for counts in &group_counts {
            for (total, c) in units_per_arm.iter_mut().zip(counts) {
                *total += c;
            }
        }
        let clusters_per_arm = p.unit_entity.as_ref().map(|map| {
            let mut seen = vec![false; p.n_entities];
            let mut counts = vec![0u64; p.arm_names.len()];
            for (row, e) in map.iter().enumerate() {
                if !std::mem::replace(&mut seen[*e as usize], true) {
                    counts[self.unit_arm[row] as usize] += 1;
                }
            }
            counts
        });
        let blocks = if p.plan.method == AssignmentMethod::MatchedPairs || p.units.blocks.is_none()
        {
            Vec::new()
        } else {
            p.groups
                .labels
                .iter()
                .zip(&group_counts)
                .zip(&self.probabilities)
                .map(|((label, counts), probabilities)| BlockCount {
                    block: label.clone(),
                    units: counts.clone(),
                    probabilities: probabilities.clone(),
                })
                .collect()
        };
        Manifest {
            manifest_version: MANIFEST_VERSION,
            engine: "evident".into(),
            engine_version: env!("CARGO_PKG_VERSION").into(),
            procedure: rng::PROCEDURE.into(),
            method: p.plan.method.name().into(),
            seed: self.seed,
            seed_source: seed_source.into(),
            units_file: p.plan.units_file_shown.clone(),
            units_sha256: p.units.sha256.clone(),
            design_sha256: p.plan.design_sha256.clone(),
            assignments_file: ASSIGNMENTS_FILE.into(),
            assignments_sha256,
            n_units: p.units.n_rows(),
            n_clusters: p.unit_entity.as_ref().map(|_| p.n_entities),
            arms: p
                .arm_names
                .iter()
                .enumerate()
                .map(|(k, name)| ArmCount {
                    arm: name.clone(),
                    share: p.shares[k],
                    units: units_per_arm[k],
                    clusters: clusters_per_arm.as_ref().map(|c| c[k]),
                })
                .collect(),
            blocks,
            rerandomisation: self.rerandomisation.clone(),
        }
    }

    /// Balance of the declared covariates.
    pub fn balance(&self) -> Balance {
        let p = &self.prepared;
        let covariates: Vec<(String, &[f64])> = p
            .plan
            .covariates
            .iter()
            .map(|c| (c.clone(), p.covariate(c)))
            .collect();
        balance::balance(&covariates, &self.unit_arm, &p.arm_names, p.control)
    }
}

struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// What the report says about the allocation.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AssignmentReport {
    pub method: String,
    pub method_label: String,
    pub procedure: String,
    pub seed: u64,
    pub seed_source: String,
    pub manifest_sha256: String,
    pub units_sha256: String,
    pub assignments_sha256: String,
    pub n_units: usize,
    pub n_clusters: Option<usize>,
    pub arms: Vec<ArmCount>,
    /// Per block (empty without blocks and for matched pairs).
    pub blocks: Vec<BlockCount>,
    pub balance: Balance,
    pub rerandomisation: Option<RerandomisationRecord>,
}

impl AssignmentReport {
    pub(crate) fn new(
        manifest: &Manifest,
        manifest_bytes: &[u8],
        balance: Balance,
        method: AssignmentMethod,
    ) -> Self {
        AssignmentReport {
            method: manifest.method.clone(),
            method_label: method.label().into(),
            procedure: manifest.procedure.clone(),
            seed: manifest.seed,
            seed_source: manifest.seed_source.clone(),
            manifest_sha256: sha256_hex(manifest_bytes),
            units_sha256: manifest.units_sha256.clone(),
            assignments_sha256: manifest.assignments_sha256.clone(),
            n_units: manifest.n_units,
            n_clusters: manifest.n_clusters,
            arms: manifest.arms.clone(),
            blocks: manifest.blocks.clone(),
            balance,
            rerandomisation: manifest.rerandomisation.clone(),
        }
    }
}

/// What `assign` did.
pub struct AssignOutcome {
    pub manifest: Manifest,
    pub report: AssignmentReport,
    pub files: Vec<PathBuf>,
    /// Whether an identical allocation was already there (the files were rewritten
    /// with the same bytes).
    pub unchanged: bool,
}

pub(crate) fn read_manifest(path: &Path) -> Result<Option<(Manifest, Vec<u8>)>, AssignError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(AssignError::Manifest {
                path: path.to_path_buf(),
                message: e.to_string(),
            });
        }
    };
    let manifest = serde_json::from_slice(&bytes).map_err(|e| AssignError::Manifest {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    Ok(Some((manifest, bytes)))
}

pub(crate) fn file_sha256(path: &Path) -> Result<Option<String>, AssignError> {
    match crate::data::sha256_of_file(path) {
        Ok(sha256) => Ok(Some(sha256)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(AssignError::Manifest {
            path: path.to_path_buf(),
            message: e.to_string(),
        }),
    }
}

/// A seed from the operating system, below 2^53 so that every JSON reader keeps it exact.
fn drawn_seed() -> u64 {
    use rand::TryRng;
    let mut os = rand::rngs::SysRng;
    let raw = os.try_next_u64().unwrap_or_else(|_| {
        // No OS entropy: fall back to the clock, which is still recorded.
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    });
    raw & ((1u64 << 53) - 1)
}

/// Runs the assign stage: allocates, refuses to replace a different existing
/// allocation unless `force`, and writes assignments.csv and manifest.json atomically.
pub fn run(plan: &Plan, force: bool) -> Result<AssignOutcome, AssignError> {
    let assignment = plan
        .assignment
        .as_ref()
        .expect("the assign stage runs only when declared");
    if assignment.method == AssignmentMethod::SteppedWedge {
        return stepped_wedge::run(plan, assignment, force);
    }
    let prepared = prepare(plan, assignment)?;
    let existing = read_manifest(&assignment.manifest_path())?;
    let (seed, seed_source) = choose_seed(assignment, existing.as_ref(), prepared.units_sha256());
    let allocation = prepared.draw(seed)?;
    let staged = stage_csv(assignment, |csv_tmp| write_hashed(&allocation, csv_tmp))?;
    let (manifest, manifest_bytes, unchanged) =
        commit(assignment, existing, staged, force, |sha| {
            allocation.manifest(&seed_source, sha)
        })?;
    let report = AssignmentReport::new(
        &manifest,
        &manifest_bytes,
        allocation.balance(),
        assignment.method,
    );
    Ok(AssignOutcome {
        manifest,
        report,
        files: vec![assignment.assignments_path(), assignment.manifest_path()],
        unchanged,
    })
}

/// The seed of an allocation: the spec's; else the one an existing manifest records
/// for the same units file and design section; else a fresh one from the system.
pub(crate) fn choose_seed(
    assignment: &AssignmentPlan,
    existing: Option<&(Manifest, Vec<u8>)>,
    units_sha256: &str,
) -> (u64, String) {
    match (assignment.seed, existing) {
        (Some(seed), _) => (seed, "spec".to_string()),
        (None, Some((m, _)))
            if m.units_sha256 == units_sha256 && m.design_sha256 == assignment.design_sha256 =>
        {
            (m.seed, m.seed_source.clone())
        }
        (None, _) => (drawn_seed(), "drawn".to_string()),
    }
}

/// An assignments.csv written under a temporary name, with its SHA-256 and that of
/// the file it would replace.
pub(crate) struct Staged {
    csv_tmp: PathBuf,
    new_sha: String,
    existing_sha: Option<String>,
}

/// Writes assignments.csv under a temporary name in the output folder with `write`
/// (which returns the SHA-256 of what it wrote), hashing the existing file meanwhile.
pub(crate) fn stage_csv(
    assignment: &AssignmentPlan,
    write: impl FnOnce(&Path) -> Result<String, AssignError> + Send,
) -> Result<Staged, AssignError> {
    let dir = &assignment.output_dir;
    let csv_path = assignment.assignments_path();
    std::fs::create_dir_all(dir).map_err(|source| AssignError::Write {
        path: dir.clone(),
        source,
    })?;
    crate::pipeline::remove_stale_temporaries(dir);
    // Render once, hashing while writing to a temporary file.
    let pid = std::process::id();
    let csv_tmp = dir.join(format!(".{ASSIGNMENTS_FILE}.{pid}.tmp"));
    // The existing file (if any) is hashed on a second thread meanwhile.
    let (written, existing_sha) = std::thread::scope(|scope| {
        let existing = scope.spawn(|| file_sha256(&csv_path));
        let written = write(&csv_tmp);
        let existing = existing.join().unwrap_or_else(|_| file_sha256(&csv_path));
        (written, existing)
    });
    match (written, existing_sha) {
        (Ok(new_sha), Ok(existing_sha)) => Ok(Staged {
            csv_tmp,
            new_sha,
            existing_sha,
        }),
        (Err(e), _) | (_, Err(e)) => {
            let _ = std::fs::remove_file(&csv_tmp);
            Err(e)
        }
    }
}

/// Puts a staged allocation in place with the manifest `manifest_for` builds from
/// its SHA-256, unless that would replace a different allocation or rewrite a
/// manifest recording other inputs (both only with `force`). Returns the manifest,
/// its bytes, and whether the allocation on disk was already this one.
pub(crate) fn commit(
    assignment: &AssignmentPlan,
    existing: Option<(Manifest, Vec<u8>)>,
    staged: Staged,
    force: bool,
    manifest_for: impl FnOnce(String) -> Manifest,
) -> Result<(Manifest, Vec<u8>, bool), AssignError> {
    let Staged {
        csv_tmp,
        new_sha,
        existing_sha,
    } = staged;
    let dir = &assignment.output_dir;
    let manifest_path = assignment.manifest_path();
    let csv_path = assignment.assignments_path();
    let unchanged = existing_sha.as_deref() == Some(new_sha.as_str());
    let occupied = existing.is_some() || existing_sha.is_some();
    if occupied && !unchanged && !force {
        let _ = std::fs::remove_file(&csv_tmp);
        return Err(AssignError::WouldReplace {
            path: csv_path,
            existing_seed: existing
                .as_ref()
                .map_or("unknown: no manifest".into(), |(m, _)| m.seed.to_string()),
            existing_units: existing
                .as_ref()
                .map_or("unknown".into(), |(m, _)| m.units_sha256.clone()),
        });
    }
    let manifest = manifest_for(new_sha);
    let manifest_bytes = manifest.to_bytes();
    // The same allocation from different inputs (a changed units file, an edited
    // design) must not re-hash the manifest: `--verify` would then pass on inputs
    // nobody recorded. Only --force records new inputs.
    if let Some((recorded, recorded_bytes)) = &existing
        && *recorded_bytes != manifest_bytes
        && !force
    {
        let _ = std::fs::remove_file(&csv_tmp);
        return Err(AssignError::ManifestWouldChange {
            path: manifest_path,
            differences: Some(recorded.differences(&manifest))
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| vec!["the file's bytes were edited".into()]),
        });
    }
    place_files(dir, &csv_tmp, &manifest_bytes)?;
    Ok((manifest, manifest_bytes, unchanged))
}

/// Writes assignments.csv to `path`, synced, and returns its SHA-256.
///
/// The file is flushed to disk on a thread of its own each time another
/// `SYNC_EVERY` bytes have been written, so that the disk works while the rest is
/// rendered and the final sync has little left to do.
fn write_hashed(allocation: &Allocation<'_>, path: &Path) -> Result<String, AssignError> {
    let io = |source| AssignError::Write {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::create(path).map_err(io)?;
    let (signal, signalled) = std::sync::mpsc::channel::<()>();
    let (written, synced) = std::thread::scope(|scope| {
        let file = &file;
        let syncer = scope.spawn(move || -> std::io::Result<()> {
            while signalled.recv().is_ok() {
                while signalled.try_recv().is_ok() {}
                file.sync_data()?;
            }
            Ok(())
        });
        let mut hashing = HashingWriter {
            inner: SyncingWriter {
                file,
                unsynced: 0,
                signal,
            },
            hasher: Sha256::new(),
        };
        let written = allocation.write_csv(&mut hashing);
        // Dropping the writer closes the signal, which ends the syncer.
        let HashingWriter { inner, hasher } = hashing;
        drop(inner);
        let written = written.map(|()| hasher.finalize());
        let synced = syncer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (written, synced)
    });
    let digest = written.map_err(io)?;
    synced.map_err(io)?;
    file.sync_all().map_err(io)?;
    Ok(sha256_hex_of_digest(digest.as_slice()))
}

/// Bytes written between background syncs of assignments.csv.
const SYNC_EVERY: usize = 32 << 20;

/// Writes to a file and signals the syncing thread every `SYNC_EVERY` bytes.
struct SyncingWriter<'a> {
    file: &'a std::fs::File,
    unsynced: usize,
    signal: std::sync::mpsc::Sender<()>,
}

impl Write for SyncingWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.unsynced += n;
        if self.unsynced >= SYNC_EVERY {
            self.unsynced = 0;
            // A stopped syncer has failed; its error is reported after writing.
            let _ = self.signal.send(());
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// Writes the manifest under a temporary name, then renames the staged
/// assignments.csv and the manifest into place; on failure nothing is left behind.
fn place_files(dir: &Path, csv_tmp: &Path, manifest: &[u8]) -> Result<(), AssignError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| AssignError::Write { path, source }
    };
    let manifest_tmp = dir.join(format!(".{MANIFEST_FILE}.{}.tmp", std::process::id()));
    if let Err(source) = std::fs::write(&manifest_tmp, manifest) {
        let _ = std::fs::remove_file(csv_tmp);
        let _ = std::fs::remove_file(&manifest_tmp);
        return Err(AssignError::Write {
            path: manifest_tmp,
            source,
        });
    }
    let csv_path = dir.join(ASSIGNMENTS_FILE);
    std::fs::rename(csv_tmp, &csv_path).map_err(io(&csv_path))?;
    let manifest_path = dir.join(MANIFEST_FILE);
    std::fs::rename(&manifest_tmp, &manifest_path).map_err(io(&manifest_path))?;
    Ok(())
}

/// One check of `verify`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct VerifyCheck {
    pub what: String,
    pub recorded: String,
    pub found: String,
    pub ok: bool,
}

/// The outcome of `evident assign --verify`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Verification {
    pub verified: bool,
    pub checks: Vec<VerifyCheck>,
    pub seed: u64,
    pub manifest: PathBuf,
    #[serde(skip)]
    pub report: Option<AssignmentReport>,
}

/// Recomputes the allocation from the manifest's seed and the current inputs and
/// confirms that assignments.csv, the units file and the design match the manifest.
pub fn verify(plan: &Plan) -> Result<Verification, AssignError> {
    let assignment = plan
        .assignment
        .as_ref()
        .expect("verify runs only when an assignment is declared");
    let manifest_path = assignment.manifest_path();
    let Some((manifest, manifest_bytes)) = read_manifest(&manifest_path)? else {
        return Err(AssignError::Manifest {
            path: manifest_path,
            message: "no such file".into(),
        });
    };
    // The units file's SHA-256 and a redraw from a seed (assignments.csv's SHA-256
    // and the balance table), by method.
    type Redraw<'a> = Box<dyn FnOnce(u64) -> Result<(String, Balance), AssignError> + 'a>;
    let (units_sha256, redraw): (String, Redraw<'_>) =
        if assignment.method == AssignmentMethod::SteppedWedge {
            let prepared = stepped_wedge::prepare(plan, assignment)?;
            (
                prepared.units_sha256().to_string(),
                Box::new(move |seed| {
                    let (bytes, _) = prepared.draw(seed)?.to_bytes("spec");
                    Ok((sha256_hex(&bytes), Balance::default()))
                }),
            )
        } else {
            let prepared = prepare(plan, assignment)?;
            (
                prepared.units_sha256().to_string(),
                Box::new(move |seed| {
                    let allocation = prepared.draw(seed)?;
                    Ok((allocation.csv_sha256(), allocation.balance()))
                }),
            )
        };
    let mut checks = Vec::new();
    let mut check = |what: &str, recorded: &str, found: &str| {
        checks.push(VerifyCheck {
            what: what.into(),
            recorded: recorded.into(),
            found: found.into(),
            ok: recorded == found,
        });
    };
    check("units file SHA-256", &manifest.units_sha256, &units_sha256);
    check(
        "design section SHA-256",
        &manifest.design_sha256,
        &assignment.design_sha256,
    );
    check("method", &manifest.method, assignment.method.name());
    check("procedure", &manifest.procedure, rng::PROCEDURE);
    if let Some(seed) = assignment.seed {
        check("seed", &manifest.seed.to_string(), &seed.to_string());
    }
    let (recomputed, balance) = redraw(manifest.seed)?;
    let on_disk = file_sha256(&assignment.assignments_path())?.unwrap_or_else(|| "missing".into());
    check(
        "assignments.csv SHA-256 (recorded vs file)",
        &manifest.assignments_sha256,
        &on_disk,
    );
    check(
        "assignments.csv SHA-256 (recorded vs recomputed)",
        &manifest.assignments_sha256,
        &recomputed,
    );
    let verified = checks.iter().all(|c| c.ok);
    let report = verified
        .then(|| AssignmentReport::new(&manifest, &manifest_bytes, balance, assignment.method));
    Ok(Verification {
        verified,
        checks,
        seed: manifest.seed,
        manifest: manifest_path,
        report,
    })
}

/// Allocates without writing anything (for tests, benchmarks and the library):
/// assignments.csv bytes and the manifest for `seed`.
pub fn allocate_to_bytes(plan: &Plan, seed: u64) -> Result<(Vec<u8>, Manifest), AssignError> {
    let assignment = plan
        .assignment
        .as_ref()
        .expect("allocate runs only when an assignment is declared");
    if assignment.method == AssignmentMethod::SteppedWedge {
        return Ok(stepped_wedge::prepare(plan, assignment)?
            .draw(seed)?
            .to_bytes("spec"));
    }
    let allocation = prepare(plan, assignment)?.draw(seed)?;
    let mut bytes = Vec::new();
    allocation
        .write_csv(&mut bytes)
        .expect("writing to memory cannot fail");
    let manifest = allocation.manifest("spec", sha256_hex(&bytes));
    Ok((bytes, manifest))
}
